"""Gradient benchmark: the cost of differentiating a long network simulation, and gradient fit vs grid search.

Two measurements, each in its own process (so peak memory is that run's alone):

* **60 s fit step**: Hopf on the gw network (80 nodes, dt 0.1 ms, delays at 20 mm/ms, noise on), 60 s simulated
  with BOLD, loss = 1 − corr(FC(BOLD), mean empirical FC). Forward (jitted loss) and backward (jitted
  ``value_and_grad`` with respect to ``K_gl``) wall times after compilation, their ratio (target ≤ 4×), the
  compiled program's temporary memory (XLA's ``memory_analysis``) and the process's peak RSS (target < 1 GB for
  the backward pass). With ``checkpoint=True`` (2 s chunks) the whole 60 s are run. Without checkpointing the
  backward pass keeps every step's intermediates: its memory is measured on a 2 s run and scaled by 30
  (it grows linearly with the number of steps), since 60 s would not fit this machine.
* **Fit vs grid**: the test ``tests/fit/test_fit_vs_grid.py`` setting, Hopf on gw fitted to the subjects' FCs (FC of
  x, 3 s runs): a 10 × 10 grid over ``K_gl`` and ``sigma_ou`` (one batched simulation of 100 runs) against adam
  from a poor start over the same bounds (2 noise keys per step). Reported: the grid's wall time (compile
  included) and its best training score, and the fit's wall time until its training score first reaches the
  grid's best (compile + steps × time per step). Target (issue 5): fit ≥ 5× faster than the grid.

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_fit.py            # writes the bench_fit block of RESULTS.md
    PYTHONPATH=. python benchmarks/bench_fit.py --quick    # 6 s instead of 60 s, nothing written
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time

from bench_core import REPO_ROOT, _emit, _fmt, _machine, _peak_rss_mb, _run_worker, _versions, write_results

DEFAULT_OUT = REPO_ROOT / "benchmarks" / "RESULTS.md"
BLOCK = ("<!-- bench_fit:start -->", "<!-- bench_fit:end -->")
CHUNK = 20000  # steps: 2 s, one BOLD sample period, so the chunks scan


def _hopf_loss(duration, checkpoint):
    import jax.numpy as jnp
    import jax.random as jr

    import jaxbrain as jb

    ds = jb.Dataset("gw")
    brain = jb.Connectome.from_dataset(ds)
    target = jnp.asarray(ds.FCs, jnp.float32).mean(0)
    chunk = CHUNK if checkpoint else None

    def loss(k_gl):
        params = jb.models.hopf.Params(a=-0.05, K_gl=k_gl, sigma_ou=0.1)
        res = jb.simulate("hopf", params, brain, key=jr.key(0), duration=duration, bold=True, outputs=(),
                          checkpoint=checkpoint, chunksize=chunk)  # fmt: skip
        return 1.0 - jb.metrics.matrix_correlation(jb.metrics.fc(res.bold[2:]), target)

    return loss


def worker_step(duration, checkpoint, run_backward):
    import jax

    loss = _hopf_loss(duration, checkpoint)
    forward, backward = jax.jit(loss), jax.jit(jax.value_and_grad(loss))
    record = {"duration_s": duration / 1000.0, "checkpoint": checkpoint}
    compiled = backward.lower(2.0).compile()
    record["backward_temp_mb"] = compiled.memory_analysis().temp_size_in_bytes / 1e6
    forward(2.0).block_until_ready()
    t0 = time.perf_counter()
    record["loss"] = float(forward(2.1).block_until_ready())
    record["forward_s"] = time.perf_counter() - t0
    record["forward_rss_mb"] = _peak_rss_mb()
    if run_backward:
        jax.block_until_ready(backward(2.0))
        t0 = time.perf_counter()
        value, grad = jax.block_until_ready(backward(2.1))
        record["backward_s"] = time.perf_counter() - t0
        record["grad"] = float(grad)
        record["backward_rss_mb"] = _peak_rss_mb()
    _emit(record)


def worker_fit_vs_grid():
    import jax
    import jax.numpy as jnp
    import jax.random as jr
    import numpy as np
    import optax

    import jaxbrain as jb
    from jaxbrain.fit import Interval, fc_correlation_loss, fit

    ds = jb.Dataset("gw")
    brain = jb.Connectome.from_dataset(ds)
    fcs = jnp.asarray(ds.FCs, jnp.float32)
    run = dict(duration=3000.0, sampling_dt=1.0, outputs=("x",), chunksize=5000)

    def x_loss(x):
        return fc_correlation_loss(x[500:], fcs)

    t0 = time.perf_counter()
    k, s = np.meshgrid(np.linspace(0.0, 4.0, 10), np.geomspace(1e-3, 0.3, 10), indexing="ij")
    grid = jb.models.hopf.Params(a=-0.05, K_gl=jnp.asarray(k.ravel(), jnp.float32),
                                 sigma_ou=jnp.asarray(s.ravel(), jnp.float32))  # fmt: skip
    res = jb.simulate("hopf", grid, brain, key=jr.split(jr.key(1), 100), batched=True, **run)
    grid_best = float(jnp.max(1.0 - jax.vmap(x_loss)(res.outputs["x"])))
    grid_s = time.perf_counter() - t0

    steps = 25
    t0 = time.perf_counter()
    out = fit("hopf", jb.models.hopf.Params(a=-0.05, K_gl=0.3, sigma_ou=0.002),
              {"K_gl": Interval(0.0, 4.0), "sigma_ou": Interval(1e-3, 0.3)}, lambda r: x_loss(r.outputs["x"]), brain,
              key=jr.key(1), n_keys=2, optimizer=optax.adam(0.3), steps=steps, **run)  # fmt: skip
    fit_s = time.perf_counter() - t0
    # The last step is timed alone for the per-step cost; the rest of the wall time is compilation.
    t1 = time.perf_counter()
    fit("hopf", out.params, {"K_gl": Interval(0.0, 4.0), "sigma_ou": Interval(1e-3, 0.3)},
        lambda r: x_loss(r.outputs["x"]), brain, key=jr.key(1), n_keys=2, steps=1, **run)  # fmt: skip
    one_step_with_compile = time.perf_counter() - t1
    per_step = (fit_s - one_step_with_compile) / (steps - 1)
    compile_s = max(fit_s - steps * per_step, 0.0)
    scores = 1.0 - np.asarray(out.loss)
    reached = np.flatnonzero(scores >= grid_best)
    _emit({
        "grid_s": grid_s,
        "grid_best": grid_best,
        "fit_s": fit_s,
        "fit_best": float(scores.max()),
        "per_step_s": per_step,
        "compile_s": compile_s,
        "reached_step": int(reached[0]) + 1 if reached.size else None,
        "fit_to_grid_s": compile_s + (int(reached[0]) + 1) * per_step if reached.size else None,
    })  # fmt: skip


def build_report(machine, steps, versus):
    lines = [
        f"## Gradient fitting ({datetime.date.today().isoformat()})",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']}, {machine['ram']} RAM, CPU backend, float32. "
        f"jax {_versions(('jax',))['jax']}. Command: `PYTHONPATH=. python benchmarks/bench_fit.py`.",
        "",
        "### 60 s fit step: Hopf on gw, BOLD, loss 1 − FC correlation, gradient in K_gl",
        "",
        "| run | forward | backward | backward / forward | backward temp memory (XLA) | peak RSS |",
        "|---|---|---|---|---|---|",
    ]
    for label, rec in steps:
        if "error" in rec:
            lines.append(f"| {label} | error: {rec['error']} | | | | |")
            continue
        ratio = rec["backward_s"] / rec["forward_s"] if "backward_s" in rec else None
        lines.append(
            f"| {label} | {_fmt(rec.get('forward_s'))} s | {_fmt(rec.get('backward_s'))} s | {_fmt(ratio)}× | "
            f"{_fmt(rec['backward_temp_mb'])} MB | {_fmt(rec.get('backward_rss_mb', rec.get('forward_rss_mb')))} MB |"
        )
    lines += ["", "### Gradient fit vs 10 × 10 grid search (Hopf on gw, FC of x, 3 s runs)", ""]
    if "error" in versus:
        lines.append(f"error: {versus['error']}")
    else:
        speedup = versus["grid_s"] / versus["fit_to_grid_s"] if versus.get("fit_to_grid_s") else None
        lines += [
            "| grid: wall (compile incl.) | grid best score | fit: compile | fit: s / step | step reaching grid best "
            "| fit wall to grid best | speed-up (target ≥ 5×) |",
            "|---|---|---|---|---|---|---|",
            f"| {_fmt(versus['grid_s'])} s | {_fmt(versus['grid_best'])} | {_fmt(versus['compile_s'])} s | "
            f"{_fmt(versus['per_step_s'])} s | {versus['reached_step'] or 'not in 25'} | "
            f"{_fmt(versus.get('fit_to_grid_s'))} s | {_fmt(speedup)}× |",
        ]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="6 s runs, no fit-vs-grid, nothing written")
    parser.add_argument("--worker", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        if args.worker[0] == "step":
            worker_step(float(args.worker[1]), args.worker[2] == "1", args.worker[3] == "1")
        else:
            worker_fit_vs_grid()
        return
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    long = 6000.0 if args.quick else 60000.0
    short = 2000.0
    steps = [
        (f"{long / 1000:g} s, checkpoint=True (2 s chunks)", ["--worker", "step", str(long), "1", "1"]),
        (
            f"{short / 1000:g} s, no checkpoint (memory × 30 = {long / 1000:g} s estimate below)",
            ["--worker", "step", str(short), "0", "1"],
        ),  # fmt: skip
    ]
    results = [(label, _run_worker(sys.executable, worker, env, 3000)) for label, worker in steps]
    label, rec = results[1]
    if "backward_temp_mb" in rec:
        scale = long / short
        results.append((
            f"{long / 1000:g} s, no checkpoint (extrapolated ×{scale:g})",
            {"backward_temp_mb": rec["backward_temp_mb"] * scale, "forward_s": rec["forward_s"] * scale,
             "backward_s": rec["backward_s"] * scale, "backward_rss_mb": None},
        ))  # fmt: skip
    versus = {"error": "skipped (--quick)"} if args.quick else _run_worker(
        sys.executable, ["--worker", "fit"], env, 3000)  # fmt: skip
    report = build_report(_machine(), results, versus)
    print(report)
    if not args.quick:
        write_results(DEFAULT_OUT, report, *BLOCK)


if __name__ == "__main__":
    main()
