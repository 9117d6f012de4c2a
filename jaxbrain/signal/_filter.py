"""Zero-phase Butterworth filtering: low-pass, high-pass, band-pass and band-stop."""

from __future__ import annotations

import numpy as np
import scipy.signal

from ._time import check_signal, number, sampling_frequency


def _design(sampling_frequency_hz, low_freq, high_freq, order):
    """Second-order sections of the Butterworth filter that the band edges ask for."""
    fs = number(sampling_frequency_hz, "sampling_frequency")
    if isinstance(order, (bool, np.bool_)) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ValueError(f"order must be an int >= 1; got {order!r}")
    if low_freq is None and high_freq is None:
        raise ValueError("give low_freq, high_freq or both (Hz); both are None, which filters nothing")
    nyquist = fs / 2.0
    for what, f in (("low_freq", low_freq), ("high_freq", high_freq)):
        if f is not None and number(f, what) >= nyquist:
            raise ValueError(f"{what} must be below the Nyquist frequency {nyquist:g} Hz; got {f!r} Hz")
    if low_freq is None:
        edges, kind = float(high_freq), "lowpass"
    elif high_freq is None:
        edges, kind = float(low_freq), "highpass"
    elif low_freq < high_freq:
        edges, kind = [float(low_freq), float(high_freq)], "bandpass"
    elif low_freq > high_freq:
        # neurolib's convention: low_freq above high_freq asks to remove the band between them.
        edges, kind = [float(high_freq), float(low_freq)], "bandstop"
    else:
        raise ValueError(f"low_freq and high_freq must differ; both are {low_freq!r} Hz")
    return scipy.signal.butter(N=int(order), Wn=edges, btype=kind, fs=fs, output="sos")


def filter_array(x, sampling_frequency, low_freq=None, high_freq=None, *, order=8, axis=-1):
    r"""Filter a numpy array with a zero-phase Butterworth filter.

    The kind follows the band edges, as in neurolib's ``Signal.filter``: ``low_freq`` only → high-pass (keeps
    $f > f_\mathrm{low}$); ``high_freq`` only → low-pass (keeps $f < f_\mathrm{high}$); ``low_freq < high_freq``
    → band-pass; ``low_freq > high_freq`` → band-stop (removes $f_\mathrm{high} < f < f_\mathrm{low}$). The filter
    is an order-``order`` Butterworth design (second-order sections) run forwards and backwards
    (``scipy.signal.sosfiltfilt``), so it has no phase shift and its gain is the square of the design's: $1/2$
    (-6 dB) at each edge.

    Args:
        x: array of samples; time runs along ``axis``.
        sampling_frequency: of ``x``, in Hz.
        low_freq: lower band edge in Hz, or None.
        high_freq: upper band edge in Hz, or None.
        order: Butterworth order (neurolib: 8).
        axis: the time axis of ``x`` (default the last, as neurolib lays out ``(..., time)``).

    Returns:
        The filtered array, of ``x``'s shape (float64).

    Example:
        >>> t = np.arange(10_000) / 1000.0                       # 10 s at 1 kHz
        >>> x = np.sin(2 * np.pi * 5 * t) + np.sin(2 * np.pi * 40 * t)
        >>> slow = filter_array(x, 1000.0, high_freq=15.0)       # the 5 Hz sine

    References:
        S. Butterworth (1930), "On the theory of filter amplifiers", Wireless Engineer 7, 536–541.
    """
    sos = _design(sampling_frequency, low_freq, high_freq, order)
    return scipy.signal.sosfiltfilt(sos, np.asarray(x, dtype=np.float64), axis=axis)


def filter(data, low_freq=None, high_freq=None, *, order=8):  # noqa: A001 (neurolib's name for it)
    """Filter a signal along its ``time`` dimension with a zero-phase Butterworth filter.

    See :func:`filter_array` for the kinds of filter (low-pass, high-pass, band-pass, band-stop) and the design.

    Args:
        data: ``xarray.DataArray`` with an evenly sampled ``time`` dimension (ms unless its ``units`` say ``"s"``).
        low_freq: lower band edge in Hz, or None.
        high_freq: upper band edge in Hz, or None.
        order: Butterworth order.

    Returns:
        A DataArray like ``data`` (same dims, coordinates and attributes) holding the filtered samples.

    Example:
        >>> alpha = filter(result.xr()["rates_exc"], low_freq=8.0, high_freq=12.0)
    """
    check_signal(data)
    fs = sampling_frequency(data)
    return data.copy(
        data=filter_array(data.values, fs, low_freq, high_freq, order=order, axis=data.get_axis_num("time"))
    )
