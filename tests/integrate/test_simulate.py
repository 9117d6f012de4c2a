"""The simulation driver: time grid, exact delays, chunking, continuation, batching, vmap, grad, errors."""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from conftest import tree_allclose

from jaxbrain import Connectome, Dataset, simulate
from jaxbrain.metrics import fc, matrix_correlation
from jaxbrain.models import NeuralMass, fhn, hopf
from jaxbrain.network import additive

NOISY = hopf.Params(sigma_ou=0.1)


@pytest.fixture(scope="module")
def ds():
    return Dataset("gw")


@pytest.fixture(scope="module")
def net20(ds):
    return Connectome(ds.Cmat[:20, :20], ds.Dmat[:20, :20])


@pytest.fixture(scope="module")
def base(net20):
    """300 ms of noisy Hopf on 20 gw regions, full resolution and subsampled at 1 ms."""
    full = simulate(hopf.model, NOISY, net20, key=jr.key(3), duration=300.0, bold=True)
    sub = simulate(hopf.model, NOISY, net20, key=jr.key(3), duration=300.0, sampling_dt=1.0)
    return full, sub


# ---- time grid ---------------------------------------------------------------------------------


def test_time_grid(base):
    full, sub = base
    assert full.outputs["x"].shape == (3000, 20)
    assert full.t[0] == 0.1
    np.testing.assert_allclose(full.t, (np.arange(3000) + 1) * 0.1, rtol=1e-13, atol=0)
    assert sub.outputs["x"].shape == (300, 20)
    np.testing.assert_allclose(sub.t, 0.1 + np.arange(300) * 1.0, rtol=1e-13, atol=0)
    np.testing.assert_array_equal(sub.t, full.t[::10])  # NumPy arithmetic on both sides
    # Two programs (subsampled, and full with BOLD) may round differently: float64 agreement, not bit equality.
    assert tree_allclose(sub.outputs, {k: v[::10] for k, v in full.outputs.items()}, rtol=1e-12, atol=1e-12)


def test_duration_rounding(key):
    # 22.3 ms at dt 0.1 is 223 steps (spec §1.2).
    res = simulate(hopf.model, None, key=key, duration=22.3)
    assert res.outputs["x"].shape == (223, 1)
    np.testing.assert_allclose(res.t[-1], 22.3, rtol=1e-12, atol=0)


# ---- delays: an exact shifted signal -------------------------------------------------------------


class _ProbeParams(NamedTuple):
    K_gl: float = 1.0
    tau_ou: float = 5.0
    sigma_ou: float = 0.0


class _ProbeState(NamedTuple):
    x: jnp.ndarray  # node 0 integrates its external input
    c: jnp.ndarray  # c_new = c + dt·(coupling − c) = coupling exactly at dt = 1 for integer values


def _probe_dfun(state, inputs, p):
    return _ProbeState(inputs.external[0], p.K_gl * inputs.coupling[0] - state.c)


PROBE = NeuralMass(
    name="probe",
    Params=_ProbeParams,
    State=_ProbeState,
    dfun=_probe_dfun,
    init_state=lambda key, n, p, dtype=jnp.float64: _ProbeState(jnp.zeros((n,), dtype), jnp.zeros((n,), dtype)),
    coupled=lambda s: (s.x,),
    coupling=additive,
    noise_vars=("x_ou",),
    ou_mean=lambda p: (0.0,),
    input_vars=("x_ext",),
    output_vars=("x", "c"),
    default_output="x",
)


def _probe_run(d, chunksize=None, history=None, n_steps=60):
    """Node 1 receives node 0 with a delay of ``d`` steps (dt = 1 ms, speed 1 mm/ms, length d mm)."""
    rng = np.random.default_rng(d)
    ext = np.zeros((n_steps, 2))
    ext[:, 0] = rng.integers(-5, 6, n_steps)
    lengths = np.array([[0.0, 0.0], [float(d), 0.0]])
    net = Connectome(np.array([[0.0, 0.0], [1.0, 0.0]]), lengths)
    init = _ProbeState(np.array([3.0, 0.0]), np.array([0.0, 0.0]))
    res = simulate(
        PROBE,
        None,
        net,
        key=jr.key(0),
        duration=float(n_steps),
        dt=1.0,
        signalV=1.0,
        initial=init,
        inputs={"x_ext": ext},
        chunksize=chunksize,
        history=history,
    )
    return res, ext


@pytest.mark.parametrize("d", [0, 1, 5, 17])
@pytest.mark.parametrize("chunksize", [None, 7])
def test_delay_buffer_reproduces_shifted_signal(d, chunksize):
    res, ext = _probe_run(d, chunksize)
    x0 = np.asarray(res.outputs["x"][:, 0])
    np.testing.assert_array_equal(x0, 3.0 + np.cumsum(ext[:, 0]))  # integers: exact
    received = np.asarray(res.outputs["c"][:, 1])
    # Step k reads column k − 1 − d; columns < 0 are the constant past (the initial value 3).
    expected = np.array([x0[k - 1 - d] if k - 1 - d >= 0 else 3.0 for k in range(len(x0))])
    np.testing.assert_array_equal(received, expected)
    np.testing.assert_array_equal(np.asarray(res.outputs["c"][:, 0]), 0.0)


def test_delay_history_is_read_oldest_first():
    d = 5
    hist_x = np.stack([np.arange(100.0, 100.0 + d + 1), np.zeros(d + 1)], axis=1)  # (T_hist, N), oldest first
    res, _ = _probe_run(d, history=_ProbeState(hist_x, None))
    x0 = np.asarray(res.outputs["x"][:, 0])
    received = np.asarray(res.outputs["c"][:, 1])
    # Column −j is hist_x[−j].
    expected = np.array([x0[k - 1 - d] if k - 1 - d >= 0 else hist_x[k - 1 - d, 0] for k in range(len(x0))])
    np.testing.assert_array_equal(received, expected)


# ---- chunking and continuation --------------------------------------------------------------------


@pytest.mark.parametrize("chunksize", [370])
def test_chunked_equals_unchunked(base, net20, chunksize):
    full, _ = base
    res = simulate(hopf.model, NOISY, net20, key=jr.key(3), duration=300.0, bold=True, chunksize=chunksize)
    assert tree_allclose(res.outputs, full.outputs, rtol=1e-12, atol=1e-12)
    assert tree_allclose(res.bold, full.bold, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(res.t, full.t)
    np.testing.assert_array_equal(res.t_bold, full.t_bold)
    assert tree_allclose(res.final.state, full.final.state, rtol=1e-12, atol=1e-12)


def test_chunk_of_one_step(net20):
    net = Connectome(np.asarray(net20.weights)[:4, :4], np.asarray(net20.lengths)[:4, :4] / 10)
    a = simulate(hopf.model, NOISY, net, key=jr.key(3), duration=20.0, bold=True)
    b = simulate(hopf.model, NOISY, net, key=jr.key(3), duration=20.0, bold=True, chunksize=1)
    assert tree_allclose(a.outputs, b.outputs, rtol=1e-12, atol=1e-12)
    assert tree_allclose(a.bold, b.bold, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(a.t_bold, b.t_bold)


def test_chunked_with_sampling(base, net20):
    _, sub = base
    res = simulate(hopf.model, NOISY, net20, key=jr.key(3), duration=300.0, sampling_dt=1.0, chunksize=370)
    assert tree_allclose(res.outputs, sub.outputs, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(res.t, sub.t)


@pytest.fixture(scope="module")
def two_halves(ds):
    net = Connectome(ds.Cmat[:5, :5], ds.Dmat[:5, :5])
    p = hopf.Params(sigma_ou=0.1)
    one = simulate(hopf.model, p, net, key=jr.key(11), duration=4000.0, bold=True, chunksize=3700)
    a = simulate(hopf.model, p, net, key=jr.key(11), duration=2000.0, bold=True)
    b = simulate(hopf.model, p, net, key=jr.key(11), duration=2000.0, bold=True, initial=a.final)
    return one, a, b


def test_continuation_equals_one_run(two_halves):
    one, a, b = two_halves
    np.testing.assert_allclose(np.concatenate([a.t, b.t]), one.t, rtol=1e-13, atol=0)
    for name in ("x", "y"):
        np.testing.assert_allclose(
            np.concatenate([a.outputs[name], b.outputs[name]]), one.outputs[name], rtol=1e-12, atol=1e-12
        )
    assert one.bold.shape == (2, 5) and a.bold.shape == (1, 5) and b.bold.shape == (1, 5)
    np.testing.assert_allclose(np.concatenate([a.bold, b.bold]), one.bold, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.concatenate([a.t_bold, b.t_bold]), [0.1, 2000.1], rtol=1e-12, atol=0)
    np.testing.assert_allclose(one.t_bold, [0.1, 2000.1], rtol=1e-12, atol=0)


def test_result_xr(two_halves):
    one, _, _ = two_halves
    ds = one.xr()
    assert ds["x"].dims == ("time", "node")
    assert ds["BOLD"].dims == ("time_bold", "node")
    np.testing.assert_array_equal(ds["x"].values, np.asarray(one.outputs["x"]))
    np.testing.assert_array_equal(ds["BOLD"].values, np.asarray(one.bold))
    np.testing.assert_array_equal(ds["time"].values, one.t)
    np.testing.assert_array_equal(ds["time_bold"].values, one.t_bold)
    assert list(ds["node"].values) == list(one.labels)


# ---- batches and vmap ----------------------------------------------------------------------------

KS = jnp.array([0.0, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.5])


@pytest.fixture(scope="module")
def singles(net20):
    keys = jr.split(jr.key(5), 8)
    runs = [simulate(hopf.model, NOISY._replace(K_gl=KS[i]), net20, key=keys[i], duration=100.0) for i in range(8)]
    return keys, np.stack([np.asarray(r.outputs["x"]) for r in runs])


def test_batched_equals_separate_runs(net20, singles):
    keys, expected = singles
    res = simulate(hopf.model, NOISY._replace(K_gl=KS), net20, key=keys, duration=100.0, batched=True)
    assert res.outputs["x"].shape == (8, 1000, 20)
    assert res.ok.shape == (8,) and bool(np.all(res.ok))
    np.testing.assert_allclose(res.outputs["x"], expected, rtol=1e-12, atol=1e-12)


def test_vmap_equals_separate_runs(net20, singles):
    keys, expected = singles

    def run(K, k):
        return simulate(hopf.model, NOISY._replace(K_gl=K), net20, key=k, duration=100.0).outputs["x"]

    out = jax.vmap(run)(KS, keys)
    assert out.shape == (8, 1000, 20)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_shared_key_gives_common_random_numbers(net20):
    Ks = jnp.array([0.2, 0.2, 0.9, 0.9])
    res = simulate(hopf.model, NOISY._replace(K_gl=Ks), net20, key=jr.key(9), duration=50.0, batched=True)
    x = np.asarray(res.outputs["x"])
    # Members of one batch sit in different vector lanes, which need not round alike: the same noise shows as
    # agreement to float64 rounding (different noise differs by ~0.1).
    np.testing.assert_allclose(x[0], x[1], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(x[2], x[3], rtol=1e-12, atol=1e-12)
    assert not np.allclose(x[0], x[2])
    single = simulate(hopf.model, NOISY._replace(K_gl=0.9), net20, key=jr.key(9), duration=50.0)
    np.testing.assert_allclose(x[2], single.outputs["x"], rtol=1e-12, atol=1e-12)


# ---- gradients -----------------------------------------------------------------------------------


def _fit_loss(net, fc_emp, **kw):
    def loss(K):
        res = simulate(hopf.model, NOISY._replace(K_gl=K), net, key=jr.key(1), **kw)
        signal = res.bold[5:] if kw.get("bold") else res.outputs["x"]
        return 1.0 - matrix_correlation(fc(signal), fc_emp)

    return loss


def _check_grad(loss, K=0.6, h=1e-4):
    g = float(jax.grad(loss)(K))
    fd = float((loss(K + h) - loss(K - h)) / (2 * h))
    assert np.isfinite(g)
    assert abs(fd) > 1e-6  # the check is not vacuous
    np.testing.assert_allclose(g, fd, rtol=1e-3, atol=0)


def test_grad_of_fc_fit_matches_finite_difference(ds):
    net = Connectome(ds.Cmat[:10, :10], ds.Dmat[:10, :10])
    _check_grad(_fit_loss(net, jnp.asarray(ds.FCs[0][:10, :10]), duration=500.0, sampling_dt=1.0))


@pytest.mark.slow
def test_grad_of_bold_fc_fit_matches_finite_difference(ds):
    net = Connectome(ds.Cmat[:20, :20], ds.Dmat[:20, :20])
    _check_grad(_fit_loss(net, jnp.asarray(ds.FCs[0][:20, :20]), duration=30000.0, bold=True, outputs=()))


# ---- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        (dict(params={"nope": 1.0}), ValueError, "nope"),
        (dict(sampling_dt=0.05), ValueError, "sampling_dt"),
        (dict(sampling_dt=0.15), ValueError, "sampling_dt"),
        (dict(duration=0.0), ValueError, "duration"),
        (dict(duration=-10.0), ValueError, "duration"),
        (dict(duration=10.5, sampling_dt=1.0), ValueError, "duration"),
        (dict(duration=10.05), ValueError, "duration"),
        (dict(key=0), TypeError, "key"),
        (dict(key=None), TypeError, "key"),
        (dict(model="nope"), ValueError, "nope"),
        (dict(inputs={"z_ext": np.zeros(100)}), ValueError, "z_ext"),
        (dict(inputs={"x_ext": np.zeros(99)}), ValueError, "x_ext"),
        (dict(inputs={"x_ext": np.zeros((100, 3))}), ValueError, "x_ext"),
        (dict(inputs={"x_ext": np.r_[np.zeros(99), np.nan]}), ValueError, "x_ext"),
        (dict(params=hopf.Params(a=np.nan)), ValueError, "'a'"),
        (dict(params=hopf.Params(w=np.inf)), ValueError, "'w'"),
        (dict(params=hopf.Params(a=np.zeros(3))), ValueError, "'a'"),
        (dict(params=fhn.Params()), TypeError, "Params"),
        (dict(connectome=np.zeros((2, 2))), TypeError, "connectome"),
    ],
)
def test_errors(kwargs, exc, match):
    args = dict(model="hopf", params=None, connectome=None, key=jr.key(0), duration=10.0)
    args.update(kwargs)
    model, params, connectome = args.pop("model"), args.pop("params"), args.pop("connectome")
    with pytest.raises(exc, match=match):
        simulate(model, params, connectome, **args)


# ---- divergence ----------------------------------------------------------------------------------


def test_divergence_is_reported(key):
    with pytest.warns(RuntimeWarning, match="run 0"):
        res = simulate(hopf.model, hopf.Params(a=1e6), key=key, duration=10.0)
    assert not bool(res.ok)


def test_divergence_names_the_batch_member(key):
    p = hopf.Params(a=jnp.array([0.25, 1e6, -0.1]))
    with pytest.warns(RuntimeWarning, match="run 1") as record:
        res = simulate(hopf.model, p, key=key, duration=10.0, batched=True)
    np.testing.assert_array_equal(res.ok, [True, False, True])
    message = str(record[0].message)
    assert "1 of 3" in message and "run 0" not in message and "run 2" not in message


# ---- precision -----------------------------------------------------------------------------------


def test_float32_tracks_float64_without_noise(net20):
    init = hopf.init_state(jr.key(0), 20, None, jnp.float64)
    a = simulate(hopf.model, None, net20, key=jr.key(0), duration=1000.0, initial=init)
    b = simulate(hopf.model, None, net20, key=jr.key(0), duration=1000.0, initial=init, dtype=jnp.float32)
    assert b.outputs["x"].dtype == jnp.float32
    xb = np.asarray(b.outputs["x"], np.float64)
    np.testing.assert_allclose(xb, a.outputs["x"], rtol=0, atol=1e-4)
    assert float(matrix_correlation(fc(a.outputs["x"]), fc(xb))) > 0.999999


def test_float32_agrees_with_float64_same_key(net20):
    """Same key, noise on: float32 should be the float64 run up to rounding (spec/performance.md: same noise,
    FC correlation 1.0). Fails if the key's draws depend on the dtype."""
    a = simulate(hopf.model, NOISY, net20, key=jr.key(0), duration=1000.0)
    b = simulate(hopf.model, NOISY, net20, key=jr.key(0), duration=1000.0, dtype=jnp.float32)
    assert b.outputs["x"].dtype == jnp.float32
    r = float(matrix_correlation(fc(a.outputs["x"]), fc(np.asarray(b.outputs["x"], np.float64))))
    assert r > 0.999, f"FC correlation float32 vs float64 with the same key: {r:.4f}"
