"""Gradient cost on this machine: value-and-gradient against the forward (issue 14's target: at most 3x).

Hopf on gw (80 nodes, signalV 20 mm/ms, dt 0.1 ms, sigma_ou 0.1, BOLD), one simulation, float32; the loss is
1 − corr(FC(BOLD), mean empirical FC), the loss of a gradient fit (``jaxbrain.fit``), differentiated in ``K_gl``
through ``checkpoint=True`` chunks of 2 s, as ``fit`` runs it. The loss is the one ``benchmarks/bench_gpu.py`` times
on a GPU. Columns, all second calls (after compilation), the median of ``--repeats`` rounds in which the programs
take turns (so a busy machine slows them alike):

* ``forward``: the jitted loss with the fastest forward plan (``simulate``'s default: no checkpointing, the
  time-blocked read); the denominator of the ratios;
* ``forward, checkpoint plan``: the jitted loss on the plan the gradients use;
* ``value-and-gradient``: ``jax.value_and_grad`` of the loss, with the chunk's backward pass the delayed-read adjoint
  (``integrate/_adjoint.py``) or XLA's autodiff (a scatter-add per step), and which one ``prepare`` picks here.

Run: ``PYTHONPATH=. python benchmarks/bench_grad.py [--duration-s 60] [--repeats 3]``; ``--quick`` (6 s, one
round) prints without writing. Writes the block between ``<!-- bench_grad:start -->`` and ``<!-- bench_grad:end -->``
of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import statistics
import sys
import time

from bench_core import REPO_ROOT, _fmt, _machine, _versions, publish

DEFAULT_OUT = REPO_ROOT / "benchmarks" / "RESULTS.md"
BLOCK = ("<!-- bench_grad:start -->", "<!-- bench_grad:end -->")
CHUNK_STEPS = 20_000  # 2 s: one BOLD sample period, so the chunks scan
TARGET = 3.0


def _loss(jb, plan, base, target, transient):
    import jax.random as jr

    def loss(k_gl):
        res = jb.integrate.run(plan, base._replace(K_gl=k_gl), key=jr.key(0))
        return 1.0 - jb.metrics.matrix_correlation(jb.metrics.fc(res.bold[transient:]), target)

    return loss


def measure(duration_ms, repeats):
    import jax
    import jax.numpy as jnp

    import jaxbrain as jb

    ds = jb.Dataset("gw")
    brain = jb.Connectome.from_dataset(ds)
    target = jnp.asarray(ds.FCs, jnp.float32).mean(0)
    base = jb.models.hopf.Params(a=-0.05, sigma_ou=0.1)
    transient = 2 if duration_ms > 10_000 else 0  # the first 4 s of BOLD are the haemodynamic transient
    common = dict(duration=duration_ms, bold=True, outputs=(), dtype=jnp.float32)
    fast = jb.prepare("hopf", base, brain, **common)
    ckpt = jb.prepare("hopf", base, brain, checkpoint=True, chunksize=CHUNK_STEPS, **common)
    k = jnp.asarray(2.0, jnp.float32)
    programs = {
        "forward": jax.jit(_loss(jb, fast, base, target, transient)),
        "forward, checkpoint plan": jax.jit(_loss(jb, ckpt, base, target, transient)),
    }
    for name, adjoint in (("adjoint", True), ("autodiff", False)):
        plan = dataclasses.replace(ckpt, adjoint=adjoint)
        programs[f"value-and-gradient, {name}"] = jax.jit(jax.value_and_grad(_loss(jb, plan, base, target, transient)))
    first, values = {}, {}
    for name, fn in programs.items():
        t0 = time.perf_counter()
        values[name] = jax.block_until_ready(fn(k))
        first[name] = time.perf_counter() - t0
    times = {name: [] for name in programs}
    for _ in range(repeats):
        for name, fn in programs.items():
            t0 = time.perf_counter()
            jax.block_until_ready(fn(k + 0.01))
            times[name].append(time.perf_counter() - t0)
    grads = {name: float(v[1]) for name, v in values.items() if isinstance(v, tuple)}
    return {
        "seconds": {name: statistics.median(ts) for name, ts in times.items()},
        "first": first,
        "grads": grads,
        "default": "adjoint" if ckpt.adjoint else "autodiff",
        "platform": jax.default_backend(),
    }


def report(args, machine, m):
    sec = m["seconds"]
    fwd = sec["forward"]
    steps = args.duration_s * 1e4
    lines = [
        f"## Gradient cost: value-and-gradient against the forward ({datetime.date.today().isoformat()})",
        "",
        f"Machine: {machine['cpu']}; {machine['cores']}; {machine['ram']} RAM; {m['platform']} backend. "
        f"jax {_versions(('jax',))['jax']}. Command: `python benchmarks/bench_grad.py"
        f"{' --duration-s ' + _fmt(args.duration_s) if args.duration_s != 60 else ''}`.",
        "",
        f"Hopf on gw, {_fmt(args.duration_s)} s with BOLD, float32, one simulation; loss 1 − corr(FC(BOLD), mean "
        f"empirical FC), gradient in K_gl through checkpointed 2 s chunks. Median of {args.repeats} round(s), the "
        "programs taking turns; ratio = time / the forward's. Target (issue 14): value-and-gradient ≤ 3× the forward.",
        "",
        "| program | first call s | s | µs per step | ratio to forward | dL/dK_gl | met? |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in sec.items():
        ratio = s / fwd
        grad = _fmt(m["grads"][name], 6) if name in m["grads"] else ""
        default = f" (`prepare`'s choice on {m['platform']})" if name.endswith(m["default"]) else ""
        met = ("yes" if ratio <= TARGET else "**no**") if name.startswith("value") else ""
        lines.append(
            f"| {name}{default} | {_fmt(m['first'][name])} | {_fmt(s)} | {_fmt(s / steps * 1e6)} | "
            f"{ratio:.2f}× | {grad} | {met} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration-s", type=float, default=60.0, help="simulated seconds (default 60)")
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument("--quick", action="store_true", help="6 s, one round, RESULTS.md not written")
    parser.add_argument("--out", default=None, help=f"results file (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration_s, args.repeats = 6.0, 1
    m = measure(args.duration_s * 1000.0, args.repeats)
    publish(report(args, _machine(), m), args.out or (None if args.quick else DEFAULT_OUT), *BLOCK)
    return 0


if __name__ == "__main__":
    sys.exit(main())
