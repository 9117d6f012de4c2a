"""Time series of selected nodes."""

from __future__ import annotations

import numpy as np

from ._common import figure_and_axes, node_indices, node_names, series

_MAX_LEGEND = 10
_SECONDS_FROM_MS = 10_000.0  # runs of at least 10 s are drawn in seconds unless time_unit says otherwise


def traces(data, t=None, nodes=None, output=None, *, labels=None, time_unit=None, ax=None, legend=None, **kwargs):
    """Draw the time series of selected nodes, one line per node.

    Args:
        data: a :class:`~jaxbrain.Result` of one run (not batched), or an array ``(time, node)`` (or
            ``(time,)`` for one node).
        t: for an array: the sample times in ms, ``(time,)``; ``None`` numbers the samples instead. A Result
            brings its own times (``t``, or ``t_bold`` for BOLD).
        nodes: the nodes to draw: ``None`` (all), an index, or a list of indices or region names.
        output: for a Result: which output to draw (a name in ``result.outputs``, or ``"BOLD"``); default the
            model's default output.
        labels: for an array: one name per node, for the legend and ``nodes``; default "node 0", "node 1", ...
            A Result brings its region names.
        time_unit: ``"ms"`` or ``"s"`` for the time axis; default seconds for runs of 10 s or more, else ms.
        ax: the ``matplotlib`` axes to draw on; default a new figure.
        legend: show a legend of node names; default when 2 to 10 nodes are drawn.
        **kwargs: passed to :meth:`matplotlib.axes.Axes.plot` (``lw``, ``alpha``, ``color``, ...).

    Returns:
        The :class:`matplotlib.figure.Figure` (the new one, or the one ``ax`` belongs to), never shown; a new
        figure is not registered with ``pyplot``.

    Raises:
        ValueError: a non-finite or misshapen series, ``t`` or ``labels`` of the wrong length, an unknown output
            or node, or a batched Result.

    Example:
        >>> res = simulate("hopf", key=jr.key(0), duration=500.0)
        >>> traces(res, nodes=[0]).savefig("x.png")
    """
    s = series("data", data, output=output, t=t, labels=labels)
    idx = node_indices(nodes, s.ts.shape[1], s.labels)
    if time_unit not in (None, "ms", "s"):
        raise ValueError(f"`time_unit` must be 'ms', 's' or None; got {time_unit!r}")
    fig, ax = figure_and_axes(ax, (7.0, 3.2))
    if s.t is None:
        x, xlabel = np.arange(s.ts.shape[0]), "sample"
    else:
        if time_unit is None:
            time_unit = "s" if s.t[-1] - s.t[0] >= _SECONDS_FROM_MS else "ms"
        x = s.t / 1000.0 if time_unit == "s" else s.t
        xlabel = f"time ({time_unit})"
    kwargs.setdefault("lw", 1.0)
    for i, name in zip(idx, node_names(idx, s.labels)):
        ax.plot(x, s.ts[:, i], label=name, **kwargs)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(s.name or "value")
    ax.set_xlim(x[0], x[-1])
    if legend if legend is not None else 1 < len(idx) <= _MAX_LEGEND:
        ax.legend(fontsize="small", loc="upper right", ncols=1 + (len(idx) > 5))
    return fig
