"""``adkit page``: write a classroom page (stepper, quiz, or the step-size demo) as one HTML file."""
import argparse

from adkit.commands.trace import add_point_arguments
from adkit.core import ADError

DEMOS = ("step-size",)

EXAMPLES = """examples:
  adkit page "x1*x2 + sin(x1)" --at x1=2 x2=5 -o step.html        Next/Prev through both tables
  adkit page "x1*x2 + sin(x1)" --at x1=2 x2=5 --quiz -o quiz.html  students type the numbers
  adkit page "(x + y)*z" --at x=-2 y=5 z=-4 --mode reverse --two-stage --projector -o class.html
  adkit page "v*v" --at v=1,2 --seed z=1,0 -o vec.html             a vector output's cotangent
  adkit page --demo step-size -o gd.html                          deck 002's learning-rate demo

The file is self-contained (no network, no server): open it in any browser, from a USB stick.
"""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "page", help="write a one-file HTML page: step through the tables, quiz, or a demo",
        description="Write one self-contained HTML page: the graph beside the forward and reverse "
                    "tables, revealed row by row with Next/Prev or the arrow keys (--quiz: "
                    "students type each number and the page marks it), or a demo (--demo).",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("expression", metavar="EXPR", nargs="?", default=None,
                        help='an expression, e.g. "x1*x2 + sin(x1)"')
    add_point_arguments(parser, "which tables (default both: forward rows, then reverse rows)")
    parser.add_argument("--quiz", action="store_true",
                        help="hide the numbers behind inputs the page marks right/wrong/carried")
    parser.add_argument("--two-stage", action="store_true",
                        help="Next shows a row's formula first, its number on the next press")
    parser.add_argument("--projector", action="store_true", help="start in the large-font view")
    parser.add_argument("--style", choices=("slides", "griewank"), default="slides",
                        help="node names: w1, ẇ1, w̄1 (slides) or v₋₁ (griewank)")
    parser.add_argument("--demo", metavar="NAME", default=None,
                        help=f"write a demo instead: {', '.join(DEMOS)}")
    parser.add_argument("-o", "--output", metavar="FILE", default=None,
                        help="the HTML file (default step.html, or NAME.html for a demo)")
    parser.set_defaults(run=run)
    return parser


def run(args):
    from adkit.commands.trace import mode_seeds, parse_point
    from adkit.pages.shell import write_page
    if args.demo is not None:
        if args.demo not in DEMOS:
            raise ADError(f"unknown demo {args.demo!r}; the demos are: {', '.join(DEMOS)}")
        if args.expression is not None:
            raise ADError("give an expression or --demo, not both")
        from adkit.pages import step_size_demo
        text, output = step_size_demo(), args.output or f"{args.demo}.html"
    else:
        if args.expression is None:
            raise ADError('give an expression, e.g. adkit page "x1*x2 + sin(x1)" --at x1=2 x2=5 '
                          "-o step.html (or --demo step-size)")
        point = parse_point(args.at)
        if point is None:
            raise ADError("the page shows numbers at a point: give --at NAME=VALUE ...")
        from adkit.pages import page
        from adkit.parse import parse
        from adkit.tables.names import Names
        output = Names(parse(args.expression), args.style).output
        seed, cotangent = mode_seeds(args.seed, args.mode, output)
        text = page(args.expression, at=point, mode=args.mode, quiz=args.quiz, seed=seed,
                    cotangent=cotangent, style=args.style, two_stage=args.two_stage,
                    projector=args.projector)
        output = args.output or "step.html"
    print(f"wrote {write_page(text, output)}")
    return 0
