"""The slide tables: exact slide rows (text and LaTeX), Baydin et al.'s tables, formats, sources,
and for many expressions: table numbers = ad.jvp / ad.grad = sympy = the printed formulas."""
import csv
import io
import math

import numpy as np
import pytest

import adkit as ad
from adkit.core import ADError

LECTURE = "x1*x2 + sin(x1)"
POINT = {"x1": 2.0, "x2": 5.0}

FORWARD_TEXT = """\
Forward accumulation of z = x1 · x2 + sin x1 at x1 = 2, x2 = 5, seed on x1

Operations to compute value     value  Operations to compute   derivative
                                       derivative
---------------------------  --------  ----------------------  ----------
w1 = x1                             2  ẇ1 = 1 (seed)                    1
w2 = x2                             5  ẇ2 = 0 (seed)                    0
w3 = w1 · w2                       10  ẇ3 = w2 · ẇ1 + w1 · ẇ2           5
w4 = sin w1                  0.909297  ẇ4 = cos w1 · ẇ1         -0.416147
w5 = w3 + w4                  10.9093  ẇ5 = ẇ3 + ẇ4               4.58385

∂z/∂x1 = ẇ5 = 4.58385"""

REVERSE_TEXT = """\
Reverse accumulation of z = x1 · x2 + sin x1 at x1 = 2, x2 = 5
Forward pass: w1 = 2, w2 = 5, w3 = 10, w4 = 0.909297, w5 = 10.9093

Operations to compute value   Operations to compute derivative  derivative
----------------------------  --------------------------------  ----------
z = w5                        w̄5 = 1 (seed)                              1
w5 = w3 + w4                  w̄4 = w̄5                                    1
w5 = w3 + w4                  w̄3 = w̄5                                    1
w3 = w1 · w2                  w̄2 = w̄3 · w1                               2
w4 = sin w1 and w3 = w1 · w2  w̄1 = w̄3 · w2 + w̄4 · cos w1           4.58385

∂z/∂x1 = w̄1 = 4.58385
∂z/∂x2 = w̄2 = 2"""

# The slides' LaTeX, cell for cell (DESIGN.md, "The slide tables").
FORWARD_LATEX = r"""\begin{tabular}{ll}
\toprule
Operations to compute value & Operations to compute derivative \\
\midrule
$w_1 = x_1$ & $\dot{w}_1 = 1$ (seed) \\
$w_2 = x_2$ & $\dot{w}_2 = 0$ (seed) \\
$w_3 = w_1 \cdot w_2$ & $\dot{w}_3 = w_2 \cdot \dot{w}_1 + w_1 \cdot \dot{w}_2$ \\
$w_4 = \sin w_1$ & $\dot{w}_4 = \cos w_1 \cdot \dot{w}_1$ \\
$w_5 = w_3 + w_4$ & $\dot{w}_5 = \dot{w}_3 + \dot{w}_4$ \\
\bottomrule
\end{tabular}"""

REVERSE_LATEX = r"""\begin{tabular}{ll}
\toprule
Operations to compute value & Operations to compute derivative \\
\midrule
$z = w_5$ & $\bar{w}_5 = 1$ (seed) \\
$w_5 = w_3 + w_4$ & $\bar{w}_4 = \bar{w}_5$ \\
$w_5 = w_3 + w_4$ & $\bar{w}_3 = \bar{w}_5$ \\
$w_3 = w_1 \cdot w_2$ & $\bar{w}_2 = \bar{w}_3 \cdot w_1$ \\
$w_4 = \sin w_1$ and $w_3 = w_1 \cdot w_2$ & $\bar{w}_1 = \bar{w}_3 \cdot w_2 + \bar{w}_4 \cdot \cos w_1$ \\
\bottomrule
\end{tabular}"""

FORWARD_LATEX_NUMBERS = r"""\begin{tabular}{lrlr}
\toprule
\begin{tabular}[b]{@{}l@{}}Operations to \\ compute value\end{tabular} & value & \begin{tabular}[b]{@{}l@{}}Operations to \\ compute derivative\end{tabular} & derivative \\
\midrule
$w_1 = x_1$ & $2$ & $\dot{w}_1 = 1$ (seed) & $1$ \\
$w_2 = x_2$ & $5$ & $\dot{w}_2 = 0$ (seed) & $0$ \\
$w_3 = w_1 \cdot w_2$ & $10$ & $\dot{w}_3 = w_2 \cdot \dot{w}_1 + w_1 \cdot \dot{w}_2$ & $5$ \\
$w_4 = \sin w_1$ & $0.909297$ & $\dot{w}_4 = \cos w_1 \cdot \dot{w}_1$ & $-0.416147$ \\
$w_5 = w_3 + w_4$ & $10.9093$ & $\dot{w}_5 = \dot{w}_3 + \dot{w}_4$ & $4.58385$ \\
\bottomrule
\end{tabular}"""


def test_forward_slide_table_text():
    assert ad.forward_table(LECTURE, at=POINT).to_text() == FORWARD_TEXT


def test_reverse_slide_table_text():
    assert ad.reverse_table(LECTURE, at=POINT).to_text() == REVERSE_TEXT


def test_slide_tables_latex():
    assert ad.forward_table(LECTURE, at=POINT).to_latex(numbers=False) == FORWARD_LATEX
    assert ad.reverse_table(LECTURE, at=POINT).to_latex(numbers=False) == REVERSE_LATEX
    assert ad.forward_table(LECTURE, at=POINT).to_latex() == FORWARD_LATEX_NUMBERS


def test_row_model():
    t = ad.forward_table(LECTURE, at=POINT)
    row = t.rows[2]
    assert (row.lhs, row.rhs, row.equation, row.kind) == ("ẇ3", "w2 · ẇ1 + w1 · ẇ2",
                                                          "w3 = w1 · w2", "rule")
    assert (row.value, row.primal) == (5.0, 10.0)
    assert [r.kind for r in t.rows] == ["seed", "seed", "rule", "rule", "rule"]
    assert t.result == ad.grad(lambda x1, x2: x1 * x2 + ad.sin(x1))(2.0, 5.0)
    r = ad.reverse_table(LECTURE, at=POINT)
    assert [row.lhs for row in r.rows] == ["w̄5", "w̄4", "w̄3", "w̄2", "w̄1"]
    assert r.rows[-1].equations == ["w4 = sin w1", "w3 = w1 · w2"]
    assert r.rows[-1].primal == 2.0 and r.rows[0].derivative == "w̄5 = 1 (seed)"
    assert r.result == {"x1": 5.0 + math.cos(2.0), "x2": 2.0}


def test_seed_on_the_second_input():
    t = ad.forward_table(LECTURE, at=POINT, seed="x2")
    assert [r.derivative for r in t.rows[:2]] == ["ẇ1 = 0 (seed)", "ẇ2 = 1 (seed)"]
    assert t.result == 2.0
    direction = ad.forward_table(LECTURE, at=POINT, seed={"x1": 1.0, "x2": 2.0})
    assert direction.result == pytest.approx(5.0 + math.cos(2.0) + 2 * 2.0)
    assert "along the seed direction" in direction.title
    assert direction.to_text().endswith("ż = ẇ5 = 8.58385")


# --- Baydin et al. 2018, Tables 2 and 3 -----------------------------------------------------

BAYDIN = "ln(x1) + x1*x2 - sin(x2)"


def test_baydin_table_2_forward_griewank():
    t = ad.forward_table(BAYDIN, at={"x1": 2.0, "x2": 5.0}, style="griewank")
    assert [r.equation for r in t.rows] == [
        "v₋₁ = x1", "v₀ = x2", "v₁ = ln v₋₁", "v₂ = v₋₁ · v₀", "v₃ = v₁ + v₂", "v₄ = sin v₀",
        "v₅ = v₃ - v₄"]
    assert [r.derivative for r in t.rows] == [
        "v̇₋₁ = 1 (seed)", "v̇₀ = 0 (seed)", "v̇₁ = v̇₋₁ / v₋₁", "v̇₂ = v₀ · v̇₋₁ + v₋₁ · v̇₀",
        "v̇₃ = v̇₁ + v̇₂", "v̇₄ = cos v₀ · v̇₀", "v̇₅ = v̇₃ - v̇₄"]
    assert [r.value for r in t.rows] == [1.0, 0.0, 0.5, 5.0, 5.5, 0.0, 5.5]
    assert t.result == 5.5
    assert t.to_text().endswith("∂y/∂x1 = v̇₅ = 5.5")
    assert r"$\dot{v}_1 = \dot{v}_{-1} / v_{-1}$" in t.to_latex()


def test_baydin_table_3_reverse_griewank():
    t = ad.reverse_table(BAYDIN, at={"x1": 2.0, "x2": 5.0}, style="griewank")
    assert t.result["x1"] == 5.5
    assert t.result["x2"] == pytest.approx(2.0 - math.cos(5.0), abs=1e-15)
    assert round(t.result["x2"], 3) == 1.716
    rows = {r.lhs: r for r in t.rows}
    assert rows["v̄₄"].rhs == "-v̄₅" and rows["v̄₄"].value == -1.0
    assert rows["v̄₀"].rhs == "v̄₂ · v₋₁ + v̄₄ · cos v₀"
    assert rows["v̄₋₁"].rhs == "v̄₁ / v₋₁ + v̄₂ · v₀"
    assert rows["v̄₋₁"].equation == "v₂ = v₋₁ · v₀ and v₁ = ln v₋₁"
    assert t.to_text().splitlines()[-2:] == ["x̄1 = v̄₋₁ = 5.5", "x̄2 = v̄₀ = 1.71634"]


# --- the numbers come from the engine and agree with sympy and with the printed formulas --------

EXPRESSIONS = [
    ("x1*x2 + sin(x1)", {"x1": 2.0, "x2": 5.0}),
    ("log(x1) + x1*x2 - sin(x2)", {"x1": 2.0, "x2": 5.0}),
    ("exp(x)*sqrt(x) + tanh(x)/x", {"x": 0.7}),
    ("sigmoid(x^3) - cos(x)*tan(x)", {"x": 0.4}),
    ("x/y - y/x + 1/(x*y)", {"x": 1.3, "y": -0.6}),
    ("(x + y)*z", {"x": -2.0, "y": 5.0, "z": -4.0}),
    ("x^y + 2^x + x^-2", {"x": 1.5, "y": 0.5}),
    ("log1p(x^2) * exp(-x/2)", {"x": 0.9}),
    ("-x^2 + pi*x - e", {"x": 0.25}),
    ("x*x*x + sin(sin(x))", {"x": 1.1}),
    ("relu(x) + abs(y) + max(x, y)", {"x": 0.5, "y": -1.5}),
]


def _sympy_gradient(text, at):
    import sympy as sp
    g = ad.parse(text)
    symbols = {n: sp.Symbol(n, real=True) for n in g.inputs}
    from adkit.symbolic import graph_to_sympy, sympy_constant
    expr = graph_to_sympy(g, symbols)
    subs = {symbols[n]: sympy_constant(sp, v) for n, v in at.items()}
    return {n: float(sp.diff(expr, symbols[n]).evalf(20, subs=subs)) for n in g.inputs}


@pytest.mark.parametrize("text, at", EXPRESSIONS)
def test_tables_agree_with_jvp_grad_and_sympy(text, at):
    g = ad.parse(text)
    values = tuple(at[n] for n in g.inputs)
    symbolic = _sympy_gradient(text, at)
    reverse = ad.reverse_table(text, at=at)
    gradient = ad.grad(g, argnums=tuple(range(len(values))))(*values)
    for k, name in enumerate(g.inputs):
        forward = ad.forward_table(text, at=at, seed=name)
        tangents = tuple(1.0 if j == k else 0.0 for j in range(len(values)))
        assert forward.result == ad.jvp(g, values, tangents)[1]
        assert reverse.result[name] == gradient[k]
        assert forward.result == pytest.approx(symbolic[name], rel=1e-12, abs=1e-12)
        assert reverse.result[name] == pytest.approx(symbolic[name], rel=1e-12, abs=1e-12)


def _names_values(table, kind):
    """{w3: value of w3, ẇ3 (or w̄3): its number} from a table's rows."""
    env = {}
    bar = {"forward": "ẇ", "reverse": "w\u0304"}[table.mode]
    for row in table.rows:
        number = row.lhs[len(bar):]
        env[f"w{number}"] = row.primal
        env[row.lhs] = row.value
    return env


@pytest.mark.parametrize("text, at", [e for e in EXPRESSIONS if "relu" not in e[0]
                                      and "^y" not in e[0]])
def test_printed_formulas_compute_the_printed_numbers(text, at):
    """Read each row's formula back with ad.parse and evaluate it: it gives the row's number."""
    for table in (ad.forward_table(text, at=at), ad.reverse_table(text, at=at)):
        env = _names_values(table, table.mode)
        for row in table.rows:
            if row.kind == "seed":
                continue
            formula = ad.parse(row.rhs)
            got = formula(**{n: env[n] for n in formula.inputs})
            # constants print with 6 digits (log 2 = 0.693147), so compare to 1e-5
            assert got == pytest.approx(row.value, rel=1e-5, abs=1e-9), (row, got)


# --- sources ----------------------------------------------------------------------------------

def test_string_graph_and_function_give_the_same_rows():
    from_text = ad.forward_table(LECTURE, at=POINT)
    from_graph = ad.forward_table(ad.parse(LECTURE), at=POINT)
    from_function = ad.forward_table(lambda x1, x2: x1 * x2 + ad.sin(x1), at=POINT)
    traced = ad.forward_table(ad.trace(lambda x1, x2: x1 * x2 + ad.sin(x1), 0.0, 0.0), at=POINT)
    for t in (from_graph, from_function, traced):
        assert t.to_text() == from_text.to_text()
    assert ad.reverse_table(lambda x1, x2: x1 * x2 + ad.sin(x1), at=(2.0, 5.0)).to_text() == \
        REVERSE_TEXT


def test_sympy_source():
    import sympy as sp
    x = sp.Symbol("x")
    t = ad.forward_table(sp.exp(x) * sp.E, at={"x": 0.0})
    assert t.result == pytest.approx(math.e)


def test_unused_input_and_constant_output():
    t = ad.reverse_table("x^2", at={"x": 3.0, "y": 1.0})
    assert t.result == {"x": 6.0, "y": 0.0}
    assert [r.equation for r in t.rows if r.lhs == "w̄2"] == ["(not used)"]
    c = ad.reverse_table("3", at={})
    assert c.result == {} and c.rows == []
    f = ad.forward_table("2^3", at={})
    assert f.result == 0.0 and f.rows[0].equation == "w1 = 8"


def test_errors():
    with pytest.raises(ADError, match="no value for x2"):
        ad.forward_table(LECTURE, at={"x1": 2.0})
    with pytest.raises(ADError, match="cannot seed 'x3'"):
        ad.forward_table(LECTURE, at=POINT, seed="x3")
    with pytest.raises(ADError, match="unknown table style"):
        ad.forward_table(LECTURE, at=POINT, style="fancy")
    with pytest.raises(ad.ParseError):
        ad.reverse_table("2x", at={"x": 1.0})
    with pytest.raises(ADError, match="2 value"):
        ad.reverse_table("x", at=(1.0, 2.0))


def test_fan_out_within_one_operation():
    r = ad.reverse_table("x*x", at={"x": 3.0})
    assert r.rows[-1].rhs == "w̄2 · w1 + w̄2 · w1" and r.result == {"x": 6.0}
    f = ad.forward_table("x*x", at={"x": 3.0})
    assert f.rows[-1].rhs == "w1 · ẇ1 + w1 · ẇ1" and f.result == 6.0


# --- arrays: a small network --------------------------------------------------------------------

def test_small_network_tables_match_grad():
    X = np.array([[1.0, 2.0], [0.5, -1.0], [0.0, 1.5]])
    y = np.array([1.0, 0.0, 1.0])

    def loss(W, b):
        return ad.mean((ad.tanh(X @ W + b).sum(axis=1) - y) ** 2)

    W, b = np.array([[0.1, -0.2], [0.3, 0.4]]), np.array([0.0, 0.1])
    r = ad.reverse_table(loss, at={"W": W, "b": b})
    gW, gb = ad.grad(loss, argnums=(0, 1))(W, b)
    np.testing.assert_allclose(r.result["W"], gW, rtol=1e-14)
    np.testing.assert_allclose(r.result["b"], gb, rtol=1e-14)
    text = r.to_text()
    assert "⟨2×2⟩ [" in text and "w̄2 = Σ(w̄4, axis=(-2,))" in text
    f = ad.forward_table(loss, at={"W": W, "b": b}, seed={"W": np.eye(2)})
    assert f.result == pytest.approx(ad.jvp(loss, (W, b), (np.eye(2), np.zeros(2)))[1])
    assert "ẇ8 = 2 · w7 · ẇ7" in f.to_text()


# --- formats and steps ------------------------------------------------------------------------

def test_markdown_html_csv_and_jupyter():
    t = ad.forward_table(LECTURE, at=POINT)
    md = t.to_markdown().splitlines()
    assert md[2] == "| Operations to compute value | value | Operations to compute derivative | derivative |"
    assert md[6] == "| w3 = w1 · w2 | 10 | ẇ3 = w2 · ẇ1 + w1 · ẇ2 | 5 |"
    r = ad.reverse_table(LECTURE, at=POINT)
    assert "| w4 = sin w1 and w3 = w1 · w2 | w̄1 = w̄3 · w2 + w̄4 · cos w1 | 4.58385 |" in \
        r.to_markdown()
    page = r.to_html()
    assert page.startswith('<table class="adkit-table adkit-reverse">') and page == r._repr_html_()
    assert "<td>w4 = sin w1 and w3 = w1 · w2</td>" in page
    assert ad.reverse_table("x/y", at={"x": 1.0, "y": 2.0}).to_html().count("<tr>") == 4
    escaped = ad.forward_table("max(x, y)", at={"x": 1.0, "y": 2.0}).to_html()
    assert "w1 &gt; w2" in escaped and "w1 > w2" not in escaped
    rows = list(csv.DictReader(io.StringIO(r.to_csv())))
    assert [row["lhs"] for row in rows] == ["w̄5", "w̄4", "w̄3", "w̄2", "w̄1"]
    assert float(rows[-1]["value"]) == r.result["x1"]  # full precision
    mathjax = r._repr_latex_()
    assert mathjax.startswith("$$\\begin{array}{llr}")
    assert r"w_4 = \sin w_1 \text{ and } w_3 = w_1 \cdot w_2" in mathjax
    assert t.render("latex") == t.to_latex()
    with pytest.raises(ADError, match="unknown table format"):
        t.render("pdf")


def test_steps_grow_one_row_at_a_time():
    t = ad.reverse_table(LECTURE, at=POINT)
    steps = list(t.steps())
    assert [len(s.rows) for s in steps] == [1, 2, 3, 4, 5]
    assert steps[-1].to_text() == t.to_text()
    first = steps[0].to_text().splitlines()
    assert first[-1] == "z = w5                        w̄5 = 1 (seed)                              1"
    assert len(steps[2].to_text().splitlines()) == 8  # title, forward pass, blank, header, rule, 3 rows


def test_digits_and_text_without_numbers():
    t = ad.forward_table(LECTURE, at=POINT, digits=10)
    assert t.rows[3].value == math.cos(2.0) and "-0.4161468365" in t.to_text()
    bare = ad.forward_table(LECTURE, at=POINT).to_text(numbers=False).splitlines()
    assert bare[4:] == ["w1 = x1                      ẇ1 = 1 (seed)",
                        "w2 = x2                      ẇ2 = 0 (seed)",
                        "w3 = w1 · w2                 ẇ3 = w2 · ẇ1 + w1 · ẇ2",
                        "w4 = sin w1                  ẇ4 = cos w1 · ẇ1",
                        "w5 = w3 + w4                 ẇ5 = ẇ3 + ẇ4"]


def test_repeated_squaring_prints_a_short_title():
    def f(x):
        for _ in range(50):
            x = x * x
        return x

    t = ad.reverse_table(f, at={"x": 1.0})
    assert t.title == "Reverse accumulation of z = f(x) (50 operations) at x = 1"
    assert t.result == {"x": 2.0 ** 50}


def _random_expressions():
    from hypothesis import strategies as st
    leaves = st.sampled_from(["x", "y", "2", "0.5", "pi"])

    def extend(inner):
        binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "^"]), inner).map(
            lambda t: f"({t[0]}) {t[1]} ({t[2]})")
        unary = st.tuples(st.sampled_from(["sin", "cos", "tanh", "exp", "log", "sqrt", "sigmoid",
                                           "-", "tan", "log1p"]), inner).map(
            lambda t: f"{t[0]}({t[1]})")
        return st.one_of(binary, unary, inner.map(lambda t: f"({t})^2"))

    return st.recursive(leaves, extend, max_leaves=7)


def test_random_expressions_formulas_and_numbers_agree():
    """For random expressions, each printed formula, read back and evaluated, gives the row's
    number, and the reverse table's result is ad.grad's."""
    from hypothesis import given

    @given(_random_expressions())
    def check(text):
        try:
            g = ad.parse(text, variables=["x", "y"])
        except ad.ParseError:
            return  # an undefined constant part, e.g. log(-2)
        at = {"x": 0.83, "y": 1.37}
        with np.errstate(all="ignore"):
            if not np.isfinite(g(**at)):
                return
            gradient = ad.grad(g, argnums=(0, 1))(0.83, 1.37)
        for table in (ad.forward_table(g, at=at), ad.reverse_table(g, at=at)):
            env = _names_values(table, table.mode)
            for row in table.rows:
                if row.kind == "seed" or not np.isfinite(row.value) or "where" in row.rhs:
                    continue  # where(w2 == 0, …) of x^y is not in the parser's language
                formula = ad.parse(row.rhs)
                with np.errstate(all="ignore"):
                    got = formula(**{n: env[n] for n in formula.inputs})
                assert got == pytest.approx(row.value, rel=1e-5, abs=1e-9), (text, row)
        reverse = ad.reverse_table(g, at=at).result
        np.testing.assert_equal([reverse["x"], reverse["y"]], list(gradient))

    check()
