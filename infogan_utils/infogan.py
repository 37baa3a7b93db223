"""``InfoGAN``: a ``keras.Model`` whose ``train_step`` is the paper's algorithm.

One training step on a batch of real images x (Chen et al. 2016, eq. 6):

1. sample codes c ~ P(c) and noise z ~ U(-1, 1); generate x_fake = G(z, c);
2. D and Q: minimise  L_D + lambda * L_info   (Q and the shared trunk learn to read c);
3. G:       minimise  L_G + lambda * L_info   (G learns to write c into the image),

where L_info = lambda_cat * (-E log Q(c1|x)) + lambda_cont * (-E log Q(c_cont|x)), so
-L_info + lambda*H(c) is the mutual-information lower bound L_I. Both updates use the
same forward pass (simultaneous gradient steps, as in TensorFlow's DCGAN tutorial).

With lambda = 0 (a plain GAN, the paper's Figure 1 baseline) Q's head still learns to
read the codes with unit weight, but nothing flows back into D's trunk or into G.

Optional, off by default: the contrastive regulariser of InfoGAN-CR (Lin, Thekumparampil,
Fanti and Oh, ICML 2020, "InfoGAN-CR and ModelCentrality", the contrastive-regulariser
section). With ``config.contrastive_weight`` = lambda_CR > 0, each step also generates
pairs of images that share one continuous code (:meth:`InfoGAN.sample_pairs`); a head
``cr_head`` on the shared trunk classifies which code a pair shares, and

4. CR head: minimise  L_CR;  trunk and G: add  lambda_CR * L_CR  to 2. and 3.

(G is rewarded when the head can tell). With lambda_CR = 0 nothing of it is built or run.

Codes are drawn with stateless random ops keyed on (seed, step, replica), so a run is
reproducible, resumes with the same codes after a restart, and works under
``tf.distribute`` strategies.
"""

from __future__ import annotations

import os

import keras
import numpy as np
import tensorflow as tf

from .config import InfoGANConfig
from .data import augment_images
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
from .optimizers import FusedAdam

METRIC_NAMES = ("d_loss", "g_loss", "info_cat", "info_cont", "mi_lower_bound")
CR_METRIC_NAMES = ("cr_loss",)


class InfoGAN(keras.Model):
    """Generator, discriminator and Q of InfoGAN, trained with ``fit``.

    ``model(latent)`` runs the generator; :meth:`generate` takes a
    :class:`~infogan_utils.latent.LatentSample`; :meth:`recognize` runs Q on images.
    ``fit`` reports ``d_loss``, ``g_loss``, ``info_cat`` (-E log Q(c1|x)), ``info_cont``
    (-E log Q(c_cont|x)) and ``mi_lower_bound`` (L_I of the categorical code, nats).
    """

    def __init__(self, config: InfoGANConfig = InfoGANConfig(), **kwargs):
        super().__init__(name=kwargs.pop("name", "infogan"), **kwargs)
        self.config = config
        self.spec = LatentSpec.from_config(config)
        self.generator = build_generator(config)
        self.trunk = build_shared_trunk(config)
        self.d_head = build_d_head(config)
        self.q_head = build_q_head(config)
        self.contrastive = config.contrastive_weight > 0
        self.cr_head = build_cr_head(config) if self.contrastive else None
        self.code_entropy = categorical_entropy(config.num_categories)
        names = METRIC_NAMES + (CR_METRIC_NAMES if self.contrastive else ())
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self._generate_fn = None
        self._recognize_fn = None
        self.built = True  # the sub-networks are built; fit() must not build on images

    # ------------------------------------------------------------------ building
    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Set the two Adam optimisers (paper defaults from the config; Keras's Adam with
        TensorFlow's fused update kernel, see :mod:`infogan_utils.optimizers`)."""
        super().compile(**kwargs)
        c = self.config
        self.d_optimizer = d_optimizer or FusedAdam(c.lr_d, beta_1=c.beta_1, name="d_adam")
        self.g_optimizer = g_optimizer or FusedAdam(c.lr_g, beta_1=c.beta_1, name="g_adam")
        self.d_optimizer.build(self.discriminator_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    @property
    def discriminator_variables(self):
        """Trainable variables of D and Q: the shared trunk and both heads (and the CR
        head when the contrastive regulariser is on)."""
        variables = (self.trunk.trainable_variables + self.d_head.trainable_variables
                     + self.q_head.trainable_variables)
        if self.cr_head is not None:
            variables = variables + self.cr_head.trainable_variables
        return variables

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
        seed = lambda k: self._step_seed(step, k)  # noqa: E731
        category = tf.random.stateless_uniform((batch_size,), seed(0), 0, c.num_categories,
                                               dtype=tf.int32)
        continuous = tf.random.stateless_uniform((batch_size, c.num_continuous), seed(1),
                                                 -1.0, 1.0)
        noise = tf.random.stateless_uniform((batch_size, c.noise_dim), seed(2), -1.0, 1.0)
        return category, continuous, noise

    def sample_shear(self, batch_size, step):
        """Random shears in [-cat_shear, cat_shear] (b,) for one step (stateless, like
        :meth:`sample_codes`), or None when ``config.cat_shear`` is 0 (the paper)."""
        c = self.config
        if not c.cat_shear:
            return None
        return tf.random.stateless_uniform((batch_size,), self._step_seed(step, 3),
                                           -c.cat_shear, c.cat_shear)

    def sample_augment(self, batch_size, step):
        """Random style changes for one step, as keyword arguments of
        :func:`infogan_utils.data.augment_images` ((b,) each; stateless, like
        :meth:`sample_codes`), or None when ``config.cat_augment`` is 0 (the paper)."""
        s = self.config.cat_augment
        if not s:
            return None
        seed = tf.random.experimental.stateless_fold_in(self._step_seed(step, 3), 1)
        u = tf.random.stateless_uniform((6, batch_size), seed, -1.0, 1.0)
        return dict(shear=0.4 * s * u[0], scale_x=tf.exp(0.2 * s * u[1]),
                    scale_y=tf.exp(0.1 * s * u[2]), shift_x=2.0 * s * u[3],
                    shift_y=2.0 * s * u[4], thickness=0.5 * s * u[5])

    def sample_cont_view(self, batch_size, step):
        """Random thickness changes in [-cont_thickness, cont_thickness] (b,) for Q's
        reading of the continuous codes (stateless, like :meth:`sample_codes`), or None
        when ``config.cont_thickness`` is 0."""
        s = self.config.cont_thickness
        if not s:
            return None
        seed = tf.random.experimental.stateless_fold_in(self._step_seed(step, 3), 9)
        return tf.random.stateless_uniform((batch_size,), seed, -s, s)

    def sample_pairs(self, batch_size, step):
        """Pairs of codes for the contrastive regulariser (InfoGAN-CR, Lin et al. 2020,
        contrastive regulariser), stateless like :meth:`sample_codes`; None when it is off.

        For each pair, one continuous code I ~ U{0..M-1} is shared: both images get the
        same value of c_I. Every other continuous code is drawn for each image so that
        the two values differ by at least the gap (:meth:`contrastive_gap`; the paper's
        progressive training, as in the authors' ``sample_cr``). The noise z and the
        category are shared too (a latent traversal, as in the authors' released code),
        unless ``config.contrastive_share_noise`` is False.

        Returns a dict: ``shared`` (b,) int32, the index I; ``category`` (2, b);
        ``continuous`` (2, b, M); ``noise`` (2, b, noise_dim).
        """
        c = self.config
        if not self.contrastive:
            return None
        base = self._step_seed(step, 3)
        seed = lambda k: tf.random.experimental.stateless_fold_in(base, 2 + k)  # noqa: E731
        m = c.num_continuous
        shared = tf.random.stateless_uniform((batch_size,), seed(0), 0, m, dtype=tf.int32)
        gap = self.contrastive_gap(step)
        # Two values at least `gap` apart: draw both in [-1 + gap/2, 1 - gap/2], then
        # push them apart by gap/2 each (the larger one up, the smaller one down).
        u = tf.random.stateless_uniform((2, batch_size, m), seed(1), -1.0, 1.0)
        u = u * (1.0 - gap / 2.0)
        sign = tf.where(u[0] >= u[1], 1.0, -1.0)
        different = tf.stack([u[0] + sign * gap / 2.0, u[1] - sign * gap / 2.0])
        same = tf.random.stateless_uniform((batch_size, m), seed(2), -1.0, 1.0)
        is_shared = tf.one_hot(shared, m, on_value=True, off_value=False, dtype=tf.bool)
        continuous = tf.where(is_shared[None], same[None], different)
        n_draws = 1 if c.contrastive_share_noise else 2
        category = tf.random.stateless_uniform((n_draws, batch_size), seed(3), 0,
                                               c.num_categories, dtype=tf.int32)
        noise = tf.random.stateless_uniform((n_draws, batch_size, c.noise_dim), seed(4),
                                            -1.0, 1.0)
        if c.contrastive_share_noise:
            category = tf.concat([category, category], 0)
            noise = tf.concat([noise, noise], 0)
        return dict(shared=shared, category=category, continuous=continuous, noise=noise)

    def contrastive_gap(self, step):
        """The least difference of the codes that a pair does not share at ``step``:
        ``config.contrastive_gap`` before ``config.contrastive_gap_until``, then 0."""
        c = self.config
        before = tf.cast(step, tf.int64) < c.contrastive_gap_until
        return tf.where(before, float(c.contrastive_gap), 0.0)

    def contrastive_weight(self, step):
        """lambda_CR at ``step``: 0 before ``config.contrastive_start``, then the weight."""
        c = self.config
        on = tf.cast(step, tf.int64) >= c.contrastive_start
        return tf.where(on, float(c.contrastive_weight), 0.0)

    def contrastive_loss(self, pairs, training=True):
        """L_CR: cross-entropy of ``cr_head`` telling which code each pair shares.

        Both images of all pairs go through G and the trunk in one batch each (so both
        members of a pair are normalised alike); the head reads the two feature vectors
        concatenated. Returns (loss scalar, logits (b, M)).
        """
        b = tf.shape(pairs["shared"])[0]
        latent = self.compose(tf.reshape(pairs["category"], [-1]),
                              tf.reshape(pairs["continuous"], [-1, self.config.num_continuous]),
                              tf.reshape(pairs["noise"], [-1, self.config.noise_dim]))
        images = self.generator(latent, training=training)
        features = self.trunk(images, training=training)
        logits = self.cr_head(tf.concat([features[:b], features[b:]], axis=-1),
                              training=training)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=pairs["shared"], logits=tf.cast(logits, tf.float32)))
        return loss, logits

    def _step_seed(self, step, k):
        ctx = tf.distribute.get_replica_context()
        replica = ctx.replica_id_in_sync_group if ctx is not None else 0
        base = tf.cast(step, tf.int64) * 1024 + tf.cast(replica, tf.int64)
        return tf.stack([tf.constant(self.config.seed, tf.int64), base * 4 + k])

    def compose(self, category, continuous, noise):
        """Generator input [z, one_hot(c1), c_cont] as a tensor."""
        one_hot = tf.one_hot(category, self.config.num_categories, dtype=tf.float32)
        return tf.concat([tf.cast(noise, tf.float32), one_hot,
                          tf.cast(continuous, tf.float32)], axis=-1)

    # ------------------------------------------------------------------ training
    def info_terms(self, q_out, category, continuous):
        """(-E log Q(c1|x), -E log Q(c_cont|x)) for Q's outputs on generated images."""
        cat_nll = categorical_code_loss(category, q_out["cat_logits"])
        if self.config.num_continuous:
            cont_nll = gaussian_code_loss(continuous, q_out["cont_mean"],
                                          q_out.get("cont_logvar"))
        else:
            cont_nll = tf.constant(0.0)
        return cat_nll, cont_nll

    def objectives(self, real, category, continuous, noise, training=True,
                   shear=None, augment=None, pairs=None, cr_weight=None,
                   cont_view=None) -> dict:
        """Every term of one step (scalars): ``d_total`` (D and trunk), ``q_total``
        (Q's head), ``g_total`` (G), and the parts ``d_loss``, ``g_loss``, ``info_cat``,
        ``info_cont``, ``mi_lower_bound``. Call inside a GradientTape to train.

        ``shear`` (b,), not in the paper: Q reads the category from the generated images
        sheared by these amounts (``info_cat`` is then that loss; ``mi_lower_bound``
        stays the bound on the unsheared images). See ``InfoGANConfig.cat_shear``.
        ``augment``, not in the paper: the same with the style changes of
        :meth:`sample_augment` (``InfoGANConfig.cat_augment``); both can be given.
        ``cont_view`` (b,), not in the paper: Q reads the continuous codes from the
        generated images with their stroke thickness changed by these amounts
        (``info_cont`` is then that loss; ``InfoGANConfig.cont_thickness``).

        ``pairs`` (from :meth:`sample_pairs`; only when ``config.contrastive_weight`` >
        0): adds ``cr_loss`` (L_CR) and ``cr_total`` (the CR head's objective, L_CR), and
        ``cr_weight`` * L_CR to ``d_total`` and ``g_total`` (``cr_weight`` defaults to
        ``config.contrastive_weight``; ``train_step`` passes the scheduled one)."""
        c = self.config
        fake = self.generator(self.compose(category, continuous, noise), training=training)
        real_logits, _ = self.discriminate(real, training=training)
        fake_logits, q_out = self.discriminate(fake, training=training)
        cat_nll, cont_nll = self.info_terms(q_out, category, continuous)
        mi_lower_bound = mutual_information_lower_bound(self.code_entropy, cat_nll)
        # XLA cannot compile Keras's affine kernel: the gather version when compiled
        xla = bool(getattr(self, "jit_compile", False))
        if shear is not None or augment is not None:
            view = dict(augment or {})
            if shear is not None:
                view["shear"] = view.get("shear", 0.0) + shear
            _, q_view = self.discriminate(augment_images(fake, **view, xla=xla),
                                          training=training)
            cat_nll = categorical_code_loss(category, q_view["cat_logits"])
        if cont_view is not None and c.num_continuous:
            _, q_cont = self.discriminate(augment_images(fake, thickness=cont_view, xla=xla),
                                          training=training)
            cont_nll = gaussian_code_loss(continuous, q_cont["cont_mean"],
                                          q_cont.get("cont_logvar"))
        info = information_loss(cat_nll, cont_nll, c.lambda_cat, c.lambda_cont)
        d_loss = discriminator_loss(real_logits, fake_logits)
        g_loss = generator_loss(fake_logits)
        # Q's head always learns to read the codes; with lambda = 0 it gets unit weight
        # and nothing of it reaches the trunk or G (the plain-GAN baseline of Figure 1).
        q_loss = information_loss(cat_nll, cont_nll, c.lambda_cat or 1.0, c.lambda_cont or 1.0)
        terms = dict(d_total=d_loss + info, q_total=q_loss, g_total=g_loss + info,
                     d_loss=d_loss, g_loss=g_loss, info_cat=cat_nll, info_cont=cont_nll,
                     mi_lower_bound=mi_lower_bound)
        if pairs is not None:
            if self.cr_head is None:
                raise ValueError("pairs were given but the contrastive regulariser is off "
                                 "(config.contrastive_weight is 0)")
            cr_loss, _ = self.contrastive_loss(pairs, training=training)
            weight = c.contrastive_weight if cr_weight is None else cr_weight
            terms.update(d_total=terms["d_total"] + weight * cr_loss, cr_total=cr_loss,
                         g_total=terms["g_total"] + weight * cr_loss, cr_loss=cr_loss)
        return terms

    def train_step(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data
        step = self.g_optimizer.iterations
        codes = self.sample_codes(tf.shape(real)[0], step)
        shear = self.sample_shear(tf.shape(real)[0], step)
        augment = self.sample_augment(tf.shape(real)[0], step)
        pairs = self.sample_pairs(tf.shape(real)[0], step)
        extra = {} if pairs is None else dict(pairs=pairs,
                                             cr_weight=self.contrastive_weight(step))
        cont_view = self.sample_cont_view(tf.shape(real)[0], step)
        if cont_view is not None:
            extra["cont_view"] = cont_view
        # Under tf.distribute, gradients are summed over replicas: scale each replica's.
        scale = 1.0 / tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape(persistent=True) as tape:
            terms = self.objectives(real, *codes, training=True, shear=shear,
                                    augment=augment, **extra)
            cr_total = terms["cr_total"] * scale if pairs is not None else None
            d_total, q_total, g_total = (terms[k] * scale for k in ("d_total", "q_total",
                                                                     "g_total"))
        dd_vars = self.trunk.trainable_variables + self.d_head.trainable_variables
        q_vars = self.q_head.trainable_variables
        g_vars = self.generator.trainable_variables
        dd_grads = tape.gradient(d_total, dd_vars)
        q_grads = tape.gradient(q_total, q_vars)
        g_grads = tape.gradient(g_total, g_vars)
        if pairs is not None:
            cr_vars = self.cr_head.trainable_variables
            q_vars = q_vars + cr_vars
            q_grads = q_grads + tape.gradient(cr_total, cr_vars)
        del tape
        self.d_optimizer.apply_gradients(zip(dd_grads + q_grads, dd_vars + q_vars))
        self.g_optimizer.apply_gradients(zip(g_grads, g_vars))
        for name, tracker in self.trackers.items():
            tracker.update_state(terms[name])
        return {name: t.result() for name, t in self.trackers.items()}

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
        """Write ``generator.weights.h5``, ``discriminator.weights.h5`` (trunk, D and Q
        heads, and the contrastive head ``cr_head`` when ``contrastive_weight > 0``) and
        ``config.json`` into ``folder`` (Keras's own weight format).

        Each file is written under a temporary name, fsynced and renamed, so a crash or a
        full disk never leaves a half-written file in place; each weight file gets a
        ``.sha256`` sidecar that :meth:`load_networks` checks. Each file is built in memory
        first (HDF5 never touches the disk), then written with its sidecar as a pair
        (:func:`~infogan_utils.runfolder.write_with_sha256`).

        ``storage="float16"`` stores every weight as float16, half the size
        (``scripts/seed_study.py --storage float16`` keeps it only if the re-measured
        accuracy is unchanged). Loading needs nothing special: Keras reads the float16
        arrays into the float32 variables.
        """
        from pathlib import Path

        from .runfolder import ensure_free_space, write_with_sha256

        if storage not in ("float32", "float16"):
            raise ValueError(f"storage must be 'float32' or 'float16', got {storage!r}")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        ensure_free_space(folder, sum(int(np.prod(w.shape)) * 4 for w in self.weights),
                          f"the networks of {folder}",
                          "Free some space, then save again.")
        for name, net in (("generator.weights.h5", self.generator),
                          ("discriminator.weights.h5", _discriminator_model(self))):
            data = _weights_bytes(net)
            if storage == "float16":
                data = _store_float16(data)
            # HDF5 only ever wrote to memory: a full disk fails this plain write, which
            # leaves nothing half-open for HDF5 to crash on at exit.
            write_with_sha256(folder / name, data)
        self.config.save(folder / "config.json")

    @classmethod
    def load_networks(cls, folder, **config_changes) -> "InfoGAN":
        """Build a model from ``config.json`` in ``folder`` and load its weights.

        Each weight file is checked against its ``.sha256`` sidecar (written by
        :meth:`save_networks`); a damaged file is refused by name
        (:class:`~infogan_utils.runfolder.DamagedFileError`). Files saved before sidecars
        existed load unverified, but weights that are not finite are still refused.
        """
        from pathlib import Path

        from .runfolder import DamagedFileError, cause, verify_sha256

        folder = Path(folder)
        for name in ("config.json", "generator.weights.h5", "discriminator.weights.h5"):
            if not (folder / name).exists():
                raise FileNotFoundError(
                    f"{folder / name} is missing: a saved InfoGAN folder holds config.json, "
                    f"generator.weights.h5 and discriminator.weights.h5 "
                    f"(written by InfoGAN.save_networks)."
                )
        fix = _restore_hint(folder)
        config = read_config(folder / "config.json", fix).replace(**config_changes)
        verified = {name: verify_sha256(folder / name, fix)
                    for name in ("generator.weights.h5", "discriminator.weights.h5")}
        model = cls(config)
        for name, net in (("generator.weights.h5", model.generator),
                          ("discriminator.weights.h5", _discriminator_model(model))):
            try:
                net.load_weights(folder / name)
            except Exception as err:  # h5py / Keras errors: unreadable or wrong layout
                raise DamagedFileError(
                    f"{folder / name} cannot be loaded as the weights of this config "
                    f"({type(err).__name__}: {cause(err)}). {fix}"
                ) from err
            if not verified[name] and not all(np.isfinite(w.numpy()).all()
                                              for w in net.weights):
                raise DamagedFileError(f"{folder / name} holds values that are not finite "
                                       f"(NaN or inf): it is damaged. {fix}")
        return model


def build_cr_head(config: InfoGANConfig) -> keras.Model:
    """InfoGAN-CR's head on the shared trunk: the features of a pair's two images,
    concatenated (batch, 2048) -> logits (batch, M) of which continuous code the pair
    shares. The paper's CR discriminator is a separate network on the two images stacked
    as channels (the authors' ``CrDiscriminator``); this project puts a small head on
    D's trunk instead."""
    from .models import LEAK, _policy

    dt = _policy(config)
    f = keras.Input((2 * 1024,), name="pair_features")
    x = keras.layers.Dense(128, dtype=dt, name="fc")(f)
    x = keras.layers.LeakyReLU(LEAK, dtype=dt, name="fc_lrelu")(x)
    logits = keras.layers.Dense(config.num_continuous, dtype="float32", name="cr_logits")(x)
    return keras.Model(f, logits, name="cr_head")


def read_config(path, fix: str = "") -> InfoGANConfig:
    """``InfoGANConfig.load(path)``, with an error that names the file when it is not a
    valid config (:class:`~infogan_utils.runfolder.DamagedFileError`)."""
    import json

    from .runfolder import DamagedFileError

    try:
        return InfoGANConfig.load(path)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DamagedFileError(f"{path} is damaged (not valid JSON: {err}). {fix}") from err
    except (ValueError, TypeError) as err:
        raise DamagedFileError(f"{path} is not a valid InfoGAN config ({err}). {fix}") from err


def _restore_hint(folder) -> str:
    """How to get a good copy of a saved folder back."""
    from pathlib import Path

    from .pretrained import PRETRAINED_DIR

    folder = Path(folder)
    if folder.resolve() == PRETRAINED_DIR.resolve():
        return "Restore the shipped model with `git checkout -- data/pretrained`."
    if (folder / "checkpoints").is_dir():
        return ("Re-create the final networks from the run's checkpoints by running the same "
                "`python -m infogan_utils train` command again, or load the run with "
                "training.load_run.")
    return "Restore the folder from a backup, or save the networks again with save_networks."


def _discriminator_model(model: InfoGAN) -> keras.Model:
    """D and Q as one functional model over the shared trunk (for saving weights)."""
    images = keras.Input((28, 28, 1))
    features = model.trunk(images)
    outputs = {"d_logit": model.d_head(features), **model.q_head(features)}
    if model.cr_head is not None:  # saved with D and Q (its input: a pair's features)
        outputs["cr_logits"] = model.cr_head(keras.layers.Concatenate()([features, features]))
    return keras.Model(images, outputs, name="discriminator")


def _weights_bytes(net: keras.Model) -> bytes:
    """``net.save_weights`` as the bytes of a Keras ``.weights.h5`` file, built in memory:
    HDF5 never opens a file on disk, so a disk error cannot leave it half-open (it once
    crashed the process at exit after a full disk)."""
    import io

    from keras.src.saving import saving_lib

    buffer = io.BytesIO()
    store = saving_lib.H5IOStore(buffer, mode="w")
    try:
        saving_lib._save_state(net, weights_store=store, assets_store=None, inner_path="",
                               visited_saveables=set())
    finally:
        store.h5_file.close()
    return buffer.getvalue()


def _store_float16(data: bytes) -> bytes:
    """Every float32 array of a Keras ``.weights.h5`` file's bytes as float16 (a new,
    compact file, built in memory). ``save_networks`` calls it before writing."""
    import io

    import h5py

    def copy(src, dst):
        dst.attrs.update(src.attrs)
        for key, item in src.items():
            if isinstance(item, h5py.Group):
                copy(item, dst.create_group(key))
                continue
            value = item[()]
            if item.dtype == np.float32:
                if np.abs(value).max(initial=0.0) > np.finfo(np.float16).max:
                    raise ValueError(f"{item.name} has values beyond float16's range; save "
                                     f"it with storage='float32'")
                value = value.astype(np.float16)
            dst.create_dataset(key, data=value)
            dst[key].attrs.update(item.attrs)

    out = io.BytesIO()
    with h5py.File(io.BytesIO(data), "r") as src, h5py.File(out, "w") as dst:
        copy(src, dst)
    return out.getvalue()
