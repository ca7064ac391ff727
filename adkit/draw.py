"""Drawing computational graphs with matplotlib: equations in the nodes, values and adjoints on the wires.

The layout is layered and deterministic: inputs on the left, the output on the right, each node
in the column of its longest path from an input. Forward values are written above each wire
(green) and, with ``gradients=True``, the adjoint that flows back along the wire below it (red),
as in the CS231n circuit pictures. A node read by several others gets one red number per wire,
and their sum under the node: the fan-out sum of reverse mode.

>>> import adkit as ad
>>> fig = ad.draw(lambda x, y, z: (x + y) * z, at={"x": -2, "y": 5, "z": -4}, gradients=True)
>>> [t.get_text() for t in fig.axes[0].texts if "w_{4} =" in t.get_text()]
['$w_{4} = w_{1} + w_{2}$']

matplotlib is imported only when a drawing is made (with the Agg backend when no other one was
chosen, so drawing works on a headless machine).
"""
import numbers
import re

import numpy as np

from adkit.core import ADError, ZERO, shape_of
from adkit.graph import CONST, INPUT, Graph
from adkit.printing import format_number, inline_expressions, node_expression, output_name
from adkit.tracing import point_values

VALUE_COLOUR = "#1b7837"      # forward values: green, as in the CS231n pictures
ADJOINT_COLOUR = "#c0392b"    # adjoints (gradients): red
TANGENT_COLOUR = "#1f5fbf"    # tangents of a forward sweep: blue
HIGHLIGHT_COLOUR = "#f39c12"  # the node of the current step
NODE_FILL = {"input": "#e8f1fb", "op": "#f7f7f7", "output": "#fff1dc"}

NODE_FONT = 15    # points: readable when the figure fills a slide
WIRE_FONT = 13
LAYER_GAP = 3.0   # inches between columns at least (one data unit is one inch)
WIRE_ROOM = 1.5   # inches of bare wire between the boxes of neighbouring columns, for the numbers
ROW_GAP = 1.6     # inches between nodes of one column
OUTPUT_STUB = 1.6  # inches of wire from the output's box to its name


# -- what to draw -------------------------------------------------------------------------------

def concrete(graph, at, who="draw"):
    """The graph with every node's value at the point ``at`` (a copy; indices are kept).

    Values and argument values are filled in by replaying the graph once, so reverse mode
    (:func:`adkit.reverse.backward`) can run on a graph that was parsed from text.
    """
    if at is None:
        if graph.abstract or any(v is None for v in graph.values):
            raise ADError(f"{who}: the graph has no values; give the point, e.g. at={{"
                          f"{', '.join(repr(n) + ': 1.0' for n in graph.inputs)}}}")
        return graph
    return graph.at_point(point_values(list(graph.inputs), at, who))


def as_graph(source, at=None, who="draw"):
    """A Graph from an expression string, a Graph or a Python function (see :mod:`adkit.sources`).

    With ``at`` the graph carries the values at that point; without it a parsed expression
    stays abstract (structure only).
    """
    from adkit.sources import as_graph as normalize
    if at is None and callable(source) and not isinstance(source, Graph):
        raise ADError(f"{who}: a Python function is drawn at a point: give at={{...}}")
    return normalize(source, at, who, strict=True)


def adjoints(graph, seed=1.0):
    """Every node's adjoint (``ZERO`` where nothing reached it), seeded at the first output."""
    from adkit.reverse import backward
    out = graph.outputs[0]
    if shape_of(graph.values[out]) != () and isinstance(seed, numbers.Number):
        seed = np.full(shape_of(graph.values[out]), float(seed))
    return backward(graph, {out: seed})


def wire_adjoints(graph, adjoint):
    """The adjoint each wire carries back: ``{(source, reader): w̄_reader · ∂reader/∂source}``.

    A node's adjoint is the sum of the numbers on its outgoing wires (the fan-out sum). When a
    node reads the same argument twice (``x · x``) the wire carries both terms.
    """
    from adkit.reverse import pullback
    wires = {}
    for i, prim in enumerate(graph.prims):
        g = adjoint[i]
        if g is ZERO or prim is INPUT or prim is CONST:
            continue
        with np.errstate(all="ignore"):
            shares = pullback(graph, i, g)
        for r, term in zip(graph.refs[i], shares):
            if term is not None:
                wires[(r, i)] = term if (r, i) not in wires else wires[(r, i)] + term
    return wires


def short(value):
    """A value as it fits on a wire: 4 significant digits, arrays by their shape."""
    if value is None or value is ZERO:
        return "0" if value is ZERO else ""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(())
    if isinstance(value, np.ndarray) and value.ndim <= 2 and (
            value.size <= 2 or value.size <= 4 and np.all(value == np.round(value))):
        return _nested(value.tolist())  # small arrays in full: [[3, 3]], [[2], [2]]
    return format_number(value, "text", digits=4)


def _nested(items):
    if isinstance(items, list):
        return "[" + ", ".join(_nested(item) for item in items) + "]"
    return format_number(items, "text", digits=4)


_NAME = re.compile(r"^([A-Za-z]+)_?(\d+)$")


def latex_name(name):
    """``x1`` -> ``x_{1}``; ``h_prev`` -> ``h_{prev}``; other names as they are."""
    m = _NAME.match(name)
    if m:
        return f"{m.group(1)}_{{{m.group(2)}}}"
    if "_" in name:
        head, _, tail = name.partition("_")
        return f"{head}_{{{tail.replace('_', ' ')}}}"
    return name


def node_labels(graph, style="latex"):
    """Each node's equation: ``$w_{3} = w_{1} \\cdot w_{2}$`` (style "latex", for mathtext) or
    ``w3 = w1 · w2`` (style "text")."""
    if style == "text":
        names = [f"w{i + 1}" for i in range(len(graph))]
        tags = getattr(graph, "node_names", {})
        return [(f"{tags[i]}: " if i in tags else "") + f"{names[i]} = {node_expression(graph, i, names)}"
                for i in range(len(graph))]
    names = [f"w_{{{i + 1}}}" for i in range(len(graph))]
    tags = getattr(graph, "node_names", {})  # names a builder gave its nodes (tf1's name=)
    labels = []
    for i, prim in enumerate(graph.prims):
        rhs = (latex_name(graph.params[i]["name"]) if prim is INPUT
               else node_expression(graph, i, names, "latex"))
        label = f"${names[i]} = {rhs}$"
        labels.append(f"{_plain_text(tags[i])}: {label}" if i in tags else label)
    return labels


def _plain_text(text):
    """Text shown outside mathtext as it is ($ and \\ would start math or escapes)."""
    return text.replace("\\", "/").replace("$", r"\$")


# -- where to draw it ---------------------------------------------------------------------------

def label_width(text):
    """Estimated width in inches of a node's box at NODE_FONT (a little generous)."""
    return 0.4 + len(text) * NODE_FONT * 0.52 / 72


def layered_layout(graph, widths=None):
    """Positions ``(x, y)`` in inches: column = longest path from an input, one plain loop.

    Inputs sit in column 0 in input order; every other node one column right of its furthest
    argument; the outputs move to the last column. Within a column nodes are placed near the
    mean height of their arguments (ties keep recording order), so a chain stays straight.
    Columns are LAYER_GAP apart, or further when their widest boxes (``widths``, inches per
    node) would leave less than WIRE_ROOM of wire between them.
    """
    n = len(graph)
    column = [0] * n
    for i, (prim, refs) in enumerate(zip(graph.prims, graph.refs)):
        if prim is INPUT or prim is CONST:
            continue
        column[i] = 1 + max((column[r] for r in refs if r is not None), default=0)
    last = max(column, default=0)
    for o in graph.outputs:
        if graph.prims[o] is not INPUT:
            column[o] = last
    members = [[] for _ in range(last + 1)]
    for i in range(n):
        members[column[i]].append(i)
    y = [0.0] * n
    for c, nodes in enumerate(members):
        if not nodes:
            continue
        if c == 0:
            wanted = {i: 0.0 for i in nodes}
        else:
            wanted = {}
            for i in nodes:
                parents = [y[r] for r in graph.refs[i] if r is not None]
                wanted[i] = sum(parents) / len(parents) if parents else 0.0
        order = sorted(nodes, key=lambda i: (-wanted[i], i))  # top to bottom
        centre = sum(wanted.values()) / len(nodes)
        for k, i in enumerate(order):
            y[i] = centre + ((len(order) - 1) / 2 - k) * ROW_GAP
    widest = [max((widths[i] for i in nodes), default=0.0) if widths else 0.0 for nodes in members]
    column_x = [0.0]
    for c in range(1, last + 1):
        column_x.append(column_x[-1] + max(LAYER_GAP, (widest[c - 1] + widest[c]) / 2 + WIRE_ROOM))
    return [(column_x[column[i]], y[i]) for i in range(n)]


# -- drawing ------------------------------------------------------------------------------------

def _pyplot():
    import matplotlib
    if "matplotlib.pyplot" not in __import__("sys").modules:
        matplotlib.use("Agg")  # headless by default; a user's own backend choice wins
    import matplotlib.pyplot as plt
    return plt


class Picture:
    """Everything one drawing needs, computed once: the graph, labels, layout, values, adjoints.

    The sweep animations reuse one Picture and change only which numbers are shown.
    """

    def __init__(self, source, at=None, gradients=False, who="draw"):
        self.graph = as_graph(source, at, who)
        graph = self.graph
        if not graph.outputs:
            raise ADError(f"{who}: the graph has no output")
        self.labels = node_labels(graph)
        self.text_labels = node_labels(graph, "text")
        self.widths = [label_width(text) for text in self.text_labels]
        self.positions = layered_layout(graph, self.widths)
        self.has_values = not graph.abstract and all(v is not None for v in graph.values)
        self.values = graph.values if self.has_values else None
        self.adjoint = self.wires = None
        if gradients:
            if not self.has_values:
                raise ADError(f"{who}: gradients need a point: give at={{...}}")
            self.adjoint = adjoints(graph)
            self.wires = wire_adjoints(graph, self.adjoint)
        self.consumers = graph.consumers()
        self.output_name = output_name(graph)
        inputs = ", ".join(f"{latex_name(name)} = {short(graph.values[r])}"
                           for name, r in zip(graph.inputs, graph.input_refs)) if self.has_values else ""
        latex_names = [latex_name(p["name"]) if prim is INPUT else None
                       for prim, p in zip(graph.prims, graph.params)]
        expression = inline_expressions(graph, latex_names, style="latex")[graph.outputs[0]]
        if len(inline_expressions(graph)[graph.outputs[0]]) > 60:  # too long for one title line
            expression = f"{latex_name(self.output_name)}({', '.join(map(latex_name, graph.inputs))})"
        self.title = f"${latex_name(self.output_name)} = {expression}$" + (
            f"   at  ${inputs}$" if inputs else "")

    def wires_list(self):
        """Every wire ``(source, reader)`` once, in recording order of the reader."""
        seen = []
        for i, refs in enumerate(self.graph.refs):
            for r in dict.fromkeys(r for r in refs if r is not None):
                seen.append((r, i))
        return seen

    def size(self):
        """Figure size in inches for the graph alone (one data unit is one inch)."""
        xs = [x for x, _ in self.positions]
        ys = [y for _, y in self.positions]
        out = self.graph.outputs[0]
        left = min(x - max(w / 2, 1.3) for (x, _), w in zip(self.positions, self.widths)) - 0.3
        right = max(max(xs), self.positions[out][0] + self.widths[out] / 2 + OUTPUT_STUB) + 0.5
        bottom, top = min(ys) - 1.1, max(ys) + 0.6  # room for the notes under the lowest nodes
        return right - left, top - bottom, (left, right), (bottom, top)


def render(ax, picture, *, wire_text=None, node_notes=None, highlight=(), faded=(), output_text=None,
           title=None):
    """Draw ``picture`` on ``ax``.

    Args:
        wire_text: ``{(source, reader): [(text, colour), ...]}``; the first entry goes above the
            wire, the second below it.
        node_notes: ``{node: [(text, colour), ...]}`` written under the node.
        highlight: nodes drawn with a thick orange frame; faded: nodes drawn pale (not reached yet).
        output_text: ``[(text, colour), ...]`` on the wire to the output's name.
    """
    from matplotlib.patches import FancyArrowPatch
    graph, positions = picture.graph, picture.positions
    wire_text = wire_text or {}
    node_notes = node_notes or {}
    highlight, faded = set(highlight), set(faded)
    outputs = set(graph.outputs)
    widest = {}  # column x -> its widest box
    for (x, _), width in zip(positions, picture.widths):
        widest[x] = max(widest.get(x, 0.0), width)
    boxes = []
    for i, (x, y) in enumerate(positions):
        kind = "input" if graph.prims[i] is INPUT else "output" if i in outputs else "op"
        edge = HIGHLIGHT_COLOUR if i in highlight else "#444444"
        alpha = 0.35 if i in faded else 1.0
        text = ax.text(x, y, _renderable(picture.labels[i], picture.text_labels[i]), ha="center",
                       va="center", fontsize=NODE_FONT,
                       zorder=3, alpha=alpha,
                       bbox=dict(boxstyle="round,pad=0.45", fc=NODE_FILL[kind], ec=edge,
                                 lw=3.2 if i in highlight else 1.2, alpha=alpha))
        text.set_gid(picture.text_labels[i])
        boxes.append(text)
        for k, (note, colour) in enumerate(node_notes.get(i, ())):
            ax.text(x, y - 0.5 - 0.3 * k, note, ha="center", va="top", fontsize=WIRE_FONT,
                    color=colour, zorder=3)
    for r, i in picture.wires_list():
        (x0, y0), (x1, y1) = positions[r], positions[i]
        faded_wire = i in faded
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), patchA=boxes[r].get_bbox_patch(),
                                     patchB=boxes[i].get_bbox_patch(), arrowstyle="-|>",
                                     mutation_scale=16, lw=1.4, color="#555555", shrinkA=1,
                                     shrinkB=1, zorder=4, alpha=0.3 if faded_wire else 1.0))
        # numbers in the middle of the bare wire right after the source's column, so that
        # wires skipping columns keep them clear of the boxes in between
        next_x = min((x for x in widest if x > x0 + 1e-9), default=x1)
        end = x1 - picture.widths[i] / 2 if x1 <= next_x + 1e-9 else next_x - widest[next_x] / 2
        middle = (x0 + picture.widths[r] / 2 + end) / 2
        t = min(1.0, max(0.0, (middle - x0) / max(x1 - x0, 1e-9)))
        lx, ly = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        for k, (label, colour) in enumerate(wire_text.get((r, i), ())[:2]):
            ax.annotate(label, (lx, ly), xytext=(0, 7 if k == 0 else -7), textcoords="offset points",
                        ha="center", va="bottom" if k == 0 else "top", fontsize=WIRE_FONT,
                        color=colour, zorder=5, fontweight="bold",
                        bbox=dict(boxstyle="square,pad=0.05", fc="white", ec="none", alpha=0.8))
    for k, o in enumerate(graph.outputs[:1]):
        x, y = positions[o]
        x1 = x + picture.widths[o] / 2 + OUTPUT_STUB
        ax.text(x1, y, f"${latex_name(picture.output_name)}$", ha="center", va="center",
                fontsize=NODE_FONT + 2, zorder=3)
        ax.add_patch(FancyArrowPatch((x, y), (x1, y), patchA=boxes[o].get_bbox_patch(),
                                     arrowstyle="-|>", mutation_scale=16, lw=1.4, color="#555555",
                                     shrinkA=1, shrinkB=12, zorder=4))
        for j, (label, colour) in enumerate((output_text or ())[:2]):
            ax.annotate(label, (x1 - OUTPUT_STUB / 2, y), xytext=(0, 7 if j == 0 else -7),
                        textcoords="offset points", ha="center", va="bottom" if j == 0 else "top",
                        fontsize=WIRE_FONT, color=colour, zorder=5, fontweight="bold")
    if title:
        ax.set_title(title, fontsize=NODE_FONT, loc="left")
    ax.set_axis_off()


def _renderable(mathtext, plain):
    """The mathtext label if matplotlib can typeset it, else the plain Unicode one."""
    from matplotlib.mathtext import MathTextParser
    try:
        MathTextParser("path").parse(mathtext)
    except ValueError:
        return plain
    return mathtext


def value_labels(picture):
    """Green values above every wire and on the output wire."""
    wires, out = {}, None
    if picture.values is not None:
        wires = {(r, i): [(short(picture.values[r]), VALUE_COLOUR)] for r, i in picture.wires_list()}
        out = [(short(picture.values[picture.graph.outputs[0]]), VALUE_COLOUR)]
    return wires, out


def gradient_labels(picture, wires, out):
    """Add the red adjoints below the wires; the fan-out sums and input gradients under nodes."""
    notes = {}
    if picture.adjoint is None:
        return wires, notes, out
    for key in picture.wires_list():
        label = short(picture.wires.get(key, ZERO))
        wires.setdefault(key, [("", VALUE_COLOUR)]).append((label, ADJOINT_COLOUR))
    for i, readers in enumerate(picture.consumers):
        if picture.graph.prims[i] is INPUT or len(readers) > 1:
            notes[i] = [(f"$\\bar{{w}}_{{{i + 1}}} = {short(picture.adjoint[i])}$", ADJOINT_COLOUR)]
    out = (out or [("", VALUE_COLOUR)]) + [(short(picture.adjoint[picture.graph.outputs[0]]),
                                            ADJOINT_COLOUR)]
    return wires, notes, out


def new_figure(picture, extra_width=0.0, extra_height=0.0):
    """A figure sized so one data unit is one inch, and the axes for the graph."""
    plt = _pyplot()
    width, height, xlim, ylim = picture.size()
    fig = plt.figure(figsize=(width + extra_width, height + extra_height))
    ax = fig.add_axes([0, 0, width / (width + extra_width), height / (height + extra_height)])
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return fig, ax


def draw(source, at=None, gradients=False, ax=None, highlight=None):
    """Draw the computational graph of ``source`` as a matplotlib Figure.

    Args:
        source: an expression string (``"(x + y)*z"``), a Graph, or a Python function (then
            ``at`` is required: the function is traced there).
        at: the point, ``{"x": -2, "y": 5, "z": -4}`` or values in input order. With a point,
            every wire shows the value flowing along it (green, above the wire).
        gradients: also run reverse mode and show the adjoint each wire carries back (red,
            below the wire), plus each input's gradient and each fan-out sum under its node.
        ax: draw into these axes instead of a new figure.
        highlight: node indices (0-based) or names (``"w3"``, an input name) to frame in orange.

    Returns:
        The matplotlib Figure (``fig.savefig("graph.png")``).

    >>> import adkit as ad
    >>> fig = ad.draw("x1*x2 + sin(x1)", at={"x1": 2.0, "x2": 5.0})
    >>> sorted(t.get_gid() for t in fig.axes[0].texts if t.get_gid())[2]
    'w3 = w1 · w2'
    """
    picture = Picture(source, at, gradients)
    wires, out = value_labels(picture)
    wires, notes, out = gradient_labels(picture, wires, out)
    title = picture.title
    if ax is None:
        fig, ax = new_figure(picture, extra_height=0.5)
        fig.text(0.02, 0.98, title, ha="left", va="top", fontsize=NODE_FONT)
        if picture.has_values:
            fig.text(0.98, 0.02, "values (forward)", color=VALUE_COLOUR, ha="right", va="bottom",
                     fontsize=WIRE_FONT - 2, fontweight="bold")
            if gradients:
                fig.text(0.98, 0.02 + 0.3 / fig.get_figheight(), "gradients (adjoints, backward)",
                         color=ADJOINT_COLOUR, ha="right", va="bottom", fontsize=WIRE_FONT - 2,
                         fontweight="bold")
        title = None
    else:
        fig = ax.figure
    render(ax, picture, wire_text=wires, node_notes=notes, output_text=out,
           highlight=_node_indices(picture.graph, highlight), title=title)
    return fig


def _node_indices(graph, highlight):
    """Node indices from ints, ``"w3"`` names or input names."""
    if highlight is None:
        return ()
    items = [highlight] if isinstance(highlight, (int, str)) else list(highlight)
    indices = []
    for item in items:
        if isinstance(item, numbers.Integral) and 0 <= item < len(graph):
            indices.append(int(item))
        elif isinstance(item, str) and item in graph.inputs:
            indices.append(graph.input_refs[graph.inputs.index(item)])
        elif isinstance(item, str) and re.fullmatch(r"w\d+", item) and 0 < int(item[1:]) <= len(graph):
            indices.append(int(item[1:]) - 1)
        else:
            raise ADError(f"draw: cannot highlight {item!r}; give node indices, 'w3'-style names "
                          f"or input names")
    return indices


def to_dot(source, at=None, gradients=False):
    """Graphviz text with the values (green) and adjoints (red) on the wires.

    Without a point this is :meth:`Graph.to_dot` (structure only).

    >>> print(to_dot("x*y", at={"x": 3.0, "y": 4.0}, gradients=True).splitlines()[6])
      n0 -> n2 [label=<<font color="#1b7837">3</font><br/><font color="#c0392b">4</font>>];
    """
    from adkit.printing import default_names
    picture = Picture(source, at, gradients, who="to_dot")
    graph = picture.graph
    names = default_names(graph)
    wires, out = value_labels(picture)
    wires, notes, out = gradient_labels(picture, wires, out)
    lines = ["digraph adkit {", "  rankdir=LR;",
             '  node [shape=box, style="rounded,filled", fillcolor="#f7f7f7", fontname="Helvetica"];']
    for i, prim in enumerate(graph.prims):
        label = _dot_escape(f"{names[i]} = {node_expression(graph, i, names)}")
        extra = ', fillcolor="#e8f1fb"' if prim is INPUT else ""
        lines.append(f'  n{i} [label="{label}"{extra}];')
        for r in dict.fromkeys(r for r in graph.refs[i] if r is not None):
            lines.append(f"  n{r} -> n{i}{_dot_label(wires.get((r, i)))};")
    for k, ref in enumerate(graph.outputs):
        lines.append(f'  out{k} [label="{_dot_escape(output_name(graph, k))}", shape=plaintext, '
                     f'style=""];')
        lines.append(f"  n{ref} -> out{k}{_dot_label(out if k == 0 else None)};")
    lines.append("}")
    return "\n".join(lines)


def _dot_escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dot_label(parts):
    if not parts:
        return ""
    html = "<br/>".join(f'<font color="{colour}">{_html(text)}</font>' for text, colour in parts if text)
    return f" [label=<{html}>]" if html else ""


def _html(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
