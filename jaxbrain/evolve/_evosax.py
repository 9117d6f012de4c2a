"""Any evosax strategy (``CMA_ES``, ``SNES``, ``Open_ES``, ``DiffusionEvolution``, …) as an :class:`Algorithm`.

The strategy is used as is (its own ``ask``/``tell``, default hyper-parameters), with three conventions:

* **Coordinates.** The strategy searches the unit box: a genome $u$ maps to the parameters
  $x = \\mathrm{low} + \\mathrm{clip}(u, 0, 1)(\\mathrm{high} - \\mathrm{low})$. Samples outside the box are
  evaluated at the nearest point of the box and told to the strategy as sampled. Strategies with an initial
  step size ``std_init`` start at ``std_init=0.25`` (a quarter of every range) unless ``strategy_params``
  says otherwise.
* **Start.** The ``pop_init_size`` random individuals of generation 0 seed the strategy: a distribution-based
  strategy starts its mean at the best of them, a population-based one starts from the best ``pop_size``.
* **Objective.** evosax minimises one number, so it is told $-\\sum_m w_m f_m$ (weights +1 maximise, −1
  minimise, as for the genetic algorithms). An invalid individual (non-finite fitness) is told the worst
  finite value of its generation; it is counted as invalid like everywhere else (a distribution has no
  members to replace).

The ``evosax`` package is imported only when such an algorithm is built.
"""

from __future__ import annotations

import contextlib
import inspect
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import jax.random as jr

from .._resume import canonical
from ._base import Algorithm

DEFAULT_STD_INIT = 0.25


class EvosaxState(NamedTuple):
    """An evosax strategy's state and the last evaluated batch (the "population" of the history)."""

    strategy: Any
    genomes: jax.Array  # (P, n) unit-box coordinates
    wfitness: jax.Array  # (P, M)
    ids: jax.Array  # (P,)


@contextlib.contextmanager
def _evosax_numerics():
    # evosax mixes Python scalars, int32 counters and broadcasting of lower-rank arrays; the test suite's strict
    # promotion settings reject that, so they are relaxed while its code is traced.
    with jax.numpy_dtype_promotion("standard"), jax.numpy_rank_promotion("allow"):
        yield


def strategies():
    """evosax's strategies by name: its registry keys and its class names (``"DES"`` and ``"DiscoveredES"``)."""
    from evosax.algorithms import algorithms

    out = dict(algorithms)
    out.update({cls.__name__: cls for cls in algorithms.values()})
    return out


def evosax_algorithm(name, low, high, pop_size, n_gen, *, strategy_kwargs=None, strategy_params=None):
    """Wrap evosax strategy ``name`` as an :class:`Algorithm` over the box ``[low, high]``.

    Args:
        name: an evosax strategy name (see :func:`strategies`).
        low, high: ``(n,)`` parameter bounds (JAX arrays in the working dtype).
        pop_size: the strategy's population size.
        n_gen: generations of the evolution (passed as ``num_generations`` to strategies that take it).
        strategy_kwargs: extra constructor arguments (e.g. ``{"optimizer": optax.adam(0.05)}``).
        strategy_params: fields of the strategy's ``default_params`` to replace (e.g. ``{"std_init": 0.1}``).
    """
    from evosax.algorithms.population_based.base import PopulationBasedAlgorithm

    cls = strategies()[name]
    n = low.shape[0]
    kwargs = dict(strategy_kwargs or {})
    if "num_generations" in inspect.signature(cls.__init__).parameters:
        kwargs.setdefault("num_generations", max(n_gen - 1, 1))
    with _evosax_numerics():
        try:
            strategy = cls(population_size=pop_size, solution=jnp.zeros(n, low.dtype), **kwargs)
        except (TypeError, AssertionError) as err:
            raise ValueError(
                f"evosax strategy {name!r} cannot be built with population_size={pop_size} and "
                f"strategy_kwargs={sorted(kwargs)}: {err}"
            ) from err
        params = strategy.default_params
        overrides = dict(strategy_params or {})
        fields = set(getattr(params, "__dataclass_fields__", {}))
        unknown = sorted(set(overrides) - fields)
        if unknown:
            raise ValueError(f"strategy_params {unknown} are not parameters of {name}; valid: {sorted(fields)}")
        if "std_init" in fields:
            overrides.setdefault("std_init", DEFAULT_STD_INIT)
        params = params.replace(
            **{k: jnp.asarray(v, low.dtype) if isinstance(v, (int, float)) else v for k, v in overrides.items()}
        )
    population_based = isinstance(strategy, PopulationBasedAlgorithm)

    def told(wfitness):
        f = -jnp.sum(wfitness, axis=-1)
        finite = jnp.isfinite(f)
        worst = jnp.max(jnp.where(finite, f, -jnp.inf))
        return jnp.where(finite, f, jnp.where(jnp.any(finite), worst, 0.0))

    def random(key, count):
        return jr.uniform(key, (count, n), low.dtype)

    def decode(genomes):
        return low[None, :] + jnp.clip(genomes, 0.0, 1.0) * (high - low)[None, :]

    def init(key, genomes, wfitness, ids):
        f = told(wfitness)
        best = jnp.argsort(f, stable=True)[:pop_size]
        with _evosax_numerics():
            if population_based:
                es = strategy.init(key, genomes[best], f[best], params)
            else:
                es = strategy.init(key, genomes[best[0]], params)
        return EvosaxState(es, genomes[best], wfitness[best], ids[best])

    def ask(key, state):
        with _evosax_numerics():
            genomes, es = strategy.ask(key, state.strategy, params)
        parents = jnp.full((pop_size, 2), -1, jnp.int32)
        return genomes.astype(low.dtype), parents, state._replace(strategy=es)

    def tell(key, state, genomes, wfitness, ids):
        with _evosax_numerics():
            es, _ = strategy.tell(key, genomes, told(wfitness), state.strategy, params)
        return EvosaxState(es, genomes, wfitness, ids)

    def population(state):
        return state.genomes, state.wfitness, state.ids

    config = {
        "evosax": f"{cls.__module__}.{cls.__qualname__}",
        "strategy_kwargs": {k: canonical(v) for k, v in sorted(kwargs.items())},
        "strategy_params": {k: canonical(v) for k, v in sorted(overrides.items())},
    }

    def no_nan(state):
        # Some strategies keep NaN placeholders in their own state (GuidedES's grad, LM_MA_ES's M before it is
        # filled); the search distribution's centre and scale and the last batch never hold NaN.
        fields = ("mean", "std", "best_solution", "population")
        parts = {f"strategy.{f}": getattr(state.strategy, f) for f in fields if hasattr(state.strategy, f)}
        return {**parts, "genomes": state.genomes, "wfitness": state.wfitness}

    return Algorithm(name, random, decode, init, ask, tell, population, config, no_nan)
