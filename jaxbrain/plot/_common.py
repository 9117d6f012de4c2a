"""Helpers shared by the figure functions: the target axes, and checked arrays taken from arrays or a Result."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..integrate import Result
from ..models import MODELS


def figure_and_axes(ax, size):
    """A new figure with one axes (not registered with pyplot), or ``ax`` and the figure it belongs to."""
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=size, layout="constrained")
        return fig, fig.add_subplot()
    return root_figure(ax), ax


def root_figure(ax):
    from matplotlib.figure import Figure

    fig = ax.figure
    while not isinstance(fig, Figure):  # a SubFigure's .figure is its parent
        fig = fig.figure
    return fig


def as_finite(name, value, *, ndim=None):
    """``value`` as a float64 array, checked for its number of dimensions and for NaN/Inf."""
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a numeric array; got {type(value).__name__}") from None
    if ndim is not None and arr.ndim not in np.atleast_1d(ndim):
        raise ValueError(f"`{name}` must have {_ndim_words(ndim)}; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"`{name}` contains {bad} NaN or Inf value(s); every entry must be finite")
    return arr


def square_matrix(name, value, *, min_size=1):
    arr = as_finite(name, value, ndim=2)
    if arr.shape[0] != arr.shape[1]:
        raise ValueError(f"`{name}` must be a square (node, node) matrix; got shape {arr.shape}")
    if arr.shape[0] < min_size:
        raise ValueError(f"`{name}` must be at least {min_size} x {min_size}; got shape {arr.shape}")
    return arr


def time_series(name, value, *, min_time=2):
    """A ``(time, node)`` float64 array (a 1-D series becomes one node)."""
    arr = as_finite(name, value, ndim=(1, 2))
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.shape[0] < min_time:
        raise ValueError(f"`{name}` needs at least {min_time} time points, as (time, node); got shape {arr.shape}")
    if arr.shape[1] < 1:
        raise ValueError(f"`{name}` has no nodes; got shape {arr.shape}")
    return arr


class Series(NamedTuple):
    """One signal to draw, with what is known about it."""

    ts: np.ndarray  # (time, node) float64
    t: np.ndarray | None  # (time,) sample times in ms, or None when unknown
    labels: tuple | None  # region names, or None
    name: str | None  # the output's name ("x", "BOLD", ...), or None for a plain array


def series(name, data, *, output=None, t=None, labels=None, default_bold=False):
    """The signal to draw: an output (or BOLD) of an unbatched :class:`Result`, or a plain array.

    For a Result the times and region names come from it; ``output="BOLD"`` selects the BOLD signal, and with
    ``default_bold`` BOLD is the default when the Result has it.
    """
    if not isinstance(data, Result):
        if output is not None:
            raise ValueError(f"`output` selects a signal of a Result; `{name}` is an array")
        ts = time_series(name, data)
        if t is not None:
            t = as_finite("t", t, ndim=1)
            if t.shape[0] != ts.shape[0]:
                raise ValueError(f"`t` must have one time (ms) per sample of `{name}` ({ts.shape[0]}); got {len(t)}")
        if labels is not None:
            labels = tuple(str(s) for s in labels)
            if len(labels) != ts.shape[1]:
                raise ValueError(f"`labels` must name each of the {ts.shape[1]} node(s) of `{name}`; got {len(labels)}")
        return Series(ts, t, labels, None)
    if t is not None:
        raise ValueError("`t` is taken from the Result; pass it only with a plain array")
    if labels is not None:
        raise ValueError("`labels` are taken from the Result; pass them only with a plain array")
    if data.batched:
        raise ValueError(
            f"`{name}` is a batched Result ({np.size(data.ok)} runs): pick one run's array, "
            f"e.g. res.outputs[{next(iter(data.outputs), 'x')!r}][0] with t=res.t"
        )
    if output is None:
        output = "BOLD" if default_bold and data.bold is not None else _default_output(data)
    if output in ("BOLD", "bold"):
        if data.bold is None:
            raise ValueError("the Result has no BOLD signal: simulate(..., bold=True)")
        ts, t, label = data.bold, data.t_bold, "BOLD"
    elif output in data.outputs:
        ts, t, label = data.outputs[output], data.t, output
    else:
        choices = [*data.outputs, *(["BOLD"] if data.bold is not None else [])]
        raise ValueError(f"`output` {output!r} is not in the Result; it has: {', '.join(choices) or 'nothing'}")
    ts = time_series(f"{name} ({label})", ts)
    return Series(ts, as_finite("t", t, ndim=1), tuple(data.labels), label)


def _default_output(result):
    model = MODELS.get(result.model)
    if model is not None and model.default_output in result.outputs:
        return model.default_output
    if result.outputs:
        return next(iter(result.outputs))
    if result.bold is not None:
        return "BOLD"
    raise ValueError("the Result recorded no outputs and no BOLD: nothing to draw")


def node_indices(nodes, n_nodes, labels):
    """Indices of the selected nodes: ``None`` (all), an int, or a sequence of ints or region names."""
    if nodes is None:
        return np.arange(n_nodes)
    items = [nodes] if isinstance(nodes, (int, np.integer, str)) else list(np.asarray(nodes, dtype=object).ravel())
    if not items:
        raise ValueError("`nodes` selects no node; give None for all of them")
    out = []
    for item in items:
        if isinstance(item, str):
            if labels is None or item not in labels:
                known = f"one of {len(labels)} labels" if labels is not None else "none known (give labels=)"
                raise ValueError(f"`nodes`: {item!r} is not a region name; region names: {known}")
            out.append(labels.index(item))
        elif isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            if not -n_nodes <= item < n_nodes:
                raise ValueError(f"`nodes`: index {item} is out of range for {n_nodes} node(s)")
            out.append(int(item) % n_nodes)
        else:
            raise ValueError(f"`nodes` must hold node indices or region names; got {item!r}")
    return np.asarray(out)


def node_names(idx, labels):
    return [labels[i] if labels is not None else f"node {i}" for i in idx]


def _ndim_words(ndim):
    dims = [int(d) for d in np.atleast_1d(ndim)]
    return " or ".join(f"{d} dimension{'s' * (d != 1)}" for d in dims)
