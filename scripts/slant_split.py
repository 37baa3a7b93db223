"""Why some seeds stop near 87%: does the categorical code split digits by slant?

    python scripts/slant_split.py runs/seed0 runs/seed1 runs/seed2 --out data/experiments/slant_split.json

For each run it prints, on the first 30,000 MNIST training images:

* ``slant_share`` (label-free): the share of the images' slant variance explained by Q's
  category (``infogan_utils.measures.category_slant_share``). True digit classes explain
  about 0.10; a code that also encodes slant explains more.
* for the digits 4 and 9 (this uses the labels, as a diagnosis only): the two categories
  that hold most of them, with how many images and their mean slant and width.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("runs", nargs="+")
    p.add_argument("--digits", nargs="+", type=int, default=[4, 9])
    p.add_argument("--out", help="also write the results as JSON")
    args = p.parse_args()

    from infogan_utils.data import load_mnist
    from infogan_utils.measures import category_slant_share, slant, width
    from infogan_utils.metrics import predict_categories
    from infogan_utils.training import load_run

    (x, y), _ = load_mnist()
    x, y = x[:30_000], y[:30_000]
    s, w = slant(x), width(x)
    result = {"true_digit_slant_share": category_slant_share(y, x), "runs": []}
    print(f"slant share of the true digit classes: {result['true_digit_slant_share']:.3f}")
    for run in args.runs:
        categories = predict_categories(load_run(run), x)
        entry = {"run": run, "slant_share": category_slant_share(categories, x), "digits": []}
        print(f"{run}: slant share {entry['slant_share']:.3f}")
        for d in args.digits:
            cats, counts = np.unique(categories[y == d], return_counts=True)
            for c in cats[np.argsort(-counts)[:2]]:
                sel = (y == d) & (categories == c)
                row = dict(digit=d, category=int(c), images=int(sel.sum()),
                           share_of_digit=float(sel.sum() / (y == d).sum()),
                           mean_slant=float(s[sel].mean()), mean_width=float(w[sel].mean()))
                entry["digits"].append(row)
                print(f"  digit {d} in category {c}: {row['images']} images "
                      f"({100 * row['share_of_digit']:.0f}%), mean slant {row['mean_slant']:+.3f}, "
                      f"mean width {row['mean_width']:.2f}")
        result["runs"].append(entry)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
