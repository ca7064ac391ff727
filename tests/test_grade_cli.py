"""`adkit grade KEY.toml ANSWERS.csv`: grades.csv, feedback.csv and results.json, field by field."""
import csv
import json
import math
import subprocess
import sys

import pytest

KEY = """\
[[question]]
id = "q1"
function = "x1*x2 + sin(x1)"
wrt = "x1"
points = 2

[[question]]
id = "q2"
function = "x*log(x)"
wrt = "x"
domain = { x = [0.1, 4] }

[[question]]
id = "t1"
type = "table"
function = "x1*x2 + sin(x1)"
at = { x1 = 2, x2 = 5 }
mode = "reverse"
points = 5
"""

ANSWERS = """\
student_id,question_id,answer
bob,q1,x2 - cos(x1)
alice,q1,cos(x1) + x2
alice,q2,log(x) + 1
alice,t1,"w̄5=1; w̄4=1; w̄3=1; w̄2=2; w̄1=w̄3*w2 + w̄4*cos(w1)"
bob,q2,log(x
bob,q9,x
bob,t1,"wbar5=1; wbar4=1; wbar3=2; wbar2=4"
bob,q1,x2 + cos(x1) + 1e-3
carol,q2,"1 + log(x)"
"""


def adkit(*args, cwd):
    return subprocess.run([sys.executable, "-m", "adkit", "grade", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def course(tmp_path):
    (tmp_path / "key.toml").write_text(KEY, encoding="utf-8")
    (tmp_path / "answers.csv").write_text(ANSWERS, encoding="utf-8")
    return tmp_path


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_grades_csv_has_one_row_per_student_and_one_column_per_question(course):
    done = adkit("key.toml", "answers.csv", "-o", "grades.csv", "--feedback", "feedback.csv",
                 cwd=course)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    rows = read_csv(course / "grades.csv")
    assert rows == [
        ["student_id", "q1", "q2", "t1", "total", "max"],
        ["alice", "2", "1", "5", "8", "8"],
        ["bob", "0", "0", "3", "3", "8"],    # t1: w̄5, w̄4 right, w̄2 carried; w̄3 wrong, w̄1 missing
        ["carol", "0", "1", "0", "1", "8"],  # no answer to q1 and t1: 0
    ]


def test_feedback_csv_has_one_row_per_student_and_question(course):
    adkit("key.toml", "answers.csv", "-o", "grades.csv", "--feedback", "feedback.csv", cwd=course)
    rows = read_csv(course / "feedback.csv")
    assert rows[0] == ["student_id", "question_id", "answer", "status", "points", "max_points",
                       "category", "feedback"]
    by_pair = {(r[0], r[1]): [r[0], r[1]] + r[3:] for r in rows[1:]}
    answers = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert answers[("alice", "q1")] == "cos(x1) + x2"
    assert answers[("carol", "q1")] == ""
    assert len(rows) == 1 + 3 * 3
    assert by_pair[("alice", "q1")][2:6] == ["correct", "2", "2", "correct"]
    assert by_pair[("alice", "q1")][6] == "Correct."
    # the last of bob's two q1 rows is graded: off by 1e-3
    assert by_pair[("bob", "q1")][2:6] == ["incorrect", "0", "2", "offset"]
    assert "0.001" in by_pair[("bob", "q1")][6]
    assert by_pair[("bob", "q2")][2:6] == ["invalid", "0", "1", "unread"]
    assert "column 4" in by_pair[("bob", "q2")][6]
    assert by_pair[("bob", "t1")][2:6] == ["incorrect", "3", "5", "table"]
    assert "w̄3 incorrect" in by_pair[("bob", "t1")][6] and "w̄2 carried" in by_pair[("bob", "t1")][6]
    assert "w̄1 missing" in by_pair[("bob", "t1")][6]
    assert by_pair[("carol", "q1")][2:] == ["missing", "0", "2", "missing", "No answer."]
    assert [r[0] for r in rows[1:]] == ["alice"] * 3 + ["bob"] * 3 + ["carol"] * 3
    assert [r[1] for r in rows[1:4]] == ["q1", "q2", "t1"]


def test_unknown_question_ids_and_duplicates_are_reported_on_stderr(course):
    done = adkit("key.toml", "answers.csv", cwd=course)
    assert done.returncode == 0
    assert "line 7: unknown question id 'q9'" in done.stderr
    assert "line 9: duplicate answer of student bob to q1 (also on line 2)" in done.stderr
    assert "\r" not in done.stderr  # no progress bar when stderr is not a terminal
    assert done.stdout.splitlines()[0] == "student_id,q1,q2,t1,total,max"  # default: stdout


def test_gradescope_results_json_for_one_student(course):
    (course / "one.csv").write_text("student_id,question_id,answer\n"
                                    "s1,q1,x2 + sin(x1 + pi/2)\ns1,q2,1/x\n", encoding="utf-8")
    done = adkit("key.toml", "one.csv", "--gradescope", "results.json", "-o", "grades.csv",
                 cwd=course)
    assert done.returncode == 0, done.stderr
    results = json.loads((course / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == 2.0
    assert [t["name"] for t in results["tests"]] == ["q1", "q2", "t1"]
    q1, q2, t1 = results["tests"]
    assert q1 == {"name": "q1", "score": 2.0, "max_score": 2.0, "status": "passed",
                  "output": "Correct.", "visibility": "visible"}
    assert (q2["score"], q2["max_score"], q2["status"], q2["visibility"]) == (0.0, 1.0, "failed",
                                                                             "visible")
    assert q2["output"].startswith("Product rule in the derivative of x · ln x")
    assert (t1["score"], t1["max_score"], t1["status"], t1["output"]) == (0.0, 5.0, "failed",
                                                                         "No answer.")
    assert math.isclose(results["score"], sum(t["score"] for t in results["tests"]))


def test_gradescope_refuses_several_students_and_writes_nothing(course):
    done = adkit("key.toml", "answers.csv", "--gradescope", "results.json", "-o", "grades.csv",
                 cwd=course)
    assert done.returncode == 2
    assert "3 students" in done.stderr and "Traceback" not in done.stderr
    assert not (course / "results.json").exists() and not (course / "grades.csv").exists()


def test_same_input_gives_byte_identical_output_whatever_the_jobs(course):
    lines = ["student_id,question_id,answer"]
    for k in range(600):  # enough distinct answers for the worker pool to be used
        lines.append(f"s{k:03d},q1,x2 + cos(x1) + {k % 7}*x1")
        lines.append(f"s{k:03d},q2,log(x) + {k % 3}")
    (course / "big.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    outputs = []
    for jobs in ("1", "1", "2"):
        done = adkit("key.toml", "big.csv", "-o", f"g{len(outputs)}.csv", "--feedback",
                     f"f{len(outputs)}.csv", "--jobs", jobs, cwd=course)
        assert done.returncode == 0, done.stderr
        outputs.append(((course / f"g{len(outputs)}.csv").read_bytes(),
                        (course / f"f{len(outputs)}.csv").read_bytes()))
    assert outputs[0] == outputs[1] == outputs[2]
    grades = read_csv(course / "g0.csv")
    assert len(grades) == 601
    assert grades[1] == ["s000", "2", "0", "0", "2", "8"]


@pytest.mark.parametrize("key, message", [
    ('[[question]]\nid = "q1"\nfunction = "x^2"\n', "'wrt' must name the variable"),
    ('[[question]]\nid = "q1"\nfunction = "x^2"\nwrt = "y"\n', "wrt='y' is not a variable"),
    ('[[question]]\nid = "q1"\nfunction = "x^2"\nwrt = "x"\npoint = 2\n', "unknown field(s) point"),
    ('[[question]]\nid = "q1"\nfunction = "x^2"\nwrt = "x"\n[[question]]\nid = "q1"\n'
     'function = "x"\nwrt = "x"\n', "the id 'q1' is used twice"),
    ('[[question]]\nid = "q1"\nfunction = "x +* 2"\nwrt = "x"\n', "cannot read the function"),
    ('[[question]]\nid = "q1"\nfunction = "x^2"\nwrt = "x"\npoints = -1\n', "positive number"),
    ('[[question]]\nid = "q1"\ntype = "table"\nfunction = "x^2"\nat = { y = 1 }\n', "no value"),
    ('[[question]]\nid = "q1"\ntype = "essay"\nfunction = "x"\n', "type must be"),
    ('[[question]\nid = "q1"\n', "not valid TOML"),
    ('title = "midterm"\n', "unknown top-level key"),
])
def test_key_mistakes_exit_2_with_a_message(tmp_path, key, message):
    (tmp_path / "key.toml").write_text(key, encoding="utf-8")
    (tmp_path / "answers.csv").write_text("student_id,question_id,answer\n", encoding="utf-8")
    done = adkit("key.toml", "answers.csv", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("adkit grade: error: ") and message in done.stderr
    assert "Traceback" not in done.stderr


def test_answers_without_the_header_exit_2(course):
    (course / "bad.csv").write_text("alice,q1,x2 + cos(x1)\n", encoding="utf-8")
    done = adkit("key.toml", "bad.csv", cwd=course)
    assert done.returncode == 2 and "header student_id,question_id,answer" in done.stderr
    done = adkit("key.toml", "missing.csv", cwd=course)
    assert done.returncode == 2 and "no such file" in done.stderr


def test_short_rows_bad_bytes_and_extra_columns_never_crash(course):
    (course / "odd.csv").write_bytes(
        "\ufeffanswer,student_id,question_id,comment\n".encode("utf-8")
        + b"x2 + cos(x1),alice,q1,late\n"
        + b"only-one-field\n"
        + b"\xff\xfe bad bytes,bob,q1,\n"
        + b",,,\n")
    done = adkit("key.toml", "odd.csv", "--feedback", "fb.csv", cwd=course)
    assert done.returncode == 0, done.stderr
    assert "line 3: expected 3 fields" in done.stderr
    grades = read_csv(course / "fb.csv")
    statuses = {(r[0], r[1]): r[3] for r in grades[1:]}
    assert statuses[("alice", "q1")] == "correct"
    assert statuses[("bob", "q1")] == "invalid"


def test_help_lists_the_options():
    done = subprocess.run([sys.executable, "-m", "adkit", "grade", "--help"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0
    for option in ("--feedback", "--gradescope", "--jobs", "-o"):
        assert option in done.stdout


def test_progress_bar_only_on_a_terminal(course):
    import os
    import pty
    master, slave = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "adkit", "grade", "key.toml", "answers.csv",
                               "-o", "grades.csv"], cwd=course, stderr=slave,
                              stdout=subprocess.DEVNULL, timeout=60)
        os.close(slave)
        slave = None
        shown = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal is closed once everything is read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    assert done.returncode == 0
    assert b"grading: " in shown and b"100%" in shown and b"7/7" in shown  # a tqdm bar, 7 answers
    assert (course / "grades.csv").read_text(encoding="utf-8").startswith("student_id,")
