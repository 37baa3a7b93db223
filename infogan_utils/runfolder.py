"""Files that cannot lose work: atomic writes, sha256 sidecars, one writer per folder.

Plumbing for :mod:`infogan_utils.training` and :meth:`InfoGAN.save_networks`:

* :func:`atomic_path` / :func:`atomic_write_text`: write to a temporary name in the same
  folder (``.tmp-<pid>-<name>``), flush and fsync, then rename over the target, so a
  reader (or a run killed at any moment) sees the old file or the new one, never half.
  :func:`clean_temp_files` removes what a killed writer left behind.
* :func:`write_sha256` / :func:`verify_sha256`: ``<file>.sha256`` beside a weight file,
  in ``sha256sum`` format (``sha256sum -c generator.weights.h5.sha256`` checks it too).
* :func:`write_with_sha256`: a file and its sidecar, both written in full before either
  is renamed into place (the sidecar first), so a full disk never leaves a file without
  its sidecar.
* :func:`append_bytes`: append to a file, checking every byte was written; on a failure
  the file is cut back to its old length.
* :func:`run_lock`: an exclusive ``fcntl.flock`` on the run folder itself and on
  ``<folder>/train.lock`` (which holds the PID) for a whole training run. The kernel
  drops both when the process dies, so a lock left by a killed run never blocks; a
  second live writer is refused at once, with the first one's PID, even when
  ``train.lock`` was deleted under the first (the folder cannot be unlinked from under
  it).
* :func:`ensure_free_space`: one clear error instead of a half-written file.

Every OS error becomes a :class:`RunFolderError` (or :class:`DiskFullError`) that names
its file and quotes the cause whole, on one line (:func:`cause`).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import signal
import time
from pathlib import Path

TMP_PREFIX = ".tmp-"
LOCK_NAME = "train.lock"
FAULT_ENV = "INFOGAN_FAULT"


class RunFolderError(RuntimeError):
    """A run folder cannot be used as asked; the message says why and how to fix it."""


class DamagedFileError(RunFolderError):
    """A file is damaged (unreadable, or its sha256 differs from its sidecar)."""


class DiskFullError(RunFolderError):
    """Not enough free space to write a file; nothing partial was left behind."""


def cause(err: BaseException) -> str:
    """The whole text of an error (OS, TensorFlow, HDF5) on one line, never cut."""
    text = " ".join(str(err).split())
    if isinstance(err, OSError) and err.strerror and (not text or text.startswith("[Errno")):
        text = err.strerror
    return text or type(err).__name__


def file_error(err: BaseException, path, doing: str, fix: str = "") -> RunFolderError:
    """A :class:`DiskFullError` (a full disk) or :class:`RunFolderError` (anything else)
    for ``err``, naming ``path`` and quoting the cause whole. ``doing``: "writing",
    "appending to", ... ``fix``: what to do about it (a full disk has its own)."""
    if is_disk_full(err):
        return DiskFullError(f"no space left on the device while {doing} {path} "
                             f"({cause(err)}); nothing partial was kept. Free some space "
                             f"and run the same command again.")
    return RunFolderError(f"{doing} {path} failed ({cause(err)}). "
                          f"{fix or 'Check that the folder can be written, then run the same command again.'}")


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte of ``data`` is written (a write may write less than
    asked; a full disk then fails the next one). Raises OSError (ENOSPC when a write
    writes nothing)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        if n <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[n:]


# ---------------------------------------------------------------------- fault injection
def failpoint(name: str) -> None:
    """For the fault-injection tests: SIGKILL this process here when the environment
    variable ``INFOGAN_FAULT`` equals ``name`` (e.g. ``replace:generator.weights.h5``);
    send it SIGTERM (and go on, as a real signal would let it) when it equals
    ``term@<name>``. Does nothing otherwise."""
    fault = os.environ.get(FAULT_ENV)
    if fault == name:
        os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(10)  # the signal is asynchronous; never run past the failpoint
    elif fault == f"term@{name}":
        os.kill(os.getpid(), signal.SIGTERM)


# ---------------------------------------------------------------------- atomic files
def fsync_path(path) -> None:
    """Flush a file's (or a folder's) data to the disk."""
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as err:  # some file systems cannot fsync a folder; data is still safe
        if err.errno not in (errno.EINVAL, errno.EBADF):
            raise
    finally:
        os.close(fd)


def temp_name(path) -> Path:
    """The temporary name :func:`atomic_path` writes ``path`` under (same folder, same
    ending, so ``x.weights.h5`` stays a ``.weights.h5`` for Keras)."""
    path = Path(path)
    return path.with_name(f"{TMP_PREFIX}{os.getpid()}-{path.name}")


class atomic_path:  # noqa: N801 (used like a function: ``with atomic_path(p) as tmp``)
    """``with atomic_path(path) as tmp:`` write to the temporary path ``tmp``; on success
    it is fsynced and renamed over ``path``. On any error (a full disk included) the
    temporary file is removed and ``path`` is left as it was; a full disk becomes a
    :class:`DiskFullError` naming ``path``."""

    def __init__(self, path):
        self.path = Path(path)
        self.tmp = temp_name(self.path)

    def __enter__(self) -> Path:
        return self.tmp

    def __exit__(self, kind, err, tb):
        if kind is None:
            try:
                fsync_path(self.tmp)
                failpoint(f"replace:{self.path.name}")
                os.replace(self.tmp, self.path)
                fsync_path(self.path.parent)
                return False
            except BaseException as failed:
                kind, err = type(failed), failed
                if not is_disk_full(failed):
                    with contextlib.suppress(OSError):
                        self.tmp.unlink()
                    if isinstance(failed, OSError):  # name the file, quote the cause
                        raise file_error(failed, self.path, "writing") from failed
                    raise
        with contextlib.suppress(OSError):
            self.tmp.unlink()
        if not is_disk_full(err):
            if isinstance(err, OSError) and not isinstance(err, RunFolderError):
                raise file_error(err, self.path, "writing") from err
            return False
        # Free the failed writer's frames now, quietly: h5py objects of a file that hit
        # a full disk print "Exception ignored" tracebacks when they are freed.
        del tb
        _drop_quietly(err)
        raise DiskFullError(
            f"no space left on the device while writing {self.path}; nothing partial was "
            f"kept. Free some space and run the same command again."
        ) from None


def is_disk_full(err: BaseException) -> bool:
    """Whether ``err`` (an OSError, or a TensorFlow or HDF5 error quoting one) is a full
    disk."""
    return ((isinstance(err, OSError) and err.errno == errno.ENOSPC)
            or "No space left on device" in str(err))


def _drop_quietly(err: BaseException) -> None:
    import gc
    import sys

    import io

    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            err.__traceback__ = None
            err.__context__ = None
            gc.collect()
    finally:
        sys.unraisablehook = hook


def atomic_write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename)."""
    with atomic_path(path) as tmp:
        _write_new_file(tmp, data)


def _write_new_file(path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def write_with_sha256(path, data: bytes) -> None:
    """Write ``data`` to ``path`` and its sha256 to ``<path>.sha256``, atomically as a
    pair: both are written in full under temporary names and fsynced, then the sidecar
    is renamed into place and then the file. A full disk (or any error) while writing
    either leaves both as they were (a :class:`DiskFullError` or
    :class:`RunFolderError` naming the file); a kill between the two renames leaves a
    sidecar that the old file fails, so it is refused as damaged, never loaded
    unverified."""
    path, side = Path(path), sidecar_path(path)
    tmp, tmp_side = temp_name(path), temp_name(side)
    target = path
    try:
        _write_new_file(tmp, data)
        target = side
        _write_new_file(tmp_side, f"{hashlib.sha256(data).hexdigest()}  {path.name}\n"
                        .encode("ascii"))
        os.replace(tmp_side, side)
        target = path
        failpoint(f"replace:{path.name}")
        os.replace(tmp, path)
        fsync_path(path.parent)
    except OSError as err:
        raise file_error(err, target, "writing") from None
    finally:
        for p in (tmp, tmp_side):
            with contextlib.suppress(OSError):
                p.unlink()


def append_bytes(path, data: bytes, fault: str | None = None) -> None:
    """Append ``data`` to ``path`` (created if missing) and fsync it, checking that every
    byte was written. On any error the file is cut back to its old length and a
    :class:`DiskFullError` or :class:`RunFolderError` naming it is raised: a reader never
    sees part of an append followed by the next one.

    ``fault``: the failpoint of this append, for the fault-injection tests: when
    ``INFOGAN_FAULT`` names it, half of ``data`` is written and the process is killed
    (a torn append)."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as err:
        raise file_error(err, path, "opening") from None
    try:
        size = os.fstat(fd).st_size
        if fault is not None and os.environ.get(FAULT_ENV) == fault:
            os.write(fd, data[: len(data) // 2])
            failpoint(fault)
        try:
            write_all(fd, data)
            os.fsync(fd)
        except OSError as err:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)
            raise file_error(err, path, "appending to") from None
    finally:
        os.close(fd)


def atomic_write_text(path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def clean_temp_files(folder) -> list:
    """Remove temporary files a killed writer left in ``folder`` and ``folder/checkpoints``
    (``.tmp-*`` files and TensorFlow's ``*_temp`` checkpoint folders). Call it only while
    holding :func:`run_lock`. Returns the removed paths."""
    folder = Path(folder)
    removed = []
    for where in (folder, folder / "checkpoints"):
        if not where.is_dir():
            continue
        for p in where.iterdir():
            if p.name.startswith(TMP_PREFIX) and p.is_file():
                p.unlink()
                removed.append(p)
            elif p.name.endswith("_temp") and p.is_dir() and where.name == "checkpoints":
                shutil.rmtree(p)
                removed.append(p)
    return removed


# ---------------------------------------------------------------------- sha256 sidecars
def sha256_of(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sidecar_path(path) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".sha256")


def write_sha256(path) -> None:
    """Record ``path``'s sha256 in ``<path>.sha256`` (``sha256sum`` format), atomically."""
    path = Path(path)
    atomic_write_text(sidecar_path(path), f"{sha256_of(path)}  {path.name}\n")


def verify_sha256(path, fix: str, required: bool = False) -> bool:
    """Check ``path`` against ``<path>.sha256``. Raise :class:`DamagedFileError` naming the
    file and ending with ``fix`` when they differ (or, with ``required``, when the
    sidecar is missing). Returns False when there is no sidecar to check against."""
    path, side = Path(path), sidecar_path(path)
    if not side.exists():
        if required:
            raise DamagedFileError(f"{side} is missing, so {path} cannot be verified. {fix}")
        return False
    words = side.read_text(errors="replace").split()
    if not words or len(words[0]) != 64 or any(c not in "0123456789abcdef" for c in words[0]):
        raise DamagedFileError(f"{side} is damaged (no sha256 in it), so {path} cannot be "
                               f"verified. {fix}")
    if sha256_of(path) != words[0]:
        raise DamagedFileError(
            f"{path} is damaged: its sha256 differs from the one recorded in {side.name} "
            f"when it was written. {fix}"
        )
    return True


# ---------------------------------------------------------------------- one writer
_HELD: dict = {}  # real path of a locked folder -> [fd, depth] (re-entrant in a process)


def _lock_owner(path: Path) -> str:
    for _ in range(20):  # the owner writes its PID just after taking the lock
        with contextlib.suppress(OSError):
            text = path.read_text().strip()
            if text:
                return text.split()[0]
        if not path.exists() and _ > 2:
            return f"unknown: {path.name} was deleted"
        time.sleep(0.05)
    return "unknown"


def _flock(fd: int) -> bool:
    """Take an exclusive flock on ``fd`` without waiting: True if taken, False if another
    process holds it. Raises OSError for any other failure."""
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as err:
        if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise


def _unlock_close(fd: int) -> None:
    import fcntl

    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)
    with contextlib.suppress(OSError):
        os.close(fd)


def _open_locked(path: Path, flags: int, busy: str, fds: list, *, doing: str) -> int:
    """Open ``path`` and take its exclusive lock; append the descriptor to ``fds``. A
    lock held elsewhere raises ``busy`` (with the holder's PID). A folder on a file
    system that cannot lock folders counts as locked: train.lock still holds."""
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as err:
        raise file_error(err, path, doing, "Choose an output folder you can write to.") from None
    fds.append(fd)
    try:
        held = _flock(fd)
    except OSError as err:
        if not path.is_dir():
            raise file_error(err, path, "locking") from None
        held = True
    if not held:
        lock = path / LOCK_NAME if path.is_dir() else path
        raise RunFolderError(busy.format(pid=_lock_owner(lock)))
    return fd


@contextlib.contextmanager
def run_lock(folder):
    """Hold an exclusive lock on the run folder ``folder`` (which must exist).

    Two locks are taken: one on the folder itself (which cannot be deleted from under
    the holder while it holds files, so deleting ``train.lock`` lets no second writer
    in) and one on ``train.lock``, which also records the holder's PID (and holds out
    older versions of this code, which lock only that file).

    A second process asking for the same folder gets :class:`RunFolderError` at once,
    naming the folder and the PID of the process that holds it. The kernel releases the
    locks when their process exits or is killed, so a stale ``train.lock`` never blocks.
    Re-entrant within one process.
    """
    folder = Path(folder)
    key = os.path.realpath(folder)
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield
        finally:
            _HELD[key][1] -= 1
        return
    busy = (f"{folder} is in use by another training process (PID {{pid}}); only one may "
            f"write a run folder at a time. Wait for it to finish, or stop it "
            f"(kill {{pid}}) and run the same command again to resume. Nothing was changed.")
    fds = []
    try:
        # the folder itself (cannot be unlinked from under its holder), then train.lock
        # (the PID, and the lock older versions take)
        _open_locked(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0), busy, fds,
                     doing="opening the run folder")
        path = folder / LOCK_NAME
        created = not path.exists()
        fd = _open_locked(path, os.O_RDWR | os.O_CREAT, busy, fds,
                          doing="creating the lock file")
        try:
            os.ftruncate(fd, 0)
            write_all(fd, f"{os.getpid()}\n".encode())
        except OSError as err:
            if created:  # leave no empty train.lock behind
                with contextlib.suppress(OSError):
                    path.unlink()
            raise file_error(err, path, "writing the lock file") from None
    except BaseException:
        for fd in reversed(fds):
            _unlock_close(fd)
        raise
    _HELD[key] = [fds, 1]
    try:
        yield
    finally:
        _HELD.pop(key, None)
        for fd in reversed(fds):
            _unlock_close(fd)


# ---------------------------------------------------------------------- the folder
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


CHECKPOINT_TEMP_FILE = "part-00000-of-00001.data-00000-of-00001"
"""The file TensorFlow writes a checkpoint into first (``ckpt-N_temp/`` + this)."""


def check_path_lengths(out, steps: int) -> None:
    """Refuse a run folder whose deepest path (TensorFlow's temporary checkpoint file,
    ``checkpoints/ckpt-<steps>_temp/part-...``) would pass the system's path limit
    (PATH_MAX), before anything is trained or written."""
    out = Path(out)
    longest = out / "checkpoints" / f"ckpt-{steps}_temp" / CHECKPOINT_TEMP_FILE
    probe = out
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    try:
        limit = os.pathconf(probe, "PC_PATH_MAX")
    except (OSError, ValueError):
        limit = 4096
    length = len(os.fsencode(str(longest)))
    if length >= limit:
        raise RunFolderError(
            f"the output folder's path is too long: its checkpoints would be written at "
            f"paths of {length} characters ({longest.relative_to(out)} inside it), and "
            f"this system's path limit (PATH_MAX) is {limit - 1} characters. Choose a "
            f"folder with a path at least {length - limit + 1} characters shorter. "
            f"Nothing was changed.")


# ---------------------------------------------------------------------- free space
def free_bytes(folder) -> int:
    st = os.statvfs(str(folder))
    return st.f_bavail * st.f_frsize


def ensure_free_space(folder, needed: int, what: str, fix: str) -> None:
    """Raise :class:`DiskFullError` when ``folder``'s disk has less than ``needed`` bytes
    free (plus a small margin) for ``what``."""
    needed = int(needed * 1.05) + (4 << 20)
    free = free_bytes(folder)
    if free < needed:
        raise DiskFullError(
            f"not enough free space in {folder} for {what}: it needs about "
            f"{needed / 2**20:.0f} MB and {free / 2**20:.0f} MB are free. {fix}"
        )
