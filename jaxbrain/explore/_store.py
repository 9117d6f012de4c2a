"""The on-disk result store of a parameter sweep: one row per parameter point, written one batch at a time.

A sweep computes its points in batches and writes each finished batch as it goes, so a crash loses at most the
batch in flight and a rerun resumes where it stopped. The store is a zarr (format 3) directory because zarr
stores every chunk of every array as its own file: a batch that is exactly one chunk along "point" can be
written by any process without reading or rewriting anything another process wrote, which is what multi-host
sweeps (process p writes batches p, p + P, ...) need. zarr's local store writes each chunk to a temporary file
and renames it into place, the layout is plain JSON plus binary chunks (no pickle), and `xarray.open_zarr` reads
it with the right dimension names.

Layout of the directory (a zarr group):

- one array per parameter, `(n_points,)` with dims `("point",)` or `(n_points, n_nodes)` with dims
  `("point", "node")`, written once when the store is created;
- one array per result variable, `(n_points, *tail_shape)` with dims `("point", *dims)`, chunked
  `(batch_size, *tail_shape)`; unwritten float rows read as NaN;
- `ok`, `(n_points,)` bool, chunked `(batch_size,)`: the run of that point stayed finite;
- `checksum`, `(n_batches, 32)` uint8, one chunk per batch, dims `("batch", "sha256")`: the SHA-256 of batch
  b's rows of every result and of `ok` (names, dtypes, shapes and bytes, as written);
- `done`, `(n_batches,)` bool with chunk size 1 along dim `"batch"`: batch b is completely written. It is set
  only after the batch's results, `ok` flags and checksum, so a batch interrupted mid-write stays not done;
- `done/claims/<b>.lock`: while a process computes batch b, its claim (pid and host; see
  :meth:`SweepStore.claim`). Inside the `done` array's directory, where zarr and xarray never look;
- group attributes: the sweep's `meta` (its keys at the top level), `"jaxbrain_sweep"`, the layout (format
  version, n_points, batch_size, parameter and result specs), and `"jaxbrain_run"`, the canonical settings of
  everything that determines the results (:func:`jaxbrain._resume.run_settings`), used to check a resumed sweep.

The batch size is the store's chunking along "point", fixed when the store is created. It is not part of the
sweep's identity: reopening with another batch size keeps the store's (a sweep then computes in whatever batch
size it is given and writes whole chunks).

Damage: every read of a done batch (:meth:`SweepStore.verify`, :meth:`SweepStore.to_xarray`,
:meth:`SweepStore.to_dataframe`) checks its checksum. A deleted chunk (it reads back as the fill value), a
truncated or overwritten one (a decompression error) or edited bytes make the batch *damaged*: reads raise a
``ValueError`` naming the damaged batches and their points (or, with ``damaged="mask"``, return them as not done
with a warning); a resumed sweep recomputes them. A damaged or foreign ``zarr.json`` is a ``ValueError`` naming
the path.
"""

from __future__ import annotations

import errno
import json
import math
import os
import shutil
import tempfile
import warnings

import numpy as np

from .._resume import RunLock, RunLockedError, arrays_digest, check_same_run

_LAYOUT_KEY = "jaxbrain_sweep"
_RUN_KEY = "jaxbrain_run"
_FORMAT = 2  # 2: a checksum per batch
_RESERVED = ("ok", "done", "checksum")
_ROW_DIM = "point"
_BATCH_DIM = "batch"
_NODE_DIM = "node"
_DIGEST_DIM = "sha256"
_DIGEST_BYTES = 32
_DAMAGED_CHOICES = ("raise", "mask")


def _check_name(name, what):
    """Names become zarr array names and xarray variables: keep them plain identifiers."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"{what} names must be Python identifiers (letters, digits, _), got {name!r}")
    if name in _RESERVED:
        raise ValueError(f"{what} name {name!r} is reserved for the store's own flags ({', '.join(_RESERVED)})")


def _fill_value(dtype):
    if dtype.kind in "fc":
        return np.nan
    if dtype.kind == "b":
        return False
    return 0


def _normalise_points(points):
    if not isinstance(points, dict) or not points:
        raise ValueError(
            f"points must be a non-empty dict name -> array of shape (n_points,) or (n_points, n_nodes), "
            f"got {type(points).__name__}"
        )
    out = {}
    for name, value in points.items():
        _check_name(name, "parameter")
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise ValueError(f"parameter {name!r} must hold booleans, integers or floats, got dtype {arr.dtype}")
        if arr.ndim not in (1, 2):
            raise ValueError(f"parameter {name!r} must have shape (n_points,) or (n_points, n_nodes), got {arr.shape}")
        out[name] = arr
    n_points = {arr.shape[0] for arr in out.values()}
    if len(n_points) != 1:
        shapes = {name: arr.shape for name, arr in out.items()}
        raise ValueError(f"every parameter must have the same number of points (first axis), got shapes {shapes}")
    if n_points == {0}:
        raise ValueError("points must hold at least one point")
    return out


def _normalise_results(results):
    if not isinstance(results, dict) or not results:
        raise ValueError("results must be a non-empty dict name -> (tail_shape, dtype, dims)")
    out = {}
    for name, spec in results.items():
        _check_name(name, "result")
        try:
            tail, dtype, dims = spec
            tail = tuple(int(n) for n in tail)
            dtype = np.dtype(dtype)
            dims = tuple(dims)
        except (TypeError, ValueError) as err:
            raise ValueError(f"result {name!r} must be given as (tail_shape, dtype, dims), got {spec!r}") from err
        if len(tail) != len(dims) or not all(isinstance(d, str) and d.isidentifier() for d in dims):
            raise ValueError(f"result {name!r}: dims must name each axis of tail_shape {tail}, got {dims!r}")
        if any(n < 1 for n in tail):
            raise ValueError(f"result {name!r}: tail_shape must be positive sizes, got {tail}")
        if {_ROW_DIM, _BATCH_DIM, _DIGEST_DIM} & set(dims) or len(set(dims)) != len(dims):
            raise ValueError(
                f"result {name!r}: dims must be distinct and not {_ROW_DIM!r}, {_BATCH_DIM!r} or {_DIGEST_DIM!r}, "
                f"got {dims}"
            )
        if dtype.kind not in "biufc":
            raise ValueError(f"result {name!r} must have a boolean or numeric dtype, got {dtype}")
        out[name] = {"shape": list(tail), "dtype": dtype.name, "dims": list(dims)}
    return out


def _check_dims(points, results):
    """Every dimension must have one size throughout the store, and no variable may share a dimension's name."""
    sizes = {}
    for name, arr in points.items():
        if arr.ndim == 2:
            sizes.setdefault(_NODE_DIM, {})[f"parameter {name!r}"] = arr.shape[1]
    for name, spec in results.items():
        for dim, size in zip(spec["dims"], spec["shape"]):
            sizes.setdefault(dim, {})[f"result {name!r}"] = size
    for dim, by_var in sizes.items():
        if len(set(by_var.values())) > 1:
            raise ValueError(f"dimension {dim!r} has different sizes: {by_var}")
    clash = (set(points) | set(results)) & (set(sizes) | {_ROW_DIM, _BATCH_DIM, _DIGEST_DIM})
    if clash:
        raise ValueError(f"variable names {sorted(clash)} are also dimension names; rename them")
    both = set(points) & set(results)
    if both:
        raise ValueError(f"names {sorted(both)} are used for both a parameter and a result")


def _canonical_json(value):
    return json.dumps(value, sort_keys=True)


class SweepStore:
    """A sweep's results on disk: one row per parameter point, written one batch at a time.

    Create or reopen one with :meth:`SweepStore.open` (or open one for reading with :meth:`SweepStore.load`);
    the constructor is private. Batch `b` holds rows `b * batch_size` up to `(b + 1) * batch_size` (the last
    batch may be shorter). Batches are independent: several processes may write disjoint batches of the same
    store at once.

    Example:
        >>> import numpy as np
        >>> points = {"K_gl": np.repeat([0.5, 1.0], 3), "sigma": np.tile([0.0, 0.01, 0.02], 2)}
        >>> store = SweepStore.open(
        ...     "sweep.zarr", points=points, results={"fc_corr": ((), "float64", ())}, batch_size=4,
        ...     meta={"model": "hopf"})
        >>> for b in np.flatnonzero(~store.done()):
        ...     rows = store.batch_rows(b)
        ...     n = rows.stop - rows.start
        ...     store.write_batch(b, {"fc_corr": np.zeros(n)}, ok=np.ones(n, bool))
        >>> ds = store.to_xarray(grid=["K_gl", "sigma"])  # dims (K_gl, sigma)
    """

    def __init__(self, path, group):
        self._path = path
        self._group = group
        try:
            layout = dict(group.attrs)[_LAYOUT_KEY]
            self._n_points = int(layout["n_points"])
            self._batch_size = int(layout["batch_size"])
            self._point_specs = dict(layout["points"])
            self._result_specs = dict(layout["results"])
            fmt = layout.get("format")
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise ValueError(f"{path} is not a readable jaxbrain sweep store: its layout attribute is damaged") from err
        if fmt != _FORMAT:
            raise ValueError(
                f"{path} is a jaxbrain sweep store of format {fmt!r}; this version reads format {_FORMAT} (it keeps a "
                "checksum per batch). Rerun the sweep into a new store"
            )
        # Open every array once: a damaged zarr.json of one of them is named here, not at some later read.
        self._arrays = {}
        for name in (*self._point_specs, *self._result_specs, *_RESERVED):
            try:
                self._arrays[name] = group[name]
            except Exception as err:  # zarr raises KeyError, JSONDecodeError, its own errors...
                raise ValueError(
                    f"{path} is not a readable jaxbrain sweep store: its array {name!r} is missing or its zarr.json "
                    f"is damaged ({type(err).__name__})"
                ) from None

    @classmethod
    def open(cls, path, *, points, results, batch_size, meta, settings=None):
        """Create the store at `path` (a directory) or open the existing one and check it holds the same sweep.

        Creation is atomic: the whole store (every array at its full shape, the parameter values, the
        attributes) is built in a temporary directory next to `path` and renamed into place, so processes that
        open the same new path at once all end up with one valid store (the loser of the rename opens the
        winner's and checks it). A process killed during creation leaves only a hidden `.<name>.*.partial`
        directory behind, which may be deleted.

        Args:
            path: directory of the store (conventionally ending in `.zarr`); its parent is created if missing.
            points: dict name -> array of shape `(n_points,)` or `(n_points, n_nodes)`: the parameter value of
                every point (bool, int or float). Stored once at creation, as coordinates along `"point"`
                (`("point", "node")` for per-node parameters).
            results: dict name -> `(tail_shape, dtype, dims)` for every result variable; the stored array is
                `(n_points, *tail_shape)` with dims `("point", *dims)`, chunked `(batch_size, *tail_shape)` so
                that each batch is exactly one chunk along `"point"`. Unwritten rows hold NaN (0 for integer,
                False for boolean results).
            batch_size: rows per batch (the last batch may be shorter) of a new store. An existing store keeps
                its own batch size whatever is given here (see :attr:`batch_size`).
            meta: a JSON-serialisable dict describing the sweep (model, settings, space, ...), stored as the
                group's attributes.
            settings: optional canonical settings of everything that determines the results
                (:func:`jaxbrain._resume.run_settings`); stored, and compared first when the store exists, so
                that a mismatch names what differs.

        Returns:
            The :class:`SweepStore`, open for writing.

        Raises:
            ValueError: malformed arguments, `path` exists but is not a sweep store, or the store at `path`
                holds a different sweep (settings, points, result specs or meta differ); the message names
                the path and what differs.
        """
        import zarr

        path = os.path.abspath(os.fspath(path))
        points = _normalise_points(points)
        specs = _normalise_results(results)
        _check_dims(points, specs)
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        batch_size = int(batch_size)
        if not isinstance(meta, dict):
            raise ValueError(f"meta must be a JSON-serialisable dict, got {type(meta).__name__}")
        if _LAYOUT_KEY in meta or _RUN_KEY in meta:
            raise ValueError(f"meta keys {_LAYOUT_KEY!r} and {_RUN_KEY!r} are reserved for the store")
        try:
            meta = json.loads(json.dumps(meta))
            settings = None if settings is None else json.loads(json.dumps(settings))
        except (TypeError, ValueError) as err:
            raise ValueError(f"meta and settings must be JSON-serialisable dicts: {err}") from err
        n_points = next(iter(points.values())).shape[0]
        layout = {
            "format": _FORMAT,
            "n_points": n_points,
            "batch_size": batch_size,
            "points": {name: {"dtype": arr.dtype.name, "shape": list(arr.shape[1:])} for name, arr in points.items()},
            "results": specs,
        }

        if not _is_empty_dir_or_missing(path):
            return cls._open_checked(path, points, layout, meta, settings)
        parent = os.path.dirname(path)
        os.makedirs(parent, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.", suffix=".partial", dir=parent)
        attrs = {**meta, _LAYOUT_KEY: layout, **({} if settings is None else {_RUN_KEY: settings})}
        try:
            _create(tmp, points, layout, attrs)
            # A rename (not a copy) is atomic, and it fails when the target is a non-empty directory: whoever
            # renames first wins and everyone else opens the winner's store.
            os.rename(tmp, path)
        except OSError as err:
            shutil.rmtree(tmp, ignore_errors=True)
            if err.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
            return cls._open_checked(path, points, layout, meta, settings)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return cls(path, zarr.open_group(path, mode="r+", zarr_format=3))

    @classmethod
    def load(cls, path):
        """Open an existing store read-only, taking the sweep's description from the store itself.

        For analysis (:meth:`to_xarray`, :meth:`to_dataframe`, :meth:`done`); use :meth:`open` to write.

        Raises:
            ValueError: `path` is not a sweep store, or its metadata is damaged.
        """
        path = os.path.abspath(os.fspath(path))
        return cls(path, _open_group(path, mode="r"))

    @classmethod
    def _open_checked(cls, path, points, layout, meta, settings):
        store = cls(path, _open_group(path, mode="r+"))
        attrs = dict(store._group.attrs)
        stored_layout = attrs.pop(_LAYOUT_KEY)
        stored_settings = attrs.pop(_RUN_KEY, None)
        if settings is not None:
            check_same_run(path, stored_settings, settings, "sweep")
        diffs = []
        # The batch size is the store's chunking, not part of the sweep: the store keeps its own.
        if stored_layout.get("n_points") != layout["n_points"]:
            diffs.append(f"n_points {stored_layout.get('n_points')!r} stored, {layout['n_points']!r} given")
        stored_points = stored_layout.get("points", {})
        if set(stored_points) != set(points):
            diffs.append(f"parameters {sorted(stored_points)} stored, {sorted(points)} given")
        else:
            for name, arr in points.items():
                if stored_points[name] != layout["points"][name]:
                    diffs.append(f"parameter {name!r} is {stored_points[name]} stored, {layout['points'][name]} given")
                elif stored_layout.get("n_points") == layout["n_points"]:
                    stored = store._read(name, slice(None), what=f"parameter {name!r}")
                    if not np.array_equal(stored, arr, equal_nan=arr.dtype.kind == "f"):
                        diffs.append(f"parameter {name!r} has different values")
        stored_results = stored_layout.get("results", {})
        for name in sorted(set(stored_results) | set(layout["results"])):
            old, new = stored_results.get(name), layout["results"].get(name)
            if old != new:
                diffs.append(f"result {name!r} is {_spec_text(old)} stored, {_spec_text(new)} given")
        if _canonical_json(attrs) != _canonical_json(meta):
            keys = sorted(
                k for k in set(attrs) | set(meta) if _canonical_json(attrs.get(k)) != _canonical_json(meta.get(k))
            )
            diffs.append(f"meta differs in {keys}")
        if diffs:
            raise ValueError(
                f"the store at {path} holds a different sweep: {'; '.join(diffs)}. A resumed sweep must be the "
                "same sweep; write to a new path (or delete the old store) to start another"
            )
        return store

    @property
    def path(self) -> str:
        """The store's directory (absolute)."""
        return self._path

    @property
    def n_points(self) -> int:
        return self._n_points

    @property
    def batch_size(self) -> int:
        """Rows per batch: the store's chunk size along "point", fixed when it was created."""
        return self._batch_size

    @property
    def n_batches(self) -> int:
        return math.ceil(self._n_points / self._batch_size)

    @property
    def meta(self) -> dict:
        """The sweep's description, as given to :meth:`open`."""
        attrs = dict(self._group.attrs)
        attrs.pop(_LAYOUT_KEY)
        attrs.pop(_RUN_KEY, None)
        return attrs

    @property
    def settings(self):
        """The canonical settings the sweep was fingerprinted with (``None`` for a store written without)."""
        return dict(self._group.attrs).get(_RUN_KEY)

    @property
    def points(self) -> dict[str, np.ndarray]:
        """The parameter values of every point, read from the store."""
        return {name: self._read(name, slice(None), what=f"parameter {name!r}") for name in self._point_specs}

    def batch_rows(self, index) -> slice:
        """The rows of batch `index`, `slice(index * batch_size, min((index + 1) * batch_size, n_points))`."""
        index = self._check_index(index)
        return slice(index * self._batch_size, min((index + 1) * self._batch_size, self._n_points))

    def done(self) -> np.ndarray:
        """`(n_batches,)` bool: which batches are marked completely written (see :meth:`verify` for damage)."""
        done = np.zeros(self.n_batches, bool)
        for b in range(self.n_batches):
            # One chunk per flag: a damaged flag is a batch not done (it will be recomputed), not an unreadable store.
            try:
                done[b] = bool(self._arrays["done"][b])
            except Exception:  # noqa: BLE001 - zarr/numcodecs raise RuntimeError, ValueError, ... on a bad chunk
                done[b] = False
        return done

    def claim(self, index):
        """Claim batch `index` for this process: a :class:`jaxbrain._resume.RunLock` on `done/claims/<index>`.

        Returns the held lock (release it once the batch is written), or ``None`` when another live process
        holds the claim (a claim of a dead process on this host is taken over; one from another host is
        respected, as its process cannot be checked from here).
        """
        index = self._check_index(index)
        folder = os.path.join(self._path, "done", "claims")
        os.makedirs(folder, exist_ok=True)
        lock = RunLock(os.path.join(folder, str(index)))
        try:
            return lock.acquire()
        except RunLockedError:
            return None

    def claim_holder(self, index):
        """``{"pid", "host"}`` of the process holding batch `index`'s claim, or ``None``."""
        try:
            with open(os.path.join(self._path, "done", "claims", f"{int(index)}.lock"), encoding="utf-8") as fh:
                return json.load(fh)
        except (OSError, ValueError):
            return None

    def write_batch(self, index, values, ok):
        """Write batch `index` (every result variable, the `ok` flags and their checksum), then mark it done.

        The done flag is written last, so a process killed mid-write leaves the batch not done and a resumed
        sweep recomputes it. Writing touches only this batch's chunks, so processes may write disjoint
        batches concurrently; writing a batch again overwrites it.

        Args:
            index: the batch number, `0 <= index < n_batches`.
            values: dict result name -> array `(rows, *tail_shape)` for every result variable, where `rows`
                is the length of :meth:`batch_rows`; cast to the stored dtype (within the same kind, e.g.
                float64 -> float32).
            ok: `(rows,)` bool: which points' runs stayed finite.

        Raises:
            ValueError: a wrong batch index, missing or unknown result names, or wrong shapes or dtypes.
        """
        rows = self.batch_rows(index)
        n = rows.stop - rows.start
        if not isinstance(values, dict) or set(values) != set(self._result_specs):
            got = sorted(values) if isinstance(values, dict) else type(values).__name__
            raise ValueError(f"values must be a dict with exactly the results {sorted(self._result_specs)}, got {got}")
        arrays = {}
        for name, spec in self._result_specs.items():
            arr = np.asarray(values[name])
            dtype = np.dtype(spec["dtype"])
            expected = (n, *spec["shape"])
            if arr.shape != expected:
                raise ValueError(f"result {name!r} of batch {index} must have shape {expected}, got {arr.shape}")
            if not np.can_cast(arr.dtype, dtype, casting="same_kind"):
                raise ValueError(f"result {name!r} is stored as {dtype}; cannot store values of dtype {arr.dtype}")
            arr = arr.astype(dtype, copy=False)
            if dtype.kind in "fc":
                # One NaN bit pattern, the fill value's: zarr does not store a chunk equal to its fill value, so a
                # batch of diverged runs (all NaN, another NaN payload) would read back as other bytes than its
                # checksum covers, and count as damaged.
                arr = np.where(np.isnan(arr), dtype.type(np.nan), arr)
            arrays[name] = arr
        ok = np.asarray(ok)
        if ok.shape != (n,) or ok.dtype != bool:
            raise ValueError(f"ok of batch {index} must be a bool array of shape {(n,)}, got {ok.dtype}{ok.shape}")
        self._write_values(rows, arrays, ok)
        self._arrays["checksum"][int(index)] = np.frombuffer(_digest(arrays, ok), np.uint8)
        self._mark_done(int(index))

    def _write_values(self, rows, arrays, ok):
        for name, arr in arrays.items():
            self._arrays[name][rows] = arr
        self._arrays["ok"][rows] = ok

    def _mark_done(self, index):
        self._arrays["done"][index] = True

    def _check_index(self, index):
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < self.n_batches:
            raise ValueError(f"batch index must be an integer in [0, {self.n_batches}), got {index!r}")
        return int(index)

    def _read(self, name, rows, what):
        """Rows of one array; a chunk that cannot be decoded is a ValueError naming the store and the variable."""
        try:
            return np.asarray(self._arrays[name][rows])
        except Exception as err:  # noqa: BLE001 - zarr/numcodecs raise RuntimeError, ValueError, ... on a bad chunk
            raise _Unreadable(f"{what} of {self._path} cannot be read ({type(err).__name__}: {err})") from None

    def _read_batch(self, index):
        """``(results, ok)`` of batch `index` if it reads back intact (checksum included), else ``None``."""
        rows = self.batch_rows(index)
        try:
            arrays = {name: self._read(name, rows, what=name) for name in self._result_specs}
            ok = self._read(name="ok", rows=rows, what="ok")
            stored = self._read("checksum", int(index), what="checksum")
        except _Unreadable:
            return None
        if bytes(np.asarray(stored, np.uint8)) != _digest(arrays, ok):
            return None
        return arrays, ok

    def verify(self, batches=None):
        """Indices of the done batches (of `batches`, default all) that are damaged.

        A done batch is damaged when one of its chunks cannot be decoded (truncated, overwritten) or its
        results and `ok` flags no longer match the checksum written with them (a deleted chunk reads back as
        the fill value; edited bytes).
        """
        done = self.done()
        batches = range(self.n_batches) if batches is None else [self._check_index(b) for b in batches]
        return [b for b in batches if done[b] and self._read_batch(b) is None]

    def _read_all(self, damaged):
        """Every result, `ok` and per-row done, batch by batch; damaged batches raise or are masked."""
        if damaged not in _DAMAGED_CHOICES:
            raise ValueError(f"damaged must be one of {_DAMAGED_CHOICES}, got {damaged!r}")
        results = {
            name: np.full((self._n_points, *spec["shape"]), _fill_value(np.dtype(spec["dtype"])), spec["dtype"])
            for name, spec in self._result_specs.items()
        }
        ok = np.zeros(self._n_points, bool)
        row_done = np.zeros(self._n_points, bool)
        bad = []
        for b in np.flatnonzero(self.done()):
            read = self._read_batch(int(b))
            if read is None:
                bad.append(int(b))
                continue
            rows = self.batch_rows(int(b))
            for name, arr in read[0].items():
                results[name][rows] = arr
            ok[rows] = read[1]
            row_done[rows] = True
        if bad:
            message = self._damage_text(bad)
            if damaged == "raise":
                raise ValueError(
                    f"{message}. Rerun the sweep to recompute them, or read with damaged='mask' to get the other "
                    "batches (the damaged ones as not done)"
                )
            warnings.warn(f"{message}; they are masked as not done (ok=False)", RuntimeWarning, stacklevel=3)
        return results, ok, row_done

    def _damage_text(self, bad):
        ranges = ", ".join(f"{r.start}-{r.stop - 1}" for r in (self.batch_rows(b) for b in bad[:10]))
        more = f" (and {len(bad) - 10} more)" if len(bad) > 10 else ""
        return (
            f"the store at {self._path} has {len(bad)} damaged batch(es) {bad[:10]}{more} (points {ranges}): their "
            "chunks are missing, truncated or overwritten, or do not match the checksum written with them"
        )

    def to_xarray(self, grid=None, *, damaged="raise"):
        """The store as an :class:`xarray.Dataset`, read into memory.

        Dims are `("point", ...)`; the parameter values are coordinates along `"point"` (per-node parameters
        as `("point", "node")` coordinates). Data variables: every result, `ok` (False where a batch is not
        done) and `done` (per point: its batch is completely written and intact). Rows of batches not done are
        NaN in float results; integer and boolean results keep their dtype there (0 / False), so select with
        `done`. Attributes are the sweep's `meta`. For a store too large for memory, `xarray.open_zarr(path,
        consolidated=False)` opens it lazily (unmasked and unverified, with `done` per batch).

        Args:
            grid: optional list of scalar parameter names. If every point's values of those names form a full
                Cartesian grid (each combination exactly once), `"point"` is unstacked into one dimension per
                name, in that order and first, each with its values sorted ascending; the other dimensions
                follow.
            damaged: what to do with done batches that fail their checksum: ``"raise"`` (default) a
                ``ValueError`` naming them, or ``"mask"`` them as not done, with a ``RuntimeWarning``.

        Raises:
            ValueError: a grid name that is not a scalar parameter, points that do not form a full grid, or
                damaged batches (with ``damaged="raise"``).
        """
        import xarray as xr

        results, ok, row_done = self._read_all(damaged)
        data = {name: ((_ROW_DIM, *spec["dims"]), results[name]) for name, spec in self._result_specs.items()}
        data["ok"] = (_ROW_DIM, ok)
        data["done"] = (_ROW_DIM, row_done)
        coords = {}
        for name, values in self.points.items():
            coords[name] = ((_ROW_DIM,) if values.ndim == 1 else (_ROW_DIM, _NODE_DIM), values)
        ds = xr.Dataset(data, coords=coords, attrs=self.meta)
        if grid is None:
            return ds
        return _unstack(ds, list(grid), self._point_specs)

    def to_dataframe(self, *, damaged="raise"):
        """The store as a :class:`pandas.DataFrame` with one row per point (index `"point"`), read into memory.

        Columns: every scalar parameter; every per-node parameter as one column of dtype object whose cells
        are `(n_nodes,)` arrays (so each parameter stays one column and no column names are invented);
        `done`; `ok`; and every result variable whose tail shape is `()`, NaN in rows of batches not done
        (integer and boolean results keep 0 / False there). `damaged` as for :meth:`to_xarray`.
        """
        import pandas as pd

        results, ok, row_done = self._read_all(damaged)
        columns = {}
        for name, values in self.points.items():
            columns[name] = values if values.ndim == 1 else _object_column(values)
        columns["done"] = row_done
        columns["ok"] = ok
        for name, spec in self._result_specs.items():
            if not spec["shape"]:
                columns[name] = results[name]
        return pd.DataFrame(columns, index=pd.RangeIndex(self._n_points, name=_ROW_DIM))

    def __repr__(self):
        done = int(self.done().sum())
        return (
            f"SweepStore({self._path!r}, n_points={self._n_points}, batch_size={self._batch_size}, "
            f"done={done}/{self.n_batches} batches)"
        )


class _Unreadable(Exception):
    """A chunk of the store could not be decoded."""


def _digest(arrays, ok):
    """The 32-byte SHA-256 of one batch's results and ok flags."""
    return bytes.fromhex(arrays_digest({**{f"result/{k}": v for k, v in arrays.items()}, "ok": ok}))


def _spec_text(spec):
    if spec is None:
        return "absent"
    return f"(shape {tuple(spec['shape'])}, {spec['dtype']}, dims {tuple(spec['dims'])})"


def _object_column(values):
    """A column whose cells are the rows of `values` (built by hand: pandas would read a list of rows as 2-D)."""
    column = np.empty(len(values), dtype=object)
    for i, row in enumerate(values):
        column[i] = row
    return column


def _is_empty_dir_or_missing(path):
    if not os.path.lexists(path):
        return True
    return os.path.isdir(path) and not os.listdir(path)


def _open_group(path, mode):
    import zarr

    if not os.path.isdir(path):
        raise ValueError(f"{path} is not a jaxbrain sweep store (not a directory)")
    try:
        group = zarr.open_group(path, mode=mode, zarr_format=3)
        attrs = dict(group.attrs)
    except json.JSONDecodeError:
        raise ValueError(
            f"{path} is not a readable jaxbrain sweep store: its zarr.json is not valid JSON (damaged or edited)"
        ) from None
    except (OSError, ValueError, TypeError, KeyError, zarr.errors.BaseZarrError) as err:
        raise ValueError(f"{path} is not a jaxbrain sweep store (no zarr group there: {type(err).__name__})") from None
    if _LAYOUT_KEY not in attrs:
        raise ValueError(f"{path} is a zarr group but not a jaxbrain sweep store (no {_LAYOUT_KEY!r} attribute)")
    return group


def _create(tmp, points, layout, attrs):
    """Build the complete store in the empty directory `tmp`: every array at full shape, points written."""
    import zarr

    batch = layout["batch_size"]
    n_points = layout["n_points"]
    group = zarr.open_group(tmp, mode="w", zarr_format=3, attributes=attrs)
    # CF-style "coordinates" attribute: xarray.open_zarr then reads the parameters as coordinates, not data.
    along_point = {"coordinates": " ".join(points)}
    for name, arr in points.items():
        dims = (_ROW_DIM,) if arr.ndim == 1 else (_ROW_DIM, _NODE_DIM)
        z = group.create_array(
            name,
            shape=arr.shape,
            dtype=arr.dtype,
            chunks=(batch, *arr.shape[1:]),
            fill_value=_fill_value(arr.dtype),
            dimension_names=dims,
        )
        z[...] = arr
    for name, spec in layout["results"].items():
        dtype = np.dtype(spec["dtype"])
        group.create_array(
            name,
            shape=(n_points, *spec["shape"]),
            dtype=dtype,
            chunks=(batch, *spec["shape"]),
            fill_value=_fill_value(dtype),
            dimension_names=(_ROW_DIM, *spec["dims"]),
            attributes=along_point,
        )
    group.create_array(
        "ok",
        shape=(n_points,),
        dtype=bool,
        chunks=(batch,),
        fill_value=False,
        dimension_names=(_ROW_DIM,),
        attributes=along_point,
    )
    # One chunk per batch, like the flags below: concurrent writers never rewrite each other's checksums.
    group.create_array(
        "checksum",
        shape=(math.ceil(n_points / batch), _DIGEST_BYTES),
        dtype=np.uint8,
        chunks=(1, _DIGEST_BYTES),
        fill_value=0,
        dimension_names=(_BATCH_DIM, _DIGEST_DIM),
    )
    # Chunk size 1: each batch's flag is its own chunk, so concurrent writers never rewrite each other's flags.
    group.create_array(
        "done",
        shape=(math.ceil(n_points / batch),),
        dtype=bool,
        chunks=(1,),
        fill_value=False,
        dimension_names=(_BATCH_DIM,),
    )


def _unstack(ds, grid, point_specs):
    import pandas as pd
    import xarray as xr

    if not grid or len(set(grid)) != len(grid):
        raise ValueError(f"grid must be a non-empty list of distinct parameter names, got {grid!r}")
    for name in grid:
        if name not in point_specs or point_specs[name]["shape"]:
            scalars = [n for n, s in point_specs.items() if not s["shape"]]
            raise ValueError(f"grid names must be scalar parameters ({scalars}), got {name!r}")
    columns = [ds[name].values for name in grid]
    index = pd.MultiIndex.from_arrays(columns, names=grid)
    sizes = [len(level) for level in index.levels]
    if any(pd.isna(c).any() for c in columns if c.dtype.kind == "f"):
        raise ValueError(f"grid parameters {grid} contain NaN; they cannot be unstacked into a grid")
    if not index.is_unique:
        raise ValueError(f"the points do not form a grid over {grid}: some combinations of values repeat")
    if math.prod(sizes) != ds.sizes[_ROW_DIM]:
        raise ValueError(
            f"the points do not form a full grid over {grid}: {dict(zip(grid, sizes))} distinct values make "
            f"{math.prod(sizes)} combinations but there are {ds.sizes[_ROW_DIM]} points"
        )
    stacked = ds.drop_vars(grid).assign_coords(xr.Coordinates.from_pandas_multiindex(index, _ROW_DIM))
    return stacked.unstack(_ROW_DIM).transpose(*grid, ...)
