"""Simulations for inference: parameters drawn from a prior, simulated in batches, reduced to summaries.

The draws become an explicit :class:`~jaxbrain.explore.ParameterSpace` and run through
:func:`jaxbrain.explore.sweep` with the :class:`~jaxbrain.infer.Summaries` as its evaluator, so everything a sweep
does holds here: batches are simulated natively (one compiled plan), reduced on the device, written to a zarr
store as they finish, and a rerun on the same store computes only the batches that are missing (a crash loses at
most the batch in flight); a store of other draws (another prior, key or ``n``), summaries or settings is refused
with a ``ValueError`` naming what differs.

Keys: ``key`` is split into a prior key and a noise key. Point ``i`` is drawn from ``fold_in(prior_key, i)`` and
simulated with ``fold_in(noise_key, i)``, so the first ``m`` points of ``n`` are those of any larger ``n``.
"""

from __future__ import annotations

import json
import warnings
from typing import Any, NamedTuple

import jax.random as jr
import numpy as np

from ..explore import ParameterSpace, sweep
from ..models import get_model
from ..network import Connectome
from ._prior import Prior, _check_key, _count
from ._summaries import Summaries


class Simulations(NamedTuple):
    """Simulated parameter draws and their summaries.

    Attributes:
        theta: dict name → ``(n, *shape)`` constrained parameter values.
        x: ``(n, S)`` summaries (NaN where a simulation failed).
        ok: ``(n,)`` bool: the simulation stayed finite and all its summaries are finite.
        prior: the :class:`~jaxbrain.infer.Prior` drawn from.
        labels: the summaries' labels, ``S`` of them.
        store: the sweep's :class:`~jaxbrain.explore.SweepStore` (``None`` for data given as arrays).
        failed: one dict of parameter values per failed simulation.
        summaries: the :class:`~jaxbrain.infer.Summaries` (``None`` when not known).
    """

    theta: dict
    x: np.ndarray
    ok: np.ndarray
    prior: Any
    labels: list
    store: Any = None
    failed: list | tuple = ()
    summaries: Any = None

    @property
    def n(self):
        """The number of simulations."""
        return len(self.ok)

    @property
    def theta_flat(self):
        """``(n, dim)`` flattened parameters (columns in ``prior.labels`` order)."""
        return np.asarray(self.prior.flatten(self.theta))

    def subset(self, index):
        """The simulations at ``index`` (a slice, integer array or boolean mask)."""
        if isinstance(index, slice):
            rows = np.arange(self.n)[index]
        else:
            rows = np.asarray(index)
            rows = np.flatnonzero(rows) if rows.dtype == bool else rows.astype(np.int64)
        return self._replace(
            theta={k: np.asarray(v)[rows] for k, v in self.theta.items()},
            x=self.x[rows],
            ok=self.ok[rows],
            failed=(),
        )

    def valid(self):
        """Only the simulations that did not fail."""
        return self.subset(self.ok)

    def split(self, n_test):
        """``(train, test)``: the last ``n_test`` valid simulations are the test set, the other valid ones train.

        Held-out simulations never enter training, so the test set calibrates the posterior
        (:func:`~jaxbrain.infer.sbc`, :func:`~jaxbrain.infer.coverage`).
        """
        n_test = _count(n_test, "Simulations.split: n_test")
        good = np.flatnonzero(self.ok)
        if n_test >= len(good):
            raise ValueError(f"Simulations.split: n_test={n_test} leaves nothing to train on ({len(good)} valid)")
        return self.subset(good[:-n_test]), self.subset(good[-n_test:])


def simulate_prior(
    model,
    prior,
    summaries,
    connectome=None,
    *,
    n,
    key,
    params=None,
    store=None,
    batch_size=None,
    progress=False,
    on_batch=None,
    **simulate_kwargs,
):
    """Draw ``n`` parameter sets from ``prior``, simulate them in batches and keep their summaries.

    Args:
        model: a model bundle or registry name (e.g. ``"hopf"``).
        prior: a :class:`~jaxbrain.infer.Prior` over some of the model's parameters (global or per region).
        summaries: a :class:`~jaxbrain.infer.Summaries`, evaluated on the device for every simulation.
        connectome: the network (default one node).
        n: the number of simulations.
        key: PRNG key, split into the prior's key and the simulations' noise key.
        params: the model's other parameters (Params or dict), fixed for every simulation.
        store: directory of the sweep's zarr store; rerunning with the same store resumes (only missing batches
            are simulated). Default: a temporary store.
        batch_size: simulations per compiled run (default: from the free memory; see
            :func:`~jaxbrain.explore.sweep`).
        progress: show a progress bar.
        on_batch: called with each batch index once it is stored.
        **simulate_kwargs: ``duration``, ``dt``, ``sampling_dt``, ``signalV``, ``bold``, ``chunksize``, ``dtype``,
            ``backend`` as for :func:`jaxbrain.simulate` (durations in ms).

    Returns:
        :class:`Simulations`. Failed simulations (diverged, or a non-finite summary) are reported with a
        ``RuntimeWarning`` naming their parameters, flagged ``ok=False`` and left out of training.

    Raises:
        ValueError: a prior parameter the model does not have, a per-region prior whose size is not the
            network's, or a store of another run.

    Example:
        >>> prior = Prior({"K_gl": Uniform(0.0, 3.0), "sigma_ou": LogUniform(0.01, 0.2)})
        >>> summ = Summaries(fc_summary(), signal_stats(), signal="x", transient_ms=100.0)
        >>> sims = simulate_prior("hopf", prior, summ, net, n=1000, key=jax.random.key(0), duration=300.0)
    """
    model = get_model(model)
    if not isinstance(prior, Prior):
        raise TypeError(f"prior must be a jaxbrain.infer.Prior; got {type(prior).__name__}")
    if not isinstance(summaries, Summaries):
        raise TypeError(f"summaries must be a jaxbrain.infer.Summaries; got {type(summaries).__name__}")
    connectome = Connectome.single_node() if connectome is None else connectome
    if not isinstance(connectome, Connectome):
        raise TypeError(f"connectome must be a jaxbrain Connectome; got {type(connectome).__name__}")
    check_prior(prior, model, connectome.n_nodes)
    if isinstance(params, dict):
        clash = sorted(set(params) & set(prior.names))
        if clash:
            raise ValueError(f"params fixes {clash}, which the prior draws: give each parameter in one place only")
    n = _count(n, "n")
    _check_key(key, "simulate_prior")
    if summaries.bold and not simulate_kwargs.get("bold", False):
        raise ValueError("the summaries read the BOLD signal: pass bold=True")
    prior_key, noise_key = jr.split(key)
    theta = prior.sample(prior_key, n)
    space = ParameterSpace({name: list(values) for name, values in theta.items()}, kind="explicit")
    result = sweep(
        model,
        space,
        connectome,
        key=noise_key,
        params=params,
        evaluate=summaries,
        store=store,
        batch_size=batch_size,
        progress=progress,
        on_batch=on_batch,
        **simulate_kwargs,
    )
    return _collect(result, theta, prior, summaries, connectome.n_nodes)


def check_prior(prior, model, n_nodes):
    """Refuse a prior over parameters ``model`` does not have, or per-region priors of another size."""
    fields = model.Params._fields
    unknown = [name for name in prior.names if name not in fields]
    if unknown:
        raise ValueError(
            f"the prior names {unknown}, which model {model.name!r} does not have; its parameters: {list(fields)}"
        )
    for name, d in prior.distributions.items():
        if d.shape and d.shape != (n_nodes,):
            raise ValueError(
                f"the prior of {name!r} has shape {d.shape}; a per-region parameter of this network needs ({n_nodes},)"
            )


def _collect(result, theta, prior, summaries, n_nodes):
    ds = result.dataset
    x = np.asarray(ds["summaries"].values)
    ran = np.asarray(ds["ok"].values, bool) & np.asarray(ds["done"].values, bool)
    finite = np.all(np.isfinite(x), axis=1)
    ok = ran & finite
    bad_summary = np.flatnonzero(ran & ~finite)
    labels = summaries.labels(n_nodes)
    if bad_summary.size:
        cols = np.flatnonzero(~np.all(np.isfinite(x[bad_summary]), axis=0))
        shown = "; ".join(json.dumps(_point(theta, i)) for i in bad_summary[:5])
        more = f" (and {bad_summary.size - 5} more)" if bad_summary.size > 5 else ""
        warnings.warn(
            f"{bad_summary.size} of {len(ok)} simulations have non-finite summaries "
            f"({[labels[c] for c in cols[:5]]}); they are excluded from training: {shown}{more}",
            RuntimeWarning,
            stacklevel=3,
        )
    failed = [_point(theta, i) for i in np.flatnonzero(~ok)]
    return Simulations(theta, x, ok, prior, labels, result.store, failed, summaries)


def _point(theta, i):
    return {name: np.asarray(v[i]).tolist() for name, v in theta.items()}
