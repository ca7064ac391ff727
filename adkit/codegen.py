"""Source transformation: a recorded trace written out as straight-line Python/numpy.

The lectures' third way to get derivatives (after operator overloading and symbolic
differentiation), as Tapenade does it: the program's derivative is itself a program.

* :func:`compile` (``ad.compile``) traces a function once per signature (shapes, dtypes, which
  arguments are floats or arrays, and the outcome of every traced comparison that decided a
  branch), writes the trace out as one Python statement per node and runs that instead. A
  gradient, a Jacobian or a Hessian is traced like any other function: its backward sweep
  records onto the trace, so the generated code is the adjoint program.
* :func:`tangent_program` and :func:`adjoint_program` write the forward and reverse
  accumulation tables as programs, one statement per table row, with the tables' names
  (``w3_dot = w2 * w1_dot + w1 * w2_dot``, ``w1_bar = w3_bar * w2 + w4_bar * cos(w1)``).
  The formulas come from running each primitive's rule on named values
  (:mod:`adkit.tables.formulas`), never from a second table of derivatives.

Only code generated here from a trace is ever executed; constants (arrays, parameters that are
not plain numbers) are handed to it in a namespace, not printed.

>>> import adkit as ad
>>> cf = ad.compile(lambda x1, x2: x1 * x2 + ad.sin(x1))
>>> cf(2.0, 5.0)
10.909297426825681
>>> print(cf.source)
def compiled(x1, x2):
    w1 = x1
    w2 = x2
    w3 = w1 * w2  # mul
    w4 = sin(w1)  # sin
    w5 = w3 + w4  # add
    return w5
"""
import bisect
import builtins
import itertools
import keyword
import linecache
import math
import numbers
import operator

import numpy as np

from adkit import primitives as P
from adkit.core import LEAN_MIN_SIZE, ADError, Boxed, NumpyErrors, ZERO, paused_gc
from adkit.graph import CONST, INPUT, Graph, input_names, same_value
from adkit.tracing import Tracer, start

__all__ = ["compile", "Compiled", "Program", "tangent_program", "adjoint_program"]

def _impl(name, field="impl"):
    """A registered primitive's implementation (None if the table has no such primitive)."""
    return getattr(P.PRIMITIVES.get(name), field, None)


# How a statement is written in Python: numpy's ufuncs and Python's operators as infix syntax.
# (Syntax only: derivative rules are never restated here.) Precedences are Python's own.
_BINARY = {}
for _ops, _text, _prec in (((np.add, operator.add), "+", 12), ((np.subtract, operator.sub), "-", 12),
                           ((np.multiply, operator.mul), "*", 13),
                           ((np.true_divide, _impl("div", "scalar_impl")), "/", 13),
                           ((np.matmul,), "@", 13),
                           ((np.less, operator.lt), "<", 7), ((np.less_equal, operator.le), "<=", 7),
                           ((np.greater, operator.gt), ">", 7),
                           ((np.greater_equal, operator.ge), ">=", 7),
                           ((np.equal, operator.eq), "==", 7), ((np.not_equal, operator.ne), "!=", 7)):
    for _op in _ops:
        if _op is not None:
            _BINARY[_op] = (_text, _prec)
_UNARY = {np.negative: "-", operator.neg: "-"}
_UNARY_PREC, _ATOM = 14, 100
# numpy methods the table's implementations call (a method skips a Python layer); only for an
# argument that is an array at the traced point (``array=True``)
_METHODS = {impl: method for impl, method in (
    (_impl("transpose"), ("transpose", "axes")),
    (_impl("reshape"), ("reshape", "shape"))) if impl is not None}
_IN_PLACE = {np.add: "+=", np.subtract: "-=", np.multiply: "*=", np.true_divide: "/="}
_COMMUTATIVE = {np.add, np.multiply}
_SCALAR_ERRORS = (ArithmeticError, ValueError)  # math raises where numpy gives inf/nan
# A program multiplies without the zero rule (0 · ∞ = 0, see primitives.zero_wins), as the fast
# sweep's first pass does: an invalid operation on arrays raises here, a nan in a float result is
# looked for, and either way the call goes to eager adkit, which applies the rule.
EAGER = object()  # a call the program leaves to eager adkit
_WATCH = NumpyErrors(divide="ignore", over="ignore", under="ignore", invalid="raise")
_PLAIN = frozenset((float, int, bool))
# Large traces write a float used once straight into the expression that uses it (fewer
# statements: Python compiles and runs them faster); small ones keep one statement per node.
INLINE_ABOVE = 1000
MAX_INLINE_DEPTH = 24
MAX_INLINE_CHARS = 300  # a neuron of a 16-wide layer is one line (fewer statements compile faster)
MAX_SPECIALISATIONS = 32  # per compiled function; past it the oldest signature is dropped


class _Retrace:
    """Returned by generated code when a guard fails: this specialisation does not apply."""

    __slots__ = ()

    def __repr__(self):
        return "RETRACE"


RETRACE = _Retrace()


# -- the emitter: one primitive application as Python text ------------------------------------

def _literal(v):
    """Python source of a plain constant (a finite number, a bool, None, a string, a tuple of
    those), or None when it must go in the namespace instead."""
    t = type(v)
    if t is bool or v is None:
        return repr(v)
    if t is int:
        return repr(v)
    if t is float and math.isfinite(v):
        return repr(v)
    if t is str:
        return repr(v)
    if t is tuple:
        parts = [_literal(x) for x in v]
        if any(p is None for p in parts):
            return None
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    return None


class Namespace:
    """The names generated code refers to: functions and constants, never printed values."""

    def __init__(self, reserved=()):
        self.values = {"RETRACE": RETRACE, "same": same_value}
        self._taken = set(reserved) | set(self.values)
        self._by_id = {}

    def function(self, base, fn):
        """A name for ``fn`` (the primitive's name when free)."""
        base = base if base.isidentifier() and not keyword.iskeyword(base) else "p_" + "".join(
            ch if ch.isalnum() else "_" for ch in base)
        for k in itertools.count(1):
            name = base if k == 1 else f"{base}_{k}"
            if self.values.get(name) is fn:
                return name
            if name not in self._taken:
                self._taken.add(name)
                self.values[name] = fn
                return name

    def constant(self, value):
        """Text for a constant: a literal for plain numbers, else a name in the namespace."""
        text = _literal(value)
        if text is not None:
            return text
        key = id(value)
        if key not in self._by_id:
            name = f"c{len(self._by_id) + 1}"
            while name in self._taken:
                name += "_"
            self._taken.add(name)
            self.values[name] = value
            self._by_id[key] = (name, value)  # keeps value alive: its id stays unique
        return self._by_id[key][0]


def _wrap(arg, prec, right=False):
    text, p = arg
    return f"({text})" if p < prec or (right and p == prec) else text


def apply_text(prim, args, params, fn, ns, array=False):
    """Python text of ``prim(*args, **params)`` computed by ``fn``: infix when ``fn`` is an
    operator, else a call. ``args`` are ``(text, precedence)`` pairs; returns one too.
    ``fn`` may be the primitive itself (readable programs): its numpy implementation says
    whether it is an operator."""
    syntax = prim.impl if fn is prim else fn
    if not params and len(args) == 2 and syntax in _BINARY:
        op, prec = _BINARY[syntax]
        return f"{_wrap(args[0], prec)} {op} {_wrap(args[1], prec, right=True)}", prec
    if not params and len(args) == 1 and syntax in _UNARY:
        return f"-{_wrap(args[0], _UNARY_PREC + 1)}", _UNARY_PREC
    if fn in _METHODS and array and len(args) == 1 and len(params) == 1:
        method, param = _METHODS[fn]
        value = params.get(param)
        if method == "transpose" and value == (1, 0):
            return f"{args[0][0]}.T", _ATOM
        if param in params:
            return f"{args[0][0]}.{method}({ns.constant(value)})", _ATOM
    name = ns.function(prim.name, fn)
    parts = [text for text, _ in args]
    parts += [f"{k}={ns.constant(v)}" for k, v in params.items()]
    return f"{name}({', '.join(parts)})", _ATOM


def _constant_arg(c, ns):
    text = ns.constant(c)
    negative = type(c) in (int, float) and (c < 0 or (c == 0 and math.copysign(1, c) < 0))
    return text, (_UNARY_PREC if negative else _ATOM)


# -- from a trace to a program ------------------------------------------------------------------

def _live_nodes(graph, roots):
    """Dead-code elimination: the nodes the roots (outputs, guards) depend on."""
    live = [False] * len(graph.prims)
    for r in roots:
        live[r] = True
    refs = graph.refs
    for i in range(len(graph.prims) - 1, -1, -1):
        if live[i]:
            for r in refs[i]:
                if r is not None:
                    live[r] = True
    return live


def _constant_key(c):
    t = type(c)
    if t is float:
        return t, c, math.copysign(1.0, c)  # 0.0 and -0.0 differ
    if t is int or t is bool:
        return t, c
    return "id", id(c)


def _params_key(params):
    try:
        key = tuple((k, type(v), v) for k, v in params.items())
        hash(key)
        return key
    except TypeError:  # arrays, slices: the same parameters only if the same object
        return "id", id(params)


def _common_subexpressions(graph, live):
    """One pass over the live nodes: ``canon[i]``, the first node computing the same primitive
    on the same arguments as node i; the nodes to write (``order``); each one's arguments as
    canonical nodes (None for a constant); how often and where each node is last read."""
    n = len(graph.prims)
    canon = list(range(n))
    args, uses, last_use, order = [None] * n, [0] * n, [-1] * n, []
    seen, ones = {}, {}
    setdefault = seen.setdefault
    values = graph.values
    renamed = False  # canon is the identity until a first duplicate
    for i, alive, prim, refs, argvals, params in zip(range(n), live, graph.prims, graph.refs,
                                                      graph.argvals, graph.params):
        if not alive:
            continue
        if prim is INPUT or prim is CONST:
            if prim is CONST:
                j = setdefault((CONST, _constant_key(params["value"])), i)
                if j != i:
                    canon[i] = j
                    renamed = True
                    continue
            args[i] = ()
            order.append(i)
            continue
        if renamed:
            refs = tuple([None if r is None else canon[r] for r in refs])
        if None in refs:
            if prim.impl is np.multiply:
                same = _times_one(refs, argvals, values[i], values, ones)
                if same is not None:  # the seed 1 of a sweep: w̄ · 1 is w̄
                    canon[i] = same
                    renamed = True
                    continue
            key = (prim, refs, tuple([_constant_key(c) for r, c in zip(refs, argvals)
                                      if r is None]), _params_key(params) if params else ())
        else:
            key = (prim, refs, _params_key(params)) if params else (prim, refs)
        j = setdefault(key, i)
        if j != i:
            canon[i] = j
            renamed = True
            continue
        args[i] = refs
        order.append(i)
        for r in refs:
            if r is not None:
                uses[r] += 1
                last_use[r] = i
    return canon, order, args, uses, last_use


class _Unread(dict):
    """Last readers by node; a node nobody reads was last read at -1."""

    __slots__ = ()

    def __missing__(self, i):
        return -1


class _Replan(Exception):
    """A trace written as it comes needs the full plan after all (a common subexpression)."""


def _is_one(c, known):
    """Is the constant 1 (a seed broadcast by a sum's adjoint: an array of ones)? ``known``
    remembers arrays by id for one trace (which keeps them alive, so ids are not reused)."""
    t = type(c)
    if t is float or t is int:
        return c == 1
    if t is not np.ndarray or c.dtype.kind != "f":
        return False
    if c.ndim == 0:
        return bool(c == 1)
    if id(c) not in known:
        known[id(c)] = bool(np.all(c == 1))
    return known[id(c)]


def _times_one(refs, argvals, value, values, ones):
    """The argument node of ``x · 1`` when the product is x itself (same type, shape, dtype)."""
    if len(refs) != 2 or (refs[0] is None) == (refs[1] is None):
        return None
    k = 0 if refs[0] is not None else 1
    if not _is_one(argvals[1 - k], ones):
        return None
    x = values[refs[k]]
    if type(x) is not type(value):
        return None
    if type(x) is np.ndarray and (x.shape != value.shape or x.dtype != value.dtype):
        return None
    return refs[k]


def _fresh(graph, i):
    """Is node i's value an array buffer of its own (not a view, not one of its arguments)?"""
    v = graph.values[i]
    return (type(v) is np.ndarray and v.base is None and v.flags.owndata and v.flags.writeable
            and graph.prims[i] is not INPUT and graph.prims[i] is not CONST
            and all(v is not a for a in graph.argvals[i]))


def _bounds(a):
    """The byte range an array's elements occupy (views of a buffer fall inside it)."""
    low = high = a.__array_interface__["data"][0]
    for n, stride in zip(a.shape, a.strides):
        if n > 1:
            if stride < 0:
                low += stride * (n - 1)
            else:
                high += stride * (n - 1)
    return low, high + a.itemsize


class _Plan:
    """What the emitter needs to know about the trace: live nodes, uses, buffers."""

    def __init__(self, graph, out_nodes, guards, optimistic=False):
        """``optimistic``: a trace of numbers may be planned as it comes (see _as_it_comes)."""
        self.graph = graph
        roots = list(out_nodes) + [g for g, _, _ in guards]
        # every value a Python number (long scalar traces): no buffers
        self.numbers_only = _PLAIN.issuperset(map(type, graph.values))
        self.optimistic = optimistic and self.numbers_only and self._as_it_comes(roots)
        if not self.optimistic:
            live = _live_nodes(graph, roots)
            self.canon, self.order, self.args, self.uses, self.last_use = \
                _common_subexpressions(graph, live)
        canon, last_use = self.canon, self.last_use
        never = len(graph.prims) + 1
        self.outputs = {canon[o] for o in out_nodes}
        self.guards = {}
        for g, expected, _ in guards:  # the value itself, not the decision read from it
            g = canon[g]
            self.guards.setdefault(g, []).append(expected)
            self.last_use[g] = max(self.last_use[g], g)
        for o in out_nodes:
            self.last_use[canon[o]] = never
        for o in itertools.chain(self.outputs, self.guards):
            self.uses[o] += 2  # read by the caller or a guard: never written into a reader
        # buffers: a view keeps the array it views alive (no in-place update while it lives)
        values = graph.values
        arrays = [] if self.numbers_only else [i for i in self.order
                                               if type(values[i]) is np.ndarray]
        fresh = [i for i in arrays if _fresh(graph, i)]
        self.buffer = {i: i for i in fresh}
        self.buffer_end = {i: max(last_use[i], i) for i in fresh}
        spans = sorted((_bounds(graph.values[i]), i) for i in fresh)
        starts = [span[0] for span, _ in spans]
        for i in (arrays if spans else ()):
            v = values[i]
            if i not in self.buffer and v.size:
                low, high = _bounds(v)
                k = bisect.bisect_right(starts, high - 1) - 1
                while k >= 0 and spans[k][0][1] > low:  # every fresh buffer this view overlaps
                    b = spans[k][1]
                    self.buffer_end[b] = max(self.buffer_end[b], last_use[i], i)
                    k -= 1

    def _as_it_comes(self, roots):
        """A long trace of numbers is written as it comes when no two nodes compute the same
        thing and every node is live (both checked at C speed; ``x · 1`` is caught by the
        emitter): then the plan is the trace itself."""
        graph = self.graph
        if not _all_distinct(graph):
            return False
        uses = _read_counts(graph)
        # every node reaches a node nobody reads: if those are all roots, every node is live
        if len(uses) - uses.count(0) + len({r for r in roots if not uses[r]}) != len(uses):
            return False
        self.canon = self.order = range(len(uses))
        self.args, self.uses, self.last_use = graph.refs, uses, _Unread()
        return True


def _all_distinct(graph):
    """No two nodes compute the same thing, or so a quick check says (it may say no when they
    do not: then the full plan runs). Two nodes alike have the same primitive, arguments and
    values, so the same hash: the sorted hashes may repeat only for the inputs and constants,
    which all look alike here, and the constants must differ."""
    prims = graph.prims
    n, inputs, consts = len(prims), len(graph.input_refs), prims.count(CONST)
    alike = inputs - (inputs > 0) + consts - (consts > 0)
    try:  # hashes, sorted (a set of 10⁵ tuples costs three times as much)
        hashes = np.fromiter(map(hash, zip(prims, graph.refs, graph.argvals)), np.int64, n)
    except TypeError:  # an array among the constants
        return False
    hashes.sort()
    if np.count_nonzero(hashes[1:] == hashes[:-1]) != alike:
        return False
    if consts > 1:
        where = itertools.compress(range(n), map(operator.is_, prims, itertools.repeat(CONST)))
        return len({_constant_key(graph.params[i]["value"]) for i in where}) == consts
    return True


def _read_counts(graph):
    """How often each node is read, counted by numpy (a constant argument, None, is a nan)."""
    read = np.array(list(itertools.chain.from_iterable(graph.refs)), dtype=float)
    return np.bincount(read[read == read].astype(np.intp), minlength=len(graph.prims)).tolist()


def _in_place_target(plan, i, fn):
    """An argument of node i whose buffer dies here and can take the result (or None)."""
    graph = plan.graph
    if not isinstance(fn, np.ufunc) or graph.params[i]:
        return None
    value = graph.values[i]
    if type(value) is not np.ndarray:
        return None
    for k, r in enumerate(plan.args[i]):
        if r is None or plan.buffer.get(r) is None:
            continue
        if plan.buffer_end.get(plan.buffer[r]) != i:
            continue
        v = graph.values[r]
        if v.shape == value.shape and v.dtype == value.dtype:
            return k
    return None


def _safe_names(names, count):
    """Parameter names for the generated function: identifiers, unique, not w1 or c1."""
    out = []
    for k, name in enumerate(names):
        if (not name.isidentifier() or keyword.iskeyword(name) or name in out
                or (name[:1] in ("w", "c") and name[1:].isdigit()) or name in ("RETRACE", "same")):
            name = f"x{k + 1}"
            while name in out or name in names[k + 1:]:
                name += "_"
        out.append(name)
    return out


def emit(graph, params_names, out_tree, guards, name="compiled"):
    """Python source (and its namespace) computing ``out_tree`` from the graph's inputs.

    One statement per live node, in recording order, commented with its primitive; common
    subexpressions computed once; an array argument that dies at a node of the same shape
    takes the result in place (``w7 += w6``); ``del`` frees large arrays after their last use;
    each guard returns RETRACE when the call decides a branch differently from the trace. In
    large traces a float used once is written into the expression that uses it, and a trace of
    numbers whose nodes are all live and all different (a quick check) is written in one pass,
    without the liveness and common-subexpression passes.
    """
    out_nodes = [leaf for kind, leaf in _leaves(out_tree) if kind == "node"]
    try:  # a long trace may be written as it comes (a short one is planned in no time)
        return _program(graph, params_names, out_tree, name,
                        _Plan(graph, out_nodes, guards, optimistic=len(graph) > INLINE_ABOVE))
    except _Replan:
        return _program(graph, params_names, out_tree, name, _Plan(graph, out_nodes, guards))


def _program(graph, params_names, out_tree, name, plan):
    """The source, namespace and scalar flag of :func:`emit` for a plan."""
    ns = Namespace(reserved=params_names)
    prims, argvals_l, values = graph.prims, graph.argvals, graph.values
    uses, guarded = plan.uses, plan.guards
    var = [None] * len(prims)    # node -> its variable (or a constant's text)
    texts = [None] * len(prims)  # node -> (text, precedence, depth) where it is read: its
    #                              variable, or (large traces) a float used once, written inline
    lines = [f"def {name}({', '.join(params_names)}):"]
    inputs = dict(zip(graph.input_refs, params_names))
    max_depth = MAX_INLINE_DEPTH if len(plan.order) > INLINE_ABOVE else 0  # 0: no inlining
    max_chars = MAX_INLINE_CHARS
    operators = {prim: _BINARY.get(prim.scalar_impl if prim.scalar_impl is not None else prim)
                 for prim in set(prims)}  # the operator of each float implementation, or None
    # every value a Python number: a node is on numbers unless a constant argument is not
    numbers_only = plan.numbers_only
    optimistic, ones = plan.optimistic, {}  # every node on plain numbers, written as it comes
    scalar = False
    for i, prim, refs, params, infix in _nodes(graph, plan, operators):
        if infix is not None and None not in refs and not params and len(refs) == 2:
            scalar = True  # as eager: math on Python numbers (an error: run eagerly)
            a, pa, depth = texts[refs[0]]
            b, pb, db = texts[refs[1]]
            op, prec = infix
            text = f"{f'({a})' if pa < prec else a} {op} {f'({b})' if pb <= prec else b}"
            if db > depth:
                depth = db
        elif prim is INPUT or prim is CONST:
            if prim is INPUT:
                lines.append(f"    w{i + 1} = {inputs[i]}")
            var[i] = ns.constant(params["value"]) if prim is CONST else f"w{i + 1}"
            texts[i] = (var[i], _ATOM, 0)
            if i in guarded:
                lines.extend("    " + _guard_text(var[i], e, ns) for e in guarded[i])
            continue
        elif numbers_only and None not in refs or type(values[i]) in _PLAIN \
                and _PLAIN.issuperset(map(type, argvals_l[i])):
            scalar = True
            if optimistic and None in refs and prim.impl is np.multiply and \
                    _times_one(refs, argvals_l[i], values[i], values, ones) is not None:
                raise _Replan  # w̄ · 1 is w̄: renamed by the full pass
            args, depth = _arguments(refs, argvals_l[i], texts, ns)
            fn = prim.scalar_impl if prim.scalar_impl is not None else prim
            text, prec = apply_text(prim, args, params, fn, ns)
        elif optimistic:
            raise _Replan  # a constant argument that is not a Python number
        else:
            _array_statement(graph, plan, i, prim, texts, var, lines, ns)
            continue
        if depth < max_depth and uses[i] == 1 and len(text) <= max_chars:
            texts[i] = (text, prec, depth + 1)
            continue
        var[i] = w = f"w{i + 1}"
        texts[i] = (w, _ATOM, 0)
        lines.append(f"    {w} = {text}  # {prim.name}")
        if i in guarded:
            lines.extend("    " + _guard_text(w, e, ns) for e in guarded[i])
    lines.append(f"    return {_tree_text(out_tree, var, plan.canon, ns, graph, set())}")
    return "\n".join(lines) + "\n", ns.values, scalar


def _nodes(graph, plan, operators):
    """The nodes to write, in order: index, primitive, arguments, parameters and the operator
    when it is a binary one on two nodes' numbers (the common case, written first, fast)."""
    prims, args, params, order = graph.prims, plan.args, graph.params, plan.order
    fast = {prim: operators[prim] if plan.numbers_only else None for prim in operators}
    if plan.optimistic:  # every node, in order
        return zip(order, prims, args, params, map(fast.__getitem__, prims))
    prims = list(map(prims.__getitem__, order))
    return zip(order, prims, map(args.__getitem__, order), map(params.__getitem__, order),
               map(fast.__getitem__, prims))


def _array_statement(graph, plan, i, prim, texts, var, lines, ns):
    """The statement of a node on arrays: numpy, in place into a dying buffer when it can, its
    guards, then ``del`` of the large arrays it was the last to read."""
    fn = prim.impl
    args, _ = _arguments(plan.args[i], graph.argvals[i], texts, ns)
    target = _in_place_target(plan, i, fn)
    if target is None:
        argvals = graph.argvals[i]
        text, _ = apply_text(prim, args, graph.params[i], fn, ns,
                             array=type(argvals[0]) is np.ndarray if argvals else False)
        var[i] = f"w{i + 1}"
        lines.append(f"    w{i + 1} = {text}  # {prim.name}")
    else:
        lines.append("    " + _in_place_text(prim, fn, args, target, ns, i))
        r = plan.args[i][target]
        var[i] = var[r]  # node i now lives in r's buffer, under r's name
        b = plan.buffer[i] = plan.buffer[r]
        plan.buffer_end[b] = plan.buffer_end.get(i, max(plan.last_use[i], i))
    texts[i] = (var[i], _ATOM, 0)
    lines.extend("    " + _guard_text(var[i], e, ns) for e in plan.guards.get(i, ()))
    lines.extend(_dels(graph, plan, var, i, target))


def _arguments(refs, argvals, texts, ns):
    """A node's arguments as ``(text, precedence)``, and the deepest inlined one's depth."""
    args, depth = [], 0
    for r, c in zip(refs, argvals):
        if r is None:
            args.append(_constant_arg(c, ns))
        else:
            text, prec, d = texts[r]
            args.append((text, prec))
            if d > depth:
                depth = d
    return args, depth


def _in_place_text(prim, fn, args, target, ns, i):
    into = args[target][0]
    if fn in _IN_PLACE and len(args) == 2 and (target == 0 or fn in _COMMUTATIVE):
        other = args[1 - target][0]
        return f"{into} {_IN_PLACE[fn]} {other}  # w{i + 1} = {prim.name}, in place"
    name = ns.function(prim.name, fn)
    return f"{name}({', '.join(t for t, _ in args)}, out={into})  # w{i + 1}, in place"


def _guard_text(name, expected, ns):
    if type(expected) is bool:
        return f"if {'not ' if expected else ''}{name}: return RETRACE  # guard: traced {expected}"
    return f"if not same({name}, {ns.constant(expected)}): return RETRACE  # guard: traced value"


def _dels(graph, plan, var, i, target):
    """``del`` the large arrays whose last use is node i (not inputs, not outputs)."""
    freed = []
    for k, r in enumerate(plan.args[i]):
        if (r is None or plan.last_use[r] != i or k == target or var[r] in freed
                or graph.prims[r] is INPUT or type(graph.values[r]) is not np.ndarray
                or graph.values[r].size < LEAN_MIN_SIZE  # small: cheaper to keep than to drop
                or (target is not None and var[r] == var[i])):
            continue
        freed.append(var[r])
    return [f"    del {', '.join(freed)}"] if freed else []


def _leaves(tree):
    if tree[0] in ("tuple", "list"):
        for sub in tree[1]:
            yield from _leaves(sub)
    elif tree[0] == "dict":
        for _, sub in tree[1]:
            yield from _leaves(sub)
    else:
        yield tree


def _tree_text(tree, var, canon, ns, graph, returned):
    """The return value's text, each array in it the caller's own (as eager adkit's results).

    An array the call did not make itself (an input, a constant, ``x · 1`` written as x), a
    view, or one already returned is copied, and so is an array constant; ``returned``: the
    arrays returned so far."""
    kind = tree[0]
    if kind == "dict":
        return "{" + ", ".join(f"{ns.constant(k)}: {_tree_text(t, var, canon, ns, graph, returned)}"
                               for k, t in tree[1]) + "}"
    if kind in ("tuple", "list"):
        parts = [_tree_text(t, var, canon, ns, graph, returned) for t in tree[1]]
        if kind == "list":
            return "[" + ", ".join(parts) + "]"
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    if kind == "node":
        i = canon[tree[1]]
        text = var[i]
        copy = type(graph.values[i]) is np.ndarray and (
            text != f"w{i + 1}" or not _fresh(graph, i) or text in returned)
        returned.add(text)
        return text + (".copy()" if copy else "")
    constant = ns.constant(tree[1])  # (an array constant: kept by the program, so copied)
    return constant + (".copy()" if type(tree[1]) is np.ndarray else "")


# -- ad.compile ------------------------------------------------------------------------------------

def _flatten(out, graph):
    """The output as a tree: ("node", index) for traced values, ("const", value) for constants,
    ("tuple" | "list", subtrees) and ("dict", [(key, subtree), ...]) for containers."""
    if isinstance(out, (tuple, list)):
        return ("tuple" if isinstance(out, tuple) else "list",
                [_flatten(o, graph) for o in out])
    if type(out) is dict:
        return "dict", [(k, _flatten(v, graph)) for k, v in out.items()]
    if type(out) is Tracer and out.graph is graph:
        return "node", out.index
    if isinstance(out, Boxed):
        raise ADError("compile: the function returned a value of another sweep (a Dual or a traced "
                      "value it did not get as an argument); return plain results")
    if out is None or isinstance(out, (numbers.Number, str, np.generic)) or (
            type(out) is np.ndarray and out.dtype != object):
        return "const", out
    raise ADError(f"compile: the function returned {type(out).__name__}; return numbers, arrays, "
                  f"or tuples, lists and dicts of them")


_FLOAT64 = np.dtype(np.float64)
_NDARRAY = np.ndarray


def _signature(args, kwargs):
    """The cache key of a call and the positions of the traced arguments, or None (run eagerly).

    Floats and float arrays are traced (their shapes and dtypes are in the key); ints, bools,
    strings, integer arrays (labels, indices) and other hashable values are constants of the
    specialisation (their values are in the key).
    """
    key, traced = [], []
    for k, a in enumerate(args):
        t = type(a)
        if t is float or isinstance(a, np.floating):
            key.append(t)
            traced.append(k)
        elif t is np.ndarray:
            kind = a.dtype.kind
            if kind == "f":
                key.append(a.shape if a.dtype is _FLOAT64 else (a.shape, a.dtype.str))
                traced.append(k)
            elif kind in "biu":
                key.append((a.shape, a.dtype.str, a.tobytes()))
            else:
                return None, None
        elif isinstance(a, Boxed):
            return None, None  # compiled code called inside another sweep: run f itself
        else:
            key.append(_value_key(a))
    if kwargs:
        if any(isinstance(v, (Boxed, np.ndarray)) for v in kwargs.values()):
            return None, None
        key.append(tuple(sorted((k, _value_key(v)) for k, v in kwargs.items())))
    key = tuple(key)
    try:
        hash(key)
    except TypeError:  # an unhashable constant: f runs eagerly
        return None, None
    return key, traced


def _value_key(v):
    """A constant argument's part of a signature: its type and value, in tuples too, with 0.0
    and -0.0 apart (``==`` alone takes 1 for True, -0.0 for 0.0 and (1,) for (1.0,))."""
    t = type(v)
    if t is tuple:
        return t, tuple(map(_value_key, v))
    if t is float:
        return t, v, math.copysign(1.0, v)
    return t, v


class Specialisation:
    """One generated program: its source, its function, and what it was traced for."""

    def __init__(self, source, fn, scalar, n_nodes, n_statements):
        self.source = source
        self.fn = fn
        self.scalar = scalar            # uses math on floats: an exception means "run eagerly"
        self.n_nodes = n_nodes          # nodes in the trace
        self.n_statements = n_statements  # statements after dead code and common subexpressions


class Compiled:
    """A function compiled by :func:`compile`; call it like the function itself.

    Attributes:
        source: the generated Python of the last specialisation (None before the first call).
        traces: how many times the function was traced (a new signature or a failed guard).
        last: the last :class:`Specialisation` run (``.source``, ``.n_nodes``, ``.n_statements``).
    """

    def __init__(self, f):
        if not callable(f):
            raise ADError(f"compile: expected a function, got {type(f).__name__}")
        self.f = f
        self.__name__ = getattr(f, "__name__", "f")
        self.__doc__ = getattr(f, "__doc__", None)
        self.__wrapped__ = f
        self._cache = {}
        self._last = (None, None)  # the last signature called and its programs, one tuple:
        # read and written in one step, so another thread never pairs a key with other programs
        self.traces = 0
        self.last = None

    @property
    def source(self):
        return None if self.last is None else self.last.source

    def __repr__(self):
        return f"<compiled {self.__name__}: {len(self._cache)} signature(s), {self.traces} trace(s)>"

    def __call__(self, *args, **kwargs):
        key = None
        if not kwargs:  # every argument a float64 array or a float: the key _signature gives
            key = []
            for a in args:
                t = type(a)
                if t is _NDARRAY and a.dtype is _FLOAT64:
                    key.append(a.shape)
                elif t is float:
                    key.append(float)
                else:
                    key = None
                    break
        if key is None:
            key, traced = _signature(args, kwargs)
            if key is None:
                return self.f(*args, **kwargs)
            inputs = [args[k] for k in traced]
        else:
            key, traced, inputs = tuple(key), None, args  # every argument is traced
        # the last signature is compared, not hashed and looked up
        last = self._last
        if key == last[0]:
            specs = last[1]
        else:
            specs = self._cache.get(key)
            if specs is not None:
                self._last = (key, specs)
        if specs is not None:
            for spec in specs:
                watch = _WATCH.set()
                try:
                    out = spec.fn(*inputs)
                except FloatingPointError:  # a nan made (0 · ∞?): eager applies the zero rule
                    out = EAGER
                except _SCALAR_ERRORS:
                    if not spec.scalar:
                        raise
                    out = EAGER  # math raised where numpy gives inf/nan
                finally:
                    _WATCH.reset(watch)
                if out is EAGER or spec.scalar and out is not RETRACE and _float_nan(out):
                    return self.f(*args, **kwargs)
                if out is not RETRACE:
                    if self.last is not spec:
                        self.last = spec
                    return out
        if traced is None:
            traced = list(range(len(args)))
        spec, out = self._trace(args, kwargs, traced)
        specs = self._cache.setdefault(key, [])
        specs.insert(0, spec)
        del specs[MAX_SPECIALISATIONS:]
        if len(self._cache) > MAX_SPECIALISATIONS:
            oldest = next(iter(self._cache))
            del self._cache[oldest]
            if oldest == self._last[0]:
                self._last = (None, None)
        self.last = spec
        if _any_nan(out):  # the trace's own products skipped the zero rule too
            return self.f(*args, **kwargs)
        return out

    def _trace(self, args, kwargs, traced):
        """Run f on tracers, generate and compile its program; returns it and f's result."""
        with paused_gc():  # a long trace: the collector would pass over it again and again
            source, namespace, scalar, n_nodes, result = self._trace_and_emit(args, kwargs,
                                                                              traced)
            # the trace is freed by now: Python's compiler reuses its memory (a long program
            # needs as much again; fresh pages cost a fault each)
            fn = _load(source, namespace, self.__name__)
        return Specialisation(source, fn, scalar, n_nodes, source.count("\n") - 2), result

    def _trace_and_emit(self, args, kwargs, traced):
        """The program's source and namespace, whether it runs math on floats, the trace's
        length and f's own result."""
        from adkit.tracing import as_input
        self.traces += 1
        graph = Graph()
        graph.guards = []
        names = input_names(self.f, len(args))
        names = _safe_names([names[k] for k in traced], len(traced))
        values = [as_input(args[k], "compile") for k in traced]
        tracers = start(graph, names, values)
        call = list(args)
        for k, t in zip(traced, tracers):
            call[k] = t
        out = self.f(*call, **kwargs)
        tree = _flatten(out, graph)
        with np.errstate(all="ignore"):
            source, namespace, scalar = emit(graph, names, tree, graph.guards,
                                             name=_function_name(self.__name__))
        return source, namespace, scalar, len(graph.prims), _values(tree, graph)


def _float_nan(out):
    """A nan among the Python floats of a program doing float math (numpy's own operations,
    arrays and numpy scalars alike, are watched by its error state)."""
    t = type(out)
    if t is float:
        return out != out
    if t is tuple or t is list:
        for o in out:
            if (o != o) if type(o) is float else _float_nan(o):
                return True
    elif t is dict:
        return any(_float_nan(o) for o in out.values())
    return False


def _any_nan(out):
    """A nan anywhere in a result: floats and float arrays (once per trace, so not cheap)."""
    if type(out) is np.ndarray:
        return out.dtype.kind == "f" and bool(np.isnan(out).any())
    if isinstance(out, (tuple, list)):
        return any(_any_nan(o) for o in out)
    if isinstance(out, dict):
        return any(_any_nan(o) for o in out.values())
    return isinstance(out, (float, np.floating)) and out != out


def _function_name(name):
    """``compiled_loss``, ``compiled_grad_of_f`` (a lambda is f): a name for generated code."""
    name = name.replace("<lambda>", "f")
    name = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name).strip("_")
    if name == "f":
        return "compiled"
    return f"compiled_{name}" if name and name.isascii() and name.isidentifier() else "compiled"


_sources = itertools.count(1)


def _load(source, namespace, name):
    """Compile and run generated source (never user text); the source is registered with
    linecache so tracebacks through generated code show its lines."""
    filename = f"<adkit.compile {name} #{next(_sources)}>"
    code = builtins.compile(source, filename, "exec")
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = dict(namespace)
    exec(code, namespace)  # noqa: S102 - code generated above from the trace
    fn_name = source[4:source.index("(")]
    return namespace[fn_name]


def _values(tree, graph):
    """The traced call's own result, rebuilt from the tree (plain values, not tracers)."""
    kind = tree[0]
    if kind == "dict":
        return {k: _values(t, graph) for k, t in tree[1]}
    if kind in ("tuple", "list"):
        parts = [_values(t, graph) for t in tree[1]]
        return tuple(parts) if kind == "tuple" else parts
    if kind == "node":
        v = graph.values[tree[1]]
        return v.copy() if type(v) is np.ndarray and not v.flags.writeable else v
    return tree[1].copy() if type(tree[1]) is np.ndarray else tree[1]  # the program keeps it


def compile(f):
    """``f`` compiled to straight-line Python/numpy, like ``jax.jit``: same results, less
    Python bookkeeping per call.

    The first call with a new signature (which arguments are floats or arrays, their shapes and
    dtypes, the values of int/bool/str arguments) traces ``f`` and writes the trace out as one
    statement per primitive; later calls run that code. Python control flow is specialised:
    loops unroll, ``len`` and shapes are constants, and every traced comparison that decided a
    branch (``if x > 0``) becomes a guard, so a call that decides differently is traced again,
    never answered wrongly. Works on ``ad.grad(f)``, ``ad.value_and_grad(f)``, ``ad.jacfwd``,
    ``ad.jacrev``, ``ad.hessian`` and functions calling ``ad.jvp``: their sweeps are traced too.

    >>> import adkit as ad
    >>> df = ad.compile(ad.grad(lambda x: x * x if x > 0 else -x))
    >>> df(3.0), df(-3.0), df.traces
    (6.0, -1.0, 2)
    """
    return Compiled(f)


# -- the tables as programs (the teaching half) -------------------------------------------------

class _PyNames:
    """Table names as Python identifiers: w3, w3_dot, w3_bar (the tables' w3, ẇ3, w̄3)."""

    def text(self, i, kind=""):
        if kind == "seed":
            return "z_bar"
        return f"w{i + 1}" + {"": "", "dot": "_dot", "bar": "_bar"}[kind]

    latex = text


def _expression(formula, result, ns):
    """Python text of a formula (a tracer on the formula's scratch graph), fully inlined."""
    graph = formula.graph
    if not (type(result) is Tracer and result.graph is graph):
        return _constant_arg(result, ns)

    def text(i):
        prim = graph.prims[i]
        if prim is INPUT:
            return formula.labels[i][0], _ATOM
        args = [_constant_arg(c, ns) if r is None else text(r)
                for r, c in zip(graph.refs[i], graph.argvals[i])]
        return apply_text(prim, args, graph.params[i], prim, ns)
    return text(result.index)


class Program:
    """A tangent or adjoint program: its Python source and the function it defines.

    Attributes:
        source: the program text (``print(p.source)``).
        rows: the derivative statements, one per row of the matching table, in table order.
        fn: the function; ``p(*inputs)`` calls it.
        inputs, point: the input names and the point the program was written at.
    """

    def __init__(self, source, rows, namespace, name, inputs, point):
        self.source = source
        self.rows = rows
        self.fn = _load(source, namespace, name)
        self.inputs = tuple(inputs)   # the input names, in order
        self.point = list(point)      # the point it was written at (values in input order)

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def __str__(self):
        return self.source


def _value_lines(graph, ns, skip=()):
    """The forward sweep: ``w3 = w1 * w2  # mul`` (inputs: ``w1 = x1``), one per node."""
    lines = {}
    for i, (prim, refs, argvals, params) in enumerate(graph.nodes):
        if prim is INPUT:
            lines[i] = f"w{i + 1} = {params['name']}"
        elif prim is CONST:
            lines[i] = f"w{i + 1} = {ns.constant(params['value'])}  # constant"
        else:
            args = [_constant_arg(c, ns) if r is None else (f"w{r + 1}", _ATOM)
                    for r, c in zip(refs, argvals)]
            lines[i] = f"w{i + 1} = {apply_text(prim, args, params, prim, ns)[0]}  # {prim.name}"
    return lines


def _rule_comment(prim):
    return f"{prim.name}: " + ("local partials" if prim.partials is not None else
                               "JVP rule" if prim.jvp is not None else "no derivative")


def _point(source, at, who):
    """``(graph at the point, input values)`` of a source, through the project's one source
    normalizer. Without ``at`` an expression is taken at 1.0 for every input (the program's
    structure does not depend on the point); a function needs ``at`` (its shapes)."""
    from adkit.parse import parse
    from adkit.sources import as_graph
    from adkit.tables.sources import single_output
    from adkit.tracing import point_values
    if at is None:
        if isinstance(source, str):
            at = {name: 1.0 for name in parse(source).inputs}
        elif isinstance(source, Graph):
            at = {name: 1.0 for name in source.inputs}
        else:
            raise ADError(f"{who}: give the point for a function, e.g. at={{'x': 1.0}} (it "
                          f"fixes the shapes)")
    point = as_graph(source, at, who)  # a copy with every node's value at the point
    single_output(point, who)
    return point, point_values(list(point.inputs), at, who)


def _check_names(graph, who):
    for name in graph.inputs:
        if not name.isidentifier() or keyword.iskeyword(name) or \
                (name[:1] == "w" and name[1:].isdigit()) or name.endswith(("_dot", "_bar")):
            raise ADError(f"{who}: input name {name!r} cannot be a Python parameter here; "
                          f"rename it (e.g. x1)")


def tangent_program(source, at=None):
    """The forward accumulation table as a program: each node's value, then its tangent.

    One ``*_dot`` statement per row of :func:`adkit.forward_table` (the same formulas: the
    primitive's partials or JVP run on the names). The function takes the inputs and their
    tangents (the seed, by default 1 for the first input) and returns the value and tangent.

    >>> p = tangent_program("x1*x2 + sin(x1)")
    >>> print("\\n".join(p.rows))
    w1_dot = x1_dot  # seed
    w2_dot = x2_dot  # seed
    w3_dot = w2 * w1_dot + w1 * w2_dot  # mul: local partials
    w4_dot = cos(w1) * w1_dot  # sin: local partials
    w5_dot = w3_dot + w4_dot  # add: local partials
    >>> p(2.0, 5.0)
    (10.909297426825681, 4.583853163452858)
    """
    from adkit.tables.formulas import Formula, tangent_formula
    point, values = _point(source, at, "tangent_program")
    _check_names(point, "tangent_program")
    ns = Namespace(reserved=list(point.inputs) + [f"{n}_dot" for n in point.inputs])
    values_text = _value_lines(point, ns)
    tangents = list(point.values)  # stand-ins of the right shapes: the formulas need no numbers
    lines, rows = [], []
    inputs = dict(zip(point.input_refs, point.inputs))
    with np.errstate(all="ignore"):
        for i in range(len(point)):
            lines.append(values_text[i])
            if i in inputs:
                row = f"w{i + 1}_dot = {inputs[i]}_dot  # seed"
            else:
                formula = Formula(_PyNames())
                result = tangent_formula(formula, point, i, tangents)
                text = "0.0" if result is None else _expression(formula, result, ns)[0]
                row = f"w{i + 1}_dot = {text}  # {_rule_comment(point.prims[i])}"
            rows.append(row)
            lines.append(row)
    out = point.outputs[0]
    params = [f"{n}" for n in point.inputs] + [
        f"{n}_dot={1.0 if k == 0 else 0.0}" for k, n in enumerate(point.inputs)]
    source_text = _function_text("tangent", params, lines, f"w{out + 1}, w{out + 1}_dot")
    return Program(source_text, rows, ns.values, "tangent", point.inputs, values)


def _function_text(name, params, lines, returned):
    body = "\n".join("    " + line for line in lines)
    return f"def {name}({', '.join(params)}):\n{body}\n    return {returned}\n"


def adjoint_program(source, at=None):
    """The reverse accumulation table as a program: the forward sweep, then one ``*_bar``
    statement per row of :func:`adkit.reverse_table`, from the output back to the inputs.

    The function takes the inputs (and the output's adjoint ``z_bar``, by default 1, or ones
    of the output's shape) and returns the value and the adjoints of the inputs.

    >>> p = adjoint_program("x1*x2 + sin(x1)")
    >>> print("\\n".join(p.rows))
    w5_bar = z_bar  # seed
    w4_bar = w5_bar  # add: local partials
    w3_bar = w5_bar  # add: local partials
    w2_bar = w3_bar * w1  # mul: local partials
    w1_bar = w3_bar * w2 + w4_bar * cos(w1)  # mul: local partials, sin: local partials
    >>> p(2.0, 5.0)
    (10.909297426825681, (4.583853163452858, 2.0))
    """
    from adkit.reverse import backward
    from adkit.tables.formulas import Formula, adjoint_terms
    point, values = _point(source, at, "adjoint_program")
    _check_names(point, "adjoint_program")
    ns = Namespace(reserved=list(point.inputs) + ["z_bar"])
    lines = list(_value_lines(point, ns).values())
    out = point.outputs[0]
    seed = 1.0 if np.ndim(point.values[out]) == 0 else np.ones(np.shape(point.values[out]))
    with np.errstate(all="ignore"):
        adjoints = list(backward(point, {out: seed}) if point.prims[out] is not CONST
                        else [ZERO] * len(point))
    inputs = set(point.input_refs)
    for i in inputs:
        if adjoints[i] is ZERO:
            adjoints[i] = np.zeros(np.shape(point.values[i])) if np.ndim(point.values[i]) else 0.0
    consumers = point.consumers()
    rows = []
    with np.errstate(all="ignore"):
        for r in range(len(point) - 1, -1, -1):
            if adjoints[r] is ZERO or point.prims[r] is CONST:
                continue
            readers = [j for j in consumers[r] if adjoints[j] is not ZERO
                       and point.prims[j].differentiable]
            formula = Formula(_PyNames())
            terms = []
            if r == out:
                terms.append(formula.var(-1, "seed", seed))
            for j in readers:
                terms.extend(adjoint_terms(formula, point, j, r, adjoints))
            result = formula.total(terms)
            rules = ", ".join(dict.fromkeys(_rule_comment(point.prims[j]) for j in readers))
            comment = "seed" if r == out and not readers else rules or "not used"
            zero = "0.0" if np.ndim(point.values[r]) == 0 else \
                f"{ns.function('zeros', np.zeros)}({np.shape(point.values[r])})"
            text = zero if result is None else _expression(formula, result, ns)[0]
            rows.append(f"w{r + 1}_bar = {text}  # {comment}")
    lines.extend(rows)
    grads = ", ".join(f"w{ref + 1}_bar" for ref in point.input_refs)
    grads = f"({grads},)" if len(point.input_refs) == 1 else f"({grads})"
    seed_text = "1.0" if np.ndim(seed) == 0 else ns.constant(seed)  # ones of the output's shape
    source_text = _function_text("adjoint", list(point.inputs) + [f"z_bar={seed_text}"], lines,
                                 f"w{out + 1}, {grads}")
    return Program(source_text, rows, ns.values, "adjoint", point.inputs, values)
