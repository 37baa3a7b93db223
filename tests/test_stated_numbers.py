"""Numbers the series states about the shipped model agree with data/pretrained/metrics.json.

Two ways a stale number could slip in, and a test for each:

* prose (README and notebook Markdown) that types an accuracy or an L_I: every such
  number must be the shipped model's (from metrics.json) or one of the seed-study
  numbers computed here from data/experiments/;
* a committed output that prints a shipped-model number: its cell must be checked by
  nbval (the cell tag ``nbval-check-output``), so CI re-runs it against metrics.json and fails when
  the committed output differs.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
METRICS = json.loads((ROOT / "data" / "pretrained" / "metrics.json").read_text())
EXPERIMENTS = ROOT / "data" / "experiments"
PERCENT = re.compile(r"(?<![\d.])(\d{2}\.\d{1,2})\s?%")
NATS = re.compile(r"(?<![\d.])(2\.2\d{2,3}|2\.30\d{1,2})(?!\d)")


def _formats(value: float, scale: float, decimals=(1, 2)) -> set[str]:
    return {f"{value * scale:.{d}f}" for d in decimals}


def allowed_percentages() -> set[str]:
    """The shipped model's accuracies, and the range, median and members of the seed
    studies behind the README's claims (evaluate_*.json)."""
    values = [METRICS["one_to_one"], METRICS["many_to_one"]]
    for path in EXPERIMENTS.glob("evaluate_*.json"):
        result = json.loads(path.read_text())
        values += [result["one_to_one"], result["many_to_one"]]
    augment = sorted(json.loads(p.read_text())["one_to_one"]
                     for p in EXPERIMENTS.glob("evaluate_augment_seed*.json"))
    values.append(augment[len(augment) // 2 - 1] / 2 + augment[len(augment) // 2] / 2)
    allowed = set()
    for v in values:
        allowed |= _formats(v, 100)
    return allowed


def allowed_nats() -> set[str]:
    """ln 10, the shipped model's L_I, the L_I of every evaluated run, and the last L_I
    of the Figure 1 runs (data/ablation/)."""
    values = [math.log(10), METRICS["mi_lower_bound"]]
    for path in (ROOT / "data" / "ablation").glob("*.csv"):
        last = path.read_text().strip().splitlines()[-1].split(",")
        header = path.read_text().splitlines()[0].split(",")
        values.append(float(last[header.index("mi_lower_bound")]))
    values += [json.loads(p.read_text())["mi_lower_bound"]
               for p in EXPERIMENTS.glob("evaluate_*.json")]
    return set().union(*(_formats(v, 1, (3, 4)) for v in values))


def _prose(path: Path) -> str:
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    nb = json.loads(path.read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def unbacked_numbers(text: str) -> list[str]:
    """Accuracies (>= 90%) and L_I values in text that no measurement backs."""
    percents, nats = allowed_percentages(), allowed_nats()
    bad = [m for m in PERCENT.findall(text) if float(m) >= 90 and m not in percents]
    bad += [m for m in NATS.findall(text) if m not in nats]
    return bad


def test_the_check_catches_a_stale_number():
    shipped = f"{METRICS['one_to_one']:.1%}"
    assert unbacked_numbers(f"the shipped model classifies {shipped} of the digits") == []
    assert unbacked_numbers("the shipped model classifies 96.1% of the digits") == ["96.1"]
    assert unbacked_numbers("L_I reaches 2.2731 nats") == ["2.2731"]
    assert unbacked_numbers(f"L_I reaches {METRICS['mi_lower_bound']:.4f} nats") == []


@pytest.mark.parametrize("path", [ROOT / "README.md"] + NOTEBOOKS, ids=lambda p: p.name)
def test_prose_states_only_measured_numbers(path):
    assert unbacked_numbers(_prose(path)) == [], f"{path.name} states numbers no file backs"


def _shipped_strings() -> list[str]:
    acc = METRICS["one_to_one"]
    mi = METRICS["mi_lower_bound"]
    return [f"{acc:.1%}", f"{acc:.2%}", f"{mi:.3f}", f"{mi:.4f}"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_printed_shipped_numbers_are_checked_by_nbval(path):
    nb = json.loads(path.read_text())
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        text = "".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                       for o in cell.get("outputs", []))
        printed = [s for s in _shipped_strings() if s in text]
        if printed:
            assert "nbval-check-output" in cell["metadata"].get("tags", []), (
                f"{path.name} cell {i} prints the shipped model's {printed} without the "
                f"cell tag nbval-check-output, so a stale output would not fail CI")
