"""adkit.nn: neural-network ops and Keras-style models, every one built from adkit's primitives.

Functional ops (TensorFlow's NHWC/HWIO layouts) and Keras's names, so the lectures' code reads
the same (``tf.keras`` in :mod:`adkit.tf1` is this package)::

    import adkit.nn as nn
    nn.conv2d(x, w, strides=1, padding="SAME")     nn.max_pool2d(x, 2)     nn.softmax(z)
    model = nn.Sequential([nn.Flatten(input_shape=(8, 8)), nn.Dense(64, activation="relu"),
                           nn.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=10, batch_size=32)

Namespaces as in ``tf.keras``: ``nn.layers``, ``nn.models``, ``nn.optimizers``, ``nn.losses``,
``nn.activations``, ``nn.datasets`` (``mnist.load_data()``, ``digits.load_data()``), ``nn.utils``.
"""
from types import SimpleNamespace

from adkit.nn.ops import (avg_pool2d, binary_crossentropy, categorical_crossentropy, conv2d,  # noqa: F401
                          dropout, elu, generator, leaky_relu, linear, log_softmax, logsumexp,
                          max_pool2d, mean_squared_error, mse, relu, set_random_seed, sigmoid,
                          softmax, sparse_categorical_crossentropy, tanh)
from adkit.nn import layers, losses, optimizers, models, datasets  # noqa: F401
from adkit.nn import callbacks  # noqa: F401  (Callback, History, TensorBoard)
from adkit.nn.layers import (Activation, AveragePooling2D, Conv2D, Dense, Dropout, Flatten,  # noqa: F401
                             InputLayer, Layer, MaxPool2D, MaxPooling2D, SimpleRNN, clear_session)
from adkit.nn.losses import (BinaryCrossentropy, CategoricalCrossentropy, MeanSquaredError,  # noqa: F401
                             SparseCategoricalCrossentropy)
from adkit.nn.models import Callback, History, Sequential  # noqa: F401
from adkit.nn.optimizers import SGD, Adam, RMSprop  # noqa: F401

__all__ = [
    "conv2d", "max_pool2d", "avg_pool2d", "softmax", "log_softmax", "logsumexp",
    "sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy", "mse",
    "mean_squared_error", "dropout", "relu", "tanh", "sigmoid", "leaky_relu", "elu", "linear",
    "set_random_seed", "generator", "clear_session",
    "Sequential", "History", "Layer", "InputLayer", "Input", "Dense", "Conv2D", "MaxPooling2D",
    "MaxPool2D", "AveragePooling2D", "Flatten", "Dropout", "SimpleRNN", "Activation",
    "SGD", "Adam", "RMSprop", "SparseCategoricalCrossentropy", "CategoricalCrossentropy",
    "BinaryCrossentropy", "MeanSquaredError",
    "Callback", "layers", "models", "optimizers", "losses", "datasets", "activations", "utils",
    "backend", "callbacks",
]

activations = SimpleNamespace(relu=relu, tanh=tanh, sigmoid=sigmoid, softmax=softmax,
                              log_softmax=log_softmax, leaky_relu=leaky_relu, elu=elu, linear=linear)
utils = SimpleNamespace(set_random_seed=set_random_seed)
backend = SimpleNamespace(clear_session=clear_session)
Input = InputLayer
