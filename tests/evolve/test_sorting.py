"""Pareto ranking: fronts and crowding distances against brute-force numpy definitions (Deb et al. 2002)."""

import jax
import numpy as np
import pytest

from jaxbrain import evolve

# Jitted as inside the generation step (and so that each is one compilation, not one per operation).
non_dominated_rank = jax.jit(evolve.non_dominated_rank)
crowding_distance = jax.jit(evolve.crowding_distance)
pareto_front = jax.jit(evolve.pareto_front)


def _dominates(a, b):
    return np.all(a >= b) and np.any(a > b)


def _brute_ranks(w):
    """Fronts by definition: front r holds those dominated only by members of fronts < r."""
    n = len(w)
    rank = np.full(n, -1)
    r = 0
    while (rank < 0).any():
        left = np.flatnonzero(rank < 0)
        front = [i for i in left if not any(_dominates(w[j], w[i]) for j in left if j != i)]
        rank[front] = r
        r += 1
    return rank


def _brute_crowding(w, rank):
    n, m = w.shape
    out = np.zeros(n)
    for r in np.unique(rank):
        members = np.flatnonzero(rank == r)
        for k in range(m):
            order = members[np.argsort(w[members, k], kind="stable")]
            f = w[order, k]
            out[order[0]] = out[order[-1]] = np.inf
            span = f[-1] - f[0]
            if span > 0:
                for j in range(1, len(order) - 1):
                    out[order[j]] += (f[j + 1] - f[j - 1]) / span
    return out


@pytest.mark.parametrize("m", [2, 3])
def test_ranks_and_front_match_brute_force(m):
    rng = np.random.default_rng(m)
    # Rounded values make ties and duplicate points, which the definitions must survive.
    w = np.round(rng.normal(size=(60, m)), 1)
    rank = np.asarray(non_dominated_rank(w))
    np.testing.assert_array_equal(rank, _brute_ranks(w))
    front = np.asarray(pareto_front(w))
    np.testing.assert_array_equal(front, rank == 0)


def test_crowding_distance_matches_definition():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(40, 2))  # continuous values: no ties, so the neighbour order is unique
    rank = np.asarray(non_dominated_rank(w))
    got = np.asarray(crowding_distance(w, rank))
    want = _brute_crowding(w, rank)
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    np.testing.assert_allclose(got[np.isfinite(want)], want[np.isfinite(want)], rtol=1e-12, atol=1e-12)


def test_invalid_rows_rank_last_and_are_not_on_the_front():
    w = np.array([[1.0, 0.0], [0.0, 1.0], [-np.inf, -np.inf], [-5.0, -5.0], [-np.inf, -np.inf]])
    rank = np.asarray(non_dominated_rank(w))
    assert rank.tolist() == [0, 0, 2, 1, 2]
    assert np.asarray(pareto_front(w)).tolist() == [True, True, False, False, False]
    assert not np.any(np.isnan(np.asarray(crowding_distance(w, rank))))
