"""``FusedAdam``: Keras's Adam, with each variable's update done by one fused TensorFlow kernel.

Keras 3 writes Adam's update as about a dozen element-wise ops per variable (subtract,
multiply, square, sqrt, divide, three assigns), each a full pass over memory. InfoGAN's two
big dense layers hold 13 million weights, so on a CPU those passes cost about a sixth of a
training step, whatever the batch size (see benchmarks/train_throughput.py and the profile
in docs/reproducibility.md, "Training speed on a 2-core CPU"). TensorFlow's
``ResourceApplyAdam`` kernel does the same update in one multi-threaded pass:

    m <- m + (1 - beta_1) (g - m)
    v <- v + (1 - beta_2) (g^2 - v)
    w <- w - lr sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)

which is exactly Keras's ``Adam.update_step`` (same variables, same checkpoint layout;
tests/test_optimizers.py checks the two agree). Gradient clipping, weight decay and EMA
happen outside ``update_step`` and work as in Keras; ``amsgrad``, which the kernel lacks,
uses Keras's own update.
"""

from __future__ import annotations

import keras
import tensorflow as tf


class FusedAdam(keras.optimizers.Adam):
    """``keras.optimizers.Adam`` whose per-variable update is ``tf.raw_ops.ResourceApplyAdam``."""

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


def _handle(variable):
    """The resource handle of a Keras or TensorFlow variable."""
    if isinstance(variable, keras.Variable):
        variable = variable.value
    return variable.handle
