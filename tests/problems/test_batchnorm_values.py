"""batchnorm_values: a hand-worked batch, the named slips, carried errors, and errors naming the field."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checking import check
from grader.errors import ParamsError
from grader.problems import get_family

FAMILY = get_family("batchnorm_values")
# one channel, values 1 and 3: mean 2, biased variance 1, unbiased 2; eps = 0 keeps the numbers whole
PARAMS = {"input": [[1], [3]], "eps": 0.0, "momentum": 0.5}


def test_a_hand_worked_batch():
    answer = FAMILY.answer(FAMILY.params(PARAMS))
    assert answer["output"] == [[-1], [1]] and answer["running_mean"] == [1] and answer["running_var"] == [1.5]
    np.testing.assert_allclose(answer["eval_output"], [[0], [2 / np.sqrt(1.5)]])
    assert check(FAMILY, PARAMS, answer).correct


@pytest.mark.parametrize(("change", "mistake"), [
    ({"running_var": [1.0]}, "biased_running_var"),  # 0.5·1 + 0.5·1
    ({"eval_output": [[-1], [1]]}, "eval_uses_batch_stats"),
    ({"eval_output": [[1], [3]]}, "eval_uses_old_running"),  # (x - 0) / sqrt(1)
])
def test_named_slips(change, mistake):
    answer = FAMILY.answer(FAMILY.params(PARAMS)) | change
    result = check(FAMILY, PARAMS, answer)
    assert not result.correct and result.mistakes == [mistake], result.feedback


def test_reversed_momentum_is_named():
    params = PARAMS | {"momentum": 0.1}
    answer = FAMILY.answer(FAMILY.params(params)) | {"running_mean": [1.8]}  # 0.1·0 + 0.9·2
    assert "momentum_reversed" in check(FAMILY, params, answer).mistakes


def test_eval_output_right_from_the_students_own_running_statistics_carries_credit():
    params = FAMILY.params(PARAMS)
    answer = FAMILY.answer(params) | {"running_var": [3.0], "eval_output": [[0.0], [2 / np.sqrt(3)]]}  # (x - 1) / sqrt(3)
    result = check(FAMILY, PARAMS, answer)
    assert not result.parts["running_var"].correct and result.parts["eval_output"].carried


def test_momentum_none_averages_every_batch_seen():
    params = FAMILY.params(PARAMS | {"momentum": None, "num_batches_tracked": 3})
    assert FAMILY.answer(params)["running_mean"] == [0.5]  # 3/4 · 0 + 1/4 · 2
    assert {"momentum_none_as_default", "cumulative_count"} <= {m.name for m in FAMILY.mistakes(params)}


@pytest.mark.parametrize(("change", "message"), [
    ({"input": [[1, 2]]}, "input: training mode needs more than 1 value per channel"),
    ({"input": [1, 2]}, r"input: needs 2 to 4 axes"),
    ({"weight": [1]}, "bias: give both weight and bias"),
    ({"running_mean": [0, 0]}, "running_mean: needs one value for each of the 1 channels"),
    ({"running_var": [-1]}, "running_var: a variance is not negative"),
    ({"input": [[2], [2]]}, "eps: 0 with a variance of 0 divides by 0"),
    ({"momentum": 1.5}, "momentum: Input should be less than or equal to 1"),
])
def test_bad_params_name_the_field(change, message):
    with pytest.raises(ParamsError, match=f"^batchnorm_values: {message}"):
        FAMILY.params(PARAMS | change)
