"""evosax strategies through the same loop: the unit circle with CMA-ES, the sign of the objective, bad names."""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from jaxbrain.evolve import algorithm_names, evolve, vmap_fitness
from jaxbrain.explore import ParameterSpace

SPACE = ParameterSpace(["x", "y"], [[-5.0, 5.0], [-5.0, 5.0]], kind="bound")
SETTINGS = dict(pop_size=50, n_gen=10, pop_init_size=100, algorithm="CMA_ES")


class Crash(Exception):
    pass


CALLS = {"n": 0}


def test_cma_es_circle_direction_and_resume(tmp_path):
    # One test, so that CMA-ES compiles once (per test process).
    distance = vmap_fitness(lambda p: jnp.abs(p["x"] ** 2 + p["y"] ** 2 - 1.0))
    res = evolve(lambda p: -distance(p), SPACE, key=jr.key(0), **SETTINGS)  # maximised (weight +1)
    x, y = res.params[res.best_id]
    # Distance of the best evaluated individual to the circle: seeds 0–19 give 0.00007–0.0076 (median 0.0015).
    assert abs(np.hypot(x, y) - 1.0) < 0.01
    assert res.population.shape == (10, 50)
    assert np.all(res.parents == -1)  # samples of a distribution have no parents
    assert "CMA_ES" in res.meta["config"]["evosax"]
    assert res.stats()["best_so_far"][-1] > res.stats()["best_so_far"][0]

    # The same objective minimised (weight −1) is the same search: evosax is told the same numbers (the same
    # jitted `distance`, negated exactly), so the runs are bit-identical.
    minimised = evolve(distance, SPACE, key=jr.key(0), weights=(-1.0,), **SETTINGS)
    np.testing.assert_array_equal(minimised.params, res.params)

    # Killed while evaluating generation 5, then resumed from the checkpoint: bit for bit the same. (The count of
    # calls is a global: evolve identifies fitness_fn by the values it closes over, which must not change.)
    calls = CALLS
    calls["n"] = 0

    def crashing(p):
        CALLS["n"] += 1
        if CALLS["n"] == 6:
            raise Crash
        return -distance(p)

    path = tmp_path / "cma.npz"
    with pytest.raises(Crash):
        evolve(crashing, SPACE, key=jr.key(0), checkpoint_path=path, **SETTINGS)
    calls["n"] = -100
    resumed = evolve(crashing, SPACE, key=jr.key(0), checkpoint_path=path, **SETTINGS)
    assert calls["n"] == -100 + 5  # generations 5 … 9
    for name in ("params", "fitness", "population", "n_invalid"):
        np.testing.assert_array_equal(getattr(resumed, name), getattr(res, name))


def test_unknown_algorithm_lists_the_valid_ones():
    with pytest.raises(ValueError, match="algorithm") as info:
        evolve(lambda p: p["x"], SPACE, key=jr.key(0), pop_size=4, n_gen=2, algorithm="CMA-ES")
    for name in ("adaptive", "nsga2", "CMA_ES", "SNES", "Open_ES", "DiffusionEvolution"):
        assert name in str(info.value)
        assert name in algorithm_names()


def test_genetic_operators_are_refused_by_evosax():
    with pytest.raises(ValueError, match="mutation"):
        evolve(lambda p: p["x"], SPACE, key=jr.key(0), pop_size=4, n_gen=2, algorithm="SNES", mutation=lambda *a: a)
    with pytest.raises(ValueError, match="strategy_params"):
        evolve(lambda p: p["x"], SPACE, key=jr.key(0), pop_size=4, n_gen=2, algorithm="SNES",
               strategy_params={"no_such": 1.0})  # fmt: skip
