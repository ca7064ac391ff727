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
    hypot = ad.Primitive("hypot2", np.hypot, nargs=2,
                         partials=lambda out, x, y: (x / out, y / out))
    with ad.registered(hypot):
        g = ad.parse("hypot2(x, y)")
        assert g(x=3.0, y=4.0) == 5.0
        assert ad.grad(g, argnums=(0, 1))(3.0, 4.0) == pytest.approx((0.6, 0.8))
        with pytest.raises(ad.ParseError, match="takes 2 argument"):
            ad.parse("hypot2(x)")


def test_a_primitive_that_needs_keyword_parameters_is_not_read_by_name():
    scaled = ad.Primitive("scaled", lambda x, *, k: k * x, partials=lambda out, x, *, k: (k,))
    with ad.registered(scaled):
        assert scaled(2.0, k=3.0) == 6.0
        with pytest.raises(ad.ParseError, match="unknown function 'scaled'"):
            ad.parse("scaled(x)")


@pytest.mark.parametrize("name, why", [
    ("x", "reads as a variable in expressions (x*2 would read x as the function)"),
    ("x1", "reads as a variable"), ("w_3", "reads as a variable"), ("W", "reads as a variable"),
    ("θ", "reads as a variable"), ("theta2", "reads as a variable"),
    ("e", "is the constant e in expressions"), ("pi", "is the constant pi"),
    ("ln", "is how expressions write log"), ("max", "is how expressions write maximum"),
])
def test_a_name_that_text_reads_otherwise_is_refused(name, why):
    identity = ad.Primitive(name, lambda x: x, partials=lambda out, x: (1.0,))
    with pytest.raises(ad.ADError) as e:
        ad.register(identity)
    message = str(e.value)
    assert message.startswith(f"register: the name {name!r} {why}")
    assert message.endswith(f"; give the primitive a function's name, such as 'my_{name}'")
    assert name not in PRIMITIVES
    assert ad.parse("x*2 + e")(x=1.0) == 2.0 + math.e


def test_a_function_s_name_like_a_word_is_accepted_and_parsed():
    cube = ad.Primitive("cube", lambda x: x ** 3, partials=lambda out, x: (3 * x ** 2,))
    with ad.registered(cube):
        assert ad.parse("cube(x)*x")(x=2.0) == 16.0
