"""Evolution checkpoints: one ``.npz`` file, rewritten atomically after every generation, without pickle.

The file holds plain arrays: the history of every evaluated individual, the populations, the algorithm's state
as its pytree leaves (``state_0``, ``state_1``, …; PRNG keys as their raw key data), and ``meta``, a JSON string
with what identifies the evolution (its fingerprint) and how many generations are done. It is written to a
temporary file in the same folder and renamed into place, so a crash leaves the previous generation's file.
"""

from __future__ import annotations

import json
import os
import tempfile

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

HISTORY_FIELDS = ("params", "fitness", "generation", "parents", "population", "n_invalid", "n_replaced")


def _is_key(dtype):
    return jnp.issubdtype(dtype, jax.dtypes.prng_key)


def state_arrays(state):
    """The state's leaves as numpy arrays named ``state_<i>``."""
    out = {}
    for i, leaf in enumerate(jax.tree.leaves(state)):
        out[f"state_{i}"] = np.asarray(jr.key_data(leaf) if _is_key(jnp.asarray(leaf).dtype) else leaf)
    return out


def state_from_arrays(arrays, like, path):
    """Rebuild a state with the structure, shapes and dtypes of ``like`` (e.g. a ``jax.eval_shape`` result)."""
    leaves, tree = jax.tree.flatten(like)
    rebuilt = []
    for i, ref in enumerate(leaves):
        stored = arrays.get(f"state_{i}")
        if _is_key(ref.dtype):
            value = None if stored is None else jr.wrap_key_data(jnp.asarray(stored))
        else:
            value = None if stored is None else jnp.asarray(stored)
        if value is None or value.shape != ref.shape or value.dtype != ref.dtype:
            raise ValueError(f"the algorithm state in {path} does not fit this evolution (leaf {i})")
        rebuilt.append(value)
    if f"state_{len(leaves)}" in arrays:
        raise ValueError(f"the algorithm state in {path} does not fit this evolution (extra leaves)")
    return jax.tree.unflatten(tree, rebuilt)


def save(path, history, state, meta):
    """Atomically write ``history`` (dict of arrays), ``state`` (pytree) and ``meta`` (JSON-able) to ``path``."""
    arrays = {name: np.asarray(history[name]) for name in HISTORY_FIELDS}
    arrays.update(state_arrays(state))
    arrays["meta"] = np.asarray(json.dumps(meta, sort_keys=True))
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(path):
    """``(history, state_arrays, meta)`` stored in ``path``."""
    with np.load(path, allow_pickle=False) as data:
        if "meta" not in data.files:
            raise ValueError(f"{path} is not a jaxbrain evolution checkpoint (no 'meta')")
        meta = json.loads(str(data["meta"]))
        history = {name: data[name] for name in HISTORY_FIELDS}
        states = {name: data[name] for name in data.files if name.startswith("state_")}
    return history, states, meta
