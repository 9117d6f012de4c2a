r"""The delayed read compiled for XLA:CPU with numba: the ``"cpu-kernel"`` backend (optional extra ``cpu-kernels``).

Same operator as the reference (``_read.py``): ``gather_sum`` and ``window_sum`` on a ring of rows ``(R, V, B)``.
Here both are one kernel, $out_{knpb} = \sum_s w_{pns}\; ring_{start + k + off_{ns},\, c_p,\, b}$ (``K = 1`` for
a step's gather, ``K`` = the block for a window), compiled by numba into a typed XLA FFI handler that XLA:CPU
calls inside the jitted scan like any of its own ops. Why this shape of code (facts measured in the feasibility
report ``cpu_kernel.md`` of issue 14, 2026-12-04):

* **Typed FFI, no C compiler.** The handler is a numba ``cfunc`` of signature ``void* (void*)`` that decodes
  ``XLA_FFI_CallFrame`` by hand, with the struct offsets of jaxlib's ``xla/ffi/api/c_api.h`` (FFI API 0.3,
  LP64), and answers XLA's metadata query with that version (XLA refuses a handler that does not). The legacy
  custom-call ABI is deprecated; ``jax.pure_callback`` costs 100–3400 µs per call; one FFI call inside a scan
  costs about 0.09 µs.
* **Explicit SIMD across the batch.** The batch ``B`` is the last, contiguous axis: every term of the sum is a
  run of ``B`` floats. numba's auto-vectoriser scalarised those small loops or vectorised the sum over sources
  with gathers (2–10x slower), so the lanes are LLVM vector registers built with a few intrinsics
  (``_read_cpu_kernels.py``), with 4 independent accumulators per pass. Every shape is read from the call
  frame, so there is one handler per float dtype, compiled on first use and kept in numba's on-disk cache
  (compiling both took 10–30 s on 2 busy cores; loading them from the cache 1–2 s, most of it numba's import).
* **Shape checks inside the kernel.** Every buffer's dtype, rank and dims, the channels and the rows
  ``start + off + k`` are checked before anything is read; a mismatch returns an FFI error (an
  ``XlaRuntimeError`` naming the problem), never an out-of-bounds read.
* **vmap.** ``jax.ffi.ffi_call(..., vmap_method="expand_dims")``: a vmapped argument arrives with a leading
  axis, the others with a leading axis of 1, and the kernel loops over the leading axes, broadcasting the
  size-1 ones (nested vmaps give several leading axes). Each batch item is still read ``B`` lanes at a time, so
  a vmapped simulation keeps its batch SIMD; a vmap over items with ``B = 1`` runs scalar code (like XLA's).
* **Gradients.** A ``jax.custom_vjp`` whose backward pass is the reference's (XLA's VJP of the gather); a
  cheap adjoint (issue 14 §4) is separate work. Forward mode (``jvp``) is not defined.

The report measured its prototype at 12–15x XLA's gather per step at ``B = 64`` (2 quiet cores of a
Sapphire-Rapids Xeon); this kernel, one read per step of a scan on the same 2 cores shared with other jobs
(gw shapes, float32): 2.3–2.5x at ``B = 1`` and 8, 5–6x at 64, 2.6–3x at 256. The whole-run gain is bounded by
the read's share of the step (the report projects about 3.6x at ``B = 64``). Keeping a
batch tile in L2 across steps (``B ≥ 256``) needs the integrator to run the scan per tile; not done here.

Unsupported inputs (dtypes other than float32/float64, weights of another dtype than the ring) go to the
reference functions unchanged.

References:
    XLA FFI C API: ``xla/ffi/api/c_api.h`` (shipped in jaxlib's ``include`` folder).
"""

from __future__ import annotations

import functools as ft

import jax
import jax.numpy as jnp
import numpy as np

from ._read import ReadBackend, _xla_gather_sum, _xla_window_sum

_DTYPES = {np.dtype(np.float32): "float32", np.dtype(np.float64): "float64"}


@ft.cache
def _numba_importable():
    try:
        import numba  # noqa: F401  (a real import: numba pins numpy and may refuse a newer one)
    except Exception:  # noqa: BLE001  (whatever stops it, the backend is unavailable; available() never raises)
        return False
    return True


def available(platform, dtype):
    """Whether the backend runs: on ``"cpu"``, for float32 or float64, with numba importable. Never raises."""
    try:
        if str(platform).lower() != "cpu" or np.dtype(dtype) not in _DTYPES:
            return False
    except TypeError:
        return False
    return _numba_importable()


@ft.cache
def _target(dtype_name):
    """Register the handler for one float dtype with XLA:CPU (compiling it on first use) and return its name."""
    from ._read_cpu_kernels import HANDLERS  # imports numba: only here, never at ``import jaxbrain``

    name = f"jaxbrain_read_cpu_{dtype_name}"
    capsule = jax.ffi.pycapsule(HANDLERS[dtype_name].address)
    jax.ffi.register_ffi_target(name, capsule, platform="cpu", api_version=1)
    return name


def _call(ring, start, offsets, weights, channels, block):
    """The kernel on validated operands: ``(K, N, P, B)``."""
    name = _target(_DTYPES[np.dtype(ring.dtype)])
    channels = jnp.asarray(channels, jnp.int32)
    out = jax.ShapeDtypeStruct((block, offsets.shape[0], weights.shape[0], ring.shape[-1]), ring.dtype)
    return jax.ffi.ffi_call(name, out, vmap_method="expand_dims")(ring, start, offsets, weights, channels)


def _check(ring, offsets, weights, channels, what):
    if ring.ndim != 3:
        raise ValueError(f"ring must be (R, V, B); got shape {ring.shape}")
    if offsets.ndim != 2:
        raise ValueError(f"{what} must be (N, S); got shape {offsets.shape}")
    if weights.shape != (len(channels),) + offsets.shape:
        raise ValueError(f"weights must be (P, N, S) = {(len(channels),) + offsets.shape}; got {weights.shape}")
    if any(not 0 <= c < ring.shape[1] for c in channels):
        raise ValueError(f"channels must lie in [0, V = {ring.shape[1]}); got {channels}")


def _supported(ring, weights):
    return np.dtype(ring.dtype) in _DTYPES and weights.dtype == ring.dtype


@ft.partial(jax.custom_vjp, nondiff_argnums=(4,))
def _gather(ring, start, offsets, weights, channels):
    return _call(ring, start, offsets, weights, channels, 1)[0]


def _gather_fwd(ring, start, offsets, weights, channels):
    return _gather(ring, start, offsets, weights, channels), (ring, start, offsets, weights)


def _gather_bwd(channels, residuals, cotangent):
    ring, start, offsets, weights = residuals
    _, pullback = jax.vjp(lambda r, w: _xla_gather_sum(r, start, offsets, w, channels), ring, weights)
    g_ring, g_weights = pullback(cotangent)
    return g_ring, None, None, g_weights


_gather.defvjp(_gather_fwd, _gather_bwd)


@ft.partial(jax.custom_vjp, nondiff_argnums=(3, 4))
def _window(ring, starts, weights, channels, block):
    return _call(ring, jnp.zeros((), jnp.int32), starts, weights, channels, block)


def _window_fwd(ring, starts, weights, channels, block):
    return _window(ring, starts, weights, channels, block), (ring, starts, weights)


def _window_bwd(channels, block, residuals, cotangent):
    ring, starts, weights = residuals
    _, pullback = jax.vjp(lambda r, w: _xla_window_sum(r, starts, w, channels, block), ring, weights)
    g_ring, g_weights = pullback(cotangent)
    return g_ring, None, g_weights


_window.defvjp(_window_fwd, _window_bwd)


def _cpu_gather_sum(ring, start, offsets, weights, channels):
    ring, weights, offsets = jnp.asarray(ring), jnp.asarray(weights), jnp.asarray(offsets)
    channels = tuple(int(c) for c in channels)
    if not _supported(ring, weights):
        return _xla_gather_sum(ring, start, offsets, weights, channels)
    _check(ring, offsets, weights, channels, "offsets")
    start = jnp.asarray(start).astype(jnp.int32)
    return _gather(ring, start, offsets.astype(jnp.int32), weights, channels)


def _cpu_window_sum(ring, starts, weights, channels, block):
    ring, weights, starts = jnp.asarray(ring), jnp.asarray(weights), jnp.asarray(starts)
    channels, block = tuple(int(c) for c in channels), int(block)
    if not _supported(ring, weights):
        return _xla_window_sum(ring, starts, weights, channels, block)
    _check(ring, starts, weights, channels, "starts")
    if block < 1:
        raise ValueError(f"block must be a positive number of steps; got {block}")
    return _window(ring, starts.astype(jnp.int32), weights, channels, block)


BACKEND = ReadBackend(
    name="cpu-kernel",
    gather_sum=_cpu_gather_sum,
    window_sum=_cpu_window_sum,
    available=available,
    description="numba-compiled XLA:CPU FFI kernel, SIMD across the batch (extra jaxbrain[cpu-kernels])",
)
