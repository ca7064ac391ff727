"""Errors a student can act on: each message names the function and the argument at fault."""
import numpy as np
import pytest

import adkit as ad
from adkit.core import ADError, ShapeError


def my_loss(w):
    return w * 2.0


def check_message(error, *fragments):
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from the message: {message}"


# -- grad of a non-scalar --------------------------------------------------------------------------

@pytest.mark.parametrize("x,shape", [(np.ones(3), "(3,)"), (np.ones((2, 2)), "(2, 2)")])
def test_grad_of_non_scalar_output(x, shape):
    with pytest.raises(ADError) as error:
        ad.grad(my_loss)(x)
    check_message(error, "grad", "my_loss", "scalar", shape, "jacrev")
    with pytest.raises(ADError) as error:
        ad.value_and_grad(my_loss)(x)
    check_message(error, "my_loss", shape)


# -- shapes that do not fit --------------------------------------------------------------------

def _in_every_mode(f, *args):
    """f run plainly, under forward mode (jvp) and under reverse mode (grad)."""
    return {
        "plain": lambda: f(*args),
        "forward": lambda: ad.jvp(f, args, tuple(np.ones_like(a) for a in args)),
        "reverse": lambda: ad.grad(lambda *xs: ad.sum(f(*xs)))(*args),
    }


MODES = ["plain", "forward", "reverse"]
MISMATCHES = [  # (label, f, its argument, fragments the message must name)
    ("ad.add", lambda a: ad.add(a, np.ones(3)), np.ones(2), ("add", "(2,)", "(3,)")),
    ("+", lambda a: np.ones(3) + a, np.ones(2), ("add", "(3,)", "(2,)")),
    ("ad.matmul", lambda a: ad.matmul(a, np.ones((2, 3))), np.ones((2, 3)), ("matmul", "(2, 3)")),
    ("@", lambda a: a @ np.ones((2, 3)), np.ones((2, 3)), ("matmul", "(2, 3)")),
    ("@ of floats", lambda a: a @ a, 2.0, ("matmul", "()")),
    ("ad.matmul of floats", lambda a: ad.matmul(a, 3.0), 2.0, ("matmul", "()")),
    ("ad.reshape", lambda a: ad.reshape(a, (4, 2)), np.ones(6), ("reshape", "(6,)", "(4, 2)")),
    (".reshape", lambda a: a.reshape(4, 2), np.ones(6), ("reshape", "(6,)", "(4, 2)")),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("label,f,x,fragments", MISMATCHES, ids=[m[0] for m in MISMATCHES])
def test_shape_mismatch(label, f, x, fragments, mode):
    if mode == "plain" and not label.startswith("ad."):
        pytest.skip("an operator on plain arrays is numpy's own")
    with pytest.raises(ShapeError) as error:
        _in_every_mode(f, x)[mode]()
    check_message(error, *fragments)


def test_other_shape_errors():
    with pytest.raises(ShapeError) as error:
        ad.sum(np.ones(3), axis=2)
    check_message(error, "sum", "axis 2")
    with pytest.raises(ShapeError) as error:
        ad.transpose(np.ones((2, 3)), (0, 0))
    check_message(error, "transpose", "(0, 0)")
    with pytest.raises(ShapeError) as error:
        ad.broadcast_to(np.ones(3), (2, 4))
    check_message(error, "broadcast_to", "(3,)")
    with pytest.raises(ShapeError) as error:
        ad.concatenate([np.ones((2, 3)), np.ones((2, 4))])
    check_message(error, "concatenate")
    with pytest.raises(ShapeError) as error:
        ad.concatenate([1.0, 2.0])
    check_message(error, "concatenate", "stack")
    with pytest.raises(ValueError):  # ShapeError is a ValueError too, for numpy habits
        ad.add(np.ones(2), np.ones(3))


# -- unsupported types -----------------------------------------------------------------------

def test_primitive_on_a_string():
    with pytest.raises(ADError) as error:
        ad.sin("a")
    check_message(error, "sin", "argument 1", "str")
    with pytest.raises(ADError) as error:
        ad.mul(2.0, "a")
    check_message(error, "mul", "argument 2", "str")
    with pytest.raises(ADError) as error:
        ad.grad(lambda x: x * "a")(1.0)
    check_message(error, "mul", "argument 2", "str")


@pytest.mark.parametrize("transform", [ad.grad, ad.value_and_grad, ad.jacrev, ad.jacfwd],
                         ids=["grad", "value_and_grad", "jacrev", "jacfwd"])
def test_transform_given_a_string(transform):
    with pytest.raises(ADError) as error:
        transform(my_loss)("x")
    check_message(error, transform.__name__.replace("value_and_grad", "grad"), "argument 1", "str")


def test_jvp_and_vjp_given_strings():
    with pytest.raises(ADError) as error:
        ad.jvp(my_loss, ("x",), (1.0,))
    check_message(error, "jvp", "1", "str")
    with pytest.raises(ADError) as error:
        ad.vjp(my_loss, None)
    check_message(error, "vjp", "1", "NoneType")


def test_bool_and_complex_inputs():
    with pytest.raises(ADError) as error:
        ad.grad(my_loss)(True)
    check_message(error, "grad", "bool")
    with pytest.raises(ADError) as error:
        ad.grad(my_loss)(1 + 2j)
    check_message(error, "grad", "complex")


def test_function_returning_something_else():
    with pytest.raises(ADError) as error:
        ad.grad(lambda x: "s")(1.0)
    check_message(error, "str")
    with pytest.raises(ADError) as error:
        ad.jvp(lambda x: "s", (1.0,), (1.0,))
    check_message(error, "jvp", "str")
    with pytest.raises(ADError) as error:
        ad.trace(lambda x: None, 1.0)
    check_message(error, "trace", "NoneType")
    with pytest.raises(ADError) as error:
        ad.trace(3.0, 1.0)
    check_message(error, "trace", "function")


def test_float_of_a_traced_value_or_dual():
    with pytest.raises(ADError) as error:
        ad.grad(lambda x: float(x))(1.0)
    check_message(error, "float()")
    with pytest.raises(ADError) as error:
        float(ad.Dual(1.0, 1.0))
    check_message(error, "float()", "Dual")


# -- the API used wrongly ------------------------------------------------------------------

def test_unknown_primitive():
    with pytest.raises(ADError) as error:
        ad.primitive("foo")
    check_message(error, "unknown primitive", "'foo'", "sin", "matmul")


def test_jvp_tuples_that_do_not_match():
    with pytest.raises(ADError) as error:
        ad.jvp(my_loss, (1.0, 2.0), (1.0,))
    check_message(error, "jvp", "2 primal", "1 tangent")
    with pytest.raises(ADError) as error:
        ad.jvp(my_loss, 1.0, 1.0)
    check_message(error, "jvp", "tuple", "(2.0,)")
    with pytest.raises(ADError) as error:
        ad.jvp(my_loss, (np.ones(2),), (np.ones(3),))
    check_message(error, "jvp", "tangent 1", "(3,)", "(2,)")


def test_vjp_cotangent_of_the_wrong_shape():
    _, vjp_fn = ad.vjp(my_loss, np.ones(3))
    with pytest.raises(ADError) as error:
        vjp_fn(np.ones(2))
    check_message(error, "vjp", "cotangent", "(2,)", "(3,)")


@pytest.mark.parametrize("transform", [ad.grad, ad.value_and_grad, ad.jacfwd, ad.jacrev,
                                       ad.hessian],
                         ids=["grad", "value_and_grad", "jacfwd", "jacrev", "hessian"])
@pytest.mark.parametrize("argnums", [1, -2, (0, 3)])
def test_argnums_out_of_range(transform, argnums):
    with pytest.raises(ADError) as error:
        transform(my_loss, argnums=argnums)(1.0)
    bad = argnums if isinstance(argnums, int) else 3
    check_message(error, "argnums", str(bad), "1 argument")


def test_argnums_twice():
    with pytest.raises(ADError) as error:
        ad.grad(lambda x, y: x * y, argnums=(0, 0))(1.0, 2.0)
    check_message(error, "grad", "argnums")


def test_derivative_of_an_array():
    with pytest.raises(ADError) as error:
        ad.derivative(my_loss)(np.ones(2))
    check_message(error, "derivative", "(2,)", "jacfwd")


def test_graph_called_wrongly():
    g = ad.trace(lambda x1, x2: x1 * x2, 1.0, 2.0)
    with pytest.raises(ADError) as error:
        g(1.0, 2.0, 3.0)
    check_message(error, "x1", "x2", "3")
    with pytest.raises(ADError) as error:
        g(1.0, x3=2.0)
    check_message(error, "unknown input", "'x3'")
    with pytest.raises(ADError) as error:
        g(1.0)
    check_message(error, "missing", "x2")
    with pytest.raises(ADError) as error:
        g(1.0, x1=2.0)
    check_message(error, "x1", "twice")


def test_branching_on_an_abstract_value():
    g = ad.Graph(abstract=True)
    x = ad.Tracer(g, g.add_input("x"), None)
    with pytest.raises(ADError) as error:
        if x > 0:
            pass
    check_message(error, "branch")


def test_errors_are_one_family():
    assert issubclass(ShapeError, ADError) and issubclass(ad.ParseError, ADError)
    assert ad.ADError is ADError and ad.ShapeError is ShapeError


@pytest.mark.parametrize("build,reference", [
    (lambda x1, x2: np.array([x1, x2]), lambda x1, x2: ad.stack([x1, x2])),
    (lambda x1, x2: np.outer(ad.stack([x1, x2]), np.ones(2))[0],
     lambda x1, x2: ad.stack([x1, x1]))], ids=["np.array", "np.outer"])
@pytest.mark.parametrize("use", [lambda w, v: w @ v, lambda w, v: v * w, lambda w, v: ad.matmul(w, v)],
                         ids=["@", "*", "ad.matmul"])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_numpy_array_of_traced_values(build, reference, use, mode):
    """np.array([x1, x2]) on traced values is an array of boxes; used as a constant next to a
    traced value it would silently lose the derivative in x1, x2. It is stacked instead (and
    numpy functions dispatch to adkit's), so the derivative is the one of ad.stack."""
    w = np.array([[1.0, 2.0], [3.0, 4.0]])

    def f(w, x1, x2):
        return ad.sum(use(w, build(x1, x2)))

    def g(w, x1, x2):
        return ad.sum(use(w, reference(x1, x2)))
    if mode == "reverse":
        got = ad.grad(f, argnums=(0, 1, 2))(w, 1.0, 2.0)
        want = ad.grad(g, argnums=(0, 1, 2))(w, 1.0, 2.0)
    else:
        got = ad.jvp(f, (w, 1.0, 2.0), (np.ones((2, 2)), 1.0, 0.0))
        want = ad.jvp(g, (w, 1.0, 2.0), (np.ones((2, 2)), 1.0, 0.0))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b)
    assert np.any(np.asarray(got[1]) != 0)


@pytest.mark.parametrize("call", [lambda x: np.unique(x)[0], lambda x: np.fft.fft(x).real[0],
                                  lambda x: np.median(x * 2.0)], ids=["unique", "fft", "median"])
def test_numpy_functions_adkit_cannot_differentiate_are_named(call):
    with pytest.raises(ADError) as error:
        ad.grad(call)(np.ones(3))
    check_message(error, "cannot differentiate", "numpy.")
    with pytest.raises(ADError) as error:
        ad.jvp(call, (np.ones(3),), (np.ones(3),))
    check_message(error, "cannot differentiate", "numpy.")
