"""Progress bars (jaxbrain._progress, tqdm): ``progress=True`` draws a bar on stderr and leaves the results as they
are; ``progress=False`` (the library default) writes nothing; tqdm is not imported by ``import jaxbrain``."""

import subprocess
import sys

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
import pytest

from jaxbrain import Connectome, simulate
from jaxbrain._progress import bar, number
from jaxbrain.evolve import evolve, vmap_fitness
from jaxbrain.explore import ParameterSpace, sweep
from jaxbrain.fit import Interval, fit
from jaxbrain.models import hopf

NET = Connectome(np.array([[0.0, 0.5], [0.4, 0.0]]), np.array([[0.0, 10.0], [10.0, 0.0]]))


def test_off_bar_accepts_the_calls_and_prints_nothing(capsys):
    with bar(False, total=3, desc="x", unit="step") as b:
        b.update(1)
        b.set_postfix_str("loss 1")
        b.set_postfix(loss=1.0)
    assert capsys.readouterr() == ("", "")


def test_number_formats_and_marks_non_finite_values():
    assert number(0.123456) == "0.1235"
    assert number(float("nan")) == "nan" and number(np.inf) == "nan"


def test_simulate_bar_over_chunks_in_simulated_seconds(capsys):
    run = dict(key=jr.key(0), duration=300.0, dt=0.1, chunksize=1000)
    quiet = simulate("hopf", hopf.Params(sigma_ou=0.05), NET, **run)
    assert capsys.readouterr() == ("", "")
    shown = simulate("hopf", hopf.Params(sigma_ou=0.05), NET, progress=True, **run)
    out, err = capsys.readouterr()
    assert out == ""
    # Three chunks of 0.1 s: the bar ends at 0.3 of 0.3 simulated seconds.
    assert "simulate: 100%" in err and "0.3/0.3" in err and "s/s" in err
    np.testing.assert_allclose(shown.outputs["x"], quiet.outputs["x"], rtol=1e-6, atol=1e-7)


def test_simulate_under_jit_shows_no_bar(capsys):
    @jax.jit
    def traced(k):
        return simulate("hopf", hopf.Params(K_gl=k), NET, key=jr.key(0), duration=20.0, progress=True).outputs["x"]

    assert traced(jnp.float32(0.5)).shape == (200, 2)
    assert capsys.readouterr().err == ""


def test_simulate_progress_must_be_a_bool():
    with pytest.raises(TypeError, match="progress must be True or False"):
        simulate("hopf", key=jr.key(0), duration=10.0, progress="yes")


def test_sweep_bar_per_batch(tmp_path, capsys):
    space = ParameterSpace({"a": [-0.5, 0.0, 0.5, 1.0]})
    run = dict(key=jr.key(1), duration=20.0, sampling_dt=1.0, batch_size=2)
    quiet = sweep("hopf", space, NET, store=tmp_path / "quiet", **run)
    assert capsys.readouterr().err == ""  # off by default in the library
    shown = sweep("hopf", space, NET, store=tmp_path / "shown", progress=True, **run)
    err = capsys.readouterr().err
    assert "sweep: 100%" in err and "4/4" in err and "batch 2/2" in err and "sim/s" in err
    np.testing.assert_allclose(shown.dataset["x"].values, quiet.dataset["x"].values, rtol=1e-6, atol=1e-7)
    # Resumed with everything stored: the bar says so and has nothing to count.
    sweep("hopf", space, NET, store=tmp_path / "shown", progress=True, **run)
    assert "2 of 2 batches stored before" in capsys.readouterr().err


def _fit(progress, path=None, steps=3):
    target = jnp.zeros((200, 2))  # 20 ms sampled every dt = 0.1 ms
    return fit(hopf.model, hopf.Params(a=-0.1), {"K_gl": Interval(0.0, 2.0)},
               lambda r: jnp.mean((r.outputs["x"] - target) ** 2), NET, key=jr.key(0), steps=steps,
               optimizer=optax.adam(0.1), duration=20.0, outputs=("x",), checkpoint_path=path,
               progress=progress)  # fmt: skip


def test_fit_bar_per_step_with_the_loss(tmp_path, capsys):
    quiet = _fit(False)
    assert capsys.readouterr().err == ""
    shown = _fit(True)
    err = capsys.readouterr().err
    assert "fit: 100%" in err and "| 3/3 [" in err and f"loss {number(shown.losses[0, -1])}" in err
    np.testing.assert_allclose(shown.losses, quiet.losses, rtol=1e-6)
    # A resumed fit's bar starts at the steps already done.
    _fit(False, tmp_path / "fit.npz", steps=2)
    _fit(True, tmp_path / "fit.npz", steps=3)
    err = capsys.readouterr().err
    assert "| 2/3 [" in err and "| 3/3 [" in err and "| 0/3 [" not in err


def test_fit_progress_must_be_a_bool():
    with pytest.raises(TypeError, match="progress must be True or False; got 'yes'"):
        _fit("yes")


SPACE = ParameterSpace(["x", "y"], [[-5.0, 5.0], [-5.0, 5.0]], kind="bound")
CIRCLE = vmap_fitness(lambda p: jnp.abs(p["x"] ** 2 + p["y"] ** 2 - 1.0))


def test_evolve_bar_per_generation_with_the_best_fitness(tmp_path, capsys):
    run = dict(key=jr.key(0), n_gen=4, pop_size=20, pop_init_size=40, weights=(-1.0,))
    quiet = evolve(CIRCLE, SPACE, **run)
    assert capsys.readouterr().err == ""
    shown = evolve(CIRCLE, SPACE, progress=True, **run)
    err = capsys.readouterr().err
    np.testing.assert_array_equal(shown.params, quiet.params)  # the same algorithm: the bar changes nothing
    best = np.max(-shown.fitness[shown.generation == 3][:, 0])
    assert "evolve: 100%" in err and "| 4/4 [" in err and f"best {number(best)}" in err
    assert f"best so far {number(np.max(-shown.fitness[:, 0]))}" in err and "0 invalid" in err
    # Resumed: the bar starts at the generations done, the best so far counts them.
    path = tmp_path / "evo.npz"
    evolve(CIRCLE, SPACE, checkpoint_path=path, **{**run, "n_gen": 2})
    evolve(CIRCLE, SPACE, checkpoint_path=path, progress=True, **run)
    err = capsys.readouterr().err
    assert "| 2/4 [" in err and "| 4/4 [" in err and "| 0/4 [" not in err


def test_import_does_not_load_tqdm():
    code = "import sys, jaxbrain; print('tqdm' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_cli_shows_the_bar_unless_no_progress(tmp_path, capsys):
    from jaxbrain import cli

    argv = ["simulate", "--model", "hopf", "--dataset", "none", "--duration", "0.05", "--out", str(tmp_path)]
    assert cli.main(argv) == 0
    assert "simulate: 100%" in capsys.readouterr().err
    assert cli.main([*argv, "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "simulate: " not in err and "simulated in" in err
