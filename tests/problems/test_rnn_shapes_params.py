"""rnn_shapes_params: textbook layers, the named slips, shapes in PyTorch's order, and errors naming the field."""

from __future__ import annotations

import pytest

from grader.checking import check
from grader.errors import ParamsError
from grader.problems import get_family

FAMILY = get_family("rnn_shapes_params")
LSTM = {"cell": "lstm", "input_size": 10, "hidden_size": 20, "num_layers": 2, "bidirectional": True, "batch_first": True,
        "seq_len": 5, "batch": 3}
# layer 1: 2·(4·20·(10 + 20) + 2·4·20) = 5,120; layer 2 reads 2·20 = 40: 2·(4·20·(40 + 20) + 160) = 9,920
TRUTH = {"param_count": 15_040, "output_shape": [3, 5, 40], "h_n_shape": [4, 3, 20], "c_n_shape": [4, 3, 20]}


def test_a_bidirectional_two_layer_lstm():
    assert FAMILY.answer(FAMILY.params(LSTM)) == TRUTH
    assert check(FAMILY, LSTM, TRUTH).correct


@pytest.mark.parametrize(("change", "mistake"), [
    ({"param_count": 15_040 - 2 * 2 * 4 * 20}, "one_bias_vector"),
    ({"h_n_shape": [3, 4, 20], "c_n_shape": [3, 4, 20]}, "h_n_batch_first"),
    ({"output_shape": [5, 3, 40]}, "output_ignored_batch_first"),
    ({"output_shape": [3, 5, 80]}, "output_of_every_layer"),
    ({"h_n_shape": [2, 3, 20], "c_n_shape": [2, 3, 20]}, "h_n_last_layer_only"),
])
def test_named_slips(change, mistake):
    result = check(FAMILY, LSTM, TRUTH | change)
    assert not result.correct and result.mistakes == [mistake], result.feedback


def test_a_shape_read_in_another_order_is_wrong_and_a_list_of_other_length_is_an_answer():
    result = check(FAMILY, LSTM, TRUTH | {"output_shape": [40, 5, 3]})
    assert not result.parts["output_shape"].correct  # channels-last readings are for images, not sequences
    result = check(FAMILY, LSTM, TRUTH | {"output_shape": [3, 5]})
    assert result.parts["output_shape"].feedback == "The shape has 2 sizes; this tensor has 3 axes."


def test_gru_unbatched_and_an_lstm_projection():
    gru = FAMILY.params({"cell": "gru", "input_size": 8, "hidden_size": 16, "seq_len": 7, "batch": None})
    assert FAMILY.answer(gru) == {"param_count": 3 * 16 * (8 + 16) + 2 * 3 * 16, "output_shape": [7, 16], "h_n_shape": [1, 16]}
    proj = FAMILY.params({"cell": "lstm", "input_size": 8, "hidden_size": 16, "proj_size": 4, "seq_len": 7, "batch": 2})
    assert FAMILY.answer(proj) == {"param_count": 4 * 16 * (8 + 4) + 2 * 4 * 16 + 4 * 16, "output_shape": [7, 2, 4],
                                   "h_n_shape": [1, 2, 4], "c_n_shape": [1, 2, 16]}


@pytest.mark.parametrize(("change", "message"), [
    ({"cell": "gru", "proj_size": 5}, "proj_size: only nn.LSTM projects its hidden state, not nn.GRU"),
    ({"proj_size": 20}, r"proj_size: 20 must be smaller than hidden_size \(20\)"),
    ({"cell": "transformer"}, "cell:"),
    ({"num_layers": 0}, "num_layers: Input should be greater than or equal to 1"),
])
def test_bad_params_name_the_field(change, message):
    with pytest.raises(ParamsError, match=f"^rnn_shapes_params: {message}"):
        FAMILY.params(LSTM | change)
