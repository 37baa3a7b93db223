"""How long each notebook of the series takes: reading time and measured execution time.

Used by ``notebooks/00_index.ipynb``, which prints the table from the committed notebooks,
so a notebook that changes without its times changing fails CI (nbval checks the printout).

* **Reading time**: prose at ``WORDS_PER_MINUTE`` (110: learning speed for text with
  equations) plus code at ``CODE_LINES_PER_MINUTE`` (6: reading a line of code, running
  the cell and looking at its output). The solution of a write-along cell (between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION``) is not read: the learner writes it.
* **Writing time**: each write-along cell (an nbgrader answer cell) states its minutes in
  its metadata, ``{"write_along": {"minutes": N}}`` (5 to 20), and they are added.
* **Execution time**: measured, from the timestamps that Jupyter stores in each code
  cell's metadata when ``scripts/execute_notebooks.py`` runs the notebook on the
  project's machine (2 CPU cores) in the laptop case (float32, oneDNN capped at AVX2);
  ``shell.execute_reply - iopub.execute_input``.

Exercises are homework: they are counted apart, one folded solution each.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

WORDS_PER_MINUTE = 110
CODE_LINES_PER_MINUTE = 6
STUB_MINUTES = (5, 20)  # the range a write-along cell may state
NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
_EXERCISE_HEADINGS = ("exercise",)
_TAIL_HEADINGS = ("next", "clean up")


@dataclass
class Section:
    """One ``## `` section of a notebook (the cells before the first is "Introduction")."""

    title: str
    words: int = 0
    code_lines: int = 0
    exec_seconds: float = 0.0
    writing_minutes: float = 0.0

    @property
    def reading_minutes(self) -> float:
        return self.words / WORDS_PER_MINUTE + self.code_lines / CODE_LINES_PER_MINUTE

    @property
    def minutes(self) -> float:
        """Reading, writing and measured execution, in minutes."""
        return self.reading_minutes + self.writing_minutes + self.exec_seconds / 60.0

    @property
    def is_exercises(self) -> bool:
        return self.title.lower().startswith(_EXERCISE_HEADINGS)


def _stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def cell_seconds(cell: dict) -> float:
    """Measured execution time of one code cell from its stored timestamps (0 if none)."""
    timing = cell.get("metadata", {}).get("execution", {})
    try:
        return max(0.0, (_stamp(timing["shell.execute_reply"])
                         - _stamp(timing["iopub.execute_input"])).total_seconds())
    except (KeyError, ValueError):
        return 0.0


def _prose_words(source: str) -> int:
    text = re.sub(r"<details>.*?</details>", " ", source, flags=re.S)  # folded solutions
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links count as their text
    text = re.sub(r"https?://\S+", " ", text)
    return len(re.findall(r"[A-Za-z0-9][\w'’-]*", text))


def _without_install_branch(source: str) -> str:
    """The setup cell's ``except ModuleNotFoundError:`` block installs the series where it
    is missing (Colab); a learner with the package never reads or runs it."""
    out, skipping = [], False
    for line in source.splitlines():
        if skipping and (not line.strip() or line.startswith((" ", "\t"))):
            continue
        skipping = line.startswith("except ModuleNotFoundError")
        if not skipping:
            out.append(line)
    return "\n".join(out)


def _without_solutions(source: str) -> str:
    """The code a learner reads: solution and hidden-test regions (and their markers) out."""
    return re.sub(r"^[ \t]*### BEGIN (SOLUTION|HIDDEN TESTS)\n.*?^[ \t]*### END \1[ \t]*$\n?",
                  "", source, flags=re.M | re.S)


def stub_minutes(cell: dict) -> float:
    """The minutes a write-along cell states (0 for any other cell)."""
    if not cell.get("metadata", {}).get("nbgrader", {}).get("solution", False):
        return 0.0
    return float(cell["metadata"].get("write_along", {}).get("minutes", 0))


def notebook_sections(path) -> list[Section]:
    """The sections of one notebook, with words, code lines and measured seconds."""
    nb = json.loads(Path(path).read_text())
    sections = [Section("Introduction")]
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            # A cell may hold several "## " headings: each starts a section.
            parts = re.split(r"^## +(.+)$", source, flags=re.M)
            sections[-1].words += _prose_words(parts[0])
            for title, text in zip(parts[1::2], parts[2::2]):
                sections.append(Section(title.strip()))
                sections[-1].words += _prose_words(title + " " + text)
        elif cell["cell_type"] == "code":
            lines = [ln for ln in _without_install_branch(_without_solutions(source)).splitlines()
                     if ln.strip() and not ln.lstrip().startswith("# NBVAL")]
            sections[-1].code_lines += len(lines)
            sections[-1].writing_minutes += stub_minutes(cell)
            sections[-1].exec_seconds += cell_seconds(cell)
    return [s for s in sections if s.words or s.code_lines]


def notebook_times(path) -> dict:
    """Minutes for one notebook: ``reading``, ``writing`` (the write-along cells) and
    ``running`` (measured) of the lesson, ``lesson`` (the three together: the exercises
    are not counted), ``execution`` (the
    measured running of every cell, the exercises' too) and ``exercises`` (how many, one
    folded solution each)."""
    sections = notebook_sections(path)
    lesson = [s for s in sections if not s.is_exercises]
    nb = json.loads(Path(path).read_text())
    solutions = sum("<summary>solution" in "".join(c["source"]).lower()
                    for c in nb["cells"] if c["cell_type"] == "markdown")
    return dict(
        reading=sum(s.reading_minutes for s in lesson),
        writing=sum(s.writing_minutes for s in lesson),
        running=sum(s.exec_seconds for s in lesson) / 60.0,
        execution=sum(s.exec_seconds for s in sections) / 60.0,
        lesson=sum(s.minutes for s in lesson),
        exercises=solutions,
    )


def series_notebooks(folder=NOTEBOOK_DIR) -> list[Path]:
    """The lessons of the series in order (``01_*`` … , not the index)."""
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb")
                  if not p.name.startswith("00_"))
