"""Label-free measures of what the continuous codes control, from image moments.

For an image I(x, y) with x the column (right +) and y the row (down +), the central
moments are mu_pq = sum (x - x_bar)^p (y - y_bar)^q I(x, y).

* slant = -mu11 / mu02: how far x moves per row going down, negated so that a digit
  leaning right (its top to the right of its bottom) has positive slant;
* width = sqrt((mu20 - mu11^2 / mu02) / mu00): the horizontal spread of ink (standard
  deviation of x, in pixels) once the slant is taken out, so width and slant are
  measured independently.

:func:`code_correlations` sweeps each continuous code while holding the category, the
other codes and the noise fixed, and reports the Spearman correlation of the code with
each measure: the code with |rho| near 1 against slant is the "rotation" code.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import ConstantInputWarning, spearmanr

from .latent import LatentSpec


def _moments(images):
    images = np.asarray(images, np.float64)
    if images.ndim == 4:
        images = images[..., 0]
    if images.ndim == 2:
        images = images[None]
    if images.ndim != 3:
        raise ValueError(f"images must be (n, h, w) or (n, h, w, 1), got {images.shape}")
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


MEASURES = {"slant": slant, "width": width}


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
    out = {}
    for j in range(spec.num_continuous):
        cont = np.repeat(base.continuous, len(values), axis=0)
        cont[:, j] = np.tile(values, num_samples)
        sweep = type(base)(category=np.repeat(base.category, len(values)),
                           continuous=cont.astype(np.float32),
                           noise=np.repeat(base.noise, len(values), axis=0))
        images = model.generate(sweep)
        out[f"c{j + 2}"] = sweep_correlations(values, images)
    return out


def sweep_correlations(values, images) -> dict:
    """Mean Spearman rho of ``values`` with each measure over sweeps of images.

    ``images`` holds sweeps one after the other, each over ``values`` in order (len =
    sweeps x len(values)). Returns ``{"slant": rho, "width": rho}``: for each sweep the
    rank correlation of the values with the measure, averaged over sweeps (a sweep whose
    measure does not change counts as no information and is skipped).
    """
    values = np.asarray(values, float)
    result = {}
    for name, measure in MEASURES.items():
        rows = measure(images).reshape(-1, len(values))
        with warnings.catch_warnings():  # a constant sweep gives nan, skipped below
            warnings.simplefilter("ignore", ConstantInputWarning)
            rhos = [spearmanr(values, row).statistic for row in rows]
        result[name] = float(np.nanmean(rhos))
    return result


def name_codes(correlations: dict, min_abs_rho: float = 0.5) -> dict:
    """Which continuous code is "rotation" and which is "width", by |rho|.

    Each measure goes to the code with the largest |rho| for it among the codes not yet
    named (rotation first, as it is usually the clearer one), and only if that |rho| is
    at least ``min_abs_rho``: a code that barely moves a measure is not named after it.
    Returns e.g. ``{"rotation": "c2", "width": "c3"}``, or fewer names.
    """
    names, taken = {}, set()
    for label, measure in (("rotation", "slant"), ("width", "width")):
        ranked = sorted((c for c in correlations if c not in taken),
                        key=lambda c: -abs(correlations[c][measure]))
        if ranked and abs(correlations[ranked[0]][measure]) >= min_abs_rho:
            names[label] = ranked[0]
            taken.add(ranked[0])
    return names
