"""``adkit compile``: print the tangent or adjoint program of an expression (source transformation)."""
import argparse

EXAMPLES = """examples:
  adkit compile                                   the lecture's z = x1·x2 + sin x1, adjoint program
  adkit compile "x1*x2 + sin(x1)" --mode forward  the tangent program (forward mode)
  adkit compile "log(x1) + x1*x2 - sin(x2)" --mode reverse --at x1=2 x2=5

Each derivative statement is one row of the matching `adkit trace` table, with the same names
(w3_dot is ẇ3, w1_bar is w̄1). With --at the program is also run and its result printed.
"""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "compile", help="print the tangent or adjoint program of an expression",
        description="Source transformation: write the forward (tangent) or reverse (adjoint) "
                    "accumulation of EXPR as a Python program, one statement per table row.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("expression", metavar="EXPR", nargs="?", default=None,
                        help='an expression, e.g. "x1*x2 + sin(x1)" (default: the lecture example)')
    parser.add_argument("--mode", choices=["forward", "reverse"], default="reverse",
                        help="tangent (forward) or adjoint (reverse) program (default: reverse)")
    parser.add_argument("--at", nargs="+", metavar="NAME=VALUE", default=None,
                        help="a point: the program is run there and its result printed")
    parser.set_defaults(run=run)
    return parser


def run(args):
    from adkit.codegen import adjoint_program, tangent_program
    from adkit.commands.trace import LECTURE_EXAMPLE, parse_point
    expression = LECTURE_EXAMPLE if args.expression is None else args.expression
    at = parse_point(args.at)
    make = tangent_program if args.mode == "forward" else adjoint_program
    program = make(expression, at)
    print(program.source, end="")
    if at is not None:
        import numpy as np
        with np.errstate(all="ignore"):
            result = program(*program.point)
        call = ", ".join(f"{n}={v!r}" for n, v in zip(program.inputs, program.point))
        print(f"\n# {program.fn.__name__}({call}) = {result!r}")
        _compare_with_the_engine(expression, at, args.mode, program, result)
    return 0


def _compare_with_the_engine(expression, at, mode, program, result):
    """The printed program is the slide formula: at a point where a term is 0 · ∞ or 0 · nan
    (x ** y at x = 0: log 0) it gives nan where adkit's rules (a zero tangent contributes zero)
    give the derivative. Never let that pass as the answer."""
    import numpy as np
    from adkit.tables import forward_table, reverse_table
    with np.errstate(all="ignore"):
        if mode == "forward":
            seed = {program.inputs[0]: 1.0}
            engine = [forward_table(expression, at=at, seed=seed).result]
            printed = [result[1]]
        else:
            table = reverse_table(expression, at=at)
            engine = [table.result[n] for n in program.inputs]
            printed = list(result[1])
    for name, mine, right in zip(program.inputs if mode == "reverse" else ["the tangent"], printed,
                                 engine):
        if not np.allclose(mine, right, equal_nan=True):
            what = f"∂z/∂{name}" if mode == "reverse" else "the tangent"
            print(f"# note: {what} is {right!r} by adkit's rules; the program's formula gives "
                  f"{mine!r} here (it meets 0 · ∞ or 0 · nan, such as 0 · log 0, which adkit's "
                  f"rules count as 0)")
