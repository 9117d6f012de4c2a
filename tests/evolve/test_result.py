"""EvolutionResult: history per generation, statistics, genealogy (edge list, networkx), tables."""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from jaxbrain.evolve import evolve, vmap_fitness
from jaxbrain.explore import ParameterSpace

SPACE = ParameterSpace(["x", "y"], [[-5.0, 5.0], [-5.0, 5.0]], kind="bound")
CIRCLE = vmap_fitness(lambda p: jnp.abs(p["x"] ** 2 + p["y"] ** 2 - 1.0))


@pytest.fixture(scope="module")
def res():
    return evolve(CIRCLE, SPACE, key=jr.key(5), pop_size=50, pop_init_size=100, n_gen=4, weights=(-1.0,))


def test_history_and_stats(res):
    assert res.n_generations == 4
    gen = res.history(-1)
    assert gen.index == 3 and len(gen.ids) == 50
    np.testing.assert_array_equal(gen.population, res.population[3])
    stats = res.stats()
    pop_scores = res.score[res.population]
    np.testing.assert_allclose(stats["best"], pop_scores.max(axis=1))
    np.testing.assert_allclose(stats["mean"], pop_scores.mean(axis=1))
    assert np.all(stats["p5"] <= stats["p50"]) and np.all(stats["p50"] <= stats["p95"])
    assert stats["best_so_far"][-1] == res.score[res.best_id]
    assert res.best_params == dict(zip(("x", "y"), res.params[res.best_id].tolist()))
    np.testing.assert_array_equal(res.population_params(-1)["x"], res.params[res.population[-1], 0])


def test_genealogy(res):
    edges = res.edges()
    children = np.flatnonzero(np.any(res.parents >= 0, axis=1))
    assert set(edges[:, 1]) == set(children.tolist())
    # Parents come from the population of the generation before their children.
    for parent, child in edges:
        g = res.generation[child]
        assert parent in res.population[g - 1]
        assert res.generation[parent] < g
    # Two children per mating pair, each listing both parents.
    assert len(edges) <= 2 * len(children)
    table = res.table()
    assert list(table.columns[:4]) == ["id", "gen", "x", "y"] and len(table) == len(res.params)


def test_to_networkx(res):
    nx = pytest.importorskip("networkx")
    graph = res.to_networkx()
    assert isinstance(graph, nx.DiGraph)
    assert graph.number_of_nodes() == len(res.params)
    assert graph.number_of_edges() == len(res.edges())
    assert graph.nodes[res.best_id]["generation"] == res.generation[res.best_id]


def test_to_networkx_without_networkx_says_so(res, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "networkx", None)
    with pytest.raises(ImportError, match="edges"):
        res.to_networkx()
