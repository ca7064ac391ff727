"""The IR: a Graph is a Wengert list, the evaluation trace itself.

Node ``i`` is ``prims[i](args)``: ``refs[i]`` are the indices of the nodes it reads (``None``
where the argument is a constant), ``argvals[i]`` the argument values at the traced point (the
constants live here), ``params[i]`` the primitive's parameters and ``values[i]`` its value. The
fields are kept as parallel lists (columns), not one object per node: a million-node trace is
a few lists, which the garbage collector scans in one go. Nodes are kept in the order they
were recorded, which is a topological order: every interpreter is a plain loop over them.
Names (w1, w2, … or v₋₁, v₀, v₁, …) are given only when printing.

>>> import adkit as ad
>>> g = ad.parse("u*v - exp(u)")
>>> print(g)
w1 = u
w2 = v
w3 = w1 · w2
w4 = exp w1
w5 = w3 - w4
z = w5
>>> g.refs[2], g.refs[4]
((0, 1), (2, 3))
>>> g(u=0.0, v=3.0)
-1.0
"""
import inspect

import numpy as np

from adkit.core import LEAN_MIN_SIZE, ADError, Notation, Primitive, lean, new_level

NO_PARAMS = {}  # shared and never mutated: nodes without parameters point here


def _no_rule(*args, **params):
    raise ADError("input and constant nodes have no implementation")


INPUT = Primitive("input", _no_rule, notation=Notation("input", "input"), nargs=0,
                  doc="An input of the graph; params: {'name': ...}.")
CONST = Primitive("const", _no_rule, notation=Notation("const", "const"), nargs=0,
                  differentiable=False, doc="A constant output; params: {'value': ...}.")


class Graph:
    """An evaluation trace: inputs, nodes in recording order, outputs.

    Build one with :func:`adkit.trace` (from a Python function) or :func:`adkit.parse` (from
    text). Call it like a function: on floats, arrays, Duals or traced values, so ``ad.grad(g)``
    works through it.
    """

    # The Python decisions taken while tracing, ``(node, value)`` pairs (a branch's bool, or
    # the value a sort order or index was read from), which a replay checks; None: not recorded
    # (a parsed graph, a gradient's own tape). ad.trace and ad.compile set a list.
    guards = None

    def __init__(self, *, abstract=False, lean=False):
        self.prims = []          # the primitive of each node, in recording order
        self.refs = []           # the nodes each node reads (None for a constant argument)
        self.argvals = []        # the argument values at the traced point
        self.params = []         # the primitive's parameters (NO_PARAMS when it has none)
        self.values = []         # each node's value at the traced point (None when abstract)
        self.input_refs = []     # node index of each input, in input order
        self._input_names = {}
        self.outputs = []        # node index of each output
        self.level = new_level()
        self.abstract = abstract  # built from text or symbols: no values, only structure
        self.lean = lean  # a gradient sweep's own tape: keeps only what the rules read

    # -- building ---------------------------------------------------------------------------
    def add_input(self, name, value=None):
        """Append an input node and return its index."""
        if name in self._input_names:
            raise ADError(f"Graph.add_input: an input named {name!r} already exists")
        index = self.add_node(INPUT, (), (), {"name": name}, value)
        self._input_names[name] = index
        self.input_refs.append(index)
        return index

    def add_node(self, prim, refs, argvals, params=NO_PARAMS, value=None):
        """Append ``prim(args)`` and return its index; ``refs`` and ``argvals`` are tuples, one
        entry per argument (``refs[k] is None`` marks a constant).

        The one place a node is appended (tracing, parsing and copying all come here), but
        for one hot path: ``tracing._recorder`` appends a binary primitive of two floats
        inline (it runs once per scalar operation; a float needs no lean copy). On a
        lean graph (a gradient sweep's own tape) big arrays that the primitive's derivative
        rule does not read are kept as their shapes only (see ``Primitive.saves``).
        """
        if self.lean and type(value) is not float and prim.saves is not None:
            for a in argvals:  # a loop, not any(...): this runs once per recorded node
                if type(a) is np.ndarray and a.size >= LEAN_MIN_SIZE:
                    argvals, value = lean(prim, refs, argvals, value)
                    break
        index = len(self.prims)
        self.prims.append(prim)
        self.refs.append(refs)
        self.argvals.append(argvals)
        self.params.append(params or NO_PARAMS)
        self.values.append(value)
        return index

    def add_constant_output(self, value):
        index = self.add_node(CONST, (), (), {"value": value}, value)
        self.outputs.append(index)
        return index

    # -- reading ----------------------------------------------------------------------------
    @property
    def inputs(self):
        """Input names, in order."""
        return tuple(self._input_names)

    @property
    def nodes(self):
        """The nodes as ``(prim, refs, argvals, params)`` tuples (a fresh list: a view)."""
        return list(zip(self.prims, self.refs, self.argvals, self.params))

    def __len__(self):
        return len(self.prims)

    def operations(self):
        """Indices of the nodes that apply a primitive (not inputs, not constants)."""
        return [i for i, prim in enumerate(self.prims) if prim is not INPUT and prim is not CONST]

    def consumers(self):
        """For each node, the nodes that read it, in recording order (fan-out)."""
        readers = [[] for _ in self.prims]
        for i, refs in enumerate(self.refs):
            for r in refs:
                if r is not None and (not readers[r] or readers[r][-1] != i):
                    readers[r].append(i)
        return readers

    # -- running ----------------------------------------------------------------------------
    def bind_inputs(self, args, kwargs, who="Graph"):
        """Map positional and keyword arguments onto the input names."""
        names = self.inputs
        if len(args) > len(names):
            raise ADError(f"{who}: takes {len(names)} input(s) {names}, got {len(args)} positional")
        given = dict(zip(names, args))
        for name, value in kwargs.items():
            if name not in names:
                raise ADError(f"{who}: unknown input {name!r}; the inputs are {', '.join(names)}")
            if name in given:
                raise ADError(f"{who}: input {name!r} given twice")
            given[name] = value
        missing = [n for n in names if n not in given]
        if missing:
            raise ADError(f"{who}: missing value for input(s) {', '.join(missing)}")
        return [given[n] for n in names]

    def __call__(self, *args, **kwargs):
        """Evaluate the graph (replay every node on the given inputs)."""
        env = self.evaluate(self.bind_inputs(args, kwargs, "Graph call"))
        outs = [env[r] for r in self.outputs]
        return outs[0] if len(outs) == 1 else tuple(outs)

    def evaluate(self, input_values):
        """Replay the graph; returns the value of every node (the environment)."""
        env = [None] * len(self.prims)
        for ref, value in zip(self.input_refs, input_values):
            env[ref] = value
        for i, (prim, refs, argvals, params) in enumerate(zip(self.prims, self.refs, self.argvals,
                                                               self.params)):
            if prim is INPUT:
                continue
            if prim is CONST:
                env[i] = params["value"]
                continue
            args = [c if r is None else env[r] for r, c in zip(refs, argvals)]
            env[i] = prim(*args, **params)
        if self.guards:
            self.check_guards(env, input_values)
        return env

    def check_guards(self, env, input_values):
        """Raise when the replay in ``env`` decides a recorded branch, sort order or index
        differently from the trace: the graph then is another function's (never a silent
        wrong number). A traced value is read through ``concrete``, so an outer ad.compile
        guards the same decision."""
        from adkit.arrays import value_of
        for i, expected, decision in self.guards:
            got = value_of(env[i])
            if got is None:  # symbolic values: no point to check
                continue
            if type(expected) is bool:  # a branch; on many points at once, each must agree
                decided = np.asarray(got, dtype=bool)
                if (decided == expected).all():
                    continue
                got = not expected
            elif decision is not None:  # the same order or index, whatever the values
                if same_value(decision(got), decision(expected)):
                    continue
            elif same_value(got, expected):
                continue
            from adkit.printing import guard_message
            raise ADError(guard_message(self, i, expected, got, input_values))

    def at_point(self, input_values):
        """A copy of the graph whose nodes carry their values at the point (indices kept).

        Replays the graph once; a graph parsed from text (structure only) becomes one that
        reverse mode, the tables and the drawings can read values from.
        """
        env = self.evaluate(input_values)
        point = Graph()
        for i, (prim, refs, argvals, params) in enumerate(self.nodes):
            if prim is INPUT:
                point.add_input(params["name"], env[i])
            else:
                args = tuple(c if r is None else env[r] for r, c in zip(refs, argvals))
                point.add_node(prim, refs, args, params, env[i])
        point.outputs = list(self.outputs)
        if self.guards:  # checked at this point above: the copy replays under the same ones
            point.guards = list(self.guards)
        return point

    # -- printing ---------------------------------------------------------------------------
    def __str__(self):
        from adkit.printing import wengert_list
        return wengert_list(self)

    def __repr__(self):
        return (f"<Graph inputs={self.inputs} nodes={len(self.prims)} "
                f"outputs={len(self.outputs)}>")

    def _repr_html_(self):
        """Jupyter: the Wengert list beside the drawing (the drawing layer is imported now)."""
        from adkit.draw import graph_html
        return graph_html(self)

    def _repr_svg_(self):
        """Jupyter: the drawing as SVG (None for graphs too large to draw)."""
        from adkit.draw import graph_svg
        return graph_svg(self)

    def to_sympy(self):
        """The output as a sympy expression (sympy is imported only now)."""
        from adkit.symbolic import graph_to_sympy
        return graph_to_sympy(self)

    def to_dot(self, at=None, gradients=False):
        """Graphviz text of the graph; with a point ``at`` the values (green) and, with
        ``gradients=True``, the adjoints (red) label the wires, as in :func:`adkit.draw`."""
        if at is None and not gradients:
            from adkit.printing import graph_to_dot
            return graph_to_dot(self)
        from adkit.draw import to_dot
        return to_dot(self, at, gradients)


def same_value(value, expected):
    """A guard on a value read off the trace (an index mask, what a sort order or argmax was
    read from): the same shape and elements (nan where the trace had nan)."""
    if np.shape(value) != np.shape(expected):
        return False
    equal = value == expected
    if np.all(equal):
        return True
    try:
        return bool(np.all(equal | (np.isnan(value) & np.isnan(expected))))
    except TypeError:  # integers, bools: no nan
        return False


def parameters(f, who="trace"):
    """The one input-naming rule: ``f``'s positional parameters in order, as ``(name, has a
    default)`` pairs. A function taking ``*args`` or ``**kwargs`` has none (ADError); one whose
    signature cannot be read gives None."""
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return None
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        raise ADError(f"{who}: {getattr(f, '__name__', 'f')} takes *args; give a function with "
                      f"named parameters")
    return [(p.name, p.default is not p.empty) for p in params
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def input_names(f, count):
    """Input names for tracing ``f`` on ``count`` arguments: its first ``count`` parameters (see
    :func:`parameters`), else x1, x2, … (a builtin, ``*args``, or too few names)."""
    try:
        params = parameters(f)
    except ADError:
        params = None
    if params is not None and len(params) >= count:
        return [name for name, _ in params[:count]]
    return [f"x{i}" for i in range(1, count + 1)]
