"""A plain Keras InfoGAN training step: the yardstick for the project's fast path.

What a learner writes from a tutorial (and what notebook 03's ``MyInfoGAN`` is): the
paper's Table 1 networks from stock Keras layers (``Dense``, ``Conv2D``,
``Conv2DTranspose``, ``BatchNormalization``, ``LeakyReLU``), ``keras.optimizers.Adam``,
and a ``tf.function`` that runs G, then the trunk on the real and on the fake batch, and
applies the gradients of both players from one forward pass. float32, no XLA, no fused
kernels. It trains the same model as ``infogan_utils.InfoGAN`` with ``cat_augment=0``
(same losses, same updates); only the speed is compared, in
``benchmarks/train_throughput.py --compare-plain``.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers

BN = dict(momentum=0.9, epsilon=1e-5)


def plain_networks(noise_dim=62, k=10, m=2):
    """(G, trunk, D head, Q head) of Table 1 from stock Keras layers, float32."""
    z = keras.Input((noise_dim + k + m,))
    x = layers.ReLU()(layers.BatchNormalization(**BN)(layers.Dense(1024)(z)))
    x = layers.ReLU()(layers.BatchNormalization(**BN)(layers.Dense(7 * 7 * 128)(x)))
    x = layers.Reshape((7, 7, 128))(x)
    x = layers.Conv2DTranspose(64, 4, strides=2, padding="same")(x)
    x = layers.ReLU()(layers.BatchNormalization(**BN)(x))
    x = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid")(x)
    g = keras.Model(z, x)
    img = keras.Input((28, 28, 1))
    x = layers.LeakyReLU(0.1)(layers.Conv2D(64, 4, strides=2, padding="same")(img))
    x = layers.Conv2D(128, 4, strides=2, padding="same")(x)
    x = layers.LeakyReLU(0.1)(layers.BatchNormalization(**BN)(x))
    x = layers.Dense(1024)(layers.Flatten()(x))
    x = layers.LeakyReLU(0.1)(layers.BatchNormalization(**BN)(x))
    trunk = keras.Model(img, x)
    f = keras.Input((1024,))
    d_head = keras.Model(f, layers.Dense(1)(f))
    h = layers.LeakyReLU(0.1)(layers.BatchNormalization(**BN)(layers.Dense(128)(f)))
    q_head = keras.Model(f, [layers.Dense(k)(h), layers.Dense(m)(h)])
    return g, trunk, d_head, q_head


def plain_train_function(batch, noise_dim=62, k=10, m=2, lambda_cont=0.1, seed=0):
    """A compiled ``step(real_images_uint8) -> d_loss`` of the plain implementation."""
    keras.utils.set_random_seed(seed)
    g, trunk, d_head, q_head = plain_networks(noise_dim, k, m)
    d_vars = trunk.trainable_variables + d_head.trainable_variables + q_head.trainable_variables
    g_vars = g.trainable_variables
    d_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    g_opt = keras.optimizers.Adam(1e-3, beta_1=0.5)
    d_opt.build(d_vars)
    g_opt.build(g_vars)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    ce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def step(real):
        real = tf.cast(real, tf.float32)[..., None] / 255.0
        cat = tf.random.uniform((batch,), 0, k, dtype=tf.int32)
        cont = tf.random.uniform((batch, m), -1.0, 1.0)
        noise = tf.random.uniform((batch, noise_dim), -1.0, 1.0)
        latent = tf.concat([noise, tf.one_hot(cat, k), cont], axis=-1)
        with tf.GradientTape(persistent=True) as tape:
            fake = g(latent, training=True)
            real_logit = d_head(trunk(real, training=True), training=True)
            fake_features = trunk(fake, training=True)
            fake_logit = d_head(fake_features, training=True)
            cat_logits, cont_mean = q_head(fake_features, training=True)
            info = ce(cat, cat_logits) + lambda_cont * tf.reduce_mean(
                tf.reduce_sum(0.5 * tf.square(cont - cont_mean), axis=-1))
            d_loss = (bce(tf.ones_like(real_logit), real_logit)
                      + bce(tf.zeros_like(fake_logit), fake_logit))
            g_loss = bce(tf.ones_like(fake_logit), fake_logit)
            d_total, g_total = d_loss + info, g_loss + info
        d_opt.apply_gradients(zip(tape.gradient(d_total, d_vars), d_vars))
        g_opt.apply_gradients(zip(tape.gradient(g_total, g_vars), g_vars))
        return d_loss

    return step
