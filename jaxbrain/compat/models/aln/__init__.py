"""neurolib's ``neurolib.models.aln``."""

from .model import ALNModel as ALNModel

__all__ = ["ALNModel"]
