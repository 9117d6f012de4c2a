"""Simulation-based inference benchmark: simulations per second fed to the estimator, training and calibration time,
and the wall time from nothing to a calibrated posterior (issue 17).

The problem is the test suite's (``tests/infer/test_infer_calibration.py``): Hopf on gw (80 nodes, signalV 20
mm/ms, dt 0.1 ms, a = -0.05), a posterior over ``K_gl`` ~ Uniform(0, 3) and ``sigma_ou`` ~ LogUniform(0.01, 0.2);
each simulation runs 400 ms in float32, its output ``x`` sampled every ms; the summaries (FC mean and standard
deviation, 5 FC quantiles, log variance and log amplitude: 9 numbers) are computed on the device after a 100 ms
transient. ``N`` simulations (default 1300), the last 100 held out; the flow is ``train_posterior``'s default (MAF,
5 layers of 64, early stopping); calibration is ``calibrate`` with 500 posterior samples per held-out case.

Columns:

* **prior simulations**: ``simulate_prior`` into a fresh store at the automatic batch size, cold (compilation
  included, what a user waits for) and warm (another key into another store: the compiled program reused);
  simulations per second are those of the warm run;
* **summaries only**: the summaries of one batch of stored signals, jitted and vmapped, warm (the share of a
  simulation's cost the statistics take);
* **training**, **calibration**: wall time, compilation included;
* **from nothing to a calibrated posterior**: cold simulations + training + calibration, with the calibration's
  numbers (90 % coverage counts of 100, SBC p-values).

Run from the repository root: ``PYTHONPATH=. python benchmarks/bench_infer.py [-n 1300]``; ``--quick`` (200
simulations, nothing written). The flow trains in JAX's precision: float32 by default, float64 with
``JAX_ENABLE_X64=1`` (as the test suite runs it); the simulations are float32 either way. Platform-agnostic: on a
GPU the same command times the GPU (named in the block). Writes the block between ``<!-- bench_infer:start -->``
and ``<!-- bench_infer:end -->`` of ``benchmarks/RESULTS.md`` on a CPU, ``bench_infer_gpu`` (``_tpu``) on an
accelerator, so both stay.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import tempfile
import time
from pathlib import Path

from bench_core import REPO_ROOT, _fmt, _machine, _versions, publish

DEFAULT_OUT = REPO_ROOT / "benchmarks" / "RESULTS.md"


def _block(platform):
    name = "bench_infer" if platform == "cpu" else f"bench_infer_{platform}"
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


N_TEST = 100
RUN = dict(duration=400.0, sampling_dt=1.0, dtype="float32")  # ms
TRANSIENT_MS = 100.0
PARAMS = {"a": -0.05}


def _problem():
    from jaxbrain import infer

    prior = infer.Prior({"K_gl": infer.Uniform(0.0, 3.0), "sigma_ou": infer.LogUniform(0.01, 0.2)})
    summaries = infer.Summaries(
        infer.fc_summary(), infer.fc_quantiles(), infer.signal_stats(), signal="x", transient_ms=TRANSIENT_MS
    )
    return prior, summaries


def _simulate(gw, n, key, store):
    import jax.random as jr

    from jaxbrain import infer

    prior, summaries = _problem()
    batches = []
    t0 = time.perf_counter()
    sims = infer.simulate_prior(
        "hopf", prior, summaries, gw, n=n, key=jr.key(key), params=PARAMS, store=store, on_batch=batches.append,
        **RUN,
    )  # fmt: skip
    return sims, time.perf_counter() - t0, sims.store.batch_size


def _summaries_only(summaries, batch, n_nodes):
    """Seconds for the summaries of one batch of 300-sample signals (jitted, vmapped; the second call)."""
    import jax
    import jax.numpy as jnp
    import jax.random as jr

    n_time = int(RUN["duration"] - TRANSIENT_MS)
    signals = jr.normal(jr.key(0), (batch, n_time, n_nodes), jnp.float32)
    # The function a sweep batch applies (Summaries.__call__ after selecting the signal).
    fn = jax.jit(jax.vmap(lambda ts: summaries._vector(ts, RUN["sampling_dt"])))
    jax.block_until_ready(fn(signals))
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(signals + 1.0))
        times.append(time.perf_counter() - t0)
    return min(times)


def measure(n):
    import jax
    import jax.random as jr

    import jaxbrain
    from jaxbrain import infer

    ds = jaxbrain.Dataset("gw")
    gw = jaxbrain.Connectome.from_dataset(ds)
    prior, summaries = _problem()
    with tempfile.TemporaryDirectory(prefix="bench-infer-") as tmp:
        sims, t_cold, batch = _simulate(gw, n, 1, Path(tmp) / "cold.zarr")
        _, t_warm, _ = _simulate(gw, n, 2, Path(tmp) / "warm.zarr")
    t_summ = _summaries_only(summaries, batch, gw.n_nodes)
    train, test = sims.split(N_TEST)
    t0 = time.perf_counter()
    posterior = infer.train_posterior(train, prior, key=jr.key(6))
    t_train = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = infer.calibrate(posterior, test, key=jr.key(3), n_samples=500)
    t_cal = time.perf_counter() - t0
    device = jax.devices()[0]
    return {
        "x64": bool(jax.config.jax_enable_x64),
        "n": n,
        "failed": int((~sims.ok).sum()),
        "batch": batch,
        "sim_cold": t_cold,
        "sim_warm": t_warm,
        "summaries_batch": t_summ,
        "train": t_train,
        "epochs": len(posterior.history),
        "calibrate": t_cal,
        "coverage90": [int(c) for c in report.coverage.count(0.9)],
        "n_test": report.coverage.n_test,
        "pvalues": [float(p) for p in report.sbc.pvalues],
        "labels": report.sbc.labels,
        "platform": jax.default_backend(),
        "device": f"{device.platform} ({getattr(device, 'device_kind', '?')})",
    }


def report(args, machine, m):
    n, batch = m["n"], m["batch"]
    n_batches = -(-n // batch)
    per_sec = n / m["sim_warm"]
    summ_share = m["summaries_batch"] * n_batches / m["sim_warm"]
    total = m["sim_cold"] + m["train"] + m["calibrate"]
    cov = ", ".join(f"{lab} {c}" for lab, c in zip(m["labels"], m["coverage90"]))
    pvals = ", ".join(f"{lab} {p:.2g}" for lab, p in zip(m["labels"], m["pvalues"]))
    cov_met = all(0.8 * m["n_test"] <= c <= 0.98 * m["n_test"] for c in m["coverage90"])
    sbc_met = all(p > 0.01 for p in m["pvalues"])
    precision = "float64 (JAX_ENABLE_X64=1)" if m["x64"] else "float32 (JAX's default)"
    lines = [
        f"## Simulation-based inference: Hopf on gw, posterior over (K_gl, sigma_ou) "
        f"({datetime.date.today().isoformat()})",
        "",
        f"Machine: {machine['cpu']}; {machine['cores']}; {machine['ram']} RAM; device {m['device']}. "
        f"jax {_versions(('jax',))['jax']}, flowjax {_versions(('flowjax',))['flowjax']}. Command: "
        f"`{'JAX_ENABLE_X64=1 ' if m['x64'] else ''}python benchmarks/bench_infer.py"
        f"{'' if n == 1300 else f' -n {n}'}`.",
        "",
        f"{n} simulations of Hopf on gw (80 nodes, 400 ms, dt 0.1 ms, float32, x every ms; 9 summaries after 100 ms "
        f"computed on the device), {n - N_TEST} to train a MAF posterior (train_posterior's defaults), {N_TEST} "
        f"held out for calibration (500 posterior samples each); the flow and its training in {precision}, "
        f"training key 6 as in the test. Automatic batch size: {batch}. "
        f"{m['failed']} simulations failed.",
        "",
        "| phase | wall s | rate |",
        "|---|---|---|",
        f"| prior simulations, cold (compilation included) | {_fmt(m['sim_cold'])} | {n / m['sim_cold']:.1f} sims/s |",
        f"| prior simulations, warm | {_fmt(m['sim_warm'])} | **{per_sec:.1f} sims/s** fed to the estimator |",
        f"| summaries only, one batch of {batch} (warm) | {_fmt(m['summaries_batch'])} | "
        f"{summ_share:.1%} of the warm simulation time |",
        f"| NPE training ({m['epochs']} epochs, early stopping) | {_fmt(m['train'])} | "
        f"{m['train'] / m['epochs'] * 1000:.0f} ms per epoch |",
        f"| calibration (SBC + coverage, {m['n_test']} × 500 samples) | {_fmt(m['calibrate'])} | |",
        f"| **from nothing to a calibrated posterior** | **{_fmt(total)}** | |",
        "",
        f"Calibration: 90 % intervals contain the truth in {cov} of {m['n_test']} held-out cases (target 80–98); "
        f"SBC uniformity p-values {pvals} (target > 0.01). Targets met: coverage {'yes' if cov_met else '**no**'}, "
        f"SBC {'yes' if sbc_met else '**no**'}.",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1300, help="simulations, 100 of them held out (default 1300)")
    parser.add_argument("--quick", action="store_true", help="200 simulations, RESULTS.md not written")
    parser.add_argument("--out", default=None, help=f"results file (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if args.quick:
        args.n = 200
    if args.n <= N_TEST + 10:
        parser.error(f"-n must exceed {N_TEST + 10} ({N_TEST} are held out, training needs at least 10)")
    m = measure(args.n)
    publish(report(args, _machine(), m), args.out or (None if args.quick else DEFAULT_OUT), *_block(m["platform"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
