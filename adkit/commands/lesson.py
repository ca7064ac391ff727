"""``adkit lesson``: list the lessons, run one (or all) with its explanations, or export one as a notebook."""
import argparse

EXAMPLES = """examples:
  adkit lesson list                                   one lesson per line: NAME  title
  adkit lesson run gradient-flow                      print the story, write figures/
  adkit lesson run forward-accumulation --figures /tmp/figs
  adkit lesson run all --figures figures              regenerate every committed figure
  adkit lesson run linear-regression --quick          small sizes, a few seconds
  adkit lesson export gradient-flow                   gradient-flow.ipynb, to open in Jupyter
"""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "lesson", help="list, run or export the lessons (one per topic of the lectures)",
        description="The lessons follow the lecture decks slide by slide: each prints its "
                    "explanations and its numbers (tables, what to notice) and writes its "
                    "figures; export writes one as a notebook.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("list", help="print NAME  title, one lesson per line")
    run_parser = actions.add_parser("run", help="run a lesson (NAME, or 'all')")
    run_parser.add_argument("name", metavar="NAME", help="a lesson name from 'adkit lesson list', or 'all'")
    run_parser.add_argument("--figures", metavar="DIR", default="figures",
                            help="folder for the figures (default: figures)")
    run_parser.add_argument("--quick", action="store_true", help="small sizes, as in the tests")
    run_parser.add_argument("--code-only", action="store_true",
                            help="print only what the code prints, not the explanations")
    export_parser = actions.add_parser("export", help="write a lesson as a Jupyter notebook")
    export_parser.add_argument("name", metavar="NAME", help="a lesson name from 'adkit lesson list'")
    export_parser.add_argument("-o", "--output", metavar="FILE", default=None,
                               help="the notebook file (default NAME.ipynb)")
    parser.set_defaults(run=run, _parser=parser)
    return parser


def run(args):
    from adkit import lessons_runner
    if args.action in (None, "list"):
        for lesson in lessons_runner.available():
            print(f"{lesson.name}  {lesson.title}")
        return 0
    if args.action == "export":
        print(f"wrote {lessons_runner.export(args.name, args.output)}")
        return 0
    if args.name == "all":
        lessons_runner.run_all(args.figures, args.quick)
    else:
        lessons_runner.run(args.name, args.figures, args.quick, explain=not args.code_only)
    return 0
