"""Keras-style models: summary counts, training on the digits, history, seeds, dropout, optimisers,
SimpleRNN, the data sets, and deck 004's Keras snippet run unchanged but for the import."""
from types import SimpleNamespace

import numpy as np
import pytest

import adkit as ad
import adkit.nn as nn
from adkit import datasets
from adkit.core import ADError, ShapeError
from catalogue import central_difference, inner


@pytest.fixture
def digits():
    return datasets.digits_split()


def mlp(hidden=64, dropout=0.0):
    layers = [nn.Flatten(input_shape=(8, 8)), nn.Dense(hidden, activation="relu")]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(layers + [nn.Dense(10, activation="softmax")])


# -- summary: Keras's layout and parameter formulas ---------------------------------------------

def test_summary_of_deck_004_model_has_keras_counts_and_layout(capsys):
    nn.clear_session()
    model = nn.Sequential([
        nn.layers.Flatten(input_shape=(28, 28)),
        nn.layers.Dense(512, activation=nn.relu),
        nn.layers.Dropout(0.2),
        nn.layers.Dense(10, activation=nn.softmax)])
    model.summary()
    assert capsys.readouterr().out == """\
Model: "sequential"
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
flatten (Flatten)            (None, 784)               0
_________________________________________________________________
dense (Dense)                (None, 512)               401920
_________________________________________________________________
dropout (Dropout)            (None, 512)               0
_________________________________________________________________
dense_1 (Dense)              (None, 10)                5130
=================================================================
Total params: 407,050
Trainable params: 407,050
Non-trainable params: 0
_________________________________________________________________
"""
    assert model.count_params() == 784 * 512 + 512 + 512 * 10 + 10


@pytest.mark.parametrize("layer,input_shape,params,output", [
    (lambda: nn.Dense(7), (None, 5), 5 * 7 + 7, (None, 7)),
    (lambda: nn.Dense(7, use_bias=False), (None, 3, 5), 5 * 7, (None, 3, 7)),
    (lambda: nn.Conv2D(8, 3, padding="same"), (None, 8, 8, 1), 3 * 3 * 1 * 8 + 8, (None, 8, 8, 8)),
    (lambda: nn.Conv2D(32, (3, 5), strides=2), (None, 28, 28, 3), 3 * 5 * 3 * 32 + 32, (None, 13, 12, 32)),
    (lambda: nn.MaxPooling2D(2), (None, 7, 7, 4), 0, (None, 3, 3, 4)),
    (lambda: nn.MaxPooling2D(3, strides=2, padding="same"), (None, 7, 7, 4), 0, (None, 4, 4, 4)),
    (lambda: nn.SimpleRNN(6), (None, 4, 3), 6 * (6 + 3 + 1), (None, 6)),
    (lambda: nn.SimpleRNN(6, return_sequences=True), (None, 4, 3), 6 * (6 + 3 + 1), (None, 4, 6)),
    (lambda: nn.Flatten(), (None, 4, 4, 8), 0, (None, 128)),
])
def test_layer_parameter_counts_follow_keras_formulas(layer, input_shape, params, output, rng):
    layer = layer()
    layer.build(input_shape)
    assert layer.count_params() == params
    assert layer.output_shape == output
    x = rng.normal(size=(2,) + input_shape[1:])
    assert np.shape(layer(x)) == (2,) + output[1:]


def test_glorot_uniform_is_the_default_and_seeded():
    nn.set_random_seed(3)
    a = nn.Dense(200, input_shape=(300,))
    a.build((None, 300))
    limit = np.sqrt(6.0 / (300 + 200))
    kernel, bias = a.weights
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.99 * limit
    assert abs(kernel.std() - limit / np.sqrt(3)) < 0.01 * limit and np.all(bias == 0)
    nn.set_random_seed(3)
    b = nn.Dense(200)
    b.build((None, 300))
    np.testing.assert_array_equal(kernel, b.weights[0])


# -- training ---------------------------------------------------------------------------------

def test_digits_mlp_reaches_90_percent_and_its_loss_decreases(digits):
    (x_train, y_train), (x_test, y_test) = digits
    nn.set_random_seed(0)
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=10, batch_size=32, verbose=0,
                        validation_data=(x_test, y_test))
    losses = history.history["loss"]
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(losses) == 10 and history.epoch == list(range(10))
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.9
    assert accuracy == pytest.approx(history.history["val_accuracy"][-1])
    predictions = model.predict(x_test)
    assert predictions.shape == (len(x_test), 10)
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0)
    assert np.mean(predictions.argmax(axis=1) == y_test) == pytest.approx(accuracy)


def test_digits_cnn_reaches_90_percent(digits):
    (x_train, y_train), (x_test, y_test) = digits
    nn.set_random_seed(0)
    model = nn.Sequential([
        nn.Conv2D(8, 3, padding="same", activation="relu", input_shape=(8, 8, 1)),
        nn.MaxPooling2D(2), nn.Flatten(), nn.Dense(10, activation="softmax")])
    model.compile(optimizer=nn.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train[..., None], y_train, epochs=5, batch_size=32, verbose=0)
    assert model.evaluate(x_test[..., None], y_test, verbose=0)[1] >= 0.9


def test_same_seed_same_model_same_history(digits):
    (x_train, y_train), _ = digits
    runs = []
    for _ in range(2):
        nn.set_random_seed(11)
        model = mlp(16, dropout=0.2)
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["acc"])
        history = model.fit(x_train[:300], y_train[:300], epochs=2, verbose=0)
        runs.append((model.get_weights(), history.history))
    for a, b in zip(runs[0][0], runs[1][0]):
        np.testing.assert_array_equal(a, b)
    assert runs[0][1] == runs[1][1] and "acc" in runs[0][1]


def test_dropout_is_the_identity_at_inference(digits):
    (x_train, _), _ = digits
    nn.set_random_seed(1)
    with_dropout = mlp(32, dropout=0.5)
    with_dropout.build((None, 8, 8))
    without = mlp(32)
    without.build((None, 8, 8))
    without.set_weights(with_dropout.get_weights())
    np.testing.assert_array_equal(with_dropout.predict(x_train[:50]), without.predict(x_train[:50]))
    np.testing.assert_array_equal(with_dropout.predict(x_train[:50]), with_dropout.predict(x_train[:50]))
    assert not np.array_equal(with_dropout(x_train[:50], training=True), without(x_train[:50]))


def test_one_training_step_is_the_gradient_of_the_unfused_loss(rng):
    """fit computes softmax + cross-entropy from logits (stable); the step must still be
    -lr times the gradient of the plain mean loss on probabilities."""
    nn.set_random_seed(2)
    model = nn.Sequential([nn.Dense(3, activation="tanh", input_shape=(4,)),
                           nn.Dense(3, activation=nn.softmax)])
    model.compile(optimizer=nn.SGD(learning_rate=0.5), loss="sparse_categorical_crossentropy")
    x, y = rng.normal(size=(6, 4)), np.array([0, 2, 1, 1, 0, 2])
    before = model.get_weights()

    def plain(*weights):
        return ad.mean(nn.sparse_categorical_crossentropy(y, model.apply(list(weights), x)))
    grads = ad.grad(plain, argnums=tuple(range(4)))(*before)
    u = [rng.normal(size=w.shape) for w in before]
    numeric = sum(central_difference(lambda *ws: float(plain(*ws)), before, k, u[k]) for k in range(4))
    assert sum(inner(g, d) for g, d in zip(grads, u)) == pytest.approx(float(numeric), rel=1e-7)
    loss, _, fused = model.train_on_batch(x, y)
    assert fused and loss == pytest.approx(float(plain(*before)), rel=1e-12)
    for w0, g, w1 in zip(before, grads, model.weights):
        np.testing.assert_allclose(w1, w0 - 0.5 * g, rtol=1e-10, atol=1e-12)


def test_optimizer_rules_follow_keras():
    w = [np.array([1.0])]
    sgd = nn.SGD(learning_rate=0.1, momentum=0.9)
    sgd.apply(w, [np.array([1.0])])
    sgd.apply(w, [np.array([1.0])])
    assert w[0][0] == pytest.approx(1.0 - 0.1 - (0.9 * 0.1 + 0.1))
    w = [np.array([1.0])]
    adam = nn.Adam(learning_rate=0.1)
    adam.apply(w, [np.array([2.0])])
    # Keras: the bias corrections go into the rate, ε is added to √v uncorrected
    rate = 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9)
    assert w[0][0] == pytest.approx(1.0 - rate * 0.2 / (np.sqrt(0.001 * 4.0) + 1e-7), rel=1e-12)
    with pytest.raises(ADError, match="unknown optimizer 'adamw'"):
        nn.optimizers.get("adamw")


def test_binary_and_regression_models_train(rng):
    X, y = datasets.two_moons(200, noise=0.1, seed=0)
    nn.set_random_seed(0)
    model = nn.Sequential([nn.Dense(16, activation="tanh", input_shape=(2,)),
                           nn.Dense(1, activation="sigmoid")])
    model.compile(optimizer=nn.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X, y, epochs=30, batch_size=32, verbose=0)   # labels (N,), output (N, 1)
    assert history.history["accuracy"][-1] > 0.95
    assert model.evaluate(X, y, verbose=0)[1] == pytest.approx(model.evaluate(X, y[:, None], verbose=0)[1])
    x = rng.uniform(-1, 1, size=(64, 1))
    reg = nn.Sequential([nn.Dense(1, input_shape=(1,))])
    reg.compile(optimizer=nn.SGD(0.3), loss="mse")
    reg.fit(x, 3 * x - 1, epochs=40, verbose=0)
    kernel, bias = reg.weights
    assert kernel[0, 0] == pytest.approx(3.0, abs=1e-3) and bias[0] == pytest.approx(-1.0, abs=1e-3)


def test_fit_prints_a_bar_per_epoch_and_verbose_0_is_silent(digits, capsys):
    (x_train, y_train), _ = digits
    model = mlp(8)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train[:64], y_train[:64], epochs=2, verbose=0)
    model.evaluate(x_train[:64], y_train[:64], verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x_train[:64], y_train[:64], epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and "2/2" in out and "accuracy:" in out
    model.fit(x_train[:64], y_train[:64], epochs=1, verbose=2)
    assert capsys.readouterr().out.startswith("Epoch 1/1 - ")


def test_model_errors_are_clear():
    model = nn.Sequential([nn.Dense(3)])
    with pytest.raises(ADError, match="has not been built"):
        model.summary()
    with pytest.raises(ADError, match="compile the model first"):
        model.fit(np.ones((4, 2)), np.ones(4))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ADError, match="fit: batch_size must be a positive int; got 0"):
        model.fit(np.ones((4, 2)), np.ones((4, 3)), batch_size=0)
    with pytest.raises(ShapeError, match="fit: x has 4 samples but y has 3"):
        model.fit(np.ones((4, 2)), np.ones((3, 3)))
    with pytest.raises(ADError, match="unknown loss 'hinge_squared'"):
        model.compile(optimizer="sgd", loss="hinge_squared")
    with pytest.raises(ADError, match="Dense: unknown activation 'swishy'"):
        nn.Dense(3, activation="swishy")
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 2)), np.ones((4, 3)), verbose=0)
    with pytest.raises(ShapeError, match=r"expects inputs of shape \(None, 2\)"):
        model.predict(np.ones((4, 5)))


# -- SimpleRNN --------------------------------------------------------------------------------

def test_simple_rnn_is_the_slide_recurrence_and_its_gradient_is_right(rng):
    nn.set_random_seed(4)
    layer = nn.SimpleRNN(3, return_sequences=True)
    x = rng.normal(size=(2, 5, 4))
    out = layer(x)
    U, W, b = layer.weights             # deck 003: s_t = tanh(U x_t + W s_{t-1})
    s = np.zeros((2, 3))
    for t in range(5):
        s = np.tanh(x[:, t] @ U + s @ W + b)
        np.testing.assert_allclose(out[:, t], s, rtol=1e-12)
    np.testing.assert_allclose(W @ W.T, np.eye(3), atol=1e-12)  # orthogonal recurrent kernel

    def loss(U, W):
        return ad.sum(ad.sin(layer.apply([U, W, b], x)))
    gU, gW = ad.grad(loss, argnums=(0, 1))(U, W)
    for k, g in enumerate((gU, gW)):
        u = rng.normal(size=g.shape)
        numeric = central_difference(lambda *a: float(loss(*a)), [U, W], k, u)
        assert inner(g, u) == pytest.approx(float(numeric), rel=1e-7)


# -- data sets --------------------------------------------------------------------------------

def test_digits_data_ship_with_the_package():
    images, labels = datasets.digits()
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,)
    assert images.min() == 0 and images.max() == 16
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    (a, b), (c, d) = datasets.digits_split()
    (a2, _), _ = datasets.digits_split()
    np.testing.assert_array_equal(a, a2)
    assert len(a) == 1348 and len(c) == 449 and a.max() == 1.0
    (x_train, y_train), (x_test, y_test) = nn.datasets.digits.load_data()
    assert x_train.dtype == np.uint8 and x_train.max() == 255 and x_train.shape == (1348, 8, 8)
    np.testing.assert_array_equal(y_train, b)


def test_mnist_without_the_keras_file_points_to_digits(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(ADError, match=r"mnist: no MNIST file at .*digits"):
        nn.datasets.mnist.load_data()
    bad = tmp_path / "bad.npz"
    np.savez(bad, something=np.zeros(3))
    with pytest.raises(ADError, match="is not Keras's mnist.npz"):
        datasets.mnist(bad)


def fake_mnist_cache(home, n_train=512, n_test=128):
    """A small mnist.npz in Keras's format, made of the digits drawn 3x larger on 28x28."""
    images, labels = datasets.digits()
    big = np.kron(images, np.ones((3, 3), dtype=np.uint8))          # 24x24
    big = np.pad(big, ((0, 0), (2, 2), (2, 2))) * 15                 # 28x28, 0..240
    folder = home / ".keras" / "datasets"
    folder.mkdir(parents=True)
    np.savez_compressed(folder / "mnist.npz", x_train=big[:n_train].astype(np.uint8),
                        y_train=labels[:n_train], x_test=big[-n_test:].astype(np.uint8),
                        y_test=labels[-n_test:])


DECK_004_KERAS = """
mnist = tf.keras.datasets.mnist

(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0

model = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(512, activation=tf.nn.relu),
    tf.keras.layers.Dropout(0.2),
    tf.keras.layers.Dense(10, activation=tf.nn.softmax)
])
model.compile(optimizer='adam',
              loss='sparse_categorical_crossentropy',
              metrics=['accuracy'])

model.fit(x_train, y_train, epochs=5)
model.evaluate(x_test, y_test)
"""


def test_deck_004_keras_code_runs_unchanged(tmp_path, monkeypatch, capsys):
    """The slide's code, with ``tf`` standing for adkit (adkit.tf1 exposes tf.keras = adkit.nn)."""
    fake_mnist_cache(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    nn.set_random_seed(0)
    namespace = {"tf": SimpleNamespace(keras=nn, nn=nn)}
    exec(compile(DECK_004_KERAS, "deck_004_keras", "exec"), namespace)  # our own test text
    loss, accuracy = namespace["model"].evaluate(namespace["x_test"], namespace["y_test"], verbose=0)
    assert accuracy > 0.75
    out = capsys.readouterr().out
    assert "Epoch 5/5" in out and "128/128 - loss:" in out


@pytest.mark.parametrize("module", ["adkit.nn.ops", "adkit.nn.layers", "adkit.nn.models",
                                    "adkit.nn.optimizers", "adkit.nn.datasets", "adkit.datasets"])
def test_docstring_examples(module):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_fit_calls_keras_callbacks_and_fuses_adkit_softmax_by_name(rng):
    events = []

    class Recorder(nn.Callback):
        def on_train_begin(self, logs=None):
            events.append("begin")

        def on_epoch_end(self, epoch, logs=None):
            events.append((epoch, sorted(logs)))

        def on_train_end(self, logs=None):
            events.append("end")

    def softmax(x):          # adkit's own softmax under another object (as adkit.tf1 wraps it)
        return nn.softmax(x)
    softmax.__module__ = "adkit.tf1.nn"
    x, y = rng.normal(size=(20, 3)), rng.integers(0, 2, 20)
    model = nn.Sequential([nn.Dense(2, activation=softmax, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    recorder = Recorder()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[recorder])
    assert events == ["begin", (0, ["accuracy", "loss"]), (1, ["accuracy", "loss"]), "end"]
    assert recorder.model is model and model.history.epoch == [0, 1]
    assert model.train_on_batch(x, y)[2] is True                       # computed from logits
    user = nn.Sequential([nn.Dense(2, activation=lambda z: nn.softmax(z), input_shape=(3,))])
    user.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert user.train_on_batch(x, y)[2] is False                       # a user's function: as is
