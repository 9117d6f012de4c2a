"""fc_comparison, fc_scatter, fcd_matrix: the images and points they promise, the correlation, input checks."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from jaxbrain import Result  # noqa: E402
from jaxbrain.metrics import fcd, matrix_correlation  # noqa: E402
from jaxbrain.plot import fc_comparison, fc_scatter, fcd_matrix  # noqa: E402

N = 6


def _fcs():
    rng = np.random.default_rng(0)
    sim = np.corrcoef(rng.normal(size=(N, 40)))
    emp = np.corrcoef(rng.normal(size=(N, 40)) + 0.5 * rng.normal(size=(1, 40)))
    return sim, emp


def test_comparison_two_images_on_one_colour_scale():
    sim, emp = _fcs()
    fig = fc_comparison(sim, emp, labels=[f"r{i}" for i in range(N)])
    assert isinstance(fig, Figure)
    panels = [ax for ax in fig.axes if ax.get_images()]
    assert len(panels) == 2
    (left,), (right,) = (ax.get_images() for ax in panels)
    np.testing.assert_array_equal(left.get_array(), sim)
    np.testing.assert_array_equal(right.get_array(), emp)
    assert left.get_clim() == right.get_clim()
    off = ~np.eye(N, dtype=bool)
    lim = max(np.abs(sim[off]).max(), np.abs(emp[off]).max())
    np.testing.assert_allclose(left.get_clim(), (-lim, lim), rtol=1e-12)
    r = float(matrix_correlation(sim, emp))
    assert f"{r:.3f}" in fig.get_suptitle()
    assert [t.get_text() for t in panels[0].get_xticklabels()] == [f"r{i}" for i in range(N)]
    assert len(fig.axes) == 3  # and one shared colour bar


def test_comparison_on_given_axes_and_fixed_scale():
    sim, emp = _fcs()
    fig = Figure()
    axes = fig.subplots(1, 2)
    assert fc_comparison(sim, emp, axes=axes, vmin=-1.0, vmax=1.0) is fig
    assert axes[0].get_images()[0].get_clim() == axes[1].get_images()[0].get_clim() == (-1.0, 1.0)
    assert "r = " in axes[0].get_title()


def test_scatter_upper_triangle_points_and_r():
    sim, emp = _fcs()
    fig = fc_scatter(sim, emp)
    ax = fig.axes[0]
    (points,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    offsets = np.asarray(points.get_offsets())
    assert offsets.shape == (N * (N - 1) // 2, 2)
    rows, cols = np.triu_indices(N, k=1)
    np.testing.assert_allclose(offsets, np.stack([emp[rows, cols], sim[rows, cols]], axis=1))
    assert f"r = {float(matrix_correlation(sim, emp)):.3f}" in ax.get_title()
    assert len(ax.get_lines()) == 1  # the least-squares line
    assert not fc_scatter(sim, emp, fit_line=False).axes[0].get_lines()


def test_fcd_image_equals_the_metric():
    rng = np.random.default_rng(2)
    ts = rng.normal(size=(60, 4)).cumsum(axis=0)
    fig = fcd_matrix(ts, window=10, step=5)
    (image,) = fig.axes[0].get_images()
    expected = np.asarray(fcd(ts, 10, 5))
    assert expected.shape == (10, 10)
    np.testing.assert_allclose(image.get_array(), expected)
    assert fig.axes[0].get_xlabel() == "window"

    timed = fcd_matrix(ts, window=10, step=5, dt_ms=2000.0).axes[0]
    assert timed.get_xlabel() == "window start (s)"
    np.testing.assert_allclose(timed.get_images()[0].get_extent(), (-5.0, 95.0, 95.0, -5.0))


def test_fcd_of_a_result_uses_bold_and_its_tr():
    rng = np.random.default_rng(3)
    bold = rng.normal(size=(40, 4))
    res = Result(
        t=np.arange(1.0, 11.0), outputs={"x": rng.normal(size=(10, 4))}, t_bold=2000.0 * np.arange(1, 41),
        bold=bold, final=None, ok=np.bool_(True), labels=tuple("abcd"), model="hopf", params=None,
    )  # fmt: skip
    ax = fcd_matrix(res, window=10, step=5).axes[0]
    np.testing.assert_allclose(ax.get_images()[0].get_array(), np.asarray(fcd(bold, 10, 5)))
    assert ax.get_xlabel() == "window start (s)"


def test_a_matrix_scores_one_against_itself():
    sim, _ = _fcs()
    assert fc_comparison(sim, sim).get_suptitle().endswith("= 1.000")


@pytest.mark.parametrize(
    ("sim", "emp", "match"),
    [
        (np.zeros((4, 5)), np.zeros((4, 4)), "`sim_fc` must be a square"),
        (np.eye(4), np.eye(5), "same shape"),
        (np.eye(2), np.eye(2), "at least 3 x 3"),
        (np.eye(4), np.where(np.eye(4) > 0, np.nan, 0.0), "`emp_fc` contains 4 NaN"),
        (np.eye(4)[None], np.eye(4), "`sim_fc` must have 2 dimensions"),
    ],
)
def test_fc_bad_input(sim, emp, match):
    with pytest.raises(ValueError, match=match):
        fc_comparison(sim, emp)
    with pytest.raises(ValueError, match=match):
        fc_scatter(sim, emp)


def test_more_bad_input():
    sim, emp = _fcs()
    with pytest.raises(ValueError, match="`labels` must name each of the 6 nodes"):
        fc_comparison(sim, emp, labels=["a", "b"])
    with pytest.raises(ValueError, match="too few for one window"):
        fcd_matrix(np.zeros((20, 3)), window=30, step=5)
    with pytest.raises(ValueError, match="`ts` contains 3 NaN"):
        fcd_matrix(np.where(np.arange(60)[:, None] == 3, np.nan, np.ones((60, 3))), window=10, step=5)
    with pytest.raises(ValueError, match="dt_ms"):
        fcd_matrix(np.ones((60, 3)), window=10, step=5, dt_ms=-1.0)
