"""Posterior predictive checks: simulate from posterior samples and compare with the observation.

The samples run through :func:`jaxbrain.explore.sweep` like the prior simulations (batched, on the device, to a
store that resumes), with the same summaries, and optionally the correlation of each run's FC with a target FC.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax.numpy as jnp
import jax.random as jr
import numpy as np

from .. import metrics
from ..explore import ParameterSpace, combine, evaluator, sweep
from ..models import get_model
from ..network import Connectome
from ._prior import _check_key, _count
from ._simulations import check_prior


class PredictiveResult(NamedTuple):
    """What :func:`posterior_predictive` returns.

    Attributes:
        theta: dict name → ``(n, *shape)`` the posterior samples simulated.
        x: ``(n, S)`` their summaries (compare with the observation's).
        ok: ``(n,)`` the run stayed finite and its summaries are finite.
        fc_correlation: ``(n,)`` each run's FC correlation with ``target_fc`` (``None`` without a target).
        labels: the summaries' labels.
        store: the sweep's store.
    """

    theta: dict
    x: np.ndarray
    ok: np.ndarray
    fc_correlation: Any
    labels: list
    store: Any


def _fc_fit(summaries, target):
    def fn(res):
        series, _ = summaries.signal_of(res)
        fcs = metrics.fc(series)
        goal = jnp.broadcast_to(jnp.asarray(target, fcs.dtype), fcs.shape)
        return {"fc_correlation": metrics.matrix_correlation(fcs, goal)}

    return evaluator(fn, outputs=summaries.outputs, bold=summaries.bold)


def posterior_predictive(
    posterior,
    x_obs,
    model,
    connectome=None,
    *,
    key,
    n,
    summaries=None,
    params=None,
    target_fc=None,
    store=None,
    batch_size=None,
    progress=False,
    **simulate_kwargs,
):
    """Simulate ``n`` posterior samples for ``x_obs`` and return their summaries (and FC fits).

    Args:
        posterior: a :class:`~jaxbrain.infer.Posterior`.
        x_obs: the observed summaries, ``(S,)``.
        model: the model the posterior was trained for.
        connectome: the network.
        key: PRNG key, split into the posterior samples' key and the simulations' noise key.
        n: the number of samples to simulate.
        summaries: the :class:`~jaxbrain.infer.Summaries` (default: the posterior's own, known when it was
            trained in this process; a loaded posterior needs them given).
        params: the model's other parameters, as in training.
        target_fc: ``(N, N)`` FC to compare each run's FC with (e.g. a subject's empirical FC), computed from the
            summaries' signal after their transient (BOLD FC for ``signal="bold"``).
        store, batch_size, progress: as for :func:`~jaxbrain.infer.simulate_prior`.
        **simulate_kwargs: ``duration``, ``dt``, ``sampling_dt``, ``bold``, … as in training.

    Returns:
        :class:`PredictiveResult`.
    """
    model = get_model(model)
    summaries = summaries if summaries is not None else posterior.summaries
    if summaries is None:
        raise ValueError("posterior_predictive needs the summaries the posterior was trained on: pass summaries=")
    connectome = Connectome.single_node() if connectome is None else connectome
    if not isinstance(connectome, Connectome):
        raise TypeError(f"connectome must be a jaxbrain Connectome; got {type(connectome).__name__}")
    n_nodes = connectome.n_nodes
    if summaries.size(n_nodes) != posterior.config["cond_dim"]:
        raise ValueError(
            f"the summaries give {summaries.size(n_nodes)} values on this network; the posterior was trained on "
            f"{posterior.config['cond_dim']}"
        )
    check_prior(posterior.prior, model, n_nodes)
    _check_key(key, "posterior_predictive")
    n = _count(n, "n")
    if np.ndim(x_obs) != 1:
        raise ValueError(f"posterior_predictive takes one observation x_obs (S,); got shape {np.shape(x_obs)}")
    ev = summaries
    if target_fc is not None:
        target = np.asarray(target_fc, np.float64)
        if target.shape != (n_nodes, n_nodes) or not np.all(np.isfinite(target)):
            raise ValueError(f"target_fc must be a finite ({n_nodes}, {n_nodes}) matrix; got shape {target.shape}")
        ev = combine(summaries, _fc_fit(summaries, target))
    sample_key, noise_key = jr.split(key)
    theta = {k: np.asarray(v) for k, v in posterior.sample(sample_key, x_obs, n).items()}
    space = ParameterSpace({name: list(values) for name, values in theta.items()}, kind="explicit")
    result = sweep(
        model, space, connectome, key=noise_key, params=params, evaluate=ev, store=store, batch_size=batch_size,
        progress=progress, **simulate_kwargs,
    )  # fmt: skip
    ds = result.dataset
    x = np.asarray(ds["summaries"].values)
    ok = np.asarray(ds["ok"].values, bool) & np.all(np.isfinite(x), axis=1)
    fc = np.asarray(ds["fc_correlation"].values) if target_fc is not None else None
    return PredictiveResult(theta, x, ok, fc, summaries.labels(n_nodes), result.store)
