r"""Figures of simulation-based inference: rank histograms (SBC), coverage of credible intervals, posterior pairs.

Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari & Gelman 2018, arXiv:1804.06788): for each
held-out simulation with true parameter $\theta^*$, the rank of $\theta^*$ among $L$ posterior samples is uniform
on $\{0, \dots, L\}$ when the posterior is calibrated. A histogram of the ranks in $J$ bins then has counts
$\sim \mathrm{Binomial}(n, p_j)$, $p_j$ the share of the $L + 1$ rank values falling in bin $j$; the grey band is the
central 99 % of that binomial. A ∪ shape means an over-confident posterior, a ∩ shape an under-confident one, a
slope a biased one.
"""

from __future__ import annotations

import numpy as np

from ._common import as_finite, figure_and_axes, root_figure


def _labels(labels, n, what):
    if labels is None:
        return [f"θ[{i}]" for i in range(n)]
    labels = [str(x) for x in labels]
    if len(labels) != n:
        raise ValueError(f"`labels` must name each of the {n} {what}; got {len(labels)} labels")
    return labels


def _grid_axes(axes, n, size_per=2.6):
    """``n`` axes: the given ones (a sequence of at least ``n``) or a new figure with one row of ``n`` panels."""
    from matplotlib.figure import Figure

    if axes is None:
        cols = min(n, 4)
        rows = -(-n // cols)
        fig = Figure(figsize=(size_per * cols, 2.4 * rows), layout="constrained")
        grid = fig.subplots(rows, cols, squeeze=False).ravel()
        for ax in grid[n:]:
            ax.set_visible(False)
        return fig, list(grid[:n])
    axes = list(np.ravel(axes))
    if len(axes) < n:
        raise ValueError(f"`axes` must hold one axes per parameter ({n}); got {len(axes)}")
    return root_figure(axes[0]), axes[:n]


def rank_bins(n_samples, bins):
    """Bin edges over the ranks ``0 … n_samples`` and each bin's share of the ``n_samples + 1`` rank values."""
    edges = np.linspace(0, n_samples + 1, bins + 1)
    values = np.arange(n_samples + 1)
    share = np.histogram(values, bins=edges)[0] / (n_samples + 1)
    return edges, share


def sbc_histogram(ranks, n_samples=None, *, labels=None, bins=None, pvalues=None, band=0.99, axes=None):
    r"""Histogram the SBC ranks of each parameter, with the band a calibrated posterior's counts fall in.

    Args:
        ranks: ``(n_test, n_params)`` (or ``(n_test,)``) integer ranks, each in ``0 … n_samples``: how many of the
            ``n_samples`` posterior samples of a held-out simulation lie below its true parameter. Or the
            :class:`jaxbrain.infer.SBCResult` of :func:`jaxbrain.infer.sbc` (or a report holding one as ``.sbc``),
            which gives the ranks, ``n_samples``, the labels, the p-values and the bins of its test (arguments
            given here take precedence).
        n_samples: the posterior samples per held-out simulation ($L$); needed with plain ranks.
        labels: one name per parameter (default ``θ[i]``).
        bins: rank bins (default: about ``n_test / 10`` with at least 5 and at most 20 and at most $L + 1$, so
            that each bin expects some ten counts).
        pvalues: one uniformity p-value per parameter to show in the panel titles (e.g. from
            :func:`jaxbrain.infer.sbc`), or ``None``.
        band: the central probability of the grey band of counts under uniform ranks.
        axes: one matplotlib axes per parameter; default a new figure.

    Returns:
        The :class:`matplotlib.figure.Figure` (never shown).

    Raises:
        ValueError: ranks that are not whole numbers in ``0 … n_samples``, a bad ``bins``/``band``, or labels or
            p-values of the wrong length.
    """
    from scipy import stats

    result = ranks.sbc if _is_report(ranks) else ranks
    if hasattr(result, "ranks") and hasattr(result, "n_samples"):
        ranks = result.ranks
        n_samples = result.n_samples if n_samples is None else n_samples
        labels = result.labels if labels is None else labels
        pvalues = result.pvalues if pvalues is None else pvalues
        bins = result.n_bins if bins is None else bins
    if n_samples is None:
        raise TypeError("sbc_histogram: n_samples is needed with plain ranks (the posterior samples per test case)")
    n_samples = _whole("n_samples", n_samples, minimum=1)
    r = as_finite("ranks", ranks, ndim=(1, 2))
    r = r[:, None] if r.ndim == 1 else r
    if r.shape[0] < 1:
        raise ValueError("`ranks` holds no held-out simulations")
    if np.any(r != np.round(r)) or np.any(r < 0) or np.any(r > n_samples):
        raise ValueError(f"`ranks` must be whole numbers in 0 … n_samples = {n_samples}; got {r.min()} … {r.max()}")
    n_test, n_params = r.shape
    if bins is None:
        bins = int(min(20, n_samples + 1, max(5, n_test // 10)))
    bins = _whole("bins", bins, minimum=1)
    if bins > n_samples + 1:
        raise ValueError(f"`bins` must be at most n_samples + 1 = {n_samples + 1} (one rank value each); got {bins}")
    if not 0 < band < 1:
        raise ValueError(f"`band` must be a probability in (0, 1); got {band!r}")
    labels = _labels(labels, n_params, "parameters")
    if pvalues is not None:
        pvalues = np.atleast_1d(as_finite("pvalues", pvalues, ndim=(0, 1)))
        if pvalues.size != n_params:
            raise ValueError(f"`pvalues` must hold one value per parameter ({n_params}); got {pvalues.size}")
    edges, share = rank_bins(n_samples, bins)
    low = stats.binom.ppf((1 - band) / 2, n_test, share)
    high = stats.binom.ppf(1 - (1 - band) / 2, n_test, share)
    fig, axs = _grid_axes(axes, n_params)
    for j, ax in enumerate(axs):
        counts = np.histogram(r[:, j], bins=edges)[0]
        ax.fill_between(edges, np.append(low, low[-1]), np.append(high, high[-1]), step="post", color="0.85", lw=0)
        ax.stairs(n_test * share, edges, color="0.4", lw=1, ls="--")
        ax.stairs(counts, edges, fill=True, color="C0", alpha=0.75)
        title = labels[j] if pvalues is None else f"{labels[j]}  (p = {pvalues[j]:.2g})"
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(f"rank of the truth (of {n_samples})")
        ax.set_xlim(0, n_samples + 1)
    axs[0].set_ylabel("held-out simulations")
    return fig


def coverage_curve(levels, coverage=None, n_test=None, *, labels=None, band=0.95, ax=None):
    r"""Empirical coverage of central credible intervals against their nominal level, one line per parameter.

    A calibrated posterior's curve follows the diagonal within the grey band: the central ``band`` of
    $\mathrm{Binomial}(n_{\text{test}}, \alpha)/n_{\text{test}}$ at each nominal level $\alpha$. Below the
    diagonal: over-confident (intervals too narrow); above: conservative.

    Args:
        levels: ``(n_levels,)`` nominal levels in (0, 1), increasing. Or the :class:`jaxbrain.infer.CoverageResult`
            of :func:`jaxbrain.infer.coverage` (or a report holding one as ``.coverage``), which gives the levels,
            the coverage, ``n_test`` and the labels.
        coverage: ``(n_levels, n_params)`` (or ``(n_levels,)``) share of held-out simulations whose true value lies
            in the central interval of that level.
        n_test: the number of held-out simulations behind each share.
        labels: one name per parameter (default ``θ[i]``).
        band: the central probability of the binomial band.
        ax: a matplotlib axes; default a new figure.

    Returns:
        The :class:`matplotlib.figure.Figure` (never shown).
    """
    from scipy import stats

    result = levels.coverage if _is_report(levels) else levels
    if hasattr(result, "levels") and hasattr(result, "n_test"):
        levels, n_test = result.levels, result.n_test if n_test is None else n_test
        coverage = result.coverage if coverage is None else coverage
        labels = result.labels if labels is None else labels
    if coverage is None or n_test is None:
        raise TypeError("coverage_curve: coverage and n_test are needed with plain levels")
    n_test = _whole("n_test", n_test, minimum=1)
    lv = as_finite("levels", levels, ndim=1)
    if lv.size < 1 or np.any((lv <= 0) | (lv >= 1)) or np.any(np.diff(lv) <= 0):
        raise ValueError(f"`levels` must be increasing probabilities in (0, 1); got {lv.tolist()}")
    cov = as_finite("coverage", coverage, ndim=(1, 2))
    cov = cov[:, None] if cov.ndim == 1 else cov
    if cov.shape[0] != lv.size:
        raise ValueError(f"`coverage` must have one row per level ({lv.size}), as (level, parameter); got {cov.shape}")
    if np.any((cov < 0) | (cov > 1)):
        raise ValueError("`coverage` must hold shares in [0, 1]")
    if not 0 < band < 1:
        raise ValueError(f"`band` must be a probability in (0, 1); got {band!r}")
    labels = _labels(labels, cov.shape[1], "parameters")
    fig, ax = figure_and_axes(ax, (3.6, 3.4))
    grid = np.linspace(0.0, 1.0, 201)[1:-1]
    ax.fill_between(
        grid,
        stats.binom.ppf((1 - band) / 2, n_test, grid) / n_test,
        stats.binom.ppf(1 - (1 - band) / 2, n_test, grid) / n_test,
        color="0.85",
        lw=0,
        label=f"{band:.0%} band, {n_test} tests",
    )
    ax.plot([0, 1], [0, 1], color="0.4", ls="--", lw=1)
    for j, name in enumerate(labels):
        ax.plot(lv, cov[:, j], marker="o", ms=3, label=name)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("credible level")
    ax.set_ylabel("empirical coverage")
    ax.legend(fontsize=8, loc="upper left")
    return fig


def posterior_pairs(samples, *, labels=None, truth=None, bins=40, axes=None):
    """A corner plot of posterior samples: each parameter's histogram on the diagonal, pairs below it.

    Args:
        samples: ``(n, n_params)`` samples, or a dict name → ``(n,)`` or ``(n, k)`` (per-region parameters give one
            column per region, labelled ``name[i]``), as :meth:`jaxbrain.infer.Posterior.sample` returns.
        labels: one name per column (default: the dict's names, or ``θ[i]``).
        truth: the true (or reference) values to mark, one per column (a sequence or a dict like ``samples``).
        bins: histogram bins per axis.
        axes: an ``(n_params, n_params)`` grid of axes; default a new figure.

    Returns:
        The :class:`matplotlib.figure.Figure` (never shown).
    """
    from matplotlib.figure import Figure

    values, names = _columns("samples", samples)
    n_params = values.shape[1]
    labels = names if labels is None else _labels(labels, n_params, "columns of `samples`")
    if truth is not None:
        truth = _columns("truth", truth, rows=False)[0].ravel()
        if truth.size != n_params:
            raise ValueError(f"`truth` must hold one value per column of `samples` ({n_params}); got {truth.size}")
    bins = _whole("bins", bins, minimum=2)
    if axes is None:
        fig = Figure(figsize=(2.2 * n_params + 0.4, 2.2 * n_params + 0.2), layout="constrained")
        grid = fig.subplots(n_params, n_params, squeeze=False)
    else:
        grid = np.asarray(axes, dtype=object).reshape(n_params, n_params)
        fig = root_figure(grid[0, 0])
    for i in range(n_params):
        for j in range(n_params):
            ax = grid[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                ax.hist(values[:, i], bins=bins, color="C0", alpha=0.75)
                ax.set_yticks([])
                if truth is not None:
                    ax.axvline(truth[i], color="C3", lw=1.2)
            else:
                ax.hist2d(values[:, j], values[:, i], bins=bins, cmap="Blues")
                if truth is not None:
                    ax.plot(truth[j], truth[i], marker="+", color="C3", ms=10, mew=1.5)
            if i == n_params - 1:
                ax.set_xlabel(labels[j])
            if j == 0 and i > 0:
                ax.set_ylabel(labels[i])
    return fig


def _columns(name, value, rows=True):
    """``value`` (an array or a dict of arrays) as a 2-D float array of columns, with a label per column."""
    if isinstance(value, dict):
        if not value:
            raise ValueError(f"`{name}` is an empty dict")
        cols, labels = [], []
        for key, v in value.items():
            arr = as_finite(f"{name}[{key!r}]", v)
            if rows:
                arr = arr.reshape(arr.shape[0], -1) if arr.ndim else arr.reshape(1, 1)
            else:
                arr = arr.reshape(1, -1)
            cols.append(arr)
            k = arr.shape[1]
            labels += [str(key)] if k == 1 and np.ndim(v) <= (1 if rows else 0) else [f"{key}[{i}]" for i in range(k)]
        n = {c.shape[0] for c in cols}
        if len(n) > 1:
            raise ValueError(f"every entry of `{name}` must have the same number of samples; got {sorted(n)}")
        return np.concatenate(cols, axis=1), labels
    arr = as_finite(name, value, ndim=(1, 2) if rows else (0, 1))
    if not rows:
        return arr.reshape(1, -1), _labels(None, arr.size, "columns")
    arr = arr[:, None] if arr.ndim == 1 else arr
    if arr.shape[0] < 2:
        raise ValueError(f"`{name}` needs at least 2 samples (rows); got shape {arr.shape}")
    return arr, _labels(None, arr.shape[1], "columns")


def _is_report(value):
    """Whether ``value`` is a calibration report holding both results (``jaxbrain.infer.CalibrationReport``)."""
    return hasattr(value, "sbc") and hasattr(value, "coverage") and hasattr(value.coverage, "levels")


def _whole(name, value, *, minimum):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` must be a whole number; got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"`{name}` must be at least {minimum}; got {value}")
    return int(value)
