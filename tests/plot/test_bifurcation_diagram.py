"""bifurcation_diagram: the value map, the amplitude = threshold outline, the hatched region, the legend; checks."""

import matplotlib
import numpy as np
import pytest
import xarray as xr

matplotlib.use("Agg")

from matplotlib.collections import QuadMesh  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from jaxbrain.plot import bifurcation_diagram  # noqa: E402

MUE = np.linspace(0.0, 3.0, 13)
MUI = np.linspace(0.0, 2.0, 9)


def _sweep():
    """An oscillating disc of radius 0.8 around (1.5, 1.0): amplitude 25 (1 - r²/0.64) inside, 0 outside."""
    e, i = np.meshgrid(MUE, MUI, indexing="ij")
    r2 = (e - 1.5) ** 2 + (i - 1.0) ** 2
    amplitude = np.clip(25.0 * (1.0 - r2 / 0.64), 0.0, None)
    return xr.Dataset(
        {"max_rates_exc": (("mue", "mui"), amplitude + 3.0 * e), "amplitude_rates_exc": (("mue", "mui"), amplitude)},
        coords={"mue": MUE, "mui": MUI},
    )


def _contours(ax):
    return [c for c in ax.collections if isinstance(c, ContourSet)]


def test_outline_hatching_and_legend():
    ds = _sweep()
    fig = bifurcation_diagram(ds, "mue", "mui", "max_rates_exc", threshold=10.0)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert mesh.get_array().shape == (len(MUI), len(MUE))
    line, region = _contours(ax)
    assert list(line.levels) == [10.0] and not line.filled
    assert region.filled and region.hatches == ["//"]
    n_osc = int((ds["amplitude_rates_exc"] > 10.0).sum())
    assert 0 < n_osc < ds["amplitude_rates_exc"].size
    (text,) = ax.get_legend().get_texts()
    assert text.get_text() == f"amplitude_rates_exc > 10: {n_osc} of {MUE.size * MUI.size} points"
    assert ax.get_title() == "oscillating where amplitude_rates_exc > 10"
    assert ax.get_xlabel() == "mue" and ax.get_ylabel() == "mui"
    assert len(fig.axes) == 2  # the colour bar of the value
    # The outline lies inside the parameter box, around the disc's centre.
    vertices = np.concatenate([p.vertices for p in line.get_paths()])
    assert np.all(np.abs(vertices.mean(axis=0) - [1.5, 1.0]) < 0.1)


def test_a_table_an_explicit_amplitude_and_no_shading():
    table = _sweep().to_dataframe().reset_index()
    table["amp"] = table["amplitude_rates_exc"]
    fig = Figure()
    ax = fig.add_subplot()
    assert bifurcation_diagram(table, "mue", "mui", "max_rates_exc", amplitude="amp", threshold=5.0, shade=False,
                               ax=ax) is fig  # fmt: skip
    (line,) = _contours(ax)
    assert list(line.levels) == [5.0]
    assert ax.get_legend().get_texts()[0].get_text().startswith("amp > 5:")


def test_no_point_oscillates():
    ax = bifurcation_diagram(_sweep(), "mue", "mui", "max_rates_exc", threshold=100.0).axes[0]
    assert not _contours(ax)  # no border to draw
    assert ax.get_legend().get_texts()[0].get_text().endswith(": 0 of 117 points")


def test_diverged_points_keep_their_legend():
    ds = _sweep()
    ok = np.ones((len(MUE), len(MUI)), bool)
    ok[0, 0] = False
    ds["ok"] = (("mue", "mui"), ok)
    ax = bifurcation_diagram(ds, "mue", "mui", "max_rates_exc", threshold=10.0).axes[0]
    legends = [a for a in ax.get_children() if isinstance(a, matplotlib.legend.Legend)]
    texts = sorted(t.get_text() for legend in legends for t in legend.get_texts())
    assert len(legends) == 2 and texts[1].startswith("diverged (ok = False): 1 point")


def test_bad_input():
    ds = _sweep()
    with pytest.raises(ValueError, match="`threshold` must be a finite number"):
        bifurcation_diagram(ds, "mue", "mui", "max_rates_exc", threshold=float("nan"))
    with pytest.raises(TypeError, match="`threshold` must be a number"):
        bifurcation_diagram(ds, "mue", "mui", "max_rates_exc", threshold="10")
    with pytest.raises(TypeError, match="threshold"):
        bifurcation_diagram(ds, "mue", "mui", "max_rates_exc")
    with pytest.raises(ValueError, match="give `amplitude=`"):
        bifurcation_diagram(ds.drop_vars("amplitude_rates_exc"), "mue", "mui", "max_rates_exc", threshold=1.0)
    with pytest.raises(ValueError, match="give `amplitude=`"):
        bifurcation_diagram(ds, "mue", "mui", "amplitude_rates_exc", threshold=1.0)
    with pytest.raises(TypeError, match="`amplitude` must be"):
        bifurcation_diagram(ds, "mue", "mui", "max_rates_exc", amplitude=3, threshold=1.0)
    with pytest.raises(ValueError, match="'nope' is not in the data"):
        bifurcation_diagram(ds, "mue", "mui", "max_rates_exc", amplitude="nope", threshold=1.0)
    with pytest.raises(ValueError, match="two different parameters"):
        bifurcation_diagram(ds, "mue", "mue", "max_rates_exc", threshold=1.0)
    with pytest.raises(ValueError, match="two or more values"):
        bifurcation_diagram(ds.isel(mui=[0]), "mue", "mui", "max_rates_exc", threshold=1.0)
    shifted = ds["amplitude_rates_exc"].assign_coords(mue=MUE + 0.1)
    with pytest.raises(ValueError, match="not on the same mue × mui grid"):
        bifurcation_diagram(ds, "mue", "mui", "max_rates_exc", amplitude=shifted, threshold=1.0)
    with pytest.raises(TypeError, match="data must be"):
        bifurcation_diagram(np.zeros((3, 3)), "mue", "mui", "max_rates_exc", amplitude="a", threshold=1.0)
