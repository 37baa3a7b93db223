"""The loss terms of InfoGAN, one function per term of the paper (all in nats, means
over the batch). The InfoGAN objective (paper, eq. 6) is

    min_{G,Q} max_D  V_InfoGAN(D, G, Q) = V(D, G) - lambda * L_I(G, Q)

where V(D, G) is the GAN value function and L_I the variational lower bound on the
mutual information I(c; G(z, c)).

Where each is derived: the bound and the code losses in notebook 01 ("The variational
lower bound, step by step", "Train Q by maximum likelihood", "A continuous code and a
Gaussian Q"); all four loss terms are written by the learner and checked against these
functions in notebook 02 ("A GAN primer", "The loss terms: write them").
"""

from __future__ import annotations

import math

from keras import ops

LOG_2PI = math.log(2.0 * math.pi)


def _bce_with_logits(labels, logits):
    """Elementwise binary cross-entropy -[y log s(l) + (1-y) log(1-s(l))], stable form."""
    logits = ops.cast(logits, "float32")
    return ops.maximum(logits, 0.0) - logits * labels + ops.log1p(ops.exp(-ops.abs(logits)))


def discriminator_loss(real_logits, fake_logits):
    """-V(D, G): the discriminator's loss, D minimises it.

    L_D = -E_x[log D(x)] - E_z[log(1 - D(G(z)))],  D(x) = sigmoid(logit).
    Shapes: (batch, 1) logits each -> scalar.
    Derived in notebook 02, "A GAN primer" and "The loss terms: write them".
    """
    real = _bce_with_logits(1.0, real_logits)
    fake = _bce_with_logits(0.0, fake_logits)
    return ops.mean(real) + ops.mean(fake)


def generator_loss(fake_logits):
    """The non-saturating generator loss (Goodfellow et al. 2014, used by the paper).

    L_G = -E_z[log D(G(z))]: the same fixed point as minimising log(1 - D(G(z))),
    with strong gradients early in training. (batch, 1) -> scalar.
    Derived in notebook 02, "A GAN primer" (saturating vs non-saturating).
    """
    return ops.mean(_bce_with_logits(1.0, fake_logits))


def categorical_code_loss(category, cat_logits):
    """Negative log-likelihood of the categorical code under Q: -E[log Q(c1 | x)].

    ``category``: (batch,) int in [0, K); ``cat_logits``: (batch, K) -> scalar nats.
    This is the cross-entropy between the code that made the image and Q's guess.
    Derived in notebook 01, "Train Q by maximum likelihood"; written again in 02.
    """
    cat_logits = ops.cast(cat_logits, "float32")
    log_q = ops.log_softmax(cat_logits, axis=-1)
    one_hot = ops.one_hot(ops.cast(category, "int32"), ops.shape(cat_logits)[-1])
    return -ops.mean(ops.sum(one_hot * log_q, axis=-1))


def gaussian_code_loss(code, mean, logvar=None):
    """Negative log-likelihood of continuous codes under a factored Gaussian Q:

        -E[log Q(c | x)] = E[ sum_j 0.5 ln(2 pi) + 0.5 ln s_j^2 + (c_j - mu_j)^2 / (2 s_j^2) ]

    ``code``, ``mean``, ``logvar``: (batch, M). ``logvar=None`` fixes s_j = 1 (the
    ``InfoGANConfig.fix_var``). Summed over the M codes, averaged over the batch -> scalar.
    Derived in notebook 01, "A continuous code and a Gaussian Q"; written again in 02.
    """
    code = ops.cast(code, "float32")
    mean = ops.cast(mean, "float32")
    if logvar is None:
        nll = 0.5 * LOG_2PI + 0.5 * ops.square(code - mean)
    else:
        logvar = ops.cast(logvar, "float32")
        nll = 0.5 * LOG_2PI + 0.5 * logvar + 0.5 * ops.square(code - mean) * ops.exp(-logvar)
    return ops.mean(ops.sum(nll, axis=-1))


def mutual_information_lower_bound(code_entropy, code_nll):
    """The variational lower bound (paper, eq. 5; Barber & Agakov 2003):

        L_I(G, Q) = H(c) + E_{c ~ P(c), x ~ G(z, c)}[log Q(c | x)]  <=  I(c; G(z, c))

    ``code_entropy`` is H(c) (ln K for a uniform categorical code) and ``code_nll`` is
    -E[log Q(c|x)], e.g. from :func:`categorical_code_loss`. A perfect Q (nll = 0)
    gives L_I = H(c), the most information the code can carry.
    Derived in notebook 01, "The variational lower bound, step by step".
    """
    return code_entropy - code_nll


def information_loss(cat_nll, cont_nll, lambda_cat, lambda_cont):
    """lambda * (-L_I) as it enters both objectives, up to the constant H(c):

        lambda_cat * NLL_cat + lambda_cont * NLL_cont.

    Derived in notebook 01, "What the information loss CE + lambda_cont x Gaussian NLL
    means"; it enters the training step the learner writes in notebook 03.
    """
    return lambda_cat * cat_nll + lambda_cont * cont_nll
