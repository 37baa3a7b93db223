import inspect
import math
from pathlib import Path

import keras
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


ROOT = Path(__file__).resolve().parents[1]


def _notebook_03(*cell_ids):
    """The classes notebook 03's cells define (the teacher's solutions), by cell id."""
    import nbformat

    import infogan_utils as iu

    cells = {c.get("id"): c.source for c in nbformat.read(ROOT / "notebooks" /
                                                          "03_training.ipynb", 4).cells}
    namespace = dict(math=math, keras=keras, tf=tf, **{n: getattr(iu, n) for n in (
        "build_d_head", "build_generator", "build_q_head", "build_shared_trunk",
        "categorical_code_loss", "discriminator_loss", "gaussian_code_loss",
        "generator_loss", "information_loss")})
    for cell_id in cell_ids:
        exec(cells[cell_id], namespace)
    return namespace


def _package_step_source() -> list[str]:
    source = inspect.getsource(InfoGAN.train_step).splitlines()
    return [line for line in source if line.strip()]


def test_train_step_reads_like_the_learners_cell_line_for_line():
    """InfoGAN.train_step is notebook 03's MyInfoGAN.train_step (cell 155b9f64): each of
    the learner's lines is in it, word for word (comments apart), but for the listed
    ones, each with what the package writes instead and why."""
    import nbformat

    cell = next(c.source for c in nbformat.read(ROOT / "notebooks" / "03_training.ipynb",
                                                 4).cells if c.get("id") == "155b9f64")
    body = cell.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
    code = lambda line: " ".join(line.split("#")[0].split())  # noqa: E731
    learner = [code(line) for line in body.splitlines() if code(line)]
    package = {code(line) for line in _package_step_source()}
    differs = {  # the learner's line: why the package's differs
        "c1, c_cont, z = self.sample_codes(tf.shape(real)[0])": "codes stateless in the step",
        "real_logits, _ = self.discriminate(real)": "discriminate defaults to inference",
        "fake_logits, q = self.discriminate(fake)": "(the same)",
        'cont_nll = gaussian_code_loss(c_cont, q["cont_mean"])':
            "a learned variance, or no continuous code",
        "d_total, g_total = d_loss + info, g_loss + info": "plus an extension's terms",
        "d_vars = (self.trunk.trainable_variables + self.d_head.trainable_variables":
            "Q's head has its own loss (unit weight when lambda = 0)",
        "+ self.q_head.trainable_variables)": "(the same)",
        "self.d_optimizer.apply_gradients(zip(tape.gradient(d_total, d_vars), d_vars))":
            "D's side's gradients, Q's head's and an extension's, in one update",
        'return {"d_loss": d_loss, "g_loss": g_loss, "info_cat": cat_nll,':
            "Keras's running means",
        '"info_cont": cont_nll, "mi_lower_bound": math.log(c.num_categories) - cat_nll}':
            "L_I of the category as drawn, before any view",
    }
    assert set(differs) <= set(learner), set(differs) - set(learner)
    missing = [line for line in learner if line not in package and line not in differs]
    assert not missing, f"the learner's lines not in InfoGAN.train_step: {missing}"
    assert len(learner) - len(differs) >= 10  # most of the step is word for word
    assert len(_package_step_source()) <= 40


def test_the_learners_step_passes_notebook_03s_check(mnist):
    """own_step.check_train_step, notebook 03's check, passes the teacher's solution: one
    step of it and of InfoGAN.train_step agree within own_step.TOL."""
    from infogan_utils.own_step import check_train_step

    (x, _), _ = mnist
    real = tf.constant(x[:64, :, :, None] / 255.0, tf.float32)
    namespace = _notebook_03("7274fbbd", "155b9f64")
    assert check_train_step(namespace["MyInfoGAN"], InfoGANConfig(precision="float32"), real)


def test_lambda_zero_is_a_plain_gan_with_a_listening_q(mnist):
    """With lambda = 0 the step is notebook 03's MyPlainGAN: G and D's side minimise the
    GAN losses only, and Q's head still learns to read the codes with unit weight."""
    from infogan_utils.own_step import TOL, max_difference, one_step

    (x, _), _ = mnist
    real = tf.constant(x[:64, :, :, None] / 255.0, tf.float32)
    plain = _notebook_03("7274fbbd", "155b9f64", "071e5b62")["MyPlainGAN"]
    config = InfoGANConfig(precision="float32", lambda_cat=0.0, lambda_cont=0.0)
    mine, _, package, _ = one_step(plain, config, real)
    for name in ("generator", "trunk", "d_head", "q_head"):
        assert max_difference(getattr(mine, name), getattr(package, name)) < TOL, name
    before = build_model(config)
    assert max_difference(before.q_head, package.q_head) > 1e-4  # Q's head did learn


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


def _first_logs(config, real):
    keras.utils.set_random_seed(config.seed)
    model = InfoGAN(config)
    model.compile()
    return {k: float(v) for k, v in model.train_step(real).items()}


def _assert_q_reads_the_category_from_the_view(config, real):
    """With a view of the images (cat_shear, cat_augment) the bound is still measured on
    the images as drawn, the trained categorical term changes, and it trains G."""
    from infogan_utils.extensions import StepTerms

    plain = _first_logs(config.replace(cat_shear=0.0, cat_augment=0.0), real)
    viewed = _first_logs(config, real)
    assert viewed["mi_lower_bound"] == pytest.approx(plain["mi_lower_bound"])
    assert viewed["info_cat"] != pytest.approx(plain["info_cat"], abs=1e-6)
    assert viewed["d_loss"] == pytest.approx(plain["d_loss"])
    model = InfoGAN(config)
    codes = _codes(model)
    with tf.GradientTape() as tape:
        fake = model.generator(model.compose(*codes), training=True)
        terms = StepTerms(tf.constant(3), codes, fake, tf.constant(0.0), tf.constant(0.0))
        model.extensions["style"].add_terms(terms)
    assert _norm(tape.gradient(terms.cat_nll, model.generator.trainable_variables)) > 0


def test_cat_shear_reads_the_category_from_sheared_images_and_trains_g_through_it():
    model = InfoGAN(InfoGANConfig(cat_shear=0.5, seed=2))
    assert "style" not in InfoGAN(InfoGANConfig()).extensions  # the paper: no view
    view = model.extensions["style"].sample(8, 3)
    assert set(view) == {"shear"}  # the shear-only case of the style view
    np.testing.assert_array_equal(view["shear"], model.extensions["style"].sample(8, 3)["shear"])
    assert 0 < np.abs(view["shear"].numpy()).max() <= 0.5
    _assert_q_reads_the_category_from_the_view(InfoGANConfig(cat_shear=0.5, seed=2), _real())


def test_cat_augment_reads_the_category_from_restyled_images_and_trains_g_through_it():
    model = InfoGAN(InfoGANConfig(cat_augment=1.0, seed=2))
    assert InfoGAN(InfoGANConfig()).extensions == {}  # the paper: no change
    style = model.extensions["style"]
    view, again = style.sample(256, 3), style.sample(256, 3)
    for name, v in view.items():
        np.testing.assert_array_equal(v, again[name])
    assert 0.3 < np.abs(view["shear"].numpy()).max() <= 0.4
    assert 1.15 < view["scale_x"].numpy().max() <= np.exp(0.2) + 1e-6
    assert 0.4 < np.abs(view["thickness"].numpy()).max() <= 0.5
    assert not np.allclose(view["shear"], style.sample(256, 4)["shear"])
    real = _real()
    _assert_q_reads_the_category_from_the_view(InfoGANConfig(cat_augment=1.0, seed=2), real)
    model.compile()
    history = model.fit(tf.data.Dataset.from_tensors(real).repeat(2), verbose=0)
    assert np.isfinite(history.history["info_cat"]).all()


def test_cat_shear_and_cat_augment_add_their_shears():
    both = InfoGAN(InfoGANConfig(cat_shear=0.3, cat_augment=1.0, seed=2)).extensions["style"]
    alone = InfoGAN(InfoGANConfig(cat_augment=1.0, seed=2)).extensions["style"]
    shear = InfoGAN(InfoGANConfig(cat_shear=0.3, seed=2)).extensions["style"]
    np.testing.assert_allclose(both.sample(64, 5)["shear"],
                               alone.sample(64, 5)["shear"] + shear.sample(64, 5)["shear"])


def test_saved_files_hold_every_network_of_the_registry(tmp_path):
    """saving.WEIGHT_FILES names every network of InfoGAN.networks (the registry that
    checkpoints use too), and a save and load keeps each of them."""
    from infogan_utils import saving
    from infogan_utils.training import checkpoint_object

    model = InfoGAN(InfoGANConfig(contrastive_weight=1.0, seed=4))
    filed = [name for names in saving.WEIGHT_FILES.values() for name in names]
    assert set(model.networks) <= set(filed)
    model.compile()
    checkpoint = checkpoint_object(model)
    for name, net in model.networks.items():
        assert getattr(checkpoint, name) is net, name
    model.save_networks(tmp_path)
    loaded = InfoGAN.load_networks(tmp_path)
    for name, net in model.networks.items():
        for a, b in zip(net.weights, loaded.networks[name].weights, strict=True):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_cat_augment_must_be_a_small_non_negative_number():
    for bad in (-0.1, 5.0):
        with pytest.raises(ValueError, match="cat_augment"):
            InfoGANConfig(cat_augment=bad)


def test_cat_shear_must_be_a_small_non_negative_number():
    with pytest.raises(ValueError, match="cat_shear"):
        InfoGANConfig(cat_shear=-0.1)
    with pytest.raises(ValueError, match="cat_shear"):
        InfoGANConfig(cat_shear=5.0)
