"""The "cpu-kernel" read backend (numba FFI kernel) against the reference XLA read: values, vmap, grad, errors."""

import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

pytest.importorskip("numba")

from jaxbrain.network import fractional_read_plan  # noqa: E402
from jaxbrain.network._read import _xla_gather_sum, _xla_window_sum  # noqa: E402
from jaxbrain.network._read_cpu import BACKEND  # noqa: E402

# Both sides sum the same terms in another order (and with or without FMA): they agree to rounding. Relative to
# the largest value, since single entries may cancel.
TOL = {jnp.float32: 1e-5, jnp.float64: 1e-12}


def assert_read_close(got, want, dtype):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype
    scale = float(np.max(np.abs(want))) if want.size else 1.0
    np.testing.assert_allclose(got, want, rtol=TOL[dtype], atol=TOL[dtype] * scale)


def random_read(rng, dtype, rows, n_vars, lanes, nodes, sources, sums, reach=1):
    ring = jnp.asarray(rng.standard_normal((rows, n_vars, lanes)), dtype)
    offsets = jnp.asarray(rng.integers(0, rows - reach - 3, (nodes, sources)), jnp.int32)
    weights = jnp.asarray(rng.standard_normal((sums, nodes, sources)), dtype)
    return ring, offsets, weights


CHANNELS = [((0,), 1), ((0, 1), 2), ((0, 0), 2), ((1,), 2)]


@pytest.mark.parametrize(
    ("dtype", "lanes", "channels", "n_vars"),
    [
        (jnp.float32, 1, *CHANNELS[0]),
        (jnp.float64, 1, *CHANNELS[2]),
        (jnp.float32, 7, *CHANNELS[1]),
        (jnp.float64, 7, *CHANNELS[3]),
        (jnp.float32, 64, *CHANNELS[2]),
        (jnp.float64, 64, *CHANNELS[0]),
        (jnp.float32, 93, *CHANNELS[3]),  # 64 + 16 + 8 + 4 + 1 lanes: every pass of the kernel
        (jnp.float64, 47, *CHANNELS[1]),
    ],
)
def test_gather_sum_matches_reference(dtype, lanes, channels, n_vars):
    rng = np.random.default_rng(lanes + 10 * n_vars)
    ring, offsets, weights = random_read(rng, dtype, 60, n_vars, lanes, 9, 11, len(channels))
    weights = weights.at[:, :, 8:].set(0)  # padding entries, as the integrator's short-pair plans have
    read = jax.jit(BACKEND.gather_sum, static_argnums=4)
    for start in (0, 3):
        got = read(ring, jnp.int32(start), offsets, weights, channels)
        assert_read_close(got, _xla_gather_sum(ring, start, offsets, weights, channels), dtype)


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
@pytest.mark.parametrize("lanes", [1, 8, 37])
def test_gather_sum_on_a_fractional_plan_in_a_scan(dtype, lanes):
    # The integrator's read: node-major doubled ring, both interpolation taps (S = 2N), start = (k − 1) mod L.
    n, length = 6, 12
    rng = np.random.default_rng(1)
    lengths = rng.uniform(0, 90, (n, n))
    w = jnp.asarray(rng.uniform(0, 1, (2, n, n)), dtype)
    offsets, tap_w = fractional_read_plan(lengths, 1.0, 10.0, length, w)
    ring = jnp.asarray(rng.standard_normal((n * 2 * length, 1, lanes)), dtype)

    def run(fn):
        def body(acc, k):
            return acc + fn(ring, (k - 1) % length, offsets, tap_w, (0, 0)), None

        return jax.lax.scan(body, jnp.zeros((n, 2, lanes), dtype), jnp.arange(1, 30, dtype=jnp.int32))[0]

    assert_read_close(jax.jit(lambda: run(BACKEND.gather_sum))(), run(_xla_gather_sum), dtype)


@pytest.mark.parametrize(
    ("dtype", "lanes", "block", "channels", "n_vars"),
    [
        (jnp.float32, 1, 5, *CHANNELS[0]),
        (jnp.float64, 16, 3, *CHANNELS[1]),
        (jnp.float32, 16, 3, *CHANNELS[2]),
        (jnp.float64, 1, 5, *CHANNELS[2]),
    ],
)
def test_window_sum_matches_reference(dtype, lanes, block, channels, n_vars):
    rng = np.random.default_rng(block)
    ring, starts, weights = random_read(rng, dtype, 50, n_vars, lanes, 7, 7, len(channels), reach=block)
    got = jax.jit(BACKEND.window_sum, static_argnums=(3, 4))(ring, starts, weights, channels, block)
    assert got.shape == (block, 7, len(channels), lanes)
    assert_read_close(got, _xla_window_sum(ring, starts, weights, channels, block), dtype)


def test_vmap_folds_leading_axes_and_broadcasts_the_rest():
    rng = np.random.default_rng(2)
    ring, offsets, _ = random_read(rng, jnp.float64, 40, 2, 8, 5, 6, 2)
    rings = jnp.asarray(rng.standard_normal((4,) + ring.shape))
    weights = jnp.asarray(rng.standard_normal((3, 2, 5, 6)))
    starts = jnp.asarray([0, 1, 2, 3], jnp.int32)

    def mine(r, s, w):
        return BACKEND.gather_sum(r, s, offsets, w, (0, 1))

    def ref(r, s, w):
        return _xla_gather_sum(r, s, offsets, w, (0, 1))

    for axes, args in [
        ((0, None, None), (rings, starts[0], weights[0])),
        ((None, 0, None), (ring, starts, weights[0])),
        ((0, 0, None), (rings, starts, weights[0])),
    ]:
        assert_read_close(jax.vmap(mine, axes)(*args), jax.vmap(ref, axes)(*args), jnp.float64)

    # Nested: every (weights, ring) pair, the ring and the weights batched by different vmaps.
    def nest(f):
        return jax.vmap(jax.vmap(f, (0, 0, None)), (None, None, 0))

    got = nest(mine)(rings, starts, weights)
    assert got.shape == (3, 4, 5, 2, 8)
    assert_read_close(got, nest(ref)(rings, starts, weights), jnp.float64)
    # window_sum under vmap too.
    win = jax.vmap(lambda r: BACKEND.window_sum(r, offsets, weights[0], (1, 0), 3))(rings)
    assert_read_close(win, jax.vmap(lambda r: _xla_window_sum(r, offsets, weights[0], (1, 0), 3))(rings), jnp.float64)


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_grad_matches_reference(dtype):
    rng = np.random.default_rng(3)
    ring, offsets, weights = random_read(rng, dtype, 40, 2, 7, 5, 6, 2, reach=3)

    def loss(fn):
        return lambda r, w: jnp.sum(jnp.sin(fn(r, 2, offsets, w, (1, 0))))

    def loss_window(fn):
        return lambda r, w: jnp.sum(jnp.cos(fn(r, offsets, w, (0, 1), 3)))

    for mine, ref in [
        (loss(BACKEND.gather_sum), loss(_xla_gather_sum)),
        (loss_window(BACKEND.window_sum), loss_window(_xla_window_sum)),
    ]:
        for got, want in zip(jax.grad(mine, (0, 1))(ring, weights), jax.grad(ref, (0, 1))(ring, weights)):
            assert_read_close(got, want, dtype)


def test_the_kernel_refuses_rows_out_of_range():
    rng = np.random.default_rng(4)
    ring, offsets, weights = random_read(rng, jnp.float64, 30, 1, 4, 3, 4, 1)
    offsets = offsets.at[1, 2].set(29)
    with pytest.raises(Exception, match="outside \\[0, R\\)"):
        jax.block_until_ready(jax.jit(BACKEND.gather_sum, static_argnums=4)(ring, jnp.int32(1), offsets, weights, (0,)))
    with pytest.raises(Exception, match="outside \\[0, R\\)"):
        jax.block_until_ready(BACKEND.gather_sum(ring, -1, offsets.at[1, 2].set(0), weights, (0,)))
    with pytest.raises(Exception, match="outside \\[0, R\\)"):  # the window's last row passes R
        jax.block_until_ready(BACKEND.window_sum(ring, offsets, weights, (0,), 2))


def test_the_kernel_checks_the_result_shape():
    from jaxbrain.network._read_cpu import _target

    rng = np.random.default_rng(5)
    ring, offsets, weights = random_read(rng, jnp.float64, 30, 1, 4, 3, 4, 1)
    wrong = jax.ShapeDtypeStruct((1, 3, 1, 5), jnp.float64)  # 5 lanes for a 4-lane ring
    call = jax.ffi.ffi_call(_target("float64"), wrong)
    with pytest.raises(Exception, match="shapes disagree"):
        jax.block_until_ready(call(ring, jnp.int32(0), offsets, weights, jnp.zeros((1,), jnp.int32)))


@pytest.mark.parametrize(
    ("ring_shape", "channels", "name"),
    [((30, 4), (0,), "ring"), ((30, 1, 4), (1,), "channels"), ((30, 1, 4), (0, 0), "weights")],
)
def test_bad_operands_raise_before_the_kernel(ring_shape, channels, name):
    ring = jnp.zeros(ring_shape)
    with pytest.raises(ValueError, match=name):
        BACKEND.gather_sum(ring, 0, jnp.zeros((3, 4), jnp.int32), jnp.zeros((1, 3, 4)), channels)


def test_available_and_other_dtypes():
    assert BACKEND.name == "cpu-kernel"
    assert BACKEND.available("cpu", jnp.float32) and BACKEND.available("cpu", "float64")
    assert not BACKEND.available("gpu", jnp.float32)
    assert not BACKEND.available("cpu", jnp.float16)
    assert not BACKEND.available("cpu", "not a dtype")
    # Dtypes the kernel does not handle read through the reference (the same program: equal).
    rng = np.random.default_rng(6)
    ring, offsets, weights = random_read(rng, jnp.float32, 30, 1, 4, 3, 4, 1)
    ring, weights = ring.astype(jnp.bfloat16), weights.astype(jnp.bfloat16)
    np.testing.assert_array_equal(
        np.asarray(BACKEND.gather_sum(ring, 0, offsets, weights, (0,)), np.float32),
        np.asarray(_xla_gather_sum(ring, 0, offsets, weights, (0,)), np.float32),
    )


def test_importing_the_backend_does_not_import_numba():
    code = "import sys, jaxbrain.network._read_cpu; assert 'numba' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
