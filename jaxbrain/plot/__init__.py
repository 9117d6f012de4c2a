"""matplotlib figures of jaxbrain results.

Importing this package does not import matplotlib: each function imports it when called, and returns
a :class:`matplotlib.figure.Figure` without showing it (:func:`brain_animation` returns a
:class:`matplotlib.animation.FuncAnimation`).
"""

from ._animation import brain_animation as brain_animation
from ._bifurcation import bifurcation_diagram as bifurcation_diagram
from ._dataset import dataset_overview as dataset_overview
from ._evolution import evolution_population as evolution_population
from ._evolution import evolution_progress as evolution_progress
from ._evolution_frames import evolution_frames as evolution_frames
from ._fc import fc_comparison as fc_comparison
from ._fc import fc_scatter as fc_scatter
from ._fc import fcd_matrix as fcd_matrix
from ._genealogy import genealogy_tree as genealogy_tree
from ._inference import coverage_curve as coverage_curve
from ._inference import posterior_pairs as posterior_pairs
from ._inference import sbc_histogram as sbc_histogram
from ._network import brain_network as brain_network
from ._spectrum import power_spectrum as power_spectrum
from ._sweep import sweep_map as sweep_map
from ._traces import traces as traces
