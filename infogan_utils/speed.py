"""Everything about speed, none of it InfoGAN: the same numbers, computed faster.

* :class:`FusedAdam`: Keras's Adam, each variable's update one fused TensorFlow kernel;
  it also scales the gradients for ``tf.distribute`` (replica scaling, below).
* :class:`BatchNormalization`: Keras's batch norm, its training pass one fused kernel.
* :func:`resolve_precision` and :func:`compute_dtype`: float32 or mixed bfloat16, from
  the CPU's flags (:func:`cpu_has_bf16`, :func:`cpu_has_avx512`, ``ONEDNN_MAX_CPU_ISA``).
* :func:`resolve_jit`: whether the training step is compiled with XLA.
* :func:`affine_warp`: the bilinear affine map of
  :func:`infogan_utils.data.augment_images` written with gathers, so XLA can compile it.

Measurements: docs/reproducibility.md, "Training speed on a 2-core CPU" and "The fastest
path per machine"; benchmarks/train_throughput.py and benchmarks/time_to_accuracy.py.
"""

from __future__ import annotations

import functools
import os

import keras
import tensorflow as tf

from .config import JIT_MODES, InfoGANConfig


# ---------------------------------------------------------------------- Adam
class FusedAdam(keras.optimizers.Adam):
    """``keras.optimizers.Adam`` whose per-variable update is ``tf.raw_ops.ResourceApplyAdam``.

    Keras 3 writes Adam's update as about a dozen element-wise ops per variable (subtract,
    multiply, square, sqrt, divide, three assigns), each a full pass over memory.
    InfoGAN's two big dense layers hold 13 million weights, so on a CPU those passes cost
    about a sixth of a training step, whatever the batch size. TensorFlow's kernel does
    the same update in one multi-threaded pass:

        m <- m + (1 - beta_1) (g - m)
        v <- v + (1 - beta_2) (g^2 - v)
        w <- w - lr sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)

    which is exactly Keras's ``Adam.update_step`` (same variables, same checkpoint layout;
    tests/test_optimizers.py checks the two agree). Gradient clipping, weight decay and
    EMA happen outside ``update_step`` and work as in Keras; ``amsgrad``, which the kernel
    lacks, uses Keras's own update.

    Replica scaling: under a ``tf.distribute`` strategy over n replicas, Keras sums the
    replicas' gradients, so :meth:`apply_gradients` first scales each replica's by 1/n
    (the sum is then the mean over the global batch). With one replica nothing changes.
    """

    def apply_gradients(self, grads_and_vars):
        replicas = replicas_in_sync()
        if replicas > 1:
            grads_and_vars = [(g * (1.0 / replicas), v) for g, v in grads_and_vars]
        return super().apply_gradients(grads_and_vars)

    def update_step(self, gradient, variable, learning_rate):
        if self.amsgrad or keras.backend.backend() != "tensorflow":
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        index = self._get_variable_index(variable)
        m = self._momentums[index]
        v = self._velocities[index]
        step = tf.cast(self.iterations + 1, dtype)
        beta_1 = tf.cast(self.beta_1, dtype)
        beta_2 = tf.cast(self.beta_2, dtype)
        tf.raw_ops.ResourceApplyAdam(
            var=_handle(variable), m=_handle(m), v=_handle(v),
            beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, dtype), beta1=beta_1, beta2=beta_2,
            epsilon=tf.cast(self.epsilon, dtype), grad=tf.cast(gradient, dtype),
            use_locking=False)


def replicas_in_sync() -> int:
    """The number of replicas whose gradients Keras sums (1 outside ``tf.distribute``)."""
    return tf.distribute.get_strategy().num_replicas_in_sync


def _handle(variable):
    """The resource handle of a Keras or TensorFlow variable."""
    if isinstance(variable, keras.Variable):
        variable = variable.value
    return variable.handle


# ---------------------------------------------------------------------- batch norm
class BatchNormalization(keras.layers.BatchNormalization):
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


# ---------------------------------------------------------------------- the CPU
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


def cpu_flags() -> frozenset:
    """The flags of this CPU (``/proc/cpuinfo``; empty where there is none)."""
    return frozenset(_cpu_flags())


def cpu_has_bf16() -> bool:
    """True when this CPU computes bfloat16 natively (AVX512-BF16 or AMX-BF16) and
    ``ONEDNN_MAX_CPU_ISA`` does not forbid it."""
    return (bool(_cpu_flags() & {"avx512_bf16", "amx_bf16"})
            and _isa_allows("AVX512_CORE_BF16"))


def cpu_has_avx512() -> bool:
    """True when this CPU has AVX-512 and ``ONEDNN_MAX_CPU_ISA`` does not forbid it
    (``ONEDNN_MAX_CPU_ISA=AVX2`` gives a laptop's instruction set)."""
    return "avx512f" in _cpu_flags() and _isa_allows("AVX512_CORE")


# ---------------------------------------------------------------------- precision, XLA
def resolve_precision(precision: str) -> str:
    """Map "auto" to "mixed_bfloat16" when training runs on a CPU with native bf16,
    else "float32" (also on GPU machines, whose speed-ups this project has not measured)."""
    if precision == "auto":
        on_gpu = bool(tf.config.list_physical_devices("GPU"))
        return "mixed_bfloat16" if cpu_has_bf16() and not on_gpu else "float32"
    if precision not in ("float32", "mixed_bfloat16"):
        raise ValueError(f"precision must be auto, float32 or mixed_bfloat16, got {precision!r}")
    return precision


def compute_dtype(config: InfoGANConfig) -> str:
    """The Keras dtype policy of the hidden layers: ``config.precision`` resolved. With
    "mixed_bfloat16" they compute in bfloat16 while every output layer computes and
    returns float32 (the builders give those ``dtype="float32"``)."""
    return resolve_precision(config.precision)


def resolve_jit(jit_compile, config: InfoGANConfig) -> bool:
    """Whether the training step is compiled with XLA: ``"on"``/True, ``"off"``/False, or
    ``"auto"``: on where the step computes in float32 on a CPU without AVX-512 (most
    laptops: XLA fuses the element-wise ops that dominate there), off elsewhere:
    bfloat16 (oneDNN's kernels are faster), AVX-512 CPUs (XLA measured no faster, and it
    compiles for seconds) and GPUs (not measured). Measurements: docs/reproducibility.md,
    "The fastest path per machine"."""
    if jit_compile in (True, "on"):
        return True
    if jit_compile in (False, "off"):
        return False
    if jit_compile != "auto":
        raise ValueError(f"jit_compile must be one of {', '.join(JIT_MODES)} (or True/False), "
                         f"got {jit_compile!r}")
    on_gpu = bool(tf.config.list_physical_devices("GPU"))
    return (resolve_precision(config.precision) == "float32" and not on_gpu
            and not cpu_has_avx512())


# ---------------------------------------------------------------------- the XLA warp
def affine_warp(images, a0, a1, a2, b1, b2):
    """Output pixel (x, y) of each image = its input at (a0 x + a1 y + a2, b1 y + b2),
    bilinear, 0 outside the image; each coefficient (n,), images (n, h, w, c) float32.

    The same result as ``keras.ops.image.affine_transform(..., "bilinear",
    fill_mode="constant")`` (tests/test_fast_path.py checks it), written with gathers so
    that it also compiles with XLA (TensorFlow's ImageProjectiveTransformV3 kernel, which
    Keras calls, has no XLA version). Its gradient is TensorFlow's registered gradient of
    that kernel: the incoming gradient warped by the inverse map, so the XLA path trains
    exactly as the other.
    """
    # the inverse of x' = a0 x + a1 y + a2, y' = b1 y + b2
    inv = (1.0 / a0, -a1 / (a0 * b1), (a1 * b2 / b1 - a2) / a0, 1.0 / b1, -b2 / b1)

    @tf.custom_gradient
    def warp(x):
        def grad(upstream):
            return _affine_bilinear(upstream, *inv)
        return _affine_bilinear(x, a0, a1, a2, b1, b2), grad

    return warp(images)


def _affine_bilinear(images, a0, a1, a2, b1, b2):
    shape = tf.shape(images)
    n, h, w, c = shape[0], shape[1], shape[2], shape[3]
    ys = tf.cast(tf.range(h), tf.float32)[None, :, None]
    xs = tf.cast(tf.range(w), tf.float32)[None, None, :]
    col = lambda v: v[:, None, None]  # noqa: E731
    sx = col(a0) * xs + col(a1) * ys + col(a2)  # (n, h, w)
    sy = col(b1) * ys + tf.zeros_like(xs) + col(b2)
    x0, y0 = tf.floor(sx), tf.floor(sy)
    fx, fy = sx - x0, sy - y0
    flat = tf.reshape(images, tf.stack([n, h * w, c]))
    out = 0.0
    for dy, wy in ((0.0, 1.0 - fy), (1.0, fy)):
        for dx, wx in ((0.0, 1.0 - fx), (1.0, fx)):
            xi, yi = tf.cast(x0 + dx, tf.int32), tf.cast(y0 + dy, tf.int32)
            inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            index = tf.reshape(tf.where(inside, yi * w + xi, 0), tf.stack([n, h * w]))
            value = tf.reshape(tf.gather(flat, index, batch_dims=1), tf.shape(images))
            weight = tf.where(inside, wx * wy, 0.0)[..., None]
            out = out + weight * value
    return out
