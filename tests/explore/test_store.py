"""SweepStore: batches round-trip exactly, resumes are checked, concurrent writers agree, views are right."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from jaxbrain.explore._store import SweepStore

ROOT = Path(__file__).resolve().parents[2]


def _sweep(n_points=10, batch_size=4):
    """A sweep with a float64 scalar, a float32 vector result, a per-node parameter and an int result."""
    rng = np.random.default_rng(0)
    points = {
        "K_gl": rng.uniform(0.0, 2.0, n_points),
        "sigma": np.arange(n_points, dtype=np.float32) * np.float32(0.1),
        "eta": rng.normal(size=(n_points, 3)),
    }
    results = {
        "score": ((), "float64", ()),
        "power": ((3,), "float32", ("node",)),
        "n_peaks": ((), "int32", ()),
    }
    meta = {"model": "hopf", "duration_ms": 1000.0, "space": {"K_gl": [0.0, 2.0]}, "seeds": (1, 2)}
    return {"points": points, "results": results, "batch_size": batch_size, "meta": meta}


def _values(n_points):
    """Result values for every row: not exactly representable, so any lossy step would show."""
    rng = np.random.default_rng(1)
    return {
        "score": rng.normal(size=n_points) / 3.0,
        "power": (rng.normal(size=(n_points, 3)) / 7.0).astype(np.float32),
        "n_peaks": rng.integers(1, 1000, n_points).astype(np.int32),
    }, rng.random(n_points) > 0.3


def _write(store, index, values, ok):
    rows = store.batch_rows(index)
    store.write_batch(index, {name: v[rows] for name, v in values.items()}, ok[rows])


def test_round_trip_and_resume(tmp_path):
    path = tmp_path / "sweep.zarr"
    sweep = _sweep()
    values, ok = _values(10)
    store = SweepStore.open(path, **sweep)
    assert (store.n_points, store.batch_size, store.n_batches) == (10, 4, 3)
    assert store.batch_rows(2) == slice(8, 10)
    np.testing.assert_array_equal(store.done(), [False, False, False])
    _write(store, 0, values, ok)
    _write(store, 2, values, ok)  # the short last batch

    again = SweepStore.open(path, **sweep)
    np.testing.assert_array_equal(again.done(), [True, False, True])
    assert again.meta == {"model": "hopf", "duration_ms": 1000.0, "space": {"K_gl": [0.0, 2.0]}, "seeds": [1, 2]}
    ds = again.to_xarray()
    written = np.r_[0:4, 8:10]
    for name, v in values.items():
        assert ds[name].dtype == v.dtype
        np.testing.assert_array_equal(ds[name].values[written], v[written])
    assert np.isnan(ds["score"].values[4:8]).all() and np.isnan(ds["power"].values[4:8]).all()
    np.testing.assert_array_equal(ds["ok"].values, np.where(np.isin(np.arange(10), written), ok, False))
    np.testing.assert_array_equal(ds["done"].values, np.isin(np.arange(10), written))
    for name, v in sweep["points"].items():
        assert ds[name].dtype == v.dtype
        np.testing.assert_array_equal(ds[name].values, v)
    assert ds["eta"].dims == ("point", "node") and ds["power"].dims == ("point", "node")

    # xarray reads the raw store with the dims and the batch chunking the brief asks for.
    raw = xr.open_zarr(path, consolidated=False)
    assert raw["power"].dims == ("point", "node") and raw["done"].dims == ("batch",)
    assert raw["power"].encoding["chunks"] == (4, 3) and raw["done"].encoding["chunks"] == (1,)
    assert {"K_gl", "sigma", "eta"} <= set(raw.coords)

    # Finishing the sweep after reopening fills in the gap; a read-only view agrees.
    _write(again, 1, values, ok)
    full = SweepStore.load(path).to_xarray()
    assert full["done"].values.all()
    for name, v in values.items():
        np.testing.assert_array_equal(full[name].values, v)
    np.testing.assert_array_equal(full["ok"].values, ok)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda s: s["points"]["K_gl"].__setitem__(3, 9.0), "parameter 'K_gl' has different values"),
        (lambda s: s["points"].update(extra=np.zeros(10)), "parameters"),
        (lambda s: s["points"].update(sigma=s["points"]["sigma"].astype(np.float64)), "parameter 'sigma'"),
        (lambda s: s["results"].update(score=((), "float32", ())), "result 'score'"),
        (lambda s: s["results"].update(power=((3,), "float64", ("node",))), "result 'power'"),
        (lambda s: s["results"].update(score=((1,), "float64", ("k",))), "result 'score'"),
        (lambda s: s["results"].pop("n_peaks"), "result 'n_peaks'"),
        (lambda s: s["meta"].update(model="wc"), "meta differs in ['model']"),
    ],
)
def test_reopening_a_different_sweep_raises(tmp_path, change, message):
    path = tmp_path / "sweep.zarr"
    SweepStore.open(path, **_sweep())
    other = _sweep()
    change(other)
    with pytest.raises(ValueError, match="holds a different sweep") as info:
        SweepStore.open(path, **other)
    assert str(path) in str(info.value) and message in str(info.value)


def test_reopening_with_another_batch_size_keeps_the_stores_chunking(tmp_path):
    path = tmp_path / "sweep.zarr"
    SweepStore.open(path, **_sweep())
    again = SweepStore.open(path, **{**_sweep(), "batch_size": 5})
    assert again.batch_size == 4 and again.n_batches == 3


def test_bad_inputs_raise(tmp_path):
    (tmp_path / "file").write_text("not a store")
    with pytest.raises(ValueError, match="not a jaxbrain sweep store"):
        SweepStore.open(tmp_path / "file", **_sweep())
    store = SweepStore.open(tmp_path / "sweep.zarr", **_sweep())
    values, ok = _values(4)
    with pytest.raises(ValueError, match="'power' of batch 0 must have shape"):
        store.write_batch(0, {**values, "power": values["power"][:, :2]}, ok)
    with pytest.raises(ValueError, match="exactly the results"):
        store.write_batch(0, {"score": values["score"]}, ok)
    with pytest.raises(ValueError, match="batch index"):
        store.batch_rows(3)
    with pytest.raises(ValueError, match="dimension 'node' has different sizes"):
        SweepStore.open(tmp_path / "b.zarr", **{**_sweep(), "results": {"x": ((5,), "float64", ("node",))}})
    assert not store.done().any()


def test_interrupted_batch_is_not_done(tmp_path, monkeypatch):
    path = tmp_path / "sweep.zarr"
    sweep = _sweep()
    values, ok = _values(10)
    store = SweepStore.open(path, **sweep)
    _write(store, 0, values, ok)

    def killed(self, index):
        raise KeyboardInterrupt("killed between the values and the done flag")

    monkeypatch.setattr(SweepStore, "_mark_done", killed)
    with pytest.raises(KeyboardInterrupt):
        _write(store, 1, values, ok)
    monkeypatch.undo()

    resumed = SweepStore.open(path, **sweep)
    np.testing.assert_array_equal(resumed.done(), [True, False, False])
    # The values of batch 1 did reach the disk, but nothing reports them as results.
    raw = xr.open_zarr(path, consolidated=False)
    np.testing.assert_array_equal(raw["score"].values[4:8], values["score"][4:8])
    ds = resumed.to_xarray()
    assert np.isnan(ds["score"].values[4:8]).all() and not ds["ok"].values[4:8].any()
    assert np.isnan(resumed.to_dataframe()["score"].to_numpy()[4:8]).all()
    _write(resumed, 1, values, ok)
    np.testing.assert_array_equal(resumed.done(), [True, True, False])


_WORKER = textwrap.dedent(
    """
    import os, sys, time
    import numpy as np
    sys.path.insert(0, {root!r})
    sys.path.insert(0, {here!r})
    from test_store import _sweep, _values, _write
    from jaxbrain.explore._store import SweepStore

    parity, path, gate = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    open(gate + f".ready{{parity}}", "w").close()
    while not os.path.exists(gate + ".go"):
        time.sleep(0.005)
    store = SweepStore.open(path, **_sweep(n_points=23, batch_size=2))
    values, ok = _values(23)
    for index in range(parity, store.n_batches, 2):
        _write(store, index, values, ok)
    """
)


def test_two_processes_write_disjoint_batches(tmp_path):
    path = tmp_path / "shared" / "sweep.zarr"
    gate = str(tmp_path / "gate")
    code = _WORKER.format(root=str(ROOT), here=str(Path(__file__).parent))
    workers = [
        subprocess.Popen([sys.executable, "-c", code, str(parity), str(path), gate], stderr=subprocess.PIPE, text=True)
        for parity in (0, 1)
    ]
    # Release both only once both are ready, so they create the same new store at the same moment.
    deadline = time.monotonic() + 60
    while not all(os.path.exists(f"{gate}.ready{p}") for p in (0, 1)):
        assert time.monotonic() < deadline and all(w.poll() is None for w in workers), "workers failed to start"
        time.sleep(0.01)
    Path(f"{gate}.go").touch()
    for w in workers:
        _, err = w.communicate(timeout=60)
        assert w.returncode == 0, err

    assert os.listdir(path.parent) == ["sweep.zarr"]  # the losing creator's temporary directory is gone
    single = SweepStore.open(tmp_path / "single.zarr", **_sweep(n_points=23, batch_size=2))
    values, ok = _values(23)
    for index in range(single.n_batches):
        _write(single, index, values, ok)
    shared = SweepStore.load(path)
    assert shared.done().all() and shared.n_batches == 12
    xr.testing.assert_identical(shared.to_xarray(), single.to_xarray())


def test_grid_unstacks_in_sorted_order(tmp_path):
    a_values, b_values = np.array([0.3, 0.1, 0.2]), np.array([40, 10, 30, 20])
    a, b = (g.ravel() for g in np.meshgrid(a_values, b_values, indexing="ij"))
    order = np.random.default_rng(2).permutation(12)  # points need not come in grid order
    a, b = a[order], b[order]
    points = {"a": a, "b": b, "eta": np.stack([a, -a], axis=1)}
    results = {"x": ((), "float64", ()), "y": ((2,), "float64", ("node",))}
    store = SweepStore.open(tmp_path / "grid.zarr", points=points, results=results, batch_size=5, meta={})
    for index in range(store.n_batches):
        rows = store.batch_rows(index)
        x = 10 * a[rows] + b[rows]
        store.write_batch(index, {"x": x, "y": np.stack([x, 2 * x], axis=1)}, np.ones(len(x), bool))

    flat = store.to_xarray()
    assert flat["eta"].dims == ("point", "node") and flat["x"].dims == ("point",)
    ds = store.to_xarray(grid=["a", "b"])
    assert ds["x"].dims == ("a", "b") and ds["y"].dims == ("a", "b", "node") and ds["eta"].dims == ("a", "b", "node")
    np.testing.assert_array_equal(ds["a"].values, [0.1, 0.2, 0.3])
    np.testing.assert_array_equal(ds["b"].values, [10, 20, 30, 40])
    expected = 10 * ds["a"].values[:, None] + ds["b"].values[None, :]
    np.testing.assert_array_equal(ds["x"].values, expected)
    np.testing.assert_array_equal(ds["y"].values[..., 1], 2 * expected)
    np.testing.assert_array_equal(ds["eta"].values[:, 0, 1], -ds["a"].values)
    assert ds["ok"].dtype == bool and ds["ok"].values.all()

    swapped = store.to_xarray(grid=["b", "a"])
    assert swapped["x"].dims == ("b", "a")
    np.testing.assert_array_equal(swapped["x"].values, expected.T)
    with pytest.raises(ValueError, match="values repeat"):
        store.to_xarray(grid=["a"])  # a alone repeats: not one point per value
    with pytest.raises(ValueError, match="scalar parameters"):
        store.to_xarray(grid=["a", "eta"])
    partial = SweepStore.open(
        tmp_path / "partial.zarr", points={"a": a[:11], "b": b[:11]}, results=results, batch_size=5, meta={}
    )
    with pytest.raises(ValueError, match="make 12 combinations but there are 11 points"):
        partial.to_xarray(grid=["a", "b"])


def test_dataframe_has_one_row_per_point(tmp_path):
    sweep = _sweep()
    values, ok = _values(10)
    store = SweepStore.open(tmp_path / "sweep.zarr", **sweep)
    _write(store, 0, values, ok)
    _write(store, 2, values, ok)
    df = store.to_dataframe()
    assert list(df.columns) == ["K_gl", "sigma", "eta", "done", "ok", "score", "n_peaks"]
    assert len(df) == 10 and df.index.name == "point"
    np.testing.assert_array_equal(df["K_gl"].to_numpy(), sweep["points"]["K_gl"])
    assert df["sigma"].dtype == np.float32 and df["eta"].dtype == object
    np.testing.assert_array_equal(np.stack(df["eta"].to_numpy()), sweep["points"]["eta"])
    written = np.isin(np.arange(10), np.r_[0:4, 8:10])
    np.testing.assert_array_equal(df["score"].to_numpy()[written], values["score"][written])
    assert df["score"][~written].isna().all()
    np.testing.assert_array_equal(df["done"].to_numpy(), written)
    np.testing.assert_array_equal(df["ok"].to_numpy(), ok & written)
