"""Registration without surprises: a registered primitive is usable everywhere, and goes away."""
import math

import numpy as np
import pytest

import adkit as ad
from adkit.core import PRIMITIVES


def _softplus():
    return ad.Primitive("softplus", lambda x: np.logaddexp(0.0, x),
                        partials=lambda out, x: (ad.sigmoid(x),),
                        sympy=lambda sp, x: sp.log(1 + sp.exp(x)))


def test_register_parse_grad_tables_check_grade_then_unregister():
    with pytest.raises(ad.ParseError, match="unknown function 'softplus'"):
        ad.parse("softplus(x)")
    softplus = ad.register(_softplus())
    try:
        g = ad.parse("softplus(x1*x2) + x1")
        assert g.inputs == ("x1", "x2")
        s = 1 / (1 + math.exp(0.75))
        assert ad.grad(g, argnums=(0, 1))(1.5, -0.5) == pytest.approx((-0.5 * s + 1, 1.5 * s))
        table = ad.forward_table("softplus(x1*x2) + x1", at={"x1": 1.5, "x2": -0.5})
        assert table.rows[3].rhs == "sigmoid w3 · ẇ3"
        assert table.result == pytest.approx(-0.5 * s + 1)
        report = ad.check("softplus(x1*x2) + x1", at={"x1": 1.5, "x2": -0.5})
        assert report.ok and report.symbolic is not None
        assert ad.grade("softplus(x)", "sigmoid(x)", "x").status == "correct"
        assert ad.grade("softplus(x)", "tanh(x)", "x").status == "incorrect"
        answers = {row.lhs: row.value for row in table.rows}
        assert ad.grade_table("softplus(x1*x2) + x1", answers, at={"x1": 1.5, "x2": -0.5}).score == 1.0
        assert ad.parse("softplus(x)")(x=0.0) == pytest.approx(math.log(2.0))
    finally:
        assert ad.unregister("softplus") is softplus
    with pytest.raises(ad.ParseError, match="unknown function 'softplus'"):
        ad.parse("softplus(x)")


def test_registered_scope_restores_the_table_even_after_an_error():
    before = dict(PRIMITIVES)
    with pytest.raises(ZeroDivisionError):
        with ad.registered(_softplus()) as softplus:
            assert softplus.name == "softplus" and ad.parse("softplus(x)").inputs == ("x",)
            1 / 0
    assert PRIMITIVES == before
    with ad.registered(_softplus()):  # twice in a row works
        assert "softplus" in PRIMITIVES
    assert "softplus" not in PRIMITIVES


def test_registering_twice_or_removing_a_builtin_is_a_clear_error():
    with ad.registered(_softplus()):
        with pytest.raises(ad.ADError, match="already exists"):
            ad.register(_softplus())
    with pytest.raises(ad.ADError, match="one of adkit's own primitives"):
        ad.unregister("sin")
    with pytest.raises(ad.ADError, match="no registered primitive named 'nope'"):
        ad.unregister("nope")
    with pytest.raises(ad.ADError, match="expected an ad.Primitive"):
        ad.register(np.sin)


def test_binary_registered_primitive_parses_with_two_arguments():
    hypot = ad.Primitive("hypot", np.hypot, nargs=2,
                         partials=lambda out, x, y: (x / out, y / out))
    with ad.registered(hypot):
        g = ad.parse("hypot(x, y)")
        assert g(x=3.0, y=4.0) == 5.0
        assert ad.grad(g, argnums=(0, 1))(3.0, 4.0) == pytest.approx((0.6, 0.8))
        with pytest.raises(ad.ParseError, match="takes 2 argument"):
            ad.parse("hypot(x)")


def test_a_primitive_that_needs_keyword_parameters_is_not_read_by_name():
    scaled = ad.Primitive("scaled", lambda x, *, k: k * x, partials=lambda out, x, *, k: (k,))
    with ad.registered(scaled):
        assert scaled(2.0, k=3.0) == 6.0
        with pytest.raises(ad.ParseError, match="unknown function 'scaled'"):
            ad.parse("scaled(x)")
