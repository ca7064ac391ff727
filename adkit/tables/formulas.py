"""Row formulas: run a primitive's own rule on values named like the table and print it.

No formula is typed anywhere: the partials (or the JVP/VJP) of the primitive run on tracers of
a scratch graph whose inputs are called w1, ẇ1, w̄3, …; what they record prints as the formula.
"""
import numbers

from adkit import primitives as P
from adkit.core import shape_of, unbroadcast
from adkit.graph import CONST, INPUT, Graph
from adkit.printing import format_number, inline_expressions
from adkit.tracing import Tracer


class Formula:
    """A scratch graph whose inputs carry table names (w1, ẇ1, w̄3) and the values at the point.

    Rules run on its tracers; the recorded nodes print as the row's formula. Shapes are real,
    so array rules (matmul's VJP, sum's broadcast) record what they really do.
    """

    def __init__(self, names):
        self.graph = Graph()
        self.names = names
        self.tracers = {}
        self.labels = {}  # input node index -> (text, latex)

    def var(self, i, kind, value):
        """The tracer of node ``i``'s value (kind ""), tangent ("dot") or adjoint ("bar")."""
        key = (i, kind)
        if key not in self.tracers:
            index = self.graph.add_input(f"_{len(self.tracers)}", value)
            self.labels[index] = (self.names.text(i, kind), self.names.latex(i, kind))
            self.tracers[key] = Tracer(self.graph, index, value)
        return self.tracers[key]

    def constant(self, c):
        """A constant argument as a named input (its name: the number as it prints)."""
        key = ("const", repr(c))
        if key not in self.tracers:
            index = self.graph.add_input(f"_{len(self.tracers)}", c)
            self.labels[index] = (format_number(c, "text"), format_number(c, "latex"))
            self.tracers[key] = Tracer(self.graph, index, c)
        return self.tracers[key]

    def _node(self, t):
        g = self.graph
        return g.prims[t.index], g.refs[t.index], g.argvals[t.index]

    def _tracer(self, index):
        return Tracer(self.graph, index, self.graph.values[index])

    def term(self, partial, carrier, carrier_first):
        """One contribution, as on paper: ``∂ · ẇ`` (forward) or ``w̄ · ∂`` (reverse).

        Light algebra keeps it readable: 1 · ẇ is ẇ, -1 · ẇ is -ẇ, (1/y) · ẇ is ẇ / y.
        """
        if partial is None:
            return None
        if isinstance(partial, numbers.Number):
            if partial == 0:
                return None
            if partial == 1:
                return carrier
            if partial == -1:
                return P.neg(carrier)
            return P.mul(partial, carrier)
        if type(partial) is Tracer and partial.graph is self.graph:
            prim, refs, argvals = self._node(partial)
            if prim is P.neg and refs[0] is not None:  # -a · ẇ: the sum turns it into a minus
                return P.neg(self.term(self._tracer(refs[0]), carrier, carrier_first))
            if prim is P.div and refs[1] is not None:  # (a / y) · ẇ is a · ẇ / y
                a = argvals[0] if refs[0] is None else self._tracer(refs[0])
                return P.div(self.term(a, carrier, carrier_first), self._tracer(refs[1]))
        return P.mul(carrier, partial) if carrier_first else P.mul(partial, carrier)

    def total(self, terms):
        """Sum the contributions in order; ``a + -b`` becomes ``a - b``."""
        total = None
        for t in terms:
            if t is None:
                continue
            if total is None:
                total = self._leading(t)
                continue
            if type(t) is Tracer and t.graph is self.graph:
                prim, refs, _ = self._node(t)
                if prim is P.neg and refs[0] is not None:
                    total = P.sub(total, self._tracer(refs[0]))
                    continue
            total = P.add(total, t)
        return total

    def _leading(self, t):
        """A sum's first term: -(a · b) prints as -a · b."""
        if type(t) is Tracer and t.graph is self.graph:
            prim, refs, _ = self._node(t)
            if prim is P.neg and refs[0] is not None:
                inner_prim, inner_refs, inner_args = self._node(self._tracer(refs[0]))
                if inner_prim in (P.mul, P.div):
                    a = inner_args[0] if inner_refs[0] is None else self._tracer(inner_refs[0])
                    b = inner_args[1] if inner_refs[1] is None else self._tracer(inner_refs[1])
                    return inner_prim(self._leading(-a), b)
        return t

    def render(self, result, style, digits=None):
        """The formula as text or LaTeX; with ``digits``, numbers in place of the names (the
        substituted form ``5 · 1 + 2 · 0``)."""
        if result is None:
            return "0"
        if not (type(result) is Tracer and result.graph is self.graph):
            return format_number(result, style)
        which = 0 if style == "text" else 1
        if digits is None:
            names = [self.labels[i][which] if i in self.labels else None
                     for i in range(len(self.graph))]
        else:
            names = [self._number(i, style, digits) for i in range(len(self.graph))]
        return inline_expressions(self.graph, names, style, plumbing=False)[result.index]

    def _number(self, i, style, digits):
        if i not in self.labels:
            return None
        from adkit.tables.formats import format_value
        text = format_value(self.graph.values[i], digits, style)
        if text.startswith("-"):
            return f"({text})" if style == "text" else f"\\left({text}\\right)"
        return text


def _named_args(formula, graph, i, constants=False):
    """The arguments of node ``i`` as tracers of the formula graph. Constants stay numbers, or
    with ``constants`` become named inputs too, so that ln 2 prints as ln 2, not 0.693147."""
    return [formula.constant(c) if r is None and constants else c if r is None else
            formula.var(r, "", graph.values[r]) for r, c in zip(graph.refs[i], graph.argvals[i])]


def _partials(formula, graph, i, out):
    """The local partials of node ``i`` as they print: the notation's slide form when the
    primitive has one (x^y: ``w3 · ln w1`` without the numeric rule's guards), else the rule."""
    prim, params = graph.prims[i], graph.params[i]
    shown = prim.notation.partials
    args = _named_args(formula, graph, i, constants=shown is not None)
    return (shown or prim.partials)(out, *args, **params)


def tangent_formula(formula, graph, i, tangents):
    """Run node ``i``'s rule forward on named values: returns the tangent's formula (a tracer)."""
    prim, refs, params = graph.prims[i], graph.refs[i], graph.params[i]
    if prim in (INPUT, CONST) or not prim.differentiable or all(r is None for r in refs):
        return None
    args = _named_args(formula, graph, i)
    out = formula.var(i, "", graph.values[i])
    carriers = [None if r is None else formula.var(r, "dot", tangents[r]) for r in refs]
    if prim.partials is None:
        return prim.jvp(args, carriers, out, 0, **params)
    partials = _partials(formula, graph, i, out)
    return formula.total(formula.term(p, t, carrier_first=False)
                         for p, t in zip(partials, carriers) if t is not None)


def adjoint_terms(formula, graph, j, r, adjoints):
    """What consumer ``j`` passes back to node ``r``: its rule run on named values."""
    prim, refs, params = graph.prims[j], graph.refs[j], graph.params[j]
    if not prim.differentiable or (prim.partials is None and prim.vjp is None):
        return []
    args = _named_args(formula, graph, j)
    out = formula.var(j, "", graph.values[j])
    carrier = formula.var(j, "bar", adjoints[j])
    if prim.partials is not None:
        partials = _partials(formula, graph, j, out)
        terms = [formula.term(partials[k], carrier, carrier_first=True)
                 for k, ref in enumerate(refs) if ref == r]
    else:
        extra = {"needed": tuple(ref is not None for ref in refs)} \
            if getattr(prim, "vjp_takes_needed", False) else {}
        contributions = prim.vjp(carrier, out, *args, **params, **extra)
        terms = [contributions[k] for k, ref in enumerate(refs) if ref == r]
    shape = shape_of(graph.values[r])
    return [t if t is None or shape_of(t) == shape else unbroadcast(t, shape) for t in terms]
