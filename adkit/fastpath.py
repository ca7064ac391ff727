"""The backward sweep made fast: float hot path, adjoints released early, buffers reused in place.

It computes what :func:`adkit.reverse.backward` computes (a test checks that on random graphs),
with tricks a student need not read: float adjoints are multiplied without the general
pullback; with ``keep_all=False`` a node's adjoint is dropped once passed on; an array adjoint
only this sweep holds is overwritten in place (``np.multiply(g, p, out=g)``) instead of
allocating a new one (a boolean partial, relu's mask, by writing zeros into it); a partial
meeting the ones a seeded sum hands back (:func:`adkit.primitives.ones_adjoint`) is passed on
without a product; and the zero rule (:func:`adkit.primitives.zero_wins`) is checked on array
products only when it matters, see :func:`backward`. :func:`adkit.vjp`, ``grad`` and their
relatives use it.

>>> import adkit as ad
>>> g = ad.trace(lambda x1, x2: x1 * x2 + ad.sin(x1), 2.0, 5.0)
>>> adjoint = backward(g, {g.outputs[0]: 1.0}, keep_all=True)
>>> round(adjoint[0], 6), adjoint[1]
(4.583853, 2.0)
"""
import math

import numpy as np

from adkit import primitives as P
from adkit.core import ZERO, NumpyErrors, shape_of
from adkit.primitives import ONES, all_finite, times, unbroadcast, zero_wins
from adkit.tracing import Tracer


def backward(graph, seeds, keep_all=False):
    """Sweep ``graph`` backwards from ``seeds`` ({node index: adjoint}); the adjoint of every
    node (``ZERO`` where nothing reached it; with ``keep_all=False`` only the inputs' are kept).

    Array products are first taken plainly, without the zero rule's check (a pass over each
    product). The rule only ever turns a nan into 0, and the rest of a sweep is linear in the
    adjoints: a nan it would have mended either reaches an input's adjoint or is dropped by a
    selection, where a 0 would have been dropped too. So when no input's adjoint holds a nan,
    the plain sweep is exact; when one does, the sweep runs again with the rule at every product.
    """
    if not keep_all:
        adjoint, unchecked = _sweep(graph, seeds, False, careful=False)
        if not unchecked:
            return adjoint
        for ref in graph.input_refs:  # a loop, not all(...): this runs once per gradient call
            if not _no_nan(adjoint[ref]):
                break
        else:
            return adjoint
    return _sweep(graph, seeds, keep_all, careful=True)[0]


def _no_nan(a):
    """No nan in an input's adjoint (an array, a float or a numpy scalar; a boxed adjoint is its
    own sweep's business). Infinities count too: rarely there, and then the careful sweep is
    merely run for nothing."""
    if type(a) is np.ndarray:
        return a.dtype.kind != "f" or all_finite(a)
    if type(a) is float or isinstance(a, np.floating):
        return math.isfinite(a)
    return True


def _sweep(graph, seeds, keep_all, careful):
    """The sweep itself; ``careful``: apply the zero rule at every array product. Returns the
    adjoints and whether an array product was taken without the rule."""
    prims, all_refs, all_argvals, all_params, values = (
        graph.prims, graph.refs, graph.argvals, graph.params, graph.values)
    unchecked = False
    adjoint = [ZERO] * len(prims)
    owned = [False] * len(prims)  # adjoint[i] is an array only this sweep holds: reusable
    for ref, seed in seeds.items():
        adjoint[ref] = seed
    quiet = _QUIET.set()  # derivatives at domain edges are inf/nan by convention: no warnings
    try:
        for i in range(len(prims) - 1, -1, -1):
            g = adjoint[i]
            if g is ZERO:
                continue
            prim = prims[i]
            rule = prim.partials
            if rule is not None and type(g) is float:  # scalar code, the hot path of long traces
                args, params = all_argvals[i], all_params[i]
                # plain calls for one and two arguments: CPython runs them inline, f(*args) not
                partials = (rule(values[i], *args, **params) if params else
                            rule(values[i], args[0], args[1]) if len(args) == 2 else
                            rule(values[i], args[0]) if len(args) == 1 else
                            rule(values[i], *args))
                k = 0
                for ref in all_refs[i]:  # an index, not zip(refs, partials): a fifth faster
                    p = partials[k]
                    k += 1
                    if ref is None or p is None:
                        continue
                    if type(p) is float:
                        c = g * p
                        if c != c:  # nan: the one case the zero rule mends (0 · ∞)
                            c = zero_wins(c, g, p)
                    elif type(p) is int and p == 1:  # add, sub: pass g on as it is
                        c = g
                    else:
                        c = times(g, p)  # the zero rule included
                    a = adjoint[ref]
                    adjoint[ref] = c if a is ZERO else a + c  # fan-out: sum them all
                continue
            refs = all_refs[i]
            if rule is not None:
                params = all_params[i]
                if prim.partials_take_needed and None in refs:  # skip the constants' partials
                    params = {**params, "needed": tuple(r is not None for r in refs)}
                partials = (rule(values[i], *all_argvals[i], **params) if params else
                            rule(values[i], *all_argvals[i]))
                if type(g) is Tracer and type(g.value) is float:  # a recorded sweep of scalar
                    for ref, p in zip(refs, partials):  # code (ad.compile): no shapes or buffers
                        if ref is not None and p is not None:
                            if type(p) is int and p == 1:
                                c = g
                            elif type(p) is Tracer:  # what times() would do, without its checks
                                c = g * p
                            else:
                                c = times(g, p)
                            a = adjoint[ref]
                            adjoint[ref] = c if a is ZERO else a + c
                    if not keep_all:
                        adjoint[i] = ZERO
                    continue
                if _pass_partials(adjoint, owned, g, owned[i] and not keep_all, refs,
                                  all_argvals[i], partials, careful, prim):
                    unchecked = True
            elif prim.vjp is not None:
                _pass_vjp(adjoint, owned, prim, g, values[i], all_argvals[i], all_params[i], refs)
            else:
                continue  # an input, a constant, or a comparison: nothing flows back
            if not keep_all:
                adjoint[i] = ZERO
    finally:
        _QUIET.reset(quiet)
    return adjoint, unchecked


_QUIET = NumpyErrors(all="ignore")


_FRESH_VJP = frozenset((P.matmul,))  # VJP rules whose plain array results are fresh products
# Partials rules that compute a new array on plain arrays, which the sweep may then hand on as
# an adjoint. Not exp (its partial is its output) nor mul (an argument): handed on, those would
# reach the caller as one of their own arrays.
_FRESH_PARTIALS = frozenset((P.sin, P.cos, P.log, P.log1p, P.sqrt, P.tan, P.tanh, P.sigmoid,
                             P.abs, P.square, P.pow_const_p))


def _pass_vjp(adjoint, owned, prim, g, out, args, params, refs):
    """An array primitive's VJP: each argument's share added to its adjoint. The results of a
    rule in ``_FRESH_VJP`` that own their buffers become buffers this sweep may overwrite."""
    if prim.vjp_takes_needed and len(refs) == 2 and not params:
        # apply_vjp's call for a binary rule without parameters (matmul), inline
        contributions = prim.vjp(g, out, args[0], args[1],
                                 needed=(refs[0] is not None, refs[1] is not None))
    else:
        contributions = prim.apply_vjp(g, out, args, params, refs)
    fresh = prim in _FRESH_VJP
    for ref, arg, c in zip(refs, args, contributions):
        if ref is None or c is None:
            continue
        if (adjoint[ref] is ZERO and type(c) is np.ndarray and type(arg) is np.ndarray and
                c.shape == arg.shape):
            adjoint[ref] = c  # the first contribution: _accumulate without the call
            owned[ref] = fresh and c.base is None
        else:
            _accumulate(adjoint, owned, ref, c, False, arg)


def _pass_partials(adjoint, owned, g, g_reusable, refs, argvals, partials, careful, prim):
    """Array adjoints: w̄ᵢ += w̄ · ∂ᵢ, computing the last product in g's own buffer if we may;
    ``careful``: with the zero rule. Returns whether a product was taken without it."""
    unchecked = False
    last = len(refs) - 1
    while last >= 0 and (refs[last] is None or partials[last] is None):
        last -= 1
    g_shared = False  # g itself was handed on (a partial of 1): its buffer is no longer ours
    for k in range(last + 1):
        ref, p = refs[k], partials[k]
        if ref is None or p is None:
            continue
        if type(p) is int and p == 1:
            c, fresh, g_shared = g, False, True
        elif (k == last and g_reusable and not g_shared and type(p) is np.ndarray and
              p.dtype is _BOOL and type(g) is np.ndarray and p.shape == g.shape):
            # g · [mask] (relu): zeros written into g's own buffer where the mask is False.
            # Exact with the zero rule (0 even where g is ∞), and cheaper than a product that
            # casts the booleans
            _putmask(g, np.logical_not(p), 0.0)
            c, fresh = g, True
        elif (k == last and g_reusable and not g_shared and _fits_in(g, p) and
              (not careful or _finite(p) and all_finite(g))):
            # in g's own buffer (careful: both finite, so no 0 · ∞ for the zero rule to mend)
            c, fresh = np.multiply(g, p, out=g), True
            unchecked = unchecked or not careful
        elif (type(g) is np.ndarray and ONES.get(g.shape) is g and prim in _FRESH_PARTIALS and
              type(p) is np.ndarray and p.base is None and p.dtype is g.dtype and
              p.shape == g.shape):
            c, fresh = p, True  # 1 · p (the adjoint of a sum): p itself, exactly, and ours
        else:
            c = times(g, p, careful)
            fresh = type(c) is np.ndarray
            unchecked = unchecked or not careful
        arg = argvals[k]
        if (adjoint[ref] is ZERO and type(c) is np.ndarray and type(arg) is np.ndarray and
                c.shape == arg.shape):
            adjoint[ref], owned[ref] = c, fresh  # the first contribution, without the call
        else:
            _accumulate(adjoint, owned, ref, c, fresh, arg)
    return unchecked


_BOOL = np.dtype(bool)
try:  # numpy's C function itself: np.putmask adds a Python layer
    from numpy._core._multiarray_umath import putmask as _putmask
except ImportError:  # another numpy
    _putmask = np.putmask


def _finite(p):
    return math.isfinite(p) if type(p) is float or type(p) is int else all_finite(p)


def _fits_in(buffer, p):
    """Can ``buffer * p`` be written into ``buffer`` (same shape and dtype)?"""
    if type(buffer) is not np.ndarray:
        return False
    if type(p) is float or type(p) is int:
        return buffer.dtype == np.float64
    return type(p) is np.ndarray and p.dtype == buffer.dtype and p.shape == buffer.shape


def _accumulate(adjoint, owned, ref, c, fresh, arg):
    """adjoint[ref] += c summed down to the argument's shape, in place when one side is a buffer
    only this sweep holds."""
    if type(c) is np.ndarray and type(arg) is np.ndarray:  # the common case, without calls
        if c.shape != arg.shape:
            c, fresh = unbroadcast(c, arg.shape), False
    elif shape_of(c) != shape_of(arg):
        c, fresh = unbroadcast(c, shape_of(arg)), False
    a = adjoint[ref]
    if a is ZERO:
        adjoint[ref], owned[ref] = c, fresh
    elif owned[ref] and type(c) is np.ndarray and a.dtype == c.dtype:
        np.add(a, c, out=a)
    elif fresh and type(a) is np.ndarray and a.shape == c.shape and a.dtype == c.dtype:
        adjoint[ref] = np.add(c, a, out=c)
        owned[ref] = True
    else:
        adjoint[ref] = a + c  # fan-out: sum over every consumer
        owned[ref] = type(adjoint[ref]) is np.ndarray
