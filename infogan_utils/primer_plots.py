"""Figures for notebook 02's GAN primer and latent code.

The notebook computes every number itself (the losses, their gradients, the best
discriminator); these functions only draw them, so the lesson keeps its formulas on
screen and its plotting code out of the way.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def generator_losses(d_of_fake, saturating, non_saturating, grad_sat, grad_non):
    """Left: G's saturating loss log(1 - D) and non-saturating loss -log D against
    D(G(z)). Right: the size of each one's gradient with respect to D's logit."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    axes[0].plot(d_of_fake, saturating, label="saturating: log(1 - D)")
    axes[0].plot(d_of_fake, non_saturating, label="non-saturating: -log D")
    axes[0].set(title="The generator's loss (G minimises it)", xlabel="D(G(z))",
                ylabel="loss (nats)")
    axes[1].plot(d_of_fake, np.abs(grad_sat), label="saturating: |gradient| = D")
    axes[1].plot(d_of_fake, np.abs(grad_non), label="non-saturating: |gradient| = 1 - D")
    axes[1].axvspan(0, 0.1, color="gray", alpha=0.2, label="early training: D rejects fakes")
    axes[1].set(title="How hard the loss pushes G", xlabel="D(G(z))",
                ylabel="|d loss / d logit|", ylim=(-0.05, 1.45))
    axes[0].legend(loc="upper right")
    axes[1].legend(loc="upper center")
    fig.tight_layout()
    return fig


def mode_collapse(x, p_data, p_collapsed, d_star):
    """The data density, a generator's density that covers one of its modes, and the best
    discriminator D* for that generator, against a one-dimensional 'image' x."""
    fig, ax = plt.subplots(figsize=(9, 3.6))
    ax.plot(x, p_data, label="data density $p_{data}$")
    ax.plot(x, p_collapsed, "--", label="collapsed generator $p_g$")
    ax.plot(x, d_star, "k", label="best discriminator $D^*(x)$")
    ax.set(title="Mode collapse: the best D for a generator that covers one mode",
           xlabel="x (a one-dimensional 'image')", ylabel="density / probability",
           ylim=(-0.05, 1.3))
    ax.legend(loc="upper center", ncol=3)
    return fig


def latent_priors(sample, noise_dim: int):
    """Histograms of a large LatentSample: the categories, the continuous codes, the noise."""
    n = len(sample.category)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
    axes[0].bar(range(10), np.bincount(sample.category, minlength=10))
    axes[0].axhline(n / 10, ls="--", c="gray", label="expected (N / 10)")
    axes[0].set(title="categorical code $c_1$ ~ Cat(10, 0.1)", xlabel="value of $c_1$",
                ylabel="number of samples", xticks=range(10))
    axes[0].legend(loc="lower right")
    for j in range(sample.continuous.shape[1]):
        axes[1].hist(sample.continuous[:, j], bins=20, range=(-1, 1), histtype="step",
                     label=f"$c_{j + 2}$")
    axes[1].set(title="continuous codes ~ U(-1, 1)", xlabel="value", ylabel="number of samples")
    axes[1].legend(loc="lower right")
    axes[2].hist(sample.noise.ravel(), bins=20, range=(-1, 1), color="gray")
    axes[2].set(title=f"noise z ~ U(-1, 1) (all {noise_dim} entries)", xlabel="value",
                ylabel="number of values")
    fig.suptitle(f"The priors of the latent code ({n:,} samples)")
    fig.tight_layout()
    return fig
