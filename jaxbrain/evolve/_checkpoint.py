"""Evolution checkpoints: one ``.npz`` file, rewritten atomically after every generation, without pickle.

The file holds plain arrays: the history of every evaluated individual, the populations, the algorithm's state
as its pytree leaves (``state_0``, ``state_1``, …; PRNG keys as their raw key data), and a JSON ``meta`` record:
the evolution's readable description, its run settings (what :func:`jaxbrain._resume.check_same_run` compares
when resuming) and how many generations are done. It is written and read through
:func:`jaxbrain._resume.save_checked` / :func:`~jaxbrain._resume.load_checked` (atomic rename; a SHA-256 of the
arrays), and what is read is checked for consistency before anything uses it: a crafted file whose meta says more
generations than its arrays hold, a history of the wrong shape or dtype, parameters outside the box or a NaN in
the algorithm's state are refused with a ``ValueError`` that names the file.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from .._resume import load_checked, save_checked

HISTORY_FIELDS = ("params", "fitness", "generation", "parents", "population", "n_invalid", "n_replaced")
FLOAT_FIELDS = ("params", "fitness")
WHAT = "evolution"


def _is_key(dtype):
    return jnp.issubdtype(dtype, jax.dtypes.prng_key)


def state_arrays(state):
    """The state's leaves as numpy arrays named ``state_<i>``."""
    out = {}
    for i, leaf in enumerate(jax.tree.leaves(state)):
        out[f"state_{i}"] = np.asarray(jr.key_data(leaf) if _is_key(jnp.asarray(leaf).dtype) else leaf)
    return out


def _damaged(path, what):
    return ValueError(f"{path} is not a usable {WHAT} checkpoint: {what}. Delete it to start the {WHAT} over.")


def state_from_arrays(arrays, like, path):
    """Rebuild a state with the structure, shapes and dtypes of ``like`` (e.g. a ``jax.eval_shape`` result).

    Raises:
        ValueError: naming ``path``: a missing, extra or mis-shaped leaf.
    """
    leaves, tree = jax.tree.flatten(like)
    rebuilt = []
    for i, ref in enumerate(leaves):
        stored = arrays.get(f"state_{i}")
        if stored is None:
            raise _damaged(path, f"the algorithm state has no leaf {i}")
        if _is_key(ref.dtype):
            value = jr.wrap_key_data(jnp.asarray(stored)) if stored.dtype == np.uint32 else None
        else:
            value = jnp.asarray(stored) if stored.dtype == np.dtype(ref.dtype) else None
        if value is None or value.shape != ref.shape or value.dtype != ref.dtype:
            raise _damaged(
                path, f"leaf {i} of the algorithm state is {stored.dtype}{list(stored.shape)}, this evolution's is "
                f"{ref.dtype}{list(ref.shape)}"
            )  # fmt: skip
        rebuilt.append(value)
    extra = sorted(name for name in arrays if name.startswith("state_") and int(name[6:]) >= len(leaves))
    if extra:
        raise _damaged(path, f"the algorithm state has leaves this evolution's has not ({', '.join(extra)})")
    return jax.tree.unflatten(tree, rebuilt)


def save(path, history, state, meta):
    """Atomically write ``history`` (dict of arrays), ``state`` (pytree) and ``meta`` (JSON-able) to ``path``."""
    arrays = {name: np.asarray(history[name]) for name in HISTORY_FIELDS}
    arrays.update(state_arrays(state))
    save_checked(path, arrays, meta)


def load(path):
    """``(history, state_arrays, meta)`` stored in ``path``, checked (see the module's description).

    Raises:
        ValueError: naming ``path``: not a readable jaxbrain evolution checkpoint (text, truncated, damaged,
            edited), or arrays and meta that do not fit together.
    """
    arrays, meta = load_checked(path, WHAT)
    info, done = meta.get("evolution"), meta.get("generations_done")
    if not isinstance(info, dict) or "settings" not in meta:
        raise ValueError(
            f"{path} is not a jaxbrain {WHAT} checkpoint of this version (its meta record has no evolution "
            "settings). Delete it to start the evolution over."
        )
    if not isinstance(done, int) or isinstance(done, bool) or done < 1:
        raise _damaged(path, f"generations_done must be a positive int; got {done!r}")
    missing = [name for name in HISTORY_FIELDS if name not in arrays]
    if missing:
        raise _damaged(path, f"it has no {', '.join(missing)} history")
    history = {name: arrays[name] for name in HISTORY_FIELDS}
    check_history(path, history, info, done)
    states = {name: arrays[name] for name in arrays if name.startswith("state_") and name[6:].isdigit()}
    return history, states, meta


def check_history(path, history, info, done):
    """Refuse (``ValueError`` naming ``path``) a history that does not fit ``info`` and ``done`` generations."""
    try:
        n_params, n_obj = len(info["names"]), len(info["weights"])
        pop_size, pop_init_size = int(info["pop_size"]), int(info["pop_init_size"])
        low, high = np.asarray(info["low"], np.float64), np.asarray(info["high"], np.float64)
    except (KeyError, TypeError, ValueError):
        raise _damaged(path, "its meta record does not describe an evolution") from None
    if low.shape != (n_params,) or high.shape != (n_params,):
        raise _damaged(path, "its meta record does not describe an evolution (bounds)")
    n = pop_init_size + (done - 1) * pop_size
    expected = {
        "params": (n, n_params),
        "fitness": (n, n_obj),
        "generation": (n,),
        "parents": (n, 2),
        "population": (done, pop_size),
        "n_invalid": (done,),
        "n_replaced": (done,),
    }
    for name, shape in expected.items():
        arr, dtype = history[name], np.dtype(np.float64 if name in FLOAT_FIELDS else np.int64)
        if arr.shape != shape or arr.dtype != dtype:
            raise _damaged(
                path, f"its {name} history is {arr.dtype}{list(arr.shape)}, but {done} generation(s) of this "
                f"evolution make {dtype}{list(shape)}"
            )  # fmt: skip
    generation = np.repeat(np.arange(done), [pop_init_size] + [pop_size] * (done - 1))
    if not np.array_equal(history["generation"], generation):
        raise _damaged(path, "its generation history does not number the generations in order")
    params = history["params"]
    # Individuals are decoded in the working dtype (float32 by default): allow its rounding of the bounds.
    slack = 1e-6 * (high - low) + np.finfo(np.float32).eps * np.maximum(np.abs(low), np.abs(high))
    outside = ~np.isfinite(params) | (params < low - slack) | (params > high + slack)
    if np.any(outside):
        row, col = np.argwhere(outside)[0]
        raise _damaged(
            path, f"individual {row} has {info['names'][col]} = {float(params[row, col])!r}, outside the box "
            f"[{low[col]:g}, {high[col]:g}]"
        )  # fmt: skip
    ids = np.arange(n)
    parents = history["parents"]
    if np.any((parents < -1) | (parents >= ids[:, None])):  # parents are evaluated before their children
        raise _damaged(path, "its parents history names individuals that did not exist yet")
    population = history["population"]
    if np.any((population < 0) | (population >= n)):
        raise _damaged(path, "its population history names individuals that were never evaluated")
    if np.any(generation[population] > np.arange(done)[:, None]):
        raise _damaged(path, "its population history names individuals not evaluated by then")
    invalid = ~np.all(np.isfinite(history["fitness"]), axis=-1)
    counted = np.bincount(generation[invalid], minlength=done)
    if not np.array_equal(history["n_invalid"], counted):
        raise _damaged(path, f"its n_invalid history {history['n_invalid'].tolist()} does not count the invalid "
                             f"fitness values {counted.tolist()}")  # fmt: skip
    if np.any((history["n_replaced"] < 0) | (history["n_replaced"] > pop_size)):
        raise _damaged(path, "its n_replaced history is outside [0, pop_size]")
