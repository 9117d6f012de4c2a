"""A node whose masses write their dynamics symbolically (neurolib's MultiModel route), as a jaxbrain model.

neurolib's MultiModel masses define ``_derivatives`` as ``symengine`` expressions over ``jitcdde``'s state vector
(``y(i)``, which ``jitcdde`` writes ``current_y(i)``), its external inputs (``input(j)``, written
``past_y(t - external_input, input_base_n + j, anchors(...))``), the mass's parameters and the coupling inputs; a
backend then compiles the expressions (jitcdde to C, or numba). Here the expressions are built once per node
structure, with every numeric parameter replaced by a symbol, and translated into a
:class:`jaxbrain.models.NeuralMass` whose ``dfun`` evaluates them with ``jax.numpy``: the node then runs in
jaxbrain's scan like a prebuilt node (batched, differentiable, on any device, beside other node classes in one
network), and its parameters stay parameters (a sweep changes them without re-translating).

What translates: ``+ - * / **``, numbers and constants, symengine's elementary functions (``exp``, ``log``,
trigonometric and hyperbolic functions and their inverses, ``Abs``, ``sign``, ``erf``, ``Max``, ``Min``),
``Piecewise`` with relations and ``And``/``Or``/``Not``; the node's state at the current time; the external inputs
(the node's noise inputs); the network inputs the masses require; the node's own ``_sync`` helpers without delays.
What does not, refused with a ``NotImplementedError`` that names it: delayed reads within a node, explicit time
``t``, Python callbacks (``python_callbacks``), helper variables, and dynamics whose Python code branches on a
parameter's value.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..._checks import _is_real_number
from ..._errors import NeurolibInputError

_STATE = "current_y"  # jitcdde's name of the state at the current time
_PAST = "past_y"  # jitcdde's name of a delayed state (and of an external input)
_INPUT_BASE = "input_base_n"  # jitcdde's offset of the external inputs among the past_y indices
_TIME = "t"  # jitcdde's time symbol
_NETWORK = "__network__"  # prefix of the symbols standing for the network inputs

_FUNCTIONS = {
    "exp": jnp.exp,
    "log": jnp.log,
    "sin": jnp.sin,
    "cos": jnp.cos,
    "tan": jnp.tan,
    "asin": jnp.arcsin,
    "acos": jnp.arccos,
    "atan": jnp.arctan,
    "sinh": jnp.sinh,
    "cosh": jnp.cosh,
    "tanh": jnp.tanh,
    "asinh": jnp.arcsinh,
    "acosh": jnp.arccosh,
    "atanh": jnp.arctanh,
    "Abs": jnp.abs,
    "sign": jnp.sign,
    "erf": jax.scipy.special.erf,
    "erfc": jax.scipy.special.erfc,
    "floor": jnp.floor,
    "ceiling": jnp.ceil,
}
_RELATIONS = {
    "StrictLessThan": jnp.less,
    "LessThan": jnp.less_equal,
    "StrictGreaterThan": jnp.greater,
    "GreaterThan": jnp.greater_equal,
    "Equality": jnp.equal,
    "Unequality": jnp.not_equal,
}
_CONSTANTS = ("Pi", "Exp1", "EulerGamma", "GoldenRatio", "Catalan")


def symengine():
    """The ``symengine`` module, or an ImportError saying what needs it."""
    try:
        import symengine as se
    except ImportError:
        raise ImportError(
            "a MultiModel mass that writes its dynamics symbolically needs symengine (pip install symengine, or "
            "pip install 'jaxbrain[compat]')"
        ) from None
    return se


def state_vector(index, time=None):
    """neurolib's ``state_vector`` (jitcdde's ``y``): state variable ``index`` at the current time or at ``time``."""
    se = symengine()
    t = se.Symbol(_TIME)
    if time is None or time == t:
        return se.Function(_STATE)(index)
    return se.Function(_PAST)(time, index, se.Function("anchors")(time))


def external_input(index):
    """jitcdde's ``input(index)`` (an external input of the node, here its noise input ``index``), without jitcdde."""
    se = symengine()
    time = se.Symbol(_TIME) - se.Symbol("external_input")
    return se.Function(_PAST)(time, se.Symbol(_INPUT_BASE) + index, se.Function("anchors")(time))


def is_symbolic(node):
    """Whether a user wrote the dynamics of one of ``node``'s masses (a ``_derivatives`` defined outside jaxbrain):
    then the node runs the translated expressions of all its masses, not its class's jaxbrain model."""
    return any(not type(mass)._derivatives.__module__.startswith("jaxbrain.") for mass in node)


# ---- translation -----------------------------------------------------------------------------------------------


def _fail(what, where):
    raise NotImplementedError(f"{where}: {what} does not translate to jaxbrain (see jaxbrain.compat.models."
                              "multimodel._symbolic for what does)")  # fmt: skip


def _index(value, where):
    try:
        number = float(value)
    except (TypeError, RuntimeError):
        _fail(f"the state index {value}", where)
    if number != int(number):
        _fail(f"the state index {value}", where)
    return int(number)


def _evaluate(expr, env, memo, where):
    """``expr`` as a JAX value; ``env`` maps leaves (``("state", i)``, ``("input", j)``, symbol names) to values."""
    key = expr
    if key in memo:
        return memo[key]
    kind = type(expr).__name__
    if getattr(expr, "is_Number", False) or kind in _CONSTANTS:
        value = float(expr)
    elif kind in ("BooleanTrue", "BooleanFalse"):
        value = kind == "BooleanTrue"
    elif kind == "Symbol":
        if expr.name not in env:
            _fail(f"the symbol {expr.name!r}" + (" (explicit time)" if expr.name == _TIME else ""), where)
        value = env[expr.name]
    elif kind == "FunctionSymbol":
        value = _function_symbol(expr, env, where)
    elif kind == "Add":
        terms = [_evaluate(a, env, memo, where) for a in expr.args]
        value = terms[0]
        for term in terms[1:]:
            value = value + term
    elif kind == "Mul":
        factors = [_evaluate(a, env, memo, where) for a in expr.args]
        value = factors[0]
        for factor in factors[1:]:
            value = value * factor
    elif kind == "Pow":
        base, exponent = expr.args
        if type(base).__name__ == "Exp1":
            value = jnp.exp(_evaluate(exponent, env, memo, where))
        elif getattr(exponent, "is_Integer", False):
            value = _evaluate(base, env, memo, where) ** int(exponent)  # an integer power: lax.integer_pow
        elif type(exponent).__name__ == "Half":
            value = jnp.sqrt(_evaluate(base, env, memo, where))
        else:
            value = _evaluate(base, env, memo, where) ** _evaluate(exponent, env, memo, where)
    elif kind in _FUNCTIONS:
        value = _FUNCTIONS[kind](*[_evaluate(a, env, memo, where) for a in expr.args])
    elif kind in ("Max", "Min"):
        values = [_evaluate(a, env, memo, where) for a in expr.args]
        pick = jnp.maximum if kind == "Max" else jnp.minimum
        value = values[0]
        for other in values[1:]:
            value = pick(value, other)
    elif kind in _RELATIONS:
        left, right = (_evaluate(a, env, memo, where) for a in expr.args)
        value = _RELATIONS[kind](left, right)
    elif kind in ("And", "Or"):
        parts = [_evaluate(a, env, memo, where) for a in expr.args]
        value = parts[0]
        for part in parts[1:]:
            value = jnp.logical_and(value, part) if kind == "And" else jnp.logical_or(value, part)
    elif kind == "Not":
        value = jnp.logical_not(_evaluate(expr.args[0], env, memo, where))
    elif kind == "Piecewise":
        args = expr.args
        pairs = list(zip(args[0::2], args[1::2]))
        value = jnp.nan  # neurolib's (and sympy's) value where no condition holds
        for piece, condition in reversed(pairs):
            value = jnp.where(_evaluate(condition, env, memo, where), _evaluate(piece, env, memo, where), value)
    else:
        _fail(f"{kind} ({expr})", where)
    memo[key] = value
    return value


def _function_symbol(expr, env, where):
    name = expr.get_name()
    if name == _STATE:
        return env[("state", _index(expr.args[0], where))]
    if name == _PAST:
        se = symengine()
        time, index = expr.args[0], expr.args[1]
        base = se.Symbol(_INPUT_BASE)
        if base in index.free_symbols:
            return env[("input", _index(index.subs({base: 0}), where))]
        delay = se.expand(se.Symbol(_TIME) - time)
        if delay != 0:
            _fail(f"a delayed read within a node ({expr})", where)
        return env[("state", _index(index, where))]
    _fail(f"the function {name!r} (a callback?)", where)


# ---- building a node's model -----------------------------------------------------------------------------------


class SymbolicNode(NamedTuple):
    """A symbolic node's expressions, with what their leaves are."""

    equations: tuple  # one symengine expression per state variable of the node
    params: tuple  # (field, mass position, key): the parameter symbols and where their values live
    network: tuple  # names of the network inputs the masses require, in Inputs.coupling order
    channels: tuple  # indices (within the node) of the variables the network may read
    n_noise: int


def _field(mass_position, mass, key):
    name = re.sub(r"\W", "_", f"{mass.label}_{mass.index}_{key}")
    return f"p{mass_position}_{name}"


def _numeric_params(node):
    out = []
    for m, mass in enumerate(node):
        for key, value in mass.params.items():
            if _is_real_number(value) and not isinstance(value, bool):
                out.append((_field(m, mass, key), m, key))
    return tuple(out)


def _node_sync(node, se):
    """The node's own helpers (``_sync``): ``{symbol name: expression}``."""
    from .builder.base.network import SingleCouplingExcitatoryInhibitoryNode

    base = SingleCouplingExcitatoryInhibitoryNode
    if isinstance(node, base) and type(node)._sync is base._sync:  # neurolib's helpers from the local connectivity
        if np.any(np.asarray(node.delays) != 0.0):
            _fail("local_delays other than 0", type(node).__name__)
        starts = np.cumsum([0] + [mass.num_state_variables for mass in node])
        rates = [state_vector(int(starts[i] + next(iter(mass.coupling_variables)))) for i, mass in enumerate(node)]
        w = np.asarray(node.connectivity, dtype=np.float64)

        def block(rows, cols):
            return sum((float(w[r, c]) * rates[c] for r in rows for c in cols), se.Integer(0))

        exc, inh = list(node.excitatory_masses), list(node.inhibitory_masses)
        helpers = {"node_exc_exc": block(exc, exc), "node_inh_exc": block(inh, exc),
                   "node_exc_inh": block(exc, inh), "node_inh_inh": block(inh, inh)}  # fmt: skip
        return {f"{name}_{node.index}": value for name, value in helpers.items()}
    out = {}
    for pair in node._sync():
        try:
            symbol, value = pair
        except (TypeError, ValueError):
            raise NeurolibInputError(f"{type(node).__name__}._sync() must return (symbol, expression) pairs") from None
        out[str(symbol)] = se.sympify(value)
    return out


def _network_inputs(node):
    """The inputs the node's masses require from the network (those its own ``sync_variables`` do not provide)."""
    local = set(node.sync_variables)
    return tuple(dict.fromkeys(n for mass in node for n in mass.required_couplings if n not in local))


def equations(node, network_coupling, *, offset=0, symbolic_params=(), local_noise=False):
    """The node's right-hand sides as symengine expressions, one per state variable, as neurolib builds them.

    Args:
        node: the node (its masses define ``_derivatives``).
        network_coupling: ``{network input name: value or expression}`` (e.g. the network's sync symbols).
        offset: index of the node's first state variable in the state vector.
        symbolic_params: ``(field, mass position, key)`` of the parameters to replace by ``Symbol(field)``.
        local_noise: number the masses' noise inputs from 0 within the node (else as the masses have them).
    """
    se = symengine()
    where = type(node).__name__
    for mass in node:
        for attribute in ("python_callbacks", "helper_variables"):
            if getattr(mass, attribute, None):
                _fail(f"{type(mass).__name__}.{attribute}", where)
    saved = [(mass.params, mass.idx_state_var, mass.noise_input_idx) for mass in node]
    saved_node = (node.idx_state_var, node.__dict__.get("sync_symbols"))
    out = []
    try:
        node.idx_state_var = offset
        node.sync_symbols = {f"{name}_{node.index}": se.Symbol(f"{name}_{node.index}") for name in node.sync_variables}
        for field, m, key in symbolic_params:
            node[m].params = {**node[m].params, key: se.Symbol(field)}
        start, noise = offset, 0
        for mass in node:
            mass.idx_state_var = start
            if local_noise:
                mass.noise_input_idx = list(range(noise, noise + mass.num_noise_variables))
            start += mass.num_state_variables
            noise += mass.num_noise_variables
        helpers = _node_sync(node, se)
        for mass in node:
            coupling = {}
            for name in mass.required_couplings:
                local = f"{name}_{node.index}"
                coupling[name] = node.sync_symbols[local] if name in node.sync_variables else network_coupling[name]
            try:
                derivatives = list(mass._derivatives(coupling))
            except (TypeError, RuntimeError) as err:
                raise NotImplementedError(
                    f"{where}: {type(mass).__name__}._derivatives could not be built with symbolic parameters "
                    f"({err}); jaxbrain translates dynamics whose Python code does not branch on parameter values"
                ) from None
            if len(derivatives) != mass.num_state_variables:
                raise NeurolibInputError(
                    f"{type(mass).__name__}._derivatives returned {len(derivatives)} expressions for "
                    f"{mass.num_state_variables} state variables"
                )
            out += [se.sympify(d) for d in derivatives]
    finally:
        for mass, (p, idx, noise_idx) in zip(node, saved):
            mass.params, mass.idx_state_var, mass.noise_input_idx = p, idx, noise_idx
        node.idx_state_var, sync_symbols = saved_node
        if sync_symbols is None:
            del node.sync_symbols
        else:
            node.sync_symbols = sync_symbols
    substitutions = {se.Symbol(name): value for name, value in helpers.items()}
    for _ in range(len(substitutions)):  # helpers may use helpers
        out = [e.subs(substitutions) for e in out]
    return out


def build(node):
    """The node's expressions with symbols for its parameters and network inputs (:class:`SymbolicNode`)."""
    se = symengine()
    where = type(node).__name__
    for default in (node.default_network_coupling or {}).values():
        if _is_real_number(default) and float(default) != 0.0:
            _fail(f"a non-zero default_network_coupling ({node.default_network_coupling})", where)
    params = _numeric_params(node)
    network = _network_inputs(node)
    coupling = {name: se.Symbol(_NETWORK + name) for name in network}
    found = equations(node, coupling, symbolic_params=params, local_noise=True)
    channels = tuple(sorted(node.all_couplings()))
    n_noise = sum(mass.num_noise_variables for mass in node)
    return SymbolicNode(tuple(found), params, network, channels, n_noise)


_MODELS = {}  # one model per node structure (class and expressions), so nodes of one kind share a group


def _identifier(name, where):
    if not name.isidentifier():
        raise NeurolibInputError(f"{where}: the state variable name {name!r} is not a Python identifier")
    return name


def _network_sums(n_inputs, n_channels):
    """One network sum per network input, input ``p`` summing coupled variable ``p`` (the last one for the inputs
    beyond the coupled variables); which variable of the source nodes each input really reads is the network's
    declaration (``Network._sync``), which the run maps onto these sums."""
    sums = tuple(min(p, n_channels - 1) for p in range(n_inputs))
    return lambda w: (sums, np.stack([np.asarray(w)] * n_inputs))


def core(node):
    """The :class:`~jaxbrain.compat.models.multimodel._core.NodeCore` of a symbolic node (built once per
    structure)."""
    from jaxbrain.models._base import Inputs, NeuralMass
    from jaxbrain.network import additive

    from ._core import NodeCore, noise_as_inputs

    symbolic = build(node)
    names = tuple(node.state_variable_names[0])
    key = (type(node), names, tuple(str(e) for e in symbolic.equations), symbolic.params, symbolic.network)
    if key in _MODELS:
        return _MODELS[key]
    where = type(node).__name__
    fields = [f for f, _, _ in symbolic.params]
    if len(set(fields)) != len(fields):
        raise NeurolibInputError(f"{where}: two parameters map to one name ({fields})")
    protocol = {"K_gl": 1.0, "tau_ou": 5.0, "sigma_ou": 0.0}
    stem = re.sub(r"\W", "_", where)
    Params = NamedTuple(f"{stem}Params", [(f, float) for f in (*fields, *protocol)])
    Params.__new__.__defaults__ = (*(0.0 for _ in fields), *protocol.values())
    State = NamedTuple(f"{stem}State", [(_identifier(n, where), float) for n in names])
    equations = symbolic.equations
    network = symbolic.network

    def dfun(state, inputs, p):
        env = {("state", i): value for i, value in enumerate(state)}
        env.update({("input", j): value for j, value in enumerate(inputs.external)})
        env.update({field: getattr(p, field) for field in fields})
        env.update({_NETWORK + name: inputs.coupling[i] for i, name in enumerate(network)})
        memo = {}
        zero = jnp.zeros_like(state[0])
        return State(*(zero + _evaluate(e, env, memo, where) for e in equations))

    def init_state(key, n_nodes, params, dtype=jnp.float32):
        del key, params
        return State(*(jnp.zeros((n_nodes,), dtype) for _ in names))

    channels = symbolic.channels
    if network and not channels:
        raise NeurolibInputError(
            f"{where}: its masses take the network inputs {list(network)} but declare no coupling_variables to send"
        )
    default = node.default_output if node.default_output in names else names[0]
    model = NeuralMass(
        name=f"multimodel_{where}",
        Params=Params,
        State=State,
        dfun=dfun,
        init_state=init_state,
        coupled=lambda s: tuple(s[i] for i in channels),
        coupling=additive,
        noise_vars=(),
        ou_mean=lambda p: (),
        input_vars=noise_as_inputs(symbolic.n_noise),
        output_vars=tuple(v for v in (node.output_vars or names) if v in names),
        default_output=default,
        bold_input=lambda x: x,
        network_sums=_network_sums(len(network), len(channels)) if network else None,
    )
    layout = symbolic.params

    def params(n):
        values = {}
        for field, m, key in layout:
            value = n[m].params.get(key)
            if not _is_real_number(value):
                raise NeurolibInputError(
                    f"{type(n[m]).__name__} ({n[m].label}_{n[m].index}) parameter {key!r} must be a number; got "
                    f"{value!r}"
                )
            values[field] = float(value)
        return {**values, **protocol}

    # Translate once now, abstractly (no arithmetic), so what does not translate is refused when the node is wrapped,
    # not when it first runs.
    zeros = jnp.zeros((1,))
    probe = Inputs(coupling=(zeros,) * len(network), noise=(), external=(zeros,) * symbolic.n_noise)
    jax.eval_shape(dfun, State(*(zeros for _ in names)), probe, Params())
    inputs = {name: i for i, name in enumerate(network)}
    result = NodeCore(model, params, inputs, channels)
    _MODELS[key] = result
    return result


__all__ = ["build", "core", "equations", "external_input", "is_symbolic", "state_vector"]
