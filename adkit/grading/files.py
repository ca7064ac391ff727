"""Files a grading run reads and writes: never over an input, always atomically, never executable.

* :func:`check_outputs` refuses any output that is the same file as an input or as another
  output (same path, a symlink or a hard link: compared by device and inode, or real path).
* :func:`write_atomic` writes to a temporary file in the target's directory and renames it over
  the target, so an interrupted run leaves the old file or the new one, never half of one.
* :func:`safe_cell` neutralises spreadsheet formulas (OWASP's CSV injection rule).

>>> safe_cell("=1+1"), safe_cell("alice"), safe_cell("-x")
("'=1+1", 'alice', "'-x")
"""
import contextlib
import os
import stat
import tempfile

from adkit.core import ADError

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


def _is_stream_device(path):
    """/dev/null, /dev/full, a terminal, a pipe (/dev/stdout): written directly, not renamed."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def write_atomic(path, write, *, encoding="utf-8", binary=False):
    """Call ``write(stream)`` on a temporary file next to ``path``, then rename it to ``path``.

    A device or a pipe (/dev/null, /dev/full, /dev/stdout) is written directly. Every OS error (no space,
    no permission, a missing directory) becomes one ADError line naming the file.
    """
    mode = "wb" if binary else "w"
    kwargs = {} if binary else {"encoding": encoding, "newline": ""}
    try:
        if _is_stream_device(path):
            with open(path, mode, **kwargs) as stream:
                write(stream)
            return
        directory = os.path.dirname(os.path.abspath(path))
        fd, temporary = tempfile.mkstemp(prefix=".adkit-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, mode, **kwargs) as stream:
                write(stream)
                stream.flush()
                os.fsync(stream.fileno())
            with contextlib.suppress(OSError):
                os.chmod(temporary, 0o644 & ~_umask())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as e:
        raise ADError(f"cannot write {path}: {e.strerror or e}") from None


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
