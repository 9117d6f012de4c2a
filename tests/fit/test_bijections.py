"""Bijections: round trips (also near the bounds), gradients against analytic values and finite differences,
bound validation, out-of-domain behaviour (raise eagerly, clip under jit), and the dict helpers."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxbrain.fit._bijections import (
    AbstractBijection,
    Exp,
    Identity,
    Interval,
    Positive,
    constrain,
    unconstrain,
)

BIJECTIONS = {
    "identity": Identity(),
    "positive": Positive(),
    "positive_scaled": Positive(scale=20.0),
    "exp": Exp(),
    "exp_scaled": Exp(scale=0.05),
    "interval": Interval(0.0, 1.0),
    "interval_shifted": Interval(-3.0, 5.0),
    "interval_narrow": Interval(100.0, 100.5),
}


def _raw_range(b):
    # The range over which inverse(forward(u)) can be exact to 1e-10 in float64: beyond it, forward's
    # output is too close to a bound for its rounding error to be small relative to the distance.
    if isinstance(b, Interval):
        return np.linspace(-10.0, 10.0, 201)
    return np.linspace(-30.0, 30.0, 201)


def _near_bound_values(b):
    if isinstance(b, Interval):
        fractions = np.array([1e-12, 1e-9, 1e-3, 0.25, 0.5, 0.75, 1 - 1e-3, 1 - 1e-9, 1 - 1e-12])
        if b.low == 0:
            # Next to a zero bound, distances far below float64's epsilon are representable too.
            fractions = np.concatenate([[1e-300, 1e-100, 1e-15], fractions])
        return b.low + (b.high - b.low) * fractions
    if isinstance(b, Identity):
        return np.array([-1e6, -1.0, 0.0, 1e-300, 3.5, 1e12])
    return np.array([1e-300, 1e-100, 1e-12, 1e-6, 1e-2, 1.0, 37.0, 1e3, 1e8]) * b.scale


@pytest.mark.parametrize("name", BIJECTIONS)
def test_inverse_of_forward(name):
    b = BIJECTIONS[name]
    u = _raw_range(b)
    np.testing.assert_allclose(b.inverse(b.forward(u)), u, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", BIJECTIONS)
def test_forward_of_inverse_near_bounds(name):
    b = BIJECTIONS[name]
    y = _near_bound_values(b)
    u = b.inverse(y)
    assert np.all(np.isfinite(u))
    np.testing.assert_allclose(b.forward(u), y, rtol=1e-10, atol=0)


def test_known_values():
    np.testing.assert_allclose(Positive().forward(0.0), np.log(2.0), rtol=1e-15)
    np.testing.assert_allclose(Positive(scale=3.0).inverse(3 * np.log(2.0)), 0.0, atol=1e-15)
    np.testing.assert_allclose(Exp(scale=20.0).forward(np.log(2.0)), 40.0, rtol=1e-15)
    b = Interval(-3.0, 5.0)
    np.testing.assert_allclose(b.forward(0.0), 1.0, rtol=1e-15)
    np.testing.assert_allclose(b.inverse(-1.0), np.log(1 / 3), rtol=1e-14)
    np.testing.assert_allclose(b.forward(np.log(3.0)), 3.0, rtol=1e-15)
    # Far out, forward saturates at the bound instead of overflowing or returning NaN.
    assert float(b.forward(1e4)) == 5.0 and float(b.forward(-1e4)) == -3.0
    assert float(Positive().forward(-1e4)) == 0.0 and float(Positive().forward(1e4)) == 1e4


def test_positive_inverse_is_stable_for_large_values():
    # log(expm1(y)) would overflow here; the form y + log(-expm1(-y)) returns y.
    np.testing.assert_allclose(Positive().inverse(1e300), 1e300, rtol=1e-15)
    np.testing.assert_allclose(Positive().inverse(800.0), 800.0, rtol=1e-15)


def _analytic_derivative(b, u):
    if isinstance(b, Identity):
        return np.ones_like(u)
    if isinstance(b, Positive):
        return b.scale / (1 + np.exp(-u))
    if isinstance(b, Exp):
        return b.scale * np.exp(u)
    s = 1 / (1 + np.exp(-u))
    return (b.high - b.low) * s * (1 - s)


@pytest.mark.parametrize("name", BIJECTIONS)
def test_forward_gradient(name):
    b = BIJECTIONS[name]
    u = np.linspace(-8.0, 8.0, 33)
    grad = jax.vmap(jax.grad(b.forward))(jnp.asarray(u))
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad, _analytic_derivative(b, u), rtol=1e-12, atol=1e-300)
    eps = 1e-6
    fd = (np.asarray(b.forward(u + eps)) - np.asarray(b.forward(u - eps))) / (2 * eps)
    # Central differences lose about eps * |y| / step to rounding, large for bounds far from 0.
    scale = np.max(np.abs(np.asarray(b.forward(u))))
    np.testing.assert_allclose(grad, fd, rtol=1e-7, atol=1e-9 * scale)


@pytest.mark.parametrize("name", BIJECTIONS)
def test_gradients_finite_at_extremes(name):
    b = BIJECTIONS[name]
    u = jnp.array([-1e3, -50.0, 0.0, 50.0, 700.0])
    assert np.all(np.isfinite(jax.vmap(jax.grad(b.forward))(u)))
    y = b.forward(jnp.array([-5.0, 0.0, 5.0]))
    assert np.all(np.isfinite(jax.vmap(jax.grad(b.inverse))(y)))


def test_inverse_gradient_is_reciprocal():
    for b in BIJECTIONS.values():
        u = jnp.linspace(-4.0, 4.0, 9)
        dy_du = jax.vmap(jax.grad(b.forward))(u)
        du_dy = jax.vmap(jax.grad(b.inverse))(b.forward(u))
        np.testing.assert_allclose(du_dy * dy_du, 1.0, rtol=1e-10)


@pytest.mark.parametrize(
    ("low", "high"),
    [(1.0, 1.0), (2.0, 1.0), (0.0, np.inf), (-np.inf, 0.0), (np.nan, 1.0), ([0.0, 2.0], [1.0, 1.0])],
)
def test_interval_bad_bounds_raise(low, high):
    with pytest.raises(ValueError, match="low|high"):
        Interval(low, high)


@pytest.mark.parametrize("cls", [Positive, Exp])
@pytest.mark.parametrize("scale", [0.0, -1.0, np.inf])
def test_bad_scale_raises(cls, scale):
    with pytest.raises(ValueError, match="scale"):
        cls(scale=scale)


@pytest.mark.parametrize(
    ("b", "bad"),
    [
        (Interval(0.0, 1.0), [0.5, 1.0]),
        (Interval(0.0, 1.0), [0.0]),
        (Interval(0.0, 1.0), [1.5]),
        (Interval(0.0, 1.0), [np.nan]),
        (Positive(), [0.0]),
        (Positive(), [-1.0, 2.0]),
        (Exp(), [0.0]),
    ],
)
def test_inverse_out_of_domain_raises_eagerly(b, bad):
    with pytest.raises(ValueError, match="must lie in"):
        b.inverse(np.array(bad))


def test_inverse_out_of_domain_clips_under_jit():
    b = Interval(-1.0, 2.0)
    y = jnp.array([-5.0, -1.0, 0.5, 2.0, 7.0])
    u = jax.jit(b.inverse)(y)
    assert np.all(np.isfinite(u))
    back = np.asarray(b.forward(u))
    np.testing.assert_allclose(back, np.clip(y, -1.0, 2.0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(u[2], b.inverse(0.5), rtol=1e-15)
    for pb in (Positive(), Exp()):
        u = jax.jit(pb.inverse)(jnp.array([-1.0, 0.0, 2.0]))
        assert np.all(np.isfinite(u))
        np.testing.assert_allclose(pb.forward(u), [0.0, 0.0, 2.0], rtol=1e-14, atol=1e-300)


def test_array_bounds_broadcast():
    b = Interval(np.array([0.0, 1.0, -2.0]), np.array([1.0, 3.0, 2.0]))
    np.testing.assert_allclose(b.forward(jnp.zeros(3)), [0.5, 2.0, 0.0], rtol=1e-15)
    # A scalar raw value broadcasts against per-node bounds.
    assert b.forward(0.0).shape == (3,)
    y = jnp.array([0.9, 1.1, -1.9])
    np.testing.assert_allclose(b.forward(b.inverse(y)), y, rtol=1e-14)
    with pytest.raises(ValueError, match="must lie in"):
        b.inverse(jnp.array([0.5, 0.5, 0.0]))


def test_dtype_is_preserved():
    for b in BIJECTIONS.values():
        x32 = jnp.linspace(-1.0, 1.0, 5, dtype=jnp.float32)
        assert b.forward(x32).dtype == jnp.float32
        assert b.inverse(b.forward(x32)).dtype == jnp.float32
    # Integer input is promoted to the default float instead of failing under strict promotion.
    assert Interval(0, 10).inverse(5).dtype == jnp.float64
    assert Identity().forward(3).dtype == jnp.float64


def test_jit_and_vmap():
    b = Interval(0.0, 4.0)
    u = jnp.linspace(-3.0, 3.0, 7)
    np.testing.assert_allclose(jax.jit(b.forward)(u), b.forward(u), rtol=1e-15)
    np.testing.assert_allclose(jax.vmap(b.forward)(u), b.forward(u), rtol=1e-15)


def test_constrain_unconstrain_round_trip():
    bij = {"K_gl": Interval(0.0, 5.0), "sigma_ou": Positive(scale=0.1), "tau": Exp(scale=20.0)}
    params = {"K_gl": 0.7, "sigma_ou": jnp.array([0.01, 0.2]), "tau": 35.0, "eta": -1.5}
    raw = unconstrain(bij, params)
    assert list(raw) == list(params)
    # Parameters without a bijection pass through unchanged.
    assert raw["eta"] == -1.5
    back = constrain(bij, raw)
    for name in params:
        np.testing.assert_allclose(back[name], params[name], rtol=1e-12)
    np.testing.assert_allclose(raw["K_gl"], Interval(0.0, 5.0).inverse(0.7), rtol=1e-15)


def test_constrain_under_jit_and_grad():
    bij = {"a": Interval(-1.0, 1.0), "b": Positive()}

    def loss(raw):
        p = constrain(bij, raw)
        return (p["a"] - 0.3) ** 2 + jnp.sum((p["b"] - 2.0) ** 2)

    raw = {"a": jnp.asarray(0.2), "b": jnp.array([0.0, 1.0])}
    g = jax.jit(jax.grad(loss))(raw)
    sa = jax.nn.sigmoid(0.2)
    expected_a = 2 * (-1 + 2 * sa - 0.3) * 2 * sa * (1 - sa)
    np.testing.assert_allclose(g["a"], expected_a, rtol=1e-12)
    expected_b = 2 * (jax.nn.softplus(raw["b"]) - 2.0) * jax.nn.sigmoid(raw["b"])
    np.testing.assert_allclose(g["b"], expected_b, rtol=1e-12)


def test_dict_helpers_validate_names_and_types():
    with pytest.raises(KeyError, match="K_g"):
        constrain({"K_g": Positive()}, {"K_gl": 1.0})
    with pytest.raises(KeyError, match="K_g"):
        unconstrain({"K_g": Positive()}, {"K_gl": 1.0})
    with pytest.raises(TypeError, match="AbstractBijection"):
        constrain({"K_gl": jnp.exp}, {"K_gl": 1.0})
    with pytest.raises(ValueError, match="must lie in"):
        unconstrain({"K_gl": Interval(0.0, 1.0)}, {"K_gl": 2.0})


def test_custom_bijection_subclass():
    class Negative(AbstractBijection):
        def forward(self, x):
            return -jnp.exp(x)

        def inverse(self, y):
            return jnp.log(-y)

    out = constrain({"a": Negative()}, {"a": 0.0})
    np.testing.assert_allclose(out["a"], -1.0)
    with pytest.raises(TypeError):
        AbstractBijection()
