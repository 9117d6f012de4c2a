"""Checks of what a user hands :func:`~jaxbrain.simulate`: run settings, flags, dtype, names, parameters, states.

Each check raises a ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, invalid value) that names
the argument and what was expected. Traced values (under ``jit``/``grad``/``vmap``) pass unchecked where they
are allowed: only concrete values can be checked.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import jax
import jax.numpy as jnp
import numpy as np

from .._checks import names_sequence

# Values at or beyond this magnitude count as diverged (see ``_simulate._finite``), so a start there is refused.
DIVERGENCE_BOUND = 1e20
FLOAT_DTYPES = ("bfloat16", "float16", "float32", "float64")


def is_concrete(x):
    return not isinstance(x, jax.core.Tracer)


def run_number(name, value, *, minimum=0.0, inclusive=False, integer=False, unit=""):
    """A numeric run setting as a Python ``float`` (``int`` with ``integer=True``).

    Accepts Python and numpy real scalars and 0-d arrays; refuses bools, complex numbers, strings, arrays,
    traced values (a run setting fixes the run's shape), NaN and inf, and values below ``minimum`` (or equal to
    it unless ``inclusive``); with ``integer``, values with a fractional part.
    """
    if not is_concrete(value):
        raise TypeError(f"{name} must be a concrete number (it fixes the shape of the run); got a traced value")
    kind = np.asarray(value).dtype.kind if not isinstance(value, (str, bytes, bool, np.bool_)) else None
    if kind not in ("i", "u", "f") or np.ndim(value) != 0:
        raise TypeError(f"{name} must be a real number; got {type(value).__name__} {value!r}")
    number = float(np.asarray(value))
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    if integer and number != round(number):
        raise ValueError(f"{name} must be a whole number; got {value!r}")
    if number < minimum or (number == minimum and not inclusive):
        if minimum == 0:
            bound = "non-negative" if inclusive else "positive"
        else:
            bound = f"{'>=' if inclusive else '>'} {minimum:g}"
        of = f" of {unit}" if unit else ""
        raise ValueError(f"{name} must be a {bound} number{of}; got {value!r}")
    return int(np.asarray(value)) if integer else number


def flag(name, value):
    """A switch: ``True``/``False`` only (a string such as ``"False"`` would otherwise count as true)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {type(value).__name__} {value!r}")
    return bool(value)


def float_dtype(value):
    """The run's floating dtype (default: float64 with ``jax_enable_x64``, else float32)."""
    if value is None:
        return jnp.dtype(jnp.float64 if jax.config.jax_enable_x64 else jnp.float32)
    try:
        dtype = jnp.dtype(value)
    except TypeError:
        raise TypeError(f"dtype must be a floating dtype, one of {FLOAT_DTYPES}; got {value!r}") from None
    if dtype.name not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be a floating dtype, one of {FLOAT_DTYPES}; got {dtype.name}")
    if dtype.itemsize == 8 and not jax.config.jax_enable_x64:
        raise ValueError(
            "dtype float64 needs 64-bit JAX: jax.config.update('jax_enable_x64', True) before creating arrays "
            "(JAX would silently run in float32)"
        )
    return dtype


def names(argument, value, example):
    """A user-given sequence of distinct names as a tuple of strings; a bare string is refused, not split."""
    return names_sequence(value, argument, example=example, unique=True)


def check_params(model, params):
    """The model's Params from ``None``, a Params or a dict of its fields, checked where concrete.

    Every leaf must be real (bool, complex and strings are refused), finite, and inside the model's declared
    range (``model.param_ranges``), scalars, per-node arrays and batched leaves alike. Traced leaves pass.
    """
    if isinstance(params, Mapping):
        unknown = sorted(set(params) - set(model.Params._fields))
        if unknown:
            raise ValueError(
                f"unknown parameter name(s) {unknown} for model {model.name!r}; "
                f"valid names: {list(model.Params._fields)}"
            )
        params = model.Params(**params)
    if params is None:
        params = model.Params()
    if not isinstance(params, model.Params):
        raise TypeError(f"params must be {model.name}.Params (or a dict of its fields); got {type(params).__name__}")
    ranges = dict(model.param_ranges)
    for name, value in zip(params._fields, params):
        if not is_concrete(value):
            continue
        arr = np.asarray(value)
        if arr.dtype.kind not in ("i", "u", "f"):
            raise TypeError(
                f"parameter {name!r} of model {model.name!r} must be a real number or array; "
                f"got {type(value).__name__} of dtype {arr.dtype}"
            )
        arr = arr.astype(np.float64)
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"parameter {name!r} of model {model.name!r} contains NaN or Inf")
        valid = ranges.get(name)
        if valid is not None:
            outside = ~valid.contains(arr)
            if np.any(outside):
                where = "" if arr.ndim == 0 else f" at index {tuple(int(i) for i in np.argwhere(outside)[0])}"
                raise ValueError(
                    f"parameter {name!r} of model {model.name!r} must be {valid.describe()}; "
                    f"got {float(arr[outside].flat[0])!r}{where}"
                )
    return params


def _model_of(state_type):
    """The registered model whose State class this is (for error messages), or None."""
    from ..models import MODELS

    for model in MODELS.values():
        if state_type is model.State:
            return model.name
    return None


def model_state(model, value, argument, *, allow_none_leaves=False):
    """``value`` as ``model.State``: the State itself, a NamedTuple with the same field names, a dict of them,
    or a plain tuple/list of one value per field (in the State's order).

    A State of another model is refused, not read by position.
    """
    fields = tuple(model.State._fields)
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - set(fields))
        missing = [f for f in fields if f not in value]
        if unknown or missing:
            raise ValueError(
                f"{argument} of model {model.name!r} must give every State field {fields}; "
                f"unknown: {unknown}, missing: {missing}"
            )
        return model.State(**{f: value[f] for f in fields})
    own = getattr(type(value), "_fields", None)
    if own is not None:
        if tuple(own) != fields:
            other = _model_of(type(value))
            kind = f"a State of model {other!r}" if other else f"a {type(value).__name__}"
            raise TypeError(
                f"{argument} is {kind} with fields {tuple(own)}; model {model.name!r} needs its own State with "
                f"fields {fields} ({model.name}.State(...) or a dict of those names)"
            )
        return value if isinstance(value, model.State) else model.State(*value)
    if not isinstance(value, (tuple, list)):
        raise TypeError(
            f"{argument} must be a {model.name}.State (fields {fields}) or a dict of those names; "
            f"got {type(value).__name__}"
        )
    if len(value) != len(fields):
        raise ValueError(f"{argument} must have {len(fields)} values, one per State field {fields}; got {len(value)}")
    state = model.State(*value)
    if not allow_none_leaves and any(v is None for v in state):
        raise ValueError(f"{argument}: every State field {fields} needs a value")
    return state


def check_start_values(argument, named_values):
    """Concrete start values must be real, finite and below the divergence bound (a run starting there would
    only be reported as diverged)."""
    for name, value in named_values:
        if value is None or not is_concrete(value):
            continue
        arr = np.asarray(value)
        if arr.dtype.kind not in ("i", "u", "f"):
            raise TypeError(f"{argument} value {name!r} must be real numbers; got dtype {arr.dtype}")
        arr = arr.astype(np.float64)
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{argument} value {name!r} contains NaN or Inf")
        if arr.size and np.max(np.abs(arr)) >= DIVERGENCE_BOUND:
            raise ValueError(
                f"{argument} value {name!r} reaches {np.max(np.abs(arr)):.3g}, at or beyond the divergence bound "
                f"{DIVERGENCE_BOUND:g}: such a run would only be reported as diverged"
            )
