"""Genetic operators: the distributions and invariants of their definitions."""

import math

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from jaxbrain.evolve import (
    adaptive_gaussian_mutation,
    blend_crossover,
    crowded_tournament,
    polynomial_mutation,
    rank_selection,
    sbx_crossover,
)
from jaxbrain.evolve._operators import mutate_until_valid

LOW, HIGH = jnp.array([0.0, -1.0, 2.0]), jnp.array([1.0, 1.0, 5.0])


def test_rank_selection_follows_linear_ranking(key):
    # Scores 0..7 in shuffled order plus two invalid individuals, which are never drawn.
    scores = np.array([3.0, -np.inf, 0.0, 7.0, 5.0, 1.0, -np.inf, 6.0, 2.0, 4.0])
    k, s, mu = 400_000, 1.5, 8
    picks = np.asarray(jax.jit(lambda key, w: rank_selection(key, w, k, s=s))(key, jnp.asarray(scores[:, None])))
    freq = np.bincount(picks, minlength=len(scores)) / k
    r = np.where(np.isfinite(scores), scores, 0.0)  # the score is the rank here (0 = worst)
    want = np.where(np.isfinite(scores), (2 - s) / mu + 2 * r * (s - 1) / (mu * (mu - 1)), 0.0)
    np.testing.assert_allclose(freq, want, atol=0.003)  # ~4 binomial standard errors


def test_blend_crossover_keeps_the_pair_sum_and_range(key):
    a, b = np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0, 1.0, -2.0, 3.5])
    mate = jax.jit(lambda k, a, b: blend_crossover(k, a, b, alpha=0.5))
    ca, cb = (np.asarray(c) for c in mate(key, np.tile(a, (2000, 1)), np.tile(b, (2000, 1))))
    np.testing.assert_allclose(ca + cb, np.broadcast_to(a + b, ca.shape), rtol=0, atol=1e-12)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    d = hi - lo
    assert np.all((ca >= lo - 0.5 * d - 1e-12) & (ca <= hi + 0.5 * d + 1e-12))
    assert ca[:, 0].min() < -0.45 and ca[:, 0].max() > 1.45  # BLX-0.5 reaches ±α·d


def test_sbx_and_polynomial_mutation_stay_in_bounds(key):
    rng = np.random.default_rng(0)
    low, high = np.asarray(LOW), np.asarray(HIGH)
    a = rng.uniform(low, high, (500, 3))
    b = a.copy()
    b[:, 1] = rng.uniform(-1.0, 1.0, 500)  # the parents differ in gene 1 only

    @jax.jit
    def operate(key, a, b):
        k1, k2 = jr.split(key)
        ca, cb = sbx_crossover(k1, a, b, LOW, HIGH)
        return ca, cb, polynomial_mutation(k2, a, LOW, HIGH, indpb=1.0)

    ca, cb, m = (np.asarray(x) for x in operate(key, a, b))
    for arr in (ca, cb, m):
        assert np.all((arr >= low) & (arr <= high))
    np.testing.assert_array_equal(ca[:, [0, 2]], a[:, [0, 2]])  # genes the parents share are inherited
    np.testing.assert_array_equal(cb[:, [0, 2]], b[:, [0, 2]])
    crossed = ca[:, 1] != a[:, 1]
    assert 0.4 < crossed.mean() < 0.6  # crossed with probability 1/2 (and swapped half of those times)
    assert np.mean(m != a) > 0.95  # indpb=1 mutates every gene


def test_self_adaptive_mutation_step_sizes(key):
    n = 4
    genomes = jnp.tile(jnp.concatenate([jnp.zeros(n), jnp.full(n, 0.5)]), (40_000, 1))
    out = np.asarray(jax.jit(lambda k, g: adaptive_gaussian_mutation(k, g, jnp.zeros(n)))(key, genomes))
    log_ratio = np.log(out[:, n:] / 0.5)
    gamma, gamma_gl = 1 / math.sqrt(2 * math.sqrt(n)), 1 / math.sqrt(2 * n)
    # log σ'/σ = γ N_i + γ_gl N: variance γ² + γ_gl², genes correlated through the shared N.
    np.testing.assert_allclose(log_ratio.var(axis=0), gamma**2 + gamma_gl**2, rtol=0.03)
    corr = np.corrcoef(log_ratio.T)[0, 1]
    np.testing.assert_allclose(corr, gamma_gl**2 / (gamma**2 + gamma_gl**2), atol=0.02)
    # The parameters move with the new step size: (x' - x) / σ' is standard normal.
    z = out[:, :n] / out[:, n:]
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=0.03)


def test_mutate_until_valid_retries_then_clips(key):
    low, high = jnp.zeros(2), jnp.ones(2)
    genomes = jnp.full((300, 2), 0.5).at[-1].set(0.9)

    def sometimes_out(k, g, lo, hi):
        return g + jr.normal(k, g.shape)  # leaves the box often, but not always

    def never_in(k, g, lo, hi):
        return g.at[-1].add(10.0)  # the last genome always leaves the box

    retried = np.asarray(jax.jit(lambda k, g: mutate_until_valid(sometimes_out, k, g, low, high))(key, genomes))
    assert np.all((retried >= 0.0) & (retried <= 1.0))
    assert len(np.unique(retried[:, 0])) == 300  # valid draws, not clipped values
    clipped = np.asarray(jax.jit(lambda k, g: mutate_until_valid(never_in, k, g, low, high))(key, genomes))
    np.testing.assert_array_equal(clipped[-1], [1.0, 1.0])
    np.testing.assert_array_equal(clipped[:-1], genomes[:-1])


def test_crowded_tournament_prefers_lower_fronts(key):
    # Individual 0 dominates 1; every tournament between them must pick 0.
    w = jnp.array([[1.0, 1.0], [0.0, 0.0]])
    picks = np.asarray(jax.jit(jax.vmap(lambda k: crowded_tournament(k, w, 2)))(jr.split(key, 200)))
    assert np.all(picks == 0)
