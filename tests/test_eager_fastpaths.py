"""The eager path's shortcuts for plain arrays give what the primitives give, errors included."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import adkit as ad
from adkit import primitives as P
from adkit.core import ShapeError


def test_matmul_vjp_plain_arrays_match_the_recorded_rule():
    rng = np.random.default_rng(0)
    a, b, ct = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=(3, 2))
    plain = P.matmul.vjp(ct, None, a, b)
    g = ad.trace(lambda ct, a, b: P.matmul.vjp(ct, None, a, b)[0], ct, a, b)  # boxes: recorded
    np.testing.assert_array_equal(plain[0], ct @ b.T)
    np.testing.assert_array_equal(plain[1], a.T @ ct)
    np.testing.assert_allclose(g(ct, a, b), plain[0], rtol=1e-15)
    assert P.matmul.vjp(ct, None, a, b, needed=(False, True))[0] is None


def test_matmul_vjp_shapes_that_do_not_fit_raise_shape_error():
    with pytest.raises(ShapeError, match="matmul"):
        P.matmul.vjp(np.ones((2, 5)), None, np.ones((2, 4)), np.ones((4, 3)))


def test_sum_adjoint_broadcast_plain_and_mismatched():
    np.testing.assert_array_equal(P._broadcast(2.0, (2, 3)), np.full((2, 3), 2.0))
    with pytest.raises(ShapeError, match="broadcast_to"):
        P._broadcast(np.ones(3), (2,))


def test_grad_with_tuple_argnums_checked_once_still_refuses_bad_calls():
    f = ad.grad(lambda x, y: x * y, argnums=(0, 1))
    assert f(2.0, 3.0) == (3.0, 2.0)
    with pytest.raises(ad.ADError, match="argnums"):
        f(2.0)  # one argument: argnums 1 is out of range, every time
    with pytest.raises(ad.ADError, match="argnums"):
        f(2.0)


@pytest.mark.parametrize("f", [
    lambda x: ad.numpy.sum(ad.numpy.sqrt(x * 0.0)),         # ∞ adjoint times a partial 0
    lambda x: ad.numpy.sum(ad.numpy.sqrt(x * 0.0) * 2.0),   # ... after an in-place product
    lambda x: ad.numpy.sum(ad.numpy.sqrt(ad.numpy.relu(-x))),  # relu's [x > 0] against ∞
])
def test_the_zero_rule_holds_in_the_fast_sweep_when_the_adjoint_is_infinite(f):
    """A zero partial wins against an infinite adjoint: the fast sweep agrees with the reference
    loop, forward mode and the float path (it gave nan when it multiplied in place)."""
    import warnings
    from adkit.reverse import backward
    x = np.array([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g = ad.trace(f, x)
        reference = backward(g, {g.outputs[0]: 1.0})[0]
        np.testing.assert_array_equal(ad.grad(f)(x), reference)
        np.testing.assert_array_equal(ad.grad(f)(x), ad.jacfwd(f)(x))
    np.testing.assert_array_equal(reference, [0.0, 0.0])


def test_sum_adjoint_of_a_float_is_a_fresh_writable_array():
    a = P._broadcast(3.0, (2, 2))
    a[0, 0] = 1.0  # not a read-only broadcast view
    np.testing.assert_array_equal(a, [[1.0, 3.0], [3.0, 3.0]])


def test_partials_of_constants_are_not_computed_by_a_rule_that_takes_needed():
    """A rule with partials_needed gets needed= from the fast sweep and is never asked for the
    partial of a constant argument (x / c does not compute -out / c)."""
    asked = []

    def partials(out, x, y, *, needed=(True, True)):
        asked.append(needed)
        return (ad.numpy.ones_like(x) if needed[0] else None,
                ad.numpy.ones_like(y) if needed[1] else None)

    plus = ad.Primitive("plus_watched", np.add, partials=partials, nargs=2, partials_needed=True)
    c = np.array([1.0, 2.0])
    with ad.registered(plus):
        g = ad.grad(lambda x: ad.numpy.sum(plus(x, c)))(np.array([3.0, 4.0]))
        np.testing.assert_array_equal(g, [1.0, 1.0])
        assert asked == [(True, False)]
        gx, gy = ad.grad(lambda x, y: ad.numpy.sum(plus(x, y)), argnums=(0, 1))(c, c)
        assert asked[-1] == (True, True)  # both wanted: the full rule


@pytest.mark.parametrize("f", [lambda x: x / np.array([2.0, 4.0]),
                               lambda x: np.array([2.0, 4.0]) / x,
                               lambda x: x ** np.array([2.0, 3.0]),
                               lambda x: np.array([2.0, 3.0]) ** x])
def test_div_and_pow_skip_the_constant_partial_and_agree_with_forward_mode(f):
    x = np.array([1.5, 2.5])
    np.testing.assert_allclose(ad.jacrev(f)(x), ad.jacfwd(f)(x), rtol=1e-14)
    np.testing.assert_allclose(ad.grad(lambda x: ad.numpy.sum(f(x)))(x),
                               np.diag(ad.jacfwd(f)(x)), rtol=1e-14)


A_ZERO_ONE = np.array([0.0, 1.0])
X_BIAS = np.array([-1.0, 0.0, 2.0])


@pytest.mark.parametrize("f, x, expected", [
    (lambda x: ad.numpy.sum(ad.numpy.sqrt(x * A_ZERO_ONE) * A_ZERO_ONE), 1.0, 0.5),
    (lambda x: ad.numpy.sum(ad.numpy.sqrt(x * A_ZERO_ONE) * A_ZERO_ONE), np.array(1.0), 0.5),
    (lambda x: ad.numpy.sum(ad.numpy.sqrt(x * A_ZERO_ONE) * A_ZERO_ONE), np.float32(1.0), 0.5),
    (lambda b: ad.numpy.sum(ad.numpy.sqrt(ad.relu(X_BIAS + b)) * ad.relu(X_BIAS + b)), 0.0,
     1.5 * np.sqrt(2.0)),
])
def test_the_zero_rule_reaches_scalar_inputs_through_array_products(f, x, expected):
    """A scalar input's adjoint is summed from array products: a nan there (0 · ∞ taken
    plainly) sends the sweep round again with the rule, as for an array input."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert float(ad.grad(f)(x)) == pytest.approx(expected, rel=1e-12)
        assert float(ad.vjp(f, x)[1](1.0)[0]) == pytest.approx(expected, rel=1e-12)
        assert float(ad.jacfwd(f)(x)) == pytest.approx(expected, rel=1e-12)


_OPERATORS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
              "/": lambda a, b: a / b}
_CONSTANTS = {"float": 1.5, "int": 2, "np.float64": np.float64(-0.5), "array": np.array([0.5, 2.0]),
              "0-d array": np.array(3.0)}


@settings(max_examples=60, deadline=None)
@given(op=st.sampled_from(sorted(_OPERATORS)), kind=st.sampled_from(sorted(_CONSTANTS)),
       constant_first=st.booleans(), x=st.floats(0.5, 3.0))
def test_operator_recorders_agree_with_forward_mode_on_every_kind_of_constant(op, kind,
                                                                              constant_first, x):
    """Tracer.__mul__ and kin record floats inline and hand other kinds on: the value and the
    gradient are those of forward mode (Duals, another code path) on every mix."""
    fn, c = _OPERATORS[op], _CONSTANTS[kind]

    def f(x):
        y = fn(c, x) if constant_first else fn(x, c)
        return ad.sum(fn(y, x))  # a second operation with both arguments traced

    value, gradient = ad.value_and_grad(f)(x)
    expected_value = np.sum(fn(fn(c, x) if constant_first else fn(x, c), x))
    assert np.allclose(value, expected_value, rtol=1e-12)
    assert np.allclose(gradient, ad.jacfwd(f)(x), rtol=1e-12)
    assert type(gradient) is float
