"""ModelCentrality: pick, among trained runs, the one most similar to the others (label-free).

From Lin, Thekumparampil, Fanti and Oh (ICML 2020), "InfoGAN-CR and ModelCentrality:
Self-supervised Model Training and Selection for Disentangling GANs", the section
"ModelCentrality", and the authors' released code (``*_mc_generate_metric_data.py``,
``*_mc_cross_evaluation.py``, ``FactorVAEMetric``):

1. Each model j writes a test set with its own generator (:func:`metric_data`): groups of
   L images in which one continuous code is held at one value and everything else is drawn
   from the prior (group g holds code g mod M), plus a population of images.
2. Model i's Q takes that test as if model j were the ground truth (the FactorVAE metric
   of Kim and Mnih 2018, :func:`factor_vae_score`): Q's continuous-code readings are
   divided by their standard deviation over the population; in each group, the reading
   that varies least votes for the code that was held; a majority vote maps readings to
   codes; the score is the share of groups the vote gets right.
3. The similarity of models i and j is the mean of both directions,
   s_ij = (score(Q_i on G_j) + score(Q_j on G_i)) / 2 (symmetric, :func:`similarity_matrix`).
4. A model's centrality is its mean similarity to the others; the medoid, the most
   central model, is chosen (:func:`medoid`).

Nothing here sees a label: only images each model generates and codes it drew itself.

The authors' setting (released code): L = 100 images per group, 500 groups, a population
of a tenth of the data set (here 6,000, a tenth of MNIST's 60,000 training images). The
majority vote is fitted and scored on the same groups, as in their ``FactorVAEMetric``.
The paper's models have only continuous codes; here the categorical code is drawn at
random within a group, like the noise, and only the continuous codes are factors (Q's
``cont_mean`` is the representation).
"""

from __future__ import annotations

import numpy as np

from .latent import LatentSample, LatentSpec

GROUP_SIZE = 100       # L, the paper's images per group
NUM_GROUPS = 500       # the paper's number of groups (votes)
POPULATION = 6_000     # a tenth of the training set, as in the paper


def _spec(model) -> LatentSpec:
    spec = getattr(model, "spec", None)
    return spec if spec is not None else LatentSpec.from_config(model.config)


def metric_data(model, *, num_groups: int = NUM_GROUPS, group_size: int = GROUP_SIZE,
                population: int = POPULATION, seed: int = 0) -> dict:
    """Model j's own test for the FactorVAE metric (label-free: its codes, its images).

    Returns ``groups`` (num_groups, group_size, 28, 28, 1) images, ``held`` (num_groups,)
    the index of the continuous code held fixed in each group (g mod M), and
    ``population`` (population, 28, 28, 1) images drawn from the prior.
    """
    spec = _spec(model)
    m = spec.num_continuous
    if m < 2:
        raise ValueError(f"ModelCentrality needs at least 2 continuous codes, got {m}")
    if num_groups < 1 or group_size < 2 or population < 2:
        raise ValueError("need num_groups >= 1, group_size >= 2 and population >= 2")
    rng = np.random.default_rng(seed)
    held = np.arange(num_groups) % m
    codes = spec.sample(num_groups * group_size, rng)
    continuous = codes.continuous.reshape(num_groups, group_size, m).copy()
    rows = np.arange(num_groups)
    continuous[rows, :, held] = continuous[rows, 0, held][:, None]
    codes = LatentSample(codes.category, continuous.reshape(-1, m), codes.noise)
    groups = np.asarray(model.generate(codes)).reshape(num_groups, group_size, 28, 28, 1)
    pop = np.asarray(model.generate(spec.sample(population, rng)))
    return dict(groups=groups, held=held, population=pop)


def _readings(model, images) -> np.ndarray:
    return np.asarray(model.recognize(images)["cont_mean"], np.float64)


def factor_vae_score(model, data: dict) -> float:
    """The FactorVAE metric of ``model``'s Q on a test written by another model
    (:func:`metric_data`): the share of groups whose least-varying normalised reading,
    mapped to a code by majority vote, names the code that was held."""
    scale = _readings(model, data["population"]).std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    groups = data["groups"]
    flat = _readings(model, groups.reshape((-1,) + groups.shape[2:]))
    readings = flat.reshape(groups.shape[0], groups.shape[1], -1) / scale
    votes = readings.std(axis=1).argmin(axis=1)           # (num_groups,)
    m = int(data["held"].max()) + 1
    table = np.zeros((readings.shape[2], m))
    np.add.at(table, (votes, data["held"]), 1)
    return float(table.max(axis=1).sum() / table.sum())


def similarity_matrix(models, data=None, **data_kwargs) -> np.ndarray:
    """s_ij = (score(Q_i on G_j's test) + score(Q_j on G_i's test)) / 2, shape (N, N).

    ``data``: the tests of :func:`metric_data`, one per model (made here if None, with
    ``data_kwargs``). The diagonal holds each model's score on its own test.
    """
    models = list(models)
    if data is None:
        data = [metric_data(m, **data_kwargs) for m in models]
    cross = np.array([[factor_vae_score(qi, dj) for dj in data] for qi in models])
    return (cross + cross.T) / 2.0


def centrality(similarity) -> np.ndarray:
    """Each model's mean similarity to the other models (the diagonal is left out)."""
    s = np.asarray(similarity, np.float64)
    n = len(s)
    if n < 2:
        return np.zeros(n)
    return (s.sum(axis=1) - np.diag(s)) / (n - 1)


def medoid(similarity) -> int:
    """Index of the model with the highest centrality (ties: the first)."""
    return int(np.argmax(centrality(similarity)))
