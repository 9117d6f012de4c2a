"""The memory estimate of a run: what it grows with, and the up-front refusal of what cannot fit."""

import re
from unittest import mock

import numpy as np
import pytest

from jaxbrain import Connectome, simulate
from jaxbrain.integrate import _memory, check_memory, estimate_bytes, memory_limit

NET = Connectome(np.ones((4, 4)) - np.eye(4), 40.0 * (np.ones((4, 4)) - np.eye(4)))


def _small_limit(nbytes):
    return mock.patch("jaxbrain.integrate._memory.memory_limit", return_value=int(nbytes))


def test_outputs_grow_with_duration_and_shrink_with_sampling():
    short = estimate_bytes("hopf", duration=10_000.0, dtype="float32")
    long = estimate_bytes("hopf", duration=100_000.0, dtype="float32")
    sparse = estimate_bytes("hopf", duration=100_000.0, sampling_dt=10.0, dtype="float32")
    # Two float32 outputs of one node, counted twice (buffers + returned arrays): 16 bytes per step.
    assert long - short == pytest.approx(16 * 900_000, rel=0.01)
    assert sparse < short
    assert estimate_bytes("hopf", duration=100_000.0, outputs=(), dtype="float32") < sparse


def test_estimate_scales_with_batch_dtype_and_outputs():
    def size(params=None, **kw):
        return estimate_bytes("hopf", params, NET, duration=1000.0, **kw)

    one = size(dtype="float32")
    assert size(dtype="float64") == pytest.approx(2 * one, rel=0.01)
    batch = size(dtype="float32", params={"a": np.zeros(8)}, batched=True)
    assert 6 * one < batch < 9 * one
    assert size(dtype="float32", outputs=("x",)) < one


def test_delay_buffer_grows_with_the_longest_delay():
    fast = estimate_bytes("hopf", None, NET, duration=10.0, outputs=(), signalV=20.0)
    slow = estimate_bytes("hopf", None, NET, duration=10.0, outputs=(), signalV=0.2)
    parts = _memory.run_parts(_plan(signalV=0.2))
    # 40 mm at 0.2 mm/ms is 2000 steps: ring of 2001 slots × 4 nodes × 1 variable, three copies of float64.
    assert parts["delay buffer"] == pytest.approx(3 * 2001 * 4 * 8)
    assert slow > fast


def _plan(**kw):
    from jaxbrain.integrate._simulate import plan_size

    return plan_size("hopf", None, NET, duration=10.0, outputs=(), **kw)


def test_gradient_memory_checkpoint_grows_with_chunks_not_steps():
    def size(duration, **kw):
        return estimate_bytes("hopf", None, NET, duration=duration, dtype="float32", outputs=(), **kw)

    forward = size(1000.0)
    plain = size(1000.0, gradient=True)
    kept = size(1000.0, gradient=True, checkpoint=True, chunksize=1000)
    assert forward < kept < plain
    # Without checkpointing every step is stored; with it, one carry per chunk of 1000 steps more.
    longer_kept = size(2000.0, gradient=True, checkpoint=True, chunksize=1000)
    assert size(2000.0, gradient=True) - plain > 100 * (longer_kept - kept)


def test_long_run_without_outputs_is_allowed_when_it_fits(key):
    # 10^6 steps, one sample per 100 ms: a few kB of outputs, far under the (fake) 64 MiB limit.
    with _small_limit(64 * 2**20):
        res = simulate("hopf", key=key, duration=100_000.0, sampling_dt=100.0, outputs=("x",))
    assert res.outputs["x"].shape == (1000, 1)


def test_a_1e8_ms_run_is_refused_with_the_numbers(key):
    with _small_limit(3.2 * 2**30):
        with pytest.raises(ValueError) as info:
            simulate("hopf", key=key, duration=1e8, dt=0.1, dtype="float32")
    message = str(info.value)
    assert "needs about 14.9 GiB" in message and "at most 3.2 GiB is available" in message
    assert "sampling_dt" in message


def test_a_moderate_run_is_refused_on_a_small_machine(key):
    needed = estimate_bytes("hopf", None, NET, duration=1000.0)
    with _small_limit(needed // 2):
        with pytest.raises(ValueError, match="this simulation needs about"):
            simulate("hopf", None, NET, key=key, duration=1000.0)
    with _small_limit(needed * 2):
        assert simulate("hopf", None, NET, key=key, duration=1000.0).outputs["x"].shape == (10_000, 4)


def test_a_sweep_batch_under_jit_is_checked_too(key):
    import jax

    params = {"a": np.zeros(64)}

    def run(a):
        return simulate("hopf", {"a": a}, NET, key=key, duration=1000.0, batched=True).outputs["x"]

    needed = estimate_bytes("hopf", params, NET, duration=1000.0, batched=True)
    with _small_limit(needed // 2), pytest.raises(ValueError, match="this simulation needs about"):
        jax.eval_shape(run, params["a"])


def test_tiny_signal_speed_is_refused_before_the_delay_overflows(key):
    lengths = 100.0 * (np.ones((3, 3)) - np.eye(3))
    with pytest.raises(ValueError, match=re.escape("the longest delay is 1e+10 steps of dt=0.1 ms")):
        simulate("hopf", None, Connectome(np.ones((3, 3)), lengths), key=key, duration=1.0, signalV=1e-7)


def test_memory_limit_is_positive_and_check_memory_passes_what_fits():
    assert memory_limit() > 0
    check_memory(1, "one byte")
    with pytest.raises(ValueError, match=r"one byte too many needs about .* at most"):
        check_memory(memory_limit() + 2**30, "one byte too many")


def test_memory_limit_falls_back_without_proc_meminfo():
    with mock.patch("builtins.open", side_effect=OSError):
        assert _memory._host_available() > 0
