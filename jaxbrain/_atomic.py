"""Writing files so that a crash or a planted link never leaves a half-written or misdirected file.

Every file the package writes goes through :func:`atomic_write`: the content is written to a fresh temporary
file created in the target folder with ``tempfile.mkstemp`` (``O_CREAT | O_EXCL``: it never opens an existing
path, so a symlink planted under a predictable name cannot redirect the write), flushed to disk, and renamed over
the target (``os.replace`` is atomic on one file system, and renaming replaces a link at the target rather than
writing through it). A crash leaves the previous file or none, never a truncated one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile


@contextlib.contextmanager
def _replacing(path, suffix=""):
    """Create a fresh temporary file next to ``path``; yield ``(fd, name)``; on a clean exit fsync it and rename
    it over ``path``, on an error remove it and leave ``path`` as it was."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=f".tmp{suffix}")
    try:
        yield fd, tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        # mkstemp creates the file 0600; give it the permissions an ordinary new file would have.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Open a temporary file next to ``path`` for writing; on a clean exit it replaces ``path``.

    ``mode`` is ``"wb"`` (binary) or ``"w"`` (text, UTF-8). The folder must exist. On an error the temporary
    file is removed and ``path`` is left as it was.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w'; got {mode!r}")
    with _replacing(path) as (fd, _), os.fdopen(fd, mode, **({"encoding": "utf-8"} if mode == "w" else {})) as fh:
        # Written through the descriptor mkstemp opened: the file cannot be swapped for a link in between.
        yield fh


@contextlib.contextmanager
def atomic_path(path):
    """For writers that need a file name (netCDF, nibabel, matplotlib): yield a fresh temporary path next to
    ``path``; on a clean exit the file written there replaces ``path``.

    The temporary file is created empty by ``mkstemp`` (so its random name cannot be a planted link) and ends
    with the target's suffixes (``.nc``, ``.png``, ``.nii.gz``), for writers that pick the format from the name.
    On an error it is removed and ``path`` is left as it was.
    """
    base = os.path.basename(os.fspath(path))
    suffix = base[base.index(".", 1) :] if "." in base[1:] else ""
    with _replacing(path, suffix) as (fd, tmp):
        os.close(fd)
        yield tmp


def write_bytes(path, data):
    """Atomically write ``data`` (bytes) to ``path``."""
    with atomic_write(path, "wb") as fh:
        fh.write(data)


def write_text(path, text):
    """Atomically write ``text`` (UTF-8) to ``path``."""
    with atomic_write(path, "w") as fh:
        fh.write(text)
