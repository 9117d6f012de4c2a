"""The OU noise's draws (integrate/_noise.py): jax.random's Threefry stream, computed unrolled.

The bits are integer arithmetic, so they must equal jax.random's exactly; the normals are the same float steps in
another fusion, so they are compared to float32 rounding.
"""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from jaxbrain.integrate._noise import fast_path, step_bits, step_normals, threefry2x32


def _reference(fn, keys, steps, shape):
    per_member = jax.vmap(lambda k0: jax.vmap(lambda s: fn(jr.fold_in(k0, s), shape))(steps))(keys)
    return np.moveaxis(np.asarray(per_member), 0, -1)


@pytest.mark.parametrize("shape", [(2, 80), (3, 5), (1,), (7,)])
def test_bits_equal_jax_random(shape):
    keys = jr.split(jr.key(42), 3)
    steps = jnp.array([0, 1, 17, 99_999, 2**31 - 1], jnp.int32)
    ours = np.asarray(jax.jit(step_bits, static_argnums=2)(keys, steps, shape))
    ref = _reference(lambda k, s: jr.bits(k, s, jnp.uint32), keys, steps, shape)
    assert ours.shape == (5,) + shape + (3,)
    np.testing.assert_array_equal(ours, ref)


def test_normals_match_jax_random():
    keys = jr.split(jr.key(7), 4)
    steps = jnp.arange(200, 260, dtype=jnp.int32)
    ours = np.asarray(jax.jit(step_normals, static_argnums=2)(keys, steps, (2, 6)))
    ref = _reference(lambda k, s: jr.normal(k, s, jnp.float32), keys, steps, (2, 6))
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, ref, rtol=2e-6, atol=2e-6)
    # A standard normal sample: mean 0, variance 1 (2880 draws: 5 standard errors).
    assert abs(ours.mean()) < 5 / np.sqrt(ours.size)
    assert abs(ours.var() - 1) < 5 * np.sqrt(2 / ours.size)


def test_hash_known_answer():
    # Random123's published known-answer vector for Threefry-2x32, 20 rounds: key and counter all ones bits.
    ones = np.uint32(0xFFFFFFFF)
    out = threefry2x32(ones, ones, jnp.full((1,), ones), jnp.full((1,), ones))
    assert [int(out[0][0]), int(out[1][0])] == [0x1CB996FC, 0xBB002BE7]


def test_fast_path_only_for_threefry():
    assert fast_path(jr.key(0))
    assert fast_path(jr.split(jr.key(0), 3))
    assert not fast_path(jr.key(0, impl="rbg"))
