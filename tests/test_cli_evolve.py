"""``jaxbrain evolve``: a tiny NSGA-II evolution of Hopf on gw writes its checkpoint, record, population table and
figure; rerunning with more generations continues it (earlier generations unchanged); the TOML form is the same
evolution; the mean objective is one column; bad arguments stop before anything runs."""

import csv
import json
import re
import socket
import subprocess

import numpy as np
import pytest

from jaxbrain import cli
from jaxbrain.evolve import load

# 8 individuals a generation, each 0.3 s of the 80 gw regions, FC of x after 50 ms: one compiled simulation.
ARGS = ["--model", "hopf", "--dataset", "gw", "--bound", "K_gl=0:3", "--bound", "a=-0.5:0.3",
        "--param", "sigma_ou=0.1", "--signal", "x", "--duration", "0.3", "--transient", "0.05",
        "--pop-size", "8", "--seed", "1"]  # fmt: skip
TOML = """\
model = "hopf"
dataset = "gw"
objective = "subjects"
signal = "x"
duration = 0.3
transient = 0.05
pop_size = 8
seed = 1

[bounds]
K_gl = [0.0, 3.0]
a = "-0.5:0.3"

[params]
sigma_ou = 0.1
"""
SUBJECTS = 5  # gw


def _evolve(argv, capsys):
    status = cli.main(["evolve", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow  # a whole evolution, resumed: ~16 s
def test_evolve_writes_its_outputs_resumes_and_reads_a_config(tmp_path, capsys):
    out_dir = tmp_path / "evo"
    argv = [*ARGS, "--objective", "subjects", "--out", str(out_dir)]
    status, out, err = _evolve([*argv, "--ngen", "3"], capsys)
    assert status == 0
    assert "nsga2, 5 objectives" in err and "evolve: 100%" in err and "| 3/3 [" in err  # progress bar on stderr
    assert "evolve: 3 generations (3 now)" in out and "24 individuals evaluated, 0 invalid" in out
    assert out.count("subject NAP_") == SUBJECTS and "K_gl = " in out and "Pareto front" in out

    first = load(out_dir / "evolution.npz")
    assert first.algorithm == "nsga2" and first.names == ("K_gl", "a")
    assert first.params.shape == (24, 2) and first.fitness.shape == (24, SUBJECTS)
    assert first.population.shape == (3, 8) and first.valid.all()
    assert np.all((first.params >= [0.0, -0.5]) & (first.params <= [3.0, 0.3]))
    assert np.all((first.fitness > -1.0) & (first.fitness < 1.0))

    record = json.loads((out_dir / "evolution.json").read_text())
    best = record["best"]
    assert best["id"] == first.best_id and best["params"] == first.best_params
    assert best["fitness"] == first.best_fitness.tolist()
    # Simulated again in a batch of the same shape and noise: the same FC correlations.
    np.testing.assert_allclose(best["fc_correlation"], best["fitness"], rtol=1e-9, atol=1e-12)
    assert best["score"] == pytest.approx(np.mean(best["fitness"]), rel=1e-12)
    assert -1.0 < best["fc_correlation_vs_mean_fc"] < 1.0
    assert record["subjects"] == [f"NAP_{s}" for s in ("001", "002", "007", "009", "013")]
    assert set(record["front"]) <= set(first.population[-1].tolist()) and best["id"] in record["front"]
    gens = record["generations"]
    assert len(gens["best"]) == 3 and gens["n_valid"] == [8, 8, 8] and gens["n_invalid"] == [0, 0, 0]
    assert gens["best_so_far"] == sorted(gens["best_so_far"]) and gens["best_so_far"][-1] == best["score"]
    assert record["settings"]["bounds"] == {"K_gl": [0.0, 3.0], "a": [-0.5, 0.3]}
    assert record["settings"]["algorithm"] == "nsga2" and record["settings"]["pop_init_size"] == 8

    rows = _rows(out_dir / "population.csv")
    assert len(rows) == 24
    assert list(rows[0]) == ["id", "gen", "K_gl", "a", *(f"fc_{s}" for s in record["subjects"]), "score", "valid",
                             "parent0", "parent1"]  # fmt: skip
    assert [int(r["gen"]) for r in rows] == [0] * 8 + [1] * 8 + [2] * 8
    np.testing.assert_allclose([float(r["K_gl"]) for r in rows], first.params[:, 0], rtol=1e-12)
    assert (out_dir / "evolution.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # The same command with a larger --ngen continues the evolution; what was done is kept as it was.
    status, out, err = _evolve([*argv, "--ngen", "4"], capsys)
    assert status == 0 and "(3 done before: resuming)" in err
    assert "| 3/4 [" in err and "| 4/4 [" in err and "| 0/4 [" not in err  # the bar starts at the 3 done
    assert "evolve: 4 generations (1 now)" in out
    more = load(out_dir / "evolution.npz")
    assert more.params.shape == (32, 2) and more.population.shape == (4, 8)
    # The stored generations are kept as they were (copied, not recomputed).
    np.testing.assert_array_equal(more.params[:24], first.params)
    np.testing.assert_array_equal(more.fitness[:24], first.fitness)
    np.testing.assert_array_equal(more.population[:3], first.population)
    assert len(_rows(out_dir / "population.csv")) == 32

    # The same settings from a file are the same evolution: nothing is left to do.
    config = tmp_path / "evolve.toml"
    config.write_text(TOML)
    status, out, _ = _evolve(["--config", str(config), "--ngen", "4", "--out", str(out_dir)], capsys)
    assert status == 0 and "evolve: 4 generations (0 now)" in out
    np.testing.assert_array_equal(load(out_dir / "evolution.npz").params, more.params)

    # Other settings are another evolution: the checkpoint is not continued with them.
    with pytest.raises(SystemExit, match=r"belongs to another evolution .*differs: .*sigma_ou: stored 0\.1, now 0\.2"):
        cli.main(["evolve", *argv, "--param", "sigma_ou=0.2", "--ngen", "5"])


def test_the_mean_objective_is_one_column(tmp_path, capsys):
    out_dir = tmp_path / "evo"
    status, out, err = _evolve([*ARGS, "--ngen", "1", "--out", str(out_dir)], capsys)  # generation 0 only
    assert status == 0 and "adaptive, one objective (mean FC fit)" in err
    res = load(out_dir / "evolution.npz")
    assert res.algorithm == "adaptive" and res.fitness.shape == (8, 1)
    record = json.loads((out_dir / "evolution.json").read_text())
    assert record["front"] is None and len(record["best"]["fc_correlation"]) == SUBJECTS
    assert record["best"]["mean_of_scores"] == pytest.approx(record["best"]["fitness"][0], rel=1e-9)
    assert list(_rows(out_dir / "population.csv")[0])[4:6] == ["fc", "score"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--bound", "K_gl=0:1", "--model", "nope"], "unknown model 'nope'"),
        (["--bound", "K_gl=0:1", "--algorithm", "darwin"], "unknown algorithm 'darwin'; valid algorithms: adaptive"),
        (["--bound", "bogus=0:1"], r"--bound: unknown parameter\(s\) \['bogus'\] for model 'hopf'"),
        (["--bound", "K_gl=0:1", "--param", "bogus=1"], r"--param: unknown parameter\(s\) \['bogus'\]"),
        (["--bound", "K_gl=0:1", "--param", "a=x"], "--param a needs a number"),
        (["--bound", "K_gl=0:1", "--param", "a"], "--param expects NAME=VALUE"),
        (["--bound", "K_gl"], "--bound expects NAME=LOW:HIGH; got 'K_gl'"),
        (["--bound", "K_gl=1"], "--bound expects NAME=LOW:HIGH; got 'K_gl=1'"),
        (["--bound", "K_gl=a:b"], "LOW and HIGH numbers"),
        (["--bound", "K_gl=0:1:2"], "LOW and HIGH numbers"),
        (["--bound", "K_gl=2:1"], "--bound K_gl: LOW must be below HIGH; got 2:1"),
        (["--bound", "K_gl=1:1"], "LOW must be below HIGH"),
        (["--bound", "K_gl=0:inf"], "bounds must be finite"),
        (["--bound", "K_gl=0:1", "--bound", "K_gl=0:2"], "--bound K_gl is given twice"),
        (["--bound", "K_gl=0:1", "--param", "K_gl=1"], "given both as --bound"),
        (["--param", "K_gl=1"], "give at least one --bound NAME=LOW:HIGH"),
        (["--bound", "K_gl=0:1", "--dataset", "none"], "--dataset none has no empirical FC to fit"),
        (["--bound", "K_gl=0:1", "--dataset", "abc"], "--dataset must be one of gw, hcp, none"),
        (["--bound", "K_gl=0:1", "--objective", "median"], "--objective must be one of mean, subjects"),
        (["--bound", "K_gl=0:1", "--signal", "z"], "--signal must be one of bold, x, y for hopf"),
        (["--bound", "K_gl=0:1", "--duration", "8"], r"--signal bold needs --duration >= 10 s"),
        (["--bound", "K_gl=0:1", "--signal", "x", "--duration", "0.002"], "an FC needs at least 3 samples"),
        (["--bound", "K_gl=0:1", "--transient", "-1"], "--transient must be >= 0"),
        (["--bound", "K_gl=0:1", "--pop-size", "7"], "--pop-size must be even for adaptive"),
        (["--bound", "K_gl=0:1", "--pop-size", "1", "--algorithm", "CMA_ES"], "--pop-size must be >= 2"),
        (["--bound", "K_gl=0:1", "--pop-size", "8", "--pop-init-size", "4"], "--pop-init-size must be >= --pop-size"),
        (["--bound", "K_gl=0:1", "--ngen", "0"], "--ngen must be >= 1"),
        (["--bound", "K_gl=0:1", "--dt", "0"], "--dt must be > 0"),
        (["--bound", "K_gl=0:1", "--ngen", "many"], "invalid int value"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["evolve", *argv, "--out", str(tmp_path / "o")])
    assert info.value.code == 2
    assert re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model = \n", "not valid TOML"),
        ('colour = "red"\n', "unknown key 'colour'"),
        ('ngen = "many"\n[bounds]\nK_gl = [0, 1]\n', "ngen must be int"),
        ('bounds = "K_gl=0:1"\n', r"bounds must be a table \(\[bounds\]\)"),
        ("[bounds]\nK_gl = [0, 1, 2]\n", r"\[bounds\] K_gl: expected \[LOW, HIGH\]"),
        ('[bounds]\nK_gl = "1:0"\n', "LOW must be below HIGH"),
        ("[bounds]\nK_gl = [0, 1]\n[params]\nK_gl = 0.5\n", "both evolved"),
        ('[bounds]\nK_gl = [0, 1]\n[params]\na = "x"\n', r"\[params\] values must be numbers"),
    ],
)
def test_bad_config_files_exit_2(text, message, tmp_path, capsys):
    config = tmp_path / "evolve.toml"
    config.write_text(text)
    with pytest.raises(SystemExit) as info:
        cli.main(["evolve", "--config", str(config)])
    assert info.value.code == 2
    assert re.search(message, capsys.readouterr().err)


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_text("generations_done = 3\n"),  # a text file
        lambda path: path.write_bytes(b"PK\x03\x04" + bytes(60)),  # a truncated zip
    ],
    ids=["text", "truncated"],
)
def test_a_damaged_checkpoint_is_a_clear_error(damage, tmp_path, capsys):
    out_dir = tmp_path / "evo"
    out_dir.mkdir()
    damage(out_dir / "evolution.npz")
    with pytest.raises(SystemExit) as info:
        cli.main(["evolve", *ARGS, "--ngen", "1", "--out", str(out_dir)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "jaxbrain evolve: error: " in err and "evolution.npz is not a readable jaxbrain evolution checkpoint" in err
    assert "Traceback" not in err and "allow_pickle" not in err


def test_a_second_evolution_on_the_same_out_is_refused(tmp_path, capsys):
    out_dir = tmp_path / "evo"
    out_dir.mkdir()
    holder = subprocess.Popen(["sleep", "60"])  # stands for a running `jaxbrain evolve --out evo`
    try:
        lock = {"pid": holder.pid, "host": socket.gethostname()}
        (out_dir / "evolution.npz.lock").write_text(json.dumps(lock))
        with pytest.raises(SystemExit) as info:
            cli.main(["evolve", *ARGS, "--ngen", "1", "--out", str(out_dir)])
    finally:
        holder.kill()
        holder.wait()
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"jaxbrain evolve: error: {out_dir / 'evolution.npz.lock'} is held by pid {holder.pid}" in err
    assert "Traceback" not in err and not (out_dir / "evolution.npz").exists()
