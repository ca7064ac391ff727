"""``anp.linalg``: numpy.linalg on traced values and duals.

``inv det slogdet solve cholesky eigh svd`` bind primitives of the table (their rules are in
:mod:`adkit.primitives_numpy`); ``norm``, ``eigvalsh``, ``pinv``,
``matrix_power`` and ``multi_dot`` are compositions. ``cholesky`` and ``eigh`` read the lower
triangle, as numpy does. At repeated eigenvalues (or singular values) the derivative of the
eigenvectors (singular vectors) does not exist: the rule divides by the gap and gives inf/nan.

>>> import numpy as np, adkit as ad, adkit.numpy as anp
>>> ad.grad(lambda a: anp.linalg.det(a))(np.array([[2.0, 1.0], [1.0, 3.0]]))
array([[ 3., -1.],
       [-1.,  2.]])
"""
import builtins
import math
import numbers

import numpy as np

from adkit import arrays as A
from adkit.arrays import value_of
from adkit.core import ADError, ShapeError, ndim_of, shape_of
from adkit.primitives import abs, matmul, not_equal, power, relu, sqrt
from adkit import primitives_numpy as Q
from adkit.numpy.reductions import max as _max, min as _min

__all__ = ["inv", "det", "slogdet", "solve", "cholesky", "eigh", "eigvalsh", "norm", "pinv",
           "svd", "matrix_power", "multi_dot", "trace", "outer", "matmul"]

LinAlgError = np.linalg.LinAlgError


def _square(a, name):
    shape = shape_of(a)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ShapeError(f"linalg.{name}: expects square matrices (..., n, n), got shape {shape}")


def inv(a):
    """A⁻¹ for each matrix of a stack."""
    _square(a, "inv")
    return Q.inv(a)


def det(a):
    """det A (A invertible for the derivative: Ā = det · A⁻ᵀ)."""
    _square(a, "det")
    return Q.det(a)


def slogdet(a):
    """(sign, log |det A|); the sign has derivative 0."""
    _square(a, "slogdet")
    return Q.sign_det(a), Q.logabsdet(a)


def solve(a, b):
    """X with A X = B; ``b`` of shape (n,) is a vector, (..., n, k) a stack of matrices."""
    _square(a, "solve")
    if ndim_of(b) == 1:
        return A.reshape(Q.solve(a, A.reshape(b, (-1, 1))), (-1,))
    return Q.solve(a, b)


def cholesky(a, upper=False):
    """L (lower) with L Lᵀ = A; ``upper=True`` gives Lᵀ."""
    _square(a, "cholesky")
    lower = Q.cholesky(a)
    return Q.mT(lower) if upper else lower


def eigh(a, UPLO="L"):
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix (lower triangle read)."""
    _square(a, "eigh")
    if UPLO != "L":
        a = Q.mT(a)
    packed = Q.eigh(a)
    return (A.getitem(packed, (Ellipsis, 0, slice(None))),
            A.getitem(packed, (Ellipsis, slice(1, None), slice(None))))


def eigvalsh(a, UPLO="L"):
    return eigh(a, UPLO)[0]


def _singular_values(a):
    """Singular values (descending) of each matrix."""
    return svd(a, compute_uv=False)


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """U, s, Vᵀ (the thin SVD: ``full_matrices`` only for square matrices, where it is the
    same), or s alone with ``compute_uv=False``. Coinciding singular values leave the vectors
    without a derivative (nan); s keeps its derivative there."""
    m, n = shape_of(a)[-2:]
    if compute_uv and full_matrices and m != n:
        raise ADError(f"linalg.svd: full_matrices=True on a {m}x{n} matrix has extra singular "
                      f"vectors that are not unique (no derivative); pass full_matrices=False")
    packed = Q.svd(a)
    k = builtins.min(m, n)
    lead = shape_of(packed)[:-1]
    s = A.getitem(packed, (Ellipsis, slice(m * k, m * k + k)))
    if not compute_uv:
        return s
    u = A.reshape(A.getitem(packed, (Ellipsis, slice(0, m * k))), lead + (m, k))
    vh = A.reshape(A.getitem(packed, (Ellipsis, slice(m * k + k, None))), lead + (k, n))
    return u, s, vh


def pinv(a, rcond=None, hermitian=False, *, rtol=None):
    """Moore–Penrose inverse of a full-rank matrix: (AᵀA)⁻¹Aᵀ (tall) or Aᵀ(AAᵀ)⁻¹ (wide).
    A rank-deficient matrix is refused: there the pseudo-inverse jumps and has no derivative."""
    m, n = shape_of(a)[-2:]
    if value_of(a, lambda v: bool(np.any(np.linalg.matrix_rank(v) < builtins.min(m, n)))):
        raise ADError("linalg.pinv: the matrix is rank-deficient; the pseudo-inverse has no "
                      "derivative there")
    at = Q.mT(a)
    return Q.inv(at @ a) @ at if m >= n else at @ Q.inv(a @ at)


def matrix_power(a, n):
    _square(a, "matrix_power")
    if not isinstance(n, numbers.Integral):
        raise ADError("linalg.matrix_power: the exponent must be an integer")
    if n < 0:
        a, n = Q.inv(a), -n
    result = np.broadcast_to(np.eye(shape_of(a)[-1]), shape_of(a)).copy()
    base = a
    while n:
        if n & 1:
            result = base @ result
        n >>= 1
        if n:
            base = base @ base
    return result


def multi_dot(arrays, *, out=None):
    result = arrays[0]
    for a in arrays[1:]:
        result = matmul(result, a)
    return result


def trace(x, /, *, offset=0, dtype=None):
    from adkit.numpy.manipulation import diagonal
    return A.sum(diagonal(x, offset, -2, -1), axis=-1)


def outer(x1, x2, /):
    from adkit.numpy.manipulation import outer as _outer
    return _outer(x1, x2)


def _vector_norm(x, ord, axis, keepdims):
    if ord is None or ord == 2:
        return sqrt(A.sum(x * x, axis, keepdims))
    if ord == np.inf:
        return _max(abs(x), axis, keepdims=keepdims)
    if ord == -np.inf:
        return _min(abs(x), axis, keepdims=keepdims)
    if ord == 1:
        return A.sum(abs(x), axis, keepdims)
    if ord == 0:
        return A.sum(not_equal(x, 0.0) * 1.0, axis, keepdims)  # count of nonzeros
    if isinstance(ord, str):
        raise ADError(f"linalg.norm: ord={ord!r} is for matrices; give two axes")
    return power(A.sum(power(abs(x), float(ord)), axis, keepdims), 1.0 / ord)


def _matrix_norm(x, ord, axes, keepdims):
    row, col = axes
    nd = ndim_of(x)
    if ord in (None, "fro"):
        result = sqrt(A.sum(x * x, axes, keepdims=True))
    elif ord in (1, -1, np.inf, -np.inf):
        sum_axis, pick_axis = (row, col) if ord in (1, -1) else (col, row)
        sums = A.sum(abs(x), sum_axis, keepdims=True)
        result = (_max if ord > 0 else _min)(sums, pick_axis, keepdims=True)
    elif ord in (2, -2, "nuc"):
        from adkit.numpy.manipulation import moveaxis
        s = _singular_values(moveaxis(x, (row, col), (-2, -1)))
        s = A.sum(s, -1) if ord == "nuc" else (_max if ord == 2 else _min)(s, -1)
        result = A.reshape(s, tuple(1 if i in (row % nd, col % nd) else n
                                    for i, n in enumerate(shape_of(x))))
    else:
        raise ADError(f"linalg.norm: ord={ord!r} is not a matrix norm (None, 'fro', 'nuc', "
                      f"1, -1, 2, -2, inf, -inf)")
    if keepdims:
        return result
    return A.reshape(result, tuple(n for i, n in enumerate(shape_of(x))
                                   if i not in (row % nd, col % nd)))


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector norms (ord 2, 1, inf, -inf, 0, p) and matrix norms ('fro', 'nuc', 1, -1, 2, -2,
    inf, -inf), over ``axis`` as numpy: the 2-norm of x = 0 has no derivative (nan)."""
    nd = ndim_of(x)
    if axis is None:
        if ord is None:
            return sqrt(A.sum(x * x, None, keepdims))
        axis = tuple(range(nd)) if nd <= 2 else None
        if axis is None:
            raise ADError("linalg.norm: ord needs a 1-D or 2-D argument, or axis")
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ADError(f"linalg.norm: axis must name one or two axes, got {axis!r}")
