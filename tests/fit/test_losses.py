"""Fitting losses: zero for identical data, known values, agreement of the smooth KS with the exact one,
Welch PSD equal to scipy's, and gradients that are finite (also for a constant node) and match finite
differences in float64."""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import assert_close_ulps
from scipy import signal

from jaxbrain.fit import _losses
from jaxbrain.metrics import fc as _fc
from jaxbrain.metrics import fcd as _fcd
from jaxbrain.metrics import kolmogorov_smirnov, matrix_kolmogorov

DATA = Path(__file__).parents[1] / "data"

# Whole-function jit compiles (and caches) one executable per shape instead of one per operation, which
# dominates these tests' run time; `test_jit_equals_eager` checks that jit changes nothing.
fc_correlation_loss = jax.jit(_losses.fc_correlation_loss)
fc_rmse = jax.jit(_losses.fc_rmse)
fcd_ks_smooth = jax.jit(_losses.fcd_ks_smooth, static_argnames=("window_size", "step_size", "n_grid"))
smooth_kolmogorov_smirnov = jax.jit(_losses.smooth_kolmogorov_smirnov)
welch_psd = jax.jit(_losses.welch_psd, static_argnames=("dt", "segment_ms", "f_min", "f_max"))
psd_distance = jax.jit(_losses.psd_distance, static_argnames=("dt", "segment_ms", "f_min", "f_max", "log", "normalize"))
fc = jax.jit(_fc)
fcd = jax.jit(_fcd, static_argnames=("window_size", "step_size"))


def _randn(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.fixture(scope="module")
def bold():
    """The first 200 samples of 12 regions of gw subject 0's empirical BOLD, (time, node): 34 FCD windows."""
    return np.load(DATA / "gw_bold_s0.npy").T[:200, :12]


def _noisy(ts, noise, seed):
    return ts + noise * ts.std(axis=0) * _randn(seed, ts.shape)


def _check_directional_derivative(loss, x, seed, *, eps=1e-5, rtol=1e-6):
    """grad(loss) . v equals the central difference of loss along a random unit direction v."""
    v = _randn(seed, x.shape)
    v /= np.linalg.norm(v)
    grad = jax.jit(jax.grad(loss))(x)
    assert np.all(np.isfinite(grad))
    loss = jax.jit(loss)
    analytic = float(jnp.sum(grad * v))
    fd = (float(loss(x + eps * v)) - float(loss(x - eps * v))) / (2 * eps)
    assert abs(fd) > 1e-8, "degenerate direction: the check would be vacuous"
    np.testing.assert_allclose(analytic, fd, rtol=rtol)


def _with_constant_node(ts):
    ts = np.array(ts)
    ts[:, 1] = 0.7
    return ts


def _check_finite_gradient_with_constant_node(loss, x):
    grad = jax.jit(jax.grad(loss))(_with_constant_node(x))
    assert np.all(np.isfinite(grad)) and np.any(grad != 0)


# ---------------------------------------------------------------- FC


def test_fc_losses_zero_for_identical():
    ts = _randn(0, (40, 5))
    target = fc(ts)
    # `fc` alone and the FC inside each jitted loss are different programs, which may round differently
    # (an Intel CPU differed by one ulp): the losses are 0 to a few float64 ulps of the FC's scale 1, not exactly.
    assert abs(float(fc_correlation_loss(ts, target))) < 1e-14
    assert 0.0 <= float(fc_rmse(ts, target)) < 1e-14
    # Gradients at (or within rounding of) the optimum are finite.
    assert np.all(np.isfinite(jax.jit(jax.grad(fc_correlation_loss))(ts, target)))
    assert np.all(np.isfinite(jax.jit(jax.grad(fc_rmse))(ts, target)))


def test_fc_rmse_gradient_is_zero_at_an_exact_optimum():
    # Orthogonal +-1 columns (Hadamard rows 1-4 of 8) plus an offset: centring, the covariances (all 0) and so
    # every off-diagonal FC entry are exact in any evaluation order, so the FC equals the identity target
    # bit for bit on every CPU, the RMSE is exactly 0, and its square root's gradient there is taken as 0, not NaN.
    h = np.array([[1.0]])
    for _ in range(3):
        h = np.block([[h, h], [h, -h]])
    ts = 3.0 + h[:, 1:5]
    assert float(fc_rmse(ts, np.eye(4))) == 0.0
    np.testing.assert_array_equal(jax.jit(jax.grad(fc_rmse))(ts, np.eye(4)), 0.0)


def test_fc_correlation_loss_known_values():
    ts = _randn(1, (40, 5))
    sim = np.asarray(fc(ts))
    iu = np.triu_indices(5, k=1)
    # An increasing affine map of the FC is a perfect fit; a decreasing one the worst (r = -1, loss 2).
    np.testing.assert_allclose(fc_correlation_loss(ts, 0.5 * sim + 0.1), 0.0, atol=1e-14)
    np.testing.assert_allclose(fc_correlation_loss(ts, -sim), 2.0, atol=1e-14)
    target = np.corrcoef(_randn(2, (40, 5)).T)
    expected = 1 - np.corrcoef(sim[iu], target[iu])[0, 1]
    np.testing.assert_allclose(fc_correlation_loss(ts, target), expected, rtol=1e-12)


def test_fc_rmse_known_value():
    ts = _randn(3, (40, 5))
    sim = np.asarray(fc(ts))
    # Every off-diagonal entry shifted by 0.1: the RMSE over the upper triangle is 0.1; the diagonal is ignored.
    target = sim + 0.1 * (1 - np.eye(5)) + 5 * np.eye(5)
    np.testing.assert_allclose(fc_rmse(ts, target), 0.1, rtol=1e-12)
    iu = np.triu_indices(5, k=1)
    other = np.corrcoef(_randn(4, (40, 5)).T)
    np.testing.assert_allclose(fc_rmse(ts, other), np.sqrt(np.mean((sim[iu] - other[iu]) ** 2)), rtol=1e-12)


def test_fc_losses_average_over_targets():
    ts = _randn(5, (40, 5))
    targets = np.stack([np.corrcoef(_randn(6 + i, (40, 5)).T) for i in range(3)])
    for loss in (fc_correlation_loss, fc_rmse):
        separate = np.mean([float(loss(ts, t)) for t in targets])
        np.testing.assert_allclose(loss(ts, targets), separate, rtol=1e-13)
        np.testing.assert_allclose(loss(ts, targets[None]), separate, rtol=1e-13)


@pytest.mark.parametrize("loss", [fc_correlation_loss, fc_rmse])
def test_fc_loss_gradients(loss):
    ts = _randn(10, (40, 5))
    target = np.corrcoef(_randn(11, (40, 5)).T)
    _check_directional_derivative(lambda x: loss(x, target), ts, 12)
    # A constant node has zero variance: its FC entries are 0 and the gradient stays finite. (The loss jumps
    # when the node stops being constant, so finite differences do not apply there.)
    _check_finite_gradient_with_constant_node(lambda x: loss(x, target), ts)


def test_fc_losses_errors():
    ts = _randn(13, (30, 4))
    target = np.corrcoef(_randn(14, (30, 4)).T)
    for loss in (_losses.fc_correlation_loss, _losses.fc_rmse):
        with pytest.raises(ValueError, match="fc_target"):
            loss(ts, target[:3, :3])
        with pytest.raises(ValueError, match="time, node"):
            loss(ts[None], target)


# ---------------------------------------------------------------- smooth KS


def _midpoint_limit(x, y):
    return smooth_kolmogorov_smirnov(x, y, None, bandwidth=1e-9, temperature=1e-7)


@pytest.mark.parametrize("seed", range(3))
def test_smooth_ks_converges_to_exact(seed):
    x = _randn(seed, 40)
    y = 0.3 + 1.3 * _randn(seed + 10, 25)
    np.testing.assert_allclose(_midpoint_limit(x, y), kolmogorov_smirnov(x, y), rtol=0, atol=1e-5)
    # With ties within and across the samples, the midpoints still cover every step of the ECDF difference.
    xi, yi = np.round(2 * x), np.round(2 * y + 1)
    np.testing.assert_allclose(_midpoint_limit(xi, yi), kolmogorov_smirnov(xi, yi), rtol=0, atol=1e-5)


def test_smooth_ks_monotone_in_bandwidth_and_bounded():
    x = _randn(20, 60)
    y = _randn(21, 40) ** 3
    exact = float(kolmogorov_smirnov(x, y))
    values = [
        float(smooth_kolmogorov_smirnov(x, y, bandwidth=h, temperature=h / 10)) for h in (0.3, 0.1, 0.03, 0.01, 0.001)
    ]
    # Smoothing the CDFs and softening the maximum only ever lower the statistic, less so as both shrink.
    assert all(0 < v <= exact + 1e-12 for v in values)
    assert all(a < b for a, b in zip(values[:-1], values[1:]))
    assert exact - values[-1] < 2e-3


def test_smooth_ks_soft_maximum_bounds():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([2.5, 3.5])
    grid = np.linspace(-2.0, 6.0, 17)
    h, t = 0.05, 0.05

    def cdf(v):
        return np.mean(1 / (1 + np.exp(-(grid[:, None] - v[None, :]) / h)), axis=1)

    hard = np.max(np.abs(cdf(x) - cdf(y)))
    soft = float(smooth_kolmogorov_smirnov(x, y, grid, bandwidth=h, temperature=t))
    assert hard - t * np.log(2 * 17) <= soft <= hard
    expected = t * np.log(np.mean(np.cosh((cdf(x) - cdf(y)) / t)))
    np.testing.assert_allclose(soft, expected, rtol=1e-12)
    assert abs(float(smooth_kolmogorov_smirnov(x, x, grid, bandwidth=h))) < 1e-15


def test_fcd_ks_smooth_converges_to_matrix_kolmogorov(bold):
    target = fcd(bold)
    for noise, seed in ((0.3, 30), (1.0, 31)):
        sim = _noisy(bold, noise, seed)
        exact = float(matrix_kolmogorov(fcd(sim), target))
        limit = float(fcd_ks_smooth(sim, target, bandwidth=1e-9, temperature=1e-7, n_grid=None))
        np.testing.assert_allclose(limit, exact, rtol=0, atol=1e-5)
        # At the default, moderate smoothing the surrogate is a slight underestimate of the exact value.
        default = float(fcd_ks_smooth(sim, target))
        assert exact - 0.05 < default <= exact + 1e-12
        fine = float(fcd_ks_smooth(sim, target, bandwidth=1e-3, temperature=2e-4, n_grid=4001))
        assert default < fine <= exact + 1e-12
        assert exact - fine < 0.01


def test_fcd_ks_smooth_target_forms_and_zero(bold):
    target = np.asarray(fcd(bold))
    values = target[np.triu_indices(target.shape[0], k=1)]
    assert abs(float(fcd_ks_smooth(bold, target))) < 1e-15
    sim = _noisy(bold, 0.5, 32)
    # Two programs (the matrix form extracts the triangle inside): equal up to float64 rounding, not bit for bit.
    assert_close_ulps(fcd_ks_smooth(sim, target), fcd_ks_smooth(sim, values), ulps=16)


def test_fcd_ks_smooth_errors(bold):
    values = np.linspace(-0.5, 0.9, 50)
    with pytest.raises(ValueError, match="fcd_target_values"):
        _losses.fcd_ks_smooth(bold, np.ones((3, 4)))
    with pytest.raises(ValueError, match="two FCD windows"):
        _losses.fcd_ks_smooth(bold[:35], values)
    with pytest.raises(ValueError, match="bandwidth"):
        _losses.fcd_ks_smooth(bold, values, bandwidth=0.0)
    with pytest.raises(ValueError, match="n_grid"):
        _losses.fcd_ks_smooth(bold, values, n_grid=1)


def test_fcd_ks_smooth_gradient():
    ts = np.cumsum(_randn(40, (100, 5)), axis=0)
    target = fcd(_randn(41, (100, 5)), window_size=20, step_size=4)

    def loss(x):
        return fcd_ks_smooth(x, target, window_size=20, step_size=4)

    assert float(loss(ts)) > 0.1
    _check_directional_derivative(loss, ts, 42)
    _check_finite_gradient_with_constant_node(loss, ts)


# ---------------------------------------------------------------- PSD


@pytest.mark.parametrize(("n_time", "dt", "segment_ms"), [(3000, 1.0, 500.0), (1999, 0.5, 166.5), (400, 2000.0, 1e5)])
def test_welch_psd_equals_scipy(n_time, dt, segment_ms):
    ts = np.cumsum(_randn(50, (n_time, 3)), axis=0)
    freqs, psd = welch_psd(ts, dt, segment_ms=segment_ms, f_max=np.inf)
    nperseg = round(segment_ms / dt)
    f_ref, p_ref = signal.welch(ts, fs=1000 / dt, window="hann", nperseg=nperseg, detrend="constant", axis=0)
    np.testing.assert_allclose(freqs, f_ref, rtol=1e-14)
    np.testing.assert_allclose(psd, p_ref, rtol=1e-10, atol=1e-12 * np.max(p_ref))


def test_welch_psd_of_a_sinusoid():
    dt = 0.5  # ms, fs = 2 kHz
    t = np.arange(8000) * dt
    amplitude, freq_hz = 3.0, 12.0
    ts = (amplitude * np.sin(2 * np.pi * freq_hz * t / 1000) + 1.5)[:, None]
    freqs, psd = welch_psd(ts, dt, f_max=np.inf)
    # 1 s segments: 1 Hz bins, and the peak in the 12 Hz bin.
    np.testing.assert_allclose(np.diff(freqs), 1.0)
    assert freqs[int(np.argmax(psd[:, 0]))] == 12.0
    # An integer number of cycles per segment: Parseval gives the mean power A^2 / 2 exactly; the offset is removed.
    np.testing.assert_allclose(np.sum(psd) * 1.0, amplitude**2 / 2, rtol=1e-10)
    band, psd70 = welch_psd(ts, dt)
    assert band[0] == 0.0 and band[-1] == 69.0 and psd70.shape == (70, 1)
    band, _ = welch_psd(ts, dt, f_min=5.0, f_max=30.0)
    np.testing.assert_array_equal(band, np.arange(5.0, 30.0))


def test_psd_distance_known_values():
    # White noise: a flat spectrum, so the log floor (1e-10 of the maximum) is negligible in every bin.
    ts = _randn(60, (4000, 3))
    _, psd = welch_psd(ts, 1.0)
    assert abs(float(psd_distance(ts, psd, 1.0))) < 1e-20
    # Ten times the power everywhere is one decade apart in every bin.
    np.testing.assert_allclose(psd_distance(ts, 10 * psd, 1.0), 1.0, rtol=1e-8)
    # Normalised spectra compare only shape, so a global factor does not matter.
    assert abs(float(psd_distance(ts, 10 * psd, 1.0, normalize=True))) < 1e-20
    np.testing.assert_allclose(psd_distance(ts, 2 * psd, 1.0, log=False), 0.25, rtol=1e-12)
    # A (freq,) target is compared with the node-averaged spectrum.
    assert abs(float(psd_distance(ts, jnp.mean(psd, axis=1), 1.0))) < 1e-20
    np.testing.assert_allclose(psd_distance(ts, 100 * jnp.mean(psd, axis=1), 1.0), 4.0, rtol=1e-8)


def test_psd_distance_errors():
    ts = _randn(61, (2000, 2))
    _, psd = _losses.welch_psd(ts, 1.0)
    with pytest.raises(ValueError, match="psd_target"):
        _losses.psd_distance(ts, psd, 1.0, segment_ms=500.0)
    with pytest.raises(ValueError, match="shorter than one segment"):
        _losses.psd_distance(ts[:900], psd, 1.0)
    with pytest.raises(ValueError, match="no frequency bin"):
        _losses.welch_psd(ts, 1.0, f_min=10.2, f_max=10.8)


@pytest.mark.parametrize("kwargs", [{}, {"normalize": True}, {"log": False}])
def test_psd_distance_gradient(kwargs):
    ts = np.cumsum(_randn(70, (600, 3)), axis=0)
    _, target = welch_psd(np.cumsum(_randn(71, (600, 3)), axis=0), 2.0, segment_ms=400.0)

    def loss(x):
        return psd_distance(x, target, 2.0, segment_ms=400.0, **kwargs)

    _check_directional_derivative(loss, ts, 72)
    _check_finite_gradient_with_constant_node(loss, ts)


# ---------------------------------------------------------------- all


@pytest.mark.slow  # compiles every loss: ~20 s
def test_jit_equals_eager():
    ts = _randn(80, (100, 4))
    fc_target = np.corrcoef(_randn(81, (100, 4)).T)
    _, psd_target = welch_psd(_randn(82, (100, 4)), 1.0, segment_ms=50.0)
    fcd_target = np.linspace(-0.5, 0.9, 50)
    cases = [
        (fc_correlation_loss, _losses.fc_correlation_loss, (ts, fc_target), {}),
        (fc_rmse, _losses.fc_rmse, (ts, fc_target), {}),
        (fcd_ks_smooth, _losses.fcd_ks_smooth, (ts, fcd_target), {}),
        (psd_distance, _losses.psd_distance, (ts, psd_target, 1.0), {"segment_ms": 50.0}),
    ]
    for jitted, eager, args, kwargs in cases:
        np.testing.assert_allclose(jitted(*args, **kwargs), eager(*args, **kwargs), rtol=1e-12, atol=1e-15)
