"""Small argument checks shared across the package (pure Python; no jax, no numpy)."""

from __future__ import annotations

from collections.abc import Iterable


def names_sequence(value, what) -> tuple[str, ...]:
    """``value`` as a tuple of names, refusing a single string (which would split into characters).

    Args:
        value: a list, tuple or other iterable of ``str`` (numpy string scalars are ``str``).
        what: the argument's name, for the error message.

    Raises:
        TypeError: ``value`` is a ``str``/``bytes`` or not iterable, or one of its items is not a ``str``.
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(
            f"{what} must be a sequence of names, e.g. [{value!r}]; got the single string {value!r} "
            "(a string is not split into characters)"
        )
    if not isinstance(value, Iterable):
        raise TypeError(f"{what} must be a sequence of names (str); got {type(value).__name__}")
    names = tuple(value)
    bad = [item for item in names if not isinstance(item, str)]
    if bad:
        raise TypeError(f"{what} must hold names (str); got {bad[0]!r} of type {type(bad[0]).__name__}")
    return names
