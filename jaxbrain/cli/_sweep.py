"""``jaxbrain sweep``: a parameter grid in batches into a resumable result store."""

from __future__ import annotations

import sys
from pathlib import Path

from ._common import (
    BOLD_TRANSIENT_MS,
    COMMAND_ERRORS,
    PLOT_FORMATS,
    TR_MS,
    _is_number,
    _layered_settings,
    _named_table,
    _read_config,
    _split_item,
    _UsageError,
    _write_atomic,
    fail,
)

SWEEP_DEFAULTS = {
    "model": "hopf",
    "dataset": "none",
    "grid": {},
    "params": {},
    "duration": 2.0,
    "evaluate": "max",
    "store": "jaxbrain-sweep.zarr",
    "batch_size": None,
    "bold": False,
    "dt": 0.1,
    "sampling_dt": 1.0,
    "signalV": 20.0,
    "seed": 0,
    "plot": None,
}


SWEEP_DATASETS = ("gw", "hcp", "none")


SWEEP_EVALUATIONS = ("max", "fc", "fcd", "trace")


FCD_WINDOW, FCD_STEP = 30, 5  # fcd_ks's sliding window and its step, in BOLD samples


SWEEP_EPILOG = """\
grid values:
  --grid NAME=START:STOP:NUM   NUM evenly spaced values from START to STOP, both included (numpy.linspace)
  --grid NAME=V1,V2,V3         the values listed
  Several --grid options make a full grid, in the order given (the last one varies fastest).

evaluations (what is kept of each simulation):
  max    max_, min_ and amplitude_<output> of the model's default output over the last second (all nodes;
         over the whole run when --duration is shorter, as the first line of the output says)
  fc     fc: mean correlation of the simulated FC (BOLD after the first 10 s) with each subject's FC, and
         fc_subjects; needs --bold, --dataset gw or hcp, and --duration of at least 16 s
  fcd    fcd: mean Kolmogorov-Smirnov distance of the simulated FCD to the subjects' (lower is better);
         needs --bold, --dataset gw or hcp, and --duration of at least 82 s (two FCD windows of 30 BOLD
         samples after the first 10 s)
  trace  the default output's time series (large: every point keeps time x node samples)

config file (--config sweep.toml): the same settings as TOML keys. Flags given on the command line
override the file; --grid and --param add to, or replace, the file's entries of the same name.
Relative paths are relative to the directory the command runs in.

  model = "aln"
  dataset = "none"                 # gw, hcp, or none (one uncoupled node)
  duration = 2.0                   # seconds of simulated time per point
  evaluate = "max"                 # max, fc, fcd or trace
  store = "aln-bifurcation.zarr"   # the result store (a directory)
  plot = "aln-bifurcation.png"     # optional
  batch_size = 64                  # optional; default from the free memory
  bold = false
  dt = 0.1                         # ms
  sampling_dt = 1.0                # ms
  signalV = 20.0                   # mm/ms
  seed = 0

  [grid]                           # the swept parameters, in grid order
  mue_ext_mean = "0:3:21"          # START:STOP:NUM, "V1,V2,...", or a list [0.0, 1.5, 3.0]
  mui_ext_mean = "0:3:21"

  [params]                         # fixed parameters
  sigma_ou = 0.0

Resuming: run the same command again. Batches already in the store are skipped, so a crash loses at most
the batch in flight; --batch-size may differ (the store keeps its own chunking). A store holds one sweep: a
rerun whose settings differ (model, grid, params, evaluation, duration, dt, seed, ...) is refused, naming what
differs; another sweep needs another --store. Damaged batches (missing, truncated or edited chunks) are found
by their checksums and recomputed. Batches another running process has claimed are left to it.
Several processes (e.g. srun on a SLURM cluster): add --distributed; see docs/sweeps.md.
"""


def _grid_values(name, spec, where):
    """Grid values from ``"START:STOP:NUM"``, ``"V1,V2,..."``, a list of numbers or one number."""
    import math

    import numpy as np

    form = f"{where} {name}: expected NAME=START:STOP:NUM or NAME=V1,V2,..."
    if where.startswith("--config"):
        form += " (or a TOML list of numbers)"
    if _is_number(spec):
        values = [float(spec)]
    elif isinstance(spec, list):
        if not spec or not all(_is_number(v) for v in spec):
            raise _UsageError(f"{form}; got the list {spec!r}")
        values = [float(v) for v in spec]
    elif isinstance(spec, str) and ":" in spec:
        parts = spec.split(":")
        try:
            if len(parts) != 3:
                raise ValueError
            start, stop, num = float(parts[0]), float(parts[1]), int(parts[2])
        except ValueError:
            raise _UsageError(f"{form}; got {spec!r} (START and STOP numbers, NUM a whole number)") from None
        if num < 1:
            raise _UsageError(f"{where} {name}: NUM must be at least 1; got {spec!r}")
        values = np.linspace(start, stop, num).tolist()
    elif isinstance(spec, str):
        try:
            values = [float(v) for v in spec.split(",")]
        except ValueError:
            raise _UsageError(f"{form}; got {spec!r}") from None
    else:
        raise _UsageError(f"{form}; got {spec!r}")
    if not all(math.isfinite(v) for v in values):
        raise _UsageError(f"{where} {name}: values must be finite; got {spec!r}")
    if len(set(values)) != len(values):
        raise _UsageError(f"{where} {name}: a value is repeated in {spec!r}; each grid value must be distinct")
    return values


def _read_sweep_config(path):
    """The settings of a TOML sweep file, checked for known keys and types."""
    kinds = {
        "model": str,
        "dataset": str,
        "evaluate": str,
        "store": str,
        "plot": str,
        "duration": float,
        "dt": float,
        "sampling_dt": float,
        "signalV": float,
        "batch_size": int,
        "seed": int,
        "bold": bool,
    }

    def grid_table(value):
        return _named_table(path, "grid", value, _grid_values, "NAME = value")

    return _read_config(path, kinds, {"grid": grid_table}, SWEEP_DEFAULTS)


def _sweep_settings(args):
    """Defaults, then the config file, then the command line; checked before anything runs."""
    from ..models import get_model

    cfg = _layered_settings(SWEEP_DEFAULTS, _read_sweep_config, args, ("grid", "params"))
    grid, params = dict(cfg["grid"]), dict(cfg["params"])
    cli_grid = {}
    for item in args.grid or ():
        name, spec = _split_item(item, "--grid", "NAME=START:STOP:NUM or NAME=V1,V2,...")
        if name in cli_grid:
            raise _UsageError(f"--grid {name} is given twice")
        cli_grid[name] = _grid_values(name, spec, "--grid")
    cli_params = {}
    for item in args.param or ():
        name, value = _split_item(item, "--param", "NAME=VALUE")
        try:
            cli_params[name] = float(value)
        except ValueError:
            raise _UsageError(f"--param {name} needs a number; got {value!r}") from None
    for name in cli_grid:
        if name in cli_params:
            raise _UsageError(f"{name!r} is given both as --grid (swept) and as --param (fixed)")
        params.pop(name, None)
    for name in cli_params:
        grid.pop(name, None)
    grid.update(cli_grid)
    params.update(cli_params)
    cfg["grid"], cfg["params"] = grid, params

    try:
        model = get_model(cfg["model"])
    except ValueError as err:
        raise _UsageError(str(err)) from None
    if cfg["dataset"] not in SWEEP_DATASETS:
        raise _UsageError(f"--dataset must be one of {', '.join(SWEEP_DATASETS)}; got {cfg['dataset']!r}")
    if cfg["evaluate"] not in SWEEP_EVALUATIONS:
        raise _UsageError(f"--evaluate must be one of {', '.join(SWEEP_EVALUATIONS)}; got {cfg['evaluate']!r}")
    if not grid:
        raise _UsageError("give at least one --grid NAME=START:STOP:NUM (or a [grid] table in --config)")
    both = sorted(set(grid) & set(params))
    if both:
        raise _UsageError(f"{both} are both swept ([grid]) and fixed ([params]) in the config file")
    fields = list(model.Params._fields)
    for what, names in (("--grid", grid), ("--param", params)):
        unknown = [n for n in names if n not in fields]
        if unknown:
            raise _UsageError(f"{what}: unknown parameter(s) {unknown} for model {model.name!r}; valid: {fields}")
    for key in ("duration", "dt", "sampling_dt"):
        if not cfg[key] > 0:
            raise _UsageError(f"--{key.replace('_', '-')} must be > 0; got {cfg[key]}")
    if cfg["batch_size"] is not None and cfg["batch_size"] < 1:
        raise _UsageError(f"--batch-size must be >= 1; got {cfg['batch_size']}")
    if cfg["evaluate"] in ("fc", "fcd"):
        what = f"--evaluate {cfg['evaluate']}"
        if cfg["dataset"] == "none":
            raise _UsageError(f"{what} compares with a dataset's subjects: give --dataset gw or hcp")
        if not cfg["bold"]:
            raise _UsageError(f"{what} needs the simulated BOLD: add --bold")
        # fc: a correlation needs a few BOLD samples; fcd: at least two windows to compare.
        samples = 3 if cfg["evaluate"] == "fc" else FCD_WINDOW + FCD_STEP + 1
        needed = (BOLD_TRANSIENT_MS + samples * TR_MS) / 1000.0
        if cfg["duration"] < needed:
            raise _UsageError(
                f"{what} needs at least {needed:g} s (>= {samples} BOLD samples, one per {TR_MS / 1000:g} s, "
                f"after the first {BOLD_TRANSIENT_MS / 1000:g} s); got --duration {cfg['duration']:g}"
            )
    if cfg["plot"] is not None:
        if cfg["evaluate"] == "trace":
            raise _UsageError("--plot maps a number per point: use --evaluate max, fc or fcd (trace keeps series)")
        if len(grid) < 2:
            raise _UsageError("--plot maps a result over two parameters: give at least two --grid parameters")
        fmt = Path(cfg["plot"]).suffix.lstrip(".").lower() or "png"
        if fmt not in PLOT_FORMATS:
            raise _UsageError(f"--plot: unknown image format {fmt!r}; use one of {', '.join(PLOT_FORMATS)}")
    return cfg


def _max_window_ms(cfg):
    """The window of --evaluate max: the last second, or the whole run when it is shorter (said in the header)."""
    return min(1000.0, cfg["duration"] * 1000.0)


def _sweep_evaluator(kind, model, dataset, window_ms=1000.0):
    """The evaluator, the result the summary and the plot show, and whether higher or lower is better."""
    from ..explore import fc_fit, fcd_ks, trace, window_stats

    if kind == "max":
        return window_stats(last_ms=window_ms), f"max_{model.default_output}", None
    if kind == "fc":
        return fc_fit(dataset, transient_ms=BOLD_TRANSIENT_MS), "fc", "highest"
    if kind == "fcd":
        return fcd_ks(dataset, transient_ms=BOLD_TRANSIENT_MS), "fcd", "lowest"
    return trace(model.default_output), None, None


def run_sweep(cfg, *, distributed=False, progress=True):
    """Run (or resume) the sweep ``cfg`` describes, print a summary and write the plot; returns the exit status."""
    import jax
    import jax.random as jr

    from .. import Connectome, Dataset, get_model
    from ..explore import ParameterSpace, sweep

    model = get_model(cfg["model"])
    dataset = None if cfg["dataset"] == "none" else Dataset(cfg["dataset"])
    connectome = Connectome.single_node() if dataset is None else Connectome.from_dataset(dataset)
    evaluate, shown, better = _sweep_evaluator(cfg["evaluate"], model, dataset, _max_window_ms(cfg))
    grid = cfg["grid"]
    shape = " x ".join(f"{name} ({len(values)})" for name, values in grid.items())
    where = "one node" if dataset is None else f"{cfg['dataset']} ({connectome.n_nodes} regions)"
    evaluation = cfg["evaluate"]
    if evaluation == "max":
        evaluation += f" (over the last {_max_window_ms(cfg):g} ms)"
    print(
        f"jaxbrain sweep: {model.name} on {where}, grid {shape}, {cfg['duration']:g} s per point, "
        f"evaluate {evaluation}, store {cfg['store']}",
        file=sys.stderr,
    )
    computed = []
    res = sweep(
        model,
        ParameterSpace(grid),
        connectome,
        key=jr.key(cfg["seed"]),
        params=cfg["params"],
        evaluate=evaluate,
        store=cfg["store"],
        batch_size=cfg["batch_size"],
        duration=cfg["duration"] * 1000.0,
        dt=cfg["dt"],
        sampling_dt=cfg["sampling_dt"],
        signalV=cfg["signalV"],
        bold=cfg["bold"],
        progress=progress,
        on_batch=computed.append,
    )
    if distributed:
        from jax.experimental import multihost_utils

        # Every process must have written its batches before process 0 reads the whole store.
        multihost_utils.sync_global_devices("jaxbrain sweep: all batches written")
        if jax.process_index() != 0:
            print(f"process {jax.process_index()}: computed {len(computed)} batch(es)", file=sys.stderr)
            return 0
    store = res.store
    table = store.to_dataframe()
    done = store.done()
    n_points = len(table)
    if distributed:
        share = f"process 0 of {jax.process_count()} computed {len(computed)} batch(es)"
    else:
        share = f"computed {len(computed)} batch(es) now, {int(done.sum()) - len(computed)} already stored"
    print(f"sweep: {n_points} points ({shape}); {share}; {int(done.sum())}/{len(done)} batches done")
    if not done.all():
        print(f"  {int((~done).sum())} batch(es) not done: run the same command again to finish the sweep")
    failed = table[table["done"] & ~table["ok"]]
    print(f"failed points (diverged, ok = False): {len(failed)} of {n_points}")
    for _, row in failed.head(5).iterrows():
        print("  " + ", ".join(f"{name} = {row[name]:g}" for name in grid))
    if shown is not None:
        good = table[table["done"] & table["ok"]][[*grid, shown]].dropna()
        if len(good):
            print(f"{shown}: {good[shown].min():.4g} to {good[shown].max():.4g} over the grid")
        if better is not None and len(good):
            best = good.loc[good[shown].idxmax() if better == "highest" else good[shown].idxmin()]
            where = ", ".join(f"{name} = {best[name]:g}" for name in grid)
            print(f"best point ({better} {shown} = {best[shown]:.4g}): {where}")
    print(f"store: {store.path}")
    if cfg["plot"] is not None:
        path = Path(cfg["plot"])
        _sweep_figure(table, grid, shown, model.name, path)
        print(f"plot: {path}")
    return 0


def _sweep_figure(table, grid, value, model_name, path):
    from ..plot import sweep_map

    x, y, *others = grid
    rows = table
    fixed = []
    for name in others:  # a map has two axes: the other grid parameters at their first value
        rows = rows[rows[name] == grid[name][0]]
        fixed.append(f"{name} = {grid[name][0]:g}")
    fig = sweep_map(rows, x, y, value)
    fig.axes[0].set_title(f"{model_name}: {value}" + (f" ({', '.join(fixed)})" if fixed else ""))
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix.lstrip(".").lower() or "png"
    _write_atomic(path, lambda p: fig.savefig(p, format=fmt, dpi=120))


def _sweep_command(args, parser):
    try:
        cfg = _sweep_settings(args)
    except _UsageError as err:
        parser.error(str(err))
    if args.distributed:
        import jax

        # Before any computation: JAX finds the processes from SLURM (or Open MPI, TPU) variables.
        try:
            jax.distributed.initialize()
        except (ValueError, RuntimeError) as err:
            raise SystemExit(
                f"jaxbrain: --distributed could not start jax.distributed ({err}). Run it as one of several "
                "processes started by srun (SLURM) or mpirun (Open MPI), or drop --distributed"
            ) from None
    try:
        return run_sweep(cfg, distributed=args.distributed, progress=args.progress)
    except COMMAND_ERRORS as err:
        # Refused resumes (another sweep's store), damaged stores, bad settings and file-system refusals: the
        # message and exit status 2, as every subcommand reports them, no traceback.
        fail("sweep", err)
