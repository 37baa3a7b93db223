"""Hints for notebook 02's write-along loss checks: each names the likely mistake.

:func:`infogan_utils.checks.check` calls a hint as ``hint(answer, expected)`` with the
learner's value and the package's on the input where they differ; the check itself
already prints both numbers. Each function here looks at how the two differ (not finite,
a factor of the batch size, the opposite sign, which entry of a dict) and says what most
likely caused it.
"""

from __future__ import annotations

import numpy as np


def _number(value):
    try:
        return float(np.asarray(value.numpy() if hasattr(value, "numpy") else value))
    except (TypeError, ValueError):
        return None


def _softplus_note():
    return ("a literal log(sigmoid(l)) is infinite for a logit of -200 in float32: write "
            "-log sigmoid(l) as ops.softplus(-l) and -log(1 - sigmoid(l)) as ops.softplus(l).")


def _first_checks(answer, expected, what: str):
    """(mine, theirs, hint): the hint when the answer is not one number or not finite."""
    mine, theirs = _number(answer), _number(expected)
    if mine is None or theirs is None:
        return mine, theirs, f"return one number: {what}."
    if not np.isfinite(mine):
        return mine, theirs, _softplus_note()
    return mine, theirs, None


def discriminator_loss(answer, expected):
    """Hint for L_D = mean(softplus(-real_logits)) + mean(softplus(fake_logits))."""
    mine, theirs, early = _first_checks(answer, expected, "the sum of the two means")
    if early:
        return early
    if theirs and mine / theirs > 1.5:
        return "are both terms averaged? Use ops.mean over each batch, not ops.sum."
    return ("are real and fake the right way round? Real images should get D near 1, so "
            "their term is softplus(-real_logits); fakes near 0: softplus(fake_logits).")


def generator_loss(answer, expected):
    """Hint for the non-saturating L_G = mean(softplus(-fake_logits))."""
    mine, theirs, early = _first_checks(answer, expected, "a mean over the batch")
    if early:
        return early
    if mine < 0:
        return ("that is the saturating loss log(1 - D) (negative numbers); the "
                "non-saturating one is -log D(G(z)) = softplus(-fake_logits).")
    if theirs and mine / theirs > 1.5:
        return "is it averaged? Use ops.mean over the batch, not ops.sum."
    return ("softplus(fake_logits) is -log(1 - D), D's term for the fakes. G wants D(G(z)) "
            "near 1: its loss is -log D(G(z)) = softplus(-fake_logits).")


def information_loss(answer, expected):
    """Hint for {"info_cat", "info_cont", "info"}: names the first entry that differs."""
    if not isinstance(answer, dict) or set(answer) != set(expected):
        return 'return a dict with the keys "info_cat", "info_cont" and "info".'
    for key in ("info_cat", "info_cont", "info"):
        mine, theirs = _number(answer[key]), _number(expected[key])
        if mine is None:
            return f'answer["{key}"] should be one number.'
        if np.isclose(mine, theirs, rtol=1e-5, atol=1e-6):
            continue
        if not np.isfinite(mine):
            return ("ops.log(ops.softmax(...)) overflows for logits of 1,000: use "
                    "ops.log_softmax.")
        if key == "info_cat":
            if mine < 0:
                return ("info_cat is a log-likelihood's negative: -mean(log Q(c1|x)), a "
                        "positive number.")
            return ("info_cat: pick each row's log-probability at its own category "
                    "(ops.take_along_axis), then average over the batch.")
        if key == "info_cont":
            if theirs and np.isclose(mine / theirs, 0.5, rtol=0.05):
                return "info_cont: sum the two codes' NLLs, then average over the batch."
            return ("info_cont: each code's NLL is 0.5 ln(2 pi) + 0.5 (c - mu)^2; is the "
                    "constant there?")
        return "info = lambda_cat * info_cat + lambda_cont * info_cont."
    return "compare each entry with the formulas above."
