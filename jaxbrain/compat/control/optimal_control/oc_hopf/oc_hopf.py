"""neurolib's ``neurolib.control.optimal_control.oc_hopf``: optimal control of the Hopf (Stuart–Landau) model."""

from __future__ import annotations

from ..oc import OC

__all__ = ["OcHopf"]


class OcHopf(OC):
    """Optimal control of a compat ``HopfModel``, single node or network (see :class:`~..oc.OC` for the arguments,
    attributes and how it differs from neurolib)."""

    _model_name = "hopf"
