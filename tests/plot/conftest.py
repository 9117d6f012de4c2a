"""Synthetic evolution results with a known genealogy, shared by the evolution figure tests."""

import numpy as np
import pytest

from jaxbrain.evolve import EvolutionResult


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
