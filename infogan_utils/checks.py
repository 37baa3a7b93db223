"""Checks for the write-along cells of the notebooks.

In the student copy each piece the learner writes (a loss, the bound, the generator, the
training step) is a stub: a signature, a docstring and a hint, whose body returns ``None``.
The cell after it calls :func:`check` with what the learner's code returned and what the
package returns on the same inputs:

* ``None`` (the stub, unanswered): it prints "Not answered yet" and returns ``False``, so
  the notebook goes on with the package's version;
* a value that differs: it raises :class:`WrongAnswer`, naming where the two differ, both
  numbers, and the cell's hint ("are both terms averaged?");
* a value that agrees within the tolerance: it prints "Correct!" and returns ``True``.

Answers are compared leaf by leaf: numbers and arrays with ``numpy.allclose``, dicts by key,
tuples and lists by position.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

NOT_ANSWERED = "Not answered yet"
CORRECT = "Correct!"


class WrongAnswer(AssertionError):
    """The learner's answer runs but differs from the package's."""


def _as_array(value):
    if hasattr(value, "numpy"):  # a TensorFlow tensor or variable
        value = value.numpy()
    return np.asarray(value)


def _leaves(value, path=""):
    """(path, leaf) pairs of a nested answer: dicts by key, tuples and lists by index."""
    if isinstance(value, Mapping):
        for key in value:
            yield from _leaves(value[key], f"{path}[{key!r}]")
    elif isinstance(value, (tuple, list)):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}[{index}]")
    else:
        yield path, value


def _describe(array):
    if array.size == 1:
        return f"{float(array.reshape(())):.6g}"
    return f"an array of shape {array.shape}"


def _ratio_note(mine, theirs):
    """A word on a constant factor between the two answers (a sum for a mean, a sign)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = mine / theirs
    ratio = ratio[np.isfinite(ratio)]
    if ratio.size == 0 or not np.allclose(ratio, ratio.flat[0], rtol=1e-4):
        return ""
    factor = float(ratio.flat[0])
    if np.isclose(factor, -1.0, rtol=1e-4):
        return " Yours is the package's with the opposite sign."
    if abs(factor) > 1e-9:
        return f" Yours is {factor:.4g} × the package's."
    return ""


def _first_difference(answer, expected, rtol, atol):
    """None if `answer` agrees with `expected`, else a sentence saying where it does not."""
    mine = dict(_leaves(answer))
    theirs = dict(_leaves(expected))
    if mine.keys() != theirs.keys():
        missing = sorted(theirs.keys() - mine.keys())
        extra = sorted(mine.keys() - theirs.keys())
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unexpected {', '.join(extra)}"] if extra else [])
        return "its structure differs from the package's: " + "; ".join(parts)
    for path in theirs:
        if mine[path] is None:
            return f"{path or 'it'} is None"
        a, b = _as_array(mine[path]), _as_array(theirs[path])
        where = f"at {path}" if path else ""
        if a.shape != b.shape:
            return f"{where} yours has shape {a.shape}, the package's {b.shape}".strip()
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        if not np.all(np.isfinite(a64) == np.isfinite(b64)):
            return f"{where} yours has a NaN or infinity where the package's has none".strip()
        close = np.isclose(a64, b64, rtol=rtol, atol=atol, equal_nan=True)
        if not np.all(close):
            index = np.unravel_index(np.argmin(close), close.shape)
            at = f" (first at index {tuple(int(i) for i in index)})" if a.size > 1 else ""
            return (f"{where} yours is {float(a64[index]):.6g}, the package's "
                    f"{float(b64[index]):.6g}{at}.{_ratio_note(a64, b64)}").strip()
    return None


def check(name: str, answer, expected, hint: str | Callable = "", *,
          rtol: float = 1e-6, atol: float = 1e-8, detail: str = "") -> bool:
    """Compare the learner's `answer` for `name` with the package's `expected` value.

    Returns False and prints "Not answered yet" when `answer` is None (the stub); raises
    WrongAnswer, with `hint`, when the two differ by more than `rtol` and `atol`; prints
    "Correct!" and returns True when they agree. `hint` may be a function of (answer,
    expected) returning the hint, for hints that depend on how the answer is wrong.
    `detail` is added to the success line (say what was compared).
    """
    if answer is None:
        print(f"{NOT_ANSWERED}: `{name}` is still a stub. Write it in the cell above, run that "
              "cell, then run this one again. Until then the notebook uses the package's "
              "version.")
        return False
    _raise_if_different(name, answer, expected, hint, rtol=rtol, atol=atol)
    print(f"{CORRECT} `{name}` matches the package" + (f" {detail}" if detail else "") + ".")
    return True


def _raise_if_different(name, answer, expected, hint, *, rtol, atol, where=""):
    difference = _first_difference(answer, expected, rtol, atol)
    if difference is not None:
        text = hint(answer, expected) if callable(hint) else hint
        raise WrongAnswer(f"`{name}` does not match the package{where}: {difference}"
                          + (f"\nHint: {text}" if text else ""))


def check_function(name: str, function: Callable, reference: Callable, cases, hint="", *,
                   rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    """:func:`check` the learner's `function` against `reference` on each tuple of
    arguments in `cases`. A stub (returning None) is "Not answered yet"."""
    cases = [case if isinstance(case, tuple) else (case,) for case in cases]
    for number, case in enumerate(cases, 1):
        answer = function(*case)
        if answer is None:
            return check(name, None, None)
        _raise_if_different(name, answer, reference(*case), hint, rtol=rtol, atol=atol,
                            where=f" on input {number} of {len(cases)}")
    s = "s" if len(cases) > 1 else ""
    return check(name, True, True, detail=f"on {len(cases)} input{s}")
