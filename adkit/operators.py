"""Operators and array methods shared by every boxed value (Dual and Tracer).

``x * y``, ``x @ w``, ``x.T``, ``x.sum(axis=0)`` and ``x[0]`` all bind a primitive of the
table, so they work the same on forward-mode duals and on traced values.
"""
import numpy as np

from adkit import arrays as A
from adkit import primitives as P
from adkit.core import Boxed, shape_of


# numpy's arithmetic ufuncs and the reflected operator each stands for
_REFLECTED = {np.add: "__radd__", np.subtract: "__rsub__", np.multiply: "__rmul__",
              np.true_divide: "__rtruediv__", np.power: "__rpow__", np.matmul: "__rmatmul__"}


class ArrayBox(Boxed):
    """Numpy-like behaviour for boxed values; subclasses provide ``_value()``."""

    __slots__ = ()

    # arithmetic
    def __add__(self, other): return P.add(self, other)
    def __radd__(self, other): return P.add(other, self)
    def __sub__(self, other): return P.sub(self, other)
    def __rsub__(self, other): return P.sub(other, self)
    def __mul__(self, other): return P.mul(self, other)
    def __rmul__(self, other): return P.mul(other, self)
    def __truediv__(self, other): return P.div(self, other)
    def __rtruediv__(self, other): return P.div(other, self)
    def __pow__(self, other): return P.power(self, other)
    def __rpow__(self, other): return P.power(other, self)
    def __matmul__(self, other): return P.matmul(self, other)
    def __rmatmul__(self, other): return P.matmul(other, self)
    def __neg__(self): return P.neg(self)
    def __pos__(self): return self
    def __abs__(self): return P.abs(self)

    # comparisons are elementwise and not differentiable, == and != too (like numpy); boxes
    # still hash by identity, so they can be dict keys (lookups try `is` before ==)
    def __lt__(self, other): return P.less(self, other)
    def __le__(self, other): return P.less_equal(self, other)
    def __gt__(self, other): return P.greater(self, other)
    def __ge__(self, other): return P.greater_equal(self, other)
    def __eq__(self, other): return P.equal(self, other)
    def __ne__(self, other): return P.not_equal(self, other)
    __hash__ = object.__hash__

    # array protocol
    @property
    def shape(self): return shape_of(self._value())
    @property
    def ndim(self): return len(self.shape)
    @property
    def size(self):
        n = 1
        for d in self.shape:
            n *= d
        return n
    @property
    def T(self): return A.transpose(self)
    def __len__(self):
        shape = self.shape
        if not shape:
            raise TypeError("len() of a 0-d value")
        return shape[0]
    def __iter__(self):
        return (self[i] for i in range(len(self)))
    def __getitem__(self, index): return A.getitem(self, index)

    def __setitem__(self, index, value):
        from adkit.core import ADError
        raise ADError(f"{type(self).__name__}: x[index] = value would overwrite a recorded value; "
                      f"build a new array instead, e.g. anp.where(mask, value, x), "
                      f"anp.concatenate([...]) or ad.stack([...])")
    def sum(self, axis=None, keepdims=False): return A.sum(self, axis, keepdims)
    def mean(self, axis=None, keepdims=False): return A.mean(self, axis, keepdims)
    def reshape(self, *shape):
        return A.reshape(self, shape[0] if len(shape) == 1 else shape)
    def transpose(self, *axes): return A.transpose(self, axes or None)
    def dot(self, other): return A.dot(self, other)
    def __mod__(self, other): return _numpy().mod(self, other)
    def __rmod__(self, other): return _numpy().mod(other, self)

    # numpy's array methods: the functions of adkit.numpy
    def max(self, axis=None, keepdims=False): return _numpy().max(self, axis, keepdims=keepdims)
    def min(self, axis=None, keepdims=False): return _numpy().min(self, axis, keepdims=keepdims)
    def prod(self, axis=None, keepdims=False): return _numpy().prod(self, axis, keepdims=keepdims)
    def var(self, axis=None, ddof=0, keepdims=False):
        return _numpy().var(self, axis, ddof=ddof, keepdims=keepdims)
    def std(self, axis=None, ddof=0, keepdims=False):
        return _numpy().std(self, axis, ddof=ddof, keepdims=keepdims)
    def cumsum(self, axis=None): return _numpy().cumsum(self, axis)
    def cumprod(self, axis=None): return _numpy().cumprod(self, axis)
    def ravel(self): return A.reshape(self, (-1,))
    def flatten(self): return A.reshape(self, (-1,))
    def squeeze(self, axis=None): return _numpy().squeeze(self, axis)
    def swapaxes(self, axis1, axis2): return _numpy().swapaxes(self, axis1, axis2)
    def clip(self, min=None, max=None): return _numpy().clip(self, min, max)
    def round(self, decimals=0): return _numpy().round(self, decimals)
    def argmax(self, axis=None): return _numpy().argmax(self, axis)
    def argmin(self, axis=None): return _numpy().argmin(self, axis)
    def argsort(self, axis=-1): return _numpy().argsort(self, axis)
    def astype(self, dtype, copy=True): return _numpy().astype(self, dtype)
    def copy(self): return self
    @property
    def dtype(self):
        value = self._value()
        return getattr(value, "dtype", np.dtype(float))

    def __bool__(self):
        return bool(self._value())

    # plain numpy on boxes: np.sin(x), np.sum(x, axis=0) bind adkit's primitives
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__" and len(inputs) == 2 and inputs[1] is self and not kwargs:
            reflected = _REFLECTED.get(ufunc)  # array * box: the box's own __rmul__ (fast path)
            if reflected is not None:
                return getattr(self, reflected)(inputs[0])
        from adkit.numpy_dispatch import array_ufunc
        return array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        from adkit.numpy_dispatch import array_function
        return array_function(func, args, kwargs)


def _numpy():
    """adkit.numpy, imported when a method first needs it (it builds on this module)."""
    from adkit import numpy
    return numpy
