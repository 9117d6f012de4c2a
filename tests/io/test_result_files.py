"""Saving and loading a Result as netCDF and zarr."""

import jax.numpy as jnp
import numpy as np
import pytest

from jaxbrain import models
from jaxbrain.integrate import Result
from jaxbrain.io import load_result, save_result


def _result(batched=False):
    rng = np.random.default_rng(3)
    lead = (2,) if batched else ()
    params = models.hopf.Params(a=jnp.array([0.1, -0.2]) if batched else jnp.array([0.1, 0.2, 0.3]), K_gl=0.5)
    return Result(
        t=0.1 * np.arange(1, 5),
        outputs={"x": jnp.asarray(rng.normal(size=lead + (4, 3))), "y": jnp.asarray(rng.normal(size=lead + (4, 3)))},
        t_bold=np.array([0.1, 2000.1]),
        bold=jnp.asarray(rng.normal(size=lead + (2, 3))),
        final=None,
        ok=jnp.array([True, False]) if batched else jnp.array(True),
        labels=("a", "b", "c"),
        model="hopf",
        params=params,
    )


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
@pytest.mark.parametrize("batched", [False, True])
def test_round_trip(tmp_path, suffix, batched):
    res = _result(batched)
    path = tmp_path / f"run{suffix}"
    save_result(res, path)
    back = load_result(path)
    for name in ("x", "y"):
        np.testing.assert_array_equal(back.outputs[name], np.asarray(res.outputs[name]))
    np.testing.assert_array_equal(back.bold, np.asarray(res.bold))
    np.testing.assert_array_equal(back.t, res.t)
    np.testing.assert_array_equal(back.t_bold, res.t_bold)
    np.testing.assert_array_equal(back.ok, np.asarray(res.ok))
    assert back.labels == res.labels and back.model == "hopf" and back.final is None
    assert isinstance(back.params, models.hopf.Params)
    np.testing.assert_array_equal(back.params.a, np.asarray(res.params.a))
    assert back.params.K_gl == 0.5 and back.params.w == models.hopf.Params().w
    assert back.batched == batched


def test_without_bold_and_overwrite(tmp_path):
    res = _result()._replace(bold=None, t_bold=np.zeros(0))
    save_result(res, tmp_path / "r.zarr")
    save_result(res, tmp_path / "r.zarr")  # a store is replaced
    back = load_result(tmp_path / "r.zarr")
    assert back.bold is None and back.t_bold.size == 0


def test_bad_suffix_and_missing(tmp_path):
    with pytest.raises(ValueError, match=".nc"):
        save_result(_result(), tmp_path / "r.h5")
    with pytest.raises(ValueError, match="no such"):
        load_result(tmp_path / "none.nc")
