"""Figures of an evolution: the score per generation and the parameter distributions of a population."""

from __future__ import annotations

import math

import numpy as np


def _figure(ax, size):
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=size, layout="constrained")
        return fig, fig.add_subplot()
    fig = ax.figure
    while not isinstance(fig, Figure):  # a SubFigure's .figure is its parent
        fig = fig.figure
    return fig, ax


def evolution_progress(result, *, ax=None, percentiles=(5, 25, 75, 95), color="C0"):
    """Plot the population's score per generation: best, mean, median, percentile bands, best so far.

    The score is the mean weighted fitness (weights +1 maximise, −1 minimise), so higher is better whatever
    the objectives' directions. Generations with invalid individuals are marked with their count.

    Args:
        result: an :class:`~jaxbrain.evolve.EvolutionResult`.
        ax: the ``matplotlib`` axes to draw on; default a new figure.
        percentiles: two or four percentiles of the valid members' scores drawn as shaded bands (inner pair
            darker); ``()`` for none.
        color: the colour of the lines and bands.

    Returns:
        The :class:`matplotlib.figure.Figure` (never shown; a new figure is not registered with ``pyplot``).

    Example:
        >>> res = evolve(fitness, space, key=jr.key(0), pop_size=50, n_gen=20)
        >>> evolution_progress(res).savefig("progress.png")
    """
    fig, ax = _figure(ax, (5.6, 3.8))
    qs = sorted(float(q) for q in percentiles)
    if len(qs) not in (0, 2, 4):
        raise ValueError(f"percentiles must list 0, 2 or 4 values; got {percentiles!r}")
    stats = result.stats(percentiles=tuple(qs) + (50,))
    gens = np.arange(result.n_generations)
    for i in range(len(qs) // 2):
        lo, hi = qs[i], qs[-1 - i]
        alpha = 0.15 if i == 0 else 0.3
        ax.fill_between(gens, stats[f"p{lo:g}"], stats[f"p{hi:g}"], color=color, alpha=alpha, linewidth=0,
                        label=f"{lo:g}–{hi:g} %")  # fmt: skip
    ax.plot(gens, stats["p50"], color=color, linestyle="--", linewidth=1.0, label="median")
    ax.plot(gens, stats["mean"], color=color, linestyle=":", linewidth=1.2, label="mean")
    ax.plot(gens, stats["best"], color=color, linewidth=1.8, label="best")
    ax.plot(gens, stats["best_so_far"], color="k", linewidth=0.8, drawstyle="steps-post", label="best so far")
    for g in np.flatnonzero(stats["n_invalid"]):
        ax.annotate(f"{int(stats['n_invalid'][g])}✗", (g, stats["best"][g]), textcoords="offset points",
                    xytext=(0, 6), ha="center", fontsize="x-small", color="C3")  # fmt: skip
    ax.set_xlabel("generation")
    ax.set_ylabel("score (mean weighted fitness)")
    ax.set_title(f"{result.algorithm}: population of {result.population.shape[1]}", fontsize="medium")
    ax.legend(fontsize="small", frameon=False)
    return fig


def evolution_population(result, generation=-1, *, bins=20, color="C0", initial=True):
    """Histograms of each parameter over the population after ``generation``, on the searched range.

    Args:
        result: an :class:`~jaxbrain.evolve.EvolutionResult`.
        generation: which population (default the last).
        bins: histogram bins across each parameter's bounds.
        color: the population's colour.
        initial: also draw the first population (after generation 0) in grey, for comparison.

    Returns:
        The :class:`matplotlib.figure.Figure`, one panel per parameter (never shown).
    """
    from matplotlib.figure import Figure

    n = len(result.names)
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(2.6 * cols, 2.2 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).reshape(-1)
    g = range(result.n_generations)[generation]
    now, first = result.population_params(g), result.population_params(0)
    for i, name in enumerate(result.names):
        ax = axes[i]
        edges = np.linspace(result.low[i], result.high[i], bins + 1)
        if initial and g != 0:
            ax.hist(first[name], bins=edges, color="0.75", label="generation 0")
        ax.hist(now[name], bins=edges, color=color, alpha=0.8, label=f"generation {g}")
        ax.set_xlim(result.low[i], result.high[i])
        ax.set_xlabel(name)
    for ax in axes[n:]:
        ax.set_visible(False)
    axes[0].set_ylabel("individuals")
    axes[0].legend(fontsize="x-small", frameon=False)
    return fig
