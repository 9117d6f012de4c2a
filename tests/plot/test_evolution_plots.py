"""evolution_progress / evolution_population: the curves and panels they promise, from a synthetic result."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from jaxbrain.evolve import EvolutionResult  # noqa: E402
from jaxbrain.plot import evolution_population, evolution_progress  # noqa: E402


def _result():
    """3 generations, population 4, one objective to minimise; individual 5 is invalid."""
    rng = np.random.default_rng(0)
    n = 4 + 2 * 4
    fitness = rng.uniform(0.0, 1.0, (n, 1))
    fitness[5] = np.nan
    population = np.array([[0, 1, 2, 3], [4, 0, 5, 1], [8, 9, 4, 0]])
    return EvolutionResult(
        names=("x", "y", "z"), low=np.array([-1.0, 0.0, 0.0]), high=np.array([1.0, 2.0, 5.0]),
        weights=np.array([-1.0]), params=rng.uniform(0.0, 1.0, (n, 3)), fitness=fitness,
        generation=np.repeat([0, 1, 2], 4), parents=np.full((n, 2), -1), population=population,
        n_invalid=np.array([0, 1, 0]), n_replaced=np.array([0, 0, 1]), algorithm="adaptive", state=None, meta={},
    )  # fmt: skip


def test_progress_lines():
    res = _result()
    fig = evolution_progress(res)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert {"best", "mean", "median", "best so far"} <= set(lines)
    scores = -res.fitness[:, 0]
    pop = scores[res.population]
    np.testing.assert_allclose(lines["best"].get_ydata(), np.nanmax(pop, axis=1))
    np.testing.assert_allclose(lines["mean"].get_ydata(), np.nanmean(pop, axis=1))
    assert len(ax.collections) == 2  # two percentile bands
    assert any("1✗" in t.get_text() for t in ax.texts)  # the invalid individual of generation 1


def test_progress_on_given_axes_and_bad_percentiles():
    res = _result()
    fig = Figure()
    ax = fig.add_subplot()
    assert evolution_progress(res, ax=ax, percentiles=()) is fig
    with pytest.raises(ValueError, match="percentiles"):
        evolution_progress(res, percentiles=(5, 50, 95))


def test_population_panels():
    res = _result()
    fig = evolution_population(res)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_xlabel() for ax in visible] == ["x", "y", "z"]
    assert visible[2].get_xlim() == (0.0, 5.0)
    heights = sum(p.get_height() for p in visible[0].patches if p.get_facecolor()[:3] != (0.75, 0.75, 0.75))
    assert heights == 4  # the last population, one bar stack over the range
