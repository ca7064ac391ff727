"""Drawing computational graphs with matplotlib: equations in the nodes, values and adjoints on the wires.

The layout is layered and deterministic: inputs on the left, the output on the right, each node
in the column of its longest path from an input. Forward values are written above each wire
(green) and, with ``gradients=True``, the adjoint that flows back along the wire below it (red),
as in the CS231n circuit pictures. A node read by several others gets one red number per wire,
and their sum under the node: the fan-out sum of reverse mode.

>>> import adkit as ad
>>> fig = ad.draw(lambda x, y, z: (x + y) * z, at={"x": -2, "y": 5, "z": -4}, gradients=True)
>>> [t.get_text() for t in fig.axes[0].texts if "w_4 =" in t.get_text()]
['$w_4 = w_1 + w_2$']

matplotlib is imported only when a drawing is made, through its object-oriented API
(``matplotlib.figure.Figure``): drawing never chooses or changes the user's backend, works on a
headless machine, and a Figure shows inline in Jupyter. Graphs above :data:`MAX_DRAWN_NODES`
nodes are refused with a message (a drawing that size is unreadable and slow).
"""
import numbers
import re

import numpy as np

from adkit.core import ADError, ZERO, shape_of
from adkit.graph import CONST, INPUT, Graph
from adkit.printing import (default_names, format_number, inline_expressions, latex_name,
                             node_expression, output_name)
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
CROSSING_ROOM = 0.6  # more wire in a gap for each pair of wires crossing there (up to two)
OUTPUT_STUB = 1.6  # inches of wire from the output's box to its name
MAX_DRAWN_NODES = 60  # larger graphs are unreadable as drawings: refused with a message


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


def node_labels(graph, style="latex"):
    """Each node's equation: ``$w_3 = w_1 \\cdot w_2$`` (style "latex", for mathtext) or
    ``w3 = w1 · w2`` (style "text")."""
    names = default_names(graph, style="text" if style == "text" else "latex")
    tags = getattr(graph, "node_names", {})  # names a builder gave its nodes (tf1's name=)
    if style == "text":
        return [(f"{tags[i]}: " if i in tags else "") + f"{names[i]} = {node_expression(graph, i, names)}"
                for i in range(len(graph))]
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
    """Positions ``(x, y)`` in inches of every node (see :func:`layout`)."""
    return layout(graph, widths)[0]


def layout(graph, widths=None):
    """``(positions, routes)``: where each node sits and the bends of each wire, in inches.

    Column = longest path from an input, one plain loop: every operation one column right of
    its furthest argument, the outputs in the last column; inputs in column 0 in input order,
    unless all their readers sit three or more columns right (a long sum: x7 beside its adder).
    A wire that skips columns gets a waypoint in each column it passes (a slot of its own, as a
    node would have), so it never runs through a box and its numbers have room: ``routes`` maps
    ``(source, reader)`` to the waypoints between them (empty for neighbouring columns).
    Within a column, nodes and waypoints are placed near the mean height of what feeds them
    (ties keep recording order), so a chain stays straight. Columns are LAYER_GAP apart, or
    further when their widest boxes (``widths``, inches per node) would leave less than
    WIRE_ROOM of wire between them (more where many wires leave a column: their numbers need
    room to spread).
    """
    column = _columns(graph)
    last = max(column, default=0)
    members, feeds = _slots(graph, column, last)
    y = _heights(members, feeds)
    column_x = _column_x(graph, column, last, members, widths, y)
    positions = [(column_x[column[i]], y[i]) for i in range(len(graph))]
    routes = {}
    for i, refs in enumerate(graph.refs):
        for r in dict.fromkeys(r for r in refs if r is not None):
            routes[(r, i)] = [(column_x[c], y[(r, i, c)]) for c in range(column[r] + 1, column[i])]
    return positions, routes


def _columns(graph):
    """Each node's column: one right of its furthest argument; outputs last; a far-read input
    beside its first reader."""
    column = [0] * len(graph)
    for i, (prim, refs) in enumerate(zip(graph.prims, graph.refs)):
        if prim is INPUT or prim is CONST:
            continue
        column[i] = 1 + max((column[r] for r in refs if r is not None), default=0)
    last = max(column, default=0)
    for o in graph.outputs:
        if graph.prims[o] is not INPUT:
            column[o] = last
    readers = graph.consumers()
    for i in graph.input_refs:  # an input read only far right waits beside its first reader
        first = min((column[j] for j in readers[i]), default=0)
        if first >= 3:  # (one column of wire is fine: the slides keep their inputs left)
            column[i] = first - 1
    return column


def _slots(graph, column, last):
    """``(members, feeds)``: each column's slots (real nodes by index, waypoints as
    ``(source, reader, column)``) and what feeds each slot."""
    members = [[] for _ in range(last + 1)]
    feeds = {}
    for i in range(len(graph)):
        members[column[i]].append(i)
        feeds[i] = []
    for i, refs in enumerate(graph.refs):
        for r in dict.fromkeys(r for r in refs if r is not None):
            previous = r
            for c in range(column[r] + 1, column[i]):
                slot = (r, i, c)
                members[c].append(slot)
                feeds[slot] = [previous]
                previous = slot
            feeds[i].append(previous)
    return members, feeds


def _heights(members, feeds):
    """Each slot's height: near the mean height of what feeds it, ROW_GAP apart in a column."""
    y = {}
    for c, slots in enumerate(members):
        if not slots:
            continue
        wanted = {}
        for k, slot in enumerate(slots):
            parents = [y[p] for p in feeds[slot]]
            wanted[slot] = sum(parents) / len(parents) if parents and c else 0.0
        order = [slots[k] for k in sorted(range(len(slots)), key=lambda k: (-wanted[slots[k]], k))]
        if c == 0:
            placed = [((len(order) - 1) / 2 - rank) * ROW_GAP for rank in range(len(order))]
        else:  # each as near its wanted height as ROW_GAP allows, the column's mean kept
            placed = []
            for slot in order:
                placed.append(wanted[slot] if not placed else min(wanted[slot], placed[-1] - ROW_GAP))
            shift = (sum(wanted.values()) - sum(placed)) / len(placed)
            placed = [v + shift for v in placed]
        for slot, v in zip(order, placed):
            y[slot] = v
    return y


def _column_x(graph, column, last, members, widths, y):
    """Each column's x: LAYER_GAP apart, or more where wide boxes or many wires need room."""
    widest = [max((widths[i] for i in slots if isinstance(i, int)), default=0.0) if widths else 0.0
              for slots in members]
    # wires leaving a column carry their numbers in the gap after it: a busy gap gets wider,
    # and so does one where they cross (two wires' numbers then sit either side of the crossing)
    leaving = [[] for _ in range(last + 1)]
    for i, refs in enumerate(graph.refs):
        for r in dict.fromkeys(r for r in refs if r is not None):
            c = column[r]
            leaving[c].append((y[r], y[(r, i, c + 1)] if column[i] > c + 1 else y[i]))
    column_x = [0.0]
    for c in range(1, last + 1):
        wires = leaving[c - 1]
        crossings = sum((a0 - b0) * (a1 - b1) < 0 for k, (a0, a1) in enumerate(wires)
                        for b0, b1 in wires[k + 1:])
        room = WIRE_ROOM + 0.45 * max(0, len(wires) - 3) + CROSSING_ROOM * min(crossings, 2)
        column_x.append(column_x[-1] + max(LAYER_GAP, (widest[c - 1] + widest[c]) / 2 + room))
    return column_x


# -- drawing ------------------------------------------------------------------------------------

_FIGURE_CLASS = []  # made on first use, so that matplotlib is imported only when drawing


def new_blank_figure(figsize):
    """A matplotlib Figure made without pyplot: no backend is chosen or changed; it shows
    inline in Jupyter; ``fig.savefig`` writes PNG, SVG or PDF anywhere."""
    if not _FIGURE_CLASS:
        from matplotlib.figure import Figure

        class Drawing(Figure):
            """A Figure that displays itself in Jupyter (as PNG) without pyplot or a backend;
            where matplotlib's inline backend is active, its own display is used instead."""

            def _repr_png_(self):
                import io
                buffer = io.BytesIO()
                self.savefig(buffer, format="png")
                return buffer.getvalue()

        _FIGURE_CLASS.append(Drawing)
    return _FIGURE_CLASS[0](figsize=figsize)


def figure_svg(fig):
    """The figure as SVG text (no XML prologue), for pages and Jupyter."""
    import io
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)  # creator/date: no use inline
    return svg[svg.index("<svg"):]


def graph_svg(graph):
    """The drawing of a Graph as SVG text (Jupyter's ``_repr_svg_``); None when too large."""
    if len(graph) > MAX_DRAWN_NODES or not graph.outputs:
        return None
    try:
        return figure_svg(draw(graph))
    except ADError:  # a graph that cannot be drawn still shows its Wengert list
        return None


def graph_html(graph):
    """A Graph for Jupyter: its Wengert list beside its drawing (the list alone when large)."""
    import html
    listing = f"<pre style='margin:0'>{html.escape(str(graph))}</pre>"
    svg = graph_svg(graph)
    if svg is None:
        note = (f"<p><i>{len(graph)} nodes: too many to draw (the limit is {MAX_DRAWN_NODES})"
                f"</i></p>" if graph.outputs else "")
        return f"<div>{listing}{note}</div>"
    return ("<div style='display:flex;gap:1.5em;align-items:flex-start;flex-wrap:wrap'>"
            f"<div>{listing}</div><div style='max-width:100%'>{svg}</div></div>")


class Picture:
    """Everything one drawing needs, computed once: the graph, labels, layout, values, adjoints.

    The sweep animations reuse one Picture and change only which numbers are shown.
    """

    def __init__(self, source, at=None, gradients=False, who="draw"):
        self.graph = as_graph(source, at, who)
        graph = self.graph
        if not graph.outputs:
            raise ADError(f"{who}: the graph has no output")
        if len(graph) > MAX_DRAWN_NODES:
            raise ADError(f"{who}: the graph has {len(graph)} nodes; drawings stay readable up to "
                          f"{MAX_DRAWN_NODES} (draw a smaller part, or use g.to_dot() / adkit "
                          f"trace for the whole graph)")
        self.labels = node_labels(graph)
        self.text_labels = node_labels(graph, "text")
        self.widths = [label_width(text) for text in self.text_labels]
        self.positions, self.routes = layout(graph, self.widths)
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
        ys = [y for _, y in self.positions] + [y for bends in self.routes.values() for _, y in bends]
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
    positions = picture.positions
    wire_text = wire_text or {}
    node_notes = node_notes or {}
    highlight, faded = set(highlight), set(faded)
    widest = {}  # column x -> its widest box
    for (x, _), width in zip(positions, picture.widths):
        widest[x] = max(widest.get(x, 0.0), width)
    boxes, taken = _draw_nodes(ax, picture, node_notes, highlight, faded)
    paths = {(r, i): [positions[r]] + picture.routes.get((r, i), []) + [positions[i]]
             for r, i in picture.wires_list()}
    segments = [(p, q) for points in paths.values() for p, q in zip(points, points[1:])]
    for r, i in picture.wires_list():
        points = paths[(r, i)]
        alpha = 0.3 if i in faded else 1.0
        for k in range(len(points) - 1):  # one patch per bend; only the last has the arrowhead
            last = k == len(points) - 2
            wire = ax.add_patch(FancyArrowPatch(
                points[k], points[k + 1], patchA=boxes[r].get_bbox_patch() if k == 0 else None,
                patchB=boxes[i].get_bbox_patch() if last else None,
                arrowstyle="-|>" if last else "-", mutation_scale=16, lw=1.4, color="#555555",
                shrinkA=1 if k == 0 else 0, shrinkB=1 if last else 0, zorder=4, alpha=alpha))
            # the SVG's element ids: pages light a wire up by them
            wire.set_gid(f"wire-{r}-{i}" if last else f"wire-{r}-{i}-part{k}")
        labels = wire_text.get((r, i), ())[:2]
        if not labels:
            continue
        start = points[0][0] + picture.widths[r] / 2
        lx, ly = _label_spot(points[0], points[1], start,
                             points[1][0] - widest.get(points[1][0], picture.widths[i]) / 2,
                             [text for text, _ in labels], taken,
                             _crossings(points[0], points[1], segments))
        for k, (label, colour) in enumerate(labels):
            ax.annotate(label, (lx, ly), xytext=(0, 7 if k == 0 else -7), textcoords="offset points",
                        ha="center", va="bottom" if k == 0 else "top", fontsize=WIRE_FONT,
                        color=colour, zorder=5, fontweight="bold",
                        bbox=dict(boxstyle="square,pad=0.05", fc="white", ec="none", alpha=0.8))
    _draw_output(ax, picture, boxes, output_text)
    if title:
        ax.set_title(title, fontsize=NODE_FONT, loc="left")
    ax.set_axis_off()


def _draw_nodes(ax, picture, node_notes, highlight, faded):
    """Each node's box (and its notes); returns the boxes and the rectangles they take."""
    graph, positions = picture.graph, picture.positions
    outputs = set(graph.outputs)
    boxes = []
    taken = [_box(x, y, width + 0.1, 0.5) for (x, y), width in zip(positions, picture.widths)]
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
            taken.append(_box(x, y - 0.5 - 0.3 * k - 0.13, _text_width(note), 0.28))
    return boxes, taken


def _draw_output(ax, picture, boxes, output_text):
    """The wire from the output's box to its name, with ``output_text`` on it."""
    from matplotlib.patches import FancyArrowPatch
    graph, positions = picture.graph, picture.positions
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


def _box(x, y, width, height):
    """A rectangle (left, right, bottom, top) in inches around the centre (x, y)."""
    return (x - width / 2, x + width / 2, y - height / 2, y + height / 2)


def _text_width(text):
    """Estimated width in inches of a wire number or note (bold, WIRE_FONT; mathtext shorter)."""
    plain = re.sub(r"[\\${}_]|\\bar|\\langle|\\rangle", "", text)
    return 0.1 + len(plain) * WIRE_FONT * 0.62 / 72


# where along a stretch of wire its numbers may sit: the middle first, then outwards
FRACTIONS = sorted((k / 20 for k in range(21)), key=lambda f: (abs(f - 0.5), f))


def _crossings(a, b, segments):
    """The x of every point where another wire's segment crosses the segment a→b."""
    (x0, y0), (x1, y1) = a, b
    found = []
    for (u0, v0), (u1, v1) in segments:
        if a in ((u0, v0), (u1, v1)) or b in ((u0, v0), (u1, v1)):
            continue  # a wire from the same box or into the same box: they meet, not cross
        d = (x1 - x0) * (v1 - v0) - (y1 - y0) * (u1 - u0)
        if abs(d) < 1e-12:
            continue
        t = ((u0 - x0) * (v1 - v0) - (v0 - y0) * (u1 - u0)) / d
        s = ((u0 - x0) * (y1 - y0) - (v0 - y0) * (x1 - x0)) / d
        if 0 < t < 1 and 0 < s < 1:
            found.append(x0 + t * (x1 - x0))
    return found


def _label_spot(a, b, start, end, texts, taken, crossings=()):
    """Where on the stretch of wire a→b between x = start and x = end the numbers go.

    The middle if it is free, else the first free spot of a few along the stretch (else the
    least crowded); the numbers' rectangle (one above the wire, one below) joins ``taken``.
    The numbers stay between the boxes: their centre moves over the stretch less their width;
    and off the points where other wires cross this one (the crossing wire's numbers would
    want that spot too).
    """
    (x0, y0), (x1, y1) = a, b
    width = max(_text_width(t) for t in texts)
    line = (WIRE_FONT + 2) / 72  # inches of one line of numbers
    below = line + 0.1 if len(texts) > 1 else 0.0
    low, high = start + width / 2, end - width / 2
    if low > high:  # a stretch narrower than the numbers: its middle
        low = high = (start + end) / 2
    spots = [low + fraction * (high - low) for fraction in FRACTIONS]
    spots.sort(key=lambda x: any(abs(x - c) < width / 2 + 0.1 for c in crossings))  # stable
    best = None
    for x in spots:
        t = min(1.0, max(0.0, (x - x0) / max(x1 - x0, 1e-9)))
        x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        rect = (x - width / 2, x + width / 2, y - below, y + line + 0.1)
        crowd = sum(_intersection(rect, other) for other in taken)
        if best is None or crowd < best[0] - 1e-9:
            best = (crowd, x, y, rect)
        if crowd == 0:
            break
    taken.append(best[3])
    return best[1], best[2]


def _intersection(p, q):
    """Area in square inches where the rectangles p and q overlap."""
    w = min(p[1], q[1]) - max(p[0], q[0])
    h = min(p[3], q[3]) - max(p[2], q[2])
    return w * h if w > 0 and h > 0 else 0.0


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
    names = default_names(picture.graph, "latex")
    letter = names[0][0] if names else "w"
    for key in picture.wires_list():
        label = short(picture.wires.get(key, ZERO))
        wires.setdefault(key, [("", VALUE_COLOUR)]).append((label, ADJOINT_COLOUR))
    for i, readers in enumerate(picture.consumers):
        if picture.graph.prims[i] is INPUT or len(readers) > 1:
            bar = f"\\bar{{{letter}}}" + names[i][1:]
            notes[i] = [(f"${bar} = {short(picture.adjoint[i])}$", ADJOINT_COLOUR)]
    out = (out or [("", VALUE_COLOUR)]) + [(short(picture.adjoint[picture.graph.outputs[0]]),
                                            ADJOINT_COLOUR)]
    return wires, notes, out


def new_figure(picture, extra_width=0.0, extra_height=0.0):
    """A figure sized so one data unit is one inch, and the axes for the graph."""
    width, height, xlim, ylim = picture.size()
    fig = new_blank_figure((width + extra_width, height + extra_height))
    ax = fig.add_axes([0, 0, width / (width + extra_width), height / (height + extra_height)])
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return fig, ax


def draw(source, at=None, gradients=False, ax=None, highlight=None, *, size=None, font_scale=1.0,
         legend=True):
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
        size: ``(width, height)`` in inches: the drawing is scaled to fit, centred.
        font_scale: every text (and with it every box and gap) this many times larger.
        legend: a legend of the colours (input, operation, output; values, adjoints).

    Returns:
        The matplotlib Figure (``fig.savefig("graph.png")``; in Jupyter it shows inline). It is
        made without pyplot, so no backend is chosen or changed.

    >>> import adkit as ad
    >>> fig = ad.draw("x1*x2 + sin(x1)", at={"x1": 2.0, "x2": 5.0})
    >>> sorted(t.get_gid() for t in fig.axes[0].texts if t.get_gid())[2]
    'w3 = w1 · w2'
    """
    if not (isinstance(font_scale, numbers.Real) and 0.2 <= font_scale <= 5):
        raise ADError(f"draw: font_scale must be a number from 0.2 to 5, got {font_scale!r}")
    picture = Picture(source, at, gradients)
    wires, out = value_labels(picture)
    wires, notes, out = gradient_labels(picture, wires, out)
    title = picture.title
    if ax is None:
        fig, ax = new_figure(picture, extra_height=0.5 + (0.45 if legend else 0.0))
        fig.text(0.02, 0.98, title, ha="left", va="top", fontsize=NODE_FONT)
        if legend:
            _legend(fig, picture, gradients)
        title = None
    else:
        fig = ax.figure
    render(ax, picture, wire_text=wires, node_notes=notes, output_text=out,
           highlight=_node_indices(picture.graph, highlight), title=title)
    if size is not None or font_scale != 1.0:
        scale_figure(fig, size, font_scale)
    return fig


def _legend(fig, picture, gradients):
    """One line at the bottom: what the box fills and the number colours mean."""
    from matplotlib.patches import Patch
    handles = [Patch(fc=NODE_FILL["input"], ec="#444444", label="input"),
               Patch(fc=NODE_FILL["op"], ec="#444444", label="operation"),
               Patch(fc=NODE_FILL["output"], ec="#444444", label="output")]
    if picture.has_values:
        handles.append(Patch(color=VALUE_COLOUR, label="values (forward)"))
    if gradients:
        handles.append(Patch(color=ADJOINT_COLOUR, label="gradients (adjoints, backward)"))
    fig.legend(handles=handles, loc="lower right", ncol=len(handles), frameon=False,
               fontsize=WIRE_FONT - 2, handlelength=1.2, columnspacing=1.2,
               bbox_to_anchor=(1.0, 0.0))


def scale_figure(fig, size=None, font_scale=1.0):
    """Scale a finished drawing: fonts by ``font_scale``, then the whole picture to fit ``size``.

    Every length of a drawing is in inches of the figure or in points of its fonts, so scaling
    the figure and every font by one factor scales the picture uniformly (nothing new overlaps).
    """
    width, height = fig.get_size_inches()
    factor = font_scale
    if size is not None:
        try:
            target = (float(size[0]), float(size[1]))
        except (TypeError, ValueError, IndexError):
            raise ADError(f"draw: size must be (width, height) in inches, got {size!r}") from None
        if not all(0.5 <= v <= 200 for v in target):
            raise ADError(f"draw: size must be 0.5 to 200 inches each way, got {size!r}")
        factor = min(target[0] / width, target[1] / height)
    else:
        target = (width * factor, height * factor)
    from matplotlib.text import Annotation
    for text in fig.findobj(lambda artist: hasattr(artist, "get_fontsize")):
        text.set_fontsize(text.get_fontsize() * factor)
        if isinstance(text, Annotation) and text.get_anncoords() == "offset points":
            text.xyann = (text.xyann[0] * factor, text.xyann[1] * factor)
    for ax in fig.axes:  # keep one data unit the same number of inches both ways (centred)
        box = ax.get_position()
        ax.set_position([0.5 - (0.5 - box.x0) * width * factor / target[0],
                         0.5 - (0.5 - box.y0) * height * factor / target[1],
                         box.width * width * factor / target[0],
                         box.height * height * factor / target[1]])
    fig.set_size_inches(*target)
    return fig


def _node_indices(graph, highlight):
    """Node indices from ints, ``"w3"`` names or input names."""
    if highlight is None:
        return ()
    items = [highlight] if isinstance(highlight, (int, str)) else list(highlight)
    names = default_names(graph)
    indices = []
    for item in items:
        if isinstance(item, numbers.Integral) and 0 <= item < len(graph):
            indices.append(int(item))
        elif isinstance(item, str) and item in graph.inputs:
            indices.append(graph.input_refs[graph.inputs.index(item)])
        elif isinstance(item, str) and item in names:
            indices.append(names.index(item))
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
    from adkit.printing import graph_to_dot
    picture = Picture(source, at, gradients, who="to_dot")
    wires, out = value_labels(picture)
    wires, notes, out = gradient_labels(picture, wires, out)
    return graph_to_dot(picture.graph, wires, out)
