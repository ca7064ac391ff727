"""fit's training step through ad.compile: the same numbers as the eager step, dropout masks as
inputs (never frozen into the trace), one specialisation per batch shape, eager fallback."""
import warnings

import numpy as np
import pytest

import adkit.nn as nn
from adkit.core import ADError
from adkit.nn import models


def _data(n=70, shape=(8,), classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n,) + shape), rng.integers(0, classes, size=n)


def _mlp(jit, optimizer, rate=0.3):
    nn.clear_session()
    nn.set_random_seed(3)
    model = nn.Sequential([nn.Dense(16, activation="relu", input_shape=(8,)), nn.Dropout(rate),
                           nn.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=jit)
    return model


def _close(a, b):
    return all(np.allclose(u, v, rtol=1e-12, atol=1e-12) for u, v in zip(a, b))


@pytest.mark.parametrize("optimizer", [lambda: nn.Adam(0.01), lambda: nn.SGD(0.1, momentum=0.9),
                                       lambda: nn.SGD(0.1, momentum=0.9, nesterov=True),
                                       lambda: nn.RMSprop(0.01)])
def test_one_fit_step_compiled_equals_eager_with_dropout(optimizer):
    x, y = _data(n=32)
    runs = []
    for jit in (True, False):
        model = _mlp(jit, optimizer())
        history = model.fit(x, y, batch_size=32, epochs=1, verbose=0)
        runs.append((model, history))
    (compiled, h1), (eager, h2) = runs
    assert compiled._compiled_step is not None and compiled.eager_reason is None
    assert eager._compiled_step is None and eager.eager_reason == "jit_compile=False"
    assert _close(compiled.weights, eager.weights)
    assert h1.history["loss"] == pytest.approx(h2.history["loss"], rel=1e-12)


def test_many_steps_keep_optimiser_state_and_fresh_masks():
    x, y = _data(n=70)
    compiled, eager = _mlp(True, nn.Adam(0.01)), None
    compiled.fit(x, y, batch_size=32, epochs=3, verbose=0)
    eager = _mlp(False, nn.Adam(0.01))
    eager.fit(x, y, batch_size=32, epochs=3, verbose=0)
    assert _close(compiled.weights, eager.weights)
    assert compiled.optimizer.iterations == eager.optimizer.iterations == 9
    assert _close([m for slot in compiled.optimizer.slots.values() for m in slot],
                  [m for slot in eager.optimizer.slots.values() for m in slot])
    step = compiled._compiled_step[1]
    assert step.traces == 2  # batches of 32 and the last 6: two specialisations, then reused
    assert "x * mask" not in step.source and "dropout" not in step.source


def test_dropout_mask_is_an_input_not_a_constant():
    """Two steps on the same batch with different masks move the weights differently."""
    x, y = _data(n=32)
    model = _mlp(True, nn.SGD(0.1))
    before = model.get_weights()
    model.train_on_batch(x, y)
    first = [w - b for w, b in zip(model.get_weights(), before)]
    model.set_weights(before)
    model.train_on_batch(x, y)
    second = [w - b for w, b in zip(model.get_weights(), before)]
    assert model._compiled_step[1].traces == 1
    assert not np.allclose(first[0], second[0])


def test_cnn_and_rnn_compiled_equal_eager():
    rng = np.random.default_rng(1)
    images, labels = rng.normal(size=(20, 6, 6, 1)), rng.integers(0, 4, size=20)
    sequences = rng.normal(size=(20, 5, 3))
    builds = [
        (lambda: [nn.Conv2D(3, 3, padding="same", activation="relu", input_shape=(6, 6, 1)),
                  nn.MaxPooling2D(2), nn.Flatten(), nn.Dropout(0.25),
                  nn.Dense(4, activation="softmax")], images),
        (lambda: [nn.SimpleRNN(5, input_shape=(5, 3)), nn.Dense(4, activation="softmax")],
         sequences)]
    for layers, x in builds:
        weights = []
        for jit in (True, False):
            nn.clear_session()
            nn.set_random_seed(0)
            model = nn.Sequential(layers())
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", jit_compile=jit)
            model.fit(x, labels, batch_size=8, epochs=2, verbose=0)
            weights.append(model.weights)
        assert _close(*weights)


def test_binary_and_mse_losses_compiled_equal_eager():
    x, _ = _data(n=24)
    y = (x[:, 0] > 0).astype(int)
    for loss, activation in (("binary_crossentropy", "sigmoid"), ("mse", None)):
        weights = []
        for jit in (True, False):
            nn.clear_session()
            nn.set_random_seed(0)
            model = nn.Sequential([nn.Dense(4, activation="tanh", input_shape=(8,)),
                                   nn.Dense(1, activation=activation)])
            model.compile(optimizer="sgd", loss=loss, metrics=["accuracy"], jit_compile=jit)
            model.fit(x, y, batch_size=10, epochs=2, verbose=0)
            weights.append(model.weights)
        assert _close(*weights)


class _Doubling(nn.Layer):
    """A layer of the user's own: its apply could hide randomness, so fit trains eagerly."""

    def apply(self, weights, x, training=False):
        return x * 2.0


def test_user_layer_trains_eagerly_with_a_reason():
    x, y = _data(n=16)
    nn.clear_session()
    model = nn.Sequential([nn.Dense(4, input_shape=(8,)), _Doubling(), nn.Dense(3)])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    assert model._compiled_step is None
    assert "_Doubling" in model.eager_reason and "not one of adkit's" in model.eager_reason


def test_untraceable_step_falls_back_to_eager_with_a_warning(monkeypatch):
    def refusing(f):
        def compiled(*args):
            raise ADError("compile: cannot trace this")
        return compiled
    monkeypatch.setattr(models, "compile_function", refusing)
    x, y = _data(n=32)
    model = _mlp(True, nn.Adam(0.01))
    with pytest.warns(UserWarning, match="training eagerly .*cannot trace this"):
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    eager = _mlp(False, nn.Adam(0.01))
    eager.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert _close(model.weights, eager.weights)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once, not at every step
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)


def test_jit_compile_must_be_a_bool():
    model = nn.Sequential([nn.Dense(1, input_shape=(2,))])
    with pytest.raises(ADError, match="jit_compile must be True or False"):
        model.compile(optimizer="sgd", loss="mse", jit_compile="yes")


def test_tensorboard_callback_logs_each_epoch(tmp_path):
    from adkit.board import read_run
    x, y = _data(n=32)
    model = _mlp(True, "adam")
    board = nn.callbacks.TensorBoard(log_dir=tmp_path / "run")
    model.fit(x, y, epochs=3, verbose=0, callbacks=[board])
    losses = read_run(board.path)["scalars"]["loss"]
    assert [r["step"] for r in losses] == [0, 1, 2]
    assert [r["value"] for r in losses] == pytest.approx(model.history.history["loss"])
    assert board.model is model
    with pytest.raises(ADError, match="histogram"):
        nn.callbacks.TensorBoard(log_dir=tmp_path / "h", histogram_freq=1)
