"""Bad input to sweep(), its evaluators and SweepStore: one row per case, each a clear error naming the argument."""

import json
import re

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from jaxbrain import Dataset
from jaxbrain.explore import ParameterSpace, SweepStore, evaluator, fc_fit, fcd_ks, sweep, trace, window_stats

SPACE = ParameterSpace({"a": [-0.2, 0.2]})
SHORT = dict(duration=20.0, sampling_dt=1.0, progress=False)


def _sweep(**kwargs):
    args = dict(key=jr.key(0), evaluate=window_stats("x", last_ms=10.0), **SHORT)
    args.update(kwargs)
    return sweep("hopf", args.pop("space", SPACE), **args)


def _array_evaluator():
    return _sweep(evaluate=evaluator(lambda res: res.outputs["x"].max(axis=(1, 2))))


def _across_points_evaluator():
    return _sweep(evaluate=evaluator(lambda res: {"mean_x": jnp.mean(res.outputs["x"])}))


def _store_with_bad_json(tmp_path):
    path = tmp_path / "bad.zarr"
    path.mkdir()
    (path / "zarr.json").write_text('{"zarr_format": 3, "node_type": "group", ')
    return SweepStore.load(path)


def _foreign_zarr_group(tmp_path):
    import zarr

    zarr.open_group(tmp_path / "other.zarr", mode="w", zarr_format=3, attributes={"made_by": "someone else"})
    return SweepStore.load(tmp_path / "other.zarr")


def _store_with_bad_array_json(tmp_path):
    path = tmp_path / "s.zarr"
    store = SweepStore.open(path, points={"a": np.arange(3.0)}, results={"y": ((), "float64", ())}, batch_size=2,
                            meta={})  # fmt: skip
    del store
    (path / "ok" / "zarr.json").write_text("not json")
    return SweepStore.load(path)


def _old_format_store(tmp_path):
    path = tmp_path / "old.zarr"
    SweepStore.open(path, points={"a": np.arange(3.0)}, results={"y": ((), "float64", ())}, batch_size=2, meta={})
    text = json.loads((path / "zarr.json").read_text())
    text["attributes"]["jaxbrain_sweep"]["format"] = 1
    (path / "zarr.json").write_text(json.dumps(text))
    return SweepStore.load(path)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def _call(fn):
    """Rows that need a folder get the test's working directory (a fresh tmp_path)."""
    from pathlib import Path

    return lambda: fn(Path.cwd())


CASES = [
    # ---- the parameter space: names are a sequence, never a string split into letters ----
    pytest.param(
        lambda: ParameterSpace("xy", [[0, 1], [0, 1]], kind="bound"),
        TypeError,
        "parameters must be a sequence of names, e.g. ['x', 'y']; got the single string 'xy'",
        id="space-names-string",
    ),  # fmt: skip
    pytest.param(
        lambda: ParameterSpace(["x", "x"], [[0, 1], [0, 1]]),
        ValueError,
        "parameters names ['x'] more than once",
        id="space-names-repeated",
    ),  # fmt: skip
    pytest.param(_array_evaluator, TypeError, "must return a dict name -> array", id="evaluator-returns-array"),
    pytest.param(
        _across_points_evaluator, ValueError, "its first axis must be the batch's", id="evaluator-reduces-batch"
    ),  # fmt: skip
    pytest.param(
        lambda: _sweep(evaluate=evaluator(lambda res: {})),
        TypeError,
        "it returned an empty dict",
        id="evaluator-returns-empty",
    ),  # fmt: skip
    pytest.param(
        lambda: _sweep(evaluate=evaluator(lambda res: {1: res.outputs["x"][:, 0, 0]})),
        TypeError,
        "name its results with strings",
        id="evaluator-int-key",
    ),  # fmt: skip
    pytest.param(lambda: _sweep(evaluate="max"), TypeError, "evaluate must be an evaluator", id="evaluate-string"),
    pytest.param(
        lambda: _sweep(evaluate=window_stats("x", last_ms=1000.0), duration=200.0),
        ValueError,
        "window_stats(last_ms=1000) needs the last 1000 ms of 'x', but the run records only 200 ms",
        id="window-longer-than-run",
    ),  # fmt: skip
    pytest.param(
        lambda: window_stats(last_ms=0.0), ValueError, "last_ms must be a finite number > 0", id="window-zero"
    ),  # fmt: skip
    pytest.param(lambda: window_stats(last_ms="1s"), TypeError, "last_ms must be a number", id="window-string"),
    pytest.param(lambda: window_stats(output=["x"]), TypeError, "output must be the name", id="window-output-list"),
    pytest.param(lambda: trace("x", every=0), ValueError, "trace: every must be", id="trace-every-zero"),
    pytest.param(
        lambda: trace("x", every=1.5), TypeError, "trace: every must be a whole number", id="trace-every-float"
    ),  # fmt: skip
    pytest.param(
        lambda: fc_fit(Dataset("gw"), transient_ms=-1.0),
        ValueError,
        "transient_ms must be",
        id="fc-fit-negative-transient",
    ),  # fmt: skip
    pytest.param(
        lambda: fcd_ks(Dataset("gw"), window_size=1), ValueError, "window_size must be", id="fcd-window-one"
    ),  # fmt: skip
    pytest.param(lambda: _sweep(dt=0), ValueError, "dt must be a positive number", id="dt-zero"),
    pytest.param(lambda: _sweep(duration=0.0), ValueError, "duration must be a positive number", id="duration-zero"),
    pytest.param(lambda: _sweep(sampling_dt=0.0), ValueError, "sampling_dt must be", id="sampling-dt-zero"),
    pytest.param(lambda: _sweep(batch_size=0), ValueError, "batch_size must be >= 1", id="batch-size-zero"),
    pytest.param(
        lambda: _sweep(
            space=ParameterSpace({"a": np.linspace(0.0, 1.0, 100_000)}),
            batch_size=100_000,
            duration=1e5,
            sampling_dt=0.1,
        ),
        ValueError,
        "a sweep batch of 100000 points needs about",
        id="batch-too-large-for-memory",
    ),  # fmt: skip
    pytest.param(lambda: _sweep(batch_size=2.5), TypeError, "batch_size must be a whole number", id="batch-size-float"),
    pytest.param(
        lambda: _sweep(process_index=2, process_count=2),
        ValueError,
        "process_index must be < process_count",
        id="process-index-too-large",
    ),  # fmt: skip
    pytest.param(lambda: _sweep(key=0), TypeError, "key must be one JAX PRNG key", id="key-int"),
    pytest.param(lambda: _sweep(key=jr.split(jr.key(0), 2)), ValueError, "key must be one key", id="key-array"),
    pytest.param(
        lambda: _sweep(connectome=np.zeros((2, 2))),
        TypeError,
        "connectome must be a jaxbrain Connectome",
        id="connectome-array",
    ),  # fmt: skip
    pytest.param(lambda: _sweep(on_batch=3), TypeError, "on_batch must be a function", id="on-batch-not-callable"),
    pytest.param(_call(_store_with_bad_json), ValueError, "its zarr.json is not valid JSON", id="store-bad-zarr-json"),
    pytest.param(
        _call(_foreign_zarr_group),
        ValueError,
        "is a zarr group but not a jaxbrain sweep store",
        id="store-foreign-zarr",
    ),  # fmt: skip
    pytest.param(
        _call(_store_with_bad_array_json),
        ValueError,
        "its array 'ok' is missing or its zarr.json is damaged",
        id="store-bad-array-json",
    ),  # fmt: skip
    pytest.param(_call(_old_format_store), ValueError, "this version reads format 2", id="store-old-format"),
    pytest.param(
        _call(lambda p: SweepStore.load(p / "missing")), ValueError, "is not a jaxbrain sweep store", id="store-missing"
    ),  # fmt: skip
]


@pytest.mark.parametrize("call, exc, fragment", CASES)
def test_bad_input_is_a_clear_error(call, exc, fragment):
    with pytest.raises(exc, match=re.escape(fragment)):
        call()
