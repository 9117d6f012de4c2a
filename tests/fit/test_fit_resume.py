"""fit(checkpoint_path=...): a stopped fit resumes to the uninterrupted result; another fit's state, a damaged or
edited state and a second writer are refused, each naming what is wrong."""

import json
import os
import shutil
import socket

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
import pytest

from jaxbrain import Connectome, _resume
from jaxbrain.fit import Interval, fit
from jaxbrain.models import hopf

# Two nodes, 10 ms, two starts: every fit here is one small compilation.
NET = Connectome(np.array([[0.0, 0.8], [0.4, 0.0]]), np.array([[0.0, 10.0], [10.0, 0.0]]))
RUN = dict(duration=10.0, chunksize=50, outputs=("x",), initial=hopf.State(np.array([0.3, -0.2]), np.array([0.1, 0.2])))
STARTS = {"K_gl": np.array([0.5, 1.5])}


def _loss(scale=1.0):
    def loss(res):
        return scale * jnp.mean(res.outputs["x"] ** 2)

    return loss


def _fit(path, steps, **change):
    kwargs = dict(params=hopf.Params(a=-0.1), fit_params={"K_gl": Interval(0.0, 5.0)}, loss=_loss(), connectome=NET,
                  key=jr.key(0), starts=STARTS, optimizer=optax.adam(0.05), steps=steps, checkpoint_path=path,
                  **RUN)  # fmt: skip
    kwargs.update(change)
    return fit(hopf.model, **kwargs)


class _Stop(Exception):
    pass


def _stop_after(step):
    def callback(done, losses):
        if done == step:
            raise _Stop

    return callback


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A checkpoint after 1 step, and the 3-step uninterrupted fit."""
    folder = tmp_path_factory.mktemp("saved")
    whole = _fit(None, 3)
    path = folder / "fit.npz"
    with pytest.raises(_Stop):
        _fit(path, 3, callback=_stop_after(1))  # stopped after the first step was written
    return path, whole


@pytest.fixture
def state(saved, tmp_path):
    path = tmp_path / "fit.npz"
    shutil.copy(saved[0], path)
    return path


def test_a_stopped_fit_resumes_to_the_uninterrupted_result(saved, state):
    assert not os.path.exists(f"{state}.lock")  # the stopped fit released its lock
    resumed = _fit(state, 3)
    whole = saved[1]
    # The same compiled update step on the same state: bit for bit the uninterrupted fit.
    np.testing.assert_array_equal(resumed.losses, whole.losses)
    np.testing.assert_array_equal(resumed.fitted["K_gl"], whole.fitted["K_gl"])
    assert resumed.best_start == whole.best_start
    # More steps continue it; chunksize (memory, not results) may change on resuming.
    more = _fit(state, 4, chunksize=100)
    assert more.losses.shape == (2, 4)
    np.testing.assert_array_equal(more.losses[:, :3], whole.losses)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        # Another parameter with the same shapes: the old code took over its state silently.
        (dict(fit_params={"a": Interval(-1.0, 0.0)}, starts={"a": np.array([-0.1, -0.2])}), "fit_params.a: stored"),
        (dict(fit_params={"K_gl": Interval(0.0, 4.0)}), "fit_params.K_gl.fields.high: stored 5.0, now 4.0"),
        (dict(loss=_loss(2.0)), "loss.closure.scale: stored 1.0, now 2.0"),
        (dict(loss=lambda res: jnp.mean(res.outputs["x"] ** 2)), "loss.function: stored"),
        (dict(optimizer=optax.adam(0.1)), "step_size: stored -0.05, now -0.1"),
        (dict(optimizer=optax.sgd(0.05)), "optimizer."),
        (dict(key=jr.key(1)), "key.prng_key.values: stored [0, 0], now [0, 1]"),
        (dict(n_keys=2), "n_keys: stored 1, now 2"),
        (dict(starts={"K_gl": np.array([0.5, 1.6])}), "starts.K_gl.values: stored [0.5, 1.5], now [0.5, 1.6]"),
        (dict(params=hopf.Params(a=-0.2)), "params.fields.a: stored -0.1, now -0.2"),
        (dict(duration=20.0), "simulate.duration: stored 10.0, now 20.0"),
        (dict(connectome=Connectome(np.array([[0.0, 0.8], [0.5, 0.0]]), NET.lengths)), "connectome.weights.values"),
    ],
)
def test_another_fit_is_refused_naming_what_differs(state, change, fragment):
    before = state.read_bytes()
    with pytest.raises(ValueError, match="belongs to another fit") as err:
        _fit(state, 3, **change)
    assert fragment in str(err.value)
    assert state.read_bytes() == before and not os.path.exists(f"{state}.lock")


def _edit(path, edit, meta_edit=None):
    """Rewrite a checkpoint with edited arrays and a matching checksum (a forged, not a damaged, file)."""
    arrays, meta = _resume.load_checked(path, "fit")
    edit(arrays)
    meta.pop("checksum")
    if meta_edit:
        meta_edit(meta)
    _resume.save_checked(path, arrays, meta)


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _text(path):
    path.write_text("step,loss\n1,0.5\n")


def _edit_array_in_place(path):
    # Change one raw value and write the npz back with its old meta: the checksum no longer matches.
    with np.load(path) as data:
        arrays = dict(data)
    arrays["leaf0"] = arrays["leaf0"] + 1.0
    np.savez(path, **arrays)


def _old_format(path):
    np.savez(path, leaf0=np.zeros(2), history=np.zeros((1, 2)))


def _nan_leaf(path):
    _edit(path, lambda a: a.__setitem__("leaf0", np.array([np.nan, 0.0])))


def _inflated_count(path):
    _edit(path, lambda a: None, lambda m: m.__setitem__("steps_done", 7))


def _wrong_shape(path):
    _edit(path, lambda a: a.__setitem__("leaf0", np.zeros(3)))


def _history_of_another_size(path):
    _edit(path, lambda a: a.__setitem__("history", np.zeros((1, 3))))


@pytest.mark.parametrize(
    ("damage", "fragment"),
    [
        (_truncate, "is not a readable jaxbrain fit checkpoint: it is not a complete .npz file"),
        (_text, "is not a readable jaxbrain fit checkpoint"),
        (_edit_array_in_place, "is damaged or was edited: its arrays do not match the checksum"),
        (_old_format, "is not a jaxbrain fit checkpoint (it has no 'meta' record)"),
        (_nan_leaf, "state array 0 holds non-finite values for start(s) [0] whose losses are all finite"),
        (_inflated_count, "it says 7 steps were done but holds 1 losses"),
        (_wrong_shape, "state array 0 is float64[3], this fit's is float64[2]"),
        (_history_of_another_size, "its loss history is float64[1, 3]; a fit of 2 start(s) stores (steps, 2)"),
    ],
)
def test_a_damaged_or_edited_state_is_refused(state, damage, fragment):
    damage(state)
    with pytest.raises(ValueError) as err:
        _fit(state, 3)
    assert fragment in str(err.value) and str(state) in str(err.value)
    assert "allow_pickle" not in str(err.value)


def test_a_second_fit_on_the_same_state_is_refused(state):
    lock = f"{state}.lock"
    with open(lock, "w") as fh:  # a fit running on another host holds it
        json.dump({"pid": 12345, "host": f"not-{socket.gethostname()}"}, fh)
    with pytest.raises(_resume.RunLockedError, match="is held by pid 12345 on not-"):
        _fit(state, 3)
    os.remove(lock)
    # A lock left by a process that no longer exists on this host is stale: taken over.
    with open(lock, "w") as fh:
        json.dump({"pid": 2**22 + 12345, "host": socket.gethostname()}, fh)
    assert _fit(state, 2).losses.shape == (2, 2)
    assert not os.path.exists(lock)
