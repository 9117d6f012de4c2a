"""neurolib-style objects, so that porting a neurolib notebook means changing its imports.

    from jaxbrain.compat import HopfModel, Dataset, func      # was: from neurolib.models.hopf import HopfModel …

    ds = Dataset("gw")
    model = HopfModel(Cmat=ds.Cmat, Dmat=ds.Dmat, seed=0)
    model.params["duration"] = 60 * 1000
    model.params["sigma_ou"] = 0.14
    model.run(bold=True)
    scores = [func.matrix_correlation(func.fc(model.BOLD.BOLD[:, 5:]), fc) for fc in ds.FCs]

The models take neurolib's parameter dictionary (same names, same defaults, the ``*_init`` arrays
in neurolib's shapes, drawn from the same numpy stream for a given ``seed``), run through
:func:`jaxbrain.simulate`, and store outputs in neurolib's ``[node, time]`` layout. With the same
parameters and initial values and noise off they give neurolib master's numbers when JAX runs in
float64 (``jax.config.update("jax_enable_x64", True)`` at the start of the program, as neurolib
computes in float64; jaxbrain never changes JAX's configuration on import).

Deliberate differences (neurolib behaviour that is a bug or an artefact, not reproduced):
* noise comes from ``jax.random`` keyed by ``seed``; numpy's stream cannot be matched, so noisy runs
  agree with neurolib statistically, not sample by sample;
* with a fixed seed neurolib replays the same noise in every chunk (its issue #52); here a chunked
  run equals the unchunked run;
* neurolib skips BOLD for chunks shorter than 2 s; here BOLD integrates every step.
"""

from __future__ import annotations

import numpy as np

from . import metrics as _metrics
from .data import Dataset as Dataset
from .integrate import delay_plan, simulate
from .models import aln as _aln
from .models import fhn as _fhn
from .models import hopf as _hopf
from .models import kuramoto as _kuramoto
from .models import thalamus as _thalamus
from .models import wc as _wc
from .models import ww as _ww
from .network import Connectome, coupling_by_name

__all__ = [
    "ALNModel",
    "Dataset",
    "FHNModel",
    "HopfModel",
    "KuramotoModel",
    "ThalamicMassModel",
    "WCModel",
    "WWModel",
    "dotdict",
    "func",
]


class dotdict(dict):
    """A dict whose keys are also attributes (neurolib's ``dotdict``); missing attributes are None."""

    def __getattr__(self, name):
        return self.get(name)

    def __setattr__(self, name, value):
        self[name] = value

    def __delattr__(self, name):
        del self[name]


class _Spec:
    """What a neurolib model class needs besides the jaxbrain model bundle."""

    def __init__(
        self,
        model,
        init_vars,
        ou_vars,
        draw_init,
        extra_defaults,
        time_inputs,
        constant_inputs,
        *,
        param_names=None,
        per_node=(),
        single_node=False,
        delay_lengths=None,
        neurolib_name=None,
    ):
        self.model = model
        self.neurolib_name = neurolib_name or model.name  # neurolib's Model.name (params["model"])
        self.init_vars = init_vars  # neurolib init var name per State field
        self.ou_vars = ou_vars  # neurolib name of each OU channel's initial value
        self.draw_init = draw_init  # (RandomState, N) -> {init_var: array}, neurolib's draw order
        self.extra_defaults = extra_defaults  # neurolib-only keys (e.g. "coupling"), or other run defaults ("dt")
        self.time_inputs = time_inputs  # neurolib param name -> jaxbrain input name
        self.constant_inputs = constant_inputs  # neurolib param name -> jaxbrain Params field when constant
        self.param_names = param_names or {}  # Params field -> neurolib name, where they differ
        self.per_node = per_node  # Params fields neurolib stores as (N,) arrays
        self.single_node = single_node  # neurolib's class takes no Cmat/Dmat
        self.delay_lengths = delay_lengths  # (params, dt) -> lengths (mm) to run with; None: params["lengthMat"]

    def key(self, field):
        """The neurolib parameter name of a Params field."""
        return self.param_names.get(field, field)


def _uniform_pair(names, low, high, scale):
    def draw(rng, n):
        return {name: scale * rng.uniform(low, high, (n, 1)) for name in names}

    return draw


def _draw_aln(rng, n):
    # neurolib's draw order (models/aln/loadDefaultParams.py): per-node vectors, then the (N, 1) histories.
    draws = {}
    for name, scale in (
        ("mufe_init", 3.0),
        ("mufi_init", 3.0),
        ("seem_init", 0.5),
        ("seim_init", 0.5),
        ("seev_init", 0.001),
        ("seiv_init", 0.001),
        ("siim_init", 0.5),
        ("siem_init", 0.5),
        ("siiv_init", 0.01),
        ("siev_init", 0.01),
    ):
        draws[name] = scale * rng.uniform(0.0, 1.0, n)
    for name, scale in (("rates_exc_init", 0.01), ("rates_inh_init", 0.01), ("IA_init", 200.0)):
        draws[name] = scale * rng.uniform(0.0, 1.0, (n, 1))
    return draws


def _draw_ww(rng, n):
    draws = _uniform_pair(("ses_init", "sis_init"), 0.0, 1.0, 0.05)(rng, n)
    # neurolib has no initial rates until a run writes them back; they never affect a run (algebraic).
    return {"r_exc": np.zeros((n, 1)), "r_inh": np.zeros((n, 1)), **draws}


def _draw_thalamus(rng, n):
    # neurolib's generateRandomICs: V_t, V_r ~ U(−75, −50), then Q_t, Q_r ~ U(0, 200) (drawn but unused by the
    # dynamics, which start from Q(V_init)), then fixed values.
    draws = {}
    for name, low, high in (
        ("V_t_init", -75.0, -50.0),
        ("V_r_init", -75.0, -50.0),
        ("Q_t_init", 0.0, 200.0),
        ("Q_r_init", 0.0, 200.0),
    ):
        draws[name] = rng.uniform(low, high, (n,))
    for field in _thalamus.State._fields[4:]:
        draws[f"{field}_init"] = np.array(2.4e-4 if field == "Ca" else 0.0)
    return draws


def _kuramoto_lengths(p, dt):
    """Fibre lengths to run with: ``lengthMat``, or with ``legacy_delays`` lengths whose delay in steps is
    neurolib's ``int(lengthMat / signalV)`` (the delay in ms truncated, used as a number of steps)."""
    lengths = np.asarray(p["lengthMat"], dtype=np.float64)
    signal_v = float(p["signalV"])
    if not p.get("legacy_delays") or signal_v <= 0:
        return lengths
    return np.trunc(lengths / signal_v) * signal_v * dt


_SPECS = {
    "aln": _Spec(
        _aln.model,
        init_vars=tuple(f"{field}_init" for field in _aln.State._fields),
        ou_vars=("mue_ou", "mui_ou"),
        draw_init=_draw_aln,
        # Parameters neurolib lists that only shaped the tables or switch off unported variants; accepted, unused.
        extra_defaults={
            "EL": -65.0,
            "DeltaT": 1.5,
            "VT": -50.0,
            "Vr": -70.0,
            "Vs": -40.0,
            "Tref": 1.5,
            "tau_de": 1.0,
            "tau_di": 1.0,
            "distr_delay": 0,
            "filter_sigma": 0,
            "fast_interp": 1,
            "dosc_version": 0,
            "warn": 0,
        },
        time_inputs={name: name for name in _aln.model.input_vars},
        constant_inputs={},
    ),
    "hopf": _Spec(
        _hopf.model,
        init_vars=("xs_init", "ys_init"),
        ou_vars=("x_ou", "y_ou"),
        draw_init=_uniform_pair(("xs_init", "ys_init"), -1.0, 1.0, 0.5),
        extra_defaults={"coupling": "diffusive"},
        time_inputs={"x_ext": "x_ext", "y_ext": "y_ext"},
        constant_inputs={"x_ext": "x_ext", "y_ext": "y_ext"},
    ),
    "fhn": _Spec(
        _fhn.model,
        init_vars=("xs_init", "ys_init"),
        ou_vars=("x_ou", "y_ou"),
        draw_init=_uniform_pair(("xs_init", "ys_init"), 0.0, 1.0, 0.05),
        extra_defaults={"coupling": "diffusive"},
        time_inputs={"x_ext": "x_ext", "y_ext": "y_ext"},
        constant_inputs={"x_ext": "x_ext", "y_ext": "y_ext"},
    ),
    "wc": _Spec(
        _wc.model,
        init_vars=("exc_init", "inh_init"),
        ou_vars=("exc_ou", "inh_ou"),
        draw_init=_uniform_pair(("exc_init", "inh_init"), 0.0, 1.0, 0.05),
        extra_defaults={},
        time_inputs={"exc_ext": "exc_ext", "inh_ext": "inh_ext"},
        constant_inputs={},
    ),
    "ww": _Spec(
        _ww.model,
        init_vars=("r_exc", "r_inh", "ses_init", "sis_init"),
        ou_vars=("exc_ou", "inh_ou"),
        draw_init=_draw_ww,
        extra_defaults={},
        time_inputs={"exc_current": "exc_current", "inh_current": "inh_current"},
        constant_inputs={},
        neurolib_name="wongwang",
    ),
    "kuramoto": _Spec(
        _kuramoto.model,
        init_vars=("theta_init",),
        ou_vars=("theta_ou",),
        draw_init=_uniform_pair(("theta_init",), 0.0, 2.0 * np.pi, 1.0),
        extra_defaults={"legacy_delays": False},
        time_inputs={"theta_ext": "theta_ext"},
        constant_inputs={},
        param_names={"K_gl": "k"},
        per_node=("omega",),
        delay_lengths=_kuramoto_lengths,
    ),
    "thalamus": _Spec(
        _thalamus.model,
        init_vars=tuple(f"{field}_init" for field in _thalamus.State._fields),
        ou_vars=(),
        draw_init=_draw_thalamus,
        extra_defaults={"dt": _thalamus.DT, "duration": 60000.0},
        time_inputs={},
        constant_inputs={},
        single_node=True,
    ),
}


def _adjust_array_shape(value, n_nodes, n_columns):
    """neurolib's ``adjustArrayShape``: scalar / time series / matrix → ``(N, n_columns)``.

    A 1-D array is a time series shared by all nodes (not a per-node vector); rows are tiled to N and
    columns tiled until long enough, keeping the last ``n_columns``.
    """
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"input arrays must be scalars, 1-D time series or (N, T) arrays; got shape {arr.shape}")
    if arr.shape[0] < n_nodes:
        arr = np.tile(arr, (int(np.ceil(n_nodes / arr.shape[0])), 1))[:n_nodes]
    reps = int(np.ceil(n_columns / arr.shape[1]))
    return np.tile(arr, (1, reps))[:, -n_columns:]


class AbstractNeurolibModel:
    """A neurolib-style model object over the functional core (do not instantiate; use a final class).

    Args:
        params: optional parameter dict replacing the defaults.
        Cmat: ``(N, N)`` structural connectivity ``[to, from]`` (diagonal set to 0, as neurolib).
        Dmat: ``(N, N)`` fibre lengths in mm.
        seed: integer seed of the initial conditions (numpy's legacy stream, as neurolib) and of the noise
            (``jax.random.key(seed)``); ``None`` draws fresh ones.
    """

    _spec: _Spec

    def __init__(self, params=None, Cmat=None, Dmat=None, seed=None):
        spec = self._spec
        if spec.single_node and (Cmat is not None or Dmat is not None):
            raise TypeError(
                f"{type(self).__name__} is a single-node model and takes no Cmat/Dmat; "
                f"pass the seed by keyword ({type(self).__name__}(seed=...))"
            )
        self.name = spec.neurolib_name
        self.model = spec.model
        self.params = dotdict(params) if params is not None else self._default_params(Cmat, Dmat, seed)
        self.outputs = dotdict()
        self.state = dotdict()
        self._final = None

    @property
    def init_vars(self):
        return list(self._spec.init_vars) + list(self._spec.ou_vars)

    @property
    def state_vars(self):
        return list(self.model.State._fields) + list(self.model.noise_vars)

    @property
    def output_vars(self):
        return list(self.model.output_vars)

    @property
    def default_output(self):
        return self.model.default_output

    @property
    def input_vars(self):
        return list(self.model.input_vars)

    def _default_params(self, Cmat, Dmat, seed):
        spec = self._spec
        if Cmat is None:
            n = 1
            cmat, lengths = np.zeros((1, 1)), np.zeros((1, 1))
        else:
            cmat = np.array(Cmat, dtype=np.float64)
            np.fill_diagonal(cmat, 0.0)
            n = cmat.shape[0]
            lengths = np.zeros_like(cmat) if Dmat is None else np.array(Dmat, dtype=np.float64)
        p = dotdict(model=self.name, name=self.name, dt=0.1, duration=2000.0, seed=seed, sampling_dt=None)
        p.update(N=n, Cmat=cmat, lengthMat=lengths, signalV=20.0)
        for field, value in zip(spec.model.Params._fields, spec.model.Params()):
            p[spec.key(field)] = np.full(n, value) if field in spec.per_node else value
        p.update(spec.extra_defaults)
        for name, field in spec.constant_inputs.items():
            p[name] = np.full(n, getattr(spec.model.Params(), field))
        for name in spec.time_inputs:
            p.setdefault(name, 0.0)
        rng = np.random.RandomState(seed)
        p.update(spec.draw_init(rng, n))
        ou_start = spec.model.ou_init(spec.model.Params()) if spec.model.ou_init else (0.0,) * len(spec.ou_vars)
        for name, value in zip(spec.ou_vars, ou_start):
            p[name] = np.full(n, value, dtype=np.float64)
        return p

    # ---- running -------------------------------------------------------------------------------

    def _settings(self):
        p = self.params
        dt = float(p["dt"])
        duration = float(p["duration"])
        if duration <= 0:
            raise ValueError(f"duration must be > 0 ms; got {duration}")
        sampling_dt = p.get("sampling_dt")
        if sampling_dt is not None and sampling_dt < 0:
            raise ValueError(f"sampling_dt must be positive; got {sampling_dt}")
        return dt, duration, sampling_dt

    def _core_params_and_inputs(self, n_steps, connectome, dt):
        """The core Params, the time-dependent inputs and the ring length (neurolib's ``startind``)."""
        spec, p = self._spec, self.params
        fields = {}
        for field in spec.model.Params._fields:
            if field in spec.constant_inputs.values():
                continue
            if spec.key(field) not in p:
                raise ValueError(f"parameter {spec.key(field)!r} is missing from model.params")
            fields[field] = np.asarray(p[spec.key(field)], dtype=np.float64)
        known = {spec.key(f) for f in spec.model.Params._fields} | set(spec.extra_defaults) | set(self.init_vars)
        known |= set(spec.time_inputs) | {
            "model",
            "name",
            "dt",
            "duration",
            "seed",
            "sampling_dt",
            "N",
            "Cmat",
            "lengthMat",
            "signalV",
        }
        unknown = sorted(set(p) - known)
        if unknown:
            raise ValueError(f"unknown parameter name(s) {unknown} for {type(self).__name__}")
        scalar_fields = {k: (float(v) if np.ndim(v) == 0 else v) for k, v in fields.items()}
        _, _, ring_len = delay_plan(spec.model, spec.model.Params(**scalar_fields), connectome, float(p["signalV"]), dt)
        inputs = {}
        n = int(p["N"])
        for name, core_name in spec.time_inputs.items():
            series = _adjust_array_shape(p.get(name, 0.0), n, ring_len + n_steps)
            # Step k of the run (neurolib column ring_len + k) reads input column ring_len − 1 + k.
            series = series[:, ring_len - 1 : ring_len - 1 + n_steps].T
            if name in spec.constant_inputs and np.all(series == series[:1]):
                fields[spec.constant_inputs[name]] = series[0]
            elif np.any(series != 0):
                inputs[core_name] = series
                if name in spec.constant_inputs:
                    fields[spec.constant_inputs[name]] = 0.0
            elif name in spec.constant_inputs:
                fields[spec.constant_inputs[name]] = 0.0
        params = spec.model.Params(**{k: (float(v) if np.ndim(v) == 0 else v) for k, v in fields.items()})
        return params, inputs, ring_len

    def _initial(self, ring_len):
        spec, p = self._spec, self.params
        n = int(p["N"])
        values, history = [], []
        for name in spec.init_vars:
            arr = np.asarray(p[name], dtype=np.float64)
            arr = arr.reshape(n, -1) if arr.ndim < 2 else arr
            values.append(arr[:, -1])
            history.append(arr.T if arr.shape[1] > 1 else None)
        state = spec.model.State(*values)
        hist = spec.model.State(*history) if any(h is not None for h in history) else None
        if hist is not None:
            # A history shorter than the longest delay is extended with its oldest value.
            hist = spec.model.State(
                *(
                    None if h is None else np.concatenate([np.repeat(h[:1], max(0, ring_len - len(h)), 0), h])
                    for h in hist
                )
            )
        ou = tuple(np.broadcast_to(np.asarray(p[name], dtype=np.float64), (n,)) for name in spec.ou_vars)
        return state, hist, ou

    def run(self, bold=False, chunkwise=False, chunksize=None, append_outputs=False, continue_run=False):
        """Integrate the model (neurolib's ``Model.run``).

        Args:
            bold: also simulate BOLD (stored in ``model.BOLD``).
            chunkwise: integrate in chunks of ``chunksize`` steps (default 2 s); without
                ``append_outputs`` only the last chunk's outputs are kept, as in neurolib.
            chunksize: steps per chunk; giving it implies ``chunkwise``.
            append_outputs: append new outputs to the stored ones (chunks and continued runs).
            continue_run: start from the end of the previous run (state, delay history, BOLD).
        """
        import jax.random as jr

        if chunksize is not None:
            chunkwise = True
        p = self.params
        dt, duration, sampling_dt = self._settings()
        n_steps = int(round(duration / dt))
        cmat = np.asarray(p["Cmat"], dtype=np.float64)
        if self._spec.delay_lengths is None:
            lengths = np.asarray(p["lengthMat"], dtype=np.float64)
        else:
            lengths = self._spec.delay_lengths(p, dt)
        connectome = Connectome(cmat, lengths)
        params, inputs, ring_len = self._core_params_and_inputs(n_steps, connectome, dt)
        seed = p.get("seed")
        key = jr.key(int(seed) if seed is not None else int(np.random.SeedSequence().entropy % (2**31)))
        if continue_run and self._final is not None:
            initial, history, ou = self._final, None, None
            key = jr.fold_in(key, int(self._final.step))
        else:
            initial, history, ou = self._initial(ring_len)
        chunk = None
        if chunkwise:
            chunk = int(chunksize) if chunksize is not None else int(round(2000.0 / dt))
        result = simulate(
            self.model,
            params,
            connectome,
            key=key,
            duration=duration,
            dt=dt,
            sampling_dt=sampling_dt,
            signalV=float(p["signalV"]),
            bold=bold,
            initial=initial,
            history=history,
            inputs=inputs or None,
            chunksize=chunk,
            coupling=coupling_by_name(p.get("coupling", self.model.coupling)),
            ou=ou,
        )
        self._store(result, chunkwise, chunk, dt, sampling_dt, append_outputs)
        self._final = result.final
        return self

    def _store(self, result, chunkwise, chunk, dt, sampling_dt, append):
        every = int(round((sampling_dt or dt) / dt))
        t = np.asarray(result.t)
        outs = {name: np.asarray(v).T for name, v in result.outputs.items()}
        if chunkwise and not append and chunk is not None:
            # neurolib keeps only the last chunk's outputs when not appending.
            last = (len(t) * every - 1) // chunk * chunk // every
            t = t[last:]
            outs = {name: v[:, last:] for name, v in outs.items()}
        if append and "t" in self.outputs:
            t = np.concatenate([self.outputs["t"], t])
            outs = {name: np.concatenate([self.outputs[name], v], axis=1) for name, v in outs.items()}
        self.outputs.update(outs)
        self.outputs["t"] = t
        if result.bold is not None:
            bold = np.asarray(result.bold).T
            t_bold = np.asarray(result.t_bold)
            old = self.outputs.get("BOLD")
            if append and old is not None and old["BOLD"].shape[0] == bold.shape[0]:
                bold = np.concatenate([old["BOLD"], bold], axis=1)
                t_bold = np.concatenate([old["t_BOLD"], t_bold])
            self.outputs["BOLD"] = dotdict(BOLD=bold, t_BOLD=t_bold)
        final = result.final
        for field, value in zip(self.model.State._fields, final.state):
            self.state[field] = np.asarray(value)[:, 0]
        for name, value in zip(self.model.noise_vars, final.ou):
            self.state[name] = np.asarray(value)[:, 0]

    # ---- outputs -------------------------------------------------------------------------------

    @property
    def output(self):
        return self.outputs.get(self.default_output)

    @property
    def t(self):
        return self.outputs.get("t")

    @property
    def BOLD(self):
        return self.outputs.get("BOLD")

    def __getitem__(self, name):
        return self.outputs[name]

    def __getattr__(self, name):
        outputs = self.__dict__.get("outputs", {})
        if name in outputs:
            return outputs[name]
        raise AttributeError(f"{type(self).__name__} has no attribute or output {name!r}")

    def getOutputs(self, group=""):
        return self.outputs if not group else self.outputs[group]

    def getOutput(self, name):
        out = self.outputs
        for part in name.split("."):
            out = out[part]
        return out

    def xr(self, group=""):
        """Outputs as an ``xarray.DataArray`` with dims ``(output, space, time)``, as neurolib."""
        import xarray as xr

        outs = self.getOutputs(group)
        time_key = "t" if "t" in outs else next(k for k in outs if k.startswith("t"))
        names = [k for k, v in outs.items() if k != time_key and isinstance(v, np.ndarray) and v.ndim == 2]
        data = np.stack([outs[k] for k in names])
        return xr.DataArray(
            data,
            dims=("output", "space", "time"),
            coords={"output": names, "space": np.arange(data.shape[1]), "time": outs[time_key]},
        )


class ALNModel(AbstractNeurolibModel):
    """neurolib's ``ALNModel`` (adaptive linear–nonlinear cascade); see :mod:`jaxbrain.models.aln`."""

    _spec = _SPECS["aln"]


class HopfModel(AbstractNeurolibModel):
    """neurolib's ``HopfModel`` (Stuart–Landau oscillators); see :mod:`jaxbrain.models.hopf`."""

    _spec = _SPECS["hopf"]


class FHNModel(AbstractNeurolibModel):
    """neurolib's ``FHNModel`` (FitzHugh–Nagumo); see :mod:`jaxbrain.models.fhn`."""

    _spec = _SPECS["fhn"]


class WCModel(AbstractNeurolibModel):
    """neurolib's ``WCModel`` (Wilson–Cowan); see :mod:`jaxbrain.models.wc`."""

    _spec = _SPECS["wc"]


class WWModel(AbstractNeurolibModel):
    """neurolib's ``WWModel`` (Wong–Wang, ``name = "wongwang"``); see :mod:`jaxbrain.models.ww`.

    Master semantics (``tau_inh`` = 10 ms). The constant drives are ``exc_current_baseline`` and
    ``inh_current_baseline``; ``exc_current``/``inh_current`` are time-dependent inputs (neurolib's
    ``adjustArrayShape`` rules). ``params["r_exc"]``/``params["r_inh"]`` (zeros) exist only so that every
    State field has an initial value; the rates are recomputed from ``se``, ``si`` at every step.
    """

    _spec = _SPECS["ww"]


class KuramotoModel(AbstractNeurolibModel):
    """neurolib's ``KuramotoModel``; see :mod:`jaxbrain.models.kuramoto`.

    The coupling strength is ``params["k"]`` (the core's ``K_gl``), divided by N; ``omega`` is per node.
    Delays are ``round(lengthMat / signalV / dt)`` steps, as for every other model. Set
    ``params["legacy_delays"] = True`` to reproduce neurolib master's delays, ``int(lengthMat / signalV)``
    steps (the delay in ms truncated and used as a step count, so 1/dt too short), for comparison.

    Output alignment: in the same runs neurolib also returns fewer ``theta`` samples than ``t`` entries: it
    drops the first ``max(round(D/dt)) − max(round(int(D)/dt))`` samples (``D = lengthMat / signalV``; 7 on
    ``gw`` at dt 0.1, so 493 of 500 for 50 ms) while ``t`` keeps all of them. Here ``theta`` always has one
    column per ``t``: neurolib's ``theta`` equals ``model.theta[:, -n:]`` with ``n`` its column count.
    """

    _spec = _SPECS["kuramoto"]


class ThalamicMassModel(AbstractNeurolibModel):
    """neurolib's ``ThalamicMassModel`` (Costa et al. 2016); see :mod:`jaxbrain.models.thalamus`.

    A single node: the constructor takes ``params`` and ``seed`` only (pass the seed by keyword:
    ``ThalamicMassModel(seed=0)``). Defaults ``dt = 0.01`` ms and ``duration = 60000`` ms, as neurolib.
    ``Q_t_init``/``Q_r_init`` are drawn (to keep neurolib's random stream) but, as in neurolib, do not affect
    the run. ``params["d_phi"]`` switches on the noise (drawn from ``jax.random``).
    """

    _spec = _SPECS["thalamus"]


class func:
    """neurolib's ``neurolib.utils.functions`` on ``[node, time]`` arrays, returning numpy values."""

    @staticmethod
    def fc(ts):
        return np.asarray(_metrics.fc(np.asarray(ts).T))

    @staticmethod
    def matrix_correlation(m1, m2):
        return float(_metrics.matrix_correlation(np.asarray(m1), np.asarray(m2)))

    @staticmethod
    def fcd(ts, windowsize=30, stepsize=5):
        return np.asarray(_metrics.fcd(np.asarray(ts).T, window_size=windowsize, step_size=stepsize))

    @staticmethod
    def matrix_kolmogorov(m1, m2):
        return float(_metrics.matrix_kolmogorov(np.asarray(m1), np.asarray(m2)))

    @staticmethod
    def ts_kolmogorov(ts1, ts2, windowsize=30, stepsize=5):
        return float(
            _metrics.ts_kolmogorov(np.asarray(ts1).T, np.asarray(ts2).T, window_size=windowsize, step_size=stepsize)
        )
