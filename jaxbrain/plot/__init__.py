"""matplotlib figures of jaxbrain results.

Importing this package does not import matplotlib: each function imports it when called, and returns
a :class:`matplotlib.figure.Figure` without showing it.
"""

from ._evolution import evolution_population as evolution_population
from ._evolution import evolution_progress as evolution_progress
from ._sweep import sweep_map as sweep_map
