r"""Parcellated time series as NIfTI-1 images: painted into an atlas volume, or as a parcel × time image.

Files store time in seconds (``xyzt_units`` = mm, sec; the TR in ``pixdim[4]``, the first sample time in
``toffset``), the convention of fMRI tools; jaxbrain's arrays are in ms. The region labels and the exact times
travel in a NIfTI header extension (code 6, "comment") holding JSON, so :func:`read_nifti_timeseries` returns
what was written.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np

from .._atomic import atomic_path
from ._series import TimeSeries, as_series

_EXT_KEY = "jaxbrain"
_TIME_UNIT_MS = {"sec": 1000.0, "msec": 1.0, "usec": 1e-3, "unknown": 1000.0}


def load_image(path, what, read):
    """``(image, read(image))`` of the nibabel image at ``path``; a missing, damaged, truncated or foreign file
    is a ``ValueError`` naming the file and what it is not (``what``, e.g. "NIfTI image")."""
    import nibabel as nib

    try:
        img = nib.load(path)
        return img, read(img)
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except (nib.filebasedimages.ImageFileError, OSError, EOFError, zlib.error) as err:
        raise ValueError(f"{path}: not a readable {what} ({err})") from None


def save_image(img, path):
    """``nib.save`` through a fresh temporary file renamed over ``path`` (never a half-written image, never
    through a link planted at a predictable name)."""
    import nibabel as nib

    with atomic_path(path) as tmp:
        nib.save(img, tmp)


def load_atlas(atlas):
    """``(labels, affine, zooms)`` of a 3-D integer label volume given as a path, a nibabel image or an array."""
    import nibabel as nib

    if isinstance(atlas, (str, Path)):
        atlas, _ = load_image(atlas, "NIfTI atlas", lambda img: None)
    if isinstance(atlas, nib.spatialimages.SpatialImage):
        values = np.asanyarray(atlas.dataobj)
        affine, zooms = atlas.affine, atlas.header.get_zooms()[:3]
    else:
        values, affine, zooms = np.asarray(atlas), np.eye(4), (1.0, 1.0, 1.0)
    if values.ndim == 4 and values.shape[3] == 1:
        values = values[..., 0]
    if values.ndim != 3:
        raise ValueError(f"the atlas must be a 3-D label volume; got shape {values.shape}")
    if not np.all(np.isfinite(values)) or np.any(values != np.round(values)):
        raise ValueError("the atlas must hold integer region labels (0 = background)")
    return values.astype(np.int64), np.asarray(affine, dtype=np.float64), tuple(float(z) for z in zooms)


def atlas_region_values(atlas_labels, n_regions, atlas_values):
    """The atlas label of each region: ``atlas_values`` or ``1 … N``; every one must occur in the atlas."""
    values = np.arange(1, n_regions + 1) if atlas_values is None else np.asarray(atlas_values).reshape(-1)
    if values.shape != (n_regions,):
        raise ValueError(f"atlas_values must give one atlas label per region ({n_regions}); got {values.shape}")
    if len(set(values.tolist())) != n_regions:
        raise ValueError("atlas_values must be distinct")
    missing = sorted(set(values.tolist()) - set(np.unique(atlas_labels).tolist()))
    if missing:
        raise ValueError(f"atlas labels {missing[:10]} of the regions do not occur in the atlas")
    return values.astype(np.int64)


def _region_index(atlas_labels, values):
    """Per voxel, the index of its region, or ``len(values)`` for voxels outside every region."""
    lookup = {int(v): i for i, v in enumerate(values)}
    flat = atlas_labels.reshape(-1)
    index = np.full(flat.shape, len(values), dtype=np.int64)
    for v in np.unique(flat):
        if int(v) in lookup:
            index[flat == v] = lookup[int(v)]
    return index.reshape(atlas_labels.shape)


def write_nifti_timeseries(
    path, series, *, t=None, labels=None, output=None, atlas=None, atlas_values=None, dtype=np.float32
):
    r"""Write a parcellated ``(time, node)`` series as a 4-D NIfTI-1 image.

    With an ``atlas`` (a 3-D label volume), every voxel labelled ``atlas_values[i]`` gets region ``i``'s time
    series and every other voxel 0: the image has the atlas's grid and affine, shape ``atlas.shape + (T,)``.
    Without one, the image is ``(N, 1, 1, T)``: parcel × time, time on the 4th axis as NIfTI requires.

    Args:
        path: output file (``.nii`` or ``.nii.gz``).
        series: a :class:`~jaxbrain.Result` (its BOLD, or ``output``), a :class:`TimeSeries`, or a ``(T, N)``
            array with ``t``.
        t: ``(T,)`` equally spaced sample times in ms (required for a plain array).
        labels: region names (default: the result's labels, or ``"0" … "N-1"``).
        output: which output of a Result (default BOLD when present, else the model's default output).
        atlas: label volume (path, nibabel image or integer array; 0 = background).
        atlas_values: the atlas label of each region (default ``1 … N``).
        dtype: stored data type; float32 (default) keeps files small, float64 stores values exactly.

    Returns:
        The written ``nibabel.Nifti1Image``.

    Example:
        >>> import numpy as np, tempfile, pathlib
        >>> from jaxbrain.io import write_nifti_timeseries, read_nifti_timeseries
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "bold.nii.gz"
        >>> _ = write_nifti_timeseries(p, np.ones((5, 3)), t=2000.0 * np.arange(1, 6))
        >>> read_nifti_timeseries(p).data.shape
        (5, 3)
    """
    import nibabel as nib

    ts = as_series(series, t=t, labels=labels, output=output)
    n_time, n_nodes = ts.data.shape
    meta = {"labels": list(ts.labels), "t0_ms": float(ts.t[0]), "tr_ms": ts.tr}
    if atlas is None:
        data = ts.data.T.reshape(n_nodes, 1, 1, n_time).astype(dtype)
        affine, zooms = np.eye(4), (1.0, 1.0, 1.0)
        meta["layout"] = "parcels"
    else:
        atlas_labels, affine, zooms = load_atlas(atlas)
        values = atlas_region_values(atlas_labels, n_nodes, atlas_values)
        padded = np.concatenate([ts.data, np.zeros((n_time, 1))], axis=1).astype(dtype)
        data = padded.T[_region_index(atlas_labels, values)]
        meta.update(layout="atlas", atlas_values=values.tolist())
    img = nib.Nifti1Image(data, affine)
    img.header.set_xyzt_units("mm", "sec")
    img.header.set_zooms(zooms + (ts.tr / 1000.0,))
    img.header["toffset"] = ts.t[0] / 1000.0
    img.header.extensions.append(nib.nifti1.Nifti1Extension("comment", json.dumps({_EXT_KEY: meta}).encode()))
    save_image(img, path)
    return img


def _metadata(header):
    for ext in header.extensions:
        if ext.get_code() != 6:
            continue
        try:
            content = json.loads(ext.get_content().decode())
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(content, dict) and _EXT_KEY in content:
            return content[_EXT_KEY]
    return {}


def _voxel_mean(voxels):
    # Averaging deviations from the first voxel returns a region painted with one series exactly.
    voxels = voxels.astype(np.float64)
    return voxels[0] + (voxels - voxels[0]).mean(axis=0)


def read_nifti_timeseries(path, *, atlas=None, atlas_values=None) -> TimeSeries:
    """Read a parcellated time series from a NIfTI image (the inverse of :func:`write_nifti_timeseries`).

    Args:
        path: a ``.nii``/``.nii.gz`` file.
        atlas: for a 4-D volume, the label volume (as in the writer); each region's series is the mean over
            its voxels. Not needed for the parcel × time layout (``(N, 1, 1, T)`` or a 2-D ``(N, T)`` image).
        atlas_values: the atlas label of each region (default: stored by the writer, else the sorted non-zero
            labels of the atlas).

    Returns:
        A :class:`TimeSeries` with ``data`` ``(T, N)``, ``t`` in ms and the labels (stored ones, else the
        atlas values or indices).
    """
    img, data = load_image(path, "NIfTI image", lambda img: np.asanyarray(img.dataobj))
    meta = _metadata(img.header)
    if atlas is None:
        if data.ndim == 2:
            series = data.T
        elif data.ndim == 4 and data.shape[1:3] == (1, 1):
            series = data[:, 0, 0, :].T
        else:
            raise ValueError(f"{path}: a {data.shape} volume needs the atlas it was painted into (atlas=...)")
        values = None
    else:
        atlas_labels, _, _ = load_atlas(atlas)
        if data.ndim != 4 or data.shape[:3] != atlas_labels.shape:
            raise ValueError(
                f"{path}: image shape {data.shape} does not match the atlas {atlas_labels.shape} + (time,)"
            )
        if atlas_values is None:
            atlas_values = meta.get("atlas_values")
        if atlas_values is None:
            atlas_values = [v for v in np.unique(atlas_labels).tolist() if v != 0]
        values = atlas_region_values(atlas_labels, len(atlas_values), atlas_values)
        series = np.stack([_voxel_mean(data[atlas_labels == v]) for v in values], axis=1)
    n_time, n_nodes = series.shape
    if "t0_ms" in meta and "tr_ms" in meta:
        t0, tr = float(meta["t0_ms"]), float(meta["tr_ms"])
    else:
        scale = _TIME_UNIT_MS.get(img.header.get_xyzt_units()[1], 1000.0)
        zooms = img.header.get_zooms()
        tr = float(zooms[3]) * scale if len(zooms) > 3 else 1.0
        t0 = float(img.header["toffset"]) * scale
    labels = meta.get("labels")
    if labels is None or len(labels) != n_nodes:
        labels = [str(v) for v in values] if values is not None else [str(i) for i in range(n_nodes)]
    return TimeSeries(np.asarray(series, dtype=np.float64), t0 + tr * np.arange(n_time), tuple(labels))
