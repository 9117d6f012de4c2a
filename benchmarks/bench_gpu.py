"""GPU benchmark: simulation throughput and gradient cost on one GPU (issue 14 §5, the table of spec/gpu.md).

What it measures, each in a fresh process (``--worker`` mode of this script), for every backend of the delayed read
named by ``--backends`` (default: ``xla`` and ``pallas``, those that ``simulate`` accepts and that run here):

* **Hopf on gw + delays + BOLD** (80 nodes, signalV 20 mm/ms, dt 0.1 ms, OU noise sigma 0.1 with one key per member,
  Balloon–Windkessel BOLD, ``outputs=()``, ``batched=True``) at B = 1, 64, 1024, 8192 (10 s simulated; 5 s at
  8192) and 32768 (2 s), in float32 and float64. "sim-steps/s" = members × steps / wall time of the second call
  (the first includes compilation).
* **ALN**, B = 1024, 2 s, no BOLD, both dtypes.
* **Gradients**: Hopf on gw, 60 s with BOLD, loss 1 − corr(FC(BOLD), mean empirical FC), ``checkpoint=True`` with
  2 s chunks: the jitted forward and the jitted ``value_and_grad`` in ``K_gl`` (second calls), their ratio; and
  ``vmap`` of ``value_and_grad`` over 64 values of ``K_gl``, 20 s each.

Targets (issue 14): Hopf on gw + delays + BOLD ≥ 1.5e8 sim-steps/s in float32 and ≥ 5e7 in float64; a single
simulation ≥ 5e5 steps/s; value-and-gradient ≤ 3× the forward.

Run from the repository root, with jaxbrain's interpreter on a machine with a CUDA GPU (jax[cuda])::

    PYTHONPATH=. python benchmarks/bench_gpu.py            # everything; writes the bench_gpu block of RESULTS.md
    PYTHONPATH=. python benchmarks/bench_gpu.py --quick    # smoke test: short runs, small batches, nothing written
    PYTHONPATH=. python benchmarks/bench_gpu.py --backends xla --dtypes float32 --no-grad

Without a GPU it says so and exits with status 2, writing nothing. In RESULTS.md only the block between
``<!-- bench_gpu:start -->`` and ``<!-- bench_gpu:end -->`` is replaced; the device is named in it.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import sys
import time

from bench_core import REPO_ROOT, _emit, _fmt, _machine, _peak_rss_mb, _run_worker, _versions, publish

DEFAULT_OUT = REPO_ROOT / "benchmarks" / "RESULTS.md"
BLOCK = ("<!-- bench_gpu:start -->", "<!-- bench_gpu:end -->")
DT = 0.1
SIGMA_OU = 0.1
SIGNAL_V = 20.0
# (batch, simulated ms) of the Hopf throughput table; --quick uses QUICK_HOPF.
HOPF_RUNS = ((1, 10_000.0), (64, 10_000.0), (1024, 10_000.0), (8192, 5_000.0), (32768, 2_000.0))
QUICK_HOPF = ((1, 500.0), (1024, 500.0))
ALN_RUN = (1024, 2_000.0)
GRAD_DURATION, GRAD_CHUNK = 60_000.0, 20_000  # ms, steps (2 s: one BOLD sample period, so the chunks scan)
VGRAD_BATCH, VGRAD_DURATION = 64, 20_000.0
GRADIENTS = ("adjoint", "autodiff")  # the chunk's backward pass: delayed-read adjoint, or XLA's autodiff
TARGETS = {"float32": 1.5e8, "float64": 5e7, "single": 5e5, "grad_ratio": 3.0}


# --------------------------------------------------------------------------------------------- workers


def _setup(dtype):
    """jax with x64 as ``dtype`` needs (before any array exists), jaxbrain, and the ``simulate`` keywords naming
    the backend (empty for the reference when this jaxbrain's ``simulate`` has no ``backend=`` yet)."""
    import jax

    if dtype == "float64":
        jax.config.update("jax_enable_x64", True)
    import jaxbrain as jb

    return jax, jb


def _backend_kwargs(jb, backend):
    import inspect

    if "backend" in inspect.signature(jb.simulate).parameters:
        return {"backend": backend}
    if backend != "xla":
        raise SystemExit(f"this jaxbrain's simulate() has no backend= argument; cannot run backend {backend!r}")
    return {}


def _device(jax):
    d = jax.devices()[0]
    return {"platform": d.platform, "device": f"{d.device_kind} ({d.platform}, {jax.device_count()} device(s))"}


def worker_probe(args):
    import jax

    _emit(_device(jax))


def worker_sim(args):
    jax, jb = _setup(args.dtype)
    import jax.numpy as jnp
    import jax.random as jr
    import numpy as np

    dtype = jnp.dtype(args.dtype)
    con = jb.Connectome.from_dataset(jb.Dataset("gw"))
    key = jr.split(jr.key(0), args.batch)
    if args.model == "hopf":
        params = jb.models.hopf.Params(sigma_ou=SIGMA_OU, K_gl=jnp.linspace(0.1, 1.0, args.batch, dtype=dtype))
    else:
        params = jb.models.aln.Params(sigma_ou=SIGMA_OU, Ke_gl=jnp.linspace(150.0, 350.0, args.batch, dtype=dtype))
    kwargs = dict(duration=args.duration, dt=DT, signalV=SIGNAL_V, bold=args.model == "hopf", outputs=(), dtype=dtype)
    kwargs.update(batched=True, **_backend_kwargs(jb, args.backend))

    def run():
        res = jb.simulate(args.model, params, con, key=key, **kwargs)
        jax.block_until_ready((res.final, res.ok, res.bold))
        return res

    t0 = time.perf_counter()
    res = run()
    first = time.perf_counter() - t0
    ok = bool(np.all(np.asarray(res.ok)))
    used = getattr(res, "backend", args.backend)
    del res
    t0 = time.perf_counter()
    run()
    wall = time.perf_counter() - t0
    steps = round(args.duration / DT)
    _emit(
        {
            **_device(jax),
            "first_call_s": first,
            "run_s": wall,
            "steps_per_s": args.batch * steps / wall,
            "us_per_step": wall / steps * 1e6,
            "ok": ok,
            "backend_used": str(used),
            "peak_rss_mb": _peak_rss_mb(),
            "versions": {
                **_versions(("jax", "jaxlib", "jax-cuda12-plugin", "jax-cuda13-plugin")),
                "jaxbrain": jb.__version__,
            },
        }
    )


def _hopf_loss(jb, dtype, backend, duration, adjoint):
    import dataclasses

    import jax.numpy as jnp
    import jax.random as jr

    ds = jb.Dataset("gw")
    brain = jb.Connectome.from_dataset(ds)
    target = jnp.asarray(ds.FCs, dtype).mean(0)
    extra = _backend_kwargs(jb, backend)
    base = jb.models.hopf.Params(a=-0.05, sigma_ou=SIGMA_OU)
    plan = jb.prepare("hopf", base, brain, duration=duration, bold=True, outputs=(), checkpoint=True,
                      chunksize=GRAD_CHUNK, dtype=dtype, **extra)  # fmt: skip
    # The chunk's gradient: the delayed-read adjoint (integrate/_adjoint.py) or XLA's autodiff (scatter-add).
    plan = dataclasses.replace(plan, adjoint=adjoint == "adjoint")

    def loss(k_gl):
        res = jb.integrate.run(plan, base._replace(K_gl=k_gl), key=jr.key(0))
        # The first 4 s of BOLD (two samples at its 2 s period) are the haemodynamic transient; a short (smoke
        # test) run keeps all of it.
        return 1.0 - jb.metrics.matrix_correlation(jb.metrics.fc(res.bold[2 if duration > 10_000 else 0 :]), target)

    return loss


def worker_grad(args):
    jax, jb = _setup(args.dtype)
    import jax.numpy as jnp

    dtype = jnp.dtype(args.dtype)
    loss = _hopf_loss(jb, dtype, args.backend, args.duration, args.adjoint)
    forward, backward = jax.jit(loss), jax.jit(jax.value_and_grad(loss))
    k0, k1 = jnp.asarray(2.0, dtype), jnp.asarray(2.1, dtype)
    record = _device(jax)
    t0 = time.perf_counter()
    forward(k0).block_until_ready()
    record["forward_first_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    forward(k1).block_until_ready()
    record["forward_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    jax.block_until_ready(backward(k0))
    record["backward_first_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    _, grad = jax.block_until_ready(backward(k1))
    record["backward_s"] = time.perf_counter() - t0
    record["grad"] = float(grad)
    if args.batch:  # vmapped value-and-gradient over `batch` values of K_gl
        vloss = _hopf_loss(jb, dtype, args.backend, args.vduration, args.adjoint)
        vgrad = jax.jit(jax.vmap(jax.value_and_grad(vloss)))
        ks = jnp.linspace(1.0, 3.0, args.batch, dtype=dtype)
        jax.block_until_ready(vgrad(ks))
        t0 = time.perf_counter()
        jax.block_until_ready(vgrad(ks + 0.01))
        record["vgrad_s"] = time.perf_counter() - t0
    _emit(record)


# --------------------------------------------------------------------------------------------- report


def build_report(cfg, device, machine, sims, grads):
    lines = [
        f"## GPU: delayed read backends, throughput and gradients ({datetime.date.today().isoformat()})",
        "",
        f"Device: **{device}**; host: {machine['cpu']}, {machine['cores']}. Command: `{cfg.command}`"
        + (" (**quick**: short runs, not the issue's measurement)" if cfg.quick else ""),
        "",
        "Hopf on gw + delays (20 mm/ms) + BOLD, OU noise, `batched=True`, `outputs=()`; ALN without BOLD. "
        "sim-steps/s = members × steps / wall time of the second call.",
        "",
        "| backend | model | dtype | B | simulated s | first call s | run s | sim-steps/s | µs per step | ok |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    best = {}
    for (backend, model, dtype, batch, duration), r in sims.items():
        if "error" in r:
            lines.append(f"| {backend} | {model} | {dtype} | {batch} | {duration / 1000:g} | error: {r['error']} |||||")
            continue
        lines.append(
            f"| {backend} | {model} | {dtype} | {batch} | {duration / 1000:g} | {_fmt(r['first_call_s'])} | "
            f"{_fmt(r['run_s'])} | {r['steps_per_s']:.2g} | {_fmt(r['us_per_step'])} | {r['ok']} |"
        )
        if model == "hopf":
            k = "single" if batch == 1 else dtype
            if k != "single" or dtype == "float32":
                best[k] = max(best.get(k, (0.0, ""))[0], r["steps_per_s"]), backend
    if grads:
        lines += [
            "",
            f"Gradients: Hopf on gw, {cfg.grad_duration / 1000:g} s "
            "with BOLD, loss 1 − corr(FC(BOLD), mean empirical FC), `checkpoint=True` (2 s chunks), in `K_gl`; "
            f"vmapped: {cfg.vgrad_batch} values of `K_gl`, {cfg.vgrad_duration / 1000:g} s each.",
            "",
            "| backend | dtype | chunk gradient | forward s | value-and-grad s | ratio | first calls s (fwd / grad) "
            "| vmapped s |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for (backend, dtype, gradient), r in grads.items():
            if "error" in r:
                lines.append(f"| {backend} | {dtype} | {gradient} | error: {r['error']} ||||||")
                continue
            ratio = r["backward_s"] / r["forward_s"]
            best["grad_ratio"] = min(best.get("grad_ratio", (float("inf"), ""))[0], ratio), f"{backend}, {gradient}"
            lines.append(
                f"| {backend} | {dtype} | {gradient} | {_fmt(r['forward_s'])} | {_fmt(r['backward_s'])} | "
                f"{ratio:.2f}× | "
                f"{_fmt(r['forward_first_s'])} / {_fmt(r['backward_first_s'])} | {_fmt(r.get('vgrad_s'))} |"
            )
    lines += ["", "Targets (issue 14), best backend:", ""]
    wording = {
        "float32": ("Hopf gw + delays + BOLD, float32", "≥", "sim-steps/s"),
        "float64": ("Hopf gw + delays + BOLD, float64", "≥", "sim-steps/s"),
        "single": ("single simulation (B = 1), float32", "≥", "steps/s"),
        "grad_ratio": ("value-and-gradient / forward", "≤", "×"),
    }
    for k, (what, op, unit) in wording.items():
        if k not in best:
            lines.append(f"- {what}: not measured")
            continue
        value, backend = best[k]
        met = value >= TARGETS[k] if op == "≥" else value <= TARGETS[k]
        sep = "" if unit == "×" else " "
        lines.append(
            f"- {what}: {value:.3g}{sep}{unit} ({backend}), target {op} {TARGETS[k]:.3g}{sep}{unit}: "
            + ("met" if met else "NOT met")
        )
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------- driver


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: short runs, B = 1 and 1024, no RESULTS.md")
    parser.add_argument("--backends", default="xla,pallas", help="read backends (comma-separated)")
    parser.add_argument("--dtypes", default="float32,float64", help="dtypes (comma-separated)")
    parser.add_argument("--no-aln", action="store_true", help="skip the ALN rows")
    parser.add_argument("--no-grad", action="store_true", help="skip the gradient rows")
    parser.add_argument("--out", default=None, help=f"results file (default {DEFAULT_OUT}; not written by --quick)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per worker process")
    parser.add_argument("--worker", choices=("probe", "sim", "grad"), help=argparse.SUPPRESS)
    parser.add_argument("--model", choices=("hopf", "aln"), default="hopf", help=argparse.SUPPRESS)
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32", help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="xla", help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--adjoint", choices=GRADIENTS, default="adjoint", help=argparse.SUPPRESS)
    parser.add_argument("--duration", type=float, default=1000.0, help=argparse.SUPPRESS)
    parser.add_argument("--vduration", type=float, default=VGRAD_DURATION, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return {"probe": worker_probe, "sim": worker_sim, "grad": worker_grad}[args.worker](args)

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)

    def worker(*extra):
        return _run_worker(sys.executable, ["--worker", *extra], env, args.timeout, script=__file__)

    probe = worker("probe")
    if probe.get("platform") != "gpu":
        found = probe.get("device") or probe.get("error", "?")
        print(
            f"bench_gpu: no GPU found (JAX's first device: {found}); this benchmark runs on a GPU only.",
            file=sys.stderr,
        )
        return 2
    args.command = "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(__file__, REPO_ROOT), *sys.argv[1:]])
    args.grad_duration = 6_000.0 if args.quick else GRAD_DURATION
    args.vgrad_batch, args.vgrad_duration = (8, 4_000.0) if args.quick else (VGRAD_BATCH, VGRAD_DURATION)
    backends = [b for b in args.backends.split(",") if b]
    dtypes = [d for d in args.dtypes.split(",") if d]
    runs = [("hopf", b, d) for b, d in (QUICK_HOPF if args.quick else HOPF_RUNS)]
    if not args.no_aln:
        runs.append(("aln", ALN_RUN[0], 500.0 if args.quick else ALN_RUN[1]))
    print(f"bench_gpu: {probe['device']}; backends {backends}; dtypes {dtypes}", file=sys.stderr)
    sims, grads = {}, {}
    for backend in backends:
        for dtype in dtypes:
            for model, batch, duration in runs:
                sims[backend, model, dtype, batch, duration] = worker(
                    "sim", "--model", model, "--dtype", dtype, "--backend", backend,
                    "--batch", str(batch), "--duration", str(duration),
                )  # fmt: skip
            for gradient in () if args.no_grad else GRADIENTS:
                grads[backend, dtype, gradient] = worker(
                    "grad", "--dtype", dtype, "--backend", backend, "--duration", str(args.grad_duration),
                    "--batch", str(args.vgrad_batch), "--vduration", str(args.vgrad_duration),
                    "--adjoint", gradient,
                )  # fmt: skip
    report = build_report(args, probe["device"], _machine(), sims, grads)
    publish(report, args.out or (None if args.quick else DEFAULT_OUT), *BLOCK)
    return 0


if __name__ == "__main__":
    sys.exit(main())
