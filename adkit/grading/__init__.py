"""Grading students' derivatives: single answers, filled-in trace tables, and course batches.

* :func:`grade` decides numerically (adkit's own derivative of the reference against the
  student's expression at seeded points spread over the domain; defined and equal at every
  one) and names the misapplied rule and where (:mod:`adkit.grading.mistakes`). Answers are
  read leniently (2x, x₁, SIN x: :mod:`adkit.grading.lenient`) by the allow-list parser.
* :func:`grade_table` marks a tangent or adjoint column row by row, crediting errors carried
  forward.
* :mod:`adkit.grading.batch` runs a whole course (KEY.toml + ANSWERS.csv) for ``adkit grade``;
  :mod:`adkit.grading.files` writes its outputs safely, :mod:`adkit.grading.report` the class
  report, :mod:`adkit.grading.gradescope` the autograder bundle, and
  :mod:`adkit.grading.worksheet` per-student worksheets with their key.

Student text is only ever read by the allow-list parser :func:`adkit.parse`; symbolic steps run
in a worker process under a hard time limit (:mod:`adkit.grading.sandbox`).

>>> import adkit as ad
>>> v = ad.grade("x1*x2 + sin(x1)", "x2 - cos(x1)", "x1")
>>> v.status, v.feedback
('incorrect', "Trig derivative sign in the derivative of sin x1: (sin u)' = cos u · u'.")
"""
from adkit.grading.single import Question, grade
from adkit.grading.table import TableQuestion, grade_table
from adkit.grading.verdict import RowMark, TableGrade, Verdict

__all__ = ["grade", "grade_table", "Question", "TableQuestion", "Verdict", "TableGrade", "RowMark"]
