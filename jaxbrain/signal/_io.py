"""Signals on disk: netCDF through xarray (readable by any netCDF tool; no pickle)."""

from __future__ import annotations

import os

import xarray as xr

from .._atomic import atomic_path
from ._time import check_signal

# Attribute marking a file whose complex samples are stored as the variables "real" and "imag" (netCDF has no
# complex type).
_COMPLEX_FLAG = "jaxbrain_complex"


def save(data, path):
    """Write a signal to a netCDF file (atomically: a crash leaves the previous file or none).

    Real data is written as one variable (readable by ``xarray.load_dataarray``); complex data (an analytic
    signal) as its real and imaginary parts, which :func:`load` joins again. Attributes must be what netCDF
    stores: strings, numbers or arrays of numbers.

    Args:
        data: ``xarray.DataArray`` with a ``time`` dimension.
        path: the file to write (its folder must exist); the name is used as given.
    """
    check_signal(data)
    path = os.fspath(path)
    if data.dtype.kind == "c":
        out = xr.Dataset({"real": data.real, "imag": data.imag}, attrs={**data.attrs, _COMPLEX_FLAG: 1})
        if data.name is not None:
            out.attrs["jaxbrain_name"] = str(data.name)
    else:
        out = data
    with atomic_path(path) as tmp:
        out.to_netcdf(tmp)


def load(path):
    """Read a signal written by :func:`save` (or any netCDF file holding one variable) as an ``xarray.DataArray``.

    The data is read into memory and the file closed.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no signal file at {path!r}")
    ds = xr.load_dataset(path)
    if ds.attrs.get(_COMPLEX_FLAG) == 1 and set(ds.data_vars) == {"real", "imag"}:
        attrs = {k: v for k, v in ds.attrs.items() if k not in (_COMPLEX_FLAG, "jaxbrain_name")}
        out = ds["real"] + 1j * ds["imag"]
        out.attrs, out.name = attrs, ds.attrs.get("jaxbrain_name")
        return out
    if len(ds.data_vars) != 1:
        raise ValueError(f"{path!r} holds {len(ds.data_vars)} variables {list(ds.data_vars)}; a signal file holds one")
    return xr.load_dataarray(path)
