"""Montbrió–Pazó–Roxin model: analytic fixed points, bistability, coupling convention, clamping, per-node params."""

import numpy as np
import pytest
from conftest import check_per_node_params

from jaxbrain import Connectome, simulate
from jaxbrain.models import mpr


def _quartic_states(tau, delta, eta, J, drive=0.0):
    """Steady states from r' = 0 (V = −Δ/(2πτr)) and V' = 0, solved independently of the module."""
    u = np.roots([np.pi**2, -J, -(eta + drive), 0.0, -(delta**2) / (4 * np.pi**2)])
    u = np.sort(u[(np.abs(u.imag) < 1e-9) & (u.real > 0)].real)
    r = u / tau
    return r, -delta / (2 * np.pi * tau * r)


def test_fixed_points_solve_both_steady_state_equations():
    p = mpr.Params()
    r, v = mpr.fixed_points(p)
    assert r.shape == (3,)  # bistable: low node, saddle, high focus
    # Published bistable point (eta = −5, J = 15, Delta = 1): tau·r* ≈ 0.0811 (low) and ≈ 1.031 (high).
    np.testing.assert_allclose(p.tau * r[[0, 2]], [0.08113, 1.0306], rtol=1e-3)
    tr = p.tau * r
    np.testing.assert_allclose(p.Delta / (np.pi * p.tau) + 2 * r * v, 0.0, atol=1e-12)
    np.testing.assert_allclose(v**2 + p.eta + p.J * tr - (np.pi * tr) ** 2, 0.0, atol=1e-10)
    ref_r, ref_v = _quartic_states(p.tau, p.Delta, p.eta, p.J)
    np.testing.assert_allclose(r, ref_r, rtol=1e-12)
    np.testing.assert_allclose(v, ref_v, rtol=1e-12)


def test_bistability_two_initial_conditions_reach_the_two_stable_fixed_points(key):
    # eta = −5, J = 15, Delta = 1 (Montbrió et al. 2015 Fig. 1): low- and high-activity states coexist.
    p = mpr.Params()
    init = mpr.State(np.array([0.0, 0.1]), np.array([-2.0, 0.0]))
    res = simulate(
        mpr.model, p._replace(K_gl=0.0), Connectome(np.zeros((2, 2))), key=key, duration=1500.0, initial=init
    )
    r_ref, v_ref = _quartic_states(p.tau, p.Delta, p.eta, p.J)
    np.testing.assert_allclose(res.outputs["r"][-1], r_ref[[0, 2]], rtol=1e-8)
    np.testing.assert_allclose(res.outputs["V"][-1], v_ref[[0, 2]], rtol=1e-8)
    assert res.outputs["r"][-1, 1] > 10 * res.outputs["r"][-1, 0]


@pytest.mark.parametrize(("eta", "n_states"), [(-7.0, 1), (-5.0, 3), (-2.0, 1)])
def test_bistable_range(eta, n_states):
    # J = 15, Delta = 1: bistable only for −5.74 < eta < −3.14.
    assert len(mpr.fixed_points(mpr.Params(eta=eta))[0]) == n_states


def test_coupling_acts_as_extra_recurrent_excitation(key):
    # Two mutually coupled identical nodes in a symmetric state: K_gl·tau·w·r adds to J·tau·r, so the
    # steady state is the single node's with J → J + K_gl·w.
    w, k = 0.8, 2.0
    p = mpr.Params(eta=-2.0, K_gl=k)
    net = Connectome(np.array([[0.0, w], [w, 0.0]]))
    # This high-activity focus is only weakly damped: Euler needs dt < 0.0094·tau here, so dt = 0.01 ms.
    init = mpr.State(np.full(2, 0.01), np.full(2, -1.0))
    res = simulate(mpr.model, p, net, key=key, duration=1500.0, dt=0.01, sampling_dt=1.0, initial=init)
    r_ref, v_ref = _quartic_states(p.tau, p.Delta, p.eta, p.J + k * w)
    assert len(r_ref) == 1 and not np.isclose(r_ref[0], _quartic_states(p.tau, p.Delta, p.eta, p.J)[0][0], rtol=0.05)
    np.testing.assert_allclose(res.outputs["r"][-1], r_ref[0], rtol=1e-8)
    np.testing.assert_allclose(res.outputs["V"][-1], v_ref[0], rtol=1e-8)
    # The module's helper gives the same with the constant input c = w·r*.
    np.testing.assert_allclose(mpr.fixed_points(p, coupling_input=w * r_ref[0])[0], r_ref, rtol=1e-8)


def test_rate_stays_non_negative_under_strong_noise(key):
    res = simulate(
        mpr.model, mpr.Params(sigma_ou=0.5), Connectome(np.ones((3, 3)) - np.eye(3)), key=key, duration=300.0
    )
    assert bool(res.ok)
    r = np.asarray(res.outputs["r"])
    assert r.min() == 0.0  # the clamp was active


def test_initial_condition_ranges(key):
    s = mpr.init_state(key, 1000, mpr.Params(), np.float64)
    tau = mpr.Params().tau
    assert 0.0 <= float(s.r.min()) and float(s.r.max()) <= 1.5 / tau
    assert -2.0 <= float(s.V.min()) and float(s.V.max()) <= 1.5


def test_per_node_parameters_equal_separate_runs(key):
    check_per_node_params(
        mpr.model,
        dict(eta=np.array([-6.0, -5.0, -4.0]), tau=np.array([5.0, 10.0, 20.0])),
        mpr.State(np.array([0.01, 0.05, 0.1]), np.array([-1.0, 0.0, -0.5])),
        key,
    )
