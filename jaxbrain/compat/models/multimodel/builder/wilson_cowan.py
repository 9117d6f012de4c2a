"""neurolib's ``neurolib.models.multimodel.builder.wilson_cowan``: Wilson–Cowan masses, nodes and networks.

A node is an excitatory and an inhibitory Wilson–Cowan mass, integrated by :mod:`jaxbrain.models.wc`:

$$\\tau_E \\dot E = -E + (1 - E)\\,S_E\\big(c_{EE} E - c_{EI} I + \\textstyle\\sum_j C_{ij} E_j(t - d_{ij})
  + E_{ext}\\big) + \\xi_E(t)$$
$$\\tau_I \\dot I = -I + (1 - I)\\,S_I\\big(c_{IE} E - c_{II} I + \\textstyle\\sum_j C_{ij} E_j(t - d_{ij})
  + I_{ext}\\big) + \\xi_I(t)$$

with $S_X(u) = 1/(1 + e^{-a_X(u - \\mu_X)})$, the node's ``local_connectivity`` $[[c_{EE}, c_{EI}], [c_{IE},
c_{II}]]$ ([to, from], default [[16, 12], [15, 3]]), ``ext_drive`` $E_{ext}$, $I_{ext}$ and the noise inputs $\\xi$.
These are neurolib's MultiModel equations, which differ from neurolib's (and jaxbrain's) native Wilson–Cowan
model in two places, both kept here: the inhibitory mass receives the network input too, and the activities are
not clamped to [0, 1] after each step. There is no global gain (``K_gl = 1``). Initial values $0.05\\,U(0, 1)$
from numpy's stream seeded by each mass's seed.
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from jaxbrain.models import wc

from ....utils.stimulus import OrnsteinUhlenbeckProcess
from .._core import NodeCore, legacy_uniform, matrix_entry, noise_as_inputs, number
from .._symbolic import external_input, symengine
from ._prebuilt import ExcInhNetwork, ExcInhNode
from .base.constants import EXC, INH
from .base.neural_mass import NeuralMass

WC_EXC_DEFAULT_PARAMS = {"a": 1.5, "mu": 3.0, "tau": 2.5, "ext_drive": 0.0}
WC_INH_DEFAULT_PARAMS = {"a": 1.5, "mu": 3.0, "tau": 3.75, "ext_drive": 0.0}
# [to, from], masses (EXC, INH)
WC_NODE_DEFAULT_CONNECTIVITY = np.array([[16.0, 12.0], [15.0, 3.0]])


class WilsonCowanMass(NeuralMass):
    """A Wilson–Cowan population (one state variable, its activity; one noise input)."""

    name = "Wilson-Cowan mass"
    label = "WCmass"
    num_state_variables = 1
    num_noise_variables = 1
    coupling_variables = {0: "q_mean"}  # noqa: RUF012
    state_variable_names = ["q_mean"]  # noqa: RUF012
    required_params = ["a", "mu", "tau", "ext_drive"]  # noqa: RUF012
    _noise_input = [OrnsteinUhlenbeckProcess(mu=0.0, sigma=0.0, tau=5.0)]  # noqa: RUF012

    def _initialize_state_vector(self):
        self.initial_state = [0.05 * float(legacy_uniform(self.seed, 0.0, 1.0, None))]

    def _sigmoid(self, x):
        """$S(u) = 1/(1 + e^{-a(u - \\mu)})$ of a symbolic ``x`` (for a user's mass that builds on this one)."""
        return 1.0 / (1.0 + symengine().exp(-self.params["a"] * (x - self.params["mu"])))

    def _derivatives(self, coupling_variables):
        """The module's equation symbolically (neurolib's route), used when a node mixes this mass with a mass
        whose dynamics a user wrote: ``required_couplings`` name the local excitatory, local inhibitory and network
        inputs, in that order."""
        [x] = self._unwrap_state_vector()
        local_exc, local_inh, network = (coupling_variables[name] for name in self.required_couplings)
        drive = local_exc - local_inh + network + self.params["ext_drive"]
        noise = external_input(self.noise_input_idx[0])
        return [(-x + (1.0 - x) * self._sigmoid(drive) + noise) / self.params["tau"]]


class ExcitatoryWilsonCowanMass(WilsonCowanMass):
    """The excitatory Wilson–Cowan population (``q_mean_EXC``)."""

    name = "Wilson-Cowan excitatory mass"
    label = f"WCmass{EXC}"
    coupling_variables = {0: f"q_mean_{EXC}"}  # noqa: RUF012
    state_variable_names = [f"q_mean_{EXC}"]  # noqa: RUF012
    mass_type = EXC
    required_couplings = ["node_exc_exc", "node_exc_inh", "network_exc_exc"]  # noqa: RUF012

    def __init__(self, params=None, seed=None):
        super().__init__(params=params or WC_EXC_DEFAULT_PARAMS, seed=seed)


class InhibitoryWilsonCowanMass(WilsonCowanMass):
    """The inhibitory Wilson–Cowan population (``q_mean_INH``)."""

    name = "Wilson-Cowan inhibitory mass"
    label = f"WCmass{INH}"
    coupling_variables = {0: f"q_mean_{INH}"}  # noqa: RUF012
    state_variable_names = [f"q_mean_{INH}"]  # noqa: RUF012
    mass_type = INH
    required_couplings = ["node_inh_exc", "node_inh_inh", "network_inh_exc"]  # noqa: RUF012

    def __init__(self, params=None, seed=None):
        super().__init__(params=params or WC_INH_DEFAULT_PARAMS, seed=seed)


class State(NamedTuple):
    q_mean_EXC: jnp.ndarray  # excitatory activity
    q_mean_INH: jnp.ndarray  # inhibitory activity


def _dfun(state, inputs, p):
    # Network input 1 (network_inh_exc) enters the inhibitory sigmoid, where the native model's input 1 enters.
    native = inputs._replace(coupling=inputs.coupling[:1], noise=inputs.external, external=(0.0, inputs.coupling[1]))
    d = wc.dfun(wc.State(state.q_mean_EXC, state.q_mean_INH), native, p)
    return State(d.exc, d.inh)


def _init_state(key, n_nodes, params, dtype=jnp.float32):
    return State(*wc.init_state(key, n_nodes, params, dtype))


MODEL = wc.model._replace(
    name="multimodel_wc",
    State=State,
    dfun=_dfun,
    init_state=_init_state,
    coupled=lambda s: (s.q_mean_EXC,),
    noise_vars=(),
    ou_mean=lambda p: (),
    input_vars=noise_as_inputs(2),
    output_vars=State._fields,
    default_output=f"q_mean_{EXC}",
    bold_input=lambda x: x,
    project=lambda state, params: state,
    network_sums=lambda w: ((0, 0), np.stack([np.asarray(w)] * 2)),
)


def _params(node):
    exc, inh = node[0], node[1]
    return {
        **wc.Params()._asdict(),
        "tau_exc": number(exc, "tau"),
        "tau_inh": number(inh, "tau"),
        "a_exc": number(exc, "a"),
        "a_inh": number(inh, "a"),
        "mu_exc": number(exc, "mu"),
        "mu_inh": number(inh, "mu"),
        "exc_ext_baseline": number(exc, "ext_drive"),
        "inh_ext_baseline": number(inh, "ext_drive"),
        "c_excexc": matrix_entry(node, "connectivity", 0, 0),
        "c_inhexc": matrix_entry(node, "connectivity", 0, 1),
        "c_excinh": matrix_entry(node, "connectivity", 1, 0),
        "c_inhinh": matrix_entry(node, "connectivity", 1, 1),
        "K_gl": 1.0,
        "sigma_ou": 0.0,
    }


class WilsonCowanNode(ExcInhNode):
    """neurolib's ``WilsonCowanNode``: one excitatory and one inhibitory mass (see the module's equations).

    Args:
        exc_params, inh_params: the masses' parameters (defaults ``WC_EXC_DEFAULT_PARAMS``,
            ``WC_INH_DEFAULT_PARAMS``).
        connectivity: ``(2, 2)`` [to, from] local weights (EXC, INH); default ``WC_NODE_DEFAULT_CONNECTIVITY``.
        exc_seed, inh_seed: seeds of the masses' initial values.
    """

    name = "Wilson-Cowan node"
    label = "WCnode"
    default_network_coupling = {"network_exc_exc": 0.0, "network_inh_exc": 0.0}  # noqa: RUF012
    default_output = f"q_mean_{EXC}"
    output_vars = [f"q_mean_{EXC}", f"q_mean_{INH}"]  # noqa: RUF012
    _exc, _inh, _connectivity = ExcitatoryWilsonCowanMass, InhibitoryWilsonCowanMass, WC_NODE_DEFAULT_CONNECTIVITY
    _core = NodeCore(MODEL, _params, {"network_exc_exc": 0, "network_inh_exc": 1}, (0,))


class WilsonCowanNetwork(ExcInhNetwork):
    """neurolib's ``WilsonCowanNetwork``: Wilson–Cowan nodes whose excitatory activity is coupled additively into
    both masses of every node.

    Args:
        connectivity_matrix, delay_matrix: ``(N, N)`` [to, from] weights and delays (ms; None: zeros).
        exc_mass_params, inh_mass_params, local_connectivity, exc_seed, inh_seed: one for every node or a list
            of one per node (None: the defaults).
    """

    name = "Wilson-Cowan network"
    label = "WCnet"
    sync_variables = ["network_exc_exc", "network_inh_exc"]  # noqa: RUF012
    default_coupling = {"network_exc_exc": "additive", "network_inh_exc": "additive"}  # noqa: RUF012
    output_vars = [f"q_mean_{EXC}", f"q_mean_{INH}"]  # noqa: RUF012
    coupling_symbols = {"exc_exc": 0, "inh_exc": 0}  # noqa: RUF012
    _node = WilsonCowanNode


__all__ = [
    "WC_EXC_DEFAULT_PARAMS",
    "WC_INH_DEFAULT_PARAMS",
    "WC_NODE_DEFAULT_CONNECTIVITY",
    "ExcitatoryWilsonCowanMass",
    "InhibitoryWilsonCowanMass",
    "WilsonCowanMass",
    "WilsonCowanNetwork",
    "WilsonCowanNode",
]
