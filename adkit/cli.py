"""The ``adkit`` command: one subcommand per job (trace, check, grade, draw, lesson).

Each subcommand lives in its own module under :mod:`adkit.commands` with two functions,
``add_parser(subparsers)`` and ``run(args) -> exit code``. Bad input prints a one-line error and
exits with status 2; no traceback reaches the user.
"""
import argparse
import importlib
import sys

from adkit import __version__
from adkit.core import ADError

# The subcommands, in the order `adkit --help` lists them.
COMMANDS = ["trace", "check", "draw", "lesson", "grade", "board"]

EPILOG = """examples:
  adkit trace                                  the lecture's example, forward and reverse tables
  adkit trace "x1*x2 + sin(x1)" --at x1=2 x2=5 --mode reverse
"""


def build_parser():
    parser = argparse.ArgumentParser(
        prog="adkit", description="Teach automatic differentiation: tables, checks, grading, drawings.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"adkit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"adkit.commands.{name}").add_parser(subparsers)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.run(args) or 0
    except ADError as e:  # ParseError, ShapeError, ...: the user's input, not a bug
        print(f"adkit {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
