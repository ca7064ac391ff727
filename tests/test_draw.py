"""Drawings, Graphviz text, sweep animations and the `adkit draw` command."""
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import adkit as ad  # noqa: E402
from adkit.cli import main  # noqa: E402
from adkit.core import ADError  # noqa: E402
from adkit.draw import (ADJOINT_COLOUR, VALUE_COLOUR, Picture, layered_layout,  # noqa: E402
                        to_dot, wire_adjoints)
from matplotlib.colors import to_hex  # noqa: E402

CS231N = {"x": -2.0, "y": 5.0, "z": -4.0}


def circuit(x, y, z):
    return (x + y) * z


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [t.get_text() for t in fig.texts]


def coloured(fig, colour):
    return [t.get_text() for ax in fig.axes for t in ax.texts if to_hex(t.get_color()) == colour]


def png_bytes(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=50)
    plt.close(fig)
    return buffer.getvalue()


def test_gradient_flow_picture_has_equations_values_and_gradients():
    fig = ad.draw(circuit, at=CS231N, gradients=True)
    labels = texts(fig)
    for equation in ("$w_1 = x$", "$w_4 = w_1 + w_2$", "$w_5 = w_4 \\cdot w_3$"):
        assert equation in labels
    gids = {t.get_gid() for t in fig.axes[0].texts if t.get_gid()}
    assert {"w4 = w1 + w2", "w5 = w4 · w3"} <= gids
    values = coloured(fig, VALUE_COLOUR)
    assert {"-2", "5", "-4", "3", "-12"} <= set(values)
    gradients = coloured(fig, ADJOINT_COLOUR)
    # wires: x and y receive -4 (add distributes), z receives 3 (multiply switches), seed 1
    assert sorted(gradients.count(v) for v in ("-4", "3", "1")) == [1, 1, 3]
    assert "$\\bar{w}_1 = -4$" in gradients and "$\\bar{w}_3 = 3$" in gradients
    assert png_bytes(fig).startswith(b"\x89PNG")


def test_expression_source_and_point_in_input_order():
    fig = ad.draw("x1*x2 + sin(x1)", at=(2.0, 5.0), gradients=True)
    labels = texts(fig)
    assert "$w_3 = w_1 \\cdot w_2$" in labels and "$w_4 = \\sin w_1$" in labels
    # the fan-out sum: x1 feeds w3 and w4, its wires carry 5 and cos 2, its node shows the sum
    gradients = coloured(fig, ADJOINT_COLOUR)
    assert "5" in gradients and "-0.4161" in gradients
    assert "$\\bar{w}_1 = 4.584$" in gradients
    plt.close(fig)


def test_abstract_graph_draws_structure_only():
    fig = ad.draw("exp(a) / (1 + b)")
    assert coloured(fig, VALUE_COLOUR) == []
    assert any("\\exp" in t for t in texts(fig))
    plt.close(fig)


def test_draw_into_given_axes_and_highlight():
    fig, ax = plt.subplots()
    out = ad.draw(circuit, at=CS231N, ax=ax, highlight=["w4", "z", 0])
    assert out is fig
    frames = [t.get_bbox_patch().get_linewidth() for t in ax.texts if t.get_bbox_patch() is not None
              and t.get_gid()]
    assert sorted(frames)[-3:] == [3.2, 3.2, 3.2] and frames.count(3.2) == 3
    plt.close(fig)


@pytest.mark.parametrize("call, message", [
    (lambda: ad.draw(circuit), "at="),
    (lambda: ad.draw("x*y", gradients=True), "gradients need a point"),
    (lambda: ad.draw("x*y", at={"x": 1.0}), "missing"),
    (lambda: ad.draw("x*y", at={"x": 1.0, "y": 2.0, "q": 3.0}), "unknown input"),
    (lambda: ad.draw(circuit, at=CS231N, highlight="w9"), "cannot highlight"),
    (lambda: ad.draw(42), "expected an expression"),
])
def test_bad_calls_say_what_is_wrong(call, message):
    with pytest.raises(ADError, match=message):
        call()
    plt.close("all")


def test_a_label_mathtext_cannot_typeset_falls_back_to_plain_text():
    from adkit.draw import _renderable
    assert _renderable(r"$w_1 = \nosuchcommand x$", "w1 = nosuchcommand x") == "w1 = nosuchcommand x"
    assert _renderable("$w_1 = x$", "w1 = x") == "$w_1 = x$"


def test_layout_columns_are_longest_paths_and_outputs_sit_right():
    g = ad.parse("x1*x2 + sin(x1)")
    positions = layered_layout(g)
    columns = [round(x / positions[2][0]) for x, _ in positions]
    assert columns == [0, 0, 1, 1, 2]
    assert layered_layout(g) == positions  # deterministic
    # a chain far deeper than Python's recursion limit: plain loops only
    def chain(x):
        for _ in range(3000):
            x = ad.sin(x)
        return x
    long = layered_layout(ad.trace(chain, 0.1))
    assert long[-1][0] == max(x for x, _ in long) and len(long) == 3001


def test_wire_adjoints_sum_to_each_nodes_adjoint():
    def f(x, y):
        u = x * y
        return ad.sin(u) * x + u * u + ad.exp(y) * x
    picture = Picture(f, at={"x": 0.7, "y": -1.3}, gradients=True)
    for node, readers in enumerate(picture.consumers):
        if readers:
            total = sum(picture.wires[(node, reader)] for reader in readers)
            assert total == pytest.approx(picture.adjoint[node], rel=1e-12)
    assert picture.adjoint[0] == pytest.approx(ad.grad(f)(0.7, -1.3), rel=1e-12)


def test_arrays_on_wires_show_small_values_and_shapes():
    fig = ad.draw(lambda m1, m2: 10 * ad.matmul(m1, m2),
                  at={"m1": np.array([[3.0, 3.0]]), "m2": np.array([[2.0], [2.0]])})
    assert {"[[3, 3]]", "[[2], [2]]", "120"} <= set(coloured(fig, VALUE_COLOUR))
    plt.close(fig)
    big = ad.draw(lambda v: ad.sum(v * v), at={"v": np.ones(7)}, gradients=True)
    assert "⟨7⟩" in coloured(big, VALUE_COLOUR) and "⟨7⟩" in coloured(big, ADJOINT_COLOUR)
    plt.close(big)
    wires = wire_adjoints(*(lambda p: (p.graph, p.adjoint))(Picture(
        lambda v: ad.sum(v * 3.0), at={"v": np.ones(2)}, gradients=True)))
    assert np.allclose(wires[(0, 1)], [3.0, 3.0])


def test_to_dot_with_values_and_gradients():
    text = to_dot("(x + y)*z", at=CS231N, gradients=True)
    assert text.startswith("digraph adkit {") and text.endswith("}")
    assert 'n3 [label="w4 = w1 + w2"];' in text
    assert f'n2 -> n4 [label=<<font color="{VALUE_COLOUR}">-4</font><br/>' \
           f'<font color="{ADJOINT_COLOUR}">3</font>>];' in text
    assert "n0 -> n3" in ad.parse("(x + y)*z").to_dot()
    assert ad.parse("(x + y)*z").to_dot(at=CS231N, gradients=True) == text  # Graph.to_dot, polished


def test_cli_draw_writes_png_and_dot(tmp_path, capsys):
    out = tmp_path / "graph.png"
    assert main(["draw", "(x + y)*z", "--at", "x=-2", "y=5", "z=-4", "--gradients", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    assert main(["draw", "x1*x2 + sin(x1)", "--dot"]) == 0
    assert "w3 = w1 · w2" in capsys.readouterr().out
    assert main(["draw", "x*y", "--at", "x=1", "y"]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err
    assert main(["draw", "x*", "-o", str(tmp_path / "bad.png")]) == 2


def test_sweep_frames_follow_the_tables(tmp_path):
    from adkit.animate import Sweep, save_sweep
    forward = Sweep("x1*x2 + sin(x1)", at={"x1": 2.0, "x2": 5.0}, mode="forward")
    assert len(forward) == 5
    fig = forward.new_figure()
    forward.draw(fig, 2)
    shown = texts(fig)
    assert "$\\dot{w}_3 = w_2 \\cdot \\dot{w}_1 + w_1 \\cdot \\dot{w}_2$" in shown
    from adkit.draw import TANGENT_COLOUR
    tangents = coloured(fig, TANGENT_COLOUR)
    assert "$\\dot{w}_3 = 5$" in tangents and tangents.count("1") >= 2  # ẇ3 and the wires from x1
    plt.close(fig)
    written = save_sweep("x1*x2 + sin(x1)", at={"x1": 2.0, "x2": 5.0}, mode="reverse",
                         gif=tmp_path / "reverse.gif", frames_dir=tmp_path / "frames", dpi=40)
    names = sorted(p.name for p in written)
    assert names == ["reverse-01.png", "reverse-02.png", "reverse-03.png", "reverse-04.png",
                     "reverse-05.png", "reverse.gif"]
    from PIL import Image
    with Image.open(tmp_path / "reverse.gif") as gif:
        assert gif.n_frames >= 5


def test_cli_animate(tmp_path, capsys):
    gif = tmp_path / "sweep.gif"
    assert main(["draw", "x1*x2 + sin(x1)", "--at", "x1=2", "x2=5", "--animate", "forward",
                 "--seed", "x2", "--gif", str(gif)]) == 0
    assert gif.read_bytes()[:3] == b"GIF"
    assert main(["draw", "x1*x2", "--animate", "reverse"]) == 2
