"""adkit.nn's functional ops: values against plain loops, gradients against central differences,
forward against reverse, the softmax-cross-entropy identity, dropout and the errors."""
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, strategies as st

import adkit as ad
import adkit.nn as nn
from adkit.core import ADError, ShapeError
from catalogue import central_difference, inner


# -- references written as plain loops (slow, obviously right) ----------------------------------

def same_pads(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return out, total // 2


def reference_windows(x, kh, kw, s, padding, fill=0.0):
    """Yield (i, j, window) with window of shape (N, kh, kw, C), TensorFlow's geometry."""
    n, h, w, c = x.shape
    if padding == "SAME":
        ho, top = same_pads(h, kh, s)
        wo, left = same_pads(w, kw, s)
    else:
        ho, top, wo, left = (h - kh) // s + 1, 0, (w - kw) // s + 1, 0
    for i in range(ho):
        for j in range(wo):
            window = np.full((n, kh, kw, c), fill)
            for a in range(kh):
                for b in range(kw):
                    r, q = i * s + a - top, j * s + b - left
                    if 0 <= r < h and 0 <= q < w:
                        window[:, a, b, :] = x[:, r, q, :]
            yield i, j, window, (ho, wo)


def reference_conv(x, w, s, padding):
    kh, kw, _, o = w.shape
    rows = list(reference_windows(x, kh, kw, s, padding))
    ho, wo = rows[0][3]
    out = np.zeros((x.shape[0], ho, wo, o))
    for i, j, window, _ in rows:
        out[:, i, j, :] = np.einsum("nabc,abco->no", window, w)
    return out


def reference_pool(x, k, s, padding, how):
    rows = list(reference_windows(x, k, k, s, padding, fill=np.nan))
    ho, wo = rows[0][3]
    out = np.zeros((x.shape[0], ho, wo, x.shape[3]))
    for i, j, window, _ in rows:
        out[:, i, j, :] = (np.nanmax if how == "max" else np.nanmean)(window, axis=(1, 2))
    return out


GEOMETRIES = [(padding, s) for padding in ("VALID", "SAME") for s in (1, 2)]


# -- convolution ------------------------------------------------------------------------------

@pytest.mark.parametrize("padding,s", GEOMETRIES)
def test_conv2d_matches_the_loop_definition_on_odd_sizes(padding, s, rng):
    x = rng.normal(size=(2, 7, 5, 3))
    w = rng.normal(size=(3, 2, 3, 4))
    np.testing.assert_allclose(nn.conv2d(x, w, s, padding), reference_conv(x, w, s, padding),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("padding,s", GEOMETRIES)
def test_conv2d_gradients_match_central_differences(padding, s, rng):
    x = rng.normal(size=(2, 7, 5, 3))
    w = rng.normal(size=(3, 3, 3, 2))
    c = rng.normal(size=np.shape(nn.conv2d(x, w, s, padding)))

    def loss(x, w):
        return ad.sum(nn.tanh(nn.conv2d(x, w, s, padding)) * c)
    gx, gw = ad.grad(loss, argnums=(0, 1))(x, w)
    for k, g in enumerate((gx, gw)):
        u = rng.normal(size=g.shape)
        numeric = central_difference(lambda *a: float(loss(*a)), [x, w], k, u)
        assert inner(g, u) == pytest.approx(float(numeric), rel=1e-7, abs=1e-9)


@given(n=st.integers(1, 2), h=st.integers(1, 7), w=st.integers(1, 7), c=st.integers(1, 3),
       kh=st.integers(1, 3), kw=st.integers(1, 3), o=st.integers(1, 3), s=st.integers(1, 3),
       padding=st.sampled_from(["VALID", "SAME"]), seed=st.integers(0, 2**32 - 1))
def test_conv2d_random_shapes_value_and_dot_product_identity(n, h, w, c, kh, kw, o, s, padding, seed):
    """Any geometry: the value is the loop definition, and ⟨v, J u⟩ = ⟨Jᵀ v, u⟩ for both args."""
    if padding == "VALID" and (kh > h or kw > w):
        with pytest.raises(ShapeError, match="conv2d"):
            nn.conv2d(np.zeros((n, h, w, c)), np.zeros((kh, kw, c, o)), s, padding)
        return
    rng = np.random.default_rng(seed)
    x, f = rng.normal(size=(n, h, w, c)), rng.normal(size=(kh, kw, c, o))
    expected = reference_conv(x, f, s, padding)
    ux, uf = rng.normal(size=x.shape), rng.normal(size=f.shape)
    out, tangent = ad.jvp(lambda x, f: nn.conv2d(x, f, s, padding), (x, f), (ux, uf))
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    v = rng.normal(size=expected.shape)
    _, vjp_fn = ad.vjp(lambda x, f: nn.conv2d(x, f, s, padding), x, f)
    cx, cf = vjp_fn(v)
    assert inner(v, tangent) == pytest.approx(inner(cx, ux) + inner(cf, uf), rel=1e-10, abs=1e-10)


def test_conv2d_accepts_tensorflow_strides_and_prints_as_one_node(rng):
    x, w = rng.normal(size=(1, 6, 6, 1)), rng.normal(size=(3, 3, 1, 2))
    np.testing.assert_array_equal(nn.conv2d(x, w, [1, 2, 2, 1], "same"), nn.conv2d(x, w, 2, "SAME"))
    np.testing.assert_array_equal(nn.conv2d(x, w, (2, 2), "SAME"), nn.conv2d(x, w, 2, "SAME"))
    graph = ad.trace(lambda x, w: ad.sum(nn.conv2d(x, w)), x, w)
    assert [p.name for p in graph.prims].count("conv2d") == 1
    assert "conv2d(" in str(graph)


def test_conv2d_hessian_by_every_nesting_agrees(rng):
    x, w = rng.normal(size=(1, 4, 4, 1)), rng.normal(size=(2, 2, 1, 1))

    def f(w):
        return ad.sum(nn.tanh(nn.conv2d(x, w, 2, "SAME")))
    h1 = ad.hessian(f)(w)
    h2 = ad.jacfwd(ad.jacfwd(f))(w)
    np.testing.assert_allclose(h1, h2, rtol=1e-10, atol=1e-12)
    assert h1.shape == w.shape * 2


def test_conv2d_errors_name_the_function_and_argument():
    with pytest.raises(ShapeError, match=r"conv2d: argument w has 2 input channels but x has 3"):
        nn.conv2d(np.zeros((1, 4, 4, 3)), np.zeros((2, 2, 2, 1)))
    with pytest.raises(ShapeError, match=r"conv2d: argument x must be NHWC"):
        nn.conv2d(np.zeros((4, 4)), np.zeros((2, 2, 1, 1)))
    with pytest.raises(ADError, match=r"conv2d: padding must be 'VALID' or 'SAME'"):
        nn.conv2d(np.zeros((1, 4, 4, 1)), np.zeros((2, 2, 1, 1)), padding="full")
    with pytest.raises(ADError, match=r"conv2d: strides must be positive"):
        nn.conv2d(np.zeros((1, 4, 4, 1)), np.zeros((2, 2, 1, 1)), strides=0)
    with pytest.raises(ShapeError, match=r"window of 5 does not fit"):
        nn.conv2d(np.zeros((1, 4, 4, 1)), np.zeros((5, 5, 1, 1)))


# -- pooling ----------------------------------------------------------------------------------

@pytest.mark.parametrize("padding,s", GEOMETRIES)
@pytest.mark.parametrize("how", ["max", "avg"])
def test_pooling_matches_loops_and_central_differences(how, padding, s, rng):
    x = rng.normal(size=(2, 7, 5, 3))
    pool = nn.max_pool2d if how == "max" else nn.avg_pool2d
    out = pool(x, 3, s, padding)
    np.testing.assert_allclose(out, reference_pool(x, 3, s, padding, how), rtol=1e-12, atol=1e-12)
    c = rng.normal(size=out.shape)

    def loss(x):
        return ad.sum(pool(x, 3, s, padding) * c)
    g = ad.grad(loss)(x)
    u = rng.normal(size=x.shape)
    numeric = central_difference(lambda x: float(loss(x)), [x], 0, u, h=1e-6)
    assert inner(g, u) == pytest.approx(float(numeric), rel=1e-6, abs=1e-8)
    _, tangent = ad.jvp(lambda x: pool(x, 3, s, padding), (x,), (u,))
    assert inner(c, tangent) == pytest.approx(inner(g, u), rel=1e-12)


@given(n=st.integers(1, 2), h=st.integers(1, 7), w=st.integers(1, 7), c=st.integers(1, 2),
       k=st.integers(1, 3), s=st.integers(1, 3), padding=st.sampled_from(["VALID", "SAME"]),
       how=st.sampled_from(["max", "avg"]), seed=st.integers(0, 2**32 - 1))
def test_pooling_random_shapes_value_and_dot_product_identity(n, h, w, c, k, s, padding, how, seed):
    pool = nn.max_pool2d if how == "max" else nn.avg_pool2d
    if padding == "VALID" and k > min(h, w):
        with pytest.raises(ShapeError, match=f"{how}_pool2d"):
            pool(np.zeros((n, h, w, c)), k, s, padding)
        return
    rng = np.random.default_rng(seed)
    x, u = rng.normal(size=(n, h, w, c)), rng.normal(size=(n, h, w, c))
    out, tangent = ad.jvp(lambda x: pool(x, k, s, padding), (x,), (u,))
    np.testing.assert_allclose(out, reference_pool(x, k, s, padding, how), rtol=1e-12, atol=1e-12)
    v = rng.normal(size=np.shape(out))
    _, vjp_fn = ad.vjp(lambda x: pool(x, k, s, padding), x)
    assert inner(v, tangent) == pytest.approx(inner(vjp_fn(v)[0], u), rel=1e-10, abs=1e-10)


def test_max_pool_sends_the_adjoint_to_the_maximum_and_first_at_a_tie():
    x = np.array([[1.0, 5.0], [3.0, 5.0]]).reshape(1, 2, 2, 1)
    g = ad.grad(lambda x: ad.sum(nn.max_pool2d(x, 2)))(x)
    np.testing.assert_array_equal(g.reshape(2, 2), [[0.0, 1.0], [0.0, 0.0]])


def test_max_pool_same_padding_never_picks_the_padding():
    x = -np.ones((1, 3, 3, 1)) * 7.0  # all negative: zero padding would win
    out = nn.max_pool2d(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
    assert out.shape == (1, 2, 2, 1) and np.all(out == -7.0)
    avg = nn.avg_pool2d(x, 2, padding="SAME")
    assert np.all(avg == -7.0)  # the mean counts real entries only, as in TensorFlow


def test_pool_errors():
    with pytest.raises(ShapeError, match=r"max_pool2d: argument x must be NHWC"):
        nn.max_pool2d(np.zeros((4, 4)))
    with pytest.raises(ADError, match=r"avg_pool2d: pool_size must be an int, a pair"):
        nn.avg_pool2d(np.zeros((1, 4, 4, 1)), pool_size="big")


# -- softmax, log_softmax, losses -------------------------------------------------------------

def test_softmax_is_stable_and_sums_to_one():
    z = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])
    p = nn.softmax(z)
    assert np.all(np.isfinite(p)) and np.allclose(p.sum(axis=-1), 1.0)
    np.testing.assert_allclose(p[0], nn.softmax(np.array([0.0, 1.0, 2.0])), rtol=1e-12)
    assert np.all(np.isfinite(nn.log_softmax(z)))
    assert float(nn.logsumexp(np.array([-np.inf, -np.inf]))) == -np.inf


def test_logsumexp_gradient_matches_sympy():
    a = sp.symbols("a0:3", real=True)
    expr = sp.log(sum(sp.exp(s) for s in a))
    x = np.array([0.3, -1.2, 2.0])
    g = ad.grad(lambda x: nn.logsumexp(x))(x)
    exact = [float(sp.diff(expr, s).subs(dict(zip(a, x)))) for s in a]
    np.testing.assert_allclose(g, exact, rtol=1e-14)


def test_softmax_cross_entropy_gradient_is_softmax_minus_one_hot(rng):
    z = rng.normal(size=(5, 4)) * 3
    labels = np.array([0, 3, 1, 1, 2])
    onehot = np.eye(4)[labels]
    expected = nn.softmax(z) - onehot
    for loss in (lambda z: ad.sum(nn.sparse_categorical_crossentropy(labels, z, from_logits=True)),
                 lambda z: ad.sum(nn.categorical_crossentropy(onehot, z, from_logits=True)),
                 lambda z: ad.sum(nn.sparse_categorical_crossentropy(labels, nn.softmax(z)))):
        np.testing.assert_allclose(ad.grad(loss)(z), expected, rtol=1e-9, atol=1e-12)
    values = nn.sparse_categorical_crossentropy(labels, z, from_logits=True)
    np.testing.assert_allclose(values, -np.log(nn.softmax(z)[np.arange(5), labels]), rtol=1e-12)
    # Keras's label shape (N, 1) and float labels are accepted
    np.testing.assert_allclose(
        nn.sparse_categorical_crossentropy(labels.reshape(5, 1).astype(float), z, from_logits=True),
        values)


def test_cross_entropy_from_probabilities_clips_like_keras():
    p = np.array([[1.0, 0.0]])
    loss = nn.sparse_categorical_crossentropy(np.array([1]), p)
    assert float(loss[0]) == pytest.approx(-math.log(1e-7), rel=1e-9)  # not inf


def test_binary_crossentropy_from_logits_is_stable_and_agrees(rng):
    z = np.array([[-1000.0, -2.0, 0.5, 1000.0]])
    y = np.array([[0.0, 1.0, 0.0, 1.0]])
    from_logits = nn.binary_crossentropy(y, z, from_logits=True)
    assert np.all(np.isfinite(from_logits))
    z2 = rng.normal(size=(3, 4))
    y2 = (rng.uniform(size=(3, 4)) > 0.5).astype(float)
    np.testing.assert_allclose(nn.binary_crossentropy(y2, z2, from_logits=True),
                               nn.binary_crossentropy(y2, nn.sigmoid(z2)), rtol=1e-9)
    g = ad.grad(lambda z: ad.sum(nn.binary_crossentropy(y2, z, from_logits=True)))(z2)
    np.testing.assert_allclose(g, (nn.sigmoid(z2) - y2) / 4, rtol=1e-10, atol=1e-14)


def test_mse_value_and_gradient(rng):
    y, p = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    np.testing.assert_allclose(nn.mse(y, p), ((p - y) ** 2).mean(axis=-1))
    np.testing.assert_allclose(ad.grad(lambda p: ad.sum(nn.mse(y, p)))(p), (p - y), rtol=1e-12)


def test_loss_errors_name_the_argument():
    with pytest.raises(ADError, match=r"sparse_categorical_crossentropy: argument y_true has a class outside 0..2"):
        nn.sparse_categorical_crossentropy(np.array([3]), np.ones((1, 3)) / 3)
    with pytest.raises(ShapeError, match=r"sparse_categorical_crossentropy: argument y_true has shape"):
        nn.sparse_categorical_crossentropy(np.array([0, 1]), np.ones((3, 3)) / 3)


# -- activations and dropout ------------------------------------------------------------------

@pytest.mark.parametrize("fn", [nn.leaky_relu, nn.elu, nn.relu, nn.tanh, nn.sigmoid])
def test_activations_derivatives_match_central_differences(fn, rng):
    x = rng.normal(size=7) * 2
    g = ad.grad(lambda x: ad.sum(fn(x)))(x)
    numeric = central_difference(lambda x: np.asarray(fn(x)), [x], 0, np.ones(7))
    np.testing.assert_allclose(g, numeric, rtol=1e-7, atol=1e-9)


def test_leaky_relu_and_elu_values():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(nn.leaky_relu(x), [-0.4, 0.0, 3.0])
    np.testing.assert_allclose(nn.elu(x), [math.expm1(-2.0), 0.0, 3.0])
    assert np.isfinite(ad.grad(lambda x: ad.sum(nn.elu(x)))(np.array([1000.0]))).all()
    assert float(ad.grad(lambda x: nn.elu(x, alpha=2.0))(0.0)) == pytest.approx(2.0)


def test_dropout_identity_at_inference_and_seeded_in_training():
    x = np.ones((200, 50))
    assert nn.dropout(x, 0.3, training=False) is x
    a, b = nn.dropout(x, 0.3, seed=5), nn.dropout(x, 0.3, seed=5)
    np.testing.assert_array_equal(a, b)
    assert set(np.unique(a)) == {0.0, 1.0 / 0.7}
    assert abs(float((a == 0).mean()) - 0.3) < 0.02
    assert abs(float(a.mean()) - 1.0) < 0.03           # the expectation is kept
    g = ad.grad(lambda x: ad.sum(nn.dropout(x, 0.3, seed=5)))(x)
    np.testing.assert_array_equal(g, a)                 # the mask, scaled
    with pytest.raises(ADError, match=r"dropout: rate must be in \[0, 1\)"):
        nn.dropout(x, 1.0)


def test_a_cnn_graph_tables_with_the_adjoint_primitives():
    """The reverse table of conv → relu → max pool names each adjoint by its primitive (the input
    w makes the nodes v1, v2, …: no name means two things)."""
    x, w = np.arange(16.0).reshape(1, 4, 4, 1), np.ones((2, 2, 1, 1))

    def f(x, w):
        return ad.sum(nn.max_pool2d(nn.relu(nn.conv2d(x, w, padding="SAME")), 2))
    table = ad.reverse_table(f, at={"x": x, "w": w})
    assert [f"{r.lhs} = {r.rhs}" for r in table.rows[2:]] == [
        "v̄4 = max_pool2d_backprop(v̄5, v4, window=(2, 2), strides=(2, 2), padding=VALID)",
        "v̄3 = v̄4 · [v3 > 0]",
        "v̄2 = conv2d_backprop_filter(v1, v̄3, w_shape=(2, 2, 1, 1), strides=(1, 1), padding=SAME)",
        "v̄1 = conv2d_backprop_input(v̄3, v2, x_shape=(1, 4, 4, 1), strides=(1, 1), padding=SAME)"]
    np.testing.assert_array_equal(table.result["w"], ad.grad(f, argnums=1)(x, w))


def test_import_adkit_leaves_nn_and_tqdm_alone():
    """adkit.nn (and its primitives) load only when asked for; tqdm only when fit draws a bar."""
    import subprocess
    import sys
    code = ("import sys, adkit; from adkit.primitives import PRIMITIVES; "
            "print('adkit.nn' in sys.modules, 'conv2d' in PRIMITIVES, 'tqdm' in sys.modules); "
            "import adkit.nn; print('conv2d' in PRIMITIVES, 'tqdm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False", "True", "False"]


def test_softmax_and_logsumexp_keep_float32():
    """TF1's float32 graphs check dtypes: the one softmax (via logsumexp) must not upcast."""
    import adkit.numpy as anp
    x = np.ones((2, 3), np.float32)
    assert anp.logsumexp(x, axis=-1).dtype == nn.softmax(x).dtype == nn.log_softmax(x).dtype \
        == np.float32
    assert anp.logsumexp(np.array([1, 2])).dtype == np.float64
