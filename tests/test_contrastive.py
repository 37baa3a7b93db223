"""The contrastive regulariser of InfoGAN-CR (Lin et al., ICML 2020), an option.

Off by default: nothing of it is built, returned or run, so the default model trains as
before (tests/test_infogan.py checks that training is deterministic).
"""

import math

import numpy as np
import pytest
import tensorflow as tf

from infogan_utils import InfoGAN, InfoGANConfig
from infogan_utils.extensions import StepTerms

CR = dict(contrastive_weight=1.0, contrastive_gap=0.5, contrastive_gap_until=10)


def _terms(model, b=16, step=0):
    """What the training step gives the extensions (its codes and images) for step 0."""
    codes = model.sample_codes(b, step)
    fake = model.generator(model.compose(*codes), training=True)
    return StepTerms(tf.constant(step), codes, fake, tf.constant(0.0), tf.constant(0.0))


def test_off_by_default_builds_and_returns_nothing_of_it():
    config = InfoGANConfig(batch_size=16)
    assert config.contrastive_weight == 0.0
    model = InfoGAN(config)
    assert "contrastive" not in model.extensions and "cr_head" not in model.networks
    assert not hasattr(model, "cr_head")
    assert not any("cr_" in v.path or "cr_head" in v.path for v in model.weights)
    model.compile()
    logs = model.train_step(tf.random.stateless_uniform((16, 28, 28, 1), [7, 7]))
    assert "cr_loss" not in logs and "cr_loss" not in model.trackers


@pytest.mark.parametrize("field,value,message", [
    ("contrastive_weight", -1.0, r"contrastive_weight must be in \[0.0, inf\)"),
    ("contrastive_gap", 2.0, r"contrastive_gap must be in \[0.0, 2.0\)"),
    ("contrastive_start", -1, "contrastive_start must be in"),
    ("contrastive_gap_until", 1.5, "contrastive_gap_until must be an integer"),
    ("contrastive_share_noise", 1, "contrastive_share_noise must be True or False"),
])
def test_invalid_contrastive_settings_name_the_field(field, value, message):
    with pytest.raises(ValueError, match=message):
        InfoGANConfig(**{field: value})


def test_the_head_needs_two_continuous_codes():
    with pytest.raises(ValueError, match="num_continuous >= 2"):
        InfoGANConfig(num_continuous=1, contrastive_weight=1.0)
    InfoGANConfig(num_continuous=1)  # fine while the regulariser is off


def test_pairs_share_exactly_the_chosen_code_and_keep_the_gap():
    cr = InfoGAN(InfoGANConfig(num_continuous=3, **CR)).extensions["contrastive"]
    pairs = cr.sample_pairs(256, step=0)
    shared = pairs["shared"].numpy()
    cont = pairs["continuous"].numpy()                       # (2, b, M)
    assert set(shared) == {0, 1, 2}
    rows = np.arange(len(shared))
    np.testing.assert_array_equal(cont[0, rows, shared], cont[1, rows, shared])
    others = np.ones(cont.shape[1:], bool)
    others[rows, shared] = False
    gaps = np.abs(cont[0] - cont[1])[others]
    assert gaps.min() >= 0.5 - 1e-6                          # the gap before step 10
    assert np.abs(cont).max() <= 1.0 + 1e-6
    np.testing.assert_array_equal(pairs["noise"][0], pairs["noise"][1])
    np.testing.assert_array_equal(pairs["category"][0], pairs["category"][1])
    late = cr.sample_pairs(256, step=10)["continuous"].numpy()
    late_gaps = np.abs(late[0] - late[1])
    assert late_gaps.min() < 0.5                             # gap 0 from step 10 on
    again = cr.sample_pairs(256, step=0)                     # stateless in the step
    np.testing.assert_array_equal(again["continuous"], cont)


def test_pairs_can_draw_their_own_noise():
    model = InfoGAN(InfoGANConfig(contrastive_weight=1.0, contrastive_share_noise=False))
    pairs = model.extensions["contrastive"].sample_pairs(32, step=3)
    assert not np.array_equal(pairs["noise"][0], pairs["noise"][1])


def test_weight_and_gap_follow_the_schedule():
    model = InfoGAN(InfoGANConfig(contrastive_weight=2.0, contrastive_start=5,
                                  contrastive_gap=1.9, contrastive_gap_until=8))
    cr = model.extensions["contrastive"]
    assert [float(cr.weight(s)) for s in (0, 4, 5, 100)] == [0, 0, 2, 2]
    assert [float(cr.gap(s)) for s in (0, 7, 8)] == pytest.approx([1.9, 1.9, 0])


def test_the_head_learns_fixed_pairs_below_chance():
    model = InfoGAN(InfoGANConfig(**CR, seed=1))
    cr = model.extensions["contrastive"]
    pairs = cr.sample_pairs(32, step=0)
    opt = tf.keras.optimizers.Adam(1e-3)
    variables = model.cr_head.trainable_variables + model.trunk.trainable_variables
    losses = []
    for _ in range(40):
        with tf.GradientTape() as tape:
            loss, _ = cr.loss(pairs, training=True)
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        losses.append(float(loss))
    # Training-mode forward passes (batch statistics), as in training; chance is ln M.
    assert losses[0] > 0.5 * math.log(2)
    assert max(losses[-5:]) < 0.5 * math.log(2), losses


def test_cr_gradients_reach_g_the_trunk_and_the_head():
    model = InfoGAN(InfoGANConfig(**CR))
    with tf.GradientTape(persistent=True) as tape:
        terms = _terms(model)
        model.extensions["contrastive"].add_terms(terms)
    cr_loss = terms.logs["cr_loss"]
    for net in (model.generator, model.trunk, model.cr_head):
        grads = tape.gradient(cr_loss, net.trainable_variables)
        assert any(g is not None and float(tf.reduce_max(tf.abs(g))) > 0 for g in grads), \
            net.name
    # G's and the trunk's objectives get lambda_CR * L_CR (weight 1 here); the head
    # learns on L_CR itself; Q's head gets none of it.
    for added in (terms.d_terms, terms.g_terms):
        assert len(added) == 1 and float(added[0]) == pytest.approx(float(cr_loss))
    [(own_loss, own_vars)] = terms.own
    assert own_loss is cr_loss and own_vars == model.cr_head.trainable_variables
    q_grads = tape.gradient(cr_loss, model.q_head.trainable_variables)
    assert all(g is None for g in q_grads)


def test_train_step_with_the_regulariser_reports_and_trains_the_head():
    model = InfoGAN(InfoGANConfig(**CR, batch_size=16))
    model.compile()
    before = [w.numpy().copy() for w in model.cr_head.weights]
    logs = model.train_step(tf.random.stateless_uniform((16, 28, 28, 1), [1, 2]))
    assert "cr_loss" in logs and np.isfinite(float(logs["cr_loss"]))
    assert any(not np.array_equal(a, w.numpy()) for a, w in zip(before, model.cr_head.weights))


def test_save_and_load_keep_the_head(tmp_path):
    model = InfoGAN(InfoGANConfig(**CR, seed=3))
    model.save_networks(tmp_path)
    assert (tmp_path / "discriminator.weights.h5.sha256").exists()
    loaded = InfoGAN.load_networks(tmp_path)
    assert loaded.config == model.config and loaded.cr_head is not None
    for a, b in zip(model.cr_head.weights, loaded.cr_head.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    pairs = model.extensions["contrastive"].sample_pairs(8, step=0)
    np.testing.assert_allclose(loaded.extensions["contrastive"].loss(pairs, training=False)[1],
                               model.extensions["contrastive"].loss(pairs, training=False)[1],
                               atol=1e-6)


@pytest.mark.parametrize("precision", ["float32", "mixed_bfloat16"])
def test_same_seed_same_steps_with_the_regulariser(precision):
    import keras

    real = tf.random.stateless_uniform((16, 28, 28, 1), [5, 6])
    runs = []
    for _ in range(2):
        keras.utils.set_random_seed(2)
        model = InfoGAN(InfoGANConfig(**CR, batch_size=16, seed=2, precision=precision))
        model.compile()
        logs = [model.train_step(real) for _ in range(2)]
        runs.append(([float(l["cr_loss"]) for l in logs],
                     [w.numpy() for w in model.cr_head.weights + model.generator.weights]))
    assert runs[0][0] == runs[1][0] and all(np.isfinite(runs[0][0]))
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)


def test_cli_trains_with_the_regulariser_and_logs_its_loss(tmp_path, mnist):
    """--contrastive-* reach the config, and history.csv gains a cr_loss column."""
    import json

    from infogan_utils import cli
    from infogan_utils.training import read_history

    out = tmp_path / "cr"
    assert cli.main(["train", "--out", str(out), "--steps", "20", "--batch-size", "16",
                     "--log-every", "10", "--checkpoint-every", "10",
                     "--contrastive-weight", "2", "--contrastive-start", "10",
                     "--contrastive-gap", "1.9", "--contrastive-gap-until", "15"]) == 0
    saved = json.loads((out / "config.json").read_text())
    assert (saved["contrastive_weight"], saved["contrastive_start"], saved["contrastive_gap"],
            saved["contrastive_gap_until"]) == (2.0, 10, 1.9, 15)
    history = read_history(out / "history.csv")
    assert list(history["step"]) == [10, 20]
    assert np.all(np.isfinite(history["cr_loss"])) and np.all(history["cr_loss"] > 0)


def test_cli_refuses_a_bad_contrastive_value_in_one_line(tmp_path, capsys):
    from infogan_utils import cli

    assert cli.main(["train", "--out", str(tmp_path / "r"), "--contrastive-gap", "3"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "contrastive_gap" in err[0]
    assert not (tmp_path / "r").exists()
