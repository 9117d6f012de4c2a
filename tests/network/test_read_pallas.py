"""The Pallas fused delayed read (``network/_read_pallas.py``) against the reference XLA read, in interpret mode.

The kernel is the one a GPU compiles (Triton lowering); here Pallas interprets it on the CPU. Shapes stay small
because every shape is one interpreted program to compile. The kernel sums in another order than XLA's
contraction, so results agree to rounding: 1e-12 in float64, 1e-5 relative in float32 (relative to the sum of
absolute terms, the scale the rounding error is proportional to).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

pytest.importorskip("jax.experimental.pallas")

from jaxbrain.network import fractional_read_plan  # noqa: E402
from jaxbrain.network._read import XLA, _xla_gather_sum, _xla_window_sum  # noqa: E402
from jaxbrain.network._read_pallas import (  # noqa: E402
    BACKEND,
    INTERPRET_BACKEND,
    pallas_gather_sum,
    pallas_window_sum,
)

TOL = {np.float64: 1e-12, np.float32: 1e-5}


def _assert_close(got, want, scale, dtype):
    assert got.shape == want.shape and got.dtype == want.dtype
    tol = TOL[dtype] * max(float(jnp.max(scale)), 1.0)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=0, atol=tol)


def _random_read(rng, dtype, rows, n_vars, batch, targets, sources, n_sums, pad=0):
    """A ring, offsets in range from ``start`` = 3, weights; the last ``pad`` sources are padding (weight 0)."""
    ring = jnp.asarray(rng.normal(size=(rows, n_vars, batch)), dtype)
    offsets = jnp.asarray(rng.integers(-3, rows - 3, size=(targets, sources)), jnp.int32)
    w = rng.normal(size=(n_sums, targets, sources))
    if pad:
        w[:, :, -pad:] = 0.0
    return ring, offsets, jnp.asarray(w, dtype)


@pytest.mark.parametrize(
    ("dtype", "batch", "n_vars", "sources", "channels", "pad"),
    [
        (np.float64, 1, 1, 11, (0,), 3),  # one simulation, S not a power of two, padded sources
        (np.float64, 7, 2, 11, (0, 1), 0),  # a batch tile past the end of the batch; two sums of two variables
        (np.float32, 64, 2, 11, (0, 0), 2),  # two sums of the same variable (one load for both)
        (np.float32, 16, 1, 300, (0,), 0),  # more sources than one tile: the kernel loops, the last tile ragged
    ],
)
def test_gather_sum_matches_reference(dtype, batch, n_vars, sources, channels, pad):
    rng = np.random.default_rng(batch)
    ring, offsets, w = _random_read(rng, dtype, 40, n_vars, batch, 6, sources, len(channels), pad)

    @jax.jit
    def both(ring, w):
        got = INTERPRET_BACKEND.gather_sum(ring, 3, offsets, w, channels)
        want = _xla_gather_sum(ring, 3, offsets, w, channels)
        return got, want, _xla_gather_sum(jnp.abs(ring), 3, offsets, jnp.abs(w), channels)

    got, want, scale = both(ring, w)
    assert got.shape == (6, len(channels), batch)
    _assert_close(got, want, scale, dtype)


def test_gather_sum_on_the_fractional_plan_with_a_traced_start():
    # The integrator's fractional-delay read: offsets (N, 2N) into the node-major doubled ring (R = N·2L rows),
    # start = the step's slot h in [0, L), traced inside jit as in the scan.
    n, ring_len, batch = 5, 9, 3
    rng = np.random.default_rng(2)
    lengths = rng.uniform(0.0, 140.0, size=(n, n))
    weights = jnp.asarray(rng.uniform(0.0, 1.0, size=(2, n, n)))
    offsets, tap_w = fractional_read_plan(lengths, 20.0, 1.0, ring_len, weights)
    ring = jnp.asarray(rng.normal(size=(n * 2 * ring_len, 2, batch)))

    @jax.jit
    def both(start):
        got = INTERPRET_BACKEND.gather_sum(ring, start, offsets, tap_w, (0, 1))
        want = _xla_gather_sum(ring, start, offsets, tap_w, (0, 1))
        return got, want, _xla_gather_sum(jnp.abs(ring), start, offsets, jnp.abs(tap_w), (0, 1))

    for h in (0, 4, ring_len - 1):
        _assert_close(*both(jnp.int32(h)), np.float64)


def test_window_sum_matches_reference():
    rng = np.random.default_rng(3)
    block, rows = 3, 30
    ring = jnp.asarray(rng.normal(size=(rows, 2, 7)))
    starts = jnp.asarray(rng.integers(0, rows - block + 1, size=(4, 6)), jnp.int32)
    w = jnp.asarray(rng.normal(size=(2, 4, 6)))

    @jax.jit
    def both(ring, w):
        got = INTERPRET_BACKEND.window_sum(ring, starts, w, (1, 0), block)
        want = _xla_window_sum(ring, starts, w, (1, 0), block)
        return got, want, _xla_window_sum(jnp.abs(ring), starts, jnp.abs(w), (1, 0), block)

    got, want, scale = both(ring, w)
    assert got.shape == (block, 4, 2, 7)
    _assert_close(got, want, scale, np.float64)


def test_gradients_match_reference():
    # The backward pass is the reference's VJP (only the forward read is fused): the gradients w.r.t. the ring and
    # the weights must be the reference's, for both reads.
    rng = np.random.default_rng(4)
    ring, offsets, w = _random_read(rng, np.float64, 24, 2, 3, 4, 5, 2)
    cot = jnp.asarray(rng.normal(size=(4, 2, 3)))
    starts = jnp.asarray(rng.integers(0, 20, size=(4, 5)), jnp.int32)
    wcot = jnp.asarray(rng.normal(size=(2, 4, 2, 3)))

    def grads(backend):
        def loss(r, ww):
            gathered = backend.gather_sum(r, 2, offsets, ww, (0, 1))
            windows = backend.window_sum(r, starts, ww, (1, 0), 2)
            return jnp.sum(cot * gathered) + jnp.sum(wcot * windows)

        return jax.jit(jax.grad(loss, argnums=(0, 1)))(ring, w)

    got, want = grads(INTERPRET_BACKEND), grads(XLA)
    for g, r in zip(got, want, strict=True):
        assert g.shape == r.shape
        np.testing.assert_allclose(np.asarray(g), np.asarray(r), rtol=0, atol=1e-12)
    # Not trivially zero: the rows that are read get the cotangent times their weights.
    assert float(jnp.max(jnp.abs(got[0]))) > 0.1 and float(jnp.max(jnp.abs(got[1]))) > 0.1


def test_available_and_names():
    assert BACKEND.name == "pallas" and INTERPRET_BACKEND.name == "pallas-interpret"
    # Never chosen automatically off a GPU, nor for dtypes the kernel does not take.
    assert not BACKEND.available("cpu", np.float32)
    assert not BACKEND.available("gpu", np.int32)
    assert not BACKEND.available("gpu", "not a dtype")
    assert BACKEND.available("gpu", np.float32) and BACKEND.available("cuda", np.float64)
    assert INTERPRET_BACKEND.available("cpu", np.float64)
    assert not INTERPRET_BACKEND.available("cpu", np.float16)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda r, o, w: pallas_gather_sum(r[0], 0, o, w, (0,)), ValueError, "ring"),
        (lambda r, o, w: pallas_gather_sum(r, 0, o[0], w, (0,)), ValueError, "offsets"),
        (lambda r, o, w: pallas_gather_sum(r, 0, o.astype(jnp.float64), w, (0,)), TypeError, "offsets"),
        (lambda r, o, w: pallas_gather_sum(r, 0, o, w, (0, 1)), ValueError, "weights"),
        (lambda r, o, w: pallas_gather_sum(r, 0, o, w, (2,)), ValueError, "channels"),
        (lambda r, o, w: pallas_gather_sum(r.astype(jnp.int32), 0, o, w.astype(jnp.int32), (0,)), TypeError, "float"),
        (lambda r, o, w: pallas_window_sum(r, o, w, (0,), 0), ValueError, "block"),
    ],
)
def test_bad_input(call, exc, match):
    ring = jnp.zeros((10, 2, 3))
    offsets = jnp.zeros((4, 5), jnp.int32)
    w = jnp.zeros((1, 4, 5))
    with pytest.raises(exc, match=match):
        call(ring, offsets, w)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernel_lowers_for_triton(dtype):
    # What a GPU would compile, checked without one: exporting for CUDA runs Pallas' Triton lowering (power-of-two
    # tiles, masked loads, the source loop) on gw-like shapes; only XLA's compilation of the Triton IR is left out.
    export = pytest.importorskip("jax.export")
    ring = jax.ShapeDtypeStruct((80 * 2 * 118, 2, 7), dtype)
    offsets = jax.ShapeDtypeStruct((80, 160), jnp.int32)
    w = jax.ShapeDtypeStruct((2, 80, 160), dtype)
    checks = [export.DisabledSafetyCheck.custom_call("__gpu$xla.gpu.triton")]

    def exported(f, *args):
        return export.export(jax.jit(f), platforms=["cuda"], disabled_checks=checks)(*args).mlir_module()

    text = exported(lambda r, s, o, ww: BACKEND.gather_sum(r, s, o, ww, (0, 0)), ring, jnp.int32(0), offsets, w)
    assert "__gpu$xla.gpu.triton" in text and "jaxbrain_delayed_read" in text
    text = exported(lambda r, o, ww: BACKEND.window_sum(r, o, ww, (0, 1), 4), ring, offsets, w)
    assert "__gpu$xla.gpu.triton" in text
