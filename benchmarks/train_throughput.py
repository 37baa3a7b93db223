"""Training throughput of the project's real InfoGAN step on this machine.

    python benchmarks/train_throughput.py                # fp32 and bf16, batch 64 and 128
    python benchmarks/train_throughput.py --precisions mixed_bfloat16 --batches 128 --runs 5
    python benchmarks/train_throughput.py --compare-adam --precisions mixed_bfloat16 --batches 128
    python benchmarks/train_throughput.py --compare-bn --precisions mixed_bfloat16 --batches 128
    python benchmarks/train_throughput.py --compare-plain --batches 128      # the default path
    python benchmarks/train_throughput.py --compare-plain --batches 128 --laptop

For each (precision, batch size) it builds the real model (paper architecture), warms up
(compilation + steps), then times ``--runs`` runs of ``--steps`` training steps of Keras's compiled
train function (what ``fit`` calls) on the real tf.data MNIST pipeline, and prints images/s (median and
min-max), the implied GFLOP/s and the share of this CPU's measured matmul peak.

FLOPs per training image are counted from the layer shapes (2 FLOPs per multiply-add):
G forward (g), D forward on a real and a fake image (2d), D's backward on both (4d), G's
backward through D and G (2d + 2g): 3g + 8d in all.
``--compare-plain`` times, side by side in alternating rounds, a plain Keras step
(``benchmarks/plain_keras.py``: stock layers, Keras's Adam, no XLA, float32) against the
project's step on the path ``training.train`` chooses by default on this machine, and
against the other paths (float32 with and without XLA, bfloat16 where it is native).
``--laptop`` first restricts oneDNN and XLA to AVX2 (a laptop's instruction set; see
``benchmarks/time_to_accuracy.py``). Every run prints the CPU model and flags.
A benchmark prints numbers; nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from unittest import mock

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import infogan_utils as iu  # noqa: E402
from infogan_utils.training import build_model  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from time_to_accuracy import LAPTOP_ENV, cpu_description  # noqa: E402


def layer_macs(model) -> int:
    """Multiply-adds of one forward pass of one image through Dense/Conv layers."""
    total = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Dense":
            total += int(np.prod(layer.kernel.shape))
        elif kind == "Conv2D":
            h, w = layer.output.shape[1:3]
            total += h * w * int(np.prod(layer.kernel.shape))
        elif kind == "Conv2DTranspose":
            h, w = layer.input.shape[1:3]
            total += h * w * int(np.prod(layer.kernel.shape))
    return total


def train_flops_per_image(config) -> float:
    model = iu.InfoGAN(config.replace(precision="float32"))
    g = 2 * layer_macs(model.generator)
    d = 2 * (layer_macs(model.trunk) + layer_macs(model.d_head) + layer_macs(model.q_head))
    return 3 * g + 8 * d


def matmul_peak(dtype, n=2048, reps=20) -> float:
    """GFLOP/s of a large square matmul: a practical peak for this CPU and dtype."""
    a = tf.random.normal((n, n), dtype=tf.float32)
    a = tf.cast(a, dtype)
    f = tf.function(lambda x: tf.matmul(x, x))
    f(a).numpy()
    t = time.perf_counter()
    for _ in range(reps):
        out = f(a)
    out.numpy()
    return 2 * n ** 3 * reps / (time.perf_counter() - t) / 1e9


def warmed_up_step(precision, batch, images, *, jit=False, keras_adam=False, keras_bn=False,
                   warmup=10, plain=False, cat_augment=0.0):
    """(train function, iterator) of the real model, compiled and warmed up.

    ``keras_adam`` swaps FusedAdam for Keras's own element-wise Adam, ``keras_bn`` the
    fused batch norm for Keras's own ``BatchNormalization`` (to compare). The
    train function is what ``fit`` calls; it runs on one long-lived tf.data iterator, so
    timings are steady-state (no per-run pipeline start-up or shuffle-buffer refill).
    """
    import keras

    if plain:
        import sys

        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from plain_keras import plain_train_function

        step = plain_train_function(batch)
        data = iter(tf.data.Dataset.from_tensor_slices(images).shuffle(10_000, seed=0)
                    .repeat().batch(batch, drop_remainder=True).prefetch(2))
        function = lambda iterator: {"d_loss": step(next(iterator))}  # noqa: E731
        run_steps(function, data, warmup)
        return function, data
    config = iu.InfoGANConfig(batch_size=batch, precision=precision, cat_augment=cat_augment)
    with (mock.patch.object(iu.models, "BatchNormalization",
                            keras.layers.BatchNormalization)
          if keras_bn else contextlib.nullcontext()):
        model = build_model(config)
    mode = iu.speed.resolve_jit(jit, config)
    if keras_adam:
        model.compile(d_optimizer=keras.optimizers.Adam(config.lr_d, beta_1=config.beta_1),
                      g_optimizer=keras.optimizers.Adam(config.lr_g, beta_1=config.beta_1),
                      jit_compile=mode)
    else:
        model.compile(jit_compile=mode)
    model.make_train_function()
    iterator = iter(iu.make_dataset(images, batch, seed=0, repeat=True))
    run_steps(model.train_function, iterator, warmup)  # tracing, compilation, oneDNN kernels
    return model.train_function, iterator


def run_steps(train_function, iterator, steps) -> float:
    """Seconds for ``steps`` training steps (waits for the last one to finish)."""
    t = time.perf_counter()
    for _ in range(steps):
        logs = train_function(iterator)
    float(logs["d_loss"])
    return time.perf_counter() - t


def measure(precision, batch, steps, runs, images, jit=False, keras_adam=False):
    """images/s of ``runs`` timed runs of ``steps`` training steps each."""
    function, iterator = warmed_up_step(precision, batch, images, jit=jit,
                                        keras_adam=keras_adam, warmup=max(10, steps // 4))
    return [steps * batch / run_steps(function, iterator, steps) for _ in range(runs)]


COMPARISONS = {
    "adam": {"keras Adam": dict(keras_adam=True), "FusedAdam": dict()},
    "bn": {"keras BN": dict(keras_bn=True), "fused BN": dict()},
}


def plain_variants():
    """The plain Keras step, the default path of ``training.train`` on this machine, and
    every other path (float32 with and without XLA; bfloat16 where it is native)."""
    from infogan_utils.speed import cpu_has_bf16, resolve_precision

    auto = iu.InfoGANConfig(precision="auto")
    default = (f"default ({resolve_precision('auto')}, XLA "
               f"{'on' if iu.speed.resolve_jit('auto', auto) else 'off'})")
    variants = {"plain Keras": dict(plain=True),
                default: dict(precision="auto", jit="auto"),
                "float32": dict(precision="float32", jit="off"),
                "float32 XLA": dict(precision="float32", jit="on")}
    if cpu_has_bf16():
        variants["bfloat16"] = dict(precision="mixed_bfloat16", jit="off")
    return variants


def compare(precision, batch, steps, runs, images, variants):
    """Variants of the step (name -> ``warmed_up_step`` options), built side by side and
    timed in alternating rounds, so a change in the machine's speed during the benchmark
    hits all of them equally."""
    steppers = {name: warmed_up_step(options.pop("precision", precision), batch, images,
                                     **options)
                for name, options in ((n, dict(o)) for n, o in variants.items())}
    rates = {name: [] for name in steppers}
    for _ in range(runs):
        for name, (function, iterator) in steppers.items():
            rates[name].append(steps * batch / run_steps(function, iterator, steps))
    for name, r in rates.items():
        print(f"{precision:<16}{batch:>6}  {name:<11}{statistics.median(r):>8.0f} images/s "
              f"(min-max {min(r):.0f}-{max(r):.0f}, {runs} alternating runs)", flush=True)
    base = next(iter(rates))
    for name, r in list(rates.items())[1:]:
        ratio = statistics.median(r) / statistics.median(rates[base])
        print(f"{'':<22}{name} / {base}: {ratio:.2f}x")
    return rates


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--precisions", nargs="+", default=["float32", "mixed_bfloat16"])
    p.add_argument("--batches", nargs="+", type=int, default=[64, 128])
    p.add_argument("--steps", type=int, default=60, help="steps per timed run")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--jit", action="store_true", help="compile the step with XLA")
    p.add_argument("--keras-adam", action="store_true",
                   help="use keras.optimizers.Adam instead of the fused FusedAdam (to compare)")
    p.add_argument("--compare-adam", action="store_true",
                   help="only compare keras.optimizers.Adam with FusedAdam, interleaved")
    p.add_argument("--compare-bn", action="store_true",
                   help="only compare Keras's BatchNormalization with the fused one, interleaved")
    p.add_argument("--compare-plain", action="store_true",
                   help="only compare a plain Keras step with the project's paths, interleaved")
    p.add_argument("--laptop", action="store_true",
                   help="restrict oneDNN and XLA to AVX2 (a laptop's instruction set)")
    p.add_argument("--json", help="also write the results to this file")
    args = p.parse_args()
    if args.laptop and any(os.environ.get(k) != v for k, v in LAPTOP_ENV.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **LAPTOP_ENV})
    model_name, flags = cpu_description()
    case = ("; laptop case: " + " ".join(f"{k}={v}" for k, v in LAPTOP_ENV.items())
            if args.laptop else "")
    print(f"CPU: {model_name}, {os.cpu_count()} cores, flags: {' '.join(flags)}{case}",
          flush=True)

    (x, _), _ = iu.load_mnist()
    comparisons = [COMPARISONS[k] for k, on in (("adam", args.compare_adam),
                                                   ("bn", args.compare_bn)) if on]
    if args.compare_plain:  # each variant names its own precision: one round per batch
        for batch in args.batches:
            compare("per variant", batch, args.steps, args.runs, x, plain_variants())
    if comparisons:
        for variants in comparisons:
            for precision in args.precisions:
                for batch in args.batches:
                    compare(precision, batch, args.steps, args.runs, x, variants)
    if comparisons or args.compare_plain:
        return
    flops = train_flops_per_image(iu.InfoGANConfig())
    peaks = {"float32": matmul_peak(tf.float32), "mixed_bfloat16": matmul_peak(tf.bfloat16)}
    print(f"CPU cores: {os.cpu_count()}, TensorFlow {tf.__version__}, "
          f"native bf16: {iu.speed.cpu_has_bf16()}")
    print(f"training FLOPs per image: {flops / 1e6:.0f} MFLOP")
    print("matmul peak: " + ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in peaks.items()))
    print(f"{'precision':<16}{'batch':>6}{'images/s (median)':>19}{'min-max':>15}"
          f"{'GFLOP/s':>9}{'% of peak':>10}")
    results = []
    for precision in args.precisions:
        for batch in args.batches:
            rates = measure(precision, batch, args.steps, args.runs, x, args.jit,
                            args.keras_adam)
            med = statistics.median(rates)
            gflops = med * flops / 1e9
            row = dict(precision=precision, batch=batch, images_per_s=rates,
                       median=med, gflops=gflops, share_of_peak=gflops / peaks[precision])
            results.append(row)
            print(f"{precision:<16}{batch:>6}{med:>19.0f}{min(rates):>8.0f}-{max(rates):<6.0f}"
                  f"{gflops:>9.0f}{100 * gflops / peaks[precision]:>9.0f}%", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(flops_per_image=flops, peaks=peaks, results=results), f, indent=2)


if __name__ == "__main__":
    main()
