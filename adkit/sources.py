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
>>> as_graph(f, at={"x": 3.0, "y": 5.0})()
15.0
>>> as_graph("x1*x2 + sin(x1)").inputs
('x1', 'x2')
"""
import inspect

import numpy as np

from adkit.core import ADError
from adkit.graph import CONST, INPUT, Graph
from adkit.tracing import point_values, start, finish, trace


def function_inputs(f, at, who="as_graph"):
    """``(names, values)`` of a function's inputs at ``at`` (values None when ``at`` is None).

    ``at`` is a dict name -> value or values in parameter order; parameters it does not give
    use their defaults (and are not inputs). A parameter without a default must be given.
    """
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        raise ADError(f"{who}: cannot read the parameters of {f!r:.40}") from None
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        raise ADError(f"{who}: {getattr(f, '__name__', 'f')} takes *args; give a function with "
                      f"named parameters")
    params = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if at is None:
        return [p.name for p in params if p.default is p.empty], None
    if isinstance(at, dict):
        names = [p.name for p in params if p.default is p.empty or p.name in at]
    else:
        count = len(at) if isinstance(at, (list, tuple)) else 1
        names = [p.name for k, p in enumerate(params) if p.default is p.empty or k < count]
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


def expression_text(graph, out, limit=160):
    """The output as one expression of the inputs (``x1 · x2 + sin x1``), or, when that would be
    longer than ``limit`` characters, a short stand-in. Lengths are estimated first: printing
    x·x squared fifty times in full would take 2⁵⁰ characters."""
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


# ---------------------------------------------------------------------------------------------
# check: forward mode, reverse mode and sympy, side by side
# ---------------------------------------------------------------------------------------------

class SympyTimeout(ADError):
    """sympy took longer than the time limit."""


class _TimeLimit:
    """Stop a sympy step after ``seconds`` (with SIGALRM; only in the main thread on Unix,
    elsewhere the step runs unbounded)."""

    def __init__(self, seconds, what):
        self.seconds = seconds
        self.what = what
        self.armed = False

    def __enter__(self):
        import signal
        import threading
        if (self.seconds and hasattr(signal, "setitimer")
                and threading.current_thread() is threading.main_thread()):
            def expire(signum, frame):
                raise SympyTimeout(f"sympy took longer than {self.seconds:g} s to {self.what}")
            self.previous = signal.signal(signal.SIGALRM, expire)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self.armed = True
        return self

    def __exit__(self, *exc):
        if self.armed:
            import signal
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False


class PointCheck:
    """The comparison at one point: ``forward``, ``reverse``, ``symbolic`` (name -> value),
    ``error`` (the largest relative disagreement) or ``undefined`` (why there is none)."""

    def __init__(self, at, value=None, forward=None, reverse=None, symbolic=None, error=None,
                 undefined=None):
        self.at = at
        self.value = value
        self.forward = forward
        self.reverse = reverse
        self.symbolic = symbolic
        self.error = error
        self.undefined = undefined


class CheckReport:
    """What :func:`check` found: ``.ok``, ``.max_error``, ``.forward``, ``.reverse``,
    ``.symbolic`` (at the first point where everything is defined), ``.points`` (all points),
    ``.derivatives`` (sympy's exact partial derivatives); ``str()`` is a readable table."""

    def __init__(self, expression, output, names, points, derivatives, tolerance, note, random):
        self.expression = expression
        self.output = output
        self.names = names
        self.points = points
        self.derivatives = derivatives
        self.tolerance = tolerance
        self.note = note
        self.random = random
        defined = [p for p in points if p.undefined is None]
        first = defined[0] if defined else None
        self.at = first.at if first else (points[0].at if points else None)
        self.forward = first.forward if first else {}
        self.reverse = first.reverse if first else {}
        self.symbolic = (first.symbolic or {}) if first else {}  # {} when sympy could not
        self.max_error = max((p.error for p in defined), default=math.nan)
        self.ok = bool(defined) and self.max_error <= tolerance

    @property
    def undefined(self):
        """The points where the function or its derivative is not defined, with the reason."""
        return [(p.at, p.undefined) for p in self.points if p.undefined is not None]

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return f"<check {self.expression}: ok={self.ok} max_error={self.max_error:.3g}>"

    def __str__(self):
        def number(v):
            return "—" if v is None else f"{v:.12g}"

        count = len(self.points)
        where = f"at {count} random point{'s' if count != 1 else ''}" if self.random else \
            "at the point"
        lines = [f"check {self.output} = {self.expression}: forward mode, reverse mode and "
                 f"sympy {where}"]
        if self.derivatives:
            for name, d in self.derivatives.items():
                lines.append(f"  ∂{self.output}/∂{name} = {d}")
        for p in self.points:
            at = ", ".join(f"{n} = {v:.6g}" for n, v in p.at.items())
            lines.append("")
            if p.undefined is not None:
                lines.append(f"at {at}: undefined ({p.undefined})")
                continue
            lines.append(f"at {at}:")
            labels = [f"∂{self.output}/∂{n}" for n in self.names]
            rows = [["", "forward", "reverse", "sympy"]] + [
                [label, number(p.forward[n]), number(p.reverse[n]),
                 number(p.symbolic.get(n) if p.symbolic else None)]
                for label, n in zip(labels, self.names)]
            widths = [max(len(r[k]) for r in rows) for k in range(4)]
            for r in rows:
                lines.append("  " + "  ".join(c.ljust(w) if k == 0 else c.rjust(w)
                                              for k, (c, w) in enumerate(zip(r, widths))).rstrip())
        lines.append("")
        if self.note:
            lines.append(f"note: {self.note}")
        if math.isnan(self.max_error):
            lines.append("no point where the function and its derivative are defined: "
                         "nothing to compare")
        else:
            verdict = "ok" if self.ok else f"MISMATCH (tolerance {self.tolerance:g})"
            lines.append(f"max error {self.max_error:.3g}: {verdict}")
        return "\n".join(lines)
