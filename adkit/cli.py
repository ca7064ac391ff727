"""The ``adkit`` command: one subcommand per job (trace, check, grade, draw, page, lesson).

Each subcommand lives in its own module under :mod:`adkit.commands` with two functions,
``add_parser(subparsers)`` and ``run(args) -> exit code``. Bad input prints a one-line error and
exits with status 2; no traceback reaches the user.
"""
import argparse
import importlib
import os
import sys

from adkit import __version__
from adkit.core import ADError

# The subcommands, in the order `adkit --help` lists them.
COMMANDS = ["trace", "check", "draw", "page", "lesson", "grade", "worksheet", "compile", "board"]

EPILOG = """examples:
  adkit trace                                  the lecture's example, forward and reverse tables
  adkit trace "x1*x2 + sin(x1)" --at x1=2 x2=5 --mode reverse
  adkit page "x1*x2 + sin(x1)" --at x1=2 x2=5 -o step.html   step through it in a browser
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


def _expressions_may_start_with_minus(parser, argv):
    """``adkit trace "-x*y"``: a word starting with ``-`` that is no option of the subcommand is
    an expression; a leading space keeps argparse from reading it as an option."""
    argv = list(sys.argv[1:] if argv is None else argv)
    sub, depth = parser, 0
    while depth < len(argv):  # down to the innermost subcommand (``adkit lesson export``)
        choices = next((a.choices for a in sub._actions
                        if isinstance(a, argparse._SubParsersAction)), None)
        if not choices or argv[depth] not in choices:
            break
        sub, depth = choices[argv[depth]], depth + 1
    if depth == 0:
        return argv
    options = set(sub._option_string_actions)
    return argv[:depth] + [" " + a if a.startswith("-") and not a.startswith("--") and len(a) > 1
                           and a not in options else a for a in argv[depth:]]


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(_expressions_may_start_with_minus(parser, argv))
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
    except BrokenPipeError:  # adkit trace | head -2: the reader left; end quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
