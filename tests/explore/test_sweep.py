"""sweep(): batched results equal single runs, resume after a kill, sharding, multi-process shares, failures."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jax.random as jr
import numpy as np
import pytest
import xarray as xr

from jaxbrain import Connectome, Dataset, metrics, simulate
from jaxbrain.explore import ParameterSpace, combine, fc_fit, sweep, trace, window_stats
from jaxbrain.models import hopf

REPO = Path(__file__).resolve().parents[2]
NET = dict(
    weights=[[0.0, 0.5, 0.2], [0.4, 0.0, 0.3], [0.1, 0.6, 0.0]],
    lengths=[[0.0, 10.0, 20.0], [10.0, 0.0, 6.0], [20.0, 6.0, 0.0]],
)
SETTINGS = dict(duration=60.0, dt=0.1, sampling_dt=1.0)


def _net():
    return Connectome(np.asarray(NET["weights"]), np.asarray(NET["lengths"]))


def _space():
    return ParameterSpace({"K_gl": [0.2, 0.8], "a": [-0.2, 0.0, 0.3]})


def _evaluate():
    return combine(trace("x"), window_stats("x", last_ms=20.0))


def test_batched_sweep_equals_single_runs(tmp_path, key):
    params = hopf.Params(sigma_ou=0.05)
    res = sweep(
        "hopf", _space(), _net(), key=key, params=params, evaluate=_evaluate(), store=tmp_path / "s",
        batch_size=4, progress=False, **SETTINGS,
    )  # fmt: skip
    ds = res.dataset
    assert dict(ds.sizes)["K_gl"] == 2 and dict(ds.sizes)["a"] == 3
    assert ds["x"].dims == ("K_gl", "a", "time", "node")
    pts = _space().points({})
    for i in range(6):
        one = simulate(
            "hopf", params._replace(K_gl=pts["K_gl"][i], a=pts["a"][i]), _net(), key=jr.fold_in(key, i), **SETTINGS
        )
        got = ds["x"].sel(K_gl=pts["K_gl"][i], a=pts["a"][i]).values
        np.testing.assert_allclose(got, np.asarray(one.outputs["x"]), rtol=1e-10, atol=1e-12)
        last = np.asarray(one.outputs["x"])[-20:]
        np.testing.assert_allclose(ds["max_x"].sel(K_gl=pts["K_gl"][i], a=pts["a"][i]), last.max(), rtol=1e-12)
        amp = (last.max(0) - last.min(0)).max()
        np.testing.assert_allclose(ds["amplitude_x"].sel(K_gl=pts["K_gl"][i], a=pts["a"][i]), amp, rtol=1e-12)
    assert bool(ds["ok"].all()) and res.failed == []
    table = res.table()
    assert len(table) == 6 and {"K_gl", "a", "max_x", "ok"} <= set(table.columns)


def test_results_do_not_depend_on_the_batch_size(tmp_path, key):
    runs = [
        sweep("hopf", _space(), _net(), key=key, evaluate=_evaluate(), store=tmp_path / f"b{b}", batch_size=b,
              progress=False, params=hopf.Params(sigma_ou=0.05), **SETTINGS).dataset
        for b in (1, 4, 6)
    ]  # fmt: skip
    # Each batch size is its own compiled program, which may round differently in the last bits: the results
    # agree to float64 rounding accumulated over the 600 steps, not bit for bit.
    for other in runs[1:]:
        np.testing.assert_allclose(other["x"].values, runs[0]["x"].values, rtol=1e-12, atol=1e-12)


def test_a_sweep_runs_on_the_backend_it_is_given_and_may_resume_on_another(tmp_path, key):
    def run(backend, store):
        return sweep(
            "hopf", _space(), _net(), key=key, evaluate=_evaluate(), store=store, batch_size=6, progress=False,
            params=hopf.Params(sigma_ou=0.05), backend=backend, **SETTINGS,
        )  # fmt: skip

    ref = run("xla", tmp_path / "ref").dataset
    other = run("pallas-interpret", tmp_path / "other").dataset  # another implementation of the read
    np.testing.assert_allclose(other["x"].values, ref["x"].values, rtol=1e-12, atol=1e-12)
    # the store identifies the sweep, not the backend: the same sweep on another backend resumes (nothing to do)
    again = run(None, tmp_path / "other").dataset
    np.testing.assert_array_equal(again["x"].values, other["x"].values)
    with pytest.raises(ValueError, match="unknown backend 'fast'"):
        run("fast", tmp_path / "bad")


def test_per_node_values_and_sequence(tmp_path, key):
    values = {"a": [np.array([-0.1, 0.0, 0.1]), np.array([0.2, 0.2, -0.3])], "K_gl": [0.5]}
    space = ParameterSpace(values, kind="sequence")
    res = sweep("hopf", space, _net(), key=key, evaluate=trace("x"), store=tmp_path / "q", progress=False, **SETTINGS)
    ds = res.dataset
    assert ds["x"].dims == ("point", "time", "node") and ds.sizes["point"] == 3
    assert ds["a"].dims == ("point", "node")
    # Point 2 varies K_gl only: a is at its base value (default 0.25) on every node.
    np.testing.assert_array_equal(ds["a"].values[2], [0.25, 0.25, 0.25])
    one = simulate("hopf", hopf.Params(a=np.array([0.2, 0.2, -0.3])), _net(), key=jr.fold_in(key, 1), **SETTINGS)
    np.testing.assert_allclose(ds["x"].values[1], np.asarray(one.outputs["x"]), rtol=1e-10, atol=1e-12)


def test_diverged_runs_are_masked_and_reported(tmp_path, key):
    space = ParameterSpace({"a": [-0.1, 40.0]})
    with pytest.warns(RuntimeWarning, match="1 of 2 simulations diverged"):
        res = sweep("hopf", space, _net(), key=key, evaluate=trace("x"), store=tmp_path / "f", progress=False,
                    duration=400.0, sampling_dt=1.0)  # fmt: skip
    np.testing.assert_array_equal(res.dataset["ok"].values, [True, False])
    assert res.failed == [{"a": 40.0}]


def test_a_batch_of_only_diverged_runs_is_stored_not_damaged(tmp_path, key):
    # Every result of batch 1 is NaN: zarr skips a chunk equal to its fill value, so the stored NaNs must be the fill
    # value's bit pattern for the batch to read back as its checksum says (it read back as damaged before).
    space = ParameterSpace({"a": [-0.1, -0.2, 40.0, 50.0]}, kind="explicit")
    with pytest.warns(RuntimeWarning, match="2 of 4 simulations diverged"):
        res = sweep("hopf", space, _net(), key=key, evaluate=trace("x"), store=tmp_path / "g", progress=False,
                    duration=400.0, sampling_dt=1.0, batch_size=2)  # fmt: skip
    np.testing.assert_array_equal(res.dataset["ok"].values, [True, True, False, False])
    assert res.store.verify() == [] and res.failed == [{"a": 40.0}, {"a": 50.0}]


def test_bad_sweeps_raise_clear_errors(tmp_path, key):
    with pytest.raises(ValueError, match=r"unknown parameter name\(s\) \['nope'\]"):
        sweep("hopf", ParameterSpace({"nope": [1.0]}), key=key, store=tmp_path / "a")
    with pytest.raises(ValueError, match="box for optimisers"):
        sweep("hopf", ParameterSpace({"a": [0.0, 1.0]}, kind="bound"), key=key, store=tmp_path / "b")
    with pytest.raises(ValueError, match="needs BOLD"):
        sweep("hopf", ParameterSpace({"a": [0.0]}), key=key, evaluate=fc_fit(Dataset("gw")), store=tmp_path / "c")
    with pytest.raises(ValueError, match="3 nodes"):
        sweep("hopf", ParameterSpace({"a": [np.zeros(2)]}), _net(), key=key, store=tmp_path / "d")


@pytest.mark.slow  # 60 s BOLD runs: ~30 s
def test_fc_fit_evaluator_matches_metrics(tmp_path, key):
    ds = Dataset("gw")
    brain = Connectome.from_dataset(ds)
    space = ParameterSpace({"K_gl": [0.5, 2.0]})
    params = hopf.Params(a=-0.05, sigma_ou=0.1)
    res = sweep("hopf", space, brain, key=key, params=params, evaluate=fc_fit(ds, transient_ms=2000.0),
                store=tmp_path / "fc", bold=True, duration=8_000.0, progress=False)  # fmt: skip
    one = simulate("hopf", params._replace(K_gl=2.0), brain, key=jr.fold_in(key, 1), duration=8_000.0, bold=True,
                   outputs=())  # fmt: skip
    sim_fc = metrics.fc(one.bold[np.asarray(one.t_bold) > 2000.0])
    expected = [float(metrics.matrix_correlation(sim_fc, fc)) for fc in ds.FCs]
    np.testing.assert_allclose(res.dataset["fc_subjects"].sel(K_gl=2.0).values, expected, rtol=1e-8)
    np.testing.assert_allclose(res.dataset["fc"].sel(K_gl=2.0), np.mean(expected), rtol=1e-8)


# ---- processes: kill and resume, sharding, multi-process shares -----------------------------------------------

SCRIPT = """
import os, sys, json
import jax
jax.config.update("jax_enable_x64", True)
import numpy as np, jax.random as jr
from jaxbrain import Connectome
from jaxbrain.explore import ParameterSpace, sweep, combine, trace, window_stats
from jaxbrain.models import hopf
cfg = json.loads(sys.argv[1])
net = Connectome(np.asarray(cfg["net"]["weights"]), np.asarray(cfg["net"]["lengths"]))
space = ParameterSpace({"K_gl": [0.2, 0.8], "a": [-0.2, 0.0, 0.3]})
def stop(b):
    if cfg.get("die_after") is not None and b >= cfg["die_after"]:
        os._exit(3)
res = sweep("hopf", space, net, key=jr.key(5), params=hopf.Params(sigma_ou=0.05),
            evaluate=combine(trace("x"), window_stats("x", last_ms=20.0)), store=cfg["store"], batch_size=cfg["batch"],
            progress=False, shard=cfg.get("shard", True), process_index=cfg.get("index"),
            process_count=cfg.get("count"), on_batch=stop, **cfg["settings"])
print("DEVICES", len(jax.local_devices()))
"""


def _run_script(cfg, env_extra=None, wait=True):
    # The subprocesses share the tests' persistent compilation cache: the same programs compile once.
    cache = os.environ.get("JAXBRAIN_TEST_CACHE", str(Path.home() / ".cache" / "jaxbrain-tests"))
    env = dict(os.environ, PYTHONPATH=str(REPO), **(env_extra or {}))
    env.update(JAX_COMPILATION_CACHE_DIR=cache, JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0")
    cmd = [sys.executable, "-c", textwrap.dedent(SCRIPT), json.dumps({"net": NET, "settings": SETTINGS, **cfg})]
    if not wait:
        return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)


def _load(path):
    return xr.open_zarr(path, consolidated=False).load()


def test_killed_sweep_resumes_to_the_uninterrupted_result(tmp_path):
    whole = _run_script({"store": str(tmp_path / "whole"), "batch": 1})
    assert whole.returncode == 0, whole.stderr
    killed = _run_script({"store": str(tmp_path / "resumed"), "batch": 1, "die_after": 2})
    assert killed.returncode == 3, killed.stderr
    partial = _load(tmp_path / "resumed")
    assert int(partial["done"].sum()) == 3  # batches 0, 1, 2 were stored before the kill
    resumed = _run_script({"store": str(tmp_path / "resumed"), "batch": 1})
    assert resumed.returncode == 0, resumed.stderr
    # The resume reruns the same batch-1 program for the missing batches: bit-identical.
    xr.testing.assert_identical(_load(tmp_path / "resumed"), _load(tmp_path / "whole"))


@pytest.mark.slow  # 4 virtual devices and 2 processes: ~35 s
def test_sharded_equals_unsharded_and_processes_share_a_store(tmp_path):
    four = {"XLA_FLAGS": "--xla_force_host_platform_device_count=4"}
    sharded = _run_script({"store": str(tmp_path / "sharded"), "batch": 4, "shard": True}, four)
    assert sharded.returncode == 0 and "DEVICES 4" in sharded.stdout, sharded.stderr
    single = _run_script({"store": str(tmp_path / "single"), "batch": 4, "shard": False})
    assert single.returncode == 0, single.stderr
    a, b = _load(tmp_path / "sharded"), _load(tmp_path / "single")
    # One member per device is another program than four on one device: float64 rounding, not bit equality.
    np.testing.assert_allclose(a["x"].values, b["x"].values, rtol=1e-12, atol=1e-12)
    # Two processes, each its own share of the batches, writing one store at the same time.
    procs = [
        _run_script({"store": str(tmp_path / "shared"), "batch": 1, "index": i, "count": 2}, wait=False)
        for i in range(2)
    ]
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    one = _run_script({"store": str(tmp_path / "one"), "batch": 1})
    assert one.returncode == 0, one.stderr
    # Both ran the same batch-1 program on the same inputs: bit-identical.
    xr.testing.assert_identical(_load(tmp_path / "shared"), _load(tmp_path / "one"))


def test_sweeps_a_model_with_static_local_delays(tmp_path, key):
    # ALN's de/di size the delay ring, so they must stay concrete while other parameters are swept.
    space = ParameterSpace({"mue_ext_mean": [0.5, 2.5]})
    res = sweep("aln", space, key=key, evaluate=window_stats("rates_exc", last_ms=5.0), store=tmp_path / "aln",
                duration=20.0, progress=False)  # fmt: skip
    one = simulate("aln", {"mue_ext_mean": 2.5}, key=jr.fold_in(key, 1), duration=20.0)
    expected = np.asarray(one.outputs["rates_exc"])[-50:].max()
    np.testing.assert_allclose(res.dataset["max_rates_exc"].sel(mue_ext_mean=2.5), expected, rtol=1e-10)
