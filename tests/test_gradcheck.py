"""ad.check_grads: passes on correct derivatives, raises with the worst mismatch on wrong ones."""
import numpy as np
import pytest

import adkit as ad
from adkit.core import Primitive


def _sin_with(partial):
    return Primitive("sin_under_test", np.sin, partials=lambda out, x: (partial(x),), nargs=1,
                     saves=(0,))


def test_correct_derivatives_pass_to_third_order(rng):
    ad.check_grads(lambda x, y: (ad.sum(ad.tanh(x @ y)), ad.sin(y) * 2.0),
                   (rng.normal(size=(2, 3)), rng.normal(size=3)), order=3)
    ad.check_grads(lambda x: x ** 3.0, (1.5,), order=2, modes=("rev",))
    ad.check_grads(lambda x: x ** 3.0, (2,), order=2, modes=("fwd",))  # an int point is a float


@pytest.mark.parametrize("modes,expected", [(("fwd",), "forward mode"), (("rev",), "reverse mode"),
                                            (("fwd", "rev"), "forward mode")])
def test_a_wrong_first_derivative_is_caught_in_each_mode(modes, expected):
    wrong = _sin_with(lambda x: 1.1 * ad.cos(x))
    with pytest.raises(ad.GradientMismatch, match=expected) as error:
        ad.check_grads(wrong, (np.array([0.3, 1.0]),), order=1, modes=modes)
    assert "worst mismatch" in str(error.value)
    assert isinstance(error.value, AssertionError) and isinstance(error.value, ad.ADError)


def test_a_rule_that_cuts_the_graph_fails_at_second_order():
    """cos computed on the plain value: right first derivative, no second derivative."""
    def cut(x):
        while isinstance(x, ad.Tracer) or isinstance(x, ad.Dual):
            x = x._value()
        return np.cos(x)
    wrong = _sin_with(cut)
    ad.check_grads(wrong, (np.array([0.3, 1.0]),), order=1)
    with pytest.raises(ad.GradientMismatch, match="over-"):
        ad.check_grads(wrong, (np.array([0.3, 1.0]),), order=2)


def test_bad_arguments_are_named():
    with pytest.raises(ad.ADError, match="tuple"):
        ad.check_grads(ad.sin, 1.0)
    with pytest.raises(ad.ADError, match="modes"):
        ad.check_grads(ad.sin, (1.0,), modes=("backward",))
    with pytest.raises(ad.ADError, match="complex"):
        ad.check_grads(ad.sin, (1j,))
