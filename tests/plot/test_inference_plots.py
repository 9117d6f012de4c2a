"""SBC rank histograms, coverage curves and posterior corner plots: what they draw, and refusals of bad input."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402
from scipy import stats  # noqa: E402

from jaxbrain.plot import coverage_curve, posterior_pairs, sbc_histogram  # noqa: E402
from jaxbrain.plot._inference import rank_bins  # noqa: E402


def _filled_outline(ax):
    """The outline vertices of the one filled step patch (the histogram drawn with ``stairs(fill=True)``)."""
    filled = [p for p in ax.patches if p.get_fill()]
    assert len(filled) == 1
    verts = filled[0].get_path().vertices
    return verts


def test_rank_bins_share_the_rank_values_exactly():
    edges, share = rank_bins(9, 5)  # ranks 0..9: two per bin
    np.testing.assert_allclose(share, [0.2] * 5)
    edges, share = rank_bins(10, 4)  # 11 values over 4 bins (edges at 0, 2.75, 5.5, 8.25, 11): 0-2, 3-5, 6-8, 9-10
    assert share.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(share * 11, [3, 3, 3, 2])
    assert edges[0] == 0 and edges[-1] == 11


def test_sbc_histogram_counts_and_band():
    rng = np.random.default_rng(0)
    ranks = np.stack([rng.integers(0, 100, 200), np.full(200, 99)], axis=1)  # uniform, and all at the top
    fig = sbc_histogram(ranks, 99, labels=["K_gl", "sigma_ou"], bins=10, pvalues=[0.5, 1e-9])
    assert isinstance(fig, Figure)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 2
    assert "K_gl" in axes[0].get_title() and "p = 0.5" in axes[0].get_title()
    assert "1e-09" in axes[1].get_title()
    # The band: the binomial 0.5 % and 99.5 % quantiles of 200 draws at p = 0.1.
    band = axes[0].collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == stats.binom.ppf(0.005, 200, 0.1)
    assert band.max() == stats.binom.ppf(0.995, 200, 0.1)
    # The second parameter's histogram puts all 200 counts in the last bin.
    top = _filled_outline(axes[1])[:, 1]
    assert top.max() == 200


def test_sbc_histogram_default_bins_and_one_parameter():
    fig = sbc_histogram(np.arange(50) % 20, 19)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 1
    assert fig.axes[0].get_title() == "θ[0]"


@pytest.mark.parametrize(
    ("ranks", "n_samples", "kwargs", "match"),
    [
        (np.array([0, 5, 11]), 10, {}, "whole numbers in 0"),
        (np.array([0.5, 2.0]), 10, {}, "whole numbers"),
        (np.array([[0, 1]]), 10, {"labels": ["a"]}, "labels"),
        (np.array([[0, 1]]), 10, {"pvalues": [0.1]}, "pvalues"),
        (np.array([0, 1]), 10, {"bins": 12}, "bins"),
        (np.array([0, 1]), 10, {"band": 1.5}, "band"),
        (np.array([0, np.nan]), 10, {}, "NaN"),
    ],
)
def test_sbc_histogram_refuses_bad_input(ranks, n_samples, kwargs, match):
    with pytest.raises(ValueError, match=match):
        sbc_histogram(ranks, n_samples, **kwargs)


def test_sbc_histogram_needs_whole_n_samples():
    with pytest.raises(TypeError, match="n_samples"):
        sbc_histogram(np.array([0, 1]), 10.0)


def test_coverage_curve_draws_each_parameter_against_the_diagonal():
    levels = np.array([0.5, 0.8, 0.9])
    cov = np.array([[0.52, 0.4], [0.81, 0.6], [0.9, 0.7]])
    fig = coverage_curve(levels, cov, 100, labels=["K_gl", "sigma_ou"])
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.lines}
    np.testing.assert_allclose(lines["K_gl"].get_ydata(), cov[:, 0])
    np.testing.assert_allclose(lines["sigma_ou"].get_xdata(), levels)
    # The band at 0.5 spans the binomial's central 95 % of 100 tests.
    verts = ax.collections[0].get_paths()[0].vertices
    at_half = verts[np.isclose(verts[:, 0], 0.5)][:, 1]
    assert at_half.min() == pytest.approx(stats.binom.ppf(0.025, 100, 0.5) / 100)
    assert at_half.max() == pytest.approx(stats.binom.ppf(0.975, 100, 0.5) / 100)


@pytest.mark.parametrize(
    ("levels", "cov", "match"),
    [
        ([0.5, 0.4], [0.5, 0.4], "increasing"),
        ([0.0, 0.5], [0.1, 0.5], "in \\(0, 1\\)"),
        ([0.5, 0.9], [0.5], "one row per level"),
        ([0.5, 0.9], [0.5, 1.2], "shares in \\[0, 1\\]"),
    ],
)
def test_coverage_curve_refuses_bad_input(levels, cov, match):
    with pytest.raises(ValueError, match=match):
        coverage_curve(levels, cov, 50)


def test_posterior_pairs_from_a_dict_with_a_per_region_parameter():
    rng = np.random.default_rng(1)
    samples = {"K_gl": rng.normal(1.0, 0.1, 300), "a": rng.normal(-0.05, 0.01, (300, 2))}
    fig = posterior_pairs(samples, truth={"K_gl": 1.0, "a": [-0.05, -0.04]}, bins=10)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(fig.axes) == 9 and len(visible) == 6  # lower triangle of a 3 × 3 grid
    bottom = [ax.get_xlabel() for ax in fig.axes[6:9]]
    assert bottom == ["K_gl", "a[0]", "a[1]"]
    # The diagonal histogram of K_gl holds every sample; the truth is marked.
    diag = fig.axes[0]
    assert sum(p.get_height() for p in diag.patches) == 300
    assert any(np.allclose(line.get_xdata(), 1.0) for line in diag.lines)


def test_posterior_pairs_refuses_bad_input():
    with pytest.raises(ValueError, match="truth"):
        posterior_pairs(np.zeros((10, 2)) + np.arange(10)[:, None], truth=[1.0])
    with pytest.raises(ValueError, match="same number of samples"):
        posterior_pairs({"a": np.arange(5.0), "b": np.arange(6.0)})
    with pytest.raises(ValueError, match="at least 2 samples"):
        posterior_pairs(np.zeros((1, 2)))


def test_the_figures_take_the_calibration_results_of_jaxbrain_infer():
    import jax.random as jr

    from jaxbrain.infer import Normal, Prior, calibrate

    class Exact:  # theta ~ N(0, 1), x = theta + N(0, 0.25): the exact posterior N(0.8 x, 0.2)
        prior = Prior({"theta": Normal(0.0, 1.0)})

        def sample_flat(self, key, x, n):
            z = np.asarray(jr.normal(key, (len(x), n, 1)))
            return 0.8 * np.asarray(x)[:, None, :] + np.sqrt(0.2) * z

    rng = np.random.default_rng(3)
    theta = rng.normal(size=(120, 1))
    report = calibrate(Exact(), theta, theta + 0.5 * rng.normal(size=(120, 1)), key=jr.key(0), n_samples=99)
    fig = sbc_histogram(report)
    (ax,) = [a for a in fig.axes if a.get_visible()]
    assert ax.get_title().startswith("theta  (p = ")
    assert _filled_outline(ax)[:, 0].max() == 100  # the bins span the ranks 0 … 99
    fig = coverage_curve(report.coverage)
    line = next(line for line in fig.axes[0].lines if line.get_label() == "theta")
    np.testing.assert_allclose(line.get_ydata(), report.coverage.coverage[:, 0])
    with pytest.raises(TypeError, match="n_samples is needed"):
        sbc_histogram(report.sbc.ranks)
    with pytest.raises(TypeError, match="coverage and n_test"):
        coverage_curve(report.coverage.levels)
