"""The answer key of a batch: KEY.toml read, checked and compiled once (one Question per entry).

A key is a list of ``[[question]]`` tables, with optional defaults in ``[options]``::

    [options]                       # defaults for every question (each may override them)
    reading = "lenient"             # "lenient" (2x, 3x^2, x₁, SIN x) or "strict" (adkit.parse only)
    tolerance = 1e-8                # relative tolerance (tables: 5e-3, digits copied by hand)
    partial_credit = { chain = 0.5, sign = 0.5 }   # score of an answer with that mistake

    [[question]]
    id = "q1"                       # the column name in grades.csv
    function = "x1*x2 + sin(x1)"    # the reference, read by ad.parse
    wrt = "x1"                      # differentiate with respect to this variable
    points = 2                      # default 1
    variables = ["x1", "x2"]        # optional: names an answer may use
    domain = { x1 = [0.1, 3] }      # optional: where to sample points (default [-3, 3])
    student = "s1"                  # optional: this variant is for one student only

    [[question]]
    id = "t1"
    type = "table"                  # "derivative" (default) or "table"
    function = "x1*x2 + sin(x1)"
    at = { x1 = 2, x2 = 5 }
    mode = "forward"                # or "reverse"
    seed = { x1 = 1 }               # forward only; or seed = "x1"
    points = 5

Every mistake in the key is an ADError naming the question and the field.
"""
import math
import numbers
import sys

from adkit.core import ADError, ParseError
from adkit.grading.single import Question
from adkit.grading.table import TABLE_RTOL, TableQuestion
from adkit.grading.mistakes import CREDIT_CLASSES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_OPTIONS = {"reading", "tolerance", "partial_credit"}
_COMMON = {"id", "type", "function", "points", "student"} | _OPTIONS
_FIELDS = {"derivative": _COMMON | {"wrt", "variables", "domain"},
           "table": _COMMON | {"at", "mode", "seed"}}
MAX_NAME = 200


class KeyQuestion:
    """One compiled question of the key: ``id``, ``type``, ``points``, ``student`` and the grader."""

    def __init__(self, qid, qtype, points, grader, student=None):
        self.id, self.type, self.points, self.grader = qid, qtype, points, grader
        self.student = student

    def grade(self, answer):
        """Grade one answer text; never raises."""
        try:
            return self.grader.grade(answer)
        except Exception as e:  # a batch never stops for one answer
            from adkit.grading.verdict import Verdict
            return Verdict("invalid", 0.0, f"Could not grade this answer ({type(e).__name__}).",
                           "error")


class Key:
    """The compiled key.

    Attributes:
        questions: one KeyQuestion per question id, in file order (the columns of grades.csv).
        variants: every compiled KeyQuestion (per-student variants included).
        by_id: ``{id: KeyQuestion}`` (the first variant of each id).
        max_points, path.
    """

    def __init__(self, questions, path=None):
        self.variants = list(questions)
        self._for = {(q.id, q.student): q for q in self.variants}
        self.by_id = {}
        for q in self.variants:
            self.by_id.setdefault(q.id, q)
        self.questions = list(self.by_id.values())
        self.max_points = sum(q.points for q in self.questions)
        self.path = path

    def question_for(self, student, qid):
        """The variant of question ``qid`` that ``student`` answers (None: no such question)."""
        return self._for.get((qid, student)) or self._for.get((qid, None))


def load_key(path):
    """Read, check and compile KEY.toml; raise ADError with a precise message on any mistake."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_KEY_BYTES + 1)
    except FileNotFoundError:
        raise ADError(f"{path}: no such file") from None
    except OSError as e:
        raise ADError(f"{path}: cannot read the key: {e.strerror or e}") from None
    if len(raw) > MAX_KEY_BYTES:
        raise ADError(f"{path}: the key is larger than {MAX_KEY_BYTES // 1_000_000} MB")
    try:
        text = raw.decode("utf-8-sig")  # a BOM (Windows editors) is not part of the TOML
    except UnicodeDecodeError as e:
        raise ADError(f"{path}: not UTF-8 (byte 0x{raw[e.start]:02x} at offset {e.start}); save "
                      f"the key as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ADError(f"{path}: not valid TOML: {e}") from None
    except RecursionError:
        raise ADError(f"{path}: not valid TOML: nested too deeply") from None
    return Key(key_from_dict(data, str(path)), path=str(path))


MAX_KEY_BYTES = 20_000_000


def key_from_dict(data, where="KEY.toml"):
    """The questions of an already decoded key (``{"question": [ {...}, ... ]}``)."""
    if not isinstance(data, dict):
        raise ADError(f"{where}: a key is a list of [[question]] tables")
    unknown = [k for k in data if k not in ("question", "options")]
    if unknown:
        raise ADError(f"{where}: unknown top-level key(s) {', '.join(repr(k[:40]) for k in unknown)}"
                      f"; a key is a list of [[question]] tables (and an optional [options])")
    options = data.get("options", {})
    if not isinstance(options, dict) or set(options) - _OPTIONS:
        raise ADError(f"{where}: [options] may set {', '.join(sorted(_OPTIONS))}")
    entries = data.get("question")
    if not isinstance(entries, list) or not entries:
        raise ADError(f"{where}: no questions; add [[question]] tables with id, function, wrt, "
                      f"points")
    questions, seen, points = [], set(), {}
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise ADError(f"{where}: question {number} must be a table ([[question]] with id, "
                          f"function, ...), got {type(entry).__name__}")
        question = _question({**options, **entry}, number, where)
        pair = (question.id, question.student)
        if pair in seen:
            who = f" for student {question.student!r}" if question.student else ""
            raise ADError(f"{where}: question {number}: the id {question.id!r} is used twice{who}")
        if points.setdefault(question.id, question.points) != question.points:
            raise ADError(f"{where}: question {number}: every variant of {question.id!r} must "
                          f"give the same points")
        seen.add(pair)
        questions.append(question)
    return questions


def _question(entry, number, where):
    qid = entry.get("id")
    label = f"{where}: question {number}" + (f" ({qid[:40]!r})" if isinstance(qid, str) else "")
    if not isinstance(qid, str) or not qid.strip() or qid != qid.strip() or "," in qid \
            or len(qid) > MAX_NAME:
        raise ADError(f"{label}: 'id' must be a non-empty name without commas, e.g. id = \"q1\"")
    if qid in ("student_id", "total", "max"):
        raise ADError(f"{label}: the id {qid!r} is reserved (a column of grades.csv)")
    qtype = entry.get("type", "derivative")
    if qtype not in _FIELDS:
        raise ADError(f"{label}: type must be \"derivative\" or \"table\", got {str(qtype)[:40]!r}")
    unknown = sorted(str(k)[:40] for k in set(entry) - _FIELDS[qtype])
    if unknown:
        raise ADError(f"{label}: unknown field(s) {', '.join(unknown)} for a {qtype} question; "
                      f"the fields are {', '.join(sorted(_FIELDS[qtype]))}")
    function = entry.get("function")
    if not isinstance(function, str) or not function.strip():
        raise ADError(f"{label}: 'function' must be an expression, e.g. function = \"x1*x2 + sin(x1)\"")
    points = entry.get("points", 1)
    if _real(points) is None or not 0 < points < 1e9:
        raise ADError(f"{label}: 'points' must be a positive number, got {str(points)[:40]}")
    student = entry.get("student")
    if student is not None and (not isinstance(student, str) or not student.strip()
                                or len(student) > MAX_NAME):
        raise ADError(f"{label}: 'student' must be a student_id, e.g. student = \"s1\"")
    try:
        options = _grading_options(entry)
        grader = _derivative(entry, function, options) if qtype == "derivative" else \
            _table(entry, function, options)
    except ParseError as e:
        raise ADError(f"{label}: cannot read the function: {e}") from None
    except ADError as e:
        raise ADError(f"{label}: {str(e).removeprefix('grade: ').removeprefix('grade_table: ')}") \
            from None
    return KeyQuestion(qid, qtype, float(points), grader, student and student.strip())


def _real(value):
    """``value`` as a finite float, or None (bools, text, nan, inf and huge ints are not)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        number = float(value)
    except (OverflowError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _grading_options(entry):
    reading = entry.get("reading", "lenient")
    if reading not in ("lenient", "strict"):
        raise ADError(f"'reading' must be \"lenient\" or \"strict\", got {str(reading)[:40]!r}")
    tolerance = entry.get("tolerance")
    if tolerance is not None and (_real(tolerance) is None or not 0 < tolerance < 0.5):
        raise ADError(f"'tolerance' must be a relative tolerance between 0 and 0.5, e.g. "
                      f"tolerance = 1e-6, got {str(tolerance)[:40]}")
    credit = entry.get("partial_credit", {})
    if not isinstance(credit, dict):
        raise ADError("'partial_credit' must be a table, e.g. partial_credit = { chain = 0.5 }")
    for name, value in credit.items():
        if name not in CREDIT_CLASSES:
            raise ADError(f"'partial_credit' names {str(name)[:40]!r}, not a mistake class; the "
                          f"classes are {', '.join(CREDIT_CLASSES)}")
        if _real(value) is None or not 0 <= value <= 1:
            raise ADError(f"'partial_credit' of {name} must be a number from 0 to 1")
    return {"lenient": reading == "lenient", "tolerance": tolerance,
            "partial_credit": {k: float(v) for k, v in credit.items()}}


def _derivative(entry, function, options):
    wrt = entry.get("wrt")
    if not isinstance(wrt, str):
        raise ADError("'wrt' must name the variable, e.g. wrt = \"x1\"")
    variables = entry.get("variables")
    if variables is not None and (not isinstance(variables, list)
                                  or not all(isinstance(v, str) for v in variables)):
        raise ADError("'variables' must be a list of names, e.g. variables = [\"x1\", \"x2\"]")
    domain = entry.get("domain")
    if domain is not None and not isinstance(domain, dict):
        raise ADError("'domain' must be a table, e.g. domain = { x1 = [0.1, 3] }")
    return Question(function, wrt, variables=variables, domain=domain, **options)


def _table(entry, function, options):
    at = entry.get("at")
    if not isinstance(at, dict) or not at or not all(_real(v) is not None for v in at.values()):
        raise ADError("'at' must give the point with finite numbers, e.g. at = { x1 = 2, x2 = 5 }")
    mode = entry.get("mode", "forward")
    seed = entry.get("seed")
    if seed is not None and mode != "forward":
        raise ADError("'seed' is for forward tables only")
    if isinstance(seed, dict) and not all(_real(v) is not None for v in seed.values()):
        raise ADError("'seed' must give finite numbers, e.g. seed = { x1 = 1 }, or a name, "
                      "e.g. seed = \"x1\"")
    if seed is not None and not isinstance(seed, (dict, str)):
        raise ADError("'seed' must be a name, e.g. seed = \"x1\", or a table, e.g. seed = { x1 = 1 }")
    tolerance = options["tolerance"]
    return TableQuestion(function, {k: float(v) for k, v in at.items()}, mode, seed,
                         rtol=TABLE_RTOL if tolerance is None else tolerance,
                         lenient=options["lenient"])
