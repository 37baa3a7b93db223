"""Training runs that survive being killed: ``train(config, steps, out_dir)``.

A run folder holds::

    config.json          the InfoGANConfig of the run (a resumed run must match it)
    checkpoints/         tf.train.Checkpoint files: all weights, both optimisers' state
                         and the step counter, written every ``checkpoint_every`` steps
    history.csv          one row per ``log_every`` steps: mean losses and L_I over them
    generator.weights.h5, discriminator.weights.h5   the final networks

Running the same command again after a crash (even ``kill -9``) resumes from the last
checkpoint: same weights, same Adam moments, same step count, same codes from then on.
"""

from __future__ import annotations

import contextlib
import csv
import os
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from .config import InfoGANConfig
from .data import load_mnist, make_dataset
from .infogan import InfoGAN


class RunFolderError(RuntimeError):
    """The output folder holds a different run; nothing was changed."""


def build_model(config: InfoGANConfig, strategy: tf.distribute.Strategy | None = None):
    """An InfoGAN with its optimisers, created under ``strategy`` when given."""
    keras.utils.set_random_seed(config.seed)
    scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
    with scope:
        model = InfoGAN(config)
        model.compile()
    return model


def make_checkpoint(model: InfoGAN, folder) -> tf.train.CheckpointManager:
    """A CheckpointManager over the networks and both optimisers (keeps the last 2)."""
    ckpt = tf.train.Checkpoint(generator=model.generator, trunk=model.trunk,
                               d_head=model.d_head, q_head=model.q_head,
                               d_optimizer=model.d_optimizer, g_optimizer=model.g_optimizer)
    return tf.train.CheckpointManager(ckpt, str(Path(folder) / "checkpoints"), max_to_keep=2)


def current_step(model: InfoGAN) -> int:
    """Training steps taken so far (the generator optimiser's iteration count)."""
    return int(model.g_optimizer.iterations.numpy())


class CheckpointEvery(keras.callbacks.Callback):
    """Save a checkpoint at the end of every ``every`` Keras epochs (and at the end)."""

    def __init__(self, manager, every: int = 1):
        super().__init__()
        self.manager, self.every = manager, every

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.manager.save(checkpoint_number=current_step(self.model))

    def on_train_end(self, logs=None):
        step = current_step(self.model)
        if self.manager.latest_checkpoint is None or not self.manager.latest_checkpoint.endswith(
                f"-{step}"):
            self.manager.save(checkpoint_number=step)


HISTORY_COLUMNS = ["step", "seconds", "d_loss", "g_loss", "info_cat", "info_cont",
                   "mi_lower_bound", "digit_acc", "digit_acc_many", "slant_share"]


class StepHistory(keras.callbacks.Callback):
    """Append one CSV row per Keras epoch: step, wall time, and the mean metrics."""

    def __init__(self, path, steps_per_epoch: int, start_step: int = 0):
        super().__init__()
        self.path, self.steps_per_epoch = Path(path), steps_per_epoch
        # On resume, drop rows logged after the checkpoint and keep counting time.
        offset = 0.0
        if self.path.exists():
            with self.path.open() as f:
                rows = [r for r in csv.DictReader(f) if int(r["step"]) <= start_step]
            offset = float(rows[-1]["seconds"]) if rows else 0.0
            with self.path.open("w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=HISTORY_COLUMNS, extrasaction="ignore")
                writer.writeheader()
                writer.writerows(rows)
        self.t0 = time.perf_counter() - offset

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        row = {"step": (epoch + 1) * self.steps_per_epoch,
               "seconds": round(time.perf_counter() - self.t0, 2), **logs}
        new = not self.path.exists()
        with self.path.open("a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=HISTORY_COLUMNS, extrasaction="ignore",
                                    restval="")
            if new:
                writer.writeheader()
            writer.writerow(row)


def read_history(path) -> dict:
    """history.csv as a dict of NumPy arrays (one per column)."""
    with Path(path).open() as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([float(r[k]) if r[k] != "" else np.nan for r in rows])
            for k in (rows[0] if rows else {})}


def train(config: InfoGANConfig, steps: int, out_dir, *, resume: bool = True,
          log_every: int = 100, checkpoint_every: int = 500, images=None,
          strategy: tf.distribute.Strategy | None = None, verbose: int | str = "auto",
          callbacks=(), command: str | None = None) -> InfoGAN:
    """Train InfoGAN for ``steps`` steps in total, checkpointing into ``out_dir``.

    If ``out_dir`` already holds a checkpoint of the same config, training continues
    from it (``resume=True``) up to ``steps`` in total; a folder with another config,
    or ``resume=False`` on a folder with checkpoints, raises :class:`RunFolderError`
    and changes nothing. ``images``: uint8 (n, 28, 28); default MNIST's training set.
    ``command`` (the command line, if any) is appended to ``out_dir/commands.txt``.
    """
    if steps < 1 or log_every < 1 or checkpoint_every < 1:
        raise ValueError("steps, log_every and checkpoint_every must all be >= 1")
    if steps % log_every or checkpoint_every % log_every:
        raise ValueError(f"steps ({steps}) and checkpoint_every ({checkpoint_every}) must be "
                         f"multiples of log_every ({log_every})")
    out = Path(out_dir)
    _claim_folder(out, config, resume)
    if command:
        with (out / "commands.txt").open("a") as f:
            f.write(command + "\n")

    model = build_model(config, strategy)
    manager = make_checkpoint(model, out)
    if manager.latest_checkpoint:
        manager.checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
    start = current_step(model)
    if start:
        print(f"resuming {out} from step {start} (checkpoint {manager.latest_checkpoint})",
              flush=True)
    if start % log_every:
        raise RunFolderError(f"checkpoint step {start} is not a multiple of log_every "
                             f"{log_every}; resume with the log_every of the original run")
    if start < steps:
        if images is None:
            (images, _), _ = load_mnist()
        # A new shuffle seed per resume point keeps resumed runs deterministic.
        dataset = make_dataset(images, config.batch_size, seed=config.seed + start,
                               repeat=True)
        # Under a strategy, fit() splits each global batch across the replicas itself.
        model.fit(
            dataset, epochs=steps // log_every, initial_epoch=start // log_every,
            steps_per_epoch=log_every, verbose=verbose, shuffle=False,
            callbacks=[*callbacks, StepHistory(out / "history.csv", log_every, start),
                       CheckpointEvery(manager, checkpoint_every // log_every)],
        )
    model.save_networks(out)
    return model


def _claim_folder(out: Path, config: InfoGANConfig, resume: bool) -> None:
    cfg_path = out / "config.json"
    has_ckpt = (out / "checkpoints" / "checkpoint").exists()
    if cfg_path.exists():
        old = InfoGANConfig.load(cfg_path)
        if old != config:
            diff = {k: (v, config.to_dict()[k]) for k, v in old.to_dict().items()
                    if config.to_dict()[k] != v}
            raise RunFolderError(
                f"{out} holds a run with another config (field: (saved, requested)) {diff}. "
                f"Choose another output folder, or repeat the saved settings to resume."
            )
    if has_ckpt and not resume:
        raise RunFolderError(
            f"{out} already holds checkpoints; pass resume=True (--resume) to continue that "
            f"run, or choose another output folder. Nothing was changed."
        )
    out.mkdir(parents=True, exist_ok=True)
    if not cfg_path.exists():
        tmp = cfg_path.with_suffix(".tmp")
        config.save(tmp)
        os.replace(tmp, cfg_path)


class DigitAccuracyMonitor(keras.callbacks.Callback):
    """Every ``every`` Keras epochs, add ``digit_acc`` (one-to-one accuracy of Q's
    category on real labelled images), ``digit_acc_many`` and the label-free
    ``slant_share`` (see :func:`~infogan_utils.measures.category_slant_share`) to the
    logs, so history.csv records them.

    For reporting progress only; it never steers training.
    """

    def __init__(self, images, labels, every: int = 1):
        super().__init__()
        self.images, self.labels, self.every = images, labels, every

    def on_epoch_end(self, epoch, logs=None):
        from .measures import category_slant_share
        from .metrics import digit_accuracy, predict_categories

        if logs is not None and (epoch + 1) % self.every == 0:
            categories = predict_categories(self.model, self.images)
            acc = digit_accuracy(self.labels, categories,
                                 num_categories=self.model.config.num_categories)
            logs["digit_acc"] = acc.one_to_one
            logs["digit_acc_many"] = acc.many_to_one
            logs["slant_share"] = category_slant_share(categories, self.images)


def load_run(folder, *, precision: str | None = "float32") -> InfoGAN:
    """The model of a run folder at its latest checkpoint (works while it still trains).

    Falls back to the final weight files when the folder has no checkpoints.
    ``precision`` overrides the run's precision for inference (None keeps it).
    """
    folder = Path(folder)
    if not (folder / "config.json").exists():
        raise FileNotFoundError(f"{folder / 'config.json'} is missing: {folder} is not a run "
                                f"folder written by `python -m infogan_utils train`.")
    config = InfoGANConfig.load(folder / "config.json")
    if precision is not None:
        config = config.replace(precision=precision)
    if tf.train.latest_checkpoint(str(folder / "checkpoints")) is None:
        return InfoGAN.load_networks(folder, **({"precision": precision} if precision else {}))
    model = build_model(config)
    manager = make_checkpoint(model, folder)
    manager.checkpoint.restore(manager.latest_checkpoint).expect_partial()
    return model
