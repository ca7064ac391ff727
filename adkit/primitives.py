"""The primitive table: every operation adkit can differentiate, one block per primitive.

A block holds everything about one primitive: its numpy implementation, its float
implementation, its derivative rule, what the rule reads (``saves``), its sympy counterpart,
how it prints, and a docstring with its formula and a worked example. Elementwise primitives
give their **local partials** ``∂out/∂argᵢ`` (written with the primitives below, so they work on
floats, arrays, Duals and traced values alike, and print by running them on symbolic names);
array primitives give a JVP and a VJP rule. The array functions users call (``sum`` with an
``axis``, ``reshape``, ``stack``, ``dot``, …) normalize their arguments in :mod:`adkit.arrays`
and then bind a primitive of this table.

How to add a primitive
----------------------
1. **Elementwise unary** — decorate its partials ``(out, x) -> (∂out/∂x,)``; the docstring is
   the primitive's (formula + example, run as a test)::

       @elementwise("sin", np.sin, scalar_impl=math.sin, saves=(0,),
                    notation=function("sin", r"\\sin"))
       def sin(out, x):
           '''sin(x).  ∂/∂x = cos x.   (then a worked example: >>> sin(0.0) / 0.0)'''
           return (cos(x),)

   ``saves`` says what the rule reads: argument positions and/or ``"out"`` (``("out",)`` for
   exp, ``()`` for add); a gradient sweep drops big arrays the rule does not read. The sympy
   counterpart defaults to ``sympy.<name>``; give ``sympy=lambda sp, x: ...`` otherwise.
2. **Elementwise binary** — the same with ``nargs=2``, partials ``(out, x, y) -> (∂/∂x, ∂/∂y)``
   and usually ``notation=infix("·", r"\\cdot", MUL_PREC)``. Broadcasting is undone in one
   place (the sweeps call :func:`unbroadcast`), never inside a rule.
   When a partial costs array work, ``partials_needed=True`` lets the rule take ``needed=``
   (one bool per argument) and give None for the partials of constants (see ``div``).
3. **Not differentiable** (comparisons, sign, floor): one call,
   ``not_differentiable(name, np_impl, scalar_impl=..., nargs=...)``.
4. **Reductions and array operations** — a numpy implementation taking keyword parameters
   (``axis``, ``shape``: already normalized, see :mod:`adkit.arrays`), a JVP rule
   ``jvp(primals, tangents, out, batch, **params)`` (a tangent may be ``None`` = zero, and may
   carry ``batch`` extra leading axes) and a VJP rule decorated with :func:`array_primitive`,
   ``vjp(ct, out, *args, **params) -> one cotangent per argument``. Rules call the primitives
   of this table (``sum_p``, ``reshape_p``, …), then add the user-facing wrapper that
   normalizes parameters to :mod:`adkit.arrays`.
5. Name it in ``adkit/__init__.py`` / ``adkit/numpy.py`` if it is public, and add a row to
   ``tests/catalogue.py`` so the test suite checks it against sympy, central differences and
   the other mode. Outside adkit, ``ad.register(ad.Primitive(name, impl, partials=...))`` (or
   ``with ad.registered(prim): ...``) adds one at run time.

Conventions at kinks and domain edges (the one place they are chosen; forward and reverse mode
both use the rules below, so they always agree):

=====================  ==========================================================
``abs`` at 0           derivative 0 (``sign(0) = 0``)
``relu`` at 0          derivative 0 (``relu'(x) = [x > 0]``)
``maximum``/``minimum``  at a tie, each argument gets half: ∂/∂x = ∂/∂y = 0.5
``sqrt`` at 0          derivative ``+inf`` (IEEE: 0.5 / 0)
``x ** c``             ∂/∂x = c · x^(c−1); for c = 0 it is 0 everywhere (also at x = 0)
``x ** y`` at x = 0    ∂/∂y = 0 (the limit of xʸ log x for y > 0) instead of 0 · (−inf)
``log`` at 0           value ``-inf``, derivative ``+inf``; below 0 both are ``nan``
comparisons, ``sign``  not differentiable: derivative 0 everywhere
a zero factor          a zero tangent, adjoint or partial contributes 0, even times an
                       infinite or undefined one (:func:`zero_wins`): d/dx x ** relu(x) is 0
                       at -2, d/dx sqrt(relu(x)) is 0 at -1
=====================  ==========================================================

Values follow numpy (IEEE) on floats too: ``ad.log(0.0)`` is ``-inf`` and ``ad.div(1.0, 0.0)``
is ``inf`` rather than a Python exception, so a float and an array of floats always agree.
"""
import math
import numbers
import operator

import numpy as np

from adkit.core import (ADD_PREC, ATOM_PREC, CMP_PREC, MUL_PREC, NEG_PREC, POW_PREC,  # noqa: F401
                        _BUILT_IN, ADError, Boxed, Notation, Primitive, PRIMITIVES, primitive, register,
                        shape_of, ndim_of)


# ---------------------------------------------------------------------------------------------
# How a block is written: notation and sympy helpers, and the three ways to define a primitive
# ---------------------------------------------------------------------------------------------

def infix(text, latex, prec, **fields):
    """Notation of an operator between its arguments: ``w1 · w2`` (fields: see Notation)."""
    return Notation("infix", text, latex, prec, **fields)


def function(text, latex=None, **fields):
    """Notation of a named function: ``sin w1``, ``sigmoid(w1 + w2)`` (fields: see Notation)."""
    return Notation("function", text, latex if latex is not None else "\\operatorname{%s}" % text,
                    **fields)


def sympy_function(name):
    """The sympy counterpart ``sympy.<name>``, looked up only when a symbolic step runs."""
    def to_sympy(sp, *args):
        return getattr(sp, name)(*args)
    to_sympy.__name__ = f"sympy_{name}"
    return to_sympy


def sympy_operator(op):
    """The sympy counterpart of a Python operator (``operator.add``: ``a + b`` on sympy)."""
    def to_sympy(sp, *args):
        return op(*args)
    to_sympy.__name__ = f"sympy_{op.__name__}"
    return to_sympy


def _define(prim, module):
    """Enter one of adkit's own primitives in the table; its doctest runs in ``module``."""
    prim.__module__ = module
    _BUILT_IN.add(prim.name)
    return register(prim)


def elementwise(name, impl, *, saves, scalar_impl=None, sympy=None, notation=None, nargs=1,
                partials_needed=False):
    """Decorator: the decorated function is the primitive's local partials
    ``partials(out, *args) -> (∂out/∂arg₁, …)`` and its docstring the primitive's;
    ``partials_needed``: it takes ``needed=`` and skips the partials of constants."""
    def define(partials):
        return _define(Primitive(name, impl, scalar_impl=scalar_impl, partials=partials,
                                 sympy=sympy or sympy_function(name),
                                 notation=notation or function(name), nargs=nargs,
                                 doc=partials.__doc__ or "", saves=saves,
                                 partials_needed=partials_needed), partials.__module__)
    return define


def array_primitive(name, impl, *, jvp, saves, sympy=None, notation=None, nargs=1,
                    vjp_needed=False):
    """Decorator: the decorated function is the primitive's VJP rule
    ``vjp(ct, out, *args, **params) -> (ct₁, …)``; ``jvp`` its JVP; its docstring the primitive's."""
    def define(vjp):
        return _define(Primitive(name, impl, jvp=jvp, vjp=vjp, sympy=sympy, nargs=nargs,
                                 notation=notation or Notation("call", name),
                                 doc=vjp.__doc__ or "", saves=saves, vjp_needed=vjp_needed), vjp.__module__)
    return define


def not_differentiable(name, impl, *, scalar_impl=None, sympy=None, notation=None, nargs=1,
                       doc=""):
    """One call: a primitive with derivative 0 everywhere (comparisons, sign)."""
    return _define(Primitive(name, impl, scalar_impl=scalar_impl, sympy=sympy, nargs=nargs,
                             notation=notation or function(name), differentiable=False, doc=doc,
                             saves=()), __name__)


# ---------------------------------------------------------------------------------------------
# Elementwise unary: partials(out, x) -> (∂out/∂x,)
# ---------------------------------------------------------------------------------------------

@elementwise("sin", np.sin, scalar_impl=math.sin, saves=(0,), notation=function("sin", r"\sin"))
def sin(out, x):
    """sin(x).  ∂/∂x = cos x.

    >>> sin(0.0)
    0.0
    """
    return (cos(x),)


@elementwise("cos", np.cos, scalar_impl=math.cos, saves=(0,), notation=function("cos", r"\cos"))
def cos(out, x):
    """cos(x).  ∂/∂x = -sin x.

    >>> cos(0.0)
    1.0
    """
    return (neg(sin(x)),)


@elementwise("neg", np.negative, scalar_impl=operator.neg, saves=(),
             sympy=sympy_operator(operator.neg),
             notation=Notation("prefix", "-", "-", NEG_PREC, linear=True))
def neg(out, x):
    """neg(x) = -x.  ∂/∂x = -1.

    >>> neg(2.0)
    -2.0
    """
    return (-1,)


@elementwise("exp", np.exp, scalar_impl=math.exp, saves=("out",),
             notation=function("exp", r"\exp"))
def exp(out, x):
    """exp(x) = eˣ.  ∂/∂x = exp x (the output itself).

    >>> exp(0.0)
    1.0
    """
    return (out,)


@elementwise("log", np.log, scalar_impl=math.log, saves=(0,),
             notation=function("ln", r"\ln", partials=lambda out, x: (div(1.0, x),)))
def log(out, x):
    """log(x), natural logarithm.  ∂/∂x = 1/x for x ≥ 0; nan below 0, where log is undefined.

    >>> log(1.0), log.partials(math.nan, -1.0)
    (0.0, (nan,))
    """
    if isinstance(x, numbers.Number):
        return (div(1.0, x) if x >= 0 else math.nan,)
    return (where(less(x, 0.0), math.nan, div(1.0, x)),)


@elementwise("log1p", np.log1p, scalar_impl=math.log1p, saves=(0,),
             sympy=lambda sp, x: sp.log(1 + x))
def log1p(out, x):
    """log1p(x) = log(1 + x), accurate near 0.  ∂/∂x = 1/(1 + x).

    >>> log1p(0.0)
    0.0
    """
    return (div(1.0, add(1.0, x)),)


@elementwise("sqrt", np.sqrt, scalar_impl=math.sqrt, saves=("out",),
             notation=Notation("function", "√", r"\sqrt", radical=True,
                               partials=lambda out, x: (div(1.0, 2 * out),)))
def sqrt(out, x):
    """sqrt(x) = √x.  ∂/∂x = 1/(2√x) (+inf at 0).

    >>> sqrt(4.0)
    2.0
    """
    return (div(0.5, out),)


@elementwise("tan", np.tan, scalar_impl=math.tan, saves=("out",),
             notation=function("tan", r"\tan"))
def tan(out, x):
    """tan(x).  ∂/∂x = 1 + tan²x (from the output).

    >>> tan(0.0)
    0.0
    """
    return (1 + out * out,)


@elementwise("tanh", np.tanh, scalar_impl=math.tanh, saves=("out",),
             notation=function("tanh", r"\tanh"))
def tanh(out, x):
    """tanh(x).  ∂/∂x = 1 - tanh²x (from the output).

    >>> tanh(0.0)
    0.0
    """
    return (1 - out * out,)


def _scalar_sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _np_sigmoid(x):
    x = np.asarray(x)
    if x.dtype.kind != "f":  # ints and bools as floats; float32 stays float32
        x = x.astype(float)
    z = np.exp(-np.abs(x))  # stable on both tails
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


@elementwise("sigmoid", _np_sigmoid, scalar_impl=_scalar_sigmoid, saves=("out",),
             sympy=lambda sp, x: 1 / (1 + sp.exp(-x)), notation=function("sigmoid", r"\sigma"))
def sigmoid(out, x):
    """sigmoid(x) = 1/(1 + e⁻ˣ).  ∂/∂x = σ(x)(1 - σ(x)).

    >>> sigmoid(0.0)
    0.5
    """
    return (out * (1 - out),)


@elementwise("abs", np.abs, scalar_impl=math.fabs, saves=(0,), sympy=sympy_function("Abs"),
             notation=function("abs", r"\operatorname{abs}",
                              enclose=(("|", "|"), (r"\left|", r"\right|"))))
def abs(out, x):
    """abs(x) = |x|.  ∂/∂x = sign x (0 at 0).

    >>> abs(-2.0)
    2.0
    """
    return (sign(x),)


def _scalar_relu(x):
    return x if x > 0 or x != x else 0.0  # relu(nan) is nan, as for arrays


@elementwise("relu", lambda x: np.maximum(x, 0.0), scalar_impl=_scalar_relu, saves=(0,),
             sympy=lambda sp, x: sp.Max(0, x), notation=function("relu", r"\operatorname{relu}", juxtapose=False))
def relu(out, x):
    """relu(x) = max(x, 0).  ∂/∂x = [x > 0] (0 at 0).

    >>> relu(-2.0)
    0.0
    """
    # the comparison operator: numpy's own on arrays (0.0: no int to convert), greater() on boxes
    return (x > 0.0 if type(x) is np.ndarray else x > 0,)


@elementwise("square", np.square, scalar_impl=lambda x: x * x, saves=(0,),
             sympy=lambda sp, x: x ** 2, notation=Notation("power", "^2", "^{2}", POW_PREC))
def square(out, x):
    """square(x) = x².  ∂/∂x = 2x.

    >>> square(3.0)
    9.0
    """
    return (_twice(x),)


def _twice(x):
    """``2 * x``; on a float array ``x + x``, the same numbers without numpy converting the 2."""
    return x + x if type(x) is np.ndarray and x.dtype.kind == "f" else 2 * x


# ---------------------------------------------------------------------------------------------
# Elementwise binary: partials(out, x, y) -> (∂out/∂x, ∂out/∂y)
# ---------------------------------------------------------------------------------------------

@elementwise("add", np.add, scalar_impl=operator.add, nargs=2, saves=(),
             sympy=sympy_operator(operator.add), notation=infix("+", "+", ADD_PREC, linear=True))
def add(out, x, y):
    """add(x, y) = x + y.  ∂/∂x = 1, ∂/∂y = 1.

    >>> add(2.0, 5.0)
    7.0
    """
    return 1, 1


@elementwise("sub", np.subtract, scalar_impl=operator.sub, nargs=2, saves=(),
             sympy=sympy_operator(operator.sub), notation=infix("-", "-", ADD_PREC, right_paren=True,
                                                                 linear=True))
def sub(out, x, y):
    """sub(x, y) = x - y.  ∂/∂x = 1, ∂/∂y = -1.

    >>> sub(2.0, 5.0)
    -3.0
    """
    return 1, -1


@elementwise("mul", np.multiply, scalar_impl=operator.mul, nargs=2, saves=(0, 1),
             sympy=sympy_operator(operator.mul), notation=infix("·", r"\cdot", MUL_PREC, linear=True))
def mul(out, x, y):
    """mul(x, y) = x · y.  ∂/∂x = y, ∂/∂y = x.

    >>> mul(2.0, 5.0)
    10.0
    """
    return y, x


def _scalar_div(x, y):
    return x / y  # floats: ZeroDivisionError falls back to numpy (inf, nan)


@elementwise("div", np.true_divide, scalar_impl=_scalar_div, nargs=2, saves=(1, "out"),
             sympy=sympy_operator(operator.truediv), notation=infix("/", "/", MUL_PREC, right_paren=True,
                            partials=lambda out, x, y: (div(1.0, y), neg(div(out, y)))),
             partials_needed=True)
def div(out, x, y, *, needed=(True, True)):
    """div(x, y) = x / y.  ∂/∂x = 1/y, ∂/∂y = -out/y.

    >>> div(1.0, 4.0)
    0.25
    """
    return (div(1.0, y) if needed[0] else None), (neg(div(out, y)) if needed[1] else None)


def _scalar_pow(x, y):
    out = x ** y
    if type(out) is complex:  # (-8.0) ** (1/3): numpy says nan, Python says complex
        raise ValueError("complex result")
    return out


@elementwise("pow", np.power, scalar_impl=_scalar_pow, nargs=2, saves=(0, 1, "out"),
             sympy=sympy_operator(operator.pow), notation=Notation("power", "^", "^", POW_PREC,
                                partials=lambda out, x, y: (y * power(x, y - 1), out * log(x))),
             partials_needed=True)
def pow_p(out, x, y, *, needed=(True, True)):
    """pow(x, y) = x ** y.  ∂/∂x = y · x^(y-1), ∂/∂y = out · log x (0 at x = 0).

    >>> pow_p(2.0, 3.0)
    8.0
    """
    if not needed[0]:
        d_x = None
    elif isinstance(y, numbers.Number):
        d_x = 0.0 if y == 0 else y * power(x, y - 1)
    else:
        d_x = where(equal(y, 0), 0.0, y * power(x, y - 1))
    if not needed[1]:
        d_y = None
    elif isinstance(x, numbers.Number):
        d_y = 0.0 if x == 0 else out * math.log(x) if x > 0 else out * log(x)
    else:
        d_y = where(equal(x, 0), 0.0, out * log(where(equal(x, 0), 1.0, x)))
    return d_x, d_y


def _np_pow_const(x, *, exponent):
    return np.square(x) if exponent == 2 else np.power(x, exponent)


def _scalar_pow_const(x, *, exponent):
    return _scalar_pow(x, exponent)


def _sympy_pow_const(sp, x, *, exponent):
    if isinstance(exponent, sp.Basic):  # already exact (symbolic.py turns 0.5 into 1/2)
        return x ** exponent
    return x ** (sp.Integer(int(exponent)) if float(exponent).is_integer() else sp.Float(exponent))


# x ** c with a constant c: its own primitive, so the derivative rule never computes the
# (unused) derivative with respect to the constant, and prints as w1².
@elementwise("pow_const", _np_pow_const, scalar_impl=_scalar_pow_const, saves=(0,),
             sympy=_sympy_pow_const, notation=Notation("power", "^", "^", POW_PREC))
def pow_const_p(out, x, *, exponent):
    """pow_const(x, exponent=c) = x ** c for a constant c.  ∂/∂x = c · x^(c-1).

    >>> pow_const_p(3.0, exponent=2)
    9.0
    """
    if exponent == 0:
        return (0.0,)
    if exponent == 1:
        return (1,)
    if exponent == 2:
        return (_twice(x),)
    return (exponent * power(x, exponent - 1),)


def power(x, y):
    """x ** y, elementwise: ``pow_const`` for a constant exponent, ``pow`` for a variable one.

    >>> power(2.0, 3.0)
    8.0
    """
    if type(y) is float or type(y) is int or (isinstance(y, numbers.Number) and
                                               not isinstance(y, bool)):
        return pow_const_p(x, exponent=y)
    return pow_p(x, y)


def _scalar_maximum(x, y):
    return x if x >= y or x != x else y  # x != x: nan propagates, as in numpy


@elementwise("maximum", np.maximum, scalar_impl=_scalar_maximum, nargs=2, saves=(0, 1),
             sympy=sympy_function("Max"), notation=function("max", r"\max",
                               partials=lambda out, x, y: (greater(x, y), less(x, y))))
def maximum(out, x, y):
    """maximum(x, y), elementwise. Ties split the derivative: 0.5 each.

    >>> maximum(2.0, 5.0)
    5.0
    """
    return _tie_split(x, y, greater)


def _scalar_minimum(x, y):
    return x if x <= y or x != x else y


@elementwise("minimum", np.minimum, scalar_impl=_scalar_minimum, nargs=2, saves=(0, 1),
             sympy=sympy_function("Min"), notation=function("min", r"\min",
                               partials=lambda out, x, y: (less(x, y), greater(x, y))))
def minimum(out, x, y):
    """minimum(x, y), elementwise. Ties split the derivative: 0.5 each.

    >>> minimum(2.0, 5.0)
    2.0
    """
    return _tie_split(x, y, less)


def _tie_split(x, y, wins):
    """The partials of maximum and minimum: 1 for the argument that wins, 0.5 each at a tie."""
    return where(equal(x, y), 0.5, wins(x, y)), where(equal(x, y), 0.5, wins(y, x))


# ---------------------------------------------------------------------------------------------
# Not differentiable (zero derivative): comparisons, sign, not; and the elementwise select `where`
# ---------------------------------------------------------------------------------------------

def _comparison(name, np_impl, op, text, latex, sympy_name):
    return not_differentiable(name, np_impl, scalar_impl=op, nargs=2,
                              sympy=sympy_function(sympy_name),
                              notation=infix(text, latex, CMP_PREC, enclose=(("[", "]"), ("[", "]"))),
                              doc=f"{name}(x, y) = x {text} y, elementwise; derivative 0.")


less = _comparison("less", np.less, operator.lt, "<", "<", "Lt")
less_equal = _comparison("less_equal", np.less_equal, operator.le, "<=", r"\le", "Le")
greater = _comparison("greater", np.greater, operator.gt, ">", ">", "Gt")
greater_equal = _comparison("greater_equal", np.greater_equal, operator.ge, ">=", r"\ge", "Ge")
equal = _comparison("equal", np.equal, operator.eq, "==", "=", "Eq")
not_equal = _comparison("not_equal", np.not_equal, operator.ne, "!=", r"\ne", "Ne")


def _scalar_sign(x):
    return float((x > 0) - (x < 0)) if x == x else x  # sign(nan) is nan, as for arrays


sign = not_differentiable("sign", np.sign, scalar_impl=_scalar_sign, sympy=sympy_function("sign"),
                          doc="sign(x) in {-1, 0, 1}; derivative 0.\n\n>>> sign(-2.0)\n-1.0")
logical_not = not_differentiable("logical_not", np.logical_not, scalar_impl=operator.not_,
                                 sympy=sympy_function("Not"), notation=function("not", r"\lnot"),
                                 doc="logical_not(c): elementwise not; derivative 0.")


def _scalar_where(condition, x, y):
    return x if condition else y


@elementwise("where", np.where, scalar_impl=_scalar_where, nargs=3, saves=(0,),
             sympy=lambda sp, condition, x, y: sp.Piecewise((x, condition), (y, True)),
             notation=function("where", r"\operatorname{where}"))
def where(out, condition, x, y):
    """where(c, x, y): x where c holds, else y.  ∂/∂x = [c], ∂/∂y = [not c].

    >>> where(True, 1.0, 2.0)
    1.0
    """
    return None, condition, logical_not(condition)


# ---------------------------------------------------------------------------------------------
# Array primitives: jvp(primals, tangents, out, batch, **params) and vjp(ct, out, *args, **params)
# A tangent may carry `batch` extra leading axes (jacfwd pushes all directions at once).
# Parameters arrive normalized by adkit.arrays: axes negative and sorted, shapes concrete.
# ---------------------------------------------------------------------------------------------

def unbroadcast(x, shape):
    """Sum ``x`` down to ``shape``: the one place where broadcasting is undone.

    When an argument of shape (3,) was broadcast against one of shape (2, 3), each of its
    elements was used twice, so its adjoint is the sum over the broadcast axis.

    >>> unbroadcast(np.ones((2, 3)), (3,))
    array([2., 2., 2.])
    """
    have = shape_of(x)
    if have == shape:
        return x
    lead = len(have) - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and have[lead + i] != 1)
    if axes:
        x = sum_p(x, axis=tuple(a - len(have) for a in axes), keepdims=False)
    return _reshaped(x, shape)


def times(g, p, zero_rule=True):
    """``w̄ · ∂`` (or ``ẇ · ∂``): skips multiplying by an exact ±1, so gradient graphs stay as on
    paper; a boolean partial (relu's [x > 0]) still becomes a number. ``zero_rule=False`` leaves
    out :func:`zero_wins` (the fast sweep applies it only when a nan reaches a gradient).

    >>> times(3.0, 1), times(1.0, 0.5), times(2.0, True)
    (3.0, 0.5, 2.0)
    """
    if type(p) is int:
        if p == 1:
            return g
        if p == -1:
            return -g
    if type(g) is float and g == 1.0 and type(p) is not np.ndarray and not _is_boolean(p):
        return p  # (an array partial is multiplied: passed on, it could be the caller's constant)
    return zero_wins(g * p, g, p) if zero_rule else g * p


def zero_wins(c, a, b):
    """The zero rule, defined once for both modes and the tables: in the product ``c = a · b``
    of a partial and a tangent (forward) or an adjoint (reverse), a zero factor contributes
    zero even where the other is infinite or undefined. The chain rule through a constant
    (relu below 0, x · 0) is zero: ``d/dx x ** relu(x)`` at -2 is 0, not 0 · log(-2) = nan.

    >>> zero_wins(math.inf * 0.0, math.inf, 0.0), zero_wins(3.0, 1.5, 2.0)
    (0.0, 3.0)
    """
    if type(c) is float or isinstance(c, np.floating):  # a float, or a numpy scalar
        return c if c - c == 0 or not (a == 0 or b == 0) else type(c)(0)  # c - c: nan unless finite
    if type(c) is np.ndarray and c.dtype.kind == "f" and not all_finite(c):
        zero = (np.asarray(a) == 0) | (np.asarray(b) == 0)
        return np.where(zero, 0.0, c) if zero.any() else c
    return c  # values of an outer sweep (Dual, Tracer) are left to that sweep


def all_finite(x):
    """No inf or nan in the float array ``x``, without a temporary array: a sum is finite only
    if every entry is (of squares for small arrays, the cheapest numpy call there; plainly for
    big ones, where BLAS would start threads for the squares). Entry by entry only when the sum
    overflows.

    >>> all_finite(np.array([1.0, 2.0])), all_finite(np.array([1.0, np.nan])), all_finite(np.array([1e300]))
    (True, False, True)
    """
    total = _vdot(x, x) if x.size <= 4096 else np.add.reduce(x, axis=None)
    return math.isfinite(total) or bool(np.isfinite(x).all())


try:  # numpy's C function itself: np.vdot adds a Python layer (a third of the check's cost)
    from numpy._core._multiarray_umath import vdot as _vdot
except ImportError:  # another numpy
    _vdot = np.vdot


def _is_boolean(p):
    while isinstance(p, Boxed):
        p = p._value()
    return type(p) is bool or type(p) is np.bool_ or (type(p) is np.ndarray and p.dtype == bool)


def _reshaped(x, shape):
    """``x`` in ``shape`` (concrete), with no node when it already has it."""
    return x if shape_of(x) == shape else reshape_p(x, shape=shape)


def _broadcast(x, shape):
    if shape_of(x) == shape:
        return x
    if type(x) is float or type(x) is np.float64 or _plain_floats(x):
        try:
            return _np_broadcast_to(x, shape=shape)  # plain numbers: no box to record it
        except ValueError:
            pass  # shapes that do not fit: the primitive names them (ShapeError)
    return broadcast_to_p(x, shape=shape)


def _plain_floats(x):
    """A float array (no boxes inside): a rule may compute on it with numpy directly."""
    return type(x) is np.ndarray and x.dtype.kind == "f"


def _kept_shape(shape, axis):
    return tuple(1 if i - len(shape) in axis else n for i, n in enumerate(shape))


def _np_sum(x, *, axis, keepdims):
    if type(x) is not np.ndarray:
        x = np.asarray(x)
    if x.dtype.kind in "biu":  # numpy's sum promotes bools and small ints; add.reduce would not
        return np.sum(x, axis=axis, keepdims=keepdims)
    if not keepdims and len(axis) == x.ndim:  # all of them: numpy's quickest reduction
        return np.add.reduce(x, axis=None)
    return np.add.reduce(x, axis=axis, keepdims=keepdims)


def _sum_jvp(primals, tangents, out, batch, *, axis, keepdims):
    return sum_p(tangents[0], axis=axis, keepdims=keepdims)


def _sympy_reduction(sp, x, *, axis, keepdims):
    if axis:
        raise ADError("to_sympy: sums and means over array axes have no scalar sympy form")
    return x


@array_primitive("sum", _np_sum, jvp=_sum_jvp, saves=(), sympy=_sympy_reduction,
                 notation=Notation("call", "Σ", r"\sum"))
def sum_p(ct, out, x, *, axis, keepdims):
    """sum(x, axis, keepdims) = Σ over ``axis``.  Adjoint: the output adjoint broadcast back.

    >>> sum_p(np.ones((2, 3)), axis=(-1,), keepdims=False)
    array([3., 3.])
    """
    shape = shape_of(x)
    if type(ct) is float and ct == 1.0 and shape and len(axis) == len(shape):
        # a gradient's first step (n-d: a 0-d adjoint stays the float 1.0, so the float sweep
        # and its zero rule go on, and a float32 input keeps its precision)
        return (ones_adjoint(shape),)
    if not keepdims and len(axis) < len(shape):  # put the summed axes back, as length 1
        ct = _reshaped(ct, _kept_shape(shape, axis))
    return (_broadcast(ct, shape),)


ONES = {}  # shape -> read-only float ones, see ones_adjoint


def ones_adjoint(shape):
    """Float ones of ``shape``: the adjoint of ``sum(x)`` seeded with 1. Small ones are made
    once and read-only (a sweep never writes into an adjoint it does not own), so the fast sweep
    recognises them by identity and passes a partial on as it is (1 · p = p, exactly)."""
    ones = ONES.get(shape)
    if ones is None:
        if math.prod(shape) > 4096 or len(ONES) >= 64:  # big, or many shapes: not kept
            return _np_broadcast_to(1.0, shape=shape)
        ones = ONES[shape] = np.ones(shape)
        ones.flags.writeable = False
    return ones


def _np_mean(x, *, axis, keepdims):
    x = np.asarray(x)
    total = np.add.reduce(x, axis=axis, keepdims=keepdims,
                          dtype=None if x.dtype.kind in "fc" else np.float64)
    return total / math.prod(x.shape[a] for a in axis)


def _mean_jvp(primals, tangents, out, batch, *, axis, keepdims):
    return mean_p(tangents[0], axis=axis, keepdims=keepdims)


@array_primitive("mean", _np_mean, jvp=_mean_jvp, saves=(), sympy=_sympy_reduction)
def mean_p(ct, out, x, *, axis, keepdims):
    """mean(x, axis, keepdims) = Σ / n over ``axis``.  Adjoint: broadcast back, divided by n.

    >>> mean_p(np.array([[1.0, 2.0], [3.0, 5.0]]), axis=(-2,), keepdims=False)
    array([2. , 3.5])
    """
    shape = shape_of(x)
    if not keepdims and len(axis) < len(shape):
        ct = _reshaped(ct, _kept_shape(shape, axis))
    return (_broadcast(ct, shape) / math.prod(shape[a] for a in axis),)


def _matmul_jvp(primals, tangents, out, batch):
    a, b = primals
    ta, tb = tangents
    if batch and (ndim_of(a) > 2 or ndim_of(b) > 2):
        return _stacked_matmul_jvp(a, b, ta, tb, out, batch)
    result = None
    if ta is not None:
        result = matmul(ta, b)
    if tb is not None:
        if ndim_of(b) == 1 and batch:  # keep the batch axes out of the contraction
            term = matmul(a, _reshaped(tb, shape_of(tb) + (1,)))
            term = _reshaped(term, shape_of(term)[:-1])
        else:
            term = matmul(a, tb)
        result = term if result is None else result + term
    return result


def _stacked_matmul_jvp(a, b, ta, tb, out, batch):
    """Stacks of matrices with batched tangents: promote vectors to matrices and give both
    operands the same number of axes, so numpy never lines the batch axes up with stack axes."""
    a_shape, b_shape = shape_of(a), shape_of(b)
    a2 = (1,) + a_shape if len(a_shape) == 1 else a_shape
    b2 = b_shape + (1,) if len(b_shape) == 1 else b_shape
    ndim = max(len(a2), len(b2))
    a2, b2 = (1,) * (ndim - len(a2)) + a2, (1,) * (ndim - len(b2)) + b2
    lead = shape_of(ta if ta is not None else tb)[:batch]
    result = None
    if ta is not None:
        result = matmul(_reshaped(ta, lead + a2), _reshaped(b, b2))
    if tb is not None:
        term = matmul(_reshaped(a, a2), _reshaped(tb, lead + b2))
        result = term if result is None else result + term
    return _reshaped(result, lead + shape_of(out))  # drop the axes added to vectors


def _swap_last(ndim):
    return tuple(range(ndim - 2)) + (ndim - 1, ndim - 2)


@array_primitive("matmul", np.matmul, jvp=_matmul_jvp, saves=(0, 1), nargs=2, vjp_needed=True,
                 sympy=lambda sp, a, b: a * b, notation=infix("@", r"\,", MUL_PREC))
def matmul(ct, out, a, b, *, needed=(True, True)):
    """matmul(a, b) = a @ b.  ā = w̄ bᵀ, b̄ = aᵀ w̄.

    >>> matmul(np.eye(2), np.ones(2))
    array([1., 1.])
    """
    if (type(ct) is np.ndarray and type(a) is np.ndarray and type(b) is np.ndarray
            and a.ndim == 2 and b.ndim == 2 and ct.dtype.kind == a.dtype.kind == b.dtype.kind == "f"):
        try:  # plain float matrices: no box to record the products
            return ct @ b.T if needed[0] else None, a.T @ ct if needed[1] else None
        except ValueError:
            pass  # shapes that do not fit: the primitives below name them (ShapeError)
    a_shape, b_shape = shape_of(a), shape_of(b)
    if len(a_shape) <= 2 and len(b_shape) <= 2:
        if len(a_shape) == 2 and len(b_shape) == 2:      # (n,k) @ (k,m)
            ct_a = matmul(ct, transpose_p(b, axes=(1, 0))) if needed[0] else None
            ct_b = matmul(transpose_p(a, axes=(1, 0)), ct) if needed[1] else None
        elif len(a_shape) == 2:                          # (n,k) @ (k,): ā = w̄ bᵀ, b̄ = w̄ᵀ a
            ct_a = mul(_reshaped(ct, (a_shape[0], 1)), b) if needed[0] else None
            ct_b = matmul(ct, a) if needed[1] else None
        elif len(b_shape) == 2:                          # (k,) @ (k,m)
            ct_a = matmul(b, ct) if needed[0] else None
            ct_b = mul(_reshaped(a, (a_shape[0], 1)), ct) if needed[1] else None
        else:                                            # (k,) @ (k,): a dot product
            ct_a = mul(ct, b) if needed[0] else None
            ct_b = mul(ct, a) if needed[1] else None
        return ct_a, ct_b
    # Stacks of matrices: promote vectors to matrices, use the matrix rule, drop the added axes.
    a2_shape = (1,) + a_shape if len(a_shape) == 1 else a_shape
    b2_shape = b_shape + (1,) if len(b_shape) == 1 else b_shape
    a2, b2 = _reshaped(a, a2_shape), _reshaped(b, b2_shape)
    ct2 = _reshaped(ct, np.broadcast_shapes(a2_shape[:-2], b2_shape[:-2])
                    + (a2_shape[-2], b2_shape[-1]))
    ct_a = matmul(ct2, transpose_p(b2, axes=_swap_last(len(b2_shape))))
    ct_b = matmul(transpose_p(a2, axes=_swap_last(len(a2_shape))), ct2)
    return (_reshaped(unbroadcast(ct_a, a2_shape), a_shape),
            _reshaped(unbroadcast(ct_b, b2_shape), b_shape))


def _reshape_jvp(primals, tangents, out, batch, *, shape):
    t = tangents[0]
    return _reshaped(t, shape_of(t)[:batch] + shape)


@array_primitive("reshape", lambda x, *, shape: np.asarray(x).reshape(shape), jvp=_reshape_jvp,
                 saves=(), notation=Notation("call", "reshape", plumbing=True))
def reshape_p(ct, out, x, *, shape):
    """reshape(x, shape) (the method: numpy's function adds a Python layer).  Adjoint: reshaped back.

    >>> reshape_p(np.arange(4.0), shape=(2, 2))
    array([[0., 1.],
           [2., 3.]])
    """
    return (_reshaped(ct, shape_of(x)),)


def _transpose_jvp(primals, tangents, out, batch, *, axes):
    return transpose_p(tangents[0], axes=tuple(range(batch)) + tuple(batch + a for a in axes))


@array_primitive("transpose", lambda x, *, axes: np.asarray(x).transpose(axes),
                 jvp=_transpose_jvp, saves=(),
                 notation=Notation("postfix", "ᵀ", r"^{\top}", POW_PREC))
def transpose_p(ct, out, x, *, axes):
    """transpose(x, axes): permute the axes.  Adjoint: the inverse permutation.

    >>> transpose_p(np.array([[1.0, 2.0]]), axes=(1, 0))
    array([[1.],
           [2.]])
    """
    return (transpose_p(ct, axes=tuple(int(a) for a in np.argsort(axes))),)


def _np_broadcast_to(x, *, shape):
    if type(x) is float:  # the adjoint of a sum: a plain array is cheaper to work on than a view
        out = np.empty(shape)
        out.fill(x)
        return out
    if np.ndim(x) == 0:
        return np.full(shape, x, dtype=np.result_type(x, float))
    return np.broadcast_to(x, shape)


def _broadcast_jvp(primals, tangents, out, batch, *, shape):
    t = tangents[0]
    t_shape = shape_of(t)
    x_ndim = len(t_shape) - batch
    aligned = t_shape[:batch] + (1,) * (len(shape) - x_ndim) + t_shape[batch:]
    return _broadcast(_reshaped(t, aligned), t_shape[:batch] + shape)


@array_primitive("broadcast_to", _np_broadcast_to, jvp=_broadcast_jvp, saves=(),
                 notation=Notation("call", "broadcast_to", plumbing=True))
def broadcast_to_p(ct, out, x, *, shape):
    """broadcast_to(x, shape): repeat along new or length-1 axes.  Adjoint: summed back.

    >>> broadcast_to_p(np.array([1.0, 2.0]), shape=(2, 2))
    array([[1., 2.],
           [1., 2.]])
    """
    return (unbroadcast(ct, shape_of(x)),)


def _has_array(index):
    return any(isinstance(i, np.ndarray) for i in index)


def _getitem_jvp(primals, tangents, out, batch, *, index):
    t = tangents[0]
    if batch and _has_array(index):
        # numpy puts the axes of array indices separated by a slice in front of the batch
        # axes; picking elements by flat position (one array index) keeps them in place
        size = math.prod(shape_of(primals[0]))
        positions = np.arange(size).reshape(shape_of(primals[0]))[index]
        flat = _reshaped(t, shape_of(t)[:batch] + (size,))
        return getitem_p(flat, index=(slice(None),) * batch + (positions,))
    return getitem_p(t, index=(slice(None),) * batch + index)


@array_primitive("getitem", lambda x, *, index: np.asarray(x)[index], jvp=_getitem_jvp, saves=(),
                 notation=Notation("index", "[]"))
def getitem_p(ct, out, x, *, index):
    """x[index] (index a tuple).  Adjoint: scattered (added) back into zeros.

    >>> getitem_p(np.array([1.0, 2.0, 3.0]), index=(slice(1, None),))
    array([2., 3.])
    """
    return (scatter_add_p(ct, index=index, shape=shape_of(x)),)


def _np_scatter_add(values, *, index, shape):
    out = np.zeros(shape, dtype=np.result_type(values, float))
    np.add.at(out, index, values)
    return out


def _scatter_jvp(primals, tangents, out, batch, *, index, shape):
    t = tangents[0]
    lead = shape_of(t)[:batch]
    if batch and _has_array(index):  # by flat position, as in _getitem_jvp
        size = math.prod(shape)
        positions = np.arange(size).reshape(shape)[index]
        flat = scatter_add_p(t, index=(slice(None),) * batch + (positions,), shape=lead + (size,))
        return _reshaped(flat, lead + shape)
    return scatter_add_p(t, index=(slice(None),) * batch + index, shape=lead + shape)


@array_primitive("scatter_add", _np_scatter_add, jvp=_scatter_jvp, saves=())
def scatter_add_p(ct, out, values, *, index, shape):
    """zeros(shape) with values added at index (the adjoint of x[index]).  Adjoint: ct[index].

    >>> scatter_add_p(np.array([1.0, 2.0]), index=(np.array([0, 0]),), shape=(2,))
    array([3., 0.])
    """
    return (getitem_p(ct, index=index),)


def _concatenate_jvp(primals, tangents, out, batch, *, axis):
    batch_shape = next(shape_of(t)[:batch] for t in tangents if t is not None)
    parts = [np.zeros(batch_shape + shape_of(p)) if t is None else t
             for p, t in zip(primals, tangents)]
    return concatenate_p(*parts, axis=axis)


@array_primitive("concatenate", lambda *arrays, axis: np.concatenate(arrays, axis=axis),
                 jvp=_concatenate_jvp, saves=(), nargs=-1)
def concatenate_p(ct, out, *arrays, axis):
    """concatenate(*arrays, axis) along an existing (negative) axis.  Adjoint: split back.

    >>> concatenate_p(np.ones(2), np.zeros(1), axis=-1)
    array([1., 1., 0.])
    """
    cts, start = [], 0
    for a in arrays:
        n = shape_of(a)[axis]
        cts.append(getitem_p(ct, index=(Ellipsis, slice(start, start + n))
                             + (slice(None),) * (-axis - 1)))
        start += n
    return tuple(cts)


# The array API (sum with an axis, reshape, stack, dot, ...) moved to adkit.arrays; these names
# still import from here for this wave (lazily: adkit.arrays builds on this module).
_MOVED = {"sum", "mean", "reshape", "transpose", "broadcast_to", "getitem", "scatter_add",
          "concatenate", "stack", "dot", "_axes"}


def __getattr__(name):
    if name in _MOVED:
        from adkit import arrays
        return getattr(arrays, name)
    raise AttributeError(f"module 'adkit.primitives' has no attribute {name!r}")
