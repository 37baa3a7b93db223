"""Wall-clock time to digits: when does one recipe first reach 80, 85, 90 and 95%?

    python benchmarks/time_to_accuracy.py                      # this machine's default path
    python benchmarks/time_to_accuracy.py --laptop             # the laptop case (see below)
    python benchmarks/time_to_accuracy.py --laptop --mode class --minutes 10
    python benchmarks/time_to_accuracy.py --precision mixed_bfloat16 --batch-size 128
    python benchmarks/time_to_accuracy.py --table data/experiments/time_to_accuracy_*.json

Trains one recipe with ``training.train`` (the path the CLI and the notebooks use) into a
fresh temporary folder, and every ``--eval-every`` steps measures the one-to-one digit
accuracy of Q's category on the 10,000 MNIST test images. It prints, for 80, 85, 90 and
95%, the first step that reached it and the wall-clock from the call to ``train`` (model
building, tracing and compilation included) to the end of that step. The evaluations'
own time is left out of the wall-clock (a class run does not evaluate every few steps)
and printed apart.

``--laptop`` reproduces a laptop CPU on any x86 machine: float32 (no bfloat16), oneDNN
and XLA restricted to AVX2 instructions (``ONEDNN_MAX_CPU_ISA=AVX2``,
``XLA_FLAGS=--xla_cpu_max_isa=AVX2``). The cores are this machine's, so it is a
like-for-like instruction set, not the same chip.

The header reports the precision, compile mode, batch size, CPU model, core count and
flags. A benchmark prints numbers; nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

LAPTOP_ENV = {"ONEDNN_MAX_CPU_ISA": "AVX2", "XLA_FLAGS": "--xla_cpu_max_isa=AVX2"}
TARGETS = (0.80, 0.85, 0.90, 0.95)


def describe(result: dict) -> str:
    """One line naming a measurement's path: precision, XLA, batch, case."""
    case = "laptop case (AVX2 kernels)" if result["laptop"] else "native instruction set"
    return (f"{result['precision']}, XLA {'on' if result['xla'] else 'off'}, batch "
            f"{result['config']['batch_size']}, {case}")


def markdown_table(paths) -> str:
    """The README's table of measurements (``--json`` files): one row per run."""
    lines = ["| path | seed | 85%: step, wall-clock | 95%: step, wall-clock |",
             "| --- | --- | --- | --- |"]
    for path in paths:
        with open(path) as f:
            result = json.load(f)
        cells = []
        for target in ("0.85", "0.95"):
            if target in result["reached"]:
                step, seconds = result["reached"][target]
                cells.append(f"{step:,}, {seconds / 60:.1f} min")
            else:
                cells.append("not reached")
        lines.append(f"| {describe(result)} | {result['config']['seed']} | {cells[0]} | "
                     f"{cells[1]} |")
    return "\n".join(lines)


def _parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=["class", "default"], default="class",
                   help="class: the class-time recipe (infogan_utils.class_recipe); "
                        "default: the CLI's defaults plus --cat-augment 1")
    p.add_argument("--laptop", action="store_true",
                   help="float32 with AVX2 kernels only (the laptop case)")
    p.add_argument("--precision", default=None,
                   help="override the recipe's precision (auto, float32, mixed_bfloat16)")
    p.add_argument("--jit", choices=["auto", "on", "off"], default=None,
                   help="override the compile mode (XLA)")
    p.add_argument("--batch-size", type=int, default=None, help="override the batch size")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--minutes", type=float, default=10.0,
                   help="stop after this much training wall-clock (or at --max-steps)")
    p.add_argument("--max-steps", type=int, default=4000)
    p.add_argument("--eval-every", type=int, default=100, help="steps between evaluations")
    p.add_argument("--threads", type=int, default=0, help="TensorFlow threads (0: all)")
    p.add_argument("--json", help="also write the results to this file")
    p.add_argument("--table", nargs="+", metavar="JSON",
                   help="only print the Markdown table of earlier --json results")
    return p.parse_args(argv)


def cpu_description() -> tuple[str, list[str]]:
    """(CPU model name, the flags that matter for speed): the flags are the ones
    ``infogan_utils.speed`` reads to choose the path; the name from /proc/cpuinfo."""
    from infogan_utils.speed import cpu_flags

    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f
                          if line.startswith("model name")), model)
    except OSError:
        pass
    wanted = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16")
    return model, [f for f in wanted if f in cpu_flags()]


def main(argv=None) -> None:
    args = _parse(argv)
    if args.table:
        print(markdown_table(args.table))
        return
    if args.laptop and any(os.environ.get(k) != v for k, v in LAPTOP_ENV.items()):
        # the instruction-set limits must be set before TensorFlow starts: run again
        os.execve(sys.executable, [sys.executable, *sys.argv],
                  {**os.environ, **LAPTOP_ENV})
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    import infogan_utils as iu
    from infogan_utils import speed, training
    from infogan_utils.metrics import digit_accuracy, predict_categories

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    recipe = iu.class_recipe() if args.mode == "class" else iu.InfoGANConfig(cat_augment=1.0)
    changes = dict(seed=args.seed)
    if args.laptop:
        changes["precision"] = "float32"
    if args.precision:
        changes["precision"] = args.precision
    if args.batch_size:
        changes["batch_size"] = args.batch_size
    config = recipe.replace(**changes)
    jit = args.jit or "auto"
    model_name, flags = cpu_description()
    resolved = speed.resolve_precision(config.precision)
    print(f"CPU: {model_name}, {os.cpu_count()} cores, flags: {' '.join(flags)}")
    case = ("laptop case: " + " ".join(f"{k}={v}" for k, v in LAPTOP_ENV.items())
            if args.laptop else "native instruction set")
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}; {case}")
    print(f"recipe: {args.mode}; precision {config.precision} -> {resolved}; compile mode "
          f"{jit} -> XLA {'on' if speed.resolve_jit(jit, config) else 'off'}; batch "
          f"{config.batch_size}; lr_d {config.lr_d:g}, lr_g {config.lr_g:g}; cat_augment "
          f"{config.cat_augment:g}; seed {config.seed}", flush=True)

    (x_train, _), (x_test, y_test) = iu.load_mnist()
    rows, reached = [], {}
    state = dict(eval_seconds=0.0, stop=False)
    start = time.perf_counter()

    class Evaluate(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            now = time.perf_counter()
            step = (epoch + 1) * args.eval_every
            train_seconds = now - start - state["eval_seconds"]
            acc = digit_accuracy(y_test, predict_categories(self.model, x_test),
                                 num_categories=config.num_categories).one_to_one
            state["eval_seconds"] += time.perf_counter() - now
            rows.append(dict(step=step, seconds=train_seconds, accuracy=acc))
            print(f"step {step:>5}  {train_seconds:>6.0f} s  one-to-one {100 * acc:5.1f}%",
                  flush=True)
            for target in TARGETS:
                if acc >= target and target not in reached:
                    reached[target] = (step, train_seconds)
            if train_seconds >= 60 * args.minutes or len(reached) == len(TARGETS):
                self.model.stop_training = True

    with tempfile.TemporaryDirectory(prefix="time_to_accuracy_") as out:
        training.train(config, args.max_steps, out, log_every=args.eval_every,
                       checkpoint_every=args.max_steps, verbose=0, jit_compile=jit,
                       images=x_train, callbacks=[Evaluate()])
    print(f"\n{'target':>7}{'step':>7}{'wall-clock':>12}   (evaluations took "
          f"{state['eval_seconds']:.0f} s in all, not counted)")
    for target in TARGETS:
        if target in reached:
            step, seconds = reached[target]
            print(f"{100 * target:>6.0f}%{step:>7}{seconds / 60:>9.1f} min")
        else:
            print(f"{100 * target:>6.0f}%{'-':>7}{'not reached':>12}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(cpu=model_name, flags=flags, laptop=args.laptop,
                           mode=args.mode, config=config.to_dict(), jit=jit,
                           xla=speed.resolve_jit(jit, config), precision=resolved,
                           eval_seconds=state["eval_seconds"], rows=rows,
                           reached={str(k): v for k, v in reached.items()}), f, indent=2)


if __name__ == "__main__":
    main()
