"""neurolib's ``neurolib.utils.plot_oc``: plots of an optimal-control result (state against target, control
against the original input, cost per iteration), for a single node or a network.

Arrays are neurolib's ``(N, V, T)`` with ``T = duration / dt + 1`` columns (column 0 at t = 0). matplotlib is
imported when a plot is made. The functions return the figure (neurolib shows it and returns nothing; in a
notebook the figure is shown either way).
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_oc_network", "plot_oc_singlenode"]

_COLORS = ("red", "blue", "green", "orange", "purple", "brown")


def _times(duration, dt, n_columns):
    """The column times in ms: 0, dt, …, duration (from the array's length, not a float range)."""
    t = np.arange(n_columns) * float(dt)
    if abs(t[-1] - float(duration)) > 1e-6 * max(1.0, float(duration)):
        raise ValueError(
            f"arrays have {n_columns} time columns but duration/dt + 1 = {float(duration) / float(dt) + 1:g}"
        )
    return t


def _arrays(state, target, control, orig_input, n_nodes):
    out = [np.asarray(a, dtype=float) for a in (state, target, control, orig_input)]
    for name, a in zip(("state", "target", "control", "orig_input"), out):
        if a.ndim != 3 or a.shape[0] < n_nodes:
            raise ValueError(f"{name} must be an (N, V, T) array with N >= {n_nodes}; got shape {a.shape}")
    return out


def _node_panels(ax_state, ax_control, n, t, state, target, control, orig_input, state_vars, control_vars):
    for v in state_vars:
        color = _COLORS[v % len(_COLORS)]
        ax_state.plot(t, state[n, v], color=color, label=f"state var {v}")
        ax_state.plot(t, target[n, v], color=color, linestyle="dashed", label=f"target var {v}")
    for v in control_vars:
        color = _COLORS[v % len(_COLORS)]
        ax_control.plot(t, control[n, v], color=color, label=f"stimulation var {v}")
        ax_control.plot(t, orig_input[n, v], color=color, linestyle="dashed", label=f"input var {v}")
    ax_control.set_xlabel("t [ms]")


def plot_oc_singlenode(
    duration,
    dt,
    state,
    target,
    control,
    orig_input,
    cost_array=(),
    plot_state_vars=(0, 1),
    plot_control_vars=(0, 1),
):
    """Controlled state against target (dashed), control against the original input (dashed), cost history.

    Args:
        duration: simulated time in ms.
        dt: integration step in ms.
        state: ``(1, V, T)`` state under the control (e.g. ``oc.get_xs()``).
        target: ``(1, V, T)`` target.
        control: ``(1, V_in, T)`` control found (``oc.control``).
        orig_input: ``(1, V_in, T)`` input that made the target (or any reference input).
        cost_array: cost per iteration (``oc.cost_history``).
        plot_state_vars: indices of the state variables to draw.
        plot_control_vars: indices of the control inputs to draw.

    Returns:
        The matplotlib figure (three panels).
    """
    import matplotlib.pyplot as plt

    state, target, control, orig_input = _arrays(state, target, control, orig_input, 1)
    t = _times(duration, dt, state.shape[2])
    fig, ax = plt.subplots(3, 1, figsize=(8, 6), constrained_layout=True)
    _node_panels(ax[0], ax[1], 0, t, state, target, control, orig_input, plot_state_vars, plot_control_vars)
    ax[0].legend(loc="upper right")
    ax[0].set_title("Controlled activity and target activity")
    ax[1].legend(loc="upper right")
    ax[1].set_title("Control and original input")
    ax[2].plot(np.asarray(cost_array, dtype=float))
    ax[2].set_title("Cost throughout optimization")
    ax[2].set_xlabel("iteration")
    return fig


def plot_oc_network(
    N,
    duration,
    dt,
    state,
    target,
    control,
    orig_input,
    cost_array=(),
    step_array=(),
    plot_state_vars=(0, 1),
    plot_control_vars=(0, 1),
):
    """:func:`plot_oc_singlenode` for each of ``N`` nodes (one column per node), with the cost history and the step
    sizes (``oc.step_sizes_history``; empty when the optimiser chose its steps itself) below.

    Args:
        N: number of nodes (>= 2).
        duration, dt, state, target, control, orig_input, cost_array, plot_state_vars, plot_control_vars: as in
            :func:`plot_oc_singlenode`, with ``N`` rows.
        step_array: step size per iteration.

    Returns:
        The matplotlib figure (3 × N panels).
    """
    import matplotlib.pyplot as plt

    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 2:
        raise ValueError(f"N must be the number of nodes, an int >= 2 (use plot_oc_singlenode for one); got {N!r}")
    state, target, control, orig_input = _arrays(state, target, control, orig_input, N)
    t = _times(duration, dt, state.shape[2])
    fig, ax = plt.subplots(3, N, figsize=(12, 8), constrained_layout=True)
    for n in range(N):
        _node_panels(ax[0, n], ax[1, n], n, t, state, target, control, orig_input, plot_state_vars, plot_control_vars)
        ax[0, n].set_title(f"Activity and target, node {n}")
        ax[1, n].set_title(f"Control and input, node {n}")
    ax[2, 0].plot(np.asarray(cost_array, dtype=float))
    ax[2, 0].set_title("Cost throughout optimization")
    ax[2, 1].plot(np.asarray(step_array, dtype=float))
    ax[2, 1].set_title("Step size throughout optimization")
    ax[2, 1].set_ylim(bottom=0)
    for n in range(2, N):
        ax[2, n].axis("off")
    return fig
