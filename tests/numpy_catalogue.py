"""The catalogue of numpy names: every name of ``adkit.numpy.__all__`` (and ``anp.linalg``).

Each :class:`NumpyCase` is written once against a module ``m`` (``lambda m, x: m.sin(x)``) and
run three ways by ``test_numpy.py``: ``m = numpy`` on plain arrays (numpy's own answer),
``m = adkit.numpy``, and ``m = numpy`` on traced values and duals (numpy's dispatch protocols);
derivatives are checked with ``ad.check_grads`` (both modes, second order).
"""
import numpy as np

from catalogue import (above_minus_one, above_one, away_from_zero, inside_unit, invertible,
                       positive, real, spd, tan_domain)


class NumpyCase:
    """One numpy name, one use of it.

    Args:
        name: the name in adkit.numpy (``"linalg.inv"`` for anp.linalg).
        fn: ``fn(m, *args)`` with ``m`` numpy or adkit.numpy.
        domains: one domain per argument.
        shapes: argument shapes (one tuple per argument).
        grads: False for functions without a derivative to check (integer results, queries).
        order: the derivative order ``check_grads`` goes to.
        tol: check_grads' atol and rtol when the default (1e-6) is too tight (float32 results).
    """

    def __init__(self, name, fn, domains, shapes, label="", grads=True, order=2, tol=None):
        self.name, self.fn, self.domains, self.shapes = name, fn, tuple(domains), tuple(shapes)
        self.label, self.grads, self.order, self.tol = label, grads, order, tol

    @property
    def id(self):
        return f"{self.name}[{self.label}]" if self.label else self.name

    def sample(self, rng):
        return [d(rng, s) for d, s in zip(self.domains, self.shapes)]


def offset(rng, shape):
    """Reals away from integers and half-integers: floor, round, mod stay off their jumps."""
    return rng.integers(-3, 3, size=shape) + rng.uniform(0.1, 0.4, size=shape)


def sorted_apart(rng, shape):
    """Distinct values (sort, max without ties)."""
    return rng.permutation(np.arange(int(np.prod(shape)), dtype=float)).reshape(shape) * 0.5 + \
        rng.uniform(0, 0.1, size=shape)


def C(name, fn, domains, shapes, **kw):
    return NumpyCase(name, fn, domains, shapes, **kw)


S23, S3, S33, S234 = (2, 3), (3,), (3, 3), (2, 3, 4)

UNARY = [  # name, domain
    ("abs", away_from_zero), ("absolute", away_from_zero), ("cos", real), ("exp", real),
    ("log", positive), ("log1p", above_minus_one), ("sign", away_from_zero), ("sin", real),
    ("sqrt", positive), ("square", real), ("tan", tan_domain), ("tanh", real),
    ("negative", real), ("arccos", inside_unit), ("arccosh", above_one), ("arcsin", inside_unit),
    ("arcsinh", real), ("arctan", real), ("arctanh", inside_unit), ("cbrt", away_from_zero),
    ("ceil", offset), ("cosh", real), ("expm1", real), ("floor", offset), ("sinh", real),
    ("trunc", offset), ("log2", positive), ("log10", positive), ("exp2", real),
    ("reciprocal", away_from_zero), ("deg2rad", real), ("rad2deg", real), ("degrees", real),
    ("radians", real), ("sinc", real), ("fabs", away_from_zero), ("positive", real),
    ("round", offset), ("around", offset), ("rint", offset), ("isfinite", real),
    ("isinf", real), ("isnan", real), ("nan_to_num", real),
]
BINARY = [
    ("add", real, real), ("subtract", real, real), ("multiply", real, real),
    ("divide", real, away_from_zero), ("true_divide", real, away_from_zero),
    ("power", positive, real), ("pow", positive, real), ("maximum", sorted_apart, real),
    ("minimum", sorted_apart, real), ("arctan2", away_from_zero, away_from_zero),
    ("hypot", away_from_zero, real), ("logaddexp", real, real), ("logaddexp2", real, real),
    ("mod", offset, above_one), ("remainder", offset, above_one), ("fmax", sorted_apart, real),
    ("fmin", sorted_apart, real), ("heaviside", away_from_zero, real),
]
COMPARISONS = ["equal", "not_equal", "greater", "greater_equal", "less", "less_equal"]

CASES = (
    [C(n, lambda m, x, n=n: getattr(m, n)(x), (d,), (S23,)) for n, d in UNARY]
    + [C(n, lambda m, x, y, n=n: getattr(m, n)(x, y), (a, b), (S23, S3), label="broadcast")
       for n, a, b in BINARY]
    + [C(n, lambda m, x, y, n=n: x * getattr(m, n)(x, y), (real, real), (S23, S23))
       for n in COMPARISONS]
    + [
        C("logical_not", lambda m, x: x * m.logical_not(x > 0), (real,), (S3,)),
        C("logical_and", lambda m, x, y: x * m.logical_and(x > 0, y > 0), (real, real), (S3, S3)),
        C("logical_or", lambda m, x, y: x * m.logical_or(x > 0, y > 0), (real, real), (S3, S3)),
        C("where", lambda m, x, y: m.where(x > 0, x * y, y), (real, real), (S23, S3)),
        C("clip", lambda m, x: m.clip(x, -0.5, 0.7), (real,), (S23,)),
        C("clip", lambda m, x, lo: m.clip(x, lo, 1.5), (real, real), (S23, S3),
          label="traced bound"),
        C("matmul", lambda m, a, b: m.matmul(a, b), (real, real), ((2, 2, 3), (3, 2))),
        # reductions
        C("sum", lambda m, x: m.sum(x, axis=(0, 2)), (real,), (S234,)),
        C("sum", lambda m, x: m.sum(x, axis=1, keepdims=True), (real,), (S234,), label="keepdims"),
        C("mean", lambda m, x: m.mean(x, axis=-1), (real,), (S234,)),
        C("max", lambda m, x: m.max(x, axis=0), (sorted_apart,), (S23,)),
        C("min", lambda m, x: m.min(x, axis=(0, 1), keepdims=True), (sorted_apart,), (S234,)),
        C("amax", lambda m, x: m.amax(x), (sorted_apart,), (S23,)),
        C("amin", lambda m, x: m.amin(x, axis=1), (sorted_apart,), (S23,)),
        C("prod", lambda m, x: m.prod(x, axis=1), (real,), ((2, 5),)),
        C("prod", lambda m, x: m.prod(x), (real,), (S23,), label="all"),
        C("cumsum", lambda m, x: m.cumsum(x, axis=1), (real,), ((2, 5),)),
        C("cumsum", lambda m, x: m.cumsum(x), (real,), (S23,), label="flat"),
        C("cumprod", lambda m, x: m.cumprod(x, axis=0), (real,), ((5, 2),)),
        C("var", lambda m, x: m.var(x, axis=0), (real,), (S23,)),
        C("var", lambda m, x: m.var(x, ddof=1), (real,), (S23,), label="ddof=1"),
        C("std", lambda m, x: m.std(x, axis=1, keepdims=True), (real,), (S23,)),
        C("average", lambda m, x, w: m.average(x, axis=1, weights=w), (real, positive), (S23, S3)),
        C("average", lambda m, x: m.average(x), (real,), (S23,), label="no weights"),
        C("argmax", lambda m, x: m.argmax(x, axis=1), (real,), (S23,), grads=False),
        C("argmin", lambda m, x: m.argmin(x), (real,), (S23,), grads=False),
        C("argsort", lambda m, x: m.argsort(x), (real,), (S23,), grads=False),
        # shapes
        C("ravel", lambda m, x: m.ravel(x), (real,), (S23,)),
        C("reshape", lambda m, x: m.reshape(x, (3, -1)), (real,), (S23,)),
        C("transpose", lambda m, x: m.transpose(x, (2, 0, 1)), (real,), (S234,)),
        C("moveaxis", lambda m, x: m.moveaxis(x, 0, -1), (real,), (S234,)),
        C("swapaxes", lambda m, x: m.swapaxes(x, 0, 2), (real,), (S234,)),
        C("expand_dims", lambda m, x: m.expand_dims(x, (0, 2)), (real,), (S23,)),
        C("squeeze", lambda m, x: m.squeeze(x), (real,), ((2, 1, 3),)),
        C("atleast_1d", lambda m, x: m.atleast_1d(x), (real,), ((),)),
        C("atleast_2d", lambda m, x: m.atleast_2d(x), (real,), (S3,)),
        C("atleast_3d", lambda m, x: m.atleast_3d(x), (real,), (S23,)),
        C("broadcast_to", lambda m, x: m.broadcast_to(x, (2, 3)), (real,), (S3,)),
        # joining and splitting
        C("concatenate", lambda m, x, y: m.concatenate([x, y], axis=1), (real, real),
          (S23, (2, 2))),
        C("concatenate", lambda m, x, y: m.concatenate([x, y], axis=None), (real, real),
          (S23, S3), label="axis=None"),
        C("stack", lambda m, x, y: m.stack([x, y], axis=1), (real, real), (S23, S23)),
        C("vstack", lambda m, x, y: m.vstack([x, y]), (real, real), (S3, S23)),
        C("hstack", lambda m, x, y: m.hstack([x, y]), (real, real), (S3, (2,))),
        C("dstack", lambda m, x, y: m.dstack([x, y]), (real, real), (S23, S23)),
        C("column_stack", lambda m, x, y: m.column_stack([x, y]), (real, real), (S3, (3, 2))),
        C("append", lambda m, x, y: m.append(x, y), (real, real), (S23, S3)),
        C("append", lambda m, x, y: m.append(x, y, axis=0), (real, real), (S23, (1, 3)),
          label="axis"),
        C("split", lambda m, x: m.split(x, 3, axis=1), (real,), ((2, 6),)),
        C("split", lambda m, x: m.split(x, [1, 4]), (real,), ((6,),), label="indices"),
        C("array_split", lambda m, x: m.array_split(x, 3), (real,), ((7,),)),
        C("hsplit", lambda m, x: m.hsplit(x, 2), (real,), ((2, 4),)),
        C("vsplit", lambda m, x: m.vsplit(x, 2), (real,), ((4, 2),)),
        C("dsplit", lambda m, x: m.dsplit(x, 2), (real,), ((2, 2, 4),)),
        # rearranging
        C("flip", lambda m, x: m.flip(x, axis=1), (real,), (S23,)),
        C("flip", lambda m, x: m.flip(x), (real,), (S23,), label="all"),
        C("fliplr", lambda m, x: m.fliplr(x), (real,), (S23,)),
        C("flipud", lambda m, x: m.flipud(x), (real,), (S23,)),
        C("rot90", lambda m, x: m.rot90(x), (real,), (S23,)),
        C("rot90", lambda m, x: m.rot90(x, 3, axes=(1, 2)), (real,), (S234,), label="k=3"),
        C("roll", lambda m, x: m.roll(x, 2, axis=1), (real,), (S234,)),
        C("roll", lambda m, x: m.roll(x, -1), (real,), (S23,), label="flat"),
        C("repeat", lambda m, x: m.repeat(x, 2, axis=0), (real,), (S23,)),
        C("repeat", lambda m, x: m.repeat(x, [1, 0, 2], axis=1), (real,), (S23,), label="counts"),
        C("tile", lambda m, x: m.tile(x, (2, 1, 2)), (real,), (S23,)),
        C("take", lambda m, x: m.take(x, [2, 0, 2], axis=1), (real,), (S23,)),
        C("take", lambda m, x: m.take(x, [[0, 5], [1, 1]]), (real,), (S23,), label="flat"),
        C("diag", lambda m, x: m.diag(x), (real,), (S3,), label="vector"),
        C("diag", lambda m, x: m.diag(x, -1), (real,), (S3,), label="vector k=-1"),
        C("diag", lambda m, x: m.diag(x, 1), (real,), ((3, 4),), label="matrix k=1"),
        C("diagonal", lambda m, x: m.diagonal(x, 0, 1, 2), (real,), ((2, 3, 3),)),
        C("trace", lambda m, x: m.trace(x), (real,), (S33,)),
        C("tril", lambda m, x: m.tril(x, -1), (real,), ((3, 4),)),
        C("triu", lambda m, x: m.triu(x), (real,), ((2, 3, 3),)),
        C("pad", lambda m, x: m.pad(x, ((1, 0), (2, 1))), (real,), (S23,)),
        C("pad", lambda m, x: m.pad(x, 1, constant_values=2.0), (real,), (S23,), label="value"),
        C("pad", lambda m, x: m.pad(x, (2, 3), mode="reflect"), (real,), ((4,),), label="reflect"),
        C("pad", lambda m, x: m.pad(x, 1, mode="edge"), (real,), (S23,), label="edge"),
        C("diff", lambda m, x: m.diff(x), (real,), ((2, 5),)),
        C("diff", lambda m, x: m.diff(x, n=2, axis=0, prepend=0.0), (real,), ((4, 2),),
          label="n=2"),
        C("sort", lambda m, x: m.sort(x), (sorted_apart,), (S23,)),
        C("sort", lambda m, x: m.sort(x, axis=0), (sorted_apart,), (S23,), label="axis=0"),
        # products
        C("dot", lambda m, a, b: m.dot(a, b), (real, real), (S23, S3)),
        C("dot", lambda m, a, b: m.dot(a, b), (real, real), ((2, 2, 3), (4, 3, 2)), label="n-d"),
        C("vdot", lambda m, a, b: m.vdot(a, b), (real, real), (S23, S23)),
        C("outer", lambda m, a, b: m.outer(a, b), (real, real), (S3, (2,))),
        C("inner", lambda m, a, b: m.inner(a, b), (real, real), (S23, (4, 3))),
        C("tensordot", lambda m, a, b: m.tensordot(a, b), (real, real), (S234, (3, 4, 2))),
        C("tensordot", lambda m, a, b: m.tensordot(a, b, axes=([0, 2], [2, 0])), (real, real),
          (S234, (4, 3, 2)), label="axes"),
        C("einsum", lambda m, a, b: m.einsum("ij,jk->ik", a, b), (real, real), (S23, (3, 2))),
        C("einsum", lambda m, a: m.einsum("ii", a), (real,), (S33,), label="trace"),
        C("einsum", lambda m, a, b: m.einsum("bij,bj->bi", a, b), (real, real), (S234, (2, 4)),
          label="batched"),
        C("einsum", lambda m, a, b: m.einsum("i,j", a, b), (real, real), (S3, (2,)),
          label="implicit outer"),
        C("kron", lambda m, a, b: m.kron(a, b), (real, real), ((2, 2), S23)),
        C("cross", lambda m, a, b: m.cross(a, b), (real, real), ((2, 3), S3)),
        C("copy", lambda m, x: m.copy(x), (real,), (S3,)),
        C("astype", lambda m, x: m.astype(x, np.float32), (real,), (S3,), tol=1e-2),
        # queries and constants
        C("shape", lambda m, x: np.array(m.shape(x), dtype=float), (real,), (S23,), grads=False),
        C("ndim", lambda m, x: float(m.ndim(x)), (real,), (S23,), grads=False),
        C("size", lambda m, x: float(m.size(x)), (real,), (S23,), grads=False),
        C("zeros_like", lambda m, x: m.zeros_like(x), (real,), (S23,), grads=False),
        C("ones_like", lambda m, x: m.ones_like(x), (real,), (S23,), grads=False),
        C("full_like", lambda m, x: m.full_like(x, 2.5), (real,), (S23,), grads=False),
        C("empty_like", lambda m, x: m.empty_like(x).shape, (real,), (S23,), grads=False),
        C("any", lambda m, x: float(m.any(x > 1.0)), (real,), (S23,), grads=False),
        C("all", lambda m, x: float(m.all(x > -1.0, axis=0).sum()), (real,), (S23,), grads=False),
        C("allclose", lambda m, x: float(m.allclose(x, x + 1e-12)), (real,), (S23,), grads=False),
        C("isclose", lambda m, x, y: m.isclose(x, y) * 1.0, (real, real), (S23, S3), grads=False),
        C("array_equal", lambda m, x: float(m.array_equal(x, x)), (real,), (S3,), grads=False),
        C("count_nonzero", lambda m, x: float(m.count_nonzero(x > 0)), (real,), (S23,),
          grads=False),
        C("nonzero", lambda m, x: m.nonzero(x > 0)[0] * 1.0, (real,), (S3,), grads=False),
        C("argwhere", lambda m, x: m.argwhere(x > 0) * 1.0, (real,), (S23,), grads=False),
        C("flatnonzero", lambda m, x: m.flatnonzero(x > 0) * 1.0, (real,), (S23,), grads=False),
        C("iscomplexobj", lambda m, x: float(m.iscomplexobj(x)), (real,), (S3,), grads=False),
        C("isrealobj", lambda m, x: float(m.isrealobj(x)), (real,), (S3,), grads=False),
        C("result_type", lambda m, x: float(m.result_type(x, np.float32) == np.float64), (real,),
          (S3,), grads=False),
        # linalg
        C("linalg.inv", lambda m, a: m.linalg.inv(a), (invertible,), (S33,)),
        C("linalg.det", lambda m, a: m.linalg.det(a), (invertible,), ((2, 3, 3),)),
        C("linalg.slogdet", lambda m, a: m.linalg.slogdet(a)[1], (invertible,), (S33,)),
        C("linalg.solve", lambda m, a, b: m.linalg.solve(a, b), (invertible, real), (S33, S3)),
        C("linalg.cholesky", lambda m, a: m.linalg.cholesky(a), (spd,), (S33,)),
        C("linalg.eigh", lambda m, a: m.linalg.eigh(a)[0], (spd,), (S33,)),
        C("linalg.eigvalsh", lambda m, a: m.linalg.eigvalsh(a), (spd,), (S33,)),
        C("linalg.norm", lambda m, x: m.linalg.norm(x), (real,), (S23,)),
        C("linalg.norm", lambda m, x: m.linalg.norm(x, axis=1), (real,), (S23,), label="axis"),
        C("linalg.norm", lambda m, x: m.linalg.norm(x, 1), (away_from_zero,), (S3,), label="ord=1"),
        C("linalg.norm", lambda m, x: m.linalg.norm(x, np.inf), (sorted_apart,), (S3,),
          label="ord=inf"),
        C("linalg.norm", lambda m, x: m.linalg.norm(x, 3), (away_from_zero,), (S3,), label="ord=3"),
        C("linalg.norm", lambda m, x: m.linalg.norm(x, "fro"), (real,), (S23,), label="fro"),
        C("linalg.norm", lambda m, x: m.linalg.norm(x, 1), (away_from_zero,), (S23,),
          label="matrix 1"),
        C("linalg.norm", lambda m, x: m.linalg.norm(x, 2), (invertible,), (S33,), label="matrix 2"),
        C("linalg.norm", lambda m, x: m.linalg.norm(x, "nuc"), (invertible,), (S33,), label="nuc"),
        C("linalg.svd", lambda m, x: m.linalg.svd(x, compute_uv=False), (real,), ((3, 2),)),
        C("linalg.svd", lambda m, x: m.linalg.svd(x, full_matrices=False), (real,), ((2, 3),),
          label="U s Vh"),
        C("linalg.svd", lambda m, x: m.linalg.svd(x), (real,), ((2, 3, 3),), label="square stack"),
        C("linalg.pinv", lambda m, x: m.linalg.pinv(x), (real,), ((3, 2),)),
        C("linalg.matrix_power", lambda m, x: m.linalg.matrix_power(x, 3), (real,), (S33,)),
        C("linalg.matrix_power", lambda m, x: m.linalg.matrix_power(x, -2), (invertible,), (S33,),
          label="negative"),
        C("linalg.multi_dot", lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), (real, real, real),
          (S23, (3, 4), (4,))),
        C("linalg.trace", lambda m, x: m.linalg.trace(x), (real,), ((2, 3, 3),)),
        C("linalg.outer", lambda m, a, b: m.linalg.outer(a, b), (real, real), (S3, (2,))),
        C("linalg.matmul", lambda m, a, b: m.linalg.matmul(a, b), (real, real), (S23, (3, 2))),
    ]
)

# adkit's own names (no numpy counterpart): checked against a numpy formula instead
OWN = {
    "logsumexp": lambda x: np.log(np.sum(np.exp(x), axis=1)),
}
OWN_CASES = [C("logsumexp", lambda m, x: m.logsumexp(x, axis=1) if m is not np
               else OWN["logsumexp"](x), (real,), (S23,))]
