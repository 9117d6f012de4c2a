"""``jaxbrain simulate`` and ``jaxbrain demo``: one simulation on a bundled dataset, scored by its FC fit."""

from __future__ import annotations

import json
import sys
import time

from ._common import BOLD_TRANSIENT_MS, _write_atomic

# The README's whole-brain example: noisy Hopf oscillators just below the bifurcation (a < 0), strongly
# coupled through the gw connectome. Chosen from a 24-point batched sweep over a, K_gl and sigma_ou
# (60 s with BOLD): it gave a mean FC correlation of 0.54 over the five gw subjects (0.68 against their mean FC).
DEMO = {
    "model": "hopf",
    "dataset": "gw",
    "duration": 60.0,
    "params": {"a": -0.05, "w": 0.2, "K_gl": 2.0, "sigma_ou": 0.1},
    "signalV": 20.0,
}


def _fc_fit(result, dataset):
    from .. import metrics

    keep = result.t_bold > BOLD_TRANSIENT_MS
    bold = result.bold[keep]
    if bold.shape[0] < 3:
        return None
    sim_fc = metrics.fc(bold)
    scores = [float(metrics.matrix_correlation(sim_fc, emp)) for emp in dataset.FCs]
    return {
        "subjects": list(dataset.subjects),
        "fc_correlation": scores,
        "mean_of_scores": float(sum(scores) / len(scores)),
        "fc_correlation_vs_mean_fc": float(metrics.matrix_correlation(sim_fc, sum(dataset.FCs) / len(dataset.FCs))),
        "bold_samples_used": int(bold.shape[0]),
    }, sim_fc


def _figure(result, dataset, sim_fc, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    emp = sum(dataset.FCs) / len(dataset.FCs)
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5), layout="constrained")
    for ax, mat, title in (
        (axes[0], np.asarray(sim_fc), "simulated FC"),
        (axes[1], emp, "empirical FC (mean)"),
    ):
        im = ax.imshow(mat, vmin=-1, vmax=1, cmap="RdBu_r")
        ax.set_title(title)
        ax.set_xlabel("region")
        ax.set_ylabel("region")
    fig.colorbar(im, ax=axes[:2], fraction=0.025)
    out = np.asarray(result.outputs[next(iter(result.outputs))])
    t = np.asarray(result.t) / 1000.0
    window = t <= t[0] + 2.0
    for node in range(min(4, out.shape[1])):
        axes[2].plot(t[window], out[window, node], lw=0.8, label=result.labels[node])
    axes[2].set_xlabel("time (s)")
    axes[2].set_title(f"{result.model}: first 2 s, {min(4, out.shape[1])} regions")
    axes[2].legend(fontsize=7, loc="upper right")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def run_simulation(model_name, dataset_name, duration_s, params, *, bold, out, signalV, dt, seed, sampling_dt):
    import jax.random as jr
    import numpy as np

    from .. import Connectome, Dataset, get_model, simulate

    model = get_model(model_name)
    dataset = Dataset(dataset_name)
    connectome = Connectome.from_dataset(dataset)
    print(
        f"jaxbrain: {model.name} on {dataset_name} ({connectome.n_nodes} regions), {duration_s:g} s simulated, "
        f"dt {dt} ms, signalV {signalV} mm/ms, params {params or 'defaults'}",
        file=sys.stderr,
    )
    t0 = time.perf_counter()
    result = simulate(
        model,
        model.Params(**params),
        connectome,
        key=jr.key(seed),
        duration=duration_s * 1000.0,
        dt=dt,
        sampling_dt=sampling_dt,
        signalV=signalV,
        bold=bold,
        chunksize=int(round(10_000.0 / dt)),
        progress=True,
    )
    elapsed = time.perf_counter() - t0
    if not bool(result.ok):
        print(result.divergence_report(), file=sys.stderr)
        return 1
    print(f"simulated in {elapsed:.1f} s wall", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    ds = result.xr()
    ds.attrs.update({"dataset": dataset_name, "dt_ms": dt, "signalV": signalV, "seed": seed})
    ds.attrs.update({f"param_{k}": float(np.asarray(v)) for k, v in zip(result.params._fields, result.params)})
    _write_atomic(out / "result.nc", lambda p: ds.to_netcdf(p, engine="scipy", format="NETCDF3_64BIT"))
    print(f"wrote {out / 'result.nc'}")
    if bold:
        fit = _fc_fit(result, dataset)
        if fit is None:
            print("too few BOLD samples after the 10 s transient for an FC fit; run longer (>= 20 s)")
            return 0
        scores, sim_fc = fit
        for subject, score in zip(scores["subjects"], scores["fc_correlation"]):
            print(f"  FC correlation with subject {subject}: {score:.3f}")
        print(f"  mean over subjects: {scores['mean_of_scores']:.3f}")
        print(f"  against the subjects' mean FC: {scores['fc_correlation_vs_mean_fc']:.3f}")
        _write_atomic(out / "fc_fit.json", lambda p: p.write_text(json.dumps(scores, indent=2)))
        _figure(result, dataset, sim_fc, out / "summary.png")
        print(f"wrote {out / 'fc_fit.json'} and {out / 'summary.png'}")
    return 0
