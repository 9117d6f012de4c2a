"""neurolib's ``neurolib.models.aln.model``."""

from .._native import NativeModel
from .._specs import _SPECS


class ALNModel(NativeModel):
    """neurolib's ``ALNModel`` (adaptive linear–nonlinear cascade); see :mod:`jaxbrain.models.aln`."""

    name = "aln"
    description = "Adaptive linear-nonlinear cascade (AdEx mean field), Cakan & Obermayer 2020"
    init_vars = [
        "rates_exc_init",
        "rates_inh_init",
        "mufe_init",
        "mufi_init",
        "IA_init",
        "seem_init",
        "seim_init",
        "siem_init",
        "siim_init",
        "seev_init",
        "seiv_init",
        "siev_init",
        "siiv_init",
        "mue_ou",
        "mui_ou",
    ]
    state_vars = [
        "rates_exc",
        "rates_inh",
        "mufe",
        "mufi",
        "IA",
        "seem",
        "seim",
        "siem",
        "siim",
        "seev",
        "seiv",
        "siev",
        "siiv",
        "mue_ou",
        "mui_ou",
    ]
    output_vars = ["rates_exc", "rates_inh", "IA"]
    default_output = "rates_exc"
    input_vars = ["ext_exc_current", "ext_inh_current", "ext_exc_rate", "ext_inh_rate"]
    default_input = "ext_exc_rate"

    _spec = _SPECS["aln"]
