"""The classroom pages: ad.page (stepper and quiz), the step-size demo, `adkit page`.

HTML checks run everywhere; the browser tests run in headless Chromium (skipped with a reason
when no browser is installed; CI installs one).
"""
import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest

import adkit as ad
from adkit.cli import main
from adkit.grading.table import TableQuestion
from adkit.pages.stepsize import START, demo_model, rss, step_size_demo
from browser import chrome, severe_logs

AT = {"x1": 2.0, "x2": 5.0}
EXPR = "x1*x2 + sin(x1)"


class Links(HTMLParser):
    """Every src/href attribute and every tag of a page."""

    def __init__(self):
        super().__init__()
        self.urls, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]


def parsed(text):
    p = Links()
    p.feed(text)
    return p


def data(text, element_id):
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', text, re.S)
    return json.loads(match.group(1))


# -- the HTML itself ---------------------------------------------------------------------------

@pytest.mark.parametrize("quiz", [False, True])
def test_page_is_one_self_contained_file(quiz):
    text = ad.page(EXPR, at=AT, quiz=quiz)
    p = parsed(text)
    assert all(not re.match(r"^(https?:)?//", url) for url in p.urls), p.urls
    assert "svg" in p.tags and "table" in p.tags and "script" in p.tags and "style" in p.tags
    assert '<link' not in text and '@import' not in text and "url(http" not in text
    assert "http" not in text and "http" not in step_size_demo()  # no URL at all, not even xmlns
    assert text.count("<button") >= 2 and ">Next</button>" in text and ">Prev</button>" in text
    assert text.count("<tr") == text.count("<tr class=\"step\"") > 0  # every row is a step


def test_page_rows_are_the_tables_rows():
    text = ad.page(EXPR, at=AT)
    forward = ad.forward_table(EXPR, at=AT)
    reverse = ad.reverse_table(EXPR, at=AT)
    rows = re.findall(r'<tr class="step" id="row-(\d)-(\d+)"[^>]*>(.*?)</tr>', text)
    assert len(rows) == len(forward.rows) + len(reverse.rows) == 10
    for (t, k, cells), table in zip(rows, [forward] * 5 + [reverse] * 5):
        row = table.rows[int(k)]
        assert f"{row.lhs} = {row.rhs}".replace("·", "·") in cells
        assert f'<td class="num value">{table.number(row.value)}</td>' in cells
    assert "ẇ3 = w2 · ẇ1 + w1 · ẇ2" in text and "w̄1 = w̄3 · w2 + w̄4 · cos w1" in text


def test_page_modes_and_errors():
    assert ad.page(EXPR, at=AT, mode="forward").count('<tr class="step"') == 5
    assert ad.page(lambda x1, x2: x1 * x2 + ad.sin(x1), at=AT, mode="reverse").count(
        '<tr class="step"') == 5
    with pytest.raises(ad.ADError, match="mode"):
        ad.page(EXPR, at=AT, mode="sideways")
    with pytest.raises(ad.ADError, match="at="):
        ad.page(EXPR)
    with pytest.raises(ad.ADError, match="quiz mode works on scalar"):
        ad.page(lambda x: ad.sum(x * x), at={"x": np.ones(3)}, quiz=True)


def test_page_highlights_the_rows_node_and_wires():
    steps = data(ad.page(EXPR, at=AT), "page-data")["steps"]
    assert steps[2]["lit"] == ["node-2", "wire-0-2", "wire-1-2"]      # ẇ3 reads w1 and w2
    assert steps[9]["lit"] == ["node-0", "wire-0-2", "wire-0-3"]      # w̄1: w1 feeds w3 and w4
    text = ad.page(EXPR, at=AT)
    for i in range(5):
        assert f'<g id="node-{i}" class="node">' in text
    for wire in ("wire-0-2", "wire-1-2", "wire-0-3", "wire-2-4", "wire-3-4"):
        assert f'<g id="{wire}">' in text


def test_quiz_rules_are_grade_tables_rules():
    """The page's rule for each row is TableQuestion's: constant + Σ coefficient · row."""
    quiz = data(ad.page(EXPR, at=AT, quiz=True), "page-data")["quiz"]
    for table, mode in zip(quiz["tables"], ("forward", "reverse")):
        q = TableQuestion(EXPR, AT, mode)
        for node, row in table["rows"].items():
            student = {r: 1.5 + r for r, _, _ in row["terms"]}  # any earlier values
            page_value = row["constant"] + sum(c * student[r] for r, c, _ in row["terms"])
            assert page_value == pytest.approx(q.rule_value(int(node), student))
            assert row["true"] == pytest.approx(q.true[int(node)])
    assert "<input" in ad.page(EXPR, at=AT, quiz=True)
    assert quiz["rtol"] == 5e-3


def test_step_size_gradient_is_adkits():
    graph, x, y = demo_model()

    def total(a, b):
        return ad.sum((y - (a * x + b)) ** 2)

    for a, b in [START, (0.3, -2.0), (2.0, -1.0)]:
        loss, da, db = rss(graph, a, b, x, y)
        assert loss == pytest.approx(float(total(a, b)))
        assert (da, db) == pytest.approx(tuple(float(g) for g in ad.grad(total, (0, 1))(a, b)))
    page = data(step_size_demo(), "demo-data")
    assert page["start"] == list(START) and len(page["x"]) == len(x)
    assert {node[0] for node in page["program"]["nodes"]} <= {"input", "mul", "add", "sub", "neg",
                                                             "pow_const"}
    assert all(not re.match(r"^(https?:)?//", u) for u in parsed(step_size_demo()).urls)


def test_cli_page(tmp_path, capsys):
    out = tmp_path / "step.html"
    assert main(["page", EXPR, "--at", "x1=2", "x2=5", "--quiz", "-o", str(out)]) == 0
    assert "<input" in out.read_text(encoding="utf-8")
    demo = tmp_path / "gd.html"
    assert main(["page", "--demo", "step-size", "-o", str(demo)]) == 0
    assert 'id="step-count"' in demo.read_text(encoding="utf-8")
    assert main(["page", EXPR, "-o", str(out)]) == 2           # no point
    assert main(["page", "x1 +* 2", "--at", "x1=1", "-o", str(out)]) == 2
    assert main(["page", "--demo", "nope", "-o", str(out)]) == 2
    assert main(["page", EXPR, "--at", "x1=2", "x2=5", "-o", str(tmp_path / "no" / "x.html")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "adkit page: error" in err


def test_cli_page_takes_the_seed_its_error_suggests_as_adkit_trace_does(tmp_path, capsys):
    out = tmp_path / "vec.html"
    assert main(["page", "v*v", "--at", "v=1,2", "-o", str(out)]) == 2
    assert "(--seed z=1,0)" in capsys.readouterr().err           # the error suggests the seed ...
    assert main(["page", "v*v", "--at", "v=1,2", "--seed", "z=1,0", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")                        # ... and the page takes it
    assert ('<td class="deriv">w̄2 = ⟨2⟩ [1, 0] <span class="seed">(seed)</span></td>'
            '<td class="num value">⟨2⟩ [1, 0]</td>') in text
    assert ('<td class="deriv">w̄1 = w̄2 · w1 + w̄2 · w1</td><td class="num value">⟨2⟩ [2, 0]'
            '</td>') in text
    assert main(["page", "x*y", "--at", "x=3", "y=2", "--seed", "x=0", "y=1", "--mode",
                 "forward", "-o", str(out)]) == 0                 # a direction, as NAME=VALUE
    assert '<td class="num value">3</td></tr>' in out.read_text(encoding="utf-8")
    for argv, message in [(["--seed", "z=1,0", "--mode", "forward"], "is for the reverse table"),
                          (["--seed", "v", "--mode", "reverse"], "seeded at the output"),
                          (["--seed", "z=1,0", "--quiz"], "a quiz marks the reverse table")]:
        assert main(["page", "v*v", "--at", "v=1,2", *argv, "-o", str(out)]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and err.count("\n") == 1


# -- in a browser ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def driver():
    d = chrome()
    yield d
    d.quit()


def _open(driver, tmp_path, text, name="page.html"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    driver.get(path.as_uri())
    driver.get_log("browser")  # start each page with an empty console
    return path


def _shown(driver):
    from selenium.webdriver.common.by import By
    return [tr for tr in driver.find_elements(By.CSS_SELECTOR, "tr")
            if tr.find_elements(By.TAG_NAME, "td") and tr.is_displayed()]


def _button(driver, label):
    from selenium.webdriver.common.by import By
    return next(b for b in driver.find_elements(By.TAG_NAME, "button") if b.text == label)


def test_browser_next_prev_and_arrow_keys(driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    _open(driver, tmp_path, ad.page(EXPR, at=AT))
    assert _shown(driver) == []
    for k in range(1, 4):
        _button(driver, "Next").click()
        assert len(_shown(driver)) == k
    lit = {e.get_attribute("id") for e in driver.find_elements(By.CSS_SELECTOR, ".lit")}
    assert lit == {"node-2", "wire-0-2", "wire-1-2"}
    _button(driver, "Prev").click()
    assert len(_shown(driver)) == 2
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    assert len(_shown(driver)) == 5
    body.send_keys(Keys.ARROW_LEFT)
    assert len(_shown(driver)) == 4
    for _ in range(20):
        _button(driver, "Next").click()
    assert len(_shown(driver)) == 10  # forward rows, then reverse rows, then it stops
    assert driver.find_element(By.ID, "result-1").is_displayed()
    tmp = tmp_path / "stepper.png"
    driver.save_screenshot(str(tmp))
    assert severe_logs(driver) == []


def test_browser_lights_every_part_of_a_bent_wire(driver, tmp_path):
    from selenium.webdriver.common.by import By
    text = ad.page("log(exp(x) + y) * x", at={"x": 1.0, "y": 2.0}, mode="forward")
    assert 'id="wire-0-5-part0"' in text  # x reaches w6 = w5 · w1 around w3 and w4
    _open(driver, tmp_path, text)
    for _ in range(6):
        _button(driver, "Next").click()
    lit = {e.get_attribute("id") for e in driver.find_elements(By.CSS_SELECTOR, ".lit")}
    assert {"node-5", "wire-4-5", "wire-0-5", "wire-0-5-part0", "wire-0-5-part1"} <= lit
    assert severe_logs(driver) == []


def test_browser_two_stage_reveal(driver, tmp_path):
    from selenium.webdriver.common.by import By
    _open(driver, tmp_path, ad.page(EXPR, at=AT, two_stage=True, projector=True))
    _button(driver, "Next").click()
    first = _shown(driver)[0]
    number = first.find_element(By.CSS_SELECTOR, "td.value")
    assert not number.is_displayed() or number.value_of_css_property("visibility") == "hidden"
    _button(driver, "Next").click()
    assert number.value_of_css_property("visibility") == "visible"
    assert len(_shown(driver)) == 1
    assert severe_logs(driver) == []


def test_browser_quiz_marks_right_wrong_and_carried(driver, tmp_path):
    from selenium.webdriver.common.by import By
    _open(driver, tmp_path, ad.page(EXPR, at=AT, mode="forward", quiz=True))
    for _ in range(5):
        _button(driver, "Next").click()
    rows = _shown(driver)
    typed = ["1", "0", "6", f"{np.cos(2.0):.4f}", f"{6 + np.cos(2.0):.4f}"]  # ẇ3 wrong; ẇ5 carried
    for tr, text in zip(rows, typed):
        tr.find_element(By.TAG_NAME, "input").send_keys(text)
    classes = [tr.get_attribute("class").split() for tr in rows]
    status = [next(c for c in cls if c in ("correct", "incorrect", "carried")) for cls in classes]
    assert status == ["correct", "correct", "incorrect", "correct", "carried"]
    # the page and ad.grade_table agree on the same answers
    answers = driver.find_element(By.ID, "answers").text
    marks = ad.grade_table(EXPR, answers, at=AT, mode="forward")
    assert [m.status for m in marks.rows] == status
    wrong = rows[4].find_element(By.TAG_NAME, "input")
    wrong.clear()
    wrong.send_keys("7.5")
    assert "incorrect" in rows[4].get_attribute("class").split()
    assert severe_logs(driver) == []


def test_browser_step_size_demo(driver, tmp_path):
    from selenium.webdriver.common.by import By
    _open(driver, tmp_path, step_size_demo(), "gd.html")
    graph, x, y = demo_model()
    assert driver.find_element(By.ID, "step-count").text == "0"
    start_loss = float(driver.find_element(By.ID, "loss").text)
    assert start_loss == pytest.approx(rss(graph, *START, x, y)[0], rel=1e-4)
    rate = driver.find_element(By.CSS_SELECTOR, "input#rate")
    rate.clear()
    rate.send_keys("0.01")
    _button(driver, "STEP").click()
    _, da, db = rss(graph, *START, x, y)
    a, b = START[0] - 0.01 * da, START[1] - 0.01 * db
    assert float(driver.find_element(By.ID, "a").text) == pytest.approx(a, rel=1e-4)
    assert float(driver.find_element(By.ID, "b").text) == pytest.approx(b, rel=1e-4)
    assert driver.find_element(By.ID, "step-count").text == "1"
    for _ in range(30):
        _button(driver, "STEP").click()
    assert float(driver.find_element(By.ID, "loss").text) < 0.2 * start_loss  # converging
    _button(driver, "RESET").click()
    assert driver.find_element(By.ID, "step-count").text == "0"
    assert float(driver.find_element(By.ID, "loss").text) == pytest.approx(start_loss, rel=1e-4)
    rate.clear()
    rate.send_keys("0.08")  # above 2/λmax: diverges
    for _ in range(10):
        _button(driver, "STEP").click()
    assert float(driver.find_element(By.ID, "loss").text) > 10 * start_loss
    assert "diverge" in driver.find_element(By.ID, "warning").text
    assert severe_logs(driver) == []


def test_browser_step_size_demo_s_first_frame_shows_the_starting_line(driver, tmp_path):
    from selenium.webdriver.common.by import By
    _open(driver, tmp_path, step_size_demo(), "gd.html")
    line = driver.find_element(By.CSS_SELECTOR, "#fit line[stroke='#c0392b']")
    top, bottom = 10, 340 - 38  # the plot area of the 420×340 panel (margin 38)
    for end in ("y1", "y2"):
        assert top <= float(line.get_attribute(end)) <= bottom, line.get_attribute(end)
    assert driver.find_element(By.ID, "step-count").text == "0"


@pytest.mark.parametrize("name", ["adkit.pages.stepper", "adkit.progress", "adkit.lessons_runner"])
def test_docstring_examples(name):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
