"""Command line: ``python -m infogan_utils train|evaluate ...``.

    python -m infogan_utils train --out runs/seed0 --steps 5000 --seed 0
    python -m infogan_utils train --out runs/seed0 --steps 5000 --seed 0   # resumes
    python -m infogan_utils evaluate --run runs/seed0
    python -m infogan_utils evaluate --pretrained

Every bad argument and every fault (a damaged file, a full disk, a second process on
the same folder) ends with one line ``error: ...`` on stderr and exit status 2, and
nothing in the output folder is created or changed before the arguments pass.
Ctrl-C (SIGINT) and SIGTERM (what a job scheduler sends before SIGKILL) stop the same
way: one ``error:`` line, exit status 130 or 143, nothing half-written; the same command
resumes from the last checkpoint, bitwise as if never stopped.
Set INFOGAN_DEBUG=1 to see the traceback of an unexpected error.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import signal
import sys
from pathlib import Path

from .config import JIT_MODES, PRECISIONS, InfoGANConfig

MAX_THREADS, MAX_DEVICES, MAX_SAMPLES = 1024, 64, 10_000_000


class UsageError(ValueError):
    """A bad command-line argument."""


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: stop exactly as Ctrl-C does (a KeyboardInterrupt, so every
    temporary file is removed on the way out), then exit with status 143."""


def _on_sigterm(signum, frame):
    raise Terminated()


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument as one ``error:`` line, not usage + text."""

    def error(self, message):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m infogan_utils",
                description="Train and evaluate InfoGAN on MNIST.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser("train", help="train (or resume) a run into an output folder")
    t.add_argument("--out", required=True, help="run folder (checkpoints, history, weights)")
    t.add_argument("--steps", type=int, default=5000, help="total training steps")
    d = InfoGANConfig()
    t.add_argument("--batch-size", type=int, default=d.batch_size)
    t.add_argument("--seed", type=int, default=d.seed)
    t.add_argument("--lambda-cat", type=float, default=d.lambda_cat)
    t.add_argument("--lambda-cont", type=float, default=d.lambda_cont)
    t.add_argument("--num-continuous", type=int, default=d.num_continuous)
    t.add_argument("--learn-var", action="store_true",
                   help="learn Q's Gaussian variance (default: fixed unit variance)")
    t.add_argument("--lr-d", type=float, default=d.lr_d)
    t.add_argument("--lr-g", type=float, default=d.lr_g)
    t.add_argument("--precision", choices=PRECISIONS, default="auto",
                   help="auto (the default): bfloat16 where the CPU has it natively, else "
                        "float32; saved in the run's config.json")
    t.add_argument("--jit", choices=JIT_MODES, default="auto",
                   help="compile the training step with XLA; auto: on for float32 on a CPU "
                        "without AVX-512, off otherwise (measured fastest; changes speed, "
                        "not the algorithm)")
    t.add_argument("--cat-shear", type=float, default=d.cat_shear,
                   help="not in the paper: Q reads the category from generated images "
                        "sheared by up to this many pixels per row (0: off)")
    t.add_argument("--cat-augment", type=float, default=d.cat_augment,
                   help="not in the paper: Q reads the category from generated images "
                        "with randomly changed slant, width, height, position and "
                        "thickness; 1 = the default ranges, 0 = off")
    t.add_argument("--cont-thickness", type=float, default=d.cont_thickness,
                   help="not in the paper: Q reads the continuous codes from generated "
                        "images with their stroke thickness changed at random by up to "
                        "this much (in [0, 1]; 0: off)")
    c = t.add_argument_group("contrastive regulariser (InfoGAN-CR, Lin et al. 2020; "
                             "experimental, off by default)")
    c.add_argument("--contrastive-weight", type=float, default=d.contrastive_weight,
                   help="lambda_CR: weight of the contrastive loss (0 = off)")
    c.add_argument("--contrastive-start", type=int, default=d.contrastive_start,
                   help="step from which the loss reaches G and the trunk")
    c.add_argument("--contrastive-gap", type=float, default=d.contrastive_gap,
                   help="least difference of the codes a pair does not share (progressive "
                        "training), until --contrastive-gap-until")
    c.add_argument("--contrastive-gap-until", type=int, default=d.contrastive_gap_until,
                   help="step at which the gap drops to 0")
    t.add_argument("--log-every", type=int, default=100, help="steps per history row")
    t.add_argument("--checkpoint-every", type=int, default=500, help="steps per checkpoint")
    t.add_argument("--eval-every", type=int, default=0,
                   help="record test digit accuracy every N steps (0: never; report only)")
    t.add_argument("--no-resume", dest="resume", action="store_false",
                   help="refuse to continue an existing run in --out")
    t.add_argument("--restart", action="store_true",
                   help="discard the run in --out (checkpoints, history, networks) and "
                        "train again from step 0")
    t.add_argument("--threads", type=int, default=0,
                   help="TensorFlow intra-op threads (0: all cores)")
    t.add_argument("--devices", type=int, default=1,
                   help="train with tf.distribute.MirroredStrategy over this many devices "
                        "(GPUs if present, else logical CPUs)")

    e = sub.add_parser("evaluate", help="print one JSON object of measured results")
    src = e.add_mutually_exclusive_group(required=True)
    src.add_argument("--run", help="a run folder written by `train`")
    src.add_argument("--pretrained", action="store_true", help="the shipped model in data/")
    e.add_argument("--samples", type=int, default=10_000,
                   help="generated samples for the L_I estimate")
    e.add_argument("--seed", type=int, default=0)
    return p


def main(argv=None) -> int:
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: SIGTERM keeps its handler
        previous = None
    try:
        return _main(argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command == "train":
            return _train(args)
        return _evaluate(args)
    except KeyboardInterrupt as err:
        what = "terminated (SIGTERM)" if isinstance(err, Terminated) else "interrupted"
        print(f"error: {what}; run the same command again to resume from the last "
              f"checkpoint", file=sys.stderr)
        return 143 if isinstance(err, Terminated) else 130
    except SystemExit:  # --help
        raise
    except (ValueError, OSError, RuntimeError) as err:
        if os.environ.get("INFOGAN_DEBUG"):
            raise
        print(f"error: {_one_line(err)}", file=sys.stderr)
        return 2
    except Exception as err:  # anything else still ends in one line (INFOGAN_DEBUG: trace)
        if os.environ.get("INFOGAN_DEBUG"):
            raise
        print(f"error: unexpected {type(err).__name__}: {_one_line(err)} (set "
              f"INFOGAN_DEBUG=1 to see the traceback)", file=sys.stderr)
        return 2


def _one_line(err: BaseException) -> str:
    text = str(err)
    if isinstance(err, OSError) and err.filename and str(err.filename) not in text:
        text = f"{err.filename}: {err.strerror or text}"
    return " ".join(text.split()) or type(err).__name__


def _check(name: str, value, low, high) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"{name} must be a finite number, got {value}")
    if not low <= value <= high:
        raise UsageError(f"{name} must be in [{low:,}, {high:,}], got {value:,}")


def _validate_train(args) -> None:
    """Every check that needs no file system: nothing is created before these pass."""
    from .training import MAX_STEPS

    if not args.out.strip():
        raise UsageError("--out is empty; give the run folder, e.g. --out runs/mine")
    _check("--steps", args.steps, 1, MAX_STEPS)
    _check("--log-every", args.log_every, 1, MAX_STEPS)
    _check("--checkpoint-every", args.checkpoint_every, 1, MAX_STEPS)
    _check("--eval-every", args.eval_every, 0, MAX_STEPS)
    _check("--threads", args.threads, 0, MAX_THREADS)
    _check("--devices", args.devices, 1, MAX_DEVICES)
    if args.steps % args.log_every or args.checkpoint_every % args.log_every:
        raise UsageError(f"--steps ({args.steps}) and --checkpoint-every "
                         f"({args.checkpoint_every}) must be multiples of --log-every "
                         f"({args.log_every})")
    if args.eval_every % args.log_every:
        raise UsageError("--eval-every must be a multiple of --log-every")
    if args.restart and not args.resume:
        raise UsageError("--restart and --no-resume contradict each other; use one")
    if args.batch_size % args.devices:
        raise UsageError(f"--batch-size ({args.batch_size}) must be a multiple of --devices "
                         f"({args.devices}): each device takes an equal share of a batch")


def _train(args) -> int:
    _validate_train(args)
    config = InfoGANConfig(
        batch_size=args.batch_size, seed=args.seed, lambda_cat=args.lambda_cat,
        lambda_cont=args.lambda_cont, num_continuous=args.num_continuous,
        fix_var=not args.learn_var, lr_d=args.lr_d, lr_g=args.lr_g, precision=args.precision,
        cat_shear=args.cat_shear, cat_augment=args.cat_augment,
        contrastive_weight=args.contrastive_weight, contrastive_start=args.contrastive_start,
        contrastive_gap=args.contrastive_gap,
        contrastive_gap_until=args.contrastive_gap_until, cont_thickness=args.cont_thickness,
    )
    if config.batch_size > 60_000:
        raise UsageError(f"--batch-size must be at most 60,000 (the MNIST training set), "
                         f"got {config.batch_size:,}")
    from .runfolder import run_lock
    from .training import check_out_dir, check_path_lengths

    out = check_out_dir(args.out)
    check_path_lengths(out, args.steps)
    # An existing folder is locked before TensorFlow loads, so a second process on it
    # is refused at once; a new folder is created and locked by train().
    with run_lock(out) if out.is_dir() else _nothing():
        return _train_run(args, config, out)


def _nothing():
    import contextlib

    return contextlib.nullcontext()


def _train_run(args, config, out: Path) -> int:
    import tensorflow as tf

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    strategy = _strategy(args.devices) if args.devices > 1 else None
    if strategy is not None:
        print(f"MirroredStrategy over {strategy.num_replicas_in_sync} devices: "
              f"{', '.join(strategy.extended.worker_devices)}", flush=True)

    from .data import load_mnist
    from .training import DigitAccuracyMonitor, train

    (x_train, _), (x_test, y_test) = load_mnist()
    callbacks = []
    if args.eval_every:
        callbacks.append(DigitAccuracyMonitor(x_test, y_test, args.eval_every // args.log_every))
    train(config, args.steps, out, resume=args.resume, restart=args.restart,
          log_every=args.log_every, checkpoint_every=args.checkpoint_every, images=x_train,
          strategy=strategy, callbacks=callbacks, verbose=1 if sys.stdout.isatty() else 2,
          command="python -m infogan_utils " + shlex.join(sys.argv[1:]),
          jit_compile=args.jit)
    print(f"trained to step {args.steps}; networks in {out}")
    return 0


def _strategy(devices: int):
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if len(gpus) >= devices:
        return tf.distribute.MirroredStrategy([f"/gpu:{i}" for i in range(devices)])
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(devices)])
    return tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(devices)])


def _evaluate(args) -> int:
    _check("--samples", args.samples, 1, MAX_SAMPLES)
    _check("--seed", args.seed, 0, 2**31 - 1)
    if args.run is not None and not args.run.strip():
        raise UsageError("--run is empty; give a run folder written by `train`")
    from .evaluation import evaluate_model

    if args.pretrained:
        from .pretrained import load_pretrained

        model = load_pretrained()
    else:
        from .training import load_run

        model = load_run(args.run)
    result = evaluate_model(model, num_samples=args.samples, seed=args.seed)
    result.pop("confusion", None)
    print(json.dumps(result, indent=2))
    return 0
