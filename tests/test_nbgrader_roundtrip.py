"""A real nbgrader round trip for the four core lessons, as docs/teaching.md tells a teacher:

1. ``make assignments`` (scripts/nbgrader_course.py): ``nbgrader generate_assignment`` with
   the shipped nbgrader_config.py;
2. two submissions per lesson: the untouched release, and the teacher's notebook;
3. ``nbgrader autograde <lesson>``, in the mode nbgrader_config.py sets (INFOGAN_FAST=1).

The untouched release must score 0 on every graded cell, the teacher's notebook full marks.
The seconds each autograde takes are printed and written to
artifacts/autograde_seconds.json (a measurement, not a target; docs/teaching.md states them).
"""

import importlib.util
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

if os.environ.get("CI"):
    import nbgrader  # noqa: F401  the teach extra is installed by `make test`; CI must run this
else:
    pytest.importorskip("nbgrader")

_spec = importlib.util.spec_from_file_location("nbgrader_course",
                                               ROOT / "scripts" / "nbgrader_course.py")
course_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(course_tool)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    folder = tmp_path_factory.mktemp("course")
    released = course_tool.release(folder)
    assert [p.exists() for p in released] == [True] * len(course_tool.GRADED)
    return folder


def _scores(course, lesson, learner):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(lesson, lesson, learner)
        return {grade.name: (grade.score, grade.max_score) for grade in notebook.grades}


@pytest.mark.parametrize("number", course_tool.GRADED)
def test_autograde_gives_zero_to_the_release_and_full_marks_to_the_teacher(course, number):
    lesson = course_tool.lesson(number)
    submissions = {"untouched": course / "release" / lesson.stem / lesson.name,
                   "teacher": lesson}
    seconds = {}
    for learner, notebook in submissions.items():
        folder = course / "submitted" / learner / lesson.stem
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(notebook, folder / lesson.name)
        start = time.perf_counter()
        result = subprocess.run(
            course_tool.nbgrader_command() + ["autograde", lesson.stem, "--student", learner,
                                              "--force"],
            cwd=course, env=course_tool.tool_environment(), capture_output=True, text=True)
        seconds[learner] = time.perf_counter() - start
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    untouched = _scores(course, lesson.stem, "untouched")
    teacher = _scores(course, lesson.stem, "teacher")
    assert untouched and untouched.keys() == teacher.keys()
    assert all(score == 0 for score, _ in untouched.values()), (
        f"the untouched release scores: {untouched}")
    assert all(score == full and full > 0 for score, full in teacher.values()), (
        f"the teacher's notebook scores: {teacher}")
    print(f"{lesson.stem}: {len(teacher)} graded cells; autograde took "
          f"{seconds['untouched']:.0f} s (untouched) and {seconds['teacher']:.0f} s (teacher)")
    record = ROOT / "artifacts" / "autograde_seconds.json"
    record.parent.mkdir(exist_ok=True)
    times = json.loads(record.read_text()) if record.exists() else {}
    times[lesson.stem] = {"graded_cells": len(teacher), **{k: round(v, 1) for k, v in seconds.items()}}
    record.write_text(json.dumps(times, indent=1, sort_keys=True) + "\n")
