import math

import numpy as np
import pytest

from infogan_utils import LatentSpec, categorical_entropy, one_hot, uniform_entropy


def test_sample_shapes_ranges_and_seed():
    spec = LatentSpec(10, 3, 62)
    s = spec.sample(5000, seed=1)
    assert s.category.shape == (5000,) and s.continuous.shape == (5000, 3)
    assert s.noise.shape == (5000, 62)
    assert s.category.min() == 0 and s.category.max() == 9
    assert np.abs(s.continuous).max() <= 1 and np.abs(s.noise).max() <= 1
    # uniform category frequencies (each ~ 500 +- 5 sigma)
    assert np.all(np.abs(np.bincount(s.category) - 500) < 110)
    again = spec.sample(5000, seed=1)
    np.testing.assert_array_equal(s.noise, again.noise)
    assert not np.array_equal(s.noise, spec.sample(5000, seed=2).noise)


def test_compose_layout():
    spec = LatentSpec(10, 2, 62)
    s = spec.sample(4, seed=0)
    z = spec.compose(s)
    assert z.shape == (4, 74) and z.dtype == np.float32
    np.testing.assert_array_equal(z[:, :62], s.noise)
    np.testing.assert_array_equal(z[:, 62:72].argmax(1), s.category)
    np.testing.assert_array_equal(z[:, 62:72].sum(1), 1)
    np.testing.assert_array_equal(z[:, 72:], s.continuous)


def test_one_hot_and_entropies():
    np.testing.assert_array_equal(one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"categories must be in \[0, 2\]"):
        one_hot([3], 3)
    assert categorical_entropy(10) == pytest.approx(math.log(10))
    assert uniform_entropy(-1, 1) == pytest.approx(math.log(2))
    with pytest.raises(ValueError):
        uniform_entropy(1, 1)


def test_traversal_grid_codes():
    spec = LatentSpec(10, 2, 62)
    values = np.linspace(-2, 2, 5)
    t = spec.traversal(1, values, categories=[3, 7], noise_seed=4)
    assert len(t) == 10
    np.testing.assert_array_equal(t.category, [3] * 5 + [7] * 5)
    np.testing.assert_allclose(t.continuous[:, 1], np.tile(values, 2))
    np.testing.assert_array_equal(t.continuous[:, 0], 0)
    assert np.all(t.noise == t.noise[0])  # one noise vector for the whole grid
    with pytest.raises(ValueError, match="code_index must be in"):
        spec.traversal(2)
    with pytest.raises(ValueError, match="categories must be in"):
        spec.traversal(0, categories=[10])
