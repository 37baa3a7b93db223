"""The write-along cells: every piece the learner writes is a stub in the student copy, and
its check says "Not answered yet" for the stub, fails a wrong answer with a hint, and passes
the teacher's solution.

One kernel per notebook runs the STUDENT copy (scripts/make_student.py) top to bottom under
INFOGAN_FAST=1. At each write-along answer cell it runs, each followed by the check cell:

1. the teacher's solution: the check prints "Correct!";
2. every wrong answer of tests/wrong_answers.py: the check raises WrongAnswer with a hint;
3. the stub (the student copy's cell): the check prints "Not answered yet".

The stub runs last, so the rest of the notebook runs exactly as a learner who answered
nothing would run it: it must still reach its last cell. The exercises (grade ids
``NN-exK``) are homework and are tested by tests/test_student.py.
"""

import copy
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

from infogan_utils.series import STUB_MINUTES
from wrong_answers import WRONG

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
LESSONS = sorted(NOTEBOOK_DIR.glob("0[1-9]_*.ipynb"))

_spec = importlib.util.spec_from_file_location("make_student", ROOT / "scripts" / "make_student.py")
make_student = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_student)
BEGIN, END = make_student.MARKERS["solution"]


def is_write_along(cell):
    """An answer cell on the main path (not an exercise's)."""
    return make_student.is_answer(cell) and not re.search(
        r"-ex\d+-answer$", cell.metadata["nbgrader"]["grade_id"])


def write_along_cells(nb):
    return [c for c in nb.cells if is_write_along(c)]


def with_body(source, body):
    """`source` with the lines inside its solution markers replaced by `body`."""
    match = re.search(rf"^([ \t]*){re.escape(BEGIN)}\n.*?^[ \t]*{re.escape(END)}[ \t]*$",
                      source, flags=re.M | re.S)
    assert match, "no solution region"
    indent = match.group(1)
    lines = [indent + line if line.strip() else line for line in body.strip("\n").split("\n")]
    return source[:match.start()] + "\n".join(lines) + source[match.end():]


WRITE_ALONG_LESSONS = [p for p in LESSONS if write_along_cells(nbformat.read(p, as_version=4))]


def _printed(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def _error(cell):
    errors = [o for o in cell.outputs if o.output_type == "error"]
    return (errors[0].ename, errors[0].evalue) if errors else None


def test_registry_names_only_existing_cells():
    known = {c.metadata["nbgrader"]["grade_id"] for p in LESSONS
             for c in write_along_cells(nbformat.read(p, as_version=4))}
    assert set(WRONG) <= known, f"wrong answers for unknown cells: {set(WRONG) - known}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_write_along_cells_follow_the_convention(path):
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if not is_write_along(cell):
            continue
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        assert grade_id.startswith(path.name[:2] + "-") and grade_id.endswith("-answer")
        minutes = cell.metadata.get("write_along", {}).get("minutes")
        low, high = STUB_MINUTES
        assert minutes is not None and low <= minutes <= high, f"{grade_id}: minutes {minutes}"
        prompt = nb.cells[index - 1]
        assert prompt.cell_type == "markdown" and f"{minutes} minutes" in prompt.source, (
            f"{grade_id}: the prompt before it should state '{minutes} minutes'")
        check = nb.cells[index + 1]
        assert make_student.is_check(check), f"{grade_id}: no check cell after it"
        assert check.metadata["nbgrader"]["grade_id"] == grade_id.replace("-answer", "-check")
        assert "answered" in check.source and "HIDDEN TESTS" in check.source
        assert not cell.metadata.get("jupyter", {}).get("source_hidden"), (
            f"{grade_id}: write-along cells are not folded in the teacher's copy")
        assert len(WRONG.get(grade_id, [])) >= 1, f"{grade_id}: no wrong answer registered"
        stub = make_student.student_version(nbformat.v4.new_notebook(cells=[copy.deepcopy(cell)]))
        compile(stub.cells[0].source, grade_id, "exec")  # the stub is valid Python
        name = re.search(r"def (\w+)\(", cell.source)
        assert name, f"{grade_id}: a write-along cell defines a function or method"


@pytest.mark.slow
@pytest.mark.parametrize("path", WRITE_ALONG_LESSONS, ids=lambda p: p.name)
def test_student_copy_checks_stub_wrong_and_right(path, monkeypatch):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    monkeypatch.setenv("INFOGAN_FAST", "1")
    teacher = nbformat.read(path, as_version=4)
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in write_along_cells(teacher)}
    nb = make_student.student_version(teacher, path.name)
    client = NotebookClient(nb, timeout=1800, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    seen, not_answered = [], 0
    with client.setup_kernel():
        index = 0
        while index < len(nb.cells):
            cell = nb.cells[index]
            if cell.cell_type != "code":
                index += 1
                continue
            if not is_write_along(cell):
                client.execute_cell(cell, index)
                printed = _printed(cell)
                not_answered += printed.count("Not answered yet")
                index += 1
                continue
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            check = nb.cells[index + 1]
            variants = [("solution", solutions[grade_id])]
            variants += [(f"wrong answer {k}", with_body(solutions[grade_id], body))
                         for k, body in enumerate(WRONG.get(grade_id, []), 1)]
            variants += [("stub", cell.source)]
            for label, source in variants:
                answer, trial = copy.deepcopy(cell), copy.deepcopy(check)
                answer.source = source
                client.execute_cell(answer, index)
                try:
                    client.execute_cell(trial, index + 1)
                    outcome = None
                except CellExecutionError:
                    outcome = _error(trial)
                printed = _printed(trial)
                if label == "solution":
                    assert outcome is None and "Correct!" in printed, (
                        f"{grade_id}: the solution's check gave {outcome or printed!r}")
                elif label == "stub":
                    assert outcome is None and printed.count("Not answered yet") == 1, (
                        f"{grade_id}: the stub's check gave {outcome or printed!r}")
                    not_answered += 1
                    check.outputs = trial.outputs
                else:
                    assert outcome is not None and outcome[0] == "WrongAnswer", (
                        f"{grade_id}: {label} was not caught: {outcome or printed!r}")
                    assert "Hint:" in outcome[1], f"{grade_id}: {label} failed without a hint"
            seen.append(grade_id)
            index += 2
    assert seen == list(solutions), f"ran {seen}, expected {list(solutions)}"
    stubs = sum(make_student.is_answer(c) for c in nb.cells)
    assert not_answered == stubs, (
        f"'Not answered yet' printed {not_answered} times for {stubs} stubs (write-along "
        "cells and exercises)")
