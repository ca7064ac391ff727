"""ad.compile agrees with eager adkit on the whole primitive catalogue: values, gradients,
JVPs and second order, on floats and on random shapes (the catalogue grows as primitives do)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import adkit as ad
from catalogue import ARRAY, CASES, ELEMENTWISE, NOT_DIFFERENTIABLE

SAMPLES = ([(c, s) for c in ARRAY for s in c.shapes]
           + [(c, ((2, 3),) * c.nargs) for c in ELEMENTWISE + NOT_DIFFERENTIABLE]
           + [(c, None) for c in ELEMENTWISE + NOT_DIFFERENTIABLE if c.floats])
IDS = [f"{c.id}-{'floats' if s is None else 'x'.join(map(str, s))}" for c, s in SAMPLES]


def same(a, b, rtol=1e-12):
    """Equal structure, equal numbers (to rounding: compiled code runs the same operations)."""
    if isinstance(b, (tuple, list)):
        assert isinstance(a, type(b)) and len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y, rtol)
        return
    assert np.shape(a) == np.shape(b)
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=rtol, atol=1e-14)


def scalarized(case):
    def s(*xs):
        out = case.fn(*xs)
        if not case.primitive in {c.primitive for c in NOT_DIFFERENTIABLE}:
            return ad.sum(ad.sin(out) * out)
        return ad.sum(xs[0] * out)  # comparisons: only the factor x carries a derivative
    return s


@pytest.mark.parametrize("case,shapes", SAMPLES, ids=IDS)
def test_compiled_equals_eager(case, shapes, rng):
    args = case.sample(rng, shapes)
    argnums = tuple(range(case.nargs))
    cf = ad.compile(case.fn)
    same(cf(*args), case.fn(*args))
    s = scalarized(case)
    vg = ad.value_and_grad(s, argnums=argnums)
    cvg = ad.compile(vg)
    same(cvg(*args), vg(*args))
    assert cvg.traces == 1
    us = tuple(rng.normal(size=np.shape(a)) if shapes else float(rng.normal()) for a in args)

    def pushed(*xs_and_us):
        return ad.jvp(case.fn, xs_and_us[:case.nargs], xs_and_us[case.nargs:])
    same(ad.compile(pushed)(*args, *us), pushed(*args, *us))
    # again with new numbers: the same code, the same agreement (no guard for these functions)
    args2 = case.sample(rng, shapes)
    same(cvg(*args2), vg(*args2))


SECOND = [(c, s) for c, s in SAMPLES if s is not None
          and c.primitive not in {n.primitive for n in NOT_DIFFERENTIABLE}]


@pytest.mark.parametrize("case,shapes", SECOND,
                         ids=[f"{c.id}-{'x'.join(map(str, s))}" for c, s in SECOND])
def test_compiled_second_order(case, shapes, rng):
    """compile of a Hessian (forward-over-reverse) and of jacrev∘grad equals eager."""
    args = case.sample(rng, shapes)

    def first(x):
        return scalarized(case)(x, *args[1:])
    for nested in (ad.hessian(first), ad.jacrev(ad.grad(first))):
        same(ad.compile(nested)(args[0]), nested(args[0]), rtol=1e-11)


@pytest.mark.parametrize("case", ELEMENTWISE, ids=[c.id for c in ELEMENTWISE])
@settings(max_examples=8)
@given(data=st.data())
def test_compiled_gradients_on_random_shapes(case, data):
    shapes = data.draw(mutually_broadcastable_shapes(num_shapes=case.nargs, max_dims=3,
                                                     max_side=3), label="shapes")
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 16), label="seed"))
    args = case.sample(rng, shapes.input_shapes)
    argnums = tuple(range(case.nargs))
    jac = ad.jacrev(case.fn, argnums)
    same(ad.compile(jac)(*args), jac(*args))
    vg = ad.value_and_grad(scalarized(case), argnums)
    same(ad.compile(vg)(*args), vg(*args))


def test_every_primitive_of_the_catalogue_is_compiled():
    """The catalogue names every registered primitive (tests/test_primitives.py checks that), so
    the tests above cover every primitive, including ones added later, without edits here."""
    assert {c.primitive for c, _ in SAMPLES} == {c.primitive for c in CASES}


# -- random programs (tests/test_random_graphs.py): fan-out everywhere, so the in-place updates,
# the dels and the common subexpressions of the generated code are put to the test -------------

from test_random_graphs import OPS, SCALAR_OPS, programs  # noqa: E402


@settings(max_examples=60)
@given(data=st.data())
def test_compiled_random_array_programs(data):
    shapes = data.draw(mutually_broadcastable_shapes(num_shapes=3, max_dims=2, min_side=1,
                                                     max_side=3), label="shapes")
    n_inputs = data.draw(st.integers(1, 3), label="n_inputs")
    program = data.draw(programs(OPS, n_inputs=n_inputs), label="program")
    big = data.draw(st.booleans(), label="big arrays")
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    shapes = [tuple(64 * n for n in s) if big else s for s in shapes.input_shapes[:n_inputs]]
    xs = [rng.uniform(-2.0, 2.0, size=s) for s in shapes]
    copies = [x.copy() for x in xs]
    vg = ad.value_and_grad(program, argnums=tuple(range(n_inputs)))
    with np.errstate(all="ignore"):
        expected = vg(*xs)
        compiled = ad.compile(vg)
        same(compiled(*xs), expected)
        same(compiled(*xs), expected)          # the cached code, a second time
    for x, c in zip(xs, copies):
        np.testing.assert_array_equal(x, c)    # inputs never written to


@settings(max_examples=60)
@given(program=programs(SCALAR_OPS, max_steps=12), seed=st.integers(0, 2 ** 32 - 1))
def test_compiled_random_scalar_programs(program, seed):
    rng = np.random.default_rng(seed)
    xs = [float(v) for v in rng.uniform(-2.0, 2.0, size=program.n_inputs)]
    vg = ad.value_and_grad(program, argnums=tuple(range(program.n_inputs)))
    with np.errstate(all="ignore"):
        expected = vg(*xs)
        compiled = ad.compile(vg)
        got = compiled(*xs)
    assert got == expected or np.allclose(np.asarray(got[1]), np.asarray(expected[1]),
                                          rtol=1e-12, equal_nan=True)
