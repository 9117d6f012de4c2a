"""Bad input at jaxbrain.compat's boundary: each case is a clear TypeError/ValueError naming what is wrong.

Every compat model class shares one check of its params (run before anything divides by dt or converts a
value), so each class appears once for the dt case and Hopf stands for the rest.
"""

import re

import numpy as np
import pytest

from jaxbrain.compat import (
    ALNModel,
    BoxSearch,
    Evolution,
    FHNModel,
    HopfModel,
    KuramotoModel,
    ParameterSpace,
    ThalamicMassModel,
    WCModel,
    WWModel,
)

NET = dict(Cmat=np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.2], [0.5, 0.2, 0.0]]), Dmat=np.full((3, 3), 10.0))
CLASSES = [ALNModel, FHNModel, HopfModel, KuramotoModel, ThalamicMassModel, WCModel, WWModel]
SPACE = ParameterSpace(["x"], [[0.0, 1.0]])


def _run_with(cls=HopfModel, net=True, run_kwargs=None, **changes):
    """Build a model, change its params, run 1 ms (the check comes before any integration)."""
    model = cls(seed=0, **(NET if net and cls is not ThalamicMassModel else {}))
    model.params["duration"] = 1.0
    model.params.update(changes)
    model.run(**(run_kwargs or {}))


def _without(key):
    params = dict(HopfModel(seed=0).params)
    del params[key]
    return HopfModel(params=params)


def _search(run_kwargs=None, **kwargs):
    model = HopfModel(seed=0)
    model.params["duration"] = 1.0
    space = kwargs.pop("space", ParameterSpace({"a": [0.0, 0.1]}))
    search = BoxSearch(model, space, **kwargs)
    search.run(**(run_kwargs or {}))


CASES = [
    # dt, duration, sampling_dt: checked before anything divides by them, in every class.
    *[
        pytest.param(
            lambda cls=cls: _run_with(cls, dt=0),
            ValueError,
            "params['dt'] must be a finite number > 0",
            id=f"dt-zero-{cls.__name__}",
        )  # fmt: skip
        for cls in CLASSES
    ],
    pytest.param(lambda: _run_with(dt=-0.1), ValueError, "params['dt'] must be a finite number > 0", id="dt-negative"),
    pytest.param(lambda: _run_with(dt="0.1"), TypeError, "params['dt'] must be a number", id="dt-string"),
    pytest.param(lambda: _run_with(dt=True), TypeError, "params['dt'] must be a number", id="dt-bool"),
    pytest.param(
        lambda: _run_with(duration=0), ValueError, "params['duration'] must be a finite number > 0", id="duration-zero"
    ),  # fmt: skip
    pytest.param(
        lambda: _run_with(duration=np.inf), ValueError, "params['duration'] must be a finite number", id="duration-inf"
    ),  # fmt: skip
    pytest.param(
        lambda: _run_with(sampling_dt=0),
        ValueError,
        "params['sampling_dt'] must be a finite number > 0",
        id="sampling-dt-zero",
    ),  # fmt: skip
    pytest.param(
        lambda: _run_with(sampling_dt=0.01),
        ValueError,
        "params['sampling_dt'] must be >= params['dt']",
        id="sampling-dt-below-dt",
    ),  # fmt: skip
    pytest.param(
        lambda: _run_with(signalV=-1.0),
        ValueError,
        "params['signalV'] must be a finite number >= 0",
        id="signalV-negative",
    ),  # fmt: skip
    # run() arguments.
    pytest.param(
        lambda: _run_with(run_kwargs=dict(chunksize=0)), ValueError, "chunksize must be a positive", id="chunksize-zero"
    ),  # fmt: skip
    pytest.param(
        lambda: _run_with(run_kwargs=dict(chunksize=2.5)),
        TypeError,
        "chunksize must be a whole number",
        id="chunksize-float",
    ),  # fmt: skip
    pytest.param(
        lambda: _run_with(run_kwargs=dict(bold="False")), TypeError, "bold must be True or False", id="bold-string"
    ),  # fmt: skip
    pytest.param(
        lambda: _run_with(run_kwargs=dict(append_outputs=[1])),
        TypeError,
        "append_outputs must be True or False",
        id="append-outputs-list",
    ),  # fmt: skip
    # The network at construction.
    pytest.param(lambda: HopfModel(Cmat=np.ones(3)), ValueError, "Cmat must be a square 2-D array", id="cmat-1d"),
    pytest.param(lambda: HopfModel(Cmat="abc"), TypeError, "Cmat must be a number or numeric array", id="cmat-str"),
    pytest.param(lambda: HopfModel(Cmat=np.ones((2, 3))), ValueError, "Cmat must be a square", id="cmat-nonsquare"),
    pytest.param(lambda: HopfModel(Cmat=np.zeros((0, 0))), ValueError, "Cmat must be a square", id="cmat-empty"),
    pytest.param(
        lambda: HopfModel(Cmat=np.array([[0.0, np.nan], [1.0, 0.0]])),
        ValueError,
        "Cmat contains NaN or Inf",
        id="cmat-nan",
    ),  # fmt: skip
    pytest.param(
        lambda: HopfModel(Cmat=np.ones((2, 2)) * (1 + 1j)), TypeError, "Cmat must be real", id="cmat-complex"
    ),  # fmt: skip
    pytest.param(
        lambda: HopfModel(Cmat=[[0, 1], [1]]), TypeError, "Cmat must be a number or numeric array", id="cmat-ragged"
    ),  # fmt: skip
    pytest.param(
        lambda: HopfModel(Cmat=np.ones((3, 3)), Dmat=np.ones((2, 2))),
        ValueError,
        "Dmat must have the shape of Cmat (3, 3)",
        id="dmat-shape",
    ),  # fmt: skip
    pytest.param(
        lambda: HopfModel(Cmat=np.ones((2, 2)), Dmat=-np.ones((2, 2))),
        ValueError,
        "Dmat (fibre lengths in mm) must be >= 0",
        id="dmat-negative",
    ),  # fmt: skip
    pytest.param(
        lambda: HopfModel(Dmat=np.ones((2, 2))),
        ValueError,
        "Dmat (fibre lengths) was given without Cmat",
        id="dmat-without-cmat",
    ),  # fmt: skip
    pytest.param(
        lambda: ThalamicMassModel(Cmat=np.ones((2, 2))), TypeError, "single-node model", id="thalamus-cmat"
    ),  # fmt: skip
    # The seed.
    pytest.param(lambda: HopfModel(seed="1"), TypeError, "seed must be an int or None", id="seed-string"),
    pytest.param(lambda: HopfModel(seed=1.5), TypeError, "seed must be an int or None", id="seed-float"),
    pytest.param(lambda: HopfModel(seed=-1), ValueError, "seed must be an int in [0, 2**32 - 1]", id="seed-negative"),
    pytest.param(lambda: _run_with(seed="x"), TypeError, "params['seed'] must be an int or None", id="params-seed-str"),
    # The network in params: N, Cmat and lengthMat must agree.
    pytest.param(lambda: _run_with(N=4), ValueError, "params['N'] is 4 but params['Cmat'] has 3 node(s)", id="n-wrong"),
    pytest.param(lambda: _run_with(N=3.0), TypeError, "params['N'] must be an int", id="n-float"),
    pytest.param(
        lambda: _run_with(Cmat=np.ones((4, 4))),
        ValueError,
        "params['N'] is 3 but params['Cmat'] has 4",
        id="params-cmat-other-size",
    ),  # fmt: skip
    pytest.param(
        lambda: _run_with(Cmat=np.ones(3)), ValueError, "params['Cmat'] must be a square 2-D array", id="params-cmat-1d"
    ),  # fmt: skip
    pytest.param(
        lambda: _run_with(lengthMat=np.ones((2, 2))),
        ValueError,
        "params['lengthMat'] must have the shape of Cmat (3, 3)",
        id="lengthmat-shape",
    ),  # fmt: skip
    # params given whole.
    pytest.param(
        lambda: _without("dt"), ValueError, "HopfModel.params is missing the key(s) ['dt']", id="params-no-dt"
    ),  # fmt: skip
    pytest.param(lambda: _without("K_gl"), ValueError, "missing the key(s) ['K_gl']", id="params-no-k-gl"),
    pytest.param(lambda: HopfModel(params=[("dt", 0.1)]), TypeError, "params must be a dict", id="params-list"),
    pytest.param(
        lambda: HopfModel(params=dict(HopfModel().params), Cmat=np.ones((2, 2))),
        ValueError,
        "pass params or Cmat, not both",
        id="params-and-cmat",
    ),  # fmt: skip
    # Parameter values.
    pytest.param(
        lambda: _run_with(K_gl="x"), TypeError, "params['K_gl'] must be a number or numeric array", id="k-gl-string"
    ),  # fmt: skip
    pytest.param(
        lambda: _run_with(a=np.ones(5)),
        ValueError,
        "params['a'] must be a number or one value per node",
        id="param-wrong-shape",
    ),  # fmt: skip
    pytest.param(
        lambda: _run_with(sigma_ou=0.1 + 0.1j), TypeError, "params['sigma_ou'] must be real", id="param-complex"
    ),  # fmt: skip
    pytest.param(lambda: _run_with(w=np.nan), ValueError, "params['w'] contains NaN or Inf", id="param-nan"),
    pytest.param(
        lambda: _run_with(xs_init=np.ones((4, 1))),
        ValueError,
        "params['xs_init'] must be a number, (3,)",
        id="init-wrong-nodes",
    ),  # fmt: skip
    pytest.param(lambda: _run_with(x_ou="0"), TypeError, "params['x_ou'] must be a number", id="ou-string"),
    pytest.param(lambda: _run_with(x_ext="abc"), TypeError, "params['x_ext'] must be a number", id="input-string"),
    pytest.param(
        lambda: _run_with(x_ext=np.ones((2, 10))),
        ValueError,
        "params['x_ext'] must be a number, a 1-D",
        id="input-rows",
    ),  # fmt: skip
    pytest.param(lambda: _run_with(coupling="nope"), ValueError, "coupling must be one of", id="coupling-name"),
    pytest.param(
        lambda: _run_with(KuramotoModel, legacy_delays="yes"),
        TypeError,
        "params['legacy_delays'] must be True or False",
        id="legacy-delays-string",
    ),  # fmt: skip
    # BoxSearch.
    pytest.param(
        lambda: BoxSearch(HopfModel(), ParameterSpace({"a": [0.0]}), filename=3),
        TypeError,
        "filename must be a str, a path or None",
        id="boxsearch-filename-int",
    ),  # fmt: skip
    pytest.param(
        lambda: BoxSearch(HopfModel(), ParameterSpace({"dt": [0.1, 0.0]})),
        ValueError,
        "params['dt'] must be a finite number > 0",
        id="boxsearch-explores-dt-zero",
    ),  # fmt: skip
    pytest.param(
        lambda: BoxSearch(HopfModel(), ParameterSpace({"N": [2]})),
        ValueError,
        "params['N'] must be the number of nodes of Cmat (1)",
        id="boxsearch-explores-n",
    ),  # fmt: skip
    pytest.param(
        lambda: BoxSearch(HopfModel(), ParameterSpace({"a": [0.0]}), saveAllModelOutputs="yes"),
        TypeError,
        "saveAllModelOutputs must be True or False",
        id="boxsearch-save-all-string",
    ),  # fmt: skip
    pytest.param(
        lambda: _search(run_kwargs=dict(bold="yes"), filename="/dev/null/never/s"),
        TypeError,
        "bold must be True or False",
        id="boxsearch-run-bold-string",
    ),  # fmt: skip
    # Evolution.
    pytest.param(
        lambda: Evolution(lambda t: t, SPACE, weightList="-1"),
        TypeError,
        "weightList must be a list of numbers",
        id="weightlist-string",
    ),  # fmt: skip
    pytest.param(
        lambda: Evolution(lambda t: t, SPACE, weightList=-1.0),
        TypeError,
        "weightList must be a list of numbers",
        id="weightlist-number",
    ),  # fmt: skip
    pytest.param(
        lambda: Evolution(lambda t: t, SPACE, weightList=["a"]),
        TypeError,
        "weightList must be a flat list of numbers",
        id="weightlist-items",
    ),  # fmt: skip
    pytest.param(
        lambda: Evolution(lambda t: t, SPACE, weightList=[np.nan]),
        ValueError,
        "weightList must hold finite numbers",
        id="weightlist-nan",
    ),  # fmt: skip
    pytest.param(
        lambda: Evolution(lambda t: t, SPACE, seed="0"),
        TypeError,
        "seed must be an int or None",
        id="evolution-seed-string",
    ),  # fmt: skip
    pytest.param(
        lambda: Evolution(lambda t: t, SPACE, filename=3),
        TypeError,
        "filename must be a str",
        id="evolution-filename-int",
    ),  # fmt: skip
]


@pytest.mark.parametrize("call, exc, fragment", CASES)
def test_bad_input_is_a_clear_error(call, exc, fragment):
    with pytest.raises(exc, match=re.escape(fragment)):
        call()


# Input neurolib accepts and ignores: compat runs it too, and says what it ignores.
WARN_CASES = [
    pytest.param(
        lambda: _run_with(sigma_uo=0.1),
        UserWarning,
        "params['sigma_uo'] is not a parameter of HopfModel and is ignored (did you mean 'sigma_ou'?)",
        id="unknown-key-typo",
    ),  # fmt: skip
    pytest.param(
        lambda: _run_with(save_dt=10.0),
        UserWarning,
        "params['save_dt'] is not a parameter of HopfModel and is ignored",
        id="unknown-key-neurolib-ignores",
    ),  # fmt: skip
]


@pytest.mark.parametrize(("call", "warning", "fragment"), WARN_CASES)
def test_questionable_input_is_warned(call, warning, fragment):
    with pytest.warns(warning, match=re.escape(fragment)):
        call()


def test_numpy_scalars_are_numbers():
    # dt, duration, seed, chunksize and parameters given as numpy scalars run like Python numbers.
    plain = HopfModel(seed=3, **NET)
    plain.params.update(duration=2.0, K_gl=0.5)
    plain.run(chunksize=10, append_outputs=True)
    numpy = HopfModel(seed=np.int64(3), **NET)
    numpy.params.update(dt=np.float64(0.1), duration=np.int64(2), K_gl=np.float32(0.5), N=np.int64(3))
    numpy.run(chunksize=np.int64(10), append_outputs=np.bool_(True))
    np.testing.assert_allclose(numpy.x, plain.x, rtol=1e-12, atol=1e-14)


def test_a_scalar_initial_value_is_every_nodes():
    model = HopfModel(seed=0, **NET)
    model.params.update(duration=1.0, xs_init=0.2, ys_init=np.float64(0.0))
    model.run()
    assert model.x.shape == (3, 10)
