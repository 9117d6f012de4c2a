"""evolution_frames: one panel per generation with its population, the target curve, the box, one colour bar."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from jaxbrain.plot import evolution_frames  # noqa: E402


def _panels(fig):
    return [ax for ax in fig.axes if ax.get_visible() and ax.get_title().startswith("generation")]


def test_one_panel_per_generation_with_its_population(genealogy_result):
    res = genealogy_result
    angle = np.linspace(0.0, 2.0 * np.pi, 50)
    fig = evolution_frames(res, target=(np.cos(angle), np.sin(angle)))
    assert isinstance(fig, Figure)
    panels = _panels(fig)
    assert [ax.get_title() for ax in panels] == ["generation 0", "generation 1", "generation 2"]
    for g, ax in enumerate(panels):
        offspring, *population = [c for c in ax.collections if isinstance(c, PathCollection)]
        assert len(offspring.get_offsets()) == 4  # evaluated in generation g
        pop = res.population[g]
        drawn = np.concatenate([c.get_offsets() for c in population])
        np.testing.assert_allclose(np.sort(drawn, axis=0), np.sort(res.params[pop][:, :2], axis=0))
        (curve,) = ax.get_lines()
        np.testing.assert_allclose(curve.get_xdata(), np.cos(angle))
        assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-3.0, 3.0)  # the search box
    assert len([c for c in panels[1].collections if isinstance(c, PathCollection)]) == 2  # all valid
    assert panels[0].get_ylabel() == "y" and panels[-1].get_xlabel() == "x"
    colorbars = [ax for ax in fig.axes if ax.get_ylabel().startswith("score")]
    assert len(colorbars) == 1


def test_invalid_members_are_crosses(genealogy_result):
    res = genealogy_result._replace(population=np.array([[0, 1, 2, 3], [4, 5, 7, 1], [8, 9, 11, 4]]))
    panel = _panels(evolution_frames(res))[1]
    offspring, valid, invalid = [c for c in panel.collections if isinstance(c, PathCollection)]
    assert len(valid.get_offsets()) == 3
    np.testing.assert_allclose(invalid.get_offsets(), res.params[[7], :2])


def test_chosen_parameters_generations_and_no_offspring(genealogy_result):
    fig = evolution_frames(genealogy_result, x="z", y="x", generations=[-1], offspring=False, target=np.ones((3, 2)))
    (ax,) = _panels(fig)
    assert ax.get_title() == "generation 2"
    assert ax.get_xlabel() == "z" and ax.get_ylabel() == "x"
    (population,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    np.testing.assert_allclose(population.get_offsets(), genealogy_result.params[[8, 9, 11, 4]][:, [2, 0]])


def test_many_generations_give_twelve_frames_with_the_first_and_last(long_result):
    fig = evolution_frames(long_result(30), cols=5)
    titles = [ax.get_title() for ax in _panels(fig)]
    assert len(titles) == 12
    assert titles[0] == "generation 0" and titles[-1] == "generation 29"
    assert sum(not ax.get_visible() for ax in fig.axes) == 3  # 3 rows of 5 panels, 12 used


def test_bad_input(genealogy_result, long_result):
    with pytest.raises(ValueError, match="at least two parameters"):
        evolution_frames(long_result(2, names=("x",)))
    with pytest.raises(ValueError, match="`x` 'w' is not a parameter"):
        evolution_frames(genealogy_result, x="w")
    with pytest.raises(ValueError, match="two different parameters"):
        evolution_frames(genealogy_result, x="y")
    with pytest.raises(ValueError, match="out of range for 3"):
        evolution_frames(genealogy_result, generations=[0, 3])
    with pytest.raises(ValueError, match="`target` must be"):
        evolution_frames(genealogy_result, target=np.ones((4, 3)))
    with pytest.raises(ValueError, match="`target` contains"):
        evolution_frames(genealogy_result, target=[[0.0, np.nan], [1.0, 1.0]])
    with pytest.raises(ValueError, match="`cols`"):
        evolution_frames(genealogy_result, cols=0)
    with pytest.raises(TypeError, match="`result` must be"):
        evolution_frames(np.zeros((3, 2)))
