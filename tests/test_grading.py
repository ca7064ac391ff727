"""ad.grade: equivalent forms accepted, wrong ones rejected with the right feedback category."""
import time

import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import adkit as ad
from adkit.grading.numeric import local_partials, replay, tangent_sweep
from adkit.grading.sandbox import WorkerTimeout, run_limited
from adkit.grading.single import Question

LECTURE = "x1*x2 + sin(x1)"


@pytest.mark.parametrize("answer", [
    "cos(x1) + x2", "x2 + sin(x1 + pi/2)", "(2*x2 + 2*cos(x1))/2", "x2 + cos(x1)^1",
    "x2 + cos(x1)**1", "x2·1 + cos(x1)", "x2 + cos(-x1)",
    "(x2*x2 + x2*cos(x1)) / x2", "x2 + 1 - 2*sin(x1/2)^2",
])
def test_equivalent_forms_of_the_lecture_derivative_are_correct(answer):
    v = ad.grade(LECTURE, answer, "x1")
    assert (v.status, v.score, v.category) == ("correct", 1.0, "correct"), v


@pytest.mark.parametrize("reference, answer, wrt", [
    ("x^3", "3*x^2", "x"), ("x^3", "3*x*x", "x"), ("sin(x^2)", "2*x*cos(x^2)", "x"),
    ("exp(x1*x2)", "x2*exp(x1*x2)", "x1"), ("x1/x2", "-x1/x2^2", "x2"),
    ("tanh(x)", "1 - tanh(x)^2", "x"), ("sigmoid(x)", "sigmoid(x)*(1 - sigmoid(x))", "x"),
    ("x^x", "x^x*(log(x) + 1)", "x"), ("x1*x2", "x2", "x1"), ("x1 + 0*x2", "1", "x1"),
    ("x2", "0", "x1"),
])
def test_textbook_derivatives_are_correct(reference, answer, wrt):
    assert ad.grade(reference, answer, wrt, variables=None if reference != "x2" else ["x1", "x2"]
                    ).status == "correct"


@pytest.mark.parametrize("reference, answer", [
    ("log(x)", "1/x"), ("log(x)", "x^-1"), ("sqrt(x)", "0.5/sqrt(x)"), ("sqrt(x)", "0.5*x^(-0.5)"),
    ("log(x)", "1/abs(x)"),  # equal wherever the reference is defined
    ("x*log(x)", "log(x) + 1"), ("sqrt(x - 1)", "1/(2*sqrt(x - 1))"),
    ("log(x1*x2)", "1/x1"),
])
def test_domain_restricted_references_sample_inside_their_domain(reference, answer):
    wrt = "x1" if "x1" in reference else "x"
    assert ad.grade(reference, answer, wrt).status == "correct"


@pytest.mark.parametrize("reference, answer", [("log(x)", "1/x + 1e-3"), ("sqrt(x)", "1/sqrt(x)"),
                                               ("log(x)", "-1/x")])
def test_domain_restricted_references_still_catch_wrong_answers(reference, answer):
    assert ad.grade(reference, answer, "x").status == "incorrect"


def test_an_error_of_one_thousandth_is_caught():
    v = ad.grade(LECTURE, "x2 + cos(x1) + 1e-3", "x1")
    assert v.status == "incorrect" and v.category == "offset"
    assert "0.001" in v.feedback
    assert ad.grade("exp(x)", "exp(x)*1.001", "x").status == "incorrect"
    assert ad.grade("100*x^4", "400*x^3 + 1e-3", "x").status == "incorrect"


@pytest.mark.parametrize("reference, answer, wrt, category, words", [
    (LECTURE, "-x2 - cos(x1)", "x1", "sign", "sign"),
    (LECTURE, "x2 - cos(x1)", "x1", "trig_sign", "sin x1"),
    ("cos(x)", "sin(x)", "x", "sign", "sign"),
    ("sin(x^2)", "cos(x^2)", "x", "chain", "x²"),
    ("exp(3*x)", "exp(3*x)", "x", "chain", "3 · x"),
    ("(3*x + 1)^2", "2*(3*x + 1)", "x", "chain", "Chain rule"),
    ("x*sin(x)", "x*cos(x)", "x", "product", "product rule"),
    ("x*sin(x)", "sin(x)", "x", "product", "product rule"),
    ("x/sin(x)", "1/sin(x)", "x", "product", "quotient rule"),
    (LECTURE, "x1", "x1", "variable", "with respect to x2"),
    ("exp(x1*x2)", "x1*exp(x1*x2)", "x1", "variable", "with respect to x2"),
    (LECTURE, "x1*x2 + sin(x1)", "x1", "function", "function"),
    ("x^3", "x^3", "x", "function", "itself"),
    (LECTURE, "2*x2 + 2*cos(x1)", "x1", "factor", "2 times"),
])
def test_wrong_answers_get_the_right_feedback_category(reference, answer, wrt, category, words):
    v = ad.grade(reference, answer, wrt)
    assert v.status == "incorrect" and v.score == 0.0
    assert v.category == category, v
    assert words in v.feedback


def test_otherwise_the_feedback_shows_a_point_with_expected_and_got():
    v = ad.grade(LECTURE, "x1 + x2", "x1")
    assert v.category == "differs"
    q = Question(LECTURE, "x1")
    x1, x2 = q.shown["x1"][0], q.shown["x2"][0]
    expected = x2 + np.cos(x1)
    assert v.feedback.startswith(f"At x1 = {x1:g}, x2 = {x2:g} the derivative is ")
    assert f"{expected:.4g}" in v.feedback and f"{x1 + x2:.4g}" in v.feedback
    # the point shown is not a grading point (the feedback is no oracle)
    assert not np.any((q.points["x1"] == x1) & (q.points["x2"] == x2))


def test_feedback_shows_a_fixed_number_of_digits_however_close_the_answer():
    far = ad.grade("exp(x)", "exp(x) + 1e-1*x", "x").feedback
    near = ad.grade("exp(x)", "exp(x) + 1e-7*x", "x").feedback
    assert far.startswith("At x = ") and near.startswith("At x = ")
    digits = [len(re.sub(r"[^0-9]", "", n)) for n in re.findall(r"-?\d+\.?\d*", near)]
    assert max(digits) <= 4, near
    assert "close to the derivative" in near


def test_an_answer_undefined_where_the_derivative_exists_is_incorrect():
    v = ad.grade("x^2", "2*x + log(x - 10)", "x")
    assert (v.status, v.category) == ("incorrect", "undefined")
    assert "e.g. at x = " in v.feedback


@pytest.mark.parametrize("answer, column, words", [
    ("x2 + cos(x1", 9, "never closed"), ("x2 + sech(x1)", 6, "unknown function"),
    ("x2 + cos(y)", 10, "unknown variable"), ("2x1", 2, "implicit multiplication"),
])
def test_unreadable_answers_are_invalid_and_say_where(answer, column, words):
    v = ad.grade(LECTURE, answer, "x1", lenient=False)
    assert v.status == "invalid" and v.score == 0.0
    assert f"(column {column})" in v.feedback and words in v.feedback


def test_empty_and_too_long_answers_are_invalid():
    assert ad.grade(LECTURE, "   ", "x1").category == "empty"
    assert ad.grade(LECTURE, "x1+" * 5000 + "x1", "x1").category == "too_large"
    assert ad.grade(LECTURE, None, "x1").status == "invalid"


def test_variables_allow_names_the_reference_does_not_use():
    assert ad.grade("x^2", "2*x + 0*y", "x", variables=["x", "y"]).status == "correct"
    assert ad.grade("x^2", "2*x + 0*y", "x").status == "invalid"


def test_a_number_answer_is_a_constant():
    assert ad.grade("3*x", 3, "x").status == "correct"
    assert ad.grade("3*x", 3.5, "x").status == "incorrect"


def test_key_mistakes_are_aderrors():
    with pytest.raises(ad.ADError, match="wrt='x3' is not a variable"):
        ad.grade(LECTURE, "1", "x3")
    with pytest.raises(ad.ParseError):
        ad.grade("x1 +", "1", "x1")
    with pytest.raises(ad.ADError, match="undefined at almost every sample point"):
        ad.grade("log(-x^2 - 1)", "1", "x")
    with pytest.raises(ad.ADError, match="low < high"):
        ad.grade("x", "1", "x", domain={"x": (2, 1)})


def test_domain_moves_the_sample_points():
    q = Question("log(x)", "x", domain={"x": (10, 20)})
    assert np.all((q.points["x"] >= 10) & (q.points["x"] <= 20))
    assert q.grade("1/x").status == "correct"


def test_sampling_is_seeded_so_grading_is_repeatable():
    a, b = Question(LECTURE, "x1"), Question(LECTURE, "x1")
    assert all(np.array_equal(a.points[n], b.points[n]) for n in a.names)
    assert a.grade("x1 + x2").feedback == b.grade("x1 + x2").feedback


def test_the_reference_derivative_is_adkits_own_forward_mode():
    q = Question(LECTURE, "x1")
    for k in range(q.count):
        x1, x2 = float(q.points["x1"][k]), float(q.points["x2"][k])
        assert q.expected[k] == pytest.approx(ad.grad(lambda a, b: a * b + ad.sin(a))(x1, x2),
                                              rel=1e-14)


def test_the_vectorized_tangent_sweep_agrees_with_dual_numbers():
    g = ad.parse("exp(x1*x2)/x1 + tanh(x2)^3 - sqrt(x1)")
    points = {"x1": np.array([0.5, 1.5, 2.0]), "x2": np.array([-1.0, 0.3, 1.1])}
    env = replay(g, points)
    for wrt in ("x1", "x2"):
        tangents = tangent_sweep(g, env, wrt, local_partials(g, env))
        duals = [ad.Dual(points[n], np.ones(3)) if n == wrt else points[n] for n in g.inputs]
        expected = g(*duals).tangent
        np.testing.assert_allclose(tangents[g.outputs[0]], expected, rtol=1e-14)


def test_mistake_candidates_are_built_once_per_question():
    q = Question("x*sin(x^2)", "x")
    categories = {c for c, _, _ in q.mistakes}
    assert {"sign", "function", "chain", "product"} <= categories
    for _, _, values in q.mistakes:  # none of them is the right answer
        assert not np.allclose(values, q.expected)


def test_symbolic_confirmation_runs_in_a_worker():
    assert Question(LECTURE, "x1").symbolic_equal(ad.parse("cos(x1) + x2")) is True
    assert Question(LECTURE, "x1").symbolic_equal(ad.parse("cos(x1)")) is False
    v = ad.grade(LECTURE, "x2 + cos(x1)", "x1", symbolic=True)
    assert (v.status, v.feedback) == ("correct", "Correct (sympy agrees).")


def test_an_answer_defined_at_few_points_is_wrong_even_when_sympy_is_asked():
    answer = "2*x + 0*sqrt(x - 2.6)"  # defined only for x > 2.6
    q = Question("x^2", "x")
    assert q.grade(answer).category == "undefined"
    assert q.grade(answer, symbolic=True).status == "incorrect"


def test_the_worker_is_killed_past_its_time_limit():
    start = time.perf_counter()
    with pytest.raises(WorkerTimeout):
        run_limited(time.sleep, (30,), timeout=0.5)
    assert time.perf_counter() - start < 3


def test_grading_is_fast_per_answer():
    q = Question(LECTURE, "x1")
    answers = [f"x2 + cos(x1) + {k}*0" for k in range(300)]
    start = time.process_time()  # CPU time: a loaded machine stretches wall time, not this
    verdicts = [q.grade(a) for a in answers]
    assert all(v.status == "correct" for v in verdicts)
    assert (time.process_time() - start) / len(answers) < 2e-3


_TOKENS = ["x1", "x2", "y", "1", "2.5", "1e-3", "pi", "+", "-", "*", "/", "^", "**", "(", ")",
           "sin", "cos", "log", "sqrt", "exp", " ", ",", ".", "_", "'", "[", "9**9**9"]


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(_TOKENS), max_size=25).map("".join),
                 st.text(max_size=60)))
def test_fuzzed_answers_never_raise_and_get_a_status(answer):
    start = time.process_time()
    v = ad.grade(LECTURE, answer, "x1")
    assert v.status in ("correct", "incorrect", "invalid")
    assert 0.0 <= v.score <= 1.0 and v.feedback
    assert (v.score == 1.0) == (v.status == "correct")
    assert time.process_time() - start < 1.0
