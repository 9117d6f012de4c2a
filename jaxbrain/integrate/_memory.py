"""How much memory a run needs, how much there is, and a clear refusal when it does not fit.

Shapes are static (they fix the compiled program), so a run's size is known before anything is allocated,
even inside ``jit`` (a sweep batch) or ``eval_shape``. The estimate counts the large arrays a run holds at its
peak, each as often as the driver keeps copies of it (see :func:`run_parts`); small constants are left out. It
is meant to refuse what cannot fit with a useful number, not to predict XLA's allocator to the byte.
"""

from __future__ import annotations

import os
from typing import NamedTuple

import jax

GIB = 2**30


class RunSize(NamedTuple):
    """The sizes that decide a run's memory (all Python numbers; ``ring_len`` may be a huge float)."""

    n_nodes: int
    batch: int
    n_steps: int
    n_samples: int  # recorded samples per output
    n_outputs: int
    n_state: int  # State fields
    n_noise: int  # OU channels plus state-noise normals per node and step
    n_coupled: int  # variables in the delay ring
    n_sums: int  # delayed network sums (weight matrices)
    ring_len: float  # delay ring slots: longest delay in steps + 1 (+ 2 with interpolated delays)
    chunk: int  # steps per jitted chunk
    noise_block: int  # steps per noise draw
    time_block: int  # steps per windowed delay read (1: step by step)
    n_inputs: int  # time-dependent input channels given (0: none)
    bold_rows: int  # BOLD samples (0: no BOLD)
    itemsize: int
    checkpoint: bool


def run_parts(size, gradient=False):
    """Bytes per part of a run: ``{part: bytes}`` (floats, so that absurd sizes cannot overflow).

    Counted: the recorded outputs twice (the chunks' buffers and the returned arrays); the delay ring three
    times (between chunks, and doubled inside a chunk); the delay read's windows; the time-dependent inputs
    twice (given and stacked); the BOLD samples twice; two noise blocks; a few copies of the state. With
    ``gradient``, what the backward pass keeps (a conservative bound: about 8 values per state, OU and coupled
    variable per step that is stored, plus the cotangents of the outputs and the ring): with ``checkpoint``
    one carry per chunk, one per noise block of the chunk being replayed and the steps of one noise block;
    without, every step.
    """
    s = float(size.itemsize)
    n, b = float(size.n_nodes), float(size.batch)
    ring_one = size.ring_len * n * size.n_coupled * b * s
    outputs = size.n_samples * n * size.n_outputs * b * s
    state = (size.n_state + size.n_noise + size.n_coupled + 5) * n * b * s
    parts = {
        "recorded outputs": 2 * outputs,
        "delay buffer": 3 * ring_one,
        "delay reads": size.n_sums * n * n * s * 5 + size.time_block * n * n * size.n_coupled * b * s,
        "inputs": 2 * size.n_steps * size.n_inputs * n * s,
        "BOLD": 2 * size.bold_rows * n * b * s,
        "noise": 3 * size.noise_block * size.n_noise * n * b * s,
        "state": 4 * state,
    }
    if gradient:
        per_step = 8 * (size.n_state + size.n_noise + size.n_coupled) * n * b * s
        cotangents = outputs + ring_one
        if size.checkpoint:
            n_chunks = -(-size.n_steps // max(size.chunk, 1))
            chunk_outputs = outputs * min(size.chunk, size.n_steps) / max(size.n_steps, 1)
            carry = 2 * ring_one + state + chunk_outputs
            blocks = -(-min(size.chunk, size.n_steps) // max(size.noise_block, 1))
            kept = n_chunks * (ring_one + state) + blocks * carry + size.noise_block * per_step
        else:
            kept = size.n_steps * per_step
        parts["gradient"] = kept + cotangents
    return parts


def run_bytes(size, gradient=False):
    """Total bytes of :func:`run_parts` as an int."""
    return int(min(sum(run_parts(size, gradient).values()), 2.0**100))


def memory_limit(device=None):
    """Bytes a new run may use on ``device`` (default: JAX's first local device).

    CPU: the host's available memory (``MemAvailable`` in ``/proc/meminfo``, else free pages from
    ``os.sysconf``). Accelerators: ``bytes_limit - bytes_in_use`` from the device's memory statistics; where a
    device reports none, no limit is known and a very large number is returned.
    """
    device = jax.local_devices()[0] if device is None else device
    if device.platform == "cpu":
        return _host_available()
    stats = device.memory_stats() or {}
    if "bytes_limit" not in stats:
        return 2**62
    return int(stats["bytes_limit"] - stats.get("bytes_in_use", 0))


def _host_available():
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (OSError, ValueError, AttributeError):
        return 2**62  # unknown: do not refuse


ADVICE = {
    "recorded outputs": "shorten the run, raise sampling_dt or record fewer outputs (outputs=...)",
    "delay buffer": "the longest delay sets its size: raise signalV or dt, or check the fibre lengths' units (mm)",
    "delay reads": "use a smaller network or a smaller batch",
    "inputs": "give shorter inputs (a shorter run) or fewer input channels",
    "BOLD": "shorten the run",
    "noise": "use a smaller batch",
    "state": "use a smaller batch",
    "gradient": "use checkpoint=True with a smaller chunksize, or truncation=",
}


def format_bytes(nbytes):
    """``7.45 GiB``, ``512 MiB``, ``3 KiB``."""
    if not nbytes < 2.0**80:
        return "more than 1e+15 GiB"
    for unit, scale in (("GiB", GIB), ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= scale:
            return f"{nbytes / scale:.3g} {unit}"
    return f"{int(nbytes)} bytes"


def check_memory(nbytes, what, *, device=None, parts=None, advice=None):
    """Refuse, with the numbers, what needs more memory than :func:`memory_limit` allows.

    Args:
        nbytes: bytes needed (e.g. :func:`estimate_bytes`).
        what: what needs them, the subject of the message ("this simulation", "a sweep batch of 64 points").
        device: where it would run (default: JAX's first local device).
        parts: optional ``{part: bytes}`` breakdown; the message names the largest part and advice for it.
        advice: what the user can do (default: advice for the largest part, or general advice).

    Raises:
        ValueError: "<what> needs about 7.45 GiB of memory; at most 3.2 GiB is available on cpu. ..."
    """
    device = jax.local_devices()[0] if device is None else device
    limit = memory_limit(device)
    if nbytes <= limit:
        return
    detail = ""
    if parts:
        largest = max(parts, key=parts.get)
        detail = f" ({largest}: {format_bytes(parts[largest])})"
        advice = advice or ADVICE.get(largest)
    advice = advice or (
        "shorten the run, raise sampling_dt, record fewer outputs, or use chunks (chunksize=) or smaller sweep batches"
    )
    raise ValueError(
        f"{what} needs about {format_bytes(nbytes)} of memory{detail}; at most {format_bytes(limit)} is "
        f"available on {device.platform}. To fit: {advice}."
    )


def estimate_bytes(model, params=None, connectome=None, *, gradient=False, **simulate_kwargs):
    """Device memory (bytes) that ``simulate(model, params, connectome, **simulate_kwargs)`` needs.

    The settings are checked as :func:`~jaxbrain.simulate` checks them (same errors), and nothing is run or
    allocated. ``gradient=True`` adds what a backward pass through the run keeps (see :func:`run_parts`).
    ``key`` may be left out.

    Example:
        >>> estimate_bytes("hopf", duration=1000.0, dt=0.1) < 2**20
        True
    """
    from ._simulate import plan_size

    size = plan_size(model, params, connectome, **simulate_kwargs)
    return run_bytes(size, gradient)
