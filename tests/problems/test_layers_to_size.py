"""layers_to_size: the seed cases, targets a stack steps over, None as an answer, errors naming the field."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checking import check
from grader.errors import ParamsError
from grader.problems import get_family

FAMILY = get_family("layers_to_size")


@pytest.mark.parametrize(("params", "layers"), [
    ({"input_size": 224, "target_size": 8, "kernel_size": 7}, 36),  # seed 002, Q2bii
    ({"input_size": 224, "target_size": 16, "kernel_size": 3}, 104),  # seed 002, Q4
    ({"input_size": 224, "target_size": 7, "kernel_size": 3, "stride": 2, "padding": 1}, 5),
    ({"input_size": 224, "target_size": 56, "kernel_size": 3, "stride": 2}, None),  # 111, 55: stepped over
    ({"input_size": 224, "target_size": 15, "kernel_size": 3}, None),  # even sizes only
    ({"input_size": 224, "target_size": 8, "kernel_size": 7, "max_layers": 35}, None),
    ({"input_size": 32, "target_size": 40, "kernel_size": 3, "padding": 2}, 4),  # padding can grow the map
])
def test_layer_counts_by_hand(params, layers):
    assert FAMILY.answer(FAMILY.params(params)) == layers


def test_none_is_an_answer_and_is_graded():
    unreachable = {"input_size": 224, "target_size": 15, "kernel_size": 3}
    assert check(FAMILY, unreachable, None).correct
    assert not check(FAMILY, unreachable, 105).correct
    reachable = {"input_size": 224, "target_size": 16, "kernel_size": 3}
    result = check(FAMILY, reachable, None)
    assert not result.correct and "there is an answer" in result.feedback[0]


@pytest.mark.parametrize(("params", "answer", "mistake"), [
    ({"input_size": 224, "target_size": 8, "kernel_size": 7}, 37, "counted_sizes"),
    ({"input_size": 100, "target_size": 40, "kernel_size": 3}, 20, "forgot_plus_one"),  # shrinking by k = 3
    ({"input_size": 100, "target_size": 36, "kernel_size": 3, "dilation": 2}, 32, "ignored_dilation"),
    ({"input_size": 100, "target_size": 40, "kernel_size": 5, "padding": 1}, 15, "ignored_padding"),  # 30 layers of -2
    ({"input_size": 224, "target_size": 56, "kernel_size": 3, "stride": 2}, 2, "ceil_not_floor"),
])
def test_mistakes_are_named(params, answer, mistake):
    result = check(FAMILY, params, answer)
    assert not result.correct and result.mistakes == [mistake]


def test_the_space_is_mostly_reachable_and_sometimes_not():
    answers = [FAMILY.answer(FAMILY.sample(np.random.default_rng(seed))) for seed in range(200)]
    unreachable = sum(a is None for a in answers)
    assert 20 <= unreachable <= 100
    assert all(a is None or 1 <= a <= 150 for a in answers)


@pytest.mark.parametrize(("change", "answer"), [
    ({"target_size": 224}, 0),  # already there: no layer
    ({"target_size": 224, "kernel_size": 300}, 0),
    ({"kernel_size": 300}, None),  # the first layer does not fit: no number of layers gets there
    ({"kernel_size": 113, "dilation": 2}, None),  # spans 225 > 224
    ({"kernel_size": 113, "dilation": 2, "padding": 1, "target_size": 2}, 1),  # 224 + 2 - 225 + 1
])
def test_every_stack_pytorch_accepts_has_an_answer(change, answer):
    params = FAMILY.params({"input_size": 224, "target_size": 8, "kernel_size": 7} | change)
    assert FAMILY.answer(params) == answer
    assert check(FAMILY, params, answer).correct
    assert str(answer) in FAMILY.worked_solution(params)


@pytest.mark.parametrize(("change", "message"), [
    ({"stride": 0}, "stride: Input should be greater than or equal to 1"),
    ({"max_layer": 5}, "max_layer: unknown key"),
])
def test_bad_params_name_the_field(change, message):
    with pytest.raises(ParamsError) as error:
        FAMILY.params({"input_size": 224, "target_size": 8, "kernel_size": 7} | change)
    assert str(error.value).startswith("layers_to_size: ") and message in str(error.value)
