"""``adkit trace``: the forward and reverse accumulation tables of an expression, as on the slides."""
import argparse
import sys

from adkit.core import ADError, ParseError

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
        values = []
        for part in text.split(","):
            try:
                graph = parse(part, variables=[])
            except ParseError as e:
                raise ADError(f"{who}: {name}={part.strip()!r} is not a number ({e.reason})") \
                    from None
            values.append(float(graph()))
        point[name] = values[0] if len(values) == 1 else np.array(values)
    return point


def parse_seed(items):
    """``["x1"]`` -> ``"x1"``; ``["x1=1", "x2=2"]`` -> ``{"x1": 1.0, "x2": 2.0}``."""
    if not items:
        return None
    if len(items) == 1 and "=" not in items[0]:
        return items[0].strip()
    if any("=" not in item for item in items):
        raise ADError("--seed: give one input name (--seed x1) or NAME=VALUE pairs "
                      "(--seed x1=1 x2=0)")
    return parse_point(items, "--seed")


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
    parser.add_argument("--at", nargs="+", metavar="NAME=VALUE", default=None,
                        help="the point, e.g. --at x1=2 x2=5")
    parser.add_argument("--mode", choices=("forward", "reverse", "both"), default="both",
                        help="which table(s) (default: both)")
    parser.add_argument("--seed", nargs="+", metavar="NAME", default=None,
                        help="forward mode: the input to differentiate by (default: the first), "
                             "or a direction as NAME=VALUE pairs")
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
    parser.set_defaults(run=run)
    return parser


def build_tables(args):
    """The tables the arguments ask for, in order (forward first)."""
    from adkit.tables import forward_table, reverse_table
    expression = args.expression if args.expression is not None else LECTURE_EXAMPLE
    point = parse_point(args.at)
    if point is None:
        if args.expression is not None:
            from adkit.parse import parse
            names = parse(expression).inputs
            example = " ".join(f"{n}=1" for n in names) or "(no inputs)"
            raise ADError(f"give the point with --at, e.g. --at {example}")
        point = dict(LECTURE_POINT)
    if not 1 <= args.digits <= 17:
        raise ADError("--digits must be between 1 and 17")
    tables = []
    if args.mode in ("forward", "both"):
        tables.append(forward_table(expression, point, seed=parse_seed(args.seed),
                                    style=args.style, digits=args.digits))
    if args.mode in ("reverse", "both"):
        tables.append(reverse_table(expression, point, style=args.style, digits=args.digits))
    return tables


def _reveal(table, numbers, out):
    """Text table, one row per Enter: the header first, then a row each time Enter is pressed."""
    from adkit.tables.formats import text_parts
    head, rows, foot = text_parts(table, numbers)
    print("\n".join(head), file=out, flush=True)
    for row in rows:
        input()
        out.write("\x1b[1A\x1b[2K")  # replace the empty line Enter left with the row
        print(row, file=out, flush=True)
    if foot:
        print("\n".join(foot), file=out, flush=True)


def run(args):
    tables = build_tables(args)
    numbers = not args.no_numbers
    out = sys.stdout
    interactive = args.step and sys.stdin.isatty() and out.isatty()
    for k, table in enumerate(tables):
        if k:
            print(file=out)
        if interactive and args.format == "text":
            _reveal(table, numbers, out)
        elif interactive:
            for partial in table.steps():
                print(partial.render(args.format, numbers), file=out, flush=True)
                input()
        else:
            text = table.render(args.format, numbers)
            print(text.rstrip("\n"), file=out)
    return 0
