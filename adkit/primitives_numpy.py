"""The numpy primitives of the table: one block per primitive, as in :mod:`adkit.primitives`.

Elementwise functions numpy code calls (hyperbolic and inverse trigonometric functions,
``arctan2``, ``hypot``, ``mod``, ``logaddexp``, ``floor`` ...), reductions whose derivative
needs its own rule (``max``/``min``: ties split evenly) and the linear algebra of
``anp.linalg`` (``inv``, ``det``, ``slogdet``, ``solve``, ``cholesky``, ``eigh``, ``svd``).
Everything else in :mod:`adkit.numpy` is a composition of primitives (exact, and no rule to
get wrong). :mod:`adkit.numpy` imports this module (and ``import adkit`` imports that), so
these primitives are in the table whenever adkit is.

Conventions (beside those in :mod:`adkit.primitives`):

=========================  =========================================================
``max``/``min`` reductions  ties split evenly: each of k equal maxima gets 1/k
``mod(x, y)``               ∂/∂x = 1, ∂/∂y = -floor(x / y) (numpy's sign convention)
``floor ceil round trunc``  not differentiable: derivative 0 everywhere
``cholesky``, ``eigh``      read the lower triangle only (as numpy does); derivatives are
                            those of the symmetric matrix it defines
``eigh``, ``svd``           the vectors have no derivative at repeated eigen/singular
                            values: nan where a tie meets a nonzero term (the values
                            themselves keep their derivative)
=========================  =========================================================
"""
import math

import numpy as np

from adkit import arrays as A
from adkit.core import ADError, Notation, ndim_of, shape_of
from adkit.primitives import (MUL_PREC, POW_PREC, _kept_shape, _sympy_reduction, array_primitive,
                              div, elementwise, equal, exp, function, infix, logical_not, mul,
                              not_differentiable, not_equal, sqrt, sympy_function, unbroadcast,
                              where)


# ---------------------------------------------------------------------------------------------
# Elementwise unary: partials(out, x) -> (∂out/∂x,)
# ---------------------------------------------------------------------------------------------

@elementwise("sinh", np.sinh, scalar_impl=math.sinh, saves=(0,),
             notation=function("sinh", r"\sinh"))
def sinh(out, x):
    """sinh(x).  ∂/∂x = cosh x.

    >>> sinh(0.0)
    0.0
    """
    return (cosh(x),)


@elementwise("cosh", np.cosh, scalar_impl=math.cosh, saves=(0,),
             notation=function("cosh", r"\cosh"))
def cosh(out, x):
    """cosh(x).  ∂/∂x = sinh x.

    >>> cosh(0.0)
    1.0
    """
    return (sinh(x),)


@elementwise("arcsin", np.arcsin, scalar_impl=math.asin, saves=(0,), sympy=sympy_function("asin"),
             notation=function("arcsin", r"\arcsin"))
def arcsin(out, x):
    """arcsin(x) for -1 ≤ x ≤ 1.  ∂/∂x = 1/√(1 − x²).

    >>> arcsin(0.0)
    0.0
    """
    return (div(1.0, sqrt(1.0 - x * x)),)


@elementwise("arccos", np.arccos, scalar_impl=math.acos, saves=(0,), sympy=sympy_function("acos"),
             notation=function("arccos", r"\arccos"))
def arccos(out, x):
    """arccos(x) for -1 ≤ x ≤ 1.  ∂/∂x = −1/√(1 − x²).

    >>> arccos(1.0)
    0.0
    """
    return (div(-1.0, sqrt(1.0 - x * x)),)


@elementwise("arctan", np.arctan, scalar_impl=math.atan, saves=(0,), sympy=sympy_function("atan"),
             notation=function("arctan", r"\arctan"))
def arctan(out, x):
    """arctan(x).  ∂/∂x = 1/(1 + x²).

    >>> arctan(0.0)
    0.0
    """
    return (div(1.0, 1.0 + x * x),)


@elementwise("arcsinh", np.arcsinh, scalar_impl=math.asinh, saves=(0,),
             sympy=sympy_function("asinh"), notation=function("arcsinh", r"\operatorname{arsinh}"))
def arcsinh(out, x):
    """arcsinh(x).  ∂/∂x = 1/√(x² + 1).

    >>> arcsinh(0.0)
    0.0
    """
    return (div(1.0, sqrt(x * x + 1.0)),)


@elementwise("arccosh", np.arccosh, scalar_impl=math.acosh, saves=(0,),
             sympy=sympy_function("acosh"), notation=function("arccosh", r"\operatorname{arcosh}"))
def arccosh(out, x):
    """arccosh(x) for x ≥ 1.  ∂/∂x = 1/√(x² − 1).

    >>> arccosh(1.0)
    0.0
    """
    return (div(1.0, sqrt(x * x - 1.0)),)


@elementwise("arctanh", np.arctanh, scalar_impl=math.atanh, saves=(0,),
             sympy=sympy_function("atanh"), notation=function("arctanh", r"\operatorname{artanh}"))
def arctanh(out, x):
    """arctanh(x) for -1 < x < 1.  ∂/∂x = 1/(1 − x²).

    >>> arctanh(0.0)
    0.0
    """
    return (div(1.0, 1.0 - x * x),)


_LN2, _LN10 = math.log(2.0), math.log(10.0)


@elementwise("log2", np.log2, scalar_impl=math.log2, saves=(0,),
             sympy=lambda sp, x: sp.log(x, 2), notation=function("log2", r"\log_2"))
def log2(out, x):
    """log₂ x.  ∂/∂x = 1/(x log 2).

    >>> log2(8.0)
    3.0
    """
    return (div(1.0 / _LN2, x),)


@elementwise("log10", np.log10, scalar_impl=math.log10, saves=(0,),
             sympy=lambda sp, x: sp.log(x, 10), notation=function("log10", r"\log_{10}"))
def log10(out, x):
    """log₁₀ x.  ∂/∂x = 1/(x log 10).

    >>> log10(1000.0)
    3.0
    """
    return (div(1.0 / _LN10, x),)


def _scalar_exp2(x):
    return 2.0 ** x


@elementwise("exp2", np.exp2, scalar_impl=_scalar_exp2, saves=("out",),
             sympy=lambda sp, x: 2 ** x, notation=function("exp2", r"\operatorname{exp}_2"))
def exp2(out, x):
    """exp2(x) = 2ˣ.  ∂/∂x = 2ˣ log 2 (from the output).

    >>> exp2(3.0)
    8.0
    """
    return (mul(out, _LN2),)


@elementwise("expm1", np.expm1, scalar_impl=math.expm1, saves=("out",),
             sympy=lambda sp, x: sp.exp(x) - 1)
def expm1(out, x):
    """expm1(x) = eˣ − 1, accurate near 0.  ∂/∂x = eˣ = out + 1.

    >>> expm1(0.0)
    0.0
    """
    return (out + 1.0,)


@elementwise("cbrt", np.cbrt, scalar_impl=math.cbrt, saves=("out",), sympy=sympy_function("cbrt"),
             notation=function("cbrt"))
def cbrt(out, x):
    """cbrt(x) = ∛x (real, also for x < 0).  ∂/∂x = 1/(3 ∛x²) (+inf at 0).

    >>> cbrt(-8.0)
    -2.0
    """
    return (div(1.0, 3.0 * out * out),)


# ---------------------------------------------------------------------------------------------
# Elementwise binary: partials(out, x, y) -> (∂out/∂x, ∂out/∂y)
# ---------------------------------------------------------------------------------------------

@elementwise("arctan2", np.arctan2, scalar_impl=math.atan2, nargs=2, saves=(0, 1),
             sympy=sympy_function("atan2"), notation=function("arctan2", r"\operatorname{atan2}"))
def arctan2(out, y, x):
    """arctan2(y, x): the angle of the point (x, y).  ∂/∂y = x/(x² + y²), ∂/∂x = −y/(x² + y²).

    >>> arctan2(0.0, 1.0)
    0.0
    """
    r2 = x * x + y * y
    return div(x, r2), div(-y, r2)


@elementwise("hypot", np.hypot, scalar_impl=math.hypot, nargs=2, saves=(0, 1, "out"),
             sympy=lambda sp, x, y: sp.sqrt(x ** 2 + y ** 2))
def hypot(out, x, y):
    """hypot(x, y) = √(x² + y²) without overflow.  ∂/∂x = x/out, ∂/∂y = y/out.

    >>> hypot(3.0, 4.0)
    5.0
    """
    return div(x, out), div(y, out)


def _scalar_mod(x, y):
    return x % y  # Python's float % has numpy's sign convention; y = 0 falls back to numpy (nan)


@elementwise("mod", np.mod, scalar_impl=_scalar_mod, nargs=2, saves=(0, 1),
             sympy=lambda sp, x, y: x - y * sp.floor(x / y),
             notation=infix("mod", r"\bmod", MUL_PREC))
def mod(out, x, y):
    """mod(x, y) = x − y·floor(x/y) (the sign of y, as numpy's ``%``).
    ∂/∂x = 1, ∂/∂y = −floor(x/y).

    >>> mod(7.0, 3.0)
    1.0
    """
    return 1, -floor(div(x, y))


@elementwise("logaddexp", np.logaddexp, nargs=2, saves=(0, 1, "out"),
             sympy=lambda sp, x, y: sp.log(sp.exp(x) + sp.exp(y)))
def logaddexp(out, x, y):
    """logaddexp(x, y) = log(eˣ + eʸ) without overflow.  ∂/∂x = e^(x−out), ∂/∂y = e^(y−out).

    >>> logaddexp(0.0, 0.0) == math.log(2.0)
    True
    """
    return exp(x - out), exp(y - out)


# ---------------------------------------------------------------------------------------------
# Not differentiable (derivative 0): rounding, and tests of a value
# ---------------------------------------------------------------------------------------------

def _scalar_round(x, *, decimals=0):
    return float(np.round(x, decimals))


floor = not_differentiable("floor", np.floor, scalar_impl=lambda x: float(math.floor(x)),
                           sympy=sympy_function("floor"),
                           notation=Notation("function", "floor", r"\lfloor"),
                           doc="floor(x): the largest integer ≤ x; derivative 0.")
ceil = not_differentiable("ceil", np.ceil, scalar_impl=lambda x: float(math.ceil(x)),
                          sympy=sympy_function("ceiling"),
                          doc="ceil(x): the smallest integer ≥ x; derivative 0.")
trunc = not_differentiable("trunc", np.trunc, scalar_impl=lambda x: float(math.trunc(x)),
                           doc="trunc(x): x without its fractional part; derivative 0.")
round_p = not_differentiable("round", lambda x, *, decimals=0: np.round(x, decimals),
                             scalar_impl=_scalar_round,
                             doc="round(x, decimals): to the nearest (even) value; derivative 0.")
isnan = not_differentiable("isnan", np.isnan, doc="isnan(x): a mask; derivative 0.")
isinf = not_differentiable("isinf", np.isinf, doc="isinf(x): a mask; derivative 0.")
isfinite = not_differentiable("isfinite", np.isfinite, doc="isfinite(x): a mask; derivative 0.")
logical_and = not_differentiable("logical_and", np.logical_and, nargs=2,
                                 sympy=sympy_function("And"),
                                 doc="logical_and(a, b): elementwise and; derivative 0.")
logical_or = not_differentiable("logical_or", np.logical_or, nargs=2, sympy=sympy_function("Or"),
                                doc="logical_or(a, b): elementwise or; derivative 0.")


# ---------------------------------------------------------------------------------------------
# Reductions with a rule of their own: max and min (ties split evenly)
# Parameters arrive normalized: axes negative and sorted.
# ---------------------------------------------------------------------------------------------

def _tie_weights(x, out, axis, keepdims):
    """1/k at each of the k elements equal to the extreme along ``axis``, 0 elsewhere."""
    if not keepdims:
        out = A.reshape(out, _kept_shape(shape_of(x), axis))
    mask = equal(x, out)
    return div(mask, A.sum(mask, axis=axis, keepdims=True))


def _extreme_jvp(primals, tangents, out, batch, *, axis, keepdims):
    weights = _tie_weights(primals[0], out, axis, keepdims)
    return A.sum(mul(tangents[0], weights), axis=axis, keepdims=keepdims)


def _extreme_vjp(ct, out, x, *, axis, keepdims):
    if not keepdims:
        ct = A.reshape(ct, _kept_shape(shape_of(x), axis))
    return (mul(ct, _tie_weights(x, out, axis, keepdims)),)


def _np_amax(x, *, axis, keepdims):
    return np.max(x, axis=axis, keepdims=keepdims)


def _np_amin(x, *, axis, keepdims):
    return np.min(x, axis=axis, keepdims=keepdims)


@array_primitive("amax", _np_amax, jvp=_extreme_jvp, saves=(0, "out"), sympy=_sympy_reduction,
                 notation=Notation("call", "max", r"\max"))
def amax(ct, out, x, *, axis, keepdims):
    """max(x, axis, keepdims): the largest element along ``axis``.  Adjoint: the output adjoint
    shared evenly by the elements equal to the maximum (1/k each of k ties).

    >>> float(amax(np.array([1.0, 3.0, 3.0]), axis=(-1,), keepdims=False))
    3.0
    """
    return _extreme_vjp(ct, out, x, axis=axis, keepdims=keepdims)


@array_primitive("amin", _np_amin, jvp=_extreme_jvp, saves=(0, "out"), sympy=_sympy_reduction,
                 notation=Notation("call", "min", r"\min"))
def amin(ct, out, x, *, axis, keepdims):
    """min(x, axis, keepdims): the smallest element along ``axis``.  Adjoint: shared evenly by
    the elements equal to the minimum.

    >>> float(amin(np.array([1.0, 3.0]), axis=(-1,), keepdims=False))
    1.0
    """
    return _extreme_vjp(ct, out, x, axis=axis, keepdims=keepdims)


def _np_logsumexp(x, *, axis, keepdims):
    x = np.asarray(x)
    if x.dtype.kind not in "f":  # ints and bools: as floats; float32 stays float32
        x = x.astype(float)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):  # all -inf: log 0 = -inf, as it should be
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _kept(out, x, axis, keepdims):
    """``out`` with the reduced axes put back as length 1 (so it broadcasts against x); leading
    (batch) axes of ``out`` beyond x's are kept."""
    if keepdims:
        return out
    shape = shape_of(x)
    kept = tuple(1 if i - len(shape) in axis else n for i, n in enumerate(shape))
    return A.reshape(out, shape_of(out)[:ndim_of(out) - (len(shape) - len(axis))] + kept)


def _logsumexp_jvp(primals, tangents, out, batch, *, axis, keepdims):
    (x,), (t,) = primals, tangents
    weights = exp(x - _kept(out, x, axis, keepdims))               # softmax along axis
    return A.sum(weights * t, axis=axis, keepdims=keepdims)


@array_primitive("logsumexp", _np_logsumexp, jvp=_logsumexp_jvp, saves=(0, "out"),
                 notation=Notation("call", "logsumexp", r"\operatorname{logsumexp}"))
def logsumexp(ct, out, x, *, axis, keepdims):
    """logsumexp(x) = log Σ exp(x), computed as m + log Σ exp(x − m) with m = max x (no
    overflow). ∂/∂x = softmax(x).

    >>> float(logsumexp(np.zeros(4), axis=(-1,), keepdims=False)) == float(np.log(4.0))
    True
    """
    return (_kept(ct, x, axis, keepdims) * exp(x - _kept(out, x, axis, keepdims)),)


# ---------------------------------------------------------------------------------------------
# Linear algebra on the last two axes (stacks of matrices work too)
# ---------------------------------------------------------------------------------------------

def mT(a):
    """Swap the last two axes (the matrix transpose of each matrix of a stack)."""
    n = ndim_of(a)
    return A.transpose(a, tuple(range(n - 2)) + (n - 1, n - 2))


def _tril(a, k=0):
    """The lower triangle of each matrix (a constant mask: linear, so exact in every mode)."""
    n = shape_of(a)[-1]
    return mul(a, np.tri(n, n, k))


def _lower_symmetric(t):
    """The symmetric matrix numpy's cholesky/eigh read from ``t``: its lower triangle, mirrored."""
    return _tril(t) + mT(_tril(t, -1))


def _lower_symmetric_adjoint(g):
    return _tril(g) + _tril(mT(g), -1)


def _checked(name, impl):
    def run(*args, **params):
        try:
            return impl(*args, **params)
        except np.linalg.LinAlgError as e:
            shapes = ", ".join(str(np.shape(a)) for a in args)
            raise ADError(f"{name}: numpy.linalg failed on argument(s) of shape {shapes}: "
                          f"{e}") from None
    run.__name__ = f"np_{name}"
    return run


def _inv_jvp(primals, tangents, out, batch):
    return -(out @ tangents[0] @ out)


@array_primitive("inv", _checked("inv", np.linalg.inv), jvp=_inv_jvp, saves=("out",),
                 notation=Notation("postfix", "⁻¹", r"^{-1}", POW_PREC),
                 sympy=lambda sp, a: a ** -1)
def inv(ct, out, a):
    """inv(A) = A⁻¹.  dA⁻¹ = −A⁻¹ dA A⁻¹;  Ā = −A⁻ᵀ W̄ A⁻ᵀ.

    >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    inv_t = mT(out)
    return (-(inv_t @ ct @ inv_t),)


def _trace_with(m, t):
    """Σᵢⱼ mᵢⱼ tᵢⱼ over the last two axes: tr(mᵀ t)."""
    return A.sum(mul(m, t), axis=(-2, -1))


def _det_jvp(primals, tangents, out, batch):
    return mul(out, _trace_with(mT(inv(primals[0])), tangents[0]))


@array_primitive("det", _checked("det", np.linalg.det), jvp=_det_jvp, saves=(0, "out"),
                 notation=Notation("call", "det", r"\det"), sympy=lambda sp, a: a)
def det(ct, out, a):
    """det(A).  d det = det · tr(A⁻¹ dA);  Ā = W̄ · det · A⁻ᵀ (A must be invertible).

    >>> float(det(np.array([[2.0, 1.0], [0.0, 4.0]])).round(12))
    8.0
    """
    scale = A.reshape(mul(ct, out), shape_of(out) + (1, 1))
    return (mul(scale, mT(inv(a))),)


def _np_logabsdet(a):
    return np.linalg.slogdet(a)[1]


def _logabsdet_jvp(primals, tangents, out, batch):
    return _trace_with(mT(inv(primals[0])), tangents[0])


@array_primitive("logabsdet", _checked("slogdet", _np_logabsdet), jvp=_logabsdet_jvp, saves=(0,),
                 notation=Notation("call", "log|det|", r"\log\lvert\det\rvert"),
                 sympy=lambda sp, a: sp.log(sp.Abs(a)))
def logabsdet(ct, out, a):
    """log |det A| (the second value of numpy's slogdet).  d = tr(A⁻¹ dA);  Ā = W̄ · A⁻ᵀ.

    >>> round(float(logabsdet(np.eye(2) * 2.0)), 12) == round(math.log(4.0), 12)
    True
    """
    return (mul(A.reshape(ct, shape_of(out) + (1, 1)), mT(inv(a))),)


sign_det = not_differentiable("sign_det", _checked("slogdet", lambda a: np.linalg.slogdet(a)[0]),
                              doc="sign_det(A): the sign of det A (slogdet's first value); "
                                  "derivative 0.")


def _lift(t, batch, ndim):
    """A batched tangent given ``ndim`` axes after its batch axes (length-1 axes in front), so
    its batch axes never meet a primal's stack axes when matmul and solve broadcast."""
    if t is None:
        return t
    shape = shape_of(t)
    missing = ndim - (len(shape) - batch)
    return A.reshape(t, shape[:batch] + (1,) * missing + shape[batch:]) if missing > 0 else t


def _solve_jvp(primals, tangents, out, batch):
    a, b = primals
    ta, tb = (_lift(t, batch, ndim_of(out)) for t in tangents)
    rhs = tb
    if ta is not None:
        rhs = -(ta @ out) if rhs is None else rhs - ta @ out
    return solve(a, rhs)


@array_primitive("solve", _checked("solve", np.linalg.solve), jvp=_solve_jvp, saves=(0, "out"),
                 nargs=2, notation=Notation("call", "solve"))
def solve(ct, out, a, b):
    """solve(A, B) = A⁻¹ B for B of shape (..., n, k).  B̄ = A⁻ᵀ W̄,  Ā = −B̄ Xᵀ.

    >>> solve(np.eye(2) * 2.0, np.ones((2, 1)))
    array([[0.5],
           [0.5]])
    """
    ct_b = solve(mT(a), ct)
    ct_a = -(ct_b @ mT(out))
    return unbroadcast(ct_a, shape_of(a)), unbroadcast(ct_b, shape_of(b))


def _cholesky_phi(m):
    """The lower triangle of m with its diagonal halved."""
    n = shape_of(m)[-1]
    return mul(m, np.tri(n, n, -1) + 0.5 * np.eye(n))


def _cholesky_jvp(primals, tangents, out, batch):
    l_inv = inv(out)
    return out @ _cholesky_phi(l_inv @ _lower_symmetric(tangents[0]) @ mT(l_inv))


@array_primitive("cholesky", _checked("cholesky", np.linalg.cholesky), jvp=_cholesky_jvp,
                 saves=("out",), notation=Notation("call", "cholesky"))
def cholesky(ct, out, a):
    """cholesky(A) = L with L Lᵀ = A (A symmetric positive definite; its lower triangle is read).
    dL = L Φ(L⁻¹ dA L⁻ᵀ), Φ = lower triangle with the diagonal halved;
    Ā = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹ (folded onto the lower triangle).

    >>> cholesky(np.array([[4.0, 0.0], [0.0, 9.0]]))
    array([[2., 0.],
           [0., 3.]])
    """
    l_inv = inv(out)
    return (_lower_symmetric_adjoint(mT(l_inv) @ _cholesky_phi(mT(out) @ ct) @ l_inv),)


def _np_eigh(a):
    w, v = np.linalg.eigh(a)
    return np.concatenate([w[..., None, :], v], axis=-2)


def _eigh_parts(out):
    """Eigenvalues (..., n), eigenvectors (..., n, n) and their gap matrix (w_j − w_i)."""
    n = shape_of(out)[-1]
    w = A.getitem(out, (Ellipsis, 0, slice(None)))
    v = A.getitem(out, (Ellipsis, slice(1, None), slice(None)))
    lead = shape_of(w)[:-1]
    return w, v, A.reshape(w, lead + (1, n)) - A.reshape(w, lead + (n, 1))


def _over_gaps(gaps, m):
    """m_ij / gap_ij off the diagonal, 0 on it. Where two values coincide (gap 0) the result is
    nan if m_ij ≠ 0 (that derivative does not exist) and 0 if m_ij = 0 (nothing asked for it:
    eigenvalues alone keep their derivative at repeated eigenvalues)."""
    n = shape_of(gaps)[-1]
    skip = logical_or(np.eye(n, dtype=bool), equal(gaps, 0.0))
    ratio = div(m, where(skip, 1.0, gaps))
    tie = logical_and(logical_not(np.eye(n, dtype=bool)), equal(gaps, 0.0))
    return where(logical_and(tie, not_equal(m, 0.0)), np.nan, where(skip, 0.0, ratio))


def _eigh_jvp(primals, tangents, out, batch):
    w, v, gaps = _eigh_parts(out)
    n = shape_of(w)[-1]
    m = mT(v) @ _lower_symmetric(tangents[0]) @ v
    dw = A.sum(mul(m, np.eye(n)), axis=(-1,))
    dv = v @ _over_gaps(gaps, m)
    return A.concatenate([A.reshape(dw, shape_of(dw)[:-1] + (1, n)), dv], axis=-2)


@array_primitive("eigh", _checked("eigh", _np_eigh), jvp=_eigh_jvp, saves=("out",),
                 notation=Notation("call", "eigh"))
def eigh(ct, out, a):
    """eigh(A): eigenvalues w (ascending) and eigenvectors V of a symmetric A (lower triangle
    read), packed as one array: row 0 holds w, rows 1.. hold V.  With M = Vᵀ dA V:
    dw = diag M, dV = V (F ∘ M), F_ij = 1/(w_j − w_i); Ā = V (diag w̄ + F ∘ Vᵀ V̄) Vᵀ.
    At repeated eigenvalues the eigenvectors' derivative is undefined (F is infinite).

    >>> eigh(np.diag([2.0, 1.0]))[0]
    array([1., 2.])
    """
    w, v, gaps = _eigh_parts(out)
    n = shape_of(w)[-1]
    w_bar = A.getitem(ct, (Ellipsis, 0, slice(None)))
    v_bar = A.getitem(ct, (Ellipsis, slice(1, None), slice(None)))
    diagonal = mul(A.reshape(w_bar, shape_of(w_bar)[:-1] + (1, n)), np.eye(n))
    inner = diagonal + _over_gaps(gaps, mT(v) @ v_bar)
    return (_lower_symmetric_adjoint(v @ inner @ mT(v)),)


def _scalar_astype(x, *, dtype="float64"):
    if dtype != "float64":
        raise ValueError("not a Python float")  # numpy gives the float32 scalar
    return float(x)


@elementwise("astype", lambda x, *, dtype="float64": np.asarray(x).astype(dtype), saves=(),
             scalar_impl=_scalar_astype,
             sympy=lambda sp, x, *, dtype="float64": x, notation=function("astype"))
def astype(out, x, *, dtype="float64"):
    """astype(x, dtype): x as floats of another precision (float32 <-> float64).  ∂/∂x = 1.

    >>> astype(np.array([1.5]), dtype="float32").dtype
    dtype('float32')
    """
    return (1,)


def _np_svd(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    lead = s.shape[:-1]
    return np.concatenate([u.reshape(lead + (-1,)), s, vh.reshape(lead + (-1,))], axis=-1)


def _svd_parts(out, m, n):
    """U (..., m, k), s (..., k), V (..., n, k) from the packed output, and the gaps s_j² − s_i²."""
    k = min(m, n)
    lead = shape_of(out)[:-1]
    u = A.reshape(A.getitem(out, (Ellipsis, slice(0, m * k))), lead + (m, k))
    s = A.getitem(out, (Ellipsis, slice(m * k, m * k + k)))
    v = mT(A.reshape(A.getitem(out, (Ellipsis, slice(m * k + k, None))), lead + (k, n)))
    s2 = s * s
    return u, s, v, A.reshape(s2, lead + (1, k)) - A.reshape(s2, lead + (k, 1))


def _over_s(x, s_row):
    """x / s column by column, 0 where x is 0 (a zero singular value with nothing asked of its
    vectors keeps s's derivative finite)."""
    return where(equal(x, 0.0), 0.0, div(x, s_row))


def _pack_svd(du, ds, dv):
    lead = shape_of(ds)[:-1]
    parts = [A.reshape(du, lead + (-1,)), ds, A.reshape(mT(dv), lead + (-1,))]
    return A.concatenate(parts, axis=-1)


def _svd_jvp(primals, tangents, out, batch):
    m, n = shape_of(primals[0])[-2:]
    u, s, v, gaps = _svd_parts(out, m, n)
    k = shape_of(s)[-1]
    t = tangents[0]
    s_row = A.reshape(s, shape_of(s)[:-1] + (1, k))  # X * s_row = X S
    s_col = A.reshape(s, shape_of(s)[:-1] + (k, 1))  # s_col * X = S X
    dp = mT(u) @ t @ v
    ds = A.sum(mul(dp, np.eye(k)), axis=(-1,))
    du = u @ _over_gaps(gaps, dp * s_row + s_col * mT(dp)) + _over_s((t @ v) - u @ dp, s_row)
    dv = v @ _over_gaps(gaps, s_col * dp + mT(dp) * s_row) + _over_s(mT(t) @ u - v @ mT(dp), s_row)
    return _pack_svd(du, ds, dv)


@array_primitive("svd", _checked("svd", _np_svd), jvp=_svd_jvp, saves=("out",),
                 notation=Notation("call", "svd"))
def svd(ct, out, a):
    """svd(A) = U diag(s) Vᵀ (thin), packed as one array: U, s and Vᵀ flattened on the last axis.
    With dP = Uᵀ dA V and F_ij = 1/(s_j² − s_i²): ds = diag dP,
    dU = U (F ∘ (dP S + S dPᵀ)) + (I − UUᵀ) dA V S⁻¹, dV likewise; the VJP is its transpose.
    Where two singular values coincide the vectors have no derivative (nan), and a zero
    singular value makes the vectors' derivative infinite.

    >>> svd(np.diag([3.0, 2.0]))[4:6]
    array([3., 2.])
    """
    m, n = shape_of(a)[-2:]
    u, s, v, gaps = _svd_parts(out, m, n)
    k = shape_of(s)[-1]
    lead = shape_of(s)[:-1]
    u_bar = A.reshape(A.getitem(ct, (Ellipsis, slice(0, m * k))), lead + (m, k))
    s_bar = A.getitem(ct, (Ellipsis, slice(m * k, m * k + k)))
    v_bar = mT(A.reshape(A.getitem(ct, (Ellipsis, slice(m * k + k, None))), lead + (k, n)))
    s_row = A.reshape(s, lead + (1, k))
    s_col = A.reshape(s, lead + (k, 1))
    ju = _over_gaps(gaps, mT(u) @ u_bar - mT(u_bar) @ u)
    jv = _over_gaps(gaps, mT(v) @ v_bar - mT(v_bar) @ v)
    core = ju * s_row + mul(A.reshape(s_bar, lead + (1, k)), np.eye(k)) + s_col * jv
    out_a = u @ core @ mT(v)
    out_a = out_a + _over_s(u_bar - u @ (mT(u) @ u_bar), s_row) @ mT(v)
    out_a = out_a + u @ mT(_over_s(v_bar - v @ (mT(v) @ v_bar), s_row))
    return (out_a,)
