"""Write the student version of the notebooks: the exercises without their solutions.

    python scripts/make_student.py [--out student] notebooks/0*.ipynb

The committed notebooks are the teacher's version. Their exercises follow nbgrader's
conventions, so a teacher who uses nbgrader can run `nbgrader generate_assignment` on them
(see nbgrader_config.py). This script needs only nbformat. For each notebook it writes
<out>/<same name>, where it

- replaces every `### BEGIN SOLUTION` ... `### END SOLUTION` region by the stub line
  `# your code here`, indented like the markers, as nbgrader's ClearSolutions does with
  nbgrader_config.py (the placeholder lines before it, e.g. `answer = None`, stay); a
  function whose body was the region returns None, which its check reports as
  "Not answered yet";
- removes every `### BEGIN HIDDEN TESTS` ... `### END HIDDEN TESTS` region;
- deletes the markdown cells tagged "solution" (the folded solutions and their prose);
- clears the outputs and execution counts of the answer cells (nbgrader "solution") and
  check cells (nbgrader "grade"), and shows the answer cells unfolded.

Everything else (other cells, their outputs and figures, metadata) is copied unchanged.
<out> sits beside notebooks/ at the repository root, so relative paths such as ../data
resolve the same way. The script refuses to write into the folder of its inputs, and
refuses a notebook whose markers are unbalanced.
"""
import argparse
import copy
import sys
from pathlib import Path

import nbformat

MARKERS = {
    "solution": ("### BEGIN SOLUTION", "### END SOLUTION"),
    "hidden tests": ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"),
}
SOLUTION_TAG = "solution"
CODE_STUB = "# your code here"  # the same line as c.ClearSolutions.code_stub in nbgrader_config.py


class MarkerError(ValueError):
    """A cell has an unbalanced or nested BEGIN/END pair."""


def strip_region(source, begin, end, stub=None):
    """Return `source` without the lines from each `begin` line to its `end` line; with
    `stub`, one line `stub` (indented like `begin`) stands in each region's place."""
    kept, inside = [], False
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise MarkerError(f"nested '{begin}'")
            inside = True
            if stub is not None:
                kept.append(line[:len(line) - len(line.lstrip())] + stub)
        elif end in line:
            if not inside:
                raise MarkerError(f"'{end}' without '{begin}'")
            inside = False
        elif not inside:
            kept.append(line)
    if inside:
        raise MarkerError(f"'{begin}' without '{end}'")
    return "\n".join(kept)


def check_markers(nb, name="notebook"):
    """Raise MarkerError naming the first cell whose markers are unbalanced."""
    for index, cell in enumerate(nb.cells):
        for begin, end in MARKERS.values():
            try:
                strip_region(cell.source, begin, end)
            except MarkerError as error:
                raise MarkerError(f"{name}, cell {index} (id {cell.get('id')}): {error}") from None


def is_answer(cell):
    return cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution", False)


def is_check(cell):
    return cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade", False)


def student_version(teacher, name="notebook"):
    """The student notebook of `teacher` (a NotebookNode); `teacher` is not modified."""
    check_markers(teacher, name)
    nb = copy.deepcopy(teacher)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and SOLUTION_TAG in cell.metadata.get("tags", []):
            continue
        begin, end = MARKERS["solution"]
        cell.source = strip_region(cell.source, begin, end, stub=CODE_STUB)
        begin, end = MARKERS["hidden tests"]
        cell.source = strip_region(cell.source, begin, end)
        if is_answer(cell) or is_check(cell):
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        if is_answer(cell):
            jupyter = cell.metadata.get("jupyter", {})
            jupyter.pop("source_hidden", None)
            if not jupyter:
                cell.metadata.pop("jupyter", None)
        cells.append(cell)
    nb.cells = cells
    return nb


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("student"))
    args = parser.parse_args(argv)
    out = args.out.resolve()
    sources = {p.resolve().parent for p in args.notebooks}
    if out in sources:
        print(f"make_student: refusing to write into {args.out}: it holds the teacher "
              f"notebooks", file=sys.stderr)
        return 2
    students = []
    for path in args.notebooks:
        try:
            students.append((path, student_version(nbformat.read(path, as_version=4), path)))
        except MarkerError as error:
            print(f"make_student: unbalanced markers in {error}", file=sys.stderr)
            return 1
    out.mkdir(parents=True, exist_ok=True)
    for path, nb in students:
        nbformat.write(nb, out / path.name)
    print(f"wrote {len(students)} student notebooks to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
