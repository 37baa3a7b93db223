"""``InfoGAN``: a ``keras.Model`` whose ``train_step`` is the paper's algorithm.

One training step on a batch of real images x (Chen et al. 2016, eq. 6):

1. sample codes c ~ P(c) and noise z ~ U(-1, 1);
2. generate x_fake = G(z, c);
3. D (and Q, on the same trunk) read the real and the generated images;
4. the losses: L_D, L_G and L_info = lambda_cat * (-E log Q(c1|x))
   + lambda_cont * (-E log Q(c_cont|x)), so -L_info + lambda*H(c) is the
   mutual-information lower bound L_I;
5. D and Q: minimise  L_D + L_info   (Q and the shared trunk learn to read c);
6. G:       minimise  L_G + L_info   (G learns to write c into the image);
7. report the losses and L_I.

Both updates use the same forward pass (simultaneous gradient steps, as in TensorFlow's
DCGAN tutorial). Notebook 03 has the learner write this step; ``train_step`` below is
the same code, line for line where it can be (tests/test_infogan.py checks it).

With lambda = 0 (a plain GAN, the paper's Figure 1 baseline) Q's head still learns to
read the codes with unit weight, but nothing flows back into D's trunk or into G.

Codes are drawn with stateless random ops keyed on (seed, step, replica), so a run is
reproducible, resumes with the same codes after a restart, and works under
``tf.distribute`` strategies. What is not in the paper (off by default) is in
:mod:`infogan_utils.extensions`, with one hook in ``train_step``; saving is
:mod:`infogan_utils.saving`, speed :mod:`infogan_utils.speed`.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from . import saving
from .config import InfoGANConfig
from .extensions import StepTerms, build_extensions
from .latent import LatentSample, LatentSpec, categorical_entropy
from .losses import (
    categorical_code_loss,
    discriminator_loss,
    gaussian_code_loss,
    generator_loss,
    information_loss,
    mutual_information_lower_bound,
)
from .models import build_d_head, build_generator, build_q_head, build_shared_trunk
from .speed import FusedAdam

METRIC_NAMES = ("d_loss", "g_loss", "info_cat", "info_cont", "mi_lower_bound")


class InfoGAN(keras.Model):
    """Generator, discriminator and Q of InfoGAN, trained with ``fit``.

    ``model(latent)`` runs the generator; :meth:`generate` takes a
    :class:`~infogan_utils.latent.LatentSample`; :meth:`recognize` runs Q on images.
    ``fit`` reports ``d_loss``, ``g_loss``, ``info_cat`` (-E log Q(c1|x)), ``info_cont``
    (-E log Q(c_cont|x)) and ``mi_lower_bound`` (L_I of the categorical code, nats),
    and any metric of an extension (``model.extensions``, none by default).
    """

    def __init__(self, config: InfoGANConfig = InfoGANConfig(), **kwargs):
        super().__init__(name=kwargs.pop("name", "infogan"), **kwargs)
        self.config = config
        self.spec = LatentSpec.from_config(config)
        self.generator = build_generator(config)
        self.trunk = build_shared_trunk(config)
        self.d_head = build_d_head(config)
        self.q_head = build_q_head(config)
        self.extensions = build_extensions(self)
        for name, network in self.networks.items():  # an extension's: attributes too
            setattr(self, name, network)
        self.code_entropy = categorical_entropy(config.num_categories)
        names = METRIC_NAMES + tuple(n for e in self.extensions.values() for n in e.metric_names)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self._generate_fn = self._recognize_fn = None
        self.built = True  # the sub-networks are built; fit() must not build on images

    # ------------------------------------------------------------------ building
    @property
    def networks(self) -> dict:
        """Every network by the name its checkpoints and weight files use: G, the shared
        trunk, D's and Q's heads, then any extension's."""
        networks = dict(generator=self.generator, trunk=self.trunk, d_head=self.d_head,
                        q_head=self.q_head)
        return networks | {n: net for e in self.extensions.values()
                           for n, net in e.networks.items()}

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Set the two Adam optimisers (paper defaults from the config; Keras's Adam with
        TensorFlow's fused update kernel, see :class:`infogan_utils.speed.FusedAdam`)."""
        super().compile(**kwargs)
        c = self.config
        self.d_optimizer = d_optimizer or FusedAdam(c.lr_d, beta_1=c.beta_1, name="d_adam")
        self.g_optimizer = g_optimizer or FusedAdam(c.lr_g, beta_1=c.beta_1, name="g_adam")
        self.d_optimizer.build(self.discriminator_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    @property
    def discriminator_variables(self):
        """Trainable variables of D's optimiser: the shared trunk, D's and Q's heads, and
        any extension's networks."""
        return [v for name, network in self.networks.items() if name != "generator"
                for v in network.trainable_variables]

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, latent, training=False):
        return self.generator(latent, training=training)

    def discriminate(self, images, training=False):
        """D's real/fake logit and Q's outputs for a batch of images (one trunk pass)."""
        features = self.trunk(images, training=training)
        return self.d_head(features, training=training), self.q_head(features, training=training)

    # ------------------------------------------------------------------ codes
    def sample_codes(self, batch_size, step):
        """Codes for one step: (category (b,), continuous (b, M), noise (b, noise_dim)).

        Stateless in (seed, step, replica id): the same step always gets the same codes.
        """
        c = self.config
        category = tf.random.stateless_uniform((batch_size,), self.step_seed(step, 0), 0,
                                               c.num_categories, dtype=tf.int32)
        continuous = tf.random.stateless_uniform((batch_size, c.num_continuous),
                                                 self.step_seed(step, 1), -1.0, 1.0)
        noise = tf.random.stateless_uniform((batch_size, c.noise_dim), self.step_seed(step, 2),
                                            -1.0, 1.0)
        return category, continuous, noise

    def step_seed(self, step, k):
        """The stateless seed of draw ``k`` of ``step`` on this replica: 0, 1, 2 are the
        codes, 3 the extensions' (:mod:`infogan_utils.extensions`)."""
        ctx = tf.distribute.get_replica_context()
        replica = ctx.replica_id_in_sync_group if ctx is not None else 0
        base = tf.cast(step, tf.int64) * 1024 + tf.cast(replica, tf.int64)
        return tf.stack([tf.constant(self.config.seed, tf.int64), base * 4 + k])

    def compose(self, category, continuous, noise):
        """Generator input [z, one_hot(c1), c_cont] as a tensor."""
        one_hot = tf.one_hot(category, self.config.num_categories, dtype=tf.float32)
        return tf.concat([tf.cast(noise, tf.float32), one_hot,
                          tf.cast(continuous, tf.float32)], axis=-1)

    def continuous_code_loss(self, c_cont, q):
        """-E log Q(c_cont|x) for Q's outputs ``q`` (a unit or a learned variance; 0 when
        there are no continuous codes)."""
        if not self.config.num_continuous:
            return tf.constant(0.0)
        return gaussian_code_loss(c_cont, q["cont_mean"], q.get("cont_logvar"))

    # ------------------------------------------------------------------ training
    def train_step(self, real):
        c = self.config
        step = self.g_optimizer.iterations
        c1, c_cont, z = self.sample_codes(tf.shape(real)[0], step)                 # step 1
        latent = tf.concat([z, tf.one_hot(c1, c.num_categories), c_cont], axis=-1)
        with tf.GradientTape(persistent=True) as tape:
            fake = self.generator(latent, training=True)                           # step 2
            real_logits, _ = self.discriminate(real, training=True)                # step 3
            fake_logits, q = self.discriminate(fake, training=True)
            cat_nll = categorical_code_loss(c1, q["cat_logits"])                   # step 4
            cont_nll = self.continuous_code_loss(c_cont, q)
            mi_lower_bound = mutual_information_lower_bound(self.code_entropy, cat_nll)
            extra = StepTerms(step, (c1, c_cont, z), fake, cat_nll, cont_nll)
            for extension in self.extensions.values():  # the one hook; none by default
                extension.add_terms(extra)
            cat_nll, cont_nll = extra.cat_nll, extra.cont_nll
            info = information_loss(cat_nll, cont_nll, c.lambda_cat, c.lambda_cont)
            d_loss = discriminator_loss(real_logits, fake_logits)
            g_loss = generator_loss(fake_logits)
            d_total = sum(extra.d_terms, d_loss + info)  # + an extension's terms, if any
            g_total = sum(extra.g_terms, g_loss + info)
            # Q's head always learns to read the codes: with lambda = 0 (a plain GAN) it
            # gets unit weight, and nothing of it reaches the trunk or G.
            q_total = information_loss(cat_nll, cont_nll, c.lambda_cat or 1.0,
                                       c.lambda_cont or 1.0)
        d_vars = self.trunk.trainable_variables + self.d_head.trainable_variables
        q_vars = self.q_head.trainable_variables
        d_grads = tape.gradient(d_total, d_vars) + tape.gradient(q_total, q_vars)
        for loss, own_vars in extra.own:  # an extension's own networks, with D's optimiser
            d_grads, q_vars = d_grads + tape.gradient(loss, own_vars), q_vars + own_vars
        g_vars = self.generator.trainable_variables
        self.d_optimizer.apply_gradients(zip(d_grads, d_vars + q_vars))                # 5
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_total, g_vars), g_vars))  # 6
        logs = {"d_loss": d_loss, "g_loss": g_loss, "info_cat": cat_nll,              # step 7
                "info_cont": cont_nll, "mi_lower_bound": mi_lower_bound, **extra.logs}
        for name, tracker in self.trackers.items():
            tracker.update_state(logs[name])
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def test_step(self, data):
        raise NotImplementedError(
            "InfoGAN has no validation loss; use infogan_utils.metrics.evaluate_model "
            "to measure digit accuracy on real test images."
        )

    # ------------------------------------------------------------------ inference
    def generate(self, codes: LatentSample | np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Images for latent codes (a LatentSample or composed latent vectors).

        Returns float32 NumPy (n, 28, 28, 1) in [0, 1]. Compiled once per model.
        """
        latent = self.spec.compose(codes) if isinstance(codes, LatentSample) else codes
        latent = np.asarray(latent, np.float32)
        if latent.ndim != 2 or latent.shape[1] != self.config.latent_dim:
            raise ValueError(
                f"latent codes must have shape (n, {self.config.latent_dim}), "
                f"got {latent.shape}"
            )
        if self._generate_fn is None:
            self._generate_fn = tf.function(
                lambda z: self.generator(z, training=False), reduce_retracing=True)
        return np.concatenate([self._generate_fn(tf.constant(latent[i:i + batch_size])).numpy()
                               for i in range(0, len(latent), batch_size)] or
                              [np.zeros((0, 28, 28, 1), np.float32)])

    def recognize(self, images, batch_size: int = 500) -> dict:
        """Q's outputs for images (n, 28, 28[, 1]) in [0, 1] (float) or [0, 255] (uint8).

        Returns NumPy arrays: ``cat_logits`` (n, K), ``cont_mean`` (n, M) and, when
        the variance is learned, ``cont_logvar``.
        """
        images = np.asarray(images)
        if images.dtype == np.uint8:
            images = images.astype(np.float32) / 255.0
        if images.ndim == 3:
            images = images[..., None]
        if images.ndim != 4 or images.shape[1:] != (28, 28, 1):
            raise ValueError(f"images must have shape (n, 28, 28) or (n, 28, 28, 1), "
                             f"got {images.shape}")
        if self._recognize_fn is None:
            self._recognize_fn = tf.function(
                lambda x: self.discriminate(x, training=False)[1], reduce_retracing=True)
        parts = [self._recognize_fn(tf.constant(images[i:i + batch_size], tf.float32))
                 for i in range(0, len(images), batch_size)]
        return {k: np.concatenate([p[k].numpy() for p in parts]) for k in parts[0]}

    # ------------------------------------------------------------------ weights
    def save_networks(self, folder, storage: str = "float32") -> None:
        """Write the networks and config into ``folder`` (:func:`saving.save_networks`)."""
        saving.save_networks(self, folder, storage)

    @classmethod
    def load_networks(cls, folder, **config_changes) -> "InfoGAN":
        """The model saved in ``folder``, config changed (:func:`saving.load_networks`)."""
        return saving.load_networks(folder, cls, config_changes)
