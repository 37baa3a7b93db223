"""Draw docs/images/failure_vs_fix.png: the paper's recipe vs the fix (cat_augment = 1).

    python scripts/failure_figure.py [--out docs/images/failure_vs_fix.png]

One point per seed at the last step it trained, read from the last row of each run's
history in data/experiments/: ``recipe_seed<N>.csv`` (8,000 steps) and
``recipe_seed<N>_4000.csv`` (stopped at step 4,000) for the paper's recipe,
``augment_seed<N>.csv`` for the fix. Left: one-to-one digit accuracy on MNIST's test set;
right: the label-free slant share of Q's categories against that accuracy. Notebook 03
("When training fails, and the fix") draws the same figure from the same files.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PATTERNS = {"paper's recipe": r"recipe_seed(\d+)(_4000)?\.csv",
            "with cat_augment = 1": r"augment_seed(\d+)\.csv"}


def load_runs(folder: Path) -> dict:
    """{group: {seed: {"step", "accuracy", "slant_share"}}} from the last history rows."""
    from infogan_utils.training import read_history

    runs = {}
    for name, pattern in PATTERNS.items():
        runs[name] = {}
        for path in sorted(folder.glob("*.csv")):
            if match := re.fullmatch(pattern, path.name):
                hist = read_history(path)
                runs[name][int(match[1])] = {
                    "step": int(hist["step"][-1]), "accuracy": hist["digit_acc"][-1],
                    "slant_share": hist["slant_share"][-1] if "slant_share" in hist else np.nan}
    return runs


def draw(runs: dict, true_share: float):
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    for (name, by_seed), color, x in zip(runs.items(), ("tab:orange", "tab:blue"), (0, 1)):
        seeds = sorted(by_seed)
        acc = np.array([by_seed[s]["accuracy"] for s in seeds])
        share = np.array([by_seed[s]["slant_share"] for s in seeds])
        full = np.array([by_seed[s]["step"] == 8000 for s in seeds])
        jitter = np.linspace(-0.2, 0.2, len(seeds))
        for mask, face, when in ((full, color, "8,000 steps"), (~full, "none", "stopped at 4,000")):
            if mask.any():
                ax1.scatter(x + jitter[mask], 100 * acc[mask], s=40, facecolors=face,
                            edgecolors=color, label=f"{name}, {when} ({mask.sum()})")
                ax2.scatter(share[mask], 100 * acc[mask], s=40, facecolors=face,
                            edgecolors=color)
    ax1.axhline(95, ls="--", c="gray")
    ax1.set(xticks=[0, 1], xticklabels=list(runs), xlim=(-0.5, 1.5),
            ylabel="one-to-one accuracy (%)", title="Final digit accuracy, one point per seed")
    ax1.legend(fontsize=8, loc="lower right")
    ax2.axhline(95, ls="--", c="gray")
    ax2.axvline(true_share, ls=":", c="gray", label="true digit labels")
    ax2.set(xlabel="slant share of Q's categories (no labels)",
            ylabel="one-to-one accuracy (%)", title="The label-free diagnostic vs accuracy")
    ax2.legend(fontsize=8, loc="lower left")
    fig.suptitle("The paper's recipe vs the fix (cat_augment = 1), each run at its last step")
    fig.tight_layout()
    return fig


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=str(ROOT / "docs" / "images" / "failure_vs_fix.png"))
    args = p.parse_args()

    from infogan_utils import load_mnist
    from infogan_utils.measures import category_slant_share

    runs = load_runs(ROOT / "data" / "experiments")
    _, (x_test, y_test) = load_mnist()
    for name, by_seed in runs.items():
        acc = np.array([r["accuracy"] for r in by_seed.values()])
        print(f"{name}: {np.sum(acc >= 0.95)} of {len(acc)} seeds at 95% or more")
    draw(runs, category_slant_share(y_test, x_test)).savefig(args.out, dpi=100)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
