"""TF1's ops as lazy nodes whose ``fn`` is an adkit function (constants, placeholders, math).

Each op builds one :class:`~adkit.tf1.framework.Tensor`. Its static shape and dtype are found
by running ``fn`` once on example arrays (unknown dimensions tried at two sizes), so shape
mistakes show up when the graph is built, as in TF1.
"""
import numpy as np

from adkit import primitives as P
from adkit.core import ADError, ShapeError
from adkit.operators import ArrayBox
from adkit.tf1.framework import (
    InvalidArgumentError, Tensor, TensorShape, as_dtype, float32, get_default_graph, infer_dtype,
    plain,
)


# -- leaves -----------------------------------------------------------------------------------

class Constant(Tensor):
    kind = "const"

    def compute(self, run, args):
        return self.params["value"]


class Placeholder(Tensor):
    kind = "placeholder"

    def compute(self, run, args):
        shape = TensorShape(self.dims)
        raise InvalidArgumentError(
            f"You must feed a value for placeholder tensor '{self.op_name}' with dtype "
            f"{self.dtype.name} and shape {shape}")


def constant(value, dtype=None, shape=None, name="Const"):
    """A constant node: ``tf.constant([[3., 3.]], name='M1')`` (Python floats are float32)."""
    if isinstance(value, Tensor):
        raise ADError(f"constant: {value.op_name} is already a tensor (use tf.identity)")
    dtype = as_dtype(dtype, "constant") or infer_dtype(value)
    try:
        array = np.asarray(value, dtype=dtype.np)
    except (TypeError, ValueError):
        raise ADError(f"constant: cannot read {value!r:.40} as {dtype.name} numbers") from None
    if shape is not None:
        array = np.broadcast_to(array, tuple(shape)).copy() if array.size == 1 else array.reshape(shape)
    return Constant(None, [], name, "Const", dtype, array.shape, {"value": array})


def placeholder(dtype, shape=None, name=None):
    """A value fed at run time: ``tf.placeholder(tf.float32, shape=[None, 25], name='X')``."""
    dtype = as_dtype(dtype, "placeholder")
    if dtype is None:
        raise ADError("placeholder: give a dtype, e.g. tf.placeholder(tf.float32)")
    if shape is None:
        dims = None
    else:
        try:
            dims = tuple(None if d is None or d == -1 else int(d)
                         for d in ([shape] if np.ndim(shape) == 0 else list(shape)))
        except (TypeError, ValueError):
            raise ADError(f"placeholder: shape must be a list of ints or None, got "
                          f"{shape!r:.40}") from None
    return Placeholder(None, [], name, "Placeholder", dtype, dims)


def as_tensor(value, dtype=None, who="op"):
    """A tensor as it is; a Python number, list or numpy array becomes a constant node."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, ArrayBox):
        raise ADError(f"{who}: got an adkit traced value; build tf1 graphs from tf1 tensors")
    try:
        return constant(value, dtype=dtype)
    except (TypeError, ValueError):
        raise ADError(f"{who}: cannot convert {value!r:.40} to a tensor") from None


# -- building an op: static shape and dtype ---------------------------------------------------

def _example(t, size):
    if isinstance(t, Tensor):
        return np.ones(tuple(size if d is None else d for d in t.dims), dtype=t.dtype.np)
    return t


def make(fn, inputs, name, type_name, params=None, cls=Tensor, dtype=None):
    """A new op node; its shape (and dtype, unless given) come from running ``fn`` on examples
    of the inputs."""
    tensors = [i for i in inputs if isinstance(i, Tensor)]
    graphs = {t.graph for t in tensors}
    if len(graphs) > 1 or (tensors and tensors[0].graph is not get_default_graph()):
        raise ADError(f"{type_name}: its inputs {', '.join(t.op_name for t in tensors)} are not "
                      f"all from the default graph (tensors from another graph, or made before "
                      f"tf.reset_default_graph())")
    params = params or {}
    given, shape, dtype = dtype, None, dtype or (tensors[0].dtype if tensors else float32)
    if all(t.dims is not None for t in tensors):
        unknown = any(d is None for t in tensors for d in t.dims)
        try:
            with np.errstate(all="ignore"):
                outs = [fn(*[_example(i, size) for i in inputs], **params)
                        for size in ((2, 3) if unknown else (2,))]
        except (ADError, ValueError) as e:
            if unknown:
                outs = None  # the sizes we tried do not fit together; the run will tell
            else:
                shapes = ", ".join(str(TensorShape(t.dims)) for t in tensors)
                raise ShapeError(f"{type_name} '{name or type_name}': inputs of shapes {shapes} "
                                 f"do not fit ({str(e).splitlines()[0]})") from None
        if outs is not None:
            first, second = np.shape(outs[0]), np.shape(outs[-1])
            shape = tuple(d if d == second[k] else None for k, d in enumerate(first))
            found = np.asarray(outs[0]).dtype.name
            if given is None and found in ("float16", "float32", "float64", "int32", "int64",
                                           "uint8", "bool"):
                dtype = as_dtype(found)
    return cls(fn, inputs, name, type_name, dtype, shape, params)


def _binary(fn, x, y, name, type_name):
    """Two operands: tensors must agree in dtype (as in TF1); Python numbers take the other's."""
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        x = as_tensor(x, who=type_name)
    tx = x if isinstance(x, Tensor) else y
    x, y = (_operand(v, tx.dtype, type_name) for v in (x, y))
    if x.dtype is not y.dtype and x.dtype is not None and y.dtype is not None:
        raise TypeError(f"Input 'y' of '{type_name}' Op has type {y.dtype.name} that does not "
                        f"match type {x.dtype.name} of argument 'x' ({x.op_name}, {y.op_name})")
    return make(fn, [x, y], name, type_name)


def _operand(value, dtype, who):
    if isinstance(value, Tensor):
        return value
    array = np.asarray(value)
    if dtype is not None and array.dtype.kind == "f" and dtype.np.kind in "iu" and np.any(
            array != np.round(array)):
        raise TypeError(f"{who}: cannot use {value!r:.30} with an {dtype.name} tensor (it would "
                        f"be rounded); make both float, e.g. tf.cast")
    return constant(array.astype(dtype.np) if dtype else array, name="Const")


# -- math -------------------------------------------------------------------------------------

def add(x, y, name=None): return _binary(P.add, x, y, name, "add")
def subtract(x, y, name=None): return _binary(P.sub, x, y, name, "sub")
def multiply(x, y, name=None): return _binary(P.mul, x, y, name, "mul")
def divide(x, y, name=None): return _binary(P.div, x, y, name, "truediv")
def matmul(a, b, name=None): return _binary(P.matmul, a, b, name, "MatMul")
def maximum(x, y, name=None): return _binary(P.maximum, x, y, name, "Maximum")
def minimum(x, y, name=None): return _binary(P.minimum, x, y, name, "Minimum")
def pow(x, y, name=None):  # noqa: A001
    """``x ** y``; a number as exponent stays a number (its rule needs no log x)."""
    if isinstance(x, Tensor) and not isinstance(y, Tensor) and np.ndim(y) == 0:
        return make(_power_const, [x], name, "Pow", {"exponent": y.item() if hasattr(y, "item") else y})
    return _binary(P.power, x, y, name, "pow")


def _power_const(v, exponent):
    return P.power(v, exponent)
def less(x, y, name=None): return _binary(P.less, x, y, name, "Less")
def greater(x, y, name=None): return _binary(P.greater, x, y, name, "Greater")
def less_equal(x, y, name=None): return _binary(P.less_equal, x, y, name, "LessEqual")
def greater_equal(x, y, name=None): return _binary(P.greater_equal, x, y, name, "GreaterEqual")
def equal(x, y, name=None): return _binary(P.equal, x, y, name, "Equal")


mul, sub, div, truediv = multiply, subtract, divide, divide


def _unary(fn, type_name):
    def op(x, name=None):
        return make(fn, [as_tensor(x, who=type_name)], name, type_name)
    op.__name__ = type_name.lower()
    op.__doc__ = f"Elementwise ``{getattr(fn, '__name__', type_name)}`` (TF op {type_name})."
    return op


def _identity(x):
    return x


identity = _unary(_identity, "Identity")
negative = _unary(P.neg, "Neg")
square = _unary(P.square, "Square")
sqrt = _unary(P.sqrt, "Sqrt")
exp = _unary(P.exp, "Exp")
log = _unary(P.log, "Log")
sin = _unary(P.sin, "Sin")
cos = _unary(P.cos, "Cos")
tan = _unary(P.tan, "Tan")
tanh = _unary(P.tanh, "Tanh")
sigmoid = _unary(P.sigmoid, "Sigmoid")
relu = _unary(P.relu, "Relu")
abs = _unary(P.abs, "Abs")  # noqa: A001
sign = _unary(P.sign, "Sign")


def _round(v):
    # TF's Round has no gradient: the number is taken off the graph
    return np.round(plain(v))


round = _unary(_round, "Round")  # noqa: A001


def getitem(x, index):
    return make(lambda v, index: v[index], [x], None, "strided_slice", {"index": index})


def reshape(x, shape, name=None):
    shape = tuple(-1 if d is None else int(d) for d in shape)
    return make(lambda v, shape: P.reshape(v, shape), [as_tensor(x)], name, "Reshape",
                {"shape": shape})


def transpose(x, perm=None, name=None):
    return make(lambda v, axes: P.transpose(v, axes), [as_tensor(x)], name, "transpose",
                {"axes": None if perm is None else tuple(perm)})


def cast(x, dtype, name=None):
    """Convert to ``dtype``; casting to an int type cuts the derivative (it is not differentiable)."""
    dtype = as_dtype(dtype, "cast")
    return make(_cast, [as_tensor(x)], name, "Cast", {"dt": dtype.np}, dtype=dtype)


def _cast(v, dt):
    if isinstance(v, ArrayBox):
        # a traced or dual value: to a float type it passes on (derivative and all); to an
        # int type its number is cut off the graph, as TF's Cast has no gradient
        return v if np.dtype(dt).kind == "f" else np.asarray(plain(v)).astype(dt)
    return np.asarray(v).astype(dt)


def argmax(x, axis=None, name=None, output_type=None):
    """Index of the largest entry along ``axis`` (not differentiable)."""
    return make(lambda v, axis: np.argmax(plain(v), axis=axis).astype(np.int64), [as_tensor(x)],
                name, "ArgMax", {"axis": axis})


# -- reductions -------------------------------------------------------------------------------

def _axis(axis):
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) for a in axis)
    return int(axis)


def reduce_sum(x, axis=None, keepdims=False, name=None):
    return make(lambda v, axis, keepdims: P.sum(v, axis, keepdims), [as_tensor(x)], name, "Sum",
                {"axis": _axis(axis), "keepdims": bool(keepdims)})


def _mean(v, axis, keepdims):
    values = np.asarray(plain(v))
    if values.dtype.kind in "iu":  # TF1: the mean of integers is an integer (truncated)
        total = np.sum(values, axis=axis, keepdims=keepdims)
        return np.trunc(total / (values.size // max(np.size(total), 1))).astype(values.dtype)
    return P.mean(v, axis, keepdims)


def reduce_mean(x, axis=None, keepdims=False, name=None):
    """Mean over ``axis``; of an integer tensor an integer, truncated, as TF1 gives it."""
    return make(_mean, [as_tensor(x)], name, "Mean",
                {"axis": _axis(axis), "keepdims": bool(keepdims)})


def reduce_max(x, axis=None, keepdims=False, name=None):
    """Max over ``axis``; tied maxima share the gradient evenly (1/k each), as adkit's max."""
    from adkit import numpy as anp
    return make(lambda v, axis, keepdims: anp.max(v, axis=axis, keepdims=keepdims),
                [as_tensor(x)], name, "Max", {"axis": _axis(axis), "keepdims": bool(keepdims)})


# -- filled and random tensors ----------------------------------------------------------------

def _shape(shape, who):
    try:
        return tuple(int(d) for d in np.atleast_1d(shape)) if np.ndim(shape) else (int(shape),)
    except (TypeError, ValueError):
        raise ADError(f"{who}: shape must be a list of ints, got {shape!r:.40}") from None


def zeros(shape, dtype=float32, name=None):
    dtype = as_dtype(dtype, "zeros")
    return constant(np.zeros(_shape(shape, "zeros"), dtype.np), dtype, name=name or "zeros")


def ones(shape, dtype=float32, name=None):
    dtype = as_dtype(dtype, "ones")
    return constant(np.ones(_shape(shape, "ones"), dtype.np), dtype, name=name or "ones")


def fill(dims, value, name=None):
    return constant(np.full(_shape(dims, "fill"), value), name=name or "Fill")


def zeros_like(x, name=None):
    x = as_tensor(x)
    return make(lambda v: np.zeros(np.shape(plain(v)), np.asarray(plain(v)).dtype), [x], name,
                "zeros_like")


def ones_like(x, name=None):
    x = as_tensor(x)
    return make(lambda v: np.ones(np.shape(plain(v)), np.asarray(plain(v)).dtype), [x], name,
                "ones_like")


class RandomOp(Tensor):
    """New random numbers at every run, from the Session's generator (seeded by set_random_seed)."""

    kind = "random"

    def compute(self, run, args):
        if run.session is None:
            raise ADError(f"{self.op_name}: a random op has no fixed value; run it in a Session")
        rng = run.session.rng_for(self)
        shape, p = self.dims, self.params
        if self.type == "RandomStandardNormal":
            out = rng.normal(p["mean"], p["stddev"], shape)
        elif self.type == "TruncatedNormal":
            out = rng.normal(0.0, 1.0, shape)
            bad = np.abs(out) > 2
            while bad.any():
                out[bad] = rng.normal(0.0, 1.0, int(bad.sum()))
                bad = np.abs(out) > 2
            out = p["mean"] + p["stddev"] * out
        else:
            out = rng.uniform(p["minval"], p["maxval"], shape)
        return out.astype(self.dtype.np)


def _random(type_name, shape, dtype, seed, name, **params):
    dtype = as_dtype(dtype, type_name) or float32
    params["seed"] = seed
    return RandomOp(None, [], name, type_name, dtype, _shape(shape, type_name), params)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    return _random("RandomStandardNormal", shape, dtype, seed, name, mean=mean, stddev=stddev)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    return _random("TruncatedNormal", shape, dtype, seed, name, mean=mean, stddev=stddev)


def random_uniform(shape, minval=0, maxval=None, dtype=float32, seed=None, name=None):
    maxval = 1.0 if maxval is None else maxval
    return _random("RandomUniform", shape, dtype, seed, name, minval=minval, maxval=maxval)


# -- variables, assignment, grouping ----------------------------------------------------------

class Variable(Tensor):
    """State kept by a Session across runs: ``tf.Variable(initial_value, name='w1')``.

    It has no value until ``sess.run(tf.global_variables_initializer())`` (or its own
    ``.initializer``) ran in that session.
    """

    kind = "variable"

    def __init__(self, initial_value=None, trainable=True, name=None, dtype=None):
        if initial_value is None:
            raise ADError("Variable: give an initial_value, e.g. tf.Variable(tf.zeros([3]))")
        dtype = as_dtype(dtype, "Variable")
        initial = initial_value if isinstance(initial_value, Tensor) else constant(
            initial_value, dtype=dtype, name=(name or "Variable") + "/initial_value")
        if dtype is not None and initial.dtype is not dtype:
            initial = cast(initial, dtype)
        super().__init__(None, [], name or "Variable", "VariableV2", initial.dtype, initial.dims)
        self.initial = initial
        self.trainable = trainable
        self.graph.collections["variables"].append(self)
        if trainable:
            self.graph.collections["trainable_variables"].append(self)
        self.initializer = Assign(self, initial, name=self.op_name + "/Assign")

    def __repr__(self):
        return (f"<tf.Variable '{self.name}' shape={TensorShape(self.dims)} "
                f"dtype={self.dtype.name}_ref>")

    def compute(self, run, args):
        if run.session is None:
            raise ADError(f"{self.op_name}: a variable has a value only in a Session")
        return run.session.read(self)

    def assign(self, value, name=None):
        return Assign(self, value, name=name)

    def assign_add(self, delta, name=None):
        return Assign(self, add(self, delta), name=name or "AssignAdd")

    def assign_sub(self, delta, name=None):
        return Assign(self, subtract(self, delta), name=name or "AssignSub")

    def initialized_value(self):
        return self.initial

    def value(self):
        return identity(self)

    def read_value(self):
        return identity(self)


class _Initializer:
    """``tf.zeros_initializer()`` and friends: called with a shape and dtype, give a tensor."""

    def __init__(self, make_tensor, name):
        self.make_tensor, self.name = make_tensor, name

    def __call__(self, shape, dtype=float32):
        return self.make_tensor(_shape(shape, self.name), as_dtype(dtype, self.name) or float32)

    def __repr__(self):
        return f"tf.{self.name}()"


def zeros_initializer(dtype=float32):
    return _Initializer(lambda shape, dt: zeros(shape, dt), "zeros_initializer")


def ones_initializer(dtype=float32):
    return _Initializer(lambda shape, dt: ones(shape, dt), "ones_initializer")


def constant_initializer(value=0):
    return _Initializer(lambda shape, dt: constant(np.full(shape, value), dt), "constant_initializer")


def random_normal_initializer(mean=0.0, stddev=1.0, seed=None):
    return _Initializer(lambda shape, dt: random_normal(shape, mean, stddev, dt, seed),
                        "random_normal_initializer")


def random_uniform_initializer(minval=-0.05, maxval=0.05, seed=None):
    return _Initializer(lambda shape, dt: random_uniform(shape, minval, maxval, dt, seed),
                        "random_uniform_initializer")


def glorot_uniform_initializer(seed=None):
    def make_tensor(shape, dt):
        if len(shape) >= 2:
            fan_in, fan_out = shape[-2], shape[-1]
        else:
            fan_in = fan_out = shape[0] if shape else 1
        receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
        limit = float(np.sqrt(6.0 / (receptive * (fan_in + fan_out))))
        return random_uniform(shape, -limit, limit, dt, seed)
    return _Initializer(make_tensor, "glorot_uniform_initializer")


def get_variable(name, shape=None, dtype=None, initializer=None, trainable=True):
    """``tf.get_variable("W", shape=(10, 10), initializer=tf.zeros_initializer())``: a Variable
    by name; the name must be new in the graph (TF1 refuses to make it twice)."""
    graph = get_default_graph()
    if any(v.op_name == name for v in graph.collections["variables"]):
        raise ADError(f"Variable {name} already exists, disallowed (get_variable makes a "
                      f"variable once per graph; use tf.reset_default_graph() or another name)")
    if isinstance(initializer, Tensor):
        if shape is not None and tuple(initializer.dims or ()) != tuple(_shape(shape, name)):
            raise ShapeError(f"get_variable {name}: shape {tuple(shape)} does not match the "
                             f"initializer's {initializer.shape}")
        initial = initializer
    else:
        if shape is None:
            raise ADError(f"get_variable {name}: give a shape (or a tensor as initializer)")
        initial = (initializer or glorot_uniform_initializer())(shape, as_dtype(dtype) or float32)
    return Variable(initial, trainable=trainable, name=name, dtype=dtype)


class Assign(Tensor):
    """Store a new value in a variable when run; its value is the new value."""

    kind = "assign"

    def __init__(self, ref, value, name=None):
        if not isinstance(ref, Variable):
            raise ADError(f"assign: {getattr(ref, 'op_name', ref)!r} is not a tf.Variable")
        value = _operand(value, ref.dtype, "assign") if not isinstance(value, Tensor) else value
        if ref.dims is not None and value.dims is not None and tuple(ref.dims) != tuple(value.dims):
            raise ShapeError(f"assign: cannot assign a value of shape {value.shape} "
                             f"to {ref.op_name} of shape {TensorShape(ref.dims)}")
        super().__init__(None, [value], name, "Assign", ref.dtype, ref.dims)
        self.ref = ref

    def compute(self, run, args):
        if run.session is None:
            raise ADError(f"{self.op_name}: an assignment runs only in a Session")
        return run.session.write(self.ref, args[0])


def assign(ref, value, name=None):
    return Assign(ref, value, name=name)


def assign_add(ref, value, name=None):
    return ref.assign_add(value, name=name)


class Group(Tensor):
    """Runs its inputs (``tf.group``, initialisers, train ops); fetching it gives None."""

    kind = "group"

    def compute(self, run, args):
        return None


def group(*inputs, name=None):
    node = Group(None, [], name, "NoOp", None, ())
    node.control_inputs.extend(as_tensor(i, who="group") for i in inputs)
    return node


def no_op(name=None):
    return group(name=name or "NoOp")


def global_variables_initializer():
    """One op that runs every variable's initialiser (in creation order)."""
    return variables_initializer(get_default_graph().collections["variables"], name="init")


def variables_initializer(var_list, name="init"):
    return group(*[v.initializer for v in var_list], name=name)


def global_variables():
    return list(get_default_graph().collections["variables"])


def trainable_variables():
    return list(get_default_graph().collections["trainable_variables"])


def control_dependencies(control_inputs):
    """``with tf.control_dependencies([a]):`` ops made inside run after ``a``."""
    return get_default_graph().control_dependencies(control_inputs)


class _NameScope:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        return self.name

    def __exit__(self, *exc):
        pass


def name_scope(name, *args, **kwargs):
    """Accepted for the slides' code; names are not prefixed (a scope only groups in TF's board)."""
    return _NameScope(name)


# -- operators on tensors: each builds an op ---------------------------------------------------

def _overload_operators():
    pairs = {"add": add, "sub": subtract, "mul": multiply, "truediv": divide, "matmul": matmul,
             "pow": pow}
    for name, op in pairs.items():
        setattr(Tensor, f"__{name}__", lambda self, other, op=op: op(self, other))
        setattr(Tensor, f"__r{name}__", lambda self, other, op=op: op(other, self))
    for name, op in {"lt": less, "gt": greater, "le": less_equal, "ge": greater_equal}.items():
        setattr(Tensor, f"__{name}__", lambda self, other, op=op: op(self, other))
    Tensor.__neg__ = lambda self: negative(self)
    Tensor.__abs__ = lambda self: abs(self)
    Tensor.__getitem__ = getitem


_overload_operators()
