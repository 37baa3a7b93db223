"""Latency of the live explorer: one slider change -> new image bytes (target < 100 ms).

    python benchmarks/widget_latency.py [--changes 50] [--no-sweep]

Uses the shipped pretrained model when present, else a fresh (untrained) one: the
generator's cost does not depend on its weights. Times the whole kernel-side path
(observer -> generator -> PNG encoding -> widget value set); the browser adds one
websocket message and an image decode on top.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from infogan_utils import InfoGAN, InfoGANConfig  # noqa: E402
from infogan_utils.pretrained import pretrained_available  # noqa: E402
from infogan_utils.widgets import code_explorer  # noqa: E402


def measure(explorer, changes: int, warmup: int = 5) -> list:
    slider = explorer.sliders[0]
    values = np.linspace(-2, 2, changes + warmup)
    times = []
    for i, v in enumerate(values):
        before = explorer.image.value
        t = time.perf_counter()
        slider.value = float(v)
        elapsed = (time.perf_counter() - t) * 1000
        assert explorer.image.value != before, "the slider change did not redraw"
        if i >= warmup:
            times.append(elapsed)
    return times


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--changes", type=int, default=50)
    p.add_argument("--no-sweep", action="store_true", help="without the sweep row")
    args = p.parse_args()
    if pretrained_available():
        model, which = None, "pretrained model (data/pretrained)"
    else:
        model, which = InfoGAN(InfoGANConfig()), "fresh untrained model (no data/pretrained)"
    t = time.perf_counter()
    explorer = code_explorer(model, sweep=not args.no_sweep)
    first = (time.perf_counter() - t) * 1000
    times = measure(explorer, args.changes)
    batch = len(explorer.latent())
    print(f"model: {which}; images per update: {batch} "
          f"({'main image + sweep row' if batch > 1 else 'main image only'})")
    print(f"explorer built (load + first trace + first image): {first:.0f} ms")
    print(f"slider change -> new image bytes over {len(times)} changes: "
          f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms")
    print(f"CPU load average (1 min) during the run: {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
