"""The subcommands of the ``adkit`` command line, one module each (see :mod:`adkit.cli`)."""
