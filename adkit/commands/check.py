"""``adkit check``: compare forward mode, reverse mode and sympy's exact derivative."""
import argparse

EXAMPLES = """examples:
  adkit check "log(x1) + x1*x2 - sin(x2)"                 three random points in the domain
  adkit check "log(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5
  adkit check "sqrt(x)*exp(-x^2)" --points 10 --seed 7

Exit status: 0 when all three agree, 1 when they disagree or nothing could be compared,
2 when EXPR cannot be read.
"""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "check", help="cross-check forward mode, reverse mode and sympy",
        description="Differentiate EXPR three ways (forward mode along each input, one reverse "
                    "sweep, sympy's exact derivative) and compare them at a point, or at random "
                    "points where the function and its derivative are defined.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("expression", metavar="EXPR", help='an expression, e.g. "x1*x2 + sin(x1)"')
    parser.add_argument("--at", nargs="+", metavar="NAME=VALUE", default=None,
                        help="the point (default: random points)")
    parser.add_argument("--points", type=int, default=3, metavar="N",
                        help="how many random points (default: 3)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the points")
    parser.add_argument("--tolerance", type=float, default=1e-8,
                        help="largest relative disagreement reported as ok (default: 1e-8)")
    parser.set_defaults(run=run)
    return parser


def run(args):
    from adkit.commands.trace import parse_point
    from adkit.core import ADError
    from adkit.symbolic import check
    if not 1 <= args.points <= 1000:
        raise ADError("--points must be between 1 and 1000")
    report = check(args.expression, parse_point(args.at), points=args.points, seed=args.seed,
                   tolerance=args.tolerance)
    print(report)
    return 0 if report.ok else 1
