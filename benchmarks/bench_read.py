"""Delayed-read benchmark: every backend, and XLA's time-blocked read against the per-step read, in whole simulations.

Hopf on the gw connectome (80 nodes, delays at 20 mm/ms, noise on, float32), 1 s simulated at dt = 0.1 ms, every
output recorded at full resolution, for batch sizes 1 … 64. For each batch size and each backend available here,
and for the reference also with its time-blocked read switched off (the per-step read for every batch size), one
fresh process compiles, runs once more untimed, then reports the median of ``--repeats`` timed runs in µs per
simulation step. The ratio column is against the reference backend with its default read in the same run.

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_read.py                  # writes the bench_read block of RESULTS.md
    PYTHONPATH=. python benchmarks/bench_read.py --batches 1,4,64 --repeats 3 --out /tmp/read.md

The question it answers (issue 14): which read to use at which batch size on this machine; ``backend=None`` takes
the compiled CPU kernel from ``jaxbrain.network._read.CPU_KERNEL_MIN_BATCH`` members on.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import statistics
import sys

from bench_core import DEFAULT_OUT, REPO_ROOT, _emit, _machine, _run_worker, _timed, publish

BATCHES = (1, 2, 4, 8, 16, 64)
DURATION = 1000.0  # ms
BLOCK = "bench_read"


def worker(args):
    """One measurement in this fresh process."""
    import jax
    import jax.numpy as jnp
    import jax.random as jr

    import jaxbrain as jb
    import jaxbrain.integrate._plan as plan_module

    if args.per_step:
        plan_module.MAX_BLOCKED_BATCH = 0  # no time-blocked read: every step reads every pair itself
    ds = jb.Dataset("gw")
    net = jb.Connectome(ds.Cmat, ds.Dmat)
    params = jb.models.hopf.Params(K_gl=jnp.linspace(0.1, 1.0, args.batch), sigma_ou=0.1)
    keys = jr.split(jr.key(0), args.batch)

    def run():
        res = jb.simulate("hopf", params, net, key=keys, duration=DURATION, batched=True, backend=args.backend)
        jax.block_until_ready((res.outputs, res.final))
        return res

    first, _, res = _timed(run)
    backend = res.backend
    run()
    walls = [_timed(run)[0] for _ in range(args.repeats)]
    steps = DURATION / 0.1
    _emit({"backend": backend, "first_s": first, "us_per_step": statistics.median(walls) * 1e6 / steps})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", default=",".join(map(str, BATCHES)), help="batch sizes (comma-separated)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per measurement (median)")
    parser.add_argument("--out", default=None, help=f"results file (default {DEFAULT_OUT})")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per worker process")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--backend", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--per-step", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)

    import jax

    from jaxbrain.network import BACKENDS

    platform = jax.default_backend()
    # The interpreted Pallas kernel runs anywhere, for tests only: not a candidate here.
    backends = [n for n, b in BACKENDS.items() if b.available(platform, "float32") and "interpret" not in n]
    batches = [int(b) for b in args.batches.split(",") if b]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    variants = [("xla", True)] + [(name, False) for name in backends]  # the reference's per-step read, then each
    rows = {}
    for batch in batches:
        for name, per_step in variants:
            worker_args = ["--worker", "--batch", str(batch), "--backend", name, "--repeats", str(args.repeats)]
            worker_args += ["--per-step"] if per_step else []
            rows[batch, name, per_step] = _run_worker(sys.executable, worker_args, env, args.timeout, script=__file__)

    command = "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(__file__, REPO_ROOT), *sys.argv[1:]])
    machine = _machine()
    lines = [
        f"## Delayed read: backends and the time-blocked read ({datetime.date.today().isoformat()})",
        "",
        f"Machine: {machine['cpu']}; {machine['cores']}; {machine['ram']} RAM; {platform} backend, float32. "
        f"jax {jax.__version__}. Command: `{command}`.",
        "",
        f"Hopf on gw (80 nodes, signalV 20 mm/ms, sigma_ou 0.1), {DURATION / 1000:g} s at dt 0.1 ms, every output "
        f"recorded; µs per simulation step, median of {args.repeats} runs after compilation, one fresh process "
        "each. `xla, per step` is the reference with its time-blocked read switched off (it is used up to 4 members "
        "otherwise). Ratio: the reference's time / this one's (above 1: faster). Timings on a shared machine vary by "
        "~20 %.",
        "",
        "| batch | " + " | ".join(("xla, per step", *backends)) + " |",
        "|---|" + "---|" * (len(backends) + 1),
    ]
    for batch in batches:
        ref = rows[batch, "xla", False].get("us_per_step")
        cells = []
        for name, per_step in [("xla", True)] + [(n, False) for n in backends]:
            rec = rows[batch, name, per_step]
            if "us_per_step" not in rec:
                cells.append(f"error: {rec.get('error', '?')[:60]}")
                continue
            us = rec["us_per_step"]
            cells.append(f"{us:.1f} µs ({ref / us:.2f}×)" if ref else f"{us:.1f} µs")
        lines.append(f"| {batch} | " + " | ".join(cells) + " |")
    publish("\n".join(lines) + "\n", args.out or DEFAULT_OUT, f"<!-- {BLOCK}:start -->", f"<!-- {BLOCK}:end -->")
    return 0


if __name__ == "__main__":
    sys.exit(main())
