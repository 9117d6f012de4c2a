r"""The ALN model's linear–nonlinear cascade tables and their bilinear lookup.

For an exponential integrate-and-fire neuron driven by white noise with mean input $\mu$ (mV/ms) and
standard deviation $\sigma$ (mV/$\sqrt{\text{ms}}$), the tables hold the stationary firing rate $r$ (kHz),
the mean membrane voltage $\bar V$ (mV) and the time constant $\tau_\mu$ (ms) of the rate's linear
response to changes of $\mu$, on the regular grid $\mu \in [-1, 7]$ (350 points, rows) ×
$\sigma \in [0.5, 5]$ (64 points, columns). They were computed by Augustin et al. (2017) with the
Fokker–Planck method and ship with neurolib (``aln-precalc/quantities_cascade.h5``, MIT licence); the
package holds them as ``aln_table.npz`` (converted by ``python -m jaxbrain.data._convert --aln-table``).

The lookup is neurolib's: bilinear inside the grid, and outside it the coordinate is clamped to the grid's
edge, so values extend as constants (and gradients are 0 there). Pure jnp: jit-able, vmappable and
differentiable inside the grid.

References:
    Augustin, Ladenbauer, Baumann & Obermayer (2017) PLoS Comput Biol 13:e1005545;
    Cakan & Obermayer (2020) PLoS Comput Biol 16:e1007822.
"""

from __future__ import annotations

import functools as ft
from importlib import resources
from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

TABLE_FILE = "aln_table.npz"
QUANTITIES = ("r_ss", "V_mean_ss", "tau_mu_exp")  # rate (kHz), mean voltage (mV), mu time constant (ms)


class CascadeTable(NamedTuple):
    """The grid and the tables, as numpy arrays (float64).

    Attributes:
        mu: ``(350,)`` mean-input grid, mV/ms (regular).
        sigma: ``(64,)`` input-std grid, mV/sqrt(ms) (regular).
        values: ``(3, 350, 64)`` the quantities of :data:`QUANTITIES`, indexed ``[q, mu, sigma]``.
    """

    mu: np.ndarray
    sigma: np.ndarray
    values: np.ndarray


@ft.cache
def load_table() -> CascadeTable:
    """Read the packaged table once (numpy, no h5py)."""
    with resources.files(__package__).joinpath(TABLE_FILE).open("rb") as fh, np.load(fh, allow_pickle=False) as data:
        return CascadeTable(data["mu_vals"], data["sigma_vals"], np.stack([data[q] for q in QUANTITIES]))


def _axis_position(x, grid):
    """Lower grid index and fraction of ``x`` on a regular ``grid``, clamped to the grid (jnp)."""
    start, step, size = float(grid[0]), float(grid[1] - grid[0]), len(grid)
    pos = (jnp.clip(x, start, float(grid[-1])) - start) / step
    # The upper edge point has lower index size − 2 and fraction 1, so index + 1 stays in range.
    index = jnp.clip(jnp.floor(pos), 0, size - 2)
    return index.astype(jnp.int32), pos - index


def lookup(sigma, mu, quantities=QUANTITIES, table=None):
    """Bilinear interpolation of the cascade tables at ``(sigma, mu)`` (arrays of one shape).

    Args:
        sigma: input standard deviation, mV/sqrt(ms).
        mu: mean input, mV/ms.
        quantities: which of :data:`QUANTITIES` to return.
        table: a :class:`CascadeTable` (default: the packaged one).

    Returns:
        A tuple with one array per requested quantity, shaped like ``sigma``.
    """
    table = load_table() if table is None else table
    dtype = jnp.result_type(sigma, mu)
    cells = jnp.asarray(_cells(table, tuple(quantities)), dtype)
    i_s, f_s = _axis_position(sigma, table.sigma)
    i_m, f_m = _axis_position(mu, table.mu)
    # One gather per lookup: the row of the cell holds every quantity's four corners (gathers dominate ALN's step).
    corners = cells[i_m * table.sigma.shape[0] + i_s]  # (..., Q, 4)
    out = []
    for q in range(len(quantities)):
        c = corners[..., q, :]
        low = c[..., 0] * (1 - f_s) + c[..., 1] * f_s
        high = c[..., 2] * (1 - f_s) + c[..., 3] * f_s
        out.append(low * (1 - f_m) + high * f_m)
    return tuple(out)


@ft.cache
def _cells_cached(table_id, quantities):
    return _cells_of(load_table(), quantities)


def _cells(table, quantities):
    """``(n_mu * n_sigma, Q, 4)``: for the cell whose lower corner is grid point ``(i, j)`` (row ``i * n_sigma +
    j``), each quantity's values at ``(i, j)``, ``(i, j + 1)``, ``(i + 1, j)``, ``(i + 1, j + 1)`` (zeros past
    the grid's last row or column, which the clamped indices never reach)."""
    if table is load_table():
        return _cells_cached(0, quantities)
    return _cells_of(table, quantities)


def _cells_of(table, quantities):
    values = table.values[[QUANTITIES.index(q) for q in quantities]]  # (Q, n_mu, n_sigma)
    padded = np.pad(values, ((0, 0), (0, 1), (0, 1)))
    corners = np.stack([padded[:, :-1, :-1], padded[:, :-1, 1:], padded[:, 1:, :-1], padded[:, 1:, 1:]], axis=-1)
    return np.ascontiguousarray(corners.transpose(1, 2, 0, 3).reshape(-1, len(quantities), 4))
