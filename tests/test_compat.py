"""A run started before issue 29's redesign resumes after it bitwise-exactly.

The package of commit 299ef95 (the last one before the redesign: InfoGAN with its
extensions inline, optimizers.py, the fused kernels in models.py) trains a tiny run to
step 10 in a subprocess; the package of this tree resumes it to step 20. Its weights, its
optimisers and its history must equal, bit for bit, those of a run this tree trains
straight to step 20: every step of the old code is a step of the new one.

Three runs: the paper's recipe, InfoGAN-CR with the style view (``cat_augment``) and
InfoGAN-CR with the thickness view (``cont_thickness``), the contrastive term on from
step 0. All three options at once are not among them: without XLA, TensorFlow's graph
optimiser (grappler's constant folding and memory optimiser) sums some gradients in an
order that depends on the order of the graph's nodes, which no restructuring keeps; the
old code itself changes its weights in the last bits when two of its independent random
draws are swapped. With XLA (``jit_compile="on"``) those runs agree bit for bit too.
"""

import json
import os
import shutil
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "299ef95"
CR = dict(contrastive_weight=2.0, contrastive_start=0, contrastive_gap=1.0,
          contrastive_gap_until=15)
RUNS = {"paper": {}, "cr_style": dict(CR, cat_augment=1.0),
        "cr_thickness": dict(CR, cont_thickness=0.5)}
SETTINGS = dict(log_every=10, checkpoint_every=10, verbose=0, jit_compile="off")
LOSSES = ("d_loss", "g_loss", "info_cat", "info_cont", "mi_lower_bound", "cr_loss")

OLD_RUN = """
import json, sys
from infogan_utils import InfoGANConfig, load_mnist
from infogan_utils.training import train
runs, out, mnist, settings = json.loads(sys.argv[1])
(x, _), _ = load_mnist(mnist)
for name, changes in runs.items():
    train(InfoGANConfig(batch_size=8, seed=3, **changes), 10, f"{out}/{name}",
          images=x[:512], **settings)
"""


def _old_package(folder: Path) -> Path:
    """The package as of BEFORE, extracted into ``folder`` (skips without git or it)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed: the package before the change cannot be read")
    found = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{BEFORE}^{{commit}}"],
                           capture_output=True)
    if found.returncode:
        pytest.skip(f"commit {BEFORE} is not in this clone (a shallow clone?): the package "
                    f"before the change cannot be read")
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE, "infogan_utils"],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


@pytest.fixture(scope="module")
def old_runs(tmp_path_factory, mnist):
    """Each run of RUNS trained to step 10 by the package before the change."""
    package = _old_package(tmp_path_factory.mktemp("before"))
    out = tmp_path_factory.mktemp("runs")
    env = {**os.environ, "PYTHONPATH": str(package)}
    args = json.dumps([RUNS, str(out), str(ROOT / "data" / "mnist.npz"), SETTINGS])
    result = subprocess.run([sys.executable, "-c", OLD_RUN, args], env=env, cwd=out,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


@pytest.mark.parametrize("name", RUNS)
def test_a_run_of_the_old_package_resumes_bitwise_exactly(name, old_runs, mnist, tmp_path):
    from infogan_utils import InfoGANConfig
    from infogan_utils.training import current_step, read_history, train

    (x, _), _ = mnist
    config = InfoGANConfig(batch_size=8, seed=3, **RUNS[name])
    resumed = train(config, 20, old_runs / name, images=x[:512], **SETTINGS)
    straight = train(config, 20, tmp_path / name, images=x[:512], **SETTINGS)
    assert current_step(resumed) == current_step(straight) == 20
    for a, b in zip(resumed.weights, straight.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
    for optimizer in ("d_optimizer", "g_optimizer"):
        for a, b in zip(getattr(resumed, optimizer).variables,
                        getattr(straight, optimizer).variables, strict=True):
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
    old, new = read_history(old_runs / name / "history.csv"), read_history(tmp_path / name /
                                                                            "history.csv")
    np.testing.assert_array_equal(old["step"], [10, 20])
    for column in LOSSES:
        if column in new or column in old:
            np.testing.assert_array_equal(old[column], new[column], err_msg=column)
