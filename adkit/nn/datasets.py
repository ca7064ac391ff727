"""``tf.keras.datasets`` for adkit: ``mnist.load_data()`` (Keras's cache file) and ``digits.load_data()``.

>>> (x_train, y_train), (x_test, y_test) = digits.load_data()
>>> x_train.shape, y_test.shape
((1348, 8, 8), (449,))
"""
from types import SimpleNamespace

import numpy as np

from adkit import datasets as _datasets


def _mnist_load_data(path="mnist.npz"):
    """``(x_train, y_train), (x_test, y_test)`` from ``~/.keras/datasets/<path>``, as Keras
    returns them (uint8 images 28×28). No download: without the file, a clear error."""
    from pathlib import Path
    target = Path(path).expanduser()
    if not target.is_absolute():
        target = Path.home() / ".keras" / "datasets" / target
    return _datasets.mnist(target)


def _digits_load_data(test_fraction=0.25, seed=0):
    """The 8×8 digits shipped with adkit, shaped as ``mnist.load_data()`` returns MNIST: uint8
    images 0..255 (the 0..16 counts rescaled, so the slides' ``x / 255.0`` gives [0, 1]) of
    shape (8, 8) and labels, split once with a fixed seed (1,348 train, 449 test)."""
    images, labels = _datasets.digits()
    images = np.round(images * (255.0 / 16.0)).astype(np.uint8)
    return _datasets.train_test_split(images, labels, test_fraction, seed)


mnist = SimpleNamespace(load_data=_mnist_load_data)
digits = SimpleNamespace(load_data=_digits_load_data)
