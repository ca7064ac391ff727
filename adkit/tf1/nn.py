"""``tf.nn``: activations, softmax and its cross-entropies, and convolution / pooling.

The activations are adkit primitives; softmax and log softmax are adkit.nn's (x − logsumexp x:
large logits do not overflow). ``conv2d`` and ``max_pool`` are adkit.nn's functional ops,
imported when first used.
"""
import numpy as np

from adkit import primitives as P
from adkit.core import ADError
from adkit.operators import ArrayBox
from adkit.tf1 import ops
from adkit.tf1.framework import Tensor
from adkit.tf1.ops import as_tensor, make


def _values(x):
    """Keras layers (``tf.keras`` is adkit.nn) call ``activation=tf.nn.relu`` on arrays or traced
    values, not on graph tensors: then the activation is computed at once."""
    return not isinstance(x, Tensor) and isinstance(x, (ArrayBox, np.ndarray, float))


def _activation(op, fn):
    def activation(features, name=None):
        return fn(features) if _values(features) else op(features, name)
    activation.__name__ = op.__name__
    activation.__doc__ = (f"{op.__doc__} On a numpy array or traced value (a Keras layer's "
                          f"activation) it is computed at once.")
    return activation


relu = _activation(ops.relu, P.relu)
sigmoid = _activation(ops.sigmoid, P.sigmoid)
tanh = _activation(ops.tanh, P.tanh)


def _softmax(v, axis):
    from adkit.nn import softmax  # the one softmax (exp of x − logsumexp x)
    return softmax(v, axis)


def _log_softmax(v, axis):
    from adkit.nn import log_softmax
    return log_softmax(v, axis)


def softmax(logits, axis=-1, name=None):
    """``exp(x) / sum(exp(x))`` along ``axis`` (the last by default); on arrays or traced
    values (a Keras layer's activation) computed at once."""
    if _values(logits):
        return _softmax(logits, axis)
    return make(_softmax, [as_tensor(logits)], name, "Softmax", {"axis": axis})


def log_softmax(logits, axis=-1, name=None):
    return make(_log_softmax, [as_tensor(logits)], name, "LogSoftmax", {"axis": axis})


def softmax_cross_entropy_with_logits(labels=None, logits=None, axis=-1, name=None):
    """Per example ``-sum(labels · log softmax(logits))`` (labels one-hot or probabilities)."""
    if labels is None or logits is None:
        raise ADError("softmax_cross_entropy_with_logits: give labels= and logits=")
    return make(lambda y, v, axis: -P.sum(y * _log_softmax(v, axis), axis),
                [as_tensor(labels), as_tensor(logits)], name, "SoftmaxCrossEntropyWithLogits",
                {"axis": axis})


softmax_cross_entropy_with_logits_v2 = softmax_cross_entropy_with_logits


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """``max(x, 0) - x·z + log(1 + exp(-|x|))``, TF's stable form."""
    return make(lambda z, x: P.relu(x) - x * z + P.log1p(P.exp(-P.abs(x))),
                [as_tensor(labels), as_tensor(logits)], name, "logistic_loss")


def _adkit_nn(who):
    try:
        import adkit.nn as nn
    except ImportError:
        raise ADError(f"tf.{who} runs on adkit.nn's functional ops, and adkit.nn is not "
                      f"installed in this copy of adkit") from None
    return nn


def _four(value, who):
    """TF1 writes strides and window sizes as [1, s, s, 1]; adkit.nn takes s (or (sh, sw))."""
    if isinstance(value, int):
        return value
    value = list(value)
    if len(value) == 4:
        if value[0] != 1 or value[3] != 1:
            raise ADError(f"{who}: strides/ksize over the batch or channel axis must be 1, got "
                          f"{value}")
        value = value[1:3]
    return value[0] if len(value) == 2 and value[0] == value[1] else tuple(value)


def conv2d(input, filter=None, strides=(1, 1, 1, 1), padding="VALID", name=None,  # noqa: A002
           filters=None, data_format="NHWC", dilations=None):
    """2-D convolution of NHWC images with an HWIO filter (``adkit.nn.conv2d``)."""
    if data_format != "NHWC":
        raise ADError("conv2d: only data_format='NHWC' is supported")
    w = filter if filter is not None else filters
    x = as_tensor(input)  # output dtype = input dtype, as in TF (adkit.nn works in float64)
    return make(lambda x, k, strides, padding: _adkit_nn("nn.conv2d").conv2d(
        x, k, strides=strides, padding=padding), [x, as_tensor(w)], name,
        "Conv2D", {"strides": _four(strides, "conv2d"), "padding": padding.upper()},
        dtype=x.dtype)


def max_pool(value, ksize, strides, padding="VALID", name=None, data_format="NHWC"):
    """Max pooling of NHWC images (``adkit.nn.max_pool2d``)."""
    if data_format != "NHWC":
        raise ADError("max_pool: only data_format='NHWC' is supported")
    x = as_tensor(value)
    return make(lambda x, size, strides, padding: _adkit_nn("nn.max_pool").max_pool2d(
        x, pool_size=size, strides=strides, padding=padding), [x], name,
        "MaxPool", {"size": _four(ksize, "max_pool"), "strides": _four(strides, "max_pool"),
                    "padding": padding.upper()}, dtype=x.dtype)
