"""``jaxbrain fit``: a tiny Hopf fit on gw writes its record, loss history, state and figure; rerunning with more
steps continues the saved fit; the TOML form is the same fit; bad arguments stop before anything runs."""

import json
import re

import numpy as np
import pytest

from jaxbrain import cli

# Two steps of a 0.2 s run on the 80 gw regions, FC of x (one chunk, so one compiled chunk).
ARGS = ["--model", "hopf", "--dataset", "gw", "--fit", "K_gl=0:5", "--fit", "a:per-node=-1:1",
        "--param", "a=-0.05", "--param", "K_gl=2", "--param", "sigma_ou=0.1", "--signal", "x",
        "--transient", "0.05", "--duration", "0.2", "--chunksize", "2000", "--lr", "0.05", "--seed", "1"]  # fmt: skip
TOML = """\
model = "hopf"
dataset = "gw"
signal = "x"
transient = 0.05
duration = 0.2
chunksize = 2000
lr = 0.05
seed = 1
fit = ["K_gl=0:5", "a:per-node=-1:1"]

[params]
a = -0.05
K_gl = 2.0
sigma_ou = 0.1
"""


def _fit(argv, capsys):
    status = cli.main(["fit", *argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.slow  # a whole fit, resumed: ~30 s
def test_fit_writes_its_outputs_resumes_and_reads_a_config(tmp_path, capsys):
    out_dir = tmp_path / "fit"
    status, out, err = _fit([*ARGS, "--steps", "2", "--out", str(out_dir)], capsys)
    assert status == 0
    assert "fit: 100%" in err and "| 2/2 [" in err and "loss 0." in err  # progress bar on stderr, summary on stdout
    assert "fit: 2 steps (2 now)" in out and "K_gl = " in out and "a (per-node): mean" in out
    assert out.count("subject NAP_") == 5
    record = json.loads((out_dir / "fit.json").read_text())
    assert record["complete"] and record["steps_done"] == 2
    assert isinstance(record["fitted"]["K_gl"], float) and 0.0 < record["fitted"]["K_gl"] < 5.0
    assert len(record["fitted"]["a"]) == 80 and all(-1.0 < a < 1.0 for a in record["fitted"]["a"])
    assert record["start"] == {"K_gl": 2.0, "a": [-0.05] * 80}
    first = record["loss_history"]
    assert len(first) == 2 and all(0.0 < v < 2.0 for v in first) and 0.0 < record["final_loss"] < 2.0
    for which in ("start", "fitted"):
        scores = record["held_out"][which]
        assert len(scores["fc_correlation"]) == 5 and all(-1.0 <= s <= 1.0 for s in scores["fc_correlation"])
        assert scores["mean_of_scores"] == pytest.approx(np.mean(scores["fc_correlation"]))
    assert record["settings"]["fit"]["a"] == {"bounds": [-1.0, 1.0], "per_node": True}
    assert (out_dir / "loss.csv").read_text().splitlines() == ["step,loss", f"1,{first[0]!r}", f"2,{first[1]!r}"]
    assert (out_dir / "fit.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out_dir / "fit_state.npz").exists()

    # The same command with more steps continues the saved fit.
    status, out, err = _fit([*ARGS, "--steps", "3", "--out", str(out_dir)], capsys)
    assert status == 0 and "(2 done before: resuming)" in err and "| 3/3 [" in err and "| 1/3 [" not in err
    assert "fit: 3 steps (1 now)" in out
    history = json.loads((out_dir / "fit.json").read_text())["loss_history"]
    assert len(history) == 3 and history[:2] == first

    # The same settings from a file are the same fit: it resumes, with nothing left to do.
    config = tmp_path / "fit.toml"
    config.write_text(TOML)
    status, out, _ = _fit(["--config", str(config), "--steps", "3", "--out", str(out_dir)], capsys)
    assert status == 0 and "fit: 3 steps (0 now)" in out
    assert json.loads((out_dir / "fit.json").read_text())["loss_history"] == history

    # Other settings are another fit: the saved state is not used for it.
    with pytest.raises(SystemExit, match=r"holds a fit with other settings \(lr: 0.05 -> 0.1\)"):
        cli.main(["fit", *ARGS, "--lr", "0.1", "--steps", "4", "--out", str(out_dir)])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--fit", "K_gl", "--model", "nope"], "unknown model 'nope'"),
        (["--fit", "bogus"], r"--fit: unknown parameter\(s\) \['bogus'\] for model 'hopf'"),
        (["--fit", "K_gl", "--param", "bogus=1"], r"--param: unknown parameter\(s\) \['bogus'\]"),
        (["--fit", "K_gl", "--param", "a=x"], "--param a needs a number"),
        (["--fit", "K_gl", "--param", "a"], "--param expects NAME=VALUE"),
        (
            ["--fit", "K_gl=1"],
            r"--fit expects NAME, NAME=LOW:HIGH, NAME:per-node or NAME:per-node=LOW:HIGH; got 'K_gl=1'",
        ),
        (["--fit", "K_gl=a:b"], "LOW and HIGH numbers"),
        (["--fit", "K_gl=0:1:2"], "LOW and HIGH numbers"),
        (["--fit", "a:pernode"], "got 'a:pernode'"),
        (["--fit", ":per-node"], "got ':per-node'"),
        (["--fit", "K_gl=5:0"], "--fit K_gl: LOW must be below HIGH; got 5:0"),
        (["--fit", "K_gl=1:1"], "LOW must be below HIGH"),
        (["--fit", "K_gl=0:inf"], "bounds must be finite"),
        (["--fit", "K_gl=1:5"], r"its start 0.6 \(the model's default\) lies outside the bounds \(1, 5\)"),
        (["--fit", "a:per-node=0:1", "--param", "a=-0.05"], r"start -0.05 \(--param\) lies outside"),
        (["--fit", "K_gl", "--fit", "K_gl=0:1"], "--fit K_gl is given twice"),
        (["--param", "K_gl=1"], "give at least one --fit"),
        (["--fit", "K_gl", "--dataset", "none"], "--dataset must be one of gw, hcp"),
        (["--fit", "K_gl", "--target", "median"], "--target must be one of mean, subjects"),
        (["--fit", "K_gl", "--signal", "z"], "--signal must be one of bold, x, y for hopf"),
        (["--fit", "K_gl", "--duration", "8"], r"--signal bold needs --duration >= 10 s"),
        (["--fit", "K_gl", "--signal", "x", "--duration", "0.002"], "an FC needs at least 3 samples"),
        (["--fit", "K_gl", "--signal", "x", "--duration", "1", "--transient", "0.999"], "less --transient 0.999 s"),
        (["--fit", "K_gl", "--duration", "20", "--transient", "15"], r"needs --duration >= 21 s \(3 BOLD samples"),
        (["--fit", "K_gl", "--transient", "-1"], "--transient must be >= 0"),
        (["--fit", "K_gl", "--steps", "0"], "--steps must be >= 1"),
        (["--fit", "K_gl", "--keys", "0"], "--keys must be >= 1"),
        (["--fit", "K_gl", "--lr", "0"], "--lr must be > 0"),
        (["--fit", "K_gl", "--duration", "soon"], "invalid float value"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["fit", *argv, "--out", str(tmp_path / "o")])
    assert info.value.code == 2
    assert re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model = \n", "not valid TOML"),
        ('colour = "red"\n', "unknown key 'colour'"),
        ('steps = "many"\nfit = ["K_gl"]\n', "steps must be int"),
        ('fit = "K_gl"\n', "fit must be a list of specs"),
        ('fit = ["K_gl", "K_gl=0:1"]\n', "fit names 'K_gl' twice"),
        ('fit = ["K_gl=2:1"]\n', "LOW must be below HIGH"),
        ('fit = ["K_gl"]\n[params]\na = "x"\n', r"\[params\] values must be numbers"),
    ],
)
def test_bad_config_files_exit_2(text, message, tmp_path, capsys):
    config = tmp_path / "fit.toml"
    config.write_text(text)
    with pytest.raises(SystemExit) as info:
        cli.main(["fit", "--config", str(config)])
    assert info.value.code == 2
    assert re.search(message, capsys.readouterr().err)


def _text_state(out_dir):
    (out_dir / "fit_state.npz").write_text("not a state\n")


def _foreign_state(out_dir):
    from jaxbrain import _resume

    arrays = {"leaf0": np.zeros(1), "history": np.zeros((1, 1))}
    _resume.save_checked(out_dir / "fit_state.npz", arrays, {"settings": {"model": "wc"}, "steps_done": 1, "leaves": 1})


def _locked_state(out_dir):
    import socket

    lock = {"pid": 4321, "host": f"not-{socket.gethostname()}"}
    (out_dir / "fit_state.npz.lock").write_text(json.dumps(lock))


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (_text_state, "fit_state.npz is not a readable jaxbrain fit checkpoint"),
        (_foreign_state, "fit_state.npz belongs to another fit and cannot be resumed by this one. What differs: "),
        (_foreign_state, 'model: stored "wc", now "hopf"'),
        (_locked_state, "fit_state.npz.lock is held by pid 4321 on not-"),
    ],
)
def test_a_damaged_foreign_or_locked_state_stops_before_fitting(prepare, message, tmp_path, capsys):
    # fit() checks the saved state (and takes its lock) before anything is compiled: these stop at once.
    out_dir = tmp_path / "fit"
    out_dir.mkdir()
    prepare(out_dir)
    with pytest.raises(SystemExit) as info:
        cli.main(["fit", *ARGS, "--steps", "2", "--out", str(out_dir)])
    assert message in capsys.readouterr().err + str(info.value.code)
    assert not (out_dir / "fit.json").exists()  # no record claims the state for this fit
