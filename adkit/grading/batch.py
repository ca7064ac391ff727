"""Grading a course: ANSWERS.csv against a compiled key, then grades.csv, feedback.csv, results.json.

Per-question work (parsing the reference, sampling points, the expected values, the typical
mistakes) is done once when the key is loaded. Per answer there is one parse and one vectorized
evaluation, and identical answer texts to the same question are graded once. Output is sorted
and formatted deterministically: the same input gives the same files, byte for byte, whatever
``jobs`` is.

>>> rows, problems = read_answers_text("student_id,question_id,answer\\ns1,q1,x2 + cos(x1)\\n")
>>> rows[0].student, rows[0].question, rows[0].answer, problems
('s1', 'q1', 'x2 + cos(x1)', [])
"""
import csv
import io
import json
import multiprocessing
from dataclasses import dataclass

from adkit.core import ADError
from adkit.grading.verdict import TableGrade, Verdict

HEADER = ("student_id", "question_id", "answer")
MISSING = Verdict("missing", 0.0, "No answer.", "missing")
PARALLEL_MIN = 400   # fewer distinct answers than this: worker start-up costs more than it saves


@dataclass(frozen=True)
class AnswerRow:
    line: int
    student: str
    question: str
    answer: str


# -- reading ---------------------------------------------------------------------------------
def read_answers(path):
    """Rows of ANSWERS.csv and a list of problems (line-numbered messages), never a crash."""
    try:
        with open(path, "r", encoding="utf-8-sig", errors="replace", newline="") as f:
            text = f.read()
    except FileNotFoundError:
        raise ADError(f"{path}: no such file") from None
    except OSError as e:
        raise ADError(f"{path}: cannot read: {e}") from None
    return read_answers_text(text, str(path))


def read_answers_text(text, where="ANSWERS.csv"):
    """Like :func:`read_answers` on the text of the file."""
    text = text.lstrip("\ufeff")
    csv.field_size_limit(1 << 28)  # a huge answer is graded "too large", not a reader crash
    reader = csv.reader(io.StringIO(text, newline=""))
    problems, rows = [], []
    try:
        header = next(reader)
    except StopIteration:
        raise ADError(f"{where}: the file is empty; the first line must be "
                      f"{','.join(HEADER)}") from None
    except csv.Error as e:
        raise ADError(f"{where}: line 1: {e}") from None
    columns = [h.strip().lower() for h in header]
    if not all(name in columns for name in HEADER):
        raise ADError(f"{where}: the first line must be the header {','.join(HEADER)} (got "
                      f"{','.join(header)[:80]!r})")
    where_is = {name: columns.index(name) for name in HEADER}
    needed = max(where_is.values()) + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            problems.append(f"line {reader.line_num}: cannot read this line ({e}); skipped")
            continue
        line = reader.line_num
        if not record or all(not field.strip() for field in record):
            continue
        if len(record) < needed:
            problems.append(f"line {line}: expected {needed} fields "
                            f"({','.join(HEADER)}), got {len(record)}; skipped")
            continue
        student = record[where_is["student_id"]].strip()
        question = record[where_is["question_id"]].strip()
        if not student:
            problems.append(f"line {line}: empty student_id; skipped")
            continue
        rows.append(AnswerRow(line, student, question, record[where_is["answer"]]))
    return rows, problems


# -- grading ---------------------------------------------------------------------------------
@dataclass
class BatchResult:
    """Graded batch: ``students`` (sorted), ``verdicts[(student, qid)]`` and ``problems``."""

    key: object
    students: list
    verdicts: dict
    problems: list

    def verdict(self, student, qid):
        return self.verdicts.get((student, qid), MISSING)

    def earned(self, student, question):
        return self.verdict(student, question.id).score * question.points

    def total(self, student):
        return sum(self.earned(student, q) for q in self.key.questions)

    def counts(self):
        tally = {}
        for student in self.students:
            for q in self.key.questions:
                status = self.verdict(student, q.id).status
                tally[status] = tally.get(status, 0) + 1
        return tally


def select_answers(key, rows):
    """The answer graded for each (student, question): the last row; problems for the rest."""
    problems, chosen, first_line, students = [], {}, {}, set()
    for row in rows:
        students.add(row.student)
        if row.question not in key.by_id:
            problems.append(f"line {row.line}: unknown question id {row.question[:40]!r} "
                            f"(student {row.student[:40]}); skipped")
            continue
        pair = (row.student, row.question)
        if pair in chosen:
            problems.append(f"line {row.line}: duplicate answer of student {row.student[:40]} to "
                            f"{row.question} (also on line {first_line[pair]}); the last one is "
                            f"graded")
        else:
            first_line[pair] = row.line
        chosen[pair] = row.answer
    return chosen, sorted(students), problems


_WORKER_KEY = None


def _init_worker(key_path, key):
    global _WORKER_KEY
    if key is None:
        from adkit.grading.key import load_key
        key = load_key(key_path)
    _WORKER_KEY = key


def _grade_chunk(items):
    return [_WORKER_KEY.by_id[qid].grade(text) for qid, text in items]


def grade_batch(key, rows, *, jobs=1, progress=None):
    """Grade ``rows`` (from :func:`read_answers`) against ``key``; returns a BatchResult.

    Args:
        jobs: worker processes (1 = this process). Results do not depend on it.
        progress: optional ``progress(done, total)`` callback over distinct answers.
    """
    chosen, students, problems = select_answers(key, rows)
    chosen = {pair: text.strip() for pair, text in chosen.items() if text.strip()}  # blank: missing
    unique = list(dict.fromkeys((qid, text) for (_, qid), text in chosen.items()))
    graded = dict(zip(unique, _grade_all(key, unique, jobs, progress)))
    verdicts = {pair: graded[(pair[1], text)] for pair, text in chosen.items()}
    return BatchResult(key, students, verdicts, problems)


def _grade_all(key, items, jobs, progress):
    total = len(items)
    if jobs > 1 and total >= PARALLEL_MIN:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        size = max(50, total // (jobs * 8))
        chunks = [items[k:k + size] for k in range(0, total, size)]
        inherited = key if ctx.get_start_method() == "fork" else None
        results = []
        with ctx.Pool(jobs, initializer=_init_worker, initargs=(key.path, inherited)) as pool:
            for part in pool.imap(_grade_chunk, chunks):  # imap keeps the order
                results.extend(part)
                if progress:
                    progress(len(results), total)
        return results
    results = []
    for n, (qid, text) in enumerate(items, 1):
        results.append(key.by_id[qid].grade(text))
        if progress and (n % 250 == 0 or n == total):
            progress(n, total)
    return results


# -- writing ---------------------------------------------------------------------------------
def format_points(x):
    """Points as they appear in the CSV files: 2, 1.5, 0.6667 (at most 4 decimals)."""
    text = f"{round(float(x), 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def feedback_text(verdict):
    """One line of feedback; for tables the summary, then every row's mark."""
    if isinstance(verdict, TableGrade):
        marks = ", ".join(f"{m.row} {m.status}" for m in verdict.rows)
        return f"{verdict.feedback} Rows: {marks}." if marks else verdict.feedback
    return verdict.feedback


def _writer(stream):
    return csv.writer(stream, lineterminator="\n")


def write_grades(result, stream):
    """grades.csv: one row per student, one column per question (points earned), total, max."""
    w = _writer(stream)
    w.writerow(["student_id"] + [q.id for q in result.key.questions] + ["total", "max"])
    maximum = format_points(result.key.max_points)
    for student in result.students:
        w.writerow([student] + [format_points(result.earned(student, q)) for q in result.key.questions]
                   + [format_points(result.total(student)), maximum])


def write_feedback(result, stream):
    """feedback.csv: one row per student and question, with status, points and feedback."""
    w = _writer(stream)
    w.writerow(["student_id", "question_id", "status", "points", "max_points", "category",
                "feedback"])
    for student in result.students:
        for q in result.key.questions:
            v = result.verdict(student, q.id)
            w.writerow([student, q.id, v.status, format_points(v.score * q.points),
                        format_points(q.points), v.category, feedback_text(v)])


def gradescope_results(result):
    """Gradescope's results.json for the one student of the batch, as a dict."""
    if len(result.students) > 1:
        raise ADError(f"--gradescope grades one submission, but ANSWERS.csv has "
                      f"{len(result.students)} students ({', '.join(result.students[:3])}, …)")
    student = result.students[0] if result.students else None
    tests = []
    for q in result.key.questions:
        v = result.verdict(student, q.id) if student is not None else MISSING
        earned = round(v.score * q.points, 4)
        tests.append({
            "name": q.id,
            "score": earned,
            "max_score": q.points,
            "status": "passed" if v.status == "correct" else "failed",
            "output": feedback_text(v),
            "visibility": "visible",
        })
    total = round(sum(t["score"] for t in tests), 4)
    return {"score": total, "output": f"{format_points(total)} of "
                                      f"{format_points(result.key.max_points)} points.",
            "visibility": "visible", "tests": tests}


def write_gradescope(result, stream):
    json.dump(gradescope_results(result), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
