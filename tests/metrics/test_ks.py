"""kolmogorov_smirnov, matrix_kolmogorov, ts_kolmogorov against scipy.stats.ks_2samp."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from conftest import assert_close_ulps
from scipy.stats import ks_2samp

from jaxbrain.metrics import fcd, kolmogorov_smirnov, matrix_kolmogorov, ts_kolmogorov


def _triu(m):
    m = np.asarray(m)
    return m[np.triu_indices(m.shape[0], k=1)]


@pytest.mark.parametrize(("n", "m"), [(1, 1), (7, 13), (50, 31), (200, 200)])
def test_ks_equals_scipy(key, n, m):
    k1, k2 = jr.split(key)
    x = np.asarray(jr.normal(k1, (n,)))
    y = np.asarray(0.3 + 1.2 * jr.normal(k2, (m,)))
    np.testing.assert_allclose(kolmogorov_smirnov(x, y), ks_2samp(x, y).statistic, rtol=0, atol=1e-15)


@pytest.mark.parametrize("seed", range(5))
def test_ks_with_ties_equals_scipy(seed):
    # Rounded integers give many ties within and across the samples: the ECDF step convention matters.
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 6, size=23).astype(float)
    y = rng.integers(1, 8, size=40).astype(float)
    np.testing.assert_allclose(kolmogorov_smirnov(x, y), ks_2samp(x, y).statistic, rtol=0, atol=1e-15)
    expected = ks_2samp(x, x[:10]).statistic
    np.testing.assert_allclose(kolmogorov_smirnov(x, x[:10]), expected, rtol=0, atol=1e-15)


def test_ks_identical_and_disjoint():
    x = jnp.arange(5.0)
    assert float(kolmogorov_smirnov(x, x)) == 0.0
    assert float(kolmogorov_smirnov(x, x + 10)) == 1.0


def test_matrix_kolmogorov_equals_scipy(key):
    k1, k2 = jr.split(key)
    a = np.asarray(jr.normal(k1, (12, 12)))
    b = np.asarray(jr.uniform(k2, (9, 9)))
    expected = ks_2samp(_triu(a), _triu(b)).statistic
    np.testing.assert_allclose(matrix_kolmogorov(a, b), expected, rtol=0, atol=1e-15)
    # Only the strict upper triangle counts.
    a2 = np.tril(np.full_like(a, 100.0)) + np.triu(a, k=1)
    np.testing.assert_allclose(matrix_kolmogorov(a2, b), expected, rtol=0, atol=1e-15)


def test_ts_kolmogorov_equals_scipy_composition(key):
    k1, k2 = jr.split(key)
    ts1 = jr.normal(k1, (120, 5))
    ts2 = jnp.cumsum(jr.normal(k2, (95, 5)), axis=0)
    f1 = np.asarray(fcd(ts1, window_size=20, step_size=4))
    f2 = np.asarray(fcd(ts2, window_size=20, step_size=4))
    expected = ks_2samp(_triu(f1), _triu(f2)).statistic
    out = ts_kolmogorov(ts1, ts2, window_size=20, step_size=4)
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-15)
    assert float(ts_kolmogorov(ts1, ts1, window_size=20, step_size=4)) == 0.0


@pytest.mark.slow  # ~17 s of compilation
def test_jit(key):
    k1, k2, k3 = jr.split(key, 3)
    # jit and eager are different programs: the statistic (counts divided by the sample sizes) may differ in the
    # rounding of the division or, for ts_kolmogorov, of the FCD values it ranks; a few float64 ulps, not bits.
    x = jr.normal(k1, (17,))
    y = jr.normal(k2, (29,))
    assert_close_ulps(jax.jit(kolmogorov_smirnov)(x, y), kolmogorov_smirnov(x, y))
    a = jr.normal(k3, (8, 8))
    b = jr.normal(k1, (6, 6))
    assert_close_ulps(jax.jit(matrix_kolmogorov)(a, b), matrix_kolmogorov(a, b))
    ts1 = jr.normal(k2, (70, 4))
    ts2 = jr.normal(k3, (80, 4))
    jitted = jax.jit(ts_kolmogorov, static_argnames=("window_size", "step_size"))
    assert_close_ulps(
        jitted(ts1, ts2, window_size=20, step_size=5), ts_kolmogorov(ts1, ts2, window_size=20, step_size=5)
    )


def test_kolmogorov_smirnov_rejects_bad_input():
    with pytest.raises(ValueError, match="`x`"):
        kolmogorov_smirnov(jnp.ones((3, 2)), jnp.ones(3))
    with pytest.raises(ValueError, match="`y`"):
        kolmogorov_smirnov(jnp.ones(3), jnp.ones(0))


def test_matrix_kolmogorov_rejects_bad_input():
    with pytest.raises(ValueError, match="`m1`"):
        matrix_kolmogorov(jnp.ones((3, 4)), jnp.ones((3, 3)))
    with pytest.raises(ValueError, match="`m2`"):
        matrix_kolmogorov(jnp.ones((3, 3)), jnp.ones((2, 3, 3)))
    with pytest.raises(ValueError, match="`m1`"):
        matrix_kolmogorov(jnp.ones((1, 1)), jnp.ones((3, 3)))


def test_ts_kolmogorov_rejects_bad_input():
    with pytest.raises(ValueError, match="`ts1`"):
        ts_kolmogorov(jnp.ones(100), jnp.ones((100, 3)))
    with pytest.raises(ValueError, match="`ts2`"):
        ts_kolmogorov(jnp.ones((100, 3)), jnp.ones((2, 100, 3)))
    # 33 samples, window 30, step 5: a single window, so no FCD upper triangle to compare.
    with pytest.raises(ValueError, match="`ts2`"):
        ts_kolmogorov(jnp.ones((100, 3)), jnp.ones((33, 3)))
