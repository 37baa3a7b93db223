"""Where one InfoGAN training step spends its time, by TensorFlow op type.

    python benchmarks/profile_step.py                       # bf16, batch 128
    python benchmarks/profile_step.py --precision float32 --batch 64 --keras-adam
    python benchmarks/profile_step.py --by-op --top 30      # single ops, by layer

Runs the real compiled train step under TensorFlow's profiler, then sums the kernel time of
every op on the compute threads by op type (Conv2DBackpropFilter, MatMul, Cast, ...) and
groups them: matrix ops (convolutions and matmuls, the FLOPs of the model), the optimiser
update, and the rest (batch norm, casts, activations...). From the matrix ops' share and
their own GFLOP/s it prints the ceiling a step could reach if every non-matrix op were free.
A benchmark prints numbers; nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import collections
import glob
import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

import infogan_utils as iu  # noqa: E402

MATRIX = ("Conv2D", "MatMul")  # substrings of oneDNN conv / matmul kernels
OPTIMISER = ("ApplyAdam", "AssignAddVariableOp", "AssignSubVariableOp", "Sqrt", "RealDiv")


def op_times(logdir: str, by: str = "type") -> collections.Counter:
    """Kernel time (seconds) over the compute threads of the profile, per op type
    (``by="type"``) or per op, named by its layer scope and type (``by="op"``)."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    space = xplane_pb2.XSpace()
    path = glob.glob(os.path.join(logdir, "plugins", "profile", "*", "*.xplane.pb"))[0]
    with open(path, "rb") as f:
        space.ParseFromString(f.read())
    totals = collections.Counter()
    for plane in space.planes:
        names = {k: v.name for k, v in plane.event_metadata.items()}
        for line in plane.lines:
            if not line.name.startswith("tf_Compute"):
                continue
            for event in line.events:
                name = names.get(event.metadata_id, "")
                if ":" in name and "::" not in name:  # "scope/op:OpType", not wrappers
                    key = name.rsplit(":", 1)[1] if by == "type" else name
                    totals[key] += event.duration_ps * 1e-12
    return totals


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--precision", default="mixed_bfloat16")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--keras-adam", action="store_true",
                   help="profile keras.optimizers.Adam instead of FusedAdam")
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--by-op", action="store_true",
                   help="list single ops (layer scope and type) instead of op types")
    args = p.parse_args()

    from train_throughput import run_steps, train_flops_per_image, warmed_up_step

    config = iu.InfoGANConfig(batch_size=args.batch, precision=args.precision)
    (x, _), _ = iu.load_mnist()
    function, iterator = warmed_up_step(args.precision, args.batch, x,
                                        keras_adam=args.keras_adam, warmup=15)
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        wall = run_steps(function, iterator, args.steps) / args.steps
        tf.profiler.experimental.stop()
        totals = op_times(logdir)
        ops = op_times(logdir, by="op") if args.by_op else totals

    per_step = {k: v / args.steps for k, v in totals.items()}
    busy = sum(per_step.values())
    matrix = sum(v for k, v in per_step.items() if any(m in k for m in MATRIX))
    optimiser = sum(v for k, v in per_step.items() if any(m in k for m in OPTIMISER))
    flops = train_flops_per_image(config) * args.batch
    print(f"{args.precision}, batch {args.batch}, {'Keras Adam' if args.keras_adam else 'FusedAdam'}"
          f" (under the profiler, which slows it a little)")
    print(f"wall time per step: {1e3 * wall:.1f} ms ({args.batch / wall:.0f} images/s); "
          f"kernel time over all threads: {1e3 * busy:.1f} ms")
    width = 90 if args.by_op else 40
    print(f"{'op' if args.by_op else 'op type':<{width}}{'ms/step':>9}{'share':>8}")
    for k, v in sorted(ops.items(), key=lambda kv: -kv[1])[:args.top]:
        v /= args.steps
        print(f"{k[-width:]:<{width}}{1e3 * v:>9.2f}{100 * v / busy:>7.1f}%")
    print(f"matrix ops (conv, matmul): {100 * matrix / busy:.0f}% of kernel time, "
          f"{flops / matrix / 1e9:.0f} GFLOP/s per thread-second")
    print(f"optimiser update: {100 * optimiser / busy:.0f}%; everything else: "
          f"{100 * (busy - matrix - optimiser) / busy:.0f}%")
    ceiling = args.batch / (wall * matrix / busy)
    print(f"ceiling if every non-matrix op were free: {ceiling:.0f} images/s")


if __name__ == "__main__":
    main()
