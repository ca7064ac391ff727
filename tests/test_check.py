"""ad.check: forward mode, reverse mode and sympy agree; undefined points are reported."""
import math
import time

import numpy as np
import pytest

import adkit as ad
from adkit import primitives as P
from adkit.core import Notation, Primitive
from adkit.graph import Graph
from adkit.symbolic import SympyTimeout, _TimeLimit


def test_check_at_a_point():
    r = ad.check("log(x1) + x1*x2 - sin(x2)", at={"x1": 2.0, "x2": 5.0})
    assert r.ok and r.max_error <= 1e-15
    assert r.forward == {"x1": 5.5, "x2": pytest.approx(2.0 - math.cos(5.0), abs=1e-15)}
    assert r.reverse["x2"] == ad.grad(lambda x1, x2: ad.log(x1) + x1 * x2 - ad.sin(x2),
                                      argnums=1)(2.0, 5.0)
    assert r.symbolic["x1"] == 5.5 and r.symbolic["x2"] == pytest.approx(1.7163378145367738)
    assert str(r.derivatives["x1"]) == "x2 + 1/x1"
    text = str(r)
    assert "at x1 = 2, x2 = 5:" in text and text.endswith("max error 0: ok")


def test_random_points_are_seeded_and_inside_the_domain():
    a = ad.check("log(x) + sqrt(y)", points=4, seed=3)
    b = ad.check("log(x) + sqrt(y)", points=4, seed=3)
    assert [p.at for p in a.points] == [p.at for p in b.points]
    assert len(a.points) == 4 and a.ok
    assert all(p.at["x"] > 0 and p.at["y"] > 0 for p in a.points)
    assert a.undefined == []  # random points skip where the function is undefined
    assert "random point" in str(a)


def test_undefined_point_is_reported_not_raised():
    r = ad.check("log(x)", at={"x": -1.0})
    assert not r.ok and math.isnan(r.max_error)
    assert r.undefined == [({"x": -1.0}, "the function is not finite there")]
    assert "undefined" in str(r) and "nothing to compare" in str(r)
    r = ad.check("sqrt(x)", at={"x": 0.0})  # defined, but its derivative is not
    assert r.undefined == [({"x": 0.0}, "the derivative is not finite there")]


def test_function_and_graph_sources():
    r = ad.check(lambda a, b: a * b + a ** 3, points=2)
    assert r.ok and r.names == ["a", "b"] and set(r.forward) == {"a", "b"}
    g = ad.parse("x1*x2 + sin(x1)")
    r = ad.check(g, at=(2.0, 5.0))
    assert r.ok and r.reverse == {"x1": 5.0 + math.cos(2.0), "x2": 2.0}


@pytest.mark.parametrize("text", [
    "x1*x2 + sin(x1)", "exp(x)*sqrt(x) + tanh(x)/x", "sigmoid(x^3) - cos(x)*tan(x)",
    "x/y - y/x + 1/(x*y)", "x^y + 2^x + x^-2", "log1p(x^2) * exp(-x/2)", "-x^2 + pi*x - e",
    "relu(x) + abs(y) + max(x, y) + min(x, 2*y)",
])
def test_many_expressions_agree(text):
    assert ad.check(text, points=2).ok


def test_a_wrong_rule_is_caught():
    """A primitive whose derivative rule is wrong: forward and reverse agree, sympy does not."""
    bad_sin = Primitive("bad_sin", np.sin, partials=lambda out, x: (P.sin(x),),
                        sympy=lambda sp, x: sp.sin(x), notation=Notation("function", "sin"))
    g = Graph(abstract=True)
    x = g.add_input("x")
    g.outputs.append(g.add_node(bad_sin, (x,), (None,)))
    r = ad.check(g, at={"x": 1.0})
    assert r.forward == r.reverse == {"x": math.sin(1.0)}
    assert r.symbolic["x"] == pytest.approx(math.cos(1.0))
    assert not r.ok and r.max_error > 0.1 and "MISMATCH" in str(r)


def test_time_limit_stops_a_long_step():
    start = time.perf_counter()
    with pytest.raises(SympyTimeout):
        with _TimeLimit(0.05, "spin"):
            while True:
                pass
    assert time.perf_counter() - start < 2.0


def test_no_sympy_form_is_a_note_not_a_crash():
    g = Graph(abstract=True)
    x = g.add_input("x")
    opaque = Primitive("opaque", np.sin, partials=lambda out, x: (P.cos(x),), sympy=None)
    g.outputs.append(g.add_node(opaque, (x,), (None,)))
    r = ad.check(g, at={"x": 0.5})
    assert r.ok and r.symbolic == {} and "no sympy comparison" in str(r)


def test_bad_input():
    with pytest.raises(ad.ParseError):
        ad.check("sin(")
    with pytest.raises(ad.ADError, match="scalar inputs"):
        ad.check(lambda v: ad.sum(v), at=(np.ones(3),))


def test_to_sympy_works_with_the_users_own_symbols():
    """g.to_sympy() uses sympy's plain symbols: differentiating by sp.symbols("x1") is not 0."""
    import sympy as sp
    x1, x2 = sp.symbols("x1 x2")
    expr = ad.parse("x1*x2 + sin(x1)").to_sympy()
    assert expr == x1 * x2 + sp.sin(x1)
    assert sp.diff(expr, x1) == x2 + sp.cos(x1)
