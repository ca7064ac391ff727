"""ad.compile and the tangent/adjoint programs: the lecture example, guards, caching, nests,
the generated code's optimisations, and `adkit compile`."""
import ast
import math

import numpy as np
import pytest

import adkit as ad
import adkit.numpy as anp
from adkit.cli import main
from adkit.codegen import adjoint_program, tangent_program

LECTURE = "x1*x2 + sin(x1)"


def lecture(x1, x2):
    return x1 * x2 + ad.sin(x1)


# -- the lecture example ---------------------------------------------------------------------------

def test_compiled_lecture_example_source_is_the_wengert_list():
    cf = ad.compile(lecture)
    assert cf.source is None
    assert cf(2.0, 5.0) == lecture(2.0, 5.0)
    assert cf.source == (
        "def compiled_lecture(x1, x2):\n"
        "    w1 = x1\n"
        "    w2 = x2\n"
        "    w3 = w1 * w2  # mul\n"
        "    w4 = sin(w1)  # sin\n"
        "    w5 = w3 + w4  # add\n"
        "    return w5\n")
    ast.parse(cf.source)


def test_compiled_gradient_of_lecture_example():
    g = ad.grad(lecture, argnums=(0, 1))
    cg = ad.compile(g)
    assert cg(2.0, 5.0) == g(2.0, 5.0) == (2.0 * 0 + 5.0 + math.cos(2.0), 2.0)
    assert all(type(v) is float for v in cg(2.0, 5.0))
    ast.parse(cg.source)


def test_adjoint_program_is_the_reverse_table_line_for_line():
    program = adjoint_program(LECTURE)
    table = ad.reverse_table(LECTURE, at={"x1": 2.0, "x2": 5.0})
    assert len(program.rows) == len(table.rows) == 5
    assert program.rows == [
        "w5_bar = z_bar  # seed",
        "w4_bar = w5_bar  # add: local partials",
        "w3_bar = w5_bar  # add: local partials",
        "w2_bar = w3_bar * w1  # mul: local partials",
        "w1_bar = w3_bar * w2 + w4_bar * cos(w1)  # mul: local partials, sin: local partials"]
    for row, line in zip(table.rows, program.rows):  # same adjoint, same order
        assert line.startswith(row.lhs.replace("w\u0304", "w") + "_bar = ")
    tree = ast.parse(program.source)
    statements = tree.body[0].body
    bars = [s for s in statements if isinstance(s, ast.Assign) and s.targets[0].id.endswith("_bar")]
    assert len(bars) == len(table.rows)
    value, grads = program(2.0, 5.0)
    assert value == lecture(2.0, 5.0)
    assert grads == pytest.approx(tuple(table.result.values()), rel=1e-15)


def test_tangent_program_is_the_forward_table_line_for_line():
    program = tangent_program(LECTURE)
    table = ad.forward_table(LECTURE, at={"x1": 2.0, "x2": 5.0})
    assert len(program.rows) == len(table.rows) == 5
    assert [r.split("  #")[0] for r in program.rows] == [
        "w1_dot = x1_dot", "w2_dot = x2_dot", "w3_dot = w2 * w1_dot + w1 * w2_dot",
        "w4_dot = cos(w1) * w1_dot", "w5_dot = w3_dot + w4_dot"]
    assert program(2.0, 5.0) == (lecture(2.0, 5.0), pytest.approx(table.result, rel=1e-15))
    assert program(2.0, 5.0, 0.0, 1.0)[1] == pytest.approx(2.0)


@pytest.mark.parametrize("expression", ["log(x1) + x1*x2 - sin(x2)", "x/y - exp(-x^2)*x^3",
                                        "tanh(w*x + b)", "sqrt(x*x + y*y)", "x^y"])
def test_programs_agree_with_the_engine(expression):
    graph = ad.parse(expression)
    point = [0.7 + 0.3 * k for k in range(len(graph.inputs))]
    value, grads = adjoint_program(expression)(*point)
    expected = ad.grad(graph, argnums=tuple(range(len(point))))(*point)
    assert value == pytest.approx(graph(*point), rel=1e-14)
    assert grads == pytest.approx(expected, rel=1e-13)
    tangent = tangent_program(expression)
    for k in range(len(point)):
        seeds = [1.0 if j == k else 0.0 for j in range(len(point))]
        assert tangent(*point, *seeds)[1] == pytest.approx(expected[k], rel=1e-13)
    assert len(adjoint_program(expression).rows) == len(
        ad.reverse_table(expression, at=point).rows)


def test_program_of_an_array_function():
    X = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])

    def loss(w):
        return anp.sum(anp.tanh(X @ w))
    w = np.array([0.3, -0.2])
    value, (grad,) = adjoint_program(loss, at={"w": w})(w)
    np.testing.assert_allclose(grad, ad.grad(loss)(w), rtol=1e-14)


# -- guards: branches, shapes, dtypes ----------------------------------------------------------------

def branchy(x):
    if x > 0:
        return x * x
    return -ad.sin(x)


def test_both_branches_are_traced_and_guarded():
    cf = ad.compile(branchy)
    assert cf(3.0) == 9.0 and cf.traces == 1
    assert "return RETRACE" in cf.source
    assert cf(-2.0) == -math.sin(-2.0) and cf.traces == 2     # guard failed: traced again
    assert cf(5.0) == 25.0 and cf(-1.0) == -math.sin(-1.0)
    assert cf.traces == 2                                      # both branches cached
    dcf = ad.compile(ad.grad(branchy))
    assert dcf(3.0) == 6.0 and dcf(-2.0) == -math.cos(-2.0)


def test_array_branch_and_loop_on_values():
    def f(x):
        while anp.sum(x * x) > 1.0:   # a data-dependent loop: one guard per test
            x = x * 0.5
        return anp.sum(x)
    cf = ad.compile(ad.value_and_grad(f))
    for x in (np.array([3.0, 4.0]), np.array([0.1, 0.2]), np.array([30.0, 40.0]),
              np.array([3.0, 4.0])):
        value, grad = cf(x)
        expected = ad.value_and_grad(f)(x)
        assert value == pytest.approx(expected[0]) and np.allclose(grad, expected[1])
    assert cf.traces == 3


def test_traced_mask_index_is_guarded():
    def f(x):
        return anp.sum(x[x > 0] ** 2)
    cf = ad.compile(ad.grad(f))
    a, b = np.array([1.0, -2.0, 3.0]), np.array([-1.0, 2.0, 3.0])
    np.testing.assert_array_equal(cf(a), ad.grad(f)(a))
    np.testing.assert_array_equal(cf(b), ad.grad(f)(b))
    np.testing.assert_array_equal(cf(a), ad.grad(f)(a))
    assert cf.traces == 2


def test_new_shape_or_dtype_is_a_new_specialisation():
    def f(x):
        return anp.sum(anp.tanh(x) * x)
    cf = ad.compile(ad.grad(f))
    for x in (np.ones(3), np.ones(4), np.ones((2, 2)), np.ones(3, dtype=np.float32), np.ones(3)):
        g = cf(x)
        assert g.shape == x.shape and g.dtype == ad.grad(f)(x).dtype
        np.testing.assert_allclose(g, ad.grad(f)(x), rtol=1e-6)
    assert cf.traces == 4
    assert cf(0.5) == ad.grad(f)(0.5)                           # a float is a new signature


def test_int_arguments_are_constants_of_the_specialisation():
    def f(x, n, labels):
        total = 0.0
        for k in range(n):               # loops unroll
            total = total + x[labels[k]] * k
        return total
    cf = ad.compile(ad.grad(f))
    x = np.array([1.0, 2.0, 3.0])
    for n, labels in ((2, np.array([0, 2])), (3, np.array([2, 1, 0])), (2, np.array([1, 1]))):
        np.testing.assert_array_equal(cf(x, n, labels), ad.grad(f)(x, n, labels))
    assert cf.traces == 3


def test_math_errors_fall_back_to_eager():
    cf = ad.compile(lambda x, y: ad.log(x) + ad.div(x, y))
    assert cf(2.0, 4.0) == math.log(2.0) + 0.5
    assert cf(0.0, 1.0) == -math.inf                            # math.log raises; eager gives -inf
    assert cf(1.0, 0.0) == math.inf
    assert cf.traces == 1


# -- nests and transformations -------------------------------------------------------------------

def test_compile_of_hessian_jacobians_and_jvp():
    A = np.array([[2.0, 1.0], [0.0, 3.0]])

    def f(x):
        return anp.sum(anp.sin(A @ x) * x)
    x = np.array([0.3, -0.7])
    for transform in (ad.hessian(f), ad.jacfwd(ad.grad(f)), ad.jacrev(ad.grad(f)),
                      ad.jacfwd(lambda x: A @ x * x), ad.jacrev(lambda x: anp.tanh(A @ x))):
        np.testing.assert_allclose(ad.compile(transform)(x), transform(x), rtol=1e-13)

    def pushed(x, u):
        return ad.jvp(f, (x,), (u,))
    u = np.array([1.0, 2.0])
    np.testing.assert_allclose(ad.compile(pushed)(x, u), pushed(x, u), rtol=1e-13)


def test_compiled_functions_work_inside_other_transformations():
    cf = ad.compile(lambda x: x * ad.sin(x))
    assert ad.grad(cf)(2.0) == pytest.approx(math.sin(2.0) + 2.0 * math.cos(2.0))
    assert ad.jvp(cf, (2.0,), (1.0,))[1] == pytest.approx(math.sin(2.0) + 2.0 * math.cos(2.0))


def test_value_and_grad_with_several_arguments_keeps_the_structure():
    def loss(w, b, X, y):
        return anp.mean((X @ w + b - y) ** 2)
    rng = np.random.default_rng(0)
    args = (rng.normal(size=3), 0.5, rng.normal(size=(10, 3)), rng.normal(size=10))
    vg = ad.value_and_grad(loss, argnums=(0, 1))
    value, (gw, gb) = ad.compile(vg)(*args)
    expected = vg(*args)
    assert value == pytest.approx(expected[0], rel=1e-13)
    np.testing.assert_allclose(gw, expected[1][0], rtol=1e-13)
    assert gb == pytest.approx(expected[1][1], rel=1e-13)


# -- the generated code ------------------------------------------------------------------------------

def test_dead_code_and_common_subexpressions_are_removed():
    def f(x):
        unused = anp.exp(x) * 3.0            # noqa: F841 - dead
        return anp.sin(x) * anp.sin(x)
    cf = ad.compile(f)
    cf(np.ones(3))
    assert "exp" not in cf.source and cf.source.count("sin(") == 1


def test_in_place_updates_and_dels_never_touch_inputs_or_outputs():
    def f(x, y):
        return anp.sum(anp.exp(-x ** 2) * anp.sin(y) + anp.log(1 + x ** 2))
    cvg = ad.compile(ad.value_and_grad(f, argnums=(0, 1)))
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=10_000), rng.normal(size=10_000)
    x0, y0 = x.copy(), y.copy()
    value, (gx, gy) = cvg(x, y)
    expected = ad.value_and_grad(f, argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)
    assert value == pytest.approx(expected[0], rel=1e-13)
    np.testing.assert_allclose(gx, expected[1][0], rtol=1e-13)
    np.testing.assert_allclose(gy, expected[1][1], rtol=1e-13)
    assert " += " in cvg.source or "out=" in cvg.source
    assert "del " in cvg.source
    gx_again = cvg(x, y)[1][0]
    assert gx_again is not gx and np.array_equal(gx, expected[1][0])  # results are not reused
    assert gx.flags.writeable


def test_constants_live_in_the_namespace_not_in_the_source():
    data = np.arange(6.0).reshape(2, 3) / 7
    cf = ad.compile(lambda w: anp.sum(anp.tanh(data @ w)))
    cf(np.ones(3))
    assert "c1" in cf.source and "array" not in cf.source and "0.142857" not in cf.source


def test_compile_rejects_non_functions():
    with pytest.raises(ad.ADError, match="compile: expected a function"):
        ad.compile(3.0)


# -- the command line -------------------------------------------------------------------------------

def test_cli_compile_prints_the_adjoint_program(capsys):
    assert main(["compile"]) == 0
    out = capsys.readouterr().out
    assert out == adjoint_program(LECTURE).source
    assert "w1_bar = w3_bar * w2 + w4_bar * cos(w1)" in out


def test_cli_compile_forward_with_a_point(capsys):
    assert main(["compile", LECTURE, "--mode", "forward", "--at", "x1=2", "x2=5"]) == 0
    out = capsys.readouterr().out
    assert "w3_dot = w2 * w1_dot + w1 * w2_dot" in out
    assert "= (10.909297426825681, 4.583853163452858)" in out


def test_cli_compile_bad_input_exits_2(capsys):
    assert main(["compile", "x1*"]) == 2
    assert "adkit compile: error:" in capsys.readouterr().err
    assert main(["compile", "x + y", "--at", "x=1"]) == 2


def test_source_transformation_lesson(tmp_path, capsys):
    from adkit import lessons_runner
    ns = lessons_runner.run("source-transformation", tmp_path, quick=True)
    printed = capsys.readouterr().out
    assert len(ns["program"].rows) == len(ns["table"].rows) == 5
    assert "w̄1 = w̄3 · w2 + w̄4 · cos w1   w1_bar = w3_bar * w2 + w4_bar * cos(w1)" in printed
    assert ns["max_difference"] < 1e-12
    assert ns["compiled_gradient"].traces == 1
    assert ns["compiled_piecewise"].traces == 2
    assert ns["answers"] == [6.0, pytest.approx(-np.cos(-2.0)), 8.0, pytest.approx(-np.cos(-1.0))]


def test_large_scalar_traces_are_inlined_and_still_exact():
    """Past INLINE_ABOVE nodes a float used once is written into its user's expression: fewer
    statements, the same operations in the same order, so the same bits."""
    from adkit.codegen import INLINE_ABOVE

    def f(*p):
        total = 0.0
        for k in range(400):
            a = ad.tanh(p[k % 3] * (k + 1) * 0.01 + p[(k + 1) % 3])
            total = total + a * a - ad.sin(a) / (2.0 + p[k % 3] ** 2)
        if total > 100:        # a guard after a long inlined chain
            return total * p[0]
        return -total
    vg = ad.value_and_grad(f, argnums=(0, 1, 2))
    cvg = ad.compile(vg)
    for point in ((0.3, -0.2, 0.5), (0.1, 0.2, 0.3), (-3.0, -2.0, -1.0), (0.3, -0.2, 0.5)):
        assert cvg(*point) == vg(*point)
    assert cvg.last.n_nodes > INLINE_ABOVE
    assert cvg.last.n_statements < cvg.last.n_nodes / 3
    assert cvg.traces == 2


def _traced(f, *args):
    """A function's trace as ad.compile records it: (graph, parameter names, output tree)."""
    from adkit import codegen
    from adkit.graph import Graph
    from adkit.tracing import start
    graph = Graph()
    graph.guards = []
    names = [f"x{k + 1}" for k in range(len(args))]
    out = f(*start(graph, names, list(args)))
    return graph, names, codegen._flatten(out, graph)


def _long_sum(*p):
    total = 0.0
    for k in range(300):
        total = total + ad.tanh(p[k % 3] * (0.013 * k + 0.002) + p[(k + 1) % 3]) * p[(k + 2) % 3]
    return total


@pytest.mark.parametrize("f, written_as_it_comes", [
    (ad.value_and_grad(_long_sum, argnums=(0, 1, 2)), True),
    (lambda *p: (lambda t: t * p[0] if t > -100.0 else -t)(_long_sum(*p)), True),  # a guard
    (ad.grad(_long_sum, argnums=(0, 1, 2)), None),                 # dead nodes, perhaps
    (lambda *p: _long_sum(*p) + _long_sum(*p), False),              # every node twice
    (lambda *p: _long_sum(*p) * 1.0 + 2.5 * p[0] + 2.5 * p[1], False),  # x · 1, a constant twice
])
def test_a_long_trace_written_as_it_comes_is_the_full_plans_program(f, written_as_it_comes):
    """Past INLINE_ABOVE a trace of numbers is written in one pass when a quick check finds
    every node live and no two alike; the program is the one the full plan writes."""
    from adkit import codegen
    graph, names, tree = _traced(f, 0.3, -0.2, 0.5)
    assert len(graph.prims) > codegen.INLINE_ABOVE
    out_nodes = [leaf for kind, leaf in codegen._leaves(tree) if kind == "node"]
    full = codegen._program(graph, names, tree, "compiled",
                            codegen._Plan(graph, out_nodes, graph.guards))
    assert codegen.emit(graph, names, tree, graph.guards) == full
    assert ("return RETRACE" in full[0]) == bool(graph.guards)
    cf = ad.compile(f)
    for point in ((0.3, -0.2, 0.5), (-3.0, 2.0, 1.0), (0.3, -0.2, 0.5)):
        assert cf(*point) == f(*point)  # the same operations in the same order: the same bits
    plan = codegen._Plan(graph, out_nodes, graph.guards, optimistic=True)
    if written_as_it_comes is not None:
        try:
            codegen._program(graph, names, tree, "compiled", plan)
            optimistic = plan.optimistic
        except codegen._Replan:
            optimistic = False
        assert optimistic is written_as_it_comes


def test_the_last_signature_is_remembered_not_trusted():
    """A call compares its signature with the last one's; alternating shapes, dtypes and
    types each get their own program, and an evicted signature is traced again."""
    from adkit import codegen
    cf = ad.compile(lambda x: anp.sum(x * x))
    calls = [np.ones(3), np.ones(4), 2.0, np.ones(3, dtype=np.float32), np.ones(3), 2.0]
    for x in calls:
        assert cf(x) == pytest.approx(float(np.sum(np.asarray(x, float) ** 2)))
    assert cf.traces == 4
    for k in range(codegen.MAX_SPECIALISATIONS + 1):  # pushes the first signatures out
        cf(np.ones(k + 5))
    traces = cf.traces
    assert cf(np.ones(3)) == 3.0 and cf.traces == traces + 1


def test_codegen_docstring_examples():
    import doctest

    from adkit import codegen
    result = doctest.testmod(codegen, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 8 and result.failed == 0


def test_outputs_may_be_nested_containers_but_not_arbitrary_objects():
    def f(x):
        return {"loss": anp.sum(x * x), "parts": [x[0], (2.0, x[1] * 3.0)], "label": "ok"}
    cf = ad.compile(f)
    x = np.array([1.0, 2.0])
    for _ in range(2):
        out = cf(x)
        assert out == {"loss": 5.0, "parts": [1.0, (2.0, 6.0)], "label": "ok"}

    class Box:
        def __init__(self, v):
            self.v = v
    with pytest.raises(ad.ADError, match="compile: the function returned Box"):
        ad.compile(lambda x: Box(x))(1.0)


def test_adjoint_program_of_an_array_output_seeds_ones():
    x, y = np.array([1.0, 2.0, 3.0]), 2.0
    program = adjoint_program("x*y + sin(x)", at={"x": x, "y": y})
    value, (x_bar, y_bar) = program(x, y)
    np.testing.assert_allclose(value, x * y + np.sin(x))
    np.testing.assert_allclose(x_bar, y + np.cos(x))
    assert y_bar == pytest.approx(np.sum(x))          # y was broadcast: its adjoint is summed
    table = ad.reverse_table("x*y + sin(x)", at={"x": x, "y": y}, seed=[1.0, 1.0, 1.0])  # the same cotangent
    np.testing.assert_allclose(x_bar, table.result["x"])
    assert len(program.rows) == len(table.rows)


def test_a_newly_registered_primitive_compiles_without_edits():
    """The generator knows primitives only through their record (impl, partials, jvp/vjp)."""
    from adkit.core import Primitive
    from adkit.primitives import PRIMITIVES, register

    def scaled_partials(out, x, *, k):
        return (k * ad.cos(x),)
    prim = Primitive("scaled_sin_for_compile", lambda x, *, k: k * np.sin(x),
                     partials=scaled_partials)          # no scalar_impl: floats use evaluate
    register(prim)
    try:
        def f(x):
            return ad.sum(prim(x, k=3.0) * x)
        for x in (0.7, np.array([0.1, -0.4, 2.0])):
            for transform in (f, ad.grad(f), ad.hessian(f)):
                got, expected = ad.compile(transform)(x), transform(x)
                np.testing.assert_allclose(got, expected, rtol=1e-13)
        cf = ad.compile(f)
        cf(0.7)
        assert "scaled_sin_for_compile(w1, k=3.0)" in cf.source
    finally:
        PRIMITIVES.pop(prim.name, None)


@pytest.mark.parametrize("f, first, second", [
    (lambda x: (x + 2) if x else (x + 3), 1.0, 0.0),
    (lambda x: anp.sort(x)[0], np.array([1.0, -2.0, 3.0]), np.array([-1.0, 2.0, -3.0])),
    (ad.grad(lambda x: anp.sum(anp.sort(x) * np.arange(3.0))), np.array([1.0, -2.0, 3.0]),
     np.array([3.0, -2.0, 1.0])),
    (lambda x: x.astype(int), np.array([0.4]), np.array([1.6])),
    (lambda x: x[int(anp.argmax(x))], np.array([1.0, 3.0, 2.0]), np.array([5.0, 3.0, 2.0])),
])
def test_a_decision_taken_on_an_argument_itself_is_guarded(f, first, second):
    """Guards on input nodes (a branch on x, sort/argmax of x) are checked on every call."""
    cf = ad.compile(f)
    np.testing.assert_array_equal(cf(first), f(first))
    np.testing.assert_array_equal(cf(second), f(second))


@pytest.mark.parametrize("make", [
    lambda f: ad.value_and_grad(f, argnums=(0, 1)),
    lambda f: ad.hessian(lambda x: f(x, np.array([1.0, 0.0, 2.0]))),
    lambda f: ad.jacfwd(lambda x: f(x, np.array([1.0, 0.0, 2.0]))),
])
def test_compiled_derivatives_keep_the_zero_rule(make):
    """A program multiplies plainly; where 0 · ∞ made a nan (sqrt(relu(x)) at x ≤ 0) the call,
    the first one included, goes to eager adkit, which applies the rule: compiled = eager."""
    import warnings
    f = lambda x, y: ad.numpy.sum(ad.sqrt(ad.relu(x)) * y + x * x * y)  # noqa: E731
    x, y = np.array([0.0, 1.0, -1.0]), np.array([1.0, 0.0, 2.0])
    args = (x, y) if make(f).__name__.startswith("value") else (x,)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        eager, compiled = make(f)(*args), ad.compile(make(f))
        for _ in range(2):  # the tracing call and a call of the generated program
            got = compiled(*args)
            for a, b in zip(np.atleast_1d(np.asarray(eager, dtype=object)).ravel(),
                            np.atleast_1d(np.asarray(got, dtype=object)).ravel()):
                np.testing.assert_array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    assert np.geterr()["invalid"] == "warn"


def test_compiled_scalar_derivative_keeps_the_zero_rule():
    import warnings
    fs = lambda x: ad.sqrt(ad.relu(x)) + x * x  # noqa: E731
    c = ad.compile(ad.grad(fs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert [c(-1.0), c(-1.0), c(2.0)] == [-2.0, -2.0, ad.grad(fs)(2.0)]


@pytest.mark.parametrize("make, args", [
    (lambda: ad.grad(lambda x: ad.sum(x)), (np.array([3.0, 4.0]),)),  # a constant: ones
    (lambda: ad.grad(lambda x, y: ad.sum(x * y), argnums=(0, 1)),  # x · 1 written as the input
     (np.array([3.0, 4.0]), np.array([1.0, 2.0]))),
    (lambda: ad.grad(lambda x, y: ad.sum(x + y), argnums=(0, 1)),  # one array for both
     (np.array([3.0, 4.0]), np.array([1.0, 2.0]))),
    (lambda: ad.grad(lambda x, y: ad.sum(x * ad.transpose(y)), argnums=0),  # a view of an input
     (np.ones((2, 3)), np.arange(6.0).reshape(3, 2))),
])
def test_compiled_results_are_the_caller_s_own_arrays(make, args):
    """Writing into a compiled call's result changes neither the caller's inputs, nor another
    result, nor what later calls return (eager adkit hands out fresh arrays too)."""
    inputs = [a.copy() for a in args]
    compiled = ad.compile(make())
    expected = make()(*args)
    expected = expected if isinstance(expected, tuple) else (expected,)
    for _ in range(3):  # the traced call, then the program
        results = compiled(*args)
        results = results if isinstance(results, tuple) else (results,)
        for r, e in zip(results, expected):
            np.testing.assert_array_equal(r, e)
        for r in results:
            r *= 0.0
        for a, before in zip(args, inputs):
            np.testing.assert_array_equal(a, before)


def test_constant_arguments_are_keyed_by_type_and_sign_of_zero():
    """True and 1, 0.0 and -0.0, (0.0,) and (-0.0,) compare equal but are other constants:
    each gets its own program, as eager gives."""
    flagged = ad.compile(lambda x, flag=None: x * 2 if flag is True else x * 3)
    assert (flagged(1.0, flag=True), flagged(1.0, flag=1)) == (2.0, 3.0)
    scaled = ad.compile(lambda x, k: x * k)
    for k in (0.0, -0.0):
        assert math.copysign(1.0, scaled(-2.0, k=k)) == math.copysign(1.0, -2.0 * k)
    first = ad.compile(lambda x, t: x * t[0])
    for t in ((0.0,), (-0.0,)):
        assert math.copysign(1.0, first(-2.0, t)) == math.copysign(1.0, -2.0 * t[0])


def test_an_input_that_does_not_reach_the_output_has_gradient_plus_zero():
    f = ad.value_and_grad(lambda x1, x2: x2 if x1 > 0 else x2 * 2.0, argnums=(0, 1))
    compiled = ad.compile(f)
    for _ in range(2):  # the traced call, then the program
        value, (g1, g2) = compiled(-1.0, 2.0)
        assert (value, (g1, g2)) == f(-1.0, 2.0) and math.copysign(1.0, g1) == 1.0
