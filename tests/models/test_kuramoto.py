"""Kuramoto model: neurolib parity (with its delay bug reproduced), correct delays, coupling, wrap, sync."""

import math

import jax.numpy as jnp
import numpy as np
import pytest
from conftest import check_per_node_params

from jaxbrain import Connectome, simulate
from jaxbrain.models import kuramoto


def _wrapped_error(got, ref):
    """Largest phase difference on the circle, so values either side of the 2π wrap compare as close."""
    return float(np.max(np.abs(np.mod(got - ref + np.pi, 2 * np.pi) - np.pi)))


def _legacy_connectome(cmat, lengths, signal_v=20.0, dt=0.1):
    """neurolib master's delays: int(length / signalV) used as a number of steps."""
    return Connectome(cmat, np.trunc(lengths / signal_v) * signal_v * dt)


def _reference(theta0, cmat, delays, omega, k, dt, n_steps):
    """Plain Euler loop of the delayed Kuramoto model (constant initial history), delays in steps."""
    n = len(theta0)
    longest = int(delays.max())
    hist = np.tile(theta0, (longest + 1 + n_steps, 1))
    rows = np.arange(n)[:, None]
    for i in range(longest + 1, longest + 1 + n_steps):
        prev = hist[i - 1]
        delayed = hist[i - 1 - delays, np.broadcast_to(np.arange(n), (n, n))]
        drive = k / n * np.sum(cmat * np.sin(delayed - prev[rows]), axis=1)
        hist[i] = np.mod(prev + dt * (omega + drive), 2 * np.pi)
    return hist[longest + 1 :]


@pytest.mark.reference
def test_single_node_matches_neurolib(golden, key):
    init = kuramoto.State(golden["kuramoto/single/init/theta_init"][:, -1])
    res = simulate(kuramoto.model, None, key=key, duration=100.0, initial=init)
    ref = golden["kuramoto/single/out/theta"]
    got = np.asarray(res.outputs["theta"]).T
    assert got.shape == ref.shape
    np.testing.assert_allclose(res.t, golden["kuramoto/single/out/t"], rtol=1e-12, atol=0)
    assert _wrapped_error(got, ref) <= 1e-6 * 2 * np.pi


@pytest.mark.reference
def test_gw_matches_neurolib_with_its_delays(golden, gw, key):
    # neurolib truncates the delay in ms and uses it as a step count. Its base class strips
    # round(max D / dt) + 1 initial columns but the integrator only prepended max(round(int(D) / dt)) + 1,
    # so the stored theta lacks the first `drop` samples (493 of 500 here) while t keeps all 500.
    d_ms = gw.lengths / 20.0
    drop = int(np.around(d_ms / 0.1).max() - np.around(np.trunc(d_ms) / 0.1).max())
    ref = golden["kuramoto/gw/out/theta"]
    assert drop == 7 and ref.shape == (80, 500 - drop) and golden["kuramoto/gw/out/t"].shape == (500,)
    init = kuramoto.State(golden["kuramoto/gw/init/theta_init"][:, -1])
    legacy = simulate(
        kuramoto.model, None, _legacy_connectome(gw.weights, gw.lengths), key=key, duration=50.0, initial=init
    )
    got = np.asarray(legacy.outputs["theta"]).T
    assert _wrapped_error(got[:, drop:], ref) <= 1e-6 * 2 * np.pi


@pytest.mark.parametrize("signal_v", [3.0, 20.0])
def test_default_delays_are_lengths_over_speed(signal_v, key):
    # Delays of 0.3 … 3.9 ms (3 … 39 steps) against a direct Euler loop with round(L / v / dt) steps.
    rng = np.random.default_rng(1)
    n, dt = 5, 0.1
    cmat = rng.uniform(0.2, 1.0, (n, n))
    np.fill_diagonal(cmat, 0.0)
    lengths = rng.uniform(1.0, 12.0, (n, n)) * signal_v / 3.0
    theta0 = rng.uniform(0, 2 * np.pi, n)
    omega = rng.uniform(0.2, 0.6, n)
    p = kuramoto.Params(omega=omega, K_gl=1.5)
    res = simulate(
        kuramoto.model,
        p,
        Connectome(cmat, lengths),
        key=key,
        duration=30.0,
        signalV=signal_v,
        initial=kuramoto.State(theta0),
    )
    delays = np.around(lengths / signal_v / dt).astype(int)
    np.fill_diagonal(delays, 0)
    assert delays.max() > 10
    ref = _reference(theta0, cmat, delays, omega, 1.5, dt, 300)
    assert _wrapped_error(np.asarray(res.outputs["theta"]), ref) <= 1e-10
    # The legacy step counts (whole ms as steps) would be a different system.
    legacy = _reference(theta0, cmat, np.trunc(lengths / signal_v).astype(int), omega, 1.5, dt, 300)
    assert _wrapped_error(legacy, ref) > 1e-3


def test_a_delayed_driver_is_seen_shifted_by_its_delay(key):
    # Node 1 (ω = 0) is pulled by node 0 (free rotation) through a 2.5 ms delay. Whatever node 1 does, the
    # drive it feels is node 0's phase 25 steps earlier: compare its velocity with the shifted sine.
    omega0, k, dt = 0.5, 0.3, 0.1
    cmat = np.array([[0.0, 0.0], [1.0, 0.0]])
    lengths = np.array([[0.0, 0.0], [50.0, 0.0]])  # 50 mm at 20 mm/ms = 2.5 ms = 25 steps
    theta0 = np.array([1.0, 4.0])
    res = simulate(
        kuramoto.model,
        kuramoto.Params(omega=np.array([omega0, 0.0]), K_gl=k),
        Connectome(cmat, lengths),
        key=key,
        duration=20.0,
        initial=kuramoto.State(theta0),
    )
    th = np.vstack([theta0, np.asarray(res.outputs["theta"])])  # row j = state after j steps
    np.testing.assert_allclose(th[:, 0], np.mod(theta0[0] + omega0 * dt * np.arange(len(th)), 2 * np.pi), atol=1e-12)
    velocity = np.mod(th[1:, 1] - th[:-1, 1] + np.pi, 2 * np.pi) - np.pi  # per step
    j = np.arange(len(th) - 1)
    source = th[np.maximum(j - 25, 0), 0]  # constant history before the run
    np.testing.assert_allclose(velocity, dt * k / 2 * np.sin(source - th[:-1, 1]), rtol=0, atol=1e-12)


def test_coupling_recombines_sine_and_cosine_sums():
    rng = np.random.default_rng(0)
    n = 6
    cmat = rng.uniform(0, 1, (n, n))
    th = rng.uniform(0, 2 * np.pi, n)
    sc = np.stack([np.sin(th), np.cos(th)], axis=1)[..., None]  # (N, 2, 1)
    out = kuramoto.coupling(jnp.einsum("nm,mvb->nvb", cmat, sc), jnp.asarray(sc), jnp.zeros((n, 1, 1)))
    assert out.shape == (n, 2, 1)
    direct = np.sum(cmat * np.sin(th[None, :] - th[:, None]), axis=1) / n
    np.testing.assert_allclose(out[:, 0, 0], direct, rtol=1e-12, atol=1e-14)


def test_phase_stays_wrapped_and_rotates_at_omega(key):
    p = kuramoto.Params(omega=np.array([math.pi, -0.7, 0.05]), K_gl=0.0)
    theta0 = np.array([6.2, 0.1, 3.0])
    res = simulate(
        kuramoto.model, p, Connectome(np.zeros((3, 3))), key=key, duration=40.0, initial=kuramoto.State(theta0)
    )
    th = np.asarray(res.outputs["theta"])
    assert th.min() >= 0.0 and th.max() < 2 * np.pi
    expected = np.mod(theta0 + np.asarray(p.omega) * res.t[:, None], 2 * np.pi)
    assert _wrapped_error(th, expected) <= 1e-10


def test_identical_oscillators_synchronise(key):
    n = 8
    net = Connectome(np.ones((n, n)) - np.eye(n))
    res = simulate(kuramoto.model, kuramoto.Params(omega=1.0, K_gl=2.0), net, key=key, duration=40.0, signalV=0.0)
    th = np.asarray(res.outputs["theta"])
    order = np.abs(np.mean(np.exp(1j * th), axis=1))
    assert order[0] < 0.9 and order[-1] > 1 - 1e-6


def test_initial_condition_distribution(key):
    s = kuramoto.init_state(key, 2000, kuramoto.Params(), jnp.float64)
    v = np.asarray(s.theta)
    assert v.shape == (2000,) and v.min() >= 0.0 and v.max() < 2 * np.pi
    np.testing.assert_allclose(v.mean(), np.pi, rtol=0, atol=0.15)


def test_defaults_match_neurolib():
    p = kuramoto.Params()
    assert (p.omega, p.K_gl, p.tau_ou, p.sigma_ou) == (math.pi, 2.0, 5.0, 0.0)
    assert kuramoto.model.noise_vars == ("theta_ou",) and kuramoto.model.input_vars == ("theta_ext",)


def test_per_node_parameters_equal_separate_runs(key):
    check_per_node_params(
        kuramoto.model,
        dict(omega=np.array([0.5, math.pi, 2.0])),
        kuramoto.State(np.array([0.1, 3.0, 6.0])),
        key,
    )
