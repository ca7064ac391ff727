"""Forward and reverse mode as a user meets them: known results, the jvp/vjp/grad API, nesting,
Hessians and Jacobians, gradient graphs, Graph replay, a million-node trace and adkit.numpy."""
import math
import time

import numpy as np
import pytest

import adkit as ad
import adkit.numpy as anp
from adkit import primitives as P
from adkit.core import ZERO
from adkit.graph import Graph
from adkit.reverse import backward
from catalogue import numeric_jacobian


def lecture(x1, x2):
    """The lectures' running example z = x1·x2 + sin x1."""
    return x1 * x2 + ad.sin(x1)


def circuit(x, y, z):
    """The CS231n circuit (x + y)·z."""
    return (x + y) * z


# -- known results --------------------------------------------------------------------------------

def test_lecture_example_both_modes():
    expected = (5 + math.cos(2.0), 2.0)
    assert ad.grad(lecture, argnums=(0, 1))(2.0, 5.0) == pytest.approx(expected, rel=1e-15)
    value, grads = ad.value_and_grad(lecture, argnums=(0, 1))(2.0, 5.0)
    assert value == pytest.approx(10 + math.sin(2.0), rel=1e-15)
    assert ad.jvp(lecture, (2.0, 5.0), (1.0, 0.0)) == pytest.approx((value, expected[0]), rel=1e-15)
    assert ad.jvp(lecture, (2.0, 5.0), (0.0, 1.0))[1] == pytest.approx(expected[1], rel=1e-15)
    out, vjp_fn = ad.vjp(lecture, 2.0, 5.0)
    assert vjp_fn(1.0) == pytest.approx(expected, rel=1e-15)
    assert ad.derivative(lambda x1: lecture(x1, 5.0))(2.0) == pytest.approx(expected[0], rel=1e-15)


def test_cs231n_circuit_both_modes():
    assert ad.grad(circuit, argnums=(0, 1, 2))(-2.0, 5.0, -4.0) == (-4.0, -4.0, 3.0)
    tangents = [ad.jvp(circuit, (-2.0, 5.0, -4.0), seed)[1]
                for seed in ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))]
    assert tangents == [-4.0, -4.0, 3.0]
    xyz = np.array([-2.0, 5.0, -4.0])
    np.testing.assert_array_equal(ad.grad(lambda v: circuit(v[0], v[1], v[2]))(xyz),
                                  [-4.0, -4.0, 3.0])


def test_fan_out_sums_adjoints():
    """A value used three times gets three contributions: d/dx x·x·x = 3x²."""
    assert ad.grad(lambda x: x * x * x)(2.0) == 12.0
    assert ad.grad(lambda x: x + x + x + x)(7.0) == 4.0


# -- the jvp / vjp / grad API ------------------------------------------------------------------

def test_jvp_accepts_lists_and_returns_tuples_for_tuple_outputs():
    out, tangent = ad.jvp(lambda x, y: (x * y, x + y), [2.0, 3.0], [1.0, 0.0])
    assert out == (6.0, 5.0)
    assert tangent == (3.0, 1.0)


def test_vjp_one_cotangent_per_primal(rng):
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3,))
    out, vjp_fn = ad.vjp(lambda a, b: ad.tanh(a @ b), a, b)
    np.testing.assert_allclose(out, np.tanh(a @ b), rtol=1e-15)
    v = rng.normal(size=2)
    ct_a, ct_b = vjp_fn(v)
    inner_grad = v * (1 - np.tanh(a @ b) ** 2)
    np.testing.assert_allclose(ct_a, np.outer(inner_grad, b), rtol=1e-13)
    np.testing.assert_allclose(ct_b, a.T @ inner_grad, rtol=1e-13)


def test_argnums_order_and_negative_index():
    f = lambda x, y, z: x * y ** 2 * z ** 3  # noqa: E731
    assert ad.grad(f, argnums=(2, 0))(1.0, 2.0, 3.0) == (108.0, 108.0)
    assert ad.grad(f, argnums=-2)(1.0, 2.0, 3.0) == 108.0
    assert ad.grad(f, argnums=1)(1.0, 2.0, 3.0) == 108.0
    np.testing.assert_array_equal(ad.jacfwd(f, argnums=(1,))(1.0, 2.0, 3.0), (108.0,))


def test_integer_inputs_become_floats():
    assert ad.grad(lambda x: x * x)(3) == 6.0
    np.testing.assert_array_equal(ad.grad(lambda x: ad.sum(x * x))(np.array([1, 2])), [2.0, 4.0])


def test_constant_function_has_zero_derivative():
    assert ad.grad(lambda x: 3.0)(1.0) == 0.0
    np.testing.assert_array_equal(ad.grad(lambda x: 3.0)(np.ones(2)), np.zeros(2))
    assert ad.jvp(lambda x: 3.0, (1.0,), (1.0,)) == (3.0, 0.0)
    np.testing.assert_array_equal(ad.jacfwd(lambda x: np.ones(2))(np.ones(3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(ad.jacrev(lambda x: np.ones(2))(np.ones(3)), np.zeros((2, 3)))


def test_dual_by_hand():
    d = ad.Dual(3.0, 1.0) ** 2
    assert (d.primal, d.tangent) == (9.0, 6.0)
    e = ad.sin(ad.Dual(np.array([0.0, 1.0]), np.array([1.0, 2.0])))
    np.testing.assert_allclose(e.tangent, [1.0, 2 * math.cos(1.0)])
    assert ad.Dual(2.0).tangent == 0.0
    product = ad.Dual(2.0, 1.0) * ad.Dual(3.0, 0.0)
    assert (product.primal, product.tangent) == (6.0, 3.0)


# -- Jacobians and Hessians ---------------------------------------------------------------------

def _vector_function(x, w):
    return ad.tanh(w @ x + 0.5) * ad.sum(x * x) + ad.concatenate([x[:1], ad.exp(x[1:])])[::-1][:2]


def test_jacfwd_equals_jacrev_on_vector_functions(rng):
    x, w = rng.normal(size=3), rng.normal(size=(2, 3))
    forward = ad.jacfwd(_vector_function, argnums=(0, 1))(x, w)
    reverse = ad.jacrev(_vector_function, argnums=(0, 1))(x, w)
    for k, (jf, jr) in enumerate(zip(forward, reverse)):
        assert jf.shape == (2,) + np.shape((x, w)[k])
        np.testing.assert_allclose(jf, jr, rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(jr, numeric_jacobian(_vector_function, [x, w], k),
                                   rtol=1e-7, atol=1e-9)


def test_jacobian_shapes_of_matrix_functions(rng):
    x = rng.normal(size=(2, 3))
    for jacobian in (ad.jacfwd, ad.jacrev):
        assert jacobian(lambda m: m.T @ m)(x).shape == (3, 3, 2, 3)
        assert jacobian(lambda m: ad.sum(m))(x).shape == (2, 3)
        assert jacobian(lambda s: s * np.ones((2, 2)))(1.5).shape == (2, 2)
        assert jacobian(lambda s: ad.sin(s))(1.5) == pytest.approx(math.cos(1.5))


def test_jacobians_of_empty_arrays():
    for jacobian in (ad.jacfwd, ad.jacrev):
        assert jacobian(lambda x: x * x)(np.zeros(0)).shape == (0, 0)
        assert jacobian(lambda x: x[:0] * 2.0)(np.ones(3)).shape == (0, 3)
    np.testing.assert_array_equal(ad.grad(lambda x: ad.sum(x * x))(np.zeros(0)), np.zeros(0))


def test_hessian_of_quadratic_form_is_a_plus_a_transpose(rng):
    a = rng.normal(size=(4, 4))
    x = rng.normal(size=4)
    np.testing.assert_allclose(ad.hessian(lambda x: x @ a @ x)(x), a + a.T, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(ad.hessian(lambda x: ad.dot(x, ad.dot(a, x)))(x), a + a.T,
                               rtol=1e-13, atol=1e-14)


def _nonlinear(x, y):
    return ad.sum(ad.sin(x) * x[::-1]) + (x @ x) ** 2 + ad.exp(y * x[0])


def test_hessian_matches_jacfwd_of_jacrev_and_differences(rng):
    x, y = rng.normal(size=3), 0.3
    h = ad.hessian(_nonlinear)(x, y)
    np.testing.assert_allclose(h, ad.jacfwd(ad.jacrev(_nonlinear))(x, y), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(h, ad.jacrev(ad.jacrev(_nonlinear))(x, y), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(h, ad.jacfwd(ad.jacfwd(_nonlinear))(x, y), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(h, numeric_jacobian(ad.grad(_nonlinear), [x, y], 0),
                               rtol=1e-7, atol=1e-8)
    # the second argument: a scalar Hessian
    h_y = ad.hessian(_nonlinear, argnums=1)(x, y)
    assert h_y == pytest.approx(x[0] ** 2 * math.exp(y * x[0]), rel=1e-13)


def test_hessian_with_several_arguments():
    f = lambda x, y: x * x * y + ad.sin(y)  # noqa: E731
    h = ad.hessian(f, argnums=(0, 1))(1.0, 2.0)
    expected = ((2 * 2.0, 2 * 1.0), (2 * 1.0, -math.sin(2.0)))
    for i in range(2):
        for j in range(2):
            assert float(h[i][j]) == pytest.approx(expected[i][j], rel=1e-14)


def test_jacfwd_of_several_outputs():
    jac = ad.jacfwd(lambda x: (x * 2.0, ad.sum(x * x)))(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(jac[0], 2 * np.eye(2))
    np.testing.assert_array_equal(jac[1], [2.0, 4.0])


def test_gradients_belong_to_the_caller(rng):
    """Gradients are ordinary arrays (writable, not views of the engine's buffers) and a
    float's gradient is a float."""
    x = rng.normal(size=3)
    for f in (lambda w: ad.sum(w), lambda w: ad.mean(w), lambda w: ad.sum(w[:2]),
              lambda w: ad.sum(ad.broadcast_to(w, (2, 3)))):
        g = ad.grad(f)(x)
        assert type(g) is np.ndarray and g.flags.writeable and g.shape == (3,)
        g *= 0.5
        assert not np.shares_memory(g, x)
    for f in (lambda a: ad.sum(ad.stack([a, a * a])), lambda a: ad.sum(ad.reshape(a, (1, 1))),
              lambda a: ad.sum(a * np.ones(3))):
        g = ad.grad(f)(1.5)
        assert isinstance(g, float), type(g)
    _, vjp_fn = ad.vjp(lambda w: w * 2.0, x)
    v = np.ones(3)
    vjp_fn(v)
    np.testing.assert_array_equal(v, np.ones(3))  # the cotangent is not written to


# -- nesting ------------------------------------------------------------------------------------

def _cubic_sine(x):
    return x ** 3 + ad.sin(x)


@pytest.mark.parametrize("outer", [ad.grad, ad.derivative], ids=["grad", "derivative"])
@pytest.mark.parametrize("inner", [ad.grad, ad.derivative], ids=["grad", "derivative"])
def test_second_derivative_every_nesting(outer, inner):
    x = 0.7
    assert outer(inner(_cubic_sine))(x) == pytest.approx(6 * x - math.sin(x), rel=1e-14)


def test_third_derivative():
    x = 0.7
    assert ad.grad(ad.grad(ad.grad(_cubic_sine)))(x) == pytest.approx(6 - math.cos(x), rel=1e-14)
    assert ad.derivative(ad.grad(ad.derivative(_cubic_sine)))(x) == \
        pytest.approx(6 - math.cos(x), rel=1e-14)


def test_grad_of_jvp_and_jvp_of_grad():
    def directional(x):
        return ad.jvp(_cubic_sine, (x,), (1.0,))[1]
    assert ad.grad(directional)(0.7) == pytest.approx(6 * 0.7 - math.sin(0.7), rel=1e-14)
    value, tangent = ad.jvp(ad.grad(_cubic_sine), (0.7,), (1.0,))
    assert value == pytest.approx(3 * 0.7 ** 2 + math.cos(0.7), rel=1e-14)
    assert tangent == pytest.approx(6 * 0.7 - math.sin(0.7), rel=1e-14)


@pytest.mark.parametrize("x", [-3.0, 0.0, 1.0, 2.5])
@pytest.mark.parametrize("outer", [ad.grad, ad.derivative], ids=["grad", "derivative"])
@pytest.mark.parametrize("inner", [ad.grad, ad.derivative], ids=["grad", "derivative"])
def test_no_perturbation_confusion(outer, inner, x):
    """d/dx [x · d/dy (x + y)] = 1: the inner sweep must not take x's perturbation for y's."""
    assert outer(lambda x: x * inner(lambda y: x + y)(1.0))(x) == 1.0


def test_nested_sweeps_over_arrays(rng):
    """The gradient of a gradient norm (as in gradient-penalty losses)."""
    w = rng.normal(size=3)

    def loss(w):
        return ad.sum(ad.tanh(w) ** 2)

    def penalty(w):
        g = ad.grad(loss)(w)
        return ad.sum(g * g)
    np.testing.assert_allclose(ad.grad(penalty)(w), numeric_jacobian(penalty, [w], 0),
                               rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ad.grad(penalty)(w), ad.jacfwd(penalty)(w), rtol=1e-12)


# -- graphs: trace, replay, gradient graphs ---------------------------------------------------

def test_graph_is_callable_on_floats_arrays_duals_and_tracers():
    g = ad.trace(lecture, 2.0, 5.0)
    assert g.inputs == ("x1", "x2")
    assert g(2.0, 5.0) == lecture(2.0, 5.0)
    assert g(x1=2.0, x2=5.0) == lecture(2.0, 5.0)
    xs = np.array([2.0, -1.0]), np.array([5.0, 3.0])
    np.testing.assert_array_equal(g(*xs), lecture(*xs))
    d = g(ad.Dual(2.0, 1.0), 5.0)
    assert (d.primal, d.tangent) == pytest.approx((lecture(2.0, 5.0), 5 + math.cos(2.0)))
    assert ad.grad(g, argnums=(0, 1))(2.0, 5.0) == ad.grad(lecture, argnums=(0, 1))(2.0, 5.0)
    assert ad.grad(g)(0.5, -1.0) == pytest.approx(-1.0 + math.cos(0.5), rel=1e-15)


def test_gradient_graph_prints_evaluates_and_differentiates_again():
    g = ad.trace(ad.grad(lecture), 2.0, 5.0)  # ∂z/∂x1 = x2 + cos x1, as a graph
    text = str(g)
    lines = text.splitlines()
    assert len(lines) == len(g) + len(g.outputs)
    assert any("cos" in line for line in lines), text
    for x1, x2 in [(2.0, 5.0), (-0.3, 1.5)]:
        assert g(x1, x2) == pytest.approx(x2 + math.cos(x1), rel=1e-15)
    # differentiated again: ∂²z/∂x1² = -sin x1, ∂²z/∂x1∂x2 = 1
    assert ad.grad(g, argnums=(0, 1))(2.0, 5.0) == pytest.approx((-math.sin(2.0), 1.0), rel=1e-15)
    assert ad.derivative(lambda x1: g(x1, 5.0))(2.0) == pytest.approx(-math.sin(2.0), rel=1e-15)
    # and traced again: a graph of the second derivative
    g2 = ad.trace(ad.grad(g), 2.0, 5.0)
    assert g2(1.0, 0.0) == pytest.approx(-math.sin(1.0), rel=1e-15)


def test_gradient_graph_with_several_outputs():
    g = ad.trace(ad.grad(lecture, argnums=(0, 1)), 2.0, 5.0)
    assert len(g.outputs) == 2
    assert g(0.5, 3.0) == pytest.approx((3.0 + math.cos(0.5), 0.5), rel=1e-15)
    output_names = [line.split(" = ")[0] for line in str(g).splitlines()[-2:]]
    assert output_names[0] != output_names[1]


def test_backward_on_a_graph_gives_every_adjoint():
    g = ad.trace(lambda x1, x2: lecture(x1, x2) + 0.0 * ad.exp(x2), 2.0, 5.0)
    adjoint = backward(g, {g.outputs[0]: 1.0})
    x1, x2 = g.input_refs
    assert adjoint[x1] == pytest.approx(5 + math.cos(2.0), rel=1e-15)
    assert adjoint[x2] == pytest.approx(2.0, rel=1e-15)
    assert adjoint[g.outputs[0]] == 1.0
    g2 = ad.trace(lambda x, y: x * 2.0, 1.0, 3.0)
    adjoint = backward(g2, {g2.outputs[0]: 1.0})
    assert adjoint[g2.input_refs[1]] is ZERO  # nothing flows to an unused input


def test_graph_built_by_hand():
    g = Graph(abstract=True)
    i = g.add_input("x1")
    j = g.add_input("x2")
    k = g.add_node(P.mul, refs=(i, None), argvals=(None, 2.0), params={})
    m = g.add_node(P.primitive("sin"), refs=(k,), argvals=(None,))
    n = g.add_node(P.add, refs=(m, j), argvals=(None, None))
    g.outputs.append(n)
    assert g(x1=1.0, x2=3.0) == pytest.approx(math.sin(2.0) + 3.0, rel=1e-15)
    assert ad.grad(g, argnums=(0, 1))(1.0, 3.0) == pytest.approx((2 * math.cos(2.0), 1.0))
    assert str(g).splitlines()[2] == "w3 = w1 · 2"


def test_graph_columns_and_names():
    g = ad.trace(lambda x: x * x + ad.sin(x), 1.0)
    assert [prim.name for prim in g.prims] == ["input", "mul", "sin", "add"]
    assert g.refs == [(), (0, 0), (0,), (1, 2)]
    assert g.values == [1.0, 1.0, math.sin(1.0), 1.0 + math.sin(1.0)]
    assert g.input_refs == [0] and g.outputs == [3] and g.operations() == [1, 2, 3]
    assert g.consumers() == [[1, 2], [3], [3], []]  # x read by mul (twice) and sin: fan-out
    assert g.nodes[1][0] is P.mul and g.nodes[1][1] == (0, 0)
    constant = ad.trace(lambda x: x * 2.0, 1.0)
    assert constant.refs[1] == (0, None) and constant.argvals[1] == (1.0, 2.0)
    assert ad.trace(lambda a, b: a * b, 1.0, 2.0).inputs == ("a", "b")
    assert ad.trace(lambda *a: a[0] * a[1], 1.0, 2.0).inputs == ("x1", "x2")
    assert ad.trace(lambda a, b: a * b, 1.0, 2.0, names=["p", "q"]).inputs == ("p", "q")


def test_constant_output_graph():
    g = ad.trace(lambda x: 4.0, 1.0)
    assert g(2.0) == 4.0
    assert ad.grad(g)(2.0) == 0.0


def test_long_trace_has_no_recursion():
    """The fast companion of the slow test below: 10⁵ nodes (far past Python's recursion limit)
    record, replay and differentiate."""
    n = 10 ** 5

    def long_sum(x):
        total = x
        for _ in range(n):
            total = total + x
        return total

    assert ad.grad(long_sum)(0.5) == n + 1
    assert ad.trace(long_sum, 0.5)(2.0) == 2.0 * (n + 1)


@pytest.mark.slow
def test_million_node_trace():
    """Recording order is the topological order: no recursion, no sorting, so a 10⁶-node trace
    records, replays and differentiates in seconds."""
    n = 10 ** 6

    def long_sum(x):
        total = x
        for _ in range(n):
            total = total + x
        return total

    start = time.perf_counter()
    assert ad.grad(long_sum)(0.5) == n + 1
    g = ad.trace(long_sum, 0.5)
    assert len(g) == n + 1
    assert g(2.0) == 2.0 * (n + 1)
    assert time.perf_counter() - start < 30


# -- adkit.numpy ----------------------------------------------------------------------------------

def _numpy_style(x):
    return anp.sum(anp.tanh(x) * anp.exp(-x)) + anp.dot(x, x) + anp.mean(anp.maximum(x, 0.0))


def test_numpy_names_on_floats_arrays_duals_and_tracers(rng):
    x = rng.normal(size=3)
    expected = (np.sum(np.tanh(x) * np.exp(-x)) + x @ x + np.mean(np.maximum(x, 0.0)))
    assert _numpy_style(x) == pytest.approx(expected, rel=1e-14)
    assert anp.sin(0.5) == math.sin(0.5) and anp.sqrt(4.0) == 2.0
    d = anp.exp(ad.Dual(0.0, 1.0))
    assert (d.primal, d.tangent) == (1.0, 1.0)
    np.testing.assert_allclose(ad.grad(_numpy_style)(x), numeric_jacobian(_numpy_style, [x], 0),
                               rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ad.jacfwd(_numpy_style)(x), ad.grad(_numpy_style)(x), rtol=1e-13)
    # names adkit does not define are plain numpy: fine for data
    np.testing.assert_array_equal(anp.linspace(0, 1, 3), [0.0, 0.5, 1.0])
    assert anp.pi == np.pi
    assert anp.negative(2.0) == -2.0 and anp.multiply(2.0, 3.0) == 6.0


def _positive(rng, shape):
    return rng.uniform(0.5, 2.0, size=shape)


# every adkit.numpy function, called as in numpy, with numpy's own function as the oracle
NUMPY_CALLS = {
    "unary": ["abs", "absolute", "cos", "exp", "log", "log1p", "negative", "sign", "sin", "sqrt",
              "square", "tan", "tanh"],
    "binary": ["add", "divide", "equal", "greater", "greater_equal", "less", "less_equal",
               "maximum", "minimum", "multiply", "not_equal", "power", "subtract", "true_divide"],
}


def _numpy_cases():
    cases = [(name, lambda f, x, y: f(x)) for name in NUMPY_CALLS["unary"]]
    cases += [(name, lambda f, x, y: f(x, y)) for name in NUMPY_CALLS["binary"]]
    cases += [
        ("dot", lambda f, x, y: f(x, y)), ("matmul", lambda f, x, y: f(x, np.arange(6.0).reshape(3, 2))),
        ("sum", lambda f, x, y: f(x, axis=0)), ("mean", lambda f, x, y: f(x, axis=-1)),
        ("reshape", lambda f, x, y: f(x, (1, 3))), ("transpose", lambda f, x, y: f(x)),
        ("broadcast_to", lambda f, x, y: f(x, (2, 3))),
        ("concatenate", lambda f, x, y: f([x, y], axis=0)), ("stack", lambda f, x, y: f([x, y])),
        ("where", lambda f, x, y: f(x > 1.0, x, y)),
        ("logical_not", lambda f, x, y: f(x > 1.0) * y),
    ]
    return cases


@pytest.mark.parametrize("name,call", _numpy_cases(), ids=[n for n, _ in _numpy_cases()])
def test_numpy_names_mean_what_numpy_means(name, call, rng):
    """anp.f on arrays computes numpy's f, and the same call works on duals and tracers."""
    x, y = _positive(rng, (3,)), _positive(rng, (3,))
    expected = call(getattr(np, name), x, y)
    np.testing.assert_allclose(call(getattr(anp, name), x, y), expected, rtol=1e-14)

    def f(x, y):
        return ad.sum(call(getattr(anp, name), x, y) * 1.0)
    value, grads = ad.value_and_grad(f, argnums=(0, 1))(x, y)
    assert value == pytest.approx(float(np.sum(expected)), rel=1e-13)
    tangent = ad.jvp(f, (x, y), (np.ones(3), np.ones(3)))[1]
    assert tangent == pytest.approx(float(np.sum(grads[0]) + np.sum(grads[1])), rel=1e-12,
                                    abs=1e-14)


@pytest.mark.parametrize("box", ["tracer", "dual"])
def test_boxed_arrays_behave_like_numpy_arrays(box, rng):
    x = rng.normal(size=(2, 3))
    seen = {}

    def f(m):
        seen.update(shape=m.shape, ndim=m.ndim, size=m.size, T=m.T.shape, len=len(m),
                    row=m[0].shape, reshaped=m.reshape(3, 2).shape, flat=m.reshape(-1).shape,
                    rows=[r.shape for r in m])
        return ((m @ m.T).sum() + m[1, 2] + m.mean() + m.sum(axis=0).sum()
                + m.mean(axis=1, keepdims=True).sum() + m.reshape(3, 2)[2, 1] + m.T[0, 1]
                + (np.ones(2) @ m).sum() + abs(-m).sum() + (+m).sum() + (m ** 2).sum())

    if box == "tracer":
        grad = ad.grad(f)(x)
    else:
        grad = ad.jacfwd(f)(x)
    assert seen == dict(shape=(2, 3), ndim=2, size=6, T=(3, 2), len=2, row=(3,), reshaped=(3, 2),
                        flat=(6,), rows=[(3,), (3,)])
    np.testing.assert_allclose(grad, numeric_jacobian(f, [x], 0), rtol=1e-7, atol=1e-9)


def test_jacobians_of_scalar_functions_of_scalars_are_numbers():
    cube = lambda x: x ** 3  # noqa: E731
    for jacobian, expected in [(ad.jacfwd(cube)(2.0), 12.0), (ad.jacrev(cube)(2.0), 12.0),
                               (ad.hessian(cube)(2.0), 12.0)]:
        assert type(jacobian) is float and jacobian == expected
