r"""Priors over a model's parameters: independent distributions, global or per region, and their map onto $\mathbb{R}$.

Each distribution has a support and a bijection from the unconstrained reals onto it, built from
:mod:`jaxbrain.fit`'s bijections: ``Uniform(low, high)`` uses ``Interval(low, high)``; ``LogUniform(low, high)``
uses ``Interval(log low, log high)`` followed by ``Exp()`` (so the unconstrained value is the logit of the
position on the *log* scale); ``Normal`` uses ``Identity()``; ``LogNormal`` uses ``Exp()`` (its unconstrained value
is the normal variable itself). A posterior estimated over the unconstrained values therefore never leaves the
support, and a density $p_y$ on the support becomes $p_u(u) = p_y(f(u))\,|f'(u)|$ on $\mathbb{R}$.

Point ``i`` of a draw is drawn from ``fold_in(key, i)`` (each parameter from its own split of it), so the same key
gives the same first points whatever ``n`` is.
"""

from __future__ import annotations

import abc
import dataclasses
import math
import numbers
from typing import final

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from ..fit import Exp, Identity, Interval, Positive


def _float_dtype():
    return jnp.float64 if jax.config.jax_enable_x64 else jnp.float32


def _shape(shape, what):
    if isinstance(shape, (numbers.Integral, np.integer)) and not isinstance(shape, bool):
        shape = (int(shape),)
    if not isinstance(shape, tuple) or not all(
        isinstance(s, (numbers.Integral, np.integer)) and not isinstance(s, bool) and s >= 1 for s in shape
    ):
        raise TypeError(f"{what}: shape must be () (a global parameter) or (n_nodes,) (per region); got {shape!r}")
    if len(shape) > 1:
        raise ValueError(
            f"{what}: shape must be () (a global parameter) or (n_nodes,) (per region), as the simulator takes a "
            f"scalar or one value per node; got {shape}"
        )
    return tuple(int(s) for s in shape)


def _bound(value, name, what, shape):
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{what}: {name} must be a number or an array of numbers; got {value!r}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what}: {name} must be finite; got {value!r}")
    try:
        np.broadcast_to(arr, shape)
    except ValueError:
        raise ValueError(f"{what}: {name} has shape {arr.shape}, which does not broadcast to shape {shape}") from None
    return arr


def _checked(dist, first, second):
    """``(shape, first, second)`` of ``dist`` checked: the shape, and its two parameters (by name) finite and
    broadcasting to it. The caller checks their relation, then stores them with :func:`_store`."""
    what = type(dist).__name__
    shape = _shape(dist.shape, what)
    return shape, _bound(getattr(dist, first), first, what, shape), _bound(getattr(dist, second), second, what, shape)


def _store(dist, **values):
    for name, value in values.items():
        object.__setattr__(dist, name, value)


def _plain(arr):
    arr = np.asarray(arr, np.float64)
    return float(arr) if arr.ndim == 0 else arr.tolist()


class AbstractDistribution(abc.ABC):
    """One parameter's prior: a distribution over a scalar (``shape=()``) or one value per region (``(N,)``)."""

    shape: tuple

    @abc.abstractmethod
    def bijections(self):
        """The fit bijections, applied in order, mapping the unconstrained reals onto the support."""

    @abc.abstractmethod
    def _sample(self, key, dtype):
        """One draw of shape ``self.shape``."""

    @abc.abstractmethod
    def _log_density(self, y):
        """Elementwise log density on the support (``y``: ``(..., *shape)``)."""

    @abc.abstractmethod
    def _inside(self, y):
        """Elementwise: whether ``y`` lies in the (open) support."""

    @abc.abstractmethod
    def spec(self):
        """The distribution as plain JSON (to save a posterior without pickle)."""

    @property
    def size(self):
        return math.prod(self.shape)


def _log_jacobian(bijection, u):
    """Elementwise ``log |f'(u)|`` of a fit bijection, in closed form (finite for all finite ``u``)."""
    if isinstance(bijection, Identity):
        return jnp.zeros_like(u)
    if isinstance(bijection, Exp):
        return u + jnp.log(jnp.asarray(bijection.scale, u.dtype))
    if isinstance(bijection, Positive):
        return jax.nn.log_sigmoid(u) + jnp.log(jnp.asarray(bijection.scale, u.dtype))
    if isinstance(bijection, Interval):
        width = jnp.asarray(bijection.high, u.dtype) - jnp.asarray(bijection.low, u.dtype)
        return jnp.log(width) + jax.nn.log_sigmoid(u) + jax.nn.log_sigmoid(-u)
    raise TypeError(f"no log-Jacobian for the bijection {type(bijection).__name__}")


def forward(dist, u):
    """Unconstrained ``u`` → the distribution's support, and ``log |dy/du|`` elementwise."""
    log_jac = jnp.zeros_like(u)
    for b in dist.bijections():
        log_jac = log_jac + _log_jacobian(b, u)
        u = b.forward(u)
    return u, log_jac


def inverse(dist, y):
    """The support → the unconstrained reals (raises for concrete values outside the support)."""
    for b in reversed(dist.bijections()):
        y = b.inverse(y)
    return y


def _open(y, low, high):
    """``y`` moved onto the open interval ``(low, high)`` where rounding put it on a bound."""
    low = jnp.asarray(low, y.dtype)
    high = jnp.asarray(high, y.dtype)
    return jnp.clip(y, jnp.nextafter(low, high), jnp.nextafter(high, low))


@final
@dataclasses.dataclass(frozen=True, eq=False)
class Uniform(AbstractDistribution):
    r"""Uniform on the open interval $(a, b)$: $p(y) = 1 / (b - a)$.

    Args:
        low: $a$, finite; a scalar, or one bound per region broadcasting to ``shape``.
        high: $b > a$, finite, like ``low``.
        shape: ``()`` for a global parameter, ``(N,)`` for one independent value per region.

    Example:
        >>> Uniform(0.0, 3.0).shape
        ()
    """

    low: float | np.ndarray
    high: float | np.ndarray
    shape: tuple = ()

    def __post_init__(self):
        shape, low, high = _checked(self, "low", "high")
        if np.any(low >= high):
            raise ValueError(f"Uniform needs low < high; got low={self.low!r}, high={self.high!r}")
        _store(self, shape=shape, low=low, high=high)

    def bijections(self):
        return (Interval(self.low, self.high),)

    def _sample(self, key, dtype):
        low, high = jnp.asarray(self.low, dtype), jnp.asarray(self.high, dtype)
        return _open(jr.uniform(key, self.shape, dtype, low, high), low, high)

    def _log_density(self, y):
        return jnp.broadcast_to(-jnp.log(jnp.asarray(self.high - self.low, y.dtype)), y.shape)

    def _inside(self, y):
        return (y > jnp.asarray(self.low, y.dtype)) & (y < jnp.asarray(self.high, y.dtype))

    def spec(self):
        return {"type": "Uniform", "low": _plain(self.low), "high": _plain(self.high), "shape": list(self.shape)}


@final
@dataclasses.dataclass(frozen=True, eq=False)
class LogUniform(AbstractDistribution):
    r"""Log-uniform (reciprocal) on $(a, b)$, $0 < a < b$: $\log y$ is uniform, $p(y) = 1 / (y \log(b / a))$.

    Args:
        low: $a > 0$; a scalar, or one bound per region broadcasting to ``shape``.
        high: $b > a$, like ``low``.
        shape: ``()`` or ``(N,)``.

    Example:
        >>> LogUniform(0.01, 0.2).spec()["type"]
        'LogUniform'
    """

    low: float | np.ndarray
    high: float | np.ndarray
    shape: tuple = ()

    def __post_init__(self):
        shape, low, high = _checked(self, "low", "high")
        if np.any(low <= 0):
            raise ValueError(f"LogUniform needs low > 0; got low={self.low!r}")
        if np.any(low >= high):
            raise ValueError(f"LogUniform needs low < high; got low={self.low!r}, high={self.high!r}")
        _store(self, shape=shape, low=low, high=high)

    def bijections(self):
        return (Interval(np.log(self.low), np.log(self.high)), Exp())

    def _sample(self, key, dtype):
        log_low, log_high = jnp.asarray(np.log(self.low), dtype), jnp.asarray(np.log(self.high), dtype)
        y = jnp.exp(jr.uniform(key, self.shape, dtype, log_low, log_high))
        return _open(y, self.low, self.high)

    def _log_density(self, y):
        return -jnp.log(y) - jnp.log(jnp.asarray(np.log(self.high / self.low), y.dtype))

    def _inside(self, y):
        return (y > jnp.asarray(self.low, y.dtype)) & (y < jnp.asarray(self.high, y.dtype))

    def spec(self):
        return {"type": "LogUniform", "low": _plain(self.low), "high": _plain(self.high), "shape": list(self.shape)}


@final
@dataclasses.dataclass(frozen=True, eq=False)
class Normal(AbstractDistribution):
    r"""Normal with mean $\mu$ and standard deviation $\sigma > 0$ on $\mathbb{R}$.

    Args:
        loc: $\mu$, finite; a scalar or per region.
        scale: $\sigma > 0$, like ``loc``.
        shape: ``()`` or ``(N,)``.
    """

    loc: float | np.ndarray
    scale: float | np.ndarray
    shape: tuple = ()

    def __post_init__(self):
        shape, loc, scale = _checked(self, "loc", "scale")
        if np.any(scale <= 0):
            raise ValueError(f"Normal needs scale > 0; got scale={self.scale!r}")
        _store(self, shape=shape, loc=loc, scale=scale)

    def bijections(self):
        return (Identity(),)

    def _sample(self, key, dtype):
        return jnp.asarray(self.loc, dtype) + jnp.asarray(self.scale, dtype) * jr.normal(key, self.shape, dtype)

    def _log_density(self, y):
        z = (y - jnp.asarray(self.loc, y.dtype)) / jnp.asarray(self.scale, y.dtype)
        return -0.5 * z * z - jnp.log(jnp.asarray(self.scale, y.dtype)) - 0.5 * math.log(2 * math.pi)

    def _inside(self, y):
        return jnp.isfinite(y)

    def spec(self):
        return {"type": "Normal", "loc": _plain(self.loc), "scale": _plain(self.scale), "shape": list(self.shape)}


@final
@dataclasses.dataclass(frozen=True, eq=False)
class LogNormal(AbstractDistribution):
    r"""Log-normal: $\log y \sim \mathcal{N}(\mu, \sigma^2)$, $p(y) = \mathcal{N}(\log y; \mu, \sigma^2) / y$, $y > 0$.

    Args:
        loc: $\mu$, the mean of $\log y$; a scalar or per region.
        scale: $\sigma > 0$, the standard deviation of $\log y$.
        shape: ``()`` or ``(N,)``.
    """

    loc: float | np.ndarray
    scale: float | np.ndarray
    shape: tuple = ()

    def __post_init__(self):
        shape, loc, scale = _checked(self, "loc", "scale")
        if np.any(scale <= 0):
            raise ValueError(f"LogNormal needs scale > 0; got scale={self.scale!r}")
        _store(self, shape=shape, loc=loc, scale=scale)

    def bijections(self):
        return (Exp(),)

    def _sample(self, key, dtype):
        z = jr.normal(key, self.shape, dtype)
        y = jnp.exp(jnp.asarray(self.loc, dtype) + jnp.asarray(self.scale, dtype) * z)
        return jnp.maximum(y, jnp.finfo(dtype).tiny)

    def _log_density(self, y):
        safe = jnp.where(y > 0, y, 1.0)
        z = (jnp.log(safe) - jnp.asarray(self.loc, y.dtype)) / jnp.asarray(self.scale, y.dtype)
        return -0.5 * z * z - jnp.log(jnp.asarray(self.scale, y.dtype) * safe) - 0.5 * math.log(2 * math.pi)

    def _inside(self, y):
        return (y > 0) & jnp.isfinite(y)

    def spec(self):
        return {"type": "LogNormal", "loc": _plain(self.loc), "scale": _plain(self.scale), "shape": list(self.shape)}


DISTRIBUTIONS = {cls.__name__: cls for cls in (Uniform, LogUniform, Normal, LogNormal)}


def distribution_from_spec(spec):
    """Rebuild a distribution from :meth:`AbstractDistribution.spec`."""
    if not isinstance(spec, dict) or spec.get("type") not in DISTRIBUTIONS:
        raise ValueError(f"not a distribution description: {spec!r}; known types: {sorted(DISTRIBUTIONS)}")
    args = {k: (np.asarray(v) if isinstance(v, list) else v) for k, v in spec.items() if k not in ("type", "shape")}
    return DISTRIBUTIONS[spec["type"]](**args, shape=tuple(spec.get("shape", ())))


class Prior:
    r"""Independent priors over named model parameters: $p(\theta) = \prod_k p_k(\theta_k)$.

    The parameters are flattened in the order given (a per-region parameter contributes its ``N`` values), which is
    the column order of :meth:`flatten`, of the unconstrained vectors the posterior is estimated over, and of
    :attr:`labels`.

    Args:
        distributions: dict parameter name → distribution (:class:`Uniform`, :class:`LogUniform`,
            :class:`Normal`, :class:`LogNormal`). The names are checked against the model's parameters when
            simulating.

    Example:
        >>> prior = Prior({"K_gl": Uniform(0.0, 3.0), "sigma_ou": LogUniform(0.01, 0.2)})
        >>> prior.dim, prior.labels
        (2, ['K_gl', 'sigma_ou'])
        >>> prior.sample(jax.random.key(0), 5)["K_gl"].shape
        (5,)
    """

    def __init__(self, distributions):
        if not isinstance(distributions, dict) or not distributions:
            raise TypeError(
                "Prior takes a non-empty dict parameter name -> distribution, e.g. "
                f"{{'K_gl': Uniform(0.0, 3.0)}}; got {type(distributions).__name__} {distributions!r}"
            )
        for name, dist in distributions.items():
            if not isinstance(name, str) or not name:
                raise TypeError(f"Prior: parameter names must be non-empty strings; got {name!r}")
            if not isinstance(dist, AbstractDistribution):
                raise TypeError(
                    f"Prior: the prior of {name!r} must be one of {sorted(DISTRIBUTIONS)} (jaxbrain.infer); "
                    f"got {type(dist).__name__}"
                )
        self.distributions = dict(distributions)

    @property
    def names(self):
        """The parameter names, in order."""
        return list(self.distributions)

    @property
    def dim(self):
        """The total number of flattened values (a per-region parameter counts ``N``)."""
        return sum(d.size for d in self.distributions.values())

    @property
    def labels(self):
        """One label per flattened column: ``"K_gl"`` for a global parameter, ``"a[3]"`` for region 3's ``a``."""
        out = []
        for name, d in self.distributions.items():
            out.extend([name] if d.shape == () else [f"{name}[{i}]" for i in range(d.size)])
        return out

    def spec(self):
        """The prior as plain JSON (see :meth:`from_spec`)."""
        return {name: d.spec() for name, d in self.distributions.items()}

    @classmethod
    def from_spec(cls, spec):
        """Rebuild a prior from :meth:`spec`."""
        if not isinstance(spec, dict):
            raise ValueError(f"not a prior description: {spec!r}")
        return cls({name: distribution_from_spec(s) for name, s in spec.items()})

    def __repr__(self):
        return f"Prior({', '.join(f'{n}: {d.spec()}' for n, d in self.distributions.items())})"

    def sample(self, key, n):
        """``n`` draws: dict name → ``(n, *shape)``; point ``i`` comes from ``fold_in(key, i)``.

        Args:
            key: a JAX PRNG key.
            n: the number of points (>= 1).
        """
        _check_key(key, "Prior.sample")
        n = _count(n, "Prior.sample: n")
        dtype = _float_dtype()
        dists = list(self.distributions.values())

        def one(i):
            keys = jr.split(jr.fold_in(key, i), len(dists))
            return [d._sample(k, dtype) for d, k in zip(dists, keys)]

        draws = jax.jit(jax.vmap(one))(jnp.arange(n, dtype=jnp.uint32))
        return {name: np.asarray(v) for name, v in zip(self.distributions, draws)}

    def _values(self, values, what):
        """``values`` checked against the prior: dict name → ``(n, *shape)`` float arrays, and ``n``."""
        if not isinstance(values, dict):
            raise TypeError(f"{what}: give a dict parameter name -> values; got {type(values).__name__}")
        missing = [n for n in self.distributions if n not in values]
        extra = [n for n in values if n not in self.distributions]
        if missing or extra:
            raise KeyError(
                f"{what}: the values must name exactly the prior's parameters {self.names}; "
                f"missing {missing}, unknown {extra}"
            )
        out, n = {}, None
        for name, d in self.distributions.items():
            arr = jnp.asarray(values[name])
            if not jnp.issubdtype(arr.dtype, jnp.floating):
                arr = arr.astype(_float_dtype())
            if arr.shape[1:] != d.shape or arr.ndim != len(d.shape) + 1:
                raise ValueError(
                    f"{what}: {name!r} must have shape (n, {', '.join(map(str, d.shape))}); got {arr.shape}"
                )
            if n is not None and arr.shape[0] != n:
                raise ValueError(
                    f"{what}: every parameter needs the same number of points; {name!r} has {arr.shape[0]}"
                )
            n = arr.shape[0]
            out[name] = arr
        return out, n

    def log_prob(self, values):
        """The prior log density of each point, ``(n,)`` (``-inf`` outside the support).

        Args:
            values: dict name → ``(n, *shape)`` constrained values.
        """
        values, _ = self._values(values, "Prior.log_prob")
        total = 0.0
        for name, d in self.distributions.items():
            y = values[name]
            inside = d._inside(y)
            dens = jnp.where(inside, d._log_density(jnp.where(inside, y, _inner_point(d, y))), -jnp.inf)
            total = total + jnp.sum(dens.reshape(dens.shape[0], -1), axis=1)
        return total

    def flatten(self, values):
        """dict name → ``(n, *shape)`` to one ``(n, dim)`` array, columns in :attr:`labels` order."""
        values, n = self._values(values, "Prior.flatten")
        dtype = jnp.result_type(*values.values())
        return jnp.concatenate([v.reshape(n, -1).astype(dtype) for v in values.values()], axis=1)

    def unflatten(self, array):
        """``(n, dim)`` (or ``(..., dim)``) to dict name → ``(..., *shape)``; the inverse of :meth:`flatten`."""
        array = jnp.asarray(array)
        if array.ndim < 1 or array.shape[-1] != self.dim:
            raise ValueError(
                f"Prior.unflatten: the last axis must have the prior's {self.dim} values; got {array.shape}"
            )
        out, start = {}, 0
        lead = array.shape[:-1]
        for name, d in self.distributions.items():
            out[name] = array[..., start : start + d.size].reshape(*lead, *d.shape)
            start += d.size
        return out

    def to_unconstrained(self, values):
        """dict of constrained values → ``(n, dim)`` unconstrained values (``ValueError`` outside the support)."""
        values, _ = self._values(values, "Prior.to_unconstrained")
        for name, d in self.distributions.items():
            inside = np.asarray(d._inside(values[name]))
            if not inside.all():
                bad = np.asarray(values[name])[~inside][:5].tolist()
                raise ValueError(f"Prior.to_unconstrained: values of {name!r} lie outside its prior's support: {bad}")
        # Traced, fit's inverses clip instead of raising: a value inside the support that rounds onto a bound on the
        # way (the log of a LogUniform draw next to its lower bound) maps to a large finite value.
        dists = self.distributions
        raw = jax.jit(lambda v: {name: inverse(d, v[name]) for name, d in dists.items()})(values)
        return self.flatten(raw)

    def from_unconstrained(self, array):
        """``(..., dim)`` unconstrained values → dict name → ``(..., *shape)`` constrained values."""
        u = self.unflatten(array)
        return {name: forward(d, u[name])[0] for name, d in self.distributions.items()}

    def log_jacobian(self, array):
        r"""$\sum_k \log |dy_k/du_k|$ of the map from unconstrained ``(..., dim)`` values to the support: ``(...)``."""
        u = self.unflatten(array)
        lead = jnp.asarray(array).shape[:-1]
        total = jnp.zeros(lead, jnp.asarray(array).dtype)
        for name, d in self.distributions.items():
            lj = forward(d, u[name])[1]
            total = total + jnp.sum(lj.reshape(*lead, -1), axis=-1)
        return total

    def log_prob_unconstrained(self, array):
        r"""The prior's density over the unconstrained values, $\log p_y(f(u)) + \log|f'(u)|$: ``(...)``."""
        values = self.from_unconstrained(array)
        lead = jnp.asarray(array).shape[:-1]
        total = self.log_jacobian(array)
        for name, d in self.distributions.items():
            dens = d._log_density(values[name])
            total = total + jnp.sum(dens.reshape(*lead, -1), axis=-1)
        return total


def _inner_point(d, y):
    """A point inside the support, to evaluate a density where ``y`` is outside (the result is masked)."""
    if isinstance(d, (Uniform, LogUniform)):
        return jnp.broadcast_to(jnp.asarray(0.5 * (d.low + d.high), y.dtype), y.shape)
    return jnp.ones_like(y)


def _check_key(key, what):
    if not (hasattr(key, "dtype") and jnp.issubdtype(key.dtype, jax.dtypes.prng_key)) or jnp.ndim(key) != 0:
        raise TypeError(f"{what}: key must be one JAX PRNG key (jax.random.key(seed)); got {key!r}")
    return key


def _count(n, what, minimum=1):
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (numbers.Integral, np.integer)):
        raise TypeError(f"{what} must be a whole number; got {type(n).__name__} {n!r}")
    if n < minimum:
        raise ValueError(f"{what} must be >= {minimum}; got {n}")
    return int(n)
