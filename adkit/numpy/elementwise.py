"""numpy's elementwise functions that are compositions of primitives (exact, with no rule of
their own): ``reciprocal = 1/x``, ``clip`` and ``fmax`` through ``where``, ``sinc`` with its
Taylor series near 0 (so its derivatives of every order are right there too), ...

>>> import adkit.numpy as anp
>>> float(anp.sinc(0.0))
1.0
"""
import math

import numpy as np

from adkit.arrays import shape_value
from adkit.primitives import abs, div, greater, less, mul, sin, where
from adkit.primitives_numpy import (isinf, isnan, logaddexp, logical_and, round_p)

__all__ = ["reciprocal", "deg2rad", "rad2deg", "degrees", "radians",
           "sinc", "fabs", "clip", "fmax", "fmin", "nan_to_num", "logaddexp2", "positive",
           "round", "around", "rint", "heaviside"]

_LN2 = math.log(2.0)


def reciprocal(x):
    """1/x.

    >>> reciprocal(4.0)
    0.25
    """
    return div(1.0, x)


def deg2rad(x):
    """x · π/180 (degrees to radians)."""
    return mul(x, math.pi / 180.0)


def rad2deg(x):
    """x · 180/π (radians to degrees)."""
    return mul(x, 180.0 / math.pi)


radians = deg2rad
degrees = rad2deg
fabs = abs


def positive(x):
    """+x (the value itself)."""
    return x


def sinc(x):
    """sin(πx)/(πx), 1 at 0. Near 0 (|πx| < 1e-3) the Taylor series 1 − (πx)²/6 + (πx)⁴/120,
    exact to rounding there, so every derivative at 0 is right (sinc''(0) = −π²/3).

    >>> float(sinc(0.0)), float(sinc(1.0)) < 1e-15
    (1.0, True)
    """
    px = mul(x, math.pi)
    small = less(abs(px), 1e-3)
    safe = where(small, 1.0, px)
    p2 = px * px
    series = 1.0 - p2 / 6.0 + p2 * p2 / 120.0
    return where(small, series, div(sin(safe), safe))


def clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None):
    """min(max(a, a_min), a_max), as numpy: the derivative is 1 where a is inside [a_min, a_max]
    (also on the bounds) and flows to the bound where a is clipped."""
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    if lo is not None:
        a = where(less(a, lo), lo, a)
    if hi is not None:
        a = where(greater(a, hi), hi, a)
    return a


def fmax(x, y):
    """maximum that ignores nan (the other argument wins); ties split as in ``maximum``."""
    from adkit.primitives import maximum
    return where(isnan(y), x, where(isnan(x), y, maximum(x, y)))


def fmin(x, y):
    """minimum that ignores nan (the other argument wins); ties split as in ``minimum``."""
    from adkit.primitives import minimum
    return where(isnan(y), x, where(isnan(x), y, minimum(x, y)))


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """nan -> ``nan``, ±inf -> the largest finite floats (or ``posinf``/``neginf``);
    derivative 1 at finite values, 0 at the replaced ones."""
    low = getattr(shape_value(x), "dtype", None) == np.float32
    big = np.finfo(np.float32 if low else np.float64).max
    original = x
    x = where(isnan(original), nan, x)
    x = where(logical_and(isinf(original), greater(original, 0.0)),
              big if posinf is None else posinf, x)
    return where(logical_and(isinf(original), less(original, 0.0)),
                 -big if neginf is None else neginf, x)


def logaddexp2(x, y):
    """log₂(2ˣ + 2ʸ) = logaddexp(x log 2, y log 2) / log 2."""
    return div(logaddexp(mul(x, _LN2), mul(y, _LN2)), _LN2)


def round(a, decimals=0, out=None):
    """Rounded to ``decimals`` (halves to even, as numpy); derivative 0."""
    return round_p(a, decimals=int(decimals))


around = round


def rint(x):
    """Rounded to the nearest integer (halves to even); derivative 0."""
    return round_p(x, decimals=0)


def heaviside(x1, x2):
    """0 for x1 < 0, x2 at 0, 1 for x1 > 0; derivative 0 in x1 (and in x2 away from 0)."""
    return where(less(x1, 0.0), 0.0, where(greater(x1, 0.0), 1.0, x2))

