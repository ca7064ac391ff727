"""``python -m adkit``: the ``adkit`` command line."""
from adkit.cli import main

raise SystemExit(main())
