"""genealogy_tree: one node per individual in its generation's row, one line per parent link, lineages, checks."""

from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from jaxbrain.plot import genealogy_tree  # noqa: E402


def _parts(fig):
    ax = fig.axes[0]
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    return ax, scatters, (lines[0] if lines else None)


def test_every_individual_and_every_parent_link(genealogy_result):
    res = genealogy_result
    fig = genealogy_tree(res)
    assert isinstance(fig, Figure)
    ax, scatters, lines = _parts(fig)
    valid, invalid, best = scatters
    assert len(valid.get_offsets()) == 11 and len(invalid.get_offsets()) == 1
    np.testing.assert_allclose(np.sort(valid.get_array()), np.sort(-np.delete(res.fitness[:, 0], 7)))
    assert invalid.get_offsets()[0][1] == 1.0  # individual 7 is in generation 1's row
    # Best (id 8, fitness 0.05) is ringed, in generation 2's row.
    assert best.get_offsets()[0][1] == 2.0
    segments = lines.get_segments()
    assert len(segments) == len(res.edges()) == 14
    # Each line joins a parent's row to its child's: 0 -> 1 for the children of gen 0, and so on.
    rows = sorted((s[0][1], s[1][1]) for s in segments)
    expected = sorted((float(res.generation[p]), float(res.generation[c])) for p, c in res.edges())
    assert rows == expected
    assert ax.get_ylabel() == "generation"
    assert ax.yaxis_inverted()  # generation 0 at the top
    assert len(fig.axes) == 2  # the score's colour bar
    assert "12 of 12" in ax.get_title()


def test_generation_zero_is_sorted_by_score(genealogy_result):
    _, scatters, _ = _parts(genealogy_tree(genealogy_result))
    offsets, scores = scatters[0].get_offsets(), scatters[0].get_array()
    first = offsets[:, 1] == 0.0
    order = np.argsort(offsets[first, 0])
    assert np.all(np.diff(scores[first][order]) < 0)  # best (highest score) on the left


def test_lineage_of_the_best(genealogy_result):
    ax, scatters, lines = _parts(genealogy_tree(genealogy_result, lineage_of="best"))
    assert len(scatters[0].get_offsets()) == 5  # 8 and its ancestors 4, 5, 0, 1
    assert len(scatters) == 2  # no invalid individual in that lineage; the ring of the best
    assert len(lines.get_segments()) == 6  # 0->4, 1->4, 0->5, 1->5, 4->8, 5->8
    assert "5 of 12" in ax.get_title()


def test_lineage_of_ids_and_of_the_population(genealogy_result):
    _, scatters, lines = _parts(genealogy_tree(genealogy_result, lineage_of=[10]))
    assert len(scatters[0].get_offsets()) == 3  # 10, 6, 2
    assert len(lines.get_segments()) == 3  # 6->10, 2->10, 2->6
    _, scatters, _ = _parts(genealogy_tree(genealogy_result, lineage_of="population"))
    assert len(scatters[0].get_offsets()) == 7  # 8, 9, 11, 4 and their ancestors 5, 0, 1


def test_accepts_a_run_compat_evolution_and_given_axes(genealogy_result):
    fig = Figure()
    ax = fig.add_subplot()
    assert genealogy_tree(SimpleNamespace(result=genealogy_result), ax=ax) is fig
    with pytest.raises(ValueError, match="has not run yet"):
        genealogy_tree(SimpleNamespace(result=None))


def test_bad_input(genealogy_result):
    with pytest.raises(TypeError, match="`result` must be an EvolutionResult"):
        genealogy_tree({"params": []})
    with pytest.raises(ValueError, match="`lineage_of`"):
        genealogy_tree(genealogy_result, lineage_of="worst")
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 12\)"):
        genealogy_tree(genealogy_result, lineage_of=12)
    with pytest.raises(ValueError, match="`lineage_of`"):
        genealogy_tree(genealogy_result, lineage_of=[1.5])
    nothing_valid = genealogy_result._replace(fitness=np.full_like(genealogy_result.fitness, np.nan))
    with pytest.raises(ValueError, match="no individual of the evolution is valid"):
        genealogy_tree(nothing_valid, lineage_of="best")
