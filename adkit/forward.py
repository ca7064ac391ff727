"""Forward mode: dual numbers a + bε carry a tangent beside every value.

``Dual(primal, tangent)`` behaves like a number: each primitive computes its value from the
primals and its tangent from the local partials, ``ẇ = Σᵢ ∂ᵢf · ẇᵢ`` (array primitives use their
JVP rule). One sweep gives the derivative along one seed direction; :func:`jacfwd` pushes all
directions at once, as tangents with an extra leading axis.

>>> import adkit as ad
>>> x = ad.Dual(2.0, 1.0)
>>> y = x * x + ad.sin(x)
>>> round(y.primal, 6), round(y.tangent, 6)
(4.909297, 3.583853)
"""
import numbers

import numpy as np

from adkit import arrays as A
from adkit.arrays import plain_argument
from adkit.core import ADError, ndim_of, new_level, refuse_complex, shape_of
from adkit.operators import ArrayBox
from adkit.primitives import zero_wins
from adkit.tracing import argnums_of, as_input, as_scalar, output_value, zeros_like

MANUAL_LEVEL = 0  # Duals made by hand share one level, so Dual(2, 1) * Dual(3, 0) just works


class Dual(ArrayBox):
    """A dual number ``primal + tangent·ε`` (ε² = 0).

    Args:
        primal: the value (a float, an array, or a value of an outer sweep).
        tangent: its derivative along the seed direction (default 0). It may have extra leading
            axes: then it holds several directions at once.

    >>> d = Dual(3.0, 1.0) ** 2
    >>> d.primal, d.tangent
    (9.0, 6.0)
    """

    __slots__ = ("primal", "_tangent", "_level")

    def __init__(self, primal, tangent=None, level=MANUAL_LEVEL):
        if type(primal) is not float:
            refuse_complex("Dual", primal)
            refuse_complex("Dual", tangent)
            if level == MANUAL_LEVEL and tangent is not None \
                    and shape_of(tangent) != shape_of(primal):  # (jacfwd's batched tangents
                # have their own level: extra leading axes are theirs)
                raise ADError(f"Dual: the tangent has shape {shape_of(tangent)} but the primal "
                              f"has shape {shape_of(primal)}; they must be equal")
        self.primal = primal
        self._tangent = tangent
        self._level = level

    @property
    def tangent(self):
        """The tangent (zeros of the primal's shape when nothing was seeded)."""
        if self._tangent is None:
            return zeros_like(self.primal)
        return self._tangent

    def _value(self):
        return self.primal

    def __repr__(self):
        return f"Dual({self.primal!r}, {self.tangent!r})"

    def __float__(self):
        raise ADError("float() of a Dual would drop its tangent; use .primal (and .tangent)")

    def _process(self, prim, args, params):
        level = self._level
        primals, tangents = [], []
        for a in args:
            if type(a) is Dual and a._level == level:
                primals.append(a.primal)
                tangents.append(a._tangent)
            else:
                safe = plain_argument(prim, a)
                if safe is not a:  # np.array([x, y]) stacked: it may hold boxes of any sweep
                    return prim(*(plain_argument(prim, b) for b in args), **params)
                primals.append(a)
                tangents.append(None)
        out = prim(*primals, **params)
        if not prim.differentiable:
            return out
        return Dual(out, node_tangent(prim, primals, tangents, out, params), level)


def node_tangent(prim, primals, tangents, out, params, partials=None, batch=None):
    """One step of the forward sweep: a node's tangent ``ẇ = Σᵢ ∂ᵢ · ẇᵢ`` from its local
    partials (or its JVP rule, for array primitives); None when no argument has one (zero).

    Args:
        tangents: one per argument, None for a constant; may carry ``batch`` extra leading axes
            (several directions at once; counted from the first tangent when None).
        partials: the local partials at this point, when already computed.

    >>> from adkit.primitives import mul
    >>> node_tangent(mul, (2.0, 5.0), (1.0, None), 10.0, {})
    5.0
    """
    if not prim.differentiable:
        return None
    first = next((k for k, t in enumerate(tangents) if t is not None), None)
    if first is None:
        return None
    if batch is None:
        batch = ndim_of(tangents[first]) - ndim_of(primals[first])  # directions pushed at once
    if prim.partials is None:
        return prim.jvp(primals, tangents, out, batch, **params)
    if partials is None:
        partials = prim.partials(out, *primals, **params)
    tangent = None
    out_ndim = ndim_of(out)
    for t, p in zip(tangents, partials):
        if t is None or p is None:
            continue
        if batch:
            t = _align(t, batch, out_ndim)
        term = t if (type(p) is int and p == 1) else -t if (type(p) is int and p == -1) else \
            zero_wins(p * t, p, t)
        tangent = term if tangent is None else tangent + term
    if tangent is not None:
        # x + c with c broadcast bigger than x: a ±1 partial keeps x's shape; the tangent
        # must have the output's shape (later rules and batch counting rely on it)
        expected = shape_of(tangent)[:batch] + shape_of(out)
        if shape_of(tangent) != expected:
            tangent = A.broadcast_to(tangent, expected)
    return tangent


def _align(t, batch, out_ndim):
    """Give a batched tangent the output's number of axes, so partials broadcast against it."""
    shape = shape_of(t)
    missing = out_ndim - (len(shape) - batch)
    if missing <= 0:
        return t
    return A.reshape(t, shape[:batch] + (1,) * missing + shape[batch:])



def _as_tuple(x, what, who):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    raise ADError(f"{who}: {what} must be a tuple, e.g. (2.0,) for one argument; got {type(x).__name__}")


def _unpack(out, level, who):
    """Primal and tangent of a function's output (a constant output has zero tangent)."""
    if isinstance(out, (tuple, list)):
        pairs = [_unpack(o, level, who) for o in out]
        return tuple(p for p, _ in pairs), tuple(t for _, t in pairs)
    out = output_value(out, who)
    if type(out) is Dual and out._level == level:
        return out.primal, out.tangent
    if isinstance(out, (numbers.Number, np.ndarray, np.generic, ArrayBox)):
        return out, zeros_like(out)
    raise ADError(f"{who}: the function returned {type(out).__name__}, not a number or array")


def seed_or_none(t):
    """The zero-tangent rule, one definition for ``jvp`` and the forward table: a zero seed is no
    seed, so it contributes zero (0 · ∞ at sqrt 0, or 0 · log of a negative base, is not nan)."""
    if (type(t) is float or type(t) is int or type(t) is np.ndarray) and not np.any(t):
        return None
    return t


def jvp(f, primals, tangents):
    """Jacobian-vector product: ``(f(*primals), J · tangents)`` in one forward sweep.

    >>> jvp(lambda x: x * x, (3.0,), (1.0,))
    (9.0, 6.0)
    """
    primals = _as_tuple(primals, "primals", "jvp")
    tangents = _as_tuple(tangents, "tangents", "jvp")
    if len(primals) != len(tangents):
        raise ADError(f"jvp: {len(primals)} primal(s) but {len(tangents)} tangent(s)")
    level = new_level()
    duals = []
    for i, (p, t) in enumerate(zip(primals, tangents), 1):
        p = as_input(p, f"jvp: primal {i}")
        t = as_input(t, f"jvp: tangent {i}")
        if shape_of(t) != shape_of(p):
            raise ADError(f"jvp: tangent {i} has shape {shape_of(t)} but its primal has shape "
                          f"{shape_of(p)}")
        duals.append(Dual(p, seed_or_none(t), level))
    return _unpack(f(*duals), level, "jvp")


def derivative(f):
    """The derivative of a scalar function of one scalar, by forward mode.

    >>> import adkit as ad
    >>> d = derivative(lambda x: x ** 3)
    >>> d(2.0)
    12.0
    >>> derivative(d)(2.0)
    12.0
    """
    def df(x):
        if ndim_of(x) != 0:
            raise ADError(f"derivative: takes a scalar, got shape {shape_of(x)}; use ad.jacfwd "
                          f"for arrays")
        return jvp(f, (x,), (1.0,))[1]
    df.__name__ = f"derivative_of_{getattr(f, '__name__', 'f')}"
    return df



def jacfwd(f, argnums=0):
    """Jacobian by forward mode, all input directions in one vectorized sweep.

    The result has shape ``out.shape + x.shape``.

    >>> import numpy as np
    >>> jacfwd(lambda x: x * x)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    def jacobian(*args):
        single, nums = argnums_of(argnums, len(args), "jacfwd")
        jacs = []
        for n in nums:
            x = as_input(args[n], "jacfwd", n + 1)
            x_shape = shape_of(x)
            size = int(np.prod(x_shape))
            level = new_level()
            seed = np.eye(size).reshape((size,) + x_shape)  # direction k = k-th unit vector
            call = list(args)
            call[n] = Dual(x, seed, level)
            out = f(*call)
            if isinstance(out, (tuple, list)):  # one Jacobian per output (e.g. of grad(f, (0, 1)))
                jacs.append(tuple(_jacobian_of(o, level, size, x_shape) for o in out))
            else:
                jacs.append(_jacobian_of(out, level, size, x_shape))
        if single:
            return jacs[0]
        if isinstance(jacs[0], tuple):  # outputs outside, arguments inside: [i][j] = ∂outᵢ/∂xⱼ
            return tuple(zip(*jacs))
        return tuple(jacs)
    return jacobian



def _jacobian_of(out, level, size, x_shape):
    """One output's Jacobian, shape ``out.shape + x.shape``, from its batched tangent."""
    out = output_value(out, "jacfwd")
    if type(out) is Dual and out._level == level and out._tangent is not None:
        t = out._tangent
        out_shape = shape_of(out.primal)
        t = A.broadcast_to(t, (size,) + out_shape)
        # (directions, *out) -> (*out, directions) -> (*out, *x)
        jac = A.transpose(t, tuple(range(1, len(out_shape) + 1)) + (0,))
        return as_scalar(A.reshape(jac, out_shape + x_shape))
    if not isinstance(out, (numbers.Number, np.ndarray, np.generic, ArrayBox)):
        raise ADError(f"jacfwd: the function returned {type(out).__name__}, not a number or array")
    return as_scalar(np.zeros(shape_of(out) + x_shape))  # the output does not depend on x
