"""Save a :class:`~jaxbrain.Result` as netCDF or zarr through xarray, and load it back.

The file holds :meth:`Result.xr` (outputs on ``(batch,) time × node``, BOLD on ``time_bold × node``, times in
ms, region labels as the ``node`` coordinate, the model name) plus the parameters as ``param_<name>`` variables
and the ``ok`` flag. The final :class:`~jaxbrain.SimState` (delay ring, OU and BOLD state) is not saved: a loaded
result cannot continue a run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from .._atomic import atomic_path

_PARAM = "param_"
_FORMATS = {".nc": "netcdf", ".nc4": "netcdf", ".netcdf": "netcdf", ".zarr": "zarr"}


def _format(path):
    fmt = _FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ValueError(f"cannot tell the format of {path}: use a .nc (netCDF) or .zarr suffix")
    return fmt


def _param_dims(name, value, result):
    n_nodes = len(result.labels)
    shape = np.shape(value)
    if result.batched:
        batch = np.shape(result.ok)[0]
        known = {(): (), (batch,): ("batch",), (batch, n_nodes): ("batch", "node"), (n_nodes,): ("node",)}
    else:
        known = {(): (), (n_nodes,): ("node",)}
    return known.get(shape, tuple(f"{name}_dim{i}" for i in range(len(shape))))


def result_dataset(result):
    """The ``xarray.Dataset`` :func:`save_result` writes: :meth:`Result.xr` plus parameters and ``ok``."""
    # Variable-length strings: zarr 3 has no specified fixed-width unicode type (xarray's default for labels).
    ds = result.xr().assign_coords(node=np.array(result.labels, dtype=object))
    ok = np.asarray(result.ok)
    ds["ok"] = (("batch",) if ok.ndim else (), ok.astype(np.int8))
    if result.params is not None:
        for name, value in zip(result.params._fields, result.params):
            value = np.asarray(value, dtype=np.float64)
            ds[_PARAM + name] = (_param_dims(name, value, result), value)
    return ds


def save_result(result, path):
    """Write a :class:`~jaxbrain.Result` to ``path``: netCDF for ``.nc``, a zarr store for ``.zarr``.

    The file is written under a fresh temporary name in the same folder and renamed into place: a crash
    leaves the previous file (or store) or none, and a link planted at a predictable name is never followed.

    Args:
        result: the result of :func:`jaxbrain.simulate` (batched or not).
        path: destination; the suffix picks the format. An existing zarr store is replaced; an existing
            folder that is not a zarr store is refused, not emptied.

    Example:
        >>> import jax.random as jr, tempfile, pathlib
        >>> from jaxbrain import simulate
        >>> from jaxbrain.io import save_result, load_result
        >>> res = simulate("hopf", key=jr.key(0), duration=10.0)
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "run.nc"
        >>> save_result(res, p)
        >>> load_result(p).outputs["x"].shape
        (100, 1)
    """
    ds = result_dataset(result)
    if _format(path) == "netcdf":
        with atomic_path(path) as tmp:
            ds.to_netcdf(tmp)
    else:
        _replace_store(path, lambda tmp: ds.to_zarr(tmp, mode="w-", consolidated=False))


def _is_zarr_store(path):
    return any(os.path.exists(os.path.join(path, name)) for name in ("zarr.json", ".zgroup", ".zarray"))


def _replace_store(path, write):
    """Write a zarr store into a fresh folder next to ``path``, then swap it in (renames: never half a store)."""
    path = os.fspath(path)
    if os.path.isdir(path) and not os.path.islink(path) and not _is_zarr_store(path):
        raise ValueError(f"{path} is a folder but not a zarr store; refusing to replace it (pick another path)")
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"{path} exists and is not a zarr store (a file); refusing to replace it")
    parent = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    fresh = tempfile.mkdtemp(dir=parent, prefix=f".{base}.", suffix=".tmp")
    try:
        write(fresh)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(fresh, 0o777 & ~umask)  # mkdtemp makes it owner-only
        if os.path.islink(path):
            os.remove(path)  # replace the link itself, never the folder it points to
        if os.path.isdir(path):
            # Move the old store aside onto an empty fresh folder (rename may replace an empty folder), swap.
            aside = tempfile.mkdtemp(dir=parent, prefix=f".{base}.", suffix=".old")
            os.replace(path, aside)
            os.replace(fresh, path)
            shutil.rmtree(aside)
        else:
            os.replace(fresh, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(fresh)
        raise


# What xarray, scipy's netCDF reader and zarr raise on a damaged, truncated or foreign file (zarr's errors are
# ValueErrors; a damaged compressed chunk raises RuntimeError from its codec).
_READ_ERRORS = (ValueError, TypeError, OSError, KeyError, IndexError, EOFError, RuntimeError)


def _open_result(path, fmt):
    import xarray as xr

    what = "netCDF file" if fmt == "netcdf" else "zarr store"
    try:
        if fmt == "netcdf":
            with xr.open_dataset(path) as opened:
                ds = opened.load()
        else:
            ds = xr.open_zarr(path, consolidated=False).load()
    except _READ_ERRORS as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"{path}: not a readable {what} of a jaxbrain result ({reason})") from None
    missing = [name for name in ("time", "node") if name not in ds.variables and name not in ds.dims]
    outputs = [name for name in ds.data_vars if name not in ("BOLD", "ok") and not name.startswith(_PARAM)]
    if missing or not outputs or "model" not in ds.attrs:
        lacks = [f"'{m}'" for m in missing] + ([] if outputs else ["outputs"])
        lacks += [] if "model" in ds.attrs else ["the 'model' attribute"]
        raise ValueError(
            f"{path}: not a jaxbrain result (written by jaxbrain.io.save_result): it has no {', '.join(lacks)}; "
            f"it holds {sorted(ds.variables)}"
        )
    return ds


def load_result(path):
    """Read a result written by :func:`save_result` (format from the suffix).

    Raises:
        ValueError: no such file, an unknown suffix, or a file that is damaged, truncated or not a result
            (the message names the file).

    Returns:
        A :class:`~jaxbrain.Result` with numpy arrays: ``t``, ``outputs``, ``t_bold``/``bold``, ``ok``,
        ``labels``, ``model`` and ``params`` (the model's ``Params`` when the model is registered, else a dict);
        ``final`` is ``None``.
    """
    from ..integrate import Result
    from ..models import MODELS

    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no such file or store")
    ds = _open_result(path, _format(path))
    model = str(ds.attrs.get("model", ""))
    outputs = {
        name: np.asarray(var.values)
        for name, var in ds.data_vars.items()
        if name != "BOLD" and name != "ok" and not name.startswith(_PARAM)
    }
    values = {
        name[len(_PARAM) :]: np.asarray(var.values) for name, var in ds.data_vars.items() if name.startswith(_PARAM)
    }
    values = {k: (float(v) if v.ndim == 0 else v) for k, v in values.items()}
    params = values
    if model in MODELS and set(values) <= set(MODELS[model].Params._fields):
        params = MODELS[model].Params(**values)
    has_bold = "BOLD" in ds.data_vars
    ok = np.asarray(ds["ok"].values).astype(bool) if "ok" in ds.data_vars else np.asarray(True)
    return Result(
        t=np.asarray(ds["time"].values),
        outputs=outputs,
        t_bold=np.asarray(ds["time_bold"].values) if has_bold else np.zeros((0,)),
        bold=np.asarray(ds["BOLD"].values) if has_bold else None,
        final=None,
        ok=ok if ok.ndim else bool(ok),
        labels=tuple(str(s) for s in ds["node"].values),
        model=model,
        params=params,
    )
