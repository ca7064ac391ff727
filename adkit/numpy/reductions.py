"""numpy's reductions with ``axis`` (an int or a tuple) and ``keepdims``: ``sum mean max min``
bind a primitive; ``logsumexp`` too; ``prod cumsum cumprod var std average`` are compositions.

``prod`` multiplies pairs (a tree of ``mul``) and ``cumsum``/``cumprod`` scan with doubling
shifts, so their derivatives are exact at zeros too (no division by an element).

>>> import numpy as np, adkit.numpy as anp
>>> anp.prod(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1)
array([ 2., 12.])
"""
import builtins
import math

import numpy as np

from adkit import arrays as A
from adkit.arrays import value_of
from adkit.core import ndim_of, shape_of
from adkit.primitives import _kept_shape, add, div, mul, sqrt
from adkit.primitives_numpy import amax as amax_p, amin as amin_p, logsumexp as logsumexp_p

__all__ = ["sum", "mean", "max", "min", "amax", "amin", "prod", "cumsum", "cumprod", "var", "std",
           "logsumexp", "average", "argmax", "argmin", "argsort"]


def _reduce_axes(a, axis, name):
    return A._axes(axis, ndim_of(a), name)


def _dtype_cast(a, dtype):
    if dtype is None:
        return a
    from adkit.numpy.manipulation import astype
    return astype(a, dtype)


def sum(a, axis=None, dtype=None, out=None, keepdims=False):
    """Σ over ``axis`` (all axes by default).

    >>> sum(np.ones((2, 3)), axis=0)
    array([2., 2., 2.])
    """
    return A.sum(_dtype_cast(a, dtype), axis, keepdims)


def mean(a, axis=None, dtype=None, out=None, keepdims=False):
    """The mean over ``axis``."""
    return A.mean(_dtype_cast(a, dtype), axis, keepdims)


def max(a, axis=None, out=None, keepdims=False):
    """The largest element over ``axis``; ties split the derivative evenly (1/k each).

    >>> max(np.array([[1.0, 5.0], [7.0, 2.0]]), axis=1)
    array([5., 7.])
    """
    return amax_p(a, axis=_reduce_axes(a, axis, "max"), keepdims=bool(keepdims))


def min(a, axis=None, out=None, keepdims=False):
    """The smallest element over ``axis``; ties split the derivative evenly (1/k each)."""
    return amin_p(a, axis=_reduce_axes(a, axis, "min"), keepdims=bool(keepdims))


amax, amin = max, min


def _to_last(a, axes):
    """``a`` with the reduced ``axes`` moved to the end and merged into one: (kept..., n)."""
    shape = shape_of(a)
    nd = len(shape)
    keep = [i for i in range(nd) if i - nd not in axes]
    x = A.transpose(a, tuple(keep) + tuple(ax + nd for ax in axes)) if nd > 1 else a
    kept = tuple(shape[i] for i in keep)
    return A.reshape(x, kept + (math.prod(shape[ax] for ax in axes),)), kept


def prod(a, axis=None, dtype=None, out=None, keepdims=False):
    """Π over ``axis``, as a tree of pairwise products (exact derivatives at zeros too).

    >>> float(prod(np.array([2.0, 0.0, 4.0])))
    0.0
    """
    a = _dtype_cast(a, dtype)
    axes = _reduce_axes(a, axis, "prod")
    x, kept = _to_last(a, axes)
    n = shape_of(x)[-1]
    dtype = _float_dtype(x)
    if n == 0:
        x, n = np.ones(kept + (1,), dtype), 1
    while n > 1:
        if n % 2:
            x = A.concatenate([x, np.ones(kept + (1,), dtype)], axis=-1)
            n += 1
        evens = A.getitem(x, (Ellipsis, slice(0, None, 2)))
        x = mul(evens, A.getitem(x, (Ellipsis, slice(1, None, 2))))
        n //= 2
    x = A.reshape(x, kept)
    return A.reshape(x, _kept_shape(shape_of(a), axes)) if keepdims else x


def _float_dtype(x):
    """float32 stays float32 in the padding a composition adds; anything else is float64."""
    dtype = getattr(A.shape_value(x), "dtype", None)
    return dtype if dtype is not None and dtype.kind == "f" else np.float64


def _scan(a, axis, op, identity, name):
    """Inclusive scan with doubling shifts: log₂ n steps of ``op(x, x shifted by s)``."""
    if axis is None:
        a, axis = A.reshape(a, (-1,)), -1
    (ax,) = A._axes(axis, ndim_of(a), name)
    from adkit.numpy.manipulation import moveaxis
    x = moveaxis(a, ax, -1)
    n, s = shape_of(x)[-1], 1
    while s < n:
        head = np.full(shape_of(x)[:-1] + (s,), identity, _float_dtype(x))
        x = op(x, A.concatenate([head, A.getitem(x, (Ellipsis, slice(0, n - s)))], axis=-1))
        s *= 2
    return moveaxis(x, -1, ax)


def cumsum(a, axis=None, dtype=None, out=None):
    """Running sums along ``axis`` (the flattened array by default).

    >>> cumsum(np.array([1.0, 2.0, 3.0]))
    array([1., 3., 6.])
    """
    return _scan(_dtype_cast(a, dtype), axis, add, 0.0, "cumsum")


def cumprod(a, axis=None, dtype=None, out=None):
    """Running products along ``axis`` (exact derivatives at zeros too).

    >>> cumprod(np.array([1.0, 2.0, 3.0]))
    array([1., 2., 6.])
    """
    return _scan(_dtype_cast(a, dtype), axis, mul, 1.0, "cumprod")


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """Σ (a − mean)² / (N − ddof) over ``axis``."""
    axes = _reduce_axes(a, axis, "var")
    count = math.prod(shape_of(a)[ax] for ax in axes)
    d = a - A.mean(a, axes, keepdims=True)
    return div(A.sum(d * d, axes, keepdims), builtins.max(count - ddof, 0))


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """√var (derivative +inf/nan where all elements are equal: std has a kink there)."""
    return sqrt(var(a, axis, ddof=ddof, keepdims=keepdims))


def logsumexp(a, axis=None, keepdims=False):
    """log Σ exp(a) over ``axis`` (all axes by default): the table's ``logsumexp`` primitive,
    shifted by the maximum so it never overflows.

    >>> round(float(logsumexp(np.zeros(4))), 12) == round(float(np.log(4.0)), 12)
    True
    """
    return logsumexp_p(a, axis=_reduce_axes(a, axis, "logsumexp"), keepdims=bool(keepdims))


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """The mean, or Σ w·a / Σ w with ``weights`` (broadcast along ``axis`` as numpy does)."""
    if weights is None:
        result = A.mean(a, axis, keepdims)
        total = math.prod(shape_of(a)) / math.prod(shape_of(result) or (1,))
    else:
        if ndim_of(weights) == 1 and ndim_of(a) > 1 and axis is not None:
            (ax,) = A._axes(axis, ndim_of(a), "average")
            shape = [1] * ndim_of(a)
            shape[ax] = shape_of(weights)[0]
            weights = A.reshape(weights, tuple(shape))
        total = A.sum(A.broadcast_to(weights, shape_of(a)) if shape_of(weights) != shape_of(a)
                      else weights, axis, keepdims)
        result = div(A.sum(mul(a, weights), axis, keepdims), total)
    return (result, total) if returned else result


def argmax(a, axis=None, out=None, keepdims=False):
    """Index of the largest element (an integer: no derivative)."""
    return value_of(a, lambda v: np.argmax(v, axis=axis, keepdims=keepdims))


def argmin(a, axis=None, out=None, keepdims=False):
    """Index of the smallest element (an integer: no derivative)."""
    return value_of(a, lambda v: np.argmin(v, axis=axis, keepdims=keepdims))


def argsort(a, axis=-1, kind=None, order=None, **kwargs):
    """The sorting permutation (integers: no derivative)."""
    return value_of(a, lambda v: np.argsort(v, axis=axis, kind=kind, **kwargs))
