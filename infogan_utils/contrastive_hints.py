"""The hint for notebook 06's write-along contrastive loss (InfoGAN-CR's L_CR).

:func:`contrastive_loss_hint` returns a hint function for :func:`infogan_utils.checks.check`:
given the learner's value of L_CR on a batch of pairs, it names the common mistake that
gives exactly that value (the label of the code that changes instead of the shared one, a
sum instead of a mean, the two sides concatenated the other way round, one loss per pair
instead of one number). It never calls the networks with training=True, which would
update the model's batch normalisation statistics.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

GENERAL = ("L_CR is the mean over the pairs of -log softmax(logits)[shared], where the "
           "logits are cr_head(concat([trunk(G(first side)), trunk(G(second side))], -1)), "
           "all called with training=False")


def _features(model, pairs, side):
    latent = model.compose(pairs["category"][side], pairs["continuous"][side],
                           pairs["noise"][side])
    return model.trunk(model.generator(latent, training=False), training=False)


def contrastive_loss_hint(model, pairs):
    """A function (answer, expected) -> hint for the learner's L_CR of `model` on `pairs`
    (from ``model.extensions["contrastive"].sample_pairs``), naming the mistake whose
    value the answer matches."""
    _, logits = model.extensions["contrastive"].loss(pairs, training=False)
    logits = tf.cast(logits, tf.float32)
    shared = pairs["shared"]
    num_codes = int(logits.shape[-1])

    def per_pair(labels, values=logits):
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=values)

    changed = (shared + 1) % num_codes  # with two codes: the code that changes
    swapped = model.cr_head(tf.concat([_features(model, pairs, 1), _features(model, pairs, 0)],
                                      axis=-1), training=False)
    mistakes = [
        (tf.reduce_mean(per_pair(changed)),
         "you labelled each pair with the code that CHANGES; the label is pairs['shared'], "
         "the code both images share"),
        (tf.reduce_sum(per_pair(shared)),
         "you summed the cross-entropy over the pairs; take its mean (tf.reduce_mean)"),
        (tf.reduce_mean(per_pair(shared, tf.cast(swapped, tf.float32))),
         "you put the second image's features first; concatenate the first side's, then "
         "the second's"),
    ]

    def hint(answer, expected):
        value = np.asarray(answer.numpy() if hasattr(answer, "numpy") else answer, np.float64)
        if value.size != 1:
            return ("return one number: the MEAN of the per-pair cross-entropies "
                    "(tf.reduce_mean), not one loss per pair")
        for wrong, text in mistakes:
            if np.isclose(float(value.reshape(())), float(wrong), rtol=1e-4, atol=1e-6):
                return text
        return GENERAL

    return hint
