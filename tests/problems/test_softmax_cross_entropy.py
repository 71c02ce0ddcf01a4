"""softmax_cross_entropy: a hand-worked batch, the named slips, carried errors, and errors naming the field."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.checking import check
from grader.errors import ParamsError
from grader.problems import get_family

FAMILY = get_family("softmax_cross_entropy")
PARAMS = {"logits": [[0, 0, math.log(2)], [1, 1, 1]], "target": [2, 0]}  # p = [1/4, 1/4, 1/2] and [1/3, 1/3, 1/3]


def test_a_hand_worked_batch():
    answer = FAMILY.answer(FAMILY.params(PARAMS))
    np.testing.assert_allclose(answer["probabilities"], [[0.25, 0.25, 0.5], [1 / 3] * 3])
    assert answer["loss"] == pytest.approx((math.log(2) + math.log(3)) / 2)
    np.testing.assert_allclose(answer["grad_logits"], [[0.125, 0.125, -0.25], [-1 / 3, 1 / 6, 1 / 6]])
    assert check(FAMILY, PARAMS, {"probabilities": [[0.25, 0.25, 0.5], [0.333, 0.333, 0.333]], "loss": 0.896,
                                  "grad_logits": [[0.125, 0.125, -0.25], [-0.333, 0.167, 0.167]]}).correct


@pytest.mark.parametrize(("change", "mistake"), [
    ({"loss": (math.log(2) + math.log(3)) / 2 / math.log(2)}, "log_base_2"),
    ({"loss": math.log(2) + math.log(3)}, "not_averaged"),
    ({"grad_logits": [[-0.125, -0.125, 0.25], [1 / 3, -1 / 6, -1 / 6]]}, "one_hot_minus_softmax"),
    ({"grad_logits": [[0, 0, -1], [-1.5, 0, 0]]}, "grad_wrt_probabilities"),  # -y/p / N
])
def test_named_slips(change, mistake):
    result = check(FAMILY, PARAMS, change)
    assert not result.correct and result.mistakes == [mistake], result.feedback


def test_a_loss_and_gradient_right_from_the_students_own_wrong_probabilities_carry_credit():
    wrong = [[0.2, 0.3, 0.5], [0.5, 0.25, 0.25]]
    own_loss = -(math.log(0.5) + math.log(0.5)) / 2
    result = check(FAMILY, PARAMS, {"probabilities": wrong, "loss": own_loss,
                                    "grad_logits": [[0.1, 0.15, -0.25], [-0.25, 0.125, 0.125]]})
    assert not result.parts["probabilities"].correct
    assert result.parts["loss"].carried and result.parts["grad_logits"].carried


def test_label_smoothing_and_sum_follow_pytorch_definitions():
    params = FAMILY.params(PARAMS | {"reduction": "sum", "label_smoothing": 0.3})
    q = np.array([[0.1, 0.1, 0.8], [0.8, 0.1, 0.1]])
    p = np.array([[0.25, 0.25, 0.5], [1 / 3] * 3])
    assert FAMILY.answer(params)["loss"] == pytest.approx(-(q * np.log(p)).sum())
    assert "ignored_label_smoothing" in [m.name for m in FAMILY.mistakes(params)]


@pytest.mark.parametrize(("change", "message"), [
    ({"target": [2]}, "target: has 1 classes for the 2 examples"),
    ({"target": [3, 0]}, "target: example 0's class 3 is not one of 0 to 2"),
    ({"logits": [1, 2, 3]}, "logits: needs 2 axes"),
    ({"label_smoothing": 1.5}, "label_smoothing: Input should be less than or equal to 1"),
    ({"reduction": "none"}, "reduction:"),
])
def test_bad_params_name_the_field(change, message):
    with pytest.raises(ParamsError, match=f"^softmax_cross_entropy: {message}"):
        FAMILY.params(PARAMS | change)


def test_big_batches_are_solved_and_flagged_only_for_hand_work():
    params = FAMILY.params({"logits": [[0.0] * 10] * 5, "target": [0] * 5})
    assert FAMILY.module.too_big_by_hand(params) == "the logits have 50 entries (more than 12 to compute by hand)"
    assert FAMILY.module.too_big_by_hand(FAMILY.params(PARAMS)) is None
