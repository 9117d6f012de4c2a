"""matplotlib figures of jaxbrain results.

Importing this package does not import matplotlib: each function imports it when called, and returns
a :class:`matplotlib.figure.Figure` without showing it.
"""

from ._evolution import evolution_population as evolution_population
from ._evolution import evolution_progress as evolution_progress
from ._fc import fc_comparison as fc_comparison
from ._fc import fc_scatter as fc_scatter
from ._fc import fcd_matrix as fcd_matrix
from ._network import brain_network as brain_network
from ._spectrum import power_spectrum as power_spectrum
from ._sweep import sweep_map as sweep_map
from ._traces import traces as traces
