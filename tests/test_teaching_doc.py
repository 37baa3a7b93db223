"""docs/teaching.md, the lesson plan, agrees with the notebooks it cites.

Fast and without TensorFlow: these tests read the Markdown page and the notebooks' JSON,
with ``infogan_utils/series.py`` loaded on its own (it needs only the standard library;
importing the package would load TensorFlow).

The page cites a section as ``notebook 03, "Train your model"`` (a ``## `` heading of that
notebook), a subsection as ``notebook 03, "Section", part "Subsection"`` (a ``### ``
heading inside that section), and an exercise as ``notebook 03, Exercise 2``. Its
90-minute lesson is a table whose rows start with the minutes; rows that teach a section
"live" take that section's reading plus running minutes, "pre-run" rows its reading
minutes (``infogan_utils.series``, rounded).
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("_series", ROOT / "infogan_utils" / "series.py")
series = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = series  # dataclasses look their module up there
_spec.loader.exec_module(series)
notebook_sections, notebook_times = series.notebook_sections, series.notebook_times
DOC = ROOT / "docs" / "teaching.md"
NOTEBOOK_DIR = ROOT / "notebooks"
LESSON_MINUTES = 90
MINUTES_TOLERANCE = 1  # a section's minutes: rounding, and small edits that leave the plan true
NOTEBOOK_MINUTES_TOLERANCE = 5  # a whole notebook's, as tests/test_series.py allows its stated time

CITATION = re.compile(r'notebook (\d\d), "([^"]+)"(?:, part "([^"]+)")?')
EXERCISE_CITATION = re.compile(r"notebook (\d\d), Exercise (\d+)")
ANY_NOTEBOOK_REFERENCE = re.compile(r"notebook (\d\d), (\S+)")
QUOTED_OUTPUT = re.compile(r'printed "([^"]+)"')
LESSON_HEADING = "## A 90-minute lesson"
LESSON_ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*([a-z-]+)\s*\|(.*)\|\s*$")
TOTAL_ROW = re.compile(r"^\|\s*\*\*(\d+)\*\*\s*\|.*\*\*total\*\*")
GLANCE_ROW = re.compile(r"^\| \[(\d\d)_\w+\]\(\.\./notebooks/[^)]+\) \|.*\| (\d+) \| (\d+) \|$")
MODULE_MINUTES = re.compile(r"all of notebook (\d\d) \((\d+) minutes")
RUNNING_03 = re.compile(r"(?:its|about) (\d+) (?:minutes of running|of them running)")


def flat(text: str) -> str:
    """Text with every run of whitespace (line breaks inside a citation) as one space."""
    return re.sub(r"\s+", " ", text)


def notebook_path(number: str, folder: Path = NOTEBOOK_DIR) -> Path:
    matches = sorted(folder.glob(f"{number}_*.ipynb"))
    assert len(matches) == 1, f"no single notebook {number}_*.ipynb in {folder}"
    return matches[0]


def _markdown(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def headings(path: Path) -> dict[str, set[str]]:
    """Every ``## `` heading of a notebook, with the ``### `` headings inside it."""
    sections: dict[str, set[str]] = {}
    current = None
    for level, title in re.findall(r"^(#{2,3}) +(.+?)\s*$", _markdown(path), re.MULTILINE):
        if level == "##":
            current = title
            sections.setdefault(current, set())
        elif current is not None:
            sections[current].add(title)
    return sections


def exercise_numbers(path: Path) -> set[int]:
    """The numbers of the exercises under a notebook's ``## Exercises`` heading: a line
    that starts with ``**1.``, ``**Exercise 2:``, ``**Exercise 4 (...)`` or ``1. ``, outside
    the folded solutions."""
    text = re.sub(r"<details>.*?</details>", "", _markdown(path), flags=re.DOTALL)
    match = re.search(r"^## Exercises\s*$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    if not match:
        return set()
    found = re.findall(r"^\s*(?:\*\*)?(?:Exercise\s+)?(\d+)\s*[.:(]", match[1], re.MULTILINE)
    return {int(n) for n in found}


def citations(text: str) -> list[tuple[str, str, str | None]]:
    return CITATION.findall(flat(text))


def wrong_citations(text: str, folder: Path = NOTEBOOK_DIR) -> list[str]:
    """Citations of sections, subsections or exercises that the notebooks do not have."""
    wrong = []
    for number, title, part in citations(text):
        found = headings(notebook_path(number, folder))
        if title not in found:
            wrong.append(f'notebook {number}, "{title}"')
        elif part and part not in found[title]:
            wrong.append(f'notebook {number}, "{title}", part "{part}"')
    for number, exercise in EXERCISE_CITATION.findall(flat(text)):
        if int(exercise) not in exercise_numbers(notebook_path(number, folder)):
            wrong.append(f"notebook {number}, Exercise {exercise}")
    return wrong


def lesson_rows(text: str) -> tuple[list[tuple[int, str, str]], int | None]:
    """The rows (minutes, how, rest of the row) of the 90-minute lesson's table, and the
    total its last row states."""
    start = text.index(LESSON_HEADING)
    end = text.find("\n## ", start + len(LESSON_HEADING))
    rows, total = [], None
    for line in text[start:end if end > 0 else None].splitlines():
        if match := LESSON_ROW.match(line):
            rows.append((int(match[1]), match[2], match[3]))
        elif match := TOTAL_ROW.match(line):
            total = int(match[1])
    return rows, total


def wrong_minutes(text: str, folder: Path = NOTEBOOK_DIR) -> list[str]:
    """Lesson rows whose minutes differ from infogan_utils.series by more than the
    tolerance: live rows take reading plus running, pre-run rows reading only."""
    wrong = []
    for minutes, how, rest in lesson_rows(text)[0]:
        cited = citations(rest)
        if how not in ("live", "pre-run"):
            continue
        assert len(cited) == 1, f"a {how} row cites one section: {rest!r}"
        number, title, _ = cited[0]
        sections = {s.title: s for s in notebook_sections(notebook_path(number, folder))}
        if title not in sections:
            wrong.append(f"{title!r}: no such section")
            continue
        section = sections[title]
        expected = section.minutes if how == "live" else section.reading_minutes
        if abs(minutes - expected) > MINUTES_TOLERANCE:
            wrong.append(f'notebook {number}, "{title}" ({how}): {minutes} min on the page, '
                         f"{expected:.1f} min computed from the notebook")
    return wrong


def notebook_outputs(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            parts.append("".join(out.get("text", "")))
            parts.append("".join(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


# The page itself


@pytest.fixture(scope="module")
def doc() -> str:
    assert DOC.is_file(), "docs/teaching.md, the lesson plan, is missing"
    return DOC.read_text(encoding="utf-8")


def test_the_page_names_every_notebook(doc):
    for path in sorted(NOTEBOOK_DIR.glob("0[1-9]_*.ipynb")):
        number = path.name[:2]
        assert f"notebook {number}" in doc, f"docs/teaching.md never cites notebook {number}"
        assert f"../notebooks/{path.name}" in doc, f"docs/teaching.md does not link {path.name}"


def test_the_page_links_the_front_page_the_index_and_the_record(doc):
    for target in ("../README.md", "../notebooks/00_index.ipynb", "reproducibility.md"):
        assert f"]({target})" in doc, f"docs/teaching.md should link {target}"
        assert (DOC.parent / target).exists(), target


def test_it_has_the_parts_a_teacher_needs(doc):
    for heading in ("## Prerequisites", "## Learning objectives", LESSON_HEADING,
                    "## A two-week module", "## Misconceptions"):
        assert re.search(rf"^{re.escape(heading)}", doc, re.MULTILINE), heading
    for number in ("01", "02", "03", "04", "05"):
        part = re.search(rf"^### Notebook {number}\b.*?(?=^##|\Z)", doc, re.MULTILINE | re.DOTALL)
        assert part, f"no learning objectives for notebook {number}"
        objectives = re.findall(r"^\d+\. \*\*", part[0], re.MULTILINE)
        assert 3 <= len(objectives) <= 5, f"notebook {number}: {len(objectives)} objectives"


def test_references_to_notebooks_use_one_citation_format(doc):
    """"notebook NN, " is always followed by a quoted section title or "Exercise"."""
    odd = [m[0] for m in ANY_NOTEBOOK_REFERENCE.finditer(flat(doc))
           if not (m[2].startswith('"') or m[2] == "Exercise")]
    assert odd == [], f"citations in another format: {odd}"


def test_every_cited_section_and_exercise_exists(doc):
    assert len(citations(doc)) >= 20, "the page should cite the sections it plans"
    assert wrong_citations(doc) == [], "docs/teaching.md cites what the notebooks do not have"


def test_the_lesson_fits_90_minutes_and_its_total_is_right(doc):
    rows, total = lesson_rows(doc)
    assert len(rows) >= 10, "the 90-minute lesson's table has too few rows"
    minutes = sum(m for m, _, _ in rows)
    assert minutes <= LESSON_MINUTES, f"the lesson takes {minutes} minutes"
    assert total == minutes, f"the table states a total of {total}, its rows add up to {minutes}"
    assert {how for _, how, _ in rows} >= {"live", "pre-run"}


def test_the_lesson_takes_its_minutes_from_the_notebooks(doc):
    assert wrong_minutes(doc) == [], (
        "the 90-minute lesson's minutes no longer match infogan_utils.series: update the "
        "table in docs/teaching.md")


def test_the_lesson_trains_in_class_with_notebook_03s_short_run(doc):
    """The learner's own 300-step run is taught live; the long package run is not."""
    rows, _ = lesson_rows(doc)
    live = {(c[0], c[1]) for _, how, rest in rows if how == "live" for c in citations(rest)}
    assert ("03", "Train your model") in live
    assert ("03", "Train with the package: checkpoints and resuming") not in live


def test_notebook_minutes_and_exercise_counts_match_the_notebooks(doc):
    glance = [m.groups() for m in map(GLANCE_ROW.match, doc.splitlines()) if m]
    assert [n for n, _, _ in glance] == ["01", "02", "03", "04", "05", "06"]
    stated = [(n, int(m)) for n, m, _ in glance] + [
        (n, int(m)) for n, m in MODULE_MINUTES.findall(flat(doc))]
    for number, minutes in stated:
        computed = notebook_times(notebook_path(number))["lesson"]
        assert abs(minutes - computed) <= NOTEBOOK_MINUTES_TOLERANCE, (
            f"notebook {number}: {minutes} lesson minutes on the page, {computed:.1f} "
            f"computed from the notebook")
    for number, _, count in glance:
        found = len(exercise_numbers(notebook_path(number)))
        assert int(count) == found, f"notebook {number} has {found} exercises, not {count}"


def test_notebook_03s_running_time_matches_its_last_execution(doc):
    """The page says how long notebook 03 runs top to bottom (its long package run)."""
    stated = [int(m) for m in RUNNING_03.findall(flat(doc))]
    assert stated, "the page should say how long notebook 03 runs"
    running = notebook_times(notebook_path("03"))["execution"]
    for minutes in stated:
        assert abs(minutes - running) <= MINUTES_TOLERANCE, (
            f"the page says notebook 03 runs {minutes} minutes; its last execution took "
            f"{running:.1f}")


def test_the_module_assigns_every_exercise(doc):
    module = doc[doc.index("## A two-week module"):doc.index("## Misconceptions")]
    assigned = {(n, int(e)) for n, e in EXERCISE_CITATION.findall(flat(module))}
    for path in sorted(NOTEBOOK_DIR.glob("0[1-9]_*.ipynb")):
        for exercise in exercise_numbers(path):
            assert (path.name[:2], exercise) in assigned, (
                f"the two-week module does not assign notebook {path.name[:2]}, "
                f"Exercise {exercise}")


def test_quoted_outputs_are_in_the_committed_notebooks(doc):
    """A measured time the page quotes ("printed ...") is what a notebook printed."""
    quotes = QUOTED_OUTPUT.findall(flat(doc))
    assert quotes, "the page should quote the measured time of the in-class training"
    outputs = notebook_outputs(notebook_path("03"))
    for quote in quotes:
        assert quote in outputs, (
            f'notebook 03 no longer prints "{quote}" (it was re-executed?): update the time '
            "quoted in docs/teaching.md")


# The checks themselves can fail


def test_a_renamed_section_fails():
    good = 'notebook 03, "Train your model"'
    assert wrong_citations(good) == []
    assert wrong_citations('notebook 03, "Train my model"') == ['notebook 03, "Train my model"']
    assert wrong_citations('notebook 03, "When training fails, and the fix", part "The 4/9 '
                           'merge"') == []
    assert wrong_citations('notebook 03, "Train your model", part "The 4/9 merge"') == [
        'notebook 03, "Train your model", part "The 4/9 merge"']
    assert wrong_citations("notebook 02, Exercise 9") == ["notebook 02, Exercise 9"]


def test_a_wrong_title_in_a_copy_of_the_page_fails(doc):
    broken = doc.replace('notebook 03, "Train your model"', 'notebook 03, "Train the model"', 1)
    assert broken != doc
    assert 'notebook 03, "Train the model"' in wrong_citations(broken)


def test_a_lesson_over_90_minutes_or_off_the_notebooks_fails(doc):
    rows, _ = lesson_rows(doc)
    first_live = next(r for r in rows if r[1] == "live")
    line = f"| {first_live[0]} | {first_live[1]} |{first_live[2]}|"
    assert line in doc
    longer = doc.replace(line, f"| {first_live[0] + 30} | {first_live[1]} |{first_live[2]}|", 1)
    rows_longer, _ = lesson_rows(longer)
    assert sum(m for m, _, _ in rows_longer) > LESSON_MINUTES
    assert wrong_minutes(longer) != []
