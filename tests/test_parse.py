"""The allow-list parser: the lecture's Wengert list, precedence, errors, hostile input, fuzzing."""
import math
import time

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import adkit as ad
from adkit.parse import MAX_DEPTH


def test_lecture_example_prints_the_wengert_list():
    g = ad.parse("x1*x2 + sin(x1)")
    assert str(g) == "w1 = x1\nw2 = x2\nw3 = w1 · w2\nw4 = sin w1\nw5 = w3 + w4\nz = w5"
    assert g.inputs == ("x1", "x2")
    assert g(x1=2.0, x2=5.0) == 2.0 * 5.0 + math.sin(2.0)
    assert all(v is None for v in g.values)  # abstract: structure only


def test_gradient_through_a_parsed_graph():
    g = ad.parse("x1*x2 + sin(x1)")
    dx1, dx2 = ad.grad(g, argnums=(0, 1))(2.0, 5.0)
    assert dx1 == pytest.approx(5.0 + math.cos(2.0), abs=1e-15)
    assert dx2 == 2.0


def test_inputs_in_order_of_first_appearance_or_as_given():
    assert ad.parse("b*a + c - a").inputs == ("b", "a", "c")
    g = ad.parse("x^2", variables=["y", "x", "unused"])
    assert g.inputs == ("y", "x", "unused")
    assert g(y=1.0, x=3.0, unused=7.0) == 9.0
    assert ad.parse("x + y", variables="y, x").inputs == ("y", "x")


@pytest.mark.parametrize("text, expected", [
    ("-x^2", lambda x, y: -(x ** 2)),
    ("-x**2", lambda x, y: -(x ** 2)),
    ("2^-x", lambda x, y: 2 ** -x),
    ("x^y^2", lambda x, y: x ** (y ** 2)),
    ("x - y - 1", lambda x, y: (x - y) - 1),
    ("x / y / 2", lambda x, y: (x / y) / 2),
    ("-x * y", lambda x, y: -x * y),
    ("sin x * y", lambda x, y: math.sin(x) * y),
    ("sin x^2", lambda x, y: math.sin(x ** 2)),
    ("x²·y − y⁻¹ × 3 ÷ 2", lambda x, y: x ** 2 * y - y ** -1 * 3 / 2),
    ("+x - -y", lambda x, y: x + y),
    ("max(x, y) + min(x, 2*y) + maximum(x, 0)", lambda x, y: max(x, y) + min(x, 2 * y) + x),
    ("exp(x) + log(y) + ln(y) + sqrt(y) + tanh(x) + tan(x) + cos(y) + log1p(y)",
     lambda x, y: (math.exp(x) + 2 * math.log(y) + math.sqrt(y) + math.tanh(x) + math.tan(x)
                   + math.cos(y) + math.log1p(y))),
    ("sigmoid(x) + relu(-y) + abs(-y) + Abs(x)", lambda x, y: 1 / (1 + math.exp(-x)) + 0 + y + x),
    ("pi*x + e", lambda x, y: math.pi * x + math.e),
    ("1.5e-1*x + .5 + 2. + 3E2", lambda x, y: 0.15 * x + 0.5 + 2 + 300),
    ("((x))", lambda x, y: x),
])
def test_precedence_and_functions(text, expected):
    g = ad.parse(text, variables=["x", "y"])
    assert g(0.7, 1.3) == pytest.approx(expected(0.7, 1.3), rel=1e-14)


def test_constants_fold_like_python_and_print_by_name():
    assert str(ad.parse("(1/2)*x")) == "w1 = x\nw2 = 0.5 · w1\nz = w2"
    assert str(ad.parse("x^(1/2)")) == "w1 = x\nw2 = w1^0.5\nz = w2"
    assert str(ad.parse("pi*x")) == "w1 = x\nw2 = π · w1\nz = w2"
    assert str(ad.parse("-2^2")) == "w1 = -4\nz = w1"  # -(2^2): power binds tighter
    g = ad.parse("2^10")
    assert g.inputs == () and g() == 1024.0
    # variables never fold away: 0*x is still a node
    assert str(ad.parse("0*x")) == "w1 = x\nw2 = 0 · w1\nz = w2"


def test_table_notation_reads_back():
    """Formulas as the tables print them (ẇ, w̄, ·, sin w1) parse, so answers can be graded."""
    g = ad.parse("w2 · ẇ1 + w1 · ẇ2")
    assert g.inputs == ("w2", "ẇ1", "w1", "ẇ2")
    assert g(5.0, 1.0, 2.0, 0.0) == 5.0
    g = ad.parse("w̄3 · w2 + w̄4 · cos w1")
    assert g(1.0, 5.0, 1.0, 2.0) == pytest.approx(5.0 + math.cos(2.0))
    assert ad.parse("v̇₋₁ + v₀").inputs == ("v̇₋₁", "v₀")
    # the decomposed and precomposed ẇ are one name
    assert ad.parse("w\u0307 + \u1e87").inputs == ("\u1e87",)


def _error(text, **kwargs):
    with pytest.raises(ad.ParseError) as info:
        ad.parse(text, **kwargs)
    return info.value


@pytest.mark.parametrize("text, reason, column", [
    ("2x", "did you mean 2*x?", 2),
    ("2(x+1)", "did you mean 2*(x+1)?", 2),
    ("x y", "did you mean x*y?", 3),
    ("(x)(y)", "did you mean (x)*(y)?", 4),
    ("sinn(x)", "unknown function 'sinn'; did you mean sin?", 1),
    ("Exp(x)", "did you mean exp?", 1),
    ("foo(x)", "unknown function 'foo'; the functions are sin, cos", 1),
    ("x(1 + y)", "'x' is not a function: did you mean x*(…)?", 1),
    ("(x + 1", "unbalanced parentheses: this '(' is never closed", 1),
    ("x + 1)", "unbalanced parentheses: ')' without a matching '('", 6),
    ("x +", "ends too early", 4),
    ("* x", "missing an operand before '*'", 1),
    ("sin()", "empty parentheses sin()", 5),
    ("max(x)", "max() takes 2 argument(s), got 1", 6),
    ("sin(x, y)", "too many arguments", 6),
    ("x = 2", "invalid character '='", 3),
    ("x // 2", "floor division", 3),
    ("sin", "needs parentheses", 1),
    ("max x", "e.g. max(x, y)", 1),
    ("0^-1", "division by zero", 2),
    ("1/0", "not a finite number", 2),
    ("(-8)^(1/3)", "not a real number", 5),
])
def test_errors_say_what_and_where(text, reason, column):
    error = _error(text)
    assert reason in error.reason
    assert error.column == column
    assert error.text == text
    lines = str(error).splitlines()
    assert lines[1] == f"  {text}" and lines[2] == "  " + " " * (column - 1) + "^"


def test_unknown_variable_when_variables_are_given():
    error = _error("x1 + x3", variables=["x1", "x2"])
    assert "unknown variable 'x3'; the variables are x1, x2; did you mean" in error.reason
    assert error.column == 6
    assert _error("2*sinx", variables=["x"]).reason.endswith("did you mean sin(x)?")
    assert _error("x", variables=["x", "x"]).reason.startswith("the variable 'x' is listed twice")
    assert "cannot be a variable name" in _error("x", variables=["sin"]).reason
    # pi and e are constants unless they are declared as variables
    assert ad.parse("e*x", variables=["x"]).inputs == ("x",)
    assert ad.parse("e*x", variables=["e", "x"])(e=2.0, x=3.0) == 6.0


def test_empty_and_invalid_characters():
    assert _error("").reason == "empty expression"
    assert _error("  \t ").reason == "empty expression"
    error = _error("x\0 + 1")
    assert error.reason == "invalid character NUL (U+0000)" and error.column == 2
    error = _error("１ + x")
    assert "full-width digit '１' (U+FF11 FULLWIDTH DIGIT ONE): type the ASCII '1'" in error.reason
    assert "full-width character 'ｘ'" in _error("ｘ + 1").reason
    assert "strings are not part" in _error("'x'").reason


HOSTILE = [
    "__import__('os').system('ls')",
    "lambda: 0",
    "x.__class__",
    "().__class__.__bases__[0]",
    "exec('1')",
    "eval('1')",
    "open('/etc/passwd')",
    "9**9**9**9",
    "9^9^9^9^9^9^9^9",
    "(1/3)^(10^15)",
    "10^400",
    "exp(exp(exp(10)))",
    "1e999999",
    "1" * 5000,
    "(" * 5000 + "x" + ")" * 4999,
    "(" * 4000 + "x" + ")" * 4000,
    "-" * 5000 + "x",
    "sin " * 2000 + "x",
    "x" + "^x" * 3000,
    "x\0",
    "１２３",
    "",
    "x" * 20000,
    "x\n+\ny = 1",
    "${x}",
    "x; import os",
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:20]))
def test_hostile_input_is_rejected_quickly(text):
    """Bounded work before any evaluation: CPU time of this process (not wall time, which a
    loaded CI machine stretches), with room for a slow machine; a blow-up takes seconds."""
    start = time.process_time()
    with pytest.raises(ad.ParseError):
        ad.parse(text)
    assert time.process_time() - start < 1.0


def test_depth_limit_is_exact():
    ok = "(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH
    assert ad.parse(ok)(x=2.0) == 2.0
    deep = "(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1)
    assert "nested too deeply" in _error(deep).reason
    assert "nested too deeply" in _error("sin(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1)).reason


def test_long_flat_chains_are_not_deep():
    """a + b + c + … is one flat sum (for sympy too): only real nesting counts toward the limit."""
    g = ad.parse(" + ".join(f"x{i}*y{i}" for i in range(300)))
    assert len(g.inputs) == 600
    assert ad.parse("x" + "/x" * 1000 + " - x" * 1000)(x=2.0) == pytest.approx(2.0 ** -999 - 2000.0)
    assert "nested too deeply" in _error("x" + "^x" * (MAX_DEPTH + 1)).reason
    assert "nested too deeply" in _error("-" * (MAX_DEPTH + 1) + "x").reason


def test_parse_rejects_non_text():
    with pytest.raises(ad.ParseError):
        ad.parse(b"x + 1")


# --- fuzzing --------------------------------------------------------------------------------

ALPHABET = list("xy12.e+-*/^(),  ") + ["sin", "max", "pi", "**", "·", "−", "²", "\0", "１", "_"]


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=40), st.lists(st.sampled_from(ALPHABET), max_size=30).map("".join)))
def test_fuzz_arbitrary_text_only_raises_parse_error(text):
    start = time.perf_counter()
    try:
        g = ad.parse(text)
    except ad.ParseError as e:
        assert e.reason and str(e)
        assert e.column is None or 1 <= e.column <= len(text) + 1
    else:
        assert isinstance(g, ad.Graph) and len(g.outputs) == 1
    assert time.perf_counter() - start < 0.5


def _expressions():
    """Random expressions as (text, python function of x and y) pairs."""
    leaves = st.sampled_from([("x", lambda x, y: x), ("y", lambda x, y: y),
                              ("2", lambda x, y: 2.0), ("0.5", lambda x, y: 0.5),
                              ("pi", lambda x, y: math.pi)])

    def extend(inner):
        binary = st.tuples(inner, st.sampled_from([
            ("+", lambda a, b: a + b), ("-", lambda a, b: a - b), ("*", lambda a, b: a * b),
            ("/", lambda a, b: a / b)]), inner).map(
            lambda t: (f"({t[0][0]}) {t[1][0]} ({t[2][0]})",
                       lambda x, y, t=t: t[1][1](t[0][1](x, y), t[2][1](x, y))))
        unary = st.tuples(st.sampled_from([
            ("sin", math.sin), ("cos", math.cos), ("tanh", math.tanh), ("-", lambda a: -a),
            ("sigmoid", lambda a: 1 / (1 + math.exp(-a)))]), inner).map(
            lambda t: (f"{t[0][0]}({t[1][0]})", lambda x, y, t=t: t[0][1](t[1][1](x, y))))
        square = inner.map(lambda t: (f"({t[0]})^2", lambda x, y, t=t: t[1](x, y) ** 2))
        return st.one_of(binary, unary, square)

    return st.recursive(leaves, extend, max_leaves=8)


@settings(max_examples=80)
@given(_expressions())
def test_fuzz_generated_expressions_evaluate_like_python(pair):
    text, f = pair
    try:
        expected = f(0.3, 1.7)
    except (ZeroDivisionError, OverflowError):
        return
    try:
        g = ad.parse(text, variables=["x", "y"])
    except ad.ParseError as e:  # only constant parts that are undefined may be refused
        assert "finite" in e.reason or "division by zero" in e.reason
        return
    with np.errstate(all="ignore"):
        got = g(0.3, 1.7)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-12) or (math.isnan(expected) and
                                                                     math.isnan(got))


# --- round trip through sympy -----------------------------------------------------------------

ROUND_TRIP = [
    "x1*x2 + sin(x1)",
    "log(x1) + x1*x2 - sin(x2)",
    "x^(1/2) + sin(pi*x) / 3",
    "sigmoid(x) + relu(y) + abs(x) + max(x, y) + min(x, 2) + log1p(y)",
    "exp(-x^2/2) * tanh(y) - cos(x)^3",
    "(x + y)^-2 + 2^x + x^y + tan(y)",
    "exp(e*x) + sqrt(x*y)",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_round_trip_parse_to_sympy_str_parse(text):
    from adkit.symbolic import sympy_text
    g = ad.parse(text)
    expr = g.to_sympy()
    again = ad.parse(sympy_text(expr), variables=g.inputs)
    if "e*" not in text:  # sympy's own str() parses back too (it prints e as E)
        assert ad.parse(str(expr), variables=g.inputs).inputs == g.inputs
    rng = np.random.default_rng(7)
    for _ in range(5):
        point = rng.uniform(0.2, 2.0, size=len(g.inputs))
        assert again(*point) == pytest.approx(g(*point), rel=1e-12)
