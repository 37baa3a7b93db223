"""infogan_utils.information against closed forms and scipy."""

import math

import numpy as np
import pytest
from scipy.stats import entropy as scipy_entropy
from scipy.stats import norm, truncnorm

from infogan_utils import (categorical_code_loss, conditional_entropy, entropy,
                           expected_log_likelihood, expected_posterior_kl, gaussian_entropy,
                           gaussian_variational_lower_bound, marginals, mutual_information,
                           posterior, uniform_code_gaussian_noise_information,
                           variational_lower_bound)

rng = np.random.default_rng(0)


def random_joint(k=3, x=5, seed=0):
    table = np.random.default_rng(seed).gamma(0.7, size=(k, x))
    return table / table.sum()


def random_q(k=3, x=5, seed=1):
    q = np.random.default_rng(seed).gamma(1.0, size=(k, x))
    return q / q.sum(axis=0)


def test_entropy_matches_scipy_and_closed_forms():
    p = rng.dirichlet(np.ones(7))
    assert entropy(p) == pytest.approx(scipy_entropy(p), rel=1e-12)
    assert entropy(np.full(10, 0.1)) == pytest.approx(math.log(10))
    assert entropy([1.0, 0.0, 0.0]) == 0.0          # 0 ln 0 = 0, no nan
    joint = random_joint()
    assert entropy(joint) == pytest.approx(scipy_entropy(joint.ravel()))


def test_marginals_and_posterior_follow_bayes_rule():
    joint = random_joint()
    p_c, p_x = marginals(joint)
    np.testing.assert_allclose(p_c, joint.sum(1))
    np.testing.assert_allclose(p_x, joint.sum(0))
    post = posterior(joint)
    assert post.shape == joint.shape
    np.testing.assert_allclose(post.sum(0), 1.0)
    np.testing.assert_allclose(post * p_x, joint, atol=1e-15)


def test_posterior_of_an_image_that_never_occurs_is_the_prior():
    joint = np.array([[0.25, 0.0, 0.25], [0.5, 0.0, 0.0]])
    np.testing.assert_allclose(posterior(joint)[:, 1], [0.5, 0.5])
    np.testing.assert_allclose(posterior(joint)[:, 2], [1.0, 0.0])


def test_mutual_information_matches_scipy_kl_and_entropy_identities():
    joint = random_joint(4, 6, seed=3)
    p_c, p_x = marginals(joint)
    kl = scipy_entropy(joint.ravel(), np.outer(p_c, p_x).ravel())
    info = mutual_information(joint)
    assert info == pytest.approx(kl, rel=1e-10)
    assert info == pytest.approx(entropy(p_c) - conditional_entropy(joint), abs=1e-12)
    assert info == pytest.approx(entropy(p_c) + entropy(p_x) - entropy(joint), abs=1e-12)
    assert 0 < info < min(entropy(p_c), entropy(p_x))


def test_independent_joint_carries_no_information():
    p_c, p_x = rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(5))
    joint = np.outer(p_c, p_x)
    assert mutual_information(joint) == pytest.approx(0.0, abs=1e-12)
    assert conditional_entropy(joint) == pytest.approx(entropy(p_c))
    np.testing.assert_allclose(posterior(joint), np.tile(p_c[:, None], (1, 5)))


@pytest.mark.parametrize("k", [2, 3, 10])
def test_deterministic_bijection_carries_ln_k(k):
    joint = np.eye(k)[np.random.default_rng(k).permutation(k)] / k
    assert mutual_information(joint) == pytest.approx(math.log(k))
    assert conditional_entropy(joint) == pytest.approx(0.0, abs=1e-12)


def test_bound_with_the_true_posterior_equals_the_mutual_information():
    joint = random_joint(4, 6, seed=5)
    assert variational_lower_bound(joint, posterior(joint)) == pytest.approx(
        mutual_information(joint), abs=1e-12)
    assert expected_posterior_kl(joint, posterior(joint)) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_any_other_q_gives_strictly_less_by_the_kl_gap(seed):
    joint = random_joint(3, 5, seed=seed)
    q = random_q(3, 5, seed=seed + 100)
    info, bound = mutual_information(joint), variational_lower_bound(joint, q)
    gap = expected_posterior_kl(joint, q)
    assert bound < info - 1e-6
    assert info - bound == pytest.approx(gap, abs=1e-12)
    p_c, p_x = marginals(joint)
    by_scipy = sum(p_x[i] * scipy_entropy(posterior(joint)[:, i], q[:, i]) for i in range(5))
    assert gap == pytest.approx(by_scipy, rel=1e-10)


def test_q_that_ignores_the_image_gives_a_bound_of_zero():
    joint = random_joint()
    p_c, _ = marginals(joint)
    prior_q = np.tile(p_c[:, None], (1, joint.shape[1]))
    assert variational_lower_bound(joint, prior_q) == pytest.approx(0.0, abs=1e-12)


def test_bound_uses_the_cross_entropy_that_categorical_code_loss_estimates():
    joint = random_joint(3, 4, seed=7)
    q = random_q(3, 4, seed=8)
    # enumerate every (c, x) pair, repeated in proportion to p(c, x) (rounded)
    counts = np.round(joint * 100_000).astype(int)
    c, x = np.nonzero(counts)
    reps = counts[c, x]
    category, image = np.repeat(c, reps), np.repeat(x, reps)
    logits = np.log(q.T)[image].astype(np.float32)
    nll = float(categorical_code_loss(category, logits))
    assert -expected_log_likelihood(joint, q) == pytest.approx(nll, rel=1e-3)


def test_zero_probability_on_an_occurring_pair_gives_minus_infinity():
    joint = np.array([[0.5, 0.0], [0.0, 0.5]])
    q = np.array([[0.0, 0.5], [1.0, 0.5]])
    assert expected_log_likelihood(joint, q) == -math.inf
    assert variational_lower_bound(joint, q) == -math.inf
    # but a zero where p(c, x) = 0 costs nothing
    q_ok = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert variational_lower_bound(joint, q_ok) == pytest.approx(math.log(2))


@pytest.mark.parametrize("bad, match", [
    (np.array([[0.5, 0.6], [0.0, 0.0]]), "sum to 1"),
    (np.array([[0.7, -0.2], [0.3, 0.2]]), "non-negative"),
    (np.array([[0.5, np.nan], [0.25, 0.25]]), "non-negative"),
    (np.array([0.5, 0.5]), "2-D"),
    (np.zeros((0, 3)), "2-D|empty"),
])
def test_bad_joint_tables_raise_one_clear_error(bad, match):
    with pytest.raises(ValueError, match=match):
        mutual_information(bad)


def test_bad_recognition_tables_raise():
    joint = random_joint(3, 4)
    with pytest.raises(ValueError, match="shape"):
        variational_lower_bound(joint, random_q(3, 5))
    unnormalised = random_q(3, 4)
    unnormalised[:, 2] *= 2
    with pytest.raises(ValueError, match="column"):
        variational_lower_bound(joint, unnormalised)
    with pytest.raises(ValueError, match="non-negative"):
        expected_log_likelihood(joint, -random_q(3, 4))
    with pytest.raises(ValueError, match="sum to 1"):
        entropy([0.2, 0.2])


def test_gaussian_entropy_matches_scipy():
    assert gaussian_entropy(0.3) == pytest.approx(norm(scale=0.3).entropy())
    with pytest.raises(ValueError):
        gaussian_entropy(0.0)


def test_uniform_code_information_limits_and_bounds():
    # high signal-to-noise: x pins c down to a Gaussian of width sigma, I ~ ln 2 - h(noise)
    sigma = 1e-3
    assert uniform_code_gaussian_noise_information(sigma) == pytest.approx(
        math.log(2) - gaussian_entropy(sigma), abs=2e-3)
    # low signal-to-noise: I ~ Var(c) / (2 sigma^2), Var(c) = 1/3
    assert uniform_code_gaussian_noise_information(10.0) == pytest.approx(1 / 600, rel=1e-2)
    # the Gaussian channel with the same input variance carries more (Gaussian input is
    # the maximum-entropy input for a given variance)
    for sigma in (0.05, 0.2, 1.0):
        info = uniform_code_gaussian_noise_information(sigma)
        assert info < 0.5 * math.log(1 + (1 / 3) / sigma**2)
    infos = [uniform_code_gaussian_noise_information(s) for s in (0.05, 0.1, 0.3, 1.0)]
    assert np.all(np.diff(infos) < 0)
    # a wider code carries more: U(-2, 2) is U(-1, 1) seen with half the noise
    assert uniform_code_gaussian_noise_information(0.2, -2, 2) == pytest.approx(
        uniform_code_gaussian_noise_information(0.1))
    with pytest.raises(ValueError):
        uniform_code_gaussian_noise_information(-1.0)
    with pytest.raises(ValueError):
        uniform_code_gaussian_noise_information(0.1, low=1, high=1)


def truncated_normal_moments(loc, scale, low=-1.0, high=1.0):
    """Mean and variance of N(loc, scale^2) truncated to [low, high] (closed form)."""
    a, b = (low - loc) / scale, (high - loc) / scale
    z = norm.cdf(b) - norm.cdf(a)
    d = (norm.pdf(a) - norm.pdf(b)) / z
    mean = loc + scale * d
    var = scale**2 * (1 + (a * norm.pdf(a) - b * norm.pdf(b)) / z - d**2)
    return mean, var


def test_truncated_normal_moments_match_scipy():
    loc = np.linspace(-1.3, 1.3, 27)
    mean, var = truncated_normal_moments(loc, 0.1)
    a, b = (-1 - loc) / 0.1, (1 - loc) / 0.1
    np.testing.assert_allclose(mean, truncnorm.mean(a, b, loc=loc, scale=0.1), rtol=1e-8)
    np.testing.assert_allclose(var, truncnorm.var(a, b, loc=loc, scale=0.1), rtol=1e-6)


def test_gaussian_bound_is_below_the_exact_information_and_tight_with_the_best_q():
    sigma, n = 0.1, 200_000
    c = rng.uniform(-1, 1, (n, 1))
    x = c + sigma * rng.normal(size=(n, 1))
    info = uniform_code_gaussian_noise_information(sigma)
    # the moment-matched Gaussian of the true posterior, N(x, sigma^2) truncated to [-1, 1]
    mean, var = truncated_normal_moments(x, sigma)
    logvar = np.log(var)
    best = gaussian_variational_lower_bound(c, mean, logvar)
    assert info - 0.05 < best < info
    # Q = N(x, sigma^2) ignores the edges; fixed unit variance is a far looser bound
    naive = gaussian_variational_lower_bound(c, x, np.full_like(x, 2 * math.log(sigma)))
    unit = gaussian_variational_lower_bound(c, mean)
    assert unit < naive < best
    expected_unit = math.log(2) + norm.logpdf(c, mean, 1.0).mean()
    assert unit == pytest.approx(expected_unit, rel=1e-4)
    with pytest.raises(ValueError, match="shape"):
        gaussian_variational_lower_bound(c[:, 0], mean[:, 0])
    with pytest.raises(ValueError, match="shape"):
        gaussian_variational_lower_bound(c, mean[:10])
