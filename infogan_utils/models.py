"""The networks of InfoGAN for MNIST, exactly as the paper's Table 1.

Generator G(z, c)::

    input (noise_dim + K + M)
    FC 1024, BN, ReLU
    FC 7*7*128, BN, ReLU, reshape 7x7x128
    4x4 up-conv 64, stride 2, BN, ReLU      -> 14x14x64
    4x4 up-conv 1, stride 2, sigmoid        -> 28x28x1

Discriminator D and recognition network Q share one trunk::

    input 28x28x1
    4x4 conv 64, stride 2, lReLU(0.1)       -> 14x14x64
    4x4 conv 128, stride 2, BN, lReLU(0.1)  -> 7x7x128
    FC 1024, BN, lReLU(0.1)                 -> features (1024)

    D head: FC 1 (a logit; the sigmoid lives in the loss)
    Q head: FC 128, BN, lReLU(0.1), then FC K (categorical logits)
            and FC M (Gaussian means) [+ FC M log-variances if the variance is learned]

Mixed precision: with ``precision="mixed_bfloat16"`` the hidden layers compute in
bfloat16 while every output layer (G's sigmoid, D's logit, Q's logits and moments)
computes and returns float32, so losses and softmax/sigmoid stay in float32. The batch
norm is Keras's, with its training pass one fused kernel; the dtype policy and the batch
norm come from :mod:`infogan_utils.speed`.

The learner writes each network with Keras layers and checks it against these builders
(same weights, same outputs) in notebook 02, "The three networks: write them".
"""

from __future__ import annotations

import keras
from keras import layers

from .config import InfoGANConfig
from .speed import BatchNormalization, compute_dtype

LEAK = 0.1  # paper: leaky rectifier with leak 0.1
BN = dict(momentum=0.9, epsilon=1e-5)


def build_generator(config: InfoGANConfig = InfoGANConfig()) -> keras.Model:
    """G: latent (batch, noise_dim + K + M) -> images (batch, 28, 28, 1) in [0, 1]."""
    dt = compute_dtype(config)
    z = keras.Input((config.latent_dim,), name="latent")
    x = layers.Dense(1024, dtype=dt, name="fc1")(z)
    x = BatchNormalization(**BN, dtype=dt, name="fc1_bn")(x)
    x = layers.ReLU(dtype=dt, name="fc1_relu")(x)
    x = layers.Dense(7 * 7 * 128, dtype=dt, name="fc2")(x)
    x = BatchNormalization(**BN, dtype=dt, name="fc2_bn")(x)
    x = layers.ReLU(dtype=dt, name="fc2_relu")(x)
    x = layers.Reshape((7, 7, 128), dtype=dt, name="reshape")(x)
    x = layers.Conv2DTranspose(64, 4, strides=2, padding="same", dtype=dt, name="upconv1")(x)
    x = BatchNormalization(**BN, dtype=dt, name="upconv1_bn")(x)
    x = layers.ReLU(dtype=dt, name="upconv1_relu")(x)
    x = layers.Conv2DTranspose(1, 4, strides=2, padding="same", dtype="float32",
                               name="upconv2")(x)
    x = layers.Activation("sigmoid", dtype="float32", name="image")(x)
    return keras.Model(z, x, name="generator")


def build_shared_trunk(config: InfoGANConfig = InfoGANConfig()) -> keras.Model:
    """The layers D and Q share: images (batch, 28, 28, 1) -> features (batch, 1024)."""
    dt = compute_dtype(config)
    img = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(64, 4, strides=2, padding="same", dtype=dt, name="conv1")(img)
    x = layers.LeakyReLU(LEAK, dtype=dt, name="conv1_lrelu")(x)
    x = layers.Conv2D(128, 4, strides=2, padding="same", dtype=dt, name="conv2")(x)
    x = BatchNormalization(**BN, dtype=dt, name="conv2_bn")(x)
    x = layers.LeakyReLU(LEAK, dtype=dt, name="conv2_lrelu")(x)
    x = layers.Flatten(dtype=dt, name="flatten")(x)
    x = layers.Dense(1024, dtype=dt, name="fc")(x)
    x = BatchNormalization(**BN, dtype=dt, name="fc_bn")(x)
    x = layers.LeakyReLU(LEAK, dtype=dt, name="features")(x)
    return keras.Model(img, x, name="shared_trunk")


def build_d_head(config: InfoGANConfig = InfoGANConfig()) -> keras.Model:
    """D's head: features (batch, 1024) -> real/fake logit (batch, 1), float32."""
    f = keras.Input((1024,), name="features")
    logit = layers.Dense(1, dtype="float32", name="d_logit")(f)
    return keras.Model(f, logit, name="d_head")


def build_q_head(config: InfoGANConfig = InfoGANConfig()) -> keras.Model:
    """Q's head: features (batch, 1024) -> a dict of float32 outputs.

    ``cat_logits`` (batch, K): logits of Q(c1 | x);
    ``cont_mean`` (batch, M): means of the Gaussian Q(c_j | x);
    ``cont_logvar`` (batch, M): log-variances, only when ``config.fix_var`` is False.
    """
    dt = compute_dtype(config)
    f = keras.Input((1024,), name="features")
    x = layers.Dense(128, dtype=dt, name="fc")(f)
    x = BatchNormalization(**BN, dtype=dt, name="fc_bn")(x)
    x = layers.LeakyReLU(LEAK, dtype=dt, name="fc_lrelu")(x)
    out = {"cat_logits": layers.Dense(config.num_categories, dtype="float32",
                                      name="cat_logits")(x)}
    if config.num_continuous:
        out["cont_mean"] = layers.Dense(config.num_continuous, dtype="float32",
                                        name="cont_mean")(x)
        if not config.fix_var:
            out["cont_logvar"] = layers.Dense(config.num_continuous, dtype="float32",
                                              name="cont_logvar")(x)
    return keras.Model(f, out, name="q_head")
