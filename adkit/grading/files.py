"""Files a grading run reads and writes: never over an input, always atomically, never executable.

* :func:`check_outputs` and :func:`write_atomic` are :mod:`adkit.files`' (never over an input,
  always atomic), named here for grading's writers.
* :func:`safe_cell` neutralises spreadsheet formulas (OWASP's CSV injection rule).

>>> safe_cell("=1+1"), safe_cell("alice"), safe_cell("-x")
("'=1+1", 'alice', "'-x")
"""
from adkit.files import check_outputs, write_atomic  # noqa: F401  (grading's writers use these)

# OWASP "CSV Injection": a cell starting with one of these is a formula to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(text):
    """``text`` as a spreadsheet shows it but never runs it: a leading ' before a formula start."""
    text = str(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
