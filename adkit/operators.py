"""Operators and array methods shared by every boxed value (Dual and Tracer).

``x * y``, ``x @ w``, ``x.T``, ``x.sum(axis=0)`` and ``x[0]`` all bind a primitive of the
table, so they work the same on forward-mode duals and on traced values.
"""
from adkit import arrays as A
from adkit import primitives as P
from adkit.core import Boxed, shape_of


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

    # comparisons are elementwise and not differentiable; == stays identity so boxes hash
    def __lt__(self, other): return P.less(self, other)
    def __le__(self, other): return P.less_equal(self, other)
    def __gt__(self, other): return P.greater(self, other)
    def __ge__(self, other): return P.greater_equal(self, other)
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
    def sum(self, axis=None, keepdims=False): return A.sum(self, axis, keepdims)
    def mean(self, axis=None, keepdims=False): return A.mean(self, axis, keepdims)
    def reshape(self, *shape):
        return A.reshape(self, shape[0] if len(shape) == 1 else shape)
    def transpose(self, *axes): return A.transpose(self, axes or None)
    def dot(self, other): return A.dot(self, other)

    def __bool__(self):
        return bool(self._value())

    def __array_function__(self, func, types, args, kwargs):
        """``np.sum(x)`` on a traced value or Dual: numpy's own functions cannot see inside."""
        from adkit.core import ADError
        name = func.__name__
        from adkit import numpy as anp
        hint = (f"use adkit.numpy.{name} (import adkit.numpy as anp; anp.{name}(...))"
                if name in vars(anp) else "write it with adkit's functions (adkit.numpy)")
        raise ADError(f"numpy.{name} cannot differentiate through a {type(self).__name__}: {hint}")
