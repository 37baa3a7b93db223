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
    assert set(seed_study.RULES) == {"balance", "slant_share", "codes", "centrality"}
    assert all("label-free" in text for text in seed_study.RULES.values())


def _codes_run(run, one_to_one, share, rotation=None, width=None):
    """A study entry with a rotation code c2 and a width code c3 of the given |rho|."""
    corr = {"c2": {"slant": rotation or 0.1, "width": 0.1},
            "c3": {"slant": 0.1, "width": width or 0.1}}
    names = {**({"rotation": "c2"} if rotation else {}), **({"width": "c3"} if width else {})}
    return dict(run=run, one_to_one=one_to_one, train_category_slant_share=share,
                correlations=corr, code_names=names)


def test_code_score_is_the_weaker_named_code_and_zero_without_one(seed_study):
    assert seed_study.code_score(_codes_run("a", 0.9, 0.1, rotation=-0.95, width=0.91)) \
        == pytest.approx(0.91)
    assert seed_study.code_score(_codes_run("b", 0.9, 0.1, width=0.99)) == 0.0


def test_codes_rule_skips_slanted_categories_and_ignores_accuracy(seed_study):
    study = [_codes_run("slanted", 0.99, 0.20, rotation=1.0, width=1.0),
             _codes_run("weak", 0.99, 0.10, rotation=1.0, width=0.7),
             _codes_run("both", 0.95, 0.11, rotation=-0.93, width=0.92)]
    chosen = seed_study.choose(study, "codes")
    assert chosen["run"] == "both"
    assert not seed_study.may_ship(chosen, "codes")          # 95% is below the 97% gate
    study[2]["one_to_one"] = 0.975
    assert seed_study.may_ship(seed_study.choose(study, "codes"), "codes")


def test_codes_rule_ships_nothing_below_the_code_gate(seed_study):
    study = [_codes_run("a", 0.98, 0.10, rotation=0.93, width=0.71),
             _codes_run("b", 0.98, 0.10, width=0.97)]
    chosen = seed_study.choose(study, "codes")
    assert chosen["run"] == "a" and not seed_study.may_ship(chosen, "codes")
    assert seed_study.choose([_codes_run("c", 0.98, 0.3, rotation=1, width=1)], "codes") is None
    assert seed_study.may_ship(seed_study.choose(study, "slant_share"), "slant_share")
