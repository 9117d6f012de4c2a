"""Resuming an evolution: only its own checkpoint (other settings are refused, naming what differs), never a
damaged or crafted one, never two writers at once, and ``on_generation`` sees a generation already on disk."""

import functools as ft
import json
import os
import re
import shutil
import socket
import subprocess

import jax.random as jr
import numpy as np
import pytest

from jaxbrain._resume import RunLockedError, load_checked, save_checked
from jaxbrain.evolve import blend_crossover, evolve, load

SPACE = {"x": (-1.0, 1.0), "y": (-1.0, 1.0)}
SETTINGS = dict(pop_size=8, weights=(-1.0,))


def _distance_to(c):
    """An analytic fitness (numpy: nothing to compile) closing over ``c``."""

    def fitness(params):
        return (np.asarray(params["x"]) - c) ** 2 + np.asarray(params["y"]) ** 2

    return fitness


FITNESS = _distance_to(0.5)


def _evolve(path, fitness=FITNESS, space=SPACE, key=0, n_gen=2, **kwargs):
    return evolve(fitness, space, key=jr.key(key), n_gen=n_gen, checkpoint_path=path, **{**SETTINGS, **kwargs})


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A finished 2-generation evolution's checkpoint (copy it before changing it)."""
    path = tmp_path_factory.mktemp("stored") / "evo.npz"
    _evolve(path)
    return path


@pytest.fixture
def checkpoint(stored, tmp_path):
    path = tmp_path / "evo.npz"
    shutil.copy(stored, path)
    return path


# ---- another evolution's checkpoint ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "difference"),
    [
        (dict(fitness=_distance_to(0.25)), "fitness_fn.closure.c: stored 0.5, now 0.25"),
        (dict(space={"x": (-1.0, 1.0), "y": (-1.0, 2.0)}), "high.values: stored [1.0, 1.0], now [1.0, 2.0]"),
        (dict(crossover=ft.partial(blend_crossover, alpha=0.3)), "crossover.keywords.alpha: stored 0.5, now 0.3"),
        (dict(key=1), "key: stored [0, 0], now [0, 1]"),
        (dict(weights=(-2.0,)), "weights.values: stored [-1.0], now [-2.0]"),
        (dict(pop_size=10), "pop_size: stored 8, now 10"),
        (dict(tag="v2"), 'tag: stored null, now "v2"'),
    ],
    ids=["fitness-closure", "bounds", "algorithm-setting", "key", "weights", "pop-size", "tag"],
)
def test_a_checkpoint_of_other_settings_is_refused_naming_the_difference(checkpoint, change, difference):
    before = checkpoint.read_bytes()
    with pytest.raises(ValueError, match="belongs to another evolution") as info:
        _evolve(checkpoint, n_gen=3, **change)
    assert difference in str(info.value)
    assert checkpoint.read_bytes() == before  # refused before anything was written


def test_more_generations_continue_the_same_evolution(checkpoint, tmp_path):
    # n_gen is not part of a genetic algorithm's identity: the same evolution continues, as if never stopped.
    longer = _evolve(checkpoint, n_gen=3)
    whole = _evolve(tmp_path / "whole.npz", n_gen=3)
    for name in ("params", "fitness", "population", "parents"):
        np.testing.assert_array_equal(getattr(longer, name), getattr(whole, name), err_msg=name)


# ---- damaged and crafted checkpoints --------------------------------------------------------------------------


def _craft(path, edit_arrays=None, edit_meta=None):
    """Rewrite a checkpoint through save_checked (a valid checksum) after editing its arrays or meta."""
    arrays, meta = load_checked(path, "evolution")
    meta.pop("checksum")
    if edit_arrays:
        edit_arrays(arrays)
    if edit_meta:
        edit_meta(meta)
    save_checked(path, arrays, meta)


def _nan_genome(arrays):
    arrays["state_0"] = arrays["state_0"].copy()  # the population's genomes
    arrays["state_0"][0, 0] = np.nan


def _far_parameter(arrays):
    arrays["params"] = arrays["params"].copy()
    arrays["params"][3, 0] = 1e6


def _float32_fitness(arrays):
    arrays["fitness"] = arrays["fitness"].astype(np.float32)


def _one_fitness_value_too_few(arrays):
    arrays["fitness"] = arrays["fitness"][1:]


def _inflate(meta):
    meta["generations_done"] = 5


def _miscounted_invalid(arrays):
    arrays["n_invalid"] = arrays["n_invalid"] + 1


def _other_population(arrays):
    arrays["population"] = arrays["population"].copy()
    arrays["population"][-1] = arrays["population"][-1][::-1]


@pytest.mark.parametrize(
    ("edit_arrays", "edit_meta", "fragment", "load_too"),
    [
        (_nan_genome, None, "leaf 0 of the algorithm state holds NaN", False),
        (_far_parameter, None, "individual 3 has x = 1000000.0, outside the box [-1, 1]", True),
        (_float32_fitness, None, "its fitness history is float32[16, 1]", False),
        (_one_fitness_value_too_few, None, "its fitness history is float64[15, 1], but 2 generation(s)", True),
        (None, _inflate, "its params history is float64[16, 2], but 5 generation(s) of this evolution make", True),
        (_miscounted_invalid, None, "does not count the invalid fitness values", True),
        (_other_population, None, "the algorithm's population is not the last population of its history", False),
    ],
    ids=[
        "nan-state-leaf",
        "parameter-outside-box",
        "fitness-dtype",
        "fitness-rows",
        "inflated-generations",
        "invalid-count",
        "population-mismatch",
    ],  # fmt: skip
)
def test_a_crafted_checkpoint_with_a_valid_checksum_is_refused(checkpoint, edit_arrays, edit_meta, fragment, load_too):
    _craft(checkpoint, edit_arrays, edit_meta)
    with pytest.raises(ValueError, match="is not a usable evolution checkpoint") as info:
        _evolve(checkpoint, n_gen=3)
    assert fragment in str(info.value) and str(checkpoint) in str(info.value)
    if load_too:  # what load() can check without the algorithm
        with pytest.raises(ValueError, match=re.escape(fragment)):
            load(checkpoint)


def test_a_checkpoint_edited_by_hand_fails_its_checksum(checkpoint):
    with np.load(checkpoint, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["params"] = arrays["params"].copy()
    arrays["params"][0, 0] = 0.125
    np.savez(checkpoint, **arrays)  # the stored checksum no longer matches
    for call in (lambda: _evolve(checkpoint, n_gen=3), lambda: load(checkpoint)):
        with pytest.raises(ValueError, match="is damaged or was edited"):
            call()


def test_a_truncated_checkpoint_is_a_clear_error(checkpoint):
    data = checkpoint.read_bytes()
    checkpoint.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"evo.npz is not a readable jaxbrain evolution checkpoint: .*truncated"):
        _evolve(checkpoint, n_gen=3)


def test_a_text_file_is_a_clear_error_that_never_suggests_pickle(checkpoint):
    checkpoint.write_text("generations_done = 99\n")
    with pytest.raises(ValueError, match="is not a readable jaxbrain evolution checkpoint") as info:
        _evolve(checkpoint, n_gen=3)
    assert "allow_pickle" not in str(info.value)
    with pytest.raises(ValueError, match="is not a readable jaxbrain evolution checkpoint"):
        load(checkpoint)


def test_overwrite_replaces_a_damaged_checkpoint_with_a_warning(checkpoint, tmp_path):
    checkpoint.write_bytes(checkpoint.read_bytes()[:100])
    with pytest.warns(RuntimeWarning, match="not a readable jaxbrain evolution checkpoint.*overwrite=True"):
        fresh = _evolve(checkpoint, overwrite=True)
    np.testing.assert_array_equal(load(checkpoint).params, fresh.params)
    np.testing.assert_array_equal(fresh.params, _evolve(tmp_path / "other.npz").params)


# ---- one writer -----------------------------------------------------------------------------------------------


def test_a_second_evolution_on_the_same_checkpoint_is_refused(tmp_path):
    path = tmp_path / "evo.npz"
    lock = f"{path}.lock"
    holder = subprocess.Popen(["sleep", "60"])  # stands for another process evolving the same checkpoint
    try:
        with open(lock, "w") as fh:
            json.dump({"pid": holder.pid, "host": socket.gethostname()}, fh)
        with pytest.raises(RunLockedError, match=f"pid {holder.pid}"):
            _evolve(path)
        assert not path.exists()
    finally:
        holder.kill()
        holder.wait()
    # Its holder is gone: the stale lock is taken over, held while the evolution runs, removed after.
    seen = []
    _evolve(path, on_generation=lambda gen: seen.append(os.path.exists(lock)))
    assert seen == [True, True] and not os.path.exists(lock)


# ---- reporting ------------------------------------------------------------------------------------------------


def test_on_generation_sees_its_generation_already_on_disk(tmp_path):
    path = tmp_path / "evo.npz"
    seen = []

    def report(gen):
        stored = load(path)
        seen.append(stored.n_generations)
        np.testing.assert_array_equal(stored.params[stored.generation == gen.index], gen.params)
        np.testing.assert_array_equal(stored.population[gen.index], gen.population)

    _evolve(path, n_gen=3, on_generation=report)
    assert seen == [1, 2, 3]
