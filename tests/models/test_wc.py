"""Wilson–Cowan model: neurolib parity, defaults, clamping to [0, 1], initial conditions, per-node params."""

import jax.numpy as jnp
import numpy as np
import pytest
from conftest import check_neurolib_parity, check_per_node_params

from jaxbrain import Connectome, simulate
from jaxbrain.models import wc


@pytest.mark.reference
@pytest.mark.parametrize(("where", "duration"), [("single", 100.0), ("gw", 50.0)])
def test_matches_neurolib(where, duration, golden, gw, key):
    check_neurolib_parity(
        wc.model, golden, where, ("exc_init", "inh_init"), gw if where == "gw" else None, duration, key
    )


def test_defaults_match_neurolib():
    p = wc.Params()
    assert (p.tau_exc, p.tau_inh) == (2.5, 3.75)
    assert (p.c_excexc, p.c_excinh, p.c_inhexc, p.c_inhinh) == (16.0, 15.0, 12.0, 3.0)
    assert (p.a_exc, p.a_inh, p.mu_exc, p.mu_inh) == (1.5, 1.5, 3.0, 3.0)
    assert (p.K_gl, p.exc_ext_baseline, p.inh_ext_baseline) == (0.6, 0.0, 0.0)
    assert (p.tau_ou, p.sigma_ou) == (5.0, 0.0)
    assert wc.model.coupling.__name__ == "additive"
    np.testing.assert_allclose(wc.model.bold_input(jnp.array([0.5])), [25.0], rtol=0, atol=0)


def test_project_clamps():
    s = wc.project(wc.State(jnp.array([-0.5, 0.3, 1.7]), jnp.array([2.0, -1e-3, 0.0])), wc.Params())
    np.testing.assert_array_equal(s.exc, [0.0, 0.3, 1.0])
    np.testing.assert_array_equal(s.inh, [1.0, 0.0, 0.0])


@pytest.mark.parametrize("drive", [20.0, -20.0])
def test_activity_stays_in_unit_interval_under_strong_input(drive, key):
    # OU noise enters outside the sigmoid, so without the clamp E and I would leave [0, 1].
    p = wc.Params(exc_ext_baseline=drive, inh_ext_baseline=drive, sigma_ou=5.0)
    net = Connectome(np.ones((3, 3)) - np.eye(3))
    res = simulate(wc.model, p, net, key=key, duration=200.0)
    assert bool(res.ok)
    for name in ("exc", "inh"):
        v = np.asarray(res.outputs[name])
        assert v.min() >= 0.0 and v.max() <= 1.0
        assert np.any((v == 0.0) | (v == 1.0))  # the clamp was active


def test_initial_condition_distribution(key):
    s = wc.init_state(key, 1000, wc.Params(), jnp.float64)
    for v in s:
        v = np.asarray(v)
        assert v.shape == (1000,)
        assert v.min() >= 0.0 and v.max() <= 0.05
        np.testing.assert_allclose(v.mean(), 0.025, rtol=0, atol=0.003)
    assert not np.allclose(s.exc, s.inh)


def test_per_node_parameters_equal_separate_runs(key):
    check_per_node_params(
        wc.model,
        dict(exc_ext_baseline=np.array([0.0, 1.0, 2.5]), tau_exc=np.array([2.0, 2.5, 4.0])),
        wc.State(np.array([0.01, 0.02, 0.03]), np.array([0.0, 0.01, 0.04])),
        key,
    )
