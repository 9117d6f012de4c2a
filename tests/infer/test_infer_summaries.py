"""Summary statistics: each against its definition, the evaluator against the empirical path, labels and errors."""

import jax.numpy as jnp
import numpy as np
import pytest

import jaxbrain
from jaxbrain import metrics
from jaxbrain.infer import (
    Summaries,
    custom,
    fc_quantiles,
    fc_sc_correlation,
    fc_summary,
    fc_upper,
    fcd_quantiles,
    of_result,
    signal_stats,
    spectral_peak,
)


def _series(n_time=400, n_nodes=5, seed=0):
    rng = np.random.default_rng(seed)
    common = rng.standard_normal((n_time, 1))
    return jnp.asarray(common + rng.standard_normal((n_time, n_nodes)) * np.linspace(0.5, 2.0, n_nodes))


def test_fc_upper_is_the_fc_triangle():
    ts = _series()
    got = Summaries(fc_upper()).of_timeseries(ts, 1.0)
    fc = np.asarray(metrics.fc(ts))
    rows, cols = np.triu_indices(5, k=1)
    np.testing.assert_allclose(got, fc[rows, cols], rtol=1e-12)
    assert Summaries(fc_upper()).labels(5)[:2] == ["fc[0,1]", "fc[0,2]"]


def test_fc_upper_max_pairs_takes_a_subset():
    ts = _series(n_nodes=8)
    full = np.asarray(Summaries(fc_upper()).of_timeseries(ts, 1.0))
    some = Summaries(fc_upper(max_pairs=6))
    got = np.asarray(some.of_timeseries(ts, 1.0))
    assert got.shape == (6,) and some.size(8) == 6 and len(some.labels(8)) == 6
    assert np.all(np.isin(got, full))
    assert some.labels(8)[0] == "fc[0,1]" and some.labels(8)[-1] == "fc[6,7]"


def test_fc_quantiles_summary_and_sc_correlation():
    ts = _series(n_nodes=6)
    tri = np.asarray(metrics.fc(ts))[np.triu_indices(6, k=1)]
    q = (0.1, 0.5, 0.9)
    np.testing.assert_allclose(Summaries(fc_quantiles(q)).of_timeseries(ts, 1.0), np.quantile(tri, q), rtol=1e-12)
    np.testing.assert_allclose(Summaries(fc_summary()).of_timeseries(ts, 1.0), [tri.mean(), tri.std()], rtol=1e-12)
    cmat = np.random.default_rng(1).uniform(size=(6, 6))
    cmat = cmat + cmat.T
    expected = np.corrcoef(tri, cmat[np.triu_indices(6, k=1)])[0, 1]
    np.testing.assert_allclose(Summaries(fc_sc_correlation(cmat)).of_timeseries(ts, 1.0), [expected], rtol=1e-10)


def test_fcd_quantiles_against_numpy():
    ts = _series(n_time=300, n_nodes=4)
    q = (0.25, 0.5, 0.75)
    fcd = np.asarray(metrics.fcd(ts, 40, 10))
    expected = np.quantile(fcd[np.triu_indices(fcd.shape[0], k=1)], q)
    got = Summaries(fcd_quantiles(q, window_size=40, step_size=10)).of_timeseries(ts, 1.0)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_fcd_quantiles_too_short_is_refused():
    with pytest.raises(ValueError, match="needs at least 51 samples"):
        Summaries(fcd_quantiles(window_size=40, step_size=10)).of_timeseries(_series(n_time=50), 1.0)


def test_spectral_peak_finds_each_regions_sinusoid():
    dt = 1.0  # ms
    t = np.arange(2000) * dt
    freqs = np.array([7.3, 12.0, 31.4, 44.9])  # Hz, between the 0.5 Hz bins of a 2 s segment
    rng = np.random.default_rng(2)
    ts = np.sin(2 * np.pi * freqs[None, :] * t[:, None] / 1000.0 + rng.uniform(0, 6, 4)) + 0.05 * rng.standard_normal(
        (2000, 4)
    )
    got = np.asarray(Summaries(spectral_peak()).of_timeseries(ts, dt))
    # The parabola through the log powers places the peak well inside a bin (0.5 Hz) of the true frequency.
    np.testing.assert_allclose(got, freqs, atol=0.15)
    mean = np.asarray(Summaries(spectral_peak(per_region=False, f_min=20.0)).of_timeseries(ts[:, 2:], dt))
    assert mean.shape == (1,) and abs(mean[0] - 31.4) < 0.5 or abs(mean[0] - 44.9) < 0.5


def test_signal_stats_and_custom():
    ts = _series()
    v = np.var(np.asarray(ts), axis=0)
    a = np.ptp(np.asarray(ts), axis=0)
    np.testing.assert_allclose(
        Summaries(signal_stats()).of_timeseries(ts, 1.0), [np.log(v.mean()), np.log(a.mean())], rtol=1e-12
    )
    per = Summaries(signal_stats(per_region=True, log=False))
    np.testing.assert_allclose(per.of_timeseries(ts, 1.0), np.concatenate([v, a]), rtol=1e-12)
    assert per.labels(5)[0] == "var[0]" and per.labels(5)[5] == "amplitude[0]"
    mine = Summaries(custom(lambda s: jnp.mean(s, axis=0)[:2], 2, "m"))
    np.testing.assert_allclose(mine.of_timeseries(ts, 1.0), np.asarray(ts).mean(axis=0)[:2], rtol=1e-12)
    assert mine.labels(5) == ["m[0]", "m[1]"]


def test_labels_and_size_agree_with_the_vector():
    summ = Summaries(fc_summary(), fc_quantiles(), signal_stats(per_region=True), spectral_peak(), fc_upper(3))
    got = summ.of_timeseries(_series(n_time=500, n_nodes=6), 1.0)
    assert got.shape == (summ.size(6),) == (len(summ.labels(6)),)
    assert len(set(summ.labels(6))) == summ.size(6)


def test_batch_of_series():
    ts = jnp.stack([_series(seed=s) for s in range(3)])
    summ = Summaries(fc_summary(), signal_stats())
    got = summ.of_timeseries(ts, 1.0)
    assert got.shape == (3, 4)
    np.testing.assert_allclose(got[1], summ.of_timeseries(ts[1], 1.0), rtol=1e-12)


def test_evaluator_equals_of_timeseries_on_the_same_signal(key):
    net = jaxbrain.Connectome(np.ones((4, 4)) - np.eye(4), np.full((4, 4), 10.0))
    params = jaxbrain.models.hopf.Params(a=-0.05, K_gl=0.5, sigma_ou=0.05)
    res = jaxbrain.simulate("hopf", params, net, key=key, duration=300.0, sampling_dt=1.0)
    summ = Summaries(fc_summary(), spectral_peak(), signal_stats(), signal="x", transient_ms=100.0)
    batched = res._replace(outputs={"x": res.outputs["x"][None]})
    got = np.asarray(summ(batched)["summaries"])
    assert got.shape == (1, summ.size(4))
    keep = np.asarray(res.t) > 100.0
    assert keep.sum() == 200
    expected = np.asarray(summ.of_timeseries(res.outputs["x"][keep], 1.0))
    # The same arithmetic on the same samples, traced in two programs (vmapped and not): agreement to rounding.
    np.testing.assert_allclose(got[0], expected, rtol=1e-9, atol=1e-12)


def test_result_statistic_in_the_evaluator_only():
    stat = of_result(lambda res: jnp.max(res.outputs["x"], axis=(1, 2))[:, None], 1, "max_x", outputs="x")
    summ = Summaries(fc_summary(), stat, signal="x")
    assert summ.outputs == ("x",) and summ.labels(3) == ["fc_mean", "fc_std", "max_x"]
    with pytest.raises(ValueError, match="functions of a simulation's Result"):
        summ.of_timeseries(_series(), 1.0)


def test_signal_settings():
    assert Summaries(fc_summary(), signal="bold").bold
    assert Summaries(fc_summary(), signal="x").outputs == ("x",)
    assert Summaries(fc_summary()).outputs is None
    with pytest.raises(ValueError, match="not the BOLD"):
        Summaries(fc_summary(), signal="x").of_bold(_series())
    bold = Summaries(fc_summary(), signal="bold")
    np.testing.assert_allclose(bold.of_bold(_series()), bold.of_timeseries(_series(), 2000.0), rtol=1e-12)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: Summaries(), ValueError, "at least one statistic"),
        (lambda: Summaries(lambda ts: ts), TypeError, "statistics"),
        (lambda: Summaries(fc_summary(), transient_ms=-1.0), ValueError, "transient_ms"),
        (lambda: Summaries(fc_summary(), signal=3), TypeError, "signal"),
        (lambda: fc_quantiles(q=(0.5, 1.5)), ValueError, r"\[0, 1\]"),
        (lambda: fcd_quantiles(window_size=1), ValueError, "window_size"),
        (lambda: fc_upper(max_pairs=0), ValueError, "max_pairs"),
        (lambda: fc_sc_correlation(np.ones((3, 4))), ValueError, "square"),
        (lambda: spectral_peak(f_min=10.0, f_max=5.0), ValueError, "f_max > f_min"),
        (lambda: custom(lambda s: s, 0, "c"), ValueError, "size"),
        (lambda: custom(3, 1, "c"), TypeError, "fn"),
        (lambda: Summaries(fc_summary()).of_timeseries(np.ones(5), 1.0), ValueError, "time, node"),
        (lambda: Summaries(fc_summary()).of_timeseries(np.full((5, 3), np.nan), 1.0), ValueError, "finite"),
        (lambda: Summaries(fc_summary()).of_timeseries(np.ones((5, 3)), 0.0), ValueError, "dt"),
    ],
)
def test_bad_input(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_transient_longer_than_the_run_is_refused(key):
    res = jaxbrain.simulate("hopf", None, key=key, duration=50.0)
    batched = res._replace(outputs={"x": res.outputs["x"][None]})
    with pytest.raises(ValueError, match="after the 100 ms transient"):
        Summaries(signal_stats(), signal="x", transient_ms=100.0)(batched)
