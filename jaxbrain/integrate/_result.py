"""The value a simulation returns: arrays plus labels, convertible to xarray."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np


class Result(NamedTuple):
    """Outputs of :func:`jaxbrain.simulate`.

    Attributes:
        t: ``(time,)`` sample times in ms; the first sample of a fresh run is at ``dt``.
        outputs: dict output name → ``(time, node)`` array (``(batch, time, node)`` when batched).
        t_bold: ``(time_bold,)`` BOLD sample times in ms (empty without BOLD).
        bold: ``(time_bold, node)`` BOLD (``(batch, time_bold, node)`` when batched) or ``None``.
        final: the :class:`~jaxbrain.integrate.SimState` after the last step; pass it as
            ``initial=`` to continue the run where it stopped.
        ok: ``True`` where the run stayed finite and bounded (per batch member when batched).
        labels: region names.
        model: model name.
        params: the parameters the run used (in the layout they were given).
        backend: the implementation of the delayed network read that ran (``simulate(backend=...)``).
    """

    t: Any
    outputs: dict
    t_bold: Any
    bold: Any
    final: Any
    ok: Any
    labels: tuple
    model: str
    params: Any
    backend: str = "xla"

    def __getitem__(self, name):
        if isinstance(name, str):
            return self.outputs[name]
        return tuple.__getitem__(self, name)

    @property
    def batched(self):
        return np.ndim(self.ok) == 1

    def divergence_report(self):
        """A message naming the runs that diverged and their parameters."""
        ok = np.atleast_1d(np.asarray(self.ok))
        bad = np.flatnonzero(~ok)
        lines = [f"{len(bad)} of {ok.size} {self.model} simulation(s) diverged (non-finite or |value| > 1e20):"]
        for b in bad[:20]:
            values = {}
            for name, v in zip(self.params._fields, self.params):
                v = np.asarray(v)
                if self.batched and v.ndim >= 1 and v.shape[0] == ok.size:
                    v = v[b]
                values[name] = v.tolist() if v.size <= 4 else f"array{v.shape}"
            lines.append(f"  run {b}: {values}")
        return "\n".join(lines)

    def xr(self):
        """The outputs (and BOLD) as an :class:`xarray.Dataset` with dims ``time``, ``node`` (and ``batch``).

        Data variables are the outputs; BOLD, when present, is the variable ``BOLD`` on its own
        time axis ``time_bold``. Times are in ms.
        """
        import xarray as xr

        lead = ("batch",) if self.batched else ()
        data = {name: (lead + ("time", "node"), np.asarray(v)) for name, v in self.outputs.items()}
        coords = {"time": np.asarray(self.t), "node": list(self.labels)}
        if self.bold is not None:
            data["BOLD"] = (lead + ("time_bold", "node"), np.asarray(self.bold))
            coords["time_bold"] = np.asarray(self.t_bold)
        ds = xr.Dataset(data, coords=coords, attrs={"model": self.model, "time_unit": "ms"})
        return ds
