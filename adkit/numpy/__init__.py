"""Numpy-style names for lesson code, like ``autograd.numpy``: ``import adkit.numpy as anp``.

Every name in ``__all__`` works on floats, numpy arrays, Duals and traced values, with
derivatives in both modes (a primitive of the table, or a composition of primitives), and is
also what plain numpy calls on traced values (``np.sin(x)`` dispatches here, see
:mod:`adkit.numpy_dispatch`). Any other name (``anp.array``, ``anp.linspace``, ``anp.pi``,
``anp.random``) is plain numpy: fine for constants and data; on a traced value a numpy function
adkit cannot differentiate raises an error that names it.

>>> import adkit.numpy as anp
>>> float(anp.sum(anp.sin(anp.array([0.0, 0.0]))))
0.0
"""
import numpy as _np

from adkit.primitives import (  # noqa: F401  (re-exported)
    abs, add, cos, equal, exp, greater, greater_equal, less, less_equal, log, log1p, logical_not,
    matmul, maximum, minimum, not_equal, power, relu, sigmoid, sign, sin, sqrt, square, tan, tanh,
    where as _where,
)
from adkit.primitives import (  # noqa: F401
    div as divide, mul as multiply, neg as negative, sub as subtract,
)
from adkit.primitives_numpy import (  # noqa: F401
    arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, cbrt, ceil, cosh, expm1, floor,
    exp2, hypot, isfinite, isinf, isnan, log10, log2, logaddexp, logical_and, logical_or, mod,
    sinh, trunc,
)
from adkit.numpy.elementwise import (  # noqa: F401
    around, clip, deg2rad, degrees, fabs, fmax, fmin, heaviside, logaddexp2,
    nan_to_num, positive, rad2deg, radians, reciprocal, rint, round, sinc,
)
from adkit.numpy.reductions import (  # noqa: F401
    amax, amin, argmax, argmin, argsort, average, cumprod, cumsum, logsumexp, max, mean, min,
    prod, std, sum, var,
)
from adkit.numpy.manipulation import (  # noqa: F401
    all, allclose, any, argwhere, array_equal, count_nonzero, flatnonzero, iscomplexobj, isclose,
    isrealobj, nonzero, result_type,
    append, array_split, astype, atleast_1d, atleast_2d, atleast_3d, broadcast_to, column_stack,
    concatenate, copy, cross, diag, diagonal, diff, dot, dsplit, dstack, einsum, empty_like,
    expand_dims, flip, fliplr, flipud, full_like, hsplit, hstack, inner, kron, moveaxis, ndim,
    ones_like, outer, pad, ravel, repeat, reshape, roll, rot90, shape, size, sort, split, squeeze,
    stack, swapaxes, take, tensordot, tile, trace, transpose, tril, triu, vdot, vsplit, vstack,
    zeros_like,
)
from adkit.numpy import linalg  # noqa: F401
from adkit.numpy import elementwise as _elementwise, manipulation as _manipulation
from adkit.numpy import reductions as _reductions

absolute = abs
true_divide = divide
remainder = mod
pow = power


def where(condition, x=None, y=None):
    """``x`` where ``condition`` holds, else ``y`` (∂/∂x = [c], ∂/∂y = [not c]); with the
    condition alone, the indices where it holds (integers, no derivative)."""
    if x is None and y is None:
        from adkit.arrays import value_of
        return _np.nonzero(value_of(condition))
    return _where(condition, x, y)


# The numpy names adkit supports (the README's table is generated from this list).
__all__ = sorted(set(
    ["abs", "absolute", "add", "cos", "equal", "exp", "greater", "greater_equal", "less",
     "less_equal", "log", "log1p", "logical_not", "matmul", "maximum", "minimum", "not_equal",
     "power", "pow", "sign", "sin", "sqrt", "square", "tan", "tanh", "where", "divide",
     "true_divide", "multiply", "negative", "subtract", "remainder",
     "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "cbrt", "ceil",
     "cosh", "expm1", "floor", "hypot", "isfinite", "isinf", "isnan", "logaddexp",
     "logical_and", "logical_or", "mod", "sinh", "trunc", "log2", "log10", "exp2"]
    + _elementwise.__all__ + _reductions.__all__ + _manipulation.__all__))
# adkit's own (no numpy counterpart): relu, sigmoid, logsumexp are in the namespace too.


def __getattr__(name):
    try:
        return getattr(_np, name)
    except AttributeError:
        raise AttributeError(f"adkit.numpy has no attribute {name!r} (neither has numpy)") from None
