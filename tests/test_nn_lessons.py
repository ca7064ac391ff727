"""The adkit.nn lessons run in quick mode and compute what their stories tell."""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from adkit import lessons_runner  # noqa: E402


def run(name, tmp_path, capsys):
    namespace = lessons_runner.run(name, tmp_path, quick=True)
    printed = capsys.readouterr().out
    return namespace, printed, sorted(p.name for p in tmp_path.iterdir())


def test_keras_digits(tmp_path, capsys):
    ns, printed, figures = run("keras-digits", tmp_path, capsys)
    assert ns["test_accuracy"] >= 0.9
    assert ns["model"].count_params() == 64 * 512 + 512 + 512 * 10 + 10
    history = ns["history"].history
    assert all(b < a for a, b in zip(history["loss"], history["loss"][1:]))
    assert len(ns["wrong"]) == round((1 - ns["test_accuracy"]) * len(ns["y_test"]))
    assert "logsumexp" in printed and "Total params: 38,410" in printed
    assert figures == ["keras-digits-mistakes.png", "keras-digits.png"]


def test_cnn(tmp_path, capsys):
    ns, printed, figures = run("cnn", tmp_path, capsys)
    assert ns["test_accuracy"] >= 0.9
    assert ns["pooled"].shape == (1, 3, 3, 1) and ns["same"].shape == (1, 8, 8, 1)
    assert ns["w_bar"][0, 1, 0, 0] == pytest.approx(ns["numeric"], rel=1e-6)
    names = {p.name for p in ns["gradient_graph"].prims}
    assert "conv2d_backprop_filter" in names and "conv2d_backprop_input" not in names  # x is data
    assert "conv2d (Conv2D)              (None, 8, 8, 8)           80" in printed
    assert figures == ["cnn-filters.png"]


def test_rnn_keras(tmp_path, capsys):
    ns, printed, figures = run("rnn-keras", tmp_path, capsys)
    assert ns["test_accuracy"] >= 0.85
    assert "the layer's output equals the recurrence written out: True" in printed
    assert ns["untrained"][0] < ns["untrained"][-1]        # before training: vanishing
    assert ns["U"].shape == (8, 32) and ns["W"].shape == (32, 32)
    assert figures == ["rnn-keras.png"]


def test_two_layer_fit(tmp_path, capsys):
    ns, printed, figures = run("two-layer-fit", tmp_path, capsys)
    assert ns["difference"] < 1e-12                       # fit = the hand-written loop
    assert ns["train_loss"] < ns["history"].history["loss"][0]
    assert np.isfinite(ns["test_loss"])
    assert figures == ["two-layer-fit.png"]
