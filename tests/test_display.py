"""Jupyter display: Graph, CheckReport, Verdict, TableGrade and tables show as HTML/SVG, and
drawings never touch matplotlib's backend."""
import subprocess
import sys
from html.parser import HTMLParser

import adkit as ad

AT = {"x1": 2.0, "x2": 5.0}


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def parsed(html):
    p = Tags()
    p.feed(html)
    return p


def test_graph_shows_its_wengert_list_and_drawing():
    g = ad.parse("x1*x2 + sin(x1)")
    html = g._repr_html_()
    p = parsed(html)
    assert "svg" in p.tags and "pre" in p.tags
    assert "w3 = w1 · w2" in "".join(p.text) and str(g) in html
    svg = g._repr_svg_()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    traced = ad.trace(lambda x: x * ad.exp(x), 1.0)
    assert "<svg" in traced._repr_html_()


def test_a_graph_too_large_to_draw_shows_its_list_and_says_so():
    g = ad.parse(" + ".join(f"x{i}" for i in range(1, 40)))
    assert g._repr_svg_() is None
    html = g._repr_html_()
    assert "too many to draw" in html and "<svg" not in html and "w77 = w76 + w39" in html


def test_check_report_verdict_and_table_grade_as_html():
    report = ad.check("log(x1) + x1*x2 - sin(x2)", at={"x1": 2.0, "x2": 5.0})
    html = report._repr_html_()
    assert "<table>" in html and ">ok<" in html and "forward" in html and "sympy" in html
    verdict = ad.grade("x^2", "2*x + 1", "x")
    assert "incorrect" in verdict._repr_html_() and verdict.feedback.split()[0] in verdict._repr_html_()
    marks = ad.grade_table("x1*x2 + sin(x1)", "ẇ1=1; ẇ2=0; ẇ3=6; ẇ4=-0.416; ẇ5=5.584", at=AT)
    html = marks._repr_html_()
    assert html.count("<tr>") == 1 + 5
    assert [m.status for m in marks.rows] == ["correct", "correct", "incorrect", "correct", "carried"]
    assert ">carried<" in html and ">incorrect<" in html
    assert "<table" in ad.forward_table("x1*x2 + sin(x1)", at=AT)._repr_html_()


def test_drawing_never_changes_the_backend():
    """ad.draw, the pages and the reprs make Figures without pyplot: no backend is chosen."""
    code = ("import sys, adkit as ad\n"
            "fig = ad.draw('x1*x2 + sin(x1)', at={'x1': 2.0, 'x2': 5.0}, gradients=True)\n"
            "ad.parse('x*y')._repr_html_()\n"
            "ad.page('x*y', at={'x': 1.0, 'y': 2.0})\n"
            "import io; fig.savefig(io.BytesIO(), format='png')\n"
            "print(type(fig).__name__, 'matplotlib.pyplot' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["Drawing", "False"]


def test_in_a_notebook_a_drawing_shows_inline_and_a_graph_as_html(tmp_path):
    """Run real cells in a Jupyter kernel: ad.draw gives an image, not "<Figure size ...>"."""
    import pytest
    nbclient = pytest.importorskip("nbclient", reason="running notebooks needs nbclient")
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("ipykernel", reason="running notebooks needs ipykernel")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import adkit as ad\n"
                                          "ad.draw('x1*x2 + sin(x1)', at={'x1': 2.0, 'x2': 5.0})"),
                nbformat.v4.new_code_cell("ad.parse('x*y + 1')"),
                nbformat.v4.new_code_cell("ad.check('x*y', at={'x': 1.0, 'y': 2.0})")]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    drawing, graph, report = [cell.outputs for cell in nb.cells]
    assert any("image/png" in o.get("data", {}) for o in drawing)
    assert not any("<Figure size" in o.get("data", {}).get("text/plain", "") and
                   "image/png" not in o.get("data", {}) for o in drawing)
    assert "<svg" in graph[0]["data"]["text/html"] and "w3 = w1 · w2" in graph[0]["data"]["text/html"]
    assert "<table>" in report[0]["data"]["text/html"]
