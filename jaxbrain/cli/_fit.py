"""``jaxbrain fit``: gradient fitting of parameters to a dataset's empirical FC, resumable."""

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
    _json_number,
    _json_value,
    _layered_settings,
    _read_config,
    _run_command,
    _split_item,
    _UsageError,
    _write_atomic,
)

FIT_DEFAULTS = {
    "model": "hopf",
    "dataset": "gw",
    "target": "mean",
    "fit": {},
    "params": {},
    "signal": "bold",
    "transient": None,
    "duration": 60.0,
    "dt": 0.1,
    "sampling_dt": 1.0,
    "signalV": 20.0,
    "steps": 50,
    "lr": 0.05,
    "keys": 1,
    "seed": 0,
    "chunksize": 5000,
    "out": "jaxbrain-fit",
}


FIT_DATASETS = ("gw", "hcp")


FIT_TARGETS = ("mean", "subjects")


PER_NODE = "per-node"


# A saved fit state may be resumed with other values of these settings; any other change is another fit.
FIT_RESUMABLE = ("steps", "chunksize", "out")


FIT_EPILOG = f"""\
fitted parameters (--fit, repeatable):
  --fit NAME                     fit NAME without bounds (Identity bijection)
  --fit NAME=LOW:HIGH            fit NAME inside the open interval (LOW, HIGH) (Interval bijection)
  --fit NAME:{PER_NODE}            one value per region (e.g. 80 on gw), each starting from NAME's value
  --fit NAME:{PER_NODE}=LOW:HIGH   the same, every region's value inside (LOW, HIGH)
  A fitted parameter starts from --param NAME=VALUE when given, else from the model's default; a start
  outside the bounds is an error. Parameters not fitted keep their --param value or the default.

what the FC is computed from (--signal, --transient):
  bold   the simulated BOLD (one sample per 2 s). By default the samples after the first 10 s when at
         least 3 are left (--duration >= 16), else all but the first 2 (needs --duration >= 10); with
         --transient T the samples after T s (needs --duration >= T + 6). Tens of seconds of simulation
         per step, which wants a GPU
  NAME   a model output, e.g. x for hopf, sampled every --sampling-dt ms, after the first --transient s
         (default 0): far cheaper per step, so a few seconds of simulation give a usable FC on a CPU

the loss: 1 - corr(simulated FC, empirical FC) over the upper triangles (jaxbrain.fit.fc_correlation_loss),
averaged over --keys noise realisations, the same ones at every step. --target mean compares with the
subjects' mean FC; --target subjects averages the loss over each subject's FC. The optimiser is Adam with
--lr in the unconstrained space of the bijections.

outputs in --out:
  fit.json       fitted values (per-node ones as lists), loss history, final loss (after the last step, on
                 the training noise), FC correlation per subject of the start and the fitted parameters on a
                 held-out noise realisation, and the settings
  loss.csv       step, loss (the loss before each update)
  fit_state.npz  the optimiser's state, saved after every step: run the same command again to resume a stopped
                 fit, or with a larger --steps to continue a finished one
  fit.png        loss curve, fitted and empirical FC

config file (--config fit.toml): the same settings as TOML keys. Flags given on the command line override
the file; --fit and --param add to, or replace, the file's entries of the same name.

  model = "hopf"
  dataset = "gw"
  target = "mean"                      # or "subjects"
  signal = "x"                         # or "bold"
  transient = 0.2                      # seconds dropped before the FC
  duration = 5.0                       # seconds simulated per noise realisation and step
  sampling_dt = 1.0                    # ms
  steps = 100
  lr = 0.05
  keys = 2
  seed = 0
  out = "hopf-fit"
  fit = ["K_gl=0:5", "a:{PER_NODE}", "sigma_ou=0:0.5"]

  [params]                             # fixed values, and the starting values of the fitted ones
  a = -0.05
  K_gl = 2.0
  sigma_ou = 0.1
"""


def _fit_spec(item, where):
    """``NAME[:per-node][=LOW:HIGH]`` as ``(name, {"bounds": [low, high] or None, "per_node": bool})``."""
    import math

    form = f"{where} expects NAME, NAME=LOW:HIGH, NAME:{PER_NODE} or NAME:{PER_NODE}=LOW:HIGH"
    if not isinstance(item, str):
        raise _UsageError(f"{form}; got {item!r}")
    head, sep, bounds = item.partition("=")
    name, colon, modifier = head.partition(":")
    name = name.strip()
    if not name or (colon and modifier.strip() != PER_NODE):
        raise _UsageError(f"{form}; got {item!r}")
    spec = {"bounds": None, "per_node": bool(colon)}
    if sep:
        parts = bounds.split(":")
        try:
            if len(parts) != 2:
                raise ValueError
            low, high = float(parts[0]), float(parts[1])
        except ValueError:
            raise _UsageError(f"{form}; got {item!r} (LOW and HIGH numbers)") from None
        if not (math.isfinite(low) and math.isfinite(high)):
            raise _UsageError(f"{where} {name}: bounds must be finite; got {item!r}")
        if not low < high:
            raise _UsageError(f"{where} {name}: LOW must be below HIGH; got {low:g}:{high:g}")
        spec["bounds"] = [low, high]
    return name, spec


def _read_fit_config(path):
    """The settings of a TOML fit file, checked for known keys and types."""
    kinds = {**FC_RUN_KINDS, "target": str, "lr": float, "steps": int, "keys": int, "chunksize": int}

    def fit_table(value):
        if not isinstance(value, list):
            raise _UsageError(f'--config {path}: fit must be a list of specs, e.g. fit = ["K_gl=0:5", "a"]')
        specs = {}
        for item in value:
            spec_name, spec = _fit_spec(item, f"--config {path}: fit")
            if spec_name in specs:
                raise _UsageError(f"--config {path}: fit names {spec_name!r} twice")
            specs[spec_name] = spec
        return specs

    return _read_config(path, kinds, {"fit": fit_table}, FIT_DEFAULTS)


def _fit_settings(args):
    """Defaults, then the config file, then the command line; checked before anything runs."""
    import math

    from ..models import get_model

    cfg = _layered_settings(FIT_DEFAULTS, _read_fit_config, args, ("fit", "params"))
    specs, params = dict(cfg["fit"]), dict(cfg["params"])
    cli_specs = {}
    for item in args.fit or ():
        name, spec = _fit_spec(item, "--fit")
        if name in cli_specs:
            raise _UsageError(f"--fit {name} is given twice")
        cli_specs[name] = spec
    specs.update(cli_specs)
    for item in args.param or ():
        name, value = _split_item(item, "--param", "NAME=VALUE")
        try:
            params[name] = float(value)
        except ValueError:
            raise _UsageError(f"--param {name} needs a number; got {value!r}") from None
        if not math.isfinite(params[name]):
            raise _UsageError(f"--param {name} must be finite; got {value!r}")

    try:
        model = get_model(cfg["model"])
    except ValueError as err:
        raise _UsageError(str(err)) from None
    if cfg["dataset"] not in FIT_DATASETS:
        raise _UsageError(f"--dataset must be one of {', '.join(FIT_DATASETS)}; got {cfg['dataset']!r}")
    if cfg["target"] not in FIT_TARGETS:
        raise _UsageError(f"--target must be one of {', '.join(FIT_TARGETS)}; got {cfg['target']!r}")
    if not specs:
        raise _UsageError("give at least one --fit NAME (or a fit list in --config)")
    for key in ("steps", "keys", "chunksize"):
        if cfg[key] < 1:
            raise _UsageError(f"--{key} must be >= 1; got {cfg[key]}")
    _check_names_and_signal(model, cfg, {"--fit": specs, "--param": params}, ("duration", "dt", "sampling_dt", "lr"))
    defaults = model.Params()
    for name, spec in specs.items():
        given = name in params
        start = params[name] if given else float(getattr(defaults, name))
        if spec["bounds"] is not None:
            low, high = spec["bounds"]
            if not low < start < high:
                origin = "--param" if given else "the model's default"
                raise _UsageError(
                    f"--fit {name}: its start {start:g} ({origin}) lies outside the bounds ({low:g}, {high:g}); "
                    f"give --param {name}=VALUE inside them"
                )
        params[name] = start  # the start is part of the fit: recorded, and checked on resuming
    cfg["fit"], cfg["params"] = specs, params
    return cfg


def _done_steps(path):
    """Steps the saved state holds (0 without one); a damaged state is a ValueError naming it."""
    from ..fit._checkpoint import steps_done

    return steps_done(path) if path.exists() else 0


def _check_resumable(out, settings):
    """Refuse to continue a saved fit state with settings that make it another fit."""
    state, record = out / "fit_state.npz", out / "fit.json"
    if not (state.exists() and record.exists()):
        return
    try:
        before = json.loads(record.read_text())["settings"]
    except (ValueError, KeyError, TypeError):
        return
    changed = [k for k in settings if k not in FIT_RESUMABLE and before.get(k) != settings[k]]
    if changed:
        diffs = "; ".join(f"{k}: {before.get(k)!r} -> {settings[k]!r}" for k in changed)
        raise ValueError(
            f"{state} holds a fit with other settings ({diffs}); use another --out, or delete {state} to start over"
        )


def run_fit(cfg, progress=True):
    """Run (or resume) the fit ``cfg`` describes, write its outputs and print a summary; returns the exit status."""
    import jax
    import jax.random as jr
    import numpy as np
    import optax

    from .. import Connectome, Dataset, get_model, metrics, simulate
    from ..fit import Identity, Interval, fc_correlation_loss, fit

    model = get_model(cfg["model"])
    dataset = Dataset(cfg["dataset"])
    connectome = Connectome.from_dataset(dataset)
    n_nodes = connectome.n_nodes
    fcs = np.stack([np.asarray(f, np.float64) for f in dataset.FCs])
    target = fcs.mean(axis=0) if cfg["target"] == "mean" else fcs
    out = Path(cfg["out"])
    state_path = out / "fit_state.npz"
    settings = {k: cfg[k] for k in FIT_DEFAULTS}
    _check_resumable(out, settings)
    out.mkdir(parents=True, exist_ok=True)

    use_bold = cfg["signal"] == "bold"
    run = dict(duration=cfg["duration"] * 1000.0, dt=cfg["dt"], signalV=cfg["signalV"], chunksize=cfg["chunksize"])
    if use_bold:
        run.update(bold=True, outputs=())
    else:
        run.update(outputs=(cfg["signal"],), sampling_dt=cfg["sampling_dt"])

    transient_ms = None if cfg["transient"] is None else cfg["transient"] * 1000.0
    # The loss, and so this function, is part of the fit's identity (its code and the values it uses): it must use
    # only what determines the signal, not the whole cfg (which holds --steps and --out, free to change on resuming).
    signal_name = cfg["signal"]

    def signal(res):
        if use_bold:
            return res.bold[_first_sample(res.t_bold, transient_ms, True) :]
        return res.outputs[signal_name][_first_sample(res.t, transient_ms, False) :]

    specs = cfg["fit"]
    start = dict(cfg["params"])
    for name, spec in specs.items():
        if spec["per_node"]:
            start[name] = np.full(n_nodes, start[name])
    bijections = {name: Interval(*s["bounds"]) if s["bounds"] else Identity() for name, s in specs.items()}

    done = _done_steps(state_path)
    steps, n_keys = cfg["steps"], cfg["keys"]

    def record_start(step, value):
        if step == done + 1:
            # Once fit() has accepted (or started) the saved state: a stopped fit leaves the settings it belongs to.
            record = {"settings": settings, "complete": False}
            _write_atomic(out / "fit.json", lambda p: p.write_text(json.dumps(record, indent=2)))

    def loss(res):
        return fc_correlation_loss(signal(res), target)

    fitted_names = ", ".join(f"{k} ({PER_NODE})" if s["per_node"] else k for k, s in specs.items())
    print(
        f"jaxbrain fit: {model.name} on {cfg['dataset']} ({n_nodes} regions), fitting {fitted_names} to the "
        f"{'mean FC' if cfg['target'] == 'mean' else 'FC of each subject'}; FC of {cfg['signal']}, "
        f"{cfg['duration']:g} s x {n_keys} noise realisation(s) per step, {steps} steps"
        + (f" ({done} done before: resuming)" if done else ""),
        file=sys.stderr,
    )
    train_key, test_key = jr.split(jr.key(cfg["seed"]))
    t0 = time.perf_counter()
    # fit() holds the state's lock (a second fit on the same --out is refused), checks that the saved state is
    # this fit's (its settings are stored with it) and undamaged, then resumes it.
    res = fit(
        model,
        start,
        bijections,
        loss,
        connectome,
        key=train_key,
        n_keys=n_keys,
        optimizer=optax.adam(cfg["lr"]),
        steps=steps,
        checkpoint_path=state_path,
        callback=record_start,
        progress=progress,
        **run,
    )
    elapsed = time.perf_counter() - t0

    def evaluate(values, key):
        # Shaped as fit()'s own last evaluation (one vmapped start, checkpointed chunks): it reuses that compilation.
        def one(v):
            sim = simulate(model, res.params._replace(**v), connectome, key=key, checkpoint=True, **run)
            return signal(sim), sim.ok

        batch = {name: np.asarray(v, res.fitted[name].dtype)[None] for name, v in values.items()}
        ts, ok = jax.vmap(one)(batch)
        return ts[0], np.asarray(metrics.fc(ts[0])), bool(ok[0])

    # fit() draws its noise realisations as split(key, n_keys): the same ones give the final training loss.
    final = [float(fc_correlation_loss(evaluate(res.fitted, k)[0], target)) for k in jr.split(train_key, n_keys)]
    held_out, sim_fcs = {}, {}
    for which, values in (("start", {name: start[name] for name in specs}), ("fitted", res.fitted)):
        _, sim_fc, ok = evaluate(values, test_key)
        sim_fcs[which] = sim_fc
        scores = [float(metrics.matrix_correlation(sim_fc, emp)) for emp in fcs]
        held_out[which] = {
            "fc_correlation": [_json_number(s) for s in scores],
            "mean_of_scores": _json_number(np.mean(scores)),
            "fc_correlation_vs_mean_fc": _json_number(metrics.matrix_correlation(sim_fc, fcs.mean(axis=0))),
            "ok": ok,
        }
    history = np.asarray(res.loss, np.float64)
    record = {
        "model": model.name,
        "dataset": cfg["dataset"],
        "fitted": {name: _json_value(v) for name, v in res.fitted.items()},
        "start": {name: _json_value(start[name]) for name in specs},
        "steps_done": len(history),
        "loss_history": [_json_number(v) for v in history],
        "final_loss": _json_number(np.mean(final)),
        "held_out": {"subjects": list(dataset.subjects), **held_out},
        "elapsed_s": elapsed,
        "settings": settings,
        "complete": True,
    }
    _write_atomic(out / "fit.json", lambda p: p.write_text(json.dumps(record, indent=2)))
    lines = ["step,loss", *(f"{i + 1},{v!r}" for i, v in enumerate(history.tolist()))]
    _write_atomic(out / "loss.csv", lambda p: p.write_text("\n".join(lines) + "\n"))
    _fit_figure(history, record["final_loss"], sim_fcs["fitted"], fcs.mean(axis=0), model.name, out / "fit.png")

    print(f"fit: {len(history)} steps ({len(history) - done} now) in {elapsed:.1f} s")
    for name, value in res.fitted.items():
        value = np.asarray(value)
        if value.ndim:
            print(
                f"  {name} ({PER_NODE}): mean {value.mean():.4g}, from {value.min():.4g} to {value.max():.4g} "
                f"(start {float(cfg['params'][name]):.4g})"
            )
        else:
            print(f"  {name} = {float(value):.4g} (start {float(cfg['params'][name]):.4g})")
    print(f"  loss: {history[0]:.4f} at the start, {np.mean(final):.4f} after the last step")
    print("  held-out noise realisation, FC correlation start -> fitted:")
    for i, subject in enumerate(dataset.subjects):
        before, after = held_out["start"]["fc_correlation"][i], held_out["fitted"]["fc_correlation"][i]
        print(f"    subject {subject}: {_fmt(before)} -> {_fmt(after)}")
    before, after = held_out["start"]["fc_correlation_vs_mean_fc"], held_out["fitted"]["fc_correlation_vs_mean_fc"]
    print(f"    the subjects' mean FC: {_fmt(before)} -> {_fmt(after)}")
    if not held_out["fitted"]["ok"]:
        print("  the fitted parameters' held-out simulation diverged (non-finite values)")
    print(f"wrote {out / 'fit.json'}, {out / 'loss.csv'}, {out / 'fit.png'}; state {state_path}")
    return 0


def _fit_figure(history, final_loss, sim_fc, emp_fc, model_name, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5), layout="constrained")
    steps = np.arange(1, len(history) + 1)
    axes[0].plot(steps, history, "o-", ms=3, label="before each update")
    if final_loss is not None:
        axes[0].plot([len(history) + 1], [final_loss], "s", color="C3", label="after the last update")
    axes[0].set(xlabel="step", ylabel="1 - corr(FC sim, FC emp)", title=f"{model_name}: fit loss")
    axes[0].legend(fontsize=8)
    for ax, mat, title in ((axes[1], sim_fc, "fitted FC (held-out noise)"), (axes[2], emp_fc, "empirical FC (mean)")):
        im = ax.imshow(np.asarray(mat), vmin=-1, vmax=1, cmap="RdBu_r")
        ax.set(title=title, xlabel="region", ylabel="region")
    fig.colorbar(im, ax=axes[1:], fraction=0.025)
    _write_atomic(path, lambda p: fig.savefig(p, format="png", dpi=110))
    plt.close(fig)


def _fit_command(args, parser):
    return _run_command(_fit_settings, lambda cfg: run_fit(cfg, progress=args.progress), args, parser)
