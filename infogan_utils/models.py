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
computes and returns float32, so losses and softmax/sigmoid stay in float32.

The learner writes each network with Keras layers and checks it against these builders
(same weights, same outputs) in notebook 02, "The three networks: write them".
"""

from __future__ import annotations

import functools
import os

import keras
from keras import layers

from .config import InfoGANConfig

LEAK = 0.1  # paper: leaky rectifier with leak 0.1
BN = dict(momentum=0.9, epsilon=1e-5)


class BatchNormalization(layers.BatchNormalization):
    """Keras's ``BatchNormalization`` whose training pass is TensorFlow's fused kernel.

    Same variables, same maths: normalise by the batch mean and (biased) variance, scale by
    gamma, shift by beta, and move the moving averages by ``momentum`` towards the batch's
    mean and biased variance. What changes is the cost. Keras composes batch norm from a
    dozen element-wise TensorFlow ops (and as many again for the gradient). The fused
    kernel (``FusedBatchNormV3``, oneDNN on CPU) does one pass forward and one backward,
    and reads bfloat16 activations directly instead of casting them to float32 first.
    Inference, masks and other backends use Keras's own code.

    It keeps Keras's class name on purpose: Keras names saved weights after the class,
    so weights and checkpoints written with ``keras.layers.BatchNormalization`` load
    into it, and the other way round.
    """

    def call(self, inputs, training=None, mask=None):
        fusable = (training and self.trainable and mask is None
                   and self.axis in (-1, len(inputs.shape) - 1)  # channels last
                   and len(inputs.shape) in (2, 4) and keras.backend.backend() == "tensorflow")
        if not fusable:
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf

        channels = inputs.shape[-1]
        x = inputs if len(inputs.shape) == 4 else tf.reshape(inputs, (-1, 1, 1, channels))
        gamma = tf.cast(self.gamma, "float32") if self.scale else tf.ones((channels,))
        beta = tf.cast(self.beta, "float32") if self.center else tf.zeros((channels,))
        y, mean, variance = tf.raw_ops.FusedBatchNormV3(
            x=x, scale=gamma, offset=beta, mean=tf.zeros((0,)), variance=tf.zeros((0,)),
            epsilon=self.epsilon, exponential_avg_factor=1.0, data_format="NHWC",
            is_training=True)[:3]
        # The kernel reports the unbiased variance; Keras averages the biased one.
        count = tf.cast(tf.size(x) // channels, "float32")
        variance = variance * (count - 1.0) / count
        self.moving_mean.assign(self.moving_mean * self.momentum
                                + mean * (1.0 - self.momentum))
        self.moving_variance.assign(self.moving_variance * self.momentum
                                    + variance * (1.0 - self.momentum))
        return tf.reshape(y, tf.shape(inputs))


@functools.lru_cache(maxsize=None)
def _cpu_flags() -> set:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


# oneDNN's instruction-set levels, lowest first (its ONEDNN_MAX_CPU_ISA values)
_ONEDNN_ISAS = ("SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2", "AVX512_CORE",
                "AVX512_CORE_VNNI", "AVX512_CORE_BF16", "AVX512_CORE_FP16",
                "AVX512_CORE_AMX", "AVX512_CORE_AMX_FP16")


def _isa_allows(level: str) -> bool:
    """False when ``ONEDNN_MAX_CPU_ISA`` caps oneDNN below ``level`` (as on a laptop)."""
    cap = os.environ.get("ONEDNN_MAX_CPU_ISA", "").upper()
    if not cap or cap == "ALL" or cap not in _ONEDNN_ISAS:
        return True
    return _ONEDNN_ISAS.index(cap) >= _ONEDNN_ISAS.index(level)


def cpu_has_bf16() -> bool:
    """True when this CPU computes bfloat16 natively (AVX512-BF16 or AMX-BF16) and
    ``ONEDNN_MAX_CPU_ISA`` does not forbid it."""
    return (bool(_cpu_flags() & {"avx512_bf16", "amx_bf16"})
            and _isa_allows("AVX512_CORE_BF16"))


def cpu_has_avx512() -> bool:
    """True when this CPU has AVX-512 and ``ONEDNN_MAX_CPU_ISA`` does not forbid it
    (``ONEDNN_MAX_CPU_ISA=AVX2`` gives a laptop's instruction set)."""
    return "avx512f" in _cpu_flags() and _isa_allows("AVX512_CORE")


def resolve_precision(precision: str) -> str:
    """Map "auto" to "mixed_bfloat16" when training runs on a CPU with native bf16,
    else "float32" (also on GPU machines, whose speed-ups this project has not measured)."""
    if precision == "auto":
        import tensorflow as tf

        on_gpu = bool(tf.config.list_physical_devices("GPU"))
        return "mixed_bfloat16" if cpu_has_bf16() and not on_gpu else "float32"
    if precision not in ("float32", "mixed_bfloat16"):
        raise ValueError(f"precision must be auto, float32 or mixed_bfloat16, got {precision!r}")
    return precision


def _policy(config: InfoGANConfig) -> str:
    return resolve_precision(config.precision)


def build_generator(config: InfoGANConfig = InfoGANConfig()) -> keras.Model:
    """G: latent (batch, noise_dim + K + M) -> images (batch, 28, 28, 1) in [0, 1]."""
    dt = _policy(config)
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
    dt = _policy(config)
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
    dt = _policy(config)
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
