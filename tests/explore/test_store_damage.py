"""Damaged sweep stores: a deleted, truncated or overwritten chunk, or edited bytes, is never read as good data;
reads name the damaged batches, a resumed sweep recomputes them."""

import jax.random as jr
import numpy as np
import pytest

from jaxbrain.explore import ParameterSpace, SweepStore, sweep, window_stats

SPACE = ParameterSpace({"a": [-0.3, -0.1, 0.1, 0.3, 0.5]})


def _sweep(store):
    return sweep("hopf", SPACE, key=jr.key(3), params={"sigma_ou": 0.02}, evaluate=window_stats("x", last_ms=20.0),
                 store=store, batch_size=2, duration=40.0, sampling_dt=1.0, progress=False)  # fmt: skip


def _delete(chunk):
    chunk.unlink()


def _truncate(chunk):
    chunk.write_bytes(chunk.read_bytes()[:5])


def _overwrite(chunk):
    chunk.write_bytes(b"\x00garbage" * 4)


def _edit_other_chunk(store):
    # Valid zarr bytes that decode fine, but not the values written: batch 1's rows copied over batch 0's.
    (store / "max_x" / "c" / "0").write_bytes((store / "max_x" / "c" / "1").read_bytes())


@pytest.mark.parametrize(
    "damage", [_delete, _truncate, _overwrite, None], ids=["deleted", "truncated", "overwritten", "edited"]
)
def test_damaged_batch_is_named_on_read_and_recomputed_on_resume(tmp_path, damage):
    path = tmp_path / "s.zarr"
    good = _sweep(path).dataset
    if damage is None:
        _edit_other_chunk(path)
    else:
        damage(path / "max_x" / "c" / "1")  # batch 1: points 2 and 3

    store = SweepStore.load(path)
    assert store.done().all()  # the flags alone do not see it
    assert store.verify() == ([0] if damage is None else [1])
    bad = 0 if damage is None else 1
    points = "0-1" if damage is None else "2-3"
    with pytest.raises(ValueError, match=rf"1 damaged batch\(es\) \[{bad}\] \(points {points}\)"):
        store.to_xarray()
    with pytest.raises(ValueError, match=r"damaged batch"):
        store.to_dataframe()
    with pytest.warns(RuntimeWarning, match=r"masked as not done"):
        masked = store.to_xarray(damaged="mask")
    rows = slice(2 * bad, 2 * bad + 2)
    assert not masked["done"].values[rows].any() and not masked["ok"].values[rows].any()
    assert np.isnan(masked["max_x"].values[rows]).all()

    with pytest.warns(RuntimeWarning, match=rf"damaged batch\(es\) \[{bad}\].*recomputing them"):
        resumed = _sweep(path)
    assert SweepStore.load(path).verify() == []
    # The recomputed batch runs the same compiled program on the same inputs: bit-identical.
    np.testing.assert_array_equal(resumed.dataset["max_x"].values, good["max_x"].values)


def test_damaged_flags_and_checksums(tmp_path):
    path = tmp_path / "s.zarr"
    _sweep(path)
    _overwrite(path / "done" / "c" / "2")  # an unreadable done flag: the batch is not done (recomputed)
    (path / "checksum" / "c" / "0" / "0").unlink()  # a lost checksum: the batch cannot be trusted
    store = SweepStore.load(path)
    assert store.done().tolist() == [True, True, False]
    assert store.verify() == [0]
    with pytest.raises(ValueError, match=r"\[0\] \(points 0-1\)"):
        store.to_xarray()
