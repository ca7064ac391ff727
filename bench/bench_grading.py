"""Benchmark: a 10,000-answer batch (5 questions x 2,000 students) through `adkit grade`, end to end;
then filled-in tables of 200 and 1,000 rows (answers/s, in process), and the class report.

The batch mixes correct answers in several equivalent forms, typical wrong answers (sign, chain
rule, product rule, wrong variable, the function itself, off by a constant), answers with
random constants (so many texts are distinct and the per-text cache cannot hide the cost) and
5 % garbage (hostile or unreadable text). The command runs in a subprocess, start-up included.

    .venv/bin/python bench/bench_grading.py [--students 2000] [--jobs 1] [--repeat 3] [--unique]
                                            [--figures figures/]

``--figures DIR`` also grades the 30-student class file of the tests
(tests/data/grading_class) and writes its report chart to DIR/grading-mistakes.png, printing
the diagnosis coverage (wrong answers that get a named rule).
"""
import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time

KEY = """\
[[question]]
id = "q1"
function = "x1*x2 + sin(x1)"
wrt = "x1"
points = 2

[[question]]
id = "q2"
function = "sin(x^2)"
wrt = "x"

[[question]]
id = "q3"
function = "exp(x1*x2)/x1"
wrt = "x2"

[[question]]
id = "q4"
function = "sqrt(x)*log(x)"
wrt = "x"
domain = { x = [0.1, 5] }

[[question]]
id = "q5"
function = "tanh(x1)*x2^2 + x1"
wrt = "x2"
"""

# (correct forms, wrong forms); "{c}" is filled with a random constant per student.
ANSWERS = {
    "q1": (["x2 + cos(x1)", "cos(x1) + x2", "x2 + sin(x1 + pi/2)", "(2*x2 + 2*cos(x1))/2",
            "x2+cos(x1)", "cos(x1)+x2*1"],
           ["x2 - cos(x1)", "x1", "x1*x2 + sin(x1)", "cos(x1)", "x2 + cos(x1) + {c}",
            "{c}*x2 + cos(x1)"]),
    "q2": (["2*x*cos(x^2)", "cos(x^2)*2*x", "2*x*cos(x**2)", "x*cos(x*x)*2"],
           ["cos(x^2)", "-2*x*cos(x^2)", "2*cos(x^2)", "{c}*x*cos(x^2)", "2*x*sin(x^2)"]),
    "q3": (["exp(x1*x2)", "x1*exp(x1*x2)/x1", "exp(x2*x1)"],
           ["x2*exp(x1*x2)/x1", "exp(x1*x2)/x1", "-exp(x1*x2)", "exp(x1*x2) + {c}"]),
    "q4": (["log(x)/(2*sqrt(x)) + sqrt(x)/x", "(log(x) + 2)/(2*sqrt(x))",
            "0.5*x^(-0.5)*log(x) + x^(-0.5)"],
           ["1/(2*sqrt(x))*1/x", "log(x)/(2*sqrt(x))", "sqrt(x)/x", "{c}*log(x)/sqrt(x)"]),
    "q5": (["2*x2*tanh(x1)", "tanh(x1)*2*x2", "2*tanh(x1)*x2"],
           ["x2^2*(1 - tanh(x1)^2) + 1", "tanh(x1)*x2", "2*x2*tanh(x1) + 1", "{c}*x2*tanh(x1)"]),
}

GARBAGE = ["__import__('os').system('ls')", "().__class__.__bases__", "lambda: 0",
           "[x for x in ()]", "open('/etc/passwd')", "eval('1')", "9**9**9**9",
           "((9**9)**9999)**9999", "(" * 300 + "x" + ")" * 300, "x +* 2", "", "I don't know",
           "2x", "\x00", "ｘ＋１", "1e999999", "cos(x1", "y + 1"]


def make_batch(directory, students, seed=0, unique=False):
    """Write key.toml and answers.csv (long format) into ``directory``; return the answer count."""
    rng = random.Random(seed)
    with open(os.path.join(directory, "key.toml"), "w", encoding="utf-8") as f:
        f.write(KEY)
    count = 0
    with open(os.path.join(directory, "answers.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["student_id", "question_id", "answer"])
        for s in range(students):
            for qid, (right, wrong) in ANSWERS.items():
                roll = rng.random()
                if roll < 0.05:
                    text = rng.choice(GARBAGE)
                else:
                    text = rng.choice(right if roll < 0.6 else wrong)
                    text = text.replace("{c}", f"{rng.uniform(0.5, 3):.3f}")
                    if rng.random() < 0.3:  # students space their answers differently
                        text = text.replace("+", " + ").replace("*", rng.choice(["*", " * "]))
                    if unique:  # every text distinct: measures the cost without the cache
                        text = f"{text} + 0*{s}"
                w.writerow([f"s{s:05d}", qid, text])
                count += 1
    return count


def table_speed(rows, answers=20):
    """Answers/s for a ``rows``-row forward table (numbers and formulas, some rows wrong)."""
    from adkit.grading.table import TableQuestion
    start = time.perf_counter()
    question = TableQuestion(" + ".join(f"sin({k % 7 + 1}*x1)" for k in range(rows // 3)),
                             at={"x1": 0.7}, mode="forward")
    compile_time = time.perf_counter() - start
    rng = random.Random(1)
    texts = []
    for _ in range(answers):
        parts = []
        for i in question.order:
            name = question.names[i]
            roll = rng.random()
            if roll < 0.5:
                parts.append(f"{name}={question.true[i]:.6g}")
            elif roll < 0.9:
                parts.append(f"{name}={question.formulas.get(name, question.true[i])}"
                             .replace("·", "*"))
            else:
                parts.append(f"{name}={rng.uniform(-2, 2):.3f}")
        texts.append("; ".join(parts))
    question.grade(texts[0])  # warm-up: the parser's lazy imports
    import tracemalloc
    start = time.perf_counter()
    for text in texts:
        question.grade(text)
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    question.grade(texts[0])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return len(question.graph), compile_time, answers / elapsed, peak


def class_figure(directory):
    """Grade the class file, write its report chart, return (named, wrong)."""
    here = os.path.dirname(os.path.abspath(__file__))
    folder = os.path.join(here, "..", "tests", "data", "grading_class")
    from adkit.grading.batch import grade_batch, read_answers
    from adkit.grading.key import load_key
    from adkit.grading.report import chart_png, coverage, summarize
    result = grade_batch(load_key(os.path.join(folder, "key.toml")),
                         read_answers(os.path.join(folder, "answers.csv"))[0])
    with open(os.path.join(directory, "grading-mistakes.png"), "wb") as f:
        f.write(chart_png(summarize(result)))
    return coverage(result)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--unique", action="store_true",
                        help="make every answer text distinct (no cache hits)")
    parser.add_argument("--figures", metavar="DIR", help="write the class report chart here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        count = make_batch(tmp, args.students, unique=args.unique)
        with open(os.path.join(tmp, "answers.csv"), encoding="utf-8") as f:
            distinct = len({tuple(r[1:]) for r in csv.reader(f)}) - 1
        command = [sys.executable, "-m", "adkit", "grade", os.path.join(tmp, "key.toml"),
                   os.path.join(tmp, "answers.csv"), "-o", os.path.join(tmp, "grades.csv"),
                   "--feedback", os.path.join(tmp, "feedback.csv"), "--jobs", str(args.jobs)]
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            if done.returncode != 0:
                sys.exit(f"adkit grade failed ({done.returncode}):\n{done.stderr}")
        best = min(times)
        print(f"{count} answers ({distinct} distinct question/answer pairs), jobs={args.jobs}")
        print(f"end to end (process start-up included): best {best:.2f} s of {args.repeat} -> "
              f"{count / best:,.0f} answers/s")
        print(done.stderr.strip().splitlines()[-1])
    for rows in (200, 1000):
        size, compile_time, rate, peak = table_speed(rows)
        print(f"table of {size} rows: compiled in {compile_time:.2f} s, {rate:,.1f} answers/s "
              f"(every row a number or a formula), {peak / 1e6:.1f} MB peak per answer")
    if args.figures:
        named, wrong = class_figure(args.figures)
        print(f"class file: {named} of {wrong} wrong answers get a named rule; chart in "
              f"{os.path.join(args.figures, 'grading-mistakes.png')}")


if __name__ == "__main__":
    main()
