"""neurolib's ``neurolib.control.optimal_control.oc_fhn``: optimal control of the FitzHugh–Nagumo model."""

from __future__ import annotations

from ..oc import OC

__all__ = ["OcFhn"]


class OcFhn(OC):
    """Optimal control of a compat ``FHNModel``, single node or network (see :class:`~..oc.OC` for the arguments,
    attributes and how it differs from neurolib)."""

    _model_name = "fhn"
