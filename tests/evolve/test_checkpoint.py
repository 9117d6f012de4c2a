"""Checkpoints: a crashed evolution resumes bit for bit, a finished one can be extended, others are refused."""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from jaxbrain.evolve import evolve, load, vmap_fitness
from jaxbrain.explore import ParameterSpace

SPACE = ParameterSpace(["x", "y"], [[-5.0, 5.0], [-5.0, 5.0]], kind="bound")
CIRCLE = vmap_fitness(lambda p: jnp.abs(p["x"] ** 2 + p["y"] ** 2 - 1.0))
FIELDS = ("params", "fitness", "generation", "parents", "population", "n_invalid", "n_replaced")


class Crash(Exception):
    pass


# evolve identifies fitness_fn by its code and the values it closes over, so the crash switch and the count of
# calls live outside it: the crashing and the resuming run use the same function.
CALLS = {"n": 0, "crash_at": None}


def _fitness(params):
    CALLS["n"] += 1
    if CALLS["n"] == CALLS["crash_at"]:
        raise Crash(f"killed while evaluating generation {CALLS['crash_at'] - 1}")
    return CIRCLE(params)


def _crashing_at(generation):
    CALLS.update(n=0, crash_at=generation + 1)
    return _fitness, CALLS


def _assert_same(a, b):
    # A resume runs the same jitted programs with the same shapes on the same inputs: bit-identical.
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_resume_after_a_crash_equals_an_uninterrupted_run(tmp_path):
    # (An evosax strategy's state is resumed in test_evosax.py.)
    n_gen, crash_at = 6, 3
    settings = dict(key=jr.key(7), pop_size=50, pop_init_size=100, n_gen=n_gen, weights=(-1.0,))
    whole = evolve(CIRCLE, SPACE, **settings)
    path = tmp_path / "evo.npz"
    crashing, _ = _crashing_at(crash_at)
    with pytest.raises(Crash):
        evolve(crashing, SPACE, checkpoint_path=path, **settings)
    assert load(path).n_generations == crash_at  # generations 0 … crash_at − 1 are on disk
    counting, calls = _crashing_at(-1)  # never crashes; counts the evaluations
    resumed = evolve(counting, SPACE, checkpoint_path=path, **settings)
    assert calls["n"] == n_gen - crash_at  # only the missing generations ran
    _assert_same(resumed, whole)
    _assert_same(load(path), whole)
    with np.load(path, allow_pickle=False) as f:  # plain arrays, readable without pickle
        assert "meta" in f.files


def test_extend_a_finished_evolution(tmp_path):
    settings = dict(key=jr.key(8), pop_size=50, pop_init_size=100, weights=(-1.0,))
    path = tmp_path / "evo.npz"
    evolve(CIRCLE, SPACE, n_gen=3, checkpoint_path=path, **settings)
    longer = evolve(CIRCLE, SPACE, n_gen=5, checkpoint_path=path, **settings)
    _assert_same(longer, evolve(CIRCLE, SPACE, n_gen=5, **settings))


def test_a_checkpoint_of_another_evolution_is_refused(tmp_path):
    settings = dict(pop_size=50, pop_init_size=100, n_gen=2, weights=(-1.0,))
    path = tmp_path / "evo.npz"
    evolve(CIRCLE, SPACE, key=jr.key(0), checkpoint_path=path, **settings)
    with pytest.raises(ValueError, match=r"evo.npz belongs to another evolution .* key: stored \[0, 0\], now \[0, 1\]"):
        evolve(CIRCLE, SPACE, key=jr.key(1), checkpoint_path=path, **settings)
    with pytest.warns(RuntimeWarning, match="another evolution"):
        fresh = evolve(CIRCLE, SPACE, key=jr.key(1), checkpoint_path=path, overwrite=True, **settings)
    _assert_same(load(path), fresh)
    assert load(path).meta["key"] == fresh.meta["key"]
