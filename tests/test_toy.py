"""The 2-D toy of notebook 03 (infogan_utils.toy): its data, its networks, and that an
InfoGAN step trains it to find the components (>= 90% one to one) in under a minute."""

import time

import numpy as np
import pytest

from infogan_utils import toy
from infogan_utils.metrics import digit_accuracy


def test_the_data_are_four_elongated_components_around_a_circle():
    points, labels = toy.toy_data(4000, seed=0)
    assert points.shape == (4000, 2) and points.dtype == np.float32
    assert set(np.unique(labels)) == set(range(toy.TOY_COMPONENTS))
    assert np.all(np.bincount(labels) > 900)  # equal weights
    for k in range(toy.TOY_COMPONENTS):
        angle = 2 * np.pi * k / toy.TOY_COMPONENTS
        radial = np.array([np.cos(angle), np.sin(angle)])
        tangent = np.array([-np.sin(angle), np.cos(angle)])
        mine = points[labels == k]
        assert np.mean(mine @ radial) == pytest.approx(toy.RADIUS, abs=0.05)
        assert np.std(mine @ radial) == pytest.approx(toy.ALONG, rel=0.1)
        assert np.std(mine @ tangent) == pytest.approx(toy.ACROSS, rel=0.1)
    again, _ = toy.toy_data(4000, seed=0)
    np.testing.assert_array_equal(points, again)


def test_the_networks_have_the_packages_interface():
    config = toy.toy_config()
    nets = toy.toy_networks(config)
    latent = np.zeros((5, config.latent_dim), np.float32)
    fake = nets["generator"](latent)
    assert fake.shape == (5, 2)
    features = nets["trunk"](fake)
    assert nets["d_head"](features).shape == (5, 1)
    q = nets["q_head"](features)
    assert q["cat_logits"].shape == (5, config.num_categories)
    assert q["cont_mean"].shape == (5, config.num_continuous)


def test_the_accuracy_is_one_to_one_over_the_components():
    labels = np.array([0, 1, 2, 3, 0, 1, 2, 3])
    renamed = (labels + 1) % 4  # the same grouping, other names: still perfect
    assert digit_accuracy(labels, renamed, 4, 4).one_to_one == 1.0


def test_an_infogan_step_finds_the_components_within_a_minute():
    """The package's step with the toy's networks: the notebook's fallback, and the step
    the learner's must match."""
    points, labels = toy.toy_data()
    config = toy.toy_config()
    start = time.perf_counter()
    model = toy.train_toy(toy.package_toy_model, config, 1000, points)
    seconds = time.perf_counter() - start
    accuracy = toy.toy_accuracy(model, points, labels)
    assert accuracy >= 0.9, f"one-to-one accuracy {accuracy:.1%} after 1,000 steps"
    assert seconds < 60, f"the toy took {seconds:.0f} s"
    fake, c1, c2 = toy.toy_sample(model, 2000)
    # c1 picks a component: G's points for one c1 lie mostly on one component
    categories = toy.toy_categories(model, fake)
    assert digit_accuracy(c1, categories, 4, 4).one_to_one >= 0.9
