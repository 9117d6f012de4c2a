"""The structural network drawn on the region coordinates, in one anatomical view."""

from __future__ import annotations

import numpy as np

from ..network import Connectome
from ._common import as_finite, figure_and_axes, square_matrix

# view -> (horizontal axis, vertical axis, depth axis) as indices into (x, y, z), and the sign of the depth axis
# that points at the viewer: from above (+z), from the right (+x), from behind (-y).
_VIEWS = {"axial": (0, 1, 2, 1.0), "sagittal": (1, 2, 0, 1.0), "coronal": (0, 2, 1, -1.0)}
_AXIS_NAMES = ("x (left → right)", "y (posterior → anterior)", "z (inferior → superior)")
_DEFAULT_PERCENTILE = 90.0


def brain_network(
    network,
    node_values=None,
    *,
    threshold=None,
    percentile=None,
    view="axial",
    ax=None,
    cmap="viridis",
    node_size=40.0,
    edge_color="0.25",
    max_edge_width=3.0,
    value_label=None,
    vmin=None,
    vmax=None,
):
    r"""Draw a connectome on its region coordinates: nodes coloured by a value, the strongest edges as lines.

    The regions are projected onto one anatomical plane: ``"axial"`` (seen from above: x across, y up),
    ``"sagittal"`` (seen from the right: y across, z up) or ``"coronal"`` (seen from behind: x across, z up),
    so the left hemisphere is on the left in the axial and coronal views. The coordinates are read as
    x: left → right, y: posterior → anterior, z: inferior → superior (MNI's convention, and that of the AAL2
    centres bundled with the ``gw`` and ``hcp`` datasets). Nodes nearer the viewer are drawn on top.

    A pair of regions $i < j$ has the edge strength $s_{ij} = \max(|W_{ij}|, |W_{ji}|)$ (the stronger
    direction). Edges with $s_{ij} >$ ``threshold`` are drawn; or, with ``percentile`` $p$, the non-zero ones at or
    above the $p$-th percentile of the non-zero strengths (default $p = 90$: the strongest tenth). An edge's opacity and
    width grow linearly with its strength, from faint and thin at the cut-off to opaque and
    ``max_edge_width`` at the strongest edge.

    Args:
        network: a :class:`~jaxbrain.Connectome` with ``coords`` (e.g. ``Connectome.from_dataset(Dataset("gw"))``),
            or a pair ``(weights, coords)``: ``(N, N)`` weights and ``(N, 3)`` region centres.
        node_values: one value per region, ``(N,)``, for the nodes' colours (e.g. the mean activity), shown
            with a colour bar; ``None``: one colour.
        threshold: draw the edges with strength above this value (weights' units).
        percentile: draw the edges at or above this percentile (0–100) of the non-zero strengths (0: every
            non-zero edge); give at most one of ``threshold`` and ``percentile``.
        view: ``"axial"``, ``"sagittal"`` or ``"coronal"``.
        ax: the ``matplotlib`` axes to draw on; default a new figure.
        cmap: the colour map of the node values.
        node_size: marker area in points², a number or one per region ``(N,)``.
        edge_color: the colour of the edges.
        max_edge_width: line width of the strongest edge, in points.
        value_label: the colour bar's label.
        vmin: lower end of the colour scale (default: the smallest value).
        vmax: upper end of the colour scale (default: the largest value).

    Returns:
        The :class:`matplotlib.figure.Figure`, never shown; a new figure is not registered with ``pyplot``.

    Raises:
        ValueError: no coordinates (a connectome built without ``coords``), misshapen or non-finite weights,
            coordinates or node values, an unknown view, both or an out-of-range threshold and percentile.

    Example:
        >>> ds = Dataset("gw")
        >>> mean_x = res.outputs["x"].mean(axis=0)
        >>> brain_network(Connectome.from_dataset(ds), mean_x, view="sagittal").savefig("network.png")
    """
    from matplotlib.collections import LineCollection
    from matplotlib.colors import to_rgba

    weights, coords = _weights_and_coords(network)
    n = weights.shape[0]
    if view not in _VIEWS:
        raise ValueError(f"`view` must be one of {', '.join(map(repr, _VIEWS))}; got {view!r}")
    if node_values is not None:
        node_values = as_finite("node_values", node_values, ndim=1)
        if node_values.shape[0] != n:
            raise ValueError(f"`node_values` must have one value per region ({n}); got shape {node_values.shape}")
    sizes = as_finite("node_size", node_size, ndim=(0, 1))
    if sizes.ndim == 1 and sizes.shape[0] != n:
        raise ValueError(f"`node_size` must be a number or one per region ({n}); got shape {sizes.shape}")
    if max_edge_width <= 0:
        raise ValueError(f"`max_edge_width` must be positive (points); got {max_edge_width!r}")

    rows, cols, strength = _edges(weights, threshold, percentile)
    h, v, depth, toward_viewer = _VIEWS[view]
    fig, ax = figure_and_axes(ax, (5.4, 4.8))

    if strength.size:
        lo, hi = strength.min(), strength.max()
        scale = (strength - lo) / (hi - lo) if hi > lo else np.ones_like(strength)
        order = np.argsort(scale, kind="stable")  # strongest edges on top
        segments = np.stack([coords[rows][:, [h, v]], coords[cols][:, [h, v]]], axis=1)[order]
        colours = np.tile(to_rgba(edge_color), (len(order), 1))
        colours[:, 3] = 0.12 + 0.78 * scale[order]
        widths = max_edge_width * (0.15 + 0.85 * scale[order])
        ax.add_collection(LineCollection(segments, colors=colours, linewidths=widths, zorder=1))

    front = np.argsort(toward_viewer * coords[:, depth], kind="stable")  # the nearest drawn last
    scatter_kwargs = dict(s=sizes[front] if sizes.ndim else float(sizes), edgecolors="k", linewidths=0.5, zorder=2)
    if node_values is None:
        ax.scatter(coords[front, h], coords[front, v], color="C0", **scatter_kwargs)
    else:
        points = ax.scatter(
            coords[front, h], coords[front, v], c=node_values[front], cmap=cmap, vmin=vmin, vmax=vmax, **scatter_kwargs
        )
        fig.colorbar(points, ax=ax, label=value_label or "", shrink=0.8)
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.margins(0.06)
    ax.set_xlabel(_AXIS_NAMES[h])
    ax.set_ylabel(_AXIS_NAMES[v])
    ax.set_title(f"{view} view: {n} regions, {strength.size} edges", fontsize="medium")
    return fig


def _weights_and_coords(network):
    if isinstance(network, Connectome):
        if network.coords is None:
            raise ValueError(
                "`network` has no region coordinates (Connectome(..., coords=None)): build it with coords=(N, 3) "
                "region centres, e.g. Connectome.from_dataset(Dataset('gw')), or pass (weights, coords)"
            )
        return np.asarray(network.weights, dtype=np.float64), np.asarray(network.coords, dtype=np.float64)
    if isinstance(network, (tuple, list)) and len(network) == 2:
        weights = square_matrix("network weights", network[0])
        if network[1] is None:
            raise ValueError("`network` has no region coordinates: pass (weights, coords) with coords (N, 3)")
        coords = as_finite("network coords", network[1], ndim=2)
        if coords.shape != (weights.shape[0], 3):
            raise ValueError(
                f"`network` coords must be (N, 3) region centres with N = {weights.shape[0]}; got {coords.shape}"
            )
        return weights, coords
    raise TypeError(f"`network` must be a Connectome or a pair (weights, coords); got {type(network).__name__}")


def _edges(weights, threshold, percentile):
    """Rows, columns and strengths of the pairs i < j to draw."""
    if threshold is not None and percentile is not None:
        raise ValueError("give at most one of `threshold` and `percentile`")
    pair = np.maximum(np.abs(weights), np.abs(weights.T))
    rows, cols = np.triu_indices(weights.shape[0], k=1)
    strength = pair[rows, cols]
    if threshold is None:
        if percentile is None:
            percentile = _DEFAULT_PERCENTILE
        if not 0.0 <= percentile <= 100.0:
            raise ValueError(f"`percentile` must lie in [0, 100]; got {percentile!r}")
        nonzero = strength[strength > 0]
        cut = float(np.percentile(nonzero, percentile)) if nonzero.size else np.inf
        keep = (strength >= cut) & (strength > 0)
    else:
        if not np.isfinite(threshold):
            raise ValueError(f"`threshold` must be a finite number; got {threshold!r}")
        keep = strength > threshold
    return rows[keep], cols[keep], strength[keep]
