"""Issue 15's "must not happen again" list, one regression test (or more) per defect.

1 outputs over inputs, 2 atomic writes, 3 the oracle leak and the sqrt(-(...)²) cheat,
4 non-finite / huge table values and linear-time tables, 5 tracebacks instead of exit 2,
6 silent encoding corruption and runaway quotes, 7 spreadsheet formula injection.
"""
import csv
import doctest
import importlib
import io
import os
import re
import subprocess
import sys
import threading
import tracemalloc
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import adkit as ad
from adkit.cli import main
from adkit.grading.batch import read_answers
from adkit.grading.files import safe_cell, write_atomic
from adkit.grading.single import Question
from adkit.grading.table import TableQuestion, row_key

KEY = """\
[[question]]
id = "q1"
function = "x1*x2 + sin(x1)"
wrt = "x1"
points = 2

[[question]]
id = "t1"
type = "table"
function = "x1*x2 + sin(x1)"
at = { x1 = 2, x2 = 5 }
mode = "reverse"
"""

ANSWERS = "student_id,question_id,answer\nalice,q1,x2 + cos(x1)\nbob,q1,x2\n"


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "adkit", "grade", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def course(tmp_path):
    (tmp_path / "key.toml").write_text(KEY, encoding="utf-8")
    (tmp_path / "answers.csv").write_text(ANSWERS, encoding="utf-8")
    return tmp_path


def one_line_error(done):
    lines = done.stderr.strip().splitlines()
    return done.returncode == 2 and len(lines) == 1 and "Traceback" not in done.stderr


# -- 1. the input is overwritten -------------------------------------------------------------
@pytest.mark.parametrize("options", [
    ["-o", "answers.csv"], ["--feedback", "answers.csv"], ["-o", "key.toml"],
    ["--gradescope", "key.toml"], ["-o", "link.csv"], ["-o", "hard.csv"],
    ["-o", "same.csv", "--feedback", "same.csv"], ["-o", "./answers.csv"],
    ["--report", "r.md", "-o", "r.md"], ["--report", "r.md", "-o", "r-mistakes.png"],
])
def test_no_output_may_be_an_input_or_another_output(course, options):
    os.symlink(course / "answers.csv", course / "link.csv")
    os.link(course / "answers.csv", course / "hard.csv")
    before = {p.name: p.read_bytes() for p in course.iterdir()}
    done = run("key.toml", "answers.csv", *options, cwd=course)
    assert one_line_error(done), done.stderr
    assert "same file" in done.stderr
    assert {p.name: p.read_bytes() for p in course.iterdir()} == before


# -- 2. not atomic ---------------------------------------------------------------------------
def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "grades.csv"
    target.write_text("old complete file\n", encoding="utf-8")

    def half_then_interrupt(stream):
        stream.write("student_id,q1\nalice,")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, half_then_interrupt)
    assert target.read_text(encoding="utf-8") == "old complete file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


def test_a_sigint_during_a_run_never_leaves_a_truncated_output(course):
    big = ["student_id,question_id,answer"] + [f"s{k},q1,x2 + cos(x1) + {k}" for k in range(3000)]
    (course / "big.csv").write_text("\n".join(big) + "\n", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "adkit", "grade", "key.toml", "big.csv",
                                "-o", "grades.csv"], cwd=course, stderr=subprocess.PIPE)
    threading.Timer(1.5, process.send_signal, args=(2,)).start()
    process.communicate(timeout=120)
    target = course / "grades.csv"
    if target.exists():  # finished before the signal: then it is complete
        assert len(target.read_text(encoding="utf-8").splitlines()) == 3001
    assert not [p for p in course.iterdir() if p.name.startswith(".adkit-")]


def test_two_runs_on_one_output_never_interleave(course):
    (course / "other.csv").write_text(
        "student_id,question_id,answer\n" + "".join(f"z{k},q1,x2\n" for k in range(400)),
        encoding="utf-8")
    runs = [subprocess.Popen([sys.executable, "-m", "adkit", "grade", "key.toml", name, "-o",
                              "grades.csv", "-q"], cwd=course)
            for name in ("answers.csv", "other.csv", "answers.csv", "other.csv")]
    assert all(p.wait(timeout=120) == 0 for p in runs)
    text = (course / "grades.csv").read_text(encoding="utf-8")
    one = run("key.toml", "answers.csv", "-q", cwd=course).stdout
    other = run("key.toml", "other.csv", "-q", cwd=course).stdout
    assert text in (one, other)


# -- 3. the oracle leaks ---------------------------------------------------------------------
CHEAT_REFERENCES = ["x^2", "sin(x)", "exp(x)*x", "x^3 - 2*x", "log(x^2 + 1)", "cos(x)^2"]


def _interpolant_cheat(question):
    """The red team's answer: a polynomial through 3 known (point, derivative) pairs, plus a
    term that is 0 at those points and undefined everywhere else."""
    a, b, c = (float(question.points["x"][k]) for k in range(3))
    fa, fb, fc = (float(question.expected[k]) for k in range(3))
    terms = []
    for xk, fk, others in ((a, fa, (b, c)), (b, fb, (a, c)), (c, fc, (a, b))):
        denominator = (xk - others[0]) * (xk - others[1])
        terms.append(f"({fk!r}/{denominator!r})*(x - {others[0]!r})*(x - {others[1]!r})")
    poison = f"sqrt(-((x - {a!r})*(x - {b!r})*(x - {c!r}))^2)"
    return " + ".join(terms) + " + " + poison


@pytest.mark.parametrize("reference", CHEAT_REFERENCES)
def test_the_interpolant_plus_undefined_term_cheat_fails(reference):
    question = Question(reference, "x")
    cheat = _interpolant_cheat(question)
    verdict = question.grade(cheat)
    assert (verdict.status, verdict.score) == ("incorrect", 0.0), verdict
    assert question.grade(cheat, symbolic=True).status == "incorrect"
    assert ad.grade(reference, cheat, "x", symbolic=True).status == "incorrect"


@pytest.mark.parametrize("answer", ["x1", "x2", "x2 + cos(x1) + 1e-9*x1", "x2*1.001 + cos(x1)",
                                    "x2 + cos(x1) + 1e-12", "cos(x1)", "x2 + 1/x2"])
def test_feedback_never_quotes_a_grading_point_and_keeps_four_digits(answer):
    question = Question("x1*x2 + sin(x1)", "x1")
    feedback = question.grade(answer).feedback
    numbers = [float(n) for n in re.findall(r"-?\d+\.\d+|-?\d+", feedback)]
    grading = np.concatenate([question.points["x1"], question.points["x2"], question.expected])
    for n in numbers:
        assert not np.any(np.isclose(grading, n, rtol=1e-9, atol=0)), (n, feedback)
    for literal in re.findall(r"\d+\.\d+", feedback):
        assert len(literal.replace(".", "").lstrip("0")) <= 4, feedback


def test_closer_answers_do_not_get_more_digits():
    shown = [ad.grade("exp(x)", f"exp(x) + {eps}*x", "x").feedback for eps in ("1e-2", "1e-5", "1e-8")]
    digits = {len(n.replace(".", "").lstrip("0")) for f in shown
              for n in re.findall(r"\d+\.\d+|\d+", f)}
    assert max(digits) <= 4, shown


# -- 4. tables and non-finite or huge values -------------------------------------------------
def test_an_infinite_row_never_makes_later_rows_carried():
    q = TableQuestion("x1*x2 + sin(x1)", at={"x1": 2.0, "x2": 5.0}, mode="reverse")
    marks = {m.row: m.status for m in q.grade({"w̄5": 1, "w̄4": float("inf"), "w̄3": 1,
                                               "w̄2": 2, "w̄1": 123.0}).rows}
    assert marks["w̄4"] == "incorrect" and marks["w̄1"] == "incorrect"


def test_a_row_whose_true_value_is_infinite_accepts_no_finite_number():
    q = TableQuestion("log(x1)", at={"x1": 0.0}, mode="forward")
    assert not np.isfinite(q.true[1])
    marks = [m.status for m in q.grade({"ẇ1": 1, "ẇ2": 12345.0}).rows]
    assert marks == ["correct", "incorrect"]


@pytest.mark.parametrize("value", [10 ** 400, Fraction(10 ** 400, 3), Fraction(-(10 ** 500), 7),
                                   "10^400", "1" + "0" * 400, float("nan")])
def test_huge_numbers_are_marked_not_raised(value):
    m = ad.grade_table("x1*x2 + sin(x1)", {"ẇ3": value, "ẇ1": 1}, at={"x1": 2.0, "x2": 5.0})
    row3 = next(r for r in m.rows if r.row == "ẇ3")
    assert row3.status == "incorrect" and m.rows[0].status == "correct"


def test_five_thousand_digit_row_keys_are_not_rows():
    key = "ẇ" + "9" * 5000
    assert row_key(key) is None
    m = ad.grade_table("x1*x2", {key: 1, "wdot1": 1}, at={"x1": 2.0, "x2": 5.0})
    assert m.rows[0].status == "correct" and m.extra


def _long_chain(rows):
    return " + ".join(["x1"] * rows)


@pytest.mark.parametrize("rows", [200, 1000])
def test_long_tables_are_graded_right(rows):
    source = _long_chain(rows - 1)  # inputs, then one add per term
    q = TableQuestion(source, at={"x1": 0.5}, mode="forward")
    entries = {f"wdot{k + 1}": float(q.true[k]) for k in range(len(q.graph))}
    entries["wdot3"] = "wdot2 + wdot1"
    m = q.grade(entries)
    assert m.status == "correct" and len(m.rows) == len(q.graph)


def test_the_table_column_is_computed_without_copying_per_row():
    q = TableQuestion(_long_chain(2000), at={"x1": 0.5}, mode="forward")
    tracemalloc.start()
    q.rule_values({})
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 3_000_000  # quadratic dict copies would need ~ 2000² entries


# -- 5. tracebacks instead of exit 2 ---------------------------------------------------------
BAD_KEYS = {
    "question_list_of_numbers": "question = [1, 2]\n",
    "seed_text": KEY.replace('mode = "reverse"', 'seed = { x1 = "a" }'),
    "seed_list": KEY.replace('mode = "reverse"', "seed = { x1 = [1] }"),
    "domain_huge": KEY.replace('points = 2', 'domain = { x1 = [-1e308, 1e308] }'),
    "domain_text": KEY.replace('points = 2', 'domain = { x1 = "wide" }'),
    "nested": "a = " + "[" * 5000 + "]" * 5000 + "\n",
    "nested_tables": "a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n",
    "at_nan": KEY.replace("x1 = 2, x2 = 5", "x1 = nan, x2 = 5"),
    "at_inf": KEY.replace("x1 = 2, x2 = 5", "x1 = inf, x2 = 5"),
    "points_huge": KEY.replace("points = 2", "points = " + "9" * 400),
    "tolerance_text": KEY.replace("points = 2", 'tolerance = "tight"'),
    "credit_unknown": KEY.replace("points = 2", "partial_credit = { guess = 1 }"),
    "not_utf8": None,
}


@pytest.mark.parametrize("name", sorted(BAD_KEYS))
def test_bad_keys_exit_2_with_one_line(course, name):
    if BAD_KEYS[name] is None:
        (course / "bad.toml").write_bytes(KEY.encode("utf-8").replace(b"q1", b"q\xe91"))
    else:
        (course / "bad.toml").write_text(BAD_KEYS[name], encoding="utf-8")
    done = run("bad.toml", "answers.csv", cwd=course)
    assert one_line_error(done), done.stderr


def test_a_key_with_a_bom_is_read(course):
    (course / "bom.toml").write_bytes(b"\xef\xbb\xbf" + KEY.encode("utf-8"))
    done = run("bom.toml", "answers.csv", cwd=course)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == "alice,2,0,2,3"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
@pytest.mark.parametrize("option", ["-o", "--feedback", "--gradescope"])
def test_a_full_disk_is_one_line(course, option):
    (course / "one.csv").write_text("student_id,question_id,answer\nalice,q1,x2\n",
                                    encoding="utf-8")
    done = run("key.toml", "one.csv", option, "/dev/full", cwd=course)
    assert one_line_error(done), done.stderr
    assert "/dev/full" in done.stderr


def test_a_missing_directory_and_a_directory_as_input_are_one_line(course):
    assert one_line_error(run("key.toml", "answers.csv", "-o", "no/such/dir/g.csv", cwd=course))
    assert one_line_error(run("key.toml", ".", cwd=course))
    assert one_line_error(run(".", "answers.csv", cwd=course))


# -- 6. silent corruption --------------------------------------------------------------------
def test_latin1_lines_are_warned_with_their_line_and_never_merge_ids(course):
    (course / "latin.csv").write_bytes(
        b"student_id,question_id,answer\n"
        + "josé,q1,x2 + cos(x1)\n".encode("latin-1")
        + "josè,q1,x2\n".encode("latin-1")
        + "ana,q1,x2\n".encode("utf-8"))
    done = run("key.toml", "latin.csv", cwd=course)
    assert done.returncode == 0
    assert "line 2: not UTF-8" in done.stderr and "line 3: not UTF-8" in done.stderr
    assert "line 4" not in done.stderr
    students = [row[0] for row in csv.reader(io.StringIO(done.stdout))][1:]
    assert students == ["ana", "josè", "josé"]


def test_an_unterminated_quote_swallows_only_its_own_line(course):
    (course / "quote.csv").write_text(
        'student_id,question_id,answer\nalice,q1,"x2 + cos(x1)\nbob,q1,x2 + cos(x1)\n'
        'carol,q1,x2\n', encoding="utf-8")
    done = run("key.toml", "quote.csv", cwd=course)
    assert done.returncode == 0
    assert "line 2: a quote opened on this line is not closed" in done.stderr
    grades = {row[0]: row[1] for row in csv.reader(io.StringIO(done.stdout))}
    assert grades["bob"] == "2" and grades["carol"] == "0" and "alice" not in grades


def test_a_quoted_newline_inside_an_answer_still_reads(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('student_id,question_id,answer\ns1,t1,"w̄5=1\nw̄4=1"\ns2,t1,x\n',
                    encoding="utf-8")
    rows, problems = read_answers(path)
    assert [(r.student, r.answer) for r in rows] == [("s1", "w̄5=1\nw̄4=1"), ("s2", "x")]
    assert problems == []


def test_reading_memory_stays_near_the_file_size(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8") as f:
        f.write("student_id,question_id,answer\n")
        for k in range(40_000):
            f.write(f"student{k % 300},q{k % 7},x2 + cos(x1) + {k}\n")
    size = path.stat().st_size
    tracemalloc.start()
    rows, _ = read_answers(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(rows) == 40_000
    assert peak < 8 * size, (peak, size)


def test_csv_field_limit_is_left_alone(tmp_path):
    limit = csv.field_size_limit()
    path = tmp_path / "huge.csv"
    path.write_text("student_id,question_id,answer\ns1,q1," + "x1+" * 100_000 + "x1\n",
                    encoding="utf-8")
    rows, problems = read_answers(path)
    assert csv.field_size_limit() == limit
    assert [r.student for r in rows] == ["s1"] and len(rows[0].answer) > 10_000


# -- 7. formula injection --------------------------------------------------------------------
INJECTIONS = ["=1+1", "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3", "\t=1",
              "\r=1", "＝1+1"]


def test_spreadsheet_formulas_are_neutralised_in_every_output(course):
    lines = ["student_id,question_id,answer"] + [
        f'"{sid}",q1,"=HYPERLINK(""http://x"")"' for sid in INJECTIONS]
    (course / "evil.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run("key.toml", "evil.csv", "-o", "g.csv", "--feedback", "f.csv", cwd=course)
    assert done.returncode == 0, done.stderr
    for name in ("g.csv", "f.csv"):
        with open(course / name, encoding="utf-8", newline="") as f:
            for row in csv.reader(f):
                for cell in row:
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "＝")), (name, cell)
    grades = [row[0] for row in csv.reader(open(course / "g.csv", encoding="utf-8"))][1:]
    assert sorted(grades) == sorted({safe_cell(s.strip()) for s in INJECTIONS})
    assert all(g.startswith("'") for g in grades)


def test_safe_cell_leaves_ordinary_text_alone():
    assert [safe_cell(s) for s in ("alice", "x2 + cos(x1)", "3", "")] == \
        ["alice", "x2 + cos(x1)", "3", ""]


# -- the CLI under fuzzing: any CSV or TOML gives exit 0 or 2, never a traceback -------------
_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
_CELL = st.one_of(_TEXT, st.sampled_from(["q1", "t1", "x2 + cos(x1)", '"', '""', "w̄5=1; w̄4=1",
                                          "=1+1", "\x00", "é", ",", "\n"]))


def _exit_code(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_CELL, min_size=0, max_size=4), max_size=8),
       header=st.booleans(), raw=st.binary(max_size=80))
def test_fuzzed_answers_files_exit_0_or_2(tmp_path_factory, capsys, rows, header, raw):
    where = tmp_path_factory.mktemp("fuzz")
    (where / "key.toml").write_text(KEY, encoding="utf-8")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if header:
        writer.writerow(["student_id", "question_id", "answer"])
    writer.writerows(rows)
    (where / "a.csv").write_bytes(buffer.getvalue().encode("utf-8", "surrogatepass") + raw)
    code = _exit_code(["grade", str(where / "key.toml"), str(where / "a.csv"), "-o",
                       str(where / "g.csv"), "--feedback", str(where / "f.csv")], capsys)
    assert code in (0, 2)


_TOML_VALUE = st.recursive(
    st.one_of(st.integers(-10 ** 30, 10 ** 30).map(str), st.floats().map(
        lambda f: "nan" if f != f else ("inf" if f == float("inf") else
                                        "-inf" if f == -float("inf") else repr(f))),
              _TEXT.map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"')
                        .replace("\n", "\\n").replace("\r", "\\r") + '"'),
              st.sampled_from(['"x1*x2 + sin(x1)"', '"x1"', '"table"', '"forward"', "true"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3).map(lambda v: "[" + ", ".join(v) + "]"),
                            st.dictionaries(st.sampled_from(["x1", "x2", "a"]), inner,
                                            max_size=2).map(
                                lambda d: "{" + ", ".join(f"{k} = {v}" for k, v in d.items())
                                + "}")),
    max_leaves=6)
_FIELDS = ["id", "type", "function", "wrt", "points", "variables", "domain", "at", "mode",
           "seed", "tolerance", "partial_credit", "reading", "student", "junk"]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(st.dictionaries(st.sampled_from(_FIELDS), _TOML_VALUE, max_size=6),
                        max_size=3))
def test_fuzzed_keys_exit_0_or_2(tmp_path_factory, capsys, entries):
    where = tmp_path_factory.mktemp("fuzzkey")
    text = "".join("[[question]]\n" + "".join(f"{k} = {v}\n" for k, v in entry.items())
                   for entry in entries)
    (where / "key.toml").write_text(text, encoding="utf-8", errors="surrogatepass")
    (where / "a.csv").write_text(ANSWERS, encoding="utf-8")
    code = _exit_code(["grade", str(where / "key.toml"), str(where / "a.csv"), "-q"], capsys)
    assert code in (0, 2)


# -- the grading modules' worked examples are tests ------------------------------------------
@pytest.mark.parametrize("name", ["adkit.grading", "adkit.grading.single", "adkit.grading.table",
                                  "adkit.grading.batch", "adkit.grading.files",
                                  "adkit.grading.lenient", "adkit.grading.reading",
                                  "adkit.grading.numeric", "adkit.grading.verdict",
                                  "adkit.grading.sandbox"])
def test_grading_docstring_examples(name):
    module = importlib.import_module(name)
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)[:2]
    assert tried > 0 and failures == 0
