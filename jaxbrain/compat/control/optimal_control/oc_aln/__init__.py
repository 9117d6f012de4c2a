"""neurolib's ``neurolib.control.optimal_control.oc_aln`` package."""

from .oc_aln import OcAln as OcAln
