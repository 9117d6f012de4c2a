"""The compat classes of neurolib's built-in models: neurolib's ``Model`` interface run by the functional core
(:func:`jaxbrain.simulate`), with neurolib's parameter dictionaries, initial-value draws and input layout."""

from __future__ import annotations

import contextlib
import numbers
import warnings

import jax
import jax.random as jr
import numpy as np

from ...integrate import delay_plan, simulate
from ...network import Connectome, coupling_by_name
from .._checks import _flag, _matrix, _real_array, _run_options, _seed, _suggest
from .._errors import NeurolibInputError, NeurolibTypeError
from ..utils.collections import dotdict
from ._specs import _Spec
from .model import _RUN_SETTINGS, Model, _check_chunks, _sample_every


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
        raise NeurolibInputError(
            f"input arrays must be scalars, 1-D time series or (N, T) arrays; got shape {arr.shape}"
        )
    if arr.shape[0] < n_nodes:
        arr = np.tile(arr, (int(np.ceil(n_nodes / arr.shape[0])), 1))[:n_nodes]
    reps = int(np.ceil(n_columns / arr.shape[1]))
    return np.tile(arr, (1, reps))[:, -n_columns:]


# ---- checking what a neurolib user passes ----------------------------------------------------------------
# Every compat model runs through one check of its parameter dict (:meth:`NativeModel._check_params`),
# before anything divides by dt or converts a value: a wrong value is a TypeError/ValueError naming its key.

# Keys every model's params need besides its own parameters and initial values, and keys that have a default.
_RUN_KEYS = ("dt", "duration", "N", "Cmat", "lengthMat", "signalV")
_OPTIONAL_KEYS = ("model", "name", "seed", "sampling_dt", "coupling")


def _connectome_of(model, dt):
    """The Connectome a compat model runs with (Kuramoto's legacy delays included)."""
    p = model.params
    lengths = p["lengthMat"] if model._spec.delay_lengths is None else model._spec.delay_lengths(p, dt)
    return Connectome(np.asarray(p["Cmat"], dtype=np.float64), np.asarray(lengths, dtype=np.float64))


class NativeModel(Model):
    """A neurolib built-in model run by the functional core (the base of ``HopfModel``, ``ALNModel``, …; do not
    instantiate it directly).

    Precision: runs compute in float64, as neurolib does, inside ``jax.enable_x64(True)``: JAX's global setting is
    not changed, so the rest of the program keeps its own precision (float32 unless it enables x64). Outputs are
    float64 numpy arrays. Set ``model.x64 = False`` (or on the class) to compute in JAX's global precision instead,
    e.g. for speed on a GPU.

    Params: keys the model does not know are ignored with a ``UserWarning`` naming the key and the nearest known
    one (neurolib ignores them silently); every known key is checked before anything runs.

    Args:
        params: optional parameter dict replacing the defaults.
        Cmat: ``(N, N)`` structural connectivity ``[to, from]`` (diagonal set to 0, as neurolib).
        Dmat: ``(N, N)`` fibre lengths in mm.
        seed: integer seed of the initial conditions (numpy's legacy stream, as neurolib) and of the noise
            (``jax.random.key(seed)``); ``None`` draws fresh ones.
    """

    _spec: _Spec
    x64 = True  # compute in float64 (see above)

    def __init__(self, params=None, Cmat=None, Dmat=None, seed=None):
        spec = self._spec
        if spec.single_node and (Cmat is not None or Dmat is not None):
            raise NeurolibTypeError(
                f"{type(self).__name__} is a single-node model and takes no Cmat/Dmat; "
                f"pass the seed by keyword ({type(self).__name__}(seed=...))"
            )
        self.model = spec.model
        if params is None:
            self.params = self._default_params(Cmat, Dmat, seed)
        else:
            # neurolib silently ignores Cmat, Dmat and seed when params is given; here that is refused.
            given = [label for label, v in (("Cmat", Cmat), ("Dmat", Dmat), ("seed", seed)) if v is not None]
            if given:
                raise NeurolibInputError(
                    f"{type(self).__name__}: pass params or {'/'.join(given)}, not both (params already holds "
                    f"Cmat, lengthMat and seed; set them there)"
                )
            if not isinstance(params, dict):
                raise NeurolibTypeError(f"params must be a dict of neurolib parameters; got {type(params).__name__}")
            self.params = dotdict(params)
            self._check_params(stacklevel=3)
        self.outputs = dotdict()
        self.state = dotdict()
        self._final = None
        self.maxDelay = None
        self.startindt = None

    def _with_params(self, params):
        return type(self)(params=params)  # checks every key as a fresh model does

    def _default_params(self, Cmat, Dmat, seed):
        spec = self._spec
        seed = _seed("seed", seed)
        if Cmat is None:
            if Dmat is not None:
                raise NeurolibInputError(
                    "Dmat (fibre lengths) was given without Cmat; pass both, or neither for one node"
                )
            n = 1
            cmat, lengths = np.zeros((1, 1)), np.zeros((1, 1))
        else:
            cmat = _matrix("Cmat", Cmat).copy()  # a copy: the caller's array is not changed
            np.fill_diagonal(cmat, 0.0)
            n = cmat.shape[0]
            lengths = np.zeros_like(cmat) if Dmat is None else _matrix("Dmat", Dmat, n)
            if np.any(lengths < 0):
                raise NeurolibInputError("Dmat (fibre lengths in mm) must be >= 0; found negative entries")
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

    # ---- checking params -----------------------------------------------------------------------

    def _required_keys(self):
        spec = self._spec
        own = [spec.key(f) for f in spec.model.Params._fields if f not in spec.constant_inputs.values()]
        return [*_RUN_KEYS, *own, *spec.init_vars, *spec.ou_vars]

    def _known_keys(self):
        spec = self._spec
        return {*self._required_keys(), *_OPTIONAL_KEYS, *spec.extra_defaults, *spec.time_inputs}

    def _check_params(self, stacklevel=2):
        """Check every entry of ``self.params`` (missing, wrong type, shape or value; raises naming it). Unknown
        keys are ignored, as neurolib does, with a UserWarning (``stacklevel`` points it at the user's call)."""
        p = self.params
        cls = type(self).__name__
        if not isinstance(p, dict):
            raise NeurolibTypeError(f"{cls}.params must be a dict; got {type(p).__name__}")
        missing = [k for k in self._required_keys() if k not in p]
        if missing:
            raise NeurolibInputError(
                f"{cls}.params is missing the key(s) {missing}; start from {cls}(...).params (neurolib's "
                "defaults) and change what you need"
            )
        known = self._known_keys()
        renamed = self._spec.param_names  # core name -> neurolib name, where they differ (Kuramoto's K_gl is "k")
        for key in sorted((k for k in p if k not in known), key=str):
            hint = f" (its name here is {renamed[key]!r})" if key in renamed else _suggest(str(key), sorted(known))
            warnings.warn(
                f"params[{key!r}] is not a parameter of {cls} and is ignored{hint}",
                UserWarning,
                stacklevel=stacklevel,
            )
        cmat = _matrix("params['Cmat']", p["Cmat"])
        n = cmat.shape[0]
        if isinstance(p["N"], (bool, np.bool_)) or not isinstance(p["N"], numbers.Integral):
            raise NeurolibTypeError(
                f"params['N'] must be an int (the number of nodes); got {type(p['N']).__name__} {p['N']!r}"
            )
        if int(p["N"]) != n:
            raise NeurolibInputError(
                f"params['N'] is {p['N']} but params['Cmat'] has {n} node(s) (shape {cmat.shape}); they must agree"
            )
        for key in p:
            if key not in ("Cmat", "N") and key in known:
                self._check_value(key, p[key], n)

    def _check_value(self, key, value, n):
        """Check one entry ``params[key]`` of an ``n``-node model; raises a TypeError/ValueError naming it."""
        spec, name = self._spec, f"params[{key!r}]"
        if key in _RUN_SETTINGS:
            super()._check_value(key, value, n)
        elif key == "seed":
            _seed(name, value)
        elif key == "N":
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value != n:
                raise NeurolibInputError(f"{name} must be the number of nodes of Cmat ({n}); got {value!r}")
        elif key == "Cmat":
            _matrix(name, value, n)
        elif key == "coupling":
            coupling_by_name(value)
        elif key == "legacy_delays":
            _flag(name, value)
        elif key in ("model", "name") or key in spec.extra_defaults:
            return  # neurolib's labels and parameters accepted for compatibility, not used
        elif key in spec.time_inputs:
            arr = _real_array(name, value)
            if arr.ndim > 2 or (arr.ndim == 2 and arr.shape[0] not in (1, n)):
                raise NeurolibInputError(
                    f"{name} must be a number, a 1-D time series shared by all nodes, or an (N, T) array with "
                    f"N = 1 or {n}; got shape {arr.shape}"
                )
        elif key in spec.init_vars:
            arr = _real_array(name, value)
            if arr.ndim > 2 or (arr.ndim >= 1 and arr.shape[0] != n) or (arr.ndim == 2 and arr.shape[1] == 0):
                raise NeurolibInputError(
                    f"{name} must be a number, ({n},) or ({n}, history length); got shape {arr.shape}"
                )
        else:  # a model parameter or an OU channel's initial value: a number or one value per node
            arr = _real_array(name, value)
            if arr.shape not in ((), (n,)):
                raise NeurolibInputError(
                    f"{name} must be a number or one value per node, shape ({n},); got shape {arr.shape}"
                )

    # ---- running -------------------------------------------------------------------------------

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

    def run(self, chunkwise=False, chunksize=None, bold=False, append_outputs=False, continue_run=False):
        """Integrate the model (neurolib's ``Model.run``, same arguments in the same order).

        Args:
            chunkwise: integrate in chunks of ``chunksize`` steps (default 2 s); without
                ``append_outputs`` only the last chunk's outputs are kept, as in neurolib. The chunks continue
                each other exactly (state, delay history, noise): the outputs equal an unchunked run's to
                float rounding.
            chunksize: steps per chunk; giving it implies ``chunkwise``. With ``params["sampling_dt"]`` every
                chunk, the last one too, must be a whole number of samples (neurolib's check).
            bold: also simulate BOLD (stored in ``model.BOLD``).
            append_outputs: append new outputs to the stored ones (chunks and continued runs).
            continue_run: start from the end of the previous run (state, delay history, BOLD).

        Outputs are sampled every ``int(sampling_dt / dt)`` steps from the first step on, as neurolib samples
        them (``params["sampling_dt"]``, default every step).
        """
        bold, chunkwise, chunksize, append_outputs, continue_run = _run_options(
            bold, chunkwise, chunksize, append_outputs, continue_run
        )
        p = self.params
        dt, duration, sampling_dt = self._settings(stacklevel=3)
        n_steps = max(1, int(round(duration / dt)))
        connectome = _connectome_of(self, dt)
        params, inputs, ring_len = self._core_params_and_inputs(n_steps, connectome, dt)
        self.maxDelay, self.startindt = ring_len - 1, ring_len
        chunk = None
        if chunkwise:
            chunk = chunksize if chunksize is not None else max(1, int(round(2000.0 / dt)))
            _check_chunks(dt, n_steps, chunk, sampling_dt)
        every = _sample_every(dt, sampling_dt)
        # The core samples itself when the run and each chunk are whole numbers of samples; otherwise (neurolib
        # allows a duration that is not) it records every step and the samples are taken in _store.
        continued = continue_run and self._final is not None
        start = int(self._final.step) if continued else 0
        core_every = every if (start % every == 0 and n_steps % every == 0 and (chunk or every) % every == 0) else 1
        seed = p.get("seed")
        with jax.enable_x64(True) if self.x64 else contextlib.nullcontext():
            key = jr.key(int(seed) if seed is not None else int(np.random.SeedSequence().entropy % (2**31)))
            if continued:
                initial, history, ou = self._final, None, None
                key = jr.fold_in(key, start)
            else:
                initial, history, ou = self._initial(ring_len)
            result = simulate(
                self.model,
                params,
                connectome,
                key=key,
                duration=n_steps * dt,
                dt=dt,
                sampling_dt=None if core_every == 1 else core_every * dt,
                signalV=float(p["signalV"]),
                bold=bold,
                initial=initial,
                history=history,
                inputs=inputs or None,
                chunksize=chunk,
                coupling=coupling_by_name(p.get("coupling", self.model.coupling)),
                ou=ou,
            )
            self._store(result, chunk, every, every // core_every, append_outputs, continued)
        self._final = result.final
        return self

    def _store(self, result, chunk, every, thin, append, continued):
        """Keep the run's outputs as neurolib does: ``[node, time]``, sampled every ``every`` steps (``thin``: the
        factor still to take here), only the last chunk's without ``append``; the final state in ``state``."""
        histories = {
            field: self._history(field, init_name, result, every, continued)
            for field, init_name in zip(self.model.State._fields, self._spec.init_vars)
            if np.ndim(self.params[init_name]) == 2
        }
        t = np.asarray(result.t)[::thin]
        outs = {name: np.asarray(v).T[:, ::thin] for name, v in result.outputs.items()}
        if chunk is not None and not append:
            # neurolib keeps only the last chunk's outputs when not appending.
            last = -(-((len(t) - 1) * every // chunk * chunk) // every)
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
            self.state[field] = histories.get(field, np.asarray(value)[:, 0])
        for name, value in zip(self.model.noise_vars, final.ou):
            self.state[name] = np.asarray(value)[:, 0]

    def _history(self, field, init_name, result, every, continued):
        """What neurolib keeps in ``state`` of a variable it starts from a history (its initial value is
        ``(N, L)``): the last ``startind`` columns, from the run's full-resolution output, preceded by the
        history the run started from when the run is shorter. With ``sampling_dt`` (outputs not kept every
        step), or for a variable that is not an output, only the final column."""
        series = result.outputs.get(field)
        if every != 1 or series is None:
            return np.asarray(getattr(result.final.state, field))[:, :1]
        new = np.asarray(series).T
        if new.shape[1] < self.startindt:
            before = self.state.get(field) if continued else None
            if before is None or np.ndim(before) != 2:
                before = np.asarray(self.params[init_name], dtype=np.float64)
            new = np.concatenate([np.reshape(before, (new.shape[0], -1)), new], axis=1)
            if new.shape[1] < self.startindt:  # a history shorter than the delays: its oldest value before it
                new = np.concatenate([np.repeat(new[:, :1], self.startindt - new.shape[1], axis=1), new], axis=1)
        return new[:, -self.startindt :].copy()

    # ---- neurolib's other run helpers -------------------------------------------------------------

    def getMaxDelay(self):
        """The longest delay in steps of ``dt`` (neurolib's ``getMaxDelay``): network delays
        ``round(lengthMat / signalV / dt)`` (none when ``signalV`` is 0) and a model's own local delays (ALN's
        ``de``, ``di``). A run starts from ``getMaxDelay() + 1`` columns of initial history."""
        dt, duration, _ = self._settings(stacklevel=3)
        _, _, ring_len = self._core_params_and_inputs(1, _connectome_of(self, dt), dt)
        return ring_len - 1
