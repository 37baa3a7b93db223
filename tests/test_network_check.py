"""Notebook 02's checks: check_network names the layer that differs, and the loss hints
name the likely mistake."""

import numpy as np
import pytest

from infogan_utils import InfoGANConfig, build_d_head, build_shared_trunk, loss_hints
from infogan_utils.checks import WrongAnswer
from infogan_utils.network_check import check_network

import keras  # noqa: E402  (after infogan_utils, which selects the backend)
from keras import layers  # noqa: E402

BN = dict(momentum=0.9, epsilon=1e-5)
CONFIG = InfoGANConfig(precision="float32")


def _trunk(batch_norm=True, leak=0.1, strides=2):
    image = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(64, 4, strides=2, padding="same", name="conv1")(image)
    x = layers.LeakyReLU(leak, name="conv1_lrelu")(x)
    x = layers.Conv2D(128, 4, strides=strides, padding="same", name="conv2")(x)
    if batch_norm:
        x = layers.BatchNormalization(**BN, name="conv2_bn")(x)
    x = layers.LeakyReLU(leak, name="conv2_lrelu")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(1024, name="fc")(x)
    x = layers.BatchNormalization(**BN, name="fc_bn")(x)
    return keras.Model(image, layers.LeakyReLU(leak, name="features")(x))


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).uniform(0, 1, (8, 28, 28, 1)).astype("float32")


def test_stub_is_not_answered(capsys, images):
    assert check_network("t", None, build_shared_trunk(CONFIG), images) is False
    assert capsys.readouterr().out.startswith("Not answered yet")


def test_right_network_is_correct(capsys, images):
    assert check_network("t", _trunk(), build_shared_trunk(CONFIG), images) is True
    assert capsys.readouterr().out.startswith("Correct!")
    assert check_network("t", _trunk(), build_shared_trunk(CONFIG), images,
                         example=True) is None
    assert "Correct!" not in capsys.readouterr().out


@pytest.mark.parametrize("kwargs, named", [
    (dict(batch_norm=False), "`conv2_bn`"),  # a missing layer
    (dict(strides=1), "`conv2`"),  # a wrong shape
    (dict(leak=0.2), "`conv1_lrelu`"),  # a wrong activation: outputs differ there
])
def test_wrong_network_names_the_layer(kwargs, named, images):
    with pytest.raises(WrongAnswer, match="Hint:") as error:
        check_network("t", _trunk(**kwargs), build_shared_trunk(CONFIG), images)
    assert named in str(error.value)


def test_not_a_model_is_wrong():
    with pytest.raises(WrongAnswer, match="keras.Model"):
        check_network("t", "a string", build_d_head(CONFIG), np.zeros((2, 1024), "float32"))


def test_loss_hints_name_the_cause():
    assert "softplus" in loss_hints.discriminator_loss(np.inf, 1.0)
    assert "averaged" in loss_hints.discriminator_loss(64.0, 1.0)
    assert "right way round" in loss_hints.discriminator_loss(1.01, 1.0)
    assert "saturating" in loss_hints.generator_loss(-0.7, 0.7)
    assert "D's term" in loss_hints.generator_loss(0.68, 0.70)
    expected = {"info_cat": 2.3, "info_cont": 2.1, "info": 2.51}
    assert "negative" in loss_hints.information_loss({**expected, "info_cat": -2.3}, expected)
    assert "sum" in loss_hints.information_loss({**expected, "info_cont": 1.05}, expected)
    assert "lambda" in loss_hints.information_loss({**expected, "info": 2.4}, expected)
    assert "dict" in loss_hints.information_loss(2.51, expected)
