"""The array API: numpy-style functions that normalize their arguments, then bind one primitive.

``sum(x, axis=1)``, ``reshape(x, -1)``, ``transpose(x)``, ``x[mask]``: each turns what a user
may write (negative or missing axes, ``-1`` in a shape, lists as indices) into the one form the
rules of :mod:`adkit.primitives` see (negative sorted axes, concrete shapes, index tuples),
skips operations that change nothing, and binds the primitive. ``stack`` and ``dot`` are built
from primitives and add none of their own.

>>> import numpy as np
>>> sum(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
array([4., 6.])
>>> stack([np.ones(2), np.zeros(2)]).shape
(2, 2)
"""
import math
import numbers

import numpy as np

from adkit.core import ADError, Boxed, ShapeError, ndim_of, refuse_complex, shape_of
from adkit.primitives import (broadcast_to_p, concatenate_p, getitem_p, matmul,
                              mean_p, mul, reshape_p, scatter_add_p, sum_p, transpose_p)


def _axes(axis, ndim, name):
    """``axis`` (None, an int or a tuple) as sorted negative axes; out of range: ShapeError."""
    if axis is None:
        return tuple(range(-ndim, 0))
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis) \
        if isinstance(axis, (tuple, list)) else None
    if axes is None or not all(isinstance(a, numbers.Integral) for a in axes):
        raise ShapeError(f"{name}: axis must be None, an int or a tuple of ints, got {axis!r}")
    if len(set(a % ndim if ndim else a for a in axes)) != len(axes):
        raise ShapeError(f"{name}: repeated axis in {axis!r}")
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
    ndim = ndim_of(shape_value(x))
    if axis is None and ndim < len(_ALL_AXES):  # all axes, the common case: made once
        return sum_p(x, axis=_ALL_AXES[ndim], keepdims=bool(keepdims))
    return sum_p(x, axis=_axes(axis, ndim_of(x), "sum"), keepdims=bool(keepdims))


_ALL_AXES = [tuple(range(-n, 0)) for n in range(33)]  # (-n, ..., -1) for n up to 32 axes


def mean(x, axis=None, keepdims=False):
    """Mean of the elements, over all axes or over ``axis``.

    >>> float(mean(np.array([1.0, 2.0, 3.0])))
    2.0
    >>> mean(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1, keepdims=True)
    array([[1.5],
           [3.5]])
    """
    return mean_p(x, axis=_axes(axis, ndim_of(x), "mean"), keepdims=bool(keepdims))


def reshape(x, shape):
    """``x`` with a new shape (``-1`` infers one dimension); ``None`` flattens.

    >>> reshape(np.arange(6.0), (2, -1)).shape
    (2, 3)
    """
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
    return x if shape == old else reshape_p(x, shape=shape)


_REVERSED = [tuple(range(n))[::-1] for n in range(33)]  # numpy allows at most 32 axes


def transpose(x, axes=None):
    """Permute the axes (reverse them by default).

    >>> transpose(np.ones((2, 3))).shape
    (3, 2)
    """
    ndim = ndim_of(x)
    if axes is None:
        return transpose_p(x, axes=_REVERSED[ndim]) if ndim > 1 else x
    axes = tuple(a % ndim for a in axes)
    if sorted(axes) != list(range(ndim)):
        raise ShapeError(f"transpose: axes {axes} are not a permutation of {ndim} dimension(s)")
    if axes == tuple(range(ndim)):
        return x
    return transpose_p(x, axes=axes)


def broadcast_to(x, shape):
    """``x`` repeated along new or length-1 axes to ``shape``.

    >>> broadcast_to(np.array([1.0, 2.0]), (2, 2))
    array([[1., 2.],
           [1., 2.]])
    """
    shape = tuple(shape)
    if shape_of(x) == shape:
        return x
    return broadcast_to_p(x, shape=shape)  # numpy's error for shapes that don't fit: ShapeError


def getitem(x, index):
    """``x[index]`` for ints, slices, Ellipsis, None and integer or boolean arrays.

    >>> getitem(np.array([1.0, 2.0, 3.0]), [0, 2])
    array([1., 3.])
    """
    if not isinstance(index, tuple):
        index = (index,)
    index = tuple(_index_value(i) for i in index)
    return getitem_p(x, index=index)


def _index_value(i):
    """An index entry as numpy takes it; a traced mask (x[x > 0]) by its value: no derivative
    flows through an index."""
    while isinstance(i, Boxed):
        i = i.concrete() if hasattr(i, "concrete") else i._value()
    return np.asarray(i) if isinstance(i, list) else i


def scatter_add(values, *, index, shape):
    """``zeros(shape)`` with ``values`` added at ``index`` (repeated indices add up).

    >>> scatter_add(np.array([1.0, 2.0]), index=(np.array([1, 1]),), shape=(3,))
    array([0., 3., 0.])
    """
    return scatter_add_p(values, index=index, shape=tuple(shape))


def concatenate(arrays, axis=0):
    """Join arrays along an existing axis.

    >>> concatenate([np.ones(2), np.zeros(1)])
    array([1., 1., 0.])
    """
    arrays = list(arrays)
    if not arrays:
        raise ShapeError("concatenate: needs at least one array")
    ndim = ndim_of(arrays[0])
    if ndim == 0:
        raise ShapeError("concatenate: zero-dimensional arrays cannot be concatenated; use stack")
    (axis,) = _axes(axis, ndim, "concatenate")
    return concatenate_p(*arrays, axis=axis)


def stack(arrays, axis=0):
    """Join arrays along a new axis.

    >>> stack([1.0, 2.0])
    array([1., 2.])
    """
    arrays = list(arrays)
    if not arrays:
        raise ShapeError("stack: needs at least one array")
    shape = shape_of(arrays[0])
    axis = axis % (len(shape) + 1)
    expanded = [reshape(a, shape[:axis] + (1,) + shape[axis:]) for a in arrays]
    return concatenate(expanded, axis=axis)


def dot(a, b):
    """Dot product of vectors, matrix-vector or matrix-matrix product (``matmul`` up to 2-D).

    >>> float(dot(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
    11.0
    """
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return mul(a, b)
    if ndim_of(a) > 2 or ndim_of(b) > 2:
        raise ShapeError("dot: only 1-D and 2-D arguments; use matmul for stacks of matrices")
    return matmul(a, b)


# -- numpy object arrays holding boxes: stacked, so no derivative is lost ----------------------

def stack_boxes(who, a):
    """A numpy object array holding traced values or duals (``np.array([x, x**2])``) as one
    boxed array, stacked element by element with ``ad.stack``: exact, never a lost derivative.

    An object array of plain numbers becomes a float array; anything else is refused, naming
    ``ad.stack``.
    """
    items = list(a.flat)
    if not any(isinstance(v, Boxed) for v in items):
        try:
            return np.asarray(a, dtype=float)
        except (TypeError, ValueError):
            raise ADError(f"{who}: got a numpy object array ({a!r:.60}); adkit needs numbers, "
                          f"or traced values joined with ad.stack") from None
    for v in items:
        if isinstance(v, Boxed) and shape_of(v) != ():
            raise ADError(f"{who}: got a numpy array of traced arrays (np.array of arrays of "
                          f"shape {shape_of(v)}); join them with ad.stack or anp.concatenate")
        if not isinstance(v, Boxed):
            if not isinstance(v, numbers.Number) or isinstance(v, bool):
                raise ADError(f"{who}: got a numpy object array holding {type(v).__name__}; "
                              f"join traced values with ad.stack")
            refuse_complex(who, v)
    if not items:
        return np.zeros(a.shape)
    return reshape(stack(items), a.shape)


def plain_argument(prim, a):
    """An argument a box does not own, made safe: object arrays of boxes stacked, complex refused.
    Returns the value to use (the same object when nothing had to change)."""
    if type(a) is np.ndarray:
        kind = a.dtype.kind
        if kind == "O":
            return stack_boxes(prim.name, a)
        if kind == "c":
            refuse_complex(prim.name, a)
    elif isinstance(a, (complex, np.complexfloating)):
        refuse_complex(prim.name, a)
    return a


def value_of(x, decision=None):
    """The plain value inside boxes, for a decision on it (``np.any(x < 0)``, a sort order, an
    argmax), or ``decision(value)``: no derivative flows through it. A Tracer that can record
    the decision as a guard (``concrete``: ad.trace, ad.compile) is asked through it."""
    while isinstance(x, Boxed):
        read = getattr(x, "concrete", None)
        x = read(decision=decision) if read is not None else x._value()
    return x if decision is None or x is None else decision(x)


def shape_value(x):
    """The plain value inside boxes, read only for its shape and dtype (no decision)."""
    while isinstance(x, Boxed):
        x = x._value()
    return x
