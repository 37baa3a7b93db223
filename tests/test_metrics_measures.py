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
    # c2 moves both slant and width; c3 mostly does something else (like an earlier shipped model)
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


def test_a_shear_adds_itself_to_the_measured_slant():
    from infogan_utils.data import augment_images

    bars = np.stack([_bar(0.0, 2), _bar(0.2, 2), _bar(-0.1, 2)])[..., None].astype("float32")
    shears = np.array([0.3, -0.4, 0.0], "float32")
    out = augment_images(bars, shear=shears).numpy()
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


def test_thickness_alone_skips_the_identity_map_and_gives_the_same_images():
    from infogan_utils.data import augment_images

    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (6, 28, 28, 1)).astype("float32")
    thickness = rng.uniform(-1, 1, 6).astype("float32")
    alone = augment_images(images, thickness=thickness).numpy()
    # a zero shear given as an array is not known to be zero in Python: the map runs
    mapped = augment_images(images, thickness=thickness, shear=np.zeros(6, "float32")).numpy()
    np.testing.assert_allclose(alone, mapped, atol=1e-6)
    assert np.abs(alone - images).max() > 0.1          # the thickness did change them

    import tensorflow as tf

    def op_types(**styles):
        traced = tf.function(lambda im: augment_images(im, **styles))
        spec = tf.TensorSpec((6, 28, 28, 1), tf.float32)
        return {op.type for op in traced.get_concrete_function(spec).graph.get_operations()}

    warp = "ImageProjectiveTransformV3"                 # Keras's affine_transform kernel
    assert warp not in op_types(thickness=0.5)
    assert warp in op_types(thickness=0.5, shear=0.1)


def test_thickness_responds_to_dilation_and_barely_to_shear():
    from scipy.ndimage import grey_dilation

    from infogan_utils.measures import thickness

    bars = np.stack([_bar(0.0, 1), _bar(0.0, 2), _bar(0.3, 1)])
    thin, thick, sheared = thickness(bars)
    assert thin == pytest.approx(2.0, abs=0.5)          # ink 2 px across: about 2 px thick
    assert thick == pytest.approx(4.0, abs=0.7)
    assert sheared == pytest.approx(thin, rel=0.1)     # leaning is not thickness
    dilated = thickness(grey_dilation(bars[:1], size=(1, 3, 3)))[0]
    assert dilated > thin + 1.5                          # one pixel more on each side
    np.testing.assert_allclose(thickness(3 * bars), thickness(bars))  # ink scale: no effect


class _ShearStub:
    """A fake model: c2 shears one fixed digit by 0.2 px per row per unit; c3 does nothing."""

    def __init__(self):
        from infogan_utils.latent import LatentSpec

        self.spec = LatentSpec()

    def generate(self, codes):
        return np.stack([_bar(0.2 * c2, 1.5) for c2 in codes.continuous[:, 0]])[..., None]


def _reference_bars(n=200, seed=0, max_shear=0.4):
    rng = np.random.default_rng(seed)
    return np.stack([_bar(s, w) for s, w in zip(rng.uniform(-max_shear, max_shear, n),
                                                 rng.uniform(0.8, 3.0, n))])


def test_effect_matrix_names_a_shear_code_rotation_with_separation_near_zero():
    from infogan_utils.measures import code_effects, reference_sd, slant

    reference = _reference_bars()
    result = code_effects(_ShearStub(), reference, num_sweeps=30, num_values=5)
    sd = reference_sd(reference)
    assert result["range"] == [-1.0, 1.0] and result["num_sweeps"] == 30
    assert set(result["matrix"]) == {"c2", "c3"}
    assert set(result["matrix"]["c2"]) == {"slant", "width", "thickness"}
    # the unit is the SD of the real digits: the sweep moves slant by 0.4 px per row
    end_to_end = slant(np.stack([_bar(0.2), _bar(-0.2)]))
    expected = (end_to_end[0] - end_to_end[1]) / sd["slant"]
    assert result["matrix"]["c2"]["slant"] == pytest.approx(expected, rel=1e-6)
    assert result["reference_sd"]["slant"] == pytest.approx(np.std(slant(reference)))
    assert result["code_names"] == {"rotation": "c2"}       # c3 moves nothing: unnamed
    assert result["separation"]["rotation"] < 0.1
    assert all(abs(v) < 1e-9 for v in result["matrix"]["c3"].values())
    assert result["spearman"]["c2"]["slant"] == pytest.approx(1.0)
    # twice the range, twice the effect (the stub shears linearly)
    wide = code_effects(_ShearStub(), reference, limit=2.0, num_sweeps=30, num_values=5)
    assert wide["matrix"]["c2"]["slant"] == pytest.approx(2 * expected, rel=1e-6)
    # real digits that lean twice as much: twice the SD, half the effect
    spread = code_effects(_ShearStub(), _reference_bars(max_shear=0.8), num_sweeps=30,
                          num_values=5)
    assert spread["matrix"]["c2"]["slant"] == pytest.approx(expected / 2, rel=0.05)


def test_separation_scores_divide_the_largest_other_effect_by_the_own_one():
    from infogan_utils.measures import name_codes, separation_scores

    matrix = {"c2": {"slant": -0.4, "width": -0.7, "thickness": -0.6},
              "c3": {"slant": 1.0, "width": 0.8, "thickness": 1.5}}
    names = name_codes(matrix, 0.1)
    assert names == {"rotation": "c3", "width": "c2"}
    scores = separation_scores(matrix, names)
    assert scores == pytest.approx({"rotation": 1.5, "width": 0.6 / 0.7})


def test_effect_words_list_the_factors_a_code_moves_largest_first():
    from infogan_utils.measures import effect_words

    assert effect_words({"slant": 0.99, "width": 0.8, "thickness": 1.56}) == (
        "bolder, leans right, wider")
    assert effect_words({"slant": -0.2, "width": -0.72, "thickness": -0.71}) == (
        "narrower, thinner")                          # 0.2 < 0.72 / 3: left out
    assert effect_words({"slant": 0.0, "width": 0.0, "thickness": 0.0}) == "no measured change"
