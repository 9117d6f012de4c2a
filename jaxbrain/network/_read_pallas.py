r"""The delayed read as one fused Pallas kernel (the GPU backend of :mod:`jaxbrain.network._read`).

The reference backend gathers every delayed row into a ``(N, S, V, B)`` array and contracts it afterwards: on a GPU
each row is written to memory and read back before the weighted sum. The kernel here fuses the three steps. One
program handles one target ``n`` (and, for :func:`pallas_window_sum`, one step ``k`` of the block) and one tile of
``BB`` batch members; it walks the target's sources in tiles of ``ST``, loads the ``ST`` offsets, gathers the
``(ST, BB)`` delayed values of the ring straight from memory (the batch is the ring's last, contiguous axis, so each
row's tile is one coalesced load), multiplies by the ``ST`` weights and accumulates the sum in registers. Every
delayed value is read once and nothing but the ``(N, P, B)`` result is written. A row read by two network sums of
the same coupled variable (``channels = (0, 0)``) is loaded once for both.

It is written with :mod:`jax.experimental.pallas` for the Triton lowering (tensor shapes in a program are powers of
two; the ring's shape is free, tiles past its end are masked). On any other platform the same kernel runs in Pallas'
interpret mode, which is how the tests check it against the reference on the CPU; interpreted, it is slow and meant
for tests only, so :data:`BACKEND` declares itself available on GPUs alone and :data:`INTERPRET_BACKEND`
(``"pallas-interpret"``) names the interpreted kernel explicitly.

Gradients: both functions carry a ``jax.custom_vjp`` whose backward pass is the reference's (XLA's transpose of the
gather); only the forward read is fused here.

Pallas is imported when a kernel is first built, never at ``import jaxbrain``.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from ._read import ReadBackend, _xla_gather_sum, _xla_window_sum

# Tile limits. A program holds ``P`` accumulators of BB values and one (ST, BB) tile of gathered rows per channel:
# at most _TILE_ELEMS values, 32 registers a thread for a 4-warp program in float32.
_MAX_BATCH_TILE = 128
_TILE_ELEMS = 4096
_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _pow2_at_least(n):
    return 1 << max(int(n) - 1, 0).bit_length()


def _tiles(n_sources, n_batch):
    """Batch tile ``BB`` and source tile ``ST`` (powers of two, as Triton requires)."""
    bb = min(_pow2_at_least(n_batch), _MAX_BATCH_TILE)
    st = min(_pow2_at_least(n_sources), max(_TILE_ELEMS // bb, 1))
    return bb, st


def _default_interpret():
    return jax.default_backend() != "gpu"


def _check_args(ring, offsets, weights, channels, what):
    """Shapes and dtypes the kernel relies on (the reference accepts the same ones); static, raises before tracing."""
    if ring.ndim != 3:
        raise ValueError(f"ring must be (R, V, B); got shape {ring.shape}")
    if offsets.ndim != 2:
        raise ValueError(f"{what} must be (N, S); got shape {offsets.shape}")
    if not jnp.issubdtype(offsets.dtype, jnp.integer):
        raise TypeError(f"{what} must be integers; got {offsets.dtype}")
    if weights.ndim != 3 or weights.shape[1:] != offsets.shape or weights.shape[0] != len(channels):
        raise ValueError(
            f"weights must be (P, N, S) = ({len(channels)}, {offsets.shape[0]}, {offsets.shape[1]}); "
            f"got shape {weights.shape}"
        )
    if any(not 0 <= c < ring.shape[1] for c in channels):
        raise ValueError(f"channels must index the ring's {ring.shape[1]} coupled variables; got {channels}")
    dtype = np.dtype(jnp.result_type(ring.dtype, weights.dtype))
    if dtype not in _DTYPES:
        raise TypeError(f"ring and weights must be float32 or float64; got {ring.dtype} and {weights.dtype}")
    return dtype


def _read_kernel(start_ref, off_ref, w_ref, ring_ref, out_ref, *, channels, n_sources, n_batch, bb, st, acc_dtype):
    """One program: step ``k`` (grid axis 0), target ``n`` (axis 1), batch tile ``j`` (axis 2).

    ``out[k, n, p, b] = Σ_s w[p, n, s] · ring[start + off[n, s] + k, channels[p], b]`` for ``b`` in the tile.
    """
    from jax import lax
    from jax.experimental import pallas as pl
    from jax.experimental.pallas import triton as plgpu

    def load(ref, mask):  # masked-off entries read 0 (Triton takes `other` only with a mask)
        return plgpu.load(ref) if mask is None else plgpu.load(ref, mask=mask, other=0)

    k = pl.program_id(0)
    n = pl.program_id(1)
    b0 = pl.program_id(2) * bb
    base = start_ref[0] + k
    batch = pl.ds(b0, bb)
    lanes = b0 + lax.broadcasted_iota(jnp.int32, (bb,), 0)
    b_mask = lanes < n_batch if n_batch % bb else None
    s_ragged = n_sources % st != 0
    n_tiles = -(-n_sources // st)
    distinct = tuple(dict.fromkeys(channels))

    def tile(i, accs):
        s0 = i * st
        sources = pl.ds(s0, st)
        s_mask = (s0 + lax.broadcasted_iota(jnp.int32, (st,), 0)) < n_sources if s_ragged else None
        offs = load(off_ref.at[n, sources], s_mask)
        rows = base + offs.astype(jnp.int32)
        mask = None
        if s_mask is not None and b_mask is not None:
            mask = s_mask[:, None] & b_mask[None, :]
        elif s_mask is not None:
            mask = jnp.broadcast_to(s_mask[:, None], (st, bb))
        elif b_mask is not None:
            mask = jnp.broadcast_to(b_mask[None, :], (st, bb))
        # The gather is indexed by arrays on both axes (rows × batch lanes): Triton lowers it to one masked
        # pointer load, and Pallas' interpreter supports array indices but not arrays mixed with slices (nor
        # Python ints as indices: constants are jnp scalars).
        values = {
            c: load(ring_ref.at[rows[:, None], jnp.int32(c), lanes[None, :]], mask).astype(acc_dtype) for c in distinct
        }  # (ST, BB) each
        new = []
        for p, c in enumerate(channels):
            w = load(w_ref.at[jnp.int32(p), n, sources], s_mask).astype(acc_dtype)
            new.append(accs[p] + jnp.sum(w[:, None] * values[c], axis=0))
        return tuple(new)

    zeros = tuple(jnp.zeros((bb,), acc_dtype) for _ in channels)
    accs = tile(0, zeros) if n_tiles == 1 else lax.fori_loop(0, n_tiles, tile, zeros)
    for p, acc in enumerate(accs):
        plgpu.store(out_ref.at[k, n, jnp.int32(p), batch], acc.astype(out_ref.dtype), mask=b_mask)


def _fused_read(ring, start, offsets, weights, channels, block, interpret):
    """``(K, N, P, B)``: ``out[k, n, p, b] = Σ_s weights[p, n, s] · ring[start + offsets[n, s] + k, c_p, b]``."""
    from jax.experimental import pallas as pl
    from jax.experimental.pallas import triton as plgpu

    dtype = np.dtype(jnp.result_type(ring.dtype, weights.dtype))
    ring = ring.astype(dtype)
    weights = weights.astype(dtype)
    offsets = offsets.astype(jnp.int32)
    start = jnp.reshape(jnp.asarray(start, jnp.int32), (1,))
    n_rows, _, n_batch = ring.shape
    n_targets, n_sources = offsets.shape
    bb, st = _tiles(n_sources, n_batch)
    kernel = functools.partial(
        _read_kernel,
        channels=channels,
        n_sources=n_sources,
        n_batch=n_batch,
        bb=bb,
        st=st,
        acc_dtype=dtype,
    )
    out_shape = jax.ShapeDtypeStruct((block, n_targets, len(channels), n_batch), dtype)
    extra = {} if interpret else {"compiler_params": plgpu.CompilerParams(num_warps=4 if bb * st >= 1024 else 1)}
    return pl.pallas_call(
        kernel,
        out_shape=out_shape,
        grid=(block, n_targets, pl.cdiv(n_batch, bb)),
        interpret=interpret,
        name="jaxbrain_delayed_read",
        **extra,
    )(start, offsets, weights, ring)


# custom_vjp: the forward pass is the fused kernel, the backward pass the reference's VJP (the ring's and the
# weights' cotangents; the integer arguments get none).


@functools.partial(jax.custom_vjp, nondiff_argnums=(4, 5))
def _gather_sum_vjp(ring, start, offsets, weights, channels, interpret):
    return _fused_read(ring, start, offsets, weights, channels, 1, interpret)[0]


def _gather_fwd(ring, start, offsets, weights, channels, interpret):
    out = _fused_read(ring, start, offsets, weights, channels, 1, interpret)[0]
    return out, (ring, start, offsets, weights)


def _gather_bwd(channels, interpret, res, g):
    ring, start, offsets, weights = res
    _, vjp = jax.vjp(lambda r, w: _xla_gather_sum(r, start, offsets, w, channels), ring, weights)
    d_ring, d_weights = vjp(g)
    return d_ring, None, None, d_weights


_gather_sum_vjp.defvjp(_gather_fwd, _gather_bwd)


@functools.partial(jax.custom_vjp, nondiff_argnums=(3, 4, 5))
def _window_sum_vjp(ring, starts, weights, channels, block, interpret):
    return _fused_read(ring, 0, starts, weights, channels, block, interpret)


def _window_fwd(ring, starts, weights, channels, block, interpret):
    return _fused_read(ring, 0, starts, weights, channels, block, interpret), (ring, starts, weights)


def _window_bwd(channels, block, interpret, res, g):
    ring, starts, weights = res
    _, vjp = jax.vjp(lambda r, w: _xla_window_sum(r, starts, w, channels, block), ring, weights)
    d_ring, d_weights = vjp(g)
    return d_ring, None, d_weights


_window_sum_vjp.defvjp(_window_fwd, _window_bwd)


def pallas_gather_sum(ring, start, offsets, weights, channels, *, interpret=None):
    r"""One step's delayed read by the fused kernel: ``out[n, p, b] = Σ_s weights[p, n, s] ·
    ring[start + offsets[n, s], channels[p], b]`` (the contract of :func:`jaxbrain.network._read.gather_sum`).

    Args:
        ring: ``(R, V, B)`` ring rows, float32 or float64.
        start: int scalar added to every offset (may be traced).
        offsets: ``(N, S)`` integer row offsets; ``start + offsets`` must lie in ``[0, R)`` (not checked).
        weights: ``(P, N, S)`` weights (0 on padding entries).
        channels: ``P`` ints, the coupled variable each network sum reads.
        interpret: run the kernel in Pallas' interpret mode; None: interpreted unless JAX's default backend is a GPU.

    Returns:
        ``(N, P, B)`` network sums in the ring's (promoted) dtype.
    """
    ring, offsets, weights = jnp.asarray(ring), jnp.asarray(offsets), jnp.asarray(weights)
    channels = tuple(int(c) for c in channels)
    _check_args(ring, offsets, weights, channels, "offsets")
    interpret = _default_interpret() if interpret is None else bool(interpret)
    return _gather_sum_vjp(ring, start, offsets, weights, channels, interpret)


def pallas_window_sum(ring, starts, weights, channels, block, *, interpret=None):
    r"""A block of steps' delayed read by the fused kernel: ``out[k, n, p, b] = Σ_m weights[p, n, m] ·
    ring[starts[n, m] + k, channels[p], b]`` (the contract of :func:`jaxbrain.network._read.window_sum`).

    Args:
        ring: ``(R, V, B)`` ring rows, float32 or float64.
        starts: ``(N, M)`` integer first row of each pair's window; ``starts + block`` must not pass ``R``.
        weights: ``(P, N, M)`` weights.
        channels: ``P`` ints, the coupled variable each network sum reads.
        block: number of steps ``K`` (static, ≥ 1).
        interpret: as for :func:`pallas_gather_sum`.

    Returns:
        ``(K, N, P, B)`` network sums.
    """
    ring, starts, weights = jnp.asarray(ring), jnp.asarray(starts), jnp.asarray(weights)
    channels = tuple(int(c) for c in channels)
    _check_args(ring, starts, weights, channels, "starts")
    if isinstance(block, bool) or not isinstance(block, (int, np.integer)) or block < 1:
        raise ValueError(f"block must be a positive int (the number of steps); got {block!r}")
    interpret = _default_interpret() if interpret is None else bool(interpret)
    return _window_sum_vjp(ring, starts, weights, channels, int(block), interpret)


def _interpret_available(platform, dtype):
    """Everywhere for float32/float64 when Pallas imports (interpreted: slow, for tests); never raises."""
    del platform  # the interpreter runs on any
    try:
        if np.dtype(dtype) not in _DTYPES:
            return False
        from jax.experimental import pallas  # noqa: F401
        from jax.experimental.pallas import triton  # noqa: F401
    except Exception:  # any import or dtype failure means "not here"
        return False
    return True


def _available(platform, dtype):
    """On a CUDA GPU, for float32/float64, when Pallas' Triton lowering imports; never raises."""
    return str(platform).lower() in ("gpu", "cuda") and _interpret_available(platform, dtype)


def _backend(name, interpret, available, description):
    return ReadBackend(
        name=name,
        gather_sum=functools.partial(pallas_gather_sum, interpret=interpret),
        window_sum=functools.partial(pallas_window_sum, interpret=interpret),
        available=available,
        description=description,
    )


BACKEND = _backend(
    "pallas",
    False,
    _available,
    "Pallas (Triton) fused gather-multiply-reduce: each delayed row read once (GPU; reference VJP)",
)
INTERPRET_BACKEND = _backend(
    "pallas-interpret",
    True,
    _interpret_available,
    "the Pallas fused read in Pallas' interpret mode (any platform; slow, for tests)",
)
