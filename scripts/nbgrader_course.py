"""Make an nbgrader course folder for the series and release the lessons to learners.

    make assignments                   # = python scripts/nbgrader_course.py --course course
    python scripts/nbgrader_course.py --course course [01 02 ...]

Needs the `teach` extra (`pip install -e ".[teach]"`, which brings nbgrader). For each
lesson it copies notebooks/NN_name.ipynb to <course>/source/NN_name/ and runs, inside
<course> (which gets this repository's nbgrader_config.py):

    nbgrader generate_assignment NN_name --force

which writes <course>/release/NN_name/NN_name.ipynb: every write-along cell and exercise
a stub, hidden tests and folded solutions removed, outputs cleared. Hand those out. To
grade, put each learner's notebook at <course>/submitted/<learner>/NN_name/NN_name.ipynb
and run, inside <course>:

    nbgrader autograde NN_name

nbgrader_config.py makes grading run the notebooks in their fast mode (INFOGAN_FAST=1),
so a notebook that trains is graded in a minute or two, not in a lesson's length. The
course folder may sit anywhere: the notebooks find the data through the installed package.
An existing source notebook is replaced (the committed notebook is the teacher's copy);
nothing under release/, submitted/ or autograded/ other than the released lessons changes.
"""
import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
GRADED = ("01", "02", "03", "04")  # the four core lessons; 06 is optional


def lesson(number: str) -> Path:
    matches = sorted(NOTEBOOK_DIR.glob(f"{number}_*.ipynb"))
    if len(matches) != 1:
        raise SystemExit(f"nbgrader_course: no single notebook numbered {number!r} in "
                         f"{NOTEBOOK_DIR}")
    return matches[0]


def nbgrader_command() -> list[str]:
    beside = Path(sys.executable).parent / "nbgrader"  # the venv's, when run from it
    if beside.exists():
        return [str(beside)]
    if shutil.which("nbgrader"):
        return ["nbgrader"]
    raise SystemExit("nbgrader_course: nbgrader is not installed. Install the teach extra: "
                     "pip install -e \".[teach]\"")


def tool_environment() -> dict:
    """The environment for nbgrader: this Python's folder first on PATH, since nbgrader
    calls the tools installed beside it (alembic, for its gradebook) by name."""
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")])}


def release(course: Path, numbers=GRADED) -> list[Path]:
    """Copy the lessons into <course>/source and generate their releases; return them."""
    nbgrader = nbgrader_command()
    course.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    released = []
    for number in numbers:
        path = lesson(number)
        source = course / "source" / path.stem
        source.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, source / path.name)
        subprocess.run(nbgrader + ["generate_assignment", path.stem, "--force"], cwd=course,
                       env=tool_environment(), check=True)
        released.append(course / "release" / path.stem / path.name)
    return released


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("numbers", nargs="*", default=list(GRADED),
                        help="lesson numbers to release (default: 01 02 03 04)")
    parser.add_argument("--course", type=Path, default=ROOT / "course")
    args = parser.parse_args(argv)
    for path in release(args.course, args.numbers):
        print(f"released {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
