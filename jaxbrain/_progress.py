"""Progress bars of long runs (simulation chunks, sweep batches, fit steps, generations): ``tqdm.auto`` on stderr
when asked for, a silent stand-in otherwise.

``tqdm.auto`` draws a widget in a notebook (where ipywidgets is installed) and a text bar elsewhere. tqdm is
imported only when a bar is shown, so ``import jaxbrain`` does not load it.
"""

from __future__ import annotations

import math
import sys


class _Off:
    """The methods of a bar that the callers use, doing nothing."""

    def update(self, n=1):
        pass

    def set_postfix(self, ordered_dict=None, refresh=True, **kwargs):
        pass

    def set_postfix_str(self, s="", refresh=True):
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def bar(enabled, *, total, desc, unit, initial=0, **options):
    """A ``tqdm.auto.tqdm`` bar on stderr over ``total`` units when ``enabled``, else one that shows nothing.

    ``options`` go to tqdm (e.g. ``unit_scale``). Use it as a context manager, so that it is closed (and its
    last state drawn) however the loop ends.
    """
    if not enabled:
        return _Off()
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        initial=initial,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        dynamic_ncols=True,
        leave=True,
        **options,
    )


def number(value, digits=4):
    """``value`` for a bar's postfix: ``digits`` significant digits, or ``nan`` when it is not finite."""
    value = float(value)
    return f"{value:.{digits}g}" if math.isfinite(value) else "nan"
