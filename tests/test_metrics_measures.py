import numpy as np
import pytest

from infogan_utils import confusion_matrix, digit_accuracy
from infogan_utils.measures import name_codes, slant, sweep_correlations, width


def test_perfect_but_permuted_categories_score_one():
    labels = np.repeat(np.arange(10), 20)
    perm = np.random.default_rng(0).permutation(10)
    acc = digit_accuracy(labels, perm[labels])
    assert acc.one_to_one == 1.0 and acc.many_to_one == 1.0
    assert acc.mapping == {int(perm[d]): d for d in range(10)}


def test_merged_digits_hurt_one_to_one_more_than_many_to_one():
    labels = np.repeat(np.arange(10), 10)
    cats = labels.copy()
    cats[labels == 9] = 4          # 4 and 9 merged into category 4
    cats[(labels == 1)[:]] = np.where(np.arange(100)[labels == 1] % 2, 1, 9)  # 1 split in two
    acc = digit_accuracy(labels, cats)
    assert acc.many_to_one == pytest.approx(0.9)   # the 9s are lost
    assert acc.one_to_one == pytest.approx(0.85)   # and half of the 1s too
    m = confusion_matrix(labels, cats)
    assert m.sum() == 100 and m[4, 9] == 10


def test_confusion_matrix_shape_errors():
    with pytest.raises(ValueError, match="differ in shape"):
        confusion_matrix([1, 2], [1])


def _bar(shear, half_width=1.0):
    """A vertical bar of ink, sheared so that its top moves right by `shear` px per row up."""
    img = np.zeros((28, 28))
    for row in range(4, 24):
        center = 14 + shear * (14 - row)
        cols = np.arange(28)
        img[row] = np.clip(half_width + 0.5 - np.abs(cols - center), 0, 1)
    return img


def test_slant_of_a_sheared_bar_has_the_right_sign():
    right, upright, left = slant(np.stack([_bar(0.3), _bar(0.0), _bar(-0.3)]))
    assert right > 0.2 and left < -0.2 and abs(upright) < 1e-9
    assert right == pytest.approx(0.3, abs=0.05) and left == pytest.approx(-0.3, abs=0.05)


def test_width_grows_with_the_stroke_and_ignores_slant():
    narrow, wide, wide_slanted = width(np.stack([_bar(0, 1), _bar(0, 4), _bar(0.3, 4)]))
    assert wide > narrow * 2
    assert wide_slanted == pytest.approx(wide, rel=0.1)


def test_sweep_correlations_average_each_sweep_in_order():
    values = [-0.2, 0.0, 0.2]
    right = [_bar(v) for v in values]              # leans further right at each value
    left = [_bar(-v) for v in values]              # ... further left
    still = [_bar(0.0)] * 3                        # does not change: no information
    widen = [_bar(0.0, w) for w in (1, 2, 3)]
    assert sweep_correlations(values, np.stack(right + left))["slant"] == pytest.approx(0.0)
    assert sweep_correlations(values, np.stack(right + still))["slant"] == pytest.approx(1.0)
    assert sweep_correlations(values, np.stack(left))["slant"] == pytest.approx(-1.0)
    assert sweep_correlations(values, np.stack(widen))["width"] == pytest.approx(1.0)


def test_codes_are_named_by_their_strongest_correlation():
    corr = {"c2": {"slant": 0.1, "width": -0.95}, "c3": {"slant": -0.97, "width": 0.2}}
    assert name_codes(corr) == {"rotation": "c3", "width": "c2"}


def test_a_code_that_barely_moves_a_measure_is_not_named_after_it():
    # c2 moves both slant and width; c3 mostly does something else (the shipped model)
    corr = {"c2": {"slant": 0.94, "width": 0.90}, "c3": {"slant": -0.74, "width": 0.32}}
    assert name_codes(corr) == {"rotation": "c2"}


def test_category_balance_is_ln_k_when_even_and_drops_when_merged():
    from infogan_utils.metrics import category_balance

    even = np.repeat(np.arange(10), 100)
    assert category_balance(even) == pytest.approx(np.log(10))
    merged = even.copy()
    merged[merged == 9] = 4
    assert category_balance(merged) < np.log(10) - 0.05
    assert category_balance(np.zeros(50, int)) == 0.0


def test_category_slant_share_sees_a_category_that_encodes_slant():
    from infogan_utils.measures import category_slant_share

    rng = np.random.default_rng(0)
    shears = rng.uniform(-0.5, 0.5, 200)
    images = np.stack([_bar(s) for s in shears])
    by_slant = (shears > 0).astype(int)           # one category per lean: absorbs slant
    random = rng.integers(0, 2, 200)              # categories unrelated to slant
    assert category_slant_share(by_slant, images) > 0.6
    assert category_slant_share(random, images) < 0.05
    assert category_slant_share(np.zeros(200, int), images) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="categories for"):
        category_slant_share(by_slant[:10], images)


def test_shear_images_adds_its_shear_to_the_measured_slant():
    from infogan_utils.data import shear_images

    bars = np.stack([_bar(0.0, 2), _bar(0.2, 2), _bar(-0.1, 2)])[..., None].astype("float32")
    shears = np.array([0.3, -0.4, 0.0], "float32")
    out = shear_images(bars, shears).numpy()
    assert out.shape == bars.shape
    np.testing.assert_allclose(slant(out), slant(bars) + shears, atol=0.03)
    np.testing.assert_allclose(out.sum(axis=(1, 2, 3)), bars.sum(axis=(1, 2, 3)), rtol=0.02)


def test_augment_images_changes_width_position_and_thickness_as_asked():
    from infogan_utils.data import augment_images

    bars = np.stack([_bar(0.0, 2)] * 5)[..., None].astype("float32")
    np.testing.assert_allclose(augment_images(bars).numpy(), bars, atol=1e-6)  # identity
    out = augment_images(bars, scale_x=np.array([1.5, 0.7, 1, 1, 1], "float32"),
                         shift_x=np.array([0, 0, 3, 0, 0], "float32"),
                         thickness=np.array([0, 0, 0, 1, -1], "float32")).numpy()
    ink = out.sum(axis=(1, 2, 3))
    base_width, base_ink = width(bars[:1, ..., 0])[0], bars[0].sum()
    got_width = width(out[..., 0])
    assert got_width[0] > base_width * 1.3 and got_width[1] < base_width * 0.8
    col = lambda im: (im[..., 0].sum(0) * np.arange(28)).sum() / im.sum()  # noqa: E731
    assert col(out[2]) == pytest.approx(col(bars[0]) + 3, abs=0.05)   # shifted right
    assert ink[3] > 1.3 * base_ink and ink[4] < 0.8 * base_ink         # thicker, thinner
    np.testing.assert_allclose(slant(out), slant(bars), atol=0.03)     # none of it leans
