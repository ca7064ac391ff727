"""adkit board: plain JSON-lines logs, the fit callback, the self-contained page (in a browser too)."""
import json
import re
import shutil

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402

import adkit.tf1 as tf  # noqa: E402
from adkit import board  # noqa: E402
from adkit.cli import main  # noqa: E402


@pytest.fixture
def logdir(tmp_path):
    """Two runs: a tf1 training with a graph, and a fit-style callback run."""
    tf.reset_default_graph()
    w = tf.Variable(3.0, name="w")
    loss = tf.square(w - 1.0, name="loss")
    tf.summary.scalar("loss", loss)
    merged = tf.summary.merge_all()
    step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    writer = tf.summary.FileWriter(str(tmp_path / "logs" / "sgd"))
    with tf.Session() as sess:
        writer.add_graph(sess.graph)
        sess.run(tf.global_variables_initializer())
        for i in range(20):
            summary, _ = sess.run([merged, step])
            writer.add_summary(summary, i)
    writer.close()
    callback = board.BoardLogger(tmp_path / "logs" / "fit")
    for epoch in range(5):
        callback.on_epoch_end(epoch, {"loss": 1.0 / (epoch + 1), "accuracy": 0.2 * epoch,
                                      "note": "not a number"})
    tf.reset_default_graph()
    return tmp_path / "logs"


def test_logs_are_plain_json_lines(logdir):
    lines = (logdir / "fit" / "events.adkit.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["tag"], r["step"]) for r in records][:2] == [("loss", 0), ("accuracy", 0)]
    assert len(records) == 10 and all(r["kind"] == "scalar" for r in records)
    runs = board.read_logdir(logdir)
    assert list(runs) == ["fit", "sgd"]
    losses = [p["value"] for p in runs["sgd"]["scalars"]["loss"]]
    assert losses[0] == pytest.approx(4.0) and losses[1] == pytest.approx(4.0 * 0.8 ** 2)
    assert runs["sgd"]["graph"].lstrip().startswith("<?xml") and runs["fit"]["graph"] is None


def test_smoothing_is_tensorboards_debiased_average():
    assert board.smooth([1.0, 1.0, 1.0], 0.6) == pytest.approx([1.0, 1.0, 1.0])
    # last = 0.5·0 + 0.5·10 = 5 after two steps, debiased by 1 − 0.5² = 0.75
    assert board.smooth([0.0, 10.0], 0.5) == pytest.approx([0.0, 5.0 / 0.75])
    assert board.smooth([2.0, 4.0], 0.0) == [2.0, 4.0]


def test_page_is_self_contained(logdir):
    page = board.board_page(logdir)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r'(src|href)\s*=\s*"(?!data:|#)', page)   # nothing fetched from outside
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert 'type="range"' in page and "data:image/svg+xml;base64," in page
    data = json.loads(re.search(r'id="board-data">(.*?)</script>', page, re.S).group(1))
    assert data["tags"] == ["loss", "accuracy"] and [r["name"] for r in data["runs"]] == ["fit", "sgd"]


def test_board_command_writes_page_and_pngs(logdir, tmp_path, capsys):
    out = tmp_path / "out" / "board.html"
    assert main(["board", str(logdir), "-o", str(out), "--png"]) == 0
    printed = capsys.readouterr().out
    assert out.is_file() and (tmp_path / "out" / "board.png").is_file()
    assert (tmp_path / "out" / "board-graph-sgd.png").is_file()
    assert f"wrote {out}" in printed
    assert (tmp_path / "out" / "board.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args, message", [
    (["board", "/no/such/folder"], "no such folder"),
    (["board", ".", "--smoothing", "1.5"], "--smoothing"),
])
def test_board_command_errors_are_one_line(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args + ["-o", str(tmp_path / "b.html")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_empty_logdir_says_what_it_expected(tmp_path, capsys):
    assert main(["board", str(tmp_path), "-o", str(tmp_path / "b.html")]) == 2
    assert "events.adkit.jsonl" in capsys.readouterr().err


def _browser():
    pytest.importorskip("selenium", reason="selenium is not installed (pip install selenium)")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which(
        "google-chrome")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip("no headless Chromium and chromedriver found (apt-get install chromium "
                    "chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    options = Options()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.binary_location = chromium
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        return webdriver.Chrome(options=options, service=Service(driver))
    except Exception as e:  # a driver that does not match the browser, no display libraries...
        pytest.skip(f"headless Chromium did not start: {str(e).splitlines()[0]}")


def test_page_renders_in_headless_chromium_without_console_errors(logdir, tmp_path):
    out = tmp_path / "board.html"
    out.write_text(board.board_page(logdir), encoding="utf-8")
    driver = _browser()
    try:
        driver.get(out.as_uri())
        smoothed = driver.find_elements("css selector", "polyline.smoothed")
        assert len(smoothed) == 3   # loss of two runs, accuracy of one
        before = smoothed[0].get_attribute("points")
        driver.execute_script(
            "var s = document.getElementById('smoothing'); s.value = 0.95;"
            "s.dispatchEvent(new Event('input'));")
        after = driver.find_elements("css selector", "polyline.smoothed")[0].get_attribute("points")
        assert after != before
        assert driver.find_element("id", "smoothing-value").text == "0.95"
        assert driver.find_elements("css selector", ".graph img")[0].get_attribute("naturalWidth") != "0"
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []
    finally:
        driver.quit()


def test_a_graph_that_cannot_be_drawn_is_logged_with_a_warning(tmp_path):
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, name="x")          # unknown rank: no stand-in value fits matmul
    tf.matmul(x, tf.Variable(tf.zeros([3, 2])))
    with pytest.warns(UserWarning, match="without a drawing"):
        tf.summary.FileWriter(str(tmp_path / "run"), tf.get_default_graph())
    assert board.read_logdir(tmp_path)["run"]["graph"] is None
    tf.reset_default_graph()


def test_the_logger_is_a_callback_of_nn_fit(tmp_path):
    import inspect
    nn = pytest.importorskip("adkit.nn")
    if "callbacks" not in inspect.signature(nn.Sequential.fit).parameters:
        pytest.skip("adkit.nn's fit takes no callbacks= yet")
    import numpy as np
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2))
    y = (x[:, 0] > 0).astype(int)
    model = nn.Sequential([nn.Dense(8, activation=tf.nn.relu, input_shape=(2,)),
                           nn.Dense(2, activation=tf.nn.softmax)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=3, verbose=0, callbacks=[board.BoardLogger(tmp_path / "fit")])
    scalars = board.read_logdir(tmp_path)["fit"]["scalars"]
    assert [p["step"] for p in scalars["loss"]] == [0, 1, 2] and "accuracy" in scalars


def test_diverged_values_leave_the_page_valid_json(tmp_path):
    log = board.BoardLogger(tmp_path / "diverged")
    for step, value in enumerate([1.0, 10.0, float("inf"), float("nan")]):
        log.scalar("loss", value)
    log.scalar("loss", 2.0)
    runs = board.read_logdir(tmp_path)
    assert [p["step"] for p in runs["diverged"]["scalars"]["loss"]] == [0, 1, 2, 3, 4]
    page = board.board_page(tmp_path)
    data = json.loads(re.search(r'id="board-data">(.*?)</script>', page, re.S).group(1),
                      parse_constant=lambda name: pytest.fail(f"{name} in the page's JSON"))
    assert [p["value"] for p in data["runs"][0]["scalars"]["loss"]] == [1.0, 10.0, 2.0]
    again = board.BoardLogger(tmp_path / "diverged")   # a second writer continues the steps
    again.scalar("loss", 1.0)
    assert board.read_logdir(tmp_path)["diverged"]["scalars"]["loss"][-1]["step"] == 5
