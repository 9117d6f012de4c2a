"""jaxbrain.compat.utils.collections: neurolib's dotdict, star notation, flat and nested dicts."""

import copy
import logging
import pickle
from types import SimpleNamespace

import pytest

from jaxbrain.compat import dotdict as top_level_dotdict
from jaxbrain.compat.utils.collections import (
    BACKWARD_REPLACE,
    FORWARD_REPLACE,
    _sanitize_keys,
    dotdict,
    flat_dict_to_nested,
    flatten_nested_dict,
    sanitize_dot_dict,
    star_dotdict,
    unwrap_star_dotdict,
)

PARAMS = {
    "mass0": {"a": 0.4, "b": 1.2, "c": "float", "noise": {"b": 12.0}},
    "mass1": {"a": 0.4, "b": 1.2, "c": "int"},
}


def test_dotdict_attributes_copy_and_pickle():
    assert top_level_dotdict is dotdict
    d = dotdict(duration=1000.0)
    d.dt = 0.1
    assert d["dt"] == 0.1 and d.duration == 1000.0 and d.missing is None
    del d.dt
    assert "dt" not in d
    for clone in (copy.deepcopy(d), pickle.loads(pickle.dumps(d))):
        assert type(clone) is dotdict and clone == d


def test_flatten_and_nest_round_trip():
    flat = flatten_nested_dict(PARAMS)
    assert flat["mass0.noise.b"] == 12.0 and flat["mass1.c"] == "int" and len(flat) == 7
    assert flat_dict_to_nested(flat) == PARAMS
    assert flatten_nested_dict({"a": {"b": 1}}, sep="/") == {"a/b": 1}
    assert flat_dict_to_nested({"a/b": 1}, sep="/") == {"a": {"b": 1}}
    with pytest.raises(ValueError, match="already holds a value"):
        flat_dict_to_nested({"a": 1, "a.b": 2})


def test_star_get_set_delete():
    params = star_dotdict(flatten_nested_dict(PARAMS))
    assert params["*a"] == {"mass0.a": 0.4, "mass1.a": 0.4}
    assert params["*b"] == {"mass0.b": 1.2, "mass0.noise.b": 12.0, "mass1.b": 1.2}
    assert params["mass1.c"] == "int" and params["nothing"] is None  # plain keys read as dict.get
    params["*a"] = 0.7
    assert params["*a"] == {"mass0.a": 0.7, "mass1.a": 0.7}
    del params["*a"]
    assert params["*a"] == {}
    with pytest.raises(KeyError):
        del params["*a"]


def test_star_minus_filter():
    params = star_dotdict(flatten_nested_dict(PARAMS))
    assert params["*b|noise"] == {"mass0.b": 1.2, "mass1.b": 1.2}
    params["*b|noise"] = 2.7
    assert params["*b"] == {"mass0.b": 2.7, "mass0.noise.b": 12.0, "mass1.b": 2.7}
    del params["*b|noise"]
    assert params["*b"] == {"mass0.noise.b": 12.0}


def test_star_more_than_one_filter_is_an_assertion_error():
    params = star_dotdict(flatten_nested_dict(PARAMS))
    with pytest.raises(AssertionError, match="only one '|' filter"):
        params["*b|noise|x"]
    with pytest.raises(ValueError, match="only one '|' filter"):
        params["*b|noise|x"] = 1.0


def test_star_on_nested_dicts_matches_by_level():
    params = star_dotdict(PARAMS)
    assert params["*.a"] == {"mass0": {"a": 0.4}, "mass1": {"a": 0.4}}
    assert params["**.b"] == {"mass0": {"b": 1.2, "noise": {"b": 12.0}}, "mass1": {"b": 1.2}}
    params["mass0.*"] = 0.0  # every direct child of mass0, the noise group included
    assert params["mass0"] == {"a": 0.0, "b": 0.0, "c": 0.0, "noise": 0.0}


def test_sanitize_keys_round_trip():
    key = "mass1.tau*|noise"
    forward = _sanitize_keys(key, FORWARD_REPLACE)
    assert forward == "mass1DOTtauSTARMINUSnoise"
    assert _sanitize_keys(forward, BACKWARD_REPLACE) == key
    dct = {"mass1*tau": 2.5, "mass2.x": 12.0}
    assert sanitize_dot_dict(dct) == {"mass1STARtau": 2.5, "mass2DOTx": 12.0}
    assert sanitize_dot_dict(sanitize_dot_dict(dct), BACKWARD_REPLACE) == dct


def test_unwrap_star_dotdict(caplog):
    model = SimpleNamespace(params=star_dotdict({"n0.exc.tau": 2.5, "n0.inh.tau": 3.75, "n0.exc.a": 1.0}))
    assert unwrap_star_dotdict({"*tau": 1.0, "n0.exc.a": 2.0}, model) == {
        "n0.exc.tau": 1.0,
        "n0.inh.tau": 1.0,
        "n0.exc.a": 2.0,
    }
    with caplog.at_level(logging.INFO):
        out = unwrap_star_dotdict({"STARtau": 1.0, "*missing": 3.0}, model, replaced_dict=BACKWARD_REPLACE)
    assert out == {"n0.exc.tau": 1.0, "n0.inh.tau": 1.0, "*missing": 3.0}
    assert "Key `*missing` cannot be resolved." in caplog.text
