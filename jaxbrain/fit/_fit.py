"""Gradient-based fitting: optimise any subset of a model's parameters through the simulation with optax.

The fitted parameters live in an unconstrained space (each through its bijection, e.g. ``Interval(0, 5)``
for a coupling gain), the loss is a function of the simulation's :class:`Result`, and with noise on it is
averaged over several noise realisations (a ``vmap`` over keys). Each optimisation step is one jitted
``value_and_grad`` through the whole simulation with checkpointed chunks (``simulate(checkpoint=True)``),
so gradient memory grows with the number of chunks, not steps; a step that cannot fit in memory is refused
before anything is compiled. Several starting points are optimised at once with ``vmap`` (one compilation)
and the best finite one is kept. Progress can be written to disk after every step, with the settings of the
fit it belongs to and a checksum, and the same fit resumes from it after a crash (see ``checkpoint_path``).
"""

from __future__ import annotations

import contextlib
import inspect
import numbers
import os
import warnings
from collections.abc import Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax

from .. import _progress
from .._resume import RunLock, run_settings
from ..integrate import prepare
from ..integrate._memory import ADVICE, check_memory, run_parts
from ..integrate._simulate import _check_params, plan_size
from ..models import get_model
from ..network import max_delay_steps
from . import _checkpoint
from ._bijections import AbstractBijection, Identity, Interval, constrain


class FitResult(NamedTuple):
    """What :func:`fit` returns.

    Attributes:
        params: the model Params with the best start's fitted values filled in.
        fitted: dict name → fitted value of the best start.
        loss: ``(steps,)`` loss history of the best start (the loss *before* each update).
        losses: ``(starts, steps)`` loss histories of every start.
        best_start: index of the start with the lowest final loss.
    """

    params: Any
    fitted: dict
    loss: np.ndarray
    losses: np.ndarray
    best_start: int


def fit(
    model,
    params,
    fit_params,
    loss,
    connectome=None,
    *,
    key,
    n_keys=1,
    starts=None,
    optimizer=None,
    steps=100,
    checkpoint_path=None,
    callback=None,
    progress=False,
    **simulate_kwargs,
):
    """Fit ``fit_params`` of ``model`` by minimising ``loss(result)`` with an optax optimiser.

    Args:
        model: model bundle or registry name.
        params: the starting Params (or dict); the fitted fields' values are the starting point.
        fit_params: names of the parameters to fit, or a dict name → bijection (e.g.
            ``{"K_gl": Interval(0.0, 5.0), "a": Identity()}``; a per-node parameter is fitted per node when its
            starting value is an ``(N,)`` array). ``"signalV"``, the conduction speed (mm/ms), can be fitted
            too: its start is ``simulate_kwargs["signalV"]`` (default 20), the delays are then interpolated
            (``fractional_delays=True``) and sized from the bijection's lower bound (an ``Interval``) or
            ``max_delay``.
        loss: ``result -> scalar``, differentiable (see :mod:`jaxbrain.fit` for FC/FCD/spectrum losses).
        connectome: the network.
        key: PRNG key; the loss is averaged over ``n_keys`` realisations ``split(key, n_keys)`` (the same keys at
            every step: common random numbers).
        starts: optional dict name → ``(S, ...)`` starting values of ``S`` starts optimised at once (``vmap``);
            default one start, the values in ``params``. Every start must lie inside its bijection's domain
            (e.g. strictly between an ``Interval``'s bounds).
        optimizer: an ``optax.GradientTransformation``, or the name of one of optax's optimisers (``"adam"``,
            ``"sgd"``, ``"rmsprop"``…), made with the learning rate 0.05; default ``optax.adam(0.05)``.
        steps: optimisation steps (of the whole fit: a resumed fit does the ones still missing; a saved state
            with more steps is returned as it is).
        checkpoint_path: ``.npz`` file where the state is saved after every step (its folder must exist). An
            existing one is resumed only by the same fit: the same model, parameters and bijections, loss (its
            code and the values it uses), optimiser and its settings, starts, key, ``n_keys``, connectome,
            simulation settings and jaxbrain version; ``steps``, ``chunksize``, ``checkpoint`` and ``callback``
            may change. Another fit's state, or a damaged or edited file, is refused with a ``ValueError`` that
            says why. While the fit runs it holds the lock ``<checkpoint_path>.lock``: a second fit on the same
            file gets :class:`jaxbrain._resume.RunLockedError`.
        callback: called after every step as ``callback(step, loss)`` (``step`` counts from 1 over the whole fit,
            resumed steps included; ``loss`` is the ``(starts,)`` array of losses before that step).
        progress: show a progress bar on stderr (``tqdm.auto``: a widget in a notebook) over the steps, with the
            loss before the last step (the lowest over the starts) and the time left.
        **simulate_kwargs: passed to :func:`jaxbrain.simulate` (``duration``, ``dt``, ``bold``, ``chunksize``…);
            ``checkpoint=True`` is the default.

    Returns:
        A :class:`FitResult`. A start whose final loss is not finite (it diverged) is dropped from the choice of
        the best start with a ``RuntimeWarning`` naming it.

    Raises:
        ValueError: for bad arguments (each names what was expected); a loss that is not finite at every start
            at the first step; every start diverged by the end.
        TypeError: for arguments of the wrong kind, and a loss that does not return a real scalar.
    """
    model = get_model(model)
    base = _check_params(model, params)
    fit_params = _check_fit_params(fit_params, list(base._fields) + list(RUN_SETTINGS), model.name)
    steps = _count(steps, "steps")
    n_keys = _count(n_keys, "n_keys")
    _check_key(key)
    optimizer = _optimizer(optimizer)
    if not callable(loss):
        raise TypeError(f"loss must be a function result -> scalar; got {type(loss).__name__}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be a function (step, losses) -> None, or None; got {type(callback).__name__}")
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be True or False; got {progress!r}")
    checkpoint_path = _checkpoint_file(checkpoint_path)
    simulate_kwargs.setdefault("checkpoint", True)
    keys = jr.split(key, n_keys)

    if "signalV" in fit_params:
        _prepare_speed_fit(fit_params["signalV"], connectome, simulate_kwargs)
    settings = {name: simulate_kwargs.pop(name, RUN_SETTINGS[name]) for name in RUN_SETTINGS if name in fit_params}
    start_values = {
        name: np.asarray(settings[name] if name in settings else getattr(base, name), np.float64) for name in fit_params
    }
    starts, origin = (
        ({name: value[None] for name, value in start_values.items()}, "params")
        if starts is None
        else (_check_starts(starts, fit_params), "starts")
    )
    raw0 = {name: _unconstrained_starts(name, fit_params[name], values, origin) for name, values in starts.items()}
    if origin == "starts":
        _check_starts_are_params(model, base, starts)
    _check_fit_memory(model, base, connectome, starts, n_keys, simulate_kwargs)
    plan_kwargs = {k: v for k, v in simulate_kwargs.items() if k not in _RUN_ARGUMENTS}
    run_kwargs = {k: v for k, v in simulate_kwargs.items() if k in _RUN_ARGUMENTS}
    plan = None

    def objective(raw):
        nonlocal plan
        values = constrain(fit_params, raw)
        run = {name: values.pop(name) for name in RUN_SETTINGS if name in values}
        p = base._replace(**values)
        if plan is None:
            # One plan for every evaluation of the loss, prepared at its first trace, where the fitted values are
            # traced as in every later one (a fitted noise strength keeps the noise on even from a start at 0).
            plan = prepare(model, p, connectome, **run, **plan_kwargs)

        def one(k):
            return _scalar_loss(loss(plan.run(p, key=k, **run, **run_kwargs)), loss)

        return jnp.mean(jax.vmap(one)(keys)) if n_keys > 1 else one(keys[0])

    value_and_grad = jax.vmap(jax.value_and_grad(objective))

    @jax.jit
    def update(raw, opt_state):
        value, grad = value_and_grad(raw)
        # optax mixes Python scalars and int32 step counts, which strict dtype promotion rejects.
        with jax.numpy_dtype_promotion("standard"):
            updates, opt_state = jax.vmap(optimizer.update)(grad, opt_state, raw)
            raw = optax.apply_updates(raw, updates)
        return raw, opt_state, value

    raw = raw0
    with jax.numpy_dtype_promotion("standard"):
        opt_state = jax.vmap(optimizer.init)(raw)
    identity = _fit_identity(model, base, fit_params, loss, optimizer, n_keys, starts, key, connectome,
                             simulate_kwargs)  # fmt: skip
    history = []
    with RunLock(checkpoint_path) if checkpoint_path is not None else contextlib.nullcontext():
        if checkpoint_path is not None and os.path.exists(checkpoint_path):
            raw, opt_state, history = _checkpoint.load(checkpoint_path, raw, opt_state, identity)
        pbar = _progress.bar(bool(progress), total=steps, initial=min(len(history), steps), desc="fit", unit="step")
        for _ in range(len(history), steps):
            raw, opt_state, value = update(raw, opt_state)
            value = np.asarray(value)
            if not history and not np.any(np.isfinite(value)):
                raise ValueError(
                    f"the loss is {_values_text(value)} at the start values ({_starts_text(starts)}): not finite "
                    f"at any start, so there is nothing to optimise. Check the loss, and that the simulation at "
                    f"these values stays finite."
                )
            history.append(value)
            if checkpoint_path is not None:
                _checkpoint.save(checkpoint_path, raw, opt_state, history, identity)
            pbar.update(1)
            pbar.set_postfix_str(f"loss {_lowest(value)}")
            if callback is not None:
                callback(len(history), history[-1])
        pbar.close()
    losses = np.stack(history, axis=1) if history else np.zeros((len(next(iter(raw.values()))), 0))
    final = np.asarray(jax.vmap(objective)(raw))
    best = _best_start(final, starts)
    fitted = {name: np.asarray(v) for name, v in constrain(fit_params, {k: v[best] for k, v in raw.items()}).items()}
    fitted_params = {name: v for name, v in fitted.items() if name not in RUN_SETTINGS}
    return FitResult(base._replace(**fitted_params), fitted, losses[best], losses, best)


def _lowest(losses):
    """The lowest finite loss over the starts, for the progress bar (``nan`` when none is finite)."""
    finite = np.asarray(losses, np.float64)[np.isfinite(losses)]
    return _progress.number(finite.min() if finite.size else np.nan)


# Settings of the run, not of the model, that fit() can fit: name → simulate()'s default.
RUN_SETTINGS = {"signalV": 20.0}

# simulate() keywords that are a run's, not its plan's (jaxbrain.integrate.run).
_RUN_ARGUMENTS = ("initial", "history", "ou", "inputs")


def _prepare_speed_fit(bijection, connectome, simulate_kwargs):
    """Fitting the conduction speed needs interpolated delays and a bound on them (it sizes the delay buffer):
    the longest fibre over the smallest speed the bijection allows, unless ``max_delay`` is given."""
    if simulate_kwargs.get("fractional_delays") is False:
        raise ValueError("fitting signalV needs fractional_delays=True (rounded delays have no gradient in signalV)")
    simulate_kwargs["fractional_delays"] = True
    if simulate_kwargs.get("max_delay") is not None:
        return
    low = np.min(np.asarray(bijection.low)) if isinstance(bijection, Interval) else None
    if low is None or low <= 0 or connectome is None:
        raise ValueError(
            "fitting signalV needs a positive lower bound, Interval(low, high) with low > 0, or max_delay (ms)"
        )
    dt = simulate_kwargs.get("dt", 0.1)
    simulate_kwargs["max_delay"] = max_delay_steps(connectome.lengths, low, dt) * dt


# Default learning rate of an optimiser given by name (and of the default Adam).
LEARNING_RATE = 0.05

# Simulation settings that change memory use, speed or display, not the result: a resumed fit may change them.
_NOT_IN_IDENTITY = ("chunksize", "checkpoint", "adjoint")


def _check_fit_params(fit_params, fittable, model_name):
    """``fit_params`` as a dict name → bijection: a list of names (each unbounded) or such a dict."""
    if isinstance(fit_params, str):
        raise TypeError(
            f"fit_params must be a list of parameter names or a dict name -> bijection; got the string "
            f"{fit_params!r} (write [{fit_params!r}] to fit that one parameter)"
        )
    if isinstance(fit_params, (list, tuple)):
        names = list(fit_params)
        doubled = sorted({n for n in names if isinstance(n, str) and names.count(n) > 1})
        if doubled:
            raise ValueError(f"fit_params names {doubled} more than once")
        fit_params = {name: Identity() for name in names}
    elif isinstance(fit_params, Mapping):
        fit_params = dict(fit_params)
    else:
        raise TypeError(
            f"fit_params must be a list of parameter names or a dict name -> bijection; got {type(fit_params).__name__}"
        )
    if not fit_params:
        raise ValueError("fit_params must name at least one parameter")
    not_names = [n for n in fit_params if not isinstance(n, str)]
    if not_names:
        raise TypeError(f"fit_params names must be strings; got {not_names}")
    unknown = sorted(set(fit_params) - set(fittable))
    if unknown:
        raise ValueError(f"unknown parameter name(s) {unknown} for model {model_name!r}; valid: {fittable}")
    for name, bij in fit_params.items():
        if not isinstance(bij, AbstractBijection):
            raise TypeError(f"the bijection of {name!r} must be a jaxbrain.fit bijection; got {type(bij).__name__}")
    return fit_params


def _count(value, name):
    """A positive whole number (Python or numpy int)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive int; got {value!r} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{name} must be a positive int; got {int(value)}")
    return int(value)


def _check_key(key):
    if not (hasattr(key, "dtype") and jnp.issubdtype(key.dtype, jax.dtypes.prng_key) and jnp.ndim(key) == 0):
        got = type(key).__name__
        if hasattr(key, "dtype"):
            got += f" of dtype {key.dtype} and shape {jnp.shape(key)}"
        raise TypeError(f"key must be one JAX PRNG key, e.g. jax.random.key(0); got {got}")


def _optax_optimisers():
    """The names of optax's optimisers made from a learning rate alone (``optax.adam``, ``optax.sgd``…)."""
    names = []
    for name in dir(optax):
        factory = getattr(optax, name)
        if name.startswith("_") or name == "lbfgs" or getattr(factory, "__module__", "") != "optax._src.alias":
            continue  # lbfgs's update needs the loss function itself
        try:
            first = next(iter(inspect.signature(factory).parameters), None)
        except (TypeError, ValueError):
            continue
        if first == "learning_rate":
            names.append(name)
    return sorted(names)


def _optimizer(optimizer):
    """``optimizer`` as an optax transformation: itself, optax's optimiser of that name, or the default Adam."""
    if optimizer is None:
        return optax.adam(LEARNING_RATE)
    if isinstance(optimizer, str):
        names = _optax_optimisers()
        if optimizer not in names:
            raise ValueError(f"optimizer {optimizer!r} is not the name of an optax optimiser; valid: {names}")
        return getattr(optax, optimizer)(learning_rate=LEARNING_RATE)
    if isinstance(optimizer, optax.GradientTransformation):
        return optimizer
    raise TypeError(
        "optimizer must be an optax.GradientTransformation (e.g. optax.adam(0.01)), the name of an optax "
        f"optimiser (e.g. 'adam', made with the learning rate {LEARNING_RATE}) or None; got {type(optimizer).__name__}"
    )


def _checkpoint_file(path):
    """``checkpoint_path`` as a string, refused before the first step if it could never be written."""
    if path is None:
        return None
    if not isinstance(path, (str, os.PathLike)) or not isinstance(os.fspath(path), str):
        raise TypeError(f"checkpoint_path must be a file path (str or pathlib.Path); got {type(path).__name__}")
    path = os.fspath(path)
    if os.path.isdir(path):
        example = os.path.join(path, "fit.npz")
        raise ValueError(f"checkpoint_path {path!r} is a folder; give a file in it, e.g. {example!r}")
    if os.path.exists(path) and not os.path.isfile(path):
        raise ValueError(f"checkpoint_path {path!r} exists but is not a regular file")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"checkpoint_path {path!r}: its folder {folder!r} does not exist; create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"checkpoint_path {path!r}: its folder {folder!r} is not writable")
    return path


def _check_starts(starts, fit_params):
    """``starts`` as a dict name → ``(S, ...)`` float64 array, the same ``S >= 1`` for every fitted parameter."""
    if not isinstance(starts, Mapping):
        raise TypeError(f"starts must be a dict name -> (S, ...) array of start values; got {type(starts).__name__}")
    if set(starts) != set(fit_params):
        raise ValueError(
            f"starts must give every fitted parameter and nothing else: {sorted(fit_params)}; got {sorted(starts)}"
        )
    out = {}
    for name in fit_params:
        try:
            arr = np.asarray(starts[name])
        except (TypeError, ValueError):
            arr = np.asarray(None)
        if arr.dtype.kind not in "biuf" or arr.dtype == bool:
            raise TypeError(f"starts[{name!r}] must be a real-valued array; got {type(starts[name]).__name__} "
                            f"of dtype {arr.dtype}")  # fmt: skip
        if arr.ndim == 0 or arr.shape[0] == 0:
            raise ValueError(
                f"starts[{name!r}] must have a leading axis of the starts, (S,) or (S, n_nodes) with S >= 1; "
                f"got shape {arr.shape}"
            )
        out[name] = arr.astype(np.float64)
    sizes = {name: v.shape[0] for name, v in out.items()}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"all starts need one leading size (the number of starts); got {sizes}")
    return out


def _check_starts_are_params(model, base, starts):
    """Every start passes the checks ``params`` does (finite, inside the model's valid ranges)."""
    n = len(next(iter(starts.values())))
    for i in range(n):
        values = {name: v[i] for name, v in starts.items() if name in base._fields}
        try:
            _check_params(model, base._replace(**values))
        except ValueError as err:
            raise ValueError(f"start {i} of starts= ({_starts_text(starts, [i])}): {err}") from None


def _check_fit_memory(model, base, connectome, starts, n_keys, simulate_kwargs):
    """Refuse, before anything is compiled, a gradient step that cannot fit in memory: one run's forward and
    backward pass (as :func:`simulate` sizes it) for each of the ``starts x n_keys`` runs of a step."""
    first = {name: v[0] for name, v in starts.items()}
    run = {name: first.pop(name) for name in RUN_SETTINGS if name in first}
    size = plan_size(model, base._replace(**first), connectome, **run, **simulate_kwargs)
    n_starts = len(next(iter(starts.values())))
    parts = {part: n_starts * n_keys * nbytes for part, nbytes in run_parts(size, gradient=True).items()}
    largest = max(parts, key=parts.get)
    check_memory(
        sum(parts.values()),
        f"a gradient step of this fit ({n_starts} start(s) x {n_keys} noise realisation(s))",
        parts=parts,
        advice=f"{ADVICE[largest]}; or fit fewer starts or noise realisations (n_keys) at once",
    )


def _unconstrained_starts(name, bijection, values, origin):
    """The raw (unconstrained) values of every start of ``name``, refusing starts outside the bijection's domain."""
    raw = []
    for i, value in enumerate(values):
        where = f"starts[{name!r}][{i}]" if origin == "starts" else f"the start of {name!r} (from {origin})"
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{where} must be finite; got {_values_text(value)}")
        try:
            u = bijection.inverse(value)
        except ValueError as err:
            raise ValueError(
                f"{where} = {_values_text(value)} lies outside the domain of its bijection {bijection!r}: {err}"
            ) from None
        if not np.all(np.isfinite(np.asarray(u))):
            raise ValueError(
                f"{where} = {_values_text(value)} lies on or too close to a bound of its bijection {bijection!r}"
            )
        raw.append(u)
    return jnp.stack(raw)


def _scalar_loss(value, loss):
    """The loss's value checked while tracing (before anything is compiled): one real number."""
    if not hasattr(value, "shape"):
        try:
            value = jnp.asarray(value)
        except TypeError:
            raise TypeError(
                f"loss {_name(loss)} must return a real scalar; it returned {type(value).__name__}"
            ) from None
    if jnp.shape(value) != ():
        raise ValueError(
            f"loss {_name(loss)} must return a scalar (a single number); it returned shape {jnp.shape(value)} "
            f"(reduce it, e.g. with jnp.mean)"
        )
    if not jnp.issubdtype(value.dtype, jnp.floating):
        raise TypeError(f"loss {_name(loss)} must return a real floating-point scalar; it returned {value.dtype}")
    return value


def _name(fn):
    return repr(getattr(fn, "__qualname__", getattr(fn, "__name__", type(fn).__name__)))


def _values_text(value, shown=8):
    """A number as Python writes it (``7.0``, ``nan``), an array as a list of them (the first ``shown``)."""
    arr = np.asarray(value, np.float64)
    if arr.ndim == 0:
        return repr(float(arr))
    flat = [repr(float(x)) for x in arr.ravel()[:shown]]
    return "[" + ", ".join(flat) + (", ...]" if arr.size > shown else "]")


def _starts_text(starts, indices=None):
    """``start 0: K_gl=0.5, a=-0.1; start 1: ...`` for the given start indices (default all)."""
    n = len(next(iter(starts.values())))
    indices = range(n) if indices is None else indices
    return "; ".join(
        f"start {i}: " + ", ".join(f"{name}={_values_text(v[i])}" for name, v in starts.items()) for i in indices
    )


def _best_start(final, starts):
    """The start with the lowest final loss among those that stayed finite; warn about the others."""
    finite = np.isfinite(final)
    if not finite.any():
        raise ValueError(
            f"every start diverged: the final loss is {_values_text(final)} ({_starts_text(starts)}). Try other "
            f"starts, a smaller learning rate or tighter bounds."
        )
    dropped = np.flatnonzero(~finite).tolist()
    if dropped:
        warnings.warn(
            f"fit: start(s) {dropped} diverged (final loss {_values_text(final[dropped])}) and were left out of the "
            f"choice of the best start; their start values: {_starts_text(starts, dropped)}",
            RuntimeWarning,
            stacklevel=3,
        )
    return int(np.argmin(np.where(finite, final, np.inf)))


def _connectome_identity(connectome):
    """The parts of a network that change a simulation: weights and lengths (by digest), not labels."""
    if connectome is None or not hasattr(connectome, "weights"):
        return connectome
    return {"weights": np.asarray(connectome.weights), "lengths": np.asarray(connectome.lengths)}


def _fit_identity(model, base, fit_params, loss, optimizer, n_keys, starts, key, connectome, simulate_kwargs):
    """The canonical settings that determine a fit's results (stored with its state; ``steps`` excluded, since
    more steps continue a fit). The fitted fields of ``base`` are left out: ``starts`` holds their values."""
    return run_settings(
        model=model.name,
        params=base._replace(**{name: None for name in fit_params if name in base._fields}),
        fit_params=fit_params,
        loss=loss,
        optimizer=optimizer,
        n_keys=n_keys,
        starts=starts,
        key=key,
        connectome=_connectome_identity(connectome),
        simulate={k: v for k, v in simulate_kwargs.items() if k not in _NOT_IN_IDENTITY},
        float_dtype=jnp.dtype(jnp.result_type(float)).name,
    )
