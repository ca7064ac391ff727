"""Files a grading run reads and writes: never over an input, always atomically, never executable.

* :func:`check_outputs` refuses any output that is the same file as an input or as another
  output (same path, a symlink or a hard link: compared by device and inode, or real path).
* :func:`write_atomic` writes to a temporary file in the target's directory and renames it over
  the target, so an interrupted run leaves the old file or the new one, never half of one.
* :func:`safe_cell` neutralises spreadsheet formulas (OWASP's CSV injection rule).

>>> safe_cell("=1+1"), safe_cell("alice"), safe_cell("-x")
("'=1+1", 'alice', "'-x")
"""
import os

from adkit.core import ADError
from adkit.files import _is_stream_device, write_atomic  # noqa: F401 (the one atomic writer)

__all__ = ["check_outputs", "safe_cell", "write_atomic"]

# OWASP "CSV Injection": a cell starting with one of these is a formula to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(text):
    """``text`` as a spreadsheet shows it but never runs it: a leading ' before a formula start."""
    text = str(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _identity(path):
    """Something equal for two names of one file: (device, inode), else the real path."""
    try:
        info = os.stat(path)
    except OSError:
        return ("path", os.path.realpath(path))
    return ("inode", info.st_dev, info.st_ino)


def check_outputs(inputs, outputs):
    """Raise ADError if an output names an input or another output.

    Args:
        inputs: ``{option: path}`` of files read (e.g. ``{"KEY.toml": "key.toml"}``).
        outputs: ``{option: path}`` of files written; None values are skipped.
    """
    seen = {}
    for label, path in inputs.items():
        seen.setdefault(_identity(path), ("input", label, path))
    for label, path in outputs.items():
        if path is None:
            continue
        identity = _identity(path)
        if identity in seen and not _is_stream_device(path):
            role, other, other_path = seen[identity]
            raise ADError(f"{label} {path} is the same file as the {role} {other} "
                          f"({other_path}); choose another file name")
        seen[identity] = ("output", label, path)
