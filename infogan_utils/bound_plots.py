"""Tables and figures for notebook 01 (the mutual-information bound on toy generators).

The notebook computes every number itself; these functions only lay them out, so the
lesson keeps its formulas on screen and its plotting code out of the way.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import truncnorm


def print_table(table, name: str, column_names) -> None:
    """Print a (code, image) table: one row per code value c, one column per image."""
    print(f"{name:>10} " + "".join(f"{n:>8}" for n in column_names))
    for c, row in enumerate(np.asarray(table)):
        print(f"{'c = ' + str(c):>10} " + "".join(f"{v:8.4f}" for v in row))


def plot_reader_bounds(bounds: dict, mutual_info: float, code_entropy: float):
    """Bar chart of the bound L_I of each reader Q (``{name: L_I}``), with I and H(c)."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.barh([f"{name}: {value:.3f}" for name, value in bounds.items()],
            list(bounds.values()), color="tab:blue")
    ax.axvline(mutual_info, color="k", linestyle="--", label=f"I(c; x) = {mutual_info:.3f}")
    ax.axvline(code_entropy, color="gray", linestyle=":", label=f"H(c) = {code_entropy:.3f}")
    ax.invert_yaxis()
    ax.set(title="The bound L_I for four readers Q of the toy images", xlabel="L_I (nats)",
           ylabel="Q", xlim=(min(-0.5, min(bounds.values()) - 0.3), code_entropy + 0.3))
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def plot_bound_training(exact_bounds, batch_estimates, mutual_info: float):
    """The exact bound of Q and its batch estimate H(c) - loss, step by step, against I."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(batch_estimates, color="tab:orange", alpha=0.4, label="batch estimate H(c) - loss")
    ax.plot(exact_bounds, color="tab:blue", label="exact L_I of the current Q")
    ax.axhline(mutual_info, color="k", linestyle="--", label=f"true I(c; x) = {mutual_info:.3f}")
    ax.set(title="Maximum-likelihood training of Q climbs to the mutual information",
           xlabel="training step", ylabel="nats")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def plot_gaussian_reader(q_net, x, c, noise_std: float, samples: int = 2000):
    """What a learned-variance Gaussian Q reads from x = c + noise_std * eps, c ~ U(-1, 1):
    its mean ± 2 standard deviations, with sample pairs (x, c) and the mean of the true
    posterior, N(x, noise_std²) cut off at ±1 (scipy's ``truncnorm``)."""
    grid = np.linspace(-1.3, 1.3, 200, dtype="float32")[:, None]
    out = np.asarray(q_net(grid))
    mean, std, g = out[:, 0], np.exp(0.5 * out[:, 1]), grid[:, 0]
    true_mean = truncnorm.mean((-1 - g) / noise_std, (1 - g) / noise_std, loc=g, scale=noise_std)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(np.ravel(x)[:samples], np.ravel(c)[:samples], s=2, alpha=0.3, color="gray",
               label="samples (x, c)")
    ax.plot(g, mean, color="tab:blue", label="Q's mean")
    ax.fill_between(g, mean - 2 * std, mean + 2 * std, color="tab:blue", alpha=0.2,
                    label="Q's mean ± 2 std")
    ax.plot(g, true_mean, color="k", linestyle="--", label="true posterior mean")
    ax.set(title="What the Gaussian Q learned: c from x = c + noise", xlabel="observed x",
           ylabel="code c")
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig
