"""A ready Gradescope autograder: ``adkit grade KEY.toml --gradescope-bundle DIR``.

Gradescope's autograder specification: a zip whose top level holds ``setup.sh`` (run once, as
root, to build the image) and ``run_autograder`` (run per submission, from
``/autograder/source``); the student's files are in ``/autograder/submission`` and the result
goes to ``/autograder/results/results.json``. The bundle written here holds those two scripts,
the key, and a copy of adkit itself (pure Python, so the image needs only numpy, sympy and
matplotlib from pip), both as files in DIR and as ``DIR/autograder.zip`` to upload.

``run_autograder`` honours ``AUTOGRADER_ROOT`` (default ``/autograder``) and ``ADKIT_PYTHON``
(default ``python3``), which is how the tests run it on a fake submission directory. A
submission that cannot be graded still gets a results.json: score 0 and the reason.
"""
import json
import os
import shutil
import sys
import zipfile

from adkit.core import ADError
from adkit.grading.files import check_outputs, write_atomic

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the autograder image.
set -euo pipefail
apt-get update -q
apt-get install -y -q python3 python3-pip
pip3 install --no-cache-dir {requirements}
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission. The submission is a CSV file with the header
# student_id,question_id,answer (one row per question); the score goes to results.json.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${ADKIT_PYTHON:-python3}"
SOURCE="$ROOT/source"
RESULTS="$ROOT/results"
mkdir -p "$RESULTS"
SUBMISSION="$(find "$ROOT/submission" -type f -name '*.csv' 2>/dev/null | sort | head -n 1)"
export PYTHONPATH="$SOURCE${PYTHONPATH:+:$PYTHONPATH}"
if [ -z "$SUBMISSION" ]; then
  echo "adkit grade: error: no .csv file in the submission" > "$RESULTS/error.txt"
elif "$PYTHON" -m adkit grade "$SOURCE/key.toml" "$SUBMISSION" -o /dev/null \\
     --gradescope "$RESULTS/results.json" 2> "$RESULTS/error.txt"; then
  exit 0
fi
"$PYTHON" -m adkit.grading.gradescope "$RESULTS/error.txt" "$RESULTS/results.json"
"""

REQUIREMENTS = ["numpy>=1.22", "sympy>=1.10", "matplotlib>=3.5", "tomli>=1.1"]
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # zip entries dated alike: the same key gives the same zip


def _package_files():
    """(path on disk, path in the bundle) for every file of the installed adkit package."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the adkit package
    out = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(folder, name)
            out.append((path, os.path.join("adkit", os.path.relpath(path, root))))
    return out


def write_bundle(key, key_path, directory):
    """Write the autograder to ``directory`` (created if needed); returns the zip's path.

    The key is copied byte for byte after :func:`~adkit.grading.key.load_key` accepted it.
    """
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise ADError(f"--gradescope-bundle {directory}: exists and is not a directory")
    if os.path.isdir(directory) and os.listdir(directory) and \
            not os.path.exists(os.path.join(directory, "run_autograder")):
        raise ADError(f"--gradescope-bundle {directory}: the directory is not empty and holds no "
                      f"earlier bundle; choose a new directory")
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if os.path.realpath(os.path.join(directory, "adkit")) == os.path.realpath(package_root):
        raise ADError(f"--gradescope-bundle {directory}: this is where adkit itself is installed; "
                      f"choose a new directory")
    check_outputs({"KEY.toml": key_path}, {
        f"--gradescope-bundle {directory}": os.path.join(directory, "key.toml"),
        "the bundle's setup.sh": os.path.join(directory, "setup.sh"),
        "the bundle's run_autograder": os.path.join(directory, "run_autograder"),
        "the bundle's autograder.zip": os.path.join(directory, "autograder.zip")})
    try:
        os.makedirs(directory, exist_ok=True)
        with open(key_path, "rb") as f:
            key_bytes = f.read()
    except OSError as e:
        raise ADError(f"--gradescope-bundle {directory}: {e.strerror or e}") from None
    scripts = {"setup.sh": SETUP_SH.format(requirements=" ".join(f"'{r}'" for r in REQUIREMENTS)),
               "run_autograder": RUN_AUTOGRADER}
    for name, text in scripts.items():
        path = os.path.join(directory, name)
        write_atomic(path, lambda f, text=text: f.write(text))
        os.chmod(path, 0o755)
    write_atomic(os.path.join(directory, "key.toml"), lambda f: f.write(key_bytes), binary=True)
    package = _package_files()
    target = os.path.join(directory, "adkit")
    if os.path.isdir(target):
        shutil.rmtree(target)
    for source, inside in package:
        os.makedirs(os.path.dirname(os.path.join(directory, inside)), exist_ok=True)
        shutil.copyfile(source, os.path.join(directory, inside))
    archive = os.path.join(directory, "autograder.zip")
    write_atomic(archive, lambda f: _write_zip(f, scripts, key_bytes, package), binary=True)
    return archive


def _write_zip(stream, scripts, key_bytes, package):
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in scripts.items():
            info = zipfile.ZipInfo(name, _FIXED_TIME)
            info.external_attr = 0o100755 << 16
            z.writestr(info, text)
        z.writestr(zipfile.ZipInfo("key.toml", _FIXED_TIME), key_bytes)
        for source, inside in package:
            with open(source, "rb") as f:
                z.writestr(zipfile.ZipInfo(inside.replace(os.sep, "/"), _FIXED_TIME), f.read())


def error_results(message):
    """results.json for a submission that could not be graded: score 0 and the reason."""
    message = message.strip() or "the submission could not be graded"
    return {"score": 0.0, "output": f"Your submission could not be graded: {message}",
            "visibility": "visible", "tests": []}


def main(argv=None):
    """``python -m adkit.grading.gradescope ERROR.txt results.json`` (used by run_autograder)."""
    error_file, results_file = (argv if argv is not None else sys.argv[1:])[:2]
    try:
        with open(error_file, encoding="utf-8", errors="replace") as f:
            message = " ".join(f.read(2000).split())
    except OSError:
        message = ""
    message = message.replace("adkit grade: error: ", "")
    write_atomic(results_file, lambda f: json.dump(error_results(message), f, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
