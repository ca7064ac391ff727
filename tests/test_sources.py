"""One source normalizer: every surface reads an expression, a Graph or a function the same way."""
import matplotlib
matplotlib.use("Agg")

import pytest  # noqa: E402

import adkit as ad  # noqa: E402
from adkit.core import ADError  # noqa: E402
from adkit.sources import as_graph, function_inputs  # noqa: E402


def f(x, y=2.0):
    return x * y + ad.sin(x)


def test_default_parameter_is_a_constant_when_at_lacks_it():
    g = as_graph(f, at={"x": 1.5})
    assert g.inputs == ("x",)
    assert g.values[g.outputs[0]] == pytest.approx(1.5 * 2.0 + ad.sin(1.5))
    assert g(0.5) == pytest.approx(0.5 * 2.0 + ad.sin(0.5))


def test_default_parameter_is_an_input_when_at_gives_it():
    g = as_graph(f, at={"x": 1.5, "y": 3.0})
    assert g.inputs == ("x", "y")
    assert g(x=1.0, y=4.0) == pytest.approx(4.0 + ad.sin(1.0))
    assert function_inputs(f, (1.0, 3.0))[0] == ["x", "y"]
    assert function_inputs(f, (1.0,))[0] == ["x"]


def test_default_parameter_in_forward_table_draw_check_and_grade_table():
    at = {"x": 1.5}
    expected = 2.0 + ad.cos(1.5)
    assert ad.forward_table(f, at=at).result == pytest.approx(expected)
    assert ad.reverse_table(f, at=at).result["x"] == pytest.approx(expected)
    assert ad.draw(f, at=at, gradients=True) is not None
    report = ad.check(f, at=at)
    assert report.ok and report.reverse["x"] == pytest.approx(expected)
    table = ad.forward_table(f, at=at)
    answers = {row.lhs: row.value for row in table.rows}
    marks = ad.grade_table(f, answers, at=at)
    assert marks.score == 1.0
    random_check = ad.check(f)
    assert random_check.ok and list(random_check.forward) == ["x"]


def test_missing_value_names_the_parameter():
    with pytest.raises(ADError, match="no value for x"):
        as_graph(f, at={"y": 1.0})


def test_function_without_a_point_is_traced_on_symbols():
    g = as_graph(lambda a, b: a * b + ad.exp(a))
    assert g.inputs == ("a", "b") and g.abstract
    assert str(g).splitlines()[2] == "w3 = w1 · w2"
    assert g(a=0.0, b=3.0) == pytest.approx(1.0)


def test_function_that_branches_needs_a_point():
    def relu_ish(x):
        return x if x > 0 else -x
    with pytest.raises(ADError, match="branch"):
        as_graph(relu_ish)
    assert as_graph(relu_ish, at={"x": -2.0})(-3.0) == 3.0


def test_expression_and_graph_sources_agree():
    text = "x1*x2 + sin(x1)"
    at = {"x1": 2.0, "x2": 5.0}
    by_text = as_graph(text, at)
    by_graph = as_graph(ad.parse(text), at)
    by_function = as_graph(lambda x1, x2: x1 * x2 + ad.sin(x1), at)
    assert str(by_text) == str(by_graph) == str(by_function)
    assert by_text.values == by_graph.values == by_function.values


def test_unused_variable_is_an_input_unless_strict():
    assert as_graph("x1*x1", {"x1": 2.0, "x2": 3.0}).inputs == ("x1", "x2")
    with pytest.raises(ADError, match="unknown input"):
        as_graph("x1*x1", {"x1": 2.0, "x2": 3.0}, strict=True)


def test_grade_accepts_a_straight_line_function_as_reference():
    from adkit.grading.single import Question
    q = Question(lambda x1, x2: x1 * x2 + ad.sin(x1), "x1")
    assert q.grade("x2 + cos(x1)").status == "correct"


def test_bad_source_says_what_it_expected():
    with pytest.raises(ADError, match="expected an expression"):
        as_graph(42)


def test_tables_page_and_programs_read_sources_through_the_one_normalizer():
    import adkit.tables
    from adkit.codegen import adjoint_program
    from adkit.pages import page
    assert not hasattr(adkit.tables, "as_graph")  # adkit.sources.as_graph is the one
    at = {"x": 1.5, "y": 3.0}
    for source in ("x*y + sin(x)", ad.parse("x*y + sin(x)"), f):
        expected = as_graph(source, at)
        table = ad.reverse_table(source, at=at)
        assert table.result == pytest.approx({"x": 3.0 + ad.cos(1.5), "y": 1.5})
        assert table.title in page(source, at=at, mode="reverse")
        program = adjoint_program(source, at)
        assert program.inputs == expected.inputs and program.point == [1.5, 3.0]
        assert program(1.5, 3.0)[0] == pytest.approx(expected.values[expected.outputs[0]])
