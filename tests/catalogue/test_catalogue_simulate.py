"""Bad input to ``simulate`` (and the memory helpers): each case a clear error naming what is wrong."""

import re
from unittest import mock

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from jaxbrain import Connectome, simulate
from jaxbrain.integrate import check_memory, estimate_bytes
from jaxbrain.models import aln, fhn, hopf, wc

KEY = jr.key(0)
ONE = np.array([0.1])


def _hopf(**kwargs):
    args = dict(key=KEY, duration=1.0)
    args.update(kwargs)
    params = args.pop("params", None)
    connectome = args.pop("connectome", None)
    return simulate("hopf", params, connectome, **args)


def _long_fibres():
    weights = np.ones((3, 3)) - np.eye(3)
    return Connectome(weights, 100.0 * weights)


def _on_a_small_machine(call, gib=4):
    """``call()`` as if only ``gib`` GiB were available (the refusal must not depend on this machine's memory)."""
    with mock.patch("jaxbrain.integrate._memory.memory_limit", return_value=gib * 2**30):
        return call()


def _continue_with_another_models_final():
    final = simulate("wc", key=KEY, duration=1.0).final
    return _hopf(initial=final)


def _continue_from_a_diverged_run():
    final = _hopf().final
    return _hopf(initial=final._replace(state=hopf.State(jnp.full((1, 1), jnp.nan), final.state.y)))


def _continue_from_a_result():
    return _hopf(initial=_hopf())


CASES = [
    # ---- numeric run settings: a real, finite, positive number; numpy scalars are fine (test below) ----
    pytest.param(lambda: _hopf(backend="fast"), ValueError, "unknown backend 'fast'; known:", id="backend-unknown"),
    pytest.param(lambda: _hopf(backend=b"xla"), TypeError, "backend must be a backend's name", id="backend-bytes"),
    pytest.param(lambda: _hopf(dt=0), ValueError, "dt must be a positive number of ms; got 0", id="dt-zero"),
    pytest.param(lambda: _hopf(dt=-0.1), ValueError, "dt must be a positive number", id="dt-negative"),
    pytest.param(lambda: _hopf(dt=np.float32(0.0)), ValueError, "dt must be a positive number", id="dt-np-zero"),
    pytest.param(lambda: _hopf(dt=np.nan), ValueError, "dt must be a finite number", id="dt-nan"),
    pytest.param(lambda: _hopf(dt=np.inf), ValueError, "dt must be a finite number", id="dt-inf"),
    pytest.param(lambda: _hopf(dt=True), TypeError, "dt must be a real number; got bool", id="dt-bool"),
    pytest.param(lambda: _hopf(dt=0.1 + 0j), TypeError, "dt must be a real number; got complex", id="dt-complex"),
    pytest.param(lambda: _hopf(dt="0.1"), TypeError, "dt must be a real number; got str", id="dt-string"),
    pytest.param(lambda: _hopf(dt=np.array([0.1])), TypeError, "dt must be a real number", id="dt-array"),
    pytest.param(lambda: _hopf(dt=None), TypeError, "dt must be a real number", id="dt-none"),
    pytest.param(lambda: _hopf(duration=0), ValueError, "duration must be a positive number", id="duration-zero"),
    pytest.param(lambda: _hopf(duration=np.int64(-10)), ValueError, "duration must be a positive", id="duration-neg"),
    pytest.param(lambda: _hopf(duration="10"), TypeError, "duration must be a real number", id="duration-string"),
    pytest.param(lambda: _hopf(duration=np.nan), ValueError, "duration must be a finite", id="duration-nan"),
    pytest.param(
        lambda: _hopf(duration=1e12, dt=1e-300), ValueError, "runs are limited to 2**31 steps", id="duration-steps"
    ),
    pytest.param(lambda: _hopf(sampling_dt=0), ValueError, "sampling_dt must be a positive", id="sampling-zero"),
    pytest.param(lambda: _hopf(sampling_dt=False), TypeError, "sampling_dt must be a real", id="sampling-bool"),
    pytest.param(lambda: _hopf(sampling_dt=0.05), ValueError, "sampling_dt must be >= dt", id="sampling-below-dt"),
    pytest.param(lambda: _hopf(chunksize=0), ValueError, "chunksize must be a positive number", id="chunk-zero"),
    pytest.param(lambda: _hopf(chunksize=2.5), ValueError, "chunksize must be a whole number", id="chunk-fraction"),
    pytest.param(lambda: _hopf(chunksize="5"), TypeError, "chunksize must be a real number", id="chunk-string"),
    pytest.param(lambda: _hopf(truncation=0), ValueError, "truncation must be a positive", id="truncation-zero"),
    pytest.param(lambda: _hopf(truncation=1.5), ValueError, "truncation must be a whole", id="truncation-fraction"),
    pytest.param(lambda: _hopf(signalV=np.nan), ValueError, "signalV must be a finite number", id="signalV-nan"),
    pytest.param(lambda: _hopf(signalV="fast"), TypeError, "signalV must be a real number", id="signalV-string"),
    pytest.param(
        lambda: _hopf(fractional_delays=True, signalV=0.0), ValueError, "positive, finite signalV", id="frac-speed"
    ),
    pytest.param(
        lambda: _hopf(fractional_delays=True, max_delay=-1.0),
        ValueError,
        "max_delay must be a non-negative",
        id="max-delay-negative",
    ),  # fmt: skip
    # ---- switches: True/False only ("False" is a true string) ----
    pytest.param(lambda: _hopf(bold="False"), TypeError, "bold must be True or False", id="bold-string"),
    pytest.param(lambda: _hopf(checkpoint=1), TypeError, "checkpoint must be True or False", id="checkpoint-int"),
    pytest.param(lambda: _hopf(batched="yes"), TypeError, "batched must be True or False", id="batched-string"),
    pytest.param(lambda: _hopf(progress=None), TypeError, "progress must be True or False", id="progress-none"),
    # ---- dtype: floating only ----
    pytest.param(lambda: _hopf(dtype="int32"), ValueError, "dtype must be a floating dtype", id="dtype-int"),
    pytest.param(lambda: _hopf(dtype="complex64"), ValueError, "dtype must be a floating dtype", id="dtype-complex"),
    pytest.param(lambda: _hopf(dtype=bool), ValueError, "dtype must be a floating dtype", id="dtype-bool"),
    pytest.param(lambda: _hopf(dtype="garbage"), TypeError, "dtype must be a floating dtype", id="dtype-garbage"),
    # ---- parameters: real, finite, in the model's declared range ----
    pytest.param(
        lambda: _hopf(params=hopf.Params(a=0.1 + 1j)),
        TypeError,
        "parameter 'a' of model 'hopf' must be a real",
        id="param-complex",
    ),  # fmt: skip
    pytest.param(
        lambda: _hopf(params=hopf.Params(w="fast")),
        TypeError,
        "parameter 'w' of model 'hopf' must be a real",
        id="param-string",
    ),  # fmt: skip
    pytest.param(
        lambda: _hopf(params=hopf.Params(a=True)),
        TypeError,
        "parameter 'a' of model 'hopf' must be a real",
        id="param-bool",
    ),  # fmt: skip
    pytest.param(
        lambda: _hopf(params=hopf.Params(tau_ou=-1.0)),
        ValueError,
        "parameter 'tau_ou' of model 'hopf' must be > 0; got -1.0",
        id="param-tau-ou-negative",
    ),  # fmt: skip
    pytest.param(
        lambda: _hopf(params=hopf.Params(tau_ou=0.0)),
        ValueError,
        "parameter 'tau_ou' of model 'hopf' must be > 0",
        id="param-tau-ou-zero",
    ),  # fmt: skip
    pytest.param(
        lambda: _hopf(params=hopf.Params(sigma_ou=-0.1)),
        ValueError,
        "parameter 'sigma_ou' of model 'hopf' must be >= 0",
        id="param-sigma-negative",
    ),  # fmt: skip
    pytest.param(
        lambda: _hopf(params=hopf.Params(sigma_ou=np.array([[0.1], [-0.1]])), batched=True),
        ValueError,
        "'sigma_ou' of model 'hopf' must be >= 0; got -0.1 at index (1, 0)",
        id="param-batched-leaf",
    ),  # fmt: skip
    pytest.param(
        lambda: simulate("wc", wc.Params(tau_exc=-2.5), key=KEY, duration=1.0),
        ValueError,
        "parameter 'tau_exc' of model 'wc' must be > 0",
        id="param-wc-tau",
    ),  # fmt: skip
    pytest.param(
        lambda: simulate("aln", aln.Params(Jei_max=3.3), key=KEY, duration=1.0),
        ValueError,
        "parameter 'Jei_max' of model 'aln' must be < 0",
        id="param-aln-inhibitory-sign",
    ),  # fmt: skip
    pytest.param(
        lambda: _hopf(params={"nope": 1.0}), ValueError, "unknown parameter name(s) ['nope']", id="param-name"
    ),  # fmt: skip
    pytest.param(lambda: _hopf(params=fhn.Params()), TypeError, "params must be hopf.Params", id="params-other-model"),
    # ---- initial values, history, OU: this model's, finite, below the divergence bound ----
    pytest.param(
        lambda: _hopf(initial=wc.State(ONE, ONE)),
        TypeError,
        "initial is a State of model 'wc' with fields ('exc', 'inh'); model 'hopf' needs its own State with fields "
        "('x', 'y')",
        id="initial-other-model-state",
    ),  # fmt: skip
    pytest.param(
        _continue_with_another_models_final,
        TypeError,
        "initial is the final SimState of a model with State fields ('exc', 'inh'); model 'hopf' has fields ('x', 'y')",
        id="initial-other-model-final",
    ),  # fmt: skip
    pytest.param(_continue_from_a_diverged_run, ValueError, "initial value 'x' contains NaN", id="initial-final-nan"),
    pytest.param(_continue_from_a_result, TypeError, "(result.final)", id="initial-result"),
    pytest.param(
        lambda: _hopf(initial=hopf.State(np.array([np.nan]), ONE)),
        ValueError,
        "initial value 'x' contains NaN",
        id="initial-nan",
    ),  # fmt: skip
    pytest.param(
        lambda: _hopf(initial=hopf.State(ONE, np.array([np.inf]))),
        ValueError,
        "initial value 'y' contains NaN or Inf",
        id="initial-inf",
    ),  # fmt: skip
    pytest.param(
        lambda: _hopf(initial=hopf.State(np.array([1e30]), ONE)),
        ValueError,
        "beyond the divergence bound 1e+20",
        id="initial-huge",
    ),  # fmt: skip
    pytest.param(
        lambda: _hopf(initial={"x": ONE}),
        ValueError,
        "missing: ['y']",
        id="initial-dict-missing",
    ),  # fmt: skip
    pytest.param(
        lambda: _hopf(initial={"x": ONE, "y": ONE, "z": ONE}), ValueError, "unknown: ['z']", id="initial-dict-unknown"
    ),
    pytest.param(lambda: _hopf(initial=(ONE,)), ValueError, "initial must have 2 values", id="initial-short-tuple"),
    pytest.param(
        lambda: _hopf(initial=np.zeros((2, 1))), TypeError, "initial must be a hopf.State", id="initial-array"
    ),  # fmt: skip
    pytest.param(
        lambda: _hopf(initial=hopf.State(np.zeros(3), ONE)),
        ValueError,
        "initial value 'x' must have shape (1,)",
        id="initial-shape",
    ),  # fmt: skip
    pytest.param(
        lambda: _hopf(initial=hopf.State(np.array(["a"]), ONE)),
        TypeError,
        "initial value 'x' must be real",
        id="initial-string",
    ),  # fmt: skip
    pytest.param(
        lambda: _hopf(history=wc.State(np.zeros((3, 1)), None)),
        TypeError,
        "history is a State of model 'wc'",
        id="history-other-model",
    ),  # fmt: skip
    pytest.param(
        lambda: _hopf(history=hopf.State(np.full((3, 1), np.nan), None)),
        ValueError,
        "history value 'x' contains NaN",
        id="history-nan",
    ),  # fmt: skip
    pytest.param(lambda: _hopf(ou=(np.nan, 0.0)), ValueError, "ou value 'x_ou' contains NaN", id="ou-nan"),
    pytest.param(lambda: _hopf(ou=(0.0,)), ValueError, "ou must have 2 channels", id="ou-count"),
    pytest.param(lambda: _hopf(ou="x_ou"), TypeError, "ou must be a tuple of initial OU values", id="ou-string"),
    pytest.param(lambda: _hopf(ou={"x_ou": 0.0}), ValueError, "missing: ['y_ou']", id="ou-dict-missing"),
    # ---- names: a sequence of names, never a string split into letters ----
    pytest.param(
        lambda: _hopf(outputs="xy"),
        TypeError,
        "outputs must be a sequence of names, e.g. ('x',); got the single string 'xy'",
        id="outputs-xy",
    ),  # fmt: skip
    pytest.param(
        lambda: simulate("aln", key=KEY, duration=1.0, outputs="rates_exc"),
        TypeError,
        "outputs must be a sequence of names, e.g. ('rates_exc',); got the single string",
        id="outputs-rates-exc",
    ),  # fmt: skip
    pytest.param(lambda: _hopf(outputs=("x", "x")), ValueError, "outputs names ['x'] more than once", id="outputs-dup"),
    pytest.param(lambda: _hopf(outputs=(1,)), TypeError, "outputs must hold names", id="outputs-not-names"),
    pytest.param(lambda: _hopf(outputs=("z",)), ValueError, "unknown output name(s) ['z']", id="outputs-unknown"),
    pytest.param(lambda: _hopf(outputs=3), TypeError, "outputs must be a sequence of names", id="outputs-number"),
    # ---- other arguments ----
    pytest.param(lambda: _hopf(key=0), TypeError, "key must be a JAX PRNG key", id="key-int"),
    pytest.param(lambda: _hopf(key="seed"), TypeError, "key must be a JAX PRNG key", id="key-string"),
    pytest.param(lambda: _hopf(key=jr.PRNGKey(0)), TypeError, "key must be a JAX PRNG key", id="key-raw-uint32"),
    pytest.param(lambda: _hopf(inputs=[np.zeros(10)]), TypeError, "inputs must be a dict input name", id="inputs-list"),
    pytest.param(lambda: _hopf(inputs={"z_ext": np.zeros(10)}), ValueError, "unknown input name(s)", id="input-name"),
    pytest.param(lambda: _hopf(inputs={"x_ext": "abc"}), TypeError, "input 'x_ext' must be a real", id="input-string"),
    pytest.param(
        lambda: _hopf(inputs={"x_ext": np.zeros(9)}),
        ValueError,
        "input 'x_ext' must be (time, node)",
        id="input-length",
    ),  # fmt: skip
    pytest.param(lambda: _hopf(coupling="multiplicative"), ValueError, "coupling must be one of", id="coupling-name"),
    pytest.param(
        lambda: _hopf(connectome=np.zeros((2, 2))),
        TypeError,
        "connectome must be a jaxbrain Connectome",
        id="connectome-array",
    ),  # fmt: skip
    pytest.param(lambda: simulate("nope", key=KEY), ValueError, "unknown model 'nope'", id="model-name"),
    # ---- oversize runs: refused up front, with the numbers ----
    pytest.param(
        lambda: _on_a_small_machine(lambda: simulate("hopf", key=KEY, duration=1e8, dt=0.1, dtype="float32")),
        ValueError,
        "this simulation needs about 14.9 GiB of memory (recorded outputs: 14.9 GiB); at most 4 GiB is available on",
        id="duration-1e8",
    ),  # fmt: skip
    pytest.param(
        lambda: _hopf(connectome=_long_fibres(), signalV=1e-7),
        ValueError,
        "the longest delay is 1e+10 steps",
        id="signalV-tiny",
    ),  # fmt: skip
    pytest.param(
        lambda: _hopf(connectome=_long_fibres(), signalV=1e-320),
        ValueError,
        "(delay buffer: more than",
        id="signalV-subnormal",
    ),  # fmt: skip
    pytest.param(
        lambda: simulate("aln", aln.Params(de=1e12), key=KEY, duration=1.0),
        ValueError,
        "delay buffer",
        id="aln-local-delay-huge",
    ),  # fmt: skip
    pytest.param(
        lambda: estimate_bytes("hopf", dt=0), ValueError, "dt must be a positive number", id="estimate-checks"
    ),
    pytest.param(
        lambda: check_memory(2**70, "a sweep batch of 64 points"),
        ValueError,
        "a sweep batch of 64 points needs about 1.1e+12 GiB of memory; at most",
        id="check-memory",
    ),  # fmt: skip
]


@pytest.mark.parametrize("call, exc, fragment", CASES)
def test_bad_input_is_a_clear_error(call, exc, fragment):
    with pytest.raises(exc, match=re.escape(fragment)):
        call()
