"""numba side of the ``"cpu-kernel"`` read backend: typed XLA FFI handlers (see ``_read_cpu.py`` for the why).

Importing this module imports numba and compiles (or loads from numba's on-disk cache) one handler per float
dtype, :data:`HANDLERS`; ``_read_cpu.py`` imports it on first use only. The handler computes, for every batch
item of the leading (vmap) axes,

    out[k, n, p, b] = Σ_s w[p, n, s] · ring[start + k + off[n, s], ch[p], b]

with operands ``ring (R, V, B)``, ``start ()`` int32, ``off (N, S)`` int32, ``w (P, N, S)``, ``ch (P,)``
int32 and the result ``(K, N, P, B)``, each with the same number of leading axes (1 or the result's size).
Struct offsets: XLA FFI C API 0.3 (jaxlib's ``include/xla/ffi/api/c_api.h``), LP64.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import carray, cfunc, njit, types
from numba.core import cgutils
from numba.extending import intrinsic, models, register_model

FFI_API_VERSION = (0, 3)
_FRAME_EXT, _FRAME_API, _FRAME_STAGE = 1, 2, 8  # XLA_FFI_CallFrame: extension_start, api (int64 words); stage (int32)
_FRAME_NARGS, _FRAME_ARGS, _FRAME_NRETS, _FRAME_RETS = 7, 9, 12, 14  # .args.size/.args, .rets.size/.rets (words)
_BUF_DTYPE, _BUF_DATA, _BUF_RANK, _BUF_DIMS = 4, 3, 4, 5  # XLA_FFI_Buffer: dtype (int32 index); data, rank, dims
_EXT_TYPE, _EXT_METADATA = 2, 3  # XLA_FFI_Extension_Base.type (int32 index); Metadata_Extension.metadata (word)
_API_ERROR_CREATE = 6  # XLA_FFI_Api.XLA_FFI_Error_Create (word)
_EXT_IS_METADATA, _STAGE_EXECUTE, _INVALID_ARGUMENT = 1, 3, 3
_DT_S32, _DT_F32, _DT_F64 = 4, 11, 12  # XLA_FFI_DataType
_MAX_LEAD = 8  # nested vmaps the handler accepts

# Messages of the error codes the handler returns (code i + 1); XLA raises them as XlaRuntimeError.
ERRORS = (
    "cpu-kernel read: expected 5 operands (ring, start, offsets, weights, channels) and 1 result",
    "cpu-kernel read: operand dtypes must be (float, int32, int32, float, int32) -> float, one float dtype",
    "cpu-kernel read: operand ranks must be (3, 0, 2, 3, 1) -> 4, plus the same number of leading (vmap) axes",
    "cpu-kernel read: a leading (vmap) axis must be 1 or the result's",
    "cpu-kernel read: shapes disagree: need ring (R, V, B), offsets (N, S), weights (P, N, S), channels (P,) "
    "-> (K, N, P, B)",
    "cpu-kernel read: a channel is outside [0, V)",
    "cpu-kernel read: a row start + offsets + k is outside [0, R)",
)


@intrinsic
def _as_ptr(typingctx, addr):
    def codegen(context, builder, sig, args):
        return builder.inttoptr(args[0], context.get_value_type(types.voidptr))

    return types.voidptr(types.int64), codegen


@intrinsic
def _real_ptr(typingctx, addr, like):
    # int64 address -> pointer to the scalar type of ``like`` (so one function serves both float dtypes).
    def codegen(context, builder, sig, args):
        return builder.inttoptr(args[0], context.get_value_type(sig.return_type))

    return types.CPointer(like)(types.int64, like), codegen


@intrinsic
def _error(typingctx, api_addr, code):
    # XLA_FFI_Error_Create(&{struct_size, NULL, ERRORS[code - 1], INVALID_ARGUMENT}) from the frame's API table.
    def codegen(context, builder, sig, args):
        i8p, i64, i32 = ir.IntType(8).as_pointer(), ir.IntType(64), ir.IntType(32)
        code_value = context.cast(builder, args[1], sig.args[1], types.int64)
        message = context.insert_const_string(builder.module, ERRORS[-1])
        for i, text in enumerate(ERRORS[:-1]):
            chosen = builder.icmp_signed("==", code_value, ir.Constant(i64, i + 1))
            message = builder.select(chosen, context.insert_const_string(builder.module, text), message)
        args_ty = ir.LiteralStructType([i64, i8p, i8p, i32])
        slot = cgutils.alloca_once(builder, args_ty)
        fields = (ir.Constant(i64, 28), ir.Constant(i8p, None), message, ir.Constant(i32, _INVALID_ARGUMENT))
        for i, value in enumerate(fields):  # struct_size 28 = offsetof(errc) + sizeof(errc)
            builder.store(value, builder.gep(slot, [ir.Constant(i32, 0), ir.Constant(i32, i)]))
        table = builder.inttoptr(args[0], i64.as_pointer())
        fn_addr = builder.load(builder.gep(table, [ir.Constant(i64, _API_ERROR_CREATE)]))
        fn = builder.inttoptr(fn_addr, ir.FunctionType(i8p, [args_ty.as_pointer()]).as_pointer())
        return builder.call(fn, [slot])

    return types.voidptr(types.int64, code), codegen


# ---- explicit SIMD: LLVM vectors of one float dtype; a full vector is one 512-bit register ----


class _Vec(types.Type):
    def __init__(self, dtype, lanes):
        self.dtype, self.lanes = dtype, lanes
        super().__init__(name=f"jaxbrain_vec({dtype}x{lanes})")


@register_model(_Vec)
class _VecModel(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, ir.VectorType(dmm.lookup(fe_type.dtype).get_value_type(), fe_type.lanes))


def _zero_maker(fraction):
    @intrinsic
    def zero(typingctx, arr):
        vec = _Vec(arr.dtype, 512 // arr.dtype.bitwidth // fraction)

        def codegen(context, builder, sig, args):
            return ir.Constant(context.get_value_type(vec), [0.0] * vec.lanes)

        return vec(arr), codegen

    return zero


_zero_full, _zero_half, _zero_quarter = _zero_maker(1), _zero_maker(2), _zero_maker(4)


def _address(context, builder, sig, args, vec):
    data = context.make_array(sig.args[0])(context, builder, args[0]).data
    i = context.cast(builder, args[1], sig.args[1], types.intp)
    return builder.bitcast(builder.gep(data, [i]), context.get_value_type(vec).as_pointer())


@intrinsic
def _load(typingctx, arr, idx, like):
    def codegen(context, builder, sig, args):
        return builder.load(_address(context, builder, sig, args, like), align=1)

    return like(arr, idx, like), codegen


@intrinsic
def _store(typingctx, arr, idx, value):
    def codegen(context, builder, sig, args):
        builder.store(args[2], _address(context, builder, sig, args, value), align=1)
        return context.get_dummy_value()

    return types.none(arr, idx, value), codegen


@intrinsic
def _fma(typingctx, acc, weight, value):
    # acc + weight·value with the scalar weight broadcast to every lane.
    def codegen(context, builder, sig, args):
        vec_ir = context.get_value_type(acc)
        w = context.cast(builder, args[1], sig.args[1], acc.dtype)
        one = builder.insert_element(ir.Constant(vec_ir, ir.Undefined), w, ir.Constant(ir.IntType(32), 0))
        mask = ir.Constant(ir.VectorType(ir.IntType(32), acc.lanes), [0] * acc.lanes)
        splat = builder.shuffle_vector(one, ir.Constant(vec_ir, ir.Undefined), mask)
        name = f"llvm.fma.v{acc.lanes}f{acc.dtype.bitwidth}"
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vec_ir, [vec_ir] * 3), name)
        return builder.call(fn, [splat, args[2], args[0]])

    return acc(acc, weight, value), codegen


@intrinsic
def _add(typingctx, a, b):
    return a(a, b), lambda context, builder, sig, args: builder.fadd(args[0], args[1])


@intrinsic
def _lanes(typingctx, vec):
    return types.intp(vec), lambda context, builder, sig, args: context.get_constant(types.intp, vec.lanes)


# ---- one output row's lanes, a run at a time: the sum over S sources of w · (B-contiguous ring values) ----
# The arguments of every pass: out[orow + lane + j] = Σ_s w[wrow + s] · ring[(row0 + off[orow_off + s])·stride
# + chan + lane + j], for the j of the pass's run of lanes.

_FM = {"contract"}  # FMA contraction only: no reassociation


@njit(fastmath=_FM, _nrt=False)
def _wide_pass(out, orow, ring, row0, stride, chan, lane, off, off_row, w, wrow, n_src, acc):
    # Four full vectors, one accumulator each.
    vl = _lanes(acc)
    a0, a1, a2, a3 = acc, acc, acc, acc
    for s in range(n_src):
        ww = w[wrow + s]
        base = (row0 + off[off_row + s]) * stride + chan + lane
        a0 = _fma(a0, ww, _load(ring, base, acc))
        a1 = _fma(a1, ww, _load(ring, base + vl, acc))
        a2 = _fma(a2, ww, _load(ring, base + 2 * vl, acc))
        a3 = _fma(a3, ww, _load(ring, base + 3 * vl, acc))
    _store(out, orow + lane, a0)
    _store(out, orow + lane + vl, a1)
    _store(out, orow + lane + 2 * vl, a2)
    _store(out, orow + lane + 3 * vl, a3)


@njit(fastmath=_FM, _nrt=False)
def _chained_pass(out, orow, ring, row0, stride, chan, lane, off, off_row, w, wrow, n_src, acc):
    # One vector (the width of ``acc``), the sources split over 4 accumulators so FMAs do not wait on each other.
    a0, a1, a2, a3 = acc, acc, acc, acc
    full = n_src - n_src % 4
    for s in range(0, full, 4):
        a0 = _fma(a0, w[wrow + s], _load(ring, (row0 + off[off_row + s]) * stride + chan + lane, acc))
        a1 = _fma(a1, w[wrow + s + 1], _load(ring, (row0 + off[off_row + s + 1]) * stride + chan + lane, acc))
        a2 = _fma(a2, w[wrow + s + 2], _load(ring, (row0 + off[off_row + s + 2]) * stride + chan + lane, acc))
        a3 = _fma(a3, w[wrow + s + 3], _load(ring, (row0 + off[off_row + s + 3]) * stride + chan + lane, acc))
    for s in range(full, n_src):
        a0 = _fma(a0, w[wrow + s], _load(ring, (row0 + off[off_row + s]) * stride + chan + lane, acc))
    _store(out, orow + lane, _add(_add(a0, a1), _add(a2, a3)))


@njit(fastmath=_FM, _nrt=False)
def _scalar_pass(out, orow, ring, row0, stride, chan, lane, off, off_row, w, wrow, n_src, zero):
    a0 = a1 = a2 = a3 = zero
    full = n_src - n_src % 4
    for s in range(0, full, 4):
        a0 += w[wrow + s] * ring[(row0 + off[off_row + s]) * stride + chan + lane]
        a1 += w[wrow + s + 1] * ring[(row0 + off[off_row + s + 1]) * stride + chan + lane]
        a2 += w[wrow + s + 2] * ring[(row0 + off[off_row + s + 2]) * stride + chan + lane]
        a3 += w[wrow + s + 3] * ring[(row0 + off[off_row + s + 3]) * stride + chan + lane]
    for s in range(full, n_src):
        a0 += w[wrow + s] * ring[(row0 + off[off_row + s]) * stride + chan + lane]
    out[orow + lane] = (a0 + a1) + (a2 + a3)


@njit(fastmath=_FM, _nrt=False)
def _read(out, ring, row0, off, w, ch, n_nodes, n_src, n_sums, n_vars, n_lanes, n_k, zero):
    full, half, quarter = _zero_full(ring), _zero_half(ring), _zero_quarter(ring)
    vl = _lanes(full)
    stride = n_vars * n_lanes  # elements per ring row; channel c of a row starts at c·n_lanes
    for k in range(n_k):
        for n in range(n_nodes):
            for p in range(n_sums):
                orow = ((k * n_nodes + n) * n_sums + p) * n_lanes
                wrow = (p * n_nodes + n) * n_src
                chan = ch[p] * n_lanes
                args = (out, orow, ring, row0 + k, stride, chan)
                rest = (off, n * n_src, w, wrow, n_src)
                lane = 0
                while lane + 4 * vl <= n_lanes:
                    _wide_pass(*args, lane, *rest, full)
                    lane += 4 * vl
                while lane + vl <= n_lanes:
                    _chained_pass(*args, lane, *rest, full)
                    lane += vl
                if lane + vl // 2 <= n_lanes:
                    _chained_pass(*args, lane, *rest, half)
                    lane += vl // 2
                if lane + vl // 4 <= n_lanes:
                    _chained_pass(*args, lane, *rest, quarter)
                    lane += vl // 4
                while lane < n_lanes:
                    _scalar_pass(*args, lane, *rest, zero)
                    lane += 1


# ---- the call frame ----


@njit
def _words(addr, n):
    return carray(_as_ptr(addr), (n,), dtype=np.int64)


@njit
def _buffer(table, i):
    """(dtype code, data address, rank, dims address) of the i-th XLA_FFI_Buffer of an args/rets table."""
    addr = _words(table, i + 1)[i]
    b = _words(addr, 6)
    return carray(_as_ptr(addr), (12,), dtype=np.int32)[_BUF_DTYPE], b[_BUF_DATA], b[_BUF_RANK], b[_BUF_DIMS]


@njit
def _item(g, lead, out_dims, in_dims, size):
    """Element offset of batch item ``g`` (flat over the result's leading axes) in an operand whose leading axes
    are each 1 (broadcast) or the result's."""
    index = 0
    stride = size
    for j in range(lead - 1, -1, -1):
        coord = g % out_dims[j]
        g //= out_dims[j]
        if in_dims[j] != 1:
            index += coord * stride
            stride *= in_dims[j]
    return index


@njit
def _execute(frame, zero, real_code):
    """Check the operands, then read; 0 or an error code (index into ERRORS, plus 1)."""
    if frame[_FRAME_NARGS] != 5 or frame[_FRAME_NRETS] != 1:
        return 1
    args, rets = frame[_FRAME_ARGS], frame[_FRAME_RETS]
    t_ring, p_ring, r_ring, d_ring = _buffer(args, 0)
    t_start, p_start, r_start, d_start = _buffer(args, 1)
    t_off, p_off, r_off, d_off = _buffer(args, 2)
    t_w, p_w, r_w, d_w = _buffer(args, 3)
    t_ch, p_ch, r_ch, d_ch = _buffer(args, 4)
    t_out, p_out, r_out, d_out = _buffer(rets, 0)
    if t_ring != real_code or t_w != real_code or t_out != real_code:
        return 2
    if t_start != _DT_S32 or t_off != _DT_S32 or t_ch != _DT_S32:
        return 2
    lead = r_out - 4
    if lead < 0 or lead > _MAX_LEAD:
        return 3
    if r_ring != lead + 3 or r_start != lead or r_off != lead + 2 or r_w != lead + 3 or r_ch != lead + 1:
        return 3
    dims_out, dims_ring, dims_start = _words(d_out, r_out), _words(d_ring, r_ring), _words(d_start, r_start)
    dims_off, dims_w, dims_ch = _words(d_off, r_off), _words(d_w, r_w), _words(d_ch, r_ch)
    n_items = 1
    for j in range(lead):
        size = dims_out[j]
        n_items *= size
        for d in (dims_ring[j], dims_start[j], dims_off[j], dims_w[j], dims_ch[j]):
            if d != 1 and d != size:
                return 4
    n_rows, n_vars, n_lanes = dims_ring[lead], dims_ring[lead + 1], dims_ring[lead + 2]
    n_nodes, n_src = dims_off[lead], dims_off[lead + 1]
    n_sums, n_k = dims_ch[lead], dims_out[lead]
    if dims_w[lead] != n_sums or dims_w[lead + 1] != n_nodes or dims_w[lead + 2] != n_src:
        return 5
    if dims_out[lead + 1] != n_nodes or dims_out[lead + 2] != n_sums or dims_out[lead + 3] != n_lanes:
        return 5
    if n_items == 0:
        return 0
    ring_size, off_size = n_rows * n_vars * n_lanes, n_nodes * n_src
    w_size, out_size = n_sums * off_size, n_k * n_nodes * n_sums * n_lanes
    # Views as large as the operands can be; each operand's real extent (1 or n_items items) bounds the
    # indices _item gives it.
    ring_all = carray(_real_ptr(p_ring, zero), (ring_size * n_items,))
    start_all = carray(_real_ptr(p_start, np.int32(0)), (n_items,))
    off_all = carray(_real_ptr(p_off, np.int32(0)), (off_size * n_items,))
    w_all = carray(_real_ptr(p_w, zero), (w_size * n_items,))
    ch_all = carray(_real_ptr(p_ch, np.int32(0)), (n_sums * n_items,))
    out_all = carray(_real_ptr(p_out, zero), (out_size * n_items,))
    # Check every item before computing any, so that an error leaves no half-written result behind.
    for g in range(n_items):
        i_ch = _item(g, lead, dims_out, dims_ch, n_sums)
        for p in range(n_sums):
            if ch_all[i_ch + p] < 0 or ch_all[i_ch + p] >= n_vars:
                return 6
        if off_size:
            row0 = start_all[_item(g, lead, dims_out, dims_start, 1)]
            i_off = _item(g, lead, dims_out, dims_off, off_size)
            lo = hi = off_all[i_off]
            for s in range(i_off, i_off + off_size):
                lo = min(lo, off_all[s])
                hi = max(hi, off_all[s])
            if row0 + lo < 0 or row0 + hi + n_k - 1 >= n_rows:
                return 7
    for g in range(n_items):
        i_ring = _item(g, lead, dims_out, dims_ring, ring_size)
        i_off = _item(g, lead, dims_out, dims_off, off_size)
        i_w = _item(g, lead, dims_out, dims_w, w_size)
        i_ch = _item(g, lead, dims_out, dims_ch, n_sums)
        _read(
            out_all[g * out_size : (g + 1) * out_size],
            ring_all[i_ring : i_ring + ring_size],
            np.int64(start_all[_item(g, lead, dims_out, dims_start, 1)]),
            off_all[i_off : i_off + off_size],
            w_all[i_w : i_w + w_size],
            ch_all[i_ch : i_ch + n_sums],
            n_nodes,
            n_src,
            n_sums,
            n_vars,
            n_lanes,
            n_k,
            zero,
        )
    return 0


@njit
def _handle(frame_ptr, zero, real_code):
    frame = carray(frame_ptr, (16,), dtype=np.int64)
    ext = frame[_FRAME_EXT]
    if ext != 0 and carray(_as_ptr(ext), (4,), dtype=np.int32)[_EXT_TYPE] == _EXT_IS_METADATA:
        # XLA's query when the target is registered: the FFI API version this handler was written for.
        meta_addr = _words(ext, 4)[_EXT_METADATA]
        meta = _words(meta_addr, 5)
        meta[1] = 24  # api_version.struct_size
        meta[2] = 0  # api_version.extension_start
        meta32 = carray(_as_ptr(meta_addr), (10,), dtype=np.int32)
        meta32[6], meta32[7] = FFI_API_VERSION
        meta32[8] = 0  # traits
        return _as_ptr(0)
    if carray(frame_ptr, (16,), dtype=np.int32)[_FRAME_STAGE] != _STAGE_EXECUTE:
        return _as_ptr(0)
    code = _execute(frame, zero, real_code)
    if code == 0:
        return _as_ptr(0)
    return _error(frame[_FRAME_API], code)


@cfunc(types.voidptr(types.voidptr), cache=True)
def _handler_float32(frame_ptr):
    return _handle(frame_ptr, np.float32(0), _DT_F32)


@cfunc(types.voidptr(types.voidptr), cache=True)
def _handler_float64(frame_ptr):
    return _handle(frame_ptr, np.float64(0), _DT_F64)


HANDLERS = {"float32": _handler_float32, "float64": _handler_float64}
