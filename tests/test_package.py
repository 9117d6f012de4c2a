"""Package-level behaviour: side-effect-free import, the model registry and its protocol."""

import json
import subprocess
import sys
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

import jaxbrain
from jaxbrain.models import Inputs, NeuralMass

ROOT = Path(__file__).parents[1]


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)


def test_import_is_silent():
    result = _run("import jaxbrain")
    assert result.stdout == ""
    assert result.stderr == ""


def test_import_does_not_pull_heavy_dependencies():
    code = (
        "import sys, json, jaxbrain, jaxbrain.compat\n"
        "heavy = ('matplotlib', 'nibabel', 'xarray', 'zarr', 'numba', 'flowjax')\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))"
    )
    assert json.loads(_run(code).stdout) == []
    # jaxbrain.infer's priors, summaries and simulations work without the `infer` extra: flowjax loads when a
    # posterior is trained or loaded.
    code = "import sys, json, jaxbrain\njaxbrain.infer.Prior\nprint(json.dumps('flowjax' in sys.modules))"
    assert json.loads(_run(code).stdout) is False


def test_registry():
    assert {"hopf", "fhn", "wc"} <= set(jaxbrain.MODELS)
    for name, model in jaxbrain.MODELS.items():
        assert isinstance(model, NeuralMass)
        assert model.name == name
        assert jaxbrain.get_model(name) is model
        assert jaxbrain.get_model(model) is model


def test_get_model_unknown_lists_models():
    with pytest.raises(ValueError, match="nope") as info:
        jaxbrain.get_model("nope")
    for name in ("hopf", "fhn", "wc"):
        assert name in str(info.value)


@pytest.mark.parametrize("name", sorted(jaxbrain.MODELS))
def test_model_protocol(name):
    model = jaxbrain.get_model(name)
    p = model.Params()
    for field in ("tau_ou", "sigma_ou"):
        assert field in p._fields
    assert "K_gl" in p._fields or "Ke_gl" in p._fields  # the global coupling gain (ALN: Ke_gl)
    assert model.default_output in model.output_vars
    assert set(model.output_vars) <= set(model.State._fields)
    assert len(model.ou_mean(p)) == len(model.noise_vars)
    state = model.State(*(jnp.full((3,), 0.01 * (i + 1)) for i in range(len(model.State._fields))))
    n_coupled = len(model.coupled(state))
    n_sums = n_coupled if model.network_sums is None else len(model.network_sums(np.ones((3, 3)))[0])
    z = jnp.zeros((3,))
    inputs = Inputs((z,) * n_sums, (z,) * len(model.noise_vars), (z,) * len(model.input_vars), (z,) * n_coupled)
    d = model.dfun(state, inputs, p)
    assert type(d) is model.State
    for leaf in d:
        assert leaf.shape == (3,) and leaf.dtype == jnp.float64
        assert bool(jnp.all(jnp.isfinite(leaf)))
