"""``tf.summary``: scalar summaries and the FileWriter (plain JSON-lines logs for ``adkit board``).

``tf.summary.scalar("loss", loss)`` is a node; running it (or ``tf.summary.merge_all()``) gives
a :class:`Summary` that ``writer.add_summary(summary, step)`` appends to the log.
``writer.add_graph(sess.graph)`` stores adkit's drawing of the graph (SVG and PNG).
"""
import io
import warnings

import numpy as np

from adkit.board import BoardLogger
from adkit.core import ADError
from adkit.tf1.framework import Graph, Tensor, get_default_graph, plain
from adkit.tf1.ops import as_tensor


class Summary:
    """The value of a summary node: ``(tag, number)`` pairs (TF1 serialises them as bytes)."""

    def __init__(self, values):
        self.values = list(values)

    def __repr__(self):
        return f"Summary({self.values!r})"


class SummaryOp(Tensor):
    kind = "summary"

    def compute(self, run, args):
        if self.type == "MergeSummary":
            return Summary(pair for s in args for pair in s.values)
        value = np.asarray(plain(args[0]))
        if value.size != 1:
            raise ADError(f"summary.scalar {self.params['tag']!r}: {self.inputs[0].op_name} has "
                          f"shape {value.shape}, not a single number")
        return Summary([(self.params["tag"], float(value.reshape(())))])


def scalar(name, tensor, collections=None, family=None):
    """A summary node logging one number under the tag ``name``."""
    node = SummaryOp(None, [as_tensor(tensor, who="summary.scalar")], name, "ScalarSummary",
                     None, (), {"tag": name})
    get_default_graph().collections["summaries"].append(node)
    return node


def merge(inputs, name=None):
    return SummaryOp(None, list(inputs), name, "MergeSummary", None, ())


def merge_all(key=None, name=None):
    """All summary nodes of the graph as one (None when there are none, as in TF1)."""
    nodes = list(get_default_graph().collections["summaries"])
    return merge(nodes, name) if nodes else None


class FileWriter:
    """``tf.summary.FileWriter(logdir, graph=None)``: a log folder for ``adkit board``."""

    def __init__(self, logdir, graph=None, **unused):
        self.logger = BoardLogger(logdir)
        self.logdir = self.logger.logdir
        if graph is not None:
            self.add_graph(graph)

    def add_summary(self, summary, global_step=None):
        if isinstance(summary, (bytes, str)) or not hasattr(summary, "values"):
            raise ADError(f"FileWriter.add_summary: expected the value of a summary node "
                          f"(sess.run(tf.summary.merge_all())), got {type(summary).__name__}")
        for tag, value in summary.values:
            self.logger.scalar(tag, value, global_step)

    def add_graph(self, graph, global_step=None):
        """Draw the graph (adkit's drawing, names as given) and store it with its node list."""
        graph = getattr(graph, "graph", graph)  # a Session is fine too
        if not isinstance(graph, Graph):
            raise ADError(f"FileWriter.add_graph: expected a tf1 graph (sess.graph), got "
                          f"{type(graph).__name__}")
        nodes = [{"name": n.op_name, "op": n.type,
                  "inputs": [i.op_name for i in n.inputs if isinstance(i, Tensor)]}
                 for n in graph.nodes]
        svg = png = None
        if any(n.kind == "op" for n in graph.nodes):
            try:
                fig = graph.draw()
            except (ADError, ValueError) as e:  # e.g. a placeholder of unknown rank into matmul
                warnings.warn(f"FileWriter.add_graph: the graph was logged without a drawing "
                              f"({str(e).splitlines()[0]}); give the placeholders shapes",
                              stacklevel=2)
            else:
                svg, png = io.StringIO(), io.BytesIO()
                fig.savefig(svg, format="svg")
                fig.savefig(png, format="png", dpi=100)
                svg, png = svg.getvalue(), png.getvalue()
        self.logger.add_graph(svg, png, nodes)

    def flush(self):
        self.logger.flush()

    def close(self):
        self.logger.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
