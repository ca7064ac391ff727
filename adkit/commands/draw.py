"""``adkit draw``: draw an expression's computational graph, or animate a sweep through it."""
import argparse

from adkit.core import ADError
from adkit.files import save_figure

EXAMPLES = """examples:
  adkit draw "(x + y)*z" --at x=-2 y=5 z=-4 --gradients -o graph.png
  adkit draw "x1*x2 + sin(x1)" --at x1=2 x2=5 --animate forward --gif forward.gif
  adkit draw "x1*x2 + sin(x1)" --at x1=2 x2=5 --animate reverse --gif reverse.gif --frames frames/
  adkit draw "x1*x2 + sin(x1)" --dot                  Graphviz text on stdout
  adkit draw "x1*x2 + sin(x1)" --at x1=2 x2=5 --size 10x4 --dpi 200 --font-scale 1.3 -o slide.png
"""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "draw", help="draw a computational graph (values, gradients, sweep animations)",
        description="Draw the graph of EXPR: one node per operation, labelled with its equation; "
                    "with --at the values flow along the wires (green), with --gradients the "
                    "adjoints flow back (red).",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("expression", metavar="EXPR", help='an expression, e.g. "(x + y)*z"')
    parser.add_argument("--at", nargs="+", metavar="NAME=VALUE", default=None,
                        help="the point, e.g. --at x=-2 y=5 z=-4")
    parser.add_argument("--gradients", action="store_true", help="show adjoints (reverse mode)")
    parser.add_argument("-o", "--output", metavar="FILE", default=None,
                        help="the picture (PNG, SVG or PDF; default graph.png unless animating)")
    parser.add_argument("--animate", choices=("forward", "reverse"), default=None,
                        help="animate a sweep: tangents node by node, or adjoints flowing back")
    parser.add_argument("--seed", metavar="NAME", default=None,
                        help="forward sweep: the input to differentiate by (default: the first)")
    parser.add_argument("--gif", metavar="FILE", default=None,
                        help="write the animation as a GIF (default SWEEP-sweep.gif)")
    parser.add_argument("--frames", metavar="DIR", default=None,
                        help="write the animation as numbered PNGs in DIR (no GIF then, unless --gif)")
    parser.add_argument("--dot", action="store_true", help="print Graphviz text instead of drawing")
    parser.add_argument("--size", metavar="WxH", default=None,
                        help="fit the picture into W×H inches, e.g. --size 10x4")
    parser.add_argument("--dpi", type=float, default=110, metavar="N",
                        help="pixels per inch of PNG output (default 110)")
    parser.add_argument("--font-scale", type=float, default=1.0, metavar="F",
                        help="every text (and its box) F times larger (default 1)")
    parser.add_argument("--frame-time", type=float, default=1.2, metavar="SECONDS",
                        help="animation: seconds per frame (default 1.2; the last frame is held "
                             "three times as long)")
    parser.set_defaults(run=run)
    return parser


def run(args):
    from adkit.commands.trace import parse_point  # --at x=pi/2 reads like adkit trace's
    from adkit.draw import as_graph, draw, to_dot
    point = parse_point(args.at)
    graph = as_graph(args.expression, point, who="draw")
    if args.dot:
        print(to_dot(graph, None, args.gradients))
        return 0
    if args.animate and point is None:
        raise ADError("--animate needs the point: give --at NAME=VALUE ...")
    size = _size(args.size)
    if not 10 <= args.dpi <= 1200:
        raise ADError(f"--dpi must be 10 to 1200, got {args.dpi:g}")
    if not 0.05 <= args.frame_time <= 60:
        raise ADError(f"--frame-time must be 0.05 to 60 seconds, got {args.frame_time:g}")
    if args.output or not args.animate:
        output = args.output or "graph.png"
        fig = draw(graph, gradients=args.gradients, size=size, font_scale=args.font_scale)
        save_figure(fig, output, dpi=args.dpi)
        print(f"wrote {output}")
    if args.animate:
        from adkit.animate import save_sweep
        gif = args.gif or (None if args.frames else f"{args.animate}-sweep.gif")
        if gif is not None and not str(gif).lower().endswith(".gif"):
            raise ADError(f"--gif {gif}: the animation is written as a .gif file")
        written = save_sweep(graph, mode=args.animate, seed=args.seed, gif=gif, frames_dir=args.frames,
                             dpi=args.dpi * 80 / 110, seconds_per_frame=args.frame_time)
        for path in written:
            print(f"wrote {path}")
    return 0


def _size(text):
    """"10x4" -> (10.0, 4.0) inches."""
    if text is None:
        return None
    width, sep, height = text.lower().replace("×", "x").partition("x")
    try:
        return float(width), float(height)
    except ValueError:
        raise ADError(f"--size: expected WIDTHxHEIGHT in inches, e.g. 10x4; got {text!r}") from None
