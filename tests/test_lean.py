"""Gradient sweeps keep only what derivative rules read (each primitive's ``saves``)."""
import numpy as np
import pytest

import adkit as ad
from adkit.core import LEAN_MIN_SIZE, ShapeOnly
from adkit.primitives import PRIMITIVES
from adkit.reverse import _tape, backward


class Untouchable:
    """Stands in for a value a rule promised not to read: any use but .shape fails."""

    def __init__(self, shape):
        self.shape = shape

    def __getattr__(self, name):
        raise AssertionError(f"the rule read {name!r} of a value it does not save")

    def __array__(self, *args, **kwargs):
        raise AssertionError("the rule read a value it does not save")


def _operands(prim):
    rng = np.random.default_rng(0)
    if prim.name == "where":
        return (rng.uniform(size=3) > 0.5, rng.uniform(1, 2, 3), rng.uniform(1, 2, 3))
    if prim.name == "concatenate":
        return (rng.uniform(1, 2, 3), rng.uniform(1, 2, 2))
    if prim.name in NN_SHAPES:
        return tuple(rng.uniform(1, 2, shape) for shape in NN_SHAPES[prim.name])
    if prim.name in MATRIX_OPERANDS:
        return MATRIX_OPERANDS[prim.name]
    if prim.name in ("arcsin", "arccos", "arctanh"):  # inside their domain (-1, 1)
        return (rng.uniform(-0.9, 0.9, 3),)
    return tuple(rng.uniform(1, 2, 3) for _ in range(max(prim.nargs, 1)))


_SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
MATRIX_OPERANDS = {"inv": (_SPD,), "det": (_SPD,), "logabsdet": (_SPD,), "cholesky": (_SPD,),
                   "eigh": (_SPD,), "svd": (_SPD[:, :2],), "solve": (_SPD, np.ones((3, 2))),
                   "amax": (np.array([1.0, 3.0, 2.0]),), "amin": (np.array([1.0, 3.0, 2.0]),)}


# adkit.nn's primitives (tests/conftest.py imports adkit.nn, so they are always in the table)
_GEOMETRY = {"strides": (1, 1), "padding": "VALID"}
NN_SHAPES = {"conv2d": [(1, 4, 4, 2), (2, 2, 2, 3)], "conv2d_backprop_input": [(1, 3, 3, 3), (2, 2, 2, 3)],
             "conv2d_backprop_filter": [(1, 4, 4, 2), (1, 3, 3, 3)], "max_pool2d": [(1, 4, 4, 2)],
             "max_pool2d_select": [(1, 4, 4, 2), (1, 4, 4, 2)],
             "max_pool2d_backprop": [(1, 2, 2, 2), (1, 4, 4, 2)],
             "avg_pool2d": [(1, 4, 4, 2)], "avg_pool2d_transpose": [(1, 2, 2, 2)], "logsumexp": [(2, 3)]}
NN_PARAMS = {"conv2d": _GEOMETRY, "conv2d_backprop_input": {"x_shape": (1, 4, 4, 2), **_GEOMETRY},
             "conv2d_backprop_filter": {"w_shape": (2, 2, 2, 3), **_GEOMETRY},
             "max_pool2d": {"window": (2, 2), "strides": (2, 2), "padding": "VALID"},
             "avg_pool2d": {"window": (2, 2), "strides": (2, 2), "padding": "VALID"},
             "max_pool2d_select": {"window": (2, 2), "strides": (2, 2), "padding": "VALID"},
             "max_pool2d_backprop": {"window": (2, 2), "strides": (2, 2), "padding": "VALID"},
             "avg_pool2d_transpose": {"x_shape": (1, 4, 4, 2), "window": (2, 2), "strides": (2, 2),
                                      "padding": "VALID"},
             "logsumexp": {"axis": (-1,), "keepdims": False}}


PARAMS = {"pow_const": {"exponent": 3.0}, "sum": {"axis": (-1,), "keepdims": False},
          "mean": {"axis": (-1,), "keepdims": False}, "reshape": {"shape": (3, 1)},
          "transpose": {"axes": (0,)}, "broadcast_to": {"shape": (2, 3)},
          "getitem": {"index": (slice(0, 2),)}, "scatter_add": {"index": (slice(0, 3),), "shape": (4,)},
          "concatenate": {"axis": -1}, "matmul": {}, "astype": {"dtype": "float32"},
          "amax": {"axis": (-1,), "keepdims": False}, "amin": {"axis": (-1,), "keepdims": False},
          **NN_PARAMS}


@pytest.mark.parametrize("name", sorted(n for n, p in PRIMITIVES.items()
                                        if p.differentiable and p.saves is not None))
def test_rules_read_only_what_they_save(name):
    prim = PRIMITIVES[name]
    params = PARAMS.get(name, {})
    args = _operands(prim)
    if name == "matmul":
        args = (np.ones((2, 3)), np.ones(3))
    out = prim(*args, **params)
    hidden = tuple(a if k in prim.saves else Untouchable(np.shape(a)) for k, a in enumerate(args))
    hidden_out = out if "out" in prim.saves else Untouchable(np.shape(out))
    if prim.partials is not None:
        prim.partials(hidden_out, *hidden, **params)
    else:
        prim.vjp(np.ones(np.shape(out)), hidden_out, *hidden, **params)


def test_a_gradient_tape_drops_large_arrays_no_rule_reads():
    x = np.linspace(0.1, 1.0, LEAN_MIN_SIZE)

    def g(x):
        return ad.sum(ad.sin(x) * ad.exp(-x ** 2) + ad.log(1 + x ** 2))
    graph, tracers, out = _tape(g, [x], "test")
    kept = sum(type(v) is np.ndarray for v in graph.values) + sum(
        type(a) is np.ndarray for args in graph.argvals for a in args)
    dropped = sum(type(a) is ShapeOnly for args in graph.argvals for a in args)
    assert dropped >= 5 and kept <= 8
    adjoint = backward(graph, {out.index: 1.0})[0]
    exact = np.cos(x) * np.exp(-x ** 2) - 2 * x * np.sin(x) * np.exp(-x ** 2) + 2 * x / (1 + x ** 2)
    np.testing.assert_allclose(adjoint, exact, rtol=1e-12)


def test_traced_graphs_keep_every_value():
    g = ad.trace(lambda x: ad.sum(ad.sin(x) * 2.0), np.ones(LEAN_MIN_SIZE))
    assert not g.lean
    assert all(v is not None for v in g.values)
