r"""The delayed network read $\sum_m C_{nm}\, x_m(t - d_{nm})$: one operator, interchangeable backends.

A simulation step reads its network input from a ring of the coupled variables' past values (the layout is
the integrator's, see ``integrate/_scan.py``): a flat array of rows ``(R, V, B)`` (ring row, coupled
variable, batch). Every way the integrator reads it is one of two operations:

* :func:`gather_sum` — one step's read: each target ``n`` sums ``S`` weighted rows,
  $out_{npb} = \sum_s w_{pns}\; ring_{start + off_{ns},\, c_p,\, b}$. Rounded delays read one row per source
  (``S = N``), fractional delays two interpolation taps (``S = 2N``), a time-blocked step its few short pairs.
* :func:`window_sum` — a block of ``K`` steps' read of the pairs whose delay is at least ``K − 1`` steps: each
  pair's ``K`` consecutive rows at once, $out_{knpb} = \sum_m w_{pnm}\; ring_{start_{nm} + k,\, c_p,\, b}$.

``c_p`` is the coupled variable network sum ``p`` reads (``channels``). A backend implements both; the
integrator names a backend and does not know how it reads. The reference backend, ``"xla"``, is XLA's gather
followed by a contraction; the others must agree with it to rounding (their tests say how closely).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax.numpy as jnp
from jax import lax


class ReadBackend(NamedTuple):
    """One implementation of the delayed read.

    Attributes:
        name: how ``simulate(..., backend=name)`` names it.
        gather_sum: ``(ring, start, offsets, weights, channels) -> (N, P, B)``, see :func:`gather_sum`.
        window_sum: ``(ring, starts, weights, channels, block) -> (K, N, P, B)``, see :func:`window_sum`.
        available: ``(platform, dtype) -> bool``: whether it runs there (e.g. an optional dependency is installed).
        description: one line for the result's metadata and the docs.
        batch_tile: run the simulation in tiles of this many batch members, one after another (0: the whole
            batch at once). A tile's part of the ring stays in cache; the members are independent, so tiling
            changes no result beyond rounding.
    """

    name: str
    gather_sum: Callable
    window_sum: Callable
    available: Callable
    description: str
    batch_tile: int = 0


def _contract(spec, weights, values, axis, channels, one_member_dot=False):
    """Each network sum's contraction ``einsum(spec, weights[p], values[.., c_p, ..])``, stacked on the
    second-to-last axis; one einsum over every variable when several are each summed once, in order (``spec``'s
    last index is the batch, ``b``).

    ``one_member_dot``: a batch of one is contracted as products and a matrix-vector product with ones, which XLA
    keeps a dot. XLA:CPU turns a contraction with a unit batch axis into a multiply-reduce and hands it to
    YNNPACK, which cost ~35 µs a call inside a scan in float32 and ~25 µs in float64 (Hopf on gw, B = 1, the
    step-by-step read: the forward 1.3x (float32) and 3.4x (float64) slower, the adjoint's value-and-gradient
    1.9x; docs/backends.md). The time-blocked read keeps the einsum: its products are K times larger, and it ran
    2x slower as a dot."""
    if one_member_dot and values.shape[-1] == 1:
        sums = [_contract_one_member(spec, weights[p], jnp.take(values, c, axis=axis)) for p, c in enumerate(channels)]
        return jnp.stack(sums, axis=-2)
    if len(channels) > 1 and tuple(channels) == tuple(range(values.shape[axis])):
        lhs, out = spec.split("->")
        w_spec, v_spec = lhs.split(",")
        return jnp.einsum(f"p{w_spec},{v_spec[:-1]}p{v_spec[-1]}->{out[:-1]}p{out[-1]}", weights, values)
    sums = [jnp.einsum(spec, weights[p], jnp.take(values, c, axis=axis)) for p, c in enumerate(channels)]
    return jnp.stack(sums, axis=-2)


def _contract_one_member(spec, weights, values):
    """``einsum(spec, weights, values)`` for a batch of one: the products, then their sum as a dot with ones."""
    lhs, out = spec.split("->")
    w_spec, v_spec = lhs.split(",")
    v_spec, out = v_spec[:-1], out[:-1]  # without the unit batch index
    products = jnp.einsum(f"{w_spec},{v_spec}->{v_spec}", weights, values[..., 0])
    summed = "".join(i for i in v_spec if i not in out)
    ones = jnp.ones([products.shape[v_spec.index(i)] for i in summed], products.dtype)
    return jnp.einsum(f"{v_spec},{summed}->{out}", products, ones)[..., None]


def _xla_gather_sum(ring, start, offsets, weights, channels):
    rows = ring.at[start + offsets].get(mode="promise_in_bounds")  # (N, S, V, B)
    return _contract("ns,nsb->nb", weights, rows, 2, channels, one_member_dot=True)


def _xla_window_sum(ring, starts, weights, channels, block):
    dims = lax.GatherDimensionNumbers(offset_dims=(2, 3, 4), collapsed_slice_dims=(), start_index_map=(0,))
    windows = lax.gather(
        ring, starts[..., None], dims, (block,) + ring.shape[1:], mode=lax.GatherScatterMode.PROMISE_IN_BOUNDS
    )  # (N, M, K, V, B)
    return _contract("nm,nmkb->knb", weights, windows, 3, channels)


XLA = ReadBackend(
    name="xla",
    gather_sum=_xla_gather_sum,
    window_sum=_xla_window_sum,
    available=lambda platform, dtype: True,
    description="XLA gather + contraction (the reference; every platform)",
)

# XLA's gather on a batch of 64 streams the whole (R, V, 64) ring through L2 each step; 16 members at a time keep
# their rows cached (spec/cpu_kernel.md: 2.2x on the read at B = 64 on a 2-core Xeon).
XLA_TILED = XLA._replace(
    name="xla-tiled",
    available=lambda platform, dtype: platform == "cpu",
    description="XLA gather + contraction, the batch run 16 members at a time (CPU)",
    batch_tile=16,
)

BACKENDS: dict[str, ReadBackend] = {"xla": XLA, "xla-tiled": XLA_TILED}


def _register(*backends):
    for backend in backends:
        BACKENDS[backend.name] = backend


# The smallest batch for which the compiled CPU kernel beat the reference in whole simulations on gw (2-core AMD EPYC,
# quiet: 1.2-1.5x Hopf and 1.1x ALN at 64, 1.6x Hopf at 256; 0.8-1.0x at 8 and 16, 0.6-0.7x at 1 and 2, 1.3x at 4;
# benchmarks/RESULTS.md and docs/backends.md). Below 32 it does not reliably win: the read is a small part of a step.
CPU_KERNEL_MIN_BATCH = 32


def choose_backend(requested, platform, dtype, batch):
    """The backend a run uses: ``requested`` (checked: known and available on ``platform`` for ``dtype``) or, for
    ``None``, the fastest measured there: the compiled CPU kernel for batches of ``CPU_KERNEL_MIN_BATCH`` or more
    when its extra is installed, otherwise the reference.

    Raises:
        TypeError, ValueError: ``requested`` is not a known backend's name, or it cannot run here (saying why).
    """
    if requested is None:
        kernel = BACKENDS.get("cpu-kernel")
        if batch >= CPU_KERNEL_MIN_BATCH and kernel is not None and kernel.available(platform, dtype):
            return kernel.name
        return XLA.name
    backend = backend_by_name(requested)
    if not backend.available(platform, dtype):
        raise ValueError(
            f"backend {requested!r} ({backend.description}) is not available on {platform} for {dtype}; "
            f"available here: {sorted(name for name, b in BACKENDS.items() if b.available(platform, dtype))}"
        )
    return backend.name


def backend_by_name(name):
    """The registered :class:`ReadBackend` called ``name``; a ValueError lists the known ones."""
    if not isinstance(name, str):
        raise TypeError(f"backend must be a backend's name (str); got {type(name).__name__}")
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; known: {sorted(BACKENDS)} (or None to choose automatically)")
    return BACKENDS[name]


def _check_read(ring, index, weights, channels, what):
    """Shapes (static, so checked once when traced) of a read's arguments; a ValueError names the mismatch."""
    ring_shape, index_shape, weight_shape = jnp.shape(ring), jnp.shape(index), jnp.shape(weights)
    if len(ring_shape) != 3:
        raise ValueError(f"ring must be (rows, variables, batch); got shape {ring_shape}")
    if len(index_shape) != 2 or not jnp.issubdtype(jnp.result_type(index), jnp.integer):
        raise ValueError(f"{what} must be an (N, S) integer array; got {jnp.result_type(index)} {index_shape}")
    if len(weight_shape) != 3 or weight_shape[1:] != index_shape:
        raise ValueError(f"weights must be (P, {index_shape[0]}, {index_shape[1]}) to match {what}; got {weight_shape}")
    if len(channels) != weight_shape[0] or any(not 0 <= c < ring_shape[1] for c in channels):
        raise ValueError(
            f"channels must name one of the ring's {ring_shape[1]} variable(s) per network sum ({weight_shape[0]}); "
            f"got {tuple(channels)}"
        )


def gather_sum(ring, start, offsets, weights, channels, *, backend="xla"):
    r"""One step's delayed read: ``out[n, p, b] = Σ_s weights[p, n, s] · ring[start + offsets[n, s], channels[p], b]``.

    Args:
        ring: ``(R, V, B)`` ring rows.
        start: int32 scalar added to every offset (the step's ring position; may be traced).
        offsets: ``(N, S)`` int32 row offsets; ``start + offsets`` must lie in ``[0, R)`` (not checked, as they may
            be traced: the integrator's plans guarantee it; the shapes are checked).
        weights: ``(P, N, S)`` weights of each network sum (0 on padding entries).
        channels: static tuple of ``P`` ints, the coupled variable each sum reads.
        backend: a registered backend's name.

    Returns:
        ``(N, P, B)`` network sums.
    """
    _check_read(ring, offsets, weights, tuple(channels), "offsets")
    return backend_by_name(backend).gather_sum(ring, start, offsets, weights, tuple(channels))


def window_sum(ring, starts, weights, channels, block, *, backend="xla"):
    r"""A block of steps' delayed read: ``out[k, n, p, b] = Σ_m weights[p, n, m] · ring[starts[n, m] + k, c_p, b]``.

    Args:
        ring: ``(R, V, B)`` ring rows.
        starts: ``(N, M)`` int32 first row of each pair's window; ``starts + block`` must not pass ``R``.
        weights: ``(P, N, M)`` weights (0 for pairs read otherwise).
        channels: static tuple of ``P`` ints, the coupled variable each sum reads.
        block: static number of steps ``K``.
        backend: a registered backend's name.

    Returns:
        ``(K, N, P, B)`` network sums, one per step of the block.
    """
    _check_read(ring, starts, weights, tuple(channels), "starts")
    if int(block) < 1:
        raise ValueError(f"block must be a positive number of steps; got {block}")
    return backend_by_name(backend).window_sum(ring, starts, weights, tuple(channels), int(block))


# The other backends' modules import their optional dependencies (Pallas, numba) only when they run.
from ._read_cpu import BACKEND as _CPU_KERNEL  # noqa: E402
from ._read_pallas import BACKEND as _PALLAS  # noqa: E402 -- they build on the definitions above
from ._read_pallas import INTERPRET_BACKEND as _PALLAS_INTERPRET  # noqa: E402

_register(
    _PALLAS,
    _PALLAS_INTERPRET,
    _CPU_KERNEL,
    # The compiled read with the batch run 32 members at a time: each tile's rows stay in L2 (spec/cpu_kernel.md:
    # the best of every variant measured at B = 64 and 256).
    _CPU_KERNEL._replace(
        name="cpu-kernel-tiled",
        description=_CPU_KERNEL.description + ", the batch run 32 members at a time",
        batch_tile=32,
    ),
)
