"""Every writer in io/, data/ and the CLI writes through a fresh temporary file and a rename: a symlink planted
at the old fixed ``<name>.tmp`` or at the target itself never redirects the write; and zip readers cap what they
inflate."""

import bz2
import os
import zipfile

import numpy as np
import pytest

from jaxbrain.cli._common import _write_atomic
from jaxbrain.data._convert import write_npz_atomically
from jaxbrain.io import _connectome as connectome_io
from jaxbrain.io import read_tvb_zip


def _plant_links(target):
    """Links at the target's old fixed temporary name and at the target itself, both to a victim file."""
    victim = target.parent / "victim.txt"
    victim.write_text("precious")
    os.symlink(victim, target.with_name(target.name + ".tmp"))
    os.symlink(victim, target)
    return victim


def _check_untouched(victim, target):
    assert victim.read_text() == "precious"
    assert target.is_file() and not target.is_symlink()
    leftovers = [p.name for p in target.parent.iterdir() if ".tmp" in p.name and not p.is_symlink()]
    assert leftovers == []


def _small_result():
    import jax.random as jr

    from jaxbrain import simulate

    return simulate("hopf", key=jr.key(0), duration=2.0)


def test_cli_outputs_never_follow_a_planted_link(tmp_path):
    target = tmp_path / "fc_fit.json"
    victim = _plant_links(target)
    _write_atomic(target, lambda p: p.write_text("{}"))
    _check_untouched(victim, target)
    assert target.read_text() == "{}"


def test_a_failed_cli_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "fit.json"
    target.write_text("old")

    def broken(p):
        p.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        _write_atomic(target, broken)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit.json"]


@pytest.mark.parametrize("name", ["run.nc", "run.zarr"])
def test_save_result_never_follows_a_planted_link(tmp_path, name):
    from jaxbrain.io import load_result, save_result

    target = tmp_path / name
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    os.symlink(victim, target.with_name(name + ".tmp"))
    if name.endswith(".nc"):
        os.symlink(victim, target)
    result = _small_result()
    save_result(result, target)
    assert victim.read_text() == "precious"
    assert not target.is_symlink()
    np.testing.assert_array_equal(load_result(target).outputs["x"], np.asarray(result.outputs["x"]))
    save_result(result, target)  # replacing an existing result works too
    assert victim.read_text() == "precious"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_nifti_and_cifti_writers_never_follow_a_planted_link(tmp_path):
    pytest.importorskip("nibabel")
    from jaxbrain.io import read_cifti_timeseries, read_nifti_timeseries, write_cifti_ptseries, write_nifti_timeseries

    data, t = np.arange(12.0).reshape(4, 3), 2000.0 * np.arange(4)
    for name, write, read in [
        ("bold.nii.gz", write_nifti_timeseries, read_nifti_timeseries),
        ("bold.nii", write_nifti_timeseries, read_nifti_timeseries),
        ("bold.ptseries.nii", write_cifti_ptseries, read_cifti_timeseries),
    ]:
        target = tmp_path / name
        victim = _plant_links(target)
        write(target, data, t=t, dtype=np.float64)
        _check_untouched(victim, target)
        np.testing.assert_array_equal(read(target).data, data)
        victim.unlink()
        target.with_name(name + ".tmp").unlink()


def test_dataset_conversion_never_follows_a_planted_link(tmp_path):
    target = tmp_path / "gw.npz"
    victim = _plant_links(target)
    write_npz_atomically(target, {"a": np.arange(3)})
    _check_untouched(victim, target)
    with np.load(target) as npz:
        np.testing.assert_array_equal(npz["a"], np.arange(3))


def test_the_simulate_command_never_follows_a_planted_link(tmp_path):
    from jaxbrain import cli

    out = tmp_path / "out"
    out.mkdir()
    victim = _plant_links(out / "result.nc")
    status = cli.main(["simulate", "--dataset", "none", "--duration", "0.01", "--sampling-dt", "1", "--out", str(out)])
    assert status == 0
    _check_untouched(victim, out / "result.nc")


def test_an_output_folder_that_cannot_be_made_is_a_usage_error(tmp_path, monkeypatch, capsys):
    from pathlib import Path

    from jaxbrain import cli

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(SystemExit) as info:
        cli.main(["simulate", "--dataset", "none", "--duration", "0.01", "--out", str(tmp_path / "o")])
    assert info.value.code == 2
    assert "cannot create the output folder (Permission denied)" in capsys.readouterr().err


def _tvb_zip(path, weights_member="weights.txt", weights=b"0 1\n1 0\n"):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(weights_member, weights)
        z.writestr("tract_lengths.txt", "0 5\n5 0\n")
        z.writestr("centres.txt", "a 0 0 0\nb 1 0 0\n")
    return path


def test_a_zip_declaring_more_than_the_cap_is_refused_before_reading(tmp_path, monkeypatch):
    path = _tvb_zip(tmp_path / "tvb.zip")
    assert read_tvb_zip(path).connectome.n_nodes == 2
    monkeypatch.setattr(connectome_io, "MAX_UNZIPPED_BYTES", 20)
    read = []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: read.append(a) or pytest.fail("inflated"))
    with pytest.raises(ValueError, match=r"tvb\.zip: member .* exceeds the 20-byte limit"):
        read_tvb_zip(path)
    assert read == []


def test_a_zip_whose_central_directory_claims_a_huge_size_is_refused(tmp_path):
    path = _tvb_zip(tmp_path / "tvb.zip")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("weights.txt")
    # Claim ~4 GB uncompressed in the central directory entry of weights.txt (the first entry; the
    # uncompressed size is at offset 24, the name at 46).
    entry = data.index(b"PK\x01\x02")
    assert data[entry + 46 : entry + 46 + len(info.filename)] == b"weights.txt"
    data[entry + 24 : entry + 28] = (0xFFFFFFFE).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="a decompression bomb"):
        read_tvb_zip(path)


def test_a_bz2_member_inflating_past_the_cap_is_stopped(tmp_path, monkeypatch):
    # The zip's own sizes are honest and small; the bz2 stream inside inflates 1 MiB from ~50 bytes.
    path = _tvb_zip(tmp_path / "tvb.zip", "weights.txt.bz2", bz2.compress(b"0 " * 2**19))
    monkeypatch.setattr(connectome_io, "MAX_UNZIPPED_BYTES", 100_000)
    with pytest.raises(ValueError, match=r"weights\.txt\.bz2 inflates to more than the 100000-byte limit"):
        read_tvb_zip(path)


def test_a_genuine_bz2_tvb_zip_still_reads(tmp_path):
    path = _tvb_zip(tmp_path / "tvb.zip", "weights.txt.bz2", bz2.compress(b"0 2\n3 0\n"))
    np.testing.assert_array_equal(read_tvb_zip(path).connectome.weights, [[0.0, 2.0], [3.0, 0.0]])
