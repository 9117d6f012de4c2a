"""Gradient benchmark: the cost of differentiating a long network simulation, and gradient fit vs grid search.

Two measurements, each in its own process (so peak memory is that run's alone):

* **60 s fit step**: Hopf on the gw network (80 nodes, dt 0.1 ms, delays at 20 mm/ms, noise on), 60 s simulated
  with BOLD, loss = 1 − corr(FC(BOLD), mean empirical FC). Forward (jitted loss) and backward (jitted
  ``value_and_grad`` with respect to ``K_gl``) wall times after compilation, their ratio (target ≤ 4×), the
  compiled program's temporary memory (XLA's ``memory_analysis``) and the process's peak RSS (target < 1 GB for
  the backward pass). With ``checkpoint=True`` (2 s chunks) the whole 60 s are run. Without checkpointing the
  backward pass keeps every step's intermediates: its memory is measured on a 4 s run and scaled by 15
  (it grows linearly with the number of steps), since 60 s would not fit this machine.
* **Fit vs grid**: the test ``tests/fit/test_fit_vs_grid.py`` setting, Hopf on gw fitted to the subjects' FCs (FC of
  x, 3 s runs): a 10 × 10 grid over ``K_gl`` and ``sigma_ou`` (one batched simulation of 100 runs) against adam
  from a poor start over the same bounds (2 noise keys per step), wall times with compilation; the
  grid's best cell and the fit's result are both scored on 6 noise keys neither used. Target (issue 5): the fit
  reaches the grid's held-out score ≥ 5× faster than the grid.

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
        # The first 4 s of BOLD are the haemodynamic transient; a short (memory-only) run keeps all of it.
        return 1.0 - jb.metrics.matrix_correlation(jb.metrics.fc(res.bold[2 if duration > 10000 else 0 :]), target)

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

    held_out = jr.split(jr.key(2024), 6)

    def held_out_score(params):
        batch = jax.tree.map(lambda v: jnp.broadcast_to(jnp.asarray(v, jnp.float32), (6,) + jnp.shape(v)), params)
        out = jb.simulate("hopf", batch, brain, key=held_out, batched=True, **run)
        return float(1.0 - jnp.mean(jax.vmap(x_loss)(out.outputs["x"])))

    best = int(jnp.argmax(1.0 - jax.vmap(x_loss)(res.outputs["x"])))
    grid_params = jb.models.hopf.Params(a=-0.05, K_gl=float(k.ravel()[best]), sigma_ou=float(s.ravel()[best]))

    t0 = time.perf_counter()
    out = fit("hopf", jb.models.hopf.Params(a=-0.05, K_gl=0.3, sigma_ou=0.002),
              {"K_gl": Interval(0.0, 4.0), "sigma_ou": Interval(1e-3, 0.3)}, lambda r: x_loss(r.outputs["x"]), brain,
              key=jr.key(1), n_keys=2, optimizer=optax.adam(0.3), steps=25, **run)  # fmt: skip
    fit_s = time.perf_counter() - t0
    _emit({
        "grid_s": grid_s,
        "grid_best": grid_best,
        "grid_held_out": held_out_score(grid_params),
        "fit_s": fit_s,
        "fit_train": float(1.0 - out.loss[-1]),
        "fit_held_out": held_out_score(out.params),
        "fitted": {name: float(v) for name, v in out.fitted.items()},
        "grid_params": {"K_gl": grid_params.K_gl, "sigma_ou": grid_params.sigma_ou},
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
        speedup = versus["grid_s"] / versus["fit_s"]
        lines += [
            "| search | wall (compile incl.) | parameters found | score on its own keys | score on 6 held-out keys |",
            "|---|---|---|---|---|",
            f"| 10 × 10 grid (one batched run of 100) | {_fmt(versus['grid_s'])} s | "
            f"K_gl {_fmt(versus['grid_params']['K_gl'])}, sigma_ou {_fmt(versus['grid_params']['sigma_ou'])} | "
            f"{_fmt(versus['grid_best'])} (max of 100) | {_fmt(versus['grid_held_out'])} |",
            f"| adam, 25 steps × 2 keys, from K_gl 0.3, sigma_ou 0.002 | {_fmt(versus['fit_s'])} s | "
            f"K_gl {_fmt(versus['fitted']['K_gl'])}, sigma_ou {_fmt(versus['fitted']['sigma_ou'])} | "
            f"{_fmt(versus['fit_train'])} | {_fmt(versus['fit_held_out'])} |",
            "",
            f"Grid time / fit time: {_fmt(speedup)}× (issue 5's target: fit ≥ 5× faster than the grid).",
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
    short = 4000.0
    steps = [
        (f"{long / 1000:g} s, checkpoint=True (2 s chunks)", ["--worker", "step", str(long), "1", "1"]),
        (
            f"{short / 1000:g} s, no checkpoint (measured; scaled to {long / 1000:g} s below)",
            ["--worker", "step", str(short), "0", "1"],
        ),  # fmt: skip
    ]
    results = [(label, _run_worker(sys.executable, worker, env, 3000, script=__file__)) for label, worker in steps]
    label, rec = results[1]
    if "backward_temp_mb" in rec:
        scale = long / short
        results.append((
            f"{long / 1000:g} s, no checkpoint (extrapolated ×{scale:g})",
            {"backward_temp_mb": rec["backward_temp_mb"] * scale, "forward_s": rec["forward_s"] * scale,
             "backward_s": rec["backward_s"] * scale, "backward_rss_mb": None},
        ))  # fmt: skip
    versus = {"error": "skipped (--quick)"} if args.quick else _run_worker(
        sys.executable, ["--worker", "fit"], env, 3000, script=__file__)  # fmt: skip
    report = build_report(_machine(), results, versus)
    print(report)
    if not args.quick:
        write_results(DEFAULT_OUT, report, *BLOCK)


if __name__ == "__main__":
    main()
