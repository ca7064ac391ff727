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
from adkit.grading.files import safe_cell
from adkit.grading.verdict import TableGrade, Verdict

HEADER = ("student_id", "question_id", "answer")
MISSING = Verdict("missing", 0.0, "No answer.", "missing")
NOT_ASKED = Verdict("missing", 0.0, "This question has no variant for this student.", "missing")
PARALLEL_MIN = 400   # fewer distinct answers than this: worker start-up costs more than it saves


@dataclass(frozen=True, slots=True)
class AnswerRow:
    line: int
    student: str
    question: str
    answer: str


# -- reading ---------------------------------------------------------------------------------
def read_answers(path):
    """Rows of ANSWERS.csv and a list of problems (line-numbered messages), never a crash.

    The file is streamed line by line (memory grows with the rows kept, not with copies of the
    text). Lines that are not UTF-8 are read as Latin-1 with a warning naming the line, so two
    distinct ids never collapse into one replacement character.
    """
    try:
        with open(path, "rb") as f:
            return _read_stream(f, str(path))
    except FileNotFoundError:
        raise ADError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ADError(f"{path}: is a directory, not a CSV file") from None
    except OSError as e:
        raise ADError(f"{path}: cannot read: {e.strerror or e}") from None


def read_answers_text(text, where="ANSWERS.csv"):
    """Like :func:`read_answers` on the text of the file."""
    return _read_stream(io.BytesIO(text.encode("utf-8", "surrogatepass")), where)


class _Lines:
    """Decoded lines of a binary stream for csv.reader, remembering where each line starts."""

    def __init__(self, stream, problems):
        self.stream, self.problems = stream, problems
        self.number = 0          # physical lines handed out
        self.watch, self.watched = 0, None      # the byte offset of line `watch`
        self.record_offset = None                # the byte offset of line `watch - 1`
        self.bad_lines = 0

    def __iter__(self):
        return self

    def __next__(self):
        offset = self.stream.tell()
        raw = self.stream.readline()
        if not raw:
            raise StopIteration
        self.number += 1
        if self.number == self.watch:
            self.watched = offset
        elif self.number == self.watch - 1:
            self.record_offset = offset
        if self.number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            self.bad_lines += 1
            if self.bad_lines <= MAX_ENCODING_WARNINGS:
                self.problems.append(f"line {self.number}: not UTF-8 (byte 0x{raw[e.start]:02x} at "
                                     f"column {e.start + 1}); read as Latin-1 - save the file as "
                                     f"UTF-8")
            return raw.decode("latin-1")

    def restart_at(self, number):
        """Continue from physical line ``number`` (after an unterminated quote)."""
        self.stream.seek(self.watched)
        self.number = number - 1


MAX_ENCODING_WARNINGS = 20


def _read_stream(stream, where):
    problems = []
    lines = _Lines(stream, problems)
    reader = csv.reader(lines, strict=True)
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
    where_is = [columns.index(name) for name in HEADER]
    needed = max(where_is) + 1
    rows, names = [], {}
    while True:
        start = lines.number + 1
        lines.watch, lines.watched = start + 1, None
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            if lines.number > start and lines.watched is not None:  # a quote ran over lines
                problems.append(f"line {start}: a quote opened on this line is not closed on "
                                f"it ({e}); the line is skipped and reading goes on at line "
                                f"{start + 1}")
                lines.restart_at(start + 1)
            elif "field limit" in str(e):
                row = _oversized_row(lines, start, where_is, needed)
                if row is None:
                    problems.append(f"line {start}: a field is longer than "
                                    f"{csv.field_size_limit():,} characters; skipped")
                else:
                    rows.append(row)
            else:
                problems.append(f"line {start}: cannot read this line ({e}); skipped")
            reader = csv.reader(lines, strict=True)
            continue
        row = _answer_row(record, start, where_is, needed, problems, names)
        if row is not None:
            rows.append(row)
    if lines.bad_lines > MAX_ENCODING_WARNINGS:
        problems.append(f"{lines.bad_lines - MAX_ENCODING_WARNINGS} more lines are not UTF-8")
    return rows, problems


def _oversized_row(lines, line, where_is, needed):
    """The row of a line whose answer is longer than csv's field limit (graded "too long").

    The ids are read from the start of the line; the answer is kept only up to the grader's own
    length limit, which is enough for the verdict. csv's process-wide limit is left alone.
    """
    if where_is[2] != max(where_is) or lines.record_offset is None:
        return None  # the ids come after the huge field: nothing safe to recover
    here = lines.stream.tell()
    lines.stream.seek(lines.record_offset)
    head = lines.stream.read(1 << 16).decode("utf-8", "replace").split("\n")[0]
    lines.stream.seek(here)
    fields = next(csv.reader([head]), [])
    if len(fields) < needed or not fields[where_is[0]].strip():
        return None
    return AnswerRow(line, fields[where_is[0]].strip(), fields[where_is[1]].strip(),
                     fields[where_is[2]])


def _answer_row(record, line, where_is, needed, problems, names):
    if not record or all(not field.strip() for field in record):
        return None
    if len(record) < needed:
        problems.append(f"line {line}: expected {needed} fields ({','.join(HEADER)}), got "
                        f"{len(record)}; skipped")
        return None
    student, question, answer = (record[k] for k in where_is)
    student, question = student.strip(), question.strip()
    if not student:
        problems.append(f"line {line}: empty student_id; skipped")
        return None
    # one string object per distinct id: memory stays proportional to the answers
    student = names.setdefault(student, student)
    question = names.setdefault(question, question)
    return AnswerRow(line, student, question, answer)


# -- grading ---------------------------------------------------------------------------------
@dataclass
class BatchResult:
    """Graded batch: ``students`` (sorted), ``verdicts[(student, qid)]`` and ``problems``."""

    key: object
    students: list
    verdicts: dict
    problems: list
    answers: dict = None    # (student, qid) -> the answer text graded
    answered: list = None   # the students with a row in ANSWERS.csv

    def answer(self, student, qid):
        return (self.answers or {}).get((student, qid), "")

    def verdict(self, student, qid):
        if (student, qid) in self.verdicts:
            return self.verdicts[(student, qid)]
        return MISSING if self.key.question_for(student, qid) is not None else NOT_ASKED

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
        if key.question_for(row.student, row.question) is None:
            what = "unknown question id" if row.question not in key.by_id else \
                "no variant for this student of question"
            problems.append(f"line {row.line}: {what} {row.question[:40]!r} "
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
    return [_WORKER_KEY.variants[k].grade(text) for k, text in items]


def grade_batch(key, rows, *, jobs=1, progress=None):
    """Grade ``rows`` (from :func:`read_answers`) against ``key``; returns a BatchResult.

    Args:
        jobs: worker processes (1 = this process). Results do not depend on it.
        progress: optional ``progress(done, total)`` callback over distinct answers.
    """
    chosen, answered, problems = select_answers(key, rows)
    # a per-student key (worksheets) lists its whole class, answers or not
    students = sorted(set(answered) | {q.student for q in key.variants if q.student is not None})
    chosen = {pair: text.strip() for pair, text in chosen.items() if text.strip()}  # blank: missing
    index = {id(q): k for k, q in enumerate(key.variants)}
    variant = {pair: index[id(key.question_for(*pair))] for pair in chosen}
    unique = list(dict.fromkeys((variant[pair], text) for pair, text in chosen.items()))
    graded = dict(zip(unique, _grade_all(key, unique, jobs, progress)))
    verdicts = {pair: graded[(variant[pair], text)] for pair, text in chosen.items()}
    return BatchResult(key, students, verdicts, problems, chosen, answered)


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
    for n, (k, text) in enumerate(items, 1):
        results.append(key.variants[k].grade(text))
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
    w.writerow(["student_id"] + [safe_cell(q.id) for q in result.key.questions] + ["total", "max"])
    maximum = format_points(result.key.max_points)
    for student in result.students:
        w.writerow([safe_cell(student)] + [format_points(result.earned(student, q)) for q in result.key.questions]
                   + [format_points(result.total(student)), maximum])


def write_feedback(result, stream):
    """feedback.csv: one row per student and question: the answer, status, points, feedback.

    Every text cell goes through :func:`~adkit.grading.files.safe_cell`, so an answer such as
    ``-cos(x)`` reads ``'-cos(x)`` and no cell is ever a spreadsheet formula.
    """
    w = _writer(stream)
    w.writerow(["student_id", "question_id", "answer", "status", "points", "max_points",
                "category", "feedback"])
    for student in result.students:
        for q in result.key.questions:
            v = result.verdict(student, q.id)
            w.writerow([safe_cell(student), safe_cell(q.id), safe_cell(result.answer(student, q.id)),
                        v.status, format_points(v.score * q.points), format_points(q.points),
                        v.category, safe_cell(feedback_text(v))])


def gradescope_results(result):
    """Gradescope's results.json for the one student of the batch, as a dict."""
    students = result.students if result.answered is None else result.answered
    if len(students) > 1:
        raise ADError(f"--gradescope grades one submission, but ANSWERS.csv has "
                      f"{len(students)} students ({', '.join(students[:3])}, …)")
    student = students[0] if students else None
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
