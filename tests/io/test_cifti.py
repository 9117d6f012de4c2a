"""CIFTI-2 export and import: parcellated (.ptseries.nii) and dense (.dtseries.nii) series."""

import nibabel as nib
import numpy as np
import pytest
from nibabel.cifti2 import cifti2_axes

from jaxbrain.io import read_cifti_timeseries, write_cifti_dtseries, write_cifti_ptseries

RNG = np.random.default_rng(2)
DATA = RNG.normal(size=(5, 3))
T_MS = 720.0 * np.arange(1, 6)
LABELS = ("L_V1", "R_V1", "thal")


def _brain_models():
    """6 left-cortex vertices (of 8), 4 right-cortex vertices (of 5) and 2 thalamic voxels."""
    left = cifti2_axes.BrainModelAxis.from_surface(np.arange(6), 8, "CortexLeft")
    right = cifti2_axes.BrainModelAxis.from_surface(np.array([0, 1, 3, 4]), 5, "CortexRight")
    mask = np.zeros((3, 3, 3), dtype=bool)
    mask[1, 1, 1] = mask[2, 1, 0] = True
    thal = cifti2_axes.BrainModelAxis.from_mask(mask, name="ThalamusLeft", affine=np.eye(4))
    return left + right + thal


PARCELLATION = np.array([0, 0, 0, 0, -1, 0, 1, 1, 1, 1, 2, 2])


def test_ptseries_with_brain_models_round_trip(tmp_path):
    p = tmp_path / "sim.ptseries.nii"
    write_cifti_ptseries(
        p, DATA, t=T_MS, labels=LABELS, brain_models=_brain_models(), parcellation=PARCELLATION, dtype=np.float64
    )
    img = nib.load(p)
    assert isinstance(img, nib.Cifti2Image)
    assert img.nifti_header.get_intent()[0] == "ConnParcelSries"
    series, parcels = img.header.get_axis(0), img.header.get_axis(1)
    assert isinstance(series, cifti2_axes.SeriesAxis) and isinstance(parcels, cifti2_axes.ParcelsAxis)
    assert series.unit == "SECOND" and series.size == 5
    np.testing.assert_allclose([series.start, series.step], [0.72, 0.72])
    assert tuple(parcels.name) == LABELS
    np.testing.assert_array_equal(parcels.vertices[0]["CIFTI_STRUCTURE_CORTEX_LEFT"], [0, 1, 2, 3, 5])
    np.testing.assert_array_equal(parcels.vertices[1]["CIFTI_STRUCTURE_CORTEX_RIGHT"], [0, 1, 3, 4])
    assert sorted(map(tuple, parcels.voxels[2].tolist())) == [(1, 1, 1), (2, 1, 0)]
    ts = read_cifti_timeseries(p)
    np.testing.assert_array_equal(ts.data, DATA)
    np.testing.assert_allclose(ts.t, T_MS, rtol=1e-12)
    assert ts.labels == LABELS


def test_ptseries_names_only_and_atlas(tmp_path):
    write_cifti_ptseries(tmp_path / "a.ptseries.nii", DATA, t=T_MS, labels=LABELS)
    ts = read_cifti_timeseries(tmp_path / "a.ptseries.nii")
    np.testing.assert_allclose(ts.data, DATA, rtol=1e-6)  # float32 by default
    assert ts.labels == LABELS
    atlas = np.zeros((3, 3, 3), dtype=np.int32)
    atlas[0], atlas[1], atlas[2, 0, 0] = 1, 2, 3
    write_cifti_ptseries(tmp_path / "b.ptseries.nii", DATA, t=T_MS, atlas=atlas)
    parcels = nib.load(tmp_path / "b.ptseries.nii").header.get_axis(1)
    assert [len(v) for v in parcels.voxels] == [9, 9, 1]


def test_dtseries_round_trip(tmp_path):
    p = tmp_path / "sim.dtseries.nii"
    bm = _brain_models()
    write_cifti_dtseries(p, DATA, bm, PARCELLATION, t=T_MS, dtype=np.float64)
    img = nib.load(p)
    assert img.nifti_header.get_intent()[0] == "ConnDenseSeries"
    assert isinstance(img.header.get_axis(1), cifti2_axes.BrainModelAxis)
    assert img.shape == (5, 12)
    dense = read_cifti_timeseries(p)
    np.testing.assert_array_equal(dense.data[:, 4], 0.0)  # the vertex in no region
    np.testing.assert_array_equal(dense.data[:, PARCELLATION >= 0], DATA[:, PARCELLATION[PARCELLATION >= 0]])
    assert dense.labels[0] == "CORTEX_LEFT:0" and dense.labels[-1].startswith("THALAMUS_LEFT:")
    regions = read_cifti_timeseries(p, parcellation=PARCELLATION, labels=LABELS)
    np.testing.assert_array_equal(regions.data, DATA)
    assert regions.labels == LABELS
    np.testing.assert_allclose(regions.t, T_MS, rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda p: write_cifti_ptseries(p / "x.nii", DATA, t=T_MS), "ptseries"),
        (lambda p: write_cifti_dtseries(p / "x.ptseries.nii", DATA, _brain_models(), PARCELLATION, t=T_MS), "dtseries"),
        (
            lambda p: write_cifti_dtseries(p / "x.dtseries.nii", DATA, _brain_models(), PARCELLATION[:5], t=T_MS),
            "one region index",
        ),
        (
            lambda p: write_cifti_dtseries(p / "x.dtseries.nii", DATA, _brain_models(), PARCELLATION + 1, t=T_MS),
            "indices",
        ),
        (
            lambda p: write_cifti_ptseries(p / "x.ptseries.nii", DATA, t=T_MS, brain_models=_brain_models()),
            "parcellation",
        ),
    ],
)
def test_errors(tmp_path, call, match):
    with pytest.raises(ValueError, match=match):
        call(tmp_path)


def test_read_rejects_plain_nifti(tmp_path):
    nib.save(nib.Nifti1Image(np.zeros((2, 2, 2, 2)), np.eye(4)), tmp_path / "plain.nii")
    with pytest.raises(ValueError, match="CIFTI"):
        read_cifti_timeseries(tmp_path / "plain.nii")
