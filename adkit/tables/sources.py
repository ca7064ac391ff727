"""What a table needs of its source: one output, the point (the source itself is read by adkit.sources)."""
from adkit import sources
from adkit.core import ADError
from adkit.tracing import point_values


def graph_at(source, at, who):
    """``(graph, values)``: the source's graph with its values at ``at`` (through the one source
    normalizer, :func:`adkit.sources.as_graph`), and the input values."""
    graph = sources.as_graph(source, at, who)
    return graph, point_values(list(graph.inputs), at, who)


def single_output(graph, who):
    if len(graph.outputs) != 1:
        raise ADError(f"{who}: the graph has {len(graph.outputs)} outputs; tables show one "
                      f"(return one value)")
    return graph.outputs[0]
