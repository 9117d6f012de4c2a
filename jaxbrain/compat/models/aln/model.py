"""neurolib's ``neurolib.models.aln.model``."""

from .._specs import _SPECS
from ..model import Model


class ALNModel(Model):
    """neurolib's ``ALNModel`` (adaptive linear–nonlinear cascade); see :mod:`jaxbrain.models.aln`."""

    _spec = _SPECS["aln"]
