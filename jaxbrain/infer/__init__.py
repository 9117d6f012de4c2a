"""Simulation-based inference: priors, on-device summaries, neural posterior estimation and its calibration.

Importing this module does not import flowjax (the ``infer`` extra): priors, summaries and simulations work without
it; training and loading a posterior import it when called.
"""

from ._calibration import CalibrationReport as CalibrationReport
from ._calibration import CoverageResult as CoverageResult
from ._calibration import SBCResult as SBCResult
from ._calibration import calibrate as calibrate
from ._calibration import coverage as coverage
from ._calibration import sbc as sbc
from ._npe import Posterior as Posterior
from ._npe import load_posterior as load_posterior
from ._npe import train_posterior as train_posterior
from ._predictive import PredictiveResult as PredictiveResult
from ._predictive import posterior_predictive as posterior_predictive
from ._prior import AbstractDistribution as AbstractDistribution
from ._prior import LogNormal as LogNormal
from ._prior import LogUniform as LogUniform
from ._prior import Normal as Normal
from ._prior import Prior as Prior
from ._prior import Uniform as Uniform
from ._simulations import Simulations as Simulations
from ._simulations import simulate_prior as simulate_prior
from ._summaries import Statistic as Statistic
from ._summaries import Summaries as Summaries
from ._summaries import custom as custom
from ._summaries import fc_quantiles as fc_quantiles
from ._summaries import fc_sc_correlation as fc_sc_correlation
from ._summaries import fc_summary as fc_summary
from ._summaries import fc_upper as fc_upper
from ._summaries import fcd_quantiles as fcd_quantiles
from ._summaries import of_result as of_result
from ._summaries import signal_stats as signal_stats
from ._summaries import spectral_peak as spectral_peak
