"""hypothesis-generated random expression graphs: forward = reverse = central differences.

A *program* is a straight-line list of steps over 1-3 inputs; each step applies one operation
to earlier nodes, and the output is a weighted sum of every node (so fan-out is common).
Operations stay inside their domains by construction: ``log(a² + 1)``, ``sqrt(a² + 1)``,
``a / (b² + 1)``, ``(a² + 1) ** b``. Inputs come from a seeded generator rather than from
hypothesis' float strategy, which loves 0.0 — exactly the kinks of abs and relu.
"""
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import adkit as ad
from catalogue import central_difference, inner


class Op:
    def __init__(self, name, nargs, fn, array_only=False):
        self.name, self.nargs, self.fn, self.array_only = name, nargs, fn, array_only


def _last_axis(fn):
    """An array operation on the last axis; a scalar passes through unchanged."""
    def apply(a):
        return fn(a) if np.ndim(_value(a)) else a
    return apply


def _value(a):
    while isinstance(a, ad.Tracer) or isinstance(a, ad.Dual):
        a = a.value if isinstance(a, ad.Tracer) else a.primal
    return a


def _matmul_square(a):
    d = np.shape(_value(a))[-1]
    m = np.linspace(-1.0, 1.0, d * d).reshape(d, d) + np.eye(d)
    return a @ m


def _permute_last(a):
    d = np.shape(_value(a))[-1]
    return a[..., np.minimum(np.arange(d)[::-1] + 1, d - 1)]  # reversed, with a repeat


def _concatenate_then_slice(a):
    d = np.shape(_value(a))[-1]
    return ad.concatenate([a * 2.0, a], axis=-1)[..., d - 1:2 * d - 1]


OPS = [
    Op("add", 2, lambda a, b: a + b),
    Op("sub", 2, lambda a, b: a - b),
    Op("mul", 2, lambda a, b: a * b),
    Op("div", 2, lambda a, b: a / (b * b + 1.0)),
    Op("rdiv", 1, lambda a: 1.0 / (1.0 + ad.square(a))),
    Op("pow", 2, lambda a, b: (a * a + 1.0) ** ad.tanh(b)),
    Op("pow_const", 1, lambda a: a ** 3),
    Op("const_pow", 1, lambda a: 1.5 ** a),
    Op("maximum", 2, ad.maximum),
    Op("minimum", 2, ad.minimum),
    Op("where", 2, lambda a, b: ad.where(a > b, a, b * 0.5)),
    Op("times_comparison", 2, lambda a, b: a * (b > -1.0)),
    Op("neg", 1, lambda a: -a),
    Op("exp", 1, ad.exp),
    Op("log", 1, lambda a: ad.log(a * a + 1.0)),
    Op("log1p", 1, lambda a: ad.log1p(ad.square(a))),
    Op("sqrt", 1, lambda a: ad.sqrt(a * a + 1.0)),
    Op("sin", 1, ad.sin),
    Op("cos", 1, ad.cos),
    Op("tan", 1, lambda a: ad.tan(ad.tanh(a))),
    Op("tanh", 1, ad.tanh),
    Op("sigmoid", 1, ad.sigmoid),
    Op("abs", 1, ad.abs),
    Op("relu", 1, ad.relu),
    Op("square", 1, ad.square),
    # array operations that keep the shape, so every node still broadcasts with every other
    Op("sum_keepdims", 1, _last_axis(lambda a: ad.sum(a, axis=-1, keepdims=True)), True),
    Op("mean_keepdims", 1, _last_axis(lambda a: ad.mean(a, axis=0, keepdims=True)), True),
    Op("flip", 1, _last_axis(lambda a: a[..., ::-1]), True),
    Op("matmul", 1, _last_axis(_matmul_square), True),
    Op("permute", 1, _last_axis(_permute_last), True),
    Op("reshape", 1, _last_axis(lambda a: a.reshape(-1).reshape(np.shape(_value(a)))), True),
    Op("transpose", 1, _last_axis(lambda a: ad.transpose(ad.transpose(a) * 1.0)), True),
    Op("concatenate", 1, _last_axis(_concatenate_then_slice), True),
]
SCALAR_OPS = [op for op in OPS if not op.array_only]


class Program:
    """A random straight-line program; ``print`` shows it as the failing example."""

    def __init__(self, n_inputs, steps):
        self.n_inputs = n_inputs
        self.steps = steps  # (op, argument node indices)

    def __call__(self, *xs):
        nodes = list(xs)
        for op, refs in self.steps:
            nodes.append(op.fn(*(nodes[r] for r in refs)))
        out = 0.0
        for k, node in enumerate(nodes[self.n_inputs:], 1):
            term = node if np.ndim(_value(node)) == 0 else ad.sum(node)
            out = out + term * (1.0 / k)
        return out

    def __repr__(self):
        names = [f"x{i + 1}" for i in range(self.n_inputs)]
        lines = []
        for k, (op, refs) in enumerate(self.steps):
            names.append(f"v{k + 1}")
            lines.append(f"v{k + 1} = {op.name}({', '.join(names[r] for r in refs)})")
        return "Program(" + "; ".join(lines) + ")"


@st.composite
def programs(draw, ops, n_inputs=None, max_steps=7):
    if n_inputs is None:
        n_inputs = draw(st.integers(1, 3))
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        op = draw(st.sampled_from(ops))
        refs = tuple(draw(st.integers(0, n_inputs + k - 1)) for _ in range(op.nargs))
        steps.append((op, refs))
    return Program(n_inputs, steps)


def _tame(*values, limit=1e5):
    """Skip examples whose values overflow or blow up (exp of exp of ...)."""
    for v in values:
        for a in (v if isinstance(v, tuple) else (v,)):
            assume(np.all(np.isfinite(a)) and np.max(np.abs(a)) < limit)


def _smooth_difference(f, xs, us):
    """Directional central difference; rejects the example when two step sizes disagree
    (a kink of abs/relu/max or a jump of where within a step of the point)."""
    def along(h):
        return sum(central_difference(f, xs, k, u, h) for k, u in enumerate(us))
    coarse, fine = along(1e-3), along(1e-4)
    assume(abs(coarse - fine) <= 1e-6 * (1.0 + abs(fine)))
    return fine


def _check_forward_reverse_numeric(f, xs, us):
    value, grads = ad.value_and_grad(f, argnums=tuple(range(len(xs))))(*xs)
    _tame(value, *grads)
    out, tangent = ad.jvp(f, tuple(xs), tuple(us))
    assert out == pytest.approx(value, rel=1e-14, abs=1e-14)
    reverse = sum(inner(g, u) for g, u in zip(grads, us))
    scale = 1.0 + sum(float(np.sum(np.abs(g) * np.abs(u))) for g, u in zip(grads, us))
    assert tangent == pytest.approx(reverse, rel=1e-9, abs=1e-11 * scale), "forward != reverse"
    numeric = _smooth_difference(f, xs, us)
    assert tangent == pytest.approx(numeric, rel=1e-5, abs=1e-7 * scale), "AD != central differences"
    return grads


RANDOM_GRAPHS = settings(max_examples=100)  # the main bug hunt; each example takes ~2 ms


@RANDOM_GRAPHS
@given(program=programs(SCALAR_OPS), seed=st.integers(0, 2**32 - 1))
def test_scalar_graphs_on_floats(program, seed):
    rng = np.random.default_rng(seed)
    xs = [float(v) for v in rng.uniform(-2.0, 2.0, size=program.n_inputs)]
    _tame(np.asarray(program(*xs)))
    us = [float(v) for v in rng.normal(size=program.n_inputs)]
    grads = _check_forward_reverse_numeric(program, xs, us)
    assert all(isinstance(g, float) for g in grads), [type(g) for g in grads]
    # the gradient in each input separately, by central differences
    for k, g in enumerate(grads):
        e = [1.0 if j == k else 0.0 for j in range(program.n_inputs)]
        assert g == pytest.approx(_smooth_difference(program, xs, e), rel=1e-5, abs=1e-7)


@RANDOM_GRAPHS
@given(data=st.data())
def test_array_graphs_with_broadcasting(data):
    shapes = data.draw(mutually_broadcastable_shapes(num_shapes=3, max_dims=2, min_side=1,
                                                     max_side=3), label="shapes")
    n_inputs = data.draw(st.integers(1, 3), label="n_inputs")
    program = data.draw(programs(OPS, n_inputs=n_inputs), label="program")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    xs = [rng.uniform(-2.0, 2.0, size=s) for s in shapes.input_shapes[:n_inputs]]
    _tame(np.asarray(program(*xs)))
    us = [rng.normal(size=np.shape(x)) for x in xs]
    grads = _check_forward_reverse_numeric(program, xs, us)
    for g, x in zip(grads, xs):
        assert np.shape(g) == np.shape(x)


@given(program=programs(OPS, max_steps=5), seed=st.integers(0, 2**32 - 1))
def test_traced_graph_replays_the_function(program, seed):
    """trace -> Graph; the graph evaluates to f's value and differentiates like f."""
    rng = np.random.default_rng(seed)
    xs = [rng.uniform(-2.0, 2.0, size=(2, 3)) for _ in range(program.n_inputs)]
    value = program(*xs)
    _tame(np.asarray(value))
    graph = ad.trace(program, *xs)
    np.testing.assert_allclose(graph(*xs), value, rtol=1e-14)
    argnums = tuple(range(program.n_inputs))
    for g_graph, g_f in zip(ad.grad(graph, argnums=argnums)(*xs),
                            ad.grad(program, argnums=argnums)(*xs)):
        np.testing.assert_allclose(g_graph, g_f, rtol=1e-12, atol=1e-12)


@given(program=programs(SCALAR_OPS, max_steps=5), seed=st.integers(0, 2**32 - 1))
def test_second_order_forward_over_reverse(program, seed):
    """jvp of grad (a Hessian-vector product) = grad of jvp = central differences of grad."""
    rng = np.random.default_rng(seed)
    xs = [float(v) for v in rng.uniform(-2.0, 2.0, size=program.n_inputs)]
    us = [float(v) for v in rng.normal(size=program.n_inputs)]
    argnums = tuple(range(program.n_inputs))
    gradient = ad.grad(program, argnums=argnums)
    _tame(np.asarray(program(*xs)), gradient(*xs))
    _, hvp = ad.jvp(gradient, tuple(xs), tuple(us))
    _tame(hvp)

    def directional(*x):  # reverse over forward: ∇⟨∇f, u⟩ computed as grad of a jvp
        return ad.jvp(program, x, tuple(us))[1]
    reverse_over_forward = ad.grad(directional, argnums=argnums)(*xs)
    scale = 1.0 + float(np.sum(np.abs(hvp)))
    np.testing.assert_allclose(hvp, reverse_over_forward, rtol=1e-9, atol=1e-11 * scale)
    for k in argnums:
        numeric = _smooth_difference(lambda *x: gradient(*x)[k], xs, us)
        assert hvp[k] == pytest.approx(numeric, rel=1e-5, abs=1e-6 * scale)


def _replay_nudged(graph, inputs, node, delta):
    """Evaluate the graph with ``delta`` added to node ``node``'s value (a plain loop)."""
    from adkit.graph import CONST, INPUT
    env = [None] * len(graph)
    for ref, value in zip(graph.input_refs, inputs):
        env[ref] = value
    for i, (prim, refs, argvals, params) in enumerate(graph.nodes):
        if prim is CONST:
            env[i] = params["value"]
        elif prim is not INPUT:
            env[i] = prim(*(c if r is None else env[r] for r, c in zip(refs, argvals)), **params)
        if i == node:
            env[i] = env[i] + delta
    return np.asarray(env[graph.outputs[0]], dtype=float)


@given(program=programs(OPS, max_steps=5), seed=st.integers(0, 2**32 - 1))
def test_every_adjoint_is_the_derivative_with_respect_to_its_node(program, seed):
    """backward() keeps the adjoint of every node (what the reverse tables show):
    ⟨w̄ᵢ, u⟩ = d/dt z(wᵢ + t·u), by nudging node i alone while replaying the graph."""
    from adkit.core import ZERO
    from adkit.reverse import backward
    rng = np.random.default_rng(seed)
    xs = [rng.uniform(-2.0, 2.0, size=(2, 3)) for _ in range(program.n_inputs)]
    graph = ad.trace(program, *xs)
    _tame(graph(*xs))
    adjoint = backward(graph, {graph.outputs[0]: 1.0})
    for i, value in enumerate(graph.values):
        value = np.asarray(value)
        if value.dtype.kind != "f":
            continue  # comparisons: nothing to nudge
        u = rng.normal(size=value.shape)

        def nudged(t):
            return _replay_nudged(graph, xs, i, t * u)
        right, left = (nudged(1e-6) - nudged(0.0)) / 1e-6, (nudged(0.0) - nudged(-1e-6)) / 1e-6
        if abs(right - left) > 1e-3 * (1 + abs(right)):
            continue  # a node sitting exactly on a kink (0 into a relu): no derivative to compare
        numeric = _smooth_difference(nudged, [0.0], [1.0])
        predicted = 0.0 if adjoint[i] is ZERO else inner(adjoint[i], u)
        assert predicted == pytest.approx(numeric, rel=1e-5, abs=1e-7 * (1 + abs(numeric))), \
            f"node {i + 1}: {graph.prims[i].name}"


@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_reference_backward_loop_agrees_with_the_fast_path(data, seed):
    """reverse.backward (the loop a student reads) and fastpath.backward (float hot path,
    early release, buffers reused in place) give the same adjoints, on floats and arrays."""
    from adkit import fastpath
    from adkit.core import ZERO
    from adkit.reverse import backward
    scalar = data.draw(st.booleans())
    program = data.draw(programs(SCALAR_OPS if scalar else OPS, max_steps=6))
    rng = np.random.default_rng(seed)
    xs = [float(rng.uniform(-2.0, 2.0)) if scalar else rng.uniform(-2.0, 2.0, size=(2, 3))
          for _ in range(program.n_inputs)]
    graph = ad.trace(program, *xs)
    out = graph.outputs[0]
    seed_value = 1.0 if scalar else rng.normal(size=np.shape(graph.values[out]))
    reference = backward(graph, {out: seed_value})
    fast_all = fastpath.backward(graph, {out: seed_value}, keep_all=True)
    fast = fastpath.backward(graph, {out: seed_value})
    for i, (r, f) in enumerate(zip(reference, fast_all)):
        assert (r is ZERO) == (f is ZERO), f"node {i}"
        if r is not ZERO:
            np.testing.assert_allclose(r, f, rtol=1e-12, atol=1e-15, err_msg=f"node {i}")
    for i in graph.input_refs:
        if reference[i] is not ZERO:
            np.testing.assert_allclose(reference[i], fast[i], rtol=1e-12, atol=1e-15)
