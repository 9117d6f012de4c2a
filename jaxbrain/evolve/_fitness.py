"""Fitness functions: batching per-individual functions, checking what they return, weighting objectives.

:func:`jaxbrain.evolve.evolve` calls its fitness function once per generation with the whole population,
``fitness_fn(params) -> fitness`` where ``params`` maps each parameter name to a ``(P,)`` array and
``fitness`` is ``(P,)`` (one objective) or ``(P, n_objectives)``. A function written for one individual is
turned into that form by :func:`vmap_fitness` (JAX-traceable functions: one vectorised, jit-compiled call)
or :func:`loop_fitness` (anything else: a Python loop).

Weights follow neurolib's ``weightList`` (DEAP's fitness weights): ``+1`` maximises an objective, ``-1``
minimises it, and an individual's *score* is the mean of its weighted objectives,
$\\mathrm{score} = \\frac{1}{M}\\sum_m w_m f_m$. An individual whose objectives are not all finite is
*invalid*: it has no score (NaN) and ranks below every valid individual.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def vmap_fitness(f, *, jit=True):
    """Batch a JAX-traceable per-individual fitness function with ``jax.vmap``.

    Args:
        f: ``f(params) -> fitness`` for one individual: ``params`` maps names to scalars; ``fitness`` is a
            scalar, a tuple of scalars (one per objective, neurolib's ``fitness_tuple``) or an ``(M,)`` array.
        jit: compile the batched function with ``jax.jit``.

    Returns:
        ``batched(params) -> (P, M)`` for ``params`` mapping names to ``(P,)`` arrays.

    Example:
        >>> circle = vmap_fitness(lambda p: -jnp.abs(p["x"] ** 2 + p["y"] ** 2 - 1.0))
        >>> circle({"x": jnp.array([1.0, 0.0]), "y": jnp.array([0.0, 2.0])})  # [[-0.], [-3.]]
    """
    _check_function(f, "vmap_fitness")
    if not isinstance(jit, (bool, np.bool_)):
        raise TypeError(f"vmap_fitness: jit must be True or False; got {jit!r}")

    def one(params):
        out = f(params)
        if isinstance(out, (tuple, list)):
            dtype = jnp.result_type(*(jnp.asarray(x).dtype for x in out), float)
            return jnp.stack([jnp.asarray(x, dtype).reshape(()) for x in out])
        out = jnp.asarray(out)
        return jnp.atleast_1d(out.astype(jnp.result_type(out.dtype, float)))

    batched = jax.vmap(one)
    return jax.jit(batched) if jit else batched


def loop_fitness(f):
    """Batch any per-individual fitness function with a Python loop (for functions JAX cannot trace).

    Args:
        f: ``f(params) -> fitness`` for one individual: ``params`` maps names to Python floats; ``fitness`` is
            a number, a tuple of numbers or a 1-D array.

    Returns:
        ``batched(params) -> (P, M)`` numpy array, calling ``f`` once per individual in order.
    """
    _check_function(f, "loop_fitness")

    def batched(params):
        host = {name: np.asarray(v, dtype=np.float64) for name, v in params.items()}
        n = len(next(iter(host.values())))
        rows = [np.atleast_1d(np.asarray(f({k: float(v[i]) for k, v in host.items()}), np.float64)) for i in range(n)]
        return np.stack(rows) if rows else np.zeros((0, 1))

    return batched


def _check_function(f, where):
    # Checked here: a wrapped non-function would only fail inside the first generation, far from the mistake.
    if not callable(f):
        raise TypeError(f"{where}: f must be a function of one individual's parameters; got {type(f).__name__}")


def check_fitness(raw, n_individuals, n_objectives):
    """What a fitness function returned, as a ``(P, M)`` float64 array; ``ValueError`` if the shape is wrong."""
    try:
        fitness = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"fitness_fn must return numbers, a (P,) or (P, M) array; got {type(raw).__name__}") from err
    if fitness.ndim == 1:
        fitness = fitness[:, None]
    if fitness.ndim != 2 or fitness.shape[0] != n_individuals:
        raise ValueError(
            f"fitness_fn must return a ({n_individuals},) or ({n_individuals}, n_objectives) array for a batch of "
            f"{n_individuals} individuals; got shape {np.shape(raw)}"
        )
    if fitness.shape[1] != n_objectives:
        raise ValueError(
            f"weights has {n_objectives} entr{'y' if n_objectives == 1 else 'ies'} but fitness_fn returned "
            f"{fitness.shape[1]} objective(s): give one weight per objective"
        )
    return fitness


def valid_mask(fitness):
    """``(P,)`` bool: every objective of the individual is finite."""
    return jnp.all(jnp.isfinite(fitness), axis=-1)


def weighted(fitness, weights):
    """``(P, M)`` weighted fitness $w_m f_m$ (larger is better), with ``-inf`` rows for invalid individuals."""
    w = fitness * weights[None, :]
    return jnp.where(valid_mask(fitness)[:, None], w, -jnp.inf)


def score(wfitness):
    """``(P,)`` score: the mean weighted fitness, ``-inf`` for invalid individuals."""
    return jnp.mean(wfitness, axis=-1)
