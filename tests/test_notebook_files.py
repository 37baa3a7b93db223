"""The committed notebooks are executed, clean and complete lessons."""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LESSONS = [p for p in NOTEBOOKS if not p.name.startswith("00_")]
MAX_BYTES = 3 * 1024 * 1024


def _load(path):
    return json.loads(path.read_text())


def _markdown(nb):
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def test_there_is_a_series():
    names = [p.name[:2] for p in NOTEBOOKS]
    assert names[:5] == ["00", "01", "02", "03", "04"], names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_small_and_has_no_widget_state(path):
    assert path.stat().st_size < MAX_BYTES, f"{path.name} is over 3 MB"
    nb = _load(path)
    assert "widgets" not in nb["metadata"], f"{path.name} stores widget state; strip it"
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            assert "application/vnd.jupyter.widget-state+json" not in out.get("data", {})


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_executed_top_to_bottom_without_errors(path):
    nb = _load(path)
    counts = [c.get("execution_count") for c in nb["cells"] if c["cell_type"] == "code"
              and "".join(c["source"]).strip()]
    assert counts and None not in counts, f"{path.name} has unexecuted code cells"
    assert counts == sorted(counts) and counts[0] == 1, f"{path.name} was not run in order"
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name} has an error output"
            if out["output_type"] == "stream" and out.get("name") == "stderr":
                assert "Traceback" not in "".join(out["text"]), f"{path.name}: traceback"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_has_the_series_structure(path):
    nb = _load(path)
    text = _markdown(nb).lower()
    first = "".join(nb["cells"][0]["source"])
    assert first.startswith("# "), f"{path.name} must open with a title"
    for needed in ("what you will learn", "minutes", "summary", "exercise", "next"):
        assert needed in text, f"{path.name} lacks '{needed}'"
    setup = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert any("INFOGAN_FAST" in "".join(c["source"]) or "import" in "".join(c["source"])
               for c in setup[:3])


def _code(nb):
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_keeps_the_research_log_out(path):
    """The learner's path carries the lesson; the experiment record lives in docs/."""
    raw = path.read_text()
    nb = _load(path)
    text = (_markdown(nb) + "\n" + _code(nb)).lower()
    for word in ("registered", " utc", "seed study", "seed_study", "selection_rule"):
        assert word not in text, f"{path.name} mentions {word.strip()!r}"
    assert "getsource" not in raw, f"{path.name} prints source instead of teaching it"


@pytest.mark.parametrize("path", [p for p in LESSONS if p.name[:2] in ("01", "02", "03", "04")],
                         ids=lambda p: p.name)
def test_lesson_has_exercises_that_check_themselves(path):
    """At least two exercise checks that report an unanswered exercise and can fail."""
    nb = _load(path)
    checks = [c for c in nb["cells"] if c["cell_type"] == "code"
              and "not answered yet" in "".join(c["source"]).lower()
              and ("assert" in "".join(c["source"]) or "raise" in "".join(c["source"]))]
    assert len(checks) >= 2, f"{path.name} has {len(checks)} self-checking exercises"
    solutions = sum("<summary>solution" in "".join(c["source"]).lower()
                    for c in nb["cells"] if c["cell_type"] == "markdown")
    assert solutions >= len(checks) - 1, f"{path.name}: exercises without folded solutions"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_valid_nbformat(path):
    import nbformat

    nbformat.validate(nbformat.read(path, as_version=4))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_says_each_thing_once(path):
    """No cell and no sentence of prose is repeated: a careless edit once copied six of
    the index's cells over its setup check, and another doubled a paragraph of 03."""
    import re

    nb = _load(path)
    cells = ["".join(c["source"]).strip() for c in nb["cells"]]
    seen = {}
    for i, source in enumerate(cells):
        if len(source) >= 40:
            assert source not in seen, f"{path.name}: cell {i} repeats cell {seen[source]}"
            seen[source] = i
    sentences = {}
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        prose = re.sub(r"```.*?```", "", "".join(cell["source"]), flags=re.S)
        for sentence in re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", prose)):
            if len(sentence.split()) >= 8:
                assert sentence not in sentences, (
                    f"{path.name}: cell {i} repeats a sentence of cell {sentences[sentence]}: "
                    f"{sentence[:80]!r}")
                sentences[sentence] = i
