"""Draw the README's figures from the shipped model and the stored ablation runs.

    python scripts/readme_figures.py [--out docs/images]

Writes ``traversal_c2.png`` and ``traversal_c3.png`` (one per continuous code: rows are
the categories in the order of their matched digits, columns the code from -2 to 2),
``confusion.png`` (the shipped model's test-set confusion matrix, from ``metrics.json``)
and ``ablation.png`` (L_I per step, InfoGAN vs plain GAN, from ``data/ablation``).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=str(ROOT / "docs" / "images"))
    args = p.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from infogan_utils import plots
    from infogan_utils.pretrained import load_pretrained, pretrained_metrics
    from infogan_utils.training import read_history

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model, metrics = load_pretrained(), pretrained_metrics()
    mapping = {int(k): int(v) for k, v in metrics["mapping"].items()}
    order = sorted(mapping, key=mapping.get)
    names = {k: f"digit {d}" for k, d in mapping.items()}
    code_of = {c: label for label, c in metrics.get("code_names", {}).items()}
    for j in range(model.spec.num_continuous):
        code = f"c{j + 2}"
        name = f"{code} ({code_of[code]})" if code in code_of else code
        fig = plots.traversal_grid(model, j, np.linspace(-2, 2, 9), categories=order,
                                   noise_seed=0, category_names=names, code_name=name)
        fig.savefig(out / f"traversal_{code}.png", dpi=100, bbox_inches="tight")
        plt.close(fig)
    fig = plots.confusion_plot(np.asarray(metrics["confusion"]), mapping,
                               title=f"Q's category vs the true digit\n(shipped model, "
                                     f"{metrics['one_to_one']:.2%} one-to-one)")
    fig.savefig(out / "confusion.png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    runs = {label: read_history(ROOT / "data" / "ablation" / f"lambda{lam}.csv")
            for lam, label in (("1", "InfoGAN ($\\lambda$ = 1)"), ("0", "GAN ($\\lambda$ = 0)"))}
    fig = plots.information_curves(runs, math.log(10),
                                   title="$L_I$ during training, InfoGAN vs GAN (data/ablation)")
    fig.savefig(out / "ablation.png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    print(f"figures written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
