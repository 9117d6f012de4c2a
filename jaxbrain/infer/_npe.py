r"""Neural posterior estimation: a conditional normalizing flow $q_\phi(u \mid x)$ trained on simulations.

With pairs $(\theta_i, x_i)$, $\theta_i \sim p(\theta)$, $x_i \sim p(x \mid \theta_i)$, maximising
$\frac1n \sum_i \log q_\phi(u_i \mid x_i)$ over the flow's parameters $\phi$ makes $q_\phi(\cdot \mid x)$ approach
the posterior $p(\theta \mid x)$ for every $x$ at once (amortised; Papamakarios & Murray 2016, Greenberg et al.
2019). Here $u = f^{-1}(\theta)$ are the prior's unconstrained values (:mod:`jaxbrain.infer._prior`), so samples
always lie in the prior's support, and the density on the support is
$\log p(\theta \mid x) = \log q_\phi(u \mid x) - \log|f'(u)|$. The flow sees standardised $u$ and $x$ (means and
standard deviations of the training set, kept with the posterior).

The flows are flowjax's (``masked_autoregressive_flow`` with affine or rational-quadratic-spline transformers);
training is a minibatch Adam loop with a held-out validation set, early stopping and the best validation
parameters kept, checkpointed after every epoch so an interrupted training resumes where it stopped.

References:
    Papamakarios G, Murray I (2016). Fast ε-free inference of simulation models with Bayesian conditional density
    estimation. NeurIPS 29. arXiv:1605.06376

    Greenberg D, Nonnenmacher M, Macke J (2019). Automatic posterior transformation for likelihood-free
    inference. ICML. arXiv:1905.07488
"""

from __future__ import annotations

import contextlib
import functools as ft
import json
import numbers
import os
import warnings

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax

from .. import _progress
from .._resume import RunLock, arrays_digest, check_same_run, load_checked, run_settings, save_checked
from ._prior import Prior, _check_key, _count, _float_dtype
from ._simulations import Simulations

FLOWS = ("maf", "nsf")
_FORMAT = 1
_WHAT = "posterior"
_CKPT = "posterior training"


def _flowjax():
    """flowjax and what it needs, imported on first use (the ``infer`` extra)."""
    try:
        import equinox as eqx
        import flowjax.bijections
        import flowjax.distributions
        import flowjax.flows
        import paramax
    except ImportError as err:
        raise ImportError(
            f'training or loading a posterior needs flowjax ({err}); install it with: pip install "jaxbrain[infer]"'
        ) from err
    return eqx, flowjax, paramax


@contextlib.contextmanager
def _promotion():
    # flowjax relies on numpy's implicit rank and dtype promotion; a session that made them strict (as the
    # tests do) would reject its internals.
    with jax.numpy_rank_promotion("allow"), jax.numpy_dtype_promotion("standard"):
        yield


def _build(config, key):
    eqx, flowjax, _ = _flowjax()
    dim, cond = config["dim"], config["cond_dim"]
    dtype = jnp.dtype(config["dtype"])
    transformer = None
    if config["flow"] == "nsf":
        transformer = flowjax.bijections.RationalQuadraticSpline(knots=config["knots"], interval=config["interval"])
    with _promotion():
        flow = flowjax.flows.masked_autoregressive_flow(
            key,
            base_dist=flowjax.distributions.Normal(jnp.zeros(dim, dtype)),
            transformer=transformer,
            cond_dim=cond,
            flow_layers=config["layers"],
            nn_width=config["hidden"],
        )
    # Every float leaf in the flow's dtype (under x64 flowjax makes some float64 whatever the base is).
    flow = jax.tree.map(lambda a: a.astype(dtype) if eqx.is_inexact_array(a) else a, flow)
    # The non-array part holds functions made afresh by every build (flowjax's parametrisations are lambdas): one
    # per configuration, so that compiled training and sampling functions, which take it as static, are reused.
    arrays, static = eqx.partition(flow, eqx.is_array)
    static = _STATIC.setdefault(json.dumps(config, sort_keys=True), static)
    return eqx.combine(arrays, static)


class Posterior:
    r"""An amortised posterior $p(\theta \mid x)$: a trained conditional flow over the prior's unconstrained values.

    Made by :func:`train_posterior` or :func:`load_posterior`.

    Attributes:
        prior: the :class:`~jaxbrain.infer.Prior`.
        labels: the summaries' labels (``S``).
        config: the flow's settings.
        history: ``(epochs, 2)`` training and validation loss (mean negative log density of standardised $u$).
        summaries: the :class:`~jaxbrain.infer.Summaries` the training data used, when known (not saved).
    """

    def __init__(self, flow, prior, x_mean, x_std, u_mean, u_std, config, labels, history, summaries=None):
        self.flow = flow
        self.prior = prior
        self.x_mean = np.asarray(x_mean)
        self.x_std = np.asarray(x_std)
        self.u_mean = np.asarray(u_mean)
        self.u_std = np.asarray(u_std)
        self.config = dict(config)
        self.labels = list(labels)
        self.history = np.asarray(history)
        self.summaries = summaries

    def __repr__(self):
        c = self.config
        return (
            f"Posterior({c['flow']}, {c['layers']} layers x {c['hidden']}, parameters {self.prior.labels}, "
            f"{c['cond_dim']} summaries, {len(self.history)} epochs)"
        )

    @property
    def dim(self):
        return self.prior.dim

    def _condition(self, x_obs, what):
        x = np.asarray(x_obs, dtype=np.float64)
        s = self.config["cond_dim"]
        if x.ndim not in (1, 2) or x.shape[-1] != s:
            raise ValueError(
                f"{what}: x_obs must be one observation ({s},) or a batch (M, {s}) of the summaries the posterior was "
                f"trained on; got shape {x.shape}"
            )
        if not np.all(np.isfinite(x)):
            raise ValueError(f"{what}: x_obs must be finite")
        dtype = jnp.dtype(self.config["dtype"])
        return jnp.asarray((x - self.x_mean) / self.x_std, dtype), x.ndim == 1

    def sample_unconstrained(self, key, x_obs, n):
        """``n`` samples of the unconstrained values: ``(n, dim)``, or ``(M, n, dim)`` for ``M`` observations."""
        _check_key(key, "Posterior.sample")
        n = _count(n, "Posterior.sample: n")
        cond, single = self._condition(x_obs, "Posterior.sample")
        with _promotion():
            u = _draw(self.flow, key, cond[None] if single else cond, n, self.u_mean, self.u_std)
        return u[0] if single else u

    def sample(self, key, x_obs, n):
        """``n`` posterior samples for the observed summaries ``x_obs`` (raw, as the summaries give them).

        Args:
            key: PRNG key.
            x_obs: ``(S,)`` one observation, or ``(M, S)``: ``M`` observations at once (amortised).
            n: samples per observation.

        Returns:
            dict name → ``(n, *shape)`` constrained values (``(M, n, *shape)`` for a batch).
        """
        return self.prior.from_unconstrained(self.sample_unconstrained(key, x_obs, n))

    def sample_flat(self, key, x_obs, n):
        """Like :meth:`sample`, flattened: ``(n, dim)`` or ``(M, n, dim)``, columns in ``prior.labels`` order."""
        u = self.sample_unconstrained(key, x_obs, n)
        return self.prior.flatten(self.prior.from_unconstrained(u.reshape(-1, self.dim))).reshape(u.shape)

    def log_prob(self, theta, x_obs):
        r"""$\log p(\theta \mid x)$, the density on the prior's support (``-inf`` outside it): ``(n,)``.

        Args:
            theta: dict name → ``(n, *shape)`` constrained values.
            x_obs: ``(S,)`` (the same observation for every ``theta``) or ``(n, S)`` (one each).
        """
        prior_lp = np.asarray(self.prior.log_prob(theta))
        inside = np.isfinite(prior_lp)
        values, n = self.prior._values(theta, "Posterior.log_prob")
        safe = {name: np.where(_broadcast_mask(inside, np.asarray(v)), np.asarray(v), _inner(d, v)) for (name, v), d in
                zip(values.items(), self.prior.distributions.values())}  # fmt: skip
        u = self.prior.to_unconstrained(safe)
        cond, single = self._condition(x_obs, "Posterior.log_prob")
        if not single and cond.shape[0] != n:
            raise ValueError(f"Posterior.log_prob: x_obs has {cond.shape[0]} rows for {n} parameter sets")
        cond = jnp.broadcast_to(cond, (n, cond.shape[-1]))
        with _promotion():
            lq = _log_q(self.flow, jnp.asarray(u, cond.dtype), cond, self.u_mean, self.u_std)
        lp = lq - self.prior.log_jacobian(jnp.asarray(u, cond.dtype))
        return jnp.where(jnp.asarray(inside), lp, -jnp.inf)

    def save(self, path):
        """Write the posterior to ``path`` (an ``.npz`` without pickle, with a checksum; atomic)."""
        eqx, _, _ = _flowjax()
        leaves = jax.tree.leaves(eqx.filter(self.flow, eqx.is_array))
        arrays = {f"leaf{i}": np.asarray(a) for i, a in enumerate(leaves)}
        arrays.update(x_mean=self.x_mean, x_std=self.x_std, u_mean=self.u_mean, u_std=self.u_std, history=self.history)
        meta = {
            "format": _FORMAT,
            "kind": "jaxbrain posterior",
            "prior": self.prior.spec(),
            "config": self.config,
            "labels": self.labels,
            "leaves": len(leaves),
        }
        save_checked(os.fspath(path), arrays, meta)


def _broadcast_mask(mask, v):
    return mask.reshape(mask.shape + (1,) * (v.ndim - 1))


def _inner(d, v):
    from ._prior import _inner_point

    return np.asarray(_inner_point(d, jnp.asarray(v)))


def load_posterior(path):
    """Read a posterior written by :meth:`Posterior.save` (``ValueError`` for a damaged or foreign file)."""
    arrays, meta = load_checked(os.fspath(path), _WHAT)
    if meta.get("kind") != "jaxbrain posterior" or meta.get("format") != _FORMAT:
        raise ValueError(f"{path} is not a jaxbrain posterior (format {_FORMAT}); it holds {meta.get('kind')!r}")
    eqx, _, _ = _flowjax()
    config = meta["config"]
    prior = Prior.from_spec(meta["prior"])
    skeleton = _build(config, jr.key(0))
    params, static = eqx.partition(skeleton, eqx.is_array)
    fresh, tree = jax.tree.flatten(params)
    if meta.get("leaves") != len(fresh) or any(f"leaf{i}" not in arrays for i in range(len(fresh))):
        raise ValueError(f"{path}: the stored flow has {meta.get('leaves')} arrays; its settings build {len(fresh)}")
    leaves = []
    for i, f in enumerate(fresh):
        a = arrays[f"leaf{i}"]
        if a.shape != f.shape:
            raise ValueError(f"{path}: flow array {i} has shape {a.shape}; the flow's settings give {f.shape}")
        leaves.append(jnp.asarray(a, f.dtype))
    flow = eqx.combine(jax.tree.unflatten(tree, leaves), static)
    return Posterior(
        flow, prior, arrays["x_mean"], arrays["x_std"], arrays["u_mean"], arrays["u_std"], config, meta["labels"],
        arrays["history"],
    )  # fmt: skip


def _training_data(data, prior):
    """``(u, x, labels, summaries)``: unconstrained parameters and summaries of the valid simulations."""
    if isinstance(data, Simulations):
        if data.prior.spec() != prior.spec():
            raise ValueError("the simulations were drawn from another prior than the one given")
        keep = np.asarray(data.ok, bool)
        theta = {k: np.asarray(v)[keep] for k, v in data.theta.items()}
        x = np.asarray(data.x)[keep]
        labels, summaries = list(data.labels), data.summaries
    elif isinstance(data, tuple) and len(data) == 2:
        theta, x = data
        if not isinstance(theta, dict):
            theta = prior.unflatten(np.asarray(theta, np.float64))
        x = np.asarray(x, np.float64)
        theta = {k: np.asarray(v) for k, v in theta.items()}
        if x.ndim != 2:
            raise ValueError(f"train_posterior: x must be (n, S) summaries; got shape {x.shape}")
        labels, summaries = [f"x[{i}]" for i in range(x.shape[1])], None
        lengths = {k: len(v) for k, v in theta.items()}
        if any(n != x.shape[0] for n in lengths.values()):
            raise ValueError(f"train_posterior: {x.shape[0]} summaries but parameter sets of lengths {lengths}")
        finite = np.all(np.isfinite(x), axis=1)
        if not finite.all():
            warnings.warn(
                f"train_posterior: {int((~finite).sum())} of {x.shape[0]} summary rows are not finite (rows "
                f"{np.flatnonzero(~finite)[:10].tolist()}...); they are left out of training",
                RuntimeWarning,
                stacklevel=3,
            )
        theta = {k: v[finite] for k, v in theta.items()}
        x = x[finite]
    else:
        raise TypeError(
            f"train_posterior takes Simulations (simulate_prior) or a pair (theta, x); got {type(data).__name__}"
        )
    u = np.asarray(prior.to_unconstrained(theta), np.float64)
    if u.shape[0] != x.shape[0]:
        raise ValueError(f"train_posterior: {u.shape[0]} parameter sets but {x.shape[0]} summaries")
    if u.shape[0] < 10:
        raise ValueError(f"train_posterior needs at least 10 valid simulations to train on; got {u.shape[0]}")
    return u, x, labels, summaries


def _standardise(a):
    mean, std = a.mean(axis=0), a.std(axis=0)
    return mean, np.where(std > 0, std, 1.0)


def train_posterior(
    data,
    prior,
    *,
    key,
    flow="maf",
    hidden=64,
    layers=5,
    max_epochs=500,
    batch_size=128,
    learning_rate=1e-3,
    validation_fraction=0.1,
    patience=50,
    knots=8,
    interval=5.0,
    checkpoint=None,
    progress=False,
):
    r"""Train an amortised posterior $q(\theta \mid x)$ on simulations by maximum likelihood.

    The valid simulations are split into training and validation sets (``validation_fraction``, at random from
    ``key``); each epoch runs Adam over shuffled minibatches of the training set (the last partial minibatch is
    left for the next shuffle), then evaluates the validation loss. Training stops after ``patience`` epochs
    without a better validation loss, or after ``max_epochs``; the parameters of the best validation loss are
    returned.

    Args:
        data: :class:`~jaxbrain.infer.Simulations` (failed ones are left out), or a pair ``(theta, x)`` with
            ``theta`` a dict name → ``(n, *shape)`` or a flat ``(n, dim)`` array and ``x`` ``(n, S)``.
        prior: the :class:`~jaxbrain.infer.Prior` the parameters were drawn from.
        key: PRNG key (flow initialisation, validation split, minibatch order).
        flow: ``"maf"`` (masked autoregressive flow, affine) or ``"nsf"`` (autoregressive rational-quadratic
            splines, ``knots`` knots on ``[-interval, interval]`` of the standardised values).
        hidden: width of the flow's conditioner networks.
        layers: number of flow layers.
        max_epochs: upper bound on the epochs (may be raised to continue a checkpointed training).
        batch_size: minibatch size (at most the training set).
        learning_rate: Adam's step size.
        validation_fraction: share of the simulations held out for early stopping, in (0, 0.5].
        patience: epochs without a better validation loss before stopping. 50 by default: in float32 a validation
            spike can last 20 epochs early on, and stopping there left Hopf gw's posterior too wide (SBC p 0.002;
            with 50, p 0.26-0.94 over five training keys, benchmarks/bench_infer.py's problem).
        knots, interval: the spline's settings (``flow="nsf"``).
        checkpoint: path of a checkpoint file (``.npz``), written after every epoch; training with the same data
            and settings resumes from it; another training's is refused (``ValueError`` naming what differs).
        progress: show a progress bar over epochs.

    Returns:
        A :class:`Posterior`.

    Raises:
        ImportError: flowjax is missing (``pip install "jaxbrain[infer]"``).

    Example:
        >>> posterior = train_posterior(sims, prior, key=jax.random.key(1))
        >>> samples = posterior.sample(jax.random.key(2), x_obs, 1000)
    """
    eqx, _, paramax = _flowjax()
    if not isinstance(prior, Prior):
        raise TypeError(f"prior must be a jaxbrain.infer.Prior; got {type(prior).__name__}")
    _check_key(key, "train_posterior")
    if flow not in FLOWS:
        raise ValueError(f"flow must be one of {FLOWS}; got {flow!r}")
    hidden = _count(hidden, "hidden")
    layers = _count(layers, "layers")
    max_epochs = _count(max_epochs, "max_epochs")
    batch_size = _count(batch_size, "batch_size")
    patience = _count(patience, "patience")
    knots = _count(knots, "knots", minimum=2)
    learning_rate = _real(learning_rate, "learning_rate")
    interval = _real(interval, "interval")
    validation_fraction = _real(validation_fraction, "validation_fraction")
    if validation_fraction > 0.5:
        raise ValueError(f"validation_fraction must be in (0, 0.5]; got {validation_fraction}")

    u, x, labels, summaries = _training_data(data, prior)
    dtype = _float_dtype()
    x_mean, x_std = _standardise(x)
    u_mean, u_std = _standardise(u)
    zs = jnp.asarray((u - u_mean) / u_std, dtype)
    cs = jnp.asarray((x - x_mean) / x_std, dtype)
    config = {
        "flow": flow, "hidden": hidden, "layers": layers, "dim": prior.dim, "cond_dim": int(x.shape[1]),
        "dtype": jnp.dtype(dtype).name, "knots": knots, "interval": interval,
    }  # fmt: skip
    init_key, split_key, epoch_key = jr.split(key, 3)
    n = u.shape[0]
    n_val = max(1, int(round(validation_fraction * n)))
    order = np.asarray(jr.permutation(split_key, n))
    val_rows, train_rows = order[:n_val], order[n_val:]
    batch = min(batch_size, len(train_rows))
    n_batches = len(train_rows) // batch

    model = _build(config, init_key)
    params, static = eqx.partition(
        model, eqx.is_inexact_array, is_leaf=lambda leaf: isinstance(leaf, paramax.NonTrainable)
    )
    optimiser = _optimiser(learning_rate)
    opt_state = optimiser.init(params)
    z_train, c_train = zs[train_rows], cs[train_rows]
    z_val, c_val = zs[val_rows], cs[val_rows]

    def epoch(p, state, k):
        return _epoch(p, static, state, k, z_train, c_train, z_val, c_val, optimiser, n_batches, batch)

    settings = run_settings(
        data=arrays_digest({"u": u, "x": x}), prior=prior.spec(), config=config, batch_size=batch_size,
        learning_rate=learning_rate, validation_fraction=validation_fraction, patience=patience, key=key,
    )  # fmt: skip
    best = params
    history, best_val, best_epoch = [], np.inf, -1
    path = None if checkpoint is None else os.fspath(checkpoint)
    with RunLock(path) if path is not None else contextlib.nullcontext():
        if path is not None and os.path.exists(path):
            params, opt_state, best, history, best_epoch = _load_checkpoint(path, settings, params, opt_state)
            best_val = history[best_epoch][1] if history else np.inf
        pbar = _progress.bar(
            bool(progress), total=max_epochs, initial=min(len(history), max_epochs), desc="npe", unit="epoch"
        )
        try:
            with _promotion():
                while len(history) < max_epochs and len(history) - 1 - best_epoch < patience:
                    params, opt_state, train_loss, val_loss = epoch(
                        params, opt_state, jr.fold_in(epoch_key, len(history))
                    )
                    train_loss, val_loss = float(train_loss), float(val_loss)
                    history.append((train_loss, val_loss))
                    if np.isfinite(val_loss) and val_loss < best_val:
                        best, best_val, best_epoch = params, val_loss, len(history) - 1
                    if path is not None:
                        _save_checkpoint(path, settings, params, opt_state, best, history, best_epoch)
                    pbar.update(1)
                    pbar.set_postfix_str(
                        f"train {_progress.number(train_loss)}, validation {_progress.number(val_loss)}"
                    )
        finally:
            pbar.close()
    if best_epoch < 0:
        raise ValueError("train_posterior: the validation loss was never finite; check the summaries for outliers")
    trained = eqx.combine(best, static)
    hist = np.asarray(history, np.float64).reshape(-1, 2)
    return Posterior(trained, prior, x_mean, x_std, u_mean, u_std, config, labels, hist, summaries)


@ft.lru_cache(maxsize=16)
def _optimiser(learning_rate):
    # One object per learning rate, so the compiled epoch (which takes it as a static argument) is reused.
    return optax.chain(optax.clip_by_global_norm(10.0), optax.adam(learning_rate))


def _nll(params, static, z, c):
    _, _, paramax = _flowjax()
    eqx = _flowjax()[0]
    return -jnp.mean(paramax.unwrap(eqx.combine(params, static)).log_prob(z, c))


def _epoch_impl(params, static, state, key, z_train, c_train, z_val, c_val, optimiser, n_batches, batch):
    """One epoch of Adam over shuffled minibatches; the mean training loss and the validation loss after it."""
    rows = jr.permutation(key, z_train.shape[0])[: n_batches * batch].reshape(n_batches, batch)

    def step(carry, idx):
        p, st = carry
        value, grads = jax.value_and_grad(_nll)(p, static, z_train[idx], c_train[idx])
        updates, st = optimiser.update(grads, st, p)
        return (optax.apply_updates(p, updates), st), value

    (params, state), values = jax.lax.scan(step, (params, state), rows)
    return params, state, jnp.mean(values), _nll(params, static, z_val, c_val)


def _draw_impl(flow, key, cond, n, u_mean, u_std):
    _, _, paramax = _flowjax()
    dist = paramax.unwrap(flow)
    z = jax.vmap(lambda k, c: dist.sample(k, (n,), condition=c))(jr.split(key, cond.shape[0]), cond)
    return z * jnp.asarray(u_std, z.dtype) + jnp.asarray(u_mean, z.dtype)


def _log_q_impl(flow, u, cond, u_mean, u_std):
    """log density of the standardised flow at ``u``, in unconstrained units (the standardisation's Jacobian)."""
    _, _, paramax = _flowjax()
    z = (u - jnp.asarray(u_mean, u.dtype)) / jnp.asarray(u_std, u.dtype)
    return paramax.unwrap(flow).log_prob(z, cond) - jnp.sum(jnp.log(jnp.asarray(u_std, u.dtype)))


_COMPILED = {}
_STATIC = {}


def _compiled(name, fn):
    # equinox's filter_jit traces arrays and keeps everything else static; one compiled function per structure and
    # shapes is then reused by every training and posterior (a retraining or a second posterior does not recompile).
    if name not in _COMPILED:
        eqx, _, _ = _flowjax()
        _COMPILED[name] = eqx.filter_jit(fn)
    return _COMPILED[name]


def _epoch(*args):
    return _compiled("epoch", _epoch_impl)(*args)


def _draw(flow, key, cond, n, u_mean, u_std):
    return _compiled("draw", _draw_impl)(flow, key, cond, n, u_mean, u_std)


def _log_q(flow, u, cond, u_mean, u_std):
    return _compiled("log_q", _log_q_impl)(flow, u, cond, u_mean, u_std)


def _real(value, what):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise TypeError(f"{what} must be a finite number; got {value!r}")
    if value <= 0:
        raise ValueError(f"{what} must be > 0; got {value!r}")
    return float(value)


def _save_checkpoint(path, settings, params, opt_state, best, history, best_epoch):
    leaves = jax.tree.leaves((params, opt_state, best))
    arrays = {f"leaf{i}": np.asarray(a) for i, a in enumerate(leaves)}
    arrays["history"] = np.asarray(history, np.float64).reshape(-1, 2)
    save_checked(
        path, arrays, {"settings": settings, "epochs": len(history), "best_epoch": best_epoch, "leaves": len(leaves)}
    )


def _load_checkpoint(path, settings, params, opt_state):
    arrays, meta = load_checked(path, _CKPT)
    check_same_run(path, meta.get("settings"), settings, _CKPT)
    fresh, tree = jax.tree.flatten((params, opt_state, params))
    if meta.get("leaves") != len(fresh) or any(f"leaf{i}" not in arrays for i in range(len(fresh))):
        raise ValueError(
            f"{path} does not hold this training's state ({meta.get('leaves')} arrays, expected {len(fresh)})"
        )
    leaves = []
    for i, f in enumerate(fresh):
        a = arrays[f"leaf{i}"]
        if a.shape != np.shape(f) or a.dtype != np.dtype(f.dtype):
            raise ValueError(
                f"{path}: state array {i} is {a.dtype}{list(a.shape)}, this training's is {f.dtype}{list(np.shape(f))}"
            )
        leaves.append(jnp.asarray(a))
    params, opt_state, best = jax.tree.unflatten(tree, leaves)
    history = [tuple(row) for row in np.asarray(arrays["history"]).tolist()]
    if meta.get("epochs") != len(history):
        raise ValueError(f"{path}: it says {meta.get('epochs')} epochs but holds {len(history)} losses")
    return params, opt_state, best, history, int(meta.get("best_epoch", -1))
