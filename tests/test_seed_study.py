"""The selection rules of scripts/seed_study.py pick by their label-free number only."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "seed_study.py"


@pytest.fixture(scope="module")
def seed_study():
    spec = importlib.util.spec_from_file_location("seed_study", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RUNS = [  # test accuracy is the opposite of what either rule prefers: it must be ignored
    dict(run="a", one_to_one=0.99, train_category_balance=2.290, train_category_slant_share=0.30),
    dict(run="b", one_to_one=0.80, train_category_balance=2.302, train_category_slant_share=0.20),
    dict(run="c", one_to_one=0.70, train_category_balance=2.295, train_category_slant_share=0.09),
]


def test_slant_share_rule_picks_the_lowest_share(seed_study):
    assert seed_study.choose(RUNS, "slant_share")["run"] == "c"


def test_balance_rule_picks_the_most_even_categories(seed_study):
    assert seed_study.choose(RUNS, "balance")["run"] == "b"


def test_every_rule_is_described(seed_study):
    assert set(seed_study.RULES) == {"balance", "slant_share"}
    assert all("label-free" in text for text in seed_study.RULES.values())
