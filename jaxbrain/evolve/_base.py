"""The protocol every evolutionary algorithm of :func:`jaxbrain.evolve.evolve` follows: a bundle of pure functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple


class Algorithm(NamedTuple):
    """An evolutionary algorithm as pure, jit-compilable functions over an explicit state (optax/evosax style).

    A *genome* is the algorithm's own encoding of an individual (``(G,)``); :attr:`decode` maps genomes to
    parameter values inside the box. ``wfitness`` is always the weighted fitness ``(B, M)`` (larger is
    better, ``-inf`` rows for invalid individuals) and ``ids`` the individuals' ``(B,)`` integer ids.

    Attributes:
        name: the name the algorithm was built from.
        random: ``(key, n) -> (n, G)`` new random genomes (the initial population; replacements of invalid ones).
        decode: ``(B, G) -> (B, n_params)`` parameter values of genomes.
        init: ``(key, genomes, wfitness, ids) -> state`` from the evaluated initial population.
        ask: ``(key, state) -> (genomes (P, G), parents (P, 2), state)``: the next batch to evaluate and, per
            individual, the population slots of its two parents (``-1``: none, a random newcomer or a sample).
        tell: ``(key, state, genomes, wfitness, ids) -> state`` once the batch is evaluated.
        population: ``state -> (genomes (P, G), wfitness (P, M), ids (P,))``, the current population.
        no_nan: ``state -> {name: array}``, the parts of a state that never hold NaN (checked when a checkpoint is
            resumed: a NaN there means a damaged or crafted file); ``None``: every leaf.
        config: the settings (operators, hyper-parameters) that identify the algorithm in a checkpoint, as
            :func:`jaxbrain._resume.canonical` describes them (functions by code and the values they close over).
    """

    name: str
    random: Callable
    decode: Callable
    init: Callable
    ask: Callable
    tell: Callable
    population: Callable
    config: dict
    no_nan: Callable | None = None
