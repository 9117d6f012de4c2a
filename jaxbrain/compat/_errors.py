"""The errors compat raises where neurolib raises ``AssertionError`` for the same bad input.

neurolib checks its inputs with ``assert``, so ported code may catch ``AssertionError``; jaxbrain reports bad input
as ``ValueError``/``TypeError`` with a message that names the argument. These classes are both, so either
``except`` clause keeps working.
"""

from __future__ import annotations


class NeurolibInputError(ValueError, AssertionError):
    """A bad value where neurolib asserts: a ``ValueError`` that ``except AssertionError`` also catches."""


class NeurolibTypeError(TypeError, AssertionError):
    """A value of the wrong type where neurolib asserts: a ``TypeError`` that ``except AssertionError`` also
    catches."""


class NeurolibKeyError(KeyError, AssertionError):
    """A missing key (an output, a dataset entry) where neurolib asserts: a ``KeyError`` that ``except
    AssertionError`` also catches; its message is shown as written (not quoted, as ``KeyError`` would)."""

    def __str__(self):
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()
