r"""Time series as CIFTI-2: parcellated (``.ptseries.nii``) and dense (``.dtseries.nii``).

A CIFTI-2 series file is a 2-D ``(time, brain)`` matrix whose first axis is a ``SeriesAxis`` (start and step in
seconds; jaxbrain's times are ms and are converted) and whose second is a ``ParcelsAxis`` (one named parcel per
region, with the vertices/voxels it covers) or a ``BrainModelAxis`` (one column per grayordinate: surface vertex
or voxel).

References:
    CIFTI-2 format specification (2014), https://www.nitrc.org/projects/cifti/; Glasser et al. (2013) The minimal
    preprocessing pipelines for the Human Connectome Project, NeuroImage 80:105, doi:10.1016/j.neuroimage.2013.04.127.
"""

from __future__ import annotations

import numpy as np

from ._nifti import atlas_region_values, load_atlas, load_image, save_image
from ._series import TimeSeries, as_series


def _series_axis(ts):
    from nibabel.cifti2 import cifti2_axes

    return cifti2_axes.SeriesAxis(start=ts.t[0] / 1000.0, step=ts.tr / 1000.0, size=len(ts.t), unit="SECOND")


def _check_suffix(path, suffix):
    if not str(path).endswith(suffix):
        raise ValueError(
            f"this CIFTI-2 file must be named *{suffix} (Connectome Workbench reads the type from it); got {path}"
        )


def _parcellation(parcellation, brain_models, n_regions):
    p = np.asarray(parcellation)
    if p.shape != (len(brain_models),):
        raise ValueError(
            f"parcellation must give one region index per grayordinate ({len(brain_models)},); got {p.shape}"
        )
    if not np.issubdtype(p.dtype, np.integer):
        raise ValueError(f"parcellation must hold integer region indices (-1 = none); got dtype {p.dtype}")
    if p.size and (p.min() < -1 or p.max() >= n_regions):
        raise ValueError(f"parcellation indices must lie in [-1, {n_regions}); got [{p.min()}, {p.max()}]")
    return p.astype(np.int64)


def _parcels_from_brain_models(brain_models, parcellation, names):
    from nibabel.cifti2 import cifti2_axes

    voxels, vertices = [], []
    for i in range(len(names)):
        sel = parcellation == i
        voxels.append(brain_models.voxel[sel & brain_models.volume_mask])
        surface = sel & brain_models.surface_mask
        per_structure = {}
        for structure in np.unique(brain_models.name[surface]):
            per_structure[str(structure)] = brain_models.vertex[surface & (brain_models.name == structure)]
        vertices.append(per_structure)
    has_volume = bool(brain_models.volume_mask.any())
    return cifti2_axes.ParcelsAxis(
        list(names),
        voxels,
        vertices,
        affine=brain_models.affine if has_volume else None,
        volume_shape=brain_models.volume_shape if has_volume else None,
        nvertices=dict(brain_models.nvertices),
    )


def _parcels_from_atlas(atlas, atlas_values, names):
    from nibabel.cifti2 import cifti2_axes

    labels, affine, _ = load_atlas(atlas)
    values = atlas_region_values(labels, len(names), atlas_values)
    voxels = [np.argwhere(labels == v) for v in values]
    return cifti2_axes.ParcelsAxis(
        list(names), voxels, [{} for _ in names], affine=affine, volume_shape=labels.shape, nvertices={}
    )


def write_cifti_ptseries(
    path,
    series,
    *,
    t=None,
    labels=None,
    output=None,
    brain_models=None,
    parcellation=None,
    atlas=None,
    atlas_values=None,
    dtype=np.float32,
):
    r"""Write a parcellated ``(time, node)`` series as a CIFTI-2 ``.ptseries.nii`` (SeriesAxis × ParcelsAxis).

    Each region is a parcel named by its label. The parcels' geometry comes from either

    - ``brain_models`` (a ``nibabel.cifti2.BrainModelAxis`` of grayordinates, e.g. from a dense file) and
      ``parcellation`` (the region index of each grayordinate, -1 for none), or
    - ``atlas`` (a 3-D label volume, as for :func:`write_nifti_timeseries`) and ``atlas_values``;

    without either the parcels carry names only (valid CIFTI-2 that nibabel reads, but Connectome Workbench
    cannot draw it).

    Args:
        path: output file, ending in ``.ptseries.nii``.
        series: a :class:`~jaxbrain.Result`, a :class:`TimeSeries` or a ``(T, N)`` array with ``t`` (ms).
        t, labels, output: as for :func:`write_nifti_timeseries`.
        brain_models, parcellation: grayordinates and their region indices ``(n_grayordinates,)``.
        atlas, atlas_values: a label volume and the atlas label of each region (default ``1 … N``).
        dtype: stored data type; float32 (default), or float64 to store values exactly.

    Returns:
        The written ``nibabel.Cifti2Image``.
    """
    import nibabel as nib

    _check_suffix(path, ".ptseries.nii")
    ts = as_series(series, t=t, labels=labels, output=output)
    n_nodes = ts.data.shape[1]
    if brain_models is not None and atlas is not None:
        raise ValueError("give the parcels' geometry as brain_models + parcellation or as an atlas, not both")
    if brain_models is not None:
        if parcellation is None:
            raise ValueError("brain_models needs parcellation= (the region index of each grayordinate)")
        parcels = _parcels_from_brain_models(
            brain_models, _parcellation(parcellation, brain_models, n_nodes), ts.labels
        )
    elif atlas is not None:
        parcels = _parcels_from_atlas(atlas, atlas_values, ts.labels)
    else:
        from nibabel.cifti2 import cifti2_axes

        empty = np.zeros((0, 3), dtype=np.int64)
        parcels = cifti2_axes.ParcelsAxis(list(ts.labels), [empty] * n_nodes, [{}] * n_nodes, nvertices={})
    img = nib.Cifti2Image(ts.data.astype(dtype), header=(_series_axis(ts), parcels))
    img.nifti_header.set_intent("ConnParcelSries")
    save_image(img, path)
    return img


def write_cifti_dtseries(path, series, brain_models, parcellation, *, t=None, output=None, dtype=np.float32):
    r"""Write a parcellated series as a dense CIFTI-2 ``.dtseries.nii``: every grayordinate gets its region's series.

    Args:
        path: output file, ending in ``.dtseries.nii``.
        series: a :class:`~jaxbrain.Result`, a :class:`TimeSeries` or a ``(T, N)`` array with ``t`` (ms).
        brain_models: a ``nibabel.cifti2.BrainModelAxis`` (e.g. ``BrainModelAxis.from_surface(vertices,
            n_vertices, "CortexLeft")``, summed with ``+`` over structures).
        parcellation: ``(n_grayordinates,)`` region index of each grayordinate (the vertex-to-parcel map);
            -1 leaves a grayordinate at 0.
        t, output: as for :func:`write_nifti_timeseries`.
        dtype: stored data type; float32 (default), or float64 to store values exactly.

    Returns:
        The written ``nibabel.Cifti2Image``.
    """
    import nibabel as nib

    _check_suffix(path, ".dtseries.nii")
    ts = as_series(series, t=t, output=output)
    index = _parcellation(parcellation, brain_models, ts.data.shape[1])
    padded = np.concatenate([ts.data, np.zeros((ts.data.shape[0], 1))], axis=1)
    dense = padded[:, np.where(index < 0, ts.data.shape[1], index)]
    img = nib.Cifti2Image(dense.astype(dtype), header=(_series_axis(ts), brain_models))
    img.nifti_header.set_intent("ConnDenseSeries")
    save_image(img, path)
    return img


def _grayordinate_names(bm):
    names = []
    for name, vertex, voxel, on_surface in zip(bm.name, bm.vertex, bm.voxel, bm.surface_mask):
        short = str(name).replace("CIFTI_STRUCTURE_", "")
        names.append(f"{short}:{vertex}" if on_surface else f"{short}:{voxel[0]},{voxel[1]},{voxel[2]}")
    return names


def read_cifti_timeseries(path, *, parcellation=None, labels=None) -> TimeSeries:
    """Read a CIFTI-2 series file (``.ptseries.nii`` or ``.dtseries.nii``) as a :class:`TimeSeries`.

    Args:
        path: the file.
        parcellation: for a dense file, the region index of each grayordinate: the result is then the mean
            over each region's grayordinates, ``(T, N)``. Without it a dense file gives one column per
            grayordinate, named ``STRUCTURE:vertex`` or ``STRUCTURE:i,j,k``.
        labels: region names for the parcellated result of a dense file (default ``"0" … "N-1"``).

    Returns:
        ``data`` ``(T, N)``, ``t`` in ms (from the SeriesAxis) and the parcel names.
    """
    import nibabel as nib
    from nibabel.cifti2 import cifti2_axes

    img, data = load_image(path, "CIFTI-2 file", lambda img: np.asarray(img.get_fdata(), dtype=np.float64))
    if not isinstance(img, nib.Cifti2Image):
        raise ValueError(f"{path}: not a CIFTI-2 file (nibabel reads it as a {type(img).__name__})")
    try:
        series_axis, brain_axis = (img.header.get_axis(i) for i in range(2))
    except (ValueError, KeyError, IndexError) as err:
        raise ValueError(f"{path}: not a readable CIFTI-2 file: its axes are malformed ({err})") from None
    if not isinstance(series_axis, cifti2_axes.SeriesAxis):
        raise ValueError(f"{path}: the first axis is a {type(series_axis).__name__}, not a SeriesAxis")
    if series_axis.unit != "SECOND":
        raise ValueError(f"{path}: the series is in {series_axis.unit}, not time (SECOND)")
    t = 1000.0 * (series_axis.start + series_axis.step * np.arange(series_axis.size))
    if isinstance(brain_axis, cifti2_axes.ParcelsAxis):
        return TimeSeries(data, t, tuple(str(n) for n in brain_axis.name))
    if not isinstance(brain_axis, cifti2_axes.BrainModelAxis):
        raise ValueError(f"{path}: the second axis is a {type(brain_axis).__name__}, not parcels or brain models")
    if parcellation is None:
        return TimeSeries(data, t, tuple(_grayordinate_names(brain_axis)))
    index = np.asarray(parcellation)
    n_regions = int(index.max()) + 1 if index.size else 0
    index = _parcellation(index, brain_axis, n_regions)
    empty = [i for i in range(n_regions) if not np.any(index == i)]
    if empty:
        raise ValueError(f"regions {empty[:10]} have no grayordinate in the parcellation")
    regions = np.stack([data[:, index == i].mean(axis=1) for i in range(n_regions)], axis=1)
    names = tuple(str(i) for i in range(n_regions)) if labels is None else tuple(map(str, labels))
    if len(names) != n_regions:
        raise ValueError(f"labels must name every region ({n_regions}); got {len(names)}")
    return TimeSeries(regions, t, names)
