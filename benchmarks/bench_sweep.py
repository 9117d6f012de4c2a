"""Sweep benchmark: jaxbrain's batched sweep against neurolib's BoxSearch on the same grids.

Two sweeps, each reducing every simulation to the maximum of the default output over its last second
(neurolib's exploration example):

* **ALN bifurcation diagram**: one ALN node, 21 × 21 grid over ``mue_ext_mean``, ``mui_ext_mean`` in
  [0, 3], 2 s each, dt 0.1 ms, noise off.
* **Hopf on gw**: the 80-node gw network, 64 values of ``K_gl`` in [0.1, 1.0], 10 s each, dt 0.1 ms,
  sigma_ou 0.1, signalV 20 mm/ms.

jaxbrain: ``jaxbrain.explore.sweep`` with the ``window_stats`` evaluator, results in a fresh zarr store;
the time includes compilation (what a user waits for) and a second, warm sweep into another store is
timed too. neurolib: ``BoxSearch`` with an ``evalFunction`` that runs the model and stores the same
maximum, on all cores (pypet multiprocessing). neurolib pays seconds of process start-up and numba
recompilation per run, so by default only a subset of each grid is timed (16 ALN points, 8 Hopf points,
spread over the grid) and the time per point is multiplied by the grid size; ``--full`` times whole grids.
Ratio = neurolib (extrapolated) / jaxbrain cold wall time. Target (issue): >= 30x on the network sweep.

Run from the repository root with jaxbrain's interpreter (neurolib's venv as in shared/baseline)::

    PYTHONPATH=. python benchmarks/bench_sweep.py            # writes the bench_sweep block of RESULTS.md
    PYTHONPATH=. python benchmarks/bench_sweep.py --quick    # smoke test, nothing written
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import sys
import tempfile
from pathlib import Path

from bench_core import (
    DEFAULT_NEUROLIB_PYTHON,
    REPO_ROOT,
    _emit,
    _fmt,
    _machine,
    _neurolib_python,
    _peak_rss_mb,
    _run_worker,
    _timed,
    _versions,
    write_results,
)

DEFAULT_OUT = REPO_ROOT / "benchmarks" / "RESULTS.md"
BLOCK = ("<!-- bench_sweep:start -->", "<!-- bench_sweep:end -->")
TARGET_NETWORK = 30.0

SWEEPS = {
    "aln_grid": dict(
        model="aln",
        dataset=None,
        grid={"mue_ext_mean": (0.0, 3.0, 21), "mui_ext_mean": (0.0, 3.0, 21)},
        duration=2000.0,
        params={},
        subset=16,
        label="ALN, 1 node, 21×21 mue_ext_mean × mui_ext_mean, 2 s each",
    ),
    "hopf_net": dict(
        model="hopf",
        dataset="gw",
        grid={"K_gl": (0.1, 1.0, 64)},
        duration=10_000.0,
        params={"sigma_ou": 0.1},
        subset=8,
        label="Hopf, gw 80 nodes, 64 values of K_gl, 10 s each",
    ),
}
DT = 0.1
SIGNAL_V = 20.0
LAST_MS = 1000.0


def _grid_values(spec, quick):
    import numpy as np

    values = {}
    for name, (lo, hi, num) in spec["grid"].items():
        values[name] = np.linspace(lo, hi, 3 if quick else num).tolist()
    return values


def worker_jaxbrain(args):
    import jax
    import jax.random as jr

    import jaxbrain as jb
    from jaxbrain.explore import ParameterSpace, sweep, window_stats

    spec = SWEEPS[args.sweep]
    values = _grid_values(spec, args.quick)
    connectome = jb.Connectome.from_dataset(jb.Dataset(spec["dataset"])) if spec["dataset"] else None
    duration = 200.0 if args.quick else spec["duration"]
    model = jb.get_model(spec["model"])

    def run(store):
        return sweep(
            spec["model"],
            ParameterSpace(values),
            connectome,
            key=jr.key(0),
            params=spec["params"],
            evaluate=window_stats(model.default_output, last_ms=min(LAST_MS, duration / 2)),
            store=store,
            duration=duration,
            dt=DT,
            signalV=SIGNAL_V,
            progress=False,
        )

    with tempfile.TemporaryDirectory() as tmp:
        cold, cold_cpu, res = _timed(lambda: run(Path(tmp) / "cold"))
        warm, warm_cpu, _ = _timed(lambda: run(Path(tmp) / "warm"))
        n_points = int(res.dataset["ok"].size)
        n_ok = int(res.dataset["ok"].sum())
        batch = res.store.batch_size
    device = jax.devices()[0]
    _emit(
        {
            "tool": "jaxbrain",
            "sweep": args.sweep,
            "points": n_points,
            "ok": n_ok,
            "batch_size": batch,
            "cold_s": cold,
            "cold_cpu_s": cold_cpu,
            "warm_s": warm,
            "warm_cpu_s": warm_cpu,
            "peak_rss_mb": _peak_rss_mb(),
            "device": f"{device.platform} ({device.device_kind}), {jax.device_count()} device(s)",
            "versions": {**_versions(("jax", "jaxlib", "zarr")), "jaxbrain": jb.__version__},
        }
    )


def worker_neurolib(args):
    import logging
    import warnings

    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    import importlib

    import numpy as np
    from neurolib.optimize.exploration import BoxSearch
    from neurolib.utils.loadData import Dataset
    from neurolib.utils.parameterSpace import ParameterSpace

    spec = SWEEPS[args.sweep]
    values = _grid_values(spec, args.quick)
    names = list(values)
    # The timed subset: points spread evenly over the grid, run as neurolib's explicit (zipped) space.
    grid = np.array(np.meshgrid(*values.values(), indexing="ij")).reshape(len(names), -1).T
    take = np.linspace(0, len(grid) - 1, min(len(grid), spec["subset"] if not args.full else len(grid))).round()
    subset = grid[take.astype(int)]
    module, cls = {"aln": ("neurolib.models.aln", "ALNModel"), "hopf": ("neurolib.models.hopf", "HopfModel")}[
        spec["model"]
    ]
    model_cls = getattr(importlib.import_module(module), cls)
    if spec["dataset"]:
        ds = Dataset(spec["dataset"])
        model = model_cls(Cmat=ds.Cmat, Dmat=ds.Dmat)
    else:
        model = model_cls()
    model.params["duration"] = 200.0 if args.quick else spec["duration"]
    model.params["dt"] = DT
    model.params["signalV"] = SIGNAL_V
    model.params.update(spec["params"])
    last = int(min(LAST_MS, model.params["duration"] / 2) / DT)

    def evaluate(traj):
        m = search.getModelFromTraj(traj)
        m.run()
        search.saveToPypet({"max_output": float(np.max(m.output[:, -last:]))}, traj)

    space = ParameterSpace({n: subset[:, i].tolist() for i, n in enumerate(names)}, kind="explicit")
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        search = BoxSearch(model=model, parameterSpace=space, evalFunction=evaluate, filename="bench.hdf")
        wall, cpu, _ = _timed(search.run)
    n_total = len(grid)
    _emit(
        {
            "tool": "neurolib",
            "sweep": args.sweep,
            "points_timed": len(subset),
            "points": n_total,
            "timed_s": wall,
            "per_point_s": wall / len(subset),
            "extrapolated_s": wall / len(subset) * n_total,
            "cores": os.cpu_count(),
            "peak_rss_mb": _peak_rss_mb(),
            "versions": _versions(("neurolib", "pypet", "numba")),
        }
    )


def build_report(cfg, machine, rows, note):
    lines = [
        "## Sweep benchmark: jaxbrain sweep vs neurolib BoxSearch"
        + (" — QUICK, not representative" if cfg.quick else ""),
        "",
        f"- Date: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Command: `{cfg.command}`",
        f"- Machine: {machine['cpu']}; {machine['cores']}; {machine['ram']} RAM; {machine['os']}",
        f"- neurolib: {note or 'BoxSearch on all cores (pypet multiprocessing)'}",
        "- Each simulation is reduced to the maximum of the default output over its last second. jaxbrain "
        "'cold' includes compilation; 'warm' is the same sweep again into a new store. neurolib is timed on "
        "a subset of each grid (spread over it) and extrapolated per point, unless `--full`.",
        "",
        "| sweep | points | jaxbrain cold s | jaxbrain warm s | batch | jaxbrain device | neurolib timed "
        "| neurolib s (all points) | speed-up (cold) | speed-up (warm) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, row in rows.items():
        jb, nl = row["jb"], row["nl"]
        if "error" in jb:
            lines.append(f"| {SWEEPS[name]['label']} | error: {jb['error']} | | | | | | | | |")
            continue
        total = nl.get("extrapolated_s")
        timed = f"{nl['points_timed']} pts in {_fmt(nl['timed_s'])} s" if "timed_s" in nl else nl.get("error", "n/a")
        ratio = f"{total / jb['cold_s']:.1f}×" if total else "n/a"
        ratio_warm = f"{total / jb['warm_s']:.1f}×" if total else "n/a"
        lines.append(
            f"| {SWEEPS[name]['label']} | {jb['points']} | {_fmt(jb['cold_s'])} | {_fmt(jb['warm_s'])} "
            f"| {jb['batch_size']} | {jb['device']} | {timed} | {_fmt(total)} | {ratio} | {ratio_warm} |"
        )
    lines += ["", f"Target: ≥ {TARGET_NETWORK:g}× neurolib on the network sweep."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: 3-point axes, 0.2 s; nothing written")
    parser.add_argument("--full", action="store_true", help="time neurolib on whole grids (slow)")
    parser.add_argument("--sweeps", default=",".join(SWEEPS), help="which sweeps (comma-separated)")
    parser.add_argument("--neurolib-python", default=None, help=f"default {DEFAULT_NEUROLIB_PYTHON}")
    parser.add_argument("--out", default=None, help=f"results file (default {DEFAULT_OUT})")
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--worker", choices=("jaxbrain", "neurolib"), help=argparse.SUPPRESS)
    parser.add_argument("--sweep", choices=tuple(SWEEPS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_jaxbrain(args) if args.worker == "jaxbrain" else worker_neurolib(args)

    args.command = "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(__file__, REPO_ROOT), *sys.argv[1:]])
    nl_python, note = _neurolib_python(args.neurolib_python)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    nl_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}  # keep jaxbrain out of neurolib's venv
    flags = (["--quick"] if args.quick else []) + (["--full"] if args.full else [])
    rows = {}
    for name in args.sweeps.split(","):
        worker = ["--sweep", name, *flags]
        jb = _run_worker(sys.executable, ["--worker", "jaxbrain", *worker], env, args.timeout, __file__)
        nl = (
            _run_worker(nl_python, ["--worker", "neurolib", *worker], nl_env, args.timeout, __file__)
            if nl_python
            else {"error": note}
        )
        rows[name] = {"jb": jb, "nl": nl}
    report = build_report(args, _machine(), rows, note)
    print(report)
    out = args.out or (None if args.quick else DEFAULT_OUT)
    if out:
        write_results(out, report, *BLOCK)
    return 0


if __name__ == "__main__":
    sys.exit(main())
