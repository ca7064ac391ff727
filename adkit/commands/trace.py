"""``adkit trace``: the forward and reverse accumulation tables of an expression, as on the slides."""
import argparse
import os
import sys

from adkit.core import ADError, ParseError
from adkit.files import write_atomic

LECTURE_EXAMPLE = "x1*x2 + sin(x1)"
LECTURE_POINT = {"x1": 2.0, "x2": 5.0}

EXAMPLES = """examples:
  adkit trace                                       the lecture's z = x1·x2 + sin x1 at (2, 5)
  adkit trace "x1*x2 + sin(x1)" --at x1=2 x2=5 --mode reverse
  adkit trace "log(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5 --style griewank
  adkit trace "x1*x2 + sin(x1)" --at x1=2 x2=5 --seed x2 --mode forward
  adkit trace "x1*x2 + sin(x1)" --at x1=2 x2=5 --format latex > table.tex
  adkit trace "tanh(w*x + b)" --at w=0.5 x=2 b=-1 --step    one row per Enter, in class
  adkit trace "sin(x)^2" --at x=pi/4 --digits 10
  adkit trace "2^x + x/3" --at x=1 --exact            exact numbers: ln 4, 1/3
  adkit trace "x1*x2" --at x1=2 x2=5 --substitute     ẇ3 = w2 · ẇ1 + w1 · ẇ2 = 5 · 1 + 2 · 0 = 5
  adkit trace "v*v" --at v=1,2,3 --seed z=1,0,0 --mode reverse   a vector output's cotangent
  adkit trace --format html -o table.html            a complete page (also latex, csv, …)
  adkit trace "-x*y" --at x=1 y=2                    an expression may start with -

Values after --at may be constant expressions (pi/4, 2^-3) or comma-separated lists (1,2,3).
"""


def parse_point(items, who="--at"):
    """``["x1=2", "x2=pi/2", "v=1,2,3"]`` -> ``{"x1": 2.0, "x2": 1.5707…, "v": array([1., 2., 3.])}``.

    Each value is read by the safe parser (a constant expression), never ``eval``-ed.
    """
    import numpy as np
    from adkit.parse import parse
    if not items:
        return None
    point = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ADError(f"{who}: expected NAME=VALUE, e.g. x1=2; got {item!r}")
        if name in point:
            raise ADError(f"{who}: {name} is given twice")
        values = []
        for part in text.split(","):
            try:
                graph = parse(part, variables=[])
            except ParseError as e:
                reason = ("a number is a constant such as 2, -1.5, pi/2 or 1e-3"
                          if "unknown variable" in e.reason else e.reason)
                raise ADError(f"{who}: {name}={part.strip()!r} is not a number ({reason})") \
                    from None
            values.append(float(graph()))
        point[name] = values[0] if len(values) == 1 else np.array(values)
    return point


def parse_seed(items, output="z"):
    """``(forward seed, reverse seed)`` from ``--seed``: an input name or NAME=VALUE pairs for
    the forward table, ``OUTPUT=VALUES`` (``z=1,0,0``) for the reverse table's cotangent.

    >>> parse_seed(["x1"]), parse_seed(["x1=1", "x2=2"])
    (('x1', None), ({'x1': 1.0, 'x2': 2.0}, None))
    >>> parse_seed(["z=1,0"])
    (None, array([1., 0.]))
    """
    if not items:
        return None, None
    if len(items) == 1 and "=" not in items[0]:
        return items[0].strip(), None
    if any("=" not in item for item in items):
        raise ADError("--seed: give one input name (--seed x1) or NAME=VALUE pairs "
                      "(--seed x1=1 x2=0; the output's cotangent: --seed z=1,0,0)")
    point = parse_point(items, "--seed")
    cotangent = point.pop(output, None)
    return (point or None), cotangent


def mode_seeds(items, mode, output="z"):
    """:func:`parse_seed`, checked against ``--mode``: a cotangent needs the reverse table, an
    input name the forward table (``adkit trace`` and ``adkit page`` read ``--seed`` alike)."""
    forward_seed, cotangent = parse_seed(items, output)
    if cotangent is not None and mode == "forward":
        raise ADError("--seed: a cotangent of the output is for the reverse table; use "
                      "--mode reverse or both")
    if isinstance(forward_seed, str) and mode == "reverse":
        raise ADError(f"--seed {forward_seed}: the reverse table is seeded at the output; give "
                      f"its cotangent, e.g. --seed {output}=1")
    return forward_seed, cotangent


def add_point_arguments(parser, mode_help):
    """--at, --mode and --seed, as `adkit trace` and `adkit page` read them (mode_seeds)."""
    parser.add_argument("--at", nargs="+", metavar="NAME=VALUE", default=None,
                        help="the point, e.g. --at x1=2 x2=5")
    parser.add_argument("--mode", choices=("forward", "reverse", "both"), default="both",
                        help=mode_help)
    parser.add_argument("--seed", nargs="+", metavar="NAME", default=None,
                        help="forward mode: the input to differentiate by (default: the first), "
                             "or a direction as NAME=VALUE pairs; reverse mode: the output's "
                             "cotangent, e.g. z=1,0 (needed for a vector output)")


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "trace", help="forward and reverse accumulation tables, row by row",
        description="Print the forward and/or reverse accumulation table of EXPR at a point: "
                    "each row pairs the operation that computes a value with the operation "
                    "that computes its derivative, with the numbers. Without EXPR: the "
                    "lecture's example z = x1*x2 + sin(x1) at x1=2, x2=5.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("expression", metavar="EXPR", nargs="?", default=None,
                        help='an expression, e.g. "x1*x2 + sin(x1)" (default: the lecture example)')
    add_point_arguments(parser, "which table(s) (default: both)")
    parser.add_argument("--format", choices=("text", "markdown", "latex", "html", "csv"),
                        default="text", help="output format (default: text)")
    parser.add_argument("--style", choices=("slides", "griewank"), default="slides",
                        help="names: w1, w2, … (slides) or v₋₁, v₀, v₁, … (Griewank, Baydin et al.)")
    parser.add_argument("--step", action="store_true",
                        help="reveal one row per Enter (in a terminal; otherwise print everything)")
    parser.add_argument("--digits", type=int, default=6, metavar="N",
                        help="significant digits of the numbers (default: 6)")
    parser.add_argument("--no-numbers", action="store_true",
                        help="leave out the number columns (the bare slide table)")
    parser.add_argument("--exact", action="store_true",
                        help="exact numbers as sympy computes them (ln 2, 1/3, √2; scalars; CSV "
                             "adds primal_exact and value_exact columns)")
    parser.add_argument("--substitute", action="store_true",
                        help="show the numbers put into each formula (= 5 · 1 + 2 · 0 = 5); "
                             "the reverse table then has one += row per edge")
    parser.add_argument("--width", type=int, default=80, metavar="N",
                        help="text tables fit N columns (default: 80; 0: no limit)")
    parser.add_argument("-o", "--output", metavar="FILE", default=None,
                        help="write to FILE (HTML: a complete page) instead of the terminal")
    parser.set_defaults(run=run)
    return parser


def build_tables(args, warn=None):
    """The tables the arguments ask for, in order (forward first)."""
    from adkit.parse import parse
    from adkit.tables import forward_table, reverse_table
    from adkit.tables.names import Names
    expression = args.expression.strip() if args.expression is not None else LECTURE_EXAMPLE
    point = parse_point(args.at)
    graph = parse(expression)
    if point is None:
        if args.expression is not None:
            example = " ".join(f"{n}=1" for n in graph.inputs) or "(no inputs)"
            raise ADError(f"give the point with --at, e.g. --at {example}")
        point = dict(LECTURE_POINT)
    if not 1 <= args.digits <= 17:
        raise ADError("--digits must be between 1 and 17")
    if args.width < 0:
        raise ADError("--width must be 0 (no limit) or a number of columns")
    forward_seed, cotangent = mode_seeds(args.seed, args.mode, Names(graph, args.style).output)
    options = dict(style=args.style, digits=args.digits, exact=args.exact,
                   substitute=args.substitute)
    tables = []
    if args.mode in ("forward", "both"):
        tables.append(forward_table(expression, point, seed=forward_seed, **options))
    if args.mode in ("reverse", "both"):
        tables.append(reverse_table(expression, point, seed=cotangent, **options))
    for name in point:  # after the tables: an error about the point comes alone
        if name not in graph.inputs and warn is not None:
            warn(f"{name} is not in the expression; its row shows a derivative of 0 "
                 f"(misspelt?)")
    return tables


def render(tables, args, document=False):
    """All the tables as one text in the chosen format (one CSV, one HTML page)."""
    from adkit.tables.formats import html_document, to_csv
    numbers = not args.no_numbers
    if args.format == "csv":
        return to_csv(*tables)
    if args.format == "html" and document:
        return html_document(tables, numbers)
    if args.format == "text":
        return "\n\n".join(t.to_text(numbers, args.width or None) for t in tables) + "\n"
    return "\n\n".join(t.render(args.format, numbers).rstrip("\n") for t in tables) + "\n"


STEP_PROMPT = "[Enter] next row, b back, q quit: "


def reveal(table, numbers, width, out, read=input):
    """Text table, one row at a time: Enter shows the next row, ``b`` takes the last one back,
    ``q`` (or Ctrl-D) stops. ``read`` is called with the prompt (``input`` in a terminal)."""
    from adkit.tables.formats import text_parts
    head, rows, foot = text_parts(table, numbers, width)
    print("\n".join(head), file=out, flush=True)
    shown = 0
    while shown < len(rows):
        try:
            answer = read(STEP_PROMPT).strip().lower()
            out.write("\x1b[1A\x1b[2K")  # the prompt line (Enter moved below it) goes away
        except EOFError:  # Ctrl-D: the cursor is still on the prompt line
            answer = "q"
            out.write("\r\x1b[2K")
        if answer == "q":
            print(file=out, flush=True)
            return
        if answer == "b":
            if shown:
                shown -= 1
                out.write("\x1b[1A\x1b[2K" * (rows[shown].count("\n") + 1))
                out.flush()
            continue
        print(rows[shown], file=out, flush=True)
        shown += 1
    if foot:
        print("\n".join(foot), file=out, flush=True)


def run(args):
    def warn(message):
        print(f"adkit trace: warning: {message}", file=sys.stderr)

    tables = build_tables(args, warn)
    if args.output:
        if args.expression is not None and os.path.abspath(args.output) == \
                os.path.abspath(args.expression):
            raise ADError("-o: refusing to write over the input")
        write_atomic(args.output, render(tables, args, document=True))
        print(f"wrote {args.output}", file=sys.stderr)
        return 0
    out = sys.stdout
    interactive = args.step and sys.stdin.isatty() and out.isatty()
    if not (interactive and args.format == "text"):
        out.write(render(tables, args))  # --step outside a terminal: everything at once
        out.flush()
        return 0
    for k, table in enumerate(tables):
        if k:
            print(file=out)
        reveal(table, not args.no_numbers, args.width or None, out)
    return 0
