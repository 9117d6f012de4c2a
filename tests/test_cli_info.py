"""``jaxbrain info``: the versions, the devices, the precision, the XLA settings and the coupling backend that
``simulate`` would choose, as text and as JSON."""

import json

import jax
import jaxlib
import numpy as np
import pytest

import jaxbrain
from jaxbrain import cli
from jaxbrain.cli._info import _text
from jaxbrain.network import BACKENDS
from jaxbrain.network._read import choose_backend


@pytest.fixture(scope="module")
def info_json():
    """One ``jaxbrain info --json`` run (it prepares two plans on gw), shared by the tests that read it."""
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert cli.main(["info", "--json"]) == 0
    return json.loads(buf.getvalue())


def test_text_names_the_versions_and_the_device(capsys, monkeypatch):
    monkeypatch.setenv("XLA_PYTHON_CLIENT_MEM_FRACTION", "0.5")
    monkeypatch.delenv("XLA_PYTHON_CLIENT_PREALLOCATE", raising=False)
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert f"jaxbrain {jaxbrain.__version__}" in out and f"jax {jax.__version__}" in out
    assert f"jaxlib {jaxlib.__version__}" in out and f"numpy {np.__version__}" in out
    device = jax.devices()[0]
    assert f"{device.platform}:{device.id} {device.device_kind}" in out
    assert "XLA_PYTHON_CLIENT_MEM_FRACTION = 0.5" in out and "XLA_PYTHON_CLIENT_PREALLOCATE unset" in out
    dtype = "float64" if jax.config.jax_enable_x64 else "float32"
    assert f"simulations run in {dtype}" in out
    assert "coupling backend (hopf on gw (80 nodes)" in out and "batch of 64" in out


def test_json_holds_what_the_text_shows(info_json):
    info = info_json
    assert info["jaxbrain"] == jaxbrain.__version__ and info["jax"] == jax.__version__
    assert info["jaxlib"] == jaxlib.__version__ and info["numpy"] == np.__version__
    assert info["default_backend"] == jax.default_backend()
    assert [(d["platform"], d["id"]) for d in info["devices"]] == [(d.platform, d.id) for d in jax.devices()]
    assert info["precision"] == {
        "x64": bool(jax.config.jax_enable_x64),
        "default_dtype": "float64" if jax.config.jax_enable_x64 else "float32",
    }
    assert set(info["env"]) >= {"XLA_PYTHON_CLIENT_PREALLOCATE", "XLA_PYTHON_CLIENT_MEM_FRACTION",
                                "XLA_PYTHON_CLIENT_ALLOCATOR"}  # fmt: skip
    assert isinstance(info["numba"]["installed"], bool)
    batch = info["sweep_batch"]
    assert 1 <= batch["points"] <= batch["cap"] and batch["bytes_per_point"] > 0


def test_backends_are_the_ones_simulate_chooses(info_json):
    b = info_json["coupling_backend"]
    dtype = info_json["precision"]["default_dtype"]
    assert b["single"] in BACKENDS and b["batch_64"] in BACKENDS
    assert b["single"] == choose_backend(None, jax.default_backend(), dtype, 1)
    assert b["batch_64"] == choose_backend(None, jax.default_backend(), dtype, 64)
    assert "xla" in b["available"] and set(b["available"]) <= set(BACKENDS)
    # numba decides whether a CPU batch of 64 gets the compiled kernel.
    if jax.default_backend() == "cpu":
        assert (b["batch_64"] == "cpu-kernel") == info_json["numba"]["installed"]


def test_text_of_an_accelerator(info_json):
    # A GPU reports JAX's memory limit and what is in use; the text shows both (checked without a GPU).
    gpu = {"platform": "gpu", "kind": "NVIDIA H200", "id": 0, "process": 0, "memory_gib": 104.6,
           "memory_in_use_gib": 0.01, "available_gib": 104.59}  # fmt: skip
    text = _text({**info_json, "devices": [gpu], "default_backend": "gpu"})
    assert "gpu:0 NVIDIA H200 (process 0): JAX may use 104.6 GiB, 0.01 GiB in use" in text
    assert "devices (default backend: gpu)" in text


def test_info_takes_no_positional_arguments(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["info", "extra"])
    assert exc.value.code == 2 and "unrecognized arguments: extra" in capsys.readouterr().err
