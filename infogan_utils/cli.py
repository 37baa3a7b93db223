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
import contextlib
import dataclasses
import json
import os
import shlex
import signal
import sys
from pathlib import Path

from .config import (JIT_MODES, PRECISIONS, InfoGANConfig, check_int, check_schedule,
                     field_docs)

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


def _flag(name: str) -> str:
    """How the command line spells a setting: ``--log-every`` for ``log_every``."""
    return "--" + name.replace("_", "-")


def _add_config_flags(parser) -> None:
    """One flag per InfoGANConfig field (``--batch-size`` for ``batch_size``), with the
    field's default and its docstring as help; the config validates the values."""
    docs, default = field_docs(), InfoGANConfig()
    for field in dataclasses.fields(InfoGANConfig):
        flag, value = _flag(field.name), getattr(default, field.name)
        help_text = docs.get(field.name, "").replace("%", "%%")
        if isinstance(value, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=value,
                                help=help_text)
        elif field.name == "precision":
            parser.add_argument(flag, choices=PRECISIONS, default="auto",
                                help="auto (the default here): bfloat16 where the CPU has "
                                     "it natively, else float32. " + help_text)
        else:
            parser.add_argument(flag, type=type(value), default=value, help=help_text)


def _add_run_flags(t) -> None:
    t.add_argument("--out", required=True, help="run folder (checkpoints, history, weights)")
    t.add_argument("--steps", type=int, default=5000, help="total training steps")
    t.add_argument("--jit", choices=JIT_MODES, default="auto",
                   help="compile the training step with XLA; auto: on for float32 on a CPU "
                        "without AVX-512, off otherwise (measured fastest; changes speed, "
                        "not the algorithm)")
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


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m infogan_utils",
                description="Train and evaluate InfoGAN on MNIST.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    t = sub.add_parser("train", help="train (or resume) a run into an output folder")
    _add_run_flags(t)
    _add_config_flags(t.add_argument_group(
        "the model's settings (InfoGANConfig; saved in the run's config.json)"))
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


def _validate_train(args) -> None:
    """Every check that needs no file system: nothing is created before these pass."""
    if not args.out.strip():
        raise UsageError("--out is empty; give the run folder, e.g. --out runs/mine")
    check_schedule(args.steps, args.log_every, args.checkpoint_every, args.eval_every,
                   flag=_flag)
    check_int("--threads", args.threads, 0, MAX_THREADS)
    check_int("--devices", args.devices, 1, MAX_DEVICES)
    if args.restart and not args.resume:
        raise UsageError("--restart and --no-resume contradict each other; use one")
    if args.batch_size % args.devices:
        raise UsageError(f"--batch-size ({args.batch_size}) must be a multiple of --devices "
                         f"({args.devices}): each device takes an equal share of a batch")


def _train(args) -> int:
    _validate_train(args)
    config = InfoGANConfig(**{f.name: getattr(args, f.name)
                              for f in dataclasses.fields(InfoGANConfig)})
    if config.batch_size > 60_000:
        raise UsageError(f"--batch-size must be at most 60,000 (the MNIST training set), "
                         f"got {config.batch_size:,}")
    from .runfolder import check_out_dir, check_path_lengths, run_lock

    out = check_out_dir(args.out)
    check_path_lengths(out, args.steps)
    # An existing folder is locked before TensorFlow loads, so a second process on it
    # is refused at once; a new folder is created and locked by train().
    with run_lock(out) if out.is_dir() else contextlib.nullcontext():
        return _train_run(args, config, out)


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
    check_int("--samples", args.samples, 1, MAX_SAMPLES)
    check_int("--seed", args.seed, 0, 2**31 - 1)
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
