"""Evaluate the seeds of one recipe, pick the model to ship by a label-free rule, ship it.

    python scripts/seed_study.py runs/seed0 runs/seed1 ... --rule slant_share --ship data/pretrained

Three label-free rules, each written down before the study that uses it; test-set numbers
are measured for every seed and reported, never used to choose (``codes`` only has an
accuracy floor that the chosen run must pass to ship):

- ``balance`` (the first study, seeds 0-2): ship the run whose Q spreads the 60,000 real
  *training* images most evenly over its categories (highest ``train_category_balance``).
- ``slant_share`` (the default, from the second study on, seeds 0-6): ship the run whose
  category explains the smallest share of the training images' slant variance (lowest
  ``train_category_slant_share``): a category that has absorbed slant splits 4s and 9s.
- ``codes`` (registered 2026-11-29, 07:06 UTC, for seeds 13-16 of ``--cat-augment 1``):
  among the runs with a slant share of at most 0.11, the run with the highest
  min(|rho(rotation code, slant)|, |rho(width code, width)|), the codes named by
  ``evaluate`` (a measure with no named code counts 0). It ships only if that minimum is
  at least 0.9 and its one-to-one accuracy at least 97%; otherwise nothing is shipped.
- ``centrality`` (ModelCentrality, Lin et al., ICML 2020): ship the medoid of
  the runs, the run whose Q and G agree best with every other run's: highest mean
  similarity, where the similarity of two runs is the FactorVAE score of each one's Q on
  test images the other generated with one continuous code held fixed (both directions
  averaged; :mod:`infogan_utils.centrality`). Uses generated images only (label-free).
- ``separate`` (registered 2026-11-30 12:43 UTC, for the InfoGAN-CR study of issue 16):
  the candidates are the runs with separate codes (:func:`separate_codes`, from the
  effect matrix of generated images) and L_I within 0.05 of ln 10; among them, the one
  with the highest ModelCentrality computed over all the runs given. It ships only if its
  one-to-one accuracy is at least 97%; with no candidate nothing is chosen.

Writes ``<first run's parent>/seed_study.json`` with every seed's evaluation, and with
``--ship`` the chosen networks, ``config.json`` and ``metrics.json`` into that folder.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

RULES = {
    "balance": ("highest train_category_balance: entropy of Q's category histogram over "
                "the 60,000 real training images (label-free), fixed before looking at "
                "test accuracy"),
    "slant_share": ("lowest train_category_slant_share: share of the 60,000 real training "
                    "images' slant variance explained by Q's category (label-free), fixed "
                    "before the runs of this study were trained"),
    "codes": ("among runs with train_category_slant_share <= 0.11, highest min(|rho "
              "rotation code vs slant|, |rho width code vs width|), codes named by "
              "evaluate on generated images (label-free); shipped only if that minimum "
              "is >= 0.9 and one-to-one >= 0.97; registered 2026-11-29 07:06 UTC"),
    "centrality": ("highest ModelCentrality (Lin et al., ICML 2020): mean over the "
                   "other runs of the symmetrised FactorVAE score of each run's Q on images "
                   "the other run generated with one continuous code held (500 groups of "
                   "100, population 6,000, seed 0); generated images only (label-free), "
                   "the medoid of the runs; fixed before the runs it selects from"),
    "separate": ("among runs with separate codes (rotation code: slant effect >= 0.75 SD, "
                 "width and thickness <= 1/3 of it; width code: width effect >= 0.75 SD, "
                 "slant <= 1/3 of it; effects over [-1, 1] on generated images) and L_I "
                 "within 0.05 of ln 10 (label-free), the highest ModelCentrality over all "
                 "runs; shipped only if one-to-one >= 0.97; registered 2026-11-30 12:43 UTC"),
}

MAX_SLANT_SHARE = 0.11    # the ``codes`` rule: which runs may be chosen
MIN_CODE_RHO = 0.9        # ... and what the chosen run must reach to ship
MIN_ONE_TO_ONE = 0.97
MAX_LI_GAP = 0.05         # the ``separate`` rule: L_I within this of ln 10


def separate_codes(result: dict) -> bool:
    """Whether a run's two continuous codes are separate (issue 16, item 5):
    :func:`infogan_utils.measures.separate_codes` on the ``effects`` of ``evaluate``
    ([-1, 1]); a run without them is not."""
    from infogan_utils.measures import separate_codes as separate

    return separate(result.get("effects", {}).get("matrix", {}))


def _separate_candidate(result: dict) -> bool:
    import math

    return (separate_codes(result)
            and abs(result["mi_lower_bound"] - math.log(10)) <= MAX_LI_GAP)


def code_score(result: dict) -> float:
    """min(|rho(rotation code, slant)|, |rho(width code, width)|); 0 if a code is unnamed."""
    names, corr = result.get("code_names", {}), result.get("correlations", {})
    rotation = abs(corr[names["rotation"]]["slant"]) if "rotation" in names else 0.0
    width = abs(corr[names["width"]]["width"]) if "width" in names else 0.0
    return min(rotation, width)


def choose(study: list[dict], rule: str) -> dict | None:
    """The run the rule picks (ties go to the first run given); None if none may be."""
    if rule == "balance":
        return max(study, key=lambda r: r["train_category_balance"])
    if rule == "centrality":
        return max(study, key=lambda r: r["centrality"])
    if rule == "separate":
        allowed = [r for r in study if _separate_candidate(r)]
        return max(allowed, key=lambda r: r["centrality"]) if allowed else None
    if rule == "codes":
        allowed = [r for r in study if r["train_category_slant_share"] <= MAX_SLANT_SHARE]
        return max(allowed, key=code_score) if allowed else None
    return min(study, key=lambda r: r["train_category_slant_share"])


def may_ship(result: dict | None, rule: str) -> bool:
    """Whether the chosen run passes the rule's gate (``codes`` and ``separate`` have one)."""
    if result is None:
        return False
    if rule == "separate":
        return result["one_to_one"] >= MIN_ONE_TO_ONE
    if rule != "codes":
        return True
    return code_score(result) >= MIN_CODE_RHO and result["one_to_one"] >= MIN_ONE_TO_ONE


def add_centrality(study: list[dict], models: list, **data_kwargs) -> list:
    """Write each run's ``centrality`` into its study entry (same order as ``models``)
    and return the similarity matrix as nested lists (label-free: generated images only)."""
    from infogan_utils.centrality import centrality, similarity_matrix

    similarity = similarity_matrix(models, **data_kwargs)
    for result, value in zip(study, centrality(similarity)):
        result["centrality"] = float(value)
    return similarity.tolist()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("runs", nargs="+")
    p.add_argument("--ship", help="folder to write the chosen model into (data/pretrained)")
    p.add_argument("--rule", choices=sorted(RULES), default="slant_share",
                   help="label-free selection rule (default: slant_share)")
    p.add_argument("--samples", type=int, default=10_000)
    p.add_argument("--out", help="where to write the study JSON")
    p.add_argument("--storage", choices=("float32", "float16"), default="float32",
                   help="weight storage of the shipped files; float16 is kept only if the "
                        "re-measured one-to-one accuracy moves by at most 0.001")
    args = p.parse_args()

    from infogan_utils.data import load_mnist
    from infogan_utils.evaluation import evaluate_model
    from infogan_utils.training import current_step, load_run, read_history

    (x_train, _), test = load_mnist()
    study, models = [], {}
    for run in map(Path, args.runs):
        model = models[str(run)] = load_run(run)
        result = evaluate_model(model, test, train_images=x_train, num_samples=args.samples)
        history = read_history(run / "history.csv")
        result.update(
            run=str(run), seed=model.config.seed, step=current_step(model),
            train_seconds=float(history["seconds"][history["step"] <= current_step(model)][-1]),
            commands=(run / "commands.txt").read_text().splitlines()
            if (run / "commands.txt").exists() else [],
        )
        result["code_score"] = code_score(result)
        result["separate_codes"] = separate_codes(result)
        study.append(result)
        print(json.dumps({k: result[k] for k in ("run", "step", "one_to_one", "many_to_one",
                                                  "mi_lower_bound", "train_category_balance",
                                                  "train_category_slant_share",
                                                  "code_score")}),
              flush=True)

    extra = {}
    if args.rule in ("centrality", "separate"):
        extra["similarity"] = add_centrality(study, [models[r["run"]] for r in study])
        print(json.dumps({r["run"]: round(r["centrality"], 4) for r in study}), flush=True)
    chosen = choose(study, args.rule)
    ships = may_ship(chosen, args.rule)
    summary = {"rule": RULES[args.rule], "chosen": chosen and chosen["run"],
               "passes_gate": ships, **extra, "seeds": study}
    out = Path(args.out) if args.out else Path(args.runs[0]).parent / "seed_study.json"
    out.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"chosen by the rule: {chosen and chosen['run']} (written {out})")
    if args.ship and not ships:
        print(f"the chosen run does not pass the rule's gate: {args.ship} is left as it is")
        return 0

    if args.ship:
        ship = Path(args.ship)
        shipped = json.loads((ship / "metrics.json").read_text()) \
            if (ship / "metrics.json").exists() else {}
        if (shipped.get("run"), shipped.get("step")) == (chosen["run"], chosen["step"]):
            # The folder already holds this run's weights: keep the files (and the git
            # history free of a second copy); refresh metrics.json only.
            args.storage = shipped.get("weights_storage", "float32")
            storage = dict(weights_storage=args.storage)
            print(f"{ship} already holds {chosen['run']} at step {chosen['step']}: "
                  "weights kept", flush=True)
        else:
            models[chosen["run"]].save_networks(ship, storage=args.storage)
            storage = dict(weights_storage=args.storage)
        if args.storage == "float16":
            from infogan_utils.pretrained import load_pretrained

            stored = evaluate_model(load_pretrained(ship), test, train_images=x_train,
                                    num_samples=args.samples)
            delta = abs(stored["one_to_one"] - chosen["one_to_one"])
            storage["float16_check"] = dict(
                float32=dict(one_to_one=chosen["one_to_one"],
                             mi_lower_bound=chosen["mi_lower_bound"]),
                float16=dict(one_to_one=stored["one_to_one"],
                             mi_lower_bound=stored["mi_lower_bound"]))
            print(f"float16 storage: one-to-one {chosen['one_to_one']:.4f} -> "
                  f"{stored['one_to_one']:.4f}", flush=True)
            if delta > 0.001:
                print("accuracy changed: storing float32 instead")
                models[chosen["run"]].save_networks(ship)
                storage["weights_storage"] = "float32"
            else:  # report what the shipped files themselves measure
                chosen = {**chosen, **stored}
        metrics = {k: v for k, v in chosen.items() if k != "confusion"}
        metrics.update(storage)
        metrics.update(selection_rule=RULES[args.rule], confusion=chosen["confusion"],
                       evaluate_command="python -m infogan_utils evaluate --pretrained",
                       other_seeds=[{k: r[k] for k in ("run", "seed", "step", "one_to_one",
                                                       "many_to_one", "mi_lower_bound",
                                                       "train_category_balance",
                                                       "train_category_slant_share",
                                                       "code_score", "separate_codes",
                                                       "centrality") if k in r}
                                    for r in study])
        (ship / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        print(f"shipped {chosen['run']} to {ship}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
