"""Recording a Python function into a Graph, by operator overloading.

A :class:`Tracer` stands in for one value while ``f`` runs: every primitive applied to it
appends one node to its graph (and computes the value too, so control flow on values works).
A tracer holds its graph, its node index and its value; the graph holds no tracers, so no
node sits in a reference cycle.

>>> import adkit as ad
>>> g = ad.trace(lambda x1, x2: x1 * x2 + ad.sin(x1), 2.0, 5.0)
>>> g.inputs
('x1', 'x2')
>>> len(g)
5
"""
import numbers

import numpy as np

from adkit import primitives as P
from adkit.arrays import plain_argument, stack_boxes
from adkit.core import _FALLBACK_ERRORS, ADError, Boxed, refuse_complex
from adkit.graph import NO_PARAMS, Graph, input_names
from adkit.operators import ArrayBox

_CONSTANT_TYPES = (float, int, np.ndarray)  # recorded inline by the fast path


def _tracer(graph, index, value):
    """``Tracer(graph, index, value)`` without the ``__init__`` call: half the cost, and one is
    made per recorded node."""
    tracer = _new_object(Tracer)
    tracer.graph = graph
    tracer.index = index
    tracer.value = value
    return tracer


_new_object = object.__new__


def _recorder(prim):
    """``record(x, y, fallback=True)``: record ``prim(x, y)`` when it is simple: both on one
    graph, or one a plain constant.

    The hot path of scalar code, so it is one flat function without loops or lists, made once
    per primitive (``prim`` is bound, not passed), and ``Tracer.__mul__`` is ``record`` itself:
    no call in between. Anything else goes to the general ``prim(x, y)`` (or gives None when
    ``fallback`` is False).
    """
    def record(x, y, fallback=True):
        tx, ty = type(x), type(y)
        if tx is Tracer:
            graph = x.graph
            vx = x.value
            if ty is Tracer and y.graph is graph:
                refs, vy = (x.index, y.index), y.value
            elif ty in _CONSTANT_TYPES:
                if ty is np.ndarray and y.dtype.kind in "Oc":  # w @ np.array([x1, x2]): boxes
                    return prim(x, plain_argument(prim, y))
                refs, vy = (x.index, None), y
            else:
                return prim(x, y) if fallback else None
        elif tx in _CONSTANT_TYPES and ty is Tracer:
            if tx is np.ndarray and x.dtype.kind in "Oc":
                return prim(plain_argument(prim, x), y)
            graph = y.graph
            refs, vx, vy = (None, y.index), x, y.value
        else:
            return prim(x, y) if fallback else None
        if graph.abstract:
            value = None
        elif type(vx) is float and type(vy) is float:
            try:
                value = scalar_impl(vx, vy)
            except (*_FALLBACK_ERRORS, TypeError):  # TypeError: no scalar_impl (2.0 @ 3.0)
                value = prim.evaluate((vx, vy), NO_PARAMS)
            # graph.add_node inline (a float needs no lean copy): once per scalar operation
            index = len(graph.prims)
            graph.prims.append(prim)
            graph.refs.append(refs)
            graph.argvals.append((vx, vy))
            graph.params.append(NO_PARAMS)
            graph.values.append(value)
            tracer = _new_object(Tracer)  # _tracer(...) inline, for the same reason
            tracer.graph = graph
            tracer.index = index
            tracer.value = value
            return tracer
        elif type(vx) is np.ndarray and type(vy) is np.ndarray:
            try:  # numpy's own function at once; evaluate() names the primitive if it fails
                value = impl(vx, vy)
            except (ValueError, TypeError):
                value = prim.evaluate((vx, vy), NO_PARAMS)
        elif isinstance(vx, Boxed) or isinstance(vy, Boxed):  # an outer sweep's values record
            value = (record(vx, vy, False)  # an outer trace: straight onto it
                     if type(vx) is Tracer or type(vy) is Tracer else None)
            if value is None:
                value = prim(vx, vy)
        else:
            value = prim.evaluate((vx, vy), NO_PARAMS)
        return _tracer(graph, graph.add_node(prim, refs, (vx, vy), NO_PARAMS, value), value)

    scalar_impl = prim.scalar_impl or _no_scalar_impl
    impl = prim.impl
    record.__name__ = record.__qualname__ = f"record_{prim.name}"
    return record


def _no_scalar_impl(x, y):
    raise TypeError("no implementation for floats")


_recorders = {}  # primitive -> its recorder, made when first needed


def _binary(prim, x, y, fallback=True):
    """Record ``prim(x, y)`` if it is simple (see :func:`_recorder`), else the general call."""
    record = _recorders.get(prim)
    if record is None:
        record = _recorders[prim] = _recorder(prim)
    return record(x, y, fallback)


def _operator_pair(prim):
    """``(__op__, __rop__)`` for a Tracer: the recorder and its reflected twin."""
    record = _recorders[prim] = _recorder(prim)

    def reflected(self, other):
        return record(other, self)
    return record, reflected


class Tracer(ArrayBox):
    """A value being recorded on a graph: ``(graph, index, value)``."""

    __slots__ = ("graph", "index", "value")

    def __init__(self, graph, index, value):
        self.graph = graph
        self.index = index
        self.value = value

    @property
    def _level(self):
        return self.graph.level

    def _value(self):
        return self.value

    def __repr__(self):
        return f"Tracer(w{self.index + 1} = {self.value!r})"

    def __bool__(self):
        if self.value is None:
            raise ADError("cannot branch on a symbolic value: a graph built from text has no "
                          "numbers; trace the function at a point instead")
        return self.concrete(bool)

    def concrete(self, read=None, decision=None):
        """The value (or ``read(value)``) as a Python decision: a graph that records guards
        (ad.trace, ad.compile) notes it, so a later call that decides differently is refused or
        traced again. ``decision``: what is decided from the value (a sort order, an argmax),
        so that a replay is checked on that, not on the value itself."""
        value = self.value if read is None else read(self.value)
        guards = getattr(self.graph, "guards", None)
        if guards is not None:
            guards.append((self.index, value, decision))
        return value

    def __float__(self):
        raise ADError("float() of a traced value would cut it off the graph; return it instead, "
                      "or use ad.value_and_grad to get its number")

    def _process(self, prim, args, params):
        """Record ``prim(*args)``: arguments on this graph become refs, the rest constants."""
        graph = self.graph
        if len(args) == 1 and args[0] is self:  # unary: the argument is this tracer
            v = self.value
            if graph.abstract:
                value = None
            elif type(v) is float and not params and prim.scalar_impl is not None:
                try:  # evaluate()'s float case, without its checks: a unary op on a float
                    value = prim.scalar_impl(v)
                except _FALLBACK_ERRORS:
                    value = prim.evaluate((v,), params)
            else:
                value = prim(v, **params) if isinstance(v, Boxed) else prim.evaluate((v,), params)
            return _tracer(graph, graph.add_node(prim, (self.index,), (v,), params or NO_PARAMS,
                                                value), value)
        if len(args) == 2 and not params:
            recorded = _binary(prim, args[0], args[1], fallback=False)
            if recorded is not None:
                return recorded
        refs, vals = [], []
        for a in args:
            if type(a) is Tracer and a.graph is graph:
                refs.append(a.index)
                vals.append(a.value)
            else:
                safe = plain_argument(prim, a)
                if safe is not a:  # np.array([x, y]) stacked: it may hold boxes of any sweep
                    return prim(*(plain_argument(prim, b) for b in args), **params)
                refs.append(None)
                vals.append(a)
        value = None if graph.abstract else prim(*vals, **params)
        return _tracer(graph, graph.add_node(prim, tuple(refs), tuple(vals), params or NO_PARAMS,
                                            value), value)

    # The hot binary operators: each is its primitive's recorder itself (see _recorder)
    __add__, __radd__ = _operator_pair(P.add)
    __sub__, __rsub__ = _operator_pair(P.sub)
    __mul__, __rmul__ = _operator_pair(P.mul)
    __truediv__, __rtruediv__ = _operator_pair(P.div)
    __matmul__, __rmatmul__ = _operator_pair(P.matmul)


def as_input(x, who, argument=None):
    """Check and convert a value given as a differentiation input (ints become floats); errors
    name ``who`` and, when given, the argument's number (formatted only then: this runs per call).
    """
    t = type(x)
    if t is float or (t is np.ndarray and x.dtype.kind == "f"):
        return x
    if argument is not None:
        who = f"{who}: argument {argument}"
    if isinstance(x, bool):
        raise ADError(f"{who}: got a bool ({x}); differentiate with respect to numbers")
    if isinstance(x, numbers.Integral):
        return float(x)
    refuse_complex(who, x)
    if isinstance(x, np.ndarray) and x.dtype.kind in "biu":
        return x.astype(float)
    if isinstance(x, np.ndarray) and x.dtype.kind == "O":  # np.array([x1, x2]) of boxes
        return stack_boxes(who, x)
    if isinstance(x, (list, tuple)):
        try:
            return np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            raise ADError(f"{who}: could not read {x!r:.60} as an array of numbers") from None
    if isinstance(x, (numbers.Number, np.ndarray, np.generic, ArrayBox)):
        return x
    raise ADError(f"{who}: unsupported input type {type(x).__name__}; expected a float, a numpy "
                  f"array, a Dual or a traced value")


def output_value(o, who):
    """A function's output made safe: an object array of boxes stacked, complex refused."""
    if type(o) is Tracer or type(o) is float:  # the common cases, quickly
        return o
    if type(o) is np.ndarray and o.dtype.kind == "O":
        return stack_boxes(who, o)
    refuse_complex(who, o)
    return o


def zeros_like(x):
    """Zeros of ``x``'s shape, plain also for a boxed ``x``: the derivative of an input that does
    not reach the output is a constant (recorded as ``x · 0`` it was -0.0 at a negative x)."""
    while isinstance(x, ArrayBox):
        x = x._value()
    if x is None or isinstance(x, numbers.Number):
        return 0.0
    return np.zeros(np.shape(x))


def argnums_of(argnums, nargs, who):
    """``(single, positions)`` for an ``argnums`` int or tuple, checked against ``nargs``."""
    single = type(argnums) is int or isinstance(argnums, numbers.Integral)
    nums = (argnums,) if single else tuple(argnums)
    if single and 0 <= argnums < nargs:  # the common case, quickly
        return True, nums
    if len(set(nums)) != len(nums):
        raise ADError(f"{who}: argnums {nums} names an argument twice")
    for n in nums:
        if not -nargs <= n < nargs:
            raise ADError(f"{who}: argnums {n} is out of range for {nargs} argument(s)")
    return single, tuple(n % nargs for n in nums)


def as_scalar(jacobian):
    """A Jacobian of a scalar function of a scalar is a number, not a 0-d array."""
    if type(jacobian) is np.ndarray and jacobian.ndim == 0:
        return float(jacobian)
    return jacobian


def point_values(names, at, who):
    """``at`` (a dict name -> value, or values in input order) as a list in input order."""
    if at is None:
        raise ADError(f"{who}: give the point, e.g. at={{{', '.join(f'{n!r}: 1.0' for n in names)}}}")
    if isinstance(at, dict):
        unknown = [k for k in at if k not in names]
        if unknown:
            raise ADError(f"{who}: unknown input(s) {', '.join(map(repr, unknown))} in `at`; the "
                          f"inputs are {', '.join(names) or '(none)'}")
        missing = [n for n in names if n not in at]
        if missing:
            raise ADError(f"{who}: no value for {', '.join(missing)} in `at` (missing input)")
        values = [at[n] for n in names]
    else:
        values = list(at) if isinstance(at, (list, tuple)) else [at]
        if len(values) != len(names):
            raise ADError(f"{who}: `at` has {len(values)} value(s) but the inputs are "
                          f"{', '.join(names) or '(none)'}")
    return [as_input(v, who) for v in values]


def start(graph, names, values):
    """Add inputs to ``graph``; returns their tracers."""
    return [_tracer(graph, graph.add_input(name, value), value) for name, value in zip(names, values)]


def finish(graph, out, who):
    """Mark the outputs of a traced function (a value, or a tuple of values)."""
    outs = out if isinstance(out, (tuple, list)) else (out,)
    for o in outs:
        o = output_value(o, who)
        if type(o) is Tracer and o.graph is graph:
            graph.outputs.append(o.index)
        elif isinstance(o, (numbers.Number, np.ndarray, np.generic, ArrayBox)):
            graph.add_constant_output(o)
        else:
            raise ADError(f"{who}: the function returned {type(o).__name__}, not a number or array")
    return graph


def trace(f, *example_args, names=None):
    """Run ``f`` on the example arguments and record every primitive into a Graph.

    Args:
        f: a Python function of numbers or arrays, written with adkit's functions and operators.
        example_args: the point to trace at (array shapes are fixed by them).
        names: input names (default: ``f``'s parameter names, else x1, x2, ...).

    The graph is the trace at that point: a Python ``if`` on a traced value, a sort order, a
    mask or an ``argmax`` is fixed as it went there. The graph records those decisions as
    guards, and calling it at a point that decides one differently raises ADError (the graph
    is another function there). :func:`adkit.compile` traces again instead; use it to run
    ``f`` at many points.

    >>> import adkit as ad
    >>> print(ad.trace(lambda x, y, z: (x + y) * z, -2.0, 5.0, -4.0))
    w1 = x
    w2 = y
    w3 = z
    w4 = w1 + w2
    w5 = w4 · w3
    f = w5
    """
    if not callable(f):
        raise ADError(f"trace: expected a function, got {type(f).__name__}")
    values = [as_input(x, "trace") for x in example_args]
    graph = Graph()
    graph.guards = []  # the decisions f takes, checked when the graph is called again
    names = list(names) if names is not None else input_names(f, len(values))
    tracers = start(graph, names, values)
    return finish(graph, f(*tracers), "trace")
