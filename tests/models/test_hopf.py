"""Hopf (Stuart–Landau) model: neurolib parity, defaults, limit cycle, decay, initial conditions, per-node params."""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from conftest import check_neurolib_parity, check_per_node_params

from jaxbrain import simulate
from jaxbrain.models import hopf


@pytest.mark.reference
@pytest.mark.parametrize(("where", "duration"), [("single", 100.0), ("gw", 50.0)])
def test_matches_neurolib(where, duration, golden, gw, key):
    check_neurolib_parity(
        hopf.model, golden, where, ("xs_init", "ys_init"), gw if where == "gw" else None, duration, key
    )


def test_defaults_match_neurolib():
    p = hopf.Params()
    assert (p.a, p.w, p.K_gl) == (0.25, 0.2, 0.6)
    assert (p.x_ext, p.y_ext, p.x_ou_mean, p.y_ou_mean) == (0.0, 0.0, 0.0, 0.0)
    assert (p.tau_ou, p.sigma_ou) == (5.0, 0.0)
    assert hopf.model.coupling.__name__ == "diffusive"
    assert hopf.model.default_output == "x"
    np.testing.assert_allclose(hopf.model.bold_input(jnp.array([0.5, -1.0])), [6.0, 0.0], rtol=0, atol=0)


@pytest.mark.parametrize(("a", "w", "dt"), [(0.25, 0.2, 0.1), (1.0, 0.5, 0.01)])
def test_limit_cycle_radius_and_frequency(a, w, dt, key):
    p = hopf.Params(a=a, w=w)
    res = simulate(
        hopf.model, p, key=key, duration=400.0, dt=dt, initial=hopf.State(jnp.array([0.05]), jnp.array([0.0]))
    )
    x = np.asarray(res.outputs["x"][:, 0])
    y = np.asarray(res.outputs["y"][:, 0])
    t = np.asarray(res.t)
    late = t > 200.0
    r = np.hypot(x[late], y[late])
    np.testing.assert_allclose(r, np.sqrt(a), rtol=1e-2, atol=0)
    # Period from upward zero crossings of x, linearly interpolated.
    xs, ts = x[late], t[late]
    i = np.flatnonzero((xs[:-1] < 0) & (xs[1:] >= 0))
    crossings = ts[i] - xs[i] * (ts[i + 1] - ts[i]) / (xs[i + 1] - xs[i])
    assert len(crossings) >= 3
    period = np.mean(np.diff(crossings))
    np.testing.assert_allclose(period, 2 * np.pi / w, rtol=1e-2, atol=0)


def test_subcritical_decays_to_zero(key):
    res = simulate(
        hopf.model,
        hopf.Params(a=-0.5),
        key=key,
        duration=300.0,
        initial=hopf.State(jnp.array([0.4]), jnp.array([-0.3])),
    )
    r = np.hypot(np.asarray(res.outputs["x"][:, 0]), np.asarray(res.outputs["y"][:, 0]))
    assert np.all(np.diff(r) <= 0)
    assert r[-1] < 1e-12


def test_initial_condition_distribution(key):
    s = hopf.init_state(key, 1000, hopf.Params(), jnp.float64)
    for v in s:
        v = np.asarray(v)
        assert v.shape == (1000,)
        assert v.min() >= -0.5 and v.max() <= 0.5
        assert abs(v.mean()) < 0.05
        np.testing.assert_allclose(v.std(), 1 / np.sqrt(12), rtol=0.1, atol=0)  # U(-0.5, 0.5)
    assert not np.allclose(s.x, s.y)
    s2 = hopf.init_state(jr.key(1), 1000, hopf.Params(), jnp.float64)
    assert not np.allclose(s.x, s2.x)


def test_per_node_parameters_equal_separate_runs(key):
    check_per_node_params(
        hopf.model,
        dict(a=np.array([-0.2, 0.05, 0.25, 0.6]), w=np.array([0.1, 0.2, 0.3, 0.15])),
        hopf.State(np.array([0.1, -0.2, 0.3, 0.05]), np.array([0.0, 0.1, -0.1, 0.2])),
        key,
    )
