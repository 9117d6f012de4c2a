"""NIfTI export and import of parcellated time series: parcel × time images and atlas-painted volumes."""

import nibabel as nib
import numpy as np
import pytest

from jaxbrain.integrate import Result
from jaxbrain.io import TimeSeries, read_nifti_timeseries, write_nifti_timeseries

RNG = np.random.default_rng(1)
DATA = RNG.normal(size=(6, 3))
T_MS = 2000.0 * np.arange(1, 7)  # BOLD samples at TR = 2 s
LABELS = ("V1", "M1", "PFC")


def _atlas():
    atlas = np.zeros((4, 5, 3), dtype=np.int16)
    atlas[:2, :2] = 7
    atlas[2:, :, 0] = 3
    atlas[:, 4, 2] = 11
    return atlas


def test_parcel_image_round_trip(tmp_path):
    p = tmp_path / "bold.nii.gz"
    img = write_nifti_timeseries(p, DATA, t=T_MS, labels=LABELS, dtype=np.float64)
    assert img.shape == (3, 1, 1, 6)
    loaded = nib.load(p)
    assert loaded.header.get_xyzt_units() == ("mm", "sec")
    np.testing.assert_allclose(loaded.header.get_zooms()[3], 2.0)  # TR in seconds in the file
    ts = read_nifti_timeseries(p)
    np.testing.assert_array_equal(ts.data, DATA)
    np.testing.assert_array_equal(ts.t, T_MS)
    assert ts.labels == LABELS


def test_float32_default(tmp_path):
    write_nifti_timeseries(tmp_path / "b.nii", DATA, t=T_MS)
    ts = read_nifti_timeseries(tmp_path / "b.nii")
    np.testing.assert_allclose(ts.data, DATA, rtol=1e-6, atol=1e-7)
    assert ts.labels == ("0", "1", "2")


def test_atlas_round_trip(tmp_path):
    atlas = _atlas()
    affine = np.diag([2.0, 2.0, 2.0, 1.0])
    atlas_img = nib.Nifti1Image(atlas, affine)
    p = tmp_path / "painted.nii.gz"
    write_nifti_timeseries(p, DATA, t=T_MS, labels=LABELS, atlas=atlas_img, atlas_values=[7, 3, 11], dtype=np.float64)
    img = nib.load(p)
    assert img.shape == atlas.shape + (6,)
    np.testing.assert_array_equal(img.affine, affine)
    vol = np.asanyarray(img.dataobj)
    for i, v in enumerate([7, 3, 11]):
        np.testing.assert_array_equal(vol[atlas == v], np.broadcast_to(DATA[:, i], ((atlas == v).sum(), 6)))
    np.testing.assert_array_equal(vol[atlas == 0], 0.0)
    ts = read_nifti_timeseries(p, atlas=atlas_img)  # atlas values and labels stored in the file
    np.testing.assert_array_equal(ts.data, DATA)
    assert ts.labels == LABELS
    np.testing.assert_array_equal(ts.t, T_MS)


def test_read_foreign_image_with_atlas(tmp_path):
    """A plain 4-D image without jaxbrain's header extension: regions are the sorted atlas labels."""
    atlas = _atlas()
    vol = np.zeros(atlas.shape + (6,))
    for i, v in enumerate([3, 7, 11]):
        vol[atlas == v] = DATA[:, i]
    img = nib.Nifti1Image(vol, np.eye(4))
    img.header.set_xyzt_units("mm", "msec")
    img.header.set_zooms((1.0, 1.0, 1.0, 720.0))
    nib.save(img, tmp_path / "foreign.nii")
    ts = read_nifti_timeseries(tmp_path / "foreign.nii", atlas=atlas)
    np.testing.assert_allclose(ts.data, DATA)
    assert ts.labels == ("3", "7", "11")
    np.testing.assert_allclose(ts.t, 720.0 * np.arange(6))


def test_from_result(tmp_path):
    res = Result(
        t=0.1 * np.arange(1, 4),
        outputs={"x": np.ones((3, 2))},
        t_bold=np.array([0.1, 2000.1]),
        bold=np.array([[1.0, 2.0], [3.0, 4.0]]),
        final=None,
        ok=True,
        labels=("a", "b"),
        model="hopf",
        params=None,
    )
    write_nifti_timeseries(tmp_path / "r.nii", res, dtype=np.float64)  # BOLD by default
    ts = read_nifti_timeseries(tmp_path / "r.nii")
    np.testing.assert_array_equal(ts.data, res.bold)
    np.testing.assert_allclose(ts.t, res.t_bold)
    assert ts.labels == ("a", "b")
    write_nifti_timeseries(tmp_path / "x.nii", res, output="x")
    assert read_nifti_timeseries(tmp_path / "x.nii").data.shape == (3, 2)
    with pytest.raises(ValueError, match="unknown output"):
        write_nifti_timeseries(tmp_path / "y.nii", res, output="y")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(series=DATA), "sample times"),
        (dict(series=DATA, t=np.r_[T_MS[:-1], 1e6]), "equal"),
        (dict(series=np.where(np.eye(6, 3) > 0, np.nan, DATA), t=T_MS), "NaN"),
        (dict(series=DATA, t=T_MS, labels=("a",)), "labels"),
        (dict(series=DATA, t=T_MS, atlas=_atlas(), atlas_values=[7, 3, 99]), "do not occur"),
        (dict(series=DATA, t=T_MS, atlas=_atlas(), atlas_values=[7, 3]), "one atlas label per region"),
        (dict(series=DATA, t=T_MS, atlas=np.ones((3, 3))), "3-D"),
        (dict(series=TimeSeries(DATA, T_MS[:3], LABELS)), "one time per row"),
    ],
)
def test_write_errors(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        write_nifti_timeseries(tmp_path / "e.nii", **kwargs)


def test_volume_needs_atlas(tmp_path):
    write_nifti_timeseries(tmp_path / "v.nii", DATA, t=T_MS, atlas=_atlas(), atlas_values=[7, 3, 11])
    with pytest.raises(ValueError, match="atlas"):
        read_nifti_timeseries(tmp_path / "v.nii")
    with pytest.raises(ValueError, match="does not match the atlas"):
        read_nifti_timeseries(tmp_path / "v.nii", atlas=np.ones((2, 2, 2)))
