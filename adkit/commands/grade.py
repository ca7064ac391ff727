"""``adkit grade KEY.toml ANSWERS.csv``: grade a whole course's derivatives in one run."""
import os
import sys

from adkit.core import ADError

DESCRIPTION = """Grade students' derivatives and filled-in trace tables.

KEY.toml lists the questions ([[question]] tables with id, function, wrt, points; optional
variables, domain; type = "table" with at, mode, seed). ANSWERS.csv has the header
student_id,question_id,answer (a table answer is written "ẇ1=1; ẇ2=0; ...").
Student text is read only by adkit's allow-list parser; nothing a student writes is executed.
"""

EPILOG = """examples:
  adkit grade key.toml answers.csv -o grades.csv --feedback feedback.csv
  adkit grade key.toml submission.csv --gradescope /autograder/results/results.json
  adkit grade key.toml answers.csv --jobs 2 > grades.csv
"""


def add_parser(subparsers):
    import argparse
    parser = subparsers.add_parser(
        "grade", help="grade a batch of answers (CSV, Gradescope)", description=DESCRIPTION,
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("key", metavar="KEY.toml", help="the answer key")
    parser.add_argument("answers", metavar="ANSWERS.csv", help="student_id,question_id,answer")
    parser.add_argument("-o", "--output", metavar="grades.csv",
                        help="grades, one row per student (default: standard output)")
    parser.add_argument("--feedback", metavar="feedback.csv",
                        help="one row per student and question: status, points, feedback")
    parser.add_argument("--gradescope", metavar="results.json",
                        help="Gradescope results.json for the one student in ANSWERS.csv")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="worker processes (default 1; 0 = one per CPU)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no summary and no warnings on standard error")
    parser.set_defaults(run=run)
    return parser


def _open_for_writing(path):
    try:
        return open(path, "w", encoding="utf-8", newline="")
    except OSError as e:
        raise ADError(f"cannot write {path}: {e.strerror or e}") from None


def run(args):
    from adkit.grading.batch import (
        grade_batch, read_answers, write_feedback, write_gradescope, write_grades,
    )
    from adkit.grading.key import load_key

    if args.jobs < 0:
        raise ADError("--jobs must be 0 (one per CPU) or a positive number")
    jobs = args.jobs or os.cpu_count() or 1
    key = load_key(args.key)
    rows, problems = read_answers(args.answers)
    from adkit.progress import bar
    progress = bar("grading") if sys.stderr.isatty() and not args.quiet else None
    try:
        result = grade_batch(key, rows, jobs=jobs, progress=progress)
    finally:
        if progress:
            progress.close()
    if args.gradescope:  # checked before anything is written: one student only
        from adkit.grading.batch import gradescope_results
        gradescope_results(result)
    if args.output:
        with _open_for_writing(args.output) as f:
            write_grades(result, f)
    else:
        write_grades(result, sys.stdout)
    if args.feedback:
        with _open_for_writing(args.feedback) as f:
            write_feedback(result, f)
    if args.gradescope:
        with _open_for_writing(args.gradescope) as f:
            write_gradescope(result, f)
    if not args.quiet:
        for problem in problems + result.problems:
            print(f"adkit grade: warning: {problem}", file=sys.stderr)
        counts = result.counts()
        summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in
                            ("correct", "incorrect", "invalid", "missing"))
        print(f"adkit grade: {len(result.students)} student(s), {len(key.questions)} "
              f"question(s): {summary}", file=sys.stderr)
    return 0
