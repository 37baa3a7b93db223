"""The latent code of InfoGAN: incompressible noise z and the structured codes c.

The generator input is ``[z, one_hot(c1), c2, ..., c_{1+M}]`` where

* ``z ~ U(-1, 1)^noise_dim`` (noise the model may ignore),
* ``c1 ~ Cat(K, 1/K)`` (the categorical code, one-hot encoded),
* ``c_j ~ U(-1, 1)`` (M continuous codes).

Taught in notebook 02, "The latent code" (priors, composing the generator input).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .config import InfoGANConfig

CONTINUOUS_LOW, CONTINUOUS_HIGH = -1.0, 1.0


@dataclasses.dataclass(frozen=True)
class LatentSample:
    """One batch of latent codes (NumPy arrays).

    ``category``: (batch,) int32 in [0, K); ``continuous``: (batch, M) float32 in
    [-1, 1] (wider for traversals); ``noise``: (batch, noise_dim) float32 in [-1, 1].
    """

    category: np.ndarray
    continuous: np.ndarray
    noise: np.ndarray

    def __len__(self) -> int:
        return len(self.category)


@dataclasses.dataclass(frozen=True)
class LatentSpec:
    """The shapes and priors of the latent code of one model."""

    num_categories: int = 10
    num_continuous: int = 2
    noise_dim: int = 62

    @classmethod
    def from_config(cls, config: InfoGANConfig) -> "LatentSpec":
        return cls(config.num_categories, config.num_continuous, config.noise_dim)

    def noise_of_seed(self, noise_seed) -> np.ndarray:
        """One noise vector z (1, noise_dim) float32, drawn from ``noise_seed`` (the one
        traversals and the explorer hold fixed)."""
        rng = np.random.default_rng(noise_seed)
        return rng.uniform(-1, 1, (1, self.noise_dim)).astype(np.float32)

    def sample(self, batch_size: int, seed: int | np.random.Generator | None = None) -> LatentSample:
        """Draw ``batch_size`` codes from the priors (NumPy; for plots and evaluation)."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        return LatentSample(
            category=rng.integers(0, self.num_categories, size=batch_size).astype(np.int32),
            continuous=rng.uniform(
                CONTINUOUS_LOW, CONTINUOUS_HIGH, size=(batch_size, self.num_continuous)
            ).astype(np.float32),
            noise=rng.uniform(-1.0, 1.0, size=(batch_size, self.noise_dim)).astype(np.float32),
        )

    def compose(self, sample: LatentSample) -> np.ndarray:
        """The generator input ``[z, one_hot(c1), c_cont]``, shape (batch, latent_dim)."""
        return compose_latent(
            sample.noise, one_hot(sample.category, self.num_categories), sample.continuous
        )

    def categorical_entropy(self) -> float:
        """H(c1) = ln K nats, the most mutual information the categorical code can carry."""
        return categorical_entropy(self.num_categories)

    def traversal(
        self,
        code_index: int,
        values=None,
        categories=None,
        noise_seed: int = 0,
        fixed_continuous: float = 0.0,
    ) -> LatentSample:
        """Codes for a traversal grid: each category x a sweep of one continuous code.

        Rows are ``categories`` (default all K), columns are ``values`` of continuous
        code ``code_index`` (default 10 values from -2 to 2, beyond the training range
        +-1). The other continuous codes are held at ``fixed_continuous`` and one noise
        vector (from ``noise_seed``) is shared by every cell, so only the swept code
        and the row's category change. Returned row-major: len = rows x columns.
        """
        if not 0 <= code_index < self.num_continuous:
            raise ValueError(
                f"code_index must be in [0, {self.num_continuous - 1}] "
                f"(this model has {self.num_continuous} continuous codes), got {code_index}"
            )
        values = np.linspace(-2.0, 2.0, 10) if values is None else np.asarray(values, float)
        categories = (
            np.arange(self.num_categories) if categories is None else np.asarray(categories)
        )
        if categories.size and (categories.min() < 0 or categories.max() >= self.num_categories):
            raise ValueError(
                f"categories must be in [0, {self.num_categories - 1}], got {categories.tolist()}"
            )
        rows, cols = len(categories), len(values)
        noise = self.noise_of_seed(noise_seed)
        continuous = np.full((rows * cols, self.num_continuous), fixed_continuous, np.float32)
        continuous[:, code_index] = np.tile(values, rows)
        return LatentSample(
            category=np.repeat(categories, cols).astype(np.int32),
            continuous=continuous,
            noise=np.repeat(noise, rows * cols, axis=0).astype(np.float32),
        )


def one_hot(category, num_categories: int) -> np.ndarray:
    """One-hot encode integer categories: (batch,) -> (batch, K) float32."""
    category = np.asarray(category)
    if category.size and (category.min() < 0 or category.max() >= num_categories):
        raise ValueError(f"categories must be in [0, {num_categories - 1}]")
    return np.eye(num_categories, dtype=np.float32)[category]


def compose_latent(noise, category_one_hot, continuous) -> np.ndarray:
    """Concatenate ``[z, one_hot(c1), c_cont]`` along the last axis (float32)."""
    return np.concatenate(
        [np.asarray(noise, np.float32), np.asarray(category_one_hot, np.float32),
         np.asarray(continuous, np.float32)],
        axis=-1,
    )


def categorical_entropy(num_categories: int) -> float:
    """H(c) = -sum_k p_k ln p_k = ln K for a uniform categorical code (nats)."""
    if num_categories < 1:
        raise ValueError(f"num_categories must be >= 1, got {num_categories}")
    return math.log(num_categories)


def uniform_entropy(low: float = CONTINUOUS_LOW, high: float = CONTINUOUS_HIGH) -> float:
    """Differential entropy h(c) = ln(high - low) of c ~ U(low, high) (nats)."""
    if not high > low:
        raise ValueError(f"need high > low, got low={low}, high={high}")
    return math.log(high - low)
