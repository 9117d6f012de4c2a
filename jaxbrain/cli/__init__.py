"""The ``jaxbrain`` command: simulate a whole-brain model on a bundled dataset and score its FC.

    jaxbrain simulate --model hopf --dataset gw --duration 60 --bold --out results/
    jaxbrain demo --out results/          # the README's whole-brain example
    jaxbrain sweep --model aln --grid mue_ext_mean=0:3:21 --grid mui_ext_mean=0:3:21 --plot map.png
    jaxbrain fit --fit K_gl=0:5 --fit a:per-node=-0.5:0.3 --signal x --duration 2.2 --transient 0.2 --out fit/
    jaxbrain evolve --bound K_gl=0:3 --bound a=-0.5:0.3 --objective subjects --signal x --duration 2 --out evo/
    jaxbrain infer --prior K_gl=uniform:0:3 --prior sigma_ou=loguniform:0.01:0.3 --simulations 1000 --out sbi/
    jaxbrain info                         # versions, devices, precision, memory settings, coupling backend

``--duration`` is in seconds here (the library itself uses ms). Outputs in ``--out``: ``result.nc``
(netCDF via xarray: outputs on ``time``×``node`` and BOLD on ``time_bold``×``node``), ``fc_fit.json``
(FC correlation per subject and mean) and ``summary.png`` (simulated vs empirical FC, a few traces).
``sweep`` writes a resumable result store (see ``jaxbrain sweep --help`` and ``docs/sweeps.md``); ``fit`` fits
parameters to the dataset's empirical FC by gradient descent and resumes a stopped fit (``jaxbrain fit --help``);
``evolve`` evolves them with a genetic algorithm or an evosax strategy and resumes too (``jaxbrain evolve --help``);
``infer`` estimates a posterior over them by simulation-based inference (prior simulations, a neural posterior
estimate, its calibration on held-out simulations), conditions it on each subject and resumes (``jaxbrain infer
--help``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ._common import (
    COMMAND_ERRORS,
    _parse_params,
    _UsageError,
    add_progress_flag,
    add_run_flags,
    fail,
    finite_float,
)
from ._evolve import EVOLVE_DEFAULTS, EVOLVE_EPILOG, _evolve_command
from ._fit import FIT_DATASETS, FIT_DEFAULTS, FIT_EPILOG, PER_NODE, _fit_command
from ._infer import INFER_DATASETS, INFER_DEFAULTS, INFER_EPILOG, SUMMARY_CHOICES, _infer_command
from ._info import run_info
from ._simulate import DEMO, run_simulation
from ._sweep import SWEEP_DEFAULTS, SWEEP_EPILOG, _sweep_command


def main(argv=None):
    parser = argparse.ArgumentParser(prog="jaxbrain", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sim = sub.add_parser("simulate", help="simulate a model on a bundled connectome")
    sim.add_argument("--model", default="hopf", help="model name (hopf, fhn, wc)")
    sim.add_argument(
        "--dataset", default="gw", help="bundled dataset (gw, hcp), or none for one node (single-node models)"
    )
    sim.add_argument("--duration", type=finite_float, default=60.0, help="simulated time in SECONDS (default 60)")
    sim.add_argument("--bold", action="store_true", help="simulate BOLD and score the FC fit")
    sim.add_argument("--param", action="append", metavar="NAME=VALUE", help="model parameter (repeatable)")
    sim.add_argument("--signalV", type=finite_float, default=20.0, help="conduction speed in mm/ms (<= 0: no delays)")
    sim.add_argument("--dt", type=finite_float, default=0.1, help="integration step in ms")
    sim.add_argument("--sampling-dt", type=finite_float, default=1.0, help="output sampling step in ms (default 1)")
    sim.add_argument("--seed", type=int, default=0, help="PRNG seed")
    sim.add_argument("--out", type=Path, default=Path("jaxbrain-out"), help="output folder")
    add_progress_flag(sim)
    demo = sub.add_parser("demo", help="the README's whole-brain example (Hopf on gw, 60 s, BOLD, FC fit)")
    demo.add_argument("--duration", type=finite_float, default=DEMO["duration"], help="simulated time in SECONDS")
    demo.add_argument("--out", type=Path, default=Path("jaxbrain-out"), help="output folder")
    add_progress_flag(demo)
    swp = sub.add_parser(
        "sweep",
        help="sweep model parameters over a grid into a resumable result store",
        description="Simulate every point of a parameter grid in batches, keep a reduction of each simulation "
        "in a zarr store as it goes (rerun the same command to resume), print a summary and optionally "
        "draw the result as a map over the first two grid parameters.",
        epilog=SWEEP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d = SWEEP_DEFAULTS
    swp.add_argument("--config", type=Path, metavar="TOML", help="read the settings from a TOML file (see below)")
    swp.add_argument("--model", help=f"model name (default {d['model']})")
    swp.add_argument("--dataset", help="connectome: gw, hcp, or none for one uncoupled node (default none)")
    swp.add_argument(
        "--grid", action="append", metavar="NAME=SPEC", help="swept parameter: NAME=START:STOP:NUM or NAME=V1,V2,..."
    )
    swp.add_argument("--param", action="append", metavar="NAME=VALUE", help="fixed model parameter (repeatable)")
    add_run_flags(swp, d, "point")
    swp.add_argument("--evaluate", help="what to keep of each run: max, fc, fcd or trace (default max; see below)")
    swp.add_argument("--store", help=f"result store directory; rerun to resume (default {d['store']})")
    swp.add_argument("--batch-size", type=int, help="points per batch (default: from the free memory)")
    swp.add_argument("--bold", action=argparse.BooleanOptionalAction, help="simulate BOLD (fc and fcd need it)")
    swp.add_argument("--seed", type=int, help=f"PRNG seed (default {d['seed']})")
    swp.add_argument("--plot", metavar="PNG", help="write a map of the result over the first two grid parameters")
    swp.add_argument(
        "--distributed",
        action="store_true",
        help="one of several processes (e.g. srun): call jax.distributed.initialize() and share the batches",
    )
    add_progress_flag(swp)
    ftp = sub.add_parser(
        "fit",
        help="fit model parameters to a dataset's empirical FC by gradient descent (resumable)",
        description="Fit parameters of a model on a bundled connectome to the dataset's empirical FC: Adam on "
        "1 - corr(FC) through the whole simulation (jaxbrain.fit.fit), the state saved after every step (rerun "
        "the same command to resume), then the fitted values, the loss history and the FC correlation on a "
        "held-out noise realisation are written to --out.",
        epilog=FIT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    f = FIT_DEFAULTS
    ftp.add_argument("--config", type=Path, metavar="TOML", help="read the settings from a TOML file (see below)")
    ftp.add_argument("--model", help=f"model name (default {f['model']})")
    ftp.add_argument("--dataset", help=f"bundled dataset: {', '.join(FIT_DATASETS)} (default {f['dataset']})")
    ftp.add_argument(
        "--target", help="mean: the subjects' mean FC (default); subjects: the loss averaged over each subject's FC"
    )
    ftp.add_argument(
        "--fit",
        action="append",
        metavar="SPEC",
        help=f"fitted parameter (repeatable): NAME, NAME=LOW:HIGH, NAME:{PER_NODE} or NAME:{PER_NODE}=LOW:HIGH",
    )
    ftp.add_argument(
        "--param", action="append", metavar="NAME=VALUE", help="fixed value, or start of a fitted one (repeatable)"
    )
    ftp.add_argument("--signal", help="FC from: bold (default) or a model output, e.g. x (see below)")
    ftp.add_argument(
        "--transient", type=finite_float, help="SECONDS dropped from the start before the FC (default: see below)"
    )
    add_run_flags(ftp, f, "step")
    ftp.add_argument(
        "--steps", type=int, help=f"optimisation steps in all, resumed ones included (default {f['steps']})"
    )
    ftp.add_argument("--lr", type=finite_float, help=f"Adam learning rate (default {f['lr']:g})")
    ftp.add_argument("--keys", type=int, help=f"noise realisations the loss is averaged over (default {f['keys']})")
    ftp.add_argument("--seed", type=int, help=f"PRNG seed (default {f['seed']})")
    ftp.add_argument(
        "--chunksize",
        type=int,
        help=f"steps per checkpointed chunk; gradient memory grows with their number (default {f['chunksize']})",
    )
    ftp.add_argument("--out", type=Path, help=f"output folder; rerun to resume (default {f['out']})")
    add_progress_flag(ftp)
    evo = sub.add_parser(
        "evolve",
        help="evolve model parameters to fit a dataset's empirical FC (resumable)",
        description="Evolve parameters of a model on a bundled connectome inside a box (jaxbrain.evolve.evolve): "
        "each generation is one batched simulation of the whole population, scored by the FC correlation with "
        "every subject (one objective per subject, or their mean); the evolution is saved after every generation "
        "(rerun the same command to resume, with a larger --ngen to continue), then the best individual, the "
        "history and a figure are written to --out.",
        epilog=EVOLVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    e = EVOLVE_DEFAULTS
    evo.add_argument("--config", type=Path, metavar="TOML", help="read the settings from a TOML file (see below)")
    evo.add_argument("--model", help=f"model name (default {e['model']})")
    evo.add_argument("--dataset", help=f"bundled dataset: gw or hcp (default {e['dataset']})")
    evo.add_argument(
        "--bound", action="append", metavar="NAME=LOW:HIGH", help="evolved parameter and its range (repeatable)"
    )
    evo.add_argument("--param", action="append", metavar="NAME=VALUE", help="fixed model parameter (repeatable)")
    evo.add_argument(
        "--objective", help="mean: the mean FC fit over the subjects (default); subjects: one objective per subject"
    )
    evo.add_argument(
        "--algorithm", help="adaptive, nsga2 or an evosax strategy (default: nsga2 for subjects, else adaptive)"
    )
    evo.add_argument("--pop-init-size", type=int, help="random individuals of generation 0 (default --pop-size)")
    evo.add_argument("--pop-size", type=int, help=f"population size (default {e['pop_size']})")
    evo.add_argument("--ngen", type=int, help=f"generations, the initial one included (default {e['ngen']})")
    evo.add_argument("--signal", help="FC from: bold (default) or a model output, e.g. x (see below)")
    evo.add_argument(
        "--transient", type=finite_float, help="SECONDS dropped from the start before the FC (default: see below)"
    )
    add_run_flags(evo, e, "individual")
    evo.add_argument("--seed", type=int, help=f"PRNG seed of the evolution and the noise (default {e['seed']})")
    evo.add_argument("--out", type=Path, help=f"output folder; rerun to resume (default {e['out']})")
    add_progress_flag(evo)
    inf = sub.add_parser(
        "infer",
        help="a posterior over model parameters by simulation-based inference, for each subject (resumable)",
        description="Simulation-based inference (jaxbrain.infer) on a bundled connectome: draw parameters from "
        "the priors, simulate them in batches into a resumable store with summary statistics computed on the "
        "device, train a neural posterior estimate (a conditional normalizing flow), check its calibration on "
        "held-out simulations (SBC ranks, coverage of credible intervals), then sample the posterior of each "
        "subject of the dataset and simulate posterior samples against the subject's empirical FC. Rerun the "
        "same command to resume.",
        epilog=INFER_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    n = INFER_DEFAULTS
    inf.add_argument("--model", help=f"model name (default {n['model']})")
    inf.add_argument("--dataset", help=f"bundled dataset: {', '.join(INFER_DATASETS)} (default {n['dataset']})")
    inf.add_argument(
        "--prior", action="append", metavar="SPEC", help="prior of an inferred parameter (repeatable; see below)"
    )
    inf.add_argument("--param", action="append", metavar="NAME=VALUE", help="fixed model parameter (repeatable)")
    inf.add_argument("--signal", help="summaries of: bold (default) or a model output, e.g. x (see below)")
    inf.add_argument(
        "--summaries", help=f"statistics, comma-separated: {', '.join(SUMMARY_CHOICES)} (default {n['summaries']})"
    )
    inf.add_argument(
        "--transient", type=finite_float, help="SECONDS dropped before the summaries (default 20 for bold, else 0.1)"
    )
    add_run_flags(inf, n, "simulation")
    inf.add_argument("--simulations", type=int, help=f"training simulations (default {n['simulations']})")
    inf.add_argument("--test", type=int, help=f"held-out simulations for calibration (default {n['test']})")
    inf.add_argument("--batch-size", type=int, help="simulations per batch (default: from the free memory)")
    inf.add_argument("--flow", help=f"maf (affine) or nsf (splines) autoregressive flow (default {n['flow']})")
    inf.add_argument("--hidden", type=int, help=f"width of the flow's networks (default {n['hidden']})")
    inf.add_argument("--layers", type=int, help=f"flow layers (default {n['layers']})")
    inf.add_argument("--epochs", type=int, help=f"most training epochs (default {n['epochs']})")
    inf.add_argument(
        "--patience",
        type=int,
        help=f"epochs without a better validation loss before stopping (default {n['patience']})",
    )
    inf.add_argument("--train-batch", type=int, help=f"training minibatch size (default {n['train_batch']})")
    inf.add_argument("--lr", type=finite_float, help=f"Adam learning rate (default {n['lr']:g})")
    inf.add_argument("--samples", type=int, help=f"posterior samples per subject (default {n['samples']})")
    inf.add_argument(
        "--calibration-samples",
        type=int,
        help=f"posterior samples per held-out simulation (default {n['calibration_samples']})",
    )
    inf.add_argument(
        "--predictive", type=int, help=f"posterior predictive simulations per subject (default {n['predictive']})"
    )
    inf.add_argument("--subjects", help="comma-separated subjects to condition on (default: all of the dataset's)")
    inf.add_argument("--seed", type=int, help=f"PRNG seed (default {n['seed']})")
    inf.add_argument("--out", type=Path, help=f"output folder; rerun to resume (default {n['out']})")
    add_progress_flag(inf)
    info = sub.add_parser(
        "info",
        help="what jaxbrain runs on: versions, devices, precision, memory settings, coupling backend",
        description="Print the versions of jaxbrain, JAX and numpy, the devices JAX sees (with their memory), the "
        "default precision, the XLA memory settings, whether the optional CPU kernels can run, the coupling "
        "backend a simulation would use (alone and in a batch of 64) and the batch size a sweep would choose.",
    )
    info.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)
    commands = {"simulate": sim, "demo": demo, "sweep": swp, "fit": ftp, "evolve": evo, "infer": inf, "info": info}
    try:
        return _dispatch(args, commands)
    except COMMAND_ERRORS as err:
        # Whatever a command did not report itself: a message and exit status 2, never a traceback.
        fail(args.command, err)


def _check_simulate(args, parser):
    """``jaxbrain simulate``'s settings, or a usage error (exit 2) naming the flag and what it needs."""
    for flag, value in (("--duration", args.duration), ("--dt", args.dt), ("--sampling-dt", args.sampling_dt)):
        if not value > 0:
            fail("simulate", f"{flag} must be > 0; got {value:g}", parser)
    if args.sampling_dt < args.dt:
        fail("simulate", f"--sampling-dt ({args.sampling_dt:g} ms) must be >= --dt ({args.dt:g} ms)", parser)
    if not 0 <= args.seed < 2**63:
        fail("simulate", f"--seed must be a whole number in [0, 2**63); got {args.seed}", parser)


def _dispatch(args, commands):
    if args.command == "sweep":
        return _sweep_command(args, commands["sweep"])
    if args.command == "fit":
        return _fit_command(args, commands["fit"])
    if args.command == "evolve":
        return _evolve_command(args, commands["evolve"])
    if args.command == "infer":
        return _infer_command(args, commands["infer"])
    if args.command == "info":
        return run_info(as_json=args.json)

    from ..models import get_model

    if args.command == "demo":
        if not args.duration > 0:
            fail("demo", f"--duration must be > 0 seconds; got {args.duration:g}", commands["demo"])
        return run_simulation(
            DEMO["model"],
            DEMO["dataset"],
            args.duration,
            DEMO["params"],
            bold=True,
            out=args.out,
            signalV=DEMO["signalV"],
            dt=0.1,
            seed=0,
            sampling_dt=1.0,
            progress=args.progress,
        )
    parser = commands["simulate"]
    try:
        model = get_model(args.model)
    except ValueError as err:
        fail("simulate", err, parser)
    _check_simulate(args, parser)
    try:
        params = _parse_params(args.param, model)
    except _UsageError as err:
        fail("simulate", err, parser)
    return run_simulation(
        model.name,
        args.dataset,
        args.duration,
        params,
        bold=args.bold,
        out=args.out,
        signalV=args.signalV,
        dt=args.dt,
        seed=args.seed,
        sampling_dt=args.sampling_dt,
        progress=args.progress,
    )
