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
from adkit.forward import Dual, seed_or_none
from adkit.graph import CONST, INPUT
from adkit.printing import expression_text, node_expression
from adkit.tables.formats import format_value
from adkit.tables.formulas import Formula, adjoint_terms, tangent_formula
from adkit.tables.model import Row, Table
from adkit.tables.names import Names, latex_name
from adkit.tables.sources import graph_at, single_output
from adkit.tracing import Tracer, as_input

__all__ = ["Row", "Table", "forward_table", "reverse_table", "latex_name"]


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


def _formula_value(formula, result):
    """The number a row's formula computes (its tracer carries the value)."""
    if result is None:
        return 0.0
    if type(result) is Tracer and result.graph is formula.graph:
        return formula.graph.values[result.index]
    return result


def _rendered(formula, result, digits):
    """``(rhs, substituted)``: the formula, and with the numbers put in, each (text, latex)."""
    rhs = (formula.render(result, "text"), formula.render(result, "latex"))
    return rhs, (formula.render(result, "text", digits), formula.render(result, "latex", digits))


EXACT_SECONDS = 5.0  # sympy on a classroom expression: a time limit, as for ad.check


def _attach_exact(table, graph, values, tangents=None, seed=None):
    """Give each row its exact numbers (where sympy's agree with the engine's), and the result
    lines too: ``∂z/∂x = ẇ4 = 1/3 + ln 4``."""
    from adkit.symbolic import _TimeLimit
    from adkit.tables.exact import agrees, exact_text, sweep
    with _TimeLimit(EXACT_SECONDS, "compute the exact numbers (drop exact=True / --exact)"):
        exact, derivative = sweep(graph, values, tangents, seed)
    point = ", ".join(f"{n} = {exact_text(exact[r])}"
                      for n, r in zip(graph.inputs, graph.input_refs))
    table.title = table.title.replace(f" at {_point_text(graph, values, table.digits)}",
                                      f" at {point}", 1)
    refs = [graph.outputs[0]] if table.mode == "forward" else list(graph.input_refs)
    result = table.result if table.mode == "forward" else list(table.result.values())
    result = [result] if table.mode == "forward" else result
    for k, (ref, number) in enumerate(zip(refs, result)):
        if agrees(derivative[ref], number):
            text, latex = table.result_lines[k]
            table.result_lines[k] = (text.rsplit(" = ", 1)[0] + " = " +
                                     exact_text(derivative[ref]),
                                     latex.rsplit(" = ", 1)[0] + " = " +
                                     exact_text(derivative[ref], "latex"))
    for row in table.rows:
        primal = exact[row.node] if agrees(exact[row.node], row.primal) else None
        value = derivative[row.node] if row.op == "=" and agrees(derivative[row.node], row.value) \
            else None
        row.exact = (primal, value)
    table.exact = True
    return table


def _tangents(graph, values, seeds):
    """The numbers: one forward sweep of dual numbers through the graph (the engine's jvp)."""
    level = new_level()
    with np.errstate(all="ignore"):
        env = graph.evaluate([Dual(v, seed_or_none(t), level) for v, t in zip(values, seeds)])
    return [e.tangent if type(e) is Dual and e._level == level else
            np.zeros(np.shape(graph.values[i])) if np.ndim(graph.values[i]) else 0.0
            for i, e in enumerate(env)]


def _forward_rows(graph, names, seeds, tangents, digits):
    """One row per node: its equation, and its tangent's formula (the rule run on names)."""
    text_names, latex_names = names.all("text"), names.all("latex")
    seeded = {ref: t for ref, t in zip(graph.input_refs, seeds)}
    rows = []
    with np.errstate(all="ignore"):
        for i in range(len(graph)):
            substituted = None
            if i in seeded:
                rhs = (format_value(seeded[i], digits), format_value(seeded[i], digits, "latex"))
                kind = "seed"
            else:
                formula = Formula(names)
                result = tangent_formula(formula, graph, i, tangents)
                rhs, substituted = _rendered(formula, result, digits)
                kind = "rule"
            rows.append(Row(names.text(i, "dot"), rhs[0], tangents[i], graph.values[i],
                            [_equation(graph, text_names, i, "text")], kind, i,
                            (names.latex(i, "dot"), rhs[1],
                             [_equation(graph, latex_names, i, "latex")]),
                            substituted=substituted))
    return rows


def forward_table(source, at, seed=None, style="slides", digits=6, exact=False, substitute=False):
    """The forward accumulation table: one row per node, its value and its tangent.

    Args:
        source: an expression (``"x1*x2 + sin(x1)"``), a Graph or a Python function.
        at: the point, ``{"x1": 2.0, "x2": 5.0}`` (or values in input order).
        seed: the direction: an input name (``"x1"``, the default is the first input), or
            ``{"x1": 1.0, "x2": 0.0}``.
        style: ``"slides"`` (w1, ẇ1) or ``"griewank"`` (v₋₁, v̇₋₁ as in Baydin et al. 2018).
        digits: significant digits of the numbers.
        exact: the number columns as sympy's exact numbers (ln 2, 1/3, √2) where they agree
            with the engine's (scalars only; sympy is needed).
        substitute: the derivative column also shows the numbers put into the formula,
            ``ẇ3 = w2 · ẇ1 + w1 · ẇ2 = 5 · 1 + 2 · 0 = 5`` (Baydin et al.; simpleautodiff).
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
    tangents = _tangents(graph, values, seeds)
    rows = _forward_rows(graph, names, seeds, tangents, digits)
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
    table = Table("forward", rows, result, title=title, result_lines=result_lines, style=style,
                  digits=digits, substitute=substitute)
    return _attach_exact(table, graph, values, tangents=seeds) if exact else table


def _cotangent(seed, out_value, output):
    """The output's adjoint seed: 1 for a scalar output; a vector output needs an explicit one."""
    shape = np.shape(out_value)
    if seed is None:
        if shape == ():
            return 1.0
        example = ",".join(["1"] + ["0"] * (int(np.prod(shape)) - 1))
        raise ADError(f"reverse_table: the output {output} has shape {shape}; a reverse table of "
                      f"a vector output needs its cotangent: seed=[{example.replace(',', ', ')}] "
                      f"(--seed {output}={example}) gives the row of the Jacobian for "
                      f"{output}[0]")
    value = as_input(seed, "reverse_table: seed")
    if np.ndim(value) == 0 and shape:
        value = np.full(shape, float(value))
    if shape_of(value) != shape:
        raise ADError(f"reverse_table: the seed has shape {shape_of(value)} but the output "
                      f"{output} has shape {shape}")
    return value


def _edge_rows(point, names, out, seed, adjoints, digits):
    """The reverse sweep as it runs, one ``+=`` row per edge: ``w̄1 += w̄3 · w2 = 1 · 5 = 5``."""
    text_names, latex_names = names.all("text"), names.all("latex")
    rows = [Row(names.text(out, "bar"), format_value(seed, digits), seed, point.values[out],
                [f"{names.output} = {names.text(out)}"], "seed", out,
                (names.latex(out, "bar"), format_value(seed, digits, "latex"),
                 [f"{names.output} = {names.latex(out)}"]))]
    for j in range(len(point) - 1, -1, -1):
        prim = point.prims[j]
        if adjoints[j] is ZERO or prim in (INPUT, CONST) or not prim.differentiable:
            continue
        for r in dict.fromkeys(r for r in point.refs[j] if r is not None):
            if point.prims[r] is CONST:
                continue
            formula = Formula(names)
            result = formula.total(adjoint_terms(formula, point, j, r, adjoints))
            rhs, substituted = _rendered(formula, result, digits)
            rows.append(Row(names.text(r, "bar"), rhs[0], _formula_value(formula, result),
                            point.values[r], [_equation(point, text_names, j, "text")], "edge",
                            r, (names.latex(r, "bar"), rhs[1],
                                [_equation(point, latex_names, j, "latex")]),
                            op="+=", substituted=substituted))
    return rows


def _adjoints(graph, out, seed):
    """The numbers: the engine's backward sweep (inputs the output ignores get a zero)."""
    from adkit.reverse import backward
    adjoints = list(backward(graph, {out: seed}) if graph.prims[out] is not CONST else
                    [ZERO] * len(graph))
    for i in graph.input_refs:
        if adjoints[i] is ZERO:
            adjoints[i] = np.zeros(np.shape(graph.values[i])) if np.ndim(graph.values[i]) else 0.0
    return adjoints


def _reverse_rows(graph, names, out, seed, adjoints, digits):
    """One row per node, from the output back: its adjoint's formula sums what each of its
    consumers passes back; the value column lists those consumers."""
    text_names, latex_names = names.all("text"), names.all("latex")
    consumers = graph.consumers()
    rows = []
    for r in range(len(graph) - 1, -1, -1):
        if adjoints[r] is ZERO or graph.prims[r] is CONST:
            continue
        readers = [j for j in consumers[r] if adjoints[j] is not ZERO
                   and graph.prims[j].differentiable]
        eq_text = [_equation(graph, text_names, j, "text") for j in reversed(readers)]
        eq_latex = [_equation(graph, latex_names, j, "latex") for j in reversed(readers)]
        if r == out:
            eq_text.insert(0, f"{names.output} = {names.text(r)}")
            eq_latex.insert(0, f"{names.output} = {names.latex(r)}")
        if not eq_text:  # an input the output does not depend on
            eq_text, eq_latex = ["(not used)"], ["\\text{(not used)}"]
        if r == out and not readers:
            rhs, kind = (format_value(seed, digits), format_value(seed, digits, "latex")), "seed"
        else:
            formula = Formula(names)
            terms = [seed] if r == out else []
            for j in readers:
                terms.extend(adjoint_terms(formula, graph, j, r, adjoints))
            result = formula.total(terms)
            rhs, kind = (formula.render(result, "text"), formula.render(result, "latex")), "rule"
        rows.append(Row(names.text(r, "bar"), rhs[0], adjoints[r], graph.values[r], eq_text,
                        kind, r, (names.latex(r, "bar"), rhs[1], eq_latex)))
    return rows


def reverse_table(source, at, seed=None, style="slides", digits=6, exact=False,
                  substitute=False):
    """The reverse accumulation table: rows from the output back to the inputs.

    Each row computes one adjoint w̄ = ∂z/∂w. A node used by several operations gets one row
    whose formula sums what each of them passes back, in recording order; its value column
    lists those operations, joined by "and", in the order the backward sweep meets them.

    Args: as :func:`forward_table`, except ``seed``: the output's adjoint (its cotangent). A
    scalar output is seeded with 1; a vector output needs one (``seed=[1, 0, 0]`` reads off the
    first row of the Jacobian), never silently all ones. With ``substitute`` the rows are the
    sweep as it runs, one ``w̄1 += w̄3 · w2 = 1 · 5 = 5`` per edge.
    Returns:
        a :class:`Table`; ``.result`` is ``{input name: ∂z/∂input}``.

    >>> t = reverse_table("log(x1) + x1*x2 - sin(x2)", at=(2.0, 5.0), style="griewank")
    >>> {name: round(value, 6) for name, value in t.result.items()}
    {'x1': 5.5, 'x2': 1.716338}
    """
    graph, values = graph_at(source, at, "reverse_table")  # at the point already
    out = single_output(graph, "reverse_table")
    names = Names(graph, style)
    seed = _cotangent(seed, graph.values[out], names.output)
    unit = np.ndim(seed) == 0 and seed == 1
    adjoints = _adjoints(graph, out, seed)
    with np.errstate(all="ignore"):
        rows = _edge_rows(graph, names, out, seed, adjoints, digits) if substitute else \
            _reverse_rows(graph, names, out, seed, adjoints, digits)
    result = {name: adjoints[ref] for name, ref in zip(graph.inputs, graph.input_refs)}
    title = (f"Reverse accumulation of {names.output} = {expression_text(graph, out)} at "
             f"{_point_text(graph, values, digits)}")
    if not unit:
        title += f", seed {names.output}\u0304 = {format_value(seed, digits)}"
    forward_pass = [(f"{names.text(i)} = {format_value(graph.values[i], digits)}",
                     f"{names.latex(i)} = {format_value(graph.values[i], digits, 'latex')}")
                    for i in range(len(graph)) if graph.prims[i] is not CONST]
    result_lines = []
    for name, ref in zip(graph.inputs, graph.input_refs):
        if style == "griewank" or not unit:  # a cotangent that is not 1 gives x̄, not ∂z/∂x
            label = (f"{name[0]}\u0304{name[1:]}", f"\\bar{{{latex_name(name)}}}")
        else:
            label = (f"∂{names.output}/∂{name}",
                     f"\\frac{{\\partial {names.output}}}{{\\partial {latex_name(name)}}}")
        result_lines.append((f"{label[0]} = {names.text(ref, 'bar')} = "
                             f"{format_value(adjoints[ref], digits)}",
                             f"{label[1]} = {names.latex(ref, 'bar')} = "
                             f"{format_value(adjoints[ref], digits, 'latex')}"))
    table = Table("reverse", rows, result, title=title, result_lines=result_lines, style=style,
                  digits=digits, forward_pass=forward_pass, substitute=substitute)
    return _attach_exact(table, graph, values, seed=seed) if exact else table
