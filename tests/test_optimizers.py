"""FusedAdam must be Keras's Adam, step for step, only faster."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from infogan_utils.speed import FusedAdam


def _train(optimizer_class, steps=6, **kwargs):
    rng = np.random.default_rng(0)
    w = keras.Variable(rng.normal(size=(40, 7)).astype("float32"))
    b = keras.Variable(rng.normal(size=(7,)).astype("float32"))
    opt = optimizer_class(learning_rate=1e-2, beta_1=0.5, **kwargs)

    @tf.function
    def step(gw, gb):
        opt.apply_gradients([(gw, w), (gb, b)])

    for _ in range(steps):
        step(tf.constant(rng.normal(size=(40, 7)), tf.float32),
             tf.constant(rng.normal(size=(7,)), tf.float32))
    moments = [v.numpy() for v in opt.variables if v.shape == (40, 7)]
    return w.numpy(), b.numpy(), moments, int(opt.iterations.numpy())


def test_fused_adam_matches_keras_adam_step_for_step():
    w_k, b_k, m_k, it_k = _train(keras.optimizers.Adam)
    w_f, b_f, m_f, it_f = _train(FusedAdam)
    assert it_k == it_f == 6
    np.testing.assert_allclose(w_f, w_k, rtol=0, atol=1e-5)
    np.testing.assert_allclose(b_f, b_k, rtol=0, atol=1e-5)
    assert len(m_f) == len(m_k) == 2  # first and second moments, same slots
    for a, b in zip(m_f, m_k):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # and the update really moved the weights (the comparison is not vacuous)
    w0, _, _, _ = _train(keras.optimizers.Adam, steps=0)
    assert np.abs(w_f - w0).max() > 1e-2


def test_fused_adam_amsgrad_falls_back_to_keras():
    w_k, *_ = _train(keras.optimizers.Adam, amsgrad=True)
    w_f, *_ = _train(FusedAdam, amsgrad=True)
    np.testing.assert_allclose(w_f, w_k, rtol=0, atol=1e-5)


def test_infogan_uses_fused_adam_by_default():
    from infogan_utils import InfoGAN, InfoGANConfig

    model = InfoGAN(InfoGANConfig())
    model.compile()
    assert isinstance(model.d_optimizer, FusedAdam) and isinstance(model.g_optimizer, FusedAdam)
    assert model.d_optimizer.learning_rate.numpy() == pytest.approx(2e-4)


def test_fused_adam_scales_each_replicas_gradients_by_one_over_the_replicas(monkeypatch):
    """Keras sums the replicas' gradients; FusedAdam first scales each by 1/n, so the sum
    is the mean over the global batch (with one replica nothing changes)."""
    from infogan_utils import speed

    w = keras.Variable(np.zeros((3,), "float32"))
    gradient = tf.constant([1.0, -2.0, 4.0])
    moments = {}
    for replicas in ("one", "two"):
        if replicas == "two":
            monkeypatch.setattr(speed, "replicas_in_sync", lambda: 2)
        opt = FusedAdam(learning_rate=1e-2, beta_1=0.5)
        opt.apply_gradients([(gradient, w)])
        moments[replicas] = [v.numpy() for v in opt.variables if "momentum" in v.path][0]
    np.testing.assert_array_equal(moments["one"], 0.5 * gradient.numpy())
    np.testing.assert_array_equal(moments["two"], 0.25 * gradient.numpy())
