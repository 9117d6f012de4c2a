"""sweep_map: one mesh of the right shape and extent, labels, colour bar, contours, hatched failed cells."""

import json
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
import xarray as xr

matplotlib.use("Agg")

from matplotlib.collections import QuadMesh  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from jaxbrain.explore import ParameterSpace, sweep, window_stats  # noqa: E402
from jaxbrain.plot import sweep_map  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
A = [-0.5, 0.0, 0.5]
W = [0.1, 0.2, 0.3, 0.4]


@pytest.fixture(scope="module")
def hopf_sweep(tmp_path_factory):
    """A real 3 × 4 Hopf sweep (a × w, one node, 50 ms): max/min/amplitude of x over the last 20 ms."""
    import jax.random as jr

    space = ParameterSpace({"a": A, "w": W})
    store = tmp_path_factory.mktemp("sweep") / "hopf.zarr"
    return sweep("hopf", space, key=jr.key(0), evaluate=window_stats(last_ms=20.0), store=store, duration=50.0,
                 progress=False)  # fmt: skip


def _synthetic():
    """A 5 × 6 grid over p × q with two failed points and one point not computed yet."""
    p = np.linspace(0.0, 2.0, 5)
    q = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0])  # uneven spacing
    P, Q = np.meshgrid(p, q, indexing="ij")
    r = P * np.log2(Q)
    ok = np.ones(P.shape, bool)
    ok[4, 5] = ok[3, 5] = False
    done = np.ones(P.shape, bool)
    done[0, 0] = False
    r[~ok] = np.nan
    r[~done] = np.nan
    ok &= done  # a store reads ok = False where a batch is not done
    return xr.Dataset(
        {"r": (("p", "q"), r), "s": (("p", "q"), P + Q), "ok": (("p", "q"), ok), "done": (("p", "q"), done)},
        coords={"p": p, "q": q},
    )


def _mesh(fig):
    meshes = [c for c in fig.axes[0].collections if isinstance(c, QuadMesh)]
    assert len(meshes) == 1
    return meshes[0]


def _contours(fig):
    return [c for c in fig.axes[0].collections if isinstance(c, ContourSet)]


def _hatched(fig):
    return [p for p in fig.axes[0].patches if p.get_hatch()]


def test_map_of_a_real_sweep(hopf_sweep):
    ds = hopf_sweep.dataset
    fig = sweep_map(ds, "a", "w", "max_x")
    assert isinstance(fig, Figure)
    ax, cbar_ax = fig.axes
    z = _mesh(fig).get_array()
    assert z.shape == (len(W), len(A))  # rows: y (w), columns: x (a)
    np.testing.assert_allclose(z, ds["max_x"].transpose("w", "a").values)
    # Cells are centred on the grid values: edges half a step beyond the first and last value.
    corners = _mesh(fig).get_coordinates()
    np.testing.assert_allclose(corners[0, :, 0], [-0.75, -0.25, 0.25, 0.75])
    np.testing.assert_allclose(corners[:, 0, 1], [0.05, 0.15, 0.25, 0.35, 0.45])
    assert ax.get_xlabel() == "a" and ax.get_ylabel() == "w"
    assert cbar_ax.get_ylabel() == "max_x"
    assert _contours(fig) == [] and _hatched(fig) == [] and ax.get_legend() is None


def test_table_and_point_layouts_give_the_same_map(hopf_sweep):
    grid = _mesh(sweep_map(hopf_sweep.dataset, "a", "w", "amplitude_x")).get_array()
    table = _mesh(sweep_map(hopf_sweep.table(), "a", "w", "amplitude_x")).get_array()
    points = _mesh(sweep_map(hopf_sweep.store.to_xarray(), "a", "w", "amplitude_x")).get_array()
    np.testing.assert_array_equal(table, grid)
    np.testing.assert_array_equal(points, grid)
    # Swapping the axes transposes the map.
    swapped = _mesh(sweep_map(hopf_sweep.dataset, "w", "a", "amplitude_x")).get_array()
    np.testing.assert_array_equal(swapped, grid.T)


def test_contours(hopf_sweep):
    ds = hopf_sweep.dataset
    auto = sweep_map(ds, "a", "w", "max_x", contour=True)
    assert len(_contours(auto)) == 1 and len(_contours(auto)[0].levels) >= 2
    fixed = sweep_map(ds, "a", "w", "max_x", contour=[0.3, 0.1])
    np.testing.assert_array_equal(_contours(fixed)[0].levels, [0.1, 0.3])
    other = sweep_map(ds, "a", "w", "max_x", contour="amplitude_x", contour_levels=[0.5])
    (lines,) = _contours(other)
    np.testing.assert_array_equal(lines.levels, [0.5])
    # amplitude 0.5 lies between a = 0 (about 0.25) and a = 0.5 (about 1.4): the line runs between them.
    segments = np.concatenate([s for s in lines.allsegs[0]])
    assert 0.0 < segments[:, 0].min() and segments[:, 0].max() < 0.5
    assert _mesh(other).get_array().shape == (4, 3)


def test_failed_cells_are_hatched_and_masked():
    ds = _synthetic()
    fig = sweep_map(ds, "p", "q", "r", contour=True)
    z = _mesh(fig).get_array()
    assert z.shape == (6, 5)
    failed = ds["done"].values & ~ds["ok"].values
    assert failed.sum() == 2
    # Failed cells and the cell not computed yet are masked in the mesh; only failed ones are hatched.
    np.testing.assert_array_equal(np.ma.getmaskarray(z), ~np.isfinite(ds["r"].values.T))
    hatched = _hatched(fig)
    assert len(hatched) == 2
    corners = sorted((round(p.get_x(), 6), round(p.get_y(), 6)) for p in hatched)
    assert corners == [(1.25, 24.0), (1.75, 24.0)]  # p = 1.5 and 2.0 at q = 32 (q edges ..., 24, 40)
    assert "diverged (ok = False): 2 points" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    # Contours skip the masked cells but are still drawn.
    assert len(_contours(fig)) == 1


def test_synthetic_table_and_default_value():
    ds = _synthetic()
    table = ds.to_dataframe().reset_index()
    fig = sweep_map(table, "p", "q", "r")
    np.testing.assert_array_equal(_mesh(fig).get_array(), _mesh(sweep_map(ds, "p", "q", "r")).get_array())
    assert len(_hatched(fig)) == 2
    # value=None picks the only result, or names the candidates.
    only = xr.Dataset({"r": ds["r"], "ok": ds["ok"]})
    assert sweep_map(only, "p", "q").axes[1].get_ylabel() == "r"
    assert sweep_map(ds["s"], "p", "q").axes[1].get_ylabel() == "s"
    with pytest.raises(ValueError, match="pass value=.*r, s"):
        sweep_map(ds, "p", "q")


def test_units_label_and_existing_axes():
    ds = _synthetic()
    ds["r"].attrs.update(long_name="rate", units="Hz")
    ds["p"].attrs.update(units="mV/ms")
    fig = Figure()
    ax = fig.add_subplot(1, 2, 2)
    assert sweep_map(ds, "p", "q", "r", ax=ax, vmin=0.0, vmax=5.0) is fig
    assert ax.get_xlabel() == "p (mV/ms)"
    assert fig.axes[-1].get_ylabel() == "rate (Hz)"
    assert _mesh_on(ax).norm.vmax == 5.0


def _mesh_on(ax):
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    return mesh


def test_figure_saves(tmp_path, hopf_sweep):
    path = tmp_path / "map.png"
    sweep_map(hopf_sweep.dataset, "a", "w", "max_x", contour=True).savefig(path)
    assert path.stat().st_size > 5_000


def test_bad_arguments_raise_clear_errors(hopf_sweep):
    ds, table = hopf_sweep.dataset, hopf_sweep.table()
    with pytest.raises(ValueError, match="x 'nope' is not a parameter of 'max_x'"):
        sweep_map(ds, "nope", "w", "max_x")
    with pytest.raises(ValueError, match="y 'nope' is not a column"):
        sweep_map(table, "a", "nope", "max_x")
    with pytest.raises(ValueError, match="value 'nope' is not in the data"):
        sweep_map(ds, "a", "w", "nope")
    with pytest.raises(ValueError, match="value 'nope' is not a column"):
        sweep_map(table, "a", "w", "nope")
    with pytest.raises(ValueError, match="two different parameters"):
        sweep_map(ds, "a", "a", "max_x")
    with pytest.raises(ValueError, match="contour must be True, a list of levels"):
        sweep_map(ds, "a", "w", "max_x", contour=3)
    with pytest.raises(ValueError, match="contour_levels=, not both"):
        sweep_map(ds, "a", "w", "max_x", contour=[0.1], contour_levels=[0.2])
    with pytest.raises(TypeError, match="data must be"):
        sweep_map([1, 2, 3], "a", "w", "max_x")
    three = xr.Dataset({"v": (("a", "w", "b"), np.zeros((3, 4, 2)))}, coords={"a": A, "w": W, "b": [0, 1]})
    with pytest.raises(ValueError, match=r"dimensions \('b',\) besides 'a' and 'w'.*select or reduce"):
        sweep_map(three, "a", "w", "v")
    repeated = pd.DataFrame({"a": [0.0, 0.0], "w": [1.0, 1.0], "v": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"several rows share one \(a, w\) cell"):
        sweep_map(repeated, "a", "w", "v")
    one_row = pd.DataFrame({"a": [0.0, 1.0], "w": [1.0, 1.0], "v": [1.0, 2.0]})
    with pytest.raises(ValueError, match="contour lines need at least two values"):
        sweep_map(one_row, "a", "w", "v", contour=True)


def test_importing_the_plot_package_does_not_import_matplotlib():
    code = "import sys, json, jaxbrain.plot; print(json.dumps('matplotlib' in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(out.stdout) is False
