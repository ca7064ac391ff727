"""Forward and reverse accumulation tables, row by row, as on the lecture slides.

Each row pairs the operation that computes a value (``w3 = w1 · w2``) with the operation that
computes its derivative (``ẇ3 = w2 · ẇ1 + w1 · ẇ2``). The derivative formulas are not typed
anywhere: each row runs the primitive's own rule (its local partials, or its JVP/VJP for array
primitives) on values named like the table, records what the rule does into a small graph and
prints it. The numbers come from the engine itself (a forward sweep of dual numbers, a backward
sweep of adjoints), so the table agrees with ``ad.jvp`` and ``ad.grad`` by construction.

>>> import adkit as ad
>>> t = ad.forward_table("x1*x2 + sin(x1)", at={"x1": 2.0, "x2": 5.0})
>>> [f"{row.lhs} = {row.rhs}" for row in t.rows]
['ẇ1 = 1', 'ẇ2 = 0', 'ẇ3 = w2 · ẇ1 + w1 · ẇ2', 'ẇ4 = cos w1 · ẇ1', 'ẇ5 = ẇ3 + ẇ4']
>>> round(t.result, 6)
4.583853
>>> r = ad.reverse_table("x1*x2 + sin(x1)", at={"x1": 2.0, "x2": 5.0})
>>> r.rows[-1].equation, r.rows[-1].rhs
('w4 = sin w1 and w3 = w1 · w2', 'w̄3 · w2 + w̄4 · cos w1')
"""
import inspect
import numbers

import numpy as np

from adkit import primitives as P
from adkit.core import ADError, ZERO, new_level, shape_of, unbroadcast
from adkit.forward import Dual
from adkit.graph import CONST, INPUT, Graph
from adkit.printing import format_number, inline_expressions, node_expression
from adkit.tracing import Tracer, as_input, trace

__all__ = ["Row", "Table", "forward_table", "reverse_table", "as_graph"]

STYLES = ("slides", "griewank")


# ---------------------------------------------------------------------------------------------
# The row model
# ---------------------------------------------------------------------------------------------

class Row:
    """One line of a table.

    Attributes:
        lhs, rhs: the derivative operation, ``"ẇ3"`` and ``"w2 · ẇ1 + w1 · ẇ2"`` (Unicode).
        value: its number at the point (the tangent ẇ3, or the adjoint w̄3).
        primal: the value of the node the row is about (w3 at the point).
        equation: the value column, ``"w3 = w1 · w2"`` (reverse tables: the operations that use
            the node, ``"w4 = sin w1 and w3 = w1 · w2"``).
        kind: ``"seed"`` (ẇ1 = 1, w̄5 = 1) or ``"rule"`` (computed by a derivative rule).
        node: the graph node index.
        latex: ``(lhs, rhs, [equations])`` in LaTeX (math mode content, without ``$``).
    """

    __slots__ = ("lhs", "rhs", "value", "primal", "equations", "kind", "node", "latex")

    def __init__(self, lhs, rhs, value, primal, equations, kind, node, latex):
        self.lhs = lhs
        self.rhs = rhs
        self.value = value
        self.primal = primal
        self.equations = equations
        self.kind = kind
        self.node = node
        self.latex = latex

    @property
    def equation(self):
        return " and ".join(self.equations)

    @property
    def derivative(self):
        """The derivative column as printed: ``"ẇ1 = 1 (seed)"``."""
        return f"{self.lhs} = {self.rhs}" + (" (seed)" if self.kind == "seed" else "")

    def __repr__(self):
        return f"Row({self.equation!r} | {self.derivative!r} | value={self.value!r})"


class Table:
    """A forward or reverse accumulation table: ``.rows``, ``.result`` and five renderers.

    ``to_text()``, ``to_markdown()``, ``to_latex()``, ``to_html()`` and ``to_csv()`` render it
    (``numbers=False`` leaves out the number columns, as on the slides); ``steps()`` yields the
    table as it grows, one row at a time.
    """

    def __init__(self, mode, rows, result, *, title, result_lines, style, digits, forward_pass=(),
                 all_rows=None):
        self.mode = mode
        self.rows = rows
        self.result = result
        self.title = title
        self.result_lines = result_lines  # [(text, latex)] of the derivatives read off the table
        self.forward_pass = forward_pass  # reverse tables: [(text, latex)] of the values first
        self.style = style
        self.digits = digits
        self._all_rows = all_rows if all_rows is not None else rows  # column widths in steps()

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __repr__(self):
        return f"<{self.mode} table, {len(self.rows)} rows: {self.title}>"

    def __str__(self):
        return self.to_text()

    def steps(self):
        """The table after 1, 2, … rows: for revealing it in class one row at a time."""
        for k in range(1, len(self.rows) + 1):
            yield Table(self.mode, self.rows[:k], self.result, title=self.title,
                        result_lines=self.result_lines if k == len(self.rows) else [],
                        style=self.style, digits=self.digits, forward_pass=self.forward_pass,
                        all_rows=self._all_rows)

    def number(self, value, style="text"):
        """A number of the value columns, with ``digits`` significant digits."""
        from adkit.table_formats import format_value
        return format_value(value, self.digits, style)

    def to_text(self, numbers=True):
        from adkit.table_formats import to_text
        return to_text(self, numbers)

    def to_markdown(self, numbers=True):
        from adkit.table_formats import to_markdown
        return to_markdown(self, numbers)

    def to_latex(self, numbers=True):
        from adkit.table_formats import to_latex
        return to_latex(self, numbers)

    def to_html(self, numbers=True):
        from adkit.table_formats import to_html
        return to_html(self, numbers)

    def to_csv(self):
        from adkit.table_formats import to_csv
        return to_csv(self)

    def render(self, fmt, numbers=True):
        """The table in format ``fmt``: "text", "markdown", "latex", "html" or "csv"."""
        if fmt == "csv":
            return self.to_csv()
        renderers = {"text": self.to_text, "markdown": self.to_markdown, "latex": self.to_latex,
                     "html": self.to_html}
        if fmt not in renderers:
            raise ADError(f"unknown table format {fmt!r}; use text, markdown, latex, html or csv")
        return renderers[fmt](numbers)

    def _repr_html_(self):
        return self.to_html()

    def _repr_latex_(self):
        from adkit.table_formats import to_mathjax
        return to_mathjax(self)


# ---------------------------------------------------------------------------------------------
# Names: w1, ẇ1, w̄1 (slides) or v₋₁, v̇₋₁, v̄₋₁ (Griewank, Baydin et al.), in text and LaTeX
# ---------------------------------------------------------------------------------------------

_SUBSCRIPTS = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")
_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
          "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega"}


def _latex_subscript(number):
    text = str(number)
    return f"_{text}" if len(text) == 1 else f"_{{{text}}}"


def latex_name(name):
    """An input name in LaTeX: x1 -> x_1, theta2 -> \\theta_2, θ -> \\theta, lr -> \\mathit{lr}."""
    import unicodedata
    head = name.rstrip("0123456789")
    digits = name[len(head):]
    if head.endswith("_") and digits:
        head = head[:-1]
    if len(head) == 1 and "\u0391" <= head <= "\u03c9":
        letter = unicodedata.name(head, "").split()[-1].lower()
        head = "\\" + (letter.capitalize() if head.isupper() else letter)
    elif head in _GREEK:
        head = "\\" + head
    elif len(head) > 1 or not head.isascii():
        head = "\\mathit{" + head.replace("_", "\\_") + "}"
    return head + (_latex_subscript(digits) if digits else "")


class _Names:
    """Node names in one style: value, tangent (dot) and adjoint (bar), text and LaTeX."""

    def __init__(self, graph, style):
        if style not in STYLES:
            raise ADError(f"unknown table style {style!r}; use 'slides' or 'griewank'")
        self.style = style
        inputs = set(graph.input_refs)
        n_inputs = len(graph.input_refs)
        self.numbers = []
        position = {ref: k for k, ref in enumerate(graph.input_refs)}
        count = 0
        for i in range(len(graph)):
            if style == "slides":
                self.numbers.append(i + 1)
            elif i in inputs:
                self.numbers.append(position[i] - n_inputs + 1)   # v₋₁, v₀
            else:
                count += 1
                self.numbers.append(count)                          # v₁, v₂, …
        letter = "w" if style == "slides" else "v"
        taken = set(graph.inputs)
        base = "z" if style == "slides" else "y"
        self.output = base if base not in taken else "f"
        self._letter = letter

    def text(self, i, kind=""):
        """kind "" (w3), "dot" (ẇ3) or "bar" (w̄3)."""
        number = self.numbers[i]
        if self.style == "slides":
            head = {"": "w", "dot": "ẇ", "bar": "w\u0304"}[kind]
            return f"{head}{number}"
        head = {"": "v", "dot": "v\u0307", "bar": "v\u0304"}[kind]
        return head + str(number).translate(_SUBSCRIPTS)

    def latex(self, i, kind=""):
        head = {"": self._letter, "dot": f"\\dot{{{self._letter}}}",
                "bar": f"\\bar{{{self._letter}}}"}[kind]
        return head + _latex_subscript(self.numbers[i])

    def all(self, style, kind=""):
        n = len(self.numbers)
        return [self.text(i, kind) if style == "text" else self.latex(i, kind) for i in range(n)]


# ---------------------------------------------------------------------------------------------
# Sources: an expression, a Graph, a Python function (or a sympy expression), at a point
# ---------------------------------------------------------------------------------------------

def _point_values(names, at, who):
    """``at`` (dict name -> value, or a sequence in input order) as a list in input order."""
    if at is None:
        raise ADError(f"{who}: give the point, e.g. at={{{', '.join(f'{n!r}: 1.0' for n in names)}}}")
    if isinstance(at, dict):
        unknown = [k for k in at if k not in names]
        if unknown:
            raise ADError(f"{who}: {', '.join(map(repr, unknown))} in `at` is not an input; the "
                          f"inputs are {', '.join(names) or '(none)'}")
        missing = [n for n in names if n not in at]
        if missing:
            raise ADError(f"{who}: no value for {', '.join(missing)} in `at`")
        values = [at[n] for n in names]
    else:
        values = list(at) if isinstance(at, (list, tuple)) else [at]
        if len(values) != len(names):
            raise ADError(f"{who}: `at` has {len(values)} value(s) but the inputs are "
                          f"{', '.join(names) or '(none)'}")
    return [as_input(v, who) for v in values]


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
        values = _point_values(names, at, who)
        return trace(source, *values, names=names), values
    else:
        raise ADError(f"{who}: expected an expression string, a Graph or a function, got "
                      f"{type(source).__name__}")
    if at is None:
        return graph, None
    return graph, _point_values(list(graph.inputs), at, who)


def _single_output(graph, who):
    if len(graph.outputs) != 1:
        raise ADError(f"{who}: the graph has {len(graph.outputs)} outputs; tables show one "
                      f"(return one value)")
    return graph.outputs[0]


def _at_point(graph, values):
    """A copy of ``graph`` with every node's value (and argument values) at the point."""
    with np.errstate(all="ignore"):
        env = graph.evaluate(values)
    point = Graph()
    for i, (prim, refs, argvals, params) in enumerate(graph.nodes):
        if prim is INPUT:
            point.add_input(params["name"], env[i])
        else:
            args = tuple(c if r is None else env[r] for r, c in zip(refs, argvals))
            point.add_node(prim, refs, args, params, env[i])
    point.outputs = list(graph.outputs)
    return point


# ---------------------------------------------------------------------------------------------
# Formulas: run a rule on values named like the table and print what it recorded
# ---------------------------------------------------------------------------------------------

class _Formula:
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

    def render(self, result, style):
        if result is None:
            return "0"
        if not (type(result) is Tracer and result.graph is self.graph):
            return format_number(result, style)
        which = 0 if style == "text" else 1
        names = [self.labels[i][which] if i in self.labels else None
                 for i in range(len(self.graph))]
        return inline_expressions(self.graph, names, style)[result.index]


def _unary_args(formula, graph, i):
    """The arguments of node ``i`` as tracers of the formula graph (constants stay numbers)."""
    return [c if r is None else formula.var(r, "", graph.values[r])
            for r, c in zip(graph.refs[i], graph.argvals[i])]


def _tangent_formula(formula, graph, i, tangents):
    """Run node ``i``'s rule forward on named values: returns the tangent's formula (a tracer)."""
    prim, refs, params = graph.prims[i], graph.refs[i], graph.params[i]
    if prim in (INPUT, CONST) or not prim.differentiable or all(r is None for r in refs):
        return None
    args = _unary_args(formula, graph, i)
    out = formula.var(i, "", graph.values[i])
    carriers = [None if r is None else formula.var(r, "dot", tangents[r]) for r in refs]
    if prim.partials is None:
        return prim.jvp(args, carriers, out, 0, **params)
    partials = prim.partials(out, *args, **params)
    return formula.total(formula.term(p, t, carrier_first=False)
                         for p, t in zip(partials, carriers) if t is not None)


def _adjoint_terms(formula, graph, j, r, adjoints):
    """What consumer ``j`` passes back to node ``r``: its rule run on named values."""
    prim, refs, params = graph.prims[j], graph.refs[j], graph.params[j]
    if not prim.differentiable or (prim.partials is None and prim.vjp is None):
        return []
    args = _unary_args(formula, graph, j)
    out = formula.var(j, "", graph.values[j])
    carrier = formula.var(j, "bar", adjoints[j])
    if prim.partials is not None:
        partials = prim.partials(out, *args, **params)
        terms = [formula.term(partials[k], carrier, carrier_first=True)
                 for k, ref in enumerate(refs) if ref == r]
    else:
        extra = {"needed": tuple(ref is not None for ref in refs)} \
            if getattr(prim, "vjp_takes_needed", False) else {}
        contributions = prim.vjp(carrier, out, *args, **params, **extra)
        terms = [contributions[k] for k, ref in enumerate(refs) if ref == r]
    shape = shape_of(graph.values[r])
    return [t if t is None or shape_of(t) == shape else unbroadcast(t, shape) for t in terms]


# ---------------------------------------------------------------------------------------------
# The tables
# ---------------------------------------------------------------------------------------------

def _equation(graph, names, i, style):
    """The value column of node ``i``: ``w3 = w1 · w2`` (inputs: ``w1 = x1``)."""
    node_names = names.all(style)
    lhs = node_names[i]
    if graph.prims[i] is INPUT:
        name = graph.params[i]["name"]
        return f"{lhs} = {name if style == 'text' else latex_name(name)}"
    return f"{lhs} = {node_expression(graph, i, node_names, style)}"


def _expression_title(graph, out):
    text = inline_expressions(graph)[out]
    return text


def _point_text(graph, values, digits, style="text"):
    from adkit.table_formats import format_value
    names = graph.inputs if style == "text" else [latex_name(n) for n in graph.inputs]
    return ", ".join(f"{n} = {format_value(v, digits, style)}" for n, v in zip(names, values))


def _seed_direction(graph, values, seed, who):
    """The forward seed as one tangent per input (None = zero), from a name, dict or sequence."""
    names = list(graph.inputs)
    if seed is None:
        if not names:
            return []
        seed = {names[0]: 1.0}
    if isinstance(seed, str):
        if seed not in names:
            raise ADError(f"{who}: cannot seed {seed!r}; the inputs are {', '.join(names)}")
        seed = {seed: 1.0}
    if not isinstance(seed, dict):
        seed = dict(zip(names, seed))
    unknown = [k for k in seed if k not in names]
    if unknown:
        raise ADError(f"{who}: cannot seed {', '.join(map(repr, unknown))}; the inputs are "
                      f"{', '.join(names)}")
    tangents = []
    for name, value in zip(names, values):
        t = seed.get(name, 0.0)
        if isinstance(t, numbers.Number) and np.ndim(value):
            t = np.full(np.shape(value), float(t))  # 1 on an array input: all ones
        t = as_input(t, who)
        if shape_of(t) != shape_of(value):
            raise ADError(f"{who}: the seed for {name} has shape {shape_of(t)} but the input has "
                          f"shape {shape_of(value)}")
        tangents.append(t)
    return tangents


def _is_unit(x):
    return isinstance(x, numbers.Number) and x == 1


def _is_zero(x):
    return isinstance(x, numbers.Number) and x == 0


def forward_table(source, at, seed=None, style="slides", digits=6):
    """The forward accumulation table: one row per node, its value and its tangent.

    Args:
        source: an expression (``"x1*x2 + sin(x1)"``), a Graph or a Python function.
        at: the point, ``{"x1": 2.0, "x2": 5.0}`` (or values in input order).
        seed: the direction: an input name (``"x1"``, the default is the first input), or
            ``{"x1": 1.0, "x2": 0.0}``.
        style: ``"slides"`` (w1, ẇ1) or ``"griewank"`` (v₋₁, v̇₋₁ as in Baydin et al. 2018).
        digits: significant digits of the numbers.
    Returns:
        a :class:`Table`; ``.result`` is the derivative of the output along the seed.

    >>> t = forward_table("log(x1) + x1*x2 - sin(x2)", at=(2.0, 5.0), style="griewank")
    >>> t.rows[2].derivative, t.result
    ('v̇₁ = v̇₋₁ / v₋₁', 5.5)
    """
    graph, values = as_graph(source, at, "forward_table")
    out = _single_output(graph, "forward_table")
    names = _Names(graph, style)
    seeds = _seed_direction(graph, values, seed, "forward_table")
    point = _at_point(graph, values)

    # the numbers: one forward sweep of dual numbers through the graph (the engine's jvp)
    level = new_level()
    with np.errstate(all="ignore"):
        env = graph.evaluate([Dual(v, t, level) for v, t in zip(values, seeds)])
    tangents = []
    for i, e in enumerate(env):
        tangent = e.tangent if type(e) is Dual and e._level == level else \
            np.zeros(np.shape(point.values[i])) if np.ndim(point.values[i]) else 0.0
        tangents.append(tangent)

    seeded = {ref: t for ref, t in zip(graph.input_refs, seeds)}
    rows = []
    with np.errstate(all="ignore"):
        for i in range(len(graph)):
            lhs = (names.text(i, "dot"), names.latex(i, "dot"))
            equations = ([_equation(point, names, i, "text")], [_equation(point, names, i, "latex")])
            if i in seeded:
                from adkit.table_formats import format_value
                rhs = (format_value(seeded[i], digits, "text"), format_value(seeded[i], digits,
                                                                             "latex"))
                kind = "seed"
            else:
                formula = _Formula(names)
                result = _tangent_formula(formula, point, i, tangents)
                rhs = (formula.render(result, "text"), formula.render(result, "latex"))
                kind = "rule"
            rows.append(Row(lhs[0], rhs[0], tangents[i], point.values[i], equations[0], kind, i,
                            (lhs[1], rhs[1], equations[1])))

    result = tangents[out]
    title = (f"Forward accumulation of {names.output} = {_expression_title(graph, out)} at "
             f"{_point_text(graph, values, digits)}")
    nonzero = [k for k, t in enumerate(seeds) if not _is_zero(t)]
    if len(nonzero) == 1 and _is_unit(seeds[nonzero[0]]):
        name = graph.inputs[nonzero[0]]
        title += f", seed on {name}"
        label = (f"∂{names.output}/∂{name}", f"\\frac{{\\partial {names.output}}}"
                                              f"{{\\partial {latex_name(name)}}}")
    else:
        title += ", along the seed direction"
        dot = {"z": "ż", "y": "ẏ"}.get(names.output, names.output + "\u0307")
        label = (dot, f"\\dot{{{names.output}}}")
    from adkit.table_formats import format_value
    result_lines = [(f"{label[0]} = {names.text(out, 'dot')} = {format_value(result, digits)}",
                     f"{label[1]} = {names.latex(out, 'dot')} = "
                     f"{format_value(result, digits, 'latex')}")]
    return Table("forward", rows, result, title=title, result_lines=result_lines, style=style,
                 digits=digits)


def reverse_table(source, at, style="slides", digits=6):
    """The reverse accumulation table: rows from the output back to the inputs.

    Each row computes one adjoint w̄ = ∂z/∂w. A node used by several operations gets one row
    whose formula sums what each of them passes back, in recording order; its value column
    lists those operations, joined by "and", in the order the backward sweep meets them.

    Args: as :func:`forward_table` (no seed: the output's adjoint is seeded with 1).
    Returns:
        a :class:`Table`; ``.result`` is ``{input name: ∂z/∂input}``.

    >>> t = reverse_table("log(x1) + x1*x2 - sin(x2)", at=(2.0, 5.0), style="griewank")
    >>> {name: round(value, 6) for name, value in t.result.items()}
    {'x1': 5.5, 'x2': 1.716338}
    """
    from adkit.reverse import backward
    from adkit.table_formats import format_value
    graph, values = as_graph(source, at, "reverse_table")
    out = _single_output(graph, "reverse_table")
    names = _Names(graph, style)
    point = _at_point(graph, values)
    out_value = point.values[out]
    seed = 1.0 if np.ndim(out_value) == 0 else np.ones(np.shape(out_value))

    # the numbers: the engine's backward sweep
    adjoints = backward(point, {out: seed}) if point.prims[out] is not CONST else \
        [ZERO] * len(point)
    adjoints = list(adjoints)
    inputs = set(graph.input_refs)
    for i, a in enumerate(adjoints):
        if a is ZERO and i in inputs:
            adjoints[i] = np.zeros(np.shape(point.values[i])) if np.ndim(point.values[i]) else 0.0

    consumers = point.consumers()
    rows = []
    with np.errstate(all="ignore"):
        for r in range(len(point) - 1, -1, -1):
            if adjoints[r] is ZERO or point.prims[r] is CONST:
                continue
            lhs = (names.text(r, "bar"), names.latex(r, "bar"))
            readers = [j for j in consumers[r] if adjoints[j] is not ZERO
                       and point.prims[j].differentiable]
            eq_text = [_equation(point, names, j, "text") for j in reversed(readers)]
            eq_latex = [_equation(point, names, j, "latex") for j in reversed(readers)]
            if r == out:
                eq_text.insert(0, f"{names.output} = {names.text(r)}")
                eq_latex.insert(0, f"{names.output} = {names.latex(r)}")
            if not eq_text:  # an input the output does not depend on
                eq_text, eq_latex = ["(not used)"], ["\\text{(not used)}"]
            if r == out and not readers:
                rhs = (format_value(seed, digits), format_value(seed, digits, "latex"))
                kind = "seed"
            else:
                formula = _Formula(names)
                terms = [seed] if r == out else []
                for j in readers:
                    terms.extend(_adjoint_terms(formula, point, j, r, adjoints))
                result = formula.total(terms)
                rhs = (formula.render(result, "text"), formula.render(result, "latex"))
                kind = "rule"
            rows.append(Row(lhs[0], rhs[0], adjoints[r], point.values[r], eq_text, kind, r,
                            (lhs[1], rhs[1], eq_latex)))

    result = {name: adjoints[ref] for name, ref in zip(graph.inputs, graph.input_refs)}
    title = (f"Reverse accumulation of {names.output} = {_expression_title(graph, out)} at "
             f"{_point_text(graph, values, digits)}")
    forward_pass = [(f"{names.text(i)} = {format_value(point.values[i], digits)}",
                     f"{names.latex(i)} = {format_value(point.values[i], digits, 'latex')}")
                    for i in range(len(point)) if point.prims[i] is not CONST]
    result_lines = []
    for name, ref in zip(graph.inputs, graph.input_refs):
        if style == "griewank":
            label = (f"{name[0]}\u0304{name[1:]}", f"\\bar{{{latex_name(name)}}}")
        else:
            label = (f"∂{names.output}/∂{name}",
                     f"\\frac{{\\partial {names.output}}}{{\\partial {latex_name(name)}}}")
        result_lines.append((f"{label[0]} = {names.text(ref, 'bar')} = "
                             f"{format_value(adjoints[ref], digits)}",
                             f"{label[1]} = {names.latex(ref, 'bar')} = "
                             f"{format_value(adjoints[ref], digits, 'latex')}"))
    return Table("reverse", rows, result, title=title, result_lines=result_lines, style=style,
                 digits=digits, forward_pass=forward_pass)
