"""Bad files and bad arguments to the readers and writers of ``jaxbrain.io``: each row a clear error naming the
file (every helper writes into the test's own temporary folder, the current directory)."""

import re
import zipfile

import numpy as np
import pytest

from jaxbrain.io import (
    load_connectome,
    load_result,
    read_cifti_timeseries,
    read_nifti_timeseries,
    read_tvb_zip,
    save_result,
    write_nifti_timeseries,
)

pytest.importorskip("nibabel")
pytest.importorskip("xarray")


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def _text(name, text):
    with open(name, "w") as fh:
        fh.write(text)
    return name


def _csv(text):
    return load_connectome(_text("sc.csv", text))


def _npz(**arrays):
    np.savez("sc.npz", **arrays)
    return load_connectome("sc.npz")


TVB_CENTRES = "a 0 0 0\nb 1 0 0\n"


def _tvb_zip(name="tvb.zip", compress=zipfile.ZIP_DEFLATED, **members):
    files = {"weights.txt": "0 1\n1 0\n", "tract_lengths.txt": "0 5\n5 0\n", "centres.txt": TVB_CENTRES}
    files.update(members)
    with zipfile.ZipFile(name, "w", compress, compresslevel=9 if compress == zipfile.ZIP_DEFLATED else None) as z:
        for member, text in files.items():
            z.writestr(member, text)
    return name


def _zip_bomb():
    # 3 MiB of "0 " deflates ~1000-fold into ~3 kB: the ratio refuses it before anything is inflated.
    return read_tvb_zip(_tvb_zip(**{"weights.txt": "0 " * (3 * 1024**2 // 2)}))


def _npz_bomb():
    with zipfile.ZipFile("sc.npz", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("Cmat.npy", b"\0" * (3 * 1024**2))
    return load_connectome("sc.npz")


def _lying_zip():
    # The member declares 10 bytes but holds more: the read stops at the declared size and the CRC fails.
    name = _tvb_zip(compress=zipfile.ZIP_STORED, **{"weights.txt": "0 1 0\n1 0 1\n0 1 0\n"})
    data = bytearray(open(name, "rb").read())
    with zipfile.ZipFile(name) as z:
        info = z.getinfo("weights.txt")
    true_size = info.file_size.to_bytes(4, "little")
    # Both the local header and the central directory carry the sizes; patch the uncompressed ones.
    for at in [i for i in range(len(data) - 3) if data[i : i + 4] == true_size]:
        data[at : at + 4] = (10).to_bytes(4, "little")
    open(name, "wb").write(bytes(data))
    return read_tvb_zip(name)


def _nifti():
    write_nifti_timeseries("bold.nii", np.ones((4, 3)), t=2000.0 * np.arange(4))
    return "bold.nii"


def _truncated(path, keep):
    data = open(path, "rb").read()
    open(path, "wb").write(data[:keep] if keep >= 0 else data[:keep])
    return path


def _truncated_nifti():
    return read_nifti_timeseries(_truncated(_nifti(), -10))


def _garbage(name):
    open(name, "wb").write(b"this is not a brain image\n" * 20)
    return name


def _result():
    import jax.random as jr

    from jaxbrain import simulate

    return simulate("hopf", key=jr.key(0), duration=2.0)


def _saved_result(name):
    save_result(_result(), name)
    return name


def _foreign_zarr():
    import xarray as xr

    xr.Dataset({"a": ("q", np.ones(3))}).to_zarr("other.zarr", consolidated=False)
    return load_result("other.zarr")


def _foreign_nc():
    import xarray as xr

    xr.Dataset({"a": ("q", np.ones(3))}).to_netcdf("other.nc")
    return load_result("other.nc")


def _empty_folder_zarr():
    import os

    os.mkdir("empty.zarr")
    return load_result("empty.zarr")


def _save_over_a_folder():
    import os

    os.mkdir("mine.zarr")
    _text("mine.zarr/notes.txt", "keep me")
    save_result(_result(), "mine.zarr")


def _cifti_from_nifti():
    return read_cifti_timeseries(_nifti())


CASES = [
    # delimited text: the header rule (one name per column; +1 only for a corner cell above a label column)
    pytest.param(lambda: _csv("a,b,c\n0,1\n1,0\n"), ValueError, "3 names for 2 columns; without a first", id="hdr+1"),
    pytest.param(lambda: _csv("b,c\n0,1,2\n1,0,2\n2,2,0\n"), ValueError, "has 2 names for 3 columns", id="hdr-1"),
    pytest.param(
        lambda: _csv(",a,b,c\nx,0,1\ny,1,0\n"), ValueError, "it must hold 2 names, or 3 with a corner", id="hdr+2"
    ),
    pytest.param(lambda: _csv(",a,b\nb,0,1\na,1,0\n"), ValueError, "name the regions differently", id="hdr-vs-rows"),
    pytest.param(lambda: _csv("a,a\n0,1\n1,0\n"), ValueError, "repeated: ['a']", id="csv-repeated-header"),
    pytest.param(lambda: _csv("x,0,1\nx,1,0\n"), ValueError, "sc.csv: labels must name each region once", id="rows"),
    pytest.param(lambda: _csv("0,1\n1,\n"), ValueError, "sc.csv: non-numeric or missing entry", id="csv-missing"),
    # named arrays
    pytest.param(
        lambda: _npz(Cmat=np.ones((2, 2)), labels=np.array(["a", "a"])), ValueError, "repeated", id="npz-repeated"
    ),
    pytest.param(
        lambda: _npz(Cmat=np.ones((2, 2)), labels=np.array([1.0, np.nan])), ValueError, "labels contain NaN", id="nanl"
    ),
    pytest.param(
        lambda: _npz(Cmat=np.ones((2, 2)), coords=np.full((2, 3), np.nan)), ValueError, "coords contains NaN", id="nanc"
    ),
    pytest.param(
        lambda: _npz(Cmat=np.ones((2, 2)), coords=np.ones((2, 2))), ValueError, "sc.npz: coords must have", id="coords"
    ),
    pytest.param(lambda: _npz(Cmat=np.ones((2, 2)) * 1j), ValueError, "weights must be real", id="npz-complex"),
    pytest.param(lambda: _npz(Cmat=np.zeros((0, 0))), ValueError, "non-empty square", id="npz-empty"),
    pytest.param(
        lambda: load_connectome(_text("sc.csv", "0,1\n1,0\n"), labels="ab"), TypeError, "single string", id="lbl-str"
    ),
    pytest.param(
        lambda: load_connectome(_text("sc.csv", "0,1\n1,0\n"), labels=["a", "a"]), ValueError, "repeated", id="lbl-rep"
    ),
    # zip files: decompression bombs, lying headers, damaged members
    pytest.param(_zip_bomb, ValueError, "inflates 1025-fold", id="zip-bomb-ratio"),
    pytest.param(_npz_bomb, ValueError, "sc.npz: not a readable .npz file", id="npz-bomb-ratio"),
    pytest.param(_lying_zip, ValueError, "tvb.zip: member weights.txt cannot be read", id="zip-lying-size"),
    pytest.param(
        lambda: read_tvb_zip(_tvb_zip(**{"centres.txt": "a 0 0 0\na 1 0 0\n"})), ValueError, "repeated", id="tvb-rep"
    ),
    pytest.param(
        lambda: read_tvb_zip(_tvb_zip(**{"centres.txt": "a 0 0 nan\nb 1 0 0\n"})), ValueError, "NaN", id="tvb-nan"
    ),
    pytest.param(lambda: read_tvb_zip(_garbage("tvb.zip")), ValueError, "not a readable zip file", id="zip-garbage"),
    # NIfTI / CIFTI
    pytest.param(_truncated_nifti, ValueError, "bold.nii: not a readable NIfTI image", id="nifti-truncated"),
    pytest.param(
        lambda: read_nifti_timeseries(_garbage("x.nii")), ValueError, "x.nii: not a readable NIfTI", id="nifti-garbage"
    ),
    pytest.param(
        lambda: read_nifti_timeseries(_garbage("x.nii.gz")), ValueError, "not a readable NIfTI image", id="nifti-gz"
    ),
    pytest.param(lambda: read_nifti_timeseries("missing.nii"), ValueError, "missing.nii: no such file", id="nifti-no"),
    pytest.param(
        lambda: write_nifti_timeseries("o.nii", np.ones((4, 3)), t=np.arange(4.0), atlas=_garbage("atlas.nii")),
        ValueError,
        "atlas.nii: not a readable NIfTI atlas",
        id="atlas-garbage",
    ),
    pytest.param(
        lambda: read_cifti_timeseries(_garbage("x.ptseries.nii")), ValueError, "not a readable CIFTI-2", id="cifti-bad"
    ),
    pytest.param(_cifti_from_nifti, ValueError, "bold.nii: not a CIFTI-2 file", id="cifti-from-nifti"),
    # saved results
    pytest.param(
        lambda: load_result(_truncated(_saved_result("run.nc"), 100)), ValueError, "run.nc: not a readable", id="nc-cut"
    ),
    pytest.param(lambda: load_result(_garbage("run.nc")), ValueError, "run.nc: not a readable netCDF", id="nc-garbage"),
    pytest.param(_foreign_nc, ValueError, "other.nc: not a jaxbrain result", id="nc-foreign"),
    pytest.param(_foreign_zarr, ValueError, "other.zarr: not a jaxbrain result", id="zarr-foreign"),
    pytest.param(_empty_folder_zarr, ValueError, "empty.zarr: not a readable zarr store", id="zarr-empty"),
    pytest.param(_save_over_a_folder, ValueError, "is a folder but not a zarr store", id="zarr-over-folder"),
    pytest.param(lambda: load_result("run.h5"), ValueError, "no such file", id="result-missing"),
]


@pytest.mark.parametrize("call, exc, fragment", CASES)
def test_bad_input_is_a_clear_error(call, exc, fragment):
    with pytest.raises(exc, match=re.escape(fragment)):
        call()


@pytest.mark.parametrize(
    "text, labels",
    [
        ("a,b\n0,1\n1,0\n", ("a", "b")),  # a header, no label column
        ("a,0,1\nb,1,0\n", ("a", "b")),  # a label column, no header
        (",a,b\na,0,1\nb,1,0\n", ("a", "b")),  # both, with an empty corner cell
        ("region,a,b\na,0,1\nb,1,0\n", ("a", "b")),  # both, with a named corner cell
        ("a,b\na,0,1\nb,1,0\n", ("a", "b")),  # both, no corner cell
    ],
)
def test_the_csv_layouts_that_are_accepted(text, labels):
    c = _csv(text)
    assert c.labels == labels
    np.testing.assert_array_equal(c.weights, [[0.0, 1.0], [1.0, 0.0]])
