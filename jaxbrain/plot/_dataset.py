"""A dataset at a glance: structural connectivity, fibre lengths and the mean empirical FC side by side."""

from __future__ import annotations

import numpy as np

from ._common import root_figure, square_matrix


def dataset_overview(dataset, *, log_cmat=True, cmap="viridis", fc_cmap="RdBu_r", axes=None):
    r"""Draw a dataset's mean structural connectivity, mean fibre lengths and mean empirical FC side by side.

    The three panels are ``Cmat`` (coupling ``[to, from]``), ``Dmat`` (fibre lengths in mm) and the mean over
    subjects of the empirical functional connectivity $\overline{\mathrm{FC}} = \frac1S \sum_s \mathrm{FC}^{(s)}$,
    each with its own colour bar. With ``log_cmat`` the connectivity is drawn on a logarithmic scale (its
    entries span several decades; zero entries are left blank). The FC's colour scale is symmetric about 0 and
    set by its largest off-diagonal $|\overline{\mathrm{FC}}_{ij}|$, so that the diagonal (1) does not wash
    out the structure.

    Args:
        dataset: a :class:`~jaxbrain.Dataset` (or ``jaxbrain.compat``'s), or any object or ``dict`` with
            ``Cmat`` ``(N, N)``, ``Dmat`` ``(N, N)`` (mm) and ``FCs``, a list of ``(N, N)`` matrices (one per
            subject) or a single ``(N, N)`` matrix.
        log_cmat: draw ``Cmat`` on a logarithmic colour scale.
        cmap: the colour map of ``Cmat`` and ``Dmat``.
        fc_cmap: the colour map of the FC.
        axes: three ``matplotlib`` axes to draw on; default a new figure.

    Returns:
        The :class:`matplotlib.figure.Figure`, never shown; a new figure is not registered with ``pyplot``.

    Raises:
        TypeError: ``dataset`` lacks ``Cmat``, ``Dmat`` or ``FCs``.
        ValueError: matrices that are not square, have NaN/Inf or differ in size; negative lengths; ``log_cmat``
            with no positive ``Cmat`` entry; ``axes`` that are not three.

    Example:
        >>> from jaxbrain import Dataset
        >>> dataset_overview(Dataset("gw")).savefig("gw.png")
    """
    from matplotlib.colors import LogNorm
    from matplotlib.figure import Figure

    cmat, dmat, fc, n_subjects = _matrices(dataset)
    if axes is None:
        fig = Figure(figsize=(13.0, 4.0), layout="constrained")
        axes = fig.subplots(1, 3)
    else:
        axes = list(axes)
        if len(axes) != 3:
            raise ValueError(f"`axes` must be three matplotlib axes; got {len(axes)}")
        fig = root_figure(axes[0])
    n = cmat.shape[0]

    if log_cmat:
        positive = cmat[cmat > 0]
        if positive.size == 0:
            raise ValueError("`log_cmat` needs a positive Cmat entry; Cmat has none (give log_cmat=False)")
        shown = np.ma.masked_less_equal(cmat, 0.0)
        image = axes[0].imshow(shown, cmap=cmap, norm=LogNorm(positive.min(), positive.max()), interpolation="nearest")
    else:
        image = axes[0].imshow(cmat, cmap=cmap, interpolation="nearest")
    fig.colorbar(image, ax=axes[0], label="coupling" + (" (log scale)" if log_cmat else ""), shrink=0.85)
    axes[0].set_title("structural connectivity (Cmat)")

    image = axes[1].imshow(dmat, cmap=cmap, interpolation="nearest")
    fig.colorbar(image, ax=axes[1], label="fibre length (mm)", shrink=0.85)
    axes[1].set_title("fibre lengths (Dmat)")

    off = ~np.eye(n, dtype=bool)
    lim = float(np.abs(fc[off]).max()) if n > 1 else 1.0
    lim = lim or 1.0
    image = axes[2].imshow(fc, cmap=fc_cmap, vmin=-lim, vmax=lim, interpolation="nearest")
    fig.colorbar(image, ax=axes[2], label="correlation", shrink=0.85)
    axes[2].set_title(f"empirical FC, mean of {n_subjects} subject{'s' * (n_subjects != 1)}")

    for k, ax in enumerate(axes):
        ax.set_xlabel("source region" if k < 2 else "region")
        ax.set_ylabel("target region" if k < 2 else "region")
    return fig


def _matrices(dataset):
    """Cmat, Dmat, the mean FC and the number of subjects, checked."""
    fields = {}
    for name in ("Cmat", "Dmat", "FCs"):
        if isinstance(dataset, dict):
            value = dataset.get(name)
        else:
            value = getattr(dataset, name, None)
        if value is None:
            raise TypeError(
                f"`dataset` must be a Dataset or hold Cmat, Dmat and FCs; {type(dataset).__name__} has no {name}"
            )
        fields[name] = value
    cmat = square_matrix("dataset Cmat", fields["Cmat"])
    dmat = square_matrix("dataset Dmat", fields["Dmat"])
    if _is_matrix(fields["FCs"]):
        fc, n_subjects = square_matrix("dataset FCs", fields["FCs"]), 1
    else:
        fcs = [square_matrix(f"dataset FCs[{s}]", one) for s, one in enumerate(_as_list(fields["FCs"]))]
        if not fcs:
            raise ValueError("`dataset` FCs is empty; it must hold one (N, N) matrix per subject")
        if len({one.shape for one in fcs}) != 1:
            raise ValueError(f"`dataset` FCs must all have one shape; got {sorted({one.shape for one in fcs})}")
        fc, n_subjects = np.mean(fcs, axis=0), len(fcs)
    n = cmat.shape[0]
    for name, mat in (("Dmat", dmat), ("FCs", fc)):
        if mat.shape != (n, n):
            raise ValueError(f"`dataset` {name} must be ({n}, {n}) as Cmat; got {mat.shape}")
    if np.any(dmat < 0):
        raise ValueError("`dataset` Dmat holds negative fibre lengths; lengths are >= 0 mm")
    return cmat, dmat, fc, n_subjects


def _is_matrix(value):
    """A single FC matrix rather than a list (or stacked array) of one per subject."""
    return not isinstance(value, (list, tuple)) and np.ndim(value) == 2


def _as_list(value):
    try:
        return list(value)
    except TypeError:
        raise TypeError(f"`dataset` FCs must be a list of (N, N) matrices; got {type(value).__name__}") from None
