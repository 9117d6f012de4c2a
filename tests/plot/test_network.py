"""brain_network: N nodes, the edges above a threshold or percentile, the chosen projection, input checks."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from jaxbrain import Connectome, Dataset  # noqa: E402
from jaxbrain.plot import brain_network  # noqa: E402

COORDS = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 5.0], [0.0, 10.0, 10.0], [10.0, 10.0, 15.0], [5.0, 5.0, 20.0]])
# Pair strengths max(|W_ij|, |W_ji|) for i < j: 0-1: 0.9, 0-2: 0.5 (only 2 -> 0), 1-3: 0.3, 2-4: 0.1 (signed),
# 3-4: 0.7; the other five pairs are 0.
WEIGHTS = np.zeros((5, 5))
WEIGHTS[0, 1], WEIGHTS[1, 0] = 0.9, 0.4
WEIGHTS[0, 2] = 0.5
WEIGHTS[1, 3] = WEIGHTS[3, 1] = 0.3
WEIGHTS[2, 4] = -0.1
WEIGHTS[3, 4] = WEIGHTS[4, 3] = 0.7


def _parts(fig):
    ax = fig.axes[0]
    (nodes,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    edges = [c for c in ax.collections if isinstance(c, LineCollection)]
    return ax, nodes, (edges[0] if edges else None)


@pytest.mark.parametrize(("threshold", "expected"), [(0.0, 5), (0.2, 4), (0.4, 3), (0.8, 1), (0.95, 0)])
def test_edges_above_a_threshold(threshold, expected):
    fig = brain_network((WEIGHTS, COORDS), threshold=threshold)
    assert isinstance(fig, Figure)
    _, nodes, edges = _parts(fig)
    assert len(nodes.get_offsets()) == 5
    assert (0 if edges is None else len(edges.get_segments())) == expected


def test_edge_width_and_opacity_grow_with_weight():
    _, _, edges = _parts(brain_network((WEIGHTS, COORDS), threshold=0.2))
    segments = [tuple(map(tuple, s)) for s in edges.get_segments()]
    widths, alphas = edges.get_linewidths(), edges.get_colors()[:, 3]
    strongest = segments.index(((0.0, 0.0), (10.0, 0.0)))  # 0-1 in the axial view
    weakest = segments.index(((10.0, 0.0), (10.0, 10.0)))  # 1-3
    assert widths[strongest] == max(widths) > widths[weakest] == min(widths)
    assert alphas[strongest] == max(alphas) > alphas[weakest] == min(alphas)


def test_percentile_and_views():
    _, _, edges = _parts(brain_network((WEIGHTS, COORDS), percentile=0.0))
    assert len(edges.get_segments()) == 5  # every non-zero pair
    _, _, edges = _parts(brain_network((WEIGHTS, COORDS), percentile=50.0))
    assert len(edges.get_segments()) == 3  # the median of 0.1, 0.3, 0.5, 0.7, 0.9 and above

    ax, nodes, _ = _parts(brain_network((WEIGHTS, COORDS), view="sagittal"))
    assert ax.get_xlabel().startswith("y") and ax.get_ylabel().startswith("z")
    assert sorted(map(tuple, nodes.get_offsets())) == sorted(map(tuple, COORDS[:, [1, 2]]))
    ax, nodes, _ = _parts(brain_network((WEIGHTS, COORDS), view="coronal"))
    assert ax.get_xlabel().startswith("x") and ax.get_ylabel().startswith("z")
    assert sorted(map(tuple, nodes.get_offsets())) == sorted(map(tuple, COORDS[:, [0, 2]]))


def test_node_colours_from_values_with_colour_bar():
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    fig = brain_network(Connectome(WEIGHTS, coords=COORDS), values, value_label="rate (Hz)", view="coronal")
    _, nodes, _ = _parts(fig)
    # The coronal view is seen from behind, so nodes are drawn from the front (largest y) back: 2, 3, 4, 0, 1.
    np.testing.assert_allclose(nodes.get_array(), values[[2, 3, 4, 0, 1]])
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "rate (Hz)"
    assert len(brain_network((WEIGHTS, COORDS)).axes) == 1  # no values, no colour bar


def test_bundled_dataset_has_coordinates():
    net = Connectome.from_dataset(Dataset("gw"))
    fig = brain_network(net, np.arange(80.0))
    _, nodes, edges = _parts(fig)
    assert len(nodes.get_offsets()) == 80
    rows, cols = np.triu_indices(80, k=1)
    strength = np.maximum(net.weights, net.weights.T)[rows, cols]
    assert len(edges.get_segments()) == np.sum(strength >= np.percentile(strength[strength > 0], 90))


@pytest.mark.parametrize(
    ("network", "kwargs", "match"),
    [
        (Connectome(WEIGHTS), {}, "no region coordinates"),
        ((WEIGHTS, None), {}, "no region coordinates"),
        ((WEIGHTS, COORDS[:, :2]), {}, r"coords must be \(N, 3\)"),
        ((WEIGHTS[:4], COORDS), {}, "`network weights` must be a square"),
        ((np.where(WEIGHTS > 0.8, np.nan, WEIGHTS), COORDS), {}, "`network weights` contains 1 NaN"),
        ((WEIGHTS, COORDS), dict(node_values=np.ones(4)), "`node_values` must have one value per region"),
        ((WEIGHTS, COORDS), dict(node_values=np.full(5, np.nan)), "`node_values` contains 5 NaN"),
        ((WEIGHTS, COORDS), dict(view="top"), "`view` must be one of"),
        ((WEIGHTS, COORDS), dict(threshold=0.1, percentile=50.0), "at most one"),
        ((WEIGHTS, COORDS), dict(percentile=150.0), r"\[0, 100\]"),
    ],
)
def test_bad_input(network, kwargs, match):
    with pytest.raises(ValueError, match=match):
        brain_network(network, **kwargs)
