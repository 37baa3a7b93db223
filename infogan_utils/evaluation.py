"""One call that measures a trained model against the paper's MNIST claims."""

from __future__ import annotations

import numpy as np

from .data import load_mnist
from .losses import categorical_code_loss, mutual_information_lower_bound
from .measures import (category_slant_share, code_correlations, code_effects, code_roles,
                       separate_codes)
from .metrics import category_balance, evaluate_digit_accuracy, predict_categories


def estimate_mi_lower_bound(model, num_samples: int = 10_000, seed: int = 0) -> float:
    """L_I = H(c1) + E[log Q(c1 | G(z, c))] on fresh samples, in nats (<= ln K)."""
    codes = model.spec.sample(num_samples, seed)
    logits = model.recognize(model.generate(codes))["cat_logits"]
    nll = float(categorical_code_loss(codes.category, logits))
    return float(mutual_information_lower_bound(model.code_entropy, nll))


def evaluate_model(model, test_data=None, *, train_images=None, num_samples: int = 10_000,
                   seed: int = 0) -> dict:
    """Digit accuracy on MNIST's 10,000 test images, L_I, and the code correlations.

    Returns a JSON-ready dict: ``one_to_one``, ``many_to_one``, ``mapping`` (category
    -> digit), ``mi_lower_bound``, ``entropy`` (ln K), ``train_category_balance``
    (label-free: entropy of Q's categories over the 60,000 training images),
    ``train_category_slant_share`` (label-free: share of the training images' slant
    variance explained by Q's category, high when c1 has absorbed slant),
    ``correlations`` (Spearman rho of each continuous code with slant and width),
    ``code_names``, and the code x factor effect matrix of :func:`measures.code_effects`
    (slant, width and stroke thickness, in SDs of the real test digits): ``effects`` for
    sweeps over [-1, 1], ``effects_range_2`` over [-2, 2], and ``separation`` (the
    separation scores of the codes named by the [-1, 1] matrix: 0 when a code moves only
    its own factor) and, with two continuous codes, ``separate_codes``
    (:func:`measures.separate_codes` on the [-1, 1] matrix: whether the codes meet the
    series' target of one slant code and one width code), with ``code_roles``
    (:func:`measures.code_roles`: which half of the target is met).
    """
    if test_data is None or train_images is None:
        (x_train, _), mnist_test = load_mnist()
        test_data = mnist_test if test_data is None else test_data
        train_images = x_train if train_images is None else train_images
    x_test, y_test = test_data
    acc = evaluate_digit_accuracy(model, x_test, y_test)
    train_categories = predict_categories(model, train_images)
    result = {
        **acc.to_dict(),
        "num_test_images": int(len(y_test)),
        "mi_lower_bound": estimate_mi_lower_bound(model, num_samples, seed),
        "entropy": float(model.code_entropy),
        "train_category_balance": category_balance(train_categories,
                                                   model.config.num_categories),
        "train_category_slant_share": category_slant_share(train_categories, train_images),
    }
    if model.config.num_continuous:
        result["correlations"] = code_correlations(model, seed=seed)
        result["effects"] = code_effects(model, x_test, limit=1.0, seed=seed)
        result["code_names"] = result["effects"]["code_names"]  # one rule: the effects
        result["effects_range_2"] = code_effects(model, x_test, limit=2.0, seed=seed)
        result["separation"] = result["effects"]["separation"]
        if model.config.num_continuous == 2:
            result["code_roles"] = code_roles(result["effects"]["matrix"])
            result["separate_codes"] = separate_codes(result["effects"]["matrix"])
    result["confusion"] = np.asarray(acc.confusion).tolist()
    return result
