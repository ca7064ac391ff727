"""The primitive table: every operation adkit can differentiate, defined once, as data.

Each entry names the operation, gives its numpy implementation, its derivative rule, its
sympy counterpart and how it prints. Elementwise primitives give their **local partials**
``∂out/∂argᵢ`` (written with adkit's own functions, so they work on floats, arrays, Duals and
traced values alike, and can be printed by running them on symbolic names). Array primitives
give a JVP and a VJP rule. Adding a primitive is adding one entry (see :func:`register`).

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
=====================  ==========================================================

Values follow numpy (IEEE) on floats too: ``ad.log(0.0)`` is ``-inf`` and ``ad.div(1.0, 0.0)``
is ``inf`` rather than a Python exception, so a float and an array of floats always agree.
"""
import math
import operator
import numbers

import numpy as np

from adkit.core import (ADError, Boxed, Notation, Primitive, ShapeError, shape_of, ndim_of,
                        unbroadcast)

PRIMITIVES = {}


def register(prim):
    """Add a primitive to the table (and return it). Names are unique."""
    if prim.name in PRIMITIVES:
        raise ADError(f"register: a primitive named {prim.name!r} already exists")
    PRIMITIVES[prim.name] = prim
    return prim


def primitive(name):
    """Look a primitive up by name; an unknown name lists the known ones."""
    try:
        return PRIMITIVES[name]
    except KeyError:
        raise ADError(f"unknown primitive {name!r}; adkit knows: "
                      f"{', '.join(sorted(PRIMITIVES))}") from None


def _is_const(x):
    return isinstance(x, numbers.Number)


# Precedences used by the printers (higher binds tighter).
ADD_PREC, MUL_PREC, NEG_PREC, POW_PREC, ATOM_PREC = 10, 20, 30, 40, 100
CMP_PREC = 5


def _infix(text, latex, prec):
    return Notation("infix", text, latex, prec)


def _function(text, latex=None):
    return Notation("function", text, latex if latex is not None else "\\operatorname{%s}" % text)


def _sympy_name(name):
    """The sympy counterpart is looked up by name only when a symbolic step runs."""
    def to_sympy(sp, *args):
        return getattr(sp, name)(*args)
    to_sympy.__name__ = f"sympy_{name}"
    return to_sympy


def _elementwise(name, impl, partials, *, saves, scalar_impl=None, sympy=None, notation=None,
                 nargs=1, doc=""):
    return register(Primitive(name, impl, scalar_impl=scalar_impl, partials=partials,
                              sympy=sympy or _sympy_name(name), notation=notation or _function(name),
                              nargs=nargs, doc=doc, saves=saves))


def _not_differentiable(name, impl, *, scalar_impl=None, sympy=None, notation=None, nargs=1, doc=""):
    return register(Primitive(name, impl, scalar_impl=scalar_impl, sympy=sympy, nargs=nargs,
                              notation=notation or _function(name), differentiable=False, doc=doc,
                              saves=()))


# ---------------------------------------------------------------------------------------------
# Elementwise binary: partials(out, x, y) -> (∂out/∂x, ∂out/∂y)
# ---------------------------------------------------------------------------------------------

def _add_partials(out, x, y):
    return 1, 1


def _sub_partials(out, x, y):
    return 1, -1


def _mul_partials(out, x, y):
    return y, x


def _div_partials(out, x, y):
    return div(1.0, y), neg(div(out, y))


def _pow_partials(out, x, y):
    if _is_const(y):
        d_x = 0.0 if y == 0 else y * power(x, y - 1)
    else:
        d_x = where(equal(y, 0), 0.0, y * power(x, y - 1))
    if _is_const(x):
        d_y = 0.0 if x == 0 else out * math.log(x) if x > 0 else out * log(x)
    else:
        d_y = where(equal(x, 0), 0.0, out * log(where(equal(x, 0), 1.0, x)))
    return d_x, d_y


def _pow_const_partials(out, x, *, exponent):
    if exponent == 0:
        return (0.0,)
    if exponent == 1:
        return (1,)
    if exponent == 2:
        return (2 * x,)
    return (exponent * power(x, exponent - 1),)


def _maximum_partials(out, x, y):
    return where(equal(x, y), 0.5, greater(x, y)), where(equal(x, y), 0.5, less(x, y))


def _minimum_partials(out, x, y):
    return where(equal(x, y), 0.5, less(x, y)), where(equal(x, y), 0.5, greater(x, y))


def _safe_div(x, y):
    return x / y  # floats: ZeroDivisionError falls back to numpy (inf, nan)


def _safe_pow(x, y):
    out = x ** y
    if type(out) is complex:  # (-8.0) ** (1/3): numpy says nan, Python says complex
        raise ValueError("complex result")
    return out


def _sympy_op(op):
    def to_sympy(sp, *args):
        return op(*args)
    to_sympy.__name__ = f"sympy_{op.__name__}"
    return to_sympy


add = _elementwise("add", np.add, _add_partials, saves=(), scalar_impl=operator.add, nargs=2,
                   sympy=_sympy_op(operator.add), notation=_infix("+", "+", ADD_PREC),
                   doc="add(x, y) = x + y.  ∂/∂x = 1, ∂/∂y = 1.\n\n>>> add(2.0, 5.0)\n7.0")
sub = _elementwise("sub", np.subtract, _sub_partials, saves=(), scalar_impl=operator.sub, nargs=2,
                   sympy=_sympy_op(operator.sub), notation=_infix("-", "-", ADD_PREC),
                   doc="sub(x, y) = x - y.  ∂/∂x = 1, ∂/∂y = -1.\n\n>>> sub(2.0, 5.0)\n-3.0")
mul = _elementwise("mul", np.multiply, _mul_partials, saves=(0, 1),
                   scalar_impl=operator.mul, nargs=2,
                   sympy=_sympy_op(operator.mul), notation=_infix("·", r"\cdot", MUL_PREC),
                   doc="mul(x, y) = x · y.  ∂/∂x = y, ∂/∂y = x.\n\n>>> mul(2.0, 5.0)\n10.0")
div = _elementwise("div", np.true_divide, _div_partials, saves=(1, "out"),
                   scalar_impl=_safe_div, nargs=2,
                   sympy=_sympy_op(operator.truediv), notation=_infix("/", "/", MUL_PREC),
                   doc="div(x, y) = x / y.  ∂/∂x = 1/y, ∂/∂y = -out/y.\n\n"
                       ">>> div(1.0, 4.0)\n0.25")
_pow = _elementwise("pow", np.power, _pow_partials, saves=(0, 1, "out"),
                    scalar_impl=_safe_pow, nargs=2,
                    sympy=_sympy_op(operator.pow), notation=Notation("power", "^", "^", POW_PREC),
                    doc="pow(x, y) = x ** y.  ∂/∂x = y · x^(y-1), ∂/∂y = out · log x.")


def _np_pow_const(x, *, exponent):
    return np.square(x) if exponent == 2 else np.power(x, exponent)


def _scalar_pow_const(x, *, exponent):
    return _safe_pow(x, exponent)


def _sympy_pow_const(sp, x, *, exponent):
    if isinstance(exponent, sp.Basic):  # already exact (symbolic.py turns 0.5 into 1/2)
        return x ** exponent
    return x ** (sp.Integer(int(exponent)) if float(exponent).is_integer() else sp.Float(exponent))


# x ** c with a constant c: its own primitive, so the derivative rule never computes the
# (unused) derivative with respect to the constant, and prints as w1².
_pow_const = _elementwise("pow_const", _np_pow_const, _pow_const_partials, saves=(0,), nargs=1,
                          scalar_impl=_scalar_pow_const,
                          sympy=_sympy_pow_const, notation=Notation("power", "^", "^", POW_PREC),
                          doc="pow_const(x, exponent=c) = x ** c for a constant c.  ∂/∂x = c · x^(c-1).")


def power(x, y):
    """x ** y, elementwise. A constant exponent gives ``pow_const`` (∂/∂x = c · x^(c-1)), a
    variable one ``pow`` (∂/∂x = y · x^(y-1), ∂/∂y = out · log x).

    >>> power(2.0, 3.0)
    8.0
    """
    if isinstance(y, numbers.Number) and not isinstance(y, bool):
        return _pow_const(x, exponent=y)
    return _pow(x, y)


def _scalar_maximum(x, y):
    return x if x >= y or x != x else y  # x != x: nan propagates, as in numpy


def _scalar_minimum(x, y):
    return x if x <= y or x != x else y


maximum = _elementwise("maximum", np.maximum, _maximum_partials, saves=(0, 1),
                       scalar_impl=_scalar_maximum,
                       nargs=2,
                       sympy=_sympy_name("Max"), notation=_function("max", r"\max"),
                       doc="maximum(x, y), elementwise. Ties split the derivative: 0.5 each.\n\n"
                           ">>> maximum(2.0, 5.0)\n5.0")
minimum = _elementwise("minimum", np.minimum, _minimum_partials, saves=(0, 1),
                       scalar_impl=_scalar_minimum,
                       nargs=2,
                       sympy=_sympy_name("Min"), notation=_function("min", r"\min"),
                       doc="minimum(x, y), elementwise. Ties split the derivative: 0.5 each.\n\n"
                           ">>> minimum(2.0, 5.0)\n2.0")


# ---------------------------------------------------------------------------------------------
# Elementwise unary: partials(out, x) -> (∂out/∂x,)
# ---------------------------------------------------------------------------------------------

def _neg_partials(out, x):
    return (-1,)


def _exp_partials(out, x):
    return (out,)


def _log_partials(out, x):
    return (div(1.0, x),)


def _log1p_partials(out, x):
    return (div(1.0, add(1.0, x)),)


def _sqrt_partials(out, x):
    return (div(0.5, out),)


def _sin_partials(out, x):
    return (cos(x),)


def _cos_partials(out, x):
    return (neg(sin(x)),)


def _tan_partials(out, x):
    return (1 + out * out,)


def _tanh_partials(out, x):
    return (1 - out * out,)


def _sigmoid_partials(out, x):
    return (out * (1 - out),)


def _abs_partials(out, x):
    return (sign(x),)


def _relu_partials(out, x):
    return (greater(x, 0),)


def _square_partials(out, x):
    return (2 * x,)


def _scalar_sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _np_sigmoid(x):
    x = np.asarray(x, dtype=float)
    z = np.exp(-np.abs(x))  # stable on both tails
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def _np_relu(x):
    return np.maximum(x, 0.0)


def _sympy_sigmoid(sp, x):
    return 1 / (1 + sp.exp(-x))


def _sympy_relu(sp, x):
    return sp.Max(0, x)


def _sympy_log1p(sp, x):
    return sp.log(1 + x)


def _sympy_square(sp, x):
    return x ** 2


def _scalar_relu(x):
    return x if x > 0 or x != x else 0.0  # relu(nan) is nan, as for arrays


def _scalar_square(x):
    return x * x


neg = _elementwise("neg", np.negative, _neg_partials, saves=(), scalar_impl=operator.neg,
                   sympy=_sympy_op(operator.neg), notation=Notation("prefix", "-", "-", NEG_PREC),
                   doc="neg(x) = -x.  ∂/∂x = -1.\n\n>>> neg(2.0)\n-2.0")
exp = _elementwise("exp", np.exp, _exp_partials, saves=("out",), scalar_impl=math.exp,
                   notation=_function("exp", r"\exp"),
                   doc="exp(x) = eˣ.  ∂/∂x = exp x (the output itself).\n\n>>> exp(0.0)\n1.0")
log = _elementwise("log", np.log, _log_partials, saves=(0,), scalar_impl=math.log,
                   notation=_function("log", r"\log"),
                   doc="log(x), natural logarithm.  ∂/∂x = 1/x.\n\n>>> log(1.0)\n0.0")
log1p = _elementwise("log1p", np.log1p, _log1p_partials, saves=(0,), scalar_impl=math.log1p,
                     sympy=_sympy_log1p,
                     doc="log1p(x) = log(1 + x), accurate near 0.  ∂/∂x = 1/(1 + x).\n\n"
                         ">>> log1p(0.0)\n0.0")
sqrt = _elementwise("sqrt", np.sqrt, _sqrt_partials, saves=("out",), scalar_impl=math.sqrt,
                    notation=Notation("function", "sqrt", r"\sqrt"),
                    doc="sqrt(x) = √x.  ∂/∂x = 1/(2√x) (+inf at 0).\n\n>>> sqrt(4.0)\n2.0")
sin = _elementwise("sin", np.sin, _sin_partials, saves=(0,), scalar_impl=math.sin,
                   notation=_function("sin", r"\sin"),
                   doc="sin(x).  ∂/∂x = cos x.\n\n>>> sin(0.0)\n0.0")
cos = _elementwise("cos", np.cos, _cos_partials, saves=(0,), scalar_impl=math.cos,
                   notation=_function("cos", r"\cos"),
                   doc="cos(x).  ∂/∂x = -sin x.\n\n>>> cos(0.0)\n1.0")
tan = _elementwise("tan", np.tan, _tan_partials, saves=("out",), scalar_impl=math.tan,
                   notation=_function("tan", r"\tan"),
                   doc="tan(x).  ∂/∂x = 1 + tan²x (from the output).\n\n>>> tan(0.0)\n0.0")
tanh = _elementwise("tanh", np.tanh, _tanh_partials, saves=("out",), scalar_impl=math.tanh,
                    notation=_function("tanh", r"\tanh"),
                    doc="tanh(x).  ∂/∂x = 1 - tanh²x (from the output).\n\n>>> tanh(0.0)\n0.0")
sigmoid = _elementwise("sigmoid", _np_sigmoid, _sigmoid_partials, saves=("out",),
                       scalar_impl=_scalar_sigmoid,
                       sympy=_sympy_sigmoid, notation=_function("sigmoid", r"\sigma"),
                       doc="sigmoid(x) = 1/(1 + e⁻ˣ).  ∂/∂x = σ(x)(1 - σ(x)).\n\n"
                           ">>> sigmoid(0.0)\n0.5")
abs = _elementwise("abs", np.abs, _abs_partials, saves=(0,), scalar_impl=math.fabs,
                   sympy=_sympy_name("Abs"), notation=_function("abs", r"\operatorname{abs}"),
                   doc="abs(x) = |x|.  ∂/∂x = sign x (0 at 0).\n\n>>> abs(-2.0)\n2.0")
relu = _elementwise("relu", _np_relu, _relu_partials, saves=(0,), scalar_impl=_scalar_relu,
                    sympy=_sympy_relu, notation=_function("relu", r"\operatorname{relu}"),
                    doc="relu(x) = max(x, 0).  ∂/∂x = [x > 0] (0 at 0).\n\n>>> relu(-2.0)\n0.0")
square = _elementwise("square", np.square, _square_partials, saves=(0,), scalar_impl=_scalar_square,
                      sympy=_sympy_square,
                      notation=Notation("power", "^2", "^{2}", POW_PREC),
                      doc="square(x) = x².  ∂/∂x = 2x.\n\n>>> square(3.0)\n9.0")


# ---------------------------------------------------------------------------------------------
# Not differentiable (zero derivative): comparisons, sign; and the elementwise select `where`
# ---------------------------------------------------------------------------------------------

def _sympy_relational(name):
    def to_sympy(sp, x, y):
        return getattr(sp, name)(x, y)
    to_sympy.__name__ = f"sympy_{name}"
    return to_sympy


def _comparison(name, np_impl, op, text, latex, sympy_name):
    return _not_differentiable(name, np_impl, scalar_impl=op, nargs=2,
                               sympy=_sympy_relational(sympy_name),
                               notation=_infix(text, latex, CMP_PREC),
                               doc=f"{name}(x, y) = x {text} y, elementwise; derivative 0.")


less = _comparison("less", np.less, operator.lt, "<", "<", "Lt")
less_equal = _comparison("less_equal", np.less_equal, operator.le, "<=", r"\le", "Le")
greater = _comparison("greater", np.greater, operator.gt, ">", ">", "Gt")
greater_equal = _comparison("greater_equal", np.greater_equal, operator.ge, ">=", r"\ge", "Ge")
equal = _comparison("equal", np.equal, operator.eq, "==", "=", "Eq")
not_equal = _comparison("not_equal", np.not_equal, operator.ne, "!=", r"\ne", "Ne")


def _scalar_sign(x):
    return float((x > 0) - (x < 0)) if x == x else x  # sign(nan) is nan, as for arrays


def _scalar_not(x):
    return not x


sign = _not_differentiable("sign", np.sign, scalar_impl=_scalar_sign, sympy=_sympy_name("sign"),
                           doc="sign(x) in {-1, 0, 1}; derivative 0.\n\n>>> sign(-2.0)\n-1.0")
logical_not = _not_differentiable("logical_not", np.logical_not, scalar_impl=_scalar_not,
                                  sympy=_sympy_name("Not"), notation=_function("not", r"\lnot"),
                                  doc="logical_not(c): elementwise not; derivative 0.")


def _where_partials(out, condition, x, y):
    return None, condition, logical_not(condition)


def _scalar_where(condition, x, y):
    return x if condition else y


def _sympy_where(sp, condition, x, y):
    return sp.Piecewise((x, condition), (y, True))


where = _elementwise("where", np.where, _where_partials, saves=(0,),
                     scalar_impl=_scalar_where, nargs=3,
                     sympy=_sympy_where, notation=_function("where", r"\operatorname{where}"),
                     doc="where(c, x, y): x where c holds, else y.  ∂/∂x = [c], ∂/∂y = [not c].\n\n"
                         ">>> where(True, 1.0, 2.0)\n1.0")


# ---------------------------------------------------------------------------------------------
# Array primitives: jvp(primals, tangents, out, batch, **params) and vjp(ct, out, *args, **params)
# A tangent may carry `batch` extra leading axes (jacfwd pushes all directions at once).
# ---------------------------------------------------------------------------------------------

def _kept_shape(shape, axis):
    return tuple(1 if i - len(shape) in axis else n for i, n in enumerate(shape))


def _sum_jvp(primals, tangents, out, batch, *, axis, keepdims):
    return sum(tangents[0], axis=axis, keepdims=keepdims)


def _sum_vjp(ct, out, x, *, axis, keepdims):
    shape = shape_of(x)
    if not keepdims and len(axis) < len(shape):  # put the summed axes back, as length 1
        ct = reshape(ct, _kept_shape(shape, axis))
    return (broadcast_to(ct, shape),)


def _count(shape, axis):
    return math.prod(shape[a] for a in axis)


def _mean_jvp(primals, tangents, out, batch, *, axis, keepdims):
    return mean(tangents[0], axis=axis, keepdims=keepdims)


def _mean_vjp(ct, out, x, *, axis, keepdims):
    shape = shape_of(x)
    if not keepdims and len(axis) < len(shape):
        ct = reshape(ct, _kept_shape(shape, axis))
    return (broadcast_to(ct, shape) / _count(shape, axis),)


def _sympy_reduction(sp, x, *, axis, keepdims):
    if axis:
        raise ADError("to_sympy: sums and means over array axes have no scalar sympy form")
    return x


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
            term = matmul(a, reshape(tb, shape_of(tb) + (1,)))
            term = reshape(term, shape_of(term)[:-1])
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
        result = matmul(reshape(ta, lead + a2), reshape(b, b2))
    if tb is not None:
        term = matmul(reshape(a, a2), reshape(tb, lead + b2))
        result = term if result is None else result + term
    return reshape(result, lead + shape_of(out))  # drop the axes added to vectors


def _matmul_vjp(ct, out, a, b, *, needed=(True, True)):
    a_shape, b_shape = shape_of(a), shape_of(b)
    if len(a_shape) <= 2 and len(b_shape) <= 2:
        if len(a_shape) == 2 and len(b_shape) == 2:      # (n,k) @ (k,m)
            ct_a = matmul(ct, transpose(b)) if needed[0] else None
            ct_b = matmul(transpose(a), ct) if needed[1] else None
        elif len(a_shape) == 2:                          # (n,k) @ (k,): ā = w̄ bᵀ, b̄ = w̄ᵀ a
            ct_a = mul(reshape(ct, (-1, 1)), b) if needed[0] else None
            ct_b = matmul(ct, a) if needed[1] else None
        elif len(b_shape) == 2:                          # (k,) @ (k,m)
            ct_a = matmul(b, ct) if needed[0] else None
            ct_b = mul(reshape(a, (-1, 1)), ct) if needed[1] else None
        else:                                            # (k,) @ (k,): a dot product
            ct_a = mul(ct, b) if needed[0] else None
            ct_b = mul(ct, a) if needed[1] else None
        return ct_a, ct_b
    # Stacks of matrices: promote vectors to matrices, use the matrix rule, drop the added axes.
    a2_shape = (1,) + a_shape if len(a_shape) == 1 else a_shape
    b2_shape = b_shape + (1,) if len(b_shape) == 1 else b_shape
    a2, b2 = reshape(a, a2_shape), reshape(b, b2_shape)
    ct2 = reshape(ct, np.broadcast_shapes(a2_shape[:-2], b2_shape[:-2])
                  + (a2_shape[-2], b2_shape[-1]))
    ct_a = matmul(ct2, transpose(b2, _swap_last(len(b2_shape))))
    ct_b = matmul(transpose(a2, _swap_last(len(a2_shape))), ct2)
    return (reshape(unbroadcast(ct_a, a2_shape), a_shape),
            reshape(unbroadcast(ct_b, b2_shape), b_shape))


def _swap_last(ndim):
    return tuple(range(ndim - 2)) + (ndim - 1, ndim - 2)


def _sympy_matmul(sp, a, b):
    return a * b  # scalars only; sympy Matrices multiply the same way


def _reshape_jvp(primals, tangents, out, batch, *, shape):
    t = tangents[0]
    return reshape(t, shape_of(t)[:batch] + shape)


def _reshape_vjp(ct, out, x, *, shape):
    return (reshape(ct, shape_of(x)),)


def _transpose_jvp(primals, tangents, out, batch, *, axes):
    return transpose(tangents[0], tuple(range(batch)) + tuple(batch + a for a in axes))


def _transpose_vjp(ct, out, x, *, axes):
    return (transpose(ct, tuple(np.argsort(axes))),)


def _broadcast_jvp(primals, tangents, out, batch, *, shape):
    t = tangents[0]
    t_shape = shape_of(t)
    x_ndim = len(t_shape) - batch
    aligned = t_shape[:batch] + (1,) * (len(shape) - x_ndim) + t_shape[batch:]
    return broadcast_to(reshape(t, aligned), t_shape[:batch] + shape)


def _broadcast_vjp(ct, out, x, *, shape):
    return (unbroadcast(ct, shape_of(x)),)


def _getitem_jvp(primals, tangents, out, batch, *, index):
    t = tangents[0]
    if batch and _has_array(index):
        # numpy puts the axes of array indices separated by a slice in front of the batch
        # axes; picking elements by flat position (one array index) keeps them in place
        size = math.prod(shape_of(primals[0]))
        positions = np.arange(size).reshape(shape_of(primals[0]))[index]
        flat = reshape(t, shape_of(t)[:batch] + (size,))
        return getitem(flat, (slice(None),) * batch + (positions,))
    return getitem(t, (slice(None),) * batch + index)


def _has_array(index):
    return any(isinstance(i, np.ndarray) for i in index)


def _getitem_vjp(ct, out, x, *, index):
    return (scatter_add(ct, index=index, shape=shape_of(x)),)


def _np_getitem(x, *, index):
    return np.asarray(x)[index]


def _np_reshape(x, *, shape):
    return np.asarray(x).reshape(shape)  # the method: numpy's function adds a Python layer


def _np_transpose(x, *, axes):
    return np.asarray(x).transpose(axes)


def _np_sum(x, *, axis, keepdims):
    x = np.asarray(x)
    if x.dtype.kind in "biu":  # numpy's sum promotes bools and small ints; add.reduce would not
        return np.sum(x, axis=axis, keepdims=keepdims)
    return np.add.reduce(x, axis=axis, keepdims=keepdims)


def _np_mean(x, *, axis, keepdims):
    x = np.asarray(x)
    total = np.add.reduce(x, axis=axis, keepdims=keepdims,
                          dtype=None if x.dtype.kind in "fc" else np.float64)
    return total / math.prod(x.shape[a] for a in axis)


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
        flat = scatter_add(t, index=(slice(None),) * batch + (positions,), shape=lead + (size,))
        return reshape(flat, lead + shape)
    return scatter_add(t, index=(slice(None),) * batch + index, shape=lead + shape)


def _scatter_vjp(ct, out, values, *, index, shape):
    return (getitem(ct, index),)


def _np_concatenate(*arrays, axis):
    return np.concatenate(arrays, axis=axis)


def _concatenate_jvp(primals, tangents, out, batch, *, axis):
    batch_shape = next(shape_of(t)[:batch] for t in tangents if t is not None)
    parts = [np.zeros(batch_shape + shape_of(p)) if t is None else t
             for p, t in zip(primals, tangents)]
    return concatenate(parts, axis=axis)


def _concatenate_vjp(ct, out, *arrays, axis):
    cts, start = [], 0
    for a in arrays:
        n = shape_of(a)[axis]
        cts.append(getitem(ct, (Ellipsis, slice(start, start + n)) + (slice(None),) * (-axis - 1)))
        start += n
    return tuple(cts)


def _array_primitive(name, impl, jvp, vjp, *, saves, sympy=None, notation=None, nargs=1, doc=""):
    return register(Primitive(name, impl, jvp=jvp, vjp=vjp, sympy=sympy, nargs=nargs,
                              notation=notation or Notation("call", name), doc=doc, saves=saves))


_sum = _array_primitive("sum", _np_sum, _sum_jvp, _sum_vjp, saves=(), sympy=_sympy_reduction,
                        notation=Notation("call", "sum", r"\sum"),
                        doc="sum(x, axis, keepdims).  Adjoint: the output adjoint broadcast back.")
_mean = _array_primitive("mean", _np_mean, _mean_jvp, _mean_vjp, saves=(), sympy=_sympy_reduction,
                         doc="mean(x, axis, keepdims).  Adjoint: broadcast back, divided by count.")
matmul = _array_primitive("matmul", np.matmul, _matmul_jvp, _matmul_vjp, saves=(0, 1), nargs=2,
                          sympy=_sympy_matmul, notation=_infix("@", r"\,", MUL_PREC),
                          doc="matmul(a, b) = a @ b.  ā = w̄ bᵀ, b̄ = aᵀ w̄.\n\n"
                              ">>> matmul(np.eye(2), np.ones(2))\narray([1., 1.])")
_reshape = _array_primitive("reshape", _np_reshape, _reshape_jvp, _reshape_vjp, saves=(),
                            doc="reshape(x, shape).  Adjoint: reshaped back.")
_transpose = _array_primitive("transpose", _np_transpose, _transpose_jvp, _transpose_vjp, saves=(),
                              notation=Notation("postfix", "ᵀ", r"^{\top}", POW_PREC),
                              doc="transpose(x, axes).  Adjoint: the inverse permutation.")
def _np_broadcast_to(x, *, shape):
    if np.ndim(x) == 0:  # a scalar spread out (the adjoint of a sum): a plain array is cheaper
        return np.full(shape, x, dtype=np.result_type(x, float))
    return np.broadcast_to(x, shape)


_broadcast_to = _array_primitive("broadcast_to", _np_broadcast_to, _broadcast_jvp, _broadcast_vjp,
                                 saves=(),
                                 doc="broadcast_to(x, shape).  Adjoint: summed back (unbroadcast).")
_getitem = _array_primitive("getitem", _np_getitem, _getitem_jvp, _getitem_vjp, saves=(),
                            notation=Notation("index", "[]"),
                            doc="x[index].  Adjoint: scattered (added) back into zeros.")
_scatter_add = _array_primitive("scatter_add", _np_scatter_add, _scatter_jvp, _scatter_vjp,
                                saves=(),
                                doc="zeros(shape) with values added at index (the adjoint of x[index]).")
_concatenate = _array_primitive("concatenate", _np_concatenate, _concatenate_jvp,
                                _concatenate_vjp, saves=(), nargs=-1,
                                doc="concatenate(arrays, axis).  Adjoint: split back.")


# ---------------------------------------------------------------------------------------------
# Public array functions: they normalize parameters (negative axes, concrete shapes) so that
# every rule sees one form, then bind the primitive.
# ---------------------------------------------------------------------------------------------

def _axes(axis, ndim, name):
    if axis is None:
        return tuple(range(-ndim, 0))
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ShapeError(f"{name}: axis {a} is out of range for an argument with {ndim} "
                             f"dimension(s)")
        out.append(a - ndim if a >= 0 else a)
    return tuple(sorted(set(out)))


def sum(x, axis=None, keepdims=False):
    """Sum of the elements, over all axes or over ``axis``.

    >>> float(sum(np.array([1.0, 2.0, 3.0])))
    6.0
    >>> sum(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    array([4., 6.])
    """
    return _sum(x, axis=_axes(axis, ndim_of(x), "sum"), keepdims=bool(keepdims))


def mean(x, axis=None, keepdims=False):
    """Mean of the elements, over all axes or over ``axis``.

    >>> float(mean(np.array([1.0, 2.0, 3.0])))
    2.0
    >>> mean(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1, keepdims=True)
    array([[1.5],
           [3.5]])
    """
    return _mean(x, axis=_axes(axis, ndim_of(x), "mean"), keepdims=bool(keepdims))


def reshape(x, shape):
    """``x`` with a new shape (``-1`` infers one dimension); ``None`` flattens."""
    old = shape_of(x)
    if shape is None:
        shape = (-1,)
    shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(int(n) for n in shape)
    if shape == old:
        return x
    size = math.prod(old)
    if -1 in shape:
        known = math.prod(n for n in shape if n != -1)
        if shape.count(-1) > 1 or known == 0 or size % known:
            raise ShapeError(f"reshape: cannot reshape an argument of shape {old} into {shape}")
        shape = tuple(size // known if n == -1 else n for n in shape)
    if math.prod(shape) != size:
        raise ShapeError(f"reshape: cannot reshape an argument of shape {old} ({size} elements) "
                         f"into {shape}")
    return x if shape == old else _reshape(x, shape=shape)


_REVERSED = [tuple(range(n))[::-1] for n in range(33)]  # numpy allows at most 32 axes


def transpose(x, axes=None):
    """Permute the axes (reverse them by default)."""
    ndim = ndim_of(x)
    if axes is None:
        return _transpose(x, axes=_REVERSED[ndim]) if ndim > 1 else x
    axes = tuple(a % ndim for a in axes)
    if sorted(axes) != list(range(ndim)):
        raise ShapeError(f"transpose: axes {axes} are not a permutation of {ndim} dimension(s)")
    if axes == tuple(range(ndim)):
        return x
    return _transpose(x, axes=axes)


def broadcast_to(x, shape):
    """``x`` repeated along new or length-1 axes to ``shape``."""
    shape = tuple(shape)
    if shape_of(x) == shape:
        return x
    return _broadcast_to(x, shape=shape)  # numpy's error for shapes that don't fit: ShapeError


def getitem(x, index):
    """``x[index]`` for ints, slices, Ellipsis, None and integer or boolean arrays."""
    if not isinstance(index, tuple):
        index = (index,)
    index = tuple(_index_value(i) for i in index)
    return _getitem(x, index=index)


def _index_value(i):
    """An index entry as numpy takes it; a traced mask (x[x > 0]) by its value: no derivative
    flows through an index."""
    while isinstance(i, Boxed):
        i = i.concrete() if hasattr(i, "concrete") else i._value()
    return np.asarray(i) if isinstance(i, list) else i


def scatter_add(values, *, index, shape):
    """``zeros(shape)`` with ``values`` added at ``index`` (repeated indices add up)."""
    return _scatter_add(values, index=index, shape=tuple(shape))


def concatenate(arrays, axis=0):
    """Join arrays along an existing axis."""
    arrays = list(arrays)
    if not arrays:
        raise ShapeError("concatenate: needs at least one array")
    ndim = ndim_of(arrays[0])
    if ndim == 0:
        raise ShapeError("concatenate: zero-dimensional arrays cannot be concatenated; use stack")
    (axis,) = _axes(axis, ndim, "concatenate")
    return _concatenate(*arrays, axis=axis)


def stack(arrays, axis=0):
    """Join arrays along a new axis."""
    arrays = list(arrays)
    if not arrays:
        raise ShapeError("stack: needs at least one array")
    shape = shape_of(arrays[0])
    axis = axis % (len(shape) + 1)
    expanded = [reshape(a, shape[:axis] + (1,) + shape[axis:]) for a in arrays]
    return concatenate(expanded, axis=axis)


def dot(a, b):
    """Dot product of vectors, matrix-vector or matrix-matrix product (``matmul`` up to 2-D)."""
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return mul(a, b)
    if ndim_of(a) > 2 or ndim_of(b) > 2:
        raise ShapeError("dot: only 1-D and 2-D arguments; use matmul for stacks of matrices")
    return matmul(a, b)


def primitive_table():
    """The primitive table as rows (name, kind, rule, notation) for printing or checking."""
    return [(p.name, "elementwise" if p.elementwise else "array" if p.vjp else "constant",
             (p.partials or p.vjp or p.impl).__name__, p.notation.text)
            for p in PRIMITIVES.values()]
