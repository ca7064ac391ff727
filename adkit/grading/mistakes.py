"""The typical wrong derivatives of one question, built once from the reference graph.

Each candidate is the array of values a *wrong* derivative takes at the sample points, with the
feedback a student who wrote it needs. They come from adkit's own forward sweep with one thing
changed: the whole derivative negated, taken with respect to another variable, the function
itself, one node's chain factor left out, one node's derivative with the wrong sign, one term of
a product (quotient, power) rule dropped. An answer is compared against all of them in one
numpy operation.
"""
import numpy as np

from adkit.graph import CONST, INPUT
from adkit.grading.numeric import close, tangent_of, tangent_sweep
from adkit.printing import inline_expressions

def _variable_positions(graph, i):
    return [k for k, r in enumerate(graph.refs[i]) if r is not None]


def _is_nonlinear(graph, i):
    """Applying node i to a value is a function with its own derivative (sin, exp, 1/w, w^2)."""
    name = graph.prims[i].name
    positions = _variable_positions(graph, i)
    if graph.prims[i].notation.linear:  # add, sub, neg, mul: no chain factor to forget
        return False
    if name == "div" and positions == [0]:
        return False  # w / c is linear in w
    return graph.prims[i].partials is not None and graph.prims[i].differentiable


def _rule_name(graph, i):
    name = graph.prims[i].name
    return {"mul": "product rule", "div": "quotient rule"}.get(name, f"rule for {name}")


def _rule_formula(graph, i):
    return {"mul": " (u·v)' = u'·v + u·v'.", "div": " (u/v)' = (u'·v - u·v')/v²."}.get(
        graph.prims[i].name, " both arguments depend on the variable.")


def build_candidates(graph, env, partials, names, wrt, count):
    """List of ``(category, feedback, values)`` in the order feedback prefers them."""
    texts = inline_expressions(graph)
    out = graph.outputs[0]
    derivative = tangent_of(graph, tangent_sweep(graph, env, wrt, partials), count)
    candidates = [("sign", "Your answer has the wrong sign: it is minus the derivative. Check the "
                           "signs of each term.", -derivative)]
    for other in names:
        if other == wrt:
            continue
        values = tangent_of(graph, tangent_sweep(graph, env, other, partials), count)
        candidates.append(("variable", f"That is the derivative with respect to {other}; the "
                                       f"question asks for the derivative with respect to {wrt}.",
                           values))
    chain, signs, terms = [], [], []
    for i, prim in enumerate(graph.prims):
        if prim is INPUT or prim is CONST or partials[i] is None:
            continue
        positions = _variable_positions(graph, i)
        if _is_nonlinear(graph, i):
            inner = [graph.refs[i][k] for k in positions]
            if len(positions) == 1 and graph.prims[inner[0]] is not INPUT:
                chain.append(("chain", f"A chain-rule factor is missing: the derivative of "
                                       f"{texts[i]} must be multiplied by the derivative of its "
                                       f"inside, {texts[inner[0]]}.", (i, "chain", None)))
            signs.append(("sign", f"Check the sign of the derivative of {texts[i]}.",
                          (i, "sign", None)))
        if len(positions) >= 2 and prim.name != "add" and prim.name != "sub":
            for keep in positions:
                terms.append(("product", f"A term of the {_rule_name(graph, i)} is missing in the "
                                         f"derivative of {texts[i]}:{_rule_formula(graph, i)}",
                              (i, "term", keep)))
    # exp(3x) for exp(3x) is both "the function itself" and "a chain factor left out": the
    # chain rule is the more useful hint, so chain variants come first.
    function = np.broadcast_to(np.asarray(env[out], dtype=float), (count,))
    variants = [("function", f"That is the function {texts[out]} itself, not its derivative with "
                             f"respect to {wrt}.", None)]
    for category, feedback, variant in chain + variants + signs + terms:
        if variant is None:
            values = function
        else:
            values = tangent_of(graph, tangent_sweep(graph, env, wrt, partials, variant), count)
        candidates.append((category, feedback, values))
    return _distinct(candidates, derivative)


def _distinct(candidates, derivative):
    """Drop candidates that equal the true derivative (or an earlier candidate) or are zero."""
    scale = 1.0 + float(np.median(np.abs(derivative)))
    kept = []
    for category, feedback, values in candidates:
        values = np.asarray(values, dtype=float)
        if not np.all(np.isfinite(values)):
            continue
        if np.all(close(values, derivative, scale)) or np.all(np.abs(values) <= 1e-12):
            continue
        if any(np.all(close(values, v, scale)) for _, _, v in kept):
            continue
        kept.append((category, feedback, values))
    return kept
