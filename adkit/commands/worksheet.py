"""``adkit worksheet TEMPLATE.toml --students roster.csv --seed N -o DIR``: per-student exercises."""
import sys

DESCRIPTION = """Write one worksheet per student (Markdown, HTML and LaTeX) and DIR/key.toml.

TEMPLATE.toml is a key (see `adkit grade --help`) whose questions may hold random parts:
function = "{a}*x^{n}" with random = { a = [2, 9], n = { choices = [2, 3] } }; a table's
point may use them too (at = { x1 = "{p}" }). Every variant is drawn from the seed and the
student_id, and redrawn until it is well defined. The same seed gives byte-identical files.
Grade the class with: adkit grade DIR/key.toml answers.csv
"""

EPILOG = """examples:
  adkit worksheet template.toml --students roster.csv --seed 2024 -o sheets/
  adkit grade sheets/key.toml answers.csv -o grades.csv --report report.html
"""


def add_parser(subparsers):
    import argparse
    parser = subparsers.add_parser(
        "worksheet", help="per-student exercise sheets and their key", description=DESCRIPTION,
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("template", metavar="TEMPLATE.toml", help="a key with random parts")
    parser.add_argument("--students", required=True, metavar="roster.csv",
                        help="CSV with a header: student_id (name optional)")
    parser.add_argument("--seed", required=True, type=int, metavar="N",
                        help="the seed (the same seed gives the same sheets)")
    parser.add_argument("-o", "--output", required=True, metavar="DIR",
                        help="directory for the sheets and key.toml")
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    parser.set_defaults(run=run)
    return parser


def run(args):
    from adkit.core import ADError
    from adkit.grading.worksheet import write_worksheets
    if args.seed < 0:
        raise ADError("--seed must be 0 or a positive number")
    from adkit.progress import bar
    progress = bar("worksheets", unit="step") if sys.stderr.isatty() and not args.quiet else None
    try:
        count = write_worksheets(args.template, args.students, args.seed, args.output,
                                 progress=progress)
    except RecursionError:
        raise ADError("an input is nested too deeply to read") from None
    except OSError as e:
        raise ADError(f"{getattr(e, 'filename', None) or 'a file'}: {e.strerror or e}") from None
    finally:
        if progress:
            progress.close()
    if not args.quiet:
        print(f"adkit worksheet: wrote {count} files to {args.output}", file=sys.stderr)
    return 0
