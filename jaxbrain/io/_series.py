"""A regular ``(time, node)`` series with its times and labels: what the NIfTI/CIFTI writers take and readers return."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class TimeSeries(NamedTuple):
    """A regularly sampled ``(time, node)`` series.

    Attributes:
        data: ``(T, N)`` float array.
        t: ``(T,)`` sample times in ms, equally spaced.
        labels: ``N`` region (or grayordinate) names.
    """

    data: np.ndarray
    t: np.ndarray
    labels: tuple

    @property
    def tr(self) -> float:
        """The sampling interval in ms (1.0 for a single sample)."""
        return float(self.t[1] - self.t[0]) if len(self.t) > 1 else 1.0


def result_series(result, output=None) -> TimeSeries:
    """One output of an (unbatched) :class:`~jaxbrain.Result` as a :class:`TimeSeries`.

    Args:
        result: a :class:`~jaxbrain.Result`.
        output: ``"BOLD"`` or an output name; default ``"BOLD"`` when the run has BOLD, else the model's
            default output (e.g. ``"x"`` for Hopf).

    Raises:
        ValueError: a batched result (select one member first), an unknown output, or no BOLD.
    """
    from ..models import MODELS

    if result.batched:
        raise ValueError("the result is batched; export one member, e.g. result.outputs[name][b]")
    if output is None:
        if result.bold is not None:
            output = "BOLD"
        elif result.model in MODELS:
            output = MODELS[result.model].default_output
        else:
            output = next(iter(result.outputs))
    if output == "BOLD":
        if result.bold is None:
            raise ValueError("the result has no BOLD; run simulate(..., bold=True) or pick an output")
        return as_series(result.bold, t=result.t_bold, labels=result.labels)
    if output not in result.outputs:
        raise ValueError(f"unknown output {output!r}; the result holds {sorted(result.outputs) + ['BOLD']}")
    return as_series(result.outputs[output], t=result.t, labels=result.labels)


def as_series(series, *, t=None, labels=None, output=None) -> TimeSeries:
    """A validated :class:`TimeSeries` from a Result, a TimeSeries or a ``(T, N)`` array with ``t`` (ms)."""
    from ..integrate import Result

    if isinstance(series, Result):
        found = result_series(series, output)
        series = found._replace(t=found.t if t is None else t, labels=found.labels if labels is None else labels)
    elif isinstance(series, TimeSeries):
        series = series._replace(t=series.t if t is None else t, labels=series.labels if labels is None else labels)
    else:
        if t is None:
            raise ValueError("give the sample times t (ms) of a plain (time, node) array")
        series = TimeSeries(series, t, labels)
    data = np.asarray(series.data)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2 or data.size == 0:
        raise ValueError(f"the series must be a non-empty (time, node) array; got shape {data.shape}")
    if not np.all(np.isfinite(data)):
        raise ValueError("the series contains NaN or Inf")
    times = np.asarray(series.t, dtype=np.float64).reshape(-1)
    if times.shape != (data.shape[0],):
        raise ValueError(f"t must have one time per row ({data.shape[0]},); got {times.shape}")
    if times.size > 1:
        steps = np.diff(times)
        if steps[0] <= 0 or not np.allclose(steps, steps[0], rtol=1e-6, atol=1e-9):
            raise ValueError("the series must be sampled at equal, increasing times")
    names = tuple(str(i) for i in range(data.shape[1])) if series.labels is None else tuple(map(str, series.labels))
    if len(names) != data.shape[1]:
        raise ValueError(f"labels must name every node ({data.shape[1]}); got {len(names)}")
    return TimeSeries(data, times, names)
