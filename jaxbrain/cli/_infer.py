"""``jaxbrain infer``: simulation-based inference of parameters from a dataset's subjects, resumable."""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

from ._common import (
    TR_MS,
    _json_number,
    _run_command,
    _split_item,
    _UsageError,
    _write_atomic,
    make_output_folder,
)
from ._fit import PER_NODE

INFER_DEFAULTS = {
    "model": "hopf",
    "dataset": "gw",
    "prior": {},
    "params": {},
    "signal": "bold",
    "summaries": "fc,fc_q,fc_sc",
    "transient": None,
    "duration": 80.0,
    "dt": 0.1,
    "sampling_dt": 1.0,
    "signalV": 20.0,
    "simulations": 1000,
    "test": 100,
    "batch_size": None,
    "flow": "maf",
    "hidden": 64,
    "layers": 5,
    "epochs": 500,
    "patience": 50,
    "train_batch": 128,
    "lr": 1e-3,
    "samples": 2000,
    "calibration_samples": 500,
    "predictive": 16,
    "subjects": None,
    "seed": 0,
    "out": "jaxbrain-infer",
}

# The default problem: Hopf on gw below its bifurcation, the posterior over global coupling and noise.
HOPF_PRIOR = {"K_gl": "uniform:0:3", "sigma_ou": "loguniform:0.01:0.3"}
HOPF_PARAMS = {"a": -0.05}

INFER_DATASETS = ("gw", "hcp")

DISTRIBUTIONS = ("uniform", "loguniform", "normal", "lognormal")

SUMMARY_CHOICES = {
    "fc": "mean and standard deviation of the FC's upper triangle (fc_summary)",
    "fc_q": "5 quantiles (10, 25, 50, 75, 90 %) of the FC's upper triangle (fc_quantiles)",
    "fc_sc": "correlation of the FC with the structural connectivity (fc_sc_correlation)",
    "fcd": "5 quantiles of the FCD matrix, windows of 30 samples every 5 (fcd_quantiles; >= 36 samples)",
    "stats": "log variance and log amplitude of the signal, averaged over regions (signal_stats)",
    "peak": "frequency of the peak of the region-averaged spectrum (spectral_peak)",
}
FCD_WINDOW, FCD_STEP = 30, 5

CALIBRATION_LEVELS = (0.5, 0.8, 0.9, 0.95)

# The Balloon-Windkessel model starts away from its steady state: for about 20 s every region's BOLD drifts
# together, and the FC of those samples is high whatever the coupling (mean FC 0.4-0.9 over 10-50 s of Hopf on
# gw without coupling, 0.0 over 20-50 s). The recordings have no such start-up, so it is dropped.
INFER_BOLD_TRANSIENT_S = 20.0

INFER_EPILOG = f"""\
priors (--prior, repeatable; default for hopf: {" ".join(f"--prior {k}={v}" for k, v in HOPF_PRIOR.items())}):
  --prior NAME=uniform:LOW:HIGH        uniform on (LOW, HIGH)
  --prior NAME=loguniform:LOW:HIGH     log-uniform on (LOW, HIGH), 0 < LOW
  --prior NAME=normal:LOC:SCALE        normal
  --prior NAME=lognormal:LOC:SCALE     log NAME is normal(LOC, SCALE)
  --prior NAME:{PER_NODE}=...            one independent value per region (80 on gw), each with this prior
  Parameters without a prior keep their --param value or the model's default (for hopf: a = -0.05 unless
  --param a=... says otherwise).

summary statistics (--summaries, comma-separated, in this order in the vector the posterior conditions on):
{chr(10).join(f"  {k:<6} {v}" for k, v in SUMMARY_CHOICES.items())}
  The default fc,fc_q,fc_sc reads only correlations, which do not depend on the units of the signal: the
  bundled BOLD is in scanner units, the simulated BOLD is not, so stats and peak compare like with like only
  for a signal that shares its scale with the data.

the signal (--signal, --transient, --duration):
  bold   the simulated BOLD, one sample per 2 s, after the first --transient s (default 20: the haemodynamic
         model's start-up, during which all regions drift together). --duration 80 leaves 30 samples. The
         posterior of each subject is conditioned on the same statistics of the first equally many samples of
         the subject's recorded BOLD (gw: the first 30 of 355 samples; hcp: at its TR of 0.72 s). A window
         of the same length keeps the statistics' sampling noise the same in simulation and data; a longer
         recording would sharpen FC statistics beyond what the simulations were trained on.
  NAME   a model output, e.g. x for hopf, every --sampling-dt ms after --transient s (default 0.1): cheap, for
         trying the pipeline. The subjects' data are BOLD: their summaries are then computed on the first
         equally many BOLD samples as if they were that output, which is no inference about the data.

steps, and what --out holds (rerun the same command to resume):
  simulations.zarr        the prior simulations (--simulations for training plus --test held out), a sweep
                          store written batch by batch: a rerun simulates only the missing batches
  training.npz            the posterior's training state after every epoch: a rerun resumes it
  posterior_flow.npz      the trained posterior (jaxbrain.infer.load_posterior)
  calibration.json        on the --test held-out simulations: SBC ranks' chi-square p-values per parameter and
                          the coverage of the 50/80/90/95 % central credible intervals
  sbc.png, coverage.png   the rank histograms and the coverage curve
  posterior_samples.npz   --samples posterior samples per subject (one array per subject, columns "labels")
  posterior.json          per subject: mean and 5/50/95 % quantiles of each parameter, the posterior
                          predictive FC fit (--predictive simulations of posterior samples, each run's FC
                          correlated with the subject's empirical FC), and the summaries outside the simulated range
  predictive_SUBJECT.zarr the posterior predictive simulations
  A different command on the same --out is refused (the stores and the training state record what made them);
  use another --out.
"""


def _number(text, flag, item):
    try:
        value = float(text)
    except ValueError:
        raise _UsageError(f"{flag} {item!r}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise _UsageError(f"{flag} {item!r}: {text!r} is not a finite number")
    return value


def _prior_item(item):
    """``NAME[:per-node]=KIND:A:B`` as ``(name, {"kind", "a", "b", "per_node"})``."""
    form = f"--prior expects NAME=KIND:A:B or NAME:{PER_NODE}=KIND:A:B with KIND one of {', '.join(DISTRIBUTIONS)}"
    head, sep, spec = item.partition("=")
    name, colon, modifier = head.partition(":")
    name = name.strip()
    if not sep or not name or (colon and modifier.strip() != PER_NODE):
        raise _UsageError(f"{form}; got {item!r}")
    parts = spec.split(":")
    if len(parts) != 3:
        raise _UsageError(f"{form}; got {item!r}")
    kind = parts[0].strip().lower()
    if kind not in DISTRIBUTIONS:
        raise _UsageError(f"--prior {name}: unknown distribution {parts[0]!r}; known: {', '.join(DISTRIBUTIONS)}")
    a, b = _number(parts[1], "--prior", item), _number(parts[2], "--prior", item)
    if kind in ("uniform", "loguniform") and not a < b:
        raise _UsageError(f"--prior {name}: {kind} needs LOW < HIGH; got {a:g}:{b:g}")
    if kind == "loguniform" and not a > 0:
        raise _UsageError(f"--prior {name}: loguniform needs LOW > 0; got {a:g}")
    if kind in ("normal", "lognormal") and not b > 0:
        raise _UsageError(f"--prior {name}: {kind} needs SCALE > 0; got {b:g}")
    return name, {"kind": kind, "a": a, "b": b, "per_node": bool(colon)}


def _summary_names(text):
    names = [s.strip() for s in str(text).split(",") if s.strip()]
    unknown = [s for s in names if s not in SUMMARY_CHOICES]
    if not names or unknown:
        raise _UsageError(
            f"--summaries takes a comma-separated list of {', '.join(SUMMARY_CHOICES)}; got {text!r}"
            + (f" (unknown: {', '.join(unknown)})" if unknown else "")
        )
    if len(set(names)) != len(names):
        raise _UsageError(f"--summaries names a statistic twice: {text!r}")
    return names


def signal_samples(duration_ms, dt, sampling_dt, transient_ms, bold):
    """The number of samples of the simulated signal after the transient (the simulator's sampling grid: outputs
    at steps ``k * every + 1``, BOLD at steps ``k = 1 (mod 2000 ms / dt)``)."""
    n_steps = int(round(duration_ms / dt))
    if bold:
        every = int(round(TR_MS / dt))
        times = [k * dt for k in range(1, n_steps, every)]
    else:
        every = int(round(sampling_dt / dt))
        times = [(k + 1) * dt for k in range(0, n_steps, every)]
    return sum(t > transient_ms for t in times)


def _infer_settings(args):
    """Defaults, then the command line; checked before anything runs."""
    from ..models import get_model

    cfg = dict(INFER_DEFAULTS)
    for key in INFER_DEFAULTS:
        given = getattr(args, key, None)
        if key not in ("prior", "params") and given is not None:
            cfg[key] = str(given) if isinstance(given, Path) else given
    try:
        model = get_model(cfg["model"])
    except ValueError as err:
        raise _UsageError(str(err)) from None
    fields = list(model.Params._fields)
    prior = {}
    for item in args.prior or ():
        name, spec = _prior_item(item)
        if name in prior:
            raise _UsageError(f"--prior {name} is given twice")
        prior[name] = spec
    if not prior:
        if model.name != "hopf":
            raise _UsageError(f"give at least one --prior for model {model.name!r} (the default prior is hopf's)")
        prior = dict(_prior_item(f"{k}={v}") for k, v in HOPF_PRIOR.items())
    explicit = {}
    for item in args.param or ():
        name, value = _split_item(item, "--param", "NAME=VALUE")
        explicit[name] = _number(value, "--param", item)
    for flag, names in (("--prior", prior), ("--param", explicit)):
        unknown = [n for n in names if n not in fields]
        if unknown:
            raise _UsageError(f"{flag}: unknown parameter(s) {unknown} for model {model.name!r}; valid: {fields}")
    clash = sorted(set(prior) & set(explicit))
    if clash:
        raise _UsageError(f"{clash} has both a --prior and a --param: give each parameter in one place only")
    params = {**(HOPF_PARAMS if model.name == "hopf" else {}), **explicit}
    for name in prior:
        params.pop(name, None)
    if cfg["dataset"] not in INFER_DATASETS:
        raise _UsageError(f"--dataset must be one of {', '.join(INFER_DATASETS)}; got {cfg['dataset']!r}")
    signals = ("bold", *model.output_vars)
    if cfg["signal"] not in signals:
        raise _UsageError(f"--signal must be one of {', '.join(signals)} for {model.name}; got {cfg['signal']!r}")
    cfg["summaries"] = ",".join(_summary_names(cfg["summaries"]))
    if cfg["flow"] not in ("maf", "nsf"):
        raise _UsageError(f"--flow must be maf or nsf; got {cfg['flow']!r}")
    for key in ("duration", "dt", "sampling_dt", "lr"):
        if not cfg[key] > 0:
            raise _UsageError(f"--{key.replace('_', '-')} must be > 0; got {cfg[key]:g}")
    minimum = {"simulations": 10, "test": 1, "hidden": 1, "layers": 1, "epochs": 1, "patience": 1}
    minimum.update(train_batch=1, samples=1, calibration_samples=2, predictive=1)
    for key, low in minimum.items():
        if cfg[key] < low:
            raise _UsageError(f"--{key.replace('_', '-')} must be >= {low}; got {cfg[key]}")
    if cfg["batch_size"] is not None and cfg["batch_size"] < 1:
        raise _UsageError(f"--batch-size must be >= 1; got {cfg['batch_size']}")
    if not 0 <= cfg["seed"] < 2**63:
        raise _UsageError(f"--seed must be a whole number in [0, 2**63); got {cfg['seed']}")
    bold = cfg["signal"] == "bold"
    if cfg["transient"] is None:
        cfg["transient"] = INFER_BOLD_TRANSIENT_S if bold else 0.1
    if not cfg["transient"] >= 0:
        raise _UsageError(f"--transient must be >= 0 seconds; got {cfg['transient']:g}")
    if not bold and cfg["sampling_dt"] < cfg["dt"]:
        raise _UsageError(f"--sampling-dt ({cfg['sampling_dt']:g} ms) must be >= --dt ({cfg['dt']:g} ms)")
    n = signal_samples(cfg["duration"] * 1000.0, cfg["dt"], cfg["sampling_dt"], cfg["transient"] * 1000.0, bold)
    what = "BOLD samples (one per 2 s)" if bold else f"samples of {cfg['signal']} (one per {cfg['sampling_dt']:g} ms)"
    needed = FCD_WINDOW + FCD_STEP + 1 if "fcd" in cfg["summaries"].split(",") else 3
    if n < needed:
        raise _UsageError(
            f"--duration {cfg['duration']:g} s less --transient {cfg['transient']:g} s leaves {n} {what}; "
            f"the summaries need at least {needed}" + (" (fcd: two windows)" if needed > 3 else " (an FC)")
        )
    cfg["prior"], cfg["params"] = prior, params
    return cfg


def _prior(cfg, n_nodes):
    from ..infer import LogNormal, LogUniform, Normal, Prior, Uniform

    kinds = {"uniform": Uniform, "loguniform": LogUniform, "normal": Normal, "lognormal": LogNormal}
    return Prior(
        {
            name: kinds[s["kind"]](s["a"], s["b"], shape=(n_nodes,) if s["per_node"] else ())
            for name, s in cfg["prior"].items()
        }
    )


def _summaries(cfg, cmat):
    from .. import infer

    make = {
        "fc": infer.fc_summary,
        "fc_q": infer.fc_quantiles,
        "fc_sc": lambda: infer.fc_sc_correlation(cmat),
        "fcd": lambda: infer.fcd_quantiles(window_size=FCD_WINDOW, step_size=FCD_STEP),
        "stats": infer.signal_stats,
        "peak": lambda: infer.spectral_peak(per_region=False),
    }
    stats = [make[name]() for name in cfg["summaries"].split(",")]
    return infer.Summaries(*stats, signal=cfg["signal"], transient_ms=cfg["transient"] * 1000.0)


def _save_figure(fig, path):
    _write_atomic(path, lambda p: fig.savefig(p, format="png", dpi=110))


def run_infer(cfg, progress=True):
    """Run (or resume) the inference ``cfg`` describes, write its outputs and print a summary; returns 0."""
    import warnings

    import jax
    import jax.random as jr
    import numpy as np

    from .. import Connectome, Dataset, get_model, infer

    try:
        import flowjax  # noqa: F401  (checked before hours of simulation, not when training starts)
    except ImportError:
        raise ValueError('jaxbrain infer trains its posterior with flowjax: pip install "jaxbrain[infer]"') from None
    model = get_model(cfg["model"])
    dataset = Dataset(cfg["dataset"])
    connectome = Connectome.from_dataset(dataset)
    n_nodes = connectome.n_nodes
    subjects = list(dataset.subjects)
    if cfg["subjects"] is not None:
        wanted = [v.strip() for v in cfg["subjects"].split(",") if v.strip()]
        unknown = [v for v in wanted if v not in subjects]
        if unknown or not wanted:
            raise ValueError(f"--subjects: unknown subject(s) {unknown} of {cfg['dataset']}; its subjects: {subjects}")
        subjects = wanted
    rows = [list(dataset.subjects).index(v) for v in subjects]
    bold = cfg["signal"] == "bold"
    prior = _prior(cfg, n_nodes)
    summaries = _summaries(cfg, np.asarray(dataset.Cmat))
    run = dict(duration=cfg["duration"] * 1000.0, dt=cfg["dt"], sampling_dt=cfg["sampling_dt"])
    run.update(signalV=cfg["signalV"], bold=bold, dtype="float32")
    n_window = signal_samples(run["duration"], cfg["dt"], cfg["sampling_dt"], summaries.transient_ms, bold)
    recorded = min(np.shape(b)[-1] for b in dataset.BOLDs)
    if n_window > recorded:
        raise ValueError(
            f"the simulated signal has {n_window} samples after the transient; the subjects' BOLD has {recorded}: "
            "shorten --duration (or coarsen --sampling-dt) so that a window of the data is as long"
        )
    sim_dt = TR_MS if bold else cfg["sampling_dt"]
    out = Path(cfg["out"])
    make_output_folder(out)
    labels = prior.labels
    sim_key, train_key, cal_key, sample_key, pred_key = jr.split(jr.key(cfg["seed"]), 5)
    n_total = cfg["simulations"] + cfg["test"]
    print(
        f"jaxbrain infer: {model.name} on {cfg['dataset']} ({n_nodes} regions), posterior over {', '.join(labels[:6])}"
        f"{' ...' if len(labels) > 6 else ''}; {n_total} simulations ({cfg['test']} held out) of "
        f"{cfg['duration']:g} s, summaries {cfg['summaries']} of {cfg['signal']} ({n_window} samples after "
        f"{cfg['transient']:g} s)",
        file=sys.stderr,
    )
    if not bold:
        print(
            f"jaxbrain infer: note: the subjects' data are BOLD; their summaries read {n_window} BOLD samples as if "
            f"they were {cfg['signal']}: a check of the pipeline, not inference about the data",
            file=sys.stderr,
        )

    # 1. Prior simulations, resumed from the store.
    t0 = time.perf_counter()
    computed = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        sims = infer.simulate_prior(
            model, prior, summaries, connectome, n=n_total, key=sim_key, params=cfg["params"],
            store=out / "simulations.zarr", batch_size=cfg["batch_size"], progress=progress,
            on_batch=computed.append, **run,
        )  # fmt: skip
    for w in caught:
        print(f"jaxbrain infer: warning: {w.message}", file=sys.stderr)
    t_sim = time.perf_counter() - t0
    n_failed = int(np.sum(~sims.ok))
    train, test = sims.split(cfg["test"])

    # 2. The posterior, its training resumed from its state.
    t0 = time.perf_counter()
    posterior = infer.train_posterior(
        train, prior, key=train_key, flow=cfg["flow"], hidden=cfg["hidden"], layers=cfg["layers"],
        max_epochs=cfg["epochs"], batch_size=cfg["train_batch"], learning_rate=cfg["lr"], patience=cfg["patience"],
        checkpoint=out / "training.npz", progress=progress,
    )  # fmt: skip
    posterior.save(out / "posterior_flow.npz")
    t_train = time.perf_counter() - t0

    # 3. Calibration on the held-out simulations.
    t0 = time.perf_counter()
    report = infer.calibrate(
        posterior, test, key=cal_key, levels=CALIBRATION_LEVELS, n_samples=cfg["calibration_samples"]
    )
    t_cal = time.perf_counter() - t0
    calibration = _calibration_record(report, test.n)
    _write_atomic(out / "calibration.json", lambda p: p.write_text(json.dumps(calibration, indent=2)))
    _calibration_figures(report, out)

    # 4. Each subject: summaries of the first window of its BOLD, posterior samples, posterior predictive FC fit.
    t0 = time.perf_counter()
    # In the precision JAX computes in (of_timeseries asks for the array's own dtype, which float64 is not without
    # x64).
    dtype = np.float64 if jax.config.jax_enable_x64 else np.float32
    windows = np.stack([np.asarray(dataset.BOLDs[r], dtype).T[:n_window] for r in rows])
    x_obs = np.asarray(summaries.of_timeseries(windows, sim_dt), np.float64)
    finite = np.all(np.isfinite(x_obs), axis=1)
    samples = np.full((len(subjects), cfg["samples"], prior.dim), np.nan)
    if finite.any():
        samples[finite] = np.asarray(posterior.sample_flat(sample_key, x_obs[finite], cfg["samples"]))
    x_min, x_max = np.min(train.x, axis=0), np.max(train.x, axis=0)
    record_subjects = {}
    for i, subject in enumerate(subjects):
        entry = {"x_obs": [_json_number(v) for v in x_obs[i]]}
        entry["outside_simulated_range"] = [
            lab for lab, v, lo, hi in zip(posterior.labels, x_obs[i], x_min, x_max) if not lo <= v <= hi
        ]
        if not finite[i]:
            entry["error"] = "non-finite summaries of the subject's data"
            record_subjects[subject] = entry
            continue
        entry["parameters"] = _posterior_stats(samples[i], labels)
        pred = infer.posterior_predictive(
            posterior, x_obs[i], model, connectome, key=jr.fold_in(pred_key, rows[i]), n=cfg["predictive"],
            summaries=summaries, params=cfg["params"], target_fc=np.asarray(dataset.FCs[rows[i]], np.float64),
            store=out / f"predictive_{subject}.zarr", batch_size=cfg["batch_size"], progress=progress, **run,
        )  # fmt: skip
        fits = np.asarray(pred.fc_correlation, np.float64)[pred.ok]
        entry["predictive"] = {
            "n": int(len(pred.ok)),
            "ok": int(np.sum(pred.ok)),
            "fc_correlation": [_json_number(v) for v in np.asarray(pred.fc_correlation)],
            "fc_correlation_mean": _json_number(fits.mean()) if fits.size else None,
            "fc_correlation_median": _json_number(np.median(fits)) if fits.size else None,
        }
        record_subjects[subject] = entry
    t_subjects = time.perf_counter() - t0
    arrays = {subject: samples[i] for i, subject in enumerate(subjects)}
    arrays["labels"] = np.asarray(labels)
    _write_atomic(out / "posterior_samples.npz", lambda p: _savez(p, arrays))
    record = {
        "model": model.name,
        "dataset": cfg["dataset"],
        "parameters": labels,
        "summaries": posterior.labels,
        "window": {
            "samples": n_window,
            "signal": cfg["signal"],
            "dt_ms": sim_dt,
            "data": f"the first {n_window} BOLD samples of each subject (TR {dataset.TR:g} ms)",
        },
        "subjects": record_subjects,
        "simulations": {"n": sims.n, "failed": n_failed, "train": train.n, "test": test.n},
        "training": {"epochs": int(len(posterior.history)), "best_validation_loss": _best(posterior.history)},
        "seconds": {"simulations": t_sim, "training": t_train, "calibration": t_cal, "subjects": t_subjects},
        "settings": cfg,
    }
    _write_atomic(out / "posterior.json", lambda p: p.write_text(json.dumps(record, indent=2)))

    n_batches = len(computed)
    print(
        f"simulations: {sims.n} ({n_failed} failed), {n_batches} batch(es) simulated now"
        f"{'' if n_batches else ' (all resumed from the store)'}, {t_sim:.1f} s"
    )
    print(f"training: {len(posterior.history)} epochs, best validation loss {_best(posterior.history):.3f}, "
          f"{t_train:.1f} s")  # fmt: skip
    cov = report.coverage
    row90 = list(cov.levels).index(0.9)
    for j, lab in enumerate(labels[:8]):
        print(
            f"  {lab}: SBC p = {report.sbc.pvalues[j]:.3g}, 90 % interval covers {int(cov.counts[row90, j])} of "
            f"{cov.n_test} held-out truths"
        )
    shown = labels[:3]
    header = f"{'subject':<12}" + "".join(f"{lab + ' mean [5%, 95%]':>30}" for lab in shown) + f"{'FC fit':>10}"
    print(header)
    for subject in subjects:
        entry = record_subjects[subject]
        if "parameters" not in entry:
            print(f"{subject:<12}  {entry['error']}")
            continue
        cells = "".join(
            f"{_interval(entry['parameters'][lab]):>30}" for lab in shown
        )  # fmt: skip
        fit = entry["predictive"]["fc_correlation_mean"]
        print(f"{subject:<12}{cells}{'nan' if fit is None else f'{fit:.3f}':>10}")
    print(
        f"wrote {out / 'posterior.json'}, {out / 'posterior_samples.npz'}, {out / 'calibration.json'}, "
        f"{out / 'sbc.png'}, {out / 'coverage.png'}, {out / 'posterior_flow.npz'}"
    )
    return 0


def _savez(path, arrays):
    import numpy as np

    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def _best(history):
    import numpy as np

    values = np.asarray(history, np.float64)[:, 1]
    values = values[np.isfinite(values)]
    return float(values.min()) if values.size else float("nan")


def _interval(stats):
    return f"{stats['mean']:.3g} [{stats['q05']:.3g}, {stats['q95']:.3g}]"


def _posterior_stats(samples, labels):
    import numpy as np

    q05, q50, q95 = np.quantile(samples, (0.05, 0.5, 0.95), axis=0)
    mean = samples.mean(axis=0)
    return {
        lab: {"mean": float(mean[j]), "q05": float(q05[j]), "q50": float(q50[j]), "q95": float(q95[j])}
        for j, lab in enumerate(labels)
    }


def _calibration_record(report, n_test):
    sbc, cov = report.sbc, report.coverage
    return {
        "n_test": int(n_test),
        "sbc": {
            "n_samples": sbc.n_samples,
            "n_bins": sbc.n_bins,
            "pvalues": {lab: float(p) for lab, p in zip(sbc.labels, sbc.pvalues)},
            "ranks": {lab: sbc.ranks[:, j].astype(int).tolist() for j, lab in enumerate(sbc.labels)},
        },
        "coverage": {
            "levels": [float(v) for v in cov.levels],
            "coverage": {lab: [float(v) for v in cov.coverage[:, j]] for j, lab in enumerate(cov.labels)},
            "counts": {lab: [int(v) for v in cov.counts[:, j]] for j, lab in enumerate(cov.labels)},
            "width": {lab: [float(v) for v in cov.width[:, j]] for j, lab in enumerate(cov.labels)},
        },
    }


def _calibration_figures(report, out):
    from .. import plot

    sbc, cov = report.sbc, report.coverage
    fig = plot.sbc_histogram(sbc.ranks, sbc.n_samples, labels=sbc.labels, bins=sbc.n_bins, pvalues=sbc.pvalues)
    _save_figure(fig, out / "sbc.png")
    fig = plot.coverage_curve(cov.levels, cov.coverage, cov.n_test, labels=cov.labels)
    _save_figure(fig, out / "coverage.png")


def _infer_command(args, parser):
    return _run_command(_infer_settings, lambda cfg: run_infer(cfg, progress=args.progress), args, parser)
