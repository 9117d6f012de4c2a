"""``jaxbrain sweep``: a tiny Hopf grid writes its store, summary and map; the TOML form is the same sweep;
a rerun resumes without computing; bad arguments stop before anything runs, with exit status 2."""

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from jaxbrain import cli
from jaxbrain.explore import SweepStore

REPO = Path(__file__).resolve().parents[1]
# 2 x 2 grid of one Hopf node, 50 ms, two batches of two points.
ARGS = ["--model", "hopf", "--dataset", "none", "--grid", "a=-0.5,0.5", "--grid", "w=0.1:0.3:2",
        "--param", "sigma_ou=0.0", "--duration", "0.05", "--batch-size", "2", "--seed", "3"]  # fmt: skip
TOML = """\
model = "hopf"
dataset = "none"
duration = {duration}
batch_size = 2
seed = 3
store = "{store}"

[grid]
a = [-0.5, 0.5]
w = "0.1:0.3:2"

[params]
sigma_ou = 0.0
"""


def _sweep(argv, capsys):
    status = cli.main(["sweep", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def _load(path):
    return SweepStore.load(path).to_xarray(grid=["a", "w"])


def test_sweep_writes_store_summary_and_plot_and_resumes(tmp_path, capsys):
    store, png = tmp_path / "s.zarr", tmp_path / "maps" / "map.png"
    status, out, err = _sweep([*ARGS, "--store", str(store), "--plot", str(png)], capsys)
    assert status == 0
    assert "4 points (a (2) x w (2)); computed 2 batch(es) now, 0 already stored; 2/2 batches done" in out
    assert "failed points (diverged, ok = False): 0 of 4" in out
    assert "max_x: " in out and f"store: {store}" in out and f"plot: {png}" in out
    assert "sweep: 100%" in err and "batch 2/2" in err  # the sweep's progress bar goes to stderr
    ds = _load(store)
    np.testing.assert_allclose(ds["w"].values, [0.1, 0.3])
    assert ds["max_x"].shape == (2, 2) and bool(ds["ok"].all())
    assert ds["max_x"].sel(a=0.5).min() > 0.3 > 0.1 > ds["max_x"].sel(a=-0.5).max()  # limit cycle vs fixed point
    assert ds.attrs["settings"]["duration"] == 50.0 and ds.attrs["base_params"]["sigma_ou"] == 0.0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5_000

    # Running the same command again computes nothing and reports the same sweep.
    status, again, _ = _sweep([*ARGS, "--store", str(store)], capsys)
    assert status == 0
    assert "computed 0 batch(es) now, 2 already stored; 2/2 batches done" in again
    xr.testing.assert_identical(_load(store), ds)


def test_toml_config_is_the_same_sweep(tmp_path, capsys):
    store = tmp_path / "cli.zarr"
    assert _sweep([*ARGS, "--store", str(store)], capsys)[0] == 0

    # The same settings from a file, into a new store: identical results.
    config = tmp_path / "sweep.toml"
    config.write_text(TOML.format(duration=0.05, store=(tmp_path / "toml.zarr").as_posix()))
    status, out, _ = _sweep(["--config", str(config)], capsys)
    assert status == 0 and "computed 2 batch(es) now" in out
    # The same settings and the same fixed batch size run the same compiled program: bit-identical.
    xr.testing.assert_identical(_load(tmp_path / "toml.zarr"), _load(store))

    # Flags override the file: with the command line's duration and store it is the first sweep, resumed.
    config.write_text(TOML.format(duration=9.0, store=(tmp_path / "other.zarr").as_posix()))
    status, out, _ = _sweep(["--config", str(config), "--duration", "0.05", "--store", str(store)], capsys)
    assert status == 0 and "computed 0 batch(es) now, 2 already stored" in out
    assert not (tmp_path / "other.zarr").exists()


def test_diverged_points_are_counted_and_listed(tmp_path, capsys):
    argv = ["--grid", "a=-0.1,40", "--grid", "w=0.2,0.3", "--duration", "0.4", "--store", str(tmp_path / "f")]
    with pytest.warns(RuntimeWarning, match="2 of 4 simulations diverged"):
        status, out, _ = _sweep(argv, capsys)
    assert status == 0
    assert "failed points (diverged, ok = False): 2 of 4" in out
    assert "  a = 40, w = 0.2\n  a = 40, w = 0.3\n" in out


def test_a_store_of_another_sweep_is_refused(tmp_path, capsys):
    store = tmp_path / "s.zarr"
    assert _sweep([*ARGS, "--store", str(store)], capsys)[0] == 0
    with pytest.raises(SystemExit, match=r"belongs to another sweep .* What differs: .*points\.K_gl"):
        cli.main(["sweep", *ARGS, "--grid", "K_gl=0.1,0.2", "--store", str(store)])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--grid", "a=0:3"], r"--grid a: expected NAME=START:STOP:NUM or NAME=V1,V2,\.\.\.; got '0:3'"),
        (["--grid", "a=0:3:x"], "NUM a whole number"),
        (["--grid", "a=0:3:0"], "NUM must be at least 1"),
        (["--grid", "a"], "--grid expects NAME=START:STOP:NUM"),
        (["--grid", "a=1,,2"], "got '1,,2'"),
        (["--grid", "a=1,1"], "repeated"),
        (["--grid", "a=1,2", "--grid", "a=3"], "given twice"),
        (["--grid", "bogus=1,2"], r"unknown parameter\(s\) \['bogus'\] for model 'hopf'"),
        (["--grid", "a=1,2", "--param", "K_gl=x"], "--param K_gl needs a number"),
        (["--grid", "a=1,2", "--param", "a=1"], "both as --grid"),
        (["--param", "a=1"], "give at least one --grid"),
        (["--grid", "a=1,2", "--model", "nope"], "unknown model"),
        (["--grid", "a=1,2", "--dataset", "xyz"], "--dataset must be one of gw, hcp, none"),
        (["--grid", "a=1,2", "--evaluate", "mean"], "--evaluate must be one of"),
        (["--grid", "a=1,2", "--evaluate", "fc"], "give --dataset gw or hcp"),
        (["--grid", "K_gl=1,2", "--evaluate", "fc", "--dataset", "gw"], "needs the simulated BOLD: add --bold"),
        (["--grid", "K_gl=1,2", "--evaluate", "fcd", "--dataset", "gw", "--bold", "--duration", "80"], "at least 82 s"),
        (["--grid", "a=1,2", "--duration", "0"], "--duration must be > 0"),
        (["--grid", "a=1,2", "--batch-size", "0"], "--batch-size must be >= 1"),
        (["--grid", "a=1,2", "--plot", "m.png"], "at least two --grid parameters"),
        (["--grid", "a=1,2", "--grid", "w=1,2", "--evaluate", "trace", "--plot", "m.png"], "--plot maps a number"),
        (["--grid", "a=1,2", "--grid", "w=1,2", "--plot", "m.gif"], "unknown image format 'gif'"),
        (["--duration", "soon"], "invalid float value"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["sweep", *argv, "--store", str(tmp_path / "s")])
    assert info.value.code == 2
    assert re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model = \n", "not valid TOML"),
        ('colour = "red"\n[grid]\na = [1.0, 2.0]\n', "unknown key 'colour'"),
        ('duration = "long"\n[grid]\na = [1.0, 2.0]\n', "duration must be float"),
        ("bold = 1\n[grid]\na = [1.0, 2.0]\n", "bold must be bool"),
        ('grid = "a=1,2"\n', r"grid must be a table \(\[grid\]\)"),
        ("[grid]\na = []\n", "got the list"),
        ('[grid]\na = "0:1"\n', r"\[grid\] a: expected"),
        ('[grid]\na = [1.0, 2.0]\n[params]\nK_gl = "x"\n', r"\[params\] values must be numbers"),
        ("[grid]\na = [1.0, 2.0]\n[params]\na = 1.0\n", "both swept"),
    ],
)
def test_bad_config_files_exit_2(text, message, tmp_path, capsys):
    config = tmp_path / "sweep.toml"
    config.write_text(text)
    with pytest.raises(SystemExit) as info:
        cli.main(["sweep", "--config", str(config)])
    assert info.value.code == 2
    assert re.search(message, capsys.readouterr().err)


def test_a_missing_config_file_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["sweep", "--config", str(tmp_path / "missing.toml")])
    assert info.value.code == 2
    assert re.search(r"--config .*missing\.toml: cannot read it", capsys.readouterr().err)


@pytest.mark.slow
def test_distributed_processes_share_one_store(tmp_path):
    """Two processes started as SLURM would start them (``srun -n 2``) split the batches of one store."""
    cache = os.environ.get("JAXBRAIN_TEST_CACHE", str(Path.home() / ".cache" / "jaxbrain-tests"))
    job = str(random.randrange(1, 2**31))  # the coordinator's port is derived from the job id
    store = tmp_path / "shared.zarr"
    argv = ["--grid", "a=-0.5,0,0.5", "--grid", "w=0.1,0.3", "--duration", "0.05", "--batch-size", "2"]
    argv += ["--store", str(store), "--plot", str(tmp_path / "m.png"), "--distributed"]
    procs = []
    for rank in range(2):
        env = dict(os.environ, PYTHONPATH=str(REPO), JAX_COMPILATION_CACHE_DIR=cache)
        env.update(SLURM_JOB_ID=job, SLURM_STEP_NODELIST="localhost", SLURM_NTASKS="2")
        env.update(SLURM_PROCID=str(rank), SLURM_LOCALID=str(rank))
        cmd = [sys.executable, "-m", "jaxbrain.cli", "sweep", *argv]
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    (out0, err0), (out1, err1) = (p.communicate(timeout=300) for p in procs)
    assert procs[0].returncode == 0, err0
    assert procs[1].returncode == 0, err1
    # Process p computes batches p, p + 2, ...: 0 and 2 here, batch 1 in process 1.
    assert "6 points (a (3) x w (2)); process 0 of 2 computed 2 batch(es); 3/3 batches done" in out0
    assert "process 1: computed 1 batch(es)" in err1 and "sweep:" not in out1
    assert (tmp_path / "m.png").exists()
    assert bool(SweepStore.load(store).done().all())
