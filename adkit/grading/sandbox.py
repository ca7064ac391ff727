"""Symbolic steps under a hard wall-clock limit: run them in a worker process, kill it past the limit.

The worker and its limit are :func:`adkit.limits.run_limited`; this module sends graphs to it.

sympy's ``simplify`` can take seconds or run away on some inputs. Grading never lets it hang a
batch: the work runs in a child process (memory capped where the OS allows), the parent waits
at most ``timeout`` seconds for the answer on a pipe and otherwise kills the child. Graphs
cross the process boundary as plain data (primitive names, refs, constants), never as text, so
nothing a student typed is ever handed to sympy's parser.

>>> run_limited(pow, (2, 10), timeout=5)
1024
"""
from adkit.core import ADError
from adkit.graph import CONST, INPUT, Graph
from adkit.limits import MEMORY_LIMIT, WorkerTimeout, run_limited  # noqa: F401 (the one limiter)

__all__ = ["MEMORY_LIMIT", "WorkerTimeout", "run_limited", "graph_to_data", "graph_from_data",
           "symbolic_equal"]


def graph_to_data(graph):
    """A Graph as plain picklable data: primitive names instead of primitive objects."""
    return {
        "prims": [p.name for p in graph.prims],
        "refs": list(graph.refs),
        "argvals": [tuple(float(c) if isinstance(c, (int, float)) and c is not None else c
                          for c in argvals) for argvals in graph.argvals],
        "params": [dict(p) for p in graph.params],
        "outputs": list(graph.outputs),
    }


def graph_from_data(data):
    """Rebuild a Graph from :func:`graph_to_data` (primitives looked up in the table)."""
    from adkit.primitives import primitive
    graph = Graph(abstract=True)
    for name, refs, argvals, params in zip(data["prims"], data["refs"], data["argvals"],
                                           data["params"]):
        if name == INPUT.name:
            graph.add_input(params["name"])
        elif name == CONST.name:
            graph.add_node(CONST, (), (), params)
        else:
            graph.add_node(primitive(name), tuple(refs), tuple(argvals), params)
    graph.outputs.extend(data["outputs"])
    return graph


def _symbolic_difference_is_zero(expected_data, answer_data):
    import sympy as sp
    from adkit.symbolic import graph_to_sympy
    expected, answer = graph_from_data(expected_data), graph_from_data(answer_data)
    names = sorted(set(expected.inputs) | set(answer.inputs))
    symbols = {n: sp.Symbol(n, real=True) for n in names}
    difference = graph_to_sympy(expected, symbols) - graph_to_sympy(answer, symbols)
    return bool(sp.simplify(difference) == 0)


def symbolic_equal(expected, answer, timeout):
    """Do two graphs give the same expression? True/False, or None when sympy cannot tell in time."""
    try:
        return run_limited(_symbolic_difference_is_zero,
                           (graph_to_data(expected), graph_to_data(answer)), timeout)
    except ADError:
        return None
