"""neurolib's genetic algorithms, ``"adaptive"`` and ``"nsga2"``, as one generation step built from operators.

One generation (neurolib's ``runEvolution`` loop, spec §6.2), all in one jitted function:

1. parents: ``parent_selection`` picks ``P`` parents from the population, paired in order (0, 1), (2, 3), …;
2. the pairs mate with ``crossover`` (child ``2i`` and ``2i + 1`` from pair ``i``); the children are mutated
   with ``mutation`` until their parameters are inside the box (≤ 100 tries from the unmutated child, then
   clipped); a child's two parents are its genealogy;
3. the population's invalid members (non-finite fitness) are replaced by as many new random individuals, which
   take the place of the last children, so a generation is always one batch of ``P`` (one compiled evaluation;
   neurolib evaluates them on top of its ``P`` children);
4. after evaluation, ``selection`` picks the ``P`` survivors from population + batch (elitist, μ + λ); invalid
   individuals rank last.

The initial population (``pop_init_size`` random individuals) is cut to ``P`` by the same ``selection``.

Presets:

* ``"adaptive"`` (neurolib's default): genome $[x_1..x_n, \\sigma_1..\\sigma_n]$ with $\\sigma_i$ = a third of
  the range; blend crossover (α = 0.5, all genes); self-adaptive Gaussian mutation; linear rank parent
  selection (s = 1.5); the ``P`` best by score survive.
* ``"nsga2"`` (Deb et al. 2002): genome $[x_1..x_n]$; bounded SBX (η = 20); bounded polynomial mutation
  (η = 20, per-gene probability 1/n, Deb's recommendation; neurolib passes 1/n_objectives); crowded binary
  tournament; NSGA-II survivor selection (fronts, then crowding distance).
"""

from __future__ import annotations

import functools as ft
from typing import NamedTuple

import jax
import jax.numpy as jnp
import jax.random as jr

from .._resume import canonical
from ._base import Algorithm
from ._fitness import valid_mask
from ._operators import (
    adaptive_gaussian_mutation,
    adaptive_individual,
    best_selection,
    blend_crossover,
    crowded_tournament,
    mutate_until_valid,
    nsga2_selection,
    polynomial_mutation,
    rank_selection,
    sbx_crossover,
    uniform_individual,
)


class GeneticState(NamedTuple):
    """The population of a genetic algorithm."""

    genomes: jax.Array  # (P, G)
    wfitness: jax.Array  # (P, M) weighted fitness, -inf rows for invalid individuals
    ids: jax.Array  # (P,) individual ids


# name -> default operators; the keys of a user's override dict.
PRESETS = {
    "adaptive": dict(
        individual=adaptive_individual,
        crossover=ft.partial(blend_crossover, alpha=0.5),
        mutation=adaptive_gaussian_mutation,
        parent_selection=ft.partial(rank_selection, s=1.5),
        selection=best_selection,
    ),
    "nsga2": dict(
        individual=uniform_individual,
        crossover=ft.partial(sbx_crossover, eta=20.0),
        mutation=ft.partial(polynomial_mutation, eta=20.0),
        parent_selection=crowded_tournament,
        selection=nsga2_selection,
    ),
}
OPERATORS = ("individual", "crossover", "mutation", "parent_selection", "selection")


def genetic(name, low, high, pop_size, *, max_tries=100, **operators):
    """A genetic :class:`Algorithm`: preset ``name``'s operators, any of them replaced by ``operators``.

    Args:
        name: ``"adaptive"`` or ``"nsga2"``.
        low, high: ``(n,)`` parameter bounds (JAX arrays in the working dtype).
        pop_size: population size ``P`` (even: parents mate in pairs).
        max_tries: mutation attempts before clipping to the box.
        **operators: ``individual``, ``crossover``, ``mutation``, ``parent_selection``, ``selection`` (see
            :mod:`jaxbrain.evolve._operators` for the signatures); ``None`` keeps the preset's.
    """
    ops = dict(PRESETS[name])
    ops.update({k: v for k, v in operators.items() if v is not None})
    n = low.shape[0]

    def random(key, count):
        return ops["individual"](key, count, low, high)

    def decode(genomes):
        return genomes[:, :n]

    def init(key, genomes, wfitness, ids):
        keep = ops["selection"](key, wfitness, pop_size)
        return GeneticState(genomes[keep], wfitness[keep], ids[keep])

    def ask(key, state):
        k_parents, k_cross, k_mutate, k_new = jr.split(key, 4)
        chosen = ops["parent_selection"](k_parents, state.wfitness, pop_size)
        first, second = chosen[0::2], chosen[1::2]
        a, b = ops["crossover"](k_cross, state.genomes[first], state.genomes[second], low, high)
        children = jnp.stack([a, b], axis=1).reshape(pop_size, -1)
        children = mutate_until_valid(ops["mutation"], k_mutate, children, low, high, max_tries)
        parents = jnp.repeat(jnp.stack([first, second], axis=1), 2, axis=0).astype(jnp.int32)
        n_invalid = jnp.sum(~valid_mask(state.wfitness), dtype=jnp.int32)
        fresh = jnp.arange(pop_size, dtype=jnp.int32) >= pop_size - n_invalid
        children = jnp.where(fresh[:, None], random(k_new, pop_size).astype(children.dtype), children)
        parents = jnp.where(fresh[:, None], -1, parents)
        return children, parents, state

    def tell(key, state, genomes, wfitness, ids):
        pool = GeneticState(
            jnp.concatenate([state.genomes, genomes]),
            jnp.concatenate([state.wfitness, wfitness]),
            jnp.concatenate([state.ids, ids]),
        )
        keep = ops["selection"](key, pool.wfitness, pop_size)
        return GeneticState(pool.genomes[keep], pool.wfitness[keep], pool.ids[keep])

    def population(state):
        return state.genomes, state.wfitness, state.ids

    config = {k: canonical(ops[k]) for k in OPERATORS} | {"max_tries": int(max_tries)}
    return Algorithm(name, random, decode, init, ask, tell, population, config)
