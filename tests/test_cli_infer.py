"""``jaxbrain infer``: a tiny inference of Hopf on gw writes its posterior, calibration, per-subject samples and
predictive FC fits; rerunning resumes the stored simulations and training; another command on the same folder is
refused; bad arguments stop before anything runs."""

import json
import re
import types

import jax.random as jr
import numpy as np
import pytest

import jaxbrain
from jaxbrain import cli
from jaxbrain.cli._infer import _infer_settings, _prior, _summaries, signal_samples
from jaxbrain.infer import load_posterior

# 40 simulations (10 held out) of 0.2 s of the 80 gw regions in one batch, summaries of x after 50 ms (150
# samples); a one-layer flow trained for 2 epochs; 2 of the 5 subjects, 2 posterior predictive runs each.
ARGS = ["--signal", "x", "--duration", "0.2", "--transient", "0.05", "--simulations", "30", "--test", "10",
        "--batch-size", "40", "--epochs", "2", "--hidden", "8", "--layers", "1", "--train-batch", "16",
        "--samples", "20", "--calibration-samples", "10", "--predictive", "2", "--seed", "3",
        "--subjects", "NAP_001,NAP_007", "--no-progress"]  # fmt: skip
SUBJECTS = ["NAP_001", "NAP_007"]


def _infer(argv, capsys):
    status = cli.main(["infer", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_infer_writes_its_outputs_resumes_and_refuses_another_command(tmp_path, capsys):
    out_dir = tmp_path / "sbi"
    status, out, err = _infer([*ARGS, "--out", str(out_dir)], capsys)
    assert status == 0
    assert "posterior over K_gl, sigma_ou; 40 simulations (10 held out)" in err and "150 samples" in err
    assert "simulations: 40 (0 failed), 1 batch(es) simulated now" in out and "training: 2 epochs" in out
    assert out.count("NAP_") == 2 and "K_gl: SBC p = " in out

    record = json.loads((out_dir / "posterior.json").read_text())
    assert record["parameters"] == ["K_gl", "sigma_ou"] and list(record["subjects"]) == SUBJECTS
    assert record["simulations"] == {"n": 40, "failed": 0, "train": 30, "test": 10}
    assert record["window"]["samples"] == 150 and record["settings"]["params"] == {"a": -0.05}
    bounds = {"K_gl": (0.0, 3.0), "sigma_ou": (0.01, 0.3)}  # the default priors
    for subject in SUBJECTS:
        entry = record["subjects"][subject]
        for name, (low, high) in bounds.items():
            s = entry["parameters"][name]
            assert low < s["q05"] <= s["q50"] <= s["q95"] < high and low < s["mean"] < high
        pred = entry["predictive"]
        assert pred["n"] == 2 and pred["ok"] == 2 and all(-1 <= r <= 1 for r in pred["fc_correlation"])
        assert pred["fc_correlation_mean"] == pytest.approx(np.mean(pred["fc_correlation"]))
    # The subject's summaries: the same statistics of the first 150 samples of its BOLD.
    args = types.SimpleNamespace(**{k: None for k in jaxbrain.cli._infer.INFER_DEFAULTS})
    args.signal, args.transient, args.duration, args.prior, args.param = "x", 0.05, 0.2, None, None
    ds = jaxbrain.Dataset("gw")
    summ = _summaries(_infer_settings(args), np.asarray(ds.Cmat))
    expected = np.asarray(summ.of_timeseries(np.asarray(ds.BOLDs[2]).T[:150], 1.0))
    np.testing.assert_allclose(record["subjects"]["NAP_007"]["x_obs"], expected, rtol=1e-5, atol=1e-6)

    samples = np.load(out_dir / "posterior_samples.npz")
    assert sorted(samples.files) == sorted([*SUBJECTS, "labels"]) and samples["labels"].tolist() == ["K_gl", "sigma_ou"]
    first = samples["NAP_001"]
    assert first.shape == (20, 2)
    assert record["subjects"]["NAP_001"]["parameters"]["K_gl"]["mean"] == pytest.approx(first[:, 0].mean())

    calibration = json.loads((out_dir / "calibration.json").read_text())
    assert calibration["n_test"] == 10 and calibration["sbc"]["n_samples"] == 10
    for name in bounds:
        assert 0.0 <= calibration["sbc"]["pvalues"][name] <= 1.0
        ranks = calibration["sbc"]["ranks"][name]
        assert len(ranks) == 10 and all(0 <= r <= 10 for r in ranks)
        counts = calibration["coverage"]["counts"][name]
        # Wider intervals hold at least the truths the narrower ones hold.
        assert len(counts) == 4 and all(0 <= c <= 10 for c in counts) and counts == sorted(counts)
    for png in ("sbc.png", "coverage.png"):
        assert (out_dir / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    posterior = load_posterior(out_dir / "posterior_flow.npz")
    assert posterior.prior.labels == ["K_gl", "sigma_ou"] and len(posterior.labels) == 8

    # The same command again: nothing is simulated or trained anew, and the results are the same.
    training = (out_dir / "training.npz").read_bytes()
    status, out, _ = _infer([*ARGS, "--out", str(out_dir)], capsys)
    assert status == 0 and "0 batch(es) simulated now (all resumed from the store)" in out
    assert (out_dir / "training.npz").read_bytes() == training
    again = json.loads((out_dir / "posterior.json").read_text())
    assert again["subjects"]["NAP_001"]["parameters"] == record["subjects"]["NAP_001"]["parameters"]

    # Another command on the same folder: the stored simulations or training state refuse it.
    with pytest.raises(SystemExit, match="simulations.zarr belongs to another sweep"):
        cli.main(["infer", *ARGS, "--seed", "4", "--out", str(out_dir)])
    with pytest.raises(SystemExit, match=r"training.npz belongs to another posterior training.*hidden"):
        cli.main(["infer", *ARGS, "--hidden", "9", "--out", str(out_dir)])


def test_signal_samples_follow_the_simulators_sampling_grid():
    # One node, the same grid as the simulations: the samples after the transient.
    cases = ((False, 200.0, 50.0, 1.0), (False, 90.0, 10.0, 2.5), (True, 24e3, 1e4, 1.0))
    for bold, duration, transient, sampling in cases:
        res = jaxbrain.simulate("hopf", None, key=jr.key(0), duration=duration, sampling_dt=sampling, bold=bold)
        t = np.asarray(res.t_bold if bold else res.t)
        assert signal_samples(duration, 0.1, sampling, transient, bold) == np.sum(t > transient)


def test_per_node_priors_and_default_problem():
    args = types.SimpleNamespace(**{k: None for k in jaxbrain.cli._infer.INFER_DEFAULTS})
    args.prior, args.param = ["a:per-node=uniform:-0.2:0.2", "K_gl=lognormal:0:0.5"], ["sigma_ou=0.05"]
    cfg = _infer_settings(args)
    assert cfg["prior"]["a"] == {"kind": "uniform", "a": -0.2, "b": 0.2, "per_node": True}
    assert cfg["params"] == {"sigma_ou": 0.05}  # a has a prior: the default a = -0.05 is not fixed
    prior = _prior(cfg, 80)
    assert prior.dim == 81 and prior.labels[0] == "a[0]" and prior.labels[-1] == "K_gl"
    args.prior, args.param = None, None
    default = _infer_settings(args)
    assert _prior(default, 80).spec()["sigma_ou"] == {"type": "LogUniform", "low": 0.01, "high": 0.3, "shape": []}
    assert default["transient"] == 20.0 and default["summaries"] == "fc,fc_q,fc_sc"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--prior", "K_gl"], "--prior expects NAME=KIND:A:B"),
        (["--prior", "K_gl=uniform:0"], "--prior expects NAME=KIND:A:B"),
        (["--prior", "K_gl=gamma:1:2"], "unknown distribution 'gamma'"),
        (["--prior", "K_gl=uniform:a:2"], "'a' is not a number"),
        (["--prior", "K_gl=uniform:0:inf"], "not a finite number"),
        (["--prior", "K_gl=uniform:2:1"], "uniform needs LOW < HIGH"),
        (["--prior", "K_gl=loguniform:0:1"], "loguniform needs LOW > 0"),
        (["--prior", "K_gl=normal:0:0"], "normal needs SCALE > 0"),
        (["--prior", "a:pernode=uniform:0:1"], "got 'a:pernode=uniform:0:1'"),
        (["--prior", "K_gl=uniform:0:1", "--prior", "K_gl=uniform:0:2"], "--prior K_gl is given twice"),
        (["--prior", "bogus=uniform:0:1"], r"--prior: unknown parameter\(s\) \['bogus'\] for model 'hopf'"),
        (["--param", "bogus=1"], r"--param: unknown parameter\(s\) \['bogus'\]"),
        (["--param", "a=x"], "'x' is not a number"),
        (["--param", "K_gl=1"], r"\['K_gl'\] has both a --prior and a --param"),
        (["--model", "nope"], "unknown model 'nope'"),
        (["--model", "fhn"], "give at least one --prior for model 'fhn'"),
        (["--dataset", "none"], "--dataset must be one of gw, hcp"),
        (["--signal", "z"], "--signal must be one of bold, x, y for hopf"),
        (["--summaries", "fc,psd"], r"--summaries takes .*\(unknown: psd\)"),
        (["--summaries", "fc,fc"], "names a statistic twice"),
        (["--flow", "realnvp"], "--flow must be maf or nsf"),
        (["--duration", "24"], r"leaves 2 BOLD samples .* need at least 3 \(an FC\)"),
        (["--summaries", "fcd", "--duration", "60"], r"leaves 20 BOLD samples .*; the summaries need at least 36"),
        (["--signal", "x", "--duration", "0.1", "--transient", "0.1"], "leaves 0 samples of x"),
        (["--transient", "-1"], "--transient must be >= 0"),
        (["--simulations", "5"], "--simulations must be >= 10"),
        (["--test", "0"], "--test must be >= 1"),
        (["--epochs", "0"], "--epochs must be >= 1"),
        (["--calibration-samples", "1"], "--calibration-samples must be >= 2"),
        (["--batch-size", "0"], "--batch-size must be >= 1"),
        (["--lr", "0"], "--lr must be > 0"),
        (["--duration", "soon"], "invalid float value"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["infer", *argv, "--out", str(tmp_path / "never")])
    assert info.value.code == 2
    assert re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "never").exists()


def test_unknown_subjects_are_refused_before_simulating(tmp_path):
    with pytest.raises(SystemExit, match=r"--subjects: unknown subject\(s\) \['NAP_000'\]"):
        cli.main(["infer", "--subjects", "NAP_001,NAP_000", "--out", str(tmp_path / "sbi"), "--no-progress"])
    assert not (tmp_path / "sbi").exists()


def test_a_signal_longer_than_the_recordings_is_refused(tmp_path, capsys):
    # 400 samples of x after the transient; gw's recordings have 355.
    with pytest.raises(SystemExit, match="the subjects' BOLD has 355"):
        cli.main(["infer", "--signal", "x", "--duration", "0.5", "--out", str(tmp_path / "sbi"), "--no-progress"])
    assert "400 samples" in capsys.readouterr().err and not (tmp_path / "sbi").exists()
