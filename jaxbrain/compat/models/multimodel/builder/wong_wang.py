"""neurolib's ``neurolib.models.multimodel.builder.wong_wang``: Wong–Wang masses, nodes and networks.

``WongWangNode``: an excitatory and an inhibitory mass (Deco et al. 2014), gating variables $S_E$, $S_I$ and rates
$r_E$, $r_I$ (kHz, neurolib's ``q_mean``):

$$I_E = W_E I_{0,E} + J_{NMDA,E}\\,(c_{EE} S_E + \\textstyle\\sum_j C_{ij} S_{E,j}(t - d_{ij})) - J_I c_{EI} S_I,
  \\qquad I_I = W_I I_{0,I} + J_{NMDA,I}\\,(c_{IE} S_E + \\textstyle\\sum_j C_{ij} S_{E,j}(t - d_{ij})) - c_{II} S_I$$
$$r_X = H_X(I_X) = \\frac{a_X I_X - b_X}{1 - e^{-d_X (a_X I_X - b_X)}},\\qquad
  \\dot S_E = -S_E/\\tau_E + (1 - S_E)\\,\\gamma\\, r_E + \\xi_E,\\qquad \\dot S_I = -S_I/\\tau_I + r_I + \\xi_I$$

with the node's ``local_connectivity`` $[[c_{EE}, c_{EI}], [c_{IE}, c_{II}]]$ (default [[1.4, 1], [1, 1]]),
each mass's ``exc_current`` $I_0$ and the noise inputs $\\xi$. ``ReducedWongWangNode`` (Deco et al. 2013): one
mass, $I = w J S + J \\sum_j C_{ij} S_j(t - d_{ij}) + I_0$, $\\dot S = -S/\\tau + (1 - S)\\,\\gamma\\, H(I) + \\xi$.

These are neurolib's MultiModel equations (its E–I node differs from neurolib's native Wong–Wang model: the
inhibitory mass receives the network input, and each mass has its own $J_{NMDA}$ and $I_0$), integrated with the
transfer function of :mod:`jaxbrain.models.ww` (:func:`jaxbrain.models.ww.transfer`, finite at its removable
singularity). The rates are computed algebraically from the state before each step, as jaxbrain's native
Wong–Wang does, where neurolib's MultiModel relaxes them with rate ``lambda`` = 10/ms (with Euler at dt = 0.1 ms
the two coincide); ``lambda`` is kept in the params for neurolib's keys and not used. Initial values: one
$u \\sim U(0, 1)$ per mass, $S = u$, $r = 0.01\\,u$, from numpy's stream seeded by the mass's seed.
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import jax.random as jr
import numpy as np

from jaxbrain.models import NON_NEGATIVE, POSITIVE, NeuralMass, valid_ranges, ww
from jaxbrain.network import additive

from ....utils.stimulus import OrnsteinUhlenbeckProcess
from .._core import NodeCore, legacy_uniform, matrix_entry, noise_as_inputs, number
from ._prebuilt import ExcInhNetwork, ExcInhNode, OneMassNetwork, OneMassNode
from .base.constants import EXC, INH, LAMBDA_SPEED
from .base.neural_mass import NeuralMass as BuilderMass

WW_EXC_DEFAULT_PARAMS = {
    "a": 0.31,  # nC^-1
    "b": 0.125,  # kHz
    "d": 160.0,  # ms
    "tau": 100.0,  # ms
    "gamma": 0.641,
    "W": 1.0,
    "exc_current": 0.382,  # nA
    "J_NMDA": 0.15,  # nA
    "J_I": 1.0,  # nA
    "lambda": LAMBDA_SPEED,
}
WW_INH_DEFAULT_PARAMS = {
    "a": 0.615,  # nC^-1
    "b": 0.177,  # kHz
    "d": 87.0,  # ms
    "tau": 10.0,  # ms
    "W": 0.7,
    "exc_current": 0.382,  # nA
    "J_NMDA": 0.15,  # nA
    "lambda": LAMBDA_SPEED,
}
WW_REDUCED_DEFAULT_PARAMS = {
    "a": 0.27,  # nC^-1
    "b": 0.108,  # kHz
    "d": 154.0,  # ms
    "tau": 100.0,  # ms
    "gamma": 0.641,
    "w": 0.6,
    "J": 0.2609,  # nA
    "exc_current": 0.33,  # nA
    "lambda": LAMBDA_SPEED,
}
# [to, from], masses (EXC, INH)
WW_NODE_DEFAULT_CONNECTIVITY = np.array([[1.4, 1.0], [1.0, 1.0]])


class WongWangMass(BuilderMass):
    """A Wong–Wang population (state: gating ``S`` and rate ``q_mean``; one noise input, into ``S``)."""

    name = "Wong-Wang mass"
    label = "WWmass"
    num_state_variables = 2
    num_noise_variables = 1
    coupling_variables = {0: "S"}  # noqa: RUF012
    state_variable_names = ["S", "q_mean"]  # noqa: RUF012
    _noise_input = [OrnsteinUhlenbeckProcess(mu=0.0, sigma=0.0, tau=5.0)]  # noqa: RUF012

    def _initialize_state_vector(self):
        u = float(legacy_uniform(self.seed, 0.0, 1.0, None))
        self.initial_state = (u * np.array([1.0, 0.01])).tolist()


class ExcitatoryWongWangMass(WongWangMass):
    """The excitatory Wong–Wang population (``S_EXC``, ``q_mean_EXC``)."""

    name = "Wong-Wang excitatory mass"
    label = f"WWmass{EXC}"
    mass_type = EXC
    coupling_variables = {0: f"S_{EXC}"}  # noqa: RUF012
    state_variable_names = [f"S_{EXC}", f"q_mean_{EXC}"]  # noqa: RUF012
    required_couplings = ["node_exc_exc", "node_exc_inh", "network_exc_exc"]  # noqa: RUF012
    required_params = ["a", "b", "d", "tau", "gamma", "W", "exc_current", "J_NMDA", "J_I", "lambda"]  # noqa: RUF012

    def __init__(self, params=None, seed=None):
        super().__init__(params=params or WW_EXC_DEFAULT_PARAMS, seed=seed)


class InhibitoryWongWangMass(WongWangMass):
    """The inhibitory Wong–Wang population (``S_INH``, ``q_mean_INH``)."""

    name = "Wong-Wang inhibitory mass"
    label = f"WWmass{INH}"
    mass_type = INH
    coupling_variables = {0: f"S_{INH}"}  # noqa: RUF012
    state_variable_names = [f"S_{INH}", f"q_mean_{INH}"]  # noqa: RUF012
    required_couplings = ["node_inh_exc", "node_inh_inh", "network_inh_exc"]  # noqa: RUF012
    required_params = ["a", "b", "d", "tau", "W", "exc_current", "J_NMDA", "lambda"]  # noqa: RUF012

    def __init__(self, params=None, seed=None):
        super().__init__(params=params or WW_INH_DEFAULT_PARAMS, seed=seed)


class ReducedWongWangMass(WongWangMass):
    """The reduced Wong–Wang population (Deco et al. 2013): ``S`` and ``q_mean``."""

    name = "Reduced Wong-Wang mass"
    label = "ReducedWWmass"
    required_couplings = ["network_S"]  # noqa: RUF012
    required_params = ["a", "b", "d", "tau", "gamma", "w", "J", "exc_current", "lambda"]  # noqa: RUF012

    def __init__(self, params=None, seed=None):
        super().__init__(params=params or WW_REDUCED_DEFAULT_PARAMS, seed=seed)


# ---- the E–I node -------------------------------------------------------------------------------------------


class Params(NamedTuple):
    """Parameters of the MultiModel Wong–Wang E–I node (neurolib's MultiModel defaults)."""

    a_exc: float = 0.31  # E transfer-function gain, 1/nC
    b_exc: float = 0.125  # E threshold, kHz
    d_exc: float = 160.0  # E curvature, ms
    tau_exc: float = 100.0  # NMDA gating decay, ms
    gamma: float = 0.641  # NMDA kinetic parameter
    W_exc: float = 1.0  # scaling of I_0 into E
    I0_exc: float = 0.382  # background current into E, nA
    J_NMDA_exc: float = 0.15  # excitatory coupling into E, nA
    J_I: float = 1.0  # inhibitory coupling into E, nA
    a_inh: float = 0.615  # I transfer-function gain, 1/nC
    b_inh: float = 0.177  # I threshold, kHz
    d_inh: float = 87.0  # I curvature, ms
    tau_inh: float = 10.0  # GABA gating decay, ms
    W_inh: float = 0.7  # scaling of I_0 into I
    I0_inh: float = 0.382  # background current into I, nA
    J_NMDA_inh: float = 0.15  # excitatory coupling into I, nA
    c_ee: float = 1.4  # local weight E <- E
    c_ei: float = 1.0  # local weight E <- I
    c_ie: float = 1.0  # local weight I <- E
    c_ii: float = 1.0  # local weight I <- I
    K_gl: float = 1.0  # gain of the network input (MultiModel has none: 1)
    tau_ou: float = 5.0  # protocol field (the noise comes as inputs), ms
    sigma_ou: float = 0.0  # protocol field (the noise comes as inputs)


class State(NamedTuple):
    S_EXC: jnp.ndarray  # NMDA gating of E
    q_mean_EXC: jnp.ndarray  # E rate, kHz (algebraic)
    S_INH: jnp.ndarray  # GABA gating of I
    q_mean_INH: jnp.ndarray  # I rate, kHz (algebraic)


def _dfun(state, inputs, p):
    s_e, s_i = state.S_EXC, state.S_INH
    net_e, net_i = inputs.coupling
    noise_e, noise_i = inputs.external
    i_e = p.W_exc * p.I0_exc + p.J_NMDA_exc * (p.c_ee * s_e + p.K_gl * net_e) - p.J_I * p.c_ei * s_i
    i_i = p.W_inh * p.I0_inh + p.J_NMDA_inh * (p.c_ie * s_e + p.K_gl * net_i) - p.c_ii * s_i
    r_e = ww.transfer(i_e, p.a_exc, p.b_exc, p.d_exc)
    r_i = ww.transfer(i_i, p.a_inh, p.b_inh, p.d_inh)
    return State(
        -s_e / p.tau_exc + (1.0 - s_e) * p.gamma * r_e + noise_e,
        r_e,
        -s_i / p.tau_inh + r_i + noise_i,
        r_i,
    )


def _init_state(key, n_nodes, params, dtype=jnp.float32):
    u_e, u_i = jr.uniform(key, (2, n_nodes), dtype)
    return State(u_e, 0.01 * u_e, u_i, 0.01 * u_i)


_RANGES = valid_ranges(tau_exc=POSITIVE, tau_inh=POSITIVE, d_exc=POSITIVE, d_inh=POSITIVE, gamma=NON_NEGATIVE)

MODEL = NeuralMass(
    name="multimodel_ww",
    Params=Params,
    State=State,
    dfun=_dfun,
    init_state=_init_state,
    coupled=lambda s: (s.S_EXC,),
    coupling=additive,
    noise_vars=(),
    ou_mean=lambda p: (),
    input_vars=noise_as_inputs(2),
    output_vars=State._fields,
    default_output=f"S_{EXC}",
    algebraic=(f"q_mean_{EXC}", f"q_mean_{INH}"),
    network_sums=lambda w: ((0, 0), np.stack([np.asarray(w)] * 2)),
    param_ranges=_RANGES,
)


def _params(node):
    exc, inh = node[0], node[1]
    return {
        **Params()._asdict(),
        **{f"{k}_exc": number(exc, k) for k in ("a", "b", "d", "tau")},
        **{f"{k}_inh": number(inh, k) for k in ("a", "b", "d", "tau")},
        "gamma": number(exc, "gamma"),
        "W_exc": number(exc, "W"),
        "W_inh": number(inh, "W"),
        "I0_exc": number(exc, "exc_current"),
        "I0_inh": number(inh, "exc_current"),
        "J_NMDA_exc": number(exc, "J_NMDA"),
        "J_NMDA_inh": number(inh, "J_NMDA"),
        "J_I": number(exc, "J_I"),
        "c_ee": matrix_entry(node, "connectivity", 0, 0),
        "c_ei": matrix_entry(node, "connectivity", 0, 1),
        "c_ie": matrix_entry(node, "connectivity", 1, 0),
        "c_ii": matrix_entry(node, "connectivity", 1, 1),
    }


class WongWangNode(ExcInhNode):
    """neurolib's ``WongWangNode``: one excitatory and one inhibitory mass (see the module's equations).

    Args:
        exc_params, inh_params: the masses' parameters (defaults ``WW_EXC_DEFAULT_PARAMS``,
            ``WW_INH_DEFAULT_PARAMS``).
        connectivity: ``(2, 2)`` [to, from] local weights (EXC, INH); default ``WW_NODE_DEFAULT_CONNECTIVITY``.
        exc_seed, inh_seed: seeds of the masses' initial values.
    """

    name = "Wong-Wang node"
    label = "WWnode"
    default_network_coupling = {"network_exc_exc": 0.0, "network_inh_exc": 0.0}  # noqa: RUF012
    default_output = f"S_{EXC}"
    output_vars = [f"S_{EXC}", f"q_mean_{EXC}", f"S_{INH}", f"q_mean_{INH}"]  # noqa: RUF012
    _exc, _inh, _connectivity = ExcitatoryWongWangMass, InhibitoryWongWangMass, WW_NODE_DEFAULT_CONNECTIVITY
    _core = NodeCore(MODEL, _params, {"network_exc_exc": 0, "network_inh_exc": 1}, (0,))


class WongWangNetwork(ExcInhNetwork):
    """neurolib's ``WongWangNetwork``: Wong–Wang E–I nodes, ``S_EXC`` coupled additively into both masses.

    Args:
        connectivity_matrix, delay_matrix: ``(N, N)`` [to, from] weights and delays (ms; None: zeros).
        exc_mass_params, inh_mass_params, local_connectivity, exc_seed, inh_seed: one for every node or a list
            of one per node (None: the defaults).
    """

    name = "Wong-Wang network"
    label = "WWnet"
    sync_variables = ["network_exc_exc", "network_inh_exc"]  # noqa: RUF012
    default_coupling = {"network_exc_exc": "additive", "network_inh_exc": "additive"}  # noqa: RUF012
    output_vars = [f"S_{EXC}", f"q_mean_{EXC}", f"S_{INH}", f"q_mean_{INH}"]  # noqa: RUF012
    coupling_symbols = {"exc_exc": 0, "inh_exc": 0}  # noqa: RUF012
    _node = WongWangNode


# ---- the reduced node ---------------------------------------------------------------------------------------


class ReducedParams(NamedTuple):
    """Parameters of the MultiModel reduced Wong–Wang node (neurolib's MultiModel defaults, Deco et al. 2013)."""

    a: float = 0.27  # transfer-function gain, 1/nC
    b: float = 0.108  # threshold, kHz
    d: float = 154.0  # curvature, ms
    tau: float = 100.0  # NMDA gating decay, ms
    gamma: float = 0.641  # kinetic parameter
    w: float = 0.6  # local recurrent weight
    J: float = 0.2609  # synaptic coupling, nA
    I0: float = 0.33  # background current, nA
    K_gl: float = 1.0  # gain of the network input (MultiModel has none: 1)
    tau_ou: float = 5.0  # protocol field (the noise comes as inputs), ms
    sigma_ou: float = 0.0  # protocol field (the noise comes as inputs)


class ReducedState(NamedTuple):
    S: jnp.ndarray  # NMDA gating
    q_mean: jnp.ndarray  # rate, kHz (algebraic)


def _reduced_dfun(state, inputs, p):
    s = state.S
    current = p.w * p.J * s + p.J * p.K_gl * inputs.coupling[0] + p.I0
    rate = ww.transfer(current, p.a, p.b, p.d)
    return ReducedState(-s / p.tau + (1.0 - s) * p.gamma * rate + inputs.external[0], rate)


def _reduced_init_state(key, n_nodes, params, dtype=jnp.float32):
    u = jr.uniform(key, (n_nodes,), dtype)
    return ReducedState(u, 0.01 * u)


REDUCED_MODEL = NeuralMass(
    name="multimodel_reduced_ww",
    Params=ReducedParams,
    State=ReducedState,
    dfun=_reduced_dfun,
    init_state=_reduced_init_state,
    coupled=lambda s: (s.S,),
    coupling=additive,
    noise_vars=(),
    ou_mean=lambda p: (),
    input_vars=noise_as_inputs(1),
    output_vars=ReducedState._fields,
    default_output="S",
    algebraic=("q_mean",),
    param_ranges=valid_ranges(tau=POSITIVE, d=POSITIVE, gamma=NON_NEGATIVE),
)


def _reduced_params(node):
    mass = node[0]
    values = {k: number(mass, k) for k in ("a", "b", "d", "tau", "gamma", "w", "J")}
    return {**ReducedParams()._asdict(), **values, "I0": number(mass, "exc_current")}


class ReducedWongWangNode(OneMassNode):
    """neurolib's ``ReducedWongWangNode``: one reduced Wong–Wang mass (see the module's equations).

    Args:
        params: the mass's parameters (default ``WW_REDUCED_DEFAULT_PARAMS``).
        seed: seed of the initial values.
    """

    name = "Reduced Wong-Wang node"
    label = "ReducedWWnode"
    default_network_coupling = {"network_S": 0.0}  # noqa: RUF012
    default_output = "S"
    output_vars = ["S", "q_mean"]  # noqa: RUF012
    _mass = ReducedWongWangMass
    _core = NodeCore(REDUCED_MODEL, _reduced_params, {"network_S": 0}, (0,))


class ReducedWongWangNetwork(OneMassNetwork):
    """neurolib's ``ReducedWongWangNetwork``: reduced Wong–Wang nodes, ``S`` coupled additively.

    Args:
        connectivity_matrix, delay_matrix: ``(N, N)`` [to, from] weights and delays (ms; None: zeros).
        mass_params, seed: one for every node or a list of one per node (None: the defaults).
    """

    name = "Reduced Wong-Wang network"
    label = "ReducedWWnet"
    sync_variables = ["network_S"]  # noqa: RUF012
    default_coupling = {"network_S": "additive"}  # noqa: RUF012
    output_vars = ["S", "q_mean"]  # noqa: RUF012
    coupling_symbols = {"S": 0}  # noqa: RUF012
    _node = ReducedWongWangNode


__all__ = [
    "WW_EXC_DEFAULT_PARAMS",
    "WW_INH_DEFAULT_PARAMS",
    "WW_NODE_DEFAULT_CONNECTIVITY",
    "WW_REDUCED_DEFAULT_PARAMS",
    "ExcitatoryWongWangMass",
    "InhibitoryWongWangMass",
    "ReducedWongWangMass",
    "ReducedWongWangNetwork",
    "ReducedWongWangNode",
    "WongWangMass",
    "WongWangNetwork",
    "WongWangNode",
]
