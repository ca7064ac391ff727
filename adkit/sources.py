"""One source normalizer: an expression, a Graph or a Python function (at a point) -> a Graph.

Tables, drawings, ``check``, grading and the page all take a *source* and call
:func:`as_graph`, so a source means the same everywhere. The one input-naming rule: a
function's inputs are its positional parameters, in order; a parameter with a default
(``def f(x, y=2.0)``) is an input only when ``at`` gives it a value, otherwise the default is
used as a constant.

>>> def f(x, y=2.0):
...     return x * y
>>> as_graph(f, at={"x": 3.0}).inputs
('x',)
>>> g = as_graph(f, at={"x": 3.0, "y": 5.0})
>>> g.inputs, g.values[g.outputs[0]]
(('x', 'y'), 15.0)
>>> as_graph("x1*x2 + sin(x1)").inputs
('x1', 'x2')
"""
import numpy as np

from adkit.core import ADError
from adkit.graph import Graph, parameters
from adkit.tracing import point_values, start, finish, trace


def function_inputs(f, at, who="as_graph"):
    """``(names, values)`` of a function's inputs at ``at`` (values None when ``at`` is None).

    ``at`` is a dict name -> value or values in parameter order; parameters it does not give
    use their defaults (and are not inputs). A parameter without a default must be given.
    """
    params = parameters(f, who)
    if params is None:
        raise ADError(f"{who}: cannot read the parameters of {f!r:.40}")
    if at is None:
        return [name for name, default in params if not default], None
    if isinstance(at, dict):
        names = [name for name, default in params if not default or name in at]
    else:
        count = len(at) if isinstance(at, (list, tuple)) else 1
        names = [name for k, (name, default) in enumerate(params) if not default or k < count]
    return names, point_values(names, at, who)


def as_graph(source, at=None, who="as_graph", variables=None, strict=False):
    """The Graph of ``source``; with ``at`` its nodes carry their values at that point.

    Args:
        source: an expression string (parsed safely), a Graph, a Python function (traced at
            ``at``; without ``at`` traced on symbolic values: structure only, no branching on
            values) or a sympy expression.
        at: the point, a dict name -> value or values in input order (None: no values).
        who: the function name used in error messages.
        variables: for an expression, the input names in order (see :func:`adkit.parse`).
        strict: for an expression, a name in ``at`` that it does not use is an error (a typo in
            a drawing); by default it becomes an input too (a table row with derivative 0).
    """
    if type(source).__module__.startswith("sympy"):
        source = sympy_text(source)
    if isinstance(source, str):
        from adkit.parse import parse
        graph = parse(source, variables=variables)
        if not strict and isinstance(at, dict) and any(k not in graph.inputs for k in at):
            # a variable the expression does not use still gets a row (its derivative is 0)
            extra = [k for k in at if k not in graph.inputs and isinstance(k, str)]
            graph = parse(source, variables=list(graph.inputs) + extra)
    elif isinstance(source, Graph):
        graph = source
    elif callable(source):
        names, values = function_inputs(source, at, who)
        if values is None:
            return _structure(source, names, who)
        return trace(source, *values, names=names)
    else:
        raise ADError(f"{who}: expected an expression string, a Graph or a function, got "
                      f"{type(source).__name__}")
    if at is None:
        return graph
    with np.errstate(all="ignore"):
        return graph.at_point(point_values(list(graph.inputs), at, who))


def _structure(f, names, who):
    """Trace ``f`` on symbolic inputs: the graph of a straight-line function without a point."""
    graph = Graph(abstract=True)
    return finish(graph, f(*start(graph, names, [None] * len(names))), who)


def sympy_text(expr):
    """A sympy expression as text that :func:`adkit.parse` reads back (``E`` printed as ``e``).

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> sympy_text(sp.exp(x) * sp.E + sp.pi)
    'e*exp(x) + pi'
    """
    from sympy.printing.str import StrPrinter

    class _Printer(StrPrinter):
        def _print_Exp1(self, expr):
            return "e"

    return _Printer().doprint(expr)
