"""numpy's array manipulation on traced values and duals, built from a few primitives.

Every function here is a composition: moving data is ``reshape``, ``transpose``, ``getitem`` or
``concatenate``; contractions (``dot``, ``tensordot``, ``einsum``, ``outer``, ``kron``) are
``matmul`` or broadcast ``mul`` and ``sum``. Rearrangements (``roll``, ``tile``, ``repeat``,
``sort``, ``pad``, ``diagonal`` ...) run numpy's own function on an array of *positions* and
pick those elements (``getitem``), so they move exactly as numpy moves them and the adjoint
adds each element's adjoint back to where it came from.

>>> import numpy as np, adkit.numpy as anp
>>> anp.roll(np.array([1.0, 2.0, 3.0]), 1)
array([3., 1., 2.])
"""
import builtins
import math
import numbers

import numpy as np

from adkit import arrays as A
from adkit.arrays import shape_value, value_of
from adkit.core import ADError, Boxed, ShapeError, ndim_of, shape_of
from adkit.primitives import matmul, mul, sub

__all__ = [
    "ravel", "reshape", "transpose", "moveaxis", "swapaxes", "expand_dims", "squeeze",
    "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_to", "concatenate", "stack", "vstack",
    "hstack", "dstack", "column_stack", "append", "split", "array_split", "hsplit", "vsplit",
    "dsplit", "flip", "fliplr", "flipud", "rot90", "roll", "repeat", "tile", "take", "diag",
    "diagonal", "trace", "tril", "triu", "pad", "diff", "sort", "outer", "inner", "dot", "vdot",
    "tensordot", "einsum", "kron", "cross", "copy", "shape", "ndim", "size",
    "zeros_like", "ones_like", "full_like", "empty_like", "astype", "any", "all", "allclose",
    "isclose", "array_equal", "count_nonzero", "nonzero", "argwhere", "flatnonzero",
    "iscomplexobj", "isrealobj", "result_type",
]

reshape = A.reshape
transpose = A.transpose
broadcast_to = A.broadcast_to
stack = A.stack


def _axis(axis, nd, name):
    (ax,) = A._axes(axis, nd, name)
    return ax + nd  # non-negative


def _gather(a, positions_of):
    """Elements of ``a`` picked as numpy would move them: ``positions_of`` is numpy's own
    function applied to an array of flat positions."""
    shape = shape_of(a)
    positions = positions_of(np.arange(math.prod(shape)).reshape(shape))
    return A.getitem(A.reshape(a, (-1,)), (positions,))


# -- shapes ------------------------------------------------------------------------------------

def ravel(a, order="C"):
    """The elements as one axis."""
    return A.reshape(a, (-1,))


def moveaxis(a, source, destination):
    """Axes moved to new positions, the others keep their order."""
    nd = ndim_of(a)
    src = [source] if isinstance(source, numbers.Integral) else list(source)
    dst = [destination] if isinstance(destination, numbers.Integral) else list(destination)
    src = [_axis(s, nd, "moveaxis") for s in src]
    dst = [_axis(d, nd, "moveaxis") for d in dst]
    order = [n for n in range(nd) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return A.transpose(a, tuple(order))


def swapaxes(a, axis1, axis2):
    nd = ndim_of(a)
    order = list(range(nd))
    i, j = _axis(axis1, nd, "swapaxes"), _axis(axis2, nd, "swapaxes")
    order[i], order[j] = order[j], order[i]
    return A.transpose(a, tuple(order))


def expand_dims(a, axis):
    shape = list(shape_of(a))
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    nd = len(shape) + len(axes)
    for ax in sorted(_axis(x, nd, "expand_dims") for x in axes):
        shape.insert(ax, 1)
    return A.reshape(a, tuple(shape))


def squeeze(a, axis=None):
    shape = shape_of(a)
    if axis is None:
        axes = {i for i, n in enumerate(shape) if n == 1}
    else:
        axes = {_axis(x, len(shape), "squeeze") for x in
                ((axis,) if isinstance(axis, numbers.Integral) else axis)}
        if builtins.any(shape[i] != 1 for i in axes):
            raise ShapeError(f"squeeze: cannot squeeze an axis of length > 1 (shape {shape})")
    return A.reshape(a, tuple(n for i, n in enumerate(shape) if i not in axes))


def _atleast(arys, n, where):
    out = []
    for a in arys:
        shape = shape_of(a)
        if len(shape) < n:
            shape = where(shape)
        out.append(A.reshape(a, shape) if not isinstance(a, (numbers.Number, list)) or shape
                   else a)
    return out[0] if len(out) == 1 else out


def atleast_1d(*arys):
    return _atleast(arys, 1, lambda s: (1,))


def atleast_2d(*arys):
    return _atleast(arys, 2, lambda s: (1, 1) if not s else (1,) + s)


def atleast_3d(*arys):
    return _atleast(arys, 3, lambda s: (1, 1, 1) if not s else (1,) + s + (1,) if len(s) == 1
                    else s + (1,))


# -- joining and splitting ---------------------------------------------------------------------

def concatenate(arrays, axis=0, out=None, dtype=None, casting=None):
    """Join along an existing axis (``axis=None``: flattened first)."""
    if axis is None:
        return A.concatenate([ravel(a) for a in arrays], axis=0)
    return A.concatenate(list(arrays), axis=axis)


def vstack(tup, dtype=None, casting=None):
    return A.concatenate([atleast_2d(a) for a in tup], axis=0)


def hstack(tup, dtype=None, casting=None):
    arrays = [atleast_1d(a) for a in tup]
    return A.concatenate(arrays, axis=0 if ndim_of(arrays[0]) == 1 else 1)


def dstack(tup):
    return A.concatenate([atleast_3d(a) for a in tup], axis=2)


def column_stack(tup):
    return A.concatenate([A.reshape(a, (-1, 1)) if ndim_of(a) < 2 else a for a in tup], axis=1)


def append(arr, values, axis=None):
    if axis is None:
        return A.concatenate([ravel(arr), ravel(values)], axis=0)
    return A.concatenate([arr, values], axis=axis)


def _split_points(n, indices_or_sections, name, even):
    if isinstance(indices_or_sections, numbers.Integral):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ShapeError(f"{name}: the number of sections must be positive")
        if even and n % sections:
            raise ShapeError(f"{name}: an axis of length {n} does not split into {sections} equal "
                             f"parts; use array_split")
        each, extra = divmod(n, sections)
        sizes = [each + 1] * extra + [each] * (sections - extra)
        return [0] + list(np.cumsum(sizes))
    return [0] + [int(i) for i in indices_or_sections] + [n]


def array_split(ary, indices_or_sections, axis=0, _name="array_split", _even=False):
    nd = ndim_of(ary)
    ax = _axis(axis, nd, _name)
    points = _split_points(shape_of(ary)[ax], indices_or_sections, _name, _even)
    lead = (slice(None),) * ax
    return [A.getitem(ary, lead + (slice(int(p), int(q)),)) for p, q in zip(points, points[1:])]


def split(ary, indices_or_sections, axis=0):
    return array_split(ary, indices_or_sections, axis, "split", True)


def hsplit(ary, indices_or_sections):
    return array_split(ary, indices_or_sections, 1 if ndim_of(ary) > 1 else 0, "hsplit", True)


def vsplit(ary, indices_or_sections):
    return array_split(ary, indices_or_sections, 0, "vsplit", True)


def dsplit(ary, indices_or_sections):
    return array_split(ary, indices_or_sections, 2, "dsplit", True)


# -- rearranging ---------------------------------------------------------------------------------

def flip(m, axis=None):
    nd = ndim_of(m)
    axes = range(nd) if axis is None else [
        _axis(x, nd, "flip") for x in ((axis,) if isinstance(axis, numbers.Integral) else axis)]
    index = [slice(None)] * nd
    for ax in axes:
        index[ax] = slice(None, None, -1)
    return A.getitem(m, tuple(index))


def fliplr(m):
    return flip(m, 1)


def flipud(m):
    return flip(m, 0)


def rot90(m, k=1, axes=(0, 1)):
    return _gather(m, lambda p: np.rot90(p, k, axes))


def roll(a, shift, axis=None):
    return _gather(a, lambda p: np.roll(p, shift, axis))


def repeat(a, repeats, axis=None):
    return _gather(a, lambda p: np.repeat(p, repeats, axis))


def tile(A_, reps):
    return _gather(A_, lambda p: np.tile(p, reps))


def take(a, indices, axis=None, out=None, mode="raise"):
    return _gather(a, lambda p: np.take(p, value_of(indices), axis=axis, mode=mode))


def diagonal(a, offset=0, axis1=0, axis2=1):
    return _gather(a, lambda p: np.diagonal(p, offset, axis1, axis2).copy())


def diag(v, k=0):
    """The diagonal of a matrix, or a matrix with ``v`` on its diagonal."""
    if ndim_of(v) == 2:
        return diagonal(v, k)
    if ndim_of(v) != 1:
        raise ShapeError(f"diag: expects a 1-D or 2-D argument, got shape {shape_of(v)}")
    n = shape_of(v)[0] + builtins.abs(k)
    rows = np.arange(shape_of(v)[0]) + builtins.max(-k, 0)
    return A.scatter_add(v, index=(rows, rows + k), shape=(n, n))


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return A.sum(diagonal(a, offset, axis1, axis2), axis=-1)


def tril(m, k=0):
    n, cols = shape_of(m)[-2:]
    return mul(m, np.tri(n, cols, k))


def triu(m, k=0):
    n, cols = shape_of(m)[-2:]
    return mul(m, 1.0 - np.tri(n, cols, k - 1))


def pad(array, pad_width, mode="constant", **kwargs):
    """Padded as numpy pads: ``constant`` (zeros or ``constant_values``), or a mode that copies
    elements (``edge``, ``reflect``, ``symmetric``, ``wrap``)."""
    if mode == "constant":
        values = kwargs.pop("constant_values", 0)
        if kwargs:
            raise ADError(f"pad: unsupported argument(s) {', '.join(kwargs)}")
        shape = shape_of(array)
        widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (len(shape), 2))
        index = tuple(slice(int(lo), int(lo) + n) for (lo, hi), n in zip(widths, shape))
        padded = tuple(int(lo) + n + int(hi) for (lo, hi), n in zip(widths, shape))
        out = A.scatter_add(array, index=index, shape=padded)
        if np.any(np.asarray(values) != 0):
            out = out + np.pad(np.zeros(shape), pad_width, constant_values=values)
        return out
    if mode not in ("edge", "reflect", "symmetric", "wrap"):
        raise ADError(f"pad: mode {mode!r} is not supported on traced values (constant, edge, "
                      f"reflect, symmetric and wrap are)")
    return _gather(array, lambda p: np.pad(p, pad_width, mode=mode, **kwargs))


def diff(a, n=1, axis=-1, prepend=None, append=None):
    nd = ndim_of(a)
    ax = _axis(axis, nd, "diff")
    if prepend is not None or append is not None:
        parts = [a]
        shape = list(shape_of(a))
        shape[ax] = 1
        for front, extra in ((True, prepend), (False, append)):
            if extra is not None:
                if ndim_of(extra) == 0:  # a number: one slice of it along the axis
                    extra = A.broadcast_to(extra, tuple(shape))
                parts.insert(0 if front else len(parts), extra)
        a = A.concatenate(parts, axis=ax)
    lead = (slice(None),) * ax
    for _ in range(n):
        a = sub(A.getitem(a, lead + (slice(1, None),)), A.getitem(a, lead + (slice(None, -1),)))
    return a


def sort(a, axis=-1, kind=None, order=None, **kwargs):
    """Sorted copy; the derivative follows the permutation (ties: numpy's stable order)."""
    order = value_of(a, lambda v: np.argsort(v, axis=axis, kind="stable"))
    if axis is None:
        return _gather(a, lambda p: p.ravel()[order])
    return _gather(a, lambda p: np.take_along_axis(p, order, axis=axis))


# -- products ----------------------------------------------------------------------------------

def outer(a, b, out=None):
    return mul(A.reshape(a, (-1, 1)), A.reshape(b, (1, -1)))


def tensordot(a, b, axes=2):
    """Σ over ``axes`` of a and b (an int n: a's last n with b's first n), as one matmul."""
    nda, ndb = ndim_of(a), ndim_of(b)
    if isinstance(axes, numbers.Integral):
        axes_a, axes_b = list(range(nda - axes, nda)), list(range(axes))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if isinstance(axes_a, numbers.Integral) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, numbers.Integral) else list(axes_b)
    axes_a = [_axis(x, nda, "tensordot") for x in axes_a]
    axes_b = [_axis(x, ndb, "tensordot") for x in axes_b]
    sa, sb = shape_of(a), shape_of(b)
    if [sa[i] for i in axes_a] != [sb[i] for i in axes_b]:
        raise ShapeError(f"tensordot: the summed axes have different lengths (shapes {sa}, {sb})")
    free_a = [i for i in range(nda) if i not in axes_a]
    free_b = [i for i in range(ndb) if i not in axes_b]
    k = math.prod(sa[i] for i in axes_a)
    a2 = A.reshape(A.transpose(a, tuple(free_a + axes_a)) if nda > 1 else a, (-1, k))
    b2 = A.reshape(A.transpose(b, tuple(axes_b + free_b)) if ndb > 1 else b, (k, -1))
    return A.reshape(matmul(a2, b2), tuple(sa[i] for i in free_a) + tuple(sb[i] for i in free_b))


def dot(a, b, out=None):
    """numpy's dot: products for scalars, matmul up to 2-D, else a's last axis with b's
    second-to-last."""
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return mul(a, b)
    if ndim_of(a) <= 2 and ndim_of(b) <= 2:
        return matmul(a, b)
    return tensordot(a, b, ([-1], [-2 if ndim_of(b) > 1 else -1]))


def vdot(a, b):
    return A.sum(mul(ravel(a), ravel(b)))


def inner(a, b):
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return mul(a, b)
    return tensordot(a, b, ([-1], [-1]))


def kron(a, b):
    nd = builtins.max(ndim_of(a), ndim_of(b))
    sa = (1,) * (nd - ndim_of(a)) + shape_of(a)
    sb = (1,) * (nd - ndim_of(b)) + shape_of(b)
    a2 = A.reshape(a, tuple(x for n in sa for x in (n, 1)))
    b2 = A.reshape(b, tuple(x for n in sb for x in (1, n)))
    return A.reshape(mul(a2, b2), tuple(p * q for p, q in zip(sa, sb)))


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (2-vectors: the z component) along the last axis."""
    if axis is not None or (axisa, axisb, axisc) != (-1, -1, -1):
        a, b = moveaxis(a, axis if axis is not None else axisa, -1), moveaxis(
            b, axis if axis is not None else axisb, -1)
    n, m = shape_of(a)[-1], shape_of(b)[-1]
    if n not in (2, 3) or m not in (2, 3):
        raise ShapeError(f"cross: vectors must have 2 or 3 components, got {n} and {m}")

    def c(v, i, size):
        return A.getitem(v, (Ellipsis, i)) if i < size else 0.0
    if n == 2 and m == 2:
        return c(a, 0, 2) * c(b, 1, 2) - c(a, 1, 2) * c(b, 0, 2)
    parts = [c(a, 1, n) * c(b, 2, m) - c(a, 2, n) * c(b, 1, m),
             c(a, 2, n) * c(b, 0, m) - c(a, 0, n) * c(b, 2, m),
             c(a, 0, n) * c(b, 1, m) - c(a, 1, n) * c(b, 0, m)]
    shape = np.broadcast_shapes(shape_of(a)[:-1], shape_of(b)[:-1])
    out = A.stack([A.broadcast_to(p, shape) if shape_of(p) != shape else p for p in parts], -1)
    return out if axis is None and axisc == -1 else moveaxis(out, -1, axis if axis is not None
                                                             else axisc)


def einsum(subscripts, *operands, optimize=False, **kwargs):
    """Einstein summation, e.g. ``einsum("ij,jk->ik", a, b)``: each operand's repeated labels
    become its diagonal, the operands are broadcast onto all labels, multiplied, and summed over
    the labels not in the output. No ``...`` (ellipsis)."""
    if not isinstance(subscripts, str) or "..." in subscripts:
        raise ADError("einsum: give explicit subscripts such as 'ij,jk->ik' (no '...')")
    spec = subscripts.replace(" ", "")
    inputs, _, output = spec.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(operands):
        raise ADError(f"einsum: {len(terms)} subscript(s) but {len(operands)} operand(s)")
    if "->" not in spec:
        counts = {}
        for ch in inputs.replace(",", ""):
            counts[ch] = counts.get(ch, 0) + 1
        output = "".join(sorted(ch for ch, k in counts.items() if k == 1))
    labels = list(output) + sorted({ch for t in terms for ch in t} - set(output))
    sizes, aligned = {}, []
    for term, op in zip(terms, operands):
        op, term = _einsum_diagonal(op, term)
        for ch, n in zip(term, shape_of(op)):
            if sizes.setdefault(ch, n) != n and n != 1 and sizes[ch] != 1:
                raise ShapeError(f"einsum: label {ch!r} has lengths {sizes[ch]} and {n}")
            sizes[ch] = builtins.max(sizes[ch], n)
        order = sorted(range(len(term)), key=lambda i: labels.index(term[i]))
        op = A.transpose(op, tuple(order)) if len(term) > 1 else op
        present = [term[i] for i in order]
        aligned.append(A.reshape(op, tuple(shape_of(op)[present.index(ch)] if ch in present
                                           else 1 for ch in labels)))
    result = aligned[0]
    for op in aligned[1:]:
        result = mul(result, op)
    full = tuple(sizes.get(ch, 1) for ch in labels)
    if shape_of(result) != full:
        result = A.broadcast_to(result, full)
    summed = tuple(range(len(output), len(labels)))
    return A.sum(result, axis=summed) if summed else result


def _einsum_diagonal(op, term):
    """``op`` with repeated labels of ``term`` reduced to their diagonal (``ii`` -> ``i``)."""
    while len(set(term)) < len(term):
        ch = next(c for c in term if term.count(c) > 1)
        i = term.index(ch)
        j = term.index(ch, i + 1)
        op = moveaxis(diagonal(op, 0, i, j), -1, i)
        term = term[:j] + term[j + 1:]
    return op, term


# -- queries and constants -----------------------------------------------------------------------

def copy(a, order="K", subok=False):
    return a


def shape(a):
    return shape_of(a)


def ndim(a):
    return ndim_of(a)


def size(a, axis=None):
    return math.prod(shape_of(a)) if axis is None else shape_of(a)[axis]


def zeros_like(a, dtype=None, *args, **kwargs):
    return np.zeros_like(shape_value(a), dtype=dtype)


def ones_like(a, dtype=None, *args, **kwargs):
    return np.ones_like(shape_value(a), dtype=dtype)


def full_like(a, fill_value, dtype=None, *args, **kwargs):
    return np.full_like(shape_value(a), value_of(fill_value), dtype=dtype)


def empty_like(a, dtype=None, *args, **kwargs):
    return np.zeros_like(shape_value(a), dtype=dtype)


def astype(x, dtype, copy=True):
    """``x`` as floats of ``dtype`` (float16/32/64 keep the derivative; an integer or bool
    dtype cuts it, as a comparison does)."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        if dtype.kind == "c":
            raise ADError("astype: complex numbers are not supported; adkit differentiates real "
                          "functions only")
        return value_of(x, lambda v: v.astype(dtype))
    if not isinstance(x, Boxed):
        return np.asarray(x).astype(dtype)
    from adkit.primitives_numpy import astype as astype_p
    return astype_p(x, dtype=dtype.name) if getattr(shape_value(x), "dtype", None) != dtype else x


# -- questions about values (booleans, indices, dtypes): no derivative, answered on the values --

def _values(x):
    if isinstance(x, (list, tuple)):
        return type(x)(_values(v) for v in x)
    return value_of(x)


def _on_values(np_function):
    def on_values(*args, **kwargs):
        return np_function(*_values(args), **{k: _values(v) for k, v in kwargs.items()})
    on_values.__name__ = np_function.__name__
    on_values.__doc__ = f"numpy.{np_function.__name__} on the values (no derivative)."
    return on_values


any = _on_values(np.any)
all = _on_values(np.all)
allclose = _on_values(np.allclose)
isclose = _on_values(np.isclose)
array_equal = _on_values(np.array_equal)
count_nonzero = _on_values(np.count_nonzero)
nonzero = _on_values(np.nonzero)
argwhere = _on_values(np.argwhere)
flatnonzero = _on_values(np.flatnonzero)
iscomplexobj = _on_values(np.iscomplexobj)
isrealobj = _on_values(np.isrealobj)
result_type = _on_values(np.result_type)
