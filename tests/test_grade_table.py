"""ad.grade_table: filled-in tangent and adjoint columns, marked row by row, errors carried forward."""
import math

import pytest

import adkit as ad
from adkit.grading.table import TableQuestion, row_key, split_table_answer

LECTURE = "x1*x2 + sin(x1)"
AT = {"x1": 2.0, "x2": 5.0}
# The slide's forward table, seed on x1: ẇ1..ẇ5 at (2, 5).
FORWARD = {"ẇ1": 1, "ẇ2": 0, "ẇ3": 5, "ẇ4": math.cos(2.0), "ẇ5": 5 + math.cos(2.0)}
# The slide's reverse table: w̄5 .. w̄1.
REVERSE = {"w̄5": 1, "w̄4": 1, "w̄3": 1, "w̄2": 2, "w̄1": 5 + math.cos(2.0)}


def statuses(mark):
    return {m.row: m.status for m in mark.rows}


def test_the_slide_forward_table_with_numbers_is_correct():
    m = ad.grade_table(LECTURE, FORWARD, at=AT, mode="forward", seed={"x1": 1.0})
    assert (m.status, m.score) == ("correct", 1.0)
    assert [r.row for r in m.rows] == ["ẇ1", "ẇ2", "ẇ3", "ẇ4", "ẇ5"]
    assert set(statuses(m).values()) == {"correct"}


def test_the_slide_reverse_table_with_the_slide_formulas_is_correct():
    answers = {"w̄5": "1", "w̄4": "w̄5", "w̄3": "w̄5", "w̄2": "w̄3 * w1",
               "w̄1": "w̄3 · w2 + w̄4 · cos w1"}
    m = ad.grade_table(LECTURE, answers, at=AT, mode="reverse")
    assert (m.status, m.score) == ("correct", 1.0)
    assert [r.row for r in m.rows] == ["w̄5", "w̄4", "w̄3", "w̄2", "w̄1"]
    assert m.rows[-1].expected == pytest.approx(5 + math.cos(2.0))


def test_numbers_to_three_significant_digits_are_accepted():
    answers = dict(FORWARD, **{"ẇ4": -0.416, "ẇ5": 4.58})
    assert ad.grade_table(LECTURE, answers, at=AT).score == 1.0
    answers["ẇ5"] = 4.5
    assert statuses(ad.grade_table(LECTURE, answers, at=AT))["ẇ5"] == "incorrect"


def test_an_error_carried_forward_earns_credit_forward():
    answers = dict(FORWARD, **{"ẇ3": 6, "ẇ5": 6 + math.cos(2.0)})  # w3 wrong, w5 consistent
    m = ad.grade_table(LECTURE, answers, at=AT)
    assert statuses(m) == {"ẇ1": "correct", "ẇ2": "correct", "ẇ3": "incorrect",
                           "ẇ4": "correct", "ẇ5": "carried"}
    assert m.score == pytest.approx(4 / 5)
    assert "ẇ3" in m.rows[4].feedback and "carried" in m.rows[4].feedback
    assert m.rows[2].feedback.startswith("Expected 5, got 6.")


def test_an_error_carried_forward_earns_credit_in_reverse():
    # w̄3 wrong (2 instead of 1); w̄2 = w̄3·w1 and w̄1 = w̄3·w2 + w̄4·cos w1 use it consistently.
    answers = {"w̄5": 1, "w̄4": 1, "w̄3": 2, "w̄2": 4, "w̄1": 10 + math.cos(2.0)}
    m = ad.grade_table(LECTURE, answers, at=AT, mode="reverse")
    assert statuses(m) == {"w̄5": "correct", "w̄4": "correct", "w̄3": "incorrect",
                           "w̄2": "carried", "w̄1": "carried"}
    assert m.score == pytest.approx(4 / 5)


def test_formulas_use_the_students_own_earlier_values():
    answers = {"ẇ1": 1, "ẇ2": 0, "ẇ3": 7, "ẇ4": "cos(w1)*ẇ1", "ẇ5": "ẇ3 + ẇ4"}
    m = ad.grade_table(LECTURE, answers, at=AT)
    assert statuses(m)["ẇ5"] == "carried"
    assert m.rows[4].got == pytest.approx(7 + math.cos(2.0))


def test_a_wrong_rule_on_wrong_values_is_not_carried():
    answers = dict(FORWARD, **{"ẇ3": 6, "ẇ5": 100})
    assert statuses(ad.grade_table(LECTURE, answers, at=AT))["ẇ5"] == "incorrect"


def test_missing_rows_are_marked_missing():
    m = ad.grade_table(LECTURE, {"ẇ1": 1, "ẇ2": 0}, at=AT)
    assert statuses(m) == {"ẇ1": "correct", "ẇ2": "correct", "ẇ3": "missing", "ẇ4": "missing",
                           "ẇ5": "missing"}
    assert m.score == pytest.approx(2 / 5) and m.status == "incorrect"


@pytest.mark.parametrize("key, expected", [
    ("ẇ3", ("dot", 3)), ("w\u0307" + "3", ("dot", 3)), ("wdot3", ("dot", 3)), ("WDot3", ("dot", 3)),
    (" wdot_3 ", ("dot", 3)), ("w̄12", ("bar", 12)), ("wbar2", ("bar", 2)), ("WBAR2", ("bar", 2)),
    ("w3", None), ("wd3", None), ("x̄1", None), (3, None),
])
def test_row_keys_and_their_ascii_aliases(key, expected):
    assert row_key(key) == expected


def test_ascii_keys_and_formulas_grade_like_the_unicode_ones():
    answers = {"wbar5": 1, "WBAR4": "wbar5", "wbar3": "wbar5", "wbar2": "wbar3*w1",
               "wbar1": "wbar3*w2 + wbar4*cos(w1)"}
    assert ad.grade_table(LECTURE, answers, at=AT, mode="reverse").score == 1.0


def test_the_answer_can_be_the_csv_text_form():
    text = "ẇ1=1; ẇ2=0; ẇ3 = w2*ẇ1 + w1*ẇ2; ẇ4=cos(w1)*ẇ1; ẇ5=ẇ3+ẇ4"
    assert ad.grade_table(LECTURE, text, at=AT).score == 1.0
    entries, problems = split_table_answer("ẇ1=1; junk;\nẇ2 = 0; ẇ1=2")
    assert entries == {"ẇ1": "2", "ẇ2": "0"}
    assert len(problems) == 2


def test_unreadable_entries_are_incorrect_and_other_rows_are_reported():
    answers = dict(FORWARD, **{"ẇ4": "cos(w1", "w̄2": 1, "ẇ9": 3})
    m = ad.grade_table(LECTURE, answers, at=AT)
    assert statuses(m)["ẇ4"] == "incorrect"
    assert "never closed" in m.rows[3].feedback
    assert len(m.extra) == 2 and "not a row" in m.feedback
    assert statuses(m)["ẇ5"] == "correct"


def test_formulas_that_refer_to_each_other_in_a_cycle_are_incorrect():
    m = ad.grade_table(LECTURE, {"ẇ4": "ẇ5", "ẇ5": "ẇ4"}, at=AT)
    assert statuses(m)["ẇ4"] == "incorrect" and "refer back" in m.rows[3].feedback


def test_nothing_readable_is_invalid():
    m = ad.grade_table(LECTURE, "I don't know", at=AT, mode="reverse")
    assert m.status == "invalid" and m.score == 0.0 and "w̄5 = value" in m.feedback


def test_seed_direction_and_function_source():
    m = ad.grade_table(lambda x1, x2: x1 * x2 + ad.sin(x1), {"ẇ1": 0, "ẇ2": 1, "ẇ3": 2, "ẇ4": 0,
                                                            "ẇ5": 2}, at=AT, seed="x2")
    assert m.score == 1.0
    g = ad.parse(LECTURE)
    assert ad.grade_table(g, FORWARD, at=AT).score == 1.0


def test_true_column_agrees_with_forward_and_reverse_mode():
    f = "x1*exp(x2) - log(x1 + x2^2)*x1"
    at = {"x1": 1.3, "x2": 0.7}
    fwd = TableQuestion(f, at, "forward", seed="x2")
    rev = TableQuestion(f, at, "reverse")
    g = ad.parse(f)
    gx1, gx2 = ad.grad(g, argnums=(0, 1))(1.3, 0.7)
    assert fwd.true[g.outputs[0]] == pytest.approx(gx2, rel=1e-12)
    assert rev.true[g.input_refs[0]] == pytest.approx(gx1, rel=1e-12)
    assert rev.true[g.input_refs[1]] == pytest.approx(gx2, rel=1e-12)


def test_table_rows_match_adkit_tables_when_present():
    tables = pytest.importorskip("adkit.tables")
    for mode in ("forward", "reverse"):
        q = TableQuestion(LECTURE, AT, mode)
        t = tables.forward_table(LECTURE, at=AT, seed={"x1": 1.0}) if mode == "forward" else \
            tables.reverse_table(LECTURE, at=AT)
        rows = {r.lhs: r.value for r in t.rows}
        for i in q.order:
            assert rows[q.names[i]] == pytest.approx(q.true[i], rel=1e-12)


def test_bad_table_questions_are_aderrors():
    with pytest.raises(ad.ADError, match="mode"):
        ad.grade_table(LECTURE, {}, at=AT, mode="sideways")
    with pytest.raises(ad.ADError, match="x2"):
        ad.grade_table(LECTURE, {}, at={"x1": 1.0})
    with pytest.raises(ad.ADError, match="seed"):
        ad.grade_table(LECTURE, {}, at=AT, seed="x7")


from hypothesis import given, settings, strategies as st  # noqa: E402

_PIECES = ["ẇ1", "ẇ3", "wdot5", "w̄2", "w1", "x1", "=", ";", "1", "2.5", "*", "+", "cos(", ")",
           "\n", " ", "==", "ẇ", "__", "9**9**9"]


@settings(max_examples=40, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join),
                 st.text(max_size=80)))
def test_fuzzed_table_answers_never_raise(text):
    m = ad.grade_table(LECTURE, text, at=AT)
    assert m.status in ("correct", "incorrect", "invalid")
    assert 0.0 <= m.score <= 1.0 and len(m.rows) == 5
    assert all(r.status in ("correct", "incorrect", "carried", "missing") for r in m.rows)
