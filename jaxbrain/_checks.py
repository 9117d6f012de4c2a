"""Small argument checks shared across the package (pure Python; no jax, no numpy)."""

from __future__ import annotations

from collections.abc import Iterable


def names_sequence(value, what, *, example=None, unique=False) -> tuple[str, ...]:
    """``value`` as a tuple of names, refusing a single string (which would split into characters).

    Args:
        value: a list, tuple or other iterable of ``str`` (numpy string scalars are ``str``).
        what: the argument's name, for the error message.
        example: a valid value to show in the message (default: the string given, as a one-name list).
        unique: refuse names given more than once.

    Raises:
        TypeError: ``value`` is a ``str``/``bytes`` or not iterable, or one of its items is not a ``str``.
        ValueError: with ``unique``, a name is repeated.
    """
    if isinstance(value, (str, bytes)):
        shown = [value] if example is None else example
        raise TypeError(
            f"{what} must be a sequence of names, e.g. {shown!r}; got the single string {value!r} "
            "(a string is not split into characters)"
        )
    if not isinstance(value, Iterable):
        shown = "" if example is None else f", e.g. {example!r}"
        raise TypeError(f"{what} must be a sequence of names (str){shown}; got {type(value).__name__}")
    names = tuple(value)
    bad = [item for item in names if not isinstance(item, str)]
    if bad:
        raise TypeError(f"{what} must hold names (str); got {bad[0]!r} of type {type(bad[0]).__name__}")
    if unique:
        twice = sorted({item for item in names if names.count(item) > 1})
        if twice:
            raise ValueError(f"{what} names {twice} more than once")
    return names
