"""Reading and execution times of the notebooks (infogan_utils.series)."""

import json

import pytest

from infogan_utils import series


def _notebook(tmp_path, cells):
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "01_toy.ipynb"
    path.write_text(json.dumps(nb))
    return path


def _md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text, start=None, end=None):
    meta = {}
    if start:
        meta = {"execution": {"iopub.execute_input": start, "shell.execute_reply": end}}
    return {"cell_type": "code", "metadata": meta, "source": text, "outputs": [],
            "execution_count": 1}


def test_sections_count_words_code_and_measured_seconds(tmp_path):
    path = _notebook(tmp_path, [
        _md("# Title\n\nfive words in this intro"),
        _md("## First part\n\n" + "word " * 150),
        _code("# NBVAL_CHECK_OUTPUT\nx = 1\n\ny = 2\n", "2026-01-01T00:00:00.000Z",
              "2026-01-01T00:01:30.000Z"),
        _md("## Exercises\n\n**1.** do it\n<details><summary>Solution</summary>"
            + "hidden " * 300 + "</details>"),
        _code("answer = None\n", "2026-01-01T00:02:00.000Z", "2026-01-01T00:02:30.000Z"),
        _md("## Summary\n\none two\n\n## Next\n\nthree"),
    ])
    intro, first, exercises, summary, last = series.notebook_sections(path)
    assert (summary.title, summary.words, last.title, last.words) == ("Summary", 3, "Next", 2)
    assert intro.title == "Introduction" and intro.words == 6  # "Title" + five words
    assert first.title == "First part" and first.words == 152  # "First", "part", 150
    assert first.code_lines == 2  # the NBVAL marker and blank lines do not count
    assert first.exec_seconds == pytest.approx(90.0)
    assert first.minutes == pytest.approx(152 / 110 + 2 / 6 + 1.5)
    assert exercises.is_exercises and exercises.words == 4  # "Exercises 1 do it"; the folded solution is skipped
    times = series.notebook_times(path)
    assert times["exercises"] == 1
    assert times["execution"] == pytest.approx(2.0)  # the exercise's 30 s too
    assert times["lesson"] == pytest.approx(sum(s.minutes for s in (intro, first, summary, last)))
    assert times["running"] == pytest.approx(1.5)  # the exercise's cell does not count
    assert times["lesson"] == pytest.approx(times["reading"] + times["writing"] + times["running"])


def test_a_cell_without_timestamps_counts_zero_seconds():
    assert series.cell_seconds({"metadata": {}}) == 0.0
    assert series.cell_seconds({"metadata": {"execution": {"iopub.execute_input": "x"}}}) == 0.0


def test_every_lesson_of_the_series_has_measured_execution():
    lessons = series.series_notebooks()
    assert [p.name[:2] for p in lessons][:5] == ["01", "02", "03", "04", "05"]
    for path in lessons:
        times = series.notebook_times(path)
        assert times["execution"] > 0, f"{path.name} has no stored execution times"
        assert times["lesson"] > times["reading"]


def test_time_model_counts_writing_not_the_solution():
    """Solution regions are not read (the learner writes them); the stated minutes are."""
    cell = _code("def f(x):\n    \"\"\"Doc.\"\"\"\n    ### BEGIN SOLUTION\n    y = x + 1\n"
                 "    return y\n    ### END SOLUTION\n", "2026-01-01T00:00:00.000Z",
                 "2026-01-01T00:00:06.000Z")
    cell["metadata"]["nbgrader"] = {"solution": True}
    cell["metadata"]["write_along"] = {"minutes": 10}
    assert series.stub_minutes(cell) == 10
    source = "".join(cell["source"])
    assert series._without_solutions(source).splitlines() == ["def f(x):", '    """Doc."""']


@pytest.mark.parametrize("path", series.series_notebooks(), ids=lambda p: p.name)
def test_each_notebook_states_its_measured_time(path):
    """The "About N minutes" at the top agrees with reading plus measured running."""
    import re

    opening = "".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"][:4])
    stated = re.search(r"About \*\*(\d+) minutes\*\* to read and run", opening)
    assert stated, f"{path.name} does not state its time as 'About **N minutes** to read and run'"
    lesson = series.notebook_times(path)["lesson"]
    assert abs(int(stated.group(1)) - lesson) <= 1, (
        f"{path.name} says {stated.group(1)} minutes; by the time model it takes {lesson:.0f}")


# The lesson budgets of the series: four core lessons of 90 minutes, the explorer page,
# and the optional fifth lesson.
BUDGETS = {"01": 90, "02": 90, "03": 90, "04": 90, "05": 10, "06": 90}


@pytest.mark.parametrize("path", series.series_notebooks(), ids=lambda p: p.name)
def test_each_lesson_fits_its_budget(path):
    lesson = series.notebook_times(path)["lesson"]
    assert lesson <= BUDGETS[path.name[:2]], (
        f"{path.name} takes {lesson:.0f} minutes by the time model; its budget is "
        f"{BUDGETS[path.name[:2]]}")


@pytest.mark.parametrize("path", sorted(series.NOTEBOOK_DIR.glob("*.ipynb")), ids=lambda p: p.name)
def test_nbval_markers_are_cell_tags_not_comments(path):
    for cell in json.loads(path.read_text())["cells"]:
        source = "".join(cell["source"])
        assert "# NBVAL" not in source, (
            f"{path.name}: '{source.splitlines()[0]}' — use the cell tags nbval-check-output, "
            "nbval-ignore-output or nbval-skip, not comments a learner reads")


def test_readme_states_the_measured_times():
    import re

    readme = (series.NOTEBOOK_DIR.parent / "README.md").read_text()
    for path in series.series_notebooks():
        row = re.search(rf"^\| \[{path.stem}\].*\| (\d+) min \|$", readme, flags=re.M)
        assert row, f"README's series table has no time for {path.stem}"
        lesson = series.notebook_times(path)["lesson"]
        assert abs(int(row.group(1)) - lesson) <= 5, (
            f"README says {row.group(1)} min for {path.stem}; it takes {lesson:.0f}")


def test_the_install_branch_of_the_setup_cell_is_not_reading():
    source = ("try:\n    import infogan_utils\nexcept ModuleNotFoundError:  # Colab\n"
              "    import os\n\n    os.chdir('x')\n    import infogan_utils\nimport numpy as np\n")
    assert series._without_install_branch(source).splitlines() == [
        "try:", "    import infogan_utils", "import numpy as np"]
