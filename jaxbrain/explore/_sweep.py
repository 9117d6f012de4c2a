"""Parameter sweeps: one batched, jit-compiled simulation per batch of points, streamed to a store.

A sweep runs the points of a :class:`ParameterSpace` in batches through the native batched simulator (one
plan, ``prepare(..., batched=True)``, run for every batch), reduces each batch on the device with an evaluator
(:mod:`jaxbrain.explore._evaluate`) and writes it to a :class:`SweepStore` as soon as it is done. The
store is the sweep's memory: running the same sweep again skips the batches already written, so a
crash loses at most the batch in flight.

Resuming: the store keeps the canonical settings of everything that determines the results (model, the fixed
parameters, every point's values, the evaluator with the values it closes over, such as ``last_ms``, the
recorded outputs, duration, dt, sampling_dt, signalV, bold, chunksize, dtype, a digest of the connectome, the
key and the package version; :func:`jaxbrain._resume.run_settings`). A rerun whose settings differ is refused
with a ``ValueError`` naming what differs. The batch size is not part of it: the store's chunking along
"point" is fixed when it is created, and a resume computes in whatever batch size it is given (or, left to
choose, the store's, unless the free memory now asks for fewer points), packing the missing batches' points
into runs and writing each store batch whole. Each finished batch carries a checksum; a resume verifies every
done batch of its share and recomputes the damaged ones, with a warning naming them. Before computing a batch a
process claims it (a lock file with its pid and host, see :meth:`SweepStore.claim`); a batch claimed by
another live process is left to it, so a sweep started twice on one store computes each batch once.

Reproducibility: point ``i`` is simulated with ``fold_in(key, i)``, whatever batch it is in and wherever in
that batch. With the same batch size (the same compiled program) a point's result is bit-identical whether the
sweep ran at once or was resumed; with another batch size, device count or process count it agrees to rounding
(another compiled program may round differently; a run accumulates it), not necessarily bit for bit.

Scale: the batch axis is sharded over all local devices (``jax.sharding``); with several processes
(``jax.distributed.initialize()``, one per host) process ``p`` of ``P`` runs batches ``p, p + P, …`` on its
own devices and writes its own chunks of the same store (see ``docs/sweeps.md`` for SLURM).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
import warnings
import weakref
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from .. import _progress
from .._resume import run_settings
from ..integrate import check_memory, estimate_bytes, memory_limit, prepare
from ..integrate._plan import noisy
from ..integrate._simulate import _check_params
from ..models import get_model
from ..network import Connectome
from ._evaluate import default, result_dims
from ._space import ParameterSpace
from ._store import SweepStore, _unstack

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
    progress=False,
    shard=True,
    process_index=None,
    process_count=None,
    on_batch=None,
    backend=None,
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
            it; a store holding another sweep raises ``ValueError`` naming what differs. Default: a new
            temporary directory, removed once the returned result's store is no longer referenced (at the
            latest when the process exits).
        batch_size: points per compiled run (default: from the free memory, at most 64 on CPU, and at most
            the store's batch size when resuming); rounded up to a multiple of the local device count. A new
            store is chunked by it; an existing store keeps its own chunking, whatever is given here.
        duration, dt, sampling_dt, signalV, bold, chunksize, dtype: as for :func:`jaxbrain.simulate`.
        progress: show a progress bar on stderr (``tqdm.auto``: a widget in a notebook) over the simulations this
            call computes, advanced per stored batch, with simulations per second and the time left.
        shard: shard each batch over all local devices.
        process_index, process_count: this process's share of the batches (default: JAX's
            ``process_index()``/``process_count()``, i.e. every process of a ``jax.distributed`` run).
        on_batch: called with each batch index after it is stored.
        backend: the delayed read's implementation, as for :func:`jaxbrain.simulate` (``None``: automatic). It is
            not part of what identifies the sweep: backends agree to rounding, so a sweep may resume on another.

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
    if not isinstance(connectome, Connectome):
        raise TypeError(f"connectome must be a jaxbrain Connectome; got {type(connectome).__name__}")
    key = _check_key(key)
    requested = None if batch_size is None else _count("batch_size", batch_size)
    index = jax.process_index() if process_index is None else _count("process_index", process_index, minimum=0)
    count = jax.process_count() if process_count is None else _count("process_count", process_count)
    if index >= count:
        raise ValueError(f"process_index must be < process_count ({count}); got {index}")
    if on_batch is not None and not callable(on_batch):
        raise TypeError(f"on_batch must be a function of the batch index (or None); got {type(on_batch).__name__}")
    n = connectome.n_nodes
    points = space.points({f: getattr(base, f) for f in base._fields})
    for name, values in points.items():
        if values.ndim == 2 and values.shape[1] != n:
            raise ValueError(f"per-node values of {name!r} have {values.shape[1]} entries; the network has {n} nodes")
    n_points = space.n_points
    ev = evaluate if evaluate is not None else default(model, bold)
    if not callable(ev):
        raise TypeError(f"evaluate must be an evaluator, a function of the batched Result; got {type(ev).__name__}")
    if getattr(ev, "bold", False) and not bold:
        raise ValueError("the evaluation needs BOLD: pass bold=True")
    record = ev.outputs if getattr(ev, "outputs", None) is not None else (model.default_output,)
    dtype = jnp.dtype(dtype or (jnp.float64 if jax.config.jax_enable_x64 else jnp.float32))
    # Handed to prepare as given: it checks them (the first trace below), before anything here divides.
    run_args = dict(
        duration=duration, dt=dt, sampling_dt=sampling_dt, signalV=signalV, bold=bold, chunksize=chunksize, dtype=dtype,
        backend=backend,
    )  # fmt: skip
    # One plan for the batches of one size: the sweep fixes everything else. Only a batch whose noise is off at
    # every point gets the noise-free plan of its own, as a simulation of it alone would: a batch's program then
    # depends on its points alone, not on the batches run before it (a resumed sweep recomputes it bit for bit).
    plans = {}

    devices = jax.local_devices() if shard else jax.local_devices()[:1]
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
        params = model.Params(**fields)
        signature = (len(keys), noisy(model, params))
        if signature not in plans:
            plans[signature] = prepare(model, params, connectome, batched=True, outputs=record, **run_args)
        with warnings.catch_warnings():
            # The sweep reports diverged points itself, once, with their swept parameters.
            warnings.simplefilter("ignore", RuntimeWarning)
            res = plans[signature].run(params, key=keys)
        out = ev(res)
        _check_evaluation(ev, out, len(keys))
        return out, res.ok

    # Point i's key depends on i alone, never on its batch or its place in one.
    point_keys = jax.vmap(lambda i: jr.fold_in(key, i))(jnp.arange(n_points, dtype=jnp.int32))
    # Tracing a small batch (two points, or one per device) runs every check of the simulation and of the evaluator
    # (and gives the result shapes) before any batch is sized, stored or run.
    probe = _padded_rows(np.arange(min(2, n_points)), _device_multiple(2, len(devices)))
    shapes, _ = jax.eval_shape(run, swept(probe), point_keys[probe])
    results = {
        name: (tuple(s.shape[1:]), jnp.dtype(s.dtype).name, result_dims(ev, name, len(s.shape) - 1))
        for name, s in shapes.items()
    }
    settings = dict(
        duration=float(duration),
        dt=float(dt),
        sampling_dt=None if sampling_dt is None else float(sampling_dt),
        signalV=float(signalV),
        bold=bool(bold),
        chunksize=None if chunksize is None else int(chunksize),
        dtype=dtype.name,
    )
    fixed = {f: np.asarray(getattr(base, f)).tolist() for f in base._fields if f not in points}
    meta = {
        "model": model.name,
        "settings": settings,
        "base_params": fixed,
        "space": {"kind": space.kind, "names": space.parameterNames},
        "key": np.asarray(jr.key_data(key)).tolist(),
        "connectome_sha256": _connectome_digest(connectome),
        "evaluate": getattr(ev, "__qualname__", type(ev).__name__),
    }
    # Everything that determines the results (the batch size does not: see the module docstring).
    identity = run_settings(
        model=model.name,
        base_params=fixed,
        points=points,
        evaluate=ev,
        outputs=record,
        settings=settings,
        connectome=_connectome_digest(connectome),
        key=key,
    )

    if requested is None:
        wanted = _auto_batch_size(model, base, connectome, settings, record, devices[0])
    else:
        wanted = requested
    new_batch = _device_multiple(min(wanted, n_points), len(devices))
    if requested is not None:
        # Before a store is made or anything runs: a batch that cannot fit is refused with the numbers.
        size = _device_multiple(min(requested, n_points), len(devices))
        batch_bytes = _batch_bytes(model, base, connectome, settings, record, points, size)
        check_memory(
            batch_bytes, f"a sweep batch of {size} points", device=devices[0], advice="pass a smaller batch_size"
        )
    temporary = store is None
    path = tempfile.mkdtemp(prefix="jaxbrain-sweep-") if temporary else os.fspath(store)
    try:
        st = SweepStore.open(path, points=points, results=results, batch_size=new_batch, meta=meta, settings=identity)
    except BaseException:
        if temporary:
            shutil.rmtree(path, ignore_errors=True)
        raise
    if temporary:
        # Removed when the store is no longer used, and at the latest when the process exits.
        weakref.finalize(st, shutil.rmtree, path, True)
    # Computing: in the batch size asked for; left to itself, the store's own (results then match an
    # uninterrupted run bit for bit) unless the free memory now asks for fewer points.
    compute = new_batch if requested is not None else _device_multiple(min(wanted, st.batch_size), len(devices))

    mine = [b for b in range(st.n_batches) if b % count == index]
    done = st.done()
    damaged = st.verify([b for b in mine if done[b]])
    if damaged:
        warnings.warn(
            f"{st._damage_text(damaged)}; recomputing them",
            RuntimeWarning,
            stacklevel=2,
        )
    todo = [b for b in mine if not done[b] or b in damaged]
    others = _compute(st, todo, damaged, compute, run, swept, point_keys, mesh, progress, len(mine), on_batch)
    if others:
        holders = "; ".join(f"batch {b}: {_holder_text(st.claim_holder(b))}" for b in others[:5])
        warnings.warn(
            f"{len(others)} batch(es) of {st.path} are being computed by another process and were left to it "
            f"({holders}). Run the sweep again once it has finished to read them; if no such process exists, "
            f"delete {os.path.join(st.path, 'done', 'claims')}",
            RuntimeWarning,
            stacklevel=2,
        )

    flat = st.to_xarray()
    grid = space.parameterNames if space.grid_shape is not None else None
    dataset = _unstack(flat, grid, st._point_specs) if grid is not None and bool(flat["done"].all()) else flat
    failed = _failed_points(flat, points)
    if failed:
        shown = "; ".join(json.dumps(f) for f in failed[:5])
        more = f" (and {len(failed) - 5} more)" if len(failed) > 5 else ""
        warnings.warn(
            f"{len(failed)} of {n_points} simulations diverged (masked as ok=False): {shown}{more}",
            RuntimeWarning,
            stacklevel=2,
        )
    return SweepResult(dataset, failed, st)


def _compute(st, todo, damaged, compute, run, swept, point_keys, mesh, progress, n_mine, on_batch):
    """Compute and store the batches ``todo`` in runs of ``compute`` points; the batches others hold are returned.

    Each store batch is claimed before its points are queued (and skipped when another live process holds
    it, or finished it meanwhile), and written whole once all its points are computed; the claims are
    released as their batches are written, and all of them on the way out.
    """
    size = st.batch_size
    held, others = {}, []
    queue = []  # point indices waiting for a compute run, in batch order
    buffers = {}  # batch -> (values, ok, points still missing)
    written = 0
    n_todo = sum(_n_rows(st, b) for b in todo)
    resumed = f" ({n_mine - len(todo)} of {n_mine} batches stored before)" if n_mine > len(todo) else ""
    pbar = _progress.bar(progress, total=n_todo, desc=f"sweep{resumed}", unit="sim")

    def run_queue(final):
        nonlocal queue, written
        while len(queue) >= compute or (final and queue):
            rows, queue = np.asarray(queue[:compute]), queue[compute:]
            padded = _padded_rows(rows, compute)
            values, ok = run(swept(padded), _shard(point_keys[padded], mesh))
            values = {name: np.asarray(v)[: len(rows)] for name, v in values.items()}
            ok = np.asarray(ok)[: len(rows)]
            for b in np.unique(rows // size):
                mask = rows // size == b
                out, flags, missing = buffers[b]
                offsets = rows[mask] - b * size
                for name, v in values.items():
                    out[name][offsets] = v[mask]
                flags[offsets] = ok[mask]
                missing -= int(mask.sum())
                buffers[b] = (out, flags, missing)
                if missing == 0:
                    st.write_batch(int(b), out, flags)
                    del buffers[b]
                    held.pop(int(b)).release()
                    written += 1
                    pbar.update(_n_rows(st, b))
                    pbar.set_postfix_str(f"batch {written}/{len(todo)}")
                    if on_batch is not None:
                        on_batch(int(b))

    try:
        for b in todo:
            claim = st.claim(b)
            if claim is None:
                others.append(b)
                continue
            held[b] = claim
            if b not in damaged and st.done()[b]:  # finished by another process since this one looked
                held.pop(b).release()
                continue
            rows = np.arange(st.batch_rows(b).start, st.batch_rows(b).stop)
            buffers[b] = (
                {name: np.empty((len(rows), *spec["shape"]), spec["dtype"]) for name, spec in st._result_specs.items()},
                np.zeros(len(rows), bool),
                len(rows),
            )
            queue.extend(rows.tolist())
            run_queue(final=False)
        run_queue(final=True)
    finally:
        pbar.close()
        for claim in held.values():
            claim.release()
    return others


def _n_rows(st, batch):
    rows = st.batch_rows(int(batch))
    return rows.stop - rows.start


def _holder_text(holder):
    if not isinstance(holder, dict):
        return "claim file unreadable"
    return f"pid {holder.get('pid')} on {holder.get('host')}"


def _check_key(key):
    if not (hasattr(key, "dtype") and jnp.issubdtype(key.dtype, jax.dtypes.prng_key)):
        raise TypeError(f"key must be one JAX PRNG key (jax.random.key(seed)); got {type(key).__name__}")
    if jnp.ndim(key) != 0:
        raise ValueError(f"key must be one key (point i uses fold_in(key, i)); got an array of shape {key.shape}")
    return key


def _count(name, value, minimum=1):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number; got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    return int(value)


def _device_multiple(size, n_devices):
    """``size`` rounded up to a multiple of the device count (each device gets the same share of a batch)."""
    return n_devices * math.ceil(size / n_devices)


def _check_evaluation(ev, out, batch):
    """The evaluator returned what a store can hold: a dict name -> array with the batch as first axis."""
    name = _evaluator_name(ev)
    if not isinstance(out, dict) or not out:
        got = f"an empty {type(out).__name__}" if isinstance(out, dict) else f"a {type(out).__name__}"
        raise TypeError(
            f"the evaluator {name} must return a dict name -> array (one row per point of the batch, e.g. "
            f"{{'max_x': values}}); it returned {got}"
        )
    for key, value in out.items():
        if not isinstance(key, str):
            raise TypeError(f"the evaluator {name} must name its results with strings; got the key {key!r}")
        shape = getattr(value, "shape", None)
        if shape is None:
            raise TypeError(f"the evaluator {name}: result {key!r} must be an array; got {type(value).__name__}")
        if len(shape) == 0 or shape[0] != batch:
            raise ValueError(
                f"the evaluator {name}: result {key!r} has shape {tuple(shape)}; its first axis must be the "
                f"batch's {batch} points (reduce each point, not across points)"
            )


def _evaluator_name(ev):
    qualname = getattr(ev, "__qualname__", type(ev).__qualname__)
    return f"{getattr(ev, '__module__', '')}.{qualname}".lstrip(".")


def _padded_rows(rows, size):
    """``rows`` padded to ``size`` by repeating the last one (one compiled shape for every run)."""
    rows = np.asarray(rows, np.int32)
    return np.concatenate([rows, np.full(size - len(rows), rows[-1], np.int32)])


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
    """Points per batch that fit in a quarter of the memory free on ``device`` (at most 64 on CPU).

    One member's size is the simulator's own estimate (:func:`jaxbrain.integrate.estimate_bytes`, which counts
    the run's fixed parts too, so the batch errs on the small side).
    """
    per_member = estimate_bytes(model, base, connectome, outputs=record, **settings)
    cap = CPU_MAX_BATCH if device.platform == "cpu" else ACCELERATOR_MAX_BATCH
    return int(max(1, min(cap, memory_limit(device) // 4 // max(per_member, 1))))


def _batch_bytes(model, base, connectome, settings, record, points, size):
    """The simulator's estimate of one batch of ``size`` points (the swept values at their first point's)."""
    fields = base._asdict()
    for name, values in points.items():
        first = np.asarray(values[:1], np.float64)
        fields[name] = np.broadcast_to(first if first.ndim == 2 else first[:, None], (size, connectome.n_nodes))
    return estimate_bytes(model, model.Params(**fields), connectome, outputs=record, batched=True, **settings)


def _connectome_digest(connectome):
    h = hashlib.sha256()
    for arr in (connectome.weights, connectome.lengths):
        h.update(np.ascontiguousarray(np.asarray(arr, np.float64)).tobytes())
    return h.hexdigest()


def _failed_points(flat, points):
    """The parameter values of every stored point whose run diverged (``flat``: the store's flat dataset)."""
    bad = np.flatnonzero(np.asarray(flat["done"].values, bool) & ~np.asarray(flat["ok"].values, bool))
    return [{name: np.asarray(v[i]).tolist() for name, v in points.items()} for i in bad]
