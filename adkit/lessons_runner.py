"""Finding and running the lessons (``adkit lesson list``, ``adkit lesson run NAME``).

A lesson is a plain Python file in ``lessons/`` (jupytext "percent" format: ``# %%`` cells), so
it runs as a script, opens as a notebook, and is shipped inside the installed package as
``adkit.lessons``. Its module docstring's first line is its title; its name is the file name with
dashes (``forward_accumulation.py`` -> ``forward-accumulation``).

A lesson asks for its settings with :func:`lesson_settings`: where to write figures and whether
to run in quick mode (small sizes, used by the tests). Regenerate every committed figure with::

    adkit lesson run all --figures figures
    python -m adkit.lessons_runner --all --figures figures     # the same

>>> [lesson.name for lesson in available()][:2]
['forward-accumulation', 'reverse-accumulation']
"""
import argparse
import ast
import os
import runpy
import sys
import time
from pathlib import Path

from adkit.core import ADError

# The order of the course: the slide tables first, then the models, then the costs.
ORDER = [
    "forward-accumulation", "reverse-accumulation", "dual-numbers", "gradient-flow",
    "static-graph", "tf1-hello-world", "tf1-computation-graph", "linear-regression",
    "logistic-regression", "two-layer-network", "two-layer-fit", "keras-digits", "cnn",
    "forward-vs-reverse-cost", "expression-swell", "rnn-bptt", "rnn-keras", "custom-primitive",
]

_active = []  # settings of the lesson being run by run(): [(figures_dir, quick)]


class Lesson:
    """One lesson file: ``name``, ``title``, ``path``."""

    __slots__ = ("name", "title", "path")

    def __init__(self, name, title, path):
        self.name, self.title, self.path = name, title, path

    def __repr__(self):
        return f"Lesson({self.name!r}, {self.title!r})"


def lessons_dir():
    """The folder of lesson files: ``adkit/lessons`` when installed, ``lessons/`` in a checkout."""
    try:
        import adkit.lessons as package
        return Path(package.__file__).resolve().parent
    except ImportError:
        here = Path(__file__).resolve().parent.parent / "lessons"
        if here.is_dir():
            return here
        raise ADError("the lessons are not installed (no adkit.lessons package and no lessons/ "
                      "folder next to adkit/)") from None


def _title(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    doc = ast.get_docstring(tree) or ""
    return doc.strip().splitlines()[0].rstrip(".") if doc.strip() else path.stem


def available():
    """Every lesson, in course order (lessons not in :data:`ORDER` last, by name)."""
    found = {}
    for path in sorted(lessons_dir().glob("*.py")):
        if path.name.startswith("_"):
            continue
        name = path.stem.replace("_", "-")
        found[name] = Lesson(name, _title(path), path)
    ordered = [found.pop(name) for name in ORDER if name in found]
    return ordered + [found[name] for name in sorted(found)]


def find(name):
    """The lesson called ``name``; an unknown name lists the known ones."""
    for lesson in available():
        if lesson.name == name or lesson.path.stem == name:
            return lesson
    names = ", ".join(lesson.name for lesson in available())
    raise ADError(f"no lesson called {name!r}; the lessons are: {names}")


def lesson_settings():
    """``(figures_dir, quick)`` for the lesson that is running; the lesson calls this first.

    Set by :func:`run`; for a lesson run as a script or notebook they come from the environment
    variables ``ADKIT_FIGURES`` (default ``figures``) and ``ADKIT_QUICK`` (default off). Choose
    the Agg backend unless a notebook already chose one.
    """
    if _active:
        figures_dir, quick = _active[-1]
    else:
        figures_dir = os.environ.get("ADKIT_FIGURES", "figures")
        quick = os.environ.get("ADKIT_QUICK", "").lower() not in ("", "0", "no", "false")
    if "matplotlib.pyplot" not in sys.modules and "ipykernel" not in sys.modules:
        import matplotlib
        matplotlib.use("Agg")
    figures_dir = Path(figures_dir)
    figures_dir.mkdir(parents=True, exist_ok=True)
    return figures_dir, quick


def save_figure(fig, path, dpi=110):
    """Save a lesson's figure as a PNG, close it, and say where it went."""
    import matplotlib.pyplot as plt
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    print(f"[figure] {path}")
    return Path(path)


def run(name, figures_dir="figures", quick=False):
    """Run one lesson; returns its namespace (the numbers it computed, for tests and notebooks)."""
    lesson = find(name)
    _active.append((figures_dir, quick))
    try:
        return runpy.run_path(str(lesson.path), run_name=f"adkit_lesson_{lesson.path.stem}")
    finally:
        _active.pop()


def run_all(figures_dir="figures", quick=False):
    """Run every lesson in course order; returns {name: seconds taken}."""
    times = {}
    for lesson in available():
        print(f"\n{'=' * 78}\n{lesson.name}: {lesson.title}\n{'=' * 78}")
        start = time.perf_counter()
        run(lesson.name, figures_dir, quick)
        times[lesson.name] = time.perf_counter() - start
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m adkit.lessons_runner",
                                     description="Run adkit's lessons (all of them with --all).")
    parser.add_argument("names", nargs="*", help="lesson names (see --list)")
    parser.add_argument("--all", action="store_true", help="run every lesson")
    parser.add_argument("--list", action="store_true", help="list the lessons")
    parser.add_argument("--figures", default="figures", help="where to write figures")
    parser.add_argument("--quick", action="store_true", help="small sizes (as in the tests)")
    args = parser.parse_args(argv)
    if args.list or not (args.all or args.names):
        for lesson in available():
            print(f"{lesson.name}  {lesson.title}")
        return 0
    if args.all:
        run_all(args.figures, args.quick)
    for name in args.names:
        run(name, args.figures, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
