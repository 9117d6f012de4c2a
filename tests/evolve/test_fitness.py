"""Fitness helpers: batching per-individual functions, shape checks, weighting."""

import jax.numpy as jnp
import numpy as np
import pytest

from jaxbrain.evolve import loop_fitness, vmap_fitness
from jaxbrain.evolve._fitness import check_fitness, score, weighted

PARAMS = {"x": jnp.array([0.0, 1.0, 2.0]), "y": jnp.array([1.0, 1.0, -1.0])}


@pytest.mark.parametrize("wrap", [vmap_fitness, loop_fitness])
def test_per_individual_forms(wrap):
    scalar = wrap(lambda p: p["x"] + p["y"])
    pair = wrap(lambda p: (p["x"], p["x"] * p["y"]))
    array = wrap(lambda p: jnp.stack([p["x"], p["y"], p["x"] - p["y"]]) if wrap is vmap_fitness
                 else np.array([p["x"], p["y"], p["x"] - p["y"]]))  # fmt: skip
    np.testing.assert_allclose(scalar(PARAMS), [[1.0], [2.0], [1.0]])
    np.testing.assert_allclose(pair(PARAMS), [[0.0, 0.0], [1.0, 1.0], [2.0, -2.0]])
    assert np.shape(array(PARAMS)) == (3, 3)


def test_check_fitness_shapes():
    np.testing.assert_array_equal(check_fitness(np.array([1.0, 2.0]), 2, 1), [[1.0], [2.0]])
    with pytest.raises(ValueError, match="weights has 1 entry but fitness_fn returned 2"):
        check_fitness(np.ones((3, 2)), 3, 1)
    with pytest.raises(ValueError, match="batch of 3"):
        check_fitness(np.ones(4), 3, 1)


def test_weighted_and_score():
    f = jnp.array([[1.0, 2.0], [np.nan, 1.0], [3.0, np.inf]])
    w = weighted(f, jnp.array([1.0, -1.0]))
    np.testing.assert_array_equal(w[0], [1.0, -2.0])
    assert bool(jnp.all(w[1:] == -jnp.inf))  # any non-finite objective makes the individual invalid
    np.testing.assert_array_equal(score(w), [-0.5, -np.inf, -np.inf])
