"""``python -m jaxbrain.cli``: the same as the ``jaxbrain`` command."""

from . import main

main()
