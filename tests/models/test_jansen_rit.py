"""Jansen–Rit model: alpha rhythm, analytic fixed point, coupling through the sigmoid, output, per-node params."""

import jax.numpy as jnp
import numpy as np
from conftest import check_per_node_params
from scipy.optimize import brentq

from jaxbrain import Connectome, simulate
from jaxbrain.models import jansen_rit as jr_model

# One run length, sampled every step, for every simulation here: they then share two compilations (1 and 3 nodes).
DURATION = 3000.0


def _sig(v, p):
    return 2 * p.e0 / (1 + np.exp(p.r * (p.v0 - v)))


def _fixed_point(p, extra_input=0.0):
    """Steady state from y3 = y4 = y5 = 0: one equation in v = y1 − y2 (Jansen & Rit eq. 6 at rest)."""

    def parts(v):
        y0 = p.A / p.a * _sig(v, p)
        y1 = p.A / p.a * (p.p + extra_input + p.C * p.c2 * _sig(p.C * p.c1 * y0, p))
        y2 = p.B / p.b * p.C * p.c4 * _sig(p.C * p.c3 * y0, p)
        return y0, y1, y2

    def excess(v):
        _, y1, y2 = parts(v)
        return y1 - y2 - v

    grid = np.linspace(-20.0, 40.0, 6001)
    sign = np.sign(excess(grid))
    brackets = np.nonzero(sign[:-1] != sign[1:])[0]
    roots = [brentq(excess, grid[i], grid[i + 1], xtol=1e-14) for i in brackets]
    return [(v,) + parts(v) for v in roots]


def test_alpha_rhythm_at_standard_input(key):
    # Jansen & Rit (1995): with p = 220 pulses/s the column oscillates in the alpha band (~10 Hz).
    res = simulate(jr_model.model, jr_model.Params(), key=key, duration=DURATION)
    v = np.asarray(res.outputs["v"][10000:, 0])  # the last 2 s, sampled every 0.1 ms
    freqs = np.fft.rfftfreq(len(v), 1e-4)
    power = np.abs(np.fft.rfft(v - v.mean())) ** 2
    peak = freqs[np.argmax(power)]
    assert 8.0 <= peak <= 12.0, peak
    assert np.ptp(v) > 2.0  # a real oscillation of a few mV (≈ 3.4 mV), not a decaying transient
    # The fixed point at this input exists but is unstable: the trajectory keeps away from it.
    (rest,) = _fixed_point(jr_model.Params())
    assert np.min(np.abs(v - rest[0])) < 0.5 and np.max(np.abs(v - rest[0])) > 1.0
    # The output v is y1 − y2 (project resets it after every step). Inside the compiled step XLA may recompute
    # y1 and y2 per fusion, rounding differently, so this holds to a few ulps of y1 and y2, not bit for bit.
    y1, y2 = np.asarray(res.outputs["y1"]), np.asarray(res.outputs["y2"])
    assert np.all(np.abs(np.asarray(res.outputs["v"]) - (y1 - y2)) <= 4 * np.spacing(np.maximum(abs(y1), abs(y2))))


def test_low_input_converges_to_the_analytic_fixed_point(key):
    # At p = 50 pulses/s there are three fixed points; the low-activity one (v < 0) is the stable node.
    p = jr_model.Params(p=0.05)
    states = _fixed_point(p)
    assert len(states) == 3
    v, y0, y1, y2 = states[0]
    res = simulate(jr_model.model, p, key=key, duration=DURATION)
    for name, ref in zip(("v", "y0", "y1", "y2"), (v, y0, y1, y2)):
        np.testing.assert_allclose(res.outputs[name][-1, 0], ref, rtol=1e-9, atol=1e-12)
    assert np.ptp(np.asarray(res.outputs["v"][-2000:, 0])) < 1e-9


def test_coupling_adds_the_source_firing_rate_to_p(key):
    # Node 0 reads node 1 (weight w); both sit at fixed points, so node 0 must rest where an isolated
    # node with input p + K_gl·w·S(v_1*) rests: the network input is the sigmoid of y1 − y2, added to p.
    p = jr_model.Params(p=0.05, K_gl=100.0)
    w = 0.7
    net = Connectome(np.array([[0.0, w, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))  # node 2: a bystander
    res = simulate(jr_model.model, p, net, key=key, duration=DURATION)
    v1 = _fixed_point(p)[0][0]  # both on the stable low-activity branch
    v0 = _fixed_point(p, extra_input=p.K_gl * w * _sig(v1, jr_model.Params()))[0][0]
    np.testing.assert_allclose(res.outputs["v"][-1], [v0, v1, v1], rtol=1e-9)
    assert abs(v0 - v1) > 0.1


def test_bold_drive_is_the_pyramidal_rate_in_hz():
    v = jnp.array([-100.0, 6.0, 100.0])
    np.testing.assert_allclose(jr_model.model.bold_input(v), [0.0, 2.5, 5.0], atol=1e-12)


def test_initial_state_is_consistent(key):
    s = jr_model.init_state(key, 500, jr_model.Params(), jnp.float64)
    np.testing.assert_array_equal(s.v, s.y1 - s.y2)
    assert float(jnp.max(jnp.abs(jnp.stack([s.y3, s.y4, s.y5])))) == 0.0
    assert 0.0 <= float(s.y1.min()) and float(s.y1.max()) <= 25.0


def test_per_node_parameters_equal_separate_runs(key):
    zero = np.zeros(3)
    y1 = np.array([10.0, 20.0, 15.0])
    y2 = np.array([5.0, 12.0, 8.0])
    check_per_node_params(
        jr_model.model,
        dict(p=np.array([0.05, 0.22, 0.3]), A=np.array([3.0, 3.25, 3.5])),
        jr_model.State(np.array([0.05, 0.1, 0.08]), y1, y2, zero, zero, zero, y1 - y2),
        key,
        duration=DURATION,
    )
