r"""Summary statistics: one flat vector per simulation, computed on the device, with the same definition for data.

A :class:`Summaries` object joins statistics (each a :class:`Statistic`: a name, an output length and a function
of one ``(time, node)`` signal) into one vector. It is a sweep evaluator (:mod:`jaxbrain.explore`): applied to a
batched :class:`~jaxbrain.Result` it keeps the signal after ``transient_ms`` and returns ``{"summaries": (batch,
S)}``, computed where the simulation ran, so only ``S`` numbers per simulation reach the host. The same object
turns an empirical series into the same vector (:meth:`Summaries.of_timeseries`, :meth:`Summaries.of_bold`).

Built-in statistics (FC and FCD from :mod:`jaxbrain.metrics`, spectra from :func:`jaxbrain.fit.welch_psd`):
:func:`fc_upper`, :func:`fc_quantiles`, :func:`fc_summary`, :func:`fc_sc_correlation`, :func:`fcd_quantiles`,
:func:`spectral_peak`, :func:`signal_stats`; any function of the signal with :func:`custom`, and any function of
the batched ``Result`` with :func:`of_result` (simulations only: an empirical series has no ``Result``).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import metrics
from ..fit import welch_psd

SIGNAL = "signal"
RESULT = "result"


class Statistic(NamedTuple):
    """One summary statistic.

    Attributes:
        name: its name (labels are ``name`` or ``name[i]``, unless ``labels`` says otherwise).
        fn: for a signal statistic, ``fn(ts, dt) -> (size,)`` of one ``(time, node)`` signal sampled every ``dt``
            ms; for a result statistic, ``fn(result) -> (batch, size)`` of the batched ``Result``.
        size: ``size(n_nodes) -> int``, the output length.
        labels: ``labels(n_nodes) -> list[str]`` or ``None`` (then ``name[i]``, or ``name`` for one value).
        kind: ``"signal"`` or ``"result"``.
        outputs: model outputs a result statistic reads (besides the summaries' signal).
        bold: whether a result statistic needs BOLD.
    """

    name: str
    fn: Callable
    size: Callable
    labels: Callable | None = None
    kind: str = SIGNAL
    outputs: tuple = ()
    bold: bool = False

    def names(self, n_nodes):
        if self.labels is not None:
            return list(self.labels(n_nodes))
        size = self.size(n_nodes)
        return [self.name] if size == 1 else [f"{self.name}[{i}]" for i in range(size)]


def _quantiles(q, what):
    try:
        q = tuple(float(v) for v in np.atleast_1d(np.asarray(q, np.float64)))
    except (TypeError, ValueError):
        raise TypeError(f"{what}: q must be a sequence of numbers in [0, 1]; got {q!r}") from None
    if not q or not all(0.0 <= v <= 1.0 for v in q):
        raise ValueError(f"{what}: q must be a non-empty sequence of numbers in [0, 1]; got {q!r}")
    return q


def _whole(value, what, minimum):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{what} must be a whole number; got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{what} must be >= {minimum}; got {value}")
    return int(value)


def _positive(value, what, allow_none=True):
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise TypeError(f"{what} must be a finite number; got {value!r}")
    if value <= 0:
        raise ValueError(f"{what} must be > 0; got {value!r}")
    return float(value)


def _triangle(matrix):
    rows, cols = np.triu_indices(matrix.shape[-1], k=1)
    return matrix[..., rows, cols]


def _pairs(n_nodes, max_pairs):
    total = n_nodes * (n_nodes - 1) // 2
    if max_pairs is None or max_pairs >= total:
        return np.arange(total)
    # Evenly spaced over the row-major triangle: every region takes part, and the choice is fixed by the sizes.
    return np.unique(np.round(np.linspace(0, total - 1, max_pairs)).astype(np.int64))


def fc_upper(max_pairs=None):
    r"""The FC's strict upper triangle, $\mathrm{FC}_{ij}$ for $i < j$ in row-major order (``metrics.fc``).

    Args:
        max_pairs: keep only this many pairs, evenly spaced over the row-major triangle (the gw FC has 3160
            pairs; a flow conditions more easily on fewer). ``None``: all ``N (N - 1) / 2``.
    """
    max_pairs = None if max_pairs is None else _whole(max_pairs, "fc_upper: max_pairs", 1)

    def fn(ts, dt):
        keep = _pairs(ts.shape[-1], max_pairs)
        return _triangle(metrics.fc(ts))[keep]

    def labels(n):
        rows, cols = np.triu_indices(n, k=1)
        return [f"fc[{rows[k]},{cols[k]}]" for k in _pairs(n, max_pairs)]

    return Statistic("fc", fn, lambda n: len(_pairs(n, max_pairs)), labels)


def fc_quantiles(q=(0.1, 0.25, 0.5, 0.75, 0.9)):
    """Quantiles ``q`` of the FC's upper-triangle values (linear interpolation, as ``numpy.quantile``)."""
    q = _quantiles(q, "fc_quantiles")

    def fn(ts, dt):
        return jnp.quantile(_triangle(metrics.fc(ts)), jnp.asarray(q, ts.dtype))

    return Statistic("fc_q", fn, lambda n: len(q), lambda n: [f"fc_q{v:g}" for v in q])


def fc_summary():
    """Mean and standard deviation of the FC's upper-triangle values: ``fc_mean``, ``fc_std``."""

    def fn(ts, dt):
        tri = _triangle(metrics.fc(ts))
        return jnp.stack([jnp.mean(tri), jnp.std(tri)])

    return Statistic("fc_summary", fn, lambda n: 2, lambda n: ["fc_mean", "fc_std"])


def fc_sc_correlation(cmat):
    r"""Correlation between the FC and a structural matrix over the upper triangle (``metrics.matrix_correlation``).

    Args:
        cmat: ``(N, N)`` structural connectivity (e.g. ``Dataset("gw").Cmat``), ``N >= 3``.
    """
    cmat = np.asarray(cmat, np.float64)
    if cmat.ndim != 2 or cmat.shape[0] != cmat.shape[1] or cmat.shape[0] < 3:
        raise ValueError(f"fc_sc_correlation: cmat must be a square (N, N) matrix with N >= 3; got {cmat.shape}")
    if not np.all(np.isfinite(cmat)):
        raise ValueError("fc_sc_correlation: cmat must be finite")

    def fn(ts, dt):
        if ts.shape[-1] != cmat.shape[0]:
            raise ValueError(f"fc_sc_correlation: cmat is {cmat.shape}, the signal has {ts.shape[-1]} nodes")
        return metrics.matrix_correlation(metrics.fc(ts), jnp.asarray(cmat, ts.dtype))[None]

    return Statistic("fc_sc", fn, lambda n: 1)


def fcd_quantiles(q=(0.1, 0.25, 0.5, 0.75, 0.9), window_size=30, step_size=5):
    """Quantiles ``q`` of the FCD matrix's upper-triangle values (``metrics.fcd``; windows in samples).

    Args:
        q: the quantiles, in [0, 1].
        window_size: window length in samples of the signal as recorded (BOLD: 2 s each), ``>= 2``.
        step_size: distance between window starts in samples, ``>= 1``. The signal needs at least
            ``window_size + step_size + 1`` samples (two windows).
    """
    q = _quantiles(q, "fcd_quantiles")
    window_size = _whole(window_size, "fcd_quantiles: window_size", 2)
    step_size = _whole(step_size, "fcd_quantiles: step_size", 1)

    def fn(ts, dt):
        needed = window_size + step_size + 1
        if ts.shape[0] < needed:
            raise ValueError(
                f"fcd_quantiles(window_size={window_size}, step_size={step_size}) needs at least {needed} samples "
                f"after the transient (two windows); the signal has {ts.shape[0]}"
            )
        return jnp.quantile(_triangle(metrics.fcd(ts, window_size, step_size)), jnp.asarray(q, ts.dtype))

    return Statistic("fcd_q", fn, lambda n: len(q), lambda n: [f"fcd_q{v:g}" for v in q])


def spectral_peak(per_region=True, segment_ms=None, f_min=0.0, f_max=None):
    r"""Frequency (Hz) of the power spectrum's maximum, per region or of the region-averaged spectrum.

    The spectrum is :func:`jaxbrain.fit.welch_psd` (Hann-windowed, half-overlapping segments of ``segment_ms``;
    default: one segment, the whole signal). Its largest bin $k$ in $[f_{\min}, f_{\max})$ is refined by fitting a
    parabola through the log powers of bins $k-1, k, k+1$: with $a, b, c$ those log powers and $\Delta f$ the bin
    width, the peak is at $f_k + \delta\,\Delta f$, $\delta = \frac{1}{2}\frac{a - c}{a - 2b + c} \in [-\frac12,
    \frac12]$ (no refinement at the band's edges). This varies continuously with the spectrum between bins, so
    it is more informative than the bin alone; it is not differentiable where the largest bin changes.

    Args:
        per_region: one peak per region (``N`` values) or one of the mean spectrum over regions.
        segment_ms: Welch segment in ms (``None``: the whole signal; resolution ``1000 / segment_ms`` Hz).
        f_min: lowest frequency considered, Hz (inclusive).
        f_max: highest frequency considered, Hz (exclusive); ``None``: up to the Nyquist frequency.
    """
    segment_ms = _positive(segment_ms, "spectral_peak: segment_ms")
    f_min = float(f_min)
    f_max = np.inf if f_max is None else float(f_max)
    if not f_max > f_min:
        raise ValueError(f"spectral_peak: need f_max > f_min; got f_min={f_min}, f_max={f_max}")

    def fn(ts, dt):
        segment = segment_ms if segment_ms is not None else ts.shape[0] * dt
        freqs, psd = welch_psd(ts, dt, segment_ms=segment, f_min=f_min, f_max=f_max)
        if not per_region:
            psd = jnp.mean(psd, axis=1, keepdims=True)
        return _peak(np.asarray(freqs), psd)

    return Statistic("peak_hz", fn, (lambda n: n) if per_region else (lambda n: 1))


def _peak(freqs, psd):
    """Parabola-refined frequency of each column's maximum of ``psd`` ``(freq, k)``."""
    k = jnp.argmax(psd, axis=0)
    n = psd.shape[0]
    if n < 3:
        return jnp.asarray(freqs, psd.dtype)[k]
    log_p = jnp.log(jnp.maximum(psd, jnp.finfo(psd.dtype).tiny))
    inner = jnp.clip(k, 1, n - 2)
    cols = jnp.arange(psd.shape[1])
    a, b, c = log_p[inner - 1, cols], log_p[inner, cols], log_p[inner + 1, cols]
    denom = a - 2 * b + c
    delta = jnp.where(denom < 0, 0.5 * (a - c) / jnp.where(denom < 0, denom, -1.0), 0.0)
    delta = jnp.where((k == inner) & jnp.isfinite(delta), jnp.clip(delta, -0.5, 0.5), 0.0)
    df = float(freqs[1] - freqs[0])
    return jnp.asarray(freqs, psd.dtype)[k] + delta * df


def signal_stats(per_region=False, log=True):
    r"""Variance and amplitude of the signal: ``var`` (over time) and ``amplitude`` (max - min), per region or
    averaged over regions; natural logs of them with ``log=True`` (labels ``log_var``, ``log_amplitude``).

    A constant signal has zero variance: its log is $-\infty$, which marks the simulation as failed.
    """

    def fn(ts, dt):
        var = jnp.var(ts, axis=0)
        amp = jnp.max(ts, axis=0) - jnp.min(ts, axis=0)
        if not per_region:
            var, amp = jnp.mean(var)[None], jnp.mean(amp)[None]
        if log:
            var, amp = jnp.log(var), jnp.log(amp)
        return jnp.concatenate([var, amp])

    prefix = "log_" if log else ""

    def labels(n):
        if not per_region:
            return [f"{prefix}var", f"{prefix}amplitude"]
        return [f"{prefix}var[{i}]" for i in range(n)] + [f"{prefix}amplitude[{i}]" for i in range(n)]

    return Statistic("signal_stats", fn, (lambda n: 2 * n) if per_region else (lambda n: 2), labels)


def custom(fn, size, name):
    """Any function of the signal: ``fn(ts) -> (size,)`` for one ``(time, node)`` series (jax-traceable).

    Args:
        fn: the function; it sees the signal after the transient, as :class:`Summaries` passes it.
        size: its output length (a whole number >= 1).
        name: its name (labels ``name[i]``).
    """
    if not callable(fn):
        raise TypeError(f"custom: fn must be a function of the (time, node) signal; got {type(fn).__name__}")
    size = _whole(size, "custom: size", 1)
    if not isinstance(name, str) or not name:
        raise TypeError(f"custom: name must be a non-empty string; got {name!r}")
    return Statistic(name, lambda ts, dt: jnp.reshape(fn(ts), (-1,)), lambda n: size)


def of_result(fn, size, name, *, outputs=(), bold=False):
    """Any function of the batched ``Result`` of a simulation batch: ``fn(result) -> (batch, size)``.

    It sees the whole run (no transient removed). Simulations only: :meth:`Summaries.of_timeseries` refuses
    summaries holding one (an empirical series has no ``Result``).

    Args:
        fn: the function (jax-traceable).
        size: its output length per simulation.
        name: its name.
        outputs: the model outputs it reads (they are recorded).
        bold: whether it reads the BOLD.
    """
    if not callable(fn):
        raise TypeError(f"of_result: fn must be a function of the batched Result; got {type(fn).__name__}")
    size = _whole(size, "of_result: size", 1)
    if not isinstance(name, str) or not name:
        raise TypeError(f"of_result: name must be a non-empty string; got {name!r}")
    if isinstance(outputs, str):
        outputs = (outputs,)
    return Statistic(name, fn, lambda n: size, None, RESULT, tuple(outputs), bool(bold))


class Summaries:
    r"""Summary statistics of a simulated or empirical signal, joined into one vector per simulation.

    Args:
        *stats: the statistics (:func:`fc_upper`, :func:`fc_quantiles`, :func:`fc_summary`,
            :func:`fc_sc_correlation`, :func:`fcd_quantiles`, :func:`spectral_peak`, :func:`signal_stats`,
            :func:`custom`, :func:`of_result`), in the order of the vector.
        signal: ``"bold"`` or the name of a model output (e.g. ``"x"``); ``None``: the model's default output.
        transient_ms: simulated samples at times ``t <= transient_ms`` (ms) are dropped before the statistics.

    As a sweep evaluator it returns ``{"summaries": (batch, S)}``.

    Example:
        >>> s = Summaries(fc_summary(), signal_stats(), signal="x", transient_ms=100.0)
        >>> s.size(80), s.labels(80)
        (4, ['fc_mean', 'fc_std', 'log_var', 'log_amplitude'])
    """

    def __init__(self, *stats, signal=None, transient_ms=0.0):
        if not stats:
            raise ValueError("Summaries needs at least one statistic, e.g. Summaries(fc_summary(), signal='x')")
        for s in stats:
            if not isinstance(s, Statistic):
                raise TypeError(
                    f"Summaries takes statistics (fc_upper(), spectral_peak(), custom(...), ...); got {s!r}"
                )
        if signal is not None and not isinstance(signal, str):
            raise TypeError(f"Summaries: signal must be 'bold', an output name or None; got {signal!r}")
        if isinstance(transient_ms, (bool, np.bool_)) or not isinstance(transient_ms, numbers.Real):
            raise TypeError(f"Summaries: transient_ms must be a number (ms); got {transient_ms!r}")
        if not np.isfinite(transient_ms) or transient_ms < 0:
            raise ValueError(f"Summaries: transient_ms must be a finite number >= 0 (ms); got {transient_ms!r}")
        self.stats = tuple(stats)
        self.signal = signal
        self.transient_ms = float(transient_ms)
        extra = tuple(dict.fromkeys(o for s in stats for o in s.outputs))
        if signal == "bold":
            self.outputs = extra
        elif signal is None:
            self.outputs = None if not extra else extra
        else:
            self.outputs = tuple(dict.fromkeys((signal, *extra)))
        self.bold = signal == "bold" or any(s.bold for s in stats)
        self.dims = {"summaries": ("summary",)}

    def __repr__(self):
        names = ", ".join(s.name for s in self.stats)
        return f"Summaries({names}; signal={self.signal!r}, transient_ms={self.transient_ms:g})"

    def size(self, n_nodes):
        """The vector's length for a network of ``n_nodes``."""
        return sum(s.size(n_nodes) for s in self.stats)

    def labels(self, n_nodes):
        """One label per entry of the vector for a network of ``n_nodes``."""
        return [label for s in self.stats for label in s.names(n_nodes)]

    def _vector(self, ts, dt):
        parts = [s.fn(ts, dt) for s in self.stats if s.kind == SIGNAL]
        return jnp.concatenate([jnp.reshape(p, (-1,)).astype(ts.dtype) for p in parts])

    def signal_of(self, res):
        """``(series, dt)``: the batched signal these summaries read from ``res`` after the transient, ``(batch,
        time, node)``, and its sampling interval in ms."""
        if self.signal == "bold":
            if res.bold is None:
                raise ValueError("these summaries read the BOLD signal: simulate with bold=True")
            series, t = res.bold, np.asarray(res.t_bold)
        else:
            name = self.signal if self.signal is not None else next(iter(res.outputs))
            if name not in res.outputs:
                raise ValueError(f"these summaries read the output {name!r}; the run records {list(res.outputs)}")
            series, t = res.outputs[name], np.asarray(res.t)
        keep = np.flatnonzero(t > self.transient_ms)
        if keep.size < 2:
            raise ValueError(
                f"the summaries need at least 2 samples of {self.signal or 'the output'} after the "
                f"{self.transient_ms:g} ms transient; the run gives {keep.size} (of {t.size}): run longer or "
                "shorten transient_ms"
            )
        return series[:, keep], _sampling_dt(t)

    def __call__(self, res):
        signal, dt = self.signal_of(res)
        series = signal
        per_sim = (
            jax.vmap(lambda ts: self._vector(ts, dt))(signal) if any(s.kind == SIGNAL for s in self.stats) else None
        )
        parts, start = [], 0
        n_nodes = series.shape[-1]
        for s in self.stats:
            if s.kind == SIGNAL:
                size = s.size(n_nodes)
                parts.append(per_sim[:, start : start + size])
                start += size
            else:
                out = jnp.asarray(s.fn(res))
                expected = (series.shape[0], s.size(n_nodes))
                if out.shape != expected:
                    raise ValueError(f"the result statistic {s.name!r} returned shape {out.shape}; expected {expected}")
                parts.append(out.astype(series.dtype))
        return {"summaries": jnp.concatenate(parts, axis=1)}

    def of_timeseries(self, ts, dt):
        """The same vector from an empirical ``(time, node)`` series (or ``(M, time, node)`` → ``(M, S)``).

        The whole series is used (an empirical recording has no simulated transient to drop).

        Args:
            ts: the series, ``(time, node)``, e.g. ``Dataset("gw").BOLDs[s].T`` (BOLD is stored ``(node, time)``).
            dt: its sampling interval in ms (2000 for gw's BOLD).
        """
        if any(s.kind == RESULT for s in self.stats):
            names = [s.name for s in self.stats if s.kind == RESULT]
            raise ValueError(f"the statistics {names} are functions of a simulation's Result; a series has none")
        dt = _positive(dt, "of_timeseries: dt", allow_none=False)
        arr = np.asarray(ts)
        if arr.ndim not in (2, 3) or arr.dtype.kind not in "fiu":
            raise ValueError(
                f"of_timeseries: ts must be a numeric (time, node) or (M, time, node) array; got {arr.shape}"
            )
        if not np.all(np.isfinite(arr)):
            raise ValueError("of_timeseries: ts must be finite")
        if arr.shape[-2] < 2:
            raise ValueError(f"of_timeseries: ts needs at least 2 time points; got shape {arr.shape}")
        # JAX's precision: float64 data become float32 without x64 (as jnp.asarray would, but without its warning).
        dtype = jax.dtypes.canonicalize_dtype(arr.dtype) if arr.dtype.kind == "f" else jnp.result_type(float)
        x = jnp.asarray(arr, dtype)
        if x.ndim == 2:
            return self._vector(x, dt)
        return jax.vmap(lambda one: self._vector(one, dt))(x)

    def of_bold(self, bold, dt=2000.0):
        """:meth:`of_timeseries` for BOLD (``(time, node)``; ``dt`` the TR in ms, default 2000); needs
        ``signal="bold"``."""
        if self.signal != "bold":
            raise ValueError(
                f"of_bold: these summaries are defined on the signal {self.signal!r}, not the BOLD; use "
                "of_timeseries, or Summaries(..., signal='bold')"
            )
        return self.of_timeseries(bold, dt)


def _sampling_dt(t):
    if t.size < 2:
        return 1.0
    # Times are multiples of dt accumulated in floating point; 1e-9 ms is far below any sampling step.
    return float(np.round(t[1] - t[0], 9))
