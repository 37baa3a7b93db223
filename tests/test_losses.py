import math

import numpy as np
import pytest
from scipy.special import expit
from scipy.stats import norm

from infogan_utils import (categorical_code_loss, discriminator_loss, gaussian_code_loss,
                           generator_loss, information_loss, mutual_information_lower_bound)

rng = np.random.default_rng(0)


def test_discriminator_and_generator_losses_match_closed_form():
    real = rng.normal(size=(32, 1)).astype(np.float32) * 3
    fake = rng.normal(size=(32, 1)).astype(np.float32) * 3
    expected_d = -np.mean(np.log(expit(real))) - np.mean(np.log(1 - expit(fake)))
    expected_g = -np.mean(np.log(expit(fake)))
    assert float(discriminator_loss(real, fake)) == pytest.approx(expected_d, rel=1e-5)
    assert float(generator_loss(fake)) == pytest.approx(expected_g, rel=1e-5)


def test_losses_are_stable_for_extreme_logits():
    big = np.array([[80.0], [-80.0]], np.float32)
    assert np.isfinite(float(discriminator_loss(big, big)))
    assert float(generator_loss(np.array([[80.0]], np.float32))) == pytest.approx(0, abs=1e-6)


def test_perfect_q_gives_lower_bound_ln10():
    cat = np.arange(10).repeat(3)
    logits = np.full((30, 10), -1e4, np.float32)
    logits[np.arange(30), cat] = 1e4
    nll = float(categorical_code_loss(cat, logits))
    assert nll == pytest.approx(0.0, abs=1e-6)
    assert float(mutual_information_lower_bound(math.log(10), nll)) == pytest.approx(math.log(10))


def test_uninformative_q_gives_lower_bound_zero_and_matches_cross_entropy():
    cat = rng.integers(0, 10, 64)
    assert float(categorical_code_loss(cat, np.zeros((64, 10), np.float32))) == pytest.approx(
        math.log(10), rel=1e-6)
    logits = rng.normal(size=(64, 10)).astype(np.float32)
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    assert float(categorical_code_loss(cat, logits)) == pytest.approx(
        -logp[np.arange(64), cat].mean(), rel=1e-5)


def test_gaussian_code_loss_matches_scipy():
    c = rng.uniform(-1, 1, (50, 3)).astype(np.float32)
    mu = rng.normal(size=(50, 3)).astype(np.float32)
    logvar = rng.normal(size=(50, 3)).astype(np.float32)
    expected = -norm.logpdf(c, mu, np.exp(0.5 * logvar)).sum(1).mean()
    assert float(gaussian_code_loss(c, mu, logvar)) == pytest.approx(expected, rel=1e-5)
    expected_unit = -norm.logpdf(c, mu, 1.0).sum(1).mean()
    assert float(gaussian_code_loss(c, mu)) == pytest.approx(expected_unit, rel=1e-5)


def test_information_loss_weights():
    assert float(information_loss(2.0, 3.0, 1.0, 0.1)) == pytest.approx(2.3)
