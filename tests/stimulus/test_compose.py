"""Sums, concatenations and neurolib's rectified input."""

import jax
import jax.random as jr
import numpy as np
import pytest

from jaxbrain.stimulus import (
    ConcatenatedStimulus,
    ExponentialInput,
    LinearRampInput,
    StepInput,
    SummedStimulus,
    WienerProcess,
    ZeroInput,
    rectified_input,
    segment_lengths,
)


def gen(stim, duration=1.0, n=1, key=None):
    return np.asarray(stim.generate(duration, 0.1, n, key))


def test_sum_values_and_flattening():
    a, b, c = StepInput(1.0), StepInput(2.0, start=0.5), LinearRampInput(1.0, 1.0)
    s = a + b + c
    assert isinstance(s, SummedStimulus) and len(s.inputs) == 3
    np.testing.assert_allclose(gen(s), gen(a) + gen(b) + gen(c), atol=1e-15)
    assert len(sum([a, b, c]).inputs) == 3  # builtin sum starts from 0
    windowed = SummedStimulus((a, b), start=0.5)
    assert len((windowed + c).inputs) == 2  # a windowed sum is kept whole


def test_sum_parts_get_split_keys():
    grid = (200.0, 0.1, 500)  # the grid of tests/stimulus/test_noise.py: its Wiener program is compiled once
    k0, k1 = jr.split(jr.key(0))
    x = np.asarray((WienerProcess() + WienerProcess(sigma=2.0)).generate(*grid, jr.key(0)))
    expected = WienerProcess().generate(*grid, k0) + WienerProcess(sigma=2.0).generate(*grid, k1)
    np.testing.assert_allclose(x, np.asarray(expected), rtol=1e-12)
    with pytest.raises(ValueError, match="key"):
        gen(StepInput(1.0) + WienerProcess())


def test_concatenation_equal_parts():
    x = gen(StepInput(1.0) & ZeroInput() & StepInput(3.0), duration=0.9)[:, 0]
    np.testing.assert_array_equal(x, [1, 1, 1, 0, 0, 0, 3, 3, 3])
    s = StepInput(1.0) & (StepInput(2.0) & StepInput(3.0))
    assert isinstance(s, ConcatenatedStimulus) and s.length_ratios == (1.0, 1.0, 1.0)  # neurolib flattens both


def test_concatenation_parts_run_on_their_own_clock():
    x = gen(ConcatenatedStimulus((StepInput(1.0), StepInput(2.0, start=0.2)), (1, 1)))[:, 0]
    np.testing.assert_array_equal(x, [1, 1, 1, 1, 1, 0, 0, 2, 2, 2])


def test_segment_lengths_neurolib_rule():
    # neurolib: part i gets len(arange(dt, D r_i + dt, dt)) = ceil(T r_i) rows, then the whole is cut to T.
    assert segment_lengths(100, (0.5, 2.5, 0.5, 1.5, 1.0)) == (9, 42, 9, 25, 17)
    assert segment_lengths(90, (1, 1, 1)) == (30, 30, 30)


def test_rectified_input():
    amp = 0.2
    x = gen(rectified_input(amp), duration=10.0, n=2)
    assert x.shape == (100, 2)
    np.testing.assert_array_equal(x[:9], -amp)  # part 1: 9 rows of -A
    rise = amp - amp * np.exp(-12.5 * np.arange(1, 43) / 42)  # part 2: 42 rows, on its own clock
    np.testing.assert_allclose(x[9:51, 0], rise - amp, atol=1e-12)
    np.testing.assert_array_equal(x[51:60], amp)
    np.testing.assert_allclose(x[60:85, 0], amp * np.exp(-7.5 * np.arange(1, 26) / 25), atol=1e-12)
    np.testing.assert_array_equal(x[85:], 0.0)  # part 5: 17 rows, cut to 15


def test_composite_jit_and_window():
    stim = ConcatenatedStimulus((StepInput(1.0), ExponentialInput(1.0)), (1, 3), start=0.3, nodes=[1])
    eager = gen(stim, duration=2.0, n=2)
    np.testing.assert_allclose(np.asarray(jax.jit(lambda s: s.generate(2.0, 0.1, 2))(stim)), eager, atol=1e-14)
    np.testing.assert_array_equal(eager[:3], 0.0)
    np.testing.assert_array_equal(eager[:, 0], 0.0)
    np.testing.assert_array_equal(eager[3:8, 1], 1.0)  # the first part, delayed by 3 rows


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: ConcatenatedStimulus((StepInput(1.0),), (1.0, 2.0)), "length_ratios"),
        (lambda: ConcatenatedStimulus((StepInput(1.0), StepInput(2.0)), (1.0, -1.0)), "length_ratios"),
        (lambda: SummedStimulus(()), "non-empty"),
    ],
)
def test_invalid_composites(make, match):
    with pytest.raises(ValueError, match=match):
        make()
