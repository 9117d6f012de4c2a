"""Parameter sweeps: one batched, jit-compiled simulation per batch of points, streamed to a store.

A sweep runs the points of a :class:`ParameterSpace` in batches through the native batched simulator
(``simulate(..., batched=True)``), reduces each batch on the device with an evaluator
(:mod:`jaxbrain.explore._evaluate`) and writes it to a :class:`SweepStore` as soon as it is done. The
store is the sweep's memory: running the same sweep again skips the batches already written, so a
crash loses at most the batch in flight.

Reproducibility: point ``i`` is simulated with ``fold_in(key, i)``, so its result does not depend on the
batch size, the number of devices or processes, or on being resumed.

Scale: the batch axis is sharded over all local devices (``jax.sharding``); with several processes
(``jax.distributed.initialize()``, one per host) process ``p`` of ``P`` runs batches ``p, p + P, …`` on its
own devices and writes its own chunks of the same store (see ``docs/sweeps.md`` for SLURM).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import tempfile
import time
import warnings
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from ..integrate import delay_plan, simulate
from ..integrate._simulate import _check_params
from ..models import get_model
from ..network import Connectome
from ._evaluate import default, result_dims
from ._space import ParameterSpace
from ._store import SweepStore

CPU_MAX_BATCH = 64  # beyond ~64 members the batch's delay ring leaves the CPU caches (spec/performance.md §2.4)
ACCELERATOR_MAX_BATCH = 8192


class SweepResult(NamedTuple):
    """What :func:`sweep` returns.

    Attributes:
        dataset: ``xarray.Dataset`` of every result variable, the parameter values as coordinates and ``ok``;
            a grid of scalar parameters is unstacked into one dimension per parameter.
        failed: one dict of parameter values per point whose simulation diverged (non-finite or unbounded).
        store: the :class:`SweepStore` on disk (``store.to_dataframe()`` gives one row per point).
    """

    dataset: Any
    failed: list
    store: Any

    def table(self):
        """A pandas table with one row per parameter set."""
        return self.store.to_dataframe()


def sweep(
    model,
    space,
    connectome=None,
    *,
    key,
    params=None,
    evaluate=None,
    store=None,
    batch_size=None,
    duration=2000.0,
    dt=0.1,
    sampling_dt=None,
    signalV=20.0,
    bold=False,
    chunksize=None,
    dtype=None,
    progress=True,
    shard=True,
    process_index=None,
    process_count=None,
    on_batch=None,
):
    """Simulate every point of ``space`` and keep what ``evaluate`` returns.

    Args:
        model: a model bundle or registry name.
        space: a :class:`ParameterSpace` over the model's parameters (not ``kind="bound"``).
        connectome: the network (default one node).
        key: PRNG key; point ``i`` uses ``fold_in(key, i)``.
        params: the base parameters (Params or dict) for everything the space does not vary.
        evaluate: an evaluator (see :mod:`jaxbrain.explore`); default: the default output's trace, and
            the BOLD when ``bold=True``.
        store: directory of the result store (zarr). Running the same sweep with the same store resumes
            it; a store holding another sweep raises ``ValueError``. Default: a new temporary directory.
        batch_size: points per batch (default: from the free memory, at most 64 on CPU); rounded up to a
            multiple of the local device count.
        duration, dt, sampling_dt, signalV, bold, chunksize, dtype: as for :func:`jaxbrain.simulate`.
        progress: print batches done, simulations per second and the ETA to stderr.
        shard: shard each batch over all local devices.
        process_index, process_count: this process's share of the batches (default: JAX's
            ``process_index()``/``process_count()``, i.e. every process of a ``jax.distributed`` run).
        on_batch: called with each batch index after it is stored.

    Returns:
        A :class:`SweepResult`.
    """
    model = get_model(model)
    if not isinstance(space, ParameterSpace):
        raise TypeError(f"space must be a jaxbrain ParameterSpace; got {type(space).__name__}")
    if space.kind == "bound":
        raise ValueError("a 'bound' ParameterSpace is a box for optimisers; sweep a grid, explicit or sequence space")
    space.check(model.Params._fields, f"model {model.name!r}")
    base = _check_params(model, params)
    connectome = Connectome.single_node() if connectome is None else connectome
    n = connectome.n_nodes
    points = space.points({f: getattr(base, f) for f in base._fields})
    for name, values in points.items():
        if values.ndim == 2 and values.shape[1] != n:
            raise ValueError(f"per-node values of {name!r} have {values.shape[1]} entries; the network has {n} nodes")
    n_points = space.n_points
    ev = evaluate if evaluate is not None else default(model, bold)
    if getattr(ev, "bold", False) and not bold:
        raise ValueError("the evaluation needs BOLD: pass bold=True")
    record = ev.outputs if getattr(ev, "outputs", None) is not None else (model.default_output,)
    dtype = jnp.dtype(dtype or (jnp.float64 if jax.config.jax_enable_x64 else jnp.float32))
    settings = dict(
        duration=float(duration),
        dt=float(dt),
        sampling_dt=None if sampling_dt is None else float(sampling_dt),
        signalV=float(signalV),
        bold=bool(bold),
        chunksize=chunksize,
        dtype=dtype.name,
    )

    devices = jax.local_devices() if shard else jax.local_devices()[:1]
    if batch_size is None:
        batch_size = _auto_batch_size(model, base, connectome, settings, record, devices[0])
    batch_size = int(min(batch_size, n_points))
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}")
    batch_size = len(devices) * math.ceil(batch_size / len(devices))
    n_batches = math.ceil(n_points / batch_size)
    mesh = _batch_mesh(devices)

    def swept(rows):
        return _shard({name: jnp.asarray(values[rows], dtype) for name, values in points.items()}, mesh)

    def run(values, keys):
        # Only the swept values are arguments: the rest stays concrete, as the static settings (e.g. ALN's
        # local delays, which size the delay ring) must be.
        fields = {}
        for field in base._fields:
            if field in values:
                fields[field] = values[field]
            else:
                value = np.asarray(getattr(base, field), np.float64)
                fields[field] = jnp.broadcast_to(jnp.asarray(value, dtype), (len(keys), n)) if value.ndim else value
        with warnings.catch_warnings():
            # The sweep reports diverged points itself, once, with their swept parameters.
            warnings.simplefilter("ignore", RuntimeWarning)
            res = simulate(
                model, model.Params(**fields), connectome, key=keys, batched=True, outputs=record, progress=False,
                **settings,
            )  # fmt: skip
        return ev(res), res.ok

    point_keys = jax.vmap(lambda i: jr.fold_in(key, i))(jnp.arange(n_points, dtype=jnp.int32))
    first_rows = _padded_rows(0, batch_size, n_points)
    shapes, _ = jax.eval_shape(run, swept(first_rows), point_keys[first_rows])
    results = {
        name: (tuple(s.shape[1:]), jnp.dtype(s.dtype).name, result_dims(ev, name, len(s.shape) - 1))
        for name, s in shapes.items()
    }
    meta = {
        "model": model.name,
        "settings": settings,
        "base_params": {f: np.asarray(getattr(base, f)).tolist() for f in base._fields if f not in points},
        "space": {"kind": space.kind, "names": space.parameterNames},
        "key": np.asarray(jr.key_data(key)).tolist(),
        "connectome_sha256": _connectome_digest(connectome),
        "evaluate": getattr(ev, "__qualname__", type(ev).__name__),
        "batch_size": batch_size,
    }
    path = store if store is not None else tempfile.mkdtemp(prefix="jaxbrain-sweep-")
    st = SweepStore.open(os.fspath(path), points=points, results=results, batch_size=batch_size, meta=meta)

    index = jax.process_index() if process_index is None else int(process_index)
    count = jax.process_count() if process_count is None else int(process_count)
    done = st.done()
    mine = [b for b in range(n_batches) if b % count == index]
    todo = [b for b in mine if not done[b]]
    t0 = time.perf_counter()
    for i, b in enumerate(todo):
        rows = _padded_rows(b, batch_size, n_points)
        n_real = min(batch_size, n_points - b * batch_size)
        values, ok = run(swept(rows), _shard(point_keys[rows], mesh))
        st.write_batch(b, {name: np.asarray(v)[:n_real] for name, v in values.items()}, np.asarray(ok)[:n_real])
        if progress:
            _report(i + 1, len(todo), (i + 1) * batch_size, time.perf_counter() - t0, len(mine) - len(todo))
        if on_batch is not None:
            on_batch(b)

    grid = space.parameterNames if space.grid_shape is not None else None
    dataset = st.to_xarray(grid=grid) if st.done().all() else st.to_xarray()
    failed = _failed_points(st, points)
    if failed:
        shown = "; ".join(json.dumps(f) for f in failed[:5])
        more = f" (and {len(failed) - 5} more)" if len(failed) > 5 else ""
        warnings.warn(
            f"{len(failed)} of {n_points} simulations diverged (masked as ok=False): {shown}{more}",
            RuntimeWarning,
            stacklevel=2,
        )
    return SweepResult(dataset, failed, st)


def _padded_rows(batch, batch_size, n_points):
    """Point indices of ``batch``, the last batch padded by repeating its last point (one compiled shape)."""
    rows = np.arange(batch * batch_size, min((batch + 1) * batch_size, n_points))
    return np.concatenate([rows, np.full(batch_size - len(rows), rows[-1])]).astype(np.int32)


def _batch_mesh(devices):
    if len(devices) == 1:
        return None
    # Auto axes: jax.make_mesh defaults to Explicit ones, under which a vmapped scan needs a mesh context.
    return jax.make_mesh((len(devices),), ("batch",), axis_types=(jax.sharding.AxisType.Auto,), devices=devices)


def _shard(tree, mesh):
    """Place every leaf's leading (batch) axis across the mesh; scalars are replicated."""
    if mesh is None:
        return tree
    split = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("batch"))
    whole = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
    return jax.tree.map(lambda x: jax.device_put(x, split if jnp.ndim(x) else whole), tree)


def _auto_batch_size(model, base, connectome, settings, record, device):
    """Points per batch that fit in a quarter of the free memory (at most 64 on CPU)."""
    _, _, ring_len = delay_plan(model, base, connectome, settings["signalV"], settings["dt"])
    n = connectome.n_nodes
    itemsize = jnp.dtype(settings["dtype"]).itemsize
    steps = round(settings["duration"] / settings["dt"])
    every = round((settings["sampling_dt"] or settings["dt"]) / settings["dt"])
    per_member = itemsize * (
        2 * ring_len * n * 4  # the doubled delay ring
        + n * n * 8  # gathered delayed values of one step or block
        + (steps // every) * n * len(record)  # recorded outputs
        + (len(model.State._fields) + 8) * n  # state, OU and Balloon variables
    )
    if device.platform == "cpu":
        free, cap = _host_free_bytes(), CPU_MAX_BATCH
    else:
        stats = device.memory_stats() or {}
        free = stats.get("bytes_limit", 2**33) - stats.get("bytes_in_use", 0)
        cap = ACCELERATOR_MAX_BATCH
    return int(max(1, min(cap, free // 4 // max(per_member, 1))))


def _host_free_bytes():
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 2**32


def _connectome_digest(connectome):
    h = hashlib.sha256()
    for arr in (connectome.weights, connectome.lengths):
        h.update(np.ascontiguousarray(np.asarray(arr, np.float64)).tobytes())
    return h.hexdigest()


def _failed_points(st, points):
    ok = np.asarray(st.to_xarray()["ok"].values, bool)
    done = st.done()
    rows_done = np.zeros(st.n_points, bool)
    for b in np.flatnonzero(done):
        rows_done[st.batch_rows(b)] = True
    bad = np.flatnonzero(rows_done & ~ok)
    return [{name: np.asarray(v[i]).tolist() for name, v in points.items()} for i in bad]


def _report(done, total, sims, elapsed, skipped):
    rate = sims / max(elapsed, 1e-9)
    eta = (total - done) * elapsed / max(done, 1)
    resumed = f" ({skipped} already stored)" if skipped else ""
    end = "" if sys.stderr.isatty() and done < total else "\n"
    start = chr(13) if sys.stderr.isatty() else ""
    print(
        f"{start}  batch {done}/{total}{resumed}: {rate:.3g} sims/s, ETA {eta:7.1f} s",
        end=end,
        file=sys.stderr,
        flush=True,
    )
