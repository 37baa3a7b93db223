"""Training runs that cannot lose work: ``train(config, steps, out_dir)``.

A run folder holds::

    config.json          the InfoGANConfig of the run (a resumed run must match it)
    checkpoints/         tf.train.Checkpoint files: all weights, both optimisers' state
                         and the step counter, written every ``checkpoint_every`` steps
    history.csv          one row per ``log_every`` steps: mean losses and L_I over them
    generator.weights.h5, discriminator.weights.h5   the final networks (+ .sha256)
    train.lock           locked (fcntl.flock) while a process trains in the folder

Running the same command again after a crash (even ``kill -9``) resumes from the newest
valid checkpoint, found from the files themselves (a lost or garbled ``checkpoints/
checkpoint`` state file does not matter; a damaged newest checkpoint is skipped with a
notice), and ends bitwise identical to a run that never stopped: same weights, same Adam
moments, same step count, same codes and the same data order from then on (the shuffled
stream is replayed to the resumed step). ``history.csv`` is only appended to; on resume
it is cut back to the resumed step. One process at a time may train in a folder.
Every file is written under a temporary name, fsynced and renamed; free space is checked
before each checkpoint.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import shutil
import sys
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from .config import JIT_MODES, InfoGANConfig
from .data import load_mnist, make_dataset
from .infogan import InfoGAN, read_config
from .models import cpu_has_avx512, resolve_precision
from .runfolder import (
    DamagedFileError,
    DiskFullError,
    RunFolderError,
    atomic_write_text,
    clean_temp_files,
    ensure_free_space,
    failpoint,
    fsync_path,
    run_lock,
)

__all__ = ["RunFolderError", "DamagedFileError", "DiskFullError", "train", "load_run",
           "resolve_jit", "JIT_MODES",
           "read_history", "build_model", "make_checkpoint", "current_step",
           "find_checkpoints", "DigitAccuracyMonitor", "MAX_STEPS"]

MAX_STEPS = 100_000_000
"""The largest ``steps`` :func:`train` accepts (anything above is surely a typo)."""
HISTORY_COLUMNS = ["step", "seconds", "d_loss", "g_loss", "info_cat", "info_cont",
                   "mi_lower_bound", "digit_acc", "digit_acc_many", "slant_share"]
CR_COLUMNS = ["cr_loss"]
"""Extra history columns of a run with the contrastive regulariser on."""
WEIGHT_FILES = ("generator.weights.h5", "discriminator.weights.h5")


def history_columns(config: InfoGANConfig) -> list[str]:
    """The columns of a new run's history.csv: :data:`HISTORY_COLUMNS`, plus
    :data:`CR_COLUMNS` when ``config.contrastive_weight`` > 0."""
    return HISTORY_COLUMNS + (CR_COLUMNS if config.contrastive_weight > 0 else [])


def resolve_jit(jit_compile, config: InfoGANConfig) -> bool:
    """Whether the training step is compiled with XLA: ``"on"``/True, ``"off"``/False, or
    ``"auto"``: on where the step computes in float32 on a CPU without AVX-512 (most
    laptops: XLA fuses the element-wise ops that dominate there), off elsewhere:
    bfloat16 (oneDNN's kernels are faster), AVX-512 CPUs (XLA measured no faster, and it
    compiles for seconds) and GPUs (not measured). Measurements: docs/reproducibility.md,
    "The fastest path per machine"."""
    if jit_compile in (True, "on"):
        return True
    if jit_compile in (False, "off"):
        return False
    if jit_compile != "auto":
        raise ValueError(f"jit_compile must be one of {', '.join(JIT_MODES)} (or True/False), "
                         f"got {jit_compile!r}")
    on_gpu = bool(tf.config.list_physical_devices("GPU"))
    return (resolve_precision(config.precision) == "float32" and not on_gpu
            and not cpu_has_avx512())


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


def make_checkpoint(model: InfoGAN, folder) -> tf.train.CheckpointManager:
    """A CheckpointManager over the networks and both optimisers (keeps the last 2)."""
    extra = {"cr_head": model.cr_head} if getattr(model, "cr_head", None) is not None else {}
    ckpt = tf.train.Checkpoint(generator=model.generator, trunk=model.trunk,
                               d_head=model.d_head, q_head=model.q_head,
                               d_optimizer=model.d_optimizer, g_optimizer=model.g_optimizer,
                               **extra)  # the contrastive head only when it is on
    return tf.train.CheckpointManager(ckpt, str(Path(folder) / "checkpoints"), max_to_keep=2)


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
    except Exception as err:  # DataLossError, NotFoundError, OutOfRangeError, ...
        return f"{type(err).__name__}: {str(err).splitlines()[0][:150]}"
    return None


def _newest_valid_checkpoint(folder, say=print):
    """(step, prefix) of the newest checkpoint that reads back intact, or None; prints
    one notice per damaged newer checkpoint. Also returns the damaged ones."""
    where = Path(folder) / "checkpoints"
    damaged = []
    for step in find_checkpoints(folder):
        prefix = str(where / f"ckpt-{step}")
        problem = _checkpoint_problem(prefix)
        if problem is None:
            if damaged:
                say(f"notice: checkpoint ckpt-{damaged[0][0]} in {where} is damaged "
                    f"({damaged[0][1]}); falling back to ckpt-{step}, the newest valid one",
                    flush=True)
            return (step, prefix), damaged
        damaged.append((step, problem))
    return None, damaged


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
    variables = (model.generator.weights + model.trunk.weights + model.d_head.weights
                 + model.q_head.weights + model.d_optimizer.variables
                 + model.g_optimizer.variables)
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
            raise DiskFullError(
                f"writing the checkpoint at step {step} into {self.folder} failed "
                f"({str(err).splitlines()[0][:160]}); its partial files were removed. {fix}"
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
        line = buf.getvalue().encode("ascii")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        size = os.fstat(fd).st_size
        try:
            if os.environ.get("INFOGAN_FAULT") == f"history:{row['step']}":
                os.write(fd, line[: len(line) // 2])
                failpoint(f"history:{row['step']}")
            os.write(fd, line)
            os.fsync(fd)
        except OSError as err:
            os.ftruncate(fd, size)
            raise DiskFullError(f"appending step {row['step']} to {self.path} failed "
                                f"({err.strerror}); the file was left as it was. Free some "
                                f"space and run the same command again.") from err
        finally:
            os.close(fd)


def read_history(path) -> dict:
    """history.csv as a dict of NumPy arrays (one per column)."""
    with Path(path).open() as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([float(r[k]) if r[k] != "" else np.nan for r in rows])
            for k in (rows[0] if rows else {})}


# ---------------------------------------------------------------------- train
def _check_int(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer in [{low}, {high:,}], got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in [{low}, {high:,}], got {value:,}")


def check_out_dir(out_dir) -> Path:
    """``out_dir`` as a Path, after checking that it is a folder that can be created or
    written (nothing is created here)."""
    if out_dir is None or not str(out_dir).strip():
        raise ValueError("the output folder is empty; give a folder name, e.g. runs/mine")
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise RunFolderError(f"{out} is a file, not a folder; choose another output folder.")
    probe = out
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise RunFolderError(f"cannot create {out}: {probe} is a file, not a folder.")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise RunFolderError(f"cannot write to {probe} (permission denied or read-only), so "
                             f"{out} cannot be used; choose a folder you can write to.")
    return out


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
    compile the step with XLA ("auto", "on", "off"; see :func:`resolve_jit`). It changes
    the speed, not the algorithm, so a run may resume in another mode.
    """
    if not isinstance(config, InfoGANConfig):
        raise ValueError(f"config must be an InfoGANConfig, got {type(config).__name__}")
    _check_int("steps", steps, 1, MAX_STEPS)
    _check_int("log_every", log_every, 1, MAX_STEPS)
    _check_int("checkpoint_every", checkpoint_every, 1, MAX_STEPS)
    resolve_jit(jit_compile, config)  # a bad value fails here, before anything changes
    if steps % log_every or checkpoint_every % log_every:
        raise ValueError(f"steps ({steps}) and checkpoint_every ({checkpoint_every}) must be "
                         f"multiples of log_every ({log_every})")
    if images is None:
        (images, _), _ = load_mnist()
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 of shape (n, 28, 28) as load_mnist returns, "
                         f"got {images.dtype} {images.shape}")
    if config.batch_size > len(images):
        raise ValueError(f"batch_size must be at most the number of training images "
                         f"({len(images)}), got {config.batch_size}")
    out = check_out_dir(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RunFolderError(f"cannot create {out} ({err.strerror}); choose a folder you "
                             f"can write to.") from err
    with run_lock(out):
        return _train_locked(config, steps, out, resume, restart, log_every,
                             checkpoint_every, images, strategy, verbose, callbacks, command,
                             jit_compile)


def _train_locked(config, steps, out, resume, restart, log_every, checkpoint_every, images,
                  strategy, verbose, callbacks, command, jit_compile):
    for p in clean_temp_files(out):
        print(f"notice: removed {p}, left over by a run that was stopped while writing it",
              flush=True)
    history = out / "history.csv"
    hint = ("Restore it, or pass restart=True (--restart) to discard this run and train "
            "again from step 0.")
    # ---- read and judge everything first: nothing is changed before this passes
    cfg_path = out / "config.json"
    if cfg_path.exists() and not restart:
        old = read_config(cfg_path, "If this command's settings are the run's, delete it "
                                    "and run again to resume; or choose another folder.")
        if old != config:
            diff = {k: (v, config.to_dict()[k]) for k, v in old.to_dict().items()
                    if config.to_dict()[k] != v}
            raise RunFolderError(
                f"{out} holds a run with another config (field: (saved, requested)) {diff}. "
                f"Choose another output folder, or repeat the saved settings to resume."
            )
    columns, rows, header_end = None, [], 0
    if history.exists() and not restart:
        columns, rows, header_end = _parse_history(
            history, "Fix or delete that line, or move the file aside to resume without it.")
    ckpt_steps = find_checkpoints(out)
    finals = [n for n in WEIGHT_FILES if (out / n).exists()]
    if restart:
        removed = [p for p in [out / "checkpoints", history, cfg_path,
                               *[out / n for n in finals],
                               *[out / (n + ".sha256") for n in WEIGHT_FILES]] if p.exists()]
        if removed:
            print(f"restarting {out} from step 0 as asked: removing "
                  f"{', '.join(p.name for p in removed)}", flush=True)
        for p in removed:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
        ckpt_steps, finals = [], []
    if not resume and (ckpt_steps or rows or finals):
        what = (f"checkpoints (up to step {ckpt_steps[0]})" if ckpt_steps else
                f"history rows (up to step {rows[-1][0]})" if rows else "final networks")
        raise RunFolderError(
            f"{out} already holds {what}; pass resume=True (leave out --no-resume) to "
            f"continue that run, restart=True (--restart) to discard it and start again, "
            f"or choose another output folder. Nothing was changed."
        )
    chosen, damaged = _newest_valid_checkpoint(out) if ckpt_steps else (None, [])
    if chosen is None and damaged:
        listed = "; ".join(f"ckpt-{s}: {why}" for s, why in damaged)
        raise DamagedFileError(f"every checkpoint in {out / 'checkpoints'} is damaged "
                               f"({listed}). {hint}")
    start = chosen[0] if chosen else 0
    if chosen is None and ((rows and rows[-1][0] >= checkpoint_every) or finals):
        have = f"history up to step {rows[-1][0]}" if rows else "final networks"
        raise RunFolderError(
            f"{out} holds {have} but no checkpoint to resume from ({out / 'checkpoints'} "
            f"is missing or empty): training from step 0 would lose that work. Restore the "
            f"checkpoints, or pass restart=True (--restart) to discard this run and train "
            f"again from step 0. Nothing was changed."
        )
    if start % log_every:
        raise RunFolderError(f"checkpoint step {start} is not a multiple of log_every "
                             f"{log_every}; resume with the log_every of the original run")
    if start > steps:
        raise RunFolderError(f"the run in {out} is already at step {start}, beyond the "
                             f"{steps} steps asked for; steps is the total, so ask for at "
                             f"least {start}. Nothing was changed.")

    # ---- from here on the folder changes
    if not cfg_path.exists():
        config.save(cfg_path)
    if command:
        with (out / "commands.txt").open("a") as f:
            f.write(command + "\n")
    kept = [s for s in sorted(ckpt_steps) if s <= start and s not in {d for d, _ in damaged}]
    if chosen is not None:
        state = out / "checkpoints" / "checkpoint"
        try:
            text = state.read_text()
        except (OSError, UnicodeDecodeError):
            text = ""
        if f'model_checkpoint_path: "ckpt-{start}"' not in text and not damaged:
            print(f"notice: {state} (TensorFlow's list of checkpoints) was missing or "
                  f"damaged; found ckpt-{start} from the files and rewrote it", flush=True)
        _write_state_file(out, kept)
    elif (out / "checkpoints" / "checkpoint").exists():
        (out / "checkpoints" / "checkpoint").unlink()
    # history: keep rows up to the resumed step, cut the rest, append from there
    keep = [r for r in rows if r[0] <= start]
    if columns is None:
        if start:
            print(f"notice: {history} is missing or empty: the rows before step {start} "
                  f"are lost; new rows are appended from step {start}", flush=True)
        columns = history_columns(config)
        atomic_write_text(history, ",".join(columns) + "\n")
    else:
        cut = keep[-1][2] if keep else header_end
        if history.stat().st_size != cut:
            if not start and rows:
                print(f"notice: no checkpoint yet in {out}; training again from step 0 "
                      f"(history rows up to step {rows[-1][0]} are redone)", flush=True)
            os.truncate(history, cut)
            fsync_path(history)
    seconds_offset = keep[-1][1] if keep else 0.0

    model = build_model(config, strategy, jit_compile)
    manager = make_checkpoint(model, out)
    if chosen is not None:
        try:
            manager.checkpoint.restore(chosen[1]).assert_existing_objects_matched()
        except (AssertionError, ValueError, tf.errors.OpError) as err:
            raise RunFolderError(f"checkpoint {chosen[1]} does not fit this config "
                                 f"({str(err).splitlines()[0][:200]}). Is config.json the "
                                 f"run's own?") from err
        print(f"resuming {out} from step {start} (checkpoint {chosen[1]})", flush=True)
    assert current_step(model) == start
    if start < steps:
        # The same shuffled stream as a run that never stopped, replayed to `start`.
        dataset = make_dataset(images, config.batch_size, seed=config.seed, repeat=True,
                               skip_batches=start)
        # Under a strategy, fit() splits each global batch across the replicas itself.
        model.fit(
            dataset, epochs=steps // log_every, initial_epoch=start // log_every,
            steps_per_epoch=log_every, verbose=verbose, shuffle=False,
            callbacks=[*callbacks,
                       StepHistory(history, log_every, start, columns, seconds_offset),
                       CheckpointEvery(manager, checkpoint_every // log_every)],
        )
    model.save_networks(out)
    return model


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
    trains; a damaged newest checkpoint is skipped with a notice).

    Falls back to the final weight files when the folder has no checkpoints.
    ``precision`` overrides the run's precision for inference (None keeps it).
    """
    folder = Path(folder)
    if not (folder / "config.json").exists():
        raise FileNotFoundError(f"{folder / 'config.json'} is missing: {folder} is not a run "
                                f"folder written by `python -m infogan_utils train`.")
    config = read_config(folder / "config.json",
                         "Restore it (it holds the run's settings) to load this run.")
    if precision is not None:
        config = config.replace(precision=precision)
    # Notices go to stderr: `evaluate --run` prints its JSON on stdout.
    chosen, damaged = _newest_valid_checkpoint(
        folder, say=lambda *a, **k: print(*a, **{**k, "file": sys.stderr}))
    if chosen is None:
        if damaged:
            listed = "; ".join(f"ckpt-{s}: {why}" for s, why in damaged)
            raise DamagedFileError(f"every checkpoint in {folder / 'checkpoints'} is "
                                   f"damaged ({listed}).")
        return InfoGAN.load_networks(folder, **({"precision": precision} if precision else {}))
    model = build_model(config)
    manager = make_checkpoint(model, folder)
    manager.checkpoint.restore(chosen[1]).expect_partial()
    return model
