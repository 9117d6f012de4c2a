"""jaxbrain.compat.utils.stimulus against neurolib's definitions (utils/stimulus.py, neurolib master).

Values are checked against the closed forms neurolib's classes implement (sample times t_k = (k+1)·dt ms, on/off
by zero padding), the seeded noise against numpy's legacy stream drawn in neurolib's order (numpy on both sides:
exact), and the OU process against its analytic ensemble mean and variance over many realisations.
"""

import subprocess
import sys

import numpy as np
import pytest
import scipy.signal

from jaxbrain.compat.utils.stimulus import (
    ConcatenatedStimulus,
    ExponentialInput,
    Input,
    LinearRampInput,
    OrnsteinUhlenbeckProcess,
    RectifiedInput,
    SinusoidalInput,
    SquareInput,
    StepInput,
    Stimulus,
    SummedStimulus,
    WienerProcess,
    ZeroInput,
)

DURATION, DT = 10.0, 0.1
T = 100
TIMES = DT * np.arange(1, T + 1)


def both_errors(match):
    """neurolib asserts where compat checks: the error must be caught as either type."""
    return pytest.raises(ValueError, match=match), pytest.raises(AssertionError, match=match)


# ---- grid and shapes ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda n: ZeroInput(n=n),
        lambda n: WienerProcess(n=n, seed=1),
        lambda n: OrnsteinUhlenbeckProcess(0.5, 0.1, 2.0, n=n, seed=1),
        lambda n: StepInput(1.0, n=n),
        lambda n: SinusoidalInput(1.0, 10.0, n=n),
        lambda n: SquareInput(1.0, 10.0, n=n),
        lambda n: LinearRampInput(1.0, 2.0, n=n),
        lambda n: ExponentialInput(1.0, n=n),
        lambda n: RectifiedInput(0.2, n=n),
    ],
)
def test_shape_dtype_and_n(make):
    x = make(3).as_array(DURATION, DT)
    assert isinstance(x, np.ndarray) and x.dtype == np.float64 and x.flags.c_contiguous
    assert x.shape == (3, T)
    assert make(1).generate_input(DURATION, DT).shape == (1, T)


def test_grid_rows():
    step = StepInput(1.0)
    assert step.as_array(0.3, 0.1).shape == (1, 3)  # a multiple of dt to within rounding: exactly 3 rows
    assert step.as_array(0.25, 0.1).shape == (1, 3)  # otherwise ceil, as np.arange(dt, duration + dt, dt)
    assert step.as_array(2000.0, 0.1).shape == (1, 20000)


def test_deterministic_rows_are_copies():
    x = SinusoidalInput(1.0, 37.0, n=4).as_array(DURATION, DT)
    np.testing.assert_array_equal(x, np.broadcast_to(x[0], x.shape))


# ---- deterministic waveforms --------------------------------------------------------------------------------------
def test_step_levels_and_timing():
    x = StepInput(2.3, start=2.0, end=8.0, n=2).as_array(DURATION, DT)[0]
    # on for 2 < t <= 8 ms: rows 20 (t = 2.1) .. 79 (t = 8.0)
    np.testing.assert_array_equal(x[:20], 0.0)
    np.testing.assert_array_equal(x[20:80], 2.3)
    np.testing.assert_array_equal(x[80:], 0.0)
    np.testing.assert_array_equal(StepInput(-1.5).as_array(DURATION, DT), -1.5)


def test_sine_amplitude_frequency_phase():
    amp, freq = 1.7, 40.0
    x = SinusoidalInput(amp, freq).as_array(DURATION, DT)[0]
    np.testing.assert_allclose(x, amp * np.sin(2 * np.pi * freq * TIMES / 1000.0), rtol=1e-12, atol=1e-14)
    biased = SinusoidalInput(amp, freq, dc_bias=True).as_array(DURATION, DT)[0]
    np.testing.assert_allclose(biased, x + amp, rtol=1e-12)
    # a full number of periods (1000 Hz: 10 samples a period): the mean is the bias
    np.testing.assert_allclose(SinusoidalInput(amp, 1000.0, dc_bias=True).as_array(DURATION, DT).mean(), amp)
    # a delayed start starts the wave at phase 0: row 30 (t = 3.1) holds the value at t = dt
    late = SinusoidalInput(amp, freq, start=3.0).as_array(DURATION, DT)[0]
    np.testing.assert_array_equal(late[:30], 0.0)
    np.testing.assert_allclose(late[30:], x[:70], rtol=1e-12, atol=1e-14)


def test_square_is_scipy_square():
    amp, freq = 0.8, 30.0  # half period 16.67 ms: no sample on an edge
    t = DT * np.arange(1, 1001)
    x = SquareInput(amp, freq).as_array(100.0, DT)[0]
    np.testing.assert_array_equal(x, amp * scipy.signal.square(2 * np.pi * t * freq / 1000.0))
    np.testing.assert_array_equal(SquareInput(amp, freq, dc_bias=True).as_array(100.0, DT)[0], x + amp)


def test_linear_ramp():
    inp_max, length = 5.0, 2.0
    x = LinearRampInput(inp_max, length).as_array(DURATION, DT)[0]
    expected = np.where(TIMES < length, inp_max * TIMES / length, inp_max)
    np.testing.assert_allclose(x, expected, rtol=1e-12)
    assert x.min() == 0.25 and x.max() == inp_max  # 5 · 0.1 / 2 at the first sample; exact in float64


@pytest.mark.parametrize("coef", [30.0, 2.0])
def test_exponential(coef):
    amp = 5.0
    t_end = TIMES[-1]
    decay = ExponentialInput(amp, exp_coef=coef, exp_type="decay").as_array(DURATION, DT)[0]
    rise = ExponentialInput(amp, exp_coef=coef, exp_type="rise").as_array(DURATION, DT)[0]
    np.testing.assert_allclose(decay, amp * np.exp(-coef * TIMES / t_end), rtol=1e-12)
    np.testing.assert_allclose(rise, amp - amp * np.exp(-coef * TIMES / t_end), rtol=1e-12, atol=1e-13)
    assert np.all(np.diff(rise) > 0) and np.all(np.diff(decay) < 0)
    np.testing.assert_allclose(rise[-1], amp * (1 - np.exp(-coef)), rtol=1e-12)


@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: StepInput(1.0, **kw),
        lambda **kw: SinusoidalInput(1.0, 10.0, dc_bias=True, **kw),
        lambda **kw: SquareInput(1.0, 10.0, **kw),
        lambda **kw: LinearRampInput(1.0, 3.0, **kw),
        lambda **kw: ExponentialInput(1.0, **kw),
    ],
)
def test_start_end_window(make):
    x = make(start=2.0, end=8.0, n=2).as_array(DURATION, DT)
    np.testing.assert_array_equal(x[:, :20], 0.0)
    np.testing.assert_array_equal(x[:, 80:], 0.0)
    free = make(n=2).as_array(DURATION, DT)
    # the waveform's own clock starts at 2 ms
    np.testing.assert_allclose(x[:, 20:80], free[:, :60], rtol=1e-12, atol=1e-14)
    # None and 0 mean "from the beginning" / "never off", as neurolib's `start or 0.0`, `end or duration + dt`
    np.testing.assert_array_equal(make(start=0, end=0, n=2).as_array(DURATION, DT), free)


# ---- noise --------------------------------------------------------------------------------------------------------
def test_wiener_is_neurolibs_seeded_stream():
    x = WienerProcess(n=2, seed=42).as_array(DURATION, DT)
    # neurolib: np.random.seed(42); np.random.normal(0, sqrt(dt), (n, T))
    np.testing.assert_array_equal(x, np.random.RandomState(42).normal(0.0, np.sqrt(DT), (2, T)))
    np.testing.assert_allclose(x[:, 53], [0.193429, 0.073445], atol=1e-6)  # neurolib master's values


def test_wiener_statistics():
    dt = 0.05
    x = WienerProcess(n=500, seed=3).as_array(50.0, dt)  # 5e5 samples: standard error of the variance 0.2 %
    np.testing.assert_allclose(x.var(), dt, rtol=0.01)
    np.testing.assert_allclose(x.mean(), 0.0, atol=4 * np.sqrt(dt / x.size))


def test_noise_streams():
    w = WienerProcess(n=2, seed=7)
    first, second = w.as_array(DURATION, DT), w.as_array(DURATION, DT)
    assert not np.allclose(first, second)  # each call draws new numbers (the stream goes on), as neurolib
    np.testing.assert_array_equal(WienerProcess(n=2, seed=7).as_array(DURATION, DT), first)
    w.update_params({"seed": 7})  # a new seed restarts the stream
    np.testing.assert_array_equal(w.as_array(DURATION, DT), first)
    assert not np.allclose(WienerProcess(n=2, seed=8).as_array(DURATION, DT), first)


def test_ou_initial_value_and_recursion():
    mu, tau, n = 3.0, 2.0, 4
    x = OrnsteinUhlenbeckProcess(mu, 0.0, tau, n=n, seed=42).as_array(DURATION, DT)
    # neurolib: np.random.seed(42); x = np.random.rand(n, T) * mu; x_0 = x[:, 0]
    np.testing.assert_array_equal(x[:, 0], np.random.RandomState(42).rand(n, T)[:, 0] * mu)
    # sigma = 0: x_{k+1} = x_k + dt (mu - x_k) / tau, i.e. mu + (x_0 - mu)(1 - dt/tau)^k
    k = np.arange(T)
    np.testing.assert_allclose(x, mu + (x[:, :1] - mu) * (1 - DT / tau) ** k, rtol=1e-12)


def test_ou_ensemble_mean_and_variance():
    mu, sigma, tau, dt, n = 1.5, 0.4, 2.0, 0.1, 4000
    x = OrnsteinUhlenbeckProcess(mu, sigma, tau, n=n, seed=5).as_array(20.0, dt)
    a = 1.0 - dt / tau
    k = np.arange(x.shape[1])
    # x_0 = mu·U(0,1): mean mu/2, variance mu²/12; the linear recursion carries both forward exactly
    mean = mu + (mu / 2 - mu) * a**k
    var = a ** (2 * k) * mu**2 / 12 + sigma**2 * dt * (1 - a ** (2 * k)) / (1 - a**2)
    se_mean = np.sqrt(var / n)
    assert np.all(np.abs(x.mean(axis=0) - mean) < 5 * se_mean)
    # variance of a sample of 4000: relative standard error sqrt(2/n) ≈ 2.2 % (x_0 is uniform: a bit less)
    np.testing.assert_allclose(x.var(axis=0)[50:], var[50:], rtol=0.12)
    np.testing.assert_allclose(x[:, -50:].var(), sigma**2 * tau / (2 - dt / tau), rtol=0.04)  # stationary


def test_ou_per_node_parameters():
    mu = np.array([0.0, 5.0])
    x = OrnsteinUhlenbeckProcess(mu, 0.0, np.array([1.0, 10.0]), n=2, seed=0).as_array(DURATION, DT)
    np.testing.assert_array_equal(x[0], 0.0)
    np.testing.assert_allclose(x[1, 1:], x[1, :-1] + DT * (5.0 - x[1, :-1]) / 10.0, rtol=1e-12)


# ---- sums and concatenations --------------------------------------------------------------------------------------
def test_sum():
    a, b = SinusoidalInput(0.3, 20.0, n=2, start=2.0), StepInput(0.5, n=2, start=7.0)
    c = OrnsteinUhlenbeckProcess(0.1, 0.0, 2.0, n=2, seed=1)
    total = a + (b + c)
    assert isinstance(total, SummedStimulus) and len(total) == 3 and total.n == 2
    assert [type(p) for p in total] == [SinusoidalInput, StepInput, OrnsteinUhlenbeckProcess]
    expected = (
        a.as_array(DURATION, DT)
        + b.as_array(DURATION, DT)
        + OrnsteinUhlenbeckProcess(0.1, 0.0, 2.0, n=2, seed=1).as_array(DURATION, DT)
    )
    np.testing.assert_allclose(total.as_array(DURATION, DT), expected, rtol=1e-12)
    assert len((a + b) + (b + c)) == 4


def test_concatenation():
    one, zero = StepInput(1.0, n=2), ZeroInput(n=2)
    x = ConcatenatedStimulus([one, zero], length_ratios=[1, 3]).as_array(DURATION, DT)
    np.testing.assert_array_equal(x[:, :25], 1.0)
    np.testing.assert_array_equal(x[:, 25:], 0.0)
    chain = one & zero & StepInput(2.0, n=2)
    assert isinstance(chain, ConcatenatedStimulus) and len(chain) == 3 and chain.length_ratios == [1, 1, 1]
    longer = SinusoidalInput(1.0, 5.0, n=2) & ConcatenatedStimulus([one, zero], [2, 1])
    assert len(longer) == 3 and longer.length_ratios == [1, 2, 1]
    # each part runs on its own clock: an exponential part spans its part, a part's start counts from its beginning
    ramp = ExponentialInput(1.0, exp_coef=3.0, exp_type="decay")
    y = (ZeroInput() & ramp).as_array(DURATION, DT)[0]
    np.testing.assert_allclose(y[50:], ramp.as_array(5.0, DT)[0], rtol=1e-12)
    late = (ZeroInput() & StepInput(1.0, start=1.0)).as_array(DURATION, DT)[0]
    np.testing.assert_array_equal(late[:60], 0.0)
    np.testing.assert_array_equal(late[60:], 1.0)


def test_concatenation_is_cut_to_duration():
    # three parts of 10/3 ms: ceil(33.3) = 34 rows each, 102 in all, cut to 100
    x = (StepInput(1.0) & StepInput(2.0) & StepInput(3.0)).as_array(DURATION, DT)[0]
    assert x.shape == (T,)
    np.testing.assert_array_equal(x[:34], 1.0)
    np.testing.assert_array_equal(x[34:68], 2.0)
    np.testing.assert_array_equal(x[68:], 3.0)


def test_rectified_input():
    amp = 0.2
    rect = RectifiedInput(amp, n=2)
    assert isinstance(rect, ConcatenatedStimulus) and len(rect) == 5 and rect.n == 2
    assert rect.length_ratios == [0.5, 2.5, 0.5, 1.5, 1.0]
    x = rect.as_array(60.0, DT)[0]  # parts of 5, 25, 5, 15 and 10 ms
    np.testing.assert_allclose(x[:50], -amp)
    t = DT * np.arange(1, 251)
    # the part is (A - A e^{-ct/t_end}) + (-A): cancellation leaves absolute errors of ~1e-17
    np.testing.assert_allclose(x[50:300], -amp * np.exp(-12.5 * t / t[-1]), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(x[300:350], amp)
    np.testing.assert_allclose(x[350:500], amp * np.exp(-7.5 * t[:150] / t[149]), rtol=1e-12)
    np.testing.assert_array_equal(x[500:], 0.0)


def test_n_propagates_and_must_agree():
    beast = (SquareInput(0.2, 20.0, n=2) + SinusoidalInput(0.1, 10.0, n=2)) & (StepInput(0.5, n=2) + WienerProcess(n=2))
    assert beast.n == 2 and all(isinstance(p, SummedStimulus) for p in beast)
    beast.n = 5
    assert beast.n == 5 and beast.as_array(DURATION, DT).shape == (5, T)
    beast.update_params({"input_0": {"input_1": {"n": 3}}})  # parts must agree on n again before use
    for error in both_errors("same n"):
        with error:
            beast.as_array(DURATION, DT)
    for error in both_errors("same n"):
        with error:
            StepInput(1.0, n=2) + StepInput(1.0, n=3)
    for error in both_errors("same n"):
        with error:
            StepInput(1.0, n=2) & ZeroInput(n=3)


# ---- parameters ---------------------------------------------------------------------------------------------------
def test_get_and_update_params():
    sin = SinusoidalInput(amplitude=2.3, frequency=10.0, start=2.0, end=8.0, n=2, seed=42)
    params = sin.get_params()
    assert params == {
        "type": "SinusoidalInput",
        "amplitude": 2.3,
        "frequency": 10.0,
        "dc_bias": False,
        "start": 2.0,
        "end": 8.0,
        "n": 2,
        "seed": 42,
    }
    sin.update_params({"amplitude": 4.0, "start": "None", "unknown": 1})
    assert sin.amplitude == 4.0 and sin.start is None and not hasattr(sin, "unknown")
    np.testing.assert_array_equal(sin.as_array(DURATION, DT)[:, :20] != 0, True)  # starts at once now
    assert ZeroInput(n=2, seed=4).get_params() == {"type": "ZeroInput", "n": 2, "seed": 4}
    summed = sin + StepInput(1.0, n=2)
    nested = summed.get_params()
    assert nested["type"] == "SummedStimulus" and nested["input_1"] == summed[1].get_params()
    summed.update_params({"input_1": {"step_size": 3.0}})
    assert summed[1].step_size == 3.0
    assert "StepInput(step_size=3.0" in repr(summed)


def test_subclassing_input():
    class Ramp(Input):
        def __init__(self, slope, n=1, seed=None):
            self.slope = slope
            super().__init__(n=n, seed=seed)

        def generate_input(self, duration, dt):
            t = dt * np.arange(1, round(duration / dt) + 1)
            return np.tile(self.slope * t, (self.n, 1))

    ramp = Ramp(2.0, n=2)
    assert ramp.get_params() == {"type": "Ramp", "slope": 2.0, "n": 2, "seed": None}
    x = (ramp + StepInput(1.0, n=2)).as_array(1.0, 0.1)
    np.testing.assert_allclose(x[0], 1.0 + 2.0 * 0.1 * np.arange(1, 11))
    with pytest.raises(NotImplementedError, match="generate_input"):
        Stimulus(start=1.0).as_array(DURATION, DT)


def test_subclassing_stimulus_with_neurolibs_hooks():
    class Cosine(Stimulus):
        # the way neurolib's own waveforms are written: _get_times, then _trim_stim
        def __init__(self, amplitude, start=None, end=None, n=1, seed=None):
            self.amplitude = amplitude
            super().__init__(start=start, end=end, n=n, seed=seed)

        def generate_input(self, duration, dt):
            self._get_times(duration, dt)
            return self._trim_stim(np.tile(self.amplitude * np.cos(self.times), (self.n, 1)))

    x = Cosine(2.0, start=2.0, end=8.0, n=2).as_array(DURATION, DT)
    np.testing.assert_array_equal(x[:, :20], 0.0)
    np.testing.assert_array_equal(x[:, 80:], 0.0)
    np.testing.assert_allclose(x[:, 20:80], 2.0 * np.cos(np.tile(TIMES[:60], (2, 1))), rtol=1e-12)
    np.testing.assert_array_equal(x != 0, StepInput(1.0, start=2.0, end=8.0, n=2).as_array(DURATION, DT) != 0)
    with pytest.raises(ValueError, match="_get_times"):
        Cosine(1.0)._trim_stim(np.ones((1, T)))


# ---- splines and models -------------------------------------------------------------------------------------------
def test_cubic_splines():
    chspy = pytest.importorskip("chspy")
    values = WienerProcess(n=2, seed=42).as_array(DURATION, DT)
    spline = WienerProcess(n=2, seed=42).as_cubic_splines(DURATION, DT, shift_start_time=5.0)
    assert isinstance(spline, chspy.CubicHermiteSpline) and len(spline) == T
    assert spline[0].time == 5.0 + DT
    for k in (0, 37, T - 1):  # a Hermite spline passes through its anchors
        np.testing.assert_allclose(spline.get_state(5.0 + TIMES[k]), values[:, k], rtol=1e-12)
    conc = (StepInput(1.0) & StepInput(2.0)).as_cubic_splines(DURATION, DT)
    assert len(conc) == 2 * 50 and conc[50].time == pytest.approx(5.0 + DT)
    summed = (StepInput(1.0) + StepInput(2.0)).as_cubic_splines(DURATION, DT)
    np.testing.assert_allclose(summed.get_state(3.05), [3.0])


def test_cubic_splines_without_chspy(monkeypatch):
    monkeypatch.setitem(sys.modules, "chspy", None)  # import chspy now fails
    with pytest.raises(ImportError, match="pip install chspy"):
        StepInput(1.0).as_cubic_splines(DURATION, DT)


def test_to_model():
    from jaxbrain.compat import HopfModel

    model = HopfModel(Cmat=np.ones((3, 3)) - np.eye(3), Dmat=np.zeros((3, 3)))
    model.params["duration"] = 20.0
    stim = SinusoidalInput(amplitude=1.0, frequency=50.0)
    x = stim.to_model(model)
    assert stim.n == 3 and x.shape == (3, int(20.0 / model.params["dt"]))
    model.params["x_ext"] = x
    model.run()
    assert np.all(np.isfinite(model.x))
    with pytest.raises(TypeError, match="model"):
        stim.to_model(object())


# ---- bad input ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: StepInput(1.0, start=DURATION), "start"),
        (lambda: StepInput(1.0, end=DURATION + 1.0), "end"),
        (lambda: ExponentialInput(1.0, exp_type="up"), "exp_type"),
        (lambda: ConcatenatedStimulus([ZeroInput(), ZeroInput()], length_ratios=[1]), "length_ratios"),
        (lambda: ConcatenatedStimulus([ZeroInput()], length_ratios=[0]), "length_ratios"),
    ],
)
def test_neurolib_assertions(make, match):
    for error in both_errors(match):
        with error:
            make().as_array(DURATION, DT)


def test_neurolib_type_assertions():
    for error in (TypeError, AssertionError):
        with pytest.raises(error, match="inputs"):
            SummedStimulus([StepInput(1.0), 2.0])
        with pytest.raises(error, match="model"):
            StepInput(1.0).to_model("hopf")


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: ZeroInput(n=0), ValueError, "n must"),
        (lambda: ZeroInput(n=2.0), ValueError, "n must"),
        (lambda: WienerProcess(seed=-1), ValueError, "seed"),
        (lambda: StepInput("big"), TypeError, "step_size"),
        (lambda: SinusoidalInput(1.0, -5.0), ValueError, "frequency"),
        (lambda: LinearRampInput(1.0, 0.0), ValueError, "ramp_length"),
        (lambda: OrnsteinUhlenbeckProcess(0.0, 1.0, -1.0), ValueError, "tau"),
        (lambda: OrnsteinUhlenbeckProcess(0.0, -1.0, 1.0), ValueError, "sigma"),
        (lambda: StepInput(1.0, start=-1.0), ValueError, "start"),
        (lambda: SummedStimulus(StepInput(1.0)), TypeError, "inputs"),
        (lambda: SummedStimulus([StepInput(1.0), 2.0]), TypeError, "inputs"),
        (lambda: StepInput(1.0).as_array(0.0, DT), ValueError, "duration"),
        (lambda: StepInput(1.0).as_array(DURATION, float("nan")), ValueError, "dt"),
        (lambda: WienerProcess().as_array(-1.0, DT), ValueError, "duration"),
        (lambda: StepInput(1.0).update_params([("step_size", 2.0)]), TypeError, "params_dict"),
    ],
)
def test_bad_input(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_float64_without_global_x64():
    # compat generates in float64 whatever JAX's global setting (neurolib computes in float64)
    code = (
        "import jax, numpy as np\n"
        "from jaxbrain.compat.utils.stimulus import SinusoidalInput, OrnsteinUhlenbeckProcess\n"
        "t = 0.1 * np.arange(1, 101)\n"
        "x = SinusoidalInput(1.0, 33.0).as_array(10.0, 0.1)[0]\n"
        "y = OrnsteinUhlenbeckProcess(1.0, 0.0, 3.0, seed=1).as_array(10.0, 0.1)[0]\n"
        "ref = 1.0 + (y[0] - 1.0) * (1 - 0.1 / 3.0) ** np.arange(100)\n"
        "print(x.dtype, y.dtype, np.abs(x - np.sin(2 * np.pi * 33.0 * t / 1000)).max() < 1e-14,\n"
        "      np.abs(y - ref).max() < 1e-13, jax.config.jax_enable_x64)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["float64", "float64", "True", "True", "False"]


def test_construct_stimulus_builds_neurolibs_older_patterns():
    from jaxbrain.compat.utils.stimulus import construct_stimulus

    # dc: bias before, bias + amp for 1 s, bias after, repeated to duration / dt samples; negatives set to 0
    dc = construct_stimulus("dc", duration=50.0, dt=1.0, stim_amp=0.5, stim_bias=0.1, nostim_before=3, nostim_after=2)
    period = np.r_[[0.1] * 3, [0.6] * 1000, [0.1] * 2]
    np.testing.assert_allclose(dc, period[:50])
    assert construct_stimulus("dc", duration=10.0, dt=1.0, stim_amp=-1.0).max() == 0.0
    # ac: sin from pi down to -pi over 1000 / dt / f samples, endpoints included
    ac = construct_stimulus("ac", duration=40.0, dt=1.0, stim_amp=2.0, stim_freq=50.0, stim_bias=1.0)
    one = 1.0 + 2.0 * np.sin(np.linspace(np.pi, -np.pi, 20))
    np.testing.assert_allclose(ac, np.r_[one, one], atol=1e-12)
    # rect: -A, relaxing -A e^{-c}, +A, decaying A e^{-c}, 0, over sixths E of the samples (c grows by 5/E a sample)
    rect = construct_stimulus("rect", duration=600.0, dt=1.0, stim_amp=0.3)
    epoch = 100
    np.testing.assert_allclose(rect[:50], -0.3)
    np.testing.assert_allclose(rect[50:300], -0.3 * np.exp(-0.05 * np.arange(250)))
    np.testing.assert_allclose(rect[300:350], 0.3)
    np.testing.assert_allclose(rect[350:500], 0.3 * np.exp(-0.05 * np.arange(150)))
    np.testing.assert_allclose(rect[5 * epoch :], 0.0)
    with pytest.raises(ValueError, match='stim must be "ac", "dc" or "rect"'):
        construct_stimulus("square")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        (dict(nostim_before=-5), "nostim_before must be a number of ms >= 0"),
        (dict(nostim_after=float("nan")), "nostim_after must be a number of ms >= 0"),
        (dict(stim="ac", n_periods=0), "n_periods must be a positive int"),
        (dict(stim_amp=float("inf")), "stim_amp must be a finite number"),
        (dict(dt=0.0), "dt must be a positive"),
    ],
)
def test_construct_stimulus_refuses_bad_arguments(kwargs, fragment):
    from jaxbrain.compat.utils.stimulus import construct_stimulus

    with pytest.raises((ValueError, TypeError), match=fragment):
        construct_stimulus(**dict(dict(duration=100.0), **kwargs))
