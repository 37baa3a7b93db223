"""The live code explorer: every control redraws the image, bad values are handled."""

import io
import json

import numpy as np
import pytest
import traitlets

from infogan_utils import InfoGAN, InfoGANConfig
from infogan_utils.widgets import CodeExplorer, code_explorer, digit_image_png

MAPPING = {"0": 4, "1": 9, "2": 0, "3": 7, "4": 1, "5": 2, "6": 3, "7": 5, "8": 6, "9": 8}
NAMES = {"rotation": "c2", "width": "c3"}


@pytest.fixture(scope="module")
def model():
    # An untrained generator still responds to every input, which is all the widget needs.
    return InfoGAN(InfoGANConfig(seed=3))


@pytest.fixture
def explorer(model):
    return code_explorer(model, accuracy_mapping=MAPPING, code_names=NAMES)


def _pixels(png):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)))


def test_first_image_is_the_generator_output_upscaled(explorer, model):
    shown = _pixels(explorer.image.value)
    assert shown.shape == (280, 280)
    expected = model.generate(explorer.latent()[:1])[0, ..., 0]
    ink = 255 - np.clip(expected, 0, 1) * 255
    # Nearest-neighbour upscaling: every 10x10 block is one generator pixel.
    np.testing.assert_allclose(shown[::10, ::10], ink, atol=1)
    assert (shown[5::10, 5::10] == shown[::10, ::10]).all()


@pytest.mark.parametrize("control", ["category", "slider0", "slider1", "seed"])
def test_each_control_changes_the_image_and_back(explorer, control):
    widget = {"category": explorer.category, "slider0": explorer.sliders[0],
              "slider1": explorer.sliders[1], "seed": explorer.seed}[control]
    new_value = {"category": 5, "seed": 1234}.get(control, 1.5)
    before, old_value = explorer.image.value, widget.value
    widget.value = new_value
    assert explorer.image.value != before, f"changing {control} did not change the image"
    widget.value = old_value
    assert explorer.image.value == before, f"restoring {control} did not restore the image"


def test_sweep_row_follows_the_chosen_code(explorer):
    row = explorer.sweep_image.value
    assert _pixels(row).shape == (84, 9 * 84 + 8 * 2)
    explorer.sweep_code.value = 1
    assert explorer.sweep_image.value != row
    # The main image does not depend on which code is swept.
    before = explorer.image.value
    explorer.sweep_code.value = 0
    assert explorer.image.value == before and explorer.sweep_image.value == row


def test_sweep_cell_equals_main_image_at_the_same_value(explorer):
    # The middle of the sweep (value 0) is the main image when the slider is at 0.
    row = _pixels(explorer.sweep_image.value)
    middle = row[:, 4 * 86:4 * 86 + 84]
    main = _pixels(explorer.image.value)
    np.testing.assert_array_equal(middle[::3, ::3], main[::10, ::10])


def test_random_noise_button_draws_a_new_seed_and_image(explorer):
    seed, image = explorer.seed.value, explorer.image.value
    explorer.random_noise.click()
    assert explorer.seed.value != seed
    assert explorer.image.value != image
    assert 0 <= explorer.seed.value <= 2**31 - 1


def test_sliders_and_seed_clamp_bad_values(explorer):
    explorer.sliders[0].value = 7.0
    assert explorer.sliders[0].value == 2.0
    explorer.sliders[1].value = -9.0
    assert explorer.sliders[1].value == -2.0
    explorer.sliders[0].value = float("inf")
    assert explorer.sliders[0].value == 2.0
    explorer.seed.value = -5
    assert explorer.seed.value == 0
    assert "+2.00" in explorer.caption.value and "-2.00" in explorer.caption.value


def test_bad_category_is_refused_with_the_range(explorer):
    before = explorer.image.value
    for bad in (10, -1, "3"):
        with pytest.raises(traitlets.TraitError, match=r"0\.\.9"):
            explorer.category.value = bad
    assert explorer.category.value == 0 and explorer.image.value == before


def test_labels_show_matched_digits_and_code_names(explorer):
    labels = [label for label, _ in explorer.category.options]
    assert labels[3] == "c1=3 → digit 7"
    assert labels[0] == "c1=0 → digit 4"
    assert [s.description for s in explorer.sliders] == ["rotation (c2)", "width (c3)"]


def test_labels_without_mapping_are_plain(model):
    e = code_explorer(model, sweep=False)
    assert [label for label, _ in e.category.options][:2] == ["c1=0", "c1=1"]
    assert [s.description for s in e.sliders] == ["c2", "c3"]
    assert e.sweep_image is None
    # Code names may also be given code -> name.
    e2 = code_explorer(model, code_names={"c3": "width"}, sweep=False)
    assert [s.description for s in e2.sliders] == ["c2", "width (c3)"]


def test_mapping_for_missing_category_is_an_error(model):
    with pytest.raises(ValueError, match="category 12"):
        code_explorer(model, accuracy_mapping={12: 3})


def test_seed_matches_traversal_noise(explorer, model):
    # The explorer's z for a seed is the one traversal_grid(noise_seed=seed) uses.
    explorer.seed.value = 11
    codes = model.spec.traversal(0, [0.0], [0], noise_seed=11)
    np.testing.assert_allclose(explorer.noise(), codes.noise)


def test_generator_is_traced_once(model):
    e = code_explorer(model)
    fn = model._generate_fn
    count = fn.experimental_get_tracing_count()
    for v in np.linspace(-2, 2, 7):
        e.sliders[0].value = float(v)
    e.category.value = 4
    e.random_noise.click()
    assert fn.experimental_get_tracing_count() == count


def test_loads_a_saved_folder_with_its_metrics(tmp_path, model):
    model.save_networks(tmp_path)
    (tmp_path / "metrics.json").write_text(json.dumps({"mapping": MAPPING,
                                                       "code_names": NAMES}))
    e = code_explorer(tmp_path)
    assert isinstance(e, CodeExplorer)
    assert e.category.options[3][0] == "c1=3 → digit 7"
    assert e.sliders[0].description == "rotation (c2)"
    # Same weights, same codes: the same picture as the in-memory model.
    assert e.image.value == code_explorer(model).image.value


def test_digit_image_png_is_nearest_neighbour():
    img = np.zeros((28, 28, 1), np.float32)
    img[3, 5] = 1.0
    px = _pixels(digit_image_png(img))
    assert px.shape == (280, 280)
    assert (px[30:40, 50:60] == 0).all() and px[29, 50] == 255 and px[30, 60] == 255


def _still_usable(explorer):
    before = explorer.image.value
    explorer.sliders[1].value = 1.25
    assert explorer.image.value != before, "the explorer stopped redrawing"
    explorer.sliders[1].value = 0.0
    assert explorer.image.value == before


@pytest.mark.parametrize("bad", [float("nan"), None, "abc"])
def test_non_number_slider_values_are_refused_and_nothing_breaks(explorer, bad):
    before = explorer.image.value
    with pytest.raises(traitlets.TraitError, match="c2|float"):
        explorer.sliders[0].value = bad
    assert explorer.sliders[0].value == 0.0 and explorer.image.value == before
    assert np.isfinite(explorer.latent()).all()
    _still_usable(explorer)


@pytest.mark.parametrize("bad", [None, True, 3.5, float("nan")])
def test_bad_category_or_sweep_code_is_refused_and_nothing_breaks(explorer, bad):
    explorer.category.value = 2
    before = explorer.image.value
    with pytest.raises(traitlets.TraitError, match=r"category must be one of 0\.\.9"):
        explorer.category.value = bad
    assert explorer.category.value == 2 and explorer.image.value == before
    with pytest.raises(traitlets.TraitError, match=r"sweep code must be one of 0\.\.1"):
        explorer.sweep_code.value = bad
    assert explorer.sweep_code.value == 0
    _still_usable(explorer)


def test_bad_seed_values_are_refused_or_clamped(explorer, model):
    for bad in (float("nan"), None):
        with pytest.raises(traitlets.TraitError):
            explorer.seed.value = bad
    explorer.seed.value = 2**40
    assert explorer.seed.value == 2**31 - 1
    _still_usable(explorer)
    for bad in (float("nan"), None, "7"):
        with pytest.raises(ValueError, match="seed must be an integer"):
            code_explorer(model, seed=bad)
    assert code_explorer(model, seed=-4, sweep=False).seed.value == 0


@pytest.mark.parametrize("kwargs,message", [
    (dict(accuracy_mapping=[1, 2]), "accuracy_mapping must be a dict"),
    (dict(accuracy_mapping={"a": 1}), "accuracy_mapping must map category numbers"),
    (dict(code_names=5), "code_names must be a dict"),
    (dict(sweep="no"), "sweep must be True or False"),
])
def test_wrong_typed_arguments_are_refused_by_name(model, kwargs, message):
    with pytest.raises(ValueError, match=message):
        code_explorer(model, **kwargs)


SD = {"slant": 0.2, "width": 0.5, "thickness": 0.3}


def test_readout_measures_the_image_shown_and_its_change_from_all_codes_zero(model):
    from infogan_utils.measures import slant, thickness, width

    explorer = code_explorer(model, reference_sd=SD)
    assert explorer.readings["change_sd"] == {"slant": 0.0, "width": 0.0, "thickness": 0.0}
    explorer.sliders[0].value = 1.5
    explorer.sliders[1].value = -1.0
    latent = explorer.latent()
    image = np.asarray(model.generate(latent[:1]))[0]
    base = np.asarray(model.generate(latent[-1:]))[0]
    for name, f in (("slant", slant), ("width", width), ("thickness", thickness)):
        now = float(f(image[None])[0])
        assert explorer.readings["value"][name] == pytest.approx(now, abs=1e-4)
        change = (now - float(f(base[None])[0])) / SD[name]
        assert explorer.readings["change_sd"][name] == pytest.approx(change, abs=1e-3)
    assert any(abs(v) > 0.01 for v in explorer.readings["change_sd"].values())
    assert "moved by the codes" in explorer.readout.value
    assert f"{explorer.readings['value']['slant']:+.2f}" in explorer.readout.value


def test_readout_without_reference_sds_shows_values_only(model):
    explorer = code_explorer(model)
    assert explorer.readings["change_sd"] is None
    assert "this image: slant" in explorer.readout.value
    assert "moved by the codes" not in explorer.readout.value


def test_shipped_explorer_reads_its_sds_from_metrics_json():
    from infogan_utils.pretrained import PRETRAINED_DIR

    explorer = code_explorer(sweep=False)
    metrics = json.loads((PRETRAINED_DIR / "metrics.json").read_text())
    assert explorer.reference_sd == metrics["effects"]["reference_sd"]
    assert "moved by the codes" in explorer.readout.value


@pytest.mark.parametrize("bad", [{"slant": 1.0}, {"slant": 1, "width": 0, "thickness": 1},
                                 "sd", {"slant": float("nan"), "width": 1, "thickness": 1}])
def test_bad_reference_sds_are_refused_by_name(model, bad):
    with pytest.raises(ValueError, match="reference_sd"):
        code_explorer(model, reference_sd=bad)
