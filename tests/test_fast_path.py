"""The fastest path per machine (issue 18): XLA's choice, its augmentation, its runs.

Speeds are measured by benchmarks/train_throughput.py and benchmarks/time_to_accuracy.py,
not here: these tests check that the choice follows the documented rule and that the
XLA path computes the same thing and resumes exactly.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from infogan_utils import InfoGANConfig, class_recipe, speed
from infogan_utils.data import augment_images
from infogan_utils.speed import resolve_jit
from infogan_utils.training import build_model, current_step, train


# ---------------------------------------------------------------------- the choice
@pytest.mark.parametrize("flags, isa, bf16, avx512", [
    ({"avx2", "fma"}, "", False, False),                      # a laptop
    ({"avx2", "avx512f"}, "", False, True),                   # AVX-512, no bf16
    ({"avx2", "avx512f", "avx512_bf16"}, "", True, True),     # this project's EPYC
    ({"avx2", "avx512f", "amx_bf16"}, "", True, True),        # AMX
    ({"avx2", "avx512f", "avx512_bf16"}, "AVX2", False, False),  # capped to a laptop's
    ({"avx2", "avx512f", "avx512_bf16"}, "AVX512_CORE", False, True),
    ({"avx2", "avx512f", "avx512_bf16"}, "avx512_core_bf16", True, True),
])
def test_cpu_flags_follow_the_cpu_and_the_onednn_cap(monkeypatch, flags, isa, bf16, avx512):
    monkeypatch.setattr(speed, "_cpu_flags", lambda: set(flags))
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", isa)
    assert speed.cpu_has_bf16() is bf16
    assert speed.cpu_has_avx512() is avx512


@pytest.mark.parametrize("flags, precision, expected", [
    ({"avx2"}, "float32", True),                      # laptop, float32: XLA
    ({"avx2"}, "auto", True),                         # laptop: auto is float32
    ({"avx2", "avx512f"}, "float32", False),          # AVX-512: XLA measured no faster
    ({"avx2", "avx512f", "avx512_bf16"}, "auto", False),  # bf16: oneDNN
    ({"avx2"}, "mixed_bfloat16", False),
])
def test_auto_compile_mode_follows_the_documented_rule(monkeypatch, flags, precision,
                                                       expected):
    monkeypatch.setattr(speed, "_cpu_flags", lambda: set(flags))
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    assert resolve_jit("auto", InfoGANConfig(precision=precision)) is expected


@pytest.mark.parametrize("value, expected", [("on", True), (True, True), ("off", False),
                                             (False, False)])
def test_explicit_compile_modes(value, expected):
    assert resolve_jit(value, InfoGANConfig()) is expected
    assert build_model(InfoGANConfig(batch_size=8), jit_compile=value).jit_compile is expected


@pytest.mark.parametrize("value", ["yes", "xla", None, 1.5])
def test_bad_compile_mode_is_refused_before_anything_is_written(tmp_path, value):
    with pytest.raises(ValueError, match="jit_compile must be one of auto, on, off"):
        train(InfoGANConfig(batch_size=8), 10, tmp_path / "run", jit_compile=value,
              images=np.zeros((64, 28, 28), np.uint8), log_every=10)
    assert not (tmp_path / "run").exists()


def test_cli_refuses_a_bad_jit_value_in_one_line(tmp_path, capsys):
    from infogan_utils import cli

    assert cli.main(["train", "--out", str(tmp_path / "r"), "--jit", "maybe"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "--jit" in err[0]
    assert not (tmp_path / "r").exists()


# ---------------------------------------------------------------------- same maths
def _styles(n, seed=0):
    u = np.random.default_rng(seed).uniform(-1, 1, (6, n)).astype("float32")
    return dict(shear=0.8 * u[0], scale_x=np.exp(0.4 * u[1]), scale_y=np.exp(0.2 * u[2]),
                shift_x=4 * u[3], shift_y=4 * u[4], thickness=u[5])


def test_xla_augmentation_equals_keras_affine_transform(mnist):
    (x, _), _ = mnist
    images = tf.constant(x[:200, :, :, None] / 255.0, tf.float32)
    styles = _styles(200)
    reference = augment_images(images, **styles).numpy()  # Keras's kernel
    gathered = augment_images(images, **styles, xla=True).numpy()
    compiled = tf.function(lambda im: augment_images(im, **styles, xla=True),
                           jit_compile=True)(images).numpy()
    np.testing.assert_allclose(gathered, reference, atol=1e-6)
    np.testing.assert_allclose(compiled, reference, atol=1e-6)
    assert np.abs(reference - images.numpy()).max() > 0.5  # the styles did change them


def test_xla_augmentation_gradients_equal_keras(mnist):
    (x, _), _ = mnist
    images = tf.constant(x[:16, :, :, None] / 255.0, tf.float32)
    styles = _styles(16, seed=1)
    weights = tf.random.stateless_normal((16, 28, 28, 1), (1, 2))
    grads = []
    for xla in (False, True):
        with tf.GradientTape() as tape:
            tape.watch(images)
            loss = tf.reduce_sum(weights * augment_images(images, **styles, xla=xla))
        grads.append(tape.gradient(loss, images).numpy())
    np.testing.assert_allclose(grads[1], grads[0], atol=1e-5)


def test_one_xla_step_matches_the_plain_step(mnist):
    """XLA changes the speed, not the algorithm: one step from the same weights on the
    same codes gives the same losses and weights (float rounding apart), cat_augment
    included. The codes are fixed here: XLA's Philox generator turns the same seed into
    other floats than TensorFlow's kernel, so a compiled run draws other codes. The
    optimisers are plain SGD, so each weight moves by its gradient (Adam's first step
    moves every weight by about lr whatever its gradient, which turns rounding noise in
    near-zero gradients, such as those of biases before a batch norm, into full steps)."""
    (x, _), _ = mnist
    config = InfoGANConfig(batch_size=16, seed=3, cat_augment=1.0)
    real = tf.constant(x[:16, :, :, None] / 255.0, tf.float32)
    probe = build_model(config, jit_compile="off")
    codes = [tf.constant(v.numpy()) for v in probe.sample_codes(16, 0)]
    augment = {k: tf.constant(v.numpy())
               for k, v in probe.extensions["style"].sample(16, 0).items()}
    results = []
    for mode in ("off", "on"):
        model = build_model(config, jit_compile=mode)
        model.compile(d_optimizer=keras.optimizers.SGD(0.1),
                      g_optimizer=keras.optimizers.SGD(0.1), jit_compile=mode == "on")
        model.sample_codes = lambda b, step: codes
        model.extensions["style"].sample = lambda b, step: augment
        model.make_train_function()
        logs = model.train_function(iter([real]))
        results.append(({k: float(v) for k, v in logs.items()},
                        [w.numpy() for w in model.weights]))
    (logs_off, w_off), (logs_on, w_on) = results
    for name in logs_off:
        assert logs_on[name] == pytest.approx(logs_off[name], rel=1e-4, abs=1e-5), name
    for a, b, start in zip(w_off, w_on, probe.weights, strict=True):
        moved = np.abs(a - start.numpy()).max()
        np.testing.assert_allclose(b, a, atol=1e-6 + 1e-3 * moved)
    assert max(np.abs(a - s.numpy()).max() for a, s in zip(w_off, probe.weights)) > 1e-2


def test_xla_run_resumes_to_the_same_weights_as_a_straight_run(mnist, tmp_path):
    (x, _), _ = mnist
    images = x[:512]
    config = InfoGANConfig(batch_size=16, seed=4, cat_augment=1.0)
    kw = dict(images=images, log_every=10, checkpoint_every=10, verbose=0, jit_compile="on")
    straight = train(config, 20, tmp_path / "straight", **kw)
    train(config, 10, tmp_path / "stopped", **kw)
    resumed = train(config, 20, tmp_path / "stopped", **kw)
    assert current_step(resumed) == 20
    for a, b in zip(straight.weights, resumed.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


# ---------------------------------------------------------------------- the class recipe
def test_class_recipe_is_the_documented_one():
    recipe = class_recipe()
    assert recipe.cat_augment == 1.0 and recipe.precision == "auto"
    assert recipe == InfoGANConfig(**{**recipe.to_dict()})
    assert class_recipe(seed=5).seed == 5


# ---------------------------------------------------------------------- stated numbers
def test_readme_table_of_time_to_accuracy_is_the_measured_one():
    """The README's class-time table is what benchmarks/time_to_accuracy.py --table
    prints for the measurements in data/experiments/ (so a re-run cannot go stale)."""
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "benchmarks"))
    from time_to_accuracy import markdown_table

    paths = sorted((root / "data" / "experiments").glob("time_to_accuracy_*.json"))
    assert len(paths) >= 3, "the laptop case on three seeds, at least"
    assert markdown_table(paths) in (root / "README.md").read_text()


def test_auto_keeps_xla_off_under_a_strategy_over_several_devices(monkeypatch):
    import contextlib

    class TwoDevices:  # what build_model reads of a tf.distribute strategy
        num_replicas_in_sync = 2

        def scope(self):
            return contextlib.nullcontext()

    monkeypatch.setattr(speed, "_cpu_flags", lambda: {"avx2"})  # a laptop: auto is XLA
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    config = InfoGANConfig(batch_size=8)
    assert build_model(config, jit_compile="auto").jit_compile is True
    assert build_model(config, TwoDevices(), jit_compile="auto").jit_compile is False
    assert build_model(config, TwoDevices(), jit_compile="on").jit_compile is True


def _notebook_03_parameters(monkeypatch, **env):
    """Run notebook 03's parameters cell with these environment variables."""
    import json
    import os
    import tempfile
    from pathlib import Path

    for key in ("INFOGAN_FAST", "INFOGAN_MODE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    root = Path(__file__).resolve().parents[1]
    cells = json.loads((root / "notebooks" / "03_training.ipynb").read_text())["cells"]
    source = next("".join(c["source"]) for c in cells if c["cell_type"] == "code"
                  and "".join(c["source"]).startswith('FAST = os.environ.get("INFOGAN_FAST")'))
    from infogan_utils import CLASS_STEPS

    namespace = dict(os=os, Path=Path, tempfile=tempfile, CLASS_STEPS=CLASS_STEPS)
    exec(source, namespace)
    os.rmdir(namespace["RUN_ROOT"])
    return namespace


def test_notebook_03_class_mode_trains_the_class_steps(monkeypatch):
    from infogan_utils import CLASS_STEPS

    full = _notebook_03_parameters(monkeypatch)
    lesson = _notebook_03_parameters(monkeypatch, INFOGAN_MODE="class")
    fast = _notebook_03_parameters(monkeypatch, INFOGAN_MODE="class", INFOGAN_FAST="1")
    assert lesson["STAGES"][-1] == CLASS_STEPS < full["STAGES"][-1]
    assert lesson["MY_STEPS"] < full["MY_STEPS"] and lesson["EX_STEPS"] < full["EX_STEPS"]
    assert fast["STAGES"][-1] < lesson["STAGES"][0]  # the CI switch wins
    with pytest.raises(ValueError, match="INFOGAN_MODE must be 'class' or unset"):
        _notebook_03_parameters(monkeypatch, INFOGAN_MODE="lesson")
