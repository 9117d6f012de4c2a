"""neurolib-style objects, so that porting a neurolib notebook means changing its imports.

    from jaxbrain.compat import HopfModel, Dataset, func      # was: from neurolib.models.hopf import HopfModel …

    ds = Dataset("gw")
    model = HopfModel(Cmat=ds.Cmat, Dmat=ds.Dmat, seed=0)
    model.params["duration"] = 60 * 1000
    model.params["sigma_ou"] = 0.14
    model.run(bold=True)
    scores = [func.matrix_correlation(func.fc(model.BOLD.BOLD[:, 5:]), fc) for fc in ds.FCs]

The models take neurolib's parameter dictionary (same names, same defaults, the ``*_init`` arrays
in neurolib's shapes, drawn from the same numpy stream for a given ``seed``), run through
:func:`jaxbrain.simulate`, and store outputs in neurolib's ``[node, time]`` layout. With the same
parameters and initial values and noise off they give neurolib master's numbers: like neurolib they
compute in float64, inside ``jax.enable_x64(True)`` for the duration of each run, so JAX's global
setting is untouched and the rest of the program keeps its own precision (``model.x64 = False``
computes in that precision instead). Keys in ``params`` a model does not know are ignored, as
neurolib ignores them, with a warning that names them.

Deliberate differences (neurolib behaviour that is a bug or an artefact, not reproduced):
* noise comes from ``jax.random`` keyed by ``seed``; numpy's stream cannot be matched, so noisy runs
  agree with neurolib statistically, not sample by sample;
* with a fixed seed neurolib replays the same noise in every chunk (its issue #52); here a chunked
  run continues the noise and agrees with the unchunked run to float rounding;
* neurolib skips BOLD for chunks shorter than 2 s; here BOLD integrates every step.

Layout: the package mirrors neurolib's modules, so a port replaces the ``neurolib`` prefix of each import by
``jaxbrain.compat`` (``neurolib.models.hopf`` → ``jaxbrain.compat.models.hopf``, ``neurolib.utils.functions`` →
``jaxbrain.compat.utils.functions``, ``neurolib.optimize.exploration`` → ``jaxbrain.compat.optimize.exploration``,
…); the names below are also importable from ``jaxbrain.compat`` itself.
"""

from __future__ import annotations

import importlib

from .models.aln import ALNModel as ALNModel
from .models.fhn import FHNModel as FHNModel
from .models.hopf import HopfModel as HopfModel
from .models.kuramoto import KuramotoModel as KuramotoModel
from .models.thalamus import ThalamicMassModel as ThalamicMassModel
from .models.wc import WCModel as WCModel
from .models.ww import WWModel as WWModel
from .utils.collections import dotdict as dotdict
from .utils.loadData import Dataset as Dataset
from .utils.parameterSpace import ParameterSpace as ParameterSpace

__all__ = [
    "ALNModel",
    "BoxSearch",
    "Dataset",
    "Evolution",
    "FHNModel",
    "HopfModel",
    "KuramotoModel",
    "ParameterSpace",
    "ThalamicMassModel",
    "WCModel",
    "WWModel",
    "dotdict",
    "func",
]

# Loaded on first use (module, attribute; None: the module itself).
_LAZY = {
    "func": (".utils.functions", None),
    "BoxSearch": (".optimize.exploration", "BoxSearch"),
    "Evolution": (".optimize.evolution", "Evolution"),
}


def __getattr__(name):
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = importlib.import_module(module, __name__)
        return value if attr is None else getattr(value, attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
