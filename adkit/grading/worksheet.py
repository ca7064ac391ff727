"""Per-student worksheets from a template key: seeded variants, blank tables, and the key to grade them.

A TEMPLATE is a KEY.toml whose questions may hold random parts::

    [[question]]
    id = "q1"
    function = "{a}*x^{n} + sin({b}*x)"   # {name} is replaced by the student's draw
    wrt = "x"
    random = { a = [2, 9], n = [2, 4], b = { choices = [1, 2, 3] } }

    [[question]]
    id = "t1"
    type = "table"
    function = "x1*x2 + sin({c}*x1)"
    at = { x1 = "{p}", x2 = 5 }             # a point may use draws too
    mode = "reverse"
    random = { c = [1, 3], p = [0.5, 2.5] } # integers when both ends are; else one decimal

Each student's draws come from ``(seed, student_id)`` only, so adding a student to the roster
changes no one else's sheet, and the same seed gives byte-identical files. A draw is kept only
if its variant is well defined (the derivative question compiles: enough sample points where
the function and its derivative are finite; a table's every value is finite); otherwise the
draw is repeated. :func:`write_worksheets` writes ``DIR/<student>.md``, ``.html`` and ``.tex``
(derivative questions, and trace tables with the value column filled and the derivative column
blank) and ``DIR/key.toml``: one question per student and id (``student = "..."``), which
``adkit grade`` reads directly.
"""
import csv
import html
import json
import math
import os
import re
import zlib

import numpy as np

from adkit.core import ADError
from adkit.grading.files import check_outputs, write_atomic
from adkit.grading.key import key_from_dict, tomllib

MAX_TRIES = 200
MAX_STUDENTS = 10_000
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


# -- reading ---------------------------------------------------------------------------------
def load_template(path):
    """The template as a dict ``{"options": {...}, "question": [...]}``, checked."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8-sig")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise ADError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ADError(f"{path}: cannot read the template: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ADError(f"{path}: not valid TOML: {e}") from None
    except RecursionError:
        raise ADError(f"{path}: not valid TOML: nested too deeply") from None
    entries = data.get("question") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries or \
            not all(isinstance(e, dict) for e in entries):
        raise ADError(f"{path}: no questions; a template is a key ([[question]] tables)")
    for number, entry in enumerate(entries, 1):
        _check_random(entry.get("random", {}), f"{path}: question {number}")
    return data


def _check_random(random, label):
    if not isinstance(random, dict):
        raise ADError(f"{label}: 'random' must be a table, e.g. random = {{ a = [2, 9] }}")
    for name, spec in random.items():
        if isinstance(spec, dict) and set(spec) == {"choices"} and isinstance(spec["choices"], list) \
                and spec["choices"] and all(_number(c) for c in spec["choices"]):
            continue
        if isinstance(spec, list) and len(spec) == 2 and all(_number(b) for b in spec) \
                and spec[0] < spec[1] and all(abs(b) <= 1e6 for b in spec):
            continue
        raise ADError(f"{label}: random part {name!r} must be [low, high] (low < high, |x| <= 1e6)"
                      f" or {{ choices = [...] }} of numbers")


def _number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def read_roster(path):
    """``[(student_id, name)]`` from roster.csv (header with student_id; name optional)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
    except FileNotFoundError:
        raise ADError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ADError(f"{path}: cannot read the roster: {e}") from None
    if not rows:
        raise ADError(f"{path}: the roster is empty; the first line must be student_id,name")
    header = [h.strip().lower() for h in rows[0]]
    if "student_id" not in header:
        raise ADError(f"{path}: the first line must be a header with student_id (and name)")
    k, n = header.index("student_id"), header.index("name") if "name" in header else None
    students, seen = [], {}
    for line, row in enumerate(rows[1:], 2):
        if not row or not any(c.strip() for c in row):
            continue
        sid = row[k].strip() if k < len(row) else ""
        if not sid:
            raise ADError(f"{path}: line {line}: empty student_id")
        if sid in seen:
            raise ADError(f"{path}: line {line}: student {sid!r} is listed twice (line {seen[sid]})")
        seen[sid] = line
        name = row[n].strip() if n is not None and n < len(row) else ""
        students.append((sid, name))
    if not students:
        raise ADError(f"{path}: no students in the roster")
    if len(students) > MAX_STUDENTS:
        raise ADError(f"{path}: more than {MAX_STUDENTS} students")
    return students


# -- drawing variants ------------------------------------------------------------------------
def _draw(spec, rng):
    if isinstance(spec, dict):
        return spec["choices"][int(rng.integers(len(spec["choices"])))]
    low, high = spec
    if isinstance(low, int) and isinstance(high, int):
        return int(rng.integers(low, high + 1))
    return round(float(rng.uniform(low, high)), 1)


def _text(value):
    text = str(value) if isinstance(value, int) else repr(float(value))
    return f"({text})" if text.startswith("-") else text


def _substitute(template, values, label):
    """Placeholders replaced; ``x - {c}`` with c = -1.8 reads ``x + 1.8``, not ``x - (-1.8)``."""
    def value_of(name):
        if name not in values:
            raise ADError(f"{label}: {{{name}}} is not a random part of this question")
        return values[name]

    def signed(match):
        sign, name = match.group(1), match.group(2)
        value = value_of(name)
        if value < 0:
            sign, value = ("-" if sign == "+" else "+"), -value
        return f"{sign} {_text(value)}"

    text = re.sub(r"([+-])\s*\{([A-Za-z_][A-Za-z0-9_]*)\}", signed, template)
    return _PLACEHOLDER.sub(lambda m: _text(value_of(m.group(1))), text)


def variant(entry, values, label):
    """The key entry of one variant: placeholders in function and at replaced by ``values``."""
    out = {k: v for k, v in entry.items() if k != "random"}
    out["function"] = _substitute(str(entry.get("function", "")), values, label)
    if isinstance(entry.get("at"), dict):
        at = {}
        for name, v in entry["at"].items():
            if isinstance(v, str):
                text = _substitute(v, values, label)
                try:
                    v = float(text.strip("()"))
                except ValueError:
                    raise ADError(f"{label}: at.{name} must be a number or one random part, "
                                  f"e.g. \"{{p}}\"") from None
            at[name] = v
        out["at"] = at
    return out


def student_variant(entry, options, seed, student, number, label):
    """A well-defined variant of template question ``entry`` for ``student`` (seeded)."""
    random = entry.get("random", {})
    stream = zlib.crc32(f"{entry.get('id')}\x1f{student}".encode("utf-8"))
    rng = np.random.default_rng([seed, stream])
    last = None
    for _ in range(MAX_TRIES if random else 1):
        values = {name: _draw(spec, rng) for name, spec in random.items()}
        candidate = variant(entry, values, label)
        try:
            question = key_from_dict({"options": options, "question": [candidate]}, label)[0]
        except ADError as e:
            last = e
            continue
        if _well_defined(question):
            return candidate, question
        last = ADError(f"{label}: a value of the table is not finite")
    raise ADError(f"{label}: no well-defined variant in {MAX_TRIES} draws for student "
                  f"{student!r} (last problem: {last})")


def _well_defined(question):
    grader = question.grader
    if question.type == "table":
        return all(math.isfinite(float(v)) for v in grader.true.values()) and \
            all(np.all(np.isfinite(np.asarray(p, dtype=float))) for p in grader.primals)
    return bool(np.all(np.isfinite(grader.expected)))


# -- writing ---------------------------------------------------------------------------------
class Sheet:
    """One student's worksheet: ``student``, ``name`` and ``items`` [(template id, entry, q)]."""

    def __init__(self, student, name, items):
        self.student, self.name, self.items = student, name, items


def build_sheets(template, roster, seed, progress=None):
    """Every student's sheet; ``progress(done, total)`` after each one (drawing the variants
    checks each on a traced grader: the slow part for a large class)."""
    options = template.get("options", {})
    sheets = []
    for student, name in roster:
        items = []
        for number, entry in enumerate(template["question"], 1):
            label = f"template question {number}"
            candidate, question = student_variant(entry, options, seed, student, number, label)
            items.append((candidate, question))
        sheets.append(Sheet(student, name, items))
        if progress is not None:
            progress(len(sheets), len(roster))
    return sheets


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise ADError(f"cannot write {type(v).__name__} to the key")


def _toml_key(k):
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k, ensure_ascii=False)


def key_toml(template, sheets, seed):
    lines = [f"# adkit worksheet key (seed {seed}): one question per student and id.", ""]
    options = template.get("options")
    if options:
        lines += ["[options]"] + [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in options.items()]
        lines.append("")
    for sheet in sheets:
        for entry, _ in sheet.items:
            lines.append("[[question]]")
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in entry.items()]
            lines.append(f"student = {_toml_value(sheet.student)}")
            lines.append("")
    return "\n".join(lines)


def _file_stem(student, used):
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", student).strip("_")[:60] or "student"
    base, k = stem, 2
    while stem.lower() in used:
        stem, k = f"{base}-{k}", k + 1
    used.add(stem.lower())
    return stem


def _table_rows(question):
    from adkit import tables
    grader = question.grader
    at = {n: float(grader.primals[grader.graph.input_refs[k]])
          for k, n in enumerate(grader.graph.inputs)}
    if grader.mode == "forward":
        return tables.forward_table(grader.graph, at=at, seed=grader.seed).rows, at
    return tables.reverse_table(grader.graph, at=at).rows, at


def _prompt(entry, question):
    if question.type == "table":
        at = ", ".join(f"{k} = {_plain(v)}" for k, v in entry["at"].items())
        mode = "forward (tangent)" if question.grader.mode == "forward" else "reverse (adjoint)"
        return f"Fill in the {mode} column for f = {entry['function']} at {at}."
    return f"Differentiate f = {entry['function']} with respect to {entry['wrt']}."


def _plain(v):
    return f"{v:g}" if isinstance(v, float) else str(v)


def markdown(sheet):
    lines = [f"# Worksheet: {sheet.name or sheet.student}", "", f"Student: {sheet.student}", ""]
    for number, (entry, question) in enumerate(sheet.items, 1):
        lines += [f"## {number}. {entry['id']}", "", _prompt(entry, question), ""]
        if question.type == "table":
            rows, _ = _table_rows(question)
            lines += ["| Operations to compute value | derivative | value |", "| :-- | :-- | --: |"]
            lines += [f"| {r.equation} | {r.lhs} = | |" for r in rows]
        else:
            lines.append(f"∂f/∂{entry['wrt']} = ")
        lines.append("")
    return "\n".join(lines)


def html_page(sheet):
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>Worksheet: {e(sheet.student)}</title>",
             "<style>body{font-family:sans-serif;max-width:48em;margin:2em auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em .8em;"
             "min-width:6em}.answer{border-bottom:1px solid #000;display:inline-block;"
             "min-width:20em}</style></head><body>",
             f"<h1>Worksheet: {e(sheet.name or sheet.student)}</h1>",
             f"<p>Student: {e(sheet.student)}</p>"]
    for number, (entry, question) in enumerate(sheet.items, 1):
        parts += [f"<h2>{number}. {e(entry['id'])}</h2>", f"<p>{e(_prompt(entry, question))}</p>"]
        if question.type == "table":
            rows, _ = _table_rows(question)
            parts.append("<table><tr><th>Operations to compute value</th><th>derivative</th>"
                         "<th>value</th></tr>" + "".join(
                             f"<tr><td>{e(r.equation)}</td><td>{e(r.lhs)} =</td><td></td></tr>"
                             for r in rows) + "</table>")
        else:
            parts.append(f"<p>∂f/∂{e(entry['wrt'])} = <span class=\"answer\"></span></p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                  "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                  "^": r"\textasciicircum{}"}


def _tex(text):
    return "".join(_LATEX_SPECIAL.get(c, c) for c in str(text))


def _input_names(graph):
    return [p.get("name") if graph.prims[i].name == "input" else None
            for i, p in enumerate(graph.params)]


def latex(sheet):
    from adkit.graph import INPUT
    from adkit.printing import inline_expressions
    from adkit.tables.names import latex_name
    lines = [r"\documentclass{article}", r"\usepackage{amsmath}", r"\begin{document}",
             rf"\section*{{Worksheet: {_tex(sheet.name or sheet.student)}}}",
             rf"Student: {_tex(sheet.student)}", ""]
    for number, (entry, question) in enumerate(sheet.items, 1):
        lines.append(rf"\subsection*{{{number}. {_tex(entry['id'])}}}")
        graph = question.grader.graph
        names = [latex_name(n) if graph.prims[i] is INPUT else None
                 for i, n in enumerate(_input_names(graph))]
        f = inline_expressions(graph, names, style="latex")[graph.outputs[0]]
        if question.type == "table":
            at = ", ".join(f"{latex_name(k)} = {_plain(v)}" for k, v in entry["at"].items())
            mode = "forward (tangent)" if question.grader.mode == "forward" else "reverse (adjoint)"
            rows, _ = _table_rows(question)
            lines += [rf"Fill in the {mode} column for $f = {f}$ at ${at}$.", "",
                      r"\begin{tabular}{|l|l|r|}", r"\hline",
                      r"Operations to compute value & derivative & value \\ \hline"]
            lines += [" and ".join(f"${q}$" for q in r.latex[2]) + f" & ${r.latex[0]} =$ & "
                      r"\\[1ex] \hline" for r in rows]
            lines.append(r"\end{tabular}")
        else:
            wrt = latex_name(entry["wrt"])
            lines += [rf"Differentiate $f = {f}$ with respect to ${wrt}$.", "",
                      rf"$\dfrac{{\partial f}}{{\partial {wrt}}} = $ \rule{{8cm}}{{0.4pt}}"]
        lines.append("")
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"


def write_worksheets(template_path, roster_path, seed, directory, progress=None):
    """Write every student's sheet (.md, .html, .tex) and DIR/key.toml; returns the file count.

    ``progress(done, total)`` is told of each student's sheet drawn, then of each written
    (total: twice the class).
    """
    template = load_template(template_path)
    roster = read_roster(roster_path)
    steps = 2 * len(roster)
    sheets = build_sheets(template, roster, seed,
                          progress=None if progress is None else lambda done, _: progress(done, steps))
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise ADError(f"-o {directory}: exists and is not a directory")
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as e:
        raise ADError(f"-o {directory}: {e.strerror or e}") from None
    used, files = set(), []
    renderers = ((".md", markdown), (".html", html_page), (".tex", latex))
    for sheet in sheets:
        stem = _file_stem(sheet.student, used)
        for ext, render in renderers:
            files.append((os.path.join(directory, stem + ext), sheet, render))
    key_path = os.path.join(directory, "key.toml")
    outputs = {f"the sheet {os.path.basename(path)}": path for path, _, _ in files}
    outputs.update({"the key": key_path})
    check_outputs({"TEMPLATE.toml": template_path, "roster.csv": roster_path}, outputs)
    key_text = key_toml(template, sheets, seed)
    key_from_dict(tomllib.loads(key_text), "the worksheet key")  # what we write, grade reads
    for k, (path, sheet, render) in enumerate(files, 1):
        text = render(sheet)
        write_atomic(path, lambda f, t=text: f.write(t))
        if progress is not None and k % len(renderers) == 0:  # a student's files written
            progress(len(sheets) + k // len(renderers), steps)
    write_atomic(key_path, lambda f: f.write(key_text))
    return len(files) + 1


__all__ = ["write_worksheets", "load_template", "read_roster", "build_sheets", "key_toml"]
