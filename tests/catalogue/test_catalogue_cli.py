"""Bad command lines of ``jaxbrain``: each row exits with status 2 and a one-line "jaxbrain <cmd>: error: ..."
message, never a traceback."""

import contextlib
import io
import os
import re
import subprocess
import sys

import pytest

from jaxbrain import cli
from jaxbrain.cli._simulate import ignores_network
from jaxbrain.models import MODELS


class CliExit(Exception):
    """What a command line ended with: its exit status and the last line it printed to stderr."""


def _cli(*argv):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            cli.main(list(argv))
        except SystemExit as exit:
            lines = err.getvalue().strip().splitlines() or [""]
            raise CliExit(f"[exit {exit.code}] {lines[-1]}") from None
    raise AssertionError(f"jaxbrain {' '.join(argv)} did not fail")


def _out_under_a_file():
    with open("a-file", "w") as fh:
        fh.write("not a folder")
    return _cli("simulate", "--duration", "0.01", "--out", "a-file/results")


def _out_without_permission():
    os.mkdir("locked", 0o500)
    return _cli("simulate", "--dataset", "none", "--duration", "0.01", "--out", "locked/results")


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


SIM = "[exit 2] jaxbrain simulate: error: "
CASES = [
    pytest.param(lambda: _cli("simulate", "--dt", "0"), CliExit, SIM + "--dt must be > 0; got 0", id="dt-0"),
    pytest.param(lambda: _cli("simulate", "--dt", "-0.1"), CliExit, SIM + "--dt must be > 0", id="dt-negative"),
    pytest.param(lambda: _cli("simulate", "--dt", "nan"), CliExit, "--dt: must be a finite number", id="dt-nan"),
    pytest.param(lambda: _cli("simulate", "--dt", "fast"), CliExit, "invalid float value: 'fast'", id="dt-text"),
    pytest.param(lambda: _cli("simulate", "--duration", "0"), CliExit, SIM + "--duration must be > 0", id="dur-0"),
    pytest.param(lambda: _cli("simulate", "--duration", "inf"), CliExit, "must be a finite number", id="dur-inf"),
    pytest.param(
        lambda: _cli("simulate", "--sampling-dt", "0"), CliExit, SIM + "--sampling-dt must be > 0", id="sampling-0"
    ),
    pytest.param(
        lambda: _cli("simulate", "--sampling-dt", "0.05"), CliExit, "must be >= --dt (0.1 ms)", id="sampling-below-dt"
    ),
    pytest.param(lambda: _cli("simulate", "--signalV", "nan"), CliExit, "--signalV: must be a finite", id="v-nan"),
    pytest.param(lambda: _cli("simulate", "--seed", "-1"), CliExit, SIM + "--seed must be a whole number", id="seed"),
    pytest.param(lambda: _cli("simulate", "--seed", "1.5"), CliExit, "invalid int value: '1.5'", id="seed-float"),
    pytest.param(lambda: _cli("simulate", "--param", "K_gl=nan"), CliExit, "needs a finite number", id="param-nan"),
    pytest.param(lambda: _cli("simulate", "--param", "K_gl"), CliExit, SIM + "--param expects NAME=VALUE", id="param"),
    pytest.param(lambda: _cli("simulate", "--model", "nope"), CliExit, SIM + "unknown model 'nope'", id="model"),
    pytest.param(
        lambda: _cli("simulate", "--dataset", "nope", "--duration", "0.01"), CliExit, "unknown dataset", id="dataset"
    ),
    pytest.param(
        lambda: _cli("simulate", "--model", "thalamus", "--dataset", "gw"),
        CliExit,
        SIM + "model 'thalamus' is a single node: it ignores the network input",
        id="single-node-model-on-a-network",
    ),
    pytest.param(_out_under_a_file, CliExit, "a-file/results: cannot create the output folder", id="out-under-file"),
    pytest.param(
        _out_without_permission,
        CliExit,
        "locked/results: cannot create the output folder (Permission denied)",
        id="out-no-permission",
        marks=pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere"),
    ),
    pytest.param(lambda: _cli("demo", "--duration", "0"), CliExit, "jaxbrain demo: error: --duration", id="demo-0"),
    # every float flag of every subcommand refuses NaN and infinities when the command line is parsed
    pytest.param(lambda: _cli("fit", "--lr", "nan"), CliExit, "argument --lr: must be a finite number", id="fit-lr"),
    pytest.param(lambda: _cli("fit", "--dt=-inf"), CliExit, "argument --dt: must be a finite", id="fit-dt"),
    pytest.param(lambda: _cli("sweep", "--signalV", "inf"), CliExit, "--signalV: must be a finite", id="sweep-signalV"),
    pytest.param(lambda: _cli("evolve", "--duration", "nan"), CliExit, "--duration: must be a finite", id="evolve-dur"),
]


@pytest.mark.parametrize("call, exc, fragment", CASES)
def test_bad_input_is_a_clear_error(call, exc, fragment):
    with pytest.raises(exc, match=re.escape(fragment)):
        call()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_only_single_node_models_ignore_the_network(name):
    assert ignores_network(MODELS[name]) == (name == "thalamus")


def test_the_command_exits_2_without_a_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "jaxbrain.cli", "simulate", "--dt", "0", "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    assert "jaxbrain simulate: error: --dt must be > 0" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()
