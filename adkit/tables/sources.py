"""What a table needs of its source: one output, the point (the source itself is read by adkit.sources)."""
import numpy as np

from adkit.core import ADError
from adkit.sources import as_graph, expression_text  # noqa: F401  (the one source normalizer)
from adkit.tracing import point_values


def graph_at(source, at, who):
    """``(graph, values)``: the source's graph with its values at ``at``, and the input values."""
    graph = as_graph(source, at, who)
    return graph, point_values(list(graph.inputs), at, who)


def single_output(graph, who):
    if len(graph.outputs) != 1:
        raise ADError(f"{who}: the graph has {len(graph.outputs)} outputs; tables show one "
                      f"(return one value)")
    return graph.outputs[0]


def at_point(graph, values):
    """A copy of ``graph`` with every node's value (and argument values) at the point."""
    with np.errstate(all="ignore"):
        return graph.at_point(values)
