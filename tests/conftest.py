"""Test configuration: float64 for reference parity, strict promotion, a shared key.

x64 is process-global and must be switched on before any array exists, so it is set here at import.

Comparing floating-point results (the rule every test follows; see also tests/README.md):

- Exact equality (`assert_array_equal`, `==`) only where it is guaranteed on every CPU: the same compiled
  program called twice with the same inputs (determinism, a resume that reruns the identical program),
  integers and booleans, shapes, values that are copied rather than computed (io round trips, stored
  points), NumPy arithmetic on both sides, and results that are exact in any evaluation order (sums of
  small integers, a product with an exact 0).
- Two differently compiled programs (jit vs eager, `grad` vs forward, batched vs single, another batch
  size or chunk size, vmap vs loop, other shapes, fused vs separate) may round differently: XLA picks
  fusions, FMA contraction and vector widths per program and per CPU (AVX2 vs AVX-512), so they agree
  only to a few ulps. Compare them with `assert_close_ulps` (a few ulps of the dtype) or, for a long
  trajectory where rounding differences accumulate, with an explicit rtol/atol justified by the dtype,
  and say why in a comment. Or make both sides the same compiled program and say so.
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


def assert_close_ulps(actual, expected, ulps=4, *, dtype=None):
    """Element-wise |actual - expected| <= ulps * spacing(max(|actual|, |expected|)) in ``dtype`` (default: the
    arrays' own floating dtype; the coarser of the two when they differ).

    For results of differently compiled programs, which may round differently in the last bits (see the module
    docstring). Values that are NaN or infinite must match exactly (same positions, same infinities).
    """
    a, e = np.asarray(actual), np.asarray(expected)
    assert a.shape == e.shape or e.ndim == 0, f"shapes differ: {a.shape} vs {e.shape}"
    if dtype is None:
        kinds = [x.dtype for x in (a, e) if np.issubdtype(x.dtype, np.floating)]
        dtype = min(kinds, key=lambda d: np.finfo(d).bits) if kinds else np.float64
    a, e = a.astype(np.float64), np.broadcast_to(e, a.shape).astype(np.float64)
    finite = np.isfinite(a) & np.isfinite(e)
    np.testing.assert_array_equal(a[~finite], e[~finite], err_msg="non-finite values differ")
    scale = np.maximum(np.abs(a[finite]), np.abs(e[finite])).astype(dtype)
    # spacing(0) is the smallest subnormal: two programs agreeing on 0 up to rounding of a tiny term still pass.
    limit = ulps * np.spacing(scale).astype(np.float64)
    err = np.abs(a[finite] - e[finite])
    if err.size and np.any(err > limit):
        worst = int(np.argmax(err / np.maximum(limit, np.finfo(np.float64).tiny)))
        raise AssertionError(
            f"not within {ulps} ulps ({np.dtype(dtype).name}): {int(np.sum(err > limit))} of {err.size} differ, "
            f"worst {err[worst]:.3g} at value {scale[worst]:.6g} (limit {limit[worst]:.3g})"
        )


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


def with_noise(model, params):
    """``params`` with the model's noise switched on (OU noise, or the model's own state noise), weakly."""
    changes = {}
    if model.noise_vars and "sigma_ou" in params._fields:
        changes["sigma_ou"] = 0.01
    if model.state_noise is not None and "d_phi" in params._fields:
        changes["d_phi"] = 0.01
    return params._replace(**changes)


# ---- synthetic evolution results with a known genealogy (the evolution figure tests, tests/plot) ----


@pytest.fixture
def genealogy_result():
    """3 generations of population 4 over (x, y, z); one objective to minimise; individual 7 is invalid.

    Parents: 4 <- (0, 1), 5 <- (0, 1), 6 <- (2, -), 7 <- (1, 3), 8 <- (4, 5), 9 <- (4, 0), 10 <- (6, 2),
    11 <- (5, -). Individual 8 has the lowest fitness (the best); its ancestors are 4, 5, 0 and 1.
    """
    fitness = np.array([0.5, 0.6, 0.9, 0.8, 0.3, 0.4, 0.7, np.nan, 0.05, 0.2, 0.65, 0.35])[:, None]
    parents = np.array(
        [[-1, -1]] * 4 + [[0, 1], [0, 1], [2, -1], [1, 3], [4, 5], [4, 0], [6, 2], [5, -1]]
    )  # fmt: skip
    params = np.random.default_rng(0).uniform(-1.0, 1.0, (12, 3))
    from jaxbrain.evolve import EvolutionResult

    return EvolutionResult(
        names=("x", "y", "z"), low=np.array([-2.0, -3.0, -1.0]), high=np.array([2.0, 3.0, 1.0]),
        weights=np.array([-1.0]), params=params, fitness=fitness, generation=np.repeat([0, 1, 2], 4),
        parents=parents, population=np.array([[0, 1, 2, 3], [4, 5, 0, 1], [8, 9, 11, 4]]),
        n_invalid=np.array([0, 1, 0]), n_replaced=np.array([0, 0, 1]), algorithm="adaptive", state=None, meta={},
    )  # fmt: skip


def _long_result(n_gen, pop=6, names=("x", "y")):
    """``n_gen`` generations of population ``pop`` with random parameters and fitness (no genealogy)."""
    rng = np.random.default_rng(1)
    n = pop * n_gen
    ids = np.arange(n).reshape(n_gen, pop)
    k = len(names)
    from jaxbrain.evolve import EvolutionResult

    return EvolutionResult(
        names=tuple(names), low=np.full(k, -5.0), high=np.full(k, 5.0), weights=np.array([1.0]),
        params=rng.uniform(-5.0, 5.0, (n, k)), fitness=rng.uniform(0.0, 1.0, (n, 1)),
        generation=np.repeat(np.arange(n_gen), pop), parents=np.full((n, 2), -1), population=ids,
        n_invalid=np.zeros(n_gen, int), n_replaced=np.zeros(n_gen, int), algorithm="CMA_ES", state=None, meta={},
    )  # fmt: skip


@pytest.fixture
def long_result():
    """A factory: ``long_result(n_gen, pop=6, names=("x", "y"))``."""
    return _long_result
