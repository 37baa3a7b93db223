"""Label-free measures of what the continuous codes control, from image moments.

For an image I(x, y) with x the column (right +) and y the row (down +), the central
moments are mu_pq = sum (x - x_bar)^p (y - y_bar)^q I(x, y).

* slant = -mu11 / mu02: how far x moves per row going down, negated so that a digit
  leaning right (its top to the right of its bottom) has positive slant;
* width = sqrt((mu20 - mu11^2 / mu02) / mu00): the horizontal spread of ink (standard
  deviation of x, in pixels) once the slant is taken out, so width and slant are
  measured independently;
* thickness = 2 mu00 / TV: the ink mass divided by an estimate of the stroke length, in
  pixels. TV = sum |grad I| is the length of the strokes' outline (each unit step of ink
  across an edge adds 1 per pixel of edge), and a stroke has two edges, so TV / 2 is its
  length. Like the other two, it does not change when all the ink is scaled.

:func:`code_correlations` sweeps each continuous code while holding the category, the
other codes and the noise fixed, and reports the Spearman correlation of the code with
each measure: the code with |rho| near 1 against slant is the "rotation" code.
:func:`code_effects` makes the same sweeps and reports how much each code moves each
factor, in standard deviations of the real test digits: the code x factor effect matrix,
the codes named from it, and how well each named code keeps to its factor.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import ConstantInputWarning, spearmanr

from .latent import LatentSpec


def _as_batch(images) -> np.ndarray:
    """Images as float64 (n, h, w): accepts (h, w), (n, h, w) and (n, h, w, 1)."""
    images = np.asarray(images, np.float64)
    if images.ndim == 4:
        images = images[..., 0]
    if images.ndim == 2:
        images = images[None]
    if images.ndim != 3:
        raise ValueError(f"images must be (n, h, w) or (n, h, w, 1), got {images.shape}")
    return images


def _moments(images):
    images = _as_batch(images)
    n, h, w = images.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    m00 = images.sum(axis=(1, 2)) + 1e-12
    xb = (images * xs).sum(axis=(1, 2)) / m00
    yb = (images * ys).sum(axis=(1, 2)) / m00
    dx = xs[None] - xb[:, None, None]
    dy = ys[None] - yb[:, None, None]
    mu11 = (images * dx * dy).sum(axis=(1, 2))
    mu02 = (images * dy * dy).sum(axis=(1, 2)) + 1e-12
    mu20 = (images * dx * dx).sum(axis=(1, 2))
    return m00, mu11, mu02, mu20


def slant(images) -> np.ndarray:
    """-mu11 / mu02 per image: > 0 leans right, < 0 leans left. Shape (n,)."""
    _, mu11, mu02, _ = _moments(images)
    return -mu11 / mu02


def width(images) -> np.ndarray:
    """Slant-corrected horizontal spread of ink, in pixels. Shape (n,)."""
    m00, mu11, mu02, mu20 = _moments(images)
    return np.sqrt(np.maximum(mu20 - mu11 ** 2 / mu02, 0.0) / m00)


def thickness(images) -> np.ndarray:
    """Stroke thickness in pixels: ink mass / (outline length / 2). Shape (n,).

    The outline length is the total variation sum sqrt(dx^2 + dy^2) of the image with
    forward differences and a zero border; a stroke of thickness t and length L has ink
    t * L and an outline of about 2 L, so the ratio is t. Thick pens give large values;
    shearing a digit leaves it nearly unchanged. Stretching a digit sideways thickens its
    upright strokes, so it moves this measure too, by much less than a bolder pen does.
    """
    images = _as_batch(images)
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    dx = np.diff(padded, axis=2)[:, :-1, :]
    dy = np.diff(padded, axis=1)[:, :, :-1]
    outline = np.sqrt(dx ** 2 + dy ** 2).sum(axis=(1, 2))
    return 2.0 * images.sum(axis=(1, 2)) / (outline + 1e-12)


MEASURES = {"slant": slant, "width": width}
FACTORS = {"slant": slant, "width": width, "thickness": thickness}


def category_slant_share(categories, images) -> float:
    """Share of the slant variance of real ``images`` explained by their category (eta^2).

    eta^2 = sum_k n_k (mean slant in category k - overall mean)^2 / sum_i (slant_i - mean)^2.
    Label-free: ``categories`` are Q's predictions. MNIST's true digit classes explain
    about 0.10 of the slant variance (ones lean right, for example). A categorical code
    that has absorbed slant, e.g. one category for right-leaning 4s and 9s and another
    for upright ones, explains about twice that.
    """
    categories = np.asarray(categories).ravel()
    s = slant(images)
    if len(s) != len(categories):
        raise ValueError(f"{len(categories)} categories for {len(s)} images")
    total = ((s - s.mean()) ** 2).sum()
    between = sum((categories == k).sum() * (s[categories == k].mean() - s.mean()) ** 2
                  for k in np.unique(categories))
    return float(between / total)


def code_correlations(model, num_samples: int = 100, values=None, seed: int = 0) -> dict:
    """Spearman rho of each continuous code with slant and width of generated digits.

    For each of ``num_samples`` random (category, noise, other codes) it sweeps one code
    over ``values`` (default 11 values in [-1, 1]) and takes Spearman's rho between the
    code and each measure across the sweep; the result is the mean rho over samples:
    ``{"c2": {"slant": rho, "width": rho}, "c3": {...}}`` (c1 is the categorical code).
    """
    spec: LatentSpec = model.spec
    values = np.linspace(-1.0, 1.0, 11) if values is None else np.asarray(values, float)
    base = spec.sample(num_samples, seed)
    return {f"c{j + 2}": sweep_correlations(values, model.generate(sweep_codes(base, j, values)))
            for j in range(spec.num_continuous)}


def sweep_codes(base, code_index: int, values):
    """Sweeps of one continuous code: each row of ``base`` repeated over ``values``.

    ``base`` is a :class:`~infogan_utils.LatentSample` of n starting codes; the result
    holds n sweeps one after the other (len = n x len(values)), in which only continuous
    code ``code_index`` changes, taking ``values`` in order.
    """
    values = np.asarray(values, float)
    n = len(base.category)
    continuous = np.repeat(base.continuous, len(values), axis=0)
    continuous[:, code_index] = np.tile(values, n)
    return type(base)(category=np.repeat(base.category, len(values)),
                      continuous=continuous.astype(np.float32),
                      noise=np.repeat(base.noise, len(values), axis=0))


def sweep_correlations(values, images, measures=None) -> dict:
    """Mean Spearman rho of ``values`` with each measure over sweeps of images.

    ``images`` holds sweeps one after the other, each over ``values`` in order (len =
    sweeps x len(values)). Returns ``{"slant": rho, "width": rho}``: for each sweep the
    rank correlation of the values with the measure, averaged over sweeps (a sweep whose
    measure does not change counts as no information and is skipped; if none changes,
    rho is 0). ``measures``
    ({name: function}, default :data:`MEASURES`) picks other measures, e.g.
    :data:`FACTORS` to add thickness.
    """
    values = np.asarray(values, float)
    rows = _sweep_rows(values, images, MEASURES if measures is None else measures)
    return {name: _mean_rho(values, r) for name, r in rows.items()}


def _sweep_rows(values, images, measures) -> dict:
    """{measure name: (sweeps, len(values)) array of the measure on each image}."""
    return {name: measure(images).reshape(-1, len(values)) for name, measure in measures.items()}


def _mean_rho(values, rows) -> float:
    with warnings.catch_warnings():  # a constant sweep gives nan, skipped below
        warnings.simplefilter("ignore", ConstantInputWarning)
        rhos = [spearmanr(values, row).statistic for row in rows]
    changing = [r for r in rhos if not np.isnan(r)]
    return float(np.mean(changing)) if changing else 0.0


def _median_effect(rows, sd: float) -> float:
    return float(np.median(rows[:, -1] - rows[:, 0]) / sd)


def name_codes(correlations: dict, min_abs_rho: float = 0.5) -> dict:
    """Which continuous code is "rotation" and which is "width", by |rho|.

    Each measure goes to the code with the largest |rho| for it among the codes not yet
    named (rotation first, as it is usually the clearer one), and only if that |rho| is
    at least ``min_abs_rho``: a code that barely moves a measure is not named after it.
    Returns e.g. ``{"rotation": "c2", "width": "c3"}``, or fewer names. The same rule
    names codes from an effect matrix (``{code: {"slant": effect, "width": effect}}``,
    with the threshold in SD): :func:`code_effects` does that.
    """
    names, taken = {}, set()
    for label, measure in (("rotation", "slant"), ("width", "width")):
        ranked = sorted((c for c in correlations if c not in taken),
                        key=lambda c: -abs(correlations[c][measure]))
        if ranked and abs(correlations[ranked[0]][measure]) >= min_abs_rho:
            names[label] = ranked[0]
            taken.add(ranked[0])
    return names


def reference_sd(reference_images, measures=None) -> dict:
    """Standard deviation of each measure over real digits: the unit of an effect.

    ``reference_images``: (n, 28, 28[, 1]) real digits, e.g. MNIST's 10,000 test images
    (0..255 or 0..1: the measures do not depend on the ink scale). Returns
    ``{"slant": sd, "width": sd, "thickness": sd}`` (``measures`` default :data:`FACTORS`).
    """
    measures = FACTORS if measures is None else measures
    return {name: float(np.std(measure(reference_images))) for name, measure in measures.items()}


def sweep_effects(values, images, sd: dict, measures=None) -> dict:
    """Median change of each measure from the first to the last value of each sweep, in SD.

    ``images`` holds sweeps one after the other, each over ``values`` in order (as in
    :func:`sweep_correlations`); ``sd`` is :func:`reference_sd` of real digits. For each
    measure: median over sweeps of (measure at ``values[-1]`` - measure at
    ``values[0]``) / sd. Returns ``{"slant": effect, ...}`` (``measures`` default
    :data:`FACTORS`).
    """
    rows = _sweep_rows(values, images, FACTORS if measures is None else measures)
    return {name: _median_effect(r, sd[name]) for name, r in rows.items()}


def separation_scores(matrix: dict, names: dict) -> dict:
    """How well each named code keeps to its factor: 0 is perfect, 1 is no better than mixed.

    For the rotation code: its largest |effect| on another factor divided by its |slant
    effect|; for the width code: its largest |effect| on another factor divided by its
    |width effect|. ``matrix`` is ``{code: {factor: effect}}``, ``names`` maps "rotation"
    / "width" to a code. Codes not named are left out.
    """
    result = {}
    for label, factor in (("rotation", "slant"), ("width", "width")):
        if label in names:
            row = matrix[names[label]]
            others = max(abs(v) for f, v in row.items() if f != factor)
            result[label] = float(others / abs(row[factor]))
    return result


MIN_OWN_EFFECT = 0.75   # SD: a separate code moves its own factor at least this much
MAX_SIDE_SHARE = 1 / 3  # ... and each other factor it is judged on at most this share of it


def code_roles(matrix: dict) -> dict:
    """The two halves of the target of this series, judged separately.

    ``rotation``: the code with the larger |slant effect| is a *rotation code*, moving the
    slant by at least 0.75 SD and the width and the thickness each by at most a third of
    that. ``width``: the other code is a *width code*, moving the width by at least
    0.75 SD and the slant by at most a third of that.

    ``matrix`` is ``{code: {factor: effect in SD}}`` with the factors slant, width and
    thickness (the ``matrix`` of :func:`code_effects`, over [-1, 1]). Both are False for a
    model with other than two continuous codes.
    """
    if len(matrix) != 2:
        return {"rotation": False, "width": False}
    rotation, other = sorted(matrix.values(), key=lambda row: -abs(row["slant"]))
    lean = abs(rotation["slant"])
    wide = abs(other["width"])
    return {
        "rotation": bool(lean >= MIN_OWN_EFFECT
                         and abs(rotation["width"]) <= MAX_SIDE_SHARE * lean
                         and abs(rotation["thickness"]) <= MAX_SIDE_SHARE * lean),
        "width": bool(wide >= MIN_OWN_EFFECT and abs(other["slant"]) <= MAX_SIDE_SHARE * wide),
    }


def separate_codes(matrix: dict) -> bool:
    """Whether two continuous codes are *separate* (the target of this series): one is a
    rotation code and the other a width code (both halves of :func:`code_roles`)."""
    return all(code_roles(matrix).values())


def code_effects(model, reference_images, *, limit: float = 1.0, num_sweeps: int = 300,
                 num_values: int = 11, seed: int = 0, min_effect: float = 0.1,
                 measures=None) -> dict:
    """The code x factor effect matrix: how much each continuous code moves each factor.

    ``num_sweeps`` starting codes are drawn with ``model.spec.sample(num_sweeps, seed)``,
    their categories set to 0, 1, ..., K-1, 0, 1, ... so that every category gets its
    share of sweeps; each continuous code in turn is swept over ``num_values`` values from
    -``limit`` to +``limit`` with the category, the other codes and the noise held fixed.
    The effect of a code on a factor is the median over sweeps of (factor at +limit -
    factor at -limit), in standard deviations of that factor over ``reference_images``
    (real digits, e.g. the MNIST test set): 1.0 means the sweep moves the factor by one
    SD (two real digits drawn at random differ by about sqrt(2) SD, root mean square).

    Returns a JSON-ready dict: ``range`` [-limit, limit], ``num_sweeps``,
    ``reference_sd`` ({factor: SD of the real digits, in the factor's unit}), ``matrix``
    ({code: {factor: effect in SD}}), ``spearman`` ({code: {factor: mean rho}} of the same
    sweeps, :func:`sweep_correlations`), ``code_names`` (:func:`name_codes` on the
    matrix: the code with the largest |slant effect| is "rotation", the other code with the
    largest |width effect| is "width", each only if that effect is at least
    ``min_effect`` SD) and ``separation`` (:func:`separation_scores`).
    ``measures`` ({name: function}, default :data:`FACTORS`) adds or replaces factors.
    """
    measures = FACTORS if measures is None else measures
    spec: LatentSpec = model.spec
    if num_sweeps < 1 or num_values < 2:
        raise ValueError(f"need num_sweeps >= 1 and num_values >= 2, got {num_sweeps}, "
                         f"{num_values}")
    values = np.linspace(-limit, limit, num_values)
    sd = reference_sd(reference_images, measures)
    base = spec.sample(num_sweeps, seed)
    base = type(base)(category=(np.arange(num_sweeps) % spec.num_categories).astype(np.int32),
                      continuous=base.continuous, noise=base.noise)
    matrix, spearman = {}, {}
    for j in range(spec.num_continuous):
        rows = _sweep_rows(values, model.generate(sweep_codes(base, j, values)), measures)
        matrix[f"c{j + 2}"] = {name: _median_effect(r, sd[name]) for name, r in rows.items()}
        spearman[f"c{j + 2}"] = {name: _mean_rho(values, r) for name, r in rows.items()}
    names = (name_codes(matrix, min_effect)
             if {"slant", "width"} <= set(measures) else {})
    return {"range": [-float(limit), float(limit)], "num_sweeps": int(num_sweeps),
            "reference_sd": sd, "matrix": matrix, "spearman": spearman,
            "code_names": names, "separation": separation_scores(matrix, names)}


EFFECT_WORDS = {"slant": ("leans left", "leans right"), "width": ("narrower", "wider"),
                "thickness": ("thinner", "bolder")}


def effect_words(row: dict, min_share: float = 1 / 3) -> str:
    """What one code does, in words, from its row of the effect matrix.

    ``row`` is ``{factor: effect}`` (one row of :func:`code_effects`' ``matrix``). Lists
    each factor whose |effect| is at least ``min_share`` of the row's largest, largest
    first, as the direction it moves while the code goes from -end to +end: e.g.
    ``{"slant": 0.99, "width": 0.8, "thickness": 1.56}`` -> "bolder, leans right, wider".
    """
    known = {f: v for f, v in row.items() if f in EFFECT_WORDS and v != 0}
    if not known:
        return "no measured change"
    largest = max(abs(v) for v in known.values())
    kept = sorted((f for f, v in known.items() if abs(v) >= min_share * largest),
                  key=lambda f: -abs(known[f]))
    return ", ".join(EFFECT_WORDS[f][int(known[f] > 0)] for f in kept)


def code_effect(model, code_index: int, measure, reference_images, num_sweeps: int = 300, *,
                seed: int = 0, limit: float = 1.0) -> float:
    """One cell of the effect matrix: the effect of continuous code ``code_index`` (0 for
    c2) on ``measure`` (a function of a batch of images, one number per image).

    The same starting codes as :func:`code_effects` (``model.spec.sample(num_sweeps,
    seed)``, categories 0, 1, ..., K-1 in turn); the code is set to -``limit`` and to
    +``limit`` with everything else fixed; the result is the median over sweeps of
    measure(+limit) - measure(-limit), divided by the SD of ``measure(reference_images)``.
    Notebook 04 has the learner write it and checks it against this function.
    """
    name = getattr(measure, "__name__", "measure")
    effects = code_effects(model, reference_images, limit=limit, num_sweeps=num_sweeps,
                           num_values=2, seed=seed, measures={name: measure})
    return effects["matrix"][f"c{code_index + 2}"][name]
