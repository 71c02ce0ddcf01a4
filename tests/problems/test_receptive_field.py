"""receptive_field: the seed stacks, credit carried from a wrong earlier layer, 2-D answers, errors naming the layer."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checking import check
from grader.errors import ParamsError
from grader.problems import get_family

FAMILY = get_family("receptive_field")


def stack(*layers, dims=1):
    return {"dims": dims, "layers": [{"type": "conv", **layer} for layer in layers]}


SEED_Q1 = stack({"kernel_size": 5, "stride": 2}, {"kernel_size": 3}, {"kernel_size": 5, "dilation": 2})  # seed 000, Q1
SEED_Q2 = stack({"kernel_size": 3}, {"kernel_size": 5, "stride": 2}, {"kernel_size": 3, "dilation": 2})  # seed 000, Q2ii


def test_the_seed_stacks():
    assert FAMILY.answer(FAMILY.params(SEED_Q1)) == [5, 9, 25]
    assert FAMILY.answer(FAMILY.params(SEED_Q2)) == [3, 7, 15]


def test_pools_widen_the_field_like_convolutions():
    params = {"dims": 1, "layers": [{"type": "conv", "kernel_size": 3}, {"type": "maxpool", "kernel_size": 2, "stride": 2},
                                    {"type": "avgpool", "kernel_size": 3, "stride": 2, "padding": 1}, {"type": "conv", "kernel_size": 3}]}
    assert FAMILY.answer(FAMILY.params(params)) == [3, 4, 8, 16]


def test_a_layer_right_from_the_students_own_previous_field_carries_credit():
    result = check(FAMILY, SEED_Q2, [4, 8, 16])  # layer 1 wrong; 4 + 4*1 = 8, then 8 + 2*2*2 = 16
    assert [result.parts[f"layer{i}"].carried for i in (1, 2, 3)] == [False, True, True]
    assert result.score == 2
    assert check(FAMILY, SEED_Q2, [4, 8, 16], carry_forward=0).score == 0
    wrong_step = check(FAMILY, SEED_Q2, [4, 9, 17])  # 9 is not 4 + 4: nothing to carry at layer 2, but layer 3 is
    assert [wrong_step.parts[f"layer{i}"].carried for i in (2, 3)] == [False, True]


def test_a_two_dimensional_stack_answers_per_axis_and_carries_per_axis():
    params = {"dims": 2, "layers": [{"type": "conv", "kernel_size": [3, 5], "stride": [1, 2]},
                                    {"type": "conv", "kernel_size": 3, "dilation": [2, 1]}]}
    assert FAMILY.answer(FAMILY.params(params)) == [[3, 5], [7, 9]]
    result = check(FAMILY, params, [[3, 4], [7, 8]])
    assert result.parts["layer1"].score == 0.5 and result.parts["layer2"].carried


def test_one_int_per_layer_reads_as_a_square_field_in_two_dimensions():
    params = stack({"kernel_size": 3}, {"kernel_size": 3, "stride": 2}, dims=2)
    assert FAMILY.answer(FAMILY.params(params)) == [[3, 3], [5, 5]]
    assert check(FAMILY, params, [3, 5]).correct


@pytest.mark.parametrize(("answer", "named"), [
    ([5, 9, 17], "ignored_dilation"),
    ([5, 7, 15], "forgot_jump"),
    ([5, 9, 33], "added_padding")  # 9 + (2*4 + 2*2) * 2,
])
def test_mistakes_are_named(answer, named):
    params = stack({"kernel_size": 5, "stride": 2}, {"kernel_size": 3}, {"kernel_size": 5, "dilation": 2, "padding": 2})
    result = check(FAMILY, params, answer)
    assert named in result.mistakes


def test_every_listed_mistake_is_offered_on_some_drawn_stacks():
    offered = set()
    for seed in range(240):
        offered |= {m.name for m in FAMILY.mistakes(FAMILY.sample(np.random.default_rng(seed)))}
    assert offered == {"ignored_dilation", "forgot_jump", "current_stride", "stride_product_includes_current",
                       "previous_stride_only", "summed_kernels", "ignored_pooling", "added_padding", "dilation_times_kernel"}


def test_a_mistake_whose_wrong_entries_an_earlier_one_explains_is_left_out():
    # previous_stride_only gives [5, 9, 17] here: layer 3 is ignored_dilation's value and layer 2 is right
    names = [m.name for m in FAMILY.mistakes(FAMILY.params(SEED_Q1))]
    assert "ignored_dilation" in names and "previous_stride_only" not in names


@pytest.mark.parametrize(("change", "message"), [
    ({"layers": [{"type": "avgpool", "kernel_size": 2, "dilation": 2}]}, "layers.0.dilation: avgpool has no dilation"),
    ({"layers": [{"type": "conv", "kernel_size": 3}, {"type": "conv", "kernel_size": [3, 3]}]},
     "layers.1.kernel_size: has 2 values but dims is 1"),
    ({"layers": [{"type": "conv", "kernal_size": 3}]}, "layers.0.kernal_size: unknown key"),
    ({"layers": [{"type": "dense", "kernel_size": 3}]}, "layers.0.type: Input should be 'conv', 'maxpool' or 'avgpool'"),
    ({"layers": [{"type": "conv", "kernel_size": 0}]}, "layers.0.kernel_size"),
    ({"dims": 3}, "dims: Input should be 1 or 2"),
])
def test_bad_params_name_the_layer_and_field(change, message):
    with pytest.raises(ParamsError) as error:
        FAMILY.params(SEED_Q1 | change)
    assert str(error.value).startswith("receptive_field: ") and message in str(error.value)
