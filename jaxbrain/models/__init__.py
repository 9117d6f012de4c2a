"""Neural-mass models and their registry.

Each model module defines ``Params``, ``State``, ``dfun`` and ``model`` (a :class:`NeuralMass`).
``MODELS`` maps names to bundles; :func:`get_model` looks one up with a clear error. :func:`compose` builds a
heterogeneous network (groups of different models) as one composite bundle.
"""

from . import aln as aln
from . import fhn as fhn
from . import hopf as hopf
from . import jansen_rit as jansen_rit
from . import kuramoto as kuramoto
from . import mpr as mpr
from . import rww as rww
from . import thalamus as thalamus
from . import wc as wc
from . import ww as ww
from ._base import NEGATIVE as NEGATIVE
from ._base import NON_NEGATIVE as NON_NEGATIVE
from ._base import POSITIVE as POSITIVE
from ._base import Inputs as Inputs
from ._base import NeuralMass as NeuralMass
from ._base import Range as Range
from ._base import valid_ranges as valid_ranges
from ._compose import Group as Group
from ._compose import Layout as Layout
from ._compose import compose as compose
from ._compose import compose_params as compose_params

MODELS = {
    "aln": aln.model,
    "hopf": hopf.model,
    "fhn": fhn.model,
    "wc": wc.model,
    "ww": ww.model,
    "kuramoto": kuramoto.model,
    "thalamus": thalamus.model,
    "mpr": mpr.model,
    "jansen_rit": jansen_rit.model,
    "rww": rww.model,
}


def get_model(name):
    """Return the registered model called ``name`` (a :class:`NeuralMass` passes through)."""
    if isinstance(name, NeuralMass):
        return name
    try:
        return MODELS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown model {name!r}; available models: {sorted(MODELS)}") from None
