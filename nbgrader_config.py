# nbgrader configuration for teachers who grade this series with nbgrader.
#
# The committed notebooks are the teacher's version ("source" in nbgrader's words): each
# exercise has an answer cell whose solution sits between "### BEGIN SOLUTION" and
# "### END SOLUTION", after the placeholder the learner sees (`answer = None  # ...`), and a
# check cell (an nbgrader grading cell, 1 point) that ends with hidden tests an unanswered
# exercise fails. The folded solutions in Markdown carry the cell tag "solution".
#
# How a teacher uses it (nbgrader is not a dependency of this project: pip install nbgrader):
#   1. In a course folder with this file, copy each notebook you hand out (and the data/
#      and docs/images/ folders the notebooks read through ../) to
#      source/<assignment>/, e.g. source/01_mutual_information_bound/.
#   2. nbgrader generate_assignment 01_mutual_information_bound
#      writes release/01_mutual_information_bound/ for the learners: solutions replaced by
#      the stub below, hidden tests and "solution"-tagged cells removed, outputs cleared.
#   3. After collecting: nbgrader autograde 01_mutual_information_bound. An unanswered
#      exercise scores 0 (its hidden test fails); a wrong one fails its check.
# Without nbgrader, `make student` writes the same student notebooks to student/.

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

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
