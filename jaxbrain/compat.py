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
  run continues the noise and agrees with the unchunked run to float rounding;
* neurolib skips BOLD for chunks shorter than 2 s; here BOLD integrates every step.
"""

from __future__ import annotations

import copy
import difflib
import inspect
import json
import math
import numbers
import os
import warnings

import numpy as np

from . import metrics as _metrics
from ._atomic import write_text
from ._resume import RunLock, canonical, differences, fingerprint, load_checked, run_settings, save_checked
from .data import Dataset as Dataset
from .explore import ParameterSpace as ParameterSpace
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
    "BoxSearch",
    "Dataset",
    "Evolution",
    "FHNModel",
    "HopfModel",
    "KuramotoModel",
    "ParameterSpace",
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


# ---- checking what a neurolib user passes ----------------------------------------------------------------
# Every compat model runs through one check of its parameter dict (:meth:`AbstractNeurolibModel._check_params`),
# before anything divides by dt or converts a value: a wrong value is a TypeError/ValueError naming its key.

# Keys every model's params need besides its own parameters and initial values, and keys that have a default.
_RUN_KEYS = ("dt", "duration", "N", "Cmat", "lengthMat", "signalV")
_OPTIONAL_KEYS = ("model", "name", "seed", "sampling_dt", "coupling")


def _is_real_number(value):
    """A real number: a Python or numpy scalar or a 0-d numeric array (not a bool, not complex)."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, numbers.Real):
        return True
    return isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"


def _positive(name, value, *, unit="", allow_zero=False):
    """``value`` as a finite float > 0 (>= 0 with ``allow_zero``); else an error naming ``name``."""
    if not _is_real_number(value):
        raise TypeError(f"{name} must be a number{unit}; got {type(value).__name__} {value!r}")
    out = float(value)
    if not math.isfinite(out) or out < 0 or (out == 0 and not allow_zero):
        raise ValueError(f"{name} must be a finite number {'>= 0' if allow_zero else '> 0'}{unit}; got {value!r}")
    return out


def _seed(name, value):
    """``value`` as an int seed in numpy's range, or None; else an error naming ``name``."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int or None; got {type(value).__name__} {value!r}")
    if not 0 <= int(value) < 2**32:
        raise ValueError(f"{name} must be an int in [0, 2**32 - 1] (numpy's seed range) or None; got {value}")
    return int(value)


def _flag(name, value):
    """A yes/no argument: a bool (numpy's too) or 0/1; a string such as "False" is refused, not read as true."""
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, numbers.Integral) and value in (0, 1)):
        return bool(value)
    raise TypeError(f"{name} must be True or False; got {type(value).__name__} {value!r}")


def _real_array(name, value):
    """``value`` as a finite float64 array; an error naming ``name`` for text, objects, complex or NaN/Inf."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a number or numeric array; got {type(value).__name__} {value!r}")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or numeric array; got a ragged {type(value).__name__}") from None
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must be real; got complex values (take .real or abs() explicitly)")
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a number or numeric array; got {type(value).__name__} of dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or Inf; every value must be finite")
    return arr


def _matrix(name, value, n=None):
    """A finite, square ``(N, N)`` float64 matrix (``n`` nodes when given); else an error naming ``name``."""
    arr = _real_array(name, value)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise ValueError(f"{name} must be a square 2-D array (N, N) [to, from]; got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} must have the shape of Cmat ({n}, {n}); got {arr.shape}")
    return arr


def _run_options(bold, chunkwise, chunksize, append_outputs, continue_run):
    """``model.run``'s arguments, checked: the flags as bools, ``chunksize`` as a positive int or None."""
    if chunksize is not None:
        if isinstance(chunksize, (bool, np.bool_)) or not isinstance(chunksize, numbers.Integral):
            raise TypeError(f"chunksize must be a whole number of steps (int) or None; got {chunksize!r}")
        if chunksize < 1:
            raise ValueError(f"chunksize must be a positive number of steps; got {chunksize}")
        chunksize, chunkwise = int(chunksize), True
    flags = [_flag(name, value) for name, value in (
        ("bold", bold), ("chunkwise", chunkwise), ("append_outputs", append_outputs), ("continue_run", continue_run)
    )]  # fmt: skip
    return flags[0], flags[1], chunksize, flags[2], flags[3]


def _weights(weightList):
    """Evolution's ``weightList`` as a list of finite floats, one per objective (a string is not split)."""
    if weightList is None:
        return [1.0]
    if isinstance(weightList, (str, bytes)) or not isinstance(weightList, (list, tuple, np.ndarray)):
        raise TypeError(
            f"weightList must be a list of numbers, one weight per objective (e.g. [-1.0]); got "
            f"{type(weightList).__name__} {weightList!r}"
        )
    bad = [w for w in list(np.ravel(np.asarray(weightList, dtype=object))) if not _is_real_number(w)]
    if bad or np.ndim(weightList) != 1:
        raise TypeError(f"weightList must be a flat list of numbers; got {weightList!r}")
    weights = [float(w) for w in weightList]
    if not weights:
        raise ValueError("weightList must give one weight per objective (default [1.0])")
    if not all(math.isfinite(w) for w in weights):
        raise ValueError(f"weightList must hold finite numbers; got {weightList!r}")
    return weights


def _model_settings(model):
    """What identifies a compat model in a resumable run's settings: its class and its params. Without a seed
    the random initial values are a draw that does not change what is computed, so they are left out."""
    p = model.params
    skip = {"seed", *model.init_vars} if p.get("seed") is None else set()
    return {"class": type(model).__name__, "params": {k: p[k] for k in sorted(p, key=str) if k not in skip}}


def _suggest(name, known):
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


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
        if params is None:
            self.params = self._default_params(Cmat, Dmat, seed)
        else:
            # neurolib silently ignores Cmat, Dmat and seed when params is given; here that is refused.
            given = [label for label, v in (("Cmat", Cmat), ("Dmat", Dmat), ("seed", seed)) if v is not None]
            if given:
                raise ValueError(
                    f"{type(self).__name__}: pass params or {'/'.join(given)}, not both (params already holds "
                    f"Cmat, lengthMat and seed; set them there)"
                )
            if not isinstance(params, dict):
                raise TypeError(f"params must be a dict of neurolib parameters; got {type(params).__name__}")
            self.params = dotdict(params)
            self._check_params()
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
        seed = _seed("seed", seed)
        if Cmat is None:
            if Dmat is not None:
                raise ValueError("Dmat (fibre lengths) was given without Cmat; pass both, or neither for one node")
            n = 1
            cmat, lengths = np.zeros((1, 1)), np.zeros((1, 1))
        else:
            cmat = _matrix("Cmat", Cmat).copy()  # a copy: the caller's array is not changed
            np.fill_diagonal(cmat, 0.0)
            n = cmat.shape[0]
            lengths = np.zeros_like(cmat) if Dmat is None else _matrix("Dmat", Dmat, n)
            if np.any(lengths < 0):
                raise ValueError("Dmat (fibre lengths in mm) must be >= 0; found negative entries")
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

    def __repr__(self):
        # Stable across processes (no memory address): a function that closes over a model is identified by
        # its class and parameters when a resumable run fingerprints it (see jaxbrain._resume.canonical).
        digest = fingerprint(canonical(_model_settings(self)))
        return f"{type(self).__name__}(N={self.params.get('N')}, params {digest})"

    # ---- checking params -----------------------------------------------------------------------

    def _required_keys(self):
        spec = self._spec
        own = [spec.key(f) for f in spec.model.Params._fields if f not in spec.constant_inputs.values()]
        return [*_RUN_KEYS, *own, *spec.init_vars, *spec.ou_vars]

    def _known_keys(self):
        spec = self._spec
        return {*self._required_keys(), *_OPTIONAL_KEYS, *spec.extra_defaults, *spec.time_inputs}

    def _check_params(self):
        """Check every entry of ``self.params`` (missing, unknown, wrong type, shape or value); raises naming it."""
        p = self.params
        cls = type(self).__name__
        if not isinstance(p, dict):
            raise TypeError(f"{cls}.params must be a dict; got {type(p).__name__}")
        missing = [k for k in self._required_keys() if k not in p]
        if missing:
            raise ValueError(
                f"{cls}.params is missing the key(s) {missing}; start from {cls}(...).params (neurolib's "
                "defaults) and change what you need"
            )
        known = self._known_keys()
        unknown = sorted(str(k) for k in p if k not in known)
        if unknown:
            hint = _suggest(unknown[0], sorted(known))
            raise ValueError(f"unknown parameter name(s) {unknown} for {cls}{hint}")
        cmat = _matrix("params['Cmat']", p["Cmat"])
        n = cmat.shape[0]
        if isinstance(p["N"], (bool, np.bool_)) or not isinstance(p["N"], numbers.Integral):
            raise TypeError(f"params['N'] must be an int (the number of nodes); got {type(p['N']).__name__} {p['N']!r}")
        if int(p["N"]) != n:
            raise ValueError(
                f"params['N'] is {p['N']} but params['Cmat'] has {n} node(s) (shape {cmat.shape}); they must agree"
            )
        for key in p:
            if key not in ("Cmat", "N"):
                self._check_value(key, p[key], n)

    def _check_value(self, key, value, n):
        """Check one entry ``params[key]`` of an ``n``-node model; raises a TypeError/ValueError naming it."""
        spec, name = self._spec, f"params[{key!r}]"
        if key in ("dt", "duration"):
            _positive(name, value, unit=" (ms)")
        elif key == "sampling_dt":
            if value is not None:
                _positive(name, value, unit=" (ms, or None for every step)")
        elif key == "signalV":
            _positive(name, value, unit=" (mm/ms; 0 for no delays)", allow_zero=True)
        elif key == "seed":
            _seed(name, value)
        elif key == "N":
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value != n:
                raise ValueError(f"{name} must be the number of nodes of Cmat ({n}); got {value!r}")
        elif key == "Cmat":
            _matrix(name, value, n)
        elif key == "lengthMat":
            if np.any(_matrix(name, value, n) < 0):
                raise ValueError(f"{name} (fibre lengths in mm) must be >= 0; found negative entries")
        elif key == "coupling":
            coupling_by_name(value)
        elif key == "legacy_delays":
            _flag(name, value)
        elif key in ("model", "name") or key in spec.extra_defaults:
            return  # neurolib's labels and parameters accepted for compatibility, not used
        elif key in spec.time_inputs:
            arr = _real_array(name, value)
            if arr.ndim > 2 or (arr.ndim == 2 and arr.shape[0] not in (1, n)):
                raise ValueError(
                    f"{name} must be a number, a 1-D time series shared by all nodes, or an (N, T) array with "
                    f"N = 1 or {n}; got shape {arr.shape}"
                )
        elif key in spec.init_vars:
            arr = _real_array(name, value)
            if arr.ndim > 2 or (arr.ndim >= 1 and arr.shape[0] != n) or (arr.ndim == 2 and arr.shape[1] == 0):
                raise ValueError(f"{name} must be a number, ({n},) or ({n}, history length); got shape {arr.shape}")
        else:  # a model parameter or an OU channel's initial value: a number or one value per node
            arr = _real_array(name, value)
            if arr.shape not in ((), (n,)):
                raise ValueError(f"{name} must be a number or one value per node, shape ({n},); got shape {arr.shape}")

    # ---- running -------------------------------------------------------------------------------

    def _settings(self):
        """Check the params; the run's ``dt``, ``duration`` and ``sampling_dt`` as floats (or None)."""
        self._check_params()
        p = self.params
        dt, duration = float(p["dt"]), float(p["duration"])
        sampling_dt = None if p.get("sampling_dt") is None else float(p["sampling_dt"])
        if sampling_dt is not None and sampling_dt < dt:
            raise ValueError(f"params['sampling_dt'] must be >= params['dt'] ({dt} ms); got {sampling_dt}")
        return dt, duration, sampling_dt

    def _core_params_and_inputs(self, n_steps, connectome, dt):
        """The core Params, the time-dependent inputs and the ring length (neurolib's ``startind``)."""
        spec, p = self._spec, self.params
        fields = {}
        for field in spec.model.Params._fields:
            if field in spec.constant_inputs.values():
                continue
            fields[field] = np.asarray(p[spec.key(field)], dtype=np.float64)  # checked by _check_params
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
            arr = np.full((n, 1), arr) if arr.ndim == 0 else (arr.reshape(n, -1) if arr.ndim < 2 else arr)
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

        bold, chunkwise, chunksize, append_outputs, continue_run = _run_options(
            bold, chunkwise, chunksize, append_outputs, continue_run
        )
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
            chunk = chunksize if chunksize is not None else max(1, int(round(2000.0 / dt)))
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


# ---- parameter exploration (neurolib's BoxSearch) ------------------------------------------------------

_DATA_DIR = os.path.join(".", "data", "jaxbrain")
_NEUROLIB_SUFFIXES = (".hdf", ".hdf5", ".h5", ".zarr", ".json")


class _Trajectory:
    """What an ``evalFunction`` receives in place of pypet's trajectory: the run's index and parameters."""

    def __init__(self, index, parameters):
        self.v_idx = index  # pypet's run index
        self.v_crun = f"run_{index:08d}"  # pypet's run name
        self.parameters = parameters  # dotdict of the explored parameters of this run
        self.par = parameters

    def __repr__(self):
        return f"Trajectory({self.v_crun}, {dict(self.parameters)})"


def _base_path(filename):
    """Absolute path, without suffix, of a search's files: ``./data/jaxbrain/<filename>`` (an absolute
    ``filename`` is used as is); neurolib's ``.hdf`` suffix is dropped."""
    name = "exploration" if filename is None else os.fspath(filename)
    root, ext = os.path.splitext(name)
    if ext.lower() in _NEUROLIB_SUFFIXES:
        name = root
    return os.path.abspath(os.path.join(_DATA_DIR, name))


def _plain(value):
    """A parameter value as a float (scalars; ints stay ints, e.g. a seed), a float array (per-node values), or
    the string it is (e.g. a coupling's name)."""
    if isinstance(value, str):
        return value
    arr = np.asarray(value)
    if arr.ndim == 0 and arr.dtype.kind in "iu":
        return int(arr)
    arr = arr.astype(np.float64)
    return float(arr) if arr.ndim == 0 else arr


def _to_json(value):
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    arr = np.asarray(value)
    return arr.item() if arr.ndim == 0 else arr.tolist()


def _flatten(result, prefix=""):
    """A nested dict of results as ``{"a.b": value}`` (pypet's full names)."""
    flat = {}
    for name, value in result.items():
        full = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{full}."))
        else:
            flat[full] = value
    return flat


def _storable(name, value):
    arr = np.asarray(value)
    if arr.dtype.kind not in "biufcUS" or (arr.dtype.kind in "US" and arr.dtype.itemsize == 0):
        raise TypeError(
            f"result {name!r} ({type(value).__name__}) cannot be stored without pickle: save numbers, strings, "
            "booleans or numeric arrays (nested dicts are fine)"
        )
    return arr


def _from_disk(arrays, short_names):
    """A run's stored arrays as a results dotdict: 0-d values as Python scalars, pypet's short (leaf) names
    unless two leaves share a name."""
    leaves = [name.rsplit(".", 1)[-1] for name in arrays]
    out = dotdict()
    for (name, arr), leaf in zip(arrays.items(), leaves):
        key = leaf if short_names and leaves.count(leaf) == 1 else name
        out[key] = arr.item() if arr.ndim == 0 else arr
    return out


def _save_results(path, values, meta):
    """Write a dict of stored results (numbers, booleans, text arrays) to the checksummed ``.npz`` ``path``.

    Text arrays travel as their raw bytes (so the checksum covers them too), with dtype and shape in ``meta``.
    """
    arrays, text = {}, {}
    for name, arr in values.items():
        if arr.dtype.kind in "US":
            text[name] = {"dtype": arr.dtype.str, "shape": list(arr.shape)}
            arr = np.ascontiguousarray(arr).reshape(-1).view(np.uint8)
        arrays[name] = arr
    save_checked(path, arrays, dict(meta, names=list(values), text=text))


def _load_results(path, what):
    """``(values, meta)`` of a file :func:`_save_results` wrote; a ValueError naming ``path`` for anything else."""
    arrays, meta = load_checked(path, what)
    names, text = meta.get("names"), meta.get("text")
    if not isinstance(names, list) or not isinstance(text, dict) or sorted(names) != sorted(arrays):
        raise ValueError(f"{path} is not a jaxbrain {what} file (its record of stored names does not match)")
    values = {}
    for name in names:
        arr = arrays[name]
        if name in text:
            try:
                arr = arr.view(np.dtype(text[name]["dtype"])).reshape(text[name]["shape"])
            except (TypeError, ValueError, KeyError) as err:
                raise ValueError(f"{path}: stored text {name!r} cannot be read back ({err})") from None
        values[name] = arr
    return values, meta


def _read_json(path, what):
    """The JSON object in ``path``; a ValueError naming the file when it is damaged, truncated or not an object."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path} is not a readable {what} (damaged or truncated JSON: {err})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a {what} (it holds a JSON {type(data).__name__}, not an object)")
    return data


def _check_filename(filename):
    if filename is not None and not isinstance(filename, (str, os.PathLike)):
        raise TypeError(f"filename must be a str, a path or None; got {type(filename).__name__} {filename!r}")


def _check_memory(needed, memory_cap):
    """neurolib's ``memory_cap``: refuse to load results that would push RAM use above ``memory_cap`` %."""
    info = {}
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                key, value = line.split(":", 1)
                info[key] = int(value.split()[0]) * 1024
    except (OSError, ValueError):
        return
    total, available = info.get("MemTotal"), info.get("MemAvailable")
    if not total or available is None:
        return
    use = 100.0 * (total - available + needed) / total
    if use > memory_cap:
        raise MemoryError(
            f"loading {needed / 1e9:.2f} GB of results would use {use:.0f} % of RAM (memory_cap={memory_cap} %); "
            "use loadResults(all=False) and getRun(runId), or a higher memory_cap"
        )


def _connectome_of(model, dt):
    """The Connectome a compat model runs with (Kuramoto's legacy delays included)."""
    p = model.params
    lengths = p["lengthMat"] if model._spec.delay_lengths is None else model._spec.delay_lengths(p, dt)
    return Connectome(np.asarray(p["Cmat"], dtype=np.float64), np.asarray(lengths, dtype=np.float64))


class BoxSearch:
    """neurolib's ``BoxSearch``: run a model (or any function) at every point of a :class:`ParameterSpace`.

    Default evaluation (no ``evalFunction``): the points run in batches through
    :func:`jaxbrain.explore.sweep` (one vmapped, jit-compiled simulation per batch, with the model's own
    parameters, network, initial values and coupling), and each run keeps what neurolib keeps: the default
    output and ``t`` (every output with ``saveAllModelOutputs=True``) and, with ``run(bold=True)``, ``BOLD``
    and ``t_BOLD``. The store is resumable: running the same search again skips the batches already
    written. If a swept name is not a parameter of the core model (``signalV``, ``dt``, ``duration``,
    ``sampling_dt``, ``seed``, the inputs ``*_ext``, the ``*_init`` values, ALN's local delays ``de``/``di``),
    or the model has time-dependent inputs or a multi-column initial history, a batch cannot share one
    compiled simulation: the points then run one after the other through ``model.run`` (resumable too).

    Custom evaluation: ``evalFunction(traj)`` is called once per point, one after the other (neurolib's form,
    for porting; the fast path is :func:`jaxbrain.explore.sweep` with an on-device evaluator). Inside it,
    :meth:`getParametersFromTraj`, :meth:`getModelFromTraj` and :meth:`saveToPypet` work as in neurolib. An
    evalFunction search is recomputed on every ``run()``: the function may read anything (globals, files, the
    model it builds), which no fingerprint of it can see.

    Files (no pickle anywhere), for ``filename="name"`` (default ``"exploration"``; neurolib's ``.hdf``
    suffix is dropped; a relative name lives under ``./data/jaxbrain/``, an absolute one is used as is):

    * ``name.json``: the search (mode, explored values per run, seed, fingerprint), read by
      :meth:`loadResults`;
    * ``name.zarr``: the default evaluation's :class:`~jaxbrain.explore.SweepStore`;
    * ``name.runs/run_XXXXXXXX.npz``: one file per run for evalFunction searches and the run-by-run
      fallback.

    One filename holds one search. ``name.json`` stores the search's settings (see
    :func:`jaxbrain._resume.run_settings`): the model class and every parameter (arrays by digest; without a
    seed the random initial values are left out), the explored values of every point, the run arguments,
    ``saveAllModelOutputs``, the evalFunction (code, defaults, closure values) and the jaxbrain version.
    Running a different default-evaluation search on a filename that holds results raises ``ValueError``
    listing what differs (pass another ``filename`` or delete the files); an evalFunction search replaces an
    earlier evalFunction search of the same filename. Each run file is checksummed and carries the search's
    fingerprint: a damaged one is recomputed (with a warning) when the search resumes, and named in a
    ``ValueError`` when results are read. A damaged ``name.json`` is a ``ValueError`` naming it. While
    ``run()`` works, ``name.lock`` (pid and host) keeps a second process off the same files
    (:class:`~jaxbrain._resume.RunLockedError`).

    Differences from neurolib:

    * ``ParameterSpace`` never guesses the kind: ``{"a": [0, 1], "b": [0, 1]}`` is a 2 × 2 grid;
    * point ``i`` of the batched path draws its noise from ``fold_in(jax.random.key(seed), i)``, so noisy
      runs differ from ``model.run()`` by the noise realisation (equal statistics); the run-by-run fallback
      runs ``model.run()`` with the model's seed for every point, as neurolib does;
    * with ``params["seed"] = None`` the seed is drawn once per search and stored, so an interrupted search
      resumes with it, and the random initial values are not part of what identifies the search;
    * ``ncores`` is ignored: batching on one device replaces worker processes;
    * ``results`` is filled by :meth:`loadResults` (and, for evalFunction searches, during ``run()``);
      ``dfResults`` is set by ``run()`` and :meth:`loadResults`.

    Args:
        model: a compat model (``HopfModel(...)`` …); its ``params`` are the base of every run. Needed
            unless an ``evalFunction`` is given.
        parameterSpace: a :class:`ParameterSpace` over neurolib parameter names (Kuramoto's coupling is
            ``k``); not ``kind="bound"``.
        evalFunction: ``f(traj)``, called once per point.
        filename: name of the search's files (see above).
        saveAllModelOutputs: keep every output, not only the default one.
        ncores: accepted for neurolib compatibility, ignored.

    Example:
        >>> model = HopfModel(Cmat=ds.Cmat, Dmat=ds.Dmat, seed=0)
        >>> model.params["duration"] = 10 * 1000
        >>> search = BoxSearch(model, ParameterSpace({"a": [-0.1, 0.0, 0.1], "K_gl": [0.5, 1.0]}))
        >>> search.run(bold=True)
        >>> search.loadResults()
        >>> search.xr().dims  # ('a', 'K_gl', 'output', 'space', 'time')
    """

    _FORMAT = 2  # of name.json; format 1 (jaxbrain <= 0.x) identified a search by a digest without its settings

    def __init__(
        self, model=None, parameterSpace=None, evalFunction=None, filename=None, saveAllModelOutputs=False, ncores=None
    ):
        del ncores
        if parameterSpace is None:
            raise ValueError("BoxSearch needs a parameterSpace: BoxSearch(model, ParameterSpace({...}))")
        if not isinstance(parameterSpace, ParameterSpace):
            raise TypeError(
                f"parameterSpace must be a jaxbrain.compat.ParameterSpace; got {type(parameterSpace).__name__}"
            )
        if parameterSpace.kind == "bound":
            raise ValueError("a 'bound' ParameterSpace is a box for optimisers; explore a grid, explicit or sequence")
        if model is None and evalFunction is None:
            raise ValueError("BoxSearch needs a model, an evalFunction, or both")
        if model is not None and not isinstance(model, AbstractNeurolibModel):
            raise TypeError(f"model must be a jaxbrain.compat model (HopfModel, …); got {type(model).__name__}")
        if evalFunction is not None and not callable(evalFunction):
            raise TypeError("evalFunction must be a function f(traj)")
        if parameterSpace.kind == "sequence" and model is None:
            raise ValueError("a 'sequence' ParameterSpace takes the other parameters from the model: pass a model")
        _check_filename(filename)
        if model is not None:
            unknown = sorted(set(parameterSpace.parameterNames) - set(model.params))
            if unknown:
                raise ValueError(
                    f"unknown parameter name(s) {unknown} for {type(model).__name__}; "
                    f"explorable names: {sorted(model.params)}"
                )
            model._check_params()
            n = int(model.params["N"])
            for name, values in parameterSpace.dict().items():
                for value in values:
                    if value is not None:  # None: a sequence point that keeps the model's value
                        model._check_value(name, value, n)
        self.model = model
        self.parameterSpace = parameterSpace
        self.evalFunction = evalFunction
        self._function_identity = canonical(evalFunction)  # as defined now (see Evolution)
        self.filename = filename
        self.path = _base_path(filename)
        self.saveAllModelOutputs = _flag("saveAllModelOutputs", saveAllModelOutputs)
        self.exploreParameters = parameterSpace.dict()
        self.nRuns = parameterSpace.n_points
        self.runKwargs = {}
        self.results = {}
        self.dfResults = None
        self._description = None  # the description this object's run() wrote
        self._loaded = None  # the description behind results / dfResults
        columns = parameterSpace.get_parametrization()
        self._points = [
            {name: _plain(model.params[name] if col[i] is None else col[i]) for name, col in columns.items()}
            for i in range(self.nRuns)
        ]

    # ---- files --------------------------------------------------------------------------------------

    def _files(self, filename=None):
        base = self.path if filename is None else _base_path(filename)
        return base + ".json", base + ".zarr", base + ".runs"

    def __repr__(self):
        # Stable across processes: an evalFunction that closes over its search is fingerprinted by this.
        return f"BoxSearch({self.path!r})"

    def _read_description(self, filename=None):
        if filename is None and self._description is not None:
            return self._description
        path = self._files(filename)[0]
        if not os.path.exists(path):
            raise FileNotFoundError(f"no BoxSearch results at {path}: run() the search first (or check filename)")
        return self._load_description(path)

    @classmethod
    def _load_description(cls, path):
        """A search's description from ``path``, refusing damaged files and other versions' with a clear error."""
        desc = _read_json(path, "BoxSearch description")
        if desc.get("format") != cls._FORMAT:
            raise ValueError(
                f"{path} was written by another version of jaxbrain (format {desc.get('format')!r}, this version "
                f"reads {cls._FORMAT}); delete it with the .zarr and .runs beside it and run the search again"
            )
        needed = ("mode", "names", "points", "n_runs", "settings", "fingerprint", "outputs", "bold", "time")
        missing = [k for k in needed if k not in desc]
        if missing:
            raise ValueError(f"{path} is not a complete BoxSearch description (missing {missing})")
        return desc

    def _run_file(self, index, filename=None):
        return os.path.join(self._files(filename)[2], f"run_{int(index):08d}.npz")

    # ---- running ------------------------------------------------------------------------------------

    def run(self, **kwargs):
        """Evaluate every point; ``kwargs`` go to ``model.run`` (``bold=True``, ``chunkwise``, ``chunksize``, …).

        Raises:
            RunLockedError: another live process is running the same search (the lock file ``name.lock``).
            ValueError: the files hold a different search (what differs is listed), or are damaged.
        """
        if self.model is not None:
            bound = inspect.signature(self.model.run).bind(**kwargs)
            bound.apply_defaults()  # run() and run(bold=False) are the same search
            names = ("bold", "chunkwise", "chunksize", "append_outputs", "continue_run")
            kwargs = dict(zip(names, _run_options(*(bound.arguments[n] for n in names))))
            self.model._check_params()
            n = int(self.model.params["N"])
            for point in self._points:
                for name, value in point.items():
                    self.model._check_value(name, value, n)
        self.runKwargs = dict(kwargs)
        self.results = {}
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with RunLock(self.path):
            plan = None if self.evalFunction is not None else self._sweep_plan(kwargs)
            mode = "eval" if self.evalFunction is not None else ("sweep" if plan is not None else "loop")
            desc = self._start(mode, kwargs)
            if mode == "eval":
                for i, point in enumerate(self._points):
                    self.evalFunction(_Trajectory(i, dotdict(point)))
            elif mode == "sweep":
                self._run_sweep(plan, desc["seed"], kwargs)
            else:
                self._run_loop(desc["seed"], kwargs)
        self._loaded = desc
        self.dfResults = self._table(desc, self.results)

    def _settings_of(self, mode, kwargs):
        """Everything that determines the search's results, as :func:`jaxbrain._resume.run_settings`."""
        model = self.model
        return run_settings(
            mode=mode,
            model=None if model is None else _model_settings(model),
            kind=self.parameterSpace.kind,
            points=self._points,
            saveAllModelOutputs=self.saveAllModelOutputs,
            run=kwargs,
            evalFunction=self._function_identity,
        )

    def _start(self, mode, kwargs):
        """Write the search's description, after checking the files hold no other search; returns it."""
        json_path, zarr_path, runs_dir = self._files()
        model = self.model
        seed = None if model is None else model.params.get("seed")
        settings = self._settings_of(mode, kwargs)
        digest = fingerprint(settings)
        old = None
        if os.path.exists(json_path):
            try:
                old = self._load_description(json_path)
            except ValueError:
                if self._any_data():
                    raise  # results beside a description that cannot be read: never overwrite them blindly
        same = old is not None and old["fingerprint"] == digest
        if mode == "eval":
            if old is not None and old["mode"] != "eval" and self._has_data(old):
                raise ValueError(self._other_search(json_path, old["settings"], settings))
            for name in os.listdir(runs_dir) if os.path.isdir(runs_dir) else ():
                if name.startswith("run_") and name.endswith(".npz"):
                    os.remove(os.path.join(runs_dir, name))
        elif old is not None and not same and self._has_data(old):
            raise ValueError(self._other_search(json_path, old["settings"], settings))
        if seed is None:
            seed = old["seed"] if same and old.get("seed") is not None else None
            if seed is None and model is not None:
                seed = int(np.random.SeedSequence().entropy % (2**31))
        space = self.parameterSpace
        grid = space.parameterNames if space.grid_shape is not None else None
        desc = {
            "format": self._FORMAT,
            "mode": mode,
            "model": type(model).__name__ if model is not None else None,
            "names": space.parameterNames,
            "kind": space.kind,
            "grid": grid,
            "values": {n: [_to_json(v) for v in vals] for n, vals in space.dict().items()} if grid else None,
            "points": {n: [_to_json(p[n]) for p in self._points] for n in space.parameterNames},
            "n_runs": self.nRuns,
            "seed": None if seed is None else int(seed),
            "fingerprint": digest,
            "settings": settings,
            "outputs": None,
            "bold": bool(kwargs.get("bold", False)),
            "time": None,
        }
        if model is not None and mode != "eval":
            desc["outputs"] = list(model.output_vars) if self.saveAllModelOutputs else [model.default_output]
        if mode != "sweep":
            os.makedirs(runs_dir, exist_ok=True)
        os.makedirs(os.path.dirname(json_path), exist_ok=True)
        self._description = desc
        self._write_description(desc)
        return desc

    def _write_description(self, desc):
        write_text(self._files()[0], json.dumps(desc, indent=1))

    def _any_data(self):
        _, zarr_path, runs_dir = self._files()
        return os.path.exists(zarr_path) or (os.path.isdir(runs_dir) and bool(os.listdir(runs_dir)))

    def _has_data(self, desc):
        _, zarr_path, runs_dir = self._files()
        if desc.get("mode") == "sweep":
            return os.path.exists(zarr_path)
        return os.path.isdir(runs_dir) and any(n.endswith(".npz") for n in os.listdir(runs_dir))

    def _other_search(self, json_path, stored, current):
        base = json_path[: -len(".json")]
        diff = differences(stored, current)
        shown = "; ".join(diff[:8]) + ("; ..." if len(diff) > 8 else "")
        return (
            f"{base}.* holds the results of a different search (what differs: {shown}); pass "
            f"BoxSearch(filename=...) for a new one, or delete {base}.json, .zarr and .runs"
        )

    def _sweep_plan(self, kwargs):
        """What the batched path needs, or None when the search must run point by point."""
        model = self.model
        spec, p = model._spec, model.params
        core = {spec.key(f): f for f in spec.model.Params._fields if f not in spec.constant_inputs.values()}
        names = self.parameterSpace.parameterNames
        if any(name not in core for name in names):
            return None
        dt, duration, sampling_dt = model._settings()
        n_steps = int(round(duration / dt))
        connectome = _connectome_of(model, dt)
        params, inputs, ring_len = model._core_params_and_inputs(n_steps, connectome, dt)
        state, history, ou = model._initial(ring_len)
        if inputs or history is not None:
            return None
        if spec.model.self_delays is not None:
            # A swept local delay would change the delay ring's length from point to point.
            base_lags = spec.model.self_delays(params)
            for name in names:
                moved = params._replace(**{core[name]: np.asarray(getattr(params, core[name])) + 1.0})
                for before, after in zip(base_lags, spec.model.self_delays(moved)):
                    if (before is None) != (after is None) or not np.array_equal(before, after):
                        return None

        import jax.numpy as jnp

        def init_state(key, n_nodes, params, dtype=None):
            # The model's own initial values (exact, in the run's dtype), not a draw from the key.
            del key, n_nodes, params, dtype
            return spec.model.State(*(jnp.asarray(v) for v in state))

        bundle = spec.model._replace(
            init_state=init_state,
            ou_init=lambda params: tuple(jnp.asarray(o) for o in ou),
            coupling=coupling_by_name(p.get("coupling", spec.model.coupling)),
        )
        chunk = None
        if kwargs.get("chunkwise") or kwargs.get("chunksize") is not None:
            chunk = int(kwargs["chunksize"]) if kwargs.get("chunksize") is not None else int(round(2000.0 / dt))
        every = int(round((sampling_dt or dt) / dt))
        start = 0
        if chunk is not None and not kwargs.get("append_outputs"):
            # model.run keeps only the last chunk's outputs when not appending (neurolib's behaviour).
            start = ((n_steps // every) * every - 1) // chunk * chunk // every
        space = ParameterSpace(
            {core[n]: v for n, v in self.parameterSpace.dict().items()}, kind=self.parameterSpace.kind
        )
        return dict(
            bundle=bundle,
            space=space,
            params=params,
            connectome=connectome,
            settings=dict(
                duration=duration, dt=dt, sampling_dt=sampling_dt, signalV=float(p["signalV"]), chunksize=chunk
            ),
            time=dict(dt=dt, n_steps=n_steps, every=every, start=start),
        )

    def _run_sweep(self, plan, seed, kwargs):
        import jax.random as jr

        from .explore import evaluator, sweep

        outputs = tuple(self._description["outputs"])
        start = plan["time"]["start"]
        with_bold = bool(kwargs.get("bold", False))

        def keep(res):
            out = {name: res.outputs[name][:, start:] for name in outputs}
            if with_bold:
                out["BOLD"] = res.bold
            return out

        dims = {name: ("time", "node") for name in outputs}
        dims["BOLD"] = ("time_bold", "node")
        self._description["time"] = plan["time"]
        self._write_description(self._description)
        sweep(
            plan["bundle"],
            plan["space"],
            plan["connectome"],
            key=jr.key(seed),
            params=plan["params"],
            evaluate=evaluator(keep, outputs=outputs, bold=with_bold, dims=dims),
            store=self._files()[1],
            bold=with_bold,
            **plan["settings"],
        )

    def _model_for(self, point, seed=None):
        """A fresh copy of the search's model with the point's parameters (and ``seed``, if given)."""
        params = dotdict(copy.deepcopy(dict(self.model.params)))
        params.update(point)
        if seed is not None and params.get("seed") is None:
            params["seed"] = seed
        return type(self.model)(params=params)

    def _stored_run_is_good(self, path, index):
        """Whether ``path`` holds run ``index`` of this search, intact; a damaged or foreign file is reported
        (a warning) and will be recomputed."""
        try:
            _, meta = _load_results(path, "BoxSearch run")
        except ValueError as err:
            warnings.warn(f"{err}; recomputing run {index}", RuntimeWarning, stacklevel=3)
            return False
        if meta.get("search") != self._description["fingerprint"] or meta.get("run") != index:
            warnings.warn(f"{path} is not run {index} of this search; recomputing it", RuntimeWarning, stacklevel=3)
            return False
        return True

    def _run_loop(self, seed, kwargs):
        outputs = self._description["outputs"]
        meta = {"search": self._description["fingerprint"]}
        for i, point in enumerate(self._points):
            path = self._run_file(i)
            if os.path.exists(path) and self._stored_run_is_good(path, i):
                continue
            model = self._model_for(point, seed)
            model.run(**kwargs)
            arrays = {name: np.asarray(model[name]) for name in outputs}
            arrays["t"] = np.asarray(model.t)
            if model.BOLD is not None:
                arrays["BOLD"] = np.asarray(model.BOLD["BOLD"])
                arrays["t_BOLD"] = np.asarray(model.BOLD["t_BOLD"])
            _save_results(path, arrays, dict(meta, run=i))

    # ---- inside an evalFunction ----------------------------------------------------------------------

    def getParametersFromTraj(self, traj):
        """The run's parameters: the model's ``params`` with the explored values applied (a dotdict)."""
        if self.model is None:
            return dotdict(traj.parameters)
        params = dotdict(copy.deepcopy(dict(self.model.params)))
        params.update(traj.parameters)
        return params

    def getModelFromTraj(self, traj):
        """A copy of the model with the run's parameters applied (the search's own model is not changed)."""
        if self.model is None:
            raise ValueError("this BoxSearch has no model; pass BoxSearch(model=..., ...)")
        return self._model_for(traj.parameters)

    def saveToPypet(self, outputs, traj):
        """Store a (nested) dict of numbers, strings and arrays as the results of ``traj``'s run."""
        if not isinstance(outputs, dict):
            raise TypeError(f"saveToPypet takes a dict of results; got {type(outputs).__name__}")
        path = self._run_file(traj.v_idx)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        arrays = _load_results(path, "BoxSearch run")[0] if os.path.exists(path) else {}
        arrays.update({name: _storable(name, v) for name, v in _flatten(outputs).items()})
        search = None if self._description is None else self._description["fingerprint"]
        _save_results(path, arrays, {"search": search, "run": int(traj.v_idx)})
        self.results[traj.v_idx] = _from_disk(arrays, True)

    # ---- results ------------------------------------------------------------------------------------

    def loadResults(self, all=True, filename=None, trajectoryName=None, pypetShortNames=True, memory_cap=95.0):
        """Read the stored results into ``results`` (``all=True``) and ``dfResults``.

        Args:
            all: load every run's results; ``False`` loads ``dfResults`` only.
            filename: read another search's files (default: this search's).
            trajectoryName: accepted for neurolib compatibility (a filename holds one search).
            pypetShortNames: name results by their leaf names (``"BOLD"``, not ``"BOLD.BOLD"``).
            memory_cap: refuse (``MemoryError``) to load results that would push RAM use above this %.
        """
        del trajectoryName
        desc = self._read_description(filename)
        _, zarr_path, runs_dir = self._files(filename)
        results = {}
        if desc["mode"] == "sweep":
            if all and os.path.exists(zarr_path):
                import xarray as xr

                _check_memory(xr.open_zarr(zarr_path, consolidated=False).nbytes, memory_cap)
                from .explore import SweepStore

                ds = SweepStore.load(zarr_path).to_xarray()
                for i in np.flatnonzero(ds["done"].values):
                    results[int(i)] = self._sweep_run(desc, {k: ds[k].values[i] for k in self._stored(desc)})
        else:
            files = {i: self._run_file(i, filename) for i in range(desc["n_runs"])}
            files = {i: f for i, f in files.items() if os.path.exists(f)}
            if all:
                _check_memory(sum(os.path.getsize(f) for f in files.values()), memory_cap)
            damaged = []
            for i, f in files.items():
                try:
                    values = self._read_run(desc, i, f)
                except ValueError as err:
                    damaged.append(str(err))
                    continue
                if not all:
                    values = {k: v for k, v in values.items() if v.ndim == 0}
                results[i] = _from_disk(values, pypetShortNames)
            if damaged:
                raise ValueError(
                    f"{len(damaged)} stored run(s) cannot be used: " + " | ".join(damaged[:5])
                    + (" | ..." if len(damaged) > 5 else "") + ". run() the search again to recompute them"
                )  # fmt: skip
        self._loaded = desc
        self.results = results if all else {}
        self.dfResults = self._table(desc, results)
        return self.results

    @staticmethod
    def _stored(desc):
        return list(desc["outputs"]) + (["BOLD"] if desc["bold"] else [])

    @staticmethod
    def _sweep_run(desc, row):
        """One run of the sweep store in neurolib's layout: ``[node, time]`` arrays, ``t`` and ``t_BOLD`` in ms."""
        tm = desc["time"]
        dt, n_steps, every = tm["dt"], tm["n_steps"], tm["every"]
        # The time grids of jaxbrain.simulate: sample k at (k + 1)·dt; BOLD at steps k ≡ 1 (mod 2 s / dt).
        out = dotdict({name: np.asarray(row[name]).T for name in desc["outputs"]})
        out["t"] = ((np.arange(0, n_steps, every) + 1) * dt)[tm["start"] :]
        if desc["bold"]:
            out["BOLD"] = np.asarray(row["BOLD"]).T
            out["t_BOLD"] = np.arange(1, n_steps, int(round(2000.0 / dt))) * dt
        return out

    def getRun(self, runId, filename=None, trajectoryName=None, pypetShortNames=True):
        """One run's results, read from disk (a dotdict)."""
        del trajectoryName
        desc = self._read_description(filename)
        runId = int(runId)
        if not 0 <= runId < desc["n_runs"]:
            raise IndexError(f"run {runId} does not exist: the search has runs 0 … {desc['n_runs'] - 1}")
        if desc["mode"] == "sweep":
            import xarray as xr

            from .explore import SweepStore

            zarr_path = self._files(filename)[1]
            store = SweepStore.load(zarr_path)
            if not store.done()[runId // store.batch_size]:
                raise KeyError(f"run {runId} has no stored results yet: run() the search (it resumes)")
            ds = xr.open_zarr(zarr_path, consolidated=False)
            return self._sweep_run(desc, {k: ds[k][runId].values for k in self._stored(desc)})
        path = self._run_file(runId, filename)
        if not os.path.exists(path):
            raise KeyError(f"run {runId} has no stored results yet (no {path})")
        return _from_disk(self._read_run(desc, runId, path), pypetShortNames)

    @staticmethod
    def _read_run(desc, index, path):
        """Run ``index``'s stored values; a ValueError naming ``path`` when it is damaged or of another search."""
        values, meta = _load_results(path, "BoxSearch run")
        if meta.get("search") not in (None, desc["fingerprint"]) or meta.get("run") != index:
            raise ValueError(f"{path} is not run {index} of the search described in {path.rsplit('.runs', 1)[0]}.json")
        return values

    def getResult(self, runId):
        """One run's results: from ``results`` when loaded, else from disk."""
        if int(runId) in self.results:
            return self.results[int(runId)]
        return self.getRun(runId)

    def _table(self, desc, results):
        import pandas as pd

        n = desc["n_runs"]
        columns = {}
        for name in desc["names"]:
            values = desc["points"][name]
            if any(isinstance(v, list) for v in values):
                column = np.empty(n, dtype=object)
                for i, v in enumerate(values):
                    column[i] = np.asarray(v, dtype=np.float64)
                columns[name] = column
            elif any(isinstance(v, str) for v in values):
                columns[name] = list(values)
            else:
                columns[name] = np.asarray(values, dtype=np.float64)
        scalars = []
        for run in results.values():
            scalars += [k for k, v in run.items() if not isinstance(v, np.ndarray) and k not in scalars]
        for key in scalars:
            if key in columns:
                continue
            columns[key] = [results.get(i, {}).get(key, np.nan) for i in range(n)]
        return pd.DataFrame(columns, index=pd.RangeIndex(n))

    def xr(self, bold=False):
        """The runs' time series as an ``xarray.DataArray`` (neurolib's layout).

        Dims ``[<explored parameters>..., "output", "space", "time"]`` for a grid of scalar values (``"run_no"``
        in place of the parameters otherwise); with ``bold=True`` the output ``"BOLD"`` on ``t_BOLD``. Runs
        not stored yet are NaN.
        """
        import xarray as xr

        if not self.results:
            self.loadResults()
        if not self.results:
            raise ValueError("no results stored: run() the search first")
        desc = self._loaded if self._loaded is not None else self._read_description()
        first = self.results[min(self.results)]
        if bold:
            if "BOLD" not in first:
                raise ValueError("no BOLD stored: run the search with run(bold=True)")
            names, time_key = ["BOLD"], "t_BOLD"
        else:
            names = desc["outputs"] or [
                k for k, v in first.items() if isinstance(v, np.ndarray) and v.ndim == 2 and k != "BOLD"
            ]
            if not names:
                raise ValueError("the runs stored no [space, time] arrays")
            time_key = "t"
        shape = np.shape(first[names[0]])
        data = np.full((desc["n_runs"], len(names)) + shape, np.nan)
        for i, run in self.results.items():
            for j, name in enumerate(names):
                if np.shape(run[name]) != shape:
                    raise ValueError(f"run {i}'s {name!r} has shape {np.shape(run[name])}, run 0's {shape}")
                data[i, j] = run[name]
        times = first.get(time_key)
        times = np.arange(shape[1]) if times is None or len(times) != shape[1] else np.asarray(times)
        coords = {"output": names, "space": np.arange(shape[0]), "time": times}
        if desc["grid"]:
            grid = desc["grid"]
            data = data.reshape(tuple(len(desc["values"][n]) for n in grid) + data.shape[1:])
            coords.update({n: desc["values"][n] for n in grid})
            dims = [*grid, "output", "space", "time"]
        else:
            coords["run_no"] = np.arange(desc["n_runs"])
            dims = ["run_no", "output", "space", "time"]
        return xr.DataArray(data, dims=dims, coords=coords)

    def info(self):
        """Print a short summary of the search."""
        space = self.parameterSpace
        explored = ", ".join(f"{n} ({len(v)} values)" for n, v in space.dict().items())
        if self.evalFunction is not None:
            how = f"evalFunction {getattr(self.evalFunction, '__name__', self.evalFunction)!r}, one run at a time"
        else:
            mode = (self._loaded or self._description or {}).get("mode")
            how = {
                "sweep": "default evaluation, batched through jaxbrain.explore.sweep",
                "loop": "default evaluation, one model.run() per point (a swept name changes shapes)",
            }.get(mode, "default evaluation (batched through jaxbrain.explore.sweep where possible; not run yet)")
        print(f"BoxSearch: {type(self.model).__name__ if self.model is not None else 'no model'}")
        print(f"  explored ({space.kind}): {explored} -> {self.nRuns} runs")
        print(f"  evaluation: {how}")
        print(f"  files: {self.path}.json / .zarr / .runs")
        loaded = len(self.results)
        print(f"  results loaded: {loaded} of {self.nRuns} runs" + ("" if loaded else " (call loadResults())"))


# ---- evolutionary optimisation (neurolib's Evolution) --------------------------------------------------


class _Fitness:
    """DEAP's fitness of an individual: ``values`` as returned, ``wvalues`` (times the weights), ``score``
    (their mean; NaN for an invalid individual), ``valid``."""

    def __init__(self, values, weights):
        self.values = tuple(float(v) for v in values)
        self.weights = tuple(float(w) for w in weights)
        self.wvalues = tuple(v * w for v, w in zip(self.values, self.weights))
        self.valid = bool(np.all(np.isfinite(self.values)))
        self.score = float(np.mean(self.wvalues)) if self.valid else float("nan")

    def __repr__(self):
        return f"Fitness(values={self.values}, score={self.score:.6g})"


class _Individual(list):
    """neurolib's (DEAP's) individual: the parameter values as a list, plus ``id``, ``gIdx`` (generation),
    ``params`` (dotdict), ``parentIds``, ``fitness`` and ``outputs``; each parameter is also an attribute (by
    its name, or its star-notation-sanitised name)."""

    def __init__(self, values, names, ident, generation, parents=(), fitness=None, outputs=None):
        super().__init__(float(v) for v in values)
        self.id = int(ident)
        self.gIdx = int(generation)
        self.params = dotdict(zip(names, self))
        self.parentIds = tuple(int(p) for p in parents if p >= 0)
        self.fitness = fitness
        self.outputs = dotdict() if outputs is None else outputs

    def __getattr__(self, name):
        params = self.__dict__.get("params", {})
        if name in params:
            return params[name]
        for key, value in params.items():
            if key.replace("*", "STAR").replace("|", "MINUS").replace(".", "DOT") == name:
                return value
        raise AttributeError(name)

    def __repr__(self):
        return f"Individual(id={self.id}, gen={self.gIdx}, {dict(self.params)})"


class _EvolutionTrajectory:
    """What an ``evalFunction`` receives in place of pypet's trajectory: the individual to evaluate."""

    def __init__(self, individual):
        self.individual = individual
        self.id = individual.id
        self.generation = individual.gIdx
        self.parameters = individual.params
        self.par = individual.params

    def __repr__(self):
        return f"Trajectory(individual {self.id}, generation {self.generation}, {dict(self.parameters)})"


class Evolution:
    """neurolib's ``Evolution``: evolve the parameters of a model (or of any function) inside a box.

    A thin front end over :func:`jaxbrain.evolve.evolve`, with neurolib's arguments, evaluation contract and
    inspection methods. Algorithms: ``"adaptive"`` (neurolib's default: self-adaptive Gaussian mutation, blend
    crossover, rank parent selection, elitist survivors), ``"nsga2"`` (multi-objective), or any evosax strategy
    (``"CMA_ES"``, ``"SNES"``, …; one objective, the weighted sum).

    Evaluation:

    * neurolib's form (default): ``evalFunction(traj) -> (fitness_tuple, outputs_dict)``, called once per
      individual, one after the other (it may be any Python). Inside, :meth:`getIndividualFromTraj` gives the
      individual (a list of the parameter values with ``.id``, ``.params`` and one attribute per parameter) and
      :meth:`getModelFromTraj` a copy of ``model`` with its parameters. Returning the fitness tuple alone is
      accepted too. Outputs of valid individuals are kept (``ind.outputs``, :attr:`outputs`, ``dfPop(outputs=True)``)
      and written to disk with each generation.
    * ``batched=True``: ``evalFunction(params) -> fitness`` with ``params`` a dict name → ``(P,)`` array of the
      whole population and ``fitness`` of shape ``(P,)`` or ``(P, n_objectives)``: one call per generation (e.g.
      a vmapped, jit-compiled simulation; see :func:`jaxbrain.evolve.vmap_fitness`).

    A fitness with a non-finite value marks an invalid individual: it is replaced by a new random individual in
    the next generation and counted in the history.

    Files (no pickle), for ``filename="name"`` (neurolib's ``.hdf`` suffix is dropped; a relative name lives under
    ``./data/jaxbrain/``): ``name.npz``, the evolution's checkpoint, rewritten atomically after every generation;
    ``name.outputs/gen_XXXXXX.npz``, the outputs of each generation's valid individuals (checksummed, and
    marked with the evolution's fingerprint, so stale files of a replaced evolution are never read as its
    outputs). :meth:`run` resumes an evolution stored under ``filename`` with the same settings, space,
    weights, seed, evalFunction (its code, defaults and closure values as they were when this object was
    created) and model parameters, so a killed run continues where it stopped; with other settings it starts
    afresh and replaces the files, with a warning that says what differs. ``name.lock`` keeps a second
    process off the same files while :meth:`run` works.

    Differences from neurolib:

    * the generation's batch is always ``POP_SIZE``: invalid individuals' random replacements take the place of
      the last offspring (neurolib evaluates them in addition), so a batched evaluation compiles once;
    * the user's operators and their ``*_P`` keyword arguments are used (neurolib ignores them); they must be
      jaxbrain operators (pure JAX functions, signatures in :mod:`jaxbrain.evolve`), not DEAP ones; ``*_P``
      alone configures the default operator (e.g. ``MATE_P={"alpha": 0.3}``);
    * ``"nsga2"`` mutates each gene with probability 1/n_parameters (Deb's recommendation; neurolib uses
      1/n_objectives; ``MUTATE_P={"indpb": ...}`` sets it);
    * an invalid individual's score is NaN (neurolib sums its finite objectives) and it ranks last;
    * randomness comes from ``jax.random.key(seed)``; ``seed=None`` draws one (kept in the checkpoint, so a
      resumed run continues with it);
    * ``dfEvolution()`` lists every evaluated individual once; ``saveEvolution``/``loadEvolution`` (dill) are
      replaced by the checkpoint and :meth:`loadResults`; ``ncores`` is ignored.

    Args:
        evalFunction: see "Evaluation" above.
        parameterSpace: a :class:`ParameterSpace` with one ``[low, high]`` pair per parameter (any kind).
        weightList: one weight per objective, + maximise, − minimise (default ``[1.0]``).
        model: a compat model (``ALNModel(...)`` …) for :meth:`getModelFromTraj`.
        filename: name of the evolution's files (see above).
        ncores: accepted for neurolib compatibility, ignored.
        POP_INIT_SIZE: random individuals of generation 0 (even, ≥ ``POP_SIZE``).
        POP_SIZE: population size (even).
        NGEN: generations, the initial one included.
        algorithm: ``"adaptive"``, ``"nsga2"`` or an evosax strategy name.
        matingOperator, mutationOperator, selectionOperator, parentSelectionOperator, individualGenerator:
            jaxbrain operators replacing the algorithm's (crossover, mutation, survivor selection, parent
            selection, random individual); ``MATE_P``, ``MUTATE_P``, ``SELECT_P``, ``PARENT_SELECT_P``,
            ``IND_GENERATOR_P``: their keyword arguments.
        batched: ``evalFunction`` takes the whole population at once (see above).
        seed: integer seed of the evolution.
        strategy_kwargs, strategy_params: options of an evosax strategy (see :func:`jaxbrain.evolve.evolve`).

    Example:
        >>> def evaluate(traj):
        ...     ind = evolution.getIndividualFromTraj(traj)
        ...     return (abs(ind.x**2 + ind.y**2 - 1.0),), {}
        >>> space = ParameterSpace(["x", "y"], [[-5.0, 5.0], [-5.0, 5.0]])
        >>> evolution = Evolution(evaluate, space, weightList=[-1.0], POP_INIT_SIZE=100, POP_SIZE=50, NGEN=10)
        >>> evolution.run()
        >>> evolution.best_ind, evolution.dfPop().head()
    """

    def __init__(
        self,
        evalFunction,
        parameterSpace,
        weightList=None,
        model=None,
        filename="evolution.hdf",
        ncores=None,
        POP_INIT_SIZE=100,
        POP_SIZE=20,
        NGEN=10,
        algorithm="adaptive",
        matingOperator=None,
        MATE_P=None,
        mutationOperator=None,
        MUTATE_P=None,
        selectionOperator=None,
        SELECT_P=None,
        parentSelectionOperator=None,
        PARENT_SELECT_P=None,
        individualGenerator=None,
        IND_GENERATOR_P=None,
        *,
        batched=False,
        seed=None,
        strategy_kwargs=None,
        strategy_params=None,
    ):
        import functools as ft

        import jax.numpy as jnp

        from .evolve._algorithms import make_algorithm
        from .evolve._genetic import PRESETS

        del ncores
        if not callable(evalFunction):
            raise TypeError("evalFunction must be a function: f(traj), or f(params) with batched=True")
        if not isinstance(parameterSpace, ParameterSpace):
            raise TypeError(
                f"parameterSpace must be a jaxbrain.compat.ParameterSpace; got {type(parameterSpace).__name__}"
            )
        bounds = {}
        for name, values in parameterSpace.dict().items():
            if len(values) != 2 or any(np.ndim(v) for v in values):
                raise ValueError(
                    f"parameterSpace: parameter {name!r} must be given as [low, high] (two numbers); got {values!r}"
                )
            if not values[0] < values[1]:
                raise ValueError(f"parameterSpace: bound of {name!r} must have low < high; got {values!r}")
            bounds[name] = (float(values[0]), float(values[1]))
        weightList = _weights(weightList)
        _check_filename(filename)
        seed = _seed("seed", seed)
        for label, size in (("POP_INIT_SIZE", POP_INIT_SIZE), ("POP_SIZE", POP_SIZE)):
            if not isinstance(size, (int, np.integer)) or size < 2 or size % 2:
                raise ValueError(f"{label} must be an even int >= 2 (neurolib mates in pairs); got {size!r}")
        if POP_INIT_SIZE < POP_SIZE:
            raise ValueError(f"POP_INIT_SIZE ({POP_INIT_SIZE}) must be >= POP_SIZE ({POP_SIZE})")
        if not isinstance(NGEN, (int, np.integer)) or NGEN < 1:
            raise ValueError(f"NGEN must be a positive int; got {NGEN!r}")
        if model is not None:
            if not isinstance(model, AbstractNeurolibModel):
                raise TypeError(f"model must be a jaxbrain.compat model (ALNModel, …); got {type(model).__name__}")
            unknown = sorted(set(bounds) - set(model.params))
            if unknown:
                raise ValueError(
                    f"parameterSpace: unknown parameter name(s) {unknown} for {type(model).__name__}; "
                    f"valid names: {sorted(model.params)}"
                )
        given = {
            "crossover": (matingOperator, MATE_P, "MATE_P"),
            "mutation": (mutationOperator, MUTATE_P, "MUTATE_P"),
            "selection": (selectionOperator, SELECT_P, "SELECT_P"),
            "parent_selection": (parentSelectionOperator, PARENT_SELECT_P, "PARENT_SELECT_P"),
            "individual": (individualGenerator, IND_GENERATOR_P, "IND_GENERATOR_P"),
        }
        operators = {}
        for op, (fn, kwargs, label) in given.items():
            if fn is None and kwargs:
                if algorithm not in PRESETS:
                    raise ValueError(f"{label} configures an operator of {tuple(PRESETS)}, not of {algorithm!r}")
                fn = PRESETS[algorithm][op]
            if fn is not None and not callable(fn):
                raise TypeError(f"the {op} operator must be a function; got {type(fn).__name__}")
            operators[op] = ft.partial(fn, **kwargs) if fn is not None and kwargs else fn
        # Build the algorithm once now, so that a bad name or combination fails here and not in run().
        low = jnp.asarray([b[0] for b in bounds.values()])
        high = jnp.asarray([b[1] for b in bounds.values()])
        make_algorithm(
            algorithm, low, high, int(POP_SIZE), int(NGEN), operators=operators, strategy_kwargs=strategy_kwargs,
            strategy_params=strategy_params,
        )  # fmt: skip

        self.evalFunction = evalFunction
        self.parameterSpace = parameterSpace
        self.weightList = weightList
        self.model = model
        self.filename = filename
        self.path = _base_path("evolution" if filename is None else filename)
        self.POP_INIT_SIZE, self.POP_SIZE, self.NGEN = int(POP_INIT_SIZE), int(POP_SIZE), int(NGEN)
        self.algorithm = algorithm
        self.batched = bool(batched)
        self.seed = None if seed is None else int(seed)
        self.paramInterval = parameterSpace.named_tuple
        self.ParametersInterval = parameterSpace.named_tuple_constructor
        self._names = list(bounds)
        self._bounds = bounds
        self._operators = operators
        self._strategy = dict(strategy_kwargs=strategy_kwargs, strategy_params=strategy_params)
        self.verbose = False
        self.result = None
        self.pop = []
        self.history = {}
        self.best_ind = None
        self.gIdx = -1
        self._outputs = {}
        self._pending = {}
        self._cache = {}
        self._fingerprint = None
        # The evalFunction is identified as it is now (code, defaults, the values its closure holds): values it
        # collects while running (a list of calls, say) do not make a continued or resumed run another evolution.
        self._function_identity = canonical(evalFunction)

    def __repr__(self):
        # Stable across processes: an evalFunction that closes over its evolution is fingerprinted by this.
        return f"Evolution({self.path!r})"

    # ---- files ----------------------------------------------------------------------------------------

    def _checkpoint_path(self, filename=None):
        base = self.path if filename is None else _base_path(filename)
        return base + ".npz"

    def _outputs_dir(self, filename=None):
        base = self.path if filename is None else _base_path(filename)
        return base + ".outputs"

    # ---- running --------------------------------------------------------------------------------------

    def run(self, verbose=False, verbose_plotting=True):
        """Run the evolution for ``NGEN`` generations, or, when this object has run already, continue it for
        ``NGEN - 1`` more (neurolib's behaviour). Resumes an interrupted run stored under ``filename``.

        Args:
            verbose: print the best individual of every generation.
            verbose_plotting: accepted for neurolib compatibility (figures come from :meth:`info`).
        """
        import jax.random as jr

        from .evolve import evolve
        from .evolve import load as load_evolution

        del verbose_plotting
        self.verbose = bool(verbose)
        path = self._checkpoint_path()
        key = None
        if self.seed is None and os.path.exists(path):
            # Resume with the stored key: an unseeded evolution is identified by the seed it drew.
            stored = load_evolution(path).meta.get("key")
            if stored is not None:
                key = jr.wrap_key_data(np.asarray(stored, dtype=np.uint32))
        if key is None:
            if self.seed is None:
                self.seed = int(np.random.SeedSequence().entropy % (2**31))
            key = jr.key(self.seed)
        n_gen = self.NGEN if self.result is None else self.result.n_generations + self.NGEN - 1
        # What evolve() does not see itself: the user's function (code, closure values, defaults) behind the
        # fitness wrapper, and the model its copies come from. Stored in the checkpoint; another tag is another
        # evolution.
        settings = run_settings(
            evalFunction=self._function_identity,
            batched=self.batched,
            model=None if self.model is None else _model_settings(self.model),
        )
        self._fingerprint = fingerprint(settings)
        self._pending = {}
        fitness_fn = self._batched_fitness if self.batched else self._traj_fitness
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with RunLock(self.path):
            result = evolve(
                fitness_fn, self._bounds, key=key, pop_size=self.POP_SIZE, n_gen=n_gen, algorithm=self.algorithm,
                weights=self.weightList, pop_init_size=self.POP_INIT_SIZE, checkpoint_path=path, overwrite=True,
                on_generation=self._on_generation, tag=settings, **self._operators, **self._strategy,
            )  # fmt: skip
        outputs = self._read_outputs(None, self._fingerprint)  # earlier sessions' generations of a resumed run
        outputs.update(self._outputs)
        self._set_result(result, outputs)

    def _generation_of(self, ident):
        return 0 if ident < self.POP_INIT_SIZE else 1 + (ident - self.POP_INIT_SIZE) // self.POP_SIZE

    def _batched_fitness(self, params):
        return self.evalFunction(params)

    def _traj_fitness(self, params, ids):
        host = {name: np.asarray(params[name], dtype=np.float64) for name in self._names}
        rows = []
        for i, ident in enumerate(np.asarray(ids).tolist()):
            values = [host[name][i] for name in self._names]
            ind = _Individual(values, self._names, ident, self._generation_of(ident))
            returned = self.evalFunction(_EvolutionTrajectory(ind))
            if isinstance(returned, tuple) and len(returned) == 2 and isinstance(returned[1], dict):
                fitness, outputs = returned
            else:
                fitness, outputs = returned, {}
            rows.append(np.atleast_1d(np.asarray(fitness, dtype=np.float64)))
            self._pending[ident] = outputs
        return np.stack(rows)

    def _on_generation(self, gen):
        valid = np.all(np.isfinite(gen.fitness), axis=-1)
        arrays, kept = {}, {}
        for ident, ok in zip(gen.ids.tolist(), valid):
            outputs = self._pending.pop(ident, None)
            if not ok or not outputs:
                continue
            kept[ident] = dotdict(outputs)
            for name, value in _flatten(outputs).items():
                arrays[f"ind_{ident:06d}.{name}"] = _storable(name, value)
        folder = self._outputs_dir()
        path = os.path.join(folder, f"gen_{gen.index:06d}.npz")
        if arrays:
            os.makedirs(folder, exist_ok=True)
            _save_results(path, arrays, {"evolution": self._fingerprint, "generation": int(gen.index)})
        elif os.path.exists(path):
            os.remove(path)  # a stale file of an evolution this one replaces
        self._outputs.update(kept)
        if self.verbose:
            scores = np.mean(gen.fitness * np.asarray(self.weightList)[None, :], axis=-1)
            best = int(np.nanargmax(np.where(valid, scores, np.nan))) if valid.any() else None
            print(f"----------- Generation {gen.index} -----------")
            if best is not None:
                print(f"Best evaluated individual: {dict(zip(self._names, gen.params[best].tolist()))}")
                print(f"Score: {scores[best]:.6g}, fitness: {tuple(gen.fitness[best].tolist())}")
            print(f"Invalid: {gen.n_invalid} evaluated, {gen.n_replaced} replaced")

    def _read_outputs(self, filename, evolution):
        """The stored outputs of the evolution whose tag fingerprint is ``evolution``; files of another
        evolution (left by one this replaced) are skipped, damaged ones refused naming the file."""
        folder = self._outputs_dir(filename)
        outputs = {}
        if not os.path.isdir(folder) or evolution is None:
            return outputs
        for name in sorted(os.listdir(folder)):
            if not (name.startswith("gen_") and name.endswith(".npz")):
                continue
            values, meta = _load_results(os.path.join(folder, name), "Evolution outputs")
            if meta.get("evolution") != evolution or name != f"gen_{meta.get('generation', -1):06d}.npz":
                continue
            per_ind = {}
            for full, arr in values.items():
                head, rest = full.split(".", 1)
                per_ind.setdefault(int(head[4:]), {})[rest] = arr
            for ident, flat in per_ind.items():
                outputs[ident] = _nest(flat)
        return outputs

    def _set_result(self, result, outputs):
        self.result = result
        self._outputs = dict(outputs)
        self._cache = {}
        self.gIdx = result.n_generations - 1
        self.pop = [self.getIndividualFromHistory(i) for i in result.population[-1]]
        self.best_ind = self.getIndividualFromHistory(result.best_id) if result.best_id >= 0 else None
        self.history = {0: [self.getIndividualFromHistory(i) for i in result.population[0]]}
        for g in range(1, result.n_generations):
            before = [i for i in result.population[g - 1] if result.valid[i]]
            batch = np.flatnonzero(result.generation == g)
            self.history[g] = [self.getIndividualFromHistory(i) for i in [*before, *batch]]
        self.buildEvolutionTree()

    # ---- inside an evalFunction ------------------------------------------------------------------------

    def getIndividualFromTraj(self, traj):
        """The individual being evaluated (``traj`` may also be the individual itself)."""
        return traj if isinstance(traj, _Individual) else traj.individual

    def getModelFromTraj(self, traj):
        """A copy of ``model`` with the individual's parameters (the evolution's own model is not changed)."""
        if self.model is None:
            raise ValueError("this Evolution has no model; pass Evolution(..., model=...)")
        params = dotdict(copy.deepcopy(dict(self.model.params)))
        params.update(self.individualToDict(self.getIndividualFromTraj(traj)))
        return type(self.model)(params=params)

    def individualToDict(self, individual):
        """The individual's parameters as a dict name → value."""
        return dict(zip(self._names, list(individual)[: len(self._names)]))

    # ---- results ----------------------------------------------------------------------------------------

    def _require(self):
        if self.result is None:
            raise ValueError("no evolution results: run() the evolution or loadResults() first")
        return self.result

    def getIndividualFromHistory(self, id):
        """Individual ``id`` (any evaluated individual) with its fitness, parents and outputs."""
        res = self._require()
        ident = int(id)
        if ident not in self._cache:
            self._cache[ident] = _Individual(
                res.params[ident], self._names, ident, res.generation[ident], res.parents[ident],
                _Fitness(res.fitness[ident], res.weights), self._outputs.get(ident, dotdict()),
            )  # fmt: skip
        return self._cache[ident]

    @property
    def outputs(self):
        """The outputs the evalFunction returned for the best individual (a dotdict; empty if none)."""
        return dotdict() if self.best_ind is None else self.best_ind.outputs

    def getValidPopulation(self, pop=None):
        """The valid individuals of ``pop`` (default the current population)."""
        return [p for p in (self.pop if pop is None else pop) if p.fitness.valid]

    def getInvalidPopulation(self, pop=None):
        """The invalid individuals of ``pop`` (default the current population)."""
        return [p for p in (self.pop if pop is None else pop) if not p.fitness.valid]

    def getScores(self):
        """Scores (mean weighted fitness) of the current valid population."""
        return np.array([p.fitness.score for p in self.getValidPopulation()])

    def getScoresDuringEvolution(self, traj=None, drop_first=True, reverse=False):
        """``(generations, scores)``: the generation indices and a ``(n_generations, POP_SIZE)`` array of the
        population's scores after each (NaN for invalid members); ``drop_first`` leaves out generation 0."""
        del traj, reverse
        res = self._require()
        scores = res.score[res.population]
        gens = np.arange(res.n_generations)
        if drop_first:
            gens, scores = gens[1:], scores[1:]
        return list(gens), scores

    def _frame(self, individuals, outputs):
        import pandas as pd

        rows = []
        for p in individuals:
            row = dict(p.params)
            row.update(score=p.fitness.score, id=p.id, gen=p.gIdx)
            row.update({f"f{i}": v for i, v in enumerate(p.fitness.values)})
            if outputs:
                for name, value in _flatten(p.outputs).items():
                    row[name] = value
            rows.append(row)
        return pd.DataFrame(rows)

    def dfPop(self, outputs=False):
        """The current valid population as a pandas table: parameters, ``score``, ``id``, ``gen``, ``f0``…
        (and the outputs with ``outputs=True``)."""
        self._require()
        return self._frame(self.getValidPopulation(), outputs)

    def dfEvolution(self, outputs=False):
        """Every evaluated individual, once, as a pandas table (columns as :meth:`dfPop`)."""
        res = self._require()
        return self._frame([self.getIndividualFromHistory(i) for i in range(len(res.params))], outputs)

    def buildEvolutionTree(self):
        """The genealogy as neurolib's networkx-readable dicts: ``tree`` (id → parent ids), ``id_genx``
        (id → generation) and ``id_score`` (id → score). ``result.to_networkx()`` gives the graph itself."""
        res = self._require()
        scores = res.score
        self.tree = {i: tuple(int(p) for p in res.parents[i] if p >= 0) for i in range(len(res.params))}
        self.id_genx = {i: int(g) for i, g in enumerate(res.generation)}
        self.id_score = {i: float(s) for i, s in enumerate(scores)}

    def loadResults(self, filename=None, trajectoryName=None):
        """Load a stored evolution (default: this one's ``filename``) with its outputs; returns its
        :class:`~jaxbrain.evolve.EvolutionResult`."""
        from .evolve import load as load_evolution

        del trajectoryName
        path = self._checkpoint_path(filename)
        if not os.path.exists(path):
            raise FileNotFoundError(f"no stored evolution at {path}: run() it first (or check filename)")
        result = load_evolution(path)
        if list(result.names) != self._names:
            raise ValueError(f"the evolution in {path} has parameters {list(result.names)}, not {self._names}")
        tag = (result.meta or {}).get("tag")
        stored = fingerprint(tag) if isinstance(tag, dict) else None
        self._set_result(result, self._read_outputs(filename, stored))
        return result

    def info(self, plot=True, bestN=5, info=True, reverse=False):
        """Print a summary of the evolution and its best individuals; with ``plot=True`` return the figures
        ``(progress, population)`` (never shown)."""
        del reverse
        res = self._require()
        if info:
            print(f"> Evolution: {self.algorithm}, {len(self._names)} parameter(s) {self._names}")
            print(f"  weights {self.weightList}, POP_INIT_SIZE {self.POP_INIT_SIZE}, POP_SIZE {self.POP_SIZE}")
            print(f"  generations run: {res.n_generations}, individuals evaluated: {len(res.params)}")
            print(f"  invalid per generation: {res.n_invalid.tolist()}")
        valid = self.getValidPopulation()
        scores = self.getScores()
        print("--- Info summary ---")
        print(f"Valid: {len(valid)}")
        if len(scores):
            print(f"Mean score (weighted fitness): {np.mean(scores):.4g}")
        for name in self._names:
            values = np.array([p.params[name] for p in valid])
            if len(values):
                print(f"{name}: mean {np.mean(values):.4g}, std {np.std(values):.4g}")
        print("--------------------")
        print(f"Best {bestN} individuals:")
        for p in sorted(valid, key=lambda p: -p.fitness.score)[:bestN]:
            print(f"  id {p.id} (gen {p.gIdx}): score {p.fitness.score:.6g}, fitness {p.fitness.values}, {p.params}")
        print("--------------------")
        if plot:
            from .plot import evolution_population, evolution_progress

            return evolution_progress(res), evolution_population(res)
        return None

    def plotProgress(self, reverse=False):
        """The score per generation (a matplotlib figure, not shown)."""
        from .plot import evolution_progress

        del reverse
        return evolution_progress(self._require())

    def saveEvolution(self, fname=None):
        raise NotImplementedError(
            "jaxbrain keeps no pickled evolutions: the checkpoint (filename.npz) is written after every generation; "
            "load it with Evolution(...).loadResults(filename)"
        )

    def loadEvolution(self, fname):
        raise NotImplementedError(
            "jaxbrain reads no dill files; load a stored evolution with Evolution(...).loadResults(filename)"
        )


def _nest(flat):
    """``{"a.b": v}`` back to ``{"a": {"b": v}}`` (0-d arrays as Python scalars), as a dotdict."""
    out = dotdict()
    for name, arr in flat.items():
        *heads, leaf = name.split(".")
        node = out
        for h in heads:
            node = node.setdefault(h, dotdict())
        node[leaf] = arr.item() if getattr(arr, "ndim", 1) == 0 else arr
    return out
