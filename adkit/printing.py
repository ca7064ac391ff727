"""Printing graphs: node names, expressions with the fewest parentheses, the Wengert list.

Every printer asks the primitive table how a primitive looks (its :class:`~adkit.core.Notation`);
nothing here knows a primitive by name. Two styles: ``"text"`` (Unicode: ``w1 · w2``,
``sin w1``) and ``"latex"`` (``w_1 \\cdot w_2``, ``\\sin w_1``).
"""
import math
import numbers
import re
import unicodedata

import numpy as np

from adkit.core import ADError, ATOM_PREC, GREEK, MUL_PREC, NEG_PREC, POW_PREC
from adkit.graph import CONST, INPUT

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


# A function printed without parentheses (sin w1) binds tighter than · but looser than ^; as an
# operand of an infix operator that is not "juxtaposition-safe" (/ and the comparisons) it is
# parenthesised: "(exp x) / x", never "exp x / x".
JUXT_PREC = POW_PREC - 1


def _enclose(text, notation, style):
    opening, closing = notation.enclose[0 if style == "text" else 1]
    return f"{opening}{text}{closing}"


def _infix(n, symbol, args, style):
    (left, lp), (right, rp) = args
    prec = n.precedence
    if lp < prec or (lp == JUXT_PREC and n.right_paren and prec >= MUL_PREC):
        left = _wrap(left, style)
    if rp < prec or (rp == prec and n.right_paren):
        right = _wrap(right, style)
    text = f"{left} {symbol} {right}"
    if n.enclose:  # comparisons as numbers: the Iverson bracket [w1 > 0]
        return _enclose(text, n, style), ATOM_PREC
    return text, prec


def _power(n, symbol, args, params, style):
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


def _function(n, symbol, args, style):
    ((arg, ap),) = args
    if n.enclose:
        return _enclose(arg, n, style), ATOM_PREC
    if n.radical:
        if style == "latex":
            return f"\\sqrt{{{arg}}}", ATOM_PREC
        return ("√" + arg if ap >= ATOM_PREC else f"√{_wrap(arg, style)}"), ATOM_PREC
    if ap >= ATOM_PREC and n.juxtapose:
        return f"{symbol} {arg}", JUXT_PREC  # sin w1, as on the slides
    return f"{symbol}{_wrap(arg, style)}", ATOM_PREC


def apply_notation(prim, args, params, style="text"):
    """Print ``prim`` applied to already printed arguments, as its :class:`Notation` says.

    Args:
        args: list of ``(text, precedence)`` pairs.
    Returns:
        ``(text, precedence)`` of the application.
    """
    n = prim.notation
    symbol = n.text if style == "text" else n.latex
    if n.kind == "infix":
        return _infix(n, symbol, args, style)
    if n.kind == "implicit":  # broadcast_to: numpy broadcasts by itself; the operand is the text
        return args[0]
    if n.kind == "prefix":
        ((arg, ap),) = args
        if ap <= n.precedence:
            arg = _wrap(arg, style)
        return f"{symbol}{arg}", n.precedence
    if n.kind == "power":
        return _power(n, symbol, args, params, style)
    if n.kind in ("postfix", "index"):
        ((arg, ap),) = args
        if ap < ATOM_PREC:
            arg = _wrap(arg, style)
        if n.kind == "index":
            return f"{arg}[{_index_text(params['index'])}]", ATOM_PREC
        return f"{arg}{symbol}", POW_PREC
    if n.kind == "function" and len(args) == 1 and not params:
        return _function(n, symbol, args, style)
    # function of several arguments, or a call with parameters: name(a, b, key=value)
    parts = [a for a, _ in args] + _params_text(params)
    return f"{symbol}({', '.join(parts)})", ATOM_PREC


_GREEK = set(GREEK)


def _latex_subscript(text):
    return f"_{text}" if len(text) == 1 else f"_{{{text}}}"


def _latex_head(head):
    if len(head) == 1 and "\u0391" <= head <= "\u03c9":
        letter = unicodedata.name(head, "").split()[-1].lower()
        return "\\" + (letter.capitalize() if head.isupper() else letter)
    if head in _GREEK:
        return "\\" + head
    if len(head) > 1 or not head.isascii():
        return "\\mathit{" + head + "}"
    return head


def latex_name(name):
    r"""A name in LaTeX (also matplotlib's mathtext), the one rule for tables, drawings and pages.

    >>> print(*[latex_name(n) for n in ("x1", "w12", "theta2", "θ", "lr", "h_prev", "x_1")])
    x_1 w_{12} \theta_2 \theta \mathit{lr} h_{\mathrm{prev}} x_1
    """
    head, sep, tail = name.partition("_")
    if sep and tail and not tail.isdigit():
        return _latex_head(head) + "_{\\mathrm{" + tail.replace("_", "\\_") + "}}"
    if sep and tail.isdigit():
        return _latex_head(head) + _latex_subscript(tail)
    head = name.rstrip("0123456789")
    digits = name[len(head):]
    if not head:
        return name
    return _latex_head(head) + (_latex_subscript(digits) if digits else "")


NODE_LETTERS = ("w", "v", "u", "h", "t", "q")


def node_letter(input_names, preferred="w"):
    """The letter of node names (w1, w2, …) that no input name can be read as.

    Deck 004's net has inputs w1, w2: its nodes are then v1, v2, … so that "w1" never means two
    things in one table, drawing, page or grade report.

    >>> node_letter(["x1", "x2"]), node_letter(["w1", "w2", "x"]), node_letter(["w", "v2"])
    ('w', 'v', 'u')
    """
    for letter in (preferred,) + tuple(c for c in NODE_LETTERS if c != preferred):
        pattern = re.compile(rf"{letter}(_?\d+)?")  # w1, w_1, and w itself
        if not any(pattern.fullmatch(name) for name in input_names):
            return letter
    raise ADError(f"inputs named {', '.join(input_names)} use every node letter "
                  f"({', '.join(NODE_LETTERS)}); rename an input, e.g. w1 -> a1")


def default_names(graph, style="text"):
    """Slide-style names for every node, inputs included: w1, w2, … (``w_1`` in LaTeX); another
    letter when an input is called like a node (see :func:`node_letter`)."""
    letter = node_letter(graph.inputs)
    names = [f"{letter}{i + 1}" for i in range(len(graph))]
    return names if style == "text" else [latex_name(n) for n in names]


def output_name(graph, k=0):
    """The output's name: z (f, then y, if an input already has that name); z1, z2, … for several."""
    base = next(b for b in ("z", "f", "y", "out") if b not in graph.inputs)
    return base if len(graph.outputs) == 1 else f"{base}{k + 1}"


def node_expression(graph, i, names, style="text"):
    """The right-hand side of node ``i`` with its arguments by name (``w1 · w2``)."""
    prim, refs, argvals, params = (graph.prims[i], graph.refs[i], graph.argvals[i], graph.params[i])
    if prim is INPUT:
        return params["name"]
    if prim is CONST:
        return format_number(params["value"], style)
    args = [_number_argument(c, style) if r is None else (names[r], ATOM_PREC)
            for r, c in zip(refs, argvals)]
    params = {k: v for k, v in params.items()}
    return apply_notation(prim, args, params, style)[0]


def _number_argument(value, style):
    """A constant argument as ``(text, precedence)``."""
    text = format_number(value, style)
    return text, _number_precedence(text)


def inline_expressions(graph, names=None, style="text", plumbing=True):
    """Every node printed as one expression of the inputs (no intermediate names).

    A plain loop in recording order: each node's text is built from its arguments' texts.
    ``plumbing=False`` (a derivative formula) prints a reshape or broadcast as its argument: on
    a slide w̄8 = w̄9 / 3, not broadcast_to(reshape(w̄9, shape=(1,)), shape=(3,)) / 3.
    """
    texts = []
    for i, (prim, refs, argvals, params) in enumerate(graph.nodes):
        if prim is INPUT:
            texts.append((names[i] if names else params["name"], ATOM_PREC))
            continue
        if prim is CONST:
            texts.append(_number_argument(params["value"], style))
            continue
        args = [_number_argument(c, style) if r is None else texts[r]
                for r, c in zip(refs, argvals)]
        if prim.notation.plumbing and not plumbing and args:
            texts.append(args[0])
            continue
        texts.append(apply_notation(prim, args, params, style))
    return [t for t, _ in texts]


def expression_text(graph, out, limit=160):
    """The output as one expression of the inputs (``x1 · x2 + sin x1``), or, when that would be
    longer than ``limit`` characters, a short stand-in. Lengths are estimated first: printing
    x·x squared fifty times in full would take 2⁵⁰ characters."""
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


def wengert_list(graph):
    """The graph as one line per node, then its outputs: ``w3 = w1 · w2``, …, ``z = w5``."""
    names = default_names(graph)
    lines = [f"{names[i]} = {node_expression(graph, i, names)}" for i in range(len(graph))]
    for k, ref in enumerate(graph.outputs):
        lines.append(f"{output_name(graph, k)} = {names[ref]}")
    return "\n".join(lines)


def graph_to_dot(graph, wire_labels=None, output_label=None):
    """Graphviz text, the one DOT writer: a box per node labelled with its equation, an edge per
    argument. ``wire_labels`` maps an edge ``(r, i)`` to ``[(text, colour), …]`` (the values and
    adjoints :func:`adkit.draw.to_dot` writes on the wires); ``output_label`` labels the output's.
    """
    names = default_names(graph)
    wire_labels = wire_labels or {}
    lines = ["digraph adkit {", "  rankdir=LR;",
             '  node [shape=box, style="rounded,filled", fillcolor="#f7f7f7", fontname="Helvetica"];']
    for i, (prim, refs, argvals, params) in enumerate(graph.nodes):
        label = _dot_escape(f"{names[i]} = {node_expression(graph, i, names)}")
        extra = ', fillcolor="#e8f1fb"' if prim is INPUT else ""
        lines.append(f'  n{i} [label="{label}"{extra}];')
        for r in dict.fromkeys(r for r in refs if r is not None):
            lines.append(f"  n{r} -> n{i}{_dot_label(wire_labels.get((r, i)))};")
    for k, ref in enumerate(graph.outputs):
        lines.append(f'  out{k} [label="{_dot_escape(output_name(graph, k))}", shape=plaintext, '
                     f'style=""];')
        lines.append(f"  n{ref} -> out{k}{_dot_label(output_label if k == 0 else None)};")
    lines.append("}")
    return "\n".join(lines)


def _dot_escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dot_label(parts):
    if not parts:
        return ""
    html = "<br/>".join(f'<font color="{colour}">{_html(text)}</font>' for text, colour in parts
                        if text)
    return f" [label=<{html}>]" if html else ""


def _html(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _short(value):
    """A value for a one-line message: ``-1.0``, ``[3. 1. 2.]`` (long arrays elided)."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if np.ndim(value) == 0:
        return repr(float(value)) if isinstance(value, (numbers.Real, np.ndarray)) else repr(value)
    text = np.array2string(np.asarray(value), threshold=8, edgeitems=3, max_line_width=10**6)
    return " ".join(text.split())


def guard_message(graph, i, expected, got, input_values):
    """Why a traced graph refuses a point: the decision at node ``i`` went the other way."""
    from adkit.arrays import value_of
    text = expression_text(graph, i, limit=60)
    notation = graph.prims[i].notation
    if notation.enclose and notation.kind == "infix":  # `x > 0`, not the Iverson bracket
        opening, closing = notation.enclose[0]
        if text.startswith(opening) and text.endswith(closing):
            text = text[len(opening):len(text) - len(closing)]
    point = ", ".join(f"{name}={_short(value_of(v))}" for name, v in zip(graph.inputs,
                                                                          input_values))
    if type(expected) is bool:
        decision = f"`{text}` was {expected}; at {point} it is {got}"
    else:
        decision = (f"a sort order, argmax, mask or integer was read from `{text}` = "
                    f"{_short(expected)}; at {point}" +
                    ("" if graph.prims[i] is INPUT else f" it is {_short(got)}"))
    return (f"trace: this graph was recorded where {decision}; trace again at this point or use "
            f"ad.compile, which re-traces")
