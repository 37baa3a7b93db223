"""``cont_thickness``: Q reads the continuous codes from a copy of each generated image
with its stroke thickness changed at random (an option, off by default; issue 16)."""

import json

import numpy as np
import pytest
import tensorflow as tf

from infogan_utils import InfoGAN, InfoGANConfig
from infogan_utils.data import augment_images
from infogan_utils.losses import gaussian_code_loss


def _batch(model, b=16, step=0):
    real = tf.random.stateless_uniform((b, 28, 28, 1), [7, 7])
    return real, model.sample_codes(b, step)


def test_off_by_default_draws_nothing_and_changes_nothing():
    model = InfoGAN(InfoGANConfig(seed=1))
    assert InfoGANConfig().cont_thickness == 0.0
    assert model.sample_cont_view(16, 0) is None
    assert "cont_thickness" not in repr(InfoGANConfig())  # the paper's printout


def test_views_are_stateless_and_in_range():
    model = InfoGAN(InfoGANConfig(cont_thickness=0.8, seed=1))
    a, b = model.sample_cont_view(500, 7), model.sample_cont_view(500, 7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, model.sample_cont_view(500, 8))
    assert float(tf.reduce_max(tf.abs(a))) <= 0.8 and float(tf.reduce_max(tf.abs(a))) > 0.7


def test_q_reads_the_continuous_codes_from_the_thickened_images():
    model = InfoGAN(InfoGANConfig(cont_thickness=1.0, seed=2))
    real, codes = _batch(model)
    view = model.sample_cont_view(16, 0)
    terms = model.objectives(real, *codes, training=False, cont_view=view)
    fake = model.generator(model.compose(*codes), training=False)
    _, q = model.discriminate(augment_images(fake, thickness=view), training=False)
    expected = gaussian_code_loss(codes[1], q["cont_mean"])
    np.testing.assert_allclose(float(terms["info_cont"]), float(expected), rtol=1e-6)
    plain = model.objectives(real, *codes, training=False)
    assert abs(float(terms["info_cont"]) - float(plain["info_cont"])) > 1e-6
    # the category's bound and the GAN terms do not see the view
    for key in ("info_cat", "mi_lower_bound", "d_loss", "g_loss"):
        np.testing.assert_allclose(float(terms[key]), float(plain[key]), rtol=1e-6)
    # G learns through the view: the gradient of info_cont reaches it
    with tf.GradientTape() as tape:
        info = model.objectives(real, *codes, training=False, cont_view=view)["info_cont"]
    grads = tape.gradient(info, model.generator.trainable_variables)
    assert any(g is not None and float(tf.reduce_max(tf.abs(g))) > 0 for g in grads)


def test_train_step_uses_the_view():
    model = InfoGAN(InfoGANConfig(cont_thickness=1.0, batch_size=16, seed=4))
    model.compile()
    logs = model.train_step(tf.random.stateless_uniform((16, 28, 28, 1), [1, 2]))
    assert np.isfinite(float(logs["info_cont"]))


@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_invalid_values_name_the_field(value):
    with pytest.raises(ValueError, match="cont_thickness"):
        InfoGANConfig(cont_thickness=value)


def test_cli_passes_the_flag_into_the_run(tmp_path, mnist):
    from infogan_utils import cli

    out = tmp_path / "thick"
    assert cli.main(["train", "--out", str(out), "--steps", "10", "--batch-size", "16",
                     "--log-every", "10", "--checkpoint-every", "10",
                     "--cont-thickness", "0.5"]) == 0
    assert json.loads((out / "config.json").read_text())["cont_thickness"] == 0.5
