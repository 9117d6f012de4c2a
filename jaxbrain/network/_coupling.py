"""Coupling functions: how the delayed weighted sum becomes a node's network input.

Each takes ``delayed_sum`` $= \\sum_m C_{nm} x_m(t - d_{nm})$, the node's own current value
``local`` $= x_n(t)$ and ``row_sum`` $= \\sum_m C_{nm}$ and returns the input before the global gain.
They are chosen by passing the function (never a string flag) and are static under ``jit``.
"""


def additive(delayed_sum, local, row_sum):
    r"""Additive coupling $\sum_m C_{nm} x_m(t - d_{nm})$."""
    del local, row_sum
    return delayed_sum


def diffusive(delayed_sum, local, row_sum):
    r"""Diffusive coupling $\sum_m C_{nm} (x_m(t - d_{nm}) - x_n(t))$.

    Computed as $\sum_m C_{nm} x_m(t-d_{nm}) - x_n(t) \sum_m C_{nm}$ so that the per-step cost is one
    weighted sum, not an $N \times N$ difference.
    """
    return delayed_sum - row_sum * local


COUPLINGS = {"additive": additive, "diffusive": diffusive}


def coupling_by_name(name):
    """Return the coupling function called ``name`` ("additive" or "diffusive")."""
    if callable(name):
        return name
    try:
        return COUPLINGS[name]
    except (KeyError, TypeError):
        raise ValueError(f"coupling must be one of {sorted(COUPLINGS)} or a function; got {name!r}") from None
