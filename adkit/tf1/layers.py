"""``tf.layers``: dense, conv2d, max_pooling2d and flatten, each making its own Variables.

A layer call creates its weights (``dense/kernel``, ``dense/bias``, Glorot-uniform and zeros as
in TF1) and the ops that use them; initialise them with ``tf.global_variables_initializer()``.
"""
import numpy as np

from adkit.core import ADError
from adkit.tf1 import nn
from adkit.tf1.framework import get_default_graph
from adkit.tf1.ops import (
    Variable, add, as_tensor, make, matmul, random_uniform, reshape, zeros,
)


def _scope(name, kind):
    return get_default_graph().unique_name(name or kind)


def _glorot(shape, fan_in, fan_out, name, dtype):
    limit = float(np.sqrt(6.0 / (fan_in + fan_out)))
    return Variable(random_uniform(shape, -limit, limit, dtype=dtype, name=name + "/Initializer"),
                    name=name)


def _activate(out, activation):
    return out if activation is None else activation(out)


def _last_dim(x, who):
    if x.dims is None or not x.dims or x.dims[-1] is None:
        raise ADError(f"{who}: the last dimension of {x.op_name} must be known (shape "
                      f"{x.get_shape()})")
    return x.dims[-1]


def dense(inputs, units, activation=None, use_bias=True, name=None, **unused):
    """``activation(inputs @ kernel + bias)`` with a new kernel [in, units] and bias [units]."""
    x = as_tensor(inputs, who="dense")
    scope = _scope(name, "dense")
    n_in = _last_dim(x, "dense")
    kernel = _glorot([n_in, units], n_in, units, f"{scope}/kernel", x.dtype)
    out = matmul(x, kernel, name=f"{scope}/MatMul")
    if use_bias:
        bias = Variable(zeros([units], x.dtype), name=f"{scope}/bias")
        out = add(out, bias, name=f"{scope}/BiasAdd")
    return _activate(out, activation)


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid", activation=None,
           use_bias=True, name=None, **unused):
    """A convolution layer: kernel [kh, kw, in_channels, filters], bias [filters]."""
    x = as_tensor(inputs, who="conv2d")
    scope = _scope(name, "conv2d")
    kh, kw = _pair(kernel_size)
    n_in = _last_dim(x, "conv2d")
    kernel = _glorot([kh, kw, n_in, filters], kh * kw * n_in, kh * kw * filters,
                     f"{scope}/kernel", x.dtype)
    sh, sw = _pair(strides)
    out = nn.conv2d(x, kernel, strides=[1, sh, sw, 1], padding=padding.upper(),
                    name=f"{scope}/Conv2D")
    if use_bias:
        bias = Variable(zeros([filters], x.dtype), name=f"{scope}/bias")
        out = add(out, bias, name=f"{scope}/BiasAdd")
    return _activate(out, activation)


def max_pooling2d(inputs, pool_size, strides, padding="valid", name=None):
    ph, pw = _pair(pool_size)
    sh, sw = _pair(strides)
    return nn.max_pool(as_tensor(inputs), [1, ph, pw, 1], [1, sh, sw, 1], padding.upper(),
                       name=_scope(name, "max_pooling2d"))


def flatten(inputs, name=None):
    """[batch, ...] -> [batch, everything else]."""
    x = as_tensor(inputs, who="flatten")
    if x.dims is None or any(d is None for d in x.dims[1:]):
        return make(lambda v: reshape_fn(v), [x], name, "Flatten")
    size = int(np.prod(x.dims[1:], dtype=int))
    return reshape(x, [-1, size], name=name or "flatten")


def reshape_fn(v):
    from adkit import primitives as P
    shape = np.shape(v._value() if hasattr(v, "_value") else v)
    return P.reshape(v, (shape[0], -1))
