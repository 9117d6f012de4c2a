"""Reading connectomes and writing simulated time series: MATLAB/numpy/text/TVB in; NIfTI, CIFTI-2, netCDF/zarr out.

Only numpy is imported with this package; scipy (``.mat``), nibabel (NIfTI, CIFTI-2) and xarray (netCDF, zarr) are
imported by the functions that need them. Times are in ms in jaxbrain's arrays; NIfTI and CIFTI files store
seconds, as fMRI tools expect.
"""

from ._cifti import read_cifti_timeseries as read_cifti_timeseries
from ._cifti import write_cifti_dtseries as write_cifti_dtseries
from ._cifti import write_cifti_ptseries as write_cifti_ptseries
from ._connectome import TVBConnectivity as TVBConnectivity
from ._connectome import load_connectome as load_connectome
from ._connectome import read_tvb_zip as read_tvb_zip
from ._nifti import read_nifti_timeseries as read_nifti_timeseries
from ._nifti import write_nifti_timeseries as write_nifti_timeseries
from ._result import load_result as load_result
from ._result import save_result as save_result
from ._series import TimeSeries as TimeSeries
from ._series import result_series as result_series
