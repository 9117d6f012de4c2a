"""Resuming a sweep: another sweep's store is refused (naming what differs), any batch size resumes, a batch
claimed by a live process is left to it, and a temporary store is removed when the process exits."""

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import jax.random as jr
import numpy as np
import pytest

from jaxbrain.explore import ParameterSpace, SweepStore, sweep, window_stats

REPO = Path(__file__).resolve().parents[2]
SPACE = ParameterSpace({"a": [-0.3, -0.1, 0.1, 0.3]})
RUN = dict(duration=200.0, sampling_dt=1.0, progress=False)


def _sweep(store, last_ms=200.0, **kwargs):
    args = dict(key=jr.key(1), params={"sigma_ou": 0.02}, evaluate=window_stats("x", last_ms=last_ms), **RUN)
    args.update(kwargs)
    return sweep("hopf", SPACE, store=store, **args)


def test_another_evaluator_setting_is_refused(tmp_path):
    # The issue's example: a last_ms=200 store rerun with window_stats(last_ms=50) used to mix the two.
    store = tmp_path / "s.zarr"
    _sweep_stopped_after_first_batch(store, batch_size=2)  # last_ms=200; only batch 0 is stored
    with pytest.raises(ValueError, match=r"belongs to another sweep.*What differs: evaluate\..*last_ms.*200.*50"):
        _sweep(store, last_ms=50.0, batch_size=2)
    with pytest.raises(ValueError, match=r"What differs: .*key"):
        _sweep(store, key=jr.key(2), batch_size=2)
    with pytest.raises(ValueError, match=r"What differs: settings\.dt: stored 0\.1, now 0\.05"):
        _sweep(store, dt=0.05, batch_size=2)
    with pytest.raises(ValueError, match=r"What differs: base_params\.sigma_ou"):
        _sweep(store, params={"sigma_ou": 0.03}, batch_size=2)
    assert SweepStore.load(store).done().tolist() == [True, False]


class _Stop(Exception):
    pass


def _stop():
    raise _Stop


def _sweep_stopped_after_first_batch(store, batch_size):
    with pytest.raises(_Stop):
        _sweep(store, batch_size=batch_size, on_batch=lambda b: _stop())


def test_a_resume_may_use_any_batch_size(tmp_path):
    whole = _sweep(tmp_path / "whole.zarr", batch_size=2).dataset
    for resume_batch in (1, 3, None):
        store = tmp_path / f"resumed-{resume_batch}.zarr"
        _sweep_stopped_after_first_batch(store, batch_size=2)
        res = _sweep(store, batch_size=resume_batch)
        assert res.store.batch_size == 2  # the store keeps its chunking
        assert res.store.done().all()
        # Other batch sizes are other compiled programs: equal to float64 rounding, not bit for bit.
        np.testing.assert_allclose(res.dataset["max_x"].values, whole["max_x"].values, rtol=1e-12, atol=1e-14)
    # The same batch size is the same program: bit-identical to the uninterrupted sweep.
    np.testing.assert_array_equal(_sweep(tmp_path / "resumed-None.zarr").dataset["max_x"].values, whole["max_x"].values)


def test_a_batch_claimed_by_a_live_process_is_not_computed_twice(tmp_path):
    store = tmp_path / "s.zarr"
    _sweep_stopped_after_first_batch(store, batch_size=2)  # creates the store, batch 0 done
    # Another process (our parent: alive, on this host) is computing batch 1.
    claims = store / "done" / "claims"
    claims.mkdir(parents=True, exist_ok=True)
    (claims / "1.lock").write_text(json.dumps({"pid": os.getppid(), "host": socket.gethostname()}))
    computed = []
    with pytest.warns(RuntimeWarning, match=r"1 batch\(es\) .* are being computed by another process .*batch 1: pid"):
        res = _sweep(store, batch_size=2, on_batch=computed.append)
    assert computed == [] and res.store.done().tolist() == [True, False]
    assert np.isnan(res.dataset["max_x"].values[2:]).all()
    # A claim left by a dead process on this host is taken over.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (claims / "1.lock").write_text(json.dumps({"pid": int(dead.stdout), "host": socket.gethostname()}))
    res = _sweep(store, batch_size=2, on_batch=computed.append)
    assert computed == [1] and res.store.done().all()
    assert not (claims / "1.lock").exists()  # released once written


def test_the_temporary_store_is_removed_at_exit(tmp_path):
    code = textwrap.dedent(
        """
        import jax.random as jr
        from jaxbrain.explore import ParameterSpace, sweep, window_stats
        res = sweep("hopf", ParameterSpace({"a": [0.1, 0.2]}), key=jr.key(0), duration=20.0, progress=False,
                    evaluate=window_stats("x", last_ms=10.0))
        print(res.store.path)
        assert res.table()["done"].all()  # the store stays readable while the result is held
        """
    )
    env = dict(os.environ, PYTHONPATH=str(REPO), TMPDIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    path = out.stdout.strip().splitlines()[-1]
    assert path.startswith(str(tmp_path)) and "jaxbrain-sweep-" in path
    assert not os.path.exists(path) and os.listdir(tmp_path) == []
