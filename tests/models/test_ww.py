"""Wong–Wang model: neurolib parity, algebraic rates, the transfer function, inputs, fixed point, per-node params."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import check_per_node_params, compare_outputs

from jaxbrain import Connectome, simulate
from jaxbrain.models import Inputs, ww


def _golden_init(golden, where):
    ses = golden[f"wongwang/{where}/init/ses_init"][:, -1]
    sis = golden[f"wongwang/{where}/init/sis_init"][:, -1]
    # The initial rates are irrelevant (recomputed from se, si at every step): give nonsense to prove it.
    return ww.State(np.full_like(ses, 7.0), np.full_like(ses, -3.0), ses, sis)


@pytest.mark.reference
@pytest.mark.parametrize(("where", "duration"), [("single", 100.0), ("gw", 50.0)])
def test_matches_neurolib(where, duration, golden, gw, key):
    res = simulate(
        ww.model, None, gw if where == "gw" else None, key=key, duration=duration, initial=_golden_init(golden, where)
    )
    np.testing.assert_allclose(res.t, golden[f"wongwang/{where}/out/t"], rtol=1e-12, atol=0)
    compared = compare_outputs(res, golden, f"wongwang/{where}/out", ww.model.output_vars)
    assert compared == (4 if where == "single" else 1)


def test_defaults_match_neurolib_master():
    p = ww.Params()
    assert (p.a_exc, p.b_exc, p.d_exc, p.tau_exc, p.gamma_exc, p.w_exc) == (0.31, 0.125, 160.0, 100.0, 0.641, 1.0)
    assert (p.a_inh, p.b_inh, p.d_inh, p.tau_inh, p.w_inh) == (0.615, 0.177, 87.0, 10.0, 0.7)
    assert (p.exc_current_baseline, p.inh_current_baseline) == (0.382, 0.382)
    assert (p.J_NMDA, p.J_I, p.w_ee, p.K_gl, p.tau_ou, p.sigma_ou) == (0.15, 1.0, 1.4, 0.6, 5.0, 0.0)
    assert ww.State._fields == ("r_exc", "r_inh", "se", "si")
    assert ww.model.algebraic == ("r_exc", "r_inh")
    assert ww.model.coupling.__name__ == "additive"
    assert ww.model.default_output == "r_exc"
    x = jnp.array([0.003])
    np.testing.assert_array_equal(ww.model.bold_input(x), x)


def _current(p, se, si, coupling=0.0):
    i_e = p.w_exc * p.exc_current_baseline + p.w_ee * p.J_NMDA * se - p.J_I * si + p.J_NMDA * p.K_gl * coupling
    i_i = p.w_inh * p.inh_current_baseline + p.J_NMDA * se - si
    return i_e, i_i


def _h(i, a, b, d):
    x = a * i - b
    return x / (1.0 - np.exp(-d * x))


def test_rates_come_from_the_state_before_the_step(key):
    # Two uncoupled nodes; the first step's rates are H(I(initial se, si)) and se, si move with those rates.
    p = ww.Params(K_gl=0.0)
    se0, si0 = np.array([0.02, 0.4]), np.array([0.03, 0.1])
    init = ww.State(np.array([5.0, 5.0]), np.array([5.0, 5.0]), se0, si0)
    net = Connectome(np.ones((2, 2)) - np.eye(2))
    res = simulate(ww.model, p, net, key=key, duration=0.2, initial=init)
    i_e, i_i = _current(p, se0, si0)
    r_e, r_i = _h(i_e, p.a_exc, p.b_exc, p.d_exc), _h(i_i, p.a_inh, p.b_inh, p.d_inh)
    np.testing.assert_allclose(res.outputs["r_exc"][0], r_e, rtol=1e-12, atol=0)
    np.testing.assert_allclose(res.outputs["r_inh"][0], r_i, rtol=1e-12, atol=0)
    se1 = se0 + 0.1 * (-se0 / p.tau_exc + (1.0 - se0) * p.gamma_exc * r_e)
    si1 = si0 + 0.1 * (-si0 / p.tau_inh + r_i)
    np.testing.assert_allclose(res.outputs["se"][0], se1, rtol=1e-12, atol=0)
    np.testing.assert_allclose(res.outputs["si"][0], si1, rtol=1e-12, atol=0)
    # The second step's rates use the state after the first step.
    i_e, i_i = _current(p, se1, si1)
    np.testing.assert_allclose(res.outputs["r_exc"][1], _h(i_e, p.a_exc, p.b_exc, p.d_exc), rtol=1e-12, atol=0)


def test_coupling_enters_the_excitatory_current_scaled_by_J_NMDA_and_K_gl(key):
    p = ww.Params(K_gl=0.8)
    z = jnp.zeros((1,))
    state = ww.State(z, z, jnp.array([0.1]), jnp.array([0.05]))
    c = jnp.array([0.7])
    d = ww.dfun(state, Inputs((c,), (z, z), (z, z)), p)
    i_e, i_i = _current(p, 0.1, 0.05, coupling=0.7)
    np.testing.assert_allclose(d.r_exc, [_h(i_e, p.a_exc, p.b_exc, p.d_exc)], rtol=1e-12, atol=0)
    np.testing.assert_allclose(d.r_inh, [_h(i_i, p.a_inh, p.b_inh, p.d_inh)], rtol=1e-12, atol=0)


def test_transfer_function_is_finite_and_smooth_at_its_singularity():
    a, b, d = 0.31, 0.125, 160.0
    i0 = b / a  # a·I − b = 0
    np.testing.assert_allclose(ww.transfer(jnp.asarray(i0 * (1 + 1e-13)), a, b, d), 1.0 / d, rtol=1e-9)
    assert float(ww.transfer(jnp.asarray(b), 1.0, b, d)) == 1.0 / d  # exactly at the singularity
    slope = jax.grad(lambda i: ww.transfer(i, 1.0, b, d))(jnp.asarray(b))
    assert np.isfinite(float(slope))
    # Away from it: the textbook formula.
    i = np.array([0.2, 0.4, 0.6])
    np.testing.assert_allclose(ww.transfer(jnp.asarray(i), a, b, d), _h(i, a, b, d), rtol=1e-13)


def test_time_dependent_current_adds_to_the_baseline(key):
    init = ww.State(*(np.array([v]) for v in (0.0, 0.0, 0.03, 0.02)))
    shifted = simulate(
        ww.model, ww.Params(exc_current_baseline=0.45, inh_current_baseline=0.3), key=key, duration=20.0, initial=init
    )
    driven = simulate(
        ww.model,
        None,
        key=key,
        duration=20.0,
        initial=init,
        inputs={"exc_current": np.full(200, 0.45 - 0.382), "inh_current": np.full(200, 0.3 - 0.382)},
    )
    for name in ww.model.output_vars:
        np.testing.assert_allclose(driven.outputs[name], shifted.outputs[name], rtol=1e-10, atol=0)
    base = simulate(ww.model, None, key=key, duration=20.0, initial=init)
    assert not np.allclose(base.outputs["r_exc"], driven.outputs["r_exc"], rtol=1e-3)


def test_single_node_reaches_a_fixed_point(key):
    res = simulate(ww.model, None, key=key, duration=3000.0, sampling_dt=10.0)
    s = res.final.state
    z = jnp.zeros((1, 1))
    d = ww.dfun(ww.State(*s), Inputs((z,), (z, z), (z, z)), ww.Params())
    np.testing.assert_allclose(np.asarray(d.se), 0.0, rtol=0, atol=1e-8)
    np.testing.assert_allclose(np.asarray(d.si), 0.0, rtol=0, atol=1e-8)
    # Self-consistency of the steady state: s_E = γ r τ / (1 + γ r τ), s_I = r_I τ_I.
    p = ww.Params()
    r_e, r_i = float(d.r_exc[0, 0]), float(d.r_inh[0, 0])
    g = p.gamma_exc * r_e * p.tau_exc
    np.testing.assert_allclose(float(s.se[0, 0]), g / (1 + g), rtol=1e-6)
    np.testing.assert_allclose(float(s.si[0, 0]), r_i * p.tau_inh, rtol=1e-6)
    assert 1e-3 < r_e < 1e-2  # a few Hz, in kHz


def test_initial_condition_distribution(key):
    s = ww.init_state(key, 1000, ww.Params(), jnp.float64)
    np.testing.assert_array_equal(s.r_exc, 0.0)
    np.testing.assert_array_equal(s.r_inh, 0.0)
    for v in (s.se, s.si):
        v = np.asarray(v)
        assert v.min() >= 0.0 and v.max() <= 0.05
        np.testing.assert_allclose(v.mean(), 0.025, rtol=0, atol=0.003)
    assert not np.allclose(s.se, s.si)


def test_per_node_parameters_equal_separate_runs(key):
    check_per_node_params(
        ww.model,
        dict(exc_current_baseline=np.array([0.3, 0.382, 0.5]), tau_inh=np.array([8.0, 10.0, 14.0])),
        ww.State(np.zeros(3), np.zeros(3), np.array([0.01, 0.02, 0.03]), np.array([0.0, 0.01, 0.04])),
        key,
    )
