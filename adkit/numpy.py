"""Numpy-style names for lesson code, like ``autograd.numpy``: ``import adkit.numpy as anp``.

The functions below are adkit's differentiable primitives under numpy's names. Any other name
(``anp.array``, ``anp.linspace``, ``anp.pi``, ``anp.random``) is plain numpy: fine for
constants and data, but it does not see traced values or duals.

>>> import adkit.numpy as anp
>>> float(anp.sum(anp.sin(anp.array([0.0, 0.0]))))
0.0
"""
import numpy as _np

from adkit.primitives import (  # noqa: F401  (re-exported)
    abs, add, cos, equal, exp, greater, greater_equal, less, less_equal, log, log1p, logical_not,
    matmul, maximum, minimum, not_equal, power, relu, sigmoid, sign, sin, sqrt, square, tan, tanh,
    where,
)
from adkit.arrays import (  # noqa: F401  (re-exported)
    broadcast_to, concatenate, dot, mean, reshape, stack, sum, transpose,
)
from adkit.primitives import div as divide, mul as multiply, neg as negative, sub as subtract  # noqa: F401

absolute = abs
true_divide = divide


def __getattr__(name):
    try:
        return getattr(_np, name)
    except AttributeError:
        raise AttributeError(f"adkit.numpy has no attribute {name!r} (neither has numpy)") from None
