"""Figures for the notebooks: image grids, traversals, training and L_I curves, confusion.

Every function returns the matplotlib Figure (call ``plt.show()`` in a notebook) and
labels what it draws: titles, axis labels and the code values of every grid.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np


def image_grid(images, nrows: int | None = None, ncols: int | None = None, *,
               title: str = "", row_labels=None, col_labels=None, row_title: str = "",
               col_title: str = "", cell_size: float = 0.9):
    """Show images (n, 28, 28[, 1]) in a grid with optional row/column labels."""
    images = np.asarray(images)
    if images.ndim == 4:
        images = images[..., 0]
    n = len(images)
    if ncols is None:
        ncols = min(n, 10) if nrows is None else math.ceil(n / nrows)
    if nrows is None:
        nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(cell_size * ncols + 1.2,
                                                    cell_size * nrows + 0.9),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        for s in ax.spines.values():
            s.set_visible(False)
        if i < n:
            ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=1 if images.max() <= 1 else 255)
    if row_labels is not None:
        for r, label in enumerate(row_labels):
            axes[r, 0].set_ylabel(str(label), rotation=0, ha="right", va="center")
    if col_labels is not None:
        for c, label in enumerate(col_labels):
            axes[-1, c].set_xlabel(str(label))
    if title:
        fig.suptitle(title)
    if row_title:
        fig.supylabel(row_title)
    if col_title:
        fig.supxlabel(col_title)
    fig.tight_layout()
    return fig


def traversal_grid(model, code_index: int, values=None, categories=None, noise_seed: int = 0,
                   *, category_names=None, code_name: str | None = None):
    """The paper's Figure 2 layout: rows = categories, columns = one continuous code.

    ``category_names`` labels each row (e.g. the digit each category was matched to).
    """
    values = np.linspace(-2, 2, 10) if values is None else np.asarray(values)
    codes = model.spec.traversal(code_index, values, categories, noise_seed)
    images = model.generate(codes)
    cats = sorted(set(codes.category.tolist()), key=codes.category.tolist().index)
    labels = [f"c1={c}" + (f" ({category_names[c]})" if category_names else "") for c in cats]
    name = code_name or f"c{code_index + 2}"
    return image_grid(
        images, len(cats), len(values),
        title=f"Traversal of {name} from {values[0]:g} to {values[-1]:g} "
              f"(training range is -1 to 1)",
        row_labels=labels, col_labels=[f"{v:.1f}" for v in values],
        row_title="categorical code c1", col_title=f"value of {name}",
    )


def training_curves(history: dict, entropy: float | None = None, *, title="Training"):
    """Losses and the MI lower bound L_I against training step (history.csv columns)."""
    steps = np.asarray(history["step"])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
    for key, label in (("d_loss", "D loss"), ("g_loss", "G loss")):
        if key in history:
            ax1.plot(steps, history[key], label=label)
    ax1.set(title="GAN losses", xlabel="training step", ylabel="loss (nats)")
    ax1.legend()
    ax2.plot(steps, history["mi_lower_bound"], label="$L_I$ (categorical code)")
    if entropy is not None:
        k = round(math.exp(entropy))
        ax2.axhline(entropy, ls="--", c="gray", label=f"H(c) = ln {k} = {entropy:.3f}")
    ax2.set(title="Mutual-information lower bound", xlabel="training step",
            ylabel="$L_I$ (nats)")
    ax2.legend(loc="lower right")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def information_curves(histories: dict, entropy: float | None = None, *,
                       title: str = "$L_I$ during training, InfoGAN vs GAN", marker=None):
    """$L_I$ against training step for several runs, e.g. the paper's Figure 1.

    ``histories`` maps a legend label to a history (``history.csv`` columns ``step`` and
    ``mi_lower_bound``), e.g. ``{"InfoGAN ($\\lambda$ = 1)": h1, "GAN ($\\lambda$ = 0)": h0}``.
    ``entropy`` draws H(c) as a dashed line, the most any bound can reach.
    """
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, history in histories.items():
        ax.plot(history["step"], history["mi_lower_bound"], marker=marker, label=label)
    if entropy is not None:
        k = round(math.exp(entropy))
        ax.axhline(entropy, ls="--", c="gray", label=f"H(c1) = ln {k}")
    ax.set(title=title, xlabel="training step", ylabel="$L_I$ of the categorical code (nats)")
    ax.legend(loc="center right")
    fig.tight_layout()
    return fig


def confusion_plot(confusion, mapping=None, *, title="Q's category vs the true digit"):
    """Heat map of counts: rows = categories (ordered by matched digit), cols = digits."""
    confusion = np.asarray(confusion)
    order = (sorted(range(len(confusion)), key=lambda k: mapping.get(k, k))
             if mapping else list(range(len(confusion))))
    m = confusion[order]
    fig, ax = plt.subplots(figsize=(6.2, 5.4))
    im = ax.imshow(m, cmap="Blues")
    for (r, c), v in np.ndenumerate(m):
        if v:
            ax.text(c, r, str(v), ha="center", va="center", fontsize=7,
                    color="white" if v > m.max() / 2 else "black")
    ax.set_xticks(range(m.shape[1]))
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels([f"{k}" + (f"→{mapping[k]}" if mapping else "") for k in order])
    ax.set(title=title, xlabel="true digit", ylabel="category c1 (→ matched digit)")
    fig.colorbar(im, ax=ax, label="test images")
    fig.tight_layout()
    return fig


def effect_matrix_plot(effects, *, title: str = "What each code moves: the effect matrix",
                       code_labels=None):
    """Heat map of a code x factor effect matrix, the number written in every cell.

    ``effects``: the dict of :func:`infogan_utils.measures.code_effects` (or its
    ``matrix``, ``{code: {factor: effect in SD}}``). Rows are the continuous codes
    (``code_labels`` renames them, e.g. ``{"c3": "c3 (rotation)"}``), columns the factors;
    the colour scale is symmetric about 0 (red: the factor grows from -end to +end of the
    sweep, blue: it shrinks), in standard deviations of the real test digits.
    """
    matrix = effects.get("matrix", effects)
    codes = list(matrix)
    factors = list(matrix[codes[0]])
    m = np.array([[matrix[c][f] for f in factors] for c in codes], float)
    bound = max(float(np.abs(m).max()), 1e-9)
    fig, ax = plt.subplots(figsize=(1.6 * len(factors) + 2.6, 0.8 * len(codes) + 1.6))
    im = ax.imshow(m, cmap="RdBu_r", vmin=-bound, vmax=bound)
    for (r, c), v in np.ndenumerate(m):
        ax.text(c, r, f"{v:+.2f}", ha="center", va="center",
                color="white" if abs(v) > 0.6 * bound else "black")
    ax.set_xticks(range(len(factors)))
    ax.set_xticklabels(factors)
    ax.set_yticks(range(len(codes)))
    ax.set_yticklabels([(code_labels or {}).get(c, c) for c in codes])
    span = effects.get("range")
    sweep = f" from {span[0]:g} to {span[1]:g}" if span else ""
    ax.set(title=title, xlabel=f"factor (change over the sweep{sweep})",
           ylabel="continuous code")
    fig.colorbar(im, ax=ax, label="effect (SD of real test digits)")
    fig.tight_layout()
    return fig


def sweep_curves(values, curves: dict, *, labels=None, ylabels=None, training_range=(-1, 1),
                 title: str = "Sweeping each code"):
    """One panel per quantity, one line per code: the quantity's mean over sweeps against
    the code value. ``curves`` is ``{code: {quantity: array over values}}``; ``labels``
    renames the codes in the legend, ``ylabels`` labels each panel's y axis. Grey bands
    mark the values outside ``training_range``.
    """
    values = np.asarray(values, float)
    quantities = list(next(iter(curves.values())))
    fig, axes = plt.subplots(1, len(quantities), figsize=(4.7 * len(quantities), 3.8),
                             squeeze=False)
    lo, hi = training_range
    for ax, key in zip(axes[0], quantities):
        for code, curve in curves.items():
            ax.plot(values, curve[key], marker=".", label=(labels or {}).get(code, code))
        for a, b in ((values.min(), lo), (hi, values.max())):
            if b > a:
                ax.axvspan(a, b, color="gray", alpha=0.15, lw=0)
        ax.set(title=key, xlabel="code value (grey: outside training range)",
               ylabel=(ylabels or {}).get(key, key))
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig
