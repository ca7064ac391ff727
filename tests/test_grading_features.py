"""Issue 15's grader features: rule-level diagnosis, separating points, KEY options, lenient
reading, the class report, the Gradescope bundle and per-student worksheets."""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import adkit as ad
from adkit.grading.batch import grade_batch, read_answers
from adkit.grading.key import load_key
from adkit.grading.report import coverage
from adkit.grading.single import Question

CLASS = Path(__file__).parent / "data" / "grading_class"


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "adkit", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


# -- rule-level diagnosis --------------------------------------------------------------------
@pytest.mark.parametrize("reference, answer, category, words", [
    ("x^3*sin(x)", "3x^2 cos x", "product", "Product rule in the derivative of x³ · sin x"),
    ("sin(x)/x^2", "(x^2 cos x + 2x sin x)/x^4", "quotient", "minus sign between"),
    ("sin(x)/x^2", "(2x sin x - x^2 cos x)/x^4", "quotient", "sign is swapped"),
    ("sin(x)/x^2", "(x^2 cos x - 2x sin x)/x^2", "quotient", "denominator is squared"),
    ("sin(x)/x^2", "cos(x)/(2x)", "quotient", "not u'/v'"),
    ("x^4 + x", "4x^4 + 1", "power", "not n·uⁿ"),
    ("x^4 + x", "x^3 + 1", "power", "factor n is missing"),
    ("sqrt(x^2 + 1)", "2x/sqrt(x^2 + 1)", "power", "1/2 is missing"),
    ("exp(3*x^2)", "exp(3x^2)", "chain", "Chain rule: the derivative of exp(3 · x²)"),
    ("sin(x^2)", "cos(x^2)", "chain", "its inside, x²"),
    ("cos(2*x) + x^4", "2sin(2x) + 4x^3", "trig_sign", "cos(2 · x)"),
    ("x*sin(x)", "sin(x) - x*cos(x)", "trig_sign", "(sin u)' = cos u"),
    ("log(x^2 + 1)", "log(x^2 + 1)", "function", "itself"),
    ("log(x^2 + 1)", "2x log(x^2 + 1)", "log", "(ln u)' = u'/u"),
    ("1/x + x^2", "log(x) + 2x", "log", "antiderivative"),
    ("sin(x^2) + x", "sin(x^2)*2x + 1", "outer", "outer function was kept"),
    ("x^2 + 3*x", "2x + 3 + 2", "offset", "constant 2"),
    ("x1*x2^2", "x2^2", "variable", "respect to x2"),
])
def test_classic_mistakes_get_the_rule_and_the_place(reference, answer, category, words):
    names = ["x1", "x2"] if "x1" in reference else None
    v = ad.grade(reference, answer, "x2" if category == "variable" else
                 ("x1" if names else "x"), domain={"x": (0.3, 3)} if "log(x)" in answer else None)
    assert (v.status, v.category) == ("incorrect", category), v
    assert words in v.feedback, v.feedback


def test_diagnosis_coverage_on_the_class_file():
    key = load_key(CLASS / "key.toml")
    rows, problems = read_answers(CLASS / "answers.csv")
    result = grade_batch(key, rows)
    named, wrong = coverage(result)
    assert problems == [] and wrong == 85
    assert named == 56  # the rest are answers with no classic mistake in them


def test_sample_points_spread_over_the_domain_and_separate_near_misses():
    q = Question("sin(x)", "x", domain={"x": (-3, 3)})
    x = np.sort(q.points["x"])
    assert x[0] < -2.4 and x[-1] > 2.4  # the ends of the domain are checked
    assert np.max(np.diff(x)) < 1.2
    # agrees with cos x to 1 % near 0 only: wrong
    assert ad.grade("sin(x)", "1 - x^2/2 + x^4/24", "x").status == "incorrect"
    assert ad.grade("exp(x)", "1.01*exp(x)", "x").category == "factor"


# -- KEY options -----------------------------------------------------------------------------
def test_partial_credit_tolerance_and_strict_reading_from_the_key(tmp_path):
    (tmp_path / "key.toml").write_text("""
[options]
partial_credit = { chain = 0.5 }

[[question]]
id = "q1"
function = "sin(x^2)"
wrt = "x"
points = 4

[[question]]
id = "q2"
function = "x^2"
wrt = "x"
tolerance = 0.01
reading = "strict"
""", encoding="utf-8")
    (tmp_path / "a.csv").write_text("student_id,question_id,answer\n"
                                    "s1,q1,cos(x^2)\ns1,q2,2.001*x\n"
                                    "s2,q1,2x cos(x^2)\ns2,q2,2x\n", encoding="utf-8")
    done = run("grade", "key.toml", "a.csv", "--feedback", "f.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == ["s1,2,1,3,5", "s2,4,0,4,5"]
    feedback = {(r[0], r[1]): r for r in csv.reader(open(tmp_path / "f.csv", encoding="utf-8"))}
    assert feedback[("s1", "q1")][3] == "incorrect" and "Partial credit: 0.5" in feedback[("s1", "q1")][7]
    assert feedback[("s2", "q2")][3] == "invalid"  # strict: 2x is not read


def test_the_grade_function_takes_the_same_options():
    assert ad.grade("x^2", "2.001*x", "x", tolerance=0.01).status == "correct"
    assert ad.grade("x^2", "2.001*x", "x").status == "incorrect"
    v = ad.grade("sin(x^2)", "cos(x^2)", "x", partial_credit={"chain": 0.25})
    assert (v.status, v.score) == ("incorrect", 0.25)
    assert ad.grade("x^2", "2x", "x", lenient=False).status == "invalid"


# -- lenient reading -------------------------------------------------------------------------
@pytest.mark.parametrize("reference, wrt, answer", [
    ("x^2", "x", "2x"), ("x^3", "x", "3x^2"), ("x^3", "x", "3x²"), ("sin(x)^2", "x", "2 sin x cos x"),
    ("cos(2*x)", "x", "-2 sin 2x"), ("x1*x2", "x1", "x_2"), ("x1*x2", "x1", "x₂"),
    ("sin(x)", "x", "COS(x)"), ("sin(x)", "x", "Cos x"), ("x^2*y", "x", "2·x×y"),
    ("x^2", "x", "2x − 0"), ("sqrt(x)", "x", "1/(2√x)"), ("x*y", "x", "y"), ("x^2*y", "x", "2xy"),
    ("log(x)*x", "x", "LN(x) + 1"), ("exp(2*x)", "x", "2e^(2x)"), ("x^2", "x", "2(x)"),
])
def test_lenient_reading_accepts_what_a_teacher_accepts(reference, wrt, answer):
    domain = {"x": (0.2, 3)} if "√" in answer or "LN" in answer else None
    v = ad.grade(reference, answer, wrt, domain=domain)
    assert v.status == "correct", v


@pytest.mark.parametrize("answer", ["__import__('os')", "2x; import os", "x.__class__", "2 3",
                                    "eval(x)", "sech(x)x", "x(", "1e999x"])
def test_lenient_reading_stays_an_allow_list(answer):
    assert ad.grade("x^2", answer, "x").status == "invalid"


@pytest.mark.parametrize("answer", ["2x z", "sinx + y", "x1 x3", "cosx1 + 2", "2 3", "x2 + cos(x1"])
def test_every_suggestion_printed_is_itself_valid(answer):
    v = ad.grade("x1*x2 + sin(x1)", answer, "x1", lenient=False)
    for lenient in (True, False):
        v = ad.grade("x1*x2 + sin(x1)", answer, "x1", lenient=lenient)
        if "did you mean" in v.feedback:
            suggestion = v.feedback.split("did you mean ")[1].split("?")[0]
            for option in suggestion.split(" or "):
                ad.parse(option, variables=["x1", "x2"])


@pytest.mark.parametrize("text", [
    "w̄5=1; w̄4=1; w̄3=1; w̄2=2; w̄1=w̄3*w2 + w̄4*cos(w1)",
    "wbar5=1, wbar4=1, wbar3=1, wbar2=2, wbar1=4.584",
    "w5bar = 1, w4bar = 1, w3bar = 1, w2bar = 2, w1bar = w3bar w2 + w4bar cos w1",
    "w̄₅=1; w̄₄=1; w̄₃=1; W̄2=2; w̄1=max(w̄3*w2, 0) + w̄4 cos(w1)",
    "wbar5=1\nwbar4=1\nwbar_3=1\nwbar2=2\nwbar1=5 + COS(2)",
])
def test_lenient_table_answers(text):
    m = ad.grade_table("x1*x2 + sin(x1)", text, at={"x1": 2.0, "x2": 5.0}, mode="reverse")
    assert (m.status, m.score) == ("correct", 1.0), str(m)


# -- reports ---------------------------------------------------------------------------------
@pytest.fixture
def class_dir(tmp_path):
    for name in ("key.toml", "answers.csv"):
        shutil.copy(CLASS / name, tmp_path / name)
    return tmp_path


def test_report_html_and_markdown(class_dir):
    done = run("grade", "key.toml", "answers.csv", "--report", "report.html", "-o", "g.csv",
               cwd=class_dir)
    assert done.returncode == 0, done.stderr
    page = (class_dir / "report.html").read_text(encoding="utf-8")
    assert page.count("<h2>") == 7 and "data:image/png;base64," in page
    assert "Wrong answers with a named mistake: 56 of 85." in page
    assert "<td>product rule</td><td class=\"n\">3</td>" in page
    done = run("grade", "key.toml", "answers.csv", "--report", "report.md", "-o", "g.csv",
               cwd=class_dir)
    assert done.returncode == 0, done.stderr
    text = (class_dir / "report.md").read_text(encoding="utf-8")
    assert "![Diagnosed mistakes per question](report-mistakes.png)" in text
    assert "| quotient rule | 10 |" in text
    assert (class_dir / "report-mistakes.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_feedback_csv_carries_the_answer(class_dir):
    run("grade", "key.toml", "answers.csv", "--feedback", "f.csv", "-o", "g.csv", cwd=class_dir)
    rows = list(csv.reader(open(class_dir / "f.csv", encoding="utf-8")))
    answers = {(r[0], r[1]): r[2] for r in rows[1:]}
    source = {(r[0], r[1]): r[2] for r in csv.reader(open(class_dir / "answers.csv", encoding="utf-8"))}
    for pair, text in source.items():
        if pair[0] != "student_id":
            assert answers[pair].lstrip("'") == text


# -- Gradescope ------------------------------------------------------------------------------
def test_gradescope_bundle_runs_on_a_fake_submission(class_dir):
    done = run("grade", "key.toml", "--gradescope-bundle", "bundle", cwd=class_dir)
    assert done.returncode == 0, done.stderr
    bundle = class_dir / "bundle"
    for name in ("setup.sh", "run_autograder", "key.toml", "autograder.zip", "adkit/__init__.py"):
        assert (bundle / name).exists(), name
    assert os.access(bundle / "run_autograder", os.X_OK)
    import zipfile
    names = zipfile.ZipFile(bundle / "autograder.zip").namelist()
    assert {"setup.sh", "run_autograder", "key.toml", "adkit/grading/batch.py"} <= set(names)
    root = class_dir / "autograder"
    shutil.copytree(bundle, root / "source")
    (root / "submission").mkdir()
    (root / "submission" / "answers.csv").write_text(
        "student_id,question_id,answer\nme,q1,3x^2 sin x + x^3 cos x\nme,q4,1/(x^2+1)\n",
        encoding="utf-8")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "ADKIT_PYTHON": sys.executable,
           "PYTHONPATH": ""}
    subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, check=True,
                   timeout=120, capture_output=True, cwd="/")
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    scores = {t["name"]: t["score"] for t in results["tests"]}
    assert scores["q1"] == 1.0 and scores["q4"] == 0.5 and results["score"] == 1.5
    # a broken submission still gets a results.json with the reason
    (root / "submission" / "answers.csv").write_text("no header here\n", encoding="utf-8")
    subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, check=True,
                   timeout=120, capture_output=True, cwd="/")
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == 0 and "header" in results["output"]


# -- worksheets ------------------------------------------------------------------------------
TEMPLATE = """\
[[question]]
id = "q1"
function = "{a}*x^{n} + sin({b}*x)"
wrt = "x"
random = { a = [2, 9], n = [2, 4], b = { choices = [1, 2, 3] } }

[[question]]
id = "q2"
function = "log(x - {c})"
wrt = "x"
domain = { x = [0, 3] }
random = { c = [-2.0, 2.5] }

[[question]]
id = "t1"
type = "table"
function = "x1*x2 + sin({c}*x1)"
at = { x1 = "{p}", x2 = 5 }
mode = "forward"
random = { c = [1, 3], p = [0.5, 2.5] }
"""


@pytest.fixture
def sheets(tmp_path):
    (tmp_path / "template.toml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "roster.csv").write_text("student_id,name\ns1,Ana\ns2,Bo\ns3,Cy\n",
                                         encoding="utf-8")
    return tmp_path


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_worksheets_are_byte_identical_for_one_seed_and_differ_per_student(sheets):
    for out, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        done = run("worksheet", "template.toml", "--students", "roster.csv", "--seed", seed,
                   "-o", out, cwd=sheets)
        assert done.returncode == 0, done.stderr
    a, b, c = _files(sheets / "a"), _files(sheets / "b"), _files(sheets / "c")
    assert a == b and a != c
    assert sorted(a) == ["key.toml"] + sorted(f"s{k}.{e}" for k in (1, 2, 3)
                                              for e in ("html", "md", "tex"))
    assert a["s1.md"] != a["s2.md"]
    assert b"| w2 = x2 | \xe1\xba\x872 = | |" in a["s1.md"]  # blank derivative column
    assert b"\\begin{tabular}" in a["s1.tex"] and b"<table>" in a["s1.html"]


def test_a_student_added_to_the_roster_changes_no_one_elses_sheet(sheets):
    run("worksheet", "template.toml", "--students", "roster.csv", "--seed", "7", "-o", "a",
        cwd=sheets)
    (sheets / "roster.csv").write_text("student_id,name\ns0,Zed\ns1,Ana\ns2,Bo\ns3,Cy\n",
                                       encoding="utf-8")
    run("worksheet", "template.toml", "--students", "roster.csv", "--seed", "7", "-o", "b",
        cwd=sheets)
    for k in (1, 2, 3):
        assert (sheets / "a" / f"s{k}.tex").read_bytes() == (sheets / "b" / f"s{k}.tex").read_bytes()


def test_every_variant_is_well_defined_and_its_key_grades_it(sheets):
    run("worksheet", "template.toml", "--students", "roster.csv", "--seed", "11", "-o", "out",
        cwd=sheets)
    key = load_key(sheets / "out" / "key.toml")
    assert len(key.variants) == 9 and [q.id for q in key.questions] == ["q1", "q2", "t1"]
    lines = ["student_id,question_id,answer"]
    for q in key.variants:
        if q.type == "derivative":
            # the right answer, written as sympy prints the derivative
            g = q.grader.graph
            import sympy as sp
            f = g.to_sympy()
            expr = sp.diff(f, next(s for s in f.free_symbols if s.name == q.grader.wrt))
            lines.append(f'{q.student},{q.id},"{expr}"')
        else:
            entries = "; ".join(f"{q.grader.names[i]}={q.grader.true[i]!r}" for i in q.grader.order)
            lines.append(f'{q.student},{q.id},"{entries}"')
    (sheets / "answers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run("grade", "out/key.toml", "answers.csv", cwd=sheets)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == [f"s{k},1,1,1,3,3" for k in (1, 2, 3)]


@pytest.mark.parametrize("roster, words", [
    ("name\nAna\n", "student_id"), ("student_id\ns1\ns1\n", "listed twice"),
    ("student_id\n\n", "no students"), ("", "empty"),
])
def test_bad_rosters_are_one_line(sheets, roster, words):
    (sheets / "bad.csv").write_text(roster, encoding="utf-8")
    done = run("worksheet", "template.toml", "--students", "bad.csv", "--seed", "1", "-o", "o",
               cwd=sheets)
    assert done.returncode == 2 and words in done.stderr and len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize("change, words", [
    (('{ a = [2, 9], n = [2, 4], b = { choices = [1, 2, 3] } }', '{ a = [9, 2] }'), "random part"),
    (('"{a}*x^{n}', '"{zz}*x^{n}'), "not a random part"),
    (('log(x - {c})', 'log(-x^2 - 1 + 0*{c})'), "no well-defined variant"),
])
def test_bad_templates_are_one_line(sheets, change, words):
    (sheets / "bad.toml").write_text(TEMPLATE.replace(*change), encoding="utf-8")
    done = run("worksheet", "bad.toml", "--students", "roster.csv", "--seed", "1", "-o", "o",
               cwd=sheets)
    assert done.returncode == 2 and words in done.stderr, done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_a_plain_key_is_a_template(sheets, tmp_path):
    shutil.copy(CLASS / "key.toml", sheets / "plain.toml")
    done = run("worksheet", "plain.toml", "--students", "roster.csv", "--seed", "1", "-o", "o",
               cwd=sheets)
    assert done.returncode == 0, done.stderr
    key = load_key(sheets / "o" / "key.toml")
    assert len(key.variants) == 3 * 7


def test_worksheets_never_overwrite_the_template_or_the_roster(sheets):
    shutil.copy(sheets / "template.toml", sheets / "key.toml")
    before = (sheets / "key.toml").read_bytes()
    done = run("worksheet", "key.toml", "--students", "roster.csv", "--seed", "1", "-o", ".",
               cwd=sheets)
    assert done.returncode == 2 and "same file" in done.stderr
    assert (sheets / "key.toml").read_bytes() == before
    assert not (sheets / "s1.md").exists()  # nothing written


def test_the_bundle_refuses_a_folder_that_is_not_a_bundle(class_dir):
    (class_dir / "notes").mkdir()
    (class_dir / "notes" / "mine.txt").write_text("keep me", encoding="utf-8")
    for target in ("notes", "."):
        done = run("grade", "key.toml", "--gradescope-bundle", target, cwd=class_dir)
        assert done.returncode == 2 and "not empty" in done.stderr
    assert (class_dir / "notes" / "mine.txt").read_text(encoding="utf-8") == "keep me"
    assert run("grade", "key.toml", "--gradescope-bundle", "b", cwd=class_dir).returncode == 0
    assert run("grade", "key.toml", "--gradescope-bundle", "b", cwd=class_dir).returncode == 0


# -- the mutated rules agree with sympy's version of each classic mistake --------------------
_PARTS = ["sin(x)", "exp(x)", "x^2 + 1", "log(x)", "cos(x)", "sqrt(x)", "x^3"]


def _sympy_text(expr):
    return str(expr).replace("**", "^")


@pytest.mark.parametrize("u", _PARTS)
@pytest.mark.parametrize("v", ["tan(x)", "x^2 + 3", "exp(2*x)"])
def test_product_and_quotient_mistakes_match_sympy(u, v):
    import sympy as sp
    x = sp.Symbol("x", positive=True)
    su, sv = sp.sympify(u.replace("^", "**"), locals={"x": x}), sp.sympify(v.replace("^", "**"),
                                                                             locals={"x": x})
    du, dv = sp.diff(su, x), sp.diff(sv, x)
    domain = {"x": (0.2, 1.4)}
    cases = [(f"({u})*({v})", du * dv, "product"),
             (f"({u})/({v})", (du * sv + su * dv) / sv ** 2, "quotient"),
             (f"({u})/({v})", (du * sv - su * dv) / sv, "quotient"),
             (f"({u})/({v})", du / dv, "quotient")]
    if (u, v) == ("exp(x)", "exp(2*x)"):
        cases = cases[1:]  # u'·v' = 2e³ˣ is also exp(2x)'s chain factor left out: both are right
    for reference, wrong, category in cases:
        v_ = ad.grade(reference, _sympy_text(wrong), "x", domain=domain)
        assert v_.category == category, (reference, wrong, v_)


@pytest.mark.parametrize("outer", ["sin", "cos", "exp", "log", "sqrt", "tanh"])
@pytest.mark.parametrize("inner", ["x^2 + 1", "3*x", "sin(x) + 2"])
def test_a_missing_chain_factor_is_named_for_every_outer_function(outer, inner):
    import sympy as sp
    x, t = sp.Symbol("x", positive=True), sp.Symbol("t", positive=True)
    f = getattr(sp, outer)(t)
    wrong = sp.diff(f, t).subs(t, sp.sympify(inner.replace("^", "**"), locals={"x": x}))
    v = ad.grade(f"{outer}({inner})", _sympy_text(wrong), "x", domain={"x": (0.2, 1.4)})
    assert v.category == "chain" and "Chain rule" in v.feedback, v


@pytest.mark.parametrize("n", [2, 3, 4, 5, -1, -2, 0.5])
def test_power_rule_mistakes_for_every_exponent(n):
    v = ad.grade(f"x^{n} + x", f"{n}*x^{n} + 1", "x", domain={"x": (0.2, 3)})
    assert v.category == "power", v
    v = ad.grade(f"x^{n} + x", f"x^({n} - 1) + 1", "x", domain={"x": (0.2, 3)})
    assert v.category == "power", v


# -- lenient reading never changes what a strictly valid answer means ------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(c=st.integers(2, 9), n=st.integers(2, 5), f=st.sampled_from(["sin", "cos", "exp", "log"]),
       case=st.sampled_from([str.lower, str.upper, str.title]), space=st.sampled_from(["", " "]))
def test_implicit_products_read_as_the_explicit_ones(c, n, f, case, space):
    explicit = f"{c}*x^{n} + {c}*{f}(x) + x*{f}(x)"
    implicit = f"{c}x^{n} + {c}{space}{case(f)}(x) + x {case(f)} x"
    points = {"x": np.array([0.3, 0.9, 1.7, 2.6])}
    from adkit.grading.numeric import output_of, replay
    from adkit.grading.reading import read_expression
    strict, problem = read_expression(explicit, ["x"], lenient=False)
    lenient, problem2 = read_expression(implicit, ["x"], lenient=True)
    assert problem is None and problem2 is None, (implicit, problem2)
    a = output_of(strict, replay(strict, points), 4)
    b = output_of(lenient, replay(lenient, points), 4)
    assert np.allclose(a, b, rtol=1e-12), (explicit, implicit)


def test_a_worksheet_key_lists_the_class_and_works_in_the_gradescope_bundle(sheets):
    run("worksheet", "template.toml", "--students", "roster.csv", "--seed", "5", "-o", "out",
        cwd=sheets)
    (sheets / "a.csv").write_text("student_id,question_id,answer\ns2,q1,0\n", encoding="utf-8")
    done = run("grade", "out/key.toml", "a.csv", cwd=sheets)
    assert [r.split(",")[0] for r in done.stdout.splitlines()[1:]] == ["s1", "s2", "s3"]
    done = run("grade", "out/key.toml", "a.csv", "--gradescope", "r.json", cwd=sheets)
    assert done.returncode == 0, done.stderr
    assert json.loads((sheets / "r.json").read_text(encoding="utf-8"))["tests"][0]["status"] == "failed"


def test_worksheets_report_progress_per_student_drawn_then_written(sheets):
    from adkit.grading.worksheet import write_worksheets
    calls = []
    write_worksheets(str(sheets / "template.toml"), str(sheets / "roster.csv"), 7,
                     str(sheets / "out"), progress=lambda done, total: calls.append((done, total)))
    assert calls == [(k, 6) for k in range(1, 7)]
