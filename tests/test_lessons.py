"""Every lesson runs in quick mode and computes the numbers its story tells; the lesson command."""
import math

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from adkit import lessons_runner  # noqa: E402
from adkit.cli import main  # noqa: E402
from adkit.primitives import PRIMITIVES  # noqa: E402

LESSONS = lessons_runner.ORDER


def run(name, tmp_path, capsys):
    """Run a lesson in quick mode; returns (namespace, printed text, figure file names)."""
    namespace = lessons_runner.run(name, tmp_path, quick=True)
    printed = capsys.readouterr().out
    return namespace, printed, sorted(p.name for p in tmp_path.iterdir())


def test_every_lesson_is_listed_in_course_order():
    assert [lesson.name for lesson in lessons_runner.available()] == LESSONS


@pytest.mark.parametrize("lesson", lessons_runner.available(), ids=lambda lesson: lesson.name)
def test_lesson_files_are_notebooks_that_name_their_deck(lesson):
    text = lesson.path.read_text(encoding="utf-8")
    assert text.count("# %%") >= 3 and "# %% [markdown]" in text   # jupytext percent cells
    assert "deck **00" in text                                     # which lecture it follows
    assert "lesson_settings()" in text                             # figures dir and quick mode


def test_forward_accumulation(tmp_path, capsys):
    ns, printed, figures = run("forward-accumulation", tmp_path, capsys)
    assert [f"{r.lhs} = {r.rhs}" for r in ns["sweep_x1"].rows] == [
        "ẇ1 = 1", "ẇ2 = 0", "ẇ3 = w2 · ẇ1 + w1 · ẇ2", "ẇ4 = cos w1 · ẇ1", "ẇ5 = ẇ3 + ẇ4"]
    assert ns["dz_dx1"] == pytest.approx(5 + math.cos(2.0), rel=1e-14)
    assert ns["dz_dx2"] == pytest.approx(2.0, rel=1e-14)
    assert r"\dot{w}_3 = w_2 \cdot \dot{w}_1 + w_1 \cdot \dot{w}_2" in printed
    assert figures == ["forward-accumulation.png", "forward-sweep.gif"]


def test_reverse_accumulation(tmp_path, capsys):
    ns, printed, figures = run("reverse-accumulation", tmp_path, capsys)
    assert [f"{r.lhs} = {r.rhs}" for r in ns["table"].rows] == [
        "w̄5 = 1", "w̄4 = w̄5", "w̄3 = w̄5", "w̄2 = w̄3 · w1", "w̄1 = w̄3 · w2 + w̄4 · cos w1"]
    assert ns["gradient"]["x1"] == pytest.approx(5 + math.cos(2.0), rel=1e-14)
    assert ns["gradient"]["x2"] == pytest.approx(2.0, rel=1e-14)
    assert ns["share_from_w3"] + ns["share_from_w4"] == pytest.approx(ns["table"].rows[-1].value)
    # Baydin et al. 2018, Table 3: f = ln x1 + x1·x2 − sin x2 at (2, 5)
    assert ns["baydin"].result["x1"] == pytest.approx(5.5)
    assert ns["baydin"].result["x2"] == pytest.approx(2 - math.cos(5.0))
    assert figures == ["reverse-accumulation.png", "reverse-sweep.gif"]


def test_dual_numbers(tmp_path, capsys):
    ns, printed, figures = run("dual-numbers", tmp_path, capsys)
    assert ns["by_hand"] == pytest.approx((10 + math.sin(2.0), 5 + math.cos(2.0)))
    assert ns["dz_dx1"] == pytest.approx(5 + math.cos(2.0))
    x = 1.5
    assert ns["first"] == pytest.approx(2 * x * math.sin(x) + x * x * math.cos(x), rel=1e-13)
    assert ns["second"] == pytest.approx(2 * math.sin(x) + 4 * x * math.cos(x) - x * x * math.sin(x),
                                         rel=1e-12)
    assert ns["nested"].tangent.tangent == pytest.approx(ns["second"], rel=1e-13)
    assert ns["max_error"] < 1e-12
    assert figures == ["dual-numbers.png"]


def test_gradient_flow_gives_cs231n_numbers(tmp_path, capsys):
    ns, printed, figures = run("gradient-flow", tmp_path, capsys)
    assert ns["gradient"] == (-4.0, -4.0, 3.0)
    assert (ns["q"], ns["value"]) == (3.0, -12.0)
    assert ns["same"] is True
    assert figures == ["gradient-flow.png"]


def test_static_graph(tmp_path, capsys):
    ns, printed, figures = run("static-graph", tmp_path, capsys)
    assert ns["product_value"] == 120.0 and "[[120.]]\n" in printed   # the slide's output
    assert ns["fetch_f"].tolist() == [[2]]
    assert ns["nodes_for_f"] == ["a", "b", "c", "f"]                  # d and e are not computed
    assert "placeholder tensor 'b'" in ns["unfed_message"]
    assert ns["gradient"] == (-4.0, -4.0, 3.0)                         # tf.gradients ...
    assert ns["table"].result == {"x": -4.0, "y": -4.0, "z": 3.0}      # ... is the adjoint table
    assert ns["gradient_graph"](x=-2.0, y=5.0, z=-4.0) == -4.0
    assert figures == ["static-graph-120.png", "static-graph-gradients.png"]


def test_tf1_hello_world_and_the_lazy_loading_trap(tmp_path, capsys):
    ns, printed, figures = run("tf1-hello-world", tmp_path, capsys)
    assert "\n8\n" in printed and "\n[4 5]\n" in printed                 # the slide's first two prints
    assert "uninitialized value Variable" in ns["uninitialised"]
    assert "Cannot feed value of shape (2,)" in ns["wrong_shape"]
    assert ns["reads"] == [1, 2, 3]                                    # control dependencies
    lazy, normal = ns["lazy_sizes"], ns["normal_sizes"]
    assert [b - a for a, b in zip(lazy, lazy[1:])] == [1] * 9 and len(set(normal)) == 1
    assert figures == ["tf1-lazy-loading-graph.png", "tf1-lazy-loading.png"]


def test_tf1_computation_graph(tmp_path, capsys):
    ns, printed, figures = run("tf1-computation-graph", tmp_path, capsys)
    assert np.allclose(ns["result"], -26.25) and "Result: " in printed
    assert float(ns["de_dr"]) == -15.0 and float(ns["de_ds"]) == 26.25
    assert ns["runs"]["temp"]["graph"] is not None
    assert figures == ["tf1-computation-graph.png"]


def test_linear_regression_recovers_a_and_b(tmp_path, capsys):
    ns, printed, figures = run("linear-regression", tmp_path, capsys)
    assert ns["fitted_a"] == pytest.approx(ns["exact_a"], abs=1e-6)
    assert ns["fitted_b"] == pytest.approx(ns["exact_b"], abs=1e-6)
    assert abs(ns["fitted_a"] - 2.0) < 0.2 and abs(ns["fitted_b"] + 1.0) < 0.3
    losses = ns["losses"]
    assert losses["too large"][-1] > 100 * losses["too large"][0]                 # diverges
    assert losses["right"][-1] < losses["too small"][-1] < losses["too small"][0]  # slow but safe
    assert ns["rates"]["too large"] > ns["limit"] > ns["rates"]["right"]
    assert figures == ["linear-regression-contours.png", "linear-regression.png"]


def test_logistic_regression_separates_the_moons(tmp_path, capsys):
    ns, printed, figures = run("logistic-regression", tmp_path, capsys)
    assert ns["accuracy"] >= 0.85
    assert ns["loss_values"][-1] < 0.5 * ns["loss_values"][0]
    assert figures == ["logistic-regression.png"]


def test_two_layer_network_relu_output_dies_and_the_fix_trains(tmp_path, capsys):
    ns, printed, figures = run("two-layer-network", tmp_path, capsys)
    assert ns["died"] is not None                                   # the output unit dies ...
    assert ns["slide_loss"][-1] == pytest.approx(ns["baseline"], rel=0.05)  # ... loss ≈ mean(y²)
    assert all(np.all(g == 0) for g in ns["frozen"][:3])            # no gradient reaches w1, b1, w2
    assert not np.isfinite(ns["linear_loss"][-1])                   # N(0,1) weights diverge at 0.05
    assert ns["fixed_loss"][-1] < 0.5 * ns["baseline"]              # the fix trains (memorizes)
    assert ns["test_loss"] > ns["test_baseline"]                    # noise: no generalization
    assert ns["slide_after"] < ns["slide_before"]                   # the slide's own code, as printed
    assert figures == ["two-layer-network.png"]


def test_forward_vs_reverse_counts_sweeps_and_evaluations(tmp_path, capsys):
    ns, printed, figures = run("forward-vs-reverse-cost", tmp_path, capsys)
    per_forward, per_reverse, recording = (ns["per_forward_sweep"], ns["per_reverse_sweep"],
                                           ns["recording"])
    assert per_forward > 0 and per_reverse > 0 and recording > 0
    for (n, m), c in ns["counts"].items():
        assert c["forward_sweeps"] == n and c["reverse_sweeps"] == m
        assert c["forward_evaluations"] == per_forward * n          # independent of m
        assert c["reverse_evaluations"] == recording + per_reverse * m  # independent of n
    assert np.allclose(ns["J_forward"], ns["J_reverse"], atol=1e-15)
    assert figures == ["forward-vs-reverse-cost.png"]


def test_expression_swell(tmp_path, capsys):
    ns, printed, figures = run("expression-swell", tmp_path, capsys)
    rows = ns["rows"]
    sympy_ops = [r[2] for r in rows]
    cse_ops = [r[3] for r in rows]
    tapes = [r[5] for r in rows]
    assert all(b > 2 * a for a, b in zip(sympy_ops[1:], sympy_ops[2:]))      # geometric
    assert len({b - a for a, b in zip(tapes, tapes[1:])}) == 1                # a constant step
    assert len({b - a for a, b in zip(cse_ops[1:], cse_ops[2:])}) == 1        # cse: linear too
    assert ns["symbolic_value"] == pytest.approx(ns["ad_value"], rel=1e-12)
    assert figures == ["expression-swell.png"]


def test_rnn_bptt(tmp_path, capsys):
    ns, printed, figures = run("rnn-bptt", tmp_path, capsys)
    assert np.allclose(ns["per_step"].sum(axis=0), ns["dW"], rtol=1e-12, atol=1e-15)
    assert ns["dW"][0, 1] == pytest.approx(ns["numeric"], rel=1e-6, abs=1e-9)
    # the slide's names and loss: s_t = tanh(U x_t + W s_{t-1}), E = Σ_t −y_t log softmax(V s_t)
    assert ns["U"].shape == (8, 3) and ns["W"].shape == (8, 8)
    assert len(ns["step_losses"](ns["U"], ns["W"], ns["no_probes"])) == ns["steps"]
    vanishing = ns["norms"][0.5]
    assert vanishing[0] < 1e-4 * vanishing[-1]
    assert ns["contribution"][0] == 0.0                             # h_0 = 0
    assert figures == ["rnn-bptt.png"]


def test_custom_primitive(tmp_path, capsys):
    before = set(PRIMITIVES)
    ns, printed, figures = run("custom-primitive", tmp_path, capsys)
    assert ns["by_reverse"] == pytest.approx(ns["by_hand"], rel=1e-12)
    assert ns["by_forward"] == pytest.approx(ns["by_hand"], rel=1e-12)
    assert "sigmoid w3 · ẇ3" in ns["forward"].rows[3].rhs
    assert ns["check_ok"] is True and ns["bad_report"].ok is False
    assert set(PRIMITIVES) == before                                # the lesson tidies up
    assert figures == ["custom-primitive.png"]


def test_lesson_command(tmp_path, capsys):
    assert main(["lesson", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("  ", 1)[0] for line in lines] == LESSONS
    assert lines[3] == "gradient-flow  Gradient flow in a computational graph: add distributes, multiply switches"
    assert main(["lesson", "run", "gradient-flow", "--figures", str(tmp_path / "out"), "--quick"]) == 0
    assert "(-4.0, -4.0, 3.0)" in capsys.readouterr().out
    assert (tmp_path / "out" / "gradient-flow.png").exists()
    assert main(["lesson", "run", "no-such-lesson"]) == 2
    assert "the lessons are: forward-accumulation" in capsys.readouterr().err


def test_settings_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ADKIT_FIGURES", str(tmp_path / "env"))
    monkeypatch.setenv("ADKIT_QUICK", "1")
    figures, quick = lessons_runner.lesson_settings()
    assert figures == tmp_path / "env" and figures.is_dir() and quick is True


def test_pyproject_ships_every_package_and_the_lessons():
    """pyproject.toml lists the packages explicitly (to map lessons/ to adkit.lessons): a new
    folder under adkit/ must be added there, or `pip install .` would leave it out."""
    from pathlib import Path
    try:
        import tomllib
    except ImportError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    root = Path(__file__).resolve().parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {".".join(p.parent.relative_to(root).parts) for p in (root / "adkit").rglob("__init__.py")}
    assert set(config["packages"]) == found | {"adkit.lessons"}
    assert config["package-dir"]["adkit.lessons"] == "lessons"
    assert (root / "lessons" / "__init__.py").exists()
