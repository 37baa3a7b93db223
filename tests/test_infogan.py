import math

import numpy as np
import pytest
import tensorflow as tf

from infogan_utils import InfoGAN, InfoGANConfig
from infogan_utils.training import build_model, current_step, make_checkpoint, read_history, train


def _codes(model, n=8, seed=0):
    s = model.spec.sample(n, seed)
    return tf.constant(s.category), tf.constant(s.continuous), tf.constant(s.noise)


def _real(n=8):
    return tf.random.stateless_uniform((n, 28, 28, 1), (1, 2))


def _norm(grads):
    return sum(float(tf.reduce_sum(tf.square(g))) for g in grads if g is not None)


def test_mi_term_gradients_reach_generator_trunk_and_q():
    model = InfoGAN(InfoGANConfig())
    with tf.GradientTape(persistent=True) as tape:
        terms = model.objectives(_real(), *_codes(model))
        info = terms["info_cat"] + terms["info_cont"]
        g_mi, d_mi = terms["g_total"] - terms["g_loss"], terms["d_total"] - terms["d_loss"]
    for part in (model.generator, model.trunk, model.q_head):
        assert _norm(tape.gradient(info, part.trainable_variables)) > 0, part.name
    # ... and both objectives contain it: G's and D's totals differ from the plain GAN terms
    g_extra = tape.gradient(g_mi, model.generator.trainable_variables)
    d_extra = tape.gradient(d_mi, model.trunk.trainable_variables)
    assert _norm(g_extra) > 0 and _norm(d_extra) > 0


def test_lambda_zero_is_a_plain_gan_with_a_listening_q():
    model = InfoGAN(InfoGANConfig(lambda_cat=0.0, lambda_cont=0.0))
    with tf.GradientTape(persistent=True) as tape:
        terms = model.objectives(_real(), *_codes(model))
        g_mi, d_mi = terms["g_total"] - terms["g_loss"], terms["d_total"] - terms["d_loss"]
    g_extra = tape.gradient(g_mi, model.generator.trainable_variables)
    d_extra = tape.gradient(d_mi, model.trunk.trainable_variables)
    assert _norm(g_extra) == 0 and _norm(d_extra) == 0
    assert _norm(tape.gradient(terms["q_total"], model.q_head.trainable_variables)) > 0


def test_codes_are_deterministic_per_step_and_differ_between_steps():
    model = InfoGAN(InfoGANConfig(seed=5))
    a = model.sample_codes(16, 3)
    b = model.sample_codes(16, 3)
    c = model.sample_codes(16, 4)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[2], c[2])
    assert a[0].numpy().min() >= 0 and a[0].numpy().max() < 10
    assert np.abs(a[1].numpy()).max() <= 1


def _first_steps(seed, x):
    model = build_model(InfoGANConfig(seed=seed, batch_size=32))
    from infogan_utils import make_dataset

    h = model.fit(make_dataset(x[:2048], 32, seed=seed), epochs=3, steps_per_epoch=4, verbose=0,
                  shuffle=False)
    return np.array([h.history[k] for k in ("d_loss", "g_loss", "info_cat")])


def test_same_seed_same_first_steps(mnist):
    (x, _), _ = mnist
    a, b, c = _first_steps(1, x), _first_steps(1, x), _first_steps(2, x)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not np.allclose(a, c)


@pytest.mark.slow
def test_short_real_training_run_raises_the_bound(mnist, tmp_path):
    (x, _), _ = mnist
    train(InfoGANConfig(batch_size=32, seed=0), 60, tmp_path, log_every=10,
          checkpoint_every=30, images=x[:20000], verbose=0)
    h = read_history(tmp_path / "history.csv")
    np.testing.assert_array_equal(h["step"], np.arange(10, 61, 10))
    for key in ("d_loss", "g_loss", "info_cat", "info_cont", "mi_lower_bound"):
        assert np.all(np.isfinite(h[key])), key
    assert h["mi_lower_bound"][-1] > h["mi_lower_bound"][0] + 0.3
    assert h["mi_lower_bound"][-1] > 1.5 and h["mi_lower_bound"].max() <= math.log(10)
    # weights written with Keras's own format and loadable
    loaded = InfoGAN.load_networks(tmp_path)
    codes = loaded.spec.sample(4, 0)
    assert loaded.generate(codes).shape == (4, 28, 28, 1)


def test_checkpoint_restores_weights_optimiser_state_and_step(mnist, tmp_path):
    (x, _), _ = mnist
    config = InfoGANConfig(batch_size=16, seed=3)
    model = train(config, 20, tmp_path, log_every=10, checkpoint_every=10,
                  images=x[:1000], verbose=0)
    assert current_step(model) == 20
    fresh = build_model(config)
    manager = make_checkpoint(fresh, tmp_path)
    manager.checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
    assert current_step(fresh) == 20 and int(fresh.d_optimizer.iterations.numpy()) == 20
    for a, b in zip(model.generator.weights + model.trunk.weights,
                    fresh.generator.weights + fresh.trunk.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    moments = [v for v in model.g_optimizer.variables if "momentum" in v.path]
    restored = [v for v in fresh.g_optimizer.variables if "momentum" in v.path]
    assert moments and len(moments) == len(restored)
    for a, b in zip(moments, restored):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert any(np.abs(v.numpy()).sum() > 0 for v in restored)


def test_run_folder_with_another_config_is_refused_untouched(tmp_path, mnist):
    from infogan_utils.training import RunFolderError

    (x, _), _ = mnist
    train(InfoGANConfig(batch_size=16), 10, tmp_path, log_every=10, checkpoint_every=10,
          images=x[:500], verbose=0)
    before = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    with pytest.raises(RunFolderError, match="another config.*seed"):
        train(InfoGANConfig(batch_size=16, seed=9), 10, tmp_path, log_every=10, images=x[:500])
    with pytest.raises(RunFolderError, match="already holds checkpoints"):
        train(InfoGANConfig(batch_size=16), 20, tmp_path, log_every=10, resume=False,
              images=x[:500])
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == before
    with pytest.raises(ValueError, match="multiples of log_every"):
        train(InfoGANConfig(batch_size=16), 25, tmp_path, log_every=10, images=x[:500])


def test_float16_storage_halves_the_files_and_keeps_the_outputs(tmp_path):
    model = InfoGAN(InfoGANConfig(seed=5))
    codes = model.spec.sample(8, 0)
    images = np.random.default_rng(0).random((8, 28, 28, 1)).astype("float32")
    model.save_networks(tmp_path / "f32")
    model.save_networks(tmp_path / "f16", storage="float16")
    for name in ("generator.weights.h5", "discriminator.weights.h5"):
        small = (tmp_path / "f16" / name).stat().st_size
        big = (tmp_path / "f32" / name).stat().st_size
        assert small < 0.6 * big, name
    a, b = InfoGAN.load_networks(tmp_path / "f32"), InfoGAN.load_networks(tmp_path / "f16")
    assert all(w.dtype == "float32" for w in b.weights)
    np.testing.assert_allclose(b.generate(codes), a.generate(codes), atol=5e-3)
    qa, qb = a.recognize(images), b.recognize(images)
    np.testing.assert_allclose(qb["cat_logits"], qa["cat_logits"], atol=2e-2)
    with pytest.raises(ValueError, match="storage must be"):
        model.save_networks(tmp_path / "x", storage="int8")


def _assert_q_reads_the_category_from_the_view(model, real, **view):
    """With a changed view (``shear=`` or ``augment=``) the bound is still measured on the
    unchanged images, the trained categorical term changes, and it trains G."""
    codes = _codes(model)
    plain = model.objectives(real, *codes, training=False)
    with tf.GradientTape() as tape:
        out = model.objectives(real, *codes, training=False, **view)
    assert float(out["mi_lower_bound"]) == pytest.approx(float(plain["mi_lower_bound"]))
    assert float(out["info_cat"]) != pytest.approx(float(plain["info_cat"]), abs=1e-6)
    grads = tape.gradient(out["info_cat"], model.generator.trainable_variables)
    assert _norm(grads) > 0


def test_cat_shear_reads_the_category_from_sheared_images_and_trains_g_through_it():
    model = InfoGAN(InfoGANConfig(cat_shear=0.5, seed=2))
    assert InfoGAN(InfoGANConfig()).sample_shear(8, 0) is None  # the paper: no shear
    shear = model.sample_shear(8, 3)
    np.testing.assert_array_equal(shear, model.sample_shear(8, 3))
    assert 0 < np.abs(shear.numpy()).max() <= 0.5
    _assert_q_reads_the_category_from_the_view(model, _real(), shear=shear)


def test_cat_augment_reads_the_category_from_restyled_images_and_trains_g_through_it():
    model = InfoGAN(InfoGANConfig(cat_augment=1.0, seed=2))
    assert InfoGAN(InfoGANConfig()).sample_augment(8, 0) is None  # the paper: no change
    view = model.sample_augment(256, 3)
    again = model.sample_augment(256, 3)
    for name, v in view.items():
        np.testing.assert_array_equal(v, again[name])
    assert 0.3 < np.abs(view["shear"].numpy()).max() <= 0.4
    assert 1.15 < view["scale_x"].numpy().max() <= np.exp(0.2) + 1e-6
    assert 0.4 < np.abs(view["thickness"].numpy()).max() <= 0.5
    assert not np.allclose(view["shear"], model.sample_augment(256, 4)["shear"])
    real = _real()
    _assert_q_reads_the_category_from_the_view(
        model, real, augment=model.sample_augment(len(real), 3))
    model.compile()
    history = model.fit(tf.data.Dataset.from_tensors(real).repeat(2), verbose=0)
    assert np.isfinite(history.history["info_cat"]).all()


def test_cat_augment_must_be_a_small_non_negative_number():
    for bad in (-0.1, 5.0):
        with pytest.raises(ValueError, match="cat_augment"):
            InfoGANConfig(cat_augment=bad)


def test_cat_shear_must_be_a_small_non_negative_number():
    with pytest.raises(ValueError, match="cat_shear"):
        InfoGANConfig(cat_shear=-0.1)
    with pytest.raises(ValueError, match="cat_shear"):
        InfoGANConfig(cat_shear=5.0)
