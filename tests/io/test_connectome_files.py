"""Loading connectomes from .mat, .npy/.npz, delimited text and TVB zips; every malformed file is a ValueError."""

import bz2
import zipfile

import numpy as np
import pytest
import scipy.io

from jaxbrain.io import load_connectome, read_tvb_zip

RNG = np.random.default_rng(0)
W = RNG.random((4, 4))
L = 100.0 * RNG.random((4, 4))
NAMES = ["lh_A", "lh_B", "rh_A", "rh_B"]
XYZ = RNG.normal(size=(4, 3))


def test_mat_default_keys(tmp_path):
    p = tmp_path / "sc.mat"
    scipy.io.savemat(p, {"Cmat": W, "Dmat": L, "labels": np.array(NAMES, dtype=object), "centres": XYZ})
    c = load_connectome(p)
    np.testing.assert_array_equal(c.weights, W)
    np.testing.assert_array_equal(c.lengths, L)
    assert c.labels == tuple(NAMES)
    np.testing.assert_array_equal(c.coords, XYZ)


def test_mat_explicit_and_case_insensitive_keys(tmp_path):
    p = tmp_path / "sc.mat"
    scipy.io.savemat(p, {"my_sc": W, "my_len": L, "sc": 2 * W, "TRACT_LENGTHS": 2 * L})
    c = load_connectome(p, weights_key="my_sc", lengths_key="my_len")
    np.testing.assert_array_equal(c.weights, W)
    np.testing.assert_array_equal(c.lengths, L)
    c = load_connectome(p)  # 'sc' and 'TRACT_LENGTHS' are among the usual names
    np.testing.assert_array_equal(c.weights, 2 * W)
    np.testing.assert_array_equal(c.lengths, 2 * L)
    with pytest.raises(ValueError, match="no weights key 'nope'"):
        load_connectome(p, weights_key="nope")


def test_mat_single_unnamed_matrix(tmp_path):
    p = tmp_path / "m.mat"
    scipy.io.savemat(p, {"whatever": W})
    np.testing.assert_array_equal(load_connectome(p).weights, W)


def test_mat_ambiguous_keys(tmp_path):
    p = tmp_path / "m.mat"
    scipy.io.savemat(p, {"a": W, "b": L})
    with pytest.raises(ValueError, match="weights_key"):
        load_connectome(p)


def test_npz_and_npy_with_lengths_file(tmp_path):
    np.savez(tmp_path / "c.npz", weights=W, tract_lengths=L, region_labels=np.array(NAMES))
    c = load_connectome(tmp_path / "c.npz")
    np.testing.assert_array_equal(c.lengths, L)
    assert c.labels == tuple(NAMES)
    np.save(tmp_path / "w.npy", W)
    np.savetxt(tmp_path / "len.csv", L, delimiter=",")
    c = load_connectome(tmp_path / "w.npy", lengths_path=tmp_path / "len.csv", labels=NAMES, coords=XYZ)
    np.testing.assert_array_equal(c.weights, W)
    np.testing.assert_allclose(c.lengths, L, rtol=1e-15)
    assert c.labels == tuple(NAMES)
    assert load_connectome(tmp_path / "w.npy").lengths.max() == 0.0  # no lengths: no delays


@pytest.mark.parametrize("delimiter", [",", ";", "\t", " "])
def test_text_delimiters_sniffed(tmp_path, delimiter):
    p = tmp_path / "w.txt"
    np.savetxt(p, W, delimiter=delimiter, fmt="%.17g")
    np.testing.assert_array_equal(load_connectome(p).weights, W)


def test_csv_with_header_and_label_column(tmp_path):
    rows = [",".join([""] + NAMES)] + [",".join([n] + [f"{v:.17g}" for v in row]) for n, row in zip(NAMES, W)]
    (tmp_path / "w.csv").write_text("# a comment\n" + "\n".join(rows) + "\n")
    c = load_connectome(tmp_path / "w.csv")
    np.testing.assert_array_equal(c.weights, W)
    assert c.labels == tuple(NAMES)
    (tmp_path / "h.csv").write_text("\n".join([",".join(NAMES)] + [",".join(f"{v:.17g}" for v in row) for row in W]))
    assert load_connectome(tmp_path / "h.csv").labels == tuple(NAMES)


def _tvb_zip(path, members, folder="connectivity_4/", compress=()):
    with zipfile.ZipFile(path, "w") as z:
        for name, text in members.items():
            data = text.encode()
            if name in compress:
                name, data = name + ".bz2", bz2.compress(data)
            z.writestr(folder + name, data)
        z.writestr("__MACOSX/._weights.txt", b"junk")
    return path


def _matrix_text(m):
    return "\n".join(" ".join(f"{v:.17g}" for v in row) for row in m) + "\n"


def _tvb_members():
    return {
        "weights.txt": _matrix_text(W),
        "tract_lengths.txt": _matrix_text(L),
        "centres.txt": "".join(f"{n} {x:.17g} {y:.17g} {z:.17g}\n" for n, (x, y, z) in zip(NAMES, XYZ)),
        "cortical.txt": "1\n1\n0\n1\n",
        "hemispheres.txt": "0\n0\n1\n1\n",
        "areas.txt": "10.5\n11\n12\n13\n",
        "average_orientations.txt": _matrix_text(np.eye(4)[:, :3]),
    }


def test_tvb_zip(tmp_path):
    p = _tvb_zip(tmp_path / "conn.zip", _tvb_members(), compress=("tract_lengths.txt",))
    tvb = read_tvb_zip(p)
    c = tvb.connectome
    np.testing.assert_array_equal(c.weights, W)
    np.testing.assert_array_equal(c.lengths, L)
    assert c.labels == tuple(NAMES)
    np.testing.assert_array_equal(c.coords, XYZ)
    np.testing.assert_array_equal(tvb.cortical, [True, True, False, True])
    np.testing.assert_array_equal(tvb.hemispheres, [False, False, True, True])
    np.testing.assert_array_equal(tvb.areas, [10.5, 11, 12, 13])
    assert tvb.orientations.shape == (4, 3)
    assert load_connectome(p).labels == tuple(NAMES)


def test_tvb_zip_minimal(tmp_path):
    members = {k: v for k, v in _tvb_members().items() if k in ("weights.txt", "tract_lengths.txt", "centres.txt")}
    tvb = read_tvb_zip(_tvb_zip(tmp_path / "c.zip", members, folder=""))
    assert tvb.cortical is None and tvb.hemispheres is None and tvb.areas is None and tvb.orientations is None


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"weights.txt": None}, "missing \\['weights'\\]"),
        ({"tract_lengths.txt": None}, "tract_lengths"),
        ({"centres.txt": None}, "centres"),
        ({"weights.txt": _matrix_text(W[:, :3])}, "square"),
        ({"tract_lengths.txt": _matrix_text(np.ones((3, 3)))}, "tract_lengths has shape"),
        ({"weights.txt": _matrix_text(-W)}, "non-negative"),
        ({"tract_lengths.txt": _matrix_text(-L)}, "non-negative"),
        ({"weights.txt": _matrix_text(np.where(np.eye(4) > 0, np.nan, W))}, "NaN"),
        ({"centres.txt": "a 1 2\nb 1 2 3\nc 1 2 3\nd 1 2 3\n"}, "label x y z"),
        ({"centres.txt": "a 1 2 3\nb 1 2 3\n"}, "centres must have shape"),
        ({"cortical.txt": "1\n0\n"}, "cortical"),
        ({"weights.txt": "1 2\n3\n"}, "weights"),
    ],
)
def test_tvb_zip_malformed(tmp_path, change, match):
    members = _tvb_members()
    for name, text in change.items():
        if text is None:
            del members[name]
        else:
            members[name] = text
    with pytest.raises(ValueError, match=match):
        read_tvb_zip(_tvb_zip(tmp_path / "bad.zip", members))


def test_not_a_zip(tmp_path):
    (tmp_path / "x.zip").write_text("hello")
    with pytest.raises(ValueError, match="zip"):
        load_connectome(tmp_path / "x.zip")


@pytest.mark.parametrize(
    ("arrays", "match"),
    [
        ({"Cmat": W[:3]}, "square"),
        ({"Cmat": W, "Dmat": np.ones((3, 3))}, "lengths has shape"),
        ({"Cmat": -W}, "allow_negative_weights"),
        ({"Cmat": W, "Dmat": -L}, "lengths must be non-negative"),
        ({"Cmat": np.where(np.eye(4) > 0, np.nan, W)}, "NaN"),
        ({"Cmat": W, "Dmat": np.where(np.eye(4) > 0, np.inf, L)}, "NaN or Inf"),
        ({"Cmat": W, "labels": np.array(NAMES[:3])}, "labels"),
        ({"Cmat": W, "coords": XYZ[:, :2]}, "coords"),
    ],
)
def test_npz_malformed(tmp_path, arrays, match):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=match):
        load_connectome(tmp_path / "bad.npz")


def test_signed_weights_when_allowed(tmp_path):
    np.save(tmp_path / "w.npy", W - 0.5)
    np.testing.assert_array_equal(load_connectome(tmp_path / "w.npy", allow_negative_weights=True).weights, W - 0.5)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("w.csv", "1,2,3\n4,5\n", "different numbers of columns"),
        ("w.csv", "1,2\n3,x\n", "non-numeric"),
        ("w.csv", "# only a comment\n", "no data"),
        ("w.txt", "1 2 3\n4 5 6\n", "square"),
        ("w.csv", "a,b,c,d\n1,2\n3,4\n", "header"),
        ("w.xlsx", "", "unsupported"),
    ],
)
def test_text_malformed(tmp_path, name, content, match):
    (tmp_path / name).write_text(content)
    with pytest.raises(ValueError, match=match):
        load_connectome(tmp_path / name)


def test_missing_file_and_lengths_mismatch(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        load_connectome(tmp_path / "nope.npy")
    np.save(tmp_path / "w.npy", W)
    np.save(tmp_path / "l.npy", np.ones((5, 5)))
    with pytest.raises(ValueError, match="lengths has shape"):
        load_connectome(tmp_path / "w.npy", lengths_path=tmp_path / "l.npy")
