"""Tables beyond the lecture example (issue 10) and the one printing kit (issue 8): names that
never collide, vector seeds, the zero-tangent rule, kinks, slide-clean formulas, exact and
substituted numbers, 80 columns, LaTeX that fits a Beamer frame, HTML pages, one CSV, --step."""
import csv
import io
import inspect
import math
import shutil
import subprocess
import sys

import numpy as np
import pytest

import adkit as ad
from adkit.core import ADError
from adkit.tables.formats import display_width

LECTURE = "x1*x2 + sin(x1)"
POINT = {"x1": 2.0, "x2": 5.0}


def adkit(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "adkit", *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


def rhs(table):
    return [f"{row.lhs} {row.op} {row.rhs}" for row in table.rows]


# --- names that never collide ---------------------------------------------------------------

DECK_004_REVERSE = """\
Reverse accumulation of z = w2 · x + w1 at w2 = 3, x = 2, w1 = 1
Forward pass: v1 = 3, v2 = 2, v3 = 1, v4 = 6, v5 = 7

Operations to compute value  Operations to compute derivative  derivative
---------------------------  --------------------------------  ----------
z = v5                       v̄5 = 1 (seed)                              1
v5 = v4 + v3                 v̄4 = v̄5                                    1
v5 = v4 + v3                 v̄3 = v̄5                                    1
v4 = v1 · v2                 v̄2 = v̄4 · v1                               3
v4 = v1 · v2                 v̄1 = v̄4 · v2                               2

∂z/∂w2 = v̄1 = 2
∂z/∂x = v̄2 = 3
∂z/∂w1 = v̄3 = 1
"""


def test_inputs_named_like_nodes_switch_the_node_letter_everywhere():
    done = adkit("trace", "w2*x + w1", "--at", "w1=1", "w2=3", "x=2", "--mode", "reverse")
    assert done.returncode == 0, done.stderr
    assert done.stdout == DECK_004_REVERSE
    graph = ad.parse("w2*x + w1")
    from adkit.draw import node_labels
    assert node_labels(graph) == ["$v_1 = w_2$", "$v_2 = x$", "$v_3 = w_1$",
                                  "$v_4 = v_1 \\cdot v_2$", "$v_5 = v_4 + v_3$"]
    assert str(graph).splitlines()[0] == "v1 = w2"
    assert 'label="v4 = v1 · v2"' in graph.to_dot()
    griewank = ad.forward_table("v1*x", at={"v1": 2.0, "x": 3.0}, style="griewank")
    assert griewank.rows[2].equation == "w₁ = w₋₁ · w₀"


def test_the_grader_refuses_inputs_named_like_its_rows():
    with pytest.raises(ADError, match=r"the inputs w2, w1 read like the table's node names w1, "
                                      r"w2, …; rename them \(e\.g\. w2 -> a2\)"):
        ad.grade_table("w2*x + w1", {"ẇ1": 1}, at={"w1": 1.0, "w2": 3.0, "x": 2.0})


def test_node_letter_refuses_when_every_letter_is_taken():
    from adkit.printing import NODE_LETTERS, node_letter
    assert node_letter(["x", "w_a", "wx"]) == "w" and node_letter(["w", "b"]) == "v"
    with pytest.raises(ADError, match="rename an input"):
        node_letter([f"{letter}1" for letter in NODE_LETTERS])


# --- the one printing kit -------------------------------------------------------------------

def test_one_latex_name_one_dot_writer_and_no_primitive_known_by_name():
    import importlib
    draw = importlib.import_module("adkit.draw")
    from adkit import printing
    from adkit.tables import names
    assert draw.latex_name is printing.latex_name and names.latex_name is printing.latex_name
    assert printing.latex_name("theta1") == "\\theta_1"  # drawings used to print theta_{1}
    from adkit.draw import node_labels
    assert node_labels(ad.parse("theta1*x"))[0] == "$w_1 = \\theta_1$"
    graph = ad.parse("(x + y)*z")
    assert graph.to_dot() == printing.graph_to_dot(graph)
    assert "digraph" not in inspect.getsource(draw)  # draw's DOT goes through printing's writer
    source = inspect.getsource(printing)
    for name in ('"sub"', '"div"', '"matmul"', '"sqrt"'):
        assert name not in source


def test_a_registered_primitive_prints_by_its_notation_fields():
    from adkit.core import MUL_PREC, Notation, Primitive
    backslash = Primitive("bslash", lambda x, y: y / x, partials=lambda out, x, y: (-out / x, 1 / x),
                          nargs=2, notation=Notation("infix", "\\", "\\backslash", MUL_PREC,
                                                     right_paren=True))
    with ad.registered(backslash):
        g = ad.trace(lambda a, b, c: backslash(a, backslash(b, c)), 1.0, 2.0, 3.0)
    assert str(g).splitlines()[-2] == "w5 = w1 \\ w4"
    from adkit.printing import inline_expressions
    assert inline_expressions(g)[-1] == "a \\ (b \\ c)"


def test_linear_is_a_notation_field():
    linear = sorted(p.name for p in (ad.primitives.add, ad.primitives.sub, ad.primitives.mul,
                                     ad.primitives.neg, ad.primitives.sin, ad.primitives.div)
                    if p.notation.linear)
    assert linear == ["add", "mul", "neg", "sub"]


# --- vector outputs need a cotangent ----------------------------------------------------------

def test_reverse_table_of_a_vector_output_needs_a_seed():
    v = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ADError, match=r"needs its cotangent: seed=\[1, 0, 0\] \(--seed z=1,0,0\)"):
        ad.reverse_table("v*v", at={"v": v})
    t = ad.reverse_table("v*v", at={"v": v}, seed=[0.0, 1.0, 0.0])
    expected = ad.vjp(lambda v: v * v, v)[1](np.array([0.0, 1.0, 0.0]))[0]
    np.testing.assert_array_equal(t.result["v"], expected)
    assert t.title.endswith("seed z̄ = ⟨3⟩ [0, 1, 0]")
    assert t.to_text().endswith("v̄ = w̄1 = ⟨3⟩ [0, 4, 0]")  # not ∂z/∂v: it is one row of J
    with pytest.raises(ADError, match=r"the seed has shape \(2,\) but the output z has shape"):
        ad.reverse_table("v*v", at={"v": v}, seed=[1.0, 0.0])
    done = adkit("trace", "v*v", "--at", "v=1,2,3", "--seed", "z=0,1,0", "--mode", "reverse")
    assert done.returncode == 0 and "v̄ = w̄1 = ⟨3⟩ [0, 4, 0]" in done.stdout
    done = adkit("trace", "v*v", "--at", "v=1,2,3")
    assert done.returncode == 2 and "--seed z=1,0,0" in done.stderr
    assert "Traceback" not in done.stderr


def test_forward_table_of_an_array_input_is_a_directional_derivative():
    t = ad.forward_table(lambda v: ad.sum(v * v), at={"v": np.array([1.0, 2.0])})
    assert t.title.endswith("along the seed direction")
    assert t.to_text().endswith("ż = ẇ3 = 6")


# --- the zero-tangent rule and the conventions ------------------------------------------------

@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(-1), 0 ** -0.5: numpy says so
def test_forward_table_uses_the_zero_tangent_rule_of_jvp():
    t = ad.forward_table("x^y", at={"x": -2.0, "y": 2.0})
    assert t.result == ad.jvp(lambda x, y: x ** y, (-2.0, 2.0), (1.0, 0.0))[1] == -4.0
    assert t.result == ad.reverse_table("x^y", at={"x": -2.0, "y": 2.0}).result["x"]
    t = ad.forward_table("x^y", at={"x": 0.0, "y": 0.5}, seed="y")
    assert t.result == ad.jvp(lambda x, y: x ** y, (0.0, 0.5), (0.0, 1.0))[1] == 0.0


@pytest.mark.parametrize("f, x, expected", [
    (lambda x: x ** ad.relu(x), -2.0, 0.0),
    (lambda x: x ** (x * 0 + 2.0), -1.5, -3.0),
    (lambda x: ad.sqrt(ad.relu(x)), -1.0, 0.0),
])
def test_a_zero_factor_contributes_zero_in_both_modes_and_the_tables(f, x, expected):
    with np.errstate(all="ignore"):
        assert ad.grad(f)(x) == expected and ad.derivative(f)(x) == expected
        assert ad.forward_table(f, at={"x": x}).result == expected
        assert ad.reverse_table(f, at={"x": x}).result["x"] == expected
        xs = np.array([x, 4.0])
        assert ad.grad(lambda v: ad.sum(f(v)))(xs)[0] == expected
    assert math.isinf(ad.grad(ad.sqrt)(0.0))  # a partial that is infinite on its own stays so


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(-1), 0 ** -0.5: numpy says so
def test_log_below_zero_has_the_documented_nan_derivative():
    assert math.isnan(ad.grad(ad.log)(-1.0)) and math.isnan(ad.derivative(ad.log)(-1.0))
    assert ad.grad(ad.log)(2.0) == 0.5
    both = ad.grad(lambda x: ad.sum(ad.log(x)))(np.array([-1.0, 2.0]))
    assert math.isnan(both[0]) and both[1] == 0.5
    assert "below 0 both are ``nan``" in ad.primitives.__doc__


def test_check_knows_the_kink_conventions():
    report = ad.check("relu(x)", at={"x": 0.0})
    assert report.ok and report.points[0].kink == "relu at its kink"
    assert "at x = 0: kink: convention (relu at its kink" in str(report)
    done = adkit("check", "relu(x)", "--at", "x=0")
    assert done.returncode == 0 and "kink: convention" in done.stdout
    assert "MISMATCH" not in done.stdout
    assert ad.check("relu(x)", at={"x": 1.0}).points[0].kink is None
    from adkit.symbolic import kinks
    assert kinks(ad.parse("max(x, y)"), [1.0, 1.0]) == "maximum at its kink"
    assert kinks(ad.parse("sin(x)*x"), [0.0]) is None


# --- formulas a lecturer would put on a slide -------------------------------------------------

@pytest.mark.parametrize("expression, at, expected", [
    ("x^y", {"x": 2.0, "y": 3.0}, "ẇ3 = w2 · w1^(w2 - 1) · ẇ1 + w3 · ln w1 · ẇ2"),
    ("2^x", {"x": 2.0}, "ẇ2 = w2 · ln 2 · ẇ1"),
    ("relu(x)", {"x": 2.0}, "ẇ2 = [w1 > 0] · ẇ1"),
    ("abs(x)", {"x": 2.0}, "ẇ2 = sign w1 · ẇ1"),
    ("max(x, y)", {"x": 2.0, "y": 3.0}, "ẇ3 = [w1 > w2] · ẇ1 + [w1 < w2] · ẇ2"),
    ("sqrt(x)", {"x": 2.0}, "ẇ2 = ẇ1 / (2 · w2)"),
    ("x/3", {"x": 2.0}, "ẇ2 = ẇ1 / 3"),
    ("log(x)", {"x": 2.0}, "ẇ2 = ẇ1 / w1"),
])
def test_partials_print_as_on_a_slide(expression, at, expected):
    assert rhs(ad.forward_table(expression, at=at))[-1] == expected


def test_ambiguous_juxtapositions_get_parentheses():
    title = ad.forward_table("relu(x)*min(x, y)", at={"x": 1.0, "y": 2.0}).title
    assert "z = relu(x) · min(x, y) at" in title
    assert "z = |x| · y at" in ad.forward_table("abs(x)*y", at={"x": 1.0, "y": 2.0}).title
    assert "z = (exp x) / x at" in ad.forward_table("exp(x)/x", at={"x": 1.0}).title
    assert "z = cos x · y at" in ad.forward_table("cos(x)*y", at={"x": 1.0, "y": 2.0}).title
    assert ad.parse("exp(x)/x").to_sympy() == ad.parse("(exp x) / x").to_sympy()


def test_array_formulas_have_no_shape_plumbing():
    t = ad.reverse_table(lambda x: ad.mean(x * x), at={"x": np.arange(3.0)})
    assert [r.rhs for r in t.rows][1] == "w̄3 / 3"
    assert "broadcast_to" not in t.to_text() and "reshape" not in t.to_text()


# --- exact and substituted numbers ------------------------------------------------------------

def test_exact_numbers_in_value_and_derivative_columns():
    t = ad.forward_table("2^x + x/3", at={"x": 1.0}, exact=True)
    lines = t.to_text().splitlines()
    assert lines[-3:] == ["w4 = w2 + w3                   7/3  ẇ4 = ẇ2 + ẇ3                      1/3 + ln 4",
                          "", "∂z/∂x = ẇ4 = 1/3 + ln 4"]
    assert "$\\frac{1}{3}$" in t.to_latex()
    r = ad.reverse_table(LECTURE, at=POINT, exact=True)
    assert r.to_text().splitlines()[-4].endswith("w̄1 = w̄3 · w2 + w̄4 · cos w1         cos 2 + 5")
    assert r.result["x1"] == pytest.approx(5 + math.cos(2.0))  # .result stays the engine's float
    baydin = ad.forward_table("ln(x1) + x1*x2 - sin(x2)", at=POINT, exact=True)
    assert [row.exact[0] for row in baydin.rows][2].__str__() == "log(2)"
    from adkit.tables.exact import exact_text
    assert exact_text(baydin.rows[-1].exact[0]) == "ln 2 - sin 5 + 10"
    with pytest.raises(ADError, match="exact numbers are for tables of scalars"):
        ad.forward_table("v*v", at={"v": np.ones(2)}, exact=True)


def test_exact_numbers_never_contradict_the_engine_at_a_kink():
    t = ad.forward_table("relu(x)", at={"x": 0.0}, exact=True)
    assert t.rows[-1].exact[1] is None  # sympy's Heaviside(0) = 1/2 is not adkit's 0
    assert t.to_text().endswith("∂z/∂x = ẇ2 = 0")


def test_substituted_numbers_forward_and_one_row_per_edge_in_reverse():
    t = ad.forward_table(LECTURE, at=POINT, substitute=True)
    assert "ẇ3 = w2 · ẇ1 + w1 · ẇ2 = 5 · 1 + 2 · 0 = 5" in t.to_text()
    assert "ẇ5 = ẇ3 + ẇ4 = 5 + (-0.416147) = 4.58385" in t.to_text()
    r = ad.reverse_table(LECTURE, at=POINT, substitute=True)
    assert [row.derivative for row in r.rows] == [
        "w̄5 = 1 (seed)", "w̄3 += w̄5", "w̄4 += w̄5", "w̄1 += w̄4 · cos w1", "w̄1 += w̄3 · w2",
        "w̄2 += w̄3 · w1"]
    assert "w̄1 += w̄3 · w2 = 1 · 5 = 5" in r.to_text()
    assert sum(row.value for row in r.rows if row.lhs == "w̄1") == r.result["x1"]
    assert r"\bar{w}_1 \mathrel{+}= \bar{w}_3 \cdot w_2 = 1 \cdot 5 = 5" in r.to_latex()
    done = adkit("trace", "x1*x2", "--at", "x1=2", "x2=5", "--substitute", "--mode", "forward")
    assert "ẇ3 = w2 · ẇ1 + w1 · ẇ2 = 5 · 1 + 2 · 0 = 5" in done.stdout


# --- output a lecturer uses directly -----------------------------------------------------------

def test_text_fits_80_columns_and_width_is_adjustable():
    for table in (ad.forward_table(LECTURE, at=POINT), ad.reverse_table(LECTURE, at=POINT)):
        assert max(display_width(line) for line in table.to_text().splitlines()) <= 80
    long = ad.reverse_table("x^y*relu(x)*min(x,y)*exp(x)", at={"x": 2.0, "y": 3.0})
    assert max(display_width(line) for line in long.to_text().splitlines()) <= 80
    assert max(display_width(line) for line in long.to_text(width=60).splitlines()) <= 60
    assert max(display_width(line) for line in long.to_text(width=None).splitlines()) > 80
    done = adkit("trace", "--width", "0")
    assert max(display_width(line) for line in done.stdout.splitlines()) == 83


BEAMER = r"""\documentclass{beamer}
\usepackage{booktabs}
\begin{document}
%s
\end{document}
"""


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_latex_tables_fit_a_beamer_frame(tmp_path):
    tables = [ad.forward_table(LECTURE, at=POINT).to_latex(caption="Forward mode", result=True),
              ad.reverse_table(LECTURE, at=POINT).to_latex(result=True),
              ad.reverse_table("log(x1) + x1*x2 - sin(x2)", at=POINT, style="griewank").to_latex(),
              ad.forward_table(LECTURE, at=POINT, substitute=True).to_latex(),
              ad.reverse_table("x^y*relu(x)*min(x,y)*exp(x)", at={"x": 2.0, "y": 3.0}).to_latex()]
    frames = "\n".join(f"\\begin{{frame}}{{T}}\n\\scriptsize\n{t}\n\\end{{frame}}" for t in tables)
    (tmp_path / "t.tex").write_text(BEAMER % frames)
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "t.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    log = (tmp_path / "t.log").read_text(errors="replace")
    assert done.returncode == 0, log[-2000:]
    assert "Overfull \\hbox" not in log
    assert (tmp_path / "t.pdf").stat().st_size > 1000


def test_html_document_and_fragment(tmp_path):
    t = ad.reverse_table(LECTURE, at=POINT)
    assert t.to_html().startswith('<table class="adkit-table adkit-reverse">')
    page = t.to_html(document=True)
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "<style>" in page and page.rstrip().endswith("</html>")
    out = tmp_path / "lecture.html"
    done = adkit("trace", "--format", "html", "-o", str(out))
    assert done.returncode == 0 and done.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in text and text.count("<table") == 2
    assert not list(tmp_path.glob(".adkit-*"))  # the temporary file was renamed


def test_csv_of_both_modes_is_one_table():
    done = adkit("trace", "--format", "csv")
    assert done.returncode == 0
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert done.stdout.count("mode,node") == 1
    assert [r["mode"] for r in rows] == ["forward"] * 5 + ["reverse"] * 5
    assert float(rows[-1]["value"]) == ad.grad(lambda a, b: a * b + ad.sin(a))(2.0, 5.0)


def test_step_prompt_back_quit_and_ctrl_d():
    from adkit.commands.trace import STEP_PROMPT, reveal
    t = ad.forward_table(LECTURE, at=POINT)
    answers = iter(["", "", "b", "", "q"])
    prompts = []

    def read(prompt):
        prompts.append(prompt)
        return next(answers)

    out = io.StringIO()
    reveal(t, True, 80, out, read)
    text = out.getvalue()
    assert prompts == [STEP_PROMPT] * 5
    assert text.count("w1 = x1") == 1 and text.count("w2 = x2") == 2  # shown, taken back, shown
    assert "w3 = w1" not in text and "∂z/∂x1" not in text  # q stopped before the end

    def eof(prompt):
        raise EOFError

    out = io.StringIO()
    reveal(t, True, 80, out, eof)
    assert "w1 = x1" not in out.getvalue()
    out = io.StringIO()
    reveal(t, True, 80, out, lambda prompt: "")
    assert out.getvalue().rstrip().endswith("∂z/∂x1 = ẇ5 = 4.58385")


def test_pipe_into_head_ends_quietly():
    done = subprocess.run(f"{sys.executable} -m adkit trace | head -2", shell=True,
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("Forward accumulation") and done.stderr == ""


def test_expression_starting_with_minus_and_warning_for_an_unused_point():
    done = adkit("trace", "-x*y", "--at", "x=1", "y=2", "--mode", "forward")
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("∂z/∂x = ẇ4 = -2")
    done = adkit("trace", "x*y", "--at", "x=1", "y=2", "q=3", "--mode", "forward")
    assert done.returncode == 0
    assert done.stderr == ("adkit trace: warning: q is not in the expression; its row shows a "
                           "derivative of 0 (misspelt?)\n")
    done = adkit("check", "-x^2", "--at", "x=1")
    assert done.returncode == 0, done.stderr


def test_exact_numbers_run_under_a_time_limit(monkeypatch):
    import adkit.tables as tables
    monkeypatch.setattr(tables, "EXACT_SECONDS", 0.0001)  # sympy's cache can make it quick
    with pytest.raises(ADError, match="took longer than 0.0001 s to compute the exact numbers"):
        ad.reverse_table("x^x^x^x^x^x^x*sin(x^x^x^x)", at={"x": 1.3}, exact=True)
