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
    (lambda x: ad.sum(ad.sqrt(ad.relu(x))), -1.0, 0.0),  # a 0-d sum's adjoint stays a float
    (lambda x: ad.sum(ad.sqrt(ad.relu(x))), np.array(-1.0), 0.0),
    (lambda x: ad.relu(x) * ad.log(x), np.array(-1.0), 0.0),  # numpy scalars: the rule too
    (lambda x: ad.relu(x) * ad.log(x), np.float64(-1.0), 0.0),
    (lambda x: ad.relu(x) * ad.log(x), np.array(-1.0, dtype=np.float32), 0.0),
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
    graph = ad.trace(f, x)  # nodes appended inline and by add_node: the columns stay in step
    assert len({len(column) for column in (graph.prims, graph.refs, graph.argvals, graph.params,
                                           graph.values)}) == 1
    assert float(graph(x)) == pytest.approx(float(value), rel=1e-12)
    expected_value = np.sum(fn(fn(c, x) if constant_first else fn(x, c), x))
    assert np.allclose(value, expected_value, rtol=1e-12)
    assert np.allclose(gradient, ad.jacfwd(f)(x), rtol=1e-12)
    assert type(gradient) is float


# -- the adjoint of a sum seeded with 1: cached read-only ones, passed through without a product

def _sweeps(monkeypatch):
    """Record the ``careful`` flag of every fast sweep (the second one re-runs with the zero
    rule after a nan reached an input)."""
    from adkit import fastpath
    calls, sweep = [], fastpath._sweep

    def watched(graph, seeds, keep_all, careful):
        calls.append(careful)
        return sweep(graph, seeds, keep_all, careful)
    monkeypatch.setattr(fastpath, "_sweep", watched)
    return calls


def _ones_untouched():
    return all(np.all(ones == 1.0) and not ones.flags.writeable for ones in P.ONES.values())


def test_a_partial_after_a_seeded_sum_is_passed_on_as_it_is():
    from adkit import fastpath
    x = np.array([[1.0, -2.0], [3.0, 0.5]])
    g = ad.grad(lambda x: ad.numpy.sum(x ** 2))(x)
    np.testing.assert_array_equal(g, 2 * x)
    graph = ad.trace(lambda x: ad.numpy.sum(x ** 2), x)
    adjoint, unchecked = fastpath._sweep(graph, {graph.outputs[0]: 1.0}, False, careful=False)
    np.testing.assert_array_equal(adjoint[0], 2 * x)
    assert not unchecked  # 1 · 2x is 2x exactly: no plain product, so no nan check
    g *= 0.0  # the caller's own array
    np.testing.assert_array_equal(ad.grad(lambda x: ad.numpy.sum(x ** 2))(x), 2 * x)
    assert _ones_untouched()


def test_the_gradient_of_a_plain_sum_is_a_writable_array_of_its_own():
    x = np.ones((3, 2))
    g = ad.grad(ad.numpy.sum)(x)
    assert g.flags.writeable and g is not P.ONES.get((3, 2))
    g[0, 0] = 5.0
    np.testing.assert_array_equal(ad.grad(ad.numpy.sum)(x), np.ones((3, 2)))
    assert _ones_untouched()


@pytest.mark.parametrize("x", [
    np.array([1.0, 2.0], dtype=np.float32),   # float32 partial: multiplied (float64 ones)
    np.linspace(-1.0, 1.0, 5000),             # too big to cache: a fresh array
    np.array([[1.0, 2.0], [3.0, 4.0]]),       # a sum over one axis: broadcast, not ones
])
def test_sums_that_take_the_general_adjoint_agree_with_forward_mode(x):
    f = ((lambda x: ad.numpy.sum(ad.numpy.sum(x * x, axis=0) ** 2)) if x.ndim == 2 else
         (lambda x: ad.numpy.sum(x * x)))
    g = ad.grad(f)(x)
    assert g.dtype == x.dtype and g.flags.writeable
    np.testing.assert_allclose(g, ad.jacfwd(f)(x), rtol=1e-6 if x.dtype == np.float32 else 1e-13)
    assert x.size <= 4096 or x.shape not in P.ONES
    assert _ones_untouched()


def test_an_infinite_partial_after_a_seeded_sum_stays_infinite():
    import warnings
    x = np.array([0.0, 4.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_array_equal(ad.grad(lambda x: ad.numpy.sum(ad.numpy.sqrt(x)))(x),
                                      [np.inf, 0.25])


# -- relu's mask written into an adjoint the sweep owns (a matmul's VJP result)

def _two_layer(x, W, v):
    return ad.numpy.sum(ad.relu(x @ W) @ v)


def test_relu_after_a_matmul_masks_in_place_with_the_zero_rule(monkeypatch):
    """Column 1 of x @ W is negative everywhere and v[1] is ∞: the adjoint reaching relu is ∞
    there, and relu's zero partial wins (0, not 0 · ∞ = nan), in the first sweep."""
    import warnings
    from adkit.reverse import backward
    x = np.array([[1.0, 2.0], [0.5, 1.0], [2.0, 1.0]])
    W = np.array([[1.0, -1.0, 0.5], [0.5, -2.0, -1.0]])
    v = np.array([[1.0], [np.inf], [2.0]])
    sweeps = _sweeps(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        gW, gv = ad.grad(_two_layer, argnums=(1, 2))(x, W, v)
        g = ad.trace(_two_layer, x, W, v)
        reference = backward(g, {g.outputs[0]: 1.0})
    assert sweeps == [False]
    np.testing.assert_array_equal(gW, reference[1])
    np.testing.assert_array_equal(gv, reference[2])
    assert np.all(gW[:, 1] == 0.0) and np.all(np.isfinite(gW))


def test_relu_on_an_adjoint_the_sweep_does_not_own_multiplies_and_keeps_the_ones():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(ad.grad(lambda x: ad.numpy.sum(ad.relu(x)))(x), [0.0, 0.0, 1.0])
    assert _ones_untouched()


def test_relu_of_a_vector_matmul_agrees_with_forward_mode():
    rng = np.random.default_rng(3)
    M, u = rng.normal(size=(4, 3)), rng.normal(size=4)
    f = lambda u: ad.numpy.sum(ad.relu(ad.relu(u) @ M) @ M.T)  # noqa: E731
    np.testing.assert_allclose(ad.grad(f)(u), ad.jacfwd(f)(u), rtol=1e-13)


def test_nested_gradients_through_the_array_fast_paths():
    """Hessian-vector products and compiled gradients record the same rules on boxes."""
    rng = np.random.default_rng(4)
    x, W = rng.normal(size=(3, 2)), rng.normal(size=(2, 2))
    loss = lambda W: ad.numpy.sum(ad.relu(x @ W) ** 2)  # noqa: E731
    H = ad.hessian(loss)(W)
    np.testing.assert_allclose(H, ad.jacfwd(ad.grad(loss))(W), rtol=1e-12)
    np.testing.assert_allclose(ad.compile(ad.grad(loss))(W), ad.grad(loss)(W), rtol=1e-12)


@pytest.mark.parametrize("argnums", [(0, 1), (0, 1, 2)])
def test_gradients_that_share_one_adjoint_are_separate_arrays(argnums):
    """x + y hands one buffer to both arguments (a partial of 1): each caller's gradient is its
    own array, for two gradients (compared directly) and for more (the general check)."""
    f = lambda x, y, z: ad.numpy.sum(ad.relu(x + y) @ z)  # noqa: E731
    x, y, z = np.array([[1.0, -3.0]]), np.array([[0.5, 1.0]]), np.array([[2.0], [1.0]])
    grads = ad.grad(f, argnums=argnums)(x, y, z)
    gx, gy = grads[0], grads[1]
    assert gx is not gy and not np.shares_memory(gx, gy)
    gx *= 10.0
    np.testing.assert_array_equal(gy, [[2.0, 0.0]])


C_CONST = np.array([3.0, 4.0])


@pytest.mark.parametrize("f", [
    lambda x: ad.numpy.sum(x * C_CONST),        # mul's partial is the constant array itself
    lambda x: ad.numpy.sum(ad.numpy.exp(x)),    # exp's partial is its own output
    lambda x: ad.numpy.sum(ad.numpy.sin(x)),    # a fresh partial, passed on as it is
])
def test_a_partial_passed_after_a_seeded_sum_never_hands_out_an_array_of_the_trace(f):
    x = np.array([1.0, 2.0])
    g = ad.grad(f)(x)
    np.testing.assert_allclose(g, ad.jacfwd(f)(x).ravel(), rtol=1e-14)
    assert not np.shares_memory(g, C_CONST) and not np.shares_memory(g, x)
    g *= 0.0
    np.testing.assert_array_equal(C_CONST, [3.0, 4.0])
    np.testing.assert_allclose(ad.grad(f)(x), ad.jacfwd(f)(x).ravel(), rtol=1e-14)


def test_numpy_errors_sets_and_restores_numpy_error_state_both_ways():
    """NumpyErrors: numpy's context variable where there is one, else np.errstate (the class's
    own methods, called here directly); either way the state before comes back."""
    from adkit.core import NumpyErrors
    watch = NumpyErrors(invalid="raise")
    before = np.geterr()
    for set_state, reset_state in ((watch.set, watch.reset),
                                   (lambda: NumpyErrors.set(watch),
                                    lambda token: NumpyErrors.reset(watch, token))):
        token = set_state()
        try:
            with pytest.raises(FloatingPointError):
                np.sqrt(np.array([-1.0]))
        finally:
            reset_state(token)
        assert np.geterr() == before


def test_a_gradient_keeps_a_0d_float32_input_s_precision():
    x = np.array(0.5, dtype=np.float32)
    gradient = ad.grad(lambda x: ad.sum(ad.sin(x)))(x)
    assert gradient.dtype == np.float32 and gradient == np.float32(np.cos(np.float32(0.5)))
    assert type(ad.grad(lambda x: ad.sum(ad.sin(x)))(0.5)) is float


def test_sum_over_all_of_many_axes():
    x = np.ones((1,) * 40)
    assert float(ad.sum(x)) == 1.0
    assert ad.grad(ad.sum)(x).shape == x.shape


def test_gradients_never_share_memory_with_each_other_or_with_the_caller_s_constants():
    x, y = np.ones((2, 3)), np.ones((3, 2))
    gx, gy = ad.grad(lambda x, y: ad.sum(ad.sin(ad.transpose(x) + y)), argnums=(0, 1))(x, y)
    gx *= 0  # gx is g.T, gy is g: a view of the same numbers unless copied
    assert np.allclose(gy, np.cos(2.0))
    c = np.array(3.0)
    g = ad.grad(lambda x: x * c)(np.array(2.0))  # the partial is c itself
    g *= 0
    assert c == 3.0
