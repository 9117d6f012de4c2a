"""The box an evolution searches: one ``[low, high]`` interval per parameter, validated once."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..explore import ParameterSpace


class Bounds(NamedTuple):
    """The search box.

    Attributes:
        names: the parameter names, in genome order.
        low: ``(n_params,)`` lower bounds (float64).
        high: ``(n_params,)`` upper bounds (float64), ``high > low``.
    """

    names: tuple
    low: np.ndarray
    high: np.ndarray


def as_bounds(space):
    """The :class:`Bounds` of ``space``: a ``ParameterSpace(..., kind="bound")`` or a dict name → ``(low, high)``.

    Raises:
        ValueError: naming ``space`` or the parameter, if the space is not a box of finite ``[low, high]`` pairs
            of real numbers with ``low < high``.
        TypeError: a parameter name that is not a string.
    """
    if isinstance(space, Bounds):
        return space
    if isinstance(space, ParameterSpace):
        if space.kind != "bound":
            raise ValueError(
                f"space must be a box: ParameterSpace({{...}}, kind='bound') with one [low, high] per parameter; "
                f"got kind {space.kind!r}"
            )
        pairs = space.dict()
    elif isinstance(space, dict):
        pairs = space
    else:
        raise ValueError(
            "space must be ParameterSpace({name: [low, high]}, kind='bound') or a dict name -> (low, high); "
            f"got {type(space).__name__}"
        )
    if not pairs:
        raise ValueError("space must name at least one parameter")
    names, low, high = [], [], []
    for name, pair in pairs.items():
        if not isinstance(name, str):
            raise TypeError(f"space: parameter names must be strings; got {name!r} ({type(name).__name__})")
        try:
            values = np.asarray(pair)
        except (TypeError, ValueError):
            values = None
        # Only real numbers: "0", True or 1j would be converted without a word ("0:1", a string, is refused too).
        if values is None or values.shape != (2,) or values.dtype.kind not in "iuf" or isinstance(pair, str):
            raise ValueError(f"bound of {name!r} must be [low, high] (two real numbers); got {pair!r}")
        values = values.astype(np.float64)
        if not np.all(np.isfinite(values)):
            raise ValueError(f"bound of {name!r} must be finite; got {pair!r}")
        if not values[0] < values[1]:
            raise ValueError(f"bound of {name!r} must have low < high; got [{values[0]}, {values[1]}]")
        names.append(str(name))
        low.append(values[0])
        high.append(values[1])
    return Bounds(tuple(names), np.asarray(low), np.asarray(high))
