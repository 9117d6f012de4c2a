"""The search box: from a bound ParameterSpace or a dict, with errors naming the parameter."""

import numpy as np
import pytest

from jaxbrain.evolve import as_bounds
from jaxbrain.explore import ParameterSpace


def test_bounds_from_space_and_dict():
    b = as_bounds(ParameterSpace(["x", "y"], [[-5.0, 5.0], [0.0, 1.0]], kind="bound"))
    assert b.names == ("x", "y")
    np.testing.assert_array_equal(b.low, [-5.0, 0.0])
    np.testing.assert_array_equal(b.high, [5.0, 1.0])
    assert as_bounds({"a": (1, 2)}).names == ("a",)


@pytest.mark.parametrize(
    "space, match",
    [
        ({"x": (1.0, 1.0)}, "bound of 'x' must have low < high"),
        ({"x": [0.0, 1.0, 2.0]}, "bound of 'x' must be"),
        ({"x": (np.nan, 1.0)}, "bound of 'x' must be finite"),
        ({}, "at least one"),
        (ParameterSpace({"x": [0.0, 1.0]}), "kind='bound'"),
        ([("x", 0.0, 1.0)], "space must be"),
    ],
)
def test_bad_bounds(space, match):
    with pytest.raises(ValueError, match=match):
        as_bounds(space)
