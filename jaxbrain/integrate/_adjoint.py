r"""A chunk of steps whose gradient reads the cotangents with the delayed read itself.

:func:`run_chunk_adjoint` integrates exactly what :func:`~jaxbrain.integrate._scan.run_chunk` does (same
arguments, same results to rounding) but carries a ``jax.custom_vjp``. XLA's autodiff of the chunk transposes
each step's gather of the delayed values into a scatter-add into the ring, which is slow (on a GPU the
value-and-gradient cost 7x the forward). Here the backward pass is itself a delayed read, served by the same
operator (:func:`~jaxbrain.network._read.gather_sum`, so every backend serves it too), never a scatter.

Split every step ``k`` into a *read*, linear in the ring of past coupled values ``x``,

$$ r_{np}(k) = \sum_s w_{pns}\, x_{m_s, c_p}(k - 1 - d_{ns}), \qquad
   \sigma_{vn}(k) = x_{nv}(k - 1 - d_v) \ \text{(a node's own past, e.g. ALN)}, $$

and a *local* update of the node's own values ``z = (state, ou, bold)`` (coupling, drift, Euler step,
projection, noise, Balloon–Windkessel, output samples), after which $x(k)$ = the coupled variables of the new
state is pushed into column ``k``. Column ``k`` is read by the later steps $j = k + 1 + d$, so its cotangent is

$$ \bar x_{m v}(k) = \sum_{n, s:\, m_s = m} \sum_{p:\, c_p = v} w_{pns}\, \bar r_{np}(k + 1 + d_{ns})
   + \bar\sigma_{vm}(k + 1 + d_v) + \overline{\text{ring}}_{\text{out}}(k), $$

the last term while column ``k`` is still in the chunk's output ring. Going backward, the cotangents
$\bar r(j)$, $\bar\sigma(j)$ of the last ``L`` steps are kept in a *cotangent ring* laid out like the forward's
node-major doubled ring ``(N, 2L, P, B)``, and the sum is one ``gather_sum`` of that ring with *advanced* delays
(slot ``(k+1) mod L + d`` instead of ``(k−1) mod L + L − d``) and the transposed weights (source and target
swapped). ``jax.vjp`` of the local update then gives the cotangents of the previous ``z``, of $r(k)$ and
$\sigma(k)$ (pushed into the cotangent ring), of the parameters, the row sums and the external input; the
output and BOLD buffers' cotangents enter at the rows step ``k`` wrote. After the first step, ``L`` more reads of
the cotangent ring give the input ring's cotangent (only when the ring is differentiated).

The forward rule reads step by step (``cfg.time_block`` only speeds up the primal: the results agree to
rounding) and keeps each step's reads $r(k)$, $\sigma(k)$ (``(N, P, B)`` and ``(N, B)`` per self-delayed variable)
and the small state ``z`` every ``seg`` ≈ √n steps; the backward pass replays a segment's local updates from its
stored ``z`` before reversing it, redrawing the same noise (:func:`~jaxbrain.integrate._scan._draw_noise` is keyed
per step). Nothing of the size of the ring is stored per step.

Autodiff of :func:`run_chunk` (``jax.vjp``) is used instead when the read's weights themselves need a cotangent
(a perturbed float leaf of ``consts`` other than ``row_sum``: e.g. a traced ``signalV`` with fractional delays,
or a gradient with respect to the connectome's weights) and when there are no delays (``cfg.ring_len == 1``:
the read is a matrix product).

The transposed read needs the per-step plan's structure: column ``s`` of ``consts.full_off`` reads source
``s mod N`` (``S`` = a multiple of ``N``: one tap per source with rounded delays, two with fractional ones), with
``full_off[n, s] = m·2L + L − d``, ``0 ≤ d < L``, as both of ``simulate``'s plans build it. A plan that breaks this
makes every cotangent NaN instead of silently wrong (the offsets may be traced, so it cannot be refused earlier).
"""

from __future__ import annotations

import dataclasses
import functools as ft
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import CustomVJPPrimal, SymbolicZero

from ..network._read import gather_sum
from ._scan import SimState, _draw_noise, _local_step, _record, _ring_parts, _samples, run_chunk


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True)
class _Plan:
    """Static facts the backward pass needs from the forward rule (which inputs are perturbed)."""

    fallback: bool
    ring: bool
    params: tuple[bool, ...]
    row_sum: bool
    ext: bool


def _segment_length(n_steps):
    """Steps between stored states: about √n balances the stored states against a segment's replayed ones. A
    divisor of ``n_steps`` near √n when there is one (no shorter last segment: half the program to compile)."""
    root = math.sqrt(n_steps)
    near = [d for d in range(max(1, math.ceil(root / 2)), math.floor(2 * root) + 1) if n_steps % d == 0]
    return min(near, key=lambda d: abs(math.log(d / root))) if near else max(1, round(root))


class _Ring:
    """Reads and writes of node-major doubled rings ``(N, 2L, V, B)`` (column ``c`` in slots ``c mod L`` and
    ``c mod L + L``): the forward's ring of coupled values and the backward's rings of cotangents."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.length = cfg.ring_len
        self.selfs = tuple((v, d) for v, d in enumerate(cfg.self_lags) if d is not None)
        self.node_base = (jnp.arange(cfg.n_nodes, dtype=jnp.int32) * (2 * cfg.ring_len))[:, None]
        self.own = jnp.ones((1, cfg.n_nodes, 1), jnp.dtype(cfg.dtype))  # weight 1 on a node's own past

    def read(self, ring, start, offsets, weights, channels):
        """``gather_sum`` of the ring's rows from ring position ``start``: ``(N, P, B)``."""
        rows = ring.reshape((-1,) + ring.shape[2:])
        return gather_sum(rows, start, offsets, weights, channels, backend=self.cfg.backend)

    def read_own(self, ring, slot, channel):
        """Each node's own row ``slot`` (``< 2L``) of variable ``channel``: ``(N, B)``."""
        return self.read(ring, slot, self.node_base, self.own, (channel,))[:, 0]

    def push(self, ring, column, value):
        """``ring`` with ``value`` ``(N, V, B)`` written into both slots of ``column``."""
        slot = (column % self.length).astype(jnp.int32)
        for at in (slot, slot + self.length):
            ring = jax.lax.dynamic_update_slice(ring, value[:, None], (jnp.int32(0), at, jnp.int32(0), jnp.int32(0)))
        return ring

    def self_inputs(self, reads):
        """The local update's ``self_delayed`` tuple (one entry per coupled variable, 0 where none)."""
        out = [jnp.zeros((), jnp.dtype(self.cfg.dtype))] * self.cfg.n_coupled
        for (v, _), value in zip(self.selfs, reads):
            out[v] = value
        return tuple(out)


def _doubled(cfg, ring):
    """Slot-major ``(L·N, V, B)`` → the in-chunk parts of the node-major doubled ring (see ``_scan.py``)."""
    nodes = jnp.swapaxes(ring.reshape((cfg.ring_len, cfg.n_nodes) + ring.shape[1:]), 0, 1)
    doubled = jnp.concatenate([nodes, nodes], axis=1)
    return tuple(doubled[:, :, a:b] for a, b in _ring_parts(cfg))


def _slot_major(cfg, parts):
    ring = jnp.swapaxes(jnp.concatenate(parts, axis=2)[:, : cfg.ring_len], 0, 1)
    return ring.reshape((-1,) + ring.shape[2:])


def _noise(cfg, key, ks):
    if not cfg.noisy:
        return jnp.zeros(ks.shape, jnp.dtype(cfg.dtype))
    return _draw_noise(cfg, key, ks)


def _ext_rows(cfg, ext, start, size):
    if not cfg.has_ext:
        return jnp.zeros((size,), jnp.dtype(cfg.dtype))
    return jax.lax.dynamic_slice_in_dim(ext, start, size)


def _buffers(cfg):
    dtype = jnp.dtype(cfg.dtype)
    outbuf = tuple(jnp.zeros((cfg.n_steps // cfg.sample_every, cfg.n_nodes, cfg.batch), dtype) for _ in cfg.record)
    boldbuf = jnp.zeros((cfg.n_steps // cfg.bold_every + 1, cfg.n_nodes, cfg.batch), dtype) if cfg.bold_every else None
    return outbuf, boldbuf


def _forward(cfg, sim, params, consts, key, g0, ext):
    """The chunk read step by step: ``((sim, outbuf, boldbuf), residuals)``.

    Residuals: ``z = (state, ou, bold)`` at the start of every segment of ``seg`` steps (and of the shorter last
    one) and every step's reads ``(r, σ)``.
    """
    io = _Ring(cfg)
    local = _local_step(cfg, params, consts.row_sum)
    record = _record(cfg, g0)
    n_net = max(cfg.sum_channels) + 1
    length = cfg.ring_len

    def step(carry, xs):
        z, ring, outbuf, boldbuf = carry
        k, xi, e = xs
        r = io.read(ring[0], (k - 1) % length, consts.full_off, consts.full_w, cfg.sum_channels)
        sigma = tuple(
            io.read_own(
                ring[0 if v < n_net else 1], ((k - 1 - d) % length).astype(jnp.int32), v if v < n_net else v - n_net
            )
            for v, d in io.selfs
        )
        state, ou, bold = local(*z, r, io.self_inputs(sigma), xi, e)
        x = jnp.stack(cfg.model.coupled(state), axis=1)
        ring = tuple(io.push(part, k, x[:, a:b]) for part, (a, b) in zip(ring, _ring_parts(cfg)))
        outbuf, boldbuf = record(outbuf, boldbuf, k, *_samples(cfg, state, bold))
        return ((state, ou, bold), ring, outbuf, boldbuf), (r, sigma)

    def segment(carry, start, size):
        ks = start + jnp.arange(size, dtype=jnp.int32)
        return jax.lax.scan(step, carry, (ks, _noise(cfg, key, ks), _ext_rows(cfg, ext, start - g0, size)))

    seg = _segment_length(cfg.n_steps)
    n_seg, rest = divmod(cfg.n_steps, seg)

    def body(carry, start):
        new, reads = segment(carry, start, seg)
        return new, (carry[0], reads)

    carry = ((sim.state, sim.ou, sim.bold), _doubled(cfg, sim.ring)) + _buffers(cfg)
    carry, (z_seg, reads_seg) = jax.lax.scan(body, carry, g0 + seg * jnp.arange(n_seg, dtype=jnp.int32))
    z_rest, reads_rest = carry[0], None
    if rest:
        carry, reads_rest = segment(carry, g0 + n_seg * seg, rest)
    (state, ou, bold), ring, outbuf, boldbuf = carry
    out = (SimState(state, ou, _slot_major(cfg, ring), bold, sim.step), outbuf, boldbuf)
    return out, (z_seg, reads_seg, z_rest, reads_rest)


def _transposed(cfg, offsets, weights):
    """The backward read's plan: ``(N, S)`` offsets and ``(P, N, S)`` weights such that :meth:`_Ring.read` from
    ring position ``(c + 1) mod L`` of the cotangent ring gives each source's sum over the reads of its column
    ``c`` (target and source swapped, delays advanced). NaN weights when the plan breaks the layout it assumes
    (see the module docstring)."""
    n, length = cfg.n_nodes, cfg.ring_len
    n_src = offsets.shape[1]
    if n_src % n:
        raise ValueError(f"consts.full_off must list a multiple of n_nodes={n} sources per target; got {n_src}")
    taps = n_src // n
    source, delay = offsets // (2 * length), length - offsets % (2 * length)
    read = jnp.any(weights != 0, axis=0)
    expected = jnp.arange(n_src, dtype=offsets.dtype) % n
    valid = jnp.all((source == expected[None, :]) & (delay >= 0) & (delay < length) | ~read)
    # Entry (target n, tap t, source m) of the forward plan is entry (source m, tap t, target n) of the transpose.
    delay_t = jnp.transpose(jnp.clip(delay, 0, length - 1).reshape(n, taps, n), (2, 1, 0)).reshape(n, n_src)
    offsets_t = jnp.tile(jnp.arange(n, dtype=jnp.int32) * (2 * length), taps)[None, :] + delay_t.astype(jnp.int32)
    weights_t = jnp.transpose(weights.reshape(weights.shape[0], n, taps, n), (0, 3, 2, 1)).reshape(weights.shape)
    return offsets_t, jnp.where(valid, weights_t, jnp.nan)


def _instantiate(tree):
    """Symbolic-zero cotangents as arrays of zeros."""

    def one(x):
        if not isinstance(x, SymbolicZero):
            return x
        if x.dtype == jax.dtypes.float0:
            return np.zeros(x.shape, jax.dtypes.float0)
        return jnp.zeros(x.shape, x.dtype)

    return jax.tree.map(one, tree, is_leaf=lambda x: isinstance(x, SymbolicZero))


def _backward(cfg, plan, res, cts):
    """The cotangents of ``(sim, params, consts, key, g0, ext)`` (see the module docstring)."""
    params, consts, key, g0, ext, (z_seg, reads_seg, z_rest, reads_rest) = res
    sim_ct, outbuf_ct, boldbuf_ct = cts
    io = _Ring(cfg)
    n, length, batch = cfg.n_nodes, cfg.ring_len, cfg.batch
    dtype = jnp.dtype(cfg.dtype)
    n_sums = len(cfg.sum_channels)
    offsets_t, weights_t = _transposed(cfg, consts.full_off, consts.full_w)
    local = _local_step(cfg, params, consts.row_sum)
    record = _record(cfg, g0)
    ring_shape = (length, n, cfg.n_coupled, batch)
    ring_out_ct = None if isinstance(sim_ct.ring, SymbolicZero) else sim_ct.ring.reshape(ring_shape)
    sim_ct, outbuf_ct, boldbuf_ct = _instantiate((sim_ct, outbuf_ct, boldbuf_ct))
    in_output_ring = g0 + cfg.n_steps - length  # columns from here on are in the chunk's output ring

    p_leaves, p_tree = jax.tree.flatten(params)
    wanted = [i for i, perturbed in enumerate(plan.params) if perturbed]

    def with_params(selected):
        leaves = list(p_leaves)
        for i, x in zip(wanted, selected):
            leaves[i] = x
        return jax.tree.unflatten(p_tree, leaves)

    def column_ct(cnet, cself, c):
        """Cotangent ``(N, V, B)`` of column ``c`` from the cotangents of the reads of the ``L`` steps after it."""
        start = ((c + 1) % length).astype(jnp.int32)
        net = io.read(cnet, start, offsets_t, weights_t, tuple(range(n_sums)))
        terms = [[] for _ in range(cfg.n_coupled)]
        for p, v in enumerate(cfg.sum_channels):
            terms[v].append(net[:, p])
        for i, (v, d) in enumerate(io.selfs):
            terms[v].append(io.read_own(cself, start + d, i))
        ct = jnp.stack([sum(t[1:], t[0]) if t else jnp.zeros((n, batch), dtype) for t in terms], axis=1)
        if ring_out_ct is not None:
            ct = ct + jnp.where(c >= in_output_ring, ring_out_ct[c % length], 0)
        return ct

    def push_reads(cnet, cself, k, r_ct, sigma_ct):
        cnet = io.push(cnet, k, r_ct)
        if io.selfs:
            cself = io.push(cself, k, jnp.stack(sigma_ct, axis=1))
        return cnet, cself

    def sample_cts(ks):
        """The cotangents of steps ``ks``' samples: the buffers' cotangents at the rows they were written to."""
        zeros = jnp.zeros((n, batch), dtype)
        samples = ((zeros,) * len(cfg.record), zeros if cfg.bold_every else None)

        def one(k):
            # With empty buffers the placement is linear in the samples: transpose it (no primal to compute).
            return jax.linear_transpose(lambda v, b: record(*_buffers(cfg), k, v, b), *samples)((outbuf_ct, boldbuf_ct))

        return jax.vmap(one)(ks)

    def back_step(carry, xs):
        z_ct, cnet, cself, acc = carry
        k, z_prev, r, sigma, xi, e, samples_ct = xs

        def step(z_prev, r, sigma, selected, row_sum, e_in):
            update = _local_step(cfg, with_params(selected), consts.row_sum if row_sum is None else row_sum)
            state, ou, bold = update(*z_prev, r, io.self_inputs(sigma), xi, e if e_in is None else e_in)
            return (state, ou, bold), jnp.stack(cfg.model.coupled(state), axis=1), _samples(cfg, state, bold)

        primals = (
            z_prev,
            r,
            sigma,
            [p_leaves[i] for i in wanted],
            consts.row_sum if plan.row_sum else None,
            e if plan.ext else None,
        )
        _, pullback = jax.vjp(step, *primals)
        z_ct, r_ct, sigma_ct, p_ct, rs_ct, e_ct = pullback((z_ct, column_ct(cnet, cself, k), samples_ct))
        cnet, cself = push_reads(cnet, cself, k, r_ct, sigma_ct)
        acc = jax.tree.map(jnp.add, acc, (p_ct, rs_ct))
        return (z_ct, cnet, cself, acc), e_ct

    def segment(carry, z0, reads, start, size):
        ks = start + jnp.arange(size, dtype=jnp.int32)
        xi, e = _noise(cfg, key, ks), _ext_rows(cfg, ext, start - g0, size)

        def replay(z, xs):
            r, sigma, xi_k, e_k = xs
            return local(*z, r, io.self_inputs(sigma), xi_k, e_k), z

        _, z_prev = jax.lax.scan(replay, z0, reads + (xi, e))
        return jax.lax.scan(back_step, carry, (ks, z_prev) + reads + (xi, e, sample_cts(ks)), reverse=True)

    seg = _segment_length(cfg.n_steps)
    n_seg, rest = divmod(cfg.n_steps, seg)
    cnet = jnp.zeros((n, 2 * length, n_sums, batch), dtype)
    cself = jnp.zeros((n, 2 * length, len(io.selfs), batch), dtype) if io.selfs else None
    acc = ([jnp.zeros_like(p_leaves[i]) for i in wanted], jnp.zeros_like(consts.row_sum) if plan.row_sum else None)
    carry = ((sim_ct.state, sim_ct.ou, sim_ct.bold), cnet, cself, acc)
    e_rows = []
    if rest:
        carry, e_ct = segment(carry, z_rest, reads_rest, g0 + n_seg * seg, rest)
        e_rows.append(e_ct)
    starts = g0 + seg * jnp.arange(n_seg, dtype=jnp.int32)
    carry, e_ct = jax.lax.scan(
        lambda c, xs: segment(c, xs[0], xs[1], xs[2], seg), carry, (z_seg, reads_seg, starts), reverse=True
    )
    e_rows.insert(0, None if e_ct is None else e_ct.reshape((-1,) + e_ct.shape[2:]))
    (state_ct, ou_ct, bold_ct), cnet, cself, (p_ct, rs_ct) = carry

    ring_ct = None
    if plan.ring:
        # Input columns g0 − 1 … g0 − L, newest first; a slot is cleared once no older column's read reaches it.
        def ring_column(c_carry, c):
            cnet, cself = c_carry
            ct = column_ct(cnet, cself, c)
            zeros = jnp.zeros((n, batch), dtype)
            return push_reads(cnet, cself, c, jnp.zeros((n, n_sums, batch), dtype), [zeros] * len(io.selfs)), ct

        _, columns = jax.lax.scan(ring_column, (cnet, cself), g0 - 1 - jnp.arange(length, dtype=jnp.int32))
        # columns[i] is column g0 − 1 − i; the slot-major ring keeps column c in slot c mod L.
        ring_ct = jnp.roll(columns[::-1], g0 % length, axis=0).reshape((length * n,) + ring_shape[2:])

    ext_ct = None
    if plan.ext:
        ext_ct = jnp.concatenate(e_rows, axis=0)
        if ext.shape[0] > cfg.n_steps:
            ext_ct = jnp.concatenate([ext_ct, jnp.zeros((ext.shape[0] - cfg.n_steps,) + ext.shape[1:], dtype)])
    leaves = [None] * len(p_leaves)
    for i, x in zip(wanted, p_ct):
        leaves[i] = x
    consts_ct = type(consts)(*([None] * len(consts)))._replace(row_sum=rs_ct)
    sim_in_ct = SimState(state_ct, ou_ct, ring_ct, bold_ct, None)
    return sim_in_ct, jax.tree.unflatten(p_tree, leaves), consts_ct, None, None, ext_ct


def _primal(cfg, sim, params, consts, key, g0, ext):
    return run_chunk(cfg, sim, params, consts, key, g0, ext)


def _fwd(cfg, sim, params, consts, key, g0, ext):
    def is_primal(x):
        return isinstance(x, CustomVJPPrimal)

    def value(tree):
        return jax.tree.map(lambda x: x.value, tree, is_leaf=is_primal)

    def perturbed(x):
        return x.perturbed and jnp.issubdtype(jnp.result_type(x.value), jnp.inexact)

    args = tuple(value(a) for a in (sim, params, consts, key, g0, ext))
    plan = _Plan(
        fallback=any(perturbed(x) for name, x in zip(consts._fields, consts) if name != "row_sum"),
        ring=perturbed(sim.ring),
        params=tuple(perturbed(x) for x in jax.tree.leaves(params, is_leaf=is_primal)),
        row_sum=perturbed(consts.row_sum),
        ext=ext is not None and perturbed(ext),
    )
    sim, params, consts, key, g0, ext = args
    if plan.fallback:
        out, pullback = jax.vjp(lambda s, p, c, e: run_chunk(cfg, s, p, c, key, g0, e), sim, params, consts, ext)
        return out, (plan, pullback)
    out, saved = _forward(cfg, sim, params, consts, key, g0, ext)
    return out, (plan, (params, consts, key, g0, ext, saved))


def _bwd(cfg, res, cts):
    plan, saved = res
    if plan.fallback:
        sim_ct, params_ct, consts_ct, ext_ct = saved(_instantiate(cts))
        return sim_ct, params_ct, consts_ct, None, None, ext_ct
    return _backward(cfg, plan, saved, cts)


_chunk = jax.custom_vjp(_primal, nondiff_argnums=(0,))
_chunk.defvjp(_fwd, _bwd, symbolic_zeros=True)


@ft.partial(jax.jit, static_argnames=("cfg",))
def run_chunk_adjoint(cfg, sim, params, consts, key, g0, ext):
    """:func:`~jaxbrain.integrate._scan.run_chunk` with a custom VJP whose backward pass is a delayed read.

    Same arguments and results (to rounding) as ``run_chunk``; differentiable with respect to ``sim`` (state, OU,
    delay ring, BOLD state), every float leaf of ``params``, ``consts.row_sum`` and ``ext``. See the module
    docstring for the method and for when it falls back to autodiff of ``run_chunk`` (no delays; the read's
    weights perturbed).

    Returns:
        ``(sim, outputs, bold)`` as :func:`~jaxbrain.integrate._scan.run_chunk`.
    """
    if cfg.ring_len == 1:
        return run_chunk(cfg, sim, params, consts, key, g0, ext)
    return _chunk(cfg, sim, params, consts, key, g0, ext)
