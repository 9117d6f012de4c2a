"""Connectome validation and immutability, delays in steps and the ring-buffer read offsets (spec §1.2)."""

import numpy as np
import pytest

from jaxbrain import Connectome, Dataset
from jaxbrain.network import block_read_plan, delay_steps


def test_defaults_and_copy():
    w = np.array([[0.0, 1.0], [2.0, 0.0]])
    c = Connectome(w)
    assert c.n_nodes == 2
    assert c.labels == ("0", "1")
    np.testing.assert_array_equal(c.lengths, np.zeros((2, 2)))
    w[0, 1] = 99.0  # the connectome holds its own copy
    assert c.weights[0, 1] == 1.0
    one = Connectome.single_node()
    assert one.n_nodes == 1 and one.weights[0, 0] == 0.0


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [
        (dict(weights=np.ones((2, 3))), ValueError, "weights"),
        (dict(weights=np.ones(3)), ValueError, "weights"),
        (dict(weights=np.array([[0.0, np.nan], [1.0, 0.0]])), ValueError, "weights"),
        (dict(weights=np.array([[0.0, np.inf], [1.0, 0.0]])), ValueError, "weights"),
        (dict(weights=np.ones((2, 2)), lengths=np.ones((3, 3))), ValueError, "lengths"),
        (dict(weights=np.ones((2, 2)), lengths=np.ones((2, 3))), ValueError, "lengths"),
        (dict(weights=np.ones((2, 2)), lengths=-np.ones((2, 2))), ValueError, "lengths"),
        (dict(weights=np.ones((2, 2)), lengths=np.array([[0.0, np.nan], [1.0, 0.0]])), ValueError, "lengths"),
        (dict(weights=np.ones((2, 2)), labels=["a", "b", "c"]), ValueError, "labels"),
        (dict(weights=np.ones((2, 2)), coords=np.ones((2, 2))), ValueError, "coords"),
        (dict(weights=[["a", "b"], ["c", "d"]]), TypeError, "weights"),
        (dict(weights=object()), TypeError, "weights"),
        (dict(weights=np.ones((2, 2)), lengths=[["x", "y"], ["z", "w"]]), TypeError, "lengths"),
    ],
)
def test_validation_errors(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        Connectome(**kwargs)


def test_immutable():
    c = Connectome(np.ones((2, 2)), np.ones((2, 2)))
    with pytest.raises(AttributeError):
        c.weights = np.zeros((2, 2))
    with pytest.raises(AttributeError):
        c.new_attribute = 1
    with pytest.raises(ValueError):  # read-only numpy buffers
        c.weights[0, 0] = 5.0
    with pytest.raises(ValueError):
        c.lengths[0, 0] = 5.0
    assert c.weights[0, 0] == 1.0


def test_delay_steps_round_half_to_even():
    # lengths / signalV / dt = 0, 0.5, 1.5, 2.5, 3.5, 4.4, 4.6: exact in binary.
    lengths = np.array([[0.0, 1.0, 3.0, 5.0, 7.0, 8.8, 9.2]])
    d = delay_steps(lengths, 2.0, 1.0)
    np.testing.assert_array_equal(d, [[0, 0, 2, 2, 4, 4, 5]])
    assert np.issubdtype(d.dtype, np.integer)


def test_delay_steps_matches_numpy_round(key):
    rng = np.random.default_rng(0)
    lengths = rng.uniform(0, 200, (12, 12))
    for signalV, dt in ((20.0, 0.1), (7.5, 0.05), (1.0, 1.0)):
        np.testing.assert_array_equal(delay_steps(lengths, signalV, dt), np.around(lengths / signalV / dt))


@pytest.mark.parametrize("signalV", [0.0, -1.0])
def test_delay_steps_nonpositive_speed_means_no_delay(signalV):
    d = delay_steps(np.full((3, 3), 50.0), signalV, 0.1)
    np.testing.assert_array_equal(d, np.zeros((3, 3)))
    assert np.issubdtype(d.dtype, np.integer)


def test_gw_max_delay():
    ds = Dataset("gw")
    d = delay_steps(ds.Dmat, 20.0, 0.1)
    assert d.shape == (80, 80)
    assert int(d.max()) == 117
    lag, *_ = block_read_plan(d, np.ones(d.shape, bool), 5)
    assert int(lag.max()) == 118  # L − d with L = 118 ring slots


def _check_plan(delays, connected, block):
    n = delays.shape[0]
    length = int(delays.max()) + 1
    lag, long_mask, short_src, short_lag, short_mask = block_read_plan(delays, connected, block)
    np.testing.assert_array_equal(lag, length - delays)
    assert lag.dtype == np.int32 and np.all(lag >= 1)
    # Column k−1−d sits in doubled-ring slot h + lag (h = (k−1) mod L), never past 2L, for every step k.
    for k in range(-length, 3 * length + 2):
        slot = (k - 1) % length + lag
        assert np.all(slot < 2 * length)
        np.testing.assert_array_equal(slot % length, (k - 1 - delays) % length)
    np.testing.assert_array_equal(long_mask, connected & (delays >= block - 1))
    short = connected & (delays < block - 1)
    for target in range(n):
        got = sorted(short_src[target][short_mask[target]].tolist())
        assert got == np.flatnonzero(short[target]).tolist()
        np.testing.assert_array_equal(short_lag[target][short_mask[target]], lag[target, got])
    assert short_src.shape[1] == short.sum(axis=1).max()


@pytest.mark.parametrize("seed", range(6))
def test_block_read_plan_splits_pairs_and_addresses_the_doubled_ring(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 7))
    delays = rng.integers(0, 12, (n, n))
    connected = rng.random((n, n)) < 0.7
    for block in (1, 2, 5, 8):
        _check_plan(delays, connected, block)


def test_block_read_plan_without_delays():
    lag, long_mask, short_src, _, short_mask = block_read_plan(np.zeros((4, 4), int), np.ones((4, 4), bool), 1)
    np.testing.assert_array_equal(lag, np.ones((4, 4)))
    assert long_mask.all() and short_src.shape == (4, 0) and short_mask.shape == (4, 0)


def test_block_read_plan_in_a_longer_ring():
    # A model reading its own past further back than any network delay (ALN) needs a longer ring; the
    # offsets must address that ring (L − d), not one sized by the network delays.
    delays = np.array([[0, 1], [3, 0]])
    lag, *_ = block_read_plan(delays, np.ones((2, 2), bool), 5, ring_len=21)
    np.testing.assert_array_equal(lag, 21 - delays)
    with pytest.raises(ValueError, match="ring_len"):
        block_read_plan(delays, np.ones((2, 2), bool), 5, ring_len=3)
