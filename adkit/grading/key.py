"""The answer key of a batch: KEY.toml read, checked and compiled once (one Question per entry).

A key is a list of ``[[question]]`` tables::

    [[question]]
    id = "q1"                       # unique; the column name in grades.csv
    function = "x1*x2 + sin(x1)"    # the reference, read by ad.parse
    wrt = "x1"                      # differentiate with respect to this variable
    points = 2                      # default 1
    variables = ["x1", "x2"]        # optional: names an answer may use
    domain = { x1 = [0.1, 3] }      # optional: where to sample points (default [-3, 3])

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
import numbers
import sys

from adkit.core import ADError, ParseError
from adkit.grading.single import Question
from adkit.grading.table import TableQuestion

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_COMMON = {"id", "type", "function", "points"}
_FIELDS = {"derivative": _COMMON | {"wrt", "variables", "domain"},
           "table": _COMMON | {"at", "mode", "seed"}}


class KeyQuestion:
    """One compiled question of the key: ``id``, ``type``, ``points`` and the grader."""

    def __init__(self, qid, qtype, points, grader):
        self.id, self.type, self.points, self.grader = qid, qtype, points, grader

    def grade(self, answer):
        """Grade one answer text; never raises."""
        try:
            return self.grader.grade(answer)
        except Exception as e:  # a batch never stops for one answer
            from adkit.grading.verdict import Verdict
            return Verdict("invalid", 0.0, f"Could not grade this answer ({type(e).__name__}).",
                           "error")


class Key:
    """The compiled key: ``questions`` in file order, ``by_id``, ``max_points``, ``path``."""

    def __init__(self, questions, path=None):
        self.questions = questions
        self.by_id = {q.id: q for q in questions}
        self.max_points = sum(q.points for q in questions)
        self.path = path


def load_key(path):
    """Read, check and compile KEY.toml; raise ADError with a precise message on any mistake."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ADError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ADError(f"{path}: cannot read the key: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ADError(f"{path}: not valid TOML: {e}") from None
    return Key(key_from_dict(data, str(path)), path=str(path))


def key_from_dict(data, where="KEY.toml"):
    """The questions of an already decoded key (``{"question": [ {...}, ... ]}``)."""
    unknown = [k for k in data if k != "question"]
    if unknown:
        raise ADError(f"{where}: unknown top-level key(s) {', '.join(map(repr, unknown))}; a key "
                      f"is a list of [[question]] tables")
    entries = data.get("question")
    if not isinstance(entries, list) or not entries:
        raise ADError(f"{where}: no questions; add [[question]] tables with id, function, wrt, "
                      f"points")
    questions, seen = [], set()
    for number, entry in enumerate(entries, 1):
        question = _question(entry, number, where)
        if question.id in seen:
            raise ADError(f"{where}: question {number}: the id {question.id!r} is used twice")
        seen.add(question.id)
        questions.append(question)
    return questions


def _question(entry, number, where):
    qid = entry.get("id")
    label = f"{where}: question {number}" + (f" ({qid!r})" if isinstance(qid, str) else "")
    if not isinstance(qid, str) or not qid.strip() or qid != qid.strip() or "," in qid:
        raise ADError(f"{label}: 'id' must be a non-empty name without commas, e.g. id = \"q1\"")
    if qid in ("student_id", "total", "max"):
        raise ADError(f"{label}: the id {qid!r} is reserved (a column of grades.csv)")
    qtype = entry.get("type", "derivative")
    if qtype not in _FIELDS:
        raise ADError(f"{label}: type must be \"derivative\" or \"table\", got {qtype!r}")
    unknown = sorted(set(entry) - _FIELDS[qtype])
    if unknown:
        raise ADError(f"{label}: unknown field(s) {', '.join(unknown)} for a {qtype} question; "
                      f"the fields are {', '.join(sorted(_FIELDS[qtype]))}")
    function = entry.get("function")
    if not isinstance(function, str) or not function.strip():
        raise ADError(f"{label}: 'function' must be an expression, e.g. function = \"x1*x2 + sin(x1)\"")
    points = entry.get("points", 1)
    if not isinstance(points, numbers.Real) or isinstance(points, bool) or not points > 0 \
            or points != points or points == float("inf"):
        raise ADError(f"{label}: 'points' must be a positive number, got {points!r}")
    try:
        grader = _derivative(entry, function, label) if qtype == "derivative" else \
            _table(entry, function, label)
    except ParseError as e:
        raise ADError(f"{label}: cannot read the function: {e}") from None
    except ADError as e:
        raise ADError(f"{label}: {str(e).removeprefix('grade: ').removeprefix('grade_table: ')}") \
            from None
    return KeyQuestion(qid, qtype, float(points), grader)


def _derivative(entry, function, label):
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
    return Question(function, wrt, variables=variables, domain=domain)


def _table(entry, function, label):
    at = entry.get("at")
    if not isinstance(at, dict) or not all(isinstance(v, numbers.Real) and not isinstance(v, bool)
                                           for v in at.values()):
        raise ADError("'at' must give the point, e.g. at = { x1 = 2, x2 = 5 }")
    mode = entry.get("mode", "forward")
    seed = entry.get("seed")
    if seed is not None and mode != "forward":
        raise ADError("'seed' is for forward tables only")
    return TableQuestion(function, {k: float(v) for k, v in at.items()}, mode, seed)
