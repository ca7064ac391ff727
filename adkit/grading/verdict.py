"""What grading returns: a Verdict for one answer, a TableGrade (with one RowMark per row) for a table.

>>> v = Verdict("incorrect", 0.0, "Check the sign.", "sign")
>>> v.status, v.score, bool(v)
('incorrect', 0.0, False)
"""
from dataclasses import dataclass, field
from html import escape

STATUSES = ("correct", "incorrect", "invalid")
ROW_STATUSES = ("correct", "incorrect", "carried", "missing")


@dataclass(frozen=True)
class Verdict:
    """The grade of one answer.

    Attributes:
        status: "correct", "incorrect" or "invalid" (the answer cannot be read).
        score: 0..1 (an incorrect answer may earn the key's partial credit for its mistake).
        feedback: one or two sentences the student can act on.
        category: why, in one word: "correct"; a mistake class ("product", "quotient",
            "power", "chain", "trig_sign", "log", "outer", "sign", "function", "variable",
            "offset", "factor", "undefined", or "differs" when no rule fits); for invalid
            answers "unread", "too_large", "empty", "unknown_variable", "error".
    """

    status: str
    score: float
    feedback: str
    category: str = ""

    def __bool__(self):
        return self.status == "correct"

    def __str__(self):
        return f"{self.status} ({self.score:g}): {self.feedback}"

    def _repr_html_(self):
        return (f"<p>{_badge(self.status)} score {self.score:g}: "
                f"{escape(self.feedback)}</p>")


@dataclass(frozen=True)
class RowMark:
    """The mark of one row of a filled-in table.

    Attributes:
        row: the row's name as the table prints it ("ẇ3", "w̄1").
        status: "correct", "incorrect", "carried" (wrong only because an earlier wrong value
            was used consistently: full credit) or "missing".
        feedback: one sentence.
        expected: the true value; got: the student's value (None when missing or unreadable).
    """

    row: str
    status: str
    feedback: str
    expected: float = None
    got: float = None

    @property
    def credit(self):
        return 1.0 if self.status in ("correct", "carried") else 0.0


@dataclass(frozen=True)
class TableGrade:
    """The grade of a filled-in tangent or adjoint column.

    Attributes:
        rows: one RowMark per table row, in table order.
        score: fraction of rows earning credit (correct or carried), 0..1.
        status: "correct" when every row earns credit, else "incorrect" ("invalid" when no
            entry could be read at all).
        feedback: a short summary naming the first rows to look at.
        extra: entries that name no row of the table (reported, not graded).
    """

    rows: tuple
    score: float
    status: str
    feedback: str
    extra: tuple = field(default=())
    category: str = "table"

    def __bool__(self):
        return self.status == "correct"

    def __str__(self):
        lines = [f"{self.status} ({self.score:.3g}): {self.feedback}"]
        lines += [f"  {m.row}: {m.status}. {m.feedback}" for m in self.rows]
        return "\n".join(lines)

    def _repr_html_(self):
        rows = "".join(f"<tr><td>{escape(m.row)}</td><td>{_badge(m.status)}</td>"
                       f"<td>{escape(m.feedback)}</td></tr>" for m in self.rows)
        return (f"<div><p>{_badge(self.status)} score {self.score:.3g}: {escape(self.feedback)}"
                f"</p><table><tr><th>row</th><th>mark</th><th>feedback</th></tr>{rows}</table>"
                f"</div>")


_COLOURS = {"correct": "#1b7837", "carried": "#b7950b", "incorrect": "#c0392b",
            "missing": "#777777", "invalid": "#777777"}


def _badge(status):
    """A status word in its colour, for Jupyter."""
    return f"<b style='color:{_COLOURS.get(status, '#222222')}'>{escape(status)}</b>"
