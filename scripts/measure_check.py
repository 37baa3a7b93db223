"""Do the slant and width measures separate on real digits? Print the answer as JSON.

    python scripts/measure_check.py [--images 1000]

Sweeps one style change at a time (horizontal shear, horizontal stretch, stroke thickness)
over real MNIST test digits with ``infogan_utils.data.augment_images`` and reports the mean
Spearman rho of the change with each measure of ``infogan_utils.measures``, computed by
``sweep_correlations`` as ``code_correlations`` does for a continuous code. A measure that separates the
factors moves with its own change (|rho| near 1) and not with the others (rho near 0), so
cross-talk measured on a trained model's codes is in the codes, not in the measures.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

SWEEPS = {"shear": np.linspace(-0.4, 0.4, 11),        # pixels per row
          "scale_x": np.linspace(0.8, 1.25, 11),      # horizontal stretch
          "thickness": np.linspace(-1.0, 1.0, 11)}    # thinner ... bolder strokes


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--images", type=int, default=1000, help="how many test digits")
    args = p.parse_args()

    from infogan_utils.data import augment_images, load_mnist
    from infogan_utils.measures import sweep_correlations

    _, (x_test, _) = load_mnist()
    images = (x_test[: args.images] / 255.0).astype("float32")[..., None]
    result = {}
    for change, values in SWEEPS.items():
        # image i of every sweep is test digit i; order them sweep by sweep
        styled = np.stack([augment_images(images, **{change: v}).numpy() for v in values],
                          axis=1)
        result[change] = sweep_correlations(values, styled.reshape(-1, *images.shape[1:]))
    print(json.dumps({"images": args.images, "mean_spearman_rho": result}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
