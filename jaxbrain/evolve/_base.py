"""The protocol every evolutionary algorithm of :func:`jaxbrain.evolve.evolve` follows: a bundle of pure functions."""

from __future__ import annotations

import functools as ft
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
        config: JSON-able description of the settings (operators, hyper-parameters) that identify the algorithm
            in a checkpoint.
    """

    name: str
    random: Callable
    decode: Callable
    init: Callable
    ask: Callable
    tell: Callable
    population: Callable
    config: dict


def describe(fn):
    """A stable text description of an operator or setting (for checkpoint fingerprints)."""
    if isinstance(fn, ft.partial):
        keywords = [f"{k}={describe(v)}" for k, v in sorted(fn.keywords.items())]
        args = ", ".join([describe(a) for a in fn.args] + keywords)
        return f"{describe(fn.func)}({args})"
    if callable(fn):
        return f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', type(fn).__qualname__)}"
    return repr(fn)
