"""Acceptance trial: every name of DESIGN.md's public contract (both waves), used as written."""
import csv
import math
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pytest

import adkit as ad
import adkit.numpy as anp
from adkit.cli import main
from browser import chrome, severe_logs

EXPR = "x1*x2 + sin(x1)"
AT = {"x1": 2.0, "x2": 5.0}
DZ = (5 + math.cos(2.0), 2.0)


def f(x1, x2):
    return x1 * x2 + ad.sin(x1)


# -- first wave: math, forward, reverse -------------------------------------------------------
@pytest.mark.parametrize("name, ref", [
    ("sin", np.sin), ("cos", np.cos), ("tan", np.tan), ("exp", np.exp), ("log", np.log),
    ("sqrt", np.sqrt), ("tanh", np.tanh), ("sigmoid", lambda x: 1 / (1 + np.exp(-x))),
    ("abs", np.abs), ("relu", lambda x: np.maximum(x, 0.0))])
def test_elementary_functions_on_floats_arrays_duals_and_traced(name, ref):
    fn = getattr(ad, name)
    x = np.array([0.3, 0.7, 1.2])
    assert fn(0.5) == pytest.approx(ref(0.5))
    np.testing.assert_allclose(fn(x), ref(x))
    d = fn(ad.Dual(0.5, 1.0))
    h = 1e-6
    assert d.primal == pytest.approx(ref(0.5))
    assert d.tangent == pytest.approx((ref(0.5 + h) - ref(0.5 - h)) / (2 * h), rel=1e-5)
    assert ad.grad(fn)(0.5) == pytest.approx(d.tangent)


def test_binary_functions_and_operators():
    x, y = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.5, -1.0], [2.0, 1.5]])
    np.testing.assert_allclose(ad.maximum(x, y), np.maximum(x, y))
    np.testing.assert_allclose(ad.power(x, 2.0), x ** 2)
    assert ad.sum(x) == 10.0 and ad.mean(x) == 2.5
    np.testing.assert_allclose(ad.dot(x, y), x.dot(y))
    np.testing.assert_allclose(ad.matmul(x, y), x @ y)

    def g(a, b):
        return ad.sum(-a + b - a * b / (b ** 2 + 1) + (a @ b) ** 2)
    ga, gb = ad.grad(g, argnums=(0, 1))(x, y)
    ad.check_grads(g, (x, y), order=2, modes=("fwd", "rev"))
    assert ga.shape == x.shape and gb.shape == y.shape


def test_traced_arrays_behave_like_numpy_arrays():
    x = np.arange(6.0).reshape(2, 3)

    def g(a):
        assert a.shape == (2, 3) and a.ndim == 2 and a.T.shape == (3, 2)
        return a.reshape(3, 2)[1:, 0].sum() + a.mean() + a[0, 1] * a[1].sum()
    expected = x.reshape(3, 2)[1:, 0].sum() + x.mean() + x[0, 1] * x[1].sum()
    assert g(x) == pytest.approx(expected)
    gx = ad.grad(g)(x)
    want = np.full((2, 3), 1 / 6)
    want[1, 0] += 1  # x.reshape(3,2)[1:,0] = x[1,0] (=2.0) and x[2,0] -> flat 2 and 4
    want = np.full(6, 1 / 6)
    want[[2, 4]] += 1
    want = want.reshape(2, 3)
    want[0, 1] += x[1].sum()
    want[1] += x[0, 1]
    np.testing.assert_allclose(gx, want)


def test_forward_mode_names():
    d = ad.Dual(2.0, 1.0)
    assert (d.primal, d.tangent) == (2.0, 1.0)
    out = d * d + ad.sin(d)
    assert out.tangent == pytest.approx(4 + math.cos(2.0))
    out, t = ad.jvp(f, (2.0, 5.0), (1.0, 0.0))
    assert out == pytest.approx(10 + math.sin(2.0)) and t == pytest.approx(DZ[0])
    assert ad.derivative(ad.sin)(0.3) == pytest.approx(math.cos(0.3))
    J = ad.jacfwd(lambda x: ad.sin(x) * 2.0)(np.array([0.1, 0.2]))
    np.testing.assert_allclose(J, np.diag(2 * np.cos([0.1, 0.2])))
    assert ad.jacfwd(f, argnums=1)(2.0, 5.0) == pytest.approx(2.0)


def test_reverse_mode_names():
    out, vjp_fn = ad.vjp(f, 2.0, 5.0)
    assert out == pytest.approx(10 + math.sin(2.0))
    back = vjp_fn(1.0)
    assert isinstance(back, tuple) and back == pytest.approx(DZ)
    assert ad.grad(f)(2.0, 5.0) == pytest.approx(DZ[0])
    assert ad.grad(f, argnums=(0, 1))(2.0, 5.0) == pytest.approx(DZ)
    v, g = ad.value_and_grad(f, argnums=1)(2.0, 5.0)
    assert v == pytest.approx(10 + math.sin(2.0)) and g == pytest.approx(2.0)
    x = np.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(ad.jacrev(lambda a: a ** 2)(x), np.diag(2 * x))
    H = ad.hessian(lambda a: ad.sum(a ** 3))(x)
    np.testing.assert_allclose(H, np.diag(6 * x))


# -- first wave: the IR -----------------------------------------------------------------------
def test_parse_graph_and_trace():
    g = ad.parse(EXPR)
    assert g.inputs == ("x1", "x2")
    assert ad.parse(EXPR, variables=("x2", "x1")).inputs == ("x2", "x1")
    assert g(x1=2.0, x2=5.0) == pytest.approx(10 + math.sin(2.0))
    assert ad.grad(g, argnums=(0, 1))(2.0, 5.0) == pytest.approx(DZ)
    text = str(g)
    assert text.splitlines()[:5] == ["w1 = x1", "w2 = x2", "w3 = w1 · w2", "w4 = sin w1",
                                     "w5 = w3 + w4"]
    import sympy as sp
    x1, x2 = sp.symbols("x1 x2")  # plain sympy symbols, as a user writes them
    assert sp.simplify(g.to_sympy() - (x1 * x2 + sp.sin(x1))) == 0
    t = ad.trace(f, 2.0, 5.0)
    assert t(x1=2.0, x2=5.0) == pytest.approx(10 + math.sin(2.0))
    assert "digraph" in g.to_dot()
    with pytest.raises(ad.ParseError):
        ad.parse("x1 +* 2")
    with pytest.raises(ad.ParseError):
        ad.parse("__import__('os')")


# -- first wave: tables, check, grading, drawing ----------------------------------------------
@pytest.mark.parametrize("source", [EXPR, ad.parse(EXPR), f])
def test_forward_and_reverse_tables(source):
    t = ad.forward_table(source, at=AT, seed={"x1": 1.0}, style="slides")
    row = t.rows[2]
    assert (row.lhs, row.rhs) == ("ẇ3", "w2 · ẇ1 + w1 · ẇ2")
    assert row.value == pytest.approx(5.0) and row.primal == pytest.approx(10.0)
    assert t.result == pytest.approx(DZ[0])
    r = ad.reverse_table(source, at=AT)
    assert r.result["x1"] == pytest.approx(DZ[0]) and r.result["x2"] == pytest.approx(DZ[1])
    assert "w̄1 = w̄3 · w2 + w̄4 · cos w1" in r.to_text()
    assert "\\dot{w}_3 = w_2 \\cdot \\dot{w}_1 + w_1 \\cdot \\dot{w}_2" in t.to_latex()
    assert "ẇ3" in t.to_markdown() and "<table" in t.to_html()
    assert len(list(csv.reader(t.to_csv().splitlines()))) >= 6
    steps = list(t.steps())
    assert len(steps) == len(t.rows)


def test_griewank_style_and_check():
    t = ad.forward_table("log(x1) + x1*x2 - sin(x2)", at=AT, seed={"x1": 1.0}, style="griewank")
    assert "v₋₁" in t.to_text() and "v₀" in t.to_text()
    r = ad.check("log(x1) + x1*x2 - sin(x2)", at=AT)
    assert r.ok and r.max_error < 1e-9
    assert r.forward["x1"] == pytest.approx(5.5) and r.reverse["x2"] == pytest.approx(2 - math.cos(5))
    assert r.symbolic["x1"] == pytest.approx(5.5)
    assert isinstance(str(r), str) and str(r)
    assert ad.check(EXPR).ok  # at=None draws points


def test_grade_and_grade_table():
    v = ad.grade(EXPR, "x2 + cos(x1)", "x1")
    assert v.status == "correct" and v.score == 1 and isinstance(v.feedback, str)
    w = ad.grade(EXPR, "x2", "x1")
    assert w.status == "incorrect" and 0 <= w.score < 1 and w.feedback
    assert ad.grade(EXPR, "x2 +* )", "x1").status == "invalid"
    m = ad.grade_table(EXPR, {"ẇ3": "5", "wdot4": "cos(2)", "ẇ5": 5 + math.cos(2.0)},
                       at=AT, mode="forward", seed={"x1": 1.0})
    marks = {row.row: row for row in m.rows}
    assert marks["ẇ3"].status == "correct" and marks["ẇ4"].status == "correct"
    assert marks["ẇ5"].status == "correct" and 0 < m.score <= 1
    m = ad.grade_table(EXPR, {"wbar1": "7"}, at=AT, mode="reverse")
    statuses = {row.row: row.status for row in m.rows}
    assert statuses["w̄1"] == "incorrect" and "missing" in statuses.values()


def test_draw_returns_a_figure():
    from matplotlib.figure import Figure
    fig = ad.draw("(x + y)*z", at={"x": -2, "y": 5, "z": -4}, gradients=True, highlight=None)
    assert isinstance(fig, Figure)
    fig2 = Figure()
    ax = fig2.add_subplot()
    assert ad.draw(EXPR, ax=ax) is fig2


# -- first wave: command line -----------------------------------------------------------------
def _adkit(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "adkit", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def test_cli_first_wave(tmp_path, capsys):
    assert main(["trace", EXPR, "--at", "x1=2", "x2=5", "--mode", "both", "--seed", "x1",
                 "--format", "text", "--style", "slides"]) == 0
    out = capsys.readouterr().out
    assert "ẇ3 = w2 · ẇ1 + w1 · ẇ2" in out and "w̄1 = w̄3 · w2 + w̄4 · cos w1" in out
    for fmt in ("markdown", "latex", "html", "csv"):
        assert main(["trace", EXPR, "--at", "x1=2", "x2=5", "--format", fmt]) == 0
    assert main(["trace", EXPR, "--at", "x1=2", "x2=5", "--style", "griewank"]) == 0
    assert main(["trace"]) == 0
    out = capsys.readouterr().out
    assert "ẇ3" in out and "w̄1" in out
    assert main(["check", "log(x1) + x1*x2 - sin(x2)", "--at", "x1=2", "x2=5"]) == 0
    assert main(["check", "log(x1) + x1*x2 - sin(x2)"]) == 0
    png = tmp_path / "graph.png"
    assert main(["draw", "(x + y)*z", "--at", "x=-2", "y=5", "z=-4", "--gradients",
                 "-o", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
    assert main(["lesson", "list"]) == 0
    listing = capsys.readouterr().out.strip().splitlines()
    assert listing and all(len(line.split()) >= 2 for line in listing)
    assert main(["trace", "x1 +* 2", "--at", "x1=1"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_cli_help_and_lesson_run(tmp_path, capsys):
    done = _adkit("--help")
    assert done.returncode == 0
    for cmd in ("trace", "check", "grade", "draw", "lesson", "compile", "board", "page",
                "worksheet"):
        assert cmd in done.stdout
        with pytest.raises(SystemExit) as info:
            main([cmd, "--help"])
        assert info.value.code == 0
        printed = capsys.readouterr().out
        assert "usage" in printed.lower() and "example" in printed.lower(), cmd
    name = _adkit("lesson", "list").stdout.split()[0]
    done = _adkit("lesson", "run", name, "--figures", str(tmp_path))
    assert done.returncode == 0, done.stderr


# -- second wave: numpy ------------------------------------------------------------------------
@pytest.mark.parametrize("red", ["sum", "mean", "max", "min", "prod", "std", "var"])
def test_anp_reductions_axis_keepdims(red):
    x = np.array([[1.0, 2.0, 3.0], [4.0, 0.5, 6.0]])
    fn, ref = getattr(anp, red), getattr(np, red)
    for axis in (None, 0, 1, (0, 1)):
        for keepdims in (False, True):
            np.testing.assert_allclose(fn(x, axis=axis, keepdims=keepdims),
                                       ref(x, axis=axis, keepdims=keepdims))
    ad.check_grads(lambda a: anp.sum(fn(a, axis=0, keepdims=True) ** 2), (x,), order=2,
                   modes=("fwd", "rev"))
    ad.check_grads(lambda a: fn(a, axis=None, keepdims=False), (x,), order=1, modes=("rev",))


def test_anp_elementary_manipulation_and_linalg():
    x = np.array([[2.0, 0.5], [0.3, 1.5]])
    ad.check_grads(lambda a: anp.sum(anp.exp(anp.sin(a)) * anp.log(a) + anp.tanh(a)), (x,),
                   order=2, modes=("fwd", "rev"))
    ad.check_grads(lambda a: anp.sum(anp.concatenate([a, anp.transpose(a)], axis=0)
                                     * anp.reshape(anp.stack([a, a]), (4, 2))), (x,))
    ad.check_grads(lambda a: anp.linalg.det(a) + anp.sum(anp.linalg.inv(a))
                   + anp.linalg.norm(a), (x,), order=2)
    np.testing.assert_allclose(anp.linalg.solve(x, np.ones(2)), np.linalg.solve(x, np.ones(2)))
    np.testing.assert_allclose(anp.dot(x, x), x @ x)


def test_numpy_functions_dispatch_on_traced_values_and_duals():
    x = np.array([0.1, 0.5, 0.9])
    g = ad.grad(lambda a: np.sum(np.sin(a) * a, axis=0))(x)
    np.testing.assert_allclose(g, np.sin(x) + x * np.cos(x))
    d = np.sin(ad.Dual(0.5, 1.0))
    assert d.tangent == pytest.approx(math.cos(0.5))


def test_object_array_of_traced_values_is_stacked_or_refused():
    def g(a):
        return np.sum(anp.array([a[0] * a[1], a[1] ** 2]))
    x = np.array([2.0, 3.0])
    np.testing.assert_allclose(ad.grad(g)(x), [3.0, 2.0 + 6.0])

    def h(a):
        obj = np.empty(2, dtype=object)
        obj[0], obj[1] = a[0] * a[1], a[1] ** 2
        return np.sum(np.asarray(obj) * 1.0)
    np.testing.assert_allclose(ad.grad(h)(x), [3.0, 8.0])  # stacked, never a silent zero


def test_equality_is_elementwise_never_identity():
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([1.0, 5.0, 3.0])
    seen = {}

    def g(a, b):
        seen["eq"] = np.asarray(a == b)
        seen["ne"] = np.asarray(a != b)
        seen["self"] = np.asarray(a == a)
        return ad.sum(a * b)
    ad.grad(g)(x, y)
    np.testing.assert_array_equal(seen["eq"], [True, False, True])
    np.testing.assert_array_equal(seen["ne"], [False, True, False])
    np.testing.assert_array_equal(seen["self"], [True, True, True])
    d = ad.Dual(np.array([1.0, 2.0]), np.ones(2))
    np.testing.assert_array_equal(np.asarray(d == np.array([1.0, 0.0])), [True, False])


# -- second wave: registration and check_grads -------------------------------------------------
def _cube():
    return ad.Primitive("cube", lambda x: x ** 3, partials=lambda out, x: (3 * x ** 2,))


def test_register_unregister_and_registered():
    with pytest.raises(ad.ParseError):
        ad.parse("cube(x)")
    prim = ad.register(_cube())
    try:
        assert ad.parse("cube(x) + x")(x=2.0) == pytest.approx(10.0)
        assert ad.grade("cube(x)", "3*x^2", "x").status == "correct"
        t = ad.forward_table("cube(x1)*x2", at=AT)
        assert t.result == pytest.approx(12 * 5.0)
        assert ad.check("cube(x1)*x2", at=AT).ok
        assert ad.grade_table("cube(x1)*x2", {row.lhs: row.value for row in t.rows},
                              at=AT).score == 1.0
    finally:
        assert ad.unregister("cube") is prim
    with pytest.raises(ad.ParseError):
        ad.parse("cube(x)")
    with ad.registered(_cube()):
        assert ad.grad(ad.parse("cube(x)"))(2.0) == pytest.approx(12.0)
    with pytest.raises(ad.ParseError):
        ad.parse("cube(x)")


def test_check_grads_passes_and_raises_on_mismatch():
    ad.check_grads(f, (2.0, 5.0), order=2, modes=("fwd", "rev"))
    ad.check_grads(ad.sin, (np.array([0.1, 0.2]),), order=2, modes=("fwd",))
    wrong = ad.Primitive("wrongsin", np.sin, partials=lambda out, x: (ad.sin(x),))
    with ad.registered(wrong):
        g = ad.parse("wrongsin(x)")
        with pytest.raises(ad.ADError, match="check_grads: forward mode"):
            ad.check_grads(lambda x: g(x=x), (0.4,), order=1, modes=("fwd", "rev"))


# -- second wave: compile ----------------------------------------------------------------------
def test_compile_function_and_transforms():
    def h(x, y):
        return ad.sum(ad.tanh(x @ y) ** 2) + ad.mean(x)
    x, y = np.arange(6.0).reshape(2, 3) / 6, np.arange(3.0) / 3
    cf = ad.compile(h)
    assert cf(x, y) == pytest.approx(h(x, y))
    assert isinstance(cf.source, str) and "def " in cf.source
    cg = ad.compile(ad.grad(h, argnums=(0, 1)))
    for got, want in zip(cg(x, y), ad.grad(h, argnums=(0, 1))(x, y)):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    vg = ad.compile(ad.value_and_grad(h))
    v, gx = vg(x, y)
    assert v == pytest.approx(h(x, y))
    np.testing.assert_allclose(gx, ad.grad(h)(x, y))
    cj = ad.compile(lambda a: ad.jvp(ad.sin, (a,), (np.ones(3),)))
    out, t = cj(y)
    np.testing.assert_allclose(t, np.cos(y))
    for jac in (ad.jacfwd, ad.jacrev):
        np.testing.assert_allclose(ad.compile(jac(ad.tanh))(y), np.diag(1 - np.tanh(y) ** 2))
    # traces once per shape and branch outcome
    def branchy(a):
        return a * 2.0 if ad.sum(a) > 0 else a * -3.0
    cb = ad.compile(branchy)
    np.testing.assert_allclose(cb(np.ones(2)), [2.0, 2.0])
    np.testing.assert_allclose(cb(-np.ones(2)), [3.0, 3.0])
    np.testing.assert_allclose(cb(np.ones(3)), [2.0, 2.0, 2.0])


def test_compile_source_names_as_in_tables_and_cli(capsys):
    cf = ad.compile(ad.grad(f, argnums=(0, 1)))
    assert cf(2.0, 5.0) == pytest.approx(DZ)
    assert "w3" in cf.source or "w1" in cf.source
    assert main(["compile", EXPR]) == 0
    assert main(["compile", EXPR, "--mode", "forward"]) == 0
    assert main(["compile", EXPR, "--mode", "reverse"]) == 0
    out = capsys.readouterr().out
    assert "def " in out and "cos" in out


# -- second wave: tf1 --------------------------------------------------------------------------
def test_every_listed_tf1_name():
    import adkit.tf1 as tf
    tf.reset_default_graph()
    a = tf.constant([[1.0, 2.0]], dtype=tf.float32)
    p = tf.placeholder(tf.float32, shape=[2, 1])
    v = tf.Variable(tf.random_normal([2, 2]), name="v")
    w = tf.Variable([[0.5, -0.5], [1.0, 2.0]])
    prod = tf.matmul(tf.add(a, 1.0), tf.multiply(w, 2.0))
    loss = tf.reduce_mean(tf.square(tf.nn.relu(tf.matmul(prod, p)))) + tf.reduce_sum(
        tf.nn.softmax(tf.identity(prod))) + 0.0 * tf.reduce_sum(v)
    grads = tf.gradients(loss, [w])
    tf.summary.scalar("loss", loss)
    merged = tf.summary.merge_all()
    step = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    adam = tf.train.AdamOptimizer(0.01).minimize(loss)
    feed = {p: np.array([[1.0], [1.0]])}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before, g = sess.run([loss, grads], feed_dict=feed)
        assert np.shape(g[0]) == (2, 2)
        for _ in range(5):
            sess.run(step, feed_dict=feed)
            sess.run(adam, feed_dict=feed)
        after, summary = sess.run([loss, merged], feed_dict=feed)
    assert after < before
    assert tf.int32 is not None
    i = tf.constant(3, dtype=tf.int32)
    assert tf.Session().run(tf.add(i, 4)) == 7


def test_tf1_filewriter_layers_and_keras(tmp_path, capsys):
    import adkit.nn as nn
    import adkit.tf1 as tf
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, shape=[None, 8, 8, 1])
    h = tf.layers.conv2d(x, filters=2, kernel_size=3, padding="same", activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, pool_size=2, strides=2)
    out = tf.layers.dense(tf.layers.flatten(h), 3)
    loss = tf.reduce_mean(tf.square(out))
    tf.summary.scalar("loss", loss)
    merged = tf.summary.merge_all()
    writer = tf.summary.FileWriter(str(tmp_path / "logs"))
    with tf.Session() as sess:
        writer.add_graph(sess.graph)
        sess.run(tf.global_variables_initializer())
        s, value = sess.run([merged, loss], feed_dict={x: np.ones((2, 8, 8, 1))})
        writer.add_summary(s, 0)
    writer.close()
    assert np.isfinite(value)
    assert tf.keras is nn and tf.keras.models.Sequential is nn.Sequential
    model = tf.keras.models.Sequential([tf.keras.layers.Dense(2, input_shape=(3,))])
    assert model.predict(np.ones((4, 3))).shape == (4, 2)
    assert hasattr(tf.keras, "datasets") and hasattr(tf.keras.datasets, "mnist")
    page = tmp_path / "board.html"
    assert main(["board", str(tmp_path / "logs"), "-o", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    assert "<svg" in text or "<img" in text
    assert "http://" not in text.replace("http://www.w3.org", "")


# -- second wave: nn and datasets --------------------------------------------------------------
def test_nn_functional_names():
    import adkit.nn as nn
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(2, 5, 5, 1)), rng.normal(size=(3, 3, 1, 2))
    y = nn.conv2d(x, w, strides=1, padding="SAME")
    assert y.shape == (2, 5, 5, 2)
    assert nn.conv2d(x, w, strides=1, padding="VALID").shape == (2, 3, 3, 2)
    assert nn.max_pool2d(y, 2, 2).shape == (2, 2, 2, 2)
    z = rng.normal(size=(4, 3))
    np.testing.assert_allclose(np.sum(nn.softmax(z), axis=-1), 1.0)
    np.testing.assert_allclose(nn.log_softmax(z), np.log(nn.softmax(z)))
    labels = np.array([0, 2, 1, 1])
    want = -np.mean(np.log(nn.softmax(z))[np.arange(4), labels])
    got = np.mean(nn.sparse_categorical_crossentropy(labels, nn.softmax(z)))
    assert float(got) == pytest.approx(want, rel=1e-6)
    p, t = np.array([0.2, 0.9]), np.array([0.0, 1.0])
    assert float(np.mean(nn.binary_crossentropy(t, p))) == pytest.approx(
        -np.mean(np.log([0.8, 0.9])), rel=1e-5)
    assert float(np.mean(nn.mse(t, p))) == pytest.approx(np.mean((t - p) ** 2))
    ad.check_grads(lambda a: ad.sum(nn.conv2d(a, w, strides=1, padding="SAME") ** 2), (x,),
                   order=1, modes=("fwd", "rev"))


def test_nn_keras_names_fit_history_evaluate_predict_summary(capsys):
    import adkit.datasets
    import adkit.nn as nn
    x, y = adkit.datasets.two_moons(200, noise=0.1, seed=0)
    assert x.shape == (200, 2) and set(np.unique(y)) <= {0, 1}
    model = nn.Sequential([nn.Dense(16, activation="relu", input_shape=(2,)), nn.Dropout(0.1),
                           nn.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    hist = model.fit(x[:150], y[:150], epochs=40, batch_size=16,
                     validation_data=(x[150:], y[150:]), verbose=0)
    assert isinstance(hist, nn.History) and isinstance(hist.history, dict)
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(hist.history)
    assert len(hist.history["loss"]) == 40 and hist.history["loss"][-1] < hist.history["loss"][0]
    loss, acc = model.evaluate(x[150:], y[150:], verbose=0)
    assert acc > 0.8
    assert model.predict(x[:5]).shape == (5, 2)
    model.summary()
    assert "Total params" in capsys.readouterr().out
    for opt in ("sgd", nn.SGD(0.1)):
        m = nn.Sequential([nn.Dense(1, activation="sigmoid", input_shape=(2,))])
        m.compile(optimizer=opt, loss="binary_crossentropy")
        m.fit(x, y, epochs=1, batch_size=32, verbose=0)


def test_nn_conv_and_rnn_layers_with_digits():
    import adkit.datasets
    import adkit.nn as nn
    images, labels = adkit.datasets.digits()
    assert np.shape(images) == (1797, 8, 8) and set(np.unique(labels)) == set(range(10))
    x = np.asarray(images[:64], dtype=float).reshape(-1, 8, 8, 1)
    model = nn.Sequential([nn.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)),
                           nn.MaxPooling2D(2), nn.Flatten(), nn.Dense(10, activation="softmax")])
    model.compile(optimizer=nn.SGD(0.05), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, np.asarray(labels[:64]), epochs=1, batch_size=32, verbose=0)
    rnn = nn.Sequential([nn.SimpleRNN(5, input_shape=(8, 8)), nn.Dense(10)])
    assert rnn.predict(x.reshape(-1, 8, 8)).shape == (64, 10)


# -- second wave: classroom surfaces -----------------------------------------------------------
class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.buttons, self._b = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._b = tag == "button"

    def handle_data(self, data):
        if self._b and data.strip():
            self.buttons.append(data.strip())
            self._b = False


def _tags(text):
    p = _Tags()
    p.feed(text)
    return p


def test_page_function_and_cli(tmp_path):
    text = ad.page(EXPR, at=AT, mode="both", quiz=False)
    assert isinstance(text, str) and "<svg" in text
    parsed = _tags(text)
    assert {"Next", "Prev"} <= set(parsed.buttons)
    assert not any(tag == "script" and "src" in attrs for tag, attrs in parsed.tags)
    assert not any(tag == "link" for tag, attrs in parsed.tags)
    quiz = ad.page(EXPR, at=AT, mode="forward", quiz=True)
    assert any(tag == "input" for tag, _ in _tags(quiz).tags)
    out = tmp_path / "step.html"
    assert main(["page", EXPR, "--at", "x1=2", "x2=5", "--quiz", "-o", str(out)]) == 0
    assert "<input" in out.read_text(encoding="utf-8")
    gd = tmp_path / "gd.html"
    assert main(["page", "--demo", "step-size", "-o", str(gd)]) == 0
    demo = _tags(gd.read_text(encoding="utf-8"))
    assert {"STEP", "RESET"} <= set(demo.buttons)
    ids = {attrs.get("id") for _, attrs in demo.tags}
    assert {"step-count", "loss"} <= ids


def test_jupyter_reprs():
    g = ad.parse(EXPR)
    report = ad.check(EXPR, at=AT)
    verdict = ad.grade(EXPR, "x2", "x1")
    marks = ad.grade_table(EXPR, {"ẇ3": "5"}, at=AT)
    for obj in (g, report, verdict, marks):
        html = obj._repr_html_()
        assert isinstance(html, str) and "<" in html
    assert hasattr(g, "_repr_svg_") or hasattr(g, "_repr_png_")
    pic = g._repr_svg_() if hasattr(g, "_repr_svg_") else g._repr_png_()
    assert pic


KEY = """\
[[question]]
id = "q1"
function = "x^2*sin(x)"
wrt = "x"

[[question]]
id = "q2"
function = "{a}*x^3"
wrt = "x"
random = { a = [2, 5] }
"""


def test_worksheet_then_grade_with_report(tmp_path):
    (tmp_path / "template.toml").write_text(KEY, encoding="utf-8")
    (tmp_path / "roster.csv").write_text("student_id,name\ns1,Ana\ns2,Bo\n", encoding="utf-8")
    done = _adkit("worksheet", "template.toml", "--students", "roster.csv", "--seed", "3",
                  "-o", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "key.toml").is_file()
    (tmp_path / "answers.csv").write_text(
        "student_id,question_id,answer\ns1,q1,2x sin x + x^2 cos x\ns1,q2,0\n"
        "s2,q1,2x cos x\ns2,q2,x +* \n", encoding="utf-8")
    done = _adkit("grade", "out/key.toml", "answers.csv", "--report", "report.html",
                  "-o", "grades.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "q1" in report and "q2" in report
    rows = list(csv.DictReader((tmp_path / "grades.csv").read_text().splitlines()))
    assert [r["student_id"] for r in rows] == ["s1", "s2"]
    # a plain KEY works as a template too, and roster without names
    (tmp_path / "plain.toml").write_text(KEY.split("[[question]]\nid = \"q2\"")[0],
                                         encoding="utf-8")
    (tmp_path / "ids.csv").write_text("student_id\nz9\n", encoding="utf-8")
    done = _adkit("worksheet", "plain.toml", "--students", "ids.csv", "--seed", "1",
                  "-o", "plain", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = _adkit("grade", "KEY.toml", "answers.csv", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_grade_gradescope(tmp_path):
    (tmp_path / "key.toml").write_text(KEY.split("[[question]]\nid = \"q2\"")[0],
                                       encoding="utf-8")
    (tmp_path / "a.csv").write_text("student_id,question_id,answer\ns1,q1,2x sin x + x^2 cos x\n",
                                    encoding="utf-8")
    done = _adkit("grade", "key.toml", "a.csv", "-o", "g.csv", "--gradescope", "results.json",
                  cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    import json
    assert json.loads((tmp_path / "results.json").read_text())


# -- the pages' browser conventions ------------------------------------------------------------
@pytest.fixture(scope="module")
def driver():
    d = chrome()
    yield d
    d.quit()


def _open(driver, path):
    driver.get(path.as_uri())
    driver.get_log("browser")


def _rows(driver):
    from selenium.webdriver.common.by import By
    return [tr for tr in driver.find_elements(By.CSS_SELECTOR, "tr")
            if tr.find_elements(By.TAG_NAME, "td") and tr.is_displayed()]


def _press(driver, label):
    from selenium.webdriver.common.by import By
    next(b for b in driver.find_elements(By.TAG_NAME, "button") if b.text == label).click()


def test_browser_cli_page_conventions(driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    out = tmp_path / "step.html"
    assert main(["page", EXPR, "--at", "x1=2", "x2=5", "-o", str(out)]) == 0
    _open(driver, out)
    assert _rows(driver) == []
    _press(driver, "Next")
    _press(driver, "Next")
    assert len(_rows(driver)) == 2
    _press(driver, "Prev")
    assert len(_rows(driver)) == 1
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    assert len(_rows(driver)) == 2
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
    assert len(_rows(driver)) == 1
    assert severe_logs(driver) == []


def test_browser_cli_quiz_classes(driver, tmp_path):
    from selenium.webdriver.common.by import By
    out = tmp_path / "quiz.html"
    assert main(["page", EXPR, "--at", "x1=2", "x2=5", "--quiz", "-o", str(out)]) == 0
    _open(driver, out)
    for _ in range(5):
        _press(driver, "Next")
    rows = _rows(driver)
    typed = ["1", "0", "7", f"{math.cos(2.0):.4f}", f"{7 + math.cos(2.0):.4f}"]  # ẇ5 carries ẇ3
    for tr, text in zip(rows, typed):
        tr.find_element(By.TAG_NAME, "input").send_keys(text)

    def status(tr):
        classes = set(tr.get_attribute("class").split())
        classes |= set(tr.find_element(By.TAG_NAME, "input").get_attribute("class").split())
        return classes & {"correct", "incorrect", "carried"}
    assert [status(tr) for tr in rows] == [{"correct"}, {"correct"}, {"incorrect"}, {"correct"},
                                           {"carried"}]
    assert severe_logs(driver) == []


def test_browser_cli_step_size_demo(driver, tmp_path):
    from selenium.webdriver.common.by import By
    out = tmp_path / "gd.html"
    assert main(["page", "--demo", "step-size", "-o", str(out)]) == 0
    _open(driver, out)
    assert driver.find_element(By.ID, "step-count").text == "0"
    start = float(driver.find_element(By.ID, "loss").text)
    rate = next(i for i in driver.find_elements(By.TAG_NAME, "input") if i.is_displayed())
    rate.clear()
    rate.send_keys("0.01")
    for _ in range(3):
        _press(driver, "STEP")
    assert driver.find_element(By.ID, "step-count").text == "3"
    assert float(driver.find_element(By.ID, "loss").text) < start
    _press(driver, "RESET")
    assert driver.find_element(By.ID, "step-count").text == "0"
    assert float(driver.find_element(By.ID, "loss").text) == pytest.approx(start, rel=1e-6)
    assert severe_logs(driver) == []


# -- deck snippets not covered elsewhere (verbatim but for the import line) --------------------
def test_deck003_constant_from_numpy_and_deck002_session_close():
    import adkit.tf1 as tf
    tf.reset_default_graph()
    np_array = np.array([[1.0, 2.0], [3.0, 4.0]])
    tensor = tf.constant(np_array)
    sess = tf.Session()
    np.testing.assert_array_equal(sess.run(tensor), np_array)
    sess.close() #Free the resources (TF eats all mem on GPU!)
    with pytest.raises(ad.ADError, match="this session is closed"):
        sess.run(tensor)
