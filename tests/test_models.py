import numpy as np
import pytest

from infogan_utils import (InfoGANConfig, build_d_head, build_generator, build_q_head,
                           build_shared_trunk, resolve_precision)


def dense(i, o):
    return i * o + o


def conv(k, i, o):
    return k * k * i * o + o


def bn(c):
    return 4 * c  # gamma, beta, moving mean, moving variance


def test_generator_matches_table_1():
    c = InfoGANConfig()
    g = build_generator(c)
    assert g.output_shape == (None, 28, 28, 1)
    expected = (dense(74, 1024) + bn(1024) + dense(1024, 7 * 7 * 128) + bn(7 * 7 * 128)
                + conv(4, 128, 64) + bn(64) + conv(4, 64, 1))
    assert g.count_params() == expected
    out = g(np.zeros((3, 74), np.float32)).numpy()
    assert out.shape == (3, 28, 28, 1) and out.min() >= 0 and out.max() <= 1


def test_trunk_and_heads_match_table_1():
    c = InfoGANConfig()
    trunk, d, q = build_shared_trunk(c), build_d_head(c), build_q_head(c)
    assert trunk.output_shape == (None, 1024)
    assert trunk.count_params() == (conv(4, 1, 64) + conv(4, 64, 128) + bn(128)
                                    + dense(7 * 7 * 128, 1024) + bn(1024))
    assert d.count_params() == dense(1024, 1)
    assert q.count_params() == dense(1024, 128) + bn(128) + dense(128, 10) + dense(128, 2)
    outs = q(np.zeros((2, 1024), np.float32))
    assert set(outs) == {"cat_logits", "cont_mean"}
    assert outs["cat_logits"].shape == (2, 10) and outs["cont_mean"].shape == (2, 2)


def test_learned_variance_and_three_codes_add_outputs():
    q = build_q_head(InfoGANConfig(num_continuous=3, fix_var=False))
    outs = q(np.zeros((2, 1024), np.float32))
    assert outs["cont_mean"].shape == (2, 3) and outs["cont_logvar"].shape == (2, 3)
    assert build_generator(InfoGANConfig(num_continuous=3)).input_shape == (None, 75)


def test_mixed_precision_keeps_outputs_float32():
    c = InfoGANConfig(precision="mixed_bfloat16")
    g = build_generator(c)
    assert g.get_layer("fc1").compute_dtype == "bfloat16"
    assert g.get_layer("fc1").kernel.dtype == "float32"  # variables stay float32
    assert str(g(np.zeros((2, 74), np.float32)).dtype) == "<dtype: 'float32'>"
    q = build_q_head(c)
    assert all(str(v.dtype) == "<dtype: 'float32'>" for v in q(np.zeros((2, 1024))).values())
    assert resolve_precision("auto") in ("float32", "mixed_bfloat16")
    with pytest.raises(ValueError):
        resolve_precision("float16")


@pytest.mark.parametrize("shape", [(16, 6), (8, 5, 5, 3)])
@pytest.mark.parametrize("policy,tol", [("float32", 1e-5), ("mixed_bfloat16", 2e-2)])
def test_fused_batch_norm_matches_keras_batch_norm(shape, policy, tol):
    """Training output, gradients (input, gamma, beta) and moving statistics agree with
    Keras's BatchNormalization; inference is Keras's own code."""
    import keras
    import tensorflow as tf

    from infogan_utils.models import BN
    from infogan_utils.speed import BatchNormalization

    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(2.0, 3.0, shape).astype(np.float32))
    upstream = tf.constant(rng.normal(size=shape).astype(np.float32))
    gamma = rng.uniform(0.5, 1.5, shape[-1]).astype(np.float32)
    beta = rng.normal(size=shape[-1]).astype(np.float32)
    results = []
    for cls in (keras.layers.BatchNormalization, BatchNormalization):
        layer = cls(**BN, dtype=policy)
        layer.build(shape)
        layer.gamma.assign(gamma)
        layer.beta.assign(beta)
        xin = tf.cast(x, layer.compute_dtype)
        with tf.GradientTape() as tape:
            tape.watch(xin)
            y = layer(xin, training=True)
            loss = tf.reduce_sum(tf.cast(y, tf.float32) * upstream)
        grads = tape.gradient(loss, [xin, layer.gamma, layer.beta])
        assert y.dtype == layer.compute_dtype
        results.append(dict(
            y=tf.cast(y, tf.float32).numpy(),
            grads=[tf.cast(g, tf.float32).numpy() for g in grads],
            moving=[layer.moving_mean.numpy(), layer.moving_variance.numpy()],
            inference=tf.cast(layer(xin, training=False), tf.float32).numpy()))
    keras_bn, fused = results
    # the fused kernel really runs (a silent fall-back to Keras's code would also agree)
    graph = tf.function(lambda t: layer(t, training=True)).get_concrete_function(xin).graph
    assert "FusedBatchNormV3" in {op.type for op in graph.get_operations()}
    np.testing.assert_allclose(fused["y"], keras_bn["y"], atol=tol, rtol=tol)
    for got, want in zip(fused["grads"], keras_bn["grads"]):
        np.testing.assert_allclose(got, want, atol=tol * max(1.0, np.abs(want).max()))
    for got, want in zip(fused["moving"], keras_bn["moving"]):
        np.testing.assert_allclose(got, want, rtol=1e-5 if policy == "float32" else 1e-2)
    np.testing.assert_allclose(fused["inference"], keras_bn["inference"], atol=tol, rtol=tol)
