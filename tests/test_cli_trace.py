"""`adkit trace` and `adkit check` as a user runs them (in a subprocess, stdin not a terminal)."""
import csv
import io
import subprocess
import sys

import pytest

import adkit as ad


def adkit(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "adkit", *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_trace_without_arguments_shows_the_lecture_example():
    done = adkit("trace")
    assert done.returncode == 0, done.stderr
    point = {"x1": 2.0, "x2": 5.0}
    expected = (ad.forward_table("x1*x2 + sin(x1)", at=point).to_text() + "\n\n"
                + ad.reverse_table("x1*x2 + sin(x1)", at=point).to_text() + "\n")
    assert done.stdout == expected
    assert "w4 = sin w1 and w3 = w1 · w2  w̄1 = w̄3 · w2 + w̄4 · cos w1" in done.stdout


@pytest.mark.parametrize("fmt, marker", [
    ("text", "ẇ3 = w2 · ẇ1 + w1 · ẇ2"),
    ("markdown", "| w3 = w1 · w2 | 10 | ẇ3 = w2 · ẇ1 + w1 · ẇ2 | 5 |"),
    ("latex", r"$w_3 = w_1 \cdot w_2$ & $10$ & $\dot{w}_3 = w_2 \cdot \dot{w}_1 + w_1 \cdot \dot{w}_2$ & $5$ \\"),
    ("html", "<td>ẇ3 = w2 · ẇ1 + w1 · ẇ2</td>"),
    ("csv", "forward,3,w3 = w1 · w2,10.0,ẇ3,w2 · ẇ1 + w1 · ẇ2,5.0,rule"),
])
def test_every_format(fmt, marker):
    done = adkit("trace", "x1*x2 + sin(x1)", "--at", "x1=2", "x2=5", "--mode", "forward",
                 "--format", fmt)
    assert done.returncode == 0, done.stderr
    assert marker in done.stdout
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(done.stdout)))
        assert float(rows[-1]["value"]) == ad.grad(lambda a, b: a * b + ad.sin(a))(2.0, 5.0)


def test_exact_csv_carries_the_exact_numbers_beside_the_floats():
    done = adkit("trace", "log(x1) + x1*x2 - sin(x2)", "--at", "x1=2", "x2=5", "--exact",
                 "--format", "csv")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "mode,node,equation,primal,lhs,rhs,value,kind,primal_exact,value_exact"
    assert "forward,3,w3 = ln w1,0.6931471805599453,ẇ3,ẇ1 / w1,0.5,rule,ln 2,1/2" in lines
    assert ("forward,7,w7 = w5 - w6,11.652071455223084,ẇ7,ẇ5 - ẇ6,5.5,rule,ln 2 - sin 5 + 10,"
            "11/2") in lines
    assert ("reverse,2,w6 = sin w2 and w4 = w1 · w2,5.0,w̄2,w̄4 · w1 + w̄6 · cos w2,"
            "1.7163378145367738,rule,5,2 - cos 5") in lines
    plain = adkit("trace", "log(x1) + x1*x2 - sin(x2)", "--at", "x1=2", "x2=5", "--format", "csv")
    assert plain.stdout.splitlines()[0] == "mode,node,equation,primal,lhs,rhs,value,kind"


def test_reverse_griewank_seed_digits_and_step_without_a_terminal():
    done = adkit("trace", "log(x1) + x1*x2 - sin(x2)", "--at", "x1=2", "x2=5", "--mode",
                 "reverse", "--style", "griewank", "--digits", "4", "--step")
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().splitlines()[-2:] == ["x̄1 = v̄₋₁ = 5.5", "x̄2 = v̄₀ = 1.716"]
    done = adkit("trace", "x1*x2 + sin(x1)", "--at", "x1=2", "x2=pi/2", "--seed", "x2",
                 "--mode", "forward", "--no-numbers")
    assert done.returncode == 0, done.stderr
    assert "ẇ2 = 1 (seed)" in done.stdout and "at x1 = 2, x2 = 1.5708, seed on x2" in done.stdout


@pytest.mark.parametrize("args, message", [
    (["trace", "2x", "--at", "x=1"], "did you mean 2*x?"),
    (["trace", "x1*x2 + sin(x1", "--at", "x1=2", "x2=5"], "unbalanced parentheses"),
    (["trace", "x^2"], "give the point with --at, e.g. --at x=1"),
    (["trace", "x^2", "--at", "x=abc"], "--at: x='abc' is not a number (a number is a constant such as 2"),
    (["trace", "x^2", "--at", "x"], "expected NAME=VALUE"),
    (["trace", "x^2", "--at", "y=1"], "no value for x"),
    (["trace", "x^2", "--at", "x=1", "--seed", "q"], "cannot seed 'q'"),
    (["trace", "__import__('os')", "--at", "x=1"], "invalid character '_'"),
    (["check", "9**9**9**9"], "constant power is too large"),
    (["check", "sinn(x)"], "did you mean sin?"),
])
def test_bad_input_exits_2_without_traceback(args, message):
    done = adkit(*args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert message in done.stderr
    assert done.stderr.startswith(f"adkit {args[0]}: error: ")


def test_check_command():
    done = adkit("check", "log(x1) + x1*x2 - sin(x2)", "--at", "x1=2", "x2=5")
    assert done.returncode == 0, done.stderr
    assert "max error 0: ok" in done.stdout and "∂z/∂x2 = x1 - cos(x2)" in done.stdout
    done = adkit("check", "log(x)", "--at", "x=-1")
    assert done.returncode == 1 and "undefined" in done.stdout
    done = adkit("check", "x*y + exp(x)", "--points", "2")
    assert done.returncode == 0 and done.stdout.count("\nat x = ") == 2


def test_help_has_examples():
    for command in ("trace", "check"):
        done = adkit(command, "--help")
        assert done.returncode == 0 and "examples:" in done.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a pseudo-terminal")
def test_step_waits_for_enter_in_a_terminal():
    import os
    import pty
    import select
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: adkit in a terminal
        os.execv(sys.executable, [sys.executable, "-m", "adkit", "trace", "--mode", "reverse",
                                  "--step"])
    seen = b""

    def read_until(marker, seconds=20.0):
        nonlocal seen
        end = time.time() + seconds
        while marker not in seen and time.time() < end:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    seen += os.read(fd, 4096)
                except OSError:
                    break
        return marker in seen

    try:
        assert read_until("----------".encode())  # the header is out
        time.sleep(0.3)
        read_until(b"\xff", 0.2)
        assert "w̄5 = 1".encode() not in seen  # no row before Enter
        os.write(fd, b"\n")
        assert read_until("w̄5 = 1 (seed)".encode())
        assert "w̄4".encode() not in seen
        for _ in range(4):
            os.write(fd, b"\n")
        assert read_until("∂z/∂x2 = w̄2 = 2".encode())
    finally:
        os.waitpid(pid, 0)
