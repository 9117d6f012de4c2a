"""neurolib's ``neurolib.utils.functions`` on neurolib's ``[node, time]`` arrays, returning numpy values.

``jaxbrain.compat.func`` is this module (``func.fc(ts)``, ``func.matrix_correlation(m1, m2)``, …). Each function
computes with :mod:`jaxbrain.metrics` (the spectra with :func:`jaxbrain.fit.welch_psd`) in float64, whatever JAX's
global setting, as neurolib computes in float64, and returns what neurolib's returns, including its NaN scores:

* ``fc`` of a series shorter than two samples is a matrix of zeros (neurolib: ``nan_to_num(corrcoef)``);
* ``matrix_correlation`` is NaN when either upper triangle is constant or has fewer than two entries, and
  ``weighted_correlation`` when either series has zero weighted variance (neurolib: ``0 / 0``);
* ``fcd`` of a series no longer than one window is an empty ``(0, 0)`` matrix, and a window in which a node is
  constant gives that window's row and column NaN (neurolib's ``np.corrcoef``); ``matrix_kolmogorov`` (and so
  ``ts_kolmogorov``) is NaN when a matrix holds a NaN (``scipy.stats.ks_2samp`` propagates it);
* ``kuramoto`` returns ``0`` with a warning when a trace has no peak.

Where neurolib returns ``0`` from a bare ``except`` (``fcd`` of a non-2-D array or with a non-integer step) this
raises a ValueError/TypeError that names the argument, and a window length that is not a whole number is refused
rather than truncated. An ``activity`` that is not one series, which ``getPowerSpectrum`` asserts against, is a
:class:`~jaxbrain.compat._errors.NeurolibInputError` (a ValueError that ``except AssertionError`` also catches).
"""

from __future__ import annotations

import logging
import numbers
import warnings

import jax
import numpy as np

from ... import metrics as _metrics
from .._checks import _positive
from .._errors import NeurolibInputError

__all__ = [
    "fc",
    "fcd",
    "getMeanPowerSpectrum",
    "getPowerSpectrum",
    "kuramoto",
    "matrix_correlation",
    "matrix_kolmogorov",
    "ts_kolmogorov",
    "weighted_correlation",
]

_log = logging.getLogger(__name__)


def _float64():
    """JAX in float64 for the duration of one call, without touching the program's global setting."""
    return jax.enable_x64(True)


def _series(name, value, *, ndim=None):
    """``value`` as a float64 array (NaN allowed, as in neurolib); an error naming ``name`` for anything else."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"`{name}` must be a numeric array; got {type(value).__name__} {value!r}")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a numeric array; got a ragged {type(value).__name__}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must be a real numeric array; got {type(value).__name__} of dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        layout = {1: "(time,)", 2: "[node, time]"}.get(ndim, f"{ndim}-D")
        raise ValueError(f"`{name}` must be a {ndim}-D array {layout}; got shape {arr.shape}")
    return arr.astype(np.float64)


def _square(name, value):
    arr = _series(name, value)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"`{name}` must be a square matrix (N, N); got shape {arr.shape}")
    return arr


def _count(name, value, minimum):
    """A whole number >= ``minimum`` (an int, or a float with an integral value, as neurolib's ``int()``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a whole number of samples; got {type(value).__name__} {value!r}")
    if not float(value).is_integer():
        raise ValueError(f"`{name}` must be a whole number of samples; got {value!r}")
    if int(value) < minimum:
        raise ValueError(f"`{name}` must be at least {minimum}; got {value!r}")
    return int(value)


def kuramoto(traces, smoothing=0.0, distance=10, prominence=5):
    r"""Kuramoto order parameter $R(t)$ of the traces' peak-to-peak phases (neurolib's ``func.kuramoto``).

    Each trace is optionally smoothed with a Gaussian of width ``smoothing`` samples
    (``scipy.ndimage.gaussian_filter1d``), its peaks found with ``scipy.signal.find_peaks(distance=distance,
    prominence=prominence)``, and its phase made to rise linearly from 0 to $2\pi$ between peaks
    (:func:`jaxbrain.metrics.peak_phase`); $R(t) = |\frac1N \sum_n e^{i\varphi_n(t)}|$
    (:func:`jaxbrain.metrics.kuramoto_order`).

    Args:
        traces: ``[node, time]`` array.
        smoothing: Gaussian smoothing width in samples; 0 for none.
        distance: smallest distance between two peaks, in samples.
        prominence: smallest prominence of a peak, in the traces' unit.

    Returns:
        $R(t)$, a ``(time,)`` array, or ``0`` (with a warning) if a trace has no peak, as neurolib.
    """
    import scipy.ndimage
    import scipy.signal

    traces = _series("traces", traces, ndim=2)
    n_traces, n_times = traces.shape
    peaks = np.zeros((n_times, n_traces), dtype=bool)
    for n, trace in enumerate(traces):
        if smoothing > 0:
            trace = scipy.ndimage.gaussian_filter1d(trace, smoothing)
        found = scipy.signal.find_peaks(trace, distance=distance, prominence=prominence)[0]
        if found.size == 0:
            _log.warning("Kuramoto: No peaks found, returning 0.")
            return 0
        peaks[found, n] = True
    with _float64():
        return np.asarray(_metrics.kuramoto_order(_metrics.peak_phase(peaks)))


def matrix_correlation(M1, M2):
    """Pearson correlation of the strict upper triangles of two square matrices (neurolib's
    ``func.matrix_correlation``; :func:`jaxbrain.metrics.matrix_correlation`).

    Returns:
        The correlation, a numpy float; NaN when a triangle is constant or has fewer than two entries, as neurolib.
    """
    m1 = _square("M1", M1)
    m2 = _square("M2", M2)
    if m1.shape != m2.shape:
        raise ValueError(f"`M1` and `M2` must have the same shape; got {m1.shape} and {m2.shape}")
    rows, cols = np.triu_indices(m1.shape[0], k=1)
    a, b = m1[rows, cols], m2[rows, cols]
    if a.size < 2 or np.all(a == a[0]) or np.all(b == b[0]):
        return np.float64(np.nan)
    with _float64():
        return np.float64(_metrics.matrix_correlation(m1, m2))


def weighted_correlation(x, y, w):
    """Weighted Pearson correlation of two series (neurolib's ``func.weighted_correlation``;
    :func:`jaxbrain.metrics.weighted_correlation`).

    Args:
        x: first series.
        y: second series, the shape of ``x``.
        w: non-negative weights, the shape of ``x``.

    Returns:
        The correlation, a numpy float; NaN when either series has zero weighted variance (or the weights sum
        to 0), as neurolib.
    """
    x = _series("x", x)
    y = _series("y", y)
    w = _series("w", w)
    if not x.shape == y.shape == w.shape:
        raise ValueError(f"`x`, `y` and `w` must have the same shape; got {x.shape}, {y.shape} and {w.shape}")
    x, y, w = x.ravel(), y.ravel(), w.ravel()
    support = w != 0
    xs, ys = x[support], y[support]
    if xs.size == 0 or np.sum(w) == 0 or np.all(xs == xs[0]) or np.all(ys == ys[0]):
        return np.float64(np.nan)
    with _float64():
        return np.float64(_metrics.weighted_correlation(x, y, w))


def fc(ts):
    """Functional connectivity: the Pearson correlation matrix of the nodes' series (neurolib's ``func.fc``,
    ``nan_to_num(corrcoef(ts))``; :func:`jaxbrain.metrics.fc`).

    Args:
        ts: ``[node, time]`` array (a ``(time,)`` series is one node, as in ``np.corrcoef``).

    Returns:
        The ``(node, node)`` matrix (a numpy float for a ``(time,)`` series); entries of a constant node, and
        all entries when there are fewer than two samples, are 0.
    """
    arr = _series("ts", ts)
    if arr.ndim not in (1, 2):
        raise ValueError(f"`ts` must be a [node, time] array; got shape {arr.shape}")
    series = arr[None] if arr.ndim == 1 else arr
    n_nodes, n_times = series.shape
    if n_times < 2:
        out = np.zeros((n_nodes, n_nodes))
    else:
        with _float64():
            out = np.nan_to_num(np.asarray(_metrics.fc(series.T)))
    return np.float64(out[0, 0]) if arr.ndim == 1 else out


def _constant_windows(ts, starts, window):
    """Per window start, whether some node is constant within the window (a NaN row in ``np.corrcoef``)."""
    views = np.lib.stride_tricks.sliding_window_view(ts, window, axis=1)[:, starts]
    return np.any(np.ptp(views, axis=-1) == 0, axis=0)


def fcd(ts, windowsize=30, stepsize=5):
    """Functional connectivity dynamics: correlations between sliding-window FCs (neurolib's ``func.fcd``;
    :func:`jaxbrain.metrics.fcd`).

    Windows start at ``0, stepsize, …`` below ``T - windowsize``. Defaults suit BOLD at TR = 2 s (60 s windows,
    10 s steps).

    Args:
        ts: ``[node, time]`` array.
        windowsize: window length in samples, at least 2.
        stepsize: distance between window starts in samples, at least 1.

    Returns:
        The ``(W, W)`` matrix; ``(0, 0)`` when the series is no longer than one window. A window in which a node
        is constant has a NaN row and column, as in neurolib.
    """
    arr = _series("ts", ts, ndim=2)
    windowsize = _count("windowsize", windowsize, 2)
    stepsize = _count("stepsize", stepsize, 1)
    n_times = arr.shape[1]
    if n_times <= windowsize:
        return np.empty((0, 0))
    with _float64():
        out = np.array(_metrics.fcd(arr.T, window_size=windowsize, step_size=stepsize))
    bad = _constant_windows(arr, np.arange(0, n_times - windowsize, stepsize), windowsize)
    out[bad, :] = np.nan
    out[:, bad] = np.nan
    return out


def matrix_kolmogorov(m1, m2):
    """Kolmogorov-Smirnov statistic between the strict upper-triangle entries of two square matrices (neurolib's
    ``func.matrix_kolmogorov``, ``scipy.stats.ks_2samp(...)[0]``; :func:`jaxbrain.metrics.matrix_kolmogorov`).

    Returns:
        The statistic, a numpy float; NaN when a triangle holds a NaN (scipy propagates it).
    """
    m1 = _square("m1", m1)
    m2 = _square("m2", m2)
    for name, m in (("m1", m1), ("m2", m2)):
        if m.shape[0] < 2:
            raise ValueError(
                f"`{name}` has no entries above the diagonal (shape {m.shape}); the KS statistic needs one"
            )
        if np.isnan(m[np.triu_indices(m.shape[0], k=1)]).any():
            return np.float64(np.nan)
    with _float64():
        return np.float64(_metrics.matrix_kolmogorov(m1, m2))


def ts_kolmogorov(ts1, ts2, **fcd_kwargs):
    """Kolmogorov-Smirnov statistic between the FCD distributions of two ``[node, time]`` series (neurolib's
    ``func.ts_kolmogorov``): ``matrix_kolmogorov(fcd(ts1, **fcd_kwargs), fcd(ts2, **fcd_kwargs))``.

    Args:
        ts1: ``[node, time]`` array.
        ts2: ``[node, time]`` array; the lengths may differ.
        **fcd_kwargs: ``windowsize``, ``stepsize`` (see ``fcd``).
    """
    return matrix_kolmogorov(fcd(ts1, **fcd_kwargs), fcd(ts2, **fcd_kwargs))


def _hann_spectrum_factor(n):
    # scipy's "spectrum" scaling divides by (sum w)^2, its "density" (welch_psd's) by fs * sum w^2.
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)
    return np.sum(w**2) / np.sum(w) ** 2


def _spectra(ts, dt, maxfr, spectrum_windowsize):
    """Welch power spectra of the columns of ``ts`` (time, k) with scipy's "spectrum" scaling, ``f < maxfr``."""
    from ...fit import welch_psd

    dt = _positive("dt", dt, unit=" (ms)")
    window_s = _positive("spectrum_windowsize", spectrum_windowsize, unit=" (s)")
    n_times = ts.shape[0]
    nperseg = int(window_s * 1000 / dt)
    if nperseg > n_times:
        # scipy.signal.welch does the same: one segment of the whole series.
        warnings.warn(
            f"nperseg = {nperseg} is greater than input length = {n_times}, using nperseg = {n_times}",
            UserWarning,
            stacklevel=3,
        )
        nperseg = n_times
    if nperseg < 2:
        raise ValueError(
            f"a Welch segment of {nperseg} sample(s) (spectrum_windowsize={spectrum_windowsize} s, dt={dt} ms, "
            f"{n_times} samples) is too short for a spectrum; it needs at least 2"
        )
    with _float64():
        freqs, psd = welch_psd(ts, dt, segment_ms=nperseg * dt, f_min=0.0, f_max=np.inf)
        psd = np.asarray(psd)
    fs = 1000.0 / dt
    power = psd * (fs * _hann_spectrum_factor(nperseg))
    keep = np.asarray(freqs) < maxfr
    return np.asarray(freqs)[keep], power[keep]


def getPowerSpectrum(activity, dt, maxfr=70, spectrum_windowsize=1.0, normalize=False):
    """Power spectrum of one series by Welch's method (neurolib's ``func.getPowerSpectrum``).

    ``scipy.signal.welch(activity, fs=1000/dt, window="hann", nperseg=int(spectrum_windowsize * 1000 / dt),
    scaling="spectrum")``: half-overlapping Hann-windowed segments, each with its mean removed
    (:func:`jaxbrain.fit.welch_psd`, rescaled from a density to a power spectrum); frequencies below ``maxfr`` Hz.

    Args:
        activity: one series ``(time,)`` (a ``(1, time)`` row is taken as one series).
        dt: sampling interval in ms.
        maxfr: frequencies from 0 up to (not including) ``maxfr`` Hz are returned.
        spectrum_windowsize: Welch segment length in seconds (1 s: 1 Hz resolution); at most the series.
        normalize: divide the power by its maximum.

    Returns:
        ``(f, Pxx)``: the frequencies in Hz and the power in the series' unit squared.

    Raises:
        NeurolibInputError: ``activity`` is not one series (neurolib asserts it; a ValueError and an
            AssertionError).
    """
    arr = _series("activity", activity)
    if arr.ndim == 2 and arr.shape[0] == 1 and arr.shape[1] > 1:
        arr = arr[0]
    if arr.ndim != 1:
        raise NeurolibInputError(
            f"`activity` must be one-dimensional, one series (time,) or a (1, time) row; got shape {arr.shape}. "
            "For several series use getMeanPowerSpectrum."
        )
    freqs, power = _spectra(arr[:, None], dt, maxfr, spectrum_windowsize)
    power = power[:, 0]
    if normalize:
        power = power / np.max(power)
    return freqs, power


def getMeanPowerSpectrum(activities, dt, maxfr=70, spectrum_windowsize=1.0, normalize=False):
    """Mean of the power spectra of several series (neurolib's ``func.getMeanPowerSpectrum``): each row's
    ``getPowerSpectrum`` (not normalised), averaged, then optionally divided by its maximum.

    Args:
        activities: ``[node, time]`` array, at least one row.
        dt, maxfr, spectrum_windowsize, normalize: as in ``getPowerSpectrum``.

    Returns:
        ``(f, Pxx)``: the frequencies in Hz and the mean power.
    """
    arr = _series("activities", activities, ndim=2)
    if arr.shape[0] == 0:
        raise ValueError("`activities` has no rows; it needs at least one series")
    freqs, power = _spectra(arr.T, dt, maxfr, spectrum_windowsize)
    power = power.mean(axis=1)
    if normalize:
        power = power / np.max(power)
    return freqs, power
