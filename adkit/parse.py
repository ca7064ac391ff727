"""The allow-list parser: text such as ``"x1*x2 + sin(x1)"`` -> a Graph, never ``eval``.

A hand-written tokenizer reads numbers, names, operators and parentheses (anything else is
rejected, saying which character and where); a shunting-yard pass with an explicit operator
stack (no recursion, so no recursion limit to hit) orders the tokens for evaluation; a last loop
replays that order on the tracers of an abstract graph, so each operation records one node
exactly as tracing a Python function would (parts without variables fold into constants, as
Python folds ``2*pi``). Length, nesting depth, number magnitudes and constant powers are bounded
before anything is computed, so hostile input (``9**9**9**9``, 5000 nested parentheses,
``__import__('os')``) is rejected quickly with an :class:`~adkit.core.ParseError` that says
what is wrong and where.

Grammar, loosest first::

    + -          left-associative
    * / · ×      left-associative
    -x  +x  f x  prefix: unary minus/plus and a function applied without parentheses (sin x)
    ^ ** ²       power, right-associative and tighter than unary minus: -x^2 = -(x^2)
    atoms        numbers (2, 0.5, 1e-3), names (x1, θ, ẇ3), pi, e, f(a), max(a, b), (expr)

>>> import adkit as ad
>>> g = ad.parse("x1*x2 + sin(x1)")
>>> g.inputs
('x1', 'x2')
>>> g(x1=2.0, x2=5.0)
10.909297426825681
>>> ad.parse("2x")
Traceback (most recent call last):
...
adkit.core.ParseError: implicit multiplication is not allowed: did you mean 2*x?
  2x
   ^
"""
import difflib
import inspect
import math
import weakref
import unicodedata
from collections.abc import Mapping

import numpy as np

from adkit import primitives as P
from adkit.core import ALIASES, CONSTANTS, PRIMITIVES, ParseError
from adkit.graph import Graph
from adkit.tracing import start

__all__ = ["parse", "FUNCTIONS", "CONSTANTS", "MAX_LENGTH", "MAX_DEPTH", "MAX_NUMBER"]

MAX_LENGTH = 10_000      # characters
MAX_DEPTH = 100          # nesting of parentheses, and depth of the expression tree (sympy
                         # recurses over the tree: 140 nested sin() already exhaust its stack)
MAX_NUMBER = 1e15        # largest magnitude of a number literal
MAX_NAME = 64            # characters in one name
MAX_LOG10_CONSTANT = 300  # constant subexpressions (2^10, exp(3)) must stay within 1e±300

_ALIASES = ALIASES  # other spellings of the table's functions (ln, asin, max, ...)


class _Functions(Mapping):
    """Function names the parser accepts -> (primitive, number of arguments).

    Every elementwise primitive of the table that is written as a function (sin, sigmoid,
    maximum, or one you registered, such as softplus) under its name and the aliases above. It
    is read from the table at each lookup, so ``ad.register`` adds a function and
    ``ad.unregister`` removes it again.
    """

    def __getitem__(self, name):
        prim = PRIMITIVES.get(_ALIASES.get(name, name))
        if prim is None or not _by_name(prim):
            raise KeyError(name)
        return prim, prim.nargs

    def __iter__(self):
        names = [name for name, prim in PRIMITIVES.items() if _by_name(prim)]
        return iter(names + [alias for alias, name in _ALIASES.items() if name in names])

    def __len__(self):
        return len(list(iter(self)))


def _by_name(prim):
    """Can ``name(x, ...)`` in text call this primitive? Elementwise, written as a function, and
    needing no keyword parameters (``pow_const``'s exponent, a layer's options)."""
    if prim not in _CALLABLE:
        _CALLABLE[prim] = (prim.elementwise and prim.nargs >= 1
                           and prim.notation.kind in ("function", "call")
                           and not _needs_keywords(prim.impl))
    return _CALLABLE[prim]


def _needs_keywords(impl):
    try:
        params = inspect.signature(impl).parameters.values()
    except (TypeError, ValueError):  # numpy ufuncs: positional only
        return False
    return any(p.kind is p.KEYWORD_ONLY and p.default is p.empty for p in params)


_CALLABLE = weakref.WeakKeyDictionary()  # primitive -> callable by name (registered ones come and go)


FUNCTIONS = _Functions()

_BINARY = {"+": (P.add, 1), "-": (P.sub, 1), "*": (P.mul, 2), "/": (P.div, 2), "^": (P.power, 4)}
_FAMILIES = {"+": "add", "-": "add", "*": "mul", "/": "mul"}
_PREFIX_PREC = 3  # unary minus and "sin x": tighter than * and /, looser than ^
# Unicode spellings of the operators (as printed by adkit's tables, or pasted from slides).
_OPERATOR_ALIASES = {"·": "*", "⋅": "*", "×": "*", "∗": "*", "−": "-", "–": "-", "÷": "/",
                     "**": "^"}
_SUPERSCRIPTS = {c: d for c, d in zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")}
_SUBSCRIPT_CHARS = set("₀₁₂₃₄₅₆₇₈₉₋")
_ASCII_LETTERS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = set("0123456789")


# ---------------------------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------------------------

class _Token:
    """One token: kind is "number", "name", "op", "(", ")", ",", "end"; column is 1-based."""

    __slots__ = ("kind", "text", "column", "end", "value")

    def __init__(self, kind, text, column, end, value=None):
        self.kind = kind
        self.text = text
        self.column = column   # 1-based column of the first character
        self.end = end         # 0-based index just past the token
        self.value = value

    def __repr__(self):
        return f"_Token({self.kind!r}, {self.text!r}, {self.column})"


def _is_name_start(c):
    if c in _ASCII_LETTERS:
        return True
    if "\u0391" <= c <= "\u03c9":  # Greek letters (θ, α, ...); π is the constant
        return c != "π" and unicodedata.category(c).startswith("L")
    # accented Latin letters, such as the precomposed ẇ of the tables
    return c > "\x7f" and c.isalpha() and unicodedata.normalize("NFD", c)[0] in _ASCII_LETTERS


def _is_name_char(c):
    return (_is_name_start(c) or c in _DIGITS or c == "_" or c in _SUBSCRIPT_CHARS
            or "\u0300" <= c <= "\u036f")  # combining marks: v̇ (v + dot above), w̄ (w + macron)


def _describe(c):
    """A character as an error message shows it: 'a' (U+0061 LATIN SMALL LETTER A)."""
    name = unicodedata.name(c, "")
    if c == "\0":
        return "NUL (U+0000)"
    shown = repr(c) if c.isprintable() else "a control character"
    return f"{shown} (U+{ord(c):04X}{' ' + name if name else ''})"


def _bad_character(text, i):
    c = text[i]
    reason = f"invalid character {_describe(c)}"
    plain = unicodedata.normalize("NFKC", c)
    if plain != c and plain.isascii() and plain.isprintable():
        kind = "digit" if plain in _DIGITS else "character"
        reason = f"{'full-width ' if 'FULLWIDTH' in unicodedata.name(c, '') else ''}{kind} " \
                 f"{_describe(c)}: type the ASCII {plain!r} instead"
    elif c in "'\"":
        reason += ": strings are not part of an expression"
    elif c in "[]{}":
        reason += ": use ( and ) for grouping"
    elif c == "_":
        reason += ": names start with a letter"
    elif c == "=":
        reason += ": write the expression only (no equations or assignments)"
    raise ParseError(reason, text, i + 1)


def _scan_number(text, i):
    """The end index of the number literal starting at ``i`` (ASCII digits only)."""
    n = len(text)
    j = i
    while j < n and text[j] in _DIGITS:
        j += 1
    if j < n and text[j] == ".":
        j += 1
        while j < n and text[j] in _DIGITS:
            j += 1
    if j < n and text[j] in "eE":  # an exponent only if digits follow: "2e" is 2·e, not a number
        k = j + 1
        if k < n and text[k] in "+-":
            k += 1
        if k < n and text[k] in _DIGITS:
            while k < n and text[k] in _DIGITS:
                k += 1
            j = k
    return j


def _number_value(text, literal, column):
    value = float(literal)
    if not value <= MAX_NUMBER:  # also catches inf from 1e999999
        raise ParseError(f"the number {literal[:30]}{'…' if len(literal) > 30 else ''} is too "
                         f"large (the limit is {MAX_NUMBER:.0e})", text, column)
    return value


def tokenize(text):
    """Split ``text`` into tokens; raise ParseError at the first character that cannot start one."""
    tokens = []
    i, n = 0, len(text)
    depth = 0
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
            continue
        start = i
        if c in _DIGITS or (c == "." and i + 1 < n and text[i + 1] in _DIGITS):
            i = _scan_number(text, i)
            literal = text[start:i]
            tokens.append(_Token("number", literal, start + 1, i,
                                 _number_value(text, literal, start + 1)))
        elif _is_name_start(c):
            i = _scan_name(text, i, tokens)
        elif c in _SUPERSCRIPTS:  # x² is x^2
            i = _scan_superscript(text, i, tokens)
        elif text.startswith("**", i):
            i += 2
            tokens.append(_Token("op", "^", start + 1, i))
        elif c in "+-*/^" or c in _OPERATOR_ALIASES:
            if text.startswith("//", i):
                raise ParseError("'//' (floor division) is not supported; use /", text, i + 1)
            i += 1
            tokens.append(_Token("op", _OPERATOR_ALIASES.get(c, c), start + 1, i))
        elif c == "(":
            depth += 1
            if depth > MAX_DEPTH:
                raise ParseError(f"parentheses are nested too deeply (the limit is {MAX_DEPTH})",
                                 text, i + 1)
            i += 1
            tokens.append(_Token("(", c, start + 1, i))
        elif c == ")":
            depth -= 1
            i += 1
            tokens.append(_Token(")", c, start + 1, i))
        elif c == ",":
            i += 1
            tokens.append(_Token(",", c, start + 1, i))
        elif c == "π":
            i += 1
            tokens.append(_Token("name", "π", start + 1, i))
        else:
            _bad_character(text, i)
    tokens.append(_Token("end", "", n + 1, n))
    return tokens


def _scan_name(text, start, tokens):
    """Append the name starting at ``start`` (NFC-normalized, bounded); the index past it."""
    i = start
    while i < len(text) and _is_name_char(text[i]):
        i += 1
    name = unicodedata.normalize("NFC", text[start:i])
    if len(name) > MAX_NAME:
        raise ParseError(f"the name {name[:20]}… is too long (the limit is {MAX_NAME} "
                         f"characters)", text, start + 1)
    tokens.append(_Token("name", name, start + 1, i))
    return i


def _scan_superscript(text, start, tokens):
    """Append ``^`` and the exponent of a superscript (x², x⁻¹); the index past it."""
    i = start
    while i < len(text) and text[i] in _SUPERSCRIPTS:
        i += 1
    digits = "".join(_SUPERSCRIPTS[s] for s in text[start:i])
    negative = digits.startswith("-")
    body = digits[1:] if negative else digits
    if not body or not set(body) <= _DIGITS:
        raise ParseError(f"cannot read the superscript {text[start:i]!r} as an exponent",
                         text, start + 1)
    value = _number_value(text, body, start + 1)
    tokens.append(_Token("op", "^", start + 1, start))
    tokens.append(_Token("number", text[start:i], start + 1, i, -value if negative else value))
    return i


# ---------------------------------------------------------------------------------------------
# Shunting-yard: tokens -> postfix order, with an explicit operator stack
# ---------------------------------------------------------------------------------------------

class _Op:
    """An operator waiting on the stack: binary, prefix (-x, sin x), or an open parenthesis."""

    __slots__ = ("kind", "symbol", "prec", "token", "function", "args")

    def __init__(self, kind, symbol, prec, token, function=None):
        self.kind = kind          # "binary", "prefix", "paren"
        self.symbol = symbol      # "+", "neg", "pos", a function name, or "(".
        self.prec = prec
        self.token = token
        self.function = function  # for "paren": the function called, or None for grouping
        self.args = 1


def _implicit_multiplication(text, before, token):
    fixed = text[:before.end] + "*" + text[token.column - 1:]
    if len(fixed) > 60:  # show only the neighbourhood
        fixed = before.text + "*" + token.text
    raise ParseError(f"implicit multiplication is not allowed: did you mean {fixed}?", text,
                     token.column)


def _unknown_function(text, token, variables):
    name = token.text
    lowercase = [f for f in FUNCTIONS if f.islower()]
    close = [f for f in lowercase if f == name.lower()]
    if not close:  # the best matches only: 'sinn' is sin, not also sinh and asin
        ranked = difflib.get_close_matches(name.lower(), lowercase, n=3, cutoff=0.6)
        ratios = [difflib.SequenceMatcher(None, name.lower(), f).ratio() for f in ranked]
        close = [f for f, r in zip(ranked, ratios) if r >= ratios[0] - 0.05]
    if (variables is not None and name in variables) or (not close and len(name) <= 2):
        raise ParseError(f"'{name}' is not a function: did you mean {name}*(…)?", text,
                         token.column)
    hint = f"; did you mean {' or '.join(close)}?" if close else \
        f"; the functions are {', '.join(lowercase)}"
    raise ParseError(f"unknown function '{name}'{hint}", text, token.column)


def _what(token):
    return "the end of the expression" if token.kind == "end" else f"'{token.text}'"


def _to_postfix(text, tokens, variables):
    """Reorder the tokens into postfix (evaluation) order; check the syntax on the way."""
    output = []   # tokens and _Ops, in evaluation order
    stack = []
    expect_operand = True
    previous = None
    k = 0
    while k < len(tokens):
        token = tokens[k]
        k += 1
        if expect_operand:
            k, expect_operand = _operand(text, tokens, k, previous, stack, output, variables)
        elif token.kind == "op":
            _, prec = _BINARY[token.text]
            right = token.text == "^"
            while stack and stack[-1].kind != "paren" and (
                    stack[-1].prec > prec or (stack[-1].prec == prec and not right)):
                output.append(stack.pop())
            stack.append(_Op("binary", token.text, prec, token))
            expect_operand = True
        elif token.kind in (")", ",", "end"):
            if _close(text, token, stack, output):
                return output
            expect_operand = token.kind == ","
        else:  # an operand right after an operand
            _implicit_multiplication(text, previous, token)
        previous = token
    raise ParseError("internal error: no end token", text, None)  # pragma: no cover


def _operand(text, tokens, k, previous, stack, output, variables):
    """Read the operand (or prefix) at ``tokens[k - 1]``: ``(next k, still expecting one)``."""
    token, kind = tokens[k - 1], tokens[k - 1].kind
    if kind == "number":
        output.append(token)
        return k, False
    if kind == "name":
        name = token.text
        is_variable = variables is not None and name in variables
        if name in FUNCTIONS and not is_variable:
            if tokens[k].kind == "(":
                stack.append(_Op("paren", "(", 0, tokens[k], function=name))
                return k + 1, True
            if tokens[k].kind in ("name", "number") and FUNCTIONS[name][1] == 1:
                stack.append(_Op("prefix", name, _PREFIX_PREC, token))  # sin x
                return k, True
            example = f"{name}(x)" if FUNCTIONS[name][1] == 1 else f"{name}(x, y)"
            raise ParseError(f"the function '{name}' needs parentheses around its "
                             f"argument(s), e.g. {example}", text, token.column)
        if tokens[k].kind == "(" and name not in CONSTANTS and not is_variable:
            _unknown_function(text, token, variables)
        output.append(token)
        return k, False
    if kind == "op" and token.text in "+-":
        stack.append(_Op("prefix", "neg" if token.text == "-" else "pos", _PREFIX_PREC, token))
        return k, True
    if kind == "(":
        stack.append(_Op("paren", "(", 0, token))
        return k, True
    if kind == "end":
        if previous is None:
            raise ParseError("empty expression", text, None)
        raise ParseError(f"the expression ends too early: something must follow "
                         f"'{previous.text}'", text, token.column)
    if kind == ")":
        top = stack[-1] if stack else None
        if top is not None and top.kind == "paren" and tokens[k - 2].kind == "(":
            what = f"{top.function}()" if top.function else "()"
            raise ParseError(f"empty parentheses {what}: something must go inside",
                             text, token.column)
        raise ParseError("missing an operand before ')'", text, token.column)
    raise ParseError(f"missing an operand before {_what(token)}", text, token.column)


def _close(text, token, stack, output):
    """``)``, ``,`` or the end: pop operators down to the open parenthesis (checking a
    function's number of arguments); True at the end of the expression."""
    while stack and stack[-1].kind != "paren":
        output.append(stack.pop())
    if token.kind == "end":
        if stack:
            raise ParseError("unbalanced parentheses: this '(' is never closed",
                             text, stack[-1].token.column)
        return True
    if not stack:
        if token.kind == ")":
            raise ParseError("unbalanced parentheses: ')' without a matching '('",
                             text, token.column)
        raise ParseError("',' outside a function call such as max(a, b)", text, token.column)
    paren = stack[-1]
    if token.kind == ",":
        if paren.function is None or paren.args >= FUNCTIONS[paren.function][1]:
            who = f"{paren.function}()" if paren.function else "parentheses"
            raise ParseError(f"too many arguments: ',' in {who}", text, token.column)
        paren.args += 1
        return False
    stack.pop()
    if paren.function is not None:
        needed = FUNCTIONS[paren.function][1]
        if paren.args != needed:
            raise ParseError(f"{paren.function}() takes {needed} argument(s), "
                             f"got {paren.args}", text, token.column)
        output.append(_Op("prefix", paren.function, _PREFIX_PREC, paren.token))
    return False


# ---------------------------------------------------------------------------------------------
# Building the graph: one node per operation, in evaluation order
# ---------------------------------------------------------------------------------------------

class _Item:
    """A value on the evaluation stack: a traced node, or a constant (a float, folded)."""

    __slots__ = ("value", "depth", "family")

    def __init__(self, value, depth, family=None):
        self.value = value    # a Tracer on the graph being built, or a float
        self.depth = depth    # depth of the expression tree below (bounded by MAX_DEPTH)
        self.family = family  # "add" for + and -, "mul" for * and /: chains of them stay flat


def _constant_value(text, prim, args, column):
    """Fold ``prim`` on constants (as Python would), refusing results beyond 1e±300 or undefined
    ones. Powers are checked with logarithms before they are computed: 9^9^9 is refused at once."""
    if prim is P.power:
        base, exponent = args
        if base == 0:
            if exponent < 0:
                raise ParseError("0 to a negative power is undefined (division by zero)", text,
                                 column)
            return 0.0 if exponent > 0 else 1.0
        if base < 0 and exponent != int(exponent):
            raise ParseError("a negative number to a fractional power is not a real number",
                             text, column)
        if abs(exponent * math.log10(abs(base))) > MAX_LOG10_CONSTANT:
            raise ParseError(f"the constant power is too large (beyond 1e±{MAX_LOG10_CONSTANT})",
                             text, column)
        return float(base) ** exponent
    try:
        with np.errstate(all="ignore"):
            value = float(prim(*args))
    except (ArithmeticError, ValueError):
        value = math.nan
    if not math.isfinite(value) or abs(value) > 10.0 ** MAX_LOG10_CONSTANT:
        raise ParseError(f"this constant part is not a finite number ({prim.name}"
                         f"({', '.join(f'{a:g}' for a in args)}))", text, column)
    return value


def _input_names(text, postfix, variables):
    """The graph's inputs: ``variables``, or the names in order of first appearance."""
    if variables is not None:
        for token in postfix:
            if isinstance(token, _Token) and token.kind == "name" and token.text not in variables \
                    and token.text not in CONSTANTS:
                close = difflib.get_close_matches(token.text, variables, n=2, cutoff=0.5)
                hint = f"; did you mean {' or '.join(close)}?" if close else ""
                for f in sorted(FUNCTIONS, key=len, reverse=True):  # sinx: sin(x)?
                    if token.text.startswith(f) and token.text[len(f):] in variables:
                        hint = f"; did you mean {f}({token.text[len(f):]})?"
                        break
                raise ParseError(f"unknown variable '{token.text}'; the variables are "
                                 f"{', '.join(variables) or '(none)'}{hint}", text, token.column)
        return list(variables)
    names = {}
    for token in postfix:
        if isinstance(token, _Token) and token.kind == "name" and token.text not in CONSTANTS:
            names.setdefault(token.text, None)
    return list(names)


def _build(text, postfix, variables):
    """Replay the postfix order on abstract tracers: each operation records one node, exactly
    as tracing a Python function would (constants fold, as Python folds 2*pi)."""
    graph = Graph(abstract=True)
    names = _input_names(text, postfix, variables)
    tracers = dict(zip(names, start(graph, names, [None] * len(names))))
    stack = []
    for item in postfix:
        if isinstance(item, _Token):
            if item.kind == "number":
                stack.append(_Item(item.value, 0))
            elif item.text in tracers:
                stack.append(_Item(tracers[item.text], 0))
            else:  # pi, e
                stack.append(_Item(CONSTANTS[item.text], 0))
            continue
        if item.symbol == "pos":
            continue
        if item.kind == "binary":
            prim, nargs = _BINARY[item.symbol][0], 2
        elif item.symbol == "neg":
            prim, nargs = P.neg, 1
        else:
            prim, nargs = FUNCTIONS[item.symbol]
        args = stack[-nargs:]
        del stack[-nargs:]
        # a + b + c + … is one flat sum for sympy too: only nesting of different kinds counts
        family = _FAMILIES.get(item.symbol) if item.kind == "binary" else None
        depth = max(a.depth + (0 if family is not None and a.family == family else 1)
                    for a in args)
        column = item.token.column
        if depth > MAX_DEPTH:
            raise ParseError(f"the expression is nested too deeply (the limit is {MAX_DEPTH})",
                             text, column)
        values = [a.value for a in args]
        if all(type(v) is float for v in values):
            stack.append(_Item(_constant_value(text, prim, values, column), depth, family))
        else:
            stack.append(_Item(prim(*values), depth, family))
    (result,) = stack
    if type(result.value) is float:
        graph.add_constant_output(result.value)
    else:
        graph.outputs.append(result.value.index)
    return graph


def _check_variables(variables):
    if variables is None:
        return None
    if isinstance(variables, str):
        variables = variables.replace(",", " ").split()
    names = []
    for v in variables:
        if not isinstance(v, str) or not v or not _is_name_start(v[0]) or \
                not all(_is_name_char(c) for c in v) or v in FUNCTIONS:
            raise ParseError(f"{v!r} cannot be a variable name (names are letters, digits and _, "
                             f"starting with a letter, and not a function name)", str(v), None)
        name = unicodedata.normalize("NFC", v)
        if name in names:
            raise ParseError(f"the variable {name!r} is listed twice", name, None)
        names.append(name)
    return names


def parse(text, variables=None):
    """Read an expression into a Graph, safely (an allow-list; nothing is ever ``eval``-ed).

    Args:
        text: e.g. ``"x1*x2 + sin(x1)"``. ``^`` and ``**`` are powers; ``·``, ``×`` and ``−``
            are read as ``*`` and ``-``; ``pi`` and ``e`` are constants.
        variables: the input names, in order. When given, the graph has exactly these inputs
            (even unused ones) and any other name is an error; otherwise the inputs are the
            names in order of first appearance.
    Returns:
        an abstract :class:`~adkit.graph.Graph` (structure only, no values): inputs first, then
        one node per operation in evaluation order. Number constants sit inline in the nodes.
    Raises:
        ParseError: with the reason, the column and a caret line.

    >>> print(parse("x1*x2 + sin(x1)"))
    w1 = x1
    w2 = x2
    w3 = w1 · w2
    w4 = sin w1
    w5 = w3 + w4
    z = w5
    >>> parse("x^2", variables=["x", "y"]).inputs
    ('x', 'y')
    """
    if not isinstance(text, str):
        raise ParseError(f"expected the expression as text, got {type(text).__name__}",
                         repr(text)[:60], None)
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the expression is too long ({len(text)} characters; the limit is "
                         f"{MAX_LENGTH})", text[:60] + "…", None)
    variables = _check_variables(variables)
    tokens = tokenize(text)
    postfix = _to_postfix(text, tokens, variables)
    return _build(text, postfix, variables)
