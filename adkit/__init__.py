"""adkit: a toolkit for teaching automatic differentiation, and a real AD library on numpy.

>>> import adkit as ad
>>> ad.grad(lambda x1, x2: x1 * x2 + ad.sin(x1))(2.0, 5.0)
4.583853163452858
"""
from adkit.core import ADError, ParseError, ShapeError
from adkit.core import Notation, Primitive, primitive, register, registered, unregister
from adkit.primitives import (
    abs, add, cos, div, equal, exp, greater, greater_equal, less, less_equal, log, log1p,
    logical_not, matmul, maximum, minimum, mul, neg, not_equal, power, relu, sigmoid, sign, sin,
    sqrt, square, sub, tan, tanh, where,
)
from adkit.arrays import broadcast_to, concatenate, dot, mean, reshape, stack, sum, transpose
from adkit.graph import Graph
from adkit.tracing import Tracer, trace
from adkit.forward import Dual, derivative, jacfwd, jvp
from adkit.reverse import grad, hessian, jacrev, value_and_grad, vjp
from adkit.parse import parse
from adkit.tables import forward_table, reverse_table
from adkit.symbolic import check
from adkit.draw import draw
from adkit.grading import grade, grade_table

__version__ = "0.1.0"
