"""The typical wrong derivatives of one question, built once from the reference graph.

Each candidate is the array of values a *wrong* derivative takes at the sample points, with the
feedback a student who wrote it needs. They come from adkit's own forward sweep with one rule
mutated at one node (the graph knows which rule each node uses): the product rule as u'·v', the
quotient rule with its sign swapped or its denominator not squared, the power rule as n·xⁿ or
xⁿ⁻¹, a chain factor left out, the sign of a trig derivative, ln u for the derivative of 1/u or
of ln u; plus the whole derivative negated, taken with respect to another variable, or the
function itself. Feedback names the rule and the subexpression where it was misapplied. An
answer is compared against all of them in one numpy operation.

Mutations are local partials changed at one node and swept with the unchanged forward sweep
(a mutated partial may use the true tangents of the node's arguments: u'·v' is v' times u').
"""
import numpy as np

from adkit.graph import CONST, INPUT
from adkit.grading.numeric import close, node_args, tangent_of, tangent_sweep
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


# The mistake classes a key can give partial credit for (KEY: partial_credit = { chain = 0.5 }).
CREDIT_CLASSES = ("chain", "product", "quotient", "power", "trig_sign", "log", "outer", "sign",
                  "function", "variable", "offset", "factor")

_TRIG = {"sin": "(sin u)' = cos u · u'.", "cos": "(cos u)' = -sin u · u' (a minus sign).",
         "tan": "(tan u)' = (1 + tan² u) · u'."}


_KEPT = {"sin": "(sin u)' = cos u · u'.", "cos": "(cos u)' = -sin u · u'.",
         "tan": "(tan u)' = (1 + tan² u) · u'.", "tanh": "(tanh u)' = (1 - tanh² u) · u'.",
         "sqrt": "(√u)' = u'/(2√u)."}


def _rule_mutations(graph, env, partials, tangents, texts):
    """``(category, feedback, ("partials", mutated partials))`` for each misapplied rule."""
    out = []

    def mutate(i, new, category, feedback):
        changed = list(partials)
        changed[i] = tuple(new)
        out.append((category, feedback, ("partials", changed)))

    for i, prim in enumerate(graph.prims):
        if prim is INPUT or prim is CONST or partials[i] is None:
            continue
        with np.errstate(all="ignore"):
            _node_mutations(graph, env, partials, tangents, i, texts[i],
                            lambda *a, i=i: mutate(i, *a))
    return out


def _node_mutations(graph, env, partials, tangents, i, where, mutate):
    """The misapplied rules of node ``i``: ``mutate(new partials, category, feedback)``."""
    args, refs, name = node_args(graph, env, i), graph.refs[i], graph.prims[i].name
    if name == "mul" and None not in refs and all(tangents[r] is not None for r in refs):
        mutate((tangents[refs[1]], None), "product",
               f"Product rule in the derivative of {where}: (u·v)' = u'·v + u·v', not u'·v'.")
    elif name == "div" and None not in refs and all(tangents[r] is not None for r in refs):
        mutate((1 / tangents[refs[1]], None), "quotient",
               f"Quotient rule in the derivative of {where}: (u/v)' = (u'·v - u·v')/v², "
               f"not u'/v'.")
    if name == "div" and refs[1] is not None:
        p = partials[i]
        v = args[1]
        if refs[0] is not None:
            mutate([None if q is None else -q for q in p], "quotient",
                   f"Quotient rule in the derivative of {where}: (u/v)' = (u'·v - u·v')/v² "
                   f"(u'·v first: the sign is swapped).")
            mutate([p[0], None if p[1] is None else -p[1]], "quotient",
                   f"Quotient rule in the derivative of {where}: (u/v)' = (u'·v - u·v')/v², "
                   f"with a minus sign between the terms.")
        mutate([None if q is None else q * v for q in p], "quotient",
               f"Quotient rule in the derivative of {where}: the denominator is squared, "
               f"(u/v)' = (u'·v - u·v')/v².")
        if refs[0] is None and tangents[refs[1]] is not None:
            c = args[0]
            mutate([None, c * np.log(np.abs(v)) / tangents[refs[1]]], "log",
                   f"In the derivative of {where}: (1/u)' = -u'/u²; ln u is its "
                   f"antiderivative, not its derivative.")
    elif name == "pow_const":
        n = graph.params[i]["exponent"]
        mutate([n * args[0] ** n], "power",
               f"Power rule in the derivative of {where}: (uⁿ)' = n·uⁿ⁻¹·u', not n·uⁿ.")
        mutate([args[0] ** (n - 1)], "power",
               f"Power rule in the derivative of {where}: (uⁿ)' = n·uⁿ⁻¹·u' (the "
               f"factor n is missing).")
    elif name == "sqrt":
        mutate([1 / env[i]], "power",
               f"Power rule in the derivative of {where}: (√u)' = u'/(2√u) (the factor "
               f"1/2 is missing).")
    elif name == "log":
        mutate([np.log(args[0])], "log",
               f"In the derivative of {where}: (ln u)' = u'/u, not ln u.")
    elif name in _KEPT and refs[0] is not None:
        mutate([env[i]], "outer",
               f"In the derivative of {where}: the outer function was kept, not "
               f"differentiated; {_KEPT[name]}")


def build_candidates(graph, env, partials, names, wrt, count):
    """List of ``(category, feedback, values)`` in the order feedback prefers them."""
    texts = inline_expressions(graph)
    out = graph.outputs[0]
    derivative = tangent_of(graph, tangent_sweep(graph, env, wrt, partials), count)
    candidates = [("sign", "Your answer has the wrong sign: it is minus the derivative. Check the "
                           "signs of each term.", -derivative)]
    others = []
    for other in names:
        if other == wrt:
            continue
        values = tangent_of(graph, tangent_sweep(graph, env, other, partials), count)
        others.append(("variable", f"That is the derivative with respect to {other}; the "
                                   f"question asks for the derivative with respect to {wrt}.",
                       values))
    true_tangents = tangent_sweep(graph, env, wrt, partials)
    rules = _rule_mutations(graph, env, partials, true_tangents, texts)
    chain, signs, terms = [], [], []
    for i, prim in enumerate(graph.prims):
        if prim is INPUT or prim is CONST or partials[i] is None:
            continue
        positions = _variable_positions(graph, i)
        if _is_nonlinear(graph, i):
            inner = [graph.refs[i][k] for k in positions]
            if len(positions) == 1 and graph.prims[inner[0]] is not INPUT:
                chain.append(("chain", f"Chain rule: the derivative of {texts[i]} must be "
                                       f"multiplied by the derivative of its inside, "
                                       f"{texts[inner[0]]}.", (i, "chain", None)))
            if prim.name in _TRIG:
                signs.append(("trig_sign", f"Trig derivative sign in the derivative of "
                                           f"{texts[i]}: {_TRIG[prim.name]}", (i, "sign", None)))
            else:
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
    ordered = []
    for category, feedback, variant in chain + variants + rules + signs + terms:
        if variant is None:
            values = function
        elif variant[0] == "partials":
            values = tangent_of(graph, tangent_sweep(graph, env, wrt, variant[1]), count)
        else:
            values = tangent_of(graph, tangent_sweep(graph, env, wrt, partials, variant), count)
        ordered.append((category, feedback, values))
    # a chain factor left out first: d/dx sqrt(x1² + x2) without 2·x1 is also the x2-derivative
    # a specific rule (a quotient's sign swapped) before "minus the derivative"
    split = len(chain) + 1 + len(rules)
    return _distinct(ordered[:len(chain)] + others + ordered[len(chain):split] + candidates
                     + ordered[split:], derivative)


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
