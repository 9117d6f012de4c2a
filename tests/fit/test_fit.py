"""fit(): recovers a known coupling, optimises several starts at once, resumes from disk, rejects bad input."""

import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxbrain import Connectome, simulate
from jaxbrain.fit import Interval, fit
from jaxbrain.models import hopf

NET = Connectome(
    np.array([[0.0, 0.7, 0.2], [0.3, 0.0, 0.5], [0.6, 0.1, 0.0]]),
    np.array([[0.0, 12.0, 30.0], [12.0, 0.0, 8.0], [30.0, 8.0, 0.0]]),
)
RUN = dict(duration=30.0, chunksize=100, outputs=("x",))
START = hopf.State(np.array([0.3, -0.2, 0.1]), np.array([0.1, 0.2, -0.3]))


def _target(key):
    return simulate(hopf.model, hopf.Params(K_gl=0.8, a=-0.1), NET, key=key, initial=START, **RUN).outputs["x"]


def _loss(target):
    return lambda res: jnp.mean((res.outputs["x"] - target) ** 2)


def test_fit_recovers_the_coupling_from_several_starts(key, tmp_path):
    target = _target(key)
    kwargs = dict(key=key, optimizer=optax.adam(0.1), initial=START, **RUN)
    starts = {"K_gl": np.array([0.2, 1.5])}
    res = fit(hopf.model, hopf.Params(a=-0.1), {"K_gl": Interval(0.0, 2.0)}, _loss(target), NET, starts=starts,
              steps=120, **kwargs)  # fmt: skip
    assert res.losses.shape == (2, 120)
    assert res.loss[-1] < 1e-3 * res.loss[0]
    np.testing.assert_allclose(res.fitted["K_gl"], 0.8, atol=0.01)
    assert res.params.K_gl == pytest.approx(float(res.fitted["K_gl"]))
    # Resuming from a saved state gives the uninterrupted history.
    path = tmp_path / "fit.npz"
    fit(hopf.model, hopf.Params(a=-0.1), {"K_gl": Interval(0.0, 2.0)}, _loss(target), NET, starts=starts, steps=15,
        checkpoint_path=path, **kwargs)  # fmt: skip
    resumed = fit(hopf.model, hopf.Params(a=-0.1), {"K_gl": Interval(0.0, 2.0)}, _loss(target), NET, starts=starts,
                  steps=120, checkpoint_path=path, **kwargs)  # fmt: skip
    np.testing.assert_allclose(resumed.losses, res.losses, rtol=1e-10)


def test_bad_fits_raise_clear_errors(key):
    with pytest.raises(ValueError, match=r"unknown parameter name\(s\) \['nope'\]"):
        fit("hopf", None, ["nope"], lambda r: 0.0, key=key)
    with pytest.raises(ValueError, match="steps"):
        fit("hopf", None, ["K_gl"], lambda r: 0.0, key=key, steps=0)
    with pytest.raises(ValueError, match="at least one"):
        fit("hopf", None, [], lambda r: 0.0, key=key)


def test_fit_recovers_the_conduction_speed(key):
    # Interpolated delays make the loss a smooth function of signalV; rounded ones would give no gradient.
    run = dict(RUN, initial=START, fractional_delays=True, max_delay=40.0)
    target = simulate(hopf.model, hopf.Params(K_gl=0.8, a=-0.1), NET, key=key, signalV=4.0, **run).outputs["x"]
    run.pop("max_delay")
    res = fit(hopf.model, hopf.Params(K_gl=0.8, a=-0.1), {"signalV": Interval(2.0, 10.0)}, _loss(target), NET,
              key=key, optimizer=optax.adam(0.1), steps=60, signalV=5.0, **run)  # fmt: skip
    np.testing.assert_allclose(res.fitted["signalV"], 4.0, rtol=1e-3)
    assert res.params == hopf.Params(K_gl=0.8, a=-0.1)
    with pytest.raises(ValueError, match="lower bound"):
        fit(hopf.model, None, ["signalV"], _loss(target), NET, key=key, steps=1, **RUN)
