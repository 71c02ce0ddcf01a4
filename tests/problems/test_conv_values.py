"""conv_values: hand-computed cases, named mistakes, the worked solution's arithmetic, errors naming the field."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checking import check
from grader.errors import ParamsError
from grader.problems import get_family

FAMILY = get_family("conv_values")
X = [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]
W = [[[[1, 2], [3, 4]]]]


def test_cross_correlation_and_convolution_by_hand():
    assert FAMILY.answer(FAMILY.params({"input": X, "weight": W})) == [[[37, 47], [67, 77]]]
    flipped = FAMILY.params({"input": X, "weight": W, "op": "convolution", "bias": [1]})
    assert FAMILY.answer(flipped) == [[[24, 34], [54, 64]]]


@pytest.mark.parametrize(("op", "answer", "mistake"), [
    ("cross_correlation", [[[23, 33], [53, 63]]], "flipped_kernel"),
    ("convolution", [[[37, 47], [67, 77]]], "forgot_flip"),
])
def test_the_other_kernel_direction_is_named(op, answer, mistake):
    result = check(FAMILY, {"input": X, "weight": W, "op": op}, answer)
    assert not result.correct and result.mistakes == [mistake]


def test_padding_with_border_copies_is_named():
    params = {"input": X, "weight": W, "padding": 1}
    edge = np.pad(np.array(X[0]), 1, mode="edge")
    answer = [[[int((edge[i:i + 2, j:j + 2] * np.array(W[0][0])).sum()) for j in range(4)] for i in range(4)]]
    assert check(FAMILY, params, answer).mistakes == ["edge_padding"]


def test_a_filter_reading_every_group_is_named():
    params = {"input": [[[1, 2]], [[10, 20]]], "weight": [[[[1]]], [[[2]]]], "groups": 2}
    assert FAMILY.answer(FAMILY.params(params)) == [[[1, 2]], [[20, 40]]]
    assert check(FAMILY, params, [[[11, 22]], [[22, 44]]]).mistakes == ["ignored_groups"]


def test_the_worked_entry_adds_up_to_the_answer():
    for seed in range(100):
        params = FAMILY.sample(np.random.default_rng(seed))
        at, terms = params.worked_entry()
        bias = params.bias[0] if params.bias is not None else 0
        assert sum(w * v for w, v in terms) + bias == np.asarray(FAMILY.answer(params))[(0, *at)], seed


@pytest.mark.parametrize(("change", "field"), [
    ({"input": [[[1, 2, 3], [4, 5]]]}, "input: is ragged"),
    ({"input": [[1, 2, 3]]}, "input: needs 3 axes"),
    ({"input": [[[1, True, 3]]]}, "input: has the entry True"),
    ({"input": [[[1, 2e6, 3]]]}, "input: has the entry 2000000.0; entries are at most 1,000,000 in size"),
    ({"input": [[[1] * 400] * 400]}, "input: has 160,000 entries; at most 100,000"),
    ({"input": [[[1] * 300] * 300], "weight": [[[[1] * 40] * 40]]}, "input: needs 108,993,600 multiply-adds"),
    ({"padding": 200}, "padding: gives 162,409 entries"),
    ({"weight": [[[1, 2], [3, 4]]]}, "weight: needs 4 axes"),
    ({"weight": [[[[1]], [[2]]]]}, "weight: has 2 input channels per filter"),
    ({"weight": [[[[1] * 4] * 4]]}, "weight: the dilated kernel"),
    ({"dilation": 3}, "weight: the dilated kernel"),
    ({"bias": [1, 2]}, "bias: needs one value for each of the 1 output channels"),
    ({"groups": 2}, "groups: 2 does not divide"),
    ({"stride": [1, 1, 1]}, "stride: has 3 values but dims is 2"),
    ({"op": "correlation"}, "op:"),
])
def test_bad_params_name_the_field(change, field):
    with pytest.raises(ParamsError, match=f"^conv_values: {field}"):
        FAMILY.params({"input": X, "weight": W} | change)


def test_six_output_channels_and_long_axes_are_solved_and_flagged_only_as_big_for_hand_work():
    params = FAMILY.params({"input": [[list(range(14))] * 2], "weight": [[[[1, -1]]]] * 6, "bias": [0, 1, 2, 3, 4, 5]})
    answer = np.asarray(FAMILY.answer(params))
    assert answer.shape == (6, 2, 13) and answer[5].tolist() == [[4] * 13] * 2  # x[j] - x[j+1] + 5
    assert FAMILY.module.too_big_by_hand(params) == "the output has 6 channels (more than 4 to compute by hand)"
    assert FAMILY.module.too_big_by_hand(FAMILY.params({"input": X, "weight": W})) is None


def test_the_output_is_computed_once_for_the_degenerate_check_and_the_solve(monkeypatch):
    from grader.problems import conv_values

    calls = []
    real = conv_values.conv
    monkeypatch.setattr(conv_values, "conv", lambda **kw: calls.append(kw) or real(**kw))
    params = FAMILY.params({"input": X, "weight": W, "bias": [5]})
    assert FAMILY.degenerate(params) is None
    assert conv_values.solve(params)["output"].expected == [[[42, 52], [72, 82]]]
    assert len(calls) == 1  # the same (frozen) parameters: remembered
    # a mistake's changed arguments are never served from it, nor do they replace it
    assert conv_values._output(params, bias=None) == [[[37, 47], [67, 77]]]
    assert conv_values._output(params) == [[[42, 52], [72, 82]]] and len(calls) == 2
    # equal parameters in another object: computed again (keyed on the object, not on its value)
    assert conv_values._output(FAMILY.params({"input": X, "weight": W, "bias": [5]})) == [[[42, 52], [72, 82]]]
    assert len(calls) == 3
