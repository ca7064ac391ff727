"""adkit.numpy and plain numpy on traced values: every supported name against numpy itself,
the same primitives recorded through numpy's dispatch, derivatives by ``ad.check_grads``.

Also the regression tests of issue 9's silent wrong results (object arrays of boxes, ``==`` by
identity, complex numbers) and the lecture's autograd logistic regression run with
``import numpy as np`` unchanged.
"""
import numpy as np
import pytest

import adkit as ad
import adkit.numpy as anp
from adkit.core import ADError
from numpy_catalogue import CASES, OWN_CASES

ALL = CASES + OWN_CASES


def _ids(cases):
    seen, ids = {}, []
    for c in cases:
        seen[c.id] = seen.get(c.id, 0) + 1
        ids.append(c.id if seen[c.id] == 1 else f"{c.id}#{seen[c.id]}")
    return ids


def _parts(out):
    if isinstance(out, (tuple, list)):
        return [p for o in out for p in _parts(o)]
    return [out]


def _assert_same(got, want):
    got, want = _parts(got), _parts(want)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(np.asarray(g, dtype=float), np.asarray(w, dtype=float),
                                   rtol=1e-12, atol=1e-13)


def test_catalogue_covers_every_supported_name():
    names = set(anp.__all__) | {f"linalg.{n}" for n in anp.linalg.__all__} | {"logsumexp"}
    covered = {c.name for c in ALL}
    assert sorted(names - covered) == [], "supported names without a case in numpy_catalogue.py"
    assert sorted(covered - names) == [], "cases for names adkit.numpy does not export"


@pytest.mark.parametrize("case", ALL, ids=_ids(ALL))
def test_values_match_numpy(case, rng):
    """adkit.numpy on plain arrays gives numpy's own answer (the compositions are exact)."""
    args = case.sample(rng)
    _assert_same(case.fn(anp, *args), case.fn(np, *args))


TRACED = [c for c in CASES if c.grads]


@pytest.mark.parametrize("case", TRACED, ids=_ids(TRACED))
def test_plain_numpy_records_the_same_primitives(case, rng):
    """np.* on traced values dispatches to adkit.numpy: the same graph, node for node."""
    args = case.sample(rng)
    with_np = ad.trace(lambda *a: case.fn(np, *a), *args)
    with_anp = ad.trace(lambda *a: case.fn(anp, *a), *args)
    assert [p.name for p in with_np.prims] == [p.name for p in with_anp.prims]
    tangents = tuple(rng.normal(size=np.shape(a)) for a in args)
    for left, right in zip(ad.jvp(lambda *a: case.fn(np, *a), tuple(args), tangents),
                           ad.jvp(lambda *a: case.fn(anp, *a), tuple(args), tangents)):
        _assert_same(left, right)
    _assert_same(ad.jvp(lambda *a: case.fn(np, *a), tuple(args), tangents)[0],
                 case.fn(np, *args))


QUERIES = [c for c in CASES if not c.grads]


@pytest.mark.parametrize("case", QUERIES, ids=_ids(QUERIES))
def test_queries_on_traced_values_and_duals(case, rng):
    """Integer results and constants (argmax, shape, zeros_like) read the value; no derivative."""
    args = case.sample(rng)
    want = case.fn(np, *args)
    duals = [ad.Dual(a, np.ones_like(a)) for a in args]
    _assert_same(case.fn(np, *duals), want)
    _assert_same(case.fn(anp, *duals), want)


GRADS = [c for c in ALL if c.grads]


@pytest.mark.parametrize("case", GRADS, ids=_ids(GRADS))
def test_derivatives_by_check_grads(case, rng):
    """Forward and reverse mode against central differences, to second order (every nesting)."""
    args = tuple(case.sample(rng))
    ad.check_grads(lambda *a: case.fn(anp, *a), args, order=case.order, atol=case.tol,
                   rtol=case.tol)


# -- issue 9's silent wrong results ---------------------------------------------------------------

def test_np_array_of_traced_values_is_stacked():
    f = lambda x: np.array([x, x ** 2, x ** 3])  # noqa: E731
    np.testing.assert_array_equal(ad.jacrev(f)(2.0), [1.0, 4.0, 12.0])
    np.testing.assert_array_equal(ad.jacfwd(f)(2.0), [1.0, 4.0, 12.0])
    out, vjp_fn = ad.vjp(f, 2.0)
    np.testing.assert_array_equal(out, [2.0, 4.0, 8.0])
    assert vjp_fn(np.array([1.0, 1.0, 1.0])) == (17.0,)
    np.testing.assert_array_equal(ad.jvp(f, (2.0,), (1.0,))[1], [1.0, 4.0, 12.0])


@pytest.mark.parametrize("build", [
    lambda x: np.append(x, x * 2.0),
    lambda x: np.array([[x[0], x[1]], [x[1], 3.0]]),
    lambda x: ad.sum(np.array(list(x)) * np.array([1.0, 2.0])),
    lambda x: ad.sin(np.array([x[0], x[1] * x[0]]))],
    ids=["np.append", "nested lists", "list of elements", "into a primitive"])
def test_object_arrays_never_lose_the_derivative(build, rng):
    x = rng.normal(size=2)
    jac = ad.jacrev(build)(x)
    assert np.any(jac != 0)
    np.testing.assert_allclose(jac, ad.jacfwd(build)(x), rtol=1e-14)
    ad.check_grads(build, (x,), order=2)


def test_object_array_of_other_things_is_refused_naming_stack():
    with pytest.raises(ADError, match="ad.stack"):
        ad.grad(lambda x: ad.sum(x * np.array([x, "a"], dtype=object)))(1.0)


@pytest.mark.parametrize("op,expected", [(lambda x: x == 2.0, 1.0), (lambda x: x != 2.0, 0.0)])
def test_equality_is_elementwise_like_numpy(op, expected):
    f = lambda x: anp.sum(op(x)) + 0.0  # noqa: E731
    assert f(2.0) == expected
    assert ad.value_and_grad(f)(2.0) == (expected, 0.0)
    assert ad.jvp(f, (2.0,), (1.0,)) == (expected, 0.0)
    x = np.array([1.0, 2.0, 2.0])
    assert ad.value_and_grad(lambda x: anp.sum(x * (x == 2.0)))(x)[0] == 4.0
    np.testing.assert_array_equal(ad.grad(lambda x: anp.sum(x * (x == 2.0)))(x), [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(ad.grad(lambda x: anp.sum(x * (x != x[0])))(x), [0.0, 1.0, 1.0])


def test_boxes_still_work_as_dict_keys():
    x = ad.Dual(1.0, 1.0)
    assert {x: 1}[x] == 1 and x in [x]


@pytest.mark.parametrize("call", [
    lambda: ad.Dual(1 + 2j, 1.0),
    lambda: ad.Dual(np.array([1.0]), np.array([1j])),
    lambda: ad.grad(lambda x: x)(1 + 0j),
    lambda: ad.grad(lambda x: ad.sum(x))(np.array([1j])),
    lambda: ad.grad(lambda x: ad.sum(x * np.array([1j])))(1.0),
    lambda: ad.jvp(lambda x: x * 1j, (1.0,), (1.0,)),
    lambda: ad.jacrev(lambda x: x + np.complex128(1j))(1.0),
    lambda: ad.jvp(lambda x: np.array([x, 1j]), (1.0,), (1.0,)),
    lambda: ad.vjp(lambda x: np.array([1j]), 1.0),
    lambda: ad.grad(lambda x: ad.sum(anp.astype(x, complex)))(np.ones(2)),
], ids=["Dual primal", "Dual tangent", "grad input", "array input", "constant array",
        "constant number", "numpy scalar", "object array", "complex output", "astype"])
def test_complex_is_refused_everywhere(call):
    with pytest.raises(ADError, match="complex"):
        call()


def test_setitem_on_a_traced_value_is_refused_with_a_hint():
    def f(x):
        x[0] = 1.0
        return ad.sum(x)
    with pytest.raises(ADError, match="where"):
        ad.grad(f)(np.ones(3))


@pytest.mark.parametrize("call,name", [
    (lambda x: np.unique(x), "numpy.unique"), (lambda x: np.median(x), "numpy.median"),
    (lambda x: np.fft.fft(x), "numpy.fft.fft"), (lambda x: np.sin(x, out=np.empty((3, 3))), "out="),
    (lambda x: np.add.outer(x, x), "numpy.add.outer"),
    (lambda x: np.linalg.qr(x), "numpy.linalg.qr"),
    (lambda x: np.linalg.eig(x)[0], "numpy.linalg.eig"),
    (lambda x: np.linalg.svd(x[:, :2])[0], "full_matrices=False")])
def test_numpy_functions_without_a_derivative_are_named(call, name):
    for run in (lambda: ad.grad(lambda x: ad.sum(call(x)))(np.ones((3, 3))),
                lambda: ad.jvp(call, (np.ones((3, 3)),), (np.ones((3, 3)),))):
        with pytest.raises(ADError, match=name.replace(".", r"\.")):
            run()


# -- conventions -----------------------------------------------------------------------------------

@pytest.mark.parametrize("reduce", [np.max, np.min, anp.max, anp.amin])
def test_ties_split_the_derivative_evenly(reduce):
    x = np.array([[1.0, 3.0, 3.0, 3.0], [2.0, 2.0, 0.0, 0.0]])
    g = ad.grad(lambda x: ad.sum(reduce(x, axis=1)))(x)
    if reduce in (np.max, anp.max):
        np.testing.assert_allclose(g, [[0, 1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0, 0]])
    else:
        np.testing.assert_allclose(g, [[1, 0, 0, 0], [0, 0, 0.5, 0.5]])
    np.testing.assert_allclose(ad.jacfwd(lambda x: ad.sum(reduce(x, axis=1)))(x), g)


def test_prod_and_cumprod_are_exact_at_zeros():
    x = np.array([2.0, 0.0, 3.0, 0.5])
    np.testing.assert_allclose(ad.grad(anp.prod)(x), [0.0, 3.0, 0.0, 0.0])
    np.testing.assert_allclose(ad.grad(lambda x: anp.prod(np.array([2.0, 0.0, 4.0]) * 0 + x))(
        np.array([2.0, 0.0, 4.0])), [0.0, 8.0, 0.0])
    np.testing.assert_allclose(ad.jacrev(anp.cumprod)(x), ad.jacfwd(anp.cumprod)(x))
    np.testing.assert_allclose(ad.jacrev(anp.cumprod)(x)[2], [0.0, 6.0, 0.0, 0.0])


def test_sinc_second_derivative_at_zero():
    assert ad.derivative(ad.derivative(anp.sinc))(0.0) == pytest.approx(-np.pi ** 2 / 3, rel=1e-9)


def test_eigh_repeated_eigenvalues_give_inf_or_nan_not_a_number():
    """The documented caveat: eigenvectors have no derivative at a repeated eigenvalue."""
    g = ad.grad(lambda a: anp.sum(anp.linalg.eigh(a)[1][:, 0]))(np.eye(2))
    assert not np.all(np.isfinite(g))


def test_eigenvalues_and_singular_values_keep_their_derivative_when_repeated():
    """Only the vectors lose their derivative at a tie; the values keep theirs."""
    np.testing.assert_allclose(ad.grad(lambda a: anp.sum(anp.linalg.eigvalsh(a) ** 2))(np.eye(3)),
                               2 * np.eye(3))
    np.testing.assert_allclose(
        ad.grad(lambda a: anp.sum(anp.linalg.svd(a, compute_uv=False)))(np.diag([2.0, 2.0, 0.0])),
        np.diag([1.0, 1.0, 1.0]))
    g = ad.grad(lambda a: anp.sum(anp.linalg.svd(a)[0][:, 0]))(np.diag([2.0, 2.0, 1.0]))
    assert not np.all(np.isfinite(g))


def test_svd_vectors_match_numpy_and_their_derivatives_check(rng):
    for shape in [(3, 2), (2, 3), (2, 3, 3)]:
        a = rng.normal(size=shape)
        for ours, theirs in zip(anp.linalg.svd(a, full_matrices=False),
                                np.linalg.svd(a, full_matrices=False)):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-13)
        ad.check_grads(lambda a: np.linalg.svd(a, full_matrices=False), (a,), order=2)


def test_pinv_of_a_rank_deficient_matrix_is_refused():
    with pytest.raises(ADError, match="rank-deficient"):
        ad.grad(lambda a: anp.sum(anp.linalg.pinv(a)))(np.ones((3, 2)))


def test_float32_inputs_keep_float32_gradients():
    x = np.array([0.5, 1.5], dtype=np.float32)
    for f in (lambda x: np.sum(np.sin(x) * x), lambda x: anp.sum(anp.tanh(x) ** 2) / 2.0,
              lambda x: anp.mean(np.exp(x))):
        g = ad.grad(f)(x)
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, ad.grad(f)(x.astype(float)), rtol=1e-6)


def test_methods_on_traced_arrays():
    x = np.arange(6.0).reshape(2, 3) / 4.0

    def f(x):
        parts = [x.ravel(), x.flatten(), x[None].squeeze(), x.astype(float).ravel(),
                 x.sum(axis=0), x.mean(axis=1), x.max(axis=1), x.dot(np.ones(3)),
                 x.min(axis=0), x.prod(axis=1), x.std(axis=0), x.var(axis=1), x.cumsum(axis=1)]
        assert x.dtype == np.float64 and x.size == 6
        return anp.concatenate([anp.ravel(p) for p in parts])
    want = f(x)
    np.testing.assert_allclose(ad.trace(f, x)(x), want)
    ad.check_grads(f, (x + 0.1 * np.arange(6.0).reshape(2, 3) ** 2,), order=1)


def test_mod_operator_on_traced_values():
    assert ad.grad(lambda x, y: x % y, argnums=(0, 1))(7.5, 2.0) == (1.0, -3.0)
    assert ad.grad(lambda x: 7.5 % x)(2.0) == -3.0


# -- the lecture's autograd logistic regression, with plain numpy ----------------------------------

def test_deck_004_logistic_regression_with_plain_numpy():
    """Deck 004's code with ``import numpy as np`` unchanged; only the grad import differs
    (``from adkit import grad`` instead of ``from autograd import grad``)."""
    import numpy as np
    from adkit import grad
    from adkit.datasets import two_moons

    train_X, train_y = two_moons(500, noise=0.1, seed=0)

    def activation(x):
        return 0.5*(np.tanh(x) + 1)

    def predict(weights, inputs):
        return activation(np.dot(inputs, weights))

    def loss(weights):
        preds = predict(weights, train_X)
        label_probabilities = np.log(preds) * train_y + np.log(1 - preds) * (1 - train_y)
        return -np.sum(label_probabilities)

    gradient_loss = grad(loss)
    weights = np.array([1.0, 1.0])
    loss_values = []
    learning_rate = 0.001
    for i in range(100):
        loss_values.append(loss(weights))
        step = gradient_loss(weights)
        weights -= step * learning_rate

    assert loss_values[-1] < 0.8 * loss_values[0]
    assert all(b <= a + 1e-9 for a, b in zip(loss_values, loss_values[1:]))
    import adkit.numpy as anp_
    reference = ad.grad(lambda w: -anp_.sum(anp_.log(0.5 * (anp_.tanh(train_X @ w) + 1)) * train_y
                                            + anp_.log(1 - 0.5 * (anp_.tanh(train_X @ w) + 1))
                                            * (1 - train_y)))(np.array([1.0, 1.0]))
    np.testing.assert_allclose(grad(loss)(np.array([1.0, 1.0])), reference, rtol=1e-12)


# -- the parser and the grader know the new elementary functions ---------------------------------

@pytest.mark.parametrize("text,same_as", [
    ("sinh(x) + cosh(x)", "exp(x)"), ("atan(x)", "arctan(x)"), ("asin(x/2)", "arcsin(x/2)"),
    ("acos(x/3)", "arccos(x/3)"), ("asinh(x)", "arcsinh(x)"), ("arsinh(x)", "arcsinh(x)"),
    ("acosh(x + 2)", "arccosh(x + 2)"), ("atanh(x/2)", "arctanh(x/2)"),
    ("log10(x + 1)", "log(x + 1)/log(10)"), ("lg(x + 1)", "log(x + 1)/ln(10)"),
    ("log2(x + 1)", "log(x + 1)/log(2)"), ("exp2(x)", "2^x"), ("expm1(x)", "exp(x) - 1"),
    ("cbrt(x + 1)", "(x + 1)^(1/3)"), ("hypot(x, 2)", "sqrt(x^2 + 4)"),
    ("atan2(x, 2)", "arctan(x/2)"), ("logaddexp(x, 0.5)", "log(exp(x) + exp(0.5))")])
def test_parser_knows_the_new_functions(text, same_as):
    g, h = ad.parse(text), ad.parse(same_as)
    for x in (0.3, 0.7):
        assert g(x=x) == pytest.approx(h(x=x), rel=1e-12)
        assert ad.grad(g)(x) == pytest.approx(ad.grad(h)(x), rel=1e-10)
    assert ad.parse(str(g.to_sympy()))(x=0.3) == pytest.approx(g(x=0.3), rel=1e-12)


@pytest.mark.parametrize("reference,answer,status", [
    ("tanh(x)", "1/cosh(x)^2", "correct"), ("atan(x)", "1/(1 + x^2)", "correct"),
    ("arcsin(x)", "1/sqrt(1 - x^2)", "correct"), ("log10(x)", "1/(x*ln(10))", "correct"),
    ("log2(x)", "1/(x*log(2))", "correct"), ("sinh(x^2)", "2*x*cosh(x^2)", "correct"),
    ("acosh(x)", "1/sqrt(x^2 - 1)", "correct"), ("atan(x)", "1/(1 - x^2)", "incorrect"),
    ("cosh(x)", "-sinh(x)", "incorrect")])
def test_grader_knows_the_new_functions(reference, answer, status):
    assert ad.grade(reference, answer, "x").status == status


def test_readme_table_of_supported_names_is_generated():
    """README.md's table is exactly what ``python -m adkit.numpy.supported`` prints."""
    import pathlib
    from adkit.numpy.supported import markdown
    readme = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    start = readme.index("<!-- numpy-table -->\n") + len("<!-- numpy-table -->\n")
    end = readme.index("\n<!-- /numpy-table -->")
    assert readme[start:end] == markdown(), "regenerate: python -m adkit.numpy.supported"


# -- random shapes, axes and keepdims (hypothesis) -------------------------------------------------

from hypothesis import given, strategies as st  # noqa: E402
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes  # noqa: E402

REDUCTIONS = {
    "sum": lambda m, x, axis, keepdims: m.sum(x, axis=axis, keepdims=keepdims),
    "mean": lambda m, x, axis, keepdims: m.mean(x, axis=axis, keepdims=keepdims),
    "max": lambda m, x, axis, keepdims: m.max(x, axis=axis, keepdims=keepdims),
    "min": lambda m, x, axis, keepdims: m.min(x, axis=axis, keepdims=keepdims),
    "prod": lambda m, x, axis, keepdims: m.prod(x, axis=axis, keepdims=keepdims),
    "var": lambda m, x, axis, keepdims: m.var(x, axis=axis, keepdims=keepdims),
    "std": lambda m, x, axis, keepdims: m.std(x, axis=axis, keepdims=keepdims, ddof=1),
    "linalg.norm": lambda m, x, axis, keepdims: m.linalg.norm(
        x, axis=axis if isinstance(axis, int) or axis is None or len(axis) <= 2 else axis[:2],
        keepdims=keepdims),
}


@st.composite
def _axis(draw, ndim):
    if draw(st.booleans()) or ndim == 0:
        return None
    axes = draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim,
                         unique_by=lambda a: a % ndim))
    return axes[0] if len(axes) == 1 and draw(st.booleans()) else tuple(axes)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(data=st.data())
def test_reductions_on_random_shapes_axes_and_keepdims(name, data):
    shape = data.draw(array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=3), label="shape")
    axis = data.draw(_axis(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    x = rng.permutation(np.arange(np.prod(shape), dtype=float)).reshape(shape) / 4.0 + 0.1
    f = REDUCTIONS[name]
    _assert_same(f(anp, x, axis, keepdims), f(np, x, axis, keepdims))
    _assert_same(ad.trace(lambda x: f(np, x, axis, keepdims), x)(x), f(np, x, axis, keepdims))
    ad.check_grads(lambda x: f(anp, x, axis, keepdims), (x,), order=2)


BROADCAST_BINARY = ["arctan2", "hypot", "logaddexp", "fmax", "mod", "power", "maximum"]


@pytest.mark.parametrize("name", BROADCAST_BINARY)
@given(data=st.data())
def test_binary_functions_broadcast_like_numpy(name, data):
    shapes = data.draw(mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
                       label="shapes")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    x = rng.uniform(0.5, 2.0, size=shapes.input_shapes[0]) + 0.013
    y = rng.uniform(0.6, 1.9, size=shapes.input_shapes[1])
    f = getattr(np, name)
    _assert_same(getattr(anp, name)(x, y), f(x, y))
    ad.check_grads(lambda x, y: f(x, y), (x, y), order=2)


def test_squeeze_of_a_long_axis_is_refused_like_numpy():
    with pytest.raises(ad.ShapeError, match="squeeze"):
        anp.squeeze(np.ones((2, 3)), 0)
    with pytest.raises(ad.ADError, match="squeeze"):
        ad.grad(lambda x: ad.sum(np.squeeze(x, axis=1)))(np.ones((2, 3)))


def test_value_questions_in_control_flow():
    """``if np.any(x < 0)`` in plain numpy code works on traced values (no derivative needed)."""
    def f(x):
        if np.any(x < 0) or not np.allclose(x, x):
            return np.sum(-x)
        return np.sum(x * x)
    np.testing.assert_allclose(ad.grad(f)(np.array([1.0, 2.0])), [2.0, 4.0])
    np.testing.assert_allclose(ad.grad(f)(np.array([-1.0, 2.0])), [-1.0, -1.0])


def test_in_place_arithmetic_on_a_numpy_array_says_what_to_write():
    def f(x):
        total = np.zeros(3)
        total += x
        return ad.sum(total)
    with pytest.raises(ADError, match=r"a = a \+ x"):
        ad.grad(f)(np.ones(3))
    g = lambda x: ad.sum(np.zeros(3) + x)  # noqa: E731
    np.testing.assert_array_equal(ad.grad(g)(np.ones(3)), np.ones(3))


def test_a_numpy_argument_adkit_does_not_take_is_named():
    with pytest.raises(ADError, match="numpy.max.*initial"):
        ad.grad(lambda x: np.max(x, initial=0.0))(np.ones(3))
