"""peak_phase and kuramoto_order: neurolib's peak-to-peak phase, the order parameter's analytic values, jit, errors."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from jaxbrain.metrics import kuramoto_order, peak_phase


def _phase_loop(peaks):
    """neurolib's func.kuramoto phase, for one trace: linear 0 -> 2 pi from each peak to the next, the last sample
    appended as a peak, the samples before the first peak rising from t = 0, the last sample 2 pi."""
    n_time = len(peaks)
    marks = [int(i) for i in np.flatnonzero(peaks) if 0 < i < n_time - 1] + [n_time - 1]
    phases, last = [], 0
    for m in marks:
        for t in range(last, m):
            phases.append(2 * np.pi * (t - last) / (m - last))
        last = m
    phases.append(2 * np.pi)
    return np.array(phases)


def test_peak_phase_equals_neurolib_loop():
    rng = np.random.default_rng(3)
    peaks = rng.random((200, 4)) < 0.05
    peaks[:, 3] = False  # a trace without peaks: one ramp over the whole series
    out = np.asarray(peak_phase(peaks))
    for j in range(4):
        np.testing.assert_allclose(out[:, j], _phase_loop(peaks[:, j]), rtol=0, atol=1e-12)


def test_peak_phase_restarts_at_each_peak():
    peaks = np.zeros(13, dtype=bool)
    peaks[[3, 7]] = True
    out = np.asarray(peak_phase(peaks))
    assert out[3] == 0.0 and out[7] == 0.0 and out[0] == 0.0
    assert out[-1] == pytest.approx(2 * np.pi, abs=1e-15)
    np.testing.assert_allclose(out[4:7], 2 * np.pi * np.array([1, 2, 3]) / 4, rtol=0, atol=1e-12)


def test_peak_phase_jit_equals_eager():
    peaks = np.random.default_rng(0).random((50, 3)) < 0.1
    # A handful of ops on integer indices and one division: jit and eager agree to rounding.
    np.testing.assert_allclose(jax.jit(peak_phase)(peaks), peak_phase(peaks), rtol=1e-15, atol=1e-15)


def test_peak_phase_rejects_bad_input():
    with pytest.raises(TypeError, match="boolean"):
        peak_phase(np.zeros(5))
    with pytest.raises(ValueError, match="at least two samples"):
        peak_phase(np.zeros(1, dtype=bool))


def test_kuramoto_order_identical_phases_is_one():
    phases = jnp.full((7, 5), 1.3).at[:, 2].add(2 * jnp.pi)  # equal mod 2 pi
    np.testing.assert_array_equal(kuramoto_order(phases), np.ones(7))


def test_kuramoto_order_evenly_spread_phases_is_zero():
    # N phases evenly spaced on the circle sum to exactly 0 in exact arithmetic.
    phases = 0.4 + 2 * jnp.pi * jnp.arange(6.0) / 6
    assert float(kuramoto_order(phases)) < 1e-14


def test_kuramoto_order_uniform_random_phases(key):
    # For N independent uniform phases E[R^2] = 1/N: over 400 draws of N = 1000, the mean R^2 is 1e-3 within ~10 %.
    phases = jr.uniform(key, (400, 1000), maxval=2 * jnp.pi)
    r = kuramoto_order(phases)
    assert float(jnp.max(r)) < 0.15
    assert float(jnp.mean(r**2)) == pytest.approx(1e-3, rel=0.2)


def test_kuramoto_order_equals_complex_mean(key):
    phases = jr.uniform(key, (20, 9), maxval=2 * jnp.pi)
    expected = np.abs(np.mean(np.exp(1j * np.asarray(phases)), axis=-1))
    np.testing.assert_allclose(kuramoto_order(phases), expected, rtol=1e-12, atol=1e-14)


def test_kuramoto_order_gradient_is_finite_at_zero():
    g = jax.grad(lambda p: kuramoto_order(p))(jnp.array([0.0, jnp.pi]))
    assert np.all(np.isfinite(g))


def test_kuramoto_order_rejects_no_nodes():
    with pytest.raises(ValueError, match="at least one node"):
        kuramoto_order(jnp.zeros((3, 0)))
