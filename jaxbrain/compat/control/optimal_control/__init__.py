"""neurolib's ``neurolib.control.optimal_control``: optimal control of the compat models over
:func:`jaxbrain.control.optimal_control` (``oc_fhn.OcFhn``, ``oc_hopf.OcHopf``, ``oc_wc.OcWc``, ``oc_aln.OcAln``,
the cost terms in ``cost_functions``)."""

from . import cost_functions as cost_functions
from .oc import OC as OC
from .oc_aln import OcAln as OcAln
from .oc_fhn import OcFhn as OcFhn
from .oc_hopf import OcHopf as OcHopf
from .oc_wc import OcWc as OcWc
