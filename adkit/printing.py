"""Printing graphs: node names, expressions with the fewest parentheses, the Wengert list.

Every printer asks the primitive table how a primitive looks (its :class:`~adkit.core.Notation`);
nothing here knows a primitive by name. Two styles: ``"text"`` (Unicode: ``w1 · w2``,
``sin w1``) and ``"latex"`` (``w_1 \\cdot w_2``, ``\\sin w_1``).
"""
import math
import numbers

import numpy as np

from adkit.graph import CONST, INPUT
from adkit.primitives import ATOM_PREC, NEG_PREC, POW_PREC

_NAMED_CONSTANTS = {math.pi: ("π", r"\pi"), math.e: ("e", "e")}
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def format_number(c, style="text", digits=6, named=True):
    """A number as it prints: 2 not 2.0, π for pi (unless ``named`` is False), arrays by their shape."""
    if isinstance(c, (bool, np.bool_)):
        return "true" if c else "false"
    if isinstance(c, numbers.Number) or (isinstance(c, np.ndarray) and c.ndim == 0):
        value = float(c)
        if not math.isfinite(value):
            return ("∞" if style == "text" else r"\infty") if value == math.inf else \
                ("-∞" if style == "text" else r"-\infty") if value == -math.inf else \
                ("nan" if style == "text" else r"\mathrm{nan}")
        if named and abs(value) in _NAMED_CONSTANTS:  # pi and e, as typed into ad.parse
            name = _NAMED_CONSTANTS[abs(value)][style == "latex"]
            return name if value > 0 else "-" + name
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        text = f"{value:.{digits}g}"
        if style == "latex" and "e" in text:
            mantissa, exponent = text.split("e")
            return f"{mantissa} \\times 10^{{{int(exponent)}}}"
        return text
    shape = np.shape(c)
    return ("⟨" + "×".join(map(str, shape)) + "⟩") if style == "text" else \
        r"\langle " + r"\times ".join(map(str, shape)) + r"\rangle"


def _number_precedence(text):
    return NEG_PREC if text.startswith("-") else ATOM_PREC


def _wrap(text, style):
    return f"({text})" if style == "text" else f"\\left({text}\\right)"


def _params_text(params):
    parts = []
    for k, v in params.items():
        if k == "keepdims" and not v:
            continue
        parts.append(f"{k}={v}")
    return parts


def _index_text(index):
    parts = []
    for i in index:
        if isinstance(i, slice):
            s = "" if i.start is None else str(i.start)
            s += ":" + ("" if i.stop is None else str(i.stop))
            if i.step is not None:
                s += f":{i.step}"
            parts.append(s)
        elif i is Ellipsis:
            parts.append("...")
        elif i is None:
            parts.append("None")
        elif isinstance(i, np.ndarray):
            parts.append("[" + ", ".join(map(str, i.ravel()[:4].tolist())) +
                         (", …]" if i.size > 4 else "]"))
        else:
            parts.append(str(i))
    return ", ".join(parts)


def apply_notation(prim, args, params, style="text"):
    """Print ``prim`` applied to already printed arguments.

    Args:
        args: list of ``(text, precedence)`` pairs.
    Returns:
        ``(text, precedence)`` of the application.
    """
    n = prim.notation
    symbol = n.text if style == "text" else n.latex
    if n.kind == "infix":
        (left, lp), (right, rp) = args
        prec = n.precedence
        if lp < prec:
            left = _wrap(left, style)
        # a - (b + c), a / (b · c): the right side of - and / needs parentheses at equal precedence
        if rp < prec or (rp == prec and prim.name in ("sub", "div", "matmul")):
            right = _wrap(right, style)
        return f"{left} {symbol} {right}", prec
    if n.kind == "prefix":
        ((arg, ap),) = args
        if ap <= n.precedence:
            arg = _wrap(arg, style)
        return f"{symbol}{arg}", n.precedence
    if n.kind == "power":
        base, bp = args[0]
        if bp <= POW_PREC:
            base = _wrap(base, style)
        if len(args) == 1 and "exponent" not in params:  # square: the exponent is in the symbol
            return f"{base}{symbol}" if style == "latex" or symbol != "^2" else f"{base}²", POW_PREC
        if len(args) == 1:  # pow_const: the exponent is a parameter
            text = format_number(params["exponent"], style)
            exponent, ep = text, _number_precedence(text)
        else:
            exponent, ep = args[1]
        if style == "latex":
            return f"{base}^{{{exponent}}}", POW_PREC
        if exponent.isdigit() or (exponent.startswith("-") and exponent[1:].isdigit()):
            return base + exponent.translate(_SUPERSCRIPT), POW_PREC
        if ep < ATOM_PREC:
            exponent = _wrap(exponent, style)
        return f"{base}^{exponent}", POW_PREC
    if n.kind == "postfix":
        ((arg, ap),) = args
        if ap < ATOM_PREC:
            arg = _wrap(arg, style)
        return f"{arg}{symbol}", POW_PREC
    if n.kind == "index":
        ((arg, ap),) = args
        if ap < ATOM_PREC:
            arg = _wrap(arg, style)
        return f"{arg}[{_index_text(params['index'])}]", ATOM_PREC
    if n.kind == "function" and len(args) == 1 and not params:
        ((arg, ap),) = args
        if ap >= ATOM_PREC and n.kind == "function" and prim.name != "sqrt":
            return f"{symbol} {arg}", POW_PREC - 1  # sin w1, as on the slides
        if style == "latex" and prim.name == "sqrt":
            return f"\\sqrt{{{arg}}}", ATOM_PREC
        return f"{symbol}{_wrap(arg, style)}", ATOM_PREC
    # function of several arguments, or a call with parameters: name(a, b, key=value)
    parts = [a for a, _ in args] + _params_text(params)
    return f"{symbol}({', '.join(parts)})", ATOM_PREC


def default_names(graph):
    """Slide-style names: w1, w2, … for every node, inputs included."""
    return [f"w{i + 1}" for i in range(len(graph))]


def output_name(graph, k=0):
    """The output's name: z (f if an input is already called z); z1, z2, … for several."""
    base = "f" if "z" in graph.inputs else "z"
    return base if len(graph.outputs) == 1 else f"{base}{k + 1}"


def node_expression(graph, i, names, style="text"):
    """The right-hand side of node ``i`` with its arguments by name (``w1 · w2``)."""
    prim, refs, argvals, params = (graph.prims[i], graph.refs[i], graph.argvals[i], graph.params[i])
    if prim is INPUT:
        return params["name"]
    if prim is CONST:
        return format_number(params["value"], style)
    args = []
    for r, c in zip(refs, argvals):
        if r is None:
            text = format_number(c, style)
            args.append((text, _number_precedence(text)))
        else:
            args.append((names[r], ATOM_PREC))
    params = {k: v for k, v in params.items()}
    return apply_notation(prim, args, params, style)[0]


def inline_expressions(graph, names=None, style="text"):
    """Every node printed as one expression of the inputs (no intermediate names).

    A plain loop in recording order: each node's text is built from its arguments' texts.
    """
    texts = []
    for i, (prim, refs, argvals, params) in enumerate(graph.nodes):
        if prim is INPUT:
            texts.append((names[i] if names else params["name"], ATOM_PREC))
            continue
        if prim is CONST:
            text = format_number(params["value"], style)
            texts.append((text, _number_precedence(text)))
            continue
        args = []
        for r, c in zip(refs, argvals):
            if r is None:
                text = format_number(c, style)
                args.append((text, _number_precedence(text)))
            else:
                args.append(texts[r])
        texts.append(apply_notation(prim, args, params, style))
    return [t for t, _ in texts]


def wengert_list(graph):
    """The graph as one line per node, then its outputs: ``w3 = w1 · w2``, …, ``z = w5``."""
    names = default_names(graph)
    lines = [f"{names[i]} = {node_expression(graph, i, names)}" for i in range(len(graph))]
    for k, ref in enumerate(graph.outputs):
        lines.append(f"{output_name(graph, k)} = {names[ref]}")
    return "\n".join(lines)


def graph_to_dot(graph):
    """Graphviz text: one box per node, labelled with its equation, edges from inputs."""
    names = default_names(graph)
    lines = ["digraph adkit {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    for i, (prim, refs, argvals, params) in enumerate(graph.nodes):
        label = f"{names[i]} = {node_expression(graph, i, names)}".replace('"', r'\"')
        shape = ', shape=ellipse' if prim is INPUT else ''
        lines.append(f'  n{i} [label="{label}"{shape}];')
        for r in dict.fromkeys(r for r in refs if r is not None):
            lines.append(f"  n{r} -> n{i};")
    for k, ref in enumerate(graph.outputs):
        lines.append(f'  out{k} [label="{output_name(graph, k)}", shape=plaintext];')
        lines.append(f"  n{ref} -> out{k};")
    lines.append("}")
    return "\n".join(lines)
