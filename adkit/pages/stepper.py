"""The stepper page: the graph beside the forward and reverse tables, revealed one row at a time.

``page(source, at=...)`` returns one self-contained HTML file. Next / Prev (buttons, arrow
keys, a presenter's PageUp/PageDown) reveal the rows in forward then reverse order and light
up the row's node and wires in the graph. Every formula and number is a row of
:func:`adkit.forward_table` / :func:`adkit.reverse_table`, written into the page as text; the
page's script only shows and hides them.

Quiz mode hides each row's number behind an ``<input>``. A typed number is marked ``correct``,
``incorrect`` or ``carried`` (wrong only because the student's own earlier wrong value was used
with the right rule) by the rule :func:`adkit.grade_table` uses: each row's rule goes into the
page as data, ``constant + Σ coefficient · row`` (the local partials at the point, from
:meth:`adkit.grading.table.TableQuestion.rule_terms`), with the same tolerance.

>>> import adkit as ad
>>> html = ad.page("x1*x2 + sin(x1)", at={"x1": 2.0, "x2": 5.0})
>>> html.count("<tr class=\\"step"), "<button" in html, "http" in html.split("<svg")[0]
(10, True, False)
"""
import html as _html
import re

import numpy as np

from adkit.core import ADError
from adkit.graph import INPUT
from adkit.pages.shell import BASE_CSS, data_island, document

MODES = ("forward", "reverse", "both")
MAX_PAGE_NODES = 60  # beyond this the tables are too long to step through in class


def page(source, at=None, mode="both", quiz=False, *, seed=None, cotangent=None, style="slides",
         digits=6, two_stage=False, projector=False, title=None):
    """One self-contained HTML page: the graph (inline SVG) and the table(s), stepped row by row.

    Args:
        source: an expression (``"x1*x2 + sin(x1)"``), a Graph or a Python function.
        at: the point, ``{"x1": 2.0, "x2": 5.0}`` (or values in input order).
        mode: ``"forward"``, ``"reverse"`` or ``"both"`` (forward rows, then reverse rows).
        quiz: hide each row's number behind an input the page marks right, wrong or carried.
        seed: forward mode's seed (an input name or ``{name: value}``; default the first input).
        cotangent: reverse mode's seed, the output's adjoint (default 1; a vector output needs
            one, e.g. ``[1, 0]``: its table is then the Jacobian's row for ``z[0]``).
        style: ``"slides"`` (w1, ẇ1, w̄1) or ``"griewank"`` (v₋₁, v̇₋₁, v̄₋₁).
        two_stage: Next shows a row's formula first and its number on the next press.
        projector: start in the large-font projector view (a button toggles it too).
        title: the page's heading (default: the table's title).
    Returns:
        the HTML text (write it to a file and open it in any browser; nothing is loaded).
    """
    from adkit.sources import as_graph
    from adkit.tables import forward_table, reverse_table
    from adkit.tracing import point_values
    if mode not in MODES:
        raise ADError(f"page: mode must be 'forward', 'reverse' or 'both', not {mode!r}")
    if at is None:
        raise ADError("page: the page shows numbers at a point: give at={'x1': 2.0, ...}")
    graph = as_graph(source, at, "page")
    values = point_values(list(graph.inputs), at, "page")
    if len(graph) > MAX_PAGE_NODES:
        raise ADError(f"page: the graph has {len(graph)} nodes; a page steps through at most "
                      f"{MAX_PAGE_NODES} (use adkit trace for the full table)")
    point = dict(zip(graph.inputs, values))
    tables = []
    if mode in ("forward", "both"):
        tables.append(forward_table(graph, at=point, seed=seed, style=style, digits=digits))
    if mode in ("reverse", "both"):
        tables.append(reverse_table(graph, at=point, seed=cotangent, style=style,
                                    digits=digits))
    if quiz and cotangent is not None and mode != "forward":
        raise ADError("page: a quiz marks the reverse table seeded with 1; leave out the "
                      "output's cotangent")
    questions = _questions(graph, point, tables, seed) if quiz else [None] * len(tables)
    svg = _graph_svg(graph, point)
    if title is None:
        title = tables[0].title if len(tables) == 1 else \
            "Forward and reverse accumulation of " + tables[1].title.split(" of ", 1)[1]
    body = _body(tables, questions, svg, title, quiz, two_stage, projector)
    data = {"steps": _steps(graph, tables), "twoStage": bool(two_stage), "quiz": _quiz_data(
        tables, questions) if quiz else None}
    return document(title, body + data_island("page-data", data), CSS, SCRIPT)


def _questions(graph, point, tables, seed):
    """One TableQuestion per table: the rule and tolerance ``adkit grade_table`` marks with."""
    from adkit.grading.table import TableQuestion
    for table in tables:
        for row in table.rows:
            if np.ndim(row.value) or np.ndim(row.primal):
                raise ADError("page: quiz mode works on scalar functions; the graph has an array "
                              f"node ({row.lhs})")
    return [TableQuestion(graph, point, table.mode, seed if table.mode == "forward" else None)
            for table in tables]


def _graph_svg(graph, point):
    """The drawing of :func:`adkit.draw` as inline SVG, node groups ``node-i``, wires ``wire-r-i``."""
    from adkit.draw import Picture, draw, figure_svg
    svg = figure_svg(draw(graph, at=point))
    picture = Picture(graph, point)
    for i, label in enumerate(picture.text_labels):
        svg = svg.replace(f'<g id="{_html.escape(label, quote=True)}">',
                          f'<g id="node-{i}" class="node">', 1)
    svg = re.sub(r'<svg ', '<svg class="graph" role="img" aria-label="computational graph" ',
                 svg, count=1)
    # inline in HTML the parser knows SVG's namespaces: the page then holds no URL at all
    svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg)
    return svg


def _steps(graph, tables):
    """For each row in reveal order: its id and what lights up in the graph."""
    consumers = graph.consumers()
    steps = []
    for t, table in enumerate(tables):
        for k, row in enumerate(table.rows):
            i = row.node
            if table.mode == "forward":
                wires = [f"wire-{r}-{i}" for r in dict.fromkeys(graph.refs[i]) if r is not None]
            else:
                wires = [f"wire-{i}-{j}" for j in consumers[i]]
            steps.append({"row": f"row-{t}-{k}", "lit": [f"node-{i}"] + wires})
    return steps


def _quiz_data(tables, questions):
    """Each row's rule and true value, keyed by graph node, for the in-page marking."""
    from adkit.grading.table import TABLE_ATOL, TABLE_RTOL
    out = {"rtol": TABLE_RTOL, "atol": TABLE_ATOL, "tables": []}
    for table, q in zip(tables, questions):
        rows = {}
        for k, row in enumerate(table.rows):
            if not np.isfinite(q.true[row.node]):
                raise ADError(f"page --quiz: row {q.names[row.node]} is {q.true[row.node]} at this "
                              f"point, and a quiz needs finite answers; choose another point")
            constant, terms = q.rule_terms(row.node)
            rows[str(row.node)] = {"id": f"row-{table_index(tables, table)}-{k}",
                                   "name": q.names[row.node], "true": float(q.true[row.node]),
                                   "constant": float(constant),
                                   "terms": [[r, c, float(q.true[r])] for r, c in terms]}
        out["tables"].append({"mode": table.mode, "rows": rows})
    return out


def table_index(tables, table):
    return next(t for t, other in enumerate(tables) if other is table)


def _row_html(t, k, row, table, quiz):
    e = _html.escape
    number = (f'<input type="text" inputmode="decimal" autocomplete="off" '
              f'aria-label="{e(row.lhs)}" data-node="{row.node}" data-table="{t}">'
              if quiz else e(table.number(row.value)))
    seed = ' <span class="seed">(seed)</span>' if row.kind == "seed" else ""
    return (f'<tr class="step" id="row-{t}-{k}" data-node="{row.node}">'
            f'<td class="eq">{e(row.equation)}</td>'
            f'<td class="num primal">{e(table.number(row.primal))}</td>'
            f'<td class="deriv">{e(row.lhs)} = {e(row.rhs)}{seed}</td>'
            f'<td class="num value">{number}</td></tr>')


def _body(tables, questions, svg, title, quiz, two_stage, projector):
    e = _html.escape
    parts = [f'<div class="page{" projector" if projector else ""}" id="page">',
             f"<h1>{e(title)}</h1>",
             '<div class="controls"><button id="prev" type="button">Prev</button>'
             '<button id="next" type="button">Next</button>'
             '<button id="projector" type="button">Large font</button>'
             f'<span class="hint" id="position">0 of {sum(len(t.rows) for t in tables)} rows'
             f'</span> <span class="hint">(arrow keys step too{"; Next shows the formula, then the number" if two_stage else ""})</span></div>',
             f'<div class="main"><div class="graph-box">{svg}</div><div class="tables">']
    for t, table in enumerate(tables):
        heading = "Forward accumulation (tangents)" if table.mode == "forward" else \
            "Reverse accumulation (adjoints)"
        # no header row: every <tr> of the page is one step (the h2 names the columns)
        parts.append(f'<h2>{heading}: value, then derivative</h2>'
                     f'<table class="sweep {table.mode}" id="table-{t}"><tbody>')
        parts.extend(_row_html(t, k, row, table, quiz) for k, row in enumerate(table.rows))
        parts.append("</tbody></table>")
        result = "<br>".join(e(text) for text, _ in table.result_lines)
        parts.append(f'<p class="result" id="result-{t}" hidden>{result}</p>')
    if quiz:
        parts.append('<h2>Your answers</h2><p class="hint">The text <code>adkit grade</code> '
                     'reads (one line per table):</p><pre id="answers"></pre>')
    parts.append("</div></div></div>")
    return "\n".join(parts)


CSS = BASE_CSS + """
h2 { font-size: 1.05em; margin: 1em 0 .3em 0; color: #444; }
.main { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; }
.graph-box { flex: 1 1 420px; max-width: 48%; }
.graph-box svg { width: 100%; height: auto; }
.tables { flex: 1 1 480px; }
table.sweep { border-collapse: collapse; }
table.sweep { border-top: 1px solid #bbb; }
table.sweep td { padding: .25em .6em; border-bottom: 1px solid #eee; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.deriv { color: #1f5fbf; }
table.reverse td.deriv { color: #c0392b; }
.seed { color: #888; font-size: .85em; }
tr.step.hidden { display: none; }
tr.step.current { background: #fff3d6; }
tr.step.formula-only td.value { visibility: hidden; }
td.value input { width: 6.5em; font-size: 1em; text-align: right; }
tr.correct td.value input, input.correct { background: #dff3e3; border-color: #1b7837; }
tr.incorrect td.value input, input.incorrect { background: #fbe0dc; border-color: #c0392b; }
tr.carried td.value input, input.carried { background: #fff1c7; border-color: #b7950b; }
.result { color: #333; font-weight: bold; }
#answers { background: #f6f6f6; padding: .5em; white-space: pre-wrap; }
g.node.lit path { stroke: #f39c12 !important; stroke-width: 4 !important; }
g[id^="wire-"].lit path { stroke: #f39c12 !important; fill: #f39c12 !important; stroke-width: 3.5 !important; }
.projector { font-size: 26px; }
.projector .graph-box { max-width: 100%; flex-basis: 100%; }
"""

SCRIPT = r"""
(function () {
  const data = JSON.parse(document.getElementById("page-data").textContent);
  const steps = data.steps;
  const stages = data.twoStage ? 2 : 1;
  let shown = 0;  // stages revealed, 0 .. steps.length * stages
  const rowOf = s => document.getElementById(s.row);
  function render() {
    document.querySelectorAll(".lit").forEach(el => el.classList.remove("lit"));
    steps.forEach((s, k) => {
      const tr = rowOf(s), reached = Math.ceil(shown / stages) > k;
      tr.classList.toggle("hidden", !reached);
      tr.classList.toggle("formula-only", reached && stages === 2 && shown < (k + 1) * stages);
      tr.classList.remove("current");
    });
    const rows = Math.ceil(shown / stages);
    if (rows > 0) {
      const s = steps[rows - 1];
      rowOf(s).classList.add("current");
      s.lit.forEach(id => {  // a wire that bends is drawn in parts: wire-r-i-part0, ...
        const el = document.getElementById(id);
        if (el) el.classList.add("lit");
        document.querySelectorAll('[id^="' + id + '-part"]').forEach(p => p.classList.add("lit"));
      });
    }
    document.querySelectorAll("table.sweep").forEach((table, t) => {
      const trs = table.querySelectorAll("tr.step");
      const done = trs.length > 0 && !trs[trs.length - 1].classList.contains("hidden") &&
                   !trs[trs.length - 1].classList.contains("formula-only");
      document.getElementById("result-" + t).hidden = !done || data.quiz !== null;
    });
    document.getElementById("position").textContent = rows + " of " + steps.length + " rows";
  }
  function next() { if (shown < steps.length * stages) { shown += 1; render(); } }
  function prev() { if (shown > 0) { shown -= 1; render(); } }
  document.getElementById("next").addEventListener("click", next);
  document.getElementById("prev").addEventListener("click", prev);
  document.getElementById("projector").addEventListener("click", () =>
    document.getElementById("page").classList.toggle("projector"));
  document.addEventListener("keydown", ev => {
    if (ev.target && ev.target.tagName === "INPUT") return;  // arrows move the cursor there
    if (["ArrowRight", "ArrowDown", "PageDown", " "].includes(ev.key)) { next(); ev.preventDefault(); }
    if (["ArrowLeft", "ArrowUp", "PageUp"].includes(ev.key)) { prev(); ev.preventDefault(); }
  });
  if (data.quiz) setUpQuiz(data.quiz);
  render();

  function setUpQuiz(quiz) {
    const close = (a, b) => Math.abs(a - b) <= quiz.rtol * Math.max(Math.abs(a), Math.abs(b)) + quiz.atol;
    const read = text => {
      const t = text.trim().replace(/\u2212/g, "-");
      return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? parseFloat(t) : NaN;
    };
    function mark(t) {
      const table = quiz.tables[t], got = {};
      document.querySelectorAll('input[data-table="' + t + '"]').forEach(input => {
        if (input.value.trim() !== "") got[input.dataset.node] = read(input.value);
      });
      for (const node of Object.keys(table.rows)) {
        const row = table.rows[node];
        const tr = document.getElementById(row.id), input = tr.querySelector("input");
        let status = "";
        if (node in got) {
          const value = got[node];
          if (Number.isFinite(value) && close(value, row.true)) status = "correct";
          else {
            status = "incorrect";
            const wrong = row.terms.some(([r, c, truth]) => (r in got) && !close(got[r], truth));
            if (wrong && Number.isFinite(value)) {
              let carried = row.constant;
              for (const [r, c, truth] of row.terms) carried += c * ((r in got) ? got[r] : truth);
              if (close(value, carried)) status = "carried";
            }
          }
        }
        for (const el of [tr, input]) {
          el.classList.remove("correct", "incorrect", "carried");
          if (status) el.classList.add(status);
        }
      }
      answersText();
    }
    function answersText() {
      const lines = quiz.tables.map(table => Object.values(table.rows)
        .map(row => [row, document.getElementById(row.id).querySelector("input").value.trim()])
        .filter(([row, v]) => v !== "").map(([row, v]) => row.name + " = " + v).join("; "));
      document.getElementById("answers").textContent = lines.filter(l => l).join("\n");
    }
    document.querySelectorAll("td.value input").forEach(input =>
      input.addEventListener("input", () => mark(Number(input.dataset.table))));
  }
})();
"""
