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
import numbers

import numpy as np

from adkit.core import ADError, ZERO, new_level, shape_of
from adkit.forward import Dual
from adkit.graph import CONST, INPUT
from adkit.printing import node_expression
from adkit.tables.formats import format_value
from adkit.tables.formulas import Formula, adjoint_terms, tangent_formula
from adkit.tables.model import Row, Table
from adkit.tables.names import Names, latex_name
from adkit.sources import expression_text
from adkit.tables.sources import as_graph, graph_at, single_output
from adkit.tracing import as_input

__all__ = ["Row", "Table", "forward_table", "reverse_table", "as_graph", "latex_name"]


def _equation(graph, node_names, i, style):
    """The value column of node ``i``: ``w3 = w1 · w2`` (inputs: ``w1 = x1``)."""
    lhs = node_names[i]
    if graph.prims[i] is INPUT:
        name = graph.params[i]["name"]
        return f"{lhs} = {name if style == 'text' else latex_name(name)}"
    return f"{lhs} = {node_expression(graph, i, node_names, style)}"


def _point_text(graph, values, digits, style="text"):
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
    graph, values = graph_at(source, at, "forward_table")  # at the point already
    out = single_output(graph, "forward_table")
    names = Names(graph, style)
    seeds = _seed_direction(graph, values, seed, "forward_table")
    point = graph
    text_names, latex_names = names.all("text"), names.all("latex")

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
            equations = ([_equation(point, text_names, i, "text")],
                         [_equation(point, latex_names, i, "latex")])
            if i in seeded:
                rhs = (format_value(seeded[i], digits, "text"), format_value(seeded[i], digits,
                                                                             "latex"))
                kind = "seed"
            else:
                formula = Formula(names)
                result = tangent_formula(formula, point, i, tangents)
                rhs = (formula.render(result, "text"), formula.render(result, "latex"))
                kind = "rule"
            rows.append(Row(lhs[0], rhs[0], tangents[i], point.values[i], equations[0], kind, i,
                            (lhs[1], rhs[1], equations[1])))

    result = tangents[out]
    title = (f"Forward accumulation of {names.output} = {expression_text(graph, out)} at "
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
    graph, values = graph_at(source, at, "reverse_table")  # at the point already
    out = single_output(graph, "reverse_table")
    names = Names(graph, style)
    point = graph
    text_names, latex_names = names.all("text"), names.all("latex")
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
            eq_text = [_equation(point, text_names, j, "text") for j in reversed(readers)]
            eq_latex = [_equation(point, latex_names, j, "latex") for j in reversed(readers)]
            if r == out:
                eq_text.insert(0, f"{names.output} = {names.text(r)}")
                eq_latex.insert(0, f"{names.output} = {names.latex(r)}")
            if not eq_text:  # an input the output does not depend on
                eq_text, eq_latex = ["(not used)"], ["\\text{(not used)}"]
            if r == out and not readers:
                rhs = (format_value(seed, digits), format_value(seed, digits, "latex"))
                kind = "seed"
            else:
                formula = Formula(names)
                terms = [seed] if r == out else []
                for j in readers:
                    terms.extend(adjoint_terms(formula, point, j, r, adjoints))
                result = formula.total(terms)
                rhs = (formula.render(result, "text"), formula.render(result, "latex"))
                kind = "rule"
            rows.append(Row(lhs[0], rhs[0], adjoints[r], point.values[r], eq_text, kind, r,
                            (lhs[1], rhs[1], eq_latex)))

    result = {name: adjoints[ref] for name, ref in zip(graph.inputs, graph.input_refs)}
    title = (f"Reverse accumulation of {names.output} = {expression_text(graph, out)} at "
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
