"""A fit's saved state: the optimiser's pytree and the loss history, with the settings of the fit they belong to.

Written with :func:`jaxbrain._resume.save_checked` (an ``.npz`` without pickle, a SHA-256 over every array) after
every step; read back with :func:`~jaxbrain._resume.load_checked`, so a truncated, damaged or hand-edited file is
refused by name. A state is resumed only by the fit whose settings it stores (:func:`check_same_run`), and only
when its arrays have the shapes and dtypes that fit's own fresh state has.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .._resume import check_same_run, load_checked, save_checked

WHAT = "fit"


def save(path, raw, opt_state, history, settings):
    """Atomically write the state after ``len(history)`` steps (``history``: ``(starts,)`` losses per step)."""
    leaves = jax.tree.leaves((raw, opt_state))
    arrays = {f"leaf{i}": np.asarray(x) for i, x in enumerate(leaves)}
    arrays["history"] = np.stack(history)
    save_checked(path, arrays, {"settings": settings, "steps_done": len(history), "leaves": len(leaves)})


def steps_done(path):
    """How many steps the (readable) state at ``path`` holds; ``ValueError`` for a damaged file."""
    arrays, _ = load_checked(path, WHAT)
    history = arrays.get("history")
    return 0 if history is None else int(np.shape(history)[0])


def load(path, raw, opt_state, settings):
    """``(raw, opt_state, history)`` from ``path``; ``ValueError`` for a damaged file or another fit's state.

    ``raw`` and ``opt_state`` are this fit's fresh state: the stored one must have their structure, shapes and
    dtypes. Non-finite values are accepted only for a start whose loss history already shows it diverged.
    """
    arrays, meta = load_checked(path, WHAT)
    check_same_run(path, meta.get("settings"), settings, WHAT)
    fresh, tree = jax.tree.flatten((raw, opt_state))
    expected = {f"leaf{i}" for i in range(len(fresh))} | {"history"}
    if set(arrays) != expected or meta.get("leaves") != len(fresh):
        raise ValueError(
            f"{path} holds {len(arrays) - ('history' in arrays)} state arrays; this fit's optimiser state has "
            f"{len(fresh)}: it is not this fit's state. Delete it to start over."
        )
    stored = [arrays[f"leaf{i}"] for i in range(len(fresh))]
    for i, (s, x) in enumerate(zip(stored, fresh)):
        if s.shape != np.shape(x) or s.dtype != np.dtype(x.dtype):
            raise ValueError(
                f"{path}: state array {i} is {s.dtype}{list(s.shape)}, this fit's is {x.dtype}{list(np.shape(x))}; "
                f"it is not this fit's state. Delete it to start over."
            )
    history = arrays["history"]
    n_starts = np.shape(fresh[0])[0]
    if history.ndim != 2 or history.shape[1] != n_starts or history.dtype.kind != "f":
        raise ValueError(
            f"{path}: its loss history is {history.dtype}{list(history.shape)}; a fit of {n_starts} start(s) "
            f"stores (steps, {n_starts}) floats. Delete it to start over."
        )
    if meta.get("steps_done") != history.shape[0]:
        raise ValueError(
            f"{path}: it says {meta.get('steps_done')!r} steps were done but holds {history.shape[0]} losses. "
            f"Delete it to start over."
        )
    # A start that diverged legitimately carries NaN in its state; any other non-finite value is damage.
    diverged = ~np.all(np.isfinite(history), axis=0) if history.size else np.zeros(n_starts, bool)
    for i, s in enumerate(stored):
        if s.dtype.kind in "fc" and s.ndim >= 1:
            finite = np.all(np.isfinite(s.reshape(s.shape[0], -1)), axis=1)
            bad = np.flatnonzero(~finite & ~diverged)
            if bad.size:
                raise ValueError(
                    f"{path}: state array {i} holds non-finite values for start(s) {bad.tolist()} whose losses are "
                    f"all finite; the state is damaged. Delete it to start over."
                )
    raw, opt_state = jax.tree.unflatten(tree, [jnp.asarray(s) for s in stored])
    return raw, opt_state, list(history)
