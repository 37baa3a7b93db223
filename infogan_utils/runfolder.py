"""Files that cannot lose work: atomic writes, sha256 sidecars, one writer per folder.

Plumbing for :mod:`infogan_utils.training` and :meth:`InfoGAN.save_networks`:

* :func:`atomic_path` / :func:`atomic_write_text`: write to a temporary name in the same
  folder (``.tmp-<pid>-<name>``), flush and fsync, then rename over the target, so a
  reader (or a run killed at any moment) sees the old file or the new one, never half.
  :func:`clean_temp_files` removes what a killed writer left behind.
* :func:`write_sha256` / :func:`verify_sha256`: ``<file>.sha256`` beside a weight file,
  in ``sha256sum`` format (``sha256sum -c generator.weights.h5.sha256`` checks it too).
* :func:`run_lock`: an exclusive ``fcntl.flock`` on ``<folder>/train.lock`` for a whole
  training run. The kernel drops it when the process dies, so a lock left by a killed
  run never blocks; a second live writer is refused at once, with the first one's PID.
* :func:`ensure_free_space`: one clear error instead of a half-written file.
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


# ---------------------------------------------------------------------- fault injection
def failpoint(name: str) -> None:
    """For the fault-injection tests: SIGKILL this process here when the environment
    variable ``INFOGAN_FAULT`` equals ``name`` (e.g. ``replace:generator.weights.h5``).
    Does nothing otherwise."""
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(10)  # the signal is asynchronous; never run past the failpoint


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
                if not _is_disk_full(failed):
                    with contextlib.suppress(OSError):
                        self.tmp.unlink()
                    raise
        with contextlib.suppress(OSError):
            self.tmp.unlink()
        if not _is_disk_full(err):
            return False
        # Free the failed writer's frames now, quietly: h5py objects of a file that hit
        # a full disk print "Exception ignored" tracebacks when they are freed.
        del tb
        _drop_quietly(err)
        raise DiskFullError(
            f"no space left on the device while writing {self.path}; nothing partial was "
            f"kept. Free some space and run the same command again."
        ) from None


def _is_disk_full(err: BaseException) -> bool:
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
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())


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
        time.sleep(0.05)
    return "unknown"


@contextlib.contextmanager
def run_lock(folder):
    """Hold an exclusive lock on the run folder ``folder`` (which must exist).

    A second process asking for the same folder gets :class:`RunFolderError` at once,
    naming the folder and the PID of the process that holds it. The kernel releases the
    lock when its process exits or is killed, so a stale ``train.lock`` never blocks.
    Re-entrant within one process.
    """
    import fcntl

    folder = Path(folder)
    key = os.path.realpath(folder)
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield
        finally:
            _HELD[key][1] -= 1
        return
    path = folder / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise RunFolderError(f"cannot create the lock file {path} ({err.strerror}); "
                             f"choose an output folder you can write to.") from err
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        os.close(fd)
        if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise RunFolderError(f"cannot lock {path} ({err.strerror}).") from err
        pid = _lock_owner(path)
        raise RunFolderError(
            f"{folder} is in use by another training process (PID {pid}); only one may "
            f"write a run folder at a time. Wait for it to finish, or stop it "
            f"(kill {pid}) and run the same command again to resume. Nothing was changed."
        ) from None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        _HELD[key] = [fd, 1]
        yield
    finally:
        _HELD.pop(key, None)
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


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
