"""Table sources: an expression, a Graph, a Python function (or a sympy expression), at a point."""
import inspect

import numpy as np

from adkit.core import ADError
from adkit.graph import INPUT, Graph
from adkit.tracing import point_values, trace


def _parameter_names(f, who):
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        raise ADError(f"{who}: cannot read the parameters of {f!r:.40}") from None
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        raise ADError(f"{who}: {getattr(f, '__name__', 'f')} takes *args; give a function with "
                      f"named parameters")
    return [p.name for p in params if p.default is p.empty
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def as_graph(source, at=None, who="table"):
    """``(graph, values)`` for a source at a point; ``values`` is None when ``at`` is None.

    source: an expression string (parsed safely), a Graph, a Python function (traced at ``at``;
    its parameter names are the input names) or a sympy expression.
    """
    from adkit.parse import parse
    if type(source).__module__.startswith("sympy"):
        from adkit.symbolic import sympy_text
        source = sympy_text(source)
    if isinstance(source, str):
        graph = parse(source)
        if isinstance(at, dict) and any(k not in graph.inputs for k in at):
            # a variable the expression does not use still gets a row (its derivative is 0)
            extra = [k for k in at if k not in graph.inputs and isinstance(k, str)]
            graph = parse(source, variables=list(graph.inputs) + extra)
    elif isinstance(source, Graph):
        graph = source
    elif callable(source):
        names = _parameter_names(source, who)
        if at is None:
            return None, names
        values = point_values(names, at, who)
        return trace(source, *values, names=names), values
    else:
        raise ADError(f"{who}: expected an expression string, a Graph or a function, got "
                      f"{type(source).__name__}")
    if at is None:
        return graph, None
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


def expression_text(graph, out, limit=160):
    """The output as one expression of the inputs (``x1 · x2 + sin x1``), or, when that would be
    longer than ``limit`` characters, a short stand-in. Lengths are estimated first: printing
    x·x squared fifty times in full would take 2⁵⁰ characters."""
    from adkit.graph import CONST
    from adkit.printing import inline_expressions
    length = []
    for i, (prim, refs, argvals, params) in enumerate(graph.nodes):
        if prim is INPUT:
            length.append(len(params["name"]))
        elif prim is CONST:
            length.append(8)
        else:
            length.append(8 + sum(8 if r is None else length[r] for r in refs))
    if length[out] > limit:
        return f"f({', '.join(graph.inputs)}) ({len(graph.operations())} operations)"
    return inline_expressions(graph)[out]
