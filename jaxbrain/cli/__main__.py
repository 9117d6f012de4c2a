"""``python -m jaxbrain.cli``: the same as the ``jaxbrain`` command (its exit status too)."""

from . import main

raise SystemExit(main())
