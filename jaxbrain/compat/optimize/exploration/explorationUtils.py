"""neurolib's ``neurolib.optimize.exploration.explorationUtils``: post-processing and figures of a BoxSearch.

* :func:`processExplorationResults` adds neurolib's per-run measures to ``search.dfResults``: ``max_``, ``min_``,
  ``max_amp_``, ``min_amp_`` and ``relative_amplitude_`` of the default output (last ``output_last_ms``) and of
  the BOLD signal (after ``bold_transient``), ``fc`` (mean FC correlation with a dataset's subjects) and ``fcd``
  (mean FCD Kolmogorov distance, for BOLD longer than 5 minutes).
* :func:`findCloseResults` filters the table by parameter values or ranges; :func:`paramsRun` gives one row.
* :func:`plotExplorationResults` draws a result over two parameters (one map per value of ``by``), through
  :func:`jaxbrain.plot.sweep_map`; :func:`plotResult` draws one run (FC, BOLD, activity).

Figures are made with ``matplotlib.pyplot`` (so a notebook shows them, as neurolib's do) and returned; they are
not ``show()``-n (a script calls ``plt.show()`` or ``fig.savefig``). matplotlib is imported only when a figure
is drawn.

Differences from neurolib: :func:`findCloseResults` uses the ``dist`` it is given (neurolib always uses 0.01);
:func:`processExplorationResults` takes the BOLD times from the stored ``t_BOLD`` when the run has them (neurolib
assumes samples every 2 s starting at 0).
"""

from __future__ import annotations

import os

import numpy as np

from ...utils import functions as func
from ...utils import paths

__all__ = [
    "alphaMask",
    "computeMinMax",
    "findCloseResults",
    "paramsRun",
    "plotExplorationResults",
    "plotResult",
    "processExplorationResults",
]


def _positive_number(name, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number; got {type(value).__name__} {value!r}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0; got {value!r}")
    return float(value)


def _series(name, value):
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"result {name!r} must be a [node, time] array; got shape {arr.shape}")
    return arr


def computeMinMax(dfResults, i, output, output_name):
    """Write neurolib's extrema of ``output`` (``[node, time]``) into row ``i`` of ``dfResults``:
    ``max_<name>``/``min_<name>`` over everything, ``max_amp_``/``min_amp_``: the largest/smallest per-node
    peak-to-peak amplitude, and ``relative_amplitude_<name> = max_amp / (max − min)`` (for every row)."""
    output = _series(output_name, output)
    if output.size == 0 or not np.isfinite(output).any():  # nothing kept, or a diverged run: NaN measures
        extrema = dict.fromkeys(("max_", "min_", "max_amp_", "min_amp_"), np.nan)
    else:
        amplitude = np.nanmax(output, axis=1) - np.nanmin(output, axis=1)
        extrema = {
            "max_": np.nanmax(output),
            "min_": np.nanmin(output),
            "max_amp_": np.nanmax(amplitude),
            "min_amp_": np.nanmin(amplitude),
        }
    for prefix, value in extrema.items():
        dfResults.loc[i, prefix + output_name] = float(value)
    span = dfResults["max_" + output_name] - dfResults["min_" + output_name]
    with np.errstate(divide="ignore", invalid="ignore"):
        dfResults["relative_amplitude_" + output_name] = dfResults["max_amp_" + output_name] / span
    return dfResults


def _bold_of(result):
    """``(bold [node, time], t_bold [ms])`` of a run's results (flat short names or neurolib's nested group)."""
    stored = result["BOLD"]
    if isinstance(stored, dict):
        bold, t_bold = stored.get("BOLD"), stored.get("t_BOLD")
    else:
        bold, t_bold = stored, result.get("t_BOLD")
    if bold is None:
        raise ValueError("the run's BOLD results hold no 'BOLD' array")
    bold = _series("BOLD", bold)
    if t_bold is None or np.shape(t_bold) != (bold.shape[1],):
        # neurolib's assumption when no times are stored: one sample every 2 s, from 0.
        t_bold = np.linspace(0.0, bold.shape[1] * 2 * 1000.0, bold.shape[1])
    return bold, np.asarray(t_bold, dtype=np.float64)


def processExplorationResults(search, **kwargs):
    """Add neurolib's measures of every run to ``search.dfResults`` (in place).

    Keyword Args:
        model: the search's model: its ``default_output`` and ``params["dt"]`` name and sample the output.
        output, dt: the output's name and its sampling step (ms), instead of ``model``.
        output_last_ms: the output's extrema are taken over its last ``output_last_ms`` ms (default 1000).
        bold_transient: BOLD before this time (ms) is left out (default 10000).
        bold_until: the BOLD extrema use samples before this time (ms) only (FC and FCD use all).
        ds: a :class:`~jaxbrain.compat.utils.loadData.Dataset`: adds ``fc``, the mean
            ``matrix_correlation(fc(BOLD), FC)`` over its subjects, and, when the BOLD after the transient lasts
            beyond 5 minutes, ``fcd``, the mean ``matrix_kolmogorov`` of the FCD matrices.
        skip_fcd: leave ``fcd`` out.

    Example:
        >>> search.run(chunkwise=True, bold=True); search.loadResults()
        >>> processExplorationResults(search, model=model, ds=ds, bold_transient=10000)
        >>> search.dfResults[["mue_ext_mean", "max_rates_exc", "fc"]]
    """
    known = {"model", "output", "dt", "output_last_ms", "bold_transient", "bold_until", "ds", "skip_fcd"}
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise TypeError(f"processExplorationResults: unknown keyword(s) {unknown}; known: {sorted(known)}")
    if getattr(search, "dfResults", None) is None:
        raise ValueError("search.dfResults is empty: run() the search or loadResults() first")
    output_name = dt = None
    if "model" in kwargs:
        model = kwargs["model"]
        output_name, dt = model.default_output, model.params["dt"]
    if "output" in kwargs:
        output_name = kwargs["output"]
        dt = kwargs.get("dt", dt)
    if output_name is not None:
        if dt is None:
            raise ValueError("the output's dt is unknown: pass model=... or dt=... (ms), e.g. dt=0.1")
        dt = _positive_number("dt", dt)
    last_ms = _positive_number("output_last_ms", kwargs.get("output_last_ms", 1000))
    transient = float(kwargs.get("bold_transient", 10000))
    dfResults = search.dfResults
    for i in dfResults.index:
        result = search.getResult(i)
        if output_name is not None:
            if output_name not in result:
                raise ValueError(f"run {i}'s results hold no output {output_name!r}; they hold {sorted(result)}")
            output = _series(output_name, result[output_name])
            dfResults = computeMinMax(dfResults, i, output[:, -int(last_ms / dt) :], output_name)
        if "BOLD" not in result:
            continue
        bold, t_bold = _bold_of(result)
        keep = t_bold > transient
        bold, t_bold = bold[:, keep], t_bold[keep]
        if "bold_until" in kwargs:
            early = t_bold < float(kwargs["bold_until"])
            dfResults = computeMinMax(dfResults, i, bold[:, early], "BOLD")
        else:
            dfResults = computeMinMax(dfResults, i, bold, "BOLD")
        if "ds" in kwargs:
            ds = kwargs["ds"]
            dfResults.loc[i, "fc"] = float(np.mean([func.matrix_correlation(func.fc(bold), fc) for fc in ds.FCs]))
            if len(t_bold) and t_bold[-1] > 5 * 60 * 1000 and not kwargs.get("skip_fcd", False):
                sim_fcd = func.fcd(bold)
                emp_fcds = getattr(ds, "FCDs", None)
                if emp_fcds is None:
                    emp_fcds = [func.fcd(b) for b in ds.BOLDs]
                dfResults.loc[i, "fcd"] = float(np.mean([func.matrix_kolmogorov(sim_fcd, e) for e in emp_fcds]))
    search.dfResults = dfResults
    return dfResults


def findCloseResults(dfResults, dist=None, relative=False, **kwargs):
    """The rows of ``dfResults`` close to the given parameter values.

    ``name=value`` keeps rows with ``|row − value| <= dist`` (``dist·value`` with ``relative=True``);
    ``name=[low, high]`` keeps rows strictly between. ``dist`` defaults to 0.01.

    Example:
        >>> findCloseResults(search.dfResults, dist=0.1, mue_ext_mean=2.0, mui_ext_mean=[2.0, 3.0])
    """
    dist = 0.01 if dist is None else float(dist)
    keep = np.ones(len(dfResults), dtype=bool)
    for name, value in kwargs.items():
        if name not in dfResults.columns:
            raise ValueError(f"{name!r} is not a column of the results; columns: {list(dfResults.columns)}")
        column = dfResults[name].to_numpy(dtype=np.float64)
        if isinstance(value, (list, tuple)):
            if len(value) != 2:
                raise ValueError(f"{name}: give a value or a [low, high] range; got {value!r}")
            low, high = value
            keep &= (column > low) & (column < high)
        elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            keep &= np.abs(column - value) <= (dist * value if relative else dist)
        else:
            raise TypeError(f"{name}: give a number or a [low, high] range; got {type(value).__name__}")
    return dfResults[keep]


def paramsRun(dfResults, runNr):
    """Row ``runNr`` of the results as a dict."""
    return dfResults.loc[runNr].to_dict()


def alphaMask(image, threshold, alpha, mask=None, invert=False, style=None):
    """neurolib's alpha mask: an RGBA image of ``image`` (plasma colours) that is opaque where ``mask`` (default
    the image) is above ``threshold`` (below, with ``invert``) and has opacity ``alpha`` elsewhere;
    ``style="stripes"`` adds horizontal stripes of full opacity."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    image = np.asarray(image, dtype=np.float64)
    mask = image if mask is None else np.asarray(mask, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        alphas = np.clip((mask < threshold if invert else mask > threshold).astype(np.float64), alpha, 1.0)
    if style == "stripes":
        stripes = np.sin(np.linspace(0, 2 * np.pi * mask.shape[0] / 5, mask.shape[0])) > 0
        alphas = np.clip(alphas + stripes[:, None], 0.0, 1.0)
    colors = colormaps["plasma"](Normalize(np.nanmin(image), np.nanmax(image), clip=True)(image))
    colors[..., -1] = alphas
    return colors


def _axis(par):
    if isinstance(par, str):
        return par, par
    if isinstance(par, (list, tuple)) and len(par) == 2:
        return par[0], par[1]
    raise TypeError(f"give a parameter as a name or as [name, label]; got {par!r}")


def plotExplorationResults(
    dfResults,
    par1,
    par2,
    plot_key,
    nan_to_zero=False,
    by=None,
    by_label=None,
    plot_key_label=None,
    symmetric_colorbar=False,
    one_figure=False,
    contour=None,
    alpha_mask=None,
    multiply_axis=None,
    savename=None,
    **kwargs,
):
    """Draw ``plot_key`` over ``par1`` × ``par2``: one map per value (combination) of the ``by`` columns.

    Args:
        dfResults: the results table (``search.dfResults``).
        par1, par2: the parameters on the x and y axes, as names or ``[name, label]``.
        plot_key: the column to colour by; ``plot_key_label`` its label.
        nan_to_zero: draw missing values as 0.
        by, by_label: columns to slice the table by (one map per slice), and their labels in the titles.
        symmetric_colorbar: a colour range symmetric about 0.
        one_figure: all maps side by side in one figure (else one figure each).
        contour: a column (or list of columns) to draw contour lines of; ``contour_levels``,
            ``contour_color`` in ``kwargs``.
        alpha_mask: a column (or array) whose cells at or below ``mask_threshold`` (kwargs, default 1) are drawn
            with opacity ``mask_alpha`` (default 0.5); ``mask_invert`` flips the test.
        multiply_axis: scale the tick labels by this factor.
        savename: also save each figure under ``paths.FIGURES_DIR``.
        **kwargs: ``plot_clim`` (colour range) and the contour/mask options above.

    Returns:
        The figure (``one_figure=True``) or the list of figures, drawn with pyplot and not shown.
    """
    import matplotlib.pyplot as plt

    from ....plot import sweep_map

    par1, par1_label = _axis(par1)
    par2, par2_label = _axis(par2)
    df = dfResults.copy()
    if by is None:
        df["_by"] = 0
        by = ["_by"]
    elif isinstance(by, str):
        by = [by]
    by_label = list(by if by_label is None else by_label)
    groups = list(df.groupby(by=by))
    figures = []
    if one_figure:
        fig, axs = plt.subplots(1, len(groups), figsize=(4 * len(groups), 3.5), squeeze=False, layout="constrained")
        axs = axs[0]
        if plot_key_label:
            fig.suptitle(plot_key_label)
        figures.append(fig)
    for n, (key, part) in enumerate(groups):
        if one_figure:
            ax = axs[n]
        else:
            fig = plt.figure(figsize=(5, 4), layout="constrained")
            ax = fig.add_subplot()
            figures.append(fig)
            if plot_key_label:
                ax.set_title(plot_key_label)
        # Rows sharing a (par1, par2) cell (other parameters vary, not sliced by ``by``) are averaged, as
        # neurolib's pivot table does.
        shown = [plot_key] + [c for c in (contour if isinstance(contour, list) else [contour]) if isinstance(c, str)]
        if isinstance(alpha_mask, str):
            shown.append(alpha_mask)
        shown = list(dict.fromkeys(shown))
        part = part.groupby([par1, par2], as_index=False)[shown].mean(numeric_only=True)
        if nan_to_zero:
            part[plot_key] = part[plot_key].fillna(0)
        values = part[plot_key].to_numpy(dtype=np.float64)
        clim = kwargs.get("plot_clim", (np.nanmin(values), np.nanmax(values)) if np.isfinite(values).any() else None)
        options = {}
        if clim is not None:
            if symmetric_colorbar:
                top = float(np.max(np.abs(clim)))
                clim = (-top, top)
            options.update(vmin=clim[0], vmax=clim[1])
        if alpha_mask is not None:
            options["alpha"] = _mask_alphas(part, par1, par2, alpha_mask, nan_to_zero, kwargs)
        sweep_map(part, par1, par2, plot_key, ax=ax, cmap="plasma", **options)
        if contour is not None:
            _contours(ax, part, par1, par2, contour, nan_to_zero, kwargs)
        ax.set_xlabel(par1_label)
        ax.set_ylabel(par2_label)
        if multiply_axis:
            ax.set_xticks(ax.get_xticks(), np.round(np.multiply(ax.get_xticks(), multiply_axis), 2))
            ax.set_yticks(ax.get_yticks(), np.round(np.multiply(ax.get_yticks(), multiply_axis), 2))
        key = key if isinstance(key, tuple) else (key,)
        title = "-".join(f"{label}={value}" for label, value in zip(by_label, key)) if by != ["_by"] else ""
        if title:
            ax.set_title(title)
        if savename and not one_figure:
            os.makedirs(paths.FIGURES_DIR, exist_ok=True)
            fig.savefig(os.path.join(paths.FIGURES_DIR, f"{title}_{savename}" if title else savename))
    if savename and one_figure:
        os.makedirs(paths.FIGURES_DIR, exist_ok=True)
        figures[0].savefig(os.path.join(paths.FIGURES_DIR, savename))
    return figures[0] if one_figure else figures


def _contours(ax, part, par1, par2, contour, nan_to_zero, kwargs):
    """neurolib's contour lines: of one column, or of each of a list of columns (with lists of colours, levels)."""
    listed = isinstance(contour, list)
    names = contour if listed else [contour]
    colors, levels = kwargs.get("contour_color", "white"), kwargs.get("contour_levels")
    for n, name in enumerate(names):
        grid = part.pivot_table(values=name, index=par2, columns=par1, dropna=False)
        if nan_to_zero:
            grid = grid.fillna(0)
        field = grid.to_numpy(dtype=np.float64)
        if min(field.shape) < 2 or not np.isfinite(field).any():
            continue  # a contour needs a 2 × 2 grid of numbers
        color = colors[n] if listed and isinstance(colors, (list, tuple)) else colors
        level = levels[n] if listed and isinstance(levels, (list, tuple)) and levels and isinstance(
            levels[0], (list, tuple)) else levels  # fmt: skip
        xs, ys = grid.columns.to_numpy(dtype=np.float64), grid.index.to_numpy(dtype=np.float64)
        ax.contour(xs, ys, np.ma.masked_invalid(field), levels=level, colors=color, zorder=1)


def _mask_alphas(part, par1, par2, alpha_mask, nan_to_zero, kwargs):
    """The opacity of every cell of the (sorted par2 × par1) map, from neurolib's alpha-mask options."""
    if isinstance(alpha_mask, str):
        grid = part.pivot_table(values=alpha_mask, index=par2, columns=par1, dropna=False)
        if nan_to_zero:
            grid = grid.fillna(0)
        mask = grid.to_numpy(dtype=np.float64)
    else:
        mask = np.asarray(alpha_mask, dtype=np.float64)
    threshold = kwargs.get("mask_threshold", 1)
    alpha = kwargs.get("mask_alpha", 0.5)
    with np.errstate(invalid="ignore"):
        inside = mask < threshold if kwargs.get("mask_invert", False) else mask > threshold
    return np.where(inside, 1.0, alpha)


def plotResult(search, runId, z_bold=False, **kwargs):
    """One run of a search: the FC of its BOLD signal, the BOLD signal, and the model's default output.

    Keyword Args:
        bold_transient: leave out the BOLD samples of the first ``bold_transient`` seconds (neurolib counts
            2 s per sample; default 30 s).
        xlim: the time range (ms) of the activity panel.

    Returns:
        The figure (pyplot's, not shown).
    """
    import matplotlib.pyplot as plt
    from scipy import stats

    result = search.getResult(runId)
    if "BOLD" not in result:
        raise ValueError(f"run {runId} has no BOLD: run the search with run(bold=True)")
    skip = int(kwargs.get("bold_transient", 30) / 2)
    bold, _ = _bold_of(result)
    bold = bold[:, skip:]
    t_bold = np.linspace(2, bold.shape[1] * 2, bold.shape[1])
    output = _series(search.model.default_output, result[search.model.default_output])
    dt = float(search.model.params["dt"])
    t_output = np.linspace(dt, output.shape[1] * dt, output.shape[1])

    fig, axs = plt.subplots(1, 3, figsize=(8, 2), gridspec_kw={"width_ratios": [1, 1.2, 2]}, layout="constrained")
    fc = func.fc(bold) if bold.shape[1] > 1 else np.full((bold.shape[0],) * 2, np.nan)
    axs[0].set_title(f"FC (run {runId})")
    axs[0].imshow(fc)
    axs[0].set_xlabel("Node")
    axs[0].set_ylabel("Node")
    shown = stats.zscore(bold, axis=1) if z_bold and bold.shape[1] > 1 else bold
    axs[1].plot(t_bold, shown.T, lw=1.5, alpha=0.8)
    axs[1].set_xlabel("Time [s]")
    axs[1].set_ylabel("Normalized BOLD" if z_bold else "BOLD")
    axs[2].plot(t_output, output.T, lw=1.5, alpha=0.6)
    axs[2].set_xlabel("Time [ms]")
    axs[2].set_ylabel("Activity")
    if "xlim" in kwargs:
        axs[2].set_xlim(kwargs["xlim"])
    return fig
