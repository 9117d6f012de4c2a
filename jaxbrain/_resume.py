"""What every resumable run (sweep, fit, evolution, their CLI commands, the compat classes) shares.

- **Settings and fingerprints.** :func:`canonical` turns everything that determines a run's results (model,
  parameters and bounds, evaluator or loss, optimiser or algorithm settings, run settings, key, package version)
  into plain JSON: numbers, strings, lists and dicts; arrays by dtype, shape and a digest of their bytes (small
  ones by value, so that a difference can be shown); functions by their name, code and the values they close
  over (so ``window_stats(last_ms=50)`` and ``window_stats(last_ms=200)`` differ, and so do two optax optimisers
  with different learning rates). The state on disk stores these settings; :func:`check_same_run` compares them
  with the current run's and refuses, naming what differs.
- **Locks.** :class:`RunLock` makes one process the only writer of a checkpoint or store: a lock file created
  exclusively, holding the holder's pid and host. A lock left by a dead process on this host is taken over.
- **Checked checkpoints.** :func:`save_checked` writes an ``.npz`` (no pickle) whose ``meta`` holds a SHA-256 of
  every array; :func:`load_checked` turns a truncated, damaged, foreign or edited file into a ``ValueError`` that
  names the file and what is wrong with it.
"""

from __future__ import annotations

import contextlib
import functools as ft
import hashlib
import inspect
import io
import json
import math
import os
import re
import socket
import types
import zipfile

import numpy as np

from ._atomic import atomic_write

# Arrays with at most this many elements are stored by value in the settings, so a mismatch can show them.
_SMALL = 16
# How deep closures and nested objects are followed when describing a function.
_DEPTH = 8


def _version():
    from . import __version__

    return __version__


def _array(value):
    arr = np.asarray(value)
    if arr.dtype.kind not in "biufc":
        return None
    if arr.size <= _SMALL:
        return {"dtype": arr.dtype.name, "shape": list(arr.shape), "values": _json_numbers(arr)}
    digest = hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()[:16]
    return {"dtype": arr.dtype.name, "shape": list(arr.shape), "sha256": digest}


def _json_numbers(arr):
    """Array values as JSON (NaN and infinities as strings, complex as [re, im])."""

    def one(x):
        if isinstance(x, complex):
            return [one(x.real), one(x.imag)]
        if isinstance(x, float) and not math.isfinite(x):
            return repr(x)
        return x

    flat = [one(x) for x in arr.ravel().tolist()]
    return flat[0] if arr.ndim == 0 else flat


def _code(code, depth):
    """A function's compiled code: bytecode digest, names and constants (nested code objects followed)."""
    consts = [_code(c, depth) if isinstance(c, types.CodeType) else canonical(c, depth) for c in code.co_consts]
    digest = hashlib.sha256(code.co_code).hexdigest()[:16]
    return {"bytecode": digest, "names": list(code.co_names), "consts": consts}


def _function(fn, depth):
    fn = inspect.unwrap(fn)
    out = {"function": f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', type(fn).__qualname__)}"}
    code = getattr(fn, "__code__", None)
    if code is None:
        return out
    out["code"] = _code(code, depth)
    if fn.__defaults__:
        out["defaults"] = [canonical(d, depth - 1) for d in fn.__defaults__]
    if fn.__kwdefaults__:
        out["kwdefaults"] = {k: canonical(v, depth - 1) for k, v in sorted(fn.__kwdefaults__.items())}
    if fn.__closure__:
        cells = {}
        for name, cell in zip(code.co_freevars, fn.__closure__):
            try:
                cells[name] = canonical(cell.cell_contents, depth - 1)
            except ValueError:  # an empty cell
                cells[name] = None
        out["closure"] = cells
    return out


def canonical(value, depth=_DEPTH):
    """``value`` as plain JSON data that changes whenever anything in it that can change a result changes."""
    if depth <= 0:
        return {"type": type(value).__qualname__}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, ft.partial):
        return {
            "partial": canonical(value.func, depth - 1),
            "args": [canonical(a, depth) for a in value.args],
            "keywords": {k: canonical(v, depth) for k, v in sorted(value.keywords.items())},
        }
    if isinstance(value, dict):
        # Containers do not count towards the depth: only functions and objects can refer back to themselves.
        return {str(k): canonical(v, depth) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # NamedTuple: Params, bijections, optax transforms
        fields = {f: canonical(v, depth) for f, v in zip(value._fields, value)}
        return {"type": type(value).__qualname__, "fields": fields}
    if isinstance(value, (list, tuple)):
        return [canonical(v, depth) for v in value]
    key_data = _key_data(value)
    if key_data is not None:
        return {"prng_key": _array(key_data)}
    if isinstance(value, (np.ndarray, np.generic)) or hasattr(value, "__array__") and hasattr(value, "dtype"):
        arr = _array(value)
        if arr is not None:
            return arr
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
        return _function(value, depth)
    if isinstance(value, type):
        # A class by its name (a NamedTuple's by its defaults too): its __dict__ holds methods and descriptors
        # whose reprs carry memory addresses, which differ in every process.
        out = {"class": f"{value.__module__}.{value.__qualname__}"}
        defaults = getattr(value, "_field_defaults", None)
        if isinstance(defaults, dict):
            out["defaults"] = canonical(defaults, depth - 1)
        return out
    if hasattr(value, "__dataclass_fields__"):  # equinox modules, dataclasses
        fields = {f: canonical(getattr(value, f, None), depth - 1) for f in sorted(value.__dataclass_fields__)}
        return {"type": type(value).__qualname__, "fields": fields}
    if callable(value):
        # A callable object: its class's name and its attributes (e.g. an evaluator's settings).
        attrs = getattr(value, "__dict__", {})
        return {
            "callable": f"{type(value).__module__}.{type(value).__qualname__}",
            "attrs": {k: canonical(v, depth - 1) for k, v in sorted(attrs.items()) if not k.startswith("__")},
        }
    if isinstance(value, types.ModuleType):
        return {"module": value.__name__}
    attrs = getattr(value, "__dict__", None)
    # A plain object, with object's own repr (which only says where it lives): by what it holds. A class that
    # writes its own repr says in it what identifies it (compat's models and searches do).
    if type(value).__repr__ is object.__repr__ and isinstance(attrs, dict) and attrs:
        return {
            "type": f"{type(value).__module__}.{type(value).__qualname__}",
            "attrs": {k: canonical(v, depth - 1) for k, v in sorted(attrs.items()) if not k.startswith("__")},
        }
    slots = [name for cls in type(value).__mro__ for name in getattr(cls, "__slots__", ()) if hasattr(value, name)]
    if slots:  # a fixed set of attributes (e.g. a Connectome's weights and lengths): they are what it holds
        attrs = {name: canonical(getattr(value, name), depth - 1) for name in sorted(set(slots))}
        return {"type": f"{type(value).__module__}.{type(value).__qualname__}", "attrs": attrs}
    # A memory address in a repr ("<... at 0x7f...>") differs in every process: it identifies nothing.
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))[:200]
    return {"type": f"{type(value).__module__}.{type(value).__qualname__}", "repr": text}


def _key_data(value):
    try:
        import jax
        import jax.numpy as jnp

        if hasattr(value, "dtype") and jnp.issubdtype(value.dtype, jax.dtypes.prng_key):
            return np.asarray(jax.random.key_data(value))
    except TypeError:
        return None
    return None


def run_settings(**settings):
    """The canonical settings of a run, with the package version added."""
    out = {name: canonical(value) for name, value in settings.items()}
    out["jaxbrain_version"] = _version()
    return out


def fingerprint(settings):
    """A short digest of canonical ``settings`` (what :func:`run_settings` returns)."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:32]


def _short(value):
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."


def differences(stored, current, prefix=""):
    """``["name: stored X, now Y", ...]`` for every setting that differs between two settings dicts."""
    out = []
    for name in sorted(set(stored) | set(current)):
        a, b = stored.get(name, "<absent>"), current.get(name, "<absent>")
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict) and len(out) < 20:
            nested = differences(a, b, f"{prefix}{name}.")
            if nested:
                out.extend(nested)
                continue
        items = {}
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and len(out) < 20:
            items = {f"{name}[{i}]": (x, y) for i, (x, y) in enumerate(zip(a, b)) if x != y}
        if any(isinstance(x, (dict, list)) for pair in items.values() for x in pair):
            # A list of descriptions (e.g. a chain of optax transforms) item by item, so that a learning rate deep
            # in it is named and shown; a list of numbers is shown whole.
            stored_items = {k: x for k, (x, _) in items.items()}
            out.extend(differences(stored_items, {k: y for k, (_, y) in items.items()}, prefix))
            continue
        out.append(f"{prefix}{name}: stored {_short(a)}, now {_short(b)}")
    return out


def check_same_run(path, stored, current, what):
    """Refuse to resume ``what`` from ``path`` when its stored settings differ from the current ones."""
    if not isinstance(stored, dict):
        raise ValueError(f"{path} holds no settings of a {what}; it was not written by this version of jaxbrain")
    diff = differences(stored, current)
    if diff:
        shown = "; ".join(diff[:8]) + ("; ..." if len(diff) > 8 else "")
        raise ValueError(
            f"{path} belongs to another {what} and cannot be resumed by this one. What differs: {shown}. "
            f"Use another path, or delete it to start over."
        )


class RunLockedError(RuntimeError):
    """Another live process holds the lock of a checkpoint or store."""


class RunLock:
    """An exclusive lock on ``target`` (a checkpoint file or store folder): the file ``<target>.lock``.

    Created with ``O_CREAT | O_EXCL`` and holding ``{"pid", "host"}`` of its holder. A second process asking for
    it gets :class:`RunLockedError` naming the holder; a lock whose holder is a dead process on this host is stale
    and is taken over. Use as a context manager; the lock file is removed on exit.
    """

    def __init__(self, target):
        self.path = f"{os.fspath(target).rstrip(os.sep)}.lock"
        self._held = False

    def _holder(self):
        try:
            with open(self.path, encoding="utf-8") as fh:
                return json.load(fh)
        except (OSError, ValueError):
            return None

    def acquire(self):
        me = {"pid": os.getpid(), "host": socket.gethostname()}
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), 0o644)
            except FileExistsError:
                holder = self._holder()
                if holder == me:  # re-entrant within one process (e.g. a resumed call)
                    self._held = False
                    return self
                if holder is not None and not _alive_here(holder):
                    with contextlib.suppress(FileNotFoundError):
                        os.remove(self.path)
                    continue
                who = "an unreadable lock" if holder is None else f"pid {holder.get('pid')} on {holder.get('host')}"
                raise RunLockedError(
                    f"{self.path} is held by {who}: another run is writing the same state. Wait for it, or, if no "
                    f"such run exists, delete the lock file."
                ) from None
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(me, fh)
            self._held = True
            return self
        raise RunLockedError(f"could not take the lock {self.path}")

    def release(self):
        if self._held:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path)
            self._held = False

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


def _alive_here(holder):
    """Whether the holder of a lock may still be running: always true for another host (we cannot tell)."""
    if holder.get("host") != socket.gethostname():
        return True
    pid = holder.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def arrays_digest(arrays):
    """SHA-256 over the names, dtypes, shapes and bytes of a dict of arrays (order-independent)."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        h.update(f"{name}\0{arr.dtype.str}\0{arr.shape}\0".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


_META = "meta"


def save_checked(path, arrays, meta):
    """Atomically write ``arrays`` and JSON ``meta`` to the ``.npz`` file ``path``, with a checksum of the arrays.

    ``meta`` must not use the key ``"checksum"``. Arrays must be numeric or boolean (no object arrays: no pickle).
    """
    arrays = {name: np.asarray(value) for name, value in arrays.items()}
    for name, arr in arrays.items():
        if arr.dtype.kind not in "biufc":
            raise TypeError(f"checkpoint array {name!r} has dtype {arr.dtype}; only numbers and booleans are stored")
    meta = dict(meta, checksum=arrays_digest(arrays))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays, **{_META: np.asarray(json.dumps(meta, sort_keys=True))})
    with atomic_write(path, "wb") as fh:
        fh.write(buffer.getvalue())


def load_checked(path, what):
    """``(arrays, meta)`` from a file :func:`save_checked` wrote; ``ValueError`` naming ``path`` for anything else.

    Refused: a file that is not an ``.npz`` (text, truncated, damaged), one without jaxbrain's ``meta``, one
    holding object arrays, and one whose arrays do not match the stored checksum (damaged or edited).
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            files = list(data.files)
            if _META not in files:
                raise ValueError(f"{path} is not a jaxbrain {what} checkpoint (it has no 'meta' record)")
            meta = json.loads(str(data[_META]))
            arrays = {name: data[name] for name in files if name != _META}
    except ValueError as err:
        if "is not a jaxbrain" in str(err):
            raise
        raise ValueError(f"{path} is not a readable jaxbrain {what} checkpoint: {_reason(err)}") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} is not a readable jaxbrain {what} checkpoint: {_reason(err)}") from None
    if not isinstance(meta, dict) or "checksum" not in meta:
        raise ValueError(f"{path} is not a jaxbrain {what} checkpoint (its 'meta' record has no checksum)")
    if arrays_digest(arrays) != meta["checksum"]:
        raise ValueError(
            f"{path} is damaged or was edited: its arrays do not match the checksum written with them. "
            f"Delete it to start the {what} over."
        )
    return arrays, meta


def _reason(err):
    """A short reason for a failed read, without numpy's advice to allow pickle (never do that)."""
    text = str(err)
    if "allow_pickle" in text or "pickle" in text:
        return "it holds no npz arrays (it is not a numpy .npz file, or holds Python objects)"
    if isinstance(err, zipfile.BadZipFile):
        return "it is not a complete .npz file (truncated or damaged)"
    if isinstance(err, EOFError):
        return "it ends early (truncated)"
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
