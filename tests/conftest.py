"""Test configuration: float64 for reference parity, strict promotion, a shared key.

x64 is process-global and must be switched on before any array exists, so it is set here at import.
"""

import os
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_rank_promotion", "raise")
jax.config.update("jax_numpy_dtype_promotion", "strict")
# A persistent compilation cache outside the clone makes repeated local runs fast; CI starts cold.
jax.config.update(
    "jax_compilation_cache_dir",
    os.environ.get("JAXBRAIN_TEST_CACHE", str(Path.home() / ".cache" / "jaxbrain-tests")),
)
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)

import jax.random as jr  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

DATA = Path(__file__).parent / "data"


@pytest.fixture
def key():
    return jr.key(0)


@pytest.fixture(scope="session")
def golden():
    """neurolib master outputs (noise off) with the initial values that produced them."""
    with np.load(DATA / "neurolib_golden.npz") as f:
        return dict(f)


def tree_allclose(a, b, *, rtol, atol):
    """Leaf-wise allclose of two pytrees, with explicit tolerances."""
    la, ta = jax.tree.flatten(a)
    lb, tb = jax.tree.flatten(b)
    if ta != tb:
        return False
    return all(np.allclose(np.asarray(x), np.asarray(y), rtol=rtol, atol=atol) for x, y in zip(la, lb))


@pytest.fixture(scope="session")
def gw():
    """The mean gw connectome, as neurolib's reference runs used it."""
    from jaxbrain import Connectome, Dataset

    ds = Dataset("gw")
    return Connectome(ds.Cmat, ds.Dmat)


def check_neurolib_parity(model, golden, where, init_names, connectome, duration, key, rtol=1e-6):
    """Run ``model`` from neurolib's stored initial values and compare every stored output element-wise."""
    from jaxbrain import simulate

    prefix = f"{model.name if model.name != 'ww' else 'wongwang'}/{where}"
    init = model.State(*(golden[f"{prefix}/init/{name}"][:, -1] for name in init_names))
    res = simulate(model, None, connectome, key=key, duration=duration, initial=init)
    np.testing.assert_allclose(res.t, golden[f"{prefix}/out/t"], rtol=1e-12, atol=0)
    assert compare_outputs(res, golden, f"{prefix}/out", model.output_vars, rtol) >= 1


def compare_outputs(res, reference, prefix, names, rtol=1e-6):
    """Element-wise check of ``res.outputs[name]`` ([time, node], float64) against ``reference[f"{prefix}/{name}"]``
    ([node, time], neurolib's layout) for every name the reference holds; returns how many were compared."""
    compared = 0
    for name in names:
        ref = reference.get(f"{prefix}/{name}")
        if ref is None:
            continue
        got = np.asarray(res.outputs[name]).T
        assert got.shape == ref.shape and got.dtype == np.float64
        rel = np.max(np.abs(got - ref) / np.maximum(np.abs(ref), 1e-12))
        assert rel <= rtol, f"{prefix}/{name}: max relative error {rel:.2e}"
        compared += 1
    return compared


def check_per_node_params(model, per_node, initial, key, duration=50.0):
    """Uncoupled nodes with per-node parameter arrays evolve exactly as separate single-node runs."""
    from jaxbrain import Connectome, simulate

    n = len(initial[0])
    net = Connectome(np.ones((n, n)) - np.eye(n))
    # Switch the network off through the model's global coupling gain (ALN's is Ke_gl).
    uncoupled = {"K_gl": 0.0} if "K_gl" in model.Params._fields else {"Ke_gl": 0.0}
    res = simulate(model, model.Params(**uncoupled, **per_node), net, key=key, duration=duration, initial=initial)
    assert res.outputs[model.output_vars[0]].shape == (round(duration / 0.1), n)
    for i in range(n):
        one = simulate(
            model,
            model.Params(**uncoupled, **{k: v[i] for k, v in per_node.items()}),
            key=key,
            duration=duration,
            initial=model.State(*(v[i : i + 1] for v in initial)),
        )
        for name in model.output_vars:
            np.testing.assert_allclose(res.outputs[name][:, i], one.outputs[name][:, 0], rtol=1e-12, atol=1e-15)
