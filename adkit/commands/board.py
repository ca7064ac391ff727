"""``adkit board``: a TensorBoard-like page of the runs in a log folder (scalars and graphs)."""
import argparse
import io
from pathlib import Path

from adkit.core import ADError

EXAMPLES = """examples:
  adkit board ./temp -o board.html            every run under ./temp: curves and graphs
  adkit board logs -o board.html --png        also board.png (the curves) and the graph PNGs
  adkit board logs -o board.html --smoothing 0.9
"""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "board", help="a TensorBoard-like page of training logs (tf.summary.FileWriter, fit)",
        description="Read every run under LOGDIR (folders holding events.adkit.jsonl, written by "
                    "adkit.tf1's tf.summary.FileWriter or adkit.board.BoardLogger) and write one "
                    "self-contained HTML page: the scalar curves of every run with a smoothing "
                    "slider, and the drawn graphs. No network is needed to open it.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("logdir", metavar="LOGDIR", help="the log folder (runs are its subfolders)")
    parser.add_argument("-o", "--output", metavar="FILE", default="board.html",
                        help="the page to write (default board.html)")
    parser.add_argument("--png", action="store_true",
                        help="also write FILE's name with .png (the curves, for slides) and "
                             "NAME-graph-RUN.png for each logged graph")
    parser.add_argument("--smoothing", type=float, default=0.6,
                        help="initial smoothing weight, 0 to 0.99 (default 0.6, as TensorBoard)")
    parser.add_argument("--title", default=None, help="the page's title")
    parser.set_defaults(run=run)
    return parser


def run(args):
    from adkit.board import LOG_NAME, board_figure, board_page, read_logdir
    from adkit.files import check_outputs, write_atomic
    if not 0 <= args.smoothing < 1:
        raise ADError(f"--smoothing must be in [0, 1), got {args.smoothing}")
    output = Path(args.output)
    logdir = Path(args.logdir)
    logs = sorted(logdir.rglob(LOG_NAME))
    graphs = {}  # the --png copy of each run's logged graph drawing
    for log in logs:
        if (log.parent / "graph.png").is_file():
            name = log.parent.relative_to(logdir).as_posix().replace("/", "-")
            graphs[output.with_name(f"{output.stem}-graph-{name if name != '.' else 'run'}.png")] = \
                log.parent / "graph.png"
    inputs = {f"log file {p}": p for log in logs
              for p in (log, log.parent / "graph.png", log.parent / "graph.svg") if p.exists()}
    outputs = {"-o": output}
    if args.png:
        outputs["--png"] = output.with_suffix(".png")
        outputs.update({f"--png graph {target.name}": target for target in graphs})
    check_outputs(inputs, outputs)  # the board never writes over the logs it reads
    output.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(output, board_page(logdir, args.title, args.smoothing))
    print(f"wrote {output}")
    if args.png:
        runs = read_logdir(logdir)
        if any(run["scalars"] for run in runs.values()):
            buffer = io.BytesIO()
            board_figure(logdir, args.smoothing).savefig(buffer, format="png", dpi=110)
            write_atomic(outputs["--png"], buffer.getvalue())
            print(f"wrote {outputs['--png']}")
        for target, graph in graphs.items():
            write_atomic(target, graph.read_bytes())
            print(f"wrote {target}")
    return 0
