"""How well the categorical code c1 classifies real digits, with no labels in training.

Q(c1 | x) assigns each real test image to one of K categories. The categories carry no
names, so we match them to digits after the fact:

* one-to-one: the best bijection categories <-> digits (the Hungarian algorithm,
  ``scipy.optimize.linear_sum_assignment``); the paper's "5% error" claim is this;
* many-to-one: each category takes its most common digit (two categories may share a
  digit; an upper bound on one-to-one).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.optimize import linear_sum_assignment


def confusion_matrix(labels, categories, num_classes: int = 10,
                     num_categories: int = 10) -> np.ndarray:
    """Counts (num_categories, num_classes): row = Q's category, column = true digit."""
    labels = np.asarray(labels, np.int64)
    categories = np.asarray(categories, np.int64)
    if labels.shape != categories.shape:
        raise ValueError(f"labels and categories differ in shape: {labels.shape} vs "
                         f"{categories.shape}")
    m = np.zeros((num_categories, num_classes), np.int64)
    np.add.at(m, (categories, labels), 1)
    return m


@dataclasses.dataclass
class DigitAccuracy:
    """Result of :func:`digit_accuracy`."""

    one_to_one: float
    """Accuracy under the best one-to-one category -> digit matching."""
    many_to_one: float
    """Accuracy when each category takes its most common digit."""
    mapping: dict
    """Category -> digit under the one-to-one matching."""
    confusion: np.ndarray
    """(K, 10) counts: row = category, column = digit."""

    def to_dict(self) -> dict:
        return {"one_to_one": self.one_to_one, "many_to_one": self.many_to_one,
                "mapping": {int(k): int(v) for k, v in self.mapping.items()}}


def digit_accuracy(labels, categories, num_classes: int = 10,
                   num_categories: int = 10) -> DigitAccuracy:
    """Unsupervised classification accuracy of predicted categories against labels."""
    m = confusion_matrix(labels, categories, num_classes, num_categories)
    total = m.sum()
    if total == 0:
        raise ValueError("need at least one labelled example")
    rows, cols = linear_sum_assignment(m, maximize=True)
    return DigitAccuracy(
        one_to_one=float(m[rows, cols].sum() / total),
        many_to_one=float(m.max(axis=1).sum() / total),
        mapping={int(r): int(c) for r, c in zip(rows, cols)},
        confusion=m,
    )


def predict_categories(model, images, batch_size: int = 500) -> np.ndarray:
    """argmax_k Q(c1 = k | x) for each image: (n,) int."""
    return model.recognize(images, batch_size=batch_size)["cat_logits"].argmax(axis=-1)


def evaluate_digit_accuracy(model, images, labels) -> DigitAccuracy:
    """Digit accuracy of ``model``'s categorical code on real images with labels."""
    return digit_accuracy(labels, predict_categories(model, images),
                          num_categories=model.config.num_categories)


def category_balance(categories, num_categories: int = 10) -> float:
    """Entropy (nats) of how real images spread over Q's categories; ln K = perfectly even.

    Uses no labels. MNIST's digits are nearly balanced, so a model that merges two
    digits into one category (and splits another) scores visibly lower. The project
    uses it, stated in advance, to pick which trained seed to ship.
    """
    counts = np.bincount(np.asarray(categories, np.int64), minlength=num_categories)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())
