"""neurolib's ``neurolib.optimize.exploration.exploration``: ``BoxSearch``."""

from __future__ import annotations

import copy
import datetime
import inspect
import json
import os
import re
import warnings

import numpy as np

from ...._atomic import write_text
from ...._resume import RunLock, canonical, differences, fingerprint, run_settings
from ....explore import ParameterSpace
from ....network import coupling_by_name
from ..._checks import _flag, _run_options
from ..._errors import NeurolibInputError, NeurolibTypeError
from ...models._native import _connectome_of
from ...models.model import Model, _model_settings
from ...utils.collections import (
    _apply_star_names,
    _sanitize_keys,
    _star_matches,
    _star_value,
    dotdict,
    star_dotdict,
)
from .._files import _base_path, _check_filename, _flatten, _load_results, _save_results, _storable

_ATTR_REPLACE = {"*": "_", ".": "_", "|": "_"}
_TRAJECTORY_NAME = re.compile(r"[A-Za-z0-9_-]+")


def _kept_trajectories(base):
    """The trajectory names of the earlier searches kept beside the files ``base.*``."""
    folder, stem = os.path.split(base)
    names = []
    for entry in sorted(os.listdir(folder or ".")):
        if entry.startswith(stem + ".") and entry.endswith(".json"):
            middle = entry[len(stem) + 1 : -len(".json")]
            if _TRAJECTORY_NAME.fullmatch(middle):
                names.append(middle)
    return names


class _Trajectory:
    """What an ``evalFunction`` receives in place of pypet's trajectory: the run's index and parameters."""

    def __init__(self, index, parameters):
        self.v_idx = index  # pypet's run index
        self.v_crun = f"run_{index:08d}"  # pypet's run name
        self.parameters = parameters  # dotdict of the explored parameters of this run
        self.par = parameters

    def __repr__(self):
        return f"Trajectory({self.v_crun}, {dict(self.parameters)})"


def _plain(value):
    """A parameter value as a float (scalars; ints stay ints, e.g. a seed), a float array (per-node values), or
    the string it is (e.g. a coupling's name)."""
    if isinstance(value, str):
        return value
    arr = np.asarray(value)
    if arr.ndim == 0 and arr.dtype.kind in "iu":
        return int(arr)
    arr = arr.astype(np.float64)
    return float(arr) if arr.ndim == 0 else arr


def _to_json(value):
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    arr = np.asarray(value)
    return arr.item() if arr.ndim == 0 else arr.tolist()


def _from_disk(arrays, short_names):
    """A run's stored values as a results dotdict: 0-d values as Python scalars (lists stay lists), pypet's
    short (leaf) names unless two leaves share a name."""
    leaves = [name.rsplit(".", 1)[-1] for name in arrays]
    out = dotdict()
    for (name, arr), leaf in zip(arrays.items(), leaves):
        key = leaf if short_names and leaves.count(leaf) == 1 else name
        out[key] = arr.item() if getattr(arr, "ndim", None) == 0 else arr
    return out


def _point_value(value):
    """An explored value as stored in the description: a number, a name, or a per-node array (a JSON list)."""
    return np.asarray(value, dtype=np.float64) if isinstance(value, list) else value


def _read_stored_run(base, desc, runId, short_names=True):
    """Run ``runId`` of the search stored under ``base`` (its description ``desc``), in neurolib's layout, with
    ``params``: the run's explored values (as neurolib's ``pypetUtils.getRun`` adds them)."""
    if isinstance(runId, (bool, np.bool_)) or not isinstance(runId, (int, np.integer)):
        raise TypeError(f"runId must be an int; got {type(runId).__name__} {runId!r}")
    runId = int(runId)
    if not 0 <= runId < desc["n_runs"]:
        raise IndexError(f"run {runId} does not exist: the search has runs 0 … {desc['n_runs'] - 1}")
    if desc["mode"] == "sweep":
        import xarray as xr

        from ....explore import SweepStore

        zarr_path = base + ".zarr"
        if not os.path.exists(zarr_path):
            raise KeyError(f"run {runId} has no stored results yet (no {zarr_path})")
        store = SweepStore.load(zarr_path)
        if not store.done()[runId // store.batch_size]:
            raise KeyError(f"run {runId} has no stored results yet: run() the search (it resumes)")
        ds = xr.open_zarr(zarr_path, consolidated=False)
        out = BoxSearch._sweep_run(desc, {k: ds[k][runId].values for k in BoxSearch._stored(desc)})
    else:
        path = os.path.join(base + ".runs", f"run_{runId:08d}.npz")
        if not os.path.exists(path):
            raise KeyError(f"run {runId} has no stored results yet (no {path})")
        out = _from_disk(BoxSearch._read_run(desc, runId, path), short_names)
    out["params"] = dotdict({name: _point_value(desc["points"][name][runId]) for name in desc["names"]})
    return out


def _with_lists(values, lists):
    """``values`` with the entries named in ``lists`` (results given as Python lists) turned back into lists."""
    return {name: arr.tolist() if name in lists and arr.ndim == 1 else arr for name, arr in values.items()}


def _read_json(path, what):
    """The JSON object in ``path``; a ValueError naming the file when it is damaged, truncated or not an object."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path} is not a readable {what} (damaged or truncated JSON: {err})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a {what} (it holds a JSON {type(data).__name__}, not an object)")
    return data


def _check_memory(needed, memory_cap):
    """neurolib's ``memory_cap``: refuse to load results that would push RAM use above ``memory_cap`` %."""
    info = {}
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                key, value = line.split(":", 1)
                info[key] = int(value.split()[0]) * 1024
    except (OSError, ValueError):
        return
    total, available = info.get("MemTotal"), info.get("MemAvailable")
    if not total or available is None:
        return
    use = 100.0 * (total - available + needed) / total
    if use > memory_cap:
        raise MemoryError(
            f"loading {needed / 1e9:.2f} GB of results would use {use:.0f} % of RAM (memory_cap={memory_cap} %); "
            "use loadResults(all=False) and getRun(runId), or a higher memory_cap"
        )


class BoxSearch:
    """neurolib's ``BoxSearch``: run a model (or any function) at every point of a :class:`ParameterSpace`.

    Default evaluation (no ``evalFunction``): the points run in batches through
    :func:`jaxbrain.explore.sweep` (one vmapped, jit-compiled simulation per batch, with the model's own
    parameters, network, initial values and coupling), and each run keeps what neurolib keeps: the default
    output and ``t`` (every output with ``saveAllModelOutputs=True``) and, with ``run(bold=True)``, ``BOLD``
    and ``t_BOLD``. The store is resumable: running the same search again skips the batches already
    written. If a swept name is not a parameter of the core model (``signalV``, ``dt``, ``duration``,
    ``sampling_dt``, ``seed``, the inputs ``*_ext``, the ``*_init`` values, ALN's local delays ``de``/``di``),
    or the model has time-dependent inputs or a multi-column initial history, a batch cannot share one
    compiled simulation: the points then run one after the other through ``model.run`` (resumable too).

    Custom evaluation: ``evalFunction(traj)`` is called once per point, one after the other (neurolib's form,
    for porting; the fast path is :func:`jaxbrain.explore.sweep` with an on-device evaluator). Inside it,
    :meth:`getParametersFromTraj`, :meth:`getModelFromTraj` and :meth:`saveToPypet` work as in neurolib. An
    evalFunction search is recomputed on every ``run()``: the function may read anything (globals, files, the
    model it builds), which no fingerprint of it can see.

    Files (no pickle anywhere), for ``filename="name"`` (default ``"exploration"``; neurolib's ``.hdf``
    suffix is dropped; a relative name lives under ``paths.HDF_DIR``, by default ``./data/jaxbrain/``, an
    absolute one is used as is; :mod:`jaxbrain.compat.utils.pypetUtils` reads them from the path neurolib code
    builds, ``os.path.join(paths.HDF_DIR, "name.hdf")``, also :attr:`HDF_FILE`):

    * ``name.json``: the search (mode, explored values per run, seed, fingerprint), read by
      :meth:`loadResults`;
    * ``name.zarr``: the default evaluation's :class:`~jaxbrain.explore.SweepStore`;
    * ``name.runs/run_XXXXXXXX.npz``: one file per run for evalFunction searches and the run-by-run
      fallback.

    ``name.*`` hold the filename's latest search, its *trajectory* in neurolib's words. ``name.json`` stores the
    search's settings (see :func:`jaxbrain._resume.run_settings`): the model class and every parameter (arrays by
    digest; without a seed the random initial values are left out), the explored values of every point, the run
    arguments, ``saveAllModelOutputs``, the evalFunction (code, defaults, closure values) and the jaxbrain version.
    The same search run again resumes from them. A different search on a filename that holds results starts a new
    trajectory, as neurolib adds one to its HDF file: the earlier search's files are kept, renamed
    ``name.<its trajectoryName>.*`` (a warning lists what differs), and ``loadResults(trajectoryName=...)``,
    ``loadDfResults`` and ``getRun`` read them; without a ``trajectoryName`` they read the latest search, as
    neurolib does. An evalFunction search replaces an earlier evalFunction search of the same filename. Each run
    file is checksummed and carries the search's fingerprint: a damaged one is recomputed (with a warning) when the
    search resumes, and named in a ``ValueError`` when results are read. A damaged ``name.json`` is a
    ``ValueError`` naming it. While ``run()`` works, ``name.lock`` (pid and host) keeps a second process off the
    same files (:class:`~jaxbrain._resume.RunLockedError`).

    Differences from neurolib:

    * none in which points run: compat's ``ParameterSpace`` guesses the kind as neurolib does, so
      ``{"a": [0, 1], "b": [0, 1]}`` is a ``"bound"`` and runs its 2 zipped points (with a warning that
      ``kind="grid"`` gives the 2 × 2 grid);
    * point ``i`` of the batched path draws its noise from ``fold_in(jax.random.key(seed), i)``, so noisy
      runs differ from ``model.run()`` by the noise realisation (equal statistics); the run-by-run fallback
      runs ``model.run()`` with the model's seed for every point, as neurolib does;
    * with ``params["seed"] = None`` the seed is drawn once per search and stored, so an interrupted search
      resumes with it, and the random initial values are not part of what identifies the search;
    * ``ncores`` is ignored: batching on one device replaces worker processes;
    * ``results`` is filled by :meth:`loadResults` (and, for evalFunction searches, during ``run()``);
      ``dfResults`` is set by ``run()``, :meth:`loadDfResults` (parameters only) and :meth:`loadResults`
      (numbers as columns, arrays and lists as object columns, as neurolib aggregates them);
    * a result saved as a list reads back as a list (and is a list in ``dfResults``), an array as an array.

    Args:
        model: a compat model (``HopfModel(...)`` …); its ``params`` are the base of every run. Needed
            unless an ``evalFunction`` is given.
        parameterSpace: a :class:`ParameterSpace` over neurolib parameter names (Kuramoto's coupling is
            ``k``), numbers, per-node arrays or names (e.g. ``"coupling": ["additive", "diffusive"]``). A name
            with ``*`` (neurolib's star notation, e.g. ``"*input*sigma"`` of a
            :class:`~jaxbrain.compat.models.multimodel.MultiModel`) sets every parameter it matches (a name that
            matches none is kept, with a warning, and changes nothing); the gaps of a ``"sequence"`` space take
            the value its matches share; ``xr()`` lists each name's matches in its ``attrs``, under the name
            with ``*``, ``.`` and ``|`` written as ``_``, as neurolib does. Star-notation searches run point by
            point.
        evalFunction: ``f(traj)``, called once per point.
        filename: name of the search's files (see above).
        saveAllModelOutputs: keep every output, not only the default one.
        ncores: accepted for neurolib compatibility, ignored.

    Example:
        >>> model = HopfModel(Cmat=ds.Cmat, Dmat=ds.Dmat, seed=0)
        >>> model.params["duration"] = 10 * 1000
        >>> search = BoxSearch(model, ParameterSpace({"a": [-0.1, 0.0, 0.1], "K_gl": [0.5, 1.0]}))
        >>> search.run(bold=True)
        >>> search.loadResults()
        >>> search.xr().dims  # ('a', 'K_gl', 'output', 'space', 'time')
    """

    _FORMAT = 2  # of name.json; format 1 (jaxbrain <= 0.x) identified a search by a digest without its settings

    def __init__(
        self, model=None, parameterSpace=None, evalFunction=None, filename=None, saveAllModelOutputs=False, ncores=None
    ):
        del ncores
        if parameterSpace is None:
            raise NeurolibInputError("BoxSearch needs a parameterSpace: BoxSearch(model, ParameterSpace({...}))")
        if not isinstance(parameterSpace, ParameterSpace):
            raise TypeError(
                f"parameterSpace must be a jaxbrain.compat.ParameterSpace; got {type(parameterSpace).__name__}"
            )
        if parameterSpace.n_points == 0:
            raise NeurolibInputError("the parameterSpace is empty: give it the parameters to explore")
        if model is None and evalFunction is None:
            raise NeurolibInputError("BoxSearch needs a model, an evalFunction, or both")
        if model is not None and not isinstance(model, Model):
            raise TypeError(f"model must be a jaxbrain.compat model (HopfModel, …); got {type(model).__name__}")
        if evalFunction is not None and not callable(evalFunction):
            raise TypeError("evalFunction must be a function f(traj)")
        if parameterSpace.kind == "sequence" and model is None:
            raise NeurolibInputError(
                "a 'sequence' ParameterSpace takes the other parameters from the model: pass a model"
            )
        if parameterSpace.kind == "bound" and getattr(parameterSpace, "_guessed", False) and parameterSpace.ndims > 1:
            warnings.warn(
                f"every parameter of the space has 2 values, so (neurolib's rule) its kind is 'bound' and the search "
                f"runs the {parameterSpace.n_points} zipped points, as neurolib does, not every combination: pass "
                "ParameterSpace(..., kind='grid') for the full grid",
                UserWarning,
                stacklevel=2,
            )
        _check_filename(filename)
        self._star = {}  # star-notation name -> the model's keys it sets
        if model is not None:
            names = parameterSpace.parameterNames
            unknown = sorted(n for n in names if "*" not in n and n not in model.params)
            if unknown:
                raise ValueError(
                    f"unknown parameter name(s) {unknown} for {type(model).__name__}; "
                    f"explorable names: {sorted(model.params)} (or star-notation patterns such as '*tau')"
                )
            self._star = _star_matches(model.params, names, type(model).__name__)
            # None in a sequence point keeps the model's value
            model._check_explored(_apply_star_names(parameterSpace.dict(), self._star))
        self.model = model
        self.parameterSpace = parameterSpace
        self.evalFunction = evalFunction
        self._function_identity = canonical(evalFunction)  # as defined now (see Evolution)
        self.filename = filename
        self.path = _base_path(filename)
        self.HDF_FILE = self.path + ".hdf"  # neurolib's attribute: the path pypetUtils reads the search from
        self.trajectoryName = None  # set when the search first runs (neurolib's "results-<date>-<time>")
        self.nResults = None
        self.saveAllModelOutputs = _flag("saveAllModelOutputs", saveAllModelOutputs)
        self.exploreParameters = parameterSpace.dict()
        self.nRuns = parameterSpace.n_points
        self.runKwargs = {}
        self.results = {}
        self.dfResults = None
        self._description = None  # the description this object's run() wrote
        self._loaded = None  # the description behind results / dfResults
        columns = parameterSpace.get_parametrization()
        if model is not None:
            columns = self._fillin_default_parameters_for_sequential(columns, model.params)
        self._points = [{name: _plain(col[i]) for name, col in columns.items()} for i in range(self.nRuns)]

    # ---- files --------------------------------------------------------------------------------------

    def _files(self, filename=None, trajectoryName=None):
        base = self.path if filename is None else _base_path(filename)
        if trajectoryName is not None:
            base = self._trajectory_base(base, trajectoryName)
        return base + ".json", base + ".zarr", base + ".runs"

    @staticmethod
    def _trajectory_base(base, name):
        """Where trajectory ``name`` of the files ``base.*`` lies: ``base`` when it is the latest search, else the
        kept earlier search's ``base.<name>``."""
        if not isinstance(name, str) or not _TRAJECTORY_NAME.fullmatch(name):
            raise NeurolibInputError(
                f"trajectoryName must be a name of letters, digits, '-' and '_' (e.g. 'results-2026-01-01-12H-00M-00S')"
                f"; got {name!r}"
            )
        try:
            latest = _read_json(base + ".json", "BoxSearch description").get("trajectoryName")
        except (FileNotFoundError, ValueError):
            latest = None
        if latest == name:
            return base
        if os.path.exists(f"{base}.{name}.json"):
            return f"{base}.{name}"
        kept = _kept_trajectories(base)
        raise FileNotFoundError(
            f"no trajectory {name!r} in {base}.*: it holds {[latest] if latest else []} (latest) and {kept} (kept)"
        )

    def _keep_aside(self, old, differs):
        """Rename the files of the earlier search ``old`` to ``name.<its trajectoryName>.*`` (kept, readable by
        trajectoryName), so that this different search starts a new trajectory on the filename."""
        base = self.path
        name = old.get("trajectoryName") or "results"
        if not _TRAJECTORY_NAME.fullmatch(name):
            name = "results"
        unique, i = name, 1
        while any(os.path.exists(f"{base}.{unique}{ext}") for ext in (".json", ".zarr", ".runs")):
            i += 1
            unique = f"{name}-{i}"
        json_path, zarr_path, runs_dir = self._files()
        for source, ext in ((zarr_path, ".zarr"), (runs_dir, ".runs")):
            if os.path.exists(source):
                os.replace(source, f"{base}.{unique}{ext}")
        write_text(f"{base}.{unique}.json", json.dumps({**old, "trajectoryName": unique}, indent=1))
        os.remove(json_path)
        warnings.warn(
            f"{base}.* held the results of a different search (what differs: {differs}); they are kept as trajectory "
            f"{unique!r} ({base}.{unique}.*, read with loadResults(trajectoryName={unique!r})) and this search starts "
            "a new trajectory",
            stacklevel=4,
        )

    def __repr__(self):
        # Stable across processes: an evalFunction that closes over its search is fingerprinted by this.
        return f"BoxSearch({self.path!r})"

    def _read_description(self, filename=None, trajectoryName=None):
        if filename is None and self._description is not None:
            if trajectoryName in (None, self._description.get("trajectoryName")):
                return self._description
        path = self._files(filename, trajectoryName)[0]
        if not os.path.exists(path):
            raise FileNotFoundError(f"no BoxSearch results at {path}: run() the search first (or check filename)")
        return self._load_description(path)

    @classmethod
    def _load_description(cls, path):
        """A search's description from ``path``, refusing damaged files and other versions' with a clear error."""
        desc = _read_json(path, "BoxSearch description")
        if desc.get("format") != cls._FORMAT:
            raise ValueError(
                f"{path} was written by another version of jaxbrain (format {desc.get('format')!r}, this version "
                f"reads {cls._FORMAT}); delete it with the .zarr and .runs beside it and run the search again"
            )
        needed = ("mode", "names", "points", "n_runs", "settings", "fingerprint", "outputs", "bold", "time")
        missing = [k for k in needed if k not in desc]
        if missing:
            raise ValueError(f"{path} is not a complete BoxSearch description (missing {missing})")
        return desc

    def _run_file(self, index, filename=None):
        return os.path.join(self._files(filename)[2], f"run_{int(index):08d}.npz")

    # ---- running ------------------------------------------------------------------------------------

    def run(self, **kwargs):
        """Evaluate every point; ``kwargs`` go to ``model.run`` (``bold=True``, ``chunkwise``, ``chunksize``, …).

        Raises:
            RunLockedError: another live process is running the same search (the lock file ``name.lock``).
            ValueError: the files are damaged (a different search's files are kept aside, with a warning).
        """
        if self.model is not None:
            bound = inspect.signature(self.model.run).bind(**kwargs)
            bound.apply_defaults()  # run() and run(bold=False) are the same search
            names = ("bold", "chunkwise", "chunksize", "append_outputs", "continue_run")
            kwargs = dict(zip(names, _run_options(*(bound.arguments[n] for n in names))))
            explored = {name: [point[name] for point in self._points] for name in self._points[0]}
            self.model._check_explored(_apply_star_names(explored, self._star))
        self.runKwargs = dict(kwargs)
        self.results = {}
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with RunLock(self.path):
            plan = None if self.evalFunction is not None else self._sweep_plan(kwargs)
            mode = "eval" if self.evalFunction is not None else ("sweep" if plan is not None else "loop")
            desc = self._start(mode, kwargs)
            if mode == "eval":
                for i, point in enumerate(self._points):
                    self.evalFunction(_Trajectory(i, dotdict(point)))
            elif mode == "sweep":
                self._run_sweep(plan, desc["seed"], kwargs)
            else:
                self._run_loop(desc["seed"], kwargs)
        self._loaded = desc
        self.nResults = desc["n_runs"]
        self.dfResults = self._table(desc, self.results)

    def _settings_of(self, mode, kwargs):
        """Everything that determines the search's results, as :func:`jaxbrain._resume.run_settings`."""
        model = self.model
        return run_settings(
            mode=mode,
            model=None if model is None else _model_settings(model),
            kind=self.parameterSpace.kind,
            points=self._points,
            saveAllModelOutputs=self.saveAllModelOutputs,
            run=kwargs,
            evalFunction=self._function_identity,
        )

    def _start(self, mode, kwargs):
        """Write the search's description, after checking the files hold no other search; returns it."""
        json_path, zarr_path, runs_dir = self._files()
        model = self.model
        seed = None if model is None else model.params.get("seed")
        settings = self._settings_of(mode, kwargs)
        digest = fingerprint(settings)
        old = None
        if os.path.exists(json_path):
            try:
                old = self._load_description(json_path)
            except ValueError:
                if self._any_data():
                    raise  # results beside a description that cannot be read: never overwrite them blindly
        same = old is not None and old["fingerprint"] == digest
        replaces = mode == "eval" and old is not None and old["mode"] == "eval"  # an evalFunction search replaces
        if old is not None and not same and not replaces and self._has_data(old):
            self._keep_aside(old, self._differences(old["settings"], settings))
            old = None
        if mode == "eval":
            for name in os.listdir(runs_dir) if os.path.isdir(runs_dir) else ():
                if name.startswith("run_") and name.endswith(".npz"):
                    os.remove(os.path.join(runs_dir, name))
        if seed is None:
            seed = old["seed"] if same and old.get("seed") is not None else None
            if seed is None and model is not None:
                seed = int(np.random.SeedSequence().entropy % (2**31))
        space = self.parameterSpace
        grid = space.parameterNames if space.grid_shape is not None else None
        desc = {
            "format": self._FORMAT,
            "mode": mode,
            "model": type(model).__name__ if model is not None else None,
            "names": space.parameterNames,
            "kind": space.kind,
            "grid": grid,
            "values": {n: [_to_json(v) for v in vals] for n, vals in space.dict().items()} if grid else None,
            "points": {n: [_to_json(p[n]) for p in self._points] for n in space.parameterNames},
            "n_runs": self.nRuns,
            "seed": None if seed is None else int(seed),
            "fingerprint": digest,
            "settings": settings,
            "outputs": None,
            "bold": bool(kwargs.get("bold", False)),
            "time": None,
            # neurolib's trajectory name, from when the search first ran (kept while it resumes)
            "trajectoryName": (old.get("trajectoryName") if same else None) or self._new_trajectory_name(),
            # the model's keys each explored name set, for xr()'s attrs (a space with star-notation names)
            "star": self._star_description(),
        }
        if model is not None and mode != "eval":
            desc["outputs"] = list(model.output_vars) if self.saveAllModelOutputs else [model.default_output]
        if mode != "sweep":
            os.makedirs(runs_dir, exist_ok=True)
        os.makedirs(os.path.dirname(json_path), exist_ok=True)
        self._description = desc
        self.trajectoryName = desc["trajectoryName"]
        self._write_description(desc)
        return desc

    def _star_description(self):
        space = self.parameterSpace
        if self.model is None or not (space.star or self._star):
            return None
        return {name: list(self._star.get(name, [name])) for name in space.parameterNames}

    def _write_description(self, desc):
        write_text(self._files()[0], json.dumps(desc, indent=1))

    def _any_data(self):
        _, zarr_path, runs_dir = self._files()
        return os.path.exists(zarr_path) or (os.path.isdir(runs_dir) and bool(os.listdir(runs_dir)))

    def _has_data(self, desc):
        _, zarr_path, runs_dir = self._files()
        if desc.get("mode") == "sweep":
            return os.path.exists(zarr_path)
        return os.path.isdir(runs_dir) and any(n.endswith(".npz") for n in os.listdir(runs_dir))

    @staticmethod
    def _differences(stored, current):
        diff = differences(stored, current)
        return "; ".join(diff[:8]) + ("; ..." if len(diff) > 8 else "")

    def _new_trajectory_name(self):
        """neurolib's ``"results-<date>-<time>"``, made unique among the trajectories kept beside the files."""
        name = "results" + datetime.datetime.now().strftime("-%Y-%m-%d-%HH-%MM-%SS")
        unique, i = name, 1
        while os.path.exists(f"{self.path}.{unique}.json"):
            i += 1
            unique = f"{name}-{i}"
        return unique

    def _sweep_plan(self, kwargs):
        """What the batched path needs, or None when the search must run point by point."""
        model = self.model
        if getattr(model, "_spec", None) is None:
            return None  # a user's model (neurolib's Model with its own timeIntegration) runs point by point
        spec, p = model._spec, model.params
        core = {spec.key(f): f for f in spec.model.Params._fields if f not in spec.constant_inputs.values()}
        names = self.parameterSpace.parameterNames
        if any(name not in core for name in names):
            return None
        dt, duration, sampling_dt = model._settings()
        n_steps = int(round(duration / dt))
        connectome = _connectome_of(model, dt)
        params, inputs, ring_len = model._core_params_and_inputs(n_steps, connectome, dt)
        state, history, ou = model._initial(ring_len)
        if inputs or history is not None:
            return None
        if spec.model.self_delays is not None:
            # A swept local delay would change the delay ring's length from point to point.
            base_lags = spec.model.self_delays(params)
            for name in names:
                moved = params._replace(**{core[name]: np.asarray(getattr(params, core[name])) + 1.0})
                for before, after in zip(base_lags, spec.model.self_delays(moved)):
                    if (before is None) != (after is None) or not np.array_equal(before, after):
                        return None

        import jax.numpy as jnp

        def init_state(key, n_nodes, params, dtype=None):
            # The model's own initial values (exact, in the run's dtype), not a draw from the key.
            del key, n_nodes, params, dtype
            return spec.model.State(*(jnp.asarray(v) for v in state))

        bundle = spec.model._replace(
            init_state=init_state,
            ou_init=lambda params: tuple(jnp.asarray(o) for o in ou),
            coupling=coupling_by_name(p.get("coupling", spec.model.coupling)),
        )
        chunk = None
        if kwargs.get("chunkwise") or kwargs.get("chunksize") is not None:
            chunk = int(kwargs["chunksize"]) if kwargs.get("chunksize") is not None else int(round(2000.0 / dt))
        every = int(round((sampling_dt or dt) / dt))
        start = 0
        if chunk is not None and not kwargs.get("append_outputs"):
            # model.run keeps only the last chunk's outputs when not appending (neurolib's behaviour).
            start = ((n_steps // every) * every - 1) // chunk * chunk // every
        own = self.parameterSpace
        if own.kind == "bound" or getattr(own, "_duplicated", False):
            # neurolib's box (its two zipped corners) or a grid with a repeated value: the points, listed.
            space = ParameterSpace({core[n]: list(v) for n, v in own.get_parametrization().items()}, kind="explicit")
        else:
            space = ParameterSpace({core[n]: v for n, v in own.dict().items()}, kind=own.kind)
        return dict(
            bundle=bundle,
            space=space,
            params=params,
            connectome=connectome,
            settings=dict(
                duration=duration, dt=dt, sampling_dt=sampling_dt, signalV=float(p["signalV"]), chunksize=chunk
            ),
            time=dict(dt=dt, n_steps=n_steps, every=every, start=start),
        )

    def _run_sweep(self, plan, seed, kwargs):
        import contextlib

        import jax
        import jax.random as jr

        from ....explore import evaluator, sweep

        outputs = tuple(self._description["outputs"])
        start = plan["time"]["start"]
        with_bold = bool(kwargs.get("bold", False))

        def keep(res):
            out = {name: res.outputs[name][:, start:] for name in outputs}
            if with_bold:
                out["BOLD"] = res.bold
            return out

        dims = {name: ("time", "node") for name in outputs}
        dims["BOLD"] = ("time_bold", "node")
        self._description["time"] = plan["time"]
        self._write_description(self._description)
        # In the precision model.run uses (float64, as neurolib, unless the model's x64 is off).
        with jax.enable_x64(True) if getattr(self.model, "x64", False) else contextlib.nullcontext():
            sweep(
                plan["bundle"],
                plan["space"],
                plan["connectome"],
                key=jr.key(seed),
                params=plan["params"],
                evaluate=evaluator(keep, outputs=outputs, bold=with_bold, dims=dims),
                store=self._files()[1],
                bold=with_bold,
                **plan["settings"],
            )

    def _model_for(self, point, seed=None):
        """A fresh copy of the search's model with the point's parameters (and ``seed``, if given)."""
        params = dotdict(copy.deepcopy(dict(self.model.params)))
        params.update(_apply_star_names(point, self._star))
        if seed is not None and params.get("seed") is None:
            params["seed"] = seed
        return self.model._with_params(params)

    def _stored_run_is_good(self, path, index):
        """Whether ``path`` holds run ``index`` of this search, intact; a damaged or foreign file is reported
        (a warning) and will be recomputed."""
        try:
            _, meta = _load_results(path, "BoxSearch run")
        except ValueError as err:
            warnings.warn(f"{err}; recomputing run {index}", RuntimeWarning, stacklevel=3)
            return False
        if meta.get("search") != self._description["fingerprint"] or meta.get("run") != index:
            warnings.warn(f"{path} is not run {index} of this search; recomputing it", RuntimeWarning, stacklevel=3)
            return False
        return True

    def _run_loop(self, seed, kwargs):
        outputs = self._description["outputs"]
        meta = {"search": self._description["fingerprint"]}
        for i, point in enumerate(self._points):
            path = self._run_file(i)
            if os.path.exists(path) and self._stored_run_is_good(path, i):
                continue
            model = self._model_for(point, seed)
            model.run(**kwargs)
            arrays = {name: np.asarray(model[name]) for name in outputs}
            arrays["t"] = np.asarray(model.t)
            if model.BOLD is not None:
                arrays["BOLD"] = np.asarray(model.BOLD["BOLD"])
                arrays["t_BOLD"] = np.asarray(model.BOLD["t_BOLD"])
            _save_results(path, arrays, dict(meta, run=i))

    # ---- inside an evalFunction ----------------------------------------------------------------------

    def getParametersFromTraj(self, traj):
        """The run's parameters: the model's ``params`` with the explored values applied (a dotdict; a
        star_dotdict for a MultiModel, each star-notation name applied to every key it matches)."""
        if self.model is None:
            return dotdict(traj.parameters)
        kind = star_dotdict if isinstance(self.model.params, star_dotdict) else dotdict
        params = kind(copy.deepcopy(dict(self.model.params)))
        params.update(_apply_star_names(traj.parameters, self._star))
        return params

    def getModelFromTraj(self, traj):
        """A copy of the model with the run's parameters applied (the search's own model is not changed)."""
        if self.model is None:
            raise ValueError("this BoxSearch has no model; pass BoxSearch(model=..., ...)")
        return self._model_for(traj.parameters)

    def saveToPypet(self, outputs, traj):
        """Store a (nested) dict of numbers, strings and arrays as the results of ``traj``'s run."""
        if not isinstance(outputs, dict):
            raise NeurolibTypeError(f"saveToPypet takes a dict of results; got {type(outputs).__name__}")
        path = self._run_file(traj.v_idx)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        arrays, lists = {}, set()
        if os.path.exists(path):
            arrays, meta = _load_results(path, "BoxSearch run")
            lists = set(meta.get("lists") or ())
        flat = _flatten(outputs)
        arrays.update({name: _storable(name, v) for name, v in flat.items()})
        lists = (lists - set(flat)) | {name for name, v in flat.items() if isinstance(v, list)}
        search = None if self._description is None else self._description["fingerprint"]
        _save_results(path, arrays, {"search": search, "run": int(traj.v_idx), "lists": sorted(lists)})
        self.results[traj.v_idx] = _from_disk(_with_lists(arrays, lists), True)

    # ---- results ------------------------------------------------------------------------------------

    def loadResults(self, all=True, filename=None, trajectoryName=None, pypetShortNames=True, memory_cap=95.0):
        """Read the stored results into ``results`` (``all=True``) and ``dfResults``.

        Args:
            all: load every run's results; ``False`` loads ``dfResults`` only.
            filename: read another search's files (default: this search's).
            trajectoryName: read this trajectory of the filename (an earlier search kept beside the latest; default:
                the latest search).
            pypetShortNames: name results by their leaf names (``"BOLD"``, not ``"BOLD.BOLD"``).
            memory_cap: refuse (``MemoryError``) to load results that would push RAM use above this %.
        """
        desc = self._read_description(filename, trajectoryName)
        _, zarr_path, runs_dir = self._files(filename, trajectoryName)
        results = {}
        if desc["mode"] == "sweep":
            if all and os.path.exists(zarr_path):
                import xarray as xr

                _check_memory(xr.open_zarr(zarr_path, consolidated=False).nbytes, memory_cap)
                from ....explore import SweepStore

                ds = SweepStore.load(zarr_path).to_xarray()
                for i in np.flatnonzero(ds["done"].values):
                    results[int(i)] = self._sweep_run(desc, {k: ds[k].values[i] for k in self._stored(desc)})
        else:
            files = {i: os.path.join(runs_dir, f"run_{i:08d}.npz") for i in range(desc["n_runs"])}
            files = {i: f for i, f in files.items() if os.path.exists(f)}
            if all:
                _check_memory(sum(os.path.getsize(f) for f in files.values()), memory_cap)
            damaged = []
            for i, f in files.items():
                try:
                    values = self._read_run(desc, i, f)
                except ValueError as err:
                    damaged.append(str(err))
                    continue
                if not all:
                    values = {k: v for k, v in values.items() if getattr(v, "ndim", None) == 0}
                results[i] = _from_disk(values, pypetShortNames)
            if damaged:
                raise ValueError(
                    f"{len(damaged)} stored run(s) cannot be used: " + " | ".join(damaged[:5])
                    + (" | ..." if len(damaged) > 5 else "") + ". run() the search again to recompute them"
                )  # fmt: skip
        self._loaded = desc
        self.trajectoryName = desc.get("trajectoryName")
        self.nResults = desc["n_runs"]
        self.results = results if all else {}
        self.dfResults = self._table(desc, results)
        return self.results

    def loadDfResults(self, filename=None, trajectoryName=None):
        """Set ``dfResults`` to the table of the explored parameters, one row per run (no results are read;
        :meth:`loadResults` adds them); ``trajectoryName`` as in :meth:`loadResults`."""
        desc = self._read_description(filename, trajectoryName)
        self.trajectoryName = desc.get("trajectoryName")
        self.nResults = desc["n_runs"]
        self.dfResults = self._table(desc, {})
        return self.dfResults

    def aggregateResultsToDfResults(self, arrays=True, fillna=False):
        """Rebuild ``dfResults`` from the results: ``results`` when every run is loaded, else each run read from
        disk (runs not stored yet stay empty).

        Args:
            arrays: keep array and list results as object columns (``False``: numbers only).
            fillna: fill missing values with 0.
        """
        desc = self._loaded if self._loaded is not None else self._read_description()
        n = desc["n_runs"]
        results = self.results if len(self.results) == n else {}
        if not results:
            for i in range(n):
                try:
                    results[i] = self.getRun(i)
                except KeyError:
                    continue
        table = self._table(desc, results)
        if not arrays:
            kept = set(desc["names"])
            for key in list(table.columns):
                if key not in kept and table[key].map(lambda v: isinstance(v, (np.ndarray, list, tuple))).any():
                    table = table.drop(columns=key)
        self.dfResults = table.fillna(0) if fillna else table
        return self.dfResults

    @staticmethod
    def _fillin_default_parameters_for_sequential(in_dict, model_params):
        """neurolib's sequence layout with the gaps (``None``) filled by the model's values; a star-notation name
        takes the value its matches share (a ValueError naming it when they differ)."""

        def value(name):
            return _star_value(model_params, name) if "*" in name else model_params[name]

        return {name: [value(name) if v is None else v for v in values] for name, values in in_dict.items()}

    @staticmethod
    def _stored(desc):
        return list(desc["outputs"]) + (["BOLD"] if desc["bold"] else [])

    @staticmethod
    def _sweep_run(desc, row):
        """One run of the sweep store in neurolib's layout: ``[node, time]`` arrays, ``t`` and ``t_BOLD`` in ms."""
        tm = desc["time"]
        dt, n_steps, every = tm["dt"], tm["n_steps"], tm["every"]
        # The time grids of jaxbrain.simulate: sample k at (k + 1)·dt; BOLD at steps k ≡ 1 (mod 2 s / dt).
        out = dotdict({name: np.asarray(row[name]).T for name in desc["outputs"]})
        out["t"] = ((np.arange(0, n_steps, every) + 1) * dt)[tm["start"] :]
        if desc["bold"]:
            out["BOLD"] = np.asarray(row["BOLD"]).T
            out["t_BOLD"] = np.arange(1, n_steps, int(round(2000.0 / dt))) * dt
        return out

    def getRun(self, runId, filename=None, trajectoryName=None, pypetShortNames=True):
        """One run's results, read from disk (a dotdict), with ``params``: the run's explored values
        (``trajectoryName`` as in :meth:`loadResults`)."""
        desc = self._read_description(filename, trajectoryName)
        base = self._files(filename, trajectoryName)[0][: -len(".json")]
        return _read_stored_run(base, desc, runId, pypetShortNames)

    @staticmethod
    def _read_run(desc, index, path):
        """Run ``index``'s stored values (lists saved as lists read back as lists); a ValueError naming ``path``
        when it is damaged or of another search."""
        values, meta = _load_results(path, "BoxSearch run")
        if meta.get("search") not in (None, desc["fingerprint"]) or meta.get("run") != index:
            raise ValueError(f"{path} is not run {index} of the search described in {path.rsplit('.runs', 1)[0]}.json")
        return _with_lists(values, meta.get("lists") or ())

    def getResult(self, runId):
        """One run's results: from ``results`` when loaded, else from disk."""
        if int(runId) in self.results:
            return self.results[int(runId)]
        return self.getRun(runId)

    def _table(self, desc, results):
        import pandas as pd

        n = desc["n_runs"]
        columns = {}
        for name in desc["names"]:
            values = desc["points"][name]
            if any(isinstance(v, list) for v in values):
                column = np.empty(n, dtype=object)
                for i, v in enumerate(values):
                    column[i] = np.asarray(v, dtype=np.float64)
                columns[name] = column
            elif any(isinstance(v, str) for v in values):
                columns[name] = list(values)
            else:
                columns[name] = np.asarray(values, dtype=np.float64)
        # neurolib's aggregation: a column per result, numbers as numbers, arrays and lists as objects
        keys = []
        for run in results.values():
            keys += [k for k, v in run.items() if k not in keys and k not in columns and not isinstance(v, dict)]
        for key in keys:
            values = [results.get(i, {}).get(key, np.nan) for i in range(n)]
            if any(isinstance(v, (np.ndarray, list, tuple)) for v in values):
                column = np.empty(n, dtype=object)
                column[:] = [None] * n
                for i, v in enumerate(values):
                    column[i] = v
                values = column
            columns[key] = values
        return pd.DataFrame(columns, index=pd.RangeIndex(n))

    def xr(self, bold=False):
        """The runs' time series as an ``xarray.DataArray`` (neurolib's layout).

        Dims ``[<explored parameters>..., "output", "space", "time"]`` for a grid of scalar values (``"run_no"``
        in place of the parameters otherwise); with ``bold=True`` the output ``"BOLD"`` on ``t_BOLD``. Runs
        not stored yet are NaN.
        """
        import xarray as xr

        if not self.results:
            self.loadResults()
        if not self.results:
            raise ValueError("no results stored: run() the search first")
        desc = self._loaded if self._loaded is not None else self._read_description()
        first = self.results[min(self.results)]
        if bold:
            if "BOLD" not in first:
                raise ValueError("no BOLD stored: run the search with run(bold=True)")
            names, time_key = ["BOLD"], "t_BOLD"
        else:
            names = desc["outputs"] or [
                k for k, v in first.items() if isinstance(v, np.ndarray) and v.ndim == 2 and k != "BOLD"
            ]
            if not names:
                raise ValueError("the runs stored no [space, time] arrays")
            time_key = "t"
        shape = np.shape(first[names[0]])
        data = np.full((desc["n_runs"], len(names)) + shape, np.nan)
        for i, run in self.results.items():
            for j, name in enumerate(names):
                if np.shape(run[name]) != shape:
                    raise ValueError(f"run {i}'s {name!r} has shape {np.shape(run[name])}, run 0's {shape}")
                data[i, j] = run[name]
        times = first.get(time_key)
        times = np.arange(shape[1]) if times is None or len(times) != shape[1] else np.asarray(times)
        coords = {"output": names, "space": np.arange(shape[0]), "time": times}
        if desc["grid"]:
            grid = desc["grid"]
            data = data.reshape(tuple(len(desc["values"][n]) for n in grid) + data.shape[1:])
            coords.update({n: desc["values"][n] for n in grid})
            dims = [*grid, "output", "space", "time"]
        else:
            coords["run_no"] = np.arange(desc["n_runs"])
            dims = ["run_no", "output", "space", "time"]
        # neurolib's attrs of a star-notation space: the keys each explored name set, under the name with "*",
        # "." and "|" written as "_"
        attrs = {_sanitize_keys(n, _ATTR_REPLACE): list(keys) for n, keys in (desc.get("star") or {}).items()}
        return xr.DataArray(data, dims=dims, coords=coords, attrs=attrs)

    def info(self):
        """Print a short summary of the search."""
        space = self.parameterSpace
        explored = ", ".join(f"{n} ({len(v)} values)" for n, v in space.dict().items())
        if self.evalFunction is not None:
            how = f"evalFunction {getattr(self.evalFunction, '__name__', self.evalFunction)!r}, one run at a time"
        else:
            mode = (self._loaded or self._description or {}).get("mode")
            how = {
                "sweep": "default evaluation, batched through jaxbrain.explore.sweep",
                "loop": "default evaluation, one model.run() per point (a swept name changes shapes)",
            }.get(mode, "default evaluation (batched through jaxbrain.explore.sweep where possible; not run yet)")
        print(f"BoxSearch: {type(self.model).__name__ if self.model is not None else 'no model'}")
        print(f"  explored ({space.kind}): {explored} -> {self.nRuns} runs")
        print(f"  evaluation: {how}")
        print(
            f"  files: {self.path}.json / .zarr / .runs"
            + (f" (trajectory {self.trajectoryName})" if self.trajectoryName else "")
        )
        loaded = len(self.results)
        print(f"  results loaded: {loaded} of {self.nRuns} runs" + ("" if loaded else " (call loadResults())"))
