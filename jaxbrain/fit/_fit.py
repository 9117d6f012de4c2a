"""Gradient-based fitting: optimise any subset of a model's parameters through the simulation with optax.

The fitted parameters live in an unconstrained space (each through its bijection, e.g. ``Interval(0, 5)``
for a coupling gain), the loss is a function of the simulation's :class:`Result`, and with noise on it is
averaged over several noise realisations (a ``vmap`` over keys). Each optimisation step is one jitted
``value_and_grad`` through the whole simulation with checkpointed chunks (``simulate(checkpoint=True)``),
so gradient memory grows with the number of chunks, not steps. Several starting points are optimised at
once with ``vmap`` (one compilation) and the best is kept. Progress can be written to disk after every step
and a fit resumes from it after a crash.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax

from ..integrate import simulate
from ..integrate._simulate import _check_params
from ..models import get_model
from ..network import max_delay_steps
from ._bijections import AbstractBijection, Identity, Interval, constrain, unconstrain


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
            default one start, the values in ``params``.
        optimizer: an ``optax.GradientTransformation`` (default ``optax.adam(0.05)``).
        steps: optimisation steps.
        checkpoint_path: ``.npz`` file where the state is saved after every step; an existing one from the same
            fit is resumed.
        callback: called after every step as ``callback(step, loss)`` (``step`` counts from 1 over the whole fit,
            resumed steps included; ``loss`` is the ``(starts,)`` array of losses before that step), e.g. to print
            progress.
        **simulate_kwargs: passed to :func:`jaxbrain.simulate` (``duration``, ``dt``, ``bold``, ``chunksize``…);
            ``checkpoint=True`` is the default.

    Returns:
        A :class:`FitResult`.
    """
    model = get_model(model)
    base = _check_params(model, params)
    if isinstance(fit_params, (list, tuple)):
        fit_params = {name: Identity() for name in fit_params}
    if not fit_params:
        raise ValueError("fit_params must name at least one parameter")
    fittable = list(base._fields) + list(RUN_SETTINGS)
    unknown = sorted(set(fit_params) - set(fittable))
    if unknown:
        raise ValueError(f"unknown parameter name(s) {unknown} for model {model.name!r}; valid: {fittable}")
    for name, bij in fit_params.items():
        if not isinstance(bij, AbstractBijection):
            raise TypeError(f"the bijection of {name!r} must be a jaxbrain.fit bijection; got {type(bij).__name__}")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int; got {steps!r}")
    if not isinstance(n_keys, int) or n_keys < 1:
        raise ValueError(f"n_keys must be a positive int; got {n_keys!r}")
    optimizer = optax.adam(0.05) if optimizer is None else optimizer
    simulate_kwargs.setdefault("checkpoint", True)
    keys = jr.split(key, n_keys)

    if "signalV" in fit_params:
        _prepare_speed_fit(fit_params["signalV"], connectome, simulate_kwargs)
    settings = {name: simulate_kwargs.pop(name, RUN_SETTINGS[name]) for name in RUN_SETTINGS if name in fit_params}
    start_values = {
        name: np.asarray(settings[name] if name in settings else getattr(base, name), np.float64) for name in fit_params
    }
    if starts is None:
        starts = {name: value[None] for name, value in start_values.items()}
    missing = sorted(set(fit_params) - set(starts))
    if missing or set(starts) - set(fit_params):
        raise ValueError(f"starts must give every fitted parameter and nothing else: {sorted(fit_params)}")
    n_starts = {np.shape(v)[0] for v in starts.values()}
    if len(n_starts) != 1:
        raise ValueError(f"all starts need one leading size; got {sorted(n_starts)}")
    raw0 = {
        name: jnp.stack([unconstrain({name: fit_params[name]}, {name: np.asarray(v)})[name] for v in values])
        for name, values in starts.items()
    }

    def objective(raw):
        values = constrain(fit_params, raw)
        run = {name: values.pop(name) for name in RUN_SETTINGS if name in values}
        p = base._replace(**values)

        def one(k):
            return loss(simulate(model, p, connectome, key=k, **run, **simulate_kwargs))

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
    history = []
    if checkpoint_path is not None and os.path.exists(checkpoint_path):
        raw, opt_state, history = _load(checkpoint_path, raw, opt_state)
    for _ in range(len(history), steps):
        raw, opt_state, value = update(raw, opt_state)
        history.append(np.asarray(value))
        if checkpoint_path is not None:
            _save(checkpoint_path, raw, opt_state, history)
        if callback is not None:
            callback(len(history), history[-1])
    losses = np.stack(history, axis=1) if history else np.zeros((len(next(iter(raw.values()))), 0))
    final = np.asarray(jax.vmap(objective)(raw))
    best = int(np.nanargmin(final))
    fitted = {name: np.asarray(v) for name, v in constrain(fit_params, {k: v[best] for k, v in raw.items()}).items()}
    fitted_params = {name: v for name, v in fitted.items() if name not in RUN_SETTINGS}
    return FitResult(base._replace(**fitted_params), fitted, losses[best], losses, best)


# Settings of the run, not of the model, that fit() can fit: name → simulate()'s default.
RUN_SETTINGS = {"signalV": 20.0}


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


def _save(path, raw, opt_state, history):
    """Atomically write the optimisation state (no pickle: the pytree leaves as arrays)."""
    leaves = jax.tree.leaves((raw, opt_state))
    arrays = {f"leaf{i}": np.asarray(x) for i, x in enumerate(leaves)}
    arrays["history"] = np.stack(history)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".npz.tmp")
    with os.fdopen(fd, "wb") as fh:
        np.savez(fh, **arrays)
    os.replace(tmp, path)


def _load(path, raw, opt_state):
    leaves, tree = jax.tree.flatten((raw, opt_state))
    with np.load(path, allow_pickle=False) as data:
        stored = [data[f"leaf{i}"] for i in range(len(leaves))] if f"leaf{len(leaves) - 1}" in data else None
        if stored is None or any(s.shape != np.shape(x) for s, x in zip(stored, leaves)):
            raise ValueError(f"the fit state in {path} belongs to another fit (different parameters or optimiser)")
        history = list(data["history"])
    raw, opt_state = jax.tree.unflatten(tree, [jnp.asarray(s) for s in stored])
    return raw, opt_state, history
