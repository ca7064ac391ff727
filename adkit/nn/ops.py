"""Functional neural-network ops (convolution, pooling, softmax, losses, dropout) as adkit primitives.

Layouts are TensorFlow's: images are NHWC (batch, height, width, channels) and filters HWIO
(height, width, in channels, out channels). Every op is a primitive of adkit's table or a
composition of primitives, and every derivative rule is written with primitives, so a model's
gradient is again a traceable graph (second derivatives, forward over reverse).

Convolution is one bilinear family of three primitives, each the others' adjoint::

    conv2d(x, w)                      y[n,i,j,o] = Σ x[n, i·s+a, j·s+b, c] · w[a,b,c,o]
    conv2d_backprop_input(ȳ, w)       x̄ = the transposed convolution of ȳ with w
    conv2d_backprop_filter(x, ȳ)      w̄ = the correlation of x with ȳ

>>> x = np.arange(16.0).reshape(1, 4, 4, 1)
>>> conv2d(x, np.ones((2, 2, 1, 1)), strides=2)[0, :, :, 0]
array([[10., 18.],
       [42., 50.]])
>>> max_pool2d(x, 2)[0, :, :, 0]
array([[ 5.,  7.],
       [13., 15.]])
"""
import math
import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from adkit.core import (PRIMITIVES, ADError, Boxed, Notation, Primitive, ShapeError, ndim_of, register,
                        shape_of)
from adkit import arrays as A
from adkit import primitives as P
from adkit import primitives_numpy as PN

__all__ = ["conv2d", "max_pool2d", "avg_pool2d", "softmax", "log_softmax", "logsumexp",
           "relu", "tanh", "sigmoid", "leaky_relu", "elu", "linear",
           "sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
           "mse", "mean_squared_error", "dropout", "set_random_seed", "generator"]

EPSILON = 1e-7  # Keras's backend epsilon: probabilities are clipped to [ε, 1 − ε]

# --- the random generator of adkit.nn (initialisers, shuffling, dropout) ---------------------
_rng = [np.random.default_rng(0)]


def set_random_seed(seed):
    """Seed adkit.nn's generator (as ``keras.utils.set_random_seed``): same seed, same model.

    Initial weights, the shuffling in ``fit`` and dropout masks all draw from it.
    """
    _rng[0] = np.random.default_rng(seed)


def generator():
    """The numpy Generator that adkit.nn draws from (see :func:`set_random_seed`)."""
    return _rng[0]


def _numeric(x):
    """The number inside a traced value or Dual (for choices that have no derivative)."""
    while isinstance(x, Boxed):
        x = x._value()
    return np.asarray(x)


# --- geometry: strides, padding, windows ----------------------------------------------------

def _pair(value, who, what):
    """An int, a pair, or TensorFlow's 4-list [1, a, b, 1] -> (a, b)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        pair = (int(value), int(value))
    else:
        try:
            items = tuple(int(v) for v in value)
        except (TypeError, ValueError):
            raise ADError(f"{who}: {what} must be an int, a pair or [1, a, b, 1]; got {value!r}") from None
        if len(items) == 4 and items[0] == 1 and items[3] == 1:
            items = items[1:3]
        elif len(items) == 1:
            items = items * 2
        if len(items) != 2:
            raise ADError(f"{who}: {what} must be an int, a pair or [1, a, b, 1]; got {value!r}")
        pair = items
    if min(pair) < 1:
        raise ADError(f"{who}: {what} must be positive; got {value!r}")
    return pair


def _padding(padding, who):
    text = str(padding).upper()
    if text not in ("VALID", "SAME"):
        raise ADError(f"{who}: padding must be 'VALID' or 'SAME'; got {padding!r}")
    return text


def _geometry(size, kernel, stride, padding, who):
    """(output size, (pad before, pad after)) along one axis, as TensorFlow computes them."""
    if padding == "SAME":
        out = -(-size // stride)
        total = max((out - 1) * stride + kernel - size, 0)
        return out, (total // 2, total - total // 2)
    if size < kernel:
        raise ShapeError(f"{who}: a window of {kernel} does not fit in an input of size {size} "
                         f"with padding 'VALID'; use padding='SAME' or a smaller window")
    return (size - kernel) // stride + 1, (0, 0)


def _layout(x_shape, window, strides, padding, who):
    (kh, kw), (sh, sw) = window, strides
    ho, pads_h = _geometry(x_shape[1], kh, sh, padding, who)
    wo, pads_w = _geometry(x_shape[2], kw, sw, padding, who)
    return ho, wo, pads_h, pads_w


def _windows(x, window, strides, padding, fill=0.0):
    """View of every window: shape (N, Ho, Wo, C, kh, kw); padded with ``fill`` first."""
    ho, wo, pads_h, pads_w = _layout(x.shape, window, strides, padding, "window")
    if pads_h != (0, 0) or pads_w != (0, 0):  # by hand: np.pad costs more than the copy
        n, h, w, c = x.shape
        padded = np.full((n, h + sum(pads_h), w + sum(pads_w), c), fill,
                         dtype=np.result_type(x, type(fill)))
        padded[:, pads_h[0]:pads_h[0] + h, pads_w[0]:pads_w[0] + w, :] = x
        x = padded
    view = sliding_window_view(x, window, axis=(1, 2))[:, ::strides[0], ::strides[1]]
    return view[:, :ho, :wo]


def _scatter_windows(cols, x_shape, window, strides, padding):
    """The adjoint of :func:`_windows`: add each window's values back where they came from.

    ``cols`` has shape (N, Ho, Wo, kh, kw, C). One slice-add per kernel offset (kh·kw of them),
    never a loop over pixels.
    """
    n, h, w, c = x_shape
    (kh, kw), (sh, sw) = window, strides
    ho, wo, (pt, pb), (pl, pr) = _layout(x_shape, window, strides, padding, "window")
    out = np.zeros((n, h + pt + pb, w + pl + pr, c), dtype=np.result_type(cols, float))
    for a in range(kh):
        for b in range(kw):
            out[:, a:a + sh * (ho - 1) + 1:sh, b:b + sw * (wo - 1) + 1:sw, :] += cols[:, :, :, a, b, :]
    return out[:, pt:pt + h, pl:pl + w, :]


# --- batched tangents: jacfwd pushes several directions at once ------------------------------

def _merge_batch(fn, t, batch):
    """Apply a rule that is linear in an NHWC argument to a tangent with ``batch`` leading
    axes by folding them into N (one call, not one per direction)."""
    if not batch:
        return fn(t)
    shape = shape_of(t)
    lead, rest = shape[:batch], shape[batch:]
    out = fn(A.reshape(t, (-1,) + rest[1:]))
    out_shape = shape_of(out)
    return A.reshape(out, lead + (rest[0],) + out_shape[1:])


def _per_direction(fn, t, batch):
    """Apply a rule to each of a batched tangent's directions (filters, fixed-shape adjoints)."""
    if not batch:
        return fn(t)
    shape = shape_of(t)
    lead = shape[:batch]
    flat = A.reshape(t, (-1,) + shape[batch:])
    outs = [fn(A.getitem(flat, (k,))) for k in range(math.prod(lead))]
    stacked = A.stack(outs)
    return A.reshape(stacked, lead + shape_of(outs[0]))


def _plus(a, b):
    return b if a is None else a if b is None else a + b


# --- convolution: one bilinear family --------------------------------------------------------

def _np_conv2d(x, w, *, strides, padding):
    x, w = np.asarray(x), np.asarray(w)
    cols = _windows(x, w.shape[:2], strides, padding)                 # (N, Ho, Wo, C, kh, kw)
    return np.tensordot(cols, w, axes=([4, 5, 3], [0, 1, 2]))          # (N, Ho, Wo, O)


def _np_backprop_input(ct, w, *, x_shape, strides, padding):
    cols = np.tensordot(np.asarray(ct), np.asarray(w), axes=([3], [3]))  # (N, Ho, Wo, kh, kw, C)
    return _scatter_windows(cols, x_shape, np.shape(w)[:2], strides, padding)


def _np_backprop_filter(x, ct, *, w_shape, strides, padding):
    cols = _windows(np.asarray(x), w_shape[:2], strides, padding)       # (N, Ho, Wo, C, kh, kw)
    out = np.tensordot(cols, np.asarray(ct), axes=([0, 1, 2], [0, 1, 2]))  # (C, kh, kw, O)
    return out.transpose(1, 2, 0, 3)


def _conv_jvp(primals, tangents, out, batch, *, strides, padding):
    (x, w), (tx, tw) = primals, tangents
    geometry = dict(strides=strides, padding=padding)
    result = None
    if tx is not None:
        result = _merge_batch(lambda t: _conv2d(t, w, **geometry), tx, batch)
    if tw is not None:
        result = _plus(result, _per_direction(lambda t: _conv2d(x, t, **geometry), tw, batch))
    return result


def _conv_vjp(ct, out, x, w, *, strides, padding, needed=(True, True)):
    geometry = dict(strides=strides, padding=padding)
    x_bar = _backprop_input(ct, w, x_shape=shape_of(x), **geometry) if needed[0] else None
    w_bar = _backprop_filter(x, ct, w_shape=shape_of(w), **geometry) if needed[1] else None
    return x_bar, w_bar


def _bilinear_jvp(f, primals, tangents, batch):
    """The JVP of ``f(a, b)`` linear in each argument: f(ṫa, b) + f(a, ṫb), per direction."""
    (a, b), (ta, tb) = primals, tangents
    result = None
    if ta is not None:
        result = _per_direction(lambda t: f(t, b), ta, batch)
    if tb is not None:
        result = _plus(result, _per_direction(lambda t: f(a, t), tb, batch))
    return result


def _backprop_input_jvp(primals, tangents, out, batch, *, x_shape, strides, padding):
    kw = dict(x_shape=x_shape, strides=strides, padding=padding)
    return _bilinear_jvp(lambda ct, w: _backprop_input(ct, w, **kw), primals, tangents, batch)


def _backprop_input_vjp(g, out, ct, w, *, x_shape, strides, padding, needed=(True, True)):
    geometry = dict(strides=strides, padding=padding)
    ct_bar = _conv2d(g, w, **geometry) if needed[0] else None
    w_bar = _backprop_filter(g, ct, w_shape=shape_of(w), **geometry) if needed[1] else None
    return ct_bar, w_bar


def _backprop_filter_jvp(primals, tangents, out, batch, *, w_shape, strides, padding):
    kw = dict(w_shape=w_shape, strides=strides, padding=padding)
    return _bilinear_jvp(lambda x, ct: _backprop_filter(x, ct, **kw), primals, tangents, batch)


def _backprop_filter_vjp(g, out, x, ct, *, w_shape, strides, padding, needed=(True, True)):
    geometry = dict(strides=strides, padding=padding)
    x_bar = _backprop_input(ct, g, x_shape=shape_of(x), **geometry) if needed[0] else None
    ct_bar = _conv2d(x, g, **geometry) if needed[1] else None
    return x_bar, ct_bar


def _call(name, text):
    return Notation("call", name, r"\operatorname{%s}" % text.replace("_", r"\_"))


_conv2d = Primitive(
    "conv2d", _np_conv2d, jvp=_conv_jvp, vjp=_conv_vjp, nargs=2, saves=(0, 1), vjp_needed=True,
    notation=_call("conv2d", "conv2d"),
    doc="conv2d(x, w): y[n,i,j,o] = Σ_abc x[n, i·s+a, j·s+b, c] · w[a,b,c,o] (NHWC, HWIO).\n"
        "x̄ = conv2d_backprop_input(ȳ, w), w̄ = conv2d_backprop_filter(x, ȳ).")
_backprop_input = Primitive(
    "conv2d_backprop_input", _np_backprop_input, jvp=_backprop_input_jvp,
    vjp=_backprop_input_vjp, nargs=2, saves=(0, 1), vjp_needed=True,
    notation=_call("conv2d_backprop_input", "conv2d_backprop_input"),
    doc="conv2d_backprop_input(ȳ, w): the transposed convolution, the adjoint of conv2d in x.")
_backprop_filter = Primitive(
    "conv2d_backprop_filter", _np_backprop_filter, jvp=_backprop_filter_jvp,
    vjp=_backprop_filter_vjp, nargs=2, saves=(0, 1), vjp_needed=True,
    notation=_call("conv2d_backprop_filter", "conv2d_backprop_filter"),
    doc="conv2d_backprop_filter(x, ȳ): the adjoint of conv2d in w (x correlated with ȳ).")


def conv2d(x, w, strides=1, padding="VALID", data_format="NHWC", dilations=None, name=None):
    """2-D convolution as ``tf.nn.conv2d``: x (N, H, W, C), filters w (kh, kw, C, O).

    Args:
        x: images, NHWC.
        w: filters, HWIO.
        strides: an int, a pair (sh, sw) or TensorFlow's [1, sh, sw, 1].
        padding: ``"VALID"`` (only whole windows) or ``"SAME"`` (zero padding so the output has
            ceil(H / s) rows, extra padding at the bottom and right, as TensorFlow does).
        data_format, dilations, name: accepted for TensorFlow's signature; only NHWC and no
            dilation are supported.

    Returns:
        (N, Ho, Wo, O). Like TensorFlow it is a cross-correlation (the filter is not flipped).
    """
    if str(data_format).upper() != "NHWC":
        raise ADError(f"conv2d: data_format must be 'NHWC'; got {data_format!r}")
    if dilations not in (None, 1, (1, 1), [1, 1], [1, 1, 1, 1], (1, 1, 1, 1)):
        raise ADError(f"conv2d: dilations are not supported; got {dilations!r}")
    x_shape, w_shape = shape_of(x), shape_of(w)
    if len(x_shape) != 4:
        raise ShapeError(f"conv2d: argument x must be NHWC (4 axes); got shape {x_shape}")
    if len(w_shape) != 4:
        raise ShapeError(f"conv2d: argument w must be HWIO (4 axes); got shape {w_shape}")
    if w_shape[2] != x_shape[3]:
        raise ShapeError(f"conv2d: argument w has {w_shape[2]} input channels but x has "
                         f"{x_shape[3]} (x {x_shape}, w {w_shape})")
    strides = _pair(strides, "conv2d", "strides")
    padding = _padding(padding, "conv2d")
    _layout(x_shape, w_shape[:2], strides, padding, "conv2d")  # a clear error if it cannot fit
    return _conv2d(x, w, strides=strides, padding=padding)


# --- pooling ---------------------------------------------------------------------------------

def _np_max_pool(x, *, window, strides, padding):
    x = np.asarray(x)
    return _windows(x, window, strides, padding, fill=-np.inf).max(axis=(4, 5))


def _max_positions(x, window, strides, padding):
    """Flat index (into x) of the maximum of every window; the first one at a tie."""
    x = _numeric(x)
    n, h, w, c = x.shape
    ho, wo, (pt, _), (pl, _) = _layout(x.shape, window, strides, padding, "max_pool2d")
    cols = _windows(x, window, strides, padding, fill=-np.inf)
    k = cols.reshape(cols.shape[:4] + (-1,)).argmax(axis=-1)            # (N, Ho, Wo, C)
    rows = np.arange(ho).reshape(1, ho, 1, 1) * strides[0] + k // window[1] - pt
    columns = np.arange(wo).reshape(1, 1, wo, 1) * strides[1] + k % window[1] - pl
    batch = np.arange(n).reshape(n, 1, 1, 1)
    channel = np.arange(c).reshape(1, 1, 1, c)
    return ((batch * h + rows) * w + columns) * c + channel


def _np_max_select(t, x, *, window, strides, padding):
    """t's entries at the maxima of x's windows; t may carry leading (batch) axes."""
    where = _max_positions(x, window, strides, padding)
    t = np.asarray(t)
    lead = t.shape[:t.ndim - 4]
    return t.reshape(lead + (-1,))[(slice(None),) * len(lead) + (where,)]


def _np_max_backprop(ct, x, *, window, strides, padding):
    """ct added into zeros of x's shape at the maxima of x's windows (leading axes kept)."""
    where = _max_positions(x, window, strides, padding)
    ct = np.asarray(ct)
    lead = ct.shape[:ct.ndim - 4]
    out = np.zeros(lead + (math.prod(np.shape(x)),), dtype=np.result_type(ct, float))
    index = (slice(None),) * len(lead) + (where,)
    if strides[0] >= window[0] and strides[1] >= window[1]:
        out[index] = ct              # windows do not overlap: every position at most once
    else:
        np.add.at(out, index, ct)    # a maximum shared by overlapping windows collects them all
    return out.reshape(lead + np.shape(x))


def _max_pool_jvp(primals, tangents, out, batch, *, window, strides, padding):
    return _max_select(tangents[0], primals[0], window=window, strides=strides, padding=padding)


def _max_pool_vjp(ct, out, x, *, window, strides, padding):
    return (_max_backprop(ct, x, window=window, strides=strides, padding=padding),)


def _max_select_jvp(primals, tangents, out, batch, *, window, strides, padding):
    if tangents[0] is None:   # x only chooses the positions: no derivative through it
        return None
    return _max_select(tangents[0], primals[1], window=window, strides=strides, padding=padding)


def _max_select_vjp(g, out, t, x, *, window, strides, padding):
    return _max_backprop(g, x, window=window, strides=strides, padding=padding), None


def _max_backprop_jvp(primals, tangents, out, batch, *, window, strides, padding):
    if tangents[0] is None:
        return None
    return _max_backprop(tangents[0], primals[1], window=window, strides=strides, padding=padding)


def _max_backprop_vjp(g, out, ct, x, *, window, strides, padding):
    return _max_select(g, x, window=window, strides=strides, padding=padding), None


_max_pool = Primitive(
    "max_pool2d", _np_max_pool, jvp=_max_pool_jvp, vjp=_max_pool_vjp, nargs=1, saves=(0,),
    notation=_call("max_pool2d", "maxpool"),
    doc="max_pool2d(x): the largest value of each window. Its tangent is max_pool2d_select(ẋ, x), "
        "its adjoint max_pool2d_backprop(ȳ, x): to each window's maximum (the first at a tie).")
_max_select = Primitive(
    "max_pool2d_select", _np_max_select, jvp=_max_select_jvp, vjp=_max_select_vjp, nargs=2,
    saves=(1,), notation=_call("max_pool2d_select", "maxpool_select"),
    doc="max_pool2d_select(t, x): t's entries where x's windows have their maxima. Linear in t; "
        "x only chooses the positions (derivative 0).")
_max_backprop = Primitive(
    "max_pool2d_backprop", _np_max_backprop, jvp=_max_backprop_jvp, vjp=_max_backprop_vjp,
    nargs=2, saves=(1,), notation=_call("max_pool2d_backprop", "maxpool_backprop"),
    doc="max_pool2d_backprop(ȳ, x): ȳ put back at the maxima of x's windows, zeros elsewhere "
        "(the adjoint of max_pool2d_select in its first argument).")


def _counts(x_shape, window, strides, padding):
    """How many real (not padding) entries each window holds, shape (1, Ho, Wo, 1)."""
    ones = np.ones((1,) + tuple(x_shape[1:3]) + (1,))
    return _windows(ones, window, strides, padding).sum(axis=(4, 5))


def _np_avg_pool(x, *, window, strides, padding):
    x = np.asarray(x)
    sums = _windows(x, window, strides, padding).sum(axis=(4, 5))
    return sums / _counts(x.shape, window, strides, padding)


def _np_avg_pool_transpose(ct, *, x_shape, window, strides, padding):
    ct = np.asarray(ct) / _counts(x_shape, window, strides, padding)
    cols = np.broadcast_to(ct[:, :, :, None, None, :], ct.shape[:3] + tuple(window) + ct.shape[3:])
    return _scatter_windows(cols, x_shape, window, strides, padding)


def _avg_pool_jvp(primals, tangents, out, batch, *, window, strides, padding):
    pool = dict(window=window, strides=strides, padding=padding)
    return _merge_batch(lambda t: _avg_pool(t, **pool), tangents[0], batch)


def _avg_pool_vjp(ct, out, x, *, window, strides, padding):
    return (_avg_pool_transpose(ct, x_shape=shape_of(x), window=window, strides=strides,
                                padding=padding),)


def _avg_pool_transpose_jvp(primals, tangents, out, batch, *, x_shape, window, strides, padding):
    pool = dict(x_shape=x_shape, window=window, strides=strides, padding=padding)
    return _per_direction(lambda t: _avg_pool_transpose(t, **pool), tangents[0], batch)


def _avg_pool_transpose_vjp(g, out, ct, *, x_shape, window, strides, padding):
    return (_avg_pool(g, window=window, strides=strides, padding=padding),)


_avg_pool = Primitive(
    "avg_pool2d", _np_avg_pool, jvp=_avg_pool_jvp, vjp=_avg_pool_vjp, nargs=1, saves=(),
    notation=_call("avg_pool2d", "avgpool"),
    doc="avg_pool2d(x): the mean of each window (padding not counted, as in TensorFlow). "
        "Linear: its adjoint spreads ȳ / count over each window.")
_avg_pool_transpose = Primitive(
    "avg_pool2d_transpose", _np_avg_pool_transpose, jvp=_avg_pool_transpose_jvp,
    vjp=_avg_pool_transpose_vjp, nargs=1, saves=(),
    notation=_call("avg_pool2d_transpose", "avgpool^T"),
    doc="avg_pool2d_transpose(ȳ): the adjoint of avg_pool2d.")


def _pool_args(who, x, pool_size, strides, padding, ksize, data_format):
    if str(data_format).upper() != "NHWC":
        raise ADError(f"{who}: data_format must be 'NHWC'; got {data_format!r}")
    x_shape = shape_of(x)
    if len(x_shape) != 4:
        raise ShapeError(f"{who}: argument x must be NHWC (4 axes); got shape {x_shape}")
    window = _pair(pool_size if ksize is None else ksize, who, "pool_size")
    strides = window if strides is None else _pair(strides, who, "strides")
    padding = _padding(padding, who)
    _layout(x_shape, window, strides, padding, who)
    return dict(window=window, strides=strides, padding=padding)


def max_pool2d(x, pool_size=2, strides=None, padding="VALID", *, ksize=None, data_format="NHWC",
               name=None):
    """Max pooling (``tf.nn.max_pool2d`` / ``tf.layers.max_pooling2d``), NHWC.

    ``pool_size`` (or TensorFlow's ``ksize``) and ``strides`` are ints, pairs or [1, a, b, 1];
    strides default to the pool size (windows side by side). With ``"SAME"`` padding the
    padded entries never win (they count as -inf).
    """
    return _max_pool(x, **_pool_args("max_pool2d", x, pool_size, strides, padding, ksize,
                                     data_format))


def avg_pool2d(x, pool_size=2, strides=None, padding="VALID", *, ksize=None, data_format="NHWC",
               name=None):
    """Average pooling (``tf.nn.avg_pool2d``), NHWC; with ``"SAME"`` padding a window's mean is
    over its real entries only, as in TensorFlow."""
    return _avg_pool(x, **_pool_args("avg_pool2d", x, pool_size, strides, padding, ksize,
                                     data_format))


# --- softmax and friends ---------------------------------------------------------------------

def logsumexp(x, axis=-1, keepdims=False):
    """log Σ exp(x) along ``axis``, without overflow."""
    return PN.logsumexp(x, axis=A._axes(axis, max(ndim_of(x), 1), "logsumexp"),
                        keepdims=bool(keepdims))


def log_softmax(x, axis=-1):
    """log softmax(x) = x − logsumexp(x): stable for any size of logits."""
    return x - logsumexp(x, axis=axis, keepdims=True)


def softmax(x, axis=-1):
    """softmax(x)ᵢ = exp(xᵢ) / Σⱼ exp(xⱼ) along ``axis`` (exp of :func:`log_softmax`).

    >>> [round(float(p), 4) for p in softmax(np.array([1.0, 2.0, 3.0]))]
    [0.09, 0.2447, 0.6652]
    """
    return P.exp(log_softmax(x, axis))


# --- activations -----------------------------------------------------------------------------

relu, tanh, sigmoid = P.relu, P.tanh, P.sigmoid


def linear(x):
    """The identity (Keras's ``activation=None`` / ``"linear"``)."""
    return x


def leaky_relu(x, alpha=0.2):
    """x for x > 0, alpha · x otherwise (``tf.nn.leaky_relu``; its default alpha is 0.2)."""
    return P.where(P.greater(x, 0.0), x, alpha * x)


def elu(x, alpha=1.0):
    """x for x > 0, alpha · (exp(x) − 1) otherwise; the exp only sees x ≤ 0 (no overflow)."""
    positive = P.greater(x, 0.0)
    return P.where(positive, x, alpha * (P.exp(P.where(positive, 0.0, x)) - 1.0))


# --- losses: one value per sample, as Keras's functions return ------------------------------

def _clip(p):
    return P.minimum(P.maximum(p, EPSILON), 1.0 - EPSILON)


def _one_hot(labels, pred_shape, who):
    """Class numbers -> one-hot rows (labels of shape (N,) or Keras's (N, 1))."""
    classes = pred_shape[-1]
    labels = _numeric(labels)
    if labels.dtype.kind == "f":
        if not np.all(labels == np.round(labels)):
            raise ADError(f"{who}: argument y_true must hold class numbers; got non-integers")
        labels = labels.astype(np.int64)
    if labels.dtype.kind not in "iub":
        raise ADError(f"{who}: argument y_true must hold class numbers; got dtype {labels.dtype}")
    if labels.ndim == len(pred_shape) and labels.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.shape != tuple(pred_shape[:-1]):
        raise ShapeError(f"{who}: argument y_true has shape {labels.shape}; expected "
                         f"{tuple(pred_shape[:-1])} for predictions of shape {tuple(pred_shape)}")
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ADError(f"{who}: argument y_true has a class outside 0..{classes - 1} "
                      f"(min {labels.min()}, max {labels.max()})")
    return np.eye(classes)[labels]


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False):
    """−log p[label] per sample; y_true holds class numbers, y_pred probabilities along the last
    axis (or logits with ``from_logits=True``: then it is −log_softmax, stable for any logits)."""
    onehot = _one_hot(y_true, shape_of(y_pred), "sparse_categorical_crossentropy")
    return categorical_crossentropy(onehot, y_pred, from_logits=from_logits)


def categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    """−Σ y_true · log p per sample (y_true one-hot or a distribution). Probabilities are
    rescaled to sum 1 and clipped to [1e-7, 1 − 1e-7] as Keras does; prefer logits."""
    if from_logits:
        log_p = log_softmax(y_pred, axis=axis)
    else:
        p = y_pred / A.sum(y_pred, axis=axis, keepdims=True)
        log_p = P.log(_clip(p))
    return -A.sum(y_true * log_p, axis=axis)


def binary_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    """−(y log p + (1 − y) log(1 − p)), averaged over the last axis (Keras). From logits z it is
    max(z, 0) − z·y + log(1 + exp(−|z|)), which never overflows."""
    if from_logits:
        per_entry = P.relu(y_pred) - y_pred * y_true + P.log1p(P.exp(-P.abs(y_pred)))
    else:
        p = _clip(y_pred)
        per_entry = -(y_true * P.log(p) + (1.0 - y_true) * P.log(1.0 - p))
    return A.mean(per_entry, axis=axis) if ndim_of(per_entry) else per_entry


def mse(y_true, y_pred, axis=-1):
    """Mean squared error over the last axis, per sample (``keras.losses.mse``)."""
    diff = y_pred - y_true
    return A.mean(diff * diff, axis=axis) if ndim_of(diff) else diff * diff


mean_squared_error = mse


# --- dropout ---------------------------------------------------------------------------------

def dropout(x, rate=0.5, training=True, seed=None, rng=None):
    """Zero each entry with probability ``rate`` and scale the rest by 1 / (1 − rate), so the
    expected value is unchanged; the identity when ``training`` is False.

    The mask comes from ``rng``, else a generator seeded with ``seed``, else adkit.nn's own
    generator (:func:`set_random_seed`).
    """
    if not 0.0 <= rate < 1.0:
        raise ADError(f"dropout: rate must be in [0, 1); got {rate!r}")
    if not training or rate == 0.0:
        return x
    rng = rng if rng is not None else np.random.default_rng(seed) if seed is not None else generator()
    keep = rng.random(shape_of(x)) >= rate
    return x * (keep / (1.0 - rate))


for _prim in (_conv2d, _backprop_input, _backprop_filter, _max_pool, _max_select, _max_backprop,
              _avg_pool, _avg_pool_transpose):
    if _prim.name not in PRIMITIVES:
        register(_prim)
