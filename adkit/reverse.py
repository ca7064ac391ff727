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
import gc
import numbers

import numpy as np

from adkit import arrays as A
from adkit import fastpath
from adkit.core import ADError, ZERO, ndim_of, shape_of
from adkit.primitives import times, unbroadcast
from adkit.forward import jacfwd
from adkit.graph import Graph
from adkit.operators import ArrayBox
from adkit.tracing import Tracer, argnums_of, as_input, as_scalar, output_value, start, zeros_like


def backward(graph, seeds):
    """Sweep ``graph`` backwards from ``seeds`` ({node index: adjoint}): the adjoint of every
    node (``ZERO`` where nothing reached it). The reference loop; :mod:`adkit.fastpath` computes
    the same faster. Adjoints are computed with adkit's own functions, so on traced values the
    sweep itself is recorded (the gradient of a graph is a graph).
    """
    adjoint = [ZERO] * len(graph.prims)
    for ref, seed in seeds.items():
        adjoint[ref] = seed
    with np.errstate(all="ignore"):  # derivatives at domain edges are inf/nan by convention
        for i in reversed(range(len(graph.prims))):  # recording order, backwards
            if adjoint[i] is ZERO:
                continue  # nothing flows through this node
            for ref, share in zip(graph.refs[i], pullback(graph, i, adjoint[i])):
                if share is not None:  # fan-out: a node read twice gets both shares
                    adjoint[ref] = share if adjoint[ref] is ZERO else adjoint[ref] + share
    return adjoint


def pullback(graph, i, g):
    """What node ``i`` passes back to each argument when its adjoint is ``g``.

    One entry per argument: ``w̄ · ∂ᵢ`` (elementwise) or the VJP's share, summed down to the
    argument's shape; None for a constant argument or where nothing flows. :func:`backward`
    takes this step at every node; drawings use it to label each wire with its adjoint.
    """
    prim, refs, argvals, params = graph.prims[i], graph.refs[i], graph.argvals[i], graph.params[i]
    out = graph.values[i]
    if prim.partials is not None:
        shares = [None if p is None else times(g, p) for p in prim.partials(out, *argvals, **params)]
    elif prim.vjp is not None:
        shares = prim.apply_vjp(g, out, argvals, params, refs)
    else:
        return [None] * len(refs)
    return [None if r is None or c is None else c if type(c) is float else unbroadcast(c, shape_of(a))
            for r, a, c in zip(refs, argvals, shares)]


def _tape(f, values, who, args=None, nums=None):
    """Record ``f`` on the given (checked) input values into a gradient tape: a lean Graph
    (see ``Primitive.saves``). Returns the graph, the input tracers and ``f``'s output.
    With ``args`` and ``nums``, ``f`` is called with ``args`` whose positions ``nums`` hold the
    input tracers; the other arguments stay constants (see :func:`_only`)."""
    graph = Graph(lean=True)
    tracers = start(graph, _TAPE_NAMES[:len(values)] if len(values) <= len(_TAPE_NAMES) else
                    [f"x{k}" for k in range(1, len(values) + 1)], values)
    if nums is None:
        out = f(*tracers)
    else:
        call = list(args)
        for n, t in zip(nums, tracers):
            call[n] = t
        out = f(*call)
    return graph, tracers, (out if type(out) is Tracer or isinstance(out, (tuple, list)) else
                            output_value(out, who))


_TAPE_NAMES = tuple(f"x{k}" for k in range(1, 17))  # a tape's inputs are never printed


def vjp(f, *primals):
    """Vector-Jacobian product: ``(f(*primals), vjp_fn)``, ``vjp_fn(ct)`` -> one tuple entry per primal.

    >>> out, vjp_fn = vjp(lambda x, y: x * y, 3.0, 4.0)
    >>> out, vjp_fn(1.0)
    (12.0, (4.0, 3.0))
    """
    return _vjp(f, [as_input(x, "vjp", k) for k, x in enumerate(primals, 1)])


def _vjp(f, values):
    """:func:`vjp` on input values already checked by :func:`as_input`."""
    graph, tracers, out = _tape(f, values, "vjp")
    recorded, value = _output(graph, out, "vjp")
    out_shape = shape_of(value)

    def vjp_fn(cotangent):
        if shape_of(cotangent) != out_shape:
            raise ADError(f"vjp: the cotangent has shape {shape_of(cotangent)} but f's output has "
                          f"shape {out_shape}")
        return _gradients(graph, tracers, out if recorded else None, cotangent)

    return value, vjp_fn


def _output(graph, out, who):
    """``(recorded, value)`` of a taped function's output: whether it is a node of ``graph``,
    and its value; a tuple or something that is not a number is refused."""
    if type(out) is Tracer and out.graph is graph:
        return True, out.value
    if isinstance(out, (tuple, list)):
        raise ADError(f"{who}: f returned a tuple; return one array (stack the outputs)")
    if not isinstance(out, (numbers.Number, np.ndarray, np.generic, ArrayBox)):
        raise ADError(f"{who}: f returned {type(out).__name__}, not a number or array")
    return False, out


def _gradients(graph, tracers, out, cotangent):
    """The inputs' adjoints for ``out`` (a node of ``graph``, None for a constant output)
    weighted by ``cotangent``: one array (or float) per input tracer, each the caller's own."""
    if out is None:
        return tuple(zeros_like(t.value) for t in tracers)
    adjoint = fastpath.backward(graph, {out.index: cotangent})
    results = []
    for t in tracers:
        a, v = adjoint[t.index], t.value
        results.append(zeros_like(v) if a is ZERO else _as_result(a, v))
    return tuple(_unshared(results, cotangent))


def _unshared(results, cotangent):
    """Each gradient an array of its own: a partial of 1 (x + y) hands one buffer, or the
    caller's cotangent, to several arguments; ``gx *= 0.1`` must not change ``gy``."""
    seen = {id(_memory(cotangent))}
    for k, r in enumerate(results):
        if type(r) is np.ndarray:
            key = id(_memory(r))
            if key in seen:
                results[k] = r.copy()
            else:
                seen.add(key)
    return results


def _memory(a):
    """What holds an array's numbers: the array, or the one it is a view of (``g.T``)."""
    base = getattr(a, "base", None)
    return a if base is None else base


def _as_result(adjoint, primal):
    """A gradient the caller owns, of its input's kind: the adjoint of a sum is a read-only
    broadcast view (``g *= 0.5`` would fail), and a float's gradient is a float."""
    if type(primal) is float and type(adjoint) is np.float64:
        return float(adjoint)
    if isinstance(adjoint, ArrayBox) and isinstance(primal, ArrayBox):
        # recorded (ad.compile, nested sweeps): the float32 cast is recorded too
        return adjoint if adjoint.dtype == primal.dtype else adjoint.astype(primal.dtype)
    if type(adjoint) is np.ndarray:
        if type(primal) is float and adjoint.ndim == 0:
            return float(adjoint)
        if type(primal) is np.ndarray and adjoint.dtype != primal.dtype:
            return adjoint.astype(primal.dtype)  # float32 in, float32 gradient out
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
    checked = {}  # number of arguments -> argnums_of's answer (argnums is an int or tuple)

    def value_and_gradient(*args):
        known = checked.get(len(args))
        if known is None:
            known = argnums_of(argnums, len(args), "grad")
            if type(argnums) is int or type(argnums) is tuple:
                checked[len(args)] = known
        single, nums = known
        collecting = gc.isenabled()  # see core.paused_gc; inline here, where it is 4× cheaper
        gc.disable()
        try:
            values = [as_input(args[n], "grad", n + 1) for n in nums]
            graph, tracers, out = _tape(f, values, "grad", args, nums)
            recorded, value = _output(graph, out, "grad")
            kind = type(value)
            if kind is float or kind is np.float64:
                cotangent = 1.0
            elif ndim_of(value) != 0:
                raise ADError(f"grad: {name} must return a scalar, but returned shape "
                              f"{shape_of(value)}; use ad.jacrev for vector outputs, or reduce "
                              f"with ad.sum")
            else:
                cotangent = (1.0 if isinstance(value, (numbers.Number, ArrayBox)) else
                             np.ones(()))
            adjoints = _gradients(graph, tracers, out if recorded else None, cotangent)
        finally:
            if collecting:
                gc.enable()
        return value, adjoints[0] if single else adjoints
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
        single, nums = argnums_of(argnums, len(args), "jacrev")
        out, vjp_fn = _vjp(_only(f, args, nums),
                           [as_input(args[n], "jacrev", n + 1) for n in nums])
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
