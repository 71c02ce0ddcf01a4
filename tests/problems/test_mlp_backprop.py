"""mlp_backprop: a hand-worked network, the named slips, the generated questions, and errors naming the field."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checking import check
from grader.errors import ParamsError
from grader.problems import get_family

FAMILY = get_family("mlp_backprop")
# x = [1, 2]; z1 = [-1, 2], h1 = relu = [0, 2]; y = 3·0 + 1·2 + 1 = 3; MSE to 1: 4; dL/dy = 4
# delta1 = [3, 1]·4 ⊙ relu'([-1, 2]) = [0, 4]; dW1 = delta1 xᵀ = [[0, 0], [4, 8]]; dW2 = 4 h1ᵀ = [[0, 8]]
PARAMS = {
    "x": [1, 2],
    "layers": [{"weight": [[1, -1], [2, 0]], "activation": "relu"}, {"weight": [[3, 1]], "bias": [1]}],
    "loss": "mse", "target": [1], "lr": 0.5,
    "asked": [{"tensor": "weight", "layer": 1, "index": [1, 1]}, {"tensor": "weight", "layer": 2, "index": [0, 1]},
              {"tensor": "bias", "layer": 2, "index": [0]}],
}
TRUTH = {"output": [3], "loss": 4.0, "dW1_1_1": 8.0, "dW2_0_1": 8.0, "db2_0": 4.0, "W1_updated": [[1, -1], [0, -4]]}


def test_a_hand_worked_network():
    assert FAMILY.answer(FAMILY.params(PARAMS)) == TRUTH
    assert check(FAMILY, PARAMS, TRUTH).correct


@pytest.mark.parametrize(("change", "mistake"), [
    ({"W1_updated": [[1, -1], [4, 4]]}, "sgd_ascent"),
    ({"loss": 2.0, "dW1_1_1": 4.0, "dW2_0_1": 4.0, "db2_0": 2.0, "W1_updated": [[1, -1], [1, -2]]}, "half_sum_of_squares"),
    ({"dW1_1_1": 8.0, "W1_updated": [[-5, -13], [0, -4]]}, "forgot_activation_derivative"),  # delta1 = [12, 4]
])
def test_named_slips(change, mistake):
    result = check(FAMILY, PARAMS, TRUTH | change)
    assert not result.correct and result.mistakes == [mistake], result.feedback


def test_a_sigmoid_derivative_taken_at_the_activation_is_named():
    params = PARAMS | {"layers": [{"weight": [[1, -1], [2, 0]], "activation": "sigmoid"}, {"weight": [[3, 1]], "bias": [1]}]}
    slip = next(m for m in FAMILY.mistakes(FAMILY.params(params)) if m.name == "derivative_at_output")
    result = check(FAMILY, params, slip.answer)
    assert "derivative_at_output" in result.mistakes


def test_a_loss_right_from_the_students_own_output_carries_credit():
    result = check(FAMILY, PARAMS, TRUTH | {"output": [2], "loss": 1.0})
    assert not result.parts["output"].correct and result.parts["loss"].carried


def test_generated_questions_ask_for_nonzero_gradients_and_a_visible_step():
    for seed in range(100):
        params = FAMILY.sample(np.random.default_rng(seed))
        answer = FAMILY.answer(params)
        assert answer["loss"] > 0.01 and len(params.asked) >= 2
        assert all(answer[e.name] != 0 for e in params.asked)
        assert not np.allclose(answer["W1_updated"], params.layers[0].weight, atol=0.005)


@pytest.mark.parametrize(("change", "message"), [
    ({"x": [1, 2, 3]}, "layers.0.weight: reads 2 inputs, but what reaches it has 3"),
    ({"target": 0}, "target: mse needs a target vector of the 1 outputs"),
    ({"loss": "cross_entropy"}, "target: cross_entropy needs the true class"),
    ({"asked": [{"tensor": "weight", "layer": 3, "index": [0, 0]}]}, "asked.0.layer: there are 2 layers"),
    ({"asked": [{"tensor": "weight", "layer": 1, "index": [2, 0]}]}, r"asked.0.index: \[2, 0\] is not an entry of a weight of shape \[2, 2\]"),
    ({"asked": [{"tensor": "bias", "layer": 1, "index": [0]}]}, "asked.0: layer 1 has no bias"),
    ({"update_layer": 3}, "update_layer: there are 2 layers"),
])
def test_bad_params_name_the_field(change, message):
    with pytest.raises(ParamsError, match=f"^mlp_backprop: {message}"):
        FAMILY.params(PARAMS | change)
