"""Fault injection: run folders lose nothing, and every fault ends in one clear message.

kill -9 at random moments and inside saves, damaged or missing files of every kind, two
writers, a full disk, absurd command-line values. Each test checks that no history row,
step or weight was lost (or that nothing changed) and that the message names the
problem. Small runs (batch 8-16, 10-40 steps), so the module stays within CI's budget.
"""

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
        tmp_path, images):
    """One run killed three times (at a random moment, in the middle of appending a
    history row, and between writing and renaming the final weights) and resumed ends
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
    time.sleep(random.Random(15).uniform(0.0, 2.0))  # a random moment, reproducibly
    first.send_signal(signal.SIGKILL)
    assert _finish(first)[0] == -signal.SIGKILL, "the first run ended before the kill"

    rc, _, err = _finish(_popen(killed, fault="history:30"))  # dies mid-append of row 30
    assert rc == -signal.SIGKILL, err[-2000:]
    assert not (killed / "history.csv").read_bytes().endswith(b"\n"), "row 30 is torn"

    rc, out, err = _finish(_popen(killed, fault="replace:generator.weights.h5"))
    assert rc == -signal.SIGKILL, err[-2000:]
    assert "resuming" in out and list(killed.glob(".tmp-*generator.weights.h5"))
    assert not (killed / "generator.weights.h5").exists()

    rc, out, err = _finish(_popen(killed))
    assert rc == 0, err[-2000:]
    assert "from step 40" in out and "notice: removed" in out
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

