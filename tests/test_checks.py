"""infogan_utils.checks: the check after each write-along cell."""

import numpy as np
import pytest
import tensorflow as tf

from infogan_utils.checks import NOT_ANSWERED, WrongAnswer, check, check_function


def test_a_stub_is_not_answered_and_returns_false(capsys):
    assert check("my_loss", None, 0.69) is False
    assert capsys.readouterr().out.startswith(NOT_ANSWERED)


def test_a_right_answer_passes_within_tolerance(capsys):
    assert check("my_loss", np.float32(0.6931472), tf.constant(np.log(2.0)), rtol=1e-6) is True
    assert capsys.readouterr().out.startswith("Correct!")


def test_a_wrong_answer_names_both_numbers_and_the_hint():
    with pytest.raises(WrongAnswer) as error:
        check("my_d_loss", 1.3863, 0.6931, hint="are both terms averaged?")
    message = str(error.value)
    assert "1.3863" in message and "0.6931" in message
    assert "Hint: are both terms averaged?" in message
    assert "2 × the package's" in message  # a constant factor is pointed out


def test_the_opposite_sign_is_pointed_out():
    with pytest.raises(WrongAnswer, match="opposite sign"):
        check("my_bound", np.array([-1.0, -2.0]), np.array([1.0, 2.0]))


def test_nested_answers_name_the_differing_key_shape_and_index():
    expected = {"d_loss": 0.7, "weights": np.zeros((2, 3))}
    with pytest.raises(WrongAnswer, match=r"\['weights'\].*shape \(3, 2\)"):
        check("step", {"d_loss": 0.7, "weights": np.zeros((3, 2))}, expected)
    wrong = np.zeros((2, 3))
    wrong[1, 2] = 0.5
    with pytest.raises(WrongAnswer, match=r"index \(1, 2\)"):
        check("step", {"d_loss": 0.7, "weights": wrong}, expected)
    with pytest.raises(WrongAnswer, match="missing \\['weights'\\]"):
        check("step", {"d_loss": 0.7}, expected)
    with pytest.raises(WrongAnswer, match="NaN"):
        check("step", {"d_loss": float("nan"), "weights": np.zeros((2, 3))}, expected)


def test_a_hint_may_depend_on_the_answer():
    def hint(mine, theirs):
        return "you summed" if mine > theirs else "something else"

    with pytest.raises(WrongAnswer, match="Hint: you summed"):
        check("my_loss", 64.0, 1.0, hint=hint)


def test_check_function_runs_every_case_and_names_the_failing_one(capsys):
    cases = [(np.array([1.0, 2.0]),), (np.array([3.0, -1.0]),)]
    assert check_function("my_mean", np.mean, lambda x: np.sum(x) / x.size, cases)
    assert "on 2 inputs" in capsys.readouterr().out
    assert check_function("my_mean", lambda x: None, np.mean, cases) is False
    assert capsys.readouterr().out.startswith(NOT_ANSWERED)
    with pytest.raises(WrongAnswer, match="on input 2 of 2"):
        check_function("my_mean", lambda x: float(np.mean(np.abs(x))), np.mean, cases,
                       hint="keep the sign")
