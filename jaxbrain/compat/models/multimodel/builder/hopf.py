"""neurolib's ``neurolib.models.multimodel.builder.hopf``: Hopf (Stuart–Landau) masses, nodes and networks.

A node is one Hopf normal-form oscillator, integrated by :mod:`jaxbrain.models.hopf` with ``K_gl = 1`` (MultiModel
has no global gain: the network's connectivity is the coupling):

$$\\dot x = (a - x^2 - y^2)\\,x - \\omega y + \\textstyle\\sum_j C_{ij}\\,(x_j(t - d_{ij}) - x_i) + \\xi_x(t)
  + x_{ext}, \\qquad \\dot y = (a - x^2 - y^2)\\,y + \\omega x + \\xi_y(t) + y_{ext}$$

with the noise inputs $\\xi$ (``noise_input``; default OU processes with $\\mu = 0$, $\\sigma = 0$); neurolib's
parameters ``omega``, ``ext_input_x``, ``ext_input_y`` are the native model's ``w``, ``x_ext``, ``y_ext``. The same
equations as neurolib's MultiModel Hopf; initial values $0.5\\,U(-1, 1)$ from numpy's stream seeded by ``seed``.
"""

from __future__ import annotations

from jaxbrain.models import hopf

from ....utils.stimulus import OrnsteinUhlenbeckProcess
from .._core import NodeCore, legacy_uniform, number
from ._prebuilt import XYNetwork, XYNode, xy_inputs, xy_oscillator
from .base.neural_mass import NeuralMass

HOPF_DEFAULT_PARAMS = {
    "a": 0.25,  # 1/ms
    "omega": 0.2,  # rad/ms
    "ext_input_x": 0.0,
    "ext_input_y": 0.0,
}


class HopfMass(NeuralMass):
    """The Hopf normal-form population (state ``x``, ``y``; two noise inputs, into ``x`` and ``y``)."""

    name = "Hopf normal form mass"
    label = "HopfMass"
    num_state_variables = 2
    num_noise_variables = 2
    coupling_variables = {0: "x", 1: "y"}  # noqa: RUF012
    state_variable_names = ["x", "y"]  # noqa: RUF012
    required_params = ["a", "omega", "ext_input_x", "ext_input_y"]  # noqa: RUF012
    required_couplings = ["network_x", "network_y"]  # noqa: RUF012
    _noise_input = [  # noqa: RUF012
        OrnsteinUhlenbeckProcess(mu=0.0, sigma=0.0, tau=5.0),
        OrnsteinUhlenbeckProcess(mu=0.0, sigma=0.0, tau=5.0),
    ]

    def __init__(self, params=None, seed=None):
        super().__init__(params=params or HOPF_DEFAULT_PARAMS, seed=seed)

    def _initialize_state_vector(self):
        self.initial_state = (0.5 * legacy_uniform(self.seed, -1.0, 1.0, self.num_state_variables)).tolist()

    def _derivatives(self, coupling_variables):
        """The module's equations symbolically (neurolib's route), for display and for a user's subclass; the node
        itself runs the jaxbrain model."""
        x, y = self._unwrap_state_vector()
        p = self.params
        radial = p["a"] - x**2 - y**2
        d_x = radial * x - p["omega"] * y + p["ext_input_x"]
        d_y = radial * y + p["omega"] * x + p["ext_input_y"]
        return xy_inputs(self, (d_x, d_y), coupling_variables)


MODEL = xy_oscillator(hopf, "multimodel_hopf")


def _params(node):
    mass = node[0]
    return {
        **hopf.Params()._asdict(),
        "a": number(mass, "a"),
        "w": number(mass, "omega"),
        "x_ext": number(mass, "ext_input_x"),
        "y_ext": number(mass, "ext_input_y"),
        "K_gl": 1.0,
        "sigma_ou": 0.0,
    }


class HopfNode(XYNode):
    """neurolib's ``HopfNode``: one Hopf normal-form mass (see the module's equations).

    Args:
        params: the mass's parameters (default: the module's default parameters).
        seed: seed of the initial values.
    """

    name = "Hopf normal form node"
    label = "HopfNode"
    _mass = HopfMass
    _core = NodeCore(MODEL, _params, {"network_x": 0}, (0,))


class HopfNetwork(XYNetwork):
    """neurolib's ``HopfNetwork``: Hopf nodes, ``x`` coupled diffusively, ``y`` not.

    Args:
        connectivity_matrix, delay_matrix: ``(N, N)`` [to, from] weights and delays (ms; None: zeros).
        mass_params, seed: one for every node or a list of one per node (None: the defaults).
    """

    name = "Hopf normal form network"
    label = "HopfNet"
    _node = HopfNode


__all__ = ["HOPF_DEFAULT_PARAMS", "HopfMass", "HopfNetwork", "HopfNode"]
