"""A live explorer of the latent codes: change c1, c2, c3 or z and see G's digit at once.

``code_explorer()`` returns an ipywidgets box (it also runs under Voila, ``make app``):

* ``explorer.category``: a drop-down of the K categories of c1, each labelled with the
  digit it was matched to when a mapping is known (``"c1=3 → digit 7"``);
* ``explorer.sliders[j]``: one slider per continuous code, -2 to 2 (the training range
  is -1 to 1, so the outer halves extrapolate), named "rotation (c2)" / "width (c3)"
  when the code names are known;
* ``explorer.seed`` and ``explorer.random_noise``: the noise vector z, drawn from a seed
  exactly as :meth:`LatentSpec.traversal` draws it, so a seed here matches
  ``traversal_grid(..., noise_seed=seed)``;
* ``explorer.image``: the generated digit, 28x28 upscaled to 280x280 (nearest neighbour,
  PNG bytes); ``explorer.sweep_image``: one row sweeping the code in
  ``explorer.sweep_code`` from -2 to 2 with everything else as set above.

Every change runs the generator once on one fixed-shape batch (the main image and the
sweep together), so the compiled function is traced once and an update takes a few
milliseconds; no matplotlib figure is redrawn.

Bad values: the sliders and the seed box clamp by themselves (a slider set to 5 or to
infinity shows 2, a seed set to -3 becomes 0); a value that cannot be clamped (NaN,
None, a string that is not a number) is refused with a ``TraitError`` and the control
keeps its value. A category or swept code outside its range (or None, or True) is
refused with a ``TraitError`` that names the allowed range (clamping would silently
show a different digit). After any refusal the explorer keeps working.
"""

from __future__ import annotations

import io
import math
import numbers
import re
import time
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import traitlets

SLIDER_MIN, SLIDER_MAX, SLIDER_STEP = -2.0, 2.0, 0.05
MAX_SEED = 2**31 - 1
IMAGE_PIXELS = 280
SWEEP_VALUES = 9
SWEEP_CELL = 84


class CategoryDropdown(widgets.Dropdown):
    """A drop-down of categories 0..K-1 that refuses any other value with a clear error.

    (ipywidgets lets None through without validation; :class:`CodeExplorer` puts the
    old value back and raises the same error for it.)"""

    what = "category"

    @traitlets.validate("value")
    def _validate_value(self, proposal):
        value = proposal.value
        if not self.allows(value):
            raise traitlets.TraitError(self.refusal(value))
        return int(value)

    def allows(self, value) -> bool:
        allowed = [v for _, v in self._options_full]
        return (isinstance(value, numbers.Integral) and not isinstance(value, bool)
                and value in allowed)

    def refusal(self, value) -> str:
        allowed = [v for _, v in self._options_full]
        return (f"{self.what} must be one of {allowed[0]}..{allowed[-1]} (this model has "
                f"{len(allowed)} {'categories' if self.what == 'category' else 'codes'}), "
                f"got {value!r}")


class CodeDropdown(CategoryDropdown):
    """The drop-down of the code to sweep: 0..M-1, nothing else."""

    what = "sweep code"


class CodeSlider(widgets.FloatSlider):
    """A slider that clamps numbers (infinities too) to its range and refuses NaN."""

    @traitlets.validate("value")
    def _validate_value(self, proposal):
        value = proposal.value
        if not isinstance(value, numbers.Real) or math.isnan(value):
            raise traitlets.TraitError(
                f"{self.description or 'slider'} must be a number (it is clamped to "
                f"{self.min:g}..{self.max:g}), got {value!r}")
        return float(min(max(value, self.min), self.max))


def digit_image_png(image, pixels: int = IMAGE_PIXELS) -> bytes:
    """PNG bytes of one generated image (28, 28[, 1]) in [0, 1], upscaled without blur.

    Dark ink on white, as in :func:`infogan_utils.plots.image_grid`.
    """
    return _png(_to_uint8(image), pixels, pixels)


def code_explorer(model=None, *, accuracy_mapping=None, code_names=None, seed: int = 0,
                  sweep: bool = True, reference_sd=None) -> "CodeExplorer":
    """The live latent-code explorer (an ipywidgets box; display it or return it last).

    ``model``: an :class:`~infogan_utils.InfoGAN`, a folder written by ``save_networks``
    (its ``metrics.json`` is read when present), or None for the shipped pretrained
    model. ``accuracy_mapping``: {category: digit} (keys may be strings, as in JSON);
    ``code_names``: {"rotation": "c2", "width": "c3"} (as ``evaluate_model`` writes it).
    Both default to the ``metrics.json`` beside the weights when the model is loaded
    here. ``seed`` picks the first noise vector; ``sweep`` adds the row sweeping a code.
    ``reference_sd``: {"slant": …, "width": …, "thickness": …}, the SDs of real digits
    (``metrics.json``'s ``effects.reference_sd`` by default) in which the live readout
    states how far the codes moved the image from the same digit with every code at 0.
    """
    _check_seed(seed)
    metrics = {}
    if model is None:
        from .pretrained import PRETRAINED_DIR, load_pretrained

        model, metrics = load_pretrained(), _read_metrics(PRETRAINED_DIR)
    elif isinstance(model, (str, Path)):
        from .infogan import InfoGAN

        folder = Path(model)
        model, metrics = InfoGAN.load_networks(folder, precision="float32"), _read_metrics(folder)
    if accuracy_mapping is None:
        accuracy_mapping = metrics.get("mapping")
    if code_names is None:
        code_names = metrics.get("code_names")
    if reference_sd is None:
        reference_sd = metrics.get("effects", {}).get("reference_sd")
    return CodeExplorer(model, accuracy_mapping=accuracy_mapping, code_names=code_names,
                        seed=seed, sweep=sweep, reference_sd=reference_sd)


WIDE = {"description_width": "100px"}  # the controls line up


class CodeExplorer(widgets.VBox):
    """The widget :func:`code_explorer` returns; its controls are public attributes."""

    def __init__(self, model, *, accuracy_mapping=None, code_names=None, seed: int = 0,
                 sweep: bool = True, reference_sd=None):
        _check_seed(seed)
        if not hasattr(model, "spec") or not hasattr(model, "generate"):
            raise ValueError(f"model must be an InfoGAN (or a folder for code_explorer), "
                             f"got {type(model).__name__}")
        if not isinstance(sweep, bool):
            raise ValueError(f"sweep must be True or False, got {sweep!r}")
        self.model = model
        self.spec = model.spec
        self.mapping = _normalise_mapping(accuracy_mapping, self.spec.num_categories)
        self.code_labels = _code_labels(code_names, self.spec.num_continuous)
        self.reference_sd = _check_reference_sd(reference_sd)
        self.readings = {}
        self.last_render_ms = float("nan")
        self._rng = np.random.default_rng()
        controls = self._build_controls(seed)
        sweep_row = self._build_sweep() if sweep and self.spec.num_continuous else []
        super().__init__([widgets.HBox([controls, self.image]), *sweep_row])
        self.add_class("infogan-explorer")

        watched = [self.category, *self.sliders, self.seed]
        if self.sweep_code is not None:
            watched.append(self.sweep_code)
        for w in watched:
            w.observe(self._on_change, names="value")
        self.update()

    def _build_controls(self, seed: int) -> widgets.VBox:
        """The category, a slider per code, the seed and its button, the caption, the
        readout and the image (each with a CSS class the browser tests find)."""
        self.category = CategoryDropdown(
            options=[(self.category_label(k), k) for k in range(self.spec.num_categories)],
            value=0, description="category", style=WIDE,
            layout=widgets.Layout(width="260px"))
        self.category.add_class("infogan-category")
        self.sliders = []
        for j, label in enumerate(self.code_labels):
            s = CodeSlider(value=0.0, min=SLIDER_MIN, max=SLIDER_MAX, step=SLIDER_STEP,
                           description=label, style=WIDE, readout_format="+.2f",
                           continuous_update=True, layout=widgets.Layout(width="340px"))
            s.add_class(f"infogan-slider-c{j + 2}")
            self.sliders.append(s)
        self.seed = widgets.BoundedIntText(value=int(min(max(seed, 0), MAX_SEED)), min=0,
                                           max=MAX_SEED, description="noise seed",
                                           style=WIDE, layout=widgets.Layout(width="200px"))
        self.seed.add_class("infogan-seed")
        self.random_noise = widgets.Button(description="random noise",
                                           tooltip="draw a new noise vector z")
        self.random_noise.add_class("infogan-random-noise")
        self.random_noise.on_click(self._on_random_noise)
        self.caption = widgets.HTML()
        self.caption.add_class("infogan-caption")
        self.readout = widgets.HTML()
        self.readout.add_class("infogan-readout")
        self.image = widgets.Image(format="png", width=str(IMAGE_PIXELS),
                                   height=str(IMAGE_PIXELS))
        self.image.add_class("infogan-image")
        self.sweep_code = self.sweep_image = None
        self.sweep_values = np.linspace(SLIDER_MIN, SLIDER_MAX, SWEEP_VALUES)
        return widgets.VBox([
            self.category, *self.sliders,
            widgets.HBox([self.seed, self.random_noise]), self.caption, self.readout,
        ], layout=widgets.Layout(min_width="360px"))

    def _build_sweep(self) -> list:
        """The sweep's code menu, caption and strip."""
        self.sweep_code = CodeDropdown(
            options=[(label, j) for j, label in enumerate(self.code_labels)], value=0,
            description="sweep", style=WIDE, layout=widgets.Layout(width="260px"))
        self.sweep_code.add_class("infogan-sweep-code")
        width = SWEEP_CELL * SWEEP_VALUES + 2 * (SWEEP_VALUES - 1)
        self.sweep_image = widgets.Image(format="png", width=str(width),
                                         height=str(SWEEP_CELL),
                                         layout=widgets.Layout(align_self="flex-start"))
        self.sweep_image.add_class("infogan-sweep-image")
        self.sweep_caption = widgets.HTML()
        return [widgets.HBox([self.sweep_code, self.sweep_caption]), self.sweep_image]

    # ------------------------------------------------------------------ labels
    def category_label(self, k: int) -> str:
        """"c1=k → digit d" when category k was matched to digit d, else "c1=k"."""
        return f"c1={k} → digit {self.mapping[k]}" if k in self.mapping else f"c1={k}"

    # ------------------------------------------------------------------ codes
    def noise(self) -> np.ndarray:
        """z for the current seed, (1, noise_dim), drawn as LatentSpec.traversal draws it."""
        return self.spec.noise_of_seed(int(self.seed.value))

    def latent(self) -> np.ndarray:
        """The generator inputs of one update: row 0 is the main image, then the sweep,
        and last the same digit with every continuous code at 0 (the readout's baseline)."""
        from .latent import compose_latent, one_hot

        values = np.array([[s.value for s in self.sliders]], np.float32).reshape(
            1, self.spec.num_continuous)
        continuous = [values]
        if self.sweep_code is not None:
            swept = np.repeat(values, len(self.sweep_values), axis=0)
            swept[:, self.sweep_code.value] = self.sweep_values
            continuous.append(swept)
        continuous.append(np.zeros_like(values))
        continuous = np.concatenate(continuous)
        n = len(continuous)
        return compose_latent(np.repeat(self.noise(), n, axis=0),
                              one_hot(np.full(n, self.category.value), self.spec.num_categories),
                              continuous)

    # ------------------------------------------------------------------ drawing
    def update(self) -> None:
        """Run the generator on the current codes and show the new images."""
        t = time.perf_counter()
        # One batch of fixed shape per explorer: the compiled generator is traced once.
        generated = np.asarray(self.model.generate(self.latent()))
        images = _to_uint8(generated)
        self.image.value = _png(images[0], IMAGE_PIXELS, IMAGE_PIXELS)
        if self.sweep_image is not None:
            self.sweep_image.value = _png(_strip(images[1:-1]))
            label = self.code_labels[self.sweep_code.value]
            self.sweep_caption.value = (f"<span style='color:#555'>{label} from "
                                        f"{SLIDER_MIN:g} (left) to {SLIDER_MAX:g} (right), "
                                        f"everything else as above</span>")
        self.last_render_ms = (time.perf_counter() - t) * 1000
        codes = ", ".join(f"{label} = {s.value:+.2f}"
                          for label, s in zip(self.code_labels, self.sliders))
        self.caption.value = (f"<span style='color:#555'>{self.category_label(self.category.value)}"
                              f"{', ' + codes if codes else ''}, noise seed "
                              f"{self.seed.value}</span>")
        self._read(generated[0], generated[-1])

    def _read(self, image, baseline) -> None:
        """The live readout: slant, width and thickness of the image shown, and (with
        reference SDs) their change from ``baseline``, the digit with every code at 0."""
        from .measures import slant, thickness, width

        measures = {"slant": slant, "width": width, "thickness": thickness}
        both = np.stack([image, baseline])  # one call per measure for the two images
        values = {k: f(both) for k, f in measures.items()}
        now = {k: float(v[0]) for k, v in values.items()}
        base = {k: float(v[1]) for k, v in values.items()}
        self.readings = {"value": now,
                         "change_sd": ({k: (now[k] - base[k]) / self.reference_sd[k]
                                        for k in now} if self.reference_sd else None)}
        parts = [f"slant {now['slant']:+.2f}", f"width {now['width']:.2f} px",
                 f"thickness {now['thickness']:.2f} px"]
        text = "this image: " + ", ".join(parts)
        if self.readings["change_sd"]:
            change = self.readings["change_sd"]
            text += ("<br>moved by the codes (from all codes at 0, in SDs of real digits): "
                     + ", ".join(f"{k} <b>{change[k]:+.2f}</b>" for k in measures))
        self.readout.value = f"<span style='color:#555'>{text}</span>"

    def _on_change(self, change) -> None:
        owner, new = change["owner"], change["new"]
        if isinstance(owner, CategoryDropdown) and not owner.allows(new):
            # ipywidgets skips validation for None: put the old value back (that redraws)
            # and refuse, so the explorer stays usable.
            owner.value = change["old"]
            raise traitlets.TraitError(owner.refusal(new))
        self.update()

    def _on_random_noise(self, _button=None) -> None:
        new = int(self.seed.value)
        while new == self.seed.value:
            new = int(self._rng.integers(0, MAX_SEED))
        self.seed.value = new  # the observer redraws


# ---------------------------------------------------------------------- helpers
def _check_seed(seed) -> None:
    """A noise seed must be an integer (out-of-range ones are clamped to 0..2**31-1)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed must be an integer (clamped to 0..{MAX_SEED}), got {seed!r}")


def _check_reference_sd(reference_sd):
    """None, or {"slant", "width", "thickness": positive finite SD} as floats."""
    if reference_sd is None:
        return None
    try:
        sd = {k: float(reference_sd[k]) for k in ("slant", "width", "thickness")}
    except (TypeError, KeyError, ValueError):
        raise ValueError(f"reference_sd must map slant, width and thickness to their SDs "
                         f"in real digits (as metrics.json's effects.reference_sd), got "
                         f"{reference_sd!r}") from None
    if not all(np.isfinite(v) and v > 0 for v in sd.values()):
        raise ValueError(f"reference_sd values must be positive and finite, got {sd}")
    return sd


def _read_metrics(folder) -> dict:
    from .pretrained import read_metrics  # names a damaged file and how to restore it

    return read_metrics(Path(folder) / "metrics.json")


def _normalise_mapping(mapping, num_categories: int) -> dict:
    """{category: digit} with int keys and values (JSON gives string keys)."""
    if not mapping:
        return {}
    if not isinstance(mapping, dict):
        raise ValueError(f"accuracy_mapping must be a dict {{category: digit}}, got "
                         f"{type(mapping).__name__}")
    out = {}
    for k, v in mapping.items():
        try:
            k, v = int(k), int(v)
        except (TypeError, ValueError):
            raise ValueError(f"accuracy_mapping must map category numbers to digits, got "
                             f"{k!r}: {v!r}") from None
        if not 0 <= k < num_categories:
            raise ValueError(f"accuracy_mapping has category {k}, but this model's categories "
                             f"are 0..{num_categories - 1}")
        out[k] = v
    return out


def _code_labels(code_names, num_continuous: int) -> list:
    """Slider labels: "rotation (c2)" when named, else "c2", "c3", ...

    ``code_names`` may map name -> code ({"rotation": "c2"}, as evaluate_model writes it)
    or code -> name ({"c2": "rotation"}).
    """
    codes = [f"c{j + 2}" for j in range(num_continuous)]
    if code_names is not None and not isinstance(code_names, dict):
        raise ValueError(f"code_names must be a dict such as {{'rotation': 'c2'}}, got "
                         f"{type(code_names).__name__}")
    names = {}
    for a, b in dict(code_names or {}).items():
        code, name = (a, b) if re.fullmatch(r"c\d+", str(a)) else (b, a)
        names[str(code)] = str(name)
    return [f"{names[c]} ({c})" if c in names else c for c in codes]


def _to_uint8(images) -> np.ndarray:
    """Dark ink on white uint8 from generator output in [0, 1] (drops the channel axis)."""
    images = np.asarray(images, np.float32)
    if images.shape[-1] == 1:
        images = images[..., 0]
    return (255 - np.clip(images, 0, 1) * 255).round().astype(np.uint8)


def _strip(images, gap: int = 2) -> np.ndarray:
    """Images (n, 28, 28) side by side with white gaps, upscaled to SWEEP_CELL each."""
    scale = SWEEP_CELL // images.shape[1]
    big = images.repeat(scale, axis=1).repeat(scale, axis=2)
    parts = []
    for i, im in enumerate(big):
        if i:
            parts.append(np.full((im.shape[0], gap), 255, np.uint8))
        parts.append(im)
    return np.concatenate(parts, axis=1)


def _png(gray: np.ndarray, width: int | None = None, height: int | None = None) -> bytes:
    """PNG bytes of a uint8 grey image, resized to (width, height) by nearest neighbour."""
    from PIL import Image

    im = Image.fromarray(np.ascontiguousarray(gray))
    if width and height and im.size != (width, height):
        im = im.resize((width, height), Image.NEAREST)
    buf = io.BytesIO()
    im.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()
