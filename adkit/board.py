"""A TensorBoard-like board: training logs as plain JSON lines, and one self-contained page of them.

:class:`BoardLogger` writes ``events.adkit.jsonl`` in a log folder (one run): one JSON object
per line, ``{"kind": "scalar", "tag": "loss", "step": 3, "value": 0.25, "wall_time": ...}``, and
a ``{"kind": "graph", ...}`` line next to ``graph.svg`` / ``graph.png`` (adkit's drawing of the
graph). Any tool reads these files; ``tf.summary.FileWriter`` writes through this logger, and
the same object is a callback for ``adkit.nn``'s ``fit`` (``callbacks=[BoardLogger(dir)]``).

:func:`board_page` reads every run under a folder and writes one HTML page (no network): the
scalar curves of every run, with TensorBoard's smoothing slider, and the drawn graphs.
"""
import base64
import html
import json
import math
import time
from pathlib import Path

from adkit.core import ADError

LOG_NAME = "events.adkit.jsonl"


def write_atomic(path, data):
    """Write bytes or text to ``path`` atomically (:func:`adkit.files.write_atomic`), making its
    folder first."""
    from adkit import files
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    files.write_atomic(path, data)


class BoardLogger:
    """Scalars (and a graph drawing) of one run, appended to ``LOGDIR/events.adkit.jsonl``.

    As a callback of ``adkit.nn``'s ``fit`` it logs every number of ``logs`` at each epoch's end.

    >>> import tempfile, adkit.board as board
    >>> log = board.BoardLogger(tempfile.mkdtemp())
    >>> log.scalar("loss", 0.5, step=1)
    >>> [r["value"] for r in board.read_run(log.path)["scalars"]["loss"]]
    [0.5]
    """

    def __init__(self, logdir):
        self.logdir = Path(logdir)
        try:
            self.logdir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ADError(f"BoardLogger: cannot create the log folder {str(logdir)!r}: "
                          f"{e.strerror}") from None
        self.path = self.logdir / LOG_NAME
        self.closed = False
        self._counts = None  # values logged per tag (read from the log when first needed)

    def __repr__(self):
        return f"BoardLogger({str(self.logdir)!r})"

    def _write(self, record):
        record.setdefault("wall_time", time.time())
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def scalar(self, tag, value, step=None):
        """Log one number (``step`` defaults to the count of this tag's values so far)."""
        value = float(value)
        if step is None:
            if self._counts is None:  # continue a log written before, once
                self._counts = {}
                for r in _records(self.path):
                    if r.get("kind") == "scalar":
                        self._counts[r.get("tag")] = self._counts.get(r.get("tag"), 0) + 1
            step = self._counts.get(str(tag), 0)
        if self._counts is not None:
            self._counts[str(tag)] = self._counts.get(str(tag), 0) + 1
        self._write({"kind": "scalar", "tag": str(tag), "step": int(step),
                     "value": value if math.isfinite(value) else str(value)})

    def add_graph(self, svg, png=None, nodes=()):
        """Store a drawing of the graph (SVG text, optional PNG bytes; None: no drawing) and its
        node list."""
        if svg is not None:
            write_atomic(self.logdir / "graph.svg", svg)
        if png is not None:
            write_atomic(self.logdir / "graph.png", png)
        self._write({"kind": "graph", "svg": None if svg is None else "graph.svg",
                     "nodes": list(nodes)})

    # the callback protocol of adkit.nn's fit (Keras's names)
    def on_epoch_end(self, epoch, logs=None):
        for tag, value in (logs or {}).items():
            try:
                self.scalar(tag, float(value), step=epoch)
            except (TypeError, ValueError):
                continue  # not a number: nothing to plot

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def flush(self):
        pass

    def close(self):
        self.closed = True


# -- reading ---------------------------------------------------------------------------------

def _records(path):
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line cut short while a run was writing
        if isinstance(record, dict):
            yield record


def read_run(path):
    """One log file as ``{"scalars": {tag: [{"step", "value"}, ...]}, "graph": svg or None}``."""
    path = Path(path)
    scalars, graph = {}, None
    for record in _records(path):
        if record.get("kind") == "scalar":
            try:
                point = {"step": int(record["step"]), "value": float(record["value"])}
            except (KeyError, TypeError, ValueError):
                continue
            scalars.setdefault(str(record.get("tag")), []).append(point)
        elif record.get("kind") == "graph" and record.get("svg"):
            svg = path.parent / str(record["svg"])
            if svg.parent == path.parent and svg.is_file():  # only a file beside the log
                graph = svg.read_text(encoding="utf-8")
    return {"scalars": scalars, "graph": graph}


def read_logdir(logdir):
    """Every run under ``logdir``: ``{run name: read_run(...)}`` (a run is a folder with a log)."""
    root = Path(logdir)
    if not root.is_dir():
        raise ADError(f"board: no such folder {str(logdir)!r}")
    files = sorted(root.rglob(LOG_NAME))
    if not files:
        raise ADError(f"board: no logs in {str(logdir)!r} (expected {LOG_NAME} files, written by "
                      f"tf.summary.FileWriter or adkit.board.BoardLogger)")
    runs = {}
    for f in files:
        name = f.parent.relative_to(root).as_posix()
        runs[root.resolve().name if name == "." else name] = read_run(f)
    return runs


def smooth(values, weight):
    """TensorBoard's smoothing: an exponential moving average, debiased at the start."""
    out, last, count = [], 0.0, 0
    for v in values:
        count += 1
        last = last * weight + (1 - weight) * v
        out.append(last / (1 - weight ** count) if weight > 0 else v)
    return out


# -- the page --------------------------------------------------------------------------------

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; color: #222; }}
h1 {{ font-size: 1.4em; }} h2 {{ font-size: 1.15em; margin-top: 1.5em; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 1em; }}
.chart {{ border: 1px solid #ddd; padding: .5em; }}
.legend span {{ margin-right: 1em; }}
.graph img {{ max-width: 100%; border: 1px solid #ddd; }}
</style></head><body>
<h1>{title}</h1>
<p>Runs: {runs}. <label>Smoothing <input id="smoothing" type="range" min="0" max="0.99"
step="0.01" value="{smoothing}"> <output id="smoothing-value">{smoothing}</output></label></p>
<div class="legend" id="legend"></div>
<h2>Scalars</h2><div class="charts" id="charts">{no_scalars}</div>
<h2>Graphs</h2>{graphs}
<script type="application/json" id="board-data">{data}</script>
<script>
(function () {{
  "use strict";
  var data = JSON.parse(document.getElementById("board-data").textContent);
  var colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];
  var NS = "http://www.w3.org/2000/svg", W = 420, H = 240, M = 44;
  function smooth(values, w) {{
    var out = [], last = 0;
    for (var i = 0; i < values.length; i++) {{
      last = last * w + (1 - w) * values[i];
      out.push(w > 0 ? last / (1 - Math.pow(w, i + 1)) : values[i]);
    }}
    return out;
  }}
  function el(name, attrs, parent) {{
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }}
  function fmt(v) {{ return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : (+v.toPrecision(4)).toString(); }}
  function draw() {{
    var w = parseFloat(document.getElementById("smoothing").value);
    document.getElementById("smoothing-value").textContent = w.toFixed(2);
    var box = document.getElementById("charts");
    if (!data.tags.length) return;
    box.innerHTML = "";
    data.tags.forEach(function (tag) {{
      var div = document.createElement("div"); div.className = "chart";
      var h = document.createElement("h3"); h.textContent = tag; div.appendChild(h);
      var svg = el("svg", {{width: W, height: H, "data-tag": tag}}, div);
      var xs = [], ys = [];
      data.runs.forEach(function (run) {{ (run.scalars[tag] || []).forEach(function (p) {{ xs.push(p.step); ys.push(p.value); }}); }});
      var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
      var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
      if (x1 === x0) x1 = x0 + 1; if (y1 === y0) {{ y1 = y0 + 1; y0 = y0 - 1; }}
      function X(v) {{ return M + (v - x0) / (x1 - x0) * (W - M - 10); }}
      function Y(v) {{ return H - 24 - (v - y0) / (y1 - y0) * (H - 34); }}
      el("line", {{x1: M, y1: H - 24, x2: W - 10, y2: H - 24, stroke: "#999"}}, svg);
      el("line", {{x1: M, y1: 10, x2: M, y2: H - 24, stroke: "#999"}}, svg);
      [[y0, Y(y0)], [y1, Y(y1)]].forEach(function (t) {{
        el("text", {{x: M - 4, y: t[1] + 4, "text-anchor": "end", "font-size": 10}}, svg).textContent = fmt(t[0]); }});
      [[x0, X(x0)], [x1, X(x1)]].forEach(function (t) {{
        el("text", {{x: t[1], y: H - 8, "text-anchor": "middle", "font-size": 10}}, svg).textContent = fmt(t[0]); }});
      data.runs.forEach(function (run, k) {{
        var pts = run.scalars[tag]; if (!pts) return;
        var color = colors[k % colors.length];
        var raw = pts.map(function (p) {{ return X(p.step) + "," + Y(p.value); }}).join(" ");
        el("polyline", {{points: raw, fill: "none", stroke: color, "stroke-opacity": 0.25}}, svg);
        var sm = smooth(pts.map(function (p) {{ return p.value; }}), w);
        var line = pts.map(function (p, i) {{ return X(p.step) + "," + Y(sm[i]); }}).join(" ");
        el("polyline", {{points: line, fill: "none", stroke: color, "stroke-width": 2, "class": "smoothed"}}, svg);
      }});
      box.appendChild(div);
    }});
  }}
  var legend = document.getElementById("legend");
  data.runs.forEach(function (run, k) {{
    var s = document.createElement("span"); s.style.color = colors[k % colors.length];
    s.textContent = "\\u25A0 " + run.name; legend.appendChild(s);
  }});
  document.getElementById("smoothing").addEventListener("input", draw);
  draw();
}})();
</script></body></html>
"""


def _finite(scalars):
    """The points a curve can draw (JSON has no NaN or infinity: a diverged run stops there)."""
    return {tag: [p for p in points if math.isfinite(p["value"])] for tag, points in scalars.items()}


def board_page(logdir, title=None, smoothing=0.6):
    """The board of every run under ``logdir`` as one self-contained HTML page (a str)."""
    runs = read_logdir(logdir)
    tags = []
    for run in runs.values():
        tags.extend(t for t in run["scalars"] if t not in tags)
    data = {"tags": tags, "runs": [{"name": name, "scalars": _finite(run["scalars"])}
                                   for name, run in runs.items()]}
    graphs = "".join(
        f'<div class="graph"><h3>{html.escape(name)}</h3><img alt="graph of {html.escape(name)}" '
        f'src="data:image/svg+xml;base64,{base64.b64encode(run["graph"].encode()).decode()}"></div>'
        for name, run in runs.items() if run["graph"]) or "<p>No graph was logged (use " \
        "writer.add_graph(sess.graph)).</p>"
    title = title or f"adkit board: {Path(logdir).resolve().name}"
    return _PAGE.format(
        title=html.escape(title), runs=html.escape(", ".join(runs)), smoothing=float(smoothing),
        no_scalars="" if tags else "<p>No scalars were logged.</p>", graphs=graphs,
        data=json.dumps(data).replace("</", "<\\/"))


def board_figure(logdir, smoothing=0.6):
    """The scalar curves as a matplotlib Figure (one panel per tag), for slides."""
    from matplotlib.figure import Figure
    runs = read_logdir(logdir)
    tags = []
    for run in runs.values():
        tags.extend(t for t in run["scalars"] if t not in tags)
    if not tags:
        raise ADError(f"board: no scalars were logged in {str(logdir)!r}")
    fig = Figure(figsize=(4.5 * min(len(tags), 3), 3.2 * math.ceil(len(tags) / 3)))
    for k, tag in enumerate(tags):
        ax = fig.add_subplot(math.ceil(len(tags) / 3), min(len(tags), 3), k + 1)
        for c, (name, run) in enumerate(runs.items()):
            points = run["scalars"].get(tag)
            if not points:
                continue
            steps = [p["step"] for p in points]
            values = [p["value"] for p in points]
            color = f"C{c}"
            ax.plot(steps, values, color=color, alpha=0.25)
            ax.plot(steps, smooth(values, smoothing), color=color, label=name)
        ax.set_title(tag)
        ax.set_xlabel("step")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
