"""Finding, running and exporting the lessons (``adkit lesson list | run NAME | export NAME``).

A lesson is a plain Python file in ``lessons/`` (jupytext "percent" format: ``# %%`` code cells
and ``# %% [markdown]`` explanation cells), so it runs as a script, opens as a notebook, and is
shipped inside the installed package as ``adkit.lessons``. Its module docstring's first line is
its title; its name is the file name with dashes (``forward_accumulation.py`` ->
``forward-accumulation``). Its first explanation names the deck and slides it follows.

:func:`run` goes through the cells in order: it prints each explanation (the lecture's story,
in plain text) and runs each code cell, so ``adkit lesson run NAME`` reads like the lesson.
:func:`export` writes the same cells as a Jupyter notebook (``.ipynb``). A lesson asks for its
settings with :func:`lesson_settings`: where to write figures and whether to run in quick mode
(small sizes, used by the tests). Regenerate every committed figure with::

    adkit lesson run all --figures figures

>>> [lesson.name for lesson in available()][:2]
['forward-accumulation', 'reverse-accumulation']
>>> kind, text, line = cells(find("gradient-flow").path)[0]
>>> kind, text.splitlines()[0], line
('markdown', '# Gradient flow in a computational graph', 3)
"""
import ast
import json
import os
import re
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
    "source-transformation",
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
    variables ``ADKIT_FIGURES`` (default ``figures``) and ``ADKIT_QUICK`` (default off). A script
    run without a display gets matplotlib's Agg backend (so pyplot never opens a window); in a
    notebook the notebook's own backend is left alone.
    """
    if _active:
        figures_dir, quick = _active[-1]
    else:
        figures_dir = os.environ.get("ADKIT_FIGURES", "figures")
        quick = os.environ.get("ADKIT_QUICK", "").lower() not in ("", "0", "no", "false")
    if "matplotlib.pyplot" not in sys.modules and "ipykernel" not in sys.modules \
            and not os.environ.get("MPLBACKEND"):
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


def cells(path):
    """The lesson's cells in order: ``[(kind, text, first line), ...]``, kind "markdown" or "code".

    The module docstring (the title for ``adkit lesson list``) is left out: the first
    explanation repeats it as a heading. A markdown cell's text is its comment lines without
    the leading ``# ``.
    """
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    tree = ast.parse("\n".join(lines), str(path))
    found, start = [], 0
    if ast.get_docstring(tree) and isinstance(tree.body[0], ast.Expr):
        start = tree.body[0].end_lineno
    kind, body, first = None, [], start + 1
    for number, line in enumerate(lines[start:], start + 1):
        marker = re.match(r"^# %%(.*)$", line)
        if marker:
            _close_cell(found, kind, body, first)
            kind = "markdown" if "[markdown]" in marker.group(1) else "code"
            body, first = [], number + 1
        elif kind is None:
            kind, body, first = "code", [line], number
        else:
            body.append(line)
    _close_cell(found, kind, body, first)
    return found


def _close_cell(found, kind, body, first):
    while body and not body[-1].strip():
        body.pop()
    if kind is None or not any(line.strip() for line in body):
        return
    if kind == "markdown":
        body = [line[2:] if line.startswith("# ") else line.lstrip("#") for line in body]
    found.append((kind, "\n".join(body), first))


def plain_text(markdown):
    """An explanation for the terminal: headings underlined, **bold**, *italic* and `code`
    marks dropped."""
    out = []
    for line in markdown.splitlines():
        heading = re.match(r"^(#+)\s+(.*)$", line)
        text = re.sub(r"\*\*(.+?)\*\*|\*(.+?)\*|`(.+?)`",
                      lambda m: next(g for g in m.groups() if g is not None),
                      heading.group(2) if heading else line)
        out.append(text)
        if heading:
            out.append(("=" if len(heading.group(1)) == 1 else "-") * len(text))
    return "\n".join(out)


def run(name, figures_dir="figures", quick=False, explain=True):
    """Run one lesson cell by cell, printing its explanations (``explain=False``: only what its
    code prints); returns its namespace (the numbers it computed, for tests and notebooks)."""
    lesson = find(name)
    namespace = {"__name__": f"adkit_lesson_{lesson.path.stem}", "__file__": str(lesson.path),
                 "__builtins__": __builtins__}
    _active.append((figures_dir, quick))
    try:
        for kind, text, first in cells(lesson.path):
            if kind == "markdown":
                if explain:
                    print(f"\n{plain_text(text)}\n")
                continue
            # padded so a traceback points at the lesson file's own line numbers
            exec(compile("\n" * (first - 1) + text, str(lesson.path), "exec"), namespace)
    finally:
        _active.pop()
    return namespace


def run_all(figures_dir="figures", quick=False):
    """Run every lesson in course order; returns {name: seconds taken}."""
    times = {}
    for lesson in available():
        print(f"\n{'=' * 78}\n{lesson.name}: {lesson.title}\n{'=' * 78}")
        start = time.perf_counter()
        run(lesson.name, figures_dir, quick)
        times[lesson.name] = time.perf_counter() - start
    return times


def notebook(name):
    """The lesson as a Jupyter notebook (nbformat 4 JSON, as a dict): explanations become
    Markdown cells, code cells stay code; it runs top to bottom in a fresh kernel."""
    lesson = find(name)
    out = []
    for k, (kind, text, _) in enumerate(cells(lesson.path)):
        cell = {"cell_type": kind, "id": f"{lesson.path.stem[:40]}-{k}", "metadata": {},
                "source": text.splitlines(keepends=True)}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        out.append(cell)
    return {"cells": out, "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}, "adkit": {"lesson": lesson.name}},
        "nbformat": 4, "nbformat_minor": 5}


def export(name, path=None):
    """Write the lesson as ``path`` (default ``NAME.ipynb``), atomically; returns the path."""
    lesson = find(name)
    target = Path(path or f"{lesson.name}.ipynb")
    if target.exists() and target.resolve() == lesson.path.resolve():
        raise ADError(f"refusing to write the notebook over the lesson file {lesson.path}")
    text = json.dumps(notebook(name), ensure_ascii=False, indent=1) + "\n"
    folder = target.resolve().parent
    if not folder.is_dir():
        raise ADError(f"cannot write {target}: no folder {folder}")
    from adkit.files import write_atomic
    write_atomic(target, text)
    return target
