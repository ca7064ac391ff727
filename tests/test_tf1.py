"""adkit.tf1 beyond the slides: gradients vs ad.grad, optimisers vs hand-written updates, errors."""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import adkit as ad  # noqa: E402
import adkit.tf1 as tf  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def _model():
    rng = np.random.default_rng(0)
    x_data = rng.normal(size=(6, 3))
    w0 = rng.normal(size=(3, 2))
    x = tf.placeholder(tf.float64, shape=[None, 3], name="x")
    w = tf.Variable(w0, name="w")
    loss = tf.reduce_mean(tf.square(tf.tanh(tf.matmul(x, w)) - 0.5), name="loss")

    def f(w_):
        return ad.mean(ad.square(ad.tanh(ad.matmul(x_data, w_)) - 0.5))
    return x, w, loss, x_data, w0, f


def test_gradients_agree_with_ad_grad():
    x, w, loss, x_data, w0, f = _model()
    (g,) = tf.gradients(loss, [w])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        value = sess.run(g, {x: x_data})
    np.testing.assert_allclose(value, ad.grad(f)(w0), rtol=1e-12)


def test_gradients_of_unconnected_is_none_and_second_order_works():
    a = tf.placeholder(tf.float64, name="a")
    b = tf.placeholder(tf.float64, name="b")
    y = tf.sin(a) * a
    assert tf.gradients(y, [a, b])[1] is None
    (dy,) = tf.gradients(y, a)
    (d2y,) = tf.gradients(dy, a)
    with tf.Session() as sess:
        d1, d2 = sess.run([dy, d2y], {a: 0.7})
    assert d1 == pytest.approx(np.cos(0.7) * 0.7 + np.sin(0.7), rel=1e-12)
    assert d2 == pytest.approx(2 * np.cos(0.7) - 0.7 * np.sin(0.7), rel=1e-12)


@pytest.mark.parametrize("make, update", [
    (lambda: tf.train.GradientDescentOptimizer(0.1), "sgd"),
    (lambda: tf.train.MomentumOptimizer(0.1, 0.9), "momentum"),
    (lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True), "nesterov"),
    (lambda: tf.train.AdamOptimizer(0.05), "adam"),
])
def test_optimisers_match_hand_written_updates(make, update):
    x, w, loss, x_data, w0, f = _model()
    opt = make()
    step = opt.minimize(loss)
    pairs = opt.compute_gradients(loss)
    assert [v for _, v in pairs] == [w]
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    mine, acc, m, v = w0.copy(), np.zeros_like(w0), np.zeros_like(w0), np.zeros_like(w0)
    for t in range(1, 6):
        sess.run(step, {x: x_data})
        g = ad.grad(f)(mine)
        if update == "sgd":
            mine = mine - 0.1 * g
        elif update in ("momentum", "nesterov"):
            acc = 0.9 * acc + g
            mine = mine - 0.1 * (g + 0.9 * acc if update == "nesterov" else acc)
        else:
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            mine = mine - 0.05 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t) * m / (np.sqrt(v) + 1e-8)
        np.testing.assert_allclose(sess.run(w), mine, rtol=1e-10)


def test_unfed_placeholder_is_one_clear_line():
    b = tf.placeholder(tf.int32, shape=[1], name="b")
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError) as info:
        sess.run(b * 2)
    assert str(info.value) == ("You must feed a value for placeholder tensor 'b' with dtype int32 "
                               "and shape (1,)")


def test_wrong_feed_shape_names_the_placeholder():
    X = tf.placeholder(tf.float32, shape=[None, 3], name="X")
    with tf.Session() as sess, pytest.raises(ValueError) as info:
        sess.run(X, {X: np.ones((2, 4))})
    assert str(info.value) == "Cannot feed value of shape (2, 4) for Tensor 'X:0', which has shape '(?, 3)'"
    assert isinstance(info.value, ad.ADError)


def test_uninitialised_variable_is_one_clear_line():
    v = tf.Variable(3.0, name="weights")
    with tf.Session() as sess, pytest.raises(tf.errors.FailedPreconditionError,
                                             match="uninitialized value weights"):
        sess.run(v + 1)


def test_shape_and_dtype_mistakes_are_caught_when_the_graph_is_built():
    with pytest.raises(ad.ShapeError, match="MatMul"):
        tf.matmul(tf.constant([[1.0, 2.0]]), tf.constant([[1.0, 2.0]]))
    with pytest.raises(TypeError, match="does not match"):
        tf.add(tf.constant(1), tf.constant(1.0))
    with pytest.raises(TypeError, match="rounded"):
        tf.constant(3) * 2.5
    product = tf.matmul(tf.placeholder(tf.float32, [None, 4]), tf.zeros([4, 2]))
    assert product.shape == (None, 2) and product.shape.as_list() == [None, 2]
    assert str(product.shape) == "(?, 2)" and tf.placeholder(tf.float32).shape.ndims is None


def test_assign_control_dependencies_and_group():
    counter = tf.Variable(0, name="counter")
    bump = tf.assign(counter, counter + 1)
    with tf.control_dependencies([bump]):
        read = tf.identity(counter * 10)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(bump)
        sess.run(counter.assign_add(5))
        assert sess.run(counter) == 6
        assert sess.run(read) == 70 and sess.run(counter) == 7
        assert sess.run(tf.group(bump)) is None and sess.run(counter) == 8


def test_graphs_and_default_graph():
    g = tf.Graph()
    with g.as_default():
        c = tf.constant(2.0) * 3
        assert tf.get_default_graph() is g
    assert tf.get_default_graph() is not g and c.graph is g
    with tf.Session(graph=g) as sess:
        assert sess.run(c) == 6.0
    with tf.Session() as sess, pytest.raises(ad.ADError, match="not an element"):
        sess.run(c)
    old = tf.constant(1.0)
    tf.reset_default_graph()
    with pytest.raises(ad.ADError, match="default graph"):
        tf.add(old, 1.0)


def test_set_random_seed_makes_sessions_repeat():
    tf.set_random_seed(3)
    r = tf.random_normal([4])
    u = tf.random_uniform([2, 2], -1, 1)
    first = tf.Session().run([r, u])
    second = tf.Session().run([r, u])
    np.testing.assert_array_equal(first[0], second[0])
    assert np.all(np.abs(first[1]) <= 1) and first[0].dtype == np.float32
    with tf.Session() as sess:
        assert not np.array_equal(sess.run(r), sess.run(r))  # new numbers at every run


def test_fetch_structures_and_eval():
    a = tf.constant(2.0, name="a")
    b = a * 4
    with tf.Session() as sess:
        out = sess.run({"a": a, "pair": (a, [b])})
        assert out == {"a": 2.0, "pair": (2.0, [8.0])}
        assert b.eval() == 8.0 and sess.run("a:0") == 2.0


@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (1, True), (-1, False)])
def test_reductions_and_softmax_against_numpy_and_central_differences(axis, keepdims):
    data = np.random.default_rng(2).normal(size=(3, 5))
    x = tf.placeholder(tf.float64, shape=[3, 5], name="x")
    ops = [tf.reduce_sum(x, axis, keepdims), tf.reduce_mean(x, axis, keepdims),
           tf.reduce_max(x, axis, keepdims)]
    with tf.Session() as sess:
        got = sess.run(ops, {x: data})
    for value, ref in zip(got, (np.sum, np.mean, np.max)):
        np.testing.assert_allclose(value, ref(data, axis=axis, keepdims=keepdims), rtol=1e-12)
    probs = tf.nn.softmax(x)
    weights = np.arange(15.0).reshape(3, 5)
    (g,) = tf.gradients(tf.reduce_sum(probs * weights) + tf.reduce_sum(tf.reduce_max(x, axis, keepdims)), [x])
    with tf.Session() as sess:
        p, grad = sess.run([probs, g], {x: data})
    np.testing.assert_allclose(p, np.exp(data) / np.exp(data).sum(1, keepdims=True), rtol=1e-12)

    def objective(v):
        e = np.exp(v - v.max(1, keepdims=True))
        return np.sum(e / e.sum(1, keepdims=True) * weights) + np.sum(np.max(v, axis=axis))
    h = 1e-6
    numeric = np.zeros_like(data)
    for i in np.ndindex(*data.shape):
        d = np.zeros_like(data)
        d[i] = h
        numeric[i] = (objective(data + d) - objective(data - d)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, atol=1e-6)


def test_layers_dense_and_flatten_train():
    tf.set_random_seed(0)
    x = tf.placeholder(tf.float64, [None, 2, 2], name="x")
    flat = tf.layers.flatten(x)
    hidden = tf.layers.dense(flat, 8, activation=tf.nn.relu)
    out = tf.layers.dense(hidden, 1)
    assert hidden.shape == (None, 8) and out.shape == (None, 1)
    names = [v.op_name for v in tf.trainable_variables()]
    assert names == ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]
    data = np.random.default_rng(0).normal(size=(20, 2, 2))
    target = data.reshape(20, 4).sum(1, keepdims=True)
    loss = tf.reduce_mean(tf.square(out - target))
    step = tf.train.AdamOptimizer(0.05).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss, {x: data})
        for _ in range(100):
            sess.run(step, {x: data})
        assert sess.run(loss, {x: data}) < first / 5


def test_keras_is_adkit_nn():
    nn = pytest.importorskip("adkit.nn")
    assert tf.keras is nn


def test_conv2d_and_max_pool_use_adkit_nn():
    nn = pytest.importorskip("adkit.nn")
    images = np.random.default_rng(0).normal(size=(2, 6, 6, 1))
    x = tf.placeholder(tf.float64, [None, 6, 6, 1], name="images")
    w = tf.constant(np.random.default_rng(1).normal(size=(3, 3, 1, 2)))
    conv = tf.nn.conv2d(x, w, strides=[1, 1, 1, 1], padding="VALID")
    pooled = tf.nn.max_pool(conv, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
    layer = tf.layers.max_pooling2d(tf.layers.conv2d(x, 4, 3, activation=tf.nn.relu), 2, 2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        c, p, out = sess.run([conv, pooled, layer], {x: images})
    np.testing.assert_allclose(c, nn.conv2d(images, w.params["value"], strides=1, padding="VALID"))
    np.testing.assert_allclose(p, nn.max_pool2d(c, pool_size=2, strides=2))
    assert out.shape == (2, 2, 2, 4)


def test_a_tensor_is_a_function_for_tables_and_drawings():
    a = tf.placeholder(tf.float64, name="x1")
    b = tf.placeholder(tf.float64, name="x2")
    z = a * b + tf.sin(a)
    table = ad.forward_table(z, at={"x1": 2.0, "x2": 5.0}, seed={"x1": 1.0})
    assert table.result == pytest.approx(5 + np.cos(2.0))
    assert [f"{r.lhs} = {r.rhs}" for r in table.rows][2:] == [
        "ẇ3 = w2 · ẇ1 + w1 · ẇ2", "ẇ4 = cos w1 · ẇ1", "ẇ5 = ẇ3 + ẇ4"]
    with pytest.raises(ad.ADError, match="missing value for x2"):
        z(2.0)
    graph = tf.get_default_graph().to_adkit()
    assert graph.inputs == ("x1", "x2") and "add" in graph.node_names.values()
    as_graph = z.to_adkit()
    assert as_graph.inputs == ("x1", "x2")
    assert ad.reverse_table(as_graph, at={"x1": 2.0, "x2": 5.0}).result == pytest.approx(
        {"x1": 5 + np.cos(2.0), "x2": 2.0})
    named = tf.multiply(a, b, name="product")
    fig = ad.draw(named, at={"x1": 2.0, "x2": 5.0}, gradients=True)
    labels = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any(label.startswith("product: ") for label in labels)   # TF names in the drawing


def test_summaries_and_filewriter_write_json_lines(tmp_path):
    import json
    w = tf.Variable(4.0, name="w")
    loss = tf.square(w, name="loss")
    tf.summary.scalar("loss", loss)
    tf.summary.scalar("w", w)
    merged = tf.summary.merge_all()
    step = tf.train.GradientDescentOptimizer(0.25).minimize(loss)
    writer = tf.summary.FileWriter(str(tmp_path / "run1"), tf.get_default_graph())
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(3):
            summary, _ = sess.run([merged, step])
            writer.add_summary(summary, i)
    writer.close()
    lines = [json.loads(line) for line in (tmp_path / "run1" / "events.adkit.jsonl").read_text().splitlines()]
    scalars = [(r["tag"], r["step"], r["value"]) for r in lines if r["kind"] == "scalar"]
    assert scalars == [("loss", 0, 16.0), ("w", 0, 4.0), ("loss", 1, 4.0), ("w", 1, 2.0),
                       ("loss", 2, 1.0), ("w", 2, 1.0)]
    assert [r["kind"] for r in lines][0] == "graph"
    with pytest.raises(ad.ADError, match="add_summary"):
        writer.add_summary(b"bytes", 0)


@pytest.mark.parametrize("module", ["adkit.tf1", "adkit.tf1.session", "adkit.board"])
def test_docstring_examples(module):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


_UNARY = [(tf.sin, ad.sin), (tf.tanh, ad.tanh), (tf.square, ad.square), (tf.sigmoid, ad.sigmoid),
          (lambda t: tf.exp(t * 0.1), lambda v: ad.exp(v * 0.1))]
_BINARY = [(tf.add, ad.add), (tf.subtract, ad.sub), (tf.multiply, ad.mul),
           (lambda a, b: a * b + a / (1.5 + tf.square(b)), lambda a, b: a * b + a / (1.5 + b * b))]


def test_random_expressions_agree_with_adkit_values_and_gradients():
    from hypothesis import given, strategies as st

    shapes = st.sampled_from([((), ()), ((3,), ()), ((2, 3), (3,)), ((2, 1), (1, 4)), ((4,), (4,))])
    steps = st.lists(st.tuples(st.booleans(), st.integers(0, 3), st.integers(0, 4)), min_size=1,
                     max_size=6)

    @given(shapes, steps, st.integers(0, 1000))
    def check(shape_pair, program, seed):
        tf.reset_default_graph()
        rng = np.random.default_rng(seed)
        values = [rng.normal(size=s) for s in shape_pair]
        leaves = [tf.placeholder(tf.float64, shape=s, name=n) for s, n in zip(shape_pair, "uv")]

        def run(ops, a, b):
            """The same program on tf1 tensors or on arrays: unary steps, binary steps."""
            for binary, k, j in program:
                if binary:
                    a, b = ops[1][k](a, b), a
                else:
                    a = ops[0][j](a)
            return a

        tf_ops = ([u for u, _ in _UNARY], [b for b, _ in _BINARY])
        ad_ops = ([u for _, u in _UNARY], [b for _, b in _BINARY])
        out = run(tf_ops, *leaves)
        grads = tf.gradients(out, leaves)
        with tf.Session() as sess:
            got = sess.run([out] + [g for g in grads if g is not None],
                           dict(zip(leaves, values)))
        expected = run(ad_ops, *values)
        np.testing.assert_allclose(got[0], expected, rtol=1e-12, atol=1e-12)
        connected = [k for k, g in enumerate(grads) if g is not None]
        reference = ad.grad(lambda u, v: ad.sum(run(ad_ops, u, v)), argnums=(0, 1))(*values)
        for value, k in zip(got[1:], connected):
            np.testing.assert_allclose(value, reference[k], rtol=1e-10, atol=1e-12)

    check()


def test_interactive_session_is_the_default_until_closed():
    sess = tf.InteractiveSession()
    c = tf.constant(4.0) * 2
    assert c.eval() == 8.0
    sess.close()
    with pytest.raises(ad.ADError, match="no default session"):
        c.eval()


def test_forward_mode_through_a_tensor_agrees_with_tf_gradients():
    x = tf.placeholder(tf.float64, shape=[3], name="x")
    w = tf.placeholder(tf.float64, shape=[3, 2], name="w")
    y = tf.reduce_sum(tf.tanh(tf.matmul(tf.reshape(x, [1, 3]), w)) ** 2)
    rng = np.random.default_rng(4)
    xv, wv, u_x, u_w = rng.normal(size=3), rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=(3, 2))
    _, directional = ad.jvp(y, (xv, wv), (u_x, u_w))            # forward mode, on Duals
    with tf.Session() as sess:
        gx, gw = sess.run(tf.gradients(y, [x, w]), {x: xv, w: wv})   # reverse mode
    assert directional == pytest.approx(np.sum(gx * u_x) + np.sum(gw * u_w), rel=1e-12)
