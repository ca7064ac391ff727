"""adkit.files: the one way adkit writes an output file (atomic, never over an input, readable)."""
import os
import stat

import pytest

import adkit as ad
from adkit.cli import main
from adkit.files import check_outputs, write_atomic


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_text_bytes_and_writer_functions(tmp_path):
    write_atomic(tmp_path / "a.txt", "é\n")
    write_atomic(tmp_path / "b.bin", b"\x00\x01")
    write_atomic(tmp_path / "c.txt", lambda f: f.write("from a writer"))
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "é\n"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "c.txt").read_text() == "from a writer"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_outputs_get_the_usual_permissions(tmp_path):
    """A page for the class web server must be readable by others (mkstemp alone gives 0600)."""
    old = os.umask(0o022)
    try:
        assert main(["page", "x*y", "--at", "x=1", "y=2", "-o", str(tmp_path / "p.html")]) == 0
        assert main(["trace", "x*y", "--at", "x=1", "y=2", "-o", str(tmp_path / "t.txt")]) == 0
        assert main(["draw", "x*y", "--at", "x=1", "y=2", "-o", str(tmp_path / "g.png")]) == 0
    finally:
        os.umask(old)
    for name in ("p.html", "t.txt", "g.png"):
        assert _mode(tmp_path / name) == 0o644, name


def test_a_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "grades.csv"
    target.write_text("old")

    def half_then_fail(stream):
        stream.write("half")
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, half_then_fail)
    assert target.read_text() == "old"


def test_an_output_is_never_an_input(tmp_path):
    key = tmp_path / "key.toml"
    key.write_text("x")
    os.link(key, tmp_path / "hard.toml")
    (tmp_path / "soft.toml").symlink_to(key)
    for same in (key, tmp_path / "hard.toml", tmp_path / "soft.toml"):
        with pytest.raises(ad.ADError, match="same file as the input KEY.toml"):
            check_outputs({"KEY.toml": str(key)}, {"-o": str(same)})
    with pytest.raises(ad.ADError, match="same file as the output -o"):
        check_outputs({}, {"-o": str(tmp_path / "x"), "--feedback": str(tmp_path / "x")})


def test_os_errors_are_one_line(tmp_path):
    with pytest.raises(ad.ADError, match="cannot write .*no-such-folder"):
        write_atomic(tmp_path / "no-such-folder" / "x.txt", "x")
    if os.path.exists("/dev/full"):
        with pytest.raises(ad.ADError, match="cannot write /dev/full"):
            write_atomic("/dev/full", "x" * 100000)
