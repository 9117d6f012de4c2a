"""``jaxbrain simulate`` and ``jaxbrain demo``: one simulation on a bundled dataset, scored by its FC fit."""

from __future__ import annotations

import json
import sys
import time

from ._common import BOLD_TRANSIENT_MS, _write_atomic, make_output_folder

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


def ignores_network(model):
    """True when ``model.dfun`` never reads its network input (a single-node model such as the thalamus).

    Read from the model itself: the traced derivative's computation does not use ``Inputs.coupling`` at all. A
    model whose coupling only happens to vanish for some parameters (``K_gl = 0``) does read it.
    """
    import jax
    import jax.numpy as jnp
    import jax.random as jr

    from ..models._base import Inputs

    params = model.Params()
    state = model.init_state(jr.key(0), 1, params)
    n_coupled = len(model.coupled(state))
    n_sums = n_coupled if model.network_sums is None else len(model.network_sums(jnp.ones((1, 1)))[1])

    dtype = jax.tree.leaves(state)[0].dtype

    def zeros(k):
        return tuple(jnp.zeros((1,), dtype) for _ in range(k))

    def derivative(coupling):
        inputs = Inputs(coupling, zeros(len(model.noise_vars)), zeros(len(model.input_vars)), zeros(n_coupled))
        return model.dfun(state, inputs, params)

    jaxpr = jax.make_jaxpr(derivative)(zeros(n_sums)).jaxpr
    read = {id(v) for eqn in jaxpr.eqns for v in eqn.invars} | {id(v) for v in jaxpr.outvars}
    return not any(id(v) in read for v in jaxpr.invars)


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
    _write_atomic(path, lambda p: fig.savefig(p, format="png", dpi=110, bbox_inches="tight"))
    plt.close(fig)


def run_simulation(
    model_name, dataset_name, duration_s, params, *, bold, out, signalV, dt, seed, sampling_dt, progress=True
):
    """Simulate, then write ``result.nc`` (and with BOLD on a dataset ``fc_fit.json``, ``summary.png``) to ``out``.

    ``dataset_name`` ``"none"`` is one uncoupled node. A model that ignores its network input (a single-node
    model) on a dataset's connectome is refused: its regions would run side by side, uncoupled, and the
    connectome would silently have no effect.
    """
    import jax.random as jr
    import numpy as np

    from .. import Connectome, Dataset, get_model, simulate

    model = get_model(model_name)
    if dataset_name == "none":
        dataset, connectome = None, Connectome.single_node()
    else:
        dataset = Dataset(dataset_name)
        if ignores_network(model):
            raise ValueError(
                f"model {model.name!r} is a single node: it ignores the network input, so the {dataset_name} "
                f"connectome would have no effect (its {dataset.n_nodes} regions would run uncoupled); use "
                "--dataset none"
            )
        connectome = Connectome.from_dataset(dataset)
    make_output_folder(out)
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
        progress=progress,
    )
    elapsed = time.perf_counter() - t0
    if not bool(result.ok):
        print(result.divergence_report(), file=sys.stderr)
        return 1
    print(f"simulated in {elapsed:.1f} s wall", file=sys.stderr)
    ds = result.xr()
    ds.attrs.update({"dataset": dataset_name, "dt_ms": dt, "signalV": signalV, "seed": seed})
    ds.attrs.update({f"param_{k}": float(np.asarray(v)) for k, v in zip(result.params._fields, result.params)})
    _write_atomic(out / "result.nc", lambda p: ds.to_netcdf(p, engine="scipy", format="NETCDF3_64BIT"))
    print(f"wrote {out / 'result.nc'}")
    if bold and dataset is None:
        print("--dataset none has no empirical FC; the BOLD is in result.nc")
        return 0
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
