"""Writing an output file atomically: a reader sees the old file or the new one, never half.

Every command and surface that writes a file (tables, pages, lessons, boards, grades) uses
:func:`write_atomic`: a temporary file in the target's folder, flushed, made readable as a
normal file would be, then renamed over the target.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "out.txt")
>>> write_atomic(path, "hello"); open(path).read()
'hello'
"""
import contextlib
import os
import stat
import tempfile

from adkit.core import ADError


def _is_stream_device(path):
    """/dev/null, /dev/full, a terminal, a pipe (/dev/stdout): written directly, not renamed."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def write_atomic(path, write, *, encoding="utf-8", binary=False):
    """Call ``write(stream)`` on a temporary file next to ``path``, then rename it to ``path``.

    ``write`` may also be the text (str) or the bytes to write. A device or a pipe (/dev/null,
    /dev/full, /dev/stdout) is written directly. Every OS error (no space, no permission, a
    missing directory) becomes one ADError line naming the file.
    """
    if isinstance(write, (str, bytes)):
        content, binary = write, isinstance(write, bytes)
        write = lambda stream: stream.write(content)  # noqa: E731
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
