"""Hostile answers: each is "invalid" or "incorrect" within 2 s, and nothing a student wrote runs."""
import builtins
import contextlib
import csv
import io
import os
import time

import pytest

import adkit as ad
from adkit.grading.batch import grade_batch, read_answers_text, write_feedback, write_grades
from adkit.grading.key import Key, key_from_dict

LECTURE = "x1*x2 + sin(x1)"
SENTINEL = "/tmp/adkit_hostile_sentinel"

HOSTILE = {
    "import": f"__import__('os').system('touch {SENTINEL}')",
    "import_bare": "__import__",
    "dunder_attribute": "x1.__class__.__bases__[0].__subclasses__()",
    "dunder_name": "__builtins__",
    "lambda": "(lambda: __import__('os'))()",
    "lambda_bare": "lambda x1: x1",
    "comprehension": "[c for c in ().__class__.__base__.__subclasses__()]",
    "generator": "sum(x1 for x1 in range(10**9))",
    "open": "open('/etc/passwd').read()",
    "eval": "eval('x2 + cos(x1)')",
    "exec": f"exec(\"open('{SENTINEL}', 'w')\")",
    "compile": "compile('1', 'f', 'eval')",
    "getattr": "getattr(x1, '__class__')",
    "string": "'x2 + cos(x1)'",
    "fstring": "f'{x1}'",
    "walrus": "(y := x1)",
    "semicolon": "x2 + cos(x1); import os",
    "tower": "9**9**9**9",
    "tower_caret": "9^9^9^9",
    "tower_parenthesized": "((9**9)**9999)**9999",
    "tower_with_variable": "x1**9**9**9",
    "huge_literal": "1e999999",
    "huge_integer": "9" * 5000,
    "deep_nesting": "(" * 5000 + "x1" + ")" * 5000,
    "deep_nesting_within_length": "(" * 2000 + "x1" + ")" * 2000,
    "deep_functions": "sin(" * 5000 + "x1" + ")" * 5000,
    "deep_unary": "-" * 5000 + "x1",
    "long_sum": "+".join(["x1"] * 200_000),
    "nul": "x2 + cos(x1)\x00",
    "nul_only": "\x00",
    "full_width": "ｘ２ ＋ ｃｏｓ(ｘ１)",
    "full_width_digits": "x2 + cos(x１)",
    "right_to_left": "x2 + cos(x1)\u202e",
    "zero_width": "x2 +\u200b cos(x1)",
    "empty": "",
    "spaces": "   \t  ",
    "newline_injection": "x2\n+ cos(x1)\r\n,evil,row",
    "csv_formula": "=HYPERLINK(\"http://evil\")",
    "backslash": "x2 + cos(x1) \\",
    "unicode_names": "x2 + çøš(x1)",
    "unbalanced": ")" * 100,
    "many_commas": "max(" + ",".join(["x1"] * 1000) + ")",
    "exponent_of_variable": "exp(exp(exp(exp(x1*1000))))",
    "division_by_zero": "x2 + cos(x1) + 1/0",
    "log_zero": "log(0)*x1",
}


@contextlib.contextmanager
def nothing_executes():
    """While grading, eval/exec/compile and sympy's text parsers must never be reached, and the
    sentinel file a hostile answer tries to create must not appear."""
    def forbidden(*args, **kwargs):
        raise AssertionError("student text reached an evaluator")
    if os.path.exists(SENTINEL):
        os.remove(SENTINEL)
    # Imports run module code through exec: load everything grading may import first.
    import sympy
    import sympy.parsing.sympy_parser as sympy_parser
    ad.grade(LECTURE, "x2 + cos(x1)", "x1")
    ad.grade_table(LECTURE, {"ẇ1": "1"}, at={"x1": 2.0, "x2": 5.0})
    import adkit.grading.lenient  # noqa: F401  (a formula answer's reader, loaded lazily)
    with pytest.MonkeyPatch.context() as patch:
        for name in ("eval", "exec", "compile"):
            patch.setattr(builtins, name, forbidden)
        patch.setattr(sympy, "sympify", forbidden)
        patch.setattr(sympy_parser, "parse_expr", forbidden)
        yield
    assert not os.path.exists(SENTINEL), "a student's command ran"


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_answer_is_invalid_or_incorrect_quickly(name):
    start = time.perf_counter()
    with nothing_executes():
        v = ad.grade(LECTURE, HOSTILE[name], "x1")
    elapsed = time.perf_counter() - start
    assert v.status in ("invalid", "incorrect"), (name, v)
    assert v.score == 0.0 and v.feedback
    assert elapsed < 2.0, (name, elapsed)


@pytest.mark.parametrize("name", ["import", "tower", "deep_nesting", "nul", "full_width", "empty"])
def test_hostile_entries_in_a_table_answer(name):
    start = time.perf_counter()
    with nothing_executes():
        m = ad.grade_table(LECTURE, {"ẇ1": 1, "ẇ3": HOSTILE[name]}, at={"x1": 2.0, "x2": 5.0})
    assert {r.row: r.status for r in m.rows}["ẇ3"] == "incorrect"
    assert time.perf_counter() - start < 2.0


def test_hostile_table_text_is_bounded():
    start = time.perf_counter()
    m = ad.grade_table(LECTURE, "ẇ1=1;" * 100_000, at={"x1": 2.0, "x2": 5.0})
    assert m.status in ("invalid", "incorrect")
    assert time.perf_counter() - start < 2.0


def test_a_batch_of_hostile_answers_never_stops():
    key = Key(key_from_dict({"question": [{"id": "q1", "function": LECTURE, "wrt": "x1"}]}))
    buffer = io.StringIO()
    w = csv.writer(buffer, lineterminator="\n")
    w.writerow(["student_id", "question_id", "answer"])
    for name, text in sorted(HOSTILE.items()):
        w.writerow([name, "q1", text])
    w.writerow(["honest", "q1", "x2 + cos(x1)"])
    rows, problems = read_answers_text(buffer.getvalue())
    start = time.perf_counter()
    with nothing_executes():
        result = grade_batch(key, rows)
    assert time.perf_counter() - start < 20
    assert result.verdict("honest", "q1").status == "correct"
    for name, text in HOSTILE.items():
        expected = ("missing",) if not text.strip() else ("invalid", "incorrect")  # blank: no answer
        assert result.verdict(name, "q1").status in expected, name
    out, feedback = io.StringIO(), io.StringIO()
    write_grades(result, out)
    write_feedback(result, feedback)
    lines = list(csv.reader(io.StringIO(feedback.getvalue())))
    assert len(lines) == 1 + len(HOSTILE) + 1  # quoting keeps every hostile answer on its row
