"""Reverse mode: record the trace, then sweep it backwards accumulating adjoints.

The adjoint ``w̄ = ∂z/∂w`` of every node starts at zero; the output gets the seed (1 for a
scalar). Going through the nodes in reverse recording order, each node passes its adjoint to
its arguments: ``w̄ᵢ += w̄ · ∂ᵢf`` for elementwise primitives, the VJP rule for array ones. A
node used twice gets two contributions: the fan-out sum. One sweep gives the gradient with
respect to every input.

>>> import adkit as ad
>>> ad.grad(lambda x1, x2: x1 * x2 + ad.sin(x1), argnums=(0, 1))(2.0, 5.0)
(4.583853163452858, 2.0)
"""
import numbers

import numpy as np

from adkit import arrays as A
from adkit.core import ADError, ZERO, ndim_of, shape_of
from adkit.primitives import unbroadcast
from adkit.forward import _argnums, _zeros_like, as_scalar, jacfwd
from adkit.graph import Graph
from adkit.operators import ArrayBox
from adkit.tracing import Tracer, as_input, start


def backward(graph, seeds, keep_all=True):
    """Sweep ``graph`` backwards from ``seeds`` ({node index: adjoint}).

    Returns the adjoint of every node (``ZERO`` where nothing reached it). Adjoints are
    computed with adkit's own functions, so on traced values the sweep itself is recorded.
    With ``keep_all=False`` (enough for gradients) a node's adjoint is released once passed on,
    and array buffers the sweep itself allocated are reused in place.
    """
    prims, all_refs, all_argvals, all_params, values = (
        graph.prims, graph.refs, graph.argvals, graph.params, graph.values)
    adjoint = [ZERO] * len(prims)
    owned = [False] * len(prims)  # adjoint[i] is an array only this sweep holds: reusable
    for ref, seed in seeds.items():
        adjoint[ref] = seed
    with np.errstate(all="ignore"):  # derivatives at domain edges are inf/nan by convention
        for i in range(len(prims) - 1, -1, -1):
            g = adjoint[i]
            if g is ZERO:
                continue
            prim, refs = prims[i], all_refs[i]
            if prim.partials is not None:
                params = all_params[i]
                partials = (prim.partials(values[i], *all_argvals[i], **params) if params else
                            prim.partials(values[i], *all_argvals[i]))
                if type(g) is float:  # scalar code, the hot path of long traces
                    for ref, p in zip(refs, partials):
                        if ref is not None and p is not None:
                            c = g * p if type(p) is float else _times(g, p)
                            a = adjoint[ref]
                            adjoint[ref] = c if a is ZERO else a + c  # fan-out: sum them all
                    continue
                _pass_partials(adjoint, owned, g, owned[i] and not keep_all, refs,
                               all_argvals[i], partials)
            elif prim.vjp is not None:
                contributions = _vjp(prim, g, values[i], all_argvals[i], all_params[i], refs)
                for ref, arg, c in zip(refs, all_argvals[i], contributions):
                    if ref is not None and c is not None:
                        _accumulate(adjoint, owned, ref, c, False, shape_of(arg))
            else:
                continue  # an input, a constant, or a comparison: nothing flows back
            if not keep_all:
                adjoint[i] = ZERO
    return adjoint


def _vjp(prim, g, out, argvals, params, refs):
    if prim.vjp_takes_needed:  # skip the work for constant arguments
        return prim.vjp(g, out, *argvals, **params, needed=tuple(r is not None for r in refs))
    return prim.vjp(g, out, *argvals, **params)


def pullback(graph, i, g):
    """What node ``i`` passes back to each argument when its adjoint is ``g``.

    One entry per argument: ``w̄ · ∂ᵢ`` (elementwise) or the VJP's share, summed down to the
    argument's shape; None for a constant argument or where nothing flows. :func:`backward`
    takes this step at every node (with faster paths for floats and owned buffers); drawings
    use it to label each wire with the adjoint it carries.
    """
    prim, refs, argvals, params = graph.prims[i], graph.refs[i], graph.argvals[i], graph.params[i]
    out = graph.values[i]
    if prim.partials is not None:
        shares = [None if p is None else _times(g, p) for p in prim.partials(out, *argvals, **params)]
    elif prim.vjp is not None:
        shares = _vjp(prim, g, out, argvals, params, refs)
    else:
        return [None] * len(refs)
    return [None if r is None or c is None else c if type(c) is float else unbroadcast(c, shape_of(a))
            for r, a, c in zip(refs, argvals, shares)]


def _pass_partials(adjoint, owned, g, g_reusable, refs, argvals, partials):
    """Array adjoints: w̄ᵢ += w̄ · ∂ᵢ, computing the last product in g's own buffer if we may."""
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
        elif k == last and g_reusable and not g_shared and _fits_in(g, p):
            c, fresh = np.multiply(g, p, out=g), True
        else:
            c = _times(g, p)
            fresh = type(c) is np.ndarray
        _accumulate(adjoint, owned, ref, c, fresh, shape_of(argvals[k]))


def _fits_in(buffer, p):
    """Can ``buffer * p`` be written into ``buffer`` (same shape and dtype)?"""
    if type(buffer) is not np.ndarray:
        return False
    if type(p) is float or type(p) is int:
        return buffer.dtype == np.float64
    return type(p) is np.ndarray and p.dtype == buffer.dtype and p.shape == buffer.shape


def _accumulate(adjoint, owned, ref, c, fresh, shape):
    """adjoint[ref] += c, in place when one side is a buffer only this sweep holds."""
    if shape_of(c) != shape:
        c, fresh = unbroadcast(c, shape), False
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


def _times(g, p):
    """w̄ · ∂: skips multiplying by an exact ±1, so gradient graphs stay as on paper."""
    if type(p) is int:
        if p == 1:
            return g
        if p == -1:
            return -g
    if type(g) is float and g == 1.0 and not _is_boolean(p):
        return p
    return g * p


def _is_boolean(p):
    """relu's [x > 0], where's condition: 1.0 · p must still turn such a partial into a number."""
    while isinstance(p, ArrayBox):
        p = p._value()
    return type(p) is bool or type(p) is np.bool_ or (type(p) is np.ndarray and p.dtype == bool)


def _trace_for_vjp(f, primals, who):
    graph = Graph(lean=True)
    values = [as_input(x, f"{who}: argument {k}") for k, x in enumerate(primals, 1)]
    tracers = start(graph, [f"x{k}" for k in range(1, len(values) + 1)], values)
    return graph, tracers, f(*tracers)


def _output_value(out, graph):
    if type(out) is Tracer and out.graph is graph:
        return out.value
    return out


def vjp(f, *primals):
    """Vector-Jacobian product: ``(f(*primals), vjp_fn)``, ``vjp_fn(ct)`` -> one tuple entry per primal.

    >>> out, vjp_fn = vjp(lambda x, y: x * y, 3.0, 4.0)
    >>> out, vjp_fn(1.0)
    (12.0, (4.0, 3.0))
    """
    graph, tracers, out = _trace_for_vjp(f, primals, "vjp")
    if type(out) is not Tracer:  # a constant, or something that is not a number at all
        if isinstance(out, (tuple, list)):
            raise ADError("vjp: f returned a tuple; return one array (stack the outputs)")
        if not isinstance(out, (numbers.Number, np.ndarray, np.generic, ArrayBox)):
            raise ADError(f"vjp: f returned {type(out).__name__}, not a number or array")
    value = _output_value(out, graph)
    out_shape = shape_of(value)

    def vjp_fn(cotangent):
        if shape_of(cotangent) != out_shape:
            raise ADError(f"vjp: the cotangent has shape {shape_of(cotangent)} but f's output has "
                          f"shape {out_shape}")
        if not (type(out) is Tracer and out.graph is graph):
            return tuple(_zeros_like(t.value) for t in tracers)
        adjoint = backward(graph, {out.index: cotangent}, keep_all=False)
        return tuple(_zeros_like(t.value) if adjoint[t.index] is ZERO else
                     _as_result(adjoint[t.index], t.value) for t in tracers)

    return value, vjp_fn


def _as_result(adjoint, primal):
    """A gradient the caller owns, of its input's kind: the adjoint of a sum is a read-only
    broadcast view (``g *= 0.5`` would fail), and a float's gradient is a float."""
    if type(adjoint) is np.ndarray:
        if type(primal) is float and adjoint.ndim == 0:
            return float(adjoint)
        if not adjoint.flags.writeable:
            return adjoint.copy()
    return adjoint


def _only(f, args, nums):
    """``f`` as a function of the arguments ``nums`` alone; the others stay constants, so the
    sweep neither records nor differentiates them (data batches, labels)."""
    def restricted(*chosen):
        call = list(args)
        for n, value in zip(nums, chosen):
            call[n] = value
        return f(*call)
    return restricted


def value_and_grad(f, argnums=0):
    """``f``'s value and its gradient with respect to argument(s) ``argnums``, in one sweep.

    >>> value_and_grad(lambda x: x * x)(3.0)
    (9.0, 6.0)
    """
    name = getattr(f, "__name__", "f")

    def value_and_gradient(*args):
        single, nums = _argnums(argnums, len(args), "grad")
        chosen = (as_input(args[n], f"grad: argument {n + 1}") for n in nums)
        out, vjp_fn = vjp(_only(f, args, nums), *chosen)
        if ndim_of(out) != 0:
            raise ADError(f"grad: {name} must return a scalar, but returned shape {shape_of(out)}; "
                          f"use ad.jacrev for vector outputs, or reduce with ad.sum")
        adjoints = vjp_fn(1.0 if type(out) is float or isinstance(out, (numbers.Number, ArrayBox))
                          else np.ones(()))
        return out, adjoints[0] if single else adjoints
    return value_and_gradient


def grad(f, argnums=0):
    """The gradient of a scalar function; ``argnums`` an int (one array back) or a tuple.

    >>> import adkit as ad
    >>> ad.grad(lambda x, y, z: (x + y) * z, argnums=(0, 1, 2))(-2.0, 5.0, -4.0)
    (-4.0, -4.0, 3.0)
    """
    value_and_gradient = value_and_grad(f, argnums)

    def gradient(*args):
        return value_and_gradient(*args)[1]
    gradient.__name__ = f"grad_of_{getattr(f, '__name__', 'f')}"
    return gradient


def jacrev(f, argnums=0):
    """Jacobian by reverse mode: one backward sweep per output element (trace once).

    >>> import numpy as np
    >>> jacrev(lambda x: x * x)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    def jacobian(*args):
        single, nums = _argnums(argnums, len(args), "jacrev")
        chosen = (as_input(args[n], f"jacrev: argument {n + 1}") for n in nums)
        out, vjp_fn = vjp(_only(f, args, nums), *chosen)
        out_shape = shape_of(out)
        size = int(np.prod(out_shape))
        rows = []
        for k in range(size):
            seed = np.zeros(size)
            seed[k] = 1.0
            rows.append(vjp_fn(seed.reshape(out_shape) if out_shape else 1.0))
        jacs = []
        for k, n in enumerate(nums):
            x_shape = shape_of(args[n])
            stacked = A.stack([r[k] for r in rows]) if rows else np.zeros((0,) + x_shape)
            jacs.append(as_scalar(A.reshape(stacked, out_shape + x_shape)))
        return jacs[0] if single else tuple(jacs)
    return jacobian


def hessian(f, argnums=0):
    """The Hessian, forward-over-reverse: ``jacfwd(grad(f))``.

    >>> import numpy as np
    >>> A = np.array([[1.0, 2.0], [0.0, 3.0]])
    >>> hessian(lambda x: x @ A @ x)(np.ones(2))
    array([[2., 2.],
           [2., 6.]])
    """
    return jacfwd(grad(f, argnums), argnums)
