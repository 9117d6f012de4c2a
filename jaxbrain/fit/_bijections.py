r"""Bijections between unconstrained reals and bounded parameter domains, for gradient-based fitting.

An optimiser works on *raw* (unconstrained) values $u \in \mathbb{R}$; a bijection's `forward` maps them to
the model's *constrained* parameter $y = f(u)$ in its domain, and `inverse` maps an initial guess back,
$u = f^{-1}(y)$. Every bijection is elementwise, pure `jax.numpy`, and works on scalars and arrays under
`jit`, `grad` and `vmap`; bounds may be scalars or arrays that broadcast against the values (e.g. per-node
bounds of shape `(n_nodes,)`).

Values outside a domain (decision for the whole package): `inverse` *raises* `ValueError` when it is
called on concrete values (the usual case: transforming an initial guess before the optimisation loop). Under
tracing (`jit`, `grad`, `vmap`), where raising is impossible, it *clips* them to the nearest representable
interior value instead, so the result is finite for any input that is not NaN. A value exactly on a bound is outside the
(open) domain. In floating point `forward` can round to a bound itself for extreme raw values (e.g.
$|u| \gtrsim 37$ for `Interval` in float64); such a value no longer has an inverse.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Mapping
from typing import final

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float


def _as_float(x: ArrayLike) -> Array:
    x = jnp.asarray(x)
    # Integer input would otherwise meet float intermediates under strict dtype promotion.
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(jnp.result_type(float))
    return x


def _check_domain(y: Array, ok, name: str, domain: str) -> None:
    # Only concrete values can be checked; traced ones are clipped by the caller instead.
    if isinstance(y, jax.core.Tracer):
        return
    ok = np.asarray(ok)
    if not np.all(ok):
        bad = np.broadcast_to(np.asarray(y), ok.shape)[~ok]
        raise ValueError(f"{name}.inverse: values must lie in {domain}; got {bad[:5].tolist()}.")


def _check_bound(value, what: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"`{what}` must be finite; got {value!r}.")
    return arr


def _check_scale(scale) -> None:
    if np.any(_check_bound(scale, "scale") <= 0):
        raise ValueError(f"`scale` must be positive; got {scale!r}.")


class AbstractBijection(abc.ABC):
    r"""An elementwise bijection $f: \mathbb{R} \to D$ onto a parameter domain $D$.

    Subclass it (and mark the subclass `@typing.final`) to add a bijection: implement `forward`
    ($u \mapsto y$) and `inverse` ($y \mapsto u$), both pure `jax.numpy` and elementwise.
    """

    @abc.abstractmethod
    def forward(self, x: Float[ArrayLike, "*shape"]) -> Float[Array, "*shape"]:
        """Map unconstrained values to the constrained domain."""

    @abc.abstractmethod
    def inverse(self, y: Float[ArrayLike, "*shape"]) -> Float[Array, "*shape"]:
        """Map constrained values back to unconstrained reals."""


@final
@dataclasses.dataclass(frozen=True, eq=False)
class Identity(AbstractBijection):
    r"""The identity, $y = u$, for unbounded parameters.

    Example:
        >>> float(Identity().forward(-2.5))
        -2.5
    """

    def forward(self, x: Float[ArrayLike, "*shape"]) -> Float[Array, "*shape"]:
        return _as_float(x)

    def inverse(self, y: Float[ArrayLike, "*shape"]) -> Float[Array, "*shape"]:
        return _as_float(y)


@final
@dataclasses.dataclass(frozen=True, eq=False)
class Positive(AbstractBijection):
    r"""Softplus onto the positive reals, $(0, \infty)$.

    $$y = s \log(1 + e^{u}), \qquad u = \log\!\big(e^{y/s} - 1\big) = \frac{y}{s} + \log\!\big(1 - e^{-y/s}\big)$$

    The inverse is evaluated in the second form (`log(-expm1(-y/s))`), which neither overflows for large
    $y$ nor loses precision for small $y$. Unlike `Exp`, softplus is asymptotically linear, so a gradient step
    in $u$ changes a large $y$ by a bounded amount.

    Args:
        scale: $s > 0$, the parameter's typical magnitude in its own unit (e.g. 20.0 for a time constant
            in ms), so that raw values of order 1 map to parameters of order $s$; default 1.

    Example:
        >>> round(float(Positive().forward(0.0)), 6)
        0.693147
    """

    scale: float = 1.0

    def __post_init__(self):
        _check_scale(self.scale)

    def forward(self, x: Float[ArrayLike, "*shape"]) -> Float[Array, "*shape"]:
        x = _as_float(x)
        return jnp.asarray(self.scale, dtype=x.dtype) * jax.nn.softplus(x)

    def inverse(self, y: Float[ArrayLike, "*shape"]) -> Float[Array, "*shape"]:
        y = _as_float(y)
        z = y / jnp.asarray(self.scale, dtype=y.dtype)
        _check_domain(y, z > 0, "Positive", "(0, inf)")
        z = jnp.maximum(z, jnp.finfo(z.dtype).tiny)
        return z + jnp.log(-jnp.expm1(-z))


@final
@dataclasses.dataclass(frozen=True, eq=False)
class Exp(AbstractBijection):
    r"""Exponential onto the positive reals, $(0, \infty)$: a log-scale parameter.

    $$y = s\, e^{u}, \qquad u = \log(y / s)$$

    Use it for parameters that span orders of magnitude (a gradient step is a relative change of $y$);
    `Positive` is gentler for parameters of a known scale.

    Args:
        scale: $s > 0$, the value at $u = 0$, in the parameter's unit; default 1.

    Example:
        >>> float(Exp(scale=20.0).forward(0.0))
        20.0
    """

    scale: float = 1.0

    def __post_init__(self):
        _check_scale(self.scale)

    def forward(self, x: Float[ArrayLike, "*shape"]) -> Float[Array, "*shape"]:
        x = _as_float(x)
        return jnp.asarray(self.scale, dtype=x.dtype) * jnp.exp(x)

    def inverse(self, y: Float[ArrayLike, "*shape"]) -> Float[Array, "*shape"]:
        y = _as_float(y)
        z = y / jnp.asarray(self.scale, dtype=y.dtype)
        _check_domain(y, z > 0, "Exp", "(0, inf)")
        return jnp.log(jnp.maximum(z, jnp.finfo(z.dtype).tiny))


@final
@dataclasses.dataclass(frozen=True, eq=False)
class Interval(AbstractBijection):
    r"""Scaled logistic sigmoid onto an open interval $(a, b)$.

    $$y = a + (b - a)\,\sigma(u), \quad \sigma(u) = \frac{1}{1 + e^{-u}}, \qquad
    u = \operatorname{logit}(p) = \log p - \log(1 - p), \quad p = \frac{y - a}{b - a}$$

    The raw value $u = 0$ is the interval's midpoint; $|u| \approx 4.6$ is 1 % of the width from a bound.

    Args:
        low: lower bound $a$, finite; a scalar or an array broadcasting against the values (per-node bounds).
        high: upper bound $b > a$, finite, of a shape broadcasting like `low`.

    Raises:
        ValueError: if a bound is not finite or `low >= high` anywhere.

    Example:
        >>> b = Interval(0.0, 4.0)
        >>> float(b.forward(0.0)), round(float(b.inverse(3.0)), 6)
        (2.0, 1.098612)
    """

    low: float | ArrayLike
    high: float | ArrayLike

    def __post_init__(self):
        low = _check_bound(self.low, "low")
        high = _check_bound(self.high, "high")
        if np.any(low >= high):
            raise ValueError(f"Interval needs low < high; got low={self.low!r}, high={self.high!r}.")

    def forward(self, x: Float[ArrayLike, "*shape"]) -> Float[Array, "*shape"]:
        x = _as_float(x)
        low = jnp.asarray(self.low, dtype=x.dtype)
        high = jnp.asarray(self.high, dtype=x.dtype)
        return low + (high - low) * jax.nn.sigmoid(x)

    def inverse(self, y: Float[ArrayLike, "*shape"]) -> Float[Array, "*shape"]:
        y = _as_float(y)
        low = jnp.asarray(self.low, dtype=y.dtype)
        high = jnp.asarray(self.high, dtype=y.dtype)
        _check_domain(y, (y > low) & (y < high), "Interval", f"({self.low!r}, {self.high!r})")
        p = (y - low) / (high - low)
        # tiny and 1 - epsneg are the representable values closest to 0 and 1: valid p are never moved.
        finfo = jnp.finfo(p.dtype)
        p = jnp.clip(p, finfo.tiny, 1 - finfo.epsneg)
        return jnp.log(p) - jnp.log1p(-p)


def _check_bijections(bijections: Mapping[str, AbstractBijection], values: Mapping[str, ArrayLike]) -> None:
    for name, b in bijections.items():
        if not isinstance(b, AbstractBijection):
            raise TypeError(f"bijection {name!r} must be an AbstractBijection; got {type(b).__name__}.")
    unknown = sorted(set(bijections) - set(values))
    if unknown:
        raise KeyError(f"bijections for parameters that are not given: {unknown}; given: {sorted(values)}.")


def constrain(
    bijections: Mapping[str, AbstractBijection], raw: Mapping[str, Float[ArrayLike, "*shape"]]
) -> dict[str, Float[Array, "*shape"]]:
    r"""Map a dict of raw (unconstrained) values to parameters: $y_k = f_k(u_k)$ for every name $k$.

    A name in `raw` without a bijection is passed through unchanged (an unbounded parameter); a bijection
    whose name is not in `raw` is an error (most likely a misspelt name).

    Args:
        bijections: name -> bijection.
        raw: name -> unconstrained value (scalar or array), e.g. an optimiser's parameters.

    Returns:
        A new dict name -> constrained value, in the order of `raw`.

    Raises:
        KeyError: if `bijections` names a parameter that `raw` lacks.
        TypeError: if a value of `bijections` is not an `AbstractBijection`.

    Example:
        >>> bij = {"K_gl": Interval(0.0, 5.0), "sigma_ou": Positive()}
        >>> params = constrain(bij, {"K_gl": 0.0, "sigma_ou": 0.0, "eta": -1.0})
        >>> float(params["K_gl"]), params["eta"]
        (2.5, -1.0)
    """
    _check_bijections(bijections, raw)
    return {name: bijections[name].forward(value) if name in bijections else value for name, value in raw.items()}


def unconstrain(
    bijections: Mapping[str, AbstractBijection], params: Mapping[str, Float[ArrayLike, "*shape"]]
) -> dict[str, Float[Array, "*shape"]]:
    r"""Map a dict of parameters to raw (unconstrained) values: $u_k = f_k^{-1}(y_k)$; the inverse of `constrain`.

    Names without a bijection are passed through unchanged. Use it to turn an initial guess into the
    optimiser's starting point; out-of-domain values raise (see the module docstring).

    Args:
        bijections: name -> bijection.
        params: name -> constrained value (scalar or array), inside each bijection's domain.

    Returns:
        A new dict name -> unconstrained value, in the order of `params`.

    Raises:
        KeyError: if `bijections` names a parameter that `params` lacks.
        TypeError: if a value of `bijections` is not an `AbstractBijection`.
        ValueError: if a concrete value lies outside its bijection's domain.

    Example:
        >>> raw = unconstrain({"K_gl": Interval(0.0, 5.0)}, {"K_gl": 2.5})
        >>> float(raw["K_gl"])
        0.0
    """
    _check_bijections(bijections, params)
    return {name: bijections[name].inverse(value) if name in bijections else value for name, value in params.items()}
