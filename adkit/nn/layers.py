"""Keras-style layers (Dense, Conv2D, MaxPooling2D, Flatten, Dropout, SimpleRNN) built from adkit's primitives.

A layer holds its weights as numpy arrays; ``layer.apply(weights, x, training)`` is a pure function
of the weights, so a model's loss can be differentiated with respect to them (and traced, drawn
and tabled like any other adkit function). Names and arguments follow Keras.

>>> from adkit.nn import set_random_seed
>>> set_random_seed(0)
>>> dense = Dense(3, activation="relu", input_shape=(4,))
>>> dense.build((None, 4)); [w.shape for w in dense.weights], dense.count_params()
([(4, 3), (3,)], 15)
"""
import math
import re

import numpy as np

from adkit import arrays as A
from adkit import primitives as P
from adkit.core import ADError, ShapeError, shape_of
from adkit.nn import ops

__all__ = ["Layer", "Dense", "Conv2D", "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "Flatten",
           "Dropout", "SimpleRNN", "Activation", "InputLayer", "get_activation", "get_initializer"]

# --- activations and initialisers: Keras's names ----------------------------------------------

ACTIVATIONS = {"linear": ops.linear, "relu": ops.relu, "tanh": ops.tanh, "sigmoid": ops.sigmoid,
               "softmax": ops.softmax, "log_softmax": ops.log_softmax,
               "leaky_relu": ops.leaky_relu, "elu": ops.elu}


def get_activation(activation, who="layer"):
    """A Keras activation: None, a name ("relu", "softmax", ...) or any function of one argument."""
    if activation is None:
        return ops.linear
    if isinstance(activation, str):
        try:
            return ACTIVATIONS[activation.lower()]
        except KeyError:
            raise ADError(f"{who}: unknown activation {activation!r}; known: "
                          f"{', '.join(sorted(ACTIVATIONS))} or a function") from None
    if callable(activation):
        return activation
    raise ADError(f"{who}: activation must be a name or a function; got {activation!r}")


def _glorot_uniform(shape, fans, rng):
    limit = math.sqrt(6.0 / (fans[0] + fans[1]))
    return rng.uniform(-limit, limit, size=shape)


def _glorot_normal(shape, fans, rng):
    return _truncated_normal(shape, math.sqrt(2.0 / (fans[0] + fans[1])), rng)


def _he_uniform(shape, fans, rng):
    limit = math.sqrt(6.0 / fans[0])
    return rng.uniform(-limit, limit, size=shape)


def _he_normal(shape, fans, rng):
    return _truncated_normal(shape, math.sqrt(2.0 / fans[0]), rng)


def _truncated_normal(shape, stddev, rng):
    """Normal draws redrawn beyond two standard deviations (Keras rescales by 0.8796…)."""
    stddev = stddev / 0.87962566103423978
    out = rng.normal(0.0, stddev, size=shape)
    bad = np.abs(out) > 2 * stddev
    while bad.any():
        out[bad] = rng.normal(0.0, stddev, size=int(bad.sum()))
        bad = np.abs(out) > 2 * stddev
    return out


def _orthogonal(shape, fans, rng):
    rows, cols = math.prod(shape[:-1]), shape[-1]
    a = rng.normal(size=(max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))  # a uniformly distributed orthogonal matrix
    return (q if rows >= cols else q.T).reshape(shape)


INITIALIZERS = {
    "glorot_uniform": _glorot_uniform, "glorot_normal": _glorot_normal,
    "he_uniform": _he_uniform, "he_normal": _he_normal, "orthogonal": _orthogonal,
    "zeros": lambda shape, fans, rng: np.zeros(shape),
    "ones": lambda shape, fans, rng: np.ones(shape),
    "random_normal": lambda shape, fans, rng: rng.normal(0.0, 0.05, size=shape),
    "random_uniform": lambda shape, fans, rng: rng.uniform(-0.05, 0.05, size=shape),
}


def get_initializer(initializer, who="layer"):
    """An initialiser by Keras's name, or a function ``(shape, fans, rng) -> array``."""
    if callable(initializer):
        return initializer
    try:
        return INITIALIZERS[str(initializer).lower()]
    except KeyError:
        raise ADError(f"{who}: unknown initializer {initializer!r}; known: "
                      f"{', '.join(sorted(INITIALIZERS))}") from None


def _fans(shape):
    """(fan_in, fan_out) as Keras computes them (kernels: receptive field × channels)."""
    if len(shape) < 2:
        return shape[0] if shape else 1, shape[0] if shape else 1
    field = math.prod(shape[:-2])
    return shape[-2] * field, shape[-1] * field


# --- the base class ----------------------------------------------------------------------------

_name_counts = {}


def _snake(name):
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower().replace("2_d", "2d")


def unique_name(prefix):
    """Keras's automatic names: dense, dense_1, dense_2, ... (reset by ``clear_session``)."""
    count = _name_counts.get(prefix, 0)
    _name_counts[prefix] = count + 1
    return prefix if count == 0 else f"{prefix}_{count}"


def clear_session():
    """Forget the automatic layer and model names (``tf.keras.backend.clear_session``)."""
    _name_counts.clear()


def _as_shape(shape, who):
    if shape is None:
        return None
    if isinstance(shape, int):
        return (shape,)
    try:
        return tuple(None if n is None else int(n) for n in shape)
    except (TypeError, ValueError):
        raise ADError(f"{who}: input_shape must be a tuple of ints; got {shape!r}") from None


class Layer:
    """A layer: ``build(input_shape)`` makes the weights, ``apply(weights, x, training)``
    computes the output from them. Shapes include the batch axis as None, as in Keras."""

    has_weights = False

    def __init__(self, name=None, input_shape=None, input_dim=None, trainable=True, **kwargs):
        unknown = set(kwargs) - {"dtype", "batch_size", "dynamic"}
        if unknown:
            raise ADError(f"{type(self).__name__}: unknown argument(s) {', '.join(sorted(unknown))}")
        self.name = name or unique_name(_snake(type(self).__name__))
        if input_dim is not None:
            input_shape = (input_dim,)
        self.input_shape_hint = _as_shape(input_shape, type(self).__name__)
        self.trainable = trainable
        self.built = False
        self.weight_names = []
        self.weights = []
        self.input_shape = self.output_shape = None

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}>"

    def build(self, input_shape):
        """Make the weights for inputs of ``input_shape`` (batch axis first, may be None)."""
        self.input_shape = tuple(input_shape)
        self.output_shape = self.compute_output_shape(self.input_shape)
        self.built = True

    def add_weight(self, name, shape, initializer, fans=None):
        """A new weight drawn from adkit.nn's generator (seeded by ``set_random_seed``)."""
        init = get_initializer(initializer, self.name)
        value = np.asarray(init(tuple(shape), fans or _fans(tuple(shape)), ops.generator()),
                           dtype=float)
        self.weight_names.append(f"{self.name}/{name}")
        self.weights.append(value)
        return value

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def apply(self, weights, x, training=False):
        """The layer's output for ``x`` with the given weights (arrays or traced values)."""
        raise NotImplementedError(f"{type(self).__name__}.apply")

    def __call__(self, x, training=False):
        if not self.built:
            self.build((None,) + tuple(shape_of(x)[1:]))
        return self.apply(self.weights, x, training)

    def count_params(self):
        return int(sum(w.size for w in self.weights))

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, values):
        if len(values) != len(self.weights):
            raise ADError(f"{self.name}: set_weights needs {len(self.weights)} arrays; got {len(values)}")
        for w, v in zip(self.weights, values):
            v = np.asarray(v, dtype=float)
            if v.shape != w.shape:
                raise ShapeError(f"{self.name}: set_weights got shape {v.shape} for a weight of shape {w.shape}")
            w[...] = v


class InputLayer(Layer):
    """Only states the input shape (``tf.keras.Input`` in a Sequential); no weights."""

    def __init__(self, input_shape=None, shape=None, name=None, **kwargs):
        super().__init__(name=name, input_shape=shape if shape is not None else input_shape, **kwargs)

    def apply(self, weights, x, training=False):
        return x


class Dense(Layer):
    """``activation(x @ kernel + bias)``; kernel (inputs, units), bias (units,)."""

    has_weights = True

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        if int(units) < 1:
            raise ADError(f"Dense: units must be a positive int; got {units!r}")
        self.units, self.use_bias = int(units), use_bias
        self.activation = get_activation(activation, "Dense")
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ShapeError(f"{self.name}: the last axis of the input must be known; got {input_shape}")
        self.add_weight("kernel", (input_shape[-1], self.units), self.kernel_initializer)
        if self.use_bias:
            self.add_weight("bias", (self.units,), self.bias_initializer)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def pre_activation(self, weights, x):
        out = P.matmul(x, weights[0])
        return out + weights[1] if self.use_bias else out

    def apply(self, weights, x, training=False):
        return self.activation(self.pre_activation(weights, x))


class Conv2D(Layer):
    """``activation(conv2d(x, kernel) + bias)``; kernel (kh, kw, channels, filters), NHWC."""

    has_weights = True

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ADError(f"Conv2D: only data_format='channels_last' (NHWC); got {data_format!r}")
        self.filters = int(filters)
        self.kernel_size = ops._pair(kernel_size, "Conv2D", "kernel_size")
        self.strides = ops._pair(strides, "Conv2D", "strides")
        self.padding = ops._padding(padding, "Conv2D")
        self.activation = get_activation(activation, "Conv2D")
        self.use_bias = use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ShapeError(f"{self.name}: Conv2D needs inputs (batch, height, width, channels); "
                             f"got {input_shape}")
        self.add_weight("kernel", self.kernel_size + (input_shape[-1], self.filters),
                        self.kernel_initializer)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        ho, wo, _, _ = ops._layout((n, h, w), self.kernel_size, self.strides, self.padding, self.name)
        return (n, ho, wo, self.filters)

    def pre_activation(self, weights, x):
        out = ops.conv2d(x, weights[0], self.strides, self.padding)
        return out + weights[1] if self.use_bias else out

    def apply(self, weights, x, training=False):
        return self.activation(self.pre_activation(weights, x))


class _Pooling2D(Layer):
    pool = None

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = type(self).__name__
        self.pool_size = ops._pair(pool_size, who, "pool_size")
        self.strides = self.pool_size if strides is None else ops._pair(strides, who, "strides")
        self.padding = ops._padding(padding, who)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 4:
            raise ShapeError(f"{self.name}: pooling needs inputs (batch, height, width, channels); "
                             f"got {input_shape}")
        n, h, w, c = input_shape
        ho, wo, _, _ = ops._layout((n, h, w), self.pool_size, self.strides, self.padding, self.name)
        return (n, ho, wo, c)

    def apply(self, weights, x, training=False):
        return type(self).pool(x, self.pool_size, self.strides, self.padding)


class MaxPooling2D(_Pooling2D):
    """The largest value of each pool_size window (strides default to the pool size)."""
    pool = staticmethod(ops.max_pool2d)


class AveragePooling2D(_Pooling2D):
    """The mean of each pool_size window (strides default to the pool size)."""
    pool = staticmethod(ops.avg_pool2d)


MaxPool2D = MaxPooling2D


class Flatten(Layer):
    """(batch, a, b, ...) -> (batch, a·b·...)."""

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if None in rest else math.prod(rest))

    def apply(self, weights, x, training=False):
        shape = shape_of(x)
        return A.reshape(x, (shape[0], math.prod(shape[1:])))


class Activation(Layer):
    """An activation on its own (``Activation("relu")``)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = get_activation(activation, "Activation")

    def apply(self, weights, x, training=False):
        return self.activation(x)


class Dropout(Layer):
    """During training, zero a fraction ``rate`` of the inputs (the rest scaled by 1/(1 − rate));
    at inference (predict, evaluate) the identity."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= float(rate) < 1.0:
            raise ADError(f"Dropout: rate must be in [0, 1); got {rate!r}")
        self.rate = float(rate)
        self._rng = None if seed is None else np.random.default_rng(seed)

    def apply(self, weights, x, training=False):
        return ops.dropout(x, self.rate, training=training, rng=self._rng)

    def noise(self, input_shape):
        """The scaled mask of one training step (as ``ops.dropout`` draws it), or None."""
        if self.rate == 0.0:
            return None
        rng = self._rng if self._rng is not None else ops.generator()
        return (rng.random(input_shape) >= self.rate) / (1.0 - self.rate)

    def apply_noise(self, weights, x, mask):
        """Training with a mask drawn beforehand by :meth:`noise` (an input of a compiled step)."""
        return x * mask


class SimpleRNN(Layer):
    """h_t = activation(x_t @ kernel + h_{t−1} @ recurrent_kernel + bias), h_0 = 0.

    In deck 003's notation s_t = tanh(U x_t + W s_{t−1}): ``kernel`` is U (inputs → state) and
    ``recurrent_kernel`` is W (state → state). Inputs (batch, steps, features); the output is
    the last state, or every state (batch, steps, units) with ``return_sequences=True``.
    """

    has_weights = True

    def __init__(self, units, activation="tanh", use_bias=True, return_sequences=False,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.units, self.use_bias = int(units), use_bias
        self.activation = get_activation(activation, "SimpleRNN")
        self.return_sequences = return_sequences
        self.initializers = (kernel_initializer, recurrent_initializer, bias_initializer)

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ShapeError(f"{self.name}: SimpleRNN needs inputs (batch, steps, features); "
                             f"got {input_shape}")
        self.add_weight("kernel", (input_shape[-1], self.units), self.initializers[0])
        self.add_weight("recurrent_kernel", (self.units, self.units), self.initializers[1])
        if self.use_bias:
            self.add_weight("bias", (self.units,), self.initializers[2])
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        if self.return_sequences:
            return (input_shape[0], input_shape[1], self.units)
        return (input_shape[0], self.units)

    def states(self, weights, x):
        """Every state h_1 … h_T (a list), computed step by step: the unrolled graph of BPTT."""
        kernel, recurrent = weights[0], weights[1]
        n, steps = shape_of(x)[:2]
        h, states = None, []
        for t in range(steps):
            pre = P.matmul(A.getitem(x, (slice(None), t)), kernel)
            if h is not None:
                pre = pre + P.matmul(h, recurrent)
            if self.use_bias:
                pre = pre + weights[2]
            h = self.activation(pre)
            states.append(h)
        return states

    def apply(self, weights, x, training=False):
        states = self.states(weights, x)
        return A.stack(states, axis=1) if self.return_sequences else states[-1]
