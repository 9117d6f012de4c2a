"""neurolib's ``neurolib.optimize.evolution.evolution``: ``Evolution``."""

from __future__ import annotations

import copy
import math
import os

import numpy as np

from ...._resume import RunLock, canonical, fingerprint, run_settings
from ....explore import ParameterSpace
from ..._checks import _is_real_number, _seed
from ..._errors import NeurolibInputError
from ...models.model import Model, _model_settings
from ...utils.collections import _apply_star_names, _star_matches, dotdict
from .._files import _base_path, _check_filename, _flatten, _load_results, _save_results, _storable
from . import deapUtils as du


def _weights(weightList):
    """Evolution's ``weightList`` as a list of finite floats, one per objective (a string is not split)."""
    if weightList is None:
        return [1.0]
    if isinstance(weightList, (str, bytes)) or not isinstance(weightList, (list, tuple, np.ndarray)):
        raise TypeError(
            f"weightList must be a list of numbers, one weight per objective (e.g. [-1.0]); got "
            f"{type(weightList).__name__} {weightList!r}"
        )
    bad = [w for w in list(np.ravel(np.asarray(weightList, dtype=object))) if not _is_real_number(w)]
    if bad or np.ndim(weightList) != 1:
        raise TypeError(f"weightList must be a flat list of numbers; got {weightList!r}")
    weights = [float(w) for w in weightList]
    if not weights:
        raise ValueError("weightList must give one weight per objective (default [1.0])")
    if not all(math.isfinite(w) for w in weights):
        raise ValueError(f"weightList must hold finite numbers; got {weightList!r}")
    return weights


def _nest(flat):
    """``{"a.b": v}`` back to ``{"a": {"b": v}}`` (0-d arrays as Python scalars), as a dotdict."""
    out = dotdict()
    for name, arr in flat.items():
        *heads, leaf = name.split(".")
        node = out
        for h in heads:
            node = node.setdefault(h, dotdict())
        node[leaf] = arr.item() if getattr(arr, "ndim", 1) == 0 else arr
    return out


class _Fitness:
    """DEAP's fitness of an individual: ``values`` as returned (settable, deletable), ``wvalues`` (times the
    weights), ``score`` (their mean; NaN for an invalid individual; settable, as neurolib sets it), ``valid``."""

    def __init__(self, values, weights):
        self.weights = tuple(float(w) for w in weights)
        self.values = values
        self._score = None

    @property
    def values(self):
        return self._values

    @values.setter
    def values(self, values):
        self._values = tuple(float(v) for v in np.atleast_1d(np.asarray(values, dtype=np.float64)))
        self._score = None

    @values.deleter
    def values(self):
        self._values = ()
        self._score = None

    @property
    def wvalues(self):
        return tuple(v * w for v, w in zip(self._values, self.weights))

    @wvalues.deleter
    def wvalues(self):
        self._values = ()

    @property
    def valid(self):
        return bool(self._values) and bool(np.all(np.isfinite(self._values)))

    @property
    def score(self):
        if self._score is not None:
            return self._score
        return float(np.mean(self.wvalues)) if self.valid else float("nan")

    @score.setter
    def score(self, value):
        self._score = float(value)

    def __repr__(self):
        return f"Fitness(values={self.values}, score={self.score:.6g})"


class _Individual(list):
    """neurolib's (DEAP's) individual: its genes as a list (the parameter values, then, for the adaptive
    algorithm's new individuals, one step size per parameter), plus ``id``, ``gIdx`` (generation), ``params``
    (dotdict of the parameter values, following the genes), ``parentIds``, ``fitness`` and ``outputs``; each
    parameter is also an attribute (by its name, or its star-notation-sanitised name)."""

    def __init__(self, values, names, ident, generation, parents=(), fitness=None, outputs=None, weights=(1.0,)):
        super().__init__(float(v) for v in values)
        self._names = tuple(names)
        self.id = None if ident is None else int(ident)
        self.gIdx = None if generation is None else int(generation)
        self.parentIds = tuple(int(p) for p in parents if p >= 0)
        self.fitness = _Fitness((), weights) if fitness is None else fitness
        self.outputs = dotdict() if outputs is None else outputs

    @property
    def params(self):
        return dotdict(zip(self.__dict__.get("_names", ()), self))

    def __getattr__(self, name):
        names = self.__dict__.get("_names", ())
        for key, value in zip(names, self):
            if name == key or key.replace("*", "STAR").replace("|", "MINUS").replace(".", "DOT") == name:
                return value
        raise AttributeError(name)

    def __repr__(self):
        return f"Individual(id={self.id}, gen={self.gIdx}, {dict(self.params)})"


class _Toolbox:
    """neurolib's ``evolution.toolbox`` (a DEAP toolbox) over jaxbrain's operators.

    ``population(n)``/``individual()`` make new random individuals, ``mate(a, b)`` and ``mutate(ind)`` change
    individuals in place, ``select``/``selectParents``/``selBest(pop, k)`` pick ``k`` of a population;
    ``evaluate`` is the evalFunction, ``clone`` a deep copy, ``map`` Python's. Each calls the evolution's own
    operator (the algorithm's preset or the one passed to :class:`Evolution`, see :mod:`jaxbrain.evolve`) on a
    batch of one, so a step made by hand in a notebook does what :meth:`Evolution.run` does. Random numbers come
    from a key drawn from numpy's global generator.
    """

    def __init__(self, evolution):
        self._evolution = evolution

    def _ops(self):
        from ....evolve._genetic import PRESETS

        evo = self._evolution
        preset = PRESETS.get(evo.algorithm)
        return {op: fn if fn is not None else (preset or {}).get(op) for op, fn in evo._operators.items()}

    def _op(self, name):
        fn = self._ops().get(name)
        if fn is None:
            raise ValueError(
                f"the {self._evolution.algorithm!r} algorithm has no {name} operator (an evosax strategy samples "
                "from its own distribution); only population() and selBest() apply"
            )
        return fn

    def _box(self):
        evo = self._evolution
        low = np.array([b[0] for b in evo._bounds.values()], dtype=np.float64)
        high = np.array([b[1] for b in evo._bounds.values()], dtype=np.float64)
        return low, high

    def _new(self, genes):
        evo = self._evolution
        return _Individual(genes, evo._names, None, None, weights=evo.weightList)

    def individual(self):
        return self.population(1)[0]

    def population(self, n):
        """``n`` new random individuals (genes from the algorithm's random-individual operator)."""
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
            raise ValueError(f"n must be an int >= 0; got {n!r}")
        if n == 0:
            return []
        fn = self._ops().get("individual")
        if fn is None:
            from ....evolve import uniform_individual as fn
        low, high = self._box()
        genes = du._on_device(lambda: fn(du._key(), int(n), low, high))
        return [self._new(g) for g in genes]

    def mate(self, ind1, ind2, **kwargs):
        """Cross ``ind1`` with ``ind2`` in place; returns both."""
        fn = self._op("crossover")
        low, high = self._box()
        a, b = _genes_of(ind1), _genes_of(ind2)
        a, b = du._on_device(lambda: fn(du._key(), a[None, :], b[None, :], low, high, **kwargs))
        ind1[:], ind2[:] = a[0].tolist(), b[0].tolist()
        return ind1, ind2

    def mutate(self, individual, **kwargs):
        """Mutate ``individual`` in place (one draw, not retried: see ``deapUtils.mutateUntilValid``)."""
        fn = self._op("mutation")
        low, high = self._box()
        g = _genes_of(individual)
        individual[:] = du._on_device(lambda: fn(du._key(), g[None, :], low, high, **kwargs))[0].tolist()
        return (individual,)

    def _pick(self, name, pop, k, **kwargs):
        fn = self._op(name)
        k = du._chosen(pop, k, name)
        idx = du._on_device(lambda: fn(du._key(), du._wfitness(pop), k, **kwargs))
        return [pop[int(i)] for i in np.asarray(idx)]

    def select(self, pop, k, **kwargs):
        """The ``k`` survivors of ``pop`` by the algorithm's selection operator."""
        return self._pick("selection", pop, k, **kwargs)

    def selectParents(self, pop, k, **kwargs):
        """``k`` parents drawn from ``pop`` by the algorithm's parent-selection operator."""
        return self._pick("parent_selection", pop, k, **kwargs)

    def selBest(self, pop, k):
        """The ``k`` individuals of ``pop`` with the highest score, best first."""
        return du.selBest_multiObj(pop, k)

    @staticmethod
    def clone(individual):
        return copy.deepcopy(individual)

    @property
    def evaluate(self):
        return self._evolution.evalFunction

    @staticmethod
    def map(fn, *iterables):
        return list(map(fn, *iterables))


def _genes_of(individual):
    return np.asarray(list(individual), dtype=np.float64)


class _EvolutionTrajectory:
    """What an ``evalFunction`` receives in place of pypet's trajectory: the individual to evaluate."""

    def __init__(self, individual):
        self.individual = individual
        self.id = individual.id
        self.generation = individual.gIdx
        self.parameters = individual.params
        self.par = individual.params

    def __repr__(self):
        return f"Trajectory(individual {self.id}, generation {self.generation}, {dict(self.parameters)})"


class Evolution:
    """neurolib's ``Evolution``: evolve the parameters of a model (or of any function) inside a box.

    A thin front end over :func:`jaxbrain.evolve.evolve`, with neurolib's arguments, evaluation contract and
    inspection methods. Algorithms: ``"adaptive"`` (neurolib's default: self-adaptive Gaussian mutation, blend
    crossover, rank parent selection, elitist survivors), ``"nsga2"`` (multi-objective), or any evosax strategy
    (``"CMA_ES"``, ``"SNES"``, …; one objective, the weighted sum).

    Evaluation:

    * neurolib's form (default): ``evalFunction(traj) -> (fitness_tuple, outputs_dict)``, called once per
      individual, one after the other (it may be any Python). Inside, :meth:`getIndividualFromTraj` gives the
      individual (a list of the parameter values with ``.id``, ``.params`` and one attribute per parameter) and
      :meth:`getModelFromTraj` a copy of ``model`` with its parameters. Returning the fitness tuple alone is
      accepted too. Outputs of valid individuals are kept (``ind.outputs``, :attr:`outputs`, ``dfPop(outputs=True)``)
      and written to disk with each generation.
    * ``batched=True``: ``evalFunction(params) -> fitness`` with ``params`` a dict name → ``(P,)`` array of the
      whole population and ``fitness`` of shape ``(P,)`` or ``(P, n_objectives)``: one call per generation (e.g.
      a vmapped, jit-compiled simulation; see :func:`jaxbrain.evolve.vmap_fitness`).

    A fitness with a non-finite value marks an invalid individual: it is replaced by a new random individual in
    the next generation and counted in the history.

    Files (no pickle), for ``filename="name"`` (neurolib's ``.hdf`` suffix is dropped; a relative name lives under
    ``paths.HDF_DIR``, by default ``./data/jaxbrain/``): ``name.npz``, the evolution's checkpoint, rewritten
    atomically after every generation; ``name.outputs/gen_XXXXXX.npz``, the outputs of each generation's valid
    individuals (checksummed, and marked with the evolution's fingerprint, so stale files of a replaced evolution
    are never read as its outputs). :meth:`run` resumes an evolution stored under ``filename`` with the same
    settings, space, weights, seed, evalFunction (its code, defaults and closure values as they were when this
    object was created) and model parameters, so a killed run continues where it stopped; with other settings it
    starts afresh and replaces the files, with a warning that says what differs. ``name.lock`` keeps a second
    process off the same files while :meth:`run` works.

    Differences from neurolib:

    * the generation's batch is always ``POP_SIZE``: invalid individuals' random replacements take the place of
      the last offspring (neurolib evaluates them in addition), so a batched evaluation compiles once;
    * the user's operators and their ``*_P`` keyword arguments are used (neurolib ignores them); they must be
      jaxbrain operators (pure JAX functions, signatures in :mod:`jaxbrain.evolve`), not DEAP ones; ``*_P``
      alone configures the default operator (e.g. ``MATE_P={"alpha": 0.3}``);
    * ``"nsga2"`` mutates each gene with probability 1/n_parameters (Deb's recommendation; neurolib uses
      1/n_objectives; ``MUTATE_P={"indpb": ...}`` sets it);
    * an invalid individual's score is NaN (neurolib sums its finite objectives) and it ranks last;
    * randomness comes from ``jax.random.key(seed)``; ``seed=None`` draws one (kept in the checkpoint, so a
      resumed run continues with it);
    * ``dfEvolution()`` lists every evaluated individual once; ``ncores`` is ignored;
    * :meth:`saveEvolution`/:meth:`loadEvolution` write and read one checksummed ``.npz`` (the checkpoint with
      the outputs), not a dill pickle of the object; the loaded evolution keeps this object's evalFunction and
      model;
    * individuals in the history hold their parameter values; new ones from ``toolbox.population(n)`` hold the
      algorithm's whole genome (the adaptive algorithm's step sizes after the values), as neurolib's do.

    neurolib's DEAP toolbox is :attr:`toolbox` (``population``, ``mate``, ``mutate``, ``select``,
    ``selectParents``, ``selBest``, ``clone``, ``evaluate``), over this evolution's jaxbrain operators, and
    :mod:`~jaxbrain.compat.optimize.evolution.deapUtils` and
    :mod:`~jaxbrain.compat.optimize.evolution.evolutionaryUtils` hold neurolib's helper functions.

    Args:
        evalFunction: see "Evaluation" above.
        parameterSpace: a :class:`ParameterSpace` with one ``[low, high]`` pair per parameter (any kind).
        weightList: one weight per objective, + maximise, − minimise (default ``[1.0]``).
        model: a compat model (``ALNModel(...)`` …) for :meth:`getModelFromTraj`. A parameter name with ``*``
            (neurolib's star notation, e.g. ``"*epsilon*"`` of a
            :class:`~jaxbrain.compat.models.multimodel.MultiModel`) sets every parameter of the model it matches;
            one that matches none is kept, with a warning, and changes nothing.
        filename: name of the evolution's files (see above).
        ncores: accepted for neurolib compatibility, ignored.
        POP_INIT_SIZE: random individuals of generation 0 (even, ≥ ``POP_SIZE``).
        POP_SIZE: population size (even).
        NGEN: generations, the initial one included.
        algorithm: ``"adaptive"``, ``"nsga2"`` or an evosax strategy name.
        matingOperator, mutationOperator, selectionOperator, parentSelectionOperator, individualGenerator:
            jaxbrain operators replacing the algorithm's (crossover, mutation, survivor selection, parent
            selection, random individual); ``MATE_P``, ``MUTATE_P``, ``SELECT_P``, ``PARENT_SELECT_P``,
            ``IND_GENERATOR_P``: their keyword arguments.
        batched: ``evalFunction`` takes the whole population at once (see above).
        seed: integer seed of the evolution.
        strategy_kwargs, strategy_params: options of an evosax strategy (see :func:`jaxbrain.evolve.evolve`).

    Example:
        >>> def evaluate(traj):
        ...     ind = evolution.getIndividualFromTraj(traj)
        ...     return (abs(ind.x**2 + ind.y**2 - 1.0),), {}
        >>> space = ParameterSpace(["x", "y"], [[-5.0, 5.0], [-5.0, 5.0]])
        >>> evolution = Evolution(evaluate, space, weightList=[-1.0], POP_INIT_SIZE=100, POP_SIZE=50, NGEN=10)
        >>> evolution.run()
        >>> evolution.best_ind, evolution.dfPop().head()
    """

    def __init__(
        self,
        evalFunction,
        parameterSpace,
        weightList=None,
        model=None,
        filename="evolution.hdf",
        ncores=None,
        POP_INIT_SIZE=100,
        POP_SIZE=20,
        NGEN=10,
        algorithm="adaptive",
        matingOperator=None,
        MATE_P=None,
        mutationOperator=None,
        MUTATE_P=None,
        selectionOperator=None,
        SELECT_P=None,
        parentSelectionOperator=None,
        PARENT_SELECT_P=None,
        individualGenerator=None,
        IND_GENERATOR_P=None,
        *,
        batched=False,
        seed=None,
        strategy_kwargs=None,
        strategy_params=None,
    ):
        import functools as ft

        import jax.numpy as jnp

        from ....evolve._algorithms import make_algorithm
        from ....evolve._genetic import PRESETS

        del ncores
        if not callable(evalFunction):
            raise TypeError("evalFunction must be a function: f(traj), or f(params) with batched=True")
        if not isinstance(parameterSpace, ParameterSpace):
            raise TypeError(
                f"parameterSpace must be a jaxbrain.compat.ParameterSpace; got {type(parameterSpace).__name__}"
            )
        bounds = {}
        for name, values in parameterSpace.dict().items():
            if len(values) != 2 or any(np.ndim(v) for v in values):
                raise ValueError(
                    f"parameterSpace: parameter {name!r} must be given as [low, high] (two numbers); got {values!r}"
                )
            if not values[0] < values[1]:
                raise ValueError(f"parameterSpace: bound of {name!r} must have low < high; got {values!r}")
            bounds[name] = (float(values[0]), float(values[1]))
        weightList = _weights(weightList)
        _check_filename(filename)
        seed = _seed("seed", seed)
        for label, size in (("POP_INIT_SIZE", POP_INIT_SIZE), ("POP_SIZE", POP_SIZE)):
            if not isinstance(size, (int, np.integer)) or size < 2 or size % 2:
                raise NeurolibInputError(f"{label} must be an even int >= 2 (neurolib mates in pairs); got {size!r}")
        if POP_INIT_SIZE < POP_SIZE:
            raise ValueError(f"POP_INIT_SIZE ({POP_INIT_SIZE}) must be >= POP_SIZE ({POP_SIZE})")
        if not isinstance(NGEN, (int, np.integer)) or NGEN < 1:
            raise ValueError(f"NGEN must be a positive int; got {NGEN!r}")
        if model is not None:
            if not isinstance(model, Model):
                raise TypeError(f"model must be a jaxbrain.compat model (ALNModel, …); got {type(model).__name__}")
            unknown = sorted(n for n in bounds if "*" not in n and n not in model.params)
            if unknown:
                raise ValueError(
                    f"parameterSpace: unknown parameter name(s) {unknown} for {type(model).__name__}; "
                    f"valid names: {sorted(model.params)} (or star-notation patterns such as '*tau')"
                )
        given = {
            "crossover": (matingOperator, MATE_P, "MATE_P"),
            "mutation": (mutationOperator, MUTATE_P, "MUTATE_P"),
            "selection": (selectionOperator, SELECT_P, "SELECT_P"),
            "parent_selection": (parentSelectionOperator, PARENT_SELECT_P, "PARENT_SELECT_P"),
            "individual": (individualGenerator, IND_GENERATOR_P, "IND_GENERATOR_P"),
        }
        operators = {}
        for op, (fn, kwargs, label) in given.items():
            if fn is None and kwargs:
                if algorithm not in PRESETS:
                    raise ValueError(f"{label} configures an operator of {tuple(PRESETS)}, not of {algorithm!r}")
                fn = PRESETS[algorithm][op]
            if fn is not None and not callable(fn):
                raise TypeError(f"the {op} operator must be a function; got {type(fn).__name__}")
            operators[op] = ft.partial(fn, **kwargs) if fn is not None and kwargs else fn
        # Build the algorithm once now, so that a bad name or combination fails here and not in run().
        low = jnp.asarray([b[0] for b in bounds.values()])
        high = jnp.asarray([b[1] for b in bounds.values()])
        make_algorithm(
            algorithm, low, high, int(POP_SIZE), int(NGEN), operators=operators, strategy_kwargs=strategy_kwargs,
            strategy_params=strategy_params,
        )  # fmt: skip

        self.evalFunction = evalFunction
        self.parameterSpace = parameterSpace
        self.weightList = weightList
        self.model = model
        # star-notation name -> the model's keys it sets (neurolib unwraps them the same way)
        self._star = {} if model is None else _star_matches(model.params, list(bounds), type(model).__name__)
        self.filename = filename
        self.path = _base_path("evolution" if filename is None else filename)
        self.HDF_FILE = self.trajectoryFileName = self.path + ".hdf"  # neurolib's names for where it is stored
        self.trajectoryName = os.path.basename(self.path)
        self.comments = "no comments"
        self.POP_INIT_SIZE, self.POP_SIZE, self.NGEN = int(POP_INIT_SIZE), int(POP_SIZE), int(NGEN)
        self.algorithm = algorithm
        self.batched = bool(batched)
        self.seed = None if seed is None else int(seed)
        self.paramInterval = parameterSpace.named_tuple
        self.ParametersInterval = parameterSpace.named_tuple_constructor
        self._names = list(bounds)
        self._bounds = bounds
        self._operators = operators
        self._strategy = dict(strategy_kwargs=strategy_kwargs, strategy_params=strategy_params)
        self.verbose = False
        self.result = None
        self.pop = []
        self.history = {}
        self.best_ind = None
        self.gIdx = -1
        self._outputs = {}
        self._pending = {}
        self._cache = {}
        self._fingerprint = None
        # The evalFunction is identified as it is now (code, defaults, the values its closure holds): values it
        # collects while running (a list of calls, say) do not make a continued or resumed run another evolution.
        self._function_identity = canonical(evalFunction)
        self.toolbox = _Toolbox(self)  # neurolib's DEAP toolbox, over this evolution's operators

    def __repr__(self):
        # Stable across processes: an evalFunction that closes over its evolution is fingerprinted by this.
        return f"Evolution({self.path!r})"

    # ---- files ----------------------------------------------------------------------------------------

    def _checkpoint_path(self, filename=None):
        base = self.path if filename is None else _base_path(filename)
        return base + ".npz"

    def _outputs_dir(self, filename=None):
        base = self.path if filename is None else _base_path(filename)
        return base + ".outputs"

    # ---- running --------------------------------------------------------------------------------------

    def run(self, verbose=False, verbose_plotting=True):
        """Run the evolution for ``NGEN`` generations, or, when this object has run already (or
        :meth:`runInitial`), continue it for ``NGEN - 1`` more (neurolib's behaviour). Resumes an interrupted run
        stored under ``filename``.

        Args:
            verbose: print the best individual of every generation.
            verbose_plotting: accepted for neurolib compatibility (figures come from :meth:`info`).
        """
        del verbose_plotting
        self.verbose = bool(verbose)
        self._evolve(self.NGEN if self.result is None else self.result.n_generations + self.NGEN - 1)

    def runInitial(self):
        """Evaluate the initial population (``POP_INIT_SIZE`` random individuals) and keep the best
        ``POP_SIZE`` (neurolib's first step); :meth:`run` then evolves the ``NGEN - 1`` further generations."""
        if self.result is None:
            self._evolve(1)

    def _evolve(self, n_gen):
        """Run (or resume, or continue) the evolution until ``n_gen`` generations are done."""
        import jax.random as jr

        from ....evolve import evolve
        from ....evolve import load as load_evolution

        path = self._checkpoint_path()
        key = None
        if self.seed is None and os.path.exists(path):
            # Resume with the stored key: an unseeded evolution is identified by the seed it drew.
            stored = load_evolution(path).meta.get("key")
            if stored is not None:
                key = jr.wrap_key_data(np.asarray(stored, dtype=np.uint32))
        if key is None:
            if self.seed is None:
                self.seed = int(np.random.SeedSequence().entropy % (2**31))
            key = jr.key(self.seed)
        # What evolve() does not see itself: the user's function (code, closure values, defaults) behind the
        # fitness wrapper, and the model its copies come from. Stored in the checkpoint; another tag is another
        # evolution.
        settings = run_settings(
            evalFunction=self._function_identity,
            batched=self.batched,
            model=None if self.model is None else _model_settings(self.model),
        )
        self._fingerprint = fingerprint(settings)
        self._pending = {}
        fitness_fn = self._batched_fitness if self.batched else self._traj_fitness
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with RunLock(self.path):
            result = evolve(
                fitness_fn, self._bounds, key=key, pop_size=self.POP_SIZE, n_gen=n_gen, algorithm=self.algorithm,
                weights=self.weightList, pop_init_size=self.POP_INIT_SIZE, checkpoint_path=path, overwrite=True,
                on_generation=self._on_generation, tag=settings, **self._operators, **self._strategy,
            )  # fmt: skip
        outputs = self._read_outputs(None, self._fingerprint)  # earlier sessions' generations of a resumed run
        outputs.update(self._outputs)
        self._set_result(result, outputs)

    def _generation_of(self, ident):
        return 0 if ident < self.POP_INIT_SIZE else 1 + (ident - self.POP_INIT_SIZE) // self.POP_SIZE

    def _batched_fitness(self, params):
        return self.evalFunction(params)

    def _traj_fitness(self, params, ids):
        host = {name: np.asarray(params[name], dtype=np.float64) for name in self._names}
        rows = []
        for i, ident in enumerate(np.asarray(ids).tolist()):
            values = [host[name][i] for name in self._names]
            ind = _Individual(values, self._names, ident, self._generation_of(ident), weights=self.weightList)
            returned = self.evalFunction(_EvolutionTrajectory(ind))
            if isinstance(returned, tuple) and len(returned) == 2 and isinstance(returned[1], dict):
                fitness, outputs = returned
            else:
                fitness, outputs = returned, {}
            rows.append(np.atleast_1d(np.asarray(fitness, dtype=np.float64)))
            self._pending[ident] = outputs
        return np.stack(rows)

    def _on_generation(self, gen):
        valid = np.all(np.isfinite(gen.fitness), axis=-1)
        arrays, kept = {}, {}
        for ident, ok in zip(gen.ids.tolist(), valid):
            outputs = self._pending.pop(ident, None)
            if not ok or not outputs:
                continue
            kept[ident] = dotdict(outputs)
            for name, value in _flatten(outputs).items():
                arrays[f"ind_{ident:06d}.{name}"] = _storable(name, value)
        folder = self._outputs_dir()
        path = os.path.join(folder, f"gen_{gen.index:06d}.npz")
        if arrays:
            os.makedirs(folder, exist_ok=True)
            _save_results(path, arrays, {"evolution": self._fingerprint, "generation": int(gen.index)})
        elif os.path.exists(path):
            os.remove(path)  # a stale file of an evolution this one replaces
        self._outputs.update(kept)
        if self.verbose:
            scores = np.mean(gen.fitness * np.asarray(self.weightList)[None, :], axis=-1)
            best = int(np.nanargmax(np.where(valid, scores, np.nan))) if valid.any() else None
            print(f"----------- Generation {gen.index} -----------")
            if best is not None:
                print(f"Best evaluated individual: {dict(zip(self._names, gen.params[best].tolist()))}")
                print(f"Score: {scores[best]:.6g}, fitness: {tuple(gen.fitness[best].tolist())}")
            print(f"Invalid: {gen.n_invalid} evaluated, {gen.n_replaced} replaced")

    def _read_outputs(self, filename, evolution):
        """The stored outputs of the evolution whose tag fingerprint is ``evolution``; files of another
        evolution (left by one this replaced) are skipped, damaged ones refused naming the file."""
        folder = self._outputs_dir(filename)
        outputs = {}
        if not os.path.isdir(folder) or evolution is None:
            return outputs
        for name in sorted(os.listdir(folder)):
            if not (name.startswith("gen_") and name.endswith(".npz")):
                continue
            values, meta = _load_results(os.path.join(folder, name), "Evolution outputs")
            if meta.get("evolution") != evolution or name != f"gen_{meta.get('generation', -1):06d}.npz":
                continue
            per_ind = {}
            for full, arr in values.items():
                head, rest = full.split(".", 1)
                per_ind.setdefault(int(head[4:]), {})[rest] = arr
            for ident, flat in per_ind.items():
                outputs[ident] = _nest(flat)
        return outputs

    def _set_result(self, result, outputs):
        self.result = result
        self._outputs = dict(outputs)
        self._cache = {}
        self.gIdx = result.n_generations - 1
        self.pop = [self.getIndividualFromHistory(i) for i in result.population[-1]]
        self.best_ind = self.getIndividualFromHistory(result.best_id) if result.best_id >= 0 else None
        self.history = {0: [self.getIndividualFromHistory(i) for i in result.population[0]]}
        for g in range(1, result.n_generations):
            before = [i for i in result.population[g - 1] if result.valid[i]]
            batch = np.flatnonzero(result.generation == g)
            self.history[g] = [self.getIndividualFromHistory(i) for i in [*before, *batch]]
        self.buildEvolutionTree()

    # ---- inside an evalFunction ------------------------------------------------------------------------

    def getIndividualFromTraj(self, traj):
        """The individual being evaluated (``traj`` may also be the individual itself)."""
        return traj if isinstance(traj, _Individual) else traj.individual

    def getModelFromTraj(self, traj):
        """A copy of ``model`` with the individual's parameters (the evolution's own model is not changed)."""
        if self.model is None:
            raise ValueError("this Evolution has no model; pass Evolution(..., model=...)")
        params = dotdict(copy.deepcopy(dict(self.model.params)))
        params.update(_apply_star_names(self.individualToDict(self.getIndividualFromTraj(traj)), self._star))
        return self.model._with_params(params)

    def individualToDict(self, individual):
        """The individual's parameters as a dict name → value."""
        return dict(zip(self._names, list(individual)[: len(self._names)]))

    # ---- results ----------------------------------------------------------------------------------------

    def _require(self):
        if self.result is None:
            raise ValueError("no evolution results: run() the evolution or loadResults() first")
        return self.result

    def getIndividualFromHistory(self, id):
        """Individual ``id`` (any evaluated individual) with its fitness, parents and outputs."""
        res = self._require()
        ident = int(id)
        if ident not in self._cache:
            self._cache[ident] = _Individual(
                res.params[ident], self._names, ident, res.generation[ident], res.parents[ident],
                _Fitness(res.fitness[ident], res.weights), self._outputs.get(ident, dotdict()),
            )  # fmt: skip
        return self._cache[ident]

    @property
    def outputs(self):
        """The outputs the evalFunction returned for the best individual (a dotdict; empty if none)."""
        return dotdict() if self.best_ind is None else self.best_ind.outputs

    def getValidPopulation(self, pop=None):
        """The valid individuals of ``pop`` (default the current population)."""
        return [p for p in (self.pop if pop is None else pop) if p.fitness.valid]

    def getInvalidPopulation(self, pop=None):
        """The invalid individuals of ``pop`` (default the current population)."""
        return [p for p in (self.pop if pop is None else pop) if not p.fitness.valid]

    def getScores(self):
        """Scores (mean weighted fitness) of the current valid population."""
        return np.array([p.fitness.score for p in self.getValidPopulation()])

    def getScoresDuringEvolution(self, traj=None, drop_first=True, reverse=False):
        """``(generations, scores)``: the generation indices and a ``(n_generations, POP_SIZE)`` array of the
        population's scores after each (NaN for invalid members); ``drop_first`` leaves out generation 0."""
        del traj, reverse
        res = self._require()
        scores = res.score[res.population]
        gens = np.arange(res.n_generations)
        if drop_first:
            gens, scores = gens[1:], scores[1:]
        return list(gens), scores

    def _frame(self, individuals, outputs):
        import pandas as pd

        rows = []
        for p in individuals:
            row = dict(p.params)
            row.update(score=p.fitness.score, id=p.id, gen=p.gIdx)
            row.update({f"f{i}": v for i, v in enumerate(p.fitness.values)})
            if outputs:
                for name, value in _flatten(p.outputs).items():
                    row[name] = value
            rows.append(row)
        return pd.DataFrame(rows)

    def dfPop(self, outputs=False):
        """The current valid population as a pandas table: parameters, ``score``, ``id``, ``gen``, ``f0``…
        (and the outputs with ``outputs=True``)."""
        if not self.pop:
            raise ValueError("no population: run() the evolution or loadResults() first")
        return self._frame(self.getValidPopulation(), outputs)

    def dfEvolution(self, outputs=False):
        """Every evaluated individual, once, as a pandas table (columns as :meth:`dfPop`)."""
        res = self._require()
        return self._frame([self.getIndividualFromHistory(i) for i in range(len(res.params))], outputs)

    def buildEvolutionTree(self):
        """The genealogy as neurolib's networkx-readable dicts: ``tree`` (id → parent ids), ``id_genx``
        (id → generation) and ``id_score`` (id → score). ``result.to_networkx()`` gives the graph itself."""
        res = self._require()
        scores = res.score
        self.tree = {i: tuple(int(p) for p in res.parents[i] if p >= 0) for i in range(len(res.params))}
        self.id_genx = {i: int(g) for i, g in enumerate(res.generation)}
        self.id_score = {i: float(s) for i, s in enumerate(scores)}

    def loadResults(self, filename=None, trajectoryName=None):
        """Load a stored evolution (default: this one's ``filename``) with its outputs; returns its
        :class:`~jaxbrain.evolve.EvolutionResult`."""
        from ....evolve import load as load_evolution

        del trajectoryName
        path = self._checkpoint_path(filename)
        if not os.path.exists(path):
            raise FileNotFoundError(f"no stored evolution at {path}: run() it first (or check filename)")
        result = load_evolution(path)
        if list(result.names) != self._names:
            raise ValueError(f"the evolution in {path} has parameters {list(result.names)}, not {self._names}")
        tag = (result.meta or {}).get("tag")
        stored = fingerprint(tag) if isinstance(tag, dict) else None
        self._set_result(result, self._read_outputs(filename, stored))
        return result

    def info(self, plot=True, bestN=5, info=True, reverse=False):
        """Print a summary of the evolution and its best individuals; with ``plot=True`` return the figures
        ``(progress, population)`` (never shown)."""
        del reverse
        res = self._require()
        if info:
            print(f"> Evolution: {self.algorithm}, {len(self._names)} parameter(s) {self._names}")
            print(f"  weights {self.weightList}, POP_INIT_SIZE {self.POP_INIT_SIZE}, POP_SIZE {self.POP_SIZE}")
            print(f"  generations run: {res.n_generations}, individuals evaluated: {len(res.params)}")
            print(f"  invalid per generation: {res.n_invalid.tolist()}")
        valid = self.getValidPopulation()
        scores = self.getScores()
        print("--- Info summary ---")
        print(f"Valid: {len(valid)}")
        if len(scores):
            print(f"Mean score (weighted fitness): {np.mean(scores):.4g}")
        for name in self._names:
            values = np.array([p.params[name] for p in valid])
            if len(values):
                print(f"{name}: mean {np.mean(values):.4g}, std {np.std(values):.4g}")
        print("--------------------")
        print(f"Best {bestN} individuals:")
        for p in sorted(valid, key=lambda p: -p.fitness.score)[:bestN]:
            print(f"  id {p.id} (gen {p.gIdx}): score {p.fitness.score:.6g}, fitness {p.fitness.values}, {p.params}")
        print("--------------------")
        if plot:
            from ....plot import evolution_population, evolution_progress

            return evolution_progress(res), evolution_population(res)
        return None

    def plotProgress(self, reverse=False):
        """The score per generation (a matplotlib figure, not shown)."""
        from ....plot import evolution_progress

        del reverse
        return evolution_progress(self._require())

    _SAVED = "jaxbrain compat evolution"  # the kind of file saveEvolution writes

    def saveEvolution(self, fname=None):
        """Save the evolution to one file (neurolib's ``saveEvolution``), with no pickle: the checksummed
        checkpoint of :func:`jaxbrain.evolve.evolve` (every individual, its fitness, parents and generation, the
        populations, the algorithm's state) with the outputs of the valid individuals added. Read it back with
        :meth:`loadEvolution` (or :func:`jaxbrain.evolve.load`).

        Args:
            fname: the file (any name, e.g. neurolib's ``"data/evolution-....dill"``); default
                ``./data/evolution-<trajectoryName>.npz``.

        Returns:
            The file's name.
        """
        from ...._resume import load_checked, save_checked

        self._require()
        checkpoint = self._checkpoint_path()
        if not os.path.exists(checkpoint):
            raise ValueError(f"the evolution's checkpoint {checkpoint} is gone: run() it again before saving")
        fname = os.path.join("data", f"evolution-{self.trajectoryName}.npz") if fname is None else fname
        _check_filename(fname)
        arrays, meta = load_checked(checkpoint, "evolution checkpoint")
        outputs, text = {}, {}
        for ident, values in self._outputs.items():
            for name, value in _flatten(values).items():
                arr = _storable(name, value)
                key = f"output.ind_{int(ident):06d}.{name}"
                if arr.dtype.kind in "US":
                    text[key] = {"dtype": arr.dtype.str, "shape": list(arr.shape)}
                    arr = np.ascontiguousarray(arr).reshape(-1).view(np.uint8)
                outputs[key] = arr
        meta = dict(meta)
        meta.pop("checksum", None)
        meta["compat"] = {
            "kind": self._SAVED, "text": text, "names": self._names, "weightList": list(self.weightList),
            "bounds": [list(self._bounds[name]) for name in self._names],
            "algorithm": self.algorithm, "POP_INIT_SIZE": self.POP_INIT_SIZE, "POP_SIZE": self.POP_SIZE,
            "NGEN": self.NGEN, "trajectoryName": self.trajectoryName, "path": self.path,
        }  # fmt: skip
        os.makedirs(os.path.dirname(os.path.abspath(os.fspath(fname))), exist_ok=True)
        save_checked(os.fspath(fname), {**arrays, **outputs}, meta)
        return fname

    def loadEvolution(self, fname):
        """An evolution saved with :meth:`saveEvolution`, as a new ``Evolution`` with this one's evalFunction and
        model and the saved population, history and outputs (neurolib's ``loadEvolution``).

        Raises:
            FileNotFoundError: no file ``fname``.
            ValueError: naming ``fname``: not such a file (e.g. a neurolib dill file: jaxbrain reads no pickle),
                damaged (checksum), or an evolution of other parameters.
        """
        from ...._resume import load_checked
        from ....evolve import load as load_evolution

        _check_filename(fname)
        path = os.fspath(fname)
        if not os.path.exists(path):
            raise FileNotFoundError(f"no saved evolution at {path}")
        arrays, meta = load_checked(path, "saved evolution")
        info = meta.get("compat")
        if not isinstance(info, dict) or info.get("kind") != self._SAVED:
            raise ValueError(
                f"{path} is not an evolution saved by jaxbrain.compat's saveEvolution (jaxbrain reads no pickled or "
                "dill files)"
            )
        names = [str(name) for name in info.get("names", ())]
        if names != self._names and len(info.get("bounds") or ()) != len(names):
            raise ValueError(
                f"{path} holds an evolution of the parameters {names}, not {self._names}, and was saved without "
                "their bounds (by an earlier jaxbrain): load it from an Evolution of the same parameters"
            )
        result = load_evolution(path)
        per_ind, text = {}, info.get("text") or {}
        for key, arr in arrays.items():
            if not key.startswith("output.ind_"):
                continue
            if key in text:
                arr = arr.view(np.dtype(text[key]["dtype"])).reshape(text[key]["shape"])
            head, name = key[len("output.") :].split(".", 1)
            per_ind.setdefault(int(head[4:]), {})[name] = arr
        loaded = copy.copy(self)
        if names != self._names:
            # neurolib's loadEvolution returns the saved evolution whatever the evolution it is called on
            # explores (its notebooks load onto a placeholder Evolution): take the saved parameters and bounds.
            space = type(self.parameterSpace)(names, [list(b) for b in info["bounds"]])
            loaded.parameterSpace = space
            loaded.paramInterval, loaded.ParametersInterval = space.named_tuple, space.named_tuple_constructor
            loaded._names = names
            loaded._bounds = {name: (float(low), float(high)) for name, (low, high) in zip(names, info["bounds"])}
        loaded.toolbox = _Toolbox(loaded)
        loaded.weightList = [float(w) for w in info["weightList"]]
        loaded.algorithm = info["algorithm"]
        loaded.POP_INIT_SIZE, loaded.POP_SIZE = int(info["POP_INIT_SIZE"]), int(info["POP_SIZE"])
        loaded.NGEN, loaded.trajectoryName = int(info["NGEN"]), info.get("trajectoryName")
        if isinstance(info.get("path"), str):
            # neurolib's loaded evolution is the saved object, filename included: loadResults() reads its results
            loaded.path = info["path"]
            loaded.filename = loaded.path
            loaded.HDF_FILE = loaded.trajectoryFileName = loaded.path + ".hdf"
        loaded._set_result(result, {ident: _nest(flat) for ident, flat in per_ind.items()})
        return loaded
