"""The TF1 graph on adkit's engine: tensors (lazy nodes), graphs, dtypes, errors, the one replay.

A :class:`Tensor` is one node of a TF1 graph: what it computes (``fn``, a function written with
adkit's primitives), which tensors it reads and its name. Nothing is computed when it is built.
:func:`replay` is the one interpreter: a loop over the graph's nodes in creation order (which is
a topological order, as in adkit's own IR) that calls each node's ``fn`` on the values of its
inputs. On numpy values that is ``Session.run``; on traced values it records an adkit
:class:`~adkit.graph.Graph` (``tf.gradients``, the tables and the drawings); on ``ad.grad``'s
values it differentiates. So tf1 has no evaluator or autodiff of its own.
"""
import inspect
import keyword
import re

import numpy as np

from adkit.core import ADError, ShapeError
from adkit.operators import ArrayBox


# -- errors (TF1's names; one line, naming the node) ------------------------------------------

class OpError(ADError):
    """Base of the errors a run raises (``tf.errors.OpError``)."""


class InvalidArgumentError(OpError):
    """A placeholder was not fed, or was fed a value it cannot hold."""


class FailedPreconditionError(OpError):
    """A variable was read before it was initialised."""


class errors:  # noqa: N801  (the module-like namespace ``tf.errors``)
    OpError = OpError
    InvalidArgumentError = InvalidArgumentError
    FailedPreconditionError = FailedPreconditionError


# -- dtypes ------------------------------------------------------------------------------------

class DType:
    """A TF dtype: a name and the numpy dtype its values are stored in."""

    __slots__ = ("name", "np")

    def __init__(self, name):
        self.name = name
        self.np = np.dtype(name)

    def __repr__(self):
        return f"tf.{self.name}"

    @property
    def is_floating(self):
        return self.np.kind == "f"

    @property
    def as_numpy_dtype(self):
        return self.np.type


float16, float32, float64 = DType("float16"), DType("float32"), DType("float64")
int32, int64, uint8, bool_ = DType("int32"), DType("int64"), DType("uint8"), DType("bool")
_DTYPES = {d.name: d for d in (float16, float32, float64, int32, int64, uint8, bool_)}


def as_dtype(dtype, who="dtype"):
    """``tf.float32``, ``"float32"``, ``np.float32`` or ``np.dtype`` -> a :class:`DType`."""
    if dtype is None or isinstance(dtype, DType):
        return dtype
    try:
        name = np.dtype(dtype).name
    except TypeError:
        raise ADError(f"{who}: unknown dtype {dtype!r}") from None
    if name not in _DTYPES:
        raise ADError(f"{who}: dtype {name} is not supported (use float32, float64 or int32)")
    return _DTYPES[name]


def infer_dtype(value):
    """TF1's rule for constants: Python floats are float32, Python ints int32, numpy keeps its own."""
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        return as_dtype(value.dtype)
    array = np.asarray(value)
    if array.dtype.kind == "f":
        return float32
    if array.dtype.kind in "iu":
        return int32
    return as_dtype(array.dtype)


# -- graphs ------------------------------------------------------------------------------------

class Graph:
    """A TF1 graph: its nodes in creation order, names, collections (``tf.Graph()``)."""

    def __init__(self):
        self.nodes = []
        self._names = {}
        self._control = []        # stack of control-dependency lists
        self.collections = {"variables": [], "trainable_variables": [], "summaries": []}
        self.seed = None

    def __repr__(self):
        return f"<tf1.Graph with {len(self.nodes)} nodes>"

    def unique_name(self, name):
        """``add``, ``add_1``, ``add_2``, ... as TF names ops; a '/' scope is kept as it is."""
        name = str(name)
        count = self._names.get(name, 0)
        self._names[name] = count + 1
        if count == 0:
            return name
        while f"{name}_{count}" in self._names:
            count += 1
        self._names[f"{name}_{count}"] = 1
        return f"{name}_{count}"

    def add(self, node):
        node.index = len(self.nodes)
        self.nodes.append(node)
        for deps in self._control:
            node.control_inputs.extend(d for d in deps if d not in node.control_inputs)
        return node

    def get_operations(self):
        """Every node, in creation order (the graph grows with every op you create)."""
        return list(self.nodes)

    def get_tensor_by_name(self, name):
        for node in self.nodes:
            if node.name == name or node.op_name == name:
                return node
        raise ADError(f"get_tensor_by_name: no tensor named {name!r} in the graph")

    def ops_run_for(self, fetches, feed_dict=None):
        """Names of the ops a ``sess.run(fetches, feed_dict)`` computes, in the order it does."""
        fetches = fetches if isinstance(fetches, (list, tuple)) else [fetches]
        return [n.op_name for n in needed(fetches, set(feed_dict or ()))]

    def as_default(self):
        """``with g.as_default():`` makes ``g`` the graph new ops go to."""
        return _DefaultGraph(self)

    def control_dependencies(self, control_inputs):
        """``with g.control_dependencies([a, b]):`` ops made inside run after a and b."""
        deps = list(control_inputs or [])
        for c in deps:
            if not isinstance(c, Tensor):
                raise ADError(f"control_dependencies: expected tensors or ops, got "
                              f"{type(c).__name__} ({c!r:.40})")
        return _ControlDependencies(self, deps)

    def finalize(self):
        pass

    def to_adkit(self, fetches=None, values=True):
        """The graph's computation as an adkit Graph (see :func:`to_adkit_graph`)."""
        return to_adkit_graph(self, fetches, values=values)

    def draw(self, fetches=None, **kwargs):
        """``ad.draw`` of the graph's structure (every leaf an input, named as in TF, and each
        op labelled with its name); the node count grows with every op you create."""
        from adkit.draw import draw
        return draw(self.to_adkit(fetches, values=False), **kwargs)


class _DefaultGraph:
    def __init__(self, graph):
        self.graph = graph

    def __enter__(self):
        _stack.append(self.graph)
        return self.graph

    def __exit__(self, *exc):
        _stack.remove(self.graph)


class _ControlDependencies:
    def __init__(self, graph, deps):
        self.graph, self.deps = graph, deps

    def __enter__(self):
        self.graph._control.append(self.deps)

    def __exit__(self, *exc):
        self.graph._control.pop()


_root = [Graph()]   # the global default graph (replaced by reset_default_graph)
_stack = []         # graphs made default with `with g.as_default():`


def get_default_graph():
    return _stack[-1] if _stack else _root[0]


def reset_default_graph():
    """A fresh, empty default graph (the old one and its tensors are left as they were)."""
    if _stack:
        raise ADError("reset_default_graph: not allowed inside a `with g.as_default():` block")
    _root[0] = Graph()


def set_random_seed(seed):
    """The graph-level seed: random ops give the same numbers in every new Session."""
    get_default_graph().seed = int(seed)


# -- tensors -----------------------------------------------------------------------------------

class _SignatureOf:
    """``inspect.signature(tensor)``: the tensor as a function of its placeholders and variables."""

    def __get__(self, tensor, owner):
        if tensor is None:
            return None
        return inspect.Signature([inspect.Parameter(python_name(leaf.op_name),
                                                    inspect.Parameter.POSITIONAL_OR_KEYWORD)
                                  for leaf in tensor.leaves()])


class Tensor:
    """One node of a TF1 graph; computes nothing until a Session runs it.

    Operators build new nodes (``10 * tf.matmul(m1, m2)``, ``a * p + (b - q)``). A tensor is
    also a function of its placeholders and variables (its signature names them), so
    ``ad.reverse_table(f, at={...})``, ``ad.forward_table`` and ``ad.draw`` accept it.
    """

    kind = "op"
    __signature__ = _SignatureOf()

    def __init__(self, fn, inputs, name, type_name, dtype=None, shape=None, params=None,
                 graph=None):
        self.graph = graph or get_default_graph()
        self.fn = fn
        self.inputs = list(inputs)
        self.params = params or {}
        self.control_inputs = []
        self.type = type_name
        self.op_name = self.graph.unique_name(name or type_name)
        self.dtype = dtype
        self.dims = shape
        self.graph.add(self)

    # names as TF gives them: the op "M1", its output tensor "M1:0"
    @property
    def name(self):
        return f"{self.op_name}:0"

    @property
    def op(self):
        """The operation that makes this tensor (``t.op.name == "M1"``, ``t.op.type``)."""
        return Operation(self)

    @property
    def shape(self):
        """The static shape: ``(?, 25)`` (None for a dimension known only at run time)."""
        return TensorShape(self.dims)

    def get_shape(self):
        return TensorShape(self.dims)

    def __repr__(self):
        dtype = self.dtype.name if self.dtype else "?"
        return f"<tf.Tensor '{self.name}' shape={TensorShape(self.dims)} dtype={dtype}>"

    def __str__(self):
        dtype = self.dtype.name if self.dtype else "?"
        return f'Tensor("{self.name}", shape={TensorShape(self.dims)}, dtype={dtype})'

    def compute(self, run, args):
        """This node's value from its inputs' values (``run`` gives session state)."""
        return self.fn(*args, **self.params)

    def to_adkit(self):
        """This tensor as an adkit Graph whose inputs are its placeholders and variables
        (recorded at stand-in values; give the point to ``ad.reverse_table(g, at=...)``)."""
        return to_adkit_graph(self.graph, [self], leaves="feedable")

    def leaves(self):
        """The placeholders and variables this tensor reads, in creation order."""
        return [n for n in needed([self], deep=True) if n.kind in ("placeholder", "variable")]

    def __call__(self, *args, **kwargs):
        """Evaluate as a function of :meth:`leaves` (on floats, arrays, Duals or tracers)."""
        leaves = self.leaves()
        names = [python_name(leaf.op_name) for leaf in leaves]
        if len(args) > len(names):
            raise ADError(f"{self.op_name}: takes {len(names)} input(s) ({', '.join(names)}), "
                          f"got {len(args)}")
        given = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in names or key in given:
                raise ADError(f"{self.op_name}: unexpected or repeated input {key!r}; the inputs "
                              f"are {', '.join(names) or '(none)'}")
            given[key] = value
        missing = [n for n in names if n not in given]
        if missing:
            raise ADError(f"{self.op_name}: missing value for {', '.join(missing)}")
        fixed = {leaf: given[n] for leaf, n in zip(leaves, names)}
        env = replay([self], fixed, Run(None, fixed))
        _label_traced(env, fixed)
        return env[self]

    # TF1 tensors hash by identity (they are feed_dict keys); == stays identity too. The
    # arithmetic operators (+ - * / @ ** < > ...) are attached by adkit.tf1.ops, which builds ops.
    __hash__ = object.__hash__

    def __bool__(self):
        raise ADError(f"{self.op_name}: a tensor has no value until a Session runs it; use "
                      f"sess.run({self.op_name}) to get its value")

    def __iter__(self):
        raise ADError(f"{self.op_name}: a tensor is not iterable (it has no value until a "
                      f"Session runs it)")

    __array_priority__ = 100  # np.float64(2) * t builds a node too


class Operation:
    """A view of a node as TF1's Operation: ``name`` (no ``:0``), ``type``, ``inputs``."""

    __slots__ = ("tensor",)

    def __init__(self, tensor):
        self.tensor = tensor

    name = property(lambda self: self.tensor.op_name)
    type = property(lambda self: self.tensor.type)
    inputs = property(lambda self: [i for i in self.tensor.inputs if isinstance(i, Tensor)])
    outputs = property(lambda self: [self.tensor])
    graph = property(lambda self: self.tensor.graph)

    def __repr__(self):
        return f"<tf.Operation '{self.name}' type={self.type}>"


class TensorShape(tuple):
    """A static shape; None for an unknown dimension, ``TensorShape(None)`` for an unknown rank."""

    def __new__(cls, dims):
        self = super().__new__(cls, () if dims is None else tuple(dims))
        self.known = dims is not None
        return self

    def __repr__(self):
        if not self.known:
            return "<unknown>"
        dims = ", ".join("?" if d is None else str(d) for d in self)
        return f"({dims},)" if len(self) == 1 else f"({dims})"

    __str__ = __repr__

    def as_list(self):
        if not self.known:
            raise ADError("as_list() is not defined on an unknown TensorShape")
        return list(self)

    @property
    def ndims(self):
        return len(self) if self.known else None


def python_name(name):
    """A TF name as a Python identifier (signatures, table inputs): dense/kernel -> dense_kernel."""
    text = re.sub(r"\W", "_", name)
    if not text or text[0].isdigit() or keyword.iskeyword(text):
        text = "_" + text
    return text


# -- the one interpreter -----------------------------------------------------------------------

class Run:
    """What one run knows: its session (None when a tensor is called as a function), the given
    values (feeds, or the function's arguments) and results shared within the run."""

    __slots__ = ("session", "feeds", "cache")

    def __init__(self, session, feeds):
        self.session, self.feeds, self.cache = session, feeds, {}


def needed(targets, stop=(), deep=False):
    """The nodes a run must compute for ``targets`` (inputs and control inputs, transitively),
    in creation order; the walk does not go past nodes in ``stop`` (fed values). ``deep`` also
    follows what a node reads without taking it as an argument (a gradient's ys)."""
    seen = set()
    todo = [t for t in targets if t is not None]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        if node in stop:
            continue
        todo.extend(i for i in node.inputs if isinstance(i, Tensor))
        todo.extend(node.control_inputs)
        if deep:
            todo.extend(getattr(node, "reads", ()))
    return sorted(seen, key=lambda n: n.index)


def replay(targets, fixed, run, order=None):
    """Compute ``targets``: loop over the needed nodes in creation order, each ``fn`` on its
    inputs' values. ``fixed`` maps nodes to given values (feeds, or tracers). Returns the env."""
    env = dict(fixed)
    for node in order if order is not None else needed(targets, fixed):
        if node in env:
            continue
        # a variable is read when used: an assign earlier in this run (control_dependencies) shows
        args = [i if not isinstance(i, Tensor) else env[i] if i.kind != "variable" or i in fixed
                else i.compute(run, ()) for i in node.inputs]
        env[node] = node.compute(run, args)
    return env


def _label_traced(env, fixed):
    """When the values were traced (ad.trace, ad.draw), name each op's last node as in TF."""
    from adkit.tracing import Tracer
    for node, value in env.items():
        if node not in fixed and type(value) is Tracer:
            names = value.graph.__dict__.setdefault("node_names", {})
            names.setdefault(value.index, node.op_name)


def plain(x):
    """The number inside a traced value or dual (for ops with no derivative: argmax, cast)."""
    while isinstance(x, ArrayBox):
        x = x._value()
    return x


def to_adkit_graph(graph, fetches=None, leaves="all", values=True):
    """Record the tf1 graph (or the part ``fetches`` needs) as an adkit Graph.

    Every placeholder, variable and named constant becomes an input named as in TF (so a
    drawing shows ``M1``, ``M2``), every op's primitives become nodes, and the nodes an op
    made last are labelled with the op's name. Placeholders are recorded at ones of their shape;
    ``values=False`` keeps the structure only (a drawing then shows no numbers).
    """
    from adkit.graph import Graph as AdGraph
    from adkit.tracing import finish, start
    if fetches is None:
        fetches = sinks(graph)
    fetches = [f for f in (fetches if isinstance(fetches, (list, tuple)) else [fetches])]
    order = [n for n in needed(fetches, deep=True) if n.kind not in _NOT_DRAWN]
    kinds = ("const", "placeholder", "variable") if leaves == "all" else ("placeholder", "variable")
    inputs = [n for n in order if n.kind in kinds]
    out = AdGraph()
    tracers = start(out, [python_name(n.op_name) for n in inputs],
                    [np.asarray(example_value(n), dtype=float) if n.dtype and n.dtype.is_floating
                     else example_value(n) for n in inputs])
    fixed = dict(zip(inputs, tracers))
    env = replay(fetches, fixed, Run(None, fixed), [n for n in order if n in set(needed(fetches))])
    _label_traced(env, fixed)
    finish(out, tuple(env[f] for f in fetches), "to_adkit_graph")
    if not values:  # the structure only (placeholders were recorded at stand-in values)
        out.abstract = True
        out.values = [None] * len(out.values)
    return out


_NOT_DRAWN = ("assign", "train", "group", "summary", "random")


def sinks(graph):
    """The ops no other op reads: what a drawing of the model ends with (a gradient is drawn
    when it is fetched: it repeats the whole forward graph)."""
    computing = [n for n in graph.nodes if n.kind == "op"]
    read = {i for n in computing for i in n.inputs if isinstance(i, Tensor)}
    return [n for n in computing if n not in read]


def example_value(node):
    """A value of the node's shape for recording it: constants their value, variables their
    initial value, placeholders ones (unknown dimensions 1)."""
    if node.kind == "const":
        return node.params["value"]
    if node.kind == "variable" and node.initial.kind == "const":
        return node.initial.params["value"]
    shape = () if node.dims is None else tuple(1 if d is None else d for d in node.dims)
    return np.ones(shape, dtype=node.dtype.np if node.dtype else float)


def check_feed(node, value):
    """A fed value as the placeholder's dtype, or a one-line error naming the placeholder."""
    dtype = node.dtype.np if node.dtype else None
    try:
        array = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"cannot feed {value!r:.40} to {node.name}: not an array of "
                                   f"{node.dtype.name if node.dtype else 'numbers'}") from None
    if node.dims is not None:
        shape = array.shape
        if len(shape) != len(node.dims) or any(d is not None and d != s
                                                 for d, s in zip(node.dims, shape)):
            raise ShapeError(f"Cannot feed value of shape {shape} for Tensor '{node.name}', "
                             f"which has shape '{TensorShape(node.dims)}'")
    return array
