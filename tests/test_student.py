"""Student versions: the committed notebooks are the teacher's, scripts/make_student.py
strips them, and nothing of a solution reaches a learner.

- the markers (### BEGIN/END SOLUTION, ### BEGIN/END HIDDEN TESTS) are balanced, and every
  exercise is an nbgrader answer cell followed by its grading (check) cell;
- no solution text appears in a student notebook;
- every student notebook runs top to bottom (INFOGAN_FAST=1) and each check cell reports
  "Not answered yet";
- the teacher notebooks' check cells print "Correct!" (their committed outputs);
- nbgrader's own preprocessors, configured by nbgrader_config.py, give the same student
  notebooks (skipped when nbgrader is not installed; it is not a dependency).
"""

import importlib.util
import os
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
LESSONS = sorted(NOTEBOOK_DIR.glob("0[1-9]_*.ipynb"))

_spec = importlib.util.spec_from_file_location("make_student", ROOT / "scripts" / "make_student.py")
make_student = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_student)

BEGIN, END = make_student.MARKERS["solution"]
HBEGIN, HEND = make_student.MARKERS["hidden tests"]
LEAKS = ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "<summary>Solution")


def _teacher(path):
    return nbformat.read(path, as_version=4)


def _student(path):
    return make_student.student_version(_teacher(path), path.name)


def _regions(source, begin, end):
    """The text between each begin/end marker pair of `source`."""
    return re.findall(rf"{re.escape(begin)}\n(.*?)\n[ \t]*{re.escape(end)}", source, flags=re.S)


def _outside(source):
    """`source` without its marked regions (found by a regex, not by make_student)."""
    for begin, end in ((BEGIN, END), (HBEGIN, HEND)):
        source = re.sub(rf"[ \t]*{re.escape(begin)}\n.*?\n[ \t]*{re.escape(end)}", "", source,
                        flags=re.S)
    return source


def _solution_cells(nb):
    return [c for c in nb.cells if c.cell_type == "markdown"
            and make_student.SOLUTION_TAG in c.metadata.get("tags", [])]


def _is_exercise(cell):
    """An exercise's answer cell (grade id NN-exK-answer), not a write-along cell of the
    main path (tests/test_write_along.py)."""
    return (make_student.is_answer(cell)
            and re.search(r"-ex\d+-answer$", cell.metadata["nbgrader"]["grade_id"]))


def _answer_pairs(nb, which=make_student.is_answer):
    """[(answer cell, check cell)] of a notebook, in order."""
    pairs = []
    for i, cell in enumerate(nb.cells):
        if which(cell):
            check = nb.cells[i + 1]
            assert make_student.is_check(check), (
                f"the cell after answer cell {cell.metadata['nbgrader']['grade_id']} is not "
                f"its check cell")
            pairs.append((cell, check))
    return pairs


def _exercises(nb):
    return _answer_pairs(nb, _is_exercise)


def _lines(text):
    return {line.strip() for line in text.split("\n") if line.strip()}


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_markers_are_balanced_and_exercises_are_graded(path):
    nb = _teacher(path)
    make_student.check_markers(nb, path.name)  # raises on an unbalanced or nested pair
    pairs = _exercises(nb)
    assert pairs, f"{path.name} has no nbgrader exercises"
    stem = path.name[:2]
    for k, (answer, check) in enumerate(pairs, start=1):
        a, c = answer.metadata["nbgrader"], check.metadata["nbgrader"]
        assert a["grade_id"] == f"{stem}-ex{k}-answer" and c["grade_id"] == f"{stem}-ex{k}-check"
        assert a["solution"] and not a["grade"] and not a["locked"]
        assert c["grade"] and c["locked"] and not c["solution"] and c["points"] == 1
        assert a["schema_version"] == c["schema_version"] == 3
        assert answer.source.count(BEGIN) >= 1, f"{a['grade_id']} has no solution region"
        assert check.source.count(HBEGIN) == 1, f"{c['grade_id']} has no hidden tests"
        assert "Not answered yet" in check.source and "Correct!" in check.source
        assert answer.metadata.get("jupyter", {}).get("source_hidden"), (
            f"{a['grade_id']}: the teacher's answer cell should be folded")
    for cell in nb.cells:
        if "<summary>Solution" in cell.source:
            assert cell.cell_type == "markdown"
            assert make_student.SOLUTION_TAG in cell.metadata.get("tags", []), (
                f"{path.name}: a folded solution without the 'solution' tag: {cell.source[:60]}")
            assert cell.source.startswith("<details>") and cell.source.endswith("</details>"), (
                f"{path.name}: a solution cell holds more than its <details> block (the "
                f"student version deletes the whole cell)")


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_no_solution_text_in_the_student_version(path):
    teacher, student = _teacher(path), _student(path)
    text = nbformat.writes(student)
    for leak in LEAKS:
        assert leak not in text, f"student {path.name} contains {leak!r}"
    seen = _lines("\n".join(c.source for c in student.cells))
    # Lines a learner may see anyway: the teacher's text outside the marked regions and the
    # solution cells (e.g. the `c = self.config` of the train step the notebook writes).
    solutions = _solution_cells(teacher)
    context = _lines("\n".join(_outside(c.source) for c in teacher.cells if c not in solutions))
    for answer, check in _answer_pairs(teacher):
        grade_id = answer.metadata["nbgrader"]["grade_id"]
        regions = _regions(answer.source, BEGIN, END)
        assert regions, f"{grade_id}: no solution region found"
        for region in regions:
            leaked = (_lines(region) & seen) - context
            assert not leaked, f"{grade_id}: solution lines in the student version: {leaked}"
        for region in _regions(check.source, HBEGIN, HEND):
            leaked = (_lines(region) & seen) - context
            assert not leaked, f"{grade_id}: hidden tests in the student version: {leaked}"
    for cell in solutions:
        prose = {line for line in _lines(cell.source) if len(line) > 30}
        leaked = (prose & seen) - context
        assert not leaked, f"student {path.name} shows solution prose: {leaked}"
    for cell in student.cells:
        if make_student.is_answer(cell) or make_student.is_check(cell):
            assert not cell.get("outputs") and cell.execution_count is None
            assert "source_hidden" not in cell.metadata.get("jupyter", {})
        for out in cell.get("outputs", []):
            assert "Correct!" not in str(out), f"student {path.name}: an output says Correct!"


def test_make_student_writes_beside_notebooks_and_refuses_the_teacher_folder(tmp_path, capsys):
    out = tmp_path / "student"
    assert make_student.main(["--out", str(out), *map(str, LESSONS)]) == 0
    assert sorted(p.name for p in out.glob("*.ipynb")) == [p.name for p in LESSONS]
    assert make_student.main(["--out", str(NOTEBOOK_DIR), str(LESSONS[0])]) == 2
    assert "refusing" in capsys.readouterr().err
    broken = _teacher(LESSONS[0])
    answer = next(c for c in broken.cells if make_student.is_answer(c))
    answer.source = answer.source.replace(END, "")
    nbformat.write(broken, tmp_path / "broken.ipynb")
    assert make_student.main(["--out", str(out), str(tmp_path / "broken.ipynb")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unbalanced markers" in err, err


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_teacher_checks_print_correct(path):
    """The committed teacher notebooks, executed with their solutions, pass every check,
    write-along and exercise (nbval also runs them; this reads the committed outputs, so
    stale ones fail here)."""
    for _, check in _answer_pairs(_teacher(path)):
        printed = "".join(o.get("text", "") for o in check.outputs if o.output_type == "stream")
        assert "Correct!" in printed, (
            f"{path.name} {check.metadata['nbgrader']['grade_id']} printed {printed!r}")


def _has_write_along(path):
    return any(make_student.is_answer(c) and not _is_exercise(c) for c in _teacher(path).cells)


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in LESSONS if not _has_write_along(p)],
                         ids=lambda p: p.name)
def test_student_notebook_runs_and_reports_not_answered(path, monkeypatch):
    """Run the student version top to bottom in FAST mode, from the notebooks' folder
    (student/ sits beside notebooks/, so relative paths resolve the same way). Notebooks
    with write-along cells are run by tests/test_write_along.py, which also tries each
    check with the solution and with wrong answers."""
    from nbclient import NotebookClient

    monkeypatch.setenv("INFOGAN_FAST", "1")
    nb = _student(path)
    NotebookClient(nb, timeout=1800, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK_DIR)}}).execute()
    for cell in nb.cells:
        if make_student.is_check(cell):
            printed = "".join(o.get("text", "") for o in cell.outputs
                              if o.output_type == "stream")
            assert printed.startswith("Not answered yet"), (
                f"{path.name} {cell.metadata['nbgrader']['grade_id']} printed {printed!r}")


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_nbgrader_makes_the_same_student_version(path):
    """nbgrader generate_assignment's preprocessors, configured by nbgrader_config.py, give
    the student version up to the stub line nbgrader puts where each solution was."""
    pytest.importorskip("nbgrader")
    from nbconvert.preprocessors import TagRemovePreprocessor
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    stub = config.ClearSolutions.code_stub["python"]
    nb, resources = _teacher(path), {}
    for preprocessor in (TagRemovePreprocessor, ClearSolutions, ClearHiddenTests):
        nb, resources = preprocessor(config=config).preprocess(nb, resources)
    ours = _student(path)
    assert stub == make_student.CODE_STUB
    assert len(nb.cells) == len(ours.cells)
    for theirs, mine in zip(nb.cells, ours.cells):
        assert theirs.source == mine.source, f"{path.name}: cell {mine.get('id')} differs"
