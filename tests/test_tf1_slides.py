"""The decks' TF1 snippets, verbatim except ``import tensorflow as tf``, with their known results."""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import adkit as ad  # noqa: E402
import adkit.tf1 as tf  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_graph(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the slides write ./temp
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def test_deck002_ten_times_m1_m2_is_120(capsys):
    # We construct a graph (we write to the default graph)
    # make first sure the default graph is empty
    tf.reset_default_graph()
    m1 = tf.constant([[3., 3.]], name='M1')
    m2 = tf.constant([[2.],[2.]], name='M2')
    product = 10*tf.matmul(m1,m2)
    sess = tf.Session()
    res = sess.run(product)
    print(res)
    sess.close()
    assert capsys.readouterr().out == "[[120.]]\n"
    assert isinstance(res, np.ndarray) and res.dtype == np.float32 and res.shape == (1, 1)
    assert m1.name == "M1:0" and m2.op.name == "M2"


def test_deck002_feed_and_fetch_gives_2():
    a = tf.constant([[1]], name='a')
    b = tf.placeholder(dtype='int32', shape=[1], name='b')
    d = tf.identity(a, name='d')
    c = tf.multiply(a,b, name='c')
    e = tf.multiply(d,c, name='e')
    f = tf.identity(c, name='f')
    sess = tf.Session()
    res = sess.run(f, feed_dict={b:[2]})
    assert res.tolist() == [[2]] and res.dtype == np.int32
    data = np.array([[2, 7]], dtype=np.int32)
    res = sess.run(f, feed_dict={b:data[:,0]})
    assert res.tolist() == [[2]]
    assert sess.run([e, f], feed_dict={b: [3]})[0].tolist() == [[3]]


def test_deck002_session_with_block():
    product = 10 * tf.matmul(tf.constant([[3., 3.]]), tf.constant([[2.], [2.]]))
    with tf.Session() as sess:
        result = sess.run(product)
    assert result.item() == 120.0
    with pytest.raises(ad.ADError, match="closed"):
        sess.run(product)


def test_deck002_linear_regression_matches_polyfit():
    rng = np.random.default_rng(1)
    x_data = rng.uniform(-1, 1, 50)
    y_data = 2.5 * x_data - 0.7 + 0.2 * rng.normal(size=50)
    x = tf.placeholder(tf.float64, name='x')
    y = tf.placeholder(tf.float64, name='y')
    a = tf.Variable(0.0, name='a', dtype=tf.float64)
    b = tf.Variable(0.0, name='b', dtype=tf.float64)
    loss = tf.reduce_mean(tf.square(y - (a * x + b)), name='loss')
    epochs = 3000
    # loss has to be defined symbolically
    train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    for e in range(epochs): #Fitting the data for some epochs
        _, res = sess.run([train_op, loss], feed_dict={x:x_data, y:y_data})
    slope, intercept = np.polyfit(x_data, y_data, 1)
    a_fit, b_fit = sess.run([a, b])
    assert a_fit == pytest.approx(slope, abs=1e-3) and b_fit == pytest.approx(intercept, abs=1e-3)
    assert _ is None and res == pytest.approx(np.mean((y_data - slope * x_data - intercept) ** 2), rel=1e-6)


def test_deck003_hello_world_is_8(capsys):
    a = tf.constant(3)
    b = tf.constant(5)
    y = tf.add(a, b)

    with tf.Session() as sess:
        print(sess.run(y))   # the slide prints sess.run(x): a typo on the slide (x is undefined)
    assert capsys.readouterr().out == "8\n"


def test_deck003_constants_broadcast(capsys):
    a = tf.constant(2, name = 'a')
    b = tf.constant([2, 3], name = 'b')
    y = tf.add(a, b, name = 'add')
    with tf.Session() as sess:
        print(sess.run(y))
    assert capsys.readouterr().out == "[4 5]\n"


def test_deck003_variables_placeholders_and_numpy():
    s = tf.Variable(2, name="scalar")
    m = tf.Variable([[0, 1], [2, 3]], name="matrix")
    W = tf.Variable(tf.zeros([784, 10]))
    with tf.Session() as sess:
        sess.run(W.initializer)
        assert sess.run(W).shape == (784, 10)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(m).tolist() == [[0, 1], [2, 3]] and sess.run(s) == 2
    with tf.Session() as sess:
        sess.run(tf.variables_initializer([s, m]))
        assert sess.run(s) == 2
    a = tf.placeholder(tf.float32, shape=[3])
    b = tf.constant([5, 5, 5], tf.float32)
    with tf.Session() as sess:
        assert sess.run(a + b, {a: [1, 2, 3]}).tolist() == [6, 7, 8]
    x = tf.placeholder(tf.float64, [None, 25])
    sess = tf.Session()
    a = tf.zeros([2, 3], np.int32)
    a_out = sess.run(a)
    assert type(a_out) is np.ndarray and a_out.dtype == np.int32
    assert x.get_shape().as_list() == [None, 25]


def test_deck003_lazy_loading_trap_grows_the_graph():
    x = tf.Variable(10, name='x')
    y = tf.Variable(20, name='y')
    before = len(tf.get_default_graph().get_operations())
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(10):
            sess.run(tf.add(x, y))
    lazy = len(tf.get_default_graph().get_operations()) - before
    tf.reset_default_graph()
    x = tf.Variable(10, name='x')
    y = tf.Variable(20, name='y')
    z = tf.add(x, y)
    before = len(tf.get_default_graph().get_operations())
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(10):
            assert sess.run(z) == 30
    normal = len(tf.get_default_graph().get_operations()) - before
    assert lazy == 11 and normal == 1  # ten adds (and one init) against one init
    assert len(tf.get_default_graph().draw().axes[0].texts) > 0


DECK004_FEED = None


def test_deck004_e_matches_numpy_and_writes_the_graph(tmp_path, capsys):
    a = tf.placeholder(tf.float32, name='a') #placeholder contains fixed value set before running the graph
    b = tf.placeholder(tf.float32, name='b')
    c = tf.Variable(initial_value=[[5.0,5.0],[5.0,5.0]], name='c') #variable can change its value
    d = tf.Variable(initial_value=[[3.0,3.0],[3.0,3.0]], name='d')
    p = tf.placeholder(tf.float32, name='p')
    q = tf.placeholder(tf.float32, name='q')
    r = tf.Variable(initial_value=3.0, name='r')
    s = tf.Variable(initial_value=4.0, name='s')
    u = tf.constant(5.0, name='u') #constant value is same for all runs of the graph

    e = (((a * p) + (b - q) - (c + r)) * d/s) * u #the computation graph

    #setup a session
    sess = tf.Session()
    writer = tf.summary.FileWriter("./temp") #for TensorBoard
    writer.add_graph(sess.graph)

    #run the session
    sess.run(tf.global_variables_initializer())
    result = sess.run(e,feed_dict={p:1.0, q:2.0, a:[[1,1],[1,1]],b:[[2,2],[2,2]]}) #feed the placeholders
    print("Result: ", result)
    A, B, C, D = np.ones((2, 2)), 2 * np.ones((2, 2)), 5 * np.ones((2, 2)), 3 * np.ones((2, 2))
    expected = (((A * 1.0) + (B - 2.0) - (C + 3.0)) * D / 4.0) * 5.0
    np.testing.assert_allclose(result, expected, rtol=1e-6)
    assert (tmp_path / "temp" / "events.adkit.jsonl").is_file()
    svg = (tmp_path / "temp" / "graph.svg").read_text()
    assert svg.startswith("<?xml") and "<svg" in svg


def test_deck004_two_layer_network_loss_decreases(capsys):
    np.random.seed(0)
    # Generate Random Data
    examples = 1000
    features = 100
    x_data = np.random.randn(examples, features)
    y_data = np.random.randn(examples,1)

    # Define the Neural Network Model
    hidden_layer_nodes = 10
    X = tf.placeholder(tf.float32, shape=[None, features], name = "X")
    y = tf.placeholder(tf.float32, shape=[None, 1], name = "y")
    w1 = tf.Variable(tf.random_normal(shape=[features,hidden_layer_nodes]), name="w1")
    b1 = tf.Variable(tf.random_normal(shape=[hidden_layer_nodes]), name="b1")
    w2 = tf.Variable(tf.random_normal(shape=[hidden_layer_nodes,1]), name="w2")
    b2 = tf.Variable(tf.random_normal(shape=[1,1]), name="b2")
    hidden_output = tf.nn.relu(tf.add(tf.matmul(X, w1), b1), name="hidden_output")
    y_hat = tf.nn.relu(tf.add(tf.matmul(hidden_output, w2), b2), name="y_hat")
    loss = tf.reduce_mean(tf.square(y_hat - y), name="loss")

    # Set up the gradient descent
    learning_rate = 0.05
    optimiser = tf.train.GradientDescentOptimizer(learning_rate)
    train_step = optimiser.minimize(loss)

    sess = tf.Session()
    writer = tf.summary.FileWriter("./temp")
    writer.add_graph(sess.graph)

    sess.run(tf.global_variables_initializer())

    epochs = 5000
    batch_size = 5

    # Before Training
    curr_loss = sess.run(loss, feed_dict={X:x_data, y:y_data})
    print("Loss before training:", curr_loss)
    before = curr_loss

    for i in range(epochs):
        rand_index = np.random.choice(examples, size=batch_size)
        sess.run(train_step, feed_dict={X:x_data[rand_index], y:y_data[rand_index]})

    # After Training
    curr_loss = sess.run(loss, feed_dict={X:x_data, y:y_data})
    print("Loss before training:", curr_loss)
    assert curr_loss < before and curr_loss < 1.2
    assert capsys.readouterr().out.count("Loss before training:") == 2


def test_deck002_gradients_of_x_plus_y_times_z_is_the_adjoint_table():
    x = tf.placeholder(tf.float64, name='x')
    y = tf.placeholder(tf.float64, name='y')
    z = tf.placeholder(tf.float64, name='z')
    f = (x + y) * z
    grads = tf.gradients(f, [x, y, z])
    with tf.Session() as sess:
        values = sess.run(grads, feed_dict={x: -2.0, y: 5.0, z: -4.0})
    assert [float(v) for v in values] == [-4.0, -4.0, 3.0]
    table = ad.reverse_table(f, at={"x": -2.0, "y": 5.0, "z": -4.0})
    assert table.result == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert [f"{r.lhs} = {r.rhs}" for r in table.rows][-2:] == ["w̄2 = w̄4", "w̄1 = w̄4"]
    fig = ad.draw(f, at={"x": -2.0, "y": 5.0, "z": -4.0}, gradients=True)
    assert fig.axes
    # the gradient is a graph too: its own Wengert list reads off z for df/dx
    g = ad.trace(grads[0], -2.0, 5.0, -4.0)
    assert g(x=-2.0, y=5.0, z=-4.0) == -4.0 and g(x=0.0, y=0.0, z=7.0) == 7.0


def test_deck004_keras_snippet_runs_with_tf_keras_and_tf_nn_activations():
    pytest.importorskip("adkit.nn")
    # MNIST is not shipped (adkit never downloads): random 28x28 images stand in for
    # mnist.load_data(); the model code is the slide's
    rng = np.random.default_rng(0)
    x_train = rng.random((96, 28, 28))
    y_train = (x_train.mean(axis=(1, 2)) > 0.5).astype(int)
    x_test, y_test = x_train[:32], y_train[:32]

    model = tf.keras.models.Sequential([
        tf.keras.layers.Flatten(input_shape=(28, 28)),
        tf.keras.layers.Dense(512, activation=tf.nn.relu),
        tf.keras.layers.Dropout(0.2),
        tf.keras.layers.Dense(10, activation=tf.nn.softmax)
    ])
    model.compile(optimizer='adam',
                  loss='sparse_categorical_crossentropy',
                  metrics=['accuracy'])

    model.fit(x_train, y_train, epochs=2, verbose=0)
    loss, accuracy = model.evaluate(x_test, y_test)
    assert np.isfinite(loss) and 0.0 <= accuracy <= 1.0
    probabilities = model.predict(x_test)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-12)


def test_deck003_get_variable_and_arithmetic_ops():
    s = tf.get_variable("scalar",
    initializer=tf.constant(2))
    m = tf.get_variable("matrix",
    initializer=tf.constant([[1, 2], [2, 3]]))
    with pytest.raises(ad.ADError, match="Variable matrix already exists"):
        W = tf.get_variable("matrix", shape=(10, 10),
        initializer=tf.zeros_initializer())
    tf.reset_default_graph()
    W = tf.get_variable("matrix", shape=(10, 10),
    initializer=tf.zeros_initializer())
    x = tf.constant([-1.5, 0.4, 2.0])
    ops = [tf.abs(x), tf.negative(x), tf.square(x), tf.round(x), tf.sqrt(tf.abs(x)), tf.exp(x)]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(W).tolist() == np.zeros((10, 10)).tolist()
        values = sess.run(ops)
    v = np.array([-1.5, 0.4, 2.0], dtype=np.float32)
    for got, want in zip(values, [np.abs(v), -v, v * v, np.round(v), np.sqrt(np.abs(v)), np.exp(v)]):
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_deck003_control_dependencies_slide():
    a, b, c = tf.Variable(1.0, name="a"), tf.Variable(2.0, name="b"), tf.Variable(3.0, name="c")
    g = tf.get_default_graph()
    with g.control_dependencies([tf.assign(a, 10.0), tf.assign(b, 20.0), tf.assign(c, 30.0)]):
        d = tf.identity(a + b, name="d")
        e = tf.identity(c, name="e")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run([d, e]) == [30.0, 30.0]
