"""The contract every registered model keeps, so that sweeps, fits and evolution work with any of them.

For each model in ``MODELS``, on a small delayed network: the simulation jit-compiles, a ``vmap`` over a
batch of parameter values equals a loop (and so does the native ``batched=True`` path), ``jax.grad`` of a
scalar loss is finite, a second call with new parameter values does not recompile, and a chunked run
equals an unchunked one with noise on and the same key.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import with_noise

from jaxbrain import MODELS, Connectome, simulate
from jaxbrain.integrate._scan import run_chunk

# Models whose reference integration step is smaller than the default 0.1 ms.
DT = {"thalamus": 0.01}
N_STEPS = 60


def _network():
    weights = np.array([[0.0, 0.6, 0.2], [0.3, 0.0, 0.5], [0.4, 0.1, 0.0]])
    lengths = np.array([[0.0, 8.0, 12.0], [8.0, 0.0, 4.0], [12.0, 4.0, 0.0]])  # 4–6 steps at 20 mm/ms, dt 0.1
    return Connectome(weights, lengths)


def _settings(name):
    dt = DT.get(name, 0.1)
    return {"dt": dt, "duration": N_STEPS * dt, "signalV": 20.0}


def _swept_field(model):
    """The parameter the contract varies: the global coupling gain where there is one."""
    for field in ("K_gl", "Ke_gl"):
        if field in model.Params._fields:
            return field
    return model.Params._fields[0]


def _run(model, params, key, **kwargs):
    settings = _settings(model.name)
    settings.update(kwargs)
    return simulate(model, params, _network(), key=key, **settings)


MODEL_NAMES = sorted(MODELS)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_jit_compiles_and_is_finite(name, key):
    model = MODELS[name]
    field = _swept_field(model)
    default = getattr(model.Params(), field)

    @jax.jit
    def trace(value):
        return _run(model, model.Params()._replace(**{field: value}), key).outputs[model.default_output]

    out = trace(jnp.asarray(default, jnp.float64))
    assert out.shape == (N_STEPS, 3)
    assert bool(jnp.all(jnp.isfinite(out)))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_vmap_over_parameters_equals_a_loop(name, key):
    model = MODELS[name]
    field = _swept_field(model)
    default = float(getattr(model.Params(), field))
    values = jnp.asarray([default * 0.8, default, default * 1.2 + 0.05])

    def one(value):
        return _run(model, model.Params()._replace(**{field: value}), key).outputs[model.default_output]

    mapped = jax.vmap(one)(values)
    looped = np.stack([np.asarray(one(v)) for v in values])
    np.testing.assert_allclose(mapped, looped, rtol=1e-10, atol=1e-12)
    native = _run(model, model.Params()._replace(**{field: values}), key, batched=True)
    np.testing.assert_allclose(native.outputs[model.default_output], looped, rtol=1e-10, atol=1e-12)
    # The runs differ: the parameter does something (or, for an unused coupling gain, nothing at all).
    assert mapped.shape == (3, N_STEPS, 3)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_gradient_of_a_scalar_loss_is_finite(name, key):
    model = MODELS[name]
    field = _swept_field(model)
    params = with_noise(model, model.Params())

    def loss(value):
        out = _run(model, params._replace(**{field: value}), key).outputs[model.default_output]
        return jnp.mean(out**2)

    value = jnp.asarray(float(getattr(params, field)) + 0.1)
    grad = jax.grad(loss)(value)
    assert bool(jnp.isfinite(grad))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_new_parameter_values_do_not_recompile(name, key):
    model = MODELS[name]
    field = _swept_field(model)
    default = float(getattr(model.Params(), field))
    _run(model, model.Params()._replace(**{field: default}), key)
    compiled = run_chunk._cache_size()
    again = _run(model, model.Params()._replace(**{field: default * 1.1 + 0.01}), jax.random.key(7))
    assert run_chunk._cache_size() == compiled
    assert bool(again.ok)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_chunked_equals_unchunked_with_noise(name, key):
    model = MODELS[name]
    params = with_noise(model, model.Params())
    whole = _run(model, params, key)
    chunked = _run(model, params, key, chunksize=N_STEPS // 3)
    for out in model.output_vars:
        np.testing.assert_allclose(chunked.outputs[out], whole.outputs[out], rtol=1e-12, atol=1e-14)
    if model.noise_vars or model.state_noise is not None:
        quiet = _run(model, model.Params(), key)
        assert not np.array_equal(quiet.outputs[model.default_output], whole.outputs[model.default_output])
