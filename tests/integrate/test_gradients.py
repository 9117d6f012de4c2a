"""Gradients through long runs: checkpointed chunks give the plain gradient with far less memory."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxbrain import Connectome, simulate
from jaxbrain.models import hopf

NET = Connectome(
    np.array([[0.0, 0.7, 0.2], [0.3, 0.0, 0.5], [0.6, 0.1, 0.0]]),
    np.array([[0.0, 12.0, 30.0], [12.0, 0.0, 8.0], [30.0, 8.0, 0.0]]),
)


def _loss(n_steps, **kwargs):
    def loss(k_gl):
        res = simulate(
            hopf.model, hopf.Params(K_gl=k_gl, a=-0.02, sigma_ou=0.05), NET, key=jax.random.key(3),
            duration=n_steps * 0.1, outputs=("x",), **kwargs,
        )  # fmt: skip
        return jnp.mean(res.outputs["x"][-200:] ** 2)

    return loss


def test_checkpointed_gradient_equals_plain_gradient():
    plain = jax.grad(_loss(1200, chunksize=400))(0.8)
    remat = jax.grad(_loss(1200, chunksize=400, checkpoint=True))(0.8)
    assert bool(jnp.isfinite(plain)) and abs(float(plain)) > 0
    np.testing.assert_allclose(remat, plain, rtol=1e-9)


@pytest.mark.slow
def test_checkpointing_bounds_gradient_memory():
    # 40 nodes, 4000 steps: without checkpoints the backward pass keeps every step's intermediates.
    rng = np.random.default_rng(0)
    net = Connectome(rng.random((40, 40)) * (1 - np.eye(40)), rng.uniform(5.0, 40.0, (40, 40)) * (1 - np.eye(40)))

    def temp_bytes(**kwargs):
        def loss(k_gl):
            res = simulate(hopf.model, hopf.Params(K_gl=k_gl), net, key=jax.random.key(0), duration=400.0,
                           outputs=("x",), chunksize=2000, **kwargs)  # fmt: skip
            return jnp.mean(res.outputs["x"] ** 2)

        return jax.jit(jax.grad(loss)).lower(0.8).compile().memory_analysis().temp_size_in_bytes

    assert temp_bytes(checkpoint=True) * 4 < temp_bytes()


def test_truncation_cuts_the_gradient_path():
    full = jax.grad(_loss(1200, chunksize=300))(0.8)
    long_horizon = jax.grad(_loss(1200, chunksize=300, truncation=8))(0.8)
    short_horizon = jax.grad(_loss(1200, chunksize=300, truncation=1))(0.8)
    np.testing.assert_allclose(long_horizon, full, rtol=1e-12)
    assert bool(jnp.isfinite(short_horizon)) and not np.isclose(short_horizon, full, rtol=1e-6)
    with pytest.raises(ValueError, match="truncation"):
        _loss(100, truncation=0)(0.8)


def test_per_node_gradient_matches_finite_differences():
    # grad · v against the central difference along a random direction v of the per-node bifurcation parameters,
    # through delays, noise and checkpointed chunks.
    a0 = jnp.array([-0.05, 0.02, -0.1])
    v = jnp.array([0.6, -0.48, 0.64])

    def loss(a):
        res = simulate(hopf.model, hopf.Params(K_gl=0.8, a=a, sigma_ou=0.05), NET, key=jax.random.key(3),
                       duration=120.0, outputs=("x",), chunksize=400, checkpoint=True)  # fmt: skip
        x = res.outputs["x"][-400:]
        return jnp.mean(x[:, 0] * x[:, 1]) + jnp.mean(x[:, 2] ** 2)

    grad = jax.grad(loss)(a0)
    h = 1e-5
    fd = (float(loss(a0 + h * v)) - float(loss(a0 - h * v))) / (2 * h)
    assert grad.shape == (3,) and abs(fd) > 1e-6
    np.testing.assert_allclose(float(grad @ v), fd, rtol=1e-5)
