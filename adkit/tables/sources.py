"""What a table needs of its source: one output, the point (the source itself is read by adkit.sources)."""
import numpy as np

from adkit import sources
from adkit.core import ADError
from adkit.graph import Graph
from adkit.printing import expression_text  # noqa: F401  (re-exported)
from adkit.tracing import point_values


def as_graph(source, at=None, who="table"):
    """``(graph, values)`` as before this wave (values None without ``at``; a function without
    ``at`` gives ``(None, its input names)``). New code calls :func:`adkit.sources.as_graph`."""
    if at is not None:
        return graph_at(source, at, who)
    if callable(source) and not isinstance(source, Graph):
        return None, sources.function_inputs(source, None, who)[0]
    return sources.as_graph(source, None, who), None


def graph_at(source, at, who):
    """``(graph, values)``: the source's graph with its values at ``at``, and the input values."""
    graph = sources.as_graph(source, at, who)
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
