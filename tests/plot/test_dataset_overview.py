"""dataset_overview: three images (Cmat, Dmat, mean FC) with colour bars and titles; input checks."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.colors import LogNorm  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from jaxbrain import Dataset  # noqa: E402
from jaxbrain.plot import dataset_overview  # noqa: E402


def _small(n=4, subjects=3):
    rng = np.random.default_rng(0)
    cmat = rng.uniform(0.0, 1.0, (n, n))
    cmat[0, 1] = 0.0
    dmat = rng.uniform(10.0, 100.0, (n, n))
    fcs = []
    for _ in range(subjects):
        a = rng.normal(size=(n, 20))
        fcs.append(np.corrcoef(a))
    return {"Cmat": cmat, "Dmat": dmat, "FCs": fcs}


def test_the_gw_dataset_at_a_glance():
    ds = Dataset("gw")
    fig = dataset_overview(ds)
    assert isinstance(fig, Figure)
    panels = [ax for ax in fig.axes if ax.get_images()]
    assert len(panels) == 3 and len(fig.axes) == 6  # three images, three colour bars
    titles = [ax.get_title() for ax in panels]
    assert titles == ["structural connectivity (Cmat)", "fibre lengths (Dmat)", "empirical FC, mean of 5 subjects"]
    cmat, dmat, fc = (ax.get_images()[0] for ax in panels)
    assert isinstance(cmat.norm, LogNorm)
    np.testing.assert_allclose(cmat.get_array().filled(0.0), ds.Cmat)
    np.testing.assert_allclose(dmat.get_array(), ds.Dmat)
    np.testing.assert_allclose(fc.get_array(), np.mean(ds.FCs, axis=0))
    assert fc.norm.vmin == -fc.norm.vmax  # symmetric about 0
    off = ~np.eye(ds.n_nodes, dtype=bool)
    assert fc.norm.vmax == pytest.approx(np.abs(np.mean(ds.FCs, axis=0)[off]).max())
    assert [ax.get_ylabel() for ax in fig.axes[3:]] == ["coupling (log scale)", "fibre length (mm)", "correlation"]


def test_a_dict_with_one_fc_linear_scale_and_given_axes():
    data = _small()
    data["FCs"] = data["FCs"][0]
    fig = Figure()
    axes = fig.subplots(1, 3)
    assert dataset_overview(data, log_cmat=False, axes=axes) is fig
    image = axes[0].get_images()[0]
    assert not isinstance(image.norm, LogNorm)
    assert image.get_array()[0, 1] == 0.0  # zeros shown, not masked, on a linear scale
    assert axes[2].get_title() == "empirical FC, mean of 1 subject"


def test_zero_couplings_are_blank_on_the_log_scale():
    image = dataset_overview(_small()).axes[0].get_images()[0]
    assert image.get_array().mask[0, 1] and image.get_array().mask.sum() == 1


def test_bad_input():
    bad = _small()
    del bad["Dmat"]
    with pytest.raises(TypeError, match="has no Dmat"):
        dataset_overview(bad)
    bad = _small()
    bad["Dmat"] = bad["Dmat"][:3, :3]
    with pytest.raises(ValueError, match=r"Dmat must be \(4, 4\)"):
        dataset_overview(bad)
    bad = _small()
    bad["Dmat"][1, 2] = -1.0
    with pytest.raises(ValueError, match="negative fibre lengths"):
        dataset_overview(bad)
    bad = _small()
    bad["Cmat"][2, 2] = np.nan
    with pytest.raises(ValueError, match="Cmat` contains 1 NaN"):
        dataset_overview(bad)
    bad = _small()
    bad["FCs"] = [np.eye(4), np.eye(3)]
    with pytest.raises(ValueError, match="FCs"):
        dataset_overview(bad)
    bad = _small()
    bad["Cmat"] = np.zeros((4, 4))
    with pytest.raises(ValueError, match="log_cmat"):
        dataset_overview(bad)
    with pytest.raises(ValueError, match="three matplotlib axes"):
        dataset_overview(_small(), axes=Figure().subplots(1, 2))
