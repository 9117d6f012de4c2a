r"""Calibration of a posterior on held-out simulations: simulation-based calibration and interval coverage.

For held-out pairs $(\theta_j, x_j)$ drawn from the prior and the simulator, a calibrated posterior satisfies:

- **SBC** (Talts et al. 2018): the rank of $\theta_j$ among $L$ posterior samples given $x_j$ (the number of
  samples below it, per parameter) is uniform on $\{0, \dots, L\}$. Uniformity is tested with Pearson's chi-square
  over ``n_bins`` bins of ranks (``scipy.stats.chisquare``), with the expected count of each bin computed exactly
  from the number of rank values it holds; a small p-value flags a miscalibrated parameter (a U-shaped histogram:
  over-confident; a hump: under-confident; a slope: biased).
- **Coverage**: the central $\ell$ credible interval (between the $(1-\ell)/2$ and $(1+\ell)/2$ quantiles of the
  samples) contains $\theta_j$ in a fraction $\ell$ of the cases.

Ranks are computed on the constrained values; the prior's bijections are increasing, so they equal the ranks of
the unconstrained ones. The results hold plain NumPy arrays (for :mod:`jaxbrain.plot`).

References:
    Talts S, Betancourt M, Simpson D, Vehtari A, Gelman A (2018). Validating Bayesian inference algorithms with
    simulation-based calibration. arXiv:1804.06788
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.stats

from ._prior import _check_key, _count
from ._simulations import Simulations


class SBCResult(NamedTuple):
    """Simulation-based calibration.

    Attributes:
        ranks: ``(n_test, dim)`` ranks in ``0 .. n_samples``.
        pvalues: ``(dim,)`` chi-square uniformity p-values of the ranks, per parameter.
        n_samples: posterior samples per test case ($L$).
        n_bins: the number of rank bins of the test.
        labels: the parameters' labels (``prior.labels``).
    """

    ranks: np.ndarray
    pvalues: np.ndarray
    n_samples: int
    n_bins: int
    labels: list


class CoverageResult(NamedTuple):
    """Coverage of central credible intervals.

    Attributes:
        levels: ``(K,)`` credibility levels.
        coverage: ``(K, dim)`` fraction of test cases whose true value lies in the interval.
        counts: ``(K, dim)`` the number of such cases.
        width: ``(K, dim)`` the intervals' mean width (over test cases), in each parameter's unit.
        n_test: the number of test cases.
        labels: the parameters' labels.
    """

    levels: np.ndarray
    coverage: np.ndarray
    counts: np.ndarray
    width: np.ndarray
    n_test: int
    labels: list

    def count(self, level=0.9):
        """``(dim,)`` the number of test cases inside the ``level`` interval."""
        hits = np.flatnonzero(np.isclose(self.levels, level))
        if not hits.size:
            raise ValueError(f"level {level} was not computed; the levels are {self.levels.tolist()}")
        return self.counts[hits[0]]


class CalibrationReport(NamedTuple):
    """Both checks on the same posterior samples: :class:`SBCResult` and :class:`CoverageResult`."""

    sbc: SBCResult
    coverage: CoverageResult


def _test_set(posterior, theta_test, x_test):
    """``(theta (n, dim) flat constrained, x (n, S))`` from a dict, a flat array or Simulations."""
    prior = posterior.prior
    if isinstance(theta_test, Simulations):
        if x_test is not None:
            raise ValueError("give either Simulations (and no x_test) or theta_test and x_test")
        valid = theta_test.valid()
        theta, x = valid.theta, valid.x
    else:
        theta, x = theta_test, x_test
    flat = np.asarray(prior.flatten(theta)) if isinstance(theta, dict) else np.asarray(theta, np.float64)
    x = np.asarray(x, np.float64)
    if flat.ndim != 2 or flat.shape[1] != prior.dim:
        raise ValueError(
            f"theta_test must be (n_test, {prior.dim}) or a dict of the prior's parameters; got {flat.shape}"
        )
    if x.ndim != 2 or x.shape[0] != flat.shape[0]:
        raise ValueError(f"x_test must be (n_test, S) with n_test = {flat.shape[0]}; got {x.shape}")
    return flat, x


def _draw(posterior, x, key, n_samples):
    return np.asarray(posterior.sample_flat(key, x, n_samples))  # (n_test, L, dim)


def _sbc(theta, samples, n_bins, labels):
    n_test, n_samples = samples.shape[0], samples.shape[1]
    ranks = np.sum(samples < theta[:, None, :], axis=1)
    n_bins = min(n_bins, n_samples + 1) if n_bins is not None else max(2, min(20, n_test // 10))
    # Rank r (of L + 1 equally likely values) falls into bin floor(r * B / (L + 1)); the expected count of a bin is
    # n_test times the share of rank values it holds, exact for any L and B.
    values = np.arange(n_samples + 1)
    expected = np.bincount(values * n_bins // (n_samples + 1), minlength=n_bins) / (n_samples + 1) * n_test
    pvalues = []
    for j in range(theta.shape[1]):
        observed = np.bincount(ranks[:, j] * n_bins // (n_samples + 1), minlength=n_bins)
        pvalues.append(scipy.stats.chisquare(observed, expected).pvalue)
    return SBCResult(ranks, np.asarray(pvalues), int(n_samples), int(n_bins), labels)


def _coverage(theta, samples, levels, labels):
    levels = np.asarray(levels, np.float64)
    lo = np.quantile(samples, (1 - levels) / 2, axis=1)  # (K, n_test, dim)
    hi = np.quantile(samples, (1 + levels) / 2, axis=1)
    inside = (theta[None] >= lo) & (theta[None] <= hi)
    counts = inside.sum(axis=1)
    return CoverageResult(levels, counts / theta.shape[0], counts, (hi - lo).mean(axis=1), theta.shape[0], labels)


def _levels(levels):
    arr = np.atleast_1d(np.asarray(levels, np.float64))
    if arr.ndim != 1 or not arr.size or not np.all((arr > 0) & (arr < 1)):
        raise ValueError(f"levels must be credibility levels in (0, 1); got {levels!r}")
    return arr


def sbc(posterior, theta_test, x_test=None, *, key, n_samples=200, n_bins=None):
    """Simulation-based calibration ranks and their uniformity test.

    Args:
        posterior: a :class:`~jaxbrain.infer.Posterior`.
        theta_test: held-out parameters: dict name → ``(n_test, *shape)``, flat ``(n_test, dim)``, or
            :class:`~jaxbrain.infer.Simulations` (then ``x_test`` is ``None``; failed ones are left out).
        x_test: their summaries ``(n_test, S)``.
        key: PRNG key of the posterior samples.
        n_samples: posterior samples per test case ($L$).
        n_bins: rank bins of the chi-square test (default ``n_test // 10``, between 2 and 20).

    Returns:
        :class:`SBCResult`.
    """
    _check_key(key, "sbc")
    n_samples = _count(n_samples, "sbc: n_samples")
    n_bins = None if n_bins is None else _count(n_bins, "sbc: n_bins", minimum=2)
    theta, x = _test_set(posterior, theta_test, x_test)
    return _sbc(theta, _draw(posterior, x, key, n_samples), n_bins, posterior.prior.labels)


def coverage(posterior, theta_test, x_test=None, *, key, levels=(0.5, 0.8, 0.9, 0.95), n_samples=500):
    """The fraction of held-out cases whose true parameters lie in the central credible intervals.

    Args:
        posterior, theta_test, x_test, key: as for :func:`sbc`.
        levels: credibility levels in (0, 1).
        n_samples: posterior samples per test case (the intervals are their quantiles).

    Returns:
        :class:`CoverageResult`.
    """
    _check_key(key, "coverage")
    n_samples = _count(n_samples, "coverage: n_samples", minimum=2)
    levels = _levels(levels)
    theta, x = _test_set(posterior, theta_test, x_test)
    return _coverage(theta, _draw(posterior, x, key, n_samples), levels, posterior.prior.labels)


def calibrate(posterior, theta_test, x_test=None, *, key, levels=(0.5, 0.8, 0.9, 0.95), n_samples=500, n_bins=None):
    """:func:`sbc` and :func:`coverage` from one set of posterior samples: a :class:`CalibrationReport`.

    Example:
        >>> train, test = sims.split(100)
        >>> report = calibrate(posterior, test, key=jax.random.key(3))
        >>> report.coverage.count(0.9), report.sbc.pvalues
    """
    _check_key(key, "calibrate")
    n_samples = _count(n_samples, "calibrate: n_samples", minimum=2)
    n_bins = None if n_bins is None else _count(n_bins, "calibrate: n_bins", minimum=2)
    levels = _levels(levels)
    theta, x = _test_set(posterior, theta_test, x_test)
    samples = _draw(posterior, x, key, n_samples)
    labels = posterior.prior.labels
    return CalibrationReport(_sbc(theta, samples, n_bins, labels), _coverage(theta, samples, levels, labels))
