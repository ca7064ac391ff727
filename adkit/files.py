"""Writing output files safely: atomically, never over an input, with one clear error line.

Every file adkit writes (tables, pages, drawings, notebooks, boards, grades) goes through
:func:`write_atomic`: the data goes to a temporary file in the target's folder, which is then
renamed over the target, so an interrupted run leaves the old file or the new one, never half
of one. :func:`check_outputs` refuses an output that is the same file as an input or as another
output (same path, a symlink or a hard link).

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> target = os.path.join(folder, "table.txt")
>>> write_atomic(target, "w1 = x1\\n")
>>> open(target, encoding="utf-8").read()
'w1 = x1\\n'
>>> check_outputs({"KEY.toml": target}, {"-o": target})
Traceback (most recent call last):
...
adkit.core.ADError: -o ... is the same file as the input KEY.toml (...); choose another file name
"""
import contextlib
import os
import stat
import tempfile

from adkit.core import ADError


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
        if path is not None:
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


def write_atomic(path, content, *, encoding="utf-8", binary=None):
    """Write ``content`` to ``path`` through a temporary file next to it and a rename.

    ``content`` is the text (str), the bytes, or a function ``write(stream)`` that writes them
    (``binary=True`` then opens the stream in bytes mode). A device or a pipe (/dev/null,
    /dev/full, /dev/stdout) is written directly. The file gets the usual permissions (0644
    less the umask). Every OS error (no space, no permission, a missing folder) becomes one
    ADError line naming the file.
    """
    write = content if callable(content) else (lambda stream: stream.write(content))
    if binary is None:
        binary = isinstance(content, (bytes, bytearray))
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


def save_figure(fig, path, **savefig_options):
    """``fig.savefig`` into ``path`` atomically (the format from the file's extension)."""
    ext = os.path.splitext(str(path))[1].lstrip(".").lower() or "png"
    supported = fig.canvas.get_supported_filetypes()
    if ext not in supported:
        raise ADError(f"cannot write {path}: a figure is saved as "
                      f"{', '.join('.' + e for e in sorted(supported))}, not .{ext}")
    write_atomic(path, lambda stream: fig.savefig(stream, format=ext, **savefig_options),
                 binary=True)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
