# nbgrader configuration for teachers who grade this series with nbgrader.
#
# The committed notebooks are the teacher's version ("source" in nbgrader's words). Each
# piece the learner writes (a write-along cell of the lesson, or an exercise) is an answer
# cell whose solution sits between "### BEGIN SOLUTION" and "### END SOLUTION", with its
# signature, docstring and hint outside them; the check cell after it (an nbgrader grading
# cell, 1 point) ends with hidden tests that an unanswered cell fails. The folded solutions
# in Markdown carry the cell tag "solution".
#
# How a teacher uses it (nbgrader comes with the teach extra: pip install -e ".[teach]"):
#   1. make assignments
#      (= python scripts/nbgrader_course.py --course course) copies lessons 01-04 to
#      course/source/<lesson>/ with this file and runs, inside course/,
#      nbgrader generate_assignment <lesson> --force
#      which writes course/release/<lesson>/ for the learners: solutions replaced by the
#      stub below, hidden tests and "solution"-tagged cells removed, outputs cleared.
#   2. Put each learner's notebook at course/submitted/<learner>/<lesson>/<lesson>.ipynb,
#      then inside course/: nbgrader autograde <lesson>
#      An unanswered cell scores 0 (its hidden test fails); a wrong one fails its check.
#   tests/test_nbgrader_roundtrip.py runs exactly these two steps.
# Without nbgrader, `make student` writes the same student notebooks to student/.

import os

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

# Grading runs every notebook in its fast mode: the checks test the learner's code, not a
# model trained for a lesson's length. Notebook 03 trains; in fast mode it is graded in
# about two minutes on 2 CPU cores (docs/teaching.md gives the time of each lesson).
os.environ["INFOGAN_FAST"] = "1"
# nbgrader stops a cell after 30 s by default; the longest cell in fast mode (a training
# run) takes about a minute on 2 cores, so allow ten times that.
c.Execute.timeout = 600

# The line that replaces each solution region. The placeholder above the region stays, so
# a learner sees e.g. `answer = None  # your code here` followed by this one comment line.
c.ClearSolutions.code_stub = {"python": "# your code here"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Remove the folded solutions (Markdown cells tagged "solution") from the release too;
# nbgrader itself only clears the marked regions.
c.GenerateAssignment.preprocessors = [
    "nbconvert.preprocessors.TagRemovePreprocessor",
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearSolutions",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.TagRemovePreprocessor.enabled = True
c.TagRemovePreprocessor.remove_cell_tags = {"solution"}
