"""A Jansen–Rit cortical column written as a symbolic MultiModel mass, the way neurolib's example 4.1 writes a user's
own mass: shared by the reference maker (run with neurolib 0.6.2) and the tests (run with jaxbrain.compat), so both
integrate the same expressions.

Jansen & Rit (1995), Biol. Cybern. 73:357: three second-order PSP equations as six first-order ones, in ms and kHz
(a = 0.1/ms, b = 0.05/ms, v_max = 0.005 kHz), C1..C4 = C, 0.8 C, 0.25 C, 0.25 C, the external drive p as the
mass's one noise input plus the network input, and the pyramidal rate Sigm(v_exc - v_inh) as a seventh variable that
follows it with rate ``lam`` (neurolib's convention for a coupled rate).
"""

import numpy as np

PARAMS = {"A": 3.25, "B": 22.0, "a": 0.1, "b": 0.05, "v0": 6.0, "v_max": 0.005, "r": 0.56, "C": 135.0, "lam": 10.0}
NAMES = ["v_pyr", "dv_pyr", "v_exc", "dv_exc", "v_inh", "dv_inh", "r_mean_EXC"]


def classes(se, system_input, NeuralMass, Node, drive):
    """``(JansenRitMass, JansenRitNode)`` over the given symengine module, jitcdde-style ``input`` function, base
    classes and default drive (an ``Input`` instance: the mass's noise input)."""

    class JansenRitMass(NeuralMass):
        name = "Jansen-Rit column"
        label = "JRmass"
        num_state_variables = 7
        num_noise_variables = 1
        coupling_variables = {6: "r_mean_EXC"}  # noqa: RUF012
        state_variable_names = NAMES
        required_params = list(PARAMS)
        required_couplings = ["network_exc_exc"]  # noqa: RUF012
        _noise_input = [drive]  # noqa: RUF012

        def __init__(self, params=None, seed=None):
            super().__init__(params=dict(params or PARAMS), seed=seed)

        def _initialize_state_vector(self):
            rng = np.random.RandomState(self.seed)
            self.initial_state = [float(v) for v in rng.normal(0.0, 1.0, 7) * [5, 1, 5, 1, 5, 1, 0]]

        def _rate(self, v):
            p = self.params
            return p["v_max"] / (1.0 + se.exp(p["r"] * (p["v0"] - v)))

        def _derivatives(self, coupling_variables):
            p = self.params
            v_pyr, dv_pyr, v_exc, dv_exc, v_inh, dv_inh, rate = self._unwrap_state_vector()
            drive_in = system_input(self.noise_input_idx[0]) + coupling_variables["network_exc_exc"]
            psp_e, psp_i = p["A"] * p["a"], p["B"] * p["b"]
            return [
                dv_pyr,
                psp_e * self._rate(v_exc - v_inh) - 2 * p["a"] * dv_pyr - p["a"] ** 2 * v_pyr,
                dv_exc,
                psp_e * (drive_in + 0.8 * p["C"] * self._rate(p["C"] * v_pyr))
                - 2 * p["a"] * dv_exc
                - p["a"] ** 2 * v_exc,
                dv_inh,
                psp_i * 0.25 * p["C"] * self._rate(0.25 * p["C"] * v_pyr) - 2 * p["b"] * dv_inh - p["b"] ** 2 * v_inh,
                -p["lam"] * (rate - self._rate(v_exc - v_inh)),
            ]

    class JansenRitNode(Node):
        name = "Jansen-Rit node"
        label = "JRnode"
        default_network_coupling = {"network_exc_exc": 0.0}  # noqa: RUF012
        default_output = "r_mean_EXC"
        output_vars = ["r_mean_EXC", "v_pyr", "v_exc", "v_inh"]  # noqa: RUF012

        def __init__(self, params=None, seed=None):
            mass = JansenRitMass(params=params, seed=seed)
            mass.index = 0
            super().__init__(neural_masses=[mass])
            self.excitatory_masses = np.array([0])

        def _sync(self):
            return []

    return JansenRitMass, JansenRitNode


def constant_drive(Input, value):
    """An ``Input`` subclass instance (of the given base class) that is ``value`` at every time."""

    class ConstantDrive(Input):
        def __init__(self, level=value, n=1, seed=None):
            self.level = level
            super().__init__(n=n, seed=seed)

        def generate_input(self, duration, dt):
            self._get_times(duration=duration, dt=dt)
            return np.full((self.n, self.times.shape[0]), self.level)

    return ConstantDrive()


def thalamocortical_network(Network, JansenRitNode, ThalamicNode):
    """The two-node motif of neurolib's example 4.1: a Jansen–Rit column (node 0) and a thalamus (node 1), excitatory
    rates coupled additively both ways, and the cortex also driving the thalamus's reticular (inhibitory) mass."""

    class JansenRitThalamus(Network):
        name = "Jansen-Rit column and thalamus"
        label = "JRThalamus"
        sync_variables = ["network_exc_exc", "network_inh_exc"]  # noqa: RUF012
        default_output = "r_mean_EXC"
        output_vars = ["r_mean_EXC", "r_mean_INH"]  # noqa: RUF012

        def __init__(self, connectivity_matrix, delay_matrix, seed=None):
            column = JansenRitNode(seed=seed)
            column.index, column.idx_state_var = 0, 0
            column[0].noise_input_idx = [0]
            thalamus = ThalamicNode()
            thalamus.index, thalamus.idx_state_var = 1, column.num_state_variables
            for mass in thalamus:
                mass.noise_input_idx = [column.num_noise_variables + mass.index]
            super().__init__(nodes=[column, thalamus], connectivity_matrix=connectivity_matrix,
                             delay_matrix=delay_matrix)  # fmt: skip

        def _sync(self):
            rates = [next(iter(node.all_couplings(mass_indices=node.excitatory_masses.tolist()))) for node in self]
            return (
                self._additive_coupling(within_node_idx=rates, symbol="network_exc_exc")
                + self._additive_coupling(within_node_idx=rates, symbol="network_inh_exc")
                + super()._sync()
            )

    return JansenRitThalamus
