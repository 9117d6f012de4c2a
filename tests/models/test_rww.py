"""Reduced Wong–Wang E–I model (Deco et al. 2014): fixed point, FIC at 3 Hz, algebraic rates, transfer function."""

import functools as ft

import jax
import jax.numpy as jnp
import numpy as np
from conftest import check_per_node_params
from scipy.optimize import fsolve

from jaxbrain import Connectome, simulate
from jaxbrain.models import rww

# One run length, sampled every step, for the single-node and per-node runs: they share their compilations.
DURATION = 3000.0


def _h(current, a, b, d_ms):
    x = a * current - b
    return x / (1.0 - np.exp(-d_ms * 1e-3 * x))


def _steady_state(p, network=0.0):
    """Solve dS_E/dt = dS_I/dt = 0 with scipy, from the paper's equations written out here."""

    def rates(s):
        s_e, s_i = s
        i_e = p.W_e * p.I_0 + p.w_plus * p.J_NMDA * s_e + p.K_gl * p.J_NMDA * network - p.J_i * s_i + p.I_ext
        i_i = p.W_i * p.I_0 + p.J_NMDA * s_e - s_i
        return _h(i_e, p.a_e, p.b_e, p.d_e), _h(i_i, p.a_i, p.b_i, p.d_i)

    def rhs(s):
        r_e, r_i = rates(s)
        return [-s[0] / p.tau_e + (1 - s[0]) * p.gamma_e * r_e * 1e-3, -s[1] / p.tau_i + p.gamma_i * r_i * 1e-3]

    s = fsolve(rhs, [0.1, 0.05], xtol=1e-13)
    return s, rates(s)


def test_single_node_low_activity_fixed_point(key):
    p = rww.Params()
    (s_e, s_i), (r_e, r_i) = _steady_state(p)
    # Deco et al. (2014): the isolated node's spontaneous state is a low-rate one, r_E ≈ 3 Hz.
    assert 2.5 < r_e < 3.5
    res = simulate(rww.model, p, key=key, duration=DURATION)
    last = {name: float(v[-1, 0]) for name, v in res.outputs.items()}
    np.testing.assert_allclose([last["S_e"], last["S_i"]], [s_e, s_i], rtol=1e-7)
    np.testing.assert_allclose([last["r_e"], last["r_i"]], [r_e, r_i], rtol=1e-7)


def test_feedback_inhibition_control_holds_every_node_at_3_hz(key):
    # Three regions with unequal in-strength (row sums 1.5, 0.3, 1.7); same node count and run length as
    # the per-node test below, so the two share one compilation.
    weights = np.array([[0.0, 1.0, 0.5], [0.2, 0.0, 0.1], [0.8, 0.9, 0.0]])
    net = Connectome(weights)
    p = rww.Params(K_gl=0.6)
    j_i = rww.fic_J_i(p, weights, target_rate=3.0)
    assert j_i.shape == (3,) and np.all(j_i > 1.0)  # network excitation needs more local inhibition
    assert j_i[1] < j_i[0] < j_i[2]  # ordered like the in-strengths
    tuned = simulate(rww.model, p._replace(J_i=j_i), net, key=key, duration=DURATION)
    np.testing.assert_allclose(tuned.outputs["r_e"][-1], 3.0, rtol=1e-4)
    # Without FIC the same network leaves 3 Hz: every node fires faster (≈ 9–34 Hz).
    plain = simulate(rww.model, p, net, key=key, duration=DURATION)
    assert float(np.min(plain.outputs["r_e"][-1])) > 6.0


def test_rates_are_algebraic_functions_of_the_previous_state(key):
    # The stored r_E at step k is H_E(I_E) of the gating variables stored at step k − 1 (checked along
    # the transient from the random initial state, where everything changes).
    p = rww.Params()
    res = simulate(rww.model, p, key=key, duration=DURATION)
    s_e, s_i = np.asarray(res.outputs["S_e"][:, 0]), np.asarray(res.outputs["S_i"][:, 0])
    assert np.ptp(s_e) > 0.1
    i_e = p.W_e * p.I_0 + p.w_plus * p.J_NMDA * s_e - p.J_i * s_i
    i_i = p.W_i * p.I_0 + p.J_NMDA * s_e - s_i
    np.testing.assert_allclose(res.outputs["r_e"][1:, 0], _h(i_e, p.a_e, p.b_e, p.d_e)[:-1], rtol=1e-12)
    np.testing.assert_allclose(res.outputs["r_i"][1:, 0], _h(i_i, p.a_i, p.b_i, p.d_i)[:-1], rtol=1e-12)


def test_transfer_function_is_smooth_through_its_removable_singularity():
    def values_and_slopes(current, a, b, d):
        h = ft.partial(rww.transfer, a=a, b=b, d=d)
        return h(current), jax.vmap(jax.grad(h))(current)

    for a, b, d in [(310.0, 125.0, 160.0), (615.0, 177.0, 87.0)]:
        at = b / a
        points = at + np.array([0.0, 1e-3, -1e-3, 0.05])
        value, slope = jax.jit(values_and_slopes)(jnp.asarray(points), a, b, d)
        np.testing.assert_allclose(value[0], 1.0 / (d * 1e-3), rtol=1e-12)  # the limit (aI − b) → 0
        np.testing.assert_allclose(value[1:], _h(points[1:], a, b, d), rtol=1e-10)
        fd = (_h(at + 1e-6, a, b, d) - _h(at - 1e-6, a, b, d)) / 2e-6
        np.testing.assert_allclose(slope[0], fd, rtol=1e-6)
        assert np.all(np.isfinite(slope))


def test_fic_single_node_solves_the_steady_state():
    p = rww.Params()
    (j_i,) = rww.fic_J_i(p, target_rate=3.0)
    (_, _), (r_e, _) = _steady_state(p._replace(J_i=j_i))
    np.testing.assert_allclose(r_e, 3.0, rtol=1e-9)


def test_per_node_parameters_equal_separate_runs(key):
    zero = np.zeros(3)
    check_per_node_params(
        rww.model,
        dict(J_i=np.array([0.8, 1.0, 1.3]), I_ext=np.array([0.0, 0.05, 0.1])),
        rww.State(np.array([0.1, 0.2, 0.3]), np.array([0.02, 0.04, 0.01]), zero, zero),
        key,
        duration=DURATION,
    )
