"""``adkit grade KEY.toml ANSWERS.csv``: grade a whole course's derivatives in one run."""
import os
import sys

from adkit.core import ADError

DESCRIPTION = """Grade students' derivatives and filled-in trace tables.

KEY.toml lists the questions ([[question]] tables with id, function, wrt, points; optional
variables, domain, student; type = "table" with at, mode, seed) and may set [options]:
reading = "lenient"|"strict", tolerance, partial_credit = { chain = 0.5, ... }.
ANSWERS.csv has the header student_id,question_id,answer (a table answer is written
"ẇ1=1; ẇ2=0; ..."). Student text is read only by adkit's allow-list parser; nothing a student
writes is executed. No output may be an input or another output; every file is written to a
temporary file and renamed; cells a spreadsheet would run get a leading '.
"""

EPILOG = """examples:
  adkit grade key.toml answers.csv -o grades.csv --feedback feedback.csv
  adkit grade key.toml submission.csv --gradescope /autograder/results/results.json
  adkit grade key.toml answers.csv --jobs 2 > grades.csv
  adkit grade key.toml answers.csv --report report.html
  adkit grade key.toml --gradescope-bundle autograder/
"""


def add_parser(subparsers):
    import argparse
    parser = subparsers.add_parser(
        "grade", help="grade a batch of answers (CSV, Gradescope)", description=DESCRIPTION,
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("key", metavar="KEY.toml", help="the answer key")
    parser.add_argument("answers", metavar="ANSWERS.csv", nargs="?",
                        help="student_id,question_id,answer")
    parser.add_argument("-o", "--output", metavar="grades.csv",
                        help="grades, one row per student (default: standard output)")
    parser.add_argument("--feedback", metavar="feedback.csv",
                        help="one row per student and question: status, points, feedback")
    parser.add_argument("--gradescope", metavar="results.json",
                        help="Gradescope results.json for the one student in ANSWERS.csv")
    parser.add_argument("--report", metavar="report.html",
                        help="class report per question: score distribution and the count of "
                             "each diagnosed mistake, with a bar chart (.html or .md)")
    parser.add_argument("--gradescope-bundle", metavar="DIR",
                        help="write a Gradescope autograder (setup.sh, run_autograder, the key, "
                             "autograder.zip) to DIR")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="worker processes (default 1; 0 = one per CPU)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no summary and no warnings on standard error")
    parser.set_defaults(run=run)
    return parser




def run(args):
    """Grade, then write every requested file; any failure is one ADError line (exit 2)."""
    try:
        return _run(args)
    except ADError:
        raise
    except RecursionError:
        raise ADError("an input is nested too deeply to read") from None
    except MemoryError:
        raise ADError("not enough memory for this input") from None
    except OSError as e:
        raise ADError(f"{getattr(e, 'filename', None) or 'a file'}: {e.strerror or e}") from None


def _run(args):
    from adkit.grading.batch import (
        grade_batch, gradescope_results, read_answers, write_feedback, write_gradescope,
        write_grades,
    )
    from adkit.grading.files import check_outputs, write_atomic
    from adkit.grading.key import load_key

    if args.jobs < 0:
        raise ADError("--jobs must be 0 (one per CPU) or a positive number")
    if args.answers is None and not args.gradescope_bundle:
        raise ADError("give ANSWERS.csv (or --gradescope-bundle DIR to build an autograder)")
    outputs = {"-o": args.output, "--feedback": args.feedback, "--gradescope": args.gradescope,
               "--report": args.report}
    if args.report:
        from adkit.grading.report import chart_path, check_report_path
        check_report_path(args.report)
        outputs["--report chart"] = chart_path(args.report)
    check_outputs({"KEY.toml": args.key, "ANSWERS.csv": args.answers or args.key}, outputs)
    key = load_key(args.key)
    if args.gradescope_bundle:
        from adkit.grading.gradescope import write_bundle
        path = write_bundle(key, args.key, args.gradescope_bundle)
        if not args.quiet:
            print(f"adkit grade: wrote the Gradescope autograder to {path}", file=sys.stderr)
        if args.answers is None:
            return 0
    jobs = args.jobs or os.cpu_count() or 1
    rows, problems = read_answers(args.answers)
    from adkit.progress import bar
    progress = bar("grading") if sys.stderr.isatty() and not args.quiet else None
    try:
        result = grade_batch(key, rows, jobs=jobs, progress=progress)
    finally:
        if progress:
            progress.close()
    if args.gradescope:  # checked before anything is written: one student only
        gradescope_results(result)
    if args.output:
        write_atomic(args.output, lambda f: write_grades(result, f))
    else:
        write_grades(result, sys.stdout)
    if args.feedback:
        write_atomic(args.feedback, lambda f: write_feedback(result, f))
    if args.gradescope:
        write_atomic(args.gradescope, lambda f: write_gradescope(result, f))
    if args.report:
        from adkit.grading.report import write_report
        write_report(result, args.report)
    if not args.quiet:
        for problem in problems + result.problems:
            print(f"adkit grade: warning: {problem}", file=sys.stderr)
        counts = result.counts()
        summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in
                            ("correct", "incorrect", "invalid", "missing"))
        print(f"adkit grade: {len(result.students)} student(s), {len(key.questions)} "
              f"question(s): {summary}", file=sys.stderr)
    return 0
