"""Heterogeneous-network benchmark: a network of two groups against the one-group network of the same size.

The same 80 gw nodes (delays at 20 mm/ms, noise on, float32), 1 s simulated at dt = 0.1 ms, every output recorded,
as four networks: native Hopf on all 80 nodes; the one-group composite ``compose([Group("ctx", "hopf", 80)])``;
two Hopf groups of 40 (``compose([Group("a", "hopf", 40), Group("b", "hopf", 40)])``); and 40 Hopf + 40
FitzHugh–Nagumo nodes. For batch sizes 1 and 64 (``batched=True``, the global coupling spread over the batch), one
fresh process per network compiles, runs once more untimed, then reports the median of ``--repeats`` timed runs in
µs per simulation step; the networks take turns for ``--rounds`` rounds and each figure is the median over them.
With the same node count, µs per step is the per-node speed; the ratio column is the native network's time over
this one's.

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_compose.py                 # writes the bench_compose block of RESULTS.md
    PYTHONPATH=. python benchmarks/bench_compose.py --batches 1 --repeats 1 --out /tmp/compose.md

The question it answers (issue 15): does a two-group network run at the one-group network's per-node speed, and
does the homogeneous network (the one-group case) keep its speed?
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import statistics
import sys

from bench_core import DEFAULT_OUT, REPO_ROOT, _emit, _machine, _run_worker, _timed, publish

BATCHES = (1, 64)
DURATION = 1000.0  # ms
DT = 0.1  # ms
BLOCK = "bench_compose"
NETWORKS = {
    "hopf": "Hopf x 80 (native)",
    "one": "compose: Hopf x 80 (one group)",
    "hopf+hopf": "compose: Hopf x 40 + Hopf x 40",
    "hopf+fhn": "compose: Hopf x 40 + FHN x 40",
}


def _network(name, batch):
    """The model and its params for ``batch`` members: the gain K_gl = linspace(0.1, 1) over the batch."""
    import jax.numpy as jnp

    from jaxbrain.models import Group, compose, compose_params, fhn, hopf

    gain = jnp.linspace(0.1, 1.0, batch)
    if name == "hopf":
        return hopf.model, hopf.Params(K_gl=gain, sigma_ou=0.1)
    groups = {
        "one": [Group("ctx", "hopf", 80)],
        "hopf+hopf": [Group("a", "hopf", 40), Group("b", "hopf", 40)],
        "hopf+fhn": [Group("a", "hopf", 40), Group("b", "fhn", 40)],
    }[name]
    multi = compose(groups)
    own = {"hopf": hopf.Params(sigma_ou=0.1), "fhn": fhn.Params(sigma_ou=0.1)}
    params = compose_params(multi, **{g.name: own[g.model] for g in groups})
    return multi, params._replace(**{f"{g.name}_K_gl": gain for g in groups})


def worker(args):
    """One measurement in this fresh process."""
    import jax
    import jax.random as jr

    import jaxbrain as jb

    ds = jb.Dataset("gw")
    net = jb.Connectome(ds.Cmat, ds.Dmat)
    model, params = _network(args.network, args.batch)
    keys = jr.split(jr.key(0), args.batch)

    def run():
        res = jb.simulate(model, params, net, key=keys, duration=DURATION, dt=DT, batched=True)
        jax.block_until_ready((res.outputs, res.final))
        return res

    first, _, res = _timed(run)
    run()
    walls = [_timed(run)[0] for _ in range(args.repeats)]
    _emit({"backend": res.backend, "first_s": first, "us_per_step": statistics.median(walls) * 1e6 / (DURATION / DT)})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", default=",".join(map(str, BATCHES)), help="batch sizes (comma-separated)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per measurement (median)")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per network, taking turns (median)")
    parser.add_argument("--out", default=None, help=f"results file (default {DEFAULT_OUT})")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per worker process")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--network", default="hopf", choices=sorted(NETWORKS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)

    import jax

    batches = [int(b) for b in args.batches.split(",") if b]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    # The networks take turns, round after round, so that a change in the shared machine's load falls on all of
    # them alike; each figure is the median over the rounds.
    records = {}
    for _ in range(args.rounds):
        for batch in batches:
            for name in NETWORKS:
                worker_args = ["--worker", "--batch", str(batch), "--network", name, "--repeats", str(args.repeats)]
                rec = _run_worker(sys.executable, worker_args, env, args.timeout, script=__file__)
                records.setdefault((batch, name), []).append(rec)
    rows = {}
    for key, recs in records.items():
        times = [r["us_per_step"] for r in recs if "us_per_step" in r]
        rows[key] = {**recs[-1], "us_per_step": statistics.median(times)} if times else recs[-1]

    command = "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(__file__, REPO_ROOT), *sys.argv[1:]])
    machine = _machine()
    lines = [
        f"## Heterogeneous networks: two groups against one ({datetime.date.today().isoformat()})",
        "",
        f"Machine: {machine['cpu']}; {machine['cores']}; {machine['ram']} RAM; {jax.default_backend()} backend, "
        f"float32. jax {jax.__version__}. Command: `{command}`.",
        "",
        f"80 gw nodes (signalV 20 mm/ms, sigma_ou 0.1), {DURATION / 1000:g} s at dt {DT:g} ms, every output "
        "recorded, `batched=True` with K_gl = linspace(0.1, 1, B); µs per simulation step (80 nodes in each network, "
        f"so the per-node speed): the median of {args.repeats} runs after compilation in a fresh process, then the "
        f"median over {args.rounds} such processes, the networks taking turns; the backend chosen automatically. "
        "Ratio: the native Hopf network's time / this one's (above 1: faster). Target (issue 15): the two-group "
        "networks at the one-group network's speed. The machine is shared with other work: single timings vary by "
        "~20 % and more.",
        "",
        "| network | " + " | ".join(f"B = {b}" for b in batches) + " |",
        "|---|" + "---|" * len(batches),
    ]
    for name, label in NETWORKS.items():
        cells = []
        for batch in batches:
            rec, ref = rows[batch, name], rows[batch, "hopf"].get("us_per_step")
            if "us_per_step" not in rec:
                cells.append(f"error: {rec.get('error', '?')[:60]}")
                continue
            us = rec["us_per_step"]
            ratio = f" ({ref / us:.2f}×)" if ref else ""
            cells.append(f"{us:.1f} µs{ratio}, {rec['backend']}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    publish("\n".join(lines) + "\n", args.out or DEFAULT_OUT, f"<!-- {BLOCK}:start -->", f"<!-- {BLOCK}:end -->")
    return 0


if __name__ == "__main__":
    sys.exit(main())
