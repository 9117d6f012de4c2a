"""The pieces every resumable run shares: atomic writes, run settings and their differences, locks, checked files."""

import json
import os
import subprocess
import sys

import jax.random as jr
import numpy as np
import optax
import pytest

from jaxbrain import _atomic, _resume


def test_atomic_write_replaces_a_planted_link_without_writing_through_it(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    target = tmp_path / "out.json"
    # Links planted where a writer with fixed temporary names would write first, and at the target itself.
    for name in ("out.json.tmp", "out.json.partial", ".out.json.tmp"):
        os.symlink(victim, tmp_path / name)
    _atomic.write_text(target, "new")
    assert victim.read_text() == "precious"
    assert target.read_text() == "new"
    os.remove(target)
    os.symlink(victim, target)
    _atomic.write_text(target, "again")
    assert victim.read_text() == "precious"
    assert not target.is_symlink() and target.read_text() == "again"


def test_atomic_write_leaves_the_old_file_on_error(tmp_path):
    target = tmp_path / "state.npz"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"), _atomic.atomic_write(target) as fh:
        fh.write(b"half")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.npz"]


def test_settings_differences_name_closure_values_and_learning_rates():
    def window(last_ms):
        def evaluate(res):
            return res[-int(last_ms) :]

        return evaluate

    stored = _resume.run_settings(evaluate=window(200.0), optimizer=optax.adam(0.05), key=jr.key(0))
    same = _resume.run_settings(evaluate=window(200.0), optimizer=optax.adam(0.05), key=jr.key(0))
    assert _resume.fingerprint(stored) == _resume.fingerprint(same)
    assert _resume.differences(stored, same) == []
    other = _resume.run_settings(evaluate=window(50.0), optimizer=optax.adam(0.1), key=jr.key(1))
    diff = _resume.differences(stored, other)
    assert any(d.startswith("evaluate.closure.last_ms: stored 200.0, now 50.0") for d in diff)
    assert any(d.startswith("optimizer.") for d in diff)
    assert any(d.startswith("key.") for d in diff)
    with pytest.raises(ValueError, match="belongs to another fit.*last_ms"):
        _resume.check_same_run("state.npz", stored, other, "fit")


def test_settings_of_arrays_show_small_values_and_digest_large_ones():
    small = _resume.canonical(np.array([1.0, 2.0]))
    assert small["values"] == [1.0, 2.0]
    big_a = _resume.canonical(np.zeros(100))
    big_b = _resume.canonical(np.r_[np.zeros(99), 1e-12])
    assert big_a != big_b and "sha256" in big_a
    assert json.dumps(_resume.canonical(np.array([np.nan, np.inf])))  # JSON-able


def test_checked_npz_round_trip_and_every_damage_is_named(tmp_path):
    path = tmp_path / "ck.npz"
    _resume.save_checked(path, {"x": np.arange(4.0), "n": np.int64(3)}, {"settings": {"a": 1}})
    arrays, meta = _resume.load_checked(path, "fit")
    np.testing.assert_array_equal(arrays["x"], np.arange(4.0))
    assert meta["settings"] == {"a": 1}

    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match=f"{path}.*truncated"):
        _resume.load_checked(path, "fit")
    path.write_text("not a checkpoint")
    with pytest.raises(ValueError, match=str(path)) as err:
        _resume.load_checked(path, "fit")
    assert "allow_pickle" not in str(err.value)

    # A consistent npz whose arrays were changed after the checksum was written (a hand edit).
    with np.load(_write(tmp_path / "orig.npz", good), allow_pickle=False) as data:
        edited = {name: data[name] for name in data.files}
    edited["x"] = np.array([0.0, 1.0, 2.0, 1e6])
    np.savez(path, **edited)
    with pytest.raises(ValueError, match="damaged or was edited"):
        _resume.load_checked(path, "fit")

    np.savez(path, x=np.arange(3.0))
    with pytest.raises(ValueError, match="not a jaxbrain fit checkpoint"):
        _resume.load_checked(path, "fit")


def _write(path, data):
    path.write_bytes(data)
    return path


def test_object_arrays_are_not_stored(tmp_path):
    with pytest.raises(TypeError, match="'bad'"):
        _resume.save_checked(tmp_path / "ck.npz", {"bad": np.array([{"a": 1}], dtype=object)}, {})


def test_lock_refuses_a_second_holder_and_takes_over_a_dead_ones(tmp_path):
    target = tmp_path / "state.npz"
    with _resume.RunLock(target):
        code = f"from jaxbrain._resume import RunLock; RunLock({str(target)!r}).acquire()"
        other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert other.returncode != 0
        assert "RunLockedError" in other.stderr and f"pid {os.getpid()}" in other.stderr
    assert not os.path.exists(f"{target}.lock")

    # A lock left by a process that has exited is stale and taken over.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    import socket

    with open(f"{target}.lock", "w") as fh:
        json.dump({"pid": int(dead.stdout), "host": socket.gethostname()}, fh)
    with _resume.RunLock(target) as lock:
        assert json.load(open(lock.path))["pid"] == os.getpid()

    # A lock held on another host cannot be judged from here: refused.
    with open(f"{target}.lock", "w") as fh:
        json.dump({"pid": 1, "host": "another-host"}, fh)
    with pytest.raises(_resume.RunLockedError, match="another-host"):
        _resume.RunLock(target).acquire()


class _Holder:
    def __init__(self, value):
        self.value = value


def test_plain_objects_are_described_by_what_they_hold_not_where_they_live():
    assert _resume.canonical(_Holder(1.0)) == _resume.canonical(_Holder(1.0))
    diff = _resume.differences({"obj": _resume.canonical(_Holder(1.0))}, {"obj": _resume.canonical(_Holder(2.0))})
    assert diff == ["obj.attrs.value: stored 1.0, now 2.0"]
    assert _resume.canonical(np) == {"module": "numpy"}
