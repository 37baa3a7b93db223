"""``cont_thickness``: Q reads the continuous codes from a copy of each generated image
with its stroke thickness changed at random (an option, off by default; issue 16)."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from infogan_utils import InfoGAN, InfoGANConfig
from infogan_utils.data import augment_images
from infogan_utils.extensions import StepTerms
from infogan_utils.losses import gaussian_code_loss


def test_off_by_default_draws_nothing_and_changes_nothing():
    model = InfoGAN(InfoGANConfig(seed=1))
    assert InfoGANConfig().cont_thickness == 0.0
    assert "thickness" not in model.extensions
    assert "cont_thickness" not in repr(InfoGANConfig())  # the paper's printout
    assert "thickness" not in InfoGAN(InfoGANConfig(num_continuous=0,
                                                    cont_thickness=0.5)).extensions


def test_views_are_stateless_and_in_range():
    view = InfoGAN(InfoGANConfig(cont_thickness=0.8, seed=1)).extensions["thickness"]
    a, b = view.sample(500, 7), view.sample(500, 7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, view.sample(500, 8))
    assert float(tf.reduce_max(tf.abs(a))) <= 0.8 and float(tf.reduce_max(tf.abs(a))) > 0.7


def _first_logs(config, real):
    keras.utils.set_random_seed(config.seed)
    model = InfoGAN(config)
    model.compile()
    return {k: float(v) for k, v in model.train_step(real).items()}


def test_q_reads_the_continuous_codes_from_the_thickened_images():
    model = InfoGAN(InfoGANConfig(cont_thickness=1.0, seed=2))
    thickness = model.extensions["thickness"]
    codes = model.sample_codes(16, 0)
    with tf.GradientTape() as tape:
        fake = model.generator(model.compose(*codes), training=True)
        terms = StepTerms(tf.constant(0), codes, fake, tf.constant(0.0), tf.constant(0.0))
        thickness.add_terms(terms)
    view = thickness.sample(16, 0)
    _, q = model.discriminate(augment_images(fake, thickness=view), training=True)
    expected = gaussian_code_loss(codes[1], q["cont_mean"])
    np.testing.assert_allclose(float(terms.cont_nll), float(expected), rtol=1e-6)
    assert float(terms.cat_nll) == 0.0 and not terms.d_terms and not terms.g_terms
    # G learns through the view: the gradient of info_cont reaches it
    grads = tape.gradient(terms.cont_nll, model.generator.trainable_variables)
    assert any(g is not None and float(tf.reduce_max(tf.abs(g))) > 0 for g in grads)
    # in a step, the category's bound and the GAN terms do not see the view
    real = tf.random.stateless_uniform((16, 28, 28, 1), [7, 7])
    plain = _first_logs(InfoGANConfig(seed=2), real)
    viewed = _first_logs(InfoGANConfig(cont_thickness=1.0, seed=2), real)
    assert abs(viewed["info_cont"] - plain["info_cont"]) > 1e-6
    for key in ("info_cat", "mi_lower_bound", "d_loss", "g_loss"):
        assert viewed[key] == pytest.approx(plain[key], rel=1e-6), key


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
