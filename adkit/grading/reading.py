"""Reading a student's answer: the allow-list parser and nothing else, with every failure a Verdict.

Student text is untrusted. It goes to :func:`adkit.parse` (which never evaluates text) after two
cheap gates (type and length); whatever goes wrong becomes an "invalid" verdict that says where.
Nothing here raises for bad input.

>>> graph, problem = read_expression("cos(x1) + x2", ("x1", "x2"))
>>> graph.inputs, problem
(('x1', 'x2'), None)
>>> read_expression("cos(x1) + y", ("x1", "x2"))[1].category
'unknown_variable'
"""
import re

from adkit.core import ADError, ParseError
from adkit.graph import Graph
from adkit.grading.verdict import Verdict

MAX_ANSWER_CHARS = 10_000   # far above any honest answer; the parser has its own bound as well
MAX_ANSWER_NODES = 5_000


def invalid(feedback, category):
    return Verdict("invalid", 0.0, feedback, category)


_SUGGESTION = re.compile(r"[;:,]? *did you mean (.+?)\?$")


def parse_error_feedback(error, names=None):
    """'Could not read your answer: <reason> (column N).' from a ParseError.

    With ``names``, a "did you mean ...?" suggestion is kept only if it is itself a valid answer.
    """
    reason = str(getattr(error, "reason", "") or error).strip().rstrip(".")
    match = _SUGGESTION.search(reason)
    if match and names is not None:
        from adkit.grading.lenient import suggestion_is_valid
        options = [o.strip() for o in match.group(1).split(" or ")]
        if not all(suggestion_is_valid(o, names) for o in options):
            reason = reason[:match.start()].rstrip()
    column = getattr(error, "column", None)
    where = f" (column {column})" if column else ""
    return f"Could not read your answer: {reason}{where}."


def _column_of(name, text):
    match = re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text)
    return match.start() + 1 if match else None


def _parse(text, names, lenient):
    from adkit.parse import parse
    try:
        return parse(text, variables=list(names))
    except ParseError as strict_error:
        if not lenient:
            raise
        from adkit.grading.lenient import rewrite
        try:
            return parse(rewrite(text, names), variables=list(names))
        except ParseError as lenient_error:
            reason = str(getattr(lenient_error, "reason", ""))
            match = re.match(r"unknown variable '([^']+)'", reason)
            if match:  # the more useful message, placed in the student's own text
                raise ParseError(reason, text, _column_of(match.group(1), text)) from None
            raise strict_error from None


def read_expression(text, names, lenient=False):
    """Parse ``text`` as an expression of the variables ``names``.

    Returns ``(graph, None)`` when it can be read, else ``(None, invalid verdict)``.
    A number (int or float) is accepted as a constant answer. ``lenient``: when the strict
    parser refuses the text, read it again as rewritten by :mod:`adkit.grading.lenient` (2x,
    x₁, SIN x); errors are always reported against the text the student wrote.
    """
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        return None, invalid(f"Could not read your answer: expected text, got "
                             f"{type(text).__name__}.", "unread")
    if not isinstance(text, str):
        text = repr(float(text))
    if len(text) > MAX_ANSWER_CHARS:
        return None, invalid(f"Your answer is too long ({len(text):,} characters; at most "
                             f"{MAX_ANSWER_CHARS:,}).", "too_large")
    if not text.strip():
        return None, invalid("The answer is empty.", "empty")
    try:
        graph = _parse(text, names, lenient)
    except ParseError as e:
        category = "unknown_variable" if "variable" in str(getattr(e, "reason", "")).lower() else "unread"
        return None, invalid(parse_error_feedback(e, names), category)
    except (ADError, ValueError, TypeError, OverflowError, RecursionError, MemoryError) as e:
        return None, invalid(f"Could not read your answer: {str(e).splitlines()[0] if str(e) else type(e).__name__}.",
                             "unread")
    if not isinstance(graph, Graph) or len(graph.outputs) != 1:
        return None, invalid("Could not read your answer: give one expression.", "unread")
    unknown = [n for n in graph.inputs if n not in names]
    if unknown:
        column = _column_of(unknown[0], text)
        where = f" (column {column})" if column else ""
        return None, invalid(f"Unknown variable '{unknown[0]}'{where}; use "
                             f"{', '.join(names)}.", "unknown_variable")
    if len(graph) > MAX_ANSWER_NODES:
        return None, invalid(f"Your answer is too large ({len(graph):,} operations; at most "
                             f"{MAX_ANSWER_NODES:,}).", "too_large")
    return graph, None
