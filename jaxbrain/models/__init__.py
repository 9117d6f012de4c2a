"""Neural-mass models and their registry.

Each model module defines ``Params``, ``State``, ``dfun`` and ``model`` (a :class:`NeuralMass`).
``MODELS`` maps names to bundles; :func:`get_model` looks one up with a clear error.
"""

from . import aln as aln
from . import fhn as fhn
from . import hopf as hopf
from . import wc as wc
from ._base import Inputs as Inputs
from ._base import NeuralMass as NeuralMass

MODELS = {
    "aln": aln.model,
    "hopf": hopf.model,
    "fhn": fhn.model,
    "wc": wc.model,
}


def get_model(name):
    """Return the registered model called ``name`` (a :class:`NeuralMass` passes through)."""
    if isinstance(name, NeuralMass):
        return name
    try:
        return MODELS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown model {name!r}; available models: {sorted(MODELS)}") from None
