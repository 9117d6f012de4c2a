"""Every delayed-read backend available on this machine gives the reference backend's simulations: every model on a
small delayed network with noise, and Hopf on the gw connectome with delays, noise and BOLD, in float64 to 1e-12
(issue 14's contract). Pallas runs here in its interpret mode (``pallas-interpret``); GPU-only backends are skipped
on a CPU, optional ones (``cpu-kernel``, extra ``cpu-kernels``) when their dependency is missing."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from conftest import with_noise

from jaxbrain import MODELS, Connectome, Dataset, simulate
from jaxbrain.network import BACKENDS

PLATFORM = jax.default_backend()
OTHERS = sorted(name for name in BACKENDS if name != "xla")
DT = {"thalamus": 0.01}


def _available(name):
    if not BACKENDS[name].available(PLATFORM, "float64"):
        pytest.skip(f"backend {name!r} is not available on {PLATFORM} (optional dependency or other platform)")


def _compare(ref, other):
    assert other.backend != "xla"
    for name, value in ref.outputs.items():
        np.testing.assert_allclose(np.asarray(other.outputs[name]), np.asarray(value), rtol=1e-12, atol=1e-12)
    if ref.bold is not None:
        np.testing.assert_allclose(np.asarray(other.bold), np.asarray(ref.bold), rtol=1e-12, atol=1e-14)
    for a, b in zip(jax.tree.leaves(other.final), jax.tree.leaves(ref.final)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("backend", OTHERS)
@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_runs_the_same_through_every_backend(name, backend):
    _available(backend)
    model = MODELS[name]
    weights = np.array([[0.0, 0.6, 0.2], [0.3, 0.0, 0.5], [0.4, 0.1, 0.0]])
    net = Connectome(weights, np.array([[0.0, 8.0, 12.0], [8.0, 0.0, 4.0], [12.0, 4.0, 0.0]]))
    dt = DT.get(name, 0.1)
    params = with_noise(model, model.Params())
    with jax.enable_x64(True):
        runs = [
            simulate(model, params, net, key=jr.key(1), duration=40 * dt, dt=dt, dtype=jnp.float64, backend=b)
            for b in ("xla", backend)
        ]
        _compare(*runs)


@pytest.mark.parametrize("backend", OTHERS)
def test_gw_with_delays_noise_and_bold_runs_the_same_through_every_backend(backend):
    _available(backend)
    ds = Dataset("gw")
    n = 80 if backend != "pallas-interpret" else 12  # the interpreter runs one program per target: keep it small
    net = Connectome(ds.Cmat[:n, :n], ds.Dmat[:n, :n])
    tile = BACKENDS[backend].batch_tile
    batch = 2 * tile if tile else 2  # tiled backends are compared with more than one tile
    params = MODELS["hopf"].Params(K_gl=jnp.linspace(0.5, 1.5, batch), sigma_ou=0.05)
    with jax.enable_x64(True):
        runs = [
            simulate(
                "hopf", params, net, key=jr.split(jr.key(2), batch), duration=30.0, batched=True, bold=True,
                dtype=jnp.float64, backend=b, sampling_dt=1.0,
            )
            for b in ("xla", backend)
        ]  # fmt: skip
        _compare(*runs)
