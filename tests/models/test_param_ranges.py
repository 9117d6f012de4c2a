"""Every model declares its parameters' valid ranges once; defaults pass, physically invalid values are refused."""

import re

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from jaxbrain import MODELS, simulate
from jaxbrain.models import NEGATIVE, NON_NEGATIVE, POSITIVE, Range, aln

NAMES = sorted(MODELS)


def _outside(valid):
    """A value just outside ``valid``."""
    return valid.low - 1.0 if not np.isinf(valid.low) else valid.high + 1.0


@pytest.mark.parametrize("name", NAMES)
def test_ranges_name_real_parameters_and_defaults_pass(name):
    model = MODELS[name]
    ranges = dict(model.param_ranges)
    assert set(ranges) <= set(model.Params._fields)
    assert ranges["tau_ou"] == POSITIVE and ranges["sigma_ou"] == NON_NEGATIVE
    for field, valid in ranges.items():
        assert bool(valid.contains(np.asarray(getattr(model.Params(), field), np.float64))), field


@pytest.mark.parametrize("name", NAMES)
def test_every_declared_range_is_enforced(name, key):
    model = MODELS[name]
    for field, valid in model.param_ranges:
        bad = model.Params()._replace(**{field: _outside(valid)})
        with pytest.raises(ValueError, match=re.escape(f"parameter {field!r} of model {name!r} must be")):
            simulate(model, bad, key=key, duration=0.1, dt=0.01)


@pytest.mark.parametrize("name", NAMES)
def test_a_negative_time_constant_is_refused(name, key):
    model = MODELS[name]
    with pytest.raises(ValueError, match=re.escape(f"parameter 'tau_ou' of model {name!r} must be > 0; got -1.0")):
        simulate(model, model.Params(tau_ou=-1.0), key=key, duration=0.1, dt=0.01)


def test_per_node_values_are_checked_and_named_by_index(key):
    with pytest.raises(ValueError, match=re.escape("'tau_exc' of model 'wc' must be > 0; got -1.0 at index (2,)")):
        simulate("wc", {"tau_exc": np.array([2.5, 2.5, -1.0])}, _three_nodes(), key=key, duration=1.0)


def _three_nodes():
    from jaxbrain import Connectome

    return Connectome(np.zeros((3, 3)))


def test_traced_values_are_not_checked(key):
    # Under jit the value is unknown: it runs (and diverges or not) as the dynamics say.
    out = jax.jit(lambda s: simulate("hopf", {"sigma_ou": s}, key=key, duration=1.0).outputs["x"])(jnp.asarray(0.1))
    assert out.shape == (10, 1)


def test_range_descriptions():
    assert POSITIVE.describe() == "> 0" and NON_NEGATIVE.describe() == ">= 0" and NEGATIVE.describe() == "< 0"
    assert Range(0.0, 1.0, low_open=True).describe() == "in (0, 1]"
    assert not bool(NEGATIVE.contains(np.float64(0.0)))


def test_fitted_aln_presets_pass():
    # The published ALN fits must lie inside the declared ranges: the run is accepted (not refused) and finite.
    for preset in aln.PRESETS:
        params, run = aln.preset(preset)
        res = simulate(aln.model, params, key=jr.key(0), duration=2 * run["dt"], **run)
        assert bool(np.all(res.ok)), preset
