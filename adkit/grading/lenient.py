"""Lenient reading of a student's answer: rewrite the tokens the way a teacher reads them.

Students write ``2x``, ``3x^2``, ``2 sin x``, ``x_1``, ``x₁``, ``SIN(x)``, ``√x``, ``xy``. This
module rewrites such text into the strict syntax of :func:`adkit.parse`: it only reorders and
joins the *tokens of adkit's own tokenizer* (names, numbers, operators, parentheses), inserting
``*`` where two operands touch and mapping names onto the allowed variables and functions. The
result is then read by the allow-list parser like any other text: nothing is ever evaluated, and
a name that maps to nothing stays an unknown name (an error), never a guess.

Function names come from the parser's table (``adkit.parse.FUNCTIONS``), so primitives other
branches add to the parser are read leniently too.

>>> rewrite("2x + 3x^2", ["x"])
'2 * x + 3 * x ^ 2'
>>> rewrite("2 SIN x cos x", ["x"])
'2 * sin x * cos x'
>>> rewrite("sin 2x", ["x"])
'sin ( 2 * x )'
>>> rewrite("x₁·x_2 + √x1", ["x1", "x2"])
'x1 * x2 + sqrt x1'
"""
import unicodedata

from adkit.core import ParseError

_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_OPERANDS = ("number", "variable", "constant", ")")
MAX_VOCABULARY = 64  # glued names are split only among this many variables (not 3000 rows)
MAX_SPLIT = 12   # longest glued name split into variables and functions (xy, sinx, xyz)


def _functions():
    from adkit.parse import FUNCTIONS
    return FUNCTIONS


def _constants():
    from adkit.parse import CONSTANTS
    return CONSTANTS


def rewrite(text, names, resolve=None):
    """The strict text a lenient reader makes of ``text``; raises ParseError like the parser.

    Args:
        names: the variables an answer may use.
        resolve: optional ``name -> canonical name or None`` for extra names (table rows such
            as ``w5bar`` -> ``wbar5``).
    """
    from adkit.parse import tokenize
    text = text.replace("√", " sqrt ")
    tokens = tokenize(text)
    allowed = names if isinstance(names, (set, frozenset)) else set(names)
    lower = {f.lower(): f for f in _functions() if f == f.lower()}
    pieces = []  # (kind, text, start, end): kind is number/variable/constant/function/op/(/)/,
    for token in tokens[:-1]:
        span = (token.column - 1, token.end)
        if token.kind == "name":
            pieces.extend((kind, text) + span
                          for kind, text in _name_pieces(token.text, allowed, lower, resolve))
        elif token.kind == "number":
            pieces.append(("number", _number_text(token)) + span)
        else:
            pieces.append((token.kind, token.text) + span)
    out = []
    previous = None
    close_after = None  # index of the last piece of a glued argument: sin 2x is sin(2x)
    for k, (kind, piece, _, _) in enumerate(pieces):
        if previous in _OPERANDS and kind in ("number", "variable", "constant", "function", "("):
            if not (previous == "number" and kind == "number"):
                out.append("*")
        if previous == "function" and kind != "(":
            end = _glued_run(pieces, k)
            if end > k:
                out.append("(")
                close_after = end
        out.append(piece)
        if k == close_after:
            out.append(")")
            close_after = None
        previous = kind
    return " ".join(out)


def _glued_run(pieces, k):
    """The last index of the operands written together from ``k`` on (2x, 2x^2, xy)."""
    end = k
    while end + 1 < len(pieces):
        kind, text, start, _ = pieces[end + 1]
        glued = start <= pieces[end][3]  # no space between (or the same token)
        if not glued or not (kind in ("number", "variable", "constant") or text == "^"):
            break
        end += 1
    if pieces[end][1] == "^":
        end -= 1
    return end


def _number_text(token):
    if token.text.isascii():
        return token.text
    value = token.value  # a superscript exponent: x² is x ^ 2, x⁻¹ is x ^ (-1)
    return f"({value:g})" if value < 0 else f"{value:g}"


def _name_pieces(name, allowed, lower, resolve):
    """A name token as one or more pieces: a variable, a function, or a glued product."""
    canonical = _one_name(name, allowed, lower, resolve)
    if canonical is not None:
        return [canonical]
    split = _split(name, allowed, lower)
    if split is not None:
        return split
    return [("unknown", name)]  # the parser will say what it is not, with its own hints


def _one_name(name, allowed, lower, resolve):
    if name in allowed:
        return ("variable", name)
    if name in _constants():
        return ("constant", name)
    if name in _functions():
        return ("function", name)
    if resolve is not None:
        resolved = resolve(name)
        if resolved is not None:
            return ("variable", resolved)
    plain = unicodedata.normalize("NFC", name.translate(_SUBSCRIPTS))
    for candidate in (plain, plain.replace("_", "")):
        if candidate in allowed:
            return ("variable", candidate)
    if name.lower() in lower:
        return ("function", lower[name.lower()])
    if name.lower() == "pi":
        return ("constant", "pi")
    return None


def _split(name, allowed, lower):
    """``xy`` -> x, y; ``sinx`` -> sin, x: the fewest known pieces, or None."""
    if len(name) > MAX_SPLIT or not name.isalpha() or len(allowed) > MAX_VOCABULARY:
        return None
    vocabulary = {v: ("variable", v) for v in allowed}
    best = [None] * (len(name) + 1)
    best[0] = []
    for end in range(1, len(name) + 1):
        for start in range(end):
            piece = name[start:end]
            if best[start] is None:
                continue
            entry = vocabulary.get(piece)
            if entry is None and piece.lower() in lower:
                entry = ("function", lower[piece.lower()])
            if entry is None:
                continue
            candidate = best[start] + [entry]
            if best[end] is None or len(candidate) < len(best[end]):
                best[end] = candidate
    found = best[len(name)]
    if not found or len(found) < 2:
        return None
    if found[-1][0] == "function":
        return None  # "xsin" is not a product
    return found


def suggestion_is_valid(suggestion, names):
    """Does a "did you mean ...?" suggestion parse under the allow-list parser?"""
    from adkit.parse import parse
    try:
        parse(suggestion, variables=list(names))
    except (ParseError, ValueError, TypeError):
        return False
    return True
