"""Training runs that cannot lose work: ``train(config, steps, out_dir)``.

A run folder holds::

    config.json          the InfoGANConfig of the run (a resumed run must match it), its
                         precision resolved when the run began ("auto" is kept as chosen)
    checkpoints/         tf.train.Checkpoint files: all weights, both optimisers' state,
                         the step counter and the run's settings (config and XLA choice),
                         written every ``checkpoint_every`` steps
    history.csv          one row per ``log_every`` steps: mean losses and L_I over them
    generator.weights.h5, discriminator.weights.h5   the final networks (+ .sha256)
    train.lock           locked (fcntl.flock) while a process trains in the folder

Running the same command again after a crash (even ``kill -9``) resumes from the newest
valid checkpoint, found from the files themselves (a lost or garbled ``checkpoints/
checkpoint`` state file does not matter; a damaged newest checkpoint is skipped with a
notice), and ends bitwise identical to a run that never stopped: same weights, same Adam
moments, same step count, same codes and the same data order from then on (the shuffled
stream is replayed to the resumed step). ``history.csv`` is only appended to; on resume
it is cut back to the resumed step (rows lost before it are reported). One process at a
time may train in a folder. Every file is written under a temporary name, fsynced and
renamed, every append is checked byte for byte, and every OS error names its file; free
space and path lengths are checked before training.

A lost ``config.json`` is written again from the settings its newest checkpoint records
(a command with other settings is refused); a checkpoint of another run (other settings,
or networks it does not restore into) is passed over with a notice, like a damaged one.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from .config import JIT_MODES, MAX_STEPS, InfoGANConfig, check_schedule
from .data import load_mnist, make_dataset
from .infogan import InfoGAN
from .runfolder import (
    DamagedFileError,
    DiskFullError,
    RunFolderError,
    append_bytes,
    atomic_write_text,
    check_out_dir,
    check_path_lengths,
    cause,
    clean_temp_files,
    ensure_free_space,
    failpoint,
    fsync_path,
    is_disk_full,
    run_lock,
)
from .saving import WEIGHT_FILES, read_config
from .speed import resolve_jit, resolve_precision

__all__ = ["RunFolderError", "DamagedFileError", "DiskFullError", "train", "load_run",
           "JIT_MODES",
           "read_history", "build_model", "make_checkpoint", "current_step",
           "find_checkpoints", "DigitAccuracyMonitor", "MAX_STEPS"]

HISTORY_COLUMNS = ["step", "seconds", "d_loss", "g_loss", "info_cat", "info_cont",
                   "mi_lower_bound", "digit_acc", "digit_acc_many", "slant_share"]
CR_COLUMNS = ["cr_loss"]
"""Extra history columns of a run with the contrastive regulariser on."""


def history_columns(config: InfoGANConfig) -> list[str]:
    """The columns of a new run's history.csv: :data:`HISTORY_COLUMNS`, plus
    :data:`CR_COLUMNS` when ``config.contrastive_weight`` > 0."""
    return HISTORY_COLUMNS + (CR_COLUMNS if config.contrastive_weight > 0 else [])


def build_model(config: InfoGANConfig, strategy: tf.distribute.Strategy | None = None,
                jit_compile=False):
    """An InfoGAN with its optimisers, created under ``strategy`` when given; its
    training step is compiled with XLA if :func:`resolve_jit` says so (``"auto"`` under
    a strategy over several devices: not compiled)."""
    keras.utils.set_random_seed(config.seed)
    scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
    # "auto" keeps XLA off under a strategy over several devices (not measured there)
    several = strategy is not None and strategy.num_replicas_in_sync > 1
    xla = False if (several and jit_compile == "auto") else resolve_jit(jit_compile, config)
    with scope:
        model = InfoGAN(config)
        model.compile(jit_compile=xla)
    return model


def checkpoint_object(model: InfoGAN) -> tf.train.Checkpoint:
    """The tf.train.Checkpoint of every network (``InfoGAN.networks``, by its name) and
    both optimisers."""
    return tf.train.Checkpoint(**model.networks, d_optimizer=model.d_optimizer,
                               g_optimizer=model.g_optimizer)


def make_checkpoint(model: InfoGAN, folder, checkpoint=None) -> tf.train.CheckpointManager:
    """A CheckpointManager over the networks and both optimisers (keeps the last 2)."""
    checkpoint = checkpoint if checkpoint is not None else checkpoint_object(model)
    return tf.train.CheckpointManager(checkpoint, str(Path(folder) / "checkpoints"),
                                      max_to_keep=2)


SETTINGS_KEY = "run_settings/.ATTRIBUTES/VARIABLE_VALUE"
"""Where a checkpoint holds the run's settings: {"config": the InfoGANConfig with its
precision resolved, "jit": whether the step was compiled with XLA}, as JSON."""


def _record_settings(checkpoint: tf.train.Checkpoint, config: InfoGANConfig, xla: bool):
    """Make every checkpoint saved from now on carry the run's settings (after any
    restore: a checkpoint written before they were recorded still restores)."""
    text = json.dumps({"config": config.to_dict(), "jit": bool(xla)}, sort_keys=True)
    with tf.device("/cpu:0"):
        checkpoint.run_settings = tf.Variable(text, trainable=False, dtype=tf.string)
    checkpoint.run_settings.assign(text)


def checkpoint_settings(prefix: str):
    """The settings recorded in the checkpoint ``prefix`` ({"config": InfoGANConfig,
    "jit": bool}), or None for a checkpoint written before they were recorded."""
    reader = tf.train.load_checkpoint(prefix)
    if SETTINGS_KEY not in reader.get_variable_to_dtype_map():
        return None
    raw = json.loads(reader.get_tensor(SETTINGS_KEY).decode("utf-8"))
    return {"config": InfoGANConfig.from_dict(raw["config"]), "jit": bool(raw["jit"])}


def current_step(model: InfoGAN) -> int:
    """Training steps taken so far (the generator optimiser's iteration count)."""
    return int(model.g_optimizer.iterations.numpy())


# ---------------------------------------------------------------------- checkpoints
_CKPT_FILE = re.compile(r"^ckpt-(\d+)\.(index|data-\d+-of-\d+)$")


def find_checkpoints(folder) -> list:
    """Step numbers of the checkpoint files in ``folder/checkpoints``, newest first.

    Found from the ``ckpt-N.*`` files themselves, not from the ``checkpoint`` state
    file (which may be missing or garbled)."""
    where = Path(folder) / "checkpoints"
    if not where.is_dir():
        return []
    steps = {int(m.group(1)) for p in where.iterdir() if (m := _CKPT_FILE.match(p.name))}
    return sorted(steps, reverse=True)


def _checkpoint_problem(prefix: str) -> str | None:
    """None when every tensor of the checkpoint reads back with a valid checksum, else a
    short reason."""
    if not os.path.exists(prefix + ".index"):
        return "its .index file is missing"
    try:
        reader = tf.train.load_checkpoint(prefix)
        names = reader.get_variable_to_dtype_map()
        for part in ("generator/", "trunk/", "g_optimizer/", "d_optimizer/"):
            if not any(n.startswith(part) for n in names):
                return f"it holds no {part.rstrip('/')}"
        for name in names:
            reader.get_tensor(name)  # checks each tensor's crc32c
        if SETTINGS_KEY in names:
            checkpoint_settings(prefix)
    except Exception as err:  # DataLossError, NotFoundError, OutOfRangeError, ...
        return f"{type(err).__name__}: {cause(err)}"
    return None


def _misfit(settings, config: InfoGANConfig) -> str | None:
    """Why a checkpoint with recorded ``settings`` is not of the run of ``config`` (None
    when it is, or when it records none: then only restoring it can tell)."""
    if settings is None:
        return None
    theirs, ours = settings["config"].to_dict(), config.to_dict()
    if config.precision == "auto":  # a run from before the precision was recorded
        theirs.pop("precision"), ours.pop("precision")
    diff = {k: (v, ours[k]) for k, v in theirs.items() if ours[k] != v}
    return (f"it was written by a run with other settings (field: (checkpoint's, run's)) "
            f"{diff}" if diff else None)


def _choose_checkpoint(folder, config, say=print, fit=None):
    """The newest checkpoint in ``folder`` that reads back intact and fits the run.

    ``config``: the run's InfoGANConfig, or None when config.json is lost: then the
    newest intact checkpoint's recorded settings are the run's. ``fit(step, prefix,
    settings)`` may reject a candidate by returning a reason (e.g. it does not restore).
    Returns ``(chosen, config, damaged, misfits)``: chosen is (step, prefix, settings)
    or None; damaged and misfits are lists of (step, reason). Prints one notice per
    newer checkpoint passed over."""
    where = Path(folder) / "checkpoints"
    damaged, misfits, chosen = [], [], None
    for step in find_checkpoints(folder):
        prefix = str(where / f"ckpt-{step}")
        problem = _checkpoint_problem(prefix)
        if problem is not None:
            damaged.append((step, problem))
            continue
        settings = checkpoint_settings(prefix)
        if config is None:
            if settings is None:
                raise RunFolderError(
                    f"{Path(folder) / 'config.json'} is missing, and checkpoint ckpt-{step} "
                    f"was written before checkpoints recorded the run's settings, so they "
                    f"cannot be recovered or checked. Restore config.json, or pass "
                    f"restart=True (--restart) to discard this run and train again from "
                    f"step 0. Nothing was changed.")
            config = settings["config"]
            say(f"notice: {Path(folder) / 'config.json'} is missing; the run's settings "
                f"are read back from checkpoint ckpt-{step}", flush=True)
        why = _misfit(settings, config) or (fit(step, prefix, settings) if fit else None)
        if why is not None:
            misfits.append((step, why))
            continue
        chosen = (step, prefix, settings)
        break
    if chosen is not None:
        for step, why in damaged:
            say(f"notice: checkpoint ckpt-{step} in {where} is damaged ({why}); falling "
                f"back to ckpt-{chosen[0]}, the newest valid one", flush=True)
        for step, why in misfits:
            say(f"notice: checkpoint ckpt-{step} in {where} does not fit this run ({why}); "
                f"falling back to ckpt-{chosen[0]}, the newest that fits", flush=True)
    return chosen, config, damaged, misfits


def _write_state_file(folder, steps: list) -> None:
    """Rewrite ``checkpoints/checkpoint`` (TensorFlow's state file) for the valid
    checkpoints ``steps`` (ascending), atomically.

    Each checkpoint's time (its index file's) is written too: the CheckpointManager of
    the resumed run deletes only the checkpoints it finds with a time, so without them
    every checkpoint from before the resume would stay on disk for good, beyond the two
    kept (160 MB each at the paper's size)."""
    checkpoints = Path(folder) / "checkpoints"
    lines = [f'model_checkpoint_path: "ckpt-{steps[-1]}"']
    lines += [f'all_model_checkpoint_paths: "ckpt-{s}"' for s in steps]
    lines += [f"all_model_checkpoint_timestamps: "
              f"{(checkpoints / f'ckpt-{s}.index').stat().st_mtime!r}" for s in steps]
    atomic_write_text(checkpoints / "checkpoint", "\n".join(lines) + "\n")


def _checkpoint_bytes(model: InfoGAN) -> int:
    variables = [w for net in model.networks.values() for w in net.weights]
    variables += model.d_optimizer.variables + model.g_optimizer.variables
    return sum(int(np.prod(v.shape)) * np.dtype(getattr(v.dtype, "name", v.dtype)).itemsize
               for v in variables)


class CheckpointEvery(keras.callbacks.Callback):
    """Save a checkpoint at the end of every ``every`` Keras epochs (and at the end).

    Free space is checked first; each checkpoint is fsynced once written. A failed save
    (a full disk) removes its partial files and stops training with one clear error."""

    def __init__(self, manager, every: int = 1):
        super().__init__()
        self.manager, self.every = manager, every
        self.folder = Path(manager.directory)
        self.size = None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.save(current_step(self.model))

    def on_train_end(self, logs=None):
        step = current_step(self.model)
        latest = self.manager.latest_checkpoint
        if latest is None or not latest.endswith(f"-{step}"):
            self.save(step)

    def save(self, step: int) -> None:
        if self.size is None:
            self.size = _checkpoint_bytes(self.model)
        fix = (f"Free some space, then run the same command again: it resumes from the "
               f"last checkpoint.")
        self.folder.mkdir(exist_ok=True)
        ensure_free_space(self.folder, self.size, f"the checkpoint at step {step}", fix)
        failpoint(f"checkpoint:{step}")
        try:
            path = self.manager.save(checkpoint_number=step)
        except (tf.errors.OpError, OSError) as err:
            for p in self.folder.glob(f"ckpt-{step}*"):
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
            full = is_disk_full(err)
            raise (DiskFullError if full else RunFolderError)(
                f"writing the checkpoint at step {step} into {self.folder} failed "
                f"({cause(err)}); its partial files were removed. "
                f"{fix if full else 'Once that is fixed, run the same command again: it resumes from the last checkpoint.'}"
            ) from err
        for p in self.folder.glob(Path(path).name + ".*"):
            fsync_path(p)
        fsync_path(self.folder)


# ---------------------------------------------------------------------- history
def _parse_history(path: Path, fix: str):
    """Read history.csv strictly: (columns, rows, cut) where rows are (step, seconds,
    end offset) of complete rows and cut the end offset of the header. A torn last line
    (a killed append) is ignored; any other damage raises DamagedFileError."""
    data = path.read_bytes()
    if not data:
        return None, [], 0
    lines, pos, rows, columns, cut = data.split(b"\n"), 0, [], None, 0
    complete = lines[:-1]  # the part after the last newline is a torn append (or b"")
    for number, raw in enumerate(complete, start=1):
        end = pos + len(raw) + 1
        try:
            text = raw.decode("ascii")
            fields = next(csv.reader([text]))
            if number == 1:
                known = set(HISTORY_COLUMNS) | set(CR_COLUMNS)
                if fields[:2] != ["step", "seconds"] or not set(fields) <= known:
                    raise ValueError("not the history.csv header")
                columns, cut = fields, end
            else:
                if len(fields) != len(columns):
                    raise ValueError(f"{len(fields)} fields, expected {len(columns)}")
                step, seconds = int(fields[0]), float(fields[1])
                for f in fields[2:]:
                    if f != "":
                        float(f)
                if step < 1 or (rows and step <= rows[-1][0]):
                    raise ValueError(f"step {step} does not follow step "
                                     f"{rows[-1][0] if rows else 0}")
                rows.append((step, seconds, end))
        except (UnicodeDecodeError, ValueError, StopIteration) as err:
            shown = raw[:60].decode("ascii", "replace")
            raise DamagedFileError(f"{path} line {number} is damaged ({err}: {shown!r}). "
                                   f"{fix}") from None
        pos = end
    if columns is None:  # a single torn line and nothing else
        return None, [], 0
    return columns, rows, cut


class StepHistory(keras.callbacks.Callback):
    """Append one CSV row per Keras epoch: step, wall time, and the mean metrics.

    Rows are appended and fsynced one at a time; the file is never rewritten."""

    def __init__(self, path, steps_per_epoch: int, start_step: int = 0,
                 columns=HISTORY_COLUMNS, seconds_offset: float = 0.0):
        super().__init__()
        self.path, self.steps_per_epoch = Path(path), steps_per_epoch
        self.columns = list(columns)
        self.t0 = time.perf_counter() - seconds_offset

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        row = {"step": (epoch + 1) * self.steps_per_epoch,
               "seconds": round(time.perf_counter() - self.t0, 2), **logs}
        buf = io.StringIO()
        csv.DictWriter(buf, fieldnames=self.columns, extrasaction="ignore", restval="",
                       lineterminator="\n").writerow(row)
        # every byte is checked; a failed append is cut back and named
        append_bytes(self.path, buf.getvalue().encode("ascii"), fault=f"history:{row['step']}")


def read_history(path) -> dict:
    """history.csv as a dict of NumPy arrays (one per column)."""
    with Path(path).open() as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([float(r[k]) if r[k] != "" else np.nan for r in rows])
            for k in (rows[0] if rows else {})}


# ---------------------------------------------------------------------- train
def train(config: InfoGANConfig, steps: int, out_dir, *, resume: bool = True,
          restart: bool = False, log_every: int = 100, checkpoint_every: int = 500,
          images=None, strategy: tf.distribute.Strategy | None = None,
          verbose: int | str = "auto", callbacks=(), command: str | None = None,
          jit_compile="auto") -> InfoGAN:
    """Train InfoGAN for ``steps`` steps in total, checkpointing into ``out_dir``.

    If ``out_dir`` already holds a run of the same config, training continues from its
    newest valid checkpoint (``resume=True``) up to ``steps`` in total. A folder with
    another config, ``resume=False`` on a folder that holds a run, or a run whose
    checkpoints are all missing or damaged raises :class:`RunFolderError` and changes
    nothing; ``restart=True`` discards the run in the folder and starts again from step
    0. ``images``: uint8 (n, 28, 28); default MNIST's training set. ``command`` (the
    command line, if any) is appended to ``out_dir/commands.txt``. ``jit_compile``:
    compile the step with XLA ("auto", "on", "off"; see :func:`resolve_jit`).

    ``precision="auto"`` and ``jit_compile="auto"`` are resolved once, when the run
    begins, and kept on resume (recorded in config.json and in each checkpoint), so a
    resumed run computes as it began. A run begun in mixed_bfloat16 on a machine without
    native bfloat16 is refused with "pass precision='mixed_bfloat16'"; an explicit
    jit_compile other than the run's is used, with a notice (same algorithm, not
    bitwise).
    """
    if not isinstance(config, InfoGANConfig):
        raise ValueError(f"config must be an InfoGANConfig, got {type(config).__name__}")
    check_schedule(steps, log_every, checkpoint_every)
    resolve_jit(jit_compile, config)  # a bad value fails here, before anything changes
    if images is None:
        (images, _), _ = load_mnist()
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 of shape (n, 28, 28) as load_mnist returns, "
                         f"got {images.dtype} {images.shape}")
    if config.batch_size > len(images):
        raise ValueError(f"batch_size must be at most the number of training images "
                         f"({len(images)}), got {config.batch_size}")
    replicas = strategy.num_replicas_in_sync if strategy is not None else 1
    if config.batch_size % replicas:
        raise ValueError(f"batch_size ({config.batch_size}) must be a multiple of the number "
                         f"of devices ({replicas}): each device takes an equal share of a "
                         f"batch")
    out = check_out_dir(out_dir)
    check_path_lengths(out, steps)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RunFolderError(f"cannot create {out} ({err.strerror}); choose a folder you "
                             f"can write to.") from err
    run = _Run(config=config, steps=steps, out=out, resume=resume, restart=restart,
               log_every=log_every, checkpoint_every=checkpoint_every, images=images,
               strategy=strategy, verbose=verbose, callbacks=list(callbacks),
               command=command, jit_compile=jit_compile)
    with run_lock(out):
        return _train_locked(run)


def _step_ranges(steps: list, every: int) -> str:
    """[30, 40, 70] with every=10 -> "30-40, 70"."""
    parts, first, last = [], None, None
    for st in steps:
        if first is not None and st == last + every:
            last = st
            continue
        if first is not None:
            parts.append(f"{first}-{last}" if last != first else f"{first}")
        first = last = st
    if first is not None:
        parts.append(f"{first}-{last}" if last != first else f"{first}")
    return ", ".join(parts)


RESTART_HINT = ("Restore it, or pass restart=True (--restart) to discard this run and train "
                "again from step 0.")


@dataclasses.dataclass
class _Run:
    """One call of :func:`train`: its arguments, then what the run folder holds and what
    was decided from it (filled in by the steps of :func:`_train_locked`)."""

    config: InfoGANConfig
    steps: int
    out: Path
    resume: bool
    restart: bool
    log_every: int
    checkpoint_every: int
    images: np.ndarray
    strategy: tf.distribute.Strategy | None
    verbose: int | str
    callbacks: list
    command: str | None
    jit_compile: object
    saved: InfoGANConfig | None = None  # config.json
    columns: list | None = None  # history.csv: header, rows (step, seconds, end), header end
    rows: list = dataclasses.field(default_factory=list)
    header_end: int = 0
    ckpt_steps: list = dataclasses.field(default_factory=list)
    finals: list = dataclasses.field(default_factory=list)
    chosen: tuple | None = None  # (step, prefix, settings) of the checkpoint to resume
    damaged: list = dataclasses.field(default_factory=list)  # (step, why) passed over
    misfits: list = dataclasses.field(default_factory=list)
    xla: bool = False
    resumed: bool = False  # the folder holds a run (config.json or a checkpoint)
    asked: str = ""  # the precision asked for, before "auto" is resolved

    def __post_init__(self):
        self.asked = self.config.precision

    @property
    def history(self) -> Path:
        return self.out / "history.csv"

    @property
    def start(self) -> int:
        return self.chosen[0] if self.chosen else 0

    def no_checkpoint_fits(self) -> RunFolderError:
        """The error when every checkpoint was passed over (damaged, or of another run)."""
        listed = "; ".join(f"ckpt-{s}: {why}" for s, why in self.damaged + self.misfits)
        where = self.out / "checkpoints"
        if not self.misfits:
            return DamagedFileError(f"every checkpoint in {where} is damaged ({listed}). "
                                    f"{RESTART_HINT}")
        return RunFolderError(f"no checkpoint in {where} is both intact and of this run "
                              f"({listed}). {RESTART_HINT} Nothing was changed.")


def _train_locked(run: _Run) -> InfoGAN:
    """Train under the folder's lock: read and judge everything first (nothing changes
    before that passes), then change the folder, then fit."""
    for p in clean_temp_files(run.out):
        print(f"notice: removed {p}, left over by a run that was stopped while writing it",
              flush=True)
    _read_folder(run)
    _choose_resume(run)
    _resolve_speed(run)
    model, checkpoint = _restore(run)
    _check_start(run)
    # ---- from here on the folder changes
    _write_settings_and_state(run)
    seconds_offset = _cut_history(run)
    manager = make_checkpoint(model, run.out, checkpoint)
    _record_settings(checkpoint, run.config, run.xla)
    if run.chosen is not None:
        print(f"resuming {run.out} from step {run.start} (checkpoint {run.chosen[1]})",
              flush=True)
    assert current_step(model) == run.start
    if run.start < run.steps:
        # The same shuffled stream as a run that never stopped, replayed to the start.
        dataset = make_dataset(run.images, run.config.batch_size, seed=run.config.seed,
                               repeat=True, skip_batches=run.start)
        # Under a strategy, fit() splits each global batch across the replicas itself.
        model.fit(
            dataset, epochs=run.steps // run.log_every,
            initial_epoch=run.start // run.log_every, steps_per_epoch=run.log_every,
            verbose=run.verbose, shuffle=False,
            callbacks=[*run.callbacks,
                       StepHistory(run.history, run.log_every, run.start, run.columns,
                                   seconds_offset),
                       CheckpointEvery(manager, run.checkpoint_every // run.log_every)],
        )
    model.save_networks(run.out)
    return model


def _read_folder(run: _Run) -> None:
    """Read config.json, history.csv and the checkpoint list (or, with restart, remove
    them); refuse resume=False on a folder that holds a run."""
    out, cfg_path = run.out, run.out / "config.json"
    if cfg_path.exists() and not run.restart:
        run.saved = read_config(cfg_path, "Delete it and run the same command again: the "
                                          "run's settings are read back from its newest "
                                          "checkpoint (a command with other settings is "
                                          "refused); or choose another folder.")
    if run.history.exists() and not run.restart:
        run.columns, run.rows, run.header_end = _parse_history(
            run.history, "Fix or delete that line, or move the file aside to resume "
                         "without it.")
    run.ckpt_steps = find_checkpoints(out)
    run.finals = [n for n in WEIGHT_FILES if (out / n).exists()]
    if run.restart:
        removed = [p for p in [out / "checkpoints", run.history, cfg_path,
                               *[out / n for n in run.finals],
                               *[out / (n + ".sha256") for n in WEIGHT_FILES]] if p.exists()]
        if removed:
            print(f"restarting {out} from step 0 as asked: removing "
                  f"{', '.join(p.name for p in removed)}", flush=True)
        for p in removed:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
        run.ckpt_steps, run.finals = [], []
    if not run.resume and (run.ckpt_steps or run.rows or run.finals):
        what = (f"checkpoints (up to step {run.ckpt_steps[0]})" if run.ckpt_steps else
                f"history rows (up to step {run.rows[-1][0]})" if run.rows else
                "final networks")
        raise RunFolderError(
            f"{out} already holds {what}; pass resume=True (leave out --no-resume) to "
            f"continue that run, restart=True (--restart) to discard it and start again, "
            f"or choose another output folder. Nothing was changed.")


def _choose_resume(run: _Run) -> None:
    """The run's settings (config.json, or those its newest checkpoint records when it
    is lost) and the checkpoint to resume from (a checkpoint of other settings is passed
    over for the newest that fits); refuse a command whose settings differ."""
    run_config = run.saved
    if run.ckpt_steps:
        run.chosen, run_config, run.damaged, run.misfits = _choose_checkpoint(run.out,
                                                                              run.saved)
    if run_config is not None:
        requested = run.config
        if requested.precision == "auto" and run_config.precision != "auto":
            requested = requested.replace(precision=run_config.precision)  # kept on resume
        if requested != run_config:
            diff = {k: (v, requested.to_dict()[k]) for k, v in run_config.to_dict().items()
                    if requested.to_dict()[k] != v}
            source = "its config.json" if run.saved is not None else "its newest checkpoint"
            raise RunFolderError(
                f"{run.out} holds a run with another config (field: (saved, requested)) "
                f"{diff}, as {source} records. Choose another output folder, or repeat "
                f"the saved settings to resume. Nothing was changed.")
        run.config = requested
        run.resumed = True
    if run.chosen is None and (run.damaged or run.misfits):
        raise run.no_checkpoint_fits()


def _resolve_speed(run: _Run) -> None:
    """Precision and XLA are the run's settings too: "auto" is resolved once, when the
    run begins, and kept on resume."""
    settings = run.chosen[2] if run.chosen else None
    if run.config.precision == "auto":
        recorded = settings["config"].precision if settings else None
        run.config = run.config.replace(precision=recorded or resolve_precision("auto"))
    if (run.asked == "auto" and run.resumed and run.config.precision == "mixed_bfloat16"
            and resolve_precision("auto") != "mixed_bfloat16"):
        raise RunFolderError(
            f"the run in {run.out} trains in mixed_bfloat16 (what --precision auto chose "
            f"on the machine that began it), but this machine has no native bfloat16, "
            f"where auto means float32: going on in float32 would change the run's "
            f"arithmetic. Pass --precision mixed_bfloat16 (precision='mixed_bfloat16') to "
            f"go on in bfloat16 here (emulated, slower), or resume on a machine with "
            f"bfloat16. Nothing was changed.")
    several = run.strategy is not None and run.strategy.num_replicas_in_sync > 1
    recorded_jit = settings["jit"] if settings else None
    if run.jit_compile == "auto" and recorded_jit is not None:
        run.xla = recorded_jit
        return
    run.xla = (False if (several and run.jit_compile == "auto")
               else resolve_jit(run.jit_compile, run.config))
    if recorded_jit is not None and run.xla != recorded_jit:
        print(f"notice: the run in {run.out} was compiled with XLA "
              f"{'on' if recorded_jit else 'off'} so far; it goes on with XLA "
              f"{'on' if run.xla else 'off'} as asked (the same algorithm; the numbers are "
              f"no longer bitwise those of a run that never stopped)", flush=True)


def _restore(run: _Run):
    """(model, checkpoint) restored from the chosen checkpoint, before anything changes:
    a checkpoint that does not restore into this run's networks (written before
    settings were recorded) is passed over too."""
    model = build_model(run.config, run.strategy, run.xla)
    checkpoint = checkpoint_object(model)
    unrestorable = []
    while run.chosen is not None:
        try:
            checkpoint.restore(run.chosen[1]).assert_existing_objects_matched()
            break
        except (AssertionError, ValueError, tf.errors.OpError) as err:
            failed = run.chosen[0]
            unrestorable.append((failed, f"it does not restore into this run's networks: "
                                         f"{cause(err)}"))
            model = build_model(run.config, run.strategy, run.xla)  # fresh, not half-restored
            checkpoint = checkpoint_object(model)
            run.chosen = _choose_checkpoint(
                run.out, run.config, say=lambda *a, **k: None,
                fit=lambda step, prefix, st: "tried" if step >= failed else None)[0]
    if unrestorable:
        run.misfits += unrestorable
        if run.chosen is None:
            raise run.no_checkpoint_fits()
        for step, why in unrestorable:
            print(f"notice: checkpoint ckpt-{step} in {run.out / 'checkpoints'} does not fit "
                  f"this run ({why}); falling back to ckpt-{run.chosen[0]}, the newest that "
                  f"fits", flush=True)
    return model, checkpoint


def _check_start(run: _Run) -> None:
    """Refuse a start that would lose work or cannot be resumed as asked."""
    out, start = run.out, run.start
    if run.chosen is None and ((run.rows and run.rows[-1][0] >= run.checkpoint_every)
                               or run.finals):
        have = f"history up to step {run.rows[-1][0]}" if run.rows else "final networks"
        raise RunFolderError(
            f"{out} holds {have} but no checkpoint to resume from ({out / 'checkpoints'} "
            f"is missing or empty): training from step 0 would lose that work. Restore the "
            f"checkpoints, or pass restart=True (--restart) to discard this run and train "
            f"again from step 0. Nothing was changed.")
    if start % run.log_every:
        raise RunFolderError(f"checkpoint step {start} is not a multiple of log_every "
                             f"{run.log_every}; resume with the log_every of the original "
                             f"run")
    if start > run.steps:
        raise RunFolderError(f"the run in {out} is already at step {start}, beyond the "
                             f"{run.steps} steps asked for; steps is the total, so ask for "
                             f"at least {start}. Nothing was changed.")


def _write_settings_and_state(run: _Run) -> None:
    """config.json (a new run, a lost file, or a precision now resolved), the command
    line, and TensorFlow's list of the checkpoints kept."""
    out, start = run.out, run.start
    if run.saved != run.config:
        run.config.save(out / "config.json")
    if run.command:
        append_bytes(out / "commands.txt", (run.command + "\n").encode("utf-8"))
    passed_over = {s for s, _ in run.damaged + run.misfits}
    kept = [s for s in sorted(run.ckpt_steps) if s <= start and s not in passed_over]
    state = out / "checkpoints" / "checkpoint"
    if run.chosen is None:
        state.unlink(missing_ok=True)
        return
    try:
        text = state.read_text()
    except (OSError, UnicodeDecodeError):
        text = ""
    if f'model_checkpoint_path: "ckpt-{start}"' not in text and not passed_over:
        print(f"notice: {state} (TensorFlow's list of checkpoints) was missing or "
              f"damaged; found ckpt-{start} from the files and rewrote it", flush=True)
    _write_state_file(out, kept)


def _cut_history(run: _Run) -> float:
    """Keep history.csv's rows up to the resumed step and cut the rest (new rows are
    appended from there); a missing file starts with its header. Returns the seconds
    of the last row kept."""
    history, start, every = run.history, run.start, run.log_every
    keep = [r for r in run.rows if r[0] <= start]
    if run.columns is None:
        if start:
            print(f"notice: {history} is missing or empty: the rows before step {start} "
                  f"are lost; new rows are appended from step {start}", flush=True)
        run.columns = history_columns(run.config)
        atomic_write_text(history, ",".join(run.columns) + "\n")
        return 0.0
    have = {r[0] for r in keep}
    lost = [s for s in range(every, start + 1, every) if s not in have]
    if lost:
        print(f"notice: {history} has no rows for steps {_step_ranges(lost, every)} "
              f"(they were lost); the run resumes from step {start} and new rows are "
              f"appended from there, so the history has a gap", flush=True)
    cut = keep[-1][2] if keep else run.header_end
    if history.stat().st_size != cut:
        if not start and run.rows:
            print(f"notice: no checkpoint yet in {run.out}; training again from step 0 "
                  f"(history rows up to step {run.rows[-1][0]} are redone)", flush=True)
        try:
            os.truncate(history, cut)
            fsync_path(history)
        except OSError as err:
            raise RunFolderError(f"cutting {history} back to step {start} failed "
                                 f"({cause(err)}).") from err
    return keep[-1][1] if keep else 0.0


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
    """The model of a run folder at its newest valid checkpoint (works while it still
    trains; a damaged newest checkpoint, or one of another run, is skipped with a
    notice). When config.json is lost, the settings recorded in the checkpoint are used.

    Falls back to the final weight files when the folder has no checkpoints.
    ``precision`` overrides the run's precision for inference (None keeps it).
    """
    folder = Path(folder)
    cfg_path = folder / "config.json"
    saved = (read_config(cfg_path, "Restore it (it holds the run's settings) to load this "
                                   "run.") if cfg_path.exists() else None)
    if saved is None and not find_checkpoints(folder):
        raise FileNotFoundError(f"{cfg_path} is missing: {folder} is not a run "
                                f"folder written by `python -m infogan_utils train`.")
    # Notices go to stderr: `evaluate --run` prints its JSON on stdout.
    chosen, config, damaged, misfits = _choose_checkpoint(
        folder, saved, say=lambda *a, **k: print(*a, **{**k, "file": sys.stderr}))
    if chosen is None:
        if damaged or misfits:
            listed = "; ".join(f"ckpt-{s}: {why}" for s, why in damaged + misfits)
            raise DamagedFileError(f"no checkpoint in {folder / 'checkpoints'} is both "
                                   f"intact and of this run ({listed}).")
        return InfoGAN.load_networks(folder, **({"precision": precision} if precision else {}))
    if precision is not None:
        config = config.replace(precision=precision)
    elif config.precision == "auto" and chosen[2] is not None:
        config = config.replace(precision=chosen[2]["config"].precision)
    model = build_model(config)
    try:
        status = checkpoint_object(model).restore(chosen[1])
        status.expect_partial()
        status.assert_existing_objects_matched()
    except (AssertionError, ValueError, tf.errors.OpError) as err:
        raise RunFolderError(f"checkpoint {chosen[1]} does not fit the run's settings in "
                             f"{cfg_path} ({cause(err)}).") from None
    return model
