"""Defects found by the end-of-wave review, each pinned by a test."""
import numpy as np
import pytest

import adkit as ad
import adkit.numpy as anp
from adkit.cli import main


def test_tf1_reduce_max_splits_ties_evenly_and_integer_mean_stays_integer():
    import adkit.tf1 as tf
    tf.reset_default_graph()
    X = tf.placeholder(tf.float64, [1, 3])
    (g,) = tf.gradients(tf.reduce_max(X), X)
    np.testing.assert_allclose(tf.Session().run(g, {X: np.array([[5.0, 5.0, 5.0]])}), [[1 / 3] * 3])
    mean = tf.Session().run(tf.reduce_mean(tf.constant([1, 2])))
    assert mean == 1 and np.asarray(mean).dtype.kind == "i"           # TF1's integer mean


@pytest.mark.parametrize("argv, message", [
    (["trace", "x1+x2", "--at", "x1=1", "x1=2", "x2=3"], "x1 is given twice"),
    (["trace", "x1+x2", "--at", "x1=abc", "x2=1"], "a number is a constant such as 2"),
    (["draw", "x1*x2", "--at", "x1=1", "x2=2", "-o", "{tmp}/x.txt"], "not .txt"),
    (["draw", "x1*x2", "--at", "x1=1", "x2=2", "--animate", "forward", "--gif", "{tmp}/a.txt"],
     "written as a .gif"),
    (["page", "x1/x2", "--at", "x1=1", "x2=0", "--quiz", "-o", "{tmp}/p.html"], "finite answers"),
])
def test_bad_cli_input_is_one_line_and_exit_2(argv, message, tmp_path, capsys):
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_the_board_never_writes_over_the_logs_it_reads(tmp_path, capsys):
    from adkit.board import BoardLogger
    run = tmp_path / "logs" / "run1"
    BoardLogger(str(run))
    log = run / "events.adkit.jsonl"
    log.write_text('{"tag": "loss", "step": 0, "value": 1.0}\n', encoding="utf-8")
    before = log.read_bytes()
    assert main(["board", str(tmp_path / "logs"), "-o", str(log)]) == 2
    assert log.read_bytes() == before
    assert "same file as the input" in capsys.readouterr().err


def test_to_sympy_and_compiled_guards_on_arguments():
    cf = ad.compile(lambda x: anp.sort(x)[0])
    cf(np.array([1.0, -2.0, 3.0]))
    assert cf(np.array([-1.0, 2.0, -3.0])) == -3.0


@pytest.mark.parametrize("call, message", [
    (lambda: ad.grad(lambda x: np.fmax.reduce(x))(np.array([np.nan, 1.0, 2.0])), "fmax.reduce"),
    (lambda: ad.grad(lambda x: anp.sum(np.sin(x, where=x > 1)))(np.ones(3)), "where"),
    (lambda: anp.sum(np.ones((2, 3)), axis=(0, 0)), "repeated axis"),
    (lambda: anp.sum(np.ones(3), axis=1.0), "axis must be None, an int or a tuple"),
    (lambda: ad.register(ad.Primitive("nopart", lambda x: 2 * x)), "no derivative rule"),
    (lambda: ad.register(ad.Primitive("foo bar", np.sin, partials=lambda o, x: (1,))),
     "not a name the parser can read"),
])
def test_what_adkit_cannot_do_right_is_refused_in_one_line(call, message):
    with pytest.raises(ad.ADError, match=message):
        call()


@pytest.mark.parametrize("f", [lambda x: anp.prod(x), lambda x: anp.prod(x[:3]), lambda x: anp.cumsum(x),
                               lambda x: anp.cumprod(x), lambda x: ad.sigmoid(x)])
def test_float32_stays_float32(f):
    x = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    assert np.asarray(f(x)).dtype == np.float32


def test_adkit_compile_says_when_the_slide_formula_gives_nan_but_the_rules_do_not(capsys):
    assert main(["compile", "x1**x2", "--mode", "forward", "--at", "x1=0", "x2=2"]) == 0
    out = capsys.readouterr().out
    assert "(0.0, nan)" in out and "# note: the tangent is 0.0 by adkit's rules" in out
    assert main(["compile", "x1*x2 + sin(x1)", "--at", "x1=2", "x2=5"]) == 0
    assert "note" not in capsys.readouterr().out


def test_the_fast_sweep_keeps_the_zero_rule_in_place():
    """0 · sqrt(x) at x = 0: the adjoint 0 times the partial ∞ is 0, as jvp and floats give."""
    x = np.array([0.0, 1.0])
    np.testing.assert_array_equal(ad.grad(lambda x: anp.sum(0.0 * anp.sqrt(x)))(x), [0.0, 0.0])
    assert ad.grad(lambda x: 0.0 * ad.sqrt(x))(0.0) == 0.0


def test_gradients_never_share_a_buffer():
    gx, gy = ad.grad(lambda x, y: anp.sum((x + y) ** 2), argnums=(0, 1))(np.array([1.0, 2.0]),
                                                                          np.array([3.0, 4.0]))
    gx *= 0.1
    np.testing.assert_array_equal(gy, [8.0, 12.0])
    _, vjp_fn = ad.vjp(lambda x: x + 1.0, np.ones(3))
    cotangent = np.ones(3)
    assert vjp_fn(cotangent)[0] is not cotangent


def test_short_partials_and_mismatched_dual_tangents_are_refused():
    q = ad.Primitive("twoarg", lambda x, y: x * y, partials=lambda o, x, y: (y,), nargs=2)
    with ad.registered(q):
        with pytest.raises(ad.ADError, match="one per argument"):
            ad.grad(lambda y: q(3.0, y))(3.0)
    with pytest.raises(ad.ADError, match="tangent has shape"):
        ad.Dual(np.ones(3), np.ones(2))
