"""The class report of a graded batch: per question, how the scores fell and which mistakes to re-teach.

``adkit grade KEY.toml ANSWERS.csv --report report.html`` (or ``report.md``) writes, for every
question, the score distribution (how many students earned 0, part, or all of its points), the
count of each diagnosed mistake (chain rule, product rule, …; for tables, the rows most often
wrong), and one matplotlib bar chart of the mistakes across the class. The HTML page is one
self-contained file (the chart embedded); the Markdown file links the chart written beside it
(``report-mistakes.png``).

>>> from adkit.grading.report import chart_path
>>> chart_path("out/report.md"), chart_path("report.html")
('out/report-mistakes.png', None)
"""
import base64
import html
import io
import os

from adkit.core import ADError
from adkit.grading.files import write_atomic
from adkit.grading.verdict import TableGrade

# Readable names of the diagnosis categories (Verdict.category).
LABELS = {
    "chain": "chain rule", "product": "product rule", "quotient": "quotient rule",
    "power": "power rule", "trig_sign": "trig derivative sign", "log": "ln / 1/x confusion",
    "outer": "outer function not differentiated",
    "sign": "sign", "function": "function, not derivative", "variable": "wrong variable",
    "offset": "constant term", "factor": "constant factor", "undefined": "undefined somewhere",
    "differs": "other (no rule named)", "unread": "could not be read", "too_large": "too long",
    "empty": "empty", "unknown_variable": "unknown variable", "error": "could not be graded",
    "missing": "no answer",
}
# Categories that name a rule: the diagnosis coverage counts these.
NAMED = ("chain", "product", "quotient", "power", "trig_sign", "log", "outer", "sign", "function",
         "variable", "offset", "factor", "undefined")


def check_report_path(path):
    if os.path.splitext(str(path))[1].lower() not in (".html", ".htm", ".md"):
        raise ADError(f"--report {path}: the report is .html or .md")


def chart_path(path):
    """Where the chart goes: beside a Markdown report; None for HTML (embedded)."""
    stem, ext = os.path.splitext(str(path))
    return stem + "-mistakes.png" if ext.lower() == ".md" else None


class QuestionSummary:
    """One question's numbers: ``scores`` {earned points: students}, ``mistakes`` {label: n}."""

    def __init__(self, question, result):
        self.id, self.points = question.id, question.points
        self.scores, self.mistakes, self.statuses = {}, {}, {}
        for student in result.students:
            verdict = result.verdict(student, question.id)
            earned = round(verdict.score * question.points, 4)
            self.scores[earned] = self.scores.get(earned, 0) + 1
            self.statuses[verdict.status] = self.statuses.get(verdict.status, 0) + 1
            for label in _mistake_labels(verdict):
                self.mistakes[label] = self.mistakes.get(label, 0) + 1
        self.students = len(result.students)

    def mean(self):
        total = sum(points * n for points, n in self.scores.items())
        return total / self.students if self.students else 0.0


def _mistake_labels(verdict):
    if isinstance(verdict, TableGrade):
        return [f"{m.row} {m.status}" for m in verdict.rows if m.credit == 0]
    if verdict.status == "correct":
        return []
    return [LABELS.get(verdict.category, verdict.category or verdict.status)]


def summarize(result):
    """One :class:`QuestionSummary` per question of the key, in key order."""
    return [QuestionSummary(q, result) for q in result.key.questions]


def coverage(result):
    """(wrong derivative answers with a named rule, wrong derivative answers): the diagnosis
    coverage of a class (answers that could not be read are not counted)."""
    named = wrong = 0
    for (student, qid), verdict in result.verdicts.items():
        if isinstance(verdict, TableGrade) or verdict.status != "incorrect":
            continue
        wrong += 1
        named += verdict.category in NAMED
    return named, wrong


def chart_png(summaries):
    """PNG bytes: one horizontal bar per (question, mistake), most frequent first per question."""
    from matplotlib.figure import Figure
    bars = [(s.id, label, n) for s in summaries
            for label, n in sorted(s.mistakes.items(), key=lambda kv: (-kv[1], kv[0]))]
    height = max(2.0, 0.32 * len(bars) + 1.2)
    fig = Figure(figsize=(7.5, height), dpi=110)
    ax = fig.add_subplot()
    if not bars:
        ax.text(0.5, 0.5, "No mistakes: every answer is right.", ha="center", va="center")
        ax.set_axis_off()
    else:
        colours = {}
        palette = ["#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb"]
        for qid, _, _ in bars:
            colours.setdefault(qid, palette[len(colours) % len(palette)])
        positions = list(range(len(bars)))[::-1]
        ax.barh(positions, [n for _, _, n in bars], color=[colours[q] for q, _, _ in bars])
        ax.set_yticks(positions, [f"{q}: {label}" for q, label, _ in bars], fontsize=8)
        for y, (_, _, n) in zip(positions, bars):
            ax.text(n, y, f" {n}", va="center", fontsize=8)
        ax.set_xlabel("students")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_title("Diagnosed mistakes per question (what to re-teach)")
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _fmt(x):
    from adkit.grading.batch import format_points
    return format_points(x)


def markdown(result, summaries, chart_name):
    named, wrong = coverage(result)
    lines = [f"# Class report: {len(result.students)} students, {len(summaries)} questions", "",
             f"Wrong answers with a named mistake: {named} of {wrong}.", "",
             f"![Diagnosed mistakes per question]({chart_name})", ""]
    for s in summaries:
        lines += [f"## {_md(s.id)} ({_fmt(s.points)} points, mean {_fmt(s.mean())})", "",
                  "| points | students |", "| ---: | ---: |"]
        lines += [f"| {_fmt(p)} | {n} |" for p, n in sorted(s.scores.items())]
        lines += ["", "| mistake | students |", "| --- | ---: |"]
        lines += [f"| {_md(label)} | {n} |" for label, n in
                  sorted(s.mistakes.items(), key=lambda kv: (-kv[1], kv[0]))] or ["| none | 0 |"]
        lines.append("")
    return "\n".join(lines)


def _md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def html_page(result, summaries, png):
    named, wrong = coverage(result)
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             "<title>Class report</title>",
             "<style>body{font-family:sans-serif;max-width:52em;margin:2em auto}"
             "table{border-collapse:collapse;margin:0 1em 1em 0;display:inline-table}"
             "td,th{border:1px solid #ccc;padding:.2em .6em}td.n{text-align:right}</style>",
             "</head><body>",
             f"<h1>Class report: {len(result.students)} students, {len(summaries)} questions</h1>",
             f"<p>Wrong answers with a named mistake: {named} of {wrong}.</p>",
             f'<img alt="Diagnosed mistakes per question" src="data:image/png;base64,'
             f'{base64.b64encode(png).decode("ascii")}">']
    for s in summaries:
        parts.append(f"<h2>{e(s.id)} ({_fmt(s.points)} points, mean {_fmt(s.mean())})</h2>")
        parts.append("<table><tr><th>points</th><th>students</th></tr>" + "".join(
            f'<tr><td class="n">{_fmt(p)}</td><td class="n">{n}</td></tr>'
            for p, n in sorted(s.scores.items())) + "</table>")
        rows = sorted(s.mistakes.items(), key=lambda kv: (-kv[1], kv[0]))
        parts.append("<table><tr><th>mistake</th><th>students</th></tr>" + ("".join(
            f'<tr><td>{e(label)}</td><td class="n">{n}</td></tr>' for label, n in rows)
            or "<tr><td>none</td><td class=\"n\">0</td></tr>") + "</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(result, path):
    """Write the report (HTML or Markdown by the extension; the chart beside a Markdown one)."""
    check_report_path(path)
    summaries = summarize(result)
    png = chart_png(summaries)
    chart = chart_path(path)
    if chart is None:
        write_atomic(path, lambda f: f.write(html_page(result, summaries, png)))
    else:
        write_atomic(chart, lambda f: f.write(png), binary=True)
        text = markdown(result, summaries, os.path.basename(chart))
        write_atomic(path, lambda f: f.write(text + "\n"))
