"""`adkit lesson run` reads like the lesson; `adkit lesson export` writes a notebook that runs;
progress bars come from tqdm."""
import io
import json
import re

import pytest

from adkit import lessons_runner
from adkit.cli import main
from adkit.progress import bar


def test_run_prints_the_explanations_and_the_deck(tmp_path, capsys):
    assert main(["lesson", "run", "forward-accumulation", "--quick", "--figures", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Follows deck 004" in out and "**" not in out and "# %%" not in out
    assert "ẇ3 = w2 · ẇ1 + w1 · ẇ2" in out
    assert main(["lesson", "run", "forward-accumulation", "--quick", "--figures", str(tmp_path),
                 "--code-only"]) == 0
    assert "Follows deck" not in capsys.readouterr().out


@pytest.mark.parametrize("lesson", lessons_runner.available(), ids=lambda lesson: lesson.name)
def test_every_lesson_names_its_deck_and_prints_numbers_like_a_lecturer(lesson, tmp_path, capsys):
    """No raw float reprs such as 2.7755575615628914e-17 and no printed dicts."""
    lessons_runner.run(lesson.name, tmp_path, quick=True)
    out = capsys.readouterr().out
    assert re.search(r"deck \*{0,2}00[234]", "\n".join(t for k, t, _ in
                                                      lessons_runner.cells(lesson.path)
                                                      if k == "markdown"))
    assert not re.search(r"\d\.\d{14,}", out), re.search(r".*\d\.\d{14,}.*", out).group(0)
    assert not re.search(r"\{'\w+': ", out), re.search(r".*\{'\w+': .*", out).group(0)


def test_cells_follow_the_percent_format():
    cells = lessons_runner.cells(lessons_runner.find("gradient-flow").path)
    kinds = [kind for kind, _, _ in cells]
    assert kinds[0] == "markdown" and "code" in kinds
    assert all(not text.startswith("# %%") for _, text, _ in cells)
    assert lessons_runner.plain_text("## A **b** and `c`") == "A b and c\n---------"


def test_export_writes_a_notebook_with_markdown_cells(tmp_path, capsys):
    out = tmp_path / "flow.ipynb"
    assert main(["lesson", "export", "gradient-flow", "-o", str(out)]) == 0
    nb = json.loads(out.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4 and nb["metadata"]["kernelspec"]["name"] == "python3"
    kinds = [c["cell_type"] for c in nb["cells"]]
    assert kinds.count("markdown") >= 3 and kinds.count("code") >= 3
    first = "".join(nb["cells"][0]["source"])
    assert first.startswith("# Gradient flow") and "deck **002**" in first
    nbformat = pytest.importorskip("nbformat")
    nbformat.validate(nbformat.reads(out.read_text(encoding="utf-8"), as_version=4))
    assert main(["lesson", "export", "no-such-lesson"]) == 2
    assert main(["lesson", "export", "gradient-flow", "-o", str(tmp_path / "no" / "x.ipynb")]) == 2


def test_an_exported_notebook_runs_top_to_bottom(tmp_path, monkeypatch):
    nbclient = pytest.importorskip("nbclient", reason="running notebooks needs nbclient")
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("ipykernel", reason="running notebooks needs ipykernel")
    path = lessons_runner.export("gradient-flow", tmp_path / "gradient-flow.ipynb")
    monkeypatch.setenv("ADKIT_FIGURES", str(tmp_path / "figures"))
    monkeypatch.setenv("ADKIT_QUICK", "1")
    nb = nbformat.read(str(path), as_version=4)
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
    except Exception as e:  # a kernel that cannot start is an environment problem, not a bug
        if "kernel" in type(e).__name__.lower() and "died" not in str(e).lower():
            pytest.skip(f"no Jupyter kernel: {e}")
        raise
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []))
    assert "w4 = w1 + w2" in text and "[figure]" in text
    assert (tmp_path / "figures" / "gradient-flow.png").exists()


def test_progress_bar_is_tqdm():
    stream = io.StringIO()
    report = bar("grading", stream=stream)
    for done in range(0, 11, 5):
        report(done, 10)
    report.close()
    assert "grading: 100%" in stream.getvalue() and "10/10" in stream.getvalue()
    quiet = bar("grading", enabled=False, stream=stream)
    quiet(1, 2)
    quiet.close()
