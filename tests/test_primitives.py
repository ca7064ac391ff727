"""Every primitive of the table, checked three ways: sympy, central differences, forward vs reverse.

The cases come from ``catalogue.py``. Oracles, cheapest first: the local partials of each
elementwise rule against ``sympy.diff`` of its sympy counterpart; against central differences;
forward mode against reverse mode through the dot-product identity ⟨v, J u⟩ = ⟨Jᵀ v, u⟩ on
random broadcast shapes; for array primitives, full Jacobians by finite differences and
``jacfwd == jacrev``.
"""
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import adkit as ad
from adkit.primitives import PRIMITIVES
from catalogue import (ARRAY, CASES, ELEMENTWISE, NOT_DIFFERENTIABLE, RULES,
                       central_difference, covered_primitives, inner, numeric_jacobian)

SEEDS = st.integers(0, 2**32 - 1)


def _ids(cases):
    return [c.id for c in cases]


# -- the catalogue itself ------------------------------------------------------------------------

def test_catalogue_covers_table():
    missing = sorted(set(PRIMITIVES) - covered_primitives())
    assert not missing, f"primitives without a catalogue case in tests/catalogue.py: {missing}"
    unknown = sorted(covered_primitives() - set(PRIMITIVES))
    assert not unknown, f"catalogue cases for primitives that do not exist: {unknown}"


def test_rules_cover_every_elementwise_primitive():
    with_partials = {name for name, p in PRIMITIVES.items() if p.partials is not None}
    assert with_partials == {name for name, _, _ in RULES}


RULE_IDS = [name + "".join(f"({k}={v})" for k, v in params.items()) for name, _, params in RULES]


def _sample(domains, rng):
    return [bool(d(rng, ())) if d.__name__ == "boolean" else float(d(rng, ())) for d in domains]


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_case_records_its_primitive(case, rng):
    """Each case really exercises the primitive it is filed under (checked on the trace)."""
    shapes = case.shapes[0] if case.shapes else None
    graph = ad.trace(case.fn, *case.sample(rng, shapes))
    assert case.primitive in {prim.name for prim in graph.prims}


# -- elementwise rules: local partials vs sympy and central differences --------------------------

def _sympy_arguments(domains, args):
    """Symbols for the real arguments; a boolean condition stays a sympy truth value."""
    symbols = []
    for k, (domain, a) in enumerate(zip(domains, args)):
        if domain.__name__ == "boolean":
            symbols.append(sp.true if a else sp.false)
        else:
            symbols.append(sp.Symbol(f"a{k}", real=True))
    return symbols


# sympy leaves d/dy floor(x/y) unevaluated (it is 0 almost everywhere): mod's partials are
# checked against central differences below instead
SYMPY_CANNOT_DIFFERENTIATE = {"mod"}


@pytest.mark.parametrize("name,domains,params", RULES, ids=RULE_IDS)
def test_partials_match_sympy(name, domains, params, rng):
    if name in SYMPY_CANNOT_DIFFERENTIATE:
        pytest.skip(f"sympy cannot differentiate {name}'s counterpart")
    prim = PRIMITIVES[name]
    for _ in range(5):
        args = _sample(domains, rng)
        out = prim(*args, **params)
        symbols = _sympy_arguments(domains, args)
        point = {s: a for s, a in zip(symbols, args) if isinstance(s, sp.Symbol)}
        expr = prim.sympy(sp, *symbols, **params)
        assert float(expr.subs(point)) == pytest.approx(out, rel=1e-12, abs=1e-12)
        partials = prim.partials(out, *args, **params)
        assert len(partials) == len(args)
        for k, (symbol, partial) in enumerate(zip(symbols, partials)):
            if not isinstance(symbol, sp.Symbol):
                assert partial is None, f"{name}: the condition must have no partial"
                continue
            exact = float(sp.diff(expr, symbol).subs(point))
            assert float(partial) == pytest.approx(exact, rel=1e-12, abs=1e-12), \
                f"{name}: ∂/∂arg{k + 1} at {args}"


@pytest.mark.parametrize("name,domains,params", RULES, ids=RULE_IDS)
def test_partials_on_arrays_match_floats(name, domains, params, rng):
    """The same rule evaluated on arrays gives, element by element, the float results."""
    prim = PRIMITIVES[name]
    arrays = [d(rng, (5,)) for d in domains]
    array_partials = prim.partials(prim(*arrays, **params), *arrays, **params)
    for j in range(5):
        floats = [a[j].item() for a in arrays]
        float_partials = prim.partials(prim(*floats, **params), *floats, **params)
        for p_array, p_float in zip(array_partials, float_partials):
            if p_float is None:
                assert p_array is None
                continue
            p_array = np.broadcast_to(np.asarray(p_array, dtype=float), (5,))
            assert p_array[j] == pytest.approx(float(p_float), rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("name,domains,params", RULES, ids=RULE_IDS)
def test_partials_match_central_differences(name, domains, params, rng):
    prim = PRIMITIVES[name]
    for _ in range(5):
        args = _sample(domains, rng)
        if name in ("maximum", "minimum"):
            args[1] = args[0] + rng.choice([-1, 1]) * rng.uniform(0.2, 1.0)
        partials = prim.partials(prim(*args, **params), *args, **params)
        for k, partial in enumerate(partials):
            if partial is None:
                continue
            numeric = central_difference(lambda *a: prim(*a, **params), args, k, 1.0)
            assert float(partial) == pytest.approx(float(numeric), rel=1e-7, abs=1e-9), \
                f"{name}: ∂/∂arg{k + 1} at {args}"


# -- elementwise cases: forward vs reverse on broadcast shapes, and on Python floats ----------

@pytest.mark.parametrize("case", ELEMENTWISE, ids=_ids(ELEMENTWISE))
@given(data=st.data())
def test_elementwise_dot_product_identity(case, data):
    """⟨v, J u⟩ (forward, jvp) = ⟨Jᵀ v, u⟩ (reverse, vjp) = central differences, with broadcasting."""
    shapes = data.draw(mutually_broadcastable_shapes(num_shapes=case.nargs, max_dims=3,
                                                     max_side=3), label="shapes")
    rng = np.random.default_rng(data.draw(SEEDS, label="seed"))
    args = case.sample(rng, shapes.input_shapes)
    us = [rng.normal(size=s) for s in shapes.input_shapes]
    out_shape = np.shape(case.fn(*args))  # result_shape, or bigger with a broadcast constant
    out, out_tangent = ad.jvp(case.fn, tuple(args), tuple(us))
    assert np.shape(out) == out_shape
    assert np.shape(out_tangent) == out_shape, "the tangent must have the output's shape"
    v = rng.normal(size=out_shape)
    out_r, vjp_fn = ad.vjp(case.fn, *args)
    np.testing.assert_allclose(out_r, out, rtol=1e-15)
    cotangents = vjp_fn(v)
    for ct, a in zip(cotangents, args):
        assert np.shape(ct) == np.shape(a), "each cotangent must have its argument's shape"
    forward = inner(v, out_tangent)
    reverse = sum(inner(ct, u) for ct, u in zip(cotangents, us))
    assert forward == pytest.approx(reverse, rel=1e-10, abs=1e-10)
    numeric = sum(central_difference(case.fn, args, k, u) for k, u in enumerate(us))
    np.testing.assert_allclose(out_tangent, numeric, rtol=1e-6, atol=1e-7)
    # all directions at once (batched tangents) against one reverse sweep per output element
    argnums = tuple(range(case.nargs))
    for jf, jr in zip(ad.jacfwd(case.fn, argnums)(*args), ad.jacrev(case.fn, argnums)(*args)):
        np.testing.assert_allclose(jf, jr, rtol=1e-13, atol=1e-15)


FLOAT_CASES = [c for c in ELEMENTWISE if c.floats]


@pytest.mark.parametrize("case", FLOAT_CASES, ids=_ids(FLOAT_CASES))
def test_elementwise_on_python_floats(case, rng):
    """On floats: jvp in each argument = grad entry = central difference, all plain floats."""
    for _ in range(5):
        args = case.sample(rng)
        argnums = tuple(range(case.nargs))
        value, grads = ad.value_and_grad(case.fn, argnums=argnums)(*args)
        assert value == pytest.approx(float(np.asarray(case.fn(*args))), rel=1e-15)
        for k in argnums:
            tangents = tuple(1.0 if j == k else 0.0 for j in argnums)
            out, tangent = ad.jvp(case.fn, tuple(args), tangents)
            for number in (out, tangent, grads[k]):
                assert isinstance(number, float) and not isinstance(number, np.ndarray), \
                    f"{case.id}: expected a float, got {type(number).__name__} {number!r}"
            assert tangent == pytest.approx(grads[k], rel=1e-12, abs=1e-14)
            numeric = float(central_difference(case.fn, args, k, 1.0))
            assert grads[k] == pytest.approx(numeric, rel=1e-7, abs=1e-9)


# -- not differentiable: comparisons, sign, logical_not -----------------------------------------

@pytest.mark.parametrize("case", NOT_DIFFERENTIABLE, ids=_ids(NOT_DIFFERENTIABLE))
@pytest.mark.parametrize("shape", [None, (2, 3)])
def test_not_differentiable_has_zero_derivative(case, shape, rng):
    shapes = None if shape is None else (shape,) * case.nargs
    args = case.sample(rng, shapes)
    ones = tuple(np.ones_like(np.asarray(a)) if shape else 1.0 for a in args)
    out, tangent = ad.jvp(case.fn, tuple(args), ones)
    assert np.all(np.asarray(tangent) == 0)
    _, vjp_fn = ad.vjp(case.fn, *args)
    for ct in vjp_fn(np.ones(np.shape(out)) if shape else 1.0):
        assert np.all(np.asarray(ct) == 0)

    def scaled(*xs):  # x · [condition]: only the factor x carries a derivative
        return ad.sum(xs[0] * case.fn(*xs))
    grads = ad.grad(scaled, argnums=tuple(range(case.nargs)))(*args)
    np.testing.assert_array_equal(grads[0], np.asarray(case.fn(*args), dtype=float))
    for g in grads[1:]:
        np.testing.assert_array_equal(g, 0.0)
    forward = ad.jvp(scaled, tuple(args), ones)[1]
    assert forward == pytest.approx(float(np.sum(np.asarray(case.fn(*args), dtype=float))))


# -- array primitives: Jacobians by finite differences, jacfwd == jacrev, dot-product identity --

ARRAY_SAMPLES = [(case, shapes) for case in ARRAY for shapes in case.shapes]


@pytest.mark.parametrize("case,shapes", ARRAY_SAMPLES,
                         ids=[f"{c.id}-{'x'.join(map(str, s))}" for c, s in ARRAY_SAMPLES])
def test_array_primitive(case, shapes, rng):
    args = case.sample(rng, shapes)
    argnums = tuple(range(case.nargs))
    expected = np.asarray(case.fn(*args))
    reverse = ad.jacrev(case.fn, argnums=argnums)(*args)
    forward = ad.jacfwd(case.fn, argnums=argnums)(*args)
    for k in argnums:
        numeric = numeric_jacobian(case.fn, args, k)
        assert np.shape(reverse[k]) == expected.shape + np.shape(args[k])
        np.testing.assert_allclose(reverse[k], numeric, rtol=1e-7, atol=1e-9,
                                   err_msg=f"jacrev, argument {k + 1}")
        assert np.shape(forward[k]) == expected.shape + np.shape(args[k])
        np.testing.assert_allclose(forward[k], reverse[k], rtol=1e-12, atol=1e-14,
                                   err_msg=f"jacfwd vs jacrev, argument {k + 1}")

    us = [rng.normal(size=np.shape(a)) for a in args]
    out, out_tangent = ad.jvp(case.fn, tuple(args), tuple(us))
    np.testing.assert_array_equal(out, expected)
    assert np.shape(out_tangent) == expected.shape
    v = rng.normal(size=expected.shape)
    _, vjp_fn = ad.vjp(case.fn, *args)
    cotangents = vjp_fn(v if expected.shape else float(v))
    reverse_side = sum(inner(ct, u) for ct, u in zip(cotangents, us))
    assert inner(v, out_tangent) == pytest.approx(reverse_side, rel=1e-10, abs=1e-12)


# -- second order: every rule differentiated again, in every nesting ----------------------------

SECOND_ORDER = ([(c, s) for c, s in ARRAY_SAMPLES] +
                [(c, ((2, 3),) * c.nargs) for c in ELEMENTWISE])


@pytest.mark.parametrize("case,shapes", SECOND_ORDER,
                         ids=[f"{c.id}-{'x'.join(map(str, s))}" for c, s in SECOND_ORDER])
def test_second_order(case, shapes, rng):
    """Rules written with adkit's own functions differentiate again: the Hessian of
    Σ sin(f)·f by forward-over-reverse, reverse-over-reverse, forward-over-forward and
    reverse-over-forward agrees with central differences of the gradient."""
    args = case.sample(rng, shapes)
    for k in range(case.nargs):
        def scalar(x, k=k):
            call = list(args)
            call[k] = x
            out = case.fn(*call)
            return ad.sum(ad.sin(out) * out)
        numeric = numeric_jacobian(ad.grad(scalar), [args[k]], 0)
        for name, hessian in [("hessian", ad.hessian(scalar)),
                              ("jacrev∘jacrev", ad.jacrev(ad.jacrev(scalar))),
                              ("jacfwd∘jacfwd", ad.jacfwd(ad.jacfwd(scalar))),
                              ("jacrev∘jacfwd", ad.jacrev(ad.jacfwd(scalar)))]:
            np.testing.assert_allclose(hessian(args[k]), numeric, rtol=1e-6, atol=1e-7,
                                       err_msg=f"{name}, argument {k + 1}")


@pytest.mark.parametrize("case,shapes", ARRAY_SAMPLES,
                         ids=[f"{c.id}-{'x'.join(map(str, s))}" for c, s in ARRAY_SAMPLES])
def test_check_grads_on_array_primitives(case, shapes, rng):
    """The public checker agrees: both modes, second order, random directions."""
    ad.check_grads(case.fn, tuple(case.sample(rng, shapes)), order=2)
