"""Sweep animations: tangents (forward) or adjoints (reverse) appearing node by node.

Each frame shows the graph beside the table as it grows; a sweep is saved as numbered PNGs and
as a GIF (matplotlib's PillowWriter).

>>> from adkit.animate import save_sweep
>>> paths = save_sweep("x1*x2 + sin(x1)", at={"x1": 2.0, "x2": 5.0}, mode="reverse",
...                    gif="reverse.gif")                                    # doctest: +SKIP

Every frame is drawn by :func:`adkit.draw.render` from one :class:`~adkit.draw.Picture`; the
rows come from :func:`adkit.tables.forward_table` / :func:`~adkit.tables.reverse_table`, so the
animation shows exactly the numbers and formulas of the printed tables.
"""
from pathlib import Path

from adkit.core import ADError
from adkit.draw import (ADJOINT_COLOUR, NODE_FONT, TANGENT_COLOUR, VALUE_COLOUR, Picture,
                        new_blank_figure, render, short, wire_adjoints, adjoints)

TABLE_WIDTH = 6.0   # inches beside the graph
ROW_HEIGHT = 0.42   # inches per table row
TITLE_HEIGHT = 0.9  # inches above the graph for the two title lines
DERIVATIVE_COLUMN = 0.44  # where the derivative column starts, as a fraction of the table


class Sweep:
    """The frames of one sweep: ``len(sweep)`` frames, ``sweep.draw(fig, k)`` draws frame k.

    Args:
        source: an expression string, a Graph or a Python function.
        at: the point (required).
        mode: ``"forward"`` or ``"reverse"``.
        seed: forward mode: the input to differentiate by (default: the first input).
    """

    def __init__(self, source, at=None, mode="forward", seed=None):
        from adkit.tables import forward_table, reverse_table
        if mode not in ("forward", "reverse"):
            raise ADError(f"animate: mode must be 'forward' or 'reverse', not {mode!r}")
        self.mode = mode
        self.picture = Picture(source, at, gradients=(mode == "reverse"), who="animate")
        if not self.picture.has_values:
            raise ADError("animate: a sweep is animated at a point: give at={...}")
        graph = self.picture.graph
        point = {name: graph.values[r] for name, r in zip(graph.inputs, graph.input_refs)}
        if mode == "forward":
            self.table = forward_table(graph, at=point, seed=seed)
        else:
            self.table = reverse_table(graph, at=point)
            if self.picture.wires is None:
                self.picture.adjoint = adjoints(graph)
                self.picture.wires = wire_adjoints(graph, self.picture.adjoint)
        self.rows = list(self.table.rows)

    def __len__(self):
        return len(self.rows)

    def figure_size(self):
        width, height, _, _ = self.picture.size()
        lines = len(self.rows) + 1.5 + 1.2 * len(self.table.result_lines) + 0.5
        return width + TABLE_WIDTH, max(height, ROW_HEIGHT * lines) + TITLE_HEIGHT

    def new_figure(self):
        return new_blank_figure(self.figure_size())

    def figure(self, k=-1):
        """One frame as a static figure of its own (default: the last, the whole table); a
        static figure says which sweep it shows, not "step 5 of 5"."""
        fig = self.new_figure()
        self.draw(fig, k % len(self), counter=False)
        return fig

    def draw(self, fig, k, counter=True):
        """Draw frame ``k`` (0-based: after row k of the table) on ``fig`` (cleared first);
        ``counter`` adds "(step k of n)" to the heading, for animations."""
        fig.clear()
        picture = self.picture
        width, height, xlim, ylim = picture.size()
        fig_width, fig_height = fig.get_figwidth(), fig.get_figheight()
        bottom = max(0.0, (fig_height - TITLE_HEIGHT - height) / 2)  # centred below the title
        graph_ax = fig.add_axes([0, bottom / fig_height, width / fig_width,
                                 min(height, fig_height - TITLE_HEIGHT) / fig_height])
        graph_ax.set_xlim(*xlim)
        graph_ax.set_ylim(*ylim)
        done = [row.node for row in self.rows[:k + 1]]
        current = self.rows[k].node
        wires, notes, out = self._labels(set(done))
        faded = [i for i in range(len(picture.graph)) if i not in done] if self.mode == "forward" else []
        render(graph_ax, picture, wire_text=wires, node_notes=notes, highlight=[current],
               faded=faded, output_text=out)
        what = "Forward sweep: tangents" if self.mode == "forward" else "Reverse sweep: adjoints"
        step = f"   (step {k + 1} of {len(self)})" if counter else ""
        fig.text(0.015, 1 - 0.12 / fig_height, f"{what}{step}",
                 ha="left", va="top", fontsize=NODE_FONT, fontweight="bold")
        fig.text(0.015, 1 - 0.5 / fig_height, picture.title, ha="left", va="top", fontsize=NODE_FONT - 2)
        self._draw_table(fig, k, width / fig_width)

    def _labels(self, done):
        picture, graph = self.picture, self.picture.graph
        wires, notes = {}, {}
        values = picture.values
        if self.mode == "forward":
            tangent = {row.node: row.value for row in self.rows}
            for r, i in picture.wires_list():
                if r in done:
                    wires[(r, i)] = [(short(values[r]), VALUE_COLOUR),
                                     (short(tangent[r]), TANGENT_COLOUR)]
            for row in self.rows:
                if row.node in done:
                    notes[row.node] = [(f"${row.latex[0]} = {_latex_number(row.value)}$", TANGENT_COLOUR)]
            out_node = graph.outputs[0]
            out = ([(short(values[out_node]), VALUE_COLOUR),
                    (short(tangent[out_node]), TANGENT_COLOUR)] if out_node in done else None)
            return wires, notes, out
        # reverse: values everywhere (the forward pass ran first); a node's adjoint, and the
        # share each of its wires carried back, appear when its row is reached
        for r, i in picture.wires_list():
            wires[(r, i)] = [(short(values[r]), VALUE_COLOUR)]
            if r in done:
                wires[(r, i)].append((short(picture.wires.get((r, i))), ADJOINT_COLOUR))
        for row in self.rows:
            if row.node in done:
                notes[row.node] = [(f"${row.latex[0]} = {_latex_number(row.value)}$", ADJOINT_COLOUR)]
        out_node = graph.outputs[0]
        out = [(short(values[out_node]), VALUE_COLOUR), ("1", ADJOINT_COLOUR)]
        return wires, notes, out

    def _draw_table(self, fig, k, left):
        ax = fig.add_axes([left, 0.0, 1 - left, 1 - TITLE_HEIGHT / fig.get_figheight()])
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        height = fig.get_figheight() - TITLE_HEIGHT
        step = ROW_HEIGHT / height
        colour = TANGENT_COLOUR if self.mode == "forward" else ADJOINT_COLOUR
        ax.text(0.02, 1 - step * 0.5, "value", fontsize=NODE_FONT - 3, color="#666666", va="center")
        ax.text(DERIVATIVE_COLUMN, 1 - step * 0.5, "derivative", fontsize=NODE_FONT - 3,
                color="#666666", va="center")
        for j, row in enumerate(self.rows[:k + 1]):
            y = 1 - step * (j + 1.5)
            current = j == k
            equation = row.latex[2][0] if self.mode == "forward" else " , ".join(row.latex[2])
            ax.text(0.02, y, f"${equation}$", fontsize=NODE_FONT - 3, va="center",
                    color="#222222" if current else "#555555")
            derivative = f"${row.latex[0]} = {row.latex[1]}$"
            ax.text(DERIVATIVE_COLUMN, y, derivative, fontsize=NODE_FONT - 2, va="center", color=colour,
                    fontweight="bold" if current else "normal")
            ax.text(0.98, y, short(row.value), fontsize=NODE_FONT - 2, va="center", ha="right",
                    color=colour, fontweight="bold" if current else "normal")
            if current:
                ax.axhspan(y - step / 2, y + step / 2, xmin=0.0, xmax=1.0, color="#fff3d6", zorder=0)
        if k == len(self.rows) - 1:
            y = 1 - step * (k + 2.9)
            for line, (text, latex) in enumerate(self.table.result_lines[:3]):
                ax.text(0.02, y - 1.2 * line * step, f"${latex}$", fontsize=NODE_FONT - 1,
                        va="center", color=colour)


def _latex_number(value):
    text = short(value)
    return text.replace("⟨", r"\langle ").replace("⟩", r"\rangle ").replace("×", r"\times ")


def save_sweep(source, at=None, mode="forward", seed=None, gif=None, frames_dir=None, dpi=80,
               seconds_per_frame=1.2):
    """Write a sweep as a GIF and/or numbered PNGs (``frames_dir/forward-01.png``, …).

    Returns the list of files written. The last frame is held three times as long.
    """
    from matplotlib.animation import PillowWriter
    if gif is None and frames_dir is None:
        raise ADError("animate: say where to write the sweep: gif=... and/or frames_dir=...")
    sweep = Sweep(source, at, mode, seed)
    fig = sweep.new_figure()
    written = []
    if frames_dir is not None:
        frames_dir = Path(frames_dir)
        frames_dir.mkdir(parents=True, exist_ok=True)
    writer = PillowWriter(fps=1.0 / seconds_per_frame) if gif is not None else None
    if writer is not None:
        writer.setup(fig, str(gif), dpi=dpi)
    try:
        for k in range(len(sweep)):
            sweep.draw(fig, k)
            if frames_dir is not None:
                path = frames_dir / f"{mode}-{k + 1:02d}.png"
                fig.savefig(path, dpi=dpi * 1.25)
                written.append(path)
            if writer is not None:
                for _ in range(3 if k == len(sweep) - 1 else 1):
                    writer.grab_frame()
    finally:
        if writer is not None:
            writer.finish()
            written.append(Path(gif))
    return written
