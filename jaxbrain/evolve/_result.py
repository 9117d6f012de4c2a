"""What an evolution returns: every evaluated individual, the population of every generation, the genealogy."""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np


class Generation(NamedTuple):
    """One generation: the batch it evaluated and the population it left.

    Attributes:
        index: the generation (0 = the random initial population).
        ids: ``(B,)`` ids of the individuals evaluated in this generation.
        params: ``(B, n_params)`` their parameter values.
        fitness: ``(B, M)`` their fitness (non-finite = invalid).
        parents: ``(B, 2)`` ids of each one's parents (``-1``: none).
        population: ``(P,)`` ids of the population after selection.
        n_invalid: how many of the evaluated individuals are invalid.
        n_replaced: how many invalid members of the previous population were replaced by random individuals
            (genetic algorithms; always 0 for evosax strategies, which tell invalid samples the worst fitness).
    """

    index: int
    ids: np.ndarray
    params: np.ndarray
    fitness: np.ndarray
    parents: np.ndarray
    population: np.ndarray
    n_invalid: int
    n_replaced: int


class EvolutionResult(NamedTuple):
    """What :func:`jaxbrain.evolve.evolve` returns. An individual's id is its row in the per-individual arrays.

    Attributes:
        names: parameter names, in column order.
        low, high: ``(n_params,)`` the box searched.
        weights: ``(M,)`` objective weights (+ maximise, − minimise).
        params: ``(N, n_params)`` every evaluated individual's parameters.
        fitness: ``(N, M)`` their fitness as returned (non-finite = invalid).
        generation: ``(N,)`` the generation each was evaluated in.
        parents: ``(N, 2)`` each one's parent ids (``-1``: none).
        population: ``(n_generations, P)`` ids of the population after each generation.
        n_invalid: ``(n_generations,)`` invalid individuals evaluated per generation.
        n_replaced: ``(n_generations,)`` invalid population members replaced by random ones per generation.
        algorithm: the algorithm's name.
        state: the algorithm's final state (e.g. an evosax strategy's mean and covariance).
        meta: the evolution's description as stored in its checkpoint: ``algorithm`` and its ``config``
            (operators, strategy options), ``names``, ``low``, ``high``, ``weights``, ``pop_size``,
            ``pop_init_size``, ``key`` (its key data), ``dtype``, ``tag``, and ``fingerprint``, a digest of the
            run settings a resume must match.
    """

    names: tuple
    low: np.ndarray
    high: np.ndarray
    weights: np.ndarray
    params: np.ndarray
    fitness: np.ndarray
    generation: np.ndarray
    parents: np.ndarray
    population: np.ndarray
    n_invalid: np.ndarray
    n_replaced: np.ndarray
    algorithm: str
    state: Any
    meta: dict

    # ---- individuals ------------------------------------------------------------------------------------

    @property
    def n_generations(self):
        return int(self.population.shape[0])

    @property
    def valid(self):
        """``(N,)`` bool: all objectives finite."""
        return np.all(np.isfinite(self.fitness), axis=-1)

    @property
    def score(self):
        """``(N,)`` mean weighted fitness $\\frac1M\\sum_m w_m f_m$ (NaN for invalid individuals)."""
        with np.errstate(invalid="ignore"):
            s = np.mean(self.fitness * self.weights, axis=-1)
        return np.where(self.valid, s, np.nan)

    @property
    def best_id(self):
        """Id of the valid individual with the highest score (``-1`` if none is valid)."""
        s = self.score
        return int(np.nanargmax(s)) if np.any(np.isfinite(s)) else -1

    @property
    def best_params(self):
        """The best individual's parameters, name → float."""
        if self.best_id < 0:
            raise ValueError("no valid individual was evaluated")
        return dict(zip(self.names, self.params[self.best_id].tolist()))

    @property
    def best_fitness(self):
        """``(M,)`` the best individual's fitness."""
        if self.best_id < 0:
            raise ValueError("no valid individual was evaluated")
        return self.fitness[self.best_id]

    def individual(self, ident):
        """Parameters of individual ``ident`` as name → float."""
        return dict(zip(self.names, self.params[int(ident)].tolist()))

    # ---- generations ------------------------------------------------------------------------------------

    def history(self, index):
        """Generation ``index`` as a :class:`Generation` (negative indices count from the end)."""
        g = range(self.n_generations)[index]
        ids = np.flatnonzero(self.generation == g)
        return Generation(
            g, ids, self.params[ids], self.fitness[ids], self.parents[ids], self.population[g],
            int(self.n_invalid[g]), int(self.n_replaced[g]),
        )  # fmt: skip

    def population_params(self, index=-1):
        """The population after generation ``index``: name → ``(P,)`` values."""
        ids = self.population[index]
        return {name: self.params[ids, i] for i, name in enumerate(self.names)}

    def stats(self, percentiles=(5, 25, 50, 75, 95)):
        """Per generation, over the valid members of the population: ``best``, ``mean``, the ``percentiles``
        (keys ``p5``, ``p25``, …) of the score; ``best_so_far`` over everyone evaluated up to then; ``n_valid``,
        ``n_invalid``. Each value is ``(n_generations,)``."""
        s = self.score
        pop = s[self.population]  # (G, P)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            # All-invalid generations are data, not a reason for "All-NaN slice" warnings.
            warnings.simplefilter("ignore", RuntimeWarning)
            out = {
                "best": np.nanmax(pop, axis=1),
                "mean": np.nanmean(pop, axis=1),
                **{f"p{q:g}": np.nanpercentile(pop, q, axis=1) for q in percentiles},
            }
            per_gen = np.array([np.nanmax(np.where(self.generation <= g, s, np.nan)) for g in range(len(pop))])
        out["best_so_far"] = per_gen
        out["n_valid"] = np.sum(np.isfinite(pop), axis=1)
        out["n_invalid"] = np.asarray(self.n_invalid)
        return out

    def front(self, index=-1):
        """Ids of the non-dominated valid members of the population after generation ``index`` (the Pareto
        front, with the weights' directions)."""
        ids = self.population[index]
        w = np.where(self.valid[ids, None], self.fitness[ids] * self.weights[None, :], -np.inf)
        # numpy, not the jitted sort: inspecting a result should not compile anything.
        dominated = np.any(np.all(w[:, None] >= w[None], axis=-1) & np.any(w[:, None] > w[None], axis=-1), axis=0)
        return np.unique(ids[~dominated & self.valid[ids]])

    # ---- genealogy ----------------------------------------------------------------------------------------

    def edges(self):
        """``(E, 2)`` int array of ``(parent_id, child_id)`` edges (each parent once per child)."""
        child = np.repeat(np.arange(len(self.parents)), 2)
        parent = self.parents.reshape(-1)
        pairs = np.stack([parent, child], axis=1)[parent >= 0]
        return np.unique(pairs, axis=0) if len(pairs) else pairs.reshape(0, 2)

    def to_networkx(self):
        """The genealogy as a ``networkx.DiGraph`` (parent → child; nodes carry ``generation``, ``score`` and the
        parameters). networkx is optional and imported here."""
        try:
            import networkx as nx
        except ImportError as err:
            raise ImportError(
                "to_networkx() needs networkx (pip install networkx); edges() gives the same graph as an edge list"
            ) from err
        graph = nx.DiGraph()
        s = self.score
        for i in range(len(self.params)):
            graph.add_node(i, generation=int(self.generation[i]), score=float(s[i]), **self.individual(i))
        graph.add_edges_from(map(tuple, self.edges().tolist()))
        return graph

    def table(self):
        """A pandas table with one row per evaluated individual: ``id``, ``gen``, the parameters, ``f0``…,
        ``score``, ``valid``, ``parent0``, ``parent1``."""
        import pandas as pd

        columns = {"id": np.arange(len(self.params)), "gen": self.generation}
        columns.update({name: self.params[:, i] for i, name in enumerate(self.names)})
        columns.update({f"f{m}": self.fitness[:, m] for m in range(self.fitness.shape[1])})
        columns.update(score=self.score, valid=self.valid, parent0=self.parents[:, 0], parent1=self.parents[:, 1])
        return pd.DataFrame(columns)
