"""neurolib's ``neurolib.models.multimodel.builder.base``: masses, nodes, networks and naming constants."""
