"""Bad input to :func:`jaxbrain.evolve.evolve`: each row a clear error naming the argument. Numpy scalars are
numbers."""

import os
import re
import tempfile

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from jaxbrain.evolve import evolve, loop_fitness, vmap_fitness

SPACE = {"x": (-1.0, 1.0), "y": (-1.0, 1.0)}


def _fitness(params):
    """An analytic fitness (numpy: nothing to compile), one objective."""
    return np.asarray(params["x"]) ** 2 + np.asarray(params["y"]) ** 2


def _two_objectives(params):
    return np.stack([np.asarray(params["x"]), np.asarray(params["y"])], axis=1)


def _run(fitness=_fitness, space=SPACE, **kwargs):
    args = dict(key=jr.key(0), pop_size=8, n_gen=1)
    args.update(kwargs)
    return evolve(fitness, space, **args)


CASES = [
    # weights
    pytest.param(lambda: _run(weights=(0.0,)), ValueError, "weights are all 0 ([0.0])", id="weights-zero"),
    pytest.param(
        lambda: _run(_two_objectives, weights=(0.0, -0.0)), ValueError, "would be a random search", id="weights-zeros"
    ),
    pytest.param(lambda: _run(weights=(np.nan,)), ValueError, "weights must be numbers", id="weights-nan"),
    pytest.param(lambda: _run(weights=(1.0, np.inf)), ValueError, "finite; got [1.0, inf]", id="weights-inf"),
    pytest.param(lambda: _run(weights="1"), TypeError, "weights must be numbers, one per objective", id="weights-str"),
    pytest.param(lambda: _run(weights=("1", "-1")), TypeError, "weights must be numbers", id="weights-strings"),
    pytest.param(lambda: _run(weights=(True,)), TypeError, "weights must be numbers", id="weights-bool"),
    pytest.param(lambda: _run(weights=None), TypeError, "weights must be numbers", id="weights-none"),
    pytest.param(lambda: _run(weights=(1j,)), TypeError, "weights must be numbers", id="weights-complex"),
    pytest.param(lambda: _run(weights=[[1.0], [1.0]]), ValueError, "a non-empty flat list", id="weights-2d"),
    pytest.param(lambda: _run(weights=()), ValueError, "a non-empty flat list", id="weights-empty"),
    pytest.param(
        lambda: _run(weights=(1.0, -1.0)),
        ValueError,
        "weights has 2 entries but fitness_fn returned 1",
        id="weights-len",
    ),
    # sizes
    pytest.param(lambda: _run(pop_size=8.0), TypeError, "pop_size must be an int; got float 8.0", id="pop-float"),
    pytest.param(lambda: _run(pop_size="8"), TypeError, "pop_size must be an int", id="pop-str"),
    pytest.param(lambda: _run(pop_size=True), TypeError, "pop_size must be an int; got True", id="pop-bool"),
    pytest.param(lambda: _run(pop_size=1), ValueError, "pop_size must be at least 2; got 1", id="pop-one"),
    pytest.param(lambda: _run(pop_size=7), ValueError, "pop_size must be even for 'adaptive'", id="pop-odd"),
    pytest.param(lambda: _run(n_gen=0), ValueError, "n_gen must be at least 1; got 0", id="ngen-zero"),
    pytest.param(lambda: _run(n_gen=np.float64(3)), TypeError, "n_gen must be an int", id="ngen-float"),
    pytest.param(
        lambda: _run(pop_init_size=4), ValueError, "pop_init_size must be at least pop_size (8); got 4", id="init-small"
    ),
    pytest.param(lambda: _run(pop_init_size=[16]), TypeError, "pop_init_size must be an int", id="init-list"),
    # key
    pytest.param(lambda: _run(key=0), TypeError, "a PRNG key such as jax.random.key(0); got int", id="key-int"),
    pytest.param(lambda: _run(key="seed"), TypeError, "key must be a PRNG key", id="key-str"),
    pytest.param(lambda: _run(key=None), TypeError, "key must be a PRNG key", id="key-none"),
    pytest.param(lambda: _run(key=np.float32([0, 1])), TypeError, "key must be a PRNG key", id="key-floats"),
    pytest.param(
        lambda: _run(key=jr.split(jr.key(0), 3)), ValueError, "key must be one PRNG key; got an array", id="key-batch"
    ),
    # space
    pytest.param(lambda: _run(space={"x": ("0", "1")}), ValueError, "real numbers); got ('0', '1')", id="bound-str"),
    pytest.param(lambda: _run(space={"x": "0:1"}), ValueError, "bound of 'x' must be [low, high]", id="bound-text"),
    pytest.param(lambda: _run(space={"x": (False, True)}), ValueError, "bound of 'x'", id="bound-bool"),
    pytest.param(lambda: _run(space={"x": (0, 1j)}), ValueError, "bound of 'x'", id="bound-complex"),
    pytest.param(lambda: _run(space={"x": (1.0, 0.0)}), ValueError, "must have low < high", id="bound-reversed"),
    pytest.param(lambda: _run(space={"x": (0.0, np.nan)}), ValueError, "bound of 'x' must be finite", id="bound-nan"),
    pytest.param(lambda: _run(space={1: (0.0, 1.0)}), TypeError, "names must be strings; got 1", id="name-int"),
    pytest.param(lambda: _run(space={}), ValueError, "space must name at least one parameter", id="space-empty"),
    pytest.param(lambda: _run(space=["x", "y"]), ValueError, "space must be ParameterSpace", id="space-list"),
    pytest.param(lambda: _run(space="x"), ValueError, "space must be ParameterSpace", id="space-str"),
    # algorithm, operators, options
    pytest.param(lambda: _run(algorithm=3), TypeError, "algorithm must be a name", id="algorithm-int"),
    pytest.param(lambda: _run(algorithm="cma"), ValueError, "unknown algorithm 'cma'; valid", id="algorithm-unknown"),
    pytest.param(lambda: _run("f"), TypeError, "fitness_fn must be callable; got str", id="fitness-str"),
    pytest.param(lambda: _run(mutation="gauss"), TypeError, "the mutation operator must be a function", id="op-str"),
    pytest.param(
        lambda: _run(algorithm="CMA_ES", strategy_kwargs="sigma"),
        TypeError,
        "strategy_kwargs must be a dict",
        id="strategy-kwargs-str",
    ),
    pytest.param(
        lambda: _run(strategy_params={"std_init": 0.1}),
        ValueError,
        "configure evosax strategies, not 'adaptive'",
        id="strategy-params-genetic",
    ),
    pytest.param(lambda: _run(on_generation=1), TypeError, "on_generation must be a function", id="callback-int"),
    pytest.param(lambda: _run(overwrite="yes"), TypeError, "overwrite must be True or False", id="overwrite-str"),
    pytest.param(lambda: _run(progress=1), TypeError, "progress must be True or False; got 1", id="progress-int"),
    pytest.param(lambda: _run(tag=object()), ValueError, "tag must be JSON-able", id="tag-object"),
    # checkpoint_path
    pytest.param(lambda: _run(checkpoint_path=3), TypeError, "checkpoint_path must be a file path", id="path-int"),
    pytest.param(
        lambda: _run(checkpoint_path=tempfile.gettempdir()),
        ValueError,
        "is a folder; give the path of a file",
        id="path-folder",
    ),
    pytest.param(
        lambda: _run(checkpoint_path=os.path.join(__file__, "runs", "evo.npz")),
        ValueError,
        "its folder cannot be created",
        id="path-under-a-file",
    ),
    # what the fitness function returns
    pytest.param(
        lambda: _run(lambda p: np.zeros(3)),
        ValueError,
        "fitness_fn must return a (8,) or (8, n_objectives)",
        id="fitness-shape",
    ),
    pytest.param(lambda: _run(lambda p: ["a"] * 8), ValueError, "fitness_fn must return numbers", id="fitness-text"),
    pytest.param(lambda: vmap_fitness(3), TypeError, "vmap_fitness: f must be a function", id="vmap-fitness-int"),
    pytest.param(lambda: loop_fitness("f"), TypeError, "loop_fitness: f must be a function", id="loop-fitness-str"),
    pytest.param(
        lambda: vmap_fitness(_fitness, jit="no"), TypeError, "jit must be True or False", id="vmap-fitness-jit"
    ),
]


@pytest.mark.parametrize("call, exc, fragment", CASES)
def test_bad_input_is_a_clear_error(call, exc, fragment):
    with pytest.raises(exc, match=re.escape(fragment)):
        call()


def test_numpy_scalars_are_numbers():
    as_python = _run(pop_size=8, n_gen=2, pop_init_size=16, weights=(-1.0,))
    as_numpy = _run(
        pop_size=np.int64(8), n_gen=np.int32(2), pop_init_size=jnp.asarray(16), weights=np.float32(-1.0),
        space={"x": (np.float32(-1.0), np.int64(1)), "y": np.array([-1.0, 1.0])},
    )  # fmt: skip
    np.testing.assert_array_equal(as_numpy.params, as_python.params)
    np.testing.assert_array_equal(as_numpy.weights, [-1.0])
