"""The README's Python examples are tests: documentation cannot drift from the code."""
import doctest
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.skipif(not README.exists(), reason="README.md is not beside the tests")
def test_readme_examples_run_as_written():
    result = doctest.testfile(str(README), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 20  # the examples were found
    assert result.failed == 0


CONSOLE = r"```console\n\$ (adkit (?:trace|check)[^\n]*)\n(.*?)```"


@pytest.mark.skipif(not README.exists(), reason="README.md is not beside the tests")
def test_readme_trace_and_check_outputs_are_real_runs():
    """Every pasted `adkit trace`/`adkit check` output is what the command prints today."""
    import re
    import shlex
    import subprocess
    import sys
    blocks = [(cmd, out) for cmd, out in re.findall(CONSOLE, README.read_text(encoding="utf-8"),
                                                   re.S) if "$ echo" not in out]
    assert len(blocks) >= 7
    for cmd, expected in blocks:
        done = subprocess.run([sys.executable, "-m", "adkit"] + shlex.split(cmd)[1:],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (cmd, done.stderr)
        assert done.stdout == expected, cmd
