"""Fault injection: run folders lose nothing, and every fault ends in one clear message.

kill -9 at random moments and inside saves, damaged or missing files of every kind, two
writers, a full disk, absurd command-line values. Each test checks that no history row,
step or weight was lost (or that nothing changed) and that the message names the
problem. Small runs (batch 8-16, 10-40 steps), so the module stays within CI's budget.
"""

import errno
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from infogan_utils import InfoGAN, InfoGANConfig
from infogan_utils import cli
from infogan_utils.pretrained import PRETRAINED_DIR, load_pretrained
from infogan_utils.runfolder import DamagedFileError, DiskFullError, RunFolderError
from infogan_utils.training import current_step, load_run, train

ROOT = Path(__file__).resolve().parent.parent
CONFIG = InfoGANConfig(batch_size=8, seed=1)
KW = dict(log_every=10, checkpoint_every=10, verbose=0)
CLI_RUN = ["--steps", "40", "--batch-size", "16", "--log-every", "10",
           "--checkpoint-every", "10", "--threads", "1", "--seed", "2"]


# ---------------------------------------------------------------------- helpers
def _popen(out, *extra, fault=None):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("INFOGAN_FAULT", None)
    if fault:
        env["INFOGAN_FAULT"] = fault
    return subprocess.Popen([sys.executable, "-m", "infogan_utils", "train", "--out", str(out),
                             *CLI_RUN, *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish(proc, timeout=300):
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def _snapshot(folder):
    """Every file under ``folder``: content hash for small files, size and mtime for big."""
    snap = {}
    for p in sorted(Path(folder).rglob("*")):
        if p.is_file():
            st = p.stat()
            snap[str(p.relative_to(folder))] = (
                hashlib.sha256(p.read_bytes()).hexdigest() if st.st_size < 1 << 20
                else (st.st_size, st.st_mtime_ns))
    return snap


def _garble_middle(path, n=4096):
    data = bytearray(Path(path).read_bytes())
    mid = len(data) // 2
    data[mid:mid + n] = os.urandom(min(n, len(data) - mid))
    Path(path).write_bytes(bytes(data))


def _history_rows(folder):
    lines = (Path(folder) / "history.csv").read_text().splitlines()[1:]
    return [line.split(",") for line in lines]


def _losses(folder):
    """History without the wall-clock column: what must be bitwise equal."""
    return [[r[0], *r[2:]] for r in _history_rows(folder)]


def _same_weights(a, b):
    """The networks saved in two folders hold the same values, bit for bit. (Within one
    process the .h5 bytes can differ: Keras numbers its auto-named layers per process.)"""
    for x, y in zip(InfoGAN.load_networks(a).weights, InfoGAN.load_networks(b).weights,
                    strict=True):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    return True


def _last_error_line(err):
    lines = [line for line in err.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


# ---------------------------------------------------------------------- a base run
@pytest.fixture(scope="module")
def images(mnist):
    (x, _), _ = mnist
    return x[:512]


@pytest.fixture(scope="module")
def base(tmp_path_factory, images):
    """A finished 20-step run (checkpoints at 10 and 20, two history rows, networks)."""
    folder = tmp_path_factory.mktemp("base") / "run"
    train(CONFIG, 20, folder, images=images, **KW)
    return folder


@pytest.fixture
def run(base, tmp_path):
    folder = tmp_path / "run"
    shutil.copytree(base, folder)
    return folder


# ---------------------------------------------------------------------- kill -9, bitwise
def test_killed_at_random_and_in_saves_then_resumed_is_bitwise_the_straight_run(
        tmp_path, images, monkeypatch, capsys):
    """One run killed three times (at a random moment, in the middle of appending a
    history row, and between writing and renaming the final weights) and stopped twice
    by SIGTERM (as training resumes, and while saving the networks), then resumed, ends
    with the same weight files, byte for byte, and the same history as a run that was
    never stopped. While it runs, a second writer is refused."""
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    reference = _popen(straight)  # runs alongside, on the other core

    first = _popen(killed)
    ckpt = killed / "checkpoints" / "ckpt-10.index"
    deadline = time.time() + 240
    while not ckpt.exists() and time.time() < deadline and first.poll() is None:
        time.sleep(0.1)
    assert ckpt.exists(), "no checkpoint appeared: " + _finish(first)[2][-2000:]
    # A second writer on the same folder is refused at once, naming the folder and PID.
    with pytest.raises(RunFolderError, match=rf"{killed}.*in use.*PID {first.pid}"):
        train(InfoGANConfig(batch_size=16, seed=2), 40, killed, images=images, **KW)
    # A random moment (reproducibly), but before step 20's checkpoint: on a fast CPU the
    # run could otherwise reach step 40, and there would be nothing left to interrupt.
    moment = time.time() + random.Random(15).uniform(0.0, 2.0)
    ckpt20 = killed / "checkpoints" / "ckpt-20.index"
    while time.time() < moment and not ckpt20.exists():
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    assert _finish(first)[0] == -signal.SIGKILL, "the first run ended before the kill"

    # SIGTERM (a job scheduler's stop) as soon as training resumes: it stops like Ctrl-C.
    term = _popen(killed)
    while "resuming" not in term.stdout.readline() and term.poll() is None:
        pass
    time.sleep(random.Random(16).uniform(0.0, 0.1))
    term.send_signal(signal.SIGTERM)
    rc, _, err = _finish(term)
    assert rc == 143, err[-2000:]
    assert _last_error_line(err).startswith("error: terminated (SIGTERM); run the same "
                                            "command again to resume"), err[-2000:]

    rc, _, err = _finish(_popen(killed, fault="history:30"))  # dies mid-append of row 30
    assert rc == -signal.SIGKILL, err[-2000:]
    assert not (killed / "history.csv").read_bytes().endswith(b"\n"), "row 30 is torn"

    rc, out, err = _finish(_popen(killed, fault="replace:generator.weights.h5"))
    assert rc == -signal.SIGKILL, err[-2000:]
    assert "resuming" in out and list(killed.glob(".tmp-*generator.weights.h5"))
    assert not (killed / "generator.weights.h5").exists()

    # SIGTERM in the middle of saving the networks (in this process, to save a start-up):
    # nothing half-written is left.
    with monkeypatch.context() as m:
        m.setenv("INFOGAN_FAULT", "term@replace:discriminator.weights.h5")
        assert cli.main(["train", "--out", str(killed),
                         *[a for a in CLI_RUN if a not in ("--threads", "1")]]) == 143
    out, err = capsys.readouterr()
    assert _last_error_line(err).startswith("error: terminated (SIGTERM)"), err[-2000:]
    assert "from step 40" in out and "notice: removed" in out
    assert not list(killed.glob(".tmp-*")) and not (killed / "discriminator.weights.h5").exists()

    rc, out, err = _finish(_popen(killed))
    assert rc == 0, err[-2000:]
    assert "from step 40" in out
    assert not list(killed.glob(".tmp-*"))

    assert _finish(reference)[0] == 0
    assert [r[0] for r in _history_rows(killed)] == ["10", "20", "30", "40"]
    assert _losses(killed) == _losses(straight)
    for name in ("generator.weights.h5", "discriminator.weights.h5"):
        assert (killed / name).read_bytes() == (straight / name).read_bytes(), name
        assert (killed / f"{name}.sha256").read_text() == (straight / f"{name}.sha256").read_text()


# ---------------------------------------------------------------------- checkpoints
@pytest.mark.parametrize("damage", ["missing", "garbled"])
def test_lost_or_garbled_state_file_resumes_from_the_checkpoint_files(run, damage, capsys):
    state = run / "checkpoints" / "checkpoint"
    history = (run / "history.csv").read_bytes()
    if damage == "missing":
        state.unlink()
    else:
        state.write_bytes(os.urandom(300))
    model = train(CONFIG, 20, run, images=np.zeros((64, 28, 28), np.uint8), **KW)
    assert current_step(model) == 20, "must resume at step 20, not restart from 0"
    assert "missing or damaged; found ckpt-20 from the files" in capsys.readouterr().out
    assert (run / "history.csv").read_bytes() == history
    assert 'model_checkpoint_path: "ckpt-20"' in state.read_text()


def test_a_resumed_run_keeps_only_the_last_two_checkpoints(run, images):
    """Resuming rewrites TensorFlow's state file; the checkpoints from before the resume
    must still be deleted as new ones arrive (they once stayed, 160 MB each)."""
    train(CONFIG, 40, run, images=images, **KW)
    left = sorted(p.name for p in (run / "checkpoints").glob("ckpt-*.index"))
    assert left == ["ckpt-30.index", "ckpt-40.index"], left
    assert not list((run / "checkpoints").glob("ckpt-10.*"))
    assert not list((run / "checkpoints").glob("ckpt-20.*"))


def test_damaged_latest_checkpoint_falls_back_to_the_previous_one(run, base, images, capsys):
    _garble_middle(run / "checkpoints" / "ckpt-20.data-00000-of-00001")
    train(CONFIG, 20, run, images=images, **KW)
    out = capsys.readouterr().out
    assert "notice: checkpoint ckpt-20" in out and "falling back to ckpt-10" in out
    assert "resuming" in out and "from step 10" in out
    assert _losses(run) == _losses(base), "step 20 was redone exactly"
    assert _same_weights(run, base)


def test_all_checkpoints_damaged_is_refused_naming_them(run, images):
    (run / "checkpoints" / "ckpt-20.index").write_bytes(b"")
    _garble_middle(run / "checkpoints" / "ckpt-10.data-00000-of-00001")
    before = _snapshot(run)
    with pytest.raises(DamagedFileError, match=r"every checkpoint.*ckpt-20.*ckpt-10.*restart"):
        train(CONFIG, 30, run, images=images, **KW)
    assert _snapshot(run) == before


def test_history_without_checkpoints_is_not_restarted_silently(run, images, capsys):
    shutil.rmtree(run / "checkpoints")
    before = _snapshot(run)
    with pytest.raises(RunFolderError, match="history up to step 20 but no checkpoint"):
        train(CONFIG, 30, run, images=images, **KW)
    assert _snapshot(run) == before
    # Only an explicit restart starts again from 0.
    model = train(CONFIG, 10, run, images=images, restart=True, **KW)
    assert current_step(model) == 10 and "restarting" in capsys.readouterr().out
    assert [r[0] for r in _history_rows(run)] == ["10"]


def test_refusals_change_nothing(run, images):
    before = _snapshot(run)
    with pytest.raises(RunFolderError, match="already holds checkpoints"):
        train(CONFIG, 30, run, images=images, resume=False, **KW)
    with pytest.raises(RunFolderError, match="already at step 20"):
        train(CONFIG, 10, run, images=images, **KW)
    with pytest.raises(RunFolderError, match="another config"):
        train(CONFIG.replace(seed=5), 30, run, images=images, **KW)
    with pytest.raises(ValueError, match="batch_size must be at most"):
        train(CONFIG.replace(batch_size=600), 30, run, images=images, **KW)
    assert _snapshot(run) == before


# ---------------------------------------------------------------------- config, history
@pytest.mark.parametrize("content,message", [
    (b"\x00\x13garbage{", "config.json is damaged"),
    (b'{"batch_size": 8, "lamda": 1}', "config.json is not a valid InfoGAN config"),
])
def test_damaged_config_is_named(run, images, content, message):
    (run / "config.json").write_bytes(content)
    before = _snapshot(run)
    with pytest.raises(DamagedFileError, match=message):
        train(CONFIG, 30, run, images=images, **KW)
    with pytest.raises(DamagedFileError, match=message):
        load_run(run)
    assert _snapshot(run) == before


def test_damaged_history_is_named_with_its_line(run, images):
    lines = (run / "history.csv").read_text().splitlines(keepends=True)
    lines[1] = "10,3.2,not-a-number,x\n"
    (run / "history.csv").write_text("".join(lines))
    before = _snapshot(run)
    with pytest.raises(DamagedFileError, match=r"history.csv line 2 is damaged"):
        train(CONFIG, 30, run, images=images, **KW)
    assert _snapshot(run) == before


def test_torn_last_history_row_is_cut_and_the_run_resumes(run, base, images):
    with (run / "history.csv").open("a") as f:
        f.write("30,12.5,1.43,0.7")  # a kill in the middle of appending row 30
    model = train(CONFIG, 20, run, images=images, **KW)
    assert current_step(model) == 20
    assert (run / "history.csv").read_bytes() == (base / "history.csv").read_bytes()


# ---------------------------------------------------------------------- weights
@pytest.mark.parametrize("damage", ["garbage in the middle", "empty", "sidecar changed"])
def test_damaged_trained_weights_are_refused_by_name_and_repaired(run, base, images, damage):
    path = run / "generator.weights.h5"
    if damage == "garbage in the middle":
        _garble_middle(path)
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        (run / "generator.weights.h5.sha256").write_text("0" * 64 + "  generator.weights.h5\n")
    with pytest.raises(DamagedFileError,
                       match=r"generator.weights.h5 is damaged.*same `python -m infogan_utils"):
        InfoGAN.load_networks(run)
    train(CONFIG, 20, run, images=images, **KW)  # the same command re-creates them
    assert _same_weights(run, base)


def test_damaged_shipped_weights_are_refused_with_the_restore_command(tmp_path, monkeypatch):
    import infogan_utils.pretrained as pretrained
    from infogan_utils.runfolder import verify_sha256

    for name in ("generator.weights.h5", "discriminator.weights.h5"):
        assert verify_sha256(PRETRAINED_DIR / name, "", required=True), name
    copy = tmp_path / "pretrained"
    shutil.copytree(PRETRAINED_DIR, copy)
    monkeypatch.setattr(pretrained, "PRETRAINED_DIR", copy)
    _garble_middle(copy / "discriminator.weights.h5")
    with pytest.raises(DamagedFileError, match=r"discriminator.weights.h5 is damaged.*"
                                               r"git checkout -- data/pretrained"):
        load_pretrained(copy)
    shutil.copyfile(PRETRAINED_DIR / "discriminator.weights.h5", copy / "discriminator.weights.h5")
    (copy / "generator.weights.h5.sha256").unlink()
    with pytest.raises(DamagedFileError, match=r"sha256 is missing.*git checkout"):
        load_pretrained(copy)


# ---------------------------------------------------------------------- two writers
def test_second_writer_is_refused_and_a_stale_lock_does_not_block(run, images, capsys):
    lock = run / "train.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, sys, time\n"
         f"fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX)\n"
         "os.ftruncate(fd, 0); os.write(fd, str(os.getpid()).encode())\n"
         "print('locked', flush=True); time.sleep(120)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = _snapshot(run)
        t = time.perf_counter()
        with pytest.raises(RunFolderError, match=rf"{run} is in use.*PID {holder.pid}"):
            train(CONFIG, 30, run, images=images, **KW)
        assert time.perf_counter() - t < 5, "the second writer must be refused at once"
        assert cli.main(["train", "--out", str(run), "--batch-size", "8", "--seed", "1",
                         "--steps", "30", "--log-every", "10"]) == 2
        err = capsys.readouterr().err
        assert _last_error_line(err).startswith("error: ") and f"PID {holder.pid}" in err
        assert _snapshot(run) == before
    finally:
        holder.kill()
        holder.wait()
    # The holder died with the lock file still there: it must not block.
    assert lock.read_text().strip() == str(holder.pid)
    assert current_step(train(CONFIG, 20, run, images=images, **KW)) == 20


# ---------------------------------------------------------------------- disk
@pytest.fixture
def tmpfs(tmp_path):
    """Mount a small tmpfs (needs root and mount); skip with the reason otherwise."""
    mounted = []

    def mount(name, options):
        point = tmp_path / name
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
                              capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'not root'})")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def test_full_disk_leaves_nothing_partial_and_resumes(tmpfs, images, monkeypatch):
    import infogan_utils.training as training

    disk = tmpfs("disk", "size=250m")  # room for one 160 MB checkpoint, not two
    out = disk / "run"
    # 1. The write itself hits the full disk (free-space check switched off).
    with monkeypatch.context() as m:
        m.setattr(training, "ensure_free_space", lambda *a, **k: None)
        with pytest.raises(DiskFullError, match=r"checkpoint at step 20.*partial files were "
                                                r"removed.*run the same command again"):
            train(CONFIG, 20, out, images=images, **KW)
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == [
        "checkpoint", "ckpt-10.data-00000-of-00001", "ckpt-10.index"]
    assert not list(out.rglob(".tmp-*"))
    # 2. The check before the checkpoint refuses in one line, before writing anything.
    with pytest.raises(DiskFullError, match=r"not enough free space in .*checkpoints for the "
                                            r"checkpoint at step 20"):
        train(CONFIG, 20, out, images=images, **KW)
    assert not list((out / "checkpoints").glob("ckpt-20*"))
    # 3. With space again, the same call resumes from step 10 and finishes.
    subprocess.run(["mount", "-o", "remount,size=700m", str(disk)], check=True)
    assert current_step(train(CONFIG, 20, out, images=images, **KW)) == 20
    assert [r[0] for r in _history_rows(out)] == ["10", "20"]
    InfoGAN.load_networks(out)


def test_unwritable_or_bad_output_folder_is_one_line(tmpfs, tmp_path, images, capsys):
    readonly = tmpfs("readonly", "ro,size=1m")
    with pytest.raises(RunFolderError, match=rf"cannot write to {readonly}"):
        train(CONFIG, 10, readonly / "run", images=images, **KW)
    afile = tmp_path / "afile"
    afile.write_text("x")
    for out, message in ((readonly / "run", "cannot write to"), (afile, "is a file"),
                         (afile / "run", "is a file")):
        assert cli.main(["train", "--out", str(out)]) == 2
        line = _last_error_line(capsys.readouterr().err)
        assert line.startswith("error: ") and message in line, line
    assert afile.read_text() == "x"


# ---------------------------------------------------------------------- absurd values
@pytest.mark.parametrize("args,message", [
    (["--threads", "-1"], "--threads must be in [0, 1,024]"),
    (["--steps", "1e20"], "--steps: invalid int value"),
    (["--steps", "100000000000000000000"], "--steps must be in [1, 100,000,000]"),
    (["--steps", "0"], "--steps must be in"),
    (["--steps", "25"], "must be multiples of --log-every"),
    (["--log-every", "0"], "--log-every must be in"),
    (["--eval-every", "150"], "--eval-every must be a multiple"),
    (["--devices", "0"], "--devices must be in"),
    (["--batch-size", "0"], "batch_size must be in [1,"),
    (["--batch-size", "100000"], "--batch-size must be at most 60,000"),
    (["--lr-d", "nan"], "lr_d must be a number"),
    (["--lambda-cat", "inf"], "lambda_cat must be in"),
    (["--seed", "-3"], "seed must be in"),
    (["--precision", "float8"], "--precision: invalid choice"),
    (["--bogus", "1"], "unrecognized arguments: --bogus"),
    (["--devices", "3", "--batch-size", "32"],  # B5: found before anything is written
     "--batch-size (32) must be a multiple of --devices (3)"),
    (["--devices", "2", "--batch-size", "33"], "--batch-size (33) must be a multiple of --devices (2)"),
    (["--restart", "--no-resume"], "contradict"),
])
def test_absurd_cli_values_give_one_error_line_and_create_nothing(tmp_path, capsys, args,
                                                                  message):
    out = tmp_path / "never"
    assert cli.main(["train", "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
    assert message in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("argv,message", [
    (["train", "--out", ""], "--out is empty"),
    (["train", "--out", "   "], "--out is empty"),
    (["train"], "the following arguments are required: --out"),
    (["evaluate", "--run", ""], "--run is empty"),
    (["evaluate", "--pretrained", "--samples", "0"], "--samples must be in"),
])
def test_empty_and_missing_values_give_one_error_line(capsys, argv, message):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and len(err.strip().splitlines()) == 1


def test_negative_threads_does_not_abort_tensorflow(tmp_path):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-m", "infogan_utils", "train", "--out",
                           str(tmp_path / "x"), "--threads", "-1"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr[-2000:]  # not 134 (abort)
    assert _last_error_line(done.stderr) == "error: --threads must be in [0, 1,024], got -1"
    assert "Traceback" not in done.stderr and not (tmp_path / "x").exists()



# ---------------------------------------------------------------------- issue 30
def _fail_writes(monkeypatch, name, first_half=None):
    """A full disk for one file, injected at ``os.write`` (no tmpfs needed): every write
    to a file whose name ends with ``name`` fails with ENOSPC, as the kernel reports it
    (no file name). With ``first_half`` (a line's start), that line's first write writes
    half of it and returns the count, and the next write to the file fails: a write cut
    short by a disk that filled in the middle."""
    real, state = os.write, {}

    def write(fd, data):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if target.endswith(name):
            data = bytes(data)
            if first_half is None or state.get("fd") == fd:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            if data.startswith(first_half):
                state["fd"] = fd
                return real(fd, data[: len(data) // 2])
        return real(fd, data)

    monkeypatch.setattr(os, "write", write)


def _cli_train(out, *extra):
    return cli.main(["train", "--out", str(out), "--batch-size", "8", "--seed", "1",
                     "--log-every", "10", "--checkpoint-every", "10", "--precision",
                     "float32", *extra])


def test_lost_config_is_read_back_from_the_checkpoint_and_other_settings_refused(
        run, images, capsys):
    """B1: a lost config.json does not let a resume mix settings: each checkpoint
    records the run's settings; a command with others is refused, the same one resumes
    and writes config.json again. The damaged-config advice (delete it) is now safe."""
    (run / "config.json").unlink()
    before = _snapshot(run)
    for other in (CONFIG.replace(lambda_cont=0.5), CONFIG.replace(batch_size=16, seed=7)):
        with pytest.raises(RunFolderError, match=r"another config.*as its newest checkpoint"):
            train(other, 20, run, images=images, **KW)
        assert _snapshot(run) == before
    assert current_step(train(CONFIG, 20, run, images=images, **KW)) == 20
    assert "config.json is missing; the run's settings are read back from checkpoint " \
           "ckpt-20" in capsys.readouterr().out
    assert InfoGANConfig.load(run / "config.json") == CONFIG


@pytest.mark.parametrize("name", ["generator.weights.h5", "generator.weights.h5.sha256"])
def test_full_disk_while_saving_the_networks_names_the_file_and_leaves_no_orphan(
        tmp_path, monkeypatch, name):
    """B2: HDF5 builds the weights in memory, so a full disk fails a plain write (HDF5
    cannot be left half-open to crash the process at exit, as it did with rc 139), and
    the file and its .sha256 are renamed into place only when both are written."""
    model, folder = InfoGAN(CONFIG), tmp_path / "nets"
    with monkeypatch.context() as m:
        _fail_writes(m, "-" + name)
        with pytest.raises(DiskFullError, match=rf"{name}.*No space left on device.*Free some"):
            model.save_networks(folder)
    left = sorted(p.name for p in folder.iterdir())
    assert not [n for n in left if n.startswith("generator") or n.startswith(".tmp-")], left
    model.save_networks(folder)  # with space again
    assert _same_weights(folder, folder) and (folder / "generator.weights.h5.sha256").exists()


def test_deleting_train_lock_lets_no_second_writer_in(run, images):
    """B3: the lock is also held on the run folder itself, which cannot be unlinked from
    under its holder: deleting train.lock does not let a second writer in."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import importlib.util, sys, time\n"
         "spec = importlib.util.spec_from_file_location('rf', sys.argv[1])\n"
         "rf = importlib.util.module_from_spec(spec); spec.loader.exec_module(rf)\n"
         "with rf.run_lock(sys.argv[2]):\n"
         "    print('locked', flush=True); time.sleep(120)",
         str(ROOT / "infogan_utils" / "runfolder.py"), str(run)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        (run / "train.lock").unlink()
        before = _snapshot(run)
        with pytest.raises(RunFolderError, match=rf"{run} is in use by another training"):
            train(CONFIG, 20, run, images=images, **KW)
        assert _snapshot(run) == before
    finally:
        holder.kill()
        holder.wait()


def test_a_history_append_cut_short_by_a_full_disk_is_undone_and_named(run, base, images,
                                                                        monkeypatch):
    """B4: every append checks the count os.write returns; a row half-written when the
    disk filled is cut back, and the run stops naming history.csv (it went on before,
    merging two rows into one line)."""
    _fail_writes(monkeypatch, "history.csv", first_half=b"30,")
    with pytest.raises(DiskFullError, match=r"appending to .*history.csv.*No space left"):
        train(CONFIG, 30, run, images=images, **KW)
    assert (run / "history.csv").read_bytes() == (base / "history.csv").read_bytes()


def test_full_disk_at_the_lock_or_commands_txt_names_the_file(run, tmp_path, monkeypatch,
                                                             capsys):
    """B6: a full disk while writing train.lock or appending to commands.txt is one
    error line naming the file; no empty train.lock, no partial command line is left."""
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    with monkeypatch.context() as m:
        _fail_writes(m, "/train.lock")
        assert _cli_train(fresh, "--steps", "10") == 2
    line = _last_error_line(capsys.readouterr().err)
    assert line.startswith("error: ") and "train.lock" in line and "No space left" in line, line
    assert list(fresh.iterdir()) == []
    commands = (run / "commands.txt").read_bytes() if (run / "commands.txt").exists() else b""
    with monkeypatch.context() as m:
        _fail_writes(m, "/commands.txt")
        assert _cli_train(run, "--steps", "20") == 2
    line = _last_error_line(capsys.readouterr().err)
    assert "commands.txt" in line and "No space left" in line, line
    assert ((run / "commands.txt").read_bytes() if (run / "commands.txt").exists()
            else b"") == commands


def test_damaged_metrics_json_is_named_with_how_to_restore_it(tmp_path, monkeypatch):
    """B7: metrics.json is read by one function that names the file and says how to
    restore it (the weights load fine)."""
    import infogan_utils.pretrained as pretrained

    copy = tmp_path / "pretrained"
    shutil.copytree(PRETRAINED_DIR, copy)
    monkeypatch.setattr(pretrained, "PRETRAINED_DIR", copy)
    for damage in (b'{"one_to_one": 0.9', b"\xff\xfe", b"[1, 2]"):
        (copy / "metrics.json").write_bytes(damage)
        with pytest.raises(DamagedFileError, match=r"metrics.json is damaged.*git checkout "
                                                   r"data/pretrained/metrics.json"):
            pretrained.pretrained_metrics(copy)


def test_too_long_a_path_fails_before_training_and_causes_are_quoted_whole(
        tmp_path, images, monkeypatch):
    """B8: a run folder whose checkpoint paths would pass PATH_MAX is refused before any
    step, naming the limit; a failed checkpoint quotes its cause whole (a 'No space
    left' after 160 characters was cut off) and advises freeing space only then."""
    import tensorflow as tf

    from infogan_utils.training import CheckpointEvery, build_model, make_checkpoint

    limit = os.pathconf(tmp_path, "PC_PATH_MAX")
    out = tmp_path
    while len(str(out)) < limit - 60:
        out = out / ("d" * min(200, limit - 60 - len(str(out))))
    t = time.perf_counter()
    with pytest.raises(RunFolderError, match=rf"path is too long.*path limit \(PATH_MAX\) is "
                                             rf"{limit - 1} characters"):
        train(CONFIG, 20, out, images=images, **KW)
    assert time.perf_counter() - t < 5 and not out.exists()

    model = build_model(CONFIG)
    (tmp_path / "run").mkdir()
    saver = CheckpointEvery(make_checkpoint(model, tmp_path / "run"))
    saver.set_model(model)
    for text, kind, advice in (("x" * 200 + " No space left on device", DiskFullError,
                                "Free some space"),
                               ("y" * 200 + " Permission denied", RunFolderError,
                                "Once that is fixed")):
        def fail(*a, **k):
            raise tf.errors.UnknownError(None, None, text)

        monkeypatch.setattr(saver.manager, "save", fail)
        with pytest.raises(kind) as caught:
            saver.save(10)
        assert text in str(caught.value) and advice in str(caught.value)
        assert (kind is DiskFullError) == ("Free some" in str(caught.value))


def test_a_checkpoint_of_another_run_falls_back_to_the_newest_that_fits(run, images, capsys,
                                                                        tmp_path):
    """U2: a checkpoint of another architecture copied in as the newest is passed over
    with a notice, before anything changes (train and evaluate --run alike)."""
    other = tmp_path / "other"
    train(CONFIG.replace(num_continuous=3), 10, other, images=images, **KW)
    for p in (other / "checkpoints").glob("ckpt-10.*"):
        shutil.copyfile(p, run / "checkpoints" / p.name.replace("ckpt-10", "ckpt-30"))
    capsys.readouterr()
    model = train(CONFIG, 20, run, images=images, **KW)
    out = capsys.readouterr().out
    assert current_step(model) == 20 and "from step 20" in out
    assert "checkpoint ckpt-30" in out and "does not fit this run" in out
    assert "num_continuous': (3, 2)" in out and "falling back to ckpt-20" in out
    assert 'model_checkpoint_path: "ckpt-20"' in (run / "checkpoints" / "checkpoint").read_text()
    assert current_step(load_run(run)) == 20
    assert "falling back to ckpt-20" in capsys.readouterr().err
    # A checkpoint that records no settings (written before they were) is tried, and
    # passed over when it does not restore into this run's networks.
    from infogan_utils.training import build_model, checkpoint_object

    for p in (run / "checkpoints").glob("ckpt-30.*"):
        p.unlink()
    checkpoint_object(build_model(CONFIG.replace(num_continuous=3))).write(
        str(run / "checkpoints" / "ckpt-30"))
    assert current_step(train(CONFIG, 20, run, images=images, **KW)) == 20
    out = capsys.readouterr().out
    assert "ckpt-30" in out and "does not restore into this run's networks" in out
    assert "falling back to ckpt-20" in out


def test_auto_precision_is_resolved_once_and_kept_on_resume(tmp_path, images, monkeypatch):
    """U3: "auto" is resolved when a run begins and recorded (config.json and each
    checkpoint); a resume keeps it. A machine without bfloat16 gets one line saying to
    pass --precision mixed_bfloat16, which is accepted (it was refused as another
    config)."""
    import infogan_utils.speed as speed

    out = tmp_path / "run"
    monkeypatch.setattr(speed, "cpu_has_bf16", lambda: True)
    train(CONFIG.replace(precision="auto"), 10, out, images=images, **KW)
    assert InfoGANConfig.load(out / "config.json").precision == "mixed_bfloat16"
    monkeypatch.setattr(speed, "cpu_has_bf16", lambda: False)  # a laptop's CPU
    before = _snapshot(out)
    with pytest.raises(RunFolderError, match=r"trains in mixed_bfloat16.*Pass --precision "
                                             r"mixed_bfloat16"):
        train(CONFIG.replace(precision="auto"), 20, out, images=images, **KW)
    assert _snapshot(out) == before
    model = train(CONFIG.replace(precision="mixed_bfloat16"), 10, out, images=images, **KW)
    assert current_step(model) == 10 and model.config.precision == "mixed_bfloat16"


@pytest.mark.parametrize("kept,lost", [(1, "20"), (0, "10-20")])
def test_history_rows_lost_before_the_checkpoint_are_noticed(run, images, capsys, kept, lost):
    """U4: rows missing before the checkpoint (cut at a line boundary, or a header-only
    file) are reported; the run resumes and appends from its checkpoint."""
    lines = (run / "history.csv").read_text().splitlines(keepends=True)
    (run / "history.csv").write_text("".join(lines[:1 + kept]))
    assert current_step(train(CONFIG, 20, run, images=images, **KW)) == 20
    assert f"history.csv has no rows for steps {lost} (they were lost)" in \
        capsys.readouterr().out
