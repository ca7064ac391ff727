"""Rendering forward/reverse tables: aligned text, Markdown, LaTeX (booktabs), HTML and CSV.

Every renderer reads the same :class:`~adkit.tables.Row` objects; none computes anything.
"""
import csv
import html
import io
import json
import numbers
import unicodedata

import numpy as np

from adkit.core import ZERO
from adkit.printing import format_number

WIDTH = 80  # a terminal, and what a projector shows legibly
MAX_ALIGNED = 100  # text columns are padded to the widest cell, up to this many characters
HEADERS = {"equation": "Operations to compute value", "derivative": "Operations to compute derivative",
           "primal": "value", "value": "derivative"}


def format_value(v, digits=6, style="text"):
    """A number of a value column: 6 significant digits by default; arrays as shape + values.

    >>> format_value(4.583853163452858), format_value(10.0), format_value(np.arange(5.0))
    ('4.58385', '10', '⟨5⟩ [0, 1, 2, …]')
    """
    if v is None:
        return ""
    if v is ZERO:
        return "0"
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, np.ndarray) and v.ndim == 0:
        v = v[()]
    if isinstance(v, numbers.Number):
        return _scalar(float(v), digits, style)
    array = np.asarray(v)
    flat = array.ravel()
    shown = flat if flat.size <= 4 else flat[:3]
    values = ", ".join(_scalar(float(x), digits, style) for x in shown)
    if flat.size > 4:
        values += ", …" if style == "text" else r", \ldots"
    if style == "text":
        return "⟨" + "×".join(map(str, array.shape)) + "⟩ [" + values + "]"
    return (r"\langle " + r" \times ".join(map(str, array.shape)) + r" \rangle\ [" + values
            + "]")


def _scalar(value, digits, style):
    return format_number(value, style, digits, named=False)  # a value column shows 3.14159


def display_width(text):
    """Columns a string takes in a terminal: combining marks (the bar of w̄) take none."""
    width = 0
    for c in text:
        if unicodedata.combining(c):
            continue
        width += 2 if unicodedata.east_asian_width(c) in "WF" else 1
    return width


def _columns(table, numbers):
    """The columns (key, header, right-aligned) of a table."""
    if table.mode == "forward":
        keys = ["equation", "primal", "derivative", "value"] if numbers else \
            ["equation", "derivative"]
    else:
        keys = ["equation", "derivative", "value"] if numbers else ["equation", "derivative"]
    return [(k, HEADERS[k], k in ("primal", "value")) for k in keys]


def _cell(table, row, key, style="text"):
    if key == "equation":
        if style == "text":
            return row.equation
        return " and ".join(f"${e}$" for e in row.latex[2])
    if key == "derivative":
        return _derivative_cell(table, row, style)
    text = _number(table, row, key, style)
    return text if style == "text" else f"${text}$"


def _number(table, row, key, style="text"):
    """A number cell's text: the exact number when the table has one, else the engine's."""
    if table.exact and row.exact is not None:
        exact = row.exact[0 if key == "primal" else 1]
        if exact is not None:
            from adkit.tables.exact import exact_text
            return exact_text(exact, style)
    return format_value(row.primal if key == "primal" else row.value, table.digits, style)


def _derivative_cell(table, row, style):
    """``ẇ3 = w2 · ẇ1 + w1 · ẇ2``; with substitute ``… = 5 · 1 + 2 · 0 = 5``."""
    seed = " (seed)" if row.kind == "seed" else ""
    tail = ""
    if table.substitute and row.substituted is not None:
        value = _number(table, row, "value", style)
        text = row.substituted[0 if style == "text" else 1]
        tail = f" = {text} = {value}" if text != value else f" = {value}"
    if style == "text":
        return row.derivative + tail
    op = "=" if row.op == "=" else r"\mathrel{+}="
    return f"${row.latex[0]} {op} {row.latex[1]}{tail}$" + seed


def text_parts(table, numbers=True, width=WIDTH):
    """``(head, row_lines, foot)`` of the text rendering (lists of lines), for step-by-step.

    Fits ``width`` terminal columns (None: no limit): first the long headers take two lines,
    then long formulas wrap at their operators, continued under an indent.
    """
    columns = _columns(table, numbers)
    cells = [[_cell(table, row, key) for key, _, _ in columns] for row in table._all_rows]
    widths = [max([display_width(h)] + [min(display_width(r[k]), MAX_ALIGNED) for r in cells])
              for k, (_, h, _) in enumerate(columns)]
    if width:
        _fit(widths, columns, cells, width)

    def line(row_cells, indent="  "):
        wrapped = [_wrap_cell(c, w, indent) for c, w in zip(row_cells, widths)]
        lines = []
        for k in range(max(len(w) for w in wrapped)):
            parts = []
            for (key, _, right), w, cell_lines in zip(columns, widths, wrapped):
                cell = cell_lines[k] if k < len(cell_lines) else ""
                pad = " " * max(0, w - display_width(cell))
                parts.append(pad + cell if right else cell + pad)
            lines.append("  ".join(parts).rstrip())
        return "\n".join(lines)

    head = _wrap_line(table.title, width)
    if numbers and table.forward_pass:
        head += _wrap_line("Forward pass: " + ", ".join(text for text, _ in table.forward_pass),
                           width)
    head += ["", line([h for _, h, _ in columns], ""), line(["-" * w for w in widths])]
    rows = [line([_cell(table, row, key) for key, _, _ in columns]) for row in table.rows]
    foot = ([""] + [text for text, _ in table.result_lines]) if numbers and table.result_lines \
        else []
    return head, rows, foot


def _fit(widths, columns, cells, width):
    """Narrow the columns (in place) until a line fits ``width``: headers first, then formulas."""
    def total():
        return sum(widths) + 2 * (len(widths) - 1)

    content = [max([0] + [display_width(r[k]) for r in cells]) for k in range(len(columns))]
    words = [max(display_width(w) for w in h.split()) for _, h, _ in columns]
    while total() > width:  # headers on two lines, down to the widest cell below them
        slack = [widths[k] - max(content[k], words[k]) for k in range(len(widths))]
        shrinkable = [j for j in range(len(widths)) if slack[j] > 0]
        if not shrinkable:
            break
        k = max(shrinkable, key=lambda j: display_width(columns[j][1]))  # the longest header
        widths[k] -= min(slack[k], total() - width)
        header = _wrap_cell(columns[k][1], widths[k], "")  # as narrow as its wrapped lines
        widths[k] = max([content[k]] + [display_width(h) for h in header])
    while total() > width:  # formulas (and arrays of numbers) wrap, the widest first
        k = max(reversed(range(len(widths))), key=lambda j: widths[j])
        if widths[k] <= max(words[k], 16):
            break
        widths[k] -= 1


def _wrap_cell(text, width, indent="  "):
    """A cell as lines of at most ``width`` columns, broken at spaces (a formula's next line is
    indented, so it reads as a continuation)."""
    if display_width(text) <= width:
        return [text]
    words = text.split(" ")
    lines, current = [], ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and display_width(candidate) > width:
            lines.append(current)
            current = indent + word
        else:
            current = candidate
    lines.append(current)
    return lines


def _wrap_line(text, width):
    if not width or display_width(text) <= width:
        return [text]
    return _wrap_cell(text, width)


def to_text(table, numbers=True, width=WIDTH):
    head, rows, foot = text_parts(table, numbers, width)
    return "\n".join(head + rows + foot)


def _markdown_escape(text):
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def to_markdown(table, numbers=True):
    columns = _columns(table, numbers)
    lines = [_markdown_escape(table.title) + ("  " if numbers and table.forward_pass else "")]
    if numbers and table.forward_pass:
        lines.append(_markdown_escape("Forward pass: " + ", ".join(t for t, _ in table.forward_pass)))
    lines.append("")
    lines.append("| " + " | ".join(h for _, h, _ in columns) + " |")
    lines.append("| " + " | ".join("--:" if right else ":--" for _, _, right in columns) + " |")
    for row in table.rows:
        lines.append("| " + " | ".join(_markdown_escape(_cell(table, row, key))
                                       for key, _, _ in columns) + " |")
    if numbers and table.result_lines:
        lines.append("")
        lines += [_markdown_escape(text) + "  " for text, _ in table.result_lines]
        lines[-1] = lines[-1].rstrip()
    return "\n".join(lines)


LATEX_LINE = 22  # visible characters of a formula line in a Beamer frame at \\scriptsize


def to_latex(table, numbers=True, caption=None, result=False):
    """A booktabs ``tabular``, each cell in math mode: pastes into a Beamer slide
    (needs ``\\usepackage{booktabs}``).

    With the number columns, headers take two lines, a row used by several operations lists
    them one per line and long formulas break before a ``+``/``-``, so the lecture tables fit a
    Beamer frame at ``\\scriptsize``. ``caption`` wraps it in a ``table`` with that caption;
    ``result`` adds the derivatives read off the table below it.
    """
    columns = _columns(table, numbers)
    spec = "".join("r" if right else "l" for _, _, right in columns)
    headers = [_stack(_wrap_cell(h, 18, ""), "b") if numbers and " " in h else h
               for _, h, _ in columns]
    lines = [f"\\begin{{tabular}}{{{spec}}}", "\\toprule", " & ".join(headers) + " \\\\",
             "\\midrule"]
    for row in table.rows:
        cells = [_latex_cell(table, row, key) if numbers else _cell(table, row, key, "latex")
                 for key, _, _ in columns]
        lines.append(" & ".join(cells) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}"]
    if result and numbers and table.result_lines:
        lines += ["", "\\smallskip", " \\\\\n".join(f"${latex}$" for _, latex in table.result_lines)]
    if caption is not None:
        lines = ["\\begin{table}", "\\centering", f"\\caption{{{latex_text(caption)}}}"] + \
            lines + ["\\end{table}"]
    return "\n".join(lines)


def latex_text(text):
    """Plain text for LaTeX: its special characters escaped."""
    escapes = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
               "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
               "^": r"\textasciicircum{}"}
    return "".join(escapes.get(c, c) for c in text)


def _stack(lines, align="t"):
    """Several lines in one cell (a nested tabular without padding)."""
    if len(lines) == 1:
        return lines[0]
    return f"\\begin{{tabular}}[{align}]{{@{{}}l@{{}}}}" + " \\\\ ".join(lines) + "\\end{tabular}"


def _latex_cell(table, row, key):
    """A cell of a table with numbers, broken into lines that fit a frame."""
    if key == "equation" and len(row.latex[2]) > 1:
        equations = row.latex[2]
        return _stack([f"${e}$" + (" and" if k < len(equations) - 1 else "")
                       for k, e in enumerate(equations)])
    cell = _cell(table, row, key, "latex")
    if key != "derivative" or _visible(cell) <= LATEX_LINE:
        return cell
    seed = " (seed)" if cell.endswith(" (seed)") else ""
    pieces = _top_level_terms(cell[1:len(cell) - len(seed) - 1])
    lines, current = [], ""
    for piece in pieces:
        if current and _visible(current + piece) > LATEX_LINE:
            lines.append(f"${current}$")
            current = "\\quad " + piece.lstrip()
        else:
            current += piece
    lines.append(f"${current}$" + seed)
    return _stack(lines)


def _top_level_terms(formula):
    """Split LaTeX math before each top-level ``+``, ``-`` or ``=`` (outside parentheses)."""
    pieces, depth, start, k = [], 0, 0, 0
    while k < len(formula):
        if formula.startswith("\\left", k) or formula[k] == "{":
            depth += 1
        elif formula.startswith("\\right", k) or formula[k] == "}":
            depth -= 1
        elif depth == 0 and formula[k:k + 3] in (" + ", " - ", " = ") and k > start:
            pieces.append(formula[start:k])
            start = k
        k += 1
    pieces.append(formula[start:])
    return pieces


def _visible(latex):
    """Roughly how many characters a LaTeX cell shows (commands count as one)."""
    import re
    text = re.sub(r"\\(left|right|quad|mathrel|begin|end)\b", "", latex)
    text = re.sub(r"\\[A-Za-z]+", "x", text)
    return len(re.sub(r"[{}$^_ ]", "", text))


def to_mathjax(table):
    """The table as a math-mode ``array`` (what Jupyter's MathJax can show)."""
    columns = _columns(table, True)
    spec = "".join("r" if right else "l" for _, _, right in columns)
    lines = [f"$$\\begin{{array}}{{{spec}}}",
             " & ".join(f"\\text{{{h}}}" for _, h, _ in columns) + " \\\\ \\hline"]
    for row in table.rows:
        cells = []
        for key, _, _ in columns:
            cell = _cell(table, row, key, "latex")
            # inside math mode: $a$ and $b$ -> a \text{ and } b; "(seed)" becomes text
            cell = cell.replace("$ and $", " \\text{ and } ").replace(" (seed)", " \\text{ (seed)}")
            cells.append(cell.replace("$", ""))
        lines.append(" & ".join(cells) + " \\\\")
    lines.append("\\end{array}$$")
    return "\n".join(lines)


def to_html(table, numbers=True):
    columns = _columns(table, numbers)
    right = ' style="text-align: right"'
    lines = [f'<table class="adkit-table adkit-{table.mode}">',
             f"<caption>{html.escape(table.title)}"
             + (f"<br>Forward pass: {html.escape(', '.join(t for t, _ in table.forward_pass))}"
                if numbers and table.forward_pass else "") + "</caption>",
             "<thead><tr>" + "".join(f"<th{right if r else ''}>{html.escape(h)}</th>"
                                     for _, h, r in columns) + "</tr></thead>", "<tbody>"]
    for row in table.rows:
        cells = "".join(f"<td{right if r else ''}>{html.escape(_cell(table, row, key))}</td>"
                        for key, _, r in columns)
        lines.append(f"<tr>{cells}</tr>")
    lines += ["</tbody>", "</table>"]
    if numbers and table.result_lines:
        lines.append('<p class="adkit-result">' + "<br>".join(html.escape(text)
                                                          for text, _ in table.result_lines)
                     + "</p>")
    return "\n".join(lines)


HTML_STYLE = """\
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table.adkit-table { border-collapse: collapse; margin: 1em 0; font-size: 1.1em; }
table.adkit-table caption { text-align: left; font-weight: bold; padding-bottom: 0.5em; }
table.adkit-table th, table.adkit-table td { padding: 0.25em 1em; text-align: left;
  border-bottom: 1px solid #ddd; white-space: nowrap; }
table.adkit-table th { border-bottom: 2px solid #444; }
p.adkit-result { font-weight: bold; }"""


def html_document(tables, numbers=True, title=None):
    """A complete HTML page (``<meta charset>``, styled columns) holding one or more tables:
    what ``adkit trace --format html -o FILE`` writes. ``to_html`` gives the bare fragment."""
    title = title or tables[0].title
    body = "\n".join(to_html(t, numbers) for t in tables)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<style>\n{HTML_STYLE}\n</style>\n</head>\n"
            f"<body>\n{body}\n</body>\n</html>\n")


def _full(v):
    """A number at full precision for CSV (arrays as JSON lists)."""
    if v is ZERO:
        return "0.0"
    if isinstance(v, (numbers.Number, np.generic)) or (isinstance(v, np.ndarray) and v.ndim == 0):
        return repr(float(v))
    return json.dumps(np.asarray(v, dtype=float).tolist())


def to_csv(table, *more):
    """One line per row: the operation, its value, the derivative operation, its value, kind.
    Several tables (forward and reverse) make one CSV, told apart by the ``mode`` column. An
    exact table adds ``primal_exact`` and ``value_exact``, the numbers as its slides show them
    (``ln 2``, ``11/2``), beside the full-precision floats a spreadsheet computes with."""
    tables = (table,) + more
    exact = any(t.exact for t in tables)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["mode", "node", "equation", "primal", "lhs", "rhs", "value", "kind"] +
                    (["primal_exact", "value_exact"] if exact else []))
    for t in tables:
        for row in t.rows:
            cells = [t.mode, row.node + 1, row.equation, _full(row.primal), row.lhs, row.rhs,
                     _full(row.value), row.kind]  # kind "edge": a += row
            if exact:
                cells += [_number(t, row, key) if t.exact and row.exact is not None else ""
                          for key in ("primal", "value")]
            writer.writerow(cells)
    return buffer.getvalue()
