"""conv_transpose_values: the seed exercise, named mistakes, the worked solution, errors naming the field."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checking import check
from grader.errors import ParamsError
from grader.problems import get_family

FAMILY = get_family("conv_transpose_values")
SEED = {"input": [[[1, 2], [0, 1]]], "weight": [[[[1, 2, 3], [2, 3, 4], [3, 4, 5]]]], "stride": 1, "padding": 0}


def test_the_seed_exercise():
    expected = [[[1, 4, 7, 6], [2, 8, 12, 11], [3, 12, 16, 14], [0, 3, 4, 5]]]
    assert FAMILY.answer(FAMILY.params(SEED)) == expected
    assert check(FAMILY, SEED, expected).correct


def test_sliding_the_kernel_over_the_padded_input_is_named():
    # a convolution of [[0,0,0,0],[0,1,2,0],...] zero-padded by 2 with the kernel as it is = scatter with it flipped
    padded = np.pad(np.array(SEED["input"][0]), 2)
    kernel = np.array(SEED["weight"][0][0])
    gathered = [[[int((padded[i:i + 3, j:j + 3] * kernel).sum()) for j in range(4)] for i in range(4)]]
    assert check(FAMILY, SEED, gathered).mistakes == ["flipped_kernel"]
    strided = SEED | {"stride": 2}
    assert check(FAMILY, strided, gathered).mistakes == ["gathered_like_conv"]


def test_reading_the_weight_as_out_in_is_named():
    params = {"dims": 1, "input": [[1], [10]], "weight": [[[1], [2]], [[3], [4]]]}
    assert FAMILY.answer(FAMILY.params(params)) == [[31], [42]]
    assert check(FAMILY, params, [[21], [43]]).mistakes == ["channel_layout"]


def test_output_padding_is_kept_at_the_far_end():
    params = {"dims": 1, "input": [[1, 2]], "weight": [[[1, 1]]], "stride": 2, "output_padding": 1, "bias": [5]}
    assert FAMILY.answer(FAMILY.params(params)) == [[6, 6, 7, 7, 5]]
    assert check(FAMILY, params, [[6, 6, 7, 7]]).mistakes == ["ignored_output_padding"]


def test_the_worked_entry_adds_up_to_the_answer():
    for seed in range(100):
        params = FAMILY.sample(np.random.default_rng(seed))
        at, terms = params.worked_entry()
        bias = params.bias[0] if params.bias is not None else 0
        assert sum(v * w for v, w in terms) + bias == np.asarray(FAMILY.answer(params))[(0, *at)], seed


@pytest.mark.parametrize(("change", "field"), [
    ({"output_padding": 1}, "output_padding: 1 must be smaller than stride"),
    ({"output_padding": 2, "stride": 2}, "output_padding: 2 must be smaller than stride"),
    ({"padding": 3}, "padding: cropping 3 from both ends leaves -2"),
    ({"input": [[[1, 2], [0]]]}, "input: is ragged"),
    ({"input": [[[1, 2], [0, 1]]] * 2}, "weight: its first axis is the 2 input channel"),
    ({"weight": [[[[1]]]], "input": [[[1] * 200] * 200], "stride": 2}, r"input: gives 159,201 entries \(shape \[1, 399, 399\]\)"),
    ({"weight": [[[[1]]]], "input": [[[1] * 400] * 400]}, "input: has 160,000 entries; at most 100,000"),
    ({"bias": [1, 2]}, "bias: needs one value for each of the 1 output channels"),
])
def test_bad_params_name_the_field(change, field):
    with pytest.raises(ParamsError, match=f"^conv_transpose_values: {field}"):
        FAMILY.params(SEED | change)


def test_output_padding_may_reach_up_to_the_dilation():
    params = FAMILY.params(SEED | {"dilation": 2, "output_padding": 1})
    assert np.shape(FAMILY.answer(params)) == (1, 7, 7)


@pytest.mark.parametrize(("params", "shape", "why"), [
    (SEED | {"weight": [[[[1, 2, 3], [2, 3, 4], [3, 4, 5]]] * 6]}, (6, 4, 4), "the output has 6 channels"),
    (SEED | {"input": [[[1] * 6] * 6], "stride": 2, "padding": 0, "output_padding": 1}, (1, 14, 14),
     "the output has 14 entries along an axis"),
    ({"dims": 1, "input": [[1, 2, 3, 4, 5, 6, 7]], "weight": [[[1, 0, 1]]], "stride": 2}, (1, 15), "the output has 15 entries"),
])
def test_what_pytorch_accepts_is_solved_and_only_flagged_as_big_for_hand_work(params, shape, why):
    family_params = FAMILY.params(params)
    assert np.shape(FAMILY.answer(family_params)) == shape
    assert why in FAMILY.module.too_big_by_hand(family_params)
    assert FAMILY.module.too_big_by_hand(FAMILY.params(SEED)) is None
