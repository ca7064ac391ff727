"""The catalogue of primitives for the tests: every primitive, with input domains and sample shapes.

One catalogue, run through every mode (minitorch style): each :class:`Case` is a small function
built on one primitive, the domain each argument is drawn from, and (for array primitives) the
shapes to try. ``test_primitives.py`` checks every case against sympy, central differences and
the dot-product identity; ``test_catalogue_covers_table`` fails when a primitive is registered
without a case here.

The module also holds the numeric oracles the tests share (central differences, the dot-product
identity), so every test file measures errors the same way.
"""
import numpy as np

import adkit as ad
from adkit import primitives as P


# -- domains: rng, shape -> samples where the primitive is smooth -----------------------------

def real(rng, shape):
    return rng.uniform(-2.0, 2.0, size=shape)


def positive(rng, shape):
    return rng.uniform(0.2, 3.0, size=shape)


def away_from_zero(rng, shape):
    """|x| in [0.2, 2]: abs, relu and 1/x stay off their kink or pole."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.2, 2.0, size=shape)


def above_minus_one(rng, shape):
    return rng.uniform(-0.8, 3.0, size=shape)


def tan_domain(rng, shape):
    return rng.uniform(-1.2, 1.2, size=shape)


def boolean(rng, shape):
    return rng.random(size=shape) < 0.5


class Case:
    """One catalogue entry.

    Args:
        primitive: the name in ``adkit.primitives.PRIMITIVES`` this case exercises.
        label: what distinguishes it from other cases of the same primitive (``"x**3"``).
        fn: the function under test, of the differentiated arguments only.
        domains: one domain per argument of ``fn``.
        shapes: array cases: one tuple of argument shapes per sample (elementwise cases
            draw broadcastable shapes with hypothesis instead).
        apart: for maximum/minimum: scalar samples are kept 0.2 apart, away from the tie.
        floats: False when the case returns an array even for float arguments.
    """

    def __init__(self, primitive, label, fn, domains, shapes=None, apart=False, floats=True):
        self.primitive = primitive
        self.label = label
        self.fn = fn
        self.domains = tuple(domains)
        self.shapes = shapes
        self.apart = apart
        self.floats = floats

    @property
    def id(self):
        return f"{self.primitive}[{self.label}]"

    @property
    def nargs(self):
        return len(self.domains)

    def sample(self, rng, shapes=None):
        """Arguments inside the domain: floats when ``shapes`` is None, else arrays."""
        if shapes is None:
            args = [float(d(rng, ())) for d in self.domains]
            if self.apart:
                args[1] = args[0] + float(away_from_zero(rng, ()))
            return args
        return [d(rng, s) for d, s in zip(self.domains, shapes)]

    def __repr__(self):
        return f"<Case {self.id}>"


# -- elementwise differentiable primitives --------------------------------------------------

# A constant that broadcasts against every shape of up to 3 axes of length <= 3: the output is
# bigger than the differentiated argument, so the tangent must grow to the output's shape.
WIDE = np.arange(1.0, 3.0).reshape(2, 1, 1, 1)

ELEMENTWISE = [
    Case("add", "x+y", lambda x, y: x + y, (real, real)),
    Case("add", "ad.add", ad.add, (real, real)),
    Case("add", "x+wide constant", lambda x: x + WIDE, (real,), floats=False),
    Case("sub", "x-y", lambda x, y: x - y, (real, real)),
    Case("sub", "wide constant-x", lambda x: WIDE - x, (real,), floats=False),
    Case("neg", "-(x+wide constant)", lambda x: -(x + WIDE), (real,), floats=False),
    Case("mul", "wide constant*x", lambda x: WIDE * x, (real,), floats=False),
    Case("where", "where(wide,x,y)", lambda x, y: ad.where(WIDE > 1.5, x, y), (real, real),
         floats=False),
    Case("mul", "x*y", lambda x, y: x * y, (real, real)),
    Case("div", "x/y", lambda x, y: x / y, (real, away_from_zero)),
    Case("div", "2/x", lambda x: 2.0 / x, (away_from_zero,)),
    Case("pow", "x**y", lambda x, y: x ** y, (positive, real)),
    Case("pow", "2.5**x", lambda x: 2.5 ** x, (real,)),
    Case("pow", "ad.power", ad.power, (positive, real)),
    Case("pow", "x**array", lambda x: x ** np.array(1.5), (positive,), floats=False),
    Case("pow_const", "x**3", lambda x: x ** 3.0, (real,)),
    Case("pow_const", "x**2 (int)", lambda x: x ** 2, (real,)),
    Case("pow_const", "x**1", lambda x: x ** 1.0, (real,)),
    Case("pow_const", "x**0", lambda x: x ** 0, (real,)),
    Case("pow_const", "x**-1.5", lambda x: x ** -1.5, (positive,)),
    Case("pow_const", "ad.power(x, 0.5)", lambda x: ad.power(x, 0.5), (positive,)),
    Case("maximum", "max(x,y)", ad.maximum, (real, real), apart=True),
    Case("minimum", "min(x,y)", ad.minimum, (real, real), apart=True),
    Case("neg", "-x", lambda x: -x, (real,)),
    Case("exp", "exp", ad.exp, (real,)),
    Case("log", "log", ad.log, (positive,)),
    Case("log1p", "log1p", ad.log1p, (above_minus_one,)),
    Case("sqrt", "sqrt", ad.sqrt, (positive,)),
    Case("sin", "sin", ad.sin, (real,)),
    Case("cos", "cos", ad.cos, (real,)),
    Case("tan", "tan", ad.tan, (tan_domain,)),
    Case("tanh", "tanh", ad.tanh, (real,)),
    Case("sigmoid", "sigmoid", ad.sigmoid, (real,)),
    Case("abs", "abs", ad.abs, (away_from_zero,)),
    Case("abs", "abs()", lambda x: abs(x), (away_from_zero,)),
    Case("relu", "relu", ad.relu, (away_from_zero,)),
    Case("square", "square", ad.square, (real,)),
    # where: the condition is data (not differentiated); x and y are
    Case("where", "where(x>0.3,x,y)", lambda x, y: ad.where(x > 0.3, x, y), (real, real)),
    Case("where", "where(y<x,x*y,y)", lambda x, y: ad.where(y < x, x * y, y), (real, real)),
]

# The local-partials rules themselves (``prim.partials``), for the sympy and central-difference
# checks: (primitive name, the domain of each argument, the primitive's parameters).
RULES = [
    ("add", (real, real), {}), ("sub", (real, real), {}), ("mul", (real, real), {}),
    ("div", (real, away_from_zero), {}), ("pow", (positive, real), {}),
    ("pow_const", (real,), {"exponent": 3.0}), ("pow_const", (real,), {"exponent": 2}),
    ("pow_const", (real,), {"exponent": 1.0}), ("pow_const", (real,), {"exponent": 0.0}),
    ("pow_const", (positive,), {"exponent": -1.5}), ("pow_const", (positive,), {"exponent": 0.5}),
    ("maximum", (real, real), {}), ("minimum", (real, real), {}), ("neg", (real,), {}),
    ("exp", (real,), {}), ("log", (positive,), {}), ("log1p", (above_minus_one,), {}),
    ("sqrt", (positive,), {}), ("sin", (real,), {}), ("cos", (real,), {}),
    ("tan", (tan_domain,), {}), ("tanh", (real,), {}), ("sigmoid", (real,), {}),
    ("abs", (away_from_zero,), {}), ("relu", (away_from_zero,), {}), ("square", (real,), {}),
    ("where", (boolean, real, real), {}),
]


# -- not differentiable: zero derivative everywhere ------------------------------------------

NOT_DIFFERENTIABLE = [
    Case("less", "x<y", lambda x, y: x < y, (real, real)),
    Case("less_equal", "x<=y", lambda x, y: x <= y, (real, real)),
    Case("greater", "x>y", lambda x, y: x > y, (real, real)),
    Case("greater_equal", "x>=y", lambda x, y: x >= y, (real, real)),
    Case("equal", "equal", ad.equal, (real, real)),
    Case("not_equal", "not_equal", ad.not_equal, (real, real)),
    Case("sign", "sign", ad.sign, (real,)),
    Case("logical_not", "not(x>0)", lambda x: ad.logical_not(x > 0), (real,)),
]


# -- array primitives -------------------------------------------------------------------------

def _scatter(values):
    return P.scatter_add(values, index=(np.array([0, 2, 0]),), shape=(4,))


def _scatter_2d(values):
    return P.scatter_add(values, index=(slice(None), np.array([1, 1])), shape=(3, 4))


def _scatter_split(values):
    return P.scatter_add(values, index=(np.array([0, 2, 0]), slice(None), np.array([1, 3, 1])),
                         shape=(3, 2, 4))


_MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])

ARRAY = [
    Case("sum", "all", lambda x: ad.sum(x), (real,), [((2, 3, 4),), ((3,),)]),
    Case("sum", "axis=0", lambda x: ad.sum(x, axis=0), (real,), [((2, 3, 4),), ((3,),)]),
    Case("sum", "axis=-1 keepdims", lambda x: ad.sum(x, axis=-1, keepdims=True), (real,),
         [((2, 3, 4),), ((3,),)]),
    Case("sum", "axis=(0,2)", lambda x: ad.sum(x, axis=(0, 2)), (real,), [((2, 3, 4),)]),
    Case("sum", "keepdims all", lambda x: ad.sum(x, keepdims=True), (real,), [((2, 3),)]),
    Case("sum", "method", lambda x: x.sum(axis=1), (real,), [((2, 3),)]),
    Case("mean", "all", lambda x: ad.mean(x), (real,), [((2, 3, 4),)]),
    Case("mean", "axis=1 keepdims", lambda x: ad.mean(x, axis=1, keepdims=True), (real,),
         [((2, 3, 4),)]),
    Case("mean", "axis=(-1,0)", lambda x: ad.mean(x, axis=(-1, 0)), (real,), [((2, 3, 4),)]),
    Case("mean", "method", lambda x: x.mean(axis=0), (real,), [((2, 3),)]),
    Case("matmul", "a@b", lambda a, b: a @ b, (real, real), [
        ((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)),
        ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
        ((2, 1, 2, 3), (4, 3, 2)), ((3,), (5, 3, 2)), ((5, 2, 3), (3,))]),
    Case("matmul", "ad.matmul", ad.matmul, (real, real), [((2, 3), (3, 2))]),
    Case("matmul", "dot", ad.dot, (real, real), [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)),
                                                ((2, 3), (3, 4)), ((), (3,))]),
    Case("reshape", "(4,6)", lambda x: ad.reshape(x, (4, 6)), (real,), [((2, 3, 4),)]),
    Case("reshape", "method -1", lambda x: x.reshape(3, -1), (real,), [((2, 3, 2),), ((6,),)]),
    Case("reshape", "scalar to (1,1)", lambda x: ad.reshape(x, (1, 1)), (real,), [((),)]),
    Case("transpose", "reverse", lambda x: ad.transpose(x), (real,), [((2, 3, 4),), ((2, 3),)]),
    Case("transpose", "axes", lambda x: ad.transpose(x, (1, 2, 0)), (real,), [((2, 3, 4),)]),
    Case("transpose", ".T", lambda x: x.T, (real,), [((2, 3),)]),
    Case("broadcast_to", "to (2,3,4)", lambda x: ad.broadcast_to(x, (2, 3, 4)), (real,),
         [((3, 1),), ((4,),), ((),), ((2, 1, 4),)]),
    Case("getitem", "int", lambda x: x[1], (real,), [((3, 4),), ((3,),)]),
    Case("getitem", "slice", lambda x: x[1:, ::-2], (real,), [((3, 4),)]),
    Case("getitem", "int array (repeats)", lambda x: x[np.array([0, 2, 0])], (real,),
         [((3, 4),), ((3,),)]),
    Case("getitem", "list index", lambda x: x[[2, 1]], (real,), [((3, 4),)]),
    Case("getitem", "Ellipsis", lambda x: x[..., 1], (real,), [((2, 3, 4),)]),
    Case("getitem", "None", lambda x: x[None, 0], (real,), [((3, 4),)]),
    Case("getitem", "bool mask", lambda x: x[_MASK], (real,), [((3, 4),)]),
    Case("getitem", "traced mask x[x > 0]", lambda x: x[x > 0], (real,), [((3, 4),)]),
    Case("getitem", "int,slice,array", lambda x: x[0, :, np.array([1, 2])], (real,),
         [((2, 3, 4),)]),
    Case("getitem", "array,slice,array", lambda x: x[np.array([0, 1]), :, np.array([1, 3])],
         (real,), [((2, 3, 4),)]),
    Case("getitem", "adjacent arrays", lambda x: x[:, np.array([0, 2]), np.array([1, 3])],
         (real,), [((2, 3, 4),)]),
    Case("scatter_add", "repeats", _scatter, (real,), [((3,),)]),
    Case("scatter_add", "slice,array", _scatter_2d, (real,), [((3, 2),)]),
    Case("scatter_add", "array,slice,array", _scatter_split, (real,), [((3, 2),)]),
    Case("concatenate", "axis=0", lambda a, b: ad.concatenate([a, b]), (real, real),
         [((2, 3), (1, 3)), ((3,), (2,))]),
    Case("concatenate", "axis=-1 with constant",
         lambda a, b: ad.concatenate([a, np.ones((2, 1)), b], axis=-1), (real, real),
         [((2, 3), (2, 2))]),
    Case("concatenate", "stack", lambda a, b: ad.stack([a, b * b]), (real, real),
         [((2, 3), (2, 3)), ((), ())]),
    Case("concatenate", "stack axis=-1", lambda a, b: ad.stack([a, b], axis=-1), (real, real),
         [((3,), (3,))]),
]

# adkit.nn's primitives (convolution, pooling, logsumexp): registered when adkit.nn is imported
import adkit.nn as nn  # noqa: E402
from adkit.nn import ops as nn_ops  # noqa: E402

_VALID, _SAME2 = dict(strides=(1, 1), padding="VALID"), dict(strides=(2, 2), padding="SAME")
ARRAY += [
    Case("conv2d", "valid s1", lambda x, w: nn.conv2d(x, w), (real, real),
         [((1, 4, 3, 2), (2, 2, 2, 3))]),
    Case("conv2d", "same s2", lambda x, w: nn.conv2d(x, w, strides=2, padding="SAME"),
         (real, real), [((2, 5, 4, 1), (3, 3, 1, 2))]),
    Case("conv2d_backprop_input", "valid s1",
         lambda ct, w: nn_ops._backprop_input(ct, w, x_shape=(1, 4, 3, 2), **_VALID),
         (real, real), [((1, 3, 2, 3), (2, 2, 2, 3))]),
    Case("conv2d_backprop_input", "same s2",
         lambda ct, w: nn_ops._backprop_input(ct, w, x_shape=(1, 5, 4, 1), **_SAME2),
         (real, real), [((1, 3, 2, 2), (3, 3, 1, 2))]),
    Case("conv2d_backprop_filter", "valid s1",
         lambda x, ct: nn_ops._backprop_filter(x, ct, w_shape=(2, 2, 2, 3), **_VALID),
         (real, real), [((1, 4, 3, 2), (1, 3, 2, 3))]),
    Case("conv2d_backprop_filter", "same s2",
         lambda x, ct: nn_ops._backprop_filter(x, ct, w_shape=(3, 3, 1, 2), **_SAME2),
         (real, real), [((1, 5, 4, 1), (1, 3, 2, 2))]),
    Case("max_pool2d", "2x2", lambda x: nn.max_pool2d(x, 2), (real,), [((2, 4, 4, 2),)]),
    Case("max_pool2d", "3x3 s2 same", lambda x: nn.max_pool2d(x, 3, 2, "SAME"), (real,),
         [((1, 5, 5, 1),)]),
    Case("max_pool2d_select", "2x2",
         lambda t, x: nn_ops._max_select(t, x, window=(2, 2), strides=(2, 2), padding="VALID"),
         (real, real), [((1, 4, 4, 2), (1, 4, 4, 2))]),
    Case("max_pool2d_select", "3x3 s2 same",
         lambda t, x: nn_ops._max_select(t, x, window=(3, 3), **_SAME2), (real, real),
         [((1, 5, 5, 1), (1, 5, 5, 1))]),
    Case("max_pool2d_backprop", "2x2",
         lambda ct, x: nn_ops._max_backprop(ct, x, window=(2, 2), strides=(2, 2), padding="VALID"),
         (real, real), [((1, 2, 2, 2), (1, 4, 4, 2))]),
    Case("max_pool2d_backprop", "3x3 s2 same (windows overlap)",
         lambda ct, x: nn_ops._max_backprop(ct, x, window=(3, 3), **_SAME2), (real, real),
         [((1, 3, 3, 1), (1, 5, 5, 1))]),
    Case("avg_pool2d", "2x2", lambda x: nn.avg_pool2d(x, 2), (real,), [((2, 4, 4, 2),)]),
    Case("avg_pool2d", "3x3 s2 same", lambda x: nn.avg_pool2d(x, 3, 2, "SAME"), (real,),
         [((1, 5, 4, 1),)]),
    Case("avg_pool2d_transpose", "3x3 s2 same",
         lambda ct: nn_ops._avg_pool_transpose(ct, x_shape=(1, 5, 4, 1), window=(3, 3), **_SAME2),
         (real,), [((1, 3, 2, 1),)]),
    Case("logsumexp", "axis=-1", lambda x: nn.logsumexp(x), (real,), [((2, 3),), ((4,),)]),
    Case("logsumexp", "axis=(0,2) keepdims", lambda x: nn.logsumexp(x, axis=(0, 2), keepdims=True),
         (real,), [((2, 3, 2),)]),
    Case("logsumexp", "softmax", lambda x: nn.softmax(x), (real,), [((2, 3),)]),
]

CASES = ELEMENTWISE + NOT_DIFFERENTIABLE + ARRAY


def covered_primitives():
    """The primitive names the catalogue exercises."""
    return {case.primitive for case in CASES}


# -- numeric oracles ---------------------------------------------------------------------------

def central_difference(f, args, k, direction, h=1e-4):
    """Directional derivative of ``f`` in argument ``k`` along ``direction``.

    Richardson-extrapolated central differences (error O(h⁴)), so a step of 1e-4 keeps both the
    truncation error and the rounding error near 1e-10 for smooth, well-scaled functions.
    """
    def shifted(t):
        moved = list(args)
        moved[k] = np.asarray(args[k], dtype=float) + t * np.asarray(direction, dtype=float)
        if np.ndim(args[k]) == 0:
            moved[k] = float(moved[k])
        return np.asarray(f(*moved), dtype=float)

    def d(step):
        return (shifted(step) - shifted(-step)) / (2 * step)

    return (4 * d(h / 2) - d(h)) / 3


def numeric_jacobian(f, args, k, h=1e-4):
    """The Jacobian of ``f`` in argument ``k`` by central differences: shape out + arg."""
    x_shape = np.shape(args[k])
    columns = []
    for j in range(int(np.prod(x_shape))):
        e = np.zeros(int(np.prod(x_shape)))
        e[j] = 1.0
        columns.append(central_difference(f, args, k, e.reshape(x_shape), h))
    out_shape = np.shape(columns[0])
    return np.stack(columns, axis=-1).reshape(out_shape + x_shape)


def inner(a, b):
    """⟨a, b⟩ = Σ a·b (broadcasting a scalar zero tangent is fine)."""
    return float(np.sum(np.asarray(a, dtype=float) * np.asarray(b, dtype=float)))
