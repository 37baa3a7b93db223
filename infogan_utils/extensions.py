"""Additions to the paper's training step, none of them in the InfoGAN paper.

Each is an object that :class:`~infogan_utils.infogan.InfoGAN` builds from its config
and holds in ``model.extensions`` (a dict by name); with the defaults there is none, and
nothing of this module runs. ``InfoGAN.train_step`` calls each once per step, inside
its gradient tape, with the step's :class:`StepTerms`; the extension may

* change what Q's code losses read (``cat_nll``, ``cont_nll``: the views below),
* add terms to D's side's objective and to G's (``d_terms``, ``g_terms``),
* train networks of its own with D's optimiser on a loss of its own (``own``; the
  networks it declares in :attr:`Extension.networks` are saved and checkpointed with
  the paper's, under these names), and report metrics (``logs``, :attr:`metric_names`).

The three:

* :class:`StyleView` (``cat_augment``, with ``cat_shear`` its shear-only case): Q reads
  the category from a copy of each generated image with its style changed at random.
* :class:`ThicknessView` (``cont_thickness``): Q reads the continuous codes from a copy
  with its stroke thickness changed at random.
* :class:`Contrastive` (``contrastive_*``): the contrastive regulariser of InfoGAN-CR
  (Lin, Thekumparampil, Fanti and Oh, ICML 2020, "InfoGAN-CR and ModelCentrality", the
  contrastive-regulariser section): a head ``cr_head`` on D's trunk tells which
  continuous code a pair of generated images shares; it minimises L_CR, and the trunk
  and G add lambda_CR * L_CR to their objectives (G is rewarded when the head can tell).

Every random draw is stateless in (seed, step, replica), like the paper's codes
(``InfoGAN.step_seed``), so a run is reproducible and resumes exactly.
"""

from __future__ import annotations

import dataclasses

import keras
import tensorflow as tf

from .config import InfoGANConfig
from .data import augment_images
from .losses import categorical_code_loss
from .models import LEAK
from .speed import compute_dtype


@dataclasses.dataclass
class StepTerms:
    """One training step as the extensions see it, and what they add to it.

    ``step`` (the optimiser's step count), ``codes`` (c1, c_cont, z) and ``fake`` =
    G(z, c) come from the step; ``cat_nll`` and ``cont_nll`` are Q's code losses, which
    a view replaces. ``d_terms`` and ``g_terms`` are added to D's side's and G's
    objectives; ``own`` holds (loss, variables) pairs trained with D's optimiser;
    ``logs`` the extra metrics.
    """

    step: tf.Tensor
    codes: tuple
    fake: tf.Tensor
    cat_nll: tf.Tensor
    cont_nll: tf.Tensor
    _: dataclasses.KW_ONLY
    d_terms: list = dataclasses.field(default_factory=list)
    g_terms: list = dataclasses.field(default_factory=list)
    own: list = dataclasses.field(default_factory=list)
    logs: dict = dataclasses.field(default_factory=dict)

    @property
    def batch_size(self):
        """The number of images of the step (read from the codes, which carry no
        gradient)."""
        return tf.shape(self.codes[0])[0]


class Extension:
    """One addition to the step, held by ``model`` (built by ``InfoGAN(config)``)."""

    name = ""
    metric_names: tuple = ()

    def __init__(self, model):
        self.model = model
        self.config: InfoGANConfig = model.config

    @property
    def networks(self) -> dict:
        """Networks of its own, by the name checkpoints and weight files use."""
        return {}

    def add_terms(self, terms: StepTerms) -> None:
        """Add this extension's part to one training step (inside its gradient tape)."""
        raise NotImplementedError

    def seed(self, step, k: int):
        """A stateless seed for draw ``k`` of ``step`` (apart from the paper's codes')."""
        return tf.random.experimental.stateless_fold_in(self.model.step_seed(step, 3), k)

    def read(self, images, **view):
        """Q's outputs on ``images`` restyled by :func:`~infogan_utils.data.augment_images`
        (with gathers when the step is compiled with XLA, which cannot compile Keras's
        affine kernel)."""
        xla = bool(getattr(self.model, "jit_compile", False))
        _, q = self.model.discriminate(augment_images(images, **view, xla=xla), training=True)
        return q


class StyleView(Extension):
    """``cat_augment`` (and ``cat_shear``): Q reads the category from a copy of each
    generated image with its style changed at random, so that a category cannot be told
    apart by slant, width, height, position or thickness alone (notebook 03 teaches the
    failure this addresses). ``info_cat`` is then that loss; ``mi_lower_bound`` stays
    the bound on the images as drawn."""

    name = "style"

    def sample(self, batch_size, step) -> dict:
        """The style changes of ``step``: keyword arguments of
        :func:`~infogan_utils.data.augment_images`, (b,) each. With ``cat_augment`` = s:
        shear up to 0.4 s pixels per row, width x exp(+-0.2 s), height x exp(+-0.1 s),
        shift up to 2 s pixels, thickness up to 0.5 s; ``cat_shear`` adds a shear in
        [-cat_shear, cat_shear]."""
        s, view = self.config.cat_augment, {}
        if s:
            u = tf.random.stateless_uniform((6, batch_size), self.seed(step, 1), -1.0, 1.0)
            view = dict(shear=0.4 * s * u[0], scale_x=tf.exp(0.2 * s * u[1]),
                        scale_y=tf.exp(0.1 * s * u[2]), shift_x=2.0 * s * u[3],
                        shift_y=2.0 * s * u[4], thickness=0.5 * s * u[5])
        if self.config.cat_shear:
            shear = tf.random.stateless_uniform((batch_size,), self.model.step_seed(step, 3),
                                                -self.config.cat_shear, self.config.cat_shear)
            view["shear"] = view["shear"] + shear if "shear" in view else shear
        return view

    def add_terms(self, terms: StepTerms) -> None:
        q = self.read(terms.fake, **self.sample(terms.batch_size, terms.step))
        terms.cat_nll = categorical_code_loss(terms.codes[0], q["cat_logits"])


class ThicknessView(Extension):
    """``cont_thickness``: Q reads the continuous codes from a copy of each generated
    image whose stroke thickness is changed at random by up to ``cont_thickness``, so G
    gains little by writing a continuous code into the thickness of the pen. ``info_cont``
    is then that loss; the category's terms are unchanged."""

    name = "thickness"

    def sample(self, batch_size, step):
        """Thickness changes in [-cont_thickness, cont_thickness] (b,) for ``step``."""
        s = self.config.cont_thickness
        return tf.random.stateless_uniform((batch_size,), self.seed(step, 9), -s, s)

    def add_terms(self, terms: StepTerms) -> None:
        view = self.sample(terms.batch_size, terms.step)
        q = self.read(terms.fake, thickness=view)
        terms.cont_nll = self.model.continuous_code_loss(terms.codes[1], q)


class Contrastive(Extension):
    """InfoGAN-CR's contrastive regulariser, with ``contrastive_weight`` = lambda_CR > 0.

    Each step generates pairs of images that share one continuous code
    (:meth:`sample_pairs`); the head ``cr_head`` on D's trunk classifies which code a pair
    shares. The head minimises L_CR (:meth:`loss`); the trunk and G add
    lambda_CR * L_CR, scheduled by :meth:`weight`, to their objectives.
    """

    name = "contrastive"
    metric_names = ("cr_loss",)

    def __init__(self, model):
        super().__init__(model)
        self.head = build_cr_head(self.config)

    @property
    def networks(self) -> dict:
        return {"cr_head": self.head}

    def weight(self, step):
        """lambda_CR at ``step``: 0 before ``config.contrastive_start``, then the weight."""
        on = tf.cast(step, tf.int64) >= self.config.contrastive_start
        return tf.where(on, float(self.config.contrastive_weight), 0.0)

    def gap(self, step):
        """The least difference of the codes that a pair does not share at ``step``:
        ``config.contrastive_gap`` before ``config.contrastive_gap_until``, then 0 (the
        paper's progressive training)."""
        before = tf.cast(step, tf.int64) < self.config.contrastive_gap_until
        return tf.where(before, float(self.config.contrastive_gap), 0.0)

    def sample_pairs(self, batch_size, step) -> dict:
        """Pairs of codes for ``step``, stateless like the paper's codes.

        For each pair, one continuous code I ~ U{0..M-1} is shared: both images get the
        same value of c_I. Every other continuous code is drawn for each image so that
        the two values differ by at least :meth:`gap` (as in the authors' ``sample_cr``).
        The noise z and the category are shared too (a latent traversal, as in the
        authors' released code), unless ``config.contrastive_share_noise`` is False.

        Returns a dict: ``shared`` (b,) int32, the index I; ``category`` (2, b);
        ``continuous`` (2, b, M); ``noise`` (2, b, noise_dim).
        """
        c, m = self.config, self.config.num_continuous
        shared = tf.random.stateless_uniform((batch_size,), self.seed(step, 2), 0, m,
                                             dtype=tf.int32)
        gap = self.gap(step)
        # Two values at least `gap` apart: draw both in [-1 + gap/2, 1 - gap/2], then
        # push them apart by gap/2 each (the larger one up, the smaller one down).
        u = tf.random.stateless_uniform((2, batch_size, m), self.seed(step, 3), -1.0, 1.0)
        u = u * (1.0 - gap / 2.0)
        sign = tf.where(u[0] >= u[1], 1.0, -1.0)
        different = tf.stack([u[0] + sign * gap / 2.0, u[1] - sign * gap / 2.0])
        same = tf.random.stateless_uniform((batch_size, m), self.seed(step, 4), -1.0, 1.0)
        is_shared = tf.one_hot(shared, m, on_value=True, off_value=False, dtype=tf.bool)
        continuous = tf.where(is_shared[None], same[None], different)
        n_draws = 1 if c.contrastive_share_noise else 2
        category = tf.random.stateless_uniform((n_draws, batch_size), self.seed(step, 5), 0,
                                               c.num_categories, dtype=tf.int32)
        noise = tf.random.stateless_uniform((n_draws, batch_size, c.noise_dim),
                                            self.seed(step, 6), -1.0, 1.0)
        if c.contrastive_share_noise:
            category = tf.concat([category, category], 0)
            noise = tf.concat([noise, noise], 0)
        return dict(shared=shared, category=category, continuous=continuous, noise=noise)

    def loss(self, pairs, training=True):
        """L_CR: cross-entropy of ``cr_head`` telling which code each pair shares.

        Both images of all pairs go through G and the trunk in one batch each (so both
        members of a pair are normalised alike); the head reads the two feature vectors
        concatenated. Returns (loss scalar, logits (b, M)).
        """
        model, c = self.model, self.config
        b = tf.shape(pairs["shared"])[0]
        latent = model.compose(tf.reshape(pairs["category"], [-1]),
                               tf.reshape(pairs["continuous"], [-1, c.num_continuous]),
                               tf.reshape(pairs["noise"], [-1, c.noise_dim]))
        features = model.trunk(model.generator(latent, training=training), training=training)
        logits = self.head(tf.concat([features[:b], features[b:]], axis=-1),
                           training=training)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=pairs["shared"], logits=tf.cast(logits, tf.float32)))
        return loss, logits

    def add_terms(self, terms: StepTerms) -> None:
        cr_loss, _ = self.loss(self.sample_pairs(terms.batch_size, terms.step))
        weight = self.weight(terms.step)
        terms.d_terms.append(weight * cr_loss)
        terms.g_terms.append(weight * cr_loss)
        terms.own.append((cr_loss, self.head.trainable_variables))
        terms.logs["cr_loss"] = cr_loss


def build_cr_head(config: InfoGANConfig) -> keras.Model:
    """InfoGAN-CR's head on the shared trunk: the features of a pair's two images,
    concatenated (batch, 2048) -> logits (batch, M) of which continuous code the pair
    shares. The paper's CR discriminator is a separate network on the two images stacked
    as channels (the authors' ``CrDiscriminator``); this project puts a small head on
    D's trunk instead."""
    dt = compute_dtype(config)
    f = keras.Input((2 * 1024,), name="pair_features")
    x = keras.layers.Dense(128, dtype=dt, name="fc")(f)
    x = keras.layers.LeakyReLU(LEAK, dtype=dt, name="fc_lrelu")(x)
    logits = keras.layers.Dense(config.num_continuous, dtype="float32", name="cr_logits")(x)
    return keras.Model(f, logits, name="cr_head")


def build_extensions(model) -> dict:
    """The extensions ``model.config`` asks for, by name, in the order a step runs them
    (none for the paper's recipe)."""
    c = model.config
    chosen = [StyleView if c.cat_augment or c.cat_shear else None,
              ThicknessView if c.cont_thickness and c.num_continuous else None,
              Contrastive if c.contrastive_weight > 0 else None]
    return {kind.name: kind(model) for kind in chosen if kind is not None}
