"""The delayed-read operator: the reference backend against its definition (a loop over targets and sources), the
integrator's reads through it, and the backend choice (named, checked, reported in the result)."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from jaxbrain import Connectome, simulate
from jaxbrain.models import hopf
from jaxbrain.network import BACKENDS, gather_sum, window_sum
from jaxbrain.network._read import choose_backend


def _ring(rng, rows, n_vars, batch):
    return rng.standard_normal((rows, n_vars, batch))


@pytest.mark.parametrize("channels", [(0,), (0, 1), (1, 0), (0, 0)])
def test_gather_sum_is_the_weighted_sum_of_the_rows_it_names(channels):
    rng = np.random.default_rng(0)
    ring = _ring(rng, 40, 2, 3)
    offsets = rng.integers(0, 30, (5, 7)).astype(np.int32)
    weights = rng.standard_normal((len(channels), 5, 7))
    weights[:, :, -2:] = 0.0  # padding entries
    start = 9
    expected = np.zeros((5, len(channels), 3))
    for n in range(5):
        for p, c in enumerate(channels):
            for s in range(7):
                expected[n, p] += weights[p, n, s] * ring[start + offsets[n, s], c]
    with jax.enable_x64(True):
        got = gather_sum(jnp.asarray(ring), jnp.int32(start), jnp.asarray(offsets), jnp.asarray(weights), channels)
        np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-12, atol=1e-12)


def test_window_sum_reads_consecutive_rows_per_pair():
    rng = np.random.default_rng(1)
    ring = _ring(rng, 50, 1, 2)
    starts = rng.integers(0, 40, (4, 4)).astype(np.int32)
    weights = rng.standard_normal((1, 4, 4))
    block = 6
    expected = np.zeros((block, 4, 1, 2))
    for k in range(block):
        for n in range(4):
            for m in range(4):
                expected[k, n, 0] += weights[0, n, m] * ring[starts[n, m] + k, 0]
    with jax.enable_x64(True):
        got = window_sum(jnp.asarray(ring), jnp.asarray(starts), jnp.asarray(weights), (0,), block)
        np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-12, atol=1e-12)


def test_the_reference_is_always_there_and_chosen_unless_the_kernel_is_faster(monkeypatch):
    from jaxbrain.network import _read

    assert "xla" in BACKENDS and BACKENDS["xla"].available("cpu", "float32")
    assert choose_backend("xla", "gpu", "float64", 1) == "xla"
    assert choose_backend(None, "gpu", "float32", 64) == "xla"
    assert choose_backend(None, "cpu", "float32", 1) == "xla"  # one run: XLA's read is faster
    # batches on a CPU take the compiled kernel when its extra is installed, the reference otherwise
    for installed in (True, False):
        kernel = BACKENDS["cpu-kernel"]._replace(available=lambda platform, dtype, ok=installed: ok)
        monkeypatch.setitem(_read.BACKENDS, "cpu-kernel", kernel)
        expected = "cpu-kernel" if installed else "xla"
        assert choose_backend(None, "cpu", "float32", _read.CPU_KERNEL_MIN_BATCH) == expected
        assert choose_backend(None, "cpu", "float32", _read.CPU_KERNEL_MIN_BATCH - 1) == "xla"


@pytest.mark.parametrize(
    ("backend", "error", "fragment"),
    [("fast", ValueError, "unknown backend 'fast'"), (1, TypeError, "backend must be a backend's name")],
)
def test_simulate_refuses_an_unknown_backend(backend, error, fragment):
    with pytest.raises(error, match=fragment):
        simulate("hopf", key=jr.key(0), duration=1.0, backend=backend)


def test_a_backend_that_cannot_run_here_is_refused_naming_why(monkeypatch):
    from jaxbrain.network import _read

    never = _read.XLA._replace(name="never", available=lambda platform, dtype: False, description="test backend")
    monkeypatch.setitem(_read.BACKENDS, "never", never)
    with pytest.raises(ValueError, match="'never' .* is not available on cpu"):
        simulate("hopf", key=jr.key(0), duration=1.0, backend="never")


def test_the_result_names_the_backend_that_ran():
    cmat = np.array([[0.0, 1.0], [0.5, 0.0]])
    net = Connectome(cmat, np.array([[0.0, 30.0], [30.0, 0.0]]))
    auto = simulate("hopf", connectome=net, key=jr.key(0), duration=20.0)
    named = simulate("hopf", connectome=net, key=jr.key(0), duration=20.0, backend="xla")
    assert auto.backend == named.backend == "xla"
    # the same program: the named reference backend is the default one
    np.testing.assert_array_equal(np.asarray(auto.outputs["x"]), np.asarray(named.outputs["x"]))


@pytest.mark.parametrize("shared_key", [False, True])
def test_the_batch_tiled_backend_gives_the_reference_runs(shared_key):
    # 32 members in tiles of 16: every member, its noise and its BOLD as in one batch (to rounding)
    cmat = np.array([[0.0, 1.0, 0.3], [0.5, 0.0, 0.2], [0.1, 0.7, 0.0]])
    net = Connectome(cmat, 40.0 * (cmat > 0))
    batch = 32
    params = hopf.Params(
        K_gl=jnp.linspace(0.2, 1.5, batch), a=jnp.tile(jnp.array([-0.05, 0.1, 0.0]), (batch, 1)), sigma_ou=0.02
    )
    key = jr.key(3) if shared_key else jr.split(jr.key(3), batch)
    runs = {
        backend: simulate(
            "hopf",
            params,
            net,
            key=key,
            duration=420.0,
            dt=0.2,
            batched=True,
            bold=True,
            backend=backend,
            chunksize=700,
        )
        for backend in ("xla", "xla-tiled")
    }
    ref, tiled = runs["xla"], runs["xla-tiled"]
    assert tiled.backend == "xla-tiled"
    for name in ("x", "y"):
        np.testing.assert_allclose(tiled.outputs[name], ref.outputs[name], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tiled.bold, ref.bold, rtol=1e-5, atol=1e-7)
    for a, b in zip(jax.tree.leaves(tiled.final), jax.tree.leaves(ref.final)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("ring", "offsets", "weights", "channels", "fragment"),
    [
        (np.zeros((10, 4)), np.zeros((2, 3), np.int32), np.ones((1, 2, 3)), (0,), "ring must be"),
        (np.zeros((10, 1, 4)), np.zeros((2, 3)), np.ones((1, 2, 3)), (0,), "offsets must be an \\(N, S\\) integer"),
        (np.zeros((10, 1, 4)), np.zeros((2, 3), np.int32), np.ones((1, 3, 2)), (0,), "weights must be \\(P, 2, 3\\)"),
        (np.zeros((10, 1, 4)), np.zeros((2, 3), np.int32), np.ones((1, 2, 3)), (1,), "channels must name"),
        (np.zeros((10, 1, 4)), np.zeros((2, 3), np.int32), np.ones((2, 2, 3)), (0,), "channels must name"),
    ],
)
def test_the_read_refuses_arguments_of_the_wrong_shape(ring, offsets, weights, channels, fragment):
    with pytest.raises(ValueError, match=fragment):
        gather_sum(jnp.asarray(ring), jnp.int32(0), jnp.asarray(offsets), jnp.asarray(weights), channels)
    with pytest.raises(ValueError):
        window_sum(jnp.asarray(ring), jnp.asarray(offsets), jnp.asarray(weights), channels, 2)
