"""ParameterSpace: categorical (string) axes take part in the points but not in arrays or bounds."""

import pytest

from jaxbrain.explore import ParameterSpace


def test_categorical_axis_in_a_grid():
    space = ParameterSpace({"coupling": ["additive", "diffusive"], "K_gl": [0.0, 1.0, 2.0]})
    assert space.n_points == 6 and space.grid_shape == (2, 3)
    assert space.get_parametrization()["coupling"] == ["additive"] * 3 + ["diffusive"] * 3
    assert space.dict() == {"coupling": ["additive", "diffusive"], "K_gl": [0.0, 1.0, 2.0]}
    assert ParameterSpace({"c": ["a", "b"]}, kind="explicit").n_points == 2


@pytest.mark.parametrize(
    ("parameters", "kind", "message"),
    [
        ({"c": ["a", 1.0]}, None, "strings only"),
        ({"c": ["a", "a"]}, None, "distinct values"),
        ({"c": ["a", "b"]}, "bound", "two numbers"),
        ({"c": "additive"}, None, "not a single value"),
    ],
)
def test_bad_categorical_axes(parameters, kind, message):
    with pytest.raises(ValueError, match=message):
        ParameterSpace(parameters, kind=kind)


def test_categorical_axis_has_no_arrays_or_bounds():
    space = ParameterSpace({"coupling": ["additive", "diffusive"]})
    with pytest.raises(ValueError, match="cannot be stacked"):
        space.points({})
    with pytest.raises(ValueError, match="no numeric bounds"):
        _ = space.lowerBound
