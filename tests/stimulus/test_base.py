"""The stimulus protocol: time axis, on/off window, node selection, jit/vmap, as_inputs and simulate."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from jaxbrain import Connectome, models, simulate
from jaxbrain.stimulus import SinusoidalInput, StepInput


def test_row_k_is_time_k_plus_one_dt():
    x = np.asarray(SinusoidalInput(1.0, 50.0).generate(2.0, 0.5, 1))[:, 0]
    np.testing.assert_allclose(x, np.sin(2 * np.pi * 50.0 * np.array([0.5, 1.0, 1.5, 2.0]) / 1000.0), atol=1e-15)


def test_window_off_grid_and_end():
    # On rows: start < (k+1)·dt <= end. start 0.25 → first on row k = 2 (t = 0.3); end 0.65 → last on row 5.
    x = np.asarray(StepInput(1.0, start=0.25, end=0.65).generate(1.0, 0.1, 1))[:, 0]
    np.testing.assert_array_equal(x, [0, 0, 1, 1, 1, 1, 0, 0, 0, 0])


def test_window_past_duration_is_all_zero():
    np.testing.assert_array_equal(np.asarray(StepInput(1.0, start=50.0).generate(1.0, 0.1, 2)), 0.0)


def test_nodes_mask_and_indices():
    by_index = np.asarray(StepInput(2.0, nodes=[0, 2]).generate(1.0, 0.1, 4))
    by_mask = np.asarray(StepInput(2.0, nodes=np.array([True, False, True, False])).generate(1.0, 0.1, 4))
    np.testing.assert_array_equal(by_index, by_mask)
    np.testing.assert_array_equal(by_index[:, [0, 2]], 2.0)
    np.testing.assert_array_equal(by_index[:, [1, 3]], 0.0)
    with pytest.raises(ValueError, match="nodes"):
        StepInput(1.0, nodes=[7]).generate(1.0, 0.1, 4)
    with pytest.raises(ValueError, match="nodes"):
        StepInput(1.0, nodes=np.array([True, False])).generate(1.0, 0.1, 4)


def test_n_nodes_from_connectome():
    assert StepInput(1.0).generate(1.0, 0.1, Connectome(np.zeros((3, 3)))).shape == (10, 3)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        (dict(start=-1.0), "start"),
        (dict(start=np.nan), "start"),
        (dict(start=5.0, end=2.0), "end"),
        (dict(start=5.0, end=5.0), "end"),
        (dict(end=np.inf), "end"),
    ],
)
def test_invalid_window(kwargs, name):
    with pytest.raises(ValueError, match=name):
        StepInput(1.0, **kwargs)


@pytest.mark.parametrize(
    ("args", "name"), [((1.05, 0.1, 2), "duration"), ((1.0, -0.1, 2), "dt"), ((1.0, 0.1, 0), "n_nodes")]
)
def test_invalid_grid(args, name):
    with pytest.raises(ValueError, match=name):
        StepInput(1.0).generate(*args)


def test_jit_equals_eager():
    stim = SinusoidalInput(np.array([1.0, 2.0]), 40.0, phase=0.3, start=1.0, end=4.0, nodes=[1])
    jitted = jax.jit(lambda s: s.generate(5.0, 0.1, 2))(stim)
    np.testing.assert_allclose(np.asarray(jitted), np.asarray(stim.generate(5.0, 0.1, 2)), rtol=0, atol=1e-14)


def test_vmap_over_amplitude_and_start():
    amps = jnp.array([0.5, 1.0, 2.0])
    batch = jax.vmap(lambda a: StepInput(a, start=0.2).generate(0.5, 0.1, 2))(amps)
    assert batch.shape == (3, 5, 2)
    np.testing.assert_allclose(np.asarray(batch[:, 2:, 0]), np.repeat(np.asarray(amps)[:, None], 3, axis=1))
    starts = jax.vmap(lambda s: StepInput(1.0, start=s).generate(0.5, 0.1, 1)[:, 0])(jnp.array([0.0, 0.2, 0.4]))
    np.testing.assert_array_equal(np.asarray(starts), [[1, 1, 1, 1, 1], [0, 0, 1, 1, 1], [0, 0, 0, 0, 1]])


def test_as_inputs_unknown_name_lists_inputs():
    with pytest.raises(ValueError, match="x_ext") as info:
        StepInput(1.0).as_inputs("hopf", "I_ext", 1.0, 0.1, 1)
    assert "I_ext" in str(info.value) and "y_ext" in str(info.value)


def test_step_on_hopf_x_ext_reaches_the_dynamics():
    """Step k is driven by row k: an input switched on at 50 ms moves x at exactly the 50.1 ms sample."""
    net = Connectome(np.zeros((2, 2)))
    params = models.hopf.Params(a=-1.0, w=0.0, K_gl=0.0)
    zero = models.hopf.State(np.zeros(2), np.zeros(2))
    stim = StepInput(0.5, start=50.0, nodes=[0])
    inputs = stim.as_inputs("hopf", "x_ext", 100.0, 0.1, net, None)
    res = simulate("hopf", params, net, key=jr.key(0), duration=100.0, initial=zero, inputs=inputs)
    x = np.asarray(res.outputs["x"])
    np.testing.assert_array_equal(x[:500], 0.0)  # t <= 50 ms
    np.testing.assert_allclose(x[500, 0], 0.1 * 0.5, rtol=1e-12)  # one Euler step: dt · x_ext
    np.testing.assert_array_equal(x[:, 1], 0.0)  # node 1 gets nothing
    # It relaxes towards the fixed point of -x - x³ + 0.5 = 0.
    root = np.roots([-1.0, 0.0, -1.0, 0.5])
    np.testing.assert_allclose(x[-1, 0], root[np.isreal(root)].real[0], rtol=1e-3)
