"""Conventions at kinks and domain edges: the values documented in adkit/primitives.py, identical
in forward and reverse mode, on Python floats and on arrays."""
import math

import numpy as np
import pytest

import adkit as ad
from adkit import primitives as P

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's 1/0 and log 0 notes

INF = math.inf


def derivatives(f, x):
    """f'(x) computed five ways: reverse and forward on a float, reverse on an array (through a
    sum), jacfwd and jacrev on an array (their diagonal). All must agree."""
    xs = np.full(3, x)
    return {
        "grad on float": ad.grad(f)(x),
        "derivative on float": ad.derivative(f)(x),
        "jvp on float": ad.jvp(f, (x,), (1.0,))[1],
        "grad on array": ad.grad(lambda v: ad.sum(f(v)))(xs),
        "jacfwd on array": np.diagonal(ad.jacfwd(f)(xs)),
        "jacrev on array": np.diagonal(ad.jacrev(f)(xs)),
    }


def assert_all_modes(f, x, expected):
    for how, value in derivatives(f, x).items():
        np.testing.assert_array_equal(np.broadcast_to(value, np.shape(value)),
                                      np.broadcast_to(expected, np.shape(value)), err_msg=how)
        assert np.asarray(value).dtype == np.float64, f"{how}: {value!r} is not a float"


@pytest.mark.parametrize("name,f", [("abs", ad.abs), ("abs()", lambda x: abs(x)),
                                    ("relu", ad.relu)])
def test_kinks_at_zero_have_derivative_zero(name, f):
    assert_all_modes(f, 0.0, 0.0)
    assert_all_modes(f, -0.0, 0.0)


def test_abs_and_relu_away_from_zero():
    assert_all_modes(ad.abs, -2.0, -1.0)
    assert_all_modes(ad.relu, -2.0, 0.0)
    assert_all_modes(ad.relu, 2.0, 1.0)


@pytest.mark.parametrize("op", [ad.maximum, ad.minimum], ids=["maximum", "minimum"])
def test_ties_split_the_derivative(op):
    for x in (0.0, 1.5):
        assert_all_modes(lambda t: op(t, x), x, 0.5)   # ∂/∂x at the tie
        assert_all_modes(lambda t: op(x, t), x, 0.5)   # ∂/∂y at the tie
        assert_all_modes(lambda t: op(t, t), x, 1.0)   # both: the halves add up
    grads = ad.grad(op, argnums=(0, 1))(2.0, 2.0)
    assert grads == (0.5, 0.5)
    arrays = ad.grad(lambda a, b: ad.sum(op(a, b)), argnums=(0, 1))(np.ones(2), np.ones(2))
    np.testing.assert_array_equal(arrays, [[0.5, 0.5], [0.5, 0.5]])
    assert ad.jvp(op, (2.0, 2.0), (1.0, 0.0))[1] == 0.5


def test_sqrt_at_zero_is_plus_infinity():
    assert ad.sqrt(0.0) == 0.0
    assert_all_modes(ad.sqrt, 0.0, INF)


def test_zero_seed_does_not_meet_an_infinite_partial():
    """Seeding only y: x's infinite partial at 0 must not turn ∂/∂y into 0 · ∞ = nan, in
    forward mode as in reverse mode (which never visits x when only y is asked for)."""
    f = lambda x, y: ad.sqrt(x) * y + y  # noqa: E731
    assert ad.jvp(f, (0.0, 2.0), (0.0, 1.0))[1] == 1.0
    assert ad.jvp(f, (np.zeros(2), np.ones(2)), (np.zeros(2), np.ones(2)))[1].tolist() == [1.0, 1.0]
    assert ad.grad(f, argnums=1)(0.0, 2.0) == 1.0
    assert ad.grad(f, argnums=(0, 1))(0.0, 2.0) == (INF, 1.0)


@pytest.mark.parametrize("c,expected", [(2.0, 0.0), (2, 0.0), (1.0, 1.0), (1, 1.0), (0.0, 0.0),
                                        (0, 0.0), (3.0, 0.0)])
def test_power_with_constant_exponent_at_zero(c, expected):
    assert_all_modes(lambda x: x ** c, 0.0, expected)
    assert_all_modes(lambda x: ad.power(x, c), 0.0, expected)
    # the same exponent as an array (the general pow rule) and as a traced input
    assert_all_modes(lambda x: x ** np.array(float(c)), 0.0, expected)
    assert ad.grad(lambda x, y: x ** y)(0.0, float(c)) == expected
    assert ad.jvp(lambda x, y: x ** y, (0.0, float(c)), (1.0, 0.0))[1] == expected


def test_power_zero_exponent_is_constant_everywhere():
    for x in (-2.0, 0.0, 3.0):
        assert_all_modes(lambda t: t ** 0.0, x, 0.0)


@pytest.mark.parametrize("y", [0.5, 1.0, 2.0, 3.0])
def test_derivative_in_the_exponent_at_zero_base(y):
    """d/dy x**y at x = 0 is 0 (the limit of x^y log x), not 0 · (-inf) = nan."""
    assert_all_modes(lambda t: 0.0 ** t, y, 0.0)
    assert ad.grad(lambda x, t: x ** t, argnums=1)(0.0, y) == 0.0
    assert ad.jvp(lambda x, t: x ** t, (0.0, y), (0.0, 1.0))[1] == 0.0
    both = ad.grad(lambda x, t: ad.sum(x ** t), argnums=(0, 1))(np.zeros(2), np.full(2, y))
    np.testing.assert_array_equal(both[1], [0.0, 0.0])


def test_log_at_zero():
    assert ad.log(0.0) == -INF
    assert ad.log(np.zeros(2)).tolist() == [-INF, -INF]
    assert_all_modes(ad.log, 0.0, INF)
    value, g = ad.value_and_grad(ad.log)(0.0)
    assert (value, g) == (-INF, INF)


def test_log_below_zero_is_nan():
    assert math.isnan(ad.log(-1.0))
    assert_all_modes(lambda x: ad.sqrt(x) * 0.0 + ad.log(x), -1.0, math.nan)


def test_ieee_values_on_floats_match_arrays():
    """Floats follow numpy instead of raising: a float and an array of floats always agree."""
    for f, x in [(ad.log, 0.0), (ad.log, -1.0), (lambda t: ad.div(1.0, t), 0.0), (ad.sqrt, -1.0),
                 (lambda t: ad.power(t, -1.0), 0.0), (lambda t: ad.power(-8.0, t), 1 / 3),
                 (ad.exp, 1000.0)]:
        on_float = f(x)
        on_array = f(np.array([x]))[0]
        np.testing.assert_array_equal(on_float, on_array)


@pytest.mark.parametrize("name,f", [("sign", ad.sign), ("less", lambda x: ad.less(x, 0.0)),
                                    ("equal", lambda x: ad.equal(x, 0.0)),
                                    ("greater_equal", lambda x: ad.greater_equal(x, 0.0))])
def test_not_differentiable_is_zero_at_its_jump(name, f):
    assert_all_modes(lambda x: x * 0.0 + f(x), 0.0, 0.0)


def test_saturating_functions_at_the_tails():
    """sigmoid and tanh stay finite far out: value 0 or 1, derivative 0, no nan."""
    for x, value in [(-1000.0, 0.0), (1000.0, 1.0)]:
        assert ad.sigmoid(x) == value
        assert_all_modes(ad.sigmoid, x, 0.0)
        assert_all_modes(ad.tanh, x, 0.0)


def test_conventions_are_documented_in_one_place():
    doc = P.__doc__
    for topic in ("abs", "relu", "maximum", "sqrt", "x ** c", "x ** y", "log", "sign"):
        assert topic in doc, f"adkit/primitives.py's docstring should state the {topic} convention"


SPECIAL = [0.0, 1.0, -1.0, 2.5, -2.5, math.inf, -math.inf, math.nan, 1e-310, 1e308]


@pytest.mark.parametrize("name", sorted(n for n, p in P.PRIMITIVES.items()
                                        if p.scalar_impl is not None and p.nargs in (1, 2)))
def test_floats_and_arrays_agree_at_special_values(name):
    """Python floats take a faster path (math, max, ...): at nan, ±inf, 0 and denormals it must
    give what numpy gives for an array of the same floats (nan stays nan)."""
    prim = P.PRIMITIVES[name]
    params = {"pow_const": {"exponent": 2.5}, "astype": {"dtype": "float64"}}.get(name, {})
    grid = [(x,) for x in SPECIAL] if prim.nargs == 1 else \
        [(x, y) for x in SPECIAL for y in SPECIAL]
    for args in grid:
        on_float = prim(*args, **params)
        on_array = prim(*(np.array([a]) for a in args), **params)[0]
        np.testing.assert_allclose(float(on_float), float(on_array), rtol=1e-15,
                                   err_msg=f"{name}{args}")
