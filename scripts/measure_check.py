"""Do the slant, width and thickness measures separate on real digits? Print the answer as JSON.

    python scripts/measure_check.py [--images 1000]

Sweeps one style change at a time (horizontal shear, horizontal stretch, stroke thickness)
over real MNIST test digits with ``infogan_utils.data.augment_images`` and reports, for
each change and each measure of ``infogan_utils.measures.FACTORS``:

* ``mean_spearman_rho``: the mean Spearman rho of the change with the measure, computed
  by ``sweep_correlations`` as ``code_correlations`` does for a continuous code;
* ``effect_sd``: the median change of the measure from the first to the last value of
  the sweep, in standard deviations of the measure over all 10,000 test digits, computed
  by ``sweep_effects`` as ``code_effects`` does for a continuous code.

A measure that separates the factors moves with its own change (|rho| near 1, a large
effect) and little with the others, so cross-talk measured on a trained model's codes is
in the codes, not in the measures.
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
    from infogan_utils.measures import FACTORS, reference_sd, sweep_correlations, sweep_effects

    _, (x_test, _) = load_mnist()
    sd = reference_sd(x_test)
    images = (x_test[: args.images] / 255.0).astype("float32")[..., None]
    rho, effect = {}, {}
    for change, values in SWEEPS.items():
        # image i of every sweep is test digit i; order them sweep by sweep
        styled = np.stack([augment_images(images, **{change: v}).numpy() for v in values],
                          axis=1).reshape(-1, *images.shape[1:])
        rho[change] = sweep_correlations(values, styled, FACTORS)
        effect[change] = sweep_effects(values, styled, sd, FACTORS)
    print(json.dumps({"images": args.images, "reference_sd": sd,
                      "mean_spearman_rho": rho, "effect_sd": effect}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
