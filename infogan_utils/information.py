"""Information theory on tables you can compute exactly (the lesson of notebook 01).

A discrete joint distribution of a code c and an "image" x is a table ``joint`` of
shape (K, X) with ``joint[k, i] = p(c = k, x = i)``: non-negative, summing to 1. A
recognition model is a table ``q`` of the same shape with ``q[k, i] = Q(c = k | x = i)``:
every column is a distribution over the K codes. All results are in nats.

With these you can check InfoGAN's variational bound (paper, eq. 5; Barber & Agakov 2003)
exactly:

    I(c; x) = H(c) - H(c | x)
            = L_I(Q) + E_{p(x)}[ KL(P(c|x) || Q(c|x)) ]  >=  L_I(Q),
    L_I(Q)  = H(c) + E_{p(c, x)}[ log Q(c | x) ].

For a continuous code c ~ U(low, high) read from x = c + noise_std * eps the exact
mutual information is one integral (:func:`uniform_code_gaussian_noise_information`),
and a Gaussian Q gives the bound :func:`gaussian_variational_lower_bound`.
"""

from __future__ import annotations

import math

import numpy as np

from .latent import CONTINUOUS_HIGH, CONTINUOUS_LOW, uniform_entropy
from .losses import gaussian_code_loss, mutual_information_lower_bound

SUM_TOLERANCE = 1e-5
"""How far from 1 a distribution may sum (float32 softmax outputs sum to 1 +- 1e-7)."""


def _as_distribution(p, name: str, ndim: int | None = None) -> np.ndarray:
    """``p`` as float64 after checking it is finite, non-negative and sums to 1."""
    arr = np.asarray(p, dtype=np.float64)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D table, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must contain finite, non-negative probabilities")
    total = arr.sum()
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ValueError(f"{name} must sum to 1 (within {SUM_TOLERANCE}), sums to {total:.6g}")
    return arr


def _as_recognition_table(q, joint: np.ndarray) -> np.ndarray:
    """``q`` as float64 after checking its shape and that every column sums to 1."""
    arr = np.asarray(q, dtype=np.float64)
    if arr.shape != joint.shape:
        raise ValueError(
            f"q must have the shape of the joint table (K codes, X images) = {joint.shape}, "
            f"got {arr.shape}"
        )
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError("q must contain finite, non-negative probabilities")
    sums = arr.sum(axis=0)
    if np.any(np.abs(sums - 1.0) > SUM_TOLERANCE):
        raise ValueError(
            f"every column q[:, x] must be a distribution Q(c | x) summing to 1 "
            f"(within {SUM_TOLERANCE}); column sums are {np.round(sums, 6).tolist()}"
        )
    return arr


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x * ln(y) with the convention 0 * ln(anything) = 0."""
    out = np.zeros(np.broadcast(x, y).shape)
    x, y = np.broadcast_arrays(x, y)
    nz = x > 0
    with np.errstate(divide="ignore"):
        out[nz] = x[nz] * np.log(y[nz])
    return out


def entropy(p) -> float:
    """Shannon entropy H(p) = -sum_i p_i ln p_i (nats), with 0 ln 0 = 0.

    ``p``: a distribution of any shape (a vector p(c), or a joint table p(c, x) for
    the joint entropy H(c, x)), non-negative and summing to 1 -> float.
    """
    p = _as_distribution(p, "p")
    return float(-_xlogy(p, p).sum())


def marginals(joint) -> tuple[np.ndarray, np.ndarray]:
    """The marginals p(c) = sum_x p(c, x) and p(x) = sum_c p(c, x).

    ``joint``: (K, X) -> (p_c of shape (K,), p_x of shape (X,)).
    """
    joint = _as_distribution(joint, "joint", ndim=2)
    return joint.sum(axis=1), joint.sum(axis=0)


def conditional_entropy(joint) -> float:
    """H(c | x) = -sum_{c,x} p(c, x) ln p(c | x) = H(c, x) - H(x) (nats).

    ``joint``: (K, X) -> float. What is left to guess about the code after seeing x.
    """
    joint = _as_distribution(joint, "joint", ndim=2)
    return float(-_xlogy(joint, posterior(joint)).sum())


def mutual_information(joint) -> float:
    """I(c; x) = sum_{c,x} p(c, x) ln[ p(c, x) / (p(c) p(x)) ] = H(c) - H(c | x) (nats).

    ``joint``: (K, X) -> float, 0 <= I <= min(H(c), H(x)). It is the KL divergence of
    the joint from the product of its marginals: 0 exactly when c and x are independent.
    Derived in notebook 01, "Mutual information: how much does the image tell you about
    the code?", where the learner writes it as ``my_mutual_information``.
    """
    joint = _as_distribution(joint, "joint", ndim=2)
    p_c, p_x = marginals(joint)
    product = np.outer(p_c, p_x)
    ratio = np.divide(joint, product, out=np.ones_like(joint), where=product > 0)
    return float(max(_xlogy(joint, ratio).sum(), 0.0))


def posterior(joint) -> np.ndarray:
    """The true posterior P(c | x) = p(c, x) / p(x) (Bayes' rule), the best possible Q.

    ``joint``: (K, X) -> (K, X); column i is P(c | x = i). Columns of images that never
    occur (p(x) = 0) are set to the marginal p(c); no expectation ever weights them.
    """
    joint = _as_distribution(joint, "joint", ndim=2)
    p_c, p_x = marginals(joint)
    post = np.tile(p_c[:, None], (1, joint.shape[1]))
    seen = p_x > 0
    post[:, seen] = joint[:, seen] / p_x[seen]
    return post


def expected_log_likelihood(joint, q) -> float:
    """E_{p(c, x)}[ log Q(c | x) ] = sum_{c,x} p(c, x) ln q(c | x) (nats, <= 0).

    ``joint``: (K, X) p(c, x); ``q``: (K, X) with columns Q(c | x) -> float. This is
    minus the cross-entropy that :func:`infogan_utils.losses.categorical_code_loss`
    estimates from samples (c, x ~ p(c, x)); it is -inf if Q gives probability 0 to a
    pair that occurs.
    """
    joint = _as_distribution(joint, "joint", ndim=2)
    q = _as_recognition_table(q, joint)
    return float(_xlogy(joint, q).sum())


def variational_lower_bound(joint, q) -> float:
    """InfoGAN's bound L_I(Q) = H(c) + E_{p(c, x)}[ log Q(c | x) ] <= I(c; x) (nats).

    ``joint``: (K, X); ``q``: (K, X) with columns Q(c | x) -> float. Equal to
    :func:`mutual_information` exactly when q is the :func:`posterior`; the gap is
    :func:`expected_posterior_kl`. Computed with
    :func:`infogan_utils.losses.mutual_information_lower_bound`. Derived in notebook 01,
    "The variational lower bound, step by step", where the learner writes it as
    ``my_variational_lower_bound``.
    """
    joint = _as_distribution(joint, "joint", ndim=2)
    p_c, _ = marginals(joint)
    code_nll = -expected_log_likelihood(joint, q)
    return float(mutual_information_lower_bound(entropy(p_c), code_nll))


def expected_posterior_kl(joint, q) -> float:
    """The gap of the bound, E_{p(x)}[ KL(P(c|x) || Q(c|x)) ] = I(c; x) - L_I(Q) >= 0.

    ``joint``: (K, X); ``q``: (K, X) with columns Q(c | x) -> float (nats). Zero
    exactly when Q equals the posterior on every image that occurs (notebook 01, Steps 3
    and 4 of "The variational lower bound, step by step").
    """
    joint = _as_distribution(joint, "joint", ndim=2)
    q = _as_recognition_table(q, joint)
    post = posterior(joint)
    ratio = np.divide(post, q, out=np.full_like(post, np.inf), where=q > 0)
    return float(_xlogy(joint, ratio).sum())


def gaussian_entropy(std) -> float:
    """Differential entropy of N(mu, std^2): h = 0.5 ln(2 pi e std^2) (nats)."""
    std = float(std)
    if not std > 0:
        raise ValueError(f"std must be > 0, got {std}")
    return 0.5 * math.log(2.0 * math.pi * math.e * std**2)


def uniform_code_gaussian_noise_information(
    noise_std: float, low: float = CONTINUOUS_LOW, high: float = CONTINUOUS_HIGH
) -> float:
    """Exact I(c; x) for c ~ U(low, high) and x = c + noise_std * eps, eps ~ N(0, 1):

        I(c; x) = h(x) - h(x | c) = -int p(x) ln p(x) dx - 0.5 ln(2 pi e noise_std^2),
        p(x) = [Phi((x - low) / noise_std) - Phi((x - high) / noise_std)] / (high - low).

    The integral is done numerically (scipy.integrate.quad) -> float, in nats. Used in
    notebook 01, "A continuous code and a Gaussian Q".
    """
    from scipy.integrate import quad
    from scipy.special import ndtr

    noise_std = float(noise_std)
    if not noise_std > 0:
        raise ValueError(f"noise_std must be > 0, got {noise_std}")
    if not high > low:
        raise ValueError(f"need high > low, got low={low}, high={high}")
    width = high - low

    def neg_p_log_p(x):
        p = (ndtr((x - low) / noise_std) - ndtr((x - high) / noise_std)) / width
        return -p * math.log(p) if p > 0 else 0.0

    reach = 12.0 * noise_std
    breaks = [low, high] + ([low + reach, high - reach] if high - low > 2 * reach else [])
    h_x, _ = quad(neg_p_log_p, low - reach, high + reach, points=sorted(breaks), limit=400,
                  epsabs=1e-11, epsrel=1e-10)
    return float(max(h_x - gaussian_entropy(noise_std), 0.0))


def gaussian_variational_lower_bound(
    code, mean, logvar=None, low: float = CONTINUOUS_LOW, high: float = CONTINUOUS_HIGH
) -> float:
    """L_I for continuous codes c ~ U(low, high)^M under a factored Gaussian Q:

        L_I = h(c) + E[ log Q(c | x) ] = M ln(high - low) - gaussian_code_loss(c, mu, logvar)

    estimated from samples: ``code``, ``mean``, ``logvar``: (batch, M) -> float (nats).
    ``logvar=None`` fixes Q's variance to 1 (``InfoGANConfig.fix_var``), still a valid but
    looser bound (notebook 01, "A continuous code and a Gaussian Q"). Uses
    :func:`infogan_utils.latent.uniform_entropy`,
    :func:`infogan_utils.losses.gaussian_code_loss` and
    :func:`infogan_utils.losses.mutual_information_lower_bound`.
    """
    code = np.asarray(code, dtype=np.float32)
    if code.ndim != 2:
        raise ValueError(f"code must have shape (batch, M), got {code.shape}")
    if np.asarray(mean).shape != code.shape or (
        logvar is not None and np.asarray(logvar).shape != code.shape
    ):
        raise ValueError(f"mean and logvar must have the shape of code {code.shape}")
    code_entropy = code.shape[1] * uniform_entropy(low, high)
    return float(mutual_information_lower_bound(code_entropy,
                                                float(gaussian_code_loss(code, mean, logvar))))
