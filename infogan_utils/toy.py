"""A 2-D toy for InfoGAN that trains in seconds (notebook 03, "Try it on a toy first").

The data are points in the plane from a mixture of ``K`` elongated Gaussians, placed
around a circle; each is stretched along its radius. An InfoGAN with a categorical code
``c1`` (K values) and one continuous code ``c2`` should learn to pick the component with
``c1`` and to move along it with ``c2``. Small multilayer perceptrons replace the paper's
convolutional networks, with the same interface (``generator``, ``trunk``, ``d_head``,
``q_head`` returning ``{"cat_logits", "cont_mean"}``), so the same training step trains
both this toy and MNIST.

Success is measured as on MNIST: Q's category of each *real* point, matched one to one to
the true components (:func:`toy_accuracy`).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from .config import InfoGANConfig
from .metrics import digit_accuracy

TOY_COMPONENTS = 4
RADIUS = 2.0
ALONG, ACROSS = 0.45, 0.06  # standard deviations along and across each component


def toy_config(**changes) -> InfoGANConfig:
    """The toy's settings: K = 4 components, one continuous code, 4 noise inputs, a
    bigger batch and faster learning rates than the paper's MNIST run."""
    base = InfoGANConfig(num_categories=TOY_COMPONENTS, num_continuous=1, noise_dim=4,
                         lambda_cat=1.0, lambda_cont=1.0, lr_d=2e-3, lr_g=2e-3,
                         batch_size=256, precision="float32", seed=0)
    return base.replace(**changes)


def toy_data(n: int = 4096, seed: int = 0, components: int = TOY_COMPONENTS):
    """(points (n, 2) float32, component labels (n,) int): a mixture of `components`
    Gaussians with equal weights, centred on a circle of radius ``RADIUS`` and stretched
    along the radius (standard deviation ``ALONG``; ``ACROSS`` across it)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, components, n)
    angle = 2 * np.pi * labels / components
    radial = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    tangent = np.stack([-np.sin(angle), np.cos(angle)], axis=1)
    points = (radial * (RADIUS + ALONG * rng.standard_normal(n))[:, None]
              + tangent * (ACROSS * rng.standard_normal(n))[:, None])
    return points.astype("float32"), labels


def toy_dataset(points, batch_size: int, seed: int = 0) -> tf.data.Dataset:
    """Shuffled, repeated batches of `points`."""
    return (tf.data.Dataset.from_tensor_slices(points).shuffle(len(points), seed=seed)
            .repeat().batch(batch_size, drop_remainder=True).prefetch(2))


def toy_networks(config: InfoGANConfig, width: int = 64) -> dict:
    """``{"generator", "trunk", "d_head", "q_head"}``: small MLPs for 2-D points, with
    the interface of the package's networks (seeded by the caller)."""
    generator = keras.Sequential([keras.Input((config.latent_dim,)),
                                  layers.Dense(width, activation="relu"),
                                  layers.Dense(width, activation="relu"),
                                  layers.Dense(2)], name="toy_generator")
    trunk = keras.Sequential([keras.Input((2,)),
                              layers.Dense(width), layers.LeakyReLU(0.2),
                              layers.Dense(width), layers.LeakyReLU(0.2)], name="toy_trunk")
    d_head = keras.Sequential([keras.Input((width,)), layers.Dense(1)], name="toy_d_head")
    features = keras.Input((width,))
    hidden = layers.Dense(width, activation="relu")(features)
    q_out = {"cat_logits": layers.Dense(config.num_categories)(hidden),
             "cont_mean": layers.Dense(config.num_continuous)(hidden)}
    q_head = keras.Model(features, q_out, name="toy_q_head")
    return dict(generator=generator, trunk=trunk, d_head=d_head, q_head=q_head)


def package_toy_model(config: InfoGANConfig):
    """The package's ``InfoGAN`` with the toy's networks in place of the paper's: its
    training step, for when yours is not written yet."""
    from .infogan import InfoGAN

    keras.utils.set_random_seed(config.seed)
    model = InfoGAN(config)
    for name, network in toy_networks(config).items():
        setattr(model, name, network)
    model.compile(jit_compile=False)
    return model


def train_toy(build, config: InfoGANConfig, steps: int, points, callbacks=()):
    """Build a model with ``build(config)`` (seeded) and ``fit`` it on `points` for
    `steps` steps, one Keras epoch a step. Returns the model."""
    keras.utils.set_random_seed(config.seed)
    model = build(config)
    if not getattr(model, "compiled", False):
        model.compile()
    model.fit(toy_dataset(points, config.batch_size, config.seed), epochs=steps,
              steps_per_epoch=1, shuffle=False, verbose=0, callbacks=list(callbacks))
    return model


def toy_sample(model, n: int = 2000, seed: int = 1):
    """(points G draws (n, 2), their c1 (n,), their c2 (n,)) for codes from the prior."""
    c = model.config
    rng = np.random.default_rng(seed)
    c1 = rng.integers(0, c.num_categories, n)
    c_cont = rng.uniform(-1, 1, (n, c.num_continuous)).astype("float32")
    z = rng.uniform(-1, 1, (n, c.noise_dim)).astype("float32")
    latent = np.concatenate([z, np.eye(c.num_categories, dtype="float32")[c1], c_cont], 1)
    return np.asarray(model.generator(latent, training=False)), c1, c_cont[:, 0]


def toy_categories(model, points) -> np.ndarray:
    """Q's category (argmax) of each point."""
    features = model.trunk(points, training=False)
    return np.asarray(model.q_head(features, training=False)["cat_logits"]).argmax(-1)


def toy_accuracy(model, points, labels) -> float:
    """One-to-one accuracy of Q's categories of real `points` against their components."""
    k = model.config.num_categories
    return digit_accuracy(labels, toy_categories(model, points), num_classes=k,
                          num_categories=k).one_to_one


def plot_toy(model, points, title=""):
    """Real points (grey) and G's points coloured by c1; a second panel colours G's
    points by c2 (the continuous code)."""
    import matplotlib.pyplot as plt

    fake, c1, c2 = toy_sample(model)
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2), sharex=True, sharey=True)
    for ax in axes:
        ax.scatter(points[:, 0], points[:, 1], s=2, c="lightgrey", label="real")
        ax.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    for k in range(model.config.num_categories):
        axes[0].scatter(*fake[c1 == k].T, s=3, color=plt.cm.tab10(k), label=f"c1={k}")
    axes[0].set_title("G's points coloured by $c_1$")
    axes[0].legend(fontsize=7, markerscale=3, loc="upper right")
    shown = axes[1].scatter(*fake.T, s=3, c=c2, cmap="coolwarm", vmin=-1, vmax=1)
    fig.colorbar(shown, ax=axes[1], label="$c_2$")
    axes[1].set_title("G's points coloured by $c_2$")
    fig.suptitle(title)
    fig.tight_layout()
    return fig
